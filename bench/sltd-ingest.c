/* SPDX-License-Identifier: Apache-2.0 */
/* sltd-ingest.c — throughput of what goes into sltd in bulk: importing a feed, and screening
 * passenger manifests (an 8-column CSV and MRZ text). Generates its own deterministic inputs, runs
 * each measurement R times and prints every run and the median. Public API only.
 *
 *   sltd-ingest [--records N] [--documents M] [--runs R] [--threads T] [--dir DIR] [--only LIST] [--keep]
 *
 * import: a feed of N records (state, number, type, status, reported, reference), imported R times
 *         into a fresh database; records/s, and the CPU time over the wall time (how many cores
 *         the import kept busy).
 * csv:    a manifest of M rows with the 8 columns an airline sends (name, birth_date, nationality,
 *         state, number, type, flight, seat), about 1 in 1,000 documents listed, screened R times on T
 *         threads against the database of N records (sltd_db_screen with a row callback that counts);
 *         documents/s.
 * mrz:    the same documents as TD3 passport MRZs (two lines of 44, every check digit right).
 * LIST is a comma-separated subset of import,csv,mrz (default: all three). The files go to DIR
 * (default: a new directory under $TMPDIR), which is removed at the end unless --keep (then the
 * database, its key, the feed and the manifests stay there); an existing
 * DIR/db of N records is reused for screening when import is not asked for. Exit status: 0 done,
 * 2 bad usage, 3 error or a wrong count. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sltd.h"

#define RUNS_MAX 31
#define HIT_EVERY 1000 /* one manifest document in this many is listed */

static const char *const STATES[] = { "UTO", "D",   "FRA", "GBR", "USA", "ITA", "ESP", "NLD", "BEL", "CHE",
                                      "AUT", "POL", "SWE", "NOR", "CAN", "AUS", "JPN", "BRA", "IND", "ZAF" };
#define NSTATES (sizeof STATES / sizeof STATES[0])
#define SPACE36 2821109907456ULL /* 36^8 */

static double now_s(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct rusage u;

    getrusage(RUSAGE_SELF, &u);
    return (double)u.ru_utime.tv_sec + (double)u.ru_stime.tv_sec +
           ((double)u.ru_utime.tv_usec + (double)u.ru_stime.tv_usec) / 1e6;
}

/* Seconds the calling thread has waited for a processor while runnable (Linux schedstat; 0 when
 * unavailable): on a shared machine, the part of its wall time that other work took. */
static double wait_s(void)
{
    unsigned long long run, wait;
    FILE *f = fopen("/proc/thread-self/schedstat", "r");
    int ok;

    if (f == NULL)
        return 0;
    ok = fscanf(f, "%llu %llu", &run, &wait) == 2;
    fclose(f);
    return ok ? (double)wait / 1e9 : 0;
}

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* Document i (listed when present): a state and a 9-character number, distinct for distinct i
 * (i * a prime, mod 36^8, is a bijection); listed numbers start with a letter, the others with a digit. */
