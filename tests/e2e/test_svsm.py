"""SVSM calls through svsm_diag on the emulated backend: every protocol the
emulator offers, Calling Area remaps, attestation, fault injection, CPU
hotplug and permissions."""
import errno
import hashlib
import os
import struct

import pytest

from uapi import U

QUERY_CORE = dict(protocol=U.SVSM_PROTOCOL_CORE, call_id=U.SVSM_CORE_QUERY_PROTOCOL,
                  rcx=(U.SVSM_PROTOCOL_CORE << 32) | 1)
SERVICED = U.SVSM_DIAG_STATUS_ISSUED | U.SVSM_DIAG_STATUS_SERVICED


def expect(r, errno_name, result=None):
    assert r["errno_name"] == errno_name, r
    if result is not None:
        assert r["result"] == result, f"result {r['result']:#x}, wanted {result:#x}: {r}"


def no_spurious_entries(guest):
    """The module only ever calls through the CA the SVSM has for that CPU."""
    state = guest.emu_state()
    assert state["spurious"] == 0, state
    for cpu, c in state["cpus"].items():
        assert c["registered_ca"] == c["kernel_ca"], (cpu, c)


# ---- core protocol ----

def pval_list(*entries):
    return struct.pack("<HHI", len(entries), 0, 0) + b"".join(struct.pack("<Q", e) for e in entries)


def pvalidate(guest, data, cpu=0):
    return guest.ioctl("call", cpu=cpu, protocol=U.SVSM_PROTOCOL_CORE,
                       call_id=U.SVSM_CORE_PVALIDATE, flags=U.SVSM_DIAG_CALL_BUF_CA,
                       buf_reg=U.SVSM_DIAG_REG_RCX, data=data.hex())


def pool(guest):
    state = guest.emu_state()
    return state["pool_gpa"], state["pool_pages"]


def test_pvalidate_invalidate_then_validate(emu):
    gpa, pages = pool(emu)
    assert pages >= 4
    r = pvalidate(emu, pval_list(gpa, gpa + 4096))  # invalidate two 4K pages
    expect(r, "", U.SVSM_SUCCESS)
    entries, nxt = struct.unpack_from("<HH", bytes.fromhex(r["data"]))
    assert (entries, nxt) == (2, 2)
    # Invalidating again: CF=1, reported unless ignore-CF is set.
    r = pvalidate(emu, pval_list(gpa))
    expect(r, "EIO", U.SVSM_ERR_PVALIDATE_FAIL_UNCHANGED)
    expect(pvalidate(emu, pval_list(gpa | U.SVSM_PVAL_IGNORE_CF)), "", U.SVSM_SUCCESS)
    r = pvalidate(emu, pval_list(gpa | U.SVSM_PVAL_VALIDATE, (gpa + 4096) | U.SVSM_PVAL_VALIDATE))
    expect(r, "", U.SVSM_SUCCESS)
    r = pvalidate(emu, pval_list(gpa | U.SVSM_PVAL_VALIDATE))
    expect(r, "EIO", U.SVSM_ERR_PVALIDATE_FAIL_UNCHANGED)


def test_pvalidate_stops_at_the_failing_entry(emu):
    gpa, pages = pool(emu)
    outside = gpa + pages * 4096
    r = pvalidate(emu, pval_list(gpa, outside, gpa + 4096))
    expect(r, "EIO", U.SVSM_ERR_INVALID_ADDRESS)
    assert struct.unpack_from("<HH", bytes.fromhex(r["data"])) == (3, 1)
    # Put the first page back.
    expect(pvalidate(emu, pval_list(gpa | U.SVSM_PVAL_VALIDATE)), "", U.SVSM_SUCCESS)


@pytest.mark.parametrize("entry,result", [
    (lambda gpa: gpa | 1, U.SVSM_ERR_INVALID_PARAMETER),     # 2M entry, not 2M aligned
    (lambda gpa: gpa | 2, U.SVSM_ERR_INVALID_PARAMETER),     # page size 2 is reserved
    (lambda gpa: gpa | 0x10, U.SVSM_ERR_INVALID_PARAMETER),  # reserved bits
    (lambda gpa: 0x1000, U.SVSM_ERR_INVALID_ADDRESS),        # not the module's memory
])
def test_pvalidate_bad_entry(emu, entry, result):
    gpa, _ = pool(emu)
    if gpa % 0x200000 == 0:
        gpa += 4096  # keep the 2M case unaligned
    expect(pvalidate(emu, pval_list(entry(gpa))), "EIO", result)


