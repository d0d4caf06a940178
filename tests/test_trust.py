"""Verdicts a CI can trust (issue 11): input that would never apply is
refused, nothing run is not a pass, a report that cannot be written is not
a pass, bless never loses golden data, edits are never silently ignored,
and the environment is never read as the kernel."""
import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import time

import pytest

from conftest import ROOT, binary

SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed, (\d+) skipped$", re.M)

CASES = """\
case t.write
  pipe p
  write p.w "hello"
  read p.r 10

case t.closed
  closed c
  pipe q
  splice c NULL q.w NULL 5 0
"""
EXPECTED = 't.write 5 5:"hello"\nt.closed EBADF\n'


def suite(tmp_path, cases=CASES, expected=EXPECTED, extra=None):
    d = tmp_path / "suite"
    (d / "cases").mkdir(parents=True, exist_ok=True)
    (d / "expected").mkdir(exist_ok=True)
    (d / "cases" / "t.case").write_text(cases)
    (d / "expected" / "linux.expected").write_text(expected)
    for name, text in (extra or {}).items():
        (d / "expected" / name).write_text(text)
    return d


def on(d):
    return ["--cases", str(d / "cases"), "--expected", str(d / "expected")]


# --- 5. every qualifier, range, target name and number is validated

@pytest.mark.parametrize("qual,what", [
    ("linux>=7.0,<5.0", "no kernel version is in this range"),
    ("linux>5.4,<=5.4", "no kernel version is in this range"),
    ("lnux<99.0", "no target named 'lnux'"),
    ("linux<99999999999.0", "up to 999999"),
    ("linux<5..1", "expected TARGET"),
    ("linux<5.1.2.3", "expected TARGET"),
    ("linux>=5.0,", "ends with a comma"),
])
def test_impossible_or_misspelt_qualifiers_are_file_line_errors(run, tmp_path, qual, what):
    d = suite(tmp_path, expected=EXPECTED + f"t.closed EINVAL {qual}\n")
    proc = run(*on(d))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"linux.expected:3: " in proc.stderr and what in proc.stderr
    assert proc.stdout == ""


def test_a_target_with_an_expected_file_may_be_named(run, tmp_path):
    d = suite(tmp_path, expected=EXPECTED + "t.closed EINVAL gvisor\n", extra={"gvisor.expected": "inherit linux\n"})
    proc = run(*on(d), "-q")
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("expr", ["SSIZE_MAX*SSIZE_MAX", "SIZE_MAX+1", "-SIZE_MAX-SIZE_MAX", "PAGE*SIZE_MAX"])
def test_numbers_that_overflow_are_errors(run, tmp_path, expr):
    d = suite(tmp_path, cases=CASES.replace("read p.r 10", f"read p.r {expr}"))
    proc = run(*on(d))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "t.case:4: " in proc.stderr and expr in proc.stderr


def test_kernel_version_that_overflows_is_refused(run):
    proc = run("--kernel", "99999999999.1")
    assert proc.returncode == 2 and "--kernel" in proc.stderr
