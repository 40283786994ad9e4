"""End-to-end tests: real Debian kernels in QEMU, svsm_diag and svsmctl inside.

One VM per kernel for the whole session (parametrized), shared by the tests
that ask for `guest`. After every test the guest's kernel log and taint are
checked: a BUG, WARNING, Oops, sanitizer report or a new taint flag fails
the test that caused it, and so does a module that cannot be unloaded:
every test starts and must end with the module unloaded.
"""
from __future__ import annotations

import json
import os
import shlex
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "vm"))
import vm as vmlib  # noqa: E402
from figures import record  # noqa: E402
from schema import validate  # noqa: E402

KERNELS = vmlib.find_kernels()
REQUIRED = int(os.environ.get("SVSMCTL_REQUIRE_VM", "0"))  # kernels that must be there


def pytest_configure(config):
    if len(KERNELS) < REQUIRED:
        raise pytest.UsageError(
            f"SVSMCTL_REQUIRE_VM={REQUIRED} but only {len(KERNELS)} kernel(s) have a built "
            f"svsm_diag.ko: {[k.release for k in KERNELS]}")


def pytest_collection_modifyitems(config, items):
    """Tests of configfs-tsm (the `tsm` fixture) do not apply to a kernel
    without it (Debian's 6.1): they are deselected there, not skipped, and
    test_attest.py's test_configfs_tsm_without_a_provider covers that kernel."""
    keep, drop = [], []
    for item in items:
        kernel = getattr(item, "callspec", None) and item.callspec.params.get("vm")
        if "tsm" in item.fixturenames and kernel and kernel.has_configfs_tsm is False:
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def project_version() -> str:
    cache = vmlib.build_dir() / "CMakeCache.txt"
    for line in cache.read_text().splitlines():
        if line.startswith("CMAKE_PROJECT_VERSION:"):
            return line.split("=", 1)[1]
    raise RuntimeError(f"no CMAKE_PROJECT_VERSION in {cache}")


@pytest.fixture(scope="session", params=KERNELS or [None],
                ids=[k.name for k in KERNELS] or ["no-kernel"])
def vm(request):
    kernel = request.param
    if kernel is None:
        pytest.skip("no kernel with a built svsm_diag.ko (build first, see README)")
    machine = vmlib.boot(kernel)
    print(f"\nbooted {kernel.release} in {machine.boot_seconds:.1f}s ({machine.accel})")
    machine.log_checks = machine.log_reports = 0
    yield machine
    record("kernel-log", kernel.name, {"tests_checked": machine.log_checks,
                                        "reports": machine.log_reports, "accel": machine.accel})
    machine.stop()


class Guest:
    """Helpers over one running VM."""

    def __init__(self, machine: vmlib.VM):
        self.vm = machine

    @property
    def kernel(self) -> vmlib.Kernel:
        return self.vm.kernel

    def run(self, cmd: str, timeout: float = 120) -> vmlib.Result:
        return self.vm.run(cmd, timeout)

    def ok(self, cmd: str, timeout: float = 120) -> str:
        r = self.run(cmd, timeout)
        assert r.rc == 0, f"{cmd!r} exited {r.rc}\nstdout:\n{r.out}\nstderr:\n{r.err}"
        return r.out

    def svsmctl(self, *args: str, user: str | None = None) -> vmlib.Result:
        cmd = "svsmctl " + " ".join(shlex.quote(a) for a in args)
        if user:
            cmd = f"su -s /bin/sh {user} -c {shlex.quote(cmd)}"
        return self.run(cmd)

    def svsmctl_json(self, *args: str, user: str | None = None, rc: int = 0) -> dict:
        r = self.svsmctl("--json", *args, user=user)
        assert r.rc == rc, f"svsmctl {' '.join(args)} exited {r.rc}, wanted {rc}\n{r.out}\n{r.err}"
        return validate(json.loads(r.out))  # against the schema the packages ship

    def ioctl(self, command: str, **fields) -> dict:
        args = " ".join(f"{k.replace('__', '.')}={v}" for k, v in fields.items())
        r = self.run(f"svsm-ioctl {command} {args}")
        assert r.rc == 0, f"svsm-ioctl failed: {r.out}{r.err}"
        return json.loads(r.out)

    def load(self, backend: str = "emulated", **params) -> None:
        # busybox modprobe "loads" a loaded module silently, with the old
        # parameters: a test must never run on a module it did not load.
        assert self.run("test -e /sys/module/svsm_diag").rc != 0, (
            "svsm_diag is already loaded: modprobe would keep its old parameters")
        opts = " ".join(f"{k}={v}" for k, v in params.items())
        self.ok(f"modprobe svsm_diag backend={backend} {opts}")
        for name, want in {"backend": backend, **params}.items():
            got = self.ok(f"cat /sys/module/svsm_diag/parameters/{name}").strip()
            if got in ("Y", "N"):  # bool parameters read back as Y or N
                want = "Y" if str(want).lower() in ("1", "y", "yes", "true", "on") else "N"
            assert got == str(want), f"svsm_diag loaded with {name}={got}, asked for {want}"

    def unload(self) -> None:
        self.ok("rmmod svsm_diag")
        assert self.run("test -e /sys/module/svsm_diag").rc != 0, "svsm_diag still loaded"

    def recover_cpu(self, cpu: int) -> None:
        """Offline and online @cpu: the kernel registers its own CA again."""
        self.run(f"echo 0 > /sys/devices/system/cpu/cpu{cpu}/online; "
                 f"echo 1 > /sys/devices/system/cpu/cpu{cpu}/online")

    def inject(self, fault: str) -> None:
        self.ok(f"echo {shlex.quote(fault)} > /sys/kernel/debug/svsm_diag/fault")

    def emu_state(self) -> dict:
        state = {"cpus": {}}
        for line in self.ok("cat /sys/kernel/debug/svsm_diag/state").splitlines():
            parts = line.split()
            if parts[0] == "cpu":
                fields = dict(zip(parts[2::2], parts[3::2]))
                state["cpus"][int(parts[1])] = {k: int(v, 0) for k, v in fields.items()}
            else:
                state[parts[0]] = int(parts[1], 0)
        return state


@pytest.fixture
def guest(vm):
    g = Guest(vm)
    # A clean start; the previous test was failed already if it left the module loaded.
    vm.run("rmmod svsm_diag 2>/dev/null; dmesg -c >/dev/null")
    yield g
    problems = vm.kernel_log_problems(unload="svsm_diag")
    vm.log_checks += 1
    vm.log_reports += len(problems)
    if problems:
        pytest.fail("kernel log after the test:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture
def emu(guest):
    """The guest with svsm_diag loaded on the emulated SVSM backend."""
    guest.load("emulated")
    return guest


@pytest.fixture(scope="session")
def version() -> str:
    return project_version()
