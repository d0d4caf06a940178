#!/usr/bin/python3
"""A bug report for a failing splicecheck run: one Markdown document and
its JSON twin.

Runs the harness (or reads a saved `--format json` run) and writes, for
every case that failed or broke: its calls with the expected and the seen
outcome of each, the expected lines that name the case with the kernel
ranges they hold for, and a standalone C reproducer (`splicecheck repro`);
above them, the facts a kernel or sandbox bug report needs: uname, the
architecture, the target the harness chose and why.

    tools/report.py -o report.md                    # run the suite, report
    tools/report.py -o report.md -- --tag CVE-2022-0847
    build/splicecheck --format json > run.json; tools/report.py --json run.json -o report.md

Exit status: 0 the report was written (whether or not anything failed),
2 usage or the harness could not run.  Standard library only.
"""

import argparse
import json
import os
import pathlib
import platform
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
QUALIFIER = re.compile(r"^[a-z<>=!]")


def die(message):
    """A file that cannot be read or written is a usage error: said in one
    line, exit 2, no traceback."""
    print(message, file=sys.stderr)
    sys.exit(2)


def run_harness(binary, args):
    """The run's JSON objects and the harness's stderr line."""
    proc = subprocess.run([binary, "--format", "json", *args], capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        sys.exit(f"report.py: {binary} exited {proc.returncode}:\n{proc.stderr}")
    return parse_json_lines(proc.stdout), proc.stderr


def parse_json_lines(text):
    objs = []
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if line.startswith("{"):
            try:
                objs.append(json.loads(line))
            except json.JSONDecodeError as e:
                sys.exit(f"report.py: line {n}: not JSON: {e}")
    return objs


def is_qualifier(word):
    """As the harness tells them (harness/version.c): lower case or an
    operator first, and not `blocks`."""
    if word == "blocks" or word.startswith("blocks+"):
        return False
    return bool(QUALIFIER.match(word))


def expected_lines(exp_dir, case):
    """Every line of every expected file that names the case: where, its
    outcomes and its qualifiers (the kernels and targets it holds for)."""
    out = []
    for path in sorted(pathlib.Path(exp_dir).glob("*.expected")):
        try:
            text = path.read_text(errors="replace")
        except OSError as e:
            die(f"report.py: cannot read {path}: {e.strerror or e}")
        for n, line in enumerate(text.splitlines(), 1):
            words = line.split("#", 1)[0].split() if not line.lstrip().startswith("#") else []
            if not words or words[0] != case:
                continue
            quals = [w for w in words[1:] if is_qualifier(w)]
            outs = [w for w in words[1:] if not is_qualifier(w)]
            out.append({"file": str(path), "line": n, "target": path.stem, "outcomes": outs,
                        "qualifiers": quals,
                        "holds_for": " ".join(quals) if quals else f"every {path.stem} kernel (no range)"})
    return out


def reproducer(binary, name, args):
    proc = subprocess.run([binary, "-q", *args, "repro", name], capture_output=True, text=True)
    return proc.stdout if proc.returncode == 0 else f"/* splicecheck repro failed: {proc.stderr.strip()} */\n"


def kernel_facts():
    u = os.uname()
    facts = {"sysname": u.sysname, "release": u.release, "version": u.version, "machine": u.machine,
             "architecture": platform.machine()}  # no hostname: it is nobody else's business
    try:
        facts["proc_version"] = pathlib.Path("/proc/version").read_text().strip()
    except OSError:
        facts["proc_version"] = None
    try:
        facts["libc"] = " ".join(platform.libc_ver())
    except OSError:
        facts["libc"] = None
    facts["euid"] = os.geteuid()
    return facts


def repro_args(args):
    """The options that choose the cases and expectations, for `repro`."""
    out = []
    for opt in ("cases", "expected", "target", "kernel"):
        for v in getattr(args, opt) or []:
            out += [f"--{opt}", v]
    return out


def build(args):
    passthrough = repro_args(args)
    stderr = ""
    if args.json:
        try:
            objs = parse_json_lines(pathlib.Path(args.json).read_text())
        except (OSError, UnicodeDecodeError) as e:
            die(f"report.py: --json {args.json}: cannot read it: {getattr(e, 'strerror', None) or e}")
    else:
        objs, stderr = run_harness(args.splicecheck, passthrough + args.harness_args)
    summary = next((o for o in objs if o.get("type") == "summary"), {})
    steps = {}
    for o in objs:
        if o.get("type") == "step":
            steps.setdefault(o["case"], []).append(o)
    cases = [o for o in objs if o.get("type") == "case"]
    failing = [c for c in cases if c["status"] in ("fail", "broken")]
    exp_dir = (args.expected or [str(ROOT / "expected")])[-1]
    report = {
        "kernel": kernel_facts(),
        "harness": {"target": summary.get("target"), "kernel_judged_as": summary.get("kernel"),
                    "detected": stderr.strip().splitlines()[0] if stderr.strip() else None,
                    "passed": summary.get("passed"), "failed": summary.get("failed"),
                    "skipped": summary.get("skipped"), "broken": summary.get("broken")},
        "failing": [],
    }
    for c in failing:
        report["failing"].append({
            "case": c["case"], "where": f"{c['file']}:{c['line']}", "status": c["status"],
            "reason": c.get("reason", ""), "tags": c.get("tags", []), "covers": c.get("covers", []),
            "expected_from": c.get("expected_from"),
            "steps": [{"step": s["step"], "line": s["line"], "call": s["call"], "expected": s["expected"],
                       "seen": s["outcome"], "status": s["status"]} for s in steps.get(c["case"], [])],
            "expected_lines": expected_lines(exp_dir, c["case"]),
            "reproducer": reproducer(args.splicecheck, c["case"], passthrough),
        })
    return report


def cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown(r):
    k, h = r["kernel"], r["harness"]
    md = [f"# splicecheck: {len(r['failing'])} case(s) differ on Linux {k['release']} ({k['machine']})", ""]
    md += ["## Where it ran", "", "| | |", "|---|---|",
           f"| kernel release (uname -r) | `{cell(k['release'])}` |",
           f"| kernel version (uname -v) | `{cell(k['version'])}` |",
           f"| architecture | `{cell(k['machine'])}` |",
           f"| /proc/version | `{cell(k['proc_version'])}` |",
           f"| C library | `{cell(k['libc'])}` |",
           f"| user | {'root' if k['euid'] == 0 else 'unprivileged (euid %d)' % k['euid']} |",
           f"| target (expected outcomes) | `{cell(h['target'])}` |",
           f"| kernel the ranges were judged for | `{cell(h['kernel_judged_as'])}` |"]
    if h["detected"]:
        md.append(f"| harness said | `{cell(h['detected'])}` |")
    md += [f"| result | {h['passed']} passed, {h['failed']} failed, {h['skipped']} skipped, "
           f"{h['broken']} broken |", ""]
    if not r["failing"]:
        md += ["Every case gave its expected outcomes: nothing to report.", ""]
    for c in r["failing"]:
        md += [f"## {c['case']}", "",
               f"{c['status'].upper()} at `{c['where']}`" + (f": {c['reason']}" if c["reason"] else "") + ".", ""]
        if c["tags"]:
            md += ["Tags: " + ", ".join(f"`{t}`" for t in c["tags"]), ""]
        if c["covers"]:
            md += ["Covers (docs/checks.md): " + ", ".join(f"`{t}`" for t in c["covers"]), ""]
        md += ["| step | call | expected | seen |", "|---|---|---|---|"]
        for s in c["steps"]:
            mark = "" if s["status"] == "pass" else " **≠**"
            md.append(f"| {s['step']} | `{cell(s['call'])}` | `{cell(s['expected'])}` | "
                      f"`{cell(s['seen'])}`{mark} |")
        md += ["", "Expected lines for this case (the last that holds wins):", ""]
        for e in c["expected_lines"]:
            used = " ← used" if c["expected_from"] and c["expected_from"].endswith(
                f"{os.path.basename(e['file'])}:{e['line']}") else ""
            md.append(f"- `{e['file']}:{e['line']}` `{' '.join(e['outcomes'])}` — holds for "
                      f"{e['holds_for']}{used}")
        if not c["expected_lines"]:
            md.append("- none found")
        md += ["", "Reproducer (`cc -Wall -o repro repro.c && ./repro`; exit 1 shows the difference):", "",
               "```c", c["reproducer"].rstrip("\n"), "```", ""]
    return "\n".join(md) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-o", "--output", default="splicecheck-report.md",
                   help="the Markdown report (its JSON twin: the same name ending .json)")
    p.add_argument("--json", help="a saved `splicecheck --format json` run instead of running it")
    p.add_argument("--splicecheck", default=str(ROOT / "build" / "splicecheck"), help="the harness binary")
    for opt in ("cases", "expected", "target", "kernel"):
        p.add_argument(f"--{opt}", action="append", help=f"passed to the harness and to repro (--{opt})")
    p.add_argument("harness_args", nargs="*", help="after --: more options for the run (filters, tags)")
    args = p.parse_args()
    if not os.access(args.splicecheck, os.X_OK):
        p.error(f"{args.splicecheck} is not an executable (run ninja, or pass --splicecheck)")
    r = build(args)
    out = pathlib.Path(args.output)
    for path, text in ((out, markdown(r)), (out.with_suffix(".json"), json.dumps(r, indent=2) + "\n")):
        try:
            path.write_text(text)
        except OSError as e:
            die(f"report.py: cannot write {path}: {e.strerror or e}")
    print(f"report.py: {len(r['failing'])} failing case(s); wrote {out} and {out.with_suffix('.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
