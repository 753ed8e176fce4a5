/* SPDX-License-Identifier: Apache-2.0 */
/* sltd-bench — lookup latency and throughput of libsltd, set beside the baselines a team would use
 * instead (a bare LMDB environment and SQLite holding the same digests) and the Bloom filter alone.
 *
 * It uses only the public header for sltd (zstd's rule for programs/), and LMDB and SQLite directly
 * for the baselines. See sltd-bench(1) (docs/sltd-bench.1: options and JSON) and bench/RESULTS.md
 * (how each figure is measured, and the figures measured here).
 *
 * The single-threaded workloads are interleaved: after one warm-up each, they run in rounds (--rounds,
 * default 16), every round measuring each workload over its next slice of the queries in an order that
 * turns from round to round, so that a drift of the machine's load hits all of them alike and ratios
 * between them hold on a noisy machine. Each timed slice follows an untimed re-run of as many of the
 * workload's operations, so that it starts from its own steady state, not from the caches the previous
 * workload left. The multi-thread runs follow, one after another.
 *
 * Exit status: 0 done; 2 bad usage; 3 a library, database or system error (including a lookup that
 * answered wrongly: a present document reported as not listed, or an absent one as listed). */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <lmdb.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#ifdef SLTD_HAVE_SQLITE
#include <sqlite3.h>
#endif

#include "sltd.h"

#define EXIT_USAGE 2
#define EXIT_ERROR 3

#define BATCH 64          /* documents per sltd_db_lookup_batch call */
#define GROUP 16          /* operations per timed group for the fastest workloads */
#define WARMUP_MIN 65536 /* at least this many warm-up operations (or all queries) */
#define FPR_PROBES 16000000u
#define MAX_RESULTS 32
#define MAX_THREADS 256
#define LMDB_VALUE 24 /* bytes of the baseline's value: about what a record needs */

/* ---- errors ------------------------------------------------------------------------------------ */

static const char *g_cleanup_dir; /* removed on a fatal error unless --keep */
static int g_keep;

static void remove_tree(const char *dir);

