#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# famfs fsck: clean and corrupt images, damaged logs, clone collisions,
# log full; text and --json output.
. "$(dirname "$0")/tap-lib.bash"

ENTRY=544
LOG=2097152		# log offset
HDR=48

new_image img 256M || exit 1
IMG="$T/img"
D=(--device "$IMG")
"$FAMFS" mkdir -p "${D[@]}" dir/sub >/dev/null
"$FAMFS" creat "${D[@]}" -s 3m -r -S 1 dir/a >/dev/null
"$FAMFS" creat "${D[@]}" -s 1m -r -S 2 dir/sub/b >/dev/null

expect_rc_msg 0 "result: +clean" "fsck of a good image: exit 0" "$FAMFS" fsck "$IMG"
grep -q "files: *2" "$OUT" && grep -q "directories: *2" "$OUT" &&
grep -q "capacity: *268435456" "$OUT" && grep -q "4 of 15420 entries" "$OUT"
check $? "fsck reports capacity, files, directories and log use"
# used = 2 MiB sb + 8 MiB log + 4 MiB (3m file) + 2 MiB (1m file)
grep -q "used: *16777216" "$OUT" && grep -q "free: *251658240" "$OUT"
check $? "fsck used and free bytes"
expect_rc_msg 0 "capacity: +256.0 MiB" "fsck -h prints human sizes" "$FAMFS" fsck -h "$IMG"
expect_rc 0 "fsck -v" "$FAMFS" fsck -v "$IMG"
grep -Eq "^ +3 +file +dir/sub/b" "$OUT"
check $? "fsck -v lists every entry"
run "$FAMFS" fsck --json -v "$IMG"
json_ok "$OUT" && python3 -c "
import json,sys
d=json.load(open('$OUT'))
sys.exit(0 if d['clean'] and d['files']==2 and len(d['entries'])==4 else 1)"
check $? "fsck --json -v parses and agrees"

# clone: two files share memory -> collision, exit 3
cp "$IMG" "$T/cl"
expect_rc 0 "clone dir/a to dir/c" "$FAMFS" clone --device "$T/cl" dir/a dir/c
expect_rc_msg 3 "collisions: +[1-9]" "fsck after clone: collision, exit 3" "$FAMFS" fsck "$T/cl"
grep -q "CORRUPT" "$OUT"
check $? "fsck says CORRUPT"
run "$FAMFS" fsck --json "$T/cl"
json_ok "$OUT" && python3 -c "
import json,sys
d=json.load(open('$OUT'))
sys.exit(0 if not d['clean'] and d['collisions']>0 and d['problems'] else 1)"
check $? "fsck --json after clone: not clean, collisions, problems listed"
expect_rc 2 "clone of a missing source" "$FAMFS" clone --device "$T/cl" nope dir/d
expect_rc 2 "clone onto an existing name" "$FAMFS" clone --device "$T/cl" dir/a dir/sub/b

# damaged last entry (garbage over entry 3) -> torn log, exit 3
cp "$IMG" "$T/torn"
head -c 100 /dev/urandom | dd of="$T/torn" bs=1 seek=$((LOG + HDR + 3 * ENTRY + 40)) \
	conv=notrunc status=none
expect_rc_msg 3 "DAMAGED" "fsck of a damaged last entry: exit 3" "$FAMFS" fsck "$T/torn"
grep -Eq "entry 3" "$OUT"
check $? "fsck names the damaged entry"
run "$FAMFS" fsck --json "$T/torn"
json_ok "$OUT" && python3 -c "
import json,sys
l=json.load(open('$OUT'))['log']
sys.exit(0 if l['damaged'] and l['bad_index']==3 and l['valid_entries']==3 else 1)"
check $? "fsck --json reports the damage at index 3"
expect_rc_msg 0 "match" "entries before the damage still read" \
	"$FAMFS" verify --device "$T/torn" -S 1 -f dir/a

# wrong seqnum in an entry whose CRC is recomputed: still damage
cp "$IMG" "$T/seq"
python3 - "$T/seq" <<'PY'
import struct, sys, zlib
f = open(sys.argv[1], "r+b")
off = 2097152 + 48 + 1 * 544
f.seek(off); e = bytearray(f.read(544))
e[0:8] = struct.pack("<Q", 7)
e[536:544] = struct.pack("<Q", zlib.crc32(bytes(e[:536])))
f.seek(off); f.write(e)
PY
expect_rc_msg 3 "DAMAGED" "fsck: entry with seqnum != index: exit 3" "$FAMFS" fsck "$T/seq"

# garbage log header
cp "$IMG" "$T/hdr"
head -c 24 /dev/urandom | dd of="$T/hdr" bs=1 seek=$LOG conv=notrunc status=none
expect_rc_msg 3 "BAD HEADER|log" "fsck of a garbage log header: exit 3" "$FAMFS" fsck "$T/hdr"
run "$FAMFS" fsck --json "$T/hdr"
json_ok "$OUT"
check $? "fsck --json with a bad log header is valid JSON"
expect_rc 2 "mutations refuse a bad log header" "$FAMFS" mkdir --device "$T/hdr" x

