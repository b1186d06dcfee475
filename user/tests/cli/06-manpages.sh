#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The man pages document every subcommand, every long option of every
# --help text, and every exit code; they format without warnings.
. "$(dirname "$0")/tap-lib.bash"

MAN=$(cd "$(dirname "$0")/../../man" && pwd)
CMDS="mount fsck check logplay mkdir creat cp getmap verify flush chkread clone mkmeta cat rm rmdir host"

# Long options named in a --help text.
long_opts() {
	grep -oE -- '--[a-z][a-z-]+' | sort -u
}

for page in famfs.8 mkfs.famfs.8; do
	if command -v groff >/dev/null; then
		groff -man -Tutf8 -ww -z "$MAN/$page" >"$OUT" 2>"$ERR"
		[ ! -s "$ERR" ]
		check $? "$page formats without groff warnings"
	else
		skip "$page formats without groff warnings" "groff not installed"
	fi
	for code in 0 1 2 3 4; do
		grep -q "^\.B $code\$" "$MAN/$page"
		check $? "$page documents exit status $code"
	done
done

for c in $CMDS; do
	grep -q "^\.SS famfs $c\b" "$MAN/famfs.8"
	check $? "famfs.8 has a section for 'famfs $c'"
	missing=""
	for o in $("$FAMFS" $c --help | long_opts); do
		[ "$o" = "--help" ] && continue
		sed 's/\\//g' "$MAN/famfs.8" | grep -qF -- "$o" || missing="$missing $o"
	done
	[ -z "$missing" ]
	check $? "famfs.8 documents every option of 'famfs $c'${missing:+ (missing:$missing)}"
done
missing=""
for o in $("$MKFS" --help | long_opts); do
	[ "$o" = "--help" ] && continue
	sed 's/\\//g' "$MAN/mkfs.famfs.8" | grep -qF -- "$o" || missing="$missing $o"
done
[ -z "$missing" ]
check $? "mkfs.famfs.8 documents every option${missing:+ (missing:$missing)}"

done_testing
