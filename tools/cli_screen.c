/* SPDX-License-Identifier: Apache-2.0 */
/* cli_screen.c — sltd screen: a passenger manifest through sltd_db_screen(); the checked rows out as CSV
 * or JSON Lines in one fixed schema (docs/OUTPUTS.md), the rows that could not be checked to their
 * own stream, the hits to the audit log. Public API only. */
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
    "                   [--ocr-variants] [--strict] [--refuse-stale] [--rejects FILE] [--audit FILE]\n"
    "                   [--audit-numbers] [--no-progress] [-o OUT] MANIFEST|-\n"
    "\n"
    "Check every passenger of a manifest (a file, or - for standard input):\n"
    "  csv    a header naming 'state' (or 'issuing_state', or 'nationality') and 'number', optionally\n"
    "         'type'; other columns are passed through\n"
    "  mrz    the 2 or 3 MRZ lines of each document, blank lines between documents optional; a wrong\n"
    "         number or composite check digit makes the document unreadable, never clear\n"
    "  jsonl  one JSON object a line with 'state' and 'number' [and 'type'], or 'mrz'\n"
    "The format is --format, else by extension (.mrz, .jsonl/.ndjson), else csv.\n"
    "Output (stdout, or OUT): a CSV header, then one line per listing found, in these columns whatever\n"
    "the flags and the format: line,verdict,state,number,variant_number,record_status,record_type,\n"
    "record_reported,record_expires,record_reporting_state,record_reference,sequence,produced,expires,\n"
    "stale,error,note, then the manifest's columns prefixed 'in_' (JSON Lines: one column in_json).\n"
    "--json: one JSON object a line instead (docs/OUTPUTS.md). Rows that could not be checked (verdict\n"
    "invalid or unreadable) are never in the output: each is reported on stderr as FILE:LINE: reason,\n"
    "and written to --rejects FILE in the same format. A summary goes to stderr, and a progress line\n"
    "while it runs when stderr is a terminal.\n"
    "Exit status: 1 if any document is listed; else 2 if any row could not be checked; else 0.\n"
    "3 on a database or system error, a write error included. OUT and FILE are written whole or not at\n"
    "all (a temporary file renamed at the end; an interruption leaves none).\n"
    "  --all             one output line for every checked row (verdict listed / variant / clear)\n"
    "  --threads N       threads looking up, 1-64 (default: every core)\n"
    "  --ocr-variants    MRZ documents: also look up the numbers an OCR misread would give (verdict\n"
    "                    'variant', and the listed number in variant_number)\n"
    "  --strict          MRZ documents: ICAO 9303 check digits only (no national variant)\n"
    "  --rejects FILE    write the rows that could not be checked to FILE, with line and reason\n"
    "  --audit FILE      append one JSON line per hit to FILE (created 0600; an existing one must be\n"
    "                    yours and 0600, never a symbolic link): time, input FILE:LINE and the answer;\n"
    "                    no document number unless --audit-numbers\n"
    "  --no-progress     no progress line\n";

/* One output stream: the checked rows, or the rejects. */
typedef struct stream {
    FILE *f;
    cli_outfile file; /* when it goes to a file */
    int header_done;
} stream;

typedef struct screen_out {
    stream out, rejects;
    FILE *audit;
    int json, all, format, audit_numbers, warned, audit_failed, progress_shown;
    const stream *write_failed; /* the output a write to failed during the screening, and its errno */
    int write_errno;
    cli_fresh fresh;        /* of the database when the screening started: for rows never looked up */
    char **in_names;        /* the CSV header of the manifest's columns, "in_"-prefixed, unique */
    size_t nin;
    int64_t audit_time;     /* the last audit event, kept for the row callback that follows it */
    char audit_input[512];
} screen_out;

/* The answer of a row. `numbers`: 0 to leave the document numbers out (the audit log). */
static void row_answer(cli_answer *an, const screen_out *o, const sltd_screen_row *row, int numbers)
{
    const sltd_result *shown = row->result != NULL && row->result->listed ? row->result
                               : row->variant_result != NULL            ? row->variant_result
                                                                        : NULL;

    memset(an, 0, sizeof *an);
    an->verdict = sltd_verdict_name(row->verdict);
    an->state = row->state;
    an->number = numbers ? row->number : NULL;
    an->variant_number = numbers ? row->variant_number : NULL;
    an->records = row->error == 0 && row->listed ? shown : NULL;
    an->fresh = o->fresh;
    if (row->result != NULL)
        cli_fresh_from_result(&an->fresh, row->result);
    an->error = row->error != 0 ? row->error_msg : NULL;
    an->note = row->note;
}

