#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Scale curve 2: the devdax mount path against device size.

One guest per size in $SIZES (GiB, default 4 16 64): a sparse file in
/dev/shm as an NVDIMM, namespace0.0 made devdax with map=mem at boot.
bench/scale/guest-device-size.sh times, $REPS times (default 3): the
device_dax probe (ndctl enable-namespace) and removal, famfs fsdev-mode
(the bind to fsdev_dax) and -d, the raw sysfs unbind/bind of each driver,
mkfs.famfs, famfs mount, stat -f, df and umount; and once, as the peer,
the same namespace as pmem fsdax (the order-0 memmap that any fs-dax file
system needs). Prints the best of the reps for each step (the host is
shared and its load comes in bursts: the quickest rep is the one least
disturbed; every rep is in the .md), writes
bench/scale/results/device-size.{csv,md,png}.

Goal (issue 15): nothing on the mount path grows with device size but the
kernel's memmap init (the probes); mkfs, mount, statfs and df are flat.
Exit 0 when measured (goals are reported), 2 on an error.
"""

import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scale_lib as sl  # noqa: E402

PROG = "device-size"
COLS = ["gib", "ns_on", "bind", "fs_bind", "fsdax_on", "mkfs", "mount",
        "statfs", "df", "umount", "famfs_nop", "unbind", "dd_unbind", "ns_off",
        "boot",
        "memmap_dd", "memmap_fs", "bind_ms_gib"]
HEADS = ["GiB", "devdax probe s", "fsdev-mode s", "fsdev_dax bind s",
         "pmem fsdax probe s", "mkfs s", "mount s", "statfs s", "df s",
         "umount s", "famfs --version s", "fsdev-mode -d s", "device_dax unbind s",
         "devdax remove s", "boot s", "devdax memmap MiB",
         "fsdev memmap MiB", "fsdev bind ms/GiB"]
STEPS = ["famfs_nop", "ns_on", "bind", "fs_bind", "mkfs", "mount", "statfs", "df",
         "umount", "unbind", "dd_unbind", "ns_off", "fs_unbind", "dd_bind"]
FLAT = ["mkfs", "mount", "statfs", "df", "umount"]


def free_mib(path):
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize >> 20


def host_avail_mib():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) >> 10
    return 0


def main():
    sizes = [int(s) for s in os.environ.get("SIZES", "4 16 64").split()]
    reps = int(os.environ.get("REPS", "3"))
    kernel = os.environ.get("FAMFS_BENCH_KERNEL", "test")
    rows, notes, header, failed = [], [], [], []
    for gib in sizes:
        # The memmap of map=mem lives in guest RAM: 64 bytes per 4 KiB page
        # (16 MiB per GiB) for fsdev_dax and fsdax; device_dax's compound
        # 2 MiB pages need less. 1 GiB for the rest of the guest.
        mem_mb = int(os.environ.get("GUEST_MB", 1024 + 24 * gib))
        if host_avail_mib() < mem_mb + 2048:
            failed.append(gib)
            notes.append("%d GiB: not run: the guest needs %d MiB of RAM, the "
                         "host has %d MiB available" % (gib, mem_mb,
                                                        host_avail_mib()))
            continue
        # Sparse: only what the guest writes (info block, famfs log) is
        # allocated, but say so if /dev/shm could not hold even that.
        if free_mib("/dev/shm") < 512:
            failed.append(gib)
            notes.append("%d GiB: not run: /dev/shm has %d MiB free"
                         % (gib, free_mib("/dev/shm")))
            continue
        res = sl.run_guest(PROG, "guest-device-size.sh",
                           {"REPS": reps, "PEER": os.environ.get("PEER", "1")},
                           "%dG" % gib, mem_mb,
                           timeout=int(os.environ.get("TIMEOUT", "1800")),
                           kernel=kernel, mode="devdax")
        if not res:
            failed.append(gib)
            notes.append("%d GiB: FAILED (boot or guest script; see "
                         "test-logs/%s.console.log)" % (gib, PROG))
            continue
        header += ["%d GiB: %s" % (gib, h) for h in res["header"]]
        reprows = [r for r in res["rows"] if r.get("rep") != "peer"]
        peer = [r for r in res["rows"] if r.get("rep") == "peer"]
        row = {"gib": gib, "boot": "%.1f" % res["boot_s"]}
        for k in STEPS:
            row[k] = "%.3f" % min(float(r[k]) for r in reprows)
        for k, a, b in (("memmap_dd", "mf_off", "mf_dd"),
                        ("memmap_fs", "mf_off", "mf_fs")):
            row[k] = "%.0f" % (statistics.median(
                int(r[a]) - int(r[b]) for r in reprows) / 1024)
        row["bind_ms_gib"] = "%.0f" % (float(row["fs_bind"]) / gib * 1000)
        if peer:
            row["fsdax_on"] = "%.3f" % float(peer[0]["fsdax_on"])
        row["raw"] = reprows
        rows.append(row)
    if not rows:
        for n in notes:
            print(n)
        return 2
    csv = sl.write_csv(PROG, rows, COLS)
    text = sl.table(rows, COLS, HEADS)
    print(text)
    png = sl.plot(PROG, csv, "devdax mount path vs device size (best of %d), "
                  "TCG guest" % reps, "device GiB", "seconds",
                  [(2, "device-dax probe (enable-namespace)"),
                   (3, "famfs fsdev-mode (bind)"),
                   (4, "fsdev-dax bind (sysfs)"),
                   (5, "pmem fsdax probe (peer)"),
                   (6, "mkfs.famfs"), (7, "famfs mount"),
                   (8, "stat -f")])
    # Goals.
    if len(rows) > 1:
        lo, hi = rows[0], rows[-1]
        scale = hi["gib"] / lo["gib"]
        for k in FLAT:
            a, b = float(lo[k]), float(hi[k])
            grow = b / a if a > 0 else float("inf")
            notes.append("goal %s flat from %d to %d GiB (x%.0f): %.3f -> "
                         "%.3f s, x%.2f -> %s" % (
                             k, lo["gib"], hi["gib"], scale, a, b, grow,
                             "met" if grow <= 1.5 or b - a < 0.05
                             else "MISSED"))
        for k in ("ns_on", "fs_bind", "fsdax_on"):
            if k in lo and k in hi:
                a, b = float(lo[k]), float(hi[k])
                notes.append("%s grows x%.1f for x%.0f the size (memmap init, "
                             "kernel)" % (k, b / a if a else 0, scale))
    for r in rows:
        if "fsdax_on" in r:
            notes.append("%d GiB: fsdev_dax bind %.2f s vs pmem fsdax probe "
                         "%.2f s (both order-0 memmaps): x%.2f" % (
                             r["gib"], float(r["fs_bind"]),
                             float(r["fsdax_on"]),
                             float(r["fs_bind"]) / max(float(r["fsdax_on"]),
                                                       1e-9)))
    for r in rows:
        notes.append("%d GiB: famfs fsdev-mode %.2f s vs its sysfs steps "
                     "(device_dax unbind %.2f + fsdev_dax bind %.2f s); "
                     "memmap in guest RAM: device_dax %s MiB, fsdev_dax %s "
                     "MiB (%.1f MiB/GiB)" % (
                         r["gib"], float(r["bind"]), float(r["dd_unbind"]),
                         float(r["fs_bind"]), r["memmap_dd"], r["memmap_fs"],
                         float(r["memmap_fs"]) / r["gib"]))
    for n in notes:
        print(n)
    raw = ["%d GiB rep %s: %s" % (r["gib"], x["rep"], " ".join(
        "%s=%s" % (k, x[k]) for k in STEPS)) for r in rows for x in r["raw"]]
    sl.write_md(PROG, "bash bench/scale/device-size.sh (SIZES=%r REPS=%d, "
                "kernel %s)" % (" ".join(str(s) for s in sizes), reps, kernel),
                header, text, notes + ["raw: " + x for x in raw])
    if png:
        print("plot: %s" % os.path.relpath(png, sl.TOP))
    return 2 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
