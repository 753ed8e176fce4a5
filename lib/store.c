/* SPDX-License-Identifier: Apache-2.0 */
/* store.c — LMDB environment, read-transaction pool, map growth (see store.h). */
#include "store.h"

#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <lmdb.h>

#include "error.h"

#define POOL_SLOTS 64
/* The meta database. Its name is a key of the unnamed database, beside the records; a name that sorts
 * before almost every digest keeps bulk loads appending (MDB_APPEND needs keys above the last one). */
#define META_NAME "\001meta"
#define META_NAME_LEN 5
#define NAMED_DBS 1
#define DEFAULT_MAP_SIZE ((size_t)64 << 20)

struct sltd__txn {
    MDB_txn *txn;
    sltd__store *store;
    int write;
    MDB_cursor *tail; /* appends: a cursor kept at the last record, so that each append skips the walk
                         from the root (LMDB's cursor stays at the end between MDB_APPEND puts) */
};

/* One pooled read transaction; each on its own cache line so threads do not share lines. */
typedef struct sltd__reader {
    _Alignas(64) _Atomic int busy;
    int live;   /* txn exists (reset or active) */
    int active; /* txn holds a snapshot (renewed during this hold) */
    sltd__txn t;
} slot;

struct sltd__store {
    MDB_env *env;
    MDB_dbi records, meta;
    unsigned flags;
    char *dir;
    _Atomic int resizing;
    slot slots[POOL_SLOTS];
    sltd__store *next_abandoned; /* in the list of abandoned environments (sltd__store_abandon) */
};

/* Whether the last SLTD_EFULL of this thread was LMDB's map (growing it helps) rather than the disk. */
static _Thread_local int last_full_was_map;

int sltd__store_full_was_map(void)
{
    return last_full_was_map;
}

static int map_err(int rc, const char *what, const char *dir)
{
    last_full_was_map = rc == MDB_MAP_FULL;
    switch (rc) {
    case 0: return SLTD_OK;
    case MDB_MAP_FULL:
        return sltd__err(SLTD_EFULL, "%s: %s: database map full", dir, what);
    case ENOSPC:
        return sltd__err(SLTD_EFULL, "%s: %s: disk full", dir, what);
    case MDB_READERS_FULL:
        return sltd__err(SLTD_EREADERS, "%s: %s: too many readers", dir, what);
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_INVALID:
    case MDB_BAD_TXN:
    case MDB_BAD_DBI:
    case MDB_INCOMPATIBLE:
        return sltd__err(SLTD_ECORRUPT, "%s: %s: %s", dir, what, mdb_strerror(rc));
    case MDB_VERSION_MISMATCH:
        return sltd__err(SLTD_EVERSION, "%s: %s: %s", dir, what, mdb_strerror(rc));
    case ENOMEM:
        return sltd__err(SLTD_ENOMEM, "%s: %s: out of memory", dir, what);
    case ENOENT:
        return sltd__err(SLTD_ENOENT, "%s: %s: no database here", dir, what);
    case EIO: {
        /* LMDB reports a short write (a full disk) as EIO: say which it was */
        struct statvfs fs;
        if (statvfs(dir, &fs) == 0 && (uint64_t)fs.f_bavail * fs.f_frsize < ((uint64_t)16 << 20))
            return sltd__err(SLTD_EFULL, "%s: %s: disk full (%llu bytes free)", dir, what,
                             (unsigned long long)fs.f_bavail * fs.f_frsize);
        return sltd__err(SLTD_EIO, "%s: %s: input/output error", dir, what);
    }
    case EACCES:
    case EROFS:
        return sltd__err(SLTD_EIO, "%s: %s: permission denied", dir, what);
    default:
        return sltd__err(SLTD_EIO, "%s: %s: %s", dir, what, mdb_strerror(rc));
    }
}

int sltd__store_key_order(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
    size_t n = al < bl ? al : bl;
    uint64_t x, y;
    int rc;

    if (al == SLTD_DIGEST_SIZE && bl == SLTD_DIGEST_SIZE) {
        /* two digests: their big-endian halves compare as memcmp would, without a call per key */
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        if (x == y) {
            memcpy(&x, a + 8, 8);
            memcpy(&y, b + 8, 8);
            if (x == y)
                return 0;
        }
        x = __builtin_bswap64(x);
        y = __builtin_bswap64(y);
        return x < y ? -1 : 1;
    }
    rc = memcmp(a, b, n); /* LMDB's default order: bytes, then the shorter first */
    return rc != 0 ? rc : (al > bl) - (al < bl);
}

