#!/usr/bin/python3
"""Where a sandbox differs from Linux on the same host, as markdown a sandbox
developer can paste into a bug report.

    tools/divergence.py [SANDBOX...]              run the host and each sandbox now
    tools/divergence.py --saved DIR [SANDBOX...]  read DIR/host.json and DIR/SANDBOX.json
    options: --out FILE (default stdout), --save DIR (keep the runs' JSON there),
             --binary FILE (default build/splicecheck-static), -- HARNESS ARGS (both sides)

Both sides run with --target linux --format json; what is compared is what
each call did (the "outcome" of every step), never the expectations, so a
sandbox's seccomp filter shows up as the outcomes it forces.  A case that ran
on one side only (skipped or broken on the other) is listed apart.  Running
sandboxes goes through ci/sandbox (SANDBOX: gvisor, gvisor-seccomp, firejail,
bwrap, bwrap-seccomp, crun, userns, gvisor-20240729; default all); one that is
SKIPPED there is named as such.  With two gVisor releases (gvisor and
gvisor-20240729), a last section lists the differences the newer one fixed.  Exit status 0 (differences are the report, not an error),
2 on bad usage or a run whose output cannot be read."""
import collections
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
SANDBOXES = ["gvisor", "gvisor-seccomp", "gvisor-20240729", "firejail", "bwrap", "bwrap-seccomp", "crun", "userns"]
DESCRIBE = {
    "gvisor": "gVisor (runsc, ptrace platform, --network=none)",
    "gvisor-seccomp": "gVisor (runsc --oci-seccomp) with the seccomp profile of ci/sandbox",
    "gvisor-20240729": "gVisor 20240729 (runsc from bookworm-backports/trixie, fetched by ci/sandboxes/fetch-runsc)",
    "firejail": "firejail, default profile",
    "bwrap": "bubblewrap, every namespace unshared",
    "bwrap-seccomp": "bubblewrap with --seccomp (the BPF of ci/sandbox's profile)",
    "crun": "crun, OCI bundle with the seccomp profile of ci/sandbox",
    "userns": "an unprivileged user in a user namespace (unshare -Ur)",
}


class Run:
    """One --format json output: cases in order, their steps, the summary."""

    def __init__(self, path):
        self.path = path
        self.cases = collections.OrderedDict()
        self.steps = collections.defaultdict(list)
        self.summary = {}
        with open(path) as f:
            for n, line in enumerate(f, 1):
                if not line.startswith("{"):
                    continue
                try:
                    o = json.loads(line)
                except ValueError as e:
                    raise SystemExit(f"tools/divergence.py: {path}:{n}: {e}")
                kind = o.get("type")
                if kind == "case":
                    self.cases[o["case"]] = o
                elif kind == "step":
                    self.steps[o["case"]].append(o)
                elif kind == "summary":
                    self.summary = o
        if not self.cases and not self.summary:
            raise SystemExit(f"tools/divergence.py: {path}: no JSON report in it")


def code(s):
    s = str(s)
    tick = "``" if "`" in s else "`"
    pad = " " if "`" in s else ""
    return f"{tick}{pad}{s.replace('|', '&#124;')}{pad}{tick}"


def case_source(case):
    """The case's text from cases/ (for a reproducer), or None."""
    path = ROOT / case.get("file", "")
    if not case.get("file") or not path.is_file():
        return None
    lines = path.read_text().splitlines()
    start = case.get("line", 1) - 1
    if start >= len(lines) or lines[start].split()[:2] != ["case", case["case"]]:
        return None  # the file changed since the run
    out = [lines[start]]
    for l in lines[start + 1:]:
        if l.startswith("case "):
            break
        out.append(l)
    while out and not out[-1].strip():
        out.pop()
    return "\n".join(out)


