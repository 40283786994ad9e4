"""svsmctl end to end: every subcommand against the emulated SVSM, as root
and as an unprivileged user, without an SVSM, without the module, and with
injected faults surfacing as decoded errors and documented exit codes."""
import hashlib
import json
import re

import pytest

from uapi import U

OK, FAILURE, USAGE, NOT_SVSM, UNAVAILABLE, SVSM_ERROR = 0, 1, 2, 3, 4, 5


def run(guest, *args, rc=OK, user=None):
    r = guest.svsmctl(*args, user=user)
    assert r.rc == rc, f"svsmctl {' '.join(args)}: exit {r.rc}, wanted {rc}\n{r.out}\n{r.err}"
    return r


# ---- cpus ----

def test_cpus_table(emu):
    out = run(emu, "cpus").out.splitlines()
    assert out[0].split()[:3] == ["CPU", "ONLINE", "APIC"]
    rows = [line.split() for line in out[1:]]
    assert [r[0] for r in rows] == ["0", "1", "2", "3"]
    assert all(r[1] == "yes" for r in rows)
    cas = {r[3] for r in rows}
    assert len(cas) == 4 and all(c.startswith("0x") for c in cas)


def test_cpus_json_counts_calls(emu):
    run(emu, "call", "core", "query-protocol", "--rcx", "0x1", "--cpu", "3")
    doc = emu.svsmctl_json("cpus")
    cpus = {c["cpu"]: c for c in doc["cpus"]}
    assert cpus[3]["calls"] >= 1
    assert cpus[3]["last_result"] == {"code": "0x0", "name": "SVSM_SUCCESS", "kind": "success",
                                      "meaning": cpus[3]["last_result"]["meaning"]}
    assert cpus[0]["initial_ca"] != cpus[0]["ca"]  # the boot CPU left the firmware CA


def test_cpus_as_unprivileged_user_hides_addresses(emu):
    emu.ok("chmod 0644 /dev/svsm_diag")
    try:
        doc = emu.svsmctl_json("cpus", user="nobody")
    finally:
        emu.ok("chmod 0600 /dev/svsm_diag")
    assert all(c["ca"] is None and c["addresses_hidden"] for c in doc["cpus"])


# ---- protocols ----

def test_protocols_default_emulator(emu):
    doc = emu.svsmctl_json("protocols")
    offered = {p["name"]: (p["min_version"], p["max_version"]) for p in doc["protocols"] if p["offered"]}
    assert offered == {"core": (1, 1), "attest": (1, 1), "vtpm": (1, 1)}
    text = run(emu, "protocols").out
    assert re.search(r"^\s+3\s+apic\s+no\s+-\s+COCONUT-SVSM", text, re.M)


def test_protocols_follow_configuration(guest):
    guest.load("emulated", emu_protocols="0:1-2,3:1-1")
    doc = guest.svsmctl_json("protocols", "--cpu", "2")
    offered = {p["name"]: (p["min_version"], p["max_version"]) for p in doc["protocols"] if p["offered"]}
    assert offered == {"core": (1, 2), "apic": (1, 1)}
    assert doc["cpu"] == 2


# ---- call ----

def test_call_by_names_on_all_cpus(emu):
    doc = emu.svsmctl_json("call", "core", "query-protocol", "--rcx", "0x100000001", "--all-cpus")
    assert [r["cpu"] for r in doc["results"]] == [0, 1, 2, 3]
    for r in doc["results"]:
        assert r["error"] is None and r["result"]["name"] == "SVSM_SUCCESS"
        assert r["registers"]["rcx"] == "0x100000001"  # attest protocol: versions 1-1


def test_call_by_numbers(emu):
    r = run(emu, "call", "2", "0", "--cpu", "1")
    assert "CPU 1: vtpm query -> SVSM_SUCCESS (0x0)" in r.out
    assert "rcx 0x100" in r.out


def test_call_svsm_error_is_decoded_with_exit_5(emu):
    r = run(emu, "call", "core", "configure-vtom", "--rcx", "0", "--unsafe", rc=SVSM_ERROR)
    assert "SVSM_ERR_INVALID_REQUEST (0x80000006)" in r.out
    assert "meaning:" in r.out and "fix:" in r.out


