/* SPDX-License-Identifier: Apache-2.0 */
/* deprecated.c — the 0.1 names of the public functions, kept for one minor version: each calls the
 * function's new name (docs/API-CONVENTIONS.md), so that programs built against 0.1 keep running. */
#include "sltd.h"

int sltd_open(sltd_db **out, const char *dir, const sltd_options *opts)
{
    return sltd_db_open(out, dir, opts);
}

void sltd_close(sltd_db *db)
{
    sltd_db_close(db);
}

int sltd_lookup(sltd_result *out, sltd_db *db, const char *state, const char *number, const char *type)
{
    return sltd_db_lookup(out, db, state, number, type);
}

int sltd_lookup_batch(sltd_result *out, sltd_db *db, const sltd_query *queries, size_t n)
{
    return sltd_db_lookup_batch(out, db, queries, n);
}

int sltd_lookup_mrz(sltd_mrz_answer *out, sltd_db *db, const char *text, size_t len, unsigned int flags)
{
    return sltd_db_lookup_mrz(out, db, text, len, flags);
}

int sltd_lookup_mrz_ex(sltd_mrz_answer *out, sltd_mrz_evidence *evidence, sltd_db *db, const char *text, size_t len,
                       unsigned int flags)
{
    return sltd_db_lookup_mrz_ex(out, evidence, db, text, len, flags);
}

int sltd_digest(uint8_t out[SLTD_DIGEST_SIZE], const sltd_db *db, const char *state, const char *number)
{
    return sltd_db_digest(out, db, state, number);
}

int sltd_verify(sltd_verify_report *out, sltd_db *db)
{
    return sltd_db_verify(out, db);
}

int sltd_import_feed(sltd_import_report *out, sltd_db *db, const char *path, unsigned int flags)
{
    return sltd_db_import_feed(out, db, path, flags);
}

int sltd_import_feed_ex(sltd_import_report *out, sltd_db *db, const char *path, const sltd_import_options *opts)
{
    return sltd_db_import_feed_ex(out, db, path, opts);
}

int sltd_screen(sltd_screen_report *out, sltd_db *db, const char *path, const sltd_screen_options *opts)
{
    return sltd_db_screen(out, db, path, opts);
}

int sltd_stats_get(sltd_stats *out, sltd_db *db)
{
    return sltd_db_stats_get(out, db);
}

const char *sltd_errmsg(const sltd_db *db)
{
    (void)db; /* the detail is per thread */
    return sltd_error_detail();
}

const char *sltd_strerror(int code)
{
    return sltd_error_text(code);
}

int sltd_pack_bundle(sltd_bundle_report *out, sltd_db *db, const char *feed_path, const char *bundle_path,
                     const sltd_pack_options *opts)
{
    return sltd_bundle_pack(out, db, feed_path, bundle_path, opts);
}

int sltd_apply_bundle(sltd_bundle_report *out, sltd_db *db, const char *path, const char *const *trusted,
                      size_t ntrusted, unsigned int flags)
{
    return sltd_bundle_apply(out, db, path, trusted, ntrusted, flags);
}

int sltd_normalize_state(char out[SLTD_STATE_MAX + 1], const char *in)
{
    return sltd_state_normalize(out, in);
}

int sltd_normalize_number(char out[SLTD_NUMBER_MAX + 1], const char *in)
{
    return sltd_number_normalize(out, in);
}

int sltd_mrz_valid(const sltd_mrz *m)
{
    return sltd_mrz_validate(m);
}
