#!/bin/sh
# Build the packages into build/packages/ and lint them:
#   svsmctl_<v>-<r>_amd64.deb, svsmctl-dkms_<v>-<r>_all.deb  (dpkg-buildpackage -b)
#   svsmctl-<v>-<r>.x86_64.rpm, svsmctl-dkms-<v>-<r>.noarch.rpm (rpmbuild -bb)
# both from svsmctl-<v>.tar.gz, a copy of this tree (tracked and untracked,
# not ignored files). No kernel module is built and no test runs: DKMS builds
# the module on the target. The version is project(VERSION), read from a
# CMake configure of this tree.
#
# Exit status: 0 built and lint clean, 2 built but lintian (errors or
# warnings) or rpmlint (errors) complained, 1 a build failed.
# Lint output is kept in build/packages/lintian.txt and rpmlint.txt.
set -eu
cd "$(dirname "$0")/.."
TOP=$PWD
OUT=${SVSMCTL_PACKAGES_DIR:-$TOP/build/packages}
WORK=$OUT/work
JOBS=$(nproc)

die() { echo "package: $*" >&2; exit 1; }
for tool in cmake dpkg-buildpackage dh_dkms rpmbuild lintian rpmlint; do
	command -v "$tool" >/dev/null || die "$tool not found (scripts/setup.sh installs it)"
done

rm -rf "$OUT"
mkdir -p "$WORK"
date +%s >"$OUT/.started"

echo "== configure (version, spec, dkms.conf) =="
cmake -S . -B "$WORK/cmake" -DSVSMCTL_BUILD_KMOD=OFF -DBUILD_TESTING=OFF >"$WORK/cmake.log" 2>&1 ||
	{ cat "$WORK/cmake.log" >&2; die "cmake configure failed"; }
VERSION=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$WORK/cmake/CMakeCache.txt")
[ -n "$VERSION" ] || die "no CMAKE_PROJECT_VERSION in the CMake cache"
DEB_VERSION=$(dpkg-parsechangelog -l packaging/debian/changelog -S Version)
case "$DEB_VERSION" in
"$VERSION"-*) ;;
*) die "packaging/debian/changelog is at $DEB_VERSION, the project at $VERSION: add an entry (dch -v $VERSION-1)" ;;
esac
echo "svsmctl $VERSION (deb $DEB_VERSION)"

echo "== source tarball =="
NAME=svsmctl-$VERSION
STAGE=$WORK/src/$NAME
mkdir -p "$STAGE"
# shellcheck disable=SC2016  # $f expands in the inner shell
git ls-files -z --cached --others --exclude-standard |
	xargs -0 sh -c 'for f; do [ -f "$f" ] && printf "%s\0" "$f"; done' sh |
	tar --null -T - -cf - | tar -xf - -C "$STAGE"
cp "$WORK/cmake/packaging/svsmctl.spec" "$STAGE/svsmctl.spec"   # for rpmbuild -ta too
TARBALL=$OUT/$NAME.tar.gz
tar -C "$WORK/src" --sort=name --owner=0 --group=0 --numeric-owner -czf "$TARBALL" "$NAME"
echo "$TARBALL"

status=0

echo "== deb (dpkg-buildpackage) =="
DEBSRC=$WORK/deb/$NAME
mkdir -p "$WORK/deb"
tar -xzf "$TARBALL" -C "$WORK/deb"
cp -r packaging/debian "$DEBSRC/debian"
start=$(date +%s)
(cd "$DEBSRC" && DEB_BUILD_OPTIONS="parallel=$JOBS nocheck" dpkg-buildpackage -us -uc -b) \
	>"$WORK/deb.log" 2>&1 || { tail -n 60 "$WORK/deb.log" >&2; die "dpkg-buildpackage failed (log: $WORK/deb.log)"; }
mv "$WORK"/deb/*.deb "$WORK"/deb/*.changes "$WORK"/deb/*.buildinfo "$OUT/"
echo "built in $(($(date +%s) - start)) s:"
ls "$OUT"/*.deb

echo "== rpm (rpmbuild) =="
TOPDIR=$WORK/rpmbuild
mkdir -p "$TOPDIR/SOURCES"
cp "$TARBALL" "$TOPDIR/SOURCES/"
# On a distribution that does not use rpm (Debian), rpm's database knows none
# of the BuildRequires (dpkg-buildpackage checked the same libraries above),
# and Debian's brp-compress needs bash (it uses read -d; /bin/sh is dash).
set -- --define "_topdir $TOPDIR" --define "_smp_mflags -j$JOBS" \
	--define "packager $(dpkg-parsechangelog -l packaging/debian/changelog -S Maintainer)"
if ! rpm -q --quiet rpm 2>/dev/null; then
	set -- "$@" --nodeps --define "__brp_compress bash %{_rpmconfigdir}/brp-compress %{?_prefix}"
fi
start=$(date +%s)
rpmbuild -bb "$@" "$STAGE/svsmctl.spec" >"$WORK/rpm.log" 2>&1 ||
	{ tail -n 60 "$WORK/rpm.log" >&2; die "rpmbuild failed (log: $WORK/rpm.log)"; }
find "$TOPDIR/RPMS" -name '*.rpm' -exec mv {} "$OUT/" \;
echo "built in $(($(date +%s) - start)) s:"
ls "$OUT"/*.rpm

echo "== lintian =="
# Errors and warnings fail; info tags are printed for reference.
lintian --display-info "$OUT"/svsmctl_*.changes >"$OUT/lintian.txt" 2>&1 || true
cat "$OUT/lintian.txt"
if grep -Eq '^[EW]: ' "$OUT/lintian.txt"; then
	echo "lintian: errors or warnings"; status=2
else
	echo "lintian: no errors or warnings"
fi

echo "== rpmlint =="
rpmlint -c packaging/rpm/rpmlint.toml -r packaging/rpm/svsmctl.rpmlintrc --ignore-unused-rpmlintrc \
	"$OUT"/*.rpm "$STAGE/svsmctl.spec" \
	>"$OUT/rpmlint.txt" 2>&1 || true
cat "$OUT/rpmlint.txt"
if ! grep -Eq '(^| )[0-9]+ packages and [0-9]+ specfiles checked; 0 errors' "$OUT/rpmlint.txt"; then
	echo "rpmlint: errors"; status=2
fi

echo "== packages in $OUT =="
ls -l "$OUT"
echo "$status" >"$OUT/.done"
exit $status
