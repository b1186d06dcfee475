#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# famfs mount --set-fsdev-mode and the fsdev-mode hint, without a kernel:
# argument checks against the real /sys, and the sysfs switch sequence
# against a fake tree (FAMFS_SYSFS_ROOT) with a device node whose major
# has no driver, so that open() fails with ENXIO like a device in fsdev
# mode. The real switch and mount run in the VM suite (40-vm-devdax).
. "$(dirname "$0")/tap-lib.bash"

mkdir -p "$T/mnt"
expect_rc_msg 0 "--set-fsdev-mode" "mount --help documents --set-fsdev-mode" \
	"$FAMFS" mount --help
new_image img 64m || exit 1
expect_rc_msg 1 "not a character dax device" \
	"--set-fsdev-mode refuses an image file (exit 1)" \
	"$FAMFS" mount --set-fsdev-mode "$T/img" "$T/mnt"
expect_rc_msg 1 "not a character dax device" \
	"--set-fsdev-mode refuses /dev/null (not on the dax bus)" \
	"$FAMFS" mount --set-fsdev-mode /dev/null "$T/mnt"
expect_rc_msg 2 "No such file" "--set-fsdev-mode on a missing device (exit 2)" \
	"$FAMFS" mount --set-fsdev-mode "$T/nodev" "$T/mnt"
expect_rc 1 "--set-fsdev-mode still needs DEVICE and MOUNTPOINT" \
	"$FAMFS" mount --set-fsdev-mode "$T/img"

# A major number no driver registered: open() of the node gives ENXIO.
major=
for m in $(seq 240 254); do
	if ! awk '{print $1}' /proc/devices | grep -qx "$m"; then
		major=$m
		break
	fi
done
node="$T/dax9.0"
enxio_node() {
	[ "$(id -u)" -eq 0 ] && [ -n "$major" ] &&
		mknod "$node" c "$major" 0 2>/dev/null &&
		! (exec 3<"$node") 2>/dev/null &&
		(exec 3<"$node") 2>&1 | grep -q "No such device or address"
}
if ! enxio_node; then
	for t in "fsck hint" "mkfs hint" "--device hint" "switch sequence"; do
		skip "$t" "needs root, a free char major and an ENXIO device node"
	done
	done_testing
fi

# Fake sysfs: dax9.0 on the dax bus, bound to fsdev_dax.
S="$T/sys"
mkdir -p "$S/dev/char" "$S/devices/dax9.0" \
	"$S/bus/dax/drivers/fsdev_dax" "$S/bus/dax/drivers/device_dax" \
	"$S/bus/dax/devices"
ln -s ../../devices/dax9.0 "$S/dev/char/$major:0"
ln -s ../../../devices/dax9.0 "$S/bus/dax/devices/dax9.0"
ln -s ../../bus/dax "$S/devices/dax9.0/subsystem"
ln -s ../../bus/dax/drivers/fsdev_dax "$S/devices/dax9.0/driver"
for d in fsdev_dax device_dax; do
	for f in bind unbind new_id remove_id; do
		: >"$S/bus/dax/drivers/$d/$f"
	done
done
export FAMFS_SYSFS_ROOT="$S"

HINT="is in fsdev mode \(bound to fsdev_dax\): raw access is refused; unmount it, then: echo dax9.0 > /sys/bus/dax/drivers/fsdev_dax/remove_id; echo dax9.0 > /sys/bus/dax/drivers/fsdev_dax/unbind; echo dax9.0 > /sys/bus/dax/drivers/device_dax/bind"
expect_rc_msg 2 "$HINT" "fsck of a device in fsdev mode explains ENXIO" \
	"$FAMFS" fsck "$node"
expect_rc_msg 2 "$HINT" "mkfs of a device in fsdev mode explains ENXIO" \
	"$MKFS" "$node"
expect_rc_msg 2 "$HINT" "--device on a device in fsdev mode explains ENXIO" \
	"$FAMFS" mkdir --device "$node" d

# Bound to device_dax: unbind, add the id to fsdev_dax (new_id, as daxctl
# does; it binds an unbound device), bind if that did not, then check the
# result. The fake driver link does not follow the writes, so the check
# finds it still on device_dax: the id is removed again, exit 2, nothing
# mounted, and the device (still linked to a driver) is not rebound.
ln -sfn ../../bus/dax/drivers/device_dax "$S/devices/dax9.0/driver"
run "$FAMFS" mount --set-fsdev-mode "$node" "$T/mnt"
[ "$RC" -eq 2 ] &&
	[ "$(cat "$S/bus/dax/drivers/device_dax/unbind")" = dax9.0 ] &&
	[ "$(cat "$S/bus/dax/drivers/fsdev_dax/new_id")" = dax9.0 ] &&
	[ "$(cat "$S/bus/dax/drivers/fsdev_dax/bind")" = dax9.0 ] &&
	[ "$(cat "$S/bus/dax/drivers/fsdev_dax/remove_id")" = dax9.0 ] &&
	[ ! -s "$S/bus/dax/drivers/device_dax/bind" ] &&
	grep -q "after binding to fsdev_dax" "$ERR" &&
	grep -q "cannot switch .* to fsdev mode; not mounted" "$ERR"
check $? "switch sequence: unbind device_dax, new_id (and bind) fsdev_dax, verify"

done_testing
