#!/usr/bin/python3
"""Build the sanitizer kernel the e2e tests boot as a third kernel.

Linux 7.3 from Debian's linux-source-7.3 (trixie-backports), a small config
(tinyconfig plus the fragment
tests/vm/debug-kernel.config: KASAN, kmemleak, lockdep, DEBUG_ATOMIC_SLEEP,
UBSAN, ..., and SEV guest support so that the real SEV-SNP transport and every
feature probe compile), and svsm_diag.ko built against it, W=1 and sparse clean.

  debug_kernel.py build   build or reuse the kernel, always rebuild the module,
                          print the SVSMCTL_EXTRA_KERNELS entry for vm.py
  debug_kernel.py path    print that entry if a finished build is cached,
                          exit 1 otherwise (builds nothing)

The one line on stdout is "7.3:<release>:<bzImage>:<svsm_diag.ko>"; progress
goes to stderr, build output to build.log / kmod.log next to the kernel. The
module is installed in install/ of the cache directory together with the
kernel's modules.order, modules.builtin and modules.builtin.modinfo (for depmod).

The kernel is cached in <build dir>/debug-kernel/<key>/ (SVSMCTL_DEBUG_KERNEL_DIR
overrides the parent), where the key hashes the fragment, the linux-source-7.3
package version and the gcc version; a stamp file written last marks it
finished. The build dir is SVSMCTL_BUILD_DIR (default: <repo>/build); the
module's generated svsm_diag_version.h comes from its kmod/ subdirectory.

Standard library only: runs with Debian's /usr/bin/python3.
"""
from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
FRAGMENT = HERE / "debug-kernel.config"
SOURCE_PACKAGE = "linux-source-7.3"
SOURCE_TARBALL = Path(os.environ.get("SVSMCTL_LINUX_SOURCE",
                                     f"/usr/src/{SOURCE_PACKAGE}.tar.xz"))
LABEL = "7.3"
MODULE_META = ("modules.order", "modules.builtin", "modules.builtin.modinfo")
# Bump when the recipe below changes in a way that needs a new kernel.
RECIPE = "1"
# What make must not inherit from whoever runs us.
SCRUB_ENV = ("KERNELRELEASE", "KBUILD_OUTPUT", "KCONFIG_CONFIG", "ARCH", "CROSS_COMPILE",
             "O", "M", "KDIR", "LOCALVERSION", "KCFLAGS", "KCPPFLAGS")


class BuildError(Exception):
    def __init__(self, message: str, log: Path | None = None):
        super().__init__(message)
        self.log = log


def progress(msg: str, log: Path | None = None) -> None:
    line = f"debug_kernel: {time.strftime('%H:%M:%S')} {msg}"
    print(line, file=sys.stderr, flush=True)
    if log is not None:
        with open(log, "a") as f:
            f.write(f"### {line}\n")


def build_dir() -> Path:
    return Path(os.environ.get("SVSMCTL_BUILD_DIR", REPO / "build")).resolve()


def cache_root() -> Path:
    root = os.environ.get("SVSMCTL_DEBUG_KERNEL_DIR")
    return Path(root).resolve() if root else build_dir() / "debug-kernel"


def make_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SCRUB_ENV}
    env["LC_ALL"] = "C"
    return env


def jobs() -> int:
    return int(os.environ.get("SVSMCTL_DEBUG_KERNEL_JOBS", "0")) or os.cpu_count() or 1


# --- cache key ---------------------------------------------------------------

def require_source() -> Path:
    if not SOURCE_TARBALL.is_file():
        raise BuildError(f"{SOURCE_TARBALL} not found: install the Debian package "
                         f"{SOURCE_PACKAGE} (apt-get install {SOURCE_PACKAGE})")
    return SOURCE_TARBALL


def source_version(tarball: Path) -> str:
    r = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", SOURCE_PACKAGE],
                       capture_output=True, text=True)
    if r.returncode == 0 and r.stdout.strip():
        return r.stdout.strip()
    st = tarball.stat()  # not from the package: identify the file itself
    return f"file:{st.st_size}:{int(st.st_mtime)}"


