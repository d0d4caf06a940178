#!/usr/bin/python3
"""Check that every kernel check in docs/checks.md is covered by a case.

Reads the check ids from the checklist (backticked ids in the tables under the
`## vmsplice`, `## splice` and `## tee` headings) and the `case` / `covers`
lines of every cases/*.case file, prints a coverage table, and exits:

  0  every id has at least one case, every case covers something, and every
     id a case names exists;
  1  some id has no case, some case names an unknown id, or some case has
     no covers line (each problem is printed with file:line);
  2  usage error, or the checklist is missing or malformed (file:line).

Standard library only.
"""

import argparse
import os
import re
import sys
from pathlib import Path

CALLS = ("vmsplice", "splice", "tee")
ID_RE = re.compile(r"^(vmsplice|splice|tee)\.[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)*$")
SEPARATOR_CELL_RE = re.compile(r"^:?-{3,}:?$")
CELL_SPLIT_RE = re.compile(r"(?<!\\)\|")
DEFAULT_WIDTH = 72

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_BAD_INPUT = 2


class BadInput(Exception):
    """The checklist (or the cases directory) cannot be used at all."""


def repo_root():
    return Path(__file__).resolve().parent.parent


def show(path):
    """A path as the user would like to read it: relative to cwd if below it."""
    path = Path(path)
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


class Check:
    def __init__(self, ident, call, line):
        self.id = ident
        self.call = call
        self.line = line
        self.cases = []  # case names, in file order


class Case:
    def __init__(self, name, path, line):
        self.name = name
        self.path = path
        self.line = line
        self.covers = []  # (id, line)


def split_row(line):
    text = line.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    return [cell.strip() for cell in CELL_SPLIT_RE.split(text)]


