/* SPDX-License-Identifier: Apache-2.0 */
/* publish.c — the authority's side of fleet updates (sltd_publish; docs/FLEET.md): the feed becomes the
 * next delta on the replica, a full bundle is written when due, and a new signed index replaces the old
 * one atomically; bundle files out of the index for the grace period are deleted.
 *
 * Repository:  REPO/index.sltd            the signed index (replaced atomically; the only mutable file)
 *              REPO/keys.sltd             the root-signed key list (input; embedded in every index)
 *              REPO/bundles/HEX.sltd      immutable bundles named by their BLAKE2b-256
 *              REPO/.publish.lock         one publish at a time
 * Order of a publish: pack the delta into bundles/ (renamed to its hash) -> apply it to the replica ->
 * write a full bundle if due -> write the index -> prune. A crash before the index leaves the old one in
 * place (new files are unreferenced); a crash after the replica moved leaves it one sequence ahead of
 * the index, and the next publish finds that delta in bundles/ and completes it first. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bundle.h"
#include "crypto.h"
#include "db.h"
#include "meta.h"
#include "error.h"
#include "layout.h"
#include "fsutil.h"
#include "filehash.h"
#include "sign.h"
#include "index.h"
#include "keylist.h"

#define DEFAULT_FULL_EVERY 30
#define DEFAULT_KEEP 60
#define DEFAULT_GRACE_HOURS 24
#define KEEP_MAX (SLTD__INDEX_ENTRIES_MAX - 1)
#define INCOMING "incoming.sltd"

typedef struct pub {
    sltd_db *db;
    const sltd__keys *keys; /* the deployment key of the replica */
    const sltd_publish_options *o;
    sltd_publish_report *r;
    const char *repo;
    char *bundles, *index_path, *incoming;
    sltd__sign_key *sk;
    uint8_t pk[SLTD__SIGN_PUBLIC], key_id[SLTD__SIGN_KEYID];
    sltd__keylist *kl; /* the key list to publish */
    uint8_t *kl_raw;
    size_t kl_len;
    int64_t now;
    unsigned full_every, keep, grace_hours;
} pub;

/* The replica's committed state. */
typedef struct replica {
    uint64_t sequence, records;
    uint8_t checksum[16];
} replica;

static int read_replica(pub *p, replica *r)
{
    sltd_stats st = SLTD_STATS_INIT;
    int rc;

    if ((rc = sltd_db_stats_get(&st, p->db)) != SLTD_OK)
        return rc;
    r->sequence = st.sequence;
    r->records = st.records;
    memcpy(r->checksum, st.checksum, 16);
    return SLTD_OK;
}

/* The repository's index, verified under the key list's root; *have = 0 when there is none yet. */
static int load_index(pub *p, sltd__index *ix, int *have)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc;

    *have = 0;
    memset(ix, 0, sizeof *ix);
    rc = sltd__fs_load(&buf, &len, p->index_path, 0, SLTD_INDEX_MAX, "index");
    if (rc == SLTD_ENOENT) {
        sltd__err_clear();
        return SLTD_OK;
    }
    if (rc != SLTD_OK)
        return rc;
    rc = sltd__index_open(ix, buf, len, (const uint8_t(*)[SLTD__SIGN_PUBLIC])p->kl->root, 1, p->index_path);
    free(buf);
    if (rc != SLTD_OK)
        return sltd__err(rc, "%s\n(the repository's index does not verify under the key list's root: a damaged "
                         "index, or a key list of another root)", sltd_error_detail());
    if (ix->keys.version > p->kl->version) {
        sltd__index_free(ix);
        return sltd__err(SLTD_ESEQUENCE, "the key list (version %llu) is older than the one the repository "
                         "already publishes (version %llu): kiosks would refuse it", (unsigned long long)p->kl->version,
                         (unsigned long long)ix->keys.version);
    }
    *have = 1;
    return SLTD_OK;
}

