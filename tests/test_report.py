"""tools/report.py on a run with a deliberately changed expectation: the
report names the case, shows both outcomes and the kernel facts, and its
reproducer compiles and shows the same difference."""
import json
import os
import re
import shutil
import subprocess

import pytest

from conftest import ROOT, binary

REPORT = ROOT / "tools" / "report.py"
CASES = os.environ.get("SPLICECHECK_REPRO_CASES", str(ROOT / "cases"))
EXPECTED = os.environ.get("SPLICECHECK_REPRO_EXPECTED", str(ROOT / "expected"))


def a_passing_case(tmp_path):
    """A case that passes here, with a plain expected line and a first
    outcome that is a byte count (so changing it is another valid one)."""
    env = dict(os.environ, TMPDIR=str(tmp_path))
    out = subprocess.run([binary(), "-q", "--format", "json", "--cases", CASES, "--expected", EXPECTED],
                         capture_output=True, text=True, env=env, timeout=600).stdout
    for line in out.splitlines():
        c = json.loads(line)
        if (c["type"] == "case" and c["status"] == "pass" and c["expected_from"] and c["outcomes"]
                and re.fullmatch(r"\d+", c["outcomes"][0]) and len(c["outcomes"]) >= 2):
            return c
    pytest.skip("no passing case with a byte count first")


@pytest.fixture
def changed(tmp_path):
    """expected/ copied with the first outcome of one case's line changed."""
    case = a_passing_case(tmp_path)
    exp = tmp_path / "expected"
    shutil.copytree(EXPECTED, exp)
    file, line = case["expected_from"].rsplit(":", 1)
    path = exp / os.path.basename(file)
    lines = path.read_text().split("\n")
    words = lines[int(line) - 1].split()
    assert words[0] == case["case"]
    old = case["outcomes"][0]
    new = str(int(old) + 7)
    words[1] = new
    lines[int(line) - 1] = " ".join(words)
    path.write_text("\n".join(lines))
    return case, old, new, exp


def check_report(tmp_path, md_path, case, old, new):
    md = md_path.read_text()
    twin = json.loads(md_path.with_suffix(".json").read_text())
    name = case["case"]
    assert f"## {name}" in md
    assert f"`{new}`" in md and f"`{old}` **≠**" in md, md[:3000]
    u = os.uname()
    assert u.release in md and u.machine in md
    assert "target (expected outcomes) | `linux`" in md
    [entry] = [c for c in twin["failing"] if c["case"] == name]
    assert entry["steps"][0]["expected"] == new and entry["steps"][0]["seen"] == old
    assert twin["kernel"]["release"] == u.release
    assert any(e["holds_for"] for e in entry["expected_lines"])
    # the reproducer in the report compiles cleanly and shows the difference
    src = re.search(r"```c\n(.*?)\n```", md, re.S).group(1)
    assert src == entry["reproducer"].rstrip("\n")
    (tmp_path / "r.c").write_text(src + "\n")
    subprocess.run(["cc", "-Wall", "-Wextra", "-Werror", "-o", str(tmp_path / "r"), str(tmp_path / "r.c")],
                   check=True, timeout=120)
    run = subprocess.run([str(tmp_path / "r")], capture_output=True, text=True, timeout=60,
                         env=dict(os.environ, TMPDIR=str(tmp_path)))
    assert run.returncode == 1, run.stdout
    assert f" = {old}" in run.stdout and f"expected {new}" in run.stdout


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler")
def test_report_of_a_run(tmp_path, changed):
    case, old, new, exp = changed
    md = tmp_path / "report.md"
    proc = subprocess.run([str(REPORT), "--cases", CASES, "--expected", str(exp), "-o", str(md), "--",
                           "--filter", case["case"]], capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, TMPDIR=str(tmp_path)))
    assert proc.returncode == 0, proc.stderr
    assert "1 failing case" in proc.stdout
    check_report(tmp_path, md, case, old, new)
    assert "harness said | `splicecheck: target linux" in md.read_text()


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler")
def test_report_of_a_saved_json_run(tmp_path, changed):
    case, old, new, exp = changed
    saved = tmp_path / "run.json"
    run = subprocess.run([binary(), "-q", "--format", "json", "--cases", CASES, "--expected", str(exp)],
                         capture_output=True, text=True, timeout=600, env=dict(os.environ, TMPDIR=str(tmp_path)))
    assert run.returncode == 1
    saved.write_text(run.stdout)
    md = tmp_path / "saved.md"
    proc = subprocess.run([str(REPORT), "--json", str(saved), "--cases", CASES, "--expected", str(exp),
                           "-o", str(md)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    check_report(tmp_path, md, case, old, new)


def test_report_of_a_clean_run_says_so(tmp_path):
    saved = tmp_path / "run.json"
    saved.write_text('{"type":"summary","target":"linux","kernel":"6.1","passed":3,"failed":0,'
                     '"skipped":0,"broken":0}\n')
    md = tmp_path / "clean.md"
    proc = subprocess.run([str(REPORT), "--json", str(saved), "-o", str(md)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "nothing to report" in md.read_text()
    assert json.loads(md.with_suffix(".json").read_text())["failing"] == []
