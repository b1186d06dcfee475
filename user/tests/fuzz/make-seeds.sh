#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Regenerate the checked-in seed corpus of the libFuzzer targets from
# images made by mkfs.famfs -d (and famfs clone / creat -N).
#   make-seeds.sh BUILD_DIR      (holding famfs and mkfs.famfs)
# Image seeds are "image heads" (see fuzz_image.h): a flags byte, the
# 200-byte superblock and the used part of the log, a few KiB each.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: make-seeds.sh BUILD_DIR}" && pwd)
corpus=$here/corpus
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
export FAMFS_SYSTEM_UUID_FILE=$t/uuid

# head IMG OUT FLAGS: flags byte + superblock + log header + used entries
head_of() {
	python3 - "$1" "$2" "$3" <<'PY'
import struct, sys
img, out, flags = sys.argv[1], sys.argv[2], int(sys.argv[3])
f = open(img, "rb")
sb = f.read(200)
f.seek(2 << 20)
hdr = f.read(48)
n = struct.unpack("<Q", hdr[40:48])[0]
ents = f.read(544 * n)
open(out, "wb").write(bytes([flags]) + sb + hdr + ents)
PY
}

rm -rf "$corpus"
mkdir -p "$corpus"/{superblock,log,fsck,ops,alloc_cfg,parse,hosttab}

mkdir -p "$t/src/dir/sub" "$t/src/empty"
printf 'hello\n' > "$t/src/a"
head -c 3000000 /dev/zero > "$t/src/dir/big"
printf 'x' > "$t/src/dir/sub/tiny"

make_img() {	# NAME [mkfs args...]
	local name=$1
	shift
	truncate -s 64M "$t/$name"
	"$build/mkfs.famfs" "$@" "$t/$name" >/dev/null
}

make_img empty
make_img tree -d "$t/src"
cp "$t/tree" "$t/xlink"
"$build/famfs" clone --device "$t/xlink" dir/big dir/big2 >/dev/null
make_img many
"$build/famfs" mkdir --device "$t/many" -p d/e/f >/dev/null
for i in 1 2 3 4 5 6; do
	"$build/famfs" creat --device "$t/many" -s ${i}m "d/e/f$i" >/dev/null
done
truncate -s 8G "$t/striped"
"$build/mkfs.famfs" "$t/striped" >/dev/null
"$build/famfs" creat --device "$t/striped" -N 4 -C 4m -s 40m s >/dev/null

for img in empty tree xlink many striped; do
	for fl in 0 15; do
		head_of "$t/$img" "$corpus/log/$img-$fl" $fl
		cp "$corpus/log/$img-$fl" "$corpus/fsck/$img-$fl"
	done
	python3 -c "import sys; open(sys.argv[2],'wb').write(bytes([1]) + open(sys.argv[1],'rb').read(200))" \
		"$t/$img" "$corpus/superblock/$img"
done

printf 'interleaved_alloc:\n  nbuckets: 8\n  nstrips: 4\n  chunk_size: 2m\n' > "$corpus/alloc_cfg/good"
printf 'interleaved_alloc:\n  nstrips: 4\n  chunk_size: 4194304t\n' > "$corpus/alloc_cfg/huge-chunk"
printf 'interleaved_alloc: {nstrips: 16, chunk_size: 1g}\n' > "$corpus/alloc_cfg/flow"

for s in 4096 2m 1G 18446744073709551615 4194304t 0x200000 "a/b/c" "dir/../x" \
	 "$(printf 'n%.0s' $(seq 1 80))" "/abs" "\033[31m" "0755"; do
	printf '%s' "$s" > "$corpus/parse/$(printf '%s' "$s" | md5sum | cut -c1-12)"
done

# ops: op byte, name byte, arguments (see fuzz_ops.c)
printf '\x00\x00\x01\x01\x00\x10\x04\x01\x00\x00\x00\x10\x06\x00' > "$corpus/ops/mkdir-creat-write"
printf '\x02\x02\x04\x08\x00\x00\x10\x00\x04\x02\x00\x00\x00\x10\x00' > "$corpus/ops/striped-write"
printf '\x03\x01\xff\xff\xff\xff\xff\xff\xff\xff\x03\x00\x00\x00\x00\x10\x00\x00\x00\x00' > "$corpus/ops/hostile"
printf '\x80\x03\x01\x03\x00\x20\x06\x00\x05\x03\x00\x00\x00\x00\x10' > "$corpus/ops/deep-reopen"
# hosttab: the host table of delete-enabled images (see fuzz_hosttab.c).
. "$here/hosttab-seeds.sh"
hosttab_seeds "$build" "$t" "$corpus/hosttab"

du -sh "$corpus"
