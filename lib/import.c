/* SPDX-License-Identifier: Apache-2.0 */
/* import.c — a feed CSV into the database, all or nothing: every row is read and validated first
 * (nothing is written if any is invalid, unless asked to skip them), the rows' digests are sorted with
 * bounded memory (sorter.c), then go through the one write path (update.c) in a single transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "error.h"
#include "layout.h"
#include "feed.h"
#include "norm.h"
#include "prf.h"
#include "import.h"
#include "sorter.h"
#include "update.h"
#define DEFAULT_BUDGET 2000000 /* entries (72 bytes) in memory before a sorted run is spilled */
#define PROGRESS_EVERY 65536
#define DIGEST_BATCH 64        /* rows whose digests are computed side by side (sltd__prf_digest_inputs) */

/* Rows read, waiting for their digests: each one's "STATE<NUMBER" input and the rest of its entry. */
typedef struct batch {
    uint8_t in[DIGEST_BATCH][SLTD__KEY_INPUT];
    uint8_t len[DIGEST_BATCH];
    uint8_t d[DIGEST_BATCH][SLTD_DIGEST_SIZE];
    sltd__entry x[DIGEST_BATCH];
    size_t n;
} batch;

/* Digest the waiting rows and hand them to the sink in input order: 0, or the sink's code. */
static int flush(batch *b, const sltd__keys *keys, int (*sink)(void *ctx, const sltd__entry *x), void *ctx)
{
    size_t i;
    int rc;

    sltd__prf_digest_inputs(b->d, keys, (const uint8_t(*)[SLTD__DIGEST_INPUT])b->in, b->len, b->n);
    for (i = 0; i < b->n; i++) {
        memcpy(b->x[i].d, b->d[i], SLTD_DIGEST_SIZE);
        if ((rc = sink(ctx, &b->x[i])) != SLTD_OK)
            return rc;
    }
    b->n = 0;
    return SLTD_OK;
}

int sltd__import_read_feed(sltd__import_read *out, const sltd__keys *keys, const char *path, unsigned flags,
                            int keep_going, int (*sink)(void *ctx, const sltd__entry *x), void *ctx,
                            sltd_progress_fn progress, void *progress_ctx)
{
    sltd__feed *f = NULL;
    sltd__feed_row row;
    batch *b = malloc(sizeof *b);
    size_t el = 0;
    int rc;

    memset(out, 0, sizeof *out);
    if (b == NULL)
        return sltd__err(SLTD_ENOMEM, "out of memory");
    b->n = 0;
    if ((rc = sltd__feed_open(&f, path, flags)) != SLTD_OK) {
        rc = sltd__err(rc, "%s", sltd__feed_error(f));
        goto cleanup;
    }
    for (;;) {
        sltd__entry *x = &b->x[b->n];

        /* all of it, padding and the unused record tail too: entries reach sort files on disk, and
         * stale heap bytes there could hold a document number */
        memset(x, 0, sizeof *x);
        rc = sltd__feed_next(f, &row);
        if (rc == 0)
            break;
        if (rc == SLTD_EFORMAT) {
            if (out->invalid++ < SLTD__IMPORT_ERRORS_SHOWN && el < sizeof out->errs)
                el += (size_t)snprintf(out->errs + el, sizeof out->errs - el, "%s%s", el ? "\n" : "",
                                       sltd__feed_error(f));
            out->rows++;
            continue;
        }
        if (rc < 0) {
            rc = sltd__err(rc, "%s", sltd__feed_error(f));
            goto cleanup;
        }
        out->rows++;
        if (progress != NULL && out->rows % PROGRESS_EVERY == 0)
            progress(progress_ctx, "read", out->rows, 0);
        if (out->invalid > 0 && !keep_going)
            continue; /* nothing will be used: only look for more errors */
        b->len[b->n] = (uint8_t)sltd__norm_key_compose(b->in[b->n], row.state, strlen(row.state), row.number,
                                                        row.number_len);
        x->action = row.action == SLTD__ACTION_REMOVE ? SLTD__UPDATE_REMOVE : SLTD__UPDATE_ADD;
        x->len = (uint8_t)sltd__record_encode(x->rec, &row.rec);
        x->line = (uint32_t)row.line;
        if (++b->n == DIGEST_BATCH && (rc = flush(b, keys, sink, ctx)) != SLTD_OK)
            goto sink_failed;
    }
    if ((rc = flush(b, keys, sink, ctx)) != SLTD_OK)
        goto sink_failed;
    rc = SLTD_OK;
    goto cleanup;
sink_failed:
    rc = rc == SLTD_ENOMEM ? sltd__err(rc, "%s: out of memory after %llu rows", path, (unsigned long long)out->rows)
                           : rc;
cleanup:
    sltd__feed_close(f);
    free(b);
    return rc;
}

