#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# NM for kbuild that kills the whole build (its process group) the first
# time kbuild asks whether symvers_probe.o exports symbols: right after the
# compile and fixdep wrote .symvers_probe.o.cmd, before the #SYMVER lines.
case "$*" in
*symvers_probe.o)
	if [ -e "$KILL_MARK" ]; then
		rm -f "$KILL_MARK"
		kill -KILL 0
	fi
	;;
esac
exec nm "$@"
