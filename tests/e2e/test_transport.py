"""The exchange with the SVSM when something else uses the GHCB MSR: an NMI
before the VMGEXIT (the request never reaches the hypervisor), an NMI after
it (the call ran, its response is gone), at every step of CALL,
REMAP_CA_TEST and ATTEST, the way KVM and COCONUT-SVSM behave. CALL_PENDING
decides what happened; nothing is reported as done that did not run, and
every CPU ends on the kernel's Calling Area."""
import os

import pytest

from uapi import U

QUERY_CORE = dict(protocol=U.SVSM_PROTOCOL_CORE, call_id=U.SVSM_CORE_QUERY_PROTOCOL,
                  rcx=(U.SVSM_PROTOCOL_CORE << 32) | 1)
ISSUED, SERVICED = U.SVSM_DIAG_STATUS_ISSUED, U.SVSM_DIAG_STATUS_SERVICED
INTERRUPTED, LOST = U.SVSM_DIAG_STATUS_INTERRUPTED, U.SVSM_DIAG_STATUS_RESPONSE_LOST
NMI, REFUSED = U.SVSM_DIAG_STATUS_NMI, U.SVSM_DIAG_STATUS_VMPL_REFUSED
# kmod/svsm_diag_engine.c: interrupted exchanges tried again before -EAGAIN.
MAX_INTERRUPTIONS = 8


def every_ca_is_the_kernels(guest):
    for cpu, c in guest.emu_state()["cpus"].items():
        assert c["registered_ca"] == c["kernel_ca"], (cpu, c)
        assert not guest.ioctl("cpu", cpu=cpu)["state"] & U.SVSM_DIAG_CPU_CA_LOST


def test_nmi_before_the_vmgexit_is_retried_not_refused(emu):
    before = emu.emu_state()
    emu.inject("nmi_before 2")
    r = emu.ioctl("call", cpu=1, **QUERY_CORE)
    assert r["errno_name"] == "", r
    assert r["result"] == U.SVSM_SUCCESS
    assert r["rcx_out"] == (1 << 32) | 1                  # the query's real answer
    assert r["status"] == ISSUED | SERVICED | INTERRUPTED | NMI
    after = emu.emu_state()
    # The hypervisor saw two exchanges that were no VMPL0 request; the SVSM ran one call.
    assert after["bad_requests"] - before["bad_requests"] == 2
    assert after["serviced"] - before["serviced"] == 1
    assert after["cpus"][1]["nmis"] - before["cpus"][1]["nmis"] == 2
    every_ca_is_the_kernels(emu)


def test_an_nmi_storm_gives_up_after_a_bounded_number_of_tries(emu):
    before = emu.emu_state()
    emu.inject("nmi_before 1000")
    r = emu.ioctl("call", cpu=2, **QUERY_CORE)
    emu.inject("none")
    assert r["errno_name"] == "EAGAIN", r
    assert r["result"] == 0                                # nothing ran: no result
    assert r["status"] == ISSUED | INTERRUPTED | NMI       # never "VMPL switch refused"
    after = emu.emu_state()
    assert after["bad_requests"] - before["bad_requests"] == MAX_INTERRUPTIONS + 1
    assert after["serviced"] == before["serviced"]
    cpu = emu.ioctl("cpu", cpu=2)
    assert cpu["unserviced"] == 1 and cpu["calls"] == 1
    assert emu.ioctl("call", cpu=2, **QUERY_CORE)["errno_name"] == ""
    every_ca_is_the_kernels(emu)


def test_nmi_after_the_vmgexit_keeps_the_calls_outputs(emu):
    emu.inject("nmi_after 1")
    r = emu.ioctl("call", cpu=3, **QUERY_CORE)
    assert r["errno_name"] == "", r
    assert r["result"] == U.SVSM_SUCCESS and r["rcx_out"] == (1 << 32) | 1
    assert r["status"] == ISSUED | SERVICED | LOST | NMI
    assert not r["status"] & REFUSED


def test_remap_ca_whose_response_is_lost_is_still_undone(emu):
    """The SVSM executes REMAP_CA, the MSR response is lost: the old module
    threw the call away and left the SVSM on the other page."""
    info = emu.ioctl("info")
    emu.inject("nmi_after 1")
    r = emu.ioctl("call", cpu=1, protocol=U.SVSM_PROTOCOL_CORE, call_id=U.SVSM_CORE_REMAP_CA,
                  rcx=info["svsm_caa"])
    assert r["errno_name"] == "" and r["result"] == U.SVSM_SUCCESS, r
    assert r["status"] & LOST and r["status"] & U.SVSM_DIAG_STATUS_CA_RESTORED
    every_ca_is_the_kernels(emu)


