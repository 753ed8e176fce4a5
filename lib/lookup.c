/* SPDX-License-Identifier: Apache-2.0 */
/* lookup.c — the answers: one document, a batch, and a document's digest. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bloom.h"
#include "db.h"
#include "error.h"
#include "layout.h"
#include "norm.h"
#include "prf.h"
#include "record.h"
#include "verdict.h"

/* ---- lookups ---- */

/* A document normalised straight into its digest input "STATE<NUMBER" (zero-padded). */
typedef struct norm_query {
    uint8_t in[SLTD__KEY_INPUT]; /* as hashed: SLTD__DIGEST_INPUT bytes */
    char family; /* type family filter, 0 for none */
} norm_query;

/* Normalise a query into its digest input; *len gets the input's length, *family its type family. */
static int prepare(uint8_t in[SLTD__KEY_INPUT], size_t *len, char *family, const char *state, const char *number,
                   const char *type)
{
    char t[SLTD_TYPE_MAX + 1];
    int rc;

    if ((rc = sltd__norm_key_input(in, len, state, SIZE_MAX, number, SIZE_MAX)) != SLTD_OK)
        return rc;
    *family = 0;
    if (type != NULL && type[0] != '\0') {
        if ((rc = sltd__norm_type(t, type, strlen(type))) != SLTD_OK)
            return rc;
        *family = sltd__norm_type_family(t);
    }
    return SLTD_OK;
}

static int normalize(norm_query *nq, uint8_t d[SLTD_DIGEST_SIZE], const sltd__keys *keys, const char *state,
                     const char *number, const char *type)
{
    size_t len;
    int rc = prepare(nq->in, &len, &nq->family, state, number, type);

    if (rc == SLTD_OK)
        sltd__prf_digest_input(d, keys, nq->in, len);
    return rc;
}

/* Stamp the answer with the data's freshness; SLTD_EEXPIRED when stale data must be refused. */
static int stamp(sltd_result *out, const sltd__db_parts *p, const sltd__freshness *f, time_t now)
{
    out->data_sequence = f->sequence;
    out->data_produced = f->produced;
    out->data_expires = f->expires;
    out->stale = f->expires != 0 && (int64_t)now > f->expires;
    if (out->stale && (p->flags & SLTD_OPEN_REFUSE_STALE)) {
        /* the time as every output shows times: ISO 8601 UTC */
        char when[32] = "?";
        time_t t = (time_t)f->expires;
        struct tm tm;
        if (gmtime_r(&t, &tm) != NULL)
            strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
        return sltd__err(SLTD_EEXPIRED, "%s: the data expired at %s (%.1f days ago); refusing to answer from it",
                         p->dir, when, (double)(now - (time_t)f->expires) / 86400.0);
    }
    return SLTD_OK;
}

static void result_clear(sltd_result *out)
{
    out->version = SLTD_RESULT_VERSION;
    out->error = 0;
    out->listed = 0;
    out->nrecords = 0;
    out->data_sequence = 0;
    out->data_produced = out->data_expires = 0;
    out->stale = 0;
    out->verdict = SLTD_VERDICT_UNSET;
}

/* The lookup's code into the answer, with the verdict it gives; returns code. */
static int decide(sltd_result *out, int code)
{
    out->error = code;
    if (code == SLTD_OK) /* the usual answer, decided here without a call */
        out->verdict = out->listed ? SLTD_VERDICT_LISTED : SLTD_VERDICT_CLEAR;
    else
        out->verdict = sltd__verdict_of(code, out->listed, 0);
    return code;
}

/* Fill `out` from a stored value, keeping the records that match the type family. */
static int answer(sltd_result *out, const uint8_t *val, size_t len, char family)
{
    size_t off = 0, used;
    sltd_record spare, *r;

    while (off < len) {
        /* decoded in place; a record the type filter drops is overwritten by the next one */
        r = out->nrecords < SLTD_RECORDS_MAX ? &out->records[out->nrecords] : &spare;
        if (sltd__record_decode(r, val + off, len - off, &used) != SLTD_OK)
            return sltd__err(SLTD_ECORRUPT, "damaged record value");
        off += used;
        if (family != 0 && r->type[0] != '\0' && sltd__norm_type_family(r->type) != family)
            continue;
        out->listed = 1;
        out->verdict = SLTD_VERDICT_LISTED; /* a batch's answer stands as is; a single lookup decides again */
        if (r != &spare)
            out->nrecords++;
    }
    return SLTD_OK;
}

