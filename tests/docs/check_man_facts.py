#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Fail when a man page states a fact differently from its source of truth.

- calls: the protocol table of svsmctl-protocols(8), the call table of
  svsmctl-call(8) and every prose list of the protocols against svsm_spec.h's
  SVSM_PROTOCOLS and SVSM_CALLS, as printed by spec_dump (compiled from the
  header);
- exit-codes: svsmctl(8) EXIT STATUS lists exactly the values of the CLI's
  ExitCode enum (cli/run.hpp); every other page lists only those values,
  and svsmctl-check(8) exactly cmd_check.cpp's plugin states, by name;
- uapi: every struct of the uapi header is listed in svsm_diag(4) with the
  same fields, types and order, and the page lists no struct the header
  does not have.
"""
import argparse
import pathlib
import re
import subprocess
import sys


def section(text, title):
    """The lines of '# TITLE' up to the next section."""
    m = re.search(rf"^# {re.escape(title)}\n(.*?)(?=^# |\Z)", text, re.S | re.M)
    return m.group(1) if m else ""


def scdoc_tables(text):
    """Every scdoc table as a list of rows (header row included), each a list of cells."""
    tables, rows = [], None
    for line in text.splitlines():
        if line.startswith("[["):
            rows = [[line[2:].strip()]]
            tables.append(rows)
        elif rows is not None and line.startswith("|"):
            rows.append([line[1:].strip()])
        elif rows is not None and line.startswith(":"):
            rows[-1].append(line[1:].strip().strip("[").strip())
        else:
            rows = None
    return tables


def table_with(page, first_header):
    for t in scdoc_tables(page.read_text()):
        if t[0][0] == first_header:
            return t[1:]
    return None


# ---- calls ----

READ_ONLY_WORDS = {"reads": "yes", "writes": "no", "reads-if-rcx1": "only with *--rcx 1*"}
DEFINED_BY_WORDS = {"spec": "SVSM specification"}


def check_calls(man, spec_dump):
    errors = []
    out = subprocess.run([spec_dump], check=True, capture_output=True, text=True).stdout
    protocols, calls = {}, []
    for line in out.splitlines():
        kind, *f = line.split("\t")
        if kind == "protocol":
            protocols[int(f[0])] = (f[1], f[2])
        else:
            calls.append((int(f[0]), int(f[1]), f[2], f[3]))

    rows = table_with(man / "svsmctl-protocols.8.scd", "*Number*")
    if rows is None:
        return ["svsmctl-protocols.8.scd: no protocol table (*Number* | *Name* | ...)"]
    want = [[str(n), name, DEFINED_BY_WORDS.get(by, by)] for n, (name, by) in sorted(protocols.items())]
    got = [r[:3] for r in rows]
    if got != want:
        errors.append(f"svsmctl-protocols.8.scd: protocol table (number, name, defined by)\n  page:   {got}\n"
                      f"  header: {want}")

    # Lists of the protocols in prose ("*core*, *attest* (or *attestation*),
    # *vtpm*, ...") name all of them, in order; "number 0 to N" ends at the last.
    names = [name for _, (name, _) in sorted(protocols.items())]
    item = r"\*?(?!or\b)([a-z][a-z-]*)\*?(?: \(or \*[a-z-]+\*\))?"
    for page in sorted(man.glob("*.scd")):
        text = " ".join(page.read_text().split())
        for m in re.finditer(rf"(?<![\w-]){item}(?:, {item})+", text):
            listed = re.findall(item, m.group(0))
            listed = [n for pair in listed for n in (pair if isinstance(pair, tuple) else (pair,)) if n]
            # Three or more, from the first two on: a list of all protocols, not of some.
            if len(listed) >= 3 and listed[:2] == names[:2] and listed != names:
                errors.append(f"{page.name}: lists the protocols as {listed}, svsm_spec.h has {names}")
        for last in re.findall(r"numbers?,? 0 to (\d+)", text):
            if int(last) != max(protocols):
                errors.append(f"{page.name}: says protocol numbers 0 to {last}, svsm_spec.h has 0 to {max(protocols)}")

    rows = table_with(man / "svsmctl-call.8.scd", "*Protocol*")
    if rows is None:
        return errors + ["svsmctl-call.8.scd: no call table (*Protocol* | *Call* | *Name* | *Read-only*)"]
    want = [[protocols[p][0], str(c), name, READ_ONLY_WORDS[access]] for p, c, name, access in calls]
    got = []
    for r in rows:
        # "no (writes to the pages ...)": a remark in parentheses is prose, not the fact.
        got.append(r[:3] + [re.sub(r"\s*\(.*\)$", "", r[3])])
    for i in range(max(len(got), len(want))):
        g = got[i] if i < len(got) else None
        w = want[i] if i < len(want) else None
        if g != w:
            errors.append(f"svsmctl-call.8.scd: call table row {i + 1} is {g}, svsm_spec.h says {w}")
    return errors


# ---- exit codes ----

def enum_values(source, enum_head):
    """name -> value of a C++ enum whose declaration starts with enum_head."""
    m = re.search(re.escape(enum_head) + r"[^{]*\{(.*?)\};", source, re.S)
    if not m:
        raise SystemExit(f"enum '{enum_head}' not found")
    body = re.sub(r"//[^\n]*", "", m.group(1))
    return {n: int(v, 0) for n, v in re.findall(r"(\w+)\s*=\s*(\w+)", body)}


def listed_codes(text):
    return [int(c) for c in re.findall(r"^\*(\d+)\*$", section(text, "EXIT STATUS"), re.M)]


def check_exit_codes(man, cli):
    errors = []
    codes = enum_values((cli / "run.hpp").read_text(), "enum ExitCode")
    states = enum_values((cli / "cmd_check.cpp").read_text(), "enum State")
    values = set(codes.values())

    main = (man / "svsmctl.8.scd").read_text()
    got = listed_codes(main)
    if sorted(got) != sorted(values):
        errors.append(f"svsmctl.8.scd: EXIT STATUS lists {sorted(got)}, ExitCode in cli/run.hpp has "
                      f"{sorted(values)}")
    # "the monitoring-plugin codes instead: 0 OK, 1 WARNING, ..."
    said = {int(v): n for v, n in re.findall(r"(\d) ([A-Z]{2,})\b", section(main, "EXIT STATUS"))}
    want = {v: n.upper() for n, v in states.items()}
    if said != want:
        errors.append(f"svsmctl.8.scd: EXIT STATUS says check uses {said}, cmd_check.cpp has {want}")

    for page in sorted(man.glob("svsmctl-*.8.scd")):
        text = page.read_text()
        got = listed_codes(text)
        if not got:
            errors.append(f"{page.name}: EXIT STATUS lists no *N* codes")
        if page.name == "svsmctl-check.8.scd":
            # Each code's description starts with its state's name: "*1*\n\tWARNING."
            said = {int(c): d for c, d in re.findall(r"^\*(\d+)\*\n\t([A-Z]+)", section(text, "EXIT STATUS"),
                                                      re.M)}
            if said != want:
                errors.append(f"{page.name}: EXIT STATUS says {said}, cmd_check.cpp has {want}")
        elif not set(got) <= values:
            errors.append(f"{page.name}: EXIT STATUS lists {sorted(set(got) - values)}, not in ExitCode "
                          f"(cli/run.hpp: {sorted(values)})")
    return errors


# ---- uapi structs ----

def struct_fields(text, defines):
    """struct name -> [(type, field)] for every 'struct NAME {' ... '};' in C text;
    array sizes named by a #define become its number."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"\[(\w+)\]", lambda m: f"[{defines.get(m.group(1), m.group(1))}]", text)
    structs = {}
    for name, body in re.findall(r"struct (\w+) \{(.*?)\n\s*\};", text, re.S):
        fields = []
        for decl in body.split(";"):
            decl = " ".join(decl.split())
            if not decl:
                continue
            m = re.match(r"((?:struct )?\w+) (.*)", decl)
            if not m:
                raise SystemExit(f"struct {name}: cannot read '{decl}'")
            for field in m.group(2).split(","):
                fields.append((m.group(1), field.replace(" ", "")))
        structs[name] = fields
    return structs


