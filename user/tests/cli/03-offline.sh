#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Offline (--device) mkdir, creat, verify, getmap, cat, clone; roles; limits.
. "$(dirname "$0")/tap-lib.bash"

IMG="$T/img"
new_image img 256M || exit 1
D=(--device "$IMG")

# mkdir
expect_rc 0 "mkdir -p a/b/c" "$FAMFS" mkdir -p "${D[@]}" a/b/c
expect_rc 0 "mkdir -p of an existing tree is fine" "$FAMFS" mkdir -p "${D[@]}" a/b/c
expect_rc 2 "mkdir of an existing dir without -p" "$FAMFS" mkdir "${D[@]}" a/b
expect_rc 2 "mkdir with a missing parent" "$FAMFS" mkdir "${D[@]}" x/y
expect_rc 0 "mkdir -p with a trailing slash" "$FAMFS" mkdir -p "${D[@]}" t/u/
"$FAMFS" fsck -v "$IMG" | grep -Eq " dir +t/u "
check $? "the trailing slash is dropped from the logged name"
expect_rc 0 "mkdir with -m -u -g" "$FAMFS" mkdir -m 0700 -u 12 -g 34 "${D[@]}" a/priv
expect_rc_msg 2 "'\.' or '\.\.'|\.\." "mkdir with a .. component" "$FAMFS" mkdir "${D[@]}" a/../b
run "$FAMFS" fsck -v --json "$IMG"
python3 - "$OUT" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
e = [x for x in d["entries"] if x.get("path") == "a/priv"][0]
sys.exit(0 if (e["type"], e["mode"], e["uid"], e["gid"]) == ("dir", 0o700, 12, 34) else 1)
PY
check $? "mkdir -m 0700 -u 12 -g 34 is logged with that mode and owner"
[ "$(fsck_field "$IMG" directories)" = 6 ]
check $? "fsck counts 6 directories"

# creat -r / verify
expect_rc_msg 0 "seed 42" "creat -s 3m -r -S 42" "$FAMFS" creat "${D[@]}" -s 3m -r -S 42 a/b/f1
expect_rc_msg 0 "match seed 42" "verify the seeded file" "$FAMFS" verify "${D[@]}" -S 42 -f a/b/f1
expect_rc_msg 3 "mismatch at offset 0" "verify with the wrong seed: exit 3" \
	"$FAMFS" verify "${D[@]}" -S 43 -f a/b/f1
expect_rc_msg 0 "seed [0-9]+" "creat -r without -S picks a seed" "$FAMFS" creat "${D[@]}" -s 10001 -r a/odd
seed=$(sed -n 's/.*seed \([0-9]*\).*/\1/p' "$OUT")
expect_rc 0 "verify with the printed seed (odd size)" "$FAMFS" verify "${D[@]}" -S "$seed" -f a/odd
# The stream is spec section 9: check one known-answer independently.
python3 - "$T/kat" <<'PY'
import sys
M = (1 << 64) - 1
def rotl(x, k): return ((x << k) | (x >> (64 - k))) & M
def splitmix(s):
    s = (s + 0x9E3779B97F4A7C15) & M
    z = s
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    return s, z ^ (z >> 31)
st, a = splitmix(7)
st, b = splitmix(st)
out = bytearray()
while len(out) < 4096:
    r = (a + b) & M
    b ^= a
    a = rotl(a, 55) ^ b ^ ((b << 14) & M)
    b = rotl(b, 36)
    out += (r & 0xffffffff).to_bytes(4, "little")
open(sys.argv[1], "wb").write(out[:4096])
PY
"$FAMFS" creat "${D[@]}" -s 4096 -r -S 7 kat >/dev/null 2>&1
"$FAMFS" cat "${D[@]}" kat | cmp -s - "$T/kat"
check $? "creat -r -S 7 bytes equal an independent xoroshiro128+ stream"

# creat idempotence
expect_rc_msg 0 "unchanged" "creat of the same file and size is a no-op" \
	"$FAMFS" creat "${D[@]}" -s 3m a/b/f1
