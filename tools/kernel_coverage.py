#!/usr/bin/python3
"""Kernel line and branch coverage of the suite, from a gcov kernel.

Builds (incrementally) the gcov flavour of tools/kernel_build.py, boots it
with the static harness through the kernel matrix (tools/matrix.py), and in
the guest: mounts debugfs and resets the gcov counters just before the
harness runs (so what the boot itself did is not counted), then after it
writes every .gcda file under /sys/kernel/debug/gcov, base64, to the result
channel (the second serial port) between marker lines. On the host the .gcda
files are put beside their .gcno files from the build directory, and lcov
(geninfo, gcov) and genhtml turn them into an lcov tracefile, an HTML report,
and a per-function table in the terminal.

The figure that matters is the line coverage of the functions of
fs/splice.c and fs/pipe.c that vmsplice/splice/tee can reach: which those
are, and why the others are out of scope, is ci/kernel/coverage-scope.

Stdlib only (plus Debian's lcov). Entry point: tools/kernel-coverage;
docs/kernel-coverage.md.
"""

import argparse
import base64
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kernel_build  # noqa: E402
import matrix  # noqa: E402

REPO = kernel_build.REPO
SCOPE_FILE = os.path.join(REPO, "ci", "kernel", "coverage-scope")
DEFAULT_OUT = os.path.join(REPO, "build", "kernel-coverage")
REPORT_FILES = ["fs/splice.c", "fs/pipe.c", "fs/read_write.c", "lib/iov_iter.c"]
TARGET_FILES = {"fs/splice.c": 95.0, "fs/pipe.c": 85.0}
GCOV_BEGIN = "@@SPLICECHECK-GCOV BEGIN"
GCOV_FILE = "@@SPLICECHECK-GCOV FILE "
GCOV_END = "@@SPLICECHECK-GCOV END"

# Runs before the harness: counters from the boot (init, busybox's pipes)
# are not the suite's.
GUEST_PRE = """#!/bin/sh
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
if [ -w /sys/kernel/debug/gcov/reset ]; then
  echo 1 > /sys/kernel/debug/gcov/reset && echo "splicecheck-gcov: counters reset"
else
  echo "splicecheck-gcov: no /sys/kernel/debug/gcov (kernel without CONFIG_GCOV_KERNEL?)"
fi
"""

# Runs after the harness, its stdout is the result channel. The files in
# debugfs report size 0, so they are read with cat, never copied by size.
GUEST_POST = """#!/bin/sh
echo "%(begin)s"
cd /sys/kernel/debug/gcov 2>/dev/null && find . -name '*.gcda' | while read f; do
  echo "%(file)s$f"
  cat "$f" | base64
done
echo "%(end)s"
""" % {"begin": GCOV_BEGIN, "file": GCOV_FILE, "end": GCOV_END}


class CoverageError(Exception):
    pass


def log(msg):
    sys.stderr.write("kernel-coverage: %s\n" % msg)
    sys.stderr.flush()


# ------------------------------------------------------------ guest data ----

def parse_gcda_stream(text):
    """The .gcda files in the guest's output: {guest path: bytes}. None when
    the begin mark never came (the harness or the guest died before)."""
    files, cur, chunks, inside = {}, None, [], False
    for line in text.splitlines():
        line = line.rstrip("\r")
        if line == GCOV_BEGIN:
            inside = True
            continue
        if not inside:
            continue
        if line.startswith(GCOV_FILE) or line == GCOV_END:
            if cur is not None:
                files[cur] = base64.b64decode("".join(chunks))
            cur, chunks = None, []
            if line == GCOV_END:
                return files
            cur = line[len(GCOV_FILE):].lstrip(".")
            continue
        if cur is not None:
            chunks.append(line.strip())
    if not inside:
        return None
    raise CoverageError("the gcov data was cut short (no end mark): the guest died "
                        "while writing it")


