"""Tests for the kernel matrix (tools/matrix.py, tools/matrix_report.py).

Unit tests work offline on canned data. The end-to-end tests boot one Debian
kernel (6.1) in qemu; they skip, saying why, when qemu, busybox-static, a
static C toolchain or the kernel package cannot be had.
Run: pytest-3 tests/test_matrix.py
"""

import gzip
import json
import os
import shutil
import struct
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tools"))
import matrix  # noqa: E402
import matrix_report as mr  # noqa: E402

E2E_KERNEL = "6.1"


def step(case, n, outcome, expected=None, status="pass", call="vmsplice(p.w, [{b, 1000}], 1, 0)"):
    return json.dumps({"type": "step", "case": case, "step": n, "call": call,
                       "outcome": outcome, "expected": expected or outcome, "status": status})


def case(name, status, outcomes, expected=None, reason=""):
    return json.dumps({"type": "case", "case": name, "status": status, "reason": reason,
                       "outcomes": outcomes, "expected": expected or outcomes})


def summary(kernel, p, f, s=0, b=0):
    return json.dumps({"type": "summary", "kernel": kernel, "target": "linux", "passed": p,
                       "failed": f, "skipped": s, "broken": b})


GUEST_OUT = "\n".join([
    "@@SPLICECHECK-MATRIX BEGIN 6.1.0-56-cloud-amd64",
    json.dumps({"type": "facts", "release": "6.1.0-56-cloud-amd64"}),
    step("vmsplice.gift.misaligned", 1, "1000"),
    case("vmsplice.gift.misaligned", "pass", ["1000"]),
    step("splice.dev-zero", 1, "EINVAL", "4096", "fail"),
    case("splice.dev-zero", "fail", ["EINVAL"], ["4096"]),
    case("splice.odirect", "skip", [], reason="no O_DIRECT on tmpfs"),
    "[   12.3] random: crng init done",
    summary("6.1.0-56-cloud-amd64", 1, 1, 1),
    "@@SPLICECHECK-MATRIX BLESS BEGIN",
    "vmsplice.gift.misaligned 1000",
    "splice.dev-zero EINVAL",
    "@@SPLICECHECK-MATRIX BLESS END",
    "@@SPLICECHECK-MATRIX EXIT 1",
]) + "\n"


# ------------------------------------------------------------ parsing ----

def test_parse_output_collects_cases_steps_summary_bless():
    r = mr.parse_output(GUEST_OUT)
    assert r["order"] == ["vmsplice.gift.misaligned", "splice.dev-zero", "splice.odirect"]
    assert r["cases"]["splice.dev-zero"]["status"] == "fail"
    assert r["cases"]["splice.dev-zero"]["outcomes"] == ["EINVAL"]
    assert r["cases"]["splice.dev-zero"]["expected"] == ["4096"]
    assert r["cases"]["splice.dev-zero"]["steps"][0]["expected"] == "4096"
    assert r["cases"]["splice.odirect"]["reason"] == "no O_DIRECT on tmpfs"
    assert r["summary"]["passed"] == 1 and r["summary"]["kernel"] == "6.1.0-56-cloud-amd64"
    assert r["facts"] == [{"type": "facts", "release": "6.1.0-56-cloud-amd64"}]
    assert r["noise"] == ["[   12.3] random: crng init done"]
    assert r["bless"] == "vmsplice.gift.misaligned 1000\nsplice.dev-zero EINVAL\n"
    assert r["booted_kernel"] == "6.1.0-56-cloud-amd64"


def test_parse_output_crash_midway_marks_case_incomplete():
    text = "\n".join([case("a", "pass", ["0"]), step("b", 1, "16"),
                      '{"type":"step","case":"b","step":2,"outc']) + "\n"
    r = mr.parse_output(text)
    assert r["cases"]["a"]["status"] == "pass"
    assert r["cases"]["b"]["status"] == "incomplete"
    assert r["cases"]["b"]["outcomes"] == ["16"]
    assert r["summary"] is None
    assert r["noise"] == ['{"type":"step","case":"b","step":2,"outc']


def test_parse_output_recovers_json_after_console_junk_and_crlf():
    r = mr.parse_output("garbage" + case("a", "pass", ["3"]) + "\r\n")
    assert r["cases"]["a"]["outcomes"] == ["3"]


def test_classify_states():
    assert matrix.classify(1, False, "", "@@SPLICECHECK-MATRIX EXIT 0\n") == ("ok", 0)
    # isa-debug-exit code (rc << 1) | 1 without the marker line
    assert matrix.classify(3, False, "boot", "") == ("ok", 1)
    assert matrix.classify(0, False, "[ 1.4] Kernel panic - not syncing: x\n", "") == \
        ("panicked", None)
    assert matrix.classify(None, True, "booting...\n", "") == ("hung", None)
    assert matrix.classify(0, False, "", "") == ("no output", None)
    assert matrix.classify(0, False, "some boot text\n", "") == ("died", None)


