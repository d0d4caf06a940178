#!/usr/bin/python3
"""Kernel matrix: run the static harness under several kernels in qemu.

For each kernel named on the command line (a Debian kernel series such as
"6.1", resolved through the linux-image-<flavour> meta package of a private
apt setup) or given as a local vmlinuz, build an initramfs holding busybox,
the static harness and an init script, boot it with qemu-system-x86_64,
collect the harness's JSON lines from the guest's second serial port, and
write a report (markdown and HTML) that puts every case's outcome on each
kernel beside the host's.

Stdlib only. Entry point for people and CI: ci/kernel-matrix.
"""

import argparse
import concurrent.futures
import fnmatch
import gzip
import io
import json
import os
import re
import shlex
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import matrix_report  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_KERNELS = ["5.10", "6.1", "6.12", "7.2"]
DEFAULT_FLAVOUR = "cloud-amd64"
DEBIAN_MIRROR = "http://deb.debian.org/debian"
SECURITY_MIRROR = "http://deb.debian.org/debian-security"
KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
# (mirror, suite). Every suite that carries a -cloud-amd64 kernel we want.
# Which suite a series comes from is decided from the package lists (the
# newest linux-image-<flavour> whose version belongs to the series), not here.
SUITES = [
    (DEBIAN_MIRROR, "bullseye"),
    (SECURITY_MIRROR, "bullseye-security"),
    (DEBIAN_MIRROR, "bookworm"),
    (SECURITY_MIRROR, "bookworm-security"),
    (DEBIAN_MIRROR, "bookworm-backports"),
    (DEBIAN_MIRROR, "trixie"),
    (SECURITY_MIRROR, "trixie-security"),
    (DEBIAN_MIRROR, "sid"),
    (DEBIAN_MIRROR, "experimental"),
]
# sid and experimental are rebuilt daily; a mirror that lags must not stop us.
NO_VALID_UNTIL = {"sid", "experimental"}
LISTS_MAX_AGE = 24 * 3600
BUSYBOX = "/bin/busybox"
QEMU = "qemu-system-x86_64"

# One entry per architecture the matrix boots (--arch).  debarch: the Debian
# architecture whose kernels and busybox-static come from the private apt
# setup; flavour: the kernel flavour; harness: the static build in build/;
# qemu and machine: the emulator; console: the kernel's console; out: the
# guest device the harness's JSON goes to ("console" where the machine has
# no second port the kernel drives without modules: the JSON then shares
# the console with a kernel held to loglevel 1, between marker lines);
# debug_exit: whether isa-debug-exit carries the status (else the EXIT
# marker alone, and poweroff ends the guest); memory in MiB (at least 1 GiB:
# a kernel with less than 512 MiB of RAM turns transparent huge pages off at
# boot whatever its config, hugepage_init in mm/huge_memory.c, and the THP
# cases would be SKIP; a 512 MiB amd64 guest said "[never]"); machine_name
# and page: the architecture as uname -m (and the harness) spells it and the
# page size of the Debian kernels booted, for writing reproducers that mean
# on the guest what the case means there; lava_arch:
# what a LAVA lab's qemu device-type template calls it (the job's
# context.arch), for the architectures tools/lava_jobs.py writes jobs for.
# i386 is the 32-bit x86 build in the amd64 guests (the compat ABI).
# This is the one table of architectures: tools/lava_jobs.py and
# tools/bench_matrix.py read it.
ARCHES = {
    "amd64": {"cc": "gcc", "debarch": "amd64", "flavour": DEFAULT_FLAVOUR, "harness": "splicecheck-static",
              "qemu": QEMU, "machine": ["-cpu", "max"], "console": "ttyS0",
              "out": "/dev/ttyS1", "debug_exit": True, "memory": 1024, "kvm": True,
              "machine_name": "x86_64", "page": 4096, "lava_arch": "amd64"},
    "i386": {"cc": "i686-linux-gnu-gcc", "debarch": "amd64", "flavour": DEFAULT_FLAVOUR, "harness": "splicecheck-i386",
             "qemu": QEMU, "machine": ["-cpu", "max"], "console": "ttyS0",
             "out": "/dev/ttyS1", "debug_exit": True, "memory": 1024, "kvm": True,
             "machine_name": "i386", "page": 4096},
    "arm64": {"cc": "aarch64-linux-gnu-gcc", "debarch": "arm64", "flavour": "cloud-arm64", "harness": "splicecheck-aarch64",
              "qemu": "qemu-system-aarch64", "machine": ["-M", "virt", "-cpu", "cortex-a57"],
              "console": "ttyAMA0", "out": "console", "debug_exit": False, "memory": 1024,
              "kvm": False, "machine_name": "aarch64", "page": 4096, "lava_arch": "arm64"},
    "ppc64el": {"cc": "powerpc64le-linux-gnu-gcc", "debarch": "ppc64el", "flavour": "powerpc64le", "harness": "splicecheck-ppc64le",
                "qemu": "qemu-system-ppc64",
                "machine": ["-M", "pseries,cap-cfpc=broken,cap-sbbc=broken,cap-ibs=broken,"
                                  "cap-ccf-assist=off,cap-large-decr=off", "-cpu", "power9"],
                "console": "hvc0", "out": "console", "debug_exit": False, "memory": 1024,
                "kvm": False, "machine_name": "ppc64le", "page": 65536, "lava_arch": "ppc64"},
    "s390x": {"cc": "s390x-linux-gnu-gcc", "debarch": "s390x", "flavour": "s390x", "harness": "splicecheck-s390x",
              "qemu": "qemu-system-s390x", "machine": ["-M", "s390-ccw-virtio", "-cpu", "max"],
              "console": "ttysclp0", "out": "console", "debug_exit": False, "memory": 1024,
              "kvm": False, "machine_name": "s390x", "page": 4096, "lava_arch": "s390x"},
}
DEFAULT_ARCH = "amd64"
# More for the harness in a guest emulated by TCG (every boot of another
# architecture, and amd64's where KVM does not work): an emulated CPU on a
# loaded host is many times slower, and the watchdog's timeout, which
# decides only where /proc cannot or after an alarm step, gets room so that
# a read or a loop still running when it expires is not taken for a call
# that sleeps (`+blocks` on i386's 5.10 and 6.1 with the load at 20), and a
# 20 ms alarm still comes first when the emulated clock lags.  The
# arguments given with --harness-arg come after, and win.
TCG_HARNESS_ARGS = ["--timeout", "10000"]
# Cases whose reproducers (`splicecheck repro`) are built with each
# architecture's compiler and run in its guests after the suite.  Each is
# written for its guest: that kernel's version, the architecture's name and
# page size (PAGE is a number in a reproducer), by a build of the harness
# of the architecture's word size.
REPRO_SAMPLE = ["vmsplice.gift.misaligned", "splice.p2p.slots-small-pipe",
                "tee.flags.all-known", "compat.loff.past-4g-out"]
