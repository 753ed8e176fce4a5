#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The test command: install what is missing, build with warnings as errors, run every test suite.
#   sh tools/test.sh            build/ (RelWithDebInfo), all CTest suites, verbose
# Set SLTD_SANITIZE=1 to also run the ASan+UBSan and TSan builds (tools/sanitize.sh).
set -eu
cd "$(dirname "$0")/.."
sh tools/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSLTD_WERROR=ON >/dev/null
cmake --build build -j "$(nproc)"
# -V: every suite's own summary (Check's "Checks: N, Failures: 0") and CTest's totals.
(cd build && ctest -V -j 2 --timeout 600)
if [ "${SLTD_SANITIZE:-0}" = 1 ]; then sh tools/sanitize.sh; fi