__attribute__((format(printf, 1, 2), noreturn)) static void die(const char *fmt, ...)
{
    va_list ap;

    fputs("sltd-bench: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    if (g_cleanup_dir != NULL && !g_keep)
        remove_tree(g_cleanup_dir);
    exit(EXIT_ERROR);
}

/* An sltd call failed: its code's text and the thread's detail. */
static void die_sltd(int rc, const char *what)
{
    const char *detail = sltd_error_detail();

    die("%s: %s%s%s", what, sltd_error_text(rc), detail[0] ? ": " : "", detail);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (p == NULL)
        die("out of memory (%zu bytes)", n);
    return p;
}

/* Memory written in timed loops (samples): touched now, so that none of its first-touch page faults
 * (~1-2 us each, one per 1,024 samples) lands in a timed interval and poses as lookup latency. */
static void *xmalloc_touched(size_t n)
{
    void *p = xmalloc(n);

    memset(p, 0, n);
    return p;
}

static int g_progress;
static uint64_t g_t_start;
static inline uint64_t now_ns(void);

__attribute__((format(printf, 1, 2))) static void progress(const char *fmt, ...)
{
    va_list ap;

    if (!g_progress)
        return;
    fprintf(stderr, "sltd-bench: [%6.2f s] ", (double)(now_ns() - g_t_start) / 1e9);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* ---- time -------------------------------------------------------------------------------------- */

static inline uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* CPU time of the calling thread: unlike wall time, it does not count time spent descheduled. */
static inline uint64_t cpu_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return (x > y) - (x < y);
}

/* The cost of one clock_gettime() as seen between two back-to-back calls (median of many). */
static uint32_t clock_overhead_ns(void)
{
    enum { N = 200001 };
    uint32_t *d = xmalloc(N * sizeof *d), med;
    uint64_t prev = now_ns(), t;
    int i;

    for (i = 0; i < N; i++) {
        t = now_ns();
        d[i] = (uint32_t)(t - prev);
        prev = t;
    }
    qsort(d, N, sizeof *d, cmp_u32);
    med = d[N / 2];
    free(d);
    return med;
}

static uint32_t g_ovh; /* subtracted from every sample */

static inline uint32_t sample(uint64_t delta, unsigned ops)
{
    uint64_t v = delta > g_ovh ? delta - g_ovh : 0;

    v /= ops;
    return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* ---- deterministic synthetic documents --------------------------------------------------------- */

/* Real ICAO 9303 codes ("D" is Germany; UTO is the specimen state). */
static const char STATES[][4] = { "D",   "FRA", "GBR", "ITA", "ESP", "NLD", "BEL", "POL",
                                  "USA", "CAN", "AUS", "JPN", "CHN", "IND", "BRA", "UTO" };
#define NSTATES (sizeof STATES / sizeof STATES[0])

#define SEED_PRESENT 0x5eed0001u
#define SEED_ABSENT 0x5eed0002u
#define SEED_HITS 0x5eed0003u
#define SEED_PROBES 0x5eed0004u

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15u);

    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

static uint64_t mix(uint64_t x, uint64_t seed)
{
    uint64_t s = x ^ (seed << 32);

    return splitmix64(&s);
}

/* A bijection of [0, 2^41): distinct indices give distinct numbers, in a scrambled order. */
static uint64_t perm41(uint64_t x, uint64_t seed)
{
    const uint64_t mask = ((uint64_t)1 << 41) - 1;

    x = (x ^ seed) & mask;
    x = (x * 0x9E3779B97F4A7C15u) & mask;
    x ^= x >> 20;
    x = (x * 0xBF58476D1CE4E5B9u) & mask;
    x ^= x >> 17;
    x = (x * 0x94D049BB133111EBu) & mask;
    return x;
}

typedef struct doc {
    char state[4];
    char number[12];
} doc;

/* Document i of a set: present documents have numbers starting with a letter, absent ones with a
 * digit, so the two sets never meet; 8 more characters encode a permutation of i (36^8 > 2^41). */
static void make_doc(doc *d, uint64_t i, int present)
{
    static const char alnum[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const uint64_t seed = present ? SEED_PRESENT : SEED_ABSENT;
    uint64_t h = mix(i, seed), x = perm41(i, seed);
    int k;

    memcpy(d->state, STATES[h % NSTATES], 4);
    d->number[0] = present ? (char)('A' + (h >> 8) % 26) : (char)('0' + (h >> 8) % 10);
    for (k = 8; k >= 1; k--) {
        d->number[k] = alnum[x % 36];
        x /= 36;
    }
    d->number[9] = '\0';
}

/* ---- files ------------------------------------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void remove_tree(const char *dir)
{
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static uint64_t file_size(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static void join(char *out, size_t cap, const char *a, const char *b)
{
    if ((size_t)snprintf(out, cap, "%s/%s", a, b) >= cap)
        die("path too long: %s/%s", a, b);
}

/* ---- results ----------------------------------------------------------------------------------- */

#define NQ_MAIN 1001 /* quantiles 0, 0.001, ..., 1 */
#define NQ_TAIL 18   /* 0.9991..0.9999 and 0.99991..0.99999 */
#define NQ (NQ_MAIN + NQ_TAIL)

typedef struct result {
    char name[32];
    unsigned threads;
    const char *timing; /* how one sample was taken */
    size_t samples;
    uint64_t ops;
    double p50, p90, p99, p999, max, ops_per_s;
    double cpu_ns_per_op; /* CPU time per document (all threads), net of clock readings */
    uint32_t *quant; /* NQ values, for --cdf */
} result;

static result g_res[MAX_RESULTS];
static size_t g_nres;
static double g_quantile[NQ];

static void init_quantiles(void)
{
    size_t i, j = 0;

    for (i = 0; i < NQ_MAIN; i++)
        g_quantile[j++] = (double)i / 1000.0;
    /* insert the tail points before 1.0 */
    j = NQ_MAIN - 1;
    for (i = 1; i <= 9; i++)
        g_quantile[j++] = 0.999 + (double)i * 0.0001;
    for (i = 1; i <= 9; i++)
        g_quantile[j++] = 0.9999 + (double)i * 0.00001;
    g_quantile[j++] = 1.0;
}

static uint32_t at_q(const uint32_t *sorted, size_t n, double q)
{
    double r = ceil(q * (double)n);
    size_t idx = r < 1 ? 0 : (size_t)r - 1;

    return sorted[idx < n ? idx : n - 1];
}

/* Sort the samples (in place) and record a result. `ops` documents took `wall_ns` in all, of which
 * `nsamples` clock readings' overhead is removed for the throughput. */
static result *record_cpu(const char *name, unsigned threads, const char *timing, uint32_t *s, size_t n,
                          uint64_t ops, uint64_t wall_ns, uint64_t clock_reads, uint64_t cpu_ns, uint64_t cpu_reads)
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
    net = wall_ns > clock_reads * g_ovh ? wall_ns - clock_reads * g_ovh : 1;
    r->ops_per_s = (double)ops * 1e9 / (double)net;
    net = cpu_ns > cpu_reads * g_ovh ? cpu_ns - cpu_reads * g_ovh : 1;
    r->cpu_ns_per_op = (double)net / (double)ops;
    r->quant = xmalloc(NQ * sizeof *r->quant);
    for (i = 0; i < NQ; i++)
        r->quant[i] = at_q(s, n, g_quantile[i]);
    progress("%-18s %u thr: p50 %.0f ns, p99 %.0f ns, %.0f ops/s", name, threads, r->p50, r->p99, r->ops_per_s);
    return r;
}

static const result *find(const char *name, unsigned threads)
{
    size_t i;

    for (i = 0; i < g_nres; i++)
        if (g_res[i].threads == threads && strcmp(g_res[i].name, name) == 0)
            return &g_res[i];
    return NULL;
}

/* ---- single-threaded workloads, interleaved ---------------------------------------------------- */

static size_t warmup_count(size_t q, uint64_t records)
{
    uint64_t w = records / 16 > WARMUP_MIN ? records / 16 : WARMUP_MIN; /* ~5 per leaf page */

    return q < w ? q : (size_t)w;
}

typedef struct workload workload;

/* Runs operations [lo, hi) of w, one sample per w->per of them into s[0], s[1], ... (none if s is NULL:
 * the warm-up); sets *wall to the time from the first clock reading to the last and returns the
 * documents reported listed. */
typedef int64_t measure_fn(workload *w, size_t lo, size_t hi, uint32_t *s, uint64_t *wall);

/* One single-threaded workload: what it measures, and its totals over the slices measured so far. */
struct workload {
    const char *name;
    measure_fn *measure;
    unsigned per; /* operations per sample: 1, GROUP, or BATCH (the last call may be shorter) */
    int present;  /* 1: every document must be reported listed; 0: none may be; -1: not checked */
    /* what the measure function works on (the fields it needs) */
    sltd_db *db;
    const doc *docs;
    const sltd_query *queries;
    const uint8_t *dig;
    const struct bloom *bf;
    MDB_txn *txn;
    MDB_dbi dbi;
    int renew; /* LMDB: renew and reset txn around every lookup */
#ifdef SLTD_HAVE_SQLITE
    sqlite3 *h;
    sqlite3_stmt *stmt;
#endif
    /* set by workload_init */
    const char *timing; /* how one sample is taken */
    size_t n, warm;     /* operations measured; warm-up operations */
    uint32_t *s;        /* one sample per `per` operations */
    sltd_result *res;   /* BATCH results, for sltd_db_lookup_batch */
    /* totals over the slices measured */
    uint64_t wall, cpu;
    int64_t listed;
};

/* Sizes w for nq queries: grouped workloads measure whole groups (of one, if there are fewer
 * queries than a group) and warm up on all of them; the others warm up on warmup_count(). */
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
    if (w->per == BATCH)
        w->res = xmalloc(BATCH * sizeof *w->res);
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
 * left behind (without it the filter-bound workloads measure a cold filter: sltd.miss ~150 ns instead
 * of ~115 at 1 M records). */
static void workload_slice(workload *w, unsigned r, unsigned rounds)
{
    size_t lo = slice_start(w, r, rounds), hi = slice_start(w, r + 1, rounds);
    size_t k = hi - lo < w->warm ? hi - lo : w->warm;
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
static void run_interleaved(workload *wl, unsigned nw, unsigned rounds)
{
    uint64_t wall;
    unsigned r, k, j;

    for (j = 0; j < nw; j++)
        wl[j].measure(&wl[j], 0, wl[j].warm, NULL, &wall);
    for (r = 0; r < rounds; r++)
        for (k = 0; k < nw; k++) {
            j = r % 2 == 0 ? (r + k) % nw : (r + nw - k) % nw;
            workload_slice(&wl[j], r, rounds);
        }
}

/* Dies if a workload answered wrongly: a present document not listed, or an absent one listed. */
static void check_listed(const char *what, int64_t listed, size_t n, int present)
{
    if (present && (size_t)listed != n)
        die("%s: %zu of %zu present documents reported as NOT listed (false negative)", what,
            n - (size_t)listed, n);
    if (!present && listed != 0)
        die("%s: %" PRId64 " absent documents reported as listed", what, listed);
}

/* Checks w's answers and records its result, as of one pass over all its queries; frees its arrays. */
static void workload_record(workload *w)
{
    size_t ns = (w->n + w->per - 1) / w->per;

    if (w->present >= 0)
        check_listed(w->name, w->listed, w->n, w->present);
    record_cpu(w->name, 1, w->timing, w->s, ns, w->n, w->wall, ns, w->cpu, ns);
    free(w->s);
    free(w->res);
}

/* ---- sltd workloads ---------------------------------------------------------------------------- */

/* One lookup per sample. Returns the number of documents reported listed, or -1 with *rc set. */
static int64_t sltd_single(sltd_db *db, const doc *q, size_t n, uint32_t *s, uint64_t *wall, int *rcp)
{
    sltd_result res = SLTD_RESULT_INIT;
    uint64_t t0 = now_ns(), prev = t0, t;
    int64_t listed = 0;
    size_t i;
    int rc;

    for (i = 0; i < n; i++) {
        rc = sltd_db_lookup(&res, db, q[i].state, q[i].number, NULL);
        t = now_ns();
        if (rc != SLTD_OK) {
            *rcp = rc;
            return -1;
        }
        listed += res.listed;
        if (s != NULL)
            s[i] = sample(t - prev, 1);
        prev = t;
    }
    *wall = prev - t0;
    return listed;
}

/* sltd.miss, sltd.hit: one sltd_db_lookup per sample. */
static int64_t measure_sltd(workload *w, size_t lo, size_t hi, uint32_t *s, uint64_t *wall)
{
    int rc = 0;
    int64_t listed = sltd_single(w->db, w->docs + lo, hi - lo, s, wall, &rc);

    if (listed < 0)
        die_sltd(rc, "sltd_db_lookup");
    return listed;
}

/* sltd.miss.batch, sltd.hit.batch: one sltd_db_lookup_batch call of BATCH documents per sample. */
static int64_t measure_sltd_batch(workload *w, size_t lo, size_t hi, uint32_t *s, uint64_t *wall)
{
    sltd_result *res = w->res;
    uint64_t t0, prev, t;
    int64_t listed = 0;
    size_t i, j, m, ns = 0;
    int rc;

    t0 = prev = now_ns();
    for (i = lo; i < hi; i += m) {
        m = hi - i < BATCH ? hi - i : BATCH;
        res[0].version = SLTD_RESULT_VERSION;
        rc = sltd_db_lookup_batch(res, w->db, w->queries + i, m);
        t = now_ns();
        if (rc != SLTD_OK)
            die_sltd(rc, "sltd_db_lookup_batch");
        for (j = 0; j < m; j++) {
            if (res[j].error != SLTD_OK)
                die_sltd(res[j].error, "sltd_db_lookup_batch (one document)");
            listed += res[j].listed;
        }
        if (s != NULL)
            s[ns++] = sample(t - prev, (unsigned)m);
        prev = t;
    }
    *wall = prev - t0;
    return listed;
}

/* sltd.digest: sltd_db_digest() alone, normalisation + SipHash-2-4-128, the part of a lookup before the
 * filter; one sample per group. */
static int64_t measure_digest(workload *w, size_t lo, size_t hi, uint32_t *s, uint64_t *wall)
{
    const unsigned g = w->per;
    uint8_t d[SLTD_DIGEST_SIZE];
    uint64_t t0, prev, t, sink = 0;
    size_t i, ns = 0;
    int rc;

    t0 = prev = now_ns();
    for (i = lo; i < hi; i++) {
        if ((rc = sltd_db_digest(d, w->db, w->docs[i].state, w->docs[i].number)) != SLTD_OK)
            die_sltd(rc, "sltd_db_digest");
        sink += d[0];
        if ((i + 1) % g == 0) {
            t = now_ns();
            if (s != NULL)
                s[ns++] = sample(t - prev, g);
            prev = t;
        }
    }
    __asm__ volatile("" : : "r"(sink));
    *wall = prev - t0;
    return 0;
}

/* T threads share the handle; each looks up its slice of the queries. */
typedef struct worker {
    sltd_db *db;
    const doc *q;
    size_t n;
    uint32_t *s;
    pthread_barrier_t *bar;
    uint64_t wall, cpu;
    int64_t listed;
    int rc;
} worker;

static void *worker_main(void *arg)
{
    worker *w = arg;
    uint64_t c0;

    pthread_barrier_wait(w->bar);
    c0 = cpu_now();
    w->listed = sltd_single(w->db, w->q, w->n, w->s, &w->wall, &w->rc);
    w->cpu = cpu_now() - c0;
    return NULL;
}

static void run_sltd_threads(const char *name, sltd_db *db, const doc *q, size_t n, uint32_t *s, int present,
                             unsigned nthreads)
{
    pthread_t tid[MAX_THREADS];
    worker w[MAX_THREADS];
    pthread_barrier_t bar;
    uint64_t maxnet = 0, net, wall, cpu = 0;
    int64_t listed = 0;
    unsigned i;

    pthread_barrier_init(&bar, NULL, nthreads);
    for (i = 0; i < nthreads; i++) {
        size_t lo = n * i / nthreads, hi = n * (i + 1) / nthreads;
        w[i] = (worker){ db, q + lo, hi - lo, s + lo, &bar, 0, 0, 0, 0 };
        if (pthread_create(&tid[i], NULL, worker_main, &w[i]) != 0)
            die("pthread_create: %s", strerror(errno));
    }
    for (i = 0; i < nthreads; i++)
        pthread_join(tid[i], NULL);
    pthread_barrier_destroy(&bar);
    for (i = 0; i < nthreads; i++) {
        if (w[i].listed < 0)
            die_sltd(w[i].rc, "sltd_db_lookup (threaded)");
        listed += w[i].listed;
        cpu += w[i].cpu;
        net = w[i].wall > w[i].n * g_ovh ? w[i].wall - w[i].n * g_ovh : 1;
        if (net > maxnet)
            maxnet = net;
    }
    check_listed(name, listed, n, present);
    /* Aggregate throughput: all documents over the slowest thread's time (net of clock reads). */
    wall = maxnet;
    record_cpu(name, nthreads, "per-op", s, n, n, wall, 0, cpu, n);
}

/* ---- the blocked Bloom filter, replicated ------------------------------------------------------ */
/* The same algorithm as the library's filter (see README.md, "Filter file"): 512-bit blocks of 8 words; a
 * digest's first 8 bytes h0 (host order) choose block (h0 * nblocks) >> 64, its last 8 bytes h1 set
 * bit (h1 >> 6i) & 63 of word i. Sized from sltd_stats (capacity x bits per key), it holds the same
 * digests, so it answers exactly as the library's filter does; it is not reachable through sltd.h. */
typedef struct bloom {
    uint64_t *words;
    uint64_t nblocks;
} bloom;

__extension__ typedef unsigned __int128 u128;

static inline uint64_t bloom_block(const bloom *b, const uint8_t *d)
{
    uint64_t h0;

    memcpy(&h0, d, 8);
    return (uint64_t)(((u128)h0 * b->nblocks) >> 64);
}

static inline int bloom_test(const bloom *b, const uint8_t *d)
{
    const uint64_t *w = b->words + bloom_block(b, d) * 8;
    uint64_t h1, acc = 1;
    int i;

    memcpy(&h1, d + 8, 8);
    for (i = 0; i < 8; i++)
        acc &= w[i] >> ((h1 >> (6 * i)) & 63);
    return (int)(acc & 1);
}

static void bloom_init(bloom *b, uint64_t capacity, unsigned bits_per_key, const uint8_t *digests, size_t n)
{
    size_t i;
    int k;

    b->nblocks = (capacity * bits_per_key + 511) / 512;
    if (b->nblocks == 0)
        b->nblocks = 1;
    b->words = aligned_alloc(64, b->nblocks * 64);
    if (b->words == NULL)
        die("out of memory (filter replica)");
    memset(b->words, 0, b->nblocks * 64);
    for (i = 0; i < n; i++) {
        const uint8_t *d = digests + i * SLTD_DIGEST_SIZE;
        uint64_t *w = b->words + bloom_block(b, d) * 8, h1;
        memcpy(&h1, d + 8, 8);
        for (k = 0; k < 8; k++)
            w[k] |= (uint64_t)1 << ((h1 >> (6 * k)) & 63);
    }
}

static volatile size_t g_zero; /* 0, opaque to the compiler: makes each probe depend on the last */

/* bloom.miss: one probe at a time, each probe's address depending on the previous answer (what a
 * single sltd_db_lookup pays); one sample per group. */
static int64_t measure_bloom(workload *w, size_t lo, size_t hi, uint32_t *s, uint64_t *wall)
{
    const bloom *b = w->bf;
    const uint8_t *dig = w->dig;
    const unsigned g = w->per;
    uint64_t t0, prev, t, hits = 0;
    size_t i, ns = 0, z = g_zero, pos = lo;
    int r;

    t0 = prev = now_ns();
    for (i = lo; i < hi; i++) {
        r = bloom_test(b, dig + pos * SLTD_DIGEST_SIZE);
        pos = i + 1 + ((size_t)r & z);
        hits += (uint64_t)r;
        if ((i + 1) % g == 0) {
            t = now_ns();
            if (s != NULL)
                s[ns++] = sample(t - prev, g);
            prev = t;
        }
    }
    *wall = prev - t0;
    return (int64_t)hits;
}

/* bloom.miss.batch: independent probes with a prefetch 8 ahead (what a batch pays); one sample per group. */
static int64_t measure_bloom_batch(workload *w, size_t lo, size_t hi, uint32_t *s, uint64_t *wall)
{
    const bloom *b = w->bf;
    const uint8_t *dig = w->dig;
    const unsigned g = w->per;
    uint64_t t0, prev, t, hits = 0;
    size_t i, ns = 0;

    t0 = prev = now_ns();
    for (i = lo; i < hi; i++) {
        if (i + 8 < hi)
            __builtin_prefetch(b->words + bloom_block(b, dig + (i + 8) * SLTD_DIGEST_SIZE) * 8);
        hits += (uint64_t)bloom_test(b, dig + i * SLTD_DIGEST_SIZE);
        if ((i + 1) % g == 0) {
            t = now_ns();
            if (s != NULL)
                s[ns++] = sample(t - prev, g);
            prev = t;
        }
    }
    *wall = prev - t0;
    return (int64_t)hits;
}

/* ---- LMDB baseline ----------------------------------------------------------------------------- */

static void die_mdb(int rc, const char *what)
{
    die("LMDB %s: %s", what, mdb_strerror(rc));
}

static int cmp_digest(const void *a, const void *b)
{
    return memcmp(a, b, SLTD_DIGEST_SIZE);
}

static void make_value(uint8_t v[LMDB_VALUE], const uint8_t *d)
{
    /* type, status, reported, expires, reporting state, a reference: 24 bytes */
    memset(v, 0, LMDB_VALUE);
    v[0] = 1; /* version */
    v[1] = 'P';
    v[2] = 1; /* stolen */
    memcpy(v + 4, d, 12);
}

static void lmdb_build(const char *dir, const uint8_t *sorted, size_t n)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_cursor *cur;
    uint8_t val[LMDB_VALUE];
    size_t i;
    int rc;

    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        die("%s: %s", dir, strerror(errno));
    if ((rc = mdb_env_create(&env)) != 0)
        die_mdb(rc, "env_create");
    if ((rc = mdb_env_set_mapsize(env, (size_t)n * 128 + ((size_t)64 << 20))) != 0)
        die_mdb(rc, "set_mapsize");
    if ((rc = mdb_env_open(env, dir, MDB_NOSYNC, 0644)) != 0)
        die_mdb(rc, dir);
    if ((rc = mdb_txn_begin(env, NULL, 0, &txn)) != 0 || (rc = mdb_dbi_open(txn, NULL, 0, &dbi)) != 0 ||
        (rc = mdb_cursor_open(txn, dbi, &cur)) != 0)
        die_mdb(rc, "begin load");
    for (i = 0; i < n; i++) {
        const uint8_t *d = sorted + i * SLTD_DIGEST_SIZE;
        MDB_val k = { SLTD_DIGEST_SIZE, (void *)d }, v = { LMDB_VALUE, val };
        if (i > 0 && memcmp(d, d - SLTD_DIGEST_SIZE, SLTD_DIGEST_SIZE) == 0)
            continue; /* (a digest collision: never seen, but MDB_APPEND would refuse it) */
        make_value(val, d);
        if ((rc = mdb_cursor_put(cur, &k, &v, MDB_APPEND)) != 0)
            die_mdb(rc, "put (append)");
    }
    mdb_cursor_close(cur);
    if ((rc = mdb_txn_commit(txn)) != 0)
        die_mdb(rc, "commit");
    if ((rc = mdb_env_sync(env, 1)) != 0)
        die_mdb(rc, "sync");
    mdb_env_close(env);
}

/* The baseline opened read-only (MDB_NOTLS): one long read transaction, and one renewed around
 * every lookup of lmdb.hit.txn. */
typedef struct lmdb_ro {
    MDB_env *env;
    MDB_txn *txn, *txn_each;
    MDB_dbi dbi;
} lmdb_ro;

static void lmdb_open_ro(lmdb_ro *l, const char *dir)
{
    int rc;

    if ((rc = mdb_env_create(&l->env)) != 0)
        die_mdb(rc, "env_create");
    if ((rc = mdb_env_open(l->env, dir, MDB_RDONLY | MDB_NOTLS, 0644)) != 0)
        die_mdb(rc, dir);
    if ((rc = mdb_txn_begin(l->env, NULL, MDB_RDONLY, &l->txn)) != 0 ||
        (rc = mdb_dbi_open(l->txn, NULL, 0, &l->dbi)) != 0 ||
        (rc = mdb_txn_begin(l->env, NULL, MDB_RDONLY, &l->txn_each)) != 0)
        die_mdb(rc, "open read transaction");
    mdb_txn_reset(l->txn_each);
}

/* lmdb.miss, lmdb.hit: mdb_get in one long read transaction; lmdb.hit.txn (w->renew): in a read
 * transaction renewed before and reset after every lookup. One sample per lookup. */
static int64_t measure_lmdb(workload *w, size_t lo, size_t hi, uint32_t *s, uint64_t *wall)
{
    MDB_txn *txn = w->txn;
    const int per_txn = w->renew;
    uint64_t t0, prev, t, sink = 0, found = 0;
    size_t i;
    int rc;

    t0 = prev = now_ns();
    for (i = lo; i < hi; i++) {
        MDB_val k = { SLTD_DIGEST_SIZE, (void *)(w->dig + i * SLTD_DIGEST_SIZE) }, v;
        if (per_txn && (rc = mdb_txn_renew(txn)) != 0)
            die_mdb(rc, "txn_renew");
        rc = mdb_get(txn, w->dbi, &k, &v);
        if (rc == 0) {
            found++;
            sink += ((const uint8_t *)v.mv_data)[2]; /* read the value, as a lookup must */
        } else if (rc != MDB_NOTFOUND) {
            die_mdb(rc, "get");
        }
        if (per_txn)
            mdb_txn_reset(txn);
        t = now_ns();
        if (s != NULL)
            s[i - lo] = sample(t - prev, 1);
        prev = t;
    }
    __asm__ volatile("" : : "r"(sink));
    *wall = prev - t0;
    return (int64_t)found;
}

static void lmdb_close_ro(lmdb_ro *l)
{
    mdb_txn_abort(l->txn_each);
    mdb_txn_abort(l->txn);
    mdb_env_close(l->env);
}

/* ---- SQLite baseline --------------------------------------------------------------------------- */
#ifdef SLTD_HAVE_SQLITE
static void die_sql(sqlite3 *h, const char *what)
{
    die("SQLite %s: %s", what, h ? sqlite3_errmsg(h) : "cannot allocate a handle");
}

static void sql_exec(sqlite3 *h, const char *sql)
{
    if (sqlite3_exec(h, sql, NULL, NULL, NULL) != SQLITE_OK)
        die_sql(h, sql);
}

static void sqlite_build(const char *path, const uint8_t *sorted, size_t n)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *st;
    uint8_t val[LMDB_VALUE];
    size_t i;

    if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
        die_sql(h, path);
    sql_exec(h, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
                "CREATE TABLE t(d BLOB PRIMARY KEY, v BLOB) WITHOUT ROWID; BEGIN");
    if (sqlite3_prepare_v2(h, "INSERT INTO t(d, v) VALUES (?1, ?2)", -1, &st, NULL) != SQLITE_OK)
        die_sql(h, "prepare insert");
    for (i = 0; i < n; i++) {
        const uint8_t *d = sorted + i * SLTD_DIGEST_SIZE;
        if (i > 0 && memcmp(d, d - SLTD_DIGEST_SIZE, SLTD_DIGEST_SIZE) == 0)
            continue;
        make_value(val, d);
        sqlite3_bind_blob(st, 1, d, SLTD_DIGEST_SIZE, SQLITE_STATIC);
        sqlite3_bind_blob(st, 2, val, LMDB_VALUE, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            die_sql(h, "insert");
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    sql_exec(h, "COMMIT");
    sqlite3_close(h);
}

/* sqlite.miss, sqlite.hit: the prepared SELECT, stepped and reset; one sample per lookup. */
static int64_t measure_sqlite(workload *w, size_t lo, size_t hi, uint32_t *s, uint64_t *wall)
{
    sqlite3_stmt *st = w->stmt;
    uint64_t t0, prev, t, sink = 0, found = 0;
    size_t i;
    int rc;

    t0 = prev = now_ns();
    for (i = lo; i < hi; i++) {
        sqlite3_bind_blob(st, 1, w->dig + i * SLTD_DIGEST_SIZE, SLTD_DIGEST_SIZE, SQLITE_STATIC);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            found++;
            sink += ((const uint8_t *)sqlite3_column_blob(st, 0))[2];
        } else if (rc != SQLITE_DONE) {
            die_sql(w->h, "select");
        }
        sqlite3_reset(st);
        t = now_ns();
        if (s != NULL)
            s[i - lo] = sample(t - prev, 1);
        prev = t;
    }
    __asm__ volatile("" : : "r"(sink));
    *wall = prev - t0;
    return (int64_t)found;
}
#endif

/* ---- machine ----------------------------------------------------------------------------------- */

static void read_line(char *out, size_t cap, const char *path, const char *prefix)
{
    char line[512];
    FILE *f = fopen(path, "r");
    size_t pl = prefix ? strlen(prefix) : 0, len;

    out[0] = '\0';
    if (f == NULL)
        return;
    while (fgets(line, sizeof line, f) != NULL) {
        char *p = line;
        if (prefix != NULL) {
            if (strncmp(line, prefix, pl) != 0)
                continue;
            p = strchr(line, ':');
            if (p == NULL)
                continue;
            p++;
            while (*p == ' ' || *p == '\t')
                p++;
        }
        len = strcspn(p, "\n");
        if (len >= cap)
            len = cap - 1;
        memcpy(out, p, len);
        out[len] = '\0';
        break;
    }
    fclose(f);
}

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* Jiffies of the whole machine from /proc/stat: total and stolen by the hypervisor. */
static void cpu_jiffies(uint64_t *total, uint64_t *steal)
{
    unsigned long long v[8] = { 0 };
    FILE *f = fopen("/proc/stat", "r");
    int i;

    *total = *steal = 0;
    if (f == NULL)
        return;
    if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
               &v[7]) == 8) {
        for (i = 0; i < 8; i++)
            *total += v[i];
        *steal = v[7];
    }
    fclose(f);
}

