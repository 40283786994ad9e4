"""The .deb and .rpm packages, built by scripts/package.sh and installed here.

The .debs are installed on this machine with dpkg -i, which runs the real
maintainer scripts: DKMS builds svsm_diag.ko for every kernel with headers
in /lib/modules. The tests check svsmctl, its man pages and completions and
the modules, then purge the packages and check that nothing is left. The
.rpms are checked by query (this is not an rpm system), rpmlint and, last,
an rpm install of the -dkms subpackage that runs its scriptlets.

Needs root and a machine that may be changed (CI): packages are installed and
removed, modules land in /lib/modules/<release>/updates/dkms for a while.

    /usr/bin/python3 -m pytest tests/packaging -v

A missing tool (scripts/setup.sh installs them all) or not being root skips,
unless SVSMCTL_REQUIRE_PACKAGING=1. build/packages is reused when it is newer than every file of the tree;
SVSMCTL_PACKAGES_REBUILD=1 forces a rebuild.
"""

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# CI sets this: then a missing tool or not being root fails instead of skipping.
REQUIRED = os.environ.get("SVSMCTL_REQUIRE_PACKAGING") == "1"
PACKAGES = Path(os.environ.get("SVSMCTL_PACKAGES_DIR", ROOT / "build" / "packages"))
DKMS_NAME = "svsm_diag"
DEB_PACKAGES = ("svsmctl", "svsmctl-dkms")
TOOLS = ("dpkg-buildpackage", "dh_dkms", "dkms", "lintian", "rpmbuild", "rpmlint", "modinfo")


def unavailable(reason):
    """Skip, or fail when SVSMCTL_REQUIRE_PACKAGING=1 (CI must run everything)."""
    (pytest.fail if REQUIRED else pytest.skip)(reason)


def run(*cmd, check=True, **kw):
    """Run cmd, return the CompletedProcess with text output (stderr merged)."""
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if check and p.returncode != 0:
        pytest.fail(f"{' '.join(map(str, cmd))} exited {p.returncode}:\n{p.stdout[-4000:]}")
    return p


def _tree_files():
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                         cwd=ROOT, capture_output=True, check=True).stdout
    return [ROOT / f for f in out.decode().split("\0") if f and (ROOT / f).is_file()]


def _fresh():
    """scripts/package.sh finished, and started after the last change to the tree."""
    stamp, done = PACKAGES / ".started", PACKAGES / ".done"
    if not stamp.exists() or not done.exists():
        return False
    started = int(stamp.read_text())
    return all(f.stat().st_mtime < started for f in _tree_files())


def _version_from_cmake():
    cache = PACKAGES / "work" / "cmake" / "CMakeCache.txt"
    m = re.search(r"^CMAKE_PROJECT_VERSION:STATIC=(.+)$", cache.read_text(), re.M)
    assert m, f"no CMAKE_PROJECT_VERSION in {cache}"
    return m.group(1)


def _one(pattern):
    found = sorted(PACKAGES.glob(pattern))
    assert len(found) == 1, f"expected one {pattern} in {PACKAGES}, found {found}"
    return found[0]