/* The manifest's column names as output columns: "in_" + name, made unique with "_2", "_3"... 0 or
 * SLTD_ENOMEM. */
static int learn_columns(screen_out *o, const sltd_screen_row *row)
{
    size_t i, j, n = o->format == SLTD_SCREEN_JSONL ? 1 : o->format == SLTD_SCREEN_CSV ? row->nfields : 0;

    if (o->in_names != NULL || n == 0)
        return 0;
    if ((o->in_names = calloc(n, sizeof *o->in_names)) == NULL)
        return SLTD_ENOMEM;
    o->nin = n;
    for (i = 0; i < n; i++) {
        const char *base = o->format == SLTD_SCREEN_JSONL ? "json" : row->names[i];
        size_t len = strlen(base) + 16;
        unsigned k = 1;
        if ((o->in_names[i] = malloc(len)) == NULL)
            return SLTD_ENOMEM;
        snprintf(o->in_names[i], len, "in_%s", base);
        for (j = 0; j < i; j++)
            if (strcmp(o->in_names[i], o->in_names[j]) == 0) {
                snprintf(o->in_names[i], len, "in_%s_%u", base, ++k);
                j = (size_t)-1; /* check the new name against all again */
            }
    }
    return 0;
}

static void free_columns(screen_out *o)
{
    size_t i;

    for (i = 0; o->in_names != NULL && i < o->nin; i++)
        free(o->in_names[i]);
    free(o->in_names);
}

static void csv_header(screen_out *o, stream *s)
{
    size_t i;

    for (i = 0; cli_csv_columns[i] != NULL; i++)
        fprintf(s->f, "%s%s", i ? "," : "", cli_csv_columns[i]);
    for (i = 0; i < o->nin; i++) {
        fputc(',', s->f);
        cli_csv_field(s->f, o->in_names[i]);
    }
    fputc('\n', s->f);
    s->header_done = 1;
}

/* The passed-through members of a JSON Lines row as one JSON object (values as strings). */
static void json_input(FILE *f, const sltd_screen_row *row)
{
    size_t k;

    fputc('{', f);
    for (k = 0; k < row->nfields; k++) {
        if (k)
            fputc(',', f);
        cli_json_string(f, row->names[k]);
        fputc(':', f);
        cli_json_string(f, row->fields[k]);
    }
    fputc('}', f);
}

static void csv_row(screen_out *o, stream *s, const sltd_screen_row *row, const cli_answer *an, const sltd_record *r)
{
    size_t i;

    if (!s->header_done)
        csv_header(o, s);
    cli_csv_answer(s->f, row->line, an, r);
    if (o->format == SLTD_SCREEN_JSONL) {
        /* one column holding the object's members: a JSON text inside a CSV field */
        char *buf = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&buf, &len);
        fputc(',', s->f);
        if (m != NULL) {
            json_input(m, row);
            if (fclose(m) == 0)
                cli_csv_field(s->f, buf);
        }
        free(buf);
    } else {
        for (i = 0; i < o->nin; i++) {
            fputc(',', s->f);
            cli_csv_field(s->f, i < row->nfields ? row->fields[i] : "");
        }
    }
    fputc('\n', s->f);
}

static void json_row(stream *s, const sltd_screen_row *row, const cli_answer *an)
{
    fprintf(s->f, "{\"line\":%lu,", row->line);
    cli_json_answer(s->f, an);
    fputs(",\"input\":", s->f);
    json_input(s->f, row);
    fputs("}\n", s->f);
}

/* One JSON line per hit: time, input FILE:LINE, and the answer (no document number unless asked). */
static int audit_row(screen_out *o, const sltd_screen_row *row)
{
    cli_answer an;

    row_answer(&an, o, row, o->audit_numbers);
    fputs("{\"time\":", o->audit);
    cli_json_when(o->audit, o->audit_time != 0 ? o->audit_time : (int64_t)time(NULL));
    fputs(",\"input\":", o->audit);
    cli_json_string(o->audit, o->audit_input);
    fputc(',', o->audit);
    cli_json_answer(o->audit, &an);
    fputs("}\n", o->audit);
    if (fflush(o->audit) != 0 || ferror(o->audit)) {
        o->audit_failed = 1;
        return SLTD_EIO;
    }
    return 0;
}

