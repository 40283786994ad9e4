"""Every row of tests/conformance/coconut.tsv with e2e = yes, issued through
`svsmctl call` on the emulated backend: the module, the emulated SVSM inside
it and svsmctl must give the answer COCONUT-SVSM's source gives. The rows of
one configuration run in one guest shell command, in file order, as the unit
test runs them (tests/conformance/README.md)."""
import json
import shlex
from pathlib import Path

import pytest

TABLE = Path(__file__).resolve().parents[1] / "conformance" / "coconut.tsv"
UNMAPPED = 0x1000  # x86 Linux never hands out page 1, so the emulator never maps it
CONFIGS = {
    "base": "emu_certs=0",
    "certs": "emu_certs=1",
    "novtpm": "emu_certs=0 emu_protocols=0:1-1,1:1-1",
    "ext": "emu_certs=0 emu_protocols=0:1-1,1:1-1,2:1-1,3:1-1,4:1-1",
}
CODES = {"SUCCESS": 0, "INCOMPLETE": 0x80000000, "UNSUPPORTED_PROTOCOL": 0x80000001,
         "UNSUPPORTED_CALL": 0x80000002, "INVALID_ADDRESS": 0x80000003, "INVALID_FORMAT": 0x80000004,
         "INVALID_PARAMETER": 0x80000005, "INVALID_REQUEST": 0x80000006, "BUSY": 0x80000007,
         "PVALIDATE_FAIL_UNCHANGED": 0x80001010, "PVALIDATE_FAIL_SIZEMISMATCH": 0x80001006}
SIZES = {"u8": 1, "u16": 2, "be16": 2, "u32": 4, "be32": 4, "u64": 8}


def load_rows():
    lines = [line for line in TABLE.read_text().splitlines() if line and not line.startswith("#")]
    head = lines[0].split("\t")
    return [dict(zip(head, line.split("\t")), line=n) for n, line in enumerate(lines[1:], 2)]


class Symbols:
    def __init__(self, guest):
        info = guest.ioctl("info")
        state = guest.emu_state()
        self.svsm = info["svsm_base"]
        self.pool = state["pool_gpa"]
        self.cas = {cpu: c["registered_ca"] for cpu, c in state["cpus"].items()}

    def eval(self, expr, cpu, buf=None):
        sym, _, add = expr.partition("+")
        add = int(add, 0) if add else 0
        if not sym.startswith("@"):
            return int(sym, 0) + add
        if sym == "@ca":
            base = self.cas[cpu]
        elif sym.startswith("@ca"):
            base = self.cas[int(sym[3:])]
        elif sym == "@buf":
            assert buf is not None, "@buf is known for ca buffers only"
            base = buf
        else:
            base = {"@svsm": self.svsm, "@pool": self.pool, "@unmapped": UNMAPPED}[sym]
        return base + add

    def buffer(self, spec, cpu, buf):
        b = bytearray()

        def put(off, typ, val):
            n = SIZES[typ]
            if len(b) < off + n:
                b.extend(bytes(off + n - len(b)))
            b[off:off + n] = val.to_bytes(n, "big" if typ.startswith("be") else "little")

        for tok in spec.split(" "):
            kind, _, rest = tok.partition(":")
            if kind == "hex":
                b += bytes.fromhex(rest)
            elif kind == "zero":
                b += bytes(int(rest, 0))
            elif kind == "fill":
                n, v = rest.split(":")
                b += bytes([int(v, 0)]) * int(n, 0)
            elif kind == "pad":
                b += bytes(max(0, int(rest, 0) - len(b)))
            elif kind == "at":
                off, typ, val = rest.split(":", 2)
                put(int(off, 0), typ, self.eval(val, cpu, buf))
            else:
                put(len(b), kind, self.eval(rest, cpu, buf))
        return bytes(b)


def command(row, sym):
    cpu = int(row["cpu"])
    args = ["svsmctl", "--json", "call", row["protocol"], row["call"], "--unsafe", "--cpu", str(cpu)]
    buf = sym.cas[cpu] + 8 if row["buffer_in"] == "ca" else None
    inputs = {}
    for reg in ("rcx", "rdx", "r8"):
        inputs[reg] = sym.eval(row[reg], cpu, buf)
        if row["buffer_reg"] != reg:
            args += [f"--{reg}", hex(inputs[reg])]
    if row["buffer_in"] != "-":
        data = sym.buffer(row["buffer"], cpu, buf)
        args += ["--buffer", data.hex(), "--buffer-in", row["buffer_in"], "--buffer-reg", row["buffer_reg"]]
        inputs[row["buffer_reg"]] = buf  # None for pages: the module chooses the address
    return " ".join(shlex.quote(a) for a in args), inputs, buf


