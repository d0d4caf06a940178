#!/usr/bin/python3
"""Writes a C file that embeds files as an array of struct embedded_file
(harness/source.h), and a depfile so ninja rebuilds it when any of them
changes.  Two uses: the case and expected files, so one static binary
carries the whole suite (embedded_files, from DIR:SUFFIX specs, each
directory's files sorted), and the runtime a reproducer is made of
(--symbol rt_sources, from plain paths, in the order given).

usage: embed.py [--symbol NAME] OUT.c OUT.d DIR:SUFFIX|FILE...
       embed.py --checkout OUT.c   (where this checkout is, for the
                                    plain builds' staleness check)
"""
import os
import sys


def c_string(data: bytes) -> str:
    out = []
    for b in data:
        if b == 0x5C:
            out.append("\\\\")
        elif b == 0x22:
            out.append('\\"')
        elif b == 0x0A:
            out.append('\\n"\n"')
        elif 0x20 <= b < 0x7F and b != 0x3F:  # '?' could start a trigraph
            out.append(chr(b))
        else:
            out.append("\\%03o" % b)
    return '"' + "".join(out) + '"'


def checkout(out_c):
    path = os.getcwd().encode()
    text = "const char embedded_checkout[] = %s;\n" % c_string(path)
    tmp = out_c + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, out_c)
    return 0


def main(argv):
    if len(argv) == 3 and argv[1] == "--checkout":
        return checkout(argv[2])
    symbol = "embedded_files"
    count = "embedded_count"
    if len(argv) > 2 and argv[1] == "--symbol":
        symbol, count = argv[2], argv[2] + "_count"
        argv = argv[:1] + argv[3:]
    if len(argv) < 4:
        sys.stderr.write(__doc__)
        return 2
    out_c, out_d, specs = argv[1], argv[2], argv[3:]
    files = []
    for spec in specs:
        if ":" not in spec:
            files.append(spec)
            continue
        directory, _, suffix = spec.partition(":")
        for name in sorted(os.listdir(directory)):
            if name.endswith(suffix) and not name.startswith("."):
                files.append(os.path.join(directory, name))
    parts = ['#include "source.h"\n']
    for i, path in enumerate(files):
        with open(path, "rb") as f:
            data = f.read()
        parts.append("static const char file%d[] = %s;\n" % (i, c_string(data)))
    parts.append("const struct embedded_file %s[] = {\n" % symbol)
    for i, path in enumerate(files):
        parts.append('\t{"%s", file%d, sizeof file%d - 1},\n' % (path, i, i))
    parts.append("\t{0, 0, 0}\n};\n")
    parts.append("const size_t %s = %d;\n" % (count, len(files)))
    tmp = out_c + ".tmp"
    with open(tmp, "w") as f:
        f.write("".join(parts))
    os.replace(tmp, out_c)
    with open(out_d, "w") as f:
        f.write("%s: %s\n" % (out_c, " ".join(files)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