/* Rename bundles/incoming.sltd to bundles/HEX.sltd and make it durable. */
static int place(pub *p, const uint8_t hash[SLTD__FILEHASH])
{
    char name[SLTD__INDEX_NAME], *path;
    int rc = SLTD_OK;

    sltd__index_bundle_name(name, hash);
    if ((path = sltd__fs_concat(p->repo, "/", name)) == NULL)
        return sltd__err(SLTD_ENOMEM, "out of memory");
    if (rename(p->incoming, path) != 0)
        rc = sltd__err(SLTD_EIO, "%s: cannot rename into place: %s", path, strerror(errno));
    else if (sltd__fs_sync_dir(p->bundles) != 0)
        rc = sltd__err(SLTD_EIO, "%s: cannot sync: %s", p->bundles, strerror(errno));
    free(path);
    return rc;
}

/* The index entry of a bundle file in memory. */
static void entry_of(sltd__ientry *x, const uint8_t *buf, size_t len)
{
    memset(x, 0, sizeof *x);
    x->kind = buf[10];
    x->sequence = sltd__meta_decode_u64(buf + 16);
    x->base = sltd__meta_decode_u64(buf + 24);
    x->created = (int64_t)sltd__meta_decode_u64(buf + 32);
    memcpy(x->key_id, buf + 96, SLTD__SIGN_KEYID);
    x->size = len;
    sltd__filehash_buf(x->hash, buf, len);
}

/* May a bundle stay listed under the key list being published? */
static int still_trusted(const pub *p, const sltd__ientry *x)
{
    int i = sltd__keylist_find(p->kl, x->key_id);

    return i >= 0 && sltd__certkey_valid_at(&p->kl->k[i], x->created);
}

/* ---- the index after a new delta ---- */

static int cmp_entry(const void *a, const void *b)
{
    const sltd__ientry *x = a, *y = b;

    if (x->sequence != y->sequence)
        return x->sequence < y->sequence ? -1 : 1;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    return (x->base > y->base) - (x->base < y->base);
}

/* Write a full bundle of the replica into bundles/ and describe it in *x. */
static int write_full(pub *p, sltd__ientry *x)
{
    sltd_bundle_report br;
    struct stat st;
    int fd, rc;

    if ((rc = sltd__bundle_snapshot(&br, p->db, p->incoming, p->sk, p->now,
                                    p->now + (int64_t)p->o->valid_days * 86400)) != SLTD_OK)
        return rc;
    if ((fd = sltd__fs_open_regular(p->incoming, 1, &st)) < 0)
        return sltd__err(SLTD_EIO, "%s: %s", p->incoming, strerror(errno));
    memset(x, 0, sizeof *x);
    x->kind = SLTD_BUNDLE_FULL;
    x->sequence = br.sequence;
    x->created = br.created;
    x->size = (uint64_t)st.st_size;
    memcpy(x->key_id, br.key_id, SLTD__SIGN_KEYID);
    rc = sltd__filehash_fd(x->hash, fd, x->size, p->incoming);
    close(fd);
    if (rc == SLTD_OK && (rc = place(p, x->hash)) == SLTD_OK) {
        p->r->full_bytes = x->size;
        p->r->full_sequence = x->sequence;
    }
    return rc;
}

/* Mark the bundles the old index listed and the new one does not (their grace period starts now), then
 * delete the bundle files that are in no index and whose mark is older than the grace period. */
