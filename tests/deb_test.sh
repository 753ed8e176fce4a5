#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The Debian packages as a user gets them: build them (packaging/build-debs.sh; lintian when it is
# installed), check what each one holds and depends on, unpack them with dpkg-deb -x into a
# temporary root, and compile and run tests/consumer/example.c against that root — through its
# sltd.pc (PKG_CONFIG_SYSROOT_DIR, shared and static) and through its CMake package (find_package).
#   deb_test.sh SOURCE_DIR WORK_DIR SOVERSION
# Exit status: 0 passed; 1 failed; 77 skipped (the reason is printed), where dpkg-deb is missing.
set -eu
src=$1 work=$2 so=$3
for tool in dpkg-deb dpkg-shlibdeps dpkg-buildflags cpack readelf; do
    command -v "$tool" >/dev/null || { echo "SKIP: $tool not found: the Debian packages cannot be built here"; exit 77; }
done
rm -rf "$work"
mkdir -p "$work"
lint=--no-lint
if command -v lintian >/dev/null; then lint=--lint; else echo "note: lintian not installed: packages not linted"; fi
# at the lowest priority: its build and lintian must not slow the timed suites running beside it
nice -n 19 sh "$src/packaging/build-debs.sh" "$lint" --jobs 2 "$work/out" && rc=0 || rc=$?
[ "$rc" -eq 0 ] || exit "$rc"

fail() { echo "FAIL: $*"; exit 1; }
ver=$(sed -n 's/^#define SLTD_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\)$/\2/p' "$src/include/sltd.h" | paste -sd.)
lib=libsltd$so
deb() { ls "$work/out/$1"_"$ver"-*_*.deb 2>/dev/null | head -n 1; }
for p in "$lib" libsltd-dev sltd sltd-bench; do
    [ -n "$(deb "$p")" ] || fail "no package $p $ver in $work/out"
done
field() { dpkg-deb -f "$(deb "$1")" "$2"; }
files() { dpkg-deb -c "$(deb "$1")" | awk '{print $6}' | sed 's|^\./|/|'; }

# what each package holds
files "$lib" | grep -q "^/usr/lib/.*/libsltd\.so\.$so$" || fail "$lib: no libsltd.so.$so in a multiarch libdir"
files "$lib" | grep -Eq '\.h$|\.a$|/libsltd\.so$|/bin/' && fail "$lib holds development files or programs"
for f in /usr/include/sltd.h '/usr/lib/.*/libsltd\.a' '/usr/lib/.*/libsltd\.so' '/usr/lib/.*/pkgconfig/sltd\.pc' \
         '/usr/lib/.*/cmake/sltd/sltdConfig\.cmake' /usr/share/man/man3/libsltd.3.gz; do
    files libsltd-dev | grep -q "^$f$" || fail "libsltd-dev: no $f"
done
files sltd | grep -q '^/usr/bin/sltd$' || fail "sltd: no /usr/bin/sltd"
files sltd | grep -q '^/usr/share/man/man1/sltd.1.gz$' || fail "sltd: no sltd(1)"
files sltd | grep -q 'sltd-bench' && fail "sltd holds sltd-bench"
files sltd-bench | grep -q '^/usr/bin/sltd-bench$' || fail "sltd-bench: no /usr/bin/sltd-bench"
files sltd-bench | grep -q '^/usr/share/man/man1/sltd-bench.1.gz$' || fail "sltd-bench: no sltd-bench(1)"
for p in "$lib" libsltd-dev sltd sltd-bench; do
    files "$p" | grep -q "^/usr/share/doc/$p/copyright$" || fail "$p: no copyright file"
done
echo "ok: contents of $lib, libsltd-dev, sltd, sltd-bench"

