#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Progress lines (percentage, rate, ETA) of creat -r, verify, cp and fsck:
# on a terminal only (script(1) gives one), never when piped, never with
# --json; FAMFS_PROGRESS=always forces them, =never turns them off.
. "$(dirname "$0")/tap-lib.bash"

if ! script -qec true /dev/null >/dev/null 2>&1; then
	skip "progress on a terminal" "script(1) not available"
	done_testing
fi
# on_tty OUTFILE CMD...: run CMD with stdout and stderr on a pseudo-terminal.
on_tty() {
	local out=$1
	shift
	script -qec "$(printf '%q ' "$@")" /dev/null | tr '\r' '\n' > "$out"
	return "${PIPESTATUS[0]}"
}
# A progress line: label, percentage, MiB done/total, rate; ETA while running.
PROG_RE='^%s: +[0-9]+%% \([0-9]+ / %s MiB\) [0-9]+\.[0-9] MiB/s'

new_image img 1G || exit 1
IMG="$T/img"

on_tty "$T/creat" "$FAMFS" creat -r -S 4242 -s 96m --device "$IMG" big
check $? "creat -r of 96 MiB on a terminal succeeds"
grep -Eq "$(printf "$PROG_RE" filling 96)" "$T/creat"
check $? "creat -r shows 'filling: N% (x / 96 MiB) R MiB/s'"
grep -Eq "$(printf "$PROG_RE" filling 96).* ETA [0-9]+:[0-9]{2}:[0-9]{2}" "$T/creat"
check $? "... with an ETA while running"
grep -Eq "$(printf "$PROG_RE" filling 96) in [0-9.]+ s" "$T/creat" &&
	grep -q "^big: 100663296 bytes, seed 4242" "$T/creat"
check $? "... ending with the total time, then the usual result line"

on_tty "$T/verify" "$FAMFS" verify -S 4242 -f big --device "$IMG"
check $? "verify of 96 MiB on a terminal succeeds"
grep -Eq "$(printf "$PROG_RE" verifying 96)" "$T/verify" &&
	grep -q "big: 100663296 bytes match seed 4242" "$T/verify"
check $? "verify shows 'verifying: ...' and its result"

head -c 100m /dev/zero > "$T/src"
on_tty "$T/cp" "$FAMFS" cp --device "$IMG" "$T/src" copy
check $? "cp of 100 MiB on a terminal succeeds"
grep -Eq "$(printf "$PROG_RE" copying 100)" "$T/cp"
check $? "cp shows 'copying: ...' with its rate"

# Not on a terminal: stderr stays empty.
run "$FAMFS" creat -r -s 96m --device "$IMG" big2
[ "$RC" = 0 ] && [ ! -s "$ERR" ]
check $? "creat -r piped: no progress on stderr"
run "$FAMFS" verify -S 4242 -f big --device "$IMG"
[ "$RC" = 0 ] && [ ! -s "$ERR" ]
check $? "verify piped: no progress on stderr"

# --json on a terminal: the JSON only.
on_tty "$T/cpj" "$FAMFS" cp --json --device "$IMG" "$T/src" copy
[ $? = 0 ] && ! grep -q copying "$T/cpj" && grep -q '"bytes"' "$T/cpj"
check $? "cp --json on a terminal: no progress line"
on_tty "$T/small" "$FAMFS" creat -r -s 8m --device "$IMG" small
[ $? = 0 ] && ! grep -q filling "$T/small"
check $? "creat -r of 8 MiB (under 64 MiB): no progress line"

# fsck counts entries (five walks over the log); large logs (100k entries)
# only, unless forced. Piped and forced: the line lands in the file.
"$FAMFS" mkdir --device "$IMG" $(seq -f 'd%g' 1 3000) >/dev/null
run env FAMFS_PROGRESS=always "$FAMFS" fsck "$IMG"
[ "$RC" = 0 ] && tr '\r' '\n' < "$ERR" | grep -Eq '^fsck: +[0-9]+% \([0-9]+ / [0-9]+ entries\) [0-9]+ entries/s' &&
	tr '\r' '\n' < "$ERR" | grep -Eq '^fsck: 100% \(([0-9]+) / \1 entries\) [0-9]+ entries/s in [0-9.]+ s'
check $? "fsck with FAMFS_PROGRESS=always: entries, rate, 100% at the end"
on_tty "$T/fsck" "$FAMFS" fsck "$IMG"
[ $? = 0 ] && ! grep -q 'entries/s' "$T/fsck" && grep -q 'result: *clean' "$T/fsck"
check $? "fsck of a 3k-entry log on a terminal: no progress (under 100k entries)"
run env FAMFS_PROGRESS=always "$FAMFS" fsck --json "$IMG"
[ "$RC" = 0 ] && [ ! -s "$ERR" ] && json_ok "$OUT"
check $? "fsck --json: no progress even when forced"
on_tty "$T/never" env FAMFS_PROGRESS=never "$FAMFS" verify -S 4242 -f big --device "$IMG"
[ $? = 0 ] && ! grep -q verifying "$T/never"
check $? "FAMFS_PROGRESS=never: no progress on a terminal"
run env FAMFS_PROGRESS=always "$FAMFS" creat -r -s 4m --device "$IMG" forced
[ "$RC" = 0 ] && grep -q 'filling: 100% (4 / 4 MiB)' "$ERR"
check $? "FAMFS_PROGRESS=always: creat -r of 4 MiB, piped, shows progress"

done_testing
