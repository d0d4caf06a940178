#!/usr/bin/python3
"""Kernel mutants: does the suite notice when the splice code is wrong?

Each kernel-mutants/*.patch is one small, realistic bug in the 6.1
splice/tee/vmsplice/pipe paths. For each: apply it to the kernel tree,
rebuild incrementally (tools/kernel_build.py, the gcov flavour's build dir
so that the mutants share the coverage kernel's objects), boot it with the
suite (tools/matrix.py) and compare every case with a baseline run on the
unmutated kernel. A mutant is KILLED when a case that passed on the
baseline fails or breaks, or the guest panics or hangs; it SURVIVES when the
suite's outcomes are those of the baseline. The tree is restored after each
mutant (and on the next run if a run was interrupted), and rebuilt once at
the end so the build dir holds the unmutated kernel again.

Stdlib only. Entry point: tools/kernel-mutants; docs/mutants.md.
"""

import argparse
import datetime
import fnmatch
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kernel_build  # noqa: E402
import matrix  # noqa: E402

REPO = kernel_build.REPO
MUTANT_DIR = os.path.join(REPO, "kernel-mutants")
DEFAULT_OUT = os.path.join(REPO, "build", "kernel-mutants")
FLAVOUR = "gcov"


class MutantError(Exception):
    pass


def log(msg):
    sys.stderr.write("kernel-mutants: %s\n" % msg)
    sys.stderr.flush()


# --------------------------------------------------------------- patches ----

def read_mutant(path):
    """{name, path, what, kind, history, files}: the header lines before the
    diff (Mutant:, Kind:, History:) and the files the diff touches."""
    with open(path) as f:
        text = f.read()
    head, _, _ = text.partition("\n--- ")
    meta = {}
    for line in head.splitlines():
        m = re.match(r"^(Mutant|Kind|History):\s*(.*)$", line)
        if m:
            meta[m.group(1).lower()] = m.group(2).strip()
    files = re.findall(r"^\+\+\+ b/(\S+)", text, re.M)
    if not files:
        raise MutantError("%s: no '+++ b/FILE' line: not a unified diff" % path)
    if "mutant" not in meta:
        raise MutantError("%s: no 'Mutant:' line saying what the bug is" % path)
    return {"name": os.path.basename(path)[:-len(".patch")], "path": path,
            "what": meta["mutant"], "kind": meta.get("kind", ""),
            "history": meta.get("history"), "files": sorted(set(files))}


def list_mutants(directory=MUTANT_DIR, only=None):
    names = sorted(f for f in os.listdir(directory) if f.endswith(".patch"))
    if only:
        pats = [p.strip() for p in only.split(",") if p.strip()]
        names = [n for n in names if any(fnmatch.fnmatch(n[:-6], p) or
                                         fnmatch.fnmatch(n, p) for p in pats)]
    return [read_mutant(os.path.join(directory, n)) for n in names]


class Tree:
    """The kernel tree being mutated. Before a patch is applied, the files it
    touches are saved under save_dir; restore() puts them back byte for byte
    (and is called at start-up, so an interrupted run leaves nothing behind)."""

    def __init__(self, src, save_dir):
        self.src = src
        self.save = save_dir

    def restore(self):
        if not os.path.isdir(self.save):
            return []
        back = []
        for root, _dirs, files in os.walk(self.save):
            for f in files:
                saved = os.path.join(root, f)
                rel = os.path.relpath(saved, self.save)
                shutil.copyfile(saved, os.path.join(self.src, rel))
                back.append(rel)
        shutil.rmtree(self.save)
        return back

    def apply(self, mutant):
        self.restore()
        p = subprocess.run(["patch", "-p1", "--dry-run", "--forward", "-s", "-i",
                            mutant["path"]], cwd=self.src, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, universal_newlines=True)
        if p.returncode != 0:
            raise MutantError("%s does not apply to %s:\n%s" % (
                mutant["name"], self.src, p.stdout.strip()))
        for rel in mutant["files"]:
            dst = os.path.join(self.save, rel)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copyfile(os.path.join(self.src, rel), dst)
        subprocess.run(["patch", "-p1", "--forward", "-s", "--no-backup-if-mismatch",
                        "-i", mutant["path"]], cwd=self.src, check=True)