def parse_checklist(path):
    """Return the checks in file order; raise BadInput listing every error."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"{show(path)}: cannot read checklist: {exc}")

    errors = []
    checks = []
    seen = {}
    section = None  # the call whose `##` section we are in, or None
    in_fence = False

    for lineno, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        where = f"{show(path)}:{lineno}"
        if stripped.startswith("```") or stripped.startswith("~~~"):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        heading = re.match(r"^(#{1,6})\s+(.*)$", stripped)
        if heading:
            level = len(heading.group(1))
            if level <= 2:
                word = re.match(r"`?([A-Za-z0-9]*)", heading.group(2))
                first = word.group(1).lower()
                section = first if level == 2 and first in CALLS else None
            continue
        if not stripped.startswith("|"):
            continue

        cells = split_row(stripped)
        if all(SEPARATOR_CELL_RE.match(c) for c in cells if c) and any(cells):
            continue
        if cells and cells[0].lower() == "id":
            continue
        first = cells[0] if cells else ""
        if section is None and not first.startswith("`"):
            continue  # some other table outside the call sections

        if section is None:
            errors.append(f"{where}: check row outside a `## vmsplice`, `## splice` or `## tee` section")
            continue
        if len(cells) != 4:
            errors.append(f"{where}: expected 4 columns (| `id` | call | what the kernel does | since/changed |), found {len(cells)}")
            continue
        m = re.match(r"^`([^`]*)`$", first)
        if not m:
            errors.append(f"{where}: first column must be a backticked id, found {first!r}")
            continue
        ident = m.group(1)
        if not ID_RE.match(ident):
            errors.append(f"{where}: malformed id {ident!r} (want call.check-name, lower case, [a-z0-9-])")
            continue
        prefix = ident.split(".", 1)[0]
        call = cells[1].strip("`")
        if call != prefix:
            errors.append(f"{where}: id {ident} has call column {cells[1]!r}, expected {prefix!r}")
            continue
        if call != section:
            errors.append(f"{where}: id {ident} is under the `## {section}` heading")
            continue
        if not cells[2] or not cells[3]:
            errors.append(f"{where}: id {ident} has an empty description or since/changed column")
            continue
        if ident in seen:
            errors.append(f"{where}: duplicate id {ident} (first at line {seen[ident]})")
            continue
        seen[ident] = lineno
        checks.append(Check(ident, call, lineno))

    if in_fence:
        errors.append(f"{show(path)}: unterminated code fence")
    if not checks and not errors:
        errors.append(f"{show(path)}: no check ids found (want rows | `id` | call | ... | under ## vmsplice, ## splice, ## tee)")
    if errors:
        raise BadInput("\n".join(errors))
    return checks


def parse_cases(cases_dir):
    """Return (cases, problems); problems are file:line messages."""
    cases_dir = Path(cases_dir)
    if not cases_dir.is_dir():
        raise BadInput(f"{show(cases_dir)}: cases directory not found")
    cases = []
    problems = []
    for path in sorted(cases_dir.glob("*.case")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{show(path)}: cannot read: {exc}")
            continue
        current = None
        for lineno, raw in enumerate(text.splitlines(), 1):
            stripped = raw.strip()
            if not stripped or stripped.startswith("#"):
                continue
            words = stripped.split()
            if words[0] == "case":
                if len(words) < 2:
                    problems.append(f"{show(path)}:{lineno}: case line without a name")
                    current = None
                    continue
                current = Case(words[1], path, lineno)
                cases.append(current)
            elif words[0] == "covers":
                ids = []
                for word in words[1:]:
                    if word.startswith("#"):
                        break
                    ids.append(word)
                if current is None:
                    problems.append(f"{show(path)}:{lineno}: covers line before any case")
                    continue
                if not ids:
                    problems.append(f"{show(path)}:{lineno}: covers line with no ids (case {current.name})")
                    continue
                for ident in ids:
                    current.covers.append((ident, lineno))
    return cases, problems


def analyse(checks, cases, checks_path):
    problems = []
    by_id = {c.id: c for c in checks}

    first_seen = {}
    for case in cases:
        if case.name in first_seen:
            other = first_seen[case.name]
            problems.append(f"{show(case.path)}:{case.line}: duplicate case name {case.name} "
                            f"(also {show(other.path)}:{other.line})")
        else:
            first_seen[case.name] = case

    for case in cases:
        if not case.covers:
            problems.append(f"{show(case.path)}:{case.line}: case {case.name} has no covers line")
            continue
        named = set()
        for ident, lineno in case.covers:
            if ident in named:
                continue
            named.add(ident)
            check = by_id.get(ident)
            if check is None:
                problems.append(f"{show(case.path)}:{lineno}: case {case.name} covers unknown id {ident}")
            else:
                check.cases.append(case.name)

    for check in checks:
        if not check.cases:
            problems.append(f"{show(checks_path)}:{check.line}: id {check.id} has no case")
    return problems


def clip(text, width):
    if width <= 0 or len(text) <= width:
        return text
    if width <= 3:
        return text[:width]
    return text[: width - 3] + "..."


def render(checks, fmt, width):
    lines = []
    rows = [(c.id, str(len(c.cases)), clip(", ".join(c.cases), width)) for c in checks]
    if fmt == "markdown":
        lines.append("| id | cases | case names |")
        lines.append("|---|---:|---|")
        for ident, count, names in rows:
            names = names.replace("|", "\\|")
            lines.append(f"| `{ident}` | {count} | {names} |")
    else:
        id_w = max([len("id")] + [len(r[0]) for r in rows])
        n_w = max([len("cases")] + [len(r[1]) for r in rows])
        lines.append(f"{'id':<{id_w}}  {'cases':>{n_w}}  case names")
        lines.append(f"{'-' * id_w}  {'-' * n_w}  {'-' * len('case names')}")
        for ident, count, names in rows:
            lines.append(f"{ident:<{id_w}}  {count:>{n_w}}  {names}".rstrip())
    return lines


def main(argv=None):
    root = repo_root()
    parser = argparse.ArgumentParser(
        prog="coverage.py",
        description="Check that every id in docs/checks.md is covered by a case in cases/*.case.",
        epilog="Exit: 0 all covered, 1 coverage problems, 2 usage error or bad checklist.")
    parser.add_argument("--checks", default=str(root / "docs" / "checks.md"),
                        help="the checklist (default: %(default)s)")
    parser.add_argument("--cases", default=str(root / "cases"),
                        help="directory of *.case files (default: %(default)s)")
    parser.add_argument("--format", choices=("text", "markdown"), default="text",
                        help="coverage table format (default: text)")
    parser.add_argument("--width", type=int, default=DEFAULT_WIDTH,
                        help="clip the case-names column to this many characters, 0 for no limit (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.width < 0:
        parser.error("--width must be 0 or more")

    try:
        checks = parse_checklist(args.checks)
        cases, problems = parse_cases(args.cases)
    except BadInput as exc:
        print(f"coverage.py: error:\n{exc}" if "\n" in str(exc) else f"coverage.py: error: {exc}",
              file=sys.stderr)
        return EXIT_BAD_INPUT

    problems += analyse(checks, cases, args.checks)

    for line in render(checks, args.format, args.width):
        print(line)
    covered = sum(1 for c in checks if c.cases)
    print()
    print(f"{len(checks)} ids, {covered} covered, {len(checks) - covered} without a case; "
          f"{len(cases)} cases in {show(args.cases)}")

    if problems:
        sys.stdout.flush()
        print(f"coverage.py: {len(problems)} problem(s):", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_PROBLEMS
    return EXIT_OK


if __name__ == "__main__":
    try:
        status = main()
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away: keep the verdict, drop the rest.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        status = EXIT_PROBLEMS
    sys.exit(status)
