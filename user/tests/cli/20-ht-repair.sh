#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# fsck of the host table (delete feature, user/FORMAT-delete.md 2.3): a
# damaged header is reported and --repair rewrites it keeping every slot;
# a single torn copy is harmless (the other copy wins); a slot with both
# copies damaged holds all deleted memory, and repair turns it into an
# unknown host that an operator evicts. Data and the log are never touched.
. "$(dirname "$0")/tap-lib.bash"

cat > "$T/ht.py" <<'PY'
import struct, sys, uuid, zlib, time
HT = 1 << 20
def crc(b):
    return zlib.crc32(bytes(b)) & 0xffffffff
cmd, img = sys.argv[1], sys.argv[2]
if cmd == "host":
    # host IMG SLOT UUID STATE RELEASED HEARTBEAT_AGE_S SEQ
    slot, u, state, rel, age, seq = (int(sys.argv[3]), sys.argv[4], int(sys.argv[5]),
                                     int(sys.argv[6]), float(sys.argv[7]), int(sys.argv[8]))
    now = time.time_ns()
    rec = bytearray(128)
    struct.pack_into("<Q16sIIQQQQQ", rec, 0, seq, uuid.UUID(u).bytes, state, 1, 1,
                     rel, rel, now - int(age * 1e9), now - 3600 * 10**9)
    struct.pack_into("<Q", rec, 120, crc(rec[:120]))
    with open(img, "r+b") as f:
        f.seek(HT + 4096 + slot * 512 + (seq % 2) * 128); f.write(rec)
elif cmd == "smash":
    # smash IMG OFFSET: flip a byte at HT + OFFSET
    off = HT + int(sys.argv[3], 0)
    with open(img, "r+b") as f:
        f.seek(off); b = f.read(1); f.seek(off); f.write(bytes([b[0] ^ 0x5a]))
elif cmd == "sum":
    # sum IMG: checksum of everything but the host table
    d = open(img, "rb").read()
    print(zlib.crc32(d[:HT] + d[2 << 20:]))
PY
PYF() { python3 "$T/ht.py" "$@"; }
pending() { "$FAMFS" fsck --json "$IMG" | python3 -c 'import json,sys; print(json.load(sys.stdin)["delete"]["pending_files"])'; }

new_image img 256M --enable-delete || exit 1
IMG="$T/img"
D=(--device "$IMG")
H1=11111111-2222-3333-4444-555555555555
H2=66666666-7777-8888-9999-aaaaaaaaaaaa
"$FAMFS" creat "${D[@]}" -s 4m -r -S 3 keep >/dev/null
"$FAMFS" creat "${D[@]}" -s 6m held >/dev/null
# H1 mounted long ago and released nothing yet; H2 wrote two records.
PYF host "$IMG" 5 $H1 1 0 3600 0
PYF host "$IMG" 9 $H2 1 100000 3600 0
PYF host "$IMG" 9 $H2 1 100000 3600 1
"$FAMFS" rm "${D[@]}" held >/dev/null
[ "$(pending)" = 1 ]
check $? "set-up: a delete is pending, held by $H1"
sum0=$(PYF sum "$IMG")

# --- damaged header --------------------------------------------------
PYF smash "$IMG" 0
expect_rc_msg 3 "host table damaged" "fsck reports a damaged header (exit 3)" "$FAMFS" fsck "$IMG"
expect_rc_msg 4 "rewrite the host table header" "fsck -n: would rewrite it (exit 4)" "$FAMFS" fsck -n "$IMG"
expect_rc_msg 3 "host table damaged" "... and changed nothing" "$FAMFS" fsck "$IMG"
expect_rc_msg 1 "host table repaired" "fsck -y rewrites the header (exit 1)" "$FAMFS" fsck -y "$IMG"
expect_rc 0 "fsck is clean afterwards" "$FAMFS" fsck "$IMG"
run "$FAMFS" host list "${D[@]}"
grep -q "^5 .*$H1 mounted" "$OUT" && grep -q "^9 .*$H2 mounted" "$OUT"
check $? "both hosts kept their slots"
[ "$(pending)" = 1 ]
check $? "the pending delete is still held"
[ "$(PYF sum "$IMG")" = "$sum0" ]
check $? "data, superblock and log untouched"
"$FAMFS" verify "${D[@]}" -S 3 -f keep >/dev/null 2>&1
check $? "a file's data verifies"
# A damaged fs_uuid in the header is rewritten from the superblock.
PYF smash "$IMG" 8
expect_rc_msg 3 "host table damaged" "fsck: a header with a wrong fs_uuid (exit 3)" "$FAMFS" fsck "$IMG"
expect_rc 1 "fsck -y fixes it" "$FAMFS" fsck -y "$IMG"

