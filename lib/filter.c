/* SPDX-License-Identifier: Apache-2.0 */
/* filter.c — the filter's life cycle across processes: attach, verify, rebuild, retire; the filter a
 * writer updates and the one a lookup probes. */
#include "db.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "fsutil.h"
#include "meta.h"

#define VERIFY_WAIT_MS 5000

/* ---- the filter ---- */

/* Does filter b hold every key of the committed state? 0 yes; else why not. */
static int filter_valid(sltd_db *db, sltd__bloom *b, unsigned wait_ms)
{
    uint8_t id[16];
    size_t len;
    sltd__txn *t;
    int rc = sltd__bloom_verify(b, wait_ms);

    if (rc != SLTD_OK)
        return rc;
    if ((rc = sltd__store_read_begin(db->store, &t)) != SLTD_OK)
        return rc;
    rc = sltd__txn_meta_get(t, META_FILTER_ID, id, sizeof id, &len);
    if (rc == 0 && (len != 16 || memcmp(id, b->hdr->filter_id, 16) != 0))
        rc = SLTD_ECORRUPT; /* a filter of other data, or a rebuild not yet committed */
    else if (rc == 0 && atomic_load_explicit(&b->hdr->covered_txnid, memory_order_acquire) < sltd__txn_id(t))
        rc = SLTD_ECORRUPT; /* an older copy of the file: it lacks later keys */
    else if (rc == 1)
        rc = SLTD_ECORRUPT;
    sltd__store_read_end(db->store, t);
    return rc;
}

static void install(sltd_db *db, sltd__bloom *b)
{
    sltd__bloom *old = atomic_exchange_explicit(&db->bloom, b, memory_order_acq_rel);

    if (old != NULL) { /* other threads may still be probing it: keep it mapped until close */
        old->next = db->retired;
        db->retired = old;
    }
    if (b == NULL)
        atomic_store(&db->bypass_txnid, sltd__store_last_txnid(db->store));
}

/* Map the filter file if it is valid for the committed state; else leave the handle in bypass.
 * Called with db->lock held. */
static int attach(sltd_db *db, unsigned wait_ms)
{
    sltd__bloom *b = NULL;
    int rc = sltd__bloom_open(&b, db->filter_path, !(db->flags & SLTD_OPEN_READONLY));

    if (rc == SLTD_OK && !atomic_load(&b->hdr->retired) && filter_valid(db, b, wait_ms) == SLTD_OK) {
        install(db, b);
        return SLTD_OK;
    }
    sltd__bloom_close(b);
    install(db, NULL);
    return rc == SLTD_OK || rc == SLTD_ENOENT ? SLTD_ECORRUPT : rc;
}

int sltd__db_rebuild_filter(sltd_db *db, sltd__txn *w, uint64_t capacity);

static int add_key(void *ctx, const uint8_t *d, const uint8_t *val, size_t len)
{
    (void)val;
    (void)len;
    sltd__bloom_add_raw(ctx, d);
    return 0;
}

int sltd__db_rebuild_filter(sltd_db *db, sltd__txn *w, uint64_t capacity)
{
    char tmp[4096];
    sltd__bloom *nb = NULL;
    int rc;

    if (capacity < SLTD__BLOOM_MIN_CAPACITY)
        capacity = SLTD__BLOOM_MIN_CAPACITY;
    snprintf(tmp, sizeof tmp, "%s.tmp", db->filter_path);
    if ((rc = sltd__bloom_create(&nb, tmp, capacity, db->bits_per_key)) != SLTD_OK)
        return rc;
    if ((rc = sltd__txn_foreach(w, add_key, nb)) != SLTD_OK ||
        (rc = sltd__bloom_seal(nb, sltd__txn_id(w))) != SLTD_OK ||
        (rc = sltd__txn_meta_put(w, META_FILTER_ID, nb->hdr->filter_id, 16)) != SLTD_OK)
        goto fail;
    /* Tell every process mapping the current file that it is being replaced (they read LMDB directly
     * until this transaction commits and they can map the new file), then replace it. */
    sltd__bloom_retire_path(db->filter_path);
    if (rename(tmp, db->filter_path) != 0 || sltd__fs_sync_dir(db->dir) != 0) {
        rc = sltd__err(SLTD_EIO, "%s: cannot install the rebuilt filter: %s", db->filter_path, strerror(errno));
        goto fail;
    }
    pthread_mutex_lock(&db->lock);
    install(db, nb);
    pthread_mutex_unlock(&db->lock);
    return SLTD_OK;
fail:
    sltd__bloom_close(nb);
    unlink(tmp);
    return rc;
}

sltd__bloom *sltd__db_writer_filter(sltd_db *db, sltd__txn *w)
{
    sltd__bloom *b = atomic_load(&db->bloom);

    (void)w;
    if (b != NULL && !atomic_load(&b->hdr->retired))
        return b;
    /* Another process rebuilt it (its transaction has committed: we hold the write lock now). */
    pthread_mutex_lock(&db->lock);
    attach(db, 0);
    b = atomic_load(&db->bloom);
    pthread_mutex_unlock(&db->lock);
    return b;
}

/* The filter for a lookup, or NULL for bypass. One load and one flag test when all is well. */
sltd__bloom *sltd__db_lookup_filter(sltd_db *db)
{
    sltd__bloom *b = atomic_load_explicit(&db->bloom, memory_order_acquire);

    if (b != NULL && !atomic_load_explicit(&b->hdr->retired, memory_order_acquire))
        return b;
    if (b == NULL && sltd__store_last_txnid(db->store) == atomic_load(&db->bypass_txnid))
        return NULL; /* nothing committed since attaching last failed */
    /* Another thread is (re)attaching, which verifies the whole file: do not wait for it, read LMDB. */
    if (pthread_mutex_trylock(&db->lock) != 0)
        return NULL;
    b = atomic_load(&db->bloom);
    if (b == NULL || atomic_load(&b->hdr->retired))
        attach(db, VERIFY_WAIT_MS);
    b = atomic_load(&db->bloom);
    pthread_mutex_unlock(&db->lock);
    return b;
}

/* Open-time filter set-up: attach, or rebuild when this handle may write. */
int sltd__db_open_filter(sltd_db *db)
{
    sltd__txn *w = NULL;
    uint64_t docs;
    int rc;

    pthread_mutex_lock(&db->lock);
    rc = attach(db, VERIFY_WAIT_MS);
    pthread_mutex_unlock(&db->lock);
    if (rc == SLTD_OK || (db->flags & SLTD_OPEN_READONLY))
        return SLTD_OK; /* read-only with a bad filter: bypass, reported by stats */
    /* Under the write lock nobody is modifying the file: a valid file passes at once, and an odd seq
     * means a writer died mid-update. */
    if ((rc = sltd__store_write_begin(db->store, &w)) != SLTD_OK)
        return rc;
    pthread_mutex_lock(&db->lock);
    rc = attach(db, 0);
    pthread_mutex_unlock(&db->lock);
    if (rc == SLTD_OK) {
        sltd__store_abort(db->store, w);
        return SLTD_OK;
    }
    if ((rc = sltd__meta_u64(w, META_DOCUMENTS, &docs)) != SLTD_OK ||
        (rc = sltd__db_rebuild_filter(db, w, docs + docs / 2)) != SLTD_OK) {
        sltd__store_abort(db->store, w);
        return rc;
    }
    return sltd__store_commit(db->store, w);
}