# ------------------------------------------------------------- report ----

def _matrix():
    host = {"label": "host", "version": "6.18.44", "state": "ok", "harness_exit": 0,
            "seconds": 0.4}
    host.update(mr.parse_output("\n".join([
        case("vmsplice.gift.misaligned", "pass", ["1000"]),
        case("splice.dev-zero", "pass", ["4096"]),
        case("splice.odirect", "pass", ["512"]),
        case("<script>x</script>", "pass", ["0"]),
        summary("6.18.44", 4, 0)])))
    k61 = {"label": "6.1", "version": "6.1.192", "state": "ok", "harness_exit": 1,
           "seconds": 3.9, "accel": "tcg"}
    k61.update(mr.parse_output(GUEST_OUT))
    k510 = {"label": "5.10", "version": "5.10.262", "state": "panicked", "seconds": 1.9,
            "accel": "tcg", "console_tail": "Kernel panic - not syncing: sysrq"}
    k510.update(mr.parse_output(""))
    return {"host": host, "kernels": [k61, k510], "wall_seconds": 6.1, "jobs": 2}


def test_rows_mark_differences_and_failures():
    rows = {name: (cells, d, f) for name, cells, d, f in mr.rows(_matrix())}
    assert rows["vmsplice.gift.misaligned"][1:] == (False, False)
    assert rows["splice.dev-zero"][1:] == (True, True)
    # ran on the host, skipped on 6.1: a difference, not a failure
    assert rows["splice.odirect"][1:] == (True, False)
    # only the host ran it, 6.1 ran to its end without it: differs
    assert rows["<script>x</script>"][1] is True
    cells = rows["splice.dev-zero"][0]
    assert [mr.outcome_text(c) if c else None for c in cells] == ["4096", "EINVAL", None]


def test_markdown_report():
    md = mr.markdown(_matrix())
    assert "| host 6.18.44 | 6.18.44 |  | ran | 0.4 | 4 | 0 | 0 | 0 |" in md
    assert "| 6.1 (6.1.192) | 6.1.0-56-cloud-amd64 |  | ran (tcg) | 3.9 | 1 | 1 | 1 | 0 |" in md
    assert "| 5.10 (5.10.262) | 5.10.262 |  | panicked (tcg) | 1.9 |  |  |  |  |" in md
    assert ("| ≠✗ | splice.dev-zero | **4096** | **✗ EINVAL (expected 4096)** | – |"
            in md)
    assert "|  | vmsplice.gift.misaligned | 1000 | 1000 | – |" in md
    assert "4 cases; 3 differ between columns (marked ≠), 1 fail somewhere (marked ✗)." in md
    assert "Kernel panic - not syncing: sysrq" in md
    short = mr.markdown(_matrix(), only_differences=True)
    assert "vmsplice.gift.misaligned" not in short.split("marked ✗).")[1]
    assert "splice.dev-zero" in short


def test_html_report_is_self_contained_and_highlights():
    page = mr.html(_matrix())
    assert page.startswith("<!DOCTYPE html>")
    for external in ("<link", "src=", "http://", "https://", "@import"):
        assert external not in page
    assert "<script>x</script>" not in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page
    assert "<tr class='diff failing'><td class=name>splice.dev-zero</td>" in page
    assert "<td class='c-fail'" in page and "✗ EINVAL (expected 4096)" in page
    assert "<tr class=''><td class=name>vmsplice.gift.misaligned</td>" in page
    assert "panicked" in page and "Kernel panic - not syncing: sysrq" in page
    assert "id=q type=search" in page


def test_matrix_report_cli(tmp_path):
    res = tmp_path / "results.json"
    res.write_text(json.dumps(mr.strip_for_json(_matrix())))
    out = tmp_path / "r.html"
    p = subprocess.run([sys.executable, os.path.join(REPO, "tools", "matrix_report.py"),
                        str(res), "--html", str(out)], stdout=subprocess.PIPE,
                       universal_newlines=True)
    assert p.returncode == 0
    assert "splice.dev-zero" in p.stdout and out.read_text().startswith("<!DOCTYPE html>")
    p = subprocess.run([sys.executable, os.path.join(REPO, "tools", "matrix_report.py")],
                       stderr=subprocess.PIPE)
    assert p.returncode == 2


# ---------------------------------------------------------- apt logic ----

