/* SPDX-License-Identifier: Apache-2.0 */
/* import.h — a feed CSV read into update entries (import.c): shared by sltd_db_import_feed and bundle
 * packing, so that both validate, hash and encode rows the same way. */
#ifndef SLTD_IMPORT_H
#define SLTD_IMPORT_H

#include <stdint.h>

#include "prf.h"
#include "sltd.h"
#include "update.h"

#define SLTD__IMPORT_ERRORS_SHOWN 20

typedef struct sltd__import_read {
    uint64_t rows;    /* rows read, valid or not (a range row counts once per number) */
    uint64_t invalid; /* invalid rows */
    char errs[1024];  /* the first SLTD__IMPORT_ERRORS_SHOWN invalid rows' "FILE:LINE: field: reason" */
} sltd__import_read;

/* Read every row of the feed at `path` ("-": stdin): each valid row's entry (zeroed, then filled) goes
 * to sink — after an invalid row only if keep_going. 0 with out->invalid counting the invalid rows,
 * or a fatal error (bad header, I/O, memory, or the sink's). */
int sltd__import_read_feed(sltd__import_read *out, const sltd__keys *keys, const char *path, unsigned flags,
                            int keep_going, int (*sink)(void *ctx, const sltd__entry *x), void *ctx,
                            sltd_progress_fn progress, void *progress_ctx);

#endif
