"""The ioctl ABI of /dev/svsm_diag: every command with valid input, then each
invalid field alone on otherwise valid input (one error path per test)."""
import json
import re

import pytest

from uapi import U, _ROOT

# Output-only fields of each struct: they must come in as zero.
INFO_OUT = ["abi_version", "backend", "reason", "valid", "features", "sev_status", "svsm_base",
            "svsm_size", "svsm_caa", "svsm_max_version", "vmpl", "nr_cpu_ids", "nr_possible",
            "nr_online", "max_retries", "policy", "rsvd"]
CPU_OUT = ["state", "apic_id", "last_result", "ca_gpa", "initial_ca_gpa", "calls", "retries",
           "errors", "unserviced"]
CALL_OUT = ["result", "rax_out", "rcx_out", "rdx_out", "r8_out", "r9_out", "status", "retries"]
REMAP_OUT = ["steps_done", "orig_ca", "test_ca", "outcome", "rsvd"] + \
    [f"step{i}.{f}" for i in range(4) for f in ("result", "status", "error", "rsvd")]
ATTEST_OUT = ["result", "status", "attempts", "rsvd", "report.used", "manifest.used",
              "certs.used"] + [f"{b}.rsvd{i}" for b in ("report", "manifest", "certs") for i in (0, 1)]

QUERY_CORE = dict(protocol=U.SVSM_PROTOCOL_CORE, call_id=U.SVSM_CORE_QUERY_PROTOCOL,
                  rcx=(U.SVSM_PROTOCOL_CORE << 32) | 1)
ATTEST_BUFS = dict(report_cap=4096, manifest_cap=4096, certs_cap=16384)


def field_args(**fields):
    """Python names for dotted fields: report__used -> report.used."""
    return {k.replace(".", "__"): v for k, v in fields.items()}


def expect(r, errno_name):
    assert r["errno_name"] == errno_name, r


# ---- GET_INFO ----

def test_info_valid(emu):
    r = emu.ioctl("info")
    expect(r, "")
    assert r["size"] == 128
    assert r["abi_version"] == U.SVSM_DIAG_ABI_VERSION
    assert r["backend"] == U.SVSM_DIAG_BACKEND_EMULATED
    assert r["valid"] & U.SVSM_DIAG_INFO_SVSM and r["valid"] & U.SVSM_DIAG_INFO_VMPL
    assert r["vmpl"] == 2 and r["nr_online"] == 4 and r["nr_possible"] == 4
    assert r["svsm_base"] % 4096 == 0 and r["svsm_caa"] % 4096 == 0 and r["svsm_base"]
    assert r["policy"] == U.SVSM_DIAG_POLICY_UNSAFE_CALLS | U.SVSM_DIAG_POLICY_REMAP_TEST
    assert r["features"] & U.SVSM_DIAG_FEAT_EMULATOR


@pytest.mark.parametrize("size,errno_name", [(0, "EINVAL"), (4, "EINVAL"), (127, "EINVAL"),
                                             (4097, "E2BIG"), (0xffffffff, "E2BIG")])
def test_info_bad_size(emu, size, errno_name):
    expect(emu.ioctl("info", size=size), errno_name)


def test_info_larger_struct_with_zero_tail_is_accepted(emu):
    r = emu.ioctl("info", size=200)
    expect(r, "")
    assert r["size"] == 128  # bytes written


def test_info_larger_struct_with_nonzero_tail_is_refused(emu):
    expect(emu.ioctl("info", size=200, tail=1), "E2BIG")


def test_info_flags(emu):
    expect(emu.ioctl("info", flags=1), "EINVAL")


@pytest.mark.parametrize("field", INFO_OUT)
def test_info_output_field_must_be_zero(emu, field):
    expect(emu.ioctl("info", **{field: 1}), "EINVAL")


def test_info_module_version_must_be_zero(emu):
    expect(emu.ioctl("info", module_version="01"), "EINVAL")


@pytest.mark.parametrize("arg,errno_name", [("null", "EFAULT"), ("unmapped", "EFAULT"),
                                            ("readonly", "EFAULT")])
