#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Sizes: the units the tools print (KiB, MiB, GiB, TiB, "64.0 MiB") are
# accepted; octal-looking input ("010") is refused instead of meaning 8.
. "$(dirname "$0")/tap-lib.bash"

new_image img 256M || exit 1
IMG="$T/img"

size_of() {	# size_of REL: file size from getmap --json --device
	"$FAMFS" getmap --json --device "$IMG" "$1" 2>/dev/null |
		python3 -c "import json,sys; print(json.load(sys.stdin)[0]['size'])"
}

expect_rc 0 "creat -s 2MiB" "$FAMFS" creat --device "$IMG" -s 2MiB f1
[ "$(size_of f1)" = 2097152 ]; check $? "2MiB is 2097152 bytes"
expect_rc 0 "creat -s 4KiB" "$FAMFS" creat --device "$IMG" -s 4KiB f2
[ "$(size_of f2)" = 4096 ]; check $? "4KiB is 4096 bytes"
expect_rc 0 "creat -s '3.0 MiB' (as printed)" "$FAMFS" creat --device "$IMG" -s "3.0 MiB" f3
[ "$(size_of f3)" = 3145728 ]; check $? "'3.0 MiB' is 3145728 bytes"
expect_rc 0 "creat -s 0x1000" "$FAMFS" creat --device "$IMG" -s 0x1000 f4
[ "$(size_of f4)" = 4096 ]; check $? "0x1000 is 4096 bytes"
expect_rc 0 "creat -s 1.5k" "$FAMFS" creat --device "$IMG" -s 1.5k f5
[ "$(size_of f5)" = 1536 ]; check $? "1.5k is 1536 bytes"

expect_rc_msg 1 "invalid size '010'.*leading zero" "creat -s 010 refused (not 8 bytes)" \
	"$FAMFS" creat --device "$IMG" -s 010 f6
run "$FAMFS" getmap --device "$IMG" f6
[ "$RC" -ne 0 ]; check $? "nothing was created by -s 010"
expect_rc_msg 1 "invalid size" "creat -s 1.1k refused (not whole bytes)" \
	"$FAMFS" creat --device "$IMG" -s 1.1k f7
expect_rc_msg 1 "invalid size" "creat -s 3MiX refused" \
	"$FAMFS" creat --device "$IMG" -s 3MiX f7
expect_rc_msg 1 "invalid uid '010'" "creat -u 010 refused (not uid 8)" \
	"$FAMFS" creat --device "$IMG" -s 2m -u 010 f7
expect_rc_msg 1 "invalid chunk" "creat -C 02m refused" \
	"$FAMFS" creat --device "$IMG" -s 4m -N 2 -C 02m f7

truncate -s 64M "$T/img2"
expect_rc 0 "mkfs.famfs -l 16MiB" "$MKFS" -l 16MiB "$T/img2"
"$FAMFS" fsck --json "$T/img2" 2>/dev/null |
	python3 -c "import json,sys; sys.exit(json.load(sys.stdin)['log']['len'] != 16777216)"
check $? "mkfs.famfs -l 16MiB made a 16 MiB log"
expect_rc_msg 1 "invalid log length '010m'" "mkfs.famfs -l 010m refused" \
	"$MKFS" -f -l 010m "$T/img2"
expect_rc 0 "mkfs.famfs -l '8.0 MiB' (as printed)" "$MKFS" -f -l "8.0 MiB" "$T/img2"

done_testing
