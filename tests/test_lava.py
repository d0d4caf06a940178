"""Tests for the LAVA pieces: the test definition (ci/lava/splicecheck.yaml),
the job generator (tools/lava_jobs.py) and ci/lava-local.

The test definition's shell runs here under busybox sh, the way LAVA runs it
in a busybox target, with LAVA's helpers replaced by recorders.  Generated
jobs and the device description are checked against lava-common's schemas.
The end-to-end test runs a generated 6.1 job through lava-run and compares
every case with ci/kernel-matrix (about 2 minutes); it skips, saying why,
where lava-dispatcher, root, qemu, busybox-static or the kernel are missing.
Run: pytest-3 tests/test_lava.py
"""

import gzip
import json
import os
import shutil
import subprocess
import sys

import pytest

yaml = pytest.importorskip("yaml", reason="PyYAML missing: apt-get install -y python3-yaml")

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tools"))
import lava_jobs  # noqa: E402
import matrix  # noqa: E402

BUSYBOX = "/bin/busybox"
STATIC = os.path.join(REPO, "build", "splicecheck-static")


def lava_local_module():
    import importlib.machinery
    import importlib.util
    path = os.path.join(REPO, "ci", "lava-local")
    loader = importlib.machinery.SourceFileLoader("lava_local", path)
    spec = importlib.util.spec_from_loader("lava_local", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


# ------------------------------------------------- the test definition ----

def the_testdef():
    with open(lava_jobs.TESTDEF) as f:
        return yaml.safe_load(f)


def test_testdef_is_a_lava_test_definition():
    td = the_testdef()
    assert td["metadata"]["format"] == "Lava-Test Test Definition 1.0"
    assert td["metadata"]["name"] == "splicecheck"
    assert set(td["params"]) == {"SPLICECHECK", "SPLICECHECK_URL", "FILTER", "ARGS"}
    steps = td["run"]["steps"]
    assert steps and all(isinstance(s, str) for s in steps)
    # LAVA rewrites $1.. in a step mentioning --shell or --cmd
    assert not any("--shell" in s or "--cmd" in s for s in steps)


def test_testdef_validates_against_lava_common():
    schema = pytest.importorskip("lava_common.schemas.test.testdef",
                                 reason="lava-common missing: apt-get install -y lava-common")
    import voluptuous
    voluptuous.Schema(schema.testdef(), extra=voluptuous.PREVENT_EXTRA)(the_testdef())


RECORDER = """#!/bin/sh
# records what the test definition tells LAVA, as LAVA's helper would signal it
echo "$0 $*" >> "$LAVA_CALLS"
case "$(basename "$0")" in
  lava-test-case) echo "<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=$1 RESULT=$3>" ;;
  lava-test-raise) echo "<LAVA_SIGNAL_TESTRAISE $*>" ;;
esac
"""


def run_steps(tmp_path, params, path_dirs=()):
    """Run the definition's steps as LAVA does (params first, `sh -e`) under
    busybox sh; return (stdout, [(case, result)], calls)."""
    if not os.path.exists(BUSYBOX):
        pytest.skip("busybox-static missing: apt-get install -y busybox-static")
    bindir = tmp_path / "lava-bin"
    bindir.mkdir(exist_ok=True)
    for helper in ("lava-test-case", "lava-test-raise"):
        (bindir / helper).write_text(RECORDER)
        (bindir / helper).chmod(0o755)
    td = the_testdef()
    values = dict(td["params"], **params)
    script = "".join("%s='%s'\n" % (k, v or "") for k, v in values.items())
    script += "set -e\n" + "\n".join(td["run"]["steps"]) + "\n"
    (tmp_path / "run.sh").write_text(script)
    scratch = tmp_path / "scratch"
    scratch.mkdir(exist_ok=True)
    calls = tmp_path / "calls"
    env = {"PATH": ":".join([str(bindir), *map(str, path_dirs), "/usr/bin", "/bin"]),
           "TMPDIR": str(scratch), "LAVA_CALLS": str(calls), "HOME": str(tmp_path)}
    p = subprocess.run([BUSYBOX, "sh", "-e", str(tmp_path / "run.sh")], env=env,
                       capture_output=True, text=True, timeout=300, cwd=str(tmp_path))
    results = []
    for line in p.stdout.splitlines():
        if line.startswith("<LAVA_SIGNAL_TESTCASE "):
            f = dict(kv.split("=", 1) for kv in line[1:-1].split()[1:])
            results.append((f["TEST_CASE_ID"], f["RESULT"]))
    assert list(scratch.iterdir()) == [], "the steps left their work directory behind"
    return p, results, calls.read_text() if calls.exists() else ""


def section(stdout, name):
    """The lines between a case's STARTTC and ENDTC signals."""
    lines = stdout.splitlines()
    start = lines.index("<LAVA_SIGNAL_STARTTC %s>" % name)
    end = lines.index("<LAVA_SIGNAL_ENDTC %s>" % name)
    return lines[start + 1:end]


FAKE_KTAP = """KTAP version 1
1..3
ok 1 vmsplice.gift.misaligned
# step 1  cases/splice.case:10  splice(z<open:/dev/zero>, NULL, q.w<pipe:w>, NULL, 5, 0) = 5
#         expected EINVAL, seen 5
# expected from expected/linux.expected:581
not ok 2 splice.f2p.dev-zero # step 1 differs
ok 3 splice.f2p.o-direct # SKIP cases/splice-f2p.case:442: open with O_DIRECT: Operation not supported
# totals: pass:1 fail:1 xfail:0 xpass:0 skip:1 error:0
# 1 passed, 1 failed, 1 skipped
"""


def fake_harness(tmp_path, ktap, status, name="fake-harness", stderr=""):
    (tmp_path / (name + ".ktap")).write_text(ktap)
    path = tmp_path / name
    path.write_text("#!/bin/sh\necho \"$*\" > %s.args\ncat %s.ktap\n"
                    "echo 'splicecheck: target linux, kernel 6.1.0' >&2\n%sexit %d\n"
                    % (tmp_path / name, tmp_path / name,
                       "echo '%s' >&2\n" % stderr if stderr else "", status))
    path.chmod(0o755)
    return path


def test_steps_report_each_case_with_its_text(tmp_path):
    h = fake_harness(tmp_path, FAKE_KTAP, 1)
    p, results, _ = run_steps(tmp_path, {"SPLICECHECK": str(h), "FILTER": "s*",
                                         "ARGS": "--timeout=2000 -j 1"})
    assert p.returncode == 0, p.stderr
    assert results == [("vmsplice.gift.misaligned", "pass"), ("splice.f2p.dev-zero", "fail"),
                       ("splice.f2p.o-direct", "skip"), ("splicecheck-summary", "fail")]
    # the differing step and the skip reason are in the cases' log sections
    assert section(p.stdout, "splice.f2p.dev-zero") == FAKE_KTAP.splitlines()[3:7]
    assert section(p.stdout, "splice.f2p.o-direct") == [FAKE_KTAP.splitlines()[7]]
    summary = section(p.stdout, "splicecheck-summary")
    assert "# totals: pass:1 fail:1 xfail:0 xpass:0 skip:1 error:0" in summary
    assert "splicecheck: target linux, kernel 6.1.0" in summary
    assert "splicecheck: exit status 1, 3 of 3 cases reported" in summary
    args = (tmp_path / "fake-harness.args").read_text().split()
    assert args == ["--format", "tap", "--filter", "s*", "--timeout=2000", "-j", "1"]


def test_summary_passes_only_on_a_whole_clean_run(tmp_path):
    clean = FAKE_KTAP.replace("not ok 2", "ok 2")
    _, results, _ = run_steps(tmp_path, {"SPLICECHECK": str(fake_harness(tmp_path, clean, 0))})
    assert results[-1] == ("splicecheck-summary", "pass")
    assert ("splice.f2p.dev-zero", "pass") in results
    # the harness died after two of three cases: exit 0 is not enough
    cut = "\n".join(clean.splitlines()[:7]) + "\n"
    _, results, _ = run_steps(tmp_path, {"SPLICECHECK": str(fake_harness(tmp_path, cut, 0))})
    assert results[-1] == ("splicecheck-summary", "fail")
    assert len(results) == 3


def test_harness_downloaded_from_splicecheck_url(tmp_path):
    """A lab booting its own rootfs gives SPLICECHECK_URL; busybox wget
    fetches the harness (here from a local HTTP server)."""
    import functools
    import http.server
    import threading
    for p in ("/usr/bin/splicecheck", "/splicecheck"):
        if os.path.exists(p):
            pytest.skip("%s exists here: the definition would use it" % p)
    served = tmp_path / "served"
    served.mkdir()
    fake_harness(served, FAKE_KTAP, 1, name="splicecheck-static")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = "http://127.0.0.1:%d/splicecheck-static" % server.server_address[1]
        p, results, calls = run_steps(tmp_path, {"SPLICECHECK_URL": url})
    finally:
        server.shutdown()
        server.server_close()
    assert "lava-test-raise" not in calls, p.stdout + p.stderr
    assert [r for _, r in results] == ["pass", "fail", "skip", "fail"]


def test_environment_shortfall_ends_the_job_as_incomplete(tmp_path):
    """Exit status 3 (the harness's preflight found the environment short)
    is the lab's problem: no case results, the job incomplete with why."""
    h = fake_harness(tmp_path, "", 3,
                     stderr="splicecheck: open files: RLIMIT_NOFILE 20 < 64 needed")
    p, results, calls = run_steps(tmp_path, {"SPLICECHECK": str(h)})
    assert results == []
    assert ("lava-test-raise splicecheck-environment: splicecheck: open files: "
            "RLIMIT_NOFILE 20  64 needed") in calls
    assert p.returncode != 0


def test_no_harness_ends_the_job_as_incomplete(tmp_path):
    for p in ("/usr/bin/splicecheck", "/splicecheck"):
        if os.path.exists(p):
            pytest.skip("%s exists here: the definition would find it" % p)
    p, results, calls = run_steps(tmp_path, {})
    assert results == []
    assert "lava-test-raise splicecheck-no-harness" in calls
    assert p.returncode != 0


def test_steps_agree_with_the_real_harness(tmp_path):
    """The static harness judged as on 5.10 (some cases then differ): each
    case's LAVA result is its status in the harness's own JSON."""
    if not os.path.exists(STATIC):
        pytest.fail("%s is missing: run ninja first" % STATIC)
    p, results, _ = run_steps(tmp_path, {"SPLICECHECK": STATIC, "ARGS": "--kernel 5.10.0"})
    j = subprocess.run([STATIC, "--format", "json", "--kernel", "5.10.0"], capture_output=True,
                       text=True, cwd=str(tmp_path), env=dict(os.environ, TMPDIR=str(tmp_path)))
    want = {}
    for line in j.stdout.splitlines():
        rec = json.loads(line)
        if rec.get("type") == "case":
            want[rec["case"]] = {"pass": "pass", "skip": "skip"}.get(rec["status"].lower(), "fail")
    got = dict(results)
    assert got.pop("splicecheck-summary") == ("pass" if j.returncode == 0 else "fail")
    assert got == want
    assert "fail" in got.values(), "judged as 5.10, some cases must differ"
    assert len(results) == len(want) + 1


# -------------------------------------------------------------- ramdisk ----

def cpio_members(data):
    """{name: bytes} of a newc cpio."""
    out, off = {}, 0
    while True:
        hdr = data[off:off + 110]
        assert hdr[:6] == b"070701"
        mode = int(hdr[14:22], 16)
        size, namesize = int(hdr[54:62], 16), int(hdr[94:102], 16)
        name = data[off + 110:off + 110 + namesize - 1].decode()
        off = (off + 110 + namesize + 3) & ~3
        if name == "TRAILER!!!":
            return out
        out[name] = (mode, data[off:off + size])
        off = (off + size + 3) & ~3


def test_ramdisk_holds_init_busybox_and_harness(tmp_path):
    if not os.path.exists(BUSYBOX):
        pytest.skip("busybox-static missing: apt-get install -y busybox-static")
    harness = tmp_path / "h"
    harness.write_bytes(b"\x7fELF pretend harness")
    one = lava_jobs.build_ramdisk(str(harness))
    assert one == lava_jobs.build_ramdisk(str(harness)), "same inputs, same bytes"
    m = cpio_members(gzip.decompress(one))
    with open(lava_jobs.RAMDISK_INIT, "rb") as f:
        assert m["init"] == (0o100755, f.read())
    assert m["usr/bin/splicecheck"] == (0o100755, b"\x7fELF pretend harness")
    with open(BUSYBOX, "rb") as f:
        assert m["bin/busybox"][1] == f.read()
    assert "bin/sh" in m and "tmp" in m and "proc" in m


def test_ramdisk_prompt_is_the_one_jobs_wait_for():
    with open(lava_jobs.RAMDISK_INIT) as f:
        init = f.read()
    assert "export PS1='%s'" % lava_jobs.PROMPT in init


# ----------------------------------------------------------------- jobs ----

def generate(tmp_path, *extra):
    vmlinuz = tmp_path / "bzImage"
    vmlinuz.write_bytes(b"not really a kernel")
    harness = tmp_path / "splicecheck-static"
    harness.write_bytes(b"\x7fELF")
    out = tmp_path / "jobs"
    rc = lava_jobs.main(["--out", str(out), "--vmlinuz", str(vmlinuz),
                         "--harness", str(harness), *extra])
    jobs = sorted(str(p) for p in out.glob("splicecheck-*.yaml"))
    return rc, out, [yaml.safe_load(open(j)) for j in jobs]


def test_job_per_kernel_with_its_files(tmp_path):
    if not os.path.exists(BUSYBOX):
        pytest.skip("busybox-static missing: apt-get install -y busybox-static")
    rc, out, jobs = generate(tmp_path, "--filter", "vmsplice.*", "--harness-arg=--timeout=2000")
    assert rc == 0 and len(jobs) == 1
    j = jobs[0]
    assert j["device_type"] == "qemu" and j["context"]["arch"] == "amd64"
    deploy = j["actions"][0]["deploy"]
    kernel, ramdisk = deploy["images"]["kernel"], deploy["images"]["ramdisk"]
    assert kernel["url"] == "file://%s/amd64/bzImage/vmlinuz" % out
    assert open(kernel["url"][7:], "rb").read() == b"not really a kernel"
    assert "console=ttyS0,115200" in kernel["image_arg"]
    assert ramdisk["url"] == "file://%s/amd64/%s" % (out, lava_jobs.RAMDISK_NAME)
    assert ramdisk["overlays"] == {"lava": True} and ramdisk["format"] == "cpio.newc"
    assert j["actions"][1]["boot"]["prompts"] == [lava_jobs.PROMPT]
    d = j["actions"][2]["test"]["definitions"][0]
    assert d["from"] == "inline"
    assert d["repository"]["params"]["FILTER"] == "vmsplice.*"
    assert d["repository"]["params"]["ARGS"] == "--timeout=2000"
    assert d["repository"]["run"] == the_testdef()["run"]
    assert (out / "splicecheck.yaml").read_text() == open(lava_jobs.TESTDEF).read()


def test_base_url_and_git_definition(tmp_path):
    if not os.path.exists(BUSYBOX):
        pytest.skip("busybox-static missing: apt-get install -y busybox-static")
    rc, out, jobs = generate(tmp_path, "--base-url", "https://lab.example/sc/",
                             "--testdef-git", "https://git.example/splicecheck.git",
                             "--testdef-revision", "v1", "--filter", "tee.*")
    assert rc == 0
    j = jobs[0]
    images = j["actions"][0]["deploy"]["images"]
    assert images["kernel"]["url"] == "https://lab.example/sc/amd64/bzImage/vmlinuz"
    assert images["ramdisk"]["url"] == "https://lab.example/sc/amd64/" + lava_jobs.RAMDISK_NAME
    assert j["actions"][2]["test"]["definitions"][0] == {
        "from": "git", "repository": "https://git.example/splicecheck.git",
        "path": "ci/lava/splicecheck.yaml", "name": "splicecheck", "revision": "v1",
        "parameters": {"FILTER": "tee.*"}}


def test_definition_by_url(tmp_path):
    """--testdef-url: LAVA's `from: url` fetches a tarball holding the
    definition, published in DIR beside the jobs."""
    import io
    import tarfile
    if not os.path.exists(BUSYBOX):
        pytest.skip("busybox-static missing: apt-get install -y busybox-static")
    rc, out, jobs = generate(tmp_path, "--base-url", "https://lab.example/sc",
                             "--testdef-url", "--filter", "tee.*")
    assert rc == 0
    assert jobs[0]["actions"][2]["test"]["definitions"][0] == {
        "from": "url", "repository": "https://lab.example/sc/" + lava_jobs.TESTDEF_TARBALL,
        "compression": "gz", "path": "splicecheck.yaml", "name": "splicecheck",
        "parameters": {"FILTER": "tee.*"}}
    data = (out / lava_jobs.TESTDEF_TARBALL).read_bytes()
    assert data == lava_jobs.testdef_tarball(), "same file, same bytes"
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(data))) as tf:
        assert tf.getnames() == ["splicecheck.yaml"]
        assert tf.extractfile("splicecheck.yaml").read() == open(lava_jobs.TESTDEF, "rb").read()
    assert lava_jobs.main(["--out", str(tmp_path / "x"), "--testdef-url",
                           "--testdef-git", "https://git.example/s.git"]) == 2


