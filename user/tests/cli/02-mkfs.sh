#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# mkfs.famfs: formatting, refusals, kill, log length, -d population.
. "$(dirname "$0")/tap-lib.bash"

IMG="$T/img"
truncate -s 256M "$IMG"
expect_rc_msg 0 "formatted .*15420 entries" "mkfs.famfs a 256 MiB image" "$MKFS" "$IMG"
expect_rc_msg 0 "result: +clean" "fsck of a fresh image is clean" "$FAMFS" fsck "$IMG"
[ "$(fsck_field "$IMG" files)" = 0 ] && [ "$(fsck_field "$IMG" directories)" = 0 ]
check $? "fresh image: 0 files, 0 directories"
# The superblock bytes: magic 0x87b282ff at 0, version 48, log at 2 MiB.
[ "$(od -An -tx8 -N8 "$IMG" | tr -d ' ')" = "0000000087b282ff" ] &&
[ "$(od -An -tu8 -j8 -N8 "$IMG" | tr -d ' ')" = 48 ] &&
[ "$(od -An -tu8 -j16 -N8 "$IMG" | tr -d ' ')" = 2097152 ]
check $? "superblock magic, version and log offset on the media"

expect_rc_msg 4 "already formatted" "refuses a formatted device without -f" "$MKFS" "$IMG"
FAMFS_SYSTEM_UUID_FILE="$OTHER_UUID_FILE" \
	expect_rc_msg 4 "another master" "refuses another master's device without -f" "$MKFS" "$IMG"
expect_rc 0 "-f formats over an existing famfs" "$MKFS" -f "$IMG"

expect_rc_msg 1 "does not fit" "log too big for the device (-l 512m)" "$MKFS" -f -l 512m "$IMG"
expect_rc 0 "format with -l 16m" "$MKFS" -f -l 16m "$IMG"
[ "$(od -An -tu8 -j24 -N8 "$IMG" | tr -d ' ')" = 16777216 ]
check $? "log_len 16 MiB recorded in the superblock"
run "$FAMFS" fsck "$IMG"
grep -q "of 30840 entries" "$OUT"
check $? "fsck: a 16 MiB log holds 30840 entries"
expect_rc 0 "format with -l 8192k (k suffix)" "$MKFS" -f -l 8192k "$IMG"
[ "$(od -An -tu8 -j24 -N8 "$IMG" | tr -d ' ')" = 8388608 ]
check $? "-l 8192k is 8 MiB"

expect_rc_msg 0 "killed" "mkfs -f -k kills the superblock" "$MKFS" -f -k "$IMG"
[ "$(od -An -tx8 -N8 "$IMG" | tr -d ' ')" = "0000000000000000" ] &&
[ "$(od -An -tu8 -j8 -N8 "$IMG" | tr -d ' ')" = 48 ]
check $? "kill zeroes only the magic"
expect_rc_msg 3 "no famfs superblock" "fsck after kill: no superblock, exit 3" "$FAMFS" fsck "$IMG"
run "$FAMFS" fsck --json "$IMG"
json_ok "$OUT" && grep -q '"clean":false' "$OUT"
check $? "fsck --json after kill is valid JSON, not clean"
expect_rc 0 "a killed device formats without -f" "$MKFS" "$IMG"

# Devices that cannot hold famfs.
truncate -s 8M "$T/tiny"
expect_rc 2 "an 8 MiB image is too small" "$MKFS" "$T/tiny"
truncate -s 65M "$T/odd"
expect_rc_msg 2 "2 MiB|multiple" "an image not a multiple of 2 MiB" "$MKFS" "$T/odd"
expect_rc 2 "a missing device" "$MKFS" "$T/missing"
expect_rc 2 "a directory" "$MKFS" "$T"
skip "refuses a device mounted on this host" "needs a famfs kernel mount (VM suites cover it)"

# -d: format and populate in one step.
SRC="$T/src"
mkdir -p "$SRC/a/b/c" "$SRC/empty"
for i in 1 2 3; do head -c $((i * 100000)) /dev/urandom > "$SRC/a/f$i"; done
: > "$SRC/a/b/zero"
head -c 5000000 /dev/urandom > "$SRC/a/b/c/big"
echo top > "$SRC/top"
ln -s top "$SRC/link"
nf=$(find "$SRC" -type f | wc -l)
nd=$(find "$SRC" -mindepth 1 -type d | wc -l)
truncate -s 512M "$T/pop"
expect_rc_msg 0 "populated.*$nf files, $nd directories" "mkfs -d DIR" "$MKFS" -d "$SRC" "$T/pop"
grep -q "skipping .*link" "$ERR"
check $? "mkfs -d warns about the symlink it skips"
[ "$(fsck_field "$T/pop" files)" = "$nf" ] && [ "$(fsck_field "$T/pop" directories)" = "$nd" ]
check $? "fsck counts $nf files and $nd directories after mkfs -d"
expect_rc 0 "fsck after mkfs -d is clean" "$FAMFS" fsck "$T/pop"
same=0
for f in a/f1 a/f2 a/f3 a/b/zero a/b/c/big top; do
	"$FAMFS" cat --device "$T/pop" "$f" | cmp -s - "$SRC/$f" || same=1
done
check $same "file bytes after mkfs -d equal the sources"

done_testing
