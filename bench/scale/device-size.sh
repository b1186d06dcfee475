#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Scale curve 2: the devdax mount path (bind, mkfs, mount, statfs) vs
# device size. See device_size.py.
exec python3 "$(dirname "$0")/device_size.py" "$@"
