/* SPDX-License-Identifier: Apache-2.0 */
/* runner.c — how the single-threaded workloads are measured, and the results store.
 *
 * After one warm-up each, the workloads run in rounds (--rounds, default 16): every round measures each
 * workload over its next slice of the queries, in an order that turns from round to round, so that a
 * drift of the machine's load hits all of them alike and ratios between them hold on a noisy machine.
 * Each timed slice follows an untimed re-run of as many of the workload's operations, so that it starts
 * from its own steady state, not from the caches the previous workload left. What runs is the same
 * whatever --threads says: the threaded runs come after every single-threaded figure is recorded. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define WARMUP_MIN 65536 /* at least this many warm-up operations (or all queries) */

result g_res[MAX_RESULTS];
size_t g_nres;
double g_quantile[NQ];

void results_init(void)
{
    size_t i, j = 0;

    for (i = 0; i < NQ_MAIN; i++)
        g_quantile[j++] = (double)i / 1000.0;
    /* the tail points go before 1.0 */
    j = NQ_MAIN - 1;
    for (i = 1; i <= 9; i++)
        g_quantile[j++] = 0.999 + (double)i * 0.0001;
    for (i = 1; i <= 9; i++)
        g_quantile[j++] = 0.9999 + (double)i * 0.00001;
    g_quantile[j++] = 1.0;
}

void results_free(void)
{
    size_t i;

    for (i = 0; i < g_nres; i++)
        free(g_res[i].quant);
    g_nres = 0;
}

static uint32_t at_q(const uint32_t *sorted, size_t n, double q)
{
    const double r = ceil(q * (double)n);
    const size_t idx = r < 1 ? 0 : (size_t)r - 1;

    return sorted[idx < n ? idx : n - 1];
}

/* Sorts the samples (in place) and records a result. `ops` documents took `wall_ns` in all, of which
 * `clock_reads` clock readings' overhead is removed for the throughput (and `cpu_reads` from the CPU
 * time). */
result *result_record(const char *name, unsigned threads, const char *timing, uint32_t *s, size_t n, uint64_t ops,
                      uint64_t wall_ns, uint64_t clock_reads, uint64_t cpu_ns, uint64_t cpu_reads)
{
    result *r;
    uint64_t net;
    size_t i;

    if (g_nres == MAX_RESULTS)
        die("internal: too many results");
    if (n == 0)
        die("internal: no samples for %s", name);
    r = &g_res[g_nres++];
    snprintf(r->name, sizeof r->name, "%s", name);
    r->threads = threads;
    r->timing = timing;
    r->samples = n;
    r->ops = ops;
    qsort(s, n, sizeof *s, cmp_u32);
    r->p50 = at_q(s, n, 0.50);
    r->p90 = at_q(s, n, 0.90);
    r->p99 = at_q(s, n, 0.99);
    r->p999 = at_q(s, n, 0.999);
    r->max = s[n - 1];
    net = wall_ns > clock_reads * g_clock_ns ? wall_ns - clock_reads * g_clock_ns : 1;
    r->ops_per_s = (double)ops * 1e9 / (double)net;
    net = cpu_ns > cpu_reads * g_clock_ns ? cpu_ns - cpu_reads * g_clock_ns : 1;
    r->cpu_ns_per_op = (double)net / (double)ops;
    r->quant = xmalloc(NQ * sizeof *r->quant);
    for (i = 0; i < NQ; i++)
        r->quant[i] = at_q(s, n, g_quantile[i]);
    progress("%-26s %u thr: p50 %.0f ns, p99 %.0f ns, %.0f ops/s", name, threads, r->p50, r->p99, r->ops_per_s);
    return r;
}

const result *result_find(const char *name, unsigned threads)
{
    size_t i;

    for (i = 0; i < g_nres; i++)
        if (g_res[i].threads == threads && strcmp(g_res[i].name, name) == 0)
            return &g_res[i];
    return NULL;
}

