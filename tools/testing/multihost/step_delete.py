# SPDX-License-Identifier: GPL-2.0
"""Step 8 of the multi-host scenario: delete, and reuse only after release.

Three hosts on one shared memory (A master, B and C clients), after steps
1-7 (user/FORMAT-delete.md is the design):

  8.1 A creates del/f and del/h; B and C replay and follow; B maps f and
      keeps reading it (mh-probe hold).
  8.2 A runs `famfs rm --enable-delete del/f`: f leaves B's and C's
      namespace within a second; B's mapping keeps f's bytes.
  8.3 A creates g, as big as f: the allocator must not hand out f's memory
      while B holds it (A's allocator is first fit, so it would).
  8.4 B lets go of f: within a second A's host table shows the release;
      A creates g2, which now lands on f's old memory; B and C verify g2.
  8.5 C hangs (its QEMU is stopped) while it holds nothing: a deleted
      file's memory stays pending on C; `famfs host evict` releases it;
      when C runs again its follower finds it was fenced and shuts C's
      mount down (I/O fails with EIO). C then reboots, mounts again, is told
      it had been evicted, and sees the current namespace.

The helpers at the top are the only places that know the command line of
`famfs rm` and `famfs host`; the checks below them are about behaviour.
"""

import json
import os
import signal
import time

from mhlib import StepError, in_parallel

MPT = "/mnt/famfs"
PROBE = "/opt/famfs-mh/mh-probe"
F_SIZE = 64 << 20
H_SIZE = 8 << 20
RELEASE_WAIT = 1.0    # seconds the issue allows for a release to show


def extents(host, path):
    """[(offset, len)] of a famfs file, from famfs getmap --json."""
    out = host.ok("famfs getmap --json %s" % path, quiet=True)
    doc = json.loads(out)
    obj = doc[0] if isinstance(doc, list) else doc
    exts = obj.get("extents") or obj.get("strips") or []
    return [(int(e["offset"]), int(e["len"])) for e in exts]


def overlaps(a, b):
    return any(x < y + m and y < x + n for x, n in a for y, m in b)


def host_table(host):
    """famfs host list --json on a host: a list of host objects."""
    out = host.ok("famfs host list --json %s" % MPT, quiet=True)
    doc = json.loads(out)
    return doc.get("hosts", doc) if isinstance(doc, dict) else doc


def uuid_of(host):
    return host.ok("cat /etc/famfs/system_uuid 2>/dev/null || "
                   "cat /opt/famfs/system_uuid", quiet=True).strip()


def released_of(table, uuid):
    for h in table:
        if str(h.get("uuid", "")).lower() == uuid.lower():
            return int(h.get("released", -1))
    return None


