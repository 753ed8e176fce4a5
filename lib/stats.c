/* SPDX-License-Identifier: Apache-2.0 */
/* stats.c — what sltd_db_stats_get reports: counts, freshness, sizes, and the filter's state. */
#include <string.h>

#include "db.h"
#include "error.h"
#include "layout.h"
#include "meta.h"

static int stats_get_body(sltd_stats *out, sltd_db *db)
{
    uint8_t buf[16];
    uint64_t v;
    size_t len;
    sltd__txn *t;
    sltd__db_parts p;
    int rc;

    if (out == NULL)
        return SLTD_EINVAL;
    if ((rc = sltd__db_use(&p, db)) != SLTD_OK)
        return rc;
    memset(out, 0, sizeof *out);
    out->version = SLTD_STATS_VERSION;
    out->format_version = SLTD__FORMAT_VERSION;
    sltd__filter_stats(p.filter, out);
    if ((rc = sltd__store_read_begin(p.store, &t)) != SLTD_OK)
        return rc;
    if ((rc = sltd__meta_get_u64(t, META_RECORDS, &out->records)) != SLTD_OK ||
        (rc = sltd__meta_get_u64(t, META_DOCUMENTS, &out->documents)) != SLTD_OK ||
        (rc = sltd__meta_get_u64(t, META_SEQUENCE, &out->sequence)) != SLTD_OK ||
        (rc = sltd__meta_get_u64(t, META_PRODUCED, &v)) != SLTD_OK)
        goto done;
    out->produced = (int64_t)v;
    if ((rc = sltd__meta_get_u64(t, META_EXPIRES, &v)) != SLTD_OK)
        goto done;
    out->expires = (int64_t)v;
    rc = sltd__store_meta_get(t, META_CHECKSUM, buf, sizeof buf, &len);
    if (rc == 0 && len == 16)
        memcpy(out->checksum, buf, 16);
    rc = rc < 0 ? rc : SLTD_OK;
done:
    sltd__store_read_end(p.store, t);
    if (rc != SLTD_OK)
        return rc;
    sltd__store_sizes(p.store, &out->data_bytes, &out->map_size);
    return SLTD_OK;
}

int sltd_db_stats_get(sltd_stats *out, sltd_db *db)
{
    sltd_stats full = SLTD_STATS_INIT;
    const int v = sltd__layout_enter(out, SLTD__LAYOUT_STATS);
    const int rc = v < 0 ? v : stats_get_body(out != NULL ? &full : NULL, db);

    return sltd__layout_leave(out, v, SLTD__LAYOUT_STATS, &full, rc, "sltd_db_stats_get");
}
