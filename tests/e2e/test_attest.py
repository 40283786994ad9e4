"""svsmctl attest through configfs-tsm and through the module, and svsmctl
verify of the evidence written.

Through configfs-tsm the kernel's own TSM report code sits between svsmctl
and the emulated SVSM: svsm_diag registers as the report provider when the
kernel has configfs-tsm (Linux 6.7+, CONFIG_TSM_REPORTS), which guest-init
loads. Debian's 6.1 has none: those tests are deselected there (conftest.py),
and test_configfs_tsm_without_a_provider checks what svsmctl says instead.
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from uapi import U

OK, FAILURE, USAGE, UNVERIFIED = 0, 1, 2, 6
TSM = "/sys/kernel/config/tsm/report"


def run(guest, *args, rc=OK):
    r = guest.svsmctl(*args)
    assert r.rc == rc, f"svsmctl {' '.join(args)}: exit {r.rc}, wanted {rc}\n{r.out}\n{r.err}"
    return r


@pytest.fixture
def tsm(emu):
    """The guest with the emulated SVSM as configfs-tsm report provider."""
    # Kernels without configfs-tsm (Debian's 6.1) never get here: conftest.py
    # deselects these tests for them.
    has = emu.kernel.has_configfs_tsm
    present = emu.run(f"test -d {TSM}").rc == 0
    if has is None and not present:
        pytest.skip(f"cannot tell whether {emu.kernel.release} has configfs-tsm, and {TSM} is absent")
    assert present, f"{emu.kernel.release} has CONFIG_TSM_REPORTS but {TSM} is absent:\n" + \
        emu.ok("cat /proc/mounts; lsmod")
    return emu


def files(guest, directory: str) -> dict[str, bytes]:
    out = guest.ok(f"cd {directory} && for f in *; do echo $f $(od -An -tx1 -v $f | tr -d ' \\n'); done")
    return {line.split()[0]: bytes.fromhex(line.split()[1]) if len(line.split()) > 1 else b""
            for line in out.splitlines()}


# ---- configfs-tsm ----

def test_provider_is_the_emulated_svsm(tsm):
    out = tsm.ok(f"mkdir {TSM}/t && cat {TSM}/t/provider {TSM}/t/privlevel_floor; "
                 f"ls {TSM}/t; rmdir {TSM}/t")
    lines = out.split()
    assert lines[:2] == ["svsm_diag", "2"]  # privlevel_floor: the emulated VMPL
    assert {"service_provider", "service_guid", "manifestblob", "auxblob", "generation"} <= set(lines)


def test_provider_goes_with_the_module(tsm):
    tsm.unload()
    # Without a provider the kernel refuses report instances (ENXIO).
    assert tsm.run(f"mkdir {TSM}/t").rc != 0
    tsm.load("emulated", emu_vmpl=3)
    assert tsm.ok(f"mkdir {TSM}/t && cat {TSM}/t/privlevel_floor; rmdir {TSM}/t").strip() == "3"


def test_status_shows_the_privlevel_floor(tsm):
    """status reads configfs-tsm's floor: the emulated VMPL, whatever it is."""
    for vmpl in (3, 2):
        tsm.unload()
        tsm.load("emulated", emu_vmpl=vmpl)
        doc = tsm.svsmctl_json("status")["attestation"]["tsm_report"]
        assert doc["value"] == {"provider": "svsm_diag", "privlevel_floor": vmpl,
                                "service_provider": True}, doc
        assert f"(provider svsm_diag, privlevel_floor {vmpl})" in tsm.ok("svsmctl status")
    # --no-query creates no report instance.
    assert tsm.svsmctl_json("status", "--no-query")["attestation"]["tsm_report"]["value"] is None


