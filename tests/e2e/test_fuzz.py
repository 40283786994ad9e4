"""Fuzzing the svsm_diag ioctls from inside the guest with svsm-fuzz.

svsm-fuzz (tests/e2e/svsm-fuzz.c) sends valid, mutated and random arguments
to every command. Each input carries its expectation: the first rule of the
contract it breaks and the exact errno due, or "valid" (0 or an error of the
SVSM's own). A run fails on "invalid input accepted", "valid input refused",
a wrong errno, an errno outside the contract or a broken invariant; the
`guest` fixture then checks the kernel log. Coverage is reported twice:
distinct (command, errno) pairs, and distinct contract rules some input
broke. The figures are printed so that they end up in the CI log.

Environment:
  SVSMCTL_FUZZ_ITERATIONS       iterations on the emulated backend (default 100000;
                                the backend=auto pass runs a fifth of them, at least 2000)
  SVSMCTL_FUZZ_SEED             seed (default 1); a failure names the iteration, so
                                `svsm-fuzz --seed S --iterations I+1 --trace` replays it
  SVSMCTL_FUZZ_RACE_ITERATIONS  REMAP_CA attempts of the concurrency test (default 100000)
"""
from __future__ import annotations

import json
import os
import time

import pytest

import vm as vmlib
from figures import record

ITERATIONS = int(os.environ.get("SVSMCTL_FUZZ_ITERATIONS", "100000"))
SEED = int(os.environ.get("SVSMCTL_FUZZ_SEED", "1"))
RACE_ITERATIONS = int(os.environ.get("SVSMCTL_FUZZ_RACE_ITERATIONS", "100000"))

# Distinct (command, errno) pairs a run must reach. 100000 iterations reach
# 28 on the emulated backend and 23 on backend=auto (1000 already reach 25
# and 23): far below means the generators lost a whole family of inputs.
MIN_PATHS_EMULATED = 24
MIN_PATHS_NO_SVSM = 20
# Contract rules (svsm-fuzz's expect()) some input broke first: 20000
# iterations break 30 of 31 on the emulated backend (all but no-svsm) and 28
# on backend=auto (no CPU rules behind ENODEV; call-buf-len-0 is rare).
MIN_RULES_EMULATED = 29
MIN_RULES_NO_SVSM = 26
SVSM_COMMANDS = ("cpu", "call", "remap", "attest")


def run_fuzz(run, args: str, iterations: int) -> dict:
    """Run svsm-fuzz with @args in the guest and return its JSON report."""
    timeout = max(300.0, iterations / 200)  # TCG does 5000-15000 iterations/s
    t0 = time.monotonic()
    r = run(f"svsm-fuzz --json {args}", timeout)
    wall = time.monotonic() - t0
    assert r.out.strip(), f"svsm-fuzz {args} printed nothing (exit {r.rc})\n{r.err}"
    report = json.loads(r.out)
    report["rc"] = r.rc
    report["wall_seconds"] = wall
    return report


def show(kernel, what: str, rep: dict) -> None:
    print(f"\nsvsm-fuzz {kernel.name} {what}: {rep['iterations']} iterations, "
          f"{rep['threads']} thread(s), {rep['seconds']:.1f}s ({rep['iterations_per_second']:.0f}/s; "
          f"{rep['wall_seconds']:.1f}s with the agent), seed {rep['seed']}")
    for cmd, n in rep["calls"].items():
        outcomes = " ".join(f"{k}={v}" for k, v in sorted(rep["results"][cmd].items()))
        print(f"  {cmd:8} {n:8}  {outcomes}")
    print(f"  distinct (command, errno) pairs: {rep['distinct_error_paths']} "
          f"(with success: {rep['distinct_outcomes']}); contract rules broken by some input: "
          f"{rep['rules_broken']} of {rep['rules']}")
    print(f"  invalid input accepted: {rep['invalid_accepted']}; valid input refused: "
          f"{rep['valid_refused']}; wrong errno: {rep['wrong_errno']}; errnos outside the "
          f"contract: {rep['unexpected_errnos']}; invariant violations: "
          f"{rep['invariant_violations']}; kernel log events: {rep['kernel_log_events']}")
    missed = [r for r, n in list(rep["rule_hits"].items())[:rep["rules"]] if not n]
    if missed and any(rep["rule_hits"].values()):  # the race mode has no expectations
        print(f"  rules no input broke: {', '.join(missed)}")
    for f in rep["failures"] + rep["kernel_log"]:
        print(f"  thread {f['thread']} iteration {f['iteration']}: {f['what']}\n"
              f"      input: {f['input']}")


def keep(name: str, kernel, rep: dict) -> None:
    """The run's figures, for the report at the end of the test command."""
    record(name, kernel.name, {k: rep[k] for k in (
        "iterations", "threads", "seed", "distinct_error_paths", "distinct_outcomes",
        "unexpected_errnos", "invariant_violations", "kernel_log_events", "invalid_accepted",
        "valid_refused", "wrong_errno", "rules_broken", "rules", "rule_hits")} |
        {"results": rep["results"]})


