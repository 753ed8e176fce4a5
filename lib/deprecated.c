/* SPDX-License-Identifier: Apache-2.0 */
/* deprecated.c — the 0.1 names of the public functions, kept for one minor version: each calls the
 * function's new name (docs/API-CONVENTIONS.md), so that programs built against 0.1 keep running.
 *
 * A 0.1 program does not set `version` in the structs it passes to be filled (the library did, and
 * its stack holds anything there): an old name knows its caller has the version-1 layout, the one
 * 0.1 declared, and says so in the struct before the new name reads it. */
#include <string.h>

#include "sltd.h"

/* `out` (may be NULL) as a version-1 struct of a 0.1 caller. */
static void *v1(void *out)
{
    const unsigned one = 1;

    if (out != NULL)
        memcpy(out, &one, sizeof one); /* every output struct starts with `unsigned int version` */
    return out;
}

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
    return sltd_db_lookup(v1(out), db, state, number, type);
}

int sltd_lookup_batch(sltd_result *out, sltd_db *db, const sltd_query *queries, size_t n)
{
    return sltd_db_lookup_batch(n > 0 ? v1(out) : out, db, queries, n);
}

int sltd_lookup_mrz(sltd_mrz_answer *out, sltd_db *db, const char *text, size_t len, unsigned int flags)
{
    return sltd_db_lookup_mrz(v1(out), db, text, len, flags);
}

int sltd_lookup_mrz_ex(sltd_mrz_answer *out, sltd_mrz_evidence *evidence, sltd_db *db, const char *text, size_t len,
                       unsigned int flags)
{
    return sltd_db_lookup_mrz_ex(v1(out), v1(evidence), db, text, len, flags);
}

int sltd_digest(uint8_t out[SLTD_DIGEST_SIZE], const sltd_db *db, const char *state, const char *number)
{
    return sltd_db_digest(out, db, state, number);
}

int sltd_verify(sltd_verify_report *out, sltd_db *db)
{
    return sltd_db_verify(v1(out), db);
}

int sltd_import_feed(sltd_import_report *out, sltd_db *db, const char *path, unsigned int flags)
{
    return sltd_db_import_feed(v1(out), db, path, flags);
}

int sltd_import_feed_ex(sltd_import_report *out, sltd_db *db, const char *path, const sltd_import_options *opts)
{
    return sltd_db_import_feed_ex(v1(out), db, path, opts);
}

int sltd_screen(sltd_screen_report *out, sltd_db *db, const char *path, const sltd_screen_options *opts)
{
    return sltd_db_screen(v1(out), db, path, opts);
}

int sltd_stats_get(sltd_stats *out, sltd_db *db)
{
    return sltd_db_stats_get(v1(out), db);
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
    return sltd_bundle_pack(v1(out), db, feed_path, bundle_path, opts);
}

int sltd_apply_bundle(sltd_bundle_report *out, sltd_db *db, const char *path, const char *const *trusted,
                      size_t ntrusted, unsigned int flags)
{
    return sltd_bundle_apply(v1(out), db, path, trusted, ntrusted, flags);
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