def check_uapi(man, header):
    errors = []
    source = header.read_text()
    defines = dict(re.findall(r"^#define (\w+)\s+(\d+)\b", source, re.M))
    want = struct_fields(source, defines)
    page = (man / "svsm_diag.4.scd").read_text()
    listings = "\n".join(re.findall(r"^```\n(.*?)^```", page, re.S | re.M))
    got = struct_fields(listings, defines)
    for name, fields in want.items():
        if name not in got:
            errors.append(f"svsm_diag.4.scd: struct {name} of {header.name} is not listed")
        elif got[name] != fields:
            errors.append(f"svsm_diag.4.scd: struct {name}\n  page:   {got[name]}\n  header: {fields}")
    for name in got.keys() - want.keys():
        errors.append(f"svsm_diag.4.scd: lists struct {name}, which {header.name} does not have")

    # "## SVSM_DIAG_GET_INFO" then "\_IOWR(0xE9, 0x00, struct svsm_diag_info)"
    ioc_type = int(re.search(r"^#define SVSM_DIAG_IOC_TYPE\s+(0x\w+)", source, re.M).group(1), 16)
    want = {n: (d, int(nr, 16), s) for n, d, nr, s in re.findall(
        r"^#define (SVSM_DIAG_\w+)\s+(_IO\w*)\(SVSM_DIAG_IOC_TYPE, (0x\w+), struct (\w+)\)", source, re.M)}
    got = {n: (d, int(t, 16), int(nr, 16), s) for n, d, t, nr, s in re.findall(
        r"^## (SVSM_DIAG_\w+)\n\n\\(_IO\w*)\((0x\w+), (0x\w+), struct (\w+)\)", page, re.M)}
    for name, (d, nr, s) in want.items():
        if got.get(name) != (d, ioc_type, nr, s):
            errors.append(f"svsm_diag.4.scd: ## {name} says {got.get(name)}, {header.name} has "
                          f"{(d, hex(ioc_type), hex(nr), s)}")
    for name in got.keys() - want.keys():
        errors.append(f"svsm_diag.4.scd: documents ioctl {name}, which {header.name} does not have")
    return errors


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("check", choices=["calls", "exit-codes", "uapi"])
    ap.add_argument("--man-dir", type=pathlib.Path, required=True)
    ap.add_argument("--spec-dump", help="the spec_dump program (calls)")
    ap.add_argument("--cli-dir", type=pathlib.Path, help="cli/ sources (exit-codes)")
    ap.add_argument("--uapi-header", type=pathlib.Path, help="linux/svsm_diag.h (uapi)")
    a = ap.parse_args()
    if a.check == "calls":
        errors = check_calls(a.man_dir, a.spec_dump)
    elif a.check == "exit-codes":
        errors = check_exit_codes(a.man_dir, a.cli_dir)
    else:
        errors = check_uapi(a.man_dir, a.uapi_header)
    for e in errors:
        print(e, file=sys.stderr)
    if errors:
        return 1
    print(f"{a.check}: the man pages agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
