#!/usr/bin/env python3
"""famfs test guests under QEMU (TCG): host-side API and command line.

A Guest is one emulated host: a QEMU process booting the famfs test kernel
(or Debian's stock kernel plus our module) from an initramfs, with the
shared memory as an NVDIMM or a CXL type-3 device backed by a file in
/dev/shm (share=on, so guests on the same file see the same bytes). Commands
run in the guest through a virtio-serial control channel (famfs-agent).

    from famfsvm import Guest, start_guests
    with Guest('a', kernel='test', backend='nvdimm', mode='fsdax') as g:
        g.wait_ready()
        rc, out = g.run('mkfs.famfs $FAMFS_DEV')

    guests = start_guests(2, mode='devdax')   # guest 0 creates the namespace
    ...
    for g in guests: g.shutdown()

Command line:
    famfsvm.py run --kernel test --backend nvdimm --mode fsdax --tests LIST
    famfsvm.py exec [options] -- COMMAND     boot, run one command, power off
    famfsvm.py shell [options]               boot, run stdin lines one by one
"""

import argparse
import atexit
import ctypes
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid as uuidlib

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
VMDIR = os.path.join(TOP, 'tools', 'testing', 'vm')
DEFAULT_LOGDIR = os.environ.get('FAMFS_VM_LOGS',
                                os.path.join(TOP, 'test-logs', 'vm'))
QEMU = os.environ.get('FAMFS_QEMU', 'qemu-system-x86_64')
QEMU_CPU = os.environ.get('FAMFS_QEMU_CPU')
# One host thread runs all of a guest's vCPUs. With multi-threaded TCG a
# vCPU can run a stale translation of kernel text that another vCPU has just
# patched through text_poke_bp(): a CI boot of the stock kernel died with
# "Oops: int3" in sched_clock_cpu() once its late-initcall static key flipped.
# Round-robin vCPUs still interleave, so the race tests still race.
QEMU_ACCEL = os.environ.get('FAMFS_QEMU_ACCEL', 'tcg,thread=single')
# QEMU decodes a CXL window in software: every guest access to CXL memory is
# an MMIO callback, and TCG runs `rep movsb` (the kernel's copy with ERMS or
# FSRM) one byte per access. Without them the kernel copies 8 bytes per
# access: in tools/testing/multihost/scenario.py --backend cxl, B's famfs
# verify of the 1 GiB file took 419 s with them and 71 s without.
QEMU_CPU_CXL = 'max,-erms,-fsrm'
# The CXL device's label storage area: the kernel and ndctl read all of it
# through the mailbox (slow under TCG), and 128 KiB holds 512 labels.
CXL_LSA_BYTES = 128 << 10
# One serial for the one emulated device every host shares.
CXL_SERIAL = 0xfa3f5
# The trace events the tests and benchmarks count faults with.
TRACE_EVENTS_AT_BOOT = ('fs_dax:dax_pmd_fault_done', 'fs_dax:dax_pte_fault_done')

# Console lines that mean the kernel is unhappy.
PROBLEM_PATTERNS = [
    r'\bWARNING:', r'\bBUG:', r'\bOops\b', r'Call Trace:', r'Kernel panic',
    r'general protection fault', r'kernel BUG at', r'Unable to handle',
    r'unreferenced object 0x', r'suspected memory leak',
    r'INFO: task .* blocked', r'INFO: possible', r'INFO: trying to register',
    r'rcu: INFO', r'UBSAN:', r'list_(add|del) corruption', r'\bdumped core\b',
    r'hung_task', r'soft lockup', r'hard LOCKUP',
]
_PROBLEM_RE = re.compile('|'.join(PROBLEM_PATTERNS))

_live = set()          # QEMU processes to kill when we exit
_live_lock = threading.Lock()


class VMError(Exception):
    """A guest failed to boot, hung, died, or a checked command failed."""


def _kill_all():
    with _live_lock:
        procs = list(_live)
    for p in procs:
        if p.poll() is None:
            p.kill()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass


atexit.register(_kill_all)


def _die_with_parent():
    """preexec_fn: QEMU gets SIGKILL if the Python process dies."""
    try:
        ctypes.CDLL('libc.so.6', use_errno=True).prctl(1, signal.SIGKILL)
    except OSError:
        pass


def _log(msg):
    print('famfsvm: %s' % msg, file=sys.stderr, flush=True)


def parse_size(s):
    """'4G' / '512M' / bytes -> bytes."""
    if isinstance(s, int):
        return s
    m = re.fullmatch(r'(\d+)([KMGT]?)i?B?', str(s).strip(), re.I)
    if not m:
        raise ValueError('bad size %r' % (s,))
    return int(m.group(1)) << {'': 0, 'K': 10, 'M': 20, 'G': 30,
                               'T': 40}[m.group(2).upper()]