/* Threads the import may use: as asked (version 2 options), else two when there are two cores. */
static unsigned threads_of(const sltd_import_options *o)
{
    long cores;

    if (o->version >= 2 && o->threads != 0)
        return o->threads;
    cores = sysconf(_SC_NPROCESSORS_ONLN);
    return cores > 1 ? 2 : 1;
}

static int to_sorter(void *ctx, const sltd__entry *x)
{
    return sltd__sorter_push(ctx, x);
}

static int import_feed_ex_body(sltd_import_report *out, sltd_db *db, const char *path, const sltd_import_options *opts)
{
    static const sltd_import_options defaults = SLTD_IMPORT_OPTIONS_INIT;
    sltd_import_report rep = SLTD_IMPORT_REPORT_INIT;
    sltd__update_opts o = { 0 };
    sltd__sorter *sorter = NULL;
    sltd__import_read fr;
    sltd__db_parts p;
    int rc, skip;

    sltd__err_clear();
    if (out != NULL)
        *out = rep;
    if ((rc = sltd__db_use(&p, db)) != SLTD_OK)
        return rc;
    if (opts == NULL)
        opts = &defaults;
    if (path == NULL || opts->version < 1 || opts->version > SLTD_IMPORT_OPTIONS_VERSION ||
        (opts->flags & ~(unsigned)(SLTD_IMPORT_IGNORE_UNKNOWN | SLTD_IMPORT_SKIP_INVALID)) != 0)
        return sltd__err(SLTD_EINVAL, "sltd_db_import_feed: bad path or options");
    if ((rc = sltd__db_use_writer(&p, db)) != SLTD_OK)
        return rc;
    skip = (opts->flags & SLTD_IMPORT_SKIP_INVALID) != 0;
    if ((rc = sltd__sorter_open(&sorter, p.dir, opts->memory_budget ? opts->memory_budget : DEFAULT_BUDGET,
                                threads_of(opts))) != SLTD_OK) {
        rc = sltd__err(rc, "out of memory");
        goto cleanup;
    }
    rc = sltd__import_read_feed(&fr, p.keys, path, opts->flags & SLTD_IMPORT_IGNORE_UNKNOWN, skip, to_sorter,
                                 sorter, opts->progress, opts->progress_ctx);
    rep.rows = fr.rows;
    rep.invalid = fr.invalid;
    if (rc != SLTD_OK)
        goto cleanup;
    if (fr.invalid > 0 && !skip) {
        rc = sltd__err(SLTD_EFORMAT, "%s%s\n%llu invalid row(s); nothing was imported", fr.errs,
                       fr.invalid > SLTD__IMPORT_ERRORS_SHOWN ? "\n..." : "", (unsigned long long)fr.invalid);
        goto cleanup;
    }
    if (opts->progress != NULL)
        opts->progress(opts->progress_ctx, "write", 0, sltd__sorter_count(sorter));
    o.source = path;
    o.threads = threads_of(opts);
    rc = sltd__update_apply_sorted(db, sorter, &o, &rep);
    if (rc == SLTD_OK && fr.invalid > 0) /* skipped on request: say which */
        sltd__err(SLTD_OK, "%s%s\n%llu invalid row(s) skipped", fr.errs,
                  fr.invalid > SLTD__IMPORT_ERRORS_SHOWN ? "\n..." : "", (unsigned long long)fr.invalid);
cleanup:
    if (out != NULL)
        *out = rep;
    sltd__sorter_close(sorter);
    return rc;
}

int sltd_db_import_feed_ex(sltd_import_report *out, sltd_db *db, const char *path, const sltd_import_options *opts)
{
    sltd_import_report full = SLTD_IMPORT_REPORT_INIT;
    const int v = sltd__layout_enter(out, SLTD__LAYOUT_IMPORT_REPORT);
    const int rc = v < 0 ? v : import_feed_ex_body(out != NULL ? &full : NULL, db, path, opts);

    return sltd__layout_leave(out, v, SLTD__LAYOUT_IMPORT_REPORT, &full, rc, "sltd_db_import_feed_ex");
}

static int import_feed_body(sltd_import_report *out, sltd_db *db, const char *path, unsigned int flags)
{
    sltd_import_options o = SLTD_IMPORT_OPTIONS_INIT;

    o.flags = flags;
    return sltd_db_import_feed_ex(out, db, path, &o);
}

int sltd_db_import_feed(sltd_import_report *out, sltd_db *db, const char *path, unsigned int flags)
{
    sltd__err_clear();
    return sltd__err_leave(import_feed_body(out, db, path, flags), "sltd_db_import_feed");
}
