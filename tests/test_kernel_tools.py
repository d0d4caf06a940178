"""Tests for the kernel tools: tools/kernel_build.py, tools/kernel_coverage.py,
tools/kernel_mutants.py, the config fragments in ci/kernel/ and the mutants
in kernel-mutants/.

Unit tests run offline on canned data. Tests that need Debian's 6.1 source
(/usr/src/linux-source-6.1.tar.xz) read only the files they check. The
end-to-end tests (one coverage run of a few cases, one mutant) need a kernel
already built by tools/kernel-build: they skip, saying so, when there is none
(CI never builds kernels); the mutant one rebuilds the kernel, so it runs
only with SPLICECHECK_KERNEL_E2E=1. Run: pytest-3 tests/test_kernel_tools.py
"""

import base64
import gzip
import json
import os
import shutil
import subprocess
import sys
import tarfile

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tools"))
import kernel_build as kb  # noqa: E402
import kernel_coverage as kc  # noqa: E402
import kernel_mutants as km  # noqa: E402
import matrix  # noqa: E402

TARBALL = kb.DEFAULT_SOURCE
STATIC = os.path.join(REPO, "build", "splicecheck-static")


# ------------------------------------------------------------- fragments ----

def test_flavours_name_existing_fragments():
    for flavour in kb.FLAVOURS:
        for f in kb.fragments_for(flavour):
            assert os.path.isfile(f), f


def test_base_fragment_has_what_the_fixtures_need():
    want = kb.wanted_options(kb.fragments_for("plain"))
    for opt in ("CONFIG_WATCH_QUEUE", "CONFIG_TMPFS", "CONFIG_UNIX", "CONFIG_INET",
                "CONFIG_EPOLL", "CONFIG_SIGNALFD", "CONFIG_TIMERFD", "CONFIG_EVENTFD",
                "CONFIG_INOTIFY_USER", "CONFIG_MEMFD_CREATE", "CONFIG_UNIX98_PTYS",
                "CONFIG_BLK_DEV_INITRD", "CONFIG_SERIAL_8250_CONSOLE"):
        assert want.get(opt) == "y", opt
    assert "CONFIG_GCOV_KERNEL" not in want


def test_gcov_flavour_adds_gcov_and_debugfs_not_profile_all():
    want = kb.wanted_options(kb.fragments_for("gcov"))
    assert want["CONFIG_GCOV_KERNEL"] == "y"
    assert want["CONFIG_DEBUG_FS"] == "y"
    assert want["CONFIG_GCOV_PROFILE_ALL"] == "n"


def test_missing_options_reports_what_olddefconfig_dropped(tmp_path):
    frag = tmp_path / "f.fragment"
    frag.write_text("CONFIG_A=y\nCONFIG_B=y\n# CONFIG_C is not set\nCONFIG_D=8\n")
    cfg = tmp_path / ".config"
    cfg.write_text("CONFIG_A=y\n# CONFIG_B is not set\nCONFIG_C=y\nCONFIG_D=4\n")
    assert kb.missing_options([str(frag)], str(cfg)) == [
        "CONFIG_B=y", "CONFIG_C=y (wanted off)", "CONFIG_D=8"]
    cfg.write_text("CONFIG_A=y\nCONFIG_B=y\nCONFIG_D=8\n")
    assert kb.missing_options([str(frag)], str(cfg)) == []


def test_make_command_profiles_the_four_files_only_in_gcov():
    g = kb.make_command("/src", "/b", "gcov", 3)
    assert "O=/b" in g and "-j3" in g and "ARCH=x86_64" in g
    assert {"GCOV_PROFILE_splice.o=y", "GCOV_PROFILE_pipe.o=y",
            "GCOV_PROFILE_read_write.o=y", "GCOV_PROFILE_iov_iter.o=y"} <= set(g)
    assert not [x for x in kb.make_command("/src", "/b", "plain", 3)
                if x.startswith("GCOV_PROFILE")]