REPRO_MARK = "@@SPLICECHECK-MATRIX REPRO "
DEBUG_EXIT_PORT = 0xF4
EXIT_MARK = "@@SPLICECHECK-MATRIX EXIT "
BEGIN_MARK = "@@SPLICECHECK-MATRIX BEGIN"
BLESS_BEGIN = "@@SPLICECHECK-MATRIX BLESS BEGIN"
BLESS_END = "@@SPLICECHECK-MATRIX BLESS END"

_print_lock = threading.Lock()


def progress(msg):
    with _print_lock:
        sys.stderr.write("kernel-matrix: %s\n" % msg)
        sys.stderr.flush()


class UsageError(Exception):
    pass


class FetchError(Exception):
    pass


# ---------------------------------------------------------------- apt ----

def cache_root():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache")
    return os.path.join(base, "splicecheck")


def sources_list(suites=SUITES, keyring=KEYRING):
    lines = []
    for mirror, suite in suites:
        opts = ["signed-by=%s" % keyring]
        if suite in NO_VALID_UNTIL:
            opts.append("check-valid-until=no")
        lines.append("deb [%s] %s %s main" % (" ".join(opts), mirror, suite))
    return "\n".join(lines) + "\n"


def apt_config_text(aptdir):
    """An apt.conf that confines apt to aptdir (never the system's state)."""
    q = lambda p: '"%s"' % p  # noqa: E731
    etc = os.path.join(aptdir, "etc")
    return "\n".join([
        "Dir::Etc %s;" % q(etc),
        "Dir::Etc::sourcelist %s;" % q(os.path.join(etc, "sources.list")),
        "Dir::Etc::sourceparts %s;" % q(os.path.join(etc, "sources.list.d")),
        "Dir::Etc::preferences %s;" % q(os.path.join(etc, "preferences")),
        "Dir::Etc::preferencesparts %s;" % q(os.path.join(etc, "preferences.d")),
        "Dir::State %s;" % q(os.path.join(aptdir, "state")),
        "Dir::State::status \"/dev/null\";",
        "Dir::Cache %s;" % q(os.path.join(aptdir, "cache")),
        "Dir::Log %s;" % q(os.path.join(aptdir, "log")),
        "APT::Architecture \"amd64\";",
        "APT::Architectures { \"amd64\"; };",
        "APT::Sandbox::User \"root\";",
        "Acquire::Languages \"none\";",
        "Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled \"false\";",
        "Debug::NoLocking \"true\";",
        "",
    ])


class Apt:
    """apt-get / apt-cache run with a private APT_CONFIG under the cache dir."""

    def __init__(self, cache, suites=SUITES):
        self.dir = os.path.join(cache, "apt")
        self.debs = os.path.join(cache, "debs")
        self.suites = suites
        self.conf = os.path.join(self.dir, "apt.conf")

    def setup(self):
        for d in ("etc/sources.list.d", "etc/preferences.d", "state/lists/partial",
                  "cache/archives/partial", "log"):
            os.makedirs(os.path.join(self.dir, d), exist_ok=True)
        os.makedirs(self.debs, exist_ok=True)
        self._write(self.conf, apt_config_text(self.dir))
        self._write(os.path.join(self.dir, "etc", "sources.list"),
                    sources_list(self.suites))

    @staticmethod
    def _write(path, text):
        try:
            with open(path) as f:
                if f.read() == text:
                    return
        except OSError:
            pass
        with open(path, "w") as f:
            f.write(text)

    def env(self):
        env = dict(os.environ)
        env["APT_CONFIG"] = self.conf
        env["LC_ALL"] = "C"
        return env

    def run(self, args, cwd=None):
        p = subprocess.run(args, env=self.env(), cwd=cwd, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, universal_newlines=True)
        return p

    def lists_age(self):
        lists = os.path.join(self.dir, "state", "lists")
        stamps = [os.path.getmtime(os.path.join(lists, f))
                  for f in os.listdir(lists) if f.endswith("_Packages")]
        if not stamps:
            return None
        return time.time() - min(stamps)

    def update(self, force=False):
        age = self.lists_age()
        if not force and age is not None and age < LISTS_MAX_AGE:
            return
        progress("apt-get update (private lists in %s)" % self.dir)
        p = self.run(["apt-get", "-q", "update"])
        errors = [l for l in p.stderr.splitlines() if l.startswith("E:")]
        if p.returncode != 0 or errors:
            if self.lists_age() is None:
                raise FetchError("apt-get update failed:\n" + p.stderr.strip())
            progress("apt-get update had errors; using the lists already cached:\n  "
                     + "\n  ".join(errors or p.stderr.strip().splitlines()[-3:]))

    def show(self, package):
        """Stanzas of `apt-cache show package` (every version known)."""
        p = self.run(["apt-cache", "show", "--no-all-versions", package]
                     if "=" in package else ["apt-cache", "show", package])
        if p.returncode != 0:
            return []
        return parse_stanzas(p.stdout)

    def download(self, package, version):
        """Download package=version into the deb cache; return its path."""
        have = [f for f in os.listdir(self.debs)
                if f.startswith(package + "_") and f.endswith(".deb")
                and _deb_version(f) == version]
        if have:
            return os.path.join(self.debs, have[0]), True
        progress("downloading %s %s" % (package, version))
        tmp = tempfile.mkdtemp(prefix="dl.", dir=self.debs)
        try:
            p = self.run(["apt-get", "-q", "download", "%s=%s" % (package, version)],
                         cwd=tmp)
            got = [f for f in os.listdir(tmp) if f.endswith(".deb")]
            if p.returncode != 0 or len(got) != 1:
                raise FetchError("apt-get download %s=%s failed:\n%s"
                                 % (package, version, p.stderr.strip()))
            dst = os.path.join(self.debs, got[0])
            os.replace(os.path.join(tmp, got[0]), dst)
            return dst, False
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


class ArchApt(Apt):
    """The same private apt setup for another Debian architecture (arm64,
    ppc64el, s390x): its own lists, packages and kernels under
    <cache>/arch-<debarch>/ (the layout tools/lava_jobs.py uses too)."""

    def __init__(self, cache, debarch, suites=SUITES):
        super().__init__(os.path.join(cache, "arch-" + debarch), suites)
        self.debarch = debarch

    def setup(self):
        super().setup()
        self._write(self.conf, apt_config_text(self.dir).replace(
            '"amd64"', '"%s"' % self.debarch))


def apt_for(cache, arch):
    """The private apt setup for a Debian architecture."""
    return Apt(cache) if arch == "amd64" else ArchApt(cache, arch)


