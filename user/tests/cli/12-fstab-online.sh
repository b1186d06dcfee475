#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# famfs through mount(8) and fstab, as an operator uses it: util-linux mount
# runs /sbin/mount.famfs for "mount -t famfs" and for fstab lines (mount -a).
# Needs root, the famfs module, a pmem device (FAMFS_TEST_DEV or FAMFS_DEV)
# and util-linux mount (MOUNT_UL, or the guests' /opt/util-linux/mount);
# elsewhere it SKIPs. POSIX sh: it runs in the busybox test guests.

DEV=${FAMFS_TEST_DEV:-${FAMFS_DEV:-}}
MPT=${FAMFS_TEST_MPT:-/mnt/famfs-fstab}
MOUNT=${MOUNT_UL:-/opt/util-linux/mount}
if [ -n "${BUILD:-}" ]; then
	MKFS=$BUILD/mkfs.famfs
else
	MKFS=mkfs.famfs
fi
TAP_TITLE="famfs through mount(8) and fstab"
# shellcheck source=user/tests/cli/tap-online.sh
. "${TAP_ONLINE_LIB:-$(dirname "$0")/tap-online.sh}"

[ "$(id -u)" = 0 ] || skip_all "needs root"
[ -n "$DEV" ] && [ -b "$DEV" ] || skip_all "no pmem device (set FAMFS_TEST_DEV)"
[ -x "$MOUNT" ] && "$MOUNT" -V 2>&1 | grep -q util-linux ||
	skip_all "util-linux mount not found (MOUNT_UL)"
[ -x /sbin/mount.famfs ] || skip_all "/sbin/mount.famfs missing (mount(8) looks there)"
modprobe famfs >/dev/null 2>&1
grep -qw famfs /proc/filesystems || skip_all "famfs kernel module not available"

umount "$MPT" >/dev/null 2>&1
mkdir -p "$MPT"
t "mkfs.famfs -f" 0 "$MKFS" -f "$DEV" || finish

t "mount -t famfs DEV MPT" 0 "$MOUNT" -t famfs "$DEV" "$MPT"
grep " $MPT famfs " /proc/mounts >"$W/log"
tg "mounted, nosuid by default" "[ ,]nosuid[ ,]"
t "umount" 0 umount "$MPT"

FSTAB=$W/fstab
printf '%s %s famfs noatime,nodev,nofail,_netdev,x-systemd.requires=/,mode=0711 0 0\n' \
	"$DEV" "$MPT" >"$FSTAB"
printf '/dev/pmem-famfs-absent /mnt/famfs-absent famfs nofail 0 0\n' >>"$FSTAB"
t "mount -a with an fstab line (and a nofail line for a missing device)" 0 \
	"$MOUNT" -T "$FSTAB" -a -t famfs
grep " $MPT famfs " /proc/mounts >"$W/log"
tg "the fstab flags are on the mount" "nosuid,nodev,noatime"
tg "famfs's own fstab option reached the kernel" "mode=711"
t "mount -a again: already mounted, nothing to do" 0 "$MOUNT" -T "$FSTAB" -a -t famfs
t "umount" 0 umount "$MPT"
t "mount MPT finds DEV in fstab" 0 "$MOUNT" -T "$FSTAB" "$MPT"
t "umount" 0 umount "$MPT"

# mount(8): 32 is "mount failure", and the helper's message names the cause.
t "an unknown option fails with mount(8)'s exit code 32" 32 \
	"$MOUNT" -t famfs -o bogus_opt "$DEV" "$MPT"
tg "the message names the option" "bogus_opt"
t "a missing device fails with exit 32" 32 \
	"$MOUNT" -t famfs /dev/pmem-famfs-absent "$MPT"
finish