static double loadavg1(void)
{
    double l = -1;
    FILE *f = fopen("/proc/loadavg", "r");

    if (f != NULL) {
        if (fscanf(f, "%lf", &l) != 1)
            l = -1;
        fclose(f);
    }
    return l;
}

/* ---- output ------------------------------------------------------------------------------------ */

static const char *fmt_ns(char *buf, size_t cap, double ns)
{
    if (ns < 1000)
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
        snprintf(buf, cap, "%.1fx faster than %s", theirs / ours, vs);
    else
        snprintf(buf, cap, "%.2fx slower than %s", ours / theirs, vs);
    return buf;
}

/* What each workload is compared with, at p50. */
static const char *baseline_of(const char *name)
{
    static const char *const pairs[][2] = {
        { "sltd.miss", "lmdb.miss" },       { "sltd.hit", "lmdb.hit" },
        { "sltd.miss.batch", "sltd.miss" }, { "sltd.hit.batch", "sltd.hit" },
        { "lmdb.hit.txn", "lmdb.hit" },     { "sqlite.miss", "sltd.miss" },
        { "sqlite.hit", "sltd.hit" },       { "bloom.miss", "sltd.miss" },
        { "bloom.miss.batch", "bloom.miss" }, { "lmdb.miss", "sltd.miss" },
        { "lmdb.hit", "sltd.hit" },
    };
    size_t i;

    for (i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        if (strcmp(pairs[i][0], name) == 0)
            return pairs[i][1];
    return NULL;
}

typedef struct run_info {
    uint64_t records, queries;
    unsigned threads;
    char cpu[256], kernel[256], clocksource[64];
    long ncpu;
    uint64_t mem_bytes;
    int imported;
    double csv_s, import_s;
    uint64_t csv_bytes, data_file, data_used, filter_bytes, filter_capacity, lmdb_file, sqlite_file;
    unsigned bits_per_key;
    double open_ms, open_first_ms, fpr_target, fpr_estimate, filter_fill;
    uint64_t fp_queries, fp_count, fp_probes, fp_probe_count;
    double lmdb_load_s, sqlite_load_s;
    long peak_rss_kb;
    double total_s;
    double load_start, load_end, steal_pct;
} run_info;

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
        return;
    c = &g_checks[g_nchecks++];
    c->what = what;
    c->value = value;
    c->limit = limit;
    c->unit = unit;
    c->le = le;
    c->ok = le ? value <= limit : value >= limit;
}

