#!/usr/bin/python3
"""Build every man page the way man/CMakeLists.txt does and check the result.

For each man/*.scd: @VERSION@ is replaced by the project version and the
text piped through scdoc, which must exit 0 without complaint. The page's
title line must match its file name and carry the version; no @VERSION@
may be left; every svsmctl or svsm_diag page it refers to must exist. If
groff is installed, the roff must render without warnings.

Exit 77 (skipped) when scdoc is not installed.
"""
import argparse
import pathlib
import re
import shutil
import subprocess
import sys

SKIP = 77


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--man-dir", required=True, type=pathlib.Path)
    ap.add_argument("--version", required=True, help="the project version")
    ap.add_argument("--scdoc", default=shutil.which("scdoc") or "")
    args = ap.parse_args()

    if not args.scdoc or not pathlib.Path(args.scdoc).exists():
        print("SKIP: scdoc is not installed, so the man pages are not built (apt-get install scdoc)")
        return SKIP
    groff = shutil.which("groff")

    pages = sorted(args.man_dir.glob("*.scd"))
    if not pages:
        print(f"FAIL: no *.scd in {args.man_dir}")
        return 1
    names = {p.name[:-len(".scd")] for p in pages}  # svsmctl-status.8
    errors = []
    for path in pages:
        page = path.name[:-len(".scd")]
        name, section = page.rsplit(".", 1)
        source = path.read_text().replace("@VERSION@", args.version)
        run = subprocess.run([args.scdoc], input=source, capture_output=True, text=True)
        if run.returncode != 0 or run.stderr:
            errors.append(f"{path.name}: scdoc exited {run.returncode}: {run.stderr.strip()}")
            continue
        roff = run.stdout
        th = next((line for line in roff.splitlines() if line.startswith(".TH ")), "")
        if not th.startswith(f'.TH "{name.upper()}" "{section}"'):
            errors.append(f"{path.name}: title line {th!r} does not match the file name {page}")
        if args.version not in th:
            errors.append(f"{path.name}: title line {th!r} does not carry version {args.version}")
        if "@VERSION@" in roff:
            errors.append(f"{path.name}: @VERSION@ left in the page")
        for ref_name, ref_section in re.findall(r"\*((?:svsmctl|svsm_diag)[a-z_-]*)\*\((\d)\)", source):
            if f"{ref_name}.{ref_section}" not in names:
                errors.append(f"{path.name}: refers to {ref_name}({ref_section}), which has no page")
        if groff:
            render = subprocess.run([groff, "-man", "-Tutf8", "-ww", "-z"], input=roff, capture_output=True,
                                    text=True)
            if render.returncode != 0 or render.stderr.strip():
                errors.append(f"{path.name}: groff warns: {render.stderr.strip()}")

    for e in errors:
        print(f"FAIL: {e}")
    if errors:
        return 1
    print(f"OK: {len(pages)} pages build with scdoc, carry version {args.version}"
          f"{' and render without groff warnings' if groff else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
