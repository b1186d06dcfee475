#!/usr/bin/env bash
# The drivers/dax patch series is self-contained: applied with `git am` to a
# pristine linux-source-6.12 it adds everything, fsdev.c included. The
# readable driver source stays drivers/dax/fsdev.c; this script keeps the
# one patch that adds it in step with that file.
#
# Usage: dax-series.sh --check     the series applies with git am, and its
#                                  fsdev.c is byte-identical to drivers/dax/fsdev.c
#        dax-series.sh --update    rewrite the patch that adds fsdev.c from
#                                  drivers/dax/fsdev.c (nothing else changes)
#        dax-series.sh --tree DIR  leave a git tree of drivers/dax,
#                                  include/linux/dax.h, the filesystems doc
#                                  index and MAINTAINERS with the series applied
#                                  in DIR (for writing a new patch)
# Environment: FAMFS_LINUX_TARBALL (default /usr/src/linux-source-6.12.tar.xz)
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
tarball=${FAMFS_LINUX_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
patchdir=$top/drivers/dax/patches
driver=drivers/dax/fsdev.c

die() {
	echo "dax-series: $*" >&2
	exit 1
}

mode=${1:-}
case $mode in
--check | --update) ;;
--tree) [[ -n ${2:-} ]] || die "--tree needs a directory" ;;
*) die "usage: dax-series.sh --check | --update | --tree DIR" ;;
esac
[[ -r $tarball ]] || die "kernel source $tarball not found (apt-get install linux-source-6.12)"

mapfile -t patches < <(find "$patchdir" -maxdepth 1 -name '*.patch' | LC_ALL=C sort)
((${#patches[@]})) || die "no patches in $patchdir"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [[ $mode == --tree ]]; then
	trap - EXIT
	rm -rf "$work"
	work=$2
	mkdir -p "$work"
fi

# Only the files the series may touch: the dax drivers and their header,
# and the documentation index and MAINTAINERS (famfs's entries).
tar -xJf "$tarball" -C "$work" --strip-components=1 --wildcards \
	'*/drivers/dax/*' '*/include/linux/dax.h' \
	'*/Documentation/filesystems/index.rst' '*/MAINTAINERS'

git_q() { git -C "$work" -c user.name=famfs -c user.email=famfs@famfs.invalid "$@"; }
git_q init -q
git_q add -A
git_q commit -q -m pristine
base=$(git_q rev-parse HEAD)

adds_driver() { grep -q "^+++ b/$driver\$" "$1"; }

for p in "${patches[@]}"; do
	git_q am -q --keep-cr "$p" || die "${p##*/} does not apply with git am"
	if [[ $mode == --update ]] && adds_driver "$p"; then
		cp "$top/$driver" "$work/$driver"
		git_q add "$driver"
		git_q commit -q --amend --no-edit
	fi
done

case $mode in
--tree)
	echo "dax-series: series applied in $work (git log shows one commit per patch)"
	;;
--check)
	n=$(grep -l "^+++ b/$driver\$" "${patches[@]}" | wc -l)
	((n == 1)) || die "$driver must be added by exactly one patch (found $n)"
	cmp -s "$work/$driver" "$top/$driver" ||
		die "the series' $driver differs from the repository's: run scripts/kernel/dax-series.sh --update"
	echo "dax-series: ${#patches[@]} patches apply with git am; $driver matches"
	;;
--update)
	out=$work/out
	git_q format-patch -q -N --zero-commit --no-signature -o "$out" "$base..HEAD"
	mapfile -t made < <(find "$out" -name '*.patch' | LC_ALL=C sort)
	((${#made[@]} == ${#patches[@]})) || die "format-patch made ${#made[@]} patches"
	for i in "${!made[@]}"; do
		# Keep the series' file names; only contents are regenerated.
		if ! cmp -s "${made[i]}" "${patches[i]}"; then
			cp "${made[i]}" "${patches[i]}"
			echo "dax-series: rewrote ${patches[i]#"$top"/}"
		fi
	done
	;;
esac
