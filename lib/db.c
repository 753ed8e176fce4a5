/* SPDX-License-Identifier: Apache-2.0 */
/* db.c — the handle: open, close, and the process-wide rules (one handle per database in a process,
 * none used after fork()); the only file that sees inside struct sltd_db. */
#include "db.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <pthread.h>
#include <stdatomic.h>

#include "crypto.h"
#include "error.h"
#include "keyfile.h"
#include "meta.h"

#define DEFAULT_BITS_PER_KEY 20
#define DEFAULT_MAX_READERS 512

struct sltd_db {
    char *dir;
    unsigned flags;
    unsigned bits_per_key;
    unsigned long fork_gen;
    dev_t dev;
    ino_t ino;
    sltd__keys *keys;
    sltd__store *store;
    sltd__filter *filter;
    sltd__fresh *fresh;
    struct sltd_db *next_open;
};

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

void sltd__db_parts_get(sltd__db_parts *out, const sltd_db *db)
{
    out->dir = db->dir;
    out->flags = db->flags;
    out->keys = db->keys;
    out->store = db->store;
    out->filter = db->filter;
    out->fresh = db->fresh;
}

int sltd__db_use(sltd__db_parts *out, const sltd_db *db)
{
    if (db == NULL)
        return SLTD_EINVAL;
    if (db->fork_gen != atomic_load_explicit(&fork_generation, memory_order_relaxed))
        return sltd__err(SLTD_EFORK, "%s: handle used in a child process after fork(); open a new one", db->dir);
    sltd__db_parts_get(out, db);
    return SLTD_OK;
}

