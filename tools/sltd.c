/* SPDX-License-Identifier: Apache-2.0 */
/* sltd — the operator's command line. Uses only the public header (sltd.h).
 *
 * Exit status everywhere: 0 checked, nothing listed (or success) · 1 at least one listed document ·
 * 2 bad usage or bad input · 3 database, key or system error. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

/* ---- shared helpers ---- */


/* ---- sltd init ---- */

static const char init_help[] =
    "usage: sltd init --db DIR [--key FILE] [--bits-per-key N]\n"
    "\n"
    "Create an empty database in DIR (created if needed; it must not hold a database).\n"
    "The master key FILE (default: DIR.key, beside the directory, never inside it) is created\n"
    "with mode 0600 when absent and reused when present. Keep it off the kiosks' copies of DIR.\n"
    "  --bits-per-key N   filter size, 4..64 (default 20: about 0.026 %% false positives)\n";

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
    int rc = cli_parse_args(&a, argc, argv, A_DB | A_KEY | A_BITS, init_help);

    if (rc != 0)
        return rc < 0 ? CLI_CLEAR : rc;
    if (a.npos != 0)
        return cli_usage_error("init", "unexpected argument");
    if ((rc = cli_open_db(&db, "init", &a, SLTD_OPEN_CREATE)) != 0)
        return rc;
    sltd_db_close(db);
    fprintf(stderr, "sltd init: created database %s (key %s%s)\n", a.db, a.key ? a.key : a.db, a.key ? "" : ".key");
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
    sltd_import_report r;
    struct timespec t0, t1;
    sltd_db *db;
    double secs;
    args a;
    int rc = cli_parse_args(&a, argc, argv, A_DB | A_KEY | A_IGNORE | A_SKIP, import_help);

    if (rc != 0)
        return rc < 0 ? CLI_CLEAR : rc;
    if (a.npos != 1)
        return cli_usage_error("import", "give exactly one FEED.csv (or - for standard input)");
    if (strcmp(a.pos[0], "-") != 0 && access(a.pos[0], R_OK) != 0) {
        fprintf(stderr, "sltd import: %s: %s\n", a.pos[0], strerror(errno));
        return CLI_USAGE; /* bad input, before the database is touched */
    }
    if ((rc = cli_open_db(&db, "import", &a, 0)) != 0)
        return rc;
    o.flags = (a.ignore_unknown ? SLTD_IMPORT_IGNORE_UNKNOWN : 0) | (a.skip_invalid ? SLTD_IMPORT_SKIP_INVALID : 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (isatty(STDERR_FILENO)) {
        o.progress = import_progress;
        o.progress_ctx = &t0;
    }
    rc = sltd_db_import_feed_ex(&r, db, a.pos[0], &o);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (rc == SLTD_OK && r.invalid > 0)
        fprintf(stderr, "sltd import: WARNING: invalid rows skipped:\n%s\n", sltd_error_detail());
    sltd_db_close(db);
    if (rc != SLTD_OK)
        return cli_fail("import", rc);
    secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    fprintf(stderr,
            "sltd import: %llu rows: %llu added, %llu updated, %llu unchanged, %llu removed, %llu not found, "
            "%llu invalid skipped (%.2f s, %.0f rows/s)\n",
            (unsigned long long)r.rows, (unsigned long long)r.added, (unsigned long long)r.updated,
            (unsigned long long)r.unchanged, (unsigned long long)r.removed, (unsigned long long)r.not_found,
            (unsigned long long)r.invalid, secs, secs > 0 ? (double)r.rows / secs : 0.0);
    return CLI_CLEAR;
}

static void print_record_json(const sltd_record *r)
{
    char d1[16], d2[16];

    cli_date(d1, r->reported);
    cli_date(d2, r->expires);
    printf("{\"type\":");
    cli_json_string(stdout, r->type);
    printf(",\"status\":\"%s\",\"reported\":", sltd_status_name(r->status));
    cli_json_string(stdout, d1);
    printf(",\"expires\":");
    cli_json_string(stdout, d2);
    printf(",\"reporting_state\":");
    cli_json_string(stdout, r->reporting_state);
    printf(",\"reference\":");
    cli_json_string(stdout, r->reference);
    printf("}");
}

