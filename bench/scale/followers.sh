#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Scale curve 4: creation-to-visible latency, follower CPU and the master's
# create rate against the number of followers on one shared CXL device.
# See followers.py.
exec python3 "$(dirname "$0")/followers.py" "$@"
