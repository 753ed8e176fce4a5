/* SPDX-License-Identifier: Apache-2.0 */
/* update.c — the write path (see update.h).
 *
 * In one write transaction: grow or rebuild the filter when it would exceed its capacity, merge the
 * entries (sorted by digest) into the records — MDB_APPEND into an empty table, get/merge/put
 * otherwise — set the filter bits of new documents (before the commit), keep counts and the state
 * checksum, check what a bundle requires (sequence, base, resulting checksum), commit. */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "bulkbits.h"
#include "checksum.h"
#include "error.h"
#include "meta.h"
#include "sorter.h"
#include "update.h"

#define MAP_RETRIES 8

typedef sltd__entry entry;

/* The listings of one document while it is merged. */
typedef struct doc {
    size_t n;
    uint8_t len[SLTD_RECORDS_MAX];
    uint8_t rec[SLTD_RECORDS_MAX][SLTD__REC_MAX];
} doc;

typedef struct totals {
    uint64_t records, documents, sequence;
    uint8_t checksum[16];
    sltd_import_report rep;
} totals;

static void rec_sum(uint8_t sum[16], const uint8_t d[16], const uint8_t *rec, size_t len, int sign)
{
    uint8_t h[16];

    sltd__checksum_xxh128(h, d, SLTD_DIGEST_SIZE, rec, len);
    sltd__checksum_sum(sum, h, sign);
}

/* Same listing = same document type (bytes 2..3 of the encoding). */
static int same_slot(const uint8_t *a, const uint8_t *b)
{
    return a[2] == b[2] && a[3] == b[3];
}

static void drop_at(doc *cur, size_t j)
{
    cur->n--;
    memmove(cur->rec[j], cur->rec[cur->n], SLTD__REC_MAX);
    cur->len[j] = cur->len[cur->n];
}