def place_gcda(files, build_dir, capture_dir):
    """Put each guest .gcda beside a copy of its .gcno, under capture_dir, at
    its path relative to the build dir. Returns the relative paths placed.
    Debugfs mirrors the build dir's absolute path; a kernel built in another
    place is matched by the longest suffix that has a .gcno here."""
    placed = []
    for guest_path, data in sorted(files.items()):
        rel = _relative_to_build(guest_path, build_dir)
        if rel is None:
            log("no .gcno for %s in %s; skipped" % (guest_path, build_dir))
            continue
        dst = os.path.join(capture_dir, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        with open(dst, "wb") as f:
            f.write(data)
        shutil.copyfile(os.path.join(build_dir, rel[:-5] + ".gcno"), dst[:-5] + ".gcno")
        placed.append(rel)
    return placed


def _relative_to_build(guest_path, build_dir):
    parts = guest_path.strip("/").split("/")
    for i in range(len(parts)):
        rel = "/".join(parts[i:])
        if os.path.isfile(os.path.join(build_dir, rel[:-5] + ".gcno")):
            return rel
    return None


# ------------------------------------------------------------------ lcov ----

def run_lcov(capture_dir, src, out_dir, branches=True):
    """geninfo over capture_dir, then genhtml. Returns the tracefile path."""
    info = os.path.join(out_dir, "kernel.info")
    rc = ["--rc", "lcov_branch_coverage=%d" % (1 if branches else 0)]
    cmd = ["lcov", "--quiet", "--capture", "--directory", capture_dir,
           "--base-directory", src, "--output-file", info] + rc
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True)
    if p.returncode != 0 or not os.path.isfile(info):
        raise CoverageError("lcov --capture failed:\n" + p.stdout[-3000:])
    html = os.path.join(out_dir, "html")
    p = subprocess.run(["genhtml", "--quiet", "--output-directory", html, "--prefix", os.path.realpath(src),
                        "--title", "splicecheck kernel coverage", info] + rc +
                       (["--branch-coverage"] if branches else []),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True)
    if p.returncode != 0:
        raise CoverageError("genhtml failed:\n" + p.stdout[-3000:])
    return info


def parse_info(path, src=None):
    """lcov tracefile -> {relative source path: {"lines": {n: hits},
    "functions": {name: (first line, hits)}, "branches": {line: [taken or None]}}}."""
    out, cur = {}, None
    prefixes = sorted({p.rstrip("/") + "/" for p in ([src, os.path.realpath(src)] if src
                                                      else [])}, key=len, reverse=True)
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("SF:"):
                name = line[3:]
                for pre in prefixes:
                    if name.startswith(pre):
                        name = name[len(pre):]
                        break
                cur = out.setdefault(name, {"lines": {}, "functions": {}, "branches": {}})
            elif cur is None:
                continue
            elif line.startswith("DA:"):
                n, hits = line[3:].split(",")[:2]
                cur["lines"][int(n)] = cur["lines"].get(int(n), 0) + int(hits)
            elif line.startswith("FN:"):
                n, name = line[3:].split(",", 1)
                old = cur["functions"].get(name, (int(n), 0))
                cur["functions"][name] = (int(n), old[1])
            elif line.startswith("FNDA:"):
                hits, name = line[5:].split(",", 1)
                first = cur["functions"].get(name, (0, 0))[0]
                cur["functions"][name] = (first, cur["functions"].get(name, (0, 0))[1]
                                          + int(hits))
            elif line.startswith("BRDA:"):
                n, _blk, _br, taken = line[5:].split(",")
                cur["branches"].setdefault(int(n), []).append(
                    None if taken == "-" else int(taken))
            elif line == "end_of_record":
                cur = None
    return out


def function_ranges(data):
    """{function: (first, last)} by source order: a function runs from its
    first line to the line before the next function's first line."""
    starts = sorted((first, name) for name, (first, _h) in data["functions"].items())
    ranges = {}
    for i, (first, name) in enumerate(starts):
        last = starts[i + 1][0] - 1 if i + 1 < len(starts) else 10 ** 9
        ranges[name] = (first, last)
    return ranges


