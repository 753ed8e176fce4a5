/* SPDX-License-Identifier: Apache-2.0 */
/* bench.h — what the parts of sltd-bench share: the plumbing (errors, memory, clocks), the synthetic
 * documents, the workload interface that every measured thing implements, the results store, and the
 * entry points of each part. Each .c file under bench/ states its one job at its top:
 *
 *   sltd-bench.c   the command line and the phases of a run
 *   util.c         errors, memory, clocks, files
 *   machine.c      what the machine is and how loaded it was
 *   docs.c         deterministic synthetic documents and the feed CSV made from them
 *   runner.c       interleaved rounds over the single-threaded workloads; samples into results
 *   workloads.c    the sltd workloads: the public API, single, batch and threaded
 *   floors.c       the floors: an empty loop, digest + one filter-block access, one DRAM access
 *   bfilter.c      a plain blocked Bloom filter, independent of the library's: the probe's floor
 *   baseline_lmdb.c   a bare LMDB environment holding sltd's own record bytes
 *   baseline_sqlite.c the same records in SQLite (when built with it)
 *   report.c       targets, the table, the JSON and the latency quantiles
 *   compare.c      --compare: ratios of each figure against an earlier run's JSON
 *
 * Only the public header of sltd is used; LMDB and SQLite directly, for the baselines. */
#ifndef SLTD_BENCH_H
#define SLTD_BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "sltd.h"

#define EXIT_USAGE 2
#define EXIT_ERROR 3

#define BATCH 64         /* documents per sltd_db_lookup_batch call (and per chunk of the batch floor) */
#define GROUP 16         /* operations per timed group for the fastest workloads */
#define MAX_RESULTS 40
#define MAX_THREADS 256

/* ---- plumbing (util.c) -------------------------------------------------------------------------- */

void bench_cleanup_on_error(const char *dir, int keep);
__attribute__((format(printf, 1, 2), noreturn)) void die(const char *fmt, ...);
__attribute__((format(printf, 1, 2), noreturn)) void die_usage(const char *fmt, ...);
__attribute__((noreturn)) void die_sltd(int rc, const char *what);
void *xmalloc(size_t n);
void *xmalloc_touched(size_t n);
void progress_enable(int on);
__attribute__((format(printf, 1, 2))) void progress(const char *fmt, ...);
void remove_tree(const char *dir);
uint64_t file_size(const char *path);
int dir_exists(const char *path);
void join(char *out, size_t cap, const char *a, const char *b);
uint64_t parse_u64(const char *opt, const char *s, uint64_t lo, uint64_t hi);
int cmp_u32(const void *a, const void *b);

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

/* The cost of one clock reading (measured once at start), subtracted from every sample. */
extern uint32_t g_clock_ns;
uint32_t clock_overhead_ns(void);

