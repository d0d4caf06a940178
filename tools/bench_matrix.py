#!/usr/bin/python3
"""Time the kernel matrix: boot-plus-suite seconds per kernel, and the wall
time of the whole matrix with boots one at a time and in parallel.

    tools/bench_matrix.py [--kernels 5.10,6.1,6.12,7.2] [--vmlinuz PATH]...
                          [--arch amd64,i386,arm64,ppc64el,s390x]
                          [--cases-filter GLOB] [--jobs N] [--timeout S] [--cpus N]
                          [--harness PATH] [--accel auto|tcg|kvm] [--keep DIR]
                          [--against FILE [--rounds N]]

--cpus N gives each guest N virtual CPUs (default 1, as ci/kernel-matrix).

"cases s" is the suite's own time in the guest of the sequential run: the
sum of the per-case times the harness reports (its JSON "ms"), without the
boot. --keep DIR keeps each sequential guest's output (DIR/LABEL.json: the
harness's JSON lines) for tools/json_same.py, to compare two harnesses.

--against FILE [--rounds N] compares two static amd64 harnesses in the same boot,
where a guest's speed swings less than from boot to boot (by a fifth under
TCG): in each sequential guest, before the usual run, the suite runs N
times (default 3) with FILE and with --harness in turn, `-q`, each timed
inside the guest (/proc/uptime), and a second table gives each one's
median, their ratio, and in how many rounds --harness was the faster.

Kernels are fetched (and cached) first, outside the timings. Prints
figures only; it never judges them. Exit 0 when every boot ran the suite to
its end, 1 when one did not (the figures are still printed), 2 bad usage.
"""

import argparse
import base64
import concurrent.futures
import json
import os
import shlex
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import matrix  # noqa: E402


def cases_seconds(workdir):
    """The sum of the per-case times in a guest's output (serial1.log)."""
    total = 0.0
    try:
        with open(os.path.join(workdir, "serial1.log"), errors="replace") as f:
            for line in f:
                if '"type":"case"' in line:
                    try:
                        total += json.loads(line[line.index("{"):]).get("ms", 0)
                    except ValueError:
                        pass
    except OSError:
        return None
    return total / 1000


ROUND_MARK = "@@BENCH-ROUND"


def rounds_hook(against, rounds, cases_filter):
    """A pre hook: the suite with /against and /splicecheck in turn, rounds
    times, each run's start and end (/proc/uptime) on the console."""
    with open(against, "rb") as f:
        image = base64.b64encode(f.read()).decode()
    args = "-q --timeout 10000" + (" --filter " + shlex.quote(cases_filter) if cases_filter else "")
    script = "#!/bin/sh\nbase64 -d > /against <<'EOF'\n%s\nEOF\nchmod +x /against\n" % image
    for r in range(rounds):
        for name, prog in (("against", "/against"), ("harness", "/splicecheck")):
            script += ("a=$(cut -d' ' -f1 /proc/uptime); %s %s >/dev/null 2>&1; rc=$?; "
                       "b=$(cut -d' ' -f1 /proc/uptime); echo \"%s %d %s $a $b $rc\"\n"
                       % (prog, args, ROUND_MARK, r, name))
    return script


def parse_rounds(console):
    """{"against": [seconds, ...], "harness": [...]} from a guest's console,
    in round order; a run that did not exit 0 or 1 (the suite ended, passed
    or not) is None."""
    times = {"against": [], "harness": []}
    for line in console.splitlines():
        f = line[line.find(ROUND_MARK):].split() if ROUND_MARK in line else []
        if len(f) == 6 and f[2] in times:
            try:
                secs = float(f[4]) - float(f[3])
            except ValueError:
                continue
            times[f[2]].append(secs if f[5] in ("0", "1") else None)
    return times


