#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-guest half of bench/scale/copy-bandwidth.sh (busybox sh). Two
# workloads, their source on the guest's tmpfs (mktree):
#   big    one file of $BIG bytes
#   small  $NSMALL files of $SMALL bytes in one directory
# each copied, $ROUNDS times, onto $DEV (pmem, fsdax) by
#   famfs cp [-r] -t T (T in $THREADS) on a freshly formatted, mounted famfs
#   cp [-r] into a fresh ext4 -o dax, then sync
# The sides run in the order famfs T..., ext4 in odd rounds and reversed in
# even rounds. One line per copy:
#   ROW work=W files=N bytes=B side=famfs|ext4 threads=T round=R secs=S
BENCH_NAME=copy-bandwidth
# shellcheck source=bench/scale/guest-scale-lib.sh
. "$(dirname "$0")/guest-scale-lib.sh"
PEER=/mnt/peer
DEV=${DEV:-$(cat /run/famfs/device)}
ROUNDS=${ROUNDS:-1}
THREADS=${THREADS:-1 2 4}
BIG=${BIG:-1073741824}
NSMALL=${NSMALL:-1000}
SMALL=${SMALL:-1048576}

# check DIR: the copy under DIR has the source's file count and bytes.
check() {
	got=$(find "$1/$NAME" -type f | wc -l)
	[ "$got" = "$NFILES" ] || die "$2: $got files, want $NFILES"
	bytes=$(find "$1/$NAME" -type f -exec stat -c %s {} + |
		awk '{s += $1} END {print s}')
	[ "$bytes" = "$NBYTES" ] || die "$2: $bytes bytes, want $NBYTES"
}

copy_famfs() {
	umount $MPT 2>/dev/null
	mkfs.famfs -f "$DEV" >/dev/null || die "mkfs.famfs"
	famfs mount "$DEV" $MPT || die "famfs mount"
	sync
	t famfs famfs cp -r -t "$1" "$SRC" $MPT/
	check $MPT "famfs cp -t $1"
	umount $MPT || die "umount famfs"
	echo "ROW work=$WORK files=$NFILES bytes=$NBYTES side=famfs threads=$1" \
		"round=$r secs=$T_famfs"
}

copy_ext4() {
	mkfs.ext4 -F -q -t ext4 -b 4096 \
		-E lazy_itable_init=0,lazy_journal_init=0 "$DEV" ||
		die "mkfs.ext4 failed"
	mount -t ext4 -o dax "$DEV" $PEER || die "mount ext4 -o dax failed"
	sync
	t ext4 sh -c "cp -r $SRC $PEER/ && sync"
	check $PEER "ext4 cp"
	umount $PEER || die "umount ext4"
	echo "ROW work=$WORK files=$NFILES bytes=$NBYTES side=ext4 threads=1" \
		"round=$r secs=$T_ext4"
}

scale_setup $PEER
for WORK in big small; do
	rm -rf /tmp/src
	mkdir -p /tmp/src
	if [ $WORK = big ]; then
		NAME=big NFILES=1 NBYTES=$BIG
		SRC=/tmp/src/big
		$B/mktree file $SRC "$BIG" || die "mktree file"
	else
		NAME=small NFILES=$NSMALL NBYTES=$((NSMALL * SMALL))
		SRC=/tmp/src/small
		$B/mktree tree $SRC "$NSMALL" "$NSMALL" "$SMALL" || die "mktree tree"
	fi
	sides=""
	for T in $THREADS; do sides="$sides famfs:$T"; done
	sides="$sides ext4"
	r=1
	while [ $r -le "$ROUNDS" ]; do
		order=$sides
		[ $((r % 2)) = 0 ] && order=$(echo $sides | tr ' ' '\n' | sed -n '1!G;h;$p')
		for s in $order; do
			echo "copy-bandwidth: $WORK round $r: $s" >&2
			case $s in
			famfs:*) copy_famfs "${s#famfs:}" ;;
			ext4) copy_ext4 ;;
			esac
		done
		r=$((r + 1))
	done
done
rm -rf /tmp/src
