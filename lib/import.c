/* import.c — apply a feed CSV to the database in one transaction (all or nothing).
 *
 * Rows are read and validated first (nothing is written if any is invalid), their digests computed
 * and sorted, then merged into the records in digest order: MDB_APPEND into an empty database, a
 * get/merge/put into an existing one. The filter's bits are set before the commit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "error.h"
#include "feed.h"
#include "record.h"

#define MAX_REPORTED_ERRORS 20
#define MAP_RETRIES 8

typedef struct entry {
    uint8_t d[SLTD_DIGEST_SIZE];
    uint32_t seq;   /* row order, so that later rows win */
    uint8_t action; /* SLTD__ACTION_* */
    uint8_t len;
    uint8_t rec[SLTD__REC_MAX];
    unsigned long line;
} entry;

typedef struct entries {
    entry *v;
    size_t n, cap;
} entries;

static int push(entries *e, const entry *x)
{
    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 4096;
        entry *v = realloc(e->v, cap * sizeof *v);
        if (v == NULL)
            return SLTD_ENOMEM;
        e->v = v;
        e->cap = cap;
    }
    e->v[e->n++] = *x;
    return SLTD_OK;
}

static int cmp_entry(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    int c = memcmp(x->d, y->d, SLTD_DIGEST_SIZE);

    return c != 0 ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

/* The records of one document while it is being merged. */
typedef struct doc {
    size_t n;
    uint8_t len[SLTD_RECORDS_MAX];
    uint8_t rec[SLTD_RECORDS_MAX][SLTD__REC_MAX];
} doc;

static void rec_sum(uint8_t sum[16], const uint8_t d[16], const uint8_t *rec, size_t len, int sign)
{
    uint8_t h[16];

    sltd__hash128(h, d, SLTD_DIGEST_SIZE, rec, len);
    sltd__sum128(sum, h, sign);
}

/* Same listing = same document type (bytes 2..3 of the encoding). */
static int same_slot(const uint8_t *a, const uint8_t *b)
{
    return a[2] == b[2] && a[3] == b[3];
}

typedef struct totals {
    uint64_t records, documents;
    uint8_t checksum[16];
    sltd_import_report rep;
} totals;

static int merge_group(sltd__txn *w, sltd__bloom *b, const entry *g, size_t gn, int append, int empty,
                       totals *tot, const char *path)
{
    const uint8_t *d = g[0].d, *val;
    uint8_t out[SLTD__VALUE_MAX];
    size_t len = 0, off = 0, i, j, used;
    int rc, existed = 0, added = 0, changed = 0;
    doc cur;

    cur.n = 0;
    if (!empty) {
        rc = sltd__txn_get(w, d, &val, &len);
        if (rc < 0)
            return rc;
        existed = rc == 0;
        while (existed && off < len) {
            used = sltd__rec_len(val + off, len - off);
            if (used == 0 || cur.n == SLTD_RECORDS_MAX)
                return sltd__err(SLTD_ECORRUPT, "damaged record value in the database");
            memcpy(cur.rec[cur.n], val + off, used);
            cur.len[cur.n++] = (uint8_t)used;
            off += used;
        }
    }
    for (i = 0; i < gn; i++) {
        const entry *e = &g[i];
        if (e->action == SLTD__ACTION_REMOVE) {
            int any = 0;
            for (j = 0; j < cur.n;) {
                if (e->rec[2] == 0 || same_slot(cur.rec[j], e->rec)) {
                    rec_sum(tot->checksum, d, cur.rec[j], cur.len[j], -1);
                    tot->records--;
                    tot->rep.removed++;
                    any = changed = 1;
                    cur.n--;
                    memmove(cur.rec[j], cur.rec[cur.n], SLTD__REC_MAX);
                    cur.len[j] = cur.len[cur.n];
                    continue;
                }
                j++;
            }
            if (!any)
                tot->rep.not_found++;
            continue;
        }
        for (j = 0; j < cur.n && !same_slot(cur.rec[j], e->rec); j++)
            ;
        if (j < cur.n && cur.len[j] == e->len && memcmp(cur.rec[j], e->rec, e->len) == 0) {
            tot->rep.unchanged++;
            continue;
        }
        if (j < cur.n) { /* an update of that listing */
            rec_sum(tot->checksum, d, cur.rec[j], cur.len[j], -1);
            tot->rep.updated++;
        } else if (cur.n == SLTD_RECORDS_MAX) {
            return sltd__err(SLTD_ETOOMANY, "%s:%lu: more than %d listings for one document", path, e->line,
                             SLTD_RECORDS_MAX);
        } else {
            cur.n++;
            tot->records++;
            tot->rep.added++;
        }
        memcpy(cur.rec[j], e->rec, e->len);
        cur.len[j] = e->len;
        rec_sum(tot->checksum, d, e->rec, e->len, +1);
        added = changed = 1;
    }
    if (cur.n == 0) {
        if (existed) {
            tot->documents--;
            return (rc = sltd__txn_del(w, d)) == 1 ? SLTD_OK : rc;
        }
        return SLTD_OK;
    }
    if (!changed)
        return SLTD_OK;
    for (i = 0, len = 0; i < cur.n; i++) {
        memcpy(out + len, cur.rec[i], cur.len[i]);
        len += cur.len[i];
    }
    if (!existed)
        tot->documents++;
    if (added)
        sltd__bloom_add(b, d); /* before the commit: no reader may miss it */
    return sltd__txn_put(w, d, out, len, append && !existed);
}

static int apply(sltd_db *db, const entries *e, int any_remove, totals *tot, const char *path)
{
    sltd__txn *w = NULL;
    sltd__bloom *b;
    uint8_t buf[16];
    size_t len, i, j, distinct = 0;
    int rc, empty, writing = 0;

    if ((rc = sltd__store_write_begin(db->store, &w)) != SLTD_OK)
        return rc;
    memset(tot, 0, sizeof *tot);
    if ((rc = sltd__meta_u64(w, META_RECORDS, &tot->records)) != SLTD_OK ||
        (rc = sltd__meta_u64(w, META_DOCUMENTS, &tot->documents)) != SLTD_OK)
        goto fail;
    rc = sltd__txn_meta_get(w, META_CHECKSUM, buf, sizeof buf, &len);
    if (rc < 0)
        goto fail;
    if (rc == 0 && len == 16)
        memcpy(tot->checksum, buf, 16);
    for (i = 0; i < e->n; i = j) {
        for (j = i + 1; j < e->n && memcmp(e->v[j].d, e->v[i].d, SLTD_DIGEST_SIZE) == 0; j++)
            ;
        distinct++;
    }
    /* The filter must hold every key: grow it first if this import would overfill it. */
    b = sltd__db_writer_filter(db, w);
    if (b == NULL || tot->documents + distinct > b->hdr->capacity) {
        uint64_t want = tot->documents + distinct;
        if ((rc = sltd__db_rebuild_filter(db, w, want + want / 2)) != SLTD_OK)
            goto fail;
        b = atomic_load(&db->bloom);
    }
    if ((rc = sltd__txn_empty(w)) < 0)
        goto fail;
    empty = rc;
    sltd__bloom_write_begin(b);
    writing = 1;
    for (i = 0; i < e->n; i = j) {
        for (j = i + 1; j < e->n && memcmp(e->v[j].d, e->v[i].d, SLTD_DIGEST_SIZE) == 0; j++)
            ;
        if ((rc = merge_group(w, b, &e->v[i], j - i, empty && !any_remove, empty, tot, path)) != SLTD_OK)
            goto fail;
    }
    sltd__put_u64(buf, tot->records);
    if ((rc = sltd__txn_meta_put(w, META_RECORDS, buf, 8)) != SLTD_OK)
        goto fail;
    sltd__put_u64(buf, tot->documents);
    if ((rc = sltd__txn_meta_put(w, META_DOCUMENTS, buf, 8)) != SLTD_OK ||
        (rc = sltd__txn_meta_put(w, META_CHECKSUM, tot->checksum, 16)) != SLTD_OK)
        goto fail;
    writing = 0;
    if ((rc = sltd__bloom_write_end(b, sltd__txn_id(w))) != SLTD_OK)
        goto fail;
    return sltd__store_commit(db->store, w);
fail:
    if (writing)
        sltd__bloom_write_end(b, 0);
    sltd__store_abort(db->store, w);
    return rc;
}

int sltd_import_feed(sltd_import_report *out, sltd_db *db, const char *path, unsigned int flags)
{
    entries e = { NULL, 0, 0 };
    sltd__feed *f = NULL;
    sltd__feed_row row;
    totals tot;
    char errs[1024] = "";
    size_t el = 0;
    uint64_t rows = 0, invalid = 0, used, map;
    int rc, any_remove = 0, tries;

    sltd__err_clear();
    if (out != NULL) {
        memset(out, 0, sizeof *out);
        out->version = SLTD_IMPORT_REPORT_VERSION;
    }
    if ((rc = sltd__db_usable(db)) != SLTD_OK)
        return rc;
    if (path == NULL || (flags & ~(unsigned)SLTD_IMPORT_IGNORE_UNKNOWN) != 0)
        return sltd__err(SLTD_EINVAL, "sltd_import_feed: bad path or flags");
    if (db->flags & SLTD_OPEN_READONLY)
        return sltd__err(SLTD_EREADONLY, "%s: opened read-only", db->dir);
    if ((rc = sltd__feed_open(&f, path, flags)) != SLTD_OK) {
        rc = sltd__err(rc, "%s", sltd__feed_error(f));
        sltd__feed_close(f);
        return rc;
    }
    for (;;) {
        entry x;
        rc = sltd__feed_next(f, &row);
        if (rc == 0)
            break;
        if (rc == SLTD_EFORMAT) {
            if (invalid++ < MAX_REPORTED_ERRORS && el < sizeof errs)
                el += (size_t)snprintf(errs + el, sizeof errs - el, "%s%s", el ? "\n" : "", sltd__feed_error(f));
            continue;
        }
        if (rc < 0)
            goto cleanup;
        rows++;
        sltd__digest(x.d, db->keys, row.state, strlen(row.state), row.number, row.number_len);
        x.seq = (uint32_t)e.n;
        x.action = (uint8_t)row.action;
        x.len = (uint8_t)sltd__rec_encode(x.rec, &row.rec);
        x.line = row.line;
        any_remove |= row.action == SLTD__ACTION_REMOVE;
        if ((rc = push(&e, &x)) != SLTD_OK) {
            rc = sltd__err(rc, "out of memory after %zu rows", e.n);
            goto cleanup;
        }
    }
    if (out != NULL) {
        out->rows = rows + invalid;
        out->invalid = invalid;
    }
    if (invalid > 0) {
        if (el >= sizeof errs)
            el = sizeof errs - 1;
        rc = sltd__err(SLTD_EFORMAT, "%s%s\n%llu invalid row(s); nothing was imported", errs,
                       invalid > MAX_REPORTED_ERRORS ? "\n…" : "", (unsigned long long)invalid);
        goto cleanup;
    }
    qsort(e.v, e.n, sizeof *e.v, cmp_entry);
    /* Make room first: about 80 bytes a record in the map, with headroom. */
    sltd__store_sizes(db->store, &used, &map);
    if (used + e.n * 160 > map && (rc = sltd__store_grow(db->store, used + e.n * 160)) != SLTD_OK)
        goto cleanup;
    for (tries = 0;; tries++) {
        rc = apply(db, &e, any_remove, &tot, path);
        if (rc != SLTD_EFULL || tries == MAP_RETRIES)
            break;
        sltd__store_sizes(db->store, &used, &map);
        if (sltd__store_grow(db->store, map * 2) != SLTD_OK)
            break;
        sltd__err_clear();
    }
    if (rc == SLTD_OK && out != NULL) {
        tot.rep.version = out->version;
        tot.rep.rows = out->rows;
        *out = tot.rep;
    }
cleanup:
    sltd__feed_close(f);
    free(e.v);
    return rc;
}
