#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The Python binding's test, as a Python user meets it: install the build into a temporary prefix, make a
# virtual environment that sees Debian's Python packages, install the binding there with the README's
# pip command, and run its pytest suite (the Dask test included) against the installed command line.
#   sh run_tests.sh BUILD_DIR WORK_DIR [PYTHON]
# Exit 77 (CTest: skipped) with the reason when no Python with cffi, pytest, pandas and dask is found.
set -eu
build=$1 work=$2
src=$(cd "$(dirname "$0")" && pwd)

# Debian's python3 is the one with Debian's packages; a python3 earlier on PATH (pyenv, conda) may
# have none of them. The first candidate that has them all is used.
python=""
for p in "${3:-}" "${SLTD_PYTHON:-}" /usr/bin/python3 python3; do
    [ -n "$p" ] || continue
    if "$p" -c 'import cffi, pytest, pandas, dask.dataframe, distributed, venv' 2>/dev/null; then
        python=$p
        break
    fi
done
if [ -z "$python" ]; then
    echo "SKIPPED: no python3 with cffi, pytest, pandas, dask, distributed and venv" \
         "(tools/deps.sh installs python3-cffi python3-pytest python3-pandas python3-dask" \
         "python3-distributed python3-venv python3-dev)"
    exit 77
fi

rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
pc=$(find "$prefix" -name sltd.pc | head -n 1)
PKG_CONFIG_PATH=$(dirname "$pc")
export PKG_CONFIG_PATH

# the README's install command, in a virtual environment that sees Debian's packages; from a copy of
# the sources, so that the build leaves nothing in the source tree
"$python" -m venv --system-site-packages "$work/venv"
cp -r "$src" "$work/src"
rm -rf "$work/src/build" "$work/src"/*.egg-info
"$work/venv/bin/pip" install --quiet --no-index --no-build-isolation "$work/src"
echo "ok: installed the binding with $("$work/venv/bin/python" -c 'import sltd; print("libsltd", sltd.library_version)')"

# run from the work directory: `import sltd` must find the installed package, not the sources
cd "$work"
SLTD_CLI=$prefix/bin/sltd
export SLTD_CLI
exec "$work/venv/bin/python" -m pytest -p no:cacheprovider -rs -q "$src/tests"
