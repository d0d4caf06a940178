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
