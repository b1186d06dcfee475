#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# famfs CLI: help texts, version, argument errors and their exit codes.
. "$(dirname "$0")/tap-lib.bash"

CMDS="mount fsck check logplay mkdir creat cp getmap verify flush chkread clone mkmeta cat"

expect_rc_msg 0 "^famfs " "famfs --version" "$FAMFS" --version
expect_rc_msg 0 "Exit codes" "famfs --help lists exit codes" "$FAMFS" --help
expect_rc 1 "famfs without a command is a usage error" "$FAMFS"
expect_rc_msg 1 "unknown command" "unknown command" "$FAMFS" frobnicate
expect_rc_msg 0 "Exit codes" "mkfs.famfs --help" "$MKFS" --help
expect_rc_msg 0 "mount.famfs" "mount.famfs --help" "$BUILD/mount.famfs" --help

for c in $CMDS; do
	expect_rc_msg 0 "Usage: famfs $c.*" "famfs $c --help" "$FAMFS" $c --help
	grep -q "Exit codes" "$OUT" && grep -q "  4  " "$OUT"
	check $? "famfs $c --help documents the exit codes"
	expect_rc_msg 1 "Try 'famfs $c --help'" "famfs $c --bogus-option" \
		"$FAMFS" $c --bogus-option
done

# Missing operands.
for c in mount fsck check logplay mkdir getmap flush chkread clone mkmeta cat cp; do
	expect_rc 1 "famfs $c without operands" "$FAMFS" $c
done
expect_rc_msg 1 "missing -s" "creat without -s" "$FAMFS" creat f
expect_rc_msg 1 "missing FILE" "creat without a file" "$FAMFS" creat -s 1m
expect_rc_msg 1 "invalid size" "creat with a garbage size" "$FAMFS" creat -s 12q f
expect_rc_msg 1 "invalid size" "creat with a negative size" "$FAMFS" creat -s -5 f
expect_rc_msg 1 "invalid -M" "creat -M without a size" "$FAMFS" creat -M name
expect_rc_msg 1 "needs -r" "creat -S without -r" "$FAMFS" creat -s 1m -S 3 f
expect_rc_msg 1 "invalid mode" "creat with a bad mode" "$FAMFS" creat -s 1m -m 999 f
expect_rc_msg 1 "invalid uid" "creat with a bad uid" "$FAMFS" creat -s 1m -u x f
expect_rc_msg 1 "missing -S" "verify without a seed" "$FAMFS" verify -f f
expect_rc_msg 1 "missing -f" "verify without a file" "$FAMFS" verify -S 1
expect_rc_msg 1 "seed 0" "verify with seed 0" "$FAMFS" verify -S 0 -f f
expect_rc_msg 1 "thread count" "cp -t 0" "$FAMFS" cp -t 0 a b
expect_rc_msg 1 "thread count" "cp -t 65" "$FAMFS" cp -t 65 a b
expect_rc_msg 1 "missing DEST" "cp with one operand" "$FAMFS" cp a
expect_rc_msg 1 "SRC and DST" "clone with one operand" "$FAMFS" clone a
expect_rc_msg 1 "DEVICE and MOUNTPOINT" "mount with one operand" "$FAMFS" mount /dev/null
expect_rc 1 "fsck with two operands" "$FAMFS" fsck a b

# mkfs.famfs argument errors.
expect_rc_msg 1 "missing DEVICE" "mkfs without a device" "$MKFS"
expect_rc_msg 1 "too many" "mkfs with two devices" "$MKFS" a b
expect_rc_msg 1 "requires -f" "mkfs -k without -f" "$MKFS" -k x
expect_rc_msg 1 "power of two" "mkfs -l 12m (not a power of two)" "$MKFS" -l 12m x
expect_rc_msg 1 "power of two" "mkfs -l 4m (below 8 MiB)" "$MKFS" -l 4m x
expect_rc_msg 1 "invalid log length" "mkfs -l garbage" "$MKFS" -l lots x
expect_rc_msg 1 "cannot read directory" "mkfs -d of a missing directory" \
	"$MKFS" -d "$T/nonexistent" x

# Commands on things that are not famfs fail with exit 2, no crash.
echo hello > "$T/plain"
expect_rc 2 "fsck of a missing path" "$FAMFS" fsck "$T/missing"
expect_rc 2 "check of a directory outside famfs" "$FAMFS" check "$T"
expect_rc 2 "logplay of a directory outside famfs" "$FAMFS" logplay "$T"
expect_rc 2 "getmap of a file outside famfs" "$FAMFS" getmap "$T/plain"
expect_rc 2 "mkdir outside famfs" "$FAMFS" mkdir "$T/newdir"
expect_rc 2 "creat outside famfs" "$FAMFS" creat -s 2m "$T/newfile"
expect_rc 2 "--device on a missing image" "$FAMFS" mkdir --device "$T/missing" d
expect_rc 2 "mkmeta of a device that is not mounted" "$FAMFS" mkmeta "$T/plain"

# mount validation without mounting (--dry-run, and mount.famfs -f) works on images
truncate -s 64M "$T/img"
"$MKFS" "$T/img" >/dev/null 2>&1
expect_rc_msg 0 "valid \(not mounted\)" "famfs mount --dry-run validates an image" \
	"$FAMFS" mount --dry-run "$T/img" "$T"
expect_rc_msg 0 "valid \(not mounted\)" "mount.famfs DEV MPT -f -o OPTS (fake mount)" \
	"$BUILD/mount.famfs" "$T/img" "$T" -f -o mode=0700
expect_rc_msg 1 "DEVICE and MOUNTPOINT" "mount.famfs with one operand" "$BUILD/mount.famfs" "$T/img"
expect_rc 1 "mount.famfs with three operands" "$BUILD/mount.famfs" a b c
"$MKFS" -f -k "$T/img" >/dev/null 2>&1
expect_rc_msg 2 "superblock" "famfs mount --dry-run of a killed superblock fails" \
	"$FAMFS" mount --dry-run "$T/img" "$T"

# flush and chkread work on any regular file (no famfs needed).
head -c 3000000 /dev/urandom > "$T/rand"
expect_rc_msg 0 "agree" "chkread: read(2) and mmap agree" "$FAMFS" chkread "$T/rand"
expect_rc 0 "flush a regular file" "$FAMFS" flush "$T/rand"
expect_rc 2 "flush a missing file" "$FAMFS" flush "$T/missing"
expect_rc 2 "chkread a directory" "$FAMFS" chkread "$T"

done_testing
