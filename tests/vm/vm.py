"""Boot real Debian kernels in QEMU with svsm_diag and svsmctl inside.

The guest is a busybox initramfs built on the fly: the module built for that
kernel under /lib/modules/<release>/extra with depmod run (so libkmod finds
it by name), svsmctl and the e2e helpers with the shared libraries they
need, and a small agent (agent.c) on the second serial port. The console (first
serial port) carries only kernel messages and is kept as a log.

Run it by hand:  python3 tests/vm/vm.py run [--kernel 6.12] -- svsmctl status
"""
from __future__ import annotations

import argparse
import base64
import ctypes
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent

# Taint flags loading an unsigned out-of-tree module sets: O (12) and E (13).
ALLOWED_TAINT = (1 << 12) | (1 << 13)
BAD_LOG = re.compile(
    r"BUG:|WARNING:|Oops|general protection|KASAN|UBSAN|kmemleak|Call Trace|"
    r"possible circular locking|inconsistent lock state|possible recursive locking|"
    r"suspicious RCU usage|sleeping function called from invalid context|"
    r"list_add corruption|list_del corruption|Kernel panic|stack-protector")

# Banners a sanitizer kernel prints at every boot, not reports.
BOOT_BANNERS = re.compile(r"kmemleak: Kernel memory leak detector initialized|"
                          r"kmemleak: Automatic memory scanning thread started")

BOOT_TIMEOUT = float(os.environ.get("SVSMCTL_VM_BOOT_TIMEOUT", "240"))


class VMError(Exception):
    """The VM died, hung or never booted; the console log is attached."""


@dataclass(frozen=True)
class Kernel:
    release: str
    vmlinuz: Path
    ko: Path
    label: str = ""

    @property
    def sanitizer(self) -> bool:
        """The KASAN/kmemleak/lockdep/UBSAN kernel tests/vm/debug_kernel.py builds."""
        return self.release.endswith("-svsm-debug")

    @property
    def has_configfs_tsm(self) -> bool | None:
        """CONFIG_TSM_REPORTS in the kernel's config on the host; None if unknown."""
        configs = [Path("/boot") / f"config-{self.release}", self.ko.parent / ".config"]
        if len(self.vmlinuz.parents) > 3:  # a tree's arch/x86/boot/bzImage
            configs.append(self.vmlinuz.parents[3] / ".config")
        for cfg in configs:
            if cfg.exists():
                return re.search(r"^CONFIG_TSM_REPORTS=[ym]$", cfg.read_text(), re.M) is not None
        return None

    @property
    def name(self) -> str:
        """Short name for test ids: 6.1, 6.12, or the label of a custom kernel."""
        if self.label:
            return self.label
        m = re.match(r"(\d+\.\d+)", self.release)
        return m.group(1) if m else self.release


def build_dir() -> Path:
    return Path(os.environ.get("SVSMCTL_BUILD_DIR", REPO / "build")).resolve()


def find_kernels(build: Path | None = None) -> list[Kernel]:
    """Every kernel in /boot with a svsm_diag.ko built for it, plus the
    custom ones in SVSMCTL_EXTRA_KERNELS ("label:release:bzImage:ko;..."),
    keeping only those named in SVSMCTL_KERNELS ("6.1,7.3") if set."""
    build = build or build_dir()
    kernels = []
    for vmlinuz in sorted(Path("/boot").glob("vmlinuz-*")):
        release = vmlinuz.name[len("vmlinuz-"):]
        ko = build / "kmod" / release / "svsm_diag.ko"
        if ko.exists():
            kernels.append(Kernel(release, vmlinuz, ko))
    for spec in filter(None, os.environ.get("SVSMCTL_EXTRA_KERNELS", "").split(";")):
        label, release, image, ko = spec.split(":")
        kernels.append(Kernel(release, Path(image), Path(ko), label))
    wanted = os.environ.get("SVSMCTL_KERNELS")
    if wanted:
        names = wanted.split(",")
        kernels = [k for k in kernels if k.name in names]
    return kernels


def _ldd(binary: Path) -> list[Path]:
    out = subprocess.run(["ldd", str(binary)], capture_output=True, text=True)
    if out.returncode != 0:  # static
        return []
    libs = []
    for line in out.stdout.splitlines():
        m = re.search(r"(/\S+)", line.split("=>")[-1])
        if m:
            libs.append(Path(m.group(1)))
    return libs


def _library_path(soname: str) -> Path:
    """Where the dynamic loader finds @soname on this machine (ldconfig's cache)."""
    out = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, check=True).stdout
    m = re.search(rf"^\s+{re.escape(soname)} \(libc6,x86-64\) => (\S+)$", out, re.M)
    if not m:
        raise VMError(f"no {soname} on this machine (ldconfig -p)")
    return Path(m.group(1))