# what each depends on (dpkg-shlibdeps for the system libraries; the exact version within the build)
full=$(field "$lib" Version)
field sltd Depends | grep -q "$lib (= $full)" || fail "sltd Depends: $(field sltd Depends)"
field sltd Depends | grep -q 'sqlite' && fail "sltd depends on SQLite: $(field sltd Depends)"
field sltd-bench Depends | grep -q "$lib (= $full)" || fail "sltd-bench Depends: $(field sltd-bench Depends)"
field libsltd-dev Depends | grep -q "$lib (= $full)" || fail "libsltd-dev Depends: $(field libsltd-dev Depends)"
for d in liblmdb libsodium libc6; do
    field "$lib" Depends | grep -q "$d" || fail "$lib Depends lacks $d: $(field "$lib" Depends)"
done
echo "ok: Depends ($lib: $(field "$lib" Depends))"

# unpacked as dpkg would install them
root=$work/root
for p in "$lib" libsltd-dev sltd sltd-bench; do dpkg-deb -x "$(deb "$p")" "$root"; done
libdir=$(dirname "$(find "$root/usr/lib" -name "libsltd.so.$so" | head -n 1)")
for f in "$root"/usr/bin/* "$libdir"/libsltd.so.*; do
    [ -L "$f" ] && continue
    if readelf -d "$f" | grep -Eq '\((RPATH|RUNPATH)\)'; then fail "$f carries $(readelf -d "$f" | grep -E 'RPATH|RUNPATH')"; fi
done
echo "ok: no RPATH/RUNPATH in the installed programs and library"
sh "$src/tests/symbols_test.sh" "$libdir/libsltd.so.$so" "$so"

pc=$libdir/pkgconfig/sltd.pc
grep -qx 'prefix=/usr' "$pc" || fail "sltd.pc: $(grep '^prefix=' "$pc")"
grep -qx "libdir=\${prefix}/lib/$(basename "$libdir")" "$pc" || fail "sltd.pc: $(grep '^libdir=' "$pc")"
grep -qx 'includedir=${prefix}/include' "$pc" || fail "sltd.pc: $(grep '^includedir=' "$pc")"

# a database made with the packaged CLI
export LD_LIBRARY_PATH="$libdir"
db=$work/db
printf 'state,number,status,reported,reference\nUTO,L898902C3,stolen,2024-05-01,DEB-1\n' > "$work/feed.csv"
"$root/usr/bin/sltd" init --db "$db" 2>/dev/null
"$root/usr/bin/sltd" import --db "$db" "$work/feed.csv" 2>/dev/null
v=$("$root/usr/bin/sltd" --version 2>&1 || true)
echo "ok: packaged sltd runs (${v:-no --version output})"

# the example consumer against the unpacked root: pkg-config (shared, static) and find_package
PKG_CONFIG_SYSROOT_DIR=$root PKG_CONFIG_PATH=$libdir/pkgconfig
export PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_PATH
[ "$(pkg-config --modversion sltd)" = "$ver" ] || fail "pkg-config --modversion sltd: $(pkg-config --modversion sltd)"
# shellcheck disable=SC2046
cc -o "$work/example_pc" "$src/tests/consumer/example.c" $(pkg-config --cflags --libs sltd)
# shellcheck disable=SC2046
cc -o "$work/example_pc_static" "$src/tests/consumer/example.c" $(pkg-config --cflags sltd) "$libdir/libsltd.a" \
    $(pkg-config --static --libs sltd | sed 's/-lsltd\b//')
unset PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_PATH
cmake -S "$src/tests/consumer" -B "$work/cbuild" -DCMAKE_PREFIX_PATH="$root/usr" >/dev/null
cmake --build "$work/cbuild" >/dev/null
for exe in "$work/example_pc" "$work/example_pc_static" "$work/cbuild/example_shared" "$work/cbuild/example_static"; do
    out=$("$exe" "$db" UTO L898902C3) && rc=0 || rc=$?
    [ "$rc" -eq 1 ] || fail "$exe: exit $rc on a listed document, want 1 ($out)"
    case $out in *DEB-1*) ;; *) fail "$exe printed: $out" ;; esac
    out=$("$exe" "$db" UTO X1234567) && rc=0 || rc=$?
    [ "$rc" -eq 0 ] || fail "$exe: exit $rc on a miss, want 0 ($out)"
    echo "ok: $(basename "$exe") built against the unpacked packages"
done
echo "deb_packages: 1 passed, 0 failed"
