#!/usr/bin/python3
"""How fast the harness runs cases, against the floor of one fork+wait.

Prints figures, never a verdict: times depend on the machine, so only the
ratios measured within one run of this tool mean anything.

  tools/bench.py [--repeat R] [--jobs N] [--sizes 100,1000,5000] [--build DIR]
                 [--asan-sizes 100,1000] [--asan-repeat 3] [--no-asan]
                 [--row-cases 2500]

--build DIR measures the binaries in DIR (splicecheck, splicecheck-asan,
forkbench) instead of building this checkout's: another checkout's build,
to compare before and after a change, with the same tool and method.

- the built-in suite: wall time and cases per second, -j 1 and -j N;
- generated suites of trivial cases (one step, `close -1`, no fixture):
  per-case time, its ratio to a bare fork+wait loop (build/forkbench), for
  -j 1 and -j N, and the harness's peak RSS (ru_maxrss: the harness or its
  largest case process); the same for the ASan build (build/splicecheck-asan);
  then the plain build at -j 1 with it and forkbench both confined to one
  CPU: the case of a guest with one vCPU, where no spare can be made while
  a case runs (left out on a machine with one CPU).
  Each row runs forkbench and the harness in turn, R times, or as many
  more as make --row-cases cases in all (the "rounds" column): a round of
  100 cases takes 10 to 20 ms here, and from one round to the next its
  ratio went from 1.07 to 1.60 in the same minutes, so five were too few
  for a steady median.  "x fork" and
  "x cpu" are the median over those rounds of each round's ratio (wall;
  CPU, user+sys of the process and its children): a round runs the two
  back to back, under the same load.  "x best" is best against best, which
  pairs different rounds: on two CPUs forkbench is fastest (about 65 us
  here against 115) when other load keeps its child on its own CPU, and
  the harness when the other CPU is free for its spares.
The times printed are the best of a row's rounds (the least disturbed by
other load); the load average before and after is printed, as they depend on it.
"""
import argparse
import os
import pathlib
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
BIN = ROOT / "build" / "splicecheck"
ASAN = ROOT / "build" / "splicecheck-asan"
FORK = ROOT / "build" / "forkbench"


def cpu_children():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def on_cpu(cpu):
    """preexec_fn: the run and its children on that CPU only (None: any)."""
    return None if cpu is None else (lambda: os.sched_setaffinity(0, {cpu}))


def timed(argv, env, cpu=None):
    """Wall seconds, CPU seconds and peak RSS (KiB) of one run; it must run
    to the end (exit 0, or 1: some outcome differs, which does not change
    its cost).  forkbench --rss runs it: a peak RSS survives exec, so
    measured from this Python process it would be Python's own."""
    with tempfile.NamedTemporaryFile("r") as rss:
        c0 = cpu_children()
        t0 = time.monotonic()
        p = subprocess.run([str(FORK), "--rss", rss.name, *argv], stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, env=env, preexec_fn=on_cpu(cpu))
        wall = time.monotonic() - t0
        cpu = cpu_children() - c0
        if p.returncode not in (0, 1):
            sys.exit(f"bench: {' '.join(map(str, argv))} exited {p.returncode}:\n{p.stderr.decode(errors='replace')}")
        return wall, cpu, int(rss.read())


def best(argv, env, repeat):
    runs = [timed(argv, env) for _ in range(repeat)]
    return min(r[0] for r in runs), max(r[2] for r in runs)


def fork_run(n, env, cpu=None):
    """forkbench n timed as the harness is (timed(): from here, its start
    and exit included, as the harness's are): us per fork+wait, and its CPU
    seconds.  Its own figure leaves out its start, which for 100 cases was
    a fifth of the harness's per-case time."""
    wall, cpu_s, _ = timed([str(FORK), str(n)], env, cpu)
    return wall * 1e6 / n, cpu_s


