#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Scale curve 5: famfs cp bandwidth against threads, next to cp into ext4.

One pmem guest (fsdax namespace, test kernel). Two workloads from the
guest's tmpfs: one file of $BIG_MIB MiB (default 1024) and $NSMALL files
(default 1000) of $SMALL_KIB KiB (default 1024). Each is copied by famfs
cp -r -t T for T in $THREADS (default 1 2 4) onto a freshly formatted
famfs, and by cp -r into a fresh ext4 -o dax on the same /dev/pmem0 (then
sync), $ROUNDS times (default 2), the order reversed every other round
(bench/scale/guest-copy-bandwidth.sh). The shared-memory file is
allocated on the host before boot (sl.run_guest prefill): otherwise the
first side to write a range pays the host's page allocation (a 64 MiB
famfs copy took 5.5 s first and 1.4 s once the pages existed).

Prints MB/s (best of the rounds) and famfs/ext4 ratios, writes
bench/scale/results/copy-bandwidth.{csv,md,png}. The guest's vCPUs all
run on one host thread (famfsvm.py's TCG default), so threads cannot add
CPU here: the curve shows what threading costs or saves in waiting, not
how it scales on hardware. Exit 0 when measured, 2 on an error.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scale_lib as sl  # noqa: E402

PROG = "copy-bandwidth"
COLS = ["threads", "big_mbs", "small_mbs", "ext4_big_mbs", "ext4_small_mbs",
        "big_ratio", "small_ratio", "big_s", "small_s", "ext4_big_s",
        "ext4_small_s", "small_files_s"]
HEADS = ["famfs cp threads", "1 file MB/s", "small files MB/s",
         "ext4-dax cp 1 file MB/s", "ext4-dax cp small files MB/s",
         "1 file famfs/ext4", "small files famfs/ext4", "1 file s",
         "small files s", "ext4-dax 1 file s", "ext4-dax small files s",
         "small files/s"]


def main():
    big = int(os.environ.get("BIG_MIB", "1024")) << 20
    nsmall = int(os.environ.get("NSMALL", "1000"))
    small = int(os.environ.get("SMALL_KIB", "1024")) << 10
    threads = os.environ.get("THREADS", "1 2 4").split()
    rounds = int(os.environ.get("ROUNDS", "2"))
    kernel = os.environ.get("FAMFS_BENCH_KERNEL", "test")
    unit = 2 << 20
    famfs_need = max(big, nsmall * -(-small // unit) * unit) + (64 << 20)
    gib = max(4, -(-(max(famfs_need, big + nsmall * small) + (512 << 20))
                   // (1 << 30)))
    mem_mb = int(os.environ.get("GUEST_MB", 1280 + 16 * gib +
                                (max(big, nsmall * small) >> 20)))
    res = sl.run_guest(PROG, "guest-copy-bandwidth.sh",
                       {"BIG": big, "NSMALL": nsmall, "SMALL": small,
                        "THREADS": " ".join(threads), "ROUNDS": rounds},
                       "%dG" % gib, mem_mb,
                       timeout=int(os.environ.get("TIMEOUT", "3000")),
                       kernel=kernel, mode="fsdax",
                       helpers=("tm", "mktree"), extras=sl.ext4_extras(),
                       prefill=True)
    if not res:
        return 2
    best = {}
    for r in res["rows"]:
        key = (r["work"], r["side"], r["threads"])
        best.setdefault(key, []).append(float(r["secs"]))
    need = [(w, "famfs", t) for w in ("big", "small") for t in threads] + \
        [("big", "ext4", "1"), ("small", "ext4", "1")]
    missing = [k for k in need if len(best.get(k, [])) != rounds]
    if missing:
        sl.say(PROG, "missing results: %s" % missing)
        return 2
    sec = {k: min(v) for k, v in best.items()}
    nbytes = {"big": big, "small": nsmall * small}

    def mbs(w, side, t):
        return nbytes[w] / sec[(w, side, t)] / 1e6

    def speedup(w):
        # From the unrounded rates: a tiny run rounds to "0" MB/s.
        return mbs(w, "famfs", threads[-1]) / mbs(w, "famfs", threads[0])

    rows = []
    for t in threads:
        rows.append({
            "threads": t,
            "big_mbs": "%.0f" % mbs("big", "famfs", t),
            "small_mbs": "%.0f" % mbs("small", "famfs", t),
            "ext4_big_mbs": "%.0f" % mbs("big", "ext4", "1"),
            "ext4_small_mbs": "%.0f" % mbs("small", "ext4", "1"),
            "big_ratio": "%.2f" % (mbs("big", "famfs", t) /
                                   mbs("big", "ext4", "1")),
            "small_ratio": "%.2f" % (mbs("small", "famfs", t) /
                                     mbs("small", "ext4", "1")),
            "big_s": "%.2f" % sec[("big", "famfs", t)],
            "small_s": "%.2f" % sec[("small", "famfs", t)],
            "ext4_big_s": "%.2f" % sec[("big", "ext4", "1")],
            "ext4_small_s": "%.2f" % sec[("small", "ext4", "1")],
            "small_files_s": "%.0f" % (nsmall / sec[("small", "famfs", t)]),
        })
    csv = sl.write_csv(PROG, rows, COLS)
    text = sl.table(rows, COLS, HEADS)
    print(text)
    png = sl.plot(PROG, csv, "famfs cp MB/s vs threads (1 x %d MiB, %d x %d "
                  "KiB), pmem guest" % (big >> 20, nsmall, small >> 10),
                  "famfs cp threads", "MB/s",
                  [(2, "famfs cp, 1 file"), (3, "famfs cp, small files"),
                   (4, "cp into ext4 -o dax, 1 file"),
                   (5, "cp into ext4 -o dax, small files")], logy=False)
    notes = ["famfs cp vs ext4-dax cp, %s: best famfs %.2fx (threads %s)" % (
        what, max(float(r[k]) for r in rows),
        max(rows, key=lambda r: float(r[k]))["threads"])
        for k, what in (("big_ratio", "1 file"),
                        ("small_ratio", "small files"))]
    notes.append("threads 1 -> %s: 1 file x%.2f, small files x%.2f (all "
                 "vCPUs share one host thread under TCG: no added CPU)" % (
                     threads[-1], speedup("big"), speedup("small")))
    notes.append("device %d GiB, guest %d MiB RAM, %d round(s), best round "
                 "per cell; per-round seconds: %s" % (
                     gib, mem_mb, rounds, "; ".join(
                         "%s %s t%s: %s" % (k[0], k[1], k[2], " ".join(
                             "%.2f" % x for x in v))
                         for k, v in sorted(best.items()))))
    for n in notes:
        print(n)
    sl.write_md(PROG, "bash bench/scale/copy-bandwidth.sh (BIG_MIB=%d NSMALL=%d "
                "SMALL_KIB=%d THREADS=%r ROUNDS=%d, kernel %s)" % (
                    big >> 20, nsmall, small >> 10, " ".join(threads), rounds,
                    kernel), res["header"], text, notes)
    if png:
        print("plot: %s" % os.path.relpath(png, sl.TOP))
    return 0


if __name__ == "__main__":
    sys.exit(main())
