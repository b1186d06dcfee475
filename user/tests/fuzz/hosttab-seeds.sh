# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Seeds of fuzz_hosttab (sourced by make-seeds.sh): tables of images made
# with mkfs.famfs --enable-delete, hosts registered in their slots, a
# delete pending, one host evicted, and one torn copy.
#   hosttab_seeds BUILD_DIR TMPDIR OUTDIR
hosttab_seeds() {
	local build=$1 t=$2 out=$3 img=$2/ht.img
	mkdir -p "$out"
	# seed IMG OUT FLAGS: flags byte, header, then [slot u16][slot] of used slots
	seed() {
		python3 - "$1" "$2" "$3" <<'PY'
import struct, sys
img, out, flags = sys.argv[1], sys.argv[2], int(sys.argv[3])
d = open(img, "rb").read(2 << 20)[1 << 20:]
b = bytes([flags]) + d[:256]
for i in range(2040):
    s = d[4096 + i * 512:4096 + (i + 1) * 512]
    if any(s):
        b += struct.pack("<H", i) + s
open(out, "wb").write(b)
PY
	}
	# host IMG SLOT UUID STATE RELEASED SEQ [fence]: write a record copy
	rec() {
		python3 - "$@" <<'PY'
import struct, sys, uuid, zlib
img, slot, u, state, rel, seq = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
fence = len(sys.argv) > 7
r = bytearray(128)
if fence:
    struct.pack_into("<Q16sIIQQQ", r, 0, seq, uuid.UUID(u).bytes, state, 0, 1, 1700000000 * 10**9, rel)
else:
    struct.pack_into("<Q16sIIQQQQQ", r, 0, seq, uuid.UUID(u).bytes, state, 1, 1, rel, rel, 1700000000 * 10**9, 1600000000 * 10**9)
struct.pack_into("<Q", r, 120, zlib.crc32(bytes(r[:120])) & 0xffffffff)
off = (1 << 20) + 4096 + slot * 512 + (256 if fence else 0) + (seq % 2) * 128
with open(img, "r+b") as f:
    f.seek(off); f.write(r)
PY
	}
	rm -f "$img"
	truncate -s 64M "$img"
	"$build/mkfs.famfs" --enable-delete "$img" >/dev/null
	seed "$img" "$out/empty" 0
	"$build/famfs" creat --device "$img" -s 4m a >/dev/null
	"$build/famfs" creat --device "$img" -s 2m b >/dev/null
	rec "$img" 5 11111111-2222-3333-4444-555555555555 1 2 0
	rec "$img" 9 66666666-7777-8888-9999-aaaaaaaaaaaa 1 100 0
	rec "$img" 9 66666666-7777-8888-9999-aaaaaaaaaaaa 1 100 1
	rec "$img" 2039 0b5e55ed-0000-4000-8000-00000000c1e7 2 1 0
	"$build/famfs" rm --device "$img" a >/dev/null
	seed "$img" "$out/hosts-pending" 0
	seed "$img" "$out/hosts-pending-fixed" 7
	"$build/famfs" host evict --device "$img" 11111111-2222-3333-4444-555555555555 >/dev/null
	seed "$img" "$out/evicted" 0
	rec "$img" 7 0b5e55ed-0000-4000-8000-00000000c1e7 9 3 1 fence
	printf '\x55' | dd of="$img" bs=1 seek=$(((1 << 20) + 4096 + 9 * 512 + 128 + 40)) conv=notrunc status=none
	seed "$img" "$out/torn" 0
}