def test_call_state_changing_needs_unsafe(emu):
    r = run(emu, "call", "core", "pvalidate", rc=USAGE)
    assert "core pvalidate can change guest or SVSM state; pass --unsafe" in r.err
    # Attestation through call lets the caller choose the pages the SVSM writes.
    r = run(emu, "call", "attest", "attest-services", rc=USAGE)
    assert "use 'svsmctl attest', or pass --unsafe" in r.err


def test_call_with_buffer_in_pages(emu):
    startup = bytes.fromhex("80010000000c000001440000")
    req = (U.SVSM_VTPM_SEND_COMMAND).to_bytes(4, "little") + b"\0" + len(startup).to_bytes(4, "little")
    req = (req + startup).ljust(4096, b"\0")
    doc = emu.svsmctl_json("call", "vtpm", "cmd", "--buffer", req.hex(), "--buffer-in", "pages", "--unsafe")
    buf = bytes.fromhex(doc["results"][0]["buffer"])
    # TPM_RC_INITIALIZE: the firmware already started the vTPM (TCG reference TPM).
    assert buf[:4] == (10).to_bytes(4, "little") and buf[4:14] == bytes.fromhex("80010000000a00000100")


@pytest.mark.parametrize("args,message", [
    (["call", "nosuch", "1"], "PROTOCOL 'nosuch': unknown"),
    (["call", "core", "frobnicate"], "CALL 'frobnicate': not a call of protocol core"),
    (["call", "core", "query-protocol", "--rcx", "12x"], "--rcx '12x': not a number"),
    (["call", "core", "query-protocol", "--cpu", "9"], "--cpu 9: no such CPU (CPU ids here are 0-3)"),
    (["call", "core", "query-protocol", "--cpu", "1", "--all-cpus"], "excludes"),
    (["call", "vtpm", "cmd", "--buffer", "abc", "--unsafe"], "--buffer 'abc': expected an even number"),
    (["call", "vtpm", "cmd", "--buffer", "00", "--rcx", "1", "--unsafe"], "the buffer's address goes in rcx"),
    (["attest", "--nonce", "00"], "--nonce: expected exactly 64 bytes"),
    (["attest", "--service", "nosuch"], "--service 'nosuch': use vtpm, uefi-mm or a GUID"),
    (["explain", "0xzz"], "CODE '0xzz': not a number"),
    (["explain", "zz"], "CODE 'zz': not a result code"),
    (["status", "--format", "xml"], "xml not in {text,json,prometheus}"),
    (["nosuchcommand"], "unknown command 'nosuchcommand'"),
])
def test_input_errors_name_the_argument(emu, args, message):
    r = run(emu, *args, rc=USAGE)
    assert message in r.err, r.err
    assert len(r.err.strip().splitlines()) <= 2  # one line, and a hint at most


def test_offline_cpu_is_a_usage_error(emu):
    emu.ok("echo 0 > /sys/devices/system/cpu/cpu1/online")
    try:
        r = run(emu, "call", "core", "query-protocol", "--cpu", "1", rc=USAGE)
        assert "--cpu 1: CPU 1 is offline" in r.err
        doc = emu.svsmctl_json("cpus")
        assert [c["online"] for c in doc["cpus"]] == [True, False, True, True]
    finally:
        emu.ok("echo 1 > /sys/devices/system/cpu/cpu1/online")


# ---- faults surface as decoded errors and exit codes ----

@pytest.mark.parametrize("fault,text", [
    ("unserviced 1", "not serviced: CALL_PENDING was still set"),
    ("vmpl_refuse 1", "the hypervisor refused to run VMPL0"),
    ("busy 5000", "kept answering BUSY/INCOMPLETE past the retry bound"),
    (f"result {0x80000003:#x} 1", "SVSM_ERR_INVALID_ADDRESS (0x80000003)"),
])
def test_faults_surface_as_decoded_errors(emu, fault, text):
    emu.inject(fault)
    r = run(emu, "call", "core", "query-protocol", "--rcx", "1", rc=SVSM_ERROR)
    assert text in r.out
    emu.inject("none")


def test_fault_json_names_the_errno(emu):
    emu.inject("unserviced 1")
    doc = emu.svsmctl_json("call", "core", "query-protocol", rc=SVSM_ERROR)
    assert doc["results"][0]["error"] == "ECOMM"
    assert doc["results"][0]["serviced"] is False and doc["results"][0]["result"] is None


