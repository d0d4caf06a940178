"""A case's process is a copy of the harness, and each page it touches
first is a page fault, which under qemu TCG costs about as much as 20
system calls: what it runs is grouped in one window of code
(harness/case_path.ld), what it writes first on as few pages as can be.
Checked on one CPU, where the server makes each case's process as its case
starts (no spares, which take their faults ahead), so the count is the
same from run to run."""
import os
import subprocess

from conftest import binary, run_with_usage

# one window of code a fault maps (the kernel's fault-around, 64 KiB by default)
WINDOW = 64 * 1024


def symbols(path):
    out = subprocess.run(["nm", path], capture_output=True, text=True, check=True).stdout
    return {f[2]: int(f[0], 16) for f in (line.split() for line in out.splitlines()) if len(f) == 3}


def section(path, name):
    out = subprocess.run(["readelf", "-SW", path], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        f = line.replace("[ ", "[").split()
        if len(f) > 5 and f[1] == name:
            return int(f[3], 16), int(f[3], 16) + int(f[5], 16)
    raise AssertionError(f"{path} has no section {name}")


def test_the_case_path_is_grouped():
    for name in ("splicecheck", "splicecheck-static"):
        sym = symbols(binary(name))
        # the harness's code for every case, and the libc calls each makes:
        # one window
        every = ["case_main", "child_run", "arg_resolve", "sigrec_reset", "launcher_start",
                 "syscall", "_exit", "__libc_current_sigrtmin", "__errno_location"]
        windows = {sym[f] // WINDOW for f in every}
        assert len(windows) == 1, {f: hex(sym[f]) for f in every}
        # and their constants, in the same window
        ro_start, ro_end = section(binary(name), ".rodata.case_path")
        assert {ro_start // WINDOW, (ro_end - 1) // WINDOW} == windows, (hex(ro_start), hex(ro_end), windows)
        # what fixtures and actors run, with them in two windows at most
        start, end = section(binary(name), ".text.case_path")
        assert end - start <= 2 * WINDOW, hex(end - start)
        fixtures = ["kind_make", "fixture_opt", "actor_start", "stream_feed", "malloc", "__pipe2", "__snprintf"]
        assert all(start <= sym[f] < end for f in fixtures), {f: hex(sym[f]) for f in fixtures}
        # and not by chance: the harness's own start is elsewhere
        assert not start <= sym["main"] < end


def faults(tmp_path, n):
    """Page faults of a run of n trivial cases on one CPU: the harness's
    and those of every process it reaped (the server, the cases')."""
    d = tmp_path / str(n)
    for sub in ("cases", "expected", "tmp"):
        (d / sub).mkdir(parents=True)
    (d / "cases" / "t.case").write_text("".join(f"case t.c{i}\n  close -1\n" for i in range(n)))
    (d / "expected" / "linux.expected").write_text("".join(f"t.c{i} EBADF\n" for i in range(n)))
    rc, usage = run_with_usage([binary(), "-q", "--cases", d / "cases", "--expected", d / "expected",
                                "--target", "linux", "-j1"], tmpdir=d / "tmp", cpus={min(os.sched_getaffinity(0))})
    assert rc == 0
    return usage.ru_minflt


def test_a_trivial_case_costs_few_page_faults(tmp_path):
    # the difference takes out the run's own start and end
    per_case = (faults(tmp_path, 401) - faults(tmp_path, 1)) / 400
    # here 8.7: the case's process 6 (its stack 1, its case in the shared
    # arena 2, and one each for the code with its constants, the data and
    # the thread-local block), the server about 2 (its stack and data,
    # shared with the process it made), the harness 1; 9.5 to 10.7 with
    # the stack's start at random in its page, 10.6 with the constants in
    # a window of their own too, 17 to 19 when the code was spread over 7
    # windows, the profiles on a page of their own and the thread-local
    # block split by a 64 KiB buffer
    assert per_case <= 9.5, f"{per_case:.1f} page faults per case"
