#!/usr/bin/python3
"""A runtime's own system-call filter syntax, as a profile for
--expect-seccomp, so a filter is said once, the way the runtime takes it:

    ci/sandboxes/native-filter.py nspawn '~vmsplice tee:EIO'   > profile.json
    ci/sandboxes/native-filter.py firejail 'vmsplice,tee'      > profile.json

nspawn --system-call-filter: a list that starts with ~ denies the calls
named (EPERM, or NAME:ERRNO); without ~ it allows only them (the others fail
with EPERM).  NAME:ERRNO needs systemd 253 or later: systemd 252
(Debian 12) silently drops such an entry (seen: "~vmsplice tee:EIO" left tee
allowed), so the derived expectation would be wrong there.  firejail --seccomp.drop=LIST: the calls named fail with EPERM
(NAME:ERRNO for another errno).  Only the filter the option adds: nspawn's
and firejail's own baseline filters are not described (their effect on the
calls under test is none: tests/test_sandboxes.py runs the suite under
them).  Groups (@system-service) are not expanded: exit 2 naming them."""
import errno
import json
import sys


def entry(word, default_errno):
    name, _, err = word.partition(":")
    if name.startswith("@"):
        raise SystemExit(f"native-filter.py: {name}: groups are not expanded; name the calls")
    num = default_errno
    if err:
        num = getattr(errno, err, None) if not err.isdigit() else int(err)
        if num is None:
            raise SystemExit(f"native-filter.py: {word}: unknown errno {err}")
    return name, num


def profile(runtime, text):
    if runtime == "nspawn":
        deny = text.startswith("~")
        words = text.lstrip("~").split()
    elif runtime == "firejail":
        deny = True
        words = [w for w in text.replace(",", " ").split()]
    else:
        raise SystemExit(f"native-filter.py: unknown runtime {runtime} (nspawn, firejail)")
    rules = {}
    for w in words:
        name, num = entry(w, errno.EPERM)
        rules.setdefault(num, []).append(name)
    if deny:
        calls = [{"names": names, "action": "SCMP_ACT_ERRNO", "errnoRet": num} for num, names in rules.items()]
        return {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": calls}
    names = [n for ns in rules.values() for n in ns]
    return {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": errno.EPERM,
            "syscalls": [{"names": names, "action": "SCMP_ACT_ALLOW"}]}


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] in ("-h", "--help"):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    json.dump(profile(sys.argv[1], sys.argv[2]), sys.stdout, indent=1)
    sys.stdout.write("\n")
