/* SPDX-License-Identifier: Apache-2.0 */
/* sync.c — a kiosk brings its database to what a repository publishes (sltd_sync; docs/FLEET.md).
 *
 * One sync at a time per database (a lock file in DIR/sync/). In order: read the database's state; fetch
 * the index (retried with backoff); verify it (index.c: key list under a pinned root, the index under a
 * certified key); judge it (plan.c: expiry, replay, rollback, fast-forward, key compromise); if the
 * database is already current, record the sync and stop; else plan the cheapest path, then
 * 1. fetch every bundle of the path — remote ones into DIR/sync/HASH.part, resumed from what an
 *    earlier attempt left, capped at the size the index announces — and check every hash;
 * 2. only then apply them in order, each all or nothing, each re-read and re-hashed from the file it is
 *    applied from, each checked against its index entry. The last one's transaction also records the
 *    sync (meta values below), so the data and what is said about it never disagree. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#include "bundle.h"
#include "crypto.h"
#include "db.h"
#include "meta.h"
#include "error.h"
#include "layout.h"
#include "fetch.h"
#include "fsutil.h"
#include "filehash.h"
#include "sign.h"
#include "index.h"
#include "plan.h"

/* Meta values a sync writes (big-endian; times signed). */
#define META_SYNC_TIME "sync_time"           /* i64: when the last sync succeeded */
#define META_SYNC_SEQUENCE "sync_index_seq"  /* u64: the sequence of the index it accepted */
#define META_SYNC_PUBLISHED "sync_published" /* i64: that index's publication time */
#define META_SYNC_EXPIRES "sync_expires"     /* i64: that index's expiry */
#define META_SYNC_KEYS "sync_keys"           /* u64: version of the newest key list accepted */
#define META_SYNC_SIGNER "sync_signer"       /* 8 bytes: the key that signed the data's last bundle */

#define ROOTS_MAX 8
#define WAIT_MAX_MS 60000
#define DEFAULT_TIMEOUT 30

typedef struct syncer {
    sltd_db *db;
    const char *dbdir; /* the database directory (for DIR/sync) */
    const sltd_sync_options *o;
    sltd_sync_report *r;
    sltd__src *src;
    char *dir; /* DIR/sync */
    uint8_t (*roots)[SLTD__SIGN_PUBLIC];
} syncer;

static void emit(const syncer *s, int kind, const sltd__ientry *x, uint64_t bytes, uint64_t resumed,
                 unsigned attempt, unsigned wait_ms, const char *fmt, ...) SLTD__PRINTF(8, 9);

