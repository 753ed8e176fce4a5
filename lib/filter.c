/* SPDX-License-Identifier: Apache-2.0 */
/* filter.c — the filter's life cycle across processes (see filter.h). */
#include "filter.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "fsutil.h"
#include "meta.h"

struct sltd__filter {
    char *dir;
    char *path;
    unsigned bits_per_key;
    int writable;
    sltd__store *store;
    _Atomic(sltd__bloom *) bloom;  /* NULL: bypass (every lookup reads LMDB) */
    _Atomic uint64_t bypass_txnid; /* in bypass: the transaction at which attaching last failed */
    sltd__bloom *retired;          /* mappings replaced while open; unmapped at close */
    pthread_mutex_t lock;          /* attach, rebuild, the retired list */
};

/* Does filter b hold every key of the committed state? 0 yes (and b->valid_from is the transaction it
 * was checked against); else why not: SLTD_EBUSY when a live writer is modifying it at this instant (it
 * cannot be verified now, and nothing waits for the writer). The cheap checks come first: a rebuild not
 * yet committed is refused without reading the file. */
static int filter_valid(sltd__filter *f, sltd__bloom *b)
{
    uint8_t id[16];
    size_t len;
    sltd__txn *t;
    int rc;

    if ((rc = sltd__store_read_begin(f->store, &t)) != SLTD_OK)
        return rc;
    rc = sltd__store_meta_get(t, META_FILTER_ID, id, sizeof id, &len);
    if (rc == 0 && (len != 16 || memcmp(id, b->hdr->filter_id, 16) != 0))
        rc = SLTD_ECORRUPT; /* a filter of other data, or a rebuild not yet committed */
    else if (rc == 0 && atomic_load_explicit(&b->hdr->covered_txnid, memory_order_acquire) < sltd__store_txn_id(t))
        rc = SLTD_ECORRUPT; /* an older copy of the file: it lacks later keys */
    else if (rc == 1)
        rc = SLTD_ECORRUPT;
    b->valid_from = sltd__store_txn_id(t);
    sltd__store_read_end(f->store, t);
    /* (the file only gains bits: checked after the transaction above, it holds at least its keys) */
    return rc != SLTD_OK ? rc : sltd__bloom_verify(b);
}

static void install(sltd__filter *f, sltd__bloom *b)
{
    sltd__bloom *old = atomic_exchange_explicit(&f->bloom, b, memory_order_acq_rel);

    if (old != NULL) { /* other threads may still be probing it: keep it mapped until close */
        old->next = f->retired;
        f->retired = old;
    }
    if (b == NULL)
        atomic_store(&f->bypass_txnid, sltd__store_last_txnid(f->store));
}

/* Map the filter file if it is valid for the committed state; else leave the handle in bypass (its
 * lookups read LMDB until a later commit lets it try again). Never waits. Called with f->lock held.
 * SLTD_EBUSY: a live writer is inside the file; otherwise why it is not usable. */
static int attach(sltd__filter *f)
{
    sltd__bloom *b = NULL;
    int rc = sltd__bloom_open(&b, f->path, f->writable);

    if (rc == SLTD_OK && (rc = atomic_load(&b->hdr->retired) ? SLTD_ECORRUPT : filter_valid(f, b)) == SLTD_OK) {
        install(f, b);
        return SLTD_OK;
    }
    sltd__bloom_close(b);
    install(f, NULL);
    return rc == SLTD_ENOENT ? SLTD_ECORRUPT : rc;
}

static int add_key(void *ctx, const uint8_t *d, const uint8_t *val, size_t len)
{
    (void)val;
    (void)len;
    sltd__bloom_add_raw(ctx, d);
    return 0;
}

int sltd__filter_rebuild(sltd__filter *f, sltd__txn *w, uint64_t capacity, sltd__bloom **out)
{
    char tmp[4096];
    sltd__bloom *nb = NULL;
    int rc;

    if (capacity < SLTD__BLOOM_MIN_CAPACITY)
        capacity = SLTD__BLOOM_MIN_CAPACITY;
    /* One fixed temporary name, not fsutil's atomic writer (a unique name each time): a crash in the
     * middle of a rebuild leaves at most one filter-sized file, which the next rebuild reuses, where
     * unique names would leave one per crash. The rename and the directory's fsync follow the retire
     * below, which must come between them and the build. */
    snprintf(tmp, sizeof tmp, "%s.tmp", f->path);
    if ((rc = sltd__bloom_create(&nb, tmp, capacity, f->bits_per_key)) != SLTD_OK)
        return rc;
    if ((rc = sltd__store_foreach(w, add_key, nb)) != SLTD_OK ||
        (rc = sltd__bloom_seal(nb, sltd__store_txn_id(w))) != SLTD_OK ||
        (rc = sltd__store_meta_put(w, META_FILTER_ID, nb->hdr->filter_id, 16)) != SLTD_OK)
        goto fail;
    nb->valid_from = sltd__store_txn_id(w); /* snapshots older than w read LMDB, not this file */
    /* Tell every process mapping the current file that it is being replaced (they read LMDB directly
     * until this transaction commits and they can map the new file), then replace it. */
    sltd__bloom_retire_path(f->path);
    if (rename(tmp, f->path) != 0 || sltd__fs_sync_dir(f->dir) != 0) {
        rc = sltd__err(SLTD_EIO, "%s: cannot install the rebuilt filter: %s", f->path, strerror(errno));
        goto fail;
    }
    pthread_mutex_lock(&f->lock);
    install(f, nb);
    pthread_mutex_unlock(&f->lock);
    if (out != NULL)
        *out = nb;
    return SLTD_OK;
fail:
    sltd__bloom_close(nb);
    unlink(tmp);
    return rc;
}

