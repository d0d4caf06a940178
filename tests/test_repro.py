"""`splicecheck repro CASE`: for every case, the standalone C program it
writes compiles without a warning (cc -Wall -Wextra -Werror), runs, and
sees what the harness sees: the same outcome for every step, exit 0 where
the harness says PASS and 1 where it says FAIL, 0 or 77 where it says SKIP.

SPLICECHECK_REPRO_CASES / SPLICECHECK_REPRO_EXPECTED point the test at
another case and expected set (default: the repository's)."""
import concurrent.futures
import json
import os
import re
import shutil
import subprocess

import pytest

from conftest import ROOT, binary

CASES = os.environ.get("SPLICECHECK_REPRO_CASES", str(ROOT / "cases"))
EXPECTED = os.environ.get("SPLICECHECK_REPRO_EXPECTED", str(ROOT / "expected"))
SET = ["--cases", CASES, "--expected", EXPECTED]
STEP = re.compile(r"^step (\d+): (.*)$")


def harness_json(tmp_path, *args):
    env = dict(os.environ, TMPDIR=str(tmp_path))
    proc = subprocess.run([binary(), "-q", "--format", "json", *SET, *args], capture_output=True, text=True,
                          env=env, timeout=600)
    assert proc.returncode in (0, 1), proc.stderr
    cases = {}
    for line in proc.stdout.splitlines():
        obj = json.loads(line)
        if obj["type"] == "case":
            cases[obj["case"]] = obj
    return cases


