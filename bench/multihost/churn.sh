#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Churn (issue 14): create and delete files of mixed sizes on the master
# with two followers; rates, rm-to-release delays, pending memory, and the
# same creates without rm until the device is full. See churn.py.
exec python3 "$(dirname "$0")/churn.py" "$@"
