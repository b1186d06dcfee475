#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# libFuzzer targets (tests/fuzz/, built by "make check" into build/fuzz/):
# each runs a bounded number of iterations over its seed corpus. One TAP
# line per target; SKIP with the reason when clang/libFuzzer is missing.
# Longer runs: make -C user fuzz [FUZZ_SECONDS=600].
set -u
here=$(cd "$(dirname "$0")" && pwd)
user=$(cd "$here/../.." && pwd)
fb=$user/build/fuzz
runs=${FUZZ_RUNS:-2000}
targets="superblock log fsck ops alloc_cfg parse hosttab"
n=0 failed=0

if [[ ${BUILD:-} == *build-san ]]; then
	echo "ok 1 - libFuzzer targets # SKIP they run (with ASan/UBSan) in the 10-user suite"
	echo "1..1"
	exit 0
fi
if [[ -f $fb/SKIP ]]; then
	reason=$(cat "$fb/SKIP")
	for t in $targets; do
		n=$((n + 1))
		echo "ok $n - fuzz_$t # SKIP $reason"
	done
	echo "1..$n"
	exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/famfs-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
for t in $targets; do
	n=$((n + 1))
	bin=$fb/fuzz_$t
	if [[ ! -x $bin ]]; then
		echo "not ok $n - fuzz_$t: $bin not built (make -C user fuzz-build)"
		failed=$((failed + 1))
		continue
	fi
	mkdir -p "$work/$t"
	# New inputs go to the scratch dir, never into the checked-in seeds.
	# A host table input is 1 MiB of slots walked several times: fewer runs.
	r=$runs
	[[ $t == hosttab ]] && r=$((runs / 10))
	if (cd "$work" && "$bin" -runs="$r" -seed=1 -rss_limit_mb=4096 \
		-artifact_prefix="$work/crash-$t-" "$work/$t" \
		"$user/tests/fuzz/corpus/$t") >"$work/$t.log" 2>&1; then
		echo "ok $n - fuzz_$t: $r runs over the seed corpus"
	else
		echo "not ok $n - fuzz_$t: $r runs over the seed corpus"
		grep -E "ERROR|SUMMARY|abort|#0|#1|#2|#3" "$work/$t.log" | head -20 | sed 's/^/#   /'
		for c in "$work"/crash-"$t"-*; do
			[[ -f $c ]] && echo "#   input: $(od -An -tx1 "$c" | head -4 | tr -s ' ')"
		done
		failed=$((failed + 1))
	fi
done
echo "1..$n"
[[ $failed -eq 0 ]]
