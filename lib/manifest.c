/* SPDX-License-Identifier: Apache-2.0 */
/* manifest.c — the chunk of documents the manifest readers fill, the choice of a format, and the one
 * rule that turns the answers of a row's keys into its verdict (see manifest.h). */
#include "manifest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csvread.h"
#include "norm.h"

/* ---- the chunk ---- */

/* Buffers start small and grow with what a chunk holds (a short manifest needs little), then are kept
 * for the chunk's next use. */
sltd__mf_chunk *sltd__mf_chunk_new(void)
{
    sltd__mf_chunk *c = malloc(sizeof *c); /* the documents are set one by one as they are added */

    if (c == NULL)
        return NULL;
    c->n = c->used = c->cap = c->nf = c->fcap = c->nq = 0;
    c->a = NULL;
    c->foff = NULL;
    c->q = NULL;
    c->res = NULL;
    c->ans = NULL;
    sltd__mf_chunk_reset(c, 0);
    return c;
}

int sltd__mf_batch_room(sltd__mf_chunk *c, size_t nq)
{
    size_t cap = c->nq ? c->nq : 64;
    sltd_query *q;
    sltd_result *r;

    if (nq <= c->nq)
        return 0;
    while (cap < nq)
        cap *= 2;
    if ((q = realloc(c->q, cap * sizeof *q)) == NULL)
        return SLTD_ENOMEM;
    c->q = q;
    if ((r = realloc(c->res, cap * sizeof *r)) == NULL)
        return SLTD_ENOMEM;
    c->res = r;
    c->nq = cap;
    return 0;
}

void sltd__mf_chunk_reset(sltd__mf_chunk *c, uint64_t first_index)
{
    c->n = c->used = c->nf = 0;
    c->rc = c->done = 0;
    c->fatal[0] = '\0';
    c->first_index = first_index;
}

void sltd__mf_chunk_free(sltd__mf_chunk *c)
{
    if (c == NULL)
        return;
    free(c->a);
    free(c->foff);
    free(c->q);
    free(c->res);
    free(c->ans);
    free(c);
}

static int reserve(sltd__mf_chunk *c, size_t more)
{
    size_t cap = c->cap ? c->cap : 64 * 1024;
    char *b;

    if (c->used + more <= c->cap)
        return 0;
    if (c->used + more > (size_t)UINT32_MAX - 1)
        return SLTD_ENOMEM;
    while (cap < c->used + more)
        cap *= 2;
    if ((b = realloc(c->a, cap)) == NULL)
        return SLTD_ENOMEM;
    c->a = b;
    c->cap = cap;
    return 0;
}

/* Append len bytes and a NUL: from s, or (s NULL) from the arena's own offset `from`, read only after
 * the arena has grown (growing moves it). */
static int append(sltd__mf_chunk *c, const void *s, uint32_t from, size_t len, uint32_t *off)
{
    if (reserve(c, len + 1) != 0)
        return SLTD_ENOMEM;
    *off = (uint32_t)c->used;
    if (len > 0)
        memcpy(c->a + c->used, s != NULL ? s : c->a + from, len);
    c->a[c->used + len] = '\0';
    c->used += len + 1;
    return 0;
}

int sltd__mf_put(sltd__mf_chunk *c, const void *s, size_t len, uint32_t *off)
{
    return append(c, s, 0, len, off);
}

int sltd__mf_copy(sltd__mf_chunk *c, uint32_t from, size_t len, uint32_t *off)
{
    return append(c, NULL, from, len, off);
}

int sltd__mf_room(sltd__mf_chunk *c, size_t len, uint32_t *off)
{
    if (reserve(c, len + 1) != 0)
        return SLTD_ENOMEM;
    *off = (uint32_t)c->used;
    c->a[c->used + len] = '\0';
    c->used += len + 1;
    return 0;
}

int sltd__mf_push_fields(sltd__mf_chunk *c, uint32_t base, const uint32_t *off, size_t n)
{
    size_t i;

    if (c->nf + n > c->fcap) {
        size_t cap = c->fcap ? c->fcap * 2 : 1024;
        uint32_t *f;
        while (cap < c->nf + n)
            cap *= 2;
        if ((f = realloc(c->foff, cap * sizeof *f)) == NULL)
            return SLTD_ENOMEM;
        c->foff = f;
        c->fcap = cap;
    }
    uint32_t *const to = c->foff + c->nf; /* in locals: a loop the compiler can vectorise */
    if (off != NULL)
        for (i = 0; i < n; i++)
            to[i] = base + off[i];
    else
        for (i = 0; i < n; i++)
            to[i] = base;
    c->nf += n;
    return 0;
}

