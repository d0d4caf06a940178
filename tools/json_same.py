#!/usr/bin/python3
"""Whether two `--format json` outputs of the suite say the same, apart from times.

    tools/json_same.py A.json B.json

For a change that must not change what the suite finds (the case launcher,
the runner): run the suite before and after (host, or a kernel-matrix guest)
and compare. Every record must be equal once the fields that are times
("ms") are dropped, in the same order. Prints the first differences; exit 0
when the same, 1 when not, 2 on unreadable input.
"""
import json
import sys

TIME_FIELDS = ("ms",)


def records(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except ValueError as e:
                sys.exit(f"json_same: {path}:{n}: {e}")
            for k in TIME_FIELDS:
                rec.pop(k, None)
            out.append(rec)
    return out


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    try:
        a, b = records(argv[1]), records(argv[2])
    except OSError as e:
        sys.stderr.write(f"json_same: {e}\n")
        return 2
    diffs = [(i, x, y) for i, (x, y) in enumerate(zip(a, b)) if x != y]
    for i, x, y in diffs[:5]:
        print(f"record {i + 1} differs:\n  {json.dumps(x, sort_keys=True)}\n  {json.dumps(y, sort_keys=True)}")
    if len(a) != len(b):
        print(f"{argv[1]} has {len(a)} records, {argv[2]} has {len(b)}")
    if diffs or len(a) != len(b) or not a:
        if not a:
            print("no records")
        return 1
    print(f"same: {len(a)} records, apart from {', '.join(TIME_FIELDS)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
