/* SPDX-License-Identifier: Apache-2.0 */
/* sltd-latency.c — how long lookups take while another process imports: the worst single lookup and
 * its tail on a long-lived read-only handle, and the same for `sltd check`-style open, look up, close,
 * during an import that replaces the filter under them, or during a delta on a big database. Public API
 * only.
 *
 *   sltd-latency [--base N] [--records M] [--runs R] [--delta] [--dir DIR] [--json]
 *
 * Each run: a fresh database with N documents; a feed of M new documents; then a reader process (one
 * handle, lookups in a loop, each timed) and a checker process (a handle opened for every lookup) run
 * while this process imports the feed (N + M outgrows the filter, so it is rebuilt). Every lookup is
 * checked: the N documents listed, documents never imported not listed. The same two processes are
 * first measured for 3 s with no writer, as the control: on a machine shared with other work, the
 * tail of that window is what the scheduler alone costs. Prints each run's figures and the medians
 * over the runs. Exit status: 0 done, 2 bad usage, 3 error or a wrong answer.
 *
 * --delta: the writer applies a delta of M rows instead — M/2 new documents, M/4 listed documents
 * with new details and M/4 removed, each run other documents — (the filter is not rebuilt), and the
 * readers look up only documents no delta touches. --dir DIR: the database of N documents is built in
 * DIR once and kept (later invocations with the same N reuse it; with --delta, each run's changes
 * stay in it, and DIR/deltas counts the deltas applied so that the next one touches other documents);
 * its path, DIR/db, is printed.
 *
 * --rate L / --open-rate O: the reader looks up L times a second, the checker opens O times a second,
 * at even intervals (default: each as fast as it can). Two processes looking up flat out take both
 * cores of a 2-core machine from the writer; a border system looks up at some rate, and each lookup's
 * latency is measured alike either way. */
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
#include <sys/stat.h>
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
    unsigned long listed_from; /* listed documents looked up: B<listed_from> to B<base - 1> */
    _Atomic long wrong, errors;
    hist lookup[2], open[2]; /* [0] control, [1] import; written by the reader and the checker
                                respectively, read after they end */
    char first_wrong[64];
} shared;

static shared *sh;
static unsigned long lookup_rate, open_rate; /* per second; 0: as fast as possible */

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

/* The delta of run `run`: M/2 new documents, then M/4 updates and M/4 removals of listed documents
 * B<run * M/2> onwards. */
static int write_delta(const char *path, unsigned long run, unsigned long m)
{
    FILE *f = fopen(path, "w");
    unsigned long i, from = run * (m / 2);

    if (f == NULL)
        return -1;
    fputs("state,number,type,status,reported,reference,action\n", f);
    for (i = 0; i < m / 2; i++)
        fprintf(f, "UTO,D%08lu,P,stolen,2024-02-%02lu,R%lu,add\n", from + i, 1 + i % 28, i);
    for (i = 0; i < m / 4; i++)
        fprintf(f, "UTO,B%08lu,P,lost,2024-03-%02lu,U%lu,add\n", from + i, 1 + i % 28, run);
    for (i = m / 4; i < m / 2; i++)
        fprintf(f, "UTO,B%08lu,P,,,,remove\n", from + i);
    return fclose(f) != 0 ? -1 : 0;
}

/* The deltas already applied to the database kept in dir (DIR/deltas; 0 when absent). */
static unsigned long deltas_done(const char *dir)
{
    char p[4200];
    unsigned long n = 0;
    FILE *f;

    snprintf(p, sizeof p, "%s/deltas", dir);
    if ((f = fopen(p, "r")) != NULL) {
        if (fscanf(f, "%lu", &n) != 1)
            n = 0;
        fclose(f);
    }
    return n;
}

static void set_deltas_done(const char *dir, unsigned long n)
{
    char p[4200];
    FILE *f;

    snprintf(p, sizeof p, "%s/deltas", dir);
    if ((f = fopen(p, "w")) != NULL) {
        fprintf(f, "%lu\n", n);
        fclose(f);
    }
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

    snprintf(num, sizeof num, "%c%08lu", listed ? 'B' : 'Z',
             listed ? sh->listed_from + (unsigned long)((r >> 1) % (base - sh->listed_from))
                    : (unsigned long)((r >> 1) % base));
    t0 = now_ns();
    rc = sltd_db_lookup(&res, db, "UTO", num, NULL);
    t = now_ns() - t0;
    if (rc != SLTD_OK)
        atomic_fetch_add(&sh->errors, 1);
    else if (res.listed != listed)
        note_wrong(num);
    return t;
}

/* Wait until the next of `rate` even intervals a second (*next: when it starts; 0 at first). Never
 * makes up for time lost: a late loop starts its next interval now. */
static void pace(uint64_t *next, unsigned long rate)
{
    struct timespec ts;
    uint64_t now = now_ns();

    if (rate == 0)
        return;
    if (*next > now) {
        ts.tv_sec = (time_t)(*next / 1000000000u);
        ts.tv_nsec = (long)(*next % 1000000000u);
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
        }
    } else {
        *next = now;
    }
    *next += 1000000000u / rate;
}