def _last_line_of(cmd, env=None, what='command'):
    """Run a build script (its log goes to stderr), return its last line."""
    p = subprocess.run(cmd, stdout=subprocess.PIPE, env=env, text=True)
    if p.returncode != 0:
        raise VMError('%s failed (exit %d): %s' % (what, p.returncode,
                                                   ' '.join(cmd)))
    lines = p.stdout.strip().splitlines()
    if not lines:
        raise VMError('%s printed nothing' % what)
    return lines[-1]


_prepare_lock = threading.Lock()
_prepared = {}


def kernel_artifact(kernel='test', kasan=None):
    """Directory with bzImage, release, modules/ for kernel 'test', 'bench',
    'stock' or a path (an artifact directory or a bzImage file)."""
    with _prepare_lock:
        key = ('kernel', kernel, kasan)
        if key in _prepared:
            return _prepared[key]
        env = dict(os.environ)
        if kasan is not None:
            env['KASAN'] = '1' if kasan else '0'
        if kernel in ('test', 'bench'):
            # bench: the test kernel without lockdep, kmemleak, might_sleep.
            env['BENCH'] = '1' if kernel == 'bench' else '0'
            d = _last_line_of(['bash', os.path.join(TOP, 'scripts', 'kernel',
                                                    'build-kernel.sh')],
                              env, 'kernel build')
        elif kernel == 'stock':
            d = _last_line_of(['bash', os.path.join(TOP, 'scripts', 'kernel',
                                                    'build-stock.sh')],
                              env, 'stock kernel preparation')
        elif os.path.isdir(kernel):
            d = os.path.abspath(kernel)
        elif os.path.isfile(kernel):
            # A bare bzImage: modules come from nowhere, release from the file.
            d = tempfile.mkdtemp(prefix='famfs-kernel-')
            os.symlink(os.path.abspath(kernel), os.path.join(d, 'bzImage'))
            with open(os.path.join(d, 'release'), 'w') as f:
                f.write('unknown\n')
        else:
            raise VMError('kernel %r: not test, bench, stock or a path' % kernel)
        if not os.path.exists(os.path.join(d, 'bzImage')):
            raise VMError('no bzImage in %s' % d)
        _prepared[key] = d
        return d


def initramfs(kdir, extra_files=()):
    """Build (cached) the initramfs for kernel artifact kdir; extra_files is
    a sequence of (host_src, guest_dest) or 'src:dest' strings."""
    extras = []
    for e in extra_files:
        if isinstance(e, str):
            extras.append(e)
        else:
            extras.append('%s:%s' % (os.path.abspath(e[0]), e[1]))
    with _prepare_lock:
        key = ('initrd', kdir, tuple(extras))
        if key not in _prepared:
            _prepared[key] = _last_line_of(
                ['bash', os.path.join(VMDIR, 'mkinitramfs.sh'), kdir] + extras,
                what='initramfs build')
        return _prepared[key]


def new_memfile_path():
    return '/dev/shm/famfs-%s.img' % uuidlib.uuid4().hex[:12]


def remove_memfile(path):
    """Delete a shared-memory file (and the CXL label file next to it)."""
    for p in (path, path + '.lsa'):
        try:
            os.unlink(p)
        except FileNotFoundError:
            pass


