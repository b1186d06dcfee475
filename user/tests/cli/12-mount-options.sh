#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# famfs mount: -r is read-only as in mount(8) (not a dry run), the dry run
# is long-option only (--dry-run, upstream's --dryrun), upstream's -M and
# -L; mount.famfs returns mount(8)'s exit codes.
. "$(dirname "$0")/tap-lib.bash"

new_image img 64M || exit 1
mkdir -p "$T/mpt"

# -r no longer validates-and-exits: it is a (read-only) mount. On a host
# without the famfs module it fails, but it must never claim "not mounted".
run "$FAMFS" mount -r "$T/img" "$T/mpt"
! grep -q "not mounted" "$OUT" "$ERR"
check $? "famfs mount -r is not a dry run (exit $RC)"
if [ "$RC" -eq 0 ]; then
	# famfs really mounted: it must be read-only.
	grep -q " $T/mpt famfs ro[, ]" /proc/mounts
	check $? "famfs mount -r mounts read-only"
	umount "$T/mpt"
fi
expect_rc_msg 0 "valid \(not mounted\)" "famfs mount --dry-run" \
	"$FAMFS" mount --dry-run "$T/img" "$T/mpt"
expect_rc_msg 0 "valid \(not mounted\)" "famfs mount --dryrun (upstream alias)" \
	"$FAMFS" mount --dryrun "$T/img" "$T/mpt"
expect_rc_msg 0 "valid \(not mounted\)" "famfs mount -r --dry-run: still a dry run" \
	"$FAMFS" mount -r --dry-run "$T/img" "$T/mpt"
run "$FAMFS" mount --help
grep -Eq -- '-r, --read-only' "$OUT"
check $? "famfs mount --help names -r, --read-only"
expect_rc_msg 1 "expected DEVICE and MOUNTPOINT|Try" "famfs mount -w -v -o x (one operand)" \
	"$FAMFS" mount -w -v -o mode=0700 "$T/img"
expect_rc_msg 1 "set-fsdev-mode.*not a character dax" \
	"famfs mount -M (upstream --set-daxmode) is --set-fsdev-mode" \
	"$FAMFS" mount -M --dry-run "$T/img" "$T/mpt"
expect_rc_msg 1 "not a character dax" "famfs mount --set-daxmode" \
	"$FAMFS" mount --set-daxmode --dry-run "$T/img" "$T/mpt"

# -L runs "modprobe famfs" when famfs is not registered; a fake modprobe
# first in PATH records that it was called and fails.
mkdir -p "$T/bin"
printf '#!/bin/sh\necho "$@" > "%s/modprobe.args"\nexit 1\n' "$T" > "$T/bin/modprobe"
chmod +x "$T/bin/modprobe"
if grep -qw famfs /proc/filesystems; then
	skip "famfs mount -L runs modprobe famfs" "famfs is registered here"
else
	PATH="$T/bin:$PATH" run "$FAMFS" mount -L "$T/img" "$T/mpt"
	[ "$RC" -eq 2 ] && grep -q "modprobe famfs.*failed" "$ERR" &&
		[ "$(cat "$T/modprobe.args" 2>/dev/null)" = famfs ]
	check $? "famfs mount -L runs 'modprobe famfs' and reports its failure"
fi
rm -f "$T/modprobe.args"
PATH="$T/bin:$PATH" run "$FAMFS" mount -L --dry-run "$T/img" "$T/mpt"
[ "$RC" -eq 0 ] && [ ! -e "$T/modprobe.args" ]
check $? "famfs mount -L --dry-run loads nothing"

# mount.famfs: mount(8) return codes (1 usage, 32 mount failure).
MF="$BUILD/mount.famfs"
expect_rc 1 "mount.famfs with one operand: 1 (usage)" "$MF" "$T/img"
expect_rc 1 "mount.famfs with a bad option: 1 (usage)" "$MF" "$T/img" "$T/mpt" -Z
expect_rc 0 "mount.famfs -f (fake) of a good image: 0" "$MF" "$T/img" "$T/mpt" -f
cp "$T/img" "$T/bad"
"$MKFS" -f -k "$T/bad" >/dev/null 2>&1
expect_rc 32 "mount.famfs -f of a killed superblock: 32 (mount failure)" \
	"$MF" "$T/bad" "$T/mpt" -f
expect_rc 32 "mount.famfs of a missing device: 32" "$MF" "$T/missing" "$T/mpt"
# mount(8) nofail: "do not report errors for this device if it does not exist"
expect_rc 0 "mount.famfs -o nofail of a missing device: 0, nothing mounted" \
	"$MF" "$T/missing" "$T/mpt" -o noatime,nofail
expect_rc 32 "mount.famfs -o nofail of a killed superblock still fails: 32" \
	"$MF" "$T/bad" "$T/mpt" -f -o nofail
expect_rc 2 "famfs mount --dry-run of a killed superblock keeps famfs's 2" \
	"$FAMFS" mount --dry-run "$T/bad" "$T/mpt"

done_testing
