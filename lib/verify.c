/* SPDX-License-Identifier: Apache-2.0 */
/* verify.c — recompute everything a replica claims about itself, in one read transaction. */
#include <string.h>

#include "checksum.h"
#include "db.h"
#include "error.h"
#include "layout.h"
#include "meta.h"
#include "record.h"

typedef struct scan {
    sltd_verify_report *rep;
    const sltd__bloom *filter;
    const char *dir;
} scan;

static int visit(void *ctx, const uint8_t *d, const uint8_t *val, size_t len)
{
    scan *sc = ctx;
    sltd_record r;
    uint8_t h[16];
    size_t off = 0, used;

    if (len == 0)
        return sltd__err(SLTD_ECORRUPT, "%s: an empty record value", sc->dir);
    while (off < len) {
        if (sltd__record_decode(&r, val + off, len - off, &used) != SLTD_OK)
            return sltd__err(SLTD_ECORRUPT, "%s: a damaged record (document %llu of the scan)", sc->dir,
                             (unsigned long long)sc->rep->documents + 1);
        sltd__checksum_xxh128(h, d, SLTD_DIGEST_SIZE, val + off, used);
        sltd__checksum_sum(sc->rep->checksum, h, +1);
        sc->rep->records++;
        off += used;
    }
    sc->rep->documents++;
    if (sc->filter != NULL && !sltd__bloom_test(sc->filter, d))
        sc->rep->filter_missing++;
    return 0;
}

static int verify_body(sltd_verify_report *out, sltd_db *db)
{
    sltd_verify_report rep;
    uint8_t stored[16] = { 0 };
    uint64_t records, documents;
    size_t len;
    sltd__txn *t;
    sltd__db_parts p;
    scan sc;
    int rc;

    sltd__err_clear();
    memset(&rep, 0, sizeof rep);
    rep.version = SLTD_VERIFY_REPORT_VERSION;
    if (out != NULL)
        *out = rep;
    if ((rc = sltd__db_use(&p, db)) != SLTD_OK)
        return rc;
    /* The filter a lookup would use now: it was set up before the transaction below begins, so it
     * must cover every digest that transaction sees. */
    sc.filter = sltd__filter_lookup(p.filter);
    sc.rep = &rep;
    sc.dir = p.dir;
    rep.filter_checked = sc.filter != NULL;
    if ((rc = sltd__store_read_begin(p.store, &t)) != SLTD_OK)
        return rc;
    if ((rc = sltd__meta_get_u64(t, META_RECORDS, &records)) == SLTD_OK &&
        (rc = sltd__meta_get_u64(t, META_DOCUMENTS, &documents)) == SLTD_OK &&
        (rc = sltd__store_meta_get(t, META_CHECKSUM, stored, sizeof stored, &len)) >= 0)
        rc = sltd__store_foreach(t, visit, &sc);
    sltd__store_read_end(p.store, t);
    if (out != NULL)
        *out = rep;
    if (rc != SLTD_OK)
        return rc;
    rep.counts_ok = records == rep.records && documents == rep.documents;
    rep.checksum_ok = memcmp(stored, rep.checksum, 16) == 0;
    if (out != NULL)
        *out = rep;
    if (!rep.counts_ok)
        return sltd__err(SLTD_ECORRUPT, "%s: meta says %llu records of %llu documents; the scan found %llu of %llu",
                         p.dir, (unsigned long long)records, (unsigned long long)documents,
                         (unsigned long long)rep.records, (unsigned long long)rep.documents);
    if (!rep.checksum_ok)
        return sltd__err(SLTD_ECORRUPT, "%s: the stored state checksum does not match the records", p.dir);
    if (rep.filter_missing > 0)
        return sltd__err(SLTD_ECORRUPT, "%s: the filter misses %llu stored documents", p.dir,
                         (unsigned long long)rep.filter_missing);
    return SLTD_OK;
}

int sltd_db_verify(sltd_verify_report *out, sltd_db *db)
{
    sltd_verify_report full = SLTD_VERIFY_REPORT_INIT;
    const int v = sltd__layout_enter(out, SLTD__LAYOUT_VERIFY_REPORT);
    const int rc = v < 0 ? v : verify_body(out != NULL ? &full : NULL, db);

    return sltd__layout_leave(out, v, SLTD__LAYOUT_VERIFY_REPORT, &full, rc, "sltd_db_verify");
}