def compare(host, sb, name):
    """(differing cases, cases run on one side only, cases compared)."""
    diffs, apart, compared = [], [], 0
    for cname, hc in host.cases.items():
        sc = sb.cases.get(cname)
        if sc is None:
            continue
        ran = lambda c: c["status"] in ("pass", "fail")
        if not (ran(hc) and ran(sc)):
            if ran(hc) != ran(sc):
                apart.append((cname, hc, sc))
            continue
        compared += 1
        hs, ss = host.steps.get(cname, []), sb.steps.get(cname, [])
        rows = []
        for i in range(max(len(hs), len(ss))):
            h = hs[i] if i < len(hs) else None
            s = ss[i] if i < len(ss) else None
            ho = h["outcome"] if h else "(not run)"
            so = s["outcome"] if s else "(not run)"
            if ho != so:
                step = h or s
                rows.append((step["step"], step.get("syscall", ""), step["call"], ho, so, step.get("line", "")))
        if rows:
            diffs.append((cname, hc, rows))
    return diffs, apart, compared


def fixed_by_newer(host, runs, out):
    """Cases where the older gVisor differs from Linux and the newer does not."""
    old, new = "gvisor", "gvisor-20240729"
    if old not in runs or new not in runs:
        return
    d_old = {c: rows for c, _, rows in compare(host, runs[old], old)[0]}
    d_new = {c for c, _, _ in compare(host, runs[new], new)[0]}
    # a case the newer release could not run (a fixture it lacks) fixed nothing
    ran_new = {c for c, sc in runs[new].cases.items() if sc["status"] in ("pass", "fail")}
    fixed = [c for c in d_old if c in ran_new and c not in d_new]
    out.write(f"## Fixed in {new}\n\n{len(fixed)} of the {len(d_old)} cases where {old} "
              f"differs from Linux behave as on Linux under {new}"
              f"{'' if fixed else '.'}{':' if fixed else ''}\n\n")
    if fixed:
        out.write(f"| case | first differing call | Linux | {old} |\n|---|---|---|---|\n")
        for c in fixed:
            step, _, call, ho, so, _ = d_old[c][0]
            out.write(f"| {c} | {code(call)} | {code(ho)} | {code(so)} |\n")
        out.write("\n")
    new_only = sorted(d_new - set(d_old))
    if new_only:
        out.write(f"Differing under {new} only: {', '.join(new_only)}.\n\n")


def report(host, sb, name, out):
    diffs, apart, compared = compare(host, sb, name)
    hk, sk = host.summary.get("kernel", "?"), sb.summary.get("kernel", "?")
    w = out.write
    w(f"## {name}: {DESCRIBE.get(name, name)}\n\n")
    w(f"Host: Linux {hk}; the sandbox judged as Linux {sk} (`--kernel` of the host: a sandbox's own uname, "
      f"such as gVisor's fixed 4.4.0, is no Linux version). Both runs: `--target linux`. "
      f"{compared} cases ran on both sides; **{len(diffs)} differ**"
      f"{f', {len(apart)} ran on one side only' if apart else ''}.\n\n")
    if diffs:
        by = collections.defaultdict(collections.Counter)
        for _, _, rows in diffs:
            _, sc, _, ho, so, _ = rows[0]  # later differences mostly follow from the first
            by[(sc, so)][ho] += 1
        w("The first differing step of each case (later steps mostly follow from it):\n\n")
        w(f"| call | {name} | Linux instead | cases |\n|---|---|---|---|\n")
        for (sc, so), hos in sorted(by.items(), key=lambda kv: (-sum(kv[1].values()), kv[0])):
            shown = ", ".join(code(h) for h, _ in hos.most_common(4)) + (", ..." if len(hos) > 4 else "")
            w(f"| {sc} | {code(so)} | {shown} | {sum(hos.values())} |\n")
        w("\n")
    for cname, hc, rows in diffs:
        w(f"### {cname}\n\n")
        w(f"| step | call | Linux | {name} |\n|---|---|---|---|\n")
        for step, _, call, ho, so, _ in rows:
            w(f"| {step} | {code(call)} | {code(ho)} | {code(so)} |\n")
        src = case_source(hc)
        if src:
            w(f"\n<details><summary>the case ({hc['file']}:{hc['line']})</summary>\n\n```\n{src}\n```\n</details>\n")
        w("\n")
    if apart:
        w(f"### Ran on one side only\n\n| case | Linux | {name} |\n|---|---|---|\n")
        for cname, hc, sc in apart:
            fmt = lambda c: c["status"] + (f": {c['reason']}" if c.get("reason") else "")
            w(f"| {cname} | {code(fmt(hc))} | {code(fmt(sc))} |\n")
        w("\n")
    return len(diffs)


T0 = time.monotonic()


