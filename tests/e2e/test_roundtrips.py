"""How many round trips svsmctl makes, counted by the module: one status and
one `call --cpu N` send GET_INFO once and GET_CPU at most once per online CPU
(on real SNP a GET_CPU can be a cross-CPU interrupt), a call on one CPU
reaches the SVSM on that CPU only, and status makes as many SVSM calls with
1 vCPU as with 4."""
import pytest

import vm as vmlib

IOCTLS = "/sys/kernel/debug/svsm_diag/ioctls"


def ioctl_counts(guest) -> dict[str, int]:
    """The module's per-ioctl counters: one `<NAME> <count>` line each."""
    counts = {}
    for line in guest.ok(f"cat {IOCTLS}").splitlines():
        name, count = line.split()
        counts[name] = int(count)
    assert {"GET_INFO", "GET_CPU", "CALL"} <= counts.keys(), counts
    return counts


def emu_calls(guest) -> dict[int, int]:
    """The emulated SVSM's calls per CPU."""
    return {cpu: fields["calls"] for cpu, fields in guest.emu_state()["cpus"].items()}


def sent(guest, *args: str, rc: int = 0) -> tuple[dict[str, int], dict[int, int]]:
    """Runs svsmctl; returns the ioctls it sent and the SVSM calls per CPU."""
    ioctls, calls = ioctl_counts(guest), emu_calls(guest)
    r = guest.svsmctl(*args)
    assert r.rc == rc, f"svsmctl {' '.join(args)}: exit {r.rc}, wanted {rc}\n{r.out}\n{r.err}"
    ioctls_after, calls_after = ioctl_counts(guest), emu_calls(guest)
    return ({k: v - ioctls.get(k, 0) for k, v in ioctls_after.items()},
            {cpu: n - calls.get(cpu, 0) for cpu, n in calls_after.items()})


def online_cpus(guest) -> list[int]:
    cpus = []
    for part in guest.ok("cat /sys/devices/system/cpu/online").strip().split(","):
        first, _, last = part.partition("-")
        cpus += range(int(first), int(last or first) + 1)
    return cpus


@pytest.fixture
def counted(emu):
    if emu.run(f"test -r {IOCTLS}").rc != 0:
        pytest.fail(f"{IOCTLS} is missing: the module counts no ioctls")
    online = online_cpus(emu)
    assert len(online) >= 2, "these tests need a second CPU"
    return emu, online


def test_counters_count(counted):
    # The counters themselves: svsm-ioctl sends exactly one GET_INFO.
    guest, _ = counted
    before = ioctl_counts(guest)
    guest.ioctl("info")
    after = ioctl_counts(guest)
    assert after["GET_INFO"] - before["GET_INFO"] == 1
    assert after["GET_CPU"] == before["GET_CPU"]


def test_status_sends_get_info_once_and_walks_the_cpus_once(counted):
    guest, online = counted
    ioctls, calls = sent(guest, "status")
    assert ioctls["GET_INFO"] == 1, ioctls
    assert 1 <= ioctls["GET_CPU"] <= len(online), ioctls
    # Liveness, the protocol and the vTPM queries: all on one CPU (svsmctl's).
    assert len([cpu for cpu in online if calls[cpu]]) == 1, calls
    assert ioctls["CALL"] == sum(calls.values()), (ioctls, calls)
    # --all-cpus: liveness asks every online CPU once more; the rest rides on one.
    ioctls, all_calls = sent(guest, "status", "--all-cpus")
    assert all(all_calls[cpu] >= 1 for cpu in online), all_calls
    assert sum(all_calls.values()) == sum(calls.values()) + len(online) - 1, (calls, all_calls)
    assert ioctls["CALL"] == sum(all_calls.values()), (ioctls, all_calls)


def test_status_json_and_no_query_too(counted):
    guest, online = counted
    for args in (["--json", "status"], ["status", "--no-query"], ["status", "--format", "prometheus"]):
        ioctls, calls = sent(guest, *args)
        assert ioctls["GET_INFO"] == 1, (args, ioctls)
        assert ioctls["GET_CPU"] <= len(online), (args, ioctls)
        if "--no-query" in args:
            assert ioctls["CALL"] == 0 and not any(calls.values()), "--no-query made SVSM calls"


@pytest.mark.parametrize("all_cpus", [False, True], ids=["one-cpu", "all-cpus"])
def test_call_sends_get_info_once(counted, all_cpus):
    guest, online = counted
    cpu = online[-1]
    where = ["--all-cpus"] if all_cpus else ["--cpu", str(cpu)]
    ioctls, calls = sent(guest, "call", "core", "query-protocol", "--rcx", "0x1", *where)
    assert ioctls["GET_INFO"] == 1, ioctls
    if all_cpus:
        assert ioctls["GET_CPU"] <= len(online), ioctls
        assert {c: calls[c] for c in online} == {c: 1 for c in online}, calls
    else:
        # Only the named CPU is asked about, and only it calls the SVSM.
        assert ioctls["GET_CPU"] == 1, ioctls
        assert calls[cpu] == 1 and sum(calls.values()) == 1, calls
    assert ioctls["CALL"] == sum(calls.values())


def test_cpus_walks_each_cpu_once(counted):
    guest, online = counted
    ioctls, calls = sent(guest, "cpus")
    assert ioctls["GET_INFO"] == 1 and ioctls["GET_CPU"] == len(online), ioctls
    assert ioctls["CALL"] == 0 and not any(calls.values())


def status_calls(guest) -> int:
    """SVSM calls of one root `svsmctl status` (its liveness, protocol and
    vTPM queries), as the emulated SVSM counts them."""
    _, calls = sent(guest, "status")
    return sum(calls.values())


def test_status_calls_do_not_grow_with_cpus(counted):
    """Issue 13: SVSM calls per status are constant in the number of vCPUs.
    The session's VM has 4; a second VM has 1."""
    guest, online = counted
    assert len(online) == 4, online
    at_4 = status_calls(guest)
    assert at_4 == status_calls(guest)  # the same every time
    machine = vmlib.boot(guest.kernel, workdir=vmlib.build_dir() / "vm" / f"{guest.kernel.name}-smp1",
                         smp=1)
    try:
        assert machine.run("modprobe svsm_diag backend=emulated").rc == 0
        one = type(guest)(machine)
        assert online_cpus(one) == [0]
        at_1 = status_calls(one)
        assert one.svsmctl("status").rc == 0
    finally:
        machine.stop()
    print(f"\nSVSM calls per status: {at_1} with 1 vCPU, {at_4} with 4")
    assert at_1 == at_4, f"status made {at_1} SVSM calls with 1 vCPU, {at_4} with 4"
    assert 1 < at_1 < 4 * 5 + 2  # liveness, QUERY_PROTOCOL per protocol and version, VTPM QUERY
