# SPDX-License-Identifier: GPL-2.0
"""Plumbing for the multi-host scenario: TAP results, host wrappers, boot.

The guests themselves come from the QEMU harness (tools/testing/vm/famfsvm.py);
this module only adds what a lock-step multi-host run needs: named hosts,
a transcript of every command, concurrent commands on several hosts, and a
TAP reporter that also prints the short step-by-step view of `make demo`.
"""

import os
import re
import sys
import threading
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
HERE = os.path.dirname(os.path.abspath(__file__))


class Tap:
    """TAP lines plus the closing 'N passed, N failed, N skipped' line."""

    def __init__(self, demo=False):
        self.n = 0
        self.passed = self.failed = self.skipped = 0
        self.demo = demo
        self.failures = []

    def _emit(self, line):
        print(line, flush=True)

    def ok(self, name, detail=None):
        self.n += 1
        self.passed += 1
        self._emit("ok %d - %s" % (self.n, name))
        if detail and self.demo:
            self._emit("#   " + detail)
        return True

    def fail(self, name, detail=""):
        self.n += 1
        self.failed += 1
        self.failures.append(name)
        self._emit("not ok %d - %s" % (self.n, name))
        for line in (detail or "").strip().splitlines()[-25:]:
            self._emit("#   " + line)
        return False

    def check(self, cond, name, detail=""):
        return self.ok(name) if cond else self.fail(name, detail)

    def skip(self, name, reason):
        self.n += 1
        self.skipped += 1
        self._emit("ok %d - %s # SKIP %s" % (self.n, name, reason))

    def note(self, text):
        for line in text.splitlines():
            self._emit("# " + line)

    def closing(self):
        self._emit("%d passed, %d failed, %d skipped"
                   % (self.passed, self.failed, self.skipped))
        return self.failed == 0 and self.passed > 0


class Host:
    """One guest with a host name (A, B, C...) and a command transcript."""

    def __init__(self, name, guest, transcript, echo=False):
        self.name = name
        self.guest = guest
        self.transcript = transcript
        self.echo = echo
        self.lock = threading.Lock()

    def run(self, cmd, timeout=300, quiet=False):
        start = time.time()
        rc, out = self.guest.run(cmd, timeout=timeout)
        secs = time.time() - start
        with self.lock:
            self.transcript.write("[%s] $ %s\n%s[%s] rc=%d (%.2f s)\n"
                                  % (self.name, cmd, _nl(out), self.name,
                                     rc, secs))
            self.transcript.flush()
        if self.echo and not quiet:
            first = cmd if len(cmd) < 110 else cmd[:107] + "..."
            print("  [%s] %s%s" % (self.name, first,
                                   "" if rc == 0 else "   -> exit %d" % rc),
                  flush=True)
        return rc, out

    def ok(self, cmd, timeout=300, quiet=False):
        """Run, return output; raise StepError on failure."""
        rc, out = self.run(cmd, timeout=timeout, quiet=quiet)
        if rc != 0:
            raise StepError("[%s] %s: exit %d\n%s" % (self.name, cmd, rc, out))
        return out


class StepError(Exception):
    """A command a step depends on failed: the step cannot go on."""


def _nl(text):
    return text if not text or text.endswith("\n") else text + "\n"


def in_parallel(*calls):
    """Run (host, cmd[, timeout]) tuples at once; return [(rc, out, t_end)]."""
    results = [None] * len(calls)

    def worker(i, host, cmd, timeout):
        try:
            rc, out = host.run(cmd, timeout=timeout)
        except Exception as exc:  # a harness failure is a result, not a crash
            rc, out = -1, "harness error: %r" % (exc,)
        results[i] = (rc, out, time.time())

    threads = []
    for i, c in enumerate(calls):
        host, cmd = c[0], c[1]
        timeout = c[2] if len(c) > 2 else 300
        t = threading.Thread(target=worker, args=(i, host, cmd, timeout))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    return results


def parse_sums(text):
    """'<sha256>  ./path' lines -> {path: sha}."""
    sums = {}
    for line in text.splitlines():
        m = re.match(r"^([0-9a-f]{64})\s+\*?(.+)$", line.strip())
        if m:
            sums[m.group(2)] = m.group(1)
    return sums


def diff_maps(a, b, limit=10):
    """Describe how two dicts differ (for failure details)."""
    lines = []
    for k in sorted(set(a) | set(b)):
        if a.get(k) != b.get(k):
            lines.append("%s: %s vs %s" % (k, a.get(k), b.get(k)))
            if len(lines) >= limit:
                lines.append("...")
                break
    return "\n".join(lines)


def import_harness():
    """famfsvm from tools/testing/vm, or (None, reason)."""
    vmdir = os.path.join(TOP, "tools", "testing", "vm")
    if not os.path.exists(os.path.join(vmdir, "famfsvm.py")):
        return None, "QEMU harness tools/testing/vm/famfsvm.py is not there"
    sys.path.insert(0, vmdir)
    try:
        import famfsvm  # noqa: E402
    except Exception as exc:  # report, do not crash the suite
        return None, "cannot import famfsvm: %r" % (exc,)
    return famfsvm, None


class LogWatch:
    """Watch the famfs log header in the shared memory file from the host.

    The QEMU processes map the /dev/shm file share=on, so the host sees
    the guests' stores as they happen. The host's clock then tells when an
    entry was committed (next_index bumped) and when another host saw it,
    without trusting the guests' clocks.
    """

    SB_MAGIC = 0x87b282ff

    def __init__(self, memfile):
        import mmap
        import struct
        import zlib
        self._struct = struct
        self.f = open(memfile, "rb")
        self.map = mmap.mmap(self.f.fileno(), 0, prot=mmap.PROT_READ)
        self.hdr = None
        # The namespace may start after an info block: find the superblock.
        for off in range(0, min(len(self.map), 256 << 20), 4096):
            magic, version = struct.unpack_from("<QQ", self.map, off)
            if magic != self.SB_MAGIC or not self.version_ok(version):
                continue
            crc = struct.unpack_from("<Q", self.map, off + 96)[0]
            if crc != zlib.crc32(self.map[off:off + 96]):
                continue
            log_offset = struct.unpack_from("<Q", self.map, off + 16)[0]
            self.hdr = off + log_offset
            self.sb = off
            break
        if self.hdr is None:
            raise ValueError("no famfs superblock in %s" % memfile)

    def version_ok(self, version):
        """Superblock versions this watcher reads (a subclass may widen)."""
        return version in (47, 48)

    def next_index(self):
        return self._struct.unpack_from("<Q", self.map, self.hdr + 40)[0]

    def wait_for(self, target, timeout=30.0):
        """Host time at which next_index reached target (polls every ms)."""
        end = time.time() + timeout
        while time.time() < end:
            if self.next_index() >= target:
                return time.time()
            time.sleep(0.001)
        return None

    def close(self):
        self.map.close()
        self.f.close()