expect_rc 0 "the no-op left the data alone" "$FAMFS" verify "${D[@]}" -S 42 -f a/b/f1
expect_rc_msg 2 "already exists" "creat of the same file, other size" \
	"$FAMFS" creat "${D[@]}" -s 4m a/b/f1
expect_rc 2 "creat over a directory" "$FAMFS" creat "${D[@]}" -s 1m a/b
expect_rc 2 "creat with a missing parent" "$FAMFS" creat "${D[@]}" -s 1m nodir/f

# batch creat -M
expect_rc 0 "creat -M x3" "$FAMFS" creat "${D[@]}" -M m1,1m,5 -M m2,2m -M m3,100k,9
expect_rc 0 "-M file with a seed verifies" "$FAMFS" verify "${D[@]}" -S 9 -f m3
run "$FAMFS" getmap "${D[@]}" m1 m2 m3
[ "$RC" -eq 0 ] && [ "$(grep -c 'extent 0' "$OUT")" = 3 ]
check $? "getmap of three -M files"

# creat --from LIST: -M lines from a file or stdin, checked before any is made
printf 'l1,1m,7\n\nl2,3m\r\nl3,4k\n' >"$T/list"
expect_rc 0 "creat --from a list of 3 (a blank line, a CRLF line)" \
	"$FAMFS" creat "${D[@]}" --from "$T/list"
expect_rc 0 "a --from file with a seed verifies" "$FAMFS" verify "${D[@]}" -S 7 -f l1
run "$FAMFS" getmap "${D[@]}" l1 l2 l3
[ "$RC" -eq 0 ] && [ "$(grep -c 'extent 0' "$OUT")" = 3 ]
check $? "getmap of the three --from files"
printf 's1,2m\ns2,2m\n' | "$FAMFS" creat "${D[@]}" -F - >/dev/null 2>&1
check $? "creat -F - reads the list from stdin"
nf=$(fsck_field "$IMG" files)
printf 'b1,1m\nb2\nb3,1m\n' >"$T/badlist"
expect_rc_msg 1 "line 2 of .*badlist" "a bad --from line is named by its number" \
	"$FAMFS" creat "${D[@]}" --from "$T/badlist"
printf 'b1,1m\nb2,12q\n' >"$T/badlist"
expect_rc_msg 1 "line 2 of" "a bad size in a --from line is named too" \
	"$FAMFS" creat "${D[@]}" --from "$T/badlist"
[ "$(fsck_field "$IMG" files)" = "$nf" ]
check $? "a bad list creates no file (all lines are checked first)"
: >"$T/empty"
expect_rc_msg 1 "list is empty" "an empty --from list is refused" \
	"$FAMFS" creat "${D[@]}" --from "$T/empty"
expect_rc_msg 1 "cannot read .*nolist" "a missing --from list is refused" \
	"$FAMFS" creat "${D[@]}" --from "$T/nolist"

# path length: 79 bytes fine, 80 refused, never truncated
p79=$(printf 'p%.0s' $(seq 79))
p80=$(printf 'p%.0s' $(seq 80))
expect_rc 0 "a 79-byte relpath is accepted" "$FAMFS" creat "${D[@]}" -s 4k "$p79"
expect_rc_msg 2 "File name too long" "an 80-byte relpath: ENAMETOOLONG" \
	"$FAMFS" creat "${D[@]}" -s 4k "$p80"
expect_rc_msg 2 "File name too long" "mkdir of an 80-byte relpath: ENAMETOOLONG" \
	"$FAMFS" mkdir "${D[@]}" "$p80"
"$FAMFS" fsck -v "$IMG" | grep -q "$p80"
[ $? -ne 0 ]
check $? "nothing truncated or logged for the 80-byte name"

# getmap and JSON with awkward names
name=$'q"uo\\te\tä'
expect_rc 0 "creat a name with quote, backslash, tab, UTF-8" \
	"$FAMFS" creat "${D[@]}" -s 1k "$name"