def test_configfs_tsm_and_module_give_the_same_evidence(tsm):
    nonce = bytes(range(1, 65))
    docs = {}
    for via in ("configfs-tsm", "module"):
        docs[via] = tsm.svsmctl_json("attest", "--via", via, "--nonce", nonce.hex(), "--out", f"/tmp/{via}")
    a, b = docs["configfs-tsm"], docs["module"]
    assert (a["via"], b["via"]) == ("configfs-tsm", "module")
    assert a["provider"] == "svsm_diag" and a["privlevel_floor"] == 2 and a["attempts"] is None
    assert b["attempts"] == 1 and "provider" not in b
    for doc in (a, b):  # drop what names the path; the rest must agree
        for key in ("via", "provider", "privlevel_floor", "attempts", "out"):
            doc.pop(key, None)
    assert a == b
    assert a["report_data_matches"] is True and [s["name"] for s in a["services"]] == ["vtpm"]
    fa, fb = files(tsm, "/tmp/configfs-tsm"), files(tsm, "/tmp/module")
    assert fa == fb
    assert fa["nonce.bin"] == nonce
    rd = fa["report.bin"][U.SNP_REPORT_REPORT_DATA:U.SNP_REPORT_REPORT_DATA + 64]
    assert rd == hashlib.sha512(nonce + fa["manifest.bin"]).digest()  # checked with Python's SHA-512
    assert fa["certs.bin"]


def test_configfs_tsm_is_the_default(tsm):
    assert tsm.svsmctl_json("attest", "--no-certs")["via"] == "configfs-tsm"
    assert tsm.svsmctl_json("attest", "--no-certs", "--cpu", "1")["via"] == "module"


def test_single_service_through_configfs_tsm(tsm):
    nonce = bytes(64)
    for via in ("configfs-tsm", "module"):
        run(tsm, "attest", "--via", via, "--service", "vtpm", "--nonce", nonce.hex(), "--out", f"/tmp/s-{via}")
    fa, fb = files(tsm, "/tmp/s-configfs-tsm"), files(tsm, "/tmp/s-module")
    assert fa["manifest.bin"].startswith(b"SVSM-EMU-EKPUB") and fa == fb
    r = run(tsm, "attest", "--via", "configfs-tsm", "--service", "11111111-2222-3333-4444-555555555555",
            rc=5)
    assert "configfs-tsm" in r.err


def test_privlevel_below_the_vmpl_is_explained(tsm):
    # The kernel itself refuses it...
    r = tsm.run(f"mkdir {TSM}/t && echo 1 > {TSM}/t/privlevel; rc=$?; rmdir {TSM}/t; exit $rc")
    assert r.rc != 0
    # ...and svsmctl says why before asking.
    r = run(tsm, "attest", "--privlevel", "1", rc=USAGE)
    assert "privlevel 1 is below privlevel_floor 2" in r.err
    assert "VMPL2" in r.err and "--privlevel 2" in r.err
    doc = tsm.svsmctl_json("attest", "--privlevel", "2")
    assert doc["via"] == "configfs-tsm" and doc["report_data_matches"] is True
    r = run(tsm, "attest", "--via", "module", "--privlevel", "2", rc=USAGE)
    assert "--privlevel is a configfs-tsm attribute" in r.err


def test_configfs_tsm_instances_are_removed(tsm):
    run(tsm, "attest", "--via", "configfs-tsm")
    assert tsm.ok(f"ls {TSM}").strip() == ""


# ---- configfs-tsm without a provider: every kernel ----

def test_configfs_tsm_without_a_provider(guest):
    """Module not loaded: on 6.1 there is no configfs-tsm at all, on 6.12 no provider."""
    r = run(guest, "attest", "--via", "configfs-tsm", rc=FAILURE)
    if guest.kernel.has_configfs_tsm is False:
        assert f"{TSM} is absent" in r.err
    else:
        assert "no report provider is registered" in r.err and "--via module" in r.err
    # The default falls back to the module, which says it is not loaded.
    r = run(guest, "attest", rc=4)
    assert "svsmctl module load" in r.err


# ---- verify (any kernel: through whichever path is the default) ----