@pytest.fixture(scope="session")
def pkgs():
    """Build (or reuse) the packages; their paths and the project version."""
    missing = [t for t in TOOLS if not shutil.which(t)]
    if missing:
        unavailable(f"not installed: {', '.join(missing)} (scripts/setup.sh installs them)")
    if os.environ.get("SVSMCTL_PACKAGES_REBUILD") == "1" or not _fresh():
        t0 = time.monotonic()
        p = subprocess.run([str(ROOT / "scripts" / "package.sh")], cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        print(f"\nscripts/package.sh: exit {p.returncode} in {time.monotonic() - t0:.0f} s")
        # 2 means built but lint complained: the lint tests below say what.
        assert p.returncode in (0, 2), f"scripts/package.sh failed:\n{p.stdout[-6000:]}"
    version = _version_from_cmake()
    return {
        "version": version,
        "deb": _one(f"svsmctl_{version}-*_amd64.deb"),
        "deb_dkms": _one(f"svsmctl-dkms_{version}-*_all.deb"),
        "rpm": _one(f"svsmctl-{version}-*.x86_64.rpm"),
        "rpm_dkms": _one(f"svsmctl-dkms-{version}-*.noarch.rpm"),
    }


def _release_tuple(release):
    m = re.match(r"(\d+)\.(\d+)", release)
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


def kernels_with_headers():
    """(buildable, excluded): releases with headers, split by dkms.conf's
    BUILD_EXCLUSIVE rules (6.1 or later, CONFIG_AMD_MEM_ENCRYPT)."""
    buildable, excluded = [], []
    for build in sorted(Path("/lib/modules").glob("*/build")):
        if not (build / "Makefile").exists():
            continue
        release = build.parent.name
        config = build / ".config"
        sev = config.exists() and re.search(r"^CONFIG_AMD_MEM_ENCRYPT=[ym]$",
                                            config.read_text(errors="replace"), re.M)
        ok = _release_tuple(release) >= (6, 1) and sev
        (buildable if ok else excluded).append(release)
    return buildable, excluded


def installed_module(release):
    found = sorted(Path(f"/lib/modules/{release}/updates/dkms").glob(f"{DKMS_NAME}.ko*"))
    return found


def dkms_status():
    return run("dkms", "status", "-m", DKMS_NAME).stdout


def deb_installed(pkg):
    p = run("dpkg-query", "-W", "-f=${db:Status-Abbrev}", pkg, check=False)
    return p.returncode == 0 and p.stdout.startswith("ii")


def purge_everything():
    present = [p for p in DEB_PACKAGES
               if run("dpkg-query", "-W", p, check=False).returncode == 0]
    if present:
        run("dpkg", "--purge", *present)
    if run("rpm", "-q", "svsmctl-dkms", check=False).returncode == 0:
        run("rpm", "-e", "--nodeps", "svsmctl-dkms", check=False)
    for line in dkms_status().splitlines():  # leftovers of an interrupted run
        m = re.match(rf"{DKMS_NAME}/([^,:]+)", line)
        if m:
            run("dkms", "remove", "-m", DKMS_NAME, "-v", m.group(1), "--all", check=False)


@pytest.fixture(scope="module")
def installed(pkgs):
    """dpkg -i both .debs on this machine; purged again at the end."""
    if os.geteuid() != 0:
        unavailable("installing packages with dpkg needs root")
    buildable, excluded = kernels_with_headers()
    purge_everything()
    t0 = time.monotonic()
    p = run("dpkg", "-i", str(pkgs["deb_dkms"]), str(pkgs["deb"]), check=False)
    seconds = time.monotonic() - t0
    print(f"\ndpkg -i: exit {p.returncode} in {seconds:.1f} s, DKMS kernels "
          f"{buildable} (excluded: {excluded}; running: {os.uname().release})\n{p.stdout}")
    assert p.returncode == 0, f"dpkg -i failed:\n{p.stdout}"
    files = {pkg: run("dpkg", "-L", pkg).stdout.split() for pkg in DEB_PACKAGES}
    yield {"kernels": buildable, "excluded": excluded, "output": p.stdout,
           "seconds": seconds, "files": files, **pkgs}
    purge_everything()


# --- lint ---------------------------------------------------------------

def test_lintian_has_no_errors_or_warnings(pkgs):
    report = (PACKAGES / "lintian.txt").read_text()
    bad = [line for line in report.splitlines() if re.match(r"[EW]: ", line)]
    assert not bad, "lintian:\n" + "\n".join(bad)


def test_rpmlint_has_no_errors(pkgs):
    report = (PACKAGES / "rpmlint.txt").read_text()
    m = re.search(r"(\d+) packages and (\d+) specfiles checked; (\d+) errors?, (\d+) warnings?", report)
    assert m, f"no rpmlint summary in:\n{report}"
    assert m.group(1) == "2" and m.group(2) == "1", m.group(0)
    assert m.group(3) == "0", report


# --- the installed .debs --------------------------------------------------

def test_debs_are_installed(installed):
    for pkg in DEB_PACKAGES:
        assert deb_installed(pkg), pkg
        version = run("dpkg-query", "-W", "-f=${Version}", pkg).stdout
        assert version.startswith(installed["version"] + "-"), (pkg, version)


def test_svsmctl_version_is_the_project_version(installed):
    assert "/usr/sbin/svsmctl" in installed["files"]["svsmctl"]
    out = run("/usr/sbin/svsmctl", "--version").stdout.strip()
    assert out == f"svsmctl {installed['version']}"


def test_openssl_is_loaded_by_attest_and_verify_only(installed, tmp_path):
    """libcrypto is no dependency of svsmctl itself: its OpenSSL half is a
    private shared object that attest and verify dlopen(); dh_shlibdeps
    still finds libcrypto's package through it."""
    multiarch = run("dpkg-architecture", "-qDEB_HOST_MULTIARCH").stdout.strip()
    plugin = f"/usr/lib/{multiarch}/svsmctl/svsmctl-crypto.so"
    assert plugin in installed["files"]["svsmctl"]
    # NEEDED, not ldd: Debian 12's libkmod itself links libcrypto.
    def needed(path):
        return re.findall(r"\(NEEDED\).*\[(.+)\]", run("readelf", "-d", path).stdout)
    assert not [n for n in needed("/usr/sbin/svsmctl") if n.startswith("libcrypto")]
    assert [n for n in needed(plugin) if n.startswith("libcrypto")]
    depends = run("dpkg-query", "-W", "-f=${Depends}", "svsmctl").stdout
    assert re.search(r"\blibssl3\b", depends), depends
    # libkmod too is dlopen()ed (by module load and unload): declared by hand.
    assert not [n for n in needed("/usr/sbin/svsmctl") if n.startswith("libkmod")]
    assert re.search(r"\blibkmod2\b", depends), depends
    # An all-zero report: verify gets as far as the checks, in the plugin.
    (tmp_path / "report.bin").write_bytes(bytes(0x4a0))
    p = run("/usr/sbin/svsmctl", "--json", "verify", str(tmp_path), check=False)
    assert json.loads(p.stdout)["verification"]["verdict"] in ("failed", "unsigned"), p.stdout



def test_libstdcxx_is_linked_in_and_recorded(installed, pkgs):
    """SVSMCTL_STATIC_CXX: svsmctl and its plugin carry libstdc++ and fmt
    (start-up cost), so neither package depends on them; the .deb says which
    gcc source package libstdc++ came from (Built-Using)."""
    multiarch = run("dpkg-architecture", "-qDEB_HOST_MULTIARCH").stdout.strip()
    for path in ("/usr/sbin/svsmctl", f"/usr/lib/{multiarch}/svsmctl/svsmctl-crypto.so"):
        needed = re.findall(r"\(NEEDED\).*\[(.+)\]", run("readelf", "-d", path).stdout)
        assert not [n for n in needed if n.startswith(("libstdc++", "libfmt"))], (path, needed)
    field = run("dpkg-deb", "-f", str(pkgs["deb"]), "Built-Using").stdout.strip()
    assert re.fullmatch(r"gcc-\d+ \(= \S+\)", field), field
    requires = run("rpm", "-qp", "--requires", str(pkgs["rpm"])).stdout
    assert "libstdc++.so" not in requires, requires

def _man_pages():
    """(name, section) of every man/*.scd page in the tree."""
    pages = []
    for scd in sorted((ROOT / "man").glob("*.scd")):
        m = re.match(r"(.+)\.(\d)\.scd$", scd.name)
        if m:
            pages.append((m.group(1), m.group(2)))
    return pages


def test_man_pages_are_installed_and_found_by_man(installed):
    pages = _man_pages()
    if not pages:
        pytest.skip("man/ has no *.scd pages yet: nothing to install")
    for name, section in pages:
        path = f"/usr/share/man/man{section}/{name}.{section}.gz"
        assert path in installed["files"]["svsmctl"], f"{path} not in the svsmctl package"
        found = run("man", "-w", section, name).stdout.strip()
        assert found == path
    if ("svsmctl", "8") in pages:
        assert run("man", "-w", "svsmctl").stdout.strip() == "/usr/share/man/man8/svsmctl.8.gz"


def _search_path(shell):
    """Directories the shell loads completions from, as the shell itself says."""
    if shell == "bash":
        return [run("pkg-config", "--variable=completionsdir", "bash-completion").stdout.strip()]
    if shell == "zsh":
        return run("zsh", "-fc", "print -l $fpath").stdout.split()
    return run("fish", "-c", "printf '%s\\n' $fish_complete_path").stdout.split()


# Where the .deb puts them (cli/CMakeLists.txt installs all three; Debian's
# zsh reads vendor-completions, not site-functions).
COMPLETIONS = {"bash": "/usr/share/bash-completion/completions/svsmctl",
               "zsh": "/usr/share/zsh/vendor-completions/_svsmctl",
               "fish": "/usr/share/fish/vendor_completions.d/svsmctl.fish"}
# Each shell loads svsmctl's completion the way it would interactively;
# the output names it (bash, zsh) or completes a subcommand (fish).
LOADS_COMPLETION = {
    "bash": (["bash", "-c", ". /usr/share/bash-completion/bash_completion; "
              "__load_completion svsmctl && complete -p svsmctl"], "complete -F "),
    "zsh": (["zsh", "-fc", "autoload -Uz compinit && compinit -u -D && "
             "print -r -- ${_comps[svsmctl]}"], "_svsmctl"),
    "fish": (["fish", "-c", "complete -C'svsmctl '"], "status\t"),
}


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_is_where_the_shell_looks(installed, shell):
    path = COMPLETIONS[shell]
    assert path in installed["files"]["svsmctl"] and os.path.isfile(path)
    if not shutil.which(shell):
        unavailable(f"{shell} not installed (scripts/setup.sh installs it)")
    dirs = _search_path(shell)
    assert os.path.dirname(path) in dirs, f"{path}: {shell} searches {dirs}"
    cmd, expected = LOADS_COMPLETION[shell]
    out = run(*cmd, cwd="/").stdout
    assert expected in out, f"{shell} did not load svsmctl's completion from {path}:\n{out}"


def test_dkms_installed_the_module_for_each_kernel_with_headers(installed):
    kernels = installed["kernels"]
    if not kernels:
        unavailable("no kernel headers (6.1 or later, with SEV) in /lib/modules/*/build")
    status = dkms_status()
    print(status)
    arch = os.uname().machine
    for release in kernels:
        assert f"{DKMS_NAME}/{installed['version']}, {release}, {arch}: installed" in status, status
    for release in installed["excluded"]:
        assert f", {release}," not in status, f"built for excluded kernel {release}"


def test_module_files_have_the_project_version(installed):
    kernels = installed["kernels"]
    if not kernels:
        unavailable("no kernel headers (6.1 or later, with SEV) in /lib/modules/*/build")
    for release in kernels:
        kos = installed_module(release)
        assert len(kos) == 1, f"/lib/modules/{release}/updates/dkms: {kos}"
        ko = str(kos[0])
        assert run("modinfo", "-F", "version", ko).stdout.strip() == installed["version"]
        assert run("modinfo", "-F", "vermagic", ko).stdout.startswith(release + " ")
        # depmod ran: the module is found by name, as libkmod will.
        assert run("modinfo", "-k", release, "-n", DKMS_NAME).stdout.strip() == ko


def test_running_kernel_without_headers_did_not_fail_the_install(installed):
    """dpkg -i succeeded (the fixture asserts it) whatever the running kernel:
    here (CI) it has no headers and no /lib/modules, and DKMS skips it."""
    release = os.uname().release
    if release in installed["kernels"]:
        assert f"{DKMS_NAME}/{installed['version']}, {release}," in dkms_status()
    else:
        assert f", {release}," not in dkms_status()


def test_purge_removes_everything(installed):
    """Last of the .deb tests: dpkg --purge, then no file, module or DKMS entry is left."""
    t0 = time.monotonic()
    run("dpkg", "--purge", *DEB_PACKAGES)
    print(f"\ndpkg --purge: {time.monotonic() - t0:.1f} s")
    for pkg in DEB_PACKAGES:
        assert run("dpkg-query", "-W", pkg, check=False).returncode != 0, f"{pkg} still known"
    left = [f for files in installed["files"].values() for f in files
            if os.path.isfile(f) or os.path.islink(f)]
    assert not left, f"left behind: {left}"
    assert not Path(f"/usr/src/{DKMS_NAME}-{installed['version']}").exists()
    assert not Path(f"/var/lib/dkms/{DKMS_NAME}").exists()
    assert DKMS_NAME not in dkms_status()
    for release in installed["kernels"]:
        assert not installed_module(release), release
        assert run("modinfo", "-k", release, "-n", DKMS_NAME, check=False).returncode != 0


# --- the .rpms --------------------------------------------------------------

def rpm_files(rpm):
    """Regular files and symlinks in an .rpm (no directories)."""
    out = run("rpm", "-qp", "--qf", "[%{FILEMODES:perms} %{FILENAMES}\\n]", str(rpm)).stdout
    return {line.split(" ", 1)[1] for line in out.splitlines() if line[:1] in "-l"}


def deb_files(deb):
    """Regular files and symlinks in a .deb (no directories)."""
    files = set()
    for line in run("dpkg-deb", "-c", str(deb)).stdout.splitlines():
        if line[:1] in "-l":
            files.add(line.split(None, 5)[5].split(" -> ")[0].lstrip("."))
    return files


def test_rpm_versions(pkgs):
    for rpm in (pkgs["rpm"], pkgs["rpm_dkms"]):
        assert run("rpm", "-qp", "--qf", "%{VERSION}", str(rpm)).stdout == pkgs["version"]
    assert run("rpm", "-qp", "--qf", "%{ARCH}", str(pkgs["rpm_dkms"])).stdout == "noarch"


def test_rpm_main_package_files(pkgs):
    files = rpm_files(pkgs["rpm"])
    assert "/usr/sbin/svsmctl" in files
    # %doc: /usr/share/doc/svsmctl (Fedora) or svsmctl-<version> (vanilla rpm)
    assert files & {"/usr/share/doc/svsmctl/README.md",
                    f"/usr/share/doc/svsmctl-{pkgs['version']}/README.md"}
    assert _has_license(files, "svsmctl", pkgs["version"])
    for name, section in _man_pages():  # compressed as the distribution's rpm does
        page = re.compile(rf"/usr/share/man/man{section}/{re.escape(name)}\.{section}(\.(gz|bz2|xz|zst))?")
        assert any(page.fullmatch(f) for f in files), f"{name}({section}) not in the rpm"
    # The same man pages and completions as the .deb (Debian's zsh looks in
    # vendor-completions, Fedora's in site-functions).
    def payload(paths):
        return {re.sub(r"\.(gz|bz2|xz|zst)$", "", p)
                .replace("/zsh/vendor-completions/", "/zsh/site-functions/") for p in paths
                if p.startswith(("/usr/sbin/", "/usr/share/man/", "/usr/share/bash-completion/",
                                 "/usr/share/zsh/", "/usr/share/fish/"))}
    assert payload(files) == payload(deb_files(pkgs["deb"]))


def _has_license(files, name, version):
    """%license: /usr/share/licenses/<name> (Fedora) or <name>-<version>."""
    return bool(files & {f"/usr/share/licenses/{name}/LICENSE",
                         f"/usr/share/licenses/{name}-{version}/LICENSE"})


def test_rpm_dkms_package_files(pkgs):
    files = rpm_files(pkgs["rpm_dkms"])
    assert _has_license(files, "svsmctl-dkms", pkgs["version"])
    src = f"/usr/src/{DKMS_NAME}-{pkgs['version']}"
    for f in ("dkms.conf", "Kbuild", "svsm_diag_version.h", "svsm_diag_main.c",
              "emu/svsm_emu.c", "include/uapi/linux/svsm_diag.h"):
        assert f"{src}/{f}" in files, f
    # Exactly the DKMS tree the .deb ships.
    assert {f for f in files if f.startswith(src + "/")} == \
        {f for f in deb_files(pkgs["deb_dkms"]) if f.startswith(src + "/")}


def test_rpm_dkms_requires_dkms_and_runs_it(pkgs):
    requires = run("rpm", "-qp", "--requires", str(pkgs["rpm_dkms"])).stdout.splitlines()
    assert "dkms" in [r.strip() for r in requires], requires
    scripts = run("rpm", "-qp", "--scripts", str(pkgs["rpm_dkms"])).stdout
    assert f"dkms install --rpm_safe_upgrade -m {DKMS_NAME} -v {pkgs['version']}" in scripts
    assert f"dkms remove --rpm_safe_upgrade -m {DKMS_NAME} -v {pkgs['version']} --all" in scripts


def test_rpm_dkms_scriptlets_add_and_remove(pkgs):
    """rpm -i / rpm -e of svsmctl-dkms here: %post adds the module to DKMS
    and builds it for the running kernel (which fails here, without headers,
    and must not fail the transaction); %preun removes it again."""
    if os.geteuid() != 0:
        unavailable("installing packages with rpm needs root")
    purge_everything()  # the .debs own the same /usr/src tree
    # Debian's rpm refuses to install without --force-debian; rpm's database
    # here knows no dkms package, hence --nodeps.
    debian = ["--force-debian"] if Path("/etc/debian_version").exists() else []
    locks = set(Path("/tmp").glob("dkms_rpm_safe_upgrade_lock.*"))
    t0 = time.monotonic()
    p = run("rpm", "-i", "--nodeps", *debian, str(pkgs["rpm_dkms"]), check=False)
    try:
        print(f"\nrpm -i: exit {p.returncode} in {time.monotonic() - t0:.1f} s\n{p.stdout}")
        assert p.returncode == 0, p.stdout
        assert Path(f"/usr/src/{DKMS_NAME}-{pkgs['version']}/dkms.conf").exists()
        assert f"{DKMS_NAME}/{pkgs['version']}" in dkms_status()
    finally:
        e = run("rpm", "-e", "--nodeps", "svsmctl-dkms", check=False)
        # dkms add --rpm_safe_upgrade leaves its lock when no upgrade follows.
        for lock in set(Path("/tmp").glob("dkms_rpm_safe_upgrade_lock.*")) - locks:
            lock.unlink()
    assert e.returncode == 0, e.stdout
    assert DKMS_NAME not in dkms_status()
    assert not Path(f"/usr/src/{DKMS_NAME}-{pkgs['version']}").exists()


FLEET_FILES = [
    "/usr/lib/systemd/system/svsmctl-textfile.service",
    "/usr/lib/systemd/system/svsmctl-textfile.timer",
    "/usr/lib/udev/rules.d/60-svsm-diag.rules",
    "/usr/share/svsmctl/svsmctl-alerts.yml",
    "/usr/share/svsmctl/svsmctl.schema.json",
    "/usr/share/svsmctl/examples/svsmctl-check.sudoers",
    "/usr/share/svsmctl/examples/svsmctl-nrpe.cfg",
    "/usr/share/svsmctl/examples/svsmctl-nfd-hook",
]


def test_fleet_files_in_both_packages(pkgs):
    deb, rpm = deb_files(pkgs["deb"]), rpm_files(pkgs["rpm"])
    for f in FLEET_FILES:
        assert f in deb, f"{f} not in the .deb"
        assert f in rpm, f"{f} not in the .rpm"


def test_textfile_timer_is_not_enabled(installed):
    # Installed but not enabled: deb-systemd-helper would have made the
    # timers.target.wants link, systemd or not.
    assert "/usr/lib/systemd/system/svsmctl-textfile.timer" in installed["files"]["svsmctl"]
    assert not os.path.exists("/etc/systemd/system/timers.target.wants/svsmctl-textfile.timer")
