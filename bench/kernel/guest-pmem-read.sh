#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-guest half of pmem-read.sh: the same 1 GiB of one pmem namespace read
# through famfs and through ext4 -o dax, by mmap and read(2), in ROUNDS
# alternating rounds (famfs first in odd rounds, ext4 first in even ones).
# Each side reformats and refills the namespace in every round. fs_dax fault
# counts come from one traced mmap pass per side (round 1).
set -u
BENCH_NAME=guest-pmem-read
# shellcheck source=bench/lib/guest-lib.sh
. /opt/famfs-bench/guest-lib.sh
DEV=${FAMFS_DEV:-/dev/pmem0}
MPT=/mnt/bench
SIZE=1073741824
FILE=$MPT/bench1g
FAMFS_PAD_MB=${FAMFS_PAD_MB:-0}

prepare_famfs() {
	mkfs.famfs -f "$DEV" >/dev/null || die "mkfs.famfs failed"
	famfs mount "$DEV" $MPT || die "famfs mount failed"
	# Diagnostic: move the file up the device (e.g. to where ext4 puts its
	# file) to tell a location effect of the emulated memory from famfs.
	if [ "$FAMFS_PAD_MB" -gt 0 ]; then
		famfs creat -s $((FAMFS_PAD_MB * 1048576)) $MPT/pad || die "famfs creat pad failed"
	fi
	famfs creat -s $SIZE $FILE || die "famfs creat failed"
	$READER fill $FILE $SIZE || die "fill (famfs) failed"
	[ "$1" = 1 ] && famfs getmap $FILE
	return 0
}

# ext4 at its best for PMDs: 2 MiB stripe hints make mballoc align
# allocations; without resize_inode and with only two superblock backups the
# block groups have no metadata in the way of one long aligned extent.
prepare_ext4() {
	mkfs.ext4 -F -q -t ext4 -b 4096 -O ^resize_inode,sparse_super2 \
		-E stride=512,stripe_width=512,lazy_itable_init=0,lazy_journal_init=0 \
		"$DEV" || die "mkfs.ext4 failed"
	mount -t ext4 -o dax,stripe=512 "$DEV" $MPT || die "mount ext4 -o dax failed"
	# ext4's first allocation comes from the unaligned free space after the
	# metadata of group 0; a pad file takes it so the benchmark file is aligned.
	$READER fill $MPT/pad 268435456 || die "fill (ext4 pad) failed"
	$READER fill $FILE $SIZE || die "fill (ext4) failed"
	# where ext4 put the file: extents not 2 MiB aligned explain PTE faults
	if [ "$1" = 1 ] && command -v filefrag >/dev/null; then
		filefrag -v $FILE | head -n 40
	fi
	return 0
}

# side LABEL ROUND POS: format, fill, measure, (round 1) trace, unmount.
side() {
	echo "# round $2: $1"
	case $1 in
	famfs) prepare_famfs "$2" ;;
	ext4-dax) prepare_ext4 "$2" ;;
	esac
	measure "$1" "$2" "$3" $FILE 0 "mmap read fault"
	[ "$2" = 1 ] && faults "$1" $READER mmap $FILE 0 1
	umount $MPT || die "umount ($1) failed"
}

bench_header
modprobe famfs 2>/dev/null
mkdir -p $MPT
umount $MPT 2>/dev/null
r=1
while [ $r -le "$ROUNDS" ]; do
	if [ $((r % 2)) = 1 ]; then
		side famfs $r 1
		side ext4-dax $r 2
	else
		side ext4-dax $r 1
		side famfs $r 2
	fi
	r=$((r + 1))
done