def against_fork(argv, env, n, repeat, cpu=None):
    """forkbench n and the harness in turn, `repeat` times: the best of
    each, per case (wall us, CPU us); the median over the rounds of each
    round's ratio (wall, CPU); and the harness's peak RSS."""
    f_walls, f_cpus, h_walls, h_cpus = [], [], [], []
    rss = 0
    for _ in range(repeat):
        us, cpu_s = fork_run(n, env, cpu)
        f_walls.append(us)
        f_cpus.append(cpu_s * 1e6 / n)
        wall, cpu_s, r = timed(argv, env, cpu)
        h_walls.append(wall * 1e6 / n)
        h_cpus.append(cpu_s * 1e6 / n)
        rss = max(rss, r)
    x_wall = statistics.median(h / f for h, f in zip(h_walls, f_walls))
    x_cpu = statistics.median(h / f for h, f in zip(h_cpus, f_cpus))
    return min(f_walls), min(f_cpus), min(h_walls), min(h_cpus), x_wall, x_cpu, rss


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
    ap.add_argument("--no-asan", action="store_true", help="leave out the ASan build's rows")
    ap.add_argument("--asan-sizes", default="100,1000", help="the ASan build's suites (it is slow)")
    ap.add_argument("--asan-repeat", type=int, default=3)
    ap.add_argument("--build", metavar="DIR", help="measure the binaries built in DIR; build nothing")
    ap.add_argument("--row-cases", type=int, default=2500, metavar="N",
                    help="each row runs rounds enough for N cases in all (at least the repeat count)")
    a = ap.parse_args()
    global BIN, ASAN, FORK
    if a.build:
        d = pathlib.Path(a.build).resolve()
        BIN, ASAN, FORK = d / "splicecheck", d / "splicecheck-asan", d / "forkbench"
    sizes = [int(x) for x in a.sizes.split(",")]
    targets = ["build/splicecheck", "build/forkbench"] + ([] if a.no_asan else ["build/splicecheck-asan"])
    if not a.build:
        subprocess.run(["ninja", "-C", str(ROOT), *targets], check=True, stdout=subprocess.DEVNULL)
    with tempfile.TemporaryDirectory(prefix="splicecheck-bench.") as tmp:
        tmp = pathlib.Path(tmp)
        scratch = tmp / "scratch"
        scratch.mkdir()
        env = dict(os.environ, TMPDIR=str(scratch))
        fork = fork_us(2000, a.repeat)
        print(f"binaries: {BIN.parent}")
        print(f"machine: {os.cpu_count()} CPUs, kernel {os.uname().release}; best of {a.repeat} runs; "
              f"load average {os.getloadavg()[0]:.1f}")
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
        print("generated trivial cases (one `close -1` step each), against forkbench N in the same rounds:")
        print(f"  {'build':>5} {'cases':>6} {'-j':>3} {'us/case':>8} {'fork us':>8} {'x fork':>7} {'x best':>7} "
              f"{'cpu us':>7} {'fork cpu':>8} {'x cpu':>6} {'cases/s':>8} {'peak RSS':>9} {'rounds':>6}")
        asan_sizes = [int(x) for x in a.asan_sizes.split(",")]
        cpus = sorted(os.sched_getaffinity(0))
        # (label, binary, sizes, repeat, the -j values, the one CPU or None)
        rows = [("plain", BIN, sizes, a.repeat, sorted({1, a.jobs}), None)]
        if not a.no_asan:
            rows.append(("asan", ASAN, asan_sizes, a.asan_repeat, sorted({1, a.jobs}), None))
        if len(cpus) > 1:
            rows.append(("1cpu", BIN, sizes, a.repeat, [1], cpus[0]))
        for build, binary, ns, repeat, jobs, cpu in rows:
            if cpu is not None:
                print(f"  plain build and forkbench both on CPU {cpu} only (a guest with one vCPU):")
            for n in ns:
                d = tmp / f"suite{n}"
                if not d.exists():
                    make_suite(d, n)
                argv = [str(binary), "-q", "--cases", str(d / "cases"), "--expected", str(d / "expected"),
                        "--target", "linux"]
                rounds = max(repeat, -(-a.row_cases // n))
                for j in jobs:
                    f_wall, f_cpu, us, cpu_us, x_wall, x_cpu, rss = against_fork(argv + [f"-j{j}"], env, n,
                                                                              rounds, cpu)
                    print(f"  {build:>5} {n:>6} {j:>3} {us:8.1f} {f_wall:8.1f} {x_wall:7.2f} {us / f_wall:7.2f} "
                          f"{cpu_us:7.1f} {f_cpu:8.1f} {x_cpu:6.2f} {1e6 / us:8.0f} {rss / 1024:7.1f} MiB "
                          f"{rounds:>6}")
        print(f"load average after: {os.getloadavg()[0]:.1f}")
        left = list(scratch.iterdir())
        if left:
            print(f"note: the runs left {left} behind")


if __name__ == "__main__":
    main()