static int read_record(sltd_result *out, sltd__txn *t, const uint8_t d[SLTD_DIGEST_SIZE], char family)
{
    const uint8_t *val;
    size_t len;
    int rc = sltd__store_get(t, d, &val, &len);

    if (rc == 1)
        return SLTD_OK;
    return rc < 0 ? rc : answer(out, val, len, family);
}

static int lookup_one(sltd_result *out, sltd_db *db, const char *state, const char *number, const char *type)
{
    uint8_t d[SLTD_DIGEST_SIZE];
    norm_query nq;
    sltd__db_parts p;
    sltd__freshness fr;
    sltd__bloom *b;
    sltd__reader *r;
    sltd__txn *t = NULL;
    uint64_t last;
    int rc;

    result_clear(out);
    if ((rc = sltd__db_use(&p, db)) != SLTD_OK)
        return decide(out, rc);
    if ((rc = normalize(&nq, d, p.keys, state, number, type)) != SLTD_OK)
        return decide(out, sltd__norm_err(rc, state, number, type));
    b = sltd__filter_lookup(p.filter);
    if (b != NULL)
        sltd__bloom_prefetch(b, d); /* its block loads while the freshness is checked */
    if ((rc = sltd__store_reader_enter(p.store, &r, &last)) != SLTD_OK)
        return decide(out, rc);
    if ((rc = sltd__fresh_get(p.fresh, p.store, &fr, last, &r, &t)) == SLTD_OK &&
        (rc = stamp(out, &p, &fr, time(NULL))) == SLTD_OK && (b == NULL || sltd__bloom_test(b, d)) &&
        (t != NULL || (rc = sltd__store_reader_txn(p.store, &r, &t)) == SLTD_OK))
        rc = read_record(out, t, d, nq.family);
    if (r != NULL)
        sltd__store_reader_leave(p.store, r);
    return decide(out, rc);
}

static int lookup_body(sltd_result *out, sltd_db *db, const char *state, const char *number, const char *type)
{
    sltd_result full;
    int v, rc;

    if (out == NULL)
        return SLTD_EINVAL;
    if ((v = sltd__layout_version(out->version, SLTD_RESULT_VERSION, "sltd_result")) < 0)
        return v;
    if (v == SLTD_RESULT_VERSION)
        return lookup_one(out, db, state, number, type);
    rc = lookup_one(&full, db, state, number, type); /* a caller built against an older header */
    sltd__layout_result_put(out, (unsigned)v, &full);
    return rc;
}

int sltd_db_lookup(sltd_result *out, sltd_db *db, const char *state, const char *number, const char *type)
{
    sltd__err_clear();
    return sltd__err_leave(lookup_body(out, db, state, number, type), "sltd_db_lookup");
}

/* A batch answers from one snapshot, whose freshness stamps every answer. The filter is probed only
 * after the snapshot began, and only if it holds every key of it: a filter probed before a commit lacks
 * the keys that commit adds while a snapshot begun after it lacks those it removes, and together they
 * show half an update. Then the documents go through in chunks: each chunk is normalised and hashed as
 * a whole (the digests side by side in SIMD lanes, prf.c) and its filter blocks prefetched; the next
 * chunk is normalised and hashed while those blocks arrive; then the chunk is probed (a block per
 * vector register, bloom.c) and only its "maybe" documents are read, in the one snapshot. */
#define BATCH_CHUNK 64

_Static_assert(BATCH_CHUNK <= 64, "a chunk's maybes are one 64-bit mask");