def per_function(data):
    """Rows: (function, first line, calls, lines hit, lines, branches taken,
    branches, [unhit line numbers])."""
    rows = []
    ranges = function_ranges(data)
    for name, (first, last) in sorted(ranges.items(), key=lambda kv: kv[1][0]):
        lines = {n: h for n, h in data["lines"].items() if first <= n <= last}
        br = [t for n, ts in data["branches"].items() if first <= n <= last for t in ts]
        rows.append({"function": name, "line": first,
                     "calls": data["functions"][name][1],
                     "lines_hit": sum(1 for h in lines.values() if h > 0),
                     "lines": len(lines),
                     "branches_taken": sum(1 for t in br if t),
                     "branches": len(br),
                     "unhit": sorted(n for n, h in lines.items() if h == 0)})
    return rows


# ----------------------------------------------------------------- scope ----

def load_scope(path=SCOPE_FILE):
    """ci/kernel/coverage-scope, one entry a line:
      FILE FUNCTION out REASON          a function vmsplice/splice/tee cannot
                                        reach: reported, not counted
      FILE FUNCTION dead N[-M] REASON   lines of a counted function that user
                                        space cannot reach on this config (a
                                        fault injector, dead code): left out
                                        of the reachable lines
      FILE FUNCTION line N[-M] REASON   lines that are reachable but not yet
                                        reached (e.g. they need a second thread)
    Returns (out {(file, fn): reason}, lines {(file, n): (kind, reason)})."""
    out, lines = {}, {}
    if not os.path.isfile(path):
        return out, lines
    with open(path) as f:
        for no, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 3)
            if len(parts) < 4 or parts[2] not in ("out", "line", "dead"):
                raise CoverageError("%s:%d: want `FILE FUNCTION out REASON` or "
                                    "`FILE FUNCTION line|dead N[-M] REASON`" % (path, no))
            fname, fn, kind, rest = parts
            if kind == "out":
                out[(fname, fn)] = rest
            else:
                rng, _, reason = rest.partition(" ")
                m = re.match(r"^(\d+)(?:-(\d+))?$", rng)
                if not m or not reason.strip():
                    raise CoverageError("%s:%d: bad line range %r or no reason" % (path, no, rng))
                a, b = int(m.group(1)), int(m.group(2) or m.group(1))
                for n in range(a, b + 1):
                    lines[(fname, n)] = (kind, reason.strip())
    return out, lines


def summarize(info, scope_out, scope_lines, files=REPORT_FILES):
    """Per file: every function's row; for the files with a target, the
    figures over the counted functions (in_scope) and over their reachable
    lines (in_scope minus the `dead` ones), and the unreached lines nobody
    explained."""
    result = {}
    for fname in files:
        data = info.get(fname)
        if data is None:
            continue
        rows = per_function(data)
        hit = total = dead = 0
        unexplained = []
        scoped = fname in TARGET_FILES
        for r in rows:
            reason = scope_out.get((fname, r["function"])) if scoped else None
            r["scope"] = "out" if reason else "in"
            r["reason"] = reason
            if reason:
                continue
            hit += r["lines_hit"]
            total += r["lines"]
            r["explained"] = {n: scope_lines[(fname, n)] for n in r["unhit"]
                              if (fname, n) in scope_lines}
            dead += sum(1 for k, _ in r["explained"].values() if k == "dead")
            unexplained += [(r["function"], n) for n in r["unhit"]
                            if (fname, n) not in scope_lines]
        all_lines = data["lines"]
        reach = total - dead
        result[fname] = {
            "functions": rows,
            "in_scope_lines": total if scoped else None, "in_scope_hit": hit,
            "in_scope_percent": round(100.0 * hit / total, 1) if total and scoped else None,
            "reachable_lines": reach if scoped else None,
            "reachable_percent": round(100.0 * hit / reach, 1) if reach and scoped else None,
            "all_lines": len(all_lines),
            "all_hit": sum(1 for h in all_lines.values() if h > 0),
            "target_percent": TARGET_FILES.get(fname),
            "unexplained": unexplained if scoped else [],
        }
    return result


