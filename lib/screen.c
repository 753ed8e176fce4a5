/* screen.c — screening a CSV passenger manifest: rows are read in chunks, looked up through the
 * batch API, and handed to the caller in input order. Memory is bounded by the chunk. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csvread.h"
#include "error.h"
#include "sltd.h"

#define CHUNK_ROWS 256
#define CHUNK_BYTES (1u << 20)
#define MAX_COLUMNS 64

typedef struct pending {
    unsigned long line;
    int error;
    size_t first;  /* index of its first field in the chunk's field table */
    size_t nfields;
    char msg[256];
} pending;

typedef struct chunk {
    pending rows[CHUNK_ROWS];
    size_t nrows;
    const char *fields[CHUNK_ROWS * MAX_COLUMNS];
    size_t nfields;
    char *bytes; /* field storage */
    size_t used, cap;
    sltd_query q[CHUNK_ROWS];
    sltd_result res[CHUNK_ROWS];
} chunk;

typedef struct header {
    char *names[MAX_COLUMNS];
    size_t n;
    int state, number, type;
} header;

static const char *save(chunk *c, const char *s, size_t len)
{
    char *p;

    if (c->used + len + 1 > c->cap) {
        size_t cap = c->cap ? c->cap : CHUNK_BYTES;
        char *b;
        while (cap < c->used + len + 1)
            cap *= 2;
        b = realloc(c->bytes, cap);
        if (b == NULL)
            return NULL;
        /* fields saved so far point into the old buffer: move them */
        if (b != c->bytes) {
            size_t i;
            for (i = 0; i < c->nfields; i++)
                c->fields[i] = b + (c->fields[i] - c->bytes);
        }
        c->bytes = b;
        c->cap = cap;
    }
    p = c->bytes + c->used;
    memcpy(p, s, len);
    p[len] = '\0';
    c->used += len + 1;
    return p;
}

static int read_header(header *h, sltd__csv *csv)
{
    const sltd__csv_row *row;
    int rc = sltd__csv_next(csv, &row), nat = -1, st = -1, ist = -1;
    size_t i;

    if (rc == 0)
        return sltd__err(SLTD_EFORMAT, "%s: empty manifest (a header row is required)", sltd__csv_name(csv));
    if (rc < 0)
        return sltd__err(rc, "%s", sltd__csv_error(csv));
    h->state = h->number = h->type = -1;
    for (i = 0; i < row->nfields; i++) {
        const char *f = row->field[i];
        size_t l = row->len[i];
        while (l > 0 && (*f == ' ' || *f == '\t'))
            f++, l--;
        while (l > 0 && (f[l - 1] == ' ' || f[l - 1] == '\t'))
            l--;
        if ((h->names[i] = strndup(f, l)) == NULL)
            return sltd__err(SLTD_ENOMEM, "out of memory");
        h->n = i + 1;
        if (strcasecmp(h->names[i], "issuing_state") == 0)
            ist = (int)i;
        else if (strcasecmp(h->names[i], "state") == 0)
            st = (int)i;
        else if (strcasecmp(h->names[i], "nationality") == 0)
            nat = (int)i;
        else if (strcasecmp(h->names[i], "number") == 0)
            h->number = (int)i;
        else if (strcasecmp(h->names[i], "type") == 0)
            h->type = (int)i;
    }
    /* The issuing state is the key; nationality stands in for it only when nothing better is given. */
    h->state = ist >= 0 ? ist : st >= 0 ? st : nat;
    if (h->state < 0 || h->number < 0)
        return sltd__err(SLTD_EFORMAT, "%s:%lu: the header must name a 'state' (or 'issuing_state' or "
                                       "'nationality') column and a 'number' column",
                         sltd__csv_name(csv), row->line);
    return SLTD_OK;
}