static void prune(pub *p, const sltd__index *old, const sltd__index *nw)
{
    char name[SLTD__INDEX_NAME], *path;
    struct dirent *d;
    struct stat st;
    size_t i, j;
    DIR *dir;

    for (i = 0; old != NULL && i < old->n; i++) {
        for (j = 0; j < nw->n && memcmp(old->e[i].hash, nw->e[j].hash, SLTD__FILEHASH) != 0; j++)
            ;
        if (j < nw->n)
            continue;
        sltd__index_bundle_name(name, old->e[i].hash);
        if ((path = sltd__fs_concat(p->repo, "/", name)) != NULL)
            utimensat(AT_FDCWD, path, NULL, 0);
        free(path);
    }
    if ((dir = opendir(p->bundles)) == NULL)
        return;
    while ((d = readdir(dir)) != NULL) {
        size_t len = strlen(d->d_name);
        int ours = (len == 2 * SLTD__FILEHASH + 5 && strcmp(d->d_name + 2 * SLTD__FILEHASH, ".sltd") == 0) ||
                   strncmp(d->d_name, INCOMING, strlen(INCOMING)) == 0;
        if (!ours)
            continue;
        for (j = 0; j < nw->n; j++) {
            sltd__index_bundle_name(name, nw->e[j].hash);
            if (strcmp(name + 8, d->d_name) == 0)
                break;
        }
        if (j < nw->n || (path = sltd__fs_concat(p->bundles, "/", d->d_name)) == NULL)
            continue;
        if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
            st.st_mtime < p->now - (int64_t)p->grace_hours * 3600 && unlink(path) == 0)
            p->r->pruned++;
        free(path);
    }
    closedir(dir);
    sltd__fs_sync_dir(p->bundles);
}

/* Write the index for the replica's state (now at the sequence of `delta`): the new delta (when it
 * continues the chain), the old deltas back from it (at most keep, each still trusted), the newest full
 * when it is still usable and not due, else a new one. */
static int write_index(pub *p, const sltd__index *old, const sltd__ientry *delta, int chained)
{
    sltd__index nw;
    sltd__ientry full;
    const sltd__ientry *oldfull = NULL;
    replica r;
    uint8_t *enc = NULL;
    sltd__fs_atomic a = SLTD__FS_ATOMIC_INIT;
    uint64_t cur, floor_seq;
    size_t enclen = 0, i;
    int rc;

    memset(&nw, 0, sizeof nw);
    if ((rc = read_replica(p, &r)) != SLTD_OK)
        return rc;
    if ((nw.e = calloc((size_t)p->keep + 1, sizeof *nw.e)) == NULL)
        return sltd__err(SLTD_ENOMEM, "out of memory");
    floor_seq = r.sequence;
    if (chained) {
        nw.e[nw.n++] = *delta;
        floor_seq = cur = delta->base;
        while (old != NULL && nw.n < p->keep) {
            const sltd__ientry *x = NULL;
            for (i = 0; i < old->n && x == NULL; i++)
                if (old->e[i].kind == SLTD_BUNDLE_DELTA && old->e[i].sequence == cur && still_trusted(p, &old->e[i]))
                    x = &old->e[i];
            if (x == NULL)
                break;
            nw.e[nw.n++] = *x;
            floor_seq = cur = x->base;
        }
    }
    for (i = 0; chained && old != NULL && i < old->n; i++)
        if (old->e[i].kind == SLTD_BUNDLE_FULL && (oldfull == NULL || old->e[i].sequence > oldfull->sequence))
            oldfull = &old->e[i];
    if (oldfull != NULL && (p->o->full || !still_trusted(p, oldfull) || oldfull->sequence < floor_seq ||
                            r.sequence - oldfull->sequence >= p->full_every))
        oldfull = NULL;
    if (oldfull == NULL) {
        if ((rc = write_full(p, &full)) != SLTD_OK)
            goto cleanup;
        oldfull = &full;
    } else {
        p->r->full_sequence = oldfull->sequence;
    }
    nw.e[nw.n++] = *oldfull;
    qsort(nw.e, nw.n, sizeof *nw.e, cmp_entry);
    nw.sequence = r.sequence;
    nw.records = r.records;
    memcpy(nw.checksum, r.checksum, 16);
    sltd__prf_key_check(nw.key_check, p->keys);
    nw.published = p->now;
    nw.expires = p->now + (int64_t)p->o->valid_days * 86400;
    if ((rc = sltd__index_encode(&enc, &enclen, &nw, p->kl_raw, p->kl_len, p->sk)) != SLTD_OK)
        goto cleanup;
    if ((rc = sltd__fs_atomic_begin(&a, p->index_path, 0644)) != SLTD_OK ||
        (rc = sltd__fs_write(a.fd, enc, enclen, a.tmp)) != SLTD_OK || (rc = sltd__fs_atomic_commit(&a)) != SLTD_OK)
        goto cleanup;
    p->r->sequence = r.sequence;
    p->r->records = r.records;
    memcpy(p->r->checksum, r.checksum, 16);
    p->r->deltas_listed = (unsigned)(nw.n - 1);
    p->r->index_bytes = enclen;
    p->r->expires = nw.expires;
    prune(p, old, &nw);
cleanup:
    sltd__fs_atomic_abort(&a);
    free(enc);
    sltd__index_free(&nw);
    return rc;
}

