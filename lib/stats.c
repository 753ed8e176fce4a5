/* SPDX-License-Identifier: Apache-2.0 */
/* stats.c — what sltd_stats_get reports: counts, freshness, sizes, and the filter's state. */
#include <string.h>
#include <sys/stat.h>

#include "db.h"
#include "meta.h"

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