static void emit(const syncer *s, int kind, const sltd__ientry *x, uint64_t bytes, uint64_t resumed,
                 unsigned attempt, unsigned wait_ms, const char *fmt, ...)
{
    sltd_sync_event e;
    char msg[512];
    va_list ap;

    if (s->o->event_fn == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    memset(&e, 0, sizeof e);
    e.version = SLTD_SYNC_EVENT_VERSION;
    e.kind = kind;
    e.message = msg;
    if (x != NULL) {
        e.bundle_kind = (int)x->kind;
        e.sequence = x->sequence;
        e.base = x->base;
    } else if (kind == SLTD_SYNC_EVENT_INDEX) {
        e.sequence = s->r->index_sequence;
    }
    e.bytes = bytes;
    e.resumed = resumed;
    e.attempt = attempt;
    e.wait_ms = wait_ms;
    s->o->event_fn(s->o->event_ctx, &e);
}

/* ---- the state stored in the database ---- */

static int meta_i64(sltd__txn *t, const char *name, int64_t *out)
{
    uint64_t v;
    int rc = sltd__meta_get_u64(t, name, &v);

    *out = (int64_t)v;
    return rc;
}

static int read_state(const sltd__db_parts *p, sltd__kiosk *k, sltd_sync_state *st)
{
    uint8_t buf[16];
    size_t len;
    sltd__txn *t;
    int rc;

    memset(k, 0, sizeof *k);
    memset(st, 0, sizeof *st);
    st->version = SLTD_SYNC_STATE_VERSION;
    if ((rc = sltd__store_read_begin(p->store, &t)) != SLTD_OK)
        return rc;
    if ((rc = sltd__meta_get_u64(t, META_SEQUENCE, &k->sequence)) != SLTD_OK ||
        (rc = meta_i64(t, META_SYNC_TIME, &st->last_sync)) != SLTD_OK ||
        (rc = sltd__meta_get_u64(t, META_SYNC_SEQUENCE, &st->index_sequence)) != SLTD_OK ||
        (rc = meta_i64(t, META_SYNC_PUBLISHED, &st->index_published)) != SLTD_OK ||
        (rc = meta_i64(t, META_SYNC_EXPIRES, &st->index_expires)) != SLTD_OK ||
        (rc = sltd__meta_get_u64(t, META_SYNC_KEYS, &st->keys_version)) != SLTD_OK)
        goto done;
    if ((rc = sltd__store_meta_get(t, META_CHECKSUM, buf, sizeof buf, &len)) < 0)
        goto done;
    if (rc == 0 && len == 16)
        memcpy(k->checksum, buf, 16);
    if ((rc = sltd__store_meta_get(t, META_SYNC_SIGNER, buf, sizeof buf, &len)) < 0)
        goto done;
    if (rc == 0) {
        if (len != SLTD__SIGN_KEYID) {
            rc = sltd__err(SLTD_ECORRUPT, "meta '%s' has %zu bytes", META_SYNC_SIGNER, len);
            goto done;
        }
        memcpy(st->signer, buf, SLTD__SIGN_KEYID);
        memcpy(k->signer, buf, SLTD__SIGN_KEYID);
        k->has_signer = 1;
    }
    rc = SLTD_OK;
    k->keys_version = st->keys_version;
    k->index_published = st->index_published;
done:
    sltd__store_read_end(p->store, t);
    return rc;
}

static int sync_state_get_body(sltd_sync_state *out, sltd_db *db)
{
    sltd__db_parts p;
    sltd__kiosk k;
    int rc;

    if (out == NULL)
        return SLTD_EINVAL;
    if ((rc = sltd__db_use(&p, db)) != SLTD_OK)
        return rc;
    return read_state(&p, &k, out);
}

int sltd_sync_state_get(sltd_sync_state *out, sltd_db *db)
{
    sltd_sync_state full = SLTD_SYNC_STATE_INIT;
    const int v = sltd__layout_enter(out, SLTD__LAYOUT_SYNC_STATE);
    const int rc = v < 0 ? v : sync_state_get_body(out != NULL ? &full : NULL, db);

    return sltd__layout_leave(out, v, SLTD__LAYOUT_SYNC_STATE, &full, rc, "sltd_sync_state_get");
}

/* The meta values recorded with the data: signer and key list always; the sync itself with the last
 * bundle (or alone when already current). Returns how many of v[] are set. */
typedef struct metabuf {
    uint8_t now[8], seq[8], pub[8], exp[8], keys[8];
} metabuf;

static size_t sync_meta(sltd__meta_kv v[6], metabuf *b, const sltd__index *ix, const uint8_t *signer, int last)
{
    size_t n = 0;

    sltd__meta_encode_u64(b->keys, ix->keys.version);
    v[n++] = (sltd__meta_kv){ META_SYNC_KEYS, b->keys, 8 };
    if (signer != NULL)
        v[n++] = (sltd__meta_kv){ META_SYNC_SIGNER, signer, SLTD__SIGN_KEYID };
    if (!last)
        return n;
    sltd__meta_encode_u64(b->now, (uint64_t)time(NULL));
    sltd__meta_encode_u64(b->seq, ix->sequence);
    sltd__meta_encode_u64(b->pub, (uint64_t)ix->published);
    sltd__meta_encode_u64(b->exp, (uint64_t)ix->expires);
    v[n++] = (sltd__meta_kv){ META_SYNC_TIME, b->now, 8 };
    v[n++] = (sltd__meta_kv){ META_SYNC_SEQUENCE, b->seq, 8 };
    v[n++] = (sltd__meta_kv){ META_SYNC_PUBLISHED, b->pub, 8 };
    v[n++] = (sltd__meta_kv){ META_SYNC_EXPIRES, b->exp, 8 };
    return n;
}

/* ---- retries ---- */

/* Wait before attempt `attempt` + 1: 1, 2, 4 ... s, at most 60 s, plus up to 25 % at random so that a
 * fleet does not retry in step. */
static unsigned backoff_ms(unsigned attempt)
{
    unsigned ms = attempt >= 7 ? WAIT_MAX_MS : 1000u << (attempt - 1), r;

    if (ms > WAIT_MAX_MS)
        ms = WAIT_MAX_MS;
    sltd__crypto_random(&r, sizeof r);
    return ms + r % (ms / 4 + 1);
}

static void sleep_ms(unsigned ms)
{
    struct timespec t = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

    while (nanosleep(&t, &t) != 0 && errno == EINTR)
        ;
}

/* After a failed attempt: 1 when another is due (after the wait), else 0. */
static int again(syncer *s, int rc, unsigned attempt, const sltd__ientry *x, const char *what)
{
    unsigned ms;

    if (rc != SLTD_ENETWORK || !sltd__src_retryable(s->src) || attempt > s->o->retries)
        return 0;
    ms = backoff_ms(attempt);
    s->r->retries++;
    emit(s, SLTD_SYNC_EVENT_RETRY, x, 0, 0, attempt, ms, "%s: attempt %u failed (%s); retrying in %.1f s", what,
         attempt, sltd_error_detail(), ms / 1000.0);
    sleep_ms(ms);
    return 1;
}

/* ---- files ---- */

static char *part_path(const syncer *s, const sltd__ientry *x)
{
    char hex[2 * SLTD__FILEHASH + 1], *p;
    size_t n = strlen(s->dir) + sizeof hex + 8;

    if ((p = malloc(n)) != NULL)
        snprintf(p, n, "%s/%s.part", s->dir, sltd__hex(hex, x->hash, SLTD__FILEHASH));
    return p;
}

/* Where the verified bytes of entry x are (malloc'd): the source's file, or the partial download. */
static char *file_of(const syncer *s, const sltd__ientry *x)
{
    char name[SLTD__INDEX_NAME];

    if (!sltd__src_is_local(s->src))
        return part_path(s, x);
    sltd__index_bundle_name(name, x->hash);
    return sltd__src_local_path(s->src, name);
}

/* Check that fd holds exactly the entry's bytes. 0, SLTD_EMIRROR, SLTD_EIO, SLTD_ENOMEM. */
static int check_fd(int fd, const sltd__ientry *x, const char *path)
{
    uint8_t h[SLTD__FILEHASH];
    struct stat st;
    int rc;

    if (fstat(fd, &st) != 0)
        return sltd__err(SLTD_EIO, "%s: %s", path, strerror(errno));
    if ((uint64_t)st.st_size != x->size)
        return sltd__err(SLTD_EMIRROR, "%s: %lld bytes, the index names %llu; refused", path, (long long)st.st_size,
                         (unsigned long long)x->size);
    if ((rc = sltd__filehash_fd(h, fd, x->size, path)) != SLTD_OK)
        return rc;
    if (memcmp(h, x->hash, SLTD__FILEHASH) != 0)
        return sltd__err(SLTD_EMIRROR, "%s: its hash is not the one the index names (corrupted, or another "
                         "repository's file); refused", path);
    return SLTD_OK;
}

/* A bundle on a local medium: there, of the right size and hash. */
static int verify_local(syncer *s, const sltd__ientry *x)
{
    struct stat st;
    char *path = file_of(s, x);
    int fd = -1, rc;

    if (path == NULL)
        return sltd__err(SLTD_ENOMEM, "out of memory");
    if ((fd = sltd__fs_open_regular(path, 0, &st)) < 0) {
        rc = errno == ENOENT ? sltd__err(SLTD_ENETWORK, "%s: missing from the source (an incomplete copy?)", path)
                             : sltd__err(SLTD_EMIRROR, "%s: cannot be read: %s", path, strerror(errno));
        goto cleanup;
    }
    if ((rc = check_fd(fd, x, path)) == SLTD_OK) {
        s->r->bytes_fetched += x->size;
        emit(s, SLTD_SYNC_EVENT_FETCH, x, x->size, 0, 0, 0, "read and checked %s %llu (%llu bytes) from %s",
             x->kind == SLTD_BUNDLE_FULL ? "full" : "delta", (unsigned long long)x->sequence,
             (unsigned long long)x->size, path);
    }
cleanup:
    if (fd >= 0)
        close(fd);
    free(path);
    return rc;
}

/* A remote bundle into DIR/sync/HASH.part: resumed, retried, hash-checked. */
static int fetch_remote(syncer *s, const sltd__ientry *x)
{
    char name[SLTD__INDEX_NAME], *path = part_path(s, x);
    uint64_t have = 0, resumed;
    unsigned attempt = 0;
    int fd = -1, rc = SLTD_OK, redone = 0, pieces = 0;
    struct stat st;

    if (path == NULL)
        return sltd__err(SLTD_ENOMEM, "out of memory");
    sltd__index_bundle_name(name, x->hash);
    if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0 || fstat(fd, &st) != 0) {
        rc = sltd__err(SLTD_EIO, "%s: %s", path, strerror(errno));
        goto cleanup;
    }
    have = (uint64_t)st.st_size;
    if (have > x->size) {
        if (ftruncate(fd, 0) != 0) {
            rc = sltd__err(SLTD_EIO, "%s: %s", path, strerror(errno));
            goto cleanup;
        }
        have = 0;
    }
    resumed = have;
    pieces = have > 0;
    for (;;) {
        attempt++;
        if (have < x->size) {
            pieces++;
            rc = sltd__src_get_file(s->src, name, fd, path, &have, x->size, &s->r->bytes_fetched);
        }
        if (rc == SLTD_OK) {
            rc = check_fd(fd, x, path);
            /* a file put together from pieces (an earlier run's part, or a resume) may hold a bad piece:
             * start it over once, from nothing */
            if (rc == SLTD_EMIRROR && pieces > 1 && !redone) {
                redone = 1;
                have = resumed = 0;
                pieces = 0;
                if (ftruncate(fd, 0) != 0) {
                    rc = sltd__err(SLTD_EIO, "%s: %s", path, strerror(errno));
                    goto cleanup;
                }
                continue;
            }
            if (rc == SLTD_EMIRROR && ftruncate(fd, 0) != 0) /* nothing bad is kept for later */
                rc = sltd__err(SLTD_EIO, "%s: %s", path, strerror(errno));
            break;
        }
        if (!again(s, rc, attempt, x, name))
            break;
    }
    if (rc == SLTD_OK) {
        s->r->bytes_resumed += resumed;
        emit(s, SLTD_SYNC_EVENT_FETCH, x, x->size, resumed, 0, 0,
             "fetched and checked %s %llu (%llu bytes%s)", x->kind == SLTD_BUNDLE_FULL ? "full" : "delta",
             (unsigned long long)x->sequence, (unsigned long long)x->size, resumed ? ", resumed" : "");
    }
cleanup:
    if (fd >= 0)
        close(fd);
    free(path);
    return rc;
}