/* One sample: `delta` ns for `ops` operations, net of one clock reading, per operation. */
static inline uint32_t sample(uint64_t delta, unsigned ops)
{
    uint64_t v = delta > g_clock_ns ? delta - g_clock_ns : 0;

    v /= ops;
    return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* The timing loop every measure function shares: tick(&t, ops) after each sample's operations. */
typedef struct timer {
    uint64_t t0, prev;
    uint32_t *s; /* where samples go; NULL: an untimed warm-up */
    size_t ns;
    unsigned per, left; /* tick_group: operations per sample, and still to go in this one */
} timer;

static inline void timer_start(timer *t, uint32_t *s, unsigned per)
{
    t->s = s;
    t->ns = 0;
    t->per = t->left = per;
    t->t0 = t->prev = now_ns();
}

static inline void tick(timer *t, unsigned ops)
{
    const uint64_t now = now_ns();

    if (t->s != NULL)
        t->s[t->ns++] = sample(now - t->prev, ops);
    t->prev = now;
}

/* For workloads timed in groups: after each operation; a sample after every t->per of them (a count
 * down, not a division, which would cost more than some of the operations it times). */
static inline void tick_group(timer *t)
{
    if (--t->left == 0) {
        tick(t, t->per);
        t->left = t->per;
    }
}

/* Wall time from the first clock reading to the last. */
static inline uint64_t timer_wall(const timer *t)
{
    return t->prev - t->t0;
}

/* A value the compiler must assume is used (keeps measured work from being optimised away). */
static inline void keep(uint64_t v)
{
    __asm__ volatile("" : : "r"(v));
}

/* 0, opaque to the compiler: `x & g_zero` makes an address depend on a previous answer. */
extern volatile size_t g_zero;

/* ---- the machine (machine.c) -------------------------------------------------------------------- */

typedef struct machine {
    char cpu[256], kernel[256], clocksource[64];
    long ncpu;
    uint64_t mem_bytes;
    double load_start, load_end, steal_pct;
    uint64_t jiffies0, steal0;
} machine;

void machine_describe(machine *m);
void machine_finish(machine *m);

/* ---- synthetic documents (docs.c) --------------------------------------------------------------- */

typedef struct doc {
    char state[4];
    char number[12];
} doc;

void make_doc(doc *d, uint64_t i, int present);
void write_feed(const char *path, uint64_t n, uint64_t *bytes);

/* The queries of a run, all made before any timing: nq absent and nq present documents, as docs, as
 * batch queries, and their digests. */
typedef struct inputs {
    sltd_db *db;
    size_t nq;
    uint64_t records;
    doc *absent, *present;
    sltd_query *qa, *qp;
    uint8_t *dig_absent, *dig_present;
} inputs;

void inputs_make(inputs *in, sltd_db *db, size_t nq, uint64_t records);
void inputs_free(inputs *in);

/* ---- workloads and results (runner.c) ----------------------------------------------------------- */

typedef struct workload workload;

/* Runs operations [lo, hi) of w, one sample per w->per of them into s[0], s[1], ... (none if s is NULL:
 * the warm-up); sets *wall to the time from the first clock reading to the last and returns the
 * documents reported listed (or anything, for workloads whose answers are not checked). */
typedef int64_t measure_fn(const workload *w, size_t lo, size_t hi, uint32_t *s, uint64_t *wall);

/* One single-threaded workload: what it measures, and its totals over the slices measured so far. */
struct workload {
    const char *name;
    measure_fn *measure;
    const void *ctx; /* what the measure function works on */
    unsigned per;    /* operations per sample: 1, GROUP, or BATCH (the last call may be shorter) */
    int present;     /* 1: every document must be reported listed; 0: none may be; -1: not checked */
    /* set by the runner */
    const char *timing;
    size_t n, warm;
    uint32_t *s;
    uint64_t wall, cpu;
    int64_t listed;
};

typedef struct result {
    char name[32];
    unsigned threads;
    const char *timing; /* how one sample was taken */
    size_t samples;
    uint64_t ops;
    double p50, p90, p99, p999, max, ops_per_s;
    double cpu_ns_per_op; /* CPU time per document (all threads), net of clock readings */
    uint32_t *quant;      /* NQ values, for --cdf */
} result;

#define NQ_MAIN 1001 /* quantiles 0, 0.001, ..., 1 */
#define NQ_TAIL 18   /* 0.9991..0.9999 and 0.99991..0.99999 */
#define NQ (NQ_MAIN + NQ_TAIL)

extern result g_res[MAX_RESULTS];
extern size_t g_nres;
extern double g_quantile[NQ];

void results_init(void);
void results_free(void);
const result *result_find(const char *name, unsigned threads);
result *result_record(const char *name, unsigned threads, const char *timing, uint32_t *s, size_t n, uint64_t ops,
                      uint64_t wall_ns, uint64_t clock_reads, uint64_t cpu_ns, uint64_t cpu_reads);
void check_listed(const char *what, int64_t listed, size_t n, int present);
void run_interleaved(workload *wl, unsigned nw, unsigned rounds, size_t nq, uint64_t records);
void workload_record(workload *w);

/* ---- the parts that provide workloads ----------------------------------------------------------- */

/* Where copy_records() sends each of sltd's records (digest, record bytes). */
typedef void record_sink(void *ctx, const uint8_t key[SLTD_DIGEST_SIZE], const void *val, size_t len);

/* workloads.c: sltd.digest, sltd.miss, sltd.hit, sltd.miss.batch, sltd.hit.batch */
unsigned sltd_workloads(workload *out, const inputs *in);
void run_sltd_threads(const char *name, sltd_db *db, const doc *q, size_t n, uint32_t *s, int present,
                      unsigned nthreads);

/* bfilter.c: the independent filter and bloom.miss, bloom.miss.batch */
typedef struct bfilter bfilter;
bfilter *bfilter_new(uint64_t bits);
int bfilter_test(const bfilter *f, const uint8_t d[SLTD_DIGEST_SIZE]);
const void *bfilter_block(const bfilter *f, const uint8_t d[SLTD_DIGEST_SIZE]);
uint64_t bfilter_bytes(const bfilter *f);
void bfilter_free(bfilter *f);
void bfilter_put(void *ctx, const uint8_t key[SLTD_DIGEST_SIZE], const void *val, size_t len);
unsigned bfilter_workloads(workload *out, const bfilter *f, const inputs *in);

/* floors.c: floor.loop, floor.digest_probe, floor.digest_probe.batch, floor.dram */
#define DRAM_BYTES ((size_t)256 << 20)
typedef struct floors floors;
floors *floors_new(const inputs *in, const bfilter *f, int with_dram);
void floors_free(floors *fl);
unsigned floor_workloads(workload *out, const floors *fl);

/* baseline_lmdb.c: sltd's records copied, byte for byte, into a bare LMDB environment; lmdb.miss,
 * lmdb.hit, lmdb.hit.txn. The copy also feeds the other baselines through `sink`. */
typedef struct copy_sink {
    record_sink *put;
    void *ctx;
} copy_sink;
uint64_t copy_records(const char *sltd_dir, uint64_t expect, const copy_sink *sinks, unsigned nsinks);

typedef struct lmdb_base lmdb_base;
lmdb_base *lmdb_base_create(const char *dir, uint64_t map_bytes);
void lmdb_base_put(void *ctx, const uint8_t key[SLTD_DIGEST_SIZE], const void *val, size_t len);
void lmdb_base_open(lmdb_base *l); /* after the load: commits it and opens the read side */
uint64_t lmdb_base_file(const lmdb_base *l);
unsigned lmdb_workloads(workload *out, lmdb_base *l, const inputs *in);
void lmdb_base_close(lmdb_base *l);
const char *lmdb_version_string(void);

/* baseline_sqlite.c (stubs without SQLite): sqlite.miss, sqlite.hit */
typedef struct sqlite_base sqlite_base;
int sqlite_available(void);
const char *sqlite_version_string(void);
sqlite_base *sqlite_base_create(const char *path);
void sqlite_base_put(void *ctx, const uint8_t key[SLTD_DIGEST_SIZE], const void *val, size_t len);
void sqlite_base_open(sqlite_base *q);
uint64_t sqlite_base_file(const sqlite_base *q);
unsigned sqlite_workloads(workload *out, sqlite_base *q, const inputs *in);
void sqlite_base_close(sqlite_base *q);

/* ---- report (report.c) and comparison (compare.c) ----------------------------------------------- */

typedef struct run_info {
    uint64_t records, queries;
    unsigned threads, rounds;
    machine m;
    int imported;
    double csv_s, import_s;
    uint64_t csv_bytes, data_file, data_used, filter_bytes, filter_capacity, lmdb_file, sqlite_file;
    unsigned bits_per_key;
    double open_ms, open_first_ms, fpr_target, fpr_estimate, filter_fill;
    double copy_s;
    uint64_t probe_filter_bytes;
    long peak_rss_kb;
    double total_s;
} run_info;

void report_evaluate(const run_info *ri);
void report_table(FILE *f, const run_info *ri);
void report_json(FILE *f, const run_info *ri);
void report_cdf(const char *path);
const char *baseline_of(const char *name);
const char *fmt_ns(char *buf, size_t cap, double ns);
void json_str(FILE *f, const char *s);

typedef struct figures figures;
figures *figures_load(const char *path); /* exits 2 with a message naming the file when unusable */
figures *figures_current(uint64_t records);
void compare_print(FILE *f, const figures *old, const figures *cur, const char *old_path);
void compare_json(FILE *f, const figures *old, const figures *cur, const char *old_path);
void figures_free(figures *fs);

#endif