static int key_cmp(const MDB_val *a, const MDB_val *b)
{
    return sltd__store_key_order(a->mv_data, a->mv_size, b->mv_data, b->mv_size);
}

int sltd__store_open(sltd__store **out, const char *dir, unsigned flags, size_t map_size, unsigned max_readers)
{
    sltd__store *s;
    MDB_txn *txn = NULL;
    unsigned envflags = MDB_NOTLS | ((flags & SLTD__STORE_RDONLY) ? MDB_RDONLY : 0);
    int rc, dead = 0;

    *out = NULL;
    s = aligned_alloc(64, sizeof *s);
    if (s == NULL)
        return sltd__err(SLTD_ENOMEM, "out of memory");
    memset(s, 0, sizeof *s);
    s->flags = flags;
    s->dir = strdup(dir);
    if (s->dir == NULL) {
        free(s);
        return sltd__err(SLTD_ENOMEM, "out of memory");
    }
    if ((rc = mdb_env_create(&s->env)) != 0) {
        s->env = NULL;
        goto fail;
    }
    mdb_env_set_maxdbs(s->env, 4);
    mdb_env_set_maxreaders(s->env, max_readers);
    if (map_size == 0)
        map_size = DEFAULT_MAP_SIZE;
    if ((rc = mdb_env_set_mapsize(s->env, map_size)) != 0)
        goto fail;
    if ((rc = mdb_env_open(s->env, dir, envflags, 0644)) != 0)
        goto fail;
    /* (a database written with a larger map than asked for keeps its own: mdb_env_open adopts it) */
    mdb_reader_check(s->env, &dead); /* clear the slots of readers that died */
    if ((rc = mdb_txn_begin(s->env, NULL, (flags & SLTD__STORE_CREATE) ? 0 : MDB_RDONLY, &txn)) != 0)
        goto fail;
    /* Records live in the unnamed database: a read transaction renewed for each lookup would otherwise
     * look a named database up again on its first access (LMDB marks them stale on renew). The only
     * other key there is the name of the meta database. */
    if ((rc = mdb_dbi_open(txn, NULL, 0, &s->records)) != 0 || (rc = mdb_set_compare(txn, s->records, key_cmp)) != 0 ||
        (rc = mdb_dbi_open(txn, META_NAME, (flags & SLTD__STORE_CREATE) ? MDB_CREATE : 0, &s->meta)) != 0) {
        mdb_txn_abort(txn);
        if (rc == MDB_NOTFOUND) {
            rc = sltd__err(SLTD_ECORRUPT, "%s: not an sltd database (no meta table)", dir);
            goto fail_mapped;
        }
        goto fail;
    }
    if ((rc = mdb_txn_commit(txn)) != 0)
        goto fail;
    *out = s;
    return SLTD_OK;
fail:
    rc = map_err(rc, "open", dir);
fail_mapped:
    if (s->env != NULL)
        mdb_env_close(s->env);
    free(s->dir);
    free(s);
    return rc;
}

void sltd__store_close(sltd__store *s)
{
    int i;

    if (s == NULL)
        return;
    for (i = 0; i < POOL_SLOTS; i++)
        if (s->slots[i].live)
            mdb_txn_abort(s->slots[i].t.txn);
    mdb_env_close(s->env);
    free(s->dir);
    free(s);
}

/* The environments inherited across fork() and abandoned in the child: kept reachable on purpose. Their
 * memory is never freed (mdb_env_close in the child would release the parent's reader slots and locks),
 * and a leak checker should see it as held, not as lost. One list per process, pushed to without a
 * lock (a lock could be held by a thread that did not survive the fork). */
static sltd__store *_Atomic abandoned;

void sltd__store_abandon(sltd__store *s)
{
    if (s == NULL)
        return;
    s->next_abandoned = atomic_load(&abandoned);
    while (!atomic_compare_exchange_weak(&abandoned, &s->next_abandoned, s)) {
        /* another thread pushed first: s->next_abandoned now holds its entry; try again */
    }
}

/* Hold a pool slot. While any slot is held, this process does not resize (remap) the environment's
 * map: every use of the map — read transactions, and mdb_env_info/mdb_env_stat, which read its meta
 * pages — happens between map_enter and map_leave. 0, or SLTD_EREADERS (every slot busy). */