def test_every_generated_job_validates_against_lava_common(tmp_path):
    pytest.importorskip("lava_common.schemas",
                        reason="lava-common missing: apt-get install -y lava-common")
    import voluptuous
    if not os.path.exists(BUSYBOX):
        pytest.skip("busybox-static missing: apt-get install -y busybox-static")
    for n, extra in enumerate([(), ("--no-kvm", "--tag", "kvm", "--priority", "high"),
                               ("--testdef-git", "https://git.example/s.git"),
                               ("--testdef-url", "--base-url", "http://files.example")]):
        (tmp_path / str(n)).mkdir()
        rc, _, jobs = generate(tmp_path / str(n), *extra)
        assert rc == 0 and jobs
        for j in jobs:
            lava_jobs.validate_job(j)
    # the check is not vacuous: a job the server would refuse is refused
    bad = dict(jobs[0])
    bad["actions"] = [dict(a) for a in bad["actions"]]
    bad["actions"][1] = {"boot": dict(bad["actions"][1]["boot"], method="no-such-method")}
    with pytest.raises(voluptuous.Invalid):
        lava_jobs.validate_job(bad)
    too_long = dict(jobs[0], timeouts={"job": {"minutes": 1}})
    with pytest.raises(voluptuous.Invalid):
        lava_jobs.validate_job(too_long)