def _copy(src: Path, root: Path, dest: str | None = None, strip: bool = False) -> None:
    target = root / (dest or str(src)).lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(src, "rb") as f:
        elf = f.read(4) == b"\x7fELF"  # scripts (virt-what) are copied as they are
    if strip and elf:
        # Debug info is most of svsmctl's size; without it the initramfs
        # unpacks in a fraction of the time.
        subprocess.run(["objcopy", "--strip-debug", str(src.resolve()), str(target)], check=True)
    else:
        shutil.copy2(src.resolve(), target)


# configfs and the TSM report core, which guest-init loads in this order so
# that configfs-tsm (/sys/kernel/config/tsm/report) exists where the kernel
# has it as modules: tsm.ko on 6.7-6.12, tsm_report.ko later. Debian 6.1 has
# neither; a kernel with them built in needs none.
TSM_MODULES = ("kernel/fs/configfs/configfs", "kernel/drivers/virt/coco/tsm",
               "kernel/drivers/virt/coco/guest/tsm_report")


def _copy_tsm_modules(kernel: Kernel, moddir: Path, names=TSM_MODULES) -> None:
    """Copy TSM_MODULES (or @names) from the installed kernel, decompressed:
    busybox insmod hands the file to init_module(), which takes no .xz."""
    for name in names:
        for ext, unpack in ((".ko", None), (".ko.xz", ["xz", "-dc"]), (".ko.zst", ["zstd", "-dc"])):
            src = Path("/lib/modules") / kernel.release / (name + ext)
            if not src.exists():
                continue
            dest = moddir / (name + ".ko")
            dest.parent.mkdir(parents=True, exist_ok=True)
            if unpack is None:
                shutil.copy2(src, dest)
            else:
                with open(dest, "wb") as f:
                    subprocess.run(unpack + [str(src)], stdout=f, check=True)
            break


def build_initramfs(kernel: Kernel, binaries: dict[str, Path], out: Path,
                    extra_modules: tuple[str, ...] = ()) -> Path:
    """A gzip'ed newc cpio with busybox, the module, the binaries and the agent;
    @extra_modules are more of the kernel's own (paths below /lib/modules/<release>,
    without .ko), for insmod."""
    with tempfile.TemporaryDirectory(prefix="svsmctl-initramfs-") as tmp:
        root = Path(tmp)
        os.chmod(root, 0o755)  # mkdtemp makes it 0700: users other than root need /
        for d in ("bin", "sbin", "usr/bin", "usr/sbin", "dev", "proc", "sys", "tmp", "run",
                  "root", "etc", "var/lib/prometheus/node-exporter"):
            (root / d).mkdir(parents=True, exist_ok=True)
        os.chmod(root / "tmp", 0o1777)

        busybox = Path("/bin/busybox")
        _copy(busybox, root, "/bin/busybox")
        applets = subprocess.run([str(busybox), "--list-full"], capture_output=True,
                                 text=True, check=True).stdout.split()
        for applet in applets:
            link = root / applet
            if not link.exists():
                link.parent.mkdir(parents=True, exist_ok=True)
                link.symlink_to("/bin/busybox")

        for dest, src in binaries.items():
            _copy(src, root, dest, strip=True)
            for lib in _ldd(src):
                _copy(lib, root, strip=True)

        moddir = root / "lib/modules" / kernel.release
        (moddir / "extra").mkdir(parents=True)
        shutil.copy2(kernel.ko, moddir / "extra" / "svsm_diag.ko")
        for meta in ("modules.order", "modules.builtin", "modules.builtin.modinfo"):
            # Installed kernels have them in /lib/modules; a custom kernel
            # keeps them next to its module.
            for src in (Path("/lib/modules") / kernel.release / meta, kernel.ko.parent / meta):
                if src.exists():
                    shutil.copy2(src, moddir / meta)
                    break
        _copy_tsm_modules(kernel, moddir)
        _copy_tsm_modules(kernel, moddir, extra_modules)
        subprocess.run(["depmod", "-b", str(root), kernel.release], check=True)

        (root / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/sh\n"
                                         "nobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n")
        (root / "etc/group").write_text("root:x:0:\nnogroup:x:65534:\n")
        _copy(HERE / "guest-init", root, "/init")
        os.chmod(root / "init", 0o755)

        out.parent.mkdir(parents=True, exist_ok=True)
        with open(out, "wb") as f:
            find = subprocess.Popen(["find", "."], cwd=root, stdout=subprocess.PIPE)
            cpio = subprocess.Popen(["cpio", "--quiet", "-o", "-H", "newc", "-R", "0:0"],
                                    cwd=root, stdin=find.stdout, stdout=subprocess.PIPE)
            gz = subprocess.Popen(["gzip", "-1"], stdin=cpio.stdout, stdout=f)
            find.stdout.close()
            cpio.stdout.close()
            if gz.wait() or cpio.wait() or find.wait():
                raise VMError(f"building {out} failed")
    return out


