#!/usr/bin/env bash
# Run the test suites in tools/testing/suites.d and add up their results.
#
# Each suite is an executable that prints its own results and ends with a
# line "N passed, N failed[, N skipped]" and exits non-zero on failure.
# A suite that prints no such line, or passes nothing, counts as a failure:
# a run must never look green only because tests were skipped.
#
# Usage: run-suites.sh [FILTER...]   (a filter matches part of a suite name)
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
logdir=${FAMFS_TEST_LOGS:-$top/test-logs}
mkdir -p "$logdir"

total_pass=0 total_fail=0 total_skip=0
failed_suites=()

want() {
	local name=$1 f
	((${#filters[@]} == 0)) && return 0
	for f in "${filters[@]}"; do
		[[ $name == *"$f"* ]] && return 0
	done
	return 1
}

filters=("$@")
for suite in "$top"/tools/testing/suites.d/*; do
	[[ -x $suite ]] || continue
	name=$(basename "$suite")
	want "$name" || continue
	echo "=== suite $name"
	start=$(date +%s)
	"$suite" 2>&1 | tee "$logdir/$name.log"
	rc=${PIPESTATUS[0]}
	secs=$(($(date +%s) - start))
	line=$(grep -aE '^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed' \
		"$logdir/$name.log" | tail -n 1)
	if [[ -z $line ]]; then
		echo "=== suite $name: no result line (exit $rc): counted as failed"
		total_fail=$((total_fail + 1))
		failed_suites+=("$name")
		continue
	fi
	p=$(sed -E 's/.*\b([0-9]+) passed.*/\1/' <<<"$line")
	f=$(sed -E 's/.*\b([0-9]+) failed.*/\1/' <<<"$line")
	s=0
	[[ $line == *skipped* ]] && s=$(sed -E 's/.*\b([0-9]+) skipped.*/\1/' <<<"$line")
	if ((rc != 0 && f == 0)); then
		echo "=== suite $name exited $rc with no failed test: counted as failed"
		f=1
	fi
	if ((p == 0 && f == 0)); then
		echo "=== suite $name passed nothing: counted as failed"
		f=1
	fi
	((f > 0)) && failed_suites+=("$name")
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	total_skip=$((total_skip + s))
	echo "=== suite $name: $p passed, $f failed, $s skipped (${secs}s)"
done

if ((${#failed_suites[@]})); then
	echo "failed suites: ${failed_suites[*]}"
fi
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
((total_fail == 0))
