#!/usr/bin/python3
"""LAVA jobs: one qemu job per kernel (and architecture) running splicecheck.

For each kernel (a Debian kernel series resolved and downloaded the way the
kernel matrix does it, or a local vmlinuz) write DIR/ARCH/KERNEL/vmlinuz and a
LAVA job, DIR/splicecheck-KERNEL-ARCH.yaml: a `qemu` device-type job that
boots the kernel with a ramdisk of busybox and the static harness
(DIR/ARCH/splicecheck-ramdisk.cpio.gz, built with the matrix's cpio writer),
has LAVA append its test overlay to that ramdisk, and runs the test
definition ci/lava/splicecheck.yaml (inline, or from a git repository).
Each splicecheck case becomes one LAVA test case.

Stdlib plus PyYAML (python3-yaml) only.  Entry point: tools/lava-jobs.
ci/lava-local runs a generated job through lava-run; docs/lava.md says how a
lab submits them.
"""

import argparse
import gzip
import io
import os
import re
import shutil
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import matrix  # noqa: E402

try:
    import yaml
except ImportError:  # reported by main(); the module stays importable
    yaml = None

REPO = matrix.REPO
TESTDEF = os.path.join(REPO, "ci", "lava", "splicecheck.yaml")
RAMDISK_INIT = os.path.join(REPO, "ci", "lava", "ramdisk-init")
RAMDISK_NAME = "splicecheck-ramdisk.cpio.gz"
# The shell prompt ci/lava/ramdisk-init sets; the job's boot action waits for it.
PROMPT = "splicecheck# "
HARNESS_IN_RAMDISK = "/usr/bin/splicecheck"

# The architectures a job can be written for: those of the kernel matrix's
# table (matrix.ARCHES, the one source of truth) that name a `lava_arch`,
# keyed by their Debian name.  `lava_arch` is the `arch` of the job context,
# which the lab's qemu.jinja2 device-type template turns into the qemu
# binary and machine options; `qemu`, `options` and `console` are what a
# rendered device description (device_yaml) holds for it, the machine
# options the matrix boots that architecture with; `flavour` is the Debian
# kernel flavour; `harness` the static build of the harness for it (the
# cross builds are build/splicecheck-<gnu arch>).  The busybox of an
# architecture other than the host's comes from Debian's busybox-static for it.


def qemu_options(argv):
    """qemu arguments as a device description lists them: each option with
    its value ("-M virt"), from the matrix's argv list."""
    out = []
    for word in argv:
        if word.startswith("-") or not out:
            out.append(word)
        else:
            out[-1] += " " + word
    return out


def lava_arches(table):
    """matrix.ARCHES seen from LAVA."""
    return {name: {"lava_arch": spec["lava_arch"], "qemu": spec["qemu"],
                   "console": spec["console"], "flavour": spec["flavour"],
                   "debarch": spec["debarch"], "kvm": spec["kvm"], "memory": spec["memory"],
                   "options": qemu_options(spec["machine"]),
                   "harness": os.path.join("build", spec["harness"])}
            for name, spec in table.items() if spec.get("lava_arch")}


ARCHES = lava_arches(matrix.ARCHES)
DEFAULT_ARCH = "amd64"

# Timeouts sized for TCG on a loaded worker.  Under TCG on two busy cores
# the 6.1 cloud kernel boots to the prompt in about 10 s and the suite runs in
# about 20 s; LAVA's per-case signals add a few more.  Ten times that, and
# more for the download and overlay of a lab fetching over the network.
TIMEOUTS = {"job": 45, "deploy": 10, "boot": 5, "test": 25, "action": 10,
            "connection": 5}


class UsageError(Exception):
    pass


def apt_for(cache, arch):
    """The matrix's private apt setup for the architecture's Debian kernels
    (another architecture's under <cache>/arch-<debarch>/)."""
    return matrix.apt_for(cache, ARCHES[arch]["debarch"])


def progress(msg):
    sys.stderr.write("lava-jobs: %s\n" % msg)
    sys.stderr.flush()


def kernel_args(console):
    """The kernel command line: the console LAVA talks to, our init, no
    reboot loop after a panic (LAVA sees the panic and ends the job)."""
    return "console=%s,115200 rdinit=/init panic=-1 random.trust_cpu=on" % console


