#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A 256 MiB log end to end on a real device: mkfs.famfs -l 256m, fill it
# past what an 8 MiB log holds (16,000+ entries, from a directory tree with
# mkfs.famfs -d), mount (replay), logplay with nothing new, new entries on
# the mount, logplay --follow, fsck, and a second mount that replays it
# all again. Needs root, the famfs module and a device (FAMFS_TEST_DEV or
# FAMFS_DEV): a pmem block device, or a character /dev/daxX.Y with the
# fsdev_dax driver, formatted and fscked in device_dax mode and mounted in
# fsdev mode (tap-online.sh's raw and fsdev; the device is left in the
# mode it was found in); elsewhere it SKIPs. POSIX sh (busybox):
#   tools/testing/vm/famfsvm.py exec \
#       --extra user/tests/cli/19-long-log-online.sh:/opt/19.sh \
#       --extra user/tests/cli/tap-online.sh:/opt/tap-online.sh -- /opt/19.sh
# and on a dax device, add "--backend nvdimm --mode devdax" (or cxl).

DEV=${FAMFS_TEST_DEV:-${FAMFS_DEV:-}}
MPT=${FAMFS_TEST_MPT:-/mnt/famfs-long}
if [ -n "${BUILD:-}" ]; then
	FAMFS=$BUILD/famfs MKFS=$BUILD/mkfs.famfs
else
	FAMFS=famfs MKFS=mkfs.famfs
fi
TAP_TITLE="a 256 MiB log"
# Groups x names: 40 x 400 directories + 40 groups + 2 files = 16,042
# entries, more than an 8 MiB log's 15,420.
NGROUPS=40 PER=400
# shellcheck source=user/tests/cli/tap-online.sh
. "${TAP_ONLINE_LIB:-$(dirname "$0")/tap-online.sh}"

[ "$(id -u)" = 0 ] || skip_all "needs root"
[ -n "$DEV" ] && [ -e "$DEV" ] || skip_all "no famfs device (set FAMFS_TEST_DEV)"
modprobe famfs >/dev/null 2>&1
grep -qw famfs /proc/filesystems || skip_all "famfs kernel module not available"
dax_init "$DEV" || skip_all "$DEV is a dax device and there is no fsdev_dax driver"
tap_cleanup() { dax_restore; }

# The tree mkfs.famfs -d copies into the log (one process, not 16,000).
names=$(awk -v n=$PER 'BEGIN { for (i = 0; i < n; i++) printf "d%03d ", i }')
g=0
while [ $g -lt $NGROUPS ]; do
	mkdir -p "$W/tree/g$g" && (cd "$W/tree/g$g" && mkdir $names) ||
		bad "make the source tree"
	g=$((g + 1))
done
echo "first file" >"$W/tree/g0/f1"
echo "second file" >"$W/tree/g1/d001/f2"
# (not $want: tap-online.sh's t() sets want, name and rc)
nent=$((NGROUPS * PER + NGROUPS + 2))
# names the mount shows: the entries and the root (not .meta)
count() { find "$MPT" -path "$MPT/.meta" -prune -o -print | wc -l; }

umount "$MPT" >/dev/null 2>&1
mkdir -p "$MPT"
t "mkfs.famfs -l 256m -d (a 256 MiB log, $nent entries)" 0 \
	raw "$MKFS" -f -l 256m -d "$W/tree" "$DEV" || finish
tg "... the log is 256 MiB" "log 256.0 MiB"
tg "... populated from the tree" "2 files, $((nent - 2)) directories"
t "fsck of the device: clean" 0 raw "$FAMFS" fsck "$DEV"
t "mount replays the long log" 0 fsdev "$FAMFS" mount "$DEV" "$MPT" || finish
got=$(count)
[ "$got" = $((nent + 1)) ] && ok "the mount shows every entry ($nent)" ||
	{ echo "$got names" >"$W/log"; bad "the mount shows every entry ($nent)"; }
t "the files read back" 0 grep -q "second file" "$MPT/g1/d001/f2"
t "logplay with nothing new" 0 "$FAMFS" logplay "$MPT"
tg "... creates nothing, finds every entry" "0 directories and 0 files created, $nent existing"
t "new entries on the mount (past entry 16,000)" 0 sh -c \
	"'$FAMFS' mkdir '$MPT/g39/new' && '$FAMFS' creat -s 2m '$MPT/g39/new/f'"
t "logplay --follow -t 2" 0 "$FAMFS" logplay --follow -t 2 "$MPT"
t "fsck of the mount: clean" 0 "$FAMFS" fsck "$MPT"
umount "$MPT" >/dev/null 2>&1
t "fsck -v of the device: clean" 0 raw "$FAMFS" fsck -v "$DEV"
t "mount again" 0 fsdev "$FAMFS" mount "$DEV" "$MPT" || finish
[ -f "$MPT/g39/new/f" ] && [ "$(count)" = $((nent + 3)) ] &&
	ok "the second replay has the new entries too" ||
	bad "the second replay has the new entries too"
t "logplay with nothing new after the second mount" 0 "$FAMFS" logplay "$MPT"
tg "... finds every entry" "0 directories and 0 files created, $((nent + 2)) existing"
finish
