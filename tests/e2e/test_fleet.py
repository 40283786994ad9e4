"""Fleet tooling on real consumers: svsmctl's Prometheus output checked by
promtool and scraped by node_exporter's textfile collector, run on the host
with the file the guest wrote."""
import shutil
import socket
import subprocess
import time
import urllib.request

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