def test_verify_written_directory_is_unsigned_emulated(emu):
    run(emu, "attest", "--out", "/tmp/ev")
    written = files(emu, "/tmp/ev")
    # The emulated certificate entry is a placeholder: no .der hand-off file.
    assert set(written) == {"report.bin", "manifest.bin", "nonce.bin", "certs.bin"}
    r = run(emu, "verify", "/tmp/ev", rc=UNVERIFIED)
    assert "unsigned (emulated SVSM)" in r.out and "verified (" not in r.out
    assert re.search(r"pass\s+report_data\s+REPORT_DATA = SHA-512\(nonce \|\| manifest\)", r.out), r.out
    doc = emu.svsmctl_json("verify", "/tmp/ev", rc=UNVERIFIED)
    v = doc["verification"]
    assert v["verdict"] == "unsigned" and v["emulated"] is True
    results = {c["name"]: c["result"] for c in v["checks"]}
    assert results == {"report": "pass", "report_data": "pass", "vmpl": "pass", "signature": "skipped",
                       "chain": "skipped", "ark": "skipped", "tcb": "skipped", "hwid": "skipped"}
    assert doc["report"]["version"] == 2 and doc["report"]["signed"] is False
    assert [s["name"] for s in doc["services"]] == ["vtpm"]


def test_verify_finds_tampering(emu):
    run(emu, "attest", "--out", "/tmp/ev")
    emu.ok("printf 'X' | dd of=/tmp/ev/manifest.bin bs=1 seek=30 conv=notrunc 2>/dev/null")
    r = run(emu, "verify", "/tmp/ev", rc=FAILURE)
    assert re.search(r"fail\s+report_data", r.out) and "FAILED" in r.out
    r = run(emu, "verify", "/tmp/ev", "--expect-vmpl", "1", rc=FAILURE)
    assert re.search(r"fail\s+vmpl\s+VMPL 0, expected 1", r.out)


def test_verify_usage_errors(emu):
    run(emu, "attest", "--out", "/tmp/ev")
    assert "not a directory" in run(emu, "verify", "/nonexistent", rc=USAGE).err
    emu.ok("mkdir -p /tmp/only && cp /tmp/ev/report.bin /tmp/ev/nonce.bin /tmp/only/")
    assert "REPORT_DATA needs both" in run(emu, "verify", "/tmp/only", rc=USAGE).err
    assert "--min-tcb 'snp=x'" in run(emu, "verify", "/tmp/ev", "--min-tcb", "snp=x", rc=USAGE).err
    assert "--expect-measurement" in run(emu, "verify", "/tmp/ev", "--expect-measurement", "00", rc=USAGE).err
    assert "--verify" in run(emu, "attest", "--expect-policy", "1", rc=USAGE).err


def test_attest_verify(emu):
    r = run(emu, "attest", "--verify", rc=UNVERIFIED)
    assert "Verification: unsigned (emulated SVSM): nothing verified" in r.out
    doc = emu.svsmctl_json("attest", "--verify", "--expect-policy", "0x30000", rc=UNVERIFIED)
    assert doc["verification"]["verdict"] == "unsigned"
    assert {"name": "expect_policy", "result": "pass", "detail": "POLICY 0x30000"} in doc["verification"]["checks"]
    r = run(emu, "attest", "--verify", "--expect-measurement", "00" * 48, rc=FAILURE)
    assert re.search(r"fail\s+expect_measurement", r.out)
    assert "verification failed" in r.err


@pytest.mark.parametrize("fault,errno_name,says", [
    ("unserviced 1", "ECOMM", "not serviced: CALL_PENDING was still set"),
    ("vmpl_refuse 1", "EREMOTEIO", "the hypervisor refused to run VMPL0"),
    (f"result {U.SVSM_ERR_INVALID_REQUEST:#x} 1", "EIO", "the SVSM returned an error"),
])
def test_failed_svsm_call_through_configfs_tsm(tsm, fault, errno_name, says):
    tsm.inject(fault)
    r = run(tsm, "attest", "--via", "configfs-tsm", rc=5)
    assert says in r.err and "ATTEST through configfs-tsm" in r.err
    if errno_name != "EIO":  # EIO's hint needs the result code configfs-tsm does not pass
        assert "\nhint: " in "\n" + r.err
    tsm.inject(fault)
    doc = json.loads(run(tsm, "--json", "attest", "--via", "configfs-tsm", rc=5).out)
    assert doc["error"]["errno_name"] == errno_name
    tsm.inject("none")
    assert run(tsm, "attest", "--via", "configfs-tsm").rc == OK
