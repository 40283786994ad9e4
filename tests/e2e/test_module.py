"""Loading and unloading svsm_diag through svsmctl (libkmod)."""
import json

EXIT_FAILURE, EXIT_USAGE, EXIT_UNAVAILABLE = 1, 2, 4


def test_load_emulated_creates_root_only_device(guest):
    r = guest.svsmctl("module", "load", "--backend", "emulated")
    assert r.rc == 0, r.err
    assert guest.ok("stat -c %A /dev/svsm_diag").strip() == "crw-------"
    assert guest.ok("cat /sys/module/svsm_diag/parameters/backend").strip() == "emulated"


def test_load_with_other_parameters_needs_reload(guest):
    guest.load("emulated")
    r = guest.svsmctl("module", "load", "--backend", "auto")
    assert r.rc == EXIT_FAILURE, r.out + r.err
    assert "already loaded with other parameters: backend=auto (loaded: emulated)" in r.err
    assert "--reload" in r.err
    assert guest.ok("cat /sys/module/svsm_diag/parameters/backend").strip() == "emulated"
    # The same values again are no change, and no error.
    r = guest.svsmctl("module", "load", "--backend", "emulated", "--param", "allow_unsafe_calls=0")
    assert r.rc == 0 and "already loaded with these parameters" in r.out, r.out + r.err
    r = guest.svsmctl("module", "load", "--backend", "auto", "--reload")
    assert r.rc == 0, r.err
    assert guest.ok("cat /sys/module/svsm_diag/parameters/backend").strip() == "auto"


def test_unknown_parameter_is_refused_before_loading(guest):
    for param in ("bogus=1", "allow_unsafe_call=1"):
        r = guest.svsmctl("module", "load", "--backend", "emulated", "--param", param)
        assert r.rc == EXIT_USAGE, r.out + r.err
        assert f"has no parameter '{param.split('=')[0]}'" in r.err
        assert "allow_unsafe_calls" in r.err  # the hint lists the real ones
        assert guest.run("test -e /sys/module/svsm_diag").rc == 1  # nothing loaded


def test_unload_refused_while_open(guest):
    guest.load("emulated")
    r = guest.run("exec 3</dev/svsm_diag; svsmctl module unload; echo rc=$?")
    assert "rc=1" in r.out
    assert "in use" in r.err
    assert guest.ok("lsmod | grep -c svsm_diag").strip() == "1"
    assert guest.svsmctl("module", "unload").rc == 0
    assert guest.run("test -e /sys/module/svsm_diag").rc == 1


def test_bad_parameter_is_a_usage_error(guest):
    r = guest.svsmctl("module", "load", "--backend", "emulated", "--param", "emu_vmpl=7")
    assert r.rc == EXIT_USAGE
    assert "rejected its parameters" in r.err
    assert "emu_vmpl=7" in guest.ok("dmesg")


def test_malformed_param_names_the_argument(guest):
    r = guest.svsmctl("module", "load", "--param", "novalue")
    assert r.rc == EXIT_USAGE
    assert "--param 'novalue'" in r.err


def test_not_installed(guest):
    ko = f"/lib/modules/{guest.kernel.release}/extra/svsm_diag.ko"
    guest.ok(f"mv {ko} /tmp/")
    try:
        r = guest.svsmctl("module", "load")
        assert r.rc == EXIT_UNAVAILABLE
        assert "not installed" in r.err and "svsmctl-dkms" in r.err
    finally:
        guest.ok(f"mv /tmp/svsm_diag.ko {ko}")


def test_module_status_json(guest):
    guest.load("emulated", max_retries=7)
    doc = json.loads(guest.svsmctl("--json", "module", "status").out)
    assert doc["state"] == "live"
    assert doc["parameters"]["max_retries"] == "7"
    assert doc["path"].endswith("/extra/svsm_diag.ko")
