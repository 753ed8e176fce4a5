/* SPDX-License-Identifier: Apache-2.0 */
/* cli_screen.c — sltd screen: a passenger manifest through sltd_db_screen(), hits out as CSV or JSON Lines.
 * Public API only. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static const char screen_help[] =
    "usage: sltd screen --db DIR [--key FILE] [--format csv|mrz|jsonl] [--threads N] [--json] [--all]\n"
    "                   [--ocr-variants] [--strict] [--refuse-stale] [--audit FILE] [--audit-numbers]\n"
    "                   [--no-progress]\n"
    "                   [-o OUT] MANIFEST|-\n"
    "\n"
    "Check every passenger of a manifest (a file, or - for standard input):\n"
    "  csv    a header naming 'state' (or 'issuing_state', or 'nationality') and 'number', optionally\n"
    "         'type'; other columns are passed through\n"
    "  mrz    the 2 or 3 MRZ lines of each document, blank lines between documents optional; a wrong\n"
    "         number or composite check digit makes the document invalid, never clear\n"
    "  jsonl  one JSON object a line with 'state' and 'number' [and 'type'], or 'mrz'\n"
    "The format is --format, else by extension (.mrz, .jsonl/.ndjson), else csv.\n"
    "Output (stdout, or OUT): one CSV line per listing found (line,state,number,status,type,reported,\n"
    "expires,reporting_state,reference, then the manifest's columns), or JSON Lines with --json.\n"
    "Invalid rows are reported on stderr as FILE:LINE: field: reason and counted. A summary goes to\n"
    "stderr, and a progress line while it runs when stderr is a terminal. Exit status: 1 if any\n"
    "document is listed; else 2 if any row could not be checked; else 0. 3 on a database or system error.\n"
    "  --all             one output line for every row (verdict listed / clear / invalid)\n"
    "  --threads N       threads looking up, 1-64 (default: every core)\n"
    "  --ocr-variants    MRZ documents: also look up the numbers an OCR misread would give (a 'variant'\n"
    "                    column says which one is listed)\n"
    "  --strict          MRZ documents: ICAO 9303 check digits only (no national variant)\n"
    "  --audit FILE      append one JSON line per hit to FILE (created 0600; an existing one must be\n"
    "                    yours and 0600, never a symbolic link): time, data sequence, input FILE:LINE,\n"
    "                    status, reference; no document number unless --audit-numbers\n"
    "  --no-progress     no progress line\n";

typedef struct screen_out {
    FILE *f;
    FILE *audit;
    int json, all, variants, header_done, warned, audit_failed, progress_shown;
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
        fputs(o->all ? "line,verdict,state,number," : "line,state,number,", o->f);
        fputs(o->variants ? "variant,status,type,reported,expires,reporting_state,reference"
                          : "status,type,reported,expires,reporting_state,reference", o->f);
        for (i = 0; i < row->nfields; i++) {
            fputc(',', o->f);
            csv_field(o->f, row->names[i]);
        }
        fputc('\n', o->f);
        o->header_done = 1;
    }
    if (r != NULL) {
        cli_date(d1, r->reported);
        cli_date(d2, r->expires);
    }
    fprintf(o->f, "%lu,", row->line);
    if (o->all)
        fprintf(o->f, "%s,", verdict);
    csv_field(o->f, row->state);
    fputc(',', o->f);
    csv_field(o->f, row->number);
    if (o->variants) {
        fputc(',', o->f);
        csv_field(o->f, row->variant_number);
    }
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
    cli_json_string(o->f, row->state);
    fprintf(o->f, ",\"number\":");
    cli_json_string(o->f, row->number);
    if (row->variant_number[0] != '\0') {
        fprintf(o->f, ",\"variant_number\":");
        cli_json_string(o->f, row->variant_number);
    }
    if (row->error != 0) {
        fprintf(o->f, ",\"error\":");
        cli_json_string(o->f, row->error_msg);
    } else {
        const sltd_result *res = row->variant_result != NULL && !row->result->listed ? row->variant_result
                                                                                      : row->result;
        fprintf(o->f, ",\"records\":[");
        for (i = 0; i < res->nrecords; i++) {
            char d1[16], d2[16];
            const sltd_record *r = &res->records[i];
            cli_date(d1, r->reported);
            cli_date(d2, r->expires);
            fprintf(o->f, "%s{\"status\":\"%s\",\"type\":", i ? "," : "", sltd_status_name(r->status));
            cli_json_string(o->f, r->type);
            fprintf(o->f, ",\"reported\":");
            cli_json_string(o->f, d1);
            fprintf(o->f, ",\"expires\":");
            cli_json_string(o->f, d2);
            fprintf(o->f, ",\"reporting_state\":");
            cli_json_string(o->f, r->reporting_state);
            fprintf(o->f, ",\"reference\":");
            cli_json_string(o->f, r->reference);
            fputc('}', o->f);
        }
        fputc(']', o->f);
    }
    fprintf(o->f, ",\"fields\":{");
    for (k = 0; k < row->nfields; k++) {
        if (k)
            fputc(',', o->f);
        cli_json_string(o->f, row->names[k]);
        fputc(':', o->f);
        cli_json_string(o->f, row->fields[k]);
    }
    fputs("}}\n", o->f);
}

static int screen_row(void *ctx, const sltd_screen_row *row)
{
    screen_out *o = ctx;
    const char *verdict = row->error ? "invalid" : row->listed ? "listed" : "clear";
    const sltd_result *res = row->variant_result != NULL && row->result != NULL && !row->result->listed
                                 ? row->variant_result : row->result;
    unsigned i;

    if (o->progress_shown) { /* the progress line is on stderr: clear it before a message */
        fputs("\r\033[K", stderr);
        o->progress_shown = 0;
    }
    if (row->result != NULL && row->result->stale && !o->warned) {
        cli_warn_stale("screen", 1, row->result->data_expires);
        o->warned = 1;
    }
    if (row->error != 0)
        fprintf(stderr, "sltd screen: %s\n", row->error_msg);
    else if (row->note[0] != '\0')
        fprintf(stderr, "sltd screen: %s\n", row->note);
    if (o->json)
        screen_json_line(o, row, verdict);
    else if (row->error != 0 || !row->listed)
        screen_csv_line(o, row, verdict, NULL);
    else
        for (i = 0; i < res->nrecords; i++)
            screen_csv_line(o, row, verdict, &res->records[i]);
    return 0;
}