def pct(a, b):
    return "%5.1f%%" % (100.0 * a / b) if b else "    - "


def table(summary):
    """The terminal summary: a line per function, then the figures."""
    out = []
    for fname, s in summary.items():
        out.append("%s" % fname)
        out.append("  %-34s %6s %7s %13s %13s" % ("function", "line", "calls", "lines",
                                                 "branches"))
        for r in s["functions"]:
            mark = "" if r["scope"] == "in" else "  (out of scope)"
            out.append("  %-34s %6d %7d %4d/%-4d%s %4d/%-4d%s%s" % (
                r["function"][:34], r["line"], r["calls"], r["lines_hit"], r["lines"],
                pct(r["lines_hit"], r["lines"]), r["branches_taken"], r["branches"],
                pct(r["branches_taken"], r["branches"]), mark))
        out.append("  all functions: %d/%d lines (%s)" % (
            s["all_hit"], s["all_lines"], pct(s["all_hit"], s["all_lines"]).strip()))
        if s["in_scope_lines"]:
            tgt = s["target_percent"]
            out.append("  functions vmsplice/splice/tee reach: %d/%d lines (%s)" % (
                s["in_scope_hit"], s["in_scope_lines"],
                pct(s["in_scope_hit"], s["in_scope_lines"]).strip()))
            out.append("  their lines reachable from user space here: %d/%d (%s)%s" % (
                s["in_scope_hit"], s["reachable_lines"],
                pct(s["in_scope_hit"], s["reachable_lines"]).strip(),
                ", target %.0f%%" % tgt if tgt else ""))
        if s["unexplained"]:
            out.append("  unreached and not explained in ci/kernel/coverage-scope: " +
                       ", ".join("%s:%d" % (fn, n) for fn, n in s["unexplained"]))
        out.append("")
    return "\n".join(out)


# ------------------------------------------------------------------ runs ----

def boot_and_collect(bz, build_dir, version, harness, workdir, cases_filter=None,
                     timeout=900, accel="tcg", extra_args=()):
    """Boot the gcov kernel with the suite; return (run result, {guest path: bytes})."""
    kernel = {"label": "%s-gcov" % version, "version": version, "vmlinuz": bz}
    facts = matrix.harness_supports(harness, "--kernel-facts")
    args = matrix.harness_args(cases_filter, None, facts, list(extra_args))
    res = matrix.run_kernel(kernel, harness, args, workdir, timeout, accel, False,
                            matrix.cache_root(), log=lambda m: log(m),
                            hooks={"pre": GUEST_PRE, "post": GUEST_POST})
    with open(os.path.join(workdir, "serial1.log")) as f:
        files = parse_gcda_stream(f.read())
    if res.get("state") != "ok":
        raise CoverageError("the guest did not run the suite to its end (%s); see %s"
                            % (res.get("state"), workdir))
    if not files:
        raise CoverageError("no .gcda files came out of the guest (is the kernel built "
                            "with CONFIG_GCOV_KERNEL? see %s/console.log)" % workdir)
    return res, files


