/* SPDX-License-Identifier: Apache-2.0 */
/* floors.c — the floors that each step of a lookup is held against, measured in the same run:
 *   floor.loop                 an empty loop over the same absent documents (reads each one; mean of a
 *                              group of GROUP): what a loop over the inputs and the timer cost
 *   floor.digest_probe         sltd_db_digest, then one access to the filter block it names, the next
 *                              document chosen by the answer so that nothing overlaps (per-op, as
 *                              sltd.miss): the floor of a single miss
 *   floor.digest_probe.batch   the same for chunks of BATCH documents: all digests with their blocks
 *                              prefetched, then all probes (per-document mean of a chunk, as
 *                              sltd.miss.batch): the floor of a batch miss
 *   floor.dram                 one dependent access to a random cache line of a 256 MiB region (a
 *                              pointer chase; mean of a group of GROUP): one trip to DRAM, TLB miss included
 * The filter is the benchmark's own (bfilter.c), as large as the library's. */
#include <stdlib.h>
#include <string.h>

#include "bench.h"

struct floors {
    sltd_db *db;
    const doc *docs;
    const bfilter *f;
    uint64_t *chase; /* DRAM_BYTES / 64 lines; the first word of each is the index of the next line */
};

static size_t g_chase_at; /* where the pointer chase stands between slices */

/* One cycle through every line in a scattered order, written in one sequential pass: line x points to
 * (A x + C) mod n, a full-period generator for a power-of-two n (Hull and Dobell: C odd, A = 1 mod 4).
 * Its high bits, which pick the page, look random; every step lands on another page (a TLB miss, as a
 * filter probe takes) and no prefetcher can follow it. */
static void chase_build(floors *fl)
{
    const uint64_t A = 0x5851f42d4c957f2dull, C = 0x14057b7ef767814full;
    const size_t n = DRAM_BYTES / 64;
    size_t x;

    fl->chase = aligned_alloc(64, DRAM_BYTES);
    if (fl->chase == NULL)
        die("out of memory (%zu bytes for floor.dram)", DRAM_BYTES);
    for (x = 0; x < n; x++)
        fl->chase[x * 8] = (A * x + C) & (n - 1);
}

floors *floors_new(const inputs *in, const bfilter *f, int with_dram)
{
    floors *fl = xmalloc(sizeof *fl);

    memset(fl, 0, sizeof *fl);
    fl->db = in->db;
    fl->docs = in->absent;
    fl->f = f;
    if (with_dram)
        chase_build(fl);
    return fl;
}

void floors_free(floors *fl)
{
    if (fl == NULL)
        return;
    free(fl->chase);
    free(fl);
}

/* Like every measure_* here and in bfilter.c, the timed loop is written out in full around its one
 * operation (no call through a pointer per operation, which would be timed too): the loops look alike
 * on purpose. */
static int64_t measure_loop(const workload *w, size_t lo, size_t hi, uint32_t *s, uint64_t *wall)
{
    const floors *fl = w->ctx;
    uint64_t sink = 0;
    size_t i;
    timer t;

    timer_start(&t, s, w->per);
    for (i = lo; i < hi; i++) {
        sink += (uint8_t)fl->docs[i].state[0] + (uint8_t)fl->docs[i].number[0];
        keep(sink);
        tick_group(&t);
    }
    *wall = timer_wall(&t);
    return 0;
}

static void digest(uint8_t d[SLTD_DIGEST_SIZE], const floors *fl, size_t i)
{
    const int rc = sltd_db_digest(d, fl->db, fl->docs[i].state, fl->docs[i].number);

    if (rc != SLTD_OK)
        die_sltd(rc, "sltd_db_digest");
}

static int64_t measure_digest_probe(const workload *w, size_t lo, size_t hi, uint32_t *s, uint64_t *wall)
{
    const floors *fl = w->ctx;
    const size_t z = g_zero;
    uint8_t d[SLTD_DIGEST_SIZE];
    uint64_t hits = 0;
    size_t i, pos = lo;
    timer t;
    int r;

    timer_start(&t, s, w->per);
    for (i = lo; i < hi; i++) {
        digest(d, fl, pos);
        r = bfilter_test(fl->f, d);
        tick(&t, 1);
        pos = i + 1 + ((size_t)r & z);
        hits += (uint64_t)r;
    }
    *wall = timer_wall(&t);
    return (int64_t)hits;
}

static int64_t measure_digest_probe_batch(const workload *w, size_t lo, size_t hi, uint32_t *s, uint64_t *wall)
{
    const floors *fl = w->ctx;
    uint8_t d[BATCH][SLTD_DIGEST_SIZE];
    uint64_t hits = 0;
    size_t i, j, m;
    timer t;

    timer_start(&t, s, w->per);
    for (i = lo; i < hi; i += m) {
        m = hi - i < BATCH ? hi - i : BATCH;
        for (j = 0; j < m; j++) {
            digest(d[j], fl, i + j);
            __builtin_prefetch(bfilter_block(fl->f, d[j]));
        }
        for (j = 0; j < m; j++)
            hits += (uint64_t)bfilter_test(fl->f, d[j]);
        tick(&t, (unsigned)m);
    }
    *wall = timer_wall(&t);
    return (int64_t)hits;
}

static int64_t measure_dram(const workload *w, size_t lo, size_t hi, uint32_t *s, uint64_t *wall)
{
    const floors *fl = w->ctx;
    size_t i, at = g_chase_at;
    timer t;

    timer_start(&t, s, w->per);
    for (i = lo; i < hi; i++) {
        at = (size_t)fl->chase[at * 8];
        tick_group(&t);
    }
    g_chase_at = at;
    *wall = timer_wall(&t);
    return 0;
}

unsigned floor_workloads(workload *out, const floors *fl)
{
    unsigned n = 0;

    out[n++] = (workload){ .name = "floor.loop", .measure = measure_loop, .ctx = fl, .per = GROUP, .present = -1 };
    if (fl->f != NULL) {
        out[n++] = (workload){ .name = "floor.digest_probe", .measure = measure_digest_probe, .ctx = fl, .per = 1,
                               .present = -1 };
        out[n++] = (workload){ .name = "floor.digest_probe.batch", .measure = measure_digest_probe_batch,
                               .ctx = fl, .per = BATCH, .present = -1 };
    }
    if (fl->chase != NULL)
        out[n++] = (workload){ .name = "floor.dram", .measure = measure_dram, .ctx = fl, .per = GROUP,
                               .present = -1 };
    return n;
}
