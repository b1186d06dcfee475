# SPDX-License-Identifier: GPL-2.0
"""Host side shared by the multi-host benchmarks (bench/multihost/churn.py,
bench/multihost/follow_cost.py, bench/scale/followers.py).

Several guests boot on one shared memory file (tools/testing/vm/famfsvm.py,
the multi-host harness's Host wrapper from tools/testing/multihost/mhlib.py).
What the benchmarks add on top:

- building the in-guest helpers (mhb.c here, mh-probe.c of the scenario);
- booting hosts one by one, so that a benchmark can measure the master
  alone before the other guests exist;
- run_cluster: the frame of every benchmark (build, boot, run its body,
  check the guests' consoles, always shut the guests down);
- a host-side watcher of the shared memory (ShmWatch, a LogWatch that also
  reads the host table of user/FORMAT-delete.md). It polls, every
  millisecond of host time, the log header's next_index and every watched
  host's record (replayed, released, heartbeat) and records when each
  value changed. All those times are taken with the host's clock, so the
  commit of an entry on the master and the release marks of every host
  are compared without trusting any guest clock;
- a guest-clock calibration from the same records: each record carries
  the writer's CLOCK_REALTIME (its heartbeat) and the watcher notes the
  host time at which it saw the record, so (host time seen - heartbeat)
  is an upper bound of (host clock - guest clock) that is at most one
  poll period (plus the few system calls between taking the heartbeat and
  storing the record) too high; the smallest such value near an event is
  the guest clock's offset at that time.
"""

import json
import os
import shlex
import struct
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid as uuidlib
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
MH = os.path.join(TOP, "tools", "testing", "multihost")
sys.path.insert(0, MH)
from mhlib import Host, LogWatch, StepError, import_harness  # noqa: E402

MPT = "/mnt/famfs"
GUEST_DIR = "/opt/famfs-mhb"
MHB = GUEST_DIR + "/mhb"
PROBE = "/opt/famfs-mh/mh-probe"


def say(prog, msg):
    print("%s: %s" % (prog, msg), file=sys.stderr, flush=True)


def uptime():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def build(outdir):
    """Build user space (the guests' famfs), mhb and mh-probe (static)."""
    subprocess.run(["make", "-s", "-C", os.path.join(TOP, "user")], check=True)
    flags = ["-static", "-O2", "-std=c11", "-Wall", "-Wextra", "-Werror"]
    cc = os.environ.get("CC", "gcc")
    mhb = os.path.join(outdir, "mhb")
    subprocess.run([cc] + flags + ["-o", mhb, os.path.join(HERE, "mhb.c")],
                   check=True)
    probe = os.path.join(outdir, "mh-probe")
    subprocess.run([cc, "-std=gnu11", "-static", "-O2", "-Wall", "-Wextra",
                    "-Werror", "-o", probe, os.path.join(MH, "mh-probe.c")],
                   check=True)
    return [(mhb, MHB), (probe, PROBE)]


class Cluster:
    """Guests on one shared memory file, booted on demand, named A, B, ..."""

    def __init__(self, prog, files, transcript, kernel="test", backend="cxl",
                 memsize="2G", smp=1, mem_mb=1024, logdir=None):
        self.prog = prog
        self.fv, why = import_harness()
        if not self.fv:
            raise StepError(why)
        self.files = files
        self.transcript = transcript
        self.kw = dict(kernel=kernel, backend=backend, mode="devdax",
                       memsize=memsize, smp=smp, mem_mb=mem_mb,
                       extra_initrd_files=files,
                       logdir=logdir or os.environ.get(
                           "FAMFS_TEST_LOGS", os.path.join(TOP, "test-logs")))
        self.memfile = "/dev/shm/famfs-mhb-%d.img" % os.getpid()
        self.hosts = []
        self.dev = "/dev/dax0.0"

    def boot(self, n, timeout=900):
        """Boot n more guests (the very first one creates the namespace)."""
        new = []
        for _ in range(n):
            name = chr(ord("A") + len(self.hosts) + len(new))
            g = self.fv.Guest(name, memfile=self.memfile,
                              create_namespace=not self.hosts and not new,
                              **self.kw)
            new.append(g)
        t0 = time.time()
        try:
            if not self.hosts:
                new[0].start().wait_ready(timeout)
                self.hosts.append(Host(new[0].name, new[0], self.transcript))
                new = new[1:]
            for g in new:
                g.start()
            for g in new:
                g.wait_ready(timeout)
        finally:
            for g in new:
                self.hosts.append(Host(g.name, g, self.transcript))
        secs = time.time() - t0
        for h in self.hosts[-n:]:
            h.uuid = h.guest.system_uuid
            h.ok("grep -qw famfs /proc/filesystems || modprobe famfs",
                 quiet=True)
        say(self.prog, "booted %s in %.0f s (load %s)"
            % (", ".join(h.name for h in self.hosts[-n:]), secs, uptime()))
        return secs

    def mount(self, host, mkfs_args=None):
        cmd = "mkdir -p %s && " % MPT
        if mkfs_args is not None:
            cmd += "mkfs.famfs %s %s && " % (mkfs_args, self.dev)
        cmd += "famfs mount --set-fsdev-mode %s %s" % (self.dev, MPT)
        return host.ok(cmd, timeout=600)

    def problems(self):
        out = []
        for h in self.hosts:
            out += ["%s: %s" % (h.name, p) for p in h.guest.console_problems()]
        return out

    def shutdown(self):
        for h in self.hosts:
            try:
                h.guest.shutdown(timeout=20)
            except Exception as exc:  # keep stopping the others
                say(self.prog, "shutdown %s: %r" % (h.name, exc))
        if self.fv:
            self.fv.remove_memfile(self.memfile)