def test_kernel_version_and_build_dir(tmp_path):
    tree = tmp_path / "src-linux"
    (tree / "kernel").mkdir(parents=True)
    (tree / "Makefile").write_text("# x\nVERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 192\n"
                                   "EXTRAVERSION = -rc1\nNAME = x\n")
    assert kb.kernel_version(str(tree)) == "6.1.192-rc1"
    assert kb.prepare_source(str(tree)) == str(tree)
    d = kb.default_build_dir(str(tree), "gcov", cache=str(tmp_path))
    assert d == os.path.join(str(tmp_path), "build-6.1.192-rc1-gcov")
    other = tmp_path / "linux"
    shutil.copytree(str(tree), str(other))
    d2 = kb.default_build_dir(str(other), "gcov", cache=str(tmp_path))
    assert d2 != d and d2.endswith("-gcov")  # another tree: its path hash in the name


def test_prepare_source_refuses_what_is_not_a_tree(tmp_path):
    with pytest.raises(kb.BuildError):
        kb.prepare_source(str(tmp_path))
    (tmp_path / "x.txt").write_text("")
    with pytest.raises(kb.BuildError):
        kb.prepare_source(str(tmp_path / "x.txt"))


def test_prepare_source_extracts_a_tarball_once(tmp_path):
    t = tmp_path / "linux-9.9.tar.gz"
    top = tmp_path / "linux-9.9"
    (top / "kernel").mkdir(parents=True)
    (top / "Makefile").write_text("VERSION = 9\nPATCHLEVEL = 9\nSUBLEVEL = 0\nEXTRAVERSION =\n")
    with tarfile.open(str(t), "w:gz") as tf:
        tf.add(str(top), arcname="linux-9.9")
    cache = tmp_path / "cache"
    got = kb.prepare_source(str(t), cache=str(cache))
    assert got == os.path.join(str(cache), "src-linux-9.9")
    assert kb.kernel_version(got) == "9.9.0"
    (cache / "src-linux-9.9" / "mark").write_text("kept")
    kb.prepare_source(str(t), cache=str(cache))
    assert (cache / "src-linux-9.9" / "mark").read_text() == "kept"


# ------------------------------------------------------- matrix hooks ----

def _cpio_names(initrd):
    data = gzip.decompress(initrd)
    names, off = [], 0
    while off < len(data):
        hdr = data[off:off + 110]
        namesize = int(hdr[94:102], 16)
        filesize = int(hdr[54:62], 16)
        name = data[off + 110:off + 110 + namesize - 1].decode()
        if name == "TRAILER!!!":
            break
        names.append(name)
        off += 110 + namesize
        off += (4 - off % 4) % 4
        off += filesize + (4 - filesize % 4) % 4
    return names


def test_initramfs_carries_the_gcov_hooks_and_init_runs_them():
    initrd = matrix.build_initramfs(b"#!/bin/sh\n", [], hooks={
        "pre": kc.GUEST_PRE, "post": kc.GUEST_POST}, busybox="/bin/sh")
    names = _cpio_names(initrd)
    assert "hooks/pre" in names and "hooks/post" in names
    assert "hooks/pre" not in _cpio_names(matrix.build_initramfs(b"", [], busybox="/bin/sh"))
    init = matrix.INIT_SCRIPT
    # pre before the harness, post after it and before the exit mark
    assert init.index("/hooks/pre") < init.index("/splicecheck \"$@\"") < \
        init.index("/hooks/post") < init.index(matrix.EXIT_MARK.strip())


# -------------------------------------------------------------- coverage ----

def _stream(files, end=True):
    out = ["noise before", kc.GCOV_BEGIN]
    for path, data in files.items():
        out.append(kc.GCOV_FILE + path)
        b = base64.encodebytes(data).decode()
        out += b.splitlines()
    if end:
        out.append(kc.GCOV_END)
    out.append("@@SPLICECHECK-MATRIX EXIT 0")
    return "\n".join(out) + "\n"


def test_gcda_stream_round_trip():
    files = {"./root/b/fs/splice.gcda": bytes(range(256)) * 3, "./root/b/fs/pipe.gcda": b""}
    got = kc.parse_gcda_stream(_stream(files))
    assert got == {"/root/b/fs/splice.gcda": bytes(range(256)) * 3, "/root/b/fs/pipe.gcda": b""}


def test_gcda_stream_absent_or_cut_short():
    assert kc.parse_gcda_stream("no marks at all\n") is None
    with pytest.raises(kc.CoverageError):
        kc.parse_gcda_stream(_stream({"./a/fs/splice.gcda": b"x" * 100}, end=False))