/* Merge the entries of one digest into its stored value. */
static int merge_group(sltd__txn *w, sltd__bloom *b /* NULL: dry run */, sltd__bulkbits *bulk /* or NULL */,
                       const entry *g, size_t gn, int empty, totals *tot, const char *source)
{
    const uint8_t *d = g[0].d, *val;
    uint8_t out[SLTD__VALUE_MAX];
    size_t len = 0, off = 0, i, j, used;
    int rc, existed = 0, changed = 0;
    doc cur;

    cur.n = 0;
    if (!empty) {
        if ((rc = sltd__store_get(w, d, &val, &len)) < 0)
            return rc;
        existed = rc == 0;
        while (existed && off < len) {
            used = sltd__record_len(val + off, len - off);
            if (used == 0 || cur.n == SLTD_RECORDS_MAX)
                return sltd__err(SLTD_ECORRUPT, "damaged record value in the database");
            memcpy(cur.rec[cur.n], val + off, used);
            cur.len[cur.n++] = (uint8_t)used;
            off += used;
        }
    }
    for (i = 0; i < gn; i++) {
        const entry *e = &g[i];
        if (e->action == SLTD__UPDATE_REMOVE) {
            int any = 0;
            for (j = 0; j < cur.n;) {
                if (e->rec[2] != 0 && !same_slot(cur.rec[j], e->rec)) {
                    j++;
                    continue;
                }
                rec_sum(tot->checksum, d, cur.rec[j], cur.len[j], -1);
                tot->records--;
                tot->rep.removed++;
                drop_at(&cur, j);
                any = changed = 1;
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
        if (j < cur.n) { /* new details for that listing */
            rec_sum(tot->checksum, d, cur.rec[j], cur.len[j], -1);
            tot->rep.updated++;
        } else if (cur.n == SLTD_RECORDS_MAX) {
            return sltd__err(SLTD_ETOOMANY, "%s:%lu: more than %d listings for one document", source,
                             (unsigned long)e->line,
                             SLTD_RECORDS_MAX);
        } else {
            cur.n++;
            tot->records++;
            tot->rep.added++;
        }
        memcpy(cur.rec[j], e->rec, e->len);
        cur.len[j] = e->len;
        rec_sum(tot->checksum, d, e->rec, e->len, +1);
        changed = 1;
    }
    if (!changed)
        return SLTD_OK;
    if (cur.n == 0) { /* every listing removed */
        if (!existed)
            return SLTD_OK; /* added and removed within this update: never stored, never counted */
        tot->documents--;
        return (rc = sltd__store_del(w, d)) == 1 ? SLTD_OK : rc;
    }
    for (i = 0, len = 0; i < cur.n; i++) {
        memcpy(out + len, cur.rec[i], cur.len[i]);
        len += cur.len[i];
    }
    if (!existed) {
        tot->documents++;
        /* a new document: its bits before the commit, or a reader could miss it (b is NULL only on a
         * dry run; in bulk, the filter's checksum is recomputed once at the end) */
        if (b != NULL && bulk != NULL)
            sltd__bulkbits_add(bulk, d);
        else if (b != NULL)
            sltd__bloom_add(b, d);
    }
    return sltd__store_put(w, d, out, len, empty);
}

static int read_totals(sltd__txn *w, totals *tot)
{
    uint8_t buf[16];
    size_t len;
    int rc;

    memset(tot, 0, sizeof *tot);
    if ((rc = sltd__meta_get_u64(w, META_RECORDS, &tot->records)) != SLTD_OK ||
        (rc = sltd__meta_get_u64(w, META_DOCUMENTS, &tot->documents)) != SLTD_OK ||
        (rc = sltd__meta_get_u64(w, META_SEQUENCE, &tot->sequence)) != SLTD_OK)
        return rc;
    rc = sltd__store_meta_get(w, META_CHECKSUM, buf, sizeof buf, &len);
    if (rc == 0 && len == 16)
        memcpy(tot->checksum, buf, 16);
    return rc < 0 ? rc : SLTD_OK;
}

static int put_u64(sltd__txn *w, const char *name, uint64_t v)
{
    uint8_t b[8];

    sltd__meta_encode_u64(b, v);
    return sltd__store_meta_put(w, name, b, 8);
}

static int put_meta(sltd__txn *w, const sltd__meta_kv *meta, size_t n)
{
    size_t i;
    int rc;

    for (i = 0; i < n; i++)
        if ((rc = sltd__store_meta_put(w, meta[i].name, meta[i].val, meta[i].len)) != SLTD_OK)
            return rc;
    return SLTD_OK;
}

static int write_totals(sltd__txn *w, const totals *tot, const sltd__update_opts *o)
{
    int rc;

    if ((rc = put_u64(w, META_RECORDS, tot->records)) != SLTD_OK ||
        (rc = put_u64(w, META_DOCUMENTS, tot->documents)) != SLTD_OK ||
        (rc = sltd__store_meta_put(w, META_CHECKSUM, tot->checksum, 16)) != SLTD_OK)
        return rc;
    if (o->set_meta && ((rc = put_u64(w, META_SEQUENCE, o->sequence)) != SLTD_OK ||
                        (rc = put_u64(w, META_PRODUCED, (uint64_t)o->produced)) != SLTD_OK ||
                        (rc = put_u64(w, META_EXPIRES, (uint64_t)o->expires)) != SLTD_OK))
        return rc;
    return put_meta(w, o->meta, o->nmeta);
}

static int check_sequence(const totals *tot, const sltd__update_opts *o)
{
    if (!o->set_meta)
        return SLTD_OK;
    if (o->sequence <= tot->sequence && !(o->reset_sequence && o->replace_all))
        return sltd__err(SLTD_ESEQUENCE, "%s: sequence %llu is not newer than the database's %llu (replay or rollback)",
                         o->source, (unsigned long long)o->sequence, (unsigned long long)tot->sequence);
    if (o->is_delta && o->base != tot->sequence)
        return sltd__err(SLTD_ESEQUENCE, "%s: a delta on top of sequence %llu; the database is at %llu", o->source,
                         (unsigned long long)o->base, (unsigned long long)tot->sequence);
    return SLTD_OK;
}

static int apply_once(const sltd__db_parts *p, sltd__sorter *src, const sltd__update_opts *o, totals *tot)
{
    static const uint8_t zero[16];
    uint64_t distinct = sltd__sorter_count(src); /* an upper bound: enough to size the filter */
    sltd__txn *w = NULL;
    sltd__bloom *b = NULL;
    const entry *g;
    size_t gn;
    int rc, empty, writing = 0;
    sltd__bulkbits *bulk = NULL;
    uint64_t want;

    if ((rc = sltd__store_write_begin(p->store, &w)) != SLTD_OK)
        return rc;
    if ((rc = read_totals(w, tot)) != SLTD_OK || (rc = check_sequence(tot, o)) != SLTD_OK)
        goto fail;
    if (o->replace_all) {
        if ((rc = sltd__store_clear(w)) != SLTD_OK)
            goto fail;
        tot->records = tot->documents = 0;
        memcpy(tot->checksum, zero, 16);
    }
    /* The filter must hold every key. Rebuild it first when this update would take it past what it
     * was sized for (counting keys added since it was built: removals leave their bits behind). A full
     * replacement always starts from a fresh filter, so that removed keys stop costing lookups. */
    want = tot->documents + distinct;
    if (!o->dry_run) { /* a dry run leaves the filter alone: it changes nothing */
        b = sltd__filter_writer(p->filter, w);
        if (b == NULL || o->replace_all || atomic_load(&b->hdr->inserted) + distinct > b->hdr->capacity) {
            if ((rc = sltd__filter_rebuild(p->filter, w, want + want / 2, &b)) != SLTD_OK)
                goto fail;
        }
        sltd__bloom_write_begin(b);
        writing = 1;
        /* many keys: their bits in batches (on a second thread when there is one), then one checksum
         * pass, which beats two block hashes a key */
        if (distinct > b->nblocks / 4 && (rc = sltd__bulkbits_start(&bulk, b, o->threads)) != SLTD_OK) {
            rc = sltd__err(rc, "out of memory");
            goto fail;
        }
    }
    if ((rc = sltd__store_empty(w)) < 0)
        goto fail;
    empty = rc;
    if ((rc = sltd__sorter_rewind(src)) != SLTD_OK)
        goto fail;
    while ((rc = sltd__sorter_next_group(src, &g, &gn)) == 1)
        if ((rc = merge_group(w, b, bulk, g, gn, empty, tot, o->source)) != SLTD_OK)
            goto fail;
    if (rc < 0)
        goto fail;
    if (bulk != NULL) { /* every bit set before anything below can commit */
        sltd__bulkbits_finish(bulk);
        bulk = NULL;
        sltd__bloom_rechecksum(b);
    }
    if (o->expect_checksum != NULL && memcmp(o->expect_checksum, tot->checksum, 16) != 0) {
        rc = sltd__err(SLTD_ECHECKSUM, "%s: the state after this update does not have the published checksum",
                       o->source);
        goto fail;
    }
    if ((rc = write_totals(w, tot, o)) != SLTD_OK)
        goto fail;
    if (o->out_checksum != NULL)
        memcpy(o->out_checksum, tot->checksum, 16);
    if (o->out_records != NULL)
        *o->out_records = tot->records;
    if (o->dry_run) {
        rc = SLTD_OK;
        goto fail;
    }
    writing = 0;
    if ((rc = sltd__bloom_write_end(b, sltd__store_txn_id(w))) != SLTD_OK)
        goto fail;
    return sltd__store_commit(p->store, w);
fail:
    sltd__bulkbits_finish(bulk); /* the thread stopped before the section ends */
    if (writing)
        sltd__bloom_write_end(b, 0); /* the bits set stay: a superset is harmless */
    sltd__store_abort(p->store, w);
    return rc;
}

int sltd__update_apply_sorted(sltd_db *db, sltd__sorter *src, const sltd__update_opts *o, sltd_import_report *rep)
{
    uint64_t used, map, n = sltd__sorter_count(src);
    totals tot;
    sltd__db_parts p;
    int rc, tries;

    if ((rc = sltd__db_use_writer(&p, db)) != SLTD_OK || (rc = sltd__sorter_finish(src)) != SLTD_OK)
        return rc;
    /* Room first: about 80 bytes a record in the map, with headroom for copy-on-write. */
    sltd__store_sizes(p.store, &used, &map);
    if (used + n * 160 > map && (rc = sltd__store_grow(p.store, used + n * 160)) != SLTD_OK)
        return rc;
    for (tries = 0;; tries++) {
        rc = apply_once(&p, src, o, &tot);
        if (rc != SLTD_EFULL || !sltd__store_full_was_map() || tries == MAP_RETRIES)
            break; /* a full disk is not helped by a bigger map */
        sltd__store_sizes(p.store, &used, &map);
        if (sltd__store_grow(p.store, map * 2) != SLTD_OK)
            break;
        sltd__err_clear();
    }
    if (rc == SLTD_OK && rep != NULL) {
        rep->added = tot.rep.added;
        rep->updated = tot.rep.updated;
        rep->unchanged = tot.rep.unchanged;
        rep->removed = tot.rep.removed;
        rep->not_found = tot.rep.not_found;
    }
    return rc;
}

int sltd__update_meta(sltd_db *db, const sltd__meta_kv *meta, size_t n)
{
    sltd__txn *w = NULL;
    sltd__bloom *b;
    sltd__db_parts p;
    int rc;

    if ((rc = sltd__db_use_writer(&p, db)) != SLTD_OK)
        return rc;
    if ((rc = sltd__store_write_begin(p.store, &w)) != SLTD_OK)
        return rc;
    if ((rc = put_meta(w, meta, n)) != SLTD_OK) {
        sltd__store_abort(p.store, w);
        return rc;
    }
    /* No key changes, but the filter must say it covers this commit too: else every handle opened
     * after it would find the filter behind the data and read LMDB for every lookup (bypass). */
    if ((b = sltd__filter_writer(p.filter, w)) != NULL) {
        sltd__bloom_write_begin(b);
        if ((rc = sltd__bloom_write_end(b, sltd__store_txn_id(w))) != SLTD_OK) {
            sltd__store_abort(p.store, w);
            return rc;
        }
    }
    return sltd__store_commit(p.store, w);
}

int sltd__update_apply(sltd_db *db, sltd__entries *e, const sltd__update_opts *o, sltd_import_report *rep)
{
    sltd__sorter *s;
    sltd__db_parts p;
    int rc;

    if ((rc = sltd__db_use_writer(&p, db)) != SLTD_OK)
        return rc;
    if ((rc = sltd__sorter_open(&s, p.dir, 0, 1)) != SLTD_OK)
        return sltd__err(rc, "out of memory");
    if ((rc = sltd__sorter_adopt(s, e)) == SLTD_OK) {
        rc = sltd__update_apply_sorted(db, s, o, rep);
        sltd__sorter_give_back(s, e); /* the caller's again, now sorted by (digest, input order) */
    }
    sltd__sorter_close(s);
    return rc;
}
