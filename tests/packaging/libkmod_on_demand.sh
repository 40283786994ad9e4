#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# svsmctl does not link libkmod: status and --version load neither it nor
# the libcrypto Debian 12's libkmod links, and where libkmod.so.2 cannot be
# loaded, module load says so (exit status 4) while status still works.
# Usage: libkmod_on_demand.sh SVSMCTL
set -u
svsmctl=$1
fail() { echo "FAIL: $*"; exit 1; }

readelf -d "$svsmctl" | grep -q 'NEEDED.*libkmod' && fail "$svsmctl has libkmod as NEEDED"
for args in "--version" "status" "--json status" "module status"; do
	# shellcheck disable=SC2086 # the arguments are words
	loaded=$(LD_DEBUG=files "$svsmctl" $args 2>&1 >/dev/null | grep -o 'file=lib[a-z]*' | sort -u)
	echo "svsmctl $args loads: $(echo "$loaded" | tr '\n' ' ')"
	echo "$loaded" | grep -q 'libkmod\|libcrypto' && fail "svsmctl $args loads libkmod or libcrypto"
done

# Hide libkmod.so.2 behind an empty file, in a mount namespace of our own.
lib=$(ldconfig -p | sed -n 's/^\tlibkmod\.so\.2 (libc6,x86-64) => //p' | head -n1)
[ -n "$lib" ] || fail "ldconfig knows no libkmod.so.2"
lib=$(readlink -f "$lib")
if [ "$(id -u)" -eq 0 ]; then ns="unshare -m"; else ns="unshare -r -m"; fi
if ! $ns true 2>/dev/null; then
	echo "SKIP: cannot make a mount namespace ($ns) to hide libkmod"
	exit 77
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC2016 # expanded by the inner shell
$ns sh -c '
	mount --bind /dev/null "$1" || exit 99
	cd "$3" || exit 99
	"$2" module load >load.out 2>load.err; echo $? >load.rc
	"$2" status >status.out 2>status.err; echo $? >status.rc' sh "$lib" "$svsmctl" "$tmp"
[ $? -eq 99 ] && { echo "SKIP: cannot bind-mount over $lib"; exit 77; }
echo "module load without libkmod: exit $(cat "$tmp/load.rc"): $(cat "$tmp/load.err")"
[ "$(cat "$tmp/load.rc")" = 4 ] || fail "module load exits $(cat "$tmp/load.rc"), not 4"
grep -q 'cannot load libkmod.so.2' "$tmp/load.err" || fail "module load does not name libkmod.so.2"
grep -q 'apt install libkmod2' "$tmp/load.err" || fail "module load says not what to install"
echo "status without libkmod: exit $(cat "$tmp/status.rc")"
grep -q libkmod "$tmp/status.err" "$tmp/status.out" && fail "status needs libkmod"
case $(cat "$tmp/status.rc") in 0 | 3 | 4 | 5) ;; *) fail "status exits $(cat "$tmp/status.rc")" ;; esac
echo "PASS"