APT_SHOW = """Package: linux-image-cloud-amd64
Version: 7.2.13-1
Depends: linux-base-cloud-amd64 (= 7.2.13-1), linux-image-7.2.13+deb14-cloud-amd64 (= 7.2.13-1)
Description: Linux for x86-64 cloud (meta-package)

Package: linux-image-cloud-amd64
Version: 6.12.117-1
Depends: linux-image-6.12.117+deb13-cloud-amd64 (= 6.12.117-1)

Package: linux-image-cloud-amd64
Version: 6.12.95-1~bpo12+1
Depends: linux-image-6.12.95+deb12-cloud-amd64 (= 6.12.95-1~bpo12+1)

Package: linux-image-cloud-amd64
Version: 6.1.192-2
Depends: linux-image-6.1.0-56-cloud-amd64 (= 6.1.192-2)

Package: linux-image-cloud-amd64
Version: 6.1.176-1
Depends: linux-image-6.1.0-50-cloud-amd64 (= 6.1.176-1)

Package: linux-image-cloud-amd64
Version: 7.3~rc7-1~exp1
Depends: linux-base-cloud-amd64 (= 7.3~rc7-1~exp1), linux-image-7.3-cloud-amd64 (= 7.3~rc7-1~exp1) | linux-image-7.3-cloud-amd64-unsigned, linux-modules-cloud-amd64
"""


def test_meta_package_resolution():
    st = matrix.parse_stanzas(APT_SHOW)
    assert len(st) == 6

    def resolve(spec):
        s = matrix.pick_meta_version(st, spec)
        return s and (s["Version"],) + matrix.abi_from_meta(s, "cloud-amd64")

    assert resolve("6.1") == ("6.1.192-2", "linux-image-6.1.0-56-cloud-amd64", "6.1.192-2")
    assert resolve("6.12") == ("6.12.117-1", "linux-image-6.12.117+deb13-cloud-amd64",
                               "6.12.117-1")
    assert resolve("6.12.95")[1] == "linux-image-6.12.95+deb12-cloud-amd64"
    assert resolve("7.2") == ("7.2.13-1", "linux-image-7.2.13+deb14-cloud-amd64", "7.2.13-1")
    assert resolve("7.3")[1] == "linux-image-7.3-cloud-amd64"
    assert resolve("7")[0] == "7.3~rc7-1~exp1"
    assert resolve("5.10") is None
    assert matrix.series_matches("6.1", "6.12.117-1") is False


def test_parse_depends_and_versions():
    d = matrix.parse_depends("kmod, linux-base (>= 4.3~), initramfs-tools (>= 0.120) | "
                             "linux-initramfs-tool")
    assert d == [[("kmod", None)], [("linux-base", ">= 4.3~")],
                 [("initramfs-tools", ">= 0.120"), ("linux-initramfs-tool", None)]]
    assert matrix.upstream_version("1:6.12.117-1") == "6.12.117"
    assert matrix.upstream_version("7.3~rc7-1~exp1") == "7.3~rc7"
    assert sorted(["7.3~rc7-1~exp1", "7.3-1", "7.2.13-1"], key=matrix._vkey) == \
        ["7.2.13-1", "7.3~rc7-1~exp1", "7.3-1"]


def test_private_apt_config_stays_in_its_dir(tmp_path):
    d = str(tmp_path / "apt")
    conf = matrix.apt_config_text(d)
    for line in conf.splitlines():
        if line.startswith("Dir::") and "status" not in line:
            assert '"%s' % d in line, line
    assert 'Dir::State::status "/dev/null";' in conf
    src = matrix.sources_list()
    assert "http://deb.debian.org/debian bullseye main" in src
    assert "http://deb.debian.org/debian-security bookworm-security main" in src
    assert "check-valid-until=no] http://deb.debian.org/debian sid main" in src
    assert src.count("signed-by=/usr/share/keyrings/debian-archive-keyring.gpg") == \
        len(matrix.SUITES)
    apt = matrix.Apt(str(tmp_path))
    apt.setup()
    assert (tmp_path / "apt" / "etc" / "sources.list").read_text() == src
    assert apt.env()["APT_CONFIG"] == str(tmp_path / "apt" / "apt.conf")
    assert set(os.listdir(str(tmp_path))) == {"apt", "debs"}


def test_find_vmlinuz_in_both_layouts():
    assert matrix.find_vmlinuz(["./", "./boot/", "./boot/config-6.1.0-56-cloud-amd64",
                                "./boot/vmlinuz-6.1.0-56-cloud-amd64"]) == \
        "boot/vmlinuz-6.1.0-56-cloud-amd64"
    assert matrix.find_vmlinuz(["./usr/lib/modules/7.2.13+deb14-cloud-amd64/vmlinuz"]) == \
        "usr/lib/modules/7.2.13+deb14-cloud-amd64/vmlinuz"
    assert matrix.find_vmlinuz(["./usr/lib/modules/7.2.13+deb14-cloud-amd64/config"]) is None