def progress(msg):
    """A line on stderr for each stage: the whole run takes minutes."""
    print(f"divergence.py: [{time.monotonic() - T0:5.1f}s] {msg}", file=sys.stderr, flush=True)


def host_kernel():
    return os.uname().release


def run_host(binary, args, dest):
    progress(f"the host (Linux {host_kernel()}): {os.path.basename(binary)} --target linux")
    with open(dest, "w") as f:
        p = subprocess.run([binary, "--target", "linux", "--format", "json", "-q", *args], stdout=f,
                           stderr=subprocess.PIPE, text=True, timeout=900)
    if p.returncode not in (0, 1):
        raise SystemExit(f"tools/divergence.py: the host run failed ({p.returncode}): {p.stderr.strip()[-500:]}")
    progress("the host: done")


def run_sandboxes(binary, names, args, dest):
    """ci/sandbox --save; returns {name: reason} for those SKIPPED.  Every
    sandbox is judged as the Linux it runs on (--kernel of the host): a
    sandbox's own uname (gVisor's fixed 4.4.0) is no Linux version."""
    progress(f"the sandboxes through ci/sandbox: {' '.join(names)}")
    with tempfile.TemporaryDirectory() as tmp:
        p = subprocess.Popen([str(ROOT / "ci/sandbox"), "--binary", binary, "--save", tmp, *names, "--",
                              "--target", "linux", "--kernel", host_kernel(), "--format", "json", "-q", *args],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        lines = []
        for line in p.stdout:
            lines.append(line)
            if line.startswith("== "):
                progress(line[3:].strip())
        p.stderr.read()
        p.wait(timeout=3600)
        progress("the sandboxes: done")
        skipped = {}
        for line in lines:
            if line.startswith("== ") and ": SKIPPED: " in line:
                n, why = line[3:].split(": SKIPPED: ", 1)
                skipped[n] = why
        for n in names:
            src = pathlib.Path(tmp) / f"{n}.out"
            if src.exists():
                (pathlib.Path(dest) / f"{n}.json").write_text(src.read_text())
            elif n not in skipped:
                skipped[n] = "no output (see ci/sandbox " + n + ")"
    return skipped


def main(argv):
    saved = out = save = None
    binary = str(ROOT / "build/splicecheck-static")
    names, args = [], []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("--saved", "--out", "--save", "--binary") and i + 1 < len(argv):
            v = argv[i + 1]
            if a == "--saved":
                saved = v
            elif a == "--out":
                out = v
            elif a == "--save":
                save = v
            else:
                binary = os.path.abspath(v)
            i += 2
        elif a == "--":
            args = argv[i + 1:]
            break
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        elif a in SANDBOXES or (saved and not a.startswith("-")):
            names.append(a)
            i += 1
        elif a == "all":
            names += SANDBOXES
            i += 1
        else:
            print(f"tools/divergence.py: unknown argument {a}\n{__doc__}", file=sys.stderr)
            return 2
    skipped = {}
    tmp = None
    if saved:
        d = pathlib.Path(saved)
        if not names:
            names = [p.stem for p in sorted(d.glob("*.json")) if p.stem != "host"]
    else:
        names = names or SANDBOXES
        if save:
            d = pathlib.Path(save)
            d.mkdir(parents=True, exist_ok=True)
        else:
            tmp = tempfile.TemporaryDirectory()
            d = pathlib.Path(tmp.name)
        run_host(binary, args, d / "host.json")
        skipped = run_sandboxes(binary, names, args, d)
    host = Run(d / "host.json")
    f = open(out, "w") if out else sys.stdout
    f.write("# splicecheck: where sandboxes differ from Linux on the same host\n\n")
    f.write("Each section compares what every call returned on the host and in the sandbox "
            "(splicecheck `--target linux --format json`), case by case.\n\n")
    runs = {}
    for n in names:
        if n in skipped:
            f.write(f"## {n}: SKIPPED\n\n{skipped[n]}\n\n")
            continue
        path = d / f"{n}.json"
        if not path.exists():
            f.write(f"## {n}: no saved run ({path})\n\n")
            continue
        runs[n] = Run(path)
        report(host, runs[n], n, f)
    fixed_by_newer(host, runs, f)
    if out:
        f.close()
    if tmp:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
