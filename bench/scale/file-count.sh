#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Scale curve 3: metadata rate (famfs cp -r, famfs creat -M) vs file count,
# against cp -r into tmpfs and ext4 -o dax. See file_count.py.
exec python3 "$(dirname "$0")/file_count.py" "$@"
