#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The shared library's ABI surface: it exports only public sltd_ functions, and every one of them
# carries a LIBSLTD_<SOVERSION> version node (cmake/libsltd.map), as `objdump -T` shows.
#   symbols_test.sh LIBSLTD_SO SOVERSION
set -eu
lib=$1 so=$2
command -v objdump >/dev/null || { echo "SKIP: objdump not found (binutils)"; exit 77; }
# objdump -T: ADDRESS FLAGS SECTION SIZE VERSION NAME; *UND* lines are imports
table=$(objdump -T "$lib" | awk '$0 ~ /^[0-9a-f]+ / && $0 !~ /\*UND\*/ { print $(NF-1), $NF }')
[ -n "$table" ] || { echo "FAIL: $lib exports nothing"; exit 1; }
bad=$(printf '%s\n' "$table" | awk -v so="$so" '
    { ver = $1; name = $2 }
    name ~ /^\./ { next }                         # a section symbol (aarch64 linkers list .init, .data)
    ver !~ ("^LIBSLTD_" so "(\\.[0-9]+)?$") { print "  unversioned or foreign version: " ver " " name; next }
    name == ver { next }                          # the version node itself
    name !~ /^sltd_[a-z0-9]/ { print "  not a public sltd_ function: " ver " " name }')
if [ -n "$bad" ]; then echo "FAIL: $lib"; printf '%s\n' "$bad"; exit 1; fi
n=$(printf '%s\n' "$table" | awk '$1 != $2' | wc -l)
printf '%s\n' "$table" | grep -q ' sltd_db_open$' || { echo "FAIL: sltd_db_open is not exported"; exit 1; }
echo "ok: $n symbols, every one sltd_* at version $(printf '%s\n' "$table" | awk '$1 != $2 {print $1}' | sort -u | tr '\n' ' ')"
