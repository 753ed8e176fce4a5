#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Install the build into a temporary prefix, build tools/kiosk-example.c against it (pkg-config, only
# <sltd.h>), and run it on a demo database with a listed, an unlisted and a misread MRZ.
#   kiosk_test.sh BUILD_DIR SOURCE_DIR WORK_DIR
# Cross-built, CTest sets CC, PKG_CONFIG_LIBDIR and SLTD_TEST_EMULATOR (runs the target's programs).
set -eu
build=$1 src=$2 work=$3
cc=${CC:-cc} emu=${SLTD_TEST_EMULATOR:-}
# shellcheck source=tests/install_prefix.sh
. "$(dirname "$0")/install_prefix.sh"
PKG_CONFIG_PATH=$libdir/pkgconfig
export PKG_CONFIG_PATH
# shellcheck disable=SC2046
$cc -std=c11 -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L -o "$work/kiosk" "$src/tools/kiosk-example.c" \
    $(pkg-config --cflags --libs sltd)

db=$work/demo
printf 'state,number,status,reference\nUTO,L898902C3,stolen,KIOSK-REF-1\n' > "$work/feed.csv"
$emu "$prefix/bin/sltd" init --db "$db" 2>/dev/null
$emu "$prefix/bin/sltd" import --db "$db" "$work/feed.csv" 2>/dev/null

l1='P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<'
# run: the kiosk on $work/in
run() { LD_LIBRARY_PATH=$libdir $emu "$work/kiosk" "$db" < "$work/in" > "$work/out" && rc=0 || rc=$?; }
fail() { echo "FAIL: $1"; sed 's/^/    /' "$work/out"; exit 1; }

printf '%s\n%s\n' "$l1" 'L898902C36UTO7408122F1204159ZE184226B<<<<<10' > "$work/in"; run
[ "$rc" -eq 1 ] || fail "listed MRZ: exit $rc, want 1"
grep -q '^LISTED UTO L898902C3 stolen KIOSK-REF-1  ([0-9.]* us)$' "$work/out" || fail "listed output"

printf '%s\n%s\n\n' "$l1" 'L898902D39UTO7408122F1204159ZE184226B<<<<<14' > "$work/in"; run
[ "$rc" -eq 0 ] || fail "unlisted MRZ: exit $rc, want 0"
grep -q '^CLEAR  UTO L898902D3  ([0-9.]* us)$' "$work/out" || fail "clear output"

# a reader's stream: listed, unlisted, misread (fails closed), truncated
printf '%s\n%s\n\n%s\n%s\n%s\n%s\n%s\n' "$l1" 'L898902C36UTO7408122F1204159ZE184226B<<<<<10' \
    "$l1" 'L898902D39UTO7408122F1204159ZE184226B<<<<<14' \
    "$l1" 'L8989O2C36UTO7408122F1204159ZE184226B<<<<<10' "$l1" > "$work/in"; run
[ "$rc" -eq 1 ] || fail "stream: exit $rc, want 1"
[ "$(grep -c '^LISTED' "$work/out")" -eq 1 ] || fail "stream: one LISTED"
[ "$(grep -c '^CLEAR' "$work/out")" -eq 1 ] || fail "stream: one CLEAR"
[ "$(grep -c '^ERROR: check digit' "$work/out")" -eq 1 ] || fail "stream: misread is an ERROR"
[ "$(grep -c '^ERROR' "$work/out")" -eq 2 ] || fail "stream: truncated document is an ERROR"
cat "$work/out"

# the same stream with --ocr-variants: the misread number is a hit through its variant, decided on the
# verdict with the same code
runv() { LD_LIBRARY_PATH=$libdir $emu "$work/kiosk" --ocr-variants "$db" < "$work/in" > "$work/out" && rc=0 || rc=$?; }
runv
[ "$rc" -eq 1 ] || fail "variants: exit $rc, want 1"
[ "$(grep -c '^LISTED' "$work/out")" -eq 2 ] || fail "variants: two LISTED"
grep -q '^LISTED UTO L898902C3 stolen KIOSK-REF-1  (OCR variant of L8989O2C3)  ([0-9.]* us)$' "$work/out" ||
    fail "variants: the variant is named"
[ "$(grep -c '^CLEAR' "$work/out")" -eq 1 ] || fail "variants: one CLEAR"
[ "$(grep -c '^ERROR' "$work/out")" -eq 1 ] || fail "variants: truncated document is an ERROR"
cat "$work/out"
echo "kiosk: 2 passed, 0 failed"
