#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Churn: create and delete files of mixed sizes with two followers (issue 14).

Three TCG guests share one emulated CXL type-3 device of $MEMSIZE (default
1G): A is the master, B and C are clients running `famfs logplay --follow
--json -i $INTERVAL`. Two runs of the same create sequence (sizes drawn
from $SIZES, default 2m..64m, by a fixed pseudo-random sequence):

1. without rm, on a fresh file system: A creates until a create fails; the
   point where it fails (ENOSPC), and what was in use then (famfs fsck
   --json), is what the device holds without deletes;
2. with rm (`mkfs.famfs -f --enable-delete`, B and C mounted and
   following): $CYCLES cycles (default 150) of one create and, once
   $WINDOW files (default 6) are live, one `famfs rm` of the oldest.

Measured in run 2, on the host's clock by the shared-memory watcher of
bench/multihost/mhbench.py (1 ms polls of the log header and of the host
table records): when each entry was committed, and when each host's
release mark (FORMAT-delete.md section 4) passed each DELETE entry, so:

- creates/s and deletes/s on A (each command timed in the guest, mhb);
- the delay from rm (the DELETE entry committed) to release on each host
  (its record's `released` > the entry's index) and to the memory being
  reusable (the last of the three);
- pending memory (deleted, not released by every mounted host) over time
  and its peak, and memory in use (live + pending) over time against the
  no-rm run; both checked at the end against A's famfs fsck --json.

