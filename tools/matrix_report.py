#!/usr/bin/python3
"""Kernel-matrix results: parse the harness's JSON lines, render the matrix.

parse_output(text) turns what the guest wrote on its second serial port (or
what the host harness printed) into a dict; markdown(matrix) and html(matrix)
render a matrix dict:

    {"host": result-or-None, "kernels": [result, ...], "wall_seconds": float}

where a result is {"label", "version", "state", "seconds", "harness_exit",
"cases": {name: case}, "summary": {...}, ...}. state is "ok" when the
harness ran to its end, else what went wrong: "panicked", "hung",
"no output", "died", "not fetched", "error".

Can also be run on a results.json written by tools/matrix.py:
    tools/matrix_report.py build/kernel-matrix/results.json [--html OUT]
"""

import html as _html
import json
import os
import sys

BEGIN_MARK = "@@SPLICECHECK-MATRIX BEGIN"
EXIT_MARK = "@@SPLICECHECK-MATRIX EXIT "
REPRO_MARK = "@@SPLICECHECK-MATRIX REPRO "
BLESS_BEGIN = "@@SPLICECHECK-MATRIX BLESS BEGIN"
BLESS_END = "@@SPLICECHECK-MATRIX BLESS END"


def parse_output(text):
    """Parse harness JSON lines (with the guest's marker lines, if any).

    Returns {"cases": {name: {...,"steps": [...]}}, "order": [names],
    "summary": dict or None, "facts": [other JSON objects], "noise": [lines
    that were not JSON], "bless": text or None, "booted_kernel": str}."""
    cases, order, facts, noise, repro = {}, [], [], [], {}
    summary, bless, in_bless, booted = None, None, False, None
    bless_lines = []
    for raw in text.splitlines():
        line = raw.rstrip("\r")
        if in_bless:
            if line == BLESS_END:
                in_bless = False
                bless = "\n".join(bless_lines) + ("\n" if bless_lines else "")
            else:
                bless_lines.append(line)
            continue
        if line == BLESS_BEGIN:
            in_bless = True
            continue
        if line.startswith(BEGIN_MARK):
            booted = line[len(BEGIN_MARK):].strip() or None
            continue
        if line.startswith(REPRO_MARK):
            # a reproducer run in the guest: "NAME EXIT-STATUS"
            parts = line[len(REPRO_MARK):].split()
            if len(parts) == 2 and parts[1].lstrip("-").isdigit():
                repro[parts[0]] = int(parts[1])
            continue
        if line.startswith(EXIT_MARK) or not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            # A line cut short by a crash, or stray text: keep it to show.
            start = line.find("{")
            obj = None
            if start > 0:
                try:
                    obj = json.loads(line[start:])
                except ValueError:
                    obj = None
            if obj is None:
                noise.append(line)
                continue
        if not isinstance(obj, dict):
            noise.append(line)
            continue
        kind = obj.get("type")
        if kind == "step":
            name = obj.get("case")
            c = cases.setdefault(name, {"steps": []})
            if name not in order:
                order.append(name)
            c["steps"].append(obj)
        elif kind == "case":
            name = obj.get("case")
            c = cases.setdefault(name, {"steps": []})
            if name not in order:
                order.append(name)
            for k in ("status", "reason", "outcomes", "expected"):
                if k in obj:
                    c[k] = obj[k]
        elif kind == "summary":
            summary = obj
        else:
            facts.append(obj)
    if in_bless:  # output cut inside the bless block
        bless = "\n".join(bless_lines) + ("\n" if bless_lines else "")
    for c in cases.values():
        if "status" not in c:
            # steps seen but no case line: the run stopped inside this case
            c["status"] = "incomplete"
            c["outcomes"] = [s.get("outcome", "?") for s in c["steps"]]
    return {"cases": cases, "order": order, "summary": summary, "facts": facts,
            "noise": noise, "bless": bless, "booted_kernel": booted, "repro": repro}


def repro_text(r):
    """The guest's reproducers: "2/2 agree", or which differed (exit 1) or
    could not run; "" when none ran."""
    rp = r.get("repro") or {}
    if not rp:
        return ""
    bad = ["%s (exit %d)" % (n, rc) for n, rc in sorted(rp.items()) if rc != 0]
    return "%d/%d agree%s" % (len(rp) - len(bad), len(rp), "; " + ", ".join(bad) if bad else "")


def outcome_text(case):
    """How a case's outcome is shown in a cell: its outcomes joined by a
    space, or skip/broken with no outcome."""
    st = case.get("status")
    if st in ("skip", "broken"):
        return st
    outs = case.get("outcomes")
    if outs is None:
        outs = [s.get("outcome", "?") for s in case.get("steps", [])]
    return " ".join(str(o) for o in outs) if outs else "(no steps)"