def test_bzimage_version(tmp_path):
    img = bytearray(0x800)
    img[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", img, 0x20E, 0x400)
    img[0x600:0x600 + 40] = b"6.1.0-56-cloud-amd64 (debian@x) #1 SMP\0"
    p = tmp_path / "bzImage"
    p.write_bytes(bytes(img))
    assert matrix.bzimage_version(str(p)) == "6.1.0-56-cloud-amd64"
    p.write_bytes(b"not a kernel" * 100)
    assert matrix.bzimage_version(str(p)) is None


# ---------------------------------------------------------- initramfs ----

def read_newc(data):
    out, off = {}, 0
    while True:
        assert data[off:off + 6] == b"070701"
        f = [int(data[off + 6 + 8 * i:off + 14 + 8 * i], 16) for i in range(13)]
        mode, size, namesize = f[1], f[6], f[11]
        name = data[off + 110:off + 110 + namesize - 1].decode()
        off = (off + 110 + namesize + 3) & ~3
        body = data[off:off + size]
        off = (off + size + 3) & ~3
        if name == "TRAILER!!!":
            return out
        out[name] = (mode, body)


@pytest.mark.skipif(not os.path.exists(matrix.BUSYBOX), reason="busybox-static not installed")
def test_initramfs_contents(tmp_path):
    h = tmp_path / "h"
    h.write_bytes(b"\x7fELF harness")
    data = gzip.decompress(matrix.build_initramfs(
        str(h), matrix.harness_args("vmsplice.*", "/tmp/bless.expected"), bless=True))
    files = read_newc(data)
    assert files["splicecheck"] == (0o100755, b"\x7fELF harness")
    assert files["init"][0] == 0o100755 and b"/splicecheck" in files["init"][1]
    assert files["bin/sh"] == (0o120777, b"busybox")
    assert files["bin/debug-exit"][1] == matrix.debug_exit_elf()
    assert files["matrix.conf"][1].decode() == (
        "set -- --format json --filter 'vmsplice.*' --kernel-facts --bless "
        "/tmp/bless.expected\nBLESS=/tmp/bless.expected\nOUT=/dev/ttyS1\nDEBUG_EXIT=1\n")
    for d in ("bin", "dev", "proc", "sys", "tmp"):
        assert files[d][0] == 0o040755


@pytest.mark.skipif(not os.path.exists(matrix.BUSYBOX), reason="busybox-static not installed")
def test_initramfs_for_an_architecture_without_a_second_port(tmp_path):
    """arm64, ppc64el, s390x: the JSON goes to the console (the kernel held
    to loglevel 1), poweroff ends the guest, no isa-debug-exit."""
    h = tmp_path / "h"
    h.write_bytes(b"\x7fELF harness")
    files = read_newc(gzip.decompress(matrix.build_initramfs(
        str(h), ["--format", "json"], busybox=matrix.BUSYBOX, arch="arm64")))
    conf = files["matrix.conf"][1].decode()
    assert "OUT=/dev/console\n" in conf and "DEBUG_EXIT=\n" in conf
    init = files["init"][1].decode()
    assert "echo 1 > /proc/sys/kernel/printk" in init and "poweroff -f" in init


@pytest.mark.parametrize("arch,qemu,console", [
    ("amd64", "qemu-system-x86_64", "console=ttyS0"),
    ("i386", "qemu-system-x86_64", "console=ttyS0"),
    ("arm64", "qemu-system-aarch64", "console=ttyAMA0"),
    ("ppc64el", "qemu-system-ppc64", "console=hvc0"),
    ("s390x", "qemu-system-s390x", "console=ttysclp0")])
def test_qemu_command_per_arch(arch, qemu, console):
    cmd = matrix.qemu_command("/k", "/i", "/c.log", "/o.log", "tcg", arch=arch)
    assert cmd[0] == qemu
    assert console in cmd[cmd.index("-append") + 1]
    x86 = arch in ("amd64", "i386")
    assert ("file:/o.log" in cmd) == x86  # a second serial port only on x86
    assert any("isa-debug-exit" in c for c in cmd) == x86
    if arch == "ppc64el":
        assert cmd[cmd.index("-M") + 1].startswith("pseries")


def test_cpus_reach_qemu_and_the_report(tmp_path, monkeypatch):
    """--cpus N: the guest's qemu gets -smp N, and the report says how many
    CPUs a guest had when it had more than one."""
    seen, real = [], matrix.qemu_command

    def fake_qemu(*a, **k):
        seen.append(real(*a, **k))
        return ["true"]  # no guest: the boot ends at once, with no output
    monkeypatch.setattr(matrix, "qemu_command", fake_qemu)
    kernel = {"label": "6.1", "version": "6.1.0", "vmlinuz": "/k", "arch": "amd64"}
    for cpus in (1, 2):
        res = matrix.run_kernel(kernel, b"harness", [], str(tmp_path / str(cpus)), 30, "tcg", False,
                                str(tmp_path), log=lambda m: None, cpus=cpus)
        assert seen[-1][seen[-1].index("-smp") + 1] == str(cpus)
        row = mr.summary_rows({"kernels": [res]})[0]
        assert row["accel"] == ("tcg" if cpus == 1 else "tcg, 2 CPUs")


def test_console_output_and_labels():
    console = "[ 1.0] booting\nnoise {\n@@SPLICECHECK-MATRIX BEGIN 6.1\n{\"type\":\"x\"}\n"
    assert matrix.console_output(console).startswith("@@SPLICECHECK-MATRIX BEGIN 6.1")
    assert matrix.console_output("[ 1.0] no harness here\n") == ""
    assert matrix.arch_label("6.1", "amd64") == "6.1"
    assert matrix.arch_label("6.1", "arm64") == "arm64-6.1"
    assert matrix.find_vmlinuz(["./boot/vmlinux-6.1.0-50-powerpc64le"]) == \
        "boot/vmlinux-6.1.0-50-powerpc64le"
    assert set(matrix.ARCHES) >= {"amd64", "i386", "arm64", "ppc64el", "s390x"}


def test_reproducers_are_written_for_their_guest(tmp_path):
    """A guest's reproducer is written for its kernel, its architecture's
    name and page size (ppc64el's Debian kernels have 64 KiB pages: a
    reproducer with the host's PAGE would mean another case there)."""
    assert matrix.repro_args("ppc64el", "6.1.176") == [
        "--kernel", "6.1.176", "--arch", "ppc64le", "--page-size", "65536"]
    assert matrix.repro_args("s390x") == ["--arch", "s390x", "--page-size", "4096"]
    for x, spec in matrix.ARCHES.items():
        assert spec["page"] in (4096, 65536) and spec["machine_name"], x
    if shutil.which("gcc") is None:
        pytest.skip("no gcc")
    seen = tmp_path / "args"
    gen = tmp_path / "gen"
    gen.write_text("#!/bin/sh\necho \"$@\" >> %s\necho 'int main(void) { return 0; }'\n" % seen)
    gen.chmod(0o755)
    got = matrix.build_repros(str(gen), ["a.case"], "amd64", str(tmp_path / "out"), version="5.10.262",
                              log=lambda m: None)
    assert list(got) == ["a.case"] and os.access(got["a.case"], os.X_OK)
    assert seen.read_text().split() == ["repro", "a.case", "--kernel", "5.10.262", "--arch", "x86_64",
                                        "--page-size", "4096"]


def test_arch_apt_has_its_own_dir_and_architecture(tmp_path):
    apt = matrix.apt_for(str(tmp_path), "s390x")
    apt.setup()
    conf = open(apt.conf).read()
    assert apt.dir == os.path.join(str(tmp_path), "arch-s390x", "apt")
    assert 'APT::Architecture "s390x";' in conf and "amd64" not in conf
    assert matrix.apt_for(str(tmp_path), "amd64").dir == os.path.join(str(tmp_path), "apt")


def test_report_shows_arch_page_and_word_size():
    r = {"label": "ppc64el-6.1", "state": "ok", "seconds": 80.0, "arch": "ppc64el",
         "summary": {"kernel": "6.1.176", "arch": "ppc64le", "page_size": 65536, "abi": 64,
                     "passed": 1, "failed": 0, "skipped": 0, "broken": 0}}
    assert mr.platform_text(r) == "ppc64le, 64 KiB, 64-bit"
    assert mr.platform_text({"arch": "s390x"}) == "s390x"
    md = mr.markdown({"host": None, "kernels": [r], "wall_seconds": 81.0})
    assert "| ppc64le, 64 KiB, 64-bit |" in md


def test_debug_exit_elf_header():
    elf = matrix.debug_exit_elf()
    assert elf[:4] == b"\x7fELF" and elf[4] == 2  # ELF64
    e_type, e_machine, _, e_entry = struct.unpack_from("<HHIQ", elf, 16)
    assert (e_type, e_machine, e_entry) == (2, 0x3E, 0x400000 + 120)
    p_type, p_flags, p_off, p_vaddr, _, p_filesz = struct.unpack_from("<IIQQQQ", elf, 64)
    assert (p_type, p_flags, p_off, p_vaddr, p_filesz) == (1, 5, 0, 0x400000, len(elf))
    assert b"\xee" in elf[120:]  # out dx, al


# ---------------------------------------------------------------- cli ----

@pytest.mark.parametrize("argv", [["--kernels", "six"], ["--jobs", "0"], ["--timeout", "0"],
                                  ["--cpus", "0"], ["--cpus", "two"],
                                  ["--arch", "mips"], ["--arch", ""],
                                  ["--vmlinuz", "/nonexistent/vmlinuz"], ["--bogus"],
                                  ["--cases-filter", ""]])
def test_bad_usage_exits_2(argv):
    p = subprocess.run([os.path.join(REPO, "ci", "kernel-matrix")] + argv,
                       stderr=subprocess.PIPE, stdout=subprocess.PIPE, universal_newlines=True)
    assert p.returncode == 2
    assert "kernel-matrix" in p.stderr


# ---------------------------------------------------------------- e2e ----

STANDIN_C = r"""
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <unistd.h>
static char buf[4096];
static const char *out(long r) { static char s[32];
  if (r >= 0) { snprintf(s, sizeof s, "%ld", r); return s; }
  return errno == EINVAL ? "EINVAL" : errno == EBADF ? "EBADF" : "E?"; }
static long gift(void) { int p[2]; pipe(p); struct iovec v = {buf, 1000};
  return vmsplice(p[1], &v, 1, SPLICE_F_GIFT); }
static long teebad(void) { int p[2], q[2]; pipe(p); pipe(q); return tee(p[0], q[1], 0, 0x100); }
static long zero(void) { int p[2]; pipe(p); int z = open("/dev/zero", O_RDONLY);
  return splice(z, NULL, p[1], NULL, 4096, 0); }
struct { const char *name, *call, *exp; long (*fn)(void); } cs[] = {
  {"standin.vmsplice.gift", "vmsplice(p.w, [{b, 1000}], 1, SPLICE_F_GIFT)", "1000", gift},
  {"standin.tee.len0-badflags", "tee(p.r, q.w, 0, 0x100)", "EINVAL", teebad},
  {"standin.splice.dev-zero", "splice(/dev/zero, NULL, p.w, NULL, 4096, 0)", "4096", zero},
  {"other.not-selected", "none", "0", 0},
};
int main(int argc, char **argv) {
  const char *filter = 0, *bless = 0; int json = 0, pass = 0, fail = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--format") && i + 1 < argc) json = !strcmp(argv[++i], "json");
    else if (!strcmp(argv[i], "--filter") && i + 1 < argc) filter = argv[++i];
    else if (!strcmp(argv[i], "--bless") && i + 1 < argc) bless = argv[++i];
    else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) i++;
    else if (strcmp(argv[i], "--kernel-facts")) return 2;
  }
  if (!json) return 2;
  struct utsname u; uname(&u);
  FILE *b = bless ? fopen(bless, "w") : 0;
  for (unsigned i = 0; i < sizeof cs / sizeof *cs; i++) {
    if (filter && fnmatch(filter, cs[i].name, 0)) continue;
    const char *o = out(cs[i].fn()); int ok = !strcmp(o, cs[i].exp); ok ? pass++ : fail++;
    printf("{\"type\":\"step\",\"case\":\"%s\",\"step\":1,\"call\":\"%s\",\"outcome\":\"%s\","
           "\"expected\":\"%s\",\"status\":\"%s\"}\n", cs[i].name, cs[i].call, o, cs[i].exp,
           ok ? "pass" : "fail");
    printf("{\"type\":\"case\",\"case\":\"%s\",\"status\":\"%s\",\"reason\":\"\","
           "\"outcomes\":[\"%s\"],\"expected\":[\"%s\"]}\n", cs[i].name, ok ? "pass" : "fail",
           o, cs[i].exp);
    if (b) fprintf(b, "%s %s\n", cs[i].name, o);
  }
  if (b) fclose(b);
  printf("{\"type\":\"summary\",\"kernel\":\"%s\",\"target\":\"linux\",\"passed\":%d,"
         "\"failed\":%d,\"skipped\":0,\"broken\":0}\n", u.release, pass, fail);
  return fail ? 1 : 0;
}
"""


def need_qemu():
    if shutil.which("qemu-system-x86_64") is None:
        pytest.skip("qemu-system-x86_64 not installed (apt-get install qemu-system-x86)")
    if not os.path.exists(matrix.BUSYBOX):
        pytest.skip("busybox-static not installed")


@pytest.fixture(scope="module")
def e2e_kernel():
    """The Debian 6.1 cloud kernel, fetched through the private apt setup into
    the user's cache (reused across runs)."""
    need_qemu()
    apt = matrix.Apt(matrix.cache_root())
    apt.setup()
    try:
        apt.update()
        return matrix.fetch_kernel(apt, E2E_KERNEL, matrix.DEFAULT_FLAVOUR, log=lambda m: None)
    except (matrix.FetchError, OSError, subprocess.CalledProcessError) as e:
        pytest.skip("cannot fetch the Debian %s kernel: %s" % (E2E_KERNEL, e))


@pytest.fixture(scope="module")
def standin(tmp_path_factory):
    if shutil.which("gcc") is None:
        pytest.skip("gcc not installed")
    d = tmp_path_factory.mktemp("standin")
    (d / "s.c").write_text(STANDIN_C)
    p = subprocess.run(["gcc", "-static", "-O2", "-o", str(d / "standin"), str(d / "s.c")],
                       stderr=subprocess.PIPE, universal_newlines=True)
    if p.returncode != 0:
        pytest.skip("cannot build a static program: %s" % p.stderr[-300:])
    return str(d / "standin")


def run_matrix(args):
    return subprocess.run([os.path.join(REPO, "ci", "kernel-matrix")] + args,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=900)


def test_e2e_boot_one_kernel_with_standin(e2e_kernel, standin, tmp_path):
    """Boot Debian's 6.1 kernel with a static stand-in that makes real calls:
    vmsplice GIFT 1000 bytes -> 1000, tee(len 0, bad flags) -> EINVAL, and
    splice from /dev/zero -> EINVAL (no splice_read for /dev/zero between
    5.10 and 6.7). The host column comes from the same program on the host."""
    rep, bless = tmp_path / "rep", tmp_path / "bless"
    p = run_matrix(["--kernels", E2E_KERNEL, "--harness", standin, "--host-harness", standin, "--repro", "none",
                    "--cases-filter", "standin.*", "--report-dir", str(rep),
                    "--bless-dir", str(bless), "--timeout", "300"])
    assert "6.1: booting" in p.stderr
    res = json.loads((rep / "results.json").read_text())
    k = res["kernels"][0]
    assert k["state"] == "ok", k.get("console_tail")
    assert k["summary"]["kernel"].startswith("6.1.")
    assert k["booted_kernel"] == k["summary"]["kernel"]
    outs = {n: c["outcomes"] for n, c in k["cases"].items()}
    assert outs == {"standin.vmsplice.gift": ["1000"],
                    "standin.tee.len0-badflags": ["EINVAL"],
                    "standin.splice.dev-zero": ["EINVAL"]}
    assert k["harness_exit"] == 1  # dev-zero differs from its expected 4096
    assert k["qemu_exit"] in (0, 3)  # isa-debug-exit: (1 << 1) | 1, or powered off
    assert p.returncode == 1
    assert (bless / "6.1.expected").read_text() == (
        "standin.vmsplice.gift 1000\nstandin.tee.len0-badflags EINVAL\n"
        "standin.splice.dev-zero EINVAL\n")
    host = res["host"]
    assert host["state"] == "ok" and "other.not-selected" not in host["cases"]
    md = (rep / "report.md").read_text()
    assert md == p.stdout
    host_zero = host["cases"]["standin.splice.dev-zero"]["outcomes"]
    major, minor = (int(x) for x in os.uname().release.split(".")[:2])
    if (major, minor) >= (6, 7):
        assert host_zero == ["4096"]
        assert "| ≠✗ | standin.splice.dev-zero | **4096** | **✗ EINVAL (expected 4096)** |" in md
    assert "|  | standin.vmsplice.gift | 1000 | 1000 |" in md
    html = (rep / "report.html").read_text()
    assert "standin.splice.dev-zero" in html and "<table id=m>" in html
    assert (rep / "kernels" / "6.1" / "serial1.log").exists()
    assert not (rep / "kernels" / "6.1" / "initramfs.gz").exists()


def test_e2e_hung_guest_is_reported_and_others_still_run(e2e_kernel, tmp_path):
    need_qemu()
    hang = tmp_path / "hang.sh"
    hang.write_text("#!/bin/sh\nsleep 600\n")
    hang.chmod(0o755)
    rep = tmp_path / "rep"
    p = run_matrix(["--kernels", E2E_KERNEL, "--vmlinuz", e2e_kernel["vmlinuz"],
                    "--harness", str(hang), "--host-harness", "none", "--accel", "tcg", "--repro", "none",
                    "--no-kernel-facts",
                    "--report-dir", str(rep), "--timeout", "15", "--jobs", "2"])
    assert p.returncode == 1
    res = json.loads((rep / "results.json").read_text())
    assert [k["state"] for k in res["kernels"]] == ["hung", "hung"]
    # a local vmlinuz is named by the version in its bzImage header
    assert [k["label"] for k in res["kernels"]] == ["6.1", e2e_kernel["abi"]]
    assert all(15 <= k["seconds"] < 25 for k in res["kernels"])
    assert res["wall_seconds"] < 28  # the two boots ran side by side
    assert "| hung (tcg) |" in p.stdout


def test_e2e_panic_is_reported(e2e_kernel, tmp_path):
    need_qemu()
    crash = tmp_path / "crash.sh"
    crash.write_text("#!/bin/sh\n"
                     "echo '{\"type\":\"case\",\"case\":\"a\",\"status\":\"pass\","
                     "\"outcomes\":[\"1\"]}'\n"
                     # only in the guest (its initramfs has /init): never crash the host
                     "[ -x /init ] && [ $$ -lt 1000 ] && echo c > /proc/sysrq-trigger\n")
    crash.chmod(0o755)
    rep = tmp_path / "rep"
    p = run_matrix(["--kernels", E2E_KERNEL, "--harness", str(crash), "--host-harness",
                    "none", "--repro", "none", "--accel", "tcg", "--no-kernel-facts", "--report-dir", str(rep),
                    "--timeout", "120"])
    assert p.returncode == 1
    k = json.loads((rep / "results.json").read_text())["kernels"][0]
    assert k["state"] == "panicked"
    assert k["seconds"] < 120
    assert "Kernel panic - not syncing: sysrq triggered crash" in k["console_tail"]
    assert k["cases"]["a"]["outcomes"] == ["1"]  # what ran before the panic is kept
    assert "panicked (tcg)" in p.stdout


STATIC = os.path.join(REPO, "build", "splicecheck-static")


@pytest.mark.skipif(not os.path.isfile(STATIC),
                    reason="build/splicecheck-static not built (ninja build/splicecheck-static)")
def test_e2e_real_harness_one_kernel(e2e_kernel, tmp_path):
    rep, bless = tmp_path / "rep", tmp_path / "bless"
    p = run_matrix(["--kernels", E2E_KERNEL, "--cases-filter", "vmsplice.*",
                    "--report-dir", str(rep), "--bless-dir", str(bless), "--timeout", "600"])
    res = json.loads((rep / "results.json").read_text())
    k = res["kernels"][0]
    assert k["state"] == "ok", k.get("console_tail")
    assert k["harness_exit"] in (0, 1)
    assert p.returncode == (0 if k["harness_exit"] == 0 else 1)
    assert k["summary"]["kernel"].startswith("6.1.")
    assert k["cases"], "no case ran"
    assert all(n.startswith("vmsplice.") for n in k["cases"])
    s = k["summary"]
    statuses = [c["status"] for c in k["cases"].values()]
    assert (s["passed"], s["failed"], s["skipped"], s["broken"]) == (
        statuses.count("pass"), statuses.count("fail"), statuses.count("skip"),
        statuses.count("broken"))
    blessed = (bless / "6.1.expected").read_text()
    for name in k["cases"]:
        if k["cases"][name]["status"] in ("pass", "fail"):
            assert name in blessed


def test_bench_matrix_rounds_are_read_from_the_console():
    import bench_matrix
    console = ("[    1.2] booting\n"
               "@@BENCH-ROUND 0 against 10.00 13.50 0\n"
               "\x1b[0m@@BENCH-ROUND 0 harness 13.60 16.00 1\n"
               "@@BENCH-ROUND 1 against 16.00 19.00 0\n"
               "@@BENCH-ROUND 1 harness 19.00 21.50 139\n"   # killed: not a suite's time
               "@@BENCH-ROUND 2 against 21.50 24.50 0\n"
               "@@BENCH-ROUND 2 harness 24.50 27.50 0\n"
               "@@BENCH-ROUND 3 harness x y 0\n")
    times = bench_matrix.parse_rounds(console)
    assert times == {"against": [3.5, 3.0, 3.0], "harness": [2.4000000000000004, None, 3.0]}
    fig = bench_matrix.round_figures(times)
    # round 1 is left out whole: its pair is incomplete
    assert fig["rounds"] == 2 and fig["won"] == 1
    assert fig["against"] == 3.25 and abs(fig["harness"] - 2.7) < 1e-9
    assert bench_matrix.round_figures({"against": [], "harness": []}) is None


def test_bench_matrix_times_two_harnesses_in_the_same_boot(e2e_kernel, tmp_path):
    static = [os.path.join(REPO, "build", b) for b in ("splicecheck-static", "splicecheck")]
    if not all(os.path.exists(b) for b in static):
        pytest.skip("the static harnesses are not built")
    p = subprocess.run([sys.executable, os.path.join(REPO, "tools", "bench_matrix.py"), "--kernels", E2E_KERNEL,
                        "--jobs", "1", "--harness", static[0], "--against", static[1], "--rounds", "2",
                        "--cases-filter", "vmsplice.gift.*", "--timeout", "300"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=900)
    assert p.returncode == 0, p.stdout + p.stderr[-2000:]
    table = p.stdout[p.stdout.index("the suite in the same boot"):].splitlines()
    row = next(line.split() for line in table if line.startswith(E2E_KERNEL + " "))
    rounds, against, harness = int(row[1]), float(row[2]), float(row[3])
    assert rounds == 2 and against > 0 and harness > 0
    assert row[-2:] == ["of", "2"]


def test_bench_matrix_against_wants_amd64_alone():
    p = subprocess.run([sys.executable, os.path.join(REPO, "tools", "bench_matrix.py"), "--arch", "amd64,arm64",
                        "--against", sys.executable, "--kernels", E2E_KERNEL],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=60)
    assert p.returncode == 2 and "--against times the amd64 harness" in p.stderr
