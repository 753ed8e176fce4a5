/* SPDX-License-Identifier: Apache-2.0 */
/* db.c — open/close, the filter's life cycle across processes, lookups, stats. */
#include "db.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "fsutil.h"
#include "norm.h"
#include "record.h"

#define FILTER_NAME "sltd.filter"
#define DEFAULT_BITS_PER_KEY 20
#define DEFAULT_MAX_READERS 512
#define VERIFY_WAIT_MS 5000

/* ---- process-wide state: the fork generation and the open databases (LMDB forbids opening the same
 * environment twice in one process, so we refuse it). The only globals of the library. ---- */
static _Atomic unsigned long fork_generation;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t open_lock = PTHREAD_MUTEX_INITIALIZER;
static sltd_db *open_list;

static void on_fork_child(void)
{
    atomic_fetch_add(&fork_generation, 1);
}

static void register_atfork(void)
{
    pthread_atfork(NULL, NULL, on_fork_child);
}

int sltd__db_usable(const sltd_db *db)
{
    if (db == NULL)
        return SLTD_EINVAL;
    if (db->fork_gen != atomic_load_explicit(&fork_generation, memory_order_relaxed))
        return sltd__err(SLTD_EFORK, "%s: handle used in a child process after fork(); open a new one", db->dir);
    return SLTD_OK;
}

void sltd__put_u64(uint8_t out[8], uint64_t v)
{
    int i;
    for (i = 7; i >= 0; i--, v >>= 8)
        out[i] = (uint8_t)v;
}

uint64_t sltd__get_u64(const uint8_t in[8])
{
    uint64_t v = 0;
    int i;
    for (i = 0; i < 8; i++)
        v = v << 8 | in[i];
    return v;
}

int sltd__meta_u64(sltd__txn *t, const char *name, uint64_t *out)
{
    uint8_t b[8];
    size_t len;
    int rc = sltd__txn_meta_get(t, name, b, sizeof b, &len);

    *out = 0;
    if (rc < 0)
        return rc;
    if (rc == 0) {
        if (len != 8)
            return sltd__err(SLTD_ECORRUPT, "meta '%s' has %zu bytes", name, len);
        *out = sltd__get_u64(b);
    }
    return SLTD_OK;
}

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
static int open_filter(sltd_db *db)
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

/* ---- freshness ---- */

typedef struct freshness {
    uint64_t sequence;
    int64_t produced, expires;
} freshness;

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
static int fresh_get(sltd_db *db, freshness *f, uint64_t last, sltd__reader **r, sltd__txn **t)
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
static int fresh_now(sltd_db *db, freshness *f)
{
    sltd__reader *r;
    sltd__txn *t = NULL;
    uint64_t last;
    int rc = sltd__store_reader_enter(db->store, &r, &last);

    if (rc == SLTD_OK && (rc = fresh_get(db, f, last, &r, &t), r != NULL))
        sltd__store_reader_leave(db->store, r);
    return rc;
}

/* Stamp the answer with the data's freshness; SLTD_EEXPIRED when stale data must be refused. */
static int fresh_stamp(sltd_result *out, sltd_db *db, const freshness *f, time_t now)
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

/* ---- open / close ---- */

static int check_meta(sltd_db *db)
{
    uint8_t buf[16], want[16];
    size_t len;
    sltd__txn *t;
    int rc;

    if ((rc = sltd__store_read_begin(db->store, &t)) != SLTD_OK)
        return rc;
    rc = sltd__txn_meta_get(t, META_FORMAT, buf, sizeof buf, &len);
    if (rc == 1 || (rc == 0 && len != 4))
        rc = sltd__err(SLTD_ECORRUPT, "%s: not an sltd database (no format version)", db->dir);
    else if (rc == 0 && (buf[0] << 24 | buf[1] << 16 | buf[2] << 8 | buf[3]) != SLTD__FORMAT_VERSION)
        rc = sltd__err(SLTD_EVERSION, "%s: database format %d; this library reads format %d", db->dir,
                       buf[0] << 24 | buf[1] << 16 | buf[2] << 8 | buf[3], SLTD__FORMAT_VERSION);
    if (rc == 0) {
        rc = sltd__txn_meta_get(t, META_KEY_CHECK, buf, sizeof buf, &len);
        sltd__key_check(want, db->keys);
        if (rc == 1 || (rc == 0 && (len != 16 || memcmp(buf, want, 16) != 0)))
            rc = sltd__err(SLTD_EWRONGKEY, "%s: the key file does not belong to this database", db->dir);
    }
    sltd__store_read_end(db->store, t);
    return rc;
}