typedef struct chunk {
    uint8_t in[BATCH_CHUNK][SLTD__KEY_INPUT]; /* digest inputs, side by side for the lanes */
    uint8_t d[BATCH_CHUNK][SLTD_DIGEST_SIZE];
    uint8_t len[BATCH_CHUNK];
    uint8_t at[BATCH_CHUNK]; /* valid document j is document at[j] of the chunk */
    char family[BATCH_CHUNK];
    size_t nvalid;
} chunk;

_Static_assert(SLTD__KEY_INPUT == SLTD__DIGEST_INPUT, "the normalised input is what the lanes hash");

/* Clear the m results of a chunk and stamp them like st, normalise their queries into c, hash them,
 * prefetch their filter blocks (b: NULL when the filter is not used). */
static void chunk_prepare(chunk *c, sltd_result *out, const sltd_query *q, size_t m, const sltd_result *st,
                          const sltd__keys *keys, const sltd__bloom *b)
{
    size_t i, j, nv = 0, len;

    for (i = 0; i < m; i++) {
        sltd_result *o = &out[i];
        result_clear(o);
        o->data_sequence = st->data_sequence;
        o->data_produced = st->data_produced;
        o->data_expires = st->data_expires;
        o->stale = st->stale;
        /* the verdict as the document stands: CLEAR unless its record is found (LISTED); a failure
         * further on rewrites every result as an error, so this never escapes */
        if ((o->error = prepare(c->in[nv], &len, &c->family[nv], q[i].state, q[i].number, q[i].type)) == 0) {
            o->verdict = SLTD_VERDICT_CLEAR;
            c->len[nv] = (uint8_t)len;
            c->at[nv++] = (uint8_t)i;
        } else {
            o->verdict = sltd__verdict_of(o->error, 0, 0);
        }
    }
    c->nvalid = nv;
    sltd__prf_digest_inputs(c->d, keys, (const uint8_t(*)[SLTD__DIGEST_INPUT])c->in, c->len, nv);
    if (b != NULL)
        for (j = 0; j < nv; j++)
            sltd__bloom_prefetch(b, c->d[j]);
}

/* Probe chunk c (its results at out; b NULL: every valid document may be listed) and read its "maybe"
 * documents in the snapshot t. */
static int chunk_answer(const chunk *c, sltd_result *out, const sltd__bloom *b, sltd__txn *t)
{
    uint64_t maybe;
    size_t j;
    int rc = SLTD_OK;

    if (b == NULL)
        maybe = c->nvalid == 64 ? ~(uint64_t)0 : ((uint64_t)1 << c->nvalid) - 1;
    else
        maybe = sltd__bloom_test_many(b, (const uint8_t(*)[SLTD_DIGEST_SIZE])c->d, c->nvalid, 0);
    for (; maybe != 0 && rc == SLTD_OK; maybe &= maybe - 1) {
        j = (size_t)__builtin_ctzll(maybe);
        rc = read_record(&out[c->at[j]], t, c->d[j], c->family[j]);
    }
    return rc;
}

/* Answer n queries into the caller's array `dst`, of layout `version` (its elements `stride` bytes
 * apart). The current layout is answered in place; an older one is answered a chunk at a time into
 * `stage` (two chunks of current results) and each chunk copied out when answered — in the same one
 * snapshot either way. */
