#!/bin/sh
# /init of a famfs test guest (busybox sh, PID 1).
#
# Kernel command line parameters (set by famfsvm.py):
#   famfsvm.name=NAME        host name
#   famfsvm.uuid=UUID        written to /opt/famfs/system_uuid
#   famfsvm.backend=nvdimm|cxl|none
#   famfsvm.mode=fsdax|devdax
#   famfsvm.create=1|0       1: this guest creates the namespace, 0: find it
# Then it starts famfs-agent on the virtio-serial port named famfs.ctl, with
# "ok" or the setup failure as the ready status. The device famfs should use
# is in $FAMFS_DEV (and /run/famfs/device).

export PATH=/opt/famfs/bin:/opt/famfs-tests:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm /run /tmp /mnt /root
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mkdir -p /run/famfs /opt/famfs

name=guest uuid="" backend=nvdimm mode=fsdax create=1
for arg in $(cat /proc/cmdline); do
	case $arg in
	famfsvm.name=*) name=${arg#*=} ;;
	famfsvm.uuid=*) uuid=${arg#*=} ;;
	famfsvm.backend=*) backend=${arg#*=} ;;
	famfsvm.mode=*) mode=${arg#*=} ;;
	famfsvm.create=*) create=${arg#*=} ;;
	esac
done

hostname "$name"
[ -n "$uuid" ] && echo "$uuid" >/opt/famfs/system_uuid

status=ok
fail() {
	echo "famfs-init: setup failed: $*"
	[ "$status" = ok ] && status=$(echo "fail:$*" | tr -c 'A-Za-z0-9_.:/=,-' '_')
}

# Wait up to $1 seconds (wall clock: under TCG one try can take seconds)
# for the command in the other arguments to succeed.
wait_for() {
	end=$(($(date +%s) + $1))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -ge "$end" ] && return 1
		usleep 200000
	done
}

ns_json() { ndctl list -N -n "$1" 2>/dev/null; }
ns_mode_is() { ns_json "$1" | grep -q "\"mode\":\"$2\""; }

# Stock kernels: load what the setup needs (the test kernel has it built in).
if [ -f /etc/famfs/boot-modules ]; then
	for m in $(cat /etc/famfs/boot-modules); do
		modprobe "$m" || fail "modprobe $m"
	done
fi

# ndctl options for $mode. Always -M mem: struct pages must never live in
# the shared memory (every host would write its own memmap there).
mode_opts() {
	if [ "$mode" = devdax ]; then
		echo "-m devdax -M mem -a 2M"
	else
		echo "-m fsdax -M mem"
	fi
}

# First namespace of region $1 that is in $mode (one JSON object a line).
region_ns() {
	ndctl list -N -r "$1" 2>/dev/null | tr -d ' \n' | tr '}' '\n' |
		grep "\"mode\":\"$mode\"" |
		sed -n 's/.*"dev":"\(namespace[0-9.]*\)".*/\1/p' | head -n1
}
region_has_ns() { [ -n "$(region_ns "$1")" ]; }

# /run/famfs/device := the block or char device of namespace $1.
record_device() {
	json=$(ns_json "$1")
	if [ "$mode" = devdax ]; then
		dev=$(echo "$json" | sed -n 's/.*"chardev":"\([^"]*\)".*/\1/p')
	else
		dev=$(echo "$json" | sed -n 's/.*"blockdev":"\([^"]*\)".*/\1/p')
	fi
	if [ -n "$dev" ] && [ -e "/dev/$dev" ]; then
		echo "/dev/$dev" >/run/famfs/device
	else
		fail "no device for $1 in mode $mode"
	fi
}

setup_nvdimm() {
	wait_for 30 test -e /sys/bus/nd/devices/namespace0.0 || {
		fail "no nvdimm namespace0.0"
		return
	}
	if [ "$create" = 1 ]; then
		# shellcheck disable=SC2046
		ndctl create-namespace -f -e namespace0.0 $(mode_opts) || {
			fail "ndctl create-namespace"
			return
		}
	elif ! wait_for 20 ns_mode_is namespace0.0 "$mode"; then
		fail "namespace0.0 not in mode $mode: $(ns_json namespace0.0 | tr -d '\n ')"
		return
	fi
	record_device namespace0.0
}

nd_region() {
	ndctl list -R -i 2>/dev/null | sed -n 's/.*"dev":"\(region[0-9]*\)".*/\1/p' | head -n1
}
has_nd_region() { [ -n "$(nd_region)" ]; }

setup_cxl() {
	wait_for 30 test -e /sys/bus/cxl/devices/mem0 || {
		fail "no cxl mem0"
		return
	}
	wait_for 30 test -e /sys/bus/cxl/devices/decoder0.0 || {
		fail "no cxl decoder0.0"
		return
	}
	# HDM decoders are per host: every guest commits its own region over
	# the shared device. The namespace labels live in the device's shared
	# LSA; they match on every host because the region's interleave-set
	# cookie depends only on DPA offset and device serial (famfsvm.py
	# gives the device one serial), not on the region's random UUID.
	cxl create-region -m -d decoder0.0 -w 1 -g 256 -t pmem mem0 || {
		fail "cxl create-region"
		return
	}
	# The nvdimm region of the committed CXL region appears asynchronously.
	wait_for 60 has_nd_region || {
		fail "no nd region for the cxl region"
		return
	}
	region=$(nd_region)
	# A host that finds labels written by another may see it disabled.
	ndctl enable-region "$region" >/dev/null 2>&1
	if [ "$create" = 1 ]; then
		# shellcheck disable=SC2046
		ndctl create-namespace -r "$region" $(mode_opts) || {
			fail "ndctl create-namespace -r $region"
			return
		}
	fi
	wait_for 20 region_has_ns "$region" || {
		fail "no $mode namespace in $region"
		return
	}
	record_device "$(region_ns "$region")"
}

case $backend in
nvdimm) setup_nvdimm ;;
cxl) setup_cxl ;;
none) ;;
*) fail "unknown backend $backend" ;;
esac

if [ -f /run/famfs/device ]; then
	FAMFS_DEV=$(cat /run/famfs/device)
	export FAMFS_DEV
fi
export FAMFS_NAME=$name FAMFS_BACKEND=$backend FAMFS_NS_MODE=$mode
echo "famfs-init: name=$name backend=$backend mode=$mode create=$create dev=${FAMFS_DEV:-none} status=$status"

port=""
for p in /sys/class/virtio-ports/*; do
	[ "$(cat "$p/name" 2>/dev/null)" = famfs.ctl ] && port=/dev/${p##*/}
done
if [ -z "$port" ]; then
	echo "famfs-init: no famfs.ctl virtio port: powering off"
	poweroff -f
fi

echo "famfs-init: agent ready on $port"
while :; do
	famfs-agent "$port" "$status"
	echo "famfs-init: famfs-agent exited ($?), restarting"
	sleep 1
done
