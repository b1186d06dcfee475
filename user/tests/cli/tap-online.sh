# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# TAP helpers of the CLI tests that run on a real device (07-online.sh,
# 09-fsdev-online.sh, 12-fstab-online.sh, 18-delete-online.sh,
# 19-long-log-online.sh) and of the selftests' scripts
# (e2e-cli.sh, famfs_pmem_partition_test.sh), sourced, not run. POSIX sh:
# they also run in the busybox test guests, so tap-lib.bash is not an
# option there. The selftests' Makefile installs this file next to them
# (/opt/famfs-tests in the guests).
# The sourcing script sets TAP_TITLE, MPT and may define tap_cleanup()
# (for skip_all and finish); tc, tap_skip and tap_summary need neither.

W=$(mktemp -d)
n=0 failed=0 passed=0 skipped=0

ok() { n=$((n + 1)); passed=$((passed + 1)); echo "ok $n - $1"; }
bad() {
	n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"
	sed 's/^/#   /' "$W/log" | tail -n 15
}
skip_all() {
	echo "ok 1 - $TAP_TITLE # SKIP $1"
	echo "1..1"
	rm -rf "$W"
	exit 0
}
# t NAME WANT_RC CMD...: CMD exits WANT_RC
t() {
	name=$1 want=$2
	shift 2
	"$@" >"$W/log" 2>&1
	rc=$?
	if [ "$rc" -eq "$want" ]; then ok "$name"; return 0; fi
	echo "# exit $rc, want $want" >>"$W/log"
	bad "$name"
	return 1
}
# tg NAME REGEX: the last command's output matches
tg() { if grep -Eq -- "$2" "$W/log"; then ok "$1"; else bad "$1"; fi; }
# finish: unmount, undo the script's device changes, print the plan, exit
finish() {
	umount "$MPT" >/dev/null 2>&1
	command -v tap_cleanup >/dev/null 2>&1 && tap_cleanup
	rm -rf "$W"
	echo "1..$n"
	[ "$failed" -eq 0 ]
	exit $?
}
# tc NAME CMD...: CMD exits 0; one TAP line, CMD's output (last 20 lines)
# shown on failure. With T_TODO set, a failure is "not ok ... # TODO" and
# counts as skipped. (Its variables are prefixed tc_: the checks it runs
# have their own.)
tc() {
	tc_name=$1
	shift
	"$@" >"$W/log" 2>&1
	tc_rc=$?
	if [ "$tc_rc" -eq 0 ]; then
		ok "$tc_name"
		return 0
	fi
	n=$((n + 1))
	if [ -n "${T_TODO:-}" ]; then
		skipped=$((skipped + 1))
		echo "not ok $n - $tc_name # TODO $T_TODO"
	else
		failed=$((failed + 1))
		echo "not ok $n - $tc_name (exit $tc_rc)"
	fi
	sed 's/^/#   /' "$W/log" | tail -n 20
	return 1
}
# A character dax device (/dev/daxX.Y) is formatted and fscked raw, in
# device_dax mode, and mounted in fsdev mode (bound to fsdev_dax; README
# "On real hardware"). dax_init DEV: note the mode DEV is in (0: a block
# device, or a dax device with fsdev_dax available; 1 otherwise). Then
# "raw CMD..." runs CMD with the device in device_dax mode and "fsdev
# CMD..." with it in fsdev mode, switching with $FAMFS fsdev-mode (which
# refuses to take a mounted device out of fsdev mode); on a block device
# both just run CMD, so one sequence of steps serves both kinds. dax_restore
# (for tap_cleanup, after the unmount) puts the device back in the mode
# dax_init found.
DAXNAME='' DAXDRV0=''
dax_driver() { basename "$(readlink "/sys/bus/dax/devices/$DAXNAME/driver")"; }
dax_init() {
	[ -c "$1" ] || return 0
	DAXNAME=${1##*/}
	DAXDRV0=$(dax_driver)
	modprobe fsdev_dax >/dev/null 2>&1
	[ -d /sys/bus/dax/drivers/fsdev_dax ]
}
dax_mode() { [ -z "$DAXNAME" ] || "$FAMFS" fsdev-mode "$@" "/dev/$DAXNAME"; }
raw() { dax_mode --devdax && "$@"; }
fsdev() { dax_mode && "$@"; }
dax_restore() {
	case $DAXDRV0 in
	device_dax) dax_mode --devdax ;;
	fsdev_dax) dax_mode ;;
	esac >/dev/null 2>&1
}
# tap_skip NAME REASON: a skipped test
tap_skip() {
	n=$((n + 1)); skipped=$((skipped + 1)); echo "ok $n - $1 # SKIP $2"
}
# tap_summary: the plan and "N passed, N failed, N skipped"; removes $W
tap_summary() {
	echo "1..$n"
	echo "$passed passed, $failed failed, $skipped skipped"
	rm -rf "$W"
}
