#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# famfs vs ext4 -o dax read benchmark on one emulated pmem namespace.
#
# Boots one guest (nvdimm in fsdax mode, 4 GiB) and reads the same 1 GiB
# through a famfs file and through an ext4 -o dax file on the same
# /dev/pmem0, by mmap and read(2), in alternating rounds (reformat and
# refill per side per round). Prints best/median GB/s over all passes, the
# famfs/ext4 ratios, and fs_dax fault counts of one traced mmap pass per
# side. Goal: famfs mmap >= 0.97x ext4-dax and zero PTE faults. Under TCG
# the absolute numbers are low; the ratios matter. See bench/README.md.
#
# Env: FAMFS_BENCH_KERNEL (stock|test|path, default stock: Debian's kernel
#      plus the out-of-tree famfs module, what users run), ROUNDS (3),
#      PASSES (3 per side per round), FAMFS_PAD_MB (0; diagnostic: a famfs
#      pad file of that size first, to move the famfs file up the device).
# Exit: 0 measured (goals are reported, not enforced), 2 on errors.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
kernel=${FAMFS_BENCH_KERNEL:-stock}
case $kernel in
stock) note="Debian stock kernel + out-of-tree famfs.ko" ;;
test) note="famfs test kernel (lockdep, kmemleak)" ;;
*) note="kernel from FAMFS_BENCH_KERNEL" ;;
esac

mke2fs=$(command -v mke2fs || echo /sbin/mke2fs)
[[ -x $mke2fs ]] || {
	echo "pmem-read: mke2fs not found (apt-get install e2fsprogs)" >&2
	exit 2
}
extra=(--extra "$mke2fs:/sbin/mkfs.ext4")
[[ -x /usr/sbin/filefrag ]] && extra+=(--extra /usr/sbin/filefrag:/usr/sbin/filefrag)
[[ -f /etc/mke2fs.conf ]] && extra+=(--extra /etc/mke2fs.conf:/etc/mke2fs.conf)

pad=${FAMFS_PAD_MB:-0}
[[ $pad =~ ^[0-9]+$ ]] || {
	echo "pmem-read: FAMFS_PAD_MB must be a number of MiB" >&2
	exit 2
}
extra+=(--guest-env "FAMFS_PAD_MB=$pad")

exec python3 "$top/bench/lib/run_guest.py" --name bench-pmem \
	--title "pmem-read: famfs vs ext4 -o dax, one pmem namespace, 1 GiB" \
	--kernel "$kernel" --kernel-note "$note" --backend nvdimm --mode fsdax \
	--script "$top/bench/kernel/guest-pmem-read.sh" \
	--subject famfs --baseline ext4-dax "${extra[@]}"