# ---- remap-ca ----

def test_remap_ca_all_cpus(emu):
    r = run(emu, "remap-ca")
    assert r.out.count(": OK") == 4
    assert r.out.count("SVSM_SUCCESS") == 16
    doc = emu.svsmctl_json("remap-ca", "--cpu", "2")
    assert doc["cpus"][0]["restored"] is True and len(doc["cpus"][0]["steps"]) == 4


def test_remap_ca_failure_exit_5(emu):
    emu.inject(f"result {0x80000003:#x} 1")
    r = run(emu, "remap-ca", "--cpu", "0", rc=SVSM_ERROR)
    assert "FAILED, original CA restored" in r.out
    assert "skipped" in r.out


# ---- attest ----

def test_attest_writes_evidence_that_binds(emu):
    nonce = bytes(range(64))
    r = run(emu, "attest", "--nonce", nonce.hex(), "--out", "/tmp/ev")
    assert "REPORT_DATA = SHA-512(nonce || manifest): yes" in r.out
    assert "EMULATED" in r.out and "NOT signed" in r.out
    assert "vtpm (c476f1eb-0123-45a5-9641-b4e7dde5bfe3)" in r.out
    files = emu.ok("cd /tmp/ev && for f in report manifest nonce certs; do "
                   "echo $f $(od -An -tx1 -v $f.bin | tr -d ' \\n'); done")
    blobs = {line.split()[0]: bytes.fromhex(line.split()[1]) for line in files.splitlines()}
    assert blobs["nonce"] == nonce
    report_data = blobs["report"][U.SNP_REPORT_REPORT_DATA:U.SNP_REPORT_REPORT_DATA + 64]
    assert report_data == hashlib.sha512(nonce + blobs["manifest"]).digest()
    assert blobs["certs"]


def test_attest_single_service_json(emu):
    doc = emu.svsmctl_json("attest", "--service", "vtpm", "--no-certs")
    assert doc["call"] == "attest-single-service"
    assert doc["report_data_matches"] is True and doc["report"]["emulated"] is True
    assert doc["certificates"] == []


def test_attest_unknown_service_is_decoded(emu):
    r = run(emu, "attest", "--via", "module", "--service", "11111111-2222-3333-4444-555555555555",
            rc=SVSM_ERROR)
    assert "SVSM_ERR_UNSUPPORTED_PROTOCOL" in r.err
    # The default path may be configfs-tsm, which passes no result code: it says where to get it.
    r = run(emu, "attest", "--service", "11111111-2222-3333-4444-555555555555", rc=SVSM_ERROR)
    assert "SVSM_ERR_UNSUPPORTED_PROTOCOL" in r.err or "use --via module" in r.err


# ---- error messages say one true thing ----

def test_svsm_error_is_followed_by_its_meaning_not_strerror(emu):
    # Through the module: configfs-tsm does not pass the SVSM's result code on.
    r = run(emu, "attest", "--via", "module", "--service", "vtpm", "--manifest-version", "1",
            rc=SVSM_ERROR)
    assert "ATTEST: SVSM_ERR_INVALID_PARAMETER (0x80000005): " in r.err
    assert "Input/output error" not in r.err and ".:" not in r.err


def test_busy_svsm_is_not_reported_as_a_busy_device(emu):
    emu.inject("busy 5000")
    r = run(emu, "attest", "--via", "module", rc=SVSM_ERROR)
    emu.inject("none")
    assert "Device or resource busy" not in r.err and "BUSY" in r.err, r.err


@pytest.mark.parametrize("device,text", [
    ("/nonexistent", "open /nonexistent: No such file or directory"),
    ("/dev/null", "/dev/null: not an svsm_diag device"),
])
def test_device_named_in_message_and_hint(emu, device, text):
    r = run(emu, "--device", device, "cpus", rc=UNAVAILABLE)
    assert text in r.err and f"hint: --device {device}" in r.err
    assert "/dev/svsm_diag" not in r.err and "Inappropriate ioctl" not in r.err


def test_usage_error_points_at_the_commands_man_page(emu):
    r = run(emu, "call", "9", "0", rc=USAGE)
    assert "protocol 9 call 0, which svsmctl does not know, can change guest or SVSM state" in r.err
    assert "svsmctl-call(8)" in r.err


# ---- explain (offline: no module needed) ----

