#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run the famfs benchmarks (make bench). Each line is one benchmark script
# that prints its numbers and exits non-zero if it misses its target.
here=$(cd "$(dirname "$0")" && pwd)
rc=0

bash "$here/user/create-files.sh" || rc=1
# One guest each: famfs vs ext4 -o dax on pmem; famfs vs raw /dev/dax0.0.
bash "$here/kernel/pmem-read.sh" || rc=1
bash "$here/devdax/devdax-read.sh" || rc=1

exit $rc
