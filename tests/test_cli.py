"""The command line end to end: the suite on this kernel, failures that
name the case, bless, bad input, blocking and crashing steps, formats."""
import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import time
import xml.etree.ElementTree as ET

import pytest

from conftest import ROOT, binary

SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed, (\d+) skipped$", re.M)


def write(path, text):
    path.write_text(text)
    return path


def test_suite_passes_on_this_kernel(run):
    proc = run()
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    m = SUMMARY.search(proc.stdout)
    assert m and int(m.group(1)) > 0 and m.group(2) == "0"
    assert "target linux" in proc.stderr


def test_embedded_and_on_disk_suites_agree(run):
    embedded = run("--format", "json")
    disk = run("--format", "json", "--cases", str(ROOT / "cases"), "--expected", str(ROOT / "expected"))
    assert embedded.returncode == disk.returncode == 0
    strip = lambda out: [json.loads(l)["case"] for l in out.splitlines() if '"type":"case"' in l]
    assert strip(embedded.stdout) == strip(disk.stdout)


def case_lines(proc):
    return [json.loads(l) for l in proc.stdout.splitlines() if l.startswith("{")]


def mutate(outcome):
    """Another valid outcome, certainly different from this one."""
    if outcome == "-":
        return "0"
    if outcome.startswith("E"):
        return "EBADF" if not outcome.startswith("EBADF") else "EINVAL"
    if outcome.startswith("SIG"):
        return "0"
    if outcome.startswith("blocks"):
        return "0"
    m = re.match(r"^(-?\d+)(.*)$", outcome)
    if m:
        return str(int(m.group(1)) + 1) + m.group(2)
    # a count in pages (PAGE*15+1, PIPE_DEF_SIZE:...): one more
    m = re.match(r"^([A-Z][A-Z_0-9*-]*(?:\+\d+)*)(.*)$", outcome)
    return m.group(1) + "+1" + m.group(2)


def test_changing_any_expected_outcome_fails_naming_the_case(run, tmp_path):
    """For every case: change the first outcome of the line that holds for
    it on this kernel, and the run must fail and name that case."""
    proc = run("--format", "json", "--cases", str(ROOT / "cases"), "--expected", str(ROOT / "expected"))
    cases = [o for o in case_lines(proc) if o["type"] == "case" and o["status"] == "pass"]
    assert cases
    original = (ROOT / "expected" / "linux.expected").read_text().splitlines(keepends=True)
    exp = tmp_path / "exp"
    exp.mkdir()
    for c in cases:
        file, line = c["expected_from"].rsplit(":", 1)
        lines = list(original)
        words = lines[int(line) - 1].split()
        assert words[0] == c["case"]
        words[1] = mutate(words[1])
        lines[int(line) - 1] = " ".join(words) + "\n"
        (exp / "linux.expected").write_text("".join(lines))
        bad = run("--cases", str(ROOT / "cases"), "--expected", str(exp), "--filter", c["case"], "-q", "-j1")
        assert bad.returncode == 1, (c["case"], bad.stdout, bad.stderr)
        assert f"FAIL   {c['case']}" in bad.stdout
        assert f"expected {words[1]}" in bad.stdout or "expected" in bad.stdout


def small_suite(tmp_path, cases, expected):
    d = tmp_path / "suite"
    (d / "cases").mkdir(parents=True)
    (d / "expected").mkdir()
    write(d / "cases" / "t.case", cases)
    write(d / "expected" / "linux.expected", expected)
    return d


CASES = """\
case t.vmsplice
  covers x
  pipe p
  buffer b fill=a
  vmsplice p.w [b:100] 1 GIFT
  read p.r 200

case t.blocks-forever
  pipe p
  read p.r 1
  write p.w "after"
  read p.r 10

case t.crash
  buffer b prot=none
  poke b "x"
  close 0
"""


