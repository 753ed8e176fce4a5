#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Build the libFuzzer targets with clang (ASan+UBSan) and run each for SECONDS (default 600) on a copy
# of its seed corpus; new inputs that found coverage stay in build-fuzz/corpus-NAME.
#   sh tools/fuzz.sh [SECONDS] [TARGET...]        targets: mrz feed bundle index manifest screen
set -eu
cd "$(dirname "$0")/.."
SLTD_EXTRA_PKGS="${SLTD_EXTRA_PKGS:-} clang libclang-rt-dev" sh tools/deps.sh
secs=${1:-600}
[ $# -gt 0 ] && shift
targets=${*:-mrz feed bundle index manifest screen}
CC=clang cmake -S . -B build-fuzz -DSLTD_FUZZ=ON -DSLTD_SANITIZE=address,undefined -DSLTD_BUILD_TESTS=OFF \
    -DSLTD_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
for t in $targets; do
    cmake --build build-fuzz -j "$(nproc)" --target "fuzz_$t" >/dev/null
    mkdir -p "build-fuzz/corpus-$t"
    cp -n tests/corpus/"$t"/* "build-fuzz/corpus-$t/" 2>/dev/null || true
    echo "== fuzz_$t for $secs s"
    (cd build-fuzz && "./fuzz_$t" -max_total_time="$secs" -print_final_stats=1 "corpus-$t" 2>&1 | tail -n 12)
done
