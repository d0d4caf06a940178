#!/usr/bin/python3
"""Build splicecheck's own test kernel (x86-64, boots under qemu TCG).

From Debian's linux-source-6.1 tarball (the default) or any kernel tree:
`make tinyconfig`, then the fragments of ci/kernel/ merged on top
(scripts/kconfig/merge_config.sh, olddefconfig), then `make bzImage` out of
tree, with ccache. The configuration step runs only when the fragments or
the tree changed, so a second run is an incremental `make` (seconds when
nothing changed, 15-50 s for one changed file).

Flavours:
  gcov   base.fragment + gcov.fragment: CONFIG_WATCH_QUEUE, debugfs, gcov, with
         fs/splice.c fs/pipe.c fs/read_write.c lib/iov_iter.c instrumented.
         One kernel for the watch-queue cases, coverage and mutants (default).
  plain  base.fragment only.

Stdlib only. Entry point: tools/kernel-build (docs/kernel-coverage.md).
"""

import argparse
import contextlib
import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FRAGMENT_DIR = os.path.join(REPO, "ci", "kernel")
DEFAULT_SOURCE = "/usr/src/linux-source-6.1.tar.xz"
FLAVOURS = {"gcov": ["base.fragment", "gcov.fragment"], "plain": ["base.fragment"]}
DEFAULT_FLAVOUR = "gcov"
# Instrumented for coverage. kbuild keys GCOV_PROFILE_<obj> by the object's
# base name, so these go on the make command line and no Makefile of the tree
# is edited (the names are unique among what the small config builds).
GCOV_FILES = ["fs/splice.c", "fs/pipe.c", "fs/read_write.c", "lib/iov_iter.c"]
# Fixed so that two builds of the same tree give the same objects (ccache
# hits, and init/version.c does not differ between mutants).
BUILD_ENV = {"KBUILD_BUILD_TIMESTAMP": "2026-01-01", "KBUILD_BUILD_USER": "splicecheck",
             "KBUILD_BUILD_HOST": "splicecheck", "LC_ALL": "C"}
STAMP = ".splicecheck-config-stamp"


class BuildError(Exception):
    pass


def log(msg):
    sys.stderr.write("kernel-build: %s\n" % msg)
    sys.stderr.flush()


def cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "splicecheck", "kernel")


def is_tarball(path):
    return bool(re.search(r"\.tar(\.(xz|gz|bz2|zst))?$", path))


def prepare_source(source, cache=None):
    """A kernel tree to build: source itself if it is a directory, else the
    tarball extracted once under the cache (src-<name>)."""
    if os.path.isdir(source):
        if not os.path.isfile(os.path.join(source, "Makefile")) or \
                not os.path.isdir(os.path.join(source, "kernel")):
            raise BuildError("%s is not a kernel tree (no Makefile, kernel/)" % source)
        return os.path.abspath(source)
    if not os.path.isfile(source) or not is_tarball(source):
        raise BuildError("%s: neither a kernel tree nor a .tar.* of one" % source)
    cache = cache or cache_dir()
    name = re.sub(r"\.tar(\.\w+)?$", "", os.path.basename(source))
    dst = os.path.join(cache, "src-" + name)
    if os.path.isfile(os.path.join(dst, "Makefile")):
        return dst
    os.makedirs(cache, exist_ok=True)
    log("extracting %s into %s (once)" % (source, dst))
    tmp = tempfile.mkdtemp(prefix="src.", dir=cache)
    try:
        subprocess.run(["tar", "-xf", source, "-C", tmp], check=True)
        tops = os.listdir(tmp)
        if len(tops) != 1:
            raise BuildError("%s holds %d top directories, expected one" % (source, len(tops)))
        os.replace(os.path.join(tmp, tops[0]), dst)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dst


def kernel_version(src):
    """VERSION.PATCHLEVEL.SUBLEVEL[EXTRAVERSION] from the tree's Makefile."""
    vals = {}
    with open(os.path.join(src, "Makefile")) as f:
        for line in f:
            m = re.match(r"^(VERSION|PATCHLEVEL|SUBLEVEL|EXTRAVERSION)\s*=\s*(\S*)", line)
            if m and m.group(1) not in vals:
                vals[m.group(1)] = m.group(2)
            if len(vals) == 4:
                break
    return "%s.%s.%s%s" % (vals.get("VERSION", "?"), vals.get("PATCHLEVEL", "?"),
                           vals.get("SUBLEVEL", "0"), vals.get("EXTRAVERSION", ""))


