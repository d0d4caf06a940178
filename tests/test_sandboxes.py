"""The static harness in real sandboxes, end to end through ci/sandbox:
bubblewrap (plain and with a profile's BPF), an unprivileged user namespace,
and gVisor (runsc).  Each is skipped, with the reason ci/sandbox gives, where
it is not installed or cannot start here.  Every run must leave its mktemp
directory and no container behind."""
import os
import pathlib
import re
import shutil
import subprocess
import tempfile

import pytest

from conftest import ROOT

SANDBOX = str(ROOT / "ci/sandbox")
ROW = re.compile(r"^(\S+)\s+(PASS|FAIL|TIMEOUT|SKIPPED)\s+(\S+)\s+(.*)$", re.M)


@pytest.fixture
def work():
    """TMPDIR for ci/sandbox: a directory every uid can enter (the sandboxes
    run as other uids), checked empty afterwards."""
    d = pathlib.Path(tempfile.mkdtemp(prefix="splicecheck-test-sandbox.", dir="/tmp"))
    d.chmod(0o755)
    yield d
    left = list(d.iterdir())
    shutil.rmtree(d)
    assert left == [], f"ci/sandbox left {left} behind"


def sandbox(work, *args, timeout=600):
    env = dict(os.environ, TMPDIR=str(work))
    proc = subprocess.run([SANDBOX, *args], capture_output=True, text=True, timeout=timeout, env=env)
    rows = {m.group(1): (m.group(2), m.group(4)) for m in ROW.finditer(proc.stdout)}
    return proc, rows


def failures(text):
    return set(re.findall(r"^(?:FAIL|BROKEN) +(\S+)", text, re.M))


HOST = {}


def host_failures():
    """The cases that fail on the host itself: a sandbox run is judged on
    what it adds (tests/test_cli.py holds the host to green)."""
    if "f" not in HOST:
        p = subprocess.run([str(ROOT / "build/splicecheck-static"), "-q"], capture_output=True, text=True,
                           timeout=600)
        HOST["f"] = failures(p.stdout)
    return HOST["f"]


def result(work, *args):
    name = args[-1]
    proc, rows = sandbox(work, *args)
    assert name in rows, proc.stdout[-3000:] + proc.stderr[-2000:]
    verdict, detail = rows[name]
    if verdict == "SKIPPED":
        pytest.skip(f"{name}: {detail}")
    return proc, verdict, detail


def test_bwrap(work):
    proc, verdict, detail = result(work, "bwrap")
    assert failures(proc.stdout) == host_failures(), proc.stdout[-3000:]
    assert verdict == "PASS" or host_failures(), proc.stdout[-3000:]
    assert "container hint: bwrap (pid 1 is bwrap)" in proc.stdout


def test_bwrap_seccomp(work):
    proc, verdict, detail = result(work, "bwrap-seccomp")
    assert failures(proc.stdout) == host_failures(), proc.stdout[-3000:]
    assert verdict == "PASS" or host_failures(), proc.stdout[-3000:]


def test_bwrap_seccomp_argument_rules(work):
    """A profile with argument rules (tee only above 65536 bytes) and a
    whole config.json: enforced by bwrap from the exported BPF, expected by
    the harness from the JSON."""
    proc, verdict, detail = result(work, "--profile", str(ROOT / "profiles/oci-config-deny-splice.json"),
                                   "bwrap-seccomp")
    assert failures(proc.stdout) == host_failures(), proc.stdout[-3000:]
    assert "seccomp filter active (1 filter)" in proc.stdout


def test_unprivileged_user_namespace(work):
    if os.geteuid() == 0 and not shutil.which("setpriv"):
        pytest.skip("setpriv is not installed")
    proc, verdict, detail = result(work, "userns")
    assert failures(proc.stdout) == host_failures(), proc.stdout[-3000:]
    assert verdict == "PASS" or host_failures(), proc.stdout[-3000:]
    assert re.search(r"user namespace \(uid 0 is \d+ outside\)", proc.stdout)


def test_bad_sandbox_name_is_usage_error(work):
    proc, _ = sandbox(work, "no-such-sandbox")
    assert proc.returncode == 2 and "unknown sandbox" in proc.stderr


def test_missing_sandbox_is_skipped_not_failed(work):
    """With a PATH that has every tool but runsc, gvisor is SKIPPED with
    the reason and the exit status is 0."""
    bindir = pathlib.Path(tempfile.mkdtemp())
    for d in ("/usr/sbin", "/usr/bin", "/sbin", "/bin"):
        for e in os.scandir(d):
            if e.name != "runsc" and not os.path.lexists(bindir / e.name):
                (bindir / e.name).symlink_to(e.path)
    env = dict(os.environ, TMPDIR=str(work), PATH=str(bindir))
    proc = subprocess.run([SANDBOX, "gvisor"], capture_output=True, text=True, timeout=120, env=env)
    shutil.rmtree(bindir)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "== gvisor: SKIPPED: runsc is not installed" in proc.stdout