int sltd__db_use_writer(sltd__db_parts *out, const sltd_db *db)
{
    int rc = sltd__db_use(out, db);

    if (rc == SLTD_OK && (db->flags & SLTD_OPEN_READONLY))
        return sltd__err(SLTD_EREADONLY, "%s: opened read-only", db->dir);
    return rc;
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
    rc = sltd__store_meta_get(t, META_FORMAT, buf, sizeof buf, &len);
    if (rc == 1 || (rc == 0 && len != 4))
        rc = sltd__err(SLTD_ECORRUPT, "%s: not an sltd database (no format version)", db->dir);
    else if (rc == 0 && (buf[0] << 24 | buf[1] << 16 | buf[2] << 8 | buf[3]) != SLTD__FORMAT_VERSION)
        rc = sltd__err(SLTD_EVERSION, "%s: database format %d; this library reads format %d", db->dir,
                       buf[0] << 24 | buf[1] << 16 | buf[2] << 8 | buf[3], SLTD__FORMAT_VERSION);
    if (rc == 0) {
        rc = sltd__store_meta_get(t, META_KEY_CHECK, buf, sizeof buf, &len);
        sltd__prf_key_check(want, db->keys);
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
    sltd__prf_key_check(kc, db->keys);
    if ((rc = sltd__store_meta_put(w, META_FORMAT, fmt, 4)) != SLTD_OK ||
        (rc = sltd__store_meta_put(w, META_KEY_CHECK, kc, 16)) != SLTD_OK ||
        (rc = sltd__store_meta_put(w, META_CHECKSUM, zero, 16)) != SLTD_OK ||
        (rc = sltd__filter_rebuild(db->filter, w, SLTD__BLOOM_MIN_CAPACITY, NULL)) != SLTD_OK) {
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
    static const char *const files[] = { "data.mdb", "lock.mdb", SLTD__FILTER_NAME, SLTD__FILTER_NAME ".tmp" };
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

static int open_body(sltd_db **out, const char *dir, const sltd_options *opts)
{
    static const sltd_options defaults = SLTD_OPTIONS_INIT;
    sltd_db *db = NULL;
    char *key_path = NULL;
    size_t dl;
    int rc, registered = 0, creating = 0, made_dir = 0, made_key = 0;

    sltd__err_clear();
    if (out == NULL || dir == NULL || dir[0] == '\0')
        return sltd__err(SLTD_EINVAL, "sltd_db_open: NULL argument");
    *out = NULL;
    if (opts == NULL)
        opts = &defaults;
    if (opts->version != SLTD_OPTIONS_VERSION ||
        (opts->flags & ~(unsigned)(SLTD_OPEN_READONLY | SLTD_OPEN_CREATE | SLTD_OPEN_REFUSE_STALE)) != 0 ||
        (opts->flags & SLTD_OPEN_READONLY && opts->flags & SLTD_OPEN_CREATE) ||
        (opts->bits_per_key != 0 && (opts->bits_per_key < 4 || opts->bits_per_key > 64)))
        return sltd__err(SLTD_EINVAL, "sltd_db_open: bad options (version, flags, or bits_per_key outside 4..64)");
    if (sltd__crypto_init() != 0)
        return sltd__err(SLTD_ENOMEM, "libsodium initialisation failed");
    pthread_once(&atfork_once, register_atfork);

    db = calloc(1, sizeof *db);
    if (db == NULL)
        return sltd__err(SLTD_ENOMEM, "out of memory");
    db->flags = opts->flags;
    db->bits_per_key = opts->bits_per_key ? opts->bits_per_key : DEFAULT_BITS_PER_KEY;
    db->fork_gen = atomic_load(&fork_generation);
    dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/')
        dl--;
    db->dir = strndup(dir, dl);
    if (db->dir == NULL) {
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
        rc = sltd__keyfile_create(key_path);
        if (rc != SLTD_OK && rc != SLTD_EEXIST)
            goto fail;
        made_key = rc == SLTD_OK;
    }
    if ((rc = sltd__keyfile_load(&db->keys, key_path)) != SLTD_OK)
        goto fail;
    rc = sltd__store_open(&db->store, db->dir,
                          ((opts->flags & SLTD_OPEN_READONLY) ? SLTD__STORE_RDONLY : 0) |
                              ((opts->flags & SLTD_OPEN_CREATE) ? SLTD__STORE_CREATE : 0),
                          opts->map_size, opts->max_readers ? opts->max_readers : DEFAULT_MAX_READERS);
    if (rc != SLTD_OK ||
        (rc = sltd__filter_new(&db->filter, db->dir, db->store, db->bits_per_key,
                               !(opts->flags & SLTD_OPEN_READONLY))) != SLTD_OK ||
        (rc = sltd__fresh_new(&db->fresh)) != SLTD_OK)
        goto fail;
    if ((opts->flags & SLTD_OPEN_CREATE) && (rc = init_meta(db)) != SLTD_OK)
        goto fail;
    if ((rc = check_meta(db)) != SLTD_OK || (rc = sltd__filter_set_up(db->filter)) != SLTD_OK)
        goto fail;
    {
        sltd__freshness fr;
        if ((rc = sltd__fresh_now(db->fresh, db->store, &fr)) != SLTD_OK)
            goto fail;
    }
    free(key_path);
    *out = db;
    return SLTD_OK;
fail:
    (void)registered; /* sltd_db_close unregisters only what was registered */
    {
        char dir_copy[4096] = "";
        if (creating && db->dir != NULL && strlen(db->dir) < sizeof dir_copy)
            memcpy(dir_copy, db->dir, strlen(db->dir) + 1);
        sltd_db_close(db);
        if (dir_copy[0] != '\0')
            undo_create(dir_copy, made_dir, key_path, made_key);
    }
    free(key_path);
    return rc;
}

int sltd_db_open(sltd_db **out, const char *dir, const sltd_options *opts)
{
    sltd__err_clear();
    return sltd__err_leave(open_body(out, dir, opts), "sltd_db_open");
}

void sltd_db_close(sltd_db *db)
{
    if (db == NULL)
        return;
    unregister_open(db);
    sltd__filter_close(db->filter);
    sltd__fresh_free(db->fresh);
    if (db->fork_gen != atomic_load_explicit(&fork_generation, memory_order_relaxed))
        sltd__store_abandon(db->store); /* inherited across fork(): LMDB's shared state is the parent's */
    else
        sltd__store_close(db->store);
    sltd__prf_key_free(db->keys);
    free(db->dir);
    free(db);
}

