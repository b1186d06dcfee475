#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# famfs cp never logs a file whose copy failed (issue 12): a source larger
# than one read chunk (8 MiB) that shrinks while it is copied gets an error,
# a non-zero exit and no log entry; its memory goes back to the free pool.
# The shrinking source: shrink_src.c (fanotify holds the first read until
# the file is cut, else inotify cuts it right after).
. "$(dirname "$0")/tap-lib.bash"

HERE=$(cd "$(dirname "$0")" && pwd)
SHRINK="$T/shrink_src"
if ! ${CC:-cc} -O2 -Wall -Werror -o "$SHRINK" "$HERE/shrink_src.c" 2>"$ERR"; then
	not_ok "build the shrink_src helper"
	done_testing; exit 1
fi

new_image img 256M || exit 1
IMG="$T/img"
entries() { "$FAMFS" fsck --json "$IMG" | python3 -c "import json,sys; print(json.load(sys.stdin)['log']['valid_entries'])"; }
e0=$(entries)
used0=$(fsck_field "$IMG" used)

expect_rc_msg 2 "shrank while being copied" "cp of a source that shrinks mid-copy fails (exit 2)" \
	"$SHRINK" "$T/src" 40000000 1048576 "$FAMFS" cp --device "$IMG" "$T/src" /victim
[ "$(entries)" = "$e0" ]
check $? "... and logs nothing (still $e0 log entries)"
run "$FAMFS" cat --device "$IMG" /victim
[ "$RC" -ne 0 ]
check $? "... the destination does not exist"
[ "$(fsck_field "$IMG" used)" = "$used0" ]
check $? "... no memory is used"
expect_rc 0 "... fsck is clean" "$FAMFS" fsck "$IMG"

# In a batch with good files: only the failed one is missing.
mkdir -p "$T/tree"
head -c 9437185 /dev/urandom > "$T/tree/a.bin"
head -c 12345 /dev/urandom > "$T/tree/c.small"
expect_rc_msg 2 "shrank while being copied" "cp -r of a tree with one shrinking file: exit 2" \
	"$SHRINK" "$T/tree/b.bin" 30000000 4096 "$FAMFS" cp -r --device "$IMG" "$T/tree" /t
[ "$(entries)" = "$((e0 + 3))" ]
check $? "... logs the directory and the two good files only"
"$FAMFS" cat --device "$IMG" /t/a.bin | cmp -s - "$T/tree/a.bin"
check $? "... a.bin reads back byte for byte"
"$FAMFS" cat --device "$IMG" /t/c.small | cmp -s - "$T/tree/c.small"
check $? "... c.small reads back byte for byte"
run "$FAMFS" cat --device "$IMG" /t/b.bin
[ "$RC" -ne 0 ]
check $? "... b.bin was not created"
expect_rc 0 "... fsck is clean" "$FAMFS" fsck "$IMG"
# Interleaved destination (no contiguous mapping offline).
new_image big 4G || exit 1
expect_rc_msg 2 "shrank while being copied" "interleaved cp of a shrinking source: exit 2" \
	"$SHRINK" "$T/src2" 40000000 0 "$FAMFS" cp --device "$T/big" -N 2 -B 2 -C 2m "$T/src2" /il
[ "$(fsck_field "$T/big" files)" = 0 ]
check $? "... logs nothing"
head -c 20000001 /dev/urandom > "$T/src4"
expect_rc 0 "interleaved cp of a stable source" "$FAMFS" cp --device "$T/big" -N 2 -B 2 -C 2m "$T/src4" /il
"$FAMFS" cat --device "$T/big" /il | cmp -s - "$T/src4"
check $? "... reads back byte for byte"
# The same path works once the source is stable.
head -c 20000000 /dev/urandom > "$T/src3"
expect_rc 0 "the path can be used by a good copy" "$FAMFS" cp --device "$IMG" "$T/src3" /victim
"$FAMFS" cat --device "$IMG" /victim | cmp -s - "$T/src3"
check $? "... and reads back byte for byte"
done_testing