def guest_binaries(build: Path) -> dict[str, Path]:
    """svsmctl, and every guest-side test helper built under tests/e2e."""
    bins = {"/usr/sbin/svsmctl": build / "cli" / "svsmctl",
            "/sbin/svsm-agent": build / "tests" / "vm" / "svsm-agent"}
    # attest and verify dlopen() their OpenSSL half from where it is installed.
    plugin = build / "lib" / "svsmctl-crypto.so"
    if plugin.exists():
        cache = {k: v for k, _, v in (line.partition("=") for line in
                 (build / "CMakeCache.txt").read_text().splitlines())}
        prefix = cache.get("CMAKE_INSTALL_PREFIX:PATH", "/usr/local")
        libdir = cache.get("CMAKE_INSTALL_LIBDIR:PATH", "lib")
        bins[str(Path(prefix) / libdir / "svsmctl" / plugin.name)] = plugin
    # module load and unload dlopen() libkmod (the packages depend on it):
    # no ldd of svsmctl lists it.
    libkmod = _library_path("libkmod.so.2")
    bins[str(libkmod)] = libkmod
    helpers = build / "tests" / "e2e"
    for path in sorted(helpers.iterdir()) if helpers.is_dir() else []:
        if path.is_file() and os.access(path, os.X_OK):
            bins["/usr/bin/" + path.name] = path
    missing = [str(p) for p in bins.values() if not p.exists()]
    if missing:
        raise VMError("not built: " + ", ".join(missing) + " (run scripts/build.sh first)")
    return bins


def _die_with_parent() -> None:
    # QEMU must not outlive the harness, whatever kills it.
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _kvm_usable() -> bool:
    return os.access("/dev/kvm", os.R_OK | os.W_OK)


@dataclass
class Result:
    rc: int
    out: str
    err: str

    def __iter__(self):
        return iter((self.rc, self.out, self.err))


