#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# famfs rm / rmdir / host, mkfs.famfs --enable-delete (issue 14,
# user/FORMAT-delete.md), offline on images: the feature bit, the host table
# and DELETE entries read back by an independent reader, replay, space
# accounting, reuse after release, pending releases held by hosts, eviction,
# every refused input (nothing changed), and rm torn at 20 points.
. "$(dirname "$0")/tap-lib.bash"

# An independent reader/writer of the on-media bytes (python, zlib.crc32).
cat > "$T/fmt.py" <<'PY'
import struct, sys, uuid, zlib, time
HT = 1 << 20
def rd(img):
    return bytearray(open(img, "rb").read(4 << 20 if len(sys.argv) < 99 else 0))
def crc(b):
    return zlib.crc32(bytes(b)) & 0xffffffff
def sb(img):
    d = open(img, "rb").read(200)
    return struct.unpack_from("<QQ", d, 0)
cmd = sys.argv[1]
img = sys.argv[2]
if cmd == "upstream":
    # What upstream famfs does: version must be exactly 48 (its own check).
    magic, ver = sb(img)
    if ver != 48:
        print("superblock version %d not compatible" % ver)
        sys.exit(1)
    print("upstream: ok")
elif cmd == "version":
    d = open(img, "rb").read(200)
    magic, ver = struct.unpack_from("<QQ", d, 0)
    ok = struct.unpack_from("<Q", d, 96)[0] == crc(d[:96])
    print("0x%x %s" % (ver, "crc-ok" if ok else "crc-bad"))
elif cmd == "htcheck":
    f = open(img, "rb"); d = f.read(2 << 20)
    h = d[HT:HT + 256]
    magic, = struct.unpack_from("<Q", h, 0)
    nslots, ssz, soff, flags = struct.unpack_from("<IIII", h, 24)
    ok = (magic == 0x31544846534d4146 and h[8:24] == d[48:64] and
          (nslots, ssz, soff, flags) == (2040, 512, 4096, 0) and
          struct.unpack_from("<Q", h, 248)[0] == crc(h[:248]) and
          HT + soff + nslots * ssz == 2 << 20)
    print("host table ok" if ok else "host table BAD")
    sys.exit(0 if ok else 1)
elif cmd == "host":
    # host IMG SLOT UUID STATE RELEASED HEARTBEAT_AGE_S [SEQ]: write a host record
    slot, u, state, rel, age = int(sys.argv[3]), sys.argv[4], int(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7])
    seq = int(sys.argv[8]) if len(sys.argv) > 8 else 0
    now = time.time_ns()
    rec = bytearray(128)
    struct.pack_into("<Q16sIIQQQQQ", rec, 0, seq, uuid.UUID(u).bytes, state, 1, 1,
                     rel, rel, now - int(age * 1e9), now - 3600 * 10**9)
    struct.pack_into("<Q", rec, 120, crc(rec[:120]))
    off = HT + 4096 + slot * 512 + (seq % 2) * 128
    with open(img, "r+b") as f:
        f.seek(off); f.write(rec)
elif cmd == "deletes":
    # List DELETE entries (type 2): index target type relpath, CRC checked.
    f = open(img, "rb"); f.seek(2 << 20); hdr = f.read(48)
    n = struct.unpack_from("<Q", hdr, 40)[0]
    for i in range(n):
        e = f.read(544)
        seq, typ = struct.unpack_from("<QI", e, 0)
        good = struct.unpack_from("<Q", e, 536)[0] == crc(e[:536]) and seq == i
        if typ == 2:
            tgt, tt, fl = struct.unpack_from("<QII", e, 16)
            rp = e[32:112].split(b"\0")[0].decode()
            rest = e[112:536]
            print(i, tgt, tt, fl, rp, "crc-ok" if good else "crc-bad",
                  "reserved-zero" if not any(rest) else "reserved-dirty")
PY
PYF() { python3 "$T/fmt.py" "$@"; }