# bad superblock CRC and version
cp "$IMG" "$T/crc"
printf '\x01' | dd of="$T/crc" bs=1 seek=50 conv=notrunc status=none
expect_rc_msg 3 "bad checksum" "fsck of a superblock with a bad CRC: exit 3" "$FAMFS" fsck "$T/crc"
cp "$IMG" "$T/ver"
printf '\x31' | dd of="$T/ver" bs=1 seek=8 conv=notrunc status=none
expect_rc_msg 3 "not compatible" "fsck of superblock version 49: exit 3" "$FAMFS" fsck "$T/ver"
expect_rc 2 "mkdir on a device with a bad superblock: exit 2" "$FAMFS" mkdir --device "$T/ver" x

# random garbage everywhere never crashes anything
truncate -s 64M "$T/junk"
head -c 3000000 /dev/urandom | dd of="$T/junk" conv=notrunc status=none
expect_rc 3 "fsck of random bytes: exit 3" "$FAMFS" fsck "$T/junk"
run "$FAMFS" getmap --device "$T/junk" x
[ "$RC" -eq 2 ]
check $? "getmap on random bytes: exit 2"

# hostile entries: random bodies with valid CRCs and seqnums, so that they
# pass the log scan and reach every reader (fsck -v, JSON, getmap, cat)
for round in 1 2 3; do
	new_image "fz$round" 64M || exit 1
	python3 - "$T/fz$round" "$round" <<'PY'
import os, random, struct, sys, zlib
random.seed(int(sys.argv[2]))
f = open(sys.argv[1], "r+b")
base, n = 2097152 + 48, 60
names = []
for i in range(n):
    body = bytearray(os.urandom(520))
    etype = random.choice([0, 0, 0, 1, 1, 2, 3, 4, 7])
    if etype == 0:
        body[8:12] = struct.pack("<I", 2)
        if random.random() < 0.5:   # a plausible map half of the time
            body[104:120] = struct.pack("<IIII", random.choice([0, 1, 5]), 0,
                                        random.choice([1, 2, 16, 17, 1 << 30]), 0)
        if random.random() < 0.7:   # a terminated name most of the time
            k = random.randint(1, 79)
            body[24 + k] = 0
            names.append(bytes(body[24:24 + k]))
    elif etype == 1 and random.random() < 0.7:
        k = random.randint(1, 79)
        body[12 + k] = 0
    e = struct.pack("<QII", i, etype, 0) + bytes(body)
    e += struct.pack("<Q", zlib.crc32(e))
    f.seek(base + i * 544)
    f.write(e)
f.seek(2097152 + 32)
f.write(struct.pack("<QQ", n, n))
open(sys.argv[1] + ".names", "wb").write(b"\n".join(
    x for x in names if b"\n" not in x and x and not x.startswith(b"/")))
PY
	run "$FAMFS" fsck -v "$T/fz$round"
	[ "$RC" -eq 0 ] || [ "$RC" -eq 3 ]
	check $? "fuzz $round: fsck -v of hostile entries exits 0 or 3"
	! LC_ALL=C grep -q '[[:cntrl:]]' "$OUT"
	check $? "fuzz $round: fsck -v prints no control bytes from the media"
	run "$FAMFS" fsck -v --json "$T/fz$round"
	{ [ "$RC" -eq 0 ] || [ "$RC" -eq 3 ]; } && json_ok "$OUT"
	check $? "fuzz $round: fsck -v --json stays valid JSON"
	crashed=0
	while IFS= read -r name; do
		# "--": a name from the media may start with '-'
		"$FAMFS" getmap --json --device "$T/fz$round" -- "$name" >"$OUT" 2>"$ERR"
		rc=$?
		[ $rc -le 3 ] && json_ok "$OUT" || crashed=1
		"$FAMFS" cat --device "$T/fz$round" -- "$name" >/dev/null 2>&1
		[ $? -le 3 ] || crashed=1
		"$FAMFS" verify --device "$T/fz$round" -S 1 -f "$name" >/dev/null 2>&1
		[ $? -le 3 ] || crashed=1
	done < "$T/fz$round.names"
	check $crashed "fuzz $round: getmap/cat/verify of every hostile name: no crash, valid JSON"
done

# log full: 15420 entries in an 8 MiB log
new_image full 64M || exit 1
"$FAMFS" mkdir --device "$T/full" $(seq -f d%g 1 15420) >/dev/null 2>&1
check $? "15420 mkdirs fill the 8 MiB log"
expect_rc_msg 2 "log full \\(15420 entries\\)" "one more: 'log full' error" \
	"$FAMFS" mkdir --device "$T/full" one-more
expect_rc_msg 2 "log full" "creat into a full log: 'log full' error" \
	"$FAMFS" creat --device "$T/full" -s 1m f
expect_rc_msg 0 "15420 of 15420" "fsck of a full log is clean" "$FAMFS" fsck "$T/full"
[ "$(fsck_field "$T/full" used)" = $((10 << 20)) ]
check $? "the failed creat allocated nothing"

# out of space: 64 MiB - 2 MiB - 8 MiB = 27 units of 2 MiB
new_image oos 64M || exit 1
n=0
while "$FAMFS" creat --device "$T/oos" -s 2m "f$n" >/dev/null 2>&1; do
	n=$((n + 1))
	[ $n -gt 40 ] && break
done
[ $n -eq 27 ]
check $? "27 files of 2 MiB fit in a 64 MiB image (got $n)"
expect_rc_msg 2 "out of space" "the 28th: 'out of space' error" \
	"$FAMFS" creat --device "$T/oos" -s 2m extra
expect_rc 0 "fsck after out of space is clean" "$FAMFS" fsck "$T/oos"

done_testing