static double p50_of(const char *name, unsigned threads)
{
    const result *r = find(name, threads);

    return r ? r->p50 : NAN;
}

static double ops_of(const char *name, unsigned threads)
{
    const result *r = find(name, threads);

    return r ? r->ops_per_s : NAN;
}

static double cpu_of(const char *name, unsigned threads)
{
    const result *r = find(name, threads);

    return r ? r->cpu_ns_per_op : NAN;
}

/* Throughput with T threads over 1 thread: by the wall clock (what this machine delivered), and by
 * CPU time per document (what the library allows when T cores are free: contention only). */
static double scaling(const char *name, unsigned t, int by_cpu)
{
    return by_cpu ? (double)t * cpu_of(name, 1) / cpu_of(name, t) : ops_of(name, t) / ops_of(name, 1);
}

static void evaluate(const run_info *ri)
{
    const result *m = find("sltd.miss", 1), *h = find("sltd.hit", 1);

    add_check("miss p50 <= 250 ns", p50_of("sltd.miss", 1), 250, "ns", 1);
    add_check("miss p50 speed-up over lmdb.miss p50 >= 6x", p50_of("lmdb.miss", 1) / p50_of("sltd.miss", 1), 6,
              "x", 0);
    add_check("batch miss p50 <= 80 ns/document", p50_of("sltd.miss.batch", 1), 80, "ns", 1);
    add_check("batch miss p50 <= 0.5 x single miss p50", p50_of("sltd.miss.batch", 1) / p50_of("sltd.miss", 1),
              0.5, "x", 1);
    add_check("hit p50 <= 1.25 x (sltd.digest + lmdb.hit) p50",
              p50_of("sltd.hit", 1) / (p50_of("sltd.digest", 1) + p50_of("lmdb.hit", 1)), 1.25, "x", 1);
    if (h != NULL) {
        add_check("hit p99 <= 5 us", h->p99, 5000, "ns", 1);
        add_check("hit p99.9 <= 20 us", h->p999, 20000, "ns", 1);
    }
    if (m != NULL) {
        add_check("miss p99 <= 5 us", m->p99, 5000, "ns", 1);
        add_check("miss p99.9 <= 1 us", m->p999, 1000, "ns", 1);
    }
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
        add_check("import >= 500k records/s (10 M in 20 s)", (double)ri->records / ri->import_s, 500000, "rec/s",
                  0);
        add_check("data.mdb <= 60 bytes/record", (double)ri->data_file / (double)ri->records, 60, "B", 1);
    }
    if (ri->fp_probes > 0 && ri->fpr_estimate > 0)
        add_check("filter FPR within 10 % of its fill-based estimate",
                  fabs((double)ri->fp_probe_count / (double)ri->fp_probes / ri->fpr_estimate - 1), 0.10, "", 1);
}