# --- one torn copy ---------------------------------------------------
PYF smash "$IMG" $((4096 + 9 * 512 + 128 + 40))
expect_rc 0 "one damaged copy of a host record: fsck clean (the other wins)" "$FAMFS" fsck "$IMG"
expect_rc_msg 0 "torn record copy" "fsck -n mentions the torn copy, nothing to repair (exit 0)" "$FAMFS" fsck -n "$IMG"
run "$FAMFS" host list "${D[@]}"
grep -q "^9 .*$H2 mounted" "$OUT"
check $? "host list: $H2 read from its other copy"

# --- both copies damaged -----------------------------------------------
PYF smash "$IMG" $((4096 + 5 * 512 + 20))
PYF smash "$IMG" $((4096 + 5 * 512 + 128 + 20))
expect_rc_msg 3 "slot 5: both copies of its host record are damaged" \
	"both copies of $H1's record damaged: fsck exit 3" "$FAMFS" fsck "$IMG"
[ "$(pending)" = 1 ]
check $? "its deleted memory stays held (an unreadable host may map it)"
run "$FAMFS" host list "${D[@]}"
grep -q "^5 .* damaged " "$OUT" && grep -q "release floor: 0 " "$OUT"
check $? "host list: slot 5 damaged, release floor 0"
"$FAMFS" creat "${D[@]}" -s 2m other >/dev/null && [ "$(fsck_field "$IMG" collisions)" = 0 ]
check $? "a new file does not get the held memory"
expect_rc 4 "fsck -n: exit 4" "$FAMFS" fsck -n "$IMG"
expect_rc_msg 1 "unknown host" "fsck -y names the slot an unknown host (exit 1)" "$FAMFS" fsck -y "$IMG"
expect_rc 0 "fsck clean afterwards" "$FAMFS" fsck "$IMG"
U=ffffffff-ffff-ffff-ffff-ffff00000005
run "$FAMFS" host list "${D[@]}"
grep -q "^5 .*$U mounted" "$OUT"
check $? "host list shows the unknown host in slot 5"
[ "$(pending)" = 1 ]
check $? "... still holding the deleted memory"
expect_rc 0 "the operator evicts it" "$FAMFS" host evict "${D[@]}" $U
[ "$(pending)" = 0 ]
check $? "then the memory is released"
[ "$(PYF sum "$IMG" | wc -c)" -gt 0 ] && "$FAMFS" verify "${D[@]}" -S 3 -f keep >/dev/null 2>&1
check $? "file data still verifies"

# --- a damaged fence record ---------------------------------------------
PYF smash "$IMG" $((4096 + 5 * 512 + 256 + 30))
expect_rc_msg 3 "fence record are damaged" "a fence with its only copy damaged: fsck exit 3" "$FAMFS" fsck "$IMG"
expect_rc 1 "fsck -y clears it" "$FAMFS" fsck -y "$IMG"
[ "$(pending)" = 1 ]
check $? "... and the unknown host holds the memory again until evicted again"
expect_rc 0 "evict again" "$FAMFS" host evict "${D[@]}" $U
expect_rc 0 "final fsck clean" "$FAMFS" fsck "$IMG"
done_testing