class Guest:
    """One emulated host. See the module docstring."""

    def __init__(self, name='famfs0', kernel='test', backend='nvdimm',
                 mode='fsdax', memfile=None, memsize='4G',
                 create_namespace=True, system_uuid=None,
                 extra_initrd_files=(), mem_mb=1024, logdir=None, smp=2,
                 kasan=None, max_runtime=3600, cmdline=''):
        if backend not in ('nvdimm', 'cxl', 'none'):
            raise ValueError('backend must be nvdimm, cxl or none')
        if mode not in ('fsdax', 'devdax'):
            raise ValueError('mode must be fsdax or devdax')
        self.name = name
        self.kernel = kernel
        self.backend = backend
        self.mode = mode
        self.memfile = memfile or new_memfile_path()
        self.memsize = parse_size(memsize)
        self.create_namespace = create_namespace
        self.system_uuid = system_uuid or str(uuidlib.uuid4())
        self.extra_initrd_files = tuple(extra_initrd_files)
        self.mem_mb = mem_mb
        self.smp = smp
        self.kasan = kasan
        self.max_runtime = max_runtime
        self.extra_cmdline = cmdline
        self.logdir = os.path.abspath(logdir or DEFAULT_LOGDIR)
        os.makedirs(self.logdir, exist_ok=True)
        self.console_log = os.path.join(self.logdir, name + '.console.log')
        self.qemu_log = os.path.join(self.logdir, name + '.qemu.log')
        self.kernel_dir = None
        self.device = None          # /dev/pmem0 or /dev/dax0.0 in the guest
        self.boot_seconds = None
        self.proc = None
        self._sock = None
        self._buf = b''
        self._tmpdir = None
        self._started = None
        self._watchdog = None
        self._broken = None

    # ---- life cycle -------------------------------------------------------

    def _qemu_cmd(self, bzimage, initrd, sockpath):
        size = self.memsize
        memobj = ('memory-backend-file,id=famfsmem,share=on,mem-path=%s,'
                  'size=%d,align=2M' % (self.memfile, size))
        cpu = QEMU_CPU or (QEMU_CPU_CXL if self.backend == 'cxl' else 'max')
        cmd = [QEMU, '-accel', QEMU_ACCEL, '-cpu', cpu, '-smp', str(self.smp),
               '-nodefaults', '-no-user-config', '-display', 'none',
               '-no-reboot', '-nic', 'none', '-uuid', self.system_uuid,
               '-serial', 'file:' + self.console_log, '-monitor', 'none',
               '-kernel', bzimage, '-initrd', initrd]
        if self.backend == 'nvdimm':
            # q35: its ACPI _PRT is a static table. The i440fx one is an
            # AML loop that overran ACPICA's 30 s loop limit on a loaded
            # host (virtio-pci then gets no IRQ and the agent no port).
            # maxmem covers RAM and the NVDIMM: room for 16 GiB of it, or
            # for the device itself when larger (bench/scale/device-size.sh).
            cmd += ['-M', 'q35,nvdimm=on',
                    '-m', '%dM,slots=4,maxmem=%dM' % (
                        self.mem_mb, self.mem_mb + max(16384, (size >> 20) + 1024)),
                    '-object', memobj, '-device', 'nvdimm,memdev=famfsmem,id=nv0']
        elif self.backend == 'cxl':
            lsa = self.memfile + '.lsa'
            # sn: every host sees the same device serial. QEMU's default
            # means "no serial", the kernel then reads 0, and a region's
            # interleave-set cookie (a checksum of DPA offset and serial)
            # is 0: a host that finds another's namespace labels fails
            # the region probe (-ENXIO) instead of enabling it.
            cmd += ['-M', 'q35,cxl=on',
                    '-m', '%dM,slots=4,maxmem=%dM' % (self.mem_mb, self.mem_mb + 8192),
                    '-object', memobj,
                    '-object', 'memory-backend-file,id=famfslsa,share=on,'
                    'mem-path=%s,size=%d' % (lsa, CXL_LSA_BYTES),
                    '-device', 'pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.1',
                    '-device', 'cxl-rp,port=0,bus=cxl.1,id=root_port13,chassis=0,slot=2',
                    '-device', 'cxl-type3,bus=root_port13,memdev=famfsmem,'
                    'lsa=famfslsa,id=cxl-pmem0,sn=%#x' % CXL_SERIAL,
                    '-M', 'cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.size=%dM'
                    % max(size >> 20, 256)]
        else:
            cmd += ['-M', 'q35', '-m', '%dM' % self.mem_mb]
        # bus=pcie.0: with pxb-cxl, QEMU would otherwise try the CXL bus.
        cmd += ['-device', 'virtio-serial-pci,id=vser0,bus=pcie.0',
                '-chardev', 'socket,id=famfsctl,path=%s,server=on,wait=off' % sockpath,
                '-device', 'virtserialport,bus=vser0.0,chardev=famfsctl,name=famfs.ctl']
        append = ['console=ttyS0', 'panic=-1', 'rdinit=/init', 'printk.time=1',
                  'famfsvm.name=%s' % self.name,
                  'famfsvm.uuid=%s' % self.system_uuid,
                  'famfsvm.backend=%s' % self.backend,
                  'famfsvm.mode=%s' % self.mode,
                  'famfsvm.create=%d' % (1 if self.create_namespace else 0),
                  # Enabling an event at run time patches kernel text (the
                  # fs_dax call sites and, for comm recording, the scheduler's
                  # wakeup tracepoint) while the other vCPU runs it; under
                  # multi-threaded TCG that has trapped on a stale int3
                  # ("Oops: int3" in ttwu_do_activate). On from boot, the
                  # tests only clear and read the buffer.
                  'trace_event=%s' % ','.join(TRACE_EVENTS_AT_BOOT)]
        if self.extra_cmdline:
            append.append(self.extra_cmdline)
        cmd += ['-append', ' '.join(append)]
        return cmd

    def _prepare_memfile(self):
        if self.backend == 'none':
            return
        d = os.path.dirname(self.memfile) or '.'
        os.makedirs(d, exist_ok=True)
        st = os.stat(self.memfile) if os.path.exists(self.memfile) else None
        if st is None or st.st_size < self.memsize:
            with open(self.memfile, 'ab') as f:
                f.truncate(self.memsize)
        if self.backend == 'cxl':
            lsa = self.memfile + '.lsa'
            # The creator starts from empty labels; the others share them.
            if self.create_namespace or not os.path.exists(lsa):
                with open(lsa, 'wb') as f:
                    f.truncate(CXL_LSA_BYTES)

    def start(self):
        """Build/reuse kernel and initramfs, launch QEMU (does not wait)."""
        if self.proc:
            raise VMError('%s already started' % self.name)
        self.kernel_dir = kernel_artifact(self.kernel, self.kasan)
        initrd = initramfs(self.kernel_dir, self.extra_initrd_files)
        self._prepare_memfile()
        self._tmpdir = tempfile.mkdtemp(prefix='famfsvm-%s-' % self.name)
        sockpath = os.path.join(self._tmpdir, 'ctl.sock')
        for p in (self.console_log,):
            if os.path.exists(p):
                os.unlink(p)
        cmd = self._qemu_cmd(os.path.join(self.kernel_dir, 'bzImage'), initrd,
                             sockpath)
        with open(self.qemu_log, 'w') as qlog:
            qlog.write(' '.join(shlex.quote(c) for c in cmd) + '\n')
            qlog.flush()
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                         stdout=qlog, stderr=subprocess.STDOUT,
                                         preexec_fn=_die_with_parent)
        with _live_lock:
            _live.add(self.proc)
        self._started = time.monotonic()
        self._watchdog = threading.Timer(self.max_runtime, self._expire)
        self._watchdog.daemon = True
        self._watchdog.start()
        # QEMU creates the socket before it starts the guest.
        deadline = time.monotonic() + 30
        while True:
            if self.proc.poll() is not None:
                raise VMError('%s: qemu exited (%d) at start:\n%s' % (
                    self.name, self.proc.returncode, self._tail(self.qemu_log)))
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(sockpath)
                self._sock = s
                break
            except (FileNotFoundError, ConnectionRefusedError):
                s.close()
                if time.monotonic() > deadline:
                    self.kill()
                    raise VMError('%s: no control socket from qemu' % self.name)
                time.sleep(0.05)
        return self

    def _expire(self):
        self._broken = 'wall-clock limit of %d s reached' % self.max_runtime
        _log('%s: %s, killing qemu' % (self.name, self._broken))
        self.kill()

    def wait_ready(self, timeout=300):
        """Wait for the agent; raise VMError if boot or memory setup failed."""
        line = self._read_line(timeout, 'boot')
        while not line.startswith('READY '):
            line = self._read_line(timeout, 'boot')
        status = line.split(' ', 1)[1]
        self.boot_seconds = time.monotonic() - self._started
        if status != 'ok':
            raise VMError('%s: guest setup failed: %s\n%s' % (
                self.name, status, self.console_tail()))
        rc, out = self.run('cat /run/famfs/device 2>/dev/null', timeout=30)
        self.device = out.strip() or None
        return self

    def shutdown(self, timeout=60):
        """Power off cleanly (kill QEMU if it does not stop)."""
        if not self.proc:
            return
        if self.proc.poll() is None and self._sock and not self._broken:
            try:
                self._sock.sendall(b'POWEROFF\n')
                self.proc.wait(timeout=timeout)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.kill()

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        if self.proc:
            with _live_lock:
                _live.discard(self.proc)
        if self._watchdog:
            self._watchdog.cancel()
        if self._sock:
            try:
                self._sock.close()
            except OSError:
                pass
            self._sock = None
        if self._tmpdir:
            for f in os.listdir(self._tmpdir):
                os.unlink(os.path.join(self._tmpdir, f))
            os.rmdir(self._tmpdir)
            self._tmpdir = None

    def __enter__(self):
        if not self.proc:
            self.start()
        return self

    def __exit__(self, *exc):
        self.shutdown()

    @property
    def alive(self):
        return bool(self.proc) and self.proc.poll() is None

    # ---- control channel -------------------------------------------------

    def _recv(self, deadline, what):
        if not self._sock:
            raise VMError('%s: not running' % self.name)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self._broken = 'no answer during %s' % what
                raise VMError('%s: timed out during %s\n%s' % (
                    self.name, what, self.console_tail()))
            self._sock.settimeout(min(left, 1.0))
            try:
                data = self._sock.recv(65536)
            except socket.timeout:
                if self.proc.poll() is not None:
                    data = b''
                else:
                    continue
            except OSError:
                data = b''
            if not data:
                self._broken = 'guest died'
                try:
                    self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass
                raise VMError('%s: guest died during %s (qemu exit %s)\n%s\n'
                              '--- qemu log ---\n%s' % (
                                  self.name, what, self.proc.poll(),
                                  self.console_tail(),
                                  self._tail(self.qemu_log, 10)))
            self._buf += data
            return

    def _read_line(self, timeout, what, deadline=None):
        deadline = deadline or time.monotonic() + timeout
        while b'\n' not in self._buf:
            self._recv(deadline, what)
        line, self._buf = self._buf.split(b'\n', 1)
        return line.decode('ascii', 'replace')

    def _read_exact(self, n, deadline, what):
        while len(self._buf) < n:
            self._recv(deadline, what)
        data, self._buf = self._buf[:n], self._buf[n:]
        return data

    def run(self, cmd, timeout=300, stream=None):
        """Run cmd with sh -c in the guest; return (rc, output).
        rc is 124 if the guest killed it at timeout. stream: optional
        callable(str) that sees output as it arrives."""
        if self._broken:
            raise VMError('%s: unusable: %s' % (self.name, self._broken))
        body = cmd.encode()
        self._sock.sendall(b'RUN %d %d\n' % (int(timeout), len(body)) + body)
        # The agent enforces the timeout; allow it time to report.
        deadline = time.monotonic() + timeout + 60
        out = []
        what = 'command %r' % cmd[:60]
        while True:
            line = self._read_line(0, what, deadline)
            if line.startswith('OUT '):
                chunk = self._read_exact(int(line[4:]), deadline, what)
                text = chunk.decode('utf-8', 'replace')
                out.append(text)
                if stream:
                    stream(text)
            elif line.startswith('END '):
                return int(line[4:]), ''.join(out)
            elif line.startswith('READY '):
                # The agent restarted: the command is lost.
                raise VMError('%s: agent restarted during %s' % (self.name, what))
            else:
                self._broken = 'protocol error: %r' % line
                raise VMError('%s: %s' % (self.name, self._broken))

    def check(self, cmd, timeout=300):
        """run(); raise VMError with the output if rc != 0. Returns output."""
        rc, out = self.run(cmd, timeout)
        if rc != 0:
            raise VMError('%s: %r failed with exit %d:\n%s' % (self.name, cmd,
                                                                rc, out))
        return out

    def put_file(self, src, dest, mode=0o644):
        """Copy a host file into the guest (base64 over the channel)."""
        import base64
        with open(src, 'rb') as f:
            data = base64.b64encode(f.read()).decode()
        self.check('rm -f %s.b64' % shlex.quote(dest))
        # The command travels as one sh -c argument: stay under 128 KiB.
        step = 96 * 1024
        for i in range(0, len(data), step):
            self.check("printf '%%s' '%s' >> %s.b64" % (data[i:i + step],
                                                     shlex.quote(dest)))
        self.check('base64 -d %s.b64 > %s && rm %s.b64 && chmod %o %s' % (
            (shlex.quote(dest),) * 3 + (mode, shlex.quote(dest))))

    # ---- kernel health ---------------------------------------------------

    @staticmethod
    def _tail(path, n=40):
        try:
            with open(path, errors='replace') as f:
                return ''.join(f.readlines()[-n:])
        except OSError:
            return ''

    def console_tail(self, n=40):
        return '--- %s console (last %d lines) ---\n%s' % (
            self.name, n, self._tail(self.console_log, n))

    def console_mark(self):
        """Offset to pass to console_problems(since=) to look only later."""
        try:
            return os.path.getsize(self.console_log)
        except OSError:
            return 0

    def console_problems(self, since=0, ignore=()):
        """Console lines that report WARN/BUG/Oops/lockdep/KASAN/kmemleak/
        Call Trace and the like (optionally after offset `since`)."""
        ign = [re.compile(i) for i in ignore]
        try:
            with open(self.console_log, 'rb') as f:
                f.seek(since)
                text = f.read().decode('utf-8', 'replace')
        except OSError:
            return []
        return [l.rstrip() for l in text.splitlines()
                if _PROBLEM_RE.search(l) and not any(i.search(l) for i in ign)]

    def kmemleak_available(self):
        rc, _ = self.run('test -e /sys/kernel/debug/kmemleak', timeout=30)
        return rc == 0

    def kmemleak_clear(self):
        """Forget leaks found so far (e.g. from boot)."""
        self.run('echo scan > /sys/kernel/debug/kmemleak; '
                 'echo clear > /sys/kernel/debug/kmemleak', timeout=120)

    def kmemleak_scan(self, settle=6):
        """Scan now and return the reports (one string per object). Objects
        younger than 5 s are not reported, so wait `settle` s and scan again."""
        if not self.kmemleak_available():
            return []
        cmd = 'echo scan > /sys/kernel/debug/kmemleak'
        if settle:
            cmd += '; sleep %d; echo scan > /sys/kernel/debug/kmemleak' % settle
        self.check(cmd, timeout=300)
        out = self.check('cat /sys/kernel/debug/kmemleak', timeout=60)
        reports, cur = [], []
        for line in out.splitlines():
            if line.startswith('unreferenced object') and cur:
                reports.append('\n'.join(cur))
                cur = []
            if line.strip():
                cur.append(line)
        if cur:
            reports.append('\n'.join(cur))
        return reports


