#!/usr/bin/python3
"""How fast the harness runs cases, against the floor of one fork+wait.

Prints figures, never a verdict: times depend on the machine, so only the
ratios measured within one run of this tool mean anything.

  tools/bench.py [--repeat R] [--jobs N] [--sizes 100,1000,5000]

- the built-in suite: wall time and cases per second, -j 1 and -j N;
- generated suites of trivial cases (one step, `close -1`, no fixture):
  per-case time, its ratio to a bare fork+wait loop (build/forkbench,
  measured in this same run), for -j 1 and -j N, and the harness's peak
  RSS (ru_maxrss: the harness or its largest case process).
Each figure is the best of R runs (the least disturbed by other load).
"""
import argparse
import os
import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
BIN = ROOT / "build" / "splicecheck"
FORK = ROOT / "build" / "forkbench"


def timed(argv, env):
    """Wall seconds and peak RSS (KiB) of one run; it must run to the end
    (exit 0, or 1: some outcome differs, which does not change its cost).
    forkbench --rss runs it: a peak RSS survives exec, so measured from this
    Python process it would be Python's own."""
    with tempfile.NamedTemporaryFile("r") as rss:
        t0 = time.monotonic()
        p = subprocess.run([str(FORK), "--rss", rss.name, *argv], stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, env=env)
        wall = time.monotonic() - t0
        if p.returncode not in (0, 1):
            sys.exit(f"bench: {' '.join(map(str, argv))} exited {p.returncode}:\n{p.stderr.decode(errors='replace')}")
        return wall, int(rss.read())


def best(argv, env, repeat):
    runs = [timed(argv, env) for _ in range(repeat)]
    return min(r[0] for r in runs), max(r[1] for r in runs)


def fork_us(n, repeat):
    return min(float(subprocess.run([str(FORK), str(n)], capture_output=True, text=True, check=True).stdout)
               for _ in range(repeat))


def make_suite(d, n):
    (d / "cases").mkdir(parents=True)
    (d / "expected").mkdir()
    (d / "cases" / "t.case").write_text("".join(f"case t.c{i}\n  close -1\n" for i in range(n)))
    (d / "expected" / "linux.expected").write_text("".join(f"t.c{i} EBADF\n" for i in range(n)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--sizes", default="100,1000,5000")
    a = ap.parse_args()
    sizes = [int(x) for x in a.sizes.split(",")]
    subprocess.run(["ninja", "-C", str(ROOT), "build/splicecheck", "build/forkbench"], check=True,
                   stdout=subprocess.DEVNULL)
    with tempfile.TemporaryDirectory(prefix="splicecheck-bench.") as tmp:
        tmp = pathlib.Path(tmp)
        scratch = tmp / "scratch"
        scratch.mkdir()
        env = dict(os.environ, TMPDIR=str(scratch))
        fork = fork_us(2000, a.repeat)
        print(f"machine: {os.cpu_count()} CPUs, kernel {os.uname().release}; best of {a.repeat} runs")
        print(f"bare fork+wait+exit (build/forkbench): {fork:.1f} us")
        print()
        print("built-in suite:")
        ncases = sum(1 for l in subprocess.run([str(BIN), "list"], capture_output=True, text=True,
                                               check=True).stdout.splitlines() if l.strip())
        for j in sorted({1, a.jobs}):
            wall, rss = best([str(BIN), "-q", f"-j{j}"], env, a.repeat)
            print(f"  -j {j:<3} {ncases} cases  {wall * 1000:8.1f} ms  {ncases / wall:8.0f} cases/s  "
                  f"peak RSS {rss / 1024:.1f} MiB")
        print()
        print("generated trivial cases (one `close -1` step each):")
        print(f"  {'cases':>6} {'-j':>3} {'wall ms':>9} {'us/case':>8} {'x fork':>7} {'cases/s':>8} {'peak RSS':>9}")
        for n in sizes:
            d = tmp / f"suite{n}"
            make_suite(d, n)
            argv = [str(BIN), "-q", "--cases", str(d / "cases"), "--expected", str(d / "expected"),
                    "--target", "linux"]
            for j in sorted({1, a.jobs}):
                wall, rss = best(argv + [f"-j{j}"], env, a.repeat)
                us = wall * 1e6 / n
                print(f"  {n:>6} {j:>3} {wall * 1000:9.1f} {us:8.1f} {us / fork:7.2f} {n / wall:8.0f} "
                      f"{rss / 1024:7.1f} MiB")
        left = list(scratch.iterdir())
        if left:
            print(f"note: the runs left {left} behind")


if __name__ == "__main__":
    main()
