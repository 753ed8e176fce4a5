#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The demo: install what is missing, build, create a database from the synthetic feed in data/,
# then check every passenger of the sample manifest and show the listed ones.
set -eu
cd "$(dirname "$0")/.."
sh tools/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)" --target sltd_cli >/dev/null
sltd=build/sltd
db=build/demo-db
rm -rf "$db" "$db.key"
echo "== sltd init --db $db"
$sltd init --db "$db"
echo "== sltd import --db $db data/demo-feed.csv"
$sltd import --db "$db" data/demo-feed.csv
echo "== sltd stats --db $db"
$sltd stats --db "$db"
echo "== sltd screen --db $db data/manifest.csv"
set +e
$sltd screen --db "$db" data/manifest.csv
rc=$?
set -e
echo "== exit status $rc (1: listed documents found; planted hits are in data/expected-hits.txt)"
[ "$rc" -eq 1 ]