def start_guests(n, memfile=None, names=None, boot_timeout=300, **kw):
    """Start n guests on one shared memory file. Guest 0 creates the
    namespace (and boots first); the others find it. Each guest has its own
    system UUID. Returns the ready guests; on failure all are stopped."""
    memfile = memfile or new_memfile_path()
    names = names or ['famfs%d' % i for i in range(n)]
    kw.pop('create_namespace', None)
    kw.pop('system_uuid', None)
    guests = [Guest(names[i], memfile=memfile, create_namespace=(i == 0), **kw)
              for i in range(n)]
    try:
        guests[0].start().wait_ready(boot_timeout)
        for g in guests[1:]:
            g.start()
        for g in guests[1:]:
            g.wait_ready(boot_timeout)
    except BaseException:
        for g in guests:
            g.shutdown(timeout=10)
        raise
    return guests


# ---- command line ---------------------------------------------------------

TAP_RESULT = re.compile(r'^(not )?ok\b\s*(\d+)?\s*(?:- )?(.*)$')


def read_test_list(path):
    """'name: command' lines; blank lines and '#' comments are skipped."""
    tests = []
    with open(path) as f:
        for no, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            name, sep, cmd = line.partition(':')
            if not sep or not name.strip() or not cmd.strip():
                raise SystemExit('%s:%d: expected "name: command"' % (path, no))
            tests.append((name.strip(), cmd.strip()))
    return tests