static void make_doc(uint64_t i, int present, const char **state, char number[10])
{
    static const char alnum[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    uint64_t h = mix(i ^ (present ? 0 : 0x5555555555ULL)), x = (i * 1000000007ULL + 12345) % SPACE36;
    int k;

    *state = STATES[h % NSTATES];
    number[0] = present ? (char)('A' + (h >> 8) % 26) : (char)('0' + (h >> 8) % 10);
    for (k = 8; k >= 1; k--) {
        number[k] = alnum[x % 36];
        x /= 36;
    }
    number[9] = '\0';
}

__attribute__((format(printf, 1, 2), noreturn)) static void die(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "sltd-ingest: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(3);
}

static FILE *create(const char *path)
{
    FILE *f = fopen(path, "w");

    if (f == NULL)
        die("%s: %s", path, strerror(errno));
    setvbuf(f, NULL, _IOFBF, 1 << 20);
    return f;
}

static void finish(FILE *f, const char *path)
{
    if (fflush(f) != 0 || ferror(f) || fclose(f) != 0)
        die("%s: %s", path, strerror(errno));
}

static void write_feed(const char *path, uint64_t n)
{
    static const char *const status[] = { "stolen", "stolen", "lost", "stolen", "revoked" };
    FILE *f = create(path);
    char number[10];
    const char *state;
    uint64_t i;

    fputs("state,number,type,status,reported,reference\n", f);
    for (i = 0; i < n; i++) {
        uint64_t h = mix(i * 3 + 1);
        make_doc(i, 1, &state, number);
        fprintf(f, "%s,%s,P,%s,20%02u-%02u-%02u,R%08" PRIX32 "\n", state, number, status[h % 5],
                15 + (unsigned)(h >> 8) % 10, 1 + (unsigned)(h >> 16) % 12, 1 + (unsigned)(h >> 24) % 28,
                (uint32_t)(h >> 32));
    }
    finish(f, path);
}

/* The manifest's document j: every HIT_EVERY-th one a listed document of the feed. */
static void manifest_doc(uint64_t j, uint64_t records, const char **state, char number[10])
{
    if (j % HIT_EVERY == HIT_EVERY / 2)
        make_doc(mix(j) % records, 1, state, number);
    else
        make_doc(j, 0, state, number);
}

static const char *const NAMES[] = { "MARTIN", "SMITH", "GARCIA", "MULLER", "ROSSI", "NOVAK", "SILVA", "KIM" };
static const char *const GIVEN[] = { "ANNA", "JOHN", "MARIA", "LUCAS", "EMMA", "NOAH", "SOFIA", "LEON" };

static void write_csv(const char *path, uint64_t m, uint64_t records)
{
    FILE *f = create(path);
    char number[10];
    const char *state;
    uint64_t j;

    fputs("name,birth_date,nationality,state,number,type,flight,seat\n", f);
    for (j = 0; j < m; j++) {
        uint64_t h = mix(j * 7 + 3);
        manifest_doc(j, records, &state, number);
        fprintf(f, "\"%s, %s\",19%02u-%02u-%02u,%s,%s,%s,P,XS%04u,%u%c\n", NAMES[h % 8], GIVEN[(h >> 3) % 8],
                40 + (unsigned)(h >> 6) % 60, 1 + (unsigned)(h >> 12) % 12, 1 + (unsigned)(h >> 16) % 28, state,
                state, number, (unsigned)(h >> 20) % 10000, 1 + (unsigned)(h >> 34) % 40,
                "ABCDEF"[(h >> 40) % 6]);
    }
    finish(f, path);
}

static int mrz_value(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'Z' ? c - 'A' + 10 : 0;
}

/* ICAO 9303 check digit (weights 7, 3, 1) of n characters. Deliberately a copy of the tests' oracle
 * (tu_mrz_check_digit): the library's is not public API, and bench/ uses only sltd.h. */
static char check_digit(const char *s, size_t n)
{
    static const int w[3] = { 7, 3, 1 };
    int sum = 0;
    size_t i;

    for (i = 0; i < n; i++)
        sum += mrz_value(s[i]) * w[i % 3];
    return (char)('0' + sum % 10);
}

/* Six digits: a date YYMMDD. */
static void put_date(char *p, unsigned yy, unsigned mm, unsigned dd)
{
    const unsigned v[3] = { yy, mm, dd };
    int i;

    for (i = 0; i < 3; i++) {
        p[2 * i] = (char)('0' + v[i] / 10 % 10);
        p[2 * i + 1] = (char)('0' + v[i] % 10);
    }
}

/* A TD3 MRZ: two lines of 44. */
static void write_mrz(const char *path, uint64_t m, uint64_t records)
{
    FILE *f = create(path);
    char number[10], l1[45], l2[45], comp[40], st[4];
    const char *state;
    uint64_t j;
    size_t n;

    for (j = 0; j < m; j++) {
        uint64_t h = mix(j * 7 + 3);
        manifest_doc(j, records, &state, number);
        snprintf(st, sizeof st, "%s<<", state); /* a code of fewer than 3 letters is filled with '<' */
        memset(l1, '<', 44);
        l1[44] = '\0';
        n = (size_t)snprintf(l1, sizeof l1, "P<%.3s%s<<%s", st, NAMES[h % 8], GIVEN[(h >> 3) % 8]);
        l1[n] = '<';
        memcpy(l2, number, 9);
        l2[9] = check_digit(number, 9);
        memcpy(l2 + 10, st, 3);
        put_date(l2 + 13, 40 + (unsigned)(h >> 6) % 60, 1 + (unsigned)(h >> 12) % 12, 1 + (unsigned)(h >> 16) % 28);
        l2[19] = check_digit(l2 + 13, 6);
        l2[20] = (h >> 30) & 1 ? 'F' : 'M';
        put_date(l2 + 21, 28 + (unsigned)(h >> 24) % 10, 1 + (unsigned)(h >> 28) % 12, 1 + (unsigned)(h >> 32) % 28);
        l2[27] = check_digit(l2 + 21, 6);
        memset(l2 + 28, '<', 14);
        l2[42] = '0'; /* an empty optional field may have 0 or '<' */
        memcpy(comp, l2, 10);
        memcpy(comp + 10, l2 + 13, 7);
        memcpy(comp + 17, l2 + 21, 22);
        l2[43] = check_digit(comp, 39);
        l2[44] = '\0';
        fprintf(f, "%s\n%s\n", l1, l2);
    }
    finish(f, path);
}

typedef struct figure {
    double wall, cpu;
} figure;

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
    double s[RUNS_MAX];

    memcpy(s, v, (size_t)n * sizeof *v);
    qsort(s, (size_t)n, sizeof *s, cmp_d);
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static void report(const char *what, const double *wall, const double *cpu, int runs, uint64_t units,
                   const char *unit)
{
    double rate[RUNS_MAX], load[3] = { 0, 0, 0 };
    int i;

    for (i = 0; i < runs; i++)
        rate[i] = (double)units / wall[i];
    if (getloadavg(load, 3) < 0)
        load[0] = -1;
    printf("%s: median of %d: %.3f s, %.2f M %s/s, %.2f cores busy (runs:", what, runs, median(wall, runs),
           median(rate, runs) / 1e6, unit, median(cpu, runs) / median(wall, runs));
    for (i = 0; i < runs; i++)
        printf(" %.3f", wall[i]);
    printf(" s; load average now %.2f)\n", load[0]);
    fflush(stdout);
}

static void remove_db(const char *db)
{
    static const char *const names[] = { "data.mdb", "lock.mdb", "sltd.filter", "sltd.filter.tmp" };
    char p[4400];
    size_t i;

    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", db, names[i]);
        unlink(p);
    }
    rmdir(db);
}

