#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make demo: two emulated hosts share one memory. Host A formats famfs and
# fills it; host B mounts it without formatting, verifies every byte, is
# refused every write, and picks up A's new files with `famfs logplay
# --follow`. Ends with a summary; exit 0 only if everything verified.
#
# The test kernel is built (or reused from the cache) by `make kernel`;
# the guests come from tools/testing/vm. Environment overrides:
#   FAMFS_MH_BACKEND=cxl|nvdimm (default cxl)  FAMFS_MH_MODE=devdax|fsdax
#                                (default devdax on cxl, fsdax on nvdimm)
#   FAMFS_MH_BIG=1g              size of the big seeded file
set -euo pipefail

top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top"
start=$(date +%s)

logs=${FAMFS_TEST_LOGS:-$top/test-logs}
mkdir -p "$logs"
echo "== building or reusing the test kernel (make kernel; log in $logs/demo-kernel.log)"
if ! make -s kernel > "$logs/demo-kernel.log" 2>&1; then
	tail -n 30 "$logs/demo-kernel.log"
	echo "demo: the test kernel did not build (log above)" >&2
	exit 1
fi
echo "   kernel: $(tail -n 1 "$logs/demo-kernel.log")"

rc=0
python3 tools/testing/multihost/scenario.py --demo --hosts 2 "$@" || rc=$?
echo "demo: total wall time $(($(date +%s) - start)) s, exit $rc"
exit $rc
