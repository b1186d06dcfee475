#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Upstream famfs CLI compatibility: "famfs help CMD", -?, getopt messages
# with the "famfs CMD:" prefix, -v on every command, --threadct, --dryrun,
# -M/--set-daxmode, verify -m/-t/-q, creat -t/-v, cp -c, getmap -q/-c,
# chkread -s/-l.
. "$(dirname "$0")/tap-lib.bash"

CMDS="mount fsck check logplay mkdir creat cp getmap verify flush chkread clone mkmeta cat fsdev-mode"

# help
"$FAMFS" getmap --help > "$T/h1"
run "$FAMFS" help getmap
[ "$RC" -eq 0 ] && cmp -s "$OUT" "$T/h1"
check $? "famfs help getmap is famfs getmap --help"
expect_rc_msg 1 "unknown command" "famfs help nosuch" "$FAMFS" help nosuch
for c in getmap mount creat; do
	run "$FAMFS" $c -?
	[ "$RC" -eq 0 ] && grep -q "^Usage: famfs $c" "$OUT"
	check $? "famfs $c -? prints the help"
done
expect_rc_msg 0 "^Usage: mkfs.famfs" "mkfs.famfs -? prints the help" "$MKFS" -?
expect_rc_msg 1 "^famfs mkdir: (invalid|unrecognized) option" \
	"getopt errors carry the 'famfs mkdir:' prefix" "$FAMFS" mkdir -Z x
expect_rc_msg 1 "^famfs cp: (invalid|unrecognized) option" \
	"getopt errors carry the 'famfs cp:' prefix (long option)" "$FAMFS" cp --bogus a b
expect_rc_msg 1 "^mkfs.famfs: invalid option" "mkfs.famfs getopt errors say mkfs.famfs" \
	"$MKFS" -Z x

# -v on every command (options are parsed before --help is acted on).
for c in $CMDS; do
	expect_rc 0 "famfs $c accepts -v" "$FAMFS" $c -v --help
done
expect_rc 0 "mkfs.famfs accepts -v" "$MKFS" -v --help

new_image img 256M || exit 1
IMG="$T/img"
D=(--device "$IMG")

# creat -t/-v with -M, verify -m/-t/-q
expect_rc_msg 0 "created a: 4194304 bytes" "creat -M -M -t 2 -v" \
	"$FAMFS" creat "${D[@]}" -t 2 -v -M a,4m,5 -M b,4m,6 -M c,2m
grep -q "^a: 4194304 bytes, seed 5" "$OUT" && grep -q "^b: 4194304 bytes, seed 6" "$OUT"
check $? "creat -t 2 filled both seeded files"
expect_rc_msg 0 "verified 2 files: 2 good, 0 bad" "verify -m a,5 -m b,6 -t 2" \
	"$FAMFS" verify "${D[@]}" -m a,5 -m b,6 -t 2
expect_rc 0 "verify --multi --threadct (long forms)" \
	"$FAMFS" verify "${D[@]}" --multi a,5 --multi b,6 --threadct 2
expect_rc_msg 3 "mismatch" "verify -m with a wrong seed: exit 3" \
	"$FAMFS" verify "${D[@]}" -m a,5 -m b,7
run "$FAMFS" verify "${D[@]}" -q -S 5 -f a
[ "$RC" -eq 0 ] && [ ! -s "$OUT" ]
check $? "verify -q: silent on success"
expect_rc_msg 1 "cannot be combined" "verify -m with -S" "$FAMFS" verify "${D[@]}" -S 5 -m a,5
expect_rc_msg 1 "applies to -m" "verify -t without -m" "$FAMFS" verify "${D[@]}" -t 2 -S 5 -f a
expect_rc_msg 1 "thread count" "creat -t 0" "$FAMFS" creat "${D[@]}" -t 0 -s 2m z

# cp -c/--compare and --threadct
head -c 3000000 /dev/urandom > "$T/src1"
expect_rc 0 "cp -c --threadct 2" "$FAMFS" cp "${D[@]}" -c --threadct 2 "$T/src1" copy1
run "$FAMFS" cat "${D[@]}" copy1
cmp -s "$OUT" "$T/src1"
check $? "cp -c: the copy is intact"
expect_rc 0 "cp --compare" "$FAMFS" cp "${D[@]}" --compare "$T/src1" copy2

# getmap -q/-c/-v
run "$FAMFS" getmap "${D[@]}" -q a b
[ "$RC" -eq 0 ] && [ ! -s "$OUT" ] && [ ! -s "$ERR" ]
check $? "getmap -q of famfs files: exit 0, no output"
echo hello > "$T/plain"
run "$FAMFS" getmap -q "$T/plain"
[ "$RC" -eq 2 ] && [ ! -s "$OUT" ] && [ ! -s "$ERR" ]
check $? "getmap -q of a plain file: exit 2, no output"
run "$FAMFS" getmap "${D[@]}" -c -v a nope b
[ "$RC" -eq 2 ] && grep -q "^b: size" "$OUT" && grep -q "3 files, 2 mapped, 1 failed" "$OUT"
check $? "getmap -c -v goes on after a failure and counts"

# chkread -s/-l on a superblock and a log copied out of the image
dd if="$IMG" of="$T/sb" bs=4096 count=1 2>/dev/null
dd if="$IMG" of="$T/log" bs=1M skip=2 count=8 2>/dev/null
expect_rc_msg 0 "superblock version 48" "chkread -s of a superblock" "$FAMFS" chkread -s "$T/sb"
expect_rc_msg 0 "5 of 15420 entries used" "chkread -l of a log" "$FAMFS" chkread -l "$T/log"
expect_rc_msg 3 "not a valid famfs log" "chkread -l of a superblock: exit 3" \
	"$FAMFS" chkread -l "$T/sb"
expect_rc_msg 3 "not a valid famfs superblock" "chkread -s of random bytes: exit 3" \
	"$FAMFS" chkread --superblock "$T/src1"
expect_rc_msg 1 "cannot be combined" "chkread -s -l" "$FAMFS" chkread -s -l "$T/sb"

# --dryrun and -M/--set-daxmode where they cannot apply
run "$FAMFS" logplay --dryrun "$T"
[ "$RC" -eq 2 ] && ! grep -q "unrecognized" "$ERR"
check $? "logplay --dryrun is accepted (then fails: not famfs)"
expect_rc_msg 1 "nothing to switch" "logplay -M is refused with a reason" \
	"$FAMFS" logplay -M "$T"
expect_rc_msg 1 "not a character dax device" "fsck -M of an image: usage error" \
	"$FAMFS" fsck -M "$IMG"
expect_rc_msg 1 "not a character dax device" "fsck --set-daxmode of an image" \
	"$FAMFS" fsck --set-daxmode "$IMG"
expect_rc_msg 1 "not a character dax device" "mkfs.famfs -M of an image: usage error" \
	"$MKFS" -f -M "$IMG"
expect_rc 0 "fsck still works after the refused mkfs -M" "$FAMFS" fsck "$IMG"
expect_rc_msg 0 "valid" "mount -v --dryrun" "$FAMFS" mount -v --dryrun "$IMG" "$T"

done_testing