static int init_meta(sltd_db *db)
{
    static const uint8_t zero[16];
    uint8_t fmt[4] = { 0, 0, 0, SLTD__FORMAT_VERSION }, kc[16];
    sltd__txn *w;
    int rc;

    if ((rc = sltd__store_write_begin(db->store, &w)) != SLTD_OK)
        return rc;
    sltd__key_check(kc, db->keys);
    if ((rc = sltd__txn_meta_put(w, META_FORMAT, fmt, 4)) != SLTD_OK ||
        (rc = sltd__txn_meta_put(w, META_KEY_CHECK, kc, 16)) != SLTD_OK ||
        (rc = sltd__txn_meta_put(w, META_CHECKSUM, zero, 16)) != SLTD_OK ||
        (rc = sltd__db_rebuild_filter(db, w, SLTD__BLOOM_MIN_CAPACITY)) != SLTD_OK) {
        sltd__store_abort(db->store, w);
        return rc;
    }
    return sltd__store_commit(db->store, w);
}

static char *join(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *s = malloc(la + lb + 2);

    if (s != NULL) {
        memcpy(s, a, la);
        s[la] = '/';
        memcpy(s + la + 1, b, lb + 1);
    }
    return s;
}

static int prepare_dir(const char *dir, int create, int *made_dir)
{
    struct stat st;
    char *data = join(dir, "data.mdb");
    int exists, rc = SLTD_OK;

    *made_dir = 0;
    if (data == NULL)
        return sltd__err(SLTD_ENOMEM, "out of memory");
    exists = stat(data, &st) == 0;
    free(data);
    if (create) {
        if (exists)
            rc = sltd__err(SLTD_EEXIST, "%s: a database already exists here", dir);
        else if (mkdir(dir, 0755) == 0)
            *made_dir = 1;
        else if (errno != EEXIST)
            rc = sltd__err(SLTD_EIO, "%s: cannot create directory: %s", dir, strerror(errno));
    } else if (!exists) {
        rc = sltd__err(SLTD_ENOENT, "%s: no database here (create one with sltd init)", dir);
    }
    return rc;
}

/* A create that failed removes what it made, so that it can simply be tried again. */
static void undo_create(const char *dir, int made_dir, const char *key_path, int made_key)
{
    static const char *const files[] = { "data.mdb", "lock.mdb", FILTER_NAME, FILTER_NAME ".tmp" };
    char p[4096]; /* no allocation: this runs after an out-of-memory failure too */
    size_t i;

    for (i = 0; i < sizeof files / sizeof files[0]; i++)
        if ((size_t)snprintf(p, sizeof p, "%s/%s", dir, files[i]) < sizeof p)
            unlink(p);
    if (made_dir)
        rmdir(dir);
    if (made_key)
        unlink(key_path);
}

static int register_open(sltd_db *db)
{
    struct stat st;
    sltd_db *p;
    int rc = SLTD_OK;

    if (stat(db->dir, &st) != 0)
        return sltd__err(SLTD_ENOENT, "%s: %s", db->dir, strerror(errno));
    db->dev = st.st_dev;
    db->ino = st.st_ino;
    pthread_mutex_lock(&open_lock);
    for (p = open_list; p != NULL; p = p->next_open)
        if (p->dev == db->dev && p->ino == db->ino && p->fork_gen == db->fork_gen)
            rc = sltd__err(SLTD_EBUSY, "%s: already open in this process; share the handle", db->dir);
    if (rc == SLTD_OK) {
        db->next_open = open_list;
        open_list = db;
    }
    pthread_mutex_unlock(&open_lock);
    return rc;
}

