#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Two partitions of one pmem device share one dax_device and its single
# holder slot. With famfs mounted on p1, a mount of p2 must fail (EBUSY,
# "cannot hold its dax device") and must not keep a reference on the
# dax_device: 6.12's fs_dax_get_by_bdev() took one and returned NULL
# without dropping it (patch 0007 fixes that). After several refused
# mounts and the umount, disabling the namespace must really free the
# dax_device: kprobe events on dax_free_inode (the free of the dax_cache
# object, after the last iput) and dax_alloc_inode count exactly one free
# at disable-namespace and one allocation at enable-namespace. (The test
# kernel is SLUB_TINY: no /sys/kernel/slab, no /proc/slabinfo to count
# dax_cache objects with.) kmemleak must report nothing. The partition table is wiped and the namespace enabled
# again at the end, so the tests after this one find the whole device.
#
# Env: FAMFS_TEST_DEV (else FAMFS_DEV, else /dev/pmem0). Skipped unless it
# is a pmem block device with an ndctl namespace.
# Output: TAP, then "N passed, N failed, N skipped"; exit 1 on failure,
# 4 when skipped as a whole. POSIX sh: the guest has busybox, not bash.
# shellcheck disable=SC2317 # checks run indirectly through tc()

DEV=${FAMFS_TEST_DEV:-${FAMFS_DEV:-/dev/pmem0}}
NAME=${DEV##*/}
TR=/sys/kernel/tracing
INST=$TR/instances/famfs_pmem_part
MBR=${TMPDIR:-/tmp}/pmem-part.$$.mbr
TRIES=5

# tap-online.sh (installed next to this script; in the source tree it is
# user/tests/cli/tap-online.sh): tc NAME CMD... runs a check, one TAP line
# (a failure with T_TODO set is a TODO).
TAP_LIB=$(dirname "$0")/tap-online.sh
[ -f "$TAP_LIB" ] || TAP_LIB=$(dirname "$0")/../../../../../user/tests/cli/tap-online.sh
# shellcheck source=user/tests/cli/tap-online.sh
. "${TAP_ONLINE_LIB:-$TAP_LIB}"

end_tests() {
	tap_summary
	rm -f "$MBR"
	[ "$failed" -eq 0 ] || exit 1
	[ "$passed" -gt 0 ] || exit 4
	exit 0
}

skip_whole() {
	tap_skip "pmem partitions" "$1"
	end_tests
}

case $NAME in
pmem[0-9]*) ;;
*) skip_whole "$DEV is not a pmem block device" ;;
esac
[ -b "$DEV" ] || skip_whole "$DEV is not a block device"
[ -e "$TR/trace" ] || mount -t tracefs nodev "$TR" 2>/dev/null
[ -e "$TR/kprobe_events" ] || skip_whole "no kprobe events in $TR"
command -v ndctl >/dev/null 2>&1 || skip_whole "no ndctl"
NS=$(ndctl list -N 2>/dev/null | tr -d ' \n' |
	sed -n 's/.*"dev":"\(namespace[0-9.]*\)"[^}]*"blockdev":"'"$NAME"'".*/\1/p')
[ -n "$NS" ] || skip_whole "no ndctl namespace for $NAME"
grep -q " $DEV" /proc/mounts && umount "$DEV" 2>/dev/null

# A kernel without our drivers/dax series (Debian's stock 6.12, suite
# 31-vm-stock) still has the leak: its checks are known failures there.
T_TODO=
# (busybox modinfo exits 0 for a module it does not know: ask modules.dep.)
MODDIR=/lib/modules/$(uname -r)
if ! grep -qs 'fsdev_dax\.ko' "$MODDIR/modules.dep" "$MODDIR/modules.builtin" &&
	! [ -d /sys/bus/dax/drivers/fsdev_dax ]; then
	STOCK_TODO="stock 6.12 fs_dax_get_by_bdev() leaks a reference (drivers/dax patch 0007)"
else
	STOCK_TODO=
fi

# byte V: one byte of value V; le32 V: V as 4 little-endian bytes.
# shellcheck disable=SC2059 # the format is the octal escape itself
byte() { printf "\\$(printf %03o "$1")"; }
le32() {
	byte $(($1 & 255))
	byte $((($1 >> 8) & 255))
	byte $((($1 >> 16) & 255))
	byte $((($1 >> 24) & 255))
}
# entry START LEN: an MBR partition entry, type 0x83, CHS fields unused.
entry() {
	byte 0; byte 0; byte 2; byte 0
	byte 131; byte 255; byte 255; byte 255
	le32 "$1"
	le32 "$2"
}

# Two 2 MiB aligned partitions, each a bit under half of the device.
sectors=$(cat /sys/block/"$NAME"/size)
len=$(((sectors / 2 - 4096) / 4096 * 4096))
[ "$len" -ge 8192 ] || skip_whole "$DEV is too small ($sectors sectors)"

