/* SPDX-License-Identifier: Apache-2.0 */
/* sltd-latency.c — how long lookups take while another process imports: the worst single lookup and
 * its tail on a long-lived read-only handle, and the same for `sltd check`-style open, look up, close,
 * during an import that replaces the filter under them. Public API only.
 *
 *   sltd-latency [--base N] [--records M] [--runs R] [--json]
 *
 * Each run: a fresh database with N documents; a feed of M new documents; then a reader process (one
 * handle, lookups in a loop, each timed) and a checker process (a handle opened for every lookup) run
 * while this process imports the feed (N + M outgrows the filter, so it is rebuilt). Every lookup is
 * checked: the N documents listed, documents never imported not listed. The same two processes are
 * first measured for 3 s with no writer, as the control: on a machine shared with other work, the
 * tail of that window is what the scheduler alone costs. Prints each run's figures and the medians
 * over the runs. Exit status: 0 done, 2 bad usage, 3 error or a wrong answer. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sltd.h"

/* A latency histogram: 16 linear buckets per power of two (at most 6 % wide), up to 2^44 ns. */
#define SUB 16
#define BUCKETS (44 * SUB)

typedef struct hist {
    uint64_t n, max, count[BUCKETS];
} hist;

typedef struct shared {
    _Atomic int phase; /* 0 warming up, 1 control (no writer), 2 importing, 3 done */
    _Atomic long wrong, errors;
    hist lookup[2], open[2]; /* [0] control, [1] import; written by the reader and the checker
                                respectively, read after they end */
    char first_wrong[64];
} shared;

static shared *sh;

static unsigned bucket_of(uint64_t v)
{
    unsigned msb;

    if (v < SUB)
        return (unsigned)v;
    msb = 63u - (unsigned)__builtin_clzll(v);
    if (msb >= 44)
        return BUCKETS - 1;
    return (msb - 3) * SUB + (unsigned)((v >> (msb - 4)) & (SUB - 1));
}

static uint64_t bucket_top(unsigned b)
{
    unsigned msb = b / SUB + 3, sub = b % SUB;

    if (b < SUB)
        return b;
    return ((uint64_t)(SUB + sub + 1) << (msb - 4)) - 1;
}

static void hist_add(hist *h, uint64_t v)
{
    h->count[bucket_of(v)]++;
    h->n++;
    if (v > h->max)
        h->max = v;
}

/* The smallest bucket bound below which a fraction q of the samples lie. */
static uint64_t hist_quantile(const hist *h, double q)
{
    uint64_t want = (uint64_t)(q * (double)h->n), seen = 0;
    unsigned b;

    for (b = 0; b < BUCKETS; b++)
        if ((seen += h->count[b]) > want)
            return bucket_top(b) < h->max ? bucket_top(b) : h->max;
    return h->max;
}

