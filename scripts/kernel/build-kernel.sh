#!/usr/bin/env bash
# Build (or reuse from the cache) the famfs test kernel.
#
# The kernel is Debian's linux-source-6.12 tarball, configured as tinyconfig
# plus scripts/kernel/famfs-test.config (plus kasan.config when KASAN=1, or
# bench.config, the debug options off, when BENCH=1), with
# fs/famfs built in-tree as a module and the drivers/dax patch series applied.
#
# Artifacts land in ${FAMFS_CACHE:-/var/cache/famfs}/kernel-<key>/ where <key>
# hashes every input; the artifact directory is the last line printed.
# One persistent build tree is kept per (tarball, KASAN, BENCH): a change in fs/famfs,
# drivers/dax, the config fragments or the dax patch series only costs an
# incremental build (a changed series is reversed and reapplied in place;
# kbuild tracks configuration changes per option).
#
# Usage: build-kernel.sh [--tree]
# Environment: KASAN=1 or BENCH=1, FAMFS_CACHE, FAMFS_JOBS (default 2),
#              FAMFS_LINUX_TARBALL (default /usr/src/linux-source-6.12.tar.xz)
set -euo pipefail
# Parsed whole before it runs: editing this file cannot derail a running build.
{

top=$(cd "$(dirname "$0")/../.." && pwd)
script=$top/scripts/kernel/build-kernel.sh
# shellcheck source=scripts/kernel/famfs-kbuild.sh
source "$top/scripts/kernel/famfs-kbuild.sh"
cache=${FAMFS_CACHE:-/var/cache/famfs}
tarball=${FAMFS_LINUX_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
jobs=${FAMFS_JOBS:-2}
# Bump when the way a tree is prepared changes, so old trees are not reused.
tree_format=3

# bool_flag NAME: 1 or 0 from the environment variable NAME (default 0).
bool_flag() {
	case ${!1:-0} in
	1 | y | yes) echo 1 ;;
	'' | 0 | n | no) echo 0 ;;
	*)
		echo "build-kernel: $1 must be 0 or 1, got '${!1}'" >&2
		return 2
		;;
	esac
}
kasan=$(bool_flag KASAN) || exit 2
bench=$(bool_flag BENCH) || exit 2
if ((kasan && bench)); then
	echo "build-kernel: KASAN=1 and BENCH=1 exclude each other" >&2
	exit 2
fi

log() { echo "build-kernel: $*" >&2; }
die() {
	echo "build-kernel: error: $*" >&2
	exit 1
}

[[ -r $tarball ]] || die "kernel source $tarball not found (apt-get install linux-source-6.12)"
mkdir -p "$cache"

fragments=("$top/scripts/kernel/famfs-test.config")
((kasan)) && fragments+=("$top/scripts/kernel/kasan.config")
((bench)) && fragments+=("$top/scripts/kernel/bench.config")

# Identity of the tarball: the Debian package version when it is the packaged
# file, plus size and mtime so a replaced file is never mistaken for the old.
tarball_id() {
	local ver=""
	if [[ $tarball == /usr/src/linux-source-6.12.tar.xz ]]; then
		ver=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || true)
	fi
	if [[ -n $ver ]]; then
		echo "deb:$ver:$(stat -c '%s:%Y' "$tarball")"
	else
		echo "sha256:$(sha256sum <"$tarball" | cut -d' ' -f1)"
	fi
}

# Source files of fs/famfs that go into the tree (build products of an
# out-of-tree `make module` in the repository are left out).
famfs_files() {
	# Only a complete module (Kconfig and Makefile) goes into the tree.
	[[ -f $top/fs/famfs/Kconfig && -f $top/fs/famfs/Makefile ]] || return 0
	(cd "$top" && find fs/famfs -type f \( -name '*.[ch]' -o -name Kconfig \
		-o -name Makefile -o -name Kbuild \) ! -name '*.mod.c' | LC_ALL=C sort)
}
dax_patches() {
	[[ -d $top/drivers/dax/patches ]] || return 0
	(cd "$top" && find drivers/dax/patches -maxdepth 1 -type f -name '*.patch' |
		LC_ALL=C sort)
}