def generate(name, *extra):
    proc = subprocess.run([binary(), "-q", *SET, "repro", name, *extra], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, f"{name}: {proc.stderr}"
    return proc.stdout


def build_and_run(name, workdir):
    """Generates, compiles and runs one case's reproducer; returns
    (exit status, {step: outcome}, stdout, source)."""
    src = generate(name)
    d = workdir / name
    d.mkdir()
    (d / "repro.c").write_text(src)
    cc = subprocess.run(["cc", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-o", str(d / "repro"),
                         str(d / "repro.c")], capture_output=True, text=True, timeout=120)
    assert cc.returncode == 0, f"{name} does not compile cleanly:\n{cc.stderr[:3000]}"
    scratch = d / "tmp"
    scratch.mkdir()
    run = subprocess.run([str(d / "repro")], capture_output=True, text=True, timeout=60,
                         env=dict(os.environ, TMPDIR=str(scratch)))
    assert list(scratch.iterdir()) == [], f"{name}: the reproducer left {list(scratch.iterdir())} behind"
    seen = {}
    for line in run.stdout.splitlines():
        m = STEP.match(line)
        if m:
            seen[int(m.group(1))] = m.group(2)
    return run.returncode, seen, run.stdout, src


def try_build_and_run(name, workdir):
    try:
        return build_and_run(name, workdir)
    except AssertionError as e:
        return str(e)


def agrees(case, result):
    """Why the reproducer disagrees with the harness's case object, or None."""
    if isinstance(result, str):
        return result
    rc, seen, out, _ = result
    name = case["case"]
    if case["status"] == "skip":
        return None if rc in (0, 77) else f"{name}: SKIP in the harness, exit {rc} here:\n{out}"
    if case["status"] == "broken":
        return None  # setup that fails here says so in its own way; nothing to compare
    want = 0 if case["status"] == "pass" else 1
    if rc != want:
        return f"{name}: harness {case['status']}, reproducer exit {rc}:\n{out}"
    for i, outcome in enumerate(case["outcomes"], 1):
        line = seen.get(i)
        if line is None or not line.endswith(" = " + outcome):
            return f"{name}: step {i}: harness saw {outcome}, reproducer: {line}\n{out}"
    return None


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler")
def test_every_case_reproduces(tmp_path):
    cases = harness_json(tmp_path)
    assert cases
    work = tmp_path / "work"
    work.mkdir()
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 4) as pool:
        futures = {name: pool.submit(try_build_and_run, name, work) for name in cases}
        results = {name: f.result() for name, f in futures.items()}
    problems = [p for p in (agrees(cases[n], results[n]) for n in cases) if p]
    if problems:
        # timing (a step that sleeps briefly) can differ between two runs:
        # ask the harness again about just those before calling it a bug
        names = [n for n in cases if agrees(cases[n], results[n])]
        again = harness_json(tmp_path, *sum((["--filter", n] for n in names), []))
        problems = [p for p in (agrees(again[n], results[n]) for n in names) if p]
    assert not problems, "\n\n".join(problems[:5]) + f"\n\n{len(problems)} case(s) disagree"


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler")
def test_a_changed_expectation_makes_the_reproducer_fail(tmp_path):
    """The program compares with the expected outcomes it embeds: with one
    changed, it prints both and exits 1."""
    cases = harness_json(tmp_path)
    name, case = next((n, c) for n, c in cases.items() if c["status"] == "pass" and c["expected_from"]
                      and c["outcomes"] and not c["outcomes"][0].startswith("SIG"))
    exp_dir = tmp_path / "expected"
    shutil.copytree(EXPECTED, exp_dir)
    file, line = case["expected_from"].rsplit(":", 1)
    path = exp_dir / os.path.basename(file)
    lines = path.read_text().split("\n")
    old = case["expected"][0]
    new = "EHWPOISON" if old != "EHWPOISON" else "EINVAL"
    words = lines[int(line) - 1].split()
    assert words[0] == name
    words[1] = new
    lines[int(line) - 1] = " ".join(words)
    path.write_text("\n".join(lines))
    src = subprocess.run([binary(), "-q", "--cases", CASES, "--expected", str(exp_dir), "repro", name],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    assert f'"{new}"' in src
    (tmp_path / "r.c").write_text(src)
    subprocess.run(["cc", "-Wall", "-Wextra", "-Werror", "-o", str(tmp_path / "r"), str(tmp_path / "r.c")],
                   check=True, timeout=120)
    run = subprocess.run([str(tmp_path / "r")], capture_output=True, text=True, timeout=60,
                         env=dict(os.environ, TMPDIR=str(tmp_path)))
    assert run.returncode == 1, run.stdout
    assert f"expected {new}" in run.stdout
    assert "DIFFERS" in run.stdout


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler")
def test_repro_waits_for_a_step_still_working_at_the_timeout(tmp_path):
    """As the harness does (tests/test_faults.py): a 64 MiB read, which
    /proc shows running when --timeout 1 comes, is its count, not
    `N+blocks`; a read that sleeps is still `blocks`."""
    (tmp_path / "cases").mkdir()
    (tmp_path / "expected").mkdir()
    (tmp_path / "cases" / "w.case").write_text(
        "case w.read\n  file f size=67108864 byte=a mode=r\n  read f 67108864\n"
        "case w.blocks\n  pipe p\n  read p.r 1\n")
    (tmp_path / "expected" / "linux.expected").write_text('w.read 67108864:"a"*67108864\nw.blocks blocks\n')
    for name, outcome in [("w.read", '67108864:"a"*67108864'), ("w.blocks", "blocks")]:
        src = subprocess.run([binary(), "-q", "--cases", str(tmp_path / "cases"), "--expected",
                              str(tmp_path / "expected"), "--target", "linux", "--timeout", "1", "repro", name],
                             capture_output=True, text=True, timeout=60, check=True).stdout
        (tmp_path / f"{name}.c").write_text(src)
        subprocess.run(["cc", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-o", str(tmp_path / name),
                        str(tmp_path / f"{name}.c")], check=True, timeout=120)
        run = subprocess.run([str(tmp_path / name)], capture_output=True, text=True, timeout=60,
                             env=dict(os.environ, TMPDIR=str(tmp_path)))
        assert run.returncode == 0, run.stdout + run.stderr
        assert f"step 1: " in run.stdout and run.stdout.count(" = " + outcome) == 1, run.stdout


def test_repro_names_its_expected_line_and_kernel(tmp_path):
    cases = harness_json(tmp_path)
    name, case = next((n, c) for n, c in cases.items() if c["expected_from"])
    src = generate(name, "--kernel", "5.10.0")
    assert f"reproducer for case {name}" in src
    assert "kernel 5.10.0" in src
    assert re.search(r"Expected outcomes: .*linux\.expected:\d+", src)


def test_repro_for_another_page_size_and_architecture(tmp_path):
    """A reproducer for a guest (ci/kernel-matrix --arch) is written with
    that kernel's page size (PAGE is a number in it) and judged with that
    architecture's expected lines; run where pages are another size, it
    says so instead of reporting outcomes that mean something else."""
    (tmp_path / "c.case").write_text(
        "case t.page\n  pipe q size=PAGE*2\n  write q.w \"f\"*PAGE\n  fionread q.r\n")
    exp = tmp_path / "exp"
    exp.mkdir()
    (exp / "linux.expected").write_text(
        "t.page  PAGE PAGE\n"
        "t.page  1 1        arch=aarch64\n"
        "t.page  2 2        page=65536\n")

    def gen(*extra):
        p = subprocess.run([binary(), "-q", "--target", "linux", "--cases", str(tmp_path / "c.case"),
                            "--expected", str(exp), "repro", "t.page", *extra],
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        return p.stdout

    big = gen("--page-size", "65536", "--arch", "ppc64le", "--kernel", "6.1.176")
    assert "kernel 6.1.176, ppc64le with 65536-byte pages" in big
    assert ".size = 131072}" in big and "[65536]" in big and ".page_size = 65536," in big
    assert re.search(r'expected\[\] = \{\n\t"2",\n\t"2",', big), "the page=65536 line"
    arm = gen("--arch", "aarch64")
    assert re.search(r'expected\[\] = \{\n\t"1",\n\t"1",', arm), "the arch=aarch64 line"
    page = os.sysconf("SC_PAGESIZE")
    here = gen()
    assert ".size = %d}" % (2 * page) in here and ".page_size = %d," % page in here
    if page != 65536:
        (tmp_path / "big.c").write_text(big)
        cc = subprocess.run(["cc", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-o", str(tmp_path / "big"),
                             str(tmp_path / "big.c")], capture_output=True, text=True, timeout=120)
        assert cc.returncode == 0, cc.stderr[:3000]
        run = subprocess.run([str(tmp_path / "big")], capture_output=True, text=True, timeout=60)
        assert run.returncode == 2, run.stdout
        assert "written for 65536-byte pages, and this kernel's are %d" % page in run.stdout
    for bad in (["--page-size", "5000"], ["--page-size", "2048"], ["--arch", "x86-64!"]):
        p = subprocess.run([binary(), "-q", "repro", "t.page", *bad], capture_output=True, text=True)
        assert p.returncode == 2 and bad[0] in p.stderr, (bad, p.stderr)
    p = subprocess.run([binary(), "-q", "--page-size", "65536", "list"], capture_output=True, text=True)
    assert p.returncode == 2 and "for repro" in p.stderr


def test_repro_of_an_unknown_case_is_a_usage_error():
    proc = subprocess.run([binary(), "-q", *SET, "repro", "no.such.case"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "no case named 'no.such.case'" in proc.stderr


# One small case per fixture kind and per call, so that a kind or call
# added to the tables that a reproducer cannot write fails here (the
# suite's cases need not use every one): each one's example is in its
# entry in harness/kinds.c or harness/calls.c, which `splicecheck
# reference` prints, indented, under the kind's or call's line.
def reference():
    """`splicecheck reference` as {kind: its example} and {call: its example}
    (case bodies, each line indented)."""
    out = subprocess.run([binary(), "reference"], capture_output=True, text=True, check=True).stdout
    tables = {"kind": {}, "call": {}}
    body = None
    for line in out.splitlines():
        if line.startswith("  ") and body is not None:
            body[name] += line + "\n"
        else:
            what, name = line.split()[:2]
            body = tables[what]
            body[name] = ""
    return tables["kind"], tables["call"]


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler")
def test_every_kind_and_call_reproduces(tmp_path):
    kinds, calls = reference()
    assert len(kinds) > 30 and "pipe" in kinds
    assert len(calls) > 30 and {"vmsplice", "splice", "tee"} <= set(calls)
    missing = [k for k, body in kinds.items() if not body.strip()]
    assert not missing, f"kinds without an example in their entry in harness/kinds.c: {missing}"
    missing = [c for c, body in calls.items() if not body.strip()]
    assert not missing, f"calls without an example in their entry in harness/calls.c: {missing}"
    text = "".join(f"case gen.kind.{k}\n  covers vmsplice.fd-bad\n{body}\n" for k, body in kinds.items())
    text += "".join(f"case gen.call.{c}\n  covers vmsplice.fd-bad\n{body}\n" for c, body in calls.items())
    cases_dir, exp_dir = tmp_path / "cases", tmp_path / "expected"
    cases_dir.mkdir()
    exp_dir.mkdir()
    (cases_dir / "gen.case").write_text(text)
    (exp_dir / "linux.expected").write_text("")
    env = dict(os.environ, TMPDIR=str(tmp_path))
    subprocess.run([binary(), "-q", "--cases", str(cases_dir), "--expected", str(exp_dir), "--bless",
                    str(exp_dir / "linux.expected")], capture_output=True, env=env, timeout=300)
    global SET
    saved, SET = SET, ["--cases", str(cases_dir), "--expected", str(exp_dir)]
    try:
        cases = harness_json(tmp_path)
        work = tmp_path / "work"
        work.mkdir()
        with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 4) as pool:
            results = dict(zip(cases, pool.map(lambda n: try_build_and_run(n, work), cases)))
    finally:
        SET = saved
    problems = [p for p in (agrees(cases[n], results[n]) for n in cases) if p]
    assert not problems, "\n\n".join(problems)
    # the signals the cases meet are the outcomes the harness records
    assert cases["gen.call.raise"]["outcomes"] == ["SIGSEGV"]
    assert cases["gen.call.alarm"]["outcomes"][-1] == "EINTR+SIGALRM"
    assert cases["gen.call.sigpipe"]["outcomes"][-1] == "SIGPIPE"
    # actors: woken with the data, ended by the join, interrupted by the signal
    assert cases["gen.call.sleeping"]["outcomes"] == ['3:"abc"', "-", "3", "-"]
    assert cases["gen.call.join"]["outcomes"] == ["blocks", "-"]
    assert cases["gen.call.signal"]["outcomes"] == ["EINTR+SIGUSR1", "-", "-", "-"]
    assert cases["gen.call.splice-loop"]["outcomes"][-1].startswith("200000:fnv64=")


def test_trace_shows_real_fds_decoded_and_in_case_order(tmp_path):
    cases = tmp_path / "cases"
    cases.mkdir()
    body = "".join(f"""case trace.t{i}
  covers vmsplice.fd-bad
  pipe     p
  buffer   b pages=2 fill=a
  vmsplice p.w [b:1000] 1 GIFT
  read     p.r 3
""" for i in range(6))
    body += """case trace.killed
  covers vmsplice.fd-bad
  buffer   b
  peek     unmapped 1
"""
    (cases / "t.case").write_text(body)
    exp = tmp_path / "expected"
    exp.mkdir()
    (exp / "linux.expected").write_text("".join(f'trace.t{i} 1000 3:"aaa"\n' for i in range(6)) +
                                        "trace.killed SIGSEGV\n")
    proc = subprocess.run([binary(), "-q", "--cases", str(cases), "--expected", str(exp), "--trace", "-j", "4"],
                          capture_output=True, text=True, timeout=60, env=dict(os.environ, TMPDIR=str(tmp_path)))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stderr.splitlines()
    calls = [l for l in lines if l.startswith("[trace.t")]
    assert [l.split()[0] for l in calls] == [f"[trace.t{i}" for i in range(6) for _ in (1, 2)]
    assert re.fullmatch(r"\[trace\.t0 step 1\] vmsplice\(\d+<pipe:w p\.w>, \[\{iov_base=0x[0-9a-f]+<b>, "
                        r"iov_len=1000\}\], 1, SPLICE_F_GIFT\) = 1000", calls[0]), calls[0]
    assert re.fullmatch(r'\[trace\.t0 step 2\] read\(\d+<pipe:r p\.r>, 0x[0-9a-f]+, 3\) = 3 => "aaa"', calls[1])
    killed = proc.stderr[proc.stderr.index("[trace.killed"):]
    assert "peek(0x1000, " in killed and "+++ killed by SIGSEGV +++" in killed
