#!/bin/sh
# Configure and build everything: library, CLI, unit tests, man pages and
# svsm_diag.ko for every kernel with headers installed. Warnings are errors.
set -eu
cd "$(dirname "$0")/.."
BUILD_DIR=${SVSMCTL_BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSVSMCTL_WERROR=ON
cmake --build "$BUILD_DIR" -j"$(nproc)"
