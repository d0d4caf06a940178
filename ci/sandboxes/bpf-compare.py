#!/usr/bin/python3
"""Do two stacks of classic-BPF seccomp filters decide every call alike?

    bpf-compare.py [--arch x86_64] A1.bpf[,A2.bpf...] B1.bpf[,B2.bpf...]

Each side is a comma-separated list of raw filter files (struct sock_filter[],
as firejail keeps them in /run/firejail/mnt/seccomp/ and as `splicecheck
seccomp-bpf PROFILE` writes them).  A side's verdict for a call is what the
kernel makes of its stacked filters: the most restrictive action, and for
equal actions the first filter's data.  Every syscall number 0..1023 is
tried with a set of argument vectors (zero, each single bit, small integers,
all ones, for each of the six arguments; only one where neither side's
program reads an argument for that call); exit 1 lists the calls where the
sides differ, exit 0 says how many were compared."""
import struct
import sys

AUDIT_ARCH = {"x86_64": 0xC000003E}
RET_ACTION_FULL = 0xFFFF0000
ACTIONS = {0x80000000: "KILL_PROCESS", 0x00000000: "KILL_THREAD", 0x00030000: "TRAP",
           0x00050000: "ERRNO", 0x7FC00000: "USER_NOTIF", 0x7FF00000: "TRACE",
           0x7FFC0000: "LOG", 0x7FFF0000: "ALLOW"}


def load(path):
    data = open(path, "rb").read()
    if not data or len(data) % 8:
        sys.exit(f"{path}: not a BPF program ({len(data)} bytes)")
    return [struct.unpack_from("<HBBI", data, i) for i in range(0, len(data), 8)]


def run(prog, sd, touched):
    """Classic BPF as the kernel's seccomp runs it (loads from seccomp_data).
    touched[0] is set when the program read an argument."""
    a = x = 0
    mem = [0] * 16
    pc = 0
    m32 = 0xFFFFFFFF
    while pc < len(prog):
        code, jt, jf, k = prog[pc]
        pc += 1
        cls = code & 0x07
        if cls == 0x00:  # LD
            mode = code & 0xE0
            touched[0] |= mode == 0x20 and k >= 16
            a = struct.unpack_from("<I", sd, k)[0] if mode == 0x20 else k if mode == 0x00 else \
                mem[k] if mode == 0x60 else len(sd) if mode == 0x80 else None
            if a is None:
                raise ValueError(f"unsupported load {code:#x}")
        elif cls == 0x01:  # LDX
            mode = code & 0xE0
            x = k if mode == 0x00 else mem[k] if mode == 0x60 else len(sd)
        elif cls == 0x02:
            mem[k] = a
        elif cls == 0x03:
            mem[k] = x
        elif cls == 0x04:  # ALU
            op, src = code & 0xF0, (x if code & 0x08 else k)
            a = {0x00: lambda: a + src, 0x10: lambda: a - src, 0x20: lambda: a * src,
                 0x30: lambda: a // src, 0x40: lambda: a | src, 0x50: lambda: a & src,
                 0x60: lambda: a << src, 0x70: lambda: a >> src, 0x80: lambda: -a,
                 0x90: lambda: a % src, 0xA0: lambda: a ^ src}[op]() & m32
        elif cls == 0x05:  # JMP
            op, src = code & 0xF0, (x if code & 0x08 else k)
            if op == 0x00:
                pc += k
                continue
            taken = {0x10: a == src, 0x20: a > src, 0x30: a >= src, 0x40: bool(a & src)}[op]
            pc += jt if taken else jf
        elif cls == 0x06:  # RET
            return a if code & 0x18 == 0x10 else k
        elif cls == 0x07:  # MISC
            if code & 0xF8 == 0x00:
                x = a
            else:
                a = x
    raise ValueError("fell off the end of the program")


def stacked(progs, sd, touched):
    best = None
    for p in progs:  # the kernel runs the newest first; ties keep the first seen
        r = run(p, sd, touched)
        if best is None or (r & RET_ACTION_FULL) ^ 0x80000000 < (best & RET_ACTION_FULL) ^ 0x80000000:
            best = r
    return best


def name(r):
    act = r & RET_ACTION_FULL
    s = ACTIONS.get(act, hex(act))
    return f"{s}({r & 0xFFFF})" if act in (0x00050000, 0x7FF00000, 0x00030000) else s


def vectors():
    vals = [0, 0xFFFFFFFF, 0xFFFFFFFFFFFFFFFF] + list(range(1, 33)) + [1 << b for b in range(64)]
    yield (0,) * 6
    for i in range(6):
        for v in vals:
            args = [0] * 6
            args[i] = v
            yield tuple(args)


def main(argv):
    arch = "x86_64"
    if argv[:1] == ["--arch"]:
        arch, argv = argv[1], argv[2:]
    if len(argv) != 2:
        sys.exit(__doc__)
    sides = [[load(p) for p in side.split(",")] for side in argv]
    diffs, n = [], 0
    for nr in range(1024):
        touched = [False]
        for args in vectors():
            sd = struct.pack("<IIQ6Q", nr, AUDIT_ARCH[arch], 0, *args)
            ra, rb = (stacked(s, sd, touched) for s in sides)
            n += 1
            if ra != rb:
                diffs.append((nr, args, ra, rb))
            if not touched[0]:
                break  # neither side read an argument: every vector decides alike
    if diffs:
        seen = set()
        for nr, args, ra, rb in diffs:
            if (nr, ra, rb) in seen:
                continue
            seen.add((nr, ra, rb))
            print(f"syscall {nr} args {[hex(a) for a in args if a] or 0}: {name(ra)} vs {name(rb)}")
        print(f"{len(diffs)} of {n} calls differ")
        return 1
    print(f"the filters agree on {n} calls ({arch}, syscalls 0..1023, argument vectors where a filter reads them)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
