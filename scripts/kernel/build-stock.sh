#!/usr/bin/env bash
# Prepare (or reuse from the cache) the stock-kernel guest: Debian's
# linux-image-6.12-amd64 plus our fs/famfs built out of tree against its
# headers, and the closure of stock modules the guest needs.
#
# Artifacts in ${FAMFS_CACHE:-/var/cache/famfs}/stock-<key>/ (same layout as
# build-kernel.sh: bzImage, release, modules/lib/modules/<rel>/, plus
# boot-modules, the modules /init loads); the directory is the last line.
#
# Environment: FAMFS_CACHE, FAMFS_STOCK_RELEASE (default: newest
#              /boot/vmlinuz-6.12.*-amd64)
set -euo pipefail
# Parsed whole before it runs: editing this file cannot derail a running build.
{

top=$(cd "$(dirname "$0")/../.." && pwd)
script=$top/scripts/kernel/build-stock.sh
cache=${FAMFS_CACHE:-/var/cache/famfs}

# What the guest loads at boot: nvdimm bus + ACPI NFIT, pmem, device-dax,
# ext4 (DAX baseline) and hwpoison injection when the kernel has them.
boot_modules=(nfit nd_pmem dax_pmem device_dax ext4)
optional_modules=(hwpoison_inject)

log() { echo "build-stock: $*" >&2; }
die() {
	echo "build-stock: error: $*" >&2
	exit 1
}

release=${FAMFS_STOCK_RELEASE:-}
if [[ -z $release ]]; then
	vmlinuz=$(ls -1 /boot/vmlinuz-6.12.*-amd64 2>/dev/null | sort -V | tail -n 1 || true)
	[[ -n $vmlinuz ]] || die "no /boot/vmlinuz-6.12.*-amd64 (apt-get install linux-image-6.12-amd64)"
	release=${vmlinuz#/boot/vmlinuz-}
fi
vmlinuz=/boot/vmlinuz-$release
moddir=/lib/modules/$release
kdir=/usr/src/linux-headers-$release
[[ -r $vmlinuz ]] || die "$vmlinuz not found"
[[ -d $moddir ]] || die "$moddir not found"
[[ -d $kdir ]] || die "$kdir not found (apt-get install linux-headers-6.12-amd64)"
mkdir -p "$cache"

famfs_list=()
if [[ -f $top/fs/famfs/Kconfig && -f $top/fs/famfs/Makefile ]]; then
	mapfile -t famfs_list < <(cd "$top" && find fs/famfs -type f \( -name '*.[ch]' \
		-o -name Kconfig -o -name Makefile -o -name Kbuild \) ! -name '*.mod.c' |
		LC_ALL=C sort)
fi

key=$({
	echo "release $release"
	stat -c 'vmlinuz %s %Y' "$vmlinuz"
	stat -c 'headers %Y' "$kdir/Makefile"
	sha256sum <"$script"
	for f in include/uapi/linux/famfs_ioctl.h "${famfs_list[@]}"; do
		printf '%s ' "$f"
		sha256sum <"$top/$f"
	done
} | sha256sum | cut -c1-16)

artifact=$cache/stock-$key
if [[ -f $artifact/.complete ]]; then
	touch "$artifact/.complete"
	echo "$artifact"
	exit 0
fi

exec 9>"$cache/stock-build.lock"
flock 9
if [[ -f $artifact/.complete ]]; then
	echo "$artifact"
	exit 0
fi

stage=$artifact.tmp.$$
rm -rf "$stage"
mods=$stage/modules/lib/modules/$release
mkdir -p "$mods"

# Out-of-tree famfs.ko in a copy of fs/famfs (the repository stays clean).
if ((${#famfs_list[@]})); then
	bdir=$cache/stock-build-$release/famfs
	mkdir -p "$bdir"
	for f in "${famfs_list[@]}"; do
		rel=${f#fs/famfs/}
		mkdir -p "$bdir/$(dirname "$rel")"
		cmp -s "$top/$f" "$bdir/$rel" || cp "$top/$f" "$bdir/$rel"
	done
	log "building famfs.ko against $kdir"
	start=$(date +%s)
	if ! make -C "$kdir" M="$bdir" EXTRA_CFLAGS="-I$top/include/uapi" \
		CONFIG_FAMFS=m modules >"$bdir.log" 2>&1; then
		tail -n 40 "$bdir.log" >&2
		rm -rf "$stage"
		die "out-of-tree famfs build failed (log: $bdir.log)"
	fi
	log "famfs.ko built in $(($(date +%s) - start)) s"
	mkdir -p "$mods/extra"
	cp "$bdir/famfs.ko" "$mods/extra/famfs.ko"
	strip --strip-debug "$mods/extra/famfs.ko"
else
	log "warning: fs/famfs not complete (no Kconfig/Makefile): no famfs.ko"
fi

# Closure of the stock modules, decompressed (busybox modprobe reads plain .ko).
# -C /dev/null: ignore modprobe.d "install" rules (ndctl adds one for libnvdimm).
want=("${boot_modules[@]}")
for m in "${optional_modules[@]}"; do
	modprobe -C /dev/null -S "$release" -n "$m" >/dev/null 2>&1 && want+=("$m")
done
loaded=()
for m in "${want[@]}"; do
	out=$(modprobe -S "$release" -C /dev/null --show-depends "$m" 2>&1) ||
		die "stock kernel $release has no module $m: $out"
	grep -q '^insmod ' <<<"$out" && loaded+=("$m")
	while read -r _ path _; do
		relpath=${path#"$moddir"/}
		dest=$mods/${relpath%.xz}
		[[ -e $dest ]] && continue
		mkdir -p "$(dirname "$dest")"
		case $path in
		*.ko.xz) xz -dc "$path" >"$dest" ;;
		*.ko.zst) zstd -dcq "$path" >"$dest" ;;
		*.ko.gz) gzip -dc "$path" >"$dest" ;;
		*) cp "$path" "$dest" ;;
		esac
	done < <(grep '^insmod ' <<<"$out")
done
cp "$moddir"/modules.builtin* "$mods/" 2>/dev/null || true
cp "$moddir"/modules.order "$mods/" 2>/dev/null || true
depmod -b "$stage/modules" "$release" || die "depmod failed"

cp "$vmlinuz" "$stage/bzImage"
echo "$release" >"$stage/release"
printf '%s\n' "${loaded[@]}" >"$stage/boot-modules"
cp "/boot/config-$release" "$stage/config" 2>/dev/null || true
: >"$stage/.complete"
rm -rf "$artifact"
mv "$stage" "$artifact"

# Keep the 4 newest stock artifacts.
# shellcheck disable=SC2012
ls -1dt "$cache"/stock-???????????????? 2>/dev/null | tail -n +5 | while read -r d; do
	[[ $d == "$artifact" ]] || rm -rf "$d"
done
echo "$artifact"
exit
}
