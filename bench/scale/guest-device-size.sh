#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-guest half of bench/scale/device-size.sh (busybox sh): the mount path
# of one devdax device (namespace0.0, devdax, map=mem, made at boot), timed
# step by step, $REPS times:
#   ns_off/ns_on   ndctl disable/enable-namespace: the device_dax probe
#                  (memmap of 2 MiB compound pages) and its removal
#   bind/unbind    famfs fsdev-mode DEV / fsdev-mode -d DEV (what users run)
#   mkfs (before the bind: it needs raw access), mount, statfs (stat -f),
#   df, umount
#   dd_unbind, fs_bind, fs_unbind, dd_bind: the raw sysfs writes behind
#                  bind/unbind, one driver at a time
#   famfs_nop      famfs --version: starting the CLI, the floor of every famfs step
#   mf_off, mf_dd, mf_fs: MemFree (KiB) with the device unbound, bound to
#                  device_dax, bound to fsdev_dax (the memmaps' cost)
# then once (PEER=1): the same namespace as pmem fsdax (map=mem, order-0
# memmap, what ext4/xfs -o dax need): reconfigure, disable, enable, and back.
#   ROW gib=G rep=R ns_off=S ns_on=S bind=S mkfs=S ... mf_fs=K
#   ROW gib=G rep=peer fsdax_cfg=S fsdax_off=S fsdax_on=S devdax_cfg=S
BENCH_NAME=device-size
# shellcheck source=bench/scale/guest-scale-lib.sh
. "$(dirname "$0")/guest-scale-lib.sh"
DEV=$(cat /run/famfs/device)
NAME=${DEV#/dev/}
NS=namespace0.0
REPS=${REPS:-2}
PEER=${PEER:-1}
SYS=/sys/bus/dax/drivers

memfree() { sed -n 's/^MemFree: *\([0-9]*\) kB/\1/p' /proc/meminfo; }
driver_of() { basename "$(readlink /sys/bus/dax/devices/$NAME/driver)"; }

case $DEV in /dev/dax*) ;; *) die "no devdax device ($DEV)" ;; esac
gib=$(($(cat /sys/bus/dax/devices/$NAME/size) >> 30))
scale_setup
echo "device-size: $DEV $gib GiB (rounded down), $REPS reps" >&2
r=1
while [ $r -le "$REPS" ]; do
	[ "$(driver_of)" = device_dax ] || die "$NAME not on device_dax"
	# What starting the (dynamically linked) famfs CLI costs in this guest.
	t famfs_nop famfs --version
	t ns_off ndctl disable-namespace $NS
	sync
	mf_off=$(memfree)
	t ns_on ndctl enable-namespace $NS
	[ -c "$DEV" ] || die "$DEV gone after enable-namespace"
	sync
	mf_dd=$(memfree)
	# mkfs needs raw access: device_dax (fsdev mode refuses raw opens).
	t mkfs mkfs.famfs -f "$DEV"
	t bind famfs fsdev-mode "$DEV"
	[ "$(driver_of)" = fsdev_dax ] || die "$NAME not on fsdev_dax after bind"
	sync
	mf_fs=$(memfree)
	t mount famfs mount "$DEV" $MPT
	t statfs stat -f $MPT
	t df df $MPT
	blocks=$(stat -f -c %b $MPT)
	[ $((blocks * 4096 >> 30)) -ge "$gib" ] || die "statfs shows $blocks blocks"
	t umount umount $MPT
	t unbind famfs fsdev-mode -d "$DEV"
	[ "$(driver_of)" = device_dax ] || die "$NAME not on device_dax after unbind"
	# The sysfs steps of fsdev-mode one by one (new_id binds the unbound
	# device to fsdev_dax; remove_id before leaving, as fsdev-mode -d).
	t dd_unbind sh -c "echo $NAME > $SYS/device_dax/unbind"
	t fs_bind sh -c "echo $NAME > $SYS/fsdev_dax/new_id"
	[ "$(driver_of)" = fsdev_dax ] || die "$NAME not on fsdev_dax after new_id"
	t fs_unbind sh -c "echo $NAME > $SYS/fsdev_dax/remove_id &&
		echo $NAME > $SYS/fsdev_dax/unbind"
	t dd_bind sh -c "echo $NAME > $SYS/device_dax/bind"
	[ "$(driver_of)" = device_dax ] || die "$NAME not on device_dax after bind"
	echo "ROW gib=$gib rep=$r famfs_nop=$T_famfs_nop ns_off=$T_ns_off ns_on=$T_ns_on bind=$T_bind" \
		"mkfs=$T_mkfs mount=$T_mount statfs=$T_statfs df=$T_df" \
		"umount=$T_umount unbind=$T_unbind dd_unbind=$T_dd_unbind" \
		"fs_bind=$T_fs_bind fs_unbind=$T_fs_unbind dd_bind=$T_dd_bind" \
		"mf_off=$mf_off mf_dd=$mf_dd mf_fs=$mf_fs"
	r=$((r + 1))
done
if [ "$PEER" = 1 ]; then
	t fsdax_cfg ndctl create-namespace -f -e $NS -m fsdax -M mem
	t fsdax_off ndctl disable-namespace $NS
	t fsdax_on ndctl enable-namespace $NS
	t devdax_cfg ndctl create-namespace -f -e $NS -m devdax -M mem -a 2M
	echo "ROW gib=$gib rep=peer fsdax_cfg=$T_fsdax_cfg fsdax_off=$T_fsdax_off" \
		"fsdax_on=$T_fsdax_on devdax_cfg=$T_devdax_cfg"
fi
