#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Scale curve 1: replay and mount time against log length.

Logs of $SIZES MiB (default 8 64 256) filled to $FILLS percent (default
10 50 100) with groups of directories and 2 MiB files (1 entry in $EVERY
is a file, default 100), in one pmem guest of the bench kernel (the test
kernel without lockdep, kmemleak and might_sleep; FAMFS_BENCH_KERNEL=test
or a path to change it). Times
famfs mount (kernel mount + replay), famfs logplay with nothing new,
famfs fsck and fsck -v, and as the peer the same namespace made on tmpfs
with mkdir/open/ftruncate. Prints a table, writes
bench/scale/results/log-length.{csv,md,png}.

Goals (issue 15): a full 8 MiB log (15,420 entries) mounts in under 2 s,
and the mount time per entry stays within 1.5x from 8 to 256 MiB.
Exit 0 when measured (goals are reported), 2 on an error.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scale_lib as sl  # noqa: E402

PROG = "log-length"
COLS = ["entries", "log_mib", "fill", "dirs", "files", "mount", "logplay",
        "fsck", "fsckv", "tmpfs", "mount_us", "tmpfs_us", "ratio",
        "logplay_us", "m_calls", "l_calls"]
HEADS = ["entries", "log MiB", "fill %", "dirs", "files", "mount s",
         "logplay s", "fsck s", "fsck -v s", "tmpfs s", "mount us/entry",
         "tmpfs us/entry", "mount/tmpfs", "logplay us/entry",
         "mount calls/entry", "logplay calls/entry"]
# Replay statistics of famfs mount (m_) and logplay (l_), CSV only.
STATS = ["m_lookup_calls", "m_apply_calls", "m_mount_s", "m_scan_s",
         "m_plan_s", "m_apply_s", "m_record_s", "l_lookup_calls",
         "l_apply_calls", "l_scan_s", "l_plan_s", "l_apply_s"]


def main():
    sizes = os.environ.get("SIZES", "8 64 256").split()
    fills = os.environ.get("FILLS", "10 50 100").split()
    every = int(os.environ.get("EVERY", "100"))
    # Room for the files of the largest log at the largest fill.
    top = max(int(s) for s in sizes) << 20
    files = int((top - 48) / 544 * max(float(f) for f in fills) / 100 / every) + 1
    mem_gib = max(4, -(-(files * 2 + max(int(s) for s in sizes) + 64) // 1024) + 1)
    kernel = os.environ.get("FAMFS_BENCH_KERNEL", "bench")
    # Half a million famfs (and tmpfs peer) inodes and dentries: in 3 GiB
    # both sides slowed per entry at 256 MiB; 6 GiB fits them.
    guest_mb = int(os.environ.get("GUEST_MB", "6144"))
    info = {}
    rows = sl.run_in_guest(PROG, "guest-log-length.sh",
                           {"SIZES": " ".join(sizes), "FILLS": " ".join(fills),
                            "EVERY": every}, [], "%dG" % mem_gib,
                           guest_mb,
                           timeout=int(os.environ.get("TIMEOUT", "1500")),
                           kernel=kernel, info=info)
    if not rows:
        return 2
    for r in rows:
        n = int(r["entries"])
        r["mount_us"] = "%.1f" % (float(r["mount"]) / n * 1e6)
        r["tmpfs_us"] = "%.1f" % (float(r["tmpfs"]) / n * 1e6)
        r["logplay_us"] = "%.1f" % (float(r["logplay"]) / n * 1e6)
        r["ratio"] = "%.2f" % (float(r["mount"]) / max(float(r["tmpfs"]), 1e-9))
        r["m_calls"] = "%.3f" % ((int(r.get("m_lookup_calls", 0)) +
                                  int(r.get("m_apply_calls", 0))) / n)
        r["l_calls"] = "%.3f" % ((int(r.get("l_lookup_calls", 0)) +
                                  int(r.get("l_apply_calls", 0))) / n)
        for k in ("mount", "logplay", "umount", "fsck", "fsckv", "tmpfs"):
            r[k] = "%.3f" % float(r[k])
    rows.sort(key=lambda r: (int(r["entries"]), int(r["log_mib"])))
    csv = sl.write_csv(PROG, rows, COLS + STATS)
    text = sl.table(rows, COLS, HEADS)
    head = "kernel: %s" % info.get("kernel", kernel)
    print(head)
    print(text)
    png = sl.plot(PROG, csv, "famfs mount (replay) vs log length, pmem guest",
                  "log entries", "seconds",
                  [(6, "famfs mount"), (7, "famfs logplay (nothing new)"),
                   (8, "famfs fsck"), (9, "famfs fsck -v"),
                   (10, "tmpfs: same namespace")])
    full = [r for r in rows if float(r["fill"]) == 100]
    notes = []
    small = [r for r in full if int(r["log_mib"]) == 8]
    if small:
        s = float(small[0]["mount"])
        notes.append("goal full 8 MiB log mounts in < 2 s: %.2f s -> %s"
                     % (s, "met" if s < 2 else "MISSED"))
    if len(full) > 1:
        per = [float(r["mount_us"]) for r in full]
        spread = max(per) / min(per)
        notes.append("goal mount time per entry flat within 1.5x (full logs "
                     "%s MiB): %.2fx -> %s"
                     % ("/".join(r["log_mib"] for r in full), spread,
                        "met" if spread <= 1.5 else "MISSED"))
    for n in notes:
        print(n)
    with open(os.path.join(sl.RESULTS, PROG + ".md"), "w") as f:
        f.write("Command: `bash bench/scale/log-length.sh` (SIZES=%r FILLS=%r "
                "EVERY=%d GUEST_MB=%d)\n\n%s\n\n%s\n\n%s\n"
                % (" ".join(sizes), " ".join(fills), every, guest_mb, head,
                   text,
                   "\n".join("- " + n for n in notes)))
    if png:
        print("plot: %s" % os.path.relpath(png, sl.TOP))
    return 0


if __name__ == "__main__":
    sys.exit(main())
