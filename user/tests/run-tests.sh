#!/usr/bin/env bash
# Run the user-space tests against one build directory and add up the results.
#
#   run-tests.sh [BUILD_DIR]     (default: build; relative to user/)
#
# Runs every program in BUILD_DIR/tests/ (libfamfs unit tests) and every
# executable user/tests/cli/*.sh (with BUILD=<absolute build dir>), prints
# their TAP output and ends with "N passed, N failed, N skipped".
# A program that exits non-zero without a failing test line, or prints no
# test at all, counts as one failure (a crash must never look green).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
user=$(cd "$here/.." && pwd)
build=${1:-build}
[[ $build = /* ]] || build=$user/$build
export BUILD=$build

pass=0 fail=0 skip=0
failed=()

run_one() {
	local name=$1
	shift
	local out rc p f s
	echo "# --- $name"
	out=$("$@" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	p=$(grep -cE '^ok [0-9]+' <<<"$out")
	s=$(grep -cE '^ok [0-9]+.*# SKIP' <<<"$out")
	f=$(grep -cE '^not ok [0-9]+' <<<"$out")
	p=$((p - s))
	if ((rc != 0 && f == 0)); then
		echo "not ok - $name exited with status $rc without a failing test"
		f=1
	fi
	if ((p + f + s == 0)); then
		echo "not ok - $name reported no tests"
		f=1
	fi
	((f > 0)) && failed+=("$name")
	pass=$((pass + p))
	fail=$((fail + f))
	skip=$((skip + s))
}

if [[ ! -d $build/tests ]]; then
	echo "not ok - no test programs in $build/tests (build first)"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi

for t in "$build"/tests/*; do
	[[ -f $t && -x $t ]] || continue
	run_one "lib/$(basename "$t")" "$t"
done

for t in "$user"/tests/cli/*.sh; do
	[[ -f $t && -x $t ]] || continue
	run_one "cli/$(basename "$t")" "$t"
done

((${#failed[@]})) && echo "# failed: ${failed[*]}"
echo "$pass passed, $fail failed, $skip skipped"
((fail == 0))