def build_ramdisk(harness, busybox=matrix.BUSYBOX, init=RAMDISK_INIT):
    """gzip'd newc cpio: /init (ci/lava/ramdisk-init), /bin/busybox, the
    static harness as /usr/bin/splicecheck.  LAVA unpacks it, adds its
    overlay (/lava-JOBID with the test definition) and packs it again."""
    c = matrix.Cpio()
    for d in ("bin", "dev", "proc", "sys", "tmp", "root", "etc", "usr", "usr/bin"):
        c.dir(d)
    with open(busybox, "rb") as f:
        c.file("bin/busybox", f.read(), 0o755)
    c.symlink("bin/sh", "busybox")
    with open(harness, "rb") as f:
        c.file(HARNESS_IN_RAMDISK.lstrip("/"), f.read(), 0o755)
    with open(init, "rb") as f:
        c.file("init", f.read(), 0o755)
    c.file("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n")
    c.file("etc/group", b"root:x:0:\n")
    # mtime 0: the same inputs give the same bytes (a lab can cache by hash)
    return gzip.compress(c.finish(), compresslevel=6, mtime=0)


def load_testdef(path=TESTDEF):
    with open(path) as f:
        return yaml.safe_load(f)


def testdef_params(filter_glob=None, harness_args=()):
    params = {}
    if filter_glob:
        params["FILTER"] = filter_glob
    if harness_args:
        bad = [a for a in harness_args if "'" in a or " " in a]
        if bad:
            raise UsageError("--harness-arg %r: LAVA passes ARGS inside single quotes "
                             "and splits it on spaces" % bad[0])
        params["ARGS"] = " ".join(harness_args)
    return params


TESTDEF_TARBALL = "splicecheck-testdef.tar.gz"


def testdef_tarball(path=TESTDEF):
    """The test definition as LAVA's `from: url` wants it: a tarball (here
    gzip'd, one file, splicecheck.yaml), the same bytes for the same file."""
    import tarfile
    with open(path, "rb") as f:
        data = f.read()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tf:
        info = tarfile.TarInfo("splicecheck.yaml")
        info.size, info.mode, info.mtime = len(data), 0o644, 0
        tf.addfile(info, io.BytesIO(data))
    return gzip.compress(buf.getvalue(), compresslevel=6, mtime=0)


def test_definition(params, git=None, revision=None, url=None):
    """The test action's definition: the test definition inline (with the
    parameters as its defaults: LAVA's schema allows no parameters beside an
    inline one), from a git repository holding this tree, or from `url`,
    where testdef_tarball() is published."""
    if url:
        d = {"from": "url", "repository": url, "compression": "gz",
             "path": "splicecheck.yaml", "name": "splicecheck"}
        if params:
            d["parameters"] = dict(params)
        return d
    if git:
        d = {"from": "git", "repository": git, "path": "ci/lava/splicecheck.yaml",
             "name": "splicecheck"}
        if revision:
            d["revision"] = revision
        if params:
            d["parameters"] = dict(params)
        return d
    td = load_testdef()
    td["params"] = dict(td.get("params") or {}, **params)
    return {"from": "inline", "repository": td, "path": "inline/splicecheck.yaml",
            "name": "splicecheck"}


def minutes(n):
    return {"minutes": n}


def job(kernel, arch, kernel_url, ramdisk_url, definition, no_kvm=False,
        priority="medium", visibility="public", tags=(), device_type="qemu",
        timeouts=None):
    """One LAVA job (a dict) for `kernel` (matrix.fetch_kernel's dict, or one
    with label/version) on `arch`."""
    t = dict(TIMEOUTS, **(timeouts or {}))
    a = ARCHES[arch]
    context = {"arch": a["lava_arch"]}
    if no_kvm:
        context["no_kvm"] = True
    label = kernel["label"]
    version = kernel.get("version") or label
    j = {
        "device_type": device_type,
        "job_name": "splicecheck %s %s" % (version, arch),
        "timeouts": {"job": minutes(t["job"]), "action": minutes(t["action"]),
                     "connection": minutes(t["connection"])},
        "priority": priority,
        "visibility": visibility,
        "context": context,
        "metadata": {"splicecheck.kernel": str(label),
                     "splicecheck.kernel-version": str(version),
                     "splicecheck.arch": arch},
        "actions": [
            {"deploy": {
                "timeout": minutes(t["deploy"]),
                "to": "tmpfs",
                "os": "oe",
                "images": {
                    "kernel": {
                        "image_arg": '-kernel {kernel} -append "%s"'
                                     % kernel_args(a["console"]),
                        "url": kernel_url},
                    "ramdisk": {
                        "image_arg": "-initrd {ramdisk}",
                        "url": ramdisk_url,
                        "compression": "gz",
                        "format": "cpio.newc",
                        "overlays": {"lava": True}},
                }}},
            {"boot": {
                "timeout": minutes(t["boot"]),
                "method": "qemu",
                "media": "tmpfs",
                "prompts": [PROMPT]}},
            {"test": {
                "timeout": minutes(t["test"]),
                "definitions": [definition]}},
        ],
    }
    if kernel.get("package"):
        j["metadata"]["splicecheck.kernel-package"] = "%s %s" % (
            kernel["package"], kernel.get("debversion") or "")
    if tags:
        j["tags"] = list(tags)
    return j