run "$FAMFS" getmap --json "${D[@]}" "$name" a/b/f1
json_ok "$OUT"
check $? "getmap --json is valid JSON with escaped names"
python3 -c "import json,sys; d=json.load(open('$OUT')); sys.exit(0 if d[0]['path']==sys.argv[1] and d[1]['size']==3145728 else 1)" "$name"
check $? "getmap --json round-trips the name and the size"
run "$FAMFS" fsck -v --json "$IMG"
json_ok "$OUT"
check $? "fsck -v --json with awkward names is valid JSON"
expect_rc 2 "getmap of a directory" "$FAMFS" getmap "${D[@]}" a/b
expect_rc 2 "getmap of a missing file" "$FAMFS" getmap "${D[@]}" nope

# interleaved files need buckets of >= 1 GiB: a 4 GiB sparse image
new_image big 4G || exit 1
B=(--device "$T/big")
expect_rc 0 "creat -N 4 -B 4 -C 2m (interleaved) -r" \
	"$FAMFS" creat "${B[@]}" -N 4 -B 4 -C 2m -s 20m -r -S 5 striped
expect_rc 0 "verify the interleaved file" "$FAMFS" verify "${B[@]}" -S 5 -f striped
run "$FAMFS" getmap --json "${B[@]}" striped
python3 - "$OUT" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))[0]
s = d["strips"]
buckets = {x["offset"] // (1 << 30) for x in s}
sys.exit(0 if d["ext_type"] == "interleaved" and d["nstrips"] == 4 and
         d["chunk_size"] == 2 << 20 and len(buckets) == 4 else 1)
PY
check $? "getmap: 4 strips of 2 MiB chunks in 4 distinct buckets"
# Spec 5: file offset 15 MiB -> chunk 7, strip 3, stripe 1: strips[3] + 3 MiB.
off3=$(python3 -c "import json; print(json.load(open('$OUT'))[0]['strips'][3]['offset'])")
"$FAMFS" cat "${B[@]}" striped | dd bs=1M skip=15 count=1 iflag=fullblock status=none > "$T/s15"
dd if="$T/big" bs=1M skip=$(((off3 >> 20) + 3)) count=1 status=none | cmp -s - "$T/s15"
check $? "interleaved byte placement follows spec section 5"
expect_rc 1 "creat -N 17 is refused" "$FAMFS" creat "${B[@]}" -N 17 -s 20m bad
expect_rc 1 "creat -C 3m is refused" "$FAMFS" creat "${B[@]}" -N 2 -C 3m -s 20m bad
expect_rc 1 "-B without -N" "$FAMFS" creat "${B[@]}" -B 4 -s 20m bad
expect_rc_msg 2 "bucket|small|1 GiB" "interleave on a 256 MiB image: buckets too small" \
	"$FAMFS" creat "${D[@]}" -N 2 -s 8m bad

# clients are refused every mutation (exit 4)
export FAMFS_SYSTEM_UUID_FILE="$OTHER_UUID_FILE"
expect_rc_msg 4 "client" "client: mkdir refused" "$FAMFS" mkdir "${D[@]}" c1
expect_rc_msg 4 "client" "client: creat refused" "$FAMFS" creat "${D[@]}" -s 1m c2
expect_rc_msg 4 "client" "client: cp refused" "$FAMFS" cp "${D[@]}" "$T/kat" c3
expect_rc_msg 4 "client" "client: clone refused" "$FAMFS" clone "${D[@]}" m1 c4
expect_rc 0 "client: verify (read-only) works" "$FAMFS" verify "${D[@]}" -S 42 -f a/b/f1
expect_rc 0 "client: getmap works" "$FAMFS" getmap "${D[@]}" a/b/f1
export FAMFS_SYSTEM_UUID_FILE="$T/system_uuid"
"$FAMFS" fsck -v "$IMG" | grep -Eq " c[1-4] "
[ $? -ne 0 ]
check $? "nothing was logged by the client"

done_testing
