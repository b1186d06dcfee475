#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Scale curve 5: famfs cp bandwidth (1 GiB file, 1,000 x 1 MiB) with 1, 2
# and 4 threads, against cp into ext4 -o dax. See copy_bandwidth.py.
exec python3 "$(dirname "$0")/copy_bandwidth.py" "$@"
