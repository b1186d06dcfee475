#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-guest half of pmem-read.sh: the same 1 GiB of pmem read through famfs
# and through ext4 -o dax, by mmap and by read(2), with fs_dax fault counts
# for one traced mmap pass of each. Prints FAULTS and RESULT lines.
set -u
DEV=${FAMFS_DEV:-/dev/pmem0}
MPT=/mnt/bench
SIZE=1073741824
PASSES=${PASSES:-7}
B=/opt/famfs-bench
T=/sys/kernel/tracing
[ -e $T/trace ] || T=/sys/kernel/debug/tracing

die() { echo "guest-pmem-read: $*" >&2; exit 2; }

# faults LABEL CMD...: run CMD once with the fs_dax fault events on.
faults() {
	label=$1
	shift
	if [ ! -e $T/events/fs_dax/dax_pmd_fault_done/enable ]; then
		echo "FAULTS fs=$label unavailable (no fs_dax tracepoints)"
		"$@" >/dev/null
		return
	fi
	echo 0 >$T/tracing_on
	echo 32768 >$T/buffer_size_kb
	: >$T/trace
	echo 1 >$T/events/fs_dax/dax_pmd_fault_done/enable
	echo 1 >$T/events/fs_dax/dax_pte_fault_done/enable
	echo 1 >$T/tracing_on
	"$@" >/dev/null
	echo 0 >$T/tracing_on
	echo 0 >$T/events/fs_dax/dax_pmd_fault_done/enable
	echo 0 >$T/events/fs_dax/dax_pte_fault_done/enable
	pmd=$(grep -c 'dax_pmd_fault_done:.*NOPAGE' $T/trace)
	fb=$(grep -c 'dax_pmd_fault_done:.*FALLBACK' $T/trace)
	pte=$(grep -c 'dax_pte_fault_done:' $T/trace)
	echo "FAULTS fs=$label pmd=$pmd pmd_fallback=$fb pte=$pte"
}

measure() {
	label=$1 file=$2
	faults "$label" $B/pmem_read mmap "$file" 1
	$B/pmem_read mmap "$file" "$PASSES" | sed "s/^RESULT /RESULT fs=$label /"
	$B/pmem_read read "$file" "$PASSES" | sed "s/^RESULT /RESULT fs=$label /"
}

modprobe famfs 2>/dev/null
mkdir -p $MPT
umount $MPT 2>/dev/null
mkfs.famfs -f "$DEV" >/dev/null || die "mkfs.famfs failed"
famfs mount "$DEV" $MPT || die "famfs mount failed"
famfs creat -s $SIZE $MPT/bench1g || die "famfs creat failed"
$B/pmem_read fill $MPT/bench1g $SIZE || die "fill (famfs) failed"
famfs getmap $MPT/bench1g
measure famfs $MPT/bench1g
umount $MPT || die "umount famfs failed"

# ext4 at its best for PMDs: 2 MiB stripe hints make mballoc align
# allocations; without resize_inode and with only two superblock backups the
# block groups have no metadata in the way of one long aligned extent.
mkfs.ext4 -F -q -t ext4 -b 4096 -O ^resize_inode,sparse_super2 \
	-E stride=512,stripe_width=512,lazy_itable_init=0,lazy_journal_init=0 \
	"$DEV" || die "mkfs.ext4 failed"
mount -t ext4 -o dax,stripe=512 "$DEV" $MPT || die "mount ext4 -o dax failed"
# ext4's first allocation comes from the unaligned free space after the
# metadata of group 0; a pad file takes it so the benchmark file is aligned.
$B/pmem_read fill $MPT/pad 268435456 || die "fill (ext4 pad) failed"
$B/pmem_read fill $MPT/bench1g $SIZE || die "fill (ext4) failed"
# where ext4 put the file: extents not 2 MiB aligned explain PTE faults
command -v filefrag >/dev/null && filefrag -v $MPT/bench1g | head -n 40
measure ext4-dax $MPT/bench1g
umount $MPT
