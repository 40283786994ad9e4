#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""svsmctl's benchmarks (run by scripts/bench.sh; see README.md, "Benchmarks").

Measures, on the host and in QEMU VMs booted by tests/vm/vm.py with the
emulated SVSM, and writes the numbers it measured, with the commands behind
them, to a Markdown report, a JSON file and a PNG plot (bench/plot.py):

1. whole-process cost, svsmctl against systemd-detect-virt, cpuid and
   virt-what, run alternately (A B C A B C ...) by tests/e2e/svsm-bench.c,
   with the start-up floor of any C++ program linked as svsmctl is
   (tests/e2e/svsm-bench-floor.cpp); instructions counted by callgrind on
   the host;
2. per-call cost of each ioctl in the VM (tests/e2e/svsm-ioctl.c in its
   seconds=N loop, one-second slices of each operation in turn), against
   GET_INFO and against a bare cross-CPU function call (svsm-bench
   xcpu-sync: read() of a perf event bound to the other CPU);
3. scaling with the number of vCPUs: wall time, SVSM calls (the emulated
   SVSM's debugfs counter) and the IPIs the command's processes send (the
   kernel's ipi events, task context only) per command;
4. footprint: sizes, shared libraries, start-up relocations, module memory.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "vm"))
import vm as vmlib  # noqa: E402
from report import CXX_FLOOR  # noqa: E402  (bench/, this script's directory)

# The peers, on the host and copied into the VM with their libraries.
PEERS = {"/usr/bin/systemd-detect-virt": "/usr/bin/systemd-detect-virt",
         "/usr/bin/cpuid": "/usr/bin/cpuid",
         "/usr/sbin/virt-what": "/usr/sbin/virt-what",
         "/usr/libexec/virt-what-cpuid-helper": "/usr/libexec/virt-what-cpuid-helper",
         "/usr/sbin/dmidecode": "/usr/sbin/dmidecode"}
PEERS = {dest: Path(src) for dest, src in PEERS.items()}
# The kernel's cpuid driver: /dev/cpu/N/cpuid for the cross-CPU floor.
CPUID_MODULE = "kernel/arch/x86/kernel/cpuid"
PEER = "systemd-detect-virt"


def whole_process_commands(svsmctl: str, floor: str) -> list[tuple[str, list[str]]]:
    """(label, argv): svsmctl's commands first, the C++ floor, then the peers."""
    return [("svsmctl status", [svsmctl, "status"]),
            ("svsmctl status --json", [svsmctl, "--json", "status"]),
            ("svsmctl check", [svsmctl, "check"]),
            ("svsmctl --version", [svsmctl, "--version"]),
            (CXX_FLOOR, [floor]),
            ("systemd-detect-virt", ["systemd-detect-virt"]),
            ("cpuid -1 -l 0x8000001f", ["cpuid", "-1", "-l", "0x8000001f"]),
            ("virt-what", ["virt-what"])]


def run_alternating(runner, bench: str, rounds: int, cmds) -> tuple[str, dict]:
    """Run @cmds alternately @rounds times with svsm-bench; @runner runs a
    shell command line (on the host or in the guest) and returns its stdout."""
    argv = [bench, "run", str(rounds)]
    for i, (_, cmd) in enumerate(cmds):
        argv += ([":::"] if i else []) + cmd
    line = shlex.join(argv)
    out = runner(line)
    samples = {label: {"wall_ns": [], "rss_kib": [], "rc": set()} for label, _ in cmds}
    for row in out.splitlines():
        idx, ns, rss, rc = (int(x) for x in row.split())
        s = samples[cmds[idx][0]]
        s["wall_ns"].append(ns)
        s["rss_kib"].append(rss)
        s["rc"].add(rc)
    result = {label: {"wall_ms": statistics.median(s["wall_ns"]) / 1e6,
                      "rss_kib": statistics.median(s["rss_kib"]),
                      "rc": sorted(s["rc"]), "runs": len(s["wall_ns"]),
                      "command": shlex.join(cmd)}
              for (label, cmd), s in zip(cmds, samples.values())}
    return line, result