class Tap:
    def __init__(self):
        self.n = self.passed = self.failed = self.skipped = 0

    def result(self, ok, desc, skip=None):
        self.n += 1
        if skip is not None:
            self.skipped += 1
            print('ok %d - %s # SKIP %s' % (self.n, desc, skip))
        elif ok:
            self.passed += 1
            print('ok %d - %s' % (self.n, desc))
        else:
            self.failed += 1
            print('not ok %d - %s' % (self.n, desc))
        sys.stdout.flush()

    def comment(self, text):
        for line in text.rstrip('\n').splitlines():
            print('# ' + line)
        sys.stdout.flush()

    def finish(self):
        print('1..%d' % self.n)
        print('%d passed, %d failed, %d skipped' % (self.passed, self.failed,
                                                     self.skipped))
        sys.stdout.flush()
        return 0 if self.failed == 0 and self.passed > 0 else 1


def run_listed_test(tap, guest, name, cmd, timeout):
    """Run one list entry; kselftest TAP lines it prints count one by one."""
    start = time.monotonic()
    rc, out = guest.run(cmd, timeout=timeout)
    secs = time.monotonic() - start
    sub_fail = sub_any = 0
    for line in out.splitlines():
        m = TAP_RESULT.match(line)
        if not m:
            tap.comment('  ' + line)
            continue
        sub_any += 1
        desc = m.group(3)
        directive = ''
        if ' # ' in desc:
            desc, directive = desc.split(' # ', 1)
        elif desc.startswith('# '):
            desc, directive = '', desc[2:]
        label = '%s: %s' % (name, desc.strip() or 'test %s' % m.group(2))
        d = directive.strip().upper()
        if d.startswith('SKIP'):
            tap.result(True, label, skip=directive.strip()[4:].strip() or 'skipped')
        elif m.group(1) and d.startswith('TODO'):
            tap.result(True, label, skip='TODO ' + directive.strip()[4:].strip())
        elif m.group(1) and not d.startswith('XFAIL'):
            sub_fail += 1
            tap.result(False, label)
        else:
            tap.result(True, label)
    if sub_any:
        if rc not in (0, 4) and not sub_fail:
            tap.result(False, '%s (exit %d, %.1fs)' % (name, rc, secs))
        return
    if rc == 0:
        tap.result(True, '%s (%.1fs)' % (name, secs))
    elif rc == 4:
        lines = out.strip().splitlines()
        tap.result(True, name, skip=lines[-1] if lines else 'exit 4')
    else:
        tap.result(False, '%s (exit %d%s, %.1fs)' % (
            name, rc, ', timed out' if rc == 124 else '', secs))