def round_figures(times):
    """Each harness's median, the ratio, and the rounds --harness won."""
    pairs = [(x, y) for x, y in zip(times["against"], times["harness"]) if x is not None and y is not None]
    if not pairs:
        return None
    against = statistics.median(x for x, _ in pairs)
    harness = statistics.median(y for _, y in pairs)
    return {"rounds": len(pairs), "against": against, "harness": harness,
            "ratio": harness / against if against else None, "won": sum(1 for x, y in pairs if y < x)}


def run_all(kernels, a, jobs, tmp, tag, hooks=None):
    args = matrix.harness_args(a.cases_filter, kernel_facts=False)
    quiet = lambda m: None  # noqa: E731
    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as ex:
        futs = [ex.submit(matrix.run_kernel, k, k.get("harness") or a.harness, args,
                          os.path.join(tmp, tag, k["label"]), a.timeout, a.accel,
                          False, a.cache_dir, quiet, hooks=hooks, cpus=a.cpus) for k in kernels]
        results = [f.result() for f in futs]
    return results, time.monotonic() - start


def main(argv=None):
    p = argparse.ArgumentParser(prog="tools/bench_matrix.py", description=__doc__.split("\n")[0])
    p.add_argument("--kernels", default=None)
    p.add_argument("--vmlinuz", action="append", default=[])
    p.add_argument("--arch", default=matrix.DEFAULT_ARCH,
                   help="comma-separated, as ci/kernel-matrix --arch (default %(default)s)")
    p.add_argument("--cases-filter", metavar="GLOB")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--cpus", type=int, default=1, help="virtual CPUs per guest")
    p.add_argument("--timeout", type=float, default=900)
    p.add_argument("--harness", default=os.path.join(matrix.REPO, "build", "splicecheck-static"))
    p.add_argument("--accel", choices=("auto", "tcg", "kvm"), default="auto")
    p.add_argument("--flavour", default=matrix.DEFAULT_FLAVOUR)
    p.add_argument("--cache-dir", default=matrix.cache_root())
    p.add_argument("--keep", metavar="DIR", help="keep each sequential guest's JSON output in DIR")
    p.add_argument("--against", metavar="FILE", help="another static harness to time in the same boots")
    p.add_argument("--rounds", type=int, default=3, help="runs of each harness per boot with --against")
    try:
        a = p.parse_args(sys.argv[1:] if argv is None else argv)
    except SystemExit as e:
        return 2 if e.code else 0
    if a.jobs < 1 or a.timeout <= 0 or not 1 <= a.cpus <= 64 or a.rounds < 1:
        sys.stderr.write("bench_matrix: --jobs and --rounds must be >= 1, --cpus 1 to 64 and --timeout > 0\n")
        return 2
    if a.against and not os.path.isfile(a.against):
        sys.stderr.write("bench_matrix: --against %s: no such file\n" % a.against)
        return 2
    arches = [x for x in a.arch.split(",") if x]
    if not arches or any(x not in matrix.ARCHES for x in arches):
        sys.stderr.write("bench_matrix: --arch wants some of %s\n" % ", ".join(matrix.ARCHES))
        return 2
    if a.against and arches != [matrix.DEFAULT_ARCH]:
        sys.stderr.write("bench_matrix: --against times the %s harness: use it with --arch %s alone\n"
                         % (matrix.DEFAULT_ARCH, matrix.DEFAULT_ARCH))
        return 2
    harnesses = {x: a.harness if x == matrix.DEFAULT_ARCH else
                 os.path.join(matrix.REPO, "build", matrix.ARCHES[x]["harness"]) for x in arches}
    for x, h in harnesses.items():
        if not os.path.isfile(h):
            sys.stderr.write("bench_matrix: %s does not exist; build it (ninja cross) or pass "
                             "--harness\n" % h)
            return 2
    for v in a.vmlinuz:
        if not os.path.isfile(v):
            sys.stderr.write("bench_matrix: --vmlinuz %s: no such file\n" % v)
            return 2
    specs = ([k for k in a.kernels.split(",") if k] if a.kernels is not None
             else ([] if a.vmlinuz else list(matrix.DEFAULT_KERNELS)))
    kernels = []
    if specs:
        kernels, _ = matrix.fetch_arch_kernels(arches, specs, a.cache_dir, a.flavour, harnesses)
    for v in a.vmlinuz:
        ver = matrix.bzimage_version(v)
        kernels.append({"label": matrix.arch_label(ver or os.path.basename(v), arches[0]),
                        "version": ver, "vmlinuz": os.path.abspath(v), "arch": arches[0],
                        "harness": harnesses[arches[0]]})
    matrix.unique_labels(kernels)
    if not kernels:
        sys.stderr.write("bench_matrix: no kernel to boot\n")
        return 1
    tmp = tempfile.mkdtemp(prefix="bench-matrix.")
    try:
        matrix.progress("sequential run (--jobs 1) of %d kernel(s)" % len(kernels))
        hooks = {"pre": rounds_hook(a.against, a.rounds, a.cases_filter)} if a.against else None
        seq, seq_wall = run_all(kernels, a, 1, tmp, "seq", hooks)
        for k, s in zip(kernels, seq):
            wd = os.path.join(tmp, "seq", k["label"])
            s["cases_s"] = cases_seconds(wd)
            if a.against:
                with open(os.path.join(wd, "console.log"), errors="replace") as f:
                    s["rounds"] = round_figures(parse_rounds(f.read()))
            if a.keep:
                os.makedirs(a.keep, exist_ok=True)
                with open(os.path.join(wd, "serial1.log"), errors="replace") as f, \
                        open(os.path.join(a.keep, k["label"] + ".json"), "w") as out:
                    out.writelines(l[l.index("{"):] for l in f if "{" in l)
        matrix.progress("parallel run (--jobs %d)" % a.jobs)
        par, par_wall = run_all(kernels, a, a.jobs, tmp, "par")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%-16s %-8s %-26s %-6s %-10s %12s %12s %7s %8s" % (
        "kernel", "arch", "kernel version", "accel", "state", "seq boot+s", "par boot+s", "cases",
        "cases s"))
    for s, q in zip(seq, par):
        print("%-16s %-8s %-26s %-6s %-10s %12.2f %12.2f %7d %8s" % (
            s["label"], s.get("arch") or "amd64",
            (s.get("summary") or {}).get("kernel") or s.get("booted_kernel") or "?",
            s.get("accel"), s["state"], s["seconds"], q["seconds"], len(s.get("cases") or {}),
            "%.2f" % s["cases_s"] if s.get("cases_s") is not None else "?"))
    print("matrix wall time, boots one at a time: %8.2f s" % seq_wall)
    print("matrix wall time, %d boots in parallel: %7.2f s" % (a.jobs, par_wall))
    print("(%d cores, %d virtual CPU(s) a guest; boot+s is qemu start to power-off, suite included)"
          % (os.cpu_count() or 1, a.cpus))
    if a.against:
        print()
        print("the suite in the same boot, %d round(s) in turn (seconds inside the guest, medians):"
              % a.rounds)
        print("%-16s %7s %10s %10s %8s %12s" % ("kernel", "rounds", "against", "harness", "x", "harness won"))
        for s in seq:
            r = s.get("rounds")
            if r is None:
                print("%-16s %7s %10s %10s %8s %12s" % (s["label"], 0, "?", "?", "?", "?"))
                continue
            print("%-16s %7d %10.2f %10.2f %8s %12s" % (
                s["label"], r["rounds"], r["against"], r["harness"],
                "%.2f" % r["ratio"] if r["ratio"] else "?", "%d of %d" % (r["won"], r["rounds"])))
        print("(against: %s; harness: %s)" % (a.against, a.harness))
    return 0 if all(r["state"] == "ok" for r in seq + par) else 1


if __name__ == "__main__":
    sys.exit(main())
