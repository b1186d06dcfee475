#!/usr/bin/env bash
# Install the Debian packages famfs needs to build and test. Idempotent:
# only missing packages are fetched, so a second run costs a dpkg query.
set -euo pipefail

pkgs=(
	build-essential pkg-config uuid-dev libyaml-dev zlib1g-dev
	libclang-rt-14-dev clang sqlite3 python3 e2fsprogs
	linux-source-6.12 linux-headers-6.12-amd64 linux-image-6.12-amd64
	bc flex bison libelf-dev libssl-dev dwarves cpio kmod xz-utils rsync patch util-linux
	qemu-system-x86 busybox-static ndctl daxctl fio sparse
	# -m32 builds: the compat-ioctl kselftest and the UAPI layout test
	gcc-multilib
	# Documentation/filesystems/famfs.rst with the kernel's kerneldoc extension
	python3-sphinx
	# arm64 cross-build of lib/flush.c, run under qemu-aarch64
	# (user/tests/cli/12-flush-arch.sh). Debian 12's gcc-aarch64-linux-gnu
	# conflicts with gcc-multilib, so clang (above) cross-compiles, with
	# the arm64 C library, libgcc and binutils.
	libc6-dev-arm64-cross libgcc-12-dev-arm64-cross binutils-aarch64-linux-gnu
	qemu-user
	debhelper dh-dkms dkms lintian devscripts dpkg-dev fakeroot systemd man-db groff-base
	# famfs --json output (json-c, as ndctl)
	libjson-c-dev
	# make bench: the scale curves' plots (bench/scale/)
	gnuplot-nox
)

missing=()
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[[ $st == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
	exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=""
((EUID == 0)) || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
