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
import tempfile
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
    ("root user", "root and user never hold together"),
    ("cap_sys_resource !cap_sys_resource", "a capability and its negation"),
    ("linux<5.0 linux>6.0", "no linux version is in both ranges"),
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


# --- 2. nothing run is not a pass

@pytest.mark.parametrize("args", [["--filter", "no.such.*"], ["--tag", "CVE-0000-0000"], ["list", "--filter", "nope"]])
def test_a_selection_matching_no_case_fails(run, args):
    proc = run(*args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "no case matches" in proc.stderr
    assert "0 passed" not in proc.stdout


def processes_of(exe):
    """Pids of live (not zombie) processes running this binary."""
    pids = []
    for p in pathlib.Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            if os.readlink(p / "exe") == str(exe) and (p / "stat").read_text().split(") ")[1][0] != "Z":
                pids.append(int(p.name))
        except OSError:
            pass
    return pids


@pytest.fixture
def own_binary(tmp_path):
    """A copy of the harness only this test runs, so its processes can be
    told from any other run's."""
    exe = tmp_path / "bin" / "splicecheck"
    exe.parent.mkdir()
    shutil.copy(binary(), exe)
    return exe


def test_json_piped_into_head_leaves_no_process_and_no_scratch(tmp_path, own_binary):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    env = dict(os.environ, TMPDIR=str(scratch))
    proc = subprocess.run(["bash", "-c", f"set -o pipefail; '{own_binary}' --format json | head -1"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.stdout.count("\n") == 1 and json.loads(proc.stdout)
    assert proc.returncode == 3, proc.stderr
    assert "cannot write the report: Broken pipe" in proc.stderr
    time.sleep(0.2)
    assert processes_of(own_binary) == []
    assert list(scratch.iterdir()) == []


def test_report_on_a_full_device_fails(run):
    with open("/dev/full", "w") as full:
        env = dict(os.environ, TMPDIR=str(run.scratch))
        proc = subprocess.run([binary(), "-q"], stdout=full, stderr=subprocess.PIPE, text=True, env=env, timeout=120)
    assert proc.returncode == 3
    assert "No space left on device" in proc.stderr
    assert list(run.scratch.iterdir()) == []


def test_closed_stdout_fails(run):
    env = dict(os.environ, TMPDIR=str(run.scratch))
    proc = subprocess.run(["bash", "-c", f"'{binary()}' -q >&-"], stderr=subprocess.PIPE, text=True, env=env,
                          timeout=120)
    assert proc.returncode == 3
    assert "stdout is closed" in proc.stderr


def test_closed_stdin_and_stderr_do_not_capture_the_report(run):
    env = dict(os.environ, TMPDIR=str(run.scratch))
    proc = subprocess.run(["bash", "-c", f"'{binary()}' -q --filter 'vmsplice.gift.*' <&- 2>&-"],
                          stdout=subprocess.PIPE, text=True, env=env, timeout=120)
    assert proc.returncode == 0
    assert SUMMARY.search(proc.stdout).group(2) == "0"


# --- 6. small messages

@pytest.mark.parametrize("args,what", [
    (["-x"], "unknown option -x"),
    (["--format"], "option --format needs a value"),
    (["--seccomp"], "option --seccomp needs a value"),
    (["-j"], "option -j needs a value"),
    (["--frobnicate"], "unknown option --frobnicate"),
])
def test_option_messages_name_the_option(run, args, what):
    proc = run(*args)
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[0] == f"splicecheck: {what}"


# --- 4. bless is safe

def test_bless_refuses_another_targets_file(run, tmp_path):
    target = tmp_path / "gvisor.expected"
    shutil.copy(ROOT / "expected" / "gvisor.expected", target)
    before = target.read_text()
    d = suite(tmp_path, extra={"gvisor.expected": "inherit linux\n"})
    proc = run(*on(d), "--bless", str(d / "expected" / "gvisor.expected"))
    assert proc.returncode == 2 and "target 'gvisor''s file" in proc.stderr
    # by content too: a file that inherits another target is not linux's
    other = tmp_path / "renamed.expected"
    other.write_text(before)
    proc = run(*on(d), "--bless", str(other))
    assert proc.returncode == 2 and "inherits linux" in proc.stderr
    assert other.read_text() == before


def test_bless_with_another_kernel_keeps_lines_that_do_not_hold_here(run, tmp_path):
    """Judged as 5.10.0 on this (newer) kernel: the ranged lines for old
    kernels, the Dirty Pipe record among them, must stay as they are."""
    out = tmp_path / "linux.expected"
    shutil.copy(ROOT / "expected" / "linux.expected", out)
    proc = run("--cases", str(ROOT / "cases"), "--expected", str(ROOT / "expected"), "--kernel", "5.10.0",
               "--bless", str(out))
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    assert out.read_text() == (ROOT / "expected" / "linux.expected").read_text()
    assert "bless: kept" in proc.stderr and "linux>=5.8,<5.10.102" in proc.stderr


def test_bless_prints_the_lines_it_changes(run, tmp_path):
    d = suite(tmp_path, expected='t.write 5 4:"hell"\nt.closed EBADF\n')
    proc = run(*on(d), "--bless", str(d / "expected" / "linux.expected"))
    assert proc.returncode == 1
    assert re.search(r'^bless: -1 +t\.write 5 4:"hell"$', proc.stderr, re.M), proc.stderr
    assert re.search(r'^bless: \+1 +t\.write +5 5:"hello"$', proc.stderr, re.M), proc.stderr
    assert run(*on(d)).returncode == 0


def test_a_case_with_many_steps_blesses_to_a_file_that_reads_back(run, tmp_path):
    steps = '  write p.w "x"\n' * 40
    d = suite(tmp_path, cases="case t.many\n  pipe p\n" + steps, expected="")
    proc = run(*on(d), "--bless", str(d / "expected" / "linux.expected"))
    assert proc.returncode == 1, proc.stderr
    again = run(*on(d))
    assert again.returncode == 0, again.stderr
    too_many = suite(tmp_path, cases="case t.many\n  pipe p\n" + '  write p.w "x"\n' * 1001, expected="")
    proc = run(*on(too_many))
    assert proc.returncode == 2 and "t.case:1003: " in proc.stderr and "more than 1000 steps" in proc.stderr


# --- 1. the environment is never read as the kernel

def in_shell(script, scratch, **kw):
    env = dict(os.environ, TMPDIR=str(scratch))
    return subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env, timeout=300, **kw)


def statuses(stdout):
    return {o["case"]: o["status"] for o in map(json.loads, stdout.splitlines()) if o.get("type") == "case"}


def test_small_fd_limit_is_never_a_fail(run):
    proc = in_shell(f"ulimit -n 20 && exec '{binary()}' --format json -j 2", run.scratch)
    seen = statuses(proc.stdout)
    assert proc.returncode in (0, 3), proc.stderr
    assert not [c for c, s in seen.items() if s == "fail"]
    if proc.returncode == 3:
        assert "open files: RLIMIT_NOFILE is 20" in proc.stderr and not seen
    else:
        assert seen["splice.fd.bad-in"] == "pass"


def test_too_small_fd_limit_says_so_and_runs_nothing(run):
    proc = in_shell(f"ulimit -n 10 && exec '{binary()}' -j 1", run.scratch)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "open files: RLIMIT_NOFILE is 10" in proc.stderr and "nothing was run" in proc.stderr
    assert proc.stdout == ""


def test_a_literal_fd_inherited_open_is_an_environment_error(run, tmp_path):
    d = suite(tmp_path, cases=CASES + "\ncase t.seven\n  pipe q\n  splice 7 NULL q.w NULL 5 0\n",
              expected=EXPECTED + "t.seven EBADF\n")
    proc = in_shell(f"exec '{binary()}' {' '.join(on(d))} 7</dev/null", run.scratch)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "fd 7 is open in the harness" in proc.stderr and "t.seven" in proc.stderr
    assert in_shell(f"exec '{binary()}' {' '.join(on(d))}", run.scratch).returncode == 0


def test_full_scratch_filesystem_is_an_environment_error(run, tmp_path):
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("needs root to mount a small tmpfs")
    full = tmp_path / "full"
    full.mkdir()
    script = (f"mount -t tmpfs -o size=256k none '{full}' && "
              f"(dd if=/dev/zero of='{full}/fill' bs=4k 2>/dev/null; true) && "
              f"exec '{binary()}' --scratch '{full}' --format json")
    proc = in_shell(f"exec unshare -m bash -c \"{script}\"", run.scratch)
    if "mount:" in proc.stderr:
        pytest.skip("cannot mount tmpfs here: " + proc.stderr)
    assert proc.returncode == 3, proc.stdout[-2000:] + proc.stderr
    assert f"scratch space: {full} has 0 bytes free" in proc.stderr
    assert not [c for c, s in statuses(proc.stdout).items() if s == "fail"]


NOBODY = 65534


def as_nobody():
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root and setpriv to run as another user with a process limit")
    return f"setpriv --reuid={NOBODY} --regid={NOBODY} --clear-groups"


@pytest.fixture
def user_scratch():
    # pytest's tmp_path is private to root: the user needs a TMPDIR it owns
    scratch = pathlib.Path(tempfile.mkdtemp(prefix="splicecheck-user."))
    os.chown(scratch, NOBODY, NOBODY)
    yield scratch
    shutil.rmtree(scratch)


def test_small_process_limit_is_never_a_fail(user_scratch):
    prefix = as_nobody()
    none = in_shell(f"exec {prefix} bash -c \"ulimit -u 1; exec '{binary()}' -j 2\"", user_scratch)
    assert none.returncode == 3, none.stdout[-2000:] + none.stderr
    assert "processes: RLIMIT_NPROC is 1" in none.stderr and none.stdout == ""
    # room for a few more processes than the user has now (other runs of
    # the user may come and go: the verdicts must not depend on them)
    have = len(subprocess.run(["ps", "-o", "pid=", "-u", str(NOBODY)], capture_output=True, text=True).stdout.split())
    few = in_shell(f"exec {prefix} bash -c \"ulimit -u {have + 5}; exec '{binary()}' -j 8 --format json\"",
                   user_scratch)
    assert few.returncode in (0, 1, 3), few.stdout[-2000:] + few.stderr
    assert "at a time" in few.stderr or "processes: RLIMIT_NPROC" in few.stderr, few.stderr
    got = [json.loads(l) for l in few.stdout.splitlines()]
    assert not [o["case"] for o in got if o["type"] == "case" and o["status"] == "fail"], few.stdout[-3000:]
    # the user's other processes may come and go during the run: a case
    # that then cannot fork is BROKEN, saying so, never a kernel verdict
    assert all(o["reason"] for o in got if o["type"] == "case" and o["status"] == "broken")
    assert list(user_scratch.iterdir()) == []


# --- 3. edits are never silently ignored

@pytest.fixture
def checkout(tmp_path):
    """A copy of the checkout with its own build of the plain and static
    binaries, so edits to it do not touch the real one."""
    if not shutil.which("ninja"):
        pytest.skip("ninja is missing")
    co = tmp_path / "co"
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(ROOT), str(co)], check=True)
    for path in subprocess.run(["git", "ls-files", "-m", "-o", "--exclude-standard"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.split():
        src = ROOT / path
        if src.is_file():
            (co / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(src, co / path)
    env = dict(os.environ, CCACHE_DIR=os.environ.get("CCACHE_DIR", str(tmp_path / "ccache")))
    subprocess.run(["ninja", "build/splicecheck", "build/splicecheck-static"], cwd=co, check=True,
                   capture_output=True, env=env, timeout=600)
    return co


def test_edited_checkout_is_refused_naming_the_files_static_keeps_its_copy(checkout):
    scratch = checkout / "scratch"
    scratch.mkdir()
    env = dict(os.environ, TMPDIR=str(scratch))
    plain, static = str(checkout / "build" / "splicecheck"), str(checkout / "build" / "splicecheck-static")
    assert subprocess.run([plain, "-q", "--filter", "tee.*"], capture_output=True, env=env).returncode == 0
    expected = checkout / "expected" / "linux.expected"
    text = expected.read_text()
    expected.write_text(re.sub(r"^(tee\.flags\.unknown\s+)\S+", r"\1EBADF", text, flags=re.M))
    (checkout / "cases" / "zz-new.case").write_text("case zz.new\n  pipe p\n  close p.r\n")
    proc = subprocess.run([plain, "-q"], capture_output=True, text=True, env=env)
    assert proc.returncode == 2 and proc.stdout == ""
    assert f"{checkout}/expected/linux.expected changed since this binary was built" in proc.stderr
    assert f"{checkout}/cases/zz-new.case is new" in proc.stderr
    # the one-file build is carried elsewhere: it keeps what it carries
    proc = subprocess.run([static, "-q", "--filter", "tee.*"], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
    # the files on disk, read explicitly, are judged as they are now
    proc = subprocess.run([plain, "-q", "--filter", "tee.*", "--cases", str(checkout / "cases"),
                           "--expected", str(checkout / "expected")], capture_output=True, text=True, env=env)
    assert proc.returncode == 1 and "FAIL   tee.flags.unknown" in proc.stdout


def test_cases_file_is_judged_against_the_shipped_expected_files(run):
    proc = run("--cases", str(ROOT / "cases" / "tee.case"), "-q")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
    m = SUMMARY.search(proc.stdout)
    assert int(m.group(1)) > 10 and m.group(2) == "0"
    names = {l.split()[1] for l in proc.stdout.splitlines() if l.startswith(("PASS", "SKIP"))}
    assert names and all(n.startswith("tee.") for n in names)


# --- 6. JSON: one key per syscall argument, as the man page names it

MAN_PARAMS = {
    "vmsplice": ["fd", "iov", "nr_segs", "flags"],
    "splice": ["fd_in", "off_in", "fd_out", "off_out", "len", "flags"],
    "tee": ["fd_in", "fd_out", "len", "flags"],
    "read": ["fd", "buf", "count"],
    "write": ["fd", "buf", "count"],
    "pread64": ["fd", "buf", "count", "offset"],
    "pwrite64": ["fd", "buf", "count", "offset"],
    "pwritev2": ["fd", "iov", "iovcnt", "offset", "flags"],
    "ioctl": ["fd", "request"],
    "close": ["fd"],
    "lseek": ["fd", "offset", "whence"],
    "ftruncate": ["fd", "length"],
    "shutdown": ["sockfd", "how"],
}


def test_json_arguments_are_keyed_by_the_man_page_names(run):
    proc = run("--format", "json")
    steps = [o for o in map(json.loads, proc.stdout.splitlines()) if o["type"] == "step"]
    seen = set()
    for s in steps:
        # the harness's own steps shown as the call they make: `fill FD`
        # (writes until full), `forkvmsplice FD BUF LEN` (in a child)
        own = (s["syscall"] == "write" and ", " not in s["call"]) or (s["syscall"] == "vmsplice" and "addr" in s["args"])
        if s["syscall"] in MAN_PARAMS and not own:
            assert list(s["args"]) == MAN_PARAMS[s["syscall"]], s
            seen.add(s["syscall"])
        if s["syscall"] == "fcntl":
            assert list(s["args"])[:2] == ["fd", "cmd"] or list(s["args"]) == ["fd", "arg"], s
    assert {"vmsplice", "splice", "tee", "read", "write", "ioctl"} <= seen
    write = next(s for s in steps if s["call"] == 'write(p.w<pipe:w>, "hello", 5)')
    assert write["args"] == {"fd": "p.w<pipe:w>", "buf": '"hello"', "count": "5"}
    read = next(s for s in steps if s["syscall"] == "read" and s["call"].endswith(", buf, 65536)"))
    assert read["args"]["buf"] == "buf" and read["args"]["count"] == "65536"
    ioctl = next(s for s in steps if s["syscall"] == "ioctl")
    assert ioctl["args"]["request"] == "FIONREAD"


# --- 6. CI scripts say what failed, and what they are doing

def test_ci_show_failures_names_the_failing_case_and_keeps_the_status(run, tmp_path):
    d = suite(tmp_path, expected='t.write 5 4:"hell"\nt.closed EBADF\n')
    env = dict(os.environ, TMPDIR=str(run.scratch))
    proc = subprocess.run([str(ROOT / "ci" / "show-failures"), binary(), "-q", *on(d)], capture_output=True,
                          text=True, env=env)
    assert proc.returncode == 1
    assert "FAIL   t.write" in proc.stdout and 'expected 4:"hell", seen 5:"hello"' in proc.stdout
    assert "PASS" not in proc.stdout and "1 passed, 1 failed, 0 skipped" in proc.stdout
    ok = subprocess.run([str(ROOT / "ci" / "show-failures"), binary(), "-q", "--filter", "tee.flags.*"],
                        capture_output=True, text=True, env=env)
    assert ok.returncode == 0 and SUMMARY.search(ok.stdout)


def test_ci_test_never_cuts_a_suite_run_to_its_last_line():
    text = (ROOT / "ci" / "test").read_text()
    for line in text.splitlines():
        if re.search(r"build/splicecheck\S* ", line) and not line.lstrip().startswith("#"):
            assert "tail" not in line, line
    assert "ci/show-failures build/splicecheck-asan" in text


def test_run_suite_says_what_it_is_doing_on_stderr(tmp_path):
    env = dict(os.environ, TMPDIR=str(tmp_path))
    proc = subprocess.run([str(ROOT / "ci" / "run-suite"), "-q", "--filter", "tee.flags.*"], capture_output=True,
                          text=True, env=env, timeout=900)
    assert proc.returncode == 0, proc.stderr
    stages = [l for l in proc.stderr.splitlines() if l.startswith("run-suite: ")]
    assert [s.split()[1] for s in stages] == ["checking", "building", "running"]
    assert SUMMARY.search(proc.stdout)


def test_report_py_says_which_file_it_cannot_read_or_write(tmp_path):
    tool = str(ROOT / "tools" / "report.py")
    proc = subprocess.run([tool, "--json", str(tmp_path / "missing.json"), "-o", str(tmp_path / "r.md")],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "missing.json: cannot read it: No such file or directory" in proc.stderr
    run_json = tmp_path / "run.json"
    run_json.write_text(subprocess.run([binary(), "--format", "json", "--filter", "tee.flags.*"],
                                       capture_output=True, text=True).stdout)
    proc = subprocess.run([tool, "--json", str(run_json), "-o", str(tmp_path / "no" / "such" / "r.md")],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "cannot write" in proc.stderr and "r.md" in proc.stderr