def main(argv=None):
    p = argparse.ArgumentParser(
        prog="tools/kernel-coverage",
        description="Line and branch coverage of fs/splice.c, fs/pipe.c, fs/read_write.c "
                    "and lib/iov_iter.c by the suite, from a gcov kernel under qemu.")
    p.add_argument("--source", default=kernel_build.DEFAULT_SOURCE, metavar="TREE|TARBALL")
    p.add_argument("--build-dir", metavar="DIR", help="gcov build dir (default: "
                   "tools/kernel-build's for the source)")
    p.add_argument("--no-build", action="store_true",
                   help="use the bzImage already in the build dir, do not run make")
    p.add_argument("--cases-filter", metavar="GLOB", help="only cases matching GLOB")
    p.add_argument("--files", metavar="LIST", default=",".join(REPORT_FILES),
                   help="comma-separated sources to report (default %(default)s)")
    p.add_argument("--out", default=DEFAULT_OUT, metavar="DIR",
                   help="kernel.info, html/, summary.json, summary.txt (default %(default)s)")
    p.add_argument("--harness", default=os.path.join(REPO, "build", "splicecheck-static"))
    p.add_argument("--timeout", type=float, default=900)
    p.add_argument("--accel", choices=("auto", "tcg", "kvm"), default="auto")
    p.add_argument("--no-branches", action="store_true", help="line coverage only")
    a = p.parse_args(sys.argv[1:] if argv is None else argv)
    start = time.monotonic()
    try:
        for t in ("lcov", "genhtml", "gcov", "qemu-system-x86_64"):
            if not shutil.which(t):
                raise CoverageError("%s is missing (apt-get install lcov qemu-system-x86)" % t)
        if not os.path.isfile(a.harness):
            raise CoverageError("%s is missing; run ninja first" % a.harness)
        src = kernel_build.prepare_source(a.source)
        build_dir = os.path.abspath(a.build_dir or kernel_build.default_build_dir(src, "gcov"))
        version = kernel_build.kernel_version(src)
        os.makedirs(a.out, exist_ok=True)
        # the lock keeps a mutant run from changing the kernel under us
        with kernel_build.locked(build_dir):
            if a.no_build:
                bz = os.path.join(build_dir, "arch", "x86", "boot", "bzImage")
                if not os.path.isfile(bz):
                    raise CoverageError("%s is missing (build it: tools/kernel-build)" % bz)
            else:
                bz = kernel_build.build(src, "gcov", build_dir)["bzimage"]
            res, files = boot_and_collect(bz, build_dir, version, a.harness,
                                          os.path.join(a.out, "guest"), a.cases_filter,
                                          a.timeout, a.accel)
            cap = tempfile.mkdtemp(prefix="gcda.", dir=a.out)
            try:
                placed = place_gcda(files, build_dir, cap)
                if not placed:
                    raise CoverageError("none of the guest's .gcda files match %s"
                                        % build_dir)
                info = run_lcov(cap, src, a.out, branches=not a.no_branches)
            finally:
                shutil.rmtree(cap, ignore_errors=True)
        scope_out, scope_lines = load_scope()
        files_wanted = [f.strip() for f in a.files.split(",") if f.strip()]
        summary = summarize(parse_info(info, src), scope_out, scope_lines, files_wanted)
    except (CoverageError, kernel_build.BuildError) as e:
        sys.stderr.write("tools/kernel-coverage: %s\n" % e)
        return 1
    s = res.get("summary") or {}
    meta = {"date": datetime.date.today().isoformat(), "kernel": version,
            "source": src, "build_dir": build_dir, "cases_filter": a.cases_filter,
            "suite": {k: s.get(k) for k in ("passed", "failed", "skipped", "broken")},
            "seconds": round(time.monotonic() - start, 1)}
    text = table(summary)
    head = ("kernel %s (gcov), %s; suite: %s passed, %s failed, %s skipped, %s broken%s\n\n"
            % (version, meta["date"], s.get("passed"), s.get("failed"), s.get("skipped"),
               s.get("broken"), "; cases %s" % a.cases_filter if a.cases_filter else ""))
    with open(os.path.join(a.out, "summary.txt"), "w") as f:
        f.write(head + text)
    with open(os.path.join(a.out, "summary.json"), "w") as f:
        json.dump({"meta": meta, "files": summary}, f, indent=1)
    sys.stdout.write(head + text)
    log("HTML: %s; %.0fs" % (os.path.join(a.out, "html", "index.html"),
                             time.monotonic() - start))
    return 0


if __name__ == "__main__":
    sys.exit(main())
