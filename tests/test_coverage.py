"""Tests for tools/coverage.py (run with pytest-3).

Most tests build a small checklist and cases directory in a temporary
directory. The last section runs the tool on the real repository: that test
is the project's coverage gate and FAILS until cases/ covers every id in
docs/checks.md. It is deliberately neither skipped nor marked xfail.
"""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "tools" / "coverage.py"

CHECKLIST = """\
# Checklist

Some prose, and a table that is not a checklist table:

| kind | meaning |
|---|---|
| p2p | pipe to pipe |

## vmsplice

| id | call | what the kernel does | since/changed |
|---|---|---|---|
| `vmsplice.flags-invalid` | vmsplice | bad flags → EINVAL | 4.10 |
| `vmsplice.no-readers` | vmsplice | EPIPE and SIGPIPE | 2.6.17 |

## splice

### Arguments

| id | call | what the kernel does | since/changed |
|---|---|---|---|
| `splice.len-zero` | splice | len 0 → 0 | 2.6.17 |

## tee

| id | call | what the kernel does | since/changed |
|---|---|---|---|
| `tee.same-pipe` | tee | same pipe → EINVAL | 2.6.17 |
"""

ALL_IDS = ["vmsplice.flags-invalid", "vmsplice.no-readers", "splice.len-zero", "tee.same-pipe"]


