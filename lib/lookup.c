/* SPDX-License-Identifier: Apache-2.0 */
/* lookup.c — the answers: one document, a batch, and a document's digest. */
#include <string.h>
#include <time.h>

#include "db.h"
#include "error.h"
#include "fresh.h"
#include "norm.h"
#include "prf.h"
#include "record.h"

/* ---- lookups ---- */

/* A document normalised straight into its digest input "STATE<NUMBER" (zero-padded). */
typedef struct norm_query {
    uint8_t in[SLTD__DIGEST_INPUT];
    char family; /* type family filter, 0 for none */
} norm_query;

/* Normalise a query into its digest input; *len gets the input's length. */
static int prepare(norm_query *nq, size_t *len, const char *state, const char *number, const char *type)
{
    char t[SLTD_TYPE_MAX + 1];
    size_t nl, sl;
    int rc;

    if (state == NULL || number == NULL)
        return SLTD_EINVAL;
    memset(nq->in, 0, sizeof nq->in);
    if ((rc = sltd__norm_state((char *)nq->in, state, SIZE_MAX)) != SLTD_OK)
        return rc;
    sl = nq->in[1] == '\0' ? 1 : 3; /* a valid state is "D" or three letters */
    nq->in[sl] = '<';
    if ((rc = sltd__norm_number((char *)nq->in + sl + 1, &nl, number, SIZE_MAX)) != SLTD_OK)
        return rc;
    nq->family = 0;
    if (type != NULL && type[0] != '\0') {
        if ((rc = sltd__norm_type(t, type, strlen(type))) != SLTD_OK)
            return rc;
        nq->family = sltd__type_family(t);
    }
    *len = sl + 1 + nl;
    return SLTD_OK;
}

static int normalise(norm_query *nq, uint8_t d[SLTD_DIGEST_SIZE], const sltd_db *db, const char *state,
                     const char *number, const char *type)
{
    size_t len;
    int rc = prepare(nq, &len, state, number, type);

    if (rc == SLTD_OK)
        sltd__digest_input(d, db->keys, nq->in, len);
    return rc;
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
        if (sltd__rec_decode(r, val + off, len - off, &used) != SLTD_OK)
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
    int rc = sltd__txn_get(t, d, &val, &len);

    if (rc == 1)
        return SLTD_OK;
    return rc < 0 ? rc : answer(out, val, len, family);
}

int sltd_lookup(sltd_result *out, sltd_db *db, const char *state, const char *number, const char *type)
{
    uint8_t d[SLTD_DIGEST_SIZE];
    norm_query nq;
    freshness fr;
    sltd__bloom *b;
    sltd__reader *r;
    sltd__txn *t = NULL;
    uint64_t last;
    int rc;

    if (out == NULL)
        return SLTD_EINVAL;
    result_clear(out);
    if ((rc = sltd__db_usable(db)) != SLTD_OK || (rc = normalise(&nq, d, db, state, number, type)) != SLTD_OK)
        return out->error = rc;
    b = sltd__db_lookup_filter(db);
    if (b != NULL)
        sltd__bloom_prefetch(b, d); /* its block loads while the freshness is checked */
    if ((rc = sltd__store_reader_enter(db->store, &r, &last)) != SLTD_OK)
        return out->error = rc;
    if ((rc = sltd__fresh_get(db, &fr, last, &r, &t)) == SLTD_OK &&
        (rc = sltd__fresh_stamp(out, db, &fr, time(NULL))) == SLTD_OK && (b == NULL || sltd__bloom_test(b, d)) &&
        (t != NULL || (rc = sltd__store_reader_txn(db->store, &r, &t)) == SLTD_OK))
        rc = read_record(out, t, d, nq.family);
    if (r != NULL)
        sltd__store_reader_leave(db->store, r);
    return out->error = rc;
}

#define BATCH_CHUNK 64

int sltd_lookup_batch(sltd_result *out, sltd_db *db, const sltd_query *q, size_t n)
{
    /* per chunk, the valid documents j = 0..nvalid-1: document at[j] of the chunk */
    uint8_t d[BATCH_CHUNK][SLTD_DIGEST_SIZE], *dp[BATCH_CHUNK];
    norm_query nq[BATCH_CHUNK];
    const uint8_t *in[BATCH_CHUNK];
    size_t len[BATCH_CHUNK], at[BATCH_CHUNK], nvalid;
    int maybe[BATCH_CHUNK];
    freshness fr;
    sltd__txn *t;
    size_t base, i, j, m;
    int rc = SLTD_OK, any;
    time_t now = time(NULL);
    sltd_result stamp;

    if (out == NULL || (q == NULL && n > 0))
        return SLTD_EINVAL;
    if ((rc = sltd__db_usable(db)) != SLTD_OK)
        goto fail_all;
    if ((rc = sltd__fresh_now(db, &fr)) != SLTD_OK || (rc = sltd__fresh_stamp(&stamp, db, &fr, now)) != SLTD_OK)
        goto fail_all;
    for (j = 0; j < BATCH_CHUNK; j++) {
        dp[j] = d[j];
        in[j] = nq[j].in;
    }
    for (base = 0; base < n; base += BATCH_CHUNK) {
        sltd__bloom *b = sltd__db_lookup_filter(db);
        m = n - base < BATCH_CHUNK ? n - base : BATCH_CHUNK;
        /* 1: normalise; 2: hash them side by side (SIMD lanes); 3: prefetch their filter blocks; 4: probe */
        for (i = 0, nvalid = 0; i < m; i++) {
            const sltd_query *qi = &q[base + i];
            sltd_result *o = &out[base + i];
            result_clear(o);
            o->data_sequence = stamp.data_sequence;
            o->data_produced = stamp.data_produced;
            o->data_expires = stamp.data_expires;
            o->stale = stamp.stale;
            if ((o->error = prepare(&nq[nvalid], &len[nvalid], qi->state, qi->number, qi->type)) == 0)
                at[nvalid++] = i;
        }
        sltd__digest_inputs(dp, db->keys, in, len, nvalid);
        if (b != NULL)
            for (j = 0; j < nvalid; j++)
                sltd__bloom_prefetch(b, d[j]);
        for (j = 0, any = 0; j < nvalid; j++) {
            maybe[j] = b == NULL || sltd__bloom_test(b, d[j]);
            any |= maybe[j];
        }
        if (!any)
            continue;
        if ((rc = sltd__store_read_begin(db->store, &t)) != SLTD_OK)
            goto fail_all;
        for (j = 0; j < nvalid && rc == SLTD_OK; j++)
            if (maybe[j])
                rc = read_record(&out[base + at[j]], t, d[j], nq[j].family);
        sltd__store_read_end(db->store, t);
        if (rc != SLTD_OK)
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

    if (out == NULL || db == NULL)
        return SLTD_EINVAL;
    return normalise(&nq, out, db, state, number, NULL);
}