static sltd_db *open_db(const char *db, const char *key, unsigned flags)
{
    sltd_options o = SLTD_OPTIONS_INIT;
    sltd_db *h = NULL;
    int rc;

    o.flags = flags;
    o.key_path = key;
    if ((rc = sltd_db_open(&h, db, &o)) != SLTD_OK)
        die("%s: %s", db, sltd_error_detail()[0] ? sltd_error_detail() : sltd_error_text(rc));
    return h;
}

/* The import's progress callback: notes when the write phase starts. */
static void on_progress(void *ctx, const char *phase, uint64_t done, uint64_t total)
{
    double *write_at = ctx;

    (void)done;
    (void)total;
    if (strcmp(phase, "write") == 0 && *write_at == 0)
        *write_at = now_s();
}

static void bench_import(const char *dir, const char *db, const char *key, uint64_t records, int runs, int keep)
{
    double wall[RUNS_MAX], cpu[RUNS_MAX], t0, c0, w0, write_at;
    char feed[4200];
    int i, rc;

    snprintf(feed, sizeof feed, "%s/feed.csv", dir);
    fprintf(stderr, "sltd-ingest: writing a feed of %" PRIu64 " records\n", records);
    write_feed(feed, records);
    for (i = 0; i < runs; i++) {
        sltd_import_options o = SLTD_IMPORT_OPTIONS_INIT;
        sltd_import_report rep = SLTD_IMPORT_REPORT_INIT;
        sltd_db *h;

        remove_db(db);
        h = open_db(db, key, SLTD_OPEN_CREATE);
        o.progress = on_progress;
        o.progress_ctx = &write_at;
        write_at = 0;
        w0 = wait_s();
        t0 = now_s();
        c0 = cpu_s();
        rc = sltd_db_import_feed_ex(&rep, h, feed, &o);
        wall[i] = now_s() - t0;
        cpu[i] = cpu_s() - c0;
        if (rc != SLTD_OK)
            die("import: %s", sltd_error_detail());
        if (rep.added != records)
            die("import: %" PRIu64 " records added, not %" PRIu64, rep.added, records);
        sltd_db_close(h);
        fprintf(stderr,
                "sltd-ingest: import run %d: %.3f s (read and sort %.3f s, write %.3f s), %.3f s CPU, the calling "
                "thread waited %.3f s for a processor\n",
                i + 1, wall[i], write_at - t0, t0 + wall[i] - write_at, cpu[i], wait_s() - w0);
    }
    if (!keep)
        unlink(feed);
    report("import", wall, cpu, runs, records, "records");
}