static void print_table(const run_info *ri)
{
    char a[32], b[32], c[32], d[32], e[32], f[32], rb[96];
    size_t i;

    printf("sltd-bench %s: %" PRIu64 " records, %" PRIu64 " queries of each kind, %u thread(s) max\n",
           sltd_version(), ri->records, ri->queries, ri->threads);
    printf("machine: %s, %ld CPUs, %.1f GiB, Linux %s, clocksource %s\n", ri->cpu, ri->ncpu,
           (double)ri->mem_bytes / (1024.0 * 1024 * 1024), ri->kernel, ri->clocksource);
    printf("timer: clock_gettime(CLOCK_MONOTONIC), %u ns per reading, subtracted from every sample;\n"
           "       per-op samples, except sltd.digest/bloom.* (mean of a group of 16) and *.batch\n"
           "       (per-document mean of one sltd_db_lookup_batch call of %d)\n",
           g_ovh, BATCH);
    if (ri->imported)
        printf("import: %" PRIu64 " records in %.2f s = %.0f records/s (feed CSV %.1f MB written in %.2f s)\n",
               ri->records, ri->import_s, (double)ri->records / ri->import_s, (double)ri->csv_bytes / 1e6,
               ri->csv_s);
    else
        printf("import: skipped (--db names an existing database)\n");
    printf("files: data.mdb %.1f MB = %.1f bytes/record (%.1f MB used); filter %.2f MB (%u bits/key, capacity "
           "%" PRIu64 ", fill %.3f)\n",
           (double)ri->data_file / 1e6, (double)ri->data_file / (double)ri->records, (double)ri->data_used / 1e6,
           (double)ri->filter_bytes / 1e6, ri->bits_per_key, ri->filter_capacity, ri->filter_fill);
    printf("baselines: LMDB data.mdb %.1f MB (loaded in %.2f s)", (double)ri->lmdb_file / 1e6, ri->lmdb_load_s);
#ifdef SLTD_HAVE_SQLITE
    printf(", SQLite %.1f MB (loaded in %.2f s)", (double)ri->sqlite_file / 1e6, ri->sqlite_load_s);
#else
    printf(", SQLite not built");
#endif
    printf("\nopen (read-only, ready to serve): %.3f ms median of 5 (first %.3f ms)\n", ri->open_ms,
           ri->open_first_ms);
    printf("filter false positives: %" PRIu64 " of %" PRIu64 " absent queries (%.4f %%); %" PRIu64 " of %" PRIu64
           " random digests = %.5f %%;\n  estimate from fill %.5f %%, configured target at capacity %.4f %%\n",
           ri->fp_count, ri->fp_queries, 100.0 * (double)ri->fp_count / (double)(ri->fp_queries ? ri->fp_queries : 1),
           ri->fp_probe_count, ri->fp_probes,
           100.0 * (double)ri->fp_probe_count / (double)(ri->fp_probes ? ri->fp_probes : 1), 100 * ri->fpr_estimate,
           100 * ri->fpr_target);
    printf("peak RSS %.1f MB (mapped database pages count); total run %.1f s\n", (double)ri->peak_rss_kb / 1024.0,
           ri->total_s);
    printf("machine load: 1-min load average %.2f at start, %.2f at end; %.1f %% of CPU time stolen by the "
           "hypervisor%s\n\n",
           ri->load_start, ri->load_end, ri->steal_pct,
           ri->load_start > 0.7
               ? "\n  WARNING: other work was running: absolute times, tails and thread scaling are disturbed"
               : "");

    printf("%-17s %3s %9s %9s %9s %9s %9s %12s %9s  %s\n", "workload", "thr", "p50", "p90", "p99", "p99.9", "max",
           "ops/s", "CPU/op", "p50 vs");
    for (i = 0; i < g_nres; i++) {
        const result *r = &g_res[i];
        const char *bn = baseline_of(r->name);
        const result *br = bn ? find(bn, 1) : NULL;
        if (r->threads > 1) {
            const result *one = find(r->name, 1);
            snprintf(rb, sizeof rb, "%.2fx the ops/s of 1 thread (%.2fx by CPU time)",
                     one ? r->ops_per_s / one->ops_per_s : 0.0, scaling(r->name, r->threads, 1));
        } else if (br != NULL) {
            fmt_ratio(rb, sizeof rb, r->p50, br->p50, bn);
        } else {
            snprintf(rb, sizeof rb, "-");
        }
        printf("%-17s %3u %9s %9s %9s %9s %9s %12.0f %9s  %s\n", r->name, r->threads, fmt_ns(a, sizeof a, r->p50),
               fmt_ns(b, sizeof b, r->p90), fmt_ns(c, sizeof c, r->p99), fmt_ns(d, sizeof d, r->p999),
               fmt_ns(e, sizeof e, r->max), r->ops_per_s, fmt_ns(f, sizeof f, r->cpu_ns_per_op), rb);
    }
    printf("\nTargets (bench/RESULTS.md, \"Targets of v0.1\"; stated for 10 M records, evaluated at this size):\n");
    for (i = 0; i < g_nchecks; i++)
        printf("  [%s] %-52s measured %.3g%s\n", g_checks[i].ok ? "met" : "NOT met", g_checks[i].what,
               g_checks[i].value, g_checks[i].unit);
}

