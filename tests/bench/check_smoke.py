#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Smoke test of the benchmarks: scripts/bench.sh --smoke must run, and what
it writes must hold a number for every benchmark, taken from its own run."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    build = Path(sys.argv[1])
    out = build / "bench-smoke"
    for f in ("benchmarks.md", "benchmarks.json", "benchmarks-scaling.png"):
        (out / f).unlink(missing_ok=True)
    subprocess.run([str(ROOT / "scripts" / "bench.sh"), "--smoke"], check=True,
                   env={**os.environ, "SVSMCTL_BUILD_DIR": str(build), "SVSMCTL_BENCH_NO_BUILD": "1"})
    d = json.loads((out / "benchmarks.json").read_text())
    md = (out / "benchmarks.md").read_text()
    problems = []
    for where, rows in (("host", d["host"]), ("vm", d["vm"]["whole_process"])):
        for label, r in rows.items():
            if not r["wall_ms"] > 0 or not r["rss_kib"] > 0:
                problems.append(f"{where} {label}: no time or RSS: {r}")
            if where == "host" and label != "virt-what" and not r["instructions"] > 0:
                problems.append(f"host {label}: no instruction count")
            if f"`{r['command']}` | {r['wall_ms']:.2f} |" not in md:
                problems.append(f"{where} {label}: its measured time is not in the report")
    for label, r in d["vm"]["per_call"].items():
        if not r["calls_per_s"] > 0:
            problems.append(f"per-call {label}: no rate")
    if sorted(d["vm"]["scaling"]) != ["1", "2"]:
        problems.append(f"scaling points: {sorted(d['vm']['scaling'])}")
    for n, p in d["vm"]["scaling"].items():
        if not p["status"]["svsm_calls"] > 0:
            problems.append(f"{n} vCPUs: status made no SVSM call as counted")
    # IPIs as counted from the trace: none with one vCPU (nothing to send
    # them to), some for a remap on every CPU of two (one of them remote).
    scaling = d["vm"]["scaling"]
    sent = {label: r["ipis"] for label, r in scaling["1"].items() if "ipis" in r}
    if not sent or any(sent.values()):
        problems.append(f"1 vCPU: IPIs counted where none can be sent: {sent}")
    if not scaling["2"]["remap-ca --all-cpus"]["ipis"] > 0:
        problems.append("2 vCPUs: remap-ca --all-cpus sent no IPI as counted")
    for section in ("## Targets", "## 1.", "## 2.", "## 3.", "## 4."):
        if section not in md:
            problems.append(f"report has no {section!r} section")
    if not re.match(rb"\x89PNG\r\n", (out / "benchmarks-scaling.png").read_bytes()[:8]):
        problems.append("the plot is not a PNG")
    for p in problems:
        print("bench smoke:", p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