def run_cluster(prog, nboot, body, files=build, **kw):
    """Boot nboot guests on one shared memory file, run body(cluster) and
    always shut the guests down. files(workdir) returns the (host path,
    guest path) files for the guests (default: build()); kw go to Cluster.
    The transcript of the guests' commands is PROG-transcript.log in
    $FAMFS_TEST_LOGS (default test-logs/). Returns (0, what body returned),
    or (2, None) after an error (build, boot, an exception from body) or
    kernel console problems, both said on stderr."""
    work = tempfile.mkdtemp(prefix="famfs-%s-" % prog)
    logdir = kw.pop("logdir", None) or os.environ.get(
        "FAMFS_TEST_LOGS", os.path.join(TOP, "test-logs"))
    os.makedirs(logdir, exist_ok=True)
    transcript = open(os.path.join(logdir, prog + "-transcript.log"), "w")
    cl = None
    try:
        cl = Cluster(prog, files(work), transcript, logdir=logdir, **kw)
        cl.boot(nboot)
        res = body(cl)
        probs = cl.problems()
        if probs:
            say(prog, "kernel console problems:\n" + "\n".join(probs))
            return 2, None
    except Exception as exc:
        say(prog, "error: %s" % (exc,))
        return 2, None
    finally:
        if cl:
            cl.shutdown()
        transcript.close()
        shutil.rmtree(work, ignore_errors=True)
    return 0, res


def start_follower(host, interval, log="/tmp/follow.json"):
    """famfs logplay --follow --json in the background; return its pid."""
    out = host.ok("famfs logplay --follow -j -i %d %s >%s 2>%s.err </dev/null"
                  " & echo $!" % (interval, MPT, log, log))
    pid = int(out.split()[-1])
    rc, out = host.run("for i in $(seq 100); do grep -q start %s && exit 0; "
                       "sleep 0.1; done; cat %s %s.err; exit 1" % (log, log, log))
    if rc:
        raise StepError("%s: follower did not start\n%s" % (host.name, out))
    return pid


def stop_follower(host, pid, log="/tmp/follow.json"):
    """SIGTERM the follower, wait, return its JSON events."""
    host.run("kill %d 2>/dev/null; for i in $(seq 50); do kill -0 %d "
             "2>/dev/null || break; sleep 0.1; done" % (pid, pid), quiet=True)
    return follower_events(host, log)


def follower_events(host, log="/tmp/follow.json"):
    out = host.ok("cat %s" % log, quiet=True)
    events = []
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                events.append(json.loads(line))
            except ValueError:
                pass
    return events


def proc_cpu(host, pid):
    """user+system CPU seconds of pid in host (USER_HZ = 100)."""
    out = host.ok("cat /proc/%d/stat" % pid, quiet=True)
    stat = out.rsplit(")", 1)[1].split()
    return (int(stat[11]) + int(stat[12])) / 100.0


def guest_offset_rtt(host, samples=5):
    """Cristian's estimate over the control channel: (host - guest clock,
    half the smallest round trip). A cross-check of the record-based one."""
    best = None
    for _ in range(samples):
        t0 = time.time()
        rc, out = host.run("%s now" % MHB, quiet=True)
        t1 = time.time()
        if rc:
            continue
        off = (t0 + t1) / 2 - float(out.split()[-1])
        if best is None or t1 - t0 < best[1] * 2:
            best = (off, (t1 - t0) / 2)
    return best