def device_yaml(arch=DEFAULT_ARCH, memory=None, no_kvm=True):
    """A device description for `lava-run --device`, as a LAVA server would
    render it from its qemu.jinja2 device-type template for this arch (the
    parts a tmpfs deploy and qemu boot read), with the machine options and
    memory the kernel matrix boots it with."""
    a = ARCHES[arch]
    options = list(a["options"])
    if not no_kvm and a["kvm"]:
        options = [o for o in options if not o.startswith("-cpu ")] + ["-cpu host", "-enable-kvm"]
    options += ["-nographic", "-net none", "-m %d" % (memory or a["memory"]), "-monitor none",
                "-no-reboot"]
    return {
        "device_type": "qemu",
        "available_architectures": sorted({x["lava_arch"] for x in ARCHES.values()}),
        "constants": {
            "posix": {"lava_test_sh_cmd": "/bin/sh",
                      "lava_test_results_dir": "/lava-%s",
                      "lava_test_shell_file": "~/.bashrc"},
            "shutdown-message": "The system is going down for reboot NOW",
            "kernel-start-message": "Linux version [0-9]",
            "default-shell-prompt": "lava-test: # ",
            "spawn_maxread": "4092",
            # one attempt: a boot that fails here fails the same way again
            "failure_retry": 1,
            "boot_retry": 1,
        },
        "parameters": {"pass": None},
        "actions": {
            "deploy": {
                "connections": {"serial": None},
                "methods": {"image": {"parameters": {"guest": {
                    "size": 512, "interface": "ide", "driveid": "lavatest"}}}},
            },
            "boot": {
                "connections": {"serial": None},
                "methods": {"qemu": {"parameters": {
                    "command": a["qemu"],
                    "boot_options": {"console": "%s,115200" % a["console"]},
                    "options": options}}},
            },
        },
        "timeouts": {
            "actions": {"lava-test-shell": minutes(3), "auto-login-action": minutes(2),
                        "boot-qemu-image": minutes(2), "boot-image-retry": minutes(2),
                        "http-download": minutes(5), "download-retry": minutes(5)},
            "connections": {"lava-test-shell": {"seconds": 10},
                            "auto-login-action": minutes(2)},
        },
    }


def file_url(path):
    return "file://" + urllib.parse.quote(os.path.abspath(path))


def url_for(path, out_dir, base_url):
    rel = os.path.relpath(path, out_dir)
    if base_url:
        return base_url.rstrip("/") + "/" + urllib.parse.quote(rel)
    return file_url(path)


def dump(data):
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False, width=100)


def write(path, text, mode="w"):
    tmp = path + ".part"
    with open(tmp, mode) as f:
        f.write(text)
    os.replace(tmp, path)


def generate(kernels, out_dir, arch_harness, arch_busybox, base_url=None, git=None,
             revision=None, testdef_url=False, params=None, no_kvm=False, priority="medium",
             visibility="public", tags=(), timeouts=None, log=progress):
    """Write the ramdisk per arch, each kernel's vmlinuz and one job per
    (kernel, arch) under out_dir; return the list of job paths."""
    os.makedirs(out_dir, exist_ok=True)
    shutil.copyfile(TESTDEF, os.path.join(out_dir, "splicecheck.yaml"))
    tarball = os.path.join(out_dir, TESTDEF_TARBALL)
    write(tarball, testdef_tarball(), "wb")
    definition = test_definition(params or {}, git=git, revision=revision,
                                 url=url_for(tarball, out_dir, base_url) if testdef_url else None)
    jobs = []
    for arch, harness in arch_harness.items():
        adir = os.path.join(out_dir, arch)
        os.makedirs(adir, exist_ok=True)
        ramdisk = os.path.join(adir, RAMDISK_NAME)
        write(ramdisk, build_ramdisk(harness, arch_busybox[arch]), "wb")
        for k in kernels:
            if k.get("arch", DEFAULT_ARCH) != arch:
                continue
            kdir = os.path.join(adir, k["label"])
            os.makedirs(kdir, exist_ok=True)
            vmlinuz = os.path.join(kdir, "vmlinuz")
            shutil.copyfile(k["vmlinuz"], vmlinuz)
            j = job(k, arch, url_for(vmlinuz, out_dir, base_url),
                    url_for(ramdisk, out_dir, base_url), definition, no_kvm=no_kvm,
                    priority=priority, visibility=visibility, tags=tags,
                    timeouts=timeouts)
            path = os.path.join(out_dir, "splicecheck-%s-%s.yaml" % (k["label"], arch))
            write(path, dump(j))
            log("%s %s: %s" % (k["label"], arch, path))
            jobs.append(path)
    return jobs