# ----------------------------------------------------------------- verdict ----

def case_statuses(res):
    return {name: c.get("status") for name, c in (res.get("cases") or {}).items()}


def verdict(baseline, res, only=None):
    """("killed", [cases], why) or ("survived", [], ""). only: the run was
    limited to these cases."""
    if res.get("state") != "ok":
        return "killed", [], "guest %s" % res.get("state")
    base = case_statuses(baseline)
    now = case_statuses(res)
    failed = sorted(n for n, s in now.items()
                    if s in ("fail", "broken") and base.get(n) not in ("fail", "broken"))
    missing = sorted(n for n, s in base.items() if n not in now and (only is None or n in only))
    if failed:
        return "killed", failed, "%d case(s) failed" % len(failed)
    if missing:
        return "killed", missing, "%d case(s) did not run" % len(missing)
    return "survived", [], ""


# The harness's watchdog ends a call that looks asleep after --timeout when
# /proc cannot tell; a TCG guest on a loaded host can be that slow in a call
# that does not block. A longer timeout, and a second run of the cases that
# failed (confirm()), keep load out of the verdicts.
HARNESS_ARGS = ["--timeout=1000"]


def boot_suite(bz, label, version, harness, workdir, timeout, accel, cases_filter=None,
               only_cases=()):
    kernel = {"label": label, "version": version, "vmlinuz": bz}
    facts = matrix.harness_supports(harness, "--kernel-facts")
    extra = list(HARNESS_ARGS)
    for c in only_cases:
        extra += ["--filter", c]
    args = matrix.harness_args(None if only_cases else cases_filter, None, facts, extra)
    return matrix.run_kernel(kernel, harness, args, workdir, timeout, accel, False,
                             matrix.cache_root(), log=lambda m: None)


def confirm(first, second):
    """The cases of a first "killed" verdict that failed again in a second
    boot of the same mutant (second: that boot, run with only those cases).
    A case that failed once and passed the second time was load, not the
    mutant: it is returned in the second list, unconfirmed."""
    if second.get("state") != "ok":
        return list(first), []  # the second boot hung or died on them: confirmed
    now = case_statuses(second)
    again = [c for c in first if now.get(c) in ("fail", "broken") or c not in now]
    return again, [c for c in first if c not in again]


# ------------------------------------------------------------------ resume ----

