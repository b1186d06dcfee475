#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# famfs mount --set-fsdev-mode on a real /dev/daxX.Y (needs root, the famfs
# and fsdev_dax modules, FAMFS_TEST_DEV=/dev/daxX.Y bound to device_dax).
# Elsewhere it SKIPs. POSIX sh for the busybox test guests:
#   tools/testing/vm/famfsvm.py exec --backend nvdimm --mode devdax \
#       --extra user/tests/cli/09-fsdev-online.sh:/opt/09.sh \
#       --extra user/tests/cli/tap-online.sh:/opt/tap-online.sh -- \
#       'FAMFS_TEST_DEV=$FAMFS_DEV /opt/09.sh'
DEV=${FAMFS_TEST_DEV:-${FAMFS_DEV:-}}
MPT=${FAMFS_TEST_MPT:-/mnt/famfs-fsdev}
if [ -n "${BUILD:-}" ]; then
	FAMFS=$BUILD/famfs MKFS=$BUILD/mkfs.famfs
else
	FAMFS=famfs MKFS=mkfs.famfs
fi
TAP_TITLE="famfs mount --set-fsdev-mode"
# shellcheck source=user/tests/cli/tap-online.sh
. "${TAP_ONLINE_LIB:-$(dirname "$0")/tap-online.sh}"
driver() { basename "$(readlink "/sys/bus/dax/devices/$NAME/driver")"; }
td() { if [ "$(driver)" = "$2" ]; then ok "$1"; else echo "# driver $(driver)" >"$W/log"; bad "$1"; fi; }
tap_cleanup() {
	[ "$(driver)" = fsdev_dax ] || return 0
	echo "$NAME" >/sys/bus/dax/drivers/fsdev_dax/remove_id 2>/dev/null
	echo "$NAME" >/sys/bus/dax/drivers/fsdev_dax/unbind 2>/dev/null
	echo "$NAME" >/sys/bus/dax/drivers/device_dax/bind 2>/dev/null
}

[ "$(id -u)" = 0 ] || skip_all "needs root"
[ -n "$DEV" ] && [ -c "$DEV" ] || skip_all "no dax device (set FAMFS_TEST_DEV=/dev/daxX.Y)"
NAME=$(basename "$DEV")
[ "$(driver)" = device_dax ] || skip_all "$DEV is not bound to device_dax"
modprobe famfs >/dev/null 2>&1
grep -qw famfs /proc/filesystems || skip_all "famfs kernel module not available"
umount "$MPT" >/dev/null 2>&1
mkdir -p "$MPT"

HINT="is in fsdev mode \(bound to fsdev_dax\): raw access is refused; unmount it, then: echo $NAME > /sys/bus/dax/drivers/fsdev_dax/remove_id; echo $NAME > /sys/bus/dax/drivers/fsdev_dax/unbind; echo $NAME > /sys/bus/dax/drivers/device_dax/bind"
t "mkfs.famfs -f in devdax mode" 0 "$MKFS" -f "$DEV" || finish
t "mount with a bad option fails (exit 2)" 2 \
	"$FAMFS" mount --set-fsdev-mode -o bogus_opt=1 "$DEV" "$MPT"
tg "the failed mount reports the switch back" "switched back to device_dax"
td "after the failed mount the device is on device_dax again" device_dax
t "mount --set-fsdev-mode" 0 "$FAMFS" mount --set-fsdev-mode "$DEV" "$MPT" || finish
td "the device is on fsdev_dax" fsdev_dax
t "creat -r in the mount" 0 "$FAMFS" creat -s 4m -r -S 7 "$MPT/a"
t "verify in the mount" 0 "$FAMFS" verify -S 7 -f "$MPT/a"
t "umount" 0 umount "$MPT"
t "fsck DEV in fsdev mode fails" 2 "$FAMFS" fsck "$DEV"
tg "fsck explains fsdev mode" "$HINT"
t "mkfs.famfs in fsdev mode fails" 2 "$MKFS" -f "$DEV"
tg "mkfs.famfs explains fsdev mode" "$HINT"
t "--device in fsdev mode fails" 2 "$FAMFS" mkdir --device "$DEV" x
tg "--device explains fsdev mode" "$HINT"
t "mount --set-fsdev-mode when already in fsdev mode" 0 \
	"$FAMFS" mount --set-fsdev-mode "$DEV" "$MPT"
t "umount again" 0 umount "$MPT"
echo "$NAME" >/sys/bus/dax/drivers/fsdev_dax/remove_id
echo "$NAME" >/sys/bus/dax/drivers/fsdev_dax/unbind
echo "$NAME" >/sys/bus/dax/drivers/device_dax/bind
td "switched back by hand" device_dax
t "kill the superblock in devdax mode" 0 "$MKFS" -f -k "$DEV"
t "mount --set-fsdev-mode without a superblock fails" 2 \
	"$FAMFS" mount --set-fsdev-mode "$DEV" "$MPT"
tg "it says why" "left in device_dax mode: .*no famfs superblock"
td "and did not switch" device_dax
finish
