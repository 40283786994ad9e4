#!/bin/sh
# svsmctl's benchmarks (README.md, "Benchmarks"): builds, then runs
# bench/bench.py, which writes docs/benchmarks.md, docs/benchmarks.json and
# docs/benchmarks-scaling.png. Arguments go to bench/bench.py: --smoke for a
# quick run into build/bench-smoke/ (part of the unit tests), --before FILE
# to compare with an earlier run's JSON, --cpus 1,2,4 to pick the VMs.
set -eu
cd "$(dirname "$0")/.."
BUILD_DIR=${SVSMCTL_BUILD_DIR:-build}
case $BUILD_DIR in /*) ;; *) BUILD_DIR="$PWD/$BUILD_DIR" ;; esac
export SVSMCTL_BUILD_DIR="$BUILD_DIR"
[ "${SVSMCTL_BENCH_NO_BUILD:-0}" = 1 ] || scripts/build.sh >/dev/null
exec /usr/bin/python3 bench/bench.py "$@"
