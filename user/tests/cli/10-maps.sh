#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Never lose the log: maps that point into the superblock or log area,
# cross-linked files, hostile sizes and interleave parameters are refused
# everywhere a map is trusted (cp reuse, cat, verify, clone, creat).
. "$(dirname "$0")/tap-lib.bash"

LOG=2097152		# log offset
HDR=48
ENTRY=544

# set_extent IMG INDEX OFFSET: point simple extent 0 of FILE entry INDEX at
# OFFSET and recompute the entry CRC (a "damaged but valid-CRC" entry).
set_extent() {
	python3 - "$1" "$2" "$3" <<'PY'
import struct, sys, zlib
f = open(sys.argv[1], "r+b")
off = 2097152 + 48 + int(sys.argv[2]) * 544
f.seek(off); e = bytearray(f.read(544))
e[144:152] = struct.pack("<Q", int(sys.argv[3]))
e[536:544] = struct.pack("<Q", zlib.crc32(bytes(e[:536])))
f.seek(off); f.write(e)
PY
}

# log_header IMG: the 48 header bytes in hex (to prove they are untouched).
log_header() {
	od -An -tx1 -j $LOG -N $HDR "$1" | tr -d ' \n'
}

new_image img 64M || exit 1
IMG="$T/img"
D=(--device "$IMG")
head -c 2097152 /dev/urandom > "$T/src2m"
"$FAMFS" creat "${D[@]}" -s 2m victim >/dev/null
"$FAMFS" creat "${D[@]}" -s 2m other >/dev/null
set_extent "$IMG" 0 $LOG
before=$(log_header "$IMG")

expect_rc_msg 3 "entry 0" "fsck reports the map inside the log" "$FAMFS" fsck "$IMG"
expect_rc 2 "creat -s 2m onto the damaged entry is refused" \
	"$FAMFS" creat "${D[@]}" -s 2m victim
expect_rc 2 "cat of the damaged entry is refused" "$FAMFS" cat "${D[@]}" victim
expect_rc 2 "verify of the damaged entry is refused" \
	"$FAMFS" verify "${D[@]}" -S 1 -f victim
expect_rc 2 "clone of the damaged entry is refused" \
	"$FAMFS" clone "${D[@]}" victim copy
expect_rc_msg 2 "superblock|log" \
	"cp onto an entry whose map is in the log is refused" \
	"$FAMFS" cp "${D[@]}" "$T/src2m" victim
[ "$(log_header "$IMG")" = "$before" ]
check $? "the log header is untouched after the refused cp"
expect_rc_msg 3 "entry 0" "fsck still sees the log (only entry 0 bad)" "$FAMFS" fsck "$IMG"
grep -q "log: *ok" "$OUT"
check $? "fsck: log state ok"
expect_rc 0 "the good file still copies" "$FAMFS" cp "${D[@]}" "$T/src2m" other
"$FAMFS" cat "${D[@]}" other | cmp -s - "$T/src2m"
check $? "the good file's bytes are right"

# A map in the last unit of the log and one straddling the log's end.
new_image img2 64M || exit 1
"$FAMFS" creat --device "$T/img2" -s 2m a >/dev/null
"$FAMFS" creat --device "$T/img2" -s 2m b >/dev/null
set_extent "$T/img2" 0 $((LOG + 6 * 1048576))
set_extent "$T/img2" 1 0
before=$(log_header "$T/img2")
expect_rc 2 "cp onto a map in the last log unit is refused" \
	"$FAMFS" cp --device "$T/img2" "$T/src2m" a
expect_rc 2 "cp onto a map at offset 0 is refused" \
	"$FAMFS" cp --device "$T/img2" "$T/src2m" b
[ "$(log_header "$T/img2")" = "$before" ]
check $? "the log header is untouched"

# Cross-linked files: the later file is refused for I/O and reuse.
new_image xl 64M || exit 1
"$FAMFS" creat --device "$T/xl" -s 2m first >/dev/null
"$FAMFS" cp --device "$T/xl" "$T/src2m" first >/dev/null
expect_rc 0 "clone --device makes a cross-linked file" \
	"$FAMFS" clone --device "$T/xl" first second