def test_pvalidate_incomplete_is_retried_with_progress(guest):
    guest.load("emulated", emu_pvalidate_batch=2)
    gpa, _ = pool(guest)
    pages = [gpa + i * 4096 for i in range(5)]
    r = pvalidate(guest, pval_list(*pages))
    expect(r, "", U.SVSM_SUCCESS)
    assert r["retries"] == 2  # 2 + 2 + 1 entries: two INCOMPLETE answers
    assert struct.unpack_from("<HH", bytes.fromhex(r["data"])) == (5, 5)


def test_remap_ca_call_is_undone(emu):
    info = emu.ioctl("info")
    before = emu.ioctl("cpu", cpu=1)["ca_gpa"]
    # The firmware CA is free once the boot CPU moved off it.
    r = emu.ioctl("call", cpu=1, protocol=U.SVSM_PROTOCOL_CORE, call_id=U.SVSM_CORE_REMAP_CA,
                  rcx=info["svsm_caa"])
    expect(r, "", U.SVSM_SUCCESS)
    assert r["status"] & U.SVSM_DIAG_STATUS_CA_RESTORED
    assert emu.ioctl("cpu", cpu=1)["ca_gpa"] == before
    assert emu.emu_state()["remaps"] >= 2
    no_spurious_entries(emu)


@pytest.mark.parametrize("target,result", [
    ("other_cpu", U.SVSM_ERR_INVALID_ADDRESS),
    ("svsm", U.SVSM_ERR_INVALID_ADDRESS),
    ("unaligned", U.SVSM_ERR_INVALID_PARAMETER),
    ("not_memory", U.SVSM_ERR_INVALID_ADDRESS),
])
def test_remap_ca_call_refused(emu, target, result):
    info = emu.ioctl("info")
    gpa = {"other_cpu": emu.ioctl("cpu", cpu=2)["ca_gpa"], "svsm": info["svsm_base"],
           "unaligned": info["svsm_caa"] + 8, "not_memory": 0x1000}[target]
    r = emu.ioctl("call", cpu=1, protocol=U.SVSM_PROTOCOL_CORE, call_id=U.SVSM_CORE_REMAP_CA,
                  rcx=gpa)
    expect(r, "EIO", result)
    assert not r["status"] & U.SVSM_DIAG_STATUS_CA_RESTORED
    no_spurious_entries(emu)


def test_configure_vtom_query_and_configure(emu):
    r = emu.ioctl("call", cpu=0, protocol=0, call_id=U.SVSM_CORE_CONFIGURE_VTOM, rcx=1)
    expect(r, "", U.SVSM_SUCCESS)
    assert r["rcx_out"] == 0  # vTOM unsupported, as COCONUT
    expect(emu.ioctl("call", cpu=0, protocol=0, call_id=U.SVSM_CORE_CONFIGURE_VTOM, rcx=0),
           "EIO", U.SVSM_ERR_INVALID_REQUEST)


def test_query_protocol_reports_configured_versions(guest):
    guest.load("emulated", emu_protocols="0:1-1,1:1-1,3:2-4")
    def query(p, v):
        return guest.ioctl("call", cpu=0, protocol=0, call_id=U.SVSM_CORE_QUERY_PROTOCOL,
                           rcx=(p << 32) | v)["rcx_out"]
    assert query(3, 3) == (4 << 32) | 2
    assert query(3, 1) == 0
    assert query(2, 1) == 0  # vTPM not offered in this configuration
    expect(guest.ioctl("call", cpu=0, protocol=2, call_id=0), "EIO",
           U.SVSM_ERR_UNSUPPORTED_PROTOCOL)


# ---- vTPM ----

