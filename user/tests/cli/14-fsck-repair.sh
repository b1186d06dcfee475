#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# famfs fsck --repair / -n / -y: a damaged or torn log tail is truncated to
# the longest valid prefix (and the file system becomes writable again);
# the header is made valid for any famfs tool (checked here against the
# spec, independently of libfamfs); every dropped entry is reported with
# index, type and escaped name; file data is never touched; -n changes
# nothing; exit codes as fsck(8); garbage headers and entries are handled;
# the writer lock is taken.
. "$(dirname "$0")/tap-lib.bash"

ENTRY=544
LOG=2097152
HDR=48

# spec_check IMG N: the log header and entries [0, N) as the on-media
# format (and so the upstream tools) requires them; next_index == N.
spec_check() {
	python3 - "$1" "$2" <<'PY'
import struct, sys, zlib
f = open(sys.argv[1], "rb"); n = int(sys.argv[2])
f.seek(24); log_len = struct.unpack("<Q", f.read(8))[0]
f.seek(2097152); h = f.read(48)
magic, ln, last, crc, nseq, nidx = struct.unpack("<6Q", h)
cap = (log_len - 48) // 544
ok = (magic == 0xbadcafef00d and ln == log_len and last == cap - 1 and
      crc == zlib.crc32(h[:24]) and nseq == n and nidx == n)
for i in range(n):
    f.seek(2097152 + 48 + i * 544); e = f.read(544)
    ok = ok and struct.unpack("<Q", e[:8])[0] == i and \
        struct.unpack("<Q", e[536:])[0] == zlib.crc32(e[:536])
# the slot after the end is empty (no stale entry to resurrect)
f.seek(2097152 + 48 + n * 544)
ok = ok and f.read(544) == bytes(544)
sys.exit(0 if ok else 1)
PY
}
# data_sum IMG: checksum of everything after the log (file data).
data_sum() { tail -c +$((LOG + 8 * 1024 * 1024 + 1)) "$1" | md5sum | cut -d' ' -f1; }

new_image img 64M || exit 1
IMG="$T/img"
D=(--device "$IMG")
"$FAMFS" mkdir -p "${D[@]}" dir/sub >/dev/null
"$FAMFS" creat "${D[@]}" -s 3m -r -S 1 dir/a >/dev/null
"$FAMFS" creat "${D[@]}" -s 1m -r -S 2 dir/sub/b >/dev/null
"$FAMFS" mkdir "${D[@]}" $'dir/e\x1bvil' >/dev/null
"$FAMFS" creat "${D[@]}" -s 2m -r -S 3 dir/c >/dev/null
# entries: 0 dir, 1 dir/sub, 2 dir/a, 3 dir/sub/b, 4 dir/e<ESC>vil, 5 dir/c

expect_rc_msg 0 "no errors" "fsck -n of a clean image: exit 0" "$FAMFS" fsck -n "$IMG"
expect_rc_msg 0 "needs no repair" "fsck -y of a clean image: exit 0, nothing to do" "$FAMFS" fsck -y "$IMG"

# torn entry 3 (one byte of its map flipped): entries 4, 5 are valid but
# after the damage, so the longest valid prefix is [0, 3)
cp "$IMG" "$T/torn"
printf '\x01' | dd of="$T/torn" bs=1 seek=$((LOG + HDR + 3 * ENTRY + 300)) conv=notrunc status=none
expect_rc_msg 2 "log damaged.*run fsck" "before repair: a damaged log refuses every append" \
	"$FAMFS" creat --device "$T/torn" -s 1m new
cp "$T/torn" "$T/torn.orig"
expect_rc_msg 4 "NOT DONE" "fsck -n of a torn log: exit 4 (errors left uncorrected)" \
	"$FAMFS" fsck -n "$T/torn"
cmp -s "$T/torn" "$T/torn.orig"
check $? "fsck -n changed nothing"
grep -q "drop entry 3: file 'dir/sub/b' (damaged: CRC mismatch" "$OUT"
check $? "-n names the damaged entry: index, type, name, why"
grep -qF "drop entry 4: dir 'dir/e\\x1bvil' (valid, but after the damaged entry 3)" "$OUT"
check $? "-n names a valid entry after the damage, its name escaped"
grep -q "drop entry 5: file 'dir/c'" "$OUT" && ! grep -q "drop entry [0-2]:" "$OUT"
check $? "-n lists exactly entries 3, 4, 5"
! LC_ALL=C grep -q $'\x1b' "$OUT"
check $? "no control byte from the media reaches the terminal"

