"""Figures the reliability tests measure, kept as JSON under
<build>/test-reports/reliability/ for scripts/test-summary.py to print."""
import json
import os


def record(name: str, kernel: str, figures: dict) -> None:
    out = os.environ.get("SVSMCTL_BUILD_DIR")
    if out:
        d = os.path.join(out, "test-reports", "reliability")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, f"{name}-{kernel}.json"), "w") as f:
            json.dump(figures, f, indent=2)
    print(f"\n{name} on {kernel}: {json.dumps(figures)}")
