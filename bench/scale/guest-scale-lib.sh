#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Shared in-guest helpers of bench/scale/guest-{copy-bandwidth,file-count,
# device-size}.sh (busybox sh). Sourced by them after they set BENCH_NAME;
# sl.run_guest (scale_lib.py) copies it into the guest beside them, as
# /opt/famfs-bench/guest-scale-lib.sh.
B=/opt/famfs-bench
MPT=/mnt/famfs

# die MSG: say MSG and the kernel's last lines, exit 2.
die() {
	echo "$BENCH_NAME: $*" >&2
	dmesg | tail -n 20 >&2
	exit 2
}

# t LABEL CMD...: time CMD, die if it fails, set $T_LABEL to the seconds.
t() {
	label=$1
	shift
	line=$($B/tm "$label" "$@") || die "$label failed: $* ($line)"
	eval "T_$label=$(echo "$line" | cut -d' ' -f3)"
}

# scale_setup DIR...: keep kmemleak's scanner out of the timed steps (the
# test kernel scans every 10 min), and make $MPT and DIR...
# shellcheck disable=SC2120 # DIR... are optional
scale_setup() {
	echo scan=off >/sys/kernel/debug/kmemleak 2>/dev/null
	mkdir -p $MPT "$@"
}