SELFTEST_MARK = 'famfsvm-selftest'


def harness_checks(tap, g):
    """Check the harness itself in a booted guest (control channel, files,
    console scanning, identity, memory device)."""
    import hashlib

    def check(desc, fn):
        try:
            ok, detail = fn()
        except VMError as e:
            ok, detail = False, str(e)
        if not ok and detail:
            tap.comment(detail)
        tap.result(ok, 'harness: ' + desc)

    def exit_status():
        rc, out = g.run('echo out; echo err >&2; exit 7', timeout=30)
        return rc == 7 and 'out' in out and 'err' in out, 'rc %d out %r' % (rc, out)

    def big_output():
        rc, out = g.run('dd if=/dev/urandom bs=65536 count=16 2>/dev/null | '
                        'base64 > /tmp/big && sha256sum < /tmp/big', timeout=120)
        want = out.split()[0] if rc == 0 and out.split() else None
        rc, out = g.run('cat /tmp/big', timeout=120)
        got = hashlib.sha256(out.encode()).hexdigest()
        return rc == 0 and want == got and len(out) > 1000000, \
            'guest sha %s, host sha %s, %d bytes' % (want, got, len(out))

    def timeout_kills():
        t = time.monotonic()
        rc, out = g.run('sleep 60', timeout=2)
        secs = time.monotonic() - t
        rc2, out2 = g.run('echo alive', timeout=30)
        return rc == 124 and secs < 20 and out2.strip() == 'alive', \
            'rc %d after %.1fs, then %d %r' % (rc, secs, rc2, out2)

    def background_child():
        t = time.monotonic()
        rc, out = g.run('sleep 100 & echo started', timeout=60)
        secs = time.monotonic() - t
        return rc == 0 and secs < 10 and 'started' in out, \
            'rc %d after %.1fs' % (rc, secs)

    def put_file():
        data = os.urandom(300 * 1024)
        with tempfile.NamedTemporaryFile() as f:
            f.write(data)
            f.flush()
            g.put_file(f.name, '/tmp/put.bin')
        out = g.check('sha256sum < /tmp/put.bin', timeout=60)
        want = hashlib.sha256(data).hexdigest()
        return out.split()[0] == want, 'guest %s host %s' % (out.strip(), want)

    def console_scan():
        mark = g.console_mark()
        g.check('echo "%s: WARNING: injected by the harness check" > /dev/kmsg'
                % SELFTEST_MARK, timeout=30)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if any(SELFTEST_MARK in p for p in g.console_problems(since=mark)):
                return True, ''
            time.sleep(0.2)
        return False, 'injected WARNING not found in %s' % g.console_log

    def identity():
        out = g.check('cat /opt/famfs/system_uuid; hostname', timeout=30).split()
        return out == [g.system_uuid, g.name], 'got %r' % out

    def memory_device():
        if g.backend == 'none':
            return True, ''
        kind = 'c' if g.mode == 'devdax' else 'b'
        rc, out = g.run('test -%s "$FAMFS_DEV" && echo $FAMFS_DEV' % kind,
                        timeout=30)
        return rc == 0 and out.strip() == g.device, 'rc %d %r' % (rc, out)

    check('exit status, stdout and stderr', exit_status)
    check('1 MiB of output arrives intact', big_output)
    check('timeout kills the command, channel survives', timeout_kills)
    check('background child does not hold the reply', background_child)
    check('put_file round trip', put_file)
    check('console scan finds an injected WARNING', console_scan)
    check('system uuid and host name', identity)
    check('memory device %s (%s)' % (g.device, g.mode), memory_device)