/* ---- the steps of a publish ---- */

/* Apply the bundle buf (ours) to the replica; *bufp is taken. */
static int apply_ours(pub *p, uint8_t **bufp, size_t len, sltd_bundle_report *br)
{
    sltd__signer me;
    sltd__apply_ctx c = { 0 };

    memcpy(me.pk, p->pk, SLTD__SIGN_PUBLIC);
    me.not_before = INT64_MIN;
    me.not_after = INT64_MAX;
    c.keys = &me;
    c.nkeys = 1;
    c.authority = 1; /* the replica takes what it publishes, even already expired (publish --expires 0) */
    return sltd__bundle_apply_buf(br, p->db, bufp, len, p->incoming, &c);
}

/* The replica is one sequence ahead of the index: find the delta that took it there among the
 * repository's files (a publish that stopped after applying it), and complete that publish. *found = 0
 * when there is no such file. */
static int recover(pub *p, const sltd__index *old, const replica *r, int *found)
{
    uint8_t hdr[SLTD__BUNDLE_HDR], *buf = NULL;
    sltd__ientry x;
    struct dirent *d;
    struct stat st;
    size_t len;
    DIR *dir;
    int rc = SLTD_OK, fd;

    *found = 0;
    if ((dir = opendir(p->bundles)) == NULL)
        return SLTD_OK;
    while (!*found && (d = readdir(dir)) != NULL) {
        char *path;
        if (strlen(d->d_name) != 2 * SLTD__FILEHASH + 5 ||
            (path = sltd__fs_concat(p->bundles, "/", d->d_name)) == NULL)
            continue;
        fd = sltd__fs_open_regular(path, 1, &st);
        if (fd >= 0 && pread(fd, hdr, sizeof hdr, 0) == (ssize_t)sizeof hdr &&
            memcmp(hdr, SLTD__BUNDLE_MAGIC, 8) == 0 && hdr[10] == SLTD_BUNDLE_DELTA &&
            sltd__meta_decode_u64(hdr + 16) == r->sequence && sltd__meta_decode_u64(hdr + 24) == old->sequence &&
            memcmp(hdr + 64, r->checksum, 16) == 0 &&
            sltd__fs_load(&buf, &len, path, SLTD__BUNDLE_MIN, SLTD_BUNDLE_MAX, "bundle") == SLTD_OK) {
            entry_of(&x, buf, len);
            /* its name must be its hash, and it must be ours: signed by a key of the list */
            if (still_trusted(p, &x)) {
                char name[SLTD__INDEX_NAME];
                sltd__index_bundle_name(name, x.hash);
                *found = strcmp(name + 8, d->d_name) == 0;
            }
            free(buf);
            buf = NULL;
        }
        if (fd >= 0)
            close(fd);
        free(path);
    }
    closedir(dir);
    sltd__err_clear();
    if (*found) {
        rc = write_index(p, old, &x, 1);
        if (rc == SLTD_OK)
            p->r->recovered_sequence = r->sequence;
    }
    return rc;
}