static int lookup_batch(void *dst, unsigned version, size_t stride, sltd_result *stage, sltd_db *db,
                        const sltd_query *q, size_t n)
{
    chunk c[2]; /* the chunk being answered and the next one */
    sltd_result *res[2];
    sltd__db_parts p;
    sltd__freshness fr;
    sltd__bloom *b;
    sltd__reader *r = NULL;
    sltd__txn *t = NULL;
    size_t base, next, i, m;
    int rc, cur = 0;
    sltd_result st;

    if (q == NULL && n > 0) {
        rc = SLTD_EINVAL;
        goto done;
    }
    if ((rc = sltd__db_use(&p, db)) != SLTD_OK)
        goto done;
    b = sltd__filter_lookup(p.filter); /* (before the snapshot, whose reader slot must not be held) */
    if ((rc = sltd__store_reader_enter(p.store, &r, NULL)) != SLTD_OK ||
        (rc = sltd__store_reader_txn(p.store, &r, &t)) != SLTD_OK ||
        (rc = sltd__fresh_get(p.fresh, p.store, &fr, sltd__store_txn_id(t), &r, &t)) != SLTD_OK ||
        (rc = stamp(&st, &p, &fr, time(NULL))) != SLTD_OK)
        goto done;
    if (!sltd__filter_covers(b, t))
        b = NULL;
    for (base = 0; base < n && rc == SLTD_OK; base = next, cur ^= 1) {
        /* this chunk is base..next-1; the one after it is prepared before this one is answered */
        m = n - base < BATCH_CHUNK ? n - base : BATCH_CHUNK;
        next = base + m;
        if (base == 0) {
            res[0] = stage != NULL ? stage : (sltd_result *)dst;
            chunk_prepare(&c[0], res[0], q, m, &st, p.keys, b);
        }
        if (next < n) {
            const size_t m2 = n - next < BATCH_CHUNK ? n - next : BATCH_CHUNK;
            res[cur ^ 1] = stage != NULL ? stage + (cur ^ 1) * BATCH_CHUNK : (sltd_result *)dst + next;
            chunk_prepare(&c[cur ^ 1], res[cur ^ 1], q + next, m2, &st, p.keys, b);
        }
        rc = chunk_answer(&c[cur], res[cur], b, t);
        if (stage != NULL && rc == SLTD_OK)
            for (i = 0; i < m; i++)
                sltd__layout_result_put((char *)dst + (base + i) * stride, version, &res[cur][i]);
    }
done:
    if (r != NULL)
        sltd__store_reader_leave(p.store, r);
    if (rc != SLTD_OK) { /* every document an error */
        result_clear(&st);
        decide(&st, rc);
        for (i = 0; i < n; i++) {
            if (stage == NULL)
                ((sltd_result *)dst)[i] = st;
            else
                sltd__layout_result_put((char *)dst + i * stride, version, &st);
        }
    }
    return rc;
}

static int lookup_batch_body(sltd_result *out, sltd_db *db, const sltd_query *q, size_t n)
{
    sltd_result *stage;
    int v, rc;

    if (out == NULL)
        return SLTD_EINVAL;
    if (n == 0)
        return lookup_batch(out, SLTD_RESULT_VERSION, sizeof *out, NULL, db, q, 0);
    if ((v = sltd__layout_version_known(out[0].version, SLTD_RESULT_VERSION, "sltd_result",
                                        "the places of a batch's later elements")) < 0)
        return v;
    if (v == SLTD_RESULT_VERSION)
        return lookup_batch(out, SLTD_RESULT_VERSION, sizeof *out, NULL, db, q, n);
    /* a caller built against an older header: its array has the older stride */
    if ((stage = malloc(2 * BATCH_CHUNK * sizeof *stage)) == NULL)
        return sltd__err(SLTD_ENOMEM, "no memory for a batch lookup");
    rc = lookup_batch(out, (unsigned)v, sltd__layout_result_size((unsigned)v), stage, db, q, n);
    free(stage);
    return rc;
}

int sltd_db_lookup_batch(sltd_result *out, sltd_db *db, const sltd_query *q, size_t n)
{
    sltd__err_clear();
    return sltd__err_leave(lookup_batch_body(out, db, q, n), "sltd_db_lookup_batch");
}

static int digest_body(uint8_t out[SLTD_DIGEST_SIZE], const sltd_db *db, const char *state, const char *number)
{
    norm_query nq;
    sltd__db_parts p;

    if (out == NULL || db == NULL)
        return SLTD_EINVAL;
    sltd__db_parts_get(&p, db);
    return sltd__norm_err(normalize(&nq, out, p.keys, state, number, NULL), state, number, NULL);
}

int sltd_db_digest(uint8_t out[SLTD_DIGEST_SIZE], const sltd_db *db, const char *state, const char *number)
{
    sltd__err_clear();
    return sltd__err_leave(digest_body(out, db, state, number), "sltd_db_digest");
}
