#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# A kernel for real hardware: Debian's linux-source-6.12 with Debian's own
# configuration (the one linux-image-6.12-amd64 was built with), the dax
# patch series and fs/famfs, CONFIG_FAMFS=m and CONFIG_DEV_DAX_FSDEV=m,
# packaged with `make bindeb-pkg` as linux-image/linux-headers .debs whose
# release carries LOCALVERSION (default -famfs).
#
# Usage: kernel-deb.sh [--check] [--dir DIR]
#   --check    prepare and configure only: the series applies, and
#              olddefconfig on Debian's configuration keeps every option
#              famfs needs (fast; what CI runs)
#   --dir DIR  work directory (default $FAMFS_CACHE/kernel-deb); the .debs
#              land in DIR
# Environment: FAMFS_DEBIAN_CONFIG (default: the newest
#   /boot/config-6.12*-amd64, from linux-image-6.12-amd64),
#   FAMFS_LINUX_TARBALL, FAMFS_JOBS (default: all CPUs), LOCALVERSION.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=scripts/kernel/famfs-kbuild.sh
source "$top/scripts/kernel/famfs-kbuild.sh"
tarball=${FAMFS_LINUX_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
localversion=${LOCALVERSION:--famfs}
jobs=${FAMFS_JOBS:-$(nproc)}
check=0
dir=${FAMFS_CACHE:-/var/cache/famfs}/kernel-deb

die() {
	echo "kernel-deb: error: $*" >&2
	exit 1
}
log() { echo "kernel-deb: $*" >&2; }

while (($#)); do
	case $1 in
	--check) check=1 ;;
	--dir)
		[[ -n ${2:-} ]] || die "--dir needs a directory"
		dir=$2
		shift
		;;
	-h | --help)
		sed -n '3,17p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
	shift
done

[[ -r $tarball ]] || die "kernel source $tarball not found (apt-get install linux-source-6.12)"
config=${FAMFS_DEBIAN_CONFIG:-}
if [[ -z $config ]]; then
	config=$(find /boot -maxdepth 1 -name 'config-6.12*-amd64' | sort -V | tail -n 1)
	[[ -n $config ]] || die "no /boot/config-6.12*-amd64 (apt-get install linux-image-6.12-amd64, or set FAMFS_DEBIAN_CONFIG)"
fi
[[ -r $config ]] || die "cannot read $config"

# Options famfs needs, as olddefconfig must leave them.
required=(CONFIG_FAMFS=m CONFIG_DEV_DAX_FSDEV=m CONFIG_FS_DAX=y CONFIG_FS_DAX_PMD=y
	CONFIG_DEV_DAX=m CONFIG_ZONE_DEVICE=y CONFIG_MEMORY_FAILURE=y
	CONFIG_DEV_DAX_CXL=m CONFIG_BLK_DEV_PMEM=m)

src=$dir/src
rm -rf "$src"
mkdir -p "$src"
log "extracting $tarball"
tar -xJf "$tarball" -C "$src" --strip-components=1

for p in "$top"/drivers/dax/patches/*.patch; do
	out=$(patch -d "$src" -p1 -N --dry-run <"$p" 2>&1) ||
		die "${p##*/} does not apply: $out"
	patch -d "$src" -p1 -N -s --no-backup-if-mismatch <"$p"
done
log "applied $(find "$top/drivers/dax/patches" -name '*.patch' | wc -l) dax patches"

mkdir -p "$src/fs/famfs"
(cd "$top" && find fs/famfs -maxdepth 1 -type f \( -name '*.[ch]' -o -name Kconfig \
	-o -name Makefile \) ! -name '*.mod.c' -exec cp {} "$src/fs/famfs/" \;)
cp "$top/VERSION" "$src/fs/famfs/VERSION"
cp "$top/include/uapi/linux/famfs_ioctl.h" "$src/include/uapi/linux/"
cp "$top/Documentation/filesystems/famfs.rst" "$src/Documentation/filesystems/"
famfs_kbuild_hook "$src" || die "could not hook fs/famfs into fs/Kconfig"

cp "$config" "$src/.config"
cfg() { "$src/scripts/config" --file "$src/.config" "$@"; }
cfg --module FAMFS --module DEV_DAX_FSDEV
cfg --set-str LOCALVERSION "$localversion" --disable LOCALVERSION_AUTO
# Debian signs its modules with keys that are not in the source package, and
# its debug info doubles the build: a local build signs with its own
# throw-away key and carries no debug info.
cfg --set-str SYSTEM_TRUSTED_KEYS "" --set-str SYSTEM_REVOCATION_KEYS "" \
	--set-str MODULE_SIG_KEY "certs/signing_key.pem" \
	--disable DEBUG_INFO --disable DEBUG_INFO_DWARF5 \
	--disable DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT --disable DEBUG_INFO_BTF \
	--enable DEBUG_INFO_NONE
make -s -C "$src" olddefconfig >/dev/null || die "olddefconfig failed"

bad=()
for want in "${required[@]}"; do
	sym=${want%%=*}
	got=$(grep -E "^$sym=" "$src/.config" | cut -d= -f2- || true)
	[[ "$sym=${got:-n}" == "$want" ]] || bad+=("$sym (wanted ${want#*=}, got ${got:-n})")
done
if ((${#bad[@]})); then
	printf 'kernel-deb: olddefconfig dropped or changed: %s\n' "${bad[@]}" >&2
	exit 1
fi
release=$(make -s -C "$src" kernelrelease)
log "configured $release from ${config##*/}: ${required[*]}"
((check)) && exit 0

version=$(tr -d '[:space:]' <"$top/VERSION")
log "building with -j$jobs (hours on a small machine; log: $dir/build.log)"
start=$(date +%s)
if ! make -C "$src" -j"$jobs" KDEB_PKGVERSION="$(make -s -C "$src" kernelversion)-famfs$version" \
	bindeb-pkg >"$dir/build.log" 2>&1; then
	grep -E 'error:|Error [0-9]' "$dir/build.log" | head -n 40 >&2 || true
	die "build failed (log: $dir/build.log)"
fi
log "built in $(($(date +%s) - start)) s:"
ls -1 "$dir"/*.deb