/* The audit log, opened for appending: created with mode 0600, or an existing regular file of ours that
 * no one else may read or write. A symbolic link is refused (O_NOFOLLOW: the log must not be
 * redirected), and so is an existing file that group or others may read or write, or that another
 * user owns: the log says which documents were hits (with --audit-numbers, their numbers), so it is
 * refused rather than repaired (chmod 600 is the operator's decision, not something to do behind
 * their back). NULL after the reason is printed. */
static FILE *audit_open(const char *path)
{
    struct stat st;
    FILE *f;
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);

    if (fd < 0) {
        fprintf(stderr, "sltd screen: audit log %s: %s\n", path,
                errno == ELOOP ? "is a symbolic link; refused (give the file itself)" : strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) != 0) {
        fprintf(stderr, "sltd screen: audit log %s: %s\n", path, strerror(errno));
        close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
        if (!S_ISREG(st.st_mode))
            fprintf(stderr, "sltd screen: audit log %s: not a regular file; refused\n", path);
        else if (st.st_uid != geteuid())
            fprintf(stderr, "sltd screen: audit log %s: owned by another user; refused\n", path);
        else
            fprintf(stderr,
                    "sltd screen: audit log %s: group or others may read or write it (mode %03o); refused, as "
                    "it records hits (chmod 600 it, or give a new file)\n",
                    path, (unsigned)(st.st_mode & 0777));
        close(fd);
        return NULL;
    }
    if ((f = fdopen(fd, "a")) == NULL) {
        fprintf(stderr, "sltd screen: audit log %s: %s\n", path, strerror(errno));
        close(fd);
    }
    return f;
}

