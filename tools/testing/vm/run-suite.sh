#!/usr/bin/env bash
# Common body of the VM suites: build user space, then boot one guest and
# run the in-guest test list (TAP, closing "N passed, N failed, N skipped").
# Usage: run-suite.sh LOGNAME FAMFSVM_RUN_OPTIONS...
set -uo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
name=$1
shift

list=$top/tools/testing/selftests/filesystems/famfs/guest-tests.list
[[ -f $list ]] || list=$top/tools/testing/vm/smoke.list
echo "# test list: ${list#"$top"/}"

if ! out=$(make -s -C "$top/user" 2>&1); then
	echo "$out" | sed 's/^/# /'
	echo "not ok 1 - build user space (make -C user)"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi

exec python3 "$top/tools/testing/vm/famfsvm.py" run --harness-checks --tests "$list" \
	--logdir "${FAMFS_TEST_LOGS:-$top/test-logs}/$name" "$@"
