/* SPDX-License-Identifier: Apache-2.0 */
/* filter.h — the filter's life cycle across processes: a handle's filter is attached (mapped and
 * verified against the committed state), rebuilt from the records, retired when another process
 * replaces it, and handed to writers (to set bits before they commit) and to lookups (to probe). */
#ifndef SLTD_FILTER_H
#define SLTD_FILTER_H

#include <stdint.h>

#include "bloom.h"
#include "sltd.h"
#include "store.h"

#define SLTD__FILTER_NAME "sltd.filter" /* the filter file, in the database directory */

typedef struct sltd__filter sltd__filter;

/* A handle's filter for the store of the database in `dir`, not yet attached; `bits_per_key` sizes a
 * rebuilt filter. 0 or SLTD_ENOMEM. */
int sltd__filter_new(sltd__filter **out, const char *dir, sltd__store *store, unsigned bits_per_key, int writable);
/* Open-time set-up: attach the file, or, when the handle may write and the file is missing or not
 * valid, rebuild it. A read-only handle with no valid filter reads LMDB for every lookup (bypass),
 * which stats report. */
int sltd__filter_set_up(sltd__filter *f);
/* Unmap every mapping the handle made. Accepts NULL. */
void sltd__filter_close(sltd__filter *f);

/* Rebuild the filter from the records visible in the write transaction w, sized for `capacity`
 * documents, and make it the handle's filter (meta filter_id is written in w); *out gets it. */
int sltd__filter_rebuild(sltd__filter *f, sltd__txn *w, uint64_t capacity, sltd__bloom **out);
/* The filter a writer must update in transaction w (remapped if another process rebuilt it);
 * NULL means none could be attached, and w must then rebuild it. */
sltd__bloom *sltd__filter_writer(sltd__filter *f, sltd__txn *w);
/* The filter a lookup uses now, or NULL (bypass: read LMDB). Never blocks. Its answer "absent" holds
 * for the state committed when it was called, not for an older snapshot. */
sltd__bloom *sltd__filter_lookup(sltd__filter *f);
/* Does b (from sltd__filter_lookup, called before snapshot t began: it may start transactions of its
 * own, which must not nest in t's reader slot) hold every key of t? Called after t began, so that the
 * bits of t's last commit are in place. 0: probe nothing, read LMDB. Never blocks. */
int sltd__filter_covers(const sltd__bloom *b, const sltd__txn *t);

/* The filter's part of the stats: state, size, capacity, fill and false-positive rates. */
void sltd__filter_stats(sltd__filter *f, sltd_stats *out);

#endif
