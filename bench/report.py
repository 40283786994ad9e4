# SPDX-License-Identifier: GPL-2.0-only
"""Markdown report of one bench/bench.py run: every number comes from its JSON."""
from __future__ import annotations

PEER = "systemd-detect-virt"
CXX_FLOOR = "C++ start-up floor"
NULL = "GET_INFO (null ioctl)"
LOCAL = "CALL QUERY_PROTOCOL, caller's CPU"
REMOTE = "CALL QUERY_PROTOCOL, other CPU"
FLOOR_REMOTE = "cross-CPU function call (perf event read), other CPU"


def _num(v, digits=1):
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:,.{digits}f}"
    return f"{v:,}"


def _met(ok: bool) -> str:
    return "met" if ok else "**not met**"


def targets(d: dict) -> list[str]:
    vm, host = d["vm"], d["host"]
    wp = vm["whole_process"]
    rows = []
    r = wp["svsmctl status"]["wall_ms"] / wp[PEER]["wall_ms"]
    rows.append(("`status` in the VM, wall time vs systemd-detect-virt", "≤ 1.0x", f"{r:.2f}x", r <= 1.0))
    r = wp["svsmctl --version"]["wall_ms"] / wp[PEER]["wall_ms"]
    rows.append(("`--version` in the VM, wall time vs systemd-detect-virt", "≤ 0.5x", f"{r:.2f}x", r <= 0.5))
    r = host["svsmctl status"]["instructions"] / host[PEER]["instructions"]
    rows.append(("`status` on the host, instructions vs systemd-detect-virt", "≤ 0.5x", f"{r:.2f}x", r <= 0.5))
    sc = vm["scaling"]
    calls = {n: p["status"]["svsm_calls"] for n, p in sc.items()}
    rows.append(("SVSM calls per `status`, over vCPUs", "constant",
                 ", ".join(f"{_num(c)} at {n}" for n, c in calls.items()), len(set(calls.values())) == 1))
    # Beyond what exec and exit of any process cost (`true`: TLB flushes).
    ipis = {n: p["status"]["ipis"] - p["true"]["ipis"] for n, p in sc.items()}
    rows.append(("IPIs sent per `status`, beyond those of `true`", "≤ one per online CPU",
                 ", ".join(f"{_num(i)} at {n}" for n, i in ipis.items()),
                 all(i <= int(n) for n, i in ipis.items())))
    pc = vm["per_call"]
    r = pc[NULL]["calls_per_s"] / pc[LOCAL]["calls_per_s"]
    rows.append(("local CALL, time per call vs the null ioctl", "≤ 1.5x", f"{r:.2f}x", r <= 1.5))
    r = pc[FLOOR_REMOTE]["calls_per_s"] / pc[REMOTE]["calls_per_s"]
    rows.append(("remote CALL, time per call vs a bare cross-CPU function call", "≤ 1.5x",
                 f"{r:.2f}x", r <= 1.5))
    out = ["| target | wanted | measured | |", "|---|---|---|---|"]
    out += [f"| {a} | {b} | {c} | {_met(ok)} |" for a, b, c, ok in rows]
    floor = wp.get(CXX_FLOOR)
    if floor:
        out += ["", f"The floor under these wall times: `{floor['command']}`, a C++ program that "
                f"is linked as svsmctl is and prints one line, takes "
                f"{floor['wall_ms'] / wp[PEER]['wall_ms']:.2f}x systemd-detect-virt in the VM "
                f"(`svsmctl --version`: {wp['svsmctl --version']['wall_ms'] / floor['wall_ms']:.2f}x "
                f"the floor)."]
    return out


def whole_process(rows: dict, line: str, instructions: bool) -> list[str]:
    head = "| command | wall time, median (ms) | vs systemd-detect-virt | peak RSS (KiB) | exit status |"
    sep = "|---|---|---|---|---|"
    if instructions:
        head += " instructions (callgrind) | vs systemd-detect-virt |"
        sep += "---|---|"
    out = [head, sep]
    peer = rows[PEER]
    for label, r in rows.items():
        row = (f"| `{r['command']}` | {r['wall_ms']:.2f} | {r['wall_ms'] / peer['wall_ms']:.2f}x "
               f"| {_num(r['rss_kib'])} | {','.join(map(str, r['rc']))} |")
        if instructions:
            ratio = f"{r['instructions'] / peer['instructions']:.2f}x" if r["instructions"] else "-"
            row += f" {_num(r['instructions'])} | {ratio} |"
        out.append(row)
    out += ["", f"Measured by: `{line}`" + (" (instructions: `valgrind --tool=callgrind "
                                            "--trace-children=yes --callgrind-out-file=/dev/null "
                                            "COMMAND`, median of the runs)" if instructions else "")]
    return out


def per_call(pc: dict) -> list[str]:
    null = pc[NULL]["calls_per_s"]
    out = ["| operation | calls/s | µs per call | time vs the null ioctl | command |",
           "|---|---|---|---|---|"]
    for label, r in pc.items():
        out.append(f"| {label} | {r['calls_per_s']:,.0f} | {1e6 / r['calls_per_s']:.1f} "
                   f"| {null / r['calls_per_s']:.2f}x | `{r['command']}` |")
    return out


