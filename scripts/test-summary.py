#!/usr/bin/python3
"""Print test counts per suite and per kernel from JUnit XML, and fail if a
required suite is missing, ran nothing, or skipped anything. With --doc FILE,
also write the run's own figures (tests/e2e/figures.py records them) and its
commit into FILE between the GENERATED markers (docs/reliability.md).

Usage: test-summary.py [--doc FILE] unit=unit.xml e2e=e2e.xml packaging=packaging.xml ..."""
import datetime
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path


def outcome(case: ET.Element) -> str:
    for tag in ("failure", "error", "skipped"):
        if case.find(tag) is not None:
            return {"failure": "failed", "error": "failed", "skipped": "skipped"}[tag]
    return "passed"


def main(args: list[str]) -> int:
    """args: [--doc FILE] then NAME=JUNIT.xml for each required suite."""
    doc = None
    if args[:1] == ["--doc"]:
        doc, args = Path(args[1]), args[2:]
    reports = args
    ok = True
    suites = {}
    e2e_xml = ""
    for arg in reports:
        name, path = arg.split("=", 1)
        e2e_xml = path if name == "e2e" else e2e_xml
        if not Path(path).exists():
            print(f"MISSING: the {name} suite produced no report ({path})")
            ok = False
            continue
        cases = ET.parse(path).getroot().iter("testcase")
        suites[name] = [(c.get("name", ""), outcome(c)) for c in cases]

    for name, cases in suites.items():
        counts = Counter(o for _, o in cases)
        print(f"{name:9} tests: {len(cases)} run, {counts['passed']} passed, "
              f"{counts['failed']} failed, {counts['skipped']} skipped")
        if not cases or counts["failed"]:
            ok = False
        if name.startswith("e2e"):
            per_kernel = Counter()
            for case, o in cases:
                m = re.search(r"\[([^\]-]+)", case)
                per_kernel[(m.group(1) if m else "host", o)] += 1
            for kernel in sorted({k for k, _ in per_kernel}):
                print(f"      kernel {kernel}: {per_kernel[(kernel, 'passed')]} passed, "
                      f"{per_kernel[(kernel, 'failed')]} failed, "
                      f"{per_kernel[(kernel, 'skipped')]} skipped")
        if name != "unit" and counts["skipped"]:
            print(f"FAIL: {name} tests were skipped; CI must run them all")
            ok = False
    if e2e_xml:
        folder = Path(e2e_xml).parent / "reliability"
        print_reliability(folder)
        if doc:
            write_doc(doc, suites, load_figures(folder), ok)
            print(f"wrote the run's figures to {doc}")
    return 0 if ok else 1


def load_figures(folder: Path) -> dict:
    """{kernel: {figure name: figures}} from the JSON files the tests wrote."""
    figures = {}
    for f in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        name, kernel = f.stem.rsplit("-", 1)  # kernel names have no '-'
        figures.setdefault(kernel, {})[name] = json.loads(f.read_text())
    return figures


def print_reliability(folder: Path) -> None:
    """The figures the fuzz, stress and leak tests recorded, per kernel."""
    figures = load_figures(folder)
    if not figures:
        return
    print("reliability figures:")
    for kernel, fig in sorted(figures.items()):
        parts = []
        runs = {n.removeprefix("fuzz").lstrip("-") or "emulated": z
                for n, z in fig.items() if n.startswith("fuzz")}
        if runs:
            each = ", ".join(f"{z['iterations']} {n}" for n, z in runs.items())
            bad = sum(z["unexpected_errnos"] + z["invariant_violations"] + z["kernel_log_events"] +
                      z["invalid_accepted"] + z["valid_refused"] + z["wrong_errno"]
                      for z in runs.values())
            paths = max(z["distinct_error_paths"] for z in runs.values())
            rules = max(z["rules_broken"] for z in runs.values())
            parts.append(f"fuzz {sum(z['iterations'] for z in runs.values())} ioctls ({each}), "
                         f"{paths} distinct (command, errno) pairs, {rules} of "
                         f"{max(z['rules'] for z in runs.values())} contract rules broken by "
                         f"some input, {bad} oracle failures")
        if "stress" in fig:
            z = fig["stress"]
            parts.append(f"stress {z['seconds']} s, {z['ioctls']} ioctls, {z['svsm_exchanges']} SVSM "
                         f"exchanges, {z['hotplug_events']} hotplug events, "
                         f"{z['faults_delivered']} faults delivered")
        if "load-unload" in fig:
            parts.append(f"{fig['load-unload']['cycles']} load/unload cycles")
        if "kernel-log" in fig:
            k = fig["kernel-log"]
            parts.append(f"kernel log checked after {k['tests_checked']} tests: {k['reports']} "
                         "BUG/WARNING/sanitizer reports")
        if "kmemleak" in fig:
            k = fig["kmemleak"]
            parts.append(f"kmemleak: {k['from_svsm_diag']} leaks from svsm_diag" if k["available"]
                         else "kmemleak: not in this kernel")
        print(f"      kernel {kernel}: " + "; ".join(parts))


BEGIN = "<!-- GENERATED by scripts/test-summary.py --doc: do not edit by hand -->"
END = "<!-- END GENERATED -->"


def _git(*args: str) -> str:
    r = subprocess.run(["git", *args], capture_output=True, text=True,
                       cwd=Path(__file__).resolve().parents[1])
    return r.stdout.strip() if r.returncode == 0 else ""


def _n(v) -> str:
    return f"{v:,}" if isinstance(v, int) else ("-" if v is None else str(v))


