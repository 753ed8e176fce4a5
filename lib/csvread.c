/* SPDX-License-Identifier: Apache-2.0 */
/* csvread.c — streaming RFC 4180 reader on top of libcsv (see csvread.h).
 *
 * How it keeps line numbers and bounded memory with libcsv's push parser:
 *  - the input is fed to csv_parse() in pieces that end at the first CR, LF or NUL, or after
 *    SLTD__CSV_FIELD_MAX bytes, so every byte of a piece is on one physical line and at most one row
 *    ends per piece (a row can only end on its last byte);
 *  - a row starts on the line of the first piece that begins with something other than CR/LF while
 *    no row is open;
 *  - after each piece, libcsv's field buffer is cut back when the field in it has grown past
 *    SLTD__CSV_FIELD_MAX (the row is then already marked bad), so that buffer never exceeds two
 *    pieces whatever the input. This touches libcsv's public struct (entry_pos) in the only way that
 *    is safe for every parser state of libcsv 3.0.x (see trim_field()).
 *  - spaces are not trimmed (csv_set_space_func): a field is what the file says, and a space after
 *    a closing quote is a quoting error, as in RFC 4180. */
#include "csvread.h"

#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CSV_OPTIONS (CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL)
/* libcsv's state after a closing quote (csv.c: FIELD_MIGHT_HAVE_ENDED); the quote is still in
 * entry_buf and is removed (entry_pos -= spaces + 1) when the field ends. */
#define LIBCSV_FIELD_MIGHT_HAVE_ENDED 3
#define ARENA_SIZE ((size_t)SLTD__CSV_FIELDS_MAX * (SLTD__CSV_FIELD_MAX + 1))

struct sltd__csv {
    struct csv_parser p;
    int parser_live;          /* p holds an initialised parser */
    FILE *fp;
    int own_fp;
    char *name;               /* for messages */
    unsigned char *buf;       /* read buffer, SLTD__CSV_CHUNK bytes */
    size_t pos, end;          /* unread bytes are buf[pos, end) */
    int eof;                  /* the input is exhausted (buffer may still hold bytes) */
    int started;              /* first chunk read (BOM handled) */
    int done;                 /* csv_fini() called: only 0 from now on */
    int fatal;                /* sticky SLTD_EIO / SLTD_ENOMEM */
    int skip_line;            /* after a quoting error: discard up to and including the next LF */
    unsigned long line;       /* physical line of the next byte */
    unsigned long row_line;   /* line the open row started on; 0: no row open */
    unsigned long field_line; /* line the current field started on */

    /* the row being assembled */
    int ready;                /* a row ended (good or bad) and has not been handed out */
    int row_err;              /* the row is bad; the message is in err */
    size_t nfields;
    size_t arena_used;
    char *arena;              /* ARENA_SIZE bytes: the row's fields, each NUL-terminated */
    const char *fieldp[SLTD__CSV_FIELDS_MAX];
    size_t lens[SLTD__CSV_FIELDS_MAX];
    sltd__csv_row row;

    size_t peak_csvbuf;       /* largest libcsv field buffer seen */
    char err[1536];
};

static int no_space(unsigned char ch)
{
    (void)ch;
    return 0;
}

static int parser_init(sltd__csv *c)
{
    if (csv_init(&c->p, CSV_OPTIONS) != 0)
        return SLTD_ENOMEM;
    csv_set_space_func(&c->p, no_space);
    c->parser_live = 1;
    return 0;
}

static void parser_free(sltd__csv *c)
{
    if (c->parser_live)
        csv_free(&c->p);
    c->parser_live = 0;
}

static const char *errtext(int e, char *tmp, size_t n)
{
#if defined(__GLIBC__) && defined(_GNU_SOURCE)
    return strerror_r(e, tmp, n);
#else
    if (strerror_r(e, tmp, n) != 0)
        snprintf(tmp, n, "error %d", e);
    return tmp;
#endif
}

/* A row error: "FILE:LINE: what". The first one of a row is kept. */
static void row_error(sltd__csv *c, unsigned long line, const char *what)
{
    if (c->row_err)
        return;
    c->row_err = 1;
    snprintf(c->err, sizeof c->err, "%s:%lu: %s", c->name, line, what);
}

static void field_too_long(sltd__csv *c)
{
    char what[64];
    snprintf(what, sizeof what, "field %zu is longer than %d bytes", c->nfields + 1, SLTD__CSV_FIELD_MAX);
    row_error(c, c->row_line, what);
}

