"""Every input a fuzzer once crashed or hung on (tests/fuzz/regressions/
TARGET/) replayed through the ordinary ASan+UBSan build: it must be
accepted or refused with a message naming the file, within seconds, and
without a sanitizer report."""
import os
import pathlib
import re
import subprocess

import pytest

from conftest import ROOT, binary

FUZZ = ROOT / "tests" / "fuzz"
REG = FUZZ / "regressions"
# a sanitizer report exits with its own status, never mistaken for the
# harness's 0, 1 or 2
@pytest.fixture(autouse=True)
def sanitizer_exit_codes(monkeypatch):
    monkeypatch.setenv("ASAN_OPTIONS", "exitcode=99:detect_leaks=1")
    monkeypatch.setenv("UBSAN_OPTIONS", "exitcode=98:print_stacktrace=1")


@pytest.fixture
def run(tmp_path):
    """The ASan build on one input; fuzzed inputs need not be UTF-8, and the
    harness quotes them in its messages."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()

    def go(*args):
        proc = subprocess.run([binary("splicecheck-asan"), *args], capture_output=True, timeout=15,
                              env=dict(os.environ, TMPDIR=str(scratch)))
        assert list(scratch.iterdir()) == []
        return subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.decode(errors="replace"),
                                           proc.stderr.decode(errors="replace"))
    return go


def inputs(target):
    d = REG / target
    return sorted(p for p in d.iterdir() if p.is_file()) if d.is_dir() else []


def check(proc, path):
    assert "Sanitizer" not in proc.stderr and "runtime error" not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode in (0, 1, 2), (path.name, proc.returncode, proc.stderr[-2000:])
    if proc.returncode == 2:
        assert "splicecheck: " in proc.stderr, proc.stderr


def test_there_are_regression_inputs():
    assert inputs("cases") and inputs("expected")


@pytest.mark.parametrize("path", inputs("cases"), ids=lambda p: p.name)
def test_case_file_regression(path, run, tmp_path):
    case = tmp_path / "in.case"
    case.write_bytes(path.read_bytes())
    proc = run("list", "--cases", str(case))
    check(proc, path)


def test_fuzz_suite_file_matches_the_fuzzer():
    """fz.case is the text fuzz_expected.c embeds; fz.N has N steps."""
    src = (FUZZ / "fuzz_expected.c").read_text()
    body = re.search(r"static const char suite_text\[\] =\n(.*?);\n", src, re.S).group(1)
    text = "".join(p.encode().decode("unicode_escape") for p in re.findall(r'"((?:\\.|[^"\\])*)"', body))
    on_disk = "".join(l + "\n" for l in (FUZZ / "fz.case").read_text().splitlines() if not l.startswith("#"))
    assert on_disk == text


@pytest.mark.parametrize("path", inputs("expected"), ids=lambda p: p.name)
def test_expected_file_regression(path, run, tmp_path):
    exp = tmp_path / "exp"
    exp.mkdir()
    (exp / "linux.expected").write_bytes(path.read_bytes())
    proc = run("--cases", str(FUZZ / "fz.case"), "--expected", str(exp), "--target", "linux", "-q",
               )
    check(proc, path)


@pytest.mark.parametrize("path", inputs("seccomp"), ids=lambda p: p.name)
def test_seccomp_profile_regression(path, run, tmp_path):
    prof = tmp_path / "profile.json"
    prof.write_bytes(path.read_bytes())
    exp = tmp_path / "exp"
    exp.mkdir()
    (exp / "linux.expected").write_text("fz.1 0\n")
    proc = run("--expect-seccomp", str(prof), "--cases", str(FUZZ / "fz.case"), "--filter", "fz.1", "--expected",
               str(exp), "--target", "linux", "-q")
    check(proc, path)
