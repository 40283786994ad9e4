"""svsmctl status in the VM: emulated SVSM, backend=auto, and no module."""
import json

EXIT_OK, EXIT_NOT_SVSM, EXIT_UNAVAILABLE = 0, 3, 4


def test_version_matches_project(guest, version):
    out = guest.ok("svsmctl --version")
    assert out.strip() == f"svsmctl {version}"


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
    assert "the svsm_diag module is not loaded" in r.out
    assert "Module:       installed, not loaded: load it with 'svsmctl module load'" in r.out
    doc = json.loads(guest.svsmctl("--json", "status").out)
    assert doc["module"]["state"] == "not-loaded"
    assert "svsmctl module load" in doc["module"]["hint"]
    assert doc["module"]["installed"] is True
    # Under TCG, CPUID alone proves there is no SEV-SNP, hence no SVSM.
    assert doc["svsm_present"]["value"] is False
    assert doc["svsm_present"]["source"] == "cpuid"
    assert doc["protocols"]["value"] is None
    assert "not loaded" in doc["protocols"]["unknown"]


def test_status_quiet_prints_nothing(emu):
    r = emu.svsmctl("-q", "status")
    assert (r.rc, r.out, r.err) == (EXIT_OK, "", "")