# REMAP_CA_TEST is four exchanges (remap, query, remap back, query): strike each.
@pytest.mark.parametrize("fault", ["nmi_before", "nmi_after"])
@pytest.mark.parametrize("step", range(4))
def test_remap_test_survives_an_nmi_at_any_step(emu, fault, step):
    emu.inject(f"{fault} 1 after {step}")
    r = emu.ioctl("remap", cpu=1)
    assert emu.ok("cat /sys/kernel/debug/svsm_diag/fault").strip() == "none", "fault not delivered"
    assert r["errno_name"] == "", r
    assert r["outcome"] & U.SVSM_DIAG_REMAP_RESTORED
    assert all(r[f"step{i}.error"] == 0 for i in range(4)), r
    flag = INTERRUPTED if fault == "nmi_before" else LOST
    assert r[f"step{step}.status"] & flag and r[f"step{step}.status"] & NMI, r
    every_ca_is_the_kernels(emu)


def test_remap_test_first_remap_ran_but_every_later_exchange_fails(emu):
    """The first REMAP_CA runs, then the hypervisor stops running the SVSM
    for a while: the module must bring the SVSM back from the test page as
    soon as it answers again, never leave it there."""
    emu.inject("unserviced 3 after 1")   # query via test, remap back and first query fail
    r = emu.ioctl("remap", cpu=2)
    assert r["outcome"] & U.SVSM_DIAG_REMAP_RESTORED, r
    assert r["outcome"] & U.SVSM_DIAG_REMAP_RECOVERED, r
    assert r["errno_name"] == "EIO", r                      # a step failed, the CA is back
    every_ca_is_the_kernels(emu)


@pytest.mark.parametrize("fault", ["nmi_before 1", "nmi_after 1"])
def test_attest_through_an_nmi(emu, fault):
    emu.inject(fault)
    r = emu.ioctl("attest", cpu=1, report_cap=4096, manifest_cap=4096, certs_cap=0,
                  nonce=os.urandom(64).hex())
    assert r["errno_name"] == "" and r["result"] == U.SVSM_SUCCESS, r
    assert r["report.used"] == U.SNP_REPORT_SIZE
    assert r["status"] & NMI
    assert r["status"] & (INTERRUPTED if fault.startswith("nmi_before") else LOST)


def test_max_retries_is_capped_at_load(guest):
    r = guest.run("modprobe svsm_diag backend=emulated max_retries=10001")
    assert r.rc != 0
    assert "max_retries=10001: at most 10000" in guest.ok("dmesg")
    guest.load("emulated", max_retries=10000)
    assert guest.ioctl("info")["max_retries"] == 10000


def test_svsmctl_names_an_interrupted_exchange(emu):
    emu.inject("nmi_before 1000")
    r = emu.svsmctl("call", "--cpu", "1", "core", "query-protocol", "--rcx", "0x100000001")
    emu.inject("none")
    text = r.out + r.err
    assert r.rc != 0
    assert "interrupted" in text, text
    assert "refused" not in text, text


def test_svsmctl_says_which_cpu_to_offline_and_online(emu):
    emu.inject("unserviced 40 after 2")
    try:
        lose_cpu2_and_read_the_hints(emu)
    finally:  # never leave the module pinned for the tests after this one
        emu.recover_cpu(2)
    assert emu.svsmctl("cpus").rc == 0
    every_ca_is_the_kernels(emu)


def lose_cpu2_and_read_the_hints(emu):
    r = emu.svsmctl("remap-ca", "--cpu", "2")
    emu.inject("none")
    assert r.rc == 5, r
    assert "offline and online CPU 2" in r.out, r.out
    r = emu.svsmctl("cpus")
    assert r.rc == 5, r
    assert "CPU 2: Calling Area lost" in r.out
    assert "echo 0 > /sys/devices/system/cpu/cpu2/online" in r.out
    lost = {c["cpu"]: c["ca_lost"] for c in emu.svsmctl_json("cpus", rc=5)["cpus"]}
    assert lost == {0: False, 1: False, 2: True, 3: False}
