#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Two (or more) hosts, one memory: the famfs multi-host scenario.

Boots N guests on one shared memory file (host A is the master, B, C... are
clients, each with its own system UUID and its own famfs module), drives
them in lock-step from here and checks, as TAP:

  1. A formats and fills: mkfs, mount, directories, seeded files of several
     sizes (one interleaved), `famfs cp -r` of a directory tree of the image.
  2. B mounts without formatting and verifies every byte: seeded files with
     famfs verify, copied files by sha256 against A's, through read(2) and
     through mmap.
  3. B is read-only: kernel refusals (open for write, shared writable mmap,
     chmod then write) and CLI refusals (creat, mkdir, cp); the log header's
     next_index does not move.
  4. Stale metadata: B sees A's new files only after `famfs logplay`; with
     `famfs logplay --follow` running on B, within 1 s, nothing typed on B.
  6. Unmodified applications: sqlite3 on B queries A's database (immutable),
     cmp and sha256sum on the tree.
  7. A third host C replays at the same time as B; both agree.
  8. Delete and reuse (three hosts): `famfs rm` on A, B holds the file
     mapped, memory is reused only after B releases it; a hung C blocks
     reuse until `famfs host evict`, then finds it was fenced
     (step_delete.py).
  5. (run last, it destroys the file system) A re-formats under B's mount:
     B's logplay and B's follower refuse with "file system was re-formatted"
     and never map the new log's files.

The default topology is the realistic one: one CXL type-3 device whose
memory file every guest shares; each guest commits its own region over it
and uses it as /dev/dax0.0 in fsdev mode (`--backend nvdimm` shares an
emulated NVDIMM instead, fsdax by default).

