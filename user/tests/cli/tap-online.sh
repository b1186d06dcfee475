# SPDX-License-Identifier: GPL-2.0
# TAP helpers of the CLI tests that run on a real device (07-online.sh,
# 09-fsdev-online.sh), sourced, not run. POSIX sh: they also run in the
# busybox test guests, so tap-lib.bash is not an option there.
# The sourcing script sets TAP_TITLE, MPT and may define tap_cleanup().

W=$(mktemp -d)
n=0 failed=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
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