def suite_key(harness, version, cases_filter):
    """What a saved verdict depends on: the harness binary (its cases are
    built in), the kernel version and the case filter. --resume reuses the
    baseline and the verdicts saved under the same key, and only those."""
    h = hashlib.sha256()
    with open(harness, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return {"harness_sha256": h.hexdigest(), "kernel": version,
            "cases_filter": cases_filter or ""}


def load_saved(out, key):
    """(baseline, {name: row}) saved by an earlier run under the same key
    (baseline None when there is none)."""
    try:
        with open(os.path.join(out, "results.json")) as f:
            saved = json.load(f)
    except (OSError, ValueError):
        return None, {}
    if saved.get("key") != key:
        return None, {}
    base = saved.get("baseline_cases")
    baseline = ({"state": "ok", "summary": saved.get("baseline"),
                 "cases": {n: {"status": st} for n, st in base.items()}}
                if base is not None else None)
    return baseline, {r["name"]: r for r in saved.get("mutants") or []
                      if r.get("verdict") in ("killed", "survived", "build failed")}


# ------------------------------------------------------------------- report ----

def report_markdown(meta, baseline, rows):
    killed = [r for r in rows if r["verdict"] == "killed"]
    scored = [r for r in rows if r["verdict"] in ("killed", "survived")]
    score = 100.0 * len(killed) / len(scored) if scored else 0.0
    s = baseline.get("summary") or {}
    out = ["# Kernel mutants", "",
           "%s, kernel %s (%s), %d mutants: **%d killed, %d survived, %d not built** "
           "— mutation score %.0f%%." % (
               meta["date"], meta["kernel"], meta["source"], len(rows), len(killed),
               sum(1 for r in rows if r["verdict"] == "survived"),
               sum(1 for r in rows if r["verdict"] == "build failed"), score), "",
           "Baseline (unmutated): %s passed, %s failed, %s skipped, %s broken." % (
               s.get("passed"), s.get("failed"), s.get("skipped"), s.get("broken")),
           "Reproduce: `%s` (%.0f min)." % (meta["command"], meta["seconds"] / 60.0), "",
           "| mutant | kind | verdict | cases that failed |", "|---|---|---|---|"]
    for r in rows:
        cases = ", ".join(r["cases"][:6]) + (" (+%d)" % (len(r["cases"]) - 6)
                                             if len(r["cases"]) > 6 else "")
        if r.get("unconfirmed"):  # failed on the first boot only: not counted
            cases += "%s(failed once, passed again: %s)" % (
                " " if cases else "", ", ".join(r["unconfirmed"]))
        out.append("| %s | %s | %s%s | %s |" % (
            r["name"], r["kind"], r["verdict"], " (%s)" % r["why"] if r["why"] and
            not r["cases"] else "", cases))
    return "\n".join(out) + "\n"


def main(argv=None):
    p = argparse.ArgumentParser(
        prog="tools/kernel-mutants",
        description="Apply each kernel-mutants/*.patch to the kernel tree, rebuild "
                    "incrementally, boot it with the suite, report killed/survived.")
    p.add_argument("--source", default=kernel_build.DEFAULT_SOURCE, metavar="TREE|TARBALL")
    p.add_argument("--build-dir", metavar="DIR")
    p.add_argument("--mutants", default=MUTANT_DIR, metavar="DIR")
    p.add_argument("--only", metavar="GLOBS", help="comma-separated mutant names or globs")
    p.add_argument("--cases-filter", metavar="GLOB",
                   help="run only these cases (baseline and mutants)")
    p.add_argument("--out", default=DEFAULT_OUT, metavar="DIR",
                   help="report.md, results.json, per-mutant logs (default %(default)s)")
    p.add_argument("--harness", default=os.path.join(REPO, "build", "splicecheck-static"))
    p.add_argument("--timeout", type=float, default=600,
                   help="seconds one boot may take; a mutant that hangs past it is killed")
    p.add_argument("--accel", choices=("auto", "tcg", "kvm"), default="auto")
    p.add_argument("--no-final-rebuild", action="store_true",
                   help="leave the last mutant's objects in the build dir")
    p.add_argument("--resume", action="store_true",
                   help="keep the baseline and the verdicts already in --out's results.json "
                        "(same harness binary, kernel and --cases-filter) and run only the "
                        "mutants it has no verdict for; an interrupted run loses at most "
                        "the mutant it was on")
    a = p.parse_args(sys.argv[1:] if argv is None else argv)
    start = time.monotonic()
    try:
        if not os.path.isfile(a.harness):
            raise MutantError("%s is missing; run ninja first" % a.harness)
        mutants = list_mutants(a.mutants, a.only)
        if not mutants:
            raise MutantError("no mutant matches %r in %s" % (a.only, a.mutants))
        src = kernel_build.prepare_source(a.source)
        build_dir = os.path.abspath(a.build_dir or kernel_build.default_build_dir(src, FLAVOUR))
        version = kernel_build.kernel_version(src)
        os.makedirs(a.out, exist_ok=True)
        key = suite_key(a.harness, version, a.cases_filter)
        with kernel_build.locked(build_dir):
            return _run_all(a, mutants, src, build_dir, version, start, key)
    except (MutantError, kernel_build.BuildError) as e:
        sys.stderr.write("tools/kernel-mutants: %s\n" % e)
        return 1


def _run_all(a, mutants, src, build_dir, version, start, key):
    tree = Tree(src, os.path.join(build_dir, ".splicecheck-mutant-saved"))
    back = tree.restore()
    if back:
        log("restored %s from an interrupted run" % ", ".join(back))
    baseline, done = load_saved(a.out, key) if a.resume else (None, {})
    if done:
        log("resume: %d verdict(s) kept from %s" % (len(done), a.out))
    if baseline is None:
        log("baseline: building the unmutated kernel")
        bz = kernel_build.build(src, FLAVOUR, build_dir, quiet=True)["bzimage"]
        baseline = boot_suite(bz, version, version, a.harness, os.path.join(a.out, "baseline"),
                              a.timeout, a.accel, a.cases_filter)
        if baseline.get("state") != "ok":
            raise MutantError("the unmutated kernel did not run the suite (%s); see %s"
                              % (baseline.get("state"), os.path.join(a.out, "baseline")))
        done = {}  # verdicts against another baseline do not mix with this one
    bs = baseline.get("summary") or {}
    log("baseline: %s passed, %s failed, %s skipped, %s broken" % (
        bs.get("passed"), bs.get("failed"), bs.get("skipped"), bs.get("broken")))
    rows = dict(done)
    todo = [m for m in mutants if m["name"] not in done]
    for i, m in enumerate(todo, 1):
        t0 = time.monotonic()
        row = {"name": m["name"], "kind": m["kind"], "what": m["what"],
               "history": m["history"], "files": m["files"], "cases": [], "why": "",
               "unconfirmed": []}
        try:
            tree.apply(m)
            try:
                bz = kernel_build.build(src, FLAVOUR, build_dir, quiet=True)["bzimage"]
            except kernel_build.BuildError as e:
                row.update(verdict="build failed", why=str(e).splitlines()[0])
            else:
                wd = os.path.join(a.out, "mutants", m["name"])
                res = boot_suite(bz, m["name"], version, a.harness, wd,
                                 a.timeout, a.accel, a.cases_filter)
                v, cases, why = verdict(baseline, res)
                if v == "killed" and cases:
                    again = boot_suite(bz, m["name"], version, a.harness,
                                       os.path.join(wd, "confirm"), a.timeout, a.accel,
                                       only_cases=cases)
                    cases, unconfirmed = confirm(cases, again)
                    row["unconfirmed"] = unconfirmed
                    if not cases:
                        v, why = "survived", "failed once, passed when run again"
                    else:
                        why = "%d case(s) failed twice" % len(cases)
                row.update(verdict=v, cases=cases, why=why, state=res.get("state"))
        finally:
            tree.restore()
        row["seconds"] = round(time.monotonic() - t0, 1)
        row["date"] = datetime.datetime.now().isoformat(timespec="minutes")
        rows[m["name"]] = row
        log("[%d/%d] %s: %s%s (%.0fs)" % (i, len(todo), m["name"], row["verdict"],
            (" — " + ", ".join(row["cases"][:4]) + ("…" if len(row["cases"]) > 4 else ""))
            if row["cases"] else (" — " + row["why"] if row["why"] else ""),
            row["seconds"]))
        _write(a, src, version, baseline, rows, start, key)
    if not a.no_final_rebuild:
        log("rebuilding the unmutated kernel")
        kernel_build.build(src, FLAVOUR, build_dir, quiet=True)
    md = _write(a, src, version, baseline, rows, start, key)
    sys.stdout.write(md)
    return 0 if all(r["verdict"] == "killed" for r in rows.values()) else 1


def _write(a, src, version, baseline, rows, start, key):
    # the mutants in the report, which a resumed run took from several runs
    everything = sorted(f[:-len(".patch")] for f in os.listdir(a.mutants)
                        if f.endswith(".patch"))
    only = "" if sorted(rows) == everything else ",".join(sorted(rows))
    cmd = "tools/kernel-mutants" + ("" if a.source == kernel_build.DEFAULT_SOURCE else
                                    " --source %s" % a.source) + (
        " --only '%s'" % only if only else "") + (
        " --cases-filter '%s'" % a.cases_filter if a.cases_filter else "")
    ordered = [rows[n] for n in sorted(rows)]
    # time spent on the mutants themselves, this run and the resumed ones
    meta = {"date": datetime.date.today().isoformat(), "kernel": version,
            "source": a.source, "command": cmd,
            "seconds": round(max(time.monotonic() - start,
                                 sum(r.get("seconds", 0) for r in ordered)), 1)}
    md = report_markdown(meta, baseline, ordered)
    with open(os.path.join(a.out, "report.md"), "w") as f:
        f.write(md)
    tmp = os.path.join(a.out, "results.json.tmp")
    with open(tmp, "w") as f:
        json.dump({"meta": meta, "key": key, "baseline": baseline.get("summary"),
                   "baseline_cases": case_statuses(baseline), "mutants": ordered},
                  f, indent=1)
    os.replace(tmp, os.path.join(a.out, "results.json"))
    return md


if __name__ == "__main__":
    sys.exit(main())
