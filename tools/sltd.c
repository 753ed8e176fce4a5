/* SPDX-License-Identifier: Apache-2.0 */
/* sltd — the operator's command line. Uses only the public header (sltd.h).
 *
 * Exit status everywhere: 0 checked, nothing listed (or success) · 1 at least one listed document ·
 * 2 bad usage or bad input · 3 database, key or system error. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

/* ---- sltd init ---- */

static const char init_help[] =
    "usage: sltd init --db DIR [--key FILE] [--bits-per-key N]\n"
    "\n"
    "Create an empty database in DIR (created if needed; it must not hold a database).\n"
    "The master key FILE (default: DIR.key, beside the directory, never inside it) is created\n"
    "with mode 0600 when absent and reused when present. Keep it off the kiosks' copies of DIR.\n"
    "  --bits-per-key N   filter size, 4..64 (default 20: about 0.026 % false positives)\n"
    "SLTD_DB stands for --db and SLTD_KEY for --key (the flags win).\n";

/* ---- sltd import ---- */

static const char import_help[] =
    "usage: sltd import --db DIR [--key FILE] [--ignore-unknown] [--skip-invalid] FEED.csv|-\n"
    "\n"
    "Add and remove listings from a feed CSV (see the README, \"Feed CSV\"), all or nothing: every\n"
    "invalid row is reported as FILE:LINE: field 'NAME': reason, and then nothing is imported.\n"
    "  --ignore-unknown   ignore columns that are not part of the feed format\n"
    "  --skip-invalid     import the valid rows and report the invalid ones (instead of importing nothing)\n"
    "Any feed size imports in bounded memory (sorted runs spill to temporary files in DIR: digests only).\n";

/* ---- sltd check ---- */

static const char check_help[] =
    "usage: sltd check --db DIR [--key FILE] [--type T] [--json] [--refuse-stale] STATE NUMBER\n"
    "       sltd check --db DIR [--key FILE] [--json] [--ocr-variants] [--strict] --mrz LINE LINE [LINE]\n"
    "\n"
    "Is this document listed? STATE is an ICAO 9303 code (UTO, D, D<<, ...); NUMBER is normalised\n"
    "(upper-case; spaces, '-', '/' and '<' dropped). --type filters by document family (P; I/A/C; V).\n"
    "A warning goes to stderr when the data is past its expiry; --refuse-stale makes it an error (3).\n"
    "--mrz: an invalid document (a field that breaks ICAO 9303) is exit 2 unless its number is listed;\n"
    "--strict accepts ICAO 9303 check digits only (no national variant).\n"
    "Exit status: 0 not listed, 1 listed, 2 bad input, 3 database or key error.\n";

/* ---- sltd stats ---- */

static const char stats_help[] =
    "usage: sltd stats --db DIR [--key FILE] [--json]\n"
    "\n"
    "Records, documents, data sequence and age, state checksum, filter size, fill and estimated\n"
    "false-positive rate, file sizes; the last successful sync and the expiry of its index.\n";

static int cmd_init(int argc, char **argv)
{
    sltd_db *db;
    args a;
    int rc = cli_parse_args(&a, argc, argv, OPT(O_DB) | OPT(O_KEY) | OPT(O_BITS), OPT(O_DB), init_help);

    if (rc != 0)
        return rc < 0 ? CLI_CLEAR : rc;
    if (a.npos != 0)
        return cli_usage_error("init", "unexpected argument");
    if ((rc = cli_open_db(&db, "init", &a, SLTD_OPEN_CREATE)) != 0)
        return rc;
    sltd_db_close(db);
    cli_info("sltd init: created database %s (key %s%s)\n", a.text[O_DB], a.text[O_KEY] ? a.text[O_KEY] : a.text[O_DB],
             a.text[O_KEY] ? "" : ".key");
    return CLI_CLEAR;
}