def test_info_bad_struct_pointer(emu, arg, errno_name):
    expect(emu.ioctl("info", arg=arg), errno_name)


def test_unknown_command(emu):
    expect(emu.ioctl("info", cmd=0xc080e9ff), "ENOTTY")


def test_command_with_wrong_size_is_unknown(emu):
    # _IOWR(0xE9, 0, 64 bytes): the size is part of the command number.
    expect(emu.ioctl("info", cmd=0xc040e900), "ENOTTY")


# ---- GET_CPU ----

def test_cpu_every_cpu(emu):
    cas, apics = set(), set()
    for cpu in range(4):
        r = emu.ioctl("cpu", cpu=cpu)
        expect(r, "")
        want = U.SVSM_DIAG_CPU_ONLINE | U.SVSM_DIAG_CPU_CA_VALID | U.SVSM_DIAG_CPU_INITIAL_CA_VALID
        assert r["state"] & want == want
        assert r["ca_gpa"] % 4096 == 0 and r["ca_gpa"]
        cas.add(r["ca_gpa"])
        apics.add(r["apic_id"])
        # Linux moves the boot CPU off the firmware CA; APs start on their own.
        info = emu.ioctl("info")
        if cpu == 0:
            assert r["initial_ca_gpa"] == info["svsm_caa"] != r["ca_gpa"]
        else:
            assert r["initial_ca_gpa"] == r["ca_gpa"]
    assert len(cas) == 4 and len(apics) == 4


@pytest.mark.parametrize("cpu", [4, 1000, 0xffffffff])
def test_cpu_out_of_range(emu, cpu):
    expect(emu.ioctl("cpu", cpu=cpu), "ENXIO")


def test_cpu_flags(emu):
    expect(emu.ioctl("cpu", cpu=0, flags=1), "EINVAL")


@pytest.mark.parametrize("field", CPU_OUT)
def test_cpu_output_field_must_be_zero(emu, field):
    expect(emu.ioctl("cpu", cpu=0, **{field: 1}), "EINVAL")


def test_cpu_without_svsm(guest):
    guest.load("auto")
    expect(guest.ioctl("cpu", cpu=0), "ENODEV")


# ---- CALL ----

def test_call_query_protocol_on_every_cpu(emu):
    for cpu in range(4):
        r = emu.ioctl("call", cpu=cpu, **QUERY_CORE)
        expect(r, "")
        assert r["result"] == U.SVSM_SUCCESS
        assert r["rcx_out"] == (1 << 32) | 1
        assert r["status"] == U.SVSM_DIAG_STATUS_ISSUED | U.SVSM_DIAG_STATUS_SERVICED
        assert emu.ioctl("cpu", cpu=cpu)["calls"] >= 1


def test_call_counts_on_the_cpu_that_made_it(emu):
    before = [emu.ioctl("cpu", cpu=c)["calls"] for c in range(4)]
    emu.ioctl("call", cpu=2, repeat=5, **QUERY_CORE)
    after = [emu.ioctl("cpu", cpu=c)["calls"] for c in range(4)]
    assert [a - b for a, b in zip(after, before)] == [0, 0, 5, 0]
    assert emu.ioctl("cpu", cpu=2)["last_result"] == U.SVSM_SUCCESS


@pytest.mark.parametrize("protocol,call_id,result", [
    (7, 0, U.SVSM_ERR_UNSUPPORTED_PROTOCOL),
    (U.SVSM_PROTOCOL_APIC, 0, U.SVSM_ERR_UNSUPPORTED_PROTOCOL),   # not offered by default
    (U.SVSM_PROTOCOL_CORE, 99, U.SVSM_ERR_UNSUPPORTED_CALL),
    (U.SVSM_PROTOCOL_CORE, U.SVSM_CORE_DEPOSIT_MEM, U.SVSM_ERR_UNSUPPORTED_CALL),
    (U.SVSM_PROTOCOL_VTPM, 9, U.SVSM_ERR_UNSUPPORTED_CALL),
])
def test_call_svsm_error_is_eio_with_the_code(emu, protocol, call_id, result):
    r = emu.ioctl("call", cpu=1, protocol=protocol, call_id=call_id)
    expect(r, "EIO")
    assert r["result"] == result
    assert r["status"] & U.SVSM_DIAG_STATUS_SERVICED