static void print_json(const run_info *ri)
{
    size_t i;

    printf("{\"machine\": {\"cpu\": ");
    json_str(stdout, ri->cpu);
    printf(", \"cpus\": %ld, \"mem_bytes\": %" PRIu64 ", \"kernel\": ", ri->ncpu, ri->mem_bytes);
    json_str(stdout, ri->kernel);
    printf(", \"clocksource\": ");
    json_str(stdout, ri->clocksource);
    printf(", \"compiler\": ");
    json_str(stdout, __VERSION__);
    printf(", \"sltd\": \"%s\", \"lmdb\": ", sltd_version());
    json_str(stdout, mdb_version(NULL, NULL, NULL));
#ifdef SLTD_HAVE_SQLITE
    printf(", \"sqlite\": \"%s\"", sqlite3_libversion());
#else
    printf(", \"sqlite\": null");
#endif
    printf(", \"load_avg_start\": %.2f, \"load_avg_end\": %.2f, \"steal_pct\": %.2f", ri->load_start, ri->load_end,
           ri->steal_pct);
    printf(", \"clock_overhead_ns\": %u, \"timing\": \"clock_gettime(CLOCK_MONOTONIC) per op, overhead "
           "subtracted; groups of 16 for sltd.digest and bloom.*; per-document mean of a call of %d for "
           "*.batch\"},\n",
           g_ovh, BATCH);
    printf(" \"records\": %" PRIu64 ", \"queries\": %" PRIu64 ", \"threads\": %u,\n", ri->records, ri->queries,
           ri->threads);
    if (ri->imported)
        printf(" \"import\": {\"seconds\": %.4f, \"records_per_s\": %.0f, \"csv_bytes\": %" PRIu64
               ", \"csv_seconds\": %.4f, ",
               ri->import_s, (double)ri->records / ri->import_s, ri->csv_bytes, ri->csv_s);
    else
        printf(" \"import\": {\"seconds\": null, ");
    printf("\"data_file_bytes\": %" PRIu64 ", \"data_used_bytes\": %" PRIu64 ", \"bytes_per_record\": %.2f, "
           "\"filter_bytes\": %" PRIu64 ", \"filter_capacity\": %" PRIu64 ", \"filter_bits_per_key\": %u},\n",
           ri->data_file, ri->data_used, (double)ri->data_file / (double)ri->records, ri->filter_bytes,
           ri->filter_capacity, ri->bits_per_key);
    printf(" \"open_ms\": %.4f, \"open_first_ms\": %.4f,\n", ri->open_ms, ri->open_first_ms);
    printf(" \"fpr\": {\"absent_queries\": %" PRIu64 ", \"false_positives\": %" PRIu64 ", \"measured\": %.8g, "
           "\"random_probes\": %" PRIu64 ", \"random_false_positives\": %" PRIu64 ", \"measured_random\": %.8g, "
           "\"estimate\": %.8g, \"target\": %.8g, \"fill\": %.6f, "
           "\"method\": \"a replica of the library's blocked filter over the same digests\"},\n",
           ri->fp_queries, ri->fp_count, (double)ri->fp_count / (double)(ri->fp_queries ? ri->fp_queries : 1),
           ri->fp_probes, ri->fp_probe_count,
           (double)ri->fp_probe_count / (double)(ri->fp_probes ? ri->fp_probes : 1), ri->fpr_estimate,
           ri->fpr_target, ri->filter_fill);
    printf(" \"baselines\": {\"lmdb_file_bytes\": %" PRIu64 ", \"lmdb_load_seconds\": %.4f, "
           "\"sqlite_file_bytes\": %" PRIu64 ", \"sqlite_load_seconds\": %.4f},\n",
           ri->lmdb_file, ri->lmdb_load_s, ri->sqlite_file, ri->sqlite_load_s);
    printf(" \"peak_rss_kb\": %ld, \"total_seconds\": %.2f,\n", ri->peak_rss_kb, ri->total_s);
    printf(" \"results\": [\n");
    for (i = 0; i < g_nres; i++) {
        const result *r = &g_res[i];
        printf("  {\"name\": \"%s\", \"records\": %" PRIu64 ", \"threads\": %u, \"p50_ns\": %.0f, \"p90_ns\": %.0f, "
               "\"p99_ns\": %.0f, \"p999_ns\": %.0f, \"max_ns\": %.0f, \"ops_per_s\": %.0f, "
               "\"cpu_ns_per_op\": %.1f, \"samples\": %zu, \"timing\": \"%s\"}%s\n",
               r->name, ri->records, r->threads, r->p50, r->p90, r->p99, r->p999, r->max, r->ops_per_s,
               r->cpu_ns_per_op, r->samples, r->timing, i + 1 < g_nres ? "," : "");
    }
    printf(" ],\n \"scaling\": {");
    if (ri->threads > 1)
        printf("\"threads\": %u, \"sltd.miss\": {\"wall\": %.3f, \"cpu\": %.3f}, "
               "\"sltd.hit\": {\"wall\": %.3f, \"cpu\": %.3f}",
               ri->threads, scaling("sltd.miss", ri->threads, 0), scaling("sltd.miss", ri->threads, 1),
               scaling("sltd.hit", ri->threads, 0), scaling("sltd.hit", ri->threads, 1));
    printf("},\n \"targets\": [\n");
    for (i = 0; i < g_nchecks; i++)
        printf("  {\"what\": \"%s\", \"value\": %.6g, \"limit\": %.6g, \"met\": %s}%s\n", g_checks[i].what,
               g_checks[i].value, g_checks[i].limit, g_checks[i].ok ? "true" : "false",
               i + 1 < g_nchecks ? "," : "");
    printf(" ]}\n");
}

static void write_cdf(const char *path)
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

/* ---- the database under test -------------------------------------------------------------------- */

static void write_feed(const char *path, uint64_t n, uint64_t *bytes)
{
    static const char *const status[] = { "stolen", "stolen", "lost", "stolen", "revoked" };
    FILE *f = fopen(path, "w");
    char line[128];
    uint64_t i;
    doc d;
    int len;

    if (f == NULL)
        die("%s: %s", path, strerror(errno));
    setvbuf(f, NULL, _IOFBF, 1 << 20);
    fputs("state,number,type,status,reported,reference\n", f);
    for (i = 0; i < n; i++) {
        uint64_t h = mix(i, SEED_PRESENT ^ 0xfeed);
        make_doc(&d, i, 1);
        len = snprintf(line, sizeof line, "%s,%s,P,%s,20%02u-%02u-%02u,R%08" PRIX32 "\n", d.state, d.number,
                       status[h % 5], 15 + (unsigned)(h >> 8) % 10, 1 + (unsigned)(h >> 16) % 12,
                       1 + (unsigned)(h >> 24) % 28, (uint32_t)(h >> 32));
        fwrite(line, 1, (size_t)len, f);
    }
    if (fflush(f) != 0 || ferror(f))
        die("%s: %s", path, strerror(errno));
    *bytes = (uint64_t)ftell(f);
    fclose(f);
}

static int dir_exists(const char *p)
{
    struct stat st;

    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* ---- command line ------------------------------------------------------------------------------ */

static void usage(FILE *f)
{
    fputs("usage: sltd-bench [--records N] [--queries Q] [--threads T] [--rounds R] [--db DIR] [--json]\n"
          "                  [--cdf FILE] [--bits-per-key B] [--keep]\n"
          "\n"
          "Measures sltd lookups (single and batch, misses and hits, 1..T threads), the Bloom filter alone\n"
          "and the baselines a team would write instead (a bare LMDB lookup of the same digests, SQLite),\n"
          "in one run: p50/p90/p99/p99.9/max per document and throughput, import speed, open time, the\n"
          "filter's false-positive rate, file sizes and peak RSS.\n"
          "\n"
          "  --records N       synthetic database size (default 1000000)\n"
          "  --queries Q       absent and present queries each (default 1000000)\n"
          "  --threads T       measure 1..T threads sharing one handle (default: number of CPUs)\n"
          "  --rounds R        interleave the single-threaded workloads in R rounds, each over the next\n"
          "                    1/R of the queries, so that load drift hits all alike (1..1024, default 16;\n"
          "                    1: one workload after another)\n"
          "  --db DIR          use (or create and keep) the database DIR; its key is DIR.key.\n"
          "                    An existing DIR must have been built by sltd-bench with the same --records.\n"
          "  --json            print one JSON object instead of the table\n"
          "  --cdf FILE        write latency quantiles of every workload as TSV (for bench/plot.sh)\n"
          "  --bits-per-key B  filter size when the database is created (default: the library's)\n"
          "  --keep            keep the temporary directory (its path is printed on stderr)\n"
          "  --verbose         report each phase on stderr (default when stderr is a terminal)\n"
          "  --quiet, -q       no progress on stderr, whatever it is\n"
          "  --version, -V     print the version and exit\n"
          "  --help, -h        this text\n"
          "\n"
          "Exit status: 0 done, 2 bad usage, 3 error (or a wrong lookup answer).\n",
          f);
}

static uint64_t parse_u64(const char *opt, const char *s, uint64_t lo, uint64_t hi)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v < lo || v > hi) {
        fprintf(stderr, "sltd-bench: %s: '%s' is not a number in %" PRIu64 "..%" PRIu64 "\n", opt, s, lo, hi);
        exit(EXIT_USAGE);
    }
    return (uint64_t)v;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "records", required_argument, NULL, 'n' },      { "queries", required_argument, NULL, 'u' },
        { "threads", required_argument, NULL, 't' },      { "db", required_argument, NULL, 'd' },
        { "json", no_argument, NULL, 'j' },               { "cdf", required_argument, NULL, 'c' },
        { "bits-per-key", required_argument, NULL, 'b' }, { "keep", no_argument, NULL, 'k' },
        { "help", no_argument, NULL, 'h' },               { "verbose", no_argument, NULL, 'v' },
        { "rounds", required_argument, NULL, 'r' },       { "version", no_argument, NULL, 'V' },
        { "quiet", no_argument, NULL, 'q' },
        { NULL, 0, NULL, 0 },
    };
    run_info ri;
    const char *dbdir_opt = NULL, *cdf = NULL;
    char tmpl[4096], dbdir[4096], keypath[4096], feed[4096], lmdbdir[4096], path[4096];
    const char *tmpbase;
    unsigned bits_per_key = 0, rounds = 16;
    int json = 0, opt, rc, existing = 0, quiet = 0;
    uint64_t t_start = now_ns(), t0, jt0, js0, jt1, js1;
    size_t nq, i, N;
    sltd_options o = SLTD_OPTIONS_INIT;
    sltd_db *db = NULL;
    sltd_stats st = SLTD_STATS_INIT;
    doc *absent, *present;
    sltd_query *qa, *qp;
    uint8_t *dig_all, *dig_absent, *dig_present;
    uint32_t *s;
    struct utsname un;
    struct rusage ru;
    bloom bf;
    lmdb_ro l;
