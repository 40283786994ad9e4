#!/bin/sh
# Every test suite: install, build, unit tests (ctest), then end-to-end tests
# in QEMU VMs on every kernel (pytest). Exits non-zero if a test fails or a
# required suite did not run. CI runs exactly this (.ci/run).
set -eu
cd "$(dirname "$0")/.."
BUILD_DIR=${SVSMCTL_BUILD_DIR:-build}
export SVSMCTL_BUILD_DIR="$PWD/$BUILD_DIR"
REPORTS="$BUILD_DIR/test-reports"
started=$(date +%s)
stage() { echo "== [$(($(date +%s) - started)) s] $* =="; }

scripts/setup.sh
scripts/build.sh
rm -rf "$REPORTS" && mkdir -p "$REPORTS"

# The sanitizer kernel takes minutes to build (cached when the build dir
# survives): build it while the other suites run.
/usr/bin/python3 tests/vm/debug_kernel.py build >"$REPORTS/debug-kernel.entry" \
	2>"$REPORTS/debug-kernel.log" &
debug_kernel=$!

stage "unit tests (ctest)"
status=0
ctest --test-dir "$BUILD_DIR" --output-on-failure -j"$(nproc)" \
	--output-junit "$PWD/$REPORTS/unit.xml" || status=1

stage "end-to-end tests on Debian's kernels (pytest, QEMU)"
# Both kernels must be present and nothing may be skipped.
SVSMCTL_REQUIRE_VM=2 /usr/bin/python3 -m pytest tests/e2e -v -p no:cacheprovider \
	--junitxml="$REPORTS/e2e.xml" || status=1

stage "negative check: the fuzzer must fail a module built without one of its checks"
/usr/bin/python3 -m pytest tests/negative -v -p no:cacheprovider \
	--junitxml="$REPORTS/negative.xml" || status=1

# The sanitizer kernel's VM keeps about one CPU busy: the libFuzzer and
# packaging suites run beside it, their output shown when they are done.
fuzz_suite() {
	stage "libFuzzer targets of the library parsers (clang, ASan, UBSan)"
	FUZZ_DIR="$BUILD_DIR-fuzz"
	cmake -S . -B "$FUZZ_DIR" -DSVSMCTL_FUZZ=ON -DSVSMCTL_BUILD_KMOD=OFF \
		-DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DSVSMCTL_FUZZ_SECONDS=20 >/dev/null &&
		cmake --build "$FUZZ_DIR" --target fuzz-targets -j"$(nproc)" &&
		ctest --test-dir "$FUZZ_DIR" -L fuzz --output-on-failure -j"$(nproc)" \
			--output-junit "$PWD/$REPORTS/fuzz.xml"
}
packaging_suite() {
	stage "packaging tests (deb and rpm built, linted, installed with dpkg, DKMS)"
	SVSMCTL_REQUIRE_PACKAGING=1 /usr/bin/python3 -m pytest tests/packaging -v -p no:cacheprovider \
		--junitxml="$REPORTS/packaging.xml"
}
stage "libFuzzer and packaging suites started in the background"
(
	rc=0
	fuzz_suite || rc=1
	packaging_suite || rc=1
	exit $rc
) >"$REPORTS/fuzz-and-packaging.log" 2>&1 &
background=$!

stage "end-to-end tests on the sanitizer kernel"
if wait $debug_kernel; then
	# The conformance rows are one svsmctl process each, seconds apiece under
	# KASAN and TCG: they run on the Debian kernels; here the handlers run
	# under the sanitizers through every other test, the fuzzer and stress.
	SVSMCTL_EXTRA_KERNELS=$(cat "$REPORTS/debug-kernel.entry") SVSMCTL_KERNELS=7.3 \
		SVSMCTL_REQUIRE_VM=1 /usr/bin/python3 -m pytest tests/e2e -v -p no:cacheprovider \
		--deselect tests/e2e/test_conformance.py::test_conformance \
		--junitxml="$REPORTS/e2e-debug.xml" || status=1
else
	echo "building the sanitizer kernel failed:"; tail -50 "$REPORTS/debug-kernel.log"; status=1
fi

wait $background || status=1
cat "$REPORTS/fuzz-and-packaging.log"

# docs/reliability.md gets this run's figures and commit (never copied by hand).
/usr/bin/python3 scripts/test-summary.py --doc docs/reliability.md unit="$REPORTS/unit.xml" \
	e2e="$REPORTS/e2e.xml" negative="$REPORTS/negative.xml" e2e-debug="$REPORTS/e2e-debug.xml" \
	fuzz="$REPORTS/fuzz.xml" packaging="$REPORTS/packaging.xml" || status=1
stage "done, exit status $status"
exit $status
