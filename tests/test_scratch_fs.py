"""The filesystem under the scratch directory as a qualifier (issue 16, item 3):
fs=NAME lines are checked when read, judged with the filesystem statfs reports
for the scratch directory, which the run names (stderr header, TAP header,
JSON summary); and `runsc do ./splicecheck-static` from a plain directory, as
a gVisor user first runs it, is green: there /tmp is gVisor's memory-backed
overlay, where ci/sandbox binds a host directory in (9p)."""
import json
import os
import pathlib
import re
import shutil
import subprocess
import tempfile

import pytest

from conftest import ROOT, binary

CASES = """\
case t.closed
  closed c
  pipe q
  splice c NULL q.w NULL 5 0
"""


def suite(tmp_path, expected):
    d = tmp_path / "suite"
    (d / "cases").mkdir(parents=True)
    (d / "expected").mkdir()
    (d / "cases" / "t.case").write_text(CASES)
    (d / "expected" / "linux.expected").write_text(expected)
    return ["--cases", str(d / "cases"), "--expected", str(d / "expected")]


def scratch_fs(path):
    """What statfs says, independently of the harness: stat -f's type name."""
    p = subprocess.run(["stat", "-f", "-c", "%t", str(path)], capture_output=True, text=True, check=True)
    return {"ef53": "ext4", "1021994": "tmpfs", "794c7630": "overlay", "1021997": "9p", "9123683e": "btrfs",
            "58465342": "xfs"}.get(p.stdout.strip())


# ---- parsing: a qualifier that could never hold is a file:line error ----

@pytest.mark.parametrize("qual,what", [
    ("fs=ext5", "'fs=ext5': expected fs=NAME, a filesystem statfs names: ext4 tmpfs overlay 9p"),
    ("fs=", "'fs=': expected fs=NAME"),
    ("!fs=Tmpfs", "'!fs=Tmpfs': expected fs=NAME"),
    ("fs=tmpfs fs=ext4", "fs=tmpfs and fs=ext4 never hold together"),
    ("fs=tmpfs !fs=tmpfs", "fs=tmpfs and !fs=tmpfs never hold together"),
])
def test_bad_fs_qualifier_is_a_file_line_error(run, tmp_path, qual, what):
    proc = run(*suite(tmp_path, f"# a comment\nt.closed EBADF {qual}\n"))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "linux.expected:2: " in proc.stderr and what in proc.stderr, proc.stderr
    assert proc.stdout == ""


def test_fs_and_a_different_negated_fs_may_go_together(run, tmp_path):
    proc = run(*suite(tmp_path, "t.closed EBADF\nt.closed EIO fs=tmpfs !fs=ext4\n"), "-q")
    assert proc.returncode in (0, 1), proc.stderr  # parsed; which line holds depends on the scratch


# ---- judging: the scratch directory's filesystem picks the line ----

def run_in(scratch, *args):
    env = dict(os.environ, TMPDIR=str(scratch))
    return subprocess.run([binary(), *args], capture_output=True, text=True, env=env, timeout=60)


@pytest.mark.parametrize("where", ["tmp", "shm"])
def test_the_scratch_filesystem_picks_the_line(tmp_path, where):
    """A plain EBADF line and a later line for another outcome qualified by
    the scratch's own filesystem: the qualified one holds (the case fails on
    its EIO); qualified by another filesystem, or negated, it does not."""
    if where == "shm":
        if not os.access("/dev/shm", os.W_OK):
            pytest.skip("/dev/shm is not writable here")
        scratch = pathlib.Path(tempfile.mkdtemp(prefix="splicecheck-fs.", dir="/dev/shm"))
    else:
        scratch = tmp_path / "scratch"
        scratch.mkdir()
    try:
        fs = scratch_fs(scratch)
        if fs is None:
            pytest.skip(f"{scratch} is on a filesystem this test does not name")
        other = "btrfs" if fs != "btrfs" else "xfs"
        held = run_in(scratch, *suite(tmp_path / "a", f"t.closed EBADF\nt.closed EIO fs={fs}\n"))
        assert held.returncode == 1 and "expected EIO, seen EBADF" in held.stdout, held.stdout + held.stderr
        assert f"scratch {scratch} on {fs} (f_type 0x" in held.stderr, held.stderr
        for qual in (f"fs={other}", f"!fs={fs}"):
            p = run_in(scratch, *suite(tmp_path / qual.replace("!", "not-"), f"t.closed EBADF\nt.closed EIO {qual}\n"))
            assert p.returncode == 0, (qual, p.stdout + p.stderr)
        p = run_in(scratch, *suite(tmp_path / "neg", f"t.closed EBADF\nt.closed EIO !fs={other}\n"))
        assert p.returncode == 1, p.stdout + p.stderr
        # the JSON summary and the TAP header name it too
        j = run_in(scratch, *suite(tmp_path / "j", "t.closed EBADF\n"), "--format", "json")
        summary = json.loads(j.stdout.splitlines()[-1])
        assert summary["type"] == "summary" and summary["scratch_fs"] == fs, j.stdout
        t = run_in(scratch, *suite(tmp_path / "t", "t.closed EBADF\n"), "--format", "tap")
        assert re.search(rf"^# splicecheck on .*, scratch on {fs}$", t.stdout, re.M), t.stdout
    finally:
        if where == "shm":
            shutil.rmtree(scratch)


