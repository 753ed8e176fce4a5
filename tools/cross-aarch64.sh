#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# cross-aarch64.sh — build sltd for 64-bit ARM with Debian's cross compiler and run its whole test
# suite under qemu-user (CMake's CMAKE_CROSSCOMPILING_EMULATOR; toolchain file cmake/aarch64-linux-gnu.cmake).
#
#   sh tools/cross-aarch64.sh [--install] [--if-present] [--quick] [BUILD_DIR]
#
#   --install     first install what is missing (needs root or sudo): gcc-aarch64-linux-gnu and
#                 qemu-user, and, through multiarch (dpkg --add-architecture arm64), the arm64 -dev
#                 packages sltd builds against
#   --if-present  when something is missing, say what and exit 0 without building (tools/test.sh)
#   --quick       leave out test_crash (kill -9 during imports and updates: it waits for every run it
#                 kills, so under emulation it takes ten times as long as natively, 15-25 minutes here)
#   BUILD_DIR     default build-aarch64
#
# Prints how long the build and the tests took. Exit status: 0 built and every test passed (or skipped
# with --if-present), 1 a test failed, 2 bad usage, 3 the toolchain is missing or the build failed.
set -eu
cd "$(dirname "$0")/.."

TRIPLET=aarch64-linux-gnu
HOST_PKGS="gcc-$TRIPLET qemu-user cmake make pkg-config"
# the arm64 side of tools/deps.sh's libraries: libcurl for sync, and what a static link of libsltd.a names
ARM_PKGS="libc6-dev:arm64 liblmdb-dev:arm64 libsodium-dev:arm64 libxxhash-dev:arm64 libjansson-dev:arm64
check:arm64 libsqlite3-dev:arm64 libcurl4-openssl-dev:arm64 libnghttp2-dev:arm64 librtmp-dev:arm64
libssh2-1-dev:arm64 libpsl-dev:arm64 libkrb5-dev:arm64 libldap-dev:arm64 libzstd-dev:arm64 libbrotli-dev:arm64
libidn2-dev:arm64 libssl-dev:arm64 zlib1g-dev:arm64"
LONG_SUITES="test_crash"

install=0 if_present=0 quick=0 build=build-aarch64
while [ $# -gt 0 ]; do
    case "$1" in
    --install) install=1 ;;
    --if-present) if_present=1 ;;
    --quick) quick=1 ;;
    -h|--help) sed -n '3,18s/^# \{0,1\}//p' "$0"; exit 0 ;;
    -*) echo "cross-aarch64.sh: unknown option '$1'" >&2; exit 2 ;;
    *) build=$1 ;;
    esac
    shift
done

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

# What is missing, one name a word ("qemu-user" is satisfied by qemu-user-static too).
missing() {
    m=""
    for p in $HOST_PKGS $ARM_PKGS; do
        case $p in
        qemu-user) command -v qemu-aarch64 >/dev/null 2>&1 || command -v qemu-aarch64-static >/dev/null 2>&1 ||
            m="$m $p" ;;
        *) installed "$p" || m="$m $p" ;;
        esac
    done
    echo "$m"
}

if [ "$install" = 1 ] && [ -n "$(missing)" ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    dpkg --print-foreign-architectures | grep -qx arm64 || $sudo dpkg --add-architecture arm64
    $sudo apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $(missing) >&2
fi
gone=$(missing)
if [ -n "$gone" ]; then
    echo "aarch64: skipped: missing Debian packages:$gone (sh tools/cross-aarch64.sh --install installs them)"
    [ "$if_present" = 1 ] && exit 0
    exit 3
fi

t0=$(date +%s)
cmake -S . -B "$build" -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/$TRIPLET.cmake" -DSLTD_WERROR=ON >/dev/null || exit 3
cmake --build "$build" -j "$(nproc)" >/dev/null || { cmake --build "$build" 2>&1 | tail -n 30; exit 3; }
t1=$(date +%s)
echo "aarch64: built in $((t1 - t0)) s (sltd: $($TRIPLET-readelf -h "$build/sltd" | sed -n 's/^ *Machine: *//p'))"

skip=""
[ "$quick" = 1 ] && skip=$LONG_SUITES
# CPU seconds (user + system) of every child so far: the second line of `times` (run in this shell,
# not in a $(...) subshell, whose children are its own)
cpu_s() { sed -n 2p "$1" | awk '{ n = 0; for (i = 1; i <= 2; i++) { split($i, a, "m"); n += a[1] * 60 + a[2] } printf "%.0f", n }'; }
times >"$build/times.before"
# Emulated programs are CPU-bound: twice as many tests as CPUs keep them busy while some wait.
rc=0
(cd "$build" && ctest -j "$(($(nproc) * 2))" --timeout 1800 --output-on-failure ${skip:+-E "$skip"}) || rc=1
t2=$(date +%s)
times >"$build/times.after"
# (the CPU time, unlike the wall clock, does not grow when other work shares the machine)
echo "aarch64: tests $( [ $rc = 0 ] && echo passed || echo FAILED ) under $(basename "$(command -v qemu-aarch64 ||
    command -v qemu-aarch64-static)") in $((t2 - t1)) s, $(($(cpu_s "$build/times.after") - $(cpu_s "$build/times.before"))) CPU s (load $(cut -d' ' -f1 /proc/loadavg))${skip:+; left out: $skip}"
exit $rc
