#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Set the famfs release everywhere it is written down:
#   VERSION, dkms.conf (PACKAGE_VERSION), the man pages' .TH lines and a new
#   debian/changelog entry. Everything else (famfs --version, mkfs.famfs
#   --version, mount.famfs -V, MODULE_VERSION, famfs.pc, the library's file
#   name) is derived from VERSION at build time.
#
#   scripts/set-version.sh 1.1.0 ["changelog line"]
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
new=${1:?usage: set-version.sh MAJOR.MINOR.PATCH [changelog text]}
msg=${2:-Release $new.}
[[ $new =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || {
	echo "set-version: '$new' is not MAJOR.MINOR.PATCH" >&2
	exit 1
}
cd "$top"
echo "$new" >VERSION
sed -i -E "s/^PACKAGE_VERSION=\".*\"/PACKAGE_VERSION=\"$new\"/" dkms.conf
sed -i -E "s/^(\.TH [^ ]+ [0-9]+ \"[^\"]*\") \"famfs[^\"]*\"/\1 \"famfs $new\"/" \
	user/man/*.8
if [[ $(dpkg-parsechangelog -S Version) != "$new" ]]; then
	maint=$(dpkg-parsechangelog -S Maintainer)
	{
		printf 'famfs (%s) unstable; urgency=medium\n\n' "$new"
		printf '  * %s\n\n' "$msg"
		printf ' -- %s  %s\n\n' "$maint" "$(date -R)"
		cat debian/changelog
	} >debian/changelog.new
	mv debian/changelog.new debian/changelog
fi
echo "famfs release $new: VERSION, dkms.conf, user/man/*.8, debian/changelog"