static void on_field(void *s, size_t len, void *data)
{
    sltd__csv *c = data;

    c->field_line = c->line; /* the next field starts right after this one's end */
    if (c->row_err)
        return; /* the row is already bad: discard the rest of it */
    if (c->nfields == SLTD__CSV_FIELDS_MAX) {
        row_error(c, c->row_line, "more than 64 fields in the row");
        return;
    }
    if (len > SLTD__CSV_FIELD_MAX) {
        field_too_long(c);
        return;
    }
    char *dst = c->arena + c->arena_used;
    memcpy(dst, s, len);
    dst[len] = '\0';
    c->fieldp[c->nfields] = dst;
    c->lens[c->nfields] = len;
    c->nfields++;
    c->arena_used += len + 1;
}

static void on_row(int term, void *data)
{
    sltd__csv *c = data;

    (void)term;
    c->row.line = c->row_line != 0 ? c->row_line : c->line;
    c->row_line = 0;
    c->ready = 1;
}

static void row_reset(sltd__csv *c)
{
    c->ready = 0;
    c->row_err = 0;
    c->nfields = 0;
    c->arena_used = 0;
}

/* Keep libcsv's field buffer bounded: a field already past the limit is cut back (the row is marked
 * bad first). In the state after a closing quote, libcsv will later drop one byte (spaces is always 0
 * here, as no byte counts as a space), so one byte must stay. */
static void trim_field(sltd__csv *c)
{
    if (c->p.entry_pos > SLTD__CSV_FIELD_MAX) {
        field_too_long(c);
        c->p.entry_pos = (c->p.pstate == LIBCSV_FIELD_MIGHT_HAVE_ENDED) ? c->p.spaces + 1 : 0;
    }
    size_t sz = csv_get_buffer_size(&c->p);
    if (sz > c->peak_csvbuf)
        c->peak_csvbuf = sz;
}

static int fail(sltd__csv *c, int code)
{
    c->fatal = code;
    return code;
}

static int refill(sltd__csv *c)
{
    c->pos = 0;
    c->end = fread(c->buf, 1, SLTD__CSV_CHUNK, c->fp);
    if (c->end < SLTD__CSV_CHUNK) {
        if (ferror(c->fp)) {
            char tmp[128];
            snprintf(c->err, sizeof c->err, "%s:%lu: read error: %s", c->name, c->line,
                     errtext(errno, tmp, sizeof tmp));
            return fail(c, SLTD_EIO);
        }
        c->eof = 1;
    }
    if (!c->started) {
        c->started = 1;
        if (c->end >= 3 && c->buf[0] == 0xEF && c->buf[1] == 0xBB && c->buf[2] == 0xBF)
            c->pos = 3;
    }
    return 0;
}

/* A quoting error at the current line: abandon the row, restart the parser, skip to the next line. */
static int quoting_error(sltd__csv *c)
{
    row_error(c, c->line, "invalid quoting: a '\"' inside an unquoted field, or text after a closing quote");
    parser_free(c);
    if (parser_init(c) != 0)
        return fail(c, SLTD_ENOMEM);
    c->row_line = 0;
    c->skip_line = 1;
    c->ready = 1;
    return 0;
}

/* Feed one piece (bytes on one physical line, at most one terminator, at its end). */
static int feed_piece(sltd__csv *c)
{
    const unsigned char *b = c->buf + c->pos;
    size_t lim = c->end - c->pos, n = 0;
    int lf = 0, nul = 0;

    if (lim > SLTD__CSV_FIELD_MAX)
        lim = SLTD__CSV_FIELD_MAX;
    const unsigned char *hit = memchr(b, '\n', lim);
    n = hit != NULL ? (size_t)(hit - b) + 1 : lim;
    if ((hit = memchr(b, '\r', n)) != NULL)
        n = (size_t)(hit - b) + 1;
    if ((hit = memchr(b, '\0', n)) != NULL) {
        n = (size_t)(hit - b);
        nul = 1;
    }
    lf = n > 0 && b[n - 1] == '\n';
    if (c->row_line == 0 && (n > 0 ? (b[0] != '\r' && b[0] != '\n') : nul))
        c->row_line = c->field_line = c->line;
    if (n > 0) {
        size_t used = csv_parse(&c->p, b, n, on_field, on_row, c);
        if (used < n) {
            if (csv_error(&c->p) != CSV_EPARSE) {
                snprintf(c->err, sizeof c->err, "%s:%lu: out of memory", c->name, c->line);
                return fail(c, SLTD_ENOMEM);
            }
            c->pos += used; /* the offending byte is never a line end: skip_line finds this LF */
            return quoting_error(c);
        }
        c->pos += n;
    }
    if (nul) {
        row_error(c, c->line, "NUL byte in the input");
        /* stand-in that is valid in every parser state, so the row still ends normally */
        const char *sub = c->p.pstate == LIBCSV_FIELD_MIGHT_HAVE_ENDED ? "\"" : "?";
        if (csv_parse(&c->p, sub, 1, on_field, on_row, c) != 1) {
            snprintf(c->err, sizeof c->err, "%s:%lu: out of memory", c->name, c->line);
            return fail(c, SLTD_ENOMEM);
        }
        c->pos++;
    }
    trim_field(c);
    if (lf)
        c->line++;
    return 0;
}

