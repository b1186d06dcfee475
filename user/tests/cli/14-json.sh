#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# --json (json-c): creat (the seed it picked), cp (the summary), mount
# (dry run), fsck/getmap unchanged; names with any byte stay valid JSON;
# pretty on a terminal, one line otherwise; no progress in --json mode.
. "$(dirname "$0")/tap-lib.bash"

# py FILE EXPR...: run python with d = the JSON in FILE; exit status of EXPR.
py() {
	local f=$1
	shift
	python3 -c "
import json,sys
d=json.load(open(sys.argv[1], encoding='utf-8'))
sys.exit(0 if ($*) else 1)" "$f" 2>/dev/null
}
lines() { wc -l < "$1"; }
have_script=0
script -qec true /dev/null >/dev/null 2>&1 && have_script=1
# on_tty OUTFILE CMD...: run CMD on a pseudo-terminal (stdout and stderr).
on_tty() {
	local out=$1
	shift
	script -qec "$(printf '%q ' "$@")" /dev/null | tr -d '\r' > "$out"
}

new_image img 512M || exit 1
IMG="$T/img"

# creat --json: the seed it picked, and verify agrees with it.
run "$FAMFS" creat --json -r -s 3m --device "$IMG" seeded
[ "$RC" = 0 ] && [ "$(lines "$OUT")" = 1 ] &&
	py "$OUT" "d['files'][0]['path']=='seeded' and d['files'][0]['size']==3<<20 and d['files'][0]['created'] and d['files'][0]['filled'] and d['files'][0]['seed']>0 and d['exit']==0"
check $? "creat --json -r: one line with path, size, created, filled, seed"
seed=$(python3 -c "import json; print(json.load(open('$OUT'))['files'][0]['seed'])" 2>/dev/null)
expect_rc 0 "verify accepts the seed from the JSON ($seed)" \
	"$FAMFS" verify -S "${seed:-0}" -f seeded --device "$IMG"
run "$FAMFS" creat -j -M m1,1m,77 -M m2,2m --device "$IMG"
[ "$RC" = 0 ] && py "$OUT" "[(f['path'],f['size'],f['filled'],f.get('seed')) for f in d['files']]==[('m1',1<<20,True,77),('m2',2<<20,False,None)]"
check $? "creat -j -M: one object per file, seed only when filled"
run "$FAMFS" creat -j -s 3m --device "$IMG" seeded
[ "$RC" = 0 ] && py "$OUT" "d['files'][0]['created'] is False"
check $? "creat -j of an existing same-size file: created false"

# cp --json: the summary, also for a partly failed run.
mkdir -p "$T/src/sub"
head -c 5000 /dev/urandom > "$T/src/a"
head -c 7000 /dev/urandom > "$T/src/sub/b"
run "$FAMFS" cp -j -r -v --device "$IMG" "$T/src" tree
[ "$RC" = 0 ] && [ "$(lines "$OUT")" = 1 ] &&
	py "$OUT" "(d['files'],d['reused'],d['directories'],d['bytes'],d['skipped'],d['errors'],d['stopped'])==(2,0,2,12000,0,0,False)"
check $? "cp -j -r: files, directories, bytes (stdout holds only the JSON, even with -v)"
"$FAMFS" mkdir --device "$IMG" flat >/dev/null
run "$FAMFS" cp -j --device "$IMG" /proc/self/mem "$T/src/a" flat
[ "$RC" = 2 ] && py "$OUT" "d['errors']==1 and d['files']==1 and d['bytes']==5000"
check $? "cp -j with one failing source: errors 1, exit 2"

# mount --json on an image (dry run: validates, mounts nothing).
run "$FAMFS" mount --dry-run --json "$IMG" "$T/mnt"
[ "$RC" = 0 ] && py "$OUT" "d['device']=='$IMG' and d['dry_run'] is True and d['mounted'] is False and 'replay' not in d"
check $? "mount --dry-run --json: device, dry_run, no replay counts"

# The other commands take --json (they need a mount to say more).
for c in check logplay; do
	"$FAMFS" $c --help 2>&1 | grep -q -- '--json'
	check $? "$c --help lists --json"
done
"$FAMFS" logplay --follow --help 2>&1 | grep -q -- '--json'
check $? "logplay --follow --help lists --json"
expect_rc 2 "check --json outside a mount still fails cleanly" "$FAMFS" check --json "$T"
[ ! -s "$OUT" ]
check $? "... with nothing on stdout"

# Names from the media may hold any byte: still valid JSON. A byte outside
# UTF-8 reads as U+0080..U+00FF of its value (as the old \u00XX escapes).
weird=$(printf 'w\xff\x01"\\\t\xc3\xa9')
expect_rc 0 "creat a file whose name holds 0xff, 0x01, quote, backslash, tab, é" \
	"$FAMFS" creat -s 4k --device "$IMG" "$weird"
run "$FAMFS" fsck -v --json "$IMG"
[ "$RC" = 0 ] && py "$OUT" "any(e.get('path')=='w\u00ff\u0001\"\\\\\t\u00e9' and e['size']==4096 for e in d['entries'])"
check $? "fsck -v --json: the name decodes to w U+00FF U+0001 \" \\ TAB é"
run "$FAMFS" getmap --json --device "$IMG" "$weird" seeded
[ "$RC" = 0 ] && py "$OUT" "[x['path'] for x in d]==['w\u00ff\u0001\"\\\\\t\u00e9','seeded'] and d[1]['size']==3<<20 and d[1]['ext_type']=='simple' and d[1]['extents'][0]['len']>=3<<20"
check $? "getmap --json: array, the weird name, extents"
run "$FAMFS" creat -j -s 4k --device "$IMG" "$(printf 'x\xfe')"
[ "$RC" = 0 ] && py "$OUT" "d['files'][0]['path']=='x\u00fe'"
check $? "creat -j echoes a non-UTF-8 name as valid JSON"

# fsck --json content as before: the fields the tests and users rely on.
run "$FAMFS" fsck --json "$IMG"
[ "$RC" = 0 ] && [ "$(lines "$OUT")" = 1 ] &&
	py "$OUT" "d['clean'] is True and d['superblock']=='ok' and d['log']['header_ok'] and d['log']['valid_entries']==d['files']+d['directories'] and d['files']==8 and d['directories']==3 and d['errors']==0 and d['problems']==[] and 'entries' not in d"
check $? "fsck --json: same fields and counts, one line when piped"

# Pretty on a terminal, compact otherwise; never a progress line with --json.
if [ "$have_script" = 1 ]; then
	on_tty "$T/tty.json" "$FAMFS" fsck --json "$IMG"
	[ "$(lines "$T/tty.json")" -gt 5 ] && py "$T/tty.json" "d['clean'] is True"
	check $? "fsck --json on a terminal: pretty-printed, same document"
	on_tty "$T/tty2.json" "$FAMFS" creat --json -r -s 80m --device "$IMG" big
	! grep -q 'filling' "$T/tty2.json" && py "$T/tty2.json" "d['files'][0]['size']==80<<20"
	check $? "creat --json -r of 80 MiB on a terminal: JSON only, no progress line"
else
	skip "pretty-printed on a terminal" "script(1) not available"
	skip "no progress with --json" "script(1) not available"
fi

done_testing