partition() {
	{
		dd if=/dev/zero bs=446 count=1 2>/dev/null
		entry 4096 "$len"
		entry $((4096 + len)) "$len"
		dd if=/dev/zero bs=32 count=1 2>/dev/null
		byte 85; byte 170
	} >"$MBR" || return 1
	[ "$(wc -c <"$MBR")" -eq 512 ] || return 1
	dd if="$MBR" of="$DEV" bs=512 count=1 conv=notrunc,fsync 2>/dev/null &&
		blockdev --rereadpt "$DEV" || return 1
	for _ in $(seq 50); do
		[ -b "${DEV}p2" ] && return 0
		sleep 0.1
	done
	ls -l /dev/"$NAME"*
	return 1
}

unpartition() {
	dd if=/dev/zero of="$DEV" bs=512 count=1 conv=notrunc,fsync 2>/dev/null &&
		blockdev --rereadpt "$DEV" || return 1
	for _ in $(seq 50); do
		[ -e "${DEV}p1" ] || return 0
		sleep 0.1
	done
	return 1
}

# Kprobe events on the dax pseudo file system's inode alloc and free, in
# a trace instance of their own (the global buffer has fs_dax events).
probes_off() {
	[ -d "$INST" ] && echo 0 >"$INST/events/famfs_pmem_part/enable"
	rmdir "$INST" 2>/dev/null
	echo "-:famfs_pmem_part/alloc" >>"$TR/kprobe_events" 2>/dev/null
	echo "-:famfs_pmem_part/free" >>"$TR/kprobe_events" 2>/dev/null
}
probes_on() {
	probes_off
	echo "p:famfs_pmem_part/alloc dax_alloc_inode" >>"$TR/kprobe_events" &&
		echo "p:famfs_pmem_part/free dax_free_inode" >>"$TR/kprobe_events" &&
		mkdir "$INST" &&
		echo 1 >"$INST/events/famfs_pmem_part/enable"
}
# hits EVENT: how many times EVENT fired since the last clear.
hits() {
	grep -c " $1: (" "$INST/trace"
}
clear_hits() {
	echo >"$INST/trace"
}

mount_p1() {
	mkdir -p /mnt/pp1 /mnt/pp2 &&
		mount -i -t famfs "${DEV}p1" /mnt/pp1 &&
		grep " /mnt/pp1 famfs " /proc/mounts
}

p2_refused() {
	dmesg -c >/dev/null
	i=0
	while [ "$i" -lt "$TRIES" ]; do
		i=$((i + 1))
		if out=$(mount -i -t famfs "${DEV}p2" /mnt/pp2 2>&1); then
			echo "mount $i of ${DEV}p2 succeeded"
			umount /mnt/pp2
			return 1
		fi
		echo "$out"
		case $out in
		*"resource busy"*) ;;
		*) return 1 ;;
		esac
	done
	dmesg | grep "${NAME}p2: cannot hold its dax device"
}

still_mounted() {
	grep " /mnt/pp1 famfs " /proc/mounts && ! grep " /mnt/pp2 " /proc/mounts
}

kmemleak_clean() {
	kl=/sys/kernel/debug/kmemleak
	[ -e "$kl" ] || mount -t debugfs none /sys/kernel/debug 2>/dev/null
	[ -e "$kl" ] || { echo "no kmemleak"; return 0; }
	echo scan >"$kl"
	out=$(cat "$kl")
	[ -z "$out" ] && return 0
	echo "$out" | head -n 40
	return 1
}

freed() {
	probes_on || return 1
	clear_hits
	ndctl disable-namespace "$NS" || return 1
	# The inode is freed after an RCU grace period.
	for _ in $(seq 50); do
		[ "$(hits free)" -gt 0 ] && break
		sleep 0.1
	done
	sleep 0.5
	echo "disable-namespace: dax_free_inode $(hits free), dax_alloc_inode $(hits alloc)"
	[ "$(hits free)" -eq 1 ]
}

enabled_again() {
	clear_hits
	ndctl enable-namespace "$NS" || return 1
	for _ in $(seq 50); do
		[ -b "$DEV" ] && break
		sleep 0.1
	done
	[ -b "$DEV" ] || return 1
	echo "enable-namespace: dax_alloc_inode $(hits alloc), dax_free_inode $(hits free)"
	[ "$(hits alloc)" -eq 1 ] && [ "$(hits free)" -eq 0 ]
}

if ! tc "two 2 MiB aligned partitions on $DEV (MBR, BLKRRPART)" partition; then
	unpartition
	end_tests
fi
if tc "famfs mounts on ${NAME}p1" mount_p1; then
	tc "famfs on ${NAME}p2 refused $TRIES times (EBUSY, \"cannot hold its dax device\")" p2_refused
	tc "${NAME}p1 stays mounted, ${NAME}p2 is not" still_mounted
	tc "umount ${NAME}p1" umount /mnt/pp1
fi
tc "partition table wiped, $DEV whole again" unpartition
T_TODO=$STOCK_TODO
tc "disable $NS: its dax_device is freed (one dax_free_inode)" freed
tc "enable $NS again: $DEV back, one new dax_device (one dax_alloc_inode)" enabled_again
T_TODO=
probes_off
tc "kmemleak: no report" kmemleak_clean
end_tests
