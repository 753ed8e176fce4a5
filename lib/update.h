/* SPDX-License-Identifier: Apache-2.0 */
/* update.h — the one write path: a set of digest entries applied to the records in one LMDB
 * transaction, all or nothing, with the filter, counts and state checksum kept in step.
 * Feed imports (import.c) and signed bundles use it. */
#ifndef SLTD_UPDATE_H
#define SLTD_UPDATE_H

#include <stddef.h>
#include <stdint.h>

#include "entries.h"
#include "sltd.h"

/* A meta value written in the update's transaction (e.g. what a sync records with the data). */
typedef struct sltd__meta_kv {
    const char *name;
    const void *val;
    size_t len;
} sltd__meta_kv;

typedef struct sltd__update_opts {
    const char *source;    /* named in messages (the feed or bundle path) */
    int replace_all;       /* full replacement: afterwards the records are exactly the entries */
    int set_meta;          /* bundles: check and set sequence, produced, expires */
    int is_delta;          /* with set_meta: the current sequence must equal `base` */
    uint64_t base;
    uint64_t sequence;     /* with set_meta: must be greater than the current sequence */
    int64_t produced, expires;
    const uint8_t *expect_checksum; /* 16 bytes: the state checksum the result must have, or NULL */
    int dry_run;           /* do everything, then abort: nothing changes (the filter may gain bits) */
    uint8_t *out_checksum; /* 16 bytes: receives the resulting state checksum, or NULL */
    uint64_t *out_records; /* receives the resulting record count, or NULL */
    int reset_sequence;    /* with set_meta and replace_all: the sequence need not be newer (a full that
                              replaces data signed by a revoked key: docs/FLEET.md) */
    const sltd__meta_kv *meta; /* extra meta values written in the same transaction, or NULL */
    size_t nmeta;
    unsigned threads;      /* > 1: a large update may set filter bits on a second thread */
} sltd__update_opts;

/* Sort the entries and apply them. On any failure (and on a dry run) nothing is changed. Fills rep's
 * counts (not rows or invalid). Growing the map and retrying is handled here. The entries are left
 * sorted by (digest, input order). */
int sltd__update_apply(sltd_db *db, sltd__entries *e, const sltd__update_opts *o, sltd_import_report *rep);

/* Write meta values alone, in one transaction. 0, or the store's errors. */
int sltd__update_meta(sltd_db *db, const sltd__meta_kv *meta, size_t n);

/* The same from a sorter (sorter.h) that holds any number of entries with bounded memory. */
struct sltd__sorter;
int sltd__update_apply_sorted(sltd_db *db, struct sltd__sorter *src, const sltd__update_opts *o,
                              sltd_import_report *rep);

#endif