static int map_enter(sltd__store *s, slot **out)
{
    static _Thread_local unsigned hint;
    unsigned start = hint, i;

    for (;;) {
        for (i = 0; i < POOL_SLOTS; i++) {
            slot *sl = &s->slots[(start + i) % POOL_SLOTS];
            if (atomic_load_explicit(&sl->busy, memory_order_relaxed) ||
                atomic_exchange_explicit(&sl->busy, 1, memory_order_seq_cst))
                continue;
            if (atomic_load_explicit(&s->resizing, memory_order_seq_cst)) {
                atomic_store_explicit(&sl->busy, 0, memory_order_release);
                break; /* wait for the resize below */
            }
            hint = (start + i) % POOL_SLOTS;
            *out = sl;
            return SLTD_OK;
        }
        if (i == POOL_SLOTS && !atomic_load(&s->resizing))
            return sltd__err(SLTD_EREADERS, "%s: more than %d threads reading at once", s->dir, POOL_SLOTS);
        while (atomic_load_explicit(&s->resizing, memory_order_acquire))
            sched_yield();
    }
}

static void map_leave(slot *sl)
{
    atomic_store_explicit(&sl->busy, 0, memory_order_release);
}

uint64_t sltd__store_last_txnid(sltd__store *s)
{
    uint64_t last;
    slot *sl;

    if (sltd__store_reader_enter(s, &sl, &last) != SLTD_OK)
        return UINT64_MAX; /* unknown: callers then take their careful path */
    map_leave(sl);
    return last;
}

void sltd__store_sizes(sltd__store *s, uint64_t *used, uint64_t *map)
{
    MDB_envinfo info;
    MDB_stat st;
    slot *sl;

    *used = *map = 0;
    if (map_enter(s, &sl) != SLTD_OK)
        return;
    mdb_env_info(s->env, &info);
    mdb_env_stat(s->env, &st);
    map_leave(sl);
    *used = (uint64_t)(info.me_last_pgno + 1) * st.ms_psize;
    *map = info.me_mapsize;
}

/* Adopt a map grown by another process (MDB_MAP_RESIZED): needs every reader of ours out. */
static int drain_and(sltd__store *s, size_t newsize);

int sltd__store_reader_enter(sltd__store *s, slot **r, uint64_t *last)
{
    MDB_envinfo info;
    int rc = map_enter(s, r);

    if (rc == SLTD_OK && last != NULL) {
        mdb_env_info(s->env, &info); /* reads the meta pages: no lock, no system call */
        *last = info.me_last_txnid;
    }
    return rc;
}

/* Whether read transaction txn, just begun, holds the snapshot its id names. LMDB 0.9 begins one by
 * reading the id of the last published commit, then copying that commit's meta page — one of two,
 * written in turn. A reader delayed between the two while one commit lands and the next writes its
 * meta page (over the page it meant to read) copies that newer commit's roots under the older id: a
 * snapshot ahead of its id, of a commit not yet published (readers starting later see the one before
 * it, so answers go back in time) and that is not even certain to stay. The copy was surely the id's own
 * when no commit newer than id + 1 has reached a meta page since; mdb_env_info reports the newest there. */
static int snapshot_is_its_own(sltd__store *s, MDB_txn *txn)
{
    MDB_envinfo info;

    atomic_thread_fence(memory_order_acquire); /* the copy's loads come before this check's */
    mdb_env_info(s->env, &info);
    return info.me_last_txnid <= (uint64_t)mdb_txn_id(txn) + 1;
}

int sltd__store_reader_txn(sltd__store *s, slot **r, sltd__txn **out)
{
    slot *sl = *r;
    int rc;

    while (!sl->active) {
        rc = sl->live ? mdb_txn_renew(sl->t.txn) : mdb_txn_begin(s->env, NULL, MDB_RDONLY, &sl->t.txn);
        if (rc == 0 && !snapshot_is_its_own(s, sl->t.txn)) {
            mdb_txn_reset(sl->t.txn); /* and begin again, from the id published now */
            sl->live = 1;
            continue;
        }
        if (rc == 0) {
            sl->live = sl->active = 1;
            sl->t.store = s;
            sl->t.write = 0;
            break;
        }
        if (rc != MDB_MAP_RESIZED) {
            if (sl->live) /* (before the slot is released: it is not ours after) */
                mdb_txn_abort(sl->t.txn);
            sl->live = 0;
            map_leave(sl);
            *r = NULL;
            return map_err(rc, "read transaction", s->dir);
        }
        map_leave(sl);
        *r = NULL;
        if ((rc = drain_and(s, 0)) != SLTD_OK || (rc = map_enter(s, &sl)) != SLTD_OK)
            return rc;
        *r = sl;
    }
    *out = &sl->t;
    return SLTD_OK;
}

