/* SPDX-License-Identifier: Apache-2.0 */
/* fresh.c — the freshness cache of a handle (see fresh.h). */
#include "fresh.h"

#include <pthread.h>
#include <stdatomic.h>

#include "error.h"
#include "meta.h"

/* The freshness recorded in the meta of transaction t. */
static int fresh_read(sltd__txn *t, freshness *f)
{
    uint64_t prod, exp;
    int rc;

    if ((rc = sltd__meta_u64(t, META_SEQUENCE, &f->sequence)) != SLTD_OK ||
        (rc = sltd__meta_u64(t, META_PRODUCED, &prod)) != SLTD_OK ||
        (rc = sltd__meta_u64(t, META_EXPIRES, &exp)) != SLTD_OK)
        return rc;
    f->produced = (int64_t)prod;
    f->expires = (int64_t)exp;
    return SLTD_OK;
}

/* Cache f as the freshness of transaction txnid for the lookups that follow, unless a newer one is
 * cached already. One trylock: a lookup never waits for another thread doing this. */
static void fresh_publish(sltd_db *db, const freshness *f, uint64_t txnid)
{
    uint64_t cur;

    if (pthread_mutex_trylock(&db->fresh_lock) != 0)
        return;
    cur = atomic_load(&db->fresh_txnid);
    if (cur == UINT64_MAX /* never read */ || txnid > cur) {
        atomic_fetch_add_explicit(&db->fresh_seq, 1, memory_order_acq_rel);
        atomic_store_explicit(&db->fresh_sequence, f->sequence, memory_order_release);
        atomic_store_explicit(&db->fresh_produced, f->produced, memory_order_release);
        atomic_store_explicit(&db->fresh_expires, f->expires, memory_order_release);
        atomic_store_explicit(&db->fresh_txnid, txnid, memory_order_release);
        atomic_fetch_add_explicit(&db->fresh_seq, 1, memory_order_release);
    }
    pthread_mutex_unlock(&db->fresh_lock);
}

/* The freshness of the data as of transaction `last` (the last commit, read by the reader *r holds):
 * the cached one, or, when a commit moved it, the meta of the reader's transaction (which *t then
 * gives, and which answers this lookup: its stamp and its data are of one snapshot). */
int sltd__fresh_get(sltd_db *db, freshness *f, uint64_t last, sltd__reader **r, sltd__txn **t)
{
    uint64_t s1, s2;
    int rc;

    if (atomic_load_explicit(&db->fresh_txnid, memory_order_relaxed) != last) {
        if ((rc = sltd__store_reader_txn(db->store, r, t)) != SLTD_OK || (rc = fresh_read(*t, f)) != SLTD_OK)
            return rc;
        fresh_publish(db, f, sltd__txn_id(*t));
        return SLTD_OK;
    }
    do {
        /* (acquire loads instead of a fence: plain loads on x86, and TSan understands them) */
        s1 = atomic_load_explicit(&db->fresh_seq, memory_order_acquire);
        f->sequence = atomic_load_explicit(&db->fresh_sequence, memory_order_acquire);
        f->produced = atomic_load_explicit(&db->fresh_produced, memory_order_acquire);
        f->expires = atomic_load_explicit(&db->fresh_expires, memory_order_acquire);
        s2 = atomic_load_explicit(&db->fresh_seq, memory_order_acquire);
    } while (s1 != s2 || (s1 & 1));
    return SLTD_OK;
}

/* fresh_get under a reader of its own. */
int sltd__fresh_now(sltd_db *db, freshness *f)
{
    sltd__reader *r;
    sltd__txn *t = NULL;
    uint64_t last;
    int rc = sltd__store_reader_enter(db->store, &r, &last);

    if (rc == SLTD_OK && (rc = sltd__fresh_get(db, f, last, &r, &t), r != NULL))
        sltd__store_reader_leave(db->store, r);
    return rc;
}

/* Stamp the answer with the data's freshness; SLTD_EEXPIRED when stale data must be refused. */
int sltd__fresh_stamp(sltd_result *out, sltd_db *db, const freshness *f, time_t now)
{
    out->data_sequence = f->sequence;
    out->data_produced = f->produced;
    out->data_expires = f->expires;
    out->stale = f->expires != 0 && (int64_t)now > f->expires;
    if (out->stale && (db->flags & SLTD_OPEN_REFUSE_STALE))
        return sltd__err(SLTD_EEXPIRED, "%s: the data expired at %lld (Unix time); refusing to answer from it",
                         db->dir, (long long)f->expires);
    return SLTD_OK;
}
