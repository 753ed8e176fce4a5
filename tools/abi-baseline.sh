#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Write the ABI baseline abi/libsltd.abi from a build's shared library (abidw of Debian's
# abigail-tools), for the abi_check test to compare every later build with. Run it when a release
# changes the ABI on purpose, and commit the new baseline with the change (docs/VERSIONING.md).
#   sh tools/abi-baseline.sh [BUILD_DIR]      (default: build; it must be built with -g, as the
#                                              default RelWithDebInfo build is)
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
command -v abidw >/dev/null || { echo "abidw not found: apt-get install abigail-tools" >&2; exit 2; }
mkdir -p "$src/abi"
# only the types the public header declares; no absolute paths, so the file is the same on any machine
abidw --headers-dir "$src/include" --no-corpus-path --no-comp-dir-path --short-locs \
    --out-file "$src/abi/libsltd.abi" "$build/libsltd.so"
echo "wrote $src/abi/libsltd.abi from $build/libsltd.so"
