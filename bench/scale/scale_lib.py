# SPDX-License-Identifier: GPL-2.0
"""Shared host side of the scale benchmarks (bench/scale/): build the
in-guest helpers, boot one guest, run a guest script, collect its
"ROW key=value ..." lines, and write them as a CSV, a text table and a
gnuplot PNG under bench/scale/results/."""

import os
import shlex
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
RESULTS = os.environ.get("FAMFS_SCALE_RESULTS", os.path.join(HERE, "results"))
GUEST_DIR = "/opt/famfs-bench"
GUEST_LIB = "guest-scale-lib.sh"   # sourced by run_guest's scripts
sys.path.insert(0, os.path.join(TOP, "tools", "testing", "vm"))
import famfsvm  # noqa: E402


def say(prog, msg):
    print("%s: %s" % (prog, msg), file=sys.stderr, flush=True)


def build_helpers(outdir):
    """Static fill-log and tm (the guests have busybox and our tools)."""
    subprocess.run(["make", "-s", "-C", os.path.join(TOP, "user")], check=True)
    cc = os.environ.get("CC", "gcc")
    flags = ["-static", "-O2", "-std=gnu11", "-Wall", "-Wextra", "-Werror"]
    out = {}
    out["fill-log"] = os.path.join(outdir, "fill-log")
    subprocess.run([cc] + flags + [
        "-I", os.path.join(TOP, "user", "lib"),
        "-I", os.path.join(TOP, "include", "uapi"),
        "-o", out["fill-log"], os.path.join(HERE, "fill-log.c"),
        os.path.join(TOP, "user", "build", "libfamfs.a"),
        "-luuid", "-lyaml", "-lz"], check=True)
    out["tm"] = os.path.join(outdir, "tm")
    subprocess.run([cc] + flags + ["-o", out["tm"], os.path.join(HERE, "tm.c")],
                   check=True)
    return out


def run_in_guest(prog, script, env, extras, memsize, mem_mb, timeout,
                 kernel="test", info=None):
    """Boot one pmem guest, run script with env; return its ROW dicts.
    info (a dict, optional) gets "kernel": which kernel ran (flavour,
    release, artifact directory)."""
    work = "/tmp/famfs-scale-%d" % os.getpid()
    os.makedirs(work, exist_ok=True)
    helpers = build_helpers(work)
    files = [(helpers["fill-log"], GUEST_DIR + "/fill-log"),
             (helpers["tm"], GUEST_DIR + "/tm"),
             (os.path.join(HERE, script), GUEST_DIR + "/" + script)]
    files += extras
    g = famfsvm.Guest("scale", kernel=kernel, backend="nvdimm", mode="fsdax",
                      memsize=memsize, mem_mb=mem_mb,
                      extra_initrd_files=files,
                      logdir=os.environ.get("FAMFS_TEST_LOGS",
                                            os.path.join(TOP, "test-logs")))
    rows = []
    try:
        t0 = time.time()
        g.start().wait_ready(600)
        desc = "%s (release %s, %s)" % (kernel, _release(g.kernel_dir),
                                         g.kernel_dir)
        if info is not None:
            info["kernel"] = desc
        say(prog, "guest up in %.0f s (%s of pmem, %d MiB RAM), kernel %s"
            % (time.time() - t0, memsize, mem_mb, desc))
        cmd = " ".join("%s=%s" % (k, shlex.quote(str(v)))
                       for k, v in env.items())
        rc, out = g.run("%s sh %s/%s" % (cmd, GUEST_DIR, script),
                        timeout=timeout)
        for line in out.splitlines():
            if line.startswith("ROW "):
                rows.append(dict(kv.split("=", 1) for kv in line.split()[1:]))
        if rc != 0:
            say(prog, "guest script failed (exit %d):\n%s" % (rc, out[-3000:]))
            return None
        probs = g.console_problems()
        if probs:
            say(prog, "kernel console problems:\n" + "\n".join(probs))
            return None
    finally:
        g.shutdown()
        famfsvm.remove_memfile(g.memfile)
        subprocess.run(["rm", "-rf", work])
    return rows


def _release(kdir):
    try:
        with open(os.path.join(kdir, "release")) as f:
            return f.read().strip()
    except (OSError, TypeError):
        return "?"