def test_place_gcda_matches_by_path_suffix(tmp_path):
    build = tmp_path / "build"
    (build / "fs").mkdir(parents=True)
    (build / "fs" / "splice.gcno").write_bytes(b"NOTE")
    cap = tmp_path / "cap"
    placed = kc.place_gcda({"/elsewhere/build-x/fs/splice.gcda": b"DATA",
                            "/elsewhere/build-x/fs/other.gcda": b"??"}, str(build), str(cap))
    assert placed == ["fs/splice.gcda"]
    assert (cap / "fs" / "splice.gcda").read_bytes() == b"DATA"
    assert (cap / "fs" / "splice.gcno").read_bytes() == b"NOTE"


INFO = """TN:
SF:/src/fs/splice.c
FN:10,alpha
FN:20,beta
FN:30,gamma
FNDA:3,alpha
FNDA:0,beta
FNDA:1,gamma
DA:11,3
DA:12,3
DA:13,0
DA:21,0
DA:22,0
DA:31,1
DA:32,0
BRDA:12,0,0,2
BRDA:12,0,1,-
BRDA:31,0,0,1
BRDA:31,0,1,0
end_of_record
SF:/src/fs/pipe.c
FN:5,p
FNDA:1,p
DA:6,1
end_of_record
"""


def test_parse_info_and_per_function(tmp_path):
    p = tmp_path / "k.info"
    p.write_text(INFO)
    info = kc.parse_info(str(p), "/src")
    assert set(info) == {"fs/splice.c", "fs/pipe.c"}
    rows = {r["function"]: r for r in kc.per_function(info["fs/splice.c"])}
    assert rows["alpha"]["lines_hit"] == 2 and rows["alpha"]["lines"] == 3
    assert rows["alpha"]["unhit"] == [13] and rows["alpha"]["calls"] == 3
    assert rows["alpha"]["branches"] == 2 and rows["alpha"]["branches_taken"] == 1
    assert rows["beta"]["calls"] == 0 and rows["beta"]["unhit"] == [21, 22]
    assert rows["gamma"]["branches_taken"] == 1 and rows["gamma"]["branches"] == 2


def test_scope_takes_out_functions_and_explains_lines(tmp_path):
    p = tmp_path / "k.info"
    p.write_text(INFO)
    scope = tmp_path / "scope"
    scope.write_text("# comment\nfs/splice.c beta out sendfile(2) only\n"
                     "fs/splice.c alpha dead 13 needs a fault injector\n")
    out, lines = kc.load_scope(str(scope))
    s = kc.summarize(kc.parse_info(str(p), "/src"), out, lines, ["fs/splice.c"])["fs/splice.c"]
    # in scope: alpha (2/3) and gamma (1/2); beta is out; line 13 is dead
    assert (s["in_scope_hit"], s["in_scope_lines"]) == (3, 5)
    assert s["in_scope_percent"] == 60.0
    assert (s["reachable_lines"], s["reachable_percent"]) == (4, 75.0)
    assert s["unexplained"] == [("gamma", 32)]
    # a `line` explanation keeps the line among the reachable ones
    scope.write_text("fs/splice.c beta out x\nfs/splice.c gamma line 32 needs a second thread\n")
    out, lines = kc.load_scope(str(scope))
    s = kc.summarize(kc.parse_info(str(p), "/src"), out, lines, ["fs/splice.c"])["fs/splice.c"]
    assert (s["reachable_lines"], s["unexplained"]) == (5, [("alpha", 13)])
    assert (s["all_hit"], s["all_lines"]) == (3, 7)
    text = kc.table({"fs/splice.c": s})
    assert "(out of scope)" in text and "alpha:13" in text and "target 95%" in text


def test_scope_file_errors_name_the_line(tmp_path):
    scope = tmp_path / "scope"
    scope.write_text("fs/splice.c f maybe why\n")
    with pytest.raises(kc.CoverageError, match=":1:"):
        kc.load_scope(str(scope))
    scope.write_text("fs/splice.c f line x-y why\n")
    with pytest.raises(kc.CoverageError, match="bad line range"):
        kc.load_scope(str(scope))


def test_the_projects_scope_file_parses():
    out, lines = kc.load_scope()
    assert all(f in ("fs/splice.c", "fs/pipe.c", "fs/read_write.c", "lib/iov_iter.c")
               for f, _ in list(out) + list(lines))


# --------------------------------------------------------------- mutants ----

