#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Diagnostic for curve 4: what one follower's replay costs against log length.

Two guests on one CXL device (A master, B one follower, nothing else of
ours running). For each log fill in $FILLS (percent of the default 8 MiB
log, default "1 10 30"): A formats, `fill-log` (bench/scale) appends that
many entries, A and B mount, B runs `famfs logplay --follow -j -i 100`, A
creates $FILES (default 20) files one at a time with a pause of $PAUSE s
(default 1) between them, so that every file is one replay of one new
entry. Reported per fill: the follower's CPU per replay (utime+stime of
the follow process / replays it made), its creation-to-visible latency
(as in bench/scale/followers.py) and A's median seconds per create.
Not part of make bench; see bench/README.md (curve 4).
"""

import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import mhbench as mb  # noqa: E402
sys.path.insert(0, os.path.join(mb.TOP, "bench", "scale"))
import scale_lib as sl  # noqa: E402

PROG = "follow-cost"


def guest_files(work):
    """mhb and mh-probe (mhbench), and fill-log (bench/scale)."""
    extra = mb.build(work)
    helpers = sl.build_helpers(work)
    extra.append((helpers["fill-log"], mb.GUEST_DIR + "/fill-log"))
    return extra


def user_sys(host, pid):
    """(user, system) CPU seconds of pid in host (USER_HZ = 100): the
    follower's own planning is user time; polls and applying are mostly
    system time, which TCG inflates when the host is loaded."""
    stat = host.ok("cat /proc/%d/stat" % pid,
                   quiet=True).rsplit(")", 1)[1].split()
    return int(stat[11]) / 100.0, int(stat[12]) / 100.0


def measure(cl, fills, files, pause):
    """One row per log fill (see the top of this file)."""
    A, B = cl.hosts
    rows = []
    A.ok("modprobe fsdev_dax 2>/dev/null; mkdir -p %s" % mb.MPT)
    for fill in fills:
        # Offline writers want the device in device_dax mode; the
        # mount below switches it to fsdev mode.
        A.ok("famfs fsdev-mode --devdax %s 2>/dev/null; mkfs.famfs -f %s"
             " >/dev/null && %s/fill-log %s %s"
             % (cl.dev, cl.dev, mb.GUEST_DIR, cl.dev, fill), timeout=900)
        cl.mount(A)
        t0 = time.time()
        cl.mount(B)
        mount_s = time.time() - t0
        watch = mb.ShmWatch(cl.memfile)
        slots = watch.find_slots([A.uuid, B.uuid])
        rec = mb.Recorder(watch, slots)
        rec.start()
        try:
            pid = mb.start_follower(B, 100)
            c0 = mb.proc_cpu(B, pid)
            u0, s0 = user_sys(B, pid)
            A.ok("famfs mkdir %s/fc" % mb.MPT, quiet=True)
            base = watch.next_index()
            cmds = []
            for i in range(files):
                cmds.append(["famfs", "creat", "-s", "2m",
                             "%s/fc/f%03d" % (mb.MPT, i)])
                cmds.append(["sleep", str(pause)])
            rc, ops, out = mb.timed_ops(A, cmds, stop_on_error=True)
            if rc:
                raise mb.StepError(out[-2000:])
            time.sleep(2)
            c1 = mb.proc_cpu(B, pid)
            u1, s1 = user_sys(B, pid)
            ev = mb.stop_follower(B, pid)
        finally:
            rec.stop()
        u = B.uuid.lower()
        stop = [e for e in ev if e.get("event") == "stop"][0]
        seen = {e["index"]: e["time"] for e in ev
                if e.get("event") == "file"}
        lats = []
        for k in range(files):
            i = base + k
            if i in seen and i in rec.commit:
                off = rec.offset(u, rec.commit[i])
                lats.append(seen[i] + off - rec.commit[i])
        if len(lats) != files:
            raise mb.StepError("B saw %d of %d files" % (len(lats), files))
        entries = base + files
        cre = [o[2] - o[1] for o in ops[0::2]]
        rows.append(dict(
            fill=fill, entries=entries, mount_b="%.1f" % mount_s,
            replays=stop["replays"], cpu="%.2f" % (c1 - c0),
            cpu_per_replay_ms="%.0f" % ((c1 - c0) / max(1, stop["replays"])
                                        * 1000),
            user_ms="%.0f" % ((u1 - u0) / max(1, stop["replays"]) * 1000),
            sys_ms="%.0f" % ((s1 - s0) / max(1, stop["replays"]) * 1000),
            polls=stop["polls"],
            lat_median="%.3f" % statistics.median(lats),
            lat_max="%.3f" % max(lats),
            create_med="%.3f" % statistics.median(cre)))
        mb.say(PROG, repr(rows[-1]))
        B.ok("umount %s" % mb.MPT)
        A.ok("umount %s" % mb.MPT)
    return rows


def main():
    fills = os.environ.get("FILLS", "1 10 30").split()
    files = int(os.environ.get("FILES", "20"))
    pause = float(os.environ.get("PAUSE", "1"))
    load0 = mb.uptime()
    rc, rows = mb.run_cluster(
        PROG, 2, lambda cl: measure(cl, fills, files, pause),
        files=guest_files, memsize="1G",
        kernel=os.environ.get("FAMFS_BENCH_KERNEL", "test"))
    if rc:
        return rc
    cols = ["fill", "entries", "mount_b", "replays", "polls", "cpu",
            "cpu_per_replay_ms", "user_ms", "sys_ms", "lat_median", "lat_max",
            "create_med"]
    text = sl.table(rows, cols, ["log fill %", "log entries", "B mount s",
                                 "replays", "polls", "follower CPU s",
                                 "CPU per replay ms", "user ms", "sys ms",
                                 "latency median s",
                                 "latency max s", "A s/create"])
    note = "load average before %s, after %s" % (load0, mb.uptime())
    print(text)
    print(note)
    res = os.environ.get("FAMFS_MH_RESULTS", os.path.join(HERE, "results"))
    os.makedirs(res, exist_ok=True)
    with open(os.path.join(res, PROG + ".md"), "w") as f:
        f.write("Command: `python3 bench/multihost/follow_cost.py` (FILLS=%r "
                "FILES=%d PAUSE=%g, 8 MiB log, backend cxl)\n\n%s\n\n- %s\n"
                % (" ".join(fills), files, pause, text, note))
    return 0


if __name__ == "__main__":
    sys.exit(main())