typedef struct counts {
    uint64_t rows, hits;
} counts;

static int count_row(void *ctx, const sltd_screen_row *row)
{
    counts *c = ctx;

    c->rows++;
    c->hits += row->error == 0 && row->listed;
    return 0;
}

static void bench_screen(const char *dir, const char *db, const char *key, uint64_t records, uint64_t m,
                         unsigned threads, int runs, int mrz, int keep)
{
    double wall[RUNS_MAX], cpu[RUNS_MAX], t0, c0;
    uint64_t want = m / HIT_EVERY + (m % HIT_EVERY > HIT_EVERY / 2);
    char path[4200], what[64];
    sltd_db *h = open_db(db, key, SLTD_OPEN_READONLY);
    int i, rc;

    snprintf(path, sizeof path, "%s/manifest.%s", dir, mrz ? "mrz" : "csv");
    fprintf(stderr, "sltd-ingest: writing a %s manifest of %" PRIu64 " documents\n", mrz ? "MRZ" : "CSV", m);
    if (mrz)
        write_mrz(path, m, records);
    else
        write_csv(path, m, records);
    for (i = -1; i < runs; i++) { /* run -1 warms the caches and the page cache */
        sltd_screen_options o = SLTD_SCREEN_OPTIONS_INIT;
        sltd_screen_report rep = SLTD_SCREEN_REPORT_INIT;
        counts c = { 0, 0 };

        o.threads = threads;
        o.row_fn = count_row;
        o.row_ctx = &c;
        o.format = mrz ? SLTD_SCREEN_MRZ : SLTD_SCREEN_CSV;
        t0 = now_s();
        c0 = cpu_s();
        rc = sltd_db_screen(&rep, h, path, &o);
        if (i >= 0) {
            wall[i] = now_s() - t0;
            cpu[i] = cpu_s() - c0;
        }
        if (rc != SLTD_OK)
            die("screen: %s", sltd_error_detail());
        if (rep.documents != m || rep.invalid != 0 || rep.hits != want || c.hits != want)
            die("screen: %" PRIu64 " documents, %" PRIu64 " invalid, %" PRIu64 " hits; expected %" PRIu64 ", 0, %" PRIu64,
                rep.documents, rep.invalid, rep.hits, m, want);
    }
    sltd_db_close(h);
    if (!keep)
        unlink(path);
    snprintf(what, sizeof what, "screen %s, %u thread(s)", mrz ? "MRZ" : "CSV (8 columns)", threads);
    report(what, wall, cpu, runs, m, "documents");
}