void sltd__store_reader_leave(sltd__store *s, slot *sl)
{
    (void)s;
    if (sl->active) {
        mdb_txn_reset(sl->t.txn); /* never hold an old snapshot while idle */
        sl->active = 0;
    }
    map_leave(sl);
}

int sltd__store_read_begin(sltd__store *s, sltd__txn **out)
{
    slot *sl;
    int rc = map_enter(s, &sl);

    return rc != SLTD_OK ? rc : sltd__store_reader_txn(s, &sl, out);
}

void sltd__store_read_end(sltd__store *s, sltd__txn *t)
{
    sltd__store_reader_leave(s, (slot *)((char *)t - offsetof(slot, t)));
}

static int drain_and(sltd__store *s, size_t newsize)
{
    int expected = 0, i, rc;

    while (!atomic_compare_exchange_weak(&s->resizing, &expected, 1)) {
        expected = 0;
        sched_yield();
    }
    for (i = 0; i < POOL_SLOTS; i++)
        while (atomic_load_explicit(&s->slots[i].busy, memory_order_seq_cst))
            sched_yield();
    rc = mdb_env_set_mapsize(s->env, newsize);
    atomic_store_explicit(&s->resizing, 0, memory_order_release);
    return rc == 0 ? SLTD_OK : map_err(rc, "resize map", s->dir);
}

int sltd__store_grow(sltd__store *s, uint64_t bytes)
{
    uint64_t used, map, size;

    sltd__store_sizes(s, &used, &map); /* (reads the map's meta pages: under a slot) */
    if (map == 0)
        return sltd__err(SLTD_EREADERS, "%s: more than %d threads reading at once", s->dir, POOL_SLOTS);
    for (size = map; size < bytes; size *= 2)
        ;
    if (size == map)
        size *= 2;
    return drain_and(s, (size_t)size);
}

int sltd__store_write_begin(sltd__store *s, sltd__txn **out)
{
    sltd__txn *t;
    int rc;

    if (s->flags & SLTD__STORE_RDONLY)
        return sltd__err(SLTD_EREADONLY, "%s: opened read-only", s->dir);
    t = malloc(sizeof *t);
    if (t == NULL)
        return sltd__err(SLTD_ENOMEM, "out of memory");
    for (;;) {
        rc = mdb_txn_begin(s->env, NULL, 0, &t->txn);
        if (rc != MDB_MAP_RESIZED)
            break;
        if ((rc = drain_and(s, 0)) != SLTD_OK) {
            free(t);
            return rc;
        }
    }
    if (rc != 0) {
        free(t);
        return map_err(rc, "write transaction", s->dir);
    }
    t->store = s;
    t->write = 1;
    t->tail = NULL;
    *out = t;
    return SLTD_OK;
}

static void drop_tail(sltd__txn *t)
{
    if (t->tail != NULL)
        mdb_cursor_close(t->tail);
    t->tail = NULL;
}

int sltd__store_commit(sltd__store *s, sltd__txn *t)
{
    int rc;

    drop_tail(t);
    rc = mdb_txn_commit(t->txn);

    free(t);
    return map_err(rc, "commit", s->dir);
}

void sltd__store_abort(sltd__store *s, sltd__txn *t)
{
    (void)s;
    if (t == NULL)
        return;
    drop_tail(t);
    mdb_txn_abort(t->txn);
    free(t);
}

uint64_t sltd__store_txn_id(const sltd__txn *t)
{
    return (uint64_t)mdb_txn_id(t->txn);
}

int sltd__store_get(sltd__txn *t, const uint8_t d[SLTD_DIGEST_SIZE], const uint8_t **val, size_t *len)
{
    MDB_val k = { SLTD_DIGEST_SIZE, (void *)d }, v;
    int rc = mdb_get(t->txn, t->store->records, &k, &v);

    if (rc == MDB_NOTFOUND)
        return 1;
    if (rc != 0)
        return map_err(rc, "get", t->store->dir);
    *val = v.mv_data;
    *len = v.mv_size;
    return SLTD_OK;
}