# Hash a list of relative paths under $root: names and contents.
hash_paths() {
	local f
	for f in "$@"; do
		printf '%s ' "$f"
		sha256sum <"${root:-$top}/$f" | cut -d' ' -f1
	done
}

mapfile -t famfs_list < <(famfs_files)
mapfile -t patch_list < <(dax_patches)

tree_key=$({
	echo "format $tree_format"
	echo "tarball $(tarball_id)"
	echo "kasan $kasan"
	# Only when set: test and KASAN keys (and their caches) stay as they were.
	if ((bench)); then echo "bench $bench"; fi
} | sha256sum | cut -c1-16)

# --tree: print the build tree's source directory (a KDIR for out-of-tree
# test modules once a build has run) and stop.
if [[ ${1:-} == --tree ]]; then
	echo "$cache/tree-$tree_key/src"
	exit 0
fi

# Artifact key over the sources as found under $1 and the patches in $2 (the
# repository, or the build tree after syncing: what is actually built).
artifact_key() {
	local p f
	{
		echo "tree $tree_key"
		printf 'script '
		cat "$script" "$top/scripts/kernel/famfs-kbuild.sh" | sha256sum | cut -d' ' -f1
		for f in "${fragments[@]}"; do
			printf 'fragment %s ' "${f##*/}"
			sha256sum <"$f" | cut -d' ' -f1
		done
		root=$top hash_paths VERSION
		root=$1 hash_paths include/uapi/linux/famfs_ioctl.h "${famfs_list[@]}"
		for p in "${patch_list[@]}"; do
			printf 'patch %s ' "${p##*/}"
			sha256sum <"$2/${p##*/}" | cut -d' ' -f1
		done
	} | sha256sum | cut -c1-16
}
key=$(artifact_key "$top" "$top/drivers/dax/patches")

artifact=$cache/kernel-$key
if [[ -f $artifact/.complete ]]; then
	touch "$artifact/.complete"
	echo "$artifact"
	exit 0
fi

treedir=$cache/tree-$tree_key
exec 9>"$treedir.lock"
if ! flock -n 9; then
	log "another build holds $treedir: waiting"
	flock 9
fi
# Another build may have produced the same artifact while we waited.
if [[ -f $artifact/.complete ]]; then
	echo "$artifact"
	exit 0
fi

src=$treedir/src
buildlog=$treedir/build.log

prepare_tree() {
	local tmp=$treedir.tmp
	log "extracting $tarball into $src"
	rm -rf "$tmp"
	mkdir -p "$tmp/applied"
	tar -xJf "$tarball" -C "$tmp"
	mv "$tmp"/linux-source-* "$tmp/src" || die "unexpected tarball layout"
	: >"$tmp/src/.famfs-tree-ready"
	rm -rf "$treedir"
	mv "$tmp" "$treedir"
}

[[ -f $src/.famfs-tree-ready ]] || prepare_tree
touch "$treedir"

# Copy a file only when its contents differ, so unchanged inputs keep their
# mtimes and kbuild rebuilds nothing; a changed file gets a fresh mtime.
sync_file() {
	cmp -s "$1" "$2" && return 0
	mkdir -p "$(dirname "$2")"
	cp "$1" "$2.famfs-tmp" && mv "$2.famfs-tmp" "$2"
}

