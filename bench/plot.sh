#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# plot.sh — latency CDFs of sltd-bench (misses and hits, sltd against the baselines) as one PNG.
#
#   bench/plot.sh [-b SLTD_BENCH] [-o OUTDIR] [-- SLTD_BENCH_ARGS...]
#       runs SLTD_BENCH --json --cdf OUTDIR/cdf.tsv ARGS (default: ./sltd-bench, or the one on PATH),
#       keeps its JSON in OUTDIR/bench.json and draws OUTDIR/latency-cdf.png
#   bench/plot.sh -c CDF.tsv [-j BENCH.json] [-o OUTDIR]
#       draws from an existing --cdf file (the JSON, when given, names the run in the title)
#
# The top row is the CDF of per-document latency (log x); the bottom row is the tail,
# 1 - quantile on a log scale, down to 1e-5 (the top row stops at 100 us; the tails show all). Needs gnuplot (Debian: gnuplot-nox).
set -eu

usage() {
    sed -n '2,12s/^# \{0,1\}//p' "$0"
}

bench= out=. cdf= json=
while [ $# -gt 0 ]; do
    case "$1" in
    -b) bench=$2; shift 2 ;;
    -o) out=$2; shift 2 ;;
    -c) cdf=$2; shift 2 ;;
    -j) json=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    --) shift; break ;;
    *) echo "plot.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
    esac
done
command -v gnuplot >/dev/null 2>&1 || { echo "plot.sh: gnuplot not found (apt-get install gnuplot-nox)" >&2; exit 3; }
mkdir -p "$out"

if [ -z "$cdf" ]; then
    if [ -z "$bench" ]; then
        if [ -x ./sltd-bench ]; then bench=./sltd-bench; else bench=sltd-bench; fi
    fi
    cdf=$out/cdf.tsv
    json=$out/bench.json
    "$bench" --json --cdf "$cdf" "$@" >"$json" || { echo "plot.sh: $bench failed" >&2; exit 3; }
fi
[ -r "$cdf" ] || { echo "plot.sh: cannot read $cdf" >&2; exit 3; }

title="sltd-bench"
if [ -n "$json" ] && [ -r "$json" ]; then
    records=$(sed -n 's/.*"records": \([0-9]*\), "queries".*/\1/p' "$json" | head -n 1)
    cpu=$(sed -n 's/.*"cpu": "\([^"]*\)".*/\1/p' "$json" | head -n 1)
    load=$(sed -n 's/.*"load_avg_start": \([0-9.]*\).*/\1/p' "$json" | head -n 1)
    title="sltd-bench: ${records:-?} records, ${cpu:-?}, load ${load:-?}"
fi

# The columns present in this file (SQLite ones only when it was built with SQLite; @T = T threads).
header=$(head -n 1 "$cdf")
has() { printf '%s\n' "$header" | tr '\t' '\n' | grep -qx "$1"; }

# plot clause for a list of workloads; $1 = cdf|tail
clause() {
    kind=$1; shift
    sep=
    for w in "$@"; do
        has "$w" || continue
        case "$w" in
        sltd.miss|sltd.hit) style='lw 2.5 lc rgb "#1f4fbf"' ;;
        sltd.*.batch) style='lw 2.5 lc rgb "#2ca02c"' ;;
        sltd.*@*) style='lw 2 lc rgb "#17becf"' ;;
        bloom.miss) style='lw 2 dt 3 lc rgb "#9467bd"' ;;
        bloom.miss.batch) style='lw 2 dt 3 lc rgb "#e377c2"' ;;
        lmdb.*.txn) style='lw 1.5 dt 2 lc rgb "#8c564b"' ;;
        lmdb.*) style='lw 2 dt 2 lc rgb "#ff7f0e"' ;;
        sqlite.*) style='lw 2 dt 2 lc rgb "#d62728"' ;;
        *) style='lw 1.5 dt 4 lc rgb "#7f7f7f"' ;;
        esac
        if [ "$kind" = cdf ]; then
            printf '%s"%s" using (column("%s") > 0 ? column("%s") * 1e-9 : 1/0):1 with lines %s title "%s" noenhanced' \
                "$sep" "$cdf" "$w" "$w" "$style" "$w"
        else
            printf '%s"%s" using (column("%s") > 0 ? column("%s") * 1e-9 : 1/0):((1 - $1) > 0 ? 1 - $1 : 1/0) with lines %s title "%s" noenhanced' \
                "$sep" "$cdf" "$w" "$w" "$style" "$w"
        fi
        sep=", "
    done
}

misses="sltd.miss sltd.miss.batch sltd.miss@2 bloom.miss bloom.miss.batch lmdb.miss sqlite.miss"
hits="sltd.hit sltd.hit.batch sltd.hit@2 lmdb.hit lmdb.hit.txn sqlite.hit"
# shellcheck disable=SC2086
miss_cdf=$(clause cdf $misses)
# shellcheck disable=SC2086
hit_cdf=$(clause cdf $hits)
# shellcheck disable=SC2086
miss_tail=$(clause tail $misses)
# shellcheck disable=SC2086
hit_tail=$(clause tail $hits)
[ -n "$miss_cdf" ] && [ -n "$hit_cdf" ] || { echo "plot.sh: $cdf has no sltd columns" >&2; exit 3; }

png=$out/latency-cdf.png
gnuplot <<EOF
set terminal pngcairo size 1600,1100 font "sans,10"
set output "$png"
set datafile separator "\t"
set datafile columnheaders
set logscale x
set format x "%.0s%cs"
set xlabel "latency per document (log)"
set grid xtics ytics mxtics
set key bottom right
set multiplot layout 2,2 title "$title" noenhanced
set ylabel "fraction of lookups"
set yrange [0:1]
set xrange [*:1e-4]
set title "misses (absent documents)"
plot $miss_cdf
set title "hits (listed documents)"
plot $hit_cdf
set logscale y
set yrange [1e-5:1]
set xrange [*:*]
set format y "10^{%L}"
set ylabel "1 - quantile (tail)"
set key top right
set title "misses: tail"
plot $miss_tail
set title "hits: tail"
plot $hit_tail
unset multiplot
EOF
echo "$png"
