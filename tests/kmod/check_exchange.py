#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Prove, in the built module, that the real transport's exchange with the
SVSM cannot be interrupted by our own code.

From the GHCB MSR write of the VMPL0 request to the write that restores the
MSR there must be no call, no indirect branch and nothing the linker fills
in (a relocation: __fentry__, a sanitizer hook, a retpoline thunk), because
anything that raises a #VC there (a tracepoint printing to a serial console
does port I/O) overwrites the MSR, as an NMI would. The order must be the
kernel's: read the MSR, write the request, set CALL_PENDING, VMGEXIT, xchg
CALL_PENDING, read the response, restore.

  check_exchange.py MODULE.ko KERNEL_TREE...

KERNEL_TREE: the build (and source) directories of the kernel the module was
built for; when they declare snp_vmpl and the config has AMD_MEM_ENCRYPT the
transport must be there, else it must be compiled out.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

FUNCTION = "snp_exchange"


def transport_expected(trees: list[Path]) -> bool:
    declares = any("extern u8 snp_vmpl" in (t / "arch/x86/include/asm/sev.h").read_text(errors="replace")
                   for t in trees if (t / "arch/x86/include/asm/sev.h").is_file())
    configured = any(re.search(r"^CONFIG_AMD_MEM_ENCRYPT=y$", (t / ".config").read_text(), re.M)
                     for t in trees if (t / ".config").is_file())
    return declares and configured


def disassemble(ko: Path) -> list[str] | None:
    out = subprocess.run(["objdump", "-dr", "--no-show-raw-insn", "-j", ".noinstr.text", str(ko)],
                         capture_output=True, text=True)
    lines, inside = [], False
    for line in out.stdout.splitlines():
        if re.match(rf"^[0-9a-f]+ <{FUNCTION}>:$", line):
            inside = True
            continue
        if inside and (not line.strip() or re.match(r"^[0-9a-f]+ <", line)):
            break
        if inside:
            lines.append(line)
    return lines if inside else None


def check(ko: Path, trees: list[Path]) -> list[str]:
    expected = transport_expected(trees)
    body = disassemble(ko)
    if body is None:
        if expected:
            return [f"{ko}: no {FUNCTION} in .noinstr.text, but the kernel has SVSM guest support"]
        print(f"ok   {ko}: real transport compiled out, as this kernel has no SVSM guest support")
        return []
    if not expected:
        return [f"{ko}: {FUNCTION} is there, but the kernel has no SVSM guest support"]

    insns = []  # (mnemonic, text) of instructions; relocations as ("reloc", text)
    for line in body:
        if re.match(r"^\s+[0-9a-f]+: R_X86_64_", line):
            insns.append(("reloc", line.strip()))
        elif m := re.match(r"^\s+[0-9a-f]+:\s+(\S+)(.*)$", line):
            insns.append((m.group(1), line.strip()))
    return analyse(str(ko), insns)


def analyse(what: str, insns: list[tuple[str, str]]) -> list[str]:
    names = [n for n, _ in insns]
    wanted = ["rdmsr", "wrmsr", "movb", "vmgexit", "xchg", "rdmsr", "wrmsr"]
    seq = ["vmgexit" if n == "vmmcall" else n for n, text in insns
           if n in ("rdmsr", "wrmsr", "vmgexit", "vmmcall", "xchg")
           or (n == "movb" and "$0x1," in text)]
    problems = []
    if seq != wanted:
        problems.append(f"{what}: {FUNCTION} order is {seq}, want {wanted}")
        return problems
    first_write = names.index("wrmsr")
    last_write = len(names) - 1 - names[::-1].index("wrmsr")
    for name, text in insns[first_write:last_write + 1]:
        if name == "reloc" or name.startswith("call") or (name.startswith("jmp") and "*" in text) \
                or name in ("int3", "ud2"):
            problems.append(f"{what}: between the MSR write and its restore: {text}")
    if not problems:
        print(f"ok   {what}: {FUNCTION} is one uninstrumented sequence "
              f"({last_write - first_write + 1} instructions from the MSR write to the restore)")
    return problems


def self_test() -> int:
    """The analysis must catch what it is for: a sequence with a call in it."""
    good = [("rdmsr", "rdmsr"), ("wrmsr", "wrmsr"), ("movb", "movb $0x1,(%r11)"),
            ("vmgexit", "vmgexit"), ("xchg", "xchg %sil,(%r11)"), ("rdmsr", "rdmsr"),
            ("wrmsr", "wrmsr")]
    bad_call = good[:3] + [("call", "call 0 <x>"), ("reloc", "R_X86_64_PLT32 __fentry__-0x4")] \
        + good[3:]
    bad_thunk = good[:4] + [("jmp", "jmp *%rax")] + good[4:]
    bad_order = [good[0], good[2], good[1]] + good[3:]
    ok = not analyse("good", good)
    for name, insns in (("call", bad_call), ("indirect jump", bad_thunk), ("order", bad_order)):
        if not analyse(f"bad ({name})", insns):
            print(f"FAIL self-test: a sequence with a bad {name} passed")
            ok = False
    print("self-test " + ("passed" if ok else "FAILED"))
    return 0 if ok else 1


def main() -> int:
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    problems = check(Path(sys.argv[1]), [Path(p) for p in sys.argv[2:]])
    for p in problems:
        print(f"FAIL {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
