#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-guest half of bench/scale/file-count.sh (busybox sh). For each
# "N:LOGMIB" in $CASES: a source tree of N files of $FSIZE bytes, $PERDIR to
# a directory, on the guest's tmpfs (mktree), then, on $DEV (pmem, fsdax):
#   famfs_cp     mkfs.famfs -l LOGMIB, mount, time famfs cp -r SRC MPT/
#   famfs_creat  mkfs.famfs -l LOGMIB, mount, time famfs mkdir of the
#                directories plus one famfs creat --from LIST of every file
#                (no data; LIST holds the -M arguments, one per line)
#   tmpfs        time cp -r SRC into a fresh tmpfs (and sync)
#   ext4         mkfs.ext4, mount -o dax, time cp -r SRC and sync
# The order of the four sides alternates from case to case, and from one
# case of a count to the next (rounds). One line each:
#   ROW files=N log_mib=L dirs=D famfs_cp=S famfs_creat=S tmpfs=S ext4=S order=...
BENCH_NAME=file-count
# shellcheck source=bench/scale/guest-scale-lib.sh
. "$(dirname "$0")/guest-scale-lib.sh"
PEER=/mnt/peer
DEV=${DEV:-$(cat /run/famfs/device)}
PERDIR=${PERDIR:-100}
FSIZE=${FSIZE:-4096}

# nfiles DIR: regular files under DIR, famfs's .meta left out.
nfiles() {
	find "$1" -path "$1/.meta" -prune -o -type f -print | wc -l
}

famfs_fresh() {
	umount $MPT 2>/dev/null
	mkfs.famfs -f -l "${1}m" "$DEV" >/dev/null || die "mkfs.famfs -l ${1}m"
	famfs mount "$DEV" $MPT || die "famfs mount"
}

side_famfs_cp() {
	famfs_fresh "$L"
	t famfs_cp famfs cp -r "$SRC" $MPT/
	got=$(nfiles $MPT)
	[ "$got" = "$N" ] || die "famfs cp -r: $got files, want $N"
	umount $MPT || die "umount famfs"
}

side_famfs_creat() {
	famfs_fresh "$L"
	t famfs_mkdir sh -c "$B/mktree dirs $MPT/src-$N $N $PERDIR | xargs famfs mkdir -p"
	t famfs_creat famfs creat --from /tmp/list.txt
	got=$(nfiles $MPT)
	[ "$got" = "$N" ] || die "famfs creat --from: $got files, want $N"
	umount $MPT || die "umount famfs"
}

side_tmpfs() {
	mount -t tmpfs -o size=90% none $PEER || die "mount tmpfs"
	t tmpfs sh -c "cp -r $SRC $PEER/ && sync"
	got=$(nfiles $PEER)
	[ "$got" = "$N" ] || die "tmpfs cp -r: $got files, want $N"
	umount $PEER
}

side_ext4() {
	mkfs.ext4 -F -q -t ext4 -b 4096 \
		-E lazy_itable_init=0,lazy_journal_init=0 "$DEV" ||
		die "mkfs.ext4 failed"
	mount -t ext4 -o dax "$DEV" $PEER || die "mount ext4 -o dax failed"
	t ext4 sh -c "cp -r $SRC $PEER/ && sync"
	got=$(nfiles $PEER)
	[ "$got" = "$((N))" ] || die "ext4 cp -r: $got files, want $N"
	umount $PEER || die "umount ext4"
}

scale_setup $PEER
i=0
for c in $CASES; do
	N=${c%%:*}
	L=${c#*:}
	SRC=/tmp/src-$N
	rm -rf /tmp/src-*
	$B/mktree tree "$SRC" "$N" "$PERDIR" "$FSIZE" || die "mktree $N"
	$B/mktree list $MPT/src-$N "$N" "$PERDIR" "$FSIZE" >/tmp/list.txt ||
		die "mktree list"
	dirs=$(((N + PERDIR - 1) / PERDIR))
	# Alternate from count to count, and for one count from round to round.
	eval "k=\${seen_$N:-0}"
	eval "seen_$N=$((k + 1))"
	if [ $(((i + k) % 2)) = 0 ]; then
		order="famfs_cp tmpfs famfs_creat ext4"
	else
		order="ext4 famfs_creat tmpfs famfs_cp"
	fi
	for s in $order; do
		echo "file-count: $N files: $s" >&2
		sync
		side_$s
	done
	# the creat side also makes the directories: count both
	creat=$(echo "$T_famfs_mkdir $T_famfs_creat" | awk '{printf "%.6f", $1 + $2}')
	echo "ROW files=$N log_mib=$L dirs=$dirs famfs_cp=$T_famfs_cp" \
		"famfs_creat=$creat famfs_mkdir=$T_famfs_mkdir tmpfs=$T_tmpfs" \
		"ext4=$T_ext4 order=$(echo $order | tr ' ' ,)"
	i=$((i + 1))
done
rm -rf /tmp/src-* /tmp/list.txt
