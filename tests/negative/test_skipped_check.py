"""The fuzzer's oracle must be able to fail: a module built without one of its
validations (CALL's check that the output fields come in zero, switched off
by `make SVSM_DIAG_TEST_BREAK=call-output-check`, see kmod/Kbuild) must make
svsm-fuzz report "invalid input accepted". Run by scripts/test.sh on one
Debian kernel (SVSMCTL_NEGATIVE_KERNEL, default 6.12); it never skips.
"""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[0] / "vm"))
sys.path.insert(0, str(HERE.parents[0] / "e2e"))
import vm as vmlib  # noqa: E402
from figures import record  # noqa: E402

KERNEL = os.environ.get("SVSMCTL_NEGATIVE_KERNEL", "6.12")
ITERATIONS = int(os.environ.get("SVSMCTL_NEGATIVE_ITERATIONS", "20000"))
BROKEN_RULE = "call-output-nonzero"


def build_broken_module(kernel: vmlib.Kernel) -> Path:
    """svsm_diag.ko for @kernel from this tree, with the check switched off."""
    build = vmlib.build_dir()
    src = vmlib.REPO / "kmod"
    out = build / "kmod-negative" / kernel.release
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(src, out, ignore=shutil.ignore_patterns("CMakeLists.txt", "*.o", "*.ko",
                                                            ".*.cmd", "*.mod*"))
    shutil.copy2(build / "kmod" / "svsm_diag_version.h", out)
    r = subprocess.run(["make", "-C", str(out), f"KERNELRELEASE={kernel.release}",
                        "SVSM_DIAG_TEST_BREAK=call-output-check", "modules"],
                       capture_output=True, text=True)
    assert r.returncode == 0, f"building the broken module failed:\n{r.stdout}\n{r.stderr}"
    return out / "svsm_diag.ko"


def test_fuzzer_catches_a_module_that_skips_a_check():
    kernels = [k for k in vmlib.find_kernels() if k.name == KERNEL]
    assert kernels, (f"no kernel {KERNEL} with a built svsm_diag.ko: the negative check "
                     "needs it (build first)")
    kernel = dataclasses.replace(kernels[0], ko=build_broken_module(kernels[0]))
    machine = vmlib.boot(kernel, workdir=vmlib.build_dir() / "vm" / f"{kernel.name}-negative")
    try:
        assert machine.run("modprobe svsm_diag backend=emulated").rc == 0
        r = machine.run(f"svsm-fuzz --json --iterations {ITERATIONS} --seed 1",
                        timeout=max(300.0, ITERATIONS / 200))
        rep = json.loads(r.out)
        print(f"\nsvsm-fuzz on a module without the CALL output check ({kernel.name}): "
              f"exit {r.rc}, invalid input accepted {rep['invalid_accepted']}, valid input "
              f"refused {rep['valid_refused']}, wrong errno {rep['wrong_errno']}, "
              f"inputs breaking {BROKEN_RULE}: {rep['rule_hits'][BROKEN_RULE]}")
        for f in rep["failures"]:
            print(f"  {f['what']}\n      input: {f['input']}")
        record("negative", kernel.name, {
            "iterations": rep["iterations"], "exit": r.rc,
            "invalid_accepted": rep["invalid_accepted"], "valid_refused": rep["valid_refused"],
            "wrong_errno": rep["wrong_errno"], "broken_rule_hits": rep["rule_hits"][BROKEN_RULE]})
        assert r.rc == 1, "svsm-fuzz passed a module that skips a validation"
        assert rep["invalid_accepted"] > 0, rep["failures"]
        # Only the switched-off check may show: everything else still holds.
        assert rep["valid_refused"] == 0 and rep["unexpected_errnos"] == 0, rep["failures"]
        assert all(BROKEN_RULE in f["what"] for f in rep["failures"]), rep["failures"]
        assert machine.run("rmmod svsm_diag").rc == 0
    except vmlib.VMError as e:
        pytest.fail(f"the guest died:\n{e}", pytrace=False)
    finally:
        machine.stop()
