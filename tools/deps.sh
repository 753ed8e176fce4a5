#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Install the Debian 12 packages sltd needs to build, test and benchmark, when they are missing.
# Sourced or run by tools/demo.sh and tools/test.sh. Needs root (or sudo) only if something is missing.
set -eu
pkgs="cmake make gcc g++ pkg-config liblmdb-dev libsodium-dev libxxhash-dev check libjansson-dev libsqlite3-dev python3"
# the Debian packages' test (deb_packages): dpkg-shlibdeps, the file(1) CPack needs, lintian
pkgs="$pkgs dpkg-dev file lintian"
# sync's HTTP(S) client; then the libraries libcurl itself links, which a static link of libsltd.a names
# (pkg-config --static sltd: the install_consumer test); python3 runs the fleet tests' HTTP server and mirror
# (libcurl4-openssl-dev depends on none of them, yet its libcurl.pc names them all)
pkgs="$pkgs libcurl4-openssl-dev libnghttp2-dev librtmp-dev libssh2-1-dev libpsl-dev libkrb5-dev libldap-dev"
pkgs="$pkgs libzstd-dev libbrotli-dev libidn2-dev libssl-dev zlib1g-dev python3 openssl"
# the CLI test runs a command a few days ahead (data past its expiry) with faketime
pkgs="$pkgs faketime"
# test_api reads LMDB's reader table with mdb_stat -r (a child closing an inherited handle keeps the parent's)
pkgs="$pkgs lmdb-utils"
# the Python binding (cffi in API mode: a C compiler and the Python headers) and its tests: pytest,
# pandas, Dask with a local cluster, and venv + pip for the README's install command
pkgs="$pkgs python3-dev python3-cffi python3-setuptools python3-pip python3-venv python3-pytest"
pkgs="$pkgs python3-pandas python3-dask python3-distributed"
# the abi_check test: abidiff (and abidw, for tools/abi-baseline.sh)
pkgs="$pkgs abigail-tools"
[ "${SLTD_EXTRA_PKGS:-}" ] && pkgs="$pkgs $SLTD_EXTRA_PKGS"
missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "sltd: installing Debian packages:$missing" >&2
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >&2
fi