before=$(data_sum "$T/torn")
expect_rc_msg 1 "DONE: the log now holds 3 entries, 3 dropped" \
	"fsck -y of a torn log: exit 1 (errors corrected)" "$FAMFS" fsck -y "$T/torn"
spec_check "$T/torn" 3
check $? "the repaired log is valid by the spec: header CRC, next_index = next_seqnum = 3, entries 0-2"
[ "$(data_sum "$T/torn")" = "$before" ]
check $? "file data is untouched by the repair"
cmp -s <(head -c $LOG "$T/torn") <(head -c $LOG "$T/torn.orig")
check $? "the superblock area is untouched by the repair"
expect_rc_msg 0 "result: +clean" "plain fsck after the repair: clean" "$FAMFS" fsck "$T/torn"
expect_rc_msg 0 "match" "a kept file still verifies" "$FAMFS" verify --device "$T/torn" -S 1 -f dir/a
expect_rc 0 "after repair the file system takes appends again" \
	"$FAMFS" creat --device "$T/torn" -s 1m new
expect_rc 0 "fsck after the append: clean" "$FAMFS" fsck "$T/torn"
expect_rc 0 "fsck -y again: nothing to do, exit 0" "$FAMFS" fsck -y "$T/torn"

# JSON report of -n
cp "$T/torn.orig" "$T/j"
run "$FAMFS" fsck -n --json "$T/j"
[ "$RC" -eq 4 ] && json_ok "$OUT" && python3 -c "
import json,sys
r=json.load(open('$OUT'))['repair']
d=r['dropped']
sys.exit(0 if r['needed'] and not r['done'] and r['next_index_before']==6 and
  r['next_index_after']==3 and [x['index'] for x in d]==[3,4,5] and
  d[0]['type']=='file' and d[0]['path']=='dir/sub/b' and not d[0]['valid'] and
  d[1]['path']=='dir/e\x1bvil' and d[1]['valid'] else 1)"
check $? "fsck -n --json: exit 4, the dropped entries with index, type, path, validity"

# the header's count is garbage: every valid entry is kept
cp "$IMG" "$T/cnt"
python3 - "$T/cnt" <<'PY'
import struct, sys
f = open(sys.argv[1], "r+b"); f.seek(2097152 + 32)
f.write(struct.pack("<QQ", 1 << 62, 1 << 62))
PY
expect_rc 3 "plain fsck: garbage next_index is a bad header (exit 3)" "$FAMFS" fsck "$T/cnt"
expect_rc_msg 1 "beyond the log" "fsck -y fixes a garbage next_index (exit 1)" "$FAMFS" fsck -y "$T/cnt"
spec_check "$T/cnt" 6
check $? "all 6 valid entries kept, header valid by the spec"

# next_seqnum differing from next_index
cp "$IMG" "$T/seq"
python3 - "$T/seq" <<'PY'
import struct, sys
f = open(sys.argv[1], "r+b"); f.seek(2097152 + 32); f.write(struct.pack("<Q", 2))
PY
expect_rc_msg 1 "next_seqnum 2 differs" "fsck -y fixes next_seqnum != next_index" "$FAMFS" fsck -y "$T/seq"
spec_check "$T/seq" 6
check $? "next_seqnum = next_index = 6 after the repair"

# the header's checked part is garbage: rebuilt from the superblock
cp "$IMG" "$T/hdr"
head -c 24 /dev/urandom | dd of="$T/hdr" bs=1 seek=$LOG conv=notrunc status=none
expect_rc_msg 1 "rebuild the log header" "fsck -y rebuilds a garbage log header" "$FAMFS" fsck -y "$T/hdr"
spec_check "$T/hdr" 6
check $? "rebuilt header is valid by the spec, 6 entries kept"