def gcc_version() -> str:
    try:
        r = subprocess.run(["gcc", "--version"], capture_output=True, text=True)
    except FileNotFoundError:
        raise BuildError("gcc not found (apt-get install gcc)") from None
    return r.stdout.splitlines()[0] if r.returncode == 0 and r.stdout else "unknown"


def cache_key(tarball: Path) -> tuple[str, dict[str, str]]:
    inputs = {
        "recipe": RECIPE,
        "fragment_sha256": hashlib.sha256(FRAGMENT.read_bytes()).hexdigest(),
        "source_package": f"{SOURCE_PACKAGE} {source_version(tarball)}",
        "gcc": gcc_version(),
    }
    blob = json.dumps(inputs, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:16], inputs


# --- running things ----------------------------------------------------------

def run(argv: list[str], cwd: Path, log: Path, what: str) -> None:
    progress(what, log)
    with open(log, "a") as f:
        f.write(f"### $ {' '.join(argv)}   (in {cwd})\n")
        f.flush()
        r = subprocess.run(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=f,
                           stderr=subprocess.STDOUT, env=make_env())
    if r.returncode != 0:
        raise BuildError(f"{what}: `{' '.join(argv)}` exited {r.returncode}", log)


def make_output(tree: Path, *args: str) -> str:
    r = subprocess.run(["make", "-s", "-C", str(tree), *args], capture_output=True,
                       text=True, env=make_env())
    if r.returncode != 0:
        raise BuildError(f"make {' '.join(args)} failed in {tree}:\n{r.stderr}")
    return r.stdout.strip()


# --- config verification -----------------------------------------------------

_SET = re.compile(r"^(CONFIG_\w+)=(.*)$")
_UNSET = re.compile(r"^# (CONFIG_\w+) is not set$")


def parse_config(text: str) -> dict[str, str]:
    """CONFIG_X -> value, with "n" for "# CONFIG_X is not set"."""
    values = {}
    for line in text.splitlines():
        line = line.strip()
        if m := _SET.match(line):
            values[m.group(1)] = m.group(2)
        elif m := _UNSET.match(line):
            values[m.group(1)] = "n"
    return values


def verify_config(fragment: Path, dotconfig: Path) -> list[str]:
    """Every option the fragment asks for, as .config does not have it."""
    wanted = parse_config(fragment.read_text())
    got = parse_config(dotconfig.read_text())
    def show(opt: str, value: str) -> str:
        return f"# {opt} is not set" if value == "n" else f"{opt}={value}"

    return [f"wanted {show(opt, want)}, got {show(opt, got.get(opt, 'n'))}"
            for opt, want in wanted.items() if got.get(opt, "n") != want]


# --- the kernel --------------------------------------------------------------

def read_stamp(keydir: Path) -> dict | None:
    try:
        stamp = json.loads((keydir / "stamp").read_text())
    except (OSError, ValueError):
        return None
    if not Path(stamp.get("bzimage", "")).is_file() or not Path(stamp.get("tree", "")).is_dir():
        return None
    return stamp