# --- the feature bit --------------------------------------------------
new_image plain 256M || exit 1
PLAIN="$T/plain"
[ "$(PYF version "$PLAIN")" = "0x30 crc-ok" ]
check $? "mkfs.famfs without --enable-delete: version 48 byte for byte"
expect_rc 0 "an upstream-style reader accepts the plain file system" PYF upstream "$PLAIN"

new_image del 256M --enable-delete || exit 1
IMG="$T/del"
D=(--device "$IMG")
[ "$(PYF version "$IMG")" = "0x100000030 crc-ok" ]
check $? "mkfs.famfs --enable-delete: version 48 | 1<<32 with a good CRC"
expect_rc 0 "the host table header is right (independent reader)" PYF htcheck "$IMG"
expect_rc_msg 1 "not compatible" "an upstream-style version check refuses it" PYF upstream "$IMG"
expect_rc_msg 0 "48 \+ delete" "fsck names the feature" "$FAMFS" fsck "$IMG"
run "$FAMFS" fsck --json "$IMG"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["features"]==["delete"] and d["delete"]["host_table"]=="ok" else 1)' "$OUT"
check $? "fsck --json: features [delete], host table ok"
expect_rc_msg 1 "makes no sense" "mkfs.famfs -f -k --enable-delete is refused" \
	"$MKFS" -f -k --enable-delete "$IMG"

# An unknown high feature bit is refused and named.
cp "$PLAIN" "$T/future"
python3 - "$T/future" <<'PY'
import struct, sys, zlib
f = open(sys.argv[1], "r+b"); d = bytearray(f.read(200))
struct.pack_into("<Q", d, 8, 48 | (1 << 32) | (1 << 45))
struct.pack_into("<Q", d, 96, zlib.crc32(bytes(d[:96])))
f.seek(0); f.write(d)
PY
expect_rc_msg 3 "unknown incompatible feature bits 0x200000000000" \
	"an unknown feature bit (45) is refused and named" "$FAMFS" fsck "$T/future"

# --- refused inputs change nothing ------------------------------------
"$FAMFS" mkdir "${D[@]}" -p top/sub >/dev/null
"$FAMFS" creat "${D[@]}" -s 4m -r -S 7 top/sub/f >/dev/null
"$FAMFS" creat "${D[@]}" -s 2m -r -S 8 keep >/dev/null
"$FAMFS" mkdir "${D[@]}" empty >/dev/null
cp "$IMG" "$T/before"
unchanged() { cmp -s "$IMG" "$T/before"; }
expect_rc_msg 2 "does not exist" "rm of a missing path: exit 2" "$FAMFS" rm "${D[@]}" nope
unchanged; check $? "... nothing changed"
expect_rc_msg 2 "not empty.*rm -r" "rm -r needed for a non-empty dir (rmdir): exit 2" \
	"$FAMFS" rmdir "${D[@]}" top
unchanged; check $? "... nothing changed"
expect_rc_msg 2 "is a directory" "rm of a directory without -r: exit 2" "$FAMFS" rm "${D[@]}" top
unchanged; check $? "... nothing changed"
expect_rc_msg 2 "not a directory" "rmdir of a file: exit 2" "$FAMFS" rmdir "${D[@]}" keep
expect_rc_msg 1 "missing PATH" "rm without PATH: usage" "$FAMFS" rm "${D[@]}"
expect_rc_msg 1 "invalid option" "rmdir -r: usage" "$FAMFS" rmdir -r "${D[@]}" top
expect_rc_msg 2 "root" "rm of the root is refused" "$FAMFS" rm -r "${D[@]}" /
run env FAMFS_SYSTEM_UUID_FILE="$OTHER_UUID_FILE" "$FAMFS" rm "${D[@]}" keep
[ "$RC" -eq 4 ] && grep -q "client" "$ERR"
check $? "rm on a client host: exit 4, says client"
unchanged; check $? "... nothing changed"
run env FAMFS_SYSTEM_UUID_FILE="$OTHER_UUID_FILE" "$FAMFS" host evict "${D[@]}" \
	6f1c35a8-2d0e-4f6b-9a43-8d1f2c7e5b91