static uint64_t now_ns(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static uint64_t rnd(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int write_feed(const char *path, char prefix, unsigned long n)
{
    FILE *f = fopen(path, "w");
    unsigned long i;

    if (f == NULL)
        return -1;
    fputs("state,number,type,status,reported,reference\n", f);
    for (i = 0; i < n; i++)
        fprintf(f, "UTO,%c%08lu,P,stolen,2024-01-%02lu,R%lu\n", prefix, i, 1 + i % 28, i);
    return fclose(f) != 0 ? -1 : 0;
}

static void note_wrong(const char *num)
{
    if (atomic_fetch_add(&sh->wrong, 1) == 0)
        snprintf(sh->first_wrong, sizeof sh->first_wrong, "%s", num);
}

/* One timed lookup: a base document (listed) or one never imported (not listed). */
static uint64_t timed_lookup(sltd_db *db, unsigned long base, uint64_t *seed)
{
    uint64_t r = rnd(seed), t0, t;
    int listed = (int)(r & 1);
    char num[24];
    sltd_result res = SLTD_RESULT_INIT;
    int rc;

    snprintf(num, sizeof num, "%c%08lu", listed ? 'B' : 'Z', (unsigned long)((r >> 1) % base));
    t0 = now_ns();
    rc = sltd_db_lookup(&res, db, "UTO", num, NULL);
    t = now_ns() - t0;
    if (rc != SLTD_OK)
        atomic_fetch_add(&sh->errors, 1);
    else if (res.listed != listed)
        note_wrong(num);
    return t;
}

static int reader(const char *dir, unsigned long base)
{
    sltd_options o = SLTD_OPTIONS_INIT;
    sltd_db *db = NULL;
    uint64_t seed = 1, t;

    o.flags = SLTD_OPEN_READONLY;
    if (sltd_db_open(&db, dir, &o) != SLTD_OK)
        return 3;
    while (atomic_load(&sh->phase) < 3) {
        int ph = atomic_load_explicit(&sh->phase, memory_order_relaxed);
        t = timed_lookup(db, base, &seed);
        if (ph == 1 || ph == 2)
            hist_add(&sh->lookup[ph - 1], t);
    }
    sltd_db_close(db);
    return 0;
}

static int checker(const char *dir, unsigned long base)
{
    sltd_options o = SLTD_OPTIONS_INIT;
    uint64_t seed = 2, t0;
    sltd_db *db;

    o.flags = SLTD_OPEN_READONLY;
    while (atomic_load(&sh->phase) < 3) {
        int ph = atomic_load(&sh->phase);
        t0 = now_ns();
        db = NULL;
        if (sltd_db_open(&db, dir, &o) != SLTD_OK) {
            atomic_fetch_add(&sh->errors, 1);
            continue;
        }
        timed_lookup(db, base, &seed);
        sltd_db_close(db);
        if (ph == 1 || ph == 2)
            hist_add(&sh->open[ph - 1], now_ns() - t0);
    }
    return 0;
}

typedef struct figures {
    uint64_t lookups, lookup_p50, lookup_p99, lookup_p999, lookup_max;
    uint64_t opens, open_p50, open_p999, open_max;
} figures;

typedef struct run_result {
    double import_s;
    figures f[2]; /* [0] control, [1] during the import */
} run_result;

static void summarize(figures *out, const hist *lookup, const hist *open)
{
    out->lookups = lookup->n;
    out->lookup_p50 = hist_quantile(lookup, 0.5);
    out->lookup_p99 = hist_quantile(lookup, 0.99);
    out->lookup_p999 = hist_quantile(lookup, 0.999);
    out->lookup_max = lookup->max;
    out->opens = open->n;
    out->open_p50 = hist_quantile(open, 0.5);
    out->open_p999 = hist_quantile(open, 0.999);
    out->open_max = open->max;
}

static pid_t start(int (*fn)(const char *, unsigned long), const char *dir, unsigned long base)
{
    pid_t pid = fork();

    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        _exit(fn(dir, base));
    }
    return pid;
}

static int wait_ok(pid_t pid)
{
    int st;

    return waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static void rmtree(const char *dir)
{
    static const char *const names[] = { "data.mdb", "lock.mdb", "sltd.filter", "sltd.filter.tmp", "base.csv",
                                         "new.csv" };
    char p[4200];
    size_t i;

    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(p, sizeof p, "%s/db/%s", dir, names[i]);
        unlink(p);
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        unlink(p);
    }
    snprintf(p, sizeof p, "%s/db", dir);
    rmdir(p);
    snprintf(p, sizeof p, "%s/db.key", dir);
    unlink(p);
    rmdir(dir);
}

static int one_run(run_result *out, unsigned long base, unsigned long records)
{
    char tmpl[4096], dir[4200], basef[4200], newf[4200];
    const char *td = getenv("TMPDIR");
    sltd_options o = SLTD_OPTIONS_INIT;
    sltd_db *db = NULL;
    pid_t rd = -1, ck = -1;
    uint64_t t0;
    int rc = 3, ok;

    snprintf(tmpl, sizeof tmpl, "%s/sltd-latency-XXXXXX", td != NULL && td[0] != '\0' ? td : "/tmp");
    if (mkdtemp(tmpl) == NULL) {
        fprintf(stderr, "sltd-latency: %s: %s\n", tmpl, strerror(errno));
        return 3;
    }
    snprintf(dir, sizeof dir, "%s/db", tmpl);
    snprintf(basef, sizeof basef, "%s/base.csv", tmpl);
    snprintf(newf, sizeof newf, "%s/new.csv", tmpl);
    memset(sh, 0, sizeof *sh);
    o.flags = SLTD_OPEN_CREATE;
    if (write_feed(basef, 'B', base) != 0 || write_feed(newf, 'N', records) != 0) {
        fprintf(stderr, "sltd-latency: cannot write the feeds in %s\n", tmpl);
        goto cleanup;
    }
    if ((rc = sltd_db_open(&db, dir, &o)) != SLTD_OK || (rc = sltd_db_import_feed(NULL, db, basef, 0)) != SLTD_OK) {
        fprintf(stderr, "sltd-latency: %s: %s\n", dir, sltd_error_detail());
        rc = 3;
        goto cleanup;
    }
    rd = start(reader, dir, base);
    ck = start(checker, dir, base);
    usleep(200000); /* both warm */
    atomic_store(&sh->phase, 1);
    sleep(3);
    atomic_store(&sh->phase, 2);
    t0 = now_ns();
    rc = sltd_db_import_feed(NULL, db, newf, 0);
    out->import_s = (double)(now_ns() - t0) / 1e9;
    atomic_store(&sh->phase, 3);
    ok = wait_ok(rd) & wait_ok(ck);
    rd = ck = -1;
    if (rc != SLTD_OK) {
        fprintf(stderr, "sltd-latency: import: %s\n", sltd_error_detail());
        rc = 3;
        goto cleanup;
    }
    if (!ok || atomic_load(&sh->errors) != 0 || atomic_load(&sh->wrong) != 0) {
        fprintf(stderr, "sltd-latency: %ld errors, %ld wrong answers (first: %s)%s\n", atomic_load(&sh->errors),
                atomic_load(&sh->wrong), sh->first_wrong, ok ? "" : "; a reader process failed");
        rc = 3;
        goto cleanup;
    }
    summarize(&out->f[0], &sh->lookup[0], &sh->open[0]);
    summarize(&out->f[1], &sh->lookup[1], &sh->open[1]);
    rc = 0;
cleanup:
    if (rd > 0 || ck > 0) {
        atomic_store(&sh->phase, 3);
        if (rd > 0)
            wait_ok(rd);
        if (ck > 0)
            wait_ok(ck);
    }
    sltd_db_close(db);
    rmtree(tmpl);
    return rc;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The median over the runs of one field. */
static uint64_t median(const run_result *r, int n, size_t off)
{
    uint64_t v[64];
    int i;

    for (i = 0; i < n; i++)
        memcpy(&v[i], (const char *)&r[i] + off, sizeof v[i]);
    qsort(v, (size_t)n, sizeof v[0], cmp_u64);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void print_figures(const char *what, const figures *f)
{
    printf("%slong-lived handle: %" PRIu64 " lookups, p50 %" PRIu64 " ns, p99 %" PRIu64 " ns, p99.9 %" PRIu64
           " ns, worst %.3f ms; open+lookup+close: %" PRIu64 " times, p50 %.3f ms, p99.9 %.3f ms, worst %.3f ms\n",
           what, f->lookups, f->lookup_p50, f->lookup_p99, f->lookup_p999, (double)f->lookup_max / 1e6, f->opens,
           (double)f->open_p50 / 1e6, (double)f->open_p999 / 1e6, (double)f->open_max / 1e6);
}

static void usage(FILE *f)
{
    fputs("usage: sltd-latency [--base N] [--records M] [--runs R] [--json]\n"
          "Lookup latency during a concurrent import: a reader process with a long-lived read-only handle\n"
          "and a checker process that opens a handle for every lookup run while M new documents are\n"
          "imported into a database of N (default N = 1000000, M = 2000000, R = 3 runs, medians printed);\n"
          "the same two processes are measured for 3 s before with no writer, as the control.\n",
          f);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = { { "base", required_argument, NULL, 'b' },
                                           { "records", required_argument, NULL, 'r' },
                                           { "runs", required_argument, NULL, 'n' },
                                           { "json", no_argument, NULL, 'j' },
                                           { "help", no_argument, NULL, 'h' },
                                           { NULL, 0, NULL, 0 } };
    unsigned long base = 1000000, records = 2000000;
    run_result res[64];
    int runs = 3, json = 0, c, i, rc;
    char *end;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'b':
        case 'r':
        case 'n': {
            unsigned long v = strtoul(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || v == 0 || (c == 'n' && v > 64) || v > 50000000UL) {
                fprintf(stderr, "sltd-latency: bad value '%s'\n", optarg);
                return 2;
            }
            if (c == 'b')
                base = v;
            else if (c == 'r')
                records = v;
            else
                runs = (int)v;
            break;
        }
        case 'j':
            json = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED) {
        perror("sltd-latency: mmap");
        return 3;
    }
    for (i = 0; i < runs; i++) {
        if ((rc = one_run(&res[i], base, records)) != 0)
            return rc;
        if (!json) {
            printf("run %d: import of %lu rows into %lu: %.2f s\n", i + 1, records, base, res[i].import_s);
            print_figures("  no writer (3 s) ", &res[i].f[0]);
            print_figures("  during import   ", &res[i].f[1]);
        }
    }
    {
        figures med[2];
        int w;
        for (w = 0; w < 2; w++) {
            size_t at = offsetof(run_result, f) + (size_t)w * sizeof(figures);
            med[w].lookups = median(res, runs, at + offsetof(figures, lookups));
            med[w].lookup_p50 = median(res, runs, at + offsetof(figures, lookup_p50));
            med[w].lookup_p99 = median(res, runs, at + offsetof(figures, lookup_p99));
            med[w].lookup_p999 = median(res, runs, at + offsetof(figures, lookup_p999));
            med[w].lookup_max = median(res, runs, at + offsetof(figures, lookup_max));
            med[w].opens = median(res, runs, at + offsetof(figures, opens));
            med[w].open_p50 = median(res, runs, at + offsetof(figures, open_p50));
            med[w].open_p999 = median(res, runs, at + offsetof(figures, open_p999));
            med[w].open_max = median(res, runs, at + offsetof(figures, open_max));
        }
        if (json) {
            printf("{\"base\": %lu, \"records\": %lu, \"runs\": %d", base, records, runs);
            for (w = 0; w < 2; w++)
                printf(", \"%s\": {\"lookup_p50_ns\": %" PRIu64 ", \"lookup_p99_ns\": %" PRIu64
                       ", \"lookup_p999_ns\": %" PRIu64 ", \"lookup_max_ns\": %" PRIu64 ", \"open_p50_ns\": %" PRIu64
                       ", \"open_p999_ns\": %" PRIu64 ", \"open_max_ns\": %" PRIu64 "}",
                       w ? "import" : "control", med[w].lookup_p50, med[w].lookup_p99, med[w].lookup_p999,
                       med[w].lookup_max, med[w].open_p50, med[w].open_p999, med[w].open_max);
            printf("}\n");
        } else {
            printf("medians of %d runs:\n", runs);
            print_figures("  no writer (3 s) ", &med[0]);
            print_figures("  during import   ", &med[1]);
        }
    }
    return 0;
}
