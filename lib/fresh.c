/* SPDX-License-Identifier: Apache-2.0 */
/* fresh.c — the freshness cache of a handle (see fresh.h). */
#include "fresh.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "error.h"
#include "meta.h"

struct sltd__fresh {
    /* the freshness of transaction `txnid`, written under `lock` as a seqlock (odd `seq`: being
     * written) so that readers never block */
    _Atomic uint64_t seq, txnid, sequence;
    _Atomic int64_t produced, expires;
    pthread_mutex_t lock;
};

int sltd__fresh_new(sltd__fresh **out)
{
    sltd__fresh *c = calloc(1, sizeof *c);

    *out = NULL;
    if (c == NULL)
        return sltd__err(SLTD_ENOMEM, "out of memory");
    pthread_mutex_init(&c->lock, NULL);
    atomic_store(&c->txnid, UINT64_MAX); /* "never read" */
    *out = c;
    return SLTD_OK;
}

void sltd__fresh_free(sltd__fresh *c)
{
    if (c == NULL)
        return;
    pthread_mutex_destroy(&c->lock);
    free(c);
}

/* The freshness recorded in the meta of transaction t. */
static int fresh_read(sltd__txn *t, sltd__freshness *f)
{
    uint64_t prod, exp;
    int rc;

    if ((rc = sltd__meta_get_u64(t, META_SEQUENCE, &f->sequence)) != SLTD_OK ||
        (rc = sltd__meta_get_u64(t, META_PRODUCED, &prod)) != SLTD_OK ||
        (rc = sltd__meta_get_u64(t, META_EXPIRES, &exp)) != SLTD_OK)
        return rc;
    f->produced = (int64_t)prod;
    f->expires = (int64_t)exp;
    return SLTD_OK;
}

/* Cache f as the freshness of transaction txnid for the lookups that follow, unless a newer one is
 * cached already. One trylock: a lookup never waits for another thread doing this. */
static void fresh_publish(sltd__fresh *c, const sltd__freshness *f, uint64_t txnid)
{
    uint64_t cur;

    if (pthread_mutex_trylock(&c->lock) != 0)
        return;
    cur = atomic_load(&c->txnid);
    if (cur == UINT64_MAX /* never read */ || txnid > cur) {
        atomic_fetch_add_explicit(&c->seq, 1, memory_order_acq_rel);
        atomic_store_explicit(&c->sequence, f->sequence, memory_order_release);
        atomic_store_explicit(&c->produced, f->produced, memory_order_release);
        atomic_store_explicit(&c->expires, f->expires, memory_order_release);
        atomic_store_explicit(&c->txnid, txnid, memory_order_release);
        atomic_fetch_add_explicit(&c->seq, 1, memory_order_release);
    }
    pthread_mutex_unlock(&c->lock);
}

/* The freshness of the data as of transaction `last` (the last commit, read by the reader *r holds):
 * the cached one, or, when a commit moved it, the meta of the reader's transaction (which *t then
 * gives, and which answers this lookup: its stamp and its data are of one snapshot). */
int sltd__fresh_get(sltd__fresh *c, sltd__store *s, sltd__freshness *f, uint64_t last, sltd__reader **r,
                    sltd__txn **t)
{
    uint64_t s1, s2;
    int rc;

    if (atomic_load_explicit(&c->txnid, memory_order_relaxed) != last) {
        if ((rc = sltd__store_reader_txn(s, r, t)) != SLTD_OK || (rc = fresh_read(*t, f)) != SLTD_OK)
            return rc;
        fresh_publish(c, f, sltd__store_txn_id(*t));
        return SLTD_OK;
    }
    do {
        /* (acquire loads instead of a fence: plain loads on x86, and TSan understands them) */
        s1 = atomic_load_explicit(&c->seq, memory_order_acquire);
        f->sequence = atomic_load_explicit(&c->sequence, memory_order_acquire);
        f->produced = atomic_load_explicit(&c->produced, memory_order_acquire);
        f->expires = atomic_load_explicit(&c->expires, memory_order_acquire);
        s2 = atomic_load_explicit(&c->seq, memory_order_acquire);
    } while (s1 != s2 || (s1 & 1));
    return SLTD_OK;
}

/* fresh_get under a reader of its own. */
int sltd__fresh_now(sltd__fresh *c, sltd__store *s, sltd__freshness *f)
{
    sltd__reader *r;
    sltd__txn *t = NULL;
    uint64_t last;
    int rc = sltd__store_reader_enter(s, &r, &last);

    if (rc == SLTD_OK && (rc = sltd__fresh_get(c, s, f, last, &r, &t), r != NULL))
        sltd__store_reader_leave(s, r);
    return rc;
}