@pytest.mark.parametrize("fields,errno_name", [
    (dict(flags=4), "EINVAL"),
    (dict(flags=3, buf_reg=1, buf_addr="writable", buf_len=8), "EINVAL"),
    (dict(buf_reg=1), "EINVAL"),
    (dict(buf_addr="writable"), "EINVAL"),
    (dict(buf_len=8), "EINVAL"),
    (dict(flags=1, buf_reg=0, buf_addr="writable", buf_len=8), "EINVAL"),
    (dict(flags=1, buf_reg=5, buf_addr="writable", buf_len=8), "EINVAL"),
    (dict(flags=1, buf_reg=1, rcx=1, buf_addr="writable", buf_len=8), "EINVAL"),
    (dict(flags=1, buf_reg=1, buf_addr=0, buf_len=8), "EINVAL"),
    (dict(flags=1, buf_reg=1, buf_addr="writable", buf_len=0), "EINVAL"),
    (dict(flags=1, buf_reg=1, buf_addr="writable", buf_len=4089), "E2BIG"),
    (dict(flags=2, buf_reg=1, buf_addr="writable", buf_len=16385), "E2BIG"),
    (dict(flags=1, buf_reg=1, buf_addr="unmapped", buf_len=8), "EFAULT"),
    (dict(flags=2, buf_reg=1, buf_addr="unmapped", buf_len=8), "EFAULT"),
    (dict(flags=1, buf_reg=1, buf_addr="kernel", buf_len=8), "EFAULT"),
    (dict(cpu=4), "ENXIO"),
    (dict(cpu=0xffffffff), "ENXIO"),
])
def test_call_bad_field(emu, fields, errno_name):
    args = {"cpu": 0, "protocol": 0, "call_id": U.SVSM_CORE_QUERY_PROTOCOL, **fields}
    expect(emu.ioctl("call", **args), errno_name)


@pytest.mark.parametrize("field", CALL_OUT)
def test_call_output_field_must_be_zero(emu, field):
    expect(emu.ioctl("call", cpu=0, **QUERY_CORE, **{field: 1}), "EINVAL")


def test_call_needs_an_svsm(guest):
    guest.load("auto")
    expect(guest.ioctl("call", cpu=0, **QUERY_CORE), "ENODEV")


def test_call_read_only_buffer_for_output_is_efault(emu):
    # The buffer is copied back after the call: a read-only page cannot take it.
    r = emu.ioctl("call", cpu=0, protocol=U.SVSM_PROTOCOL_VTPM, call_id=U.SVSM_VTPM_QUERY,
                  flags=U.SVSM_DIAG_CALL_BUF_PAGE, buf_reg=U.SVSM_DIAG_REG_RDX,
                  buf_addr="readonly", buf_len=8)
    expect(r, "EFAULT")


# ---- REMAP_CA_TEST ----

@pytest.mark.parametrize("field", REMAP_OUT)
def test_remap_output_field_must_be_zero(emu, field):
    expect(emu.ioctl("remap", cpu=0, **field_args(**{field: 1})), "EINVAL")


def test_remap_flags(emu):
    expect(emu.ioctl("remap", cpu=0, flags=1), "EINVAL")


@pytest.mark.parametrize("cpu", [4, 0xffffffff])
def test_remap_out_of_range(emu, cpu):
    expect(emu.ioctl("remap", cpu=cpu), "ENXIO")


def test_remap_needs_an_svsm(guest):
    guest.load("auto")
    expect(guest.ioctl("remap", cpu=0), "ENODEV")


# ---- ATTEST ----

@pytest.mark.parametrize("field", ATTEST_OUT)
def test_attest_output_field_must_be_zero(emu, field):
    expect(emu.ioctl("attest", **ATTEST_BUFS, **field_args(**{field: 1})), "EINVAL")


