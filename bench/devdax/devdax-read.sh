#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Raw devdax vs famfs on the same device in fsdev mode.
#
# Boots one test guest (tools/testing/vm harness, nvdimm namespace in devdax
# mode, map=mem, 4 GiB), reads 1 GiB through a raw mmap of /dev/daxX.Y
# (device_dax), then switches the device to fsdev_dax, mounts famfs and
# reads a 1 GiB file by mmap and read(2). Prints GB/s, the famfs/raw mmap
# ratio, and PMD/PTE fault counts of one traced famfs mmap pass (fs_dax
# tracepoints). Goal: famfs mmap >= 0.97x raw and zero PTE faults. Under
# TCG the absolute numbers are low; the ratio matters.
#
# Env: FAMFS_BENCH_KERNEL (test|path, default test), PASSES (5).
# Exit: 0 measured (goals are reported, not enforced), 2 on errors.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
here=$top/bench/devdax
tmp=$(mktemp -d "${TMPDIR:-/tmp}/famfs-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

make -s -C "$top/user" >/dev/null || { echo "devdax-read: user space build failed" >&2; exit 2; }
${CC:-gcc} -static -O2 -std=gnu11 -Wall -Wextra -Werror -o "$tmp/devdax_read" "$here/devdax_read.c"

exec python3 - "$top" "$tmp/devdax_read" "$here/guest-devdax-read.sh" <<'PY'
import os, re, sys
top, reader, script = sys.argv[1:4]
sys.path.insert(0, os.path.join(top, 'tools', 'testing', 'vm'))
from famfsvm import Guest, VMError

extra = [(reader, '/opt/famfs-bench/devdax_read'),
         (script, '/opt/famfs-bench/guest-devdax-read.sh')]
g = Guest('bench-devdax', kernel=os.environ.get('FAMFS_BENCH_KERNEL', 'test'),
          backend='nvdimm', mode='devdax', memsize='4G', mem_mb=2048,
          extra_initrd_files=extra)
try:
    g.start()
    g.wait_ready(300)
    print('# guest ready in %.1fs, device %s' % (g.boot_seconds, g.device))
    passes = os.environ.get('PASSES', '5')
    rc, out = g.run('PASSES=%s sh /opt/famfs-bench/guest-devdax-read.sh' % passes,
                    timeout=3000,
                    stream=lambda s: (sys.stdout.write(s), sys.stdout.flush()))
    g.shutdown()
except VMError as e:
    print('devdax-read: %s' % e, file=sys.stderr)
    g.kill()
    sys.exit(2)
finally:
    try:
        os.unlink(g.memfile)
    except OSError:
        pass
for p in g.console_problems():
    print('# console: ' + p)
if rc != 0:
    print('devdax-read: guest script exited %d' % rc, file=sys.stderr)
    sys.exit(2)

res, faults = {}, {}
for line in out.splitlines():
    m = re.match(r'RESULT fs=(\S+) mode=(\S+) bytes=\d+ best_gbps=(\S+) median_gbps=(\S+)', line)
    if m:
        res[(m.group(1), m.group(2))] = (float(m.group(3)), float(m.group(4)))
    m = re.match(r'FAULTS fs=(\S+) pmd=(\d+) pmd_fallback=(\d+) pte=(\d+)', line)
    if m:
        faults[m.group(1)] = tuple(int(x) for x in m.groups()[1:])

print()
print('%-12s %-5s %12s %12s' % ('path', 'mode', 'best GB/s', 'median GB/s'))
for (fs, mode), (best, med) in sorted(res.items()):
    print('%-12s %-5s %12.3f %12.3f' % (fs, mode, best, med))
for fs, (pmd, fb, pte) in sorted(faults.items()):
    print('%-12s faults in one mmap pass: %d PMD, %d PMD fallback, %d PTE' % (fs, pmd, fb, pte))
raw = res.get(('raw-devdax', 'mmap'))
for mode in ('mmap', 'read'):
    f = res.get(('famfs-fsdev', mode))
    if not f or not raw:
        print('ratio famfs %s / raw mmap: missing results' % mode)
        continue
    r = f[0] / raw[0] if raw[0] else 0
    goal = ' (goal >= 0.97: %s)' % ('met' if r >= 0.97 else 'MISSED') if mode == 'mmap' else ''
    print('ratio famfs %s / raw mmap (best): %.3f%s' % (mode, r, goal))
ff = faults.get('famfs-fsdev')
if ff:
    print('PTE faults in the famfs mmap pass: %d (goal 0: %s)' % (ff[2], 'met' if ff[2] == 0 else 'MISSED'))
PY
