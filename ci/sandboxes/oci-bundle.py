#!/usr/bin/python3
"""Write an OCI bundle (config.json + rootfs/) that runs the static harness.

    oci-bundle.py BUNDLE_DIR BINARY [--seccomp PROFILE] [--scratch DIR]
                 [--bind SRC:DST[:ro]]... [--] [HARNESS ARGS...]

The rootfs holds only the static binary (as /splicecheck) and empty mount
points; /tmp (the harness's scratch directories) is a tmpfs, or with
--scratch the host directory DIR bound there (so files live on the same
filesystem as a run on the host); the root is read-only.  --seccomp PROFILE puts the profile's seccomp object into
linux.seccomp, and copies it to /profile.json in the rootfs (for the
harness's --expect-seccomp /profile.json): PROFILE is an OCI seccomp object, a Docker profile (its
archMap becomes architectures) or a whole config.json (its linux.seccomp is
taken).  The capabilities are Docker's default set, so the run sees what a
container as root usually has.

    oci-bundle.py --eperm-copy PROFILE OUT

writes PROFILE with every SCMP_ACT_ERRNO's errno made EPERM: what a runtime
that ignores errnoRet (runsc before 2023) enforces."""
import json
import os
import shutil
import sys

DOCKER_CAPS = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
               "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
               "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"]
# OCI runtimes know only these keys of a seccomp object (runtime-spec config-linux.md).
OCI_SECCOMP_KEYS = {"defaultAction", "defaultErrnoRet", "architectures", "flags",
                    "listenerPath", "listenerMetadata", "syscalls"}


def seccomp_object(path):
    with open(path) as f:
        prof = json.load(f)
    if isinstance(prof.get("linux"), dict) and "seccomp" in prof["linux"]:
        prof = prof["linux"]["seccomp"]
    out = {k: v for k, v in prof.items() if k in OCI_SECCOMP_KEYS}
    if "archMap" in prof and "architectures" not in out:
        arches = []
        for m in prof["archMap"]:
            arches.append(m["architecture"])
            arches.extend(m.get("subArchitectures") or [])
        out["architectures"] = arches
    calls = []
    for c in out.get("syscalls", []):
        if "includes" in c or "excludes" in c:
            sys.exit(f"{path}: Docker includes/excludes cannot go into an OCI bundle")
        calls.append({k: v for k, v in c.items() if k != "comment"})
    out["syscalls"] = calls
    return out


def eperm_copy(src, dst):
    """The profile as a runtime that ignores errnoRet enforces it (runsc
    before 2023: every SCMP_ACT_ERRNO fails with EPERM)."""
    with open(src) as f:
        prof = json.load(f)
    sec = prof["linux"]["seccomp"] if isinstance(prof.get("linux"), dict) and "seccomp" in prof["linux"] else prof
    if "defaultErrnoRet" in sec:
        sec["defaultErrnoRet"] = 1
    for c in sec.get("syscalls", []):
        if c.get("action") == "SCMP_ACT_ERRNO":
            c["errnoRet"] = 1
    with open(dst, "w") as f:
        json.dump(prof, f, indent=1)


def main(argv):
    if argv[:1] == ["--eperm-copy"] and len(argv) == 3:
        return eperm_copy(argv[1], argv[2])
    if len(argv) < 2:
        sys.exit(__doc__)
    bundle, binary, rest = argv[0], argv[1], argv[2:]
    profile, scratch, binds = None, None, []
    while rest[:1] in (["--seccomp"], ["--scratch"], ["--bind"]):
        if rest[0] == "--seccomp":
            profile = rest[1]
        elif rest[0] == "--scratch":
            scratch = os.path.abspath(rest[1])
        else:
            src, dst, *mode = rest[1].split(":")
            binds.append({"destination": dst, "type": "bind", "source": os.path.abspath(src),
                          "options": ["rbind", mode[0] if mode else "rw"]})
            os.makedirs(os.path.join(bundle, "rootfs", dst.lstrip("/")), exist_ok=True)
        rest = rest[2:]
    if rest[:1] == ["--"]:
        rest = rest[1:]
    rootfs = os.path.join(bundle, "rootfs")
    for d in ("proc", "dev", "sys", "tmp"):
        os.makedirs(os.path.join(rootfs, d), exist_ok=True)
    shutil.copy(binary, os.path.join(rootfs, "splicecheck"))
    os.chmod(os.path.join(rootfs, "splicecheck"), 0o755)
    caps = list(DOCKER_CAPS)
    config = {
        "ociVersion": "1.0.2",
        "process": {
            "terminal": False,
            "user": {"uid": 0, "gid": 0},
            "args": ["/splicecheck", *rest],
            "env": ["PATH=/", "TMPDIR=/tmp"],
            "cwd": "/",
            "capabilities": {k: caps for k in ("bounding", "effective", "permitted")},
            "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 4096, "soft": 4096}],
            "noNewPrivileges": True,
        },
        "root": {"path": "rootfs", "readonly": True},
        "hostname": "splicecheck",
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
            {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
             "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
            {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
             "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
            {"destination": "/sys", "type": "sysfs", "source": "sysfs",
             "options": ["nosuid", "noexec", "nodev", "ro"]},
            {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "nodev", "mode=1777", "size=262144k"]} if not scratch else
            {"destination": "/tmp", "type": "bind", "source": scratch, "options": ["rbind", "rw"]},
        ],
        "linux": {
            "namespaces": [{"type": t} for t in ("pid", "network", "ipc", "uts", "mount")],
            "maskedPaths": ["/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"],
            "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
        },
    }
    config["mounts"] += binds
    if profile:
        config["linux"]["seccomp"] = seccomp_object(profile)
        # the harness inside reads the same file for --expect-seccomp
        shutil.copy(profile, os.path.join(rootfs, "profile.json"))
    with open(os.path.join(bundle, "config.json"), "w") as f:
        json.dump(config, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1:])