static int reader(const char *dir, unsigned long base)
{
    sltd_options o = SLTD_OPTIONS_INIT;
    sltd_db *db = NULL;
    uint64_t seed = 1, t, next = 0;

    o.flags = SLTD_OPEN_READONLY;
    if (sltd_db_open(&db, dir, &o) != SLTD_OK)
        return 3;
    while (atomic_load(&sh->phase) < 3) {
        int ph = atomic_load_explicit(&sh->phase, memory_order_relaxed);
        pace(&next, lookup_rate);
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
    uint64_t seed = 2, t0, next = 0;
    sltd_db *db;

    o.flags = SLTD_OPEN_READONLY;
    while (atomic_load(&sh->phase) < 3) {
        int ph = atomic_load(&sh->phase);
        pace(&next, open_rate);
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
        prctl(PR_SET_TIMERSLACK, 1UL); /* paced: wake on time, not up to 50 us late (the default) */
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
                                         "new.csv", "delta.csv" };
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

/* The database of `base` documents in tmpl/db: built there unless `keep` and it is already there
 * (made by an earlier invocation with the same base); the handle in *db. 0 or 3. */
static int base_db(sltd_db **db, const char *tmpl, unsigned long base, int keep)
{
    char dir[4200], basef[4200];
    sltd_options o = SLTD_OPTIONS_INIT;
    sltd_stats st = SLTD_STATS_INIT;
    uint64_t t0;

    snprintf(dir, sizeof dir, "%s/db", tmpl);
    snprintf(basef, sizeof basef, "%s/base.csv", tmpl);
    *db = NULL;
    if (keep && sltd_db_open(db, dir, &o) == SLTD_OK) {
        if (sltd_db_stats_get(&st, *db) == SLTD_OK && st.documents >= base / 2)
            return 0;
        fprintf(stderr, "sltd-latency: %s holds another database\n", dir);
        return 3;
    }
    sltd_db_close(*db);
    *db = NULL;
    o.flags = SLTD_OPEN_CREATE;
    if (write_feed(basef, 'B', base) != 0) {
        fprintf(stderr, "sltd-latency: cannot write %s\n", basef);
        return 3;
    }
    t0 = now_ns();
    if (sltd_db_open(db, dir, &o) != SLTD_OK || sltd_db_import_feed(NULL, *db, basef, 0) != SLTD_OK) {
        fprintf(stderr, "sltd-latency: %s: %s\n", dir, sltd_error_detail());
        return 3;
    }
    unlink(basef);
    if (keep)
        printf("built %s: %lu documents imported in %.2f s\n", dir, base, (double)(now_ns() - t0) / 1e9);
    return 0;
}

static int one_run(run_result *out, const char *keep_dir, int run, int delta, unsigned long base,
                   unsigned long records)
{
    char tmpl[4096], dir[4200], newf[4200];
    const char *td = getenv("TMPDIR");
    sltd_db *db = NULL;
    pid_t rd = -1, ck = -1;
    uint64_t t0;
    unsigned long nth = (unsigned long)run; /* which delta: each touches other documents */
    int rc = 3, ok;

    if (keep_dir != NULL) {
        snprintf(tmpl, sizeof tmpl, "%s", keep_dir);
        if (mkdir(tmpl, 0700) != 0 && errno != EEXIST) {
            fprintf(stderr, "sltd-latency: %s: %s\n", tmpl, strerror(errno));
            return 3;
        }
    } else {
        snprintf(tmpl, sizeof tmpl, "%s/sltd-latency-XXXXXX", td != NULL && td[0] != '\0' ? td : "/tmp");
        if (mkdtemp(tmpl) == NULL) {
            fprintf(stderr, "sltd-latency: %s: %s\n", tmpl, strerror(errno));
            return 3;
        }
    }
    snprintf(dir, sizeof dir, "%s/db", tmpl);
    snprintf(newf, sizeof newf, "%s/%s", tmpl, delta ? "delta.csv" : "new.csv");
    memset(sh, 0, sizeof *sh);
    sh->listed_from = delta ? base / 2 : 0;
    if (keep_dir != NULL && delta)
        nth = deltas_done(tmpl);
    if (delta && (nth + 1) * (records / 2) > base / 2) {
        fprintf(stderr, "sltd-latency: %s: every document a delta may touch has been; build a new one\n", tmpl);
        goto cleanup;
    }
    if ((delta ? write_delta(newf, nth, records) : write_feed(newf, 'N', records)) != 0) {
        fprintf(stderr, "sltd-latency: cannot write %s\n", newf);
        goto cleanup;
    }
    if ((rc = base_db(&db, tmpl, base, keep_dir != NULL)) != 0)
        goto cleanup;
    rd = start(reader, dir, base);
    ck = start(checker, dir, base);
    usleep(200000); /* both warm */
    atomic_store(&sh->phase, 1);
    sleep(3);
    atomic_store(&sh->phase, 2);
    t0 = now_ns();
    rc = sltd_db_import_feed(NULL, db, newf, 0);
    out->import_s = (double)(now_ns() - t0) / 1e9;
    if (rc == SLTD_OK && keep_dir != NULL && delta)
        set_deltas_done(tmpl, nth + 1);
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
    if (keep_dir == NULL)
        rmtree(tmpl);
    else
        unlink(newf);
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
    fputs("usage: sltd-latency [--base N] [--records M] [--runs R] [--delta] [--dir DIR] [--rate L]\n"
          "                    [--open-rate O] [--json]\n"
          "Lookup latency during a concurrent import: a reader process with a long-lived read-only handle\n"
          "and a checker process that opens a handle for every lookup run while M new documents are\n"
          "imported into a database of N (default N = 1000000, M = 2000000, R = 3 runs, medians printed);\n"
          "the same two processes are measured for 3 s before with no writer, as the control.\n"
          "--delta: apply a delta of M rows instead (M/2 new documents, M/4 updated, M/4 removed);\n"
          "--dir DIR: build the database of N documents in DIR once and keep it (reused later);\n"
          "--rate L, --open-rate O: the reader looks up L times a second, the checker opens O times a\n"
          "second (default: as fast as each can).\n",
          f);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = { { "base", required_argument, NULL, 'b' },
                                           { "records", required_argument, NULL, 'r' },
                                           { "runs", required_argument, NULL, 'n' },
                                           { "json", no_argument, NULL, 'j' },
                                           { "delta", no_argument, NULL, 'd' },
                                           { "dir", required_argument, NULL, 'D' },
                                           { "rate", required_argument, NULL, 'L' },
                                           { "open-rate", required_argument, NULL, 'O' },
                                           { "help", no_argument, NULL, 'h' },
                                           { NULL, 0, NULL, 0 } };
    unsigned long base = 1000000, records = 2000000;
    run_result res[64];
    int runs = 3, json = 0, delta = 0, c, i, rc;
    const char *keep_dir = NULL;
    char *end;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'b':
        case 'r':
        case 'L':
        case 'O':
        case 'n': {
            unsigned long v = strtoul(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || v == 0 || (c == 'n' && v > 64) || v > 100000000UL) {
                fprintf(stderr, "sltd-latency: bad value '%s'\n", optarg);
                return 2;
            }
            if (c == 'b')
                base = v;
            else if (c == 'r')
                records = v;
            else if (c == 'L')
                lookup_rate = v;
            else if (c == 'O')
                open_rate = v;
            else
                runs = (int)v;
            break;
        }
        case 'j':
            json = 1;
            break;
        case 'd':
            delta = 1;
            break;
        case 'D':
            keep_dir = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc || (delta && ((unsigned long)runs * (records / 2) > base / 2 || records < 4))) {
        usage(stderr);
        return 2;
    }
    sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED) {
        perror("sltd-latency: mmap");
        return 3;
    }
    for (i = 0; i < runs; i++) {
        if ((rc = one_run(&res[i], keep_dir, i, delta, base, records)) != 0)
            return rc;
        if (!json) {
            printf("run %d: %s of %lu rows into %lu: %.2f s\n", i + 1, delta ? "delta" : "import", records, base,
                   res[i].import_s);
            print_figures("  no writer (3 s) ", &res[i].f[0]);
            print_figures(delta ? "  during delta    " : "  during import   ", &res[i].f[1]);
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
            printf("{\"base\": %lu, \"records\": %lu, \"runs\": %d, \"rate\": %lu, \"open_rate\": %lu", base,
                   records, runs, lookup_rate, open_rate);
            for (w = 0; w < 2; w++)
                printf(", \"%s\": {\"lookup_p50_ns\": %" PRIu64 ", \"lookup_p99_ns\": %" PRIu64
                       ", \"lookup_p999_ns\": %" PRIu64 ", \"lookup_max_ns\": %" PRIu64 ", \"open_p50_ns\": %" PRIu64
                       ", \"open_p999_ns\": %" PRIu64 ", \"open_max_ns\": %" PRIu64 "}",
                       w ? "import" : "control", med[w].lookup_p50, med[w].lookup_p99, med[w].lookup_p999,
                       med[w].lookup_max, med[w].open_p50, med[w].open_p999, med[w].open_max);
            printf("}\n");
        } else {
            double t[64], tmp;
            int a, b;
            for (a = 0; a < runs; a++)
                for (t[a] = res[a].import_s, b = a; b > 0 && t[b - 1] > t[b]; b--) {
                    tmp = t[b];
                    t[b] = t[b - 1];
                    t[b - 1] = tmp;
                }
            printf("medians of %d runs: %s %.2f s\n", runs, delta ? "delta" : "import",
                   runs % 2 ? t[runs / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2);
            print_figures("  no writer (3 s) ", &med[0]);
            print_figures(delta ? "  during delta    " : "  during import   ", &med[1]);
        }
    }
    return 0;
}
