"""Faults in cases and in the harness's surroundings: a step that blocks
for ever, a case's process that crashes, is killed, floods its output;
the harness short of fds or memory, or stopped by SIGINT/SIGTERM.  Each
is reported as such, the rest of the run is unaffected (or stopped
cleanly), and nothing is left behind: no scratch directory, no temporary
file, no process, nothing written outside the run's scratch directory."""
import json
import os
import pathlib
import resource
import shutil
import signal
import subprocess
import tempfile
import time
import uuid

import pytest

from conftest import ROOT, binary

# Cases for the faults, each with a plain neighbour after it that must
# still pass.
FAULT_CASES = """\
case f.blocks
  pipe p
  read p.r 1
case f.segv
  buffer b prot=none
  poke b "x"
case f.kill
  pipe p
  raise SIGKILL
  read p.r 1
case f.sigsys
  pipe p
  raise SIGSYS
case f.flood
  pipe p
  write 1 "a"*4000000
  write 2 "b"*4000000
case f.after
  pipe p
  write p.w "ok"
  read p.r 2
"""
FAULT_EXPECTED = """\
f.blocks  blocks
f.segv    SIGSEGV
f.kill    SIGKILL
f.sigsys  SIGSYS
f.flood   4000000 4000000
f.after   2 2:"ok"
"""
# Fixtures that each need fds or memory, for the resource limits.
HUNGRY_CASES = """\
case h.fds
  pipe a
  pipe b
  socketpair s unix-stream
  tcp t
  memfd m size=10
  file f size=10
  fifo q
  buffer x
  vmsplice a.w [x:1] 1 0
case h.tcp
  tcp t
  write t.c "hi"
  read t.s 2
case h.file
  file f data="hello"
  pipe p
  splice f &0 p.w NULL 5 0
case h.bigbuf
  buffer b pages=8192
  pipe p
  vmsplice p.w [b:4096] 1 0
case h.bigread
  pipe p
  write p.w "x"
  read p.r 30000000
"""
HUNGRY_EXPECTED = """\
h.fds     1
h.tcp     2 2:"hi"
h.file    5
h.bigbuf  4096
h.bigread 1 1:"x"
"""