def check(row, doc, inputs, sym):
    cpu = int(row["cpu"])
    res = doc["results"][0]
    regs = {k: int(v, 16) for k, v in res["registers"].items()}
    problems = []
    want = CODES.get(row["rax"], None)
    want = int(row["rax"], 0) if want is None else want
    if not res["serviced"] or regs["rax"] & 0xffffffff != want:
        problems.append(f"rax {regs['rax']:#x} (serviced {res['serviced']}), wanted {row['rax']} {want:#x}")
    for reg in ("rcx", "rdx", "r8"):
        spec = row["out_" + reg]
        expected = inputs[reg] if spec == "=" else sym.eval(spec, cpu, inputs.get("buf"))
        if expected is not None and regs[reg] != expected:
            problems.append(f"{reg} {regs[reg]:#x}, wanted {expected:#x}")
    if row["out_buffer"] != "-":
        out = bytes.fromhex(res.get("buffer", ""))
        for chk in row["out_buffer"].split(" "):
            off, typ, val = chk.split(":")
            off, n = int(off, 0), SIZES[typ]
            got = int.from_bytes(out[off:off + n], "big" if typ.startswith("be") else "little")
            if got != sym.eval(val, cpu):
                problems.append(f"buffer {chk}: got {got:#x}")
    if row["protocol"] == "0" and row["call"] == "0" and want == 0 and not res["status"]["ca_restored"]:
        problems.append("a REMAP_CA that succeeded was not undone")
    return problems


ROWS = load_rows()


def test_table_has_rows_for_the_vm():
    assert sum(r["e2e"] == "yes" for r in ROWS) > 150


@pytest.mark.parametrize("config", list(CONFIGS))
def test_conformance(guest, config):
    rows = [r for r in ROWS if r["config"] == config and r["e2e"] == "yes"]
    assert rows
    guest.load("emulated", **dict(p.split("=", 1) for p in CONFIGS[config].split()))
    sym = Symbols(guest)
    script, plans = [], []
    for row in rows:
        cmd, inputs, buf = command(row, sym)
        plans.append((row, inputs))
        script.append(f"echo '@@ROW {row['id']}'; {cmd} 2>/dev/null; echo")
    # Several rows per guest command, in pieces the guest agent takes in one go.
    out, piece = "", []
    for line in script + [None]:
        if line is None or (piece and sum(map(len, piece)) + len(line) > 24000):
            out += guest.run("\n".join(piece), timeout=300).out
            piece = []
        if line is not None:
            piece.append(line)
    outputs = out.split("@@ROW ")[1:]
    assert len(outputs) == len(rows), out[-2000:]
    failures = []
    for (row, inputs), text in zip(plans, outputs):
        rid, _, body = text.partition("\n")
        assert rid == row["id"]
        try:
            doc = json.loads(body)
        except ValueError:
            failures.append(f"line {row['line']} {rid}: no JSON: {body.strip()[:300]}")
            continue
        for p in check(row, doc, inputs, sym):
            failures.append(f"line {row['line']} {rid}: {p}")
    assert not failures, "\n".join(failures)


def test_cli_numbers(emu):
    """Every row of tests/conformance/cli_numbers.tsv, by the installed svsmctl."""
    table = TABLE.with_name("cli_numbers.tsv")
    rows = [line.split("\t") for line in table.read_text().splitlines() if line and not line.startswith("#")][1:]
    script = []
    for rid, args, _, _ in rows:
        words = " ".join("''" if w == "''" else shlex.quote(w) for w in args.split(" "))
        script.append(f"echo '@@ROW {rid}'; svsmctl {words} 2>&1; echo \"@@RC $?\"")
    r = emu.run("\n".join(script))
    outputs = r.out.split("@@ROW ")[1:]
    assert len(outputs) == len(rows)
    failures = []
    for (rid, args, rc, text), out in zip(rows, outputs):
        got_rc = int(out.rsplit("@@RC ", 1)[1])
        if got_rc != int(rc) or text not in out:
            failures.append(f"{rid}: svsmctl {args}: exit {got_rc} (wanted {rc}), output:\n{out}")
    assert not failures, "\n".join(failures)