def assert_clean(rep: dict, min_paths: int, min_rules: int = 0) -> None:
    detail = json.dumps(rep["failures"] + rep["kernel_log"], indent=1)
    assert rep["invalid_accepted"] == 0, f"invalid input accepted: {detail}"
    assert rep["valid_refused"] == 0, f"valid input refused: {detail}"
    assert rep["wrong_errno"] == 0, f"another errno than the contract's: {detail}"
    assert rep["unexpected_errnos"] == 0, f"errnos outside the uapi contract: {detail}"
    assert rep["invariant_violations"] == 0, f"invariants broken: {detail}"
    assert rep["kernel_log_events"] == 0, f"kernel log during the run: {detail}"
    assert rep["rc"] == 0, f"svsm-fuzz exited {rep['rc']}"
    assert rep["distinct_error_paths"] >= min_paths, (
        f"only {rep['distinct_error_paths']} distinct (command, errno) pairs, "
        f"expected at least {min_paths}: {rep['results']}")
    assert rep["rules_broken"] >= min_rules, (
        f"only {rep['rules_broken']} contract rules broken by some input, expected at least "
        f"{min_rules}: {rep['rule_hits']}")


def remaps_refused_live(machine) -> int:
    out = machine.run("cat /sys/kernel/debug/svsm_diag/state").out
    for line in out.splitlines():
        if line.startswith("remaps_refused_live "):
            return int(line.split()[1])
    raise AssertionError(f"no remaps_refused_live in the emulator's state:\n{out}")


def test_fuzz_emulated(emu):
    rep = run_fuzz(emu.run, f"--iterations {ITERATIONS} --seed {SEED}", ITERATIONS)
    show(emu.kernel, "backend=emulated", rep)
    keep("fuzz", emu.kernel, rep)
    assert_clean(rep, MIN_PATHS_EMULATED, MIN_RULES_EMULATED)
    assert rep["results"]["unknown"] == {"ENOTTY": rep["calls"]["unknown"]}
    for cmd in ("info", "cpu", "call", "remap", "attest"):
        assert rep["results"][cmd].get("OK"), f"{cmd} never succeeded: {rep['results'][cmd]}"

    # Whatever the calls did, every CPU is back on the CA the kernel knows
    # and the module still answers.
    state = emu.emu_state()
    for cpu, c in state["cpus"].items():
        assert c["registered_ca"] == c["kernel_ca"], (cpu, c)
    assert emu.ioctl("info")["errno_name"] == ""
    assert emu.ioctl("remap", cpu=0)["errno_name"] == ""


def test_fuzz_no_svsm(guest):
    """backend=auto on a guest without SEV-SNP: GET_INFO works, every command
    that needs an SVSM says ENODEV once its argument passes the checks."""
    guest.load("auto")
    assert guest.ioctl("info")["backend"] == 0
    iterations = max(2000, ITERATIONS // 5)
    rep = run_fuzz(guest.run, f"--iterations {iterations} --seed {SEED}", iterations)
    show(guest.kernel, "backend=auto (no SVSM)", rep)
    keep("fuzz-no-svsm", guest.kernel, rep)
    assert_clean(rep, MIN_PATHS_NO_SVSM, MIN_RULES_NO_SVSM)
    for cmd in SVSM_COMMANDS:
        res = rep["results"][cmd]
        assert "OK" not in res, f"{cmd} succeeded without an SVSM: {res}"
        # Most inputs are valid structs, and root is only dropped at the end.
        assert res.get("ENODEV", 0) >= 0.3 * rep["calls"][cmd], f"{cmd}: {res}"


def test_fuzz_concurrent(vm):
    """Several threads at once, and a targeted race: REMAP_CA on one CPU to
    the page a CALL on another CPU has just been given as its buffer.

    A kernel crash must not take the session's shared VM (and every later
    test) with it, so this test boots a VM of its own.
    """
    machine = vmlib.boot(vm.kernel, workdir=vmlib.build_dir() / "vm" / f"{vm.kernel.name}-fuzz")
    try:
        machine.run("dmesg -c > /dev/null")
        r = machine.run("modprobe svsm_diag backend=emulated")
        assert r.rc == 0, r.err
        threaded = max(2000, ITERATIONS // 10)
        rep = run_fuzz(machine.run, f"--iterations {threaded} --seed {SEED} --threads 4", threaded)
        show(vm.kernel, "backend=emulated, 4 threads", rep)
        keep("fuzz-threads", vm.kernel, rep)
        # No unprivileged phase: no EPERM, no "unprivileged" rule.
        assert_clean(rep, MIN_PATHS_EMULATED - 4, MIN_RULES_EMULATED - 2)

        live_before = remaps_refused_live(machine)
        rep = run_fuzz(machine.run, f"--race-remap --iterations {RACE_ITERATIONS}", RACE_ITERATIONS)
        rep["remaps_refused_live"] = remaps_refused_live(machine) - live_before
        show(vm.kernel, "REMAP_CA race", rep)
        print(f"  REMAP_CA refused while the target buffer was live: {rep['remaps_refused_live']}")
        keep("fuzz-race", vm.kernel, rep)
        record("race", vm.kernel.name, {"remaps": rep["iterations"],
                                        "refused_while_live": rep["remaps_refused_live"]})
        assert_clean(rep, 1)
        # The race was run, not only attempted: some remaps found the other
        # call's buffer live (registered with the SVSM) and were refused.
        assert rep["remaps_refused_live"] > 0, "the race never hit a live buffer"
        problems = machine.kernel_log_problems(unload="svsm_diag")
        assert not problems, "kernel log after the test:\n" + "\n".join(problems)
    except vmlib.VMError as e:
        pytest.fail(f"the guest died while fuzzing:\n{e}", pytrace=False)
    finally:
        machine.stop()