def columns(matrix):
    cols = []
    if matrix.get("host"):
        cols.append(matrix["host"])
    cols.extend(matrix.get("kernels", []))
    return cols


def column_title(r):
    v = r.get("version")
    if r.get("label") == "host":
        return "host %s" % v if v else "host"
    if v and v != r.get("label"):
        return "%s (%s)" % (r.get("label"), v)
    return str(r.get("label"))


def has_cases(r):
    return r.get("state") in ("ok", "hung", "panicked", "died") and bool(r.get("cases"))


def rows(matrix):
    """[(case, [case-or-None per column], differs, failing)] in first-seen order.

    differs: the outcome is not the same on every column that ran the case.
    failing: some column's status is fail/broken/incomplete."""
    cols = columns(matrix)
    names = []
    seen = set()
    for r in cols:
        for n in r.get("order") or sorted(r.get("cases", {})):
            if n not in seen:
                seen.add(n)
                names.append(n)
    out = []
    for n in names:
        cells = [(r.get("cases") or {}).get(n) for r in cols]
        texts = {outcome_text(c) for c in cells if c is not None}
        differs = len(texts) > 1 or (
            any(c is None for c, r in zip(cells, cols) if r.get("state") == "ok")
            and any(c is not None for c in cells))
        failing = any(c is not None and c.get("status") in ("fail", "broken", "incomplete")
                      for c in cells)
        out.append((n, cells, differs, failing))
    return out


def state_text(r):
    st = r.get("state")
    if st == "ok":
        ex = r.get("harness_exit")
        return "ran" if ex in (0, 1) else "ran, harness exit %s" % ex
    return st or "?"


def summary_rows(matrix):
    out = []
    for r in columns(matrix):
        s = r.get("summary") or {}
        cases = r.get("cases") or {}
        count = lambda st: s.get(st if st != "skip" else "skipped")  # noqa: E731
        def n(key, status):
            if key in s:
                return s[key]
            return sum(1 for c in cases.values() if c.get("status") == status) if cases else None
        out.append({
            "title": column_title(r), "label": r.get("label"),
            "kernel": s.get("kernel") or r.get("booted_kernel") or r.get("version") or "",
            "state": state_text(r), "ok": r.get("state") == "ok",
            "seconds": r.get("seconds"),
            "accel": r.get("accel") and r["accel"] + (", %d CPUs" % r["cpus"] if (r.get("cpus") or 1) > 1 else ""),
            "passed": n("passed", "pass"), "failed": n("failed", "fail"),
            "skipped": n("skipped", "skip"), "broken": n("broken", "broken"),
            "exit": r.get("harness_exit"), "reason": r.get("reason"),
            "package": r.get("package"), "platform": platform_text(r),
        })
        del count
    return out