def test_explain_without_module(guest):
    doc = guest.svsmctl_json("explain", "0x40000010")
    assert doc["kind"] == "memory-request"
    assert doc["memory_pages"] == 16
    assert "SVSM_ERR_BUSY" in run(guest, "explain", "busy").out


# ---- check ----

def test_check_ok_with_emulated_allowed(emu):
    r = run(emu, "check", "--allow-emulated", "--expect-vmpl", "2", "--require-protocol", "attest>=1",
            "--require-vtpm")
    line = r.out.splitlines()[0]
    assert line.startswith("SVSM OK - emulated SVSM at VMPL 2")
    assert ("| responding=1;;;0;1 cpus_not_responding=0;;;0; vmpl=2;;;0;3 protocols=3;;;0;5 cpus_online=4;;;0; "
            "calling_areas=4;;;0;") in line


def test_check_emulated_is_a_warning(emu):
    assert run(emu, "check", rc=1).out.startswith("SVSM WARNING")


@pytest.mark.parametrize("args,text", [
    (["--expect-vmpl", "1"], "VMPL is 2, expected 1"),
    (["--require-protocol", "apic"], "protocol apic is not offered"),
    (["--require-protocol", "core>=2"], "core>=2: the SVSM offers up to version 1"),
])
def test_check_critical(emu, args, text):
    r = run(emu, "check", "--allow-emulated", *args, rc=2)
    assert r.out.startswith("SVSM CRITICAL") and text in r.out


def test_check_without_svsm_is_critical(guest):
    guest.load("auto")
    r = run(guest, "check", rc=2)
    assert r.out.startswith("SVSM CRITICAL - no SVSM: SEV-SNP is not active")


def test_check_unprivileged_reads_protocols_but_no_addresses(emu):
    # What the shipped udev rule does, by hand (no udev in the VM).
    emu.ok("chmod 0644 /dev/svsm_diag")
    try:
        r = run(emu, "check", "--allow-emulated", "--require-protocol", "attest", "--require-vtpm",
                user="nobody", rc=0)
        assert r.out.startswith("SVSM OK - emulated SVSM at VMPL 2"), r.out
        assert "calling_areas=U" in r.out  # addresses stay root's
        emu.inject("unserviced 1000")
        r = run(emu, "check", "--allow-emulated", user="nobody", rc=2)
        assert r.out.startswith("SVSM CRITICAL - SVSM NOT RESPONDING"), r.out
        emu.inject("none")
        # A state-changing call stays root's.
        r = run(emu, "call", "core", "configure-vtom", "--rcx", "0", "--unsafe", user="nobody", rc=UNAVAILABLE)
        assert "EPERM" in r.err or "not permitted" in r.err.lower(), r.err
    finally:
        emu.ok("chmod 0600 /dev/svsm_diag")


def test_check_bad_argument_is_unknown(emu):
    run(emu, "check", "--require-protocol", "warp>=9", rc=3)
    run(emu, "check", "--expect-vmpl", "7", rc=3)


def test_check_json(emu):
    doc = emu.svsmctl_json("check", "--allow-emulated", rc=0)
    assert doc["state"] == "OK" and doc["exit_code"] == 0 and doc["problems"] == []


# ---- status beyond the thin slice ----

@pytest.mark.parametrize("command", ["status", "check", "protocols"])
def test_command_named_alone_answers_as_the_parser_would(emu, command):
    # A bare command line runs without CLI11 (app.cpp); "--color auto", the
    # default, sends the same line through it. One CPU, so both name it.
    bare = emu.run(f"taskset -c 0 svsmctl {command}")
    parsed = emu.run(f"taskset -c 0 svsmctl --color auto {command}")
    assert bare.out and (bare.rc, bare.out, bare.err) == (parsed.rc, parsed.out, parsed.err)


def test_status_prometheus(emu):
    text = run(emu, "status", "--format", "prometheus").out
    assert "svsmctl_svsm_present 1" in text
    assert "svsmctl_svsm_emulated 1" in text
    assert 'svsmctl_protocol_supported{protocol="attest"} 1' in text
    assert 'svsmctl_protocol_max_version{protocol="attest"} 1' in text
    assert "svsmctl_vmpl 2" in text
    for family in re.findall(r"^# TYPE (\S+) gauge$", text, re.M):
        assert f"# HELP {family} " in text
    assert not re.search(r"\s\d+\s+\d{10,}$", text, re.M)  # no timestamps