def runsc_leftovers():
    if not shutil.which("runsc"):
        return []
    p = subprocess.run(["runsc", "list", "-quiet"], capture_output=True, text=True)
    return p.stdout.split()


def test_gvisor(work):
    """runsc (ptrace platform, no network), OCI bundle: target gvisor is
    detected, and every outcome is as expected/gvisor.expected says (the
    pipe flags gVisor refuses make their cases SKIP, with the reason)."""
    before = runsc_leftovers()
    proc, verdict, detail = result(work, "-v", "gvisor")
    assert "target gvisor (uname version is gvisor's fixed" in proc.stdout
    assert failures(proc.stdout) == host_failures(), proc.stdout[-3000:]
    assert verdict == "PASS" or host_failures(), proc.stdout[-3000:]
    assert re.search(r"^SKIP +\S+ +\(.*pipe2\(O_DIRECT\): Operation not supported\)$", proc.stdout, re.M)
    assert re.search(r"^\d+ passed, \d+ failed, \d+ skipped$", proc.stdout, re.M), proc.stdout[-2000:]
    assert runsc_leftovers() == before


# ---- the container hints (issue 11): a stray /.dockerenv is no container ----

def reason_line(stderr):
    m = re.search(r"^splicecheck: target .*$", stderr, re.M)
    assert m, stderr
    return m.group(0)


def bwrap_run(*bwrap_args):
    if not shutil.which("bwrap"):
        pytest.skip("bwrap is not installed (apt-get install bubblewrap)")
    scratch = tempfile.mkdtemp(prefix="splicecheck-hint.")
    try:
        p = subprocess.run(["bwrap", "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "--bind", scratch,
                            scratch, "--tmpfs", "/run", *bwrap_args, "--unshare-all", "--setenv", "TMPDIR", scratch,
                            str(ROOT / "build/splicecheck"), "--filter", "tee.*"],
                           capture_output=True, text=True, timeout=120)
        assert os.listdir(scratch) == []
    finally:
        shutil.rmtree(scratch)
    if "splicecheck: target" not in p.stderr:
        pytest.skip(f"bwrap cannot run here: {p.stderr.strip()[-300:]}")
    return p


def test_dockerenv_alone_is_no_container_hint(tmp_path):
    """A /.dockerenv file without Docker's bind mounts (some VM images ship
    one) names no container."""
    marker = tmp_path / "dockerenv"
    marker.write_text("")
    p = bwrap_run("--ro-bind", str(marker), "/.dockerenv")
    assert "docker" not in reason_line(p.stderr)


def test_dockerenv_with_bound_hostname_is_docker(tmp_path):
    marker = tmp_path / "dockerenv"
    marker.write_text("")
    host = tmp_path / "hostname"
    host.write_text("c0ffee\n")
    p = bwrap_run("--ro-bind", str(marker), "/.dockerenv", "--ro-bind", str(host), "/etc/hostname")
    assert "container hint: docker (/.dockerenv, /etc/hostname bound)" in reason_line(p.stderr)


# ---- a sandbox judged as the Linux it runs on (issue 16, item 2) ----

def test_gvisor_as_linux_needs_the_hosts_version(work):
    """Under gVisor, --target linux without --kernel would judge version
    ranges by gVisor's fixed 4.4.0: refused, saying what to give."""
    proc, rows = sandbox(work, "gvisor", "--", "--target", "linux")
    verdict, detail = rows["gvisor"]
    if verdict == "SKIPPED":
        pytest.skip(detail)
    assert verdict == "FAIL" and "exit status 2" in detail, proc.stdout[-2000:]
    assert "--target linux under gvisor" in proc.stderr and "--kernel VERSION" in proc.stderr, proc.stderr


def test_divergence_lists_exactly_the_failures(tmp_path):
    """tools/divergence.py judges gVisor as the host's Linux: the cases it
    fails on are exactly the cases whose outcomes differ from the host's,
    among them the ones gVisor's uname once hid, and none of those where
    gVisor and this Linux agree.  Progress goes to stderr."""
    if not shutil.which("runsc"):
        pytest.skip("runsc is not installed (apt-get install runsc)")
    import sys
    sys.path.insert(0, str(ROOT / "tools"))
    import divergence as dv
    saved = tmp_path / "runs"
    p = subprocess.run([str(ROOT / "tools/divergence.py"), "--save", str(saved), "gvisor"], capture_output=True,
                       text=True, timeout=900)
    assert p.returncode == 0, p.stderr
    assert re.search(r"^divergence\.py: \[ *[\d.]+s\] the host \(Linux ", p.stderr, re.M), p.stderr
    assert re.search(r"^divergence\.py: \[ *[\d.]+s\] gvisor$", p.stderr, re.M), p.stderr
    if "## gvisor: SKIPPED" in p.stdout:
        pytest.skip(p.stdout)
    host, sb = dv.Run(saved / "host.json"), dv.Run(saved / "gvisor.json")
    assert sb.summary["kernel"] == os.uname().release
    diffs, _, compared = dv.compare(host, sb, "gvisor")
    differ = {c for c, _, _ in diffs}
    failed = {c for c, o in sb.cases.items() if o["status"] == "fail"}
    assert compared > 400 and differ and differ == failed, (sorted(differ - failed), sorted(failed - differ))
    assert {"tee.flags.unknown-len-zero", "splice.f2p.dev-null-einval", "splice.p2f.dev-full-einval"} <= differ
    assert not any(c.startswith("splice.f2p.len-size-max") for c in differ)
    # the divergences known before a case showed them (cases/sandbox-divergences.case)
    assert {"splice.p2p.len-size-max", "tee.data.len-size-max", "splice.p2f.empty-nonblock-dev-null"} <= differ