def test_vtpm_query(emu):
    r = emu.ioctl("call", cpu=3, protocol=U.SVSM_PROTOCOL_VTPM, call_id=U.SVSM_VTPM_QUERY)
    expect(r, "", U.SVSM_SUCCESS)
    assert r["rcx_out"] == 1 << U.SVSM_VTPM_SEND_COMMAND and r["rdx_out"] == 0


def test_vtpm_startup_command_in_module_pages(emu):
    startup = bytes.fromhex("80010000000c000001440000")  # TPM2_Startup(CLEAR)
    req = struct.pack("<IBI", U.SVSM_VTPM_SEND_COMMAND, 0, len(startup)) + startup
    req += bytes(U.SVSM_VTPM_BUFFER_SIZE - len(req))
    r = emu.ioctl("call", cpu=0, protocol=U.SVSM_PROTOCOL_VTPM, call_id=U.SVSM_VTPM_CMD,
                  flags=U.SVSM_DIAG_CALL_BUF_PAGE, buf_reg=U.SVSM_DIAG_REG_RCX, data=req.hex())
    expect(r, "", U.SVSM_SUCCESS)
    out = bytes.fromhex(r["data"])
    size = struct.unpack_from("<I", out)[0]
    # The firmware started the vTPM: a second TPM2_Startup is TPM_RC_INITIALIZE (TCG reference TPM).
    assert out[4:4 + size] == bytes.fromhex("80010000000a00000100")


# ---- REMAP_CA_TEST ----

def test_remap_test_on_every_cpu(emu):
    for cpu in range(4):
        orig = emu.ioctl("cpu", cpu=cpu)["ca_gpa"]
        r = emu.ioctl("remap", cpu=cpu)
        expect(r, "")
        assert r["steps_done"] == 4
        assert r["outcome"] == U.SVSM_DIAG_REMAP_RESTORED
        assert r["orig_ca"] == orig and r["test_ca"] != orig and r["test_ca"] % 4096 == 0
        for i in range(4):
            assert (r[f"step{i}.result"], r[f"step{i}.error"]) == (0, 0), r
            assert r[f"step{i}.status"] == SERVICED
        assert emu.ioctl("cpu", cpu=cpu)["ca_gpa"] == orig
    no_spurious_entries(emu)


def test_remap_test_refused_remap_leaves_original(emu):
    emu.inject(f"result {U.SVSM_ERR_INVALID_ADDRESS:#x} 1")
    r = emu.ioctl("remap", cpu=2)
    expect(r, "EIO")
    assert r["step0.result"] == U.SVSM_ERR_INVALID_ADDRESS
    assert r["steps_done"] == 2  # the failed remap, then the proof on the original CA
    assert r["outcome"] == U.SVSM_DIAG_REMAP_RESTORED
    assert r["step3.error"] == 0
    no_spurious_entries(emu)


def test_remap_test_asks_only_where_the_svsm_listens(emu):
    # The first remap is never serviced, nor is the first proof through the
    # original CA: the SVSM never left it, so the proof is asked again
    # there. Nothing may go to the test page, where the SVSM would be
    # entered with no call pending.
    emu.inject("unserviced 2")
    r = emu.ioctl("remap", cpu=2)
    expect(r, "EIO")
    assert r["step0.error"] == (-errno.ECOMM) & 0xffffffff and r["steps_done"] == 2, r
    assert r["outcome"] == U.SVSM_DIAG_REMAP_RESTORED, r
    assert r["step3.error"] == 0
    no_spurious_entries(emu)


def test_remap_test_recovers_when_remap_back_fails(emu):
    # Let the remap to the test CA and the query through it pass, then
    # refuse the remap back once: the module must get the CPU back anyway.
    emu.inject(f"result {U.SVSM_ERR_INVALID_REQUEST:#x} 1 after 2")
    r = emu.ioctl("remap", cpu=1)
    expect(r, "EIO")
    assert r["step2.result"] == U.SVSM_ERR_INVALID_REQUEST
    assert r["outcome"] == U.SVSM_DIAG_REMAP_RESTORED | U.SVSM_DIAG_REMAP_RECOVERED
    assert r["step3.error"] == 0
    assert emu.ioctl("cpu", cpu=1)["ca_gpa"] == r["orig_ca"]
    no_spurious_entries(emu)


