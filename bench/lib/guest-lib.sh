#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Shared in-guest helpers of the DAX read benchmarks (busybox sh). Sourced by
# the guest scripts, which set BENCH_NAME first. Copied into the guest as
# /opt/famfs-bench/guest-lib.sh; the reader is /opt/famfs-bench/dax_read.
#
# Output contract with bench/lib/run_guest.py:
#   RESULT fs=LABEL round=R pos=P mode=M bytes=N best_gbps=X median_gbps=Y pass_s=T,...
#   FAULTS fs=LABEL pmd=N pmd_fallback=N pte=N
#   FAULTS fs=LABEL unavailable (REASON)
# (pos: 1 if the side was measured first in its round, 2 if second)

B=/opt/famfs-bench
READER=$B/dax_read
# BENCH_CPU=N: timed and traced passes run on vCPU N only (taskset).
PIN=${BENCH_CPU:+taskset -c $BENCH_CPU}
PASSES=${PASSES:-3}
ROUNDS=${ROUNDS:-3}
# read(2) passes per side per round (slow under TCG, and not in the goal)
READ_PASSES=${READ_PASSES:-$PASSES}
T=/sys/kernel/tracing
[ -e $T/trace ] || T=/sys/kernel/debug/tracing

die() {
	echo "${BENCH_NAME:-bench}: $*" >&2
	exit 2
}

# faults LABEL CMD...: run CMD once with the fs_dax fault events on and
# print what the tracepoints counted (PMD faults that mapped a 2 MiB page,
# PMD faults that fell back to PTEs, and PTE faults).
faults() {
	label=$1
	shift
	if [ ! -e $T/events/fs_dax/dax_pmd_fault_done/enable ]; then
		echo "FAULTS fs=$label unavailable (no fs_dax tracepoints in this kernel)"
		"$@" >/dev/null || die "traced pass of $label failed"
		return
	fi
	echo 0 >$T/tracing_on
	echo 32768 >$T/buffer_size_kb
	: >$T/trace
	# Turning an event on or off patches kernel text, so the harness turns
	# these on at boot; leave them as they were found.
	on_here=
	for ev in dax_pmd_fault_done dax_pte_fault_done; do
		if [ "$(cat "$T/events/fs_dax/$ev/enable")" != 1 ]; then
			echo 1 >"$T/events/fs_dax/$ev/enable"
			on_here="$on_here $ev"
		fi
	done
	echo 1 >$T/tracing_on
	$PIN "$@" >/dev/null
	rc=$?
	echo 0 >$T/tracing_on
	for ev in $on_here; do
		echo 0 >"$T/events/fs_dax/$ev/enable"
	done
	[ $rc = 0 ] || die "traced pass of $label failed"
	pmd=$(grep -c 'dax_pmd_fault_done:.*NOPAGE' $T/trace)
	fb=$(grep -c 'dax_pmd_fault_done:.*FALLBACK' $T/trace)
	pte=$(grep -c 'dax_pte_fault_done:' $T/trace)
	: >$T/trace
	echo "FAULTS fs=$label pmd=$pmd pmd_fallback=$fb pte=$pte"
}

# Idle fraction of all CPUs over one second, in percent (from /proc/stat).
idle_pct() {
	# shellcheck disable=SC2046 # split the cpu line into fields
	set -- $(head -n 1 /proc/stat)
	t1=$(($2 + $3 + $4 + $5 + $6 + $7 + $8 + ${9:-0}))
	i1=$(($5 + $6))
	sleep 1
	# shellcheck disable=SC2046
	set -- $(head -n 1 /proc/stat)
	t2=$(($2 + $3 + $4 + $5 + $6 + $7 + $8 + ${9:-0}))
	i2=$(($5 + $6))
	[ $t2 -gt $t1 ] || {
		echo 100
		return
	}
	echo $(((i2 - i1) * 100 / (t2 - t1)))
}

# quiesce: stop background work that would land in one side's passes only
# (kmemleak's scanner: the test kernel has kmemleak), write back, and wait
# until the guest has been idle for two seconds in a row (at most 30 s).
quiesce() {
	if [ ! -e /sys/kernel/debug/kmemleak ] && [ -d /sys/kernel/debug ] &&
		! grep -q ' /sys/kernel/debug ' /proc/mounts; then
		mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
	fi
	[ -e /sys/kernel/debug/kmemleak ] &&
		echo scan=off >/sys/kernel/debug/kmemleak 2>/dev/null
	sync
	calm=0 tries=0
	while [ $calm -lt 2 ] && [ $tries -lt 30 ]; do
		if [ "$(idle_pct)" -ge 90 ]; then
			calm=$((calm + 1))
		else
			calm=0
		fi
		tries=$((tries + 1))
	done
	[ $calm -ge 2 ] || echo "# $BENCH_NAME: guest not idle after 30 s, measuring anyway"
}

# measure LABEL ROUND POS PATH SIZE MODES: quiesce, then PASSES timed passes
# per mode (READ_PASSES for read), each printed as a tagged RESULT line.
measure() {
	label=$1 round=$2 pos=$3 path=$4 size=$5 modes=$6
	quiesce
	for mode in $modes; do
		n=$PASSES
		[ "$mode" = read ] && n=$READ_PASSES
		$PIN $READER "$mode" "$path" "$size" "$n" >/tmp/bench.out ||
			die "$label $mode pass failed: $(cat /tmp/bench.out)"
		sed "s/^RESULT /RESULT fs=$label round=$round pos=$pos /" /tmp/bench.out
	done
}

# Print what the host needs to know about this guest.
bench_header() {
	echo "# guest: kernel $(uname -r), rounds $ROUNDS, passes $PASSES per side per round ($READ_PASSES for read)"
	[ -e /sys/kernel/debug/kmemleak ] && echo "# guest: kmemleak present (scanner turned off before each measurement)"
	[ -e /proc/lockdep ] && echo "# guest: lockdep on (same for both sides)"
	echo "# guest: $(grep -c ^processor /proc/cpuinfo) vCPU(s), passes ${BENCH_CPU:+pinned to vCPU $BENCH_CPU}${BENCH_CPU:-not pinned}"
	[ -e $T/events/fs_dax ] || echo "# guest: no fs_dax tracepoints"
	return 0
}
