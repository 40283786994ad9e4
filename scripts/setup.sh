#!/bin/sh
# Install everything svsmctl needs to build and test, on Debian 12 (bookworm).
# Idempotent: packages already present are not reinstalled, and apt-get update
# runs only when something is missing. Run as root.
set -eu

BACKPORTS_LIST=/etc/apt/sources.list.d/svsmctl-bookworm-backports.sources

# Build the C++ library, CLI and unit tests.
PKGS_BUILD="build-essential cmake pkg-config libcli11-dev libfmt-dev nlohmann-json3-dev
	libkmod-dev kmod googletest libgtest-dev libgmock-dev libbenchmark-dev scdoc
	libssl-dev bash-completion zsh fish"
# Build the kernel module and run it in QEMU.
PKGS_VM="linux-image-amd64 linux-headers-amd64 qemu-system-x86 busybox-static cpio
	python3-pytest sparse prometheus prometheus-node-exporter"
# Packages: deb, rpm and DKMS, linted and installed for real.
PKGS_PACKAGING="debhelper dh-dkms dkms lintian rpm rpmlint"
# Reliability: the sanitizer kernel and libFuzzer.
PKGS_RELIABILITY="linux-source-6.1 bc flex bison libelf-dev dwarves clang libclang-rt-14-dev"
# Backports kernel (6.12): same package names from bookworm-backports.
PKGS_BACKPORTS="linux-image-amd64 linux-headers-amd64"

die() { echo "setup: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (it installs packages with apt-get)"
[ -r /etc/debian_version ] || die "this script supports Debian 12 (bookworm) only"

export DEBIAN_FRONTEND=noninteractive

# Add bookworm-backports by copying the machine's own Debian entry, so no
# mirror address is written here.
add_backports() {
	[ -e "$BACKPORTS_LIST" ] && return 0
	src=/etc/apt/sources.list.d/debian.sources
	[ -r "$src" ] || die "$src not found: cannot derive the bookworm-backports entry"
	awk -v RS= -v ORS='\n\n' '/\nSuites:[^\n]*bookworm( |\n|$)/ && !done {
		sub(/Suites:[^\n]*/, "Suites: bookworm-backports"); print; done = 1 }' \
		"$src" >"$BACKPORTS_LIST.tmp"
	grep -q '^Suites: bookworm-backports$' "$BACKPORTS_LIST.tmp" ||
		die "no bookworm entry in $src to copy for backports"
	mv "$BACKPORTS_LIST.tmp" "$BACKPORTS_LIST"
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
add_backports
todo=$(missing $PKGS_BUILD $PKGS_VM $PKGS_PACKAGING $PKGS_RELIABILITY)
have_backports_kernel || NEED_UPDATE=1
[ -n "$todo" ] && NEED_UPDATE=1

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
echo "setup: all build and test dependencies are installed"
