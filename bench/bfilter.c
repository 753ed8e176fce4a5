/* SPDX-License-Identifier: Apache-2.0 */
/* bfilter.c — a plain blocked Bloom filter, written for the benchmark and independent of the library's:
 * what one probe of a filter of the library's size costs on this machine, the floor under the filter
 * step of a lookup. It holds the database's digests and is as large as the library's filter (capacity
 * x bits per key, from sltd_stats), but its layout is its own and nothing here claims that it answers
 * as the library's does; the library's false-positive rate is its own (sltd_stats, tests/test_bloom).
 *
 * Layout: 64-byte blocks of eight 64-bit words (one cache line); a digest picks its block from its
 * first 8 bytes (read little-endian, mapped onto the blocks by a multiply-shift) and sets one bit in
 * each word, chosen from the low 32 bits of its last 8 bytes times a per-word odd constant (the "split
 * block" filter of Apache Parquet, widened to 64-bit words).
 *
 * Workloads: bloom.miss (absent digests, each probe's address depending on the previous answer: what a
 * single lookup pays) and bloom.miss.batch (independent probes, each block prefetched 8 ahead: what a
 * batch pays). Both take one sample per group of GROUP probes. */
#include <stdlib.h>
#include <string.h>

#include "bench.h"

struct bfilter {
    uint64_t *words;
    uint64_t nblocks;
};

__extension__ typedef unsigned __int128 u128;

static const uint32_t SALT[8] = { 0x47b6137bu, 0x44974d91u, 0x8824ad5bu, 0xa2b7289du,
                                  0x705495c7u, 0x2df1424bu, 0x9efc4947u, 0x5c6bfb31u };

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    int i;

    for (i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static inline uint64_t block_of(const bfilter *f, const uint8_t *d)
{
    return (uint64_t)(((u128)le64(d) * f->nblocks) >> 64);
}

static inline uint32_t bits_key(const uint8_t *d)
{
    return (uint32_t)le64(d + 8);
}

bfilter *bfilter_new(uint64_t bits)
{
    bfilter *f = xmalloc(sizeof *f);

    f->nblocks = (bits + 511) / 512;
    if (f->nblocks == 0)
        f->nblocks = 1;
    f->words = aligned_alloc(64, f->nblocks * 64);
    if (f->words == NULL)
        die("out of memory (a filter of %llu blocks)", (unsigned long long)f->nblocks);
    memset(f->words, 0, f->nblocks * 64);
    return f;
}

/* A record_sink: adds the record's digest (its bytes do not matter here). */
void bfilter_put(void *ctx, const uint8_t d[SLTD_DIGEST_SIZE], const void *val, size_t len)
{
    bfilter *f = ctx;
    uint64_t *w = f->words + block_of(f, d) * 8;
    const uint32_t k = bits_key(d);
    int i;

    (void)val;
    (void)len;
    for (i = 0; i < 8; i++)
        w[i] |= (uint64_t)1 << ((k * SALT[i]) >> 26);
}

static inline int test(const bfilter *f, const uint8_t *d)
{
    const uint64_t *w = f->words + block_of(f, d) * 8;
    const uint32_t k = bits_key(d);
    uint64_t acc = 1;
    int i;

    for (i = 0; i < 8; i++)
        acc &= w[i] >> ((k * SALT[i]) >> 26);
    return (int)(acc & 1);
}

int bfilter_test(const bfilter *f, const uint8_t d[SLTD_DIGEST_SIZE])
{
    return test(f, d);
}

const void *bfilter_block(const bfilter *f, const uint8_t d[SLTD_DIGEST_SIZE])
{
    return f->words + block_of(f, d) * 8;
}

uint64_t bfilter_bytes(const bfilter *f)
{
    return f->nblocks * 64;
}

void bfilter_free(bfilter *f)
{
    if (f == NULL)
        return;
    free(f->words);
    free(f);
}

typedef struct bloom_ctx {
    const bfilter *f;
    const uint8_t *dig;
} bloom_ctx;

static bloom_ctx g_ctx;

static int64_t measure_dependent(const workload *w, size_t lo, size_t hi, uint32_t *s, uint64_t *wall)
{
    const bloom_ctx *c = w->ctx;
    const size_t z = g_zero;
    uint64_t hits = 0;
    size_t i, pos = lo;
    timer t;
    int r;

    timer_start(&t, s, w->per);
    for (i = lo; i < hi; i++) {
        r = test(c->f, c->dig + pos * SLTD_DIGEST_SIZE);
        pos = i + 1 + ((size_t)r & z);
        hits += (uint64_t)r;
        tick_group(&t);
    }
    *wall = timer_wall(&t);
    return (int64_t)hits;
}

/* Its loop looks like measure_dependent's above and floors.c's on purpose: each timed loop is written out
 * in full around its one operation (see floors.c). */
static int64_t measure_prefetched(const workload *w, size_t lo, size_t hi, uint32_t *s, uint64_t *wall)
{
    const bloom_ctx *c = w->ctx;
    uint64_t hits = 0;
    size_t i;
    timer t;

    timer_start(&t, s, w->per);
    for (i = lo; i < hi; i++) {
        if (i + 8 < hi)
            __builtin_prefetch(bfilter_block(c->f, c->dig + (i + 8) * SLTD_DIGEST_SIZE));
        hits += (uint64_t)test(c->f, c->dig + i * SLTD_DIGEST_SIZE);
        tick_group(&t);
    }
    *wall = timer_wall(&t);
    return (int64_t)hits;
}

unsigned bfilter_workloads(workload *out, const bfilter *f, const inputs *in)
{
    g_ctx = (bloom_ctx){ f, in->dig_absent };
    out[0] = (workload){ .name = "bloom.miss", .measure = measure_dependent, .ctx = &g_ctx, .per = GROUP,
                         .present = -1 };
    out[1] = (workload){ .name = "bloom.miss.batch", .measure = measure_prefetched, .ctx = &g_ctx, .per = GROUP,
                         .present = -1 };
    return 2;
}
