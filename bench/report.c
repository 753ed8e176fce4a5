/* SPDX-License-Identifier: Apache-2.0 */
/* report.c — what a run prints: the targets (each marked met or not), the table, the JSON object
 * ({"results": [{"name", "records", "threads", "p50_ns", "p99_ns", "p999_ns", "ops_per_s", ...}]} and
 * the run's context), and the latency quantiles of every workload as TSV (for bench/plot.sh). */
#include <errno.h>
#include <jansson.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

typedef struct check {
    const char *what;
    double value, limit;
    const char *unit;
    int le; /* 1: value must be <= limit; 0: >= */
    int ok;
} check;

static size_t g_nchecks;
static check g_checks[24];

static void add_check(const char *what, double value, double limit, const char *unit, int le)
{
    check *c;

    if (g_nchecks == sizeof g_checks / sizeof g_checks[0] || value != value)
        return; /* (NaN: a workload that did not run) */
    c = &g_checks[g_nchecks++];
    *c = (check){ what, value, limit, unit, le, le ? value <= limit : value >= limit };
}

static double p50_of(const char *name)
{
    const result *r = result_find(name, 1);

    return r ? r->p50 : NAN;
}

static double cpu_of(const char *name, unsigned threads)
{
    const result *r = result_find(name, threads);

    return r ? r->cpu_ns_per_op : NAN;
}

static double ops_of(const char *name, unsigned threads)
{
    const result *r = result_find(name, threads);

    return r ? r->ops_per_s : NAN;
}

/* Throughput with T threads over 1 thread: by the wall clock (what this machine delivered), and by
 * CPU time per document (what the library allows when T cores are free: contention only). */
static double scaling(const char *name, unsigned t, int by_cpu)
{
    return by_cpu ? (double)t * cpu_of(name, 1) / cpu_of(name, t) : ops_of(name, t) / ops_of(name, 1);
}

/* The targets of README's Performance section, as this run measured them. */
void report_evaluate(const run_info *ri)
{
    const result *m = result_find("sltd.miss", 1), *h = result_find("sltd.hit", 1);

    add_check("miss p50 <= 1.3 x floor.digest_probe p50", p50_of("sltd.miss") / p50_of("floor.digest_probe"), 1.3,
              "x", 1);
    add_check("miss p50 speed-up over lmdb.miss p50 >= 7x (10 M)", p50_of("lmdb.miss") / p50_of("sltd.miss"), 7, "x",
              0);
    add_check("batch miss p50 <= 25 ns/document (10 M, AVX2)", p50_of("sltd.miss.batch"), 25, "ns", 1);
    add_check("batch miss p50 <= 0.35 x single miss p50 (1 M)", p50_of("sltd.miss.batch") / p50_of("sltd.miss"),
              0.35, "x", 1);
    add_check("hit p50 <= 1.10 x lmdb.hit p50", p50_of("sltd.hit") / p50_of("lmdb.hit"), 1.10, "x", 1);
    if (m != NULL)
        add_check("miss p99.9 <= 1 us", m->p999, 1000, "ns", 1);
    if (h != NULL)
        add_check("hit p99.9 <= 20 us", h->p999, 20000, "ns", 1);
    if (ri->threads > 1) {
        add_check("misses, T threads / 1 thread >= 1.8 (wall clock)", scaling("sltd.miss", ri->threads, 0), 1.8,
                  "x", 0);
        add_check("hits, T threads / 1 thread >= 1.8 (wall clock)", scaling("sltd.hit", ri->threads, 0), 1.8, "x",
                  0);
        add_check("misses, T threads / 1 thread >= 1.8 (CPU time)", scaling("sltd.miss", ri->threads, 1), 1.8,
                  "x", 0);
        add_check("hits, T threads / 1 thread >= 1.8 (CPU time)", scaling("sltd.hit", ri->threads, 1), 1.8, "x",
                  0);
    }
    if (ri->imported) {
        add_check("import >= 1.67 M records/s (10 M in 6 s)", (double)ri->records / ri->import_s, 1666667, "rec/s",
                  0);
        add_check("data.mdb <= 60 bytes/record", (double)ri->data_file / (double)ri->records, 60, "B", 1);
    }
}

const char *fmt_ns(char *buf, size_t cap, double ns)
{
    if (ns != ns)
        snprintf(buf, cap, "-");
    else if (ns < 1000)
        snprintf(buf, cap, "%.0f ns", ns);
    else if (ns < 10000)
        snprintf(buf, cap, "%.2f us", ns / 1e3);
    else if (ns < 1000000)
        snprintf(buf, cap, "%.1f us", ns / 1e3);
    else
        snprintf(buf, cap, "%.2f ms", ns / 1e6);
    return buf;
}

