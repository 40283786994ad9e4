"""How many round trips svsmctl makes, counted by the module: one status and
one `call --cpu N` send GET_INFO once and GET_CPU at most once per online CPU
(on real SNP a GET_CPU can be a cross-CPU interrupt), and a call on one CPU
reaches the SVSM on that CPU only."""
import pytest

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
    # Liveness asks every online CPU once; the protocol queries ride on one.
    assert all(calls[cpu] >= 1 for cpu in online), calls
    assert ioctls["CALL"] == sum(calls.values()), (ioctls, calls)


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