def default_build_dir(src, flavour, cache=None):
    """One out-of-tree build dir per (tree, flavour): the Debian tarball's tree
    is named by its version, any other tree also by a hash of its path."""
    cache = cache or cache_dir()
    tag = kernel_version(src)
    if not os.path.basename(src).startswith("src-"):
        tag += "-" + hashlib.sha1(os.path.realpath(src).encode()).hexdigest()[:8]
    return os.path.join(cache, "build-%s-%s" % (tag, flavour))


def fragments_for(flavour, extra=()):
    if flavour not in FLAVOURS:
        raise BuildError("unknown flavour %r (have %s)" % (flavour, ", ".join(FLAVOURS)))
    return [os.path.join(FRAGMENT_DIR, f) for f in FLAVOURS[flavour]] + \
        [os.path.abspath(f) for f in extra]


def wanted_options(fragments):
    """{CONFIG_X: value} every fragment asks for ('n' for '# ... is not set')."""
    want = {}
    for path in fragments:
        with open(path) as f:
            for line in f:
                line = line.strip()
                m = re.match(r"^(CONFIG_\w+)=(.*)$", line)
                if m:
                    want[m.group(1)] = m.group(2)
                m = re.match(r"^# (CONFIG_\w+) is not set$", line)
                if m:
                    want[m.group(1)] = "n"
    return want


def config_values(path):
    have = {}
    with open(path) as f:
        for line in f:
            m = re.match(r"^(CONFIG_\w+)=(.*)$", line.strip())
            if m:
                have[m.group(1)] = m.group(2)
    return have


def missing_options(fragments, config):
    """Options a fragment sets that olddefconfig dropped (unmet dependency,
    or an option this tree does not have)."""
    have = config_values(config)
    out = []
    for k, v in sorted(wanted_options(fragments).items()):
        if v == "n":
            if have.get(k, "n") not in ("n",):
                out.append("%s=%s (wanted off)" % (k, have[k]))
        elif have.get(k) != v:
            out.append("%s=%s" % (k, v))
    return out


def make_command(src, build_dir, flavour, jobs, extra=()):
    cmd = ["make", "-C", src, "O=" + build_dir, "ARCH=x86_64", "-j%d" % jobs]
    if shutil.which("ccache"):
        cmd.append("CC=ccache gcc")
    if flavour == "gcov":
        cmd += ["GCOV_PROFILE_%s.o=y" % os.path.basename(f)[:-2] for f in GCOV_FILES]
    return cmd + list(extra)


def _env():
    env = dict(os.environ)
    env.update(BUILD_ENV)
    return env


def _stamp_text(src, fragments):
    h = hashlib.sha256()
    h.update(os.path.realpath(src).encode() + b"\0" + kernel_version(src).encode())
    for f in fragments:
        with open(f, "rb") as fh:
            h.update(b"\0" + fh.read())
    return h.hexdigest() + "\n"


def configure(src, build_dir, flavour, fragments, nice=10, quiet=False):
    """tinyconfig + fragments + olddefconfig, unless the stamp says the
    configuration in build_dir was made from these very fragments."""
    stamp = os.path.join(build_dir, STAMP)
    want = _stamp_text(src, fragments)
    config = os.path.join(build_dir, ".config")
    try:
        with open(stamp) as f:
            if f.read() == want and os.path.isfile(config):
                return False
    except OSError:
        pass
    os.makedirs(build_dir, exist_ok=True)
    log("configuring %s (tinyconfig + %s)" % (build_dir, " ".join(
        os.path.basename(f) for f in fragments)))
    base = make_command(src, build_dir, flavour, 1)
    run = lambda cmd: _run(cmd, nice, quiet=True)  # noqa: E731
    run(base + ["tinyconfig"])
    run(["env", "ARCH=x86_64", os.path.join(src, "scripts", "kconfig", "merge_config.sh"),
         "-m", "-O", build_dir, config] + fragments)
    run(base + ["olddefconfig"])
    missing = missing_options(fragments, config)
    if missing:
        raise BuildError("the configuration lacks what the fragments ask for "
                         "(unmet dependencies?): " + ", ".join(missing))
    with open(stamp, "w") as f:
        f.write(want)
    return True


