/* SPDX-License-Identifier: Apache-2.0 */
/* bulkbits.c — filter bits of new documents set in batches, on a second thread or inline (see
 * bulkbits.h). The caller fills one batch while the thread sets the other's bits; they trade places
 * when the caller's batch is full and the thread is idle. */
#include "bulkbits.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "sltd.h"

#define BATCH 16384 /* digests a batch (256 KiB) */
#define AHEAD 16    /* documents between a block's prefetch and its bits */

struct sltd__bulkbits {
    sltd__bloom *b;
    uint8_t (*fill)[16]; /* the caller's batch */
    uint8_t (*job)[16];  /* the thread's batch */
    size_t nfill, njob;
    int threaded, busy, quit;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

/* Set the bits of d[0, n), each block prefetched AHEAD documents before its bits are set so that the
 * cache misses overlap. */
static void set_batch(sltd__bloom *b, const uint8_t (*d)[16], size_t n)
{
    size_t i;

    for (i = 0; i < n && i < AHEAD; i++)
        sltd__bloom_prefetch(b, d[i]);
    for (i = 0; i < n; i++) {
        if (i + AHEAD < n)
            sltd__bloom_prefetch(b, d[i + AHEAD]);
        sltd__bloom_add_raw(b, d[i]);
    }
}

static void *worker(void *arg)
{
    sltd__bulkbits *q = arg;

    pthread_mutex_lock(&q->mu);
    for (;;) {
        while (!q->busy && !q->quit)
            pthread_cond_wait(&q->cv, &q->mu);
        if (!q->busy)
            break;
        pthread_mutex_unlock(&q->mu);
        set_batch(q->b, (const uint8_t(*)[16])q->job, q->njob);
        pthread_mutex_lock(&q->mu);
        q->busy = 0;
        pthread_cond_broadcast(&q->cv);
    }
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

/* The caller's batch is full (or this is the end): hand it to the thread once it is idle, or set its
 * bits here. */
static void flush(sltd__bulkbits *q)
{
    uint8_t(*v)[16];

    if (!q->threaded) {
        set_batch(q->b, (const uint8_t(*)[16])q->fill, q->nfill);
        q->nfill = 0;
        return;
    }
    pthread_mutex_lock(&q->mu);
    while (q->busy)
        pthread_cond_wait(&q->cv, &q->mu);
    v = q->job;
    q->job = q->fill;
    q->njob = q->nfill;
    q->fill = v;
    q->nfill = 0;
    q->busy = 1;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

int sltd__bulkbits_start(sltd__bulkbits **out, sltd__bloom *b, unsigned threads)
{
    sltd__bulkbits *q = calloc(1, sizeof *q);

    *out = NULL;
    if (q == NULL || (q->fill = malloc(BATCH * sizeof *q->fill)) == NULL) {
        free(q);
        return SLTD_ENOMEM;
    }
    q->b = b;
    if (threads > 1 && (q->job = malloc(BATCH * sizeof *q->job)) != NULL) {
        if (pthread_mutex_init(&q->mu, NULL) == 0) {
            if (pthread_cond_init(&q->cv, NULL) == 0) {
                if (pthread_create(&q->th, NULL, worker, q) == 0)
                    q->threaded = 1;
                else
                    pthread_cond_destroy(&q->cv);
            }
            if (!q->threaded)
                pthread_mutex_destroy(&q->mu);
        }
    }
    *out = q; /* without a thread: the same work, inline */
    return SLTD_OK;
}

void sltd__bulkbits_add(sltd__bulkbits *q, const uint8_t d[16])
{
    memcpy(q->fill[q->nfill++], d, 16);
    if (q->nfill == BATCH)
        flush(q);
}

void sltd__bulkbits_finish(sltd__bulkbits *q)
{
    if (q == NULL)
        return;
    if (q->nfill > 0)
        flush(q);
    if (q->threaded) {
        pthread_mutex_lock(&q->mu);
        while (q->busy)
            pthread_cond_wait(&q->cv, &q->mu);
        q->quit = 1;
        pthread_cond_broadcast(&q->cv);
        pthread_mutex_unlock(&q->mu);
        pthread_join(q->th, NULL);
        pthread_cond_destroy(&q->cv);
        pthread_mutex_destroy(&q->mu);
    }
    free(q->fill);
    free(q->job);
    free(q);
}