def test_wrong_expected_line_fails_and_shows_call_expected_seen(run, tmp_path):
    d = small_suite(tmp_path, CASES, 't.vmsplice 99 100:"a"*100\n'
                    't.blocks-forever blocks 5 5:"after"\nt.crash SIGSEGV\n')
    proc = run("--cases", str(d / "cases"), "--expected", str(d / "expected"))
    assert proc.returncode == 1
    assert "FAIL   t.vmsplice" in proc.stdout
    assert "vmsplice(p.w<pipe:w>, [{b, 100}], 1, SPLICE_F_GIFT) = 100" in proc.stdout
    assert "expected 99, seen 100" in proc.stdout
    assert SUMMARY.search(proc.stdout).groups() == ("2", "1", "0")


def test_blocking_and_crashing_steps_are_outcomes_and_the_run_goes_on(run, tmp_path):
    d = small_suite(tmp_path, CASES, 't.vmsplice 100 100:"a"*100\n'
                    't.blocks-forever blocks 5 5:"after"\nt.crash SIGSEGV\n')
    for extra in ([], ["--no-proc-watch", "--timeout", "100"]):
        start = time.monotonic()
        proc = run("--cases", str(d / "cases"), "--expected", str(d / "expected"), "-v", *extra)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "read(p.r<pipe:r>, buf, 1) = blocks" in proc.stdout
        assert "poke(b, \"x\", 1) = SIGSEGV" in proc.stdout
        assert time.monotonic() - start < 10


def test_bless_round_trips(run, tmp_path):
    out = tmp_path / "blessed.expected"
    proc = run("--bless", str(out), "--cases", str(ROOT / "cases"), "--expected", str(ROOT / "expected"), "-q")
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert out.read_text() == (ROOT / "expected" / "linux.expected").read_text()


def test_bless_records_new_and_changed_cases(run, tmp_path):
    d = small_suite(tmp_path, CASES, "# header kept\nt.vmsplice 7 1:\"a\"\nt.vmsplice 3 - linux<3.10\n")
    out = tmp_path / "new.expected"
    proc = run("--cases", str(d / "cases"), "--expected", str(d / "expected"), "--bless", str(out), "-q")
    assert proc.returncode == 1
    text = out.read_text().splitlines()
    assert text[0] == "# header kept"
    assert text[1].split() == ["t.vmsplice", "100", '100:"a"*100']
    assert text[2].split() == ["t.vmsplice", "3", "-", "linux<3.10"]
    assert [l.split()[0] for l in text[3:]] == ["t.blocks-forever", "t.crash"]
    shutil.copy(out, d / "expected" / "linux.expected")
    again = run("--cases", str(d / "cases"), "--expected", str(d / "expected"), "-q")
    assert again.returncode == 0, again.stdout


@pytest.mark.parametrize("text,where,what", [
    ("case a\n  pipe p\n  vmsplice p.w [] 0 BOGUS\n", "t.case:3", "'BOGUS' is not a splice flag"),
    ("case a\n  pipe p colour=red\n  close p.r\n", "t.case:2", "unknown option 'colour'"),
    ("case a\n  pipe p\n", "t.case:1", "has no steps"),
    ("  close 3\n", "t.case:1", "before the first 'case NAME' line"),
])
def test_malformed_case_file_names_file_line_and_exits_2(run, tmp_path, text, where, what):
    d = small_suite(tmp_path, text, "")
    proc = run("--cases", str(d / "cases"), "--expected", str(d / "expected"))
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert f"{d / 'cases' / where}: " in proc.stderr and what in proc.stderr


@pytest.mark.parametrize("text,line,what", [
    ("t.vmsplice 100\n", 1, "t.vmsplice has 2 steps"),
    ('t.vmsplice 100 100:"a"*100\nt.nothing 1\n', 2, "no case named 't.nothing'"),
    ('t.vmsplice 100 EWOBBLE\n', 1, "'EWOBBLE' is not a number, an errno name"),
    ('t.vmsplice 100 1 linux<<3\n', 1, "expected TARGET"),
])
def test_malformed_expected_file_names_file_line_and_exits_2(run, tmp_path, text, line, what):
    d = small_suite(tmp_path, CASES, text)
    proc = run("--cases", str(d / "cases"), "--expected", str(d / "expected"))
    assert proc.returncode == 2
    assert f"linux.expected:{line}: " in proc.stderr and what in proc.stderr


