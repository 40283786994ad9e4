"""Fleet tooling on real consumers: svsmctl's Prometheus output checked by
promtool and scraped by node_exporter's textfile collector, run on the host
with the file the guest wrote."""
import json
import re
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest


def need(tool):
    path = shutil.which(tool)
    if not path:
        pytest.skip(f"{tool} is not installed (scripts/setup.sh installs it)")
    return path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_promtool_accepts_the_exposition(emu):
    promtool = need("promtool")
    text = emu.ok("svsmctl status --format prometheus")
    r = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip() == "" and r.stderr.strip() == "", r.stdout + r.stderr  # no lint findings


def test_promtool_accepts_the_unprivileged_exposition(emu):
    promtool = need("promtool")
    emu.ok("chmod 0644 /dev/svsm_diag")
    try:
        text = emu.run("su -s /bin/sh nobody -c 'svsmctl status --format prometheus'").out
    finally:
        emu.ok("chmod 0600 /dev/svsm_diag")
    assert "svsmctl_fact_unknown" in text
    r = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True)
    assert r.returncode == 0 and not r.stdout.strip(), r.stdout + r.stderr


def test_node_exporter_scrapes_the_textfile(emu, tmp_path):
    exporter = need("prometheus-node-exporter")
    emu.ok("svsmctl status --textfile /var/lib/prometheus/node-exporter")
    (tmp_path / "svsmctl.prom").write_text(
        emu.ok("cat /var/lib/prometheus/node-exporter/svsmctl.prom"))
    port = free_port()
    proc = subprocess.Popen(
        [exporter, f"--web.listen-address=127.0.0.1:{port}", "--collector.disable-defaults",
         "--collector.textfile", f"--collector.textfile.directory={tmp_path}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        body = ""
        for _ in range(100):
            try:
                body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).read().decode()
                break
            except OSError:
                time.sleep(0.1)
        assert body, "node_exporter did not answer"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert "node_textfile_scrape_error 0" in body
    assert "svsmctl_svsm_present 1" in body
    assert 'svsmctl_protocol_supported{protocol="vtpm"} 1' in body
    assert 'svsmctl_protocol_max_version{protocol="vtpm"} 1' in body


# ---- a small fleet on real monitoring ----

FLEET_DIR = Path(__file__).resolve().parents[2] / "packaging" / "fleet"
TEXTFILE_DIR = "/var/lib/prometheus/node-exporter"


def shipped_textfile_command():
    """ExecStart of the shipped svsmctl-textfile.service, and its success codes."""
    unit = (FLEET_DIR / "svsmctl-textfile.service").read_text()
    cmd = re.search(r"^ExecStart=(.+)$", unit, re.M).group(1)
    ok = {0} | {int(c) for c in re.search(r"^SuccessExitStatus=(.+)$", unit, re.M).group(1).split()}
    return cmd.replace("/usr/sbin/svsmctl", "svsmctl"), ok


def http_json(url, timeout=2):
    return json.loads(urllib.request.urlopen(url, timeout=timeout).read().decode())


def wait_http(url, seconds=30):
    deadline = time.monotonic() + seconds
    while True:
        try:
            return urllib.request.urlopen(url, timeout=2).read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_fleet_on_prometheus(guest, tmp_path):
    """Three guests (one VM, one after another): an emulated SVSM that
    answers, one that does not (fault injection), and no SVSM (backend=auto
    under TCG). Each writes its textfile with the shipped unit's command; a
    node_exporter per guest serves it; a real Prometheus with the shipped
    rules scrapes them. Exactly the expected alerts fire."""
    exporter = need("prometheus-node-exporter")
    prometheus = need("prometheus")
    cmd, success = shipped_textfile_command()
    setups = {
        "healthy": (dict(backend="emulated"), None),
        "dead": (dict(backend="emulated"), "unserviced 100000"),
        "nosvsm": (dict(backend="auto"), None),
    }
    for name, (params, fault) in setups.items():
        guest.load(**params)
        if fault:
            guest.inject(fault)
        r = guest.run(cmd)
        assert r.rc in success, f"{name}: {cmd} exited {r.rc}\n{r.out}{r.err}"
        if fault:
            guest.inject(fault)
        guest.svsmctl_json("status", rc={"healthy": 0, "dead": 5, "nosvsm": 3}[name])  # schema-checked
        d = tmp_path / name
        d.mkdir()
        (d / "svsmctl.prom").write_text(guest.ok(f"cat {TEXTFILE_DIR}/svsmctl.prom"))
        guest.unload()

    procs = []
    try:
        targets = {}
        for name in setups:
            port = free_port()
            procs.append(subprocess.Popen(
                [exporter, f"--web.listen-address=127.0.0.1:{port}", "--collector.disable-defaults",
                 "--collector.textfile", f"--collector.textfile.directory={tmp_path / name}"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            targets[name] = f"127.0.0.1:{port}"
        for addr in targets.values():
            wait_http(f"http://{addr}/metrics")

        rules = tmp_path / "svsmctl-alerts.yml"
        shutil.copy(FLEET_DIR / "svsmctl-alerts.yml", rules)
        config = {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(rules)],
            "scrape_configs": [{
                "job_name": "node",
                "static_configs": [{"targets": [addr], "labels": {"guest": name, "svsm": "expected"}}
                                   for name, addr in targets.items()],
            }],
        }
        (tmp_path / "prometheus.yml").write_text(json.dumps(config))  # JSON is YAML
        prom_port = free_port()
        procs.append(subprocess.Popen(
            [prometheus, f"--config.file={tmp_path / 'prometheus.yml'}",
             f"--storage.tsdb.path={tmp_path / 'data'}", f"--web.listen-address=127.0.0.1:{prom_port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        api = f"http://127.0.0.1:{prom_port}"
        wait_http(f"{api}/-/ready", 60)

        def query(q):
            doc = http_json(f"{api}/api/v1/query?" + urllib.parse.urlencode({"query": q}))
            return {s["metric"].get("guest"): float(s["value"][1]) for s in doc["data"]["result"]}

        expected_alerts = {("SvsmNotResponding", "dead"), ("SvsmExpectedButAbsent", "nosvsm")}
        firing = set()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            alerts = http_json(f"{api}/api/v1/alerts")["data"]["alerts"]
            firing = {(a["labels"]["alertname"], a["labels"].get("guest")) for a in alerts
                      if a["state"] == "firing"}
            if firing >= expected_alerts and len(query("up == 1")) == 3:
                break
            time.sleep(0.5)
        time.sleep(3)  # a few more evaluations: nothing else may fire
        alerts = http_json(f"{api}/api/v1/alerts")["data"]["alerts"]
        firing = {(a["labels"]["alertname"], a["labels"].get("guest")) for a in alerts}
        assert firing == expected_alerts, alerts

        assert query("up") == {"healthy": 1, "dead": 1, "nosvsm": 1}
        assert query("node_textfile_scrape_error") == {"healthy": 0, "dead": 0, "nosvsm": 0}
        assert query("svsmctl_svsm_present") == {"healthy": 1, "dead": 1, "nosvsm": 0}
        assert query("svsmctl_svsm_responding") == {"healthy": 1, "dead": 0}  # none without an SVSM
        # The shipped unit asks every CPU (--all-cpus), not only svsmctl's own.
        assert query("svsmctl_svsm_cpus_not_responding") == {"healthy": 0, "dead": 4}
        assert query('svsmctl_verdict == 1') == {"healthy": 1, "dead": 1, "nosvsm": 1}
        assert query('svsmctl_verdict{verdict="not-snp"}') == {"healthy": 0, "dead": 0, "nosvsm": 1}
        assert query("sum by (guest) (svsmctl_fact_unknown)") == {"healthy": 0, "dead": 2, "nosvsm": 0}
        assert query('svsmctl_protocol_max_version{protocol="attest"}') == {"healthy": 1}
        assert query("count by (guest) (svsmctl_cpu_svsm_calls_total)") == {"healthy": 4, "dead": 4}
        assert set(query("svsmctl_last_run_timestamp_seconds")) == {"healthy", "dead", "nosvsm"}
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=20)