class Env:
    """A run's surroundings, all fresh: TMPDIR, HOME and the working
    directory; a marker in the environment finds any process it leaves."""

    def __init__(self, tmp_path, cases, expected):
        self.root = tmp_path
        for d in ("cases", "expected", "tmp", "home", "cwd"):
            (tmp_path / d).mkdir()
        (tmp_path / "cases" / "t.case").write_text(cases)
        (tmp_path / "expected" / "linux.expected").write_text(expected)
        self.mark = uuid.uuid4().hex
        self.env = dict(os.environ, TMPDIR=str(tmp_path / "tmp"), HOME=str(tmp_path / "home"),
                        SPLICECHECK_FAULT_MARK=self.mark)
        self.before = {d: (tmp_path / d).stat().st_mtime_ns for d in ("cases", "expected", "home", "cwd")}

    def argv(self, *args, name="splicecheck"):
        return [binary(name), "--cases", str(self.root / "cases"), "--expected", str(self.root / "expected"),
                "--target", "linux", "-q", *args]

    def run(self, *args, name="splicecheck", limits=(), timeout=60):
        def preexec():
            for res, val in limits:
                resource.setrlimit(res, (val, val))
        return subprocess.run(self.argv(*args, name=name), capture_output=True, text=True, env=self.env,
                              cwd=self.root / "cwd", timeout=timeout, preexec_fn=preexec if limits else None)

    def assert_clean(self):
        # a case's process dies with the harness (PR_SET_PDEATHSIG), but give
        # the kernel a moment to deliver that
        deadline = time.monotonic() + 5
        while (left := self.processes()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not left, f"processes left behind: {left}"
        assert list((self.root / "tmp").iterdir()) == [], "the run left files in TMPDIR"
        assert list((self.root / "home").iterdir()) == []
        assert list((self.root / "cwd").iterdir()) == [], "the run wrote into its working directory"
        for d, ns in self.before.items():
            assert (self.root / d).stat().st_mtime_ns == ns, f"{d} was written to"

    def processes(self):
        found = []
        needle = f"SPLICECHECK_FAULT_MARK={self.mark}".encode()
        for p in pathlib.Path("/proc").iterdir():
            if p.name.isdigit() and int(p.name) != os.getpid():
                try:
                    if needle in (p / "environ").read_bytes():
                        found.append(int(p.name))
                except OSError:
                    pass
        return found


def cases_of(stdout):
    return {o["case"]: o for o in map(json.loads, stdout.splitlines()) if o["type"] == "case"}


@pytest.fixture
def faults(tmp_path):
    return Env(tmp_path, FAULT_CASES, FAULT_EXPECTED)


@pytest.mark.parametrize("name", ["splicecheck", "splicecheck-asan"])
def test_faulting_cases_are_recorded_and_the_run_goes_on(faults, name):
    proc = faults.run("--format", "json", "-j1", name=name)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    got = cases_of(proc.stdout)
    assert got["f.segv"]["outcomes"] == ["SIGSEGV"]
    assert got["f.kill"]["outcomes"] == ["SIGKILL"]  # and the read after it never ran
    assert got["f.sigsys"]["outcomes"] == ["SIGSYS"]
    assert got["f.after"]["status"] == "pass"
    assert all(c["status"] == "pass" for c in got.values())
    faults.assert_clean()


def test_blocking_step_found_from_proc_long_before_the_timeout(faults):
    t0 = time.monotonic()
    proc = faults.run("--filter", "f.blocks", "--timeout", "20000", "--format", "json")
    took = time.monotonic() - t0
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert cases_of(proc.stdout)["f.blocks"]["outcomes"] == ["blocks"]
    assert took < 10, f"took {took:.1f}s: the /proc watch did not find the sleeping read"
    faults.assert_clean()


def test_blocking_step_ended_by_the_timer_without_proc(faults):
    t0 = time.monotonic()
    proc = faults.run("--filter", "f.blocks", "--no-proc-watch", "--timeout", "300", "--format", "json")
    took = time.monotonic() - t0
    assert proc.returncode == 0, proc.stdout + proc.stderr
    got = cases_of(proc.stdout)["f.blocks"]
    assert got["outcomes"] == ["blocks"]
    assert got["ms"] >= 300 and took >= 0.3, "ended before the timeout: not by the timer"
    faults.assert_clean()


def test_step_still_working_at_the_timeout_is_not_ended(tmp_path):
    """A step that /proc shows running (or waiting for a CPU, or for the
    disk) when its timeout comes is not waiting to be woken: a loaded
    machine must not turn its count into `N+blocks`.  A 64 MiB read takes
    milliseconds of CPU, so with --timeout 1 the timeout comes while it
    works (before this, its outcome was `67108864:...+blocks`); a read that
    sleeps is still `blocks`."""
    env = Env(tmp_path, "case w.read\n  file f size=67108864 byte=a mode=r\n  read f 67108864\n"
                        "case w.blocks\n  pipe p\n  read p.r 1\n",
              'w.read 67108864:"a"*67108864\nw.blocks blocks\n')
    proc = env.run("--timeout", "1", "--format", "json", "-j1")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    got = cases_of(proc.stdout)
    assert got["w.read"]["outcomes"] == ['67108864:"a"*67108864']
    assert got["w.blocks"]["outcomes"] == ["blocks"]
    env.assert_clean()


def test_step_that_ignores_the_watchdog_is_killed_after_the_grace_period(tmp_path):
    """A stopped process cannot take the watchdog's signal: after the grace
    period it gets SIGKILL, that is its step's outcome, and the run goes on."""
    env = Env(tmp_path, "case g.stop\n  pipe p\n  raise SIGSTOP\n  read p.r 1\n"
                        "case g.after\n  pipe p\n  write p.w \"x\"\n",
              "g.stop SIGKILL\ng.after 1\n")
    t0 = time.monotonic()
    proc = env.run("--timeout", "100", "--format", "json", "-j1")
    took = time.monotonic() - t0
    assert proc.returncode == 0, proc.stdout + proc.stderr
    got = cases_of(proc.stdout)
    assert got["g.stop"]["outcomes"] == ["SIGKILL"]
    assert "did not return after the watchdog signal" in got["g.stop"]["reason"]
    assert got["g.after"]["status"] == "pass"
    assert 1.0 < took < 30, f"took {took:.1f}s: the grace period is 2 s"
    env.assert_clean()


def test_seccomp_kill_is_recorded_as_sigsys(tmp_path):
    profile = ROOT / "profiles" / "deny-vmsplice-kill.json"
    if not profile.exists():
        pytest.skip("profiles/deny-vmsplice-kill.json is not there")
    env = Env(tmp_path, "case s.vmsplice\n  pipe p\n  buffer b fill=a\n  vmsplice p.w [b:10] 1 0\n"
                        "  read p.r 10\ncase s.after\n  pipe p\n  write p.w \"x\"\n",
              's.vmsplice 10 10:"a"*10\ns.after 1\n')
    proc = env.run("--seccomp", str(profile), "--format", "json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    got = cases_of(proc.stdout)
    assert got["s.vmsplice"]["outcomes"] == ["SIGSYS"]
    assert got["s.after"]["outcomes"] == ["1"]
    env.assert_clean()


def test_output_flood_does_not_reach_the_report(faults):
    proc = faults.run("--format", "json", "-j2")
    assert proc.returncode == 0, proc.stderr
    # every line is one whole JSON object: no case's bytes in between
    objs = [json.loads(l) for l in proc.stdout.splitlines()]
    assert len([o for o in objs if o["type"] == "case"]) == FAULT_CASES.count("case ")
    assert "aaaa" not in proc.stdout and "bbbb" not in proc.stderr
    assert len(proc.stdout) < 100_000
    assert cases_of(proc.stdout)["f.flood"]["outcomes"] == ["4000000", "4000000"]
    faults.assert_clean()


def check_limited_run(env, proc):
    """Under a resource limit: the harness ends by itself with a verdict
    (never killed by a signal); every case is PASS, or BROKEN/SKIP with a
    reason; or, when the preflight finds the environment short of what
    the cases need, exit 3 saying what is lacking, having run nothing."""
    assert proc.returncode in (0, 1, 3), (proc.returncode, proc.stderr)
    if proc.returncode == 3:
        assert "lacks what the selected cases need" in proc.stderr and proc.stdout == "", proc.stderr
        return proc.stderr
    got = cases_of(proc.stdout)
    assert len(got) == HUNGRY_CASES.count("case "), proc.stdout
    for c in got.values():
        assert c["status"] in ("pass", "broken", "skip"), c
        if c["status"] != "pass":
            assert c["reason"], c
    env.assert_clean()
    return got


def test_out_of_fds(tmp_path):
    env = Env(tmp_path, HUNGRY_CASES, HUNGRY_EXPECTED)
    seen_broken = seen_ran = False
    for n in (5, 6, 7, 8, 10, 12, 16, 24, 64):
        proc = env.run("--format", "json", "-j2", limits=[(resource.RLIMIT_NOFILE, n)])
        got = check_limited_run(env, proc)
        if isinstance(got, str):
            assert "open files: RLIMIT_NOFILE" in got
            seen_broken = True
            continue
        seen_ran = True
        broken = [c for c in got.values() if c["status"] == "broken"]
        seen_broken |= bool(broken)
        assert all("open files" in c["reason"] for c in broken), broken
    # the limits did bite (preflight or BROKEN), and a run did get through them
    assert seen_broken and seen_ran
    assert all(c["status"] == "pass" for c in got.values()), "64 fds should be plenty"


def test_out_of_memory(tmp_path):
    env = Env(tmp_path, HUNGRY_CASES, HUNGRY_EXPECTED)
    seen_broken = False
    for mib in (16, 24, 32, 48, 64, 128):
        proc = env.run("--format", "json", "-j2", limits=[(resource.RLIMIT_AS, mib << 20)])
        got = check_limited_run(env, proc)
        if isinstance(got, str):
            assert "memory: RLIMIT_AS" in got
            seen_broken = True
        elif got:
            broken = [c for c in got.values() if c["status"] == "broken"]
            seen_broken |= bool(broken)
            assert all("memory" in c["reason"] for c in broken), broken
    assert seen_broken


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_stop_signal_mid_run(tmp_path, sig):
    env = Env(tmp_path, "".join(f"case t.slow{i}\n  pipe p\n  file f\n  read p.r 1\n" for i in range(30)),
              "".join(f"t.slow{i} blocks\n" for i in range(30)))
    p = subprocess.Popen(env.argv("--no-proc-watch", "--timeout", "400", "-j2"), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=env.env, cwd=env.root / "cwd")
    time.sleep(1.0)
    assert p.poll() is None, "the run ended too soon to be stopped mid-run"
    assert env.processes(), "no case process is running"
    # the scratch directory exists mid-run (the cases make files)
    assert list((env.root / "tmp").iterdir())
    p.send_signal(sig)
    out, err = p.communicate(timeout=20)
    assert p.returncode == 128 + sig, (p.returncode, err)
    name = signal.Signals(sig).name
    assert f"stopped by {name}" in err and "cleaned up" in err
    # the cases reported before the stop are whole lines, in order
    done = [l.split()[1] for l in out.splitlines() if l.startswith("PASS")]
    assert 0 < len(done) < 30 and done == [f"t.slow{i}" for i in range(len(done))]
    env.assert_clean()


def test_nothing_written_outside_the_scratch_directory(tmp_path):
    """The whole built-in suite, from a fresh working directory."""
    env = Env(tmp_path, "", "")
    proc = subprocess.run([binary(), "-q"], capture_output=True, text=True, env=env.env, cwd=env.root / "cwd",
                          timeout=120)
    assert proc.returncode in (0, 1), proc.stderr
    assert "passed" in proc.stdout
    env.assert_clean()


def children(harness):
    return pathlib.Path(f"/proc/{harness}/task/{harness}/children").read_text().split()


def launcher_server(harness):
    """The case launcher's server: the harness's child that has lived
    longest (it is forked when the run starts; case processes come and go)."""
    def started(pid):
        stat = pathlib.Path(f"/proc/{pid}/stat").read_text()
        return int(stat[stat.rindex(")") + 2:].split()[19])
    alive = []
    for k in children(harness):
        try:
            alive.append((started(k), int(k)))
        except OSError:
            pass
    return min(alive)[1] if alive else None


def child_calls(harness):
    """{pid: the x86-64 system call number each child of the harness is in
    ("running", or "?" when it has just gone)}."""
    calls = {}
    for k in children(harness):
        try:
            calls[int(k)] = pathlib.Path(f"/proc/{k}/syscall").read_text().split()[0]
        except (OSError, IndexError):
            calls[int(k)] = "?"
    return calls


def waiting_spares(harness):
    """The launcher's spares: the harness's children asleep in recvmsg,
    waiting for a case (the server waits in recvfrom, a case elsewhere)."""
    return [k for k, call in child_calls(harness).items() if call == "47"]  # x86-64 recvmsg


def end_or_fail(p, seconds, why, stopped=()):
    """Waits for the run to end; past `seconds` kills it (and `stopped`,
    processes the test stopped) and fails with `why`: never a hung test."""
    deadline = time.monotonic() + seconds
    while p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if p.poll() is None:
        for pid in stopped:
            os.kill(pid, signal.SIGKILL)
        p.kill()
        p.communicate()
        pytest.fail(f"the run did not end in {seconds} s: {why}")


def launcher_seen(p, seconds, why):
    """Looks at the run's processes until it ends (end_or_fail past
    `seconds`): whether a server was seen, and every spare seen waiting."""
    seen_server, spares = False, []
    deadline = time.monotonic() + seconds
    while p.poll() is None and time.monotonic() < deadline:
        seen_server |= launcher_server(p.pid) is not None
        spares += waiting_spares(p.pid)
        time.sleep(0.02)
    end_or_fail(p, 0, why)
    return seen_server, spares


def start_slow_run(tmp_path, n, preexec=None, extra_env=None):
    """n cases whose step blocks until the watchdog's timer (150 ms), at
    -j 2: a run long enough to act on its processes while it goes."""
    env = Env(tmp_path, "".join(f"case t.slow{i}\n  pipe p\n  file f\n  read p.r 1\n" for i in range(n)),
              "".join(f"t.slow{i} blocks\n" for i in range(n)))
    p = subprocess.Popen(env.argv("--no-proc-watch", "--timeout", "150", "-j2", "--format", "json"),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=dict(env.env, **(extra_env or {})), cwd=env.root / "cwd", preexec_fn=preexec)
    return env, p


def assert_slow_run_passed(env, p, n):
    """Every case reported, in order, as expected; nothing left behind."""
    out, err = p.communicate(timeout=60)
    assert p.returncode == 0, err
    cases = [json.loads(l) for l in out.splitlines() if '"type":"case"' in l]
    assert [c["case"] for c in cases] == [f"t.slow{i}" for i in range(n)]
    assert all(c["status"] == "pass" for c in cases), cases
    env.assert_clean()


def test_launcher_server_killed_mid_run(tmp_path):
    """The cases go on, each in its own process, made by the harness itself
    from then on; every case is reported as expected."""
    if os.environ.get("SPLICECHECK_FORK"):
        pytest.skip("SPLICECHECK_FORK: the harness forks, there is no server")
    env, p = start_slow_run(tmp_path, 16)
    time.sleep(0.5)
    server = launcher_server(p.pid)
    assert server, "no launcher server"
    os.kill(server, signal.SIGKILL)
    assert_slow_run_passed(env, p, 16)


def test_waiting_spares_killed_mid_run(tmp_path):
    """A spare killed before it takes a case is replaced: every case runs,
    in its own process, and is reported as expected."""
    if os.environ.get("SPLICECHECK_FORK"):
        pytest.skip("SPLICECHECK_FORK: the harness forks, there are no spares")
    if os.uname().machine != "x86_64":
        pytest.skip("tells a spare by its system call number on x86-64")
    env, p = start_slow_run(tmp_path, 16)
    killed = 0
    deadline = time.monotonic() + 20
    while killed < 6 and p.poll() is None and time.monotonic() < deadline:
        for pid in waiting_spares(p.pid):
            os.kill(pid, signal.SIGKILL)
            killed += 1
        time.sleep(0.05)
    assert killed >= 2, "no spare was seen waiting"
    assert_slow_run_passed(env, p, 16)


def test_launcher_ends_once_the_last_case_is_sent(tmp_path):
    """Once the last case has gone to its process, the server and the spares
    left waiting end on their own while the last cases run: the run's end
    waits for no process but the cases'.  Seen as a moment, before the run
    ends, when every child of the harness is a case blocked in its read."""
    if os.environ.get("SPLICECHECK_FORK"):
        pytest.skip("SPLICECHECK_FORK: the harness forks, there is no server")
    if os.uname().machine != "x86_64":
        pytest.skip("tells a case by its system call number on x86-64")
    env, p = start_slow_run(tmp_path, 4)
    only_cases = False
    deadline = time.monotonic() + 30  # the run takes about 0.3 s
    while p.poll() is None and not only_cases and time.monotonic() < deadline:
        calls = child_calls(p.pid).values()
        only_cases = len(calls) > 0 and all(c == "0" for c in calls)  # x86-64 read
        time.sleep(0.01)
    assert only_cases, "the server or a spare lived as long as the cases"
    assert_slow_run_passed(env, p, 4)


@pytest.mark.parametrize("failing", ["3", "1000000"])
def test_spares_the_server_cannot_make(tmp_path, failing):
    """A spare the server cannot make (out of processes: here its first
    SPLICECHECK_SPARES_FAIL ones) is owed: the server takes a case that
    no spare takes and makes its process itself.  With every spare failing
    no spare is ever seen waiting, and still every case passes."""
    if os.environ.get("SPLICECHECK_FORK"):
        pytest.skip("SPLICECHECK_FORK: the harness forks, there is no server")
    if os.uname().machine != "x86_64":
        pytest.skip("tells a spare by its system call number on x86-64")
    env, p = start_slow_run(tmp_path, 8, extra_env={"SPLICECHECK_SPARES_FAIL": failing})
    # the run takes about 0.6 s
    seen_server, spares = launcher_seen(p, 30, "a case no spare took was never made")
    assert seen_server
    if failing == "1000000":
        assert not spares, spares
    assert_slow_run_passed(env, p, 8)


def test_launcher_stopped_mid_run(tmp_path):
    """The server and the waiting spares stopped (SIGSTOP) mid-run: the
    cases sent next go to no process.  After the set-up limit (10 s) the
    harness kills them and forks those cases itself: the run ends, every
    case passes, nothing is left behind."""
    if os.environ.get("SPLICECHECK_FORK"):
        pytest.skip("SPLICECHECK_FORK: the harness forks, there is no server")
    if os.uname().machine != "x86_64":
        pytest.skip("tells a spare by its system call number on x86-64")
    env, p = start_slow_run(tmp_path, 8)
    stopped = []
    deadline = time.monotonic() + 20
    while not stopped and p.poll() is None and time.monotonic() < deadline:
        spares = waiting_spares(p.pid)
        server = launcher_server(p.pid)
        if spares and server:
            for pid in [server] + spares:
                os.kill(pid, signal.SIGSTOP)
            stopped = [server] + spares
        time.sleep(0.02)
    assert stopped, "no server and spares seen"
    end_or_fail(p, 40, "its next case went to no process", stopped)
    assert_slow_run_passed(env, p, 8)


def test_out_of_processes(tmp_path):
    """Under RLIMIT_NPROC (as an ordinary user: root is not held to it) the
    preflight picks how case processes are made and how many run at once
    so that all of them fit: spares (the server, and a spare per slot and
    one more), the server making each as it starts, or the harness forking
    each; or, with no room for a case and its helper, exit 3.  Every case
    passes in each of those modes."""
    if os.geteuid() != 0:
        pytest.skip("not root: cannot switch to another user")
    nobody = 65534
    if subprocess.run(["ps", "-o", "pid=", "-u", str(nobody)], capture_output=True, text=True).stdout.split():
        pytest.skip("the user has processes already: the limits below would not mean what they say")
    root = pathlib.Path(tempfile.mkdtemp(prefix="splicecheck-nproc."))
    try:
        os.chmod(root, 0o755)
        env = Env(root, "".join(f"case t.c{i}\n  pipe p\n  write p.w \"x\"\n  read p.r 1\n" for i in range(40)),
                  "".join(f't.c{i} 1 1:"x"\n' for i in range(40)))
        for d in ("tmp", "cwd"):
            os.chown(root / d, nobody, nobody)
        # RLIMIT_NPROC -> what the harness (one process of the user) chooses at -j 2:
        # a case and a helper it may fork are 2 a slot; the server 1; spares 1 a slot and 1
        chosen = {1: None, 2: None, 3: "1 case at a time, each forked by the harness",
                  4: "1 case at a time, each made as it starts", 5: "2 cases at a time, each forked by the harness",
                  6: "2 cases at a time, each made as it starts", 8: "2 cases at a time, each made as it starts",
                  9: "", 64: ""}
        for n, note in chosen.items():
            def preexec(n=n):
                resource.setrlimit(resource.RLIMIT_NPROC, (n, n))
                os.setgroups([])
                os.setgid(nobody)
                os.setuid(nobody)
            # not -q: the preflight's note is what says which it chose
            argv = [a for a in env.argv("--format", "json", "-j2") if a != "-q"]
            proc = subprocess.run(argv, capture_output=True, text=True, env=env.env, cwd=root / "cwd", timeout=60,
                                  preexec_fn=preexec)
            if note is None:
                assert proc.returncode == 3 and "processes: RLIMIT_NPROC" in proc.stderr, (n, proc.stderr)
                continue
            assert proc.returncode == 0, (n, proc.returncode, proc.stderr, proc.stdout[-2000:])
            if note:
                assert note in proc.stderr, (n, proc.stderr)
            else:
                assert "RLIMIT_NPROC" not in proc.stderr, (n, proc.stderr)
            got = cases_of(proc.stdout)
            assert len(got) == 40 and all(c["status"] == "pass" for c in got.values()), (n, proc.stdout[-2000:])
            env.assert_clean()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_one_cpu_runs_without_spares(tmp_path):
    """Confined to one CPU the harness makes no spares (nothing would make
    them while a case runs): its server makes each case's process as the
    case starts; every case passes."""
    if os.environ.get("SPLICECHECK_FORK"):
        pytest.skip("SPLICECHECK_FORK: the harness forks, there is no server")
    if os.uname().machine != "x86_64":
        pytest.skip("tells a spare by its system call number on x86-64")
    cpu = min(os.sched_getaffinity(0))
    env, p = start_slow_run(tmp_path, 12, preexec=lambda: os.sched_setaffinity(0, {cpu}))
    seen_server, spares = launcher_seen(p, 60, "confined to one CPU")
    assert seen_server and not spares, (seen_server, spares)
    assert_slow_run_passed(env, p, 12)


def allowed_cpus(pid):
    """{tid: the CPUs the thread may run on} for each thread of pid."""
    out = {}
    for t in pathlib.Path(f"/proc/{pid}/task").iterdir():
        for line in (t / "status").read_text().splitlines():
            if line.startswith("Cpus_allowed_list:"):
                out[int(t.name)] = cpu_list(line.split(":")[1].strip())
    return out


def cpu_list(text):
    cpus = set()
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        cpus.update(range(int(lo), int(hi or lo) + 1))
    return cpus


# Each case waits in a read of its fifo until the test writes a byte: the
# test looks at the run's processes while it waits, with nothing timed.
GATED_CASES = """case t.alone
  fifo x
  read x.r 1

case t.actor
  fifo x
  thread t
  read x.r 1
"""
GATED_EXPECTED = 't.alone 1:"z"\nt.actor 1:"z"\n'


def gated_case(env, p, threads, seconds=60):
    """The case's process once its fifo is open in it and it has `threads`
    threads: (its pid, the fifo).  Fails past `seconds` (never a hang)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and p.poll() is None:
        for k in children(p.pid):
            try:
                fifos = [os.readlink(f) for f in pathlib.Path(f"/proc/{k}/fd").iterdir()
                         if os.readlink(f).endswith("/x.fifo")]
                if fifos and len(os.listdir(f"/proc/{k}/task")) == threads:
                    return int(k), fifos[0]
            except OSError:
                pass
        time.sleep(0.01)
    p.kill()
    out, err = p.communicate()
    pytest.fail(f"no case process with its fifo and {threads} threads: {err}")


def release(fifo):
    fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    try:
        os.write(fd, b"z")
    finally:
        os.close(fd)


def start_gated_run(tmp_path, jobs, one_cpu):
    """SPLICECHECK_ONE_CPU=one_cpu: whether the run keeps to one CPU is then
    not up to what the probe's clone cost (launcher.c)."""
    env = Env(tmp_path, GATED_CASES, GATED_EXPECTED)
    p = subprocess.Popen(env.argv("--no-proc-watch", "--timeout", "60000", f"-j{jobs}", "--format", "json"),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=dict(env.env, SPLICECHECK_ONE_CPU=one_cpu), cwd=env.root / "cwd")
    return env, p


def gated_run_cpus(tmp_path, jobs, one_cpu, children_at_least=2):
    """Runs the two gated cases; while each waits, the CPUs each thread may
    run on: ({tid: cpus} of the harness, {pid: {tid: cpus}} of its children
    while the case without actors waits, that case's pid, {tid: cpus} of
    the case with an actor).  The children are read once there are
    `children_at_least` of them (or after 10 s: a spare is made while the
    case waits).  Every case must pass, nothing be left behind."""
    env, p = start_gated_run(tmp_path, jobs, one_cpu)
    try:
        case, fifo = gated_case(env, p, 1)
        harness = allowed_cpus(p.pid)
        deadline = time.monotonic() + 10
        while len(children(p.pid)) < children_at_least and time.monotonic() < deadline:
            time.sleep(0.01)
        run = {int(k): allowed_cpus(k) for k in children(p.pid)}
        release(fifo)
        case2, fifo = gated_case(env, p, 2)
        actor = allowed_cpus(case2)
        release(fifo)
    except BaseException:
        p.kill()
        p.communicate()
        raise
    out, err = p.communicate(timeout=60)
    assert p.returncode == 0, out + err
    assert [c["status"] for c in cases_of(out).values()] == ["pass", "pass"], out
    env.assert_clean()
    return harness, run, case, actor


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two CPUs")
@pytest.mark.parametrize("one_cpu", ["1", ""])
def test_one_slot_keeps_to_one_cpu(tmp_path, one_cpu):
    """At -j 1, where making a process is cheap, the harness, its server and
    a case's process keep to one CPU of those the harness was given
    (hand-overs between them then wake no other CPU), and the server makes
    no spares (nothing would make them alongside the case): while a case
    waits the harness has two children, the server and that case's
    process.  A case with an actor has every CPU back, in every thread, so
    its actors run at once.  "": the probe's clone decides, which the plain
    build's does here (40 to 180 us of CPU, against 250)."""
    if os.environ.get("SPLICECHECK_FORK"):
        pytest.skip("SPLICECHECK_FORK: no server, no probe, nothing kept to one CPU")
    given = os.sched_getaffinity(0)
    harness, run, case, actor = gated_run_cpus(tmp_path, 1, one_cpu)
    (one,) = set(map(frozenset, harness.values()))
    assert len(one) == 1 and one <= given, harness
    assert case in run and len(run) == 2, run  # the server and the case's process
    for pid, threads in run.items():
        assert set(map(frozenset, threads.values())) == {one}, (pid, threads, one)
    assert list(actor.values()) == [given, given], actor


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two CPUs")
@pytest.mark.parametrize("jobs,one_cpu", [(2, "1"), (1, "0")])
def test_every_cpu_kept(tmp_path, jobs, one_cpu):
    """At -j 2 nothing is kept to one CPU, as two cases at once would queue
    on it; nor at -j 1 where making a process costs more than the hand-overs
    (SPLICECHECK_ONE_CPU=0 stands for that).  There, at -j 1, the server
    makes spares, on a CPU the case does not hold: while the first case
    waits a child more than the server and its process.  (At -j 2 both
    cases are sent at once, and with the last sent the server and the
    spares end.)"""
    given = os.sched_getaffinity(0)
    want = 3 if jobs == 1 else 2
    harness, run, case, actor = gated_run_cpus(tmp_path, jobs, one_cpu, children_at_least=want)
    assert case in run and len(run) >= want, run
    for pid, threads in [("harness", harness), *run.items(), (case, actor)]:
        assert set(map(frozenset, threads.values())) == {frozenset(given)}, (pid, threads)