static int publish_feed(pub *p, const sltd__index *old, const replica *r, const char *feed_path)
{
    sltd_pack_options po = SLTD_PACK_OPTIONS_INIT;
    sltd_bundle_report br;
    sltd__ientry x;
    uint8_t *buf = NULL;
    size_t len;
    uint64_t next;
    int rc, chained;

    chained = old != NULL && r->sequence == old->sequence && memcmp(r->checksum, old->checksum, 16) == 0;
    if (old != NULL && !chained && !p->o->full)
        return sltd__err(SLTD_ESEQUENCE, "the replica (sequence %llu) is not at the state the repository publishes "
                         "(sequence %llu): it was changed outside publish, or restored. Restore it, or publish with "
                         "--full to restart the chain from a full bundle", (unsigned long long)r->sequence,
                         (unsigned long long)old->sequence);
    next = (old != NULL && old->sequence > r->sequence ? old->sequence : r->sequence) + 1;
    po.sign_path = p->o->sign_path;
    po.sequence = next;
    po.delta = 1;
    po.base = r->sequence;
    po.valid_days = p->o->valid_days;
    po.created = p->now;
    po.flags = p->o->flags;
    if ((rc = sltd_bundle_pack(NULL, p->db, feed_path, p->incoming, &po)) != SLTD_OK)
        return rc;
    if ((rc = sltd__fs_load(&buf, &len, p->incoming, SLTD__BUNDLE_MIN, SLTD_BUNDLE_MAX, "bundle")) != SLTD_OK)
        return rc;
    entry_of(&x, buf, len);
    if ((rc = place(p, x.hash)) != SLTD_OK) {
        free(buf);
        return rc;
    }
    p->r->delta_bytes = len;
    if ((rc = apply_ours(p, &buf, len, &br)) != SLTD_OK)
        return rc;
    p->r->added = br.added;
    p->r->updated = br.updated;
    p->r->unchanged = br.unchanged;
    p->r->removed = br.removed;
    p->r->not_found = br.not_found;
    /* a delta from nothing (a new repository) or off the published chain is not listed: kiosks get the
     * full bundle */
    return write_index(p, old, &x, chained && r->sequence != 0);
}

static int lock_repo(const pub *p, int *fd)
{
    char *path = sltd__fs_concat(p->repo, "/", ".publish.lock");
    int rc = SLTD_OK;

    if (path == NULL)
        return sltd__err(SLTD_ENOMEM, "out of memory");
    if ((*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644)) < 0)
        rc = sltd__err(SLTD_EIO, "%s: cannot open: %s", path, strerror(errno));
    else
        while (flock(*fd, LOCK_EX) != 0)
            if (errno != EINTR) {
                rc = sltd__err(SLTD_EIO, "%s: cannot lock: %s", path, strerror(errno));
                break;
            }
    free(path);
    return rc;
}

static const sltd_publish_report report_init = SLTD_PUBLISH_REPORT_INIT;

