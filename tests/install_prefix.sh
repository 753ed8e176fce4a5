# SPDX-License-Identifier: Apache-2.0
# install_prefix.sh — what the installed-build test scripts share (sourced, with $build and $work set):
# install the build into a fresh prefix $work/prefix and set $prefix and $libdir, with the library
# directory on LD_LIBRARY_PATH so the installed programs run without RUNPATH too (a build configured
# for /usr has none).
# shellcheck shell=sh disable=SC2154
rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
libdir=$(ls -d "$prefix"/lib*/ | head -n 1)
libdir=${libdir%/}
LD_LIBRARY_PATH=$libdir
export LD_LIBRARY_PATH