class ShmWatch(LogWatch):
    """LogWatch plus the host table (user/FORMAT-delete.md section 2)."""

    HT_OFF = 0x100000
    HT_MAGIC = 0x31544846534d4146

    def version_ok(self, version):
        # LogWatch takes only version 47 or 48; a file system with the
        # delete feature has 48 | 1 << 32 (incompatible-feature bits in
        # the high half, FORMAT-delete.md section 1): same search here,
        # on the low 32 bits.
        return version & 0xffffffff in (47, 48)

    def __init__(self, memfile):
        super().__init__(memfile)
        base = self.sb + self.HT_OFF
        magic, = struct.unpack_from("<Q", self.map, base)
        if magic != self.HT_MAGIC:
            raise ValueError("no host table at %#x" % base)
        self.nslots, self.slot_size, self.slots_off = struct.unpack_from(
            "<III", self.map, base + 24)
        self.slot0 = base + self.slots_off

    def _rec(self, off):
        """Current valid host record at off (two copies), or None."""
        best = None
        for copy in (0, 1):
            b = bytes(self.map[off + copy * 128:off + copy * 128 + 128])
            crc, = struct.unpack_from("<Q", b, 120)
            if crc != zlib.crc32(b[:120]):
                continue
            seq, = struct.unpack_from("<Q", b, 0)
            if seq % 2 != copy:
                continue
            if best is None or seq > best["seq"]:
                (state, role, gen, replayed, released,
                 hb) = struct.unpack_from("<IIQQQQ", b, 24)
                best = dict(seq=seq, uuid=str(uuidlib.UUID(bytes=b[8:24])),
                            state=state, role=role, gen=gen,
                            replayed=replayed, released=released,
                            heartbeat=hb / 1e9)
        return best

    def find_slots(self, uuids):
        """{uuid: slot offset} of the hosts that have claimed a slot."""
        want = {u.lower() for u in uuids}
        found = {}
        for i in range(self.nslots):
            off = self.slot0 + i * self.slot_size
            r = self._rec(off)
            if r and r["uuid"] in want:
                found[r["uuid"]] = off
        return found

    def record(self, off):
        return self._rec(off)


class Recorder(threading.Thread):
    """Poll ShmWatch every `period` s of host time and record changes:

    commit[i]           host time at which next_index first exceeded i
    seen[u]             [(host time, record)] at each new record of host u
    """

    def __init__(self, watch, slots, period=0.001):
        super().__init__(daemon=True)
        self.watch = watch
        self.slots = dict(slots)
        self.period = period
        self.commit = {}
        self.seen = {u: [] for u in self.slots}
        self.stop_ev = threading.Event()
        self.polls = 0
        self.last = watch.next_index()

    def run(self):
        last_seq = {u: None for u in self.slots}
        while not self.stop_ev.is_set():
            t = time.time()
            ni = self.watch.next_index()
            if ni > self.last:
                for i in range(self.last, ni):
                    self.commit[i] = t
                self.last = ni
            for u, off in self.slots.items():
                r = self.watch.record(off)
                if r and r["seq"] != last_seq[u]:
                    last_seq[u] = r["seq"]
                    self.seen[u].append((t, r))
            self.polls += 1
            time.sleep(self.period)

    def stop(self):
        self.stop_ev.set()
        self.join()

    def offset(self, u, t, window=60.0):
        """host clock - guest clock of host u near host time t: the
        smallest (seen - heartbeat) within the window (None: no record)."""
        near = [ts - r["heartbeat"] for ts, r in self.seen[u]
                if abs(ts - t) <= window]
        if not near:
            near = [ts - r["heartbeat"] for ts, r in self.seen[u]]
        return min(near) if near else None

    def first_time(self, u, field, above):
        """Host time at which host u's record first had field > above."""
        for ts, r in self.seen[u]:
            if r[field] > above:
                return ts
        return None


def percentile(vals, p):
    """p in [0, 100], linear between order statistics."""
    v = sorted(vals)
    if not v:
        return float("nan")
    k = (len(v) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def timed_ops(host, commands, stop_on_error=False, timeout=3600, retries=0):
    """Run commands (lists of words) through mhb timed on host; return
    (rc, [(n, t0, t1, rc)], output)."""
    body = "\n".join(" ".join(c) for c in commands) + "\n"
    cmd = "%s timed%s%s <<'MHB_EOF'\n%sMHB_EOF" % (
        MHB, " -s" if stop_on_error else "",
        " -r %d" % retries if retries else "", body)
    rc, out = host.run(cmd, timeout=timeout, quiet=True)
    ops = []
    for line in out.splitlines():
        p = line.split()
        if len(p) == 5 and p[0] == "OP":
            ops.append((int(p[1]), float(p[2]), float(p[3]), int(p[4])))
    return rc, ops, out


def q(s):
    return shlex.quote(s)
