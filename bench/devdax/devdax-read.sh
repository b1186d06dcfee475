#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Raw devdax vs famfs on the same device in fsdev mode.
#
# Boots one guest (nvdimm namespace in devdax mode, map=mem, 4 GiB) and
# reads 1 GiB through a raw mmap of /dev/daxX.Y (device_dax driver) and
# through a famfs file with the device bound to fsdev_dax, by mmap (and
# read(2) for famfs), in alternating rounds. Prints best/median GB/s over
# all passes, the famfs/raw ratios and fs_dax fault counts of one traced
# famfs mmap pass (raw device_dax has no fs_dax tracepoints). Goal: famfs
# mmap >= 0.97x raw (median of the rounds' paired ratios) and zero PTE faults. Under TCG the absolute numbers are
# low; the ratio matters. See bench/README.md.
#
# Env: FAMFS_BENCH_KERNEL (bench|test|path, default bench: the test kernel
#      without lockdep, kmemleak and might_sleep checks; Debian's stock
#      kernel has no fsdev_dax), ROUNDS (16), PASSES (3 per side per round),
#      READ_PASSES (1: read(2) is slow under TCG and not in the goal).
# Exit: 0 measured (goals are reported, not enforced), 2 on errors.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
kernel=${FAMFS_BENCH_KERNEL:-bench}
case $kernel in
stock)
	echo "devdax-read: the stock kernel has no fsdev_dax driver: use bench or test" >&2
	exit 2
	;;
bench) note="famfs test kernel without its checkers (lockdep, kmemleak, might_sleep); stock has no fsdev_dax" ;;
test) note="famfs test kernel (lockdep, kmemleak): its checkers tax fs-dax faults more than device_dax ones" ;;
*) note="kernel from FAMFS_BENCH_KERNEL" ;;
esac

exec python3 "$top/bench/lib/run_guest.py" --name bench-devdax \
	--title "devdax-read: raw device_dax mmap vs famfs on fsdev_dax, same device, 1 GiB" \
	--kernel "$kernel" --kernel-note "$note" --backend nvdimm --mode devdax \
	--script "$top/bench/devdax/guest-devdax-read.sh" \
	--subject famfs-fsdev --baseline raw-devdax \
	--rounds "${ROUNDS:-16}" --read-passes "${READ_PASSES:-1}"
