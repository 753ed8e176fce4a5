#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The test command: install what is missing, build with warnings as errors, run every test suite.
#   sh tools/test.sh            build/ (RelWithDebInfo), all CTest suites, verbose
# Set SLTD_SANITIZE=1 to also run the ASan+UBSan and TSan builds (tools/sanitize.sh); SLTD_AARCH64
# chooses the aarch64 run (below).
set -eu
cd "$(dirname "$0")/.."
sh tools/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSLTD_WERROR=ON >/dev/null
cmake --build build -j "$(nproc)"
# -V: every suite's own summary (Check's "Checks: N, Failures: 0") and CTest's totals.
(cd build && ctest -V -j 2 --timeout 600)
if [ "${SLTD_SANITIZE:-0}" = 1 ]; then sh tools/sanitize.sh; fi
# aarch64, cross-built and run under qemu-user, when that toolchain is installed (sh tools/cross-aarch64.sh
# --install sets it up); otherwise skipped with the reason. Every suite but test_crash (which takes 15-25
# minutes under emulation); SLTD_AARCH64=full runs it too, SLTD_AARCH64=0 skips aarch64.
case "${SLTD_AARCH64:-quick}" in
0) echo "aarch64: skipped (SLTD_AARCH64=0)" ;;
full) sh tools/cross-aarch64.sh --if-present ;;
*) sh tools/cross-aarch64.sh --if-present --quick ;;
esac
