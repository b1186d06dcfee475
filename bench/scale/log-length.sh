#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Scale curve 1: famfs mount/replay, logplay and fsck time vs log length,
# against making the same namespace on tmpfs. See log_length.py.
exec python3 "$(dirname "$0")/log_length.py" "$@"
