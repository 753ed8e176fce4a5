/* SPDX-License-Identifier: Apache-2.0 */
/* fresh.h — how old the committed data is, for every answer (misses do not read LMDB): cached per
 * handle, refreshed when a commit moves LMDB's last transaction id, read by lookups without a lock. */
#ifndef SLTD_FRESH_H
#define SLTD_FRESH_H

#include <stdint.h>

#include "store.h"

typedef struct sltd__freshness {
    uint64_t sequence;
    int64_t produced, expires;
} sltd__freshness;

typedef struct sltd__fresh sltd__fresh; /* a handle's cache */

int sltd__fresh_new(sltd__fresh **out);
void sltd__fresh_free(sltd__fresh *c); /* accepts NULL */

/* The freshness of the data as of transaction `last` (the last commit, read by the reader *r holds):
 * the cached one, or, when a commit moved it, the meta of the reader's transaction (which *t then
 * gives, and which answers this lookup: its stamp and its data are of one snapshot). */
int sltd__fresh_get(sltd__fresh *c, sltd__store *s, sltd__freshness *f, uint64_t last, sltd__reader **r,
                    sltd__txn **t);
/* sltd__fresh_get under a reader of its own. */
int sltd__fresh_now(sltd__fresh *c, sltd__store *s, sltd__freshness *f);

#endif
