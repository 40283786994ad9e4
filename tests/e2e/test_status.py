"""svsmctl status in the VM: emulated SVSM, backend=auto, and no module."""
import json
import re

import pytest

from schema import validate

EXIT_OK, EXIT_NOT_SVSM, EXIT_UNAVAILABLE = 0, 3, 4


def test_version_matches_project(guest, version):
    # Answered before C++ static initialisation (cli/main.cpp); the long
    # form among other options goes through the parser.
    for line in ("svsmctl --version", "svsmctl -V", "svsmctl --json --version"):
        assert guest.ok(line) == f"svsmctl {version}\n", line
    r = guest.run("svsmctl --version > /dev/full")
    assert r.rc == 1 and "cannot print the version: No space left on device" in r.err


def test_module_version_matches_project(emu, version):
    assert emu.ok("cat /sys/module/svsm_diag/version").strip() == version
    info = emu.ioctl("info")
    assert bytes.fromhex(info["module_version"]).rstrip(b"\0").decode() == version


def test_status_emulated_text(emu):
    r = emu.svsmctl("status")
    assert r.rc == EXIT_OK, r.err
    first = r.out.splitlines()[0]
    assert first.startswith("SVSM: present (EMULATED)")
    assert "not a confidential VM" in first
    assert "VMPL:         2 (module; emulated)" in r.out
    assert "backend emulated" in r.out


def test_status_emulated_json(emu, version):
    doc = emu.svsmctl_json("status")
    assert doc["schema_version"] == 1
    assert doc["verdict"]["value"] == "svsm-emulated"
    assert doc["vmpl"] == {"value": 2, "source": "module", "note": "emulated"}
    assert doc["svsm_present"]["value"] is True
    assert doc["module"]["backend"] == "emulated"
    assert doc["module"]["version"] == version
    assert doc["module"]["abi_version"] == 1
    svsm = doc["svsm"]["value"]
    assert svsm["size"] == 16 * 4096
    assert int(svsm["base"], 16) % 4096 == 0 and int(svsm["base"], 16) != 0
    assert svsm["max_core_version"] == 1
    # Under TCG there is no SEV at all, and the module reads the real MSR.
    assert doc["cvm_type"]["value"] == "none"
    assert doc["sev_status"]["value"] == "0x0"


def test_status_emulated_vmpl_parameter(guest):
    guest.load("emulated", emu_vmpl=1)
    doc = guest.svsmctl_json("status")
    assert doc["vmpl"]["value"] == 1


def test_status_auto_reports_not_snp(guest):
    guest.load("auto")
    r = guest.svsmctl("status")
    assert r.rc == EXIT_NOT_SVSM, r.out + r.err
    assert r.out.startswith("SVSM: none - SEV-SNP is not active in this guest")
    doc = json.loads(guest.svsmctl("--json", "status").out)
    assert doc["verdict"]["value"] == "not-snp"
    assert doc["svsm_present"] == {"value": False, "source": "module"}
    assert doc["module"]["backend"] == "none"
    assert doc["cvm_type"]["value"] == "none"


def test_status_without_module_says_how_to_load(guest):
    r = guest.svsmctl("status")
    assert r.rc in (EXIT_NOT_SVSM, EXIT_UNAVAILABLE), r.out + r.err
    assert "Module:       installed, not loaded: load it with 'svsmctl module load'" in r.out
    doc = json.loads(guest.svsmctl("--json", "status").out)
    assert doc["module"]["state"] == "not-loaded"
    assert "svsmctl module load" in doc["module"]["hint"]
    assert doc["module"]["installed"] is True
    # Under TCG, CPUID alone proves there is no SEV-SNP, hence no SVSM.
    assert doc["svsm_present"]["value"] is False
    assert doc["svsm_present"]["source"] == "cpuid"
    # ... so what only an SVSM has does not apply, module or not.
    assert doc["protocols"] == {"value": None, "source": "module", "not_applicable": "not an SEV-SNP guest"}


def test_status_quiet_prints_nothing(emu):
    r = emu.svsmctl("-q", "status")
    assert (r.rc, r.out, r.err) == (EXIT_OK, "", "")


# ---- liveness: an SVSM that does not answer is never "OK" ----

EXIT_SVSM_ERROR = 5
CRITICAL, WARNING = 2, 1