def test_at_least_25_mutants_each_saying_what_it_breaks():
    ms = km.list_mutants()
    assert len(ms) >= 25
    assert len({m["name"] for m in ms}) == len(ms)
    for m in ms:
        assert m["what"] and m["kind"], m["name"]
        assert set(m["files"]) <= {"fs/splice.c", "fs/pipe.c", "lib/iov_iter.c",
                                   "fs/read_write.c"}, m["name"]


def test_only_selects_by_glob():
    names = [m["name"] for m in km.list_mutants(only="*dirty-pipe*,01-*")]
    assert len(names) == 2 and names[0].startswith("01-")


@pytest.fixture(scope="module")
def debian_61_files(tmp_path_factory):
    """The files the mutants touch, from Debian's 6.1 source tarball."""
    if not os.path.isfile(TARBALL):
        pytest.skip("%s not installed (apt-get install linux-source-6.1)" % TARBALL)
    d = tmp_path_factory.mktemp("linux61")
    want = sorted({f for m in km.list_mutants() for f in m["files"]})
    top = "linux-source-6.1"
    subprocess.run(["tar", "-xf", TARBALL, "-C", str(d), "--strip-components=1"]
                   + ["%s/%s" % (top, f) for f in want], check=True)
    return str(d)


def test_every_mutant_applies_to_debian_61_and_changes_code(debian_61_files):
    for m in km.list_mutants():
        p = subprocess.run(["patch", "-p1", "--dry-run", "--forward", "-s", "-i", m["path"]],
                           cwd=debian_61_files, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, universal_newlines=True)
        assert p.returncode == 0, "%s: %s" % (m["name"], p.stdout)


def test_tree_applies_and_restores_byte_for_byte(tmp_path):
    src = tmp_path / "src"
    (src / "fs").mkdir(parents=True)
    (src / "fs" / "splice.c").write_text("a\nb\nc\n")
    patch = tmp_path / "01-x.patch"
    patch.write_text("Mutant: b becomes B.\nKind: test\n\n--- a/fs/splice.c\n"
                     "+++ b/fs/splice.c\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n")
    m = km.read_mutant(str(patch))
    t = km.Tree(str(src), str(tmp_path / "saved"))
    t.apply(m)
    assert (src / "fs" / "splice.c").read_text() == "a\nB\nc\n"
    # an interrupted run: a new Tree on the same save dir puts it back
    assert km.Tree(str(src), str(tmp_path / "saved")).restore() == ["fs/splice.c"]
    assert (src / "fs" / "splice.c").read_text() == "a\nb\nc\n"
    (src / "fs" / "splice.c").write_text("other\n")
    with pytest.raises(km.MutantError, match="does not apply"):
        t.apply(m)


def test_read_mutant_refuses_a_patch_without_a_description(tmp_path):
    p = tmp_path / "x.patch"
    p.write_text("--- a/fs/splice.c\n+++ b/fs/splice.c\n@@ -1 +1 @@\n-a\n+b\n")
    with pytest.raises(km.MutantError, match="Mutant:"):
        km.read_mutant(str(p))


def test_verdict():
    base = {"state": "ok", "cases": {"a": {"status": "pass"}, "b": {"status": "pass"},
                                     "c": {"status": "fail"}, "d": {"status": "skip"}}}
    same = json.loads(json.dumps(base))
    assert km.verdict(base, same) == ("survived", [], "")
    one = json.loads(json.dumps(base))
    one["cases"]["b"]["status"] = "broken"
    one["cases"]["c"]["status"] = "fail"  # failed on the baseline too: not the mutant's
    assert km.verdict(base, one)[:2] == ("killed", ["b"])
    assert km.verdict(base, {"state": "panicked"})[0] == "killed"
    gone = {"state": "ok", "cases": {"a": {"status": "pass"}}}
    assert km.verdict(base, gone)[:2] == ("killed", ["b", "c", "d"])


# ----------------------------------------------------------- end to end ----