def fetch_busybox(apt, log=progress):
    """/bin/busybox of the newest busybox-static the apt setup knows (for
    its architecture), extracted once under its cache; the guest's shell."""
    stanzas = [s for s in apt.show("busybox-static") if "Version" in s]
    if not stanzas:
        raise FetchError("no busybox-static in the package lists of %s" % apt.dir)
    version = max((s["Version"] for s in stanzas), key=_vkey)
    dest = os.path.join(os.path.dirname(apt.dir), "busybox", version.replace(":", "_"))
    path = os.path.join(dest, "busybox")
    if os.path.exists(path):
        return path
    deb, _ = apt.download("busybox-static", version)
    tmp = dest + ".part"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    subprocess.run(["dpkg-deb", "-x", deb, tmp], check=True)
    os.makedirs(dest, exist_ok=True)
    found = [os.path.join(tmp, d, "busybox") for d in ("bin", "usr/bin")
             if os.path.isfile(os.path.join(tmp, d, "busybox"))]
    if not found:
        raise FetchError("no busybox in %s" % deb)
    os.replace(found[0], path)
    shutil.rmtree(tmp, ignore_errors=True)
    log("busybox-static %s for %s: %s" % (version, getattr(apt, "debarch", "amd64"), path))
    return path


def _deb_version(filename):
    # name_version_arch.deb, with ':' of an epoch written as %3a
    parts = filename[:-4].split("_")
    return parts[1].replace("%3a", ":") if len(parts) == 3 else None


def parse_stanzas(text):
    """Parse deb822 stanzas (apt-cache show) into a list of dicts."""
    out, cur, key = [], {}, None
    for line in text.splitlines():
        if not line.strip():
            if cur:
                out.append(cur)
            cur, key = {}, None
        elif line[0] in " \t" and key:
            cur[key] += "\n" + line.strip()
        elif ":" in line:
            key, _, val = line.partition(":")
            key = key.strip()
            cur[key] = val.strip()
    if cur:
        out.append(cur)
    return out


def parse_depends(value):
    """'a (= 1), b | c' -> [[('a', '= 1')], [('b', None), ('c', None)]]."""
    groups = []
    for group in (value or "").split(","):
        alts = []
        for alt in group.split("|"):
            m = re.match(r"\s*([^\s(\[]+)\s*(?:\(([^)]*)\))?", alt)
            if m and m.group(1):
                alts.append((m.group(1), m.group(2).strip() if m.group(2) else None))
        if alts:
            groups.append(alts)
    return groups


def upstream_version(debver):
    """'1:6.12.117-1' -> '6.12.117'; '7.3~rc7-1~exp1' -> '7.3~rc7'."""
    v = debver.split(":", 1)[-1]
    if "-" in v:
        v = v.rsplit("-", 1)[0]
    return v


def _vkey(s):
    """A sort key close enough to dpkg's ordering for kernel versions."""
    key = []
    for part in re.findall(r"\d+|[A-Za-z]+|~|[^\dA-Za-z~]", s):
        if part.isdigit():
            key.append((2, int(part), ""))
        elif part == "~":
            key.append((0, 0, ""))
        else:
            key.append((1, 0, part))
    key.append((1, 0, ""))  # end sorts after '~' and before more components
    return key


def series_matches(spec, debver):
    """Does Debian version debver belong to the kernel named spec ("6.1",
    "6.12.117", "7.3")?"""
    up = re.split(r"[~+]", upstream_version(debver))[0]
    want = spec.split(".")
    have = up.split(".")
    return have[:len(want)] == want


def pick_meta_version(stanzas, spec):
    """Newest stanza of the meta package whose version belongs to spec."""
    fits = [s for s in stanzas if "Version" in s and series_matches(spec, s["Version"])]
    if not fits:
        return None
    return max(fits, key=lambda s: _vkey(s["Version"]))


def abi_from_meta(stanza, flavour):
    """The ABI-named image package the meta package depends on:
    linux-image-cloud-amd64 (6.1.192-2) -> ('linux-image-6.1.0-56-cloud-amd64', '6.1.192-2')."""
    meta = "linux-image-" + flavour
    for alts in parse_depends(stanza.get("Depends")):
        for name, rel in alts:
            if (name.startswith("linux-image-") and name != meta
                    and name.endswith("-" + flavour)):
                ver = rel.split(None, 1)[1].strip() if rel and rel.startswith("=") else None
                return name, ver
    return None, None