[ "$RC" -eq 4 ]
check $? "host evict on a client host: exit 4"
cp "$PLAIN" "$T/plain2"
"$FAMFS" creat --device "$T/plain2" -s 2m x >/dev/null
cp "$T/plain2" "$T/plain2.before"
expect_rc_msg 4 "enable it with 'famfs rm --enable-delete'" \
	"rm without the feature: exit 4 and how to enable it" "$FAMFS" rm --device "$T/plain2" x
cmp -s "$T/plain2" "$T/plain2.before"
check $? "... nothing changed (still version 48)"
expect_rc_msg 4 "not enabled" "host list without the feature: exit 4" \
	"$FAMFS" host list --device "$T/plain2"
expect_rc_msg 0 "delete feature enabled" "rm --enable-delete enables it and deletes" \
	"$FAMFS" rm --enable-delete --device "$T/plain2" x
[ "$(PYF version "$T/plain2")" = "0x100000030 crc-ok" ] && PYF htcheck "$T/plain2" >/dev/null
check $? "... version 48 | 1<<32 and a valid host table"
expect_rc 0 "... fsck clean" "$FAMFS" fsck "$T/plain2"

# --- rm, the log and the namespace ------------------------------------
free0=$(fsck_field "$IMG" free)
expect_rc_msg 0 "deleted top \(3 log entries\)" "rm -r -v of a tree" \
	"$FAMFS" rm -r -v "${D[@]}" top
run PYF deletes "$IMG"
cat > "$T/want" <<EOF
5 2 0 0 top/sub/f crc-ok reserved-zero
6 1 1 0 top/sub crc-ok reserved-zero
7 0 1 0 top crc-ok reserved-zero
EOF
cmp -s "$OUT" "$T/want"
check $? "DELETE entries: children first, target/type/relpath right (independent reader)"
free1=$(fsck_field "$IMG" free)
[ $((free1 - free0)) -eq $((4 << 20)) ]
check $? "no host mounted: the 4 MiB are free at once ($free0 -> $free1)"
expect_rc 0 "fsck clean after rm -r" "$FAMFS" fsck "$IMG"
expect_rc_msg 2 "not in the log|does not exist" "getmap of a deleted file fails" \
	"$FAMFS" getmap "${D[@]}" top/sub/f
expect_rc 0 "the other file is intact" "$FAMFS" verify "${D[@]}" -S 8 -f keep
expect_rc 0 "rmdir of an empty directory" "$FAMFS" rmdir "${D[@]}" empty
expect_rc 0 "the path can be made again (mkdir)" "$FAMFS" mkdir "${D[@]}" -p top/sub
expect_rc 0 "and a file under it (creat)" "$FAMFS" creat "${D[@]}" -s 4m -r -S 9 top/sub/f
run "$FAMFS" getmap "${D[@]}" top/sub/f
grep -q "offset 0xa00000 " "$OUT"
check $? "the released memory is reused (offset 0xa00000)"
expect_rc 0 "the new file verifies" "$FAMFS" verify "${D[@]}" -S 9 -f top/sub/f
run "$FAMFS" fsck -v "$IMG"
[ "$RC" -eq 0 ] && grep -Eq "file +top/sub/f .*\(deleted by entry 5\)" "$OUT" && grep -Eq "delete top/sub/f +entry 2" "$OUT"
check $? "fsck -v shows DELETE entries and what they deleted"
run "$FAMFS" logplay --dryrun -v "$IMG"
expect_rc 0 "rm of the re-made file" "$FAMFS" rm "${D[@]}" top/sub/f
expect_rc_msg 2 "does not exist" "rm twice: exit 2" "$FAMFS" rm "${D[@]}" top/sub/f