static void unregister_open(sltd_db *db)
{
    sltd_db **pp;

    pthread_mutex_lock(&open_lock);
    for (pp = &open_list; *pp != NULL; pp = &(*pp)->next_open)
        if (*pp == db) {
            *pp = db->next_open;
            break;
        }
    pthread_mutex_unlock(&open_lock);
}

int sltd_open(sltd_db **out, const char *dir, const sltd_options *opts)
{
    static const sltd_options defaults = SLTD_OPTIONS_INIT;
    sltd_db *db = NULL;
    char *key_path = NULL;
    size_t dl;
    int rc, registered = 0, creating = 0, made_dir = 0, made_key = 0;

    sltd__err_clear();
    if (out == NULL || dir == NULL || dir[0] == '\0')
        return sltd__err(SLTD_EINVAL, "sltd_open: NULL argument");
    *out = NULL;
    if (opts == NULL)
        opts = &defaults;
    if (opts->version != SLTD_OPTIONS_VERSION ||
        (opts->flags & ~(unsigned)(SLTD_OPEN_READONLY | SLTD_OPEN_CREATE | SLTD_OPEN_REFUSE_STALE)) != 0 ||
        (opts->flags & SLTD_OPEN_READONLY && opts->flags & SLTD_OPEN_CREATE) ||
        (opts->bits_per_key != 0 && (opts->bits_per_key < 4 || opts->bits_per_key > 64)))
        return sltd__err(SLTD_EINVAL, "sltd_open: bad options (version, flags, or bits_per_key outside 4..64)");
    if (sltd__hash_init() != 0)
        return sltd__err(SLTD_ENOMEM, "libsodium initialisation failed");
    pthread_once(&atfork_once, register_atfork);

    db = calloc(1, sizeof *db);
    if (db == NULL)
        return sltd__err(SLTD_ENOMEM, "out of memory");
    pthread_mutex_init(&db->lock, NULL);
    pthread_mutex_init(&db->fresh_lock, NULL);
    atomic_store(&db->fresh_txnid, UINT64_MAX); /* "never read" */
    db->flags = opts->flags;
    db->bits_per_key = opts->bits_per_key ? opts->bits_per_key : DEFAULT_BITS_PER_KEY;
    db->fork_gen = atomic_load(&fork_generation);
    dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/')
        dl--;
    db->dir = strndup(dir, dl);
    if (db->dir == NULL || (db->filter_path = join(db->dir, FILTER_NAME)) == NULL) {
        rc = sltd__err(SLTD_ENOMEM, "out of memory");
        goto fail;
    }
    if (opts->key_path != NULL)
        key_path = strdup(opts->key_path);
    else if ((key_path = malloc(dl + 5)) != NULL)
        snprintf(key_path, dl + 5, "%s.key", db->dir);
    if (key_path == NULL) {
        rc = sltd__err(SLTD_ENOMEM, "out of memory");
        goto fail;
    }
    if ((rc = prepare_dir(db->dir, opts->flags & SLTD_OPEN_CREATE, &made_dir)) != SLTD_OK)
        goto fail;
    creating = (opts->flags & SLTD_OPEN_CREATE) != 0;
    if ((rc = register_open(db)) != SLTD_OK)
        goto fail;
    registered = 1;
    if (creating) {
        rc = sltd__key_create(key_path);
        if (rc != SLTD_OK && rc != SLTD_EEXIST)
            goto fail;
        made_key = rc == SLTD_OK;
    }
    if ((rc = sltd__key_load(&db->keys, key_path)) != SLTD_OK)
        goto fail;
    rc = sltd__store_open(&db->store, db->dir,
                          ((opts->flags & SLTD_OPEN_READONLY) ? SLTD__STORE_RDONLY : 0) |
                              ((opts->flags & SLTD_OPEN_CREATE) ? SLTD__STORE_CREATE : 0),
                          opts->map_size, opts->max_readers ? opts->max_readers : DEFAULT_MAX_READERS);
    if (rc != SLTD_OK)
        goto fail;
    if ((opts->flags & SLTD_OPEN_CREATE) && (rc = init_meta(db)) != SLTD_OK)
        goto fail;
    if ((rc = check_meta(db)) != SLTD_OK || (rc = open_filter(db)) != SLTD_OK)
        goto fail;
    {
        freshness fr;
        if ((rc = fresh_now(db, &fr)) != SLTD_OK)
            goto fail;
    }
    free(key_path);
    *out = db;
    return SLTD_OK;
fail:
    (void)registered; /* sltd_close unregisters only what was registered */
    {
        char dir_copy[4096] = "";
        if (creating && db->dir != NULL && strlen(db->dir) < sizeof dir_copy)
            memcpy(dir_copy, db->dir, strlen(db->dir) + 1);
        sltd_close(db);
        if (dir_copy[0] != '\0')
            undo_create(dir_copy, made_dir, key_path, made_key);
    }
    free(key_path);
    return rc;
}