def _built_gcov_kernel():
    if not os.path.isfile(TARBALL):
        return None, "%s not installed" % TARBALL
    src = os.path.join(kb.cache_dir(), "src-linux-source-6.1")
    if not os.path.isdir(src):
        return None, "no kernel built by tools/kernel-build (run it first; CI does not)"
    bd = kb.default_build_dir(src, "gcov")
    bz = os.path.join(bd, "arch", "x86", "boot", "bzImage")
    if not os.path.isfile(bz):
        return None, "no gcov kernel in %s (tools/kernel-build; CI does not build kernels)" % bd
    for t in ("qemu-system-x86_64", "lcov", "genhtml"):
        if not shutil.which(t):
            return None, "%s missing" % t
    if not os.path.isfile("/bin/busybox"):
        return None, "busybox-static missing"
    if not os.path.isfile(STATIC):
        return None, "build/splicecheck-static not built (ninja)"
    try:
        with kb.locked(bd, wait=False):
            pass
    except BlockingIOError:
        return None, "another kernel build, coverage or mutant run is using %s" % bd
    return (src, bd, bz), None


def test_e2e_coverage_of_a_few_cases_on_one_file(tmp_path):
    got, why = _built_gcov_kernel()
    if not got:
        pytest.skip(why)
    src, bd, _bz = got
    out = tmp_path / "cov"
    rc = kc.main(["--no-build", "--build-dir", bd, "--cases-filter", "tee.*",
                  "--files", "fs/splice.c", "--out", str(out), "--accel", "tcg"])
    assert rc == 0
    summary = json.loads((out / "summary.json").read_text())
    rows = {r["function"]: r for r in summary["files"]["fs/splice.c"]["functions"]}
    # tee runs link_pipe; no tee case calls splice(2)
    assert rows["link_pipe"]["calls"] > 0 and rows["link_pipe"]["lines_hit"] > 0
    assert rows["do_splice"]["calls"] == 0
    assert (out / "html" / "index.html").is_file()


def test_e2e_one_mutant_is_killed(tmp_path):
    """Rebuilds the kernel twice (the mutant, then the tree restored): a
    kernel build, so opt-in (CI does not build kernels)."""
    if os.environ.get("SPLICECHECK_KERNEL_E2E") != "1":
        pytest.skip("rebuilds the kernel (2 incremental builds, minutes): "
                    "set SPLICECHECK_KERNEL_E2E=1")
    got, why = _built_gcov_kernel()
    if not got:
        pytest.skip(why)
    src, bd, _bz = got
    out = tmp_path / "mut"
    rc = km.main(["--source", src, "--build-dir", bd, "--only", "*-tee-len0-before-flags",
                  "--cases-filter", "tee.flags.*", "--out", str(out), "--accel", "tcg"])
    res = json.loads((out / "results.json").read_text())
    assert [m["verdict"] for m in res["mutants"]] == ["killed"], res["mutants"]
    assert rc == 0


def test_matrix_report_shows_our_kernels_figures(tmp_path):
    import matrix_report as mr
    (tmp_path / "build" / "kernel-coverage").mkdir(parents=True)
    (tmp_path / "build" / "kernel-mutants").mkdir(parents=True)
    (tmp_path / "build" / "kernel-coverage" / "summary.json").write_text(json.dumps({
        "meta": {"kernel": "6.1.192", "date": "2026-11-29", "cases_filter": None},
        "files": {"fs/splice.c": {"in_scope_percent": 90.0, "in_scope_hit": 193,
                                  "in_scope_lines": 214, "reachable_lines": 200,
                                  "reachable_percent": 96.5}}}))
    (tmp_path / "build" / "kernel-mutants" / "results.json").write_text(json.dumps({
        "meta": {"kernel": "6.1.192", "date": "2026-11-29", "command": "tools/kernel-mutants"},
        "mutants": [{"verdict": "killed"}, {"verdict": "killed"}, {"verdict": "survived"},
                    {"verdict": "build failed"}]}))
    lines = mr.measurements(str(tmp_path), ["6.1.192"])
    assert len(lines) == 2
    assert "fs/splice.c" in lines[0] and "96.5%" in lines[0] and "193/200" in lines[0]
    assert "2 of 3 mutants killed (67%)" in lines[1]
    assert mr.measurements(str(tmp_path), ["6.12.1"]) == []
    m = {"host": None, "kernels": [], "measurements": lines}
    assert "96.5%" in mr.markdown(m) and "96.5%" in mr.html(m)


def test_verdict_of_a_run_limited_to_some_cases():
    base = {"state": "ok", "cases": {"a": {"status": "pass"}, "b": {"status": "pass"}}}
    again = {"state": "ok", "cases": {"b": {"status": "fail"}}}
    assert km.verdict(base, again, ["b"])[:2] == ("killed", ["b"])
    again["cases"]["b"]["status"] = "pass"
    assert km.verdict(base, again, ["b"])[0] == "survived"


