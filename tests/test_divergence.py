"""tools/divergence.py on saved runs made up here: what it counts as fixed
by the newer gVisor release."""
import json
import subprocess

from conftest import ROOT

DIVERGENCE = ROOT / "tools" / "divergence.py"


def saved_run(path, cases):
    """cases: {name: (status, [outcome of each step])}"""
    with open(path, "w") as f:
        for name, (status, outcomes) in cases.items():
            f.write(json.dumps({"type": "case", "case": name, "status": status}) + "\n")
            for i, o in enumerate(outcomes, 1):
                f.write(json.dumps({"type": "step", "case": name, "step": i, "syscall": "splice",
                                    "call": f"splice#{i}", "outcome": o}) + "\n")
        f.write(json.dumps({"type": "summary", "kernel": "6.1.0"}) + "\n")


def fixed_names(out):
    fixed = out.split("## Fixed in gvisor-20240729", 1)[1]
    return {l.split("|")[1].strip() for l in fixed.splitlines() if l.startswith("| ") and "| case |" not in l}


def test_only_a_case_the_newer_release_ran_like_linux_is_fixed(tmp_path):
    saved_run(tmp_path / "host.json", {"a": ("pass", ["5"]), "b": ("pass", ["EBADF"]), "c": ("pass", ["0"])})
    saved_run(tmp_path / "gvisor.json", {"a": ("fail", ["0"]), "b": ("fail", ["ENOSYS"]), "c": ("fail", ["1"])})
    # b: the newer release lacks its fixture; c: still differs
    saved_run(tmp_path / "gvisor-20240729.json", {"a": ("pass", ["5"]), "b": ("skip", []), "c": ("fail", ["2"])})
    p = subprocess.run([str(DIVERGENCE), "--saved", str(tmp_path), "gvisor", "gvisor-20240729"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert fixed_names(p.stdout) == {"a"}, p.stdout