Also states the log-capacity limit (2 entries per cycle). Prints tables,
writes bench/multihost/results/churn.{csv,md,png} and churn-ops.csv.
Exit 0 when measured, 2 on an error (build, boot, a failed command, a
follower that stops, missing results, kernel console problems).
"""

import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import mhbench as mb  # noqa: E402
sys.path.insert(0, os.path.join(mb.TOP, "bench", "scale"))
import scale_lib as sl  # noqa: E402

PROG = "churn"
RESULTS = os.environ.get("FAMFS_MH_RESULTS", os.path.join(HERE, "results"))
MIB = 1 << 20


def size_seq(n, sizes, seed=14):
    """The same n sizes (bytes) every run: a 31-bit LCG picks from sizes."""
    x, out = seed, []
    for _ in range(n):
        x = (1103515245 * x + 12345) & 0x7fffffff
        out.append(sizes[(x >> 16) % len(sizes)])
    return out


def parse_size(s):
    mult = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    return int(s[:-1]) * mult[s[-1].lower()] if s[-1].lower() in mult else int(s)


def fsck_json(host):
    out = host.ok("famfs fsck --json %s" % mb.MPT, timeout=600, quiet=True)
    return json.loads(out[out.index("{"):])


def main():
    cycles = int(os.environ.get("CYCLES", "150"))
    window = int(os.environ.get("WINDOW", "6"))
    sizes_txt = os.environ.get("SIZES", "2m 4m 8m 16m 32m 64m").split()
    sizes = [parse_size(s) for s in sizes_txt]
    interval = int(os.environ.get("INTERVAL", "100"))
    memsize = os.environ.get("MEMSIZE", "1G")
    kernel = os.environ.get("FAMFS_BENCH_KERNEL", "test")
    backend = os.environ.get("FAMFS_MH_BACKEND", "cxl")
    smp = int(os.environ.get("FAMFS_BENCH_SMP", "1"))
    load0 = mb.uptime()
    t_start = time.time()
    rc, res = mb.run_cluster(
        PROG, 3, lambda cl: run(cl, *cl.hosts, cycles, window, sizes,
                                interval),
        kernel=kernel, backend=backend, memsize=memsize, smp=smp)
    if rc:
        return rc
    res["load0"], res["load1"] = load0, mb.uptime()
    res["wall"] = time.time() - t_start
    report(res, dict(cycles=cycles, window=window, sizes=" ".join(sizes_txt),
                     interval=interval, memsize=memsize, backend=backend,
                     kernel=kernel))
    return 0


def run(cl, A, B, C, cycles, window, sizes, interval):
    seq = size_seq(max(cycles, 4096), sizes)
    res = {}
    # -- 1. the create sequence without rm, until a create fails -----------
    cl.mount(A, mkfs_args="")
    fs0 = fsck_json(A)
    cap = int(fs0.get("capacity") or 0) if isinstance(fs0.get("capacity"),
                                                      (int, float)) else 0
    free0 = int(fs0["free"])
    # Enough creates to fill the free space twice over.
    n_fill, tot = 0, 0
    while tot < 2 * free0 + 128 * MIB:
        tot += seq[n_fill]
        n_fill += 1
    rc, ops, out = mb.timed_ops(
        A, [["famfs", "creat", "-s", str(seq[i]), "%s/n%04d" % (mb.MPT, i)]
            for i in range(n_fill)], stop_on_error=True, timeout=3600)
    failed = [o for o in ops if o[3] != 0]
    if not failed:
        raise mb.StepError("no create failed in %d creates: the device did "
                           "not fill\n%s" % (n_fill, out[-1500:]))
    nf = failed[0][0]
    why = [l for l in out.splitlines() if not l.startswith(("OP ", "STOPPED"))]
    fs1 = fsck_json(A)
    res["norm"] = dict(created=nf, bytes=sum(seq[:nf]), fail_size=seq[nf],
                       why=(why[-1] if why else "?"), used=int(fs1["used"]),
                       free=int(fs1["free"]), free0=free0,
                       size=int(fs1["used"]) + int(fs1["free"]),
                       secs=ops[nf - 1][2] - ops[0][1] if nf else 0)
    mb.say(PROG, "without rm: %d creates (%.0f MiB) fit, create %d of %d MiB "
           "failed: %s" % (nf, sum(seq[:nf]) / MIB, nf, seq[nf] >> 20,
                          res["norm"]["why"]))
    res["cap_entries"] = cap

    # -- 2. churn with rm, B and C following -----------------------------
    A.ok("umount %s" % mb.MPT)
    A.ok("famfs fsdev-mode --devdax %s 2>/dev/null || true" % cl.dev,
         quiet=True)
    cl.mount(A, mkfs_args="-f --enable-delete")
    for h in (B, C):
        cl.mount(h)
    watch = mb.ShmWatch(cl.memfile)
    slots = watch.find_slots([h.uuid for h in (A, B, C)])
    if len(slots) != 3:
        raise mb.StepError("host table slots found: %r" % slots)
    rec = mb.Recorder(watch, slots)
    rec.start()
    pids = {}
    try:
        for h in (B, C):
            pids[h.name] = mb.start_follower(h, interval)
        cpu0 = {h.name: mb.proc_cpu(h, pids[h.name]) for h in (B, C)}
        base = watch.next_index()
        cmds, kinds = [], []   # kind: ("c", i, size) or ("d", i, size)
        live = []
        for i in range(cycles):
            cmds.append(["famfs", "creat", "-s", str(seq[i]),
                         "%s/c%05d" % (mb.MPT, i)])
            kinds.append(("c", i, seq[i]))
            live.append(i)
            if len(live) > window:
                j = live.pop(0)
                cmds.append(["famfs", "rm", "%s/c%05d" % (mb.MPT, j)])
                kinds.append(("d", j, seq[j]))
        # A create that fails is tried again (RETRIES times): see
        # "retries" in the report.
        rc, ops, out = mb.timed_ops(A, cmds, stop_on_error=True, timeout=3600,
                                    retries=int(os.environ.get("RETRIES", "3")))
        res["retries"] = [l for l in out.splitlines() if l.startswith("RETRY ")]
        res["retry_why"] = sorted({l.split("error: ", 1)[-1][:160]
                                   for l in out.splitlines()
                                   if l.startswith(("famfs creat:", "famfs rm:"))})
        if rc or len(ops) != len(cmds):
            raise mb.StepError("churn stopped after %d of %d commands "
                               "(exit %d)\n%s" % (len(ops), len(cmds), rc,
                                                  out[-2000:]))
        end_index = watch.next_index()
        if end_index != base + len(cmds):
            raise mb.StepError("log moved by %d entries for %d commands"
                               % (end_index - base, len(cmds)))
        # Wait until every host has released the last delete (60 s).
        last_d = max(base + k for k, kd in enumerate(kinds) if kd[0] == "d")
        t_end = time.time() + 60
        while time.time() < t_end and not all(
                rec.first_time(u, "released", last_d) for u in slots):
            time.sleep(0.2)
        cpu1 = {h.name: mb.proc_cpu(h, pids[h.name]) for h in (B, C)}
        fs2 = fsck_json(A)
    finally:
        for h in (B, C):
            if h.name in pids:
                pids[h.name] = mb.stop_follower(h, pids[h.name])
        rec.stop()
    for h in (B, C):
        ev = pids[h.name]
        stops = [e for e in ev if e.get("event") == "stop"]
        if not stops:
            raise mb.StepError("%s: follower did not stop cleanly" % h.name)
    names = {u: h.name for h in (A, B, C) for u in [h.uuid.lower()]}
    res.update(analyse(rec, kinds, ops, base, names, slots))
    res["fsck_end"] = fs2
    res["follower_cpu"] = {k: cpu1[k] - cpu0[k] for k in cpu0}
    res["churn_secs"] = ops[-1][2] - ops[0][1]
    res["entries_used"] = end_index
    res["log_capacity"] = fs2.get("log", {}).get("capacity") if isinstance(
        fs2.get("log"), dict) else None
    res["seq"] = seq
    return res


def analyse(rec, kinds, ops, base, names, slots):
    """Rates, rm-to-release delays, pending and in-use memory over time."""
    out = {}
    c_secs = [o[2] - o[1] for o, k in zip(ops, kinds) if k[0] == "c"]
    d_secs = [o[2] - o[1] for o, k in zip(ops, kinds) if k[0] == "d"]
    out["creates"], out["deletes"] = len(c_secs), len(d_secs)
    out["create_rate"] = len(c_secs) / sum(c_secs)
    out["delete_rate"] = len(d_secs) / sum(d_secs)
    out["create_med"] = statistics.median(c_secs)
    out["delete_med"] = statistics.median(d_secs)
    delays = {u: [] for u in slots}
    reuse = []
    for k, kd in enumerate(kinds):
        if kd[0] != "d":
            continue
        idx = base + k
        c = rec.commit.get(idx)
        if c is None:
            raise mb.StepError("no commit time for entry %d" % idx)
        worst = 0
        for u in slots:
            t = rec.first_time(u, "released", idx)
            if t is None:
                raise mb.StepError("%s never released entry %d"
                                   % (names[u], idx))
            delays[u].append(t - c)
            worst = max(worst, t - c)
        reuse.append(worst)
    out["delays"] = {names[u]: v for u, v in delays.items()}
    out["reuse"] = reuse
    # Timeline: entries committed (host time) and release marks.
    ev = []
    for k, kd in enumerate(kinds):
        ev.append((rec.commit[base + k], "e", k))
    for u in slots:
        for t, r in rec.seen[u]:
            ev.append((t, "r", (u, r["released"])))
    ev.sort(key=lambda e: (e[0], 0 if e[1] == "e" else 1))
    released = {u: 0 for u in slots}
    live = pend = 0
    deleted = []          # (index, size) of DELETE entries, in order
    peak_pend = peak_use = peak_cnt = 0
    series = []           # (creates so far, in-use MiB, pending MiB)
    ncre = 0

    def pending_now():
        floor = min(released.values())
        items = [(i, s) for i, s in deleted if i >= floor]
        return sum(s for _, s in items), len(items)

    for t, kind, x in ev:
        if kind == "e":
            kd = kinds[x]
            if kd[0] == "c":
                live += kd[2]
                ncre += 1
            else:
                live -= kd[2]
                deleted.append((base + x, kd[2]))
        else:
            released[x[0]] = max(released[x[0]], x[1])
        pend, cnt = pending_now()
        peak_pend = max(peak_pend, pend)
        peak_cnt = max(peak_cnt, cnt)
        peak_use = max(peak_use, live + pend)
        if kind == "e" and kinds[x][0] == "c":
            series.append((ncre, (live + pend) / MIB, pend / MIB))
    out["peak_pending"], out["peak_pending_files"] = peak_pend, peak_cnt
    out["peak_in_use"] = peak_use
    out["series"] = series
    out["end_in_use"] = live + pend
    out["end_live"] = live
    return out


def fmt_stats(v):
    return ("%.3f" % statistics.median(v), "%.3f" % mb.percentile(v, 90),
            "%.3f" % max(v))


def report(res, par):
    os.makedirs(RESULTS, exist_ok=True)
    norm = res["norm"]
    dev = norm["size"]
    seq = res["seq"]
    # Per-create series: churn in-use vs the same creates without rm.
    rows = []
    cum = 0
    for i, (n, use, pend) in enumerate(res["series"]):
        cum += seq[i]
        rows.append(dict(creates=n, churn_in_use="%.0f" % use,
                         churn_pending="%.0f" % pend,
                         norm_used="%.0f" % (cum / MIB) if i < norm["created"]
                         else "",
                         device="%.0f" % (dev / MIB),
                         created_total="%.0f" % (cum / MIB)))
    cols = ["creates", "churn_in_use", "churn_pending", "norm_used", "device",
            "created_total"]
    old = sl.RESULTS
    sl.RESULTS = RESULTS       # write_csv and plot write into sl.RESULTS
    try:
        csv = sl.write_csv(PROG + "-series", rows, cols)
        png = sl.plot(PROG, csv, "famfs churn on a %s CXL device: memory in "
                      "use, with and without rm" % par["memsize"],
                      "files created", "MiB",
                      [(2, "with rm: live + pending release"),
                       (3, "with rm: pending release"),
                       (4, "without rm: used (stops at ENOSPC)"),
                       (5, "device size")], logx=False, logy=False)
    finally:
        sl.RESULTS = old
    summ = []

    def add(what, val):
        summ.append(dict(what=what, value=val))

    add("cycles (1 create + 1 rm once %d files are live)" % par["window"],
        "%d creates, %d rm in %.0f s" % (res["creates"], res["deletes"],
                                          res["churn_secs"]))
    add("creates/s on A (famfs creat, median per command)",
        "%.2f (%.3f s)" % (res["create_rate"], res["create_med"]))
    add("deletes/s on A (famfs rm, median per command)",
        "%.2f (%.3f s)" % (res["delete_rate"], res["delete_med"]))
    for name in sorted(res["delays"]):
        m, p, x = fmt_stats(res["delays"][name])
        add("rm to release on %s: median / p90 / max s" % name,
            "%s / %s / %s" % (m, p, x))
    m, p, x = fmt_stats(res["reuse"])
    add("rm to reusable (every host released): median / p90 / max s",
        "%s / %s / %s" % (m, p, x))
    nre = len(res["retries"])
    add("commands that failed and succeeded when run again",
        "%d of %d%s" % (nre, res["creates"] + res["deletes"],
                        (": " + "; ".join(res["retry_why"])) if nre else ""))
    add("peak pending release", "%.0f MiB (%d files)"
        % (res["peak_pending"] / MIB, res["peak_pending_files"]))
    add("peak in use (live + pending)", "%.0f MiB of %.0f MiB (%.0f%%)"
        % (res["peak_in_use"] / MIB, dev / MIB, 100.0 * res["peak_in_use"] / dev))
    tot = sum(seq[:res["creates"]])
    add("created in total with rm", "%.0f MiB (%.1fx the device)"
        % (tot / MIB, tot / dev))
    fe = res["fsck_end"]
    dl = fe.get("delete", {}) if isinstance(fe.get("delete"), dict) else {}
    add("at the end, famfs fsck on A (used includes the 10 MiB of "
        "superblock and log)", "used %.0f MiB, pending %s bytes "
        "(%s files); watcher: live files %.0f MiB"
        % (int(fe["used"]) / MIB, dl.get("pending_bytes", "?"),
           dl.get("pending_files", "?"), res["end_live"] / MIB))
    add("without rm (same sequence)", "%d creates (%.0f MiB) fit; create %d "
        "(%d MiB) failed: %s; fsck used %.0f MiB, free %.0f MiB"
        % (norm["created"], norm["bytes"] / MIB, norm["created"],
           norm["fail_size"] >> 20, norm["why"], norm["used"] / MIB,
           norm["free"] / MIB))
    for name, cpu in sorted(res["follower_cpu"].items()):
        add("follower CPU on %s" % name, "%.2f s in %.0f s (%.1f%%)"
            % (cpu, res["churn_secs"], 100 * cpu / res["churn_secs"]))
    capn = res.get("log_capacity") or 15420
    live_files = par["window"]
    add("log capacity", "%d of %s entries used; 2 entries per cycle: %d "
        "cycles per log of this size (8 MiB: 15,420 entries = 7,710 cycles; "
        "64 MiB: 61,680; 256 MiB: 246,723), less the live entries (%d here)"
        % (res["entries_used"], capn, (int(capn) - live_files) // 2, live_files))
    add("load average before / after", "%s / %s" % (res["load0"], res["load1"]))
    add("wall time", "%.0f s" % res["wall"])
    text = "\n".join(["| measure | value |", "|---|---|"] + [
        "| %s | %s |" % (r["what"], r["value"].replace("|", "/"))
        for r in summ])
    print(text)
    dcols = ["op", "host", "median", "p90", "max", "n"]
    drows = []
    for name in sorted(res["delays"]):
        v = res["delays"][name]
        m, p, x = fmt_stats(v)
        drows.append(dict(op="rm to release", host=name, median=m, p90=p,
                          max=x, n=len(v)))
    old = sl.RESULTS
    sl.RESULTS = RESULTS
    try:
        sl.write_csv(PROG, drows, dcols)
    finally:
        sl.RESULTS = old
    with open(os.path.join(RESULTS, PROG + ".md"), "w") as f:
        f.write("Command: `bash bench/multihost/churn.sh` (CYCLES=%d WINDOW=%d "
                "SIZES=%r INTERVAL=%d MEMSIZE=%s, backend %s, kernel %s)\n\n"
                "%s\n" % (par["cycles"], par["window"], par["sizes"],
                          par["interval"], par["memsize"], par["backend"],
                          par["kernel"], text))
    if png:
        print("plot: %s" % os.path.relpath(png, mb.TOP))


if __name__ == "__main__":
    sys.exit(main())