@pytest.mark.parametrize("args,what", [
    (["--frobnicate"], "--frobnicate"),
    (["--format", "xml"], "--format 'xml'"),
    (["-j", "0"], "--jobs 0"),
    (["explode"], "unknown command 'explode'"),
    (["--cases", "/nonexistent/dir"], "/nonexistent/dir"),
    (["--target", "nosuch"], "no expected file for target 'nosuch'"),
])
def test_bad_usage_exits_2(run, args, what):
    proc = run(*args)
    assert proc.returncode == 2
    assert what in proc.stderr


def test_filter_and_list(run):
    listed = run("list", "--filter", "vmsplice.*")
    assert listed.returncode == 0
    names = [l.split()[0] for l in listed.stdout.splitlines()]
    assert names and all(n.startswith("vmsplice.") for n in names)
    proc = run("--filter", "vmsplice.*", "--format", "json")
    ran = [o["case"] for o in case_lines(proc) if o["type"] == "case"]
    assert ran == names


def test_json_decodes_every_call(run):
    proc = run("--format", "json")
    objs = case_lines(proc)
    steps = [o for o in objs if o["type"] == "step"]
    assert {"vmsplice", "splice", "tee"} <= {s["syscall"] for s in steps}
    for s in steps:
        # an actor's step is shown with its name first: "t: splice(...)"
        assert re.sub(r"^[A-Za-z0-9_-]+: ", "", s["call"]).startswith(s["syscall"] + "(")
        assert s["outcome"] == s["expected"] and s["status"] == "pass"
    gift = [s for s in steps if s["syscall"] == "vmsplice" and "SPLICE_F_GIFT" in s["args"].get("flags", "")]
    assert gift and all("<pipe:" in s["args"]["fd"] or "<" in s["args"]["fd"] or s["args"]["fd"].lstrip("-").isdigit()
                        for s in gift)
    summary = objs[-1]
    assert summary["type"] == "summary" and summary["failed"] == 0 and summary["target"] == "linux"


def test_tap_and_junit_formats(run):
    tap = run("--format", "tap").stdout.splitlines()
    assert tap[0] == "KTAP version 1" and re.match(r"^1\.\.\d+$", tap[1])
    n = int(tap[1][3:])
    assert len([l for l in tap if l.startswith("ok ") or l.startswith("not ok ")]) == n
    junit = ET.fromstring(run("--format", "junit").stdout)
    suite = junit.find("testsuite")
    assert int(suite.get("tests")) == n and suite.get("failures") == "0"
    assert len(suite.findall("testcase")) == n


def test_reference_is_documented(run):
    guide = (ROOT / "docs" / "writing-cases.md").read_text()
    ref = run("reference").stdout.splitlines()
    assert ref
    for line in ref:
        if line.startswith(" "):  # a kind's or call's example, under it
            continue
        what, name = line.split()[:2]
        assert f"`{name}" in guide, f"{what} {name} is not in docs/writing-cases.md"


def test_sigint_stops_cleanly(tmp_path):
    d = small_suite(tmp_path, "".join(f"case t.slow{i}\n  pipe p\n  read p.r 1\n" for i in range(20)),
                    "".join(f"t.slow{i} blocks\n" for i in range(20)))
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    env = dict(os.environ, TMPDIR=str(scratch))
    proc = subprocess.Popen([binary(), "--cases", str(d / "cases"), "--expected", str(d / "expected"),
                             "--no-proc-watch", "--timeout", "2000", "-j", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    time.sleep(0.5)
    children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
    assert children, "the run should have case processes by now"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 128 + signal.SIGINT
    assert "stopped by SIGINT" in err
    for pid in children:
        assert not pathlib.Path(f"/proc/{pid}").exists() or \
            pathlib.Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    assert list(scratch.iterdir()) == []


def test_scratch_files_are_removed(run, tmp_path):
    d = small_suite(tmp_path, 'case t.file\n  file f data="hello"\n  pread f 5 0\n', 't.file 5:"hello"\n')
    proc = run("--cases", str(d / "cases"), "--expected", str(d / "expected"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
