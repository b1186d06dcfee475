#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-guest half of devdax-read.sh: 1 GiB of one devdax device read raw
# (device_dax driver, mmap of /dev/daxX.Y) and through famfs on the same
# device bound to fsdev_dax (mmap and read(2) of a 1 GiB file), in ROUNDS
# alternating rounds (famfs first in odd rounds, raw first in even ones).
# famfs is formatted and its file filled once; each famfs side switches the
# device to fsdev_dax, mounts, measures, unmounts and switches back.
set -u
BENCH_NAME=guest-devdax-read
# shellcheck source=bench/lib/guest-lib.sh
. /opt/famfs-bench/guest-lib.sh
DEV=${FAMFS_DEV:-/dev/dax0.0}
NAME=$(basename "$DEV")
MPT=/mnt/bench
SIZE=1073741824
FILE=$MPT/bench1g
D=/sys/bus/dax/drivers
filled=0
file_off=""

driver() { basename "$(readlink /sys/bus/dax/devices/"$NAME"/driver)"; }

to_fsdev() {
	echo "$NAME" >$D/device_dax/unbind || die "unbind device_dax failed"
	echo "$NAME" >$D/fsdev_dax/new_id || die "new_id fsdev_dax failed"
}

to_devdax() {
	echo "$NAME" >$D/fsdev_dax/remove_id || die "remove_id fsdev_dax failed"
	echo "$NAME" >$D/fsdev_dax/unbind || die "unbind fsdev_dax failed"
	echo "$NAME" >$D/device_dax/bind || die "bind device_dax failed"
}

# side LABEL ROUND POS
side() {
	echo "# round $2: $1"
	case $1 in
	raw-devdax)
		[ "$(driver)" = device_dax ] || die "$NAME is not bound to device_dax"
		# Every side starts from a fresh bind, as the famfs side does:
		# binding sets up the device's struct pages again.
		echo "$NAME" >$D/device_dax/unbind || die "unbind device_dax failed"
		echo "$NAME" >$D/device_dax/bind || die "bind device_dax failed"
		# device_dax maps 2 MiB pages itself: no fs_dax tracepoints there.
		# The raw side reads the very bytes of the famfs file.
		export DAX_READ_OFFSET="$file_off"
		measure raw-devdax "$2" "$3" "$DEV" $SIZE "mmap warm fault"
		unset DAX_READ_OFFSET
		[ "$2" = 1 ] && echo "FAULTS fs=raw-devdax unavailable (device_dax faults are not fs_dax faults: no tracepoints)"
		;;
	famfs-fsdev)
		to_fsdev
		famfs mount "$DEV" $MPT || die "famfs mount failed"
		if [ $filled = 0 ]; then
			famfs creat -s $SIZE $FILE || die "famfs creat failed"
			$READER fill $FILE $SIZE || die "fill failed"
			famfs getmap $FILE
			file_off=$(famfs getmap $FILE | sed -n 's/.*extent 0: devindex 0 offset \(0x[0-9a-f]*\) .*/\1/p')
			[ -n "$file_off" ] || die "no extent offset in famfs getmap"
			echo "# the raw side reads device bytes $file_off.. (the famfs file)"
			filled=1
		fi
		measure famfs-fsdev "$2" "$3" $FILE 0 "mmap warm read fault"
		[ "$2" = 1 ] && faults famfs-fsdev $READER mmap $FILE 0 1
		umount $MPT || die "umount failed"
		to_devdax
		;;
	esac
	return 0
}

bench_header
modprobe famfs 2>/dev/null
modprobe fsdev_dax 2>/dev/null
[ -d $D/fsdev_dax ] || die "no fsdev_dax driver in this kernel"
[ "$(driver)" = device_dax ] || die "$NAME is not in device_dax mode"
mkdir -p $MPT
mkfs.famfs -f "$DEV" >/dev/null || die "mkfs.famfs failed"
r=1
while [ $r -le "$ROUNDS" ]; do
	if [ $((r % 2)) = 1 ]; then
		side famfs-fsdev $r 1
		side raw-devdax $r 2
	else
		side raw-devdax $r 1
		side famfs-fsdev $r 2
	fi
	r=$((r + 1))
done