#ifdef SLTD_HAVE_SQLITE
    sqlite3 *sq = NULL;
    sqlite3_stmt *stmt;
#endif

    memset(&ri, 0, sizeof ri);
    ri.records = 1000000;
    ri.queries = 1000000;
    ri.ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    ri.threads = ri.ncpu > 1 ? (unsigned)ri.ncpu : 1;
    while ((opt = getopt_long(argc, argv, "hVq", longopts, NULL)) != -1) {
        switch (opt) {
        case 'n': ri.records = parse_u64("--records", optarg, 1, (uint64_t)1 << 40); break;
        case 'u': ri.queries = parse_u64("--queries", optarg, 1, (uint64_t)1 << 32); break;
        case 't': ri.threads = (unsigned)parse_u64("--threads", optarg, 1, MAX_THREADS); break;
        case 'r': rounds = (unsigned)parse_u64("--rounds", optarg, 1, 1024); break;
        case 'd': dbdir_opt = optarg; break;
        case 'j': json = 1; break;
        case 'c': cdf = optarg; break;
        case 'b': bits_per_key = (unsigned)parse_u64("--bits-per-key", optarg, 4, 64); break;
        case 'k': g_keep = 1; break;
        case 'v': g_progress = 1; break;
        case 'q': quiet = 1; break;
        case 'V': printf("sltd-bench %s\n", sltd_version()); return fflush(stdout) == 0 && !ferror(stdout) ? 0 : EXIT_ERROR;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "sltd-bench: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return EXIT_USAGE;
    }
    if (sltd_version_number() != SLTD_VERSION_NUMBER) {
        fprintf(stderr, "sltd-bench: built for sltd %s but running with %s\n", SLTD_VERSION_STRING, sltd_version());
        return EXIT_ERROR;
    }
    g_progress = !quiet && (g_progress || isatty(STDERR_FILENO));
    g_t_start = t_start;
    ri.load_start = loadavg1();
    cpu_jiffies(&jt0, &js0);
    N = (size_t)ri.records;
    nq = (size_t)ri.queries;
    init_quantiles();

    /* machine */
    read_line(ri.cpu, sizeof ri.cpu, "/proc/cpuinfo", "model name");
    read_line(ri.clocksource, sizeof ri.clocksource, "/sys/devices/system/clocksource/clocksource0/current_clocksource",
              NULL);
    if (uname(&un) == 0)
        snprintf(ri.kernel, sizeof ri.kernel, "%s", un.release);
    ri.mem_bytes = (uint64_t)sysconf(_SC_PHYS_PAGES) * (uint64_t)sysconf(_SC_PAGESIZE);
    g_ovh = clock_overhead_ns();

    /* a private temporary directory for everything but a --db database */
    tmpbase = getenv("TMPDIR");
    if (tmpbase == NULL || tmpbase[0] == '\0')
        tmpbase = "/tmp";
    if ((size_t)snprintf(tmpl, sizeof tmpl, "%s/sltd-bench.XXXXXX", tmpbase) >= sizeof tmpl || mkdtemp(tmpl) == NULL)
        die("cannot create a temporary directory under %s: %s", tmpbase, strerror(errno));
    g_cleanup_dir = tmpl;
    if (g_keep)
        fprintf(stderr, "sltd-bench: working directory %s (kept)\n", tmpl);
    join(lmdbdir, sizeof lmdbdir, tmpl, "lmdb");
    join(feed, sizeof feed, tmpl, "feed.csv");
    if (dbdir_opt != NULL) {
        snprintf(dbdir, sizeof dbdir, "%s", dbdir_opt);
        o.key_path = NULL; /* DIR.key, as the CLI */
        existing = dir_exists(dbdir);
    } else {
        join(dbdir, sizeof dbdir, tmpl, "db");
        join(keypath, sizeof keypath, tmpl, "sltd.key");
        o.key_path = keypath;
    }
    o.bits_per_key = bits_per_key;

    /* 1. the database: feed CSV, import */
    if (!existing) {
        sltd_import_report rep = SLTD_IMPORT_REPORT_INIT;
        progress("writing a feed of %zu records", N);
        t0 = now_ns();
        write_feed(feed, ri.records, &ri.csv_bytes);
        ri.csv_s = (double)(now_ns() - t0) / 1e9;
        o.flags = SLTD_OPEN_CREATE;
        if ((rc = sltd_db_open(&db, dbdir, &o)) != SLTD_OK)
            die_sltd(rc, dbdir);
        progress("importing");
        t0 = now_ns();
        if ((rc = sltd_db_import_feed(&rep, db, feed, 0)) != SLTD_OK)
            die_sltd(rc, "sltd_db_import_feed");
        ri.import_s = (double)(now_ns() - t0) / 1e9;
        ri.imported = 1;
        if (rep.added != ri.records)
            die("import added %" PRIu64 " records, expected %" PRIu64, rep.added, ri.records);
        sltd_db_close(db);
        db = NULL;
        remove(feed);
    } else if (bits_per_key != 0) {
        fprintf(stderr, "sltd-bench: --bits-per-key ignored: %s exists\n", dbdir);
    }

    /* 2. open time: read-only, ready to serve (median of 5 opens) */
    {
        double t[5], tmp;
        int a, b;
        o.flags = SLTD_OPEN_READONLY;
        for (a = 0; a < 5; a++) {
            if (db != NULL)
                sltd_db_close(db);
            t0 = now_ns();
            if ((rc = sltd_db_open(&db, dbdir, &o)) != SLTD_OK)
                die_sltd(rc, dbdir);
            t[a] = (double)(now_ns() - t0) / 1e6;
        }
        ri.open_first_ms = t[0];
        for (a = 0; a < 5; a++)
            for (b = a + 1; b < 5; b++)
                if (t[b] < t[a]) {
                    tmp = t[a];
                    t[a] = t[b];
                    t[b] = tmp;
                }
        ri.open_ms = t[2];
    }
    st.version = SLTD_STATS_VERSION;
    if ((rc = sltd_db_stats_get(&st, db)) != SLTD_OK)
        die_sltd(rc, "sltd_db_stats_get");
    if (st.documents != ri.records) {
        fprintf(stderr, "sltd-bench: %s holds %" PRIu64 " documents, not %" PRIu64 " (--records)\n", dbdir,
                st.documents, ri.records);
        if (!g_keep)
            remove_tree(tmpl);
        return EXIT_USAGE;
    }
    if (st.filter_state != SLTD_FILTER_OK)
        die("%s: the filter is not in use (bypass): lookups would all go to LMDB", dbdir);
    join(path, sizeof path, dbdir, "data.mdb");
    ri.data_file = file_size(path);
    ri.data_used = st.data_bytes;
    ri.filter_bytes = st.filter_bytes;
    ri.filter_capacity = st.filter_capacity;
    ri.bits_per_key = st.filter_bits_per_key;
    ri.fpr_target = st.filter_fpr_target;
    ri.fpr_estimate = st.filter_fpr_estimate;
    ri.filter_fill = st.filter_fill;

    /* 3. queries and digests, all made before any timing */
    progress("making queries and digests");
    absent = xmalloc(nq * sizeof *absent);
    present = xmalloc(nq * sizeof *present);
    qa = xmalloc(nq * sizeof *qa);
    qp = xmalloc(nq * sizeof *qp);
    dig_absent = xmalloc(nq * SLTD_DIGEST_SIZE);
    dig_present = xmalloc(nq * SLTD_DIGEST_SIZE);
    dig_all = xmalloc(N * SLTD_DIGEST_SIZE);
    s = xmalloc_touched(nq * sizeof *s);
    {
        uint64_t seed = SEED_HITS;
        for (i = 0; i < nq; i++) {
            make_doc(&absent[i], i, 0);
            make_doc(&present[i], splitmix64(&seed) % ri.records, 1);
            qa[i] = (sltd_query){ absent[i].state, absent[i].number, NULL };
            qp[i] = (sltd_query){ present[i].state, present[i].number, NULL };
            if ((rc = sltd_db_digest(dig_absent + i * SLTD_DIGEST_SIZE, db, absent[i].state, absent[i].number)) != 0 ||
                (rc = sltd_db_digest(dig_present + i * SLTD_DIGEST_SIZE, db, present[i].state, present[i].number)) != 0)
                die_sltd(rc, "sltd_db_digest");
        }
        for (i = 0; i < N; i++) {
            doc d;
            make_doc(&d, i, 1);
            if ((rc = sltd_db_digest(dig_all + i * SLTD_DIGEST_SIZE, db, d.state, d.number)) != 0)
                die_sltd(rc, "sltd_db_digest");
        }
    }

    /* 4. the filter alone (a replica), and its false-positive rate */
    progress("filter replica");
    bloom_init(&bf, st.filter_capacity, st.filter_bits_per_key, dig_all, N);
    if (bf.nblocks * 64 > st.filter_bytes || st.filter_bytes - bf.nblocks * 64 > 65536)
        fprintf(stderr, "sltd-bench: warning: the filter file (%" PRIu64 " bytes) does not match the replica's "
                        "geometry (%" PRIu64 " blocks): bloom.* figures may not mirror the library\n",
                st.filter_bytes, bf.nblocks);
    for (i = 0; i < nq; i++)
        if (!bloom_test(&bf, dig_present + i * SLTD_DIGEST_SIZE))
            die("internal: the filter replica misses a present digest");
    ri.fp_queries = nq;
    for (i = 0; i < nq; i++)
        ri.fp_count += (uint64_t)bloom_test(&bf, dig_absent + i * SLTD_DIGEST_SIZE);
    {
        uint64_t seed = SEED_PROBES, r[2];
        ri.fp_probes = FPR_PROBES;
        for (i = 0; i < FPR_PROBES; i++) {
            r[0] = splitmix64(&seed);
            r[1] = splitmix64(&seed);
            ri.fp_probe_count += (uint64_t)bloom_test(&bf, (const uint8_t *)r);
        }
    }

    /* 5. the LMDB baseline */
    progress("LMDB baseline: loading");
    t0 = now_ns();
    qsort(dig_all, N, SLTD_DIGEST_SIZE, cmp_digest);
    lmdb_build(lmdbdir, dig_all, N);
    ri.lmdb_load_s = (double)(now_ns() - t0) / 1e9;
    join(path, sizeof path, lmdbdir, "data.mdb");
    ri.lmdb_file = file_size(path);
    lmdb_open_ro(&l, lmdbdir);

    /* 6. the SQLite baseline */
#ifdef SLTD_HAVE_SQLITE
    progress("SQLite baseline: loading");
    join(path, sizeof path, tmpl, "sqlite.db");
    t0 = now_ns();
    sqlite_build(path, dig_all, N);
    ri.sqlite_load_s = (double)(now_ns() - t0) / 1e9;
    ri.sqlite_file = file_size(path);
    if (sqlite3_open_v2(path, &sq, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        die_sql(sq, path);
    /* A tuned reader: the file mapped (like LMDB), one read transaction for the whole run. */
    sql_exec(sq, "PRAGMA mmap_size=2147418112; BEGIN");
    if (sqlite3_prepare_v2(sq, "SELECT v FROM t WHERE d = ?1", -1, &stmt, NULL) != SQLITE_OK)
        die_sql(sq, "prepare select");
#endif

    /* 7. the single-threaded workloads, interleaved in rounds; then sltd with 2..T threads */
    {
        workload wl[] = {
            { .name = "sltd.digest", .measure = measure_digest, .per = GROUP, .present = -1, .db = db, .docs = absent },
            { .name = "sltd.miss", .measure = measure_sltd, .per = 1, .present = 0, .db = db, .docs = absent },
            { .name = "sltd.hit", .measure = measure_sltd, .per = 1, .present = 1, .db = db, .docs = present },
            { .name = "sltd.miss.batch", .measure = measure_sltd_batch, .per = BATCH, .present = 0, .db = db,
              .queries = qa },
            { .name = "sltd.hit.batch", .measure = measure_sltd_batch, .per = BATCH, .present = 1, .db = db,
              .queries = qp },
            { .name = "bloom.miss", .measure = measure_bloom, .per = GROUP, .present = -1, .bf = &bf,
              .dig = dig_absent },
            { .name = "bloom.miss.batch", .measure = measure_bloom_batch, .per = GROUP, .present = -1, .bf = &bf,
              .dig = dig_absent },
            { .name = "lmdb.miss", .measure = measure_lmdb, .per = 1, .present = 0, .dig = dig_absent, .txn = l.txn,
              .dbi = l.dbi },
            { .name = "lmdb.hit", .measure = measure_lmdb, .per = 1, .present = 1, .dig = dig_present, .txn = l.txn,
              .dbi = l.dbi },
            { .name = "lmdb.hit.txn", .measure = measure_lmdb, .per = 1, .present = 1, .dig = dig_present,
              .txn = l.txn_each, .dbi = l.dbi, .renew = 1 },
#ifdef SLTD_HAVE_SQLITE
            { .name = "sqlite.miss", .measure = measure_sqlite, .per = 1, .present = 0, .dig = dig_absent, .h = sq,
              .stmt = stmt },
            { .name = "sqlite.hit", .measure = measure_sqlite, .per = 1, .present = 1, .dig = dig_present, .h = sq,
              .stmt = stmt },
#endif
        };
        const unsigned nw = sizeof wl / sizeof wl[0];
        unsigned j, t;

        for (j = 0; j < nw; j++)
            workload_init(&wl[j], nq, ri.records);
        progress("%u single-threaded workloads: warm-up, then %u rounds", nw, rounds);
        run_interleaved(wl, nw, rounds);
        /* results in the usual order: sltd's, its thread runs, then the filter and the baselines */
        for (j = 0; j < nw && strncmp(wl[j].name, "sltd.", 5) == 0; j++)
            workload_record(&wl[j]);
        if (ri.threads > 1)
            progress("sltd with 2..%u threads", ri.threads);
        for (t = 2; t <= ri.threads; t++) {
            run_sltd_threads("sltd.miss", db, absent, nq, s, 0, t);
            run_sltd_threads("sltd.hit", db, present, nq, s, 1, t);
        }
        for (; j < nw; j++)
            workload_record(&wl[j]);
    }
    free(bf.words);
    lmdb_close_ro(&l);
#ifdef SLTD_HAVE_SQLITE
    sqlite3_finalize(stmt);
    sql_exec(sq, "COMMIT");
    sqlite3_close(sq);
#endif

    /* 8. report */
    sltd_db_close(db);
    getrusage(RUSAGE_SELF, &ru);
    ri.peak_rss_kb = ru.ru_maxrss;
    ri.total_s = (double)(now_ns() - t_start) / 1e9;
    ri.load_end = loadavg1();
    cpu_jiffies(&jt1, &js1);
    ri.steal_pct = jt1 > jt0 ? 100.0 * (double)(js1 - js0) / (double)(jt1 - jt0) : 0.0;
    evaluate(&ri);
    if (cdf != NULL)
        write_cdf(cdf);
    if (json)
        print_json(&ri);
    else
        print_table(&ri);
    if (fflush(stdout) != 0)
        die("stdout: %s", strerror(errno));

    for (i = 0; i < g_nres; i++)
        free(g_res[i].quant);
    free(absent);
    free(present);
    free(qa);
    free(qp);
    free(dig_absent);
    free(dig_present);
    free(dig_all);
    free(s);
    if (!g_keep)
        remove_tree(tmpl);
    return 0;
}
