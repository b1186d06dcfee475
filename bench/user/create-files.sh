#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark: creating 10,000 small files on an unmounted famfs image,
#   (a) with ONE "famfs cp -r" of a 10,000-file tree (one handle: one lock,
#       one allocation bitmap build, one log mapping for the whole batch), and
#   (b) with 10,000 separate "famfs creat" runs (each opens, locks, checks
#       and rebuilds the bitmap from the log).
# Prints files/second for both and the ratio; fails unless the batch is at
# least 100x faster per file.
#
#   BUILD=<dir with famfs, mkfs.famfs>  (default: user/build)
#   FAMFS_BENCH_FILES=N                 (default: 10000)
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$root/user/build}
FAMFS=$BUILD/famfs
MKFS=$BUILD/mkfs.famfs
N=${FAMFS_BENCH_FILES:-10000}
MIN_RATIO=100

if [ ! -x "$FAMFS" ] || [ ! -x "$MKFS" ]; then
	echo "create-files: build first (make -C user): $FAMFS missing" >&2
	exit 1
fi
# Sparse images: /dev/shm keeps msync() cheap and only touched pages count.
base=/dev/shm
[ -d "$base" ] && [ -w "$base" ] || base=${TMPDIR:-/tmp}
W=$(mktemp -d "$base/famfs-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
export FAMFS_SYSTEM_UUID_FILE="$W/system_uuid"
# Private copies: a rebuild of $BUILD during the run must not break it.
cp "$FAMFS" "$MKFS" "$W/" || exit 1
FAMFS=$W/famfs
MKFS=$W/mkfs.famfs

# N files of 2 MiB allocation units each, + 2 MiB superblock + 8 MiB log
# (8 MiB holds 15,420 entries: N files + 1 directory).
size_mib=$((N * 2 + 64))
IMG="$W/img"

now() { date +%s.%N; }

fresh_image() {
	rm -f "$IMG"
	truncate -s "${size_mib}M" "$IMG" && "$MKFS" "$IMG" >/dev/null
}

files_in() {
	"$FAMFS" fsck --json "$IMG" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["files"])'
}

echo "create-files: $N files, image ${size_mib} MiB (sparse) in $base"
mkdir -p "$W/tree"
for ((i = 0; i < N; i++)); do
	printf 'file %d\n' "$i" > "$W/tree/f$i"
done

fresh_image || exit 1
t0=$(now)
"$FAMFS" cp -r --device "$IMG" "$W/tree" / || { echo "cp -r failed"; exit 1; }
t1=$(now)
nb=$(files_in)

fresh_image || exit 1
"$FAMFS" mkdir --device "$IMG" tree || exit 1
t2=$(now)
for ((i = 0; i < N; i++)); do
	"$FAMFS" creat --device "$IMG" -s 4k "tree/f$i" || {
		echo "creat $i failed"
		exit 1
	}
done
t3=$(now)
ns=$(files_in)

python3 - "$N" "$t0" "$t1" "$t2" "$t3" "$nb" "$ns" "$MIN_RATIO" <<'PY'
import sys
n = int(sys.argv[1])
t0, t1, t2, t3 = map(float, sys.argv[2:6])
nb, ns, need = int(sys.argv[6]), int(sys.argv[7]), float(sys.argv[8])
batch, sep = t1 - t0, t3 - t2
print(f"batch    (1 x famfs cp -r):   {nb} files in {batch:8.3f} s = {n / batch:10.0f} files/s")
print(f"separate ({n} x famfs creat): {ns} files in {sep:8.3f} s = {n / sep:10.0f} files/s")
ratio = sep / batch
print(f"ratio: batch is {ratio:.1f}x faster per file (required >= {need:.0f}x)")
ok = nb == n and ns == n and ratio >= need
print("create-files: " + ("PASS" if ok else "FAIL"))
sys.exit(0 if ok else 1)
PY