def test_status_textfile_is_written_atomically(emu):
    r = run(emu, "status", "--textfile", "/var/lib/prometheus/node-exporter")
    assert r.out.startswith("SVSM: present")
    listing = emu.ok("ls -a /var/lib/prometheus/node-exporter").split()
    assert "svsmctl.prom" in listing and not [f for f in listing if f.startswith(".svsmctl")]
    prom = emu.ok("cat /var/lib/prometheus/node-exporter/svsmctl.prom")
    assert "svsmctl_svsm_present 1" in prom
    assert emu.ok("stat -c %a /var/lib/prometheus/node-exporter/svsmctl.prom").strip() == "644"


def test_status_as_unprivileged_user(emu):
    emu.ok("chmod 0644 /dev/svsm_diag")
    try:
        r = run(emu, "status", user="nobody")
        doc = emu.svsmctl_json("status", user="nobody")
    finally:
        emu.ok("chmod 0600 /dev/svsm_diag")
    assert "Run as root to see: SVSM and Calling Area addresses" in r.out
    # Read-only queries are open to whoever may open the device: root's verdict.
    assert doc["protocols"]["value"][1]["offered"] is True
    assert doc["verdict"]["svsm_responding"] is True
    assert doc["svsm"]["value"]["base"] is None  # hidden from the unprivileged
    assert doc["svsm"]["value"]["addresses_hidden"] is True
    assert doc["vmpl"]["value"] == 2


def test_status_device_root_only_for_unprivileged(emu):
    # The device is root's; CPUID alone still proves this VM is not SEV-SNP.
    r = run(emu, "status", user="nobody", rc=NOT_SVSM)
    assert r.out.startswith("SVSM: none - CPUID")
    assert "SVSM:         n/a (not an SEV-SNP guest)" in r.out
    assert "Run as root to see: the module's view" in r.out
    doc = emu.svsmctl_json("status", user="nobody", rc=NOT_SVSM)
    assert doc["module"]["hint"] == "run svsmctl as root"
    assert any("SEV_STATUS" in n for n in doc["needs_root"]), doc["needs_root"]


def test_json_error_document(guest):
    doc = json.loads(guest.svsmctl("--json", "cpus").out)
    assert doc["command"] == "error"
    assert doc["error"]["exit_code"] == UNAVAILABLE and doc["error"]["errno_name"] == "ENOENT"
    assert "svsmctl module load" in doc["error"]["hint"]


def test_status_survives_an_svsm_that_does_not_answer(emu):
    emu.inject("unserviced 1 after 4")  # the liveness probe passes, QUERY_PROTOCOL then fails
    doc = emu.svsmctl_json("status")
    assert doc["verdict"]["value"] == "svsm-emulated"
    assert doc["protocols"]["value"] is None
    assert doc["protocols"]["unknown"].startswith("QUERY_PROTOCOL failed: ")
    assert "not serviced" in doc["protocols"]["unknown"], doc["protocols"]["unknown"]
    assert doc["vtpm"]["value"] is None
    assert doc["calling_areas"]["value"]["cpus_online"] == 4  # the rest is still reported


@pytest.mark.parametrize("fault,says", [
    ("unserviced 1", "not serviced: CALL_PENDING was still set"),
    ("vmpl_refuse 1", "the hypervisor refused to run VMPL0"),
    ("result 0x80000005 1", "SVSM_ERR_INVALID_PARAMETER"),
])
def test_failed_svsm_calls_are_decoded_by_every_command(emu, fault, says):
    """A call the SVSM never serviced has no result code to decode."""
    # attest through the module: configfs-tsm passes no SVSM result code (test_attest.py covers it).
    for cmd in (["protocols"], ["attest", "--no-certs", "--via", "module"],
                ["call", "core", "query-protocol", "--rcx", "0x100000001"]):
        emu.inject(fault)
        r = run(emu, *cmd, rc=SVSM_ERROR)
        text = r.out + r.err
        assert says in text, (cmd, text)
        if cmd[0] != "call":  # call prints its verdict; the others fail with a hint
            assert "\nhint: " in "\n" + r.err, (cmd, r.err)
        if "result" not in fault:
            assert "SVSM_SUCCESS" not in text, (cmd, text)
        emu.inject("none")