def scaling(vm: dict) -> list[str]:
    sc = vm["scaling"]
    labels = list(next(iter(sc.values())).keys())
    out = ["| vCPUs | " + " | ".join(f"`{lab}` ms / SVSM calls / IPIs" for lab in labels)
           + " | boot (s) | module memory (KiB) |",
           "|---|" + "---|" * (len(labels) + 2)]
    for n, p in sc.items():
        cells = [f"{p[lab]['wall_ms']:.1f} / {_num(p[lab]['svsm_calls'])} / {_num(p[lab]['ipis'])}"
                 for lab in labels]
        out.append(f"| {n} | " + " | ".join(cells) + f" | {vm['boot_seconds'][n]:.0f} "
                   f"| {_num(vm['module_mem_kib'][n])} |")
    for n, why in vm.get("failed", {}).items():
        out.append(f"| {n} | not measured: {why} |" + " |" * (len(labels) + 1))
    cmds = {lab: next(iter(sc.values()))[lab]["command"] for lab in labels}
    out += ["", "Each cell is the median of the runs of `svsm-bench run 1 COMMAND` in the guest, "
            "COMMAND being " + ", ".join(f"`{c}`" for c in cmds.values()) + "; SVSM calls are the "
            "difference of `vmgexits` in `/sys/kernel/debug/svsm_diag/state` (the emulated SVSM's "
            "count), read before and after; IPIs are those the command's processes sent (the "
            "`ipi_send_cpu`/`ipi_send_cpumask` events, on from boot, counted for the command's pid "
            "outside interrupt context, the command run on its own: the `CAL:` line "
            "of `/proc/interrupts` also counts the timer's and scheduler's IPIs, which grow with "
            "wall time; the JSON keeps it as `cal_ipis_all`). What `true` sends (exec and exit, "
            "the process moving between vCPUs) any process sends; the target counts what "
            "`status` sends beyond it. `true` shows what the harness itself costs. Module memory: "
            "the drop of `MemFree` (after `drop_caches`) across `modprobe svsm_diag "
            "backend=emulated` and a first `svsmctl status`; page-sized noise included."]
    return out


def footprint(fp: dict) -> list[str]:
    out = ["| what | value |", "|---|---|",
           f"| `svsmctl`, as built / without debug info | {_num(fp['svsmctl_bytes'])} / "
           f"{_num(fp['svsmctl_stripped_bytes'])} bytes |",
           f"| `svsm_diag.ko` ({fp['module_release']}), without debug info | "
           f"{_num(fp['module_stripped_bytes'])} bytes |",
           f"| shared libraries of `svsmctl` ({len(fp['libraries'])}) | "
           + ", ".join(f"`{lib}`" for lib in fp["libraries"]) + " |"]
    for name, p in fp.get("plugins", {}).items():
        out.append(f"| `{name}` (loaded by attest/verify only), without debug info / its libraries | "
                   f"{_num(p['stripped_bytes'])} bytes / " + ", ".join(f"`{lib}`" for lib in p["libraries"])
                   + " |")
    for args, st in fp["startup"].items():
        out.append(f"| start-up relocations, `svsmctl {args}` (from cache) | "
                   f"{_num(st['relocations'])} ({_num(st['relocations_from_cache'])}) |")
    st = fp["startup_peer"]
    out.append(f"| start-up relocations, `systemd-detect-virt` (from cache) | "
               f"{_num(st['relocations'])} ({_num(st['relocations_from_cache'])}) |")
    out += ["", f"Relocations: `{fp['startup_command']}` (the loader's own statistics). "
            "Sizes: `strip --strip-debug` copies, as the packages ship them. Libraries: what "
            "`ldd` lists, those loaded through other libraries included."]
    if "libcrypto.so.3" in fp["libraries"] and fp.get("plugins"):
        out += ["", "`svsmctl` itself does not need libcrypto any more (`readelf -d`; the unit "
                "test `packaging.openssl_in_plugin_only` checks it), yet every run still loads "
                "it: Debian 12's libkmod (kmod 30) is linked against libcrypto, and `status` "
                "needs libkmod. Only a libkmod loaded on demand (kmod 34 loads libcrypto "
                "itself on demand) or a `status` that reads the module's state without "
                "libkmod would take it out of the other commands."]
    return out


COMPARE = [
    ("`status` in the VM, wall ms", lambda d: d["vm"]["whole_process"]["svsmctl status"]["wall_ms"]),
    ("`--version` in the VM, wall ms", lambda d: d["vm"]["whole_process"]["svsmctl --version"]["wall_ms"]),
    ("systemd-detect-virt in the VM, wall ms", lambda d: d["vm"]["whole_process"][PEER]["wall_ms"]),
    ("`status` on the host, instructions", lambda d: d["host"]["svsmctl status"]["instructions"]),
    ("`--version` on the host, instructions", lambda d: d["host"]["svsmctl --version"]["instructions"]),
    ("`status` on the host, peak RSS KiB", lambda d: d["host"]["svsmctl status"]["rss_kib"]),
    ("start-up relocations, `--version`",
     lambda d: d["footprint"]["startup"]["--version"]["relocations"]),
    ("shared libraries", lambda d: len(d["footprint"]["libraries"])),
    ("`svsmctl` without debug info, bytes", lambda d: d["footprint"]["svsmctl_stripped_bytes"]),
]