# --- pending releases, hosts, eviction -------------------------------
H1=11111111-2222-3333-4444-555555555555
H2=66666666-7777-8888-9999-aaaaaaaaaaaa
"$FAMFS" creat "${D[@]}" -s 6m -r -S 10 held >/dev/null
n=$(fsck_field "$IMG" log | python3 -c 'import sys,ast; print(ast.literal_eval(sys.stdin.read())["valid_entries"])')
# H1 mounted long ago, released everything so far, heartbeat 1 h old;
# H2 has released everything and beats now.
PYF host "$IMG" 5 $H1 1 "$n" 3600
PYF host "$IMG" 9 $H2 1 100000 0
free2=$(fsck_field "$IMG" free)
expect_rc 0 "rm of a file while hosts are mounted" "$FAMFS" rm "${D[@]}" held
free3=$(fsck_field "$IMG" free)
[ "$free3" -eq "$free2" ]
check $? "its 6 MiB stay used: host $H1 has not released it"
run "$FAMFS" fsck "$IMG"
[ "$RC" -eq 0 ] && grep -q "pending:      entry $n deletes held" "$OUT" && grep "pending:" "$OUT" | grep -q "$H1" && ! grep "pending:" "$OUT" | grep -q "$H2"
check $? "fsck: pending release of 'held', held by $H1 only"
run "$FAMFS" fsck --json "$IMG"
python3 - "$OUT" "$H1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))["delete"]
p = d["pending"]
sys.exit(0 if d["pending_files"] == 1 and d["pending_bytes"] == 6 << 20 and len(p) == 1
         and p[0]["path"] == "held" and p[0]["held_by"] == [sys.argv[2]]
         and len(d["hosts"]) == 2 else 1)
PY
check $? "fsck --json: pending file, bytes and holder"
"$FAMFS" creat "${D[@]}" -s 2m newf >/dev/null
run "$FAMFS" getmap "${D[@]}" newf
[ "$(fsck_field "$IMG" collisions)" = 0 ] && "$FAMFS" fsck "$IMG" >/dev/null
check $? "a new file does not get pending memory (fsck finds no collision)"
run "$FAMFS" host list "${D[@]}"
[ "$RC" -eq 0 ] && grep -q "^5 .*$H1 mounted" "$OUT" && grep -q "release floor: $n " "$OUT"
check $? "host list: slots, states and the release floor"
run "$FAMFS" host list --json "${D[@]}"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["release_floor"]==int(sys.argv[2]) and [h["slot"] for h in d["hosts"]]==[5,9] else 1)' "$OUT" "$n"
check $? "host list --json"
expect_rc_msg 4 "looks alive.*--force" "evicting a host with a fresh heartbeat needs --force" \
	"$FAMFS" host evict "${D[@]}" $H2
expect_rc_msg 2 "no slot" "evicting an unknown host: exit 2" \
	"$FAMFS" host evict "${D[@]}" 12345678-1234-1234-1234-123456789abc
expect_rc_msg 1 "not a UUID" "evict of a non-UUID: usage" "$FAMFS" host evict "${D[@]}" xyz
expect_rc_msg 0 "generation 1 evicted" "evict the silent host H1" "$FAMFS" host evict "${D[@]}" $H1
expect_rc_msg 0 "already evicted" "evicting again says so" "$FAMFS" host evict "${D[@]}" $H1
free4=$(fsck_field "$IMG" free)
[ $((free4 - free3)) -eq $(((6 - 2) << 20)) ]
check $? "after the eviction the 6 MiB are free (minus the 2 MiB file made since)"
run "$FAMFS" fsck "$IMG"
[ "$RC" -eq 0 ] && grep -q "EVICTED" "$OUT" && grep -q "^fenced: .*$H1 generation 1" "$OUT" && ! grep -q "^pending:" "$OUT"
check $? "fsck shows the fence and no pending release"
PYF host "$IMG" 9 $H2 2 100000 0 1
expect_rc_msg 2 "not mounted" "evicting a host that left: exit 2" \
	"$FAMFS" host evict "${D[@]}" $H2