def validate_job(data):
    """Check a job against lava-common's schema (the server's check at
    submission).  Raises ImportError without lava-common, and
    voluptuous.Invalid with the path of the first error."""
    from lava_common.schemas import validate
    validate(data, strict=True)


def _pairs(values, what):
    out = {}
    for v in values:
        arch, sep, path = v.partition("=")
        if not sep:
            arch, path = DEFAULT_ARCH, v
        if arch not in ARCHES:
            raise UsageError("%s %s: unknown architecture %r (known: %s)"
                             % (what, v, arch, ", ".join(ARCHES)))
        if not os.path.isfile(path):
            raise UsageError("%s %s: no such file" % (what, v))
        out[arch] = path
    return out


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="tools/lava-jobs",
        description="Write a LAVA qemu job per kernel (and architecture) that runs "
                    "splicecheck, with the kernel and ramdisk it needs. See docs/lava.md.")
    p.add_argument("--out", metavar="DIR", required=True,
                   help="where the jobs, kernels and ramdisks go")
    p.add_argument("--kernels", metavar="LIST",
                   help="comma-separated Debian kernel series (default %s; none when "
                        "--vmlinuz is given)" % ",".join(matrix.DEFAULT_KERNELS))
    p.add_argument("--vmlinuz", metavar="PATH", action="append", default=[],
                   help="a local kernel image too (repeatable)")
    p.add_argument("--arch", metavar="LIST", default=DEFAULT_ARCH,
                   help="comma-separated architectures (default %%(default)s; known: %s)"
                        % ", ".join(ARCHES))
    p.add_argument("--harness", metavar="[ARCH=]PATH", action="append", default=[],
                   help="the static harness for ARCH (default amd64: "
                        "build/splicecheck-static)")
    p.add_argument("--busybox", metavar="[ARCH=]PATH", action="append", default=[],
                   help="a static busybox for ARCH (default amd64: %s)" % matrix.BUSYBOX)
    p.add_argument("--base-url", metavar="URL",
                   help="the URL DIR is served at (default: file:// paths, for a "
                        "worker that sees DIR, and for ci/lava-local)")
    p.add_argument("--testdef-git", metavar="URL",
                   help="take ci/lava/splicecheck.yaml from this git repository "
                        "instead of putting it inline")
    p.add_argument("--testdef-revision", metavar="REV", help="with --testdef-git")
    p.add_argument("--testdef-url", action="store_true",
                   help="take the test definition from DIR/%s at its URL (see "
                        "--base-url) instead of putting it inline" % TESTDEF_TARBALL)
    p.add_argument("--filter", metavar="GLOB", help="only cases matching GLOB")
    p.add_argument("--harness-arg", metavar="ARG", action="append", default=[],
                   help="one more harness argument (repeatable)")
    p.add_argument("--no-kvm", action="store_true",
                   help="ask the qemu device-type template for TCG (context no_kvm)")
    p.add_argument("--priority", default="medium")
    p.add_argument("--visibility", default="public")
    p.add_argument("--tag", action="append", default=[], help="device tag (repeatable)")
    p.add_argument("--flavour", help="Debian kernel flavour (default: the arch's, "
                                     "cloud-amd64 for amd64)")
    p.add_argument("--cache-dir", metavar="DIR", default=matrix.cache_root(),
                   help="downloads and kernels, shared with ci/kernel-matrix "
                        "(default %(default)s)")
    p.add_argument("--refresh", action="store_true",
                   help="apt-get update the private lists even if fresh")
    try:
        a = p.parse_args(argv)
    except SystemExit as e:
        raise UsageError(None) if e.code else e
    a.arch = [x.strip() for x in a.arch.split(",") if x.strip()]
    for x in a.arch:
        if x not in ARCHES:
            raise UsageError("--arch %s: unknown (known: %s)" % (x, ", ".join(ARCHES)))
    if a.kernels is not None:
        specs = [k.strip() for k in a.kernels.split(",") if k.strip()]
        if not specs or any(not re.match(r"^\d+(\.\d+){0,2}$", k) for k in specs):
            raise UsageError("--kernels wants versions like 5.10,6.1 (got %r)" % a.kernels)
        a.kernels = specs
    else:
        a.kernels = [] if a.vmlinuz else list(matrix.DEFAULT_KERNELS)
    for v in a.vmlinuz:
        if not os.path.isfile(v):
            raise UsageError("--vmlinuz %s: no such file" % v)
    a.harness = _pairs(a.harness, "--harness")
    a.busybox = _pairs(a.busybox, "--busybox")
    if DEFAULT_ARCH in a.arch:
        a.busybox.setdefault(DEFAULT_ARCH, matrix.BUSYBOX)
    for x in a.arch:
        default = os.path.join(REPO, ARCHES[x]["harness"])
        if x not in a.harness and (x == DEFAULT_ARCH or os.path.isfile(default)):
            a.harness[x] = default
        if x not in a.harness:
            raise UsageError("--arch %s needs its static harness: build %s, or give "
                             "--harness %s=PATH" % (x, ARCHES[x]["harness"], x))
    if a.testdef_revision and not a.testdef_git:
        raise UsageError("--testdef-revision needs --testdef-git")
    if a.testdef_url and a.testdef_git:
        raise UsageError("--testdef-url and --testdef-git: one or the other")
    testdef_params(a.filter, a.harness_arg)  # checked here, used later
    return a