def build_kernel(tarball: Path, keydir: Path, inputs: dict[str, str]) -> dict:
    if keydir.exists():
        progress(f"removing the unfinished build in {keydir}")
        shutil.rmtree(keydir)
    keydir.mkdir(parents=True)
    log = keydir / "build.log"
    t0 = time.monotonic()
    progress(f"building the sanitizer kernel in {keydir} (log: {log})", log)

    run(["tar", "-xf", str(tarball), "-C", str(keydir)], keydir, log,
        f"extracting {tarball.name}")
    trees = [p for p in keydir.iterdir() if p.is_dir() and (p / "Makefile").is_file()]
    if len(trees) != 1:
        raise BuildError(f"expected one kernel tree in {keydir}, found {trees}", log)
    tree = trees[0]
    frag = keydir / "fragment.config"
    shutil.copy2(FRAGMENT, frag)

    run(["make", "tinyconfig"], tree, log, "make tinyconfig")
    run(["bash", "scripts/kconfig/merge_config.sh", "-m", ".config", str(frag)], tree, log,
        "merging debug-kernel.config")
    run(["make", "olddefconfig"], tree, log, "make olddefconfig")
    bad = verify_config(frag, tree / ".config")
    if bad:
        raise BuildError("these options of tests/vm/debug-kernel.config did not survive "
                         "make olddefconfig (a missing dependency or a renamed option):\n  "
                         + "\n  ".join(bad), log)
    progress("every option of the fragment is set as asked", log)

    run(["make", f"-j{jobs()}", "bzImage", "modules_prepare"], tree, log,
        f"make -j{jobs()} bzImage modules_prepare (the long part)")
    # Nothing is =m in this config; this only writes modules.order and friends.
    run(["make", f"-j{jobs()}", "modules"], tree, log, "make modules")
    for meta in MODULE_META:
        if not (tree / meta).exists():
            (tree / meta).write_text("")

    release = make_output(tree, "kernelrelease")
    bzimage = tree / "arch/x86/boot/bzImage"
    if not bzimage.is_file():
        raise BuildError(f"{bzimage} was not built", log)
    stamp = {"release": release, "tree": str(tree), "bzimage": str(bzimage),
             "built": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
             "build_seconds": round(time.monotonic() - t0), **inputs}
    tmp = keydir / "stamp.tmp"
    tmp.write_text(json.dumps(stamp, indent=2) + "\n")
    tmp.rename(keydir / "stamp")  # last: marks the kernel finished
    progress(f"kernel {release} built in {stamp['build_seconds']}s", log)
    return stamp


def prune(root: Path, keep: Path) -> None:
    """Other keys' kernels (about 2 GB each) are never used again."""
    for d in root.iterdir():
        if d != keep and d.is_dir() and re.fullmatch(r"[0-9a-f]{16}", d.name):
            progress(f"removing the old kernel build {d}")
            shutil.rmtree(d, ignore_errors=True)


# --- the module --------------------------------------------------------------

def build_module(keydir: Path, tree: Path) -> Path:
    header = build_dir() / "kmod" / "svsm_diag_version.h"
    if not header.is_file():
        raise BuildError(f"{header} not found: configure the project first "
                         f"(scripts/build.sh, or set SVSMCTL_BUILD_DIR)")
    kmod = keydir / "kmod"
    log = keydir / "kmod.log"
    log.unlink(missing_ok=True)
    if kmod.exists():
        shutil.rmtree(kmod)
    # Same as kmod/CMakeLists.txt: a copy of the sources plus the version header.
    shutil.copytree(REPO / "kmod", kmod, ignore=shutil.ignore_patterns("CMakeLists.txt"))
    shutil.copy2(header, kmod / header.name)
    run(["make", "-C", str(tree), f"M={kmod}", "W=1", "C=2", "modules"], kmod, log,
        "building svsm_diag.ko against the sanitizer kernel (W=1, sparse)")
    ko = kmod / "svsm_diag.ko"
    if not ko.is_file():
        raise BuildError(f"{ko} was not built", log)
    # Like scripts/check-kmod.sh for the installed kernels: no warning from
    # our sources, from gcc (W=1) or sparse.
    warnings = [line for line in log.read_text(errors="replace").splitlines()
                if line.startswith(str(kmod) + "/") and re.search(r"(warning|error):", line)]
    if warnings:
        raise BuildError("svsm_diag is not W=1 and sparse clean on this kernel:\n  "
                         + "\n  ".join(warnings), log)
    # The real transport is compiled here; its exchange must hold no call.
    check = subprocess.run([str(REPO / "tests/kmod/check_exchange.py"), str(ko), str(tree)],
                           capture_output=True, text=True)
    with open(log, "a") as f:
        f.write(check.stdout + check.stderr)
    if check.returncode != 0:
        raise BuildError("the real transport's exchange is not one uninstrumented sequence:\n"
                         + check.stdout + check.stderr, log)
    # checkpatch.pl --strict, from this very tree.
    style = subprocess.run([str(REPO / "tests/kmod/checkpatch.sh"), str(REPO / "kmod"),
                            str(keydir / "checkpatch")],
                           env={**make_env(), "CHECKPATCH": str(tree / "scripts/checkpatch.pl")},
                           capture_output=True, text=True)
    with open(log, "a") as f:
        f.write(style.stdout + style.stderr)
    if style.returncode != 0:
        raise BuildError("checkpatch.pl --strict is not clean on kmod/:\n" + style.stdout
                         + style.stderr, log)
    # Kbuild instruments external modules too; make sure it did.
    data = ko.read_bytes()
    missing = [s for s in ("__asan_", "__ubsan_handle_") if s.encode() not in data]
    if missing:
        raise BuildError(f"{ko} is not instrumented (no {', '.join(missing)} symbols)", log)
    # What the harness takes: the module, and next to it the kernel's module
    # lists for depmod (this kernel has no /lib/modules/<release>/ to take them from).
    install = keydir / "install"
    if install.exists():
        shutil.rmtree(install)
    install.mkdir()
    for meta in MODULE_META:
        shutil.copy2(tree / meta, install / meta)
    shutil.copy2(ko, install / ko.name)
    return install / ko.name


