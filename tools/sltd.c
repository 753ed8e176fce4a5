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

static int exit_for(int rc)
{
    switch (rc) {
    case SLTD_OK: return CLI_CLEAR;
    case SLTD_EINVAL:
    case SLTD_ESTATE:
    case SLTD_ENUMBER:
    case SLTD_ETYPE:
    case SLTD_EFORMAT:
    case SLTD_ETOOMANY:
    case SLTD_EMRZ:
    case SLTD_ECHECKDIGIT:
        return CLI_USAGE;
    default:
        return CLI_SYSTEM;
    }
}

/* Print an error from the library: the code's text, then the detail when there is one. */
static int fail(const char *cmd, int rc)
{
    const char *detail = sltd_errmsg(NULL);

    if (detail[0] != '\0')
        fprintf(stderr, "sltd %s: %s\n  (%s)\n", cmd, detail, sltd_strerror(rc));
    else
        fprintf(stderr, "sltd %s: %s\n", cmd, sltd_strerror(rc));
    return exit_for(rc);
}

static int usage_error(const char *cmd, const char *msg)
{
    fprintf(stderr, "sltd %s: %s (see 'sltd %s --help')\n", cmd, msg, cmd);
    return CLI_USAGE;
}

static void json_string(FILE *f, const char *s)
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

static void date_str(char out[16], uint32_t ymd)
{
    if (ymd == 0)
        out[0] = '\0';
    else
        snprintf(out, 16, "%04u-%02u-%02u", (unsigned)(ymd / 10000), (unsigned)(ymd / 100 % 100),
                 (unsigned)(ymd % 100));
}

/* Warn an operator that the answer came from data past its expiry (a "freeze" of updates?). */
static void warn_stale(const char *cmd, int stale, int64_t expires)
{
    if (stale)
        fprintf(stderr, "sltd %s: WARNING: the data expired %.1f days ago; updates may be blocked "
                        "(use --refuse-stale to make this an error)\n",
                cmd, (double)(time(NULL) - expires) / 86400.0);
}

/* The options of every command; each command says which it accepts. */
typedef struct args {
    const char *db, *key, *type;
    int json, ignore_unknown, refuse_stale, mrz, ocr_variants;
    unsigned bits;
    int npos;
    char **pos;
} args;

enum { A_DB = 1 << 0, A_KEY = 1 << 1, A_JSON = 1 << 2, A_TYPE = 1 << 3, A_IGNORE = 1 << 4, A_BITS = 1 << 5,
       A_STALE = 1 << 6, A_MRZ = 1 << 7, A_OCR = 1 << 8 };
enum { OPT_DB = 1000, OPT_KEY, OPT_JSON, OPT_TYPE, OPT_HELP, OPT_IGNORE_UNKNOWN, OPT_BITS, OPT_STALE, OPT_MRZ,
       OPT_OCR };

/* 0 parsed; -1 --help printed (exit 0); else an exit status. */
static int parse_args(args *a, int argc, char **argv, unsigned allowed, const char *help)
{
    static const struct option longopts[] = {
        { "db", required_argument, NULL, OPT_DB },
        { "key", required_argument, NULL, OPT_KEY },
        { "json", no_argument, NULL, OPT_JSON },
        { "type", required_argument, NULL, OPT_TYPE },
        { "ignore-unknown", no_argument, NULL, OPT_IGNORE_UNKNOWN },
        { "bits-per-key", required_argument, NULL, OPT_BITS },
        { "refuse-stale", no_argument, NULL, OPT_STALE },
        { "mrz", no_argument, NULL, OPT_MRZ },
        { "ocr-variants", no_argument, NULL, OPT_OCR },
        { "help", no_argument, NULL, OPT_HELP },
        { NULL, 0, NULL, 0 },
    };
    unsigned seen = 0;
    char *end;
    unsigned long v;
    int c;

    memset(a, 0, sizeof *a);
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_DB: a->db = optarg; seen |= A_DB; break;
        case OPT_KEY: a->key = optarg; seen |= A_KEY; break;
        case OPT_JSON: a->json = 1; seen |= A_JSON; break;
        case OPT_TYPE: a->type = optarg; seen |= A_TYPE; break;
        case OPT_IGNORE_UNKNOWN: a->ignore_unknown = 1; seen |= A_IGNORE; break;
        case OPT_STALE: a->refuse_stale = 1; seen |= A_STALE; break;
        case OPT_MRZ: a->mrz = 1; seen |= A_MRZ; break;
        case OPT_OCR: a->ocr_variants = 1; seen |= A_OCR; break;
        case OPT_BITS:
            errno = 0;
            v = strtoul(optarg, &end, 10);
            if (errno != 0 || *end != '\0' || v < 4 || v > 64)
                return usage_error(argv[0], "--bits-per-key must be a number from 4 to 64");
            a->bits = (unsigned)v;
            seen |= A_BITS;
            break;
        case 'h':
        case OPT_HELP: fputs(help, stdout); return -1;
        default: return usage_error(argv[0], "unknown option, or an option without its value");
        }
    }
    if (seen & ~allowed)
        return usage_error(argv[0], "an option given does not apply to this command");
    if ((allowed & A_DB) && a->db == NULL)
        return usage_error(argv[0], "--db DIR is required");
    a->npos = argc - optind;
    a->pos = argv + optind;
    return 0;
}