def _kernel_order(k: str):
    return [int(x) if x.isdigit() else x for x in re.split(r"[.]", k)]


def write_doc(doc: Path, suites: dict, figures: dict, ok: bool) -> None:
    """Replace the GENERATED part of @doc with this run's figures."""
    commit = _git("rev-parse", "--short=12", "HEAD") or "unknown"
    dirty = bool(_git("status", "--porcelain", "--untracked-files=no"))
    kernels = sorted(figures, key=_kernel_order)
    accel = "/".join(sorted({figures[k].get("kernel-log", {}).get("accel", "unknown")
                             for k in kernels})) or "unknown"
    out = [BEGIN, "", "## Last full run", "",
           f"Generated by the test command (`scripts/test.sh`) from its own reports on "
           f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, commit "
           f"`{commit}`{' with uncommitted changes' if dirty else ''}, on a "
           f"{os.cpu_count()}-CPU machine, QEMU accelerator {accel}. "
           f"Result: {'every suite passed' if ok else 'SOME SUITES FAILED'}.", ""]
    if suites:
        out += ["| suite | tests | passed | failed | skipped |", "|---|---:|---:|---:|---:|"]
    for name, cases in suites.items():
        c = Counter(o for _, o in cases)
        out.append(f"| {name} | {len(cases)} | {c['passed']} | {c['failed']} | {c['skipped']} |")
    out.append("")

    def row(label: str, value) -> None:
        cells = []
        for k in kernels:
            try:
                cells.append(value(figures[k]))
            except (KeyError, TypeError, ValueError):
                cells.append("-")
        out.append(f"| {label} | " + " | ".join(cells) + " |")

    def fuzz(fig: dict) -> dict:
        return {n: z for n, z in fig.items() if n.startswith("fuzz")}

    def total(fig: dict, key: str) -> str:
        return _n(sum(z[key] for z in fuzz(fig).values()))

    out += ["| | " + " | ".join(kernels) + " |", "|---|" + "---:|" * len(kernels)]
    row("fuzzer ioctls: emulated / no SVSM / 4 threads / REMAP_CA race", lambda f: " / ".join(
        _n(f[n]["iterations"]) for n in ("fuzz", "fuzz-no-svsm", "fuzz-threads", "fuzz-race")))
    row("distinct (command, errno) pairs hit", lambda f: _n(
        max(z["distinct_error_paths"] for z in fuzz(f).values())))
    row("contract rules some input broke first (of all rules)", lambda f: (
        f"{max(z['rules_broken'] for z in fuzz(f).values())} of "
        f"{max(z['rules'] for z in fuzz(f).values())}"))
    row("invalid input accepted / valid input refused / wrong errno",
        lambda f: " / ".join(total(f, k) for k in ("invalid_accepted", "valid_refused",
                                                   "wrong_errno")))
    row("errnos outside the contract / invariant violations / kernel log events",
        lambda f: " / ".join(total(f, k) for k in ("unexpected_errnos", "invariant_violations",
                                                   "kernel_log_events")))
    row("REMAP_CA race: remaps refused while the target buffer was live",
        lambda f: _n(f["race"]["refused_while_live"]))
    row("negative check: invalid inputs accepted by a module built without "
        "CALL's output check (must be > 0)", lambda f: _n(f["negative"]["invalid_accepted"]))
    row("stress: seconds (of which calls alone, no hotplug or faults)",
        lambda f: f"{f['stress']['seconds']} ({f['stress']['quiet_seconds']})")
    row("stress: ioctls", lambda f: _n(f["stress"]["ioctls"]))
    row("stress: successes the processes saw / calls the emulated SVSM serviced",
        lambda f: f"{_n(f['stress']['successes_seen'])} / {_n(f['stress']['svsm_serviced'])}")
    row("stress: SVSM exchanges (calls and retries) / left unserviced by faults",
        lambda f: f"{_n(f['stress']['svsm_exchanges'])} / {_n(f['stress']['unserviced'])}")
    row("stress: CA remaps the emulator carried out", lambda f: _n(f["stress"]["ca_remaps"]))
    row("stress: CPU hotplug events", lambda f: _n(f["stress"]["hotplug_events"]))
    row("stress: faults injected / delivered to calls",
        lambda f: f"{_n(f['stress']['faults_injected'])} / {_n(f['stress']['faults_delivered'])}")
    row("load/unload cycles, unload refused while open", lambda f: (
        f"{f['load-unload']['cycles']} / {f['load-unload']['unloads_refused_while_open']}"))
    row("tests whose kernel log was checked; BUG/WARNING/sanitizer reports", lambda f: (
        f"{_n(f['kernel-log']['tests_checked'])}; {_n(f['kernel-log']['reports'])}"))
    row("kmemleak: objects from svsm_diag", lambda f: (
        _n(f["kmemleak"]["from_svsm_diag"]) if f["kmemleak"]["available"] else "(no kmemleak)"))
    row("sanitizers still on at the end: lockdep debug_locks / kmemleak scan", lambda f: (
        f"{f['sanitizers']['debug_locks']} / "
        f"{'ok' if f['sanitizers']['kmemleak_scan_rc'] == 0 else 'refused'}"
        if f["sanitizers"]["sanitizer_kernel"] else "(not a sanitizer kernel)"))
    out += ["", END]

    text = doc.read_text() if doc.exists() else ""
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + "\n".join(out) + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + "\n".join(out) + "\n"
    doc.write_text(text)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