sltd__bloom *sltd__filter_writer(sltd__filter *f, sltd__txn *w)
{
    sltd__bloom *b = atomic_load(&f->bloom);

    (void)w;
    if (b != NULL && !atomic_load(&b->hdr->retired))
        return b;
    /* Another process rebuilt it (its transaction has committed: we hold the write lock now). */
    pthread_mutex_lock(&f->lock);
    attach(f);
    b = atomic_load(&f->bloom);
    pthread_mutex_unlock(&f->lock);
    return b;
}

/* The filter for a lookup, or NULL for bypass. One load and one flag test when all is well. */
sltd__bloom *sltd__filter_lookup(sltd__filter *f)
{
    sltd__bloom *b = atomic_load_explicit(&f->bloom, memory_order_acquire);

    if (b != NULL && !atomic_load_explicit(&b->hdr->retired, memory_order_acquire))
        return b;
    if (b == NULL && sltd__store_last_txnid(f->store) == atomic_load(&f->bypass_txnid))
        return NULL; /* nothing committed since attaching last failed */
    /* Another thread is (re)attaching, which verifies the whole file: do not wait for it, read LMDB. A
     * writer inside the file (a rebuild being filled, an update not yet committed) is not waited for
     * either: attach leaves the handle in bypass, and the next commit lets it try again. */
    if (pthread_mutex_trylock(&f->lock) != 0)
        return NULL;
    b = atomic_load(&f->bloom);
    if (b == NULL || atomic_load(&b->hdr->retired))
        attach(f);
    b = atomic_load(&f->bloom);
    pthread_mutex_unlock(&f->lock);
    return b;
}

/* A mapping that was still current after snapshot t began (not retired) and was checked at or before t
 * holds every key of t: those of the state it was checked against, and those of every later commit up
 * to t, whose bits were set in it before they committed. A mapping checked after t (attached or rebuilt
 * since) may lack keys that t still lists; a retired one may lack keys that t added. */
int sltd__filter_covers(const sltd__bloom *b, const sltd__txn *t)
{
    return b != NULL && !atomic_load_explicit(&b->hdr->retired, memory_order_acquire) &&
           b->valid_from <= sltd__store_txn_id(t);
}

int sltd__filter_set_up(sltd__filter *f)
{
    sltd__txn *w = NULL;
    uint64_t docs;
    int rc;

    pthread_mutex_lock(&f->lock);
    rc = attach(f);
    pthread_mutex_unlock(&f->lock);
    /* Read-only with a bad filter: bypass, reported by stats. A live writer inside the file: bypass too,
     * rather than wait for it; its commit leaves a valid filter (and if it dies, the next writer
     * rebuilds). */
    if (rc == SLTD_OK || rc == SLTD_EBUSY || !f->writable)
        return SLTD_OK;
    /* Under the write lock nobody is modifying the file: a valid file passes at once, and an odd seq
     * means a writer died mid-update. */
    if ((rc = sltd__store_write_begin(f->store, &w)) != SLTD_OK)
        return rc;
    pthread_mutex_lock(&f->lock);
    rc = attach(f);
    pthread_mutex_unlock(&f->lock);
    if (rc == SLTD_OK) {
        sltd__store_abort(f->store, w);
        return SLTD_OK;
    }
    if ((rc = sltd__meta_get_u64(w, META_DOCUMENTS, &docs)) != SLTD_OK ||
        (rc = sltd__filter_rebuild(f, w, docs + docs / 2, NULL)) != SLTD_OK) {
        sltd__store_abort(f->store, w);
        return rc;
    }
    return sltd__store_commit(f->store, w);
}

int sltd__filter_new(sltd__filter **out, const char *dir, sltd__store *store, unsigned bits_per_key, int writable)
{
    sltd__filter *f = calloc(1, sizeof *f);
    size_t n = strlen(dir) + sizeof "/" SLTD__FILTER_NAME;

    *out = NULL;
    if (f == NULL || (f->dir = strdup(dir)) == NULL || (f->path = malloc(n)) == NULL) {
        if (f != NULL)
            free(f->dir);
        free(f);
        return sltd__err(SLTD_ENOMEM, "out of memory");
    }
    snprintf(f->path, n, "%s/%s", dir, SLTD__FILTER_NAME);
    f->bits_per_key = bits_per_key;
    f->writable = writable;
    f->store = store;
    pthread_mutex_init(&f->lock, NULL);
    *out = f;
    return SLTD_OK;
}

void sltd__filter_close(sltd__filter *f)
{
    sltd__bloom *b, *next;

    if (f == NULL)
        return;
    sltd__bloom_close(atomic_load(&f->bloom));
    for (b = f->retired; b != NULL; b = next) {
        next = b->next;
        sltd__bloom_close(b);
    }
    pthread_mutex_destroy(&f->lock);
    free(f->path);
    free(f->dir);
    free(f);
}

void sltd__filter_stats(sltd__filter *f, sltd_stats *out)
{
    sltd__bloom *b = sltd__filter_lookup(f);
    struct stat st;

    out->filter_state = b != NULL ? SLTD_FILTER_OK : SLTD_FILTER_BYPASS;
    if (b != NULL) {
        out->filter_bytes = b->map_len;
        out->filter_capacity = b->hdr->capacity;
        out->filter_bits_per_key = b->hdr->bits_per_key;
        out->filter_fpr_target = sltd__bloom_fpr_target(b->hdr->bits_per_key);
        sltd__bloom_fill(b, &out->filter_fill, &out->filter_fpr_estimate);
    } else if (stat(f->path, &st) == 0) {
        out->filter_bytes = (uint64_t)st.st_size;
    }
}