class DeleteStep:
    def __init__(self, sc):
        self.sc = sc
        self.tap = sc.tap
        self.followers = {}

    # -- followers and holders ---------------------------------------------
    def follow(self, host):
        out = host.ok("famfs logplay --follow -i %d %s >/tmp/follow8.log 2>&1"
                      " </dev/null & echo $!" % (self.sc.args.interval, MPT))
        self.followers[host.name] = int(out.split()[-1])
        rc, out = host.run("for i in $(seq 50); do grep -q following "
                           "/tmp/follow8.log && exit 0; sleep 0.1; done; "
                           "cat /tmp/follow8.log; exit 1")
        if rc:
            raise StepError("%s: follower did not start\n%s" % (host.name, out))

    def stop_followers(self):
        for host in (self.sc.B, self.sc.C):
            pid = self.followers.pop(host.name, None)
            if pid and host.guest.alive:
                host.run("kill %d 2>/dev/null; sleep 0.3" % pid, quiet=True)

    def wait_gone(self, hosts, rel):
        res = in_parallel(*[(h, "%s wait-gone %s/%s %d"
                             % (PROBE, MPT, rel, RELEASE_WAIT * 1000 * 3))
                            for h in hosts])
        for h, (rc, out, _) in zip(hosts, res):
            secs = -1.0
            if "gone after" in out:
                secs = float(out.rsplit("after", 1)[1].split()[0])
            self.tap.check(rc == 0 and 0 <= secs <= RELEASE_WAIT,
                           "8: %s leaves %s's namespace within %.0f s (%.3f s)"
                           % (rel, h.name, RELEASE_WAIT, secs), out)

    def wait_release(self, uuid, index, what):
        """Poll A's host table until uuid's release mark passes index."""
        A = self.sc.A
        t0 = time.time()
        got = None
        while time.time() - t0 < 5 * RELEASE_WAIT:
            got = released_of(host_table(A), uuid)
            if got is not None and got > index:
                break
            time.sleep(0.1)
        secs = time.time() - t0
        self.tap.check(got is not None and got > index and secs <= RELEASE_WAIT + 0.5,
                       "8: %s within %.0f s (%.2f s, release mark %s > %d)"
                       % (what, RELEASE_WAIT, secs, got, index))

    def log_next(self):
        n, _ = self.sc.state(self.sc.A)
        return n

    # -- the step ------------------------------------------------------------
    def run(self):
        sc, tap = self.sc, self.tap
        A, B, C = sc.A, sc.B, sc.C
        # 8.1
        A.ok("famfs mkdir %s/del && famfs creat -s %d -r -S 81 %s/del/f && "
             "famfs creat -s %d -r -S 82 %s/del/h"
             % (MPT, F_SIZE, MPT, H_SIZE, MPT))
        f_ext = extents(A, "%s/del/f" % MPT)
        h_ext = extents(A, "%s/del/h" % MPT)
        for host in (B, C):
            host.ok("famfs logplay %s" % MPT)
            self.follow(host)
        rc, out = B.run("famfs verify -S 81 -f %s/del/f" % MPT)
        tap.check(rc == 0, "8.1: B verifies del/f before holding it", out)
        pid = int(B.ok("%s hold %s/del/f >/tmp/hold.log 2>&1 </dev/null & "
                       "echo $!" % (PROBE, MPT)).split()[-1])
        # The first pass reads all of f under TCG: allow a minute.
        rc, out = B.run("for i in $(seq 600); do grep -q sum /tmp/hold.log && "
                        "exit 0; sleep 0.1; done; cat /tmp/hold.log; exit 1")
        tap.check(rc == 0, "8.1: B maps del/f and keeps reading it", out)
        ua, ub, uc = uuid_of(A), uuid_of(B), uuid_of(C)

        # 8.2
        rm_index = self.log_next()
        rc, out = A.run("famfs rm --enable-delete %s/del/f" % MPT)
        tap.check(rc == 0, "8.2: A famfs rm --enable-delete del/f", out)
        if rc:
            raise StepError("famfs rm failed:\n" + out)
        self.wait_gone([B, C], "del/f")
        rc, out = A.run("test ! -e %s/del/f" % MPT)
        tap.check(rc == 0, "8.2: del/f is gone on A at once", out)
        out = B.ok("sleep 1; cat /tmp/hold.log; kill -0 %d && echo ALIVE" % pid)
        tap.check("ALIVE" in out and "CHANGED" not in out,
                  "8.2: B's mapping of the deleted file keeps its bytes", out)
        table = host_table(A)
        tap.check(released_of(table, ub) is not None
                  and released_of(table, ub) <= rm_index,
                  "8.2: A's host table shows B holding the delete (B's release "
                  "mark %s <= %d)" % (released_of(table, ub), rm_index),
                  json.dumps(table, indent=1))

        # 8.3
        rc, out = A.run("famfs creat -s %d -r -S 83 %s/del/g" % (F_SIZE, MPT))
        g_ext = extents(A, "%s/del/g" % MPT) if rc == 0 else []
        tap.check(rc == 0 and not overlaps(g_ext, f_ext),
                  "8.3: A creates g as big as f, and not on f's memory while "
                  "B holds it (g %s, f %s)" % (g_ext, f_ext), out)

        # 8.4
        B.ok("kill %d; for i in $(seq 30); do kill -0 %d 2>/dev/null || "
             "break; sleep 0.1; done; cat /tmp/hold.log" % (pid, pid))
        self.wait_release(ub, rm_index, "B's release of del/f shows in A's "
                          "host table")
        rc, out = A.run("famfs creat -s %d -r -S 84 %s/del/g2" % (F_SIZE, MPT))
        g2_ext = extents(A, "%s/del/g2" % MPT) if rc == 0 else []
        tap.check(rc == 0 and overlaps(g2_ext, f_ext),
                  "8.4: A's next file of f's size reuses f's released memory "
                  "(g2 %s, f %s)" % (g2_ext, f_ext), out)
        for host in (B, C):
            rc, out = host.run("%s wait %s/del/g2 3000 && famfs verify -S 84 "
                               "-f %s/del/g2" % (PROBE, MPT, MPT))
            tap.check(rc == 0, "8.4: %s verifies g2 byte for byte" % host.name,
                      out)

        # 8.5: C hangs while holding nothing.
        self.evict_hung(A, B, C, ua, uc, h_ext)

    def evict_hung(self, A, B, C, ua, uc, h_ext):
        tap = self.tap
        qemu = C.guest.proc
        os.kill(qemu.pid, signal.SIGSTOP)
        try:
            rm_index = self.log_next()
            rc, out = A.run("famfs rm %s/del/h" % MPT)
            tap.check(rc == 0, "8.5: A removes del/h while C is hung", out)
            self.wait_gone([B], "del/h")
            rc, out = A.run("famfs creat -s %d %s/del/x" % (H_SIZE, MPT))
            x_ext = extents(A, "%s/del/x" % MPT) if rc == 0 else []
            tap.check(rc == 0 and not overlaps(x_ext, h_ext),
                      "8.5: h's memory is not reused while C has not released "
                      "it (x %s, h %s)" % (x_ext, h_ext), out)
            table = host_table(A)
            tap.check(released_of(table, uc) is not None
                      and released_of(table, uc) <= rm_index,
                      "8.5: A's host table names C as still holding h",
                      json.dumps(table, indent=1))
            rc, out = A.run("famfs host evict --force --path %s %s" % (MPT, uc))
            tap.check(rc == 0, "8.5: famfs host evict C", out)
            rc, out = A.run("famfs creat -s %d -r -S 85 %s/del/y"
                            % (H_SIZE, MPT))
            y_ext = extents(A, "%s/del/y" % MPT) if rc == 0 else []
            tap.check(rc == 0 and overlaps(y_ext, h_ext),
                      "8.5: after the eviction h's memory is reused "
                      "(y %s, h %s)" % (y_ext, h_ext), out)
        finally:
            os.kill(qemu.pid, signal.SIGCONT)
        pid = self.followers.pop(C.name, None)
        rc, out = C.run("for i in $(seq 50); do kill -0 %d 2>/dev/null || "
                        "break; sleep 0.1; done; kill -0 %d 2>/dev/null && "
                        "echo STILL RUNNING; cat /tmp/follow8.log" % (pid, pid),
                        timeout=120)
        tap.check("STILL RUNNING" not in out and "evicted" in out,
                  "8.5: C's follower finds it was evicted and stops", out)
        rc, out = C.run("%s read-cat %s/del/g2 >/dev/null" % (PROBE, MPT))
        tap.check("EIO" in out or rc != 0,
                  "8.5: C's fenced mount fails I/O", out)
        self.reboot(C, uc)

    def reboot(self, C, uc):
        """Kill C's guest, boot it again with the same identity, mount."""
        sc, tap = self.sc, self.tap
        old = C.guest
        old.kill()
        g = sc.famfsvm.Guest(C.name, memfile=sc.args.memfile,
                             create_namespace=False, system_uuid=old.system_uuid,
                             kernel=sc.args.kernel, backend=sc.args.backend,
                             mode=sc.args.mode, memsize=sc.args.memsize,
                             smp=sc.args.smp, logdir=sc.args.logdir,
                             extra_initrd_files=old.extra_initrd_files)
        g.start().wait_ready(300)
        sc.extra_guests.append(g)
        C.guest = g
        rc, out = C.run("mkdir -p %s && %s" % (MPT, sc.mount_cmd()), timeout=600)
        tap.check(rc == 0 and "evicted" in out,
                  "8.5: C boots again, mounts and is told it had been evicted",
                  out)
        rc, out = C.run("test ! -e %s/del/h && famfs verify -S 85 -f %s/del/y"
                        % (MPT, MPT))
        tap.check(rc == 0, "8.5: C's new mount sees the current namespace "
                  "(no h, y verified)", out)
