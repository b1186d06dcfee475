#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run the famfs benchmarks (make bench). Each line is one benchmark script
# that prints its numbers; a non-zero exit means it failed (the DAX read
# benchmarks report their goals but fail only on errors). See bench/README.md.
here=$(cd "$(dirname "$0")" && pwd)
rc=0

bash "$here/user/create-files.sh" || rc=1
# One guest each (bench/lib/run_guest.py): famfs vs ext4 -o dax on pmem
# (stock kernel), famfs on fsdev_dax vs raw /dev/dax0.0 (test kernel).
bash "$here/kernel/pmem-read.sh" || rc=1
bash "$here/devdax/devdax-read.sh" || rc=1
# Scale curves (bench/scale/): one guest each, tables and plots in
# bench/scale/results/.
bash "$here/scale/log-length.sh" || rc=1
bash "$here/scale/device-size.sh" || rc=1
bash "$here/scale/file-count.sh" || rc=1
bash "$here/scale/copy-bandwidth.sh" || rc=1
# Multi-host (several guests on one shared CXL device): curve 4, followers
# vs host count, and the create/delete churn of issue 14
# (bench/multihost/results/).
bash "$here/scale/followers.sh" || rc=1
bash "$here/multihost/churn.sh" || rc=1

exit $rc