/* Look the chunk up and hand its rows to the callback in order. */
static int flush(chunk *c, sltd_db *db, const header *h, const char *name, unsigned flags, sltd_screen_fn fn,
                 void *ctx, sltd_screen_report *rep)
{
    size_t i, nq = 0, qi[CHUNK_ROWS];
    int rc;

    for (i = 0; i < c->nrows; i++) {
        const char *const *f = c->fields + c->rows[i].first;
        if (c->rows[i].error != 0)
            continue;
        c->q[nq].state = f[h->state];
        c->q[nq].number = f[h->number];
        c->q[nq].type = h->type >= 0 && f[h->type][0] != '\0' ? f[h->type] : NULL;
        qi[i] = nq++;
    }
    if ((rc = sltd_lookup_batch(c->res, db, c->q, nq)) != SLTD_OK)
        return rc;
    for (i = 0; i < c->nrows; i++) {
        pending *p = &c->rows[i];
        const char *const *f = c->fields + p->first;
        sltd_screen_row row;
        const sltd_result *r = p->error == 0 ? &c->res[qi[i]] : NULL;

        if (r != NULL && r->error != 0) {
            static const char *const what[] = { "state", "number", "type" };
            int w = r->error == SLTD_ESTATE ? 0 : r->error == SLTD_ENUMBER ? 1 : 2;
            p->error = r->error;
            snprintf(p->msg, sizeof p->msg, "%s:%lu: field '%s': \"%.40s\": %s", name, p->line, what[w],
                     f[w == 0 ? h->state : w == 1 ? h->number : h->type], sltd_strerror(r->error));
            r = NULL;
        }
        if (p->error != 0)
            rep->invalid++;
        else {
            rep->documents++;
            rep->hits += (uint64_t)r->listed;
        }
        if (fn == NULL || (p->error == 0 && !r->listed && !(flags & SLTD_SCREEN_ALL)))
            continue;
        row.line = p->line;
        row.error = p->error;
        row.error_msg = p->error ? p->msg : "";
        row.state = p->nfields > (size_t)h->state ? f[h->state] : "";
        row.number = p->nfields > (size_t)h->number ? f[h->number] : "";
        row.result = r;
        row.nfields = p->nfields;
        row.names = (const char *const *)h->names;
        row.fields = f;
        if ((rc = fn(ctx, &row)) != 0)
            return rc;
    }
    c->nrows = c->nfields = c->used = 0;
    return SLTD_OK;
}

int sltd_screen(sltd_screen_report *out, sltd_db *db, const char *path, unsigned int flags, sltd_screen_fn fn,
                void *ctx)
{
    sltd_screen_report rep = { SLTD_SCREEN_REPORT_VERSION, 0, 0, 0 };
    header h = { { NULL }, 0, -1, -1, -1 };
    sltd__csv *csv = NULL;
    chunk *c = NULL;
    size_t i;
    int rc;

    sltd__err_clear();
    if (out != NULL)
        *out = rep;
    if (db == NULL || path == NULL || (flags & ~(unsigned)SLTD_SCREEN_ALL) != 0)
        return SLTD_EINVAL;
    if ((rc = sltd__csv_open(&csv, path)) != SLTD_OK) {
        rc = sltd__err(rc, "%s", sltd__csv_error(csv));
        goto cleanup;
    }
    if ((rc = read_header(&h, csv)) != SLTD_OK)
        goto cleanup;
    if ((c = calloc(1, sizeof *c)) == NULL) {
        rc = sltd__err(SLTD_ENOMEM, "out of memory");
        goto cleanup;
    }
    for (;;) {
        const sltd__csv_row *row;
        pending *p;
        rc = sltd__csv_next(csv, &row);
        if (rc == 0)
            break;
        if (rc != 1 && rc != SLTD_EFORMAT)
            goto cleanup;
        p = &c->rows[c->nrows++];
        p->error = 0;
        p->first = c->nfields;
        p->nfields = 0;
        p->msg[0] = '\0';
        if (rc == SLTD_EFORMAT) {
            p->line = 0;
            p->error = SLTD_EFORMAT;
            snprintf(p->msg, sizeof p->msg, "%s", sltd__csv_error(csv));
        } else {
            p->line = row->line;
            if (row->nfields != h.n) {
                p->error = SLTD_EFORMAT;
                snprintf(p->msg, sizeof p->msg, "%s:%lu: %zu fields, the header has %zu", sltd__csv_name(csv),
                         row->line, row->nfields, h.n);
            } else {
                for (i = 0; i < row->nfields; i++) {
                    const char *s = save(c, row->field[i], row->len[i]);
                    if (s == NULL) {
                        rc = sltd__err(SLTD_ENOMEM, "out of memory");
                        goto cleanup;
                    }
                    c->fields[c->nfields++] = s;
                }
                p->nfields = row->nfields;
            }
        }
        if (c->nrows == CHUNK_ROWS || c->used >= CHUNK_BYTES) {
            if ((rc = flush(c, db, &h, sltd__csv_name(csv), flags, fn, ctx, &rep)) != SLTD_OK)
                goto cleanup;
        }
    }
    rc = flush(c, db, &h, sltd__csv_name(csv), flags, fn, ctx, &rep);
cleanup:
    if (out != NULL)
        *out = rep;
    if (c != NULL)
        free(c->bytes);
    free(c);
    for (i = 0; i < h.n; i++)
        free(h.names[i]);
    sltd__csv_close(csv);
    return rc;
}