# garbage all over the log: nothing valid, every written slot cleared
cp "$IMG" "$T/junk"
head -c $((8 * 1024 * 1024)) /dev/urandom | dd of="$T/junk" bs=1M seek=2 conv=notrunc status=none
before=$(data_sum "$T/junk")
run "$FAMFS" fsck -y "$T/junk"
[ "$RC" -eq 1 ] && ! LC_ALL=C grep -q '[[:cntrl:]]' "$OUT"
check $? "fsck -y of a log of random bytes: exit 1, no control bytes printed"
spec_check "$T/junk" 0 && [ "$(data_sum "$T/junk")" = "$before" ]
check $? "an empty valid log remains; file data untouched"
expect_rc 0 "plain fsck after that: clean" "$FAMFS" fsck "$T/junk"

# hostile dropped entries: unterminated name, unknown type, control bytes
cp "$IMG" "$T/host"
python3 - "$T/host" <<'PY'
import struct, sys
f = open(sys.argv[1], "r+b")
def put(i, etype, body):
    e = struct.pack("<QII", i, etype, 0) + body.ljust(520, b"\0")
    e += struct.pack("<Q", 0xdeadbeef)      # bad CRC
    f.seek(2097152 + 48 + i * 544); f.write(e)
put(3, 0, b"\0" * 24 + b"A" * 80 + b"\x07" * 100)    # unterminated name
put(4, 77, b"\x1b[2J" * 30)                            # unknown type
put(5, 1, b"\0" * 12 + b"x\x1b]0;pwn\x07\n\0")         # name with escapes
PY
run "$FAMFS" fsck -n "$T/host"
[ "$RC" -eq 4 ] && grep -q "drop entry 3: file, name unreadable" "$OUT" &&
	grep -q "drop entry 4: unknown type 77, name unreadable" "$OUT" &&
	grep -qF "drop entry 5: dir 'x\\x1b]0;pwn\\x07\\x0a'" "$OUT" &&
	! LC_ALL=C grep -q '[[:cntrl:]]' "$OUT"
check $? "hostile dropped entries: type and name only when readable, escaped"
run "$FAMFS" fsck -n --json "$T/host"
[ "$RC" -eq 4 ] && json_ok "$OUT"
check $? "hostile dropped entries: valid JSON"

# problems repair does not fix: reported, exit 4, log left as it is
cp "$IMG" "$T/cl"
"$FAMFS" clone --device "$T/cl" dir/a dir/clone >/dev/null
cp "$T/cl" "$T/cl.orig"
expect_rc_msg 4 "remaining: .*repair does not fix" \
	"fsck -y with a collision only: exit 4 (left uncorrected)" "$FAMFS" fsck -y "$T/cl"
cmp -s "$T/cl" "$T/cl.orig"
check $? "nothing was changed for a problem repair does not fix"

# operational errors and usage (fsck(8) codes)
expect_rc 16 "-n and -y together: usage error 16" "$FAMFS" fsck -n -y "$IMG"
expect_rc 16 "fsck -y without a device: usage error 16" "$FAMFS" fsck -y
expect_rc_msg 8 "needs a terminal" "--repair with no terminal to ask: exit 8" \
	"$FAMFS" fsck --repair "$T/torn.orig" </dev/null
cp "$IMG" "$T/nosb"
printf '\0\0\0\0' | dd of="$T/nosb" bs=1 conv=notrunc status=none
expect_rc_msg 8 "no valid famfs superblock" "fsck -y with no superblock: exit 8" "$FAMFS" fsck -y "$T/nosb"
expect_rc_msg 8 "cannot access" "fsck -y of a missing path: exit 8" "$FAMFS" fsck -y "$T/nope"

# the writer lock: a running offline writer holds it, repair waits / gives up
cp "$T/torn.orig" "$T/lk"
hold_lock "$T/lk"
FAMFS_LOCK_TIMEOUT=0.3 expect_rc_msg 8 "in use by another famfs writer" \
	"fsck -y while a writer holds the lock: exit 8 after the timeout" "$FAMFS" fsck -y "$T/lk"
cmp -s "$T/lk" "$T/torn.orig"
check $? "the refused repair changed nothing"
release_lock
expect_rc 1 "once the writer is gone the repair runs" "$FAMFS" fsck -y -w 5 "$T/lk"

done_testing
