#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Messages: nothing said twice (strerror, path or entry prefix), a damaged
# log names the entry and says later ones cannot be read, getmap of a
# non-famfs file says so, names from the media are escaped in messages.
. "$(dirname "$0")/tap-lib.bash"

# count_in FILE TEXT: occurrences of TEXT in FILE.
count_in() {
	grep -oF -- "$2" "$1" | wc -l
}

# No doubled strerror or path.
expect_rc 2 "mkdir --device of a missing image" "$FAMFS" mkdir --device "$T/missing" d
[ "$(count_in "$ERR" "No such file or directory")" -eq 1 ] &&
	[ "$(count_in "$ERR" "$T/missing")" -eq 1 ]
check $? "... says 'No such file or directory' and the path once"
expect_rc 2 "mkfs.famfs of a missing image" "$MKFS" "$T/missing"
[ "$(count_in "$ERR" "No such file or directory")" -eq 1 ] &&
	[ "$(count_in "$ERR" "$T/missing")" -eq 1 ]
check $? "... says 'No such file or directory' and the path once"
expect_rc 2 "mount --dry-run of a missing device" "$FAMFS" mount --dry-run "$T/missing" "$T"
[ "$(count_in "$ERR" "No such file or directory")" -eq 1 ]
check $? "... says 'No such file or directory' once"

new_image img 256M || exit 1
IMG="$T/img"
expect_rc 2 "mount on a missing mount point" "$FAMFS" mount "$IMG" "$T/nompt"
[ "$(count_in "$ERR" "No such file or directory")" -le 1 ] &&
	! grep -q "$T/nompt: $T/nompt" "$ERR"
check $? "... names the mount point once"
expect_rc 2 "logplay outside famfs" "$FAMFS" logplay "$T"
! grep -q "$T: $T" "$ERR"
check $? "... does not repeat the path as a prefix"

# A damaged log: which entry, and that the later ones cannot be read.
for i in 1 2 3; do "$FAMFS" creat --device "$IMG" -s 2m f$i >/dev/null; done
cp "$IMG" "$T/bad"
LOG=$((2 * 1024 * 1024)) HDR=48 ENTRY=544
printf 'XXXX' | dd of="$T/bad" bs=1 seek=$((LOG + HDR + 1 * ENTRY + 60)) \
	conv=notrunc status=none
expect_rc_msg 3 "entry 1: CRC mismatch" "fsck names the damaged entry" "$FAMFS" fsck "$T/bad"
! grep -q "entry 1: entry 1" "$OUT"
check $? "fsck does not say 'entry 1: entry 1'"
grep -q "entries 1 and later cannot be read" "$OUT"
check $? "fsck says the later entries cannot be read"
run "$FAMFS" fsck --json "$T/bad"
python3 -c "
import json,sys
l=json.load(open('$OUT'))['log']
sys.exit(not (l['bad_index'] == 1 and l['why'].startswith('CRC mismatch')))"
check $? "fsck --json: why is the reason, without the index"
expect_rc_msg 2 "log damaged \(CRC mismatch" "creat on a damaged log says why" \
	"$FAMFS" creat --device "$T/bad" -s 2m f9
! grep -q "entry 1: entry 1" "$ERR"
check $? "... without a doubled entry prefix"

# getmap of a file outside famfs says so.
echo hello > "$T/plain"
expect_rc_msg 2 "not a famfs file.*not in a famfs file system" \
	"getmap of a plain file says it is not a famfs file" "$FAMFS" getmap "$T/plain"

# Names from the media are escaped in messages (here: the library's).
N=$'ev\e[31mil'
"$FAMFS" clone --device "$IMG" f1 "$N" >/dev/null 2>&1
run "$FAMFS" creat --device "$IMG" -s 4m "$N"
[ "$RC" -eq 2 ] && grep -qF 'ev\x1b[31mil' "$ERR" && ! grep -q $'\e' "$ERR"
check $? "creat: an existing name with an escape byte is escaped in the error"
run "$FAMFS" cat --device "$IMG" "$N"
[ "$RC" -ne 0 ] && grep -qF 'ev\x1b[31mil' "$ERR" && ! grep -q $'\e' "$ERR"
check $? "cat of a cross-linked name: the library message is escaped"
run "$FAMFS" getmap --device "$IMG" "$N"
! grep -q $'\e' "$OUT" "$ERR"
check $? "getmap prints the name escaped"

done_testing
