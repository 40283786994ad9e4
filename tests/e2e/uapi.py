"""Constants from the C headers, read from the headers themselves so that the
tests and the module cannot disagree: U.SVSM_DIAG_CALL_BUF_CA,
U.SVSM_ERR_BUSY, ... (simple integer #defines only)."""
import re
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[2] / "kmod"
_HEADERS = [_ROOT / "include/uapi/linux/svsm_diag.h", _ROOT / "include/svsm_spec.h"]
_DEFINE = re.compile(r"^#define\s+(\w+)\s+(.+?)\s*(?:/\*.*)?$")
_EXPR = re.compile(r"^[\s\w()<>|+\-*~/]+$")


class _Constants:
    def __init__(self):
        for header in _HEADERS:
            for line in header.read_text().splitlines():
                m = _DEFINE.match(line)
                if not m or "(" in m.group(1):
                    continue
                expr = re.sub(r"\b(0x[0-9a-fA-F]+|\d+)(?:ULL|UL|U|LL|L)\b", r"\1", m.group(2))
                if not _EXPR.match(expr):
                    continue
                expr = expr.replace("/", "//")  # C integer division
                try:
                    value = eval(expr, {"__builtins__": {}}, vars(self))  # noqa: S307 (our own headers)
                except Exception:  # a macro of macros we do not need
                    continue
                if isinstance(value, int):
                    setattr(self, m.group(1), value)


U = _Constants()
