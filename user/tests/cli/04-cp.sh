#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# famfs cp offline: trees, restartable copies, threads, errors, space limits.
. "$(dirname "$0")/tap-lib.bash"

HERE=$(cd "$(dirname "$0")" && pwd)
TREE="$T/tree"
mkdir -p "$TREE"
# A real tree: this project's user-space sources and bash's docs (copied
# first so that concurrent edits cannot change it under the test).
cp -r "$HERE/../../lib" "$TREE/lib"
cp -r "$HERE/../../cli" "$TREE/cli"
[ -d /usr/share/doc/bash ] && cp -rL /usr/share/doc/bash "$TREE/bashdoc"
mkdir -p "$TREE/deep/er/still"
head -c 7340033 /dev/urandom > "$TREE/deep/er/still/big.bin"
: > "$TREE/deep/empty"
nf=$(find "$TREE" -type f | wc -l)
nd=$(find "$TREE" -type d | wc -l)	# includes the top directory

compare_tree() {	# compare_tree IMG RELROOT
	local bad=0 f
	while IFS= read -r f; do
		"$FAMFS" cat --device "$1" "$2/${f#./}" | cmp -s - "$TREE/$f" || {
			echo "# differs: $f"
			bad=1
		}
	done < <(cd "$TREE" && find . -type f)
	return $bad
}

new_image img 1G || exit 1
IMG="$T/img"
expect_rc 0 "cp -r of a $nf-file tree into the root" "$FAMFS" cp -r --device "$IMG" "$TREE" /
[ "$(fsck_field "$IMG" files)" = "$nf" ] && [ "$(fsck_field "$IMG" directories)" = "$nd" ]
check $? "fsck counts $nf files and $nd directories"
compare_tree "$IMG" tree
check $? "every copied file reads back byte for byte"
expect_rc 0 "fsck is clean after cp -r" "$FAMFS" fsck "$IMG"
used1=$(fsck_field "$IMG" used)
entries1=$("$FAMFS" fsck --json "$IMG" | python3 -c "import json,sys; print(json.load(sys.stdin)['log']['valid_entries'])")

# Restart: the same copy again reuses every same-size destination.
echo "changed!" | dd of="$TREE/deep/er/still/big.bin" conv=notrunc status=none
expect_rc 0 "cp -r again (restartable)" "$FAMFS" cp -r --device "$IMG" "$TREE" /
entries2=$("$FAMFS" fsck --json "$IMG" | python3 -c "import json,sys; print(json.load(sys.stdin)['log']['valid_entries'])")
[ "$entries1" = "$entries2" ] && [ "$(fsck_field "$IMG" used)" = "$used1" ]
check $? "the rerun logged nothing new and allocated nothing"
compare_tree "$IMG" tree
check $? "the rerun rewrote the data (changed source visible)"

# A different-size destination is an error, the rest still copies.
echo more >> "$TREE/deep/empty"
expect_rc_msg 2 "already exists" "cp over a different-size file fails" \
	"$FAMFS" cp -r --device "$IMG" "$TREE" /

# Threads, and copying into an existing directory.
new_image img2 1G || exit 1
"$FAMFS" mkdir --device "$T/img2" into >/dev/null
expect_rc 0 "cp -r -t 4 into an existing directory" "$FAMFS" cp -r -t 4 --device "$T/img2" "$TREE" into
compare_tree "$T/img2" into/tree
check $? "cp -t 4 copied every byte"

# Several sources into a directory; file to a new name.
head -c 12345 /dev/urandom > "$T/one"
head -c 54321 /dev/urandom > "$T/two"
expect_rc 0 "cp two files into a directory" "$FAMFS" cp --device "$T/img2" "$T/one" "$T/two" into
"$FAMFS" cat --device "$T/img2" into/one | cmp -s - "$T/one" &&
"$FAMFS" cat --device "$T/img2" into/two | cmp -s - "$T/two"
check $? "both files arrived intact"
expect_rc 0 "cp a file to a new name" "$FAMFS" cp --device "$T/img2" "$T/one" renamed
"$FAMFS" cat --device "$T/img2" renamed | cmp -s - "$T/one"
check $? "the renamed copy is intact"
expect_rc_msg 2 "not a directory" "several sources into a file" \
	"$FAMFS" cp --device "$T/img2" "$T/one" "$T/two" renamed
expect_rc_msg 2 "is a directory" "cp of a directory without -r" \
	"$FAMFS" cp --device "$T/img2" "$TREE" x
expect_rc_msg 2 "cannot stat" "cp of a missing source" \
	"$FAMFS" cp --device "$T/img2" "$T/missing" x
expect_rc 0 "cp -m 0600 -u 7 -g 8" "$FAMFS" cp -m 0600 -u 7 -g 8 --device "$T/img2" "$T/one" owned
run "$FAMFS" fsck -v --json "$T/img2"
python3 -c "
import json,sys
e=[x for x in json.load(open('$OUT'))['entries'] if x.get('path')=='owned'][0]
sys.exit(0 if (e['mode'],e['uid'],e['gid'])==(0o600,7,8) else 1)"
check $? "cp -m -u -g are logged"

# Path limits: a tree whose names exceed 79 bytes fails those, copies the rest.
mkdir -p "$T/long/$(printf 'd%.0s' $(seq 40))"
echo x > "$T/long/$(printf 'd%.0s' $(seq 40))/$(printf 'f%.0s' $(seq 40))"
echo y > "$T/long/short"
expect_rc_msg 2 "too long" "cp -r of a tree with an 86-byte path" \
	"$FAMFS" cp -r --device "$T/img2" "$T/long" long
"$FAMFS" cat --device "$T/img2" long/short | grep -qx y
check $? "the short names of that tree were copied"

# Out of space: a 64 MiB image holds 27 units of 2 MiB.
new_image small 64M || exit 1
mkdir -p "$T/many"
for i in $(seq 1 30); do echo "$i" > "$T/many/f$i"; done
expect_rc_msg 2 "out of space" "cp -r of 30 files into room for 27: out of space" \
	"$FAMFS" cp -r --device "$T/small" "$T/many" many
[ "$(fsck_field "$T/small" files)" = 27 ]
check $? "exactly 27 files were created before running out of space"
expect_rc 0 "fsck after out-of-space is clean" "$FAMFS" fsck "$T/small"

done_testing