def write_csv(name, rows, cols):
    os.makedirs(RESULTS, exist_ok=True)
    path = os.path.join(RESULTS, name + ".csv")
    with open(path, "w") as f:
        f.write(",".join(cols) + "\n")
        for r in rows:
            f.write(",".join(str(r.get(c, "")) for c in cols) + "\n")
    return path


def table(rows, cols, heads):
    """Markdown table of rows (dicts) for cols, with heads as titles."""
    w = [max(len(h), *(len(str(r.get(c, ""))) for r in rows))
         for c, h in zip(cols, heads)]
    lines = ["| " + " | ".join(h.ljust(n) for h, n in zip(heads, w)) + " |",
             "|" + "|".join("-" * (n + 2) for n in w) + "|"]
    for r in rows:
        lines.append("| " + " | ".join(str(r.get(c, "")).rjust(n)
                                       for c, n in zip(cols, w)) + " |")
    return "\n".join(lines)


def plot(name, csv, title, xlabel, ylabel, series, logx=True, logy=True):
    """series: [(column number, title)] against column 1 of csv."""
    png = os.path.join(RESULTS, name + ".png")
    cmds = ["set terminal pngcairo size 900,560" if _has_cairo()
            else "set terminal png size 900,560",
            "set output %s" % _q(png), "set datafile separator ','",
            "set key top left", "set grid",
            "set title %s" % _q(title), "set xlabel %s" % _q(xlabel),
            "set ylabel %s" % _q(ylabel)]
    if logx:
        cmds.append("set logscale x")
    if logy:
        cmds.append("set logscale y")
    cmds.append("plot " + ", ".join(
        "%s using 1:%d skip 1 with linespoints title %s" % (_q(csv), col, _q(t))
        for col, t in series))
    try:
        subprocess.run(["gnuplot"], input="\n".join(cmds) + "\n", text=True,
                       check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        say(name, "no plot (gnuplot: %s)" % exc)
        return None
    return png


def _q(s):
    return '"%s"' % s.replace('"', '\\"')


def _has_cairo():
    try:
        out = subprocess.run(["gnuplot", "-e", "set terminal"], text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             check=False).stdout
    except OSError:
        return False
    return "pngcairo" in out


# ---- used by curves 2, 3 and 5 (device-size, file-count, copy-bandwidth) --

def host_load():
    """The host's `uptime` line (the machine is shared: results carry it)."""
    try:
        return subprocess.run(["uptime"], stdout=subprocess.PIPE, text=True,
                              check=False).stdout.strip()
    except OSError:
        return "load %.2f %.2f %.2f" % os.getloadavg()


def build_static(outdir, name, srcs):
    """Build bench/scale/SRC... into a static helper for the guest (strict
    warnings); return its path or None."""
    out = os.path.join(outdir, name)
    cmd = [os.environ.get("CC", "gcc"), "-static", "-O2", "-std=c11",
           "-D_GNU_SOURCE", "-Wall", "-Wextra", "-Werror", "-o", out] + \
        [os.path.join(HERE, s) for s in srcs]
    if subprocess.run(cmd, check=False).returncode:
        return None
    return out


def run_guest(prog, script, env, memsize, mem_mb, timeout, kernel="test",
              mode="fsdax", helpers=("tm",), smp=2, extras=(), prefill=False):
    """Boot one nvdimm guest (namespace in `mode`, made at boot with map=mem),
    run bench/scale/SCRIPT (with guest-scale-lib.sh beside it) with env
    under busybox sh, and return
    {"rows": [ROW dicts], "notes": [NOTE lines], "header": [lines]}, or None
    on any error (build, boot, script exit, kernel console problems). The
    script's output streams to stderr as it runs. helpers: static programs
    built from bench/scale/NAME.c, put in /opt/famfs-bench/; extras: more
    (host path, guest path) files. prefill: allocate the whole shared-memory
    file on the host before boot, so that no timed step pays the host's
    first touch of a page (tmpfs allocation and zeroing) and every side
    writes to memory that is already there."""
    if subprocess.run(["make", "-s", "-C", os.path.join(TOP, "user")],
                      stdout=subprocess.DEVNULL, check=False).returncode:
        say(prog, "user space build failed (make -C user)")
        return None
    work = "/tmp/famfs-scale-%s-%d" % (prog, os.getpid())
    os.makedirs(work, exist_ok=True)
    res = {"rows": [], "notes": [], "header": []}
    g = None
    try:
        # The guest scripts source guest-scale-lib.sh from their directory.
        files = [(os.path.join(HERE, s), GUEST_DIR + "/" + s)
                 for s in (script, GUEST_LIB)]
        files += list(extras)
        for h in helpers:
            path = build_static(work, h, [h + ".c"])
            if not path:
                say(prog, "building %s.c failed" % h)
                return None
            files.append((path, GUEST_DIR + "/" + h))
        memfile = famfsvm.new_memfile_path()
        if prefill:
            fd = os.open(memfile, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                os.posix_fallocate(fd, 0, famfsvm.parse_size(memsize))
            except OSError as exc:
                say(prog, "cannot allocate %s for %s: %s" % (memsize, memfile,
                                                           exc))
                famfsvm.remove_memfile(memfile)
                return None
            finally:
                os.close(fd)
        g = famfsvm.Guest(prog, kernel=kernel, backend="nvdimm", mode=mode,
                          memfile=memfile,
                          memsize=memsize, mem_mb=mem_mb, smp=smp,
                          extra_initrd_files=files,
                          logdir=os.environ.get("FAMFS_TEST_LOGS",
                                                os.path.join(TOP, "test-logs")))
        res["header"].append("host before: " + host_load())
        t0 = time.time()
        try:
            g.start()
            g.wait_ready(900)
        except famfsvm.VMError as exc:
            say(prog, "guest did not boot (%s of pmem, %d MiB RAM): %s"
                % (memsize, mem_mb, exc))
            return None
        release = "?"
        try:
            with open(os.path.join(g.kernel_dir, "release")) as f:
                release = f.read().strip()
        except OSError:
            pass
        res["boot_s"] = g.boot_seconds
        res["header"].append("kernel %s (%s), guest %d MiB RAM, %d vCPU, "
                             "%s nvdimm %s (map=mem), booted in %.0f s "
                             "(%.0f s with the initramfs build)"
                             % (kernel, release, mem_mb, smp, memsize, mode,
                                g.boot_seconds, time.time() - t0))
        say(prog, res["header"][-1])
        cmd = " ".join("%s=%s" % (k, shlex.quote(str(v)))
                       for k, v in env.items())
        try:
            rc, out = g.run("%s sh %s/%s" % (cmd, GUEST_DIR, script),
                            timeout=timeout,
                            stream=lambda s: (sys.stderr.write(s),
                                              sys.stderr.flush()))
        except famfsvm.VMError as exc:
            say(prog, "guest failed: %s" % exc)
            return None
        res["header"].append("host after: " + host_load())
        for line in out.splitlines():
            if line.startswith("ROW "):
                res["rows"].append(dict(kv.split("=", 1)
                                        for kv in line.split()[1:]))
            elif line.startswith("NOTE "):
                res["notes"].append(line[5:].strip())
        g.shutdown()
        probs = g.console_problems()
        if probs:
            say(prog, "kernel console problems (%s):\n%s"
                % (g.console_log, "\n".join(probs[:40])))
            return None
        if rc != 0:
            say(prog, "guest script failed (exit %d)" % rc)
            return None
        if not res["rows"]:
            say(prog, "no ROW lines from the guest")
            return None
    finally:
        if g:
            g.kill()
            famfsvm.remove_memfile(g.memfile)
        subprocess.run(["rm", "-rf", work], check=False)
    return res


def write_md(name, command, header, text, notes):
    """bench/scale/results/NAME.md: the command, the header lines (load,
    kernel), the table and the notes."""
    path = os.path.join(RESULTS, name + ".md")
    with open(path, "w") as f:
        f.write("Command: `%s`\n\n" % command)
        for h in header:
            f.write("- %s\n" % h)
        f.write("\n%s\n\n" % text)
        for n in notes:
            f.write("- %s\n" % n)
    return path


def ext4_extras():
    """mke2fs (as /sbin/mkfs.ext4) and its configuration for the guest."""
    mke2fs = "/sbin/mke2fs"
    for d in os.environ.get("PATH", "").split(":") + ["/usr/sbin", "/sbin"]:
        if os.access(os.path.join(d, "mke2fs"), os.X_OK):
            mke2fs = os.path.join(d, "mke2fs")
            break
    out = [(mke2fs, "/sbin/mkfs.ext4")]
    if os.path.exists("/etc/mke2fs.conf"):
        out.append(("/etc/mke2fs.conf", "/etc/mke2fs.conf"))
    return out