def test_other_architecture_job(tmp_path):
    """Another architecture takes its own harness and busybox, and its job
    names the qemu arch and console of that architecture."""
    busybox = tmp_path / "busybox-arm64"
    busybox.write_bytes(b"\x7fELF arm64 busybox")
    vmlinuz = tmp_path / "Image"
    vmlinuz.write_bytes(b"arm64 kernel")
    harness = tmp_path / "splicecheck-static-arm64"
    harness.write_bytes(b"\x7fELF arm64 harness")
    out = tmp_path / "jobs"
    assert lava_jobs.main(["--out", str(out), "--arch", "arm64", "--vmlinuz", str(vmlinuz),
                           "--harness", "arm64=%s" % harness,
                           "--busybox", "arm64=%s" % busybox]) == 0
    j = yaml.safe_load(open(out / "splicecheck-Image-arm64.yaml"))
    assert j["context"] == {"arch": "arm64"}
    assert "console=ttyAMA0,115200" in j["actions"][0]["deploy"]["images"]["kernel"]["image_arg"]
    m = cpio_members(gzip.decompress((out / "arm64" / lava_jobs.RAMDISK_NAME).read_bytes()))
    assert m["bin/busybox"][1] == b"\x7fELF arm64 busybox"
    assert m["usr/bin/splicecheck"][1] == b"\x7fELF arm64 harness"
    try:
        lava_jobs.validate_job(j)
    except ImportError:
        pass  # lava-common missing: checked where it is installed


