/* cli_screen.c — sltd screen: a passenger manifest through sltd_screen(), hits out as CSV or JSON Lines.
 * Public API only. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

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
        cli_date(d1, r->reported);
        cli_date(d2, r->expires);
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
    cli_json_string(o->f, row->state);
    fprintf(o->f, ",\"number\":");
    cli_json_string(o->f, row->number);
    if (row->error != 0) {
        fprintf(o->f, ",\"error\":");
        cli_json_string(o->f, row->error_msg);
    } else {
        fprintf(o->f, ",\"records\":[");
        for (i = 0; i < row->result->nrecords; i++) {
            char d1[16], d2[16];
            const sltd_record *r = &row->result->records[i];
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
    const char *verdict = row->error ? "invalid" : row->result->listed ? "listed" : "clear";
    unsigned i;

    if (row->result != NULL && row->result->stale && !o->warned) {
        cli_warn_stale("screen", 1, row->result->data_expires);
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

int cli_screen(int argc, char **argv)
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
    rc = cli_parse_args(&a, fargc, fargv, A_DB | A_KEY | A_JSON | A_STALE, screen_help);
    if (rc != 0)
        return rc < 0 ? CLI_CLEAR : rc;
    if (a.npos != 1)
        return cli_usage_error("screen", "give exactly one MANIFEST (or - for standard input)");
    if (strcmp(a.pos[0], "-") != 0 && access(a.pos[0], R_OK) != 0) {
        fprintf(stderr, "sltd screen: %s: %s\n", a.pos[0], strerror(errno));
        return CLI_USAGE;
    }
    o.json = a.json;
    if ((rc = cli_open_db(&db, "screen", &a, SLTD_OPEN_READONLY)) != 0)
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
        return cli_fail("screen", rc);
    secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    fprintf(stderr, "sltd screen: %llu documents, %llu hits, %llu invalid, %.3f s, %.0f documents/s\n",
            (unsigned long long)rep.documents, (unsigned long long)rep.hits, (unsigned long long)rep.invalid, secs,
            secs > 0 ? (double)(rep.documents + rep.invalid) / secs : 0.0);
    return rep.hits > 0 ? CLI_HIT : rep.invalid > 0 ? CLI_USAGE : CLI_CLEAR;
}