static void usage(FILE *f)
{
    fputs("usage: sltd-ingest [--records N] [--documents M] [--runs R] [--threads T] [--dir DIR]\n"
          "                   [--only import,csv,mrz] [--keep]\n"
          "Import a feed of N records (default 1000000) into a fresh database R times (default 3), then\n"
          "screen an 8-column CSV manifest and a TD3 MRZ manifest of M documents (default 1000000) on T\n"
          "threads (default 2) R times each; prints each run and the medians.\n",
          f);
}

static uint64_t number_arg(const char *s, uint64_t max)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(s, &end, 10);
    if (*s == '\0' || *end != '\0' || errno != 0 || v == 0 || v > max) {
        fprintf(stderr, "sltd-ingest: bad value '%s'\n", s);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "records", required_argument, NULL, 'n' }, { "documents", required_argument, NULL, 'm' },
        { "runs", required_argument, NULL, 'r' },    { "threads", required_argument, NULL, 't' },
        { "dir", required_argument, NULL, 'd' },     { "only", required_argument, NULL, 'o' },
        { "keep", no_argument, NULL, 'k' },          { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    uint64_t records = 1000000, documents = 1000000;
    unsigned threads = 2;
    int runs = 3, keep = 0, c, do_import = 1, do_csv = 1, do_mrz = 1, made = 0;
    const char *only = NULL, *tmp = getenv("TMPDIR");
    char dir[4096] = "", db[4200], key[4200];
    struct stat st;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'n': records = number_arg(optarg, SPACE36); break;
        case 'm': documents = number_arg(optarg, (uint64_t)1 << 40); break;
        case 'r': runs = (int)number_arg(optarg, RUNS_MAX); break;
        case 't': threads = (unsigned)number_arg(optarg, SLTD_SCREEN_THREADS_MAX); break;
        case 'd': snprintf(dir, sizeof dir, "%s", optarg); break;
        case 'o': only = optarg; break;
        case 'k': keep = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    if (only != NULL) {
        do_import = strstr(only, "import") != NULL;
        do_csv = strstr(only, "csv") != NULL;
        do_mrz = strstr(only, "mrz") != NULL;
        if (!do_import && !do_csv && !do_mrz) {
            usage(stderr);
            return 2;
        }
    }
    if (dir[0] == '\0') {
        snprintf(dir, sizeof dir, "%s/sltd-ingest-XXXXXX", tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
        if (mkdtemp(dir) == NULL)
            die("%s: %s", dir, strerror(errno));
        made = 1;
    } else if (stat(dir, &st) != 0) {
        if (mkdir(dir, 0700) != 0)
            die("%s: %s", dir, strerror(errno));
        made = 1;
    }
    snprintf(db, sizeof db, "%s/db", dir);
    snprintf(key, sizeof key, "%s/db.key", dir);
    printf("sltd-ingest %s: %" PRIu64 " records, %" PRIu64 " manifest documents, %d runs, %u screening thread(s)\n",
           sltd_version(), records, documents, runs, threads);
    if (do_import)
        bench_import(dir, db, key, records, runs, keep);
    else if (stat(db, &st) != 0) { /* screening needs a database: build it once */
        bench_import(dir, db, key, records, 1, keep);
    }
    if (do_csv)
        bench_screen(dir, db, key, records, documents, threads, runs, 0, keep);
    if (do_mrz)
        bench_screen(dir, db, key, records, documents, threads, runs, 1, keep);
    if (!keep) {
        remove_db(db);
        unlink(key);
        if (made)
            rmdir(dir);
    }
    return 0;
}