def test_other_architecture_apt_is_its_own(tmp_path):
    """Kernels and busybox of another architecture come from a private apt
    setup for it, beside (never inside) the amd64 one the matrix uses."""
    apt = lava_jobs.apt_for(str(tmp_path), "arm64")
    apt.setup()
    conf = open(apt.conf).read()
    assert 'APT::Architecture "arm64";' in conf and "amd64" not in conf
    assert apt.dir == str(tmp_path / "arch-arm64" / "apt")
    assert lava_jobs.apt_for(str(tmp_path), "amd64").dir == str(tmp_path / "apt")


def test_architectures_come_from_the_matrix_table():
    """One table of architectures (matrix.ARCHES): a job boots an
    architecture with the qemu, machine, console, flavour, memory and
    harness the kernel matrix uses, and an entry there with a lava_arch is
    an architecture here."""
    assert set(lava_jobs.ARCHES) == {x for x, s in matrix.ARCHES.items() if s.get("lava_arch")}
    assert {"amd64", "arm64", "ppc64el", "s390x"} <= set(lava_jobs.ARCHES)
    for x, a in lava_jobs.ARCHES.items():
        m = matrix.ARCHES[x]
        assert (a["qemu"], a["console"], a["flavour"], a["lava_arch"]) == \
            (m["qemu"], m["console"], m["flavour"], m["lava_arch"])
        assert " ".join(a["options"]).split() == m["machine"]
        assert a["harness"] == "build/" + m["harness"]
        dev = lava_jobs.device_yaml(x)
        q = dev["actions"]["boot"]["methods"]["qemu"]["parameters"]
        assert q["command"] == m["qemu"] and "-m %d" % m["memory"] in q["options"]
        assert all(o in q["options"] for o in a["options"])
    ppc = lava_jobs.ARCHES["ppc64el"]["options"]
    assert any(o.startswith("-M pseries,cap-cfpc=broken") for o in ppc) and "-cpu power9" in ppc
    assert lava_jobs.qemu_options(["-M", "virt", "-cpu", "cortex-a57", "-no-reboot"]) == \
        ["-M virt", "-cpu cortex-a57", "-no-reboot"]
    kvm = lava_jobs.device_yaml("amd64", no_kvm=False)["actions"]["boot"]["methods"]["qemu"]
    assert "-enable-kvm" in kvm["parameters"]["options"]
    assert "-cpu max" not in kvm["parameters"]["options"], "one -cpu: the host's under KVM"
    tcg = lava_jobs.device_yaml("arm64", no_kvm=False)["actions"]["boot"]["methods"]["qemu"]
    assert "-enable-kvm" not in tcg["parameters"]["options"], "arm64 is emulated"
    assert lava_jobs.apt_for("/c", "arm64").dir == matrix.apt_for("/c", "arm64").dir