def deb_members(path):
    p = subprocess.run(["dpkg-deb", "--fsys-tarfile", path], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise FetchError("dpkg-deb cannot read %s: %s" % (path, p.stderr.decode()))
    import tarfile
    with tarfile.open(fileobj=io.BytesIO(p.stdout)) as tf:
        return [m.name for m in tf.getmembers()]


# ppc64el's image is an ELF vmlinux, the others a compressed vmlinuz.
VMLINUZ_RE = re.compile(r"^\.?/?(boot/vmlinu[zx]-[^/]+|usr/lib/modules/[^/]+/vmlinu[zx])$")


def find_vmlinuz(members):
    for m in members:
        if VMLINUZ_RE.match(m):
            return m.lstrip("./") if m.startswith("./") else m
    return None


def fetch_kernel(apt, spec, flavour, log=progress):
    """Resolve spec through the meta package, download, extract vmlinuz.

    Returns dict(label, version, package, vmlinuz). Cached under
    <cache>/kernels/<abi>/."""
    meta = "linux-image-" + flavour
    stanza = pick_meta_version(apt.show(meta), spec)
    if stanza is None:
        raise FetchError("no %s version for kernel %s in %s" % (
            meta, spec, ", ".join(s for _, s in apt.suites)))
    image, version = abi_from_meta(stanza, flavour)
    if not image:
        raise FetchError("%s %s has no linux-image-*-%s in Depends: %r" % (
            meta, stanza["Version"], flavour, stanza.get("Depends")))
    version = version or stanza["Version"]
    abi = image[len("linux-image-"):]
    kdir = os.path.join(os.path.dirname(apt.dir), "kernels", abi + "_" + version)
    vmlinuz = os.path.join(kdir, "vmlinuz")
    info = {"label": spec, "version": upstream_version(version), "debversion": version,
            "package": image, "abi": abi, "vmlinuz": vmlinuz}
    if os.path.exists(vmlinuz):
        log("%s: %s %s -> %s (cached)" % (spec, meta, stanza["Version"], image))
        return info
    log("%s: %s %s -> %s" % (spec, meta, stanza["Version"], image))
    # The image package holds vmlinuz in most Debian releases; newer ones
    # split it into linux-binary-<abi> (and modules). Follow the image's
    # Depends on packages named after the ABI, modules last, until found.
    queue, seen = [(image, version)], set()
    while queue:
        pkg, ver = queue.pop(0)
        if pkg in seen:
            continue
        seen.add(pkg)
        deb, _cached = apt.download(pkg, ver)
        member = find_vmlinuz(deb_members(deb))
        if member:
            _extract(deb, member, kdir)
            return info
        st = apt.show("%s=%s" % (pkg, ver))
        deps = []
        for alts in parse_depends(st[0].get("Depends") if st else ""):
            for name, rel in alts:
                if abi in name and name not in seen:
                    v = rel.split(None, 1)[1].strip() if rel and rel.startswith("=") else ver
                    deps.append((name, v))
        deps.sort(key=lambda d: ("modules" in d[0], "base" in d[0]))
        queue.extend(deps)
    raise FetchError("no vmlinuz found in %s or its ABI dependencies" % image)


def _extract(deb, member, kdir):
    os.makedirs(os.path.dirname(kdir), exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="x.", dir=os.path.dirname(kdir))
    try:
        subprocess.run(["dpkg-deb", "-x", deb, tmp], check=True)
        os.makedirs(kdir, exist_ok=True)
        src = os.path.join(tmp, member)
        shutil.copyfile(src, os.path.join(kdir, "vmlinuz.part"))
        os.replace(os.path.join(kdir, "vmlinuz.part"), os.path.join(kdir, "vmlinuz"))
        cfg = [os.path.join(r, f) for r, _, fs in os.walk(tmp) for f in fs
               if f == "config" or f.startswith("config-")]
        if cfg:
            shutil.copyfile(cfg[0], os.path.join(kdir, "config"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def bzimage_version(path):
    """The kernel version string in a bzImage's setup header, or None."""
    try:
        with open(path, "rb") as f:
            head = f.read(0x4000)
            if head[0x202:0x206] != b"HdrS":
                return None
            off = struct.unpack_from("<H", head, 0x20E)[0] + 0x200
            f.seek(off)
            raw = f.read(256).split(b"\0", 1)[0].decode("ascii", "replace")
            return raw.split()[0] if raw else None
    except (OSError, struct.error, IndexError):
        return None


# ----------------------------------------------------------- initramfs ----

def debug_exit_elf(port=DEBUG_EXIT_PORT):
    """A 179-byte static x86-64 program: ioperm(port), read one byte from
    stdin, outb it to port (qemu's isa-debug-exit then exits with
    (byte << 1) | 1), then exit(0). Busybox has no port I/O and the Debian
    cloud kernels are built without /dev/port."""
    code = bytes.fromhex(
        "b8ad000000"          # mov eax, 173 (ioperm)
        "bf" + struct.pack("<I", port).hex() +  # mov edi, port
        "be01000000"          # mov esi, 1
        "ba01000000"          # mov edx, 1
        "0f05"                # syscall
        "31c0" "31ff"         # read(0, rsp-8, 1)
        "488d7424f8"
        "ba01000000"
        "0f05"
        "8a4424f8"            # mov al, [rsp-8]
        "66ba" + struct.pack("<H", port).hex() +  # mov dx, port
        "ee"                  # out dx, al
        "b83c000000" "31ff" "0f05")  # exit(0)
    base, ehsize, phsize = 0x400000, 64, 56
    entry = base + ehsize + phsize
    total = ehsize + phsize + len(code)
    ehdr = (b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
            + struct.pack("<HHIQQQIHHHHHH", 2, 0x3E, 1, entry, ehsize, 0, 0,
                          ehsize, phsize, 1, 0, 0, 0))
    phdr = struct.pack("<IIQQQQQQ", 1, 5, 0, base, base, total, total, 0x1000)
    return ehdr + phdr + code


INIT_SCRIPT = r"""#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin HOME=/tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up
OUT=/dev/ttyS1 DEBUG_EXIT=1
. /matrix.conf
if [ "$OUT" = /dev/console ]; then
  # the JSON shares the console: only emergencies from the kernel now
  echo 1 > /proc/sys/kernel/printk
  err=/tmp/harness.stderr
else
  stty -F "$OUT" raw -echo 2>/dev/null
  err=/dev/console
fi
exec 3>"$OUT"
echo "@@SPLICECHECK-MATRIX BEGIN $(uname -r)" >&3
cd /tmp
[ -x /hooks/pre ] && /hooks/pre >/dev/console 2>&1
/splicecheck "$@" >&3 2>"$err"
rc=$?
[ -x /hooks/post ] && /hooks/post >&3 2>/dev/console
if [ -n "$BLESS" ]; then
  echo "@@SPLICECHECK-MATRIX BLESS BEGIN" >&3
  cat "$BLESS" >&3 2>/dev/null
  echo "@@SPLICECHECK-MATRIX BLESS END" >&3
fi
for r in /repro/*; do
  [ -x "$r" ] || continue
  (cd /tmp && "$r" > /tmp/repro.out 2>&1)
  echo "@@SPLICECHECK-MATRIX REPRO ${r##*/} $?" >&3
done
echo "@@SPLICECHECK-MATRIX EXIT $rc" >&3
exec 3>&-
[ "$err" = /dev/console ] || sed 's/^/harness stderr: /' "$err" > /dev/console
[ -z "$DEBUG_EXIT" ] || printf "\\$(printf %03o $rc)" | /bin/debug-exit
poweroff -f
"""


class Cpio:
    """Writer for the newc cpio format the kernel unpacks as initramfs."""

    def __init__(self):
        self.buf = io.BytesIO()
        self.ino = 1

    def _entry(self, name, mode, data=b"", nlink=1):
        name_b = name.encode() + b"\0"
        hdr = b"070701" + b"".join(b"%08X" % v for v in (
            self.ino, mode, 0, 0, nlink, 0, len(data), 0, 0, 0, 0, len(name_b), 0))
        self.ino += 1
        self.buf.write(hdr + name_b)
        self.buf.write(b"\0" * ((4 - (len(hdr) + len(name_b)) % 4) % 4))
        self.buf.write(data)
        self.buf.write(b"\0" * ((4 - len(data) % 4) % 4))

    def dir(self, name):
        self._entry(name, 0o040755, nlink=2)

    def file(self, name, data, mode=0o644):
        self._entry(name, 0o100000 | mode, data)

    def symlink(self, name, target):
        self._entry(name, 0o120777, target.encode())

    def finish(self):
        self._entry("TRAILER!!!", 0)
        return self.buf.getvalue()


def repro_args(arch, version=None):
    """What `splicecheck repro` needs to write a case for a guest of arch
    running kernel version: expected lines judged for that kernel and
    architecture, PAGE its page size."""
    spec = ARCHES[arch]
    return (["--kernel", version] if version else []) + [
        "--arch", spec["machine_name"], "--page-size", str(spec["page"])]


def build_repros(host_harness, cases, arch, outdir, version=None, log=progress):
    """Each case's reproducer (`host_harness repro CASE`, written for arch
    and kernel version), compiled static with the architecture's compiler
    into outdir: {case: path}.  A case or compiler that is missing is left
    out, saying why."""
    cc = ARCHES[arch]["cc"]
    if not cases or not shutil.which(cc):
        if cases:
            log("%s: no %s; no reproducers in its guests" % (arch, cc))
        return {}
    os.makedirs(outdir, exist_ok=True)
    out = {}
    for case in cases:
        src = os.path.join(outdir, case + ".c")
        try:
            p = subprocess.run([host_harness, "repro", case] + repro_args(arch, version),
                               stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, universal_newlines=True, timeout=60)
        except subprocess.TimeoutExpired:
            log("%s: repro %s: %s took more than 60 s" % (arch, case, host_harness))
            continue
        if p.returncode != 0:
            log("%s: repro %s: %s" % (arch, case, p.stderr.strip()[-200:]))
            continue
        with open(src, "w") as f:
            f.write(p.stdout)
        exe = os.path.join(outdir, case)
        c = subprocess.run([cc, "-O1", "-static", "-Wall", "-o", exe, src],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True)
        if c.returncode != 0:
            log("%s: reproducer %s does not build: %s" % (arch, case, c.stdout.strip()[-300:]))
            continue
        out[case] = exe
    return out


def build_initramfs(harness, args, bless=False, busybox=BUSYBOX, hooks=None, arch=DEFAULT_ARCH,
                    repros=None):
    """harness: a path, or the program's bytes. gzip'd newc cpio: /init, /bin/busybox, /bin/debug-exit, /splicecheck,
    /matrix.conf (the harness arguments), /profiles/*.json (the seccomp profiles),
    /repro/CASE (repros: {case: compiled reproducer}, run after the harness).
    hooks: {"pre": script, "post": script},
    run as /hooks/NAME before the harness (output to the console) and after it
    (output to the result channel, before the exit mark); tools/kernel_coverage.py
    resets and collects gcov data with them."""
    c = Cpio()
    for d in ("bin", "dev", "proc", "sys", "tmp", "root", "etc"):
        c.dir(d)
    with open(busybox, "rb") as f:
        c.file("bin/busybox", f.read(), 0o755)
    c.symlink("bin/sh", "busybox")
    c.file("bin/debug-exit", debug_exit_elf(), 0o755)
    if isinstance(harness, bytes):
        c.file("splicecheck", harness, 0o755)
    else:
        with open(harness, "rb") as f:
            c.file("splicecheck", f.read(), 0o755)
    c.file("init", INIT_SCRIPT.encode(), 0o755)
    spec = ARCHES[arch]
    conf = "set -- %s\nBLESS=%s\nOUT=%s\nDEBUG_EXIT=%s\n" % (
        " ".join(shlex.quote(a) for a in args),
        "/tmp/bless.expected" if bless else "",
        "/dev/console" if spec["out"] == "console" else spec["out"],
        "1" if spec["debug_exit"] else "")
    c.file("matrix.conf", conf.encode(), 0o644)
    c.dir("repro")
    for name, path in sorted((repros or {}).items()):
        with open(path, "rb") as f:
            c.file("repro/" + name, f.read(), 0o755)
    # the seccomp profiles, for --harness-arg=--seccomp=/profiles/NAME.json:
    # the prediction checked on each architecture's kernel (AUDIT_ARCH_*)
    c.dir("profiles")
    pdir = os.path.join(REPO, "profiles")
    for name in sorted(os.listdir(pdir)) if os.path.isdir(pdir) else []:
        if name.endswith(".json"):
            with open(os.path.join(pdir, name), "rb") as f:
                c.file("profiles/" + name, f.read(), 0o644)
    c.file("etc/passwd", b"root:x:0:0:root:/tmp:/bin/sh\n")
    c.file("etc/group", b"root:x:0:\n")
    if hooks:
        c.dir("hooks")
        for name, script in sorted(hooks.items()):
            c.file("hooks/" + name, script.encode(), 0o755)
    return gzip.compress(c.finish(), compresslevel=6)


def harness_supports(harness, option):
    """Does `harness --help` mention option? (Run on the host; the static
    harness runs anywhere.)"""
    try:
        p = subprocess.run([harness, "--help"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return re.search(re.escape(option).encode() + rb"\b", p.stdout) is not None


def harness_args(cases_filter=None, bless_path=None, kernel_facts=True, extra=()):
    a = ["--format", "json"] + list(extra)
    if cases_filter:
        a += ["--filter", cases_filter]
    if kernel_facts:
        a.append("--kernel-facts")
    if bless_path:
        a += ["--bless", bless_path]
    return a


# ---------------------------------------------------------------- boot ----

def kvm_usable():
    return os.access("/dev/kvm", os.R_OK | os.W_OK)


PROBE_HARNESS = b"#!/bin/sh\necho probe-ok\n"
PROBE_TIMEOUT = 30


def kvm_works(kernel, cache, log=progress):
    """Does this kernel boot to its init under kvm here? A nested or
    restricted host may fail to start kvm guests (qemu aborts on an MSR) or
    hang them silently, so ask once with a tiny initramfs and remember the
    answer in the cache, keyed by the kernel image and the host."""
    if not kvm_usable():
        return False
    st = os.stat(kernel["vmlinuz"])
    qv = subprocess.run([QEMU, "--version"], stdout=subprocess.PIPE,
                        universal_newlines=True).stdout.split("\n")[0]
    key = "%s|%d|%d|%s|%s" % (os.path.realpath(kernel["vmlinuz"]), st.st_size,
                              int(st.st_mtime), os.uname().release, qv)
    path = os.path.join(cache, "kvm-probe.json")
    try:
        with open(path) as f:
            known = json.load(f)
    except (OSError, ValueError):
        known = {}
    if key in known:
        return known[key]
    tmp = tempfile.mkdtemp(prefix="kvm-probe.")
    try:
        initrd = os.path.join(tmp, "initramfs.gz")
        with open(initrd, "wb") as f:
            f.write(build_initramfs(PROBE_HARNESS, []))
        res = boot(kernel, initrd, tmp, PROBE_TIMEOUT, "kvm", log=lambda m: None)
        ok = res["state"] == "ok" and "probe-ok" in res["output"]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log("%s: kvm %s here (%s); %s" % (kernel["label"], "works" if ok else "does not work",
        res["state"] if not ok else "%.1fs" % res["seconds"],
        "using kvm" if ok else "using tcg"))
    with _print_lock:
        try:
            with open(path) as f:
                known = json.load(f)
        except (OSError, ValueError):
            known = {}
        known[key] = ok
        os.makedirs(cache, exist_ok=True)
        with open(path + ".part", "w") as f:
            json.dump(known, f, indent=1)
        os.replace(path + ".part", path)
    return ok


def qemu_command(vmlinuz, initrd, console_log, out_log, accel, memory=None, cpus=1,
                 arch=DEFAULT_ARCH):
    spec = ARCHES[arch]
    cmd = [spec["qemu"], "-accel", accel, "-m", str(memory or spec["memory"]),
           "-smp", str(cpus), "-nographic", "-monitor", "none", "-no-reboot",
           "-kernel", vmlinuz, "-initrd", initrd,
           "-append", "console=%s panic=-1 rdinit=/init loglevel=4 "
                      "random.trust_cpu=on%s" % (spec["console"],
                      # a loaded TCG host makes x86's IO-APIC timer check fail
                      # and 5.10 panic at boot ("IO-APIC + timer doesn't work")
                      " no_timer_check" if spec["debarch"] == "amd64" else ""),
           "-serial", "file:" + console_log]
    if spec["out"] != "console":
        cmd += ["-serial", "file:" + out_log]
    if spec["debug_exit"]:
        cmd += ["-device", "isa-debug-exit,iobase=0x%x,iosize=0x01" % DEBUG_EXIT_PORT]
    cmd += ["-net", "none"] + spec["machine"]
    return cmd


def console_output(console):
    """The harness's lines where they share the console: from the BEGIN
    marker on (the boot messages before it are not the harness's)."""
    i = console.find(BEGIN_MARK)
    return console[i:] if i >= 0 else ""


PANIC_RE = re.compile(r"Kernel panic|end Kernel panic|BUG: unable to handle|"
                      r"Oops:|general protection fault")


def classify(exit_code, timed_out, console, output):
    """Decide what a boot did. Returns (state, harness_rc).

    state: "ok" (the harness ran to its end), "panicked", "hung",
    "no output", "died" (qemu exited early for another reason)."""
    rc = None
    for line in output.splitlines():
        if line.startswith(EXIT_MARK):
            try:
                rc = int(line[len(EXIT_MARK):].strip())
            except ValueError:
                pass
    if rc is None and exit_code is not None and exit_code & 1 and exit_code > 1:
        rc = exit_code >> 1  # isa-debug-exit without the marker line
    if rc is not None:
        return "ok", rc
    if "Kernel panic" in console:
        return "panicked", None
    if timed_out:
        return "hung", None
    if not console.strip() and not output.strip():
        return "no output", None
    if PANIC_RE.search(console):
        return "panicked", None
    return "died", None


def boot(kernel, initrd, workdir, timeout, accel, log=progress, cpus=1):
    """Boot one kernel with `cpus` virtual CPUs; return a result dict (see
    matrix_report)."""
    label = kernel["label"]
    console_log = os.path.join(workdir, "console.log")
    out_log = os.path.join(workdir, "serial1.log")
    for p in (console_log, out_log):
        open(p, "w").close()
    arch = kernel.get("arch", DEFAULT_ARCH)
    cmd = qemu_command(kernel["vmlinuz"], initrd, console_log, out_log, accel, cpus=cpus, arch=arch)
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    timed_out, last_count = False, -1
    qemu_chunks = []
    reader = threading.Thread(target=_drain, args=(proc, qemu_chunks), daemon=True)
    reader.start()
    while True:
        try:
            proc.wait(timeout=1)
            break
        except subprocess.TimeoutExpired:
            pass
        elapsed = time.monotonic() - start
        n = (_count_cases(out_log if ARCHES[arch]["out"] != "console" else console_log)
             if int(elapsed) % 5 == 0 else last_count)
        if n != last_count and n > 0:
            log("%s: %d cases done (%.0fs)" % (label, n, elapsed))
            last_count = n
        if elapsed > timeout:
            timed_out = True
            proc.kill()
            proc.wait()
            break
    reader.join(5)
    qemu_out = b"".join(qemu_chunks)
    seconds = time.monotonic() - start
    console = _read(console_log)
    output = _read(out_log) if ARCHES[arch]["out"] != "console" else console_output(console)
    state, rc = classify(None if timed_out else proc.returncode, timed_out, console, output)
    qemu_text = qemu_out.decode("utf-8", "replace")
    reason = None
    if state == "no output" and proc.returncode:
        # qemu itself gave up (bad image, kvm refused the guest, ...)
        state = "qemu failed"
        lines = [l for l in qemu_text.splitlines() if l.strip()]
        reason = lines[-1] if lines else "exit %s" % proc.returncode
    elif state == "no output" and console.strip() == "" and not timed_out:
        reason = "qemu exited %s before the kernel wrote anything" % proc.returncode
    return {
        "label": label, "version": kernel.get("version"), "accel": accel, "cpus": cpus,
        "state": state, "harness_exit": rc, "seconds": round(seconds, 2),
        "qemu_exit": None if timed_out else proc.returncode,
        "qemu_stderr": qemu_text[-4000:], "reason": reason,
        "console": console, "output": output, "workdir": workdir,
    }


def _drain(proc, chunks):
    for chunk in iter(lambda: proc.stdout.read(4096), b""):
        chunks.append(chunk)


ANSI_RE = re.compile(r"\x1b(\[[0-9;?]*[A-Za-z]|[@-Z\\-_]|c)")


def _read(path):
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", "replace").replace("\r", "")
    except OSError:
        return ""
    return ANSI_RE.sub("", text)


def console_excerpt(console, n=40):
    """The lines of the console log worth showing: around the first panic or
    oops if there is one, else the last n."""
    lines = console.splitlines()
    for i, l in enumerate(lines):
        if PANIC_RE.search(l):
            return "\n".join(lines[max(0, i - 10):i + n - 10])
    return "\n".join(lines[-n:])


def _count_cases(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
        return data.count(b'"type":"case"') + data.count(b'"type": "case"')
    except OSError:
        return 0


def run_kernel(kernel, harness, args, workdir, timeout, accel_pref, bless, cache,
               log=progress, hooks=None, cpus=1):
    """Build the initramfs, boot (kvm first when usable and allowed, tcg if kvm
    does not bring the harness to its end), parse the output."""
    os.makedirs(workdir, exist_ok=True)
    initrd = os.path.join(workdir, "initramfs.gz")
    arch = kernel.get("arch", DEFAULT_ARCH)

    def write_initrd(accel):
        with open(initrd, "wb") as f:
            f.write(build_initramfs(harness, (TCG_HARNESS_ARGS if accel == "tcg" else []) + list(args),
                                    bless=bless, hooks=hooks, repros=kernel.get("repros"),
                                    busybox=kernel.get("busybox") or BUSYBOX, arch=arch))
    if not ARCHES[arch]["kvm"]:
        accels = ["tcg"]  # another architecture: emulated
    elif accel_pref == "auto":
        accels = ["kvm", "tcg"] if kvm_works(kernel, cache, log) else ["tcg"]
    else:
        accels = [accel_pref]
    res = None
    for accel in accels:
        log("%s: booting %s under %s" % (kernel["label"], os.path.basename(
            kernel["vmlinuz"]), accel))
        write_initrd(accel)
        res = boot(kernel, initrd, workdir, timeout, accel, log, cpus)
        if res["state"] == "ok" or accel == accels[-1]:
            break
        log("%s: %s under %s; trying %s" % (kernel["label"], res["state"], accel,
                                            accels[-1]))
    os.unlink(initrd)
    parsed = matrix_report.parse_output(res["output"])
    res.update(parsed)
    res["arch"] = arch
    if not res.get("version") and parsed.get("summary"):
        res["version"] = parsed["summary"].get("kernel")
    for name, text in (("console.log", res.pop("console")),
                       ("serial1.log", res.pop("output"))):
        with open(os.path.join(workdir, name), "w") as f:
            f.write(text)
    res["console_tail"] = console_excerpt(_read(os.path.join(workdir, "console.log")))
    s = parsed.get("summary") or {}
    log("%s: %s in %.1fs%s" % (kernel["label"], res["state"], res["seconds"],
        (" — %s passed, %s failed, %s skipped, %s broken" % (
            s.get("passed"), s.get("failed"), s.get("skipped"), s.get("broken"))
         if s else "")))
    return res


def run_host(harness, args, timeout):
    start = time.monotonic()
    try:
        p = subprocess.run([harness] + args, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout, cwd=tempfile.gettempdir())
        out, rc, state = p.stdout.decode("utf-8", "replace"), p.returncode, "ok"
        if rc not in (0, 1):
            state = "died"
    except subprocess.TimeoutExpired as e:
        out, rc, state = (e.stdout or b"").decode("utf-8", "replace"), None, "hung"
    res = {"label": "host", "version": os.uname().release, "accel": None, "state": state,
           "harness_exit": rc, "seconds": round(time.monotonic() - start, 2)}
    res.update(matrix_report.parse_output(out))
    return res


# ----------------------------------------------------------------- cli ----

def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="ci/kernel-matrix",
        description="Run the splicecheck suite under several kernels in qemu and "
                    "report every case's outcome per kernel beside the host's.")
    p.add_argument("--kernels", metavar="LIST",
                   help="comma-separated Debian kernel series (default %s; "
                        "none when --vmlinuz is given)" % ",".join(DEFAULT_KERNELS))
    p.add_argument("--vmlinuz", metavar="PATH", action="append", default=[],
                   help="boot this kernel image too (repeatable)")
    p.add_argument("--arch", metavar="LIST", default=DEFAULT_ARCH,
                   help="comma-separated architectures to boot: %s (default %%(default)s; "
                        "i386 is the 32-bit x86 build in the amd64 guests; the others "
                        "are emulated by qemu TCG and need `ninja cross`)" % ", ".join(ARCHES))
    p.add_argument("--cases-filter", metavar="GLOB", help="only cases matching GLOB")
    p.add_argument("--repro", metavar="LIST", default=",".join(REPRO_SAMPLE),
                   help="cases whose reproducers are built for each architecture and run in "
                        "its guests after the suite ('none': no reproducers; default %(default)s)")
    p.add_argument("--jobs", type=int, metavar="N", default=os.cpu_count() or 1,
                   help="boots in parallel (default: core count, %(default)s)")
    p.add_argument("--timeout", type=float, metavar="S", default=900,
                   help="seconds one boot may take (default %(default)s)")
    p.add_argument("--cpus", type=int, metavar="N", default=1,
                   help="virtual CPUs per guest (default %(default)s). With 2 the harness makes "
                        "each case's process on one while a case runs on the other: a guest "
                        "about a fifth faster when guests boot one at a time (--jobs 1, one "
                        "kernel); boots in parallel on as many cores gain nothing")
    p.add_argument("--bless-dir", metavar="DIR",
                   help="write each kernel's blessed outcomes to DIR/<kernel>.expected")
    p.add_argument("--report-dir", metavar="DIR",
                   default=os.path.join(REPO, "build", "kernel-matrix"),
                   help="where report.md, report.html, results.json and logs go "
                        "(default build/kernel-matrix)")
    p.add_argument("--harness", metavar="PATH",
                   default=os.path.join(REPO, "build", "splicecheck-static"),
                   help="static harness put in the guest (default build/splicecheck-static)")
    p.add_argument("--host-harness", metavar="PATH",
                   default=os.path.join(REPO, "build", "splicecheck"),
                   help="harness run on the host for the host column "
                        "(default build/splicecheck; 'none' to leave it out)")
    p.add_argument("--accel", choices=("auto", "tcg", "kvm"), default="auto",
                   help="auto: kvm when /dev/kvm works, tcg when kvm does not get "
                        "the suite to its end (default)")
    p.add_argument("--flavour", default=DEFAULT_FLAVOUR,
                   help="Debian kernel flavour (default %(default)s)")
    p.add_argument("--cache-dir", metavar="DIR", default=cache_root(),
                   help="downloads and kernels (default %(default)s)")
    p.add_argument("--refresh", action="store_true",
                   help="apt-get update the private lists even if fresh")
    p.add_argument("--no-kernel-facts", dest="kernel_facts", action="store_false",
                   default=None,
                   help="do not pass --kernel-facts to the harness (by default it is "
                        "passed when the harness's --help lists it)")
    p.add_argument("--harness-arg", metavar="ARG", action="append", default=[],
                   help="one more argument for the harness, host and guests "
                        "(repeatable), e.g. --harness-arg=--timeout=1000")
    try:
        a = p.parse_args(argv)
    except SystemExit as e:
        raise UsageError(None) if e.code else e
    if a.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    if not 1 <= a.cpus <= 64:
        raise UsageError("--cpus must be 1 to 64")
    a.arch = [x.strip() for x in a.arch.split(",") if x.strip()]
    bad = [x for x in a.arch if x not in ARCHES]
    if bad or not a.arch:
        raise UsageError("--arch wants some of %s (got %s)" % (", ".join(ARCHES), ",".join(bad) or "none"))
    if a.timeout <= 0:
        raise UsageError("--timeout must be positive")
    if a.kernels is not None:
        specs = [k.strip() for k in a.kernels.split(",") if k.strip()]
        bad = [k for k in specs if not re.match(r"^\d+(\.\d+){0,2}$", k)]
        if bad or not specs:
            raise UsageError("--kernels wants versions like 5.10,6.1 (got %r)" % a.kernels)
        a.kernels = specs
    else:
        a.kernels = [] if a.vmlinuz else list(DEFAULT_KERNELS)
    for v in a.vmlinuz:
        if not os.path.isfile(v):
            raise UsageError("--vmlinuz %s: no such file" % v)
    if a.cases_filter is not None and not a.cases_filter:
        raise UsageError("--cases-filter needs a glob")
    return a


def fetch_arch_kernels(arches, specs, cache_dir, flavour=DEFAULT_FLAVOUR, harnesses=None,
                       refresh=False, log=progress):
    """Each Debian kernel series in specs for each architecture in arches,
    from that architecture's private apt setup, with its busybox-static.
    Returns (kernels, failures): kernel dicts (fetch_kernel's, plus label,
    arch, busybox, harness) in arch-then-series order, and a result dict
    ("not fetched", with the reason) for each that could not be had.
    amd64 and i386 share the amd64 kernels."""
    harnesses = harnesses or {}
    kernels, results = [], []
    fetched = {}  # (debarch, flavour, spec) -> kernel
    for x in arches:
        spec_x = ARCHES[x]
        flav = flavour if spec_x["debarch"] == "amd64" else spec_x["flavour"]
        apt = apt_for(cache_dir, spec_x["debarch"])
        apt.setup()
        try:
            apt.update(force=refresh)
        except FetchError as e:
            log(str(e))
        busybox = BUSYBOX
        if spec_x["debarch"] != "amd64":
            try:
                busybox = fetch_busybox(apt, log)
            except (FetchError, OSError, subprocess.CalledProcessError) as e:
                log("%s: no busybox-static: %s" % (x, e))
                for spec in specs:
                    results.append({"label": arch_label(spec, x), "arch": x, "version": None,
                                    "state": "not fetched", "reason": "no busybox-static: %s"
                                    % str(e).strip().splitlines()[0], "seconds": None})
                continue
        for spec in specs:
            key = (spec_x["debarch"], flav, spec)
            try:
                if key not in fetched:
                    fetched[key] = fetch_kernel(apt, spec, flav, log)
                kernels.append(dict(fetched[key], label=arch_label(spec, x), arch=x,
                                    busybox=busybox, harness=harnesses.get(x)))
            except (FetchError, OSError, subprocess.CalledProcessError) as e:
                log("%s: cannot fetch: %s" % (arch_label(spec, x), e))
                results.append({"label": arch_label(spec, x), "arch": x, "version": None,
                                "state": "not fetched",
                                "reason": str(e).strip().splitlines()[0] if str(e) else "",
                                "seconds": None})
    return kernels, results


def arch_label(spec, arch):
    """A column's name: the kernel for amd64 ("6.1"), arch-kernel for the
    others ("arm64-6.1", "i386-6.1": the 32-bit build in the amd64 guest)."""
    return spec if arch == DEFAULT_ARCH else "%s-%s" % (arch, spec)


def unique_labels(kernels):
    seen = {}
    for k in kernels:
        base = re.sub(r"[^A-Za-z0-9._+-]", "_", k["label"])
        n = seen.get(base, 0)
        seen[base] = n + 1
        k["label"] = base if n == 0 else "%s-%d" % (base, n + 1)
    return kernels


def main(argv=None):
    try:
        a = parse_args(sys.argv[1:] if argv is None else argv)
    except UsageError as e:
        if e.args and e.args[0]:
            sys.stderr.write("ci/kernel-matrix: %s\n" % e.args[0])
        return 2
    harnesses = {x: a.harness if x == DEFAULT_ARCH else
                 os.path.join(REPO, "build", ARCHES[x]["harness"]) for x in a.arch}
    missing = [t for t in sorted({ARCHES[x]["qemu"] for x in a.arch}) + ["apt-get", "dpkg-deb"]
               if shutil.which(t) is None]
    if any(ARCHES[x]["debarch"] == "amd64" for x in a.arch) and not os.path.exists(BUSYBOX):
        missing.append("busybox (busybox-static)")
    if missing:
        sys.stderr.write("ci/kernel-matrix: missing %s; install: apt-get install -y "
                         "qemu-system-x86 busybox-static (other architectures: "
                         "ci/install-deps --cross)\n" % ", ".join(missing))
        return 2
    for x in a.arch:
        if not os.path.isfile(harnesses[x]):
            sys.stderr.write("ci/kernel-matrix: %s does not exist; build it first "
                             "(ninja %s)\n" % (harnesses[x], os.path.relpath(harnesses[x], REPO)))
            return 2
    if a.kernel_facts is None:
        probe = a.harness if os.path.isfile(a.harness) else a.host_harness
        a.kernel_facts = harness_supports(probe, "--kernel-facts")
    started = time.monotonic()
    os.makedirs(a.report_dir, exist_ok=True)
    kernels, results = [], []
    if a.kernels:
        got, failed = fetch_arch_kernels(a.arch, a.kernels, a.cache_dir, a.flavour, harnesses,
                                         refresh=a.refresh)
        kernels += got
        results += failed
    for v in a.vmlinuz:
        # a local image is for the first architecture named
        ver = bzimage_version(v)
        kernels.append({"label": arch_label(ver or os.path.basename(v), a.arch[0]), "version": ver,
                        "vmlinuz": os.path.abspath(v), "package": None, "arch": a.arch[0],
                        "harness": harnesses[a.arch[0]]})
    unique_labels(kernels)
    repro_cases = [] if a.repro == "none" else [c for c in a.repro.split(",") if c]
    # reproducers are written by a harness that runs here: the host's, or
    # this checkout's build; never the guest's, which may be another
    # architecture's binary or a test's stand-in that must only run in a guest
    gen = next((h for h in (a.host_harness, os.path.join(REPO, "build", "splicecheck-static"),
                            os.path.join(REPO, "build", "splicecheck"))
                if h != "none" and os.path.isfile(h) and h != a.harness), None)
    built = {}
    for k in kernels:
        x = k.get("arch", DEFAULT_ARCH)
        # the word size is the generating build's: a 32-bit guest's (i386)
        # are written by its own build, which runs here
        g = harnesses[x] if ARCHES[x]["machine_name"] == "i386" else gen
        key = (x, k.get("version"))
        if key not in built:
            built[key] = build_repros(g, repro_cases if g else [], x,
                                      os.path.join(a.report_dir, "repro", x, k.get("version") or "image"),
                                      version=k.get("version"))
        k["repros"] = built[key]

    host = None
    if a.host_harness != "none":
        if os.path.isfile(a.host_harness):
            progress("host: running %s" % a.host_harness)
            host = run_host(a.host_harness, harness_args(
                a.cases_filter, kernel_facts=a.kernel_facts, extra=a.harness_arg), a.timeout)
        else:
            progress("host: %s not built; no host column" % a.host_harness)

    args = harness_args(a.cases_filter, "/tmp/bless.expected" if a.bless_dir else None,
                        a.kernel_facts, a.harness_arg)
    with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as ex:
        futs = [ex.submit(run_kernel, k, k.get("harness") or a.harness, args,
                          os.path.join(a.report_dir, "kernels", k["label"]),
                          a.timeout, a.accel, bool(a.bless_dir), a.cache_dir, cpus=a.cpus)
                for k in kernels]
        for k, f in zip(kernels, futs):
            try:
                r = f.result()
            except Exception as e:  # a broken boot must not stop the others
                r = {"label": k["label"], "version": k.get("version"),
                     "state": "error", "reason": repr(e), "seconds": None, "arch": k.get("arch")}
            r["package"] = k.get("package")
            r["debversion"] = k.get("debversion")
            results.append(r)
    order = {k["label"]: i for i, k in enumerate(kernels)}
    results.sort(key=lambda r: order.get(r["label"], -1))

    if a.bless_dir:
        os.makedirs(a.bless_dir, exist_ok=True)
        for r in results:
            if r.get("bless") is not None:
                path = os.path.join(a.bless_dir, r["label"] + ".expected")
                with open(path, "w") as f:
                    f.write(r["bless"])
                progress("%s: blessed outcomes in %s" % (r["label"], path))

    wall = time.monotonic() - started
    matrix = {"host": host, "kernels": results, "wall_seconds": round(wall, 2),
              "jobs": a.jobs, "cases_filter": a.cases_filter,
              "measurements": matrix_report.measurements(
                  REPO, [k.get("version") for k in kernels if not k.get("package")])}
    md = matrix_report.markdown(matrix)
    with open(os.path.join(a.report_dir, "report.md"), "w") as f:
        f.write(md)
    with open(os.path.join(a.report_dir, "report.html"), "w") as f:
        f.write(matrix_report.html(matrix))
    with open(os.path.join(a.report_dir, "results.json"), "w") as f:
        json.dump(matrix_report.strip_for_json(matrix), f, indent=1)
    sys.stdout.write(md)
    progress("report: %s (%.0fs wall)" % (os.path.join(a.report_dir, "report.html"), wall))
    ok = results and all(r.get("state") == "ok" and r.get("harness_exit") == 0
                         for r in results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
