#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Plot the vCPU scaling curve of a bench/bench.py run: bench/plot.py JSON PNG."""
import json
import sys

import matplotlib

matplotlib.use("Agg")  # no display
import matplotlib.pyplot as plt  # noqa: E402


def main() -> int:
    if len(sys.argv) != 3:
        print("usage: plot.py BENCHMARKS.json OUT.png", file=sys.stderr)
        return 2
    with open(sys.argv[1]) as f:
        data = json.load(f)
    sc = data["vm"]["scaling"]
    cpus = [int(n) for n in sc]
    labels = [lab for lab in next(iter(sc.values())) if lab != "true"]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    for what, ax, title in (("wall_ms", axes[0], "wall time (ms)"),
                            ("svsm_calls", axes[1], "SVSM calls per command"),
                            ("ipis", axes[2], "IPIs sent per command")):
        for lab in labels:
            ax.plot(cpus, [sc[str(n)][lab][what] for n in cpus], marker="o", label=f"svsmctl {lab}")
        if what == "ipis":
            ax.plot(cpus, cpus, linestyle=":", color="grey", label="one per online CPU")
        ax.set_xscale("log", base=2)
        ax.set_xticks(cpus, [str(n) for n in cpus])
        ax.set_xlabel("vCPUs")
        ax.set_title(title)
        ax.grid(True, alpha=0.3)
    axes[0].legend(fontsize="small")
    axes[2].legend(fontsize="small")
    m = data["machine"]
    fig.suptitle(f"svsmctl in QEMU {data['vm']['accel'].upper()}, Linux {data['vm']['kernel']}, "
                 f"emulated SVSM ({m['date']}, commit {data['commit']})")
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=80)
    return 0


if __name__ == "__main__":
    sys.exit(main())