`--demo` runs steps 1-4 on two hosts with short readable output and a
summary. Exit status 0 only if every check passed.
"""

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mhlib import (HERE, TOP, Host, LogWatch, StepError, Tap,  # noqa: E402
                   diff_maps, import_harness, in_parallel, parse_sums)
from step_delete import DeleteStep  # noqa: E402

MPT = "/mnt/famfs"
PROBE = "/opt/famfs-mh/mh-probe"
REFUSED = ("EACCES", "EROFS", "EPERM")
# Shell (with $d the device name, $drv the drivers directory) that moves a
# dax device into the named driver's mode.
SWITCH_TO = {
    "fsdev_dax": "echo $d > $drv/device_dax/unbind && echo $d > $drv/fsdev_dax/new_id",
    "device_dax": "echo $d > $drv/fsdev_dax/remove_id && echo $d > $drv/fsdev_dax/unbind"
                  " && echo $d > $drv/device_dax/bind",
}
HASH_LIMIT = 64 << 20   # files larger than this are checked by famfs verify


def dev_for(mode):
    return "/dev/dax0.0" if mode == "devdax" else "/dev/pmem0"


class Scenario:
    def __init__(self, tap, hosts, args):
        self.tap = tap
        self.hosts = hosts
        self.A = hosts[0]
        self.B = hosts[1]
        self.C = hosts[2] if len(hosts) > 2 else None
        self.args = args
        self.dev = dev_for(args.mode)
        self.seeded = [
            ("seeded/f4k", 4096, 11, ""),
            ("seeded/f3m", 3 << 20, 12, ""),
            ("seeded/big/f%s" % args.big, _size(args.big), 13, ""),
            ("seeded/striped/il24m", 24 << 20, 14, "-N 2 -B 2 -C 2m"),
        ]
        self.tree_src = None      # directory of the image copied with cp -r
        self.tree_dst = None      # its copy in famfs (relative to MPT)
        self.a_sums = {}          # relpath -> sha256 on A (files <= HASH_LIMIT)
        self.latencies = []
        self.follow_pid = None
        self.ok_steps = set()
        self.summary = {}
        self.famfsvm = None       # the harness module, to boot a guest again
        self.extra_guests = []    # guests booted during the scenario

    # -- helpers ---------------------------------------------------------
    def say(self, text):
        if self.args.demo:
            print(text, flush=True)
        else:
            self.tap.note(text)

    def listing(self, host):
        """{relpath: size} of every file, and the set of dirs, under MPT."""
        out = host.ok("cd %s && find . -path ./.meta -prune -o -type f "
                      "-exec stat -c '%%s %%n' {} + | sort" % MPT, quiet=True)
        files = {}
        for line in out.splitlines():
            size, _, name = line.partition(" ")
            if name:
                files[name[2:] if name.startswith("./") else name] = int(size)
        out = host.ok("cd %s && find . -path ./.meta -prune -o -type d -print"
                      " | sort" % MPT, quiet=True)
        dirs = {d[2:] for d in out.split() if d not in (".",)}
        return files, dirs

    def sums(self, host, rels, how="sha256sum"):
        """sha256 of relpaths on a host; how: sha256sum | read | mmap."""
        if not rels:
            return {}
        if how == "sha256sum":
            reader = "sha256sum"
        else:
            op = "read-cat" if how == "read" else "mmap-cat"
            reader = ("sh -c 'for f; do echo \"$(%s %s \"$f\" | sha256sum"
                      " | cut -d\\  -f1)  $f\"; done' x" % (PROBE, op))
        out = host.ok("cd %s && printf '%%s\\n' %s | xargs %s"
                      % (MPT, " ".join(shlex.quote(r) for r in rels), reader),
                      timeout=1800, quiet=True)
        return parse_sums(out)

    def state(self, host):
        out = host.ok("%s state %s" % (PROBE, MPT), quiet=True)
        kv = dict(line.split(" ", 1) for line in out.splitlines() if " " in line)
        return int(kv.get("next_index", "-1")), kv.get("fs_uuid", "")

    def step(self, num, title, fn, needs=()):
        self.say("\n== step %s: %s" % (num, title))
        missing = [n for n in needs if n not in self.ok_steps]
        if missing:
            self.tap.fail("step %s: %s" % (num, title),
                          "not run: step(s) %s aborted" % ",".join(map(str, missing)))
            return
        # Later steps need this one to have run to its end (its checks may
        # have failed; they are reported on their own).
        try:
            fn()
            self.ok_steps.add(num)
        except StepError as exc:
            self.tap.fail("step %s: %s (aborted)" % (num, title), str(exc))
        except Exception as exc:  # harness trouble: report, go on
            self.tap.fail("step %s: %s (harness error)" % (num, title), repr(exc))

    # A character dax device is formatted raw (device_dax driver) and
    # mounted in fsdev mode (fsdev_dax driver, see drivers/dax/README.md),
    # entered and left by id as daxctl does.
    def dax_driver(self, host, driver):
        if self.args.mode != "devdax":
            return
        name = os.path.basename(self.dev)
        host.ok("modprobe fsdev_dax 2>/dev/null; d=%s; drv=/sys/bus/dax/drivers; "
                "cur=$(basename \"$(readlink /sys/bus/dax/devices/$d/driver)\"); "
                "[ \"$cur\" = %s ] || { %s; }"
                % (name, driver, SWITCH_TO[driver]))

    # What an administrator types: on a dax device, famfs mount puts it in
    # fsdev mode first (and back if the mount fails).
    def mount_cmd(self):
        opt = " --set-fsdev-mode" if self.args.mode == "devdax" else ""
        return "famfs mount%s %s %s" % (opt, self.dev, MPT)

    # -- step 1 ----------------------------------------------------------
    def step1(self):
        A = self.A
        # The guest's /init records the device it set up (pmem or dax).
        devs = {h.name: h.ok("cat /run/famfs/device", quiet=True).strip()
                for h in self.hosts}
        self.tap.check(len(set(devs.values())) == 1 and self.dev in devs.values(),
                       "1: every host found the shared memory as %s" % self.dev,
                       repr(devs))
        self.dev = devs["A"] or self.dev
        A.ok("mkfs.famfs %s" % self.dev)
        self.tap.ok("1: A formats %s" % self.dev)
        A.ok("mkdir -p %s && %s" % (MPT, self.mount_cmd()))
        self.tap.ok("1: A mounts (master)")
        dirs = ["seeded/big", "seeded/striped", "tree/a/b/c"]
        rc, out = A.run("famfs mkdir -p %s" % " ".join(
            "%s/%s" % (MPT, d) for d in dirs))
        if not self.tap.check(rc == 0, "1: A famfs mkdir -p of a tree", out):
            # Go on with one level at a time so the later steps still run.
            for d in dirs:
                parts = d.split("/")
                for i in range(1, len(parts) + 1):
                    A.ok("[ -d %s/%s ] || famfs mkdir %s/%s"
                         % (MPT, "/".join(parts[:i]), MPT, "/".join(parts[:i])),
                         quiet=True)
        for rel, size, seed, extra in self.seeded:
            t = time.time()
            A.ok("famfs creat -s %d -r -S %d %s %s/%s"
                 % (size, seed, extra, MPT, rel), timeout=1800)
            self.tap.ok("1: A creates seeded %s (%d bytes%s) in %.1f s"
                        % (rel, size, ", interleaved" if extra else "",
                           time.time() - t))
        # A real tree from the guest image: pick one made of regular files.
        # famfs paths are at most 79 bytes: the copy goes to t/<name>.
        src = A.ok("for d in /lib/modules /opt/famfs-tests /usr/lib /lib "
                   "/usr/share; do [ -d $d ] || continue; "
                   "n=$(find $d -type f | wc -l); l=$(find $d -type l | wc -l); "
                   "m=$(cd $(dirname $d) && find $(basename $d) -type f | "
                   "awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }'); "
                   "[ $n -ge 5 ] && [ $l -eq 0 ] && [ $m -le 77 ] && "
                   "{ echo $d; break; }; done", quiet=True).strip()
        if not src:
            raise StepError("no directory tree of regular files in the image")
        self.tree_src = src
        self.tree_dst = "t/" + os.path.basename(src)
        t = time.time()
        A.ok("famfs mkdir %s/t && famfs cp -r %s %s/t/" % (MPT, src, MPT),
             timeout=1800)
        files, _ = self.listing(A)
        copied = sorted(r for r in files if r.startswith(self.tree_dst + "/"))
        self.tap.check(len(copied) >= 5,
                       "1: A famfs cp -r %s: %d files in %.1f s"
                       % (src, len(copied), time.time() - t),
                       "copied: %r" % copied[:20])
        # Sums on A: source tree vs famfs copy.
        out = A.ok("cd %s && find . -type f | sort | xargs sha256sum" % src,
                   timeout=1800, quiet=True)
        src_sums = {"%s/%s" % (self.tree_dst, k[2:]): v
                    for k, v in parse_sums(out).items()}
        small = [r for r, s in files.items() if s <= HASH_LIMIT]
        self.a_sums = self.sums(A, small)
        bad = {k: v for k, v in src_sums.items() if self.a_sums.get(k) != v}
        self.tap.check(src_sums and not bad,
                       "1: A's famfs copy of %s matches the source (%d files)"
                       % (src, len(src_sums)), diff_maps(src_sums, self.a_sums))
        self.summary["files"] = len(files)
        self.summary["bytes"] = sum(files.values())
        self.a_files = files

    # -- step 2 ----------------------------------------------------------
    def mount_client(self, host):
        host.ok("mkdir -p %s && %s" % (MPT, self.mount_cmd()), timeout=600)

    def step2(self):
        B = self.B
        self.mount_client(B)
        self.tap.ok("2: B mounts without formatting (client)")
        files, _ = self.listing(B)
        self.tap.check(files == self.a_files,
                       "2: B sees the same %d files with the same sizes as A"
                       % len(files), diff_maps(self.a_files, files))
        for rel, size, seed, _ in self.seeded:
            t = time.time()
            rc, out = B.run("famfs verify -S %d -f %s/%s" % (seed, MPT, rel),
                            timeout=1800)
            self.tap.check(rc == 0, "2: B famfs verify %s (%.1f s)"
                           % (rel, time.time() - t), out)
        big = [r for r, s in self.a_files.items() if s > HASH_LIMIT]
        for rel in big:
            rc, out = B.run("famfs chkread %s/%s" % (MPT, rel), timeout=1800)
            self.tap.check(rc == 0, "2: B famfs chkread %s (read(2) == mmap)"
                           % rel, out)
        for how in ("sha256sum", "read", "mmap"):
            b_sums = self.sums(B, sorted(self.a_sums), how)
            self.tap.check(b_sums == self.a_sums,
                           "2: B reads %d files via %s: sha256 equal to A's"
                           % (len(b_sums), how if how != "sha256sum"
                              else "sha256sum"),
                           diff_maps(self.a_sums, b_sums))
        self.summary["verified"] = len(self.a_files)

    # -- step 3 ----------------------------------------------------------
    def step3(self):
        A, B = self.A, self.B
        n0, _ = self.state(A)
        nb0, _ = self.state(B)
        self.tap.check(n0 == nb0 and n0 > 0,
                       "3: A and B read the same log header (next_index %d)"
                       % n0, "A %d, B %d" % (n0, nb0))
        target = "%s/seeded/f3m" % MPT
        mode = B.ok("stat -c %%a %s" % target, quiet=True).strip()
        self.tap.check(mode and int(mode, 8) & 0o222 == 0,
                       "3: B's files have no write bits (mode %s)" % mode)

        def probe(cmd, want, name):
            out = B.ok("%s %s" % (PROBE, cmd), quiet=True)
            res = {}
            for line in out.splitlines():
                op, _, r = line.rpartition(": ")
                res[op.split(" ")[0]] = r.strip()
            got = list(res.items())
            good = all(v in want for v in res.values()) and res
            self.tap.check(good, "3: B kernel refuses %s (%s)"
                           % (name, ", ".join("%s=%s" % kv for kv in got)),
                           out)

        # The same user must reach and read the file first, so that the
        # refusal below comes from famfs (mode bits, client mount) and not
        # from a directory on the path.
        rc, out = B.run("%s -u 65534 read-cat %s | wc -c" % (PROBE, target))
        nbytes = out.strip().splitlines()[-1] if out.strip() else ""
        self.tap.check(rc == 0 and nbytes.isdigit() and int(nbytes) > 0,
                       "3: B: a user opens and reads %s (%s bytes)"
                       % (target, nbytes), out)
        probe("-u 65534 open-wronly %s" % target, ("EACCES",),
              "open(O_WRONLY) by a user")
        probe("open-wronly %s" % target, REFUSED, "open(O_WRONLY) by root")
        probe("open-rdwr %s" % target, REFUSED, "open(O_RDWR) by root")
        probe("write %s" % target, REFUSED, "write(2) by root")
        probe("mmap-write %s" % target, REFUSED,
              "a shared writable mmap by root")
        rc, out = B.run("chmod 0666 %s" % target)
        self.tap.note("B: chmod 0666 on a client file: exit %d %s"
                      % (rc, out.strip()))
        probe("write %s" % target, REFUSED, "write(2) after chmod 0666")
        probe("mmap-write %s" % target, REFUSED, "writable mmap after chmod 0666")
        B.run("chmod 0444 %s" % target, quiet=True)
        probe("open-wronly %s/.meta/.log" % MPT, REFUSED,
              "open(O_WRONLY) of .meta/.log")
        probe("mmap-write %s/.meta/.log" % MPT, REFUSED,
              "a writable mmap of .meta/.log")

        src_file = B.ok("find %s -type f | head -n 1" % (self.tree_src or "/etc"),
                        quiet=True).strip() or "/init"
        for name, cmd, path in (
                ("famfs creat", "famfs creat -s 2m %s/client-creat" % MPT,
                 "client-creat"),
                ("famfs mkdir", "famfs mkdir %s/client-dir" % MPT, "client-dir"),
                ("famfs mkdir -p", "famfs mkdir -p %s/client-p/q" % MPT,
                 "client-p"),
                ("famfs cp", "famfs cp %s %s/client-cp" % (src_file, MPT),
                 "client-cp")):
            rc, out = B.run(cmd)
            gone = B.run("test ! -e %s/%s" % (MPT, path), quiet=True)[0] == 0
            clear = any(w in out.lower() for w in ("client", "master",
                                                   "read-only"))
            self.tap.check(rc == 4 and clear and gone,
                           "3: B %s refused (exit %d, nothing created): %s"
                           % (name, rc, out.strip().splitlines()[0]
                              if out.strip() else ""), out)
        n1, _ = self.state(A)
        nb1, _ = self.state(B)
        self.tap.check(n1 == n0 and nb1 == n0,
                       "3: the log was not appended by B (next_index %d)" % n1,
                       "before %d, after: A %d B %d" % (n0, n1, nb1))

    # -- step 4 ----------------------------------------------------------
    def step4(self):
        A, B = self.A, self.B
        A.ok("famfs mkdir %s/later && famfs mkdir %s/later/sub && famfs creat -s 2m -r -S 41 "
             "%s/later/sub/one" % (MPT, MPT, MPT))
        rc, _ = B.run("test -e %s/later/sub/one" % MPT)
        self.tap.check(rc != 0, "4: B does not see A's new file before logplay"
                       " (stale metadata)")
        B.ok("famfs logplay %s" % MPT)
        rc, out = B.run("famfs verify -S 41 -f %s/later/sub/one" % MPT)
        self.tap.check(rc == 0, "4: after famfs logplay B sees and verifies it",
                       out)
        self.start_follower(B, 4)
        watch = LogWatch(self.args.memfile)
        n = self.args.follow_files
        for i in range(n):
            rel = "later/f%d" % i if i % 2 == 0 else "later/d%d/f%d" % (i, i)
            mk = ("famfs mkdir %s/later/d%d && " % (MPT, i)) if i % 2 else ""
            # The host watches the log header in the shared memory: the
            # entry is committed when next_index moves past it.
            target = watch.next_index() + (2 if mk else 1)
            committed = []
            waiter = threading.Thread(
                target=lambda: committed.append(watch.wait_for(target)))
            waiter.start()
            res = in_parallel(
                (B, "%s wait %s/%s 5000" % (PROBE, MPT, rel), 30),
                (A, "sleep 0.3; %sfamfs creat -s 2m -r -S %d %s/%s"
                 % (mk, 100 + i, MPT, rel), 60))
            waiter.join()
            (rcb, outb, tb), (rca, outa, ta) = res
            if rca != 0 or rcb != 0 or not committed[0]:
                self.tap.fail("4: follower propagates %s" % rel,
                              "A: %s\nB: %s" % (outa, outb))
                continue
            lat = tb - committed[0]
            self.latencies.append(lat)
            self.tap.check(lat < 1.0, "4: B shows %s %.3f s after A committed "
                           "it to the log (follower; nothing typed on B)"
                           % (rel, lat), outb)
        watch.close()
        out = B.ok("cat /tmp/follow.log", quiet=True)
        names = [l.split()[2] for l in out.splitlines()
                 if " +file " in l or " +dir " in l]
        self.tap.check(len(names) == len(set(names)) and len(names) >= n,
                       "4: the follower instantiated each new entry once "
                       "(%d entries, none twice)" % len(names), out)
        rc, out = B.run("for i in $(seq 0 %d); do f=%s/later/f$i; "
                        "[ -e $f ] || f=%s/later/d$i/f$i; "
                        "famfs verify -S $((100 + i)) -f $f || exit 1; done"
                        % (n - 1, MPT, MPT))
        self.tap.check(rc == 0, "4: B verifies the %d followed files" % n, out)
        # A poll is an invalidate and a load: an idle follower must cost
        # next to nothing. Measure its CPU time over 3 s of quiet polling.
        c0 = self.proc_cpu(B, self.follow_pid)
        B.run("sleep 3", quiet=True)
        c1 = self.proc_cpu(B, self.follow_pid)
        if c0 and c1:
            cpu, secs = c1[0] - c0[0], c1[1] - c0[1]
            polls = secs * 1000 / self.args.interval
            self.tap.check(cpu < 0.02 * secs, "4: the idle follower used %.3f s"
                           " of CPU in %.1f s (~%d polls)" % (cpu, secs, polls))
            self.summary["follower_cpu"] = (cpu, secs)
        else:
            self.tap.fail("4: the follower's CPU time is readable")
        B.run("kill %d" % self.follow_pid, quiet=True)
        rc, out = B.run("for i in $(seq 30); do kill -0 %d 2>/dev/null || "
                        "break; sleep 0.1; done; cat /tmp/follow.log"
                        % self.follow_pid, quiet=True)
        self.follow_pid = None
        self.tap.check("follow: stopped after" in out and " 0 errors" in out,
                       "4: SIGTERM stops the follower cleanly: %s"
                       % (out.strip().splitlines()[-1] if out.strip() else ""),
                       out)
        if self.latencies:
            self.summary["latency_max"] = max(self.latencies)
            self.summary["latency_median"] = statistics.median(self.latencies)

    def start_follower(self, host, step):
        out = host.ok("famfs logplay --follow -i %d %s >/tmp/follow.log 2>&1 "
                      "</dev/null & echo $!" % (self.args.interval, MPT))
        self.follow_pid = int(out.split()[-1])
        rc, out = host.run("for i in $(seq 50); do grep -q following "
                           "/tmp/follow.log && exit 0; sleep 0.1; done; "
                           "cat /tmp/follow.log; exit 1")
        self.tap.check(rc == 0, "%d: famfs logplay --follow runs on %s"
                       % (step, host.name), out)
        if rc != 0:
            raise StepError("follower did not start:\n" + out)

    @staticmethod
    def proc_cpu(host, pid):
        """(user+system CPU seconds of pid, uptime seconds) on host."""
        rc, out = host.run("cat /proc/%d/stat /proc/uptime" % pid, quiet=True)
        try:
            lines = out.split("\n")
            stat = lines[0].rsplit(")", 1)[1].split()
            return ((int(stat[11]) + int(stat[12])) / 100.0,  # USER_HZ
                    float(lines[1].split()[0]))
        except (IndexError, ValueError):
            return None

    def stop_follower(self, host):
        if self.follow_pid:
            host.run("kill %d 2>/dev/null; sleep 0.3" % self.follow_pid,
                     quiet=True)
            self.follow_pid = None

    # -- step 6 ----------------------------------------------------------
    def step6(self):
        A, B = self.A, self.B
        if A.run("command -v sqlite3", quiet=True)[0] != 0:
            self.tap.skip("6: sqlite3 on B", "sqlite3 is not in the guest image")
        else:
            sql = ("create table t(id integer primary key, name text, v real);"
                   "with recursive c(x) as (select 1 union all select x+1 "
                   "from c where x < 5000) insert into t select x, "
                   "'row'||x, x*0.5 from c;")
            q = "select count(*), sum(v), max(name) from t;"
            A.ok("rm -f /tmp/db.sqlite && sqlite3 /tmp/db.sqlite %s"
                 % shlex.quote(sql))
            want = A.ok("sqlite3 /tmp/db.sqlite %s" % shlex.quote(q)).strip()
            A.ok("famfs cp /tmp/db.sqlite %s/db.sqlite" % MPT)
            B.ok("famfs logplay %s" % MPT)
            rc, got = B.run("sqlite3 %s %s" % (shlex.quote(
                "file:%s/db.sqlite?immutable=1" % MPT), shlex.quote(q)))
            self.tap.check(rc == 0 and got.strip() == want,
                           "6: B queries A's SQLite database read-only: %s"
                           % got.strip(), "want %r got %r" % (want, got))
            rc, out = B.run("sqlite3 %s %s" % (shlex.quote(
                "file:%s/db.sqlite" % MPT), shlex.quote(
                    "insert into t values(999999, 'x', 1);")))
            self.tap.check(rc != 0, "6: B cannot write the database", out)
        if self.tree_src:
            rc, out = B.run("cd %s && find . -type f | while read f; do "
                            "cmp %s/%s/\"$f\" \"$f\" || exit 1; done"
                            % (self.tree_src, MPT, self.tree_dst),
                            timeout=1800)
            self.tap.check(rc == 0, "6: B cmp: every copied file equals B's "
                           "own image copy of %s" % self.tree_src, out)
            rc, out = B.run("cd %s/%s && find . -type f | sort | xargs "
                            "sha256sum > /tmp/b.sums && cd %s && "
                            "sha256sum -c /tmp/b.sums >/dev/null"
                            % (MPT, self.tree_dst, self.tree_src),
                            timeout=1800)
            self.tap.check(rc == 0, "6: B sha256sum -c of the famfs tree "
                           "against the image tree", out)

    # -- step 7 ----------------------------------------------------------
    def step7(self):
        A, B, C = self.A, self.B, self.C
        self.stop_follower(B)
        self.mount_client(C)
        self.tap.ok("7: C mounts as a second client")
        A.ok("famfs mkdir %s/third && famfs mkdir %s/third/x && for i in 1 2 3 4 5; do "
             "famfs creat -s $((i * 2))m -r -S $((700 + i)) %s/third/x/f$i "
             "|| exit 1; done" % (MPT, MPT, MPT))
        res = in_parallel((B, "famfs logplay %s" % MPT, 600),
                          (C, "famfs logplay %s" % MPT, 600))
        for host, (rc, out, _) in zip((B, C), res):
            self.tap.check(rc == 0, "7: %s famfs logplay (concurrently)"
                           % host.name, out)
        fa, da = self.listing(A)
        fb, db = self.listing(B)
        fc, dc = self.listing(C)
        self.tap.check(fb == fc == fa and db == dc == da,
                       "7: B and C list the same %d files and %d dirs as A"
                       % (len(fa), len(da)),
                       diff_maps(fb, fc) + "\n" + diff_maps(fa, fc))
        small = sorted(r for r, s in fa.items() if s <= HASH_LIMIT)
        res = in_parallel(
            (A, "cd %s && printf '%%s\\n' %s | xargs sha256sum"
             % (MPT, " ".join(map(shlex.quote, small))), 1800),
            (B, "cd %s && printf '%%s\\n' %s | xargs sha256sum"
             % (MPT, " ".join(map(shlex.quote, small))), 1800),
            (C, "cd %s && printf '%%s\\n' %s | xargs sha256sum"
             % (MPT, " ".join(map(shlex.quote, small))), 1800))
        sa, sb, sc = (parse_sums(r[1]) for r in res)
        self.tap.check(sa and sa == sb == sc,
                       "7: A, B and C agree on the sha256 of %d files"
                       % len(sa), diff_maps(sb, sc))
        rc, out = C.run("for i in 1 2 3 4 5; do famfs verify -S $((700 + i)) "
                        "-f %s/third/x/f$i || exit 1; done" % MPT)
        self.tap.check(rc == 0, "7: C verifies A's newest files", out)

    # -- step 5 ----------------------------------------------------------
    def step5(self):
        A, B = self.A, self.B
        self.start_follower(B, 5)
        _, uuid0 = self.state(B)
        A.ok("umount %s" % MPT)
        self.dax_driver(A, "device_dax")
        A.ok("mkfs.famfs -f %s" % self.dev)
        self.tap.ok("5: A unmounts and re-formats while B is mounted")
        A.ok("%s && famfs creat -s 4m -r -S 51 %s/after-reformat"
             % (self.mount_cmd(), MPT))
        _, uuid1 = self.state(B)
        self.tap.check(uuid1 != uuid0, "5: the live superblock has a new fs "
                       "uuid (%s -> %s)" % (uuid0[:8], uuid1[:8]))
        rc, out = B.run("famfs logplay %s" % MPT)
        self.tap.check(rc != 0 and "re-formatted" in out,
                       "5: B famfs logplay refuses: %s"
                       % (out.strip().splitlines()[0] if out.strip() else
                          "exit %d" % rc), out)
        rc, _ = B.run("test ! -e %s/after-reformat" % MPT)
        self.tap.check(rc == 0, "5: B never mapped a file of the new log")
        rc, out = B.run("for i in $(seq 120); do kill -0 %d 2>/dev/null || "
                        "break; sleep 0.1; done; kill -0 %d 2>/dev/null && "
                        "echo STILL RUNNING; cat /tmp/follow.log"
                        % (self.follow_pid, self.follow_pid))
        self.tap.check("STILL RUNNING" not in out and "re-formatted" in out,
                       "5: B's follower stops with 're-formatted'", out)
        self.follow_pid = None

    # -- step 8 ----------------------------------------------------------
    def run_delete(self):
        self.stop_follower(self.B)
        step = DeleteStep(self)
        try:
            step.run()
        finally:
            step.stop_followers()

    # -- all -------------------------------------------------------------
    def run(self):
        self.step(1, "A formats and fills", self.step1)
        self.step(2, "B mounts and verifies every byte", self.step2, (1,))
        self.step(3, "B is a read-only client", self.step3, (1, 2))
        self.step(4, "stale metadata, logplay, logplay --follow", self.step4,
                  (1, 2))
        if self.args.demo:
            self.stop_follower(self.B)
            return
        self.step(6, "unmodified applications on B", self.step6, (1, 2))
        if self.C:
            self.step(7, "a third host replays with B", self.step7, (1, 2))
        else:
            self.tap.skip("7: a third host", "run with --hosts 3")
        if self.C:
            self.step(8, "delete, and reuse only after every host released",
                      lambda: self.run_delete(), (1, 2))
        else:
            self.tap.skip("8: delete and reuse", "run with --hosts 3")
        self.step(5, "re-format under a client's mount", self.step5, (1, 2))
        self.stop_follower(self.B)


def _size(text):
    mult = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    t = text.lower()
    return int(t[:-1]) * mult[t[-1]] if t[-1] in mult else int(t)


def build_probe(outdir):
    exe = os.path.join(outdir, "mh-probe")
    subprocess.run(["gcc", "-std=gnu11", "-static", "-O2", "-Wall", "-Wextra",
                    "-Werror", "-o", exe, os.path.join(HERE, "mh-probe.c")],
                   check=True)
    return exe


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hosts", type=int, default=3)
    ap.add_argument("--backend", default=os.environ.get("FAMFS_MH_BACKEND",
                                                        "cxl"),
                    choices=("nvdimm", "cxl"))
    ap.add_argument("--mode", default=os.environ.get("FAMFS_MH_MODE", ""),
                    choices=("", "fsdax", "devdax"),
                    help="default: devdax on cxl (the realistic topology), "
                    "fsdax on nvdimm")
    ap.add_argument("--kernel", default=os.environ.get("FAMFS_MH_KERNEL",
                                                       "test"))
    ap.add_argument("--memsize", default="4G")
    ap.add_argument("--big", default=os.environ.get("FAMFS_MH_BIG", "1g"),
                    help="size of the big seeded file (default 1g)")
    ap.add_argument("--interval", type=int, default=100,
                    help="follower poll interval in ms")
    ap.add_argument("--follow-files", type=int, default=4)
    ap.add_argument("--smp", type=int, default=int(os.environ.get(
        "FAMFS_MH_SMP", "2")), help="virtual CPUs per guest")
    ap.add_argument("--demo", action="store_true")
    ap.add_argument("--logdir", default=os.environ.get(
        "FAMFS_TEST_LOGS", os.path.join(TOP, "test-logs")))
    args = ap.parse_args()
    if not args.mode:
        args.mode = "devdax" if args.backend == "cxl" else "fsdax"
    if args.hosts < 2:
        ap.error("--hosts must be at least 2")

    tap = Tap(demo=args.demo)
    t_start = time.time()
    famfsvm, why = import_harness()
    if not famfsvm:
        tap.skip("multi-host scenario", why)
        tap.closing()
        return 1

    os.makedirs(args.logdir, exist_ok=True)
    work = tempfile.mkdtemp(prefix="famfs-mh-")
    memfile = "/dev/shm/famfs-mh-%d.img" % os.getpid()
    args.memfile = memfile
    transcript_path = os.path.join(args.logdir, "multihost-transcript.log")
    guests = []
    try:
        probe = build_probe(work)
        names = [chr(ord("A") + i) for i in range(args.hosts)]
        tap.note("booting %d hosts (%s) on %s, %s/%s, kernel %s"
                 % (args.hosts, ", ".join(names), memfile, args.backend,
                    args.mode, args.kernel))
        t = time.time()
        try:
            guests = famfsvm.start_guests(
                args.hosts, memfile=memfile, names=names,
                kernel=args.kernel, backend=args.backend, mode=args.mode,
                memsize=args.memsize, smp=args.smp,
                extra_initrd_files=[(probe, PROBE)], logdir=args.logdir)
        except Exception as exc:
            tap.fail("boot %d hosts" % args.hosts, repr(exc))
            tap.closing()
            return 1
        tap.ok("boot %d hosts sharing one memory (%.1f s)"
               % (args.hosts, time.time() - t))
        with open(transcript_path, "w") as transcript:
            hosts = [Host(n, g, transcript, echo=args.demo)
                     for n, g in zip(names, guests)]
            uu = [h.run("cat /opt/famfs/system_uuid", quiet=True)[1].strip()
                  for h in hosts]
            tap.check(len(set(uu)) == len(uu) and all(uu),
                      "every host has its own system uuid", repr(uu))
            for h in hosts:
                rc, out = h.run("grep -qw famfs /proc/filesystems || "
                                "modprobe famfs", quiet=True)
                if rc:
                    tap.fail("famfs module loads on %s" % h.name, out)
            sc = Scenario(tap, hosts, args)
            sc.famfsvm = famfsvm
            try:
                sc.run()
            finally:
                guests += sc.extra_guests
            for h in hosts:
                probs = h.guest.console_problems()
                tap.check(not probs, "no kernel warnings on %s's console"
                          % h.name, "\n".join(probs))
            if args.demo:
                print_summary(sc, time.time() - t_start)
    finally:
        for g in guests:
            try:
                g.shutdown()
            except Exception as exc:
                tap.note("shutdown: %r" % (exc,))
        famfsvm.remove_memfile(memfile)
        subprocess.run(["rm", "-rf", work])
    tap.note("transcript: %s; wall time %.1f s"
             % (transcript_path, time.time() - t_start))
    return 0 if tap.closing() else 1


def print_summary(sc, wall):
    s = sc.summary
    print("\n== summary")
    print("  files written by A and read by B: %s (%s bytes)"
          % (s.get("files", "?"), s.get("bytes", "?")))
    print("  verification: %s" % ("every byte verified on B"
                                  if sc.tap.failed == 0 else
                                  "FAILED: %s" % ", ".join(sc.tap.failures)))
    if "latency_max" in s:
        print("  time for a new file on A to appear on B (--follow): "
              "median %.3f s, max %.3f s over %d files"
              % (s["latency_median"], s["latency_max"], len(sc.latencies)))
    if "follower_cpu" in s:
        print("  idle follower CPU: %.3f s over %.1f s of polling every %d ms"
              % (s["follower_cpu"] + (sc.args.interval,)))
    print("  wall time: %.1f s" % wall, flush=True)


if __name__ == "__main__":
    sys.exit(main())
