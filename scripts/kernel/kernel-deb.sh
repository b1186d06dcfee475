#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# A kernel for real hardware: Debian's linux-source-6.12 with Debian's own
# configuration (the one linux-image-6.12-amd64 was built with), the dax
# patch series and fs/famfs, CONFIG_FAMFS=m and CONFIG_DEV_DAX_FSDEV=m,
# packaged with `make bindeb-pkg` as linux-image/linux-headers .debs whose
# release carries LOCALVERSION (default -famfs).
#
# Usage: kernel-deb.sh [--check] [--fresh] [--dir DIR]
#   --check    prepare and configure only: the series applies, and
#              olddefconfig on Debian's configuration keeps every option
#              famfs needs (fast; what CI runs)
#   --fresh    extract a new tree even if DIR holds one from the same inputs
#   --dir DIR  work directory (default $FAMFS_CACHE/kernel-deb); the .debs
#              land in DIR
# An interrupted build resumes: a tree prepared from the same kernel source,
# series, Debian configuration and LOCALVERSION is kept, fs/famfs is synced
# into it, objects an interruption left without symbol versions are
# compiled again, and make rebuilds only what changed. DIR/build-time.log
# keeps the seconds of every run since the tree was prepared; a killed run
# counts up to its last line in DIR/build.log.
# Environment: FAMFS_DEBIAN_CONFIG (default: the newest
#   /boot/config-6.12*-amd64, from linux-image-6.12-amd64),
#   FAMFS_LINUX_TARBALL, FAMFS_JOBS (default: all CPUs), LOCALVERSION.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=scripts/kernel/famfs-kbuild.sh
source "$top/scripts/kernel/famfs-kbuild.sh"
tarball=${FAMFS_LINUX_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
localversion=${LOCALVERSION:--famfs}
# Set in .config; the kernel's Makefile would append the variable again.
unset LOCALVERSION
jobs=${FAMFS_JOBS:-$(nproc)}
check=0
fresh=0
dir=${FAMFS_CACHE:-/var/cache/famfs}/kernel-deb

die() {
	echo "kernel-deb: error: $*" >&2
	exit 1
}
log() { echo "kernel-deb: $*" >&2; }

while (($#)); do
	case $1 in
	--check) check=1 ;;
	--fresh) fresh=1 ;;
	--dir)
		[[ -n ${2:-} ]] || die "--dir needs a directory"
		dir=$2
		shift
		;;
	-h | --help)
		sed -n '3,24p' "$0" | sed 's/^# \{0,1\}//'
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
stamp=$dir/tree-inputs

# Debian's configuration with famfs's options. Debian signs its modules with
# keys that are not in the source package, and its debug info doubles the
# build: a local build signs with its own throw-away key and has no debug info.
configure_tree() {
	cp "$config" "$src/.config"
	cfg --module FAMFS --module DEV_DAX_FSDEV
	cfg --set-str LOCALVERSION "$localversion" --disable LOCALVERSION_AUTO
	cfg --set-str SYSTEM_TRUSTED_KEYS "" --set-str SYSTEM_REVOCATION_KEYS "" \
		--set-str MODULE_SIG_KEY "certs/signing_key.pem" \
		--disable DEBUG_INFO --disable DEBUG_INFO_DWARF5 \
		--disable DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT --disable DEBUG_INFO_BTF \
		--enable DEBUG_INFO_NONE
	make -s -C "$src" olddefconfig >/dev/null || die "olddefconfig failed"
}
cfg() { "$src/scripts/config" --file "$src/.config" "$@"; }

# Everything the prepared tree is made of, except fs/famfs (synced below).
tree_inputs() {
	local p
	stat -L -c 'source %n %s %Y' "$tarball"
	for p in "$top"/drivers/dax/patches/*.patch; do
		echo "${p##*/} $(sha256sum <"$p" | cut -d' ' -f1)"
	done
	echo "config $(sha256sum <"$config" | cut -d' ' -f1)"
	echo "localversion $localversion"
	echo "steps $(declare -f famfs_kbuild_hook configure_tree | sha256sum | cut -d' ' -f1)"
}

# Copy fs/famfs and its companions into the tree where they differ, so
# that make rebuilds only what changed; drop sources the repository lost.
sync_famfs() {
	local f rel
	mkdir -p "$src/fs/famfs"
	for f in "$src"/fs/famfs/*.[ch]; do
		[[ -e $f && ! $f == *.mod.c ]] || continue
		[[ -e $top/fs/famfs/${f##*/} ]] || rm -f "$f"
	done
	while IFS= read -r rel; do
		cmp -s "$top/$rel" "$src/$rel" || cp "$top/$rel" "$src/$rel"
	done < <(cd "$top" && find fs/famfs -maxdepth 1 -type f \( -name '*.[ch]' \
		-o -name Kconfig -o -name Makefile \) ! -name '*.mod.c' | sort)
	cmp -s "$top/VERSION" "$src/fs/famfs/VERSION" || cp "$top/VERSION" "$src/fs/famfs/VERSION"
	for rel in include/uapi/linux/famfs_ioctl.h Documentation/filesystems/famfs.rst; do
		cmp -s "$top/$rel" "$src/$rel" || cp "$top/$rel" "$src/$rel"
	done
}