# fault, module parameters, errno the module reports, words of the cause
DEAD_SVSM = {
    "refused": ("vmpl_refuse 1000", {}, "EREMOTEIO", "refused"),
    "unserviced": ("unserviced 1000", {}, "ECOMM", "not serviced"),
    "busy-storm": ("busy 100000", {"max_retries": 5}, "EBUSY", "BUSY"),
    "error-result": ("result 0x80000006 1000", {}, "EIO", "SVSM_ERR_INVALID_REQUEST"),
}


@pytest.mark.parametrize("mode", list(DEAD_SVSM))
def test_not_responding(guest, mode):
    fault, params, errno_name, cause = DEAD_SVSM[mode]
    guest.load("emulated", **params)

    guest.inject(fault)
    r = guest.svsmctl("status", "--all-cpus")
    assert r.rc == EXIT_SVSM_ERROR, r.out + r.err
    lines = r.out.splitlines()
    assert lines[0].startswith("SVSM: NOT RESPONDING (EMULATED) - "), r.out
    responding = next(line for line in lines if line.startswith("  Responding:"))
    assert "NO: QUERY_PROTOCOL failed on 4 of 4 CPUs" in responding and cause in responding, r.out
    assert any(line.startswith("  Hint:  ") for line in lines), r.out
    assert "Protocols:    unknown (the SVSM is not responding" in r.out

    # Without --all-cpus, on svsmctl's own CPU only: as dead.
    guest.inject(fault)
    r = guest.svsmctl("status")
    assert r.rc == EXIT_SVSM_ERROR, r.out + r.err
    assert r.out.startswith("SVSM: NOT RESPONDING (EMULATED) - "), r.out
    responding = next(line for line in r.out.splitlines() if line.startswith("  Responding:"))
    assert re.search(r"NO: QUERY_PROTOCOL failed on CPU [0-3] \(the only one asked\)", responding), r.out
    assert cause in responding, r.out

    guest.inject(fault)
    assert guest.svsmctl("-q", "status").rc == EXIT_SVSM_ERROR

    guest.inject(fault)
    doc = guest.svsmctl_json("status", "--all-cpus", rc=EXIT_SVSM_ERROR)
    validate(doc)
    assert doc["verdict"]["svsm_responding"] is False
    live = doc["liveness"]["value"]
    assert (live["all_cpus"], live["cpus_probed"], live["cpus_responding"]) == (True, 4, 0)
    assert {f["errno_name"] for f in live["failures"]} == {errno_name}
    if errno_name == "EIO":
        assert live["failures"][0]["svsm_result"] == "0x80000006"
        assert "svsmctl explain 0x80000006" in live["failures"][0]["hint"]

    guest.inject(fault)
    r = guest.svsmctl("check", "--allow-emulated")
    assert r.rc == CRITICAL, r.out + r.err
    line, perf = r.out.splitlines()[0].split(" | ")
    assert line.startswith("SVSM CRITICAL - SVSM NOT RESPONDING: NO: QUERY_PROTOCOL failed on 4 of 4 CPUs"), line
    assert perf.split() == ["responding=0;;;0;1", "cpus_not_responding=4;;;0;", "vmpl=2;;;0;3",
                            "protocols=U;;;0;5", "cpus_online=4;;;0;", "calling_areas=4;;;0;"]

    guest.inject(fault)
    doc = guest.svsmctl_json("check", "--allow-emulated", rc=CRITICAL)
    validate(doc)
    perf = {p["label"]: p["value"] for p in doc["perfdata"]}
    assert perf["responding"] == 0 and perf["protocols"] is None

    guest.inject(fault)
    prom = guest.svsmctl("status", "--format", "prometheus")
    assert prom.rc == EXIT_SVSM_ERROR
    assert "\nsvsmctl_svsm_responding 0\n" in prom.out
    assert 'svsmctl_fact_unknown{fact="protocols"} 1' in prom.out


