#!/bin/sh
# Build svsm_diag with W=1 and sparse (C=2) for each kernel given (default:
# every /lib/modules/*/build) and fail on any warning from our sources.
# Usage: check-kmod.sh VERSION_HEADER [KDIR...]
set -eu
src=$(cd "$(dirname "$0")/../kmod" && pwd)
version_header=$1
shift
[ $# -gt 0 ] || set -- /lib/modules/*/build

status=0
for kdir in "$@"; do
	[ -e "$kdir/Makefile" ] || continue
	work=$(mktemp -d)
	cp -r "$src"/. "$work"
	cp "$version_header" "$work"/
	log=$work/build.log
	if ! make -C "$kdir" M="$work" W=1 C=2 modules >"$log" 2>&1; then
		echo "FAIL $kdir: build failed"; tail -20 "$log"; status=1
	elif grep -E "^$work/.*(warning|error):" "$log"; then
		echo "FAIL $kdir: warnings above"; status=1
	else
		echo "ok   $kdir: W=1 and sparse clean"
	fi
	rm -rf "$work"
done
exit $status