def test_remap_test_unrecoverable_loses_the_ca_until_the_cpu_is_onlined(emu):
    # The hypervisor never runs the SVSM again after the first remap: the
    # module cannot move it back. The SVSM keeps listening on the test page,
    # which the kernel does not know: the module says so everywhere, keeps
    # the page, refuses to unload, and onlining the CPU (CREATE_VCPU with the
    # kernel's CA) recovers it.
    emu.inject("unserviced 40 after 2")
    try:
        lose_and_recover_cpu3(emu)
    finally:  # never leave the module pinned for the tests after this one
        emu.recover_cpu(3)


def lose_and_recover_cpu3(emu):
    r = emu.ioctl("remap", cpu=3)
    expect(r, "ECOMM")
    assert not r["outcome"] & U.SVSM_DIAG_REMAP_RESTORED
    emu.inject("none")
    cpu = emu.ioctl("cpu", cpu=3)
    assert cpu["state"] & U.SVSM_DIAG_CPU_CA_LOST
    assert cpu["ca_gpa"] == r["orig_ca"]                # the kernel's view did not move
    state = emu.emu_state()["cpus"][3]
    assert state["registered_ca"] == r["test_ca"] != state["kernel_ca"]
    assert "offline and online CPU 3 to recover" in emu.ok("dmesg")
    # The SVSM ignores the kernel's CA: calls there are not serviced.
    expect(emu.ioctl("call", cpu=3, **QUERY_CORE), "ECOMM")
    expect(emu.ioctl("remap", cpu=3), "EHOSTDOWN")           # no second remap on a lost CPU
    assert emu.run("rmmod svsm_diag").rc != 0, "unloaded with a CA lost"
    emu.ok("echo 0 > /sys/devices/system/cpu/cpu3/online && "
           "echo 1 > /sys/devices/system/cpu/cpu3/online")
    assert not emu.ioctl("cpu", cpu=3)["state"] & U.SVSM_DIAG_CPU_CA_LOST
    expect(emu.ioctl("call", cpu=3, **QUERY_CORE), "", U.SVSM_SUCCESS)
    state = emu.emu_state()["cpus"][3]
    assert state["registered_ca"] == state["kernel_ca"]
    emu.unload()


# ---- ATTEST ----

def attest(guest, nonce, **extra):
    args = dict(report_cap=4096, manifest_cap=4096, certs_cap=16384, nonce=nonce.hex())
    args.update(extra)
    return guest.ioctl("attest", cpu=U.SVSM_DIAG_ANY_CPU, **args)


def report_data(report_hex):
    report = bytes.fromhex(report_hex)
    assert len(report) == U.SNP_REPORT_SIZE
    return report[U.SNP_REPORT_REPORT_DATA:U.SNP_REPORT_REPORT_DATA + 64]


def test_attest_services_round_trip(emu):
    nonce = os.urandom(64)
    r = attest(emu, nonce)
    expect(r, "", U.SVSM_SUCCESS)
    manifest = bytes.fromhex(r["manifest"])
    assert r["report.used"] == U.SNP_REPORT_SIZE and r["manifest.used"] == len(manifest) > 24
    # Checked here with Python's own SHA-512, not the emulator's.
    assert report_data(r["report"]) == hashlib.sha512(nonce + manifest).digest()
    report = bytes.fromhex(r["report"])
    assert report[U.SNP_REPORT_CHIP_ID:].startswith(b"EMULATED SVSM REPORT")
    assert struct.unpack_from("<I", report, U.SNP_REPORT_VMPL)[0] == 0
    assert struct.unpack_from("<I", report, U.SNP_REPORT_SIG_ALGO)[0] == 0  # unsigned
    # Services manifest: GUID, total length, one entry (the vTPM).
    total, count = struct.unpack_from("<II", manifest, 16)
    assert (total, count) == (len(manifest), 1)
    assert r["certs.used"] > 0
    assert r["attempts"] == 1