def platform_text(r):
    """What the harness ran as there: "aarch64, 4 KiB, 64-bit" from its
    summary (arch, page_size, abi), else the --arch it was booted for."""
    s = r.get("summary") or {}
    if s.get("arch"):
        page = s.get("page_size")
        ptext = ("%d KiB" % (page // 1024)) if isinstance(page, int) and page % 1024 == 0 else _fmt(page)
        return "%s, %s, %s-bit" % (s["arch"], ptext, _fmt(s.get("abi")))
    return r.get("arch") or ""


def _fmt(v):
    return "" if v is None else str(v)


def _md_cell(text):
    return text.replace("|", "\\|").replace("\n", " ")


def cell_text(c, missing_ok):
    if c is None:
        return "not run" if missing_ok else "–"
    t = outcome_text(c)
    st = c.get("status")
    if st == "fail":
        exp = " ".join(str(x) for x in c.get("expected") or [])
        return "✗ %s (expected %s)" % (t, exp) if exp else "✗ %s" % t
    if st == "broken":
        return "broken: %s" % (c.get("reason") or "")
    if st == "skip":
        return "skip: %s" % (c.get("reason") or "") if c.get("reason") else "skip"
    if st == "incomplete":
        return "⚠ %s (stopped here)" % t
    return t


def markdown(matrix, only_differences=False):
    cols = columns(matrix)
    L = ["# splicecheck kernel matrix", ""]
    L.append("| column | kernel | arch, page, word | state | seconds | passed | failed | skipped | broken |")
    L.append("|---|---|---|---|---:|---:|---:|---:|---:|")
    for s in summary_rows(matrix):
        state = s["state"] + (" (%s)" % s["accel"] if s.get("accel") else "")
        if s.get("reason"):
            state += ": " + s["reason"]
        L.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % tuple(_md_cell(_fmt(x)) for x in (
            s["title"], s["kernel"], s["platform"], state, s["seconds"], s["passed"], s["failed"],
            s["skipped"], s["broken"])))
    if matrix.get("wall_seconds") is not None:
        L += ["", "Wall time %.1f s with %s parallel boot(s)." % (
            matrix["wall_seconds"], matrix.get("jobs", 1))]
    if matrix.get("measurements"):
        L += ["", "Measured on our own kernels (docs/kernel-coverage.md, docs/mutants.md):", ""]
        L += ["- " + m for m in matrix["measurements"]]
    rp = [(column_title(r), repro_text(r)) for r in matrix.get("kernels") or [] if repro_text(r)]
    if rp:
        L += ["", "Reproducers (`splicecheck repro`, built for each column's architecture, "
                  "run in its guest): " + "; ".join("%s %s" % x for x in rp) + "."]
    rs = rows(matrix)
    ndiff = sum(1 for r in rs if r[2])
    nfail = sum(1 for r in rs if r[3])
    L += ["", "%d cases; %d differ between columns (marked ≠), %d fail somewhere (marked ✗)."
          % (len(rs), ndiff, nfail), ""]
    if not rs:
        L.append("No case results.")
    else:
        shown = [r for r in rs if r[2] or r[3]] if only_differences else rs
        if only_differences and not shown:
            L.append("Every case has the same outcome everywhere.")
        elif shown:
            L.append("| | case | " + " | ".join(_md_cell(column_title(c)) for c in cols) + " |")
            L.append("|---|---|" + "---|" * len(cols))
            for name, cells, differs, failing in shown:
                mark = ("≠" if differs else "") + ("✗" if failing else "")
                texts = []
                for c, r in zip(cells, cols):
                    t = _md_cell(cell_text(c, r.get("state") == "ok"))
                    texts.append("**%s**" % t if differs and c is not None else t)
                L.append("| %s | %s | %s |" % (mark, _md_cell(str(name)), " | ".join(texts)))
            if only_differences and len(shown) < len(rs):
                L += ["", "%d cases with the same outcome everywhere are in report.md / "
                      "report.html." % (len(rs) - len(shown))]
    bad = [r for r in matrix.get("kernels", []) if r.get("state") not in ("ok", None)]
    for r in bad:
        tail = r.get("console_tail")
        if tail:
            L += ["", "<details><summary>%s: %s — last console lines</summary>" % (
                column_title(r), r.get("state")), "", "```", tail, "```", "</details>"]
    return "\n".join(L) + "\n"


CSS = """
body{font:14px/1.4 system-ui,-apple-system,Segoe UI,sans-serif;margin:1.5em;color:#1d2330;background:#fafbfc}
h1{font-size:1.4em;margin:0 0 .6em}
.cards{display:flex;flex-wrap:wrap;gap:.8em;margin-bottom:1.2em}
.card{background:#fff;border:1px solid #d8dde5;border-left:6px solid #2e9e5b;border-radius:6px;padding:.6em .9em;min-width:11em}
.card.bad{border-left-color:#d0342c}.card.warn{border-left-color:#e0a100}
.card h2{font-size:1em;margin:0 0 .2em}.card .st{font-weight:600}
.card .n span{display:inline-block;margin-right:.6em}
.pass{color:#2e7d4f}.fail{color:#c62828}.skip{color:#6b7280}.broken{color:#b45309}
.controls{margin:.6em 0;display:flex;gap:1.2em;align-items:center;flex-wrap:wrap}
input[type=search]{padding:.35em .6em;width:22em;border:1px solid #b9c0cc;border-radius:4px}
table{border-collapse:collapse;background:#fff;font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12.5px}
th,td{border:1px solid #e1e5eb;padding:.25em .5em;text-align:left;vertical-align:top}
thead th{position:sticky;top:0;background:#eef1f5;z-index:1;font-family:system-ui,sans-serif}
tr.diff td{background:#fff6d6}tr.diff td.name{border-left:4px solid #e0a100}
td.c-fail{background:#fde2e0!important;color:#8e1b14}
td.c-skip{color:#6b7280}td.c-broken{background:#fdecd8!important;color:#8a4b08}
td.c-incomplete{background:#fde2e0!important}
td.c-none{color:#9aa3af}
.legend span{padding:0 .4em;margin-right:.5em;border-radius:3px}
details{margin:.6em 0}pre{background:#11151c;color:#d6deeb;padding:.8em;overflow:auto;max-height:28em;font-size:12px}
.muted{color:#6b7280}
"""

JS = """
(function(){
var q=document.getElementById('q'),d=document.getElementById('onlydiff'),f=document.getElementById('onlyfail');
var rows=[].slice.call(document.querySelectorAll('#m tbody tr')),n=document.getElementById('shown');
function go(){var t=q.value.toLowerCase(),k=0;rows.forEach(function(r){
var ok=(!t||r.textContent.toLowerCase().indexOf(t)>=0)&&(!d.checked||r.classList.contains('diff'))&&(!f.checked||r.classList.contains('failing'));
r.style.display=ok?'':'none';if(ok)k++;});n.textContent=k;}
q.addEventListener('input',go);d.addEventListener('change',go);f.addEventListener('change',go);go();
})();
"""


def _e(s):
    return _html.escape(_fmt(s), quote=True)


def html(matrix):
    cols = columns(matrix)
    rs = rows(matrix)
    out = ["<!DOCTYPE html><html lang=en><head><meta charset=utf-8>",
           "<meta name=viewport content='width=device-width,initial-scale=1'>",
           "<title>splicecheck kernel matrix</title><style>%s</style></head><body>" % CSS,
           "<h1>splicecheck kernel matrix</h1><div class=cards>"]
    for s in summary_rows(matrix):
        klass = "card"
        if not s["ok"]:
            klass += " bad"
        elif s["failed"] or s["broken"]:
            klass += " warn"
        secs = "%.1f s" % s["seconds"] if isinstance(s["seconds"], (int, float)) else ""
        out.append("<div class='%s'><h2>%s</h2><div class=muted>%s</div>"
                   "<div><span class=st>%s</span> %s %s</div>" % (
                       klass, _e(s["title"]), _e(" · ".join(x for x in (
                           s["kernel"] or s.get("package") or "", s["platform"]) if x)),
                       _e(s["state"]), _e(secs),
                       "<span class=muted>%s</span>" % _e(s["accel"]) if s.get("accel") else ""))
        if s.get("reason"):
            out.append("<div class=muted>%s</div>" % _e(s["reason"]))
        if s["ok"] or s["passed"] is not None:
            out.append("<div class=n><span class=pass>%s pass</span><span class=fail>%s fail"
                       "</span><span class=skip>%s skip</span><span class=broken>%s broken"
                       "</span></div>" % tuple(_e(s[k] if s[k] is not None else 0) for k in (
                           "passed", "failed", "skipped", "broken")))
        out.append("</div>")
    out.append("</div>")
    ndiff = sum(1 for r in rs if r[2])
    nfail = sum(1 for r in rs if r[3])
    wall = matrix.get("wall_seconds")
    out.append("<p>%d cases, <b>%d differ</b> between columns, <b>%d fail</b> somewhere.%s</p>" % (
        len(rs), ndiff, nfail,
        " Wall time %.1f s, %s parallel boot(s)." % (wall, _e(matrix.get("jobs", 1)))
        if wall is not None else ""))
    if matrix.get("measurements"):
        out.append("<p>Measured on our own kernels (docs/kernel-coverage.md, "
                   "docs/mutants.md):</p><ul>%s</ul>" % "".join(
                       "<li>%s</li>" % _e(m) for m in matrix["measurements"]))
    out.append("<div class=controls><input id=q type=search placeholder='filter cases or "
               "outcomes…' aria-label=filter><label><input id=onlydiff type=checkbox%s> only "
               "differing</label><label><input id=onlyfail type=checkbox> only failing</label>"
               "<span class=muted><span id=shown>%d</span> shown</span>"
               "<span class=legend><span style='background:#fff6d6'>differs</span>"
               "<span style='background:#fde2e0'>fails</span><span style='background:#fdecd8'>"
               "broken</span></span></div>" % (" checked" if ndiff > 200 else "", len(rs)))
    out.append("<table id=m><thead><tr><th>case</th>%s</tr></thead><tbody>" % "".join(
        "<th>%s</th>" % _e(column_title(c)) for c in cols))
    for name, cells, differs, failing in rs:
        klass = " ".join(k for k, on in (("diff", differs), ("failing", failing)) if on)
        tds = ["<td class=name>%s</td>" % _e(name)]
        for c, r in zip(cells, cols):
            if c is None:
                tds.append("<td class=c-none>%s</td>" % ("not run" if r.get("state") == "ok"
                                                         else "–"))
                continue
            st = c.get("status") or ""
            tip = []
            if c.get("expected") is not None:
                tip.append("expected: " + " ".join(str(x) for x in c["expected"]))
            if c.get("reason"):
                tip.append("reason: " + str(c["reason"]))
            for s in c.get("steps", []):
                tip.append("%s %s → %s%s" % (s.get("step", ""), s.get("call", ""),
                                             s.get("outcome", ""),
                                             "" if s.get("status") != "fail" else
                                             " (expected %s)" % s.get("expected")))
            tds.append("<td class='c-%s' title='%s'>%s</td>" % (
                _e(st), _e("\n".join(tip)), _e(cell_text(c, True))))
        out.append("<tr class='%s'>%s</tr>" % (klass, "".join(tds)))
    out.append("</tbody></table>")
    for r in cols:
        extra = []
        if r.get("facts"):
            extra.append("<p>kernel facts</p><pre>%s</pre>" % _e("\n".join(
                json.dumps(x, sort_keys=True) for x in r["facts"])))
        if r.get("noise"):
            extra.append("<p>lines that were not JSON</p><pre>%s</pre>" % _e(
                "\n".join(r["noise"][-50:])))
        if r.get("console_tail") and r.get("state") != "ok":
            extra.append("<p>last console lines</p><pre>%s</pre>" % _e(r["console_tail"]))
        if r.get("qemu_stderr") and r.get("state") != "ok":
            extra.append("<p>qemu said</p><pre>%s</pre>" % _e(r["qemu_stderr"]))
        if extra:
            out.append("<details%s><summary>%s — %s</summary>%s</details>" % (
                "" if r.get("state") == "ok" else " open", _e(column_title(r)),
                _e(state_text(r)), "".join(extra)))
    out.append("<script>%s</script></body></html>" % JS)
    return "\n".join(out) + "\n"


def measurements(repo, versions):
    """Lines for the report on kernels we measured ourselves: the gcov line
    coverage (tools/kernel-coverage) and the mutation score
    (tools/kernel-mutants) last written under build/, for those of
    `versions` (the --vmlinuz kernels' versions) they were measured on."""
    out = []
    def load(rel):
        try:
            with open(os.path.join(repo, "build", rel)) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None
    cov = load("kernel-coverage/summary.json")
    if cov and cov.get("meta", {}).get("kernel") in versions:
        m = cov["meta"]
        for fname, s in sorted(cov.get("files", {}).items()):
            if s.get("reachable_lines") and fname in ("fs/splice.c", "fs/pipe.c"):
                out.append("%s %s: the suite runs %s%% of the lines vmsplice/splice/tee "
                           "can reach from user space (%d/%d; %s%% of all lines of the "
                           "functions they reach) — %s, `tools/kernel-coverage`%s" % (
                               m["kernel"], fname, s["reachable_percent"], s["in_scope_hit"],
                               s["reachable_lines"], s["in_scope_percent"], m["date"],
                               " --cases-filter '%s'" % m["cases_filter"]
                               if m.get("cases_filter") else ""))
    mut = load("kernel-mutants/results.json")
    if mut and mut.get("meta", {}).get("kernel") in versions:
        m, rows = mut["meta"], mut.get("mutants", [])
        killed = sum(1 for r in rows if r.get("verdict") == "killed")
        scored = sum(1 for r in rows if r.get("verdict") in ("killed", "survived"))
        if scored:
            out.append("%s mutation score: %d of %d mutants killed (%.0f%%) — %s, `%s` "
                       "(survivors: docs/mutants.md)" % (m["kernel"], killed, scored,
                                                         100.0 * killed / scored, m["date"],
                                                         m["command"]))
    return out


def strip_for_json(matrix):
    """The matrix without bulky logs, for results.json."""
    def slim(r):
        if r is None:
            return None
        return {k: v for k, v in r.items() if k not in ("console", "output")}
    m = dict(matrix)
    m["host"] = slim(matrix.get("host"))
    m["kernels"] = [slim(r) for r in matrix.get("kernels", [])]
    return m


def main(argv):
    if not argv or argv[0] in ("-h", "--help") or len(argv) not in (1, 3) or (
            len(argv) == 3 and argv[1] != "--html"):
        sys.stderr.write("usage: matrix_report.py RESULTS.json [--html OUT.html]\n")
        return 2
    try:
        with open(argv[0]) as f:
            m = json.load(f)
    except (OSError, ValueError) as e:
        sys.stderr.write("matrix_report.py: %s\n" % e)
        return 2
    sys.stdout.write(markdown(m))
    if len(argv) == 3:
        with open(argv[2], "w") as f:
            f.write(html(m))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
