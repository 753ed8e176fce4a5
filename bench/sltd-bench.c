/* SPDX-License-Identifier: Apache-2.0 */
/* sltd-bench.c — the command line of sltd-bench and the phases of one run: the database under test
 * (imported from a synthetic feed, or an existing one), its open time, the baselines and floors built
 * beside it, the queries, the single-threaded workloads interleaved in rounds, the threaded runs,
 * and the report (with --compare, against an earlier run). See bench/bench.h for the parts and
 * bench/RESULTS.md for how each figure is measured and what it measured here.
 *
 * Exit status: 0 done; 2 bad usage (or an unusable --compare file); 3 a library, database or system
 * error, including a lookup that answered wrongly (a present document reported as not listed, or an
 * absent one as listed). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench.h"

#define MAX_WORKLOADS 24

typedef struct options {
    const char *db, *cdf, *compare, *against, *only, *output;
    unsigned bits_per_key, rounds;
    int json, keep, verbose, quiet;
} options;

static void usage(FILE *f)
{
    fputs("usage: sltd-bench [--records N] [--queries Q] [--threads T] [--rounds R] [--db DIR] [--json]\n"
          "                  [--compare OLD.json] [--only NAME,...] [-o FILE] [--cdf FILE] [--bits-per-key B]\n"
          "                  [--keep] [--verbose|--quiet]\n"
          "       sltd-bench --compare OLD.json --against NEW.json\n"
          "\n"
          "Measures sltd lookups (single and batch, misses and hits, 1..T threads) beside the floors the\n"
          "hardware sets (an empty loop, digest + one filter-block access, one DRAM access, a plain blocked\n"
          "Bloom filter) and the baselines a team would use instead (a bare LMDB environment and SQLite\n"
          "holding sltd's own record bytes), in one run: p50/p90/p99/p99.9/max per document and throughput,\n"
          "import speed, open time, file sizes and peak RSS, and the performance targets met or not.\n"
          "\n"
          "  --records N       synthetic database size (default 1000000)\n"
          "  --queries Q       absent and present queries each (default 1000000)\n"
          "  --threads T       also measure sltd.miss and sltd.hit with 2..T threads sharing one handle\n"
          "                    (default: the number of CPUs); the single-thread figures do not depend on T\n"
          "  --rounds R        interleave the single-threaded workloads in R rounds, each over the next\n"
          "                    1/R of the queries, so that load drift hits all alike (1..1024, default 16)\n"
          "  --db DIR          use (or create and keep) the database DIR; its key is DIR.key.\n"
          "                    An existing DIR must have been built by sltd-bench with the same --records.\n"
          "  --json            print one JSON object instead of the table\n"
          "  --compare OLD     also print each figure's ratio to the same figure of OLD (an earlier --json\n"
          "                    output), and each workload's p50 over its baseline's in both runs\n"
          "  --against NEW     with --compare: compare two saved runs, measure nothing\n"
          "  --only LIST       run only these workloads (comma-separated names: sltd.digest, sltd.miss,\n"
          "                    sltd.hit, sltd.miss.batch, sltd.hit.batch, floor.loop, floor.digest_probe,\n"
          "                    floor.digest_probe.batch, floor.dram, bloom.miss, bloom.miss.batch,\n"
          "                    lmdb.miss, lmdb.hit, lmdb.hit.txn, sqlite.miss, sqlite.hit); for profiling\n"
          "  -o, --output FILE write the report to FILE (replaced atomically) instead of stdout\n"
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

/* ---- --only ------------------------------------------------------------------------------------- */

static const char *const KNOWN[] = { "sltd.digest",      "sltd.miss",       "sltd.hit",
                                     "sltd.miss.batch",  "sltd.hit.batch",  "floor.loop",
                                     "floor.digest_probe", "floor.digest_probe.batch", "floor.dram",
                                     "bloom.miss",       "bloom.miss.batch", "lmdb.miss",
                                     "lmdb.hit",         "lmdb.hit.txn",    "sqlite.miss",
                                     "sqlite.hit" };