def host_run(line: str) -> str:
    r = subprocess.run(line, shell=True, capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError(f"{line!r} exited {r.returncode}: {r.stderr}")
    return r.stdout


def callgrind(cmd: list[str], runs: int) -> int:
    """Median instructions of @cmd and its children (virt-what is a script)."""
    counts = []
    for _ in range(runs):
        r = subprocess.run(["valgrind", "--tool=callgrind", "--trace-children=yes",
                            "--callgrind-out-file=/dev/null"] + cmd,
                           capture_output=True, text=True)
        counts.append(sum(int(n.replace(",", "")) for n in
                          re.findall(r"Collected : ([\d,]+)", r.stderr)))
    return int(statistics.median(counts))


def ld_statistics(cmd: list[str]) -> dict:
    """The dynamic loader's own count of start-up relocations."""
    r = subprocess.run(cmd, capture_output=True, text=True,
                       env={**os.environ, "LD_DEBUG": "statistics"})
    stats = {}
    for key, pat in (("relocations", r"number of relocations:\s*(\d+)"),
                     ("relocations_from_cache", r"number of relocations from cache:\s*(\d+)"),
                     ("loader_cycles", r"total startup time in dynamic loader:\s*([\d,]+) cycles")):
        m = re.search(pat, r.stderr)
        stats[key] = int(m.group(1).replace(",", "")) if m else None
    return stats


def stripped_size(path: Path) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / path.name
        subprocess.run(["strip", "--strip-debug", "-o", str(out), str(path)], check=True)
        return out.stat().st_size


def shared_libraries(path: Path) -> list[str]:
    r = subprocess.run(["ldd", str(path)], capture_output=True, text=True)
    return [line.split()[0] for line in r.stdout.splitlines()
            if "=>" in line or line.strip().startswith("/")]


def footprint(build: Path, kernel: vmlib.Kernel) -> dict:
    svsmctl = build / "cli" / "svsmctl"
    fp = {"svsmctl_bytes": svsmctl.stat().st_size,
          "svsmctl_stripped_bytes": stripped_size(svsmctl),
          "module_stripped_bytes": stripped_size(kernel.ko),
          "module_release": kernel.release,
          "libraries": shared_libraries(svsmctl),
          "startup": {}}
    plugins = sorted((build / "lib").glob("*.so"))
    fp["plugins"] = {p.name: {"stripped_bytes": stripped_size(p), "libraries": shared_libraries(p)}
                     for p in plugins}
    for args in (["--version"], ["status"]):
        fp["startup"][" ".join(args)] = ld_statistics([str(svsmctl)] + args)
    fp["startup_peer"] = ld_statistics(["systemd-detect-virt"])
    fp["startup_command"] = f"LD_DEBUG=statistics {svsmctl} --version"
    return fp


class Guest:
    def __init__(self, machine: vmlib.VM):
        self.vm = machine

    def sh(self, cmd: str, timeout: float = 600) -> str:
        r = self.vm.run(cmd, timeout)
        if r.rc:
            raise RuntimeError(f"guest: {cmd!r} exited {r.rc}\n{r.out}\n{r.err}")
        return r.out

    def svsm_calls(self) -> int:
        m = re.search(r"^vmgexits (\d+)", self.sh("cat /sys/kernel/debug/svsm_diag/state"), re.M)
        return int(m.group(1))

    def call_ipis(self) -> int:
        for line in self.sh("cat /proc/interrupts").splitlines():
            parts = line.split()
            if parts and parts[0] == "CAL:":
                return sum(int(p) for p in parts[1:] if p.isdigit())
        raise RuntimeError("no CAL line in /proc/interrupts")

    def ipis_sent(self, cmd: str) -> int:
        """Runs @cmd (one process; not under the harness, whose fork() costs
        TLB-flush IPIs of its own) and counts the IPIs sent from its context,
        not from interrupts that happened to hit it: the CAL line of
        /proc/interrupts also counts the timer's and the scheduler's IPIs,
        which grow with wall time (under TCG, ~40 for a 0.1 s process that
        makes no cross-CPU request). The ipi events are on from boot
        (IPI_TRACE_BOOT); nothing here enables a tracepoint or a pid filter,
        as that patches kernel text, which under TCG can leave another vCPU
        on a stale int3 (seen: an int3 oops in __schedule)."""
        out = self.sh(f"echo > {TRACING}/trace && sh -c 'echo $$; exec {cmd} >/dev/null 2>&1'")
        return count_task_ipis(self.sh(f"cat {TRACING}/trace"), int(out.split()[0]))

    def check_ipi_trace(self) -> None:
        self.sh(f"mountpoint -q {TRACING} || mount -t tracefs none {TRACING}; "
                f"grep -qx 1 {TRACING}/events/ipi/ipi_send_cpu/enable && "
                f"grep -qx 1 {TRACING}/events/ipi/ipi_send_cpumask/enable")

    def mem_free_kib(self) -> int:
        out = self.sh("sync; echo 3 > /proc/sys/vm/drop_caches; cat /proc/meminfo")
        return int(re.search(r"^MemFree:\s+(\d+)", out, re.M).group(1))


TRACING = "/sys/kernel/tracing"
# Kernel command line of the VMs: the ipi events on from early boot, before
# the other CPUs start (see Guest.ipis_sent).
IPI_TRACE_BOOT = "trace_event=ipi:ipi_send_cpu,ipi:ipi_send_cpumask"


def count_task_ipis(trace: str, pid: int) -> int:
    """IPIs in an ftrace text buffer sent by task @pid outside hard and soft
    interrupt context (the flags' third character is 'h', 's' or 'H' in
    those); a cpumask event counts each CPU it names."""
    n = 0
    for line in trace.splitlines():
        m = re.match(r"\s*\S*-(\d+)\s+\[\d+\]\s+(\S+)\s+[\d.]+: (ipi_send_cpu(?:mask)?): (\S+)",
                     line)
        if not m or int(m.group(1)) != pid or (len(m.group(2)) > 2 and m.group(2)[2] in "hsH"):
            continue
        if m.group(3) == "ipi_send_cpu":
            n += 1
            continue
        for part in m.group(4).removeprefix("cpumask=").split(","):
            lo, _, hi = part.partition("-")
            n += int(hi or lo) - int(lo) + 1
    return n


SCALING = [("status", "svsmctl status"), ("cpus", "svsmctl cpus"),
           ("remap-ca --all-cpus", "svsmctl remap-ca --all-cpus")]


def scaling_point(g: Guest, runs: int) -> dict:
    """Per command: median wall time, SVSM calls, the IPIs its processes sent
    and (for comparison) the CAL IPIs all CPUs took meanwhile, per run."""
    g.check_ipi_trace()
    point = {}
    for label, cmd in [("true", "true")] + SCALING:
        walls, calls, ipis, cal = [], [], [], []
        for _ in range(runs):
            c0, i0 = g.svsm_calls(), g.call_ipis()
            out = g.sh(f"svsm-bench run 1 {cmd}")
            c1, i1 = g.svsm_calls(), g.call_ipis()
            sent = g.ipis_sent(cmd)
            _, ns, _, rc = (int(x) for x in out.split())
            if rc and label != "true":
                raise RuntimeError(f"guest: {cmd} exited {rc}")
            walls.append(ns / 1e6)
            calls.append(c1 - c0)
            ipis.append(sent)
            cal.append(i1 - i0)
        point[label] = {"wall_ms": statistics.median(walls), "svsm_calls": statistics.median(calls),
                        "ipis": statistics.median(ipis), "cal_ipis_all": statistics.median(cal),
                        "command": cmd}
    return point


PER_CALL = [
    ("GET_INFO (null ioctl)", "taskset -c 0 svsm-ioctl info seconds={s}"),
    ("GET_CPU", "taskset -c 0 svsm-ioctl cpu cpu=0 seconds={s}"),
    ("CALL QUERY_PROTOCOL, caller's CPU",
     "taskset -c 0 svsm-ioctl call cpu=0 protocol=0 call_id=6 rcx=1 seconds={s}"),
    ("CALL QUERY_PROTOCOL, other CPU",
     "taskset -c 0 svsm-ioctl call cpu=1 protocol=0 call_id=6 rcx=1 seconds={s}"),
    ("REMAP_CA_TEST", "taskset -c 0 svsm-ioctl remap cpu=0 seconds={s}"),
    ("ATTEST", "taskset -c 0 svsm-ioctl attest report_cap=4096 manifest_cap=4096 "
               "certs_cap=16384 seconds={s}"),
]
FLOOR = [("cross-CPU function call (perf event read), caller's CPU",
          "taskset -c 0 svsm-bench xcpu-sync 0 {s}"),
         ("cross-CPU function call (perf event read), other CPU",
          "taskset -c 0 svsm-bench xcpu-sync 1 {s}"),
         ("cross-CPU function call that sleeps (cpuid driver), other CPU",
          "taskset -c 0 svsm-bench xcpu 1 {s}")]


def per_call(g: Guest, slices: int) -> dict:
    """Calls per second of each operation: one-second slices of every
    operation in turn (A B C ... A B C ...), @slices rounds, the median
    slice of each, so that a change in the host's load hits all alike."""
    g.sh(f"insmod /lib/modules/$(uname -r)/{CPUID_MODULE}.ko")
    rates = {label: [] for label, _ in PER_CALL + FLOOR}
    commands = {label: tmpl.format(s=1) for label, tmpl in PER_CALL + FLOOR}
    for _ in range(slices):
        for label, _ in PER_CALL:
            r = json.loads(g.sh(commands[label]))
            bad = {k: v for k, v in r["errnos"].items() if k != "OK"}
            if bad:
                raise RuntimeError(f"guest: {commands[label]}: errors {bad}")
            rates[label].append(r["ioctls"] / (r["elapsed_ns"] / 1e9))
        for label, _ in FLOOR:
            calls, ns = (int(x) for x in g.sh(commands[label]).split())
            rates[label].append(calls / (ns / 1e9))
    g.sh("rmmod cpuid")
    return {label: {"calls_per_s": statistics.median(r), "slices": len(r),
                    "command": commands[label]} for label, r in rates.items()}


def vm_suite(kernel: vmlib.Kernel, cpus: list[int], detail_cpus: int, rounds: int,
             runs: int, slices: int, log, tag: str) -> dict:
    build = vmlib.build_dir()
    res = {"scaling": {}, "module_mem_kib": {}}
    for n in cpus:
        t0 = time.monotonic()
        try:
            machine = vmlib.boot(kernel, workdir=build / "vm" / f"{kernel.name}-{tag}-{n}",
                                 extra_binaries=PEERS, extra_modules=(CPUID_MODULE,), smp=n,
                                 append=IPI_TRACE_BOOT)
        except vmlib.VMError as e:
            # A big VM may not boot in time on a loaded machine: the report says
            # so (SVSMCTL_VM_BOOT_TIMEOUT gives it longer), the rest is kept.
            res.setdefault("failed", {})[n] = str(e).splitlines()[0]
            log(f"{n} vCPUs: {res['failed'][n]}")
            continue
        res["accel"] = machine.accel
        try:
            g = Guest(machine)
            free0 = g.mem_free_kib()
            g.sh("modprobe svsm_diag backend=emulated")
            g.sh("svsmctl status >/dev/null")  # whatever the module allocates on first use
            res["module_mem_kib"][n] = free0 - g.mem_free_kib()
            if n == detail_cpus:
                res["whole_process_line"], res["whole_process"] = run_alternating(
                    g.sh, "svsm-bench", rounds, whole_process_commands("svsmctl", "svsm-bench-floor"))
                res["per_call"] = per_call(g, slices)
                res["detail_cpus"] = n
            res["scaling"][n] = scaling_point(g, runs)
            g.sh("rmmod svsm_diag")
        finally:
            machine.stop()
        res.setdefault("boot_seconds", {})[n] = machine.boot_seconds
        log(f"{n} vCPUs: {time.monotonic() - t0:.0f} s")
    res["kernel"] = kernel.release
    return res


def machine_info() -> dict:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    load = os.getloadavg()
    return {"host": platform.node(), "cpu": cpu, "cpus": os.cpu_count(),
            "kernel": platform.release(),
            "os": Path("/etc/debian_version").read_text().strip() if
            Path("/etc/debian_version").exists() else "?",
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "loadavg_start": f"{load[0]:.1f}"}


def git_commit() -> str:
    r = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
                       capture_output=True, text=True)
    return r.stdout.strip() or "?"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true",
                    help="one round, 1 and 2 vCPUs, 1 s loops: proves the benchmark runs")
    ap.add_argument("--kernel", default="6.12", help="kernel name for the VMs (default 6.12)")
    ap.add_argument("--cpus", help="comma-separated vCPU counts (default 1,2,4,8,16,32,64)")
    ap.add_argument("--rounds", type=int, help="whole-process rounds (default 11)")
    ap.add_argument("--out", type=Path, help="directory for benchmarks.{md,json} and the plot")
    ap.add_argument("--before", type=Path, help="JSON of an earlier run to compare with")
    ap.add_argument("--render", type=Path,
                    help="only write the report and plot again from this run's JSON")
    args = ap.parse_args()
    for name in ("out", "before", "render"):
        if getattr(args, name):
            setattr(args, name, getattr(args, name).resolve())
    # Commands run from the top of the tree, so the report names them as a
    # reader runs them (build/cli/svsmctl), not by this machine's paths.
    os.chdir(ROOT)
    if args.render:
        return render(json.loads(args.render.read_text()), args.out or args.render.parent, args.before)

    smoke = args.smoke
    cpus = [int(c) for c in (args.cpus or ("1,2" if smoke else "1,2,4,8,16,32,64")).split(",")]
    detail = 2 if smoke else 4
    if detail not in cpus:
        detail = max(cpus)
    rounds = args.rounds or (1 if smoke else 11)
    runs = 1 if smoke else 3
    slices = 1 if smoke else 5
    build = Path(os.path.relpath(vmlib.build_dir()))
    out = args.out or (build / "bench-smoke" if smoke else ROOT / "docs")
    out.mkdir(parents=True, exist_ok=True)

    def log(msg):
        print(f"bench: {msg}", file=sys.stderr, flush=True)

    kernels = [k for k in vmlib.find_kernels() if k.name == args.kernel]
    if not kernels:
        log(f"no kernel {args.kernel!r} with a built svsm_diag.ko")
        return 1
    kernel = kernels[0]
    bench = build / "tests" / "e2e" / "svsm-bench"
    svsmctl = build / "cli" / "svsmctl"

    data = {"machine": machine_info(), "commit": git_commit(), "smoke": smoke,
            "argv": " ".join(["scripts/bench.sh"] + sys.argv[1:]),
            "rounds": rounds, "runs": runs, "slices": slices}
    log("footprint")
    data["footprint"] = footprint(build, kernel)
    log("whole process on the host")
    cmds = whole_process_commands(str(svsmctl), str(build / "tests" / "e2e" / "svsm-bench-floor"))
    data["host_line"], data["host"] = run_alternating(host_run, str(bench), rounds, cmds)
    log("callgrind on the host")
    for label, cmd in cmds:
        # virt-what is a script: callgrind follows its ~20 children, a minute
        # or more; the smoke run leaves it out.
        # In the full run too, it is counted once (its count hardly varies).
        skip = smoke and label == "virt-what"
        runs_cg = 1 if smoke or label == "virt-what" else 3
        data["host"][label]["instructions"] = None if skip else callgrind(cmd, runs_cg)
    log(f"VMs ({kernel.release}, vCPUs {cpus})")
    data["vm"] = vm_suite(kernel, cpus, detail, rounds, runs, slices, log,
                          "bench-smoke" if smoke else "bench")
    data["machine"]["loadavg_end"] = f"{os.getloadavg()[0]:.1f}"

    (out / "benchmarks.json").write_text(json.dumps(data, indent=1) + "\n")
    data = json.loads((out / "benchmarks.json").read_text())  # the report reads what was kept
    return render(data, out, args.before)


def render(data: dict, out: Path, before_json: Path | None) -> int:
    """benchmarks.md and the plot, from a run's data (and an earlier run's)."""
    import report  # bench/report.py
    out.mkdir(parents=True, exist_ok=True)
    if not (out / "benchmarks.json").exists():
        (out / "benchmarks.json").write_text(json.dumps(data, indent=1) + "\n")
    before = json.loads(before_json.read_text()) if before_json else None
    before_name = os.path.relpath(before_json, ROOT) if before_json else ""
    (out / "benchmarks.md").write_text(report.render(data, before, before_name))
    subprocess.run([sys.executable, str(ROOT / "bench" / "plot.py"), str(out / "benchmarks.json"),
                    str(out / "benchmarks-scaling.png")], check=True)
    print(f"bench: wrote {out / 'benchmarks.md'} and {out / 'benchmarks-scaling.png'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