def compare(d: dict, before: dict, before_path: str) -> list[str]:
    out = [f"Before: commit `{before['commit']}` ({before['machine']['date']}, "
           f"`{before['argv']}`); after: commit `{d['commit']}` ({d['machine']['date']}). Both "
           "from `scripts/bench.sh` on this machine; the before run's JSON is "
           f"`{before_path}`. The two runs met different loads on a shared "
           "machine: their wall times compare loosely, instruction and relocation counts "
           "exactly.", "",
           "| metric | before | after | after/before |", "|---|---|---|---|"]
    for label, get in COMPARE:
        try:
            b, a = get(before), get(d)
        except (KeyError, TypeError):
            continue
        out.append(f"| {label} | {_num(b, 2)} | {_num(a, 2)} | {a / b:.2f}x |" if b else
                   f"| {label} | {_num(b, 2)} | {_num(a, 2)} | - |")
    if "libcrypto.so.3" in d["footprint"]["libraries"] and \
            d["host"]["svsmctl status"]["instructions"] > before["host"]["svsmctl status"]["instructions"]:
        out += ["", "`status` costs more instructions than before although svsmctl no longer "
                "links libcrypto: libkmod still loads it, now at the end of the symbol search "
                "order, so that libcrypto's relocations against its own symbols search every "
                "other library first (callgrind puts the difference in `do_lookup_x`). It "
                "pays off only once libkmod stops loading libcrypto (see the footprint)."]
    return out


def render(d: dict, before: dict | None = None, before_path: str = "") -> str:
    m, vm = d["machine"], d["vm"]
    out = ["# Benchmarks", "",
           "Written by `scripts/bench.sh` (bench/bench.py); every number below is one this run "
           "measured, the raw data is in `benchmarks.json` next to this file. Do not edit by hand: "
           "run the command again.", "",
           "| | |", "|---|---|",
           f"| command | `{d['argv']}` |",
           f"| date | {m['date']} |",
           f"| commit | `{d['commit']}` |",
           f"| host | {m['cpu']}, {m['cpus']} CPUs, Debian {m['os']}, Linux {m['kernel']} |",
           f"| host load average (1 min) at start / end | {m['loadavg_start']} / {m['loadavg_end']} "
           "(the machine is shared with other jobs: wall times are noisy, instruction counts are not) |",
           f"| VMs | QEMU {vm['accel'].upper()}, Linux {vm['kernel']}, svsm_diag backend=emulated, "
           f"whole-process and per-call runs with {vm['detail_cpus']} vCPUs |",
           f"| repetitions | whole process: {d['rounds']} alternating rounds; scaling: {d['runs']} runs "
           f"per point; per call: {d['slices']} interleaved one-second slices of each operation |", ""]
    if d["smoke"]:
        out += ["**Smoke run**: one round, few vCPU counts; the numbers only prove that it runs.", ""]
    out += ["## Targets (issue 13)", ""] + targets(d) + [""]
    if before:
        out += ["## Before and after", ""] + compare(d, before, before_path) + [""]
    out += ["## 1. Whole-process cost", "",
            f"### In the VM ({vm['detail_cpus']} vCPUs, module loaded)", ""]
    out += whole_process(vm["whole_process"], vm["whole_process_line"], False) + [""]
    out += ["### On the host (no module: `status` reports that there is no SVSM)", ""]
    out += whole_process(d["host"], d["host_line"], True) + [""]
    out += ["## 2. Per-call cost in the VM", "",
            "`svsm-ioctl ... seconds=N` repeats one ioctl for N seconds (restoring its input "
            "struct each time, the same work for every operation) and reports the count and the "
            "elapsed time; each operation runs for one second in turn, round after round, and "
            "the table has each one's median second. The floor for the remote CALL is `svsm-bench xcpu-sync`: `read()` of a "
            "counting perf event (software cpu-clock) bound to CPU N, for which "
            "`perf_event_read()` fetches the count on CPU N through "
            "`smp_call_function_single()` and spins until it is done, as a CALL does — a bare "
            "cross-CPU function call plus a syscall, no SVSM. `svsm-bench xcpu`, a `pread()` of "
            "`/dev/cpu/N/cpuid`, is one that sleeps: the cpuid driver uses "
            "`smp_call_function_single_async()` and waits for a completion. "
            "Everything pinned to CPU 0 with `taskset -c 0`.", ""]
    out += per_call(vm["per_call"]) + [""]
    out += ["## 3. Scaling with vCPUs", "", "![scaling](benchmarks-scaling.png)", ""]
    out += scaling(vm) + [""]
    out += ["## 4. Footprint", ""] + footprint(d["footprint"]) + [""]
    return "\n".join(out)
