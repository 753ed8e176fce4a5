/* SPDX-License-Identifier: Apache-2.0 */
/* lookup.c — the answers: one document, a batch, and a document's digest. */
#include <string.h>
#include <time.h>

#include "db.h"
#include "error.h"
#include "norm.h"
#include "prf.h"
#include "record.h"

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

    if ((rc = sltd__key_input(in, len, state, SIZE_MAX, number, SIZE_MAX)) != SLTD_OK)
        return rc;
    *family = 0;
    if (type != NULL && type[0] != '\0') {
        if ((rc = sltd__norm_type(t, type, strlen(type))) != SLTD_OK)
            return rc;
        *family = sltd__type_family(t);
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
    if (out->stale && (p->flags & SLTD_OPEN_REFUSE_STALE))
        return sltd__err(SLTD_EEXPIRED, "%s: the data expired at %lld (Unix time); refusing to answer from it",
                         p->dir, (long long)f->expires);
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
        if (family != 0 && r->type[0] != '\0' && sltd__type_family(r->type) != family)
            continue;
        out->listed = 1;
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

int sltd_lookup(sltd_result *out, sltd_db *db, const char *state, const char *number, const char *type)
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

    if (out == NULL)
        return SLTD_EINVAL;
    result_clear(out);
    if ((rc = sltd__db_use(&p, db)) != SLTD_OK || (rc = normalize(&nq, d, p.keys, state, number, type)) != SLTD_OK)
        return out->error = rc;
    b = sltd__filter_lookup(p.filter);
    if (b != NULL)
        sltd__bloom_prefetch(b, d); /* its block loads while the freshness is checked */
    if ((rc = sltd__store_reader_enter(p.store, &r, &last)) != SLTD_OK)
        return out->error = rc;
    if ((rc = sltd__fresh_get(p.fresh, p.store, &fr, last, &r, &t)) == SLTD_OK &&
        (rc = stamp(out, &p, &fr, time(NULL))) == SLTD_OK && (b == NULL || sltd__bloom_test(b, d)) &&
        (t != NULL || (rc = sltd__store_reader_txn(p.store, &r, &t)) == SLTD_OK))
        rc = read_record(out, t, d, nq.family);
    if (r != NULL)
        sltd__store_reader_leave(p.store, r);
    return out->error = rc;
}

/* A batch goes through in chunks. Each chunk is normalised and hashed as a whole (the digests side by
 * side in SIMD lanes, prf.c) and its filter blocks prefetched; the next chunk is normalised and hashed
 * while those blocks arrive; then the chunk is probed, and only its "maybe" documents go to LMDB, in one
 * read transaction. */
#define BATCH_CHUNK 64

typedef struct chunk {
    uint8_t in[BATCH_CHUNK][SLTD__DIGEST_INPUT]; /* digest inputs, side by side for the lanes */
    uint8_t d[BATCH_CHUNK][SLTD_DIGEST_SIZE];
    uint8_t len[BATCH_CHUNK];
    uint8_t at[BATCH_CHUNK]; /* valid document j is document at[j] of the chunk */
    char family[BATCH_CHUNK];
    size_t nvalid;
} chunk;

/* Clear m results stamped like st, normalise their queries into c, hash them, prefetch their blocks. */
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
        if ((o->error = prepare(c->in[nv], &len, &c->family[nv], q[i].state, q[i].number, q[i].type)) == 0) {
            c->len[nv] = (uint8_t)len;
            c->at[nv++] = (uint8_t)i;
        }
    }
    c->nvalid = nv;
    sltd__prf_digest_inputs(c->d, keys, (const uint8_t(*)[SLTD__DIGEST_INPUT])c->in, c->len, nv);
    if (b != NULL)
        for (j = 0; j < nv; j++)
            sltd__bloom_prefetch(b, c->d[j]);
}

/* Probe chunk c (its results at out) and read its "maybe" documents from LMDB. */
static int chunk_answer(const chunk *c, sltd_result *out, const sltd__db_parts *p)
{
    sltd__bloom *b = sltd__filter_lookup(p->filter);
    uint64_t maybe = 0;
    sltd__txn *t;
    size_t j;
    int rc;

    if (b == NULL)
        maybe = c->nvalid == 64 ? ~(uint64_t)0 : ((uint64_t)1 << c->nvalid) - 1;
    else
        maybe = sltd__bloom_test_many(b, (const uint8_t(*)[SLTD_DIGEST_SIZE])c->d, c->nvalid, 0);
    if (maybe == 0)
        return SLTD_OK;
    if ((rc = sltd__store_read_begin(p->store, &t)) != SLTD_OK)
        return rc;
    for (; maybe != 0 && rc == SLTD_OK; maybe &= maybe - 1) {
        j = (size_t)__builtin_ctzll(maybe);
        rc = read_record(&out[c->at[j]], t, c->d[j], c->family[j]);
    }
    sltd__store_read_end(p->store, t);
    return rc;
}

_Static_assert(BATCH_CHUNK <= 64, "a chunk's maybes are one 64-bit mask");

int sltd_lookup_batch(sltd_result *out, sltd_db *db, const sltd_query *q, size_t n)
{
    chunk c[2]; /* the chunk being answered and the next one */
    sltd__db_parts p;
    sltd__freshness fr;
    size_t base, i, m;
    int rc = SLTD_OK, cur = 0;
    sltd_result st;

    if (out == NULL || (q == NULL && n > 0))
        return SLTD_EINVAL;
    if ((rc = sltd__db_use(&p, db)) != SLTD_OK)
        goto fail_all;
    if ((rc = sltd__fresh_now(p.fresh, p.store, &fr)) != SLTD_OK || (rc = stamp(&st, &p, &fr, time(NULL))) != SLTD_OK)
        goto fail_all;
    if (n > 0)
        chunk_prepare(&c[0], out, q, n < BATCH_CHUNK ? n : BATCH_CHUNK, &st, p.keys, sltd__filter_lookup(p.filter));
    for (base = 0; base < n; base += BATCH_CHUNK, cur ^= 1) {
        if (base + BATCH_CHUNK < n) {
            m = n - base - BATCH_CHUNK < BATCH_CHUNK ? n - base - BATCH_CHUNK : BATCH_CHUNK;
            chunk_prepare(&c[cur ^ 1], out + base + BATCH_CHUNK, q + base + BATCH_CHUNK, m, &st, p.keys,
                          sltd__filter_lookup(p.filter));
        }
        if ((rc = chunk_answer(&c[cur], out + base, &p)) != SLTD_OK)
            goto fail_all;
    }
    return SLTD_OK;
fail_all:
    for (i = 0; i < n; i++) {
        result_clear(&out[i]);
        out[i].error = rc;
    }
    return rc;
}

int sltd_digest(uint8_t out[SLTD_DIGEST_SIZE], const sltd_db *db, const char *state, const char *number)
{
    norm_query nq;
    sltd__db_parts p;

    if (out == NULL || db == NULL)
        return SLTD_EINVAL;
    sltd__db_parts_get(&p, db);
    return normalize(&nq, out, p.keys, state, number, NULL);
}