# A run that was killed left its "running" line: count it up to the last
# line it wrote to build.log, so that the total stays honest.
close_killed_run() {
	local times=$dir/build-time.log when what jobs_was start last
	[[ -r $times && -r $dir/build.log ]] || return 0
	read -r when what jobs_was < <(tail -n 1 "$times") || return 0
	[[ $what == running ]] || return 0
	start=$(date -u -d "$when" +%s) || return 0
	last=$(stat -c %Y "$dir/build.log")
	sed -i '$d' "$times"
	echo "$when $((last > start ? last - start : 0)) s rc=killed $jobs_was" >>"$times"
	log "the last run was killed after $((last - start)) s of make (counted to its last log line)"
}

if ((!fresh)) && [[ -d $src && -r $stamp ]] && cmp -s "$stamp" <(tree_inputs); then
	log "resuming in $src (same kernel source, series, configuration)"
	close_killed_run
	sync_famfs
	# A kill between compiling an object and recording its symbol CRCs
	# leaves an object make takes as up to date: compile those again.
	healed=$("$top/scripts/kernel/kbuild-symvers.sh" heal "$src") ||
		die "could not check the tree's symbol versions"
	[[ -z $healed ]] || log "recompiling objects an interrupted build left without symbol versions: ${healed//$'\n'/ }"
	resumed=1
else
	resumed=0
	rm -rf "$src" "$stamp" "$dir/build-time.log"
	rm -f "$dir"/*.deb "$dir"/*.buildinfo "$dir"/*.changes
	mkdir -p "$src"
	log "extracting $tarball"
	tar -xJf "$tarball" -C "$src" --strip-components=1

	for p in "$top"/drivers/dax/patches/*.patch; do
		out=$(patch -d "$src" -p1 -N --dry-run <"$p" 2>&1) ||
			die "${p##*/} does not apply: $out"
		patch -d "$src" -p1 -N -s --no-backup-if-mismatch <"$p"
	done
	log "applied $(find "$top/drivers/dax/patches" -name '*.patch' | wc -l) dax patches"
	sync_famfs
	famfs_kbuild_hook "$src" || die "could not hook fs/famfs into fs/Kconfig"

	configure_tree
fi

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
((resumed)) || tree_inputs >"$stamp"
release=$(make -s -C "$src" kernelrelease)
log "configured $release from ${config##*/}: ${required[*]}"
((check)) && exit 0

version=$(tr -d '[:space:]' <"$top/VERSION")
log "building with -j$jobs (hours on a small machine; log: $dir/build.log)"
((resumed)) || : >"$dir/build.log"
echo "=== $(date -u +%FT%TZ) make -j$jobs bindeb-pkg" >>"$dir/build.log"
log_offset=$(stat -c %s "$dir/build.log")
start=$(date +%s)
echo "$(date -u -d "@$start" +%FT%TZ) running jobs=$jobs" >>"$dir/build-time.log"
make -C "$src" -j"$jobs" KDEB_PKGVERSION="$(make -s -C "$src" kernelversion)-famfs$version" \
	bindeb-pkg >>"$dir/build.log" 2>&1 && rc=0 || rc=$?
secs=$(($(date +%s) - start))
sed -i '$d' "$dir/build-time.log"
echo "$(date -u -d "@$start" +%FT%TZ) $secs s rc=$rc jobs=$jobs" >>"$dir/build-time.log"
if ((rc)); then
	grep -E 'error:|Error [0-9]' "$dir/build.log" | tail -n 40 >&2 || true
	die "build failed (log: $dir/build.log)"
fi
if ! "$top/scripts/kernel/kbuild-symvers.sh" check-log "$dir/build.log" "$log_offset"; then
	find "$dir" -maxdepth 1 -name '*.deb' -newermt "@$start" -delete
	die "removed this run's packages: run make kernel-deb again; it recompiles the objects without symbol versions"
fi
total=$(awk '{ s += $2 } END { print s }' "$dir/build-time.log")
runs=$(wc -l <"$dir/build-time.log")
log "built in $secs s ($total s in $runs runs since the tree was prepared):"
find "$dir" -maxdepth 1 -name '*.deb' -newermt "@$start" | sort