def test_an_unreadable_scratch_directory_holds_no_fs_line(tmp_path):
    """A scratch directory that does not exist: statfs fails, the header
    says so, and no fs= line holds (a run with nothing needing scratch)."""
    missing = tmp_path / "not-there"
    p = run_in(missing, *suite(tmp_path, "t.closed EBADF\nt.closed EIO fs=ext4\nt.closed EIO fs=tmpfs\n"),
               "--format", "json")
    assert p.returncode == 0, p.stdout + p.stderr
    assert f"scratch {missing} on ? (statfs {missing}: No such file or directory)" in p.stderr, p.stderr
    assert json.loads(p.stdout.splitlines()[-1])["scratch_fs"] is None


# ---- runsc do, as a user runs it (root: runsc do needs it) ----

def runsc_do(runsc, cwd, *args, timeout=900):
    env = {k: v for k, v in os.environ.items() if k != "TMPDIR"}  # a user's shell: the scratch in /tmp
    return subprocess.run([runsc, "--network=none", "do", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=env)


def runsc_leftovers():
    p = subprocess.run(["runsc", "list", "-quiet"], capture_output=True, text=True)
    return p.stdout.split()


def can_runsc_do(runsc, cwd):
    if os.geteuid() != 0:
        pytest.skip("runsc do needs root here (it sets up its own namespaces and cgroup)")
    p = runsc_do(runsc, cwd, "/bin/true", timeout=120)
    if p.returncode != 0:
        pytest.skip(f"runsc do cannot start here: {(p.stderr or p.stdout).strip()[-300:]}")


def fetched_runsc(release):
    p = subprocess.run([str(ROOT / "ci/sandboxes/fetch-runsc"), release], capture_output=True, text=True,
                       timeout=900)
    if p.returncode != 0:
        pytest.skip(f"runsc {release} could not be fetched: {p.stderr.strip()[-300:]}")
    return p.stdout.strip()


@pytest.mark.parametrize("release", ["system", "20240729"])
def test_runsc_do_from_a_plain_directory_is_green(release):
    """`runsc --network=none do ./splicecheck-static` in a fresh directory
    under /tmp (the 20240729 release told so with --kernel, as its uname
    cannot say): green; /tmp is gVisor's overlay there, named in the header,
    and the case that filesystem decides passes on its fs=overlay line."""
    if release == "system":
        runsc = shutil.which("runsc")
        if not runsc:
            pytest.skip("runsc is not installed (apt-get install runsc)")
        extra = []
    else:
        if not shutil.which("runsc"):
            pytest.skip("runsc is not installed (apt-get install runsc): no gVisor here")
        runsc = fetched_runsc(release)
        extra = ["--kernel", f"{release[:4]}.{release[4:6]}.{release[6:]}"]
    d = pathlib.Path(tempfile.mkdtemp(prefix="splicecheck-runsc-do.", dir="/tmp"))
    try:
        shutil.copy(ROOT / "build/splicecheck-static", d / "splicecheck-static")
        can_runsc_do(runsc, d)
        before = runsc_leftovers()
        p = runsc_do(runsc, d, "./splicecheck-static", "-v", *extra)
        assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-2000:]
        assert re.search(r"^splicecheck: target gvisor .*, scratch /tmp on overlay \(f_type 0x794c7630\)", p.stderr,
                         re.M), p.stderr
        assert re.search(r"^PASS +splice\.f2p\.offset-overflow$", p.stdout, re.M), p.stdout[-3000:]
        assert re.search(r"^\d+ passed, 0 failed, \d+ skipped$", p.stdout, re.M), p.stdout[-2000:]
        # on gVisor's tmpfs the same case holds on its fs=tmpfs line
        p = runsc_do(runsc, d, "./splicecheck-static", "-v", "--scratch", "/dev/shm", "--filter",
                     "splice.f2p.offset-overflow", *extra)
        assert p.returncode == 0 and "scratch /dev/shm on tmpfs" in p.stderr, p.stdout + p.stderr
        # runsc do's overlay keeps what the run wrote in memory: the directory is as it was
        assert sorted(os.listdir(d)) == ["splicecheck-static"]
        assert runsc_leftovers() == before
    finally:
        shutil.rmtree(d)