def _guest_from_args(a, name='famfs0'):
    return Guest(name, kernel=a.kernel, backend=a.backend, mode=a.mode,
                 memfile=a.memfile, memsize=a.memsize, mem_mb=a.mem_mb,
                 logdir=a.logdir, kasan=True if a.kasan else None,
                 max_runtime=a.max_runtime,
                 extra_initrd_files=[tuple(x.split(':', 1)) for x in a.extra])


def cmd_run(a):
    tests = read_test_list(a.tests)
    tap = Tap()
    print('TAP version 13')
    own_memfile = a.memfile is None
    g = _guest_from_args(a)
    try:
        t0 = time.monotonic()
        try:
            g.start()
            tap.comment('kernel %s (%s), initramfs ready in %.1fs' % (
                a.kernel, g.kernel_dir, time.monotonic() - t0))
            g.wait_ready(a.boot_timeout)
        except VMError as e:
            tap.comment(str(e))
            tap.result(False, 'boot (%s, %s, %s)' % (a.kernel, a.backend, a.mode))
            return tap.finish()
        tap.result(True, 'boot %s %s %s: agent ready in %.1fs, device %s' % (
            a.kernel, a.backend, a.mode, g.boot_seconds, g.device))
        if a.harness_checks:
            harness_checks(tap, g)
        leak_check = g.kmemleak_available()
        if leak_check:
            g.kmemleak_clear()
        mark = g.console_mark()
        for name, cmd in tests:
            try:
                run_listed_test(tap, g, name, cmd, a.timeout)
            except VMError as e:
                tap.comment(str(e))
                tap.result(False, '%s (guest failed)' % name)
                break
            problems = g.console_problems(since=mark, ignore=[SELFTEST_MARK])
            if problems:
                tap.comment('console after %s:\n%s' % (name, '\n'.join(problems)))
                mark = g.console_mark()
        if g.alive and not g._broken:
            if leak_check:
                leaks = g.kmemleak_scan()
                if leaks:
                    tap.comment('kmemleak:\n' + '\n'.join(leaks))
                tap.result(not leaks, 'kmemleak: %d leak(s)' % len(leaks))
            else:
                tap.result(True, 'kmemleak', skip='kernel without kmemleak')
        g.shutdown()
        problems = g.console_problems(ignore=[SELFTEST_MARK])
        if problems:
            tap.comment('console problems:\n' + '\n'.join(problems[:100]))
        tap.result(not problems, 'console clean (%d problem line(s), log %s)' % (
            len(problems), g.console_log))
        return tap.finish()
    finally:
        g.kill()
        if own_memfile:
            remove_memfile(g.memfile)


