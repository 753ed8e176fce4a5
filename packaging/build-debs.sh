#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Build the Debian packages libsltdN, libsltd-dev, sltd and sltd-bench from this source tree with
# CPack, and check them with lintian.
#   sh packaging/build-debs.sh [--lint | --no-lint] [--jobs N] OUTDIR
# OUTDIR/build is a fresh build configured for /usr with Debian's build flags (dpkg-buildflags, all
# hardening) and without the test suites; the .deb files land in OUTDIR. --lint (the default when
# run by hand) installs lintian through tools/deps.sh when it is missing, prints every E:/W: line and
# fails on any E: line. --no-lint skips lintian.
# Exit status: 0 built (and lintian found no error); 1 failed; 77 the Debian tools are missing.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
lint=1 jobs=$(nproc 2>/dev/null || echo 2)
while [ $# -gt 1 ]; do
    case $1 in
        --lint) lint=1 ;;
        --no-lint) lint=0 ;;
        --jobs) jobs=$2; shift ;;
        *) break ;;
    esac
    shift
done
[ $# -eq 1 ] || { echo "usage: sh packaging/build-debs.sh [--lint|--no-lint] [--jobs N] OUTDIR" >&2; exit 2; }
mkdir -p "$1"
out=$(cd "$1" && pwd)

for tool in cmake cpack dpkg-deb dpkg-shlibdeps dpkg-buildflags; do
    command -v "$tool" >/dev/null || { echo "SKIP: $tool not found (Debian's dpkg-dev and cmake build the packages)"; exit 77; }
done
if [ "$lint" -eq 1 ] && ! command -v lintian >/dev/null; then
    SLTD_EXTRA_PKGS=lintian sh "$src/tools/deps.sh"
fi

# Debian's flags, as dpkg-buildpackage would set them (CMake reads CFLAGS and LDFLAGS, not CPPFLAGS)
DEB_BUILD_MAINT_OPTIONS=hardening=+all
export DEB_BUILD_MAINT_OPTIONS
CFLAGS="$(cd "$src" && dpkg-buildflags --get CFLAGS) $(cd "$src" && dpkg-buildflags --get CPPFLAGS)"
LDFLAGS=$(cd "$src" && dpkg-buildflags --get LDFLAGS)
export CFLAGS LDFLAGS

build=$out/build
rm -rf "$build" "$out"/*.deb
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=None -DCMAKE_INSTALL_PREFIX=/usr \
    -DSLTD_BUILD_TESTS=OFF -DSLTD_BUILD_BENCH=ON >/dev/null
cmake --build "$build" -j "$jobs" >/dev/null
(cd "$build" && cpack -G DEB >/dev/null)
mv "$build"/packages/*.deb "$out"/
for deb in "$out"/*.deb; do echo "built: $deb"; done

if [ "$lint" -eq 1 ]; then
    # lintian reads files of the packages it checks only; --fail-on error is its exit status
    lintian --fail-on error "$out"/*.deb > "$out/lintian.txt" 2>&1 && rc=0 || rc=$?
    sed 's/^/lintian: /' "$out/lintian.txt"
    if [ "$rc" -ne 0 ] || grep -q '^E:' "$out/lintian.txt"; then
        echo "FAIL: lintian reports errors (above)"
        exit 1
    fi
    echo "lintian: no error ($(grep -c '^W:' "$out/lintian.txt" || true) warnings)"
fi