# fs/famfs into the tree, and hooked into fs/Kconfig and fs/Makefile.
sync_famfs() {
	local f want
	if ((${#famfs_list[@]})); then
		for f in "${famfs_list[@]}"; do
			sync_file "$top/$f" "$src/$f"
		done
		# Drop files that no longer exist in the repository.
		while IFS= read -r f; do
			want=0
			for g in "${famfs_list[@]}"; do [[ $g == "$f" ]] && want=1 && break; done
			((want)) || rm -f "$src/$f"
		done < <(cd "$src" && find fs/famfs -type f \( -name '*.[ch]' \
			-o -name Kconfig -o -name Makefile -o -name Kbuild \) ! -name '*.mod.c')
		famfs_kbuild_hook "$src" ||
			die "could not hook fs/famfs/Kconfig into fs/Kconfig"
	else
		famfs_kbuild_unhook "$src"
		rm -rf "$src/fs/famfs"
	fi
	sync_file "$top/include/uapi/linux/famfs_ioctl.h" \
		"$src/include/uapi/linux/famfs_ioctl.h"
	# MODULE_VERSION: the release, next to the module's Makefile.
	((${#famfs_list[@]} == 0)) || sync_file "$top/VERSION" "$src/fs/famfs/VERSION"
}

# Trees made before the series became self-contained had drivers/dax/*.[ch]
# copied over them, the originals kept in dax-overlay/: put them back.
drop_dax_overlay() {
	local b name
	[[ -d $treedir/dax-overlay ]] || return 0
	for b in "$treedir"/dax-overlay/*; do
		[[ -e $b ]] || continue
		name=${b##*/}
		if [[ $name == *.absent ]]; then
			rm -f "$src/drivers/dax/${name%.absent}"
		else
			sync_file "$b" "$src/drivers/dax/$name"
		fi
		rm -f "$b"
	done
	rmdir "$treedir/dax-overlay"
}

# Bring the applied patch series (copies in $treedir/applied/) in line with
# drivers/dax/patches: reverse from the first difference on, apply the rest.
sync_patches() {
	local applied=() first=0 i p name out ver
	mapfile -t applied < <(find "$treedir/applied" -maxdepth 1 -type f -printf '%f\n' |
		LC_ALL=C sort)
	while ((first < ${#applied[@]} && first < ${#patch_list[@]})); do
		name=${patch_list[first]##*/}
		[[ ${applied[first]} == "$name" ]] &&
			cmp -s "$treedir/applied/$name" "$top/${patch_list[first]}" || break
		first=$((first + 1))
	done
	((first == ${#applied[@]} && first == ${#patch_list[@]})) && return 0

	for ((i = ${#applied[@]} - 1; i >= first; i--)); do
		p=$treedir/applied/${applied[i]}
		if ! out=$(patch -d "$src" -p1 -R --dry-run <"$p" 2>&1) ||
			! patch -d "$src" -p1 -R -s --no-backup-if-mismatch <"$p"; then
			rm -f "$src/.famfs-tree-ready"
			die "cannot reverse ${applied[i]} in $src (re-extracted next time): $out"
		fi
		rm -f "$p"
		log "reversed ${applied[i]}"
	done
	ver=$(make -s -C "$src" kernelversion 2>/dev/null || echo "?")
	for ((i = first; i < ${#patch_list[@]}; i++)); do
		p=${patch_list[i]}
		if ! out=$(patch -d "$src" -p1 -N --dry-run <"$top/$p" 2>&1); then
			die "patch $p does not apply to linux-source $ver: $out"
		fi
		if ! patch -d "$src" -p1 -N -s --no-backup-if-mismatch <"$top/$p"; then
			rm -f "$src/.famfs-tree-ready"
			die "patch $p failed after a clean dry run (re-extracted next time)"
		fi
		cp "$top/$p" "$treedir/applied/${p##*/}"
		log "applied $p"
	done
}

# tinyconfig + fragments, into .config only when the result differs.
make_config() {
	local gen=.config.famfs-gen
	(
		cd "$src"
		rm -f "$gen" "$gen.old"
		make -s KCONFIG_CONFIG="$gen" tinyconfig >/dev/null
		cat "${fragments[@]}" >>"$gen"
		make -s KCONFIG_CONFIG="$gen" olddefconfig >/dev/null 2>"$gen.log" || {
			cat "$gen.log" >&2
			exit 1
		}
		if ! cmp -s "$gen" .config; then
			mv "$gen" .config
			log "configuration changed"
		fi
		rm -f "$gen" "$gen.old" "$gen.log"
	) || die "kernel configuration failed"
}

# Every requested option must survive olddefconfig with the requested value
# (a later fragment overrides an earlier one, as it does for kconfig).
verify_config() {
	local line sym val got bad=()
	local -A want=()
	local -a order=()
	while IFS= read -r line; do
		if [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]]; then
			sym=${BASH_REMATCH[1]} val=${BASH_REMATCH[2]}
		elif [[ $line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set$ ]]; then
			sym=${BASH_REMATCH[1]} val=n
		else
			continue
		fi
		[[ -v want[$sym] ]] || order+=("$sym")
		want[$sym]=$val
	done < <(cat "${fragments[@]}")
	for sym in "${order[@]}"; do
		val=${want[$sym]}
		# Options our own sources add exist only once those sources do.
		[[ $sym == CONFIG_FAMFS && ! -f $src/fs/famfs/Kconfig ]] && continue
		[[ $sym == CONFIG_DEV_DAX_FSDEV ]] && ((${#patch_list[@]} == 0)) && continue
		got=$(grep -E "^$sym=" "$src/.config" | cut -d= -f2- || true)
		[[ -z $got ]] && got=n
		[[ $got == "$val" ]] || bad+=("$sym (wanted $val, got $got)")
	done
	if ((${#bad[@]})); then
		printf 'build-kernel: dropped or changed by olddefconfig: %s\n' "${bad[@]}" >&2
		die "${#bad[@]} requested option(s) not set (unmet dependencies?)"
	fi
}

drop_dax_overlay
sync_patches
sync_famfs
# The repository may have changed since the key was computed: key what the
# tree now holds, so an artifact always matches its sources.
key=$(artifact_key "$src" "$treedir/applied")
artifact=$cache/kernel-$key
if [[ -f $artifact/.complete ]]; then
	echo "$artifact"
	exit 0
fi
make_config
verify_config
[[ -f $src/fs/famfs/Kconfig ]] || log "warning: fs/famfs not present: kernel built without famfs"

log "building in $src with -j$jobs (log: $buildlog)"
start=$(date +%s)
if ! make -C "$src" -j"$jobs" bzImage modules >"$buildlog" 2>&1; then
	# The next build reuses build.log: keep this one.
	cp "$buildlog" "$treedir/build-failed.log"
	grep -E 'error:|Error [0-9]' "$buildlog" | head -n 40 >&2 || true
	die "kernel build failed (full log: $treedir/build-failed.log)"
fi
log "built in $(($(date +%s) - start)) s"

stage=$artifact.tmp.$$
rm -rf "$stage"
mkdir -p "$stage"
make -C "$src" -s INSTALL_MOD_PATH="$stage/modules" INSTALL_MOD_STRIP=1 \
	modules_install >>"$buildlog" 2>&1 || die "modules_install failed (log: $buildlog)"
cp "$src/arch/x86/boot/bzImage" "$stage/bzImage"
cp "$src/System.map" "$stage/System.map"
cp "$src/.config" "$stage/config"
make -C "$src" -s kernelrelease >"$stage/release"
{
	echo "key $key"
	echo "tree $tree_key $src"
	echo "kasan $kasan"
	echo "bench $bench"
	echo "tarball $(tarball_id)"
	printf 'patch %s\n' "${patch_list[@]}"
} >"$stage/inputs"
: >"$stage/.complete"
rm -rf "$artifact"
mv "$stage" "$artifact"

# Keep the cache bounded: the 6 newest artifacts and the 3 newest trees
# (never one that a build holds).
prune() {
	local pattern=$1 keep=$2 d
	# shellcheck disable=SC2012
	ls -1dt "$cache"/$pattern 2>/dev/null | tail -n +$((keep + 1)) | while read -r d; do
		[[ $d == "$artifact" || $d == "$treedir" ]] && continue
		if [[ -e $d.lock ]] && ! flock -n "$d.lock" true; then
			continue
		fi
		rm -rf "$d" "$d.lock"
	done
}
prune 'kernel-????????????????' 6
prune 'tree-????????????????' 3

echo "$artifact"
exit
}