def run(*args, cwd=None):
    return subprocess.run([sys.executable, str(TOOL), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=60)


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture
def tree(tmp_path):
    """A checklist plus an empty cases directory; returns (checks, cases)."""
    checks = write(tmp_path / "docs" / "checks.md", CHECKLIST)
    cases = tmp_path / "cases"
    cases.mkdir()
    return checks, cases


def full_cases(cases):
    write(cases / "vmsplice.case", """\
        # vmsplice cases
        case vmsplice.flags.unknown
          covers vmsplice.flags-invalid
          pipe p
          vmsplice p.w [] 0x10

        case vmsplice.pipe.no-readers
          covers vmsplice.no-readers   # trailing comment
          pipe p
        """)
    write(cases / "splice.case", """\
        case splice.len.zero
        covers splice.len-zero
        """)
    write(cases / "tee.case", """\
        case tee.pipe.same
            covers tee.same-pipe vmsplice.flags-invalid
        """)


def coverage(tree_, *extra):
    checks, cases = tree_
    return run("--checks", str(checks), "--cases", str(cases), *extra)


# --- fixtures in a temporary directory ------------------------------------


def test_all_covered_passes(tree):
    full_cases(tree[1])
    r = coverage(tree)
    assert r.returncode == 0, r.stdout + r.stderr
    for ident in ALL_IDS:
        assert ident in r.stdout
    assert "4 ids, 4 covered, 0 without a case" in r.stdout
    # vmsplice.flags-invalid is covered by two cases, both named.
    line = next(l for l in r.stdout.splitlines() if l.startswith("vmsplice.flags-invalid"))
    assert line.split()[1] == "2"
    assert "vmsplice.flags.unknown" in line and "tee.pipe.same" in line
    assert r.stderr == ""


def test_uncovered_id_fails_and_is_named(tree):
    full_cases(tree[1])
    (tree[1] / "splice.case").unlink()
    r = coverage(tree)
    assert r.returncode == 1
    assert "id splice.len-zero has no case" in r.stderr
    # file:line of the checklist row
    assert f"checks.md:{CHECKLIST.splitlines().index(next(l for l in CHECKLIST.splitlines() if 'splice.len-zero' in l)) + 1}" in r.stderr
    # the table is still printed
    assert "splice.len-zero" in r.stdout
    assert "4 ids, 3 covered, 1 without a case" in r.stdout


def test_unknown_id_fails_and_is_named(tree):
    full_cases(tree[1])
    write(tree[1] / "extra.case", """\
        case splice.typo.example
          covers splice.len-zer0
        """)
    r = coverage(tree)
    assert r.returncode == 1
    assert "extra.case:2: case splice.typo.example covers unknown id splice.len-zer0" in r.stderr


def test_case_without_covers_fails(tree):
    full_cases(tree[1])
    write(tree[1] / "bare.case", """\
        # a case that forgot its covers line
        case tee.bare.example
          pipe p
        """)
    r = coverage(tree)
    assert r.returncode == 1
    assert "bare.case:2: case tee.bare.example has no covers line" in r.stderr


def test_covers_without_ids_and_before_case(tree):
    full_cases(tree[1])
    write(tree[1] / "odd.case", """\
        covers tee.same-pipe
        case tee.odd.example
          covers
        """)
    r = coverage(tree)
    assert r.returncode == 1
    assert "odd.case:1: covers line before any case" in r.stderr
    assert "odd.case:3: covers line with no ids" in r.stderr


def test_comment_lines_do_not_count(tree):
    full_cases(tree[1])
    (tree[1] / "splice.case").write_text("case splice.len.zero\n  # covers splice.len-zero\n")
    r = coverage(tree)
    assert r.returncode == 1
    assert "id splice.len-zero has no case" in r.stderr
    assert "case splice.len.zero has no covers line" in r.stderr


def test_duplicate_case_name_is_a_problem(tree):
    full_cases(tree[1])
    write(tree[1] / "zzz.case", "case splice.len.zero\n  covers splice.len-zero\n")
    r = coverage(tree)
    assert r.returncode == 1
    assert "duplicate case name splice.len.zero" in r.stderr


def test_markdown_format(tree):
    full_cases(tree[1])
    r = coverage(tree, "--format", "markdown")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "| id | cases | case names |"
    assert "| `splice.len-zero` | 1 | splice.len.zero |" in lines


def test_width_clips_case_names(tree):
    full_cases(tree[1])
    r = coverage(tree, "--width", "10")
    assert r.returncode == 0
    line = next(l for l in r.stdout.splitlines() if l.startswith("vmsplice.flags-invalid"))
    names = line.split(None, 2)[2]
    assert len(names) == 10 and names.endswith("..."), names


# --- exit 2: usage errors and a bad checklist ------------------------------


@pytest.mark.parametrize("row, message", [
    ("| `splice.bad-row` | splice | only three |", "expected 4 columns"),
    ("| splice.no-backticks | splice | x | y |", "first column must be a backticked id"),
    ("| `splice.Upper_Case` | splice | x | y |", "malformed id"),
    ("| `tee.wrong-call` | splice | x | y |", "has call column"),
    ("| `splice.len-zero` | splice | dup | 2.6.17 |", "duplicate id splice.len-zero"),
    ("| `splice.empty-since` | splice | something |  |", "empty description or since/changed"),
])
def test_malformed_checklist_exits_2_with_file_line(tmp_path, row, message):
    lines = CHECKLIST.splitlines()
    at = lines.index("| `splice.len-zero` | splice | len 0 → 0 | 2.6.17 |") + 1
    lines.insert(at, row)
    checks = write(tmp_path / "checks.md", "\n".join(lines) + "\n")
    (tmp_path / "cases").mkdir()
    r = run("--checks", str(checks), "--cases", str(tmp_path / "cases"))
    assert r.returncode == 2, r.stdout + r.stderr
    assert f"checks.md:{at + 1}:" in r.stderr
    assert message in r.stderr
    assert r.stdout == ""


@pytest.mark.parametrize("heading, message", [
    ("## Notes", "check row outside"),
    ("## splice, continued", "id tee.same-pipe is under the `## splice` heading"),
])
def test_id_under_wrong_heading_exits_2(tmp_path, heading, message):
    text = CHECKLIST.replace("## tee\n", heading + "\n")
    checks = write(tmp_path / "checks.md", text)
    (tmp_path / "cases").mkdir()
    r = run("--checks", str(checks), "--cases", str(tmp_path / "cases"))
    assert r.returncode == 2
    assert message in r.stderr


def test_missing_checklist_exits_2(tmp_path):
    (tmp_path / "cases").mkdir()
    r = run("--checks", str(tmp_path / "nope.md"), "--cases", str(tmp_path / "cases"))
    assert r.returncode == 2
    assert "nope.md" in r.stderr and "cannot read checklist" in r.stderr


def test_checklist_without_ids_exits_2(tmp_path):
    checks = write(tmp_path / "checks.md", "# nothing\n\n## vmsplice\n\nprose only\n")
    (tmp_path / "cases").mkdir()
    r = run("--checks", str(checks), "--cases", str(tmp_path / "cases"))
    assert r.returncode == 2
    assert "no check ids found" in r.stderr


def test_missing_cases_dir_exits_2(tree):
    r = run("--checks", str(tree[0]), "--cases", str(tree[1] / "absent"))
    assert r.returncode == 2
    assert "cases directory not found" in r.stderr


@pytest.mark.parametrize("args", [["--format", "html"], ["--bogus"], ["--width", "-1"], ["--width", "x"]])
def test_usage_errors_exit_2(tree, args):
    r = run("--checks", str(tree[0]), "--cases", str(tree[1]), *args)
    assert r.returncode == 2
    assert "usage:" in r.stderr


# --- the real repository ----------------------------------------------------


def test_real_checklist_parses():
    """docs/checks.md is well formed and big enough (independent of cases/)."""
    r = run("--cases", str(ROOT / "tests"))  # a directory with no *.case files
    assert r.returncode == 1, r.stderr  # 2 would mean a malformed checklist
    count = int(r.stdout.strip().splitlines()[-1].split()[0])
    assert 60 <= count <= 200, count


def test_REAL_REPO_every_check_has_a_case():
    """THE COVERAGE GATE on the real repository (not a fixture).

    Runs tools/coverage.py with its defaults (docs/checks.md against
    cases/*.case). It fails until every checklist id is covered by a case and
    every case names known ids; the failure message lists what is missing.
    """
    r = run(cwd=ROOT)
    assert r.returncode == 0, (
        "REAL REPO: tools/coverage.py found coverage problems in cases/ "
        "against docs/checks.md:\n" + r.stderr)
