#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-guest half of bench/scale/log-length.sh (busybox sh). For every log
# size in $SIZES (MiB) and fill in $FILLS (percent): format $DEV, fill the
# log (fill-log), then time famfs mount (kernel mount + replay), famfs
# logplay with nothing new, umount, famfs fsck and fsck -v; and, as the
# peer, making the same namespace on tmpfs. One line per case:
#   ROW log_mib=L fill=P entries=N dirs=D files=F mount=S logplay=S fsck=S fsckv=S tmpfs=S
#       m_lookup_calls=N m_apply_calls=N m_mount_s=S m_scan_s=S m_plan_s=S ...
# (m_*: famfs mount's replay statistics, l_*: famfs logplay's).
B=/opt/famfs-bench
MPT=/mnt/famfs
PEER=/mnt/peer
DEV=${DEV:-$(cat /run/famfs/device)}
EVERY=${EVERY:-100}
STATS=/tmp/log-length.stats
export FAMFS_REPLAY_STATS=1

die() {
	echo "log-length: $*" >&2
	exit 2
}

# t LABEL CMD...: time CMD, die if it fails, set $T_LABEL to the seconds.
# The famfs tools' replay statistics (FAMFS_REPLAY_STATS) go to $STATS.
t() {
	label=$1
	shift
	line=$($B/tm "$label" "$@" 2>$STATS) || die "$label failed: $* ($line; $(cat $STATS))"
	eval "T_$label=$(echo "$line" | cut -d' ' -f3)"
}

# rstat PREFIX: "PREFIX_plan=S PREFIX_scan=S ..." from the last famfs-stats line.
rstat() {
	sed -n 's/^famfs-stats: [a-z]* //p' $STATS | tail -n 1 |
		sed -e "s/entries=[0-9]* //" -e "s/\([a-z_]*\)=/$1_\1=/g"
}

mkdir -p $MPT $PEER
for L in $SIZES; do
	for P in $FILLS; do
		umount $MPT 2>/dev/null
		mkfs.famfs -f -l "${L}m" "$DEV" >/dev/null || die "mkfs -l ${L}m failed"
		counts=$($B/fill-log "$DEV" "$P" "$EVERY") || die "fill-log $P% failed"
		set -- $counts
		n=$2 dirs=$4 files=$6
		t mount famfs mount "$DEV" $MPT
		mstat=$(rstat m)
		got=$(find $MPT -path $MPT/.meta -prune -o -print | wc -l)
		[ "$got" = $((n + 1)) ] || die "mount shows $got names, log has $n entries"
		t logplay famfs logplay $MPT
		lstat=$(rstat l)
		t umount umount $MPT
		t fsck famfs fsck "$DEV"
		t fsckv famfs fsck -v "$DEV"
		mount -t tmpfs -o size=1g,nr_inodes=0 none $PEER || die "tmpfs"
		t tmpfs $B/fill-log --tree $PEER "$n" "$EVERY"
		umount $PEER
		echo "ROW log_mib=$L fill=$P entries=$n dirs=$dirs files=$files" \
			"mount=$T_mount logplay=$T_logplay umount=$T_umount" \
			"fsck=$T_fsck fsckv=$T_fsckv tmpfs=$T_tmpfs $mstat $lstat"
	done
done
