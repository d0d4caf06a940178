"""tools/bench.py prints its rows for every suite size asked for, with
figures in them; where the machine has two CPUs or more, the one-CPU rows
too (harness and forkbench confined to one CPU), and not where it has one;
a small suite's row runs rounds enough for --row-cases cases."""
import os
import re
import subprocess

import pytest

from conftest import ROOT

ROW = re.compile(r"^\s+(plain|asan|1cpu)\s+(\d+)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s.*MiB\s+(\d+)$")


def bench(*pre, sizes="10,20", row_cases=0):
    # bench.py builds what it measures (forkbench is not in ninja's default)
    proc = subprocess.run([*pre, "/usr/bin/python3", str(ROOT / "tools" / "bench.py"), "--no-asan",
                           "--sizes", sizes, "--repeat", "1", "--jobs", "2", "--row-cases", str(row_cases)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = [m.groups() for m in map(ROW.match, proc.stdout.splitlines()) if m]
    return proc.stdout, rows


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two CPUs")
def test_rows_for_each_size_and_one_cpu():
    out, rows = bench()
    got = {(r[0], int(r[1]), int(r[2])) for r in rows}
    assert got == {("plain", 10, 1), ("plain", 10, 2), ("plain", 20, 1), ("plain", 20, 2),
                   ("1cpu", 10, 1), ("1cpu", 20, 1)}, out
    for r in rows:
        us, fork_us, x_fork = map(float, r[3:6])
        assert us > 0 and fork_us > 0
        assert r[6] == "1", out
        # one round: the median of the rounds' ratios is that round's
        assert abs(x_fork - us / fork_us) < 0.02, out
    assert "both on CPU" in out


def test_no_one_cpu_rows_on_one_cpu():
    cpu = min(os.sched_getaffinity(0))
    out, rows = bench("taskset", "-c", str(cpu))
    assert rows and {r[0] for r in rows} == {"plain"}, out
    assert "both on CPU" not in out


def test_small_suites_run_more_rounds():
    """--row-cases 30: the 10-case rows run 3 rounds, the 40-case rows the
    one --repeat asks for (never fewer)."""
    out, rows = bench("taskset", "-c", str(min(os.sched_getaffinity(0))), sizes="10,40", row_cases=30)
    assert {(r[1], r[6]) for r in rows} == {("10", "3"), ("40", "1")}, out
