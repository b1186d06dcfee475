#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the Debian packages (famfs-tools, libfamfs1, libfamfs-dev,
# famfs-dkms) from the working tree as it is, in a scratch copy: the tree
# and its parent directory stay clean.
#
#   scripts/build-debs.sh [OUTDIR]     (default: build/debs)
#
# DEB_BUILD_OPTIONS is passed on (nocheck skips the user suites that
# debian/rules runs as its test target). Prints the .deb paths.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build/debs}
version=$(cat "$top/VERSION")

for t in dpkg-buildpackage dh dh_dkms; do
	command -v "$t" >/dev/null || {
		echo "build-debs: $t missing (scripts/install-deps.sh installs it)" >&2
		exit 1
	}
done

work=$(mktemp -d "${TMPDIR:-/tmp}/famfs-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
src=$work/famfs-$version
mkdir -p "$src" "$out"

# Tracked and new files, not ignored ones (no build products, no logs).
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$top" && git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do
			[[ -e $f || -L $f ]] && printf '%s\0' "$f"
		done | tar --null -T - -cf -) | tar -C "$src" -xf -
else
	tar -C "$top" --exclude=./build --exclude=./user/build \
		--exclude=./user/build-san --exclude=./test-logs -cf - . |
		tar -C "$src" -xf -
fi

log=$work/dpkg-buildpackage.log
if ! (cd "$src" && dpkg-buildpackage -us -uc -b -j2) >"$log" 2>&1; then
	tail -n 60 "$log" >&2
	echo "build-debs: dpkg-buildpackage failed" >&2
	exit 1
fi
cp "$log" "$out/"
for f in "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo; do
	[[ -e $f ]] || continue
	cp "$f" "$out/"
	[[ $f == *.deb ]] && echo "$out/$(basename "$f")"
done
exit 0