const char *sltd__mf_str(const sltd__mf_chunk *c, uint32_t off)
{
    return off == SLTD__MF_NONE ? "" : c->a + off;
}

sltd__mf_doc *sltd__mf_doc_new(sltd__mf_chunk *c, unsigned long line)
{
    sltd__mf_doc *d = &c->doc[c->n++];

    /* every member but the keys, which sltd__mf_key_new sets one by one */
    d->line = d->lines[0] = d->lines[1] = d->lines[2] = line;
    d->torn = 0;
    d->error = d->listed = d->own_names = d->csv_line = 0;
    d->msg = d->note = d->text = SLTD__MF_NONE;
    d->text_len = d->first = d->nfields = 0;
    d->hit = -1;
    d->nkeys = 0;
    return d;
}

sltd__mf_key *sltd__mf_key_new(sltd__mf_doc *d, const char *state_field, const char *number_field,
                                const char *type_field)
{
    sltd__mf_key *k = &d->key[d->nkeys++];

    memset(k, 0, sizeof *k);
    k->state = k->number = k->type = k->msg = k->unlisted_msg = k->variant = SLTD__MF_NONE;
    k->state_field = state_field;
    k->number_field = number_field;
    k->type_field = type_field;
    k->qi = -1;
    return k;
}

int sltd__mf_doc_fail(sltd__mf_chunk *c, sltd__mf_doc *d, int code, const char *msg)
{
    d->error = code;
    d->listed = 0;
    return sltd__mf_put(c, msg, strlen(msg), &d->msg);
}

int sltd__mf_key_fail(sltd__mf_chunk *c, sltd__mf_key *k, int code, const char *msg)
{
    k->error = code;
    k->qi = -1;
    return sltd__mf_put(c, msg, strlen(msg), &k->msg);
}

void sltd__mf_fatal(sltd__mf_chunk *c, int rc)
{
    if (c->rc == 0) {
        c->rc = rc;
        snprintf(c->fatal, sizeof c->fatal, "%s", rc == SLTD_ENOMEM ? "out of memory" : sltd_error_detail());
    }
}

int sltd__mf_role(const char *s, size_t n, const char **canon)
{
    static const char *const names[SLTD__MF_NROLES] = { NULL, "state", "issuing_state", "nationality", "number",
                                                         "type", "mrz" };
    int r;

    sltd__csv_trim(&s, &n);
    for (r = 1; r < SLTD__MF_NROLES; r++)
        if (strlen(names[r]) == n && strncasecmp(s, names[r], n) == 0) {
            *canon = names[r];
            return r;
        }
    *canon = NULL;
    return SLTD__MF_ROLE_NONE;
}

const sltd__mf_format *sltd__mf_format_for(int format, const char *path)
{
    const char *dot = strrchr(path, '.');

    if (format == SLTD_SCREEN_CSV)
        return &sltd__mf_csv;
    if (format == SLTD_SCREEN_MRZ)
        return &sltd__mf_mrz;
    if (format == SLTD_SCREEN_JSONL)
        return &sltd__mf_jsonl;
    if (dot != NULL && strchr(dot, '/') == NULL) {
        if (strcasecmp(dot, ".mrz") == 0)
            return &sltd__mf_mrz;
        if (strcasecmp(dot, ".jsonl") == 0 || strcasecmp(dot, ".ndjson") == 0)
            return &sltd__mf_jsonl;
    }
    return &sltd__mf_csv;
}

int sltd_screen_format_detect(const char *path, int format)
{
    const sltd__mf_format *f;

    if (path == NULL || format < SLTD_SCREEN_AUTO || format > SLTD_SCREEN_JSONL)
        return SLTD_EINVAL;
    f = sltd__mf_format_for(format, path);
    return f == &sltd__mf_mrz ? SLTD_SCREEN_MRZ : f == &sltd__mf_jsonl ? SLTD_SCREEN_JSONL : SLTD_SCREEN_CSV;
}

/* ---- the verdict ---- */

/* A field the batch refused (SLTD_ESTATE, SLTD_ENUMBER, SLTD_ETYPE): why, without its value. */
static void field_error(const sltd__mf_ctx *cx, sltd__mf_chunk *c, const sltd__mf_doc *d, sltd__mf_key *k,
                        int code)
{
    char msg[SLTD__MF_MSG], why[160];
    const char *field = code == SLTD_ESTATE ? k->state_field : code == SLTD_ENUMBER ? k->number_field : k->type_field;
    const uint32_t v = code == SLTD_ESTATE ? k->state : code == SLTD_ENUMBER ? k->number : k->type;

    snprintf(msg, sizeof msg, "%s:%lu: field '%s': %s", cx->name, d->line, field,
             sltd__norm_why(why, sizeof why, code, sltd__mf_str(c, v), SIZE_MAX));
    if (sltd__mf_key_fail(c, k, code, msg) != 0)
        sltd__mf_fatal(c, SLTD_ENOMEM);
}