def test_attest_on_each_cpu(emu):
    for cpu in range(4):
        nonce = bytes([cpu]) * 64
        r = emu.ioctl("attest", cpu=cpu, report_cap=4096, manifest_cap=4096, nonce=nonce.hex())
        expect(r, "", U.SVSM_SUCCESS)
        assert report_data(r["report"]) == hashlib.sha512(nonce + bytes.fromhex(r["manifest"])).digest()
        assert r["certs.used"] == 0  # none asked for


def test_attest_single_service_vtpm(emu):
    guid = bytes.fromhex("ebf176c42301a5459641b4e7dde5bfe3")  # c476f1eb-0123-45a5-9641-b4e7dde5bfe3
    nonce = os.urandom(64)
    r = attest(emu, nonce, flags=U.SVSM_DIAG_ATTEST_SINGLE, service_guid=guid.hex())
    expect(r, "", U.SVSM_SUCCESS)
    manifest = bytes.fromhex(r["manifest"])
    assert manifest.startswith(b"SVSM-EMU-EKPUB")
    assert report_data(r["report"]) == hashlib.sha512(nonce + manifest).digest()


def test_attest_single_service_unknown_guid(emu):
    r = attest(emu, bytes(64), flags=U.SVSM_DIAG_ATTEST_SINGLE, service_guid="11" * 16)
    expect(r, "EIO", U.SVSM_ERR_UNSUPPORTED_PROTOCOL)


def test_attest_single_service_manifest_version(emu):
    guid = "ebf176c42301a5459641b4e7dde5bfe3"
    r = attest(emu, bytes(64), flags=U.SVSM_DIAG_ATTEST_SINGLE, service_guid=guid,
               manifest_version=1)
    expect(r, "EIO", U.SVSM_ERR_INVALID_PARAMETER)


def test_attest_user_buffer_too_small_reports_sizes(emu):
    r = attest(emu, bytes(64), report_cap=100)
    expect(r, "ENOSPC")
    assert r["report.used"] == U.SNP_REPORT_SIZE and r["manifest.used"] > 0


def test_attest_without_the_protocol(guest):
    guest.load("emulated", emu_protocols="0:1-1")
    expect(attest(guest, bytes(64)), "EIO", U.SVSM_ERR_UNSUPPORTED_PROTOCOL)


# ---- fault injection: each mode gives its documented errno and code ----

@pytest.mark.parametrize("fault,errno_name,result,status", [
    ("busy 2", "", U.SVSM_SUCCESS, SERVICED),
    ("busy 10", "EBUSY", U.SVSM_ERR_BUSY, SERVICED | U.SVSM_DIAG_STATUS_RETRIES_OUT),
    ("incomplete 10", "EBUSY", U.SVSM_ERR_INCOMPLETE, SERVICED | U.SVSM_DIAG_STATUS_RETRIES_OUT),
    (f"result {U.SVSM_ERR_INVALID_REQUEST:#x} 1", "EIO", U.SVSM_ERR_INVALID_REQUEST, SERVICED),
    ("unserviced 1", "ECOMM", None, U.SVSM_DIAG_STATUS_ISSUED),
    ("vmpl_refuse 1", "EREMOTEIO", None, U.SVSM_DIAG_STATUS_ISSUED | U.SVSM_DIAG_STATUS_VMPL_REFUSED),
])
def test_fault_injection(guest, fault, errno_name, result, status):
    guest.load("emulated", max_retries=3)
    guest.inject(fault)
    r = guest.ioctl("call", cpu=1, **QUERY_CORE)
    expect(r, errno_name, result)
    assert r["status"] == status
    if fault.startswith("busy 10") or fault.startswith("incomplete"):
        assert r["retries"] == 3
    cpu = guest.ioctl("cpu", cpu=1)
    if errno_name in ("ECOMM", "EREMOTEIO"):
        assert cpu["unserviced"] == 1
    guest.inject("none")
    expect(guest.ioctl("call", cpu=1, **QUERY_CORE), "", U.SVSM_SUCCESS)  # back to normal
    assert guest.emu_state()["spurious"] == 0