int sltd__store_put(sltd__txn *t, const uint8_t d[SLTD_DIGEST_SIZE], const uint8_t *val, size_t len, int append)
{
    MDB_val k = { SLTD_DIGEST_SIZE, (void *)d }, v = { len, (void *)val };
    int rc;

    if (!append)
        return map_err(mdb_put(t->txn, t->store->records, &k, &v, 0), "put", t->store->dir);
    if (t->tail == NULL && (rc = mdb_cursor_open(t->txn, t->store->records, &t->tail)) != 0)
        return map_err(rc, "put", t->store->dir);
    rc = mdb_cursor_put(t->tail, &k, &v, MDB_APPEND);
    /* The few digests that sort before the meta database's name cannot be appended: put them in place,
     * and start the tail cursor afresh at the next append. */
    if (rc == MDB_KEYEXIST) {
        drop_tail(t);
        rc = mdb_put(t->txn, t->store->records, &k, &v, 0);
    }
    return map_err(rc, "put", t->store->dir);
}

int sltd__store_del(sltd__txn *t, const uint8_t d[SLTD_DIGEST_SIZE])
{
    MDB_val k = { SLTD_DIGEST_SIZE, (void *)d };
    int rc = mdb_del(t->txn, t->store->records, &k, NULL);

    return rc == MDB_NOTFOUND ? 1 : map_err(rc, "delete", t->store->dir);
}

int sltd__store_clear(sltd__txn *t)
{
    MDB_cursor *c;
    MDB_val k, v;
    int rc;

    /* Not mdb_drop: the unnamed database also holds the meta database's name. */
    if ((rc = mdb_cursor_open(t->txn, t->store->records, &c)) != 0)
        return map_err(rc, "clear", t->store->dir);
    while ((rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) == 0) {
        if (k.mv_size != SLTD_DIGEST_SIZE)
            continue;
        if ((rc = mdb_cursor_del(c, 0)) != 0)
            break;
    }
    mdb_cursor_close(c);
    return rc == MDB_NOTFOUND ? SLTD_OK : map_err(rc, "clear", t->store->dir);
}

int sltd__store_empty(sltd__txn *t)
{
    MDB_stat st;
    int rc = mdb_stat(t->txn, t->store->records, &st);

    return rc != 0 ? map_err(rc, "stat", t->store->dir) : st.ms_entries <= NAMED_DBS;
}

int sltd__store_meta_get(sltd__txn *t, const char *name, void *buf, size_t cap, size_t *len)
{
    MDB_val k = { strlen(name), (void *)name }, v;
    int rc = mdb_get(t->txn, t->store->meta, &k, &v);

    if (rc == MDB_NOTFOUND)
        return 1;
    if (rc != 0)
        return map_err(rc, "meta", t->store->dir);
    if (v.mv_size > cap)
        return sltd__err(SLTD_ECORRUPT, "%s: meta value '%s' too long", t->store->dir, name);
    memcpy(buf, v.mv_data, v.mv_size);
    if (len != NULL)
        *len = v.mv_size;
    return SLTD_OK;
}

int sltd__store_meta_put(sltd__txn *t, const char *name, const void *val, size_t len)
{
    MDB_val k = { strlen(name), (void *)name }, v = { len, (void *)val };

    return map_err(mdb_put(t->txn, t->store->meta, &k, &v, 0), "meta put", t->store->dir);
}

int sltd__store_foreach(sltd__txn *t, int (*fn)(void *ctx, const uint8_t *d, const uint8_t *val, size_t len),
                      void *ctx)
{
    MDB_cursor *c;
    MDB_val k, v;
    int rc, op = MDB_FIRST;

    if ((rc = mdb_cursor_open(t->txn, t->store->records, &c)) != 0)
        return map_err(rc, "cursor", t->store->dir);
    for (;;) {
        rc = mdb_cursor_get(c, &k, &v, op);
        op = MDB_NEXT;
        if (rc == MDB_NOTFOUND) {
            rc = SLTD_OK;
            break;
        }
        if (rc != 0) {
            rc = map_err(rc, "scan", t->store->dir);
            break;
        }
        if (k.mv_size == META_NAME_LEN && memcmp(k.mv_data, META_NAME, META_NAME_LEN) == 0)
            continue; /* the name of the meta database */
        if (k.mv_size != SLTD_DIGEST_SIZE) {
            rc = sltd__err(SLTD_ECORRUPT, "%s: record key of %zu bytes", t->store->dir, k.mv_size);
            break;
        }
        if ((rc = fn(ctx, k.mv_data, v.mv_data, v.mv_size)) != 0)
            break;
    }
    mdb_cursor_close(c);
    return rc;
}