@dataclass
class VM:
    kernel: Kernel
    initramfs: Path
    workdir: Path
    smp: int = 4
    memory_mb: int = 1024
    accel: str = "tcg"
    append: str = ""
    proc: subprocess.Popen | None = None
    sock: socket.socket | None = None
    _buf: bytes = b""
    _next_id: int = 1
    boot_seconds: float = 0.0
    taint_baseline: int = 0

    @property
    def console_path(self) -> Path:
        return self.workdir / "console.log"

    def console(self) -> str:
        try:
            return self.console_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        sock_path = self.workdir / "agent.sock"
        for p in (sock_path, self.console_path):
            p.unlink(missing_ok=True)
        cmdline = ("console=ttyS0 oops=panic panic=-1 panic_on_warn=0 rdinit=/init "
                   "loglevel=7 printk.devkmsg=on " + self.append).strip()
        argv = ["qemu-system-x86_64", "-nodefaults", "-display", "none", "-no-reboot",
                "-machine", "q35", "-smp", str(self.smp), "-m", str(self.memory_mb),
                "-kernel", str(self.kernel.vmlinuz), "-initrd", str(self.initramfs),
                "-append", cmdline,
                "-chardev", f"file,id=con,path={self.console_path}", "-serial", "chardev:con",
                "-chardev", f"socket,id=agent,path={sock_path},server=on,wait=off",
                "-serial", "chardev:agent", "-monitor", "none"]
        argv += ["-accel", "kvm", "-cpu", "host"] if self.accel == "kvm" else \
                ["-accel", "tcg", "-cpu", "max"]
        t0 = time.monotonic()
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        deadline = t0 + BOOT_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                raise VMError(self._failure(f"QEMU exited with {self.proc.returncode} during boot"))
            if sock_path.exists():
                try:
                    self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    self.sock.connect(str(sock_path))
                    break
                except OSError:
                    self.sock = None
            if time.monotonic() > deadline:
                self.stop()
                raise VMError(self._failure("QEMU never opened the agent socket"))
            time.sleep(0.05)
        try:
            line = self._readline(deadline)
            if not line.startswith("READY"):
                raise VMError(self._failure(f"unexpected agent greeting {line!r}"))
        except VMError:
            self._reap()
            raise
        self.boot_seconds = time.monotonic() - t0
        # The boot log counts too: a report there (lockdep's first and only
        # one, say) would otherwise hide behind the baseline taint.
        r = self.run("dmesg -c; echo TAINT=$(cat /proc/sys/kernel/tainted)")
        m = re.search(r"TAINT=(\d+)", r.out)
        self.taint_baseline = int(m.group(1)) if m else 0
        problems = [line for line in r.out.splitlines()
                    if BAD_LOG.search(line) and not BOOT_BANNERS.search(line)]
        if self.taint_baseline & ~ALLOWED_TAINT:
            problems.append(f"the kernel is tainted after boot ({self.taint_baseline:#x})")
        problems += self.sanitizer_problems()
        if problems:
            self.stop()
            raise VMError(self._failure("problems in the boot log:\n" + "\n".join(problems)))

    def _reap(self) -> None:
        """Make sure a QEMU that failed to boot is gone, so its output can be read."""
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def _failure(self, what: str) -> str:
        qemu_out = ""
        if self.proc and self.proc.stdout and self.proc.poll() is not None:
            qemu_out = self.proc.stdout.read().decode(errors="replace")
        tail = "\n".join(self.console().splitlines()[-80:])
        return (f"{what} (kernel {self.kernel.release})\n--- QEMU output ---\n{qemu_out}"
                f"\n--- console (last 80 lines) ---\n{tail}")

    def _readline(self, deadline: float) -> str:
        assert self.sock is not None
        while b"\n" not in self._buf:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise VMError(self._failure("the guest agent did not answer in time"))
            self.sock.settimeout(min(remaining, 1.0))
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                if self.proc and self.proc.poll() is not None:
                    raise VMError(self._failure(f"QEMU exited with {self.proc.returncode}"))
                continue
            except OSError as e:  # QEMU died under us (seen with KVM on nested hosts)
                self._reap()
                raise VMError(self._failure(f"the agent connection failed: {e}")) from e
            if not chunk:
                raise VMError(self._failure("the agent connection closed (guest crashed?)"))
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        return line.decode(errors="replace").rstrip("\r")

    def run(self, cmd: str, timeout: float = 120) -> Result:
        """Run a shell command in the guest as root: (exit status, stdout, stderr)."""
        if self.sock is None:
            raise VMError("the VM is not running")
        rid = self._next_id
        self._next_id += 1
        payload = base64.b64encode(cmd.encode()).decode()
        self.sock.sendall(f"RUN {rid} {payload}\n".encode())
        deadline = time.monotonic() + timeout
        while True:
            parts = self._readline(deadline).split(" ")
            if len(parts) == 5 and parts[0] == "RESULT" and parts[1] == str(rid):
                out = base64.b64decode(parts[3][:-1]).decode(errors="replace")
                err = base64.b64decode(parts[4][:-1]).decode(errors="replace")
                return Result(int(parts[2]), out, err)

    def kernel_log_problems(self, unload: str = "") -> list[str]:
        """New kernel messages that mean a bug, and unexpected taint; with
        @unload, that module is removed first (its exit path is checked too)
        and must be gone. On the sanitizer kernel, lockdep and kmemleak must
        still be on: both switch themselves off after their first report."""
        remove = ""
        if unload:
            remove = (f"if [ -e /sys/module/{unload} ]; then rmmod {unload} || true; fi; "
                      f"[ -e /sys/module/{unload} ] && echo STILL_LOADED; ")
        r = self.run(f"{remove}dmesg -c; echo TAINT=$(cat /proc/sys/kernel/tainted)")
        problems = [line for line in r.out.splitlines() if BAD_LOG.search(line)]
        if "STILL_LOADED" in r.out.splitlines():
            problems.append(f"{unload} could not be unloaded at the end of the test: "
                            f"{r.err.strip() or 'rmmod failed'}")
        problems += self.sanitizer_problems()
        m = re.search(r"TAINT=(\d+)", r.out)
        taint = int(m.group(1)) if m else 0
        new = taint & ~self.taint_baseline & ~ALLOWED_TAINT
        if new:
            problems.append(f"kernel taint gained flags {new:#x} (tainted={taint:#x})")
        return problems

    def sanitizer_problems(self) -> list[str]:
        """On the sanitizer kernel: lockdep (debug_locks) and kmemleak still on."""
        if not self.kernel.sanitizer:
            return []
        r = self.run("grep -E '^ *debug_locks:' /proc/lockdep_stats; "
                     "test -r /sys/kernel/debug/kmemleak && echo KMEMLEAK_FILE")
        problems = []
        m = re.search(r"debug_locks:\s*(\d+)", r.out)
        if not m or m.group(1) != "1":
            problems.append(f"lockdep is off (debug_locks: {m.group(1) if m else 'missing'}): "
                            "it stops after its first report, so later ones would be silent")
        if "KMEMLEAK_FILE" not in r.out:
            problems.append("kmemleak is off (no /sys/kernel/debug/kmemleak)")
        return problems

    def stop(self) -> None:
        if self.sock is not None:
            try:
                self.sock.sendall(b"POWEROFF\n")
            except OSError:
                pass
        if self.proc is not None:
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.sock is not None:
            self.sock.close()
        self.sock = None