/* Is `name` in the comma-separated `list` (everything is, without a list)? */
static int selected(const char *list, const char *name)
{
    const size_t len = strlen(name);
    const char *p = list;

    if (list == NULL)
        return 1;
    while (*p) {
        const size_t n = strcspn(p, ",");
        if (n == len && strncmp(p, name, n) == 0)
            return 1;
        p += n;
        if (*p == ',')
            p++;
    }
    return 0;
}

/* Does any selected name start with `prefix`? */
static int any_selected(const char *list, const char *prefix)
{
    size_t i;

    for (i = 0; i < sizeof KNOWN / sizeof KNOWN[0]; i++)
        if (strncmp(KNOWN[i], prefix, strlen(prefix)) == 0 && selected(list, KNOWN[i]))
            return 1;
    return 0;
}

static void check_only(const char *list)
{
    const char *p = list;
    size_t i, n;

    while (*p) {
        n = strcspn(p, ",");
        for (i = 0; i < sizeof KNOWN / sizeof KNOWN[0]; i++)
            if (strlen(KNOWN[i]) == n && strncmp(p, KNOWN[i], n) == 0)
                break;
        if (i == sizeof KNOWN / sizeof KNOWN[0] || n == 0) {
            fprintf(stderr, "sltd-bench: --only: unknown workload '%.*s' (see --help)\n", (int)n, p);
            exit(EXIT_USAGE);
        }
        p += n;
        if (*p == ',')
            p++;
    }
}

/* ---- phases ------------------------------------------------------------------------------------- */

