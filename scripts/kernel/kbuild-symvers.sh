#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Symbol versions (CONFIG_MODVERSIONS) in a kbuild tree that make was
# killed in. Kbuild writes a compiled object's .o.cmd first and appends the
# CRCs of the symbols the object exports (#SYMVER lines) after it. A kill
# between the two leaves an object that make takes as up to date; modpost
# then warns "version generation failed" for its exports and "has no CRC"
# for every module that imports them, and the packages are not what a clean
# build gives.
#
# Usage: kbuild-symvers.sh heal TREE
#          remove every compiled object that exports symbols but whose
#          .o.cmd has no #SYMVER line, with that .o.cmd, so that make
#          compiles it again; prints each object removed
#        kbuild-symvers.sh check-log LOG [OFFSET]
#          fail, naming the symbols, if LOG from byte OFFSET on (default 0)
#          has modpost's "version generation failed" or "has no CRC"
set -euo pipefail

die() {
	echo "kbuild-symvers: error: $*" >&2
	exit 1
}

# Compiled objects (fixdep wrote a source_ line) with no #SYMVER line whose
# symbol table has __export_symbol_*: nm confirms what grep narrows down.
heal() {
	local tree=$1 cmd obj
	local -a cands=()
	[[ -d $tree ]] || die "no kbuild tree at $tree"
	while IFS= read -r -d '' cmd; do
		obj=${cmd%/*}/${cmd##*/.}
		obj=${obj%.cmd}
		[[ -f $obj ]] && cands+=("$obj")
	done < <(find "$tree" -name '.*.o.cmd' -type f -print0 |
		xargs -0 -r grep -L -Z -F '#SYMVER' |
		xargs -0 -r grep -l -Z '^source_' || true)
	((${#cands[@]})) || return 0
	while IFS= read -r -d '' obj; do
		# grep reads all of nm's output: with pipefail, an early exit fails nm.
		nm "$obj" 2>/dev/null | grep -F ' __export_symbol_' >/dev/null || continue
		rm -f "$obj" "${obj%/*}/.${obj##*/}.cmd"
		echo "${obj#"$tree"/}"
	done < <(printf '%s\0' "${cands[@]}" | xargs -0 -r grep -l -Z -F '__export_symbol_' || true)
}

check_log() {
	local log=$1 offset=${2:-0} bad
	[[ -r $log ]] || die "cannot read $log"
	[[ $offset =~ ^[0-9]+$ ]] || die "offset '$offset' is not a number"
	bad=$(tail -c +$((offset + 1)) "$log" |
		grep -E 'version generation failed|has no CRC' || true)
	[[ -z $bad ]] && return 0
	{
		echo "kbuild-symvers: modpost found $(wc -l <<<"$bad") unversioned symbols, e.g.:"
		head -n 5 <<<"$bad" | sed 's/^/  /'
		echo "kbuild-symvers: an interrupted compile left objects without their #SYMVER lines"
	} >&2
	return 1
}

case ${1:-} in
heal)
	(($# == 2)) || die "usage: $0 heal TREE"
	heal "$2"
	;;
check-log)
	(($# == 2 || $# == 3)) || die "usage: $0 check-log LOG [OFFSET]"
	check_log "$2" "${3:-0}"
	;;
*) die "usage: $0 heal TREE | check-log LOG [OFFSET]" ;;
esac
