# SPDX-License-Identifier: GPL-2.0
# Shared helpers of the famfs CLI tests (sourced, not run).
# Every test script prints TAP lines: "ok N - name", "not ok N - name",
# "ok N - name # SKIP reason", and exits non-zero if anything failed.

set -u

if [ -z "${BUILD:-}" ]; then
	echo "BUILD is not set (the directory holding famfs and mkfs.famfs)" >&2
	exit 2
fi
FAMFS="$BUILD/famfs"
MKFS="$BUILD/mkfs.famfs"
if [ ! -x "$FAMFS" ] || [ ! -x "$MKFS" ]; then
	echo "not ok 1 - famfs and mkfs.famfs built in $BUILD"
	exit 1
fi

# Images are sparse files; /dev/shm keeps msync() cheap.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
	T=$(mktemp -d /dev/shm/famfs-cli-test.XXXXXX)
else
	T=$(mktemp -d "${TMPDIR:-/tmp}/famfs-cli-test.XXXXXX")
fi
trap 'rm -rf "$T"' EXIT
export FAMFS_SYSTEM_UUID_FILE="$T/system_uuid"
OTHER_UUID_FILE="$T/other_uuid"
echo "6f1c35a8-2d0e-4f6b-9a43-8d1f2c7e5b90" > "$OTHER_UUID_FILE"

TAP_N=0
TAP_FAILED=0
OUT="$T/out"
ERR="$T/err"

ok() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1"
}

not_ok() {
	TAP_N=$((TAP_N + 1))
	TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - $1"
	if [ -s "$OUT" ]; then sed 's/^/#   out: /' "$OUT" | head -20; fi
	if [ -s "$ERR" ]; then sed 's/^/#   err: /' "$ERR" | head -20; fi
}

skip() {
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $1 # SKIP $2"
}

# check COND-RESULT NAME: ok if the previous command list returned 0.
check() {
	if [ "$1" -eq 0 ]; then ok "$2"; else not_ok "$2"; fi
}

# run CMD...: run with stdout/stderr captured in $OUT/$ERR; sets RC.
run() {
	"$@" >"$OUT" 2>"$ERR"
	RC=$?
}

# expect_rc RC NAME CMD...: the command must exit with RC.
expect_rc() {
	local want=$1 name=$2
	shift 2
	run "$@"
	if [ "$RC" -eq "$want" ]; then
		ok "$name"
	else
		echo "# expected exit $want, got $RC: $*"
		not_ok "$name"
	fi
}

# expect_rc_msg RC REGEX NAME CMD...: exit RC and stdout+stderr match REGEX.
expect_rc_msg() {
	local want=$1 re=$2 name=$3
	shift 3
	run "$@"
	if [ "$RC" -eq "$want" ] && cat "$OUT" "$ERR" | grep -Eq -- "$re"; then
		ok "$name"
	else
		echo "# expected exit $want and /$re/, got $RC: $*"
		not_ok "$name"
	fi
}

# new_image NAME SIZE [mkfs args]: a fresh formatted sparse image.
new_image() {
	local img="$T/$1"
	rm -f "$img"
	truncate -s "$2" "$img"
	shift 2
	"$MKFS" "$@" "$img" >/dev/null 2>"$ERR" || {
		echo "# mkfs.famfs $img failed: $(cat "$ERR")"
		return 1
	}
}

# json_ok FILE: valid JSON?
json_ok() {
	python3 -m json.tool "$1" >/dev/null 2>&1
}

# fsck_field IMG FIELD: a number from "famfs fsck --json".
fsck_field() {
	"$FAMFS" fsck --json "$1" 2>/dev/null |
		python3 -c "import json,sys; print(json.load(sys.stdin)['$2'])"
}

# now_ms: a monotonic-enough clock in milliseconds (bash's EPOCHREALTIME).
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

# wait_jobs: wait for all background jobs; FAILS = how many exited non-zero.
wait_jobs() {
	local job
	FAILS=0
	for job in $(jobs -p); do
		wait "$job" || FAILS=$((FAILS + 1))
	done
}

# flock_listed PID [->]: wait (up to 5 s) until /proc/locks shows PID
# holding a flock, or with "->" blocked waiting for one (/proc/locks
# indents a waiter queued behind another); 1 if it never does.
flock_listed() {
	local _ re="^[0-9]+: FLOCK .* $1 "
	[ "${2:-}" = "->" ] && re="^[0-9]+: +-> FLOCK .* $1 "
	for _ in $(seq 1 100); do
		grep -Eq "$re" /proc/locks && return 0
		sleep 0.05
	done
	return 1
}

# hold_lock FILE: take FILE's writer lock as an offline writer does
# (flock(1), exclusive) and keep it until release_lock; sets HOLDER.
# Returns 1 if the lock does not show in /proc/locks.
hold_lock() {
	[ -p "$T/gate" ] || mkfifo "$T/gate"
	flock -o "$1" sh -c 'read -r _ < "$0"' "$T/gate" >/dev/null 2>&1 &
	HOLDER=$!
	flock_listed "$HOLDER"
}
# release_lock: let hold_lock's holder go and wait for it.
release_lock() {
	echo >"$T/gate"
	wait "$HOLDER"
}

done_testing() {
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
	exit $?
}