static const char *fmt_ratio(char *buf, size_t cap, double ours, double theirs, const char *vs)
{
    if (ours <= 0 || theirs <= 0)
        snprintf(buf, cap, "-");
    else if (ours <= theirs)
        snprintf(buf, cap, "%.2fx faster than %s", theirs / ours, vs);
    else
        snprintf(buf, cap, "%.2fx slower than %s", ours / theirs, vs);
    return buf;
}

/* What each workload is compared with, at p50 (in the table, and by --compare within each run). */
const char *baseline_of(const char *name)
{
    static const char *const pairs[][2] = {
        { "sltd.miss", "lmdb.miss" },
        { "sltd.hit", "lmdb.hit" },
        { "sltd.miss.batch", "sltd.miss" },
        { "sltd.hit.batch", "sltd.hit" },
        { "sltd.digest", "floor.loop" },
        { "floor.digest_probe", "sltd.miss" },
        { "floor.digest_probe.batch", "sltd.miss.batch" },
        { "floor.dram", "bloom.miss" },
        { "bloom.miss", "sltd.miss" },
        { "bloom.miss.batch", "bloom.miss" },
        { "lmdb.miss", "sltd.miss" },
        { "lmdb.hit", "sltd.hit" },
        { "lmdb.hit.txn", "lmdb.hit" },
        { "sqlite.miss", "sltd.miss" },
        { "sqlite.hit", "sltd.hit" },
    };
    size_t i;

    for (i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        if (strcmp(pairs[i][0], name) == 0)
            return pairs[i][1];
    return NULL;
}

void report_table(FILE *f, const run_info *ri)
{
    const machine *m = &ri->m;
    char a[32], b[32], c[32], d[32], e[32], g[32], rb[96];
    size_t i;

    fprintf(f, "sltd-bench %s: %" PRIu64 " records, %" PRIu64 " queries of each kind, %u thread(s) max, %u rounds\n",
            sltd_version(), ri->records, ri->queries, ri->threads, ri->rounds);
    fprintf(f, "machine: %s, %ld CPUs, %.1f GiB, Linux %s, clocksource %s\n", m->cpu, m->ncpu,
            (double)m->mem_bytes / (1024.0 * 1024 * 1024), m->kernel, m->clocksource);
    fprintf(f, "timer: clock_gettime(CLOCK_MONOTONIC), %u ns per reading, subtracted from every sample;\n"
               "       per-op samples, except sltd.digest, bloom.*, floor.loop and floor.dram (mean of a group\n"
               "       of %d) and *.batch (per-document mean of one call or chunk of %d)\n",
            g_clock_ns, GROUP, BATCH);
    if (ri->imported)
        fprintf(f, "import: %" PRIu64 " records in %.2f s = %.0f records/s (feed CSV %.1f MB written in %.2f s)\n",
                ri->records, ri->import_s, (double)ri->records / ri->import_s, (double)ri->csv_bytes / 1e6, ri->csv_s);
    else
        fprintf(f, "import: skipped (--db names an existing database)\n");
    fprintf(f, "files: data.mdb %.1f MB = %.1f bytes/record (%.1f MB used); filter %.2f MB (%u bits/key, capacity "
               "%" PRIu64 ", fill %.3f,\n  false positives estimated from the fill %.5f %%, configured at capacity "
               "%.4f %%)\n",
            (double)ri->data_file / 1e6, (double)ri->data_file / (double)ri->records, (double)ri->data_used / 1e6,
            (double)ri->filter_bytes / 1e6, ri->bits_per_key, ri->filter_capacity, ri->filter_fill,
            100 * ri->fpr_estimate, 100 * ri->fpr_target);
    fprintf(f, "baselines (sltd's own record bytes, copied in %.2f s): LMDB data.mdb %.1f MB", ri->copy_s,
            (double)ri->lmdb_file / 1e6);
    if (sqlite_available())
        fprintf(f, ", SQLite %.1f MB", (double)ri->sqlite_file / 1e6);
    else
        fprintf(f, ", SQLite not built");
    fprintf(f, "; the benchmark's own blocked filter %.2f MB\n", (double)ri->probe_filter_bytes / 1e6);
    fprintf(f, "open (read-only, ready to serve): %.3f ms median of 5 (first %.3f ms)\n", ri->open_ms,
            ri->open_first_ms);
    fprintf(f, "peak RSS %.1f MB (mapped database pages count); total run %.1f s\n", (double)ri->peak_rss_kb / 1024.0,
            ri->total_s);
    fprintf(f, "machine load: 1-min load average %.2f at start, %.2f at end; %.1f %% of CPU time stolen by the "
               "hypervisor%s\n\n",
            m->load_start, m->load_end, m->steal_pct,
            m->load_start > 0.7
                ? "\n  WARNING: other work was running: absolute times, tails and thread scaling are disturbed"
                : "");

    fprintf(f, "%-24s %3s %9s %9s %9s %9s %9s %12s %9s  %s\n", "workload", "thr", "p50", "p90", "p99", "p99.9", "max",
            "ops/s", "CPU/op", "p50 vs");
    for (i = 0; i < g_nres; i++) {
        const result *r = &g_res[i];
        const char *bn = baseline_of(r->name);
        const result *br = bn ? result_find(bn, 1) : NULL;
        if (r->threads > 1) {
            const result *one = result_find(r->name, 1);
            snprintf(rb, sizeof rb, "%.2fx the ops/s of 1 thread (%.2fx by CPU time)",
                     one ? r->ops_per_s / one->ops_per_s : 0.0, scaling(r->name, r->threads, 1));
        } else if (br != NULL) {
            fmt_ratio(rb, sizeof rb, r->p50, br->p50, bn);
        } else {
            snprintf(rb, sizeof rb, "-");
        }
        fprintf(f, "%-24s %3u %9s %9s %9s %9s %9s %12.0f %9s  %s\n", r->name, r->threads, fmt_ns(a, sizeof a, r->p50),
                fmt_ns(b, sizeof b, r->p90), fmt_ns(c, sizeof c, r->p99), fmt_ns(d, sizeof d, r->p999),
                fmt_ns(e, sizeof e, r->max), r->ops_per_s, fmt_ns(g, sizeof g, r->cpu_ns_per_op), rb);
    }
    fprintf(f, "\ntargets (README, Performance; each is stated for the size in brackets, evaluated at this one):\n");
    for (i = 0; i < g_nchecks; i++)
        fprintf(f, "  [%s] %-52s measured %.3g%s\n", g_checks[i].ok ? "met" : "NOT met", g_checks[i].what,
                g_checks[i].value, g_checks[i].unit);
}

/* A JSON string (quoted and escaped by jansson). */
void json_str(FILE *f, const char *s)
{
    json_t *j = json_string(s);

    if (j == NULL || json_dumpf(j, f, JSON_ENCODE_ANY) != 0)
        fputs("null", f); /* (not UTF-8, or out of memory) */
    json_decref(j);
}

/* The run's context, then "results" (one line each), "scaling" and "targets". A caller that appends
 * more members (--compare) gets the object open: report_json leaves the closing brace to it. */
void report_json(FILE *f, const run_info *ri)
{
    const machine *m = &ri->m;
    size_t i;

    fprintf(f, "{\"machine\": {\"cpu\": ");
    json_str(f, m->cpu);
    fprintf(f, ", \"cpus\": %ld, \"mem_bytes\": %" PRIu64 ", \"kernel\": ", m->ncpu, m->mem_bytes);
    json_str(f, m->kernel);
    fprintf(f, ", \"clocksource\": ");
    json_str(f, m->clocksource);
    fprintf(f, ", \"compiler\": ");
    json_str(f, __VERSION__);
    fprintf(f, ", \"sltd\": ");
    json_str(f, sltd_version());
    fprintf(f, ", \"lmdb\": ");
    json_str(f, lmdb_version_string());
    if (sqlite_available()) {
        fprintf(f, ", \"sqlite\": ");
        json_str(f, sqlite_version_string());
    } else {
        fprintf(f, ", \"sqlite\": null");
    }
    fprintf(f, ", \"load_avg_start\": %.2f, \"load_avg_end\": %.2f, \"steal_pct\": %.2f", m->load_start, m->load_end,
            m->steal_pct);
    fprintf(f, ", \"clock_overhead_ns\": %u, \"timing\": \"clock_gettime(CLOCK_MONOTONIC) per op, overhead "
               "subtracted; groups of %d for sltd.digest, bloom.*, floor.loop and floor.dram; per-document mean of "
               "a call or chunk of %d for *.batch\"},\n",
            g_clock_ns, GROUP, BATCH);
    fprintf(f, " \"records\": %" PRIu64 ", \"queries\": %" PRIu64 ", \"threads\": %u, \"rounds\": %u,\n", ri->records,
            ri->queries, ri->threads, ri->rounds);
    if (ri->imported)
        fprintf(f, " \"import\": {\"seconds\": %.4f, \"records_per_s\": %.0f, \"csv_bytes\": %" PRIu64
                   ", \"csv_seconds\": %.4f, ",
                ri->import_s, (double)ri->records / ri->import_s, ri->csv_bytes, ri->csv_s);
    else
        fprintf(f, " \"import\": {\"seconds\": null, ");
    fprintf(f, "\"data_file_bytes\": %" PRIu64 ", \"data_used_bytes\": %" PRIu64 ", \"bytes_per_record\": %.2f},\n",
            ri->data_file, ri->data_used, (double)ri->data_file / (double)ri->records);
    fprintf(f, " \"filter\": {\"bytes\": %" PRIu64 ", \"capacity\": %" PRIu64 ", \"bits_per_key\": %u, "
               "\"fill\": %.6f, \"fpr_estimate\": %.8g, \"fpr_target\": %.8g, \"probe_filter_bytes\": %" PRIu64 "},\n",
            ri->filter_bytes, ri->filter_capacity, ri->bits_per_key, ri->filter_fill, ri->fpr_estimate,
            ri->fpr_target, ri->probe_filter_bytes);
    fprintf(f, " \"open_ms\": %.4f, \"open_first_ms\": %.4f,\n", ri->open_ms, ri->open_first_ms);
    fprintf(f, " \"baselines\": {\"copy_seconds\": %.4f, \"lmdb_file_bytes\": %" PRIu64 ", \"sqlite_file_bytes\": %" PRIu64
               "},\n",
            ri->copy_s, ri->lmdb_file, ri->sqlite_file);
    fprintf(f, " \"peak_rss_kb\": %ld, \"total_seconds\": %.2f,\n", ri->peak_rss_kb, ri->total_s);
    fprintf(f, " \"results\": [\n");
    for (i = 0; i < g_nres; i++) {
        const result *r = &g_res[i];
        fprintf(f, "  {\"name\": \"%s\", \"records\": %" PRIu64 ", \"threads\": %u, \"p50_ns\": %.0f, "
                   "\"p90_ns\": %.0f, \"p99_ns\": %.0f, \"p999_ns\": %.0f, \"max_ns\": %.0f, \"ops_per_s\": %.0f, "
                   "\"cpu_ns_per_op\": %.1f, \"samples\": %zu, \"timing\": \"%s\"}%s\n",
                r->name, ri->records, r->threads, r->p50, r->p90, r->p99, r->p999, r->max, r->ops_per_s,
                r->cpu_ns_per_op, r->samples, r->timing, i + 1 < g_nres ? "," : "");
    }
    fprintf(f, " ],\n \"scaling\": {");
    if (ri->threads > 1 && result_find("sltd.miss", ri->threads) != NULL && result_find("sltd.hit", ri->threads))
        fprintf(f, "\"threads\": %u, \"sltd.miss\": {\"wall\": %.3f, \"cpu\": %.3f}, "
                   "\"sltd.hit\": {\"wall\": %.3f, \"cpu\": %.3f}",
                ri->threads, scaling("sltd.miss", ri->threads, 0), scaling("sltd.miss", ri->threads, 1),
                scaling("sltd.hit", ri->threads, 0), scaling("sltd.hit", ri->threads, 1));
    fprintf(f, "},\n \"targets\": [\n");
    for (i = 0; i < g_nchecks; i++)
        fprintf(f, "  {\"what\": \"%s\", \"value\": %.6g, \"limit\": %.6g, \"met\": %s}%s\n", g_checks[i].what,
                g_checks[i].value, g_checks[i].limit, g_checks[i].ok ? "true" : "false", i + 1 < g_nchecks ? "," : "");
    fprintf(f, " ]");
}

void report_cdf(const char *path)
{
    FILE *f = fopen(path, "w");
    size_t i, j;

    if (f == NULL)
        die("%s: %s", path, strerror(errno));
    fprintf(f, "quantile");
    for (j = 0; j < g_nres; j++) {
        if (g_res[j].threads == 1)
            fprintf(f, "\t%s", g_res[j].name);
        else
            fprintf(f, "\t%s@%u", g_res[j].name, g_res[j].threads);
    }
    fputc('\n', f);
    for (i = 0; i < NQ; i++) {
        fprintf(f, "%.5f", g_quantile[i]);
        for (j = 0; j < g_nres; j++)
            fprintf(f, "\t%" PRIu32, g_res[j].quant[i]);
        fputc('\n', f);
    }
    if (fclose(f) != 0)
        die("%s: %s", path, strerror(errno));
}
