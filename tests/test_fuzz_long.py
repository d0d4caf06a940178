"""Fuzzing (issue 11): the corpus kept in git, the long run started by
hand (ci/fuzz-long) with its figures in docs/hardening.md, and the short
run that ci/test keeps (ci/fuzz-smoke)."""
import os
import re
import shutil
import subprocess

import pytest

from conftest import ROOT


def test_ci_test_keeps_the_short_fuzz_run_and_the_long_one_is_by_hand():
    ci_test = (ROOT / "ci" / "test").read_text()
    assert "ci/fuzz-smoke" in ci_test and "fuzz-long" not in ci_test
    assert "tests/fuzz/corpus" in (ROOT / "ci" / "fuzz-smoke").read_text()
    doc = (ROOT / "docs" / "hardening.md").read_text()
    assert "ci/fuzz-long" in doc and re.search(r"\| cases \|.*\| \d+ \|", doc), "the long run's figures"


@pytest.mark.parametrize("target", ["cases", "expected", "seccomp"])
def test_a_corpus_is_kept_for_each_fuzzer(target):
    kept = ROOT / "tests" / "fuzz" / "corpus" / target
    assert kept.is_dir() and len(list(kept.iterdir())) >= 10


def test_fuzz_long_runs_merges_and_reports(tmp_path):
    if not shutil.which("clang") or not (ROOT / "build" / "fuzz" / "fuzz-cases").exists():
        pytest.skip("the fuzzers are not built (ninja fuzz needs clang)")
    env = dict(os.environ, FUZZ_KEEP=str(tmp_path / "keep"), FUZZ_OUT=str(tmp_path / "out"),
               FUZZ_WORK=str(tmp_path / "work"))
    proc = subprocess.run([str(ROOT / "ci" / "fuzz-long"), "3", "cases"], capture_output=True, text=True,
                          env=env, timeout=900, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    assert len(list((tmp_path / "keep" / "cases").iterdir())) > 0
    report = (tmp_path / "out" / "report.md").read_text()
    row = next(l for l in report.splitlines() if l.startswith("| cases |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1] == "3 s" and int(cells[3]) > 0 and cells[6] == "none", row