/* Progress on stderr, only when it is a terminal. */
static void import_progress(void *ctx, const char *phase, uint64_t done, uint64_t total)
{
    const struct timespec *t0 = ctx;
    struct timespec now;
    double secs;

    clock_gettime(CLOCK_MONOTONIC, &now);
    secs = (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
    if (strcmp(phase, "read") == 0)
        fprintf(stderr, "\rsltd import: %llu rows read (%.0f rows/s)   ", (unsigned long long)done,
                secs > 0 ? (double)done / secs : 0.0);
    else
        fprintf(stderr, "\rsltd import: writing %llu sorted rows in one transaction...   \n",
                (unsigned long long)total);
}

static int cmd_import(int argc, char **argv)
{
    sltd_import_options o = SLTD_IMPORT_OPTIONS_INIT;
    sltd_import_report r = SLTD_IMPORT_REPORT_INIT;
    struct timespec t0, t1;
    sltd_db *db;
    double secs;
    args a;
    int rc = cli_parse_args(&a, argc, argv, OPT(O_DB) | OPT(O_KEY) | OPT(O_IGNORE) | OPT(O_SKIP), OPT(O_DB),
                            import_help);

    if (rc != 0)
        return rc < 0 ? CLI_CLEAR : rc;
    if (a.npos != 1)
        return cli_usage_error("import", "give exactly one FEED.csv (or - for standard input)");
    if ((rc = cli_input_readable("import", a.pos[0], 1)) != 0)
        return rc; /* bad input, before the database is touched */
    if ((rc = cli_open_db(&db, "import", &a, 0)) != 0)
        return rc;
    o.flags = (a.set[O_IGNORE] ? SLTD_IMPORT_IGNORE_UNKNOWN : 0) | (a.set[O_SKIP] ? SLTD_IMPORT_SKIP_INVALID : 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (!cli_quiet() && isatty(STDERR_FILENO)) {
        o.progress = import_progress;
        o.progress_ctx = &t0;
    }
    rc = sltd_db_import_feed_ex(&r, db, a.pos[0], &o);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (rc == SLTD_OK && r.invalid > 0)
        fprintf(stderr, "sltd import: WARNING: invalid rows skipped:\n%s\n", sltd_error_detail());
    sltd_db_close(db);
    if (rc != SLTD_OK) {
        rc = cli_fail("import", rc, 0);
        if (r.invalid > 0 && !a.set[O_SKIP]) /* the flag that accepts such a feed */
            fprintf(stderr, "sltd import: --skip-invalid imports the valid rows and reports the invalid ones\n");
        return rc;
    }
    secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    cli_info("sltd import: %llu rows: %llu added, %llu updated, %llu unchanged, %llu removed, %llu not found, "
            "%llu invalid skipped (%.2f s, %.0f rows/s)\n",
            (unsigned long long)r.rows, (unsigned long long)r.added, (unsigned long long)r.updated,
            (unsigned long long)r.unchanged, (unsigned long long)r.removed, (unsigned long long)r.not_found,
            (unsigned long long)r.invalid, secs, secs > 0 ? (double)r.rows / secs : 0.0);
    return CLI_CLEAR;
}

/* `sltd check --json` for an answer that did not come from a lookup: bad input (invalid; the number
 * is not repeated) or a database error (error); freshness from db when it could be opened. */
static void check_json_failure(const char *verdict, const char *state, const char *error, sltd_db *db)
{
    cli_answer an = { verdict, state, NULL, NULL, NULL, { 0, 0, 0, 0, 0 }, error, NULL };

    if (db != NULL && cli_fresh_from_db(&an.fresh, db) != SLTD_OK)
        memset(&an.fresh, 0, sizeof an.fresh);
    putchar('{');
    cli_json_answer(stdout, &an);
    fputs("}\n", stdout);
}

static int cmd_check(int argc, char **argv)
{
    char state[SLTD_STATE_MAX + 1], number[SLTD_NUMBER_MAX + 1], type[SLTD_TYPE_MAX + 1], d1[16], why[512];
    sltd_result res = SLTD_RESULT_INIT;
    sltd_db *db;
    unsigned i;
    args a;
    int rc = cli_parse_args(&a, argc, argv,
                            OPT(O_DB) | OPT(O_KEY) | OPT(O_JSON) | OPT(O_TYPE) | OPT(O_STALE) | OPT(O_MRZ) |
                                OPT(O_OCR) | OPT(O_STRICT),
                            OPT(O_DB), check_help);

    if (rc != 0)
        return rc < 0 ? CLI_CLEAR : rc;
    if (a.set[O_MRZ]) {
        if (a.set[O_TYPE])
            return cli_usage_error("check", "--type does not apply to --mrz (the MRZ's document code gives it)");
        return cli_check_mrz(&a);
    }
    if (a.set[O_OCR])
        return cli_usage_error("check", "--ocr-variants applies to --mrz");
    if (a.set[O_STRICT])
        return cli_usage_error("check", "--strict applies to --mrz");
    if (a.npos != 2)
        return cli_usage_error("check", "give STATE and NUMBER");
    /* Validate the input before touching the database, so that bad input is exit 2 whatever the db.
     * The messages do not repeat the arguments: either may be a document number. The library's detail
     * says what is wrong (and, for a state, which ICAO 9303 code was probably meant). */
    if ((rc = sltd_state_normalize(state, a.pos[0])) != SLTD_OK ||
        (rc = sltd_number_normalize(number, a.pos[1])) != SLTD_OK) {
        const int bad_state = rc == SLTD_ESTATE;
        const char *detail = sltd_error_detail();
        snprintf(why, sizeof why, "%s (argument %d): %s", bad_state ? "STATE" : "NUMBER", bad_state ? 1 : 2,
                 detail[0] != '\0' ? detail : sltd_error_text(rc));
        fprintf(stderr, "sltd check: %s\n", why);
        if (a.set[O_JSON])
            check_json_failure("invalid", bad_state ? NULL : state, why, NULL);
        return CLI_USAGE;
    }
    if (a.set[O_TYPE] && sltd_type_normalize(type, a.text[O_TYPE]) != SLTD_OK) {
        snprintf(why, sizeof why, "--type: %s", sltd_error_detail());
        fprintf(stderr, "sltd check: %s\n", why);
        if (a.set[O_JSON])
            check_json_failure("invalid", state, why, NULL);
        return CLI_USAGE;
    }
    if ((rc = cli_open_db(&db, "check", &a, SLTD_OPEN_READONLY)) != 0) {
        if (a.set[O_JSON])
            check_json_failure("error", state,
                               sltd_error_detail()[0] != '\0' ? sltd_error_detail() : "the database could not be opened",
                               NULL);
        return rc;
    }
    rc = sltd_db_lookup(&res, db, state, number, a.text[O_TYPE]);
    if (rc != SLTD_OK) {
        snprintf(why, sizeof why, "%s", sltd_error_detail()[0] != '\0' ? sltd_error_detail() : sltd_error_text(rc));
        if (a.set[O_JSON]) /* (the verdict the library gave: "error" for a database or system error) */
            check_json_failure(sltd_verdict_name(res.verdict != SLTD_VERDICT_UNSET ? res.verdict : SLTD_VERDICT_ERROR),
                               state, why, db);
        sltd_db_close(db);
        return cli_fail("check", rc, 0);
    }
    sltd_db_close(db);
    cli_warn_stale("check", res.stale, res.data_expires);
    if (a.set[O_JSON]) {
        cli_answer an = { sltd_verdict_name(res.verdict), state, number, NULL, &res, { 0, 0, 0, 0, 0 }, NULL, NULL };
        cli_fresh_from_result(&an.fresh, &res);
        putchar('{');
        cli_json_answer(stdout, &an);
        fputs("}\n", stdout);
    } else if (!res.listed) {
        printf("%s %s: not listed\n", state, number);
    } else {
        for (i = 0; i < res.nrecords; i++) {
            const sltd_record *r = &res.records[i];
            cli_date(d1, r->reported);
            printf("%s %s: LISTED %s", state, number, sltd_status_name(r->status));
            if (r->type[0])
                printf(", type %s", r->type);
            if (d1[0])
                printf(", reported %s", d1);
            if (r->reporting_state[0])
                printf(" by %s", r->reporting_state);
            if (r->reference[0])
                printf(", reference %s", r->reference);
            putchar('\n');
        }
    }
    return res.listed ? CLI_HIT : CLI_CLEAR;
}

static void print_filter_line(const sltd_stats *st)
{
    if (st->filter_state == SLTD_FILTER_OK)
        printf("filter          %llu bytes, %u bits/key for %llu documents, %.2f %% of bits set, "
               "estimated false positives %.4f %% (target at capacity %.4f %%)\n",
               (unsigned long long)st->filter_bytes, st->filter_bits_per_key, (unsigned long long)st->filter_capacity,
               100 * st->filter_fill, 100 * st->filter_fpr_estimate, 100 * st->filter_fpr_target);
    else
        printf("filter          BYPASS: missing or not valid for this data (an interrupted import?); every "
               "lookup reads the database: run 'sltd repair --db DIR' to rebuild it\n");
}

static int cmd_stats(int argc, char **argv)
{
    char sum[33], produced[32], expires[32];
    sltd_stats st = SLTD_STATS_INIT;
    sltd_db *db;
    args a;
    int rc = cli_parse_args(&a, argc, argv, OPT(O_DB) | OPT(O_KEY) | OPT(O_JSON), OPT(O_DB), stats_help);

    if (rc != 0)
        return rc < 0 ? CLI_CLEAR : rc;
    if (a.npos != 0)
        return cli_usage_error("stats", "unexpected argument");
    if ((rc = cli_open_db(&db, "stats", &a, SLTD_OPEN_READONLY)) != 0)
        return rc;
    if ((rc = sltd_db_stats_get(&st, db)) != SLTD_OK) {
        sltd_db_close(db);
        return cli_fail("stats", rc, 0);
    }
    cli_hex(sum, st.checksum, 16);
    if (a.set[O_JSON]) {
        printf("{\"format_version\":%u,\"records\":%llu,\"documents\":%llu,\"sequence\":%llu,\"produced\":",
               st.format_version, (unsigned long long)st.records, (unsigned long long)st.documents,
               (unsigned long long)st.sequence);
        cli_json_when(stdout, st.produced);
        fputs(",\"expires\":", stdout);
        cli_json_when(stdout, st.expires);
        printf(",\"stale\":%s,\"checksum\":\"%s\",\"filter\":{\"state\":\"%s\",\"repair\":%s,"
               "\"bytes\":%llu,\"capacity\":%llu,\"bits_per_key\":%u,\"fill\":%.6f,\"fpr_estimate\":%.3g,"
               "\"fpr_target\":%.3g},\"map_size\":%llu,\"data_bytes\":%llu,\"sync\":",
               st.expires != 0 && time(NULL) > st.expires ? "true" : "false", sum,
               st.filter_state == SLTD_FILTER_OK ? "ok" : "bypass",
               st.filter_state == SLTD_FILTER_OK ? "null" : "\"sltd repair --db DIR\"",
               (unsigned long long)st.filter_bytes, (unsigned long long)st.filter_capacity, st.filter_bits_per_key,
               st.filter_fill, st.filter_fpr_estimate, st.filter_fpr_target, (unsigned long long)st.map_size,
               (unsigned long long)st.data_bytes);
        cli_sync_state(db, 1);
        printf("}\n");
        sltd_db_close(db);
        return CLI_CLEAR;
    }
    cli_when(produced, st.produced);
    cli_when(expires, st.expires);
    printf("database        %s (format %u)\n", a.text[O_DB], st.format_version);
    printf("records         %llu listings of %llu documents\n", (unsigned long long)st.records,
           (unsigned long long)st.documents);
    printf("sequence        %llu\n", (unsigned long long)st.sequence);
    if (st.produced != 0)
        printf("produced        %s (%.1f days ago)\n", produced, (double)(time(NULL) - st.produced) / 86400.0);
    else
        printf("produced        unknown (local imports only)\n");
    if (st.expires == 0)
        printf("expires         never\n");
    else if (time(NULL) > st.expires)
        printf("expires         %s: EXPIRED %.1f days ago: updates are not arriving\n", expires,
               (double)(time(NULL) - st.expires) / 86400.0);
    else
        printf("expires         %s (in %.1f days)\n", expires, (double)(st.expires - time(NULL)) / 86400.0);
    printf("checksum        %s\n", sum);
    print_filter_line(&st);
    printf("data file       %llu bytes used, map %llu bytes\n", (unsigned long long)st.data_bytes,
           (unsigned long long)st.map_size);
    cli_sync_state(db, 0);
    sltd_db_close(db);
    return CLI_CLEAR;
}

static const char repair_help[] =
    "usage: sltd repair --db DIR [--key FILE]\n"
    "\n"
    "Rebuild what an interruption left unusable: the filter in front of the database, when it is\n"
    "missing, damaged or was left mid-update (an import or update killed while writing; 'sltd stats'\n"
    "then says BYPASS). The records are never changed. Lookups keep answering meanwhile.\n"
    "Exit status: 0 the filter is in use, 3 it could not be rebuilt (the reason on stderr).\n";

static int cmd_repair(int argc, char **argv)
{
    sltd_stats st = SLTD_STATS_INIT;
    sltd_db *db;
    args a;
    int rc = cli_parse_args(&a, argc, argv, OPT(O_DB) | OPT(O_KEY), OPT(O_DB), repair_help);

    if (rc != 0)
        return rc < 0 ? CLI_CLEAR : rc;
    if (a.npos != 0)
        return cli_usage_error("repair", "unexpected argument");
    /* a writable open checks the filter and rebuilds it when it is not valid for the committed data */
    if ((rc = cli_open_db(&db, "repair", &a, 0)) != 0)
        return rc;
    rc = sltd_db_stats_get(&st, db);
    sltd_db_close(db);
    if (rc != SLTD_OK)
        return cli_fail("repair", rc, 0);
    if (st.filter_state != SLTD_FILTER_OK) {
        fprintf(stderr, "sltd repair: %s: the filter is still not in use (another process is writing it?); "
                        "lookups read the database meanwhile. Try again when it is done.\n",
                a.text[O_DB]);
        return CLI_SYSTEM;
    }
    cli_info("sltd repair: %s: the filter is in use (%llu documents, %llu bytes)\n", a.text[O_DB],
             (unsigned long long)st.documents, (unsigned long long)st.filter_bytes);
    return CLI_CLEAR;
}

static const char verify_help[] =
    "usage: sltd verify --db DIR [--key FILE] [--json]\n"
    "\n"
    "Full integrity check: every record decoded; record and document counts and the state checksum\n"
    "recomputed from scratch and compared with the stored ones; every document tested against the\n"
    "filter. Exit status: 0 all consistent, 3 damaged (the reason on stderr) or unreadable.\n";

static int cmd_verify(int argc, char **argv)
{
    struct timespec t0, t1;
    sltd_verify_report r = SLTD_VERIFY_REPORT_INIT;
    char sum[33];
    sltd_db *db;
    double secs;
    args a;
    int rc = cli_parse_args(&a, argc, argv, OPT(O_DB) | OPT(O_KEY) | OPT(O_JSON), OPT(O_DB), verify_help);

    if (rc != 0)
        return rc < 0 ? CLI_CLEAR : rc;
    if (a.npos != 0)
        return cli_usage_error("verify", "unexpected argument");
    if ((rc = cli_open_db(&db, "verify", &a, SLTD_OPEN_READONLY)) != 0)
        return rc;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = sltd_db_verify(&r, db);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    sltd_db_close(db);
    secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    cli_hex(sum, r.checksum, 16);
    if (a.set[O_JSON])
        printf("{\"ok\":%s,\"records\":%llu,\"documents\":%llu,\"checksum\":\"%s\",\"counts_ok\":%s,"
               "\"checksum_ok\":%s,\"filter_checked\":%s,\"filter_missing\":%llu,\"seconds\":%.3f}\n",
               rc == SLTD_OK ? "true" : "false", (unsigned long long)r.records, (unsigned long long)r.documents, sum,
               r.counts_ok ? "true" : "false", r.checksum_ok ? "true" : "false", r.filter_checked ? "true" : "false",
               (unsigned long long)r.filter_missing, secs);
    else
        printf("%s: %llu records of %llu documents, checksum %s %s, counts %s, filter %s (%.3f s)\n",
               rc == SLTD_OK ? "OK" : "DAMAGED", (unsigned long long)r.records, (unsigned long long)r.documents, sum,
               r.checksum_ok ? "matches" : "DIFFERS", r.counts_ok ? "match" : "DIFFER",
               !r.filter_checked ? "not in use (bypass)" : r.filter_missing ? "MISSES DOCUMENTS" : "covers every document",
               secs);
    return rc == SLTD_OK ? CLI_CLEAR : cli_fail("verify", rc, 0);
}

static const char main_help[] =
    "usage: sltd COMMAND [OPTIONS] [ARGS]\n"
    "\n"
    "Is this travel document listed as stolen, lost, revoked or invalid? (libsltd " SLTD_VERSION_STRING ")\n"
    "\n"
    "commands:\n"
    "  init    --db DIR [--key FILE]                  create a database (and its key when absent)\n"
    "  import  --db DIR [--key FILE] FEED.csv|-       add/remove listings from a feed, all or nothing\n"
    "  check   --db DIR [--key FILE] STATE NUMBER [--type T]   check one document\n"
    "  screen  --db DIR [--format csv|mrz|jsonl] [--threads N] [--json] [--all] [--audit FILE] [-o OUT] MANIFEST|-\n"
    "                                                 screen a passenger manifest\n"
    "  mrz     [--json] [--strict] LINE LINE [LINE]   parse and validate an MRZ (no database)\n"
    "  stats   --db DIR [--json]                      counts, freshness, filter, sizes\n"
    "  keygen  --out PREFIX                           Ed25519 signing keys: PREFIX.sec (0600), PREFIX.pub\n"
    "  pack    --key FILE --sign PREFIX.sec --seq N [--base M --db DIR] [--expires DAYS] -o BUNDLE FEED.csv\n"
    "                                                 a signed full bundle, or a delta on top of sequence M\n"
    "  apply   --db DIR --trust PREFIX.pub BUNDLE     verify a bundle, then apply it all or nothing\n"
    "  publish --repo DIR --db REPLICA --sign PREFIX.sec [--expires DAYS] [--full] FEED.csv\n"
    "                                                 authority: next bundle + signed index in a repository\n"
    "  sync    --db DIR --trust ROOT.pub --from URL|DIR  kiosk: verify the index, fetch the cheapest path, apply\n"
    "  certify --root ROOT.sec --keys KEYLIST [--days N] SIGNING.pub   root ceremony: certify a signing key\n"
    "  revoke  --root ROOT.sec --keys KEYLIST SIGNING.pub              root ceremony: revoke a signing key\n"
    "  verify  --db DIR [--json]                      full integrity check\n"
    "  repair  --db DIR                               rebuild the filter after an interruption\n"
    "\n"
    "'sltd COMMAND --help' for each. Every command takes --help (-h), --version (-V) and --quiet (-q:\n"
    "no summary or progress on stderr). SLTD_DB stands for --db and SLTD_KEY for --key (flags win).\n"
    "Exit status: 0 not listed / success, 1 listed, 2 bad usage or input, 3 database, key or system\n"
    "error (a write error on any output included).\n";

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } cmds[] = {
        { "init", cmd_init }, { "import", cmd_import }, { "check", cmd_check }, { "stats", cmd_stats },
        { "verify", cmd_verify }, { "repair", cmd_repair }, { "screen", cli_screen }, { "mrz", cli_mrz },
        { "keygen", cli_keygen }, { "pack", cli_pack }, { "apply", cli_apply }, { "publish", cli_publish },
        { "sync", cli_sync }, { "certify", cli_certify }, { "revoke", cli_revoke },
    };
    int first = 1, status, out;
    size_t i;

    /* --quiet may come before the command too: it is read again by the command's parser */
    while (first < argc && (strcmp(argv[first], "-q") == 0 || strcmp(argv[first], "--quiet") == 0))
        first++;
    if (first >= argc) {
        fputs(main_help, stderr);
        return CLI_USAGE;
    }
    if (strcmp(argv[first], "--help") == 0 || strcmp(argv[first], "-h") == 0 || strcmp(argv[first], "help") == 0) {
        fputs(main_help, stdout);
        return cli_close_stdout("--help");
    }
    if (strcmp(argv[first], "--version") == 0 || strcmp(argv[first], "-V") == 0) {
        printf("sltd %s\n", sltd_version());
        return cli_close_stdout("--version");
    }
    for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (strcmp(argv[first], cmds[i].name) == 0) {
            if (first > 1) { /* the leading --quiet moves behind the command's name */
                char *name = argv[first];
                memmove(argv + 2, argv + 1, (size_t)(first - 1) * sizeof *argv);
                argv[1] = name;
            }
            status = cmds[i].fn(argc - 1, argv + 1);
            /* a write error on standard output is exit 3, whatever the command found */
            out = cli_close_stdout(cmds[i].name);
            return out != 0 ? out : status;
        }
    fprintf(stderr, "sltd: unknown command '%s' (see 'sltd --help')\n", argv[first]);
    return CLI_USAGE;
}
