#!/usr/bin/python3
"""Print test counts per suite and per kernel from JUnit XML, and fail if a
required suite is missing, ran nothing, or skipped anything.

Usage: test-summary.py unit=unit.xml e2e=e2e.xml packaging=packaging.xml ..."""
import json
import re
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path


def outcome(case: ET.Element) -> str:
    for tag in ("failure", "error", "skipped"):
        if case.find(tag) is not None:
            return {"failure": "failed", "error": "failed", "skipped": "skipped"}[tag]
    return "passed"


def main(reports: list[str]) -> int:
    """reports: NAME=JUNIT.xml for each required suite."""
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
        print_reliability(Path(e2e_xml).parent / "reliability")
    return 0 if ok else 1


def print_reliability(folder: Path) -> None:
    """The figures the fuzz, stress and leak tests recorded, per kernel."""
    if not folder.is_dir():
        return
    figures = {}
    for f in sorted(folder.glob("*.json")):
        name, kernel = f.stem.rsplit("-", 1)  # kernel names have no '-'
        figures.setdefault(kernel, {})[name] = json.loads(f.read_text())
    print("reliability figures:")
    for kernel, fig in sorted(figures.items()):
        parts = []
        runs = {n.removeprefix("fuzz").lstrip("-") or "emulated": z
                for n, z in fig.items() if n.startswith("fuzz")}
        if runs:
            each = ", ".join(f"{z['iterations']} {n}" for n, z in runs.items())
            bad = sum(z["unexpected_errnos"] + z["invariant_violations"] + z["kernel_log_events"]
                      for z in runs.values())
            paths = max(z["distinct_error_paths"] for z in runs.values())
            parts.append(f"fuzz {sum(z['iterations'] for z in runs.values())} ioctls ({each}), "
                         f"{paths} distinct error paths, {bad} contract violations")
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


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