/* Drop the partial downloads of DIR/sync that are not in keep[] (the current plan's; all when n is 0). */
static void drop_parts(const syncer *s, const sltd__index *ix, const sltd__plan *p, int all)
{
    char hex[2 * SLTD__FILEHASH + 6], path[4096];
    struct dirent *d;
    DIR *dir;
    size_t i;

    if ((dir = opendir(s->dir)) == NULL)
        return;
    while ((d = readdir(dir)) != NULL) {
        size_t len = strlen(d->d_name);
        int keep = 0;
        if (len < 5 || strcmp(d->d_name + len - 5, ".part") != 0)
            continue;
        for (i = 0; !all && p != NULL && i < p->n; i++) {
            sltd__hex(hex, ix->e[p->step[i]].hash, SLTD__FILEHASH);
            keep |= len == 2 * SLTD__FILEHASH + 5 && memcmp(d->d_name, hex, 2 * SLTD__FILEHASH) == 0;
        }
        if (!keep && (size_t)snprintf(path, sizeof path, "%s/%s", s->dir, d->d_name) < sizeof path)
            unlink(path);
    }
    closedir(dir);
}

/* ---- the steps ---- */

static int fetch_index(syncer *s, sltd__index *ix)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    unsigned attempt = 0;
    int rc;

    for (;;) {
        attempt++;
        rc = sltd__src_get(s->src, "index.sltd", &buf, &len, SLTD_INDEX_MAX, &s->r->bytes_fetched);
        if (rc == SLTD_OK || !again(s, rc, attempt, NULL, "index.sltd"))
            break;
    }
    if (rc != SLTD_OK)
        return rc;
    rc = sltd__index_open(ix, buf, len, (const uint8_t(*)[SLTD__SIGN_PUBLIC])s->roots, s->o->nroots, "index.sltd");
    free(buf);
    return rc;
}