int sltd__csv_open(sltd__csv **out, const char *path)
{
    sltd__csv *c;

    if (out == NULL)
        return SLTD_EINVAL;
    *out = c = calloc(1, sizeof *c);
    if (c == NULL)
        return SLTD_ENOMEM;
    c->line = 1;
    c->row.field = c->fieldp;
    c->row.len = c->lens;
    if (path == NULL) {
        snprintf(c->err, sizeof c->err, "no input file given");
        return fail(c, SLTD_EINVAL);
    }
    c->name = strdup(strcmp(path, "-") == 0 ? "<stdin>" : path);
    c->buf = malloc(SLTD__CSV_CHUNK);
    c->arena = malloc(ARENA_SIZE);
    if (c->name == NULL || c->buf == NULL || c->arena == NULL || parser_init(c) != 0) {
        sltd__csv_close(c);
        *out = NULL;
        return SLTD_ENOMEM;
    }
    if (strcmp(path, "-") == 0) {
        c->fp = stdin;
    } else {
        c->fp = fopen(path, "rb");
        if (c->fp == NULL) {
            int e = errno;
            char tmp[128];
            snprintf(c->err, sizeof c->err, "%s: cannot open: %s", c->name, errtext(e, tmp, sizeof tmp));
            return fail(c, e == ENOENT || e == ENOTDIR ? SLTD_ENOENT : e == ENOMEM ? SLTD_ENOMEM : SLTD_EIO);
        }
        c->own_fp = 1;
    }
    return 0;
}

static int blank_row(const sltd__csv *c)
{
    if (c->nfields != 1)
        return 0;
    for (size_t i = 0; i < c->lens[0]; i++)
        if (c->fieldp[0][i] != ' ' && c->fieldp[0][i] != '\t')
            return 0;
    return 1;
}

/* 1: a row to hand out (*row set), SLTD_EFORMAT: a bad row, 0: a blank row, keep going. */
static int deliver(sltd__csv *c, const sltd__csv_row **row)
{
    if (c->row_err)
        return SLTD_EFORMAT;
    if (blank_row(c)) {
        row_reset(c);
        return 0;
    }
    c->row.nfields = c->nfields;
    *row = &c->row;
    return 1;
}

int sltd__csv_next(sltd__csv *c, const sltd__csv_row **row)
{
    int rc;

    if (c == NULL || row == NULL)
        return SLTD_EINVAL;
    *row = NULL;
    if (c->fatal)
        return c->fatal;
    if (c->ready)
        row_reset(c);
    c->err[0] = '\0';
    while (!c->done) {
        if (c->pos == c->end) {
            if (!c->eof) {
                if ((rc = refill(c)) != 0)
                    return rc;
                continue;
            }
            c->done = 1;
            if (csv_fini(&c->p, on_field, on_row, c) != 0) {
                /* a quoted field still open at the end: the cause of any error already noted */
                c->row_err = 0;
                row_error(c, c->field_line, "quoted field opened here is not closed at the end of the input");
                return SLTD_EFORMAT;
            }
            trim_field(c);
            if (c->ready && (rc = deliver(c, row)) != 0)
                return rc;
            break;
        }
        if (c->skip_line) {
            const unsigned char *nl = memchr(c->buf + c->pos, '\n', c->end - c->pos);
            if (nl == NULL) {
                c->pos = c->end;
            } else {
                c->pos = (size_t)(nl - c->buf) + 1;
                c->line++;
                c->skip_line = 0;
            }
            continue;
        }
        if ((rc = feed_piece(c)) != 0)
            return rc;
        if (c->ready && (rc = deliver(c, row)) != 0)
            return rc;
    }
    return 0;
}

const char *sltd__csv_error(const sltd__csv *c)
{
    return c == NULL ? "out of memory" : c->err;
}

const char *sltd__csv_name(const sltd__csv *c)
{
    return c == NULL || c->name == NULL ? "" : c->name;
}

size_t sltd__csv_memory(const sltd__csv *c)
{
    if (c == NULL)
        return 0;
    return sizeof *c + (c->name ? strlen(c->name) + 1 : 0) + (c->buf ? SLTD__CSV_CHUNK : 0) +
           (c->arena ? ARENA_SIZE : 0) + c->peak_csvbuf;
}

void sltd__csv_close(sltd__csv *c)
{
    if (c == NULL)
        return;
    parser_free(c);
    if (c->own_fp && c->fp != NULL)
        fclose(c->fp);
    free(c->arena);
    free(c->buf);
    free(c->name);
    free(c);
}