@contextlib.contextmanager
def locked(build_dir, wait=True):
    """Hold the build dir's lock: one build, coverage run or mutant run at a
    time per build dir (a mutant run edits the tree the others compile).
    wait=False raises BlockingIOError when someone else holds it."""
    os.makedirs(build_dir, exist_ok=True)
    with open(os.path.join(build_dir, ".splicecheck-lock"), "w") as f:
        if wait:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                log("waiting for another run using %s" % build_dir)
                fcntl.flock(f, fcntl.LOCK_EX)
        else:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield


def _run(cmd, nice, quiet=False):
    if nice:
        cmd = ["nice", "-n", str(nice)] + cmd
    p = subprocess.run(cmd, env=_env(), stdout=subprocess.PIPE if quiet else None,
                       stderr=subprocess.STDOUT if quiet else None,
                       universal_newlines=True)
    if p.returncode != 0:
        tail = "\n".join((p.stdout or "").splitlines()[-30:]) if quiet else ""
        raise BuildError("%s failed (exit %d)%s" % (" ".join(cmd[:8]), p.returncode,
                                                     "\n" + tail if tail else ""))
    return p


def build(source=DEFAULT_SOURCE, flavour=DEFAULT_FLAVOUR, build_dir=None, jobs=None,
          nice=10, extra_fragments=(), quiet=False):
    """Configure if needed, then make bzImage. Returns a dict: src, build_dir,
    bzimage, version, flavour, seconds, configured."""
    start = time.monotonic()
    src = prepare_source(source)
    fragments = fragments_for(flavour, extra_fragments)
    build_dir = os.path.abspath(build_dir or default_build_dir(src, flavour))
    configured = configure(src, build_dir, flavour, fragments, nice)
    jobs = jobs or (os.cpu_count() or 1) + 1
    log("make bzImage in %s (-j%d%s)" % (build_dir, jobs, ", ccache" if shutil.which("ccache")
                                          else ", no ccache"))
    extra = ["-s"] if quiet else []
    _run(make_command(src, build_dir, flavour, jobs, extra + ["bzImage"]), nice, quiet=quiet)
    bz = os.path.join(build_dir, "arch", "x86", "boot", "bzImage")
    if not os.path.isfile(bz):
        raise BuildError("make succeeded but %s is missing" % bz)
    secs = time.monotonic() - start
    log("%s built in %.0fs" % (bz, secs))
    return {"src": src, "build_dir": build_dir, "bzimage": bz, "flavour": flavour,
            "version": kernel_version(src), "seconds": round(secs, 1),
            "configured": configured}


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="tools/kernel-build",
        description="Build splicecheck's test kernel (tinyconfig + ci/kernel/*.fragment, "
                    "out of tree, ccache, incremental) and print the bzImage path.")
    p.add_argument("--source", default=DEFAULT_SOURCE, metavar="TREE|TARBALL",
                   help="kernel tree, or a tarball extracted once under the cache "
                        "(default %(default)s)")
    p.add_argument("--flavour", choices=sorted(FLAVOURS), default=DEFAULT_FLAVOUR,
                   help="gcov: WATCH_QUEUE + gcov on the splice files (default); "
                        "plain: without gcov")
    p.add_argument("--fragment", action="append", default=[], metavar="FILE",
                   help="one more config fragment merged last (repeatable)")
    p.add_argument("--build-dir", metavar="DIR",
                   help="out-of-tree build directory (default: under %s)" % cache_dir())
    p.add_argument("-j", "--jobs", type=int, metavar="N",
                   help="make jobs (default: cores + 1)")
    p.add_argument("--nice", type=int, default=10, help="niceness (default %(default)s)")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="show make's output (by default only its last lines on failure)")
    p.add_argument("--print-build-dir", action="store_true",
                   help="print the build directory that would be used, and exit")
    return p.parse_args(argv)


def main(argv=None):
    a = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        if a.print_build_dir:
            src = prepare_source(a.source)
            print(os.path.abspath(a.build_dir or default_build_dir(src, a.flavour)))
            return 0
        for t in ("make", "gcc", "flex", "bison", "bc"):
            if not shutil.which(t):
                raise BuildError("%s is missing; apt-get install build-essential flex "
                                 "bison bc libelf-dev libssl-dev ccache" % t)
        src = prepare_source(a.source)
        bd = os.path.abspath(a.build_dir or default_build_dir(src, a.flavour))
        with locked(bd):
            r = build(src, a.flavour, bd, a.jobs, a.nice, a.fragment, quiet=not a.verbose)
    except BuildError as e:
        sys.stderr.write("tools/kernel-build: %s\n" % e)
        return 1
    print(r["bzimage"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