def test_fault_file_rejects_junk(emu):
    for junk in ("busy", "busy x", "busy 0", "result 1", "explode 3", "none 2", "busy 1 after",
                 "busy 1 before 2", "result 1 2 after 3 4"):
        r = emu.run(f"echo '{junk}' > /sys/kernel/debug/svsm_diag/fault")
        assert r.rc != 0, junk
    assert emu.ok("cat /sys/kernel/debug/svsm_diag/fault").strip() == "none"
    emu.inject("result 0x80000006 2 after 3")
    assert emu.ok("cat /sys/kernel/debug/svsm_diag/fault").strip() == "result 0x80000006 2 after 3"


# ---- CPU hotplug ----

def test_offline_cpu(emu):
    emu.ok("echo 0 > /sys/devices/system/cpu/cpu2/online")
    try:
        expect(emu.ioctl("call", cpu=2, **QUERY_CORE), "ENXIO")
        expect(emu.ioctl("remap", cpu=2), "ENXIO")
        r = emu.ioctl("cpu", cpu=2)
        expect(r, "")
        assert not r["state"] & U.SVSM_DIAG_CPU_ONLINE
    finally:
        emu.ok("echo 1 > /sys/devices/system/cpu/cpu2/online")
    expect(emu.ioctl("call", cpu=2, **QUERY_CORE), "", U.SVSM_SUCCESS)
    no_spurious_entries(emu)


def test_calls_while_cpus_go_offline_and_online(emu):
    script = (
        "( for i in 1 2 3 4 5 6; do echo 0 > /sys/devices/system/cpu/cpu3/online; "
        "echo 1 > /sys/devices/system/cpu/cpu3/online; done ) & "
        "for i in $(seq 40); do for c in 0 1 2 3; do "
        f"svsm-ioctl call cpu=$c protocol=0 call_id={U.SVSM_CORE_QUERY_PROTOCOL} rcx=1; "
        "done; done; wait")
    out = emu.ok(script, timeout=300)
    codes = [line.split('"errno_name": "')[1].split('"')[0] for line in out.splitlines()]
    assert len(codes) == 160
    assert set(codes) <= {"", "ENXIO"}, set(codes)
    no_spurious_entries(emu)


# ---- permissions ----

def test_device_is_root_only(emu):
    r = emu.run("su -s /bin/sh nobody -c 'svsm-ioctl info'")
    assert '"open_errno": 13' in r.out  # EACCES


def test_unprivileged_reader_sees_no_addresses_and_cannot_call(emu):
    emu.ok("chmod 0666 /dev/svsm_diag")
    try:
        def as_nobody(args):
            import json
            return json.loads(emu.ok(f"su -s /bin/sh nobody -c 'svsm-ioctl {args}'"))
        info = as_nobody("info")
        expect(info, "")
        assert info["valid"] & U.SVSM_DIAG_INFO_ADDRS_HIDDEN
        assert (info["svsm_base"], info["svsm_caa"]) == (0, 0) and info["svsm_size"] > 0
        cpu = as_nobody("cpu cpu=1")
        assert cpu["state"] & U.SVSM_DIAG_CPU_ADDRS_HIDDEN and cpu["ca_gpa"] == 0
        # Read-only queries without a buffer carry no address: open to readers.
        expect(as_nobody(f"call cpu=0 protocol=0 call_id={U.SVSM_CORE_QUERY_PROTOCOL} rcx=0x100000001"), "")
        expect(as_nobody(f"call cpu=0 protocol=0 call_id={U.SVSM_CORE_REMAP_CA} rcx=0x1000"), "EPERM")
        expect(as_nobody("remap cpu=0"), "EPERM")
        expect(as_nobody("attest report_cap=4096 manifest_cap=4096"), "EPERM")
    finally:
        emu.ok("chmod 0600 /dev/svsm_diag")


def test_unload_refused_while_open(emu):
    r = emu.run("exec 3</dev/svsm_diag; rmmod svsm_diag")
    assert r.rc != 0  # busybox rmmod reports EAGAIN (it asks O_NONBLOCK), kmod EBUSY
    assert emu.run("test -d /sys/module/svsm_diag").rc == 0
    assert emu.run("rmmod svsm_diag").rc == 0