# --- commands ----------------------------------------------------------------

def entry(release: str, bzimage: Path, ko: Path) -> str:
    fields = [LABEL, release, str(bzimage), str(ko)]
    if any(":" in f or ";" in f for f in fields):
        raise BuildError(f"a path contains ':' or ';', which SVSMCTL_EXTRA_KERNELS cannot "
                         f"carry: {fields}")
    return ":".join(fields)


def lock(root: Path):
    root.mkdir(parents=True, exist_ok=True)
    f = open(root / ".lock", "w")
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        progress(f"waiting for another debug_kernel.py using {root}")
        fcntl.flock(f, fcntl.LOCK_EX)
    return f


def cmd_build() -> int:
    tarball = require_source()
    key, inputs = cache_key(tarball)
    root = cache_root()
    with lock(root):
        keydir = root / key
        stamp = read_stamp(keydir)
        if stamp:
            progress(f"reusing the cached kernel {stamp['release']} in {keydir}")
        else:
            stamp = build_kernel(tarball, keydir, inputs)
            prune(root, keydir)
        ko = build_module(keydir, Path(stamp["tree"]))
        print(entry(stamp["release"], Path(stamp["bzimage"]), ko), flush=True)
    return 0


def cmd_path() -> int:
    tarball = require_source()
    key, _ = cache_key(tarball)
    keydir = cache_root() / key
    stamp = read_stamp(keydir)
    ko = keydir / "install" / "svsm_diag.ko"
    if not stamp or not ko.is_file():
        print(f"debug_kernel: no finished build in {keydir} "
              f"(run: {sys.argv[0]} build)", file=sys.stderr)
        return 1
    print(entry(stamp["release"], Path(stamp["bzimage"]), ko))
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("build", help="build (or reuse) the kernel, rebuild svsm_diag.ko, "
                                 "print the SVSMCTL_EXTRA_KERNELS entry")
    sub.add_parser("path", help="print the entry of a cached build, or exit 1")
    args = ap.parse_args()
    try:
        return cmd_build() if args.cmd == "build" else cmd_path()
    except BuildError as e:
        print(f"debug_kernel: error: {e}", file=sys.stderr)
        if e.log is not None and e.log.exists():
            tail = e.log.read_text(errors="replace").splitlines()[-50:]
            print(f"--- last {len(tail)} lines of {e.log} ---", file=sys.stderr)
            print("\n".join(tail), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