/* Do two keys that were both checked name different documents (different digest inputs)? */
static int disagree(const sltd__mf_chunk *c, const sltd__mf_key *a, const sltd__mf_key *b)
{
    uint8_t ia[SLTD__KEY_INPUT], ib[SLTD__KEY_INPUT];
    size_t la, lb;

    if (sltd__norm_key_input(ia, &la, sltd__mf_str(c, a->state), SIZE_MAX, sltd__mf_str(c, a->number), SIZE_MAX) != 0 ||
        sltd__norm_key_input(ib, &lb, sltd__mf_str(c, b->state), SIZE_MAX, sltd__mf_str(c, b->number), SIZE_MAX) != 0)
        return 1;
    return la != lb || memcmp(ia, ib, la) != 0;
}

/* What keeps key k from being a plain "not listed", as a message offset (NONE: nothing). */
static uint32_t trouble(const sltd__mf_key *k)
{
    return k->error != 0 ? k->msg : k->unlisted != 0 ? k->unlisted_msg : SLTD__MF_NONE;
}

void sltd__mf_decide(const sltd__mf_ctx *cx, sltd__mf_chunk *c, size_t i)
{
    sltd__mf_doc *d = &c->doc[i];
    char msg[SLTD__MF_MSG];
    unsigned j;
    int rc;

    if (d->error != 0)
        return;
    for (j = 0; j < d->nkeys; j++) { /* the batch's answers */
        sltd__mf_key *k = &d->key[j];
        if (k->error != 0 || k->answered || k->qi < 0)
            continue;
        rc = c->res[k->qi].error;
        if (rc == SLTD_ESTATE || rc == SLTD_ENUMBER || rc == SLTD_ETYPE)
            field_error(cx, c, d, k, rc);
        else if (rc != 0)
            sltd__mf_fatal(c, rc);
        else
            k->listed = c->res[k->qi].listed;
    }
    if (c->rc != 0)
        return;
    for (j = 0; j < d->nkeys; j++) /* a hit on any key is a hit */
        if (d->key[j].error == 0 && d->key[j].listed) {
            d->hit = (int)j;
            d->listed = 1;
            break;
        }
    if (d->listed) { /* say what is wrong with the other key, if anything */
        for (j = 0; j < d->nkeys && d->note == SLTD__MF_NONE; j++) {
            const sltd__mf_key *k = &d->key[j];
            if ((int)j == d->hit)
                continue;
            if (trouble(k) != SLTD__MF_NONE) {
                d->note = trouble(k);
            } else if (disagree(c, k, &d->key[d->hit])) {
                snprintf(msg, sizeof msg, "%s:%lu: the MRZ and the fields '%s'/'%s' name different documents",
                         cx->name, d->line, d->key[0].state_field, d->key[0].number_field);
                if (sltd__mf_put(c, msg, strlen(msg), &d->note) != 0)
                    sltd__mf_fatal(c, SLTD_ENOMEM);
            }
        }
        return;
    }
    /* not listed: clear only when every key was checked, is valid, and they name one document */
    for (j = 0; j < d->nkeys; j++) {
        const sltd__mf_key *k = &d->key[j];
        if (trouble(k) != SLTD__MF_NONE) {
            d->error = k->error != 0 ? k->error : k->unlisted;
            d->msg = trouble(k);
            d->hit = -1;
            return;
        }
    }
    if (d->nkeys == 0) { /* cannot happen: every reader gives a row a key or an error; fail closed */
        snprintf(msg, sizeof msg, "%s:%lu: nothing to look up", cx->name, d->line);
        if (sltd__mf_doc_fail(c, d, SLTD_EFORMAT, msg) != 0)
            sltd__mf_fatal(c, SLTD_ENOMEM);
        return;
    }
    if (d->nkeys == 2 && disagree(c, &d->key[0], &d->key[1])) {
        snprintf(msg, sizeof msg,
                 "%s:%lu: the MRZ and the fields '%s'/'%s' name different documents (neither is listed)", cx->name,
                 d->line, d->key[0].state_field, d->key[0].number_field);
        if (sltd__mf_doc_fail(c, d, SLTD_EFORMAT, msg) != 0)
            sltd__mf_fatal(c, SLTD_ENOMEM);
        return;
    }
    d->hit = 0;
}