@pytest.mark.parametrize("fields,errno_name", [
    (dict(flags=2), "EINVAL"),
    (dict(manifest_version=1), "EINVAL"),                 # only with SINGLE
    (dict(service_guid="01"), "EINVAL"),                  # only with SINGLE
    (dict(report__addr=0), "EINVAL"),                     # length without a buffer
    (dict(report__len=U.SVSM_DIAG_ATTEST_BUF_MAX + 1), "E2BIG"),
    (dict(manifest__len=U.SVSM_DIAG_ATTEST_BUF_MAX + 1), "E2BIG"),
    (dict(certs__len=U.SVSM_DIAG_ATTEST_BUF_MAX + 1), "E2BIG"),
    (dict(report__addr="unmapped"), "EFAULT"),
    (dict(manifest__addr="readonly"), "EFAULT"),
    (dict(cpu=4), "ENXIO"),
])
def test_attest_bad_field(emu, fields, errno_name):
    expect(emu.ioctl("attest", **ATTEST_BUFS, **fields), errno_name)


def test_attest_needs_an_svsm(guest):
    guest.load("auto")
    expect(guest.ioctl("attest", **ATTEST_BUFS), "ENODEV")


def test_ioctl_client_fails_an_errno_outside_the_contract(guest):
    """svsm-ioctl counts every errno in full and fails one the command's
    contract does not list: /dev/null answers GET_INFO with ENOTTY."""
    r = guest.run("SVSM_DIAG_DEVICE=/dev/null svsm-ioctl info repeat=2")
    assert r.rc == 3, (r.rc, r.out, r.err)
    doc = json.loads(r.out)
    assert doc["outside_contract"] == 2 and doc["errnos"] == {"ENOTTY": 2}, doc
    assert "outside the contract of info" in r.err


# ---- the ioctl counts in debugfs ----

def uapi_commands():
    """The commands of the uapi header, in _IOC_NR order, without SVSM_DIAG_."""
    text = (_ROOT / "include/uapi/linux/svsm_diag.h").read_text()
    found = re.findall(r"^#define\s+SVSM_DIAG_(\w+)\s+_IOWR\(SVSM_DIAG_IOC_TYPE,\s*(0x[0-9a-fA-F]+)",
                       text, re.M)
    assert found, "no _IOWR command in the uapi header"
    return [name for name, _ in sorted(found, key=lambda f: int(f[1], 16))]


def ioctl_counts(guest) -> list[tuple[str, int]]:
    out = guest.ok("cat /sys/kernel/debug/svsm_diag/ioctls")
    return [(name, int(count)) for name, count in (line.split() for line in out.splitlines())]


def test_ioctl_counts_list_every_command_in_number_order(emu):
    counts = ioctl_counts(emu)
    assert [name for name, _ in counts] == uapi_commands()


def test_ioctl_counts_count_each_entry(emu):
    before = dict(ioctl_counts(emu))
    emu.ok("svsm-ioctl info && svsm-ioctl info")
    after = dict(ioctl_counts(emu))
    assert after["GET_INFO"] == before["GET_INFO"] + 2, (before, after)
    assert {k: v for k, v in after.items() if k != "GET_INFO"} == \
        {k: v for k, v in before.items() if k != "GET_INFO"}


def test_ioctl_counts_include_refused_calls_but_not_unknown_commands(emu):
    before = dict(ioctl_counts(emu))
    expect(emu.ioctl("info", flags=1), "EINVAL")
    expect(emu.ioctl("cpu", cpu=4096), "ENXIO")
    expect(emu.ioctl("call", **QUERY_CORE, cpu=4096), "ENXIO")
    expect(emu.ioctl("info", cmd=0xc080e9ff), "ENOTTY")
    expect(emu.ioctl("info", cmd=0xc040e900), "ENOTTY")
    after = dict(ioctl_counts(emu))
    want = dict(before, GET_INFO=before["GET_INFO"] + 1, GET_CPU=before["GET_CPU"] + 1,
                CALL=before["CALL"] + 1)
    assert after == want, (before, after)


def test_ioctl_counts_without_an_svsm(guest):
    guest.load("auto")
    expect(guest.ioctl("cpu", cpu=0), "ENODEV")
    counts = dict(ioctl_counts(guest))
    assert counts["GET_CPU"] == 1 and counts["GET_INFO"] == 0, counts