static int cmd_check(int argc, char **argv)
{
    char state[SLTD_STATE_MAX + 1], number[SLTD_NUMBER_MAX + 1], d1[16];
    sltd_result res = SLTD_RESULT_INIT;
    sltd_db *db;
    unsigned i;
    args a;
    int rc = cli_parse_args(&a, argc, argv, A_DB | A_KEY | A_JSON | A_TYPE | A_STALE | A_MRZ | A_OCR | A_STRICT,
                            check_help);

    if (rc != 0)
        return rc < 0 ? CLI_CLEAR : rc;
    if (a.mrz) {
        if (a.type != NULL)
            return cli_usage_error("check", "--type does not apply to --mrz (the MRZ's document code gives it)");
        if ((rc = cli_mrz_validate(a.npos, a.pos, a.strict)) != 0) /* bad input is exit 2 whatever the db */
            return rc;
        if ((rc = cli_open_db(&db, "check", &a, SLTD_OPEN_READONLY)) != 0)
            return rc;
        rc = cli_check_mrz(db, a.json, a.ocr_variants, a.strict, a.npos, a.pos);
        sltd_db_close(db);
        return rc;
    }
    if (a.ocr_variants)
        return cli_usage_error("check", "--ocr-variants applies to --mrz");
    if (a.strict)
        return cli_usage_error("check", "--strict applies to --mrz");
    if (a.npos != 2)
        return cli_usage_error("check", "give STATE and NUMBER");
    /* Validate the input before touching the database, so that bad input is exit 2 whatever the db. */
    /* the messages do not repeat the arguments: either may be a document number */
    if ((rc = sltd_state_normalize(state, a.pos[0])) != SLTD_OK) {
        fprintf(stderr, "sltd check: STATE (argument 1): %s\n", sltd_error_text(rc));
        return CLI_USAGE;
    }
    if ((rc = sltd_number_normalize(number, a.pos[1])) != SLTD_OK) {
        fprintf(stderr, "sltd check: NUMBER (argument 2): %s\n", sltd_error_text(rc));
        return CLI_USAGE;
    }
    if ((rc = cli_open_db(&db, "check", &a, SLTD_OPEN_READONLY)) != 0)
        return rc;
    rc = sltd_db_lookup(&res, db, state, number, a.type);
    sltd_db_close(db);
    if (rc != SLTD_OK)
        return cli_fail("check", rc);
    cli_warn_stale("check", res.stale, res.data_expires);
    if (a.json) {
        printf("{\"state\":\"%s\",\"number\":\"%s\",\"listed\":%s,\"records\":[", state, number,
               res.listed ? "true" : "false");
        for (i = 0; i < res.nrecords; i++) {
            if (i)
                putchar(',');
            print_record_json(&res.records[i]);
        }
        printf("]}\n");
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


static int cmd_stats(int argc, char **argv)
{
    char sum[33];
    sltd_stats st = SLTD_STATS_INIT;
    sltd_db *db;
    args a;
    int rc = cli_parse_args(&a, argc, argv, A_DB | A_KEY | A_JSON, stats_help);

    if (rc != 0)
        return rc < 0 ? CLI_CLEAR : rc;
    if (a.npos != 0)
        return cli_usage_error("stats", "unexpected argument");
    if ((rc = cli_open_db(&db, "stats", &a, SLTD_OPEN_READONLY)) != 0)
        return rc;
    if ((rc = sltd_db_stats_get(&st, db)) != SLTD_OK) {
        sltd_db_close(db);
        return cli_fail("stats", rc);
    }
    cli_hex(sum, st.checksum, 16);
    if (a.json) {
        printf("{\"format_version\":%u,\"records\":%llu,\"documents\":%llu,\"sequence\":%llu,"
               "\"produced\":%lld,\"expires\":%lld,\"stale\":%s,\"checksum\":\"%s\",\"filter\":{\"state\":\"%s\","
               "\"bytes\":%llu,\"capacity\":%llu,\"bits_per_key\":%u,\"fill\":%.6f,\"fpr_estimate\":%.3g,"
               "\"fpr_target\":%.3g},\"map_size\":%llu,\"data_bytes\":%llu,\"sync\":",
               st.format_version, (unsigned long long)st.records, (unsigned long long)st.documents,
               (unsigned long long)st.sequence, (long long)st.produced, (long long)st.expires,
               st.expires != 0 && time(NULL) > st.expires ? "true" : "false", sum,
               st.filter_state == SLTD_FILTER_OK ? "ok" : "bypass", (unsigned long long)st.filter_bytes,
               (unsigned long long)st.filter_capacity, st.filter_bits_per_key, st.filter_fill,
               st.filter_fpr_estimate, st.filter_fpr_target, (unsigned long long)st.map_size,
               (unsigned long long)st.data_bytes);
        cli_sync_state(db, 1);
        printf("}\n");
        sltd_db_close(db);
        return CLI_CLEAR;
    }
    printf("database        %s (format %u)\n", a.db, st.format_version);
    printf("records         %llu listings of %llu documents\n", (unsigned long long)st.records,
           (unsigned long long)st.documents);
    printf("sequence        %llu\n", (unsigned long long)st.sequence);
    if (st.produced != 0)
        printf("produced        %.1f days ago\n", (double)(time(NULL) - st.produced) / 86400.0);
    else
        printf("produced        unknown (local imports only)\n");
    if (st.expires == 0)
        printf("expires         never\n");
    else if (time(NULL) > st.expires)
        printf("expires         EXPIRED %.1f days ago: updates are not arriving\n",
               (double)(time(NULL) - st.expires) / 86400.0);
    else
        printf("expires         in %.1f days\n", (double)(st.expires - time(NULL)) / 86400.0);
    printf("checksum        %s\n", sum);
    if (st.filter_state == SLTD_FILTER_OK)
        printf("filter          %llu bytes, %u bits/key for %llu documents, %.2f %% of bits set, "
               "estimated false positives %.4f %% (target at capacity %.4f %%)\n",
               (unsigned long long)st.filter_bytes, st.filter_bits_per_key, (unsigned long long)st.filter_capacity,
               100 * st.filter_fill, 100 * st.filter_fpr_estimate, 100 * st.filter_fpr_target);
    else
        printf("filter          BYPASS: missing or not valid for this data; every lookup reads the database "
               "(open it writable, e.g. 'sltd import', to rebuild it)\n");
    printf("data file       %llu bytes used, map %llu bytes\n", (unsigned long long)st.data_bytes,
           (unsigned long long)st.map_size);
    cli_sync_state(db, 0);
    sltd_db_close(db);
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
    sltd_verify_report r;
    char sum[33];
    sltd_db *db;
    double secs;
    args a;
    int rc = cli_parse_args(&a, argc, argv, A_DB | A_KEY | A_JSON, verify_help);

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
    if (a.json)
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
    return rc == SLTD_OK ? CLI_CLEAR : cli_fail("verify", rc);
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
    "\n"
    "'sltd COMMAND --help' for each. Exit status: 0 not listed / success, 1 listed,\n"
    "2 bad usage or input, 3 database, key or system error.\n";

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } cmds[] = {
        { "init", cmd_init }, { "import", cmd_import }, { "check", cmd_check },
        { "stats", cmd_stats }, { "verify", cmd_verify }, { "screen", cli_screen }, { "mrz", cli_mrz },
        { "keygen", cli_keygen }, { "pack", cli_pack }, { "apply", cli_apply },
        { "publish", cli_publish }, { "sync", cli_sync }, { "certify", cli_certify }, { "revoke", cli_revoke },
    };
    size_t i;

    if (argc < 2) {
        fputs(main_help, stderr);
        return CLI_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        fputs(main_help, stdout);
        return CLI_CLEAR;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("sltd %s\n", sltd_version());
        return CLI_CLEAR;
    }
    for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (strcmp(argv[1], cmds[i].name) == 0)
            return cmds[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "sltd: unknown command '%s' (see 'sltd --help')\n", argv[1]);
    return CLI_USAGE;
}