/* Re-read the verified file of step i, check it once more, and apply it. */
static int apply_step(syncer *s, const sltd__index *ix, const sltd__plan *p, size_t i, int recovery)
{
    const sltd__ientry *x = &ix->e[p->step[i]];
    const sltd__certkey *k = &ix->keys.k[sltd__keylist_find(&ix->keys, x->key_id)];
    sltd__signer signer;
    sltd__apply_ctx c = { 0 };
    sltd__meta_kv meta[6];
    sltd_bundle_report br;
    uint8_t h[SLTD__FILEHASH], *buf = NULL;
    char *path = file_of(s, x);
    metabuf mb;
    size_t len;
    int rc, last = i + 1 == p->n;

    if (path == NULL)
        return sltd__err(SLTD_ENOMEM, "out of memory");
    if ((rc = sltd__fs_load(&buf, &len, path, (size_t)x->size, (size_t)x->size, "bundle")) != SLTD_OK)
        goto cleanup;
    sltd__filehash_buf(h, buf, len);
    if (memcmp(h, x->hash, SLTD__FILEHASH) != 0) {
        rc = sltd__err(SLTD_EMIRROR, "%s: changed after it was checked; refused", path);
        goto cleanup;
    }
    memcpy(signer.pk, k->pk, SLTD__SIGN_PUBLIC);
    signer.not_before = k->not_before;
    signer.not_after = k->not_after;
    c.keys = &signer;
    c.nkeys = 1;
    c.expect = 1;
    c.kind = x->kind;
    c.sequence = x->sequence;
    c.base = x->base;
    if (last) {
        c.checksum = ix->checksum;
        c.records = ix->records;
        c.expires_at_least = ix->expires; /* the state the index vouches for, until it expires */
    }
    c.vouched = 1; /* named by its hash in the verified index: a bundle past its own expiry is still the
                    * way to the state the index publishes (publish keeps deltas and fulls for weeks) */
    c.reset_sequence = recovery && i == 0;
    c.meta = meta;
    c.nmeta = sync_meta(meta, &mb, ix, x->key_id, last);
    if ((rc = sltd__bundle_apply_buf(&br, s->db, &buf, len, path, &c)) != SLTD_OK)
        goto cleanup;
    if (x->kind == SLTD_BUNDLE_FULL)
        s->r->fulls++;
    else
        s->r->deltas++;
    s->r->updated = 1;
    s->r->to_sequence = x->sequence;
    emit(s, SLTD_SYNC_EVENT_APPLY, x, x->size, 0, 0, 0,
         "applied %s %llu%s: %llu added, %llu updated, %llu removed; %llu records", x->kind == SLTD_BUNDLE_FULL ?
         "full" : "delta", (unsigned long long)x->sequence, x->kind == SLTD_BUNDLE_FULL ? "" : " (on its base)",
         (unsigned long long)br.added, (unsigned long long)br.updated, (unsigned long long)br.removed,
         (unsigned long long)br.records);
cleanup:
    free(buf);
    free(path);
    return rc;
}