# A damaged host table: refused by fsck, deleted memory stays held.
cp "$IMG" "$T/badht"
printf 'X' | dd of="$T/badht" bs=1 seek=$((1048576 + 3)) conv=notrunc 2>/dev/null
run "$FAMFS" fsck "$T/badht"
[ "$RC" -eq 3 ] && grep -q "host table damaged" "$OUT"
check $? "fsck of a damaged host table header: exit 3, says so"

# --- log full --------------------------------------------------------
new_image small 64M --enable-delete || exit 1
S=(--device "$T/small")
"$FAMFS" mkdir "${S[@]}" -p d/e >/dev/null
python3 -c 'print("\n".join("x%d" % i for i in range(15420 - 2 - 1)))' > "$T/names"
xargs -a "$T/names" "$FAMFS" mkdir "${S[@]}" >/dev/null 2>&1
cp "$T/small" "$T/small.before"
expect_rc_msg 2 "log full: deleting 'd' takes 2 log entries, 1 are free" \
	"rm -r with too little log room: exit 2, says so" "$FAMFS" rm -r "${S[@]}" d
cmp -s "$T/small" "$T/small.before"
check $? "... nothing changed"
expect_rc 0 "rmdir of one entry fits the last slot" "$FAMFS" rmdir "${S[@]}" x0
expect_rc_msg 2 "log full" "then rmdir says log full" "$FAMFS" rmdir "${S[@]}" x1

# --- torn rm: crash at 20 points --------------------------------------
new_image torn 128M --enable-delete || exit 1
"$FAMFS" mkdir --device "$T/torn" -p t/u >/dev/null
"$FAMFS" creat --device "$T/torn" -s 2m -r -S 1 t/a >/dev/null
"$FAMFS" creat --device "$T/torn" -s 2m -r -S 2 t/u/b >/dev/null
"$FAMFS" creat --device "$T/torn" -s 2m -r -S 3 other >/dev/null
bad=0
for at in $(seq 1 20); do
	cp "$T/torn" "$T/t$at"
	FAMFS_TEST_CRASH_AT=$at "$FAMFS" rm -r --device "$T/t$at" t >/dev/null 2>&1
	rc=$?
	[ $rc -eq 99 ] || { echo "# crash point $at: rm exit $rc"; bad=1; continue; }
	if ! "$FAMFS" fsck "$T/t$at" >/dev/null 2>&1; then
		"$FAMFS" fsck -y "$T/t$at" >/dev/null 2>&1
		"$FAMFS" fsck "$T/t$at" >/dev/null 2>&1 || { echo "# crash point $at: not repaired"; bad=1; continue; }
	fi
	"$FAMFS" verify --device "$T/t$at" -S 3 -f other >/dev/null 2>&1 ||
		{ echo "# crash point $at: other lost"; bad=1; continue; }
	# Finish the job: everything under t goes, fsck stays clean.
	if "$FAMFS" getmap --device "$T/t$at" -q t/a 2>/dev/null ||
	   "$FAMFS" fsck -v "$T/t$at" | grep -Eq " dir +t +"; then
		"$FAMFS" rm -r --device "$T/t$at" t >/dev/null 2>&1 ||
			"$FAMFS" rm -r --device "$T/t$at" t/u >/dev/null 2>&1
	fi
	"$FAMFS" rm -r --device "$T/t$at" t >/dev/null 2>&1
	"$FAMFS" fsck "$T/t$at" >/dev/null 2>&1 || { echo "# crash point $at: fsck after finishing"; bad=1; }
	"$FAMFS" getmap --device "$T/t$at" -q t/a 2>/dev/null && { echo "# crash point $at: t/a survived"; bad=1; }
	rm -f "$T/t$at"
done
check $bad "rm -r killed at 20 points: each image is clean or repaired, nothing else lost, rm can finish"

done_testing
