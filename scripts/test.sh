#!/bin/sh
# Every test suite: install, build, unit tests (ctest), then end-to-end tests
# in QEMU VMs on every kernel (pytest). Exits non-zero if a test fails or a
# required suite did not run. CI runs exactly this (.ci/run).
set -eu
cd "$(dirname "$0")/.."
BUILD_DIR=${SVSMCTL_BUILD_DIR:-build}
export SVSMCTL_BUILD_DIR="$PWD/$BUILD_DIR"
REPORTS="$BUILD_DIR/test-reports"

scripts/setup.sh
scripts/build.sh
rm -rf "$REPORTS" && mkdir -p "$REPORTS"

echo "== unit tests (ctest) =="
status=0
ctest --test-dir "$BUILD_DIR" --output-on-failure -j"$(nproc)" \
	--output-junit "$PWD/$REPORTS/unit.xml" || status=1

echo "== end-to-end tests (pytest, QEMU) =="
# Both kernels must be present and nothing may be skipped.
SVSMCTL_REQUIRE_VM=1 /usr/bin/python3 -m pytest tests/e2e -v -p no:cacheprovider \
	--junitxml="$REPORTS/e2e.xml" || status=1

echo "== packaging tests (deb and rpm built, linted, installed with dpkg, DKMS) =="
SVSMCTL_REQUIRE_PACKAGING=1 /usr/bin/python3 -m pytest tests/packaging -v -p no:cacheprovider \
	--junitxml="$REPORTS/packaging.xml" || status=1

/usr/bin/python3 scripts/test-summary.py "$REPORTS/unit.xml" "$REPORTS/e2e.xml" \
	"$REPORTS/packaging.xml" || status=1
exit $status