/* One JSON line per hit; a failed write stops the screening (a hit must not go unlogged). */
static int screen_audit(void *ctx, const sltd_screen_audit *a)
{
    screen_out *o = ctx;

    if (fprintf(o->audit, "%s\n", a->json) < 0 || fflush(o->audit) != 0) {
        o->audit_failed = 1;
        return SLTD_EIO;
    }
    return 0;
}

static void screen_progress(void *ctx, const sltd_screen_progress *p)
{
    screen_out *o = ctx;
    uint64_t rows = p->documents + p->invalid;
    double rate = p->seconds > 0 ? (double)rows / p->seconds : 0.0;

    if (p->done) {
        if (o->progress_shown)
            fputs("\r\033[K", stderr);
        o->progress_shown = 0;
        return;
    }
    fprintf(stderr, "\r\033[Ksltd screen: %llu rows, %.0f rows/s, %llu hits", (unsigned long long)rows, rate,
            (unsigned long long)p->hits);
    if (p->bytes_total > 0 && p->bytes_read > 0 && p->bytes_read <= p->bytes_total && p->seconds > 0)
        fprintf(stderr, ", %.0f %%, ETA %.0f s", 100.0 * (double)p->bytes_read / (double)p->bytes_total,
                p->seconds * (double)(p->bytes_total - p->bytes_read) / (double)p->bytes_read);
    fflush(stderr);
    o->progress_shown = 1;
}

static int parse_format(const char *v)
{
    if (strcmp(v, "csv") == 0)
        return SLTD_SCREEN_CSV;
    if (strcmp(v, "mrz") == 0)
        return SLTD_SCREEN_MRZ;
    if (strcmp(v, "jsonl") == 0 || strcmp(v, "ndjson") == 0)
        return SLTD_SCREEN_JSONL;
    return -1;
}