def cmd_exec(a):
    own_memfile = a.memfile is None
    g = _guest_from_args(a)
    try:
        g.start().wait_ready(a.boot_timeout)
        _log('ready in %.1fs, device %s' % (g.boot_seconds, g.device))
        rc, _ = g.run(' '.join(a.command), timeout=a.timeout,
                      stream=lambda s: (sys.stdout.write(s), sys.stdout.flush()))
        g.shutdown()
        for p in g.console_problems():
            _log('console: ' + p)
        return rc
    finally:
        g.kill()
        if own_memfile:
            remove_memfile(g.memfile)


def cmd_shell(a):
    own_memfile = a.memfile is None
    g = _guest_from_args(a)
    try:
        g.start().wait_ready(a.boot_timeout)
        _log('ready in %.1fs, device %s; one command per line, EOF to stop' % (
            g.boot_seconds, g.device))
        rc = 0
        for line in sys.stdin:
            if not line.strip():
                continue
            rc, _ = g.run(line, timeout=a.timeout,
                          stream=lambda s: (sys.stdout.write(s), sys.stdout.flush()))
            _log('exit %d' % rc)
        g.shutdown()
        return rc
    finally:
        g.kill()
        if own_memfile:
            remove_memfile(g.memfile)


def main(argv=None):
    p = argparse.ArgumentParser(description='famfs test guests under QEMU')
    sub = p.add_subparsers(dest='cmd', required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument('--kernel', default='test',
                        help='test, bench (test without lockdep/kmemleak), stock '
                        'or a kernel artifact dir/bzImage')
    common.add_argument('--backend', default='nvdimm',
                        choices=['nvdimm', 'cxl', 'none'])
    common.add_argument('--mode', default='fsdax', choices=['fsdax', 'devdax'])
    common.add_argument('--memfile', help='shared memory file (default: a '
                        'new /dev/shm file, removed at the end)')
    common.add_argument('--memsize', default='4G')
    common.add_argument('--mem-mb', type=int, default=1024)
    common.add_argument('--kasan', action='store_true',
                        help='use the KASAN test kernel')
    common.add_argument('--logdir', default=DEFAULT_LOGDIR)
    common.add_argument('--timeout', type=int, default=300,
                        help='per-command timeout, seconds')
    common.add_argument('--boot-timeout', type=int, default=300)
    common.add_argument('--max-runtime', type=int, default=3600,
                        help='wall-clock limit for the guest, seconds')
    common.add_argument('--extra', action='append', default=[],
                        metavar='SRC:DEST', help='extra file in the initramfs')
    r = sub.add_parser('run', parents=[common],
                       help='boot one guest, run a test list, print TAP')
    r.add_argument('--tests', required=True, help='test list file')
    r.add_argument('--harness-checks', action='store_true',
                   help='check the harness itself first (same guest)')
    e = sub.add_parser('exec', parents=[common],
                       help='boot, run one command, power off')
    e.add_argument('command', nargs=argparse.REMAINDER)
    sub.add_parser('shell', parents=[common],
                   help='boot, run commands read from stdin')
    a = p.parse_args(argv)
    if a.cmd == 'exec' and a.command[:1] == ['--']:
        a.command = a.command[1:]

    def on_signal(signum, frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    return {'run': cmd_run, 'exec': cmd_exec, 'shell': cmd_shell}[a.cmd](a)


if __name__ == '__main__':
    sys.exit(main())
