#!/usr/bin/env bash
# Build the initramfs of a famfs test guest (gzip cpio), cached by contents.
#
# Usage: mkinitramfs.sh KERNEL_ARTIFACT_DIR [SRC:DEST ...]
#   KERNEL_ARTIFACT_DIR  output of build-kernel.sh or build-stock.sh: holds
#                        "release", modules/lib/modules/<release>/ and, for a
#                        stock kernel, "boot-modules" (loaded by /init)
#   SRC:DEST             extra files copied to DEST in the guest (ELF
#                        binaries bring their shared libraries along)
# Prints the path of the cpio.gz (in ${FAMFS_CACHE:-/var/cache/famfs}) last.
#
# Contents: busybox (all applets), ndctl/daxctl/cxl, sqlite3, the famfs
# binaries from user/build/ (in /opt/famfs/bin), the in-guest tests built by
# tools/testing/selftests/filesystems/famfs (in /opt/famfs-tests), the kernel
# modules, the control agent and /init.
set -euo pipefail
# Parsed whole before it runs: editing this file cannot derail a running build.
{

top=$(cd "$(dirname "$0")/../../.." && pwd)
vm=$top/tools/testing/vm
cache=${FAMFS_CACHE:-/var/cache/famfs}

die() {
	echo "mkinitramfs: error: $*" >&2
	exit 1
}
log() { echo "mkinitramfs: $*" >&2; }

(($# >= 1)) || die "usage: mkinitramfs.sh KERNEL_ARTIFACT_DIR [SRC:DEST ...]"
kdir=$1
shift
[[ -f $kdir/release ]] || die "$kdir is not a kernel artifact directory (no release file)"
release=$(cat "$kdir/release")
mkdir -p "$cache"

stage=$(mktemp -d "${TMPDIR:-/tmp}/famfs-initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT
# The stage becomes the guest's /: mktemp makes it 0700, which would stop
# every unprivileged path walk in the guest before it reaches famfs.
chmod 0755 "$stage"

mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,etc/famfs,proc,sys,dev,run,tmp,mnt,root}
mkdir -p "$stage"/opt/famfs/bin "$stage"/opt/famfs-tests "$stage"/lib/modules

# Copy an ELF's shared libraries (and the loader) to the same paths.
add_libs() {
	local lib
	[[ $(head -c 4 "$1" | od -An -c | tr -d ' ') == 177ELF ]] || return 0
	while read -r lib; do
		[[ -e $stage$lib ]] && continue
		mkdir -p "$stage$(dirname "$lib")"
		cp -L "$lib" "$stage$lib"
	done < <(ldd "$1" 2>/dev/null | grep -oE '/[^ ]+\.so[^ ]*' | sort -u)
}

# add SRC DEST: a file (or directory tree) and, for ELF files, its libraries.
add() {
	local src=$1 dest=$2 f
	[[ -e $src ]] || die "missing input $src"
	mkdir -p "$stage$(dirname "$dest")"
	cp -a -L "$src" "$stage$dest"
	if [[ -d $src ]]; then
		while IFS= read -r -d '' f; do
			add_libs "$f"
		done < <(find "$src" -type f -perm -u+x -print0)
	elif [[ -x $src ]]; then
		add_libs "$src"
	fi
}

# busybox and every applet it has.
bb=$(command -v busybox) || die "busybox not found (apt-get install busybox-static)"
ldd "$bb" >/dev/null 2>&1 && die "$bb is not static (install busybox-static)"
cp "$bb" "$stage/bin/busybox"
while read -r applet; do
	[[ -e $stage/$applet ]] || ln -s /bin/busybox "$stage/$applet"
done < <("$bb" --list-full)

# util-linux mount beside busybox's: it runs /sbin/mount.famfs for
# "mount -t famfs" and fstab lines as on a real host (12-fstab-online.sh).
add "$(command -v mount)" /opt/util-linux/mount

for tool in ndctl daxctl cxl sqlite3; do
	path=$(command -v "$tool") || die "$tool not found (apt-get install ndctl daxctl sqlite3)"
	add "$path" "/usr/bin/$tool"
done

# famfs user space.
if [[ -d $top/user/build ]]; then
	while IFS= read -r -d '' f; do
		if [[ -L $f && $(readlink "$f") != */* ]]; then
			ln -s "$(readlink "$f")" "$stage/opt/famfs/bin/$(basename "$f")"
		else
			add "$f" "/opt/famfs/bin/$(basename "$f")"
		fi
	done < <(find "$top/user/build" -maxdepth 1 \( -type f -perm -u+x -o -type l \) -print0)
	# mount(8) runs /sbin/mount.famfs for "mount -t famfs".
	[[ -e $stage/opt/famfs/bin/mount.famfs ]] &&
		ln -sf /opt/famfs/bin/mount.famfs "$stage/sbin/mount.famfs"
else
	log "warning: $top/user/build missing: no famfs binaries in the guest"
fi

# In-guest tests (kselftests and scripts) from their own Makefile.
selftests=$top/tools/testing/selftests/filesystems/famfs
if [[ -f $selftests/Makefile ]]; then
	# A persistent OUT (one per checkout) keeps the test build incremental.
	out=$cache/selftests-$(echo "$top" | sha256sum | cut -c1-12)
	mkdir -p "$out"
	# A broken test build must not take the harness down with it: the
	# guest then lacks the tests and the test list reports them failed.
	exec 8>"$out.lock"
	flock 8
	if make -s -C "$selftests" OUT="$out" >"$out.log" 2>&1; then
		add "$out/." /opt/famfs-tests
	else
		sed 's/^/mkinitramfs: /' "$out.log" >&2
		log "WARNING: building $selftests failed: guest has no /opt/famfs-tests"
	fi
	flock -u 8
fi

# Kernel modules and the list /init loads at boot (stock kernels).
if [[ -d $kdir/modules/lib/modules/$release ]]; then
	cp -a "$kdir/modules/lib/modules/$release" "$stage/lib/modules/"
	rm -f "$stage/lib/modules/$release/build" "$stage/lib/modules/$release/source"
fi
[[ -f $kdir/boot-modules ]] && cp "$kdir/boot-modules" "$stage/etc/famfs/boot-modules"

# The control agent, static, built from source (cached by its hash).
agent_src=$vm/agent.c
agent_bin=$cache/famfs-agent-$(sha256sum <"$agent_src" | cut -c1-16)
if [[ ! -x $agent_bin ]]; then
	${CC:-cc} -std=gnu11 -O2 -Wall -Wextra -Werror -static -o "$agent_bin.tmp.$$" "$agent_src" ||
		die "building the agent failed"
	mv "$agent_bin.tmp.$$" "$agent_bin"
fi
cp "$agent_bin" "$stage/sbin/famfs-agent"

install -m 0755 "$vm/init.sh" "$stage/init"
echo 'root:x:0:0:root:/root:/bin/sh' >"$stage/etc/passwd"
echo 'root:x:0:' >"$stage/etc/group"
echo "$release" >"$stage/etc/famfs/kernel-release"

for extra in "$@"; do
	[[ $extra == *:/* ]] || die "extra file '$extra' is not SRC:/ABSOLUTE/DEST"
	add "${extra%%:/*}" "/${extra#*:/}"
done

# The kernel opens /dev/console before /init runs.
if ((EUID == 0)); then
	mknod -m 600 "$stage/dev/console" c 5 1
	mknod -m 666 "$stage/dev/null" c 1 3
else
	log "warning: not root: no /dev/console node in the initramfs"
fi

# Key: every path, its type, mode, link target and contents.
key=$(cd "$stage" && {
	find . -printf '%y %p %m %l\n' | LC_ALL=C sort
	find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
} | sha256sum | cut -c1-16)

out=$cache/initramfs-$key.cpio.gz
if [[ ! -f $out ]]; then
	(cd "$stage" && find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc --owner=0:0 --quiet) | gzip -1 >"$out.tmp.$$"
	mv "$out.tmp.$$" "$out"
	# Keep the 20 newest images.
	# shellcheck disable=SC2012
	ls -1t "$cache"/initramfs-*.cpio.gz | tail -n +21 | xargs -r rm -f
else
	touch "$out"
fi
echo "$out"
exit
}