expect_rc_msg 3 "cross-linked" "fsck names the cross-linked file" "$FAMFS" fsck "$T/xl"
grep -q "second" "$OUT"
check $? "fsck names 'second'"
expect_rc_msg 2 "cross-linked" "cat of the cross-linked file is refused" \
	"$FAMFS" cat --device "$T/xl" second
expect_rc_msg 2 "cross-linked" "cp onto the cross-linked file is refused" \
	"$FAMFS" cp --device "$T/xl" "$T/src2m" second
"$FAMFS" cat --device "$T/xl" first | cmp -s - "$T/src2m"
check $? "the first owner still reads its bytes"
expect_rc_msg 1 "offline|--device" "clone without --device is refused" \
	"$FAMFS" clone first third

# Hostile sizes and interleave parameters: clear errors, fsck stays clean.
new_image il 8G || exit 1
expect_rc 2 "creat -N 4 -s 2^64-1 fails cleanly" \
	"$FAMFS" creat --device "$T/il" -N 4 -s 18446744073709551615 huge
expect_rc 2 "creat -s 2^64-1 fails cleanly" \
	"$FAMFS" creat --device "$T/il" -s 18446744073709551615 huge2
run "$FAMFS" creat --device "$T/il" -N 4 -C 4194304t -s 1m chunky
{ [ "$RC" -eq 1 ] || [ "$RC" -eq 2 ]; } && grep -qi "chunk" "$ERR"
check $? "creat -N 4 -C 4194304t: a clear chunk size error, no crash (rc $RC)"
run "$FAMFS" creat --device "$T/il" -N 16 -C 1t -s 1m bigchunk
{ [ "$RC" -eq 1 ] || [ "$RC" -eq 2 ]; } && grep -qi "chunk" "$ERR"
check $? "creat -N 16 -C 1t: a chunk size error (rc $RC)"
expect_rc 0 "creat -N 4 -C 4m -s 20m still works" \
	"$FAMFS" creat --device "$T/il" -N 4 -C 4m -s 20m striped
expect_rc_msg 0 "result: +clean" "fsck clean after the refused creats" "$FAMFS" fsck "$T/il"

# fsck -v stays linear in the log size: a full 64 MiB log (123,361 entries).
truncate -s 128M "$T/big"
"$MKFS" -l 64m "$T/big" >/dev/null 2>&1
python3 - "$T/big" <<'PY'
import struct, sys, zlib
f = open(sys.argv[1], "r+b")
log = 2 << 20
n = ((64 << 20) - 48) // 544
buf = bytearray()
for i in range(n):
    body = struct.pack("<III", 0, 0, 0o755) + (b"d%d" % i).ljust(80, b"\0")
    e = struct.pack("<QII", i, 1, 0) + body.ljust(520, b"\0")
    buf += e + struct.pack("<Q", zlib.crc32(e))
f.seek(log + 48); f.write(buf)
f.seek(log + 32); f.write(struct.pack("<QQ", n, n))
PY
start=$(date +%s)
run timeout 20 "$FAMFS" fsck -v "$T/big"
took=$(($(date +%s) - start))
[ "$RC" -eq 0 ] && grep -q "123361 of 123361 entries" "$OUT" && [ "$(grep -c ' dir ' "$OUT")" -eq 123361 ]
check $? "fsck -v of a full 64 MiB log lists every entry in ${took}s (limit 20s; was quadratic)"
rm -f "$T/big"

# A FIFO given as a device or a file never hangs: a clear error instead.
mkfifo "$T/fifo"
for args in "fsck $T/fifo" "cat --device $T/fifo x" "getmap --device $T/fifo x" \
	    "verify --device $T/fifo -S 1 -f x" "cat $T/fifo" "getmap $T/fifo" \
	    "fsck -v $T/fifo"; do
	# shellcheck disable=SC2086
	run timeout 5 "$FAMFS" $args
	{ [ "$RC" -eq 2 ] || [ "$RC" -eq 3 ]; } && [ -s "$ERR" ]
	check $? "famfs $args (a FIFO) fails at once with a message (rc $RC)"
done
run timeout 5 "$MKFS" "$T/fifo"
[ "$RC" -ne 124 ] && [ "$RC" -ne 0 ] && [ -s "$ERR" ]
check $? "mkfs.famfs of a FIFO fails at once with a message (rc $RC)"

done_testing
