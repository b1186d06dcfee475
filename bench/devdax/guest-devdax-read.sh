#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-guest half of devdax-read.sh: 1 GiB of one devdax device read raw
# (device_dax mode, mmap of /dev/daxX.Y) and through famfs after switching
# the device to fsdev_dax (mmap and read(2) of a 1 GiB file), with fs_dax
# fault counts for one traced famfs mmap pass. Prints FAULTS/RESULT lines.
set -u
DEV=${FAMFS_DEV:-/dev/dax0.0}
NAME=$(basename "$DEV")
MPT=/mnt/bench
SIZE=1073741824
PASSES=${PASSES:-5}
B=/opt/famfs-bench
T=/sys/kernel/tracing
D=/sys/bus/dax/drivers
[ -e $T/trace ] || T=/sys/kernel/debug/tracing

die() { echo "guest-devdax-read: $*" >&2; exit 2; }

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

modprobe famfs 2>/dev/null
modprobe fsdev_dax 2>/dev/null
[ "$(basename "$(readlink /sys/bus/dax/devices/$NAME/driver)")" = device_dax ] ||
	die "$NAME is not in device_dax mode"

# Raw: device_dax maps 2 MiB pages itself (no fs_dax tracepoints there).
$B/devdax_read mmap "$DEV" $SIZE "$PASSES" | sed "s/^RESULT /RESULT fs=raw-devdax /" ||
	die "raw mmap failed"

mkfs.famfs -f "$DEV" >/dev/null || die "mkfs.famfs failed"
echo "$NAME" >$D/device_dax/unbind || die "unbind device_dax failed"
echo "$NAME" >$D/fsdev_dax/bind || die "bind fsdev_dax failed"
mkdir -p $MPT
famfs mount "$DEV" $MPT || die "famfs mount failed"
famfs creat -s $SIZE $MPT/bench1g || die "famfs creat failed"
$B/devdax_read fill $MPT/bench1g $SIZE || die "fill failed"
faults famfs-fsdev $B/devdax_read mmap $MPT/bench1g 0 1
$B/devdax_read mmap $MPT/bench1g 0 "$PASSES" | sed "s/^RESULT /RESULT fs=famfs-fsdev /"
$B/devdax_read read $MPT/bench1g 0 "$PASSES" | sed "s/^RESULT /RESULT fs=famfs-fsdev /"
umount $MPT || die "umount failed"
echo "$NAME" >$D/fsdev_dax/unbind && echo "$NAME" >$D/device_dax/bind ||
	die "switching back to device_dax failed"
