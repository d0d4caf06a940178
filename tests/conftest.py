"""Shared fixtures: where the built binaries are, and a runner that keeps
every run's scratch directory inside the test's own temporary folder."""
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"


def binary(name="splicecheck"):
    path = BUILD / name
    if not path.exists():
        pytest.fail(f"{path} is missing: run ninja first")
    return str(path)


def run_with_usage(argv, out=os.devnull, tmpdir=None, cpus=None):
    """Runs argv to its end, stdout to the file out, stderr to /dev/null,
    TMPDIR tmpdir, on the CPUs cpus: its exit code and the rusage of it and
    of everything it reaped (which subprocess does not give)."""
    pid = os.fork()
    if pid == 0:
        try:
            if cpus:
                os.sched_setaffinity(0, cpus)
            os.dup2(os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 1)
            os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
            if tmpdir:
                os.environ["TMPDIR"] = str(tmpdir)
            os.execv(argv[0], [str(a) for a in argv])
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    return os.waitstatus_to_exitcode(status), usage


class Runner:
    def __init__(self, tmp_path):
        self.scratch = tmp_path / "scratch"
        self.scratch.mkdir()

    def __call__(self, *args, binary_name="splicecheck", timeout=60, check_clean=True):
        env = dict(os.environ, TMPDIR=str(self.scratch))
        proc = subprocess.run([binary(binary_name), *args], capture_output=True, text=True, env=env,
                              timeout=timeout)
        if check_clean:
            left = list(self.scratch.iterdir())
            assert left == [], f"the run left {left} behind"
        return proc


@pytest.fixture
def run(tmp_path):
    return Runner(tmp_path)


@pytest.fixture
def repo():
    return ROOT