def test_confirm_keeps_only_the_cases_that_fail_twice():
    second = {"state": "ok", "cases": {"a": {"status": "fail"}, "b": {"status": "pass"}}}
    assert km.confirm(["a", "b"], second) == (["a"], ["b"])
    # a case the second boot did not get to counts (the mutant stopped it)
    assert km.confirm(["a", "c"], second) == (["a", "c"], [])
    assert km.confirm(["a", "b"], {"state": "hung"}) == (["a", "b"], [])


def _fake_run(tmp_path, monkeypatch, outcomes, argv, suite=b"one suite"):
    """km.main with the build, the tree and the boots faked: outcomes maps a
    boot label (the mutant's name, or the version for the baseline) to the
    statuses it reports; a second boot of a mutant (its confirm run) gets
    the statuses under NAME+'/confirm'. Returns (rc, results, boots)."""
    harness = tmp_path / "harness"
    harness.write_bytes(suite)
    mdir = tmp_path / "mutants"
    mdir.mkdir(exist_ok=True)
    for n in ("01-a", "02-b", "03-c"):
        (mdir / (n + ".patch")).write_text(
            "Mutant: %s.\nKind: test\n\n--- a/f.c\n+++ b/f.c\n@@ -1 +1 @@\n-x\n+y\n" % n)
    boots = []

    def boot(bz, label, version, h, workdir, timeout, accel, cases_filter=None,
             only_cases=()):
        key = label + ("/confirm" if only_cases else "")
        boots.append(key)
        st = outcomes.get(key, outcomes["base"])
        return {"state": "ok", "summary": {"passed": 1},
                "cases": {c: {"status": s} for c, s in st.items()
                          if not only_cases or c in only_cases}}

    monkeypatch.setattr(km, "boot_suite", boot)
    monkeypatch.setattr(km.kernel_build, "prepare_source", lambda s: str(tmp_path))
    monkeypatch.setattr(km.kernel_build, "kernel_version", lambda s: "6.1.0")
    monkeypatch.setattr(km.kernel_build, "build", lambda *a, **k: {"bzimage": "bz"})
    monkeypatch.setattr(km.Tree, "apply", lambda self, m: None)
    out = tmp_path / "out"
    rc = km.main(["--harness", str(harness), "--mutants", str(mdir), "--out", str(out),
                  "--build-dir", str(tmp_path / "bd")] + argv)
    return rc, json.loads((out / "results.json").read_text()), boots


def test_resume_keeps_the_baseline_and_the_verdicts_of_an_earlier_run(tmp_path, monkeypatch):
    outcomes = {"base": {"x": "pass", "y": "pass"}, "6.1.0": {"x": "pass", "y": "pass"},
                "01-a": {"x": "fail", "y": "pass"}, "01-a/confirm": {"x": "fail"},
                "02-b": {"x": "pass", "y": "fail"}, "02-b/confirm": {"y": "pass"}}
    rc, res, boots = _fake_run(tmp_path, monkeypatch, outcomes, ["--only", "01-*,02-*"])
    assert boots == ["6.1.0", "01-a", "01-a/confirm", "02-b", "02-b/confirm"]
    got = {m["name"]: (m["verdict"], m["cases"], m["unconfirmed"]) for m in res["mutants"]}
    # 02-b's failure did not come back on a second boot: load, not the mutant
    assert got == {"01-a": ("killed", ["x"], []), "02-b": ("survived", [], ["y"])}
    assert rc == 1
    rc, res, boots = _fake_run(tmp_path, monkeypatch, outcomes, ["--resume"])
    assert boots == ["03-c"]  # no baseline boot, 01 and 02 kept
    assert [m["name"] for m in res["mutants"]] == ["01-a", "02-b", "03-c"]
    # another harness (another suite): nothing is kept
    rc, res, boots = _fake_run(tmp_path, monkeypatch, outcomes, ["--resume", "--only", "03-*"],
                               suite=b"another suite")
    assert boots == ["6.1.0", "03-c"] and [m["name"] for m in res["mutants"]] == ["03-c"]
    assert "--only '03-c'" in res["meta"]["command"]