# ---- gVisor releases (issue 16, item 7) ----

def newer_gvisor_cases():
    text = (ROOT / "expected/gvisor.expected").read_text()
    return {l.split()[0] for l in text.splitlines() if l.rstrip().endswith("gvisor>=2024.7.29")}


def test_gvisor_20240729(work):
    """runsc 20240729 (fetched, never installed), told its release: green."""
    proc, verdict, detail = result(work, "gvisor-20240729")
    assert "kernel 2024.07.29 (--kernel)" in proc.stdout, proc.stdout[-2000:]
    assert verdict == "PASS" and failures(proc.stdout) == host_failures(), proc.stdout[-3000:]


def test_gvisor_20240729_judged_as_the_old_release_fails_on_the_fixes(work):
    """Told nothing (gVisor's 4.4.0), 20240729 is judged as 20221219 and
    fails on exactly the cases its lines qualify: they do say what changed."""
    proc, rows = sandbox(work, "gvisor-20240729", "--", "--kernel", "4.4.0")
    verdict, detail = rows["gvisor-20240729"]
    if verdict == "SKIPPED":
        pytest.skip(detail)
    assert verdict == "FAIL"
    assert len(newer_gvisor_cases()) >= 12
    assert failures(proc.stdout) - host_failures() == newer_gvisor_cases(), proc.stdout[-3000:]


def test_divergence_names_what_the_newer_gvisor_fixed(tmp_path):
    if not shutil.which("runsc"):
        pytest.skip("runsc is not installed (apt-get install runsc)")
    p = subprocess.run([str(ROOT / "tools/divergence.py"), "gvisor", "gvisor-20240729"], capture_output=True,
                       text=True, timeout=900)
    assert p.returncode == 0, p.stderr
    if "SKIPPED" in p.stdout:
        pytest.skip(re.search(r"## (\S+): SKIPPED\n\n(.*)", p.stdout).group(0))
    fixed = p.stdout.split("## Fixed in gvisor-20240729", 1)[1]
    names = set(re.findall(r"^\| (\S+) \|", fixed, re.M)) - {"case"}
    assert {"splice.p2f.empty-blocks", "splice.p2f.empty-nonblock", "splice.eintr.p2f-empty"} <= names, fixed
    assert names <= newer_gvisor_cases()  # every fix is a line that the release qualifies
    assert not any(n.startswith("vmsplice.") for n in names)  # vmsplice is still ENOSYS


# ---- Podman and nspawn (issue 16, item 6) ----

def test_podman_default_profile(work):
    """Podman offline (--rootfs, runc, explicit ulimits) with its default
    profile, expected from containers-common's own file: green."""
    proc, verdict, detail = result(work, "podman")
    assert "seccomp filter active" in proc.stdout
    assert verdict == "PASS" and failures(proc.stdout) == host_failures(), proc.stdout[-3000:]


def test_nspawn_filter_in_its_own_syntax(work):
    """nspawn --system-call-filter='~vmsplice', the expectation derived from
    that same text (ci/sandboxes/native-filter.py): green, vmsplice EPERM."""
    proc, verdict, detail = result(work, "-v", "nspawn")
    assert verdict == "PASS", proc.stdout[-3000:]
    assert re.search(r"^PASS +vmsplice\.", proc.stdout, re.M)


def test_native_filter_syntax():
    import json as _json
    tool = str(ROOT / "ci/sandboxes/native-filter.py")
    deny = _json.loads(subprocess.run([tool, "nspawn", "~vmsplice tee:EIO"], capture_output=True, text=True,
                                      check=True).stdout)
    assert deny == {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["vmsplice"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
        {"names": ["tee"], "action": "SCMP_ACT_ERRNO", "errnoRet": 5}]}
    allow = _json.loads(subprocess.run([tool, "nspawn", "read write"], capture_output=True, text=True,
                                       check=True).stdout)
    assert allow["defaultAction"] == "SCMP_ACT_ERRNO" and allow["syscalls"][0]["names"] == ["read", "write"]
    fj = _json.loads(subprocess.run([tool, "firejail", "vmsplice,splice"], capture_output=True, text=True,
                                    check=True).stdout)
    assert fj["syscalls"] == [{"names": ["vmsplice", "splice"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]
    bad = subprocess.run([tool, "nspawn", "~@system-service"], capture_output=True, text=True)
    assert bad.returncode != 0 and "groups are not expanded" in bad.stderr
