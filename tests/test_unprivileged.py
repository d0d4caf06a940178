"""The suite as an ordinary user (uid/gid 65534, no groups): green, and a
case SKIPs only where it needs a privilege, saying so.  Where root and a
user see different outcomes (pipe size limits), the expected files say
which (`root`/`user` qualifiers), so both runs must pass."""
import json
import os
import shutil
import subprocess
import tempfile

import pytest

from conftest import binary

NOBODY = 65534


def as_nobody():
    if os.geteuid() != 0:
        pytest.skip("not root: cannot switch to another user")
    if not shutil.which("setpriv"):
        pytest.skip("setpriv (util-linux) is missing")
    return ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]


def cases(stdout):
    return {o["case"]: o for o in map(json.loads, stdout.splitlines()) if o["type"] == "case"}


def test_suite_is_green_unprivileged():
    prefix = as_nobody()
    # pytest's tmp_path is private to root: the user needs a TMPDIR it owns
    scratch = tempfile.mkdtemp(prefix="splicecheck-user.")
    try:
        os.chown(scratch, NOBODY, NOBODY)
        env = dict(os.environ, TMPDIR=scratch)
        root = subprocess.run([binary(), "--format", "json"], capture_output=True, text=True, env=env, timeout=120)
        assert root.returncode == 0, "not green as root either: " + ", ".join(
            c["case"] for c in cases(root.stdout).values() if c["status"] in ("fail", "broken"))
        user = subprocess.run(prefix + [binary(), "--format", "json"], capture_output=True, text=True, env=env,
                              timeout=120)
        assert "unprivileged" in user.stderr, user.stderr  # it really ran as the user
        assert user.returncode == 0, "\n".join(
            f"{c['case']}: {c['status']} {c['reason']} seen {c['outcomes']} expected {c['expected']}"
            for c in cases(user.stdout).values() if c["status"] in ("fail", "broken")) + user.stderr[-2000:]
        assert os.listdir(scratch) == [], "the run left its scratch directory behind"
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    u, r = cases(user.stdout), cases(root.stdout)
    assert u.keys() == r.keys() and u
    for name, c in u.items():
        if c["status"] != "skip":
            continue
        assert c["reason"], name
        if r[name]["status"] != "skip":
            # skipped only for want of a privilege
            assert any(w in c["reason"] for w in ("needs root", "Operation not permitted", "Permission denied")), \
                (name, c["reason"])