def pick_accel(kernel: Kernel, initramfs: Path, workdir: Path) -> str:
    """KVM only if it really boots here (nested KVM hangs on these machines)."""
    choice = os.environ.get("SVSMCTL_VM_ACCEL", "auto")
    if choice in ("tcg", "kvm"):
        return choice
    if not _kvm_usable():
        return "tcg"
    cache = workdir / "accel"
    if cache.exists():
        return cache.read_text().strip()
    global BOOT_TIMEOUT
    saved, BOOT_TIMEOUT = BOOT_TIMEOUT, 20.0
    accel = "tcg"
    try:
        probe = VM(kernel, initramfs, workdir / "kvm-probe", accel="kvm", smp=1, memory_mb=512)
        probe.start()
        probe.stop()
        accel = "kvm"
    except (VMError, OSError) as e:
        print(f"vm: KVM did not boot a probe VM, using TCG ({str(e).splitlines()[0]})",
              file=sys.stderr)
    finally:
        BOOT_TIMEOUT = saved
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(accel)
    return accel


def boot(kernel: Kernel, workdir: Path | None = None, extra_binaries: dict[str, Path] | None = None,
         extra_modules: tuple[str, ...] = (), **kw) -> VM:
    """Boot @kernel; @extra_binaries (guest path: host path) and @extra_modules
    (see build_initramfs) go into the initramfs too (the benchmarks' peers)."""
    build = build_dir()
    workdir = workdir or build / "vm" / kernel.name
    initramfs = build_initramfs(kernel, {**guest_binaries(build), **(extra_binaries or {})},
                                workdir / "initramfs.cpio.gz", extra_modules)
    if kernel.sanitizer:
        # kasan_multi_shot: every KASAN report, not only the first.
        # no5lvl: with LA57 (TCG's "-cpu max" has it), pgtable_l5_enabled() reads
        # boot_cpu_data's feature bits until alternatives are patched, and
        # identify_cpu() zeroes those bits for a moment during boot; an interrupt
        # in that window makes KASAN's shadow bounds 4-level and report the
        # 5-level direct map as wild-memory-access (seen in CI on 7.3.4). The
        # sanitizer-free kernels keep 5-level paging, so the module's address
        # handling is still tested there.
        kw["append"] = " ".join(filter(None, ("kasan_multi_shot no5lvl", kw.get("append", ""))))
    vm = VM(kernel, initramfs, workdir, accel=pick_accel(kernel, initramfs, build / "vm"), **kw)
    vm.start()
    return vm


def main() -> int:
    ap = argparse.ArgumentParser(description="Run commands in a test VM with svsm_diag and svsmctl.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="boot, run COMMAND (a shell command line) as root, power off")
    r.add_argument("--kernel", help="kernel name or release (default: the newest with a module)")
    r.add_argument("command", nargs=argparse.REMAINDER)
    sub.add_parser("kernels", help="list the kernels a VM can boot")
    args = ap.parse_args()

    kernels = find_kernels()
    if args.cmd == "kernels":
        for k in kernels:
            print(f"{k.name}\t{k.release}\t{k.vmlinuz}\t{k.ko}")
        return 0 if kernels else 1
    if not kernels:
        print("vm.py: no kernel with a built svsm_diag.ko (build first)", file=sys.stderr)
        return 1
    chosen = [k for k in kernels if args.kernel in (None, k.name, k.release)]
    if not chosen:
        print(f"vm.py: no kernel {args.kernel!r}; have: {', '.join(k.name for k in kernels)}",
              file=sys.stderr)
        return 1
    kernel = chosen[-1]
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    vm = boot(kernel)
    try:
        res = vm.run(" ".join(command) or "true")
    finally:
        vm.stop()
    sys.stdout.write(res.out)
    sys.stderr.write(res.err)
    return res.rc


if __name__ == "__main__":
    sys.exit(main())