void sltd_close(sltd_db *db)
{
    sltd__bloom *b, *next;

    if (db == NULL)
        return;
    unregister_open(db);
    sltd__bloom_close(atomic_load(&db->bloom));
    for (b = db->retired; b != NULL; b = next) {
        next = b->next;
        sltd__bloom_close(b);
    }
    sltd__store_close(db->store);
    sltd__key_free(db->keys);
    pthread_mutex_destroy(&db->lock);
    pthread_mutex_destroy(&db->fresh_lock);
    free(db->filter_path);
    free(db->dir);
    free(db);
}

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
    if ((rc = fresh_get(db, &fr, last, &r, &t)) == SLTD_OK &&
        (rc = fresh_stamp(out, db, &fr, time(NULL))) == SLTD_OK && (b == NULL || sltd__bloom_test(b, d)) &&
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
    if ((rc = fresh_now(db, &fr)) != SLTD_OK || (rc = fresh_stamp(&stamp, db, &fr, now)) != SLTD_OK)
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

/* ---- stats ---- */

int sltd_stats_get(sltd_stats *out, sltd_db *db)
{
    uint8_t buf[16];
    uint64_t v;
    size_t len;
    sltd__txn *t;
    sltd__bloom *b;
    struct stat st;
    int rc;

    if (out == NULL)
        return SLTD_EINVAL;
    if ((rc = sltd__db_usable(db)) != SLTD_OK)
        return rc;
    memset(out, 0, sizeof *out);
    out->version = SLTD_STATS_VERSION;
    out->format_version = SLTD__FORMAT_VERSION;
    b = sltd__db_lookup_filter(db);
    if ((rc = sltd__store_read_begin(db->store, &t)) != SLTD_OK)
        return rc;
    if ((rc = sltd__meta_u64(t, META_RECORDS, &out->records)) != SLTD_OK ||
        (rc = sltd__meta_u64(t, META_DOCUMENTS, &out->documents)) != SLTD_OK ||
        (rc = sltd__meta_u64(t, META_SEQUENCE, &out->sequence)) != SLTD_OK ||
        (rc = sltd__meta_u64(t, META_PRODUCED, &v)) != SLTD_OK)
        goto done;
    out->produced = (int64_t)v;
    if ((rc = sltd__meta_u64(t, META_EXPIRES, &v)) != SLTD_OK)
        goto done;
    out->expires = (int64_t)v;
    rc = sltd__txn_meta_get(t, META_CHECKSUM, buf, sizeof buf, &len);
    if (rc == 0 && len == 16)
        memcpy(out->checksum, buf, 16);
    rc = rc < 0 ? rc : SLTD_OK;
done:
    sltd__store_read_end(db->store, t);
    if (rc != SLTD_OK)
        return rc;
    sltd__store_sizes(db->store, &out->data_bytes, &out->map_size);
    out->filter_state = b != NULL ? SLTD_FILTER_OK : SLTD_FILTER_BYPASS;
    if (b != NULL) {
        out->filter_bytes = b->map_len;
        out->filter_capacity = b->hdr->capacity;
        out->filter_bits_per_key = b->hdr->bits_per_key;
        out->filter_fpr_target = sltd__bloom_fpr_target(b->hdr->bits_per_key);
        sltd__bloom_fill(b, &out->filter_fill, &out->filter_fpr_estimate);
    } else if (stat(db->filter_path, &st) == 0) {
        out->filter_bytes = (uint64_t)st.st_size;
    }
    return SLTD_OK;
}
