#!/bin/sh
# Install everything svsmctl needs to build and test, on Debian 12 (bookworm).
# Idempotent: packages already present are not reinstalled, and apt-get update
# runs only when something is missing. Run as root.
set -eu

SOURCES_DIR=/etc/apt/sources.list.d

# Build the C++ library, CLI and unit tests.
PKGS_BUILD="build-essential cmake pkg-config libcli11-dev libfmt-dev nlohmann-json3-dev
	libkmod-dev kmod googletest libgtest-dev libgmock-dev libbenchmark-dev scdoc
	libssl-dev bash-completion zsh fish"
# Build the kernel module and run it in QEMU.
PKGS_VM="linux-image-amd64 linux-headers-amd64 qemu-system-x86 busybox-static cpio
	python3-pytest python3-jsonschema sparse prometheus prometheus-node-exporter"
# Packages: deb, rpm and DKMS, linted and installed for real.
PKGS_PACKAGING="debhelper dh-dkms dkms lintian rpm rpmlint"
# Reliability: the sanitizer kernel (built from source) and libFuzzer.
PKGS_RELIABILITY="bc flex bison libelf-dev libssl-dev dwarves clang clang-format libclang-rt-14-dev"
# Benchmarks (scripts/bench.sh): the peers svsmctl is measured against,
# callgrind, and matplotlib for the scaling plot.
PKGS_BENCH="valgrind cpuid virt-what dmidecode systemd python3-matplotlib"
# Backports kernel (6.12): same package names from bookworm-backports.
PKGS_BACKPORTS="linux-image-amd64 linux-headers-amd64"
# Linux 7.3 sources, the only package taken from trixie-backports: the
# sanitizer kernel the e2e tests boot, with the real SNP transport compiled.
PKGS_TRIXIE_BACKPORTS="linux-source-7.3"

die() { echo "setup: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (it installs packages with apt-get)"
[ -r /etc/debian_version ] || die "this script supports Debian 12 (bookworm) only"

export DEBIAN_FRONTEND=noninteractive

# Add a suite (bookworm-backports, trixie-backports) by copying the
# machine's own Debian entry and changing only its Suites: line, so no
# mirror address is written here. Backports suites are NotAutomatic: apt
# takes a package from them only when asked with -t.
add_suite() {
	suite=$1
	list=$SOURCES_DIR/svsmctl-$suite.sources
	[ -e "$list" ] && return 0
	src=$SOURCES_DIR/debian.sources
	[ -r "$src" ] || die "$src not found: cannot derive the $suite entry"
	awk -v RS= -v ORS='\n\n' -v suite="$suite" '/\nSuites:[^\n]*bookworm( |\n|$)/ && !done {
		sub(/Suites:[^\n]*/, "Suites: " suite); print; done = 1 }' \
		"$src" >"$list.tmp"
	grep -q "^Suites: $suite\$" "$list.tmp" ||
		die "no bookworm entry in $src to copy for $suite"
	mv "$list.tmp" "$list"
	NEED_UPDATE=1
}

missing() {
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
			echo "$p"
	done
}

# A backports kernel is present when some installed linux-image is 6.12 or newer.
have_backports_kernel() {
	ls /boot/vmlinuz-* 2>/dev/null | sed 's|.*/vmlinuz-||' |
		awk -F. '$1 > 6 || ($1 == 6 && $2 >= 12) { found = 1 } END { exit !found }'
}

NEED_UPDATE=0
add_suite bookworm-backports
add_suite trixie-backports
todo=$(missing $PKGS_BUILD $PKGS_VM $PKGS_PACKAGING $PKGS_RELIABILITY $PKGS_BENCH)
todo_trixie=$(missing $PKGS_TRIXIE_BACKPORTS)
have_backports_kernel || NEED_UPDATE=1
[ -n "$todo$todo_trixie" ] && NEED_UPDATE=1

if [ "$NEED_UPDATE" -eq 1 ]; then
	apt-get update -q
fi
if [ -n "$todo" ]; then
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $todo
fi
if ! have_backports_kernel; then
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends -t bookworm-backports $PKGS_BACKPORTS
fi
if [ -n "$todo_trixie" ]; then
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends -t trixie-backports \
		-o APT::Get::Upgrade-By-Source-Package=false $todo_trixie
fi
echo "setup: all build and test dependencies are installed"