def test_device_description_validates_against_lava_common():
    schema = pytest.importorskip("lava_common.schemas.device",
                                 reason="lava-common missing: apt-get install -y lava-common")
    for arch in lava_jobs.ARCHES:
        dev = lava_jobs.device_yaml(arch)
        schema.validate(dev)
        assert lava_jobs.ARCHES[arch]["lava_arch"] in dev["available_architectures"]


def test_usage_errors(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(lava_jobs.ARCHES, "arm64",
                        dict(lava_jobs.ARCHES["arm64"], harness="build/no-such-harness"))
    assert lava_jobs.main(["--out", str(tmp_path), "--arch", "vax"]) == 2
    assert "unknown" in capsys.readouterr().err
    assert lava_jobs.main(["--out", str(tmp_path), "--arch", "arm64", "--kernels", "6.1"]) == 2
    assert "--harness arm64=PATH" in capsys.readouterr().err
    assert lava_jobs.main(["--out", str(tmp_path), "--harness-arg", "--x='a b'"]) == 2
    assert "single quotes" in capsys.readouterr().err
    assert lava_jobs.main(["--out", str(tmp_path), "--kernels", "six"]) == 2


# ------------------------------------------------------------ lava-local ----

LOG = """{"dt": "1", "lvl": "target", "msg": "<LAVA_SIGNAL_STARTTC splice.f2p.o-direct>"}
{"dt": "2", "lvl": "results", "msg": {"case": "splice.f2p.o-direct", "definition": "0_splicecheck", "endtc": ! "1104", "result": "skip", "starttc": ! "1103"}}
{"dt": "3", "lvl": "results", "msg": {"case": "tee.pipe.same", "definition": "0_splicecheck", "result": "pass"}}
{"dt": "4", "lvl": "results", "msg": {"case": "splicecheck-summary", "definition": "0_splicecheck", "result": "pass"}}
{"dt": "5", "lvl": "results", "msg": {"case": "0_splicecheck", "definition": "lava", "result": "pass"}}
{"dt": "6", "lvl": "results", "msg": {"case": "job", "definition": "lava", "result": "pass"}}
"""


def test_lava_local_reads_results_and_compares(tmp_path):
    ll = lava_local_module()
    (tmp_path / "lava.log").write_text(LOG)
    cases, job = ll.parse_log(str(tmp_path / "lava.log"))
    assert cases == {"splice.f2p.o-direct": "skip", "tee.pipe.same": "pass",
                     "splicecheck-summary": "pass"}
    assert job["result"] == "pass"
    results = {"kernels": [{"label": "6.1", "state": "ok", "harness_exit": 0, "cases": {
        "splice.f2p.o-direct": {"status": "skip"}, "tee.pipe.same": {"status": "pass"}}}]}
    (tmp_path / "results.json").write_text(json.dumps(results))
    expected, rc = ll.matrix_cases(str(tmp_path / "results.json"), "6.1")
    assert ll.compare(cases, expected, rc) == []
    expected["tee.pipe.same"] = "fail"
    expected["vmsplice.only.in.matrix"] = "pass"
    assert ll.compare(cases, expected, 1) == [
        "splicecheck-summary: LAVA pass, matrix harness exit 1",
        "tee.pipe.same: LAVA pass, matrix fail",
        "vmsplice.only.in.matrix: LAVA missing, matrix pass"]
    with pytest.raises(ValueError):
        ll.matrix_cases(str(tmp_path / "results.json"), "5.10")


def test_lava_run_results_equal_the_kernel_matrix(tmp_path):
    """Done-when of issue 14: a generated 6.1 job runs through lava-run and
    its per-case results equal ci/kernel-matrix's for the same kernel."""
    if not os.path.exists(STATIC):
        pytest.fail("%s is missing: run ninja first" % STATIC)
    p = subprocess.run([os.path.join(REPO, "ci", "lava-local"), "--out", str(tmp_path / "out")],
                       capture_output=True, text=True, timeout=3600)
    if p.returncode == 2:
        pytest.skip(p.stderr.strip().splitlines()[-1])
    assert p.returncode == 0, p.stdout + p.stderr
    assert "; 0 differ;" in p.stdout