static int open_dir_and_lock(syncer *s, int *lockfd)
{
    char *lock = NULL;
    int rc = SLTD_OK;

    *lockfd = -1;
    if ((s->dir = sltd__fs_concat(s->dbdir, "/", "sync")) == NULL ||
        (lock = sltd__fs_concat(s->dir, "/", "lock")) == NULL)
        rc = sltd__err(SLTD_ENOMEM, "out of memory");
    else if (mkdir(s->dir, 0700) != 0 && errno != EEXIST)
        rc = sltd__err(SLTD_EIO, "%s: cannot create: %s", s->dir, strerror(errno));
    else if ((*lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
        rc = sltd__err(SLTD_EIO, "%s: cannot open: %s", lock, strerror(errno));
    else
        while (flock(*lockfd, LOCK_EX) != 0) /* another sync of this database: wait for it */
            if (errno != EINTR) {
                rc = sltd__err(SLTD_EIO, "%s: cannot lock: %s", lock, strerror(errno));
                break;
            }
    free(lock);
    return rc;
}

static const sltd_sync_report report_init = SLTD_SYNC_REPORT_INIT;

static int overtaken(syncer *s, const sltd__db_parts *p, const sltd__index *ix, uint64_t expected);

/* Plan the cheapest path from the kiosk's state k (with `replace`: from a full bundle whatever its
 * sequence, which replaces the data), fetch and check every file, then apply each bundle all or
 * nothing. `why` ends the plan's event message. *plan is the caller's to free. */
static int follow(syncer *s, const sltd__db_parts *p, const sltd__index *ix, sltd__plan *plan, const sltd__kiosk *k,
                  int replace, const char *why)
{
    size_t i;
    int rc;

    if ((rc = sltd__plan_path(plan, ix, k->sequence, replace, "index.sltd")) != SLTD_OK)
        return rc;
    s->r->bytes_planned = plan->bytes;
    if (s->o->max_bytes != 0 && plan->bytes > s->o->max_bytes)
        return sltd__err(SLTD_ELIMIT, "the cheapest path to sequence %llu takes %llu bytes, more than the %llu "
                         "allowed; refused", (unsigned long long)ix->sequence, (unsigned long long)plan->bytes,
                         (unsigned long long)s->o->max_bytes);
    emit(s, SLTD_SYNC_EVENT_PLAN, NULL, plan->bytes, 0, 0, 0, "path: %zu bundle(s), %llu bytes, %s%s", plan->n,
         (unsigned long long)plan->bytes,
         ix->e[plan->step[0]].kind == SLTD_BUNDLE_FULL ? "from a full bundle" : "a chain of deltas", why);
    drop_parts(s, ix, plan, 0);
    /* 1. every file, checked, before anything is applied */
    for (i = 0; i < plan->n; i++) {
        const sltd__ientry *x = &ix->e[plan->step[i]];
        if ((rc = sltd__src_is_local(s->src) ? verify_local(s, x) : fetch_remote(s, x)) != SLTD_OK)
            return rc;
    }
    /* 2. apply, each bundle all or nothing */
    for (i = 0; i < plan->n; i++)
        if ((rc = apply_step(s, ix, plan, i, replace)) != SLTD_OK)
            return rc != SLTD_ESEQUENCE ? rc /* another update may have been applied meanwhile: */
                                        : overtaken(s, p, ix, i == 0 ? k->sequence : ix->e[plan->step[i - 1]].sequence);
    return SLTD_OK;
}

/* A step was refused for its sequence (SLTD_ESEQUENCE, detail set) where the database was at `expected`
 * when the step was planned. Another writer (`sltd apply`, an import) moved it meanwhile: when it now
 * holds the index's state, the sync's work is done (its record written, 0); otherwise the refusal
 * says so rather than suggest a replay. Not moved: the refusal stands as it is. */
static int overtaken(syncer *s, const sltd__db_parts *p, const sltd__index *ix, uint64_t expected)
{
    char detail[512];
    sltd_sync_state st;
    sltd__meta_kv meta[6];
    metabuf mb;
    sltd__kiosk now;

    snprintf(detail, sizeof detail, "%s", sltd_error_detail());
    if (read_state(p, &now, &st) != SLTD_OK || now.sequence == expected)
        return sltd__err(SLTD_ESEQUENCE, "%s", detail);
    if (now.sequence == ix->sequence && memcmp(now.checksum, ix->checksum, 16) == 0) {
        s->r->to_sequence = now.sequence;
        return sltd__update_meta(s->db, meta, sync_meta(meta, &mb, ix, NULL, 1));
    }
    return sltd__err(SLTD_ESEQUENCE, "%s (another update was applied to the database during this sync: it is at "
                     "sequence %llu now, not %llu; sync again)", detail, (unsigned long long)now.sequence,
                     (unsigned long long)expected);
}

static int sync_body(sltd_sync_report *out, sltd_db *db, const char *source, const sltd_sync_options *opts)
{
    sltd_sync_report rep = report_init;
    sltd_sync_options o;
    sltd__index ix = { 0 };
    sltd__plan plan = { 0, NULL, 0 };
    sltd__kiosk k;
    sltd_sync_state st;
    sltd__db_parts p;
    syncer s;
    uint8_t kc[16];
    size_t i;
    int rc, lockfd = -1, current, recovery;

    sltd__err_clear();
    memset(&s, 0, sizeof s);
    if (out != NULL)
        *out = report_init;
    if ((rc = sltd__db_use_writer(&p, db)) != SLTD_OK)
        return rc;
    if (source == NULL || opts == NULL || opts->version != SLTD_SYNC_OPTIONS_VERSION || opts->roots == NULL ||
        opts->nroots == 0 || opts->nroots > ROOTS_MAX || opts->retries > SLTD_SYNC_RETRIES_MAX)
        return sltd__err(SLTD_EINVAL, "sltd_sync: bad arguments or options (1 to %d roots, at most %d retries)",
                         ROOTS_MAX, SLTD_SYNC_RETRIES_MAX);
    o = *opts;
    if (o.timeout_s == 0)
        o.timeout_s = DEFAULT_TIMEOUT;
    s.db = db;
    s.dbdir = p.dir;
    s.o = &o;
    s.r = &rep;
    if ((rc = sltd__crypto_init()) != SLTD_OK)
        goto cleanup;
    if ((s.roots = malloc(o.nroots * sizeof *s.roots)) == NULL) {
        rc = sltd__err(SLTD_ENOMEM, "out of memory");
        goto cleanup;
    }
    for (i = 0; i < o.nroots; i++)
        if (o.roots[i] == NULL ? (rc = sltd__err(SLTD_EINVAL, "sltd_sync: root %zu is NULL", i)) != SLTD_OK
                               : (rc = sltd__sign_pubkey_load(s.roots[i], o.roots[i])) != SLTD_OK)
            goto cleanup;
    if ((rc = open_dir_and_lock(&s, &lockfd)) != SLTD_OK || (rc = read_state(&p, &k, &st)) != SLTD_OK)
        goto cleanup;
    rep.from_sequence = rep.to_sequence = k.sequence;
    if ((rc = sltd__src_open(&s.src, source, o.ca_file, o.timeout_s)) != SLTD_OK ||
        (rc = fetch_index(&s, &ix)) != SLTD_OK)
        goto cleanup;
    rep.index_sequence = ix.sequence;
    rep.index_published = ix.published;
    rep.index_expires = ix.expires;
    rep.keys_version = ix.keys.version;
    sltd__prf_key_check(kc, p.keys);
    if ((rc = sltd__plan_judge(&current, &recovery, &ix, &k, kc, (int64_t)time(NULL), "index.sltd")) != SLTD_OK)
        goto cleanup;
    rep.key_recovery = recovery;
    emit(&s, SLTD_SYNC_EVENT_INDEX, NULL, 0, 0, 0, 0,
         "index: sequence %llu, published %lld, expires in %.1f h, key list version %llu; database at %llu%s",
         (unsigned long long)ix.sequence, (long long)ix.published, ((double)ix.expires - (double)time(NULL)) / 3600.0,
         (unsigned long long)ix.keys.version, (unsigned long long)k.sequence,
         current ? ": already current" : recovery ? ": its data was signed by a revoked key, replacing it" : "");
    if (current) {
        sltd__meta_kv meta[6];
        metabuf mb;
        size_t nm = sync_meta(meta, &mb, &ix, NULL, 1);
        if ((rc = sltd__update_meta(db, meta, nm)) == SLTD_OK)
            drop_parts(&s, &ix, NULL, 1);
        goto cleanup;
    }
    rc = follow(&s, &p, &ix, &plan, &k, recovery, "");
    if (rc == SLTD_ECHECKSUM && !recovery && !rep.updated && plan.n > 0 &&
        ix.e[plan.step[0]].kind == SLTD_BUNDLE_DELTA) {
        /* the first delta did not give the state it promises: the database does not hold what the
         * authority published at its sequence (changed locally, by an import): its deltas can never
         * apply. The authority's full state replaces it, as for data from a revoked key. */
        sltd__plan_free(&plan);
        rc = follow(&s, &p, &ix, &plan, &k, 1, " (the database does not hold the state the authority published at "
                    "its sequence: changed locally? It is replaced)");
    }
    if (rc == SLTD_OK)
        drop_parts(&s, &ix, NULL, 1);
cleanup:
    if (rc == SLTD_OK || rep.updated) {
        sltd_stats sts = SLTD_STATS_INIT;
        char detail[1024];

        snprintf(detail, sizeof detail, "%s", sltd_error_detail()); /* the failure's, kept over the call */
        if (sltd_db_stats_get(&sts, db) == SLTD_OK) {
            rep.records = sts.records;
            memcpy(rep.checksum, sts.checksum, 16);
        }
        if (rc != SLTD_OK)
            sltd__err(rc, "%s", detail);
    }
    if (out != NULL)
        *out = rep;
    if (lockfd >= 0)
        close(lockfd); /* releases the lock */
    sltd__plan_free(&plan);
    sltd__index_free(&ix);
    sltd__src_close(s.src);
    free(s.roots);
    free(s.dir);
    return rc;
}

int sltd_sync(sltd_sync_report *out, sltd_db *db, const char *source, const sltd_sync_options *opts)
{
    sltd_sync_report full = SLTD_SYNC_REPORT_INIT;
    const int v = sltd__layout_enter(out, SLTD__LAYOUT_SYNC_REPORT);
    const int rc = v < 0 ? v : sync_body(out != NULL ? &full : NULL, db, source, opts);

    return sltd__layout_leave(out, v, SLTD__LAYOUT_SYNC_REPORT, &full, rc, "sltd_sync");
}
