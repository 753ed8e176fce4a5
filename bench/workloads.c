/* SPDX-License-Identifier: Apache-2.0 */
/* workloads.c — the sltd workloads, through the public API only: sltd.digest (normalise + keyed digest,
 * the part of a lookup before the filter), sltd.miss and sltd.hit (one sltd_db_lookup per sample),
 * sltd.miss.batch and sltd.hit.batch (one sltd_db_lookup_batch call of BATCH documents per sample), and
 * the same single lookups from T threads sharing one handle. */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "bench.h"

typedef struct sltd_ctx {
    sltd_db *db;
    const doc *docs;
    const sltd_query *queries;
} sltd_ctx;

static sltd_ctx g_absent, g_present;
static sltd_result g_batch[BATCH]; /* the single-threaded batch workloads' results */

/* n lookups, one sample each. Returns the number of documents reported listed, or -1 with *rcp set. */
static int64_t lookups(sltd_db *db, const doc *q, size_t n, uint32_t *s, uint64_t *wall, int *rcp)
{
    sltd_result res = SLTD_RESULT_INIT;
    int64_t listed = 0;
    timer t;
    size_t i;
    int rc;

    timer_start(&t, s, 1);
    for (i = 0; i < n; i++) {
        rc = sltd_db_lookup(&res, db, q[i].state, q[i].number, NULL);
        tick(&t, 1);
        if (rc != SLTD_OK) {
            *rcp = rc;
            return -1;
        }
        listed += res.listed;
    }
    *wall = timer_wall(&t);
    return listed;
}

static int64_t measure_single(const workload *w, size_t lo, size_t hi, uint32_t *s, uint64_t *wall)
{
    const sltd_ctx *c = w->ctx;
    int rc = 0;
    const int64_t listed = lookups(c->db, c->docs + lo, hi - lo, s, wall, &rc);

    if (listed < 0)
        die_sltd(rc, "sltd_db_lookup");
    return listed;
}

static int64_t measure_batch(const workload *w, size_t lo, size_t hi, uint32_t *s, uint64_t *wall)
{
    const sltd_ctx *c = w->ctx;
    int64_t listed = 0;
    size_t i, j, m;
    timer t;
    int rc;

    g_batch[0].version = SLTD_RESULT_VERSION; /* the layout this program was built with */
    timer_start(&t, s, w->per);
    for (i = lo; i < hi; i += m) {
        m = hi - i < BATCH ? hi - i : BATCH;
        rc = sltd_db_lookup_batch(g_batch, c->db, c->queries + i, m);
        tick(&t, (unsigned)m);
        if (rc != SLTD_OK)
            die_sltd(rc, "sltd_db_lookup_batch");
        for (j = 0; j < m; j++) {
            if (g_batch[j].error != SLTD_OK)
                die_sltd(g_batch[j].error, "sltd_db_lookup_batch (one document)");
            listed += g_batch[j].listed;
        }
    }
    *wall = timer_wall(&t);
    return listed;
}

static int64_t measure_digest(const workload *w, size_t lo, size_t hi, uint32_t *s, uint64_t *wall)
{
    const sltd_ctx *c = w->ctx;
    uint8_t d[SLTD_DIGEST_SIZE];
    uint64_t sink = 0;
    size_t i;
    timer t;
    int rc;

    timer_start(&t, s, w->per);
    for (i = lo; i < hi; i++) {
        if ((rc = sltd_db_digest(d, c->db, c->docs[i].state, c->docs[i].number)) != SLTD_OK)
            die_sltd(rc, "sltd_db_digest");
        sink += d[0];
        tick_group(&t);
    }
    keep(sink);
    *wall = timer_wall(&t);
    return 0;
}

unsigned sltd_workloads(workload *out, const inputs *in)
{
    g_absent = (sltd_ctx){ in->db, in->absent, in->qa };
    g_present = (sltd_ctx){ in->db, in->present, in->qp };
    out[0] = (workload){ .name = "sltd.digest", .measure = measure_digest, .ctx = &g_absent, .per = GROUP,
                         .present = -1 };
    out[1] = (workload){ .name = "sltd.miss", .measure = measure_single, .ctx = &g_absent, .per = 1 };
    out[2] = (workload){ .name = "sltd.hit", .measure = measure_single, .ctx = &g_present, .per = 1, .present = 1 };
    out[3] = (workload){ .name = "sltd.miss.batch", .measure = measure_batch, .ctx = &g_absent, .per = BATCH };
    out[4] = (workload){ .name = "sltd.hit.batch", .measure = measure_batch, .ctx = &g_present, .per = BATCH,
                         .present = 1 };
    return 5;
}

/* T threads share the handle; each looks up its slice of the queries. */
typedef struct worker {
    sltd_db *db;
    const doc *q;
    size_t n;
    uint32_t *s;
    pthread_barrier_t *bar;
    uint64_t wall, cpu;
    int64_t listed;
    int rc;
} worker;

static void *worker_main(void *arg)
{
    worker *w = arg;
    uint64_t c0;

    pthread_barrier_wait(w->bar);
    c0 = cpu_now();
    w->listed = lookups(w->db, w->q, w->n, w->s, &w->wall, &w->rc);
    w->cpu = cpu_now() - c0;
    return NULL;
}

void run_sltd_threads(const char *name, sltd_db *db, const doc *q, size_t n, uint32_t *s, int present,
                      unsigned nthreads)
{
    pthread_t tid[MAX_THREADS];
    worker w[MAX_THREADS];
    pthread_barrier_t bar;
    uint64_t maxnet = 0, net, cpu = 0;
    int64_t listed = 0;
    unsigned i;

    pthread_barrier_init(&bar, NULL, nthreads);
    for (i = 0; i < nthreads; i++) {
        const size_t lo = n * i / nthreads, hi = n * (i + 1) / nthreads;
        w[i] = (worker){ db, q + lo, hi - lo, s + lo, &bar, 0, 0, 0, 0 };
        if (pthread_create(&tid[i], NULL, worker_main, &w[i]) != 0)
            die("pthread_create: %s", strerror(errno));
    }
    for (i = 0; i < nthreads; i++)
        pthread_join(tid[i], NULL);
    pthread_barrier_destroy(&bar);
    for (i = 0; i < nthreads; i++) {
        if (w[i].listed < 0)
            die_sltd(w[i].rc, "sltd_db_lookup (threaded)");
        listed += w[i].listed;
        cpu += w[i].cpu;
        net = w[i].wall > w[i].n * g_clock_ns ? w[i].wall - w[i].n * g_clock_ns : 1;
        if (net > maxnet)
            maxnet = net;
    }
    check_listed(name, listed, n, present);
    /* Aggregate throughput: all documents over the slowest thread's time (net of clock reads). */
    result_record(name, nthreads, "per-op", s, n, n, maxnet, 0, cpu, n);
}
