#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The shared library's ABI against the stored baseline abi/libsltd.abi (abidiff of Debian's
# abigail-tools): no function or variable removed, no public type changed in a way a program built
# against the baseline would notice. Additions (new functions, enumerators appended) pass. An intended
# change refreshes the baseline with tools/abi-baseline.sh in the same commit. Skipped (exit 77) with
# the reason printed when abidiff is not installed or the library has no debug information.
#   abi_test.sh LIBSLTD_SO SOURCE_DIR
set -eu
lib=$1 src=$2
command -v abidiff >/dev/null || { echo "SKIP: abidiff not found (apt-get install abigail-tools)"; exit 77; }
readelf -S "$lib" 2>/dev/null | grep -q '\.debug_info' ||
    { echo "SKIP: $lib has no debug information (build with -g, e.g. RelWithDebInfo)"; exit 77; }
# the baseline is one architecture's ABI (sizes and offsets differ between them)
want=$(sed -n "s/.*architecture='\([^']*\)'.*/\1/p" "$src/abi/libsltd.abi" | head -n 1)
have=$(abidw --no-corpus-path "$lib" 2>/dev/null | sed -n "s/.*architecture='\([^']*\)'.*/\1/p" | head -n 1)
[ "$want" = "$have" ] ||
    { echo "SKIP: abi/libsltd.abi is the ABI of $want; this library is $have (compare it on $want)"; exit 77; }
rc=0
abidiff --headers-dir2 "$src/include" --no-added-syms "$src/abi/libsltd.abi" "$lib" > abi-report.txt 2>&1 || rc=$?
cat abi-report.txt
# exit status bits: 1 error, 2 usage, 4 an ABI change, 8 an incompatible change
if [ "$rc" -ne 0 ]; then
    echo "FAIL: the ABI differs from abi/libsltd.abi (abidiff exit $rc); if the change is intended, run"
    echo "      sh tools/abi-baseline.sh BUILD_DIR and commit abi/libsltd.abi with it (docs/VERSIONING.md)"
    exit 1
fi
echo "ok: the ABI of $lib is the baseline's (additions allowed)"