def test_one_cpu_not_responding_is_a_warning(emu):
    emu.inject("unserviced 1 after 1")  # the probe runs on CPU 0, 1, 2, 3 in turn
    r = emu.svsmctl("status", "--all-cpus")
    assert r.rc == EXIT_SVSM_ERROR, r.out + r.err
    assert r.out.startswith("SVSM: present (EMULATED) - ")
    assert "Responding:   on 3 of 4 CPUs; QUERY_PROTOCOL failed on CPU 1: not serviced" in r.out
    assert "Protocols:    core v1-1" in r.out  # asked on a CPU that answers

    emu.inject("unserviced 1 after 1")
    r = emu.svsmctl("check", "--allow-emulated", "--require-protocol", "attest")
    assert r.rc == WARNING, r.out + r.err
    assert r.out.startswith("SVSM WARNING - emulated SVSM at VMPL 2: SVSM responding on 3 of 4 CPUs"), r.out
    assert "responding=0;;;0;1 cpus_not_responding=1;;;0; vmpl=2;;;0;3 protocols=3;;;0;5" in r.out

    emu.inject("unserviced 1 after 1")
    prom = emu.svsmctl("status", "--all-cpus", "--format", "prometheus").out
    assert "\nsvsmctl_svsm_cpus_not_responding 1\n" in prom
    # The module's counters, read before this run's probe: two unserviced calls.
    assert 'svsmctl_cpu_svsm_unserviced_total{cpu="1"} 2' in prom
    assert 'svsmctl_cpu_svsm_unserviced_total{cpu="0"} 0' in prom
    prom = emu.svsmctl("status", "--format", "prometheus").out
    assert 'svsmctl_cpu_svsm_unserviced_total{cpu="1"} 3' in prom


def test_responding_svsm_is_ok(emu):
    r = emu.svsmctl("check", "--allow-emulated")
    assert r.rc == 0, r.out
    assert "responding=1;;;0;1 cpus_not_responding=0;;;0;" in r.out
    assert "Responding:   yes, on all 4 CPUs (module)" in emu.svsmctl("status", "--all-cpus").out
    assert re.search(r"Responding:   yes, on CPU [0-3] \(the only one asked; --all-cpus asks each\) "
                     r"\(module\)", emu.svsmctl("status").out)
    doc = emu.svsmctl_json("status")
    assert (doc["liveness"]["value"]["all_cpus"], doc["liveness"]["value"]["cpus_probed"]) == (False, 1)


def test_not_applicable_is_not_unknown(guest):
    guest.load("auto")
    r = guest.svsmctl("status")
    assert "  VMPL:         n/a (not an SEV-SNP guest)" in r.out, r.out
    assert "  Protocols:    n/a (not an SEV-SNP guest)" in r.out
    for label in ("VMPL", "SVSM", "Protocols", "CPUs", "vTPM", "Responding"):
        line = next(x for x in r.out.splitlines() if x.startswith(f"  {label}:"))
        assert "unknown" not in line, line
    doc = guest.svsmctl_json("status", rc=EXIT_NOT_SVSM)
    validate(doc)
    assert doc["protocols"] == {"value": None, "source": "module", "not_applicable": "not an SEV-SNP guest"}
    prom = guest.svsmctl("status", "--format", "prometheus").out
    facts = re.findall(r'^svsmctl_fact_unknown\{fact="(\w+)"\} (\d)$', prom, re.M)
    assert len(facts) == 7 and all(v == "0" for _, v in facts), facts


@pytest.mark.parametrize("backend", ["emulated", "auto", "not-loaded"])
def test_monitoring_user_gets_roots_verdict(guest, backend):
    """check as nobody with the device given to its group, as the shipped
    60-svsm-diag.rules does (no udev in the VM: chgrp/chmod by hand)."""
    if backend != "not-loaded":
        guest.load(backend)
        gid = guest.ok("id -g nobody").strip()
        guest.ok(f"chgrp {gid} /dev/svsm_diag && chmod 0640 /dev/svsm_diag")
    args = ("check", "--allow-emulated", "--expect-vmpl", "2", "--require-protocol", "attest", "--require-vtpm")
    root = guest.svsmctl(*args)
    user = guest.svsmctl(*args, user="nobody")
    assert user.rc == root.rc, root.out + user.out
    assert user.out.split(" | ")[0] == root.out.split(" | ")[0]
    assert len(user.out.splitlines()) == len(root.out.splitlines()) >= 1
    if backend == "emulated":
        assert root.rc == 0, root.out
        guest.inject("vmpl_refuse 1000")
        user = guest.svsmctl(*args, user="nobody")
        assert user.rc == CRITICAL and "SVSM NOT RESPONDING" in user.out, user.out
