#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Host side of the DAX read benchmarks: build the reader, boot one guest,
run a guest script, and summarise its RESULT/FAULTS lines.

    run_guest.py --name NAME --kernel test|bench|stock|PATH --backend nvdimm
                 --mode fsdax|devdax --script GUEST_SCRIPT
                 --subject LABEL --baseline LABEL [--extra SRC:DEST ...]
                 [--title TEXT] [--rounds N] [--passes N] [--read-passes N]

The guest script (busybox sh) sources /opt/famfs-bench/guest-lib.sh and
prints lines in its contract (see bench/lib/guest-lib.sh). Best and median
are taken over ALL timed passes of a side (every round), and the ratios are
subject/baseline for the same mode, or subject/baseline-mmap when the
baseline has no such mode (raw devdax has no read(2)).

Exit: 0 measured (goals are reported, not enforced), 2 on any error: build,
boot, guest script failure, missing results, or kernel console problems.
"""

import argparse
import math
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, 'tools', 'testing', 'vm'))
from famfsvm import Guest, VMError, remove_memfile  # noqa: E402

GUEST_DIR = '/opt/famfs-bench'
GOAL_RATIO = 0.97
RESULT_RE = re.compile(r'RESULT fs=(\S+) round=(\d+) pos=(\d) mode=(\S+) bytes=(\d+) '
                       r'best_gbps=\S+ median_gbps=\S+ pass_s=([\d.,]+)$')
FAULTS_RE = re.compile(r'FAULTS fs=(\S+) pmd=(\d+) pmd_fallback=(\d+) pte=(\d+)$')
NOFAULTS_RE = re.compile(r'FAULTS fs=(\S+) unavailable \((.*)\)$')


def say(prog, msg):
    print('%s: %s' % (prog, msg), file=sys.stderr, flush=True)


def env_int(name, default):
    """Integer from the environment; a bad value gives 0 (rejected later)."""
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return 0


def host_load():
    try:
        return subprocess.run(['uptime'], stdout=subprocess.PIPE, text=True,
                              check=False).stdout.strip()
    except OSError:
        return 'load %.2f %.2f %.2f' % os.getloadavg()


def host_cpu_times():
    """(steal, total) jiffies of all host CPUs, or None (/proc/stat)."""
    try:
        with open('/proc/stat') as f:
            fields = f.readline().split()
    except OSError:
        return None
    if len(fields) < 9 or fields[0] != 'cpu':
        return None
    vals = [int(x) for x in fields[1:9]]
    return vals[7], sum(vals)


def steal_note(before, after):
    """What the hypervisor under this machine took: on a shared host it is
    the largest source of pass-to-pass noise, and it comes in bursts."""
    if not before or not after or after[1] <= before[1]:
        return 'host steal: unknown'
    return 'host steal during the guest script: %.1f%% of host CPU time' % (
        100.0 * (after[0] - before[0]) / (after[1] - before[1]))


def build_reader(prog, outdir):
    """The reader, static (the guest has no libc of ours), strict warnings."""
    make = subprocess.run(['make', '-s', '-C', os.path.join(TOP, 'user')],
                          stdout=subprocess.DEVNULL, check=False)
    if make.returncode:
        say(prog, 'user space build failed (make -C user)')
        return None
    out = os.path.join(outdir, 'dax_read')
    cc = os.environ.get('CC', 'gcc')
    cmd = [cc, '-static', '-O2', '-std=gnu11', '-Wall', '-Wextra', '-Werror',
           '-o', out, os.path.join(HERE, 'dax_read.c')]
    if subprocess.run(cmd, check=False).returncode:
        say(prog, 'building the reader failed: ' + ' '.join(cmd))
        return None
    return out


def parse(out):
    """{(side, mode): [(round, pos, [seconds...])]}, bytes, faults."""
    res, faults, nbytes = {}, {}, None
    for line in out.splitlines():
        line = line.strip()
        m = RESULT_RE.match(line)
        if m:
            side, rnd, pos, mode, size, secs = m.groups()
            times = [float(x) for x in secs.split(',') if x]
            res.setdefault((side, mode), []).append((int(rnd), int(pos), times))
            nbytes = int(size)
            continue
        m = FAULTS_RE.match(line)
        if m:
            faults[m.group(1)] = tuple(int(x) for x in m.groups()[1:])
            continue
        m = NOFAULTS_RE.match(line)
        if m:
            faults[m.group(1)] = m.group(2)
    return res, nbytes, faults


def median_ci(values, level=0.95):
    """Distribution-free confidence interval of the median (order
    statistics: the number of values below the median is Binomial(n, 1/2)),
    or None when there are too few values for one."""
    xs = sorted(values)
    n = len(xs)
    tail, k = 0.0, 0
    while True:
        p = math.comb(n, k) / 2 ** n
        if 2 * (tail + p) > 1 - level:
            break
        tail += p
        k += 1
    if k == 0:
        return None
    return xs[k - 1], xs[n - k]


def summarise(res, nbytes, faults, subject, baseline, rounds, passes, read_passes):
    """Print the tables, ratios and GOAL lines; return False if results
    are missing."""
    ok = True
    stats = {}
    print()
    print('%-12s %-5s %6s %10s %12s %10s' % ('side', 'mode', 'passes', 'best GB/s',
                                             'median GB/s', 'worst GB/s'))
    for (side, mode), runs in sorted(res.items()):
        times = [t for _, _, ts in runs for t in ts]
        best, med, worst = min(times), statistics.median(times), max(times)
        stats[(side, mode)] = (nbytes / best / 1e9, nbytes / med / 1e9)
        if mode == 'fault':
            # 512 faults and little else: seconds say more than GB/s
            print('%-12s %-5s %6d %8.2f ms %10.2f ms %8.2f ms  (per pass)' % (
                side, mode, len(times), best * 1e3, med * 1e3, worst * 1e3))
        else:
            print('%-12s %-5s %6d %10.3f %12.3f %10.3f' % (
                side, mode, len(times), nbytes / best / 1e9, nbytes / med / 1e9,
                nbytes / worst / 1e9))
        want = read_passes if mode == 'read' else passes
        if len(runs) != rounds or any(len(ts) != want for _, _, ts in runs):
            print('  (expected %d rounds x %d passes)' % (rounds, want))
            ok = False

    print()
    print('per-pass seconds (round/position in round: passes in order)')
    for (side, mode), runs in sorted(res.items()):
        fmt = '%.4f' if mode == 'fault' else '%.3f'
        cells = ['r%d/%s: %s' % (r, '1st' if p == 1 else '2nd',
                                 ' '.join(fmt % t for t in ts))
                 for r, p, ts in sorted(runs)]
        print('  %-12s %-5s %s' % (side, mode, ' | '.join(cells)))
    # First vs second position, same side: shows an order effect if any.
    for (side, mode), runs in sorted(res.items()):
        first = [t for _, p, ts in runs if p == 1 for t in ts]
        second = [t for _, p, ts in runs if p == 2 for t in ts]
        if first and second:
            print('  %-12s %-5s median when measured first %.4f s, second %.4f s' % (
                side, mode, statistics.median(first), statistics.median(second)))

    print()
    for side in sorted({s for s, _ in res} | set(faults)):
        f = faults.get(side)
        if f is None:
            print('%-12s faults: not measured' % side)
        elif isinstance(f, str):
            print('%-12s faults: %s' % (side, f))
        else:
            print('%-12s faults in one traced mmap pass: %d PMD, %d PMD fallback, '
                  '%d PTE' % (side, f[0], f[1], f[2]))

    print()
    for mode in ('mmap', 'warm', 'read', 'fault'):
        s = stats.get((subject, mode))
        if not s:
            continue
        bmode = mode if (baseline, mode) in stats else 'mmap'
        if mode in ('fault', 'warm') and bmode != mode:
            continue
        b = stats.get((baseline, bmode))
        if not b:
            print('ratio %s %s / %s %s: missing results' % (subject, mode, baseline, bmode))
            ok = False
            continue
        print('ratio %s %s / %s %s: best %.3f, median %.3f%s' % (
            subject, mode, baseline, bmode, s[0] / b[0], s[1] / b[1],
            {'fault': ' (fault-only passes: >1 means famfs faults cost less)',
             'warm': ' (loads only: the mapping faulted in before the timing)'
             }.get(mode, '')))
    # Paired by round: both sides of a round ran within seconds of each
    # other, so host noise that comes and goes over seconds to minutes (the
    # hypervisor's steal, other load) hits both alike. The goal is judged on
    # the median of these ratios; the best and median over all passes of a
    # side are printed too, but one lucky or unlucky stretch moves them.
    srounds = {r: min(ts) for r, _, ts in res.get((subject, 'mmap'), [])}
    brounds = {r: min(ts) for r, _, ts in res.get((baseline, 'mmap'), [])}
    paired = [brounds[r] / srounds[r] for r in sorted(srounds) if r in brounds]
    s, b = stats.get((subject, 'mmap')), stats.get((baseline, 'mmap'))
    if paired and s and b:
        r = statistics.median(paired)
        print('ratio %s mmap / %s mmap by round (best pass of each side in the round): '
              '%s; median %.3f' % (subject, baseline,
                                   ' '.join('%.3f' % x for x in paired), r))
        ci = median_ci(paired)
        print('GOAL %s mmap >= %.2fx %s mmap (median of %d paired rounds): %s '
              '(%.3f%s; over all passes: best %.3f, median %.3f)' % (
                  subject, GOAL_RATIO, baseline, len(paired),
                  'met' if r >= GOAL_RATIO else 'MISSED', r,
                  ', 95%% CI %.3f-%.3f' % ci if ci else
                  ', too few rounds for a confidence interval',
                  s[0] / b[0], s[1] / b[1]))
    else:
        print('GOAL %s mmap >= %.2fx %s mmap: no results' % (subject, GOAL_RATIO, baseline))
        ok = False
    f = faults.get(subject)
    if isinstance(f, tuple):
        print('GOAL %s zero PTE faults: %s (%d PTE, %d PMD fallback, %d PMD)' % (
            subject, 'met' if f[2] == 0 and f[1] == 0 else 'MISSED', f[2], f[1], f[0]))
    else:
        print('GOAL %s zero PTE faults: not measured (%s)' % (subject, f or 'no FAULTS line'))
    return ok


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--name', required=True, help='guest name (log file names)')
    p.add_argument('--title', default='', help='header line')
    p.add_argument('--kernel', default='test', help='test, bench, stock or an artifact path')
    p.add_argument('--kernel-note', default='', help='why this kernel (header)')
    p.add_argument('--backend', default='nvdimm', choices=['nvdimm', 'cxl'])
    p.add_argument('--mode', default='fsdax', choices=['fsdax', 'devdax'])
    p.add_argument('--script', required=True, help='guest script (host path)')
    p.add_argument('--subject', required=True, help='side under test (famfs)')
    p.add_argument('--baseline', required=True, help='side to compare with')
    p.add_argument('--extra', action='append', default=[], metavar='SRC:DEST',
                   help='more files for the guest')
    p.add_argument('--rounds', type=int, default=env_int('ROUNDS', 3))
    p.add_argument('--passes', type=int, default=env_int('PASSES', 3))
    p.add_argument('--read-passes', type=int, default=None,
                   help='read(2) passes per side per round (default: --passes)')
    p.add_argument('--guest-env', action='append', default=[], metavar='NAME=VALUE',
                   help='more environment for the guest script')
    p.add_argument('--timeout', type=int, default=3000, help='guest script timeout, s')
    a = p.parse_args()
    prog = os.path.basename(a.script).replace('guest-', '').replace('.sh', '')
    for e in a.guest_env:
        if not re.fullmatch(r'[A-Z_][A-Z0-9_]*=[\w.,/-]*', e):
            say(prog, 'bad --guest-env %r' % e)
            return 2
    if a.read_passes is None:
        a.read_passes = env_int('READ_PASSES', a.passes)
    if not 1 <= a.passes <= 32 or not 1 <= a.read_passes <= 32 or not 1 <= a.rounds <= 20:
        say(prog, 'ROUNDS must be 1..20, PASSES and READ_PASSES 1..32')
        return 2

    with tempfile.TemporaryDirectory(prefix='famfs-bench.') as tmp:
        reader = build_reader(prog, tmp)
        if not reader:
            return 2
        extra = [(reader, GUEST_DIR + '/dax_read'),
                 (os.path.join(HERE, 'guest-lib.sh'), GUEST_DIR + '/guest-lib.sh'),
                 (a.script, GUEST_DIR + '/guest.sh')]
        for e in a.extra:
            src, sep, dest = e.partition(':')
            if not sep or not dest.startswith('/'):
                say(prog, 'bad --extra %r (want SRC:/DEST)' % e)
                return 2
            extra.append((src, dest))
        g = Guest(a.name, kernel=a.kernel, backend=a.backend, mode=a.mode,
                  memsize='4G', mem_mb=2048, extra_initrd_files=extra,
                  smp=int(os.environ.get('FAMFS_BENCH_SMP', '2')))
        if a.title:
            print('# ' + a.title)
        print('# host before: ' + host_load())
        try:
            try:
                g.start()
                release = ''
                try:
                    with open(os.path.join(g.kernel_dir, 'release')) as f:
                        release = f.read().strip()
                except OSError:
                    pass
                print('# kernel: %s (release %s, %s)%s' % (
                    a.kernel, release or '?', g.kernel_dir,
                    ' - ' + a.kernel_note if a.kernel_note else ''))
                g.wait_ready(300)
                print('# guest ready in %.1fs, device %s, %s/%s' % (
                    g.boot_seconds, g.device, a.backend, a.mode))
                sys.stdout.flush()
                genv = list(a.guest_env)
                if os.environ.get('FAMFS_BENCH_CPU', '').isdigit():
                    genv.append('BENCH_CPU=' + os.environ['FAMFS_BENCH_CPU'])
                env = ' '.join(shlex.quote(e) for e in genv)
                cpu_before = host_cpu_times()
                rc, out = g.run('%s ROUNDS=%d PASSES=%d READ_PASSES=%d sh %s/guest.sh' % (
                    env, a.rounds, a.passes, a.read_passes, GUEST_DIR), timeout=a.timeout,
                    stream=lambda s: (sys.stdout.write(s), sys.stdout.flush()))
                cpu_after = host_cpu_times()
                g.shutdown()
            except VMError as e:
                say(prog, str(e))
                return 2
        finally:
            g.kill()
            remove_memfile(g.memfile)
    print('# host after: ' + host_load())
    print('# ' + steal_note(cpu_before, cpu_after))

    problems = g.console_problems()
    for line in problems:
        print('# console: ' + line)
    if rc != 0:
        say(prog, 'guest script exited %d' % rc)
        return 2
    res, nbytes, faults = parse(out)
    if not res:
        say(prog, 'no RESULT lines from the guest')
        return 2
    ok = summarise(res, nbytes, faults, a.subject, a.baseline, a.rounds, a.passes,
                   a.read_passes)
    if problems:
        say(prog, '%d kernel console problem line(s), see %s' % (len(problems), g.console_log))
    if not ok:
        say(prog, 'results incomplete')
    return 0 if ok and not problems else 2


if __name__ == '__main__':
    sys.exit(main())
