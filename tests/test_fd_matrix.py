"""The fd matrix (issue 17): cases/fd-matrix.case is what tools/gen-fd-matrix
writes from its tables, it holds every kind LTP's splice07 walks (lib/tst_fd.c)
and the others the issue names, each in every operand position, and every
kind it uses is one the harness knows."""
import importlib.machinery
import importlib.util
import subprocess

from conftest import ROOT

TOOL = ROOT / "tools" / "gen-fd-matrix"


def load_tool():
    loader = importlib.machinery.SourceFileLoader("gen_fd_matrix", str(TOOL))
    spec = importlib.util.spec_from_loader("gen_fd_matrix", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


def test_committed_matrix_is_what_the_tool_writes():
    proc = subprocess.run([str(TOOL), "--check"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_every_kind_in_every_position():
    tool = load_tool()
    text = (ROOT / "cases" / "fd-matrix.case").read_text()
    names = [line.split()[1] for line in text.splitlines() if line.startswith("case ")]
    positions = [p[0] for p in tool.POSITIONS]
    assert positions == ["vmsplice", "splice-in", "splice-in-offset", "splice-out", "splice-out-offset",
                         "tee-in", "tee-out"]
    assert len(names) == len(set(names)) == len(tool.KINDS) * len(positions)
    for k in tool.KINDS:
        for p in positions:
            assert f"matrix.{k['name']}.{p}" in names


# LTP splice07's 25 kinds (lib/tst_fd.c) and the ones issue 17 adds, as rows
LTP = ["file", "opath", "dir", "dev-zero-rdonly", "proc-self-maps", "pipe-read-end", "pipe-write-end",
       "unix-stream", "inet-stream", "epoll", "eventfd", "signalfd", "timerfd", "pidfd", "fanotify", "inotify",
       "userfaultfd", "perf-event", "io-uring", "bpf-map", "fsopen", "fspick", "open-tree", "memfd", "memfd-secret"]
MORE = ["inet-raw", "netlink-route", "vsock-stream", "packet-raw", "ns-net", "seccomp-notify", "landlock"]


def test_ltp_kinds_and_more_are_rows():
    rows = [k["name"] for k in load_tool().KINDS]
    missing = [k for k in LTP + MORE if k not in rows]
    assert not missing, missing


def test_every_matrix_case_has_an_expected_line():
    text = (ROOT / "expected" / "linux.expected").read_text()
    have = {line.split()[0] for line in text.splitlines() if line.startswith("matrix.")}
    cases = (ROOT / "cases" / "fd-matrix.case").read_text()
    names = {line.split()[1] for line in cases.splitlines() if line.startswith("case ")}
    assert names <= have, sorted(names - have)[:5]