static int screen_row(void *ctx, const sltd_screen_row *row)
{
    screen_out *o = ctx;
    cli_answer an;
    stream *s;
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
    if (learn_columns(o, row) != 0)
        return SLTD_ENOMEM;
    if (o->audit != NULL && row->error == 0 && row->listed && audit_row(o, row) != 0)
        return SLTD_EIO;
    /* a row that could not be checked goes to the rejects only, never among the checked rows */
    s = row->error != 0 ? &o->rejects : &o->out;
    if (s->f == NULL || (row->error == 0 && !row->listed && !o->all))
        return 0;
    row_answer(&an, o, row, 1);
    errno = 0; /* so that a failed write below leaves its own errno */
    if (o->json)
        json_row(s, row, &an);
    else if (an.records == NULL || an.records->nrecords == 0)
        csv_row(o, s, row, &an, NULL);
    else
        for (i = 0; i < an.records->nrecords; i++)
            csv_row(o, s, row, &an, &an.records->records[i]);
    if (ferror(s->f)) { /* the screening stops; cli_screen says which output and why */
        o->write_failed = s;
        o->write_errno = errno;
        return SLTD_EIO;
    }
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

/* The audit event of a hit comes just before its row: keep its time and input for the audit line. */
static int screen_audit(void *ctx, const sltd_screen_audit *a)
{
    screen_out *o = ctx;

    o->audit_time = a->time;
    snprintf(o->audit_input, sizeof o->audit_input, "%s", a->input);
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

/* A stream to stdout (path NULL) or to a file written whole or not at all: 0 or an exit status. */
static int stream_open(stream *s, const char *path)
{
    int rc;

    memset(s, 0, sizeof *s);
    if (path == NULL || strcmp(path, "-") == 0) {
        s->f = stdout;
        return 0;
    }
    if ((rc = cli_outfile_open(&s->file, "screen", path)) != 0)
        return rc;
    s->f = s->file.f;
    return 0;
}

#define NOUTS 2

int cli_screen(int argc, char **argv)
{
    sltd_screen_options so = SLTD_SCREEN_OPTIONS_INIT;
    sltd_screen_report rep = SLTD_SCREEN_REPORT_INIT;
    struct timespec t0, t1;
    screen_out o;
    cli_outfile *const outs[] = { &o.out.file, &o.rejects.file }; /* committed together */
    sltd_db *db = NULL;
    double secs;
    args a;
    int rc = cli_parse_args(&a, argc, argv,
                            OPT(O_DB) | OPT(O_KEY) | OPT(O_JSON) | OPT(O_STALE) | OPT(O_OCR) | OPT(O_STRICT) |
                                OPT(O_FORMAT) | OPT(O_THREADS) | OPT(O_ALL) | OPT(O_AUDIT) | OPT(O_AUDIT_NUMBERS) |
                                OPT(O_NO_PROGRESS) | OPT(O_OUT) | OPT(O_REJECTS),
                            OPT(O_DB), screen_help);
    int status = CLI_SYSTEM;

    memset(&o, 0, sizeof o);
    if (rc != 0)
        return rc < 0 ? CLI_CLEAR : rc;
    if (a.npos != 1)
        return cli_usage_error("screen", "give exactly one MANIFEST (or - for standard input)");
    if (a.set[O_FORMAT] && (so.format = parse_format(a.text[O_FORMAT])) < 0)
        return cli_usage_error("screen", "--format must be csv, mrz or jsonl");
    if (a.set[O_AUDIT_NUMBERS] && !a.set[O_AUDIT])
        return cli_usage_error("screen", "--audit-numbers applies to --audit FILE");
    { /* no output may overwrite another one, the audit log, or the manifest being read */
        static const int opts[3] = { O_OUT, O_REJECTS, O_AUDIT };
        static const char *const names[3] = { "-o", "--rejects", "--audit" };
        char why[96];
        unsigned i, j;
        for (i = 0; i < 3; i++) {
            if (!a.set[opts[i]])
                continue;
            for (j = i + 1; j < 3; j++)
                if (a.set[opts[j]] && cli_same_file(a.text[opts[i]], a.text[opts[j]])) {
                    snprintf(why, sizeof why, "%s and %s name the same file", names[i], names[j]);
                    return cli_usage_error("screen", why);
                }
            if (cli_same_file(a.text[opts[i]], a.pos[0])) {
                snprintf(why, sizeof why, "%s names the manifest being screened", names[i]);
                return cli_usage_error("screen", why);
            }
        }
    }
    if ((rc = cli_input_readable("screen", a.pos[0], 1)) != 0)
        return rc;
    o.json = a.set[O_JSON];
    o.all = a.set[O_ALL];
    o.audit_numbers = a.set[O_AUDIT_NUMBERS];
    o.format = sltd_screen_format_detect(a.pos[0], so.format);
    so.format = o.format;
    so.threads = (unsigned)a.num[O_THREADS];
    if ((rc = cli_open_db(&db, "screen", &a, SLTD_OPEN_READONLY)) != 0)
        return rc;
    if ((rc = cli_fresh_from_db(&o.fresh, db)) != SLTD_OK) {
        status = cli_fail("screen", rc, 0);
        goto cleanup;
    }
    if (a.set[O_AUDIT]) {
        if ((o.audit = audit_open(a.text[O_AUDIT])) == NULL)
            goto cleanup;
        so.audit_fn = screen_audit;
        so.audit_ctx = &o;
    }
    if ((status = stream_open(&o.out, a.text[O_OUT])) != 0 ||
        (a.set[O_REJECTS] && (status = stream_open(&o.rejects, a.text[O_REJECTS])) != 0))
        goto cleanup;
    status = CLI_SYSTEM;
    so.flags = (o.all ? SLTD_SCREEN_ALL : 0u) | (a.set[O_OCR] ? SLTD_SCREEN_OCR_VARIANTS : 0u) |
               (a.set[O_STRICT] ? SLTD_SCREEN_MRZ_STRICT : 0u);
    so.row_fn = screen_row;
    so.row_ctx = &o;
    if (!a.set[O_NO_PROGRESS] && !cli_quiet() && isatty(STDERR_FILENO)) {
        so.progress_fn = screen_progress;
        so.progress_ctx = &o;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = sltd_db_screen(&rep, db, a.pos[0], &so);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (o.progress_shown)
        fputs("\r\033[K", stderr);
    if (o.audit_failed) {
        fprintf(stderr, "sltd screen: cannot write the audit log %s: stopped\n", a.text[O_AUDIT]);
        goto cleanup;
    }
    if (o.write_failed != NULL) {
        cli_outfile_abandon_all(outs, NOUTS, o.write_failed->f == stdout ? NULL : &o.write_failed->file,
                                o.write_errno, "screen");
        goto cleanup;
    }
    if (rc != SLTD_OK) {
        status = cli_fail("screen", rc, 0);
        if (rc == SLTD_EFORMAT && !a.set[O_FORMAT] && o.format == SLTD_SCREEN_CSV)
            fprintf(stderr, "sltd screen: %s was read as CSV (by its name); --format mrz or --format jsonl reads "
                            "another format\n",
                    a.pos[0]);
        goto cleanup;
    }
    /* an empty stream still says what its columns are */
    if (!o.json && !o.out.header_done)
        csv_header(&o, &o.out);
    if (!o.json && o.rejects.f != NULL && !o.rejects.header_done)
        csv_header(&o, &o.rejects);
    if (o.audit != NULL) {
        FILE *f = o.audit;
        o.audit = NULL;
        if (fclose(f) != 0) {
            fprintf(stderr, "sltd screen: %s: %s\n", a.text[O_AUDIT], strerror(errno));
            goto cleanup;
        }
    }
    if (cli_outfile_commit_all(outs, NOUTS, "screen") != 0)
        goto cleanup;
    secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    cli_info("sltd screen: %llu documents, %llu hits, %llu invalid, %.3f s, %.0f documents/s\n",
             (unsigned long long)rep.documents, (unsigned long long)rep.hits, (unsigned long long)rep.invalid, secs,
             secs > 0 ? (double)(rep.documents + rep.invalid) / secs : 0.0);
    status = rep.hits > 0 ? CLI_HIT : rep.invalid > 0 ? CLI_USAGE : CLI_CLEAR;
cleanup:
    cli_outfile_abandon_all(outs, NOUTS, NULL, 0, "screen"); /* a stopped screening: none written */
    if (o.audit != NULL)
        fclose(o.audit);
    free_columns(&o);
    sltd_db_close(db);
    return status;
}
