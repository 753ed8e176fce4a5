#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Install the build into a temporary prefix, then build example.c against it three ways
# (find_package shared and static, pkg-config) and run each against a real database.
# Also checks that the shared library exports only sltd_* symbols.
# Cross-built, CTest sets CC, NM, CMAKE_TOOLCHAIN_FILE, PKG_CONFIG_LIBDIR and SLTD_TEST_EMULATOR (the
# command that runs the target's programs here).
set -eu
build=$1 src=$2 work=$3
cc=${CC:-cc} nm=${NM:-nm} emu=${SLTD_TEST_EMULATOR:-}
# shellcheck source=tests/install_prefix.sh
. "$(dirname "$0")/../install_prefix.sh"

# only sltd_* exported (LIBSLTD_N is the symbol version node, not a symbol)
bad=$($nm -D --defined-only "$libdir/libsltd.so" | awk '{print $3}' | grep -v '^sltd_' | grep -v '^LIBSLTD_' || true)
if [ -n "$bad" ]; then echo "FAIL: libsltd.so exports non-sltd symbols:"; echo "$bad"; exit 1; fi
echo "ok: libsltd.so exports only sltd_* ($($nm -D --defined-only "$libdir/libsltd.so" | grep -c ' sltd_') symbols)"

# a database made with the installed CLI
db=$work/db
printf 'state,number,status,reported,reference\nUTO,L898902C3,stolen,2024-05-01,CONSUMER-1\n' > "$work/feed.csv"
$emu "$prefix/bin/sltd" init --db "$db" 2>/dev/null
$emu "$prefix/bin/sltd" import --db "$db" "$work/feed.csv" 2>/dev/null

cmake -S "$src" -B "$work/cbuild" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/cbuild" >/dev/null
PKG_CONFIG_PATH=$libdir/pkgconfig
export PKG_CONFIG_PATH
# shellcheck disable=SC2046
$cc -o "$work/example_pc" "$src/example.c" $(pkg-config --cflags --libs sltd)
# shellcheck disable=SC2046
$cc -o "$work/example_pc_static" "$src/example.c" $(pkg-config --cflags sltd) "$libdir/libsltd.a" \
    $(pkg-config --static --libs-only-l --libs-only-L sltd | sed 's/-lsltd//')

for exe in "$work/cbuild/example_shared" "$work/cbuild/example_static" "$work/example_pc" "$work/example_pc_static"; do
    out=$(LD_LIBRARY_PATH=$libdir $emu "$exe" "$db" UTO L898902C3) && rc=0 || rc=$?
    [ "$rc" -eq 1 ] || { echo "FAIL: $exe: exit $rc, want 1 (listed)"; exit 1; }
    case $out in *CONSUMER-1*) ;; *) echo "FAIL: $exe printed: $out"; exit 1 ;; esac
    out=$(LD_LIBRARY_PATH=$libdir $emu "$exe" "$db" UTO X1234567) && rc=0 || rc=$?
    [ "$rc" -eq 0 ] || { echo "FAIL: $exe: exit $rc on a miss"; exit 1; }
    echo "ok: $(basename "$exe")"
done
echo "1 passed, 0 failed"