def fetch_kernels(a):
    """matrix.fetch_kernel for each series and arch, plus the --vmlinuz images
    (for the first arch).  Returns (kernels, errors)."""
    kernels, errors = [], []
    for arch in a.arch:
        if not a.kernels and arch in a.busybox:
            continue
        apt = apt_for(a.cache_dir, arch)
        apt.setup()
        try:
            apt.update(force=a.refresh)
        except matrix.FetchError as e:
            progress(str(e))
        if arch not in a.busybox:
            try:
                a.busybox[arch] = matrix.fetch_busybox(apt, progress)
            except (matrix.FetchError, OSError, subprocess.CalledProcessError) as e:
                errors.append("busybox-static for %s: %s" % (arch, e))
                continue
        if a.kernels:
            flavour = a.flavour or ARCHES[arch]["flavour"]
            for spec in a.kernels:
                try:
                    k = matrix.fetch_kernel(apt, spec, flavour, log=progress)
                except (matrix.FetchError, OSError, subprocess.CalledProcessError) as e:
                    errors.append("%s %s: cannot fetch: %s" % (spec, arch, e))
                    continue
                k["arch"] = arch
                kernels.append(k)
    for v in a.vmlinuz:
        ver = matrix.bzimage_version(v)
        kernels.append({"label": ver or os.path.basename(v), "version": ver,
                        "vmlinuz": os.path.abspath(v), "package": None,
                        "arch": a.arch[0]})
    for arch in a.arch:  # the same series on two architectures keeps its name
        matrix.unique_labels([k for k in kernels if k["arch"] == arch])
    return kernels, errors


def main(argv=None):
    try:
        a = parse_args(sys.argv[1:] if argv is None else argv)
    except UsageError as e:
        if e.args and e.args[0]:
            sys.stderr.write("tools/lava-jobs: %s\n" % e.args[0])
        return 2
    if yaml is None:
        sys.stderr.write("tools/lava-jobs: needs PyYAML: apt-get install -y python3-yaml\n")
        return 2
    for arch, path in a.harness.items():
        if not os.path.isfile(path):
            sys.stderr.write("tools/lava-jobs: %s does not exist; build it first "
                             "(ninja build/splicecheck-static)\n" % path)
            return 2
    kernels, errors = fetch_kernels(a)
    for e in errors:
        progress(e)
    jobs = generate(kernels, a.out, {x: a.harness[x] for x in a.arch if x in a.busybox},
                    a.busybox, base_url=a.base_url, git=a.testdef_git,
                    revision=a.testdef_revision, testdef_url=a.testdef_url,
                    params=testdef_params(a.filter, a.harness_arg), no_kvm=a.no_kvm,
                    priority=a.priority, visibility=a.visibility, tags=a.tag)
    for j in jobs:
        print(j)
    return 0 if jobs and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
