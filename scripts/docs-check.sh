#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build Documentation/filesystems/famfs.rst the way the kernel's htmldocs
# would (Sphinx with the kernel's own kerneldoc extension, which runs
# scripts/kernel-doc on the UAPI header), warnings as errors. Both come from
# Debian's linux-source-6.12 tarball, extracted once into $FAMFS_CACHE.
# Also runs kernel-doc -Wall over the header and the fs/famfs sources.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${FAMFS_CACHE:-/var/cache/famfs}
tarball=${FAMFS_LINUX_TARBALL:-/usr/src/linux-source-6.12.tar.xz}

if ! command -v sphinx-build >/dev/null; then
	echo "docs-check: sphinx-build missing (Debian python3-sphinx)" >&2
	exit 2
fi
kd=$cache/kernel-doc
stamp=$kd/.stamp-$(stat -c '%s-%Y' "$tarball" 2>/dev/null)
if [ ! -f "$stamp" ]; then
	rm -rf "$kd" && mkdir -p "$kd" &&
		tar -xJf "$tarball" -C "$kd" --strip-components=1 --wildcards \
			'*/Documentation/sphinx/*' '*/scripts/kernel-doc' &&
		touch "$stamp" || { echo "docs-check: cannot extract $tarball" >&2; exit 2; }
fi

rc=0
out=$(perl "$kd/scripts/kernel-doc" -none -Wall \
	"$top/include/uapi/linux/famfs_ioctl.h" "$top"/fs/famfs/*.[ch] \
	"$top/drivers/dax/fsdev.c" 2>&1)
if [ -n "$out" ]; then
	echo "$out"
	echo "docs-check: kernel-doc -Wall reported the above" >&2
	rc=1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$top/Documentation/filesystems/famfs.rst" "$work/famfs.rst"
cat >"$work/conf.py" <<'CONF'
import os
import sys
sys.path.insert(0, os.environ['FAMFS_KDOC'] + '/Documentation/sphinx')
extensions = ['kerneldoc']
kerneldoc_bin = os.environ['FAMFS_KDOC'] + '/scripts/kernel-doc'
kerneldoc_srctree = os.environ['FAMFS_SRCTREE']
master_doc = 'famfs'
project = 'famfs'
CONF
if ! FAMFS_KDOC=$kd FAMFS_SRCTREE=$top sphinx-build -W -n -q -b html \
	"$work" "$work/html" 2>&1; then
	echo "docs-check: Sphinx reported the above" >&2
	rc=1
fi
exit $rc
