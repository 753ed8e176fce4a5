/* import.c — a feed CSV into the database, all or nothing: every row is read and validated first
 * (nothing is written if any is invalid), then the rows' digests go through the one write path
 * (update.c) in a single transaction. */
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "error.h"
#include "feed.h"
#include "update.h"

#define MAX_REPORTED_ERRORS 20

int sltd_import_feed(sltd_import_report *out, sltd_db *db, const char *path, unsigned int flags)
{
    sltd_import_report rep = { SLTD_IMPORT_REPORT_VERSION, 0, 0, 0, 0, 0, 0, 0 };
    sltd__update_opts o = { 0 };
    sltd__entries e = { NULL, 0, 0 };
    sltd__feed *f = NULL;
    sltd__feed_row row;
    char errs[1024] = "";
    size_t el = 0;
    int rc;

    sltd__err_clear();
    if (out != NULL)
        *out = rep;
    if ((rc = sltd__db_usable(db)) != SLTD_OK)
        return rc;
    if (path == NULL || (flags & ~(unsigned)SLTD_IMPORT_IGNORE_UNKNOWN) != 0)
        return sltd__err(SLTD_EINVAL, "sltd_import_feed: bad path or flags");
    if (db->flags & SLTD_OPEN_READONLY)
        return sltd__err(SLTD_EREADONLY, "%s: opened read-only", db->dir);
    if ((rc = sltd__feed_open(&f, path, flags)) != SLTD_OK) {
        rc = sltd__err(rc, "%s", sltd__feed_error(f));
        goto cleanup;
    }
    for (;;) {
        sltd__entry x;
        rc = sltd__feed_next(f, &row);
        if (rc == 0)
            break;
        if (rc == SLTD_EFORMAT) {
            if (rep.invalid++ < MAX_REPORTED_ERRORS && el < sizeof errs)
                el += (size_t)snprintf(errs + el, sizeof errs - el, "%s%s", el ? "\n" : "", sltd__feed_error(f));
            continue;
        }
        if (rc < 0) {
            rc = sltd__err(rc, "%s", sltd__feed_error(f));
            goto cleanup;
        }
        rep.rows++;
        sltd__digest(x.d, db->keys, row.state, strlen(row.state), row.number, row.number_len);
        x.action = row.action == SLTD__ACTION_REMOVE ? SLTD__UPDATE_REMOVE : SLTD__UPDATE_ADD;
        x.len = (uint8_t)sltd__rec_encode(x.rec, &row.rec);
        x.line = row.line;
        if ((rc = sltd__entries_push(&e, &x)) != SLTD_OK) {
            rc = sltd__err(rc, "%s: out of memory after %zu rows", path, e.n);
            goto cleanup;
        }
    }
    rep.rows += rep.invalid;
    if (rep.invalid > 0) {
        rc = sltd__err(SLTD_EFORMAT, "%s%s\n%llu invalid row(s); nothing was imported", errs,
                       rep.invalid > MAX_REPORTED_ERRORS ? "\n..." : "", (unsigned long long)rep.invalid);
        goto cleanup;
    }
    o.source = path;
    rc = sltd__update_apply(db, &e, &o, &rep);
cleanup:
    if (out != NULL)
        *out = rep;
    sltd__feed_close(f);
    sltd__entries_free(&e);
    return rc;
}