static int open_db(sltd_db **out, const char *cmd, const args *a, unsigned flags)
{
    sltd_options o = SLTD_OPTIONS_INIT;
    int rc;

    o.flags = flags | (a->refuse_stale ? SLTD_OPEN_REFUSE_STALE : 0);
    o.key_path = a->key;
    o.bits_per_key = a->bits;
    rc = sltd_open(out, a->db, &o);
    return rc == SLTD_OK ? 0 : fail(cmd, rc);
}

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
    "usage: sltd import --db DIR [--key FILE] [--ignore-unknown] FEED.csv|-\n"
    "\n"
    "Add and remove listings from a feed CSV (see the README, \"Feed CSV\"), all or nothing: every\n"
    "invalid row is reported as FILE:LINE: field 'NAME': reason, and then nothing is imported.\n"
    "  --ignore-unknown   ignore columns that are not part of the feed format\n";

/* ---- sltd check ---- */

static const char check_help[] =
    "usage: sltd check --db DIR [--key FILE] [--type T] [--json] [--refuse-stale] STATE NUMBER\n"
    "       sltd check --db DIR [--key FILE] [--json] [--ocr-variants] --mrz LINE LINE [LINE]\n"
    "\n"
    "Is this document listed? STATE is an ICAO 9303 code (UTO, D, D<<, ...); NUMBER is normalised\n"
    "(upper-case; spaces, '-', '/' and '<' dropped). --type filters by document family (P; I/A/C; V).\n"
    "A warning goes to stderr when the data is past its expiry; --refuse-stale makes it an error (3).\n"
    "Exit status: 0 not listed, 1 listed, 2 bad input, 3 database or key error.\n";

/* ---- sltd stats ---- */

static const char stats_help[] =
    "usage: sltd stats --db DIR [--key FILE] [--json]\n"
    "\n"
    "Records, documents, data sequence and age, state checksum, filter size, fill and estimated\n"
    "false-positive rate, file sizes.\n";

static int cmd_init(int argc, char **argv)
{
    sltd_db *db;
    args a;
    int rc = parse_args(&a, argc, argv, A_DB | A_KEY | A_BITS, init_help);

    if (rc != 0)
        return rc < 0 ? CLI_CLEAR : rc;
    if (a.npos != 0)
        return usage_error("init", "unexpected argument");
    if ((rc = open_db(&db, "init", &a, SLTD_OPEN_CREATE)) != 0)
        return rc;
    sltd_close(db);
    fprintf(stderr, "sltd init: created database %s (key %s%s)\n", a.db, a.key ? a.key : a.db, a.key ? "" : ".key");
    return CLI_CLEAR;
}