/* A database of ri->records documents from a synthetic feed (when dbdir does not exist yet). */
static void import_database(run_info *ri, const char *dbdir, const char *feed, sltd_options *o)
{
    sltd_import_report rep = SLTD_IMPORT_REPORT_INIT;
    sltd_db *db = NULL;
    uint64_t t0;
    int rc;

    progress("writing a feed of %" PRIu64 " records", ri->records);
    t0 = now_ns();
    write_feed(feed, ri->records, &ri->csv_bytes);
    ri->csv_s = (double)(now_ns() - t0) / 1e9;
    o->flags = SLTD_OPEN_CREATE;
    if ((rc = sltd_db_open(&db, dbdir, o)) != SLTD_OK)
        die_sltd(rc, dbdir);
    progress("importing");
    t0 = now_ns();
    if ((rc = sltd_db_import_feed(&rep, db, feed, 0)) != SLTD_OK)
        die_sltd(rc, "sltd_db_import_feed");
    ri->import_s = (double)(now_ns() - t0) / 1e9;
    ri->imported = 1;
    if (rep.added != ri->records)
        die("import added %" PRIu64 " records, expected %" PRIu64, rep.added, ri->records);
    sltd_db_close(db);
    remove(feed);
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* Open time (read-only, ready to serve: median of 5 opens) and the database's statistics. The
 * handle is closed again: the baselines read the same environment, which LMDB opens once a process. */
static void open_and_stat(run_info *ri, sltd_stats *st, const char *dbdir, sltd_options *o)
{
    double t[5];
    sltd_db *db = NULL;
    uint64_t t0;
    char path[4200];
    int a, rc;

    o->flags = SLTD_OPEN_READONLY;
    for (a = 0; a < 5; a++) {
        sltd_db_close(db);
        t0 = now_ns();
        if ((rc = sltd_db_open(&db, dbdir, o)) != SLTD_OK)
            die_sltd(rc, dbdir);
        t[a] = (double)(now_ns() - t0) / 1e6;
    }
    ri->open_first_ms = t[0];
    qsort(t, 5, sizeof t[0], cmp_double);
    ri->open_ms = t[2];
    st->version = SLTD_STATS_VERSION;
    if ((rc = sltd_db_stats_get(st, db)) != SLTD_OK)
        die_sltd(rc, "sltd_db_stats_get");
    sltd_db_close(db);
    if (st->documents != ri->records)
        die_usage("%s holds %" PRIu64 " documents, not %" PRIu64 " (--records)", dbdir, st->documents, ri->records);
    if (st->filter_state != SLTD_FILTER_OK)
        die("%s: the filter is not in use (bypass): lookups would all go to LMDB", dbdir);
    join(path, sizeof path, dbdir, "data.mdb");
    ri->data_file = file_size(path);
    ri->data_used = st->data_bytes;
    ri->filter_bytes = st->filter_bytes;
    ri->filter_capacity = st->filter_capacity;
    ri->bits_per_key = st->filter_bits_per_key;
    ri->fpr_target = st->filter_fpr_target;
    ri->fpr_estimate = st->filter_fpr_estimate;
    ri->filter_fill = st->filter_fill;
}

/* The report, to stdout or atomically to `output`. */
static void write_report(const options *op, const run_info *ri, const figures *old)
{
    char tmp[4200];
    FILE *f = stdout;
    figures *cur = old ? figures_current(ri->records) : NULL;

    if (op->output != NULL) {
        if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", op->output) >= sizeof tmp || (f = fopen(tmp, "w")) == NULL)
            die("%s: %s", op->output, strerror(errno));
    }
    if (op->json) {
        report_json(f, ri);
        if (old != NULL)
            compare_json(f, old, cur, op->compare);
        fprintf(f, "}\n");
    } else {
        report_table(f, ri);
        if (old != NULL)
            compare_print(f, old, cur, op->compare);
    }
    figures_free(cur);
    if (f == stdout) {
        if (fflush(stdout) != 0 || ferror(stdout))
            die("stdout: %s", strerror(errno));
    } else {
        const int bad = ferror(f);
        if (fclose(f) != 0 || bad || rename(tmp, op->output) != 0) {
            remove(tmp);
            die("%s: %s", op->output, strerror(errno));
        }
    }
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "records", required_argument, NULL, 'n' },      { "queries", required_argument, NULL, 'u' },
        { "threads", required_argument, NULL, 't' },      { "db", required_argument, NULL, 'd' },
        { "json", no_argument, NULL, 'j' },               { "cdf", required_argument, NULL, 'c' },
        { "bits-per-key", required_argument, NULL, 'b' }, { "keep", no_argument, NULL, 'k' },
        { "help", no_argument, NULL, 'h' },               { "verbose", no_argument, NULL, 'v' },
        { "rounds", required_argument, NULL, 'r' },       { "compare", required_argument, NULL, 'C' },
        { "against", required_argument, NULL, 'A' },      { "only", required_argument, NULL, 'O' },
        { "output", required_argument, NULL, 'o' },       { "quiet", no_argument, NULL, 'q' },
        { "version", no_argument, NULL, 'V' },            { NULL, 0, NULL, 0 },
    };
    options op = { .rounds = 16 };
    run_info ri;
    char tmpl[4096], dbdir[4096], keypath[4200], feed[4200], lmdbdir[4200], sqlpath[4200];
    const char *tmpbase;
    int opt, rc, existing = 0;
    const uint64_t t_start = now_ns();
    sltd_options o = SLTD_OPTIONS_INIT;
    sltd_stats st = SLTD_STATS_INIT;
    sltd_db *db = NULL;
    inputs in;
    workload wl[MAX_WORKLOADS];
    unsigned nw = 0, nall = 0, j, t;
    figures *old = NULL;
    lmdb_base *lb = NULL;
    sqlite_base *sb = NULL;
    bfilter *bf = NULL;
    floors *fl = NULL;
    uint32_t *s = NULL;
    struct rusage ru;

    memset(&ri, 0, sizeof ri);
    ri.records = 1000000;
    ri.queries = 1000000;
    machine_describe(&ri.m);
    ri.threads = ri.m.ncpu > 1 ? (unsigned)ri.m.ncpu : 1;
    while ((opt = getopt_long(argc, argv, "o:hVq", longopts, NULL)) != -1) {
        switch (opt) {
        case 'n': ri.records = parse_u64("--records", optarg, 1, (uint64_t)1 << 40); break;
        case 'u': ri.queries = parse_u64("--queries", optarg, 1, (uint64_t)1 << 32); break;
        case 't': ri.threads = (unsigned)parse_u64("--threads", optarg, 1, MAX_THREADS); break;
        case 'r': op.rounds = (unsigned)parse_u64("--rounds", optarg, 1, 1024); break;
        case 'd': op.db = optarg; break;
        case 'j': op.json = 1; break;
        case 'c': op.cdf = optarg; break;
        case 'b': op.bits_per_key = (unsigned)parse_u64("--bits-per-key", optarg, 4, 64); break;
        case 'k': op.keep = 1; break;
        case 'v': op.verbose = 1; break;
        case 'q': op.quiet = 1; break;
        case 'C': op.compare = optarg; break;
        case 'A': op.against = optarg; break;
        case 'O': op.only = optarg; break;
        case 'o': op.output = optarg; break;
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
    if (op.against != NULL && op.compare == NULL) {
        fprintf(stderr, "sltd-bench: --against needs --compare OLD.json\n");
        return EXIT_USAGE;
    }
    if (op.only != NULL)
        check_only(op.only);
    if (sltd_version_number() != SLTD_VERSION_NUMBER) {
        fprintf(stderr, "sltd-bench: built for sltd %s but running with %s\n", SLTD_VERSION_STRING, sltd_version());
        return EXIT_ERROR;
    }
    if (op.compare != NULL)
        old = figures_load(op.compare); /* before a long run: an unusable file is exit 2 at once */
    if (op.against != NULL) {
        figures *cur = figures_load(op.against);
        compare_print(stdout, old, cur, op.compare);
        figures_free(cur);
        figures_free(old);
        return fflush(stdout) == 0 && !ferror(stdout) ? 0 : EXIT_ERROR;
    }
    ri.rounds = op.rounds;
    progress_enable(!op.quiet && (op.verbose || isatty(STDERR_FILENO)));
    results_init();
    g_clock_ns = clock_overhead_ns();

    /* a private temporary directory for everything but a --db database */
    tmpbase = getenv("TMPDIR");
    if (tmpbase == NULL || tmpbase[0] == '\0')
        tmpbase = "/tmp";
    if ((size_t)snprintf(tmpl, sizeof tmpl, "%s/sltd-bench.XXXXXX", tmpbase) >= sizeof tmpl || mkdtemp(tmpl) == NULL)
        die("cannot create a temporary directory under %s: %s", tmpbase, strerror(errno));
    bench_cleanup_on_error(tmpl, op.keep);
    if (op.keep)
        fprintf(stderr, "sltd-bench: working directory %s (kept)\n", tmpl);
    join(lmdbdir, sizeof lmdbdir, tmpl, "lmdb");
    join(sqlpath, sizeof sqlpath, tmpl, "sqlite.db");
    join(feed, sizeof feed, tmpl, "feed.csv");
    if (op.db != NULL) {
        snprintf(dbdir, sizeof dbdir, "%s", op.db);
        o.key_path = NULL; /* DIR.key, as the CLI */
        existing = dir_exists(dbdir);
    } else {
        join(dbdir, sizeof dbdir, tmpl, "db");
        join(keypath, sizeof keypath, tmpl, "sltd.key");
        o.key_path = keypath;
    }
    o.bits_per_key = op.bits_per_key;

    /* 1. the database under test, its open time and statistics */
    if (!existing)
        import_database(&ri, dbdir, feed, &o);
    else if (op.bits_per_key != 0)
        fprintf(stderr, "sltd-bench: --bits-per-key ignored: %s exists\n", dbdir);
    open_and_stat(&ri, &st, dbdir, &o);

    /* 2. the baselines and the benchmark's own filter, from one pass over sltd's records */
    {
        copy_sink sinks[3];
        unsigned ns = 0;
        const uint64_t t0 = now_ns();
        if (any_selected(op.only, "lmdb.")) {
            lb = lmdb_base_create(lmdbdir, 2 * st.data_bytes + ((uint64_t)64 << 20));
            sinks[ns++] = (copy_sink){ lmdb_base_put, lb };
        }
        if (sqlite_available() && any_selected(op.only, "sqlite.")) {
            sb = sqlite_base_create(sqlpath);
            sinks[ns++] = (copy_sink){ sqlite_base_put, sb };
        }
        if (any_selected(op.only, "bloom.") || any_selected(op.only, "floor.digest_probe")) {
            bf = bfilter_new(st.filter_capacity * st.filter_bits_per_key);
            ri.probe_filter_bytes = bfilter_bytes(bf);
            sinks[ns++] = (copy_sink){ bfilter_put, bf };
        }
        if (ns > 0) {
            progress("baselines: copying sltd's records");
            copy_records(dbdir, st.documents, sinks, ns);
        }
        if (lb != NULL) {
            lmdb_base_open(lb);
            ri.lmdb_file = lmdb_base_file(lb);
        }
        if (sb != NULL) {
            sqlite_base_open(sb);
            ri.sqlite_file = sqlite_base_file(sb);
        }
        ri.copy_s = (double)(now_ns() - t0) / 1e9;
    }

    /* 3. the handle under test and the queries, all made before any timing */
    o.flags = SLTD_OPEN_READONLY;
    if ((rc = sltd_db_open(&db, dbdir, &o)) != SLTD_OK)
        die_sltd(rc, dbdir);
    progress("making queries and digests");
    inputs_make(&in, db, (size_t)ri.queries, ri.records);
    fl = floors_new(&in, bf, selected(op.only, "floor.dram"));
    s = xmalloc_touched(in.nq * sizeof *s);

    /* 4. the single-threaded workloads, interleaved in rounds */
    nall += sltd_workloads(wl + nall, &in);
    nall += floor_workloads(wl + nall, fl);
    if (bf != NULL)
        nall += bfilter_workloads(wl + nall, bf, &in);
    if (lb != NULL)
        nall += lmdb_workloads(wl + nall, lb, &in);
    if (sb != NULL)
        nall += sqlite_workloads(wl + nall, sb, &in);
    for (j = 0; j < nall; j++)
        if (selected(op.only, wl[j].name))
            wl[nw++] = wl[j];
    progress("%u single-threaded workloads: warm-up, then %u rounds", nw, op.rounds);
    run_interleaved(wl, nw, op.rounds, in.nq, ri.records);

    /* 5. results in the usual order: sltd's, then its threaded runs, then the floors and baselines */
    for (j = 0; j < nw && strncmp(wl[j].name, "sltd.", 5) == 0; j++)
        workload_record(&wl[j]);
    if (ri.threads > 1)
        progress("sltd with 2..%u threads", ri.threads);
    for (t = 2; t <= ri.threads; t++) {
        if (selected(op.only, "sltd.miss"))
            run_sltd_threads("sltd.miss", db, in.absent, in.nq, s, 0, t);
        if (selected(op.only, "sltd.hit"))
            run_sltd_threads("sltd.hit", db, in.present, in.nq, s, 1, t);
    }
    for (; j < nw; j++)
        workload_record(&wl[j]);
    floors_free(fl);
    bfilter_free(bf);
    lmdb_base_close(lb);
    sqlite_base_close(sb);
    sltd_db_close(db);

    /* 6. report */
    getrusage(RUSAGE_SELF, &ru);
    ri.peak_rss_kb = ru.ru_maxrss;
    ri.total_s = (double)(now_ns() - t_start) / 1e9;
    machine_finish(&ri.m);
    report_evaluate(&ri);
    if (op.cdf != NULL)
        report_cdf(op.cdf);
    write_report(&op, &ri, old);

    results_free();
    figures_free(old);
    inputs_free(&in);
    free(s);
    if (!op.keep)
        remove_tree(tmpl);
    return 0;
}
