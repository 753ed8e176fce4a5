/* SPDX-License-Identifier: Apache-2.0 */
/* fresh.h — how old the committed data is: cached per handle, refreshed when a commit moves LMDB's
 * last transaction id, read by lookups without a lock. */
#ifndef SLTD_FRESH_H
#define SLTD_FRESH_H

#include <stdint.h>
#include <time.h>

#include "db.h"

typedef struct freshness {
    uint64_t sequence;
    int64_t produced, expires;
} freshness;

/* The freshness of the data as of transaction `last` (see fresh.c). */
int sltd__fresh_get(sltd_db *db, freshness *f, uint64_t last, sltd__reader **r, sltd__txn **t);
/* sltd__fresh_get under a reader of its own. */
int sltd__fresh_now(sltd_db *db, freshness *f);
/* Stamp the answer with the data's freshness; SLTD_EEXPIRED when stale data must be refused. */
int sltd__fresh_stamp(sltd_result *out, sltd_db *db, const freshness *f, time_t now);

#endif