/* Dies if a workload answered wrongly: a present document not listed, or an absent one listed. */
void check_listed(const char *what, int64_t listed, size_t n, int present)
{
    if (present && (size_t)listed != n)
        die("%s: %zu of %zu present documents reported as NOT listed (false negative)", what, n - (size_t)listed,
            n);
    if (!present && listed != 0)
        die("%s: %" PRId64 " absent documents reported as listed", what, listed);
}

static size_t warmup_count(size_t q, uint64_t records)
{
    const uint64_t w = records / 16 > WARMUP_MIN ? records / 16 : WARMUP_MIN; /* ~5 per leaf page */

    return q < w ? q : (size_t)w;
}

/* Sizes w for nq queries: grouped workloads measure whole groups (of one, if there are fewer queries
 * than a group) and warm up on all of them; the others warm up on warmup_count(). */
static void workload_init(workload *w, size_t nq, uint64_t records)
{
    if (w->per == GROUP) {
        if (nq < GROUP)
            w->per = 1;
        w->n = nq - nq % w->per;
        w->warm = w->n;
    } else {
        w->n = nq;
        w->warm = warmup_count(nq, records);
    }
    w->timing = w->per == BATCH   ? "per-document mean of one call of 64"
                : w->per == GROUP ? "mean of a group of 16"
                                  : "per-op";
    w->s = xmalloc_touched((w->n + w->per - 1) / w->per * sizeof *w->s);
    w->wall = w->cpu = 0;
    w->listed = 0;
}

/* Where slice r of `rounds` starts in w's operations: a multiple of BATCH (so of GROUP: no call or
 * group is split), and the end of them all for r == rounds. */
static size_t slice_start(const workload *w, unsigned r, unsigned rounds)
{
    size_t at;

    if (r == rounds)
        return w->n;
    at = (size_t)((uint64_t)w->n * r / rounds);
    return at - at % BATCH;
}

/* Measures slice r of w into its samples (at their place) and adds its wall, CPU time and listed count.
 * First, untimed, it re-runs as many of the operations just before the slice (wrapping around), so that
 * the slice starts from this workload's steady state rather than from the caches the previous workload
 * left behind (without it the filter-bound workloads measure a cold filter). */
static void workload_slice(workload *w, unsigned r, unsigned rounds)
{
    const size_t lo = slice_start(w, r, rounds), hi = slice_start(w, r + 1, rounds);
    const size_t k = hi - lo < w->warm ? hi - lo : w->warm;
    uint64_t c0, wall;

    if (lo == hi)
        return;
    w->measure(w, lo >= k ? lo - k : w->n - k, lo >= k ? lo : w->n, NULL, &wall);
    c0 = cpu_now();
    w->listed += w->measure(w, lo, hi, w->s + lo / w->per, &wall);
    w->cpu += cpu_now() - c0;
    w->wall += wall;
}

/* Warms each workload up, then measures them in `rounds` rounds, each over its next 1/rounds of the
 * operations. Round r starts at workload r % nw, going forwards in even rounds and backwards in odd
 * ones, so no workload always runs first or always follows the same one. */
void run_interleaved(workload *wl, unsigned nw, unsigned rounds, size_t nq, uint64_t records)
{
    uint64_t wall;
    unsigned r, k, j;

    for (j = 0; j < nw; j++) {
        workload_init(&wl[j], nq, records);
        wl[j].measure(&wl[j], 0, wl[j].warm, NULL, &wall);
    }
    for (r = 0; r < rounds; r++)
        for (k = 0; k < nw; k++) {
            j = r % 2 == 0 ? (r + k) % nw : (r + nw - k) % nw;
            workload_slice(&wl[j], r, rounds);
        }
}

/* Checks w's answers and records its result, as of one pass over all its queries; frees its samples. */
void workload_record(workload *w)
{
    const size_t ns = (w->n + w->per - 1) / w->per;

    if (w->present >= 0)
        check_listed(w->name, w->listed, w->n, w->present);
    result_record(w->name, 1, w->timing, w->s, ns, w->n, w->wall, ns, w->cpu, ns);
    free(w->s);
    w->s = NULL;
}