int cli_screen(int argc, char **argv)
{
    sltd_screen_options so = SLTD_SCREEN_OPTIONS_INIT;
    sltd_screen_report rep;
    struct timespec t0, t1;
    screen_out o = { stdout, NULL, 0, 0, 0, 0, 0, 0, 0 };
    const char *outpath = NULL, *auditpath = NULL;
    char *fargv[64], *end;
    int audit_numbers = 0, no_progress = 0;
    sltd_db *db;
    double secs;
    args a;
    int rc, i, fargc = 0;

    /* screen's own options are taken out before the common parser sees the rest */
    for (i = 0; i < argc && fargc < 63; i++) {
        const char *v = NULL;
        if (strcmp(argv[i], "--all") == 0)
            o.all = 1;
        else if (strcmp(argv[i], "--audit-numbers") == 0)
            audit_numbers = 1;
        else if (strcmp(argv[i], "--no-progress") == 0)
            no_progress = 1;
        else if ((strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0) && i + 1 < argc)
            outpath = argv[++i];
        else if (strcmp(argv[i], "--audit") == 0 && i + 1 < argc)
            auditpath = argv[++i];
        else if ((strcmp(argv[i], "--format") == 0 && i + 1 < argc && (v = argv[++i]) != NULL) ||
                 (strncmp(argv[i], "--format=", 9) == 0 && (v = argv[i] + 9) != NULL)) {
            if ((so.format = parse_format(v)) < 0)
                return cli_usage_error("screen", "--format must be csv, mrz or jsonl");
        } else if ((strcmp(argv[i], "--threads") == 0 && i + 1 < argc && (v = argv[++i]) != NULL) ||
                   (strncmp(argv[i], "--threads=", 10) == 0 && (v = argv[i] + 10) != NULL)) {
            unsigned long n;
            errno = 0;
            n = strtoul(v, &end, 10);
            if (errno != 0 || end == v || *end != '\0' || n > SLTD_SCREEN_THREADS_MAX)
                return cli_usage_error("screen", "--threads must be a number from 1 to 64 (0: every core)");
            so.threads = (unsigned)n;
        } else
            fargv[fargc++] = argv[i];
    }
    fargv[fargc] = NULL;
    rc = cli_parse_args(&a, fargc, fargv, A_DB | A_KEY | A_JSON | A_STALE | A_OCR | A_STRICT, screen_help);
    if (rc != 0)
        return rc < 0 ? CLI_CLEAR : rc;
    if (a.npos != 1)
        return cli_usage_error("screen", "give exactly one MANIFEST (or - for standard input)");
    if (audit_numbers && auditpath == NULL)
        return cli_usage_error("screen", "--audit-numbers applies to --audit FILE");
    if (strcmp(a.pos[0], "-") != 0 && access(a.pos[0], R_OK) != 0) {
        fprintf(stderr, "sltd screen: %s: %s\n", a.pos[0], strerror(errno));
        return CLI_USAGE;
    }
    o.json = a.json;
    o.variants = a.ocr_variants;
    if ((rc = cli_open_db(&db, "screen", &a, SLTD_OPEN_READONLY)) != 0)
        return rc;
    if (auditpath != NULL) {
        if ((o.audit = audit_open(auditpath)) == NULL) {
            sltd_db_close(db);
            return CLI_SYSTEM;
        }
        so.audit_fn = screen_audit;
        so.audit_ctx = &o;
    }
    if (outpath != NULL && (o.f = fopen(outpath, "w")) == NULL) {
        fprintf(stderr, "sltd screen: %s: %s\n", outpath, strerror(errno));
        if (o.audit != NULL)
            fclose(o.audit);
        sltd_db_close(db);
        return CLI_SYSTEM;
    }
    so.flags = (o.all ? SLTD_SCREEN_ALL : 0u) | (a.ocr_variants ? SLTD_SCREEN_OCR_VARIANTS : 0u) |
               (audit_numbers ? SLTD_SCREEN_AUDIT_NUMBERS : 0u) | (a.strict ? SLTD_SCREEN_MRZ_STRICT : 0u);
    so.row_fn = screen_row;
    so.row_ctx = &o;
    if (!no_progress && isatty(STDERR_FILENO)) {
        so.progress_fn = screen_progress;
        so.progress_ctx = &o;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = sltd_db_screen(&rep, db, a.pos[0], &so);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    sltd_db_close(db);
    if (o.progress_shown)
        fputs("\r\033[K", stderr);
    if (o.audit != NULL && fclose(o.audit) != 0 && rc == 0) {
        fprintf(stderr, "sltd screen: %s: %s\n", auditpath, strerror(errno));
        rc = SLTD_EIO;
    }
    if (fflush(o.f) != 0 || (o.f != stdout && fclose(o.f) != 0)) {
        fprintf(stderr, "sltd screen: cannot write the output: %s\n", strerror(errno));
        return CLI_SYSTEM;
    }
    if (o.audit_failed) {
        fprintf(stderr, "sltd screen: cannot write the audit log %s: stopped\n", auditpath);
        return CLI_SYSTEM;
    }
    if (rc != SLTD_OK)
        return cli_fail("screen", rc);
    secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    fprintf(stderr, "sltd screen: %llu documents, %llu hits, %llu invalid, %.3f s, %.0f documents/s\n",
            (unsigned long long)rep.documents, (unsigned long long)rep.hits, (unsigned long long)rep.invalid, secs,
            secs > 0 ? (double)(rep.documents + rep.invalid) / secs : 0.0);
    return rep.hits > 0 ? CLI_HIT : rep.invalid > 0 ? CLI_USAGE : CLI_CLEAR;
}
