/* SPDX-License-Identifier: Apache-2.0 */
/* bulkbits.h — the filter bits of many new documents, set in batches while the writer goes on: on a
 * second thread when asked for one (the writer's merge and LMDB puts overlap the filter's cache
 * misses), else on the calling thread with each block prefetched a few documents ahead. Either way
 * only one thread sets bits at a time, and every bit is set when sltd__bulkbits_finish returns: the
 * caller commits only after that. */
#ifndef SLTD_BULKBITS_H
#define SLTD_BULKBITS_H

#include <stdint.h>

#include "bloom.h"

typedef struct sltd__bulkbits sltd__bulkbits;

/* Start adding to b (inside its writer's section) on `threads` > 1: a second thread, if one can be
 * started (else the calling thread). 0 or SLTD_ENOMEM. */
int sltd__bulkbits_start(sltd__bulkbits **out, sltd__bloom *b, unsigned threads);
/* Queue one digest (may wait for the second thread to take the previous batch). */
void sltd__bulkbits_add(sltd__bulkbits *q, const uint8_t d[16]);
/* Set what is queued, wait until every bit is set, stop the thread and free q (NULL: nothing). */
void sltd__bulkbits_finish(sltd__bulkbits *q);

#endif