static int publish_body(sltd_publish_report *out, sltd_db *db, const char *repo, const char *feed_path,
                 const sltd_publish_options *opts)
{
    sltd_publish_report rep = report_init;
    sltd__index old;
    replica r;
    char *keys = NULL;
    sltd__db_parts parts;
    pub p;
    int rc, lockfd = -1, have = 0, i, found;

    sltd__err_clear();
    memset(&p, 0, sizeof p);
    memset(&old, 0, sizeof old);
    if (out != NULL)
        *out = report_init;
    if ((rc = sltd__db_use_writer(&parts, db)) != SLTD_OK)
        return rc;
    if (repo == NULL || feed_path == NULL || opts == NULL || opts->version != SLTD_PUBLISH_OPTIONS_VERSION ||
        opts->sign_path == NULL || opts->valid_days > SLTD_BUNDLE_DAYS_MAX || opts->keep > KEEP_MAX ||
        (opts->flags & ~(unsigned)SLTD_IMPORT_IGNORE_UNKNOWN) != 0)
        return sltd__err(SLTD_EINVAL, "sltd_publish: bad arguments or options");
    p.db = db;
    p.keys = parts.keys;
    p.o = opts;
    p.r = &rep;
    p.repo = repo;
    p.now = (int64_t)time(NULL);
    p.full_every = opts->full_every ? opts->full_every : DEFAULT_FULL_EVERY;
    p.keep = opts->keep ? opts->keep : DEFAULT_KEEP;
    p.grace_hours = opts->grace_hours ? opts->grace_hours : DEFAULT_GRACE_HOURS;
    if ((rc = sltd__crypto_init()) != SLTD_OK)
        goto cleanup;
    if ((p.bundles = sltd__fs_concat(repo, "/", "bundles")) == NULL ||
        (p.index_path = sltd__fs_concat(repo, "/", "index.sltd")) == NULL ||
        (p.incoming = sltd__fs_concat(p.bundles, "/", INCOMING)) == NULL ||
        (keys = opts->keys_path ? strdup(opts->keys_path) : sltd__fs_concat(repo, "/", "keys.sltd")) == NULL ||
        (p.kl = malloc(sizeof *p.kl)) == NULL) {
        rc = sltd__err(SLTD_ENOMEM, "out of memory");
        goto cleanup;
    }
    if ((mkdir(repo, 0755) != 0 && errno != EEXIST) || (mkdir(p.bundles, 0755) != 0 && errno != EEXIST)) {
        rc = sltd__err(SLTD_EIO, "%s: cannot create: %s", repo, strerror(errno));
        goto cleanup;
    }
    if ((rc = lock_repo(&p, &lockfd)) != SLTD_OK)
        goto cleanup;
    /* the signing key: certified, active and valid now in the key list it publishes */
    if ((rc = sltd__sign_key_load(&p.sk, opts->sign_path)) != SLTD_OK ||
        (rc = sltd__keylist_load(p.kl, &p.kl_raw, &p.kl_len, keys)) != SLTD_OK)
        goto cleanup;
    sltd__sign_key_public(p.pk, p.sk);
    sltd__sign_pubkey_id(p.key_id, p.pk);
    if ((i = sltd__keylist_find(p.kl, p.key_id)) < 0 || !sltd__certkey_valid_at(&p.kl->k[i], p.now)) {
        rc = sltd__err(SLTD_ESIGNATURE, "%s: this signing key is %s in the key list %s (sltd certify)",
                       opts->sign_path, i < 0 ? "not certified" : p.kl->k[i].state == SLTD__KEY_REVOKED ? "revoked" :
                       "outside its validity period", keys);
        goto cleanup;
    }
    if ((rc = load_index(&p, &old, &have)) != SLTD_OK || (rc = read_replica(&p, &r)) != SLTD_OK)
        goto cleanup;
    if (have && r.sequence == old.sequence + 1) {
        if ((rc = recover(&p, &old, &r, &found)) != SLTD_OK)
            goto cleanup;
        if (found) { /* the repository now publishes the replica's state: go on from there */
            sltd__index_free(&old);
            if ((rc = load_index(&p, &old, &have)) != SLTD_OK)
                goto cleanup;
        }
    }
    rc = publish_feed(&p, have ? &old : NULL, &r, feed_path);
cleanup:
    if (out != NULL)
        *out = rep;
    if (lockfd >= 0)
        close(lockfd);
    sltd__index_free(&old);
    sltd__sign_key_free(p.sk);
    free(p.kl_raw);
    free(p.kl);
    free(keys);
    free(p.bundles);
    free(p.index_path);
    free(p.incoming);
    return rc;
}

int sltd_publish(sltd_publish_report *out, sltd_db *db, const char *repo, const char *feed_path,
                 const sltd_publish_options *opts)
{
    sltd_publish_report full = SLTD_PUBLISH_REPORT_INIT;
    const int v = sltd__layout_enter(out, SLTD__LAYOUT_PUBLISH_REPORT);
    const int rc = v < 0 ? v : publish_body(out != NULL ? &full : NULL, db, repo, feed_path, opts);

    return sltd__layout_leave(out, v, SLTD__LAYOUT_PUBLISH_REPORT, &full, rc, "sltd_publish");
}
