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

/* Normalise a query into its digest input; *len gets the input's length. */
static int prepare(norm_query *nq, size_t *len, const char *state, const char *number, const char *type)
{
    char t[SLTD_TYPE_MAX + 1];
    int rc;

    if ((rc = sltd__key_input(nq->in, len, state, SIZE_MAX, number, SIZE_MAX)) != SLTD_OK)
        return rc;
    nq->family = 0;
    if (type != NULL && type[0] != '\0') {
        if ((rc = sltd__norm_type(t, type, strlen(type))) != SLTD_OK)
            return rc;
        nq->family = sltd__type_family(t);
    }
    return SLTD_OK;
}

static int normalize(norm_query *nq, uint8_t d[SLTD_DIGEST_SIZE], const sltd__keys *keys, const char *state,
                     const char *number, const char *type)
{
    size_t len;
    int rc = prepare(nq, &len, state, number, type);

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

#define BATCH_CHUNK 64

/* A batch answers from one snapshot, whose freshness stamps every answer. The filter is probed only
 * after the snapshot began, and only if it holds every key of it: a filter probed before a commit lacks
 * the keys that commit adds while a snapshot begun after it lacks those it removes, and together they
 * show half an update. Then, per chunk of documents: normalise, hash them side by side (SIMD
 * lanes), prefetch their filter blocks, probe, and read the ones the filter may hold. */
int sltd_lookup_batch(sltd_result *out, sltd_db *db, const sltd_query *q, size_t n)
{
    /* per chunk, the valid documents j = 0..nvalid-1: document at[j] of the chunk */
    uint8_t d[BATCH_CHUNK][SLTD_DIGEST_SIZE], *dp[BATCH_CHUNK];
    norm_query nq[BATCH_CHUNK];
    const uint8_t *in[BATCH_CHUNK];
    size_t len[BATCH_CHUNK], at[BATCH_CHUNK], nvalid;
    sltd__db_parts p;
    sltd__freshness fr;
    sltd__bloom *b;
    sltd__reader *r = NULL;
    sltd__txn *t = NULL;
    size_t base, i, j, m;
    int rc;
    sltd_result st;

    if (out == NULL || (q == NULL && n > 0))
        return SLTD_EINVAL;
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
    for (j = 0; j < BATCH_CHUNK; j++) {
        dp[j] = d[j];
        in[j] = nq[j].in;
    }
    for (base = 0; base < n && rc == SLTD_OK; base += BATCH_CHUNK) {
        m = n - base < BATCH_CHUNK ? n - base : BATCH_CHUNK;
        for (i = 0, nvalid = 0; i < m; i++) {
            const sltd_query *qi = &q[base + i];
            sltd_result *o = &out[base + i];
            result_clear(o);
            o->data_sequence = st.data_sequence;
            o->data_produced = st.data_produced;
            o->data_expires = st.data_expires;
            o->stale = st.stale;
            if ((o->error = prepare(&nq[nvalid], &len[nvalid], qi->state, qi->number, qi->type)) == 0)
                at[nvalid++] = i;
        }
        sltd__prf_digest_inputs(dp, p.keys, in, len, nvalid);
        if (b != NULL)
            for (j = 0; j < nvalid; j++)
                sltd__bloom_prefetch(b, d[j]);
        for (j = 0; j < nvalid && rc == SLTD_OK; j++)
            if (b == NULL || sltd__bloom_test(b, d[j]))
                rc = read_record(&out[base + at[j]], t, d[j], nq[j].family);
    }
done:
    if (r != NULL)
        sltd__store_reader_leave(p.store, r);
    if (rc != SLTD_OK)
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
