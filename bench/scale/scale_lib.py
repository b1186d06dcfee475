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