static int cmd_import(int argc, char **argv)
{
    sltd_import_report r;
    struct timespec t0, t1;
    sltd_db *db;
    double secs;
    args a;
    int rc = parse_args(&a, argc, argv, A_DB | A_KEY | A_IGNORE, import_help);

    if (rc != 0)
        return rc < 0 ? CLI_CLEAR : rc;
    if (a.npos != 1)
        return usage_error("import", "give exactly one FEED.csv (or - for standard input)");
    if (strcmp(a.pos[0], "-") != 0 && access(a.pos[0], R_OK) != 0) {
        fprintf(stderr, "sltd import: %s: %s\n", a.pos[0], strerror(errno));
        return CLI_USAGE; /* bad input, before the database is touched */
    }
    if ((rc = open_db(&db, "import", &a, 0)) != 0)
        return rc;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = sltd_import_feed(&r, db, a.pos[0], a.ignore_unknown ? SLTD_IMPORT_IGNORE_UNKNOWN : 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    sltd_close(db);
    if (rc != SLTD_OK)
        return fail("import", rc);
    secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    fprintf(stderr,
            "sltd import: %llu rows: %llu added, %llu updated, %llu unchanged, %llu removed, %llu not found "
            "(%.2f s, %.0f rows/s)\n",
            (unsigned long long)r.rows, (unsigned long long)r.added, (unsigned long long)r.updated,
            (unsigned long long)r.unchanged, (unsigned long long)r.removed, (unsigned long long)r.not_found, secs,
            secs > 0 ? (double)r.rows / secs : 0.0);
    return CLI_CLEAR;
}

static void print_record_json(const sltd_record *r)
{
    char d1[16], d2[16];

    date_str(d1, r->reported);
    date_str(d2, r->expires);
    printf("{\"type\":");
    json_string(stdout, r->type);
    printf(",\"status\":\"%s\",\"reported\":", sltd_status_name(r->status));
    json_string(stdout, d1);
    printf(",\"expires\":");
    json_string(stdout, d2);
    printf(",\"reporting_state\":");
    json_string(stdout, r->reporting_state);
    printf(",\"reference\":");
    json_string(stdout, r->reference);
    printf("}");
}

static int cmd_check(int argc, char **argv)
{
    char state[SLTD_STATE_MAX + 1], number[SLTD_NUMBER_MAX + 1], d1[16];
    sltd_result res;
    sltd_db *db;
    unsigned i;
    args a;
    int rc = parse_args(&a, argc, argv, A_DB | A_KEY | A_JSON | A_TYPE | A_STALE | A_MRZ | A_OCR, check_help);

    if (rc != 0)
        return rc < 0 ? CLI_CLEAR : rc;
    if (a.mrz) {
        if (a.type != NULL)
            return usage_error("check", "--type does not apply to --mrz (the MRZ's document code gives it)");
        if ((rc = cli_mrz_validate(a.npos, a.pos)) != 0) /* bad input is exit 2 whatever the db */
            return rc;
        if ((rc = open_db(&db, "check", &a, SLTD_OPEN_READONLY)) != 0)
            return rc;
        rc = cli_check_mrz(db, a.json, a.ocr_variants, a.npos, a.pos);
        sltd_close(db);
        return rc;
    }
    if (a.ocr_variants)
        return usage_error("check", "--ocr-variants applies to --mrz");
    if (a.npos != 2)
        return usage_error("check", "give STATE and NUMBER");
    /* Validate the input before touching the database, so that bad input is exit 2 whatever the db. */
    if ((rc = sltd_normalize_state(state, a.pos[0])) != SLTD_OK) {
        fprintf(stderr, "sltd check: STATE \"%s\": %s\n", a.pos[0], sltd_strerror(rc));
        return CLI_USAGE;
    }
    if ((rc = sltd_normalize_number(number, a.pos[1])) != SLTD_OK) {
        fprintf(stderr, "sltd check: NUMBER \"%s\": %s\n", a.pos[1], sltd_strerror(rc));
        return CLI_USAGE;
    }
    if ((rc = open_db(&db, "check", &a, SLTD_OPEN_READONLY)) != 0)
        return rc;
    rc = sltd_lookup(&res, db, state, number, a.type);
    sltd_close(db);
    if (rc != SLTD_OK)
        return fail("check", rc);
    warn_stale("check", res.stale, res.data_expires);
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
            date_str(d1, r->reported);
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

static void hex(char *out, const uint8_t *b, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static int cmd_stats(int argc, char **argv)
{
    char sum[33];
    sltd_stats st;
    sltd_db *db;
    args a;
    int rc = parse_args(&a, argc, argv, A_DB | A_KEY | A_JSON, stats_help);

    if (rc != 0)
        return rc < 0 ? CLI_CLEAR : rc;
    if (a.npos != 0)
        return usage_error("stats", "unexpected argument");
    if ((rc = open_db(&db, "stats", &a, SLTD_OPEN_READONLY)) != 0)
        return rc;
    rc = sltd_stats_get(&st, db);
    sltd_close(db);
    if (rc != SLTD_OK)
        return fail("stats", rc);
    hex(sum, st.checksum, 16);
    if (a.json) {
        printf("{\"format_version\":%u,\"records\":%llu,\"documents\":%llu,\"sequence\":%llu,"
               "\"produced\":%lld,\"expires\":%lld,\"stale\":%s,\"checksum\":\"%s\",\"filter\":{\"state\":\"%s\","
               "\"bytes\":%llu,\"capacity\":%llu,\"bits_per_key\":%u,\"fill\":%.6f,\"fpr_estimate\":%.3g,"
               "\"fpr_target\":%.3g},\"map_size\":%llu,\"data_bytes\":%llu}\n",
               st.format_version, (unsigned long long)st.records, (unsigned long long)st.documents,
               (unsigned long long)st.sequence, (long long)st.produced, (long long)st.expires,
               st.expires != 0 && time(NULL) > st.expires ? "true" : "false", sum,
               st.filter_state == SLTD_FILTER_OK ? "ok" : "bypass", (unsigned long long)st.filter_bytes,
               (unsigned long long)st.filter_capacity, st.filter_bits_per_key, st.filter_fill,
               st.filter_fpr_estimate, st.filter_fpr_target, (unsigned long long)st.map_size,
               (unsigned long long)st.data_bytes);
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
    return CLI_CLEAR;
}

static const char screen_help[] =
    "usage: sltd screen --db DIR [--key FILE] [--json] [--all] [--refuse-stale] [-o OUT] MANIFEST.csv|-\n"
    "\n"
    "Check every passenger of a manifest: CSV with a header naming 'state' (or 'issuing_state', or\n"
    "'nationality') and 'number', optionally 'type'; other columns are passed through.\n"
    "Output (stdout, or OUT): one CSV line per listing found (line,state,number,status,type,reported,\n"
    "expires,reporting_state,reference, then the manifest's columns), or JSON Lines with --json.\n"
    "Invalid rows are reported on stderr as FILE:LINE: field: reason and counted. A summary goes to\n"
    "stderr. Exit status: 1 if any document is listed; else 2 if any row could not be checked;\n"
    "else 0. 3 on a database or system error.\n"
    "  --all   one output line for every row (verdict listed / clear / invalid)\n";

typedef struct screen_out {
    FILE *f;
    int json, all, header_done, warned;
} screen_out;

static void csv_field(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void screen_csv_line(screen_out *o, const sltd_screen_row *row, const char *verdict, const sltd_record *r)
{
    char d1[16] = "", d2[16] = "";
    size_t i;

    if (!o->header_done) {
        fputs(o->all ? "line,verdict,state,number,status,type,reported,expires,reporting_state,reference"
                     : "line,state,number,status,type,reported,expires,reporting_state,reference", o->f);
        for (i = 0; i < row->nfields; i++) {
            fputc(',', o->f);
            csv_field(o->f, row->names[i]);
        }
        fputc('\n', o->f);
        o->header_done = 1;
    }
    if (r != NULL) {
        date_str(d1, r->reported);
        date_str(d2, r->expires);
    }
    fprintf(o->f, "%lu,", row->line);
    if (o->all)
        fprintf(o->f, "%s,", verdict);
    csv_field(o->f, row->state);
    fputc(',', o->f);
    csv_field(o->f, row->number);
    fprintf(o->f, ",%s,%s,%s,%s,%s,", r ? sltd_status_name(r->status) : "", r ? r->type : "", d1, d2,
            r ? r->reporting_state : "");
    csv_field(o->f, r ? r->reference : "");
    for (i = 0; i < row->nfields; i++) {
        fputc(',', o->f);
        csv_field(o->f, row->fields[i]);
    }
    fputc('\n', o->f);
}

static void screen_json_line(screen_out *o, const sltd_screen_row *row, const char *verdict)
{
    unsigned i;
    size_t k;

    fprintf(o->f, "{\"line\":%lu,\"verdict\":\"%s\",\"state\":", row->line, verdict);
    json_string(o->f, row->state);
    fprintf(o->f, ",\"number\":");
    json_string(o->f, row->number);
    if (row->error != 0) {
        fprintf(o->f, ",\"error\":");
        json_string(o->f, row->error_msg);
    } else {
        fprintf(o->f, ",\"records\":[");
        for (i = 0; i < row->result->nrecords; i++) {
            char d1[16], d2[16];
            const sltd_record *r = &row->result->records[i];
            date_str(d1, r->reported);
            date_str(d2, r->expires);
            fprintf(o->f, "%s{\"status\":\"%s\",\"type\":", i ? "," : "", sltd_status_name(r->status));
            json_string(o->f, r->type);
            fprintf(o->f, ",\"reported\":");
            json_string(o->f, d1);
            fprintf(o->f, ",\"expires\":");
            json_string(o->f, d2);
            fprintf(o->f, ",\"reporting_state\":");
            json_string(o->f, r->reporting_state);
            fprintf(o->f, ",\"reference\":");
            json_string(o->f, r->reference);
            fputc('}', o->f);
        }
        fputc(']', o->f);
    }
    fprintf(o->f, ",\"fields\":{");
    for (k = 0; k < row->nfields; k++) {
        if (k)
            fputc(',', o->f);
        json_string(o->f, row->names[k]);
        fputc(':', o->f);
        json_string(o->f, row->fields[k]);
    }
    fputs("}}\n", o->f);
}

static int screen_row(void *ctx, const sltd_screen_row *row)
{
    screen_out *o = ctx;
    const char *verdict = row->error ? "invalid" : row->result->listed ? "listed" : "clear";
    unsigned i;

    if (row->result != NULL && row->result->stale && !o->warned) {
        warn_stale("screen", 1, row->result->data_expires);
        o->warned = 1;
    }
    if (row->error != 0)
        fprintf(stderr, "sltd screen: %s\n", row->error_msg);
    if (o->json)
        screen_json_line(o, row, verdict);
    else if (row->error != 0 || !row->result->listed)
        screen_csv_line(o, row, verdict, NULL);
    else
        for (i = 0; i < row->result->nrecords; i++)
            screen_csv_line(o, row, verdict, &row->result->records[i]);
    return 0;
}

static int cmd_screen(int argc, char **argv)
{
    sltd_screen_report rep;
    struct timespec t0, t1;
    screen_out o = { stdout, 0, 0, 0, 0 };
    const char *outpath = NULL;
    char *fargv[64];
    sltd_db *db;
    double secs;
    args a;
    int rc, i, fargc = 0;

    /* screen's own options (--all, -o) are taken out before the common parser sees the rest */
    for (i = 0; i < argc && fargc < 63; i++) {
        if (strcmp(argv[i], "--all") == 0)
            o.all = 1;
        else if ((strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0) && i + 1 < argc)
            outpath = argv[++i];
        else
            fargv[fargc++] = argv[i];
    }
    fargv[fargc] = NULL;
    rc = parse_args(&a, fargc, fargv, A_DB | A_KEY | A_JSON | A_STALE, screen_help);
    if (rc != 0)
        return rc < 0 ? CLI_CLEAR : rc;
    if (a.npos != 1)
        return usage_error("screen", "give exactly one MANIFEST (or - for standard input)");
    if (strcmp(a.pos[0], "-") != 0 && access(a.pos[0], R_OK) != 0) {
        fprintf(stderr, "sltd screen: %s: %s\n", a.pos[0], strerror(errno));
        return CLI_USAGE;
    }
    o.json = a.json;
    if ((rc = open_db(&db, "screen", &a, SLTD_OPEN_READONLY)) != 0)
        return rc;
    if (outpath != NULL && (o.f = fopen(outpath, "w")) == NULL) {
        fprintf(stderr, "sltd screen: %s: %s\n", outpath, strerror(errno));
        sltd_close(db);
        return CLI_SYSTEM;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = sltd_screen(&rep, db, a.pos[0], o.all ? SLTD_SCREEN_ALL : 0, screen_row, &o);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    sltd_close(db);
    if (fflush(o.f) != 0 || (o.f != stdout && fclose(o.f) != 0)) {
        fprintf(stderr, "sltd screen: cannot write the output: %s\n", strerror(errno));
        return CLI_SYSTEM;
    }
    if (rc != SLTD_OK)
        return fail("screen", rc);
    secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    fprintf(stderr, "sltd screen: %llu documents, %llu hits, %llu invalid, %.3f s, %.0f documents/s\n",
            (unsigned long long)rep.documents, (unsigned long long)rep.hits, (unsigned long long)rep.invalid, secs,
            secs > 0 ? (double)(rep.documents + rep.invalid) / secs : 0.0);
    return rep.hits > 0 ? CLI_HIT : rep.invalid > 0 ? CLI_USAGE : CLI_CLEAR;
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
    int rc = parse_args(&a, argc, argv, A_DB | A_KEY | A_JSON, verify_help);

    if (rc != 0)
        return rc < 0 ? CLI_CLEAR : rc;
    if (a.npos != 0)
        return usage_error("verify", "unexpected argument");
    if ((rc = open_db(&db, "verify", &a, SLTD_OPEN_READONLY)) != 0)
        return rc;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = sltd_verify(&r, db);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    sltd_close(db);
    secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    hex(sum, r.checksum, 16);
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
    return rc == SLTD_OK ? CLI_CLEAR : fail("verify", rc);
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
    "  screen  --db DIR [--json] [--all] [-o OUT] MANIFEST|-   screen a passenger manifest\n"
    "  mrz     [--json] LINE LINE [LINE]              parse and validate an MRZ (no database)\n"
    "  stats   --db DIR [--json]                      counts, freshness, filter, sizes\n"
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
        { "stats", cmd_stats }, { "verify", cmd_verify }, { "screen", cmd_screen }, { "mrz", cli_mrz },
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
