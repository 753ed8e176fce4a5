/* SPDX-License-Identifier: Apache-2.0 */
/* bloom.h — the cache-line-blocked Bloom filter, persisted in one file that every process maps shared.
 *
 * File layout (format 1, host byte order, checked by an endianness marker):
 *   [0, 4096)        header (struct sltd__bloom_hdr, zero-padded)
 *   [4096, +64*B)    B blocks of 512 bits = 8 words of 64 bits
 * A key with digest d (16 bytes, read as two host-order words h0, h1) lives in block
 * floor(h0 * B / 2^64) and sets bit (h1 >> 6i) & 63 of word i, for i = 0..7 (k = 8).
 *
 * Coherence: the writer (one at a time, under the LMDB write lock) sets bits BEFORE the LMDB commit
 * that adds the keys and never clears a bit. A rebuild writes a new file, renames it over the old one,
 * and sets `retired` in the old one; mappers notice it and map the new file.
 *
 * Integrity: `checksum` is the sum over blocks of XXH3-64(block, seed = block index), kept up to date
 * by the writer; `seq` is odd while the writer modifies the file (a seqlock for readers that verify). */
#ifndef SLTD_BLOOM_H
#define SLTD_BLOOM_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define SLTD__BLOOM_FORMAT 1
#define SLTD__BLOOM_HDR_SIZE 4096
#define SLTD__BLOOM_K 8
#define SLTD__BLOOM_MIN_CAPACITY 65536

typedef struct sltd__bloom_hdr {
    char magic[8];         /* "SLTDBLM1" */
    uint32_t format;       /* SLTD__BLOOM_FORMAT */
    uint32_t endian;       /* 0x01020304 in host order */
    uint64_t nblocks;
    uint64_t capacity;     /* keys it was sized for */
    uint32_t bits_per_key;
    uint32_t k;
    uint8_t filter_id[16]; /* random; the database's meta names the filter it belongs to */
    uint64_t static_check; /* XXH3-64 of the fields above */
    _Atomic uint64_t seq;
    _Atomic uint64_t checksum;
    _Atomic uint64_t inserted;      /* keys added since it was built (with repeats) */
    _Atomic uint64_t covered_txnid; /* LMDB transaction whose keys it holds, and every one before */
    _Atomic uint32_t retired;       /* 1: replaced by a newer file at the same path */
    _Atomic int32_t writer_pid;     /* while seq is odd: the writing process (0 otherwise), so that a
                                       verifier need not wait for a writer that died */
} sltd__bloom_hdr;

typedef struct sltd__bloom {
    void *map;
    size_t map_len;
    sltd__bloom_hdr *hdr;
    _Atomic uint64_t *words;
    uint64_t nblocks;
    struct sltd__bloom *next; /* the owner's list of retired mappings */
    uint64_t valid_from;      /* the owner's note, set before it publishes the mapping: the LMDB
                                 transaction from which this file holds every committed key */
} sltd__bloom;

/* Create a new, empty filter file at `path` (replacing any file there) sized for `capacity` keys at
 * `bits_per_key`, and map it writable. Its seq is odd (under construction) until sltd__bloom_seal(). */
int sltd__bloom_create(sltd__bloom **out, const char *path, uint64_t capacity, unsigned bits_per_key);
/* Set a key's bits without maintaining the checksum (construction only). */
void sltd__bloom_add_raw(sltd__bloom *b, const uint8_t d[16]);
/* Compute the checksum, mark it covering `txnid`, make seq even and flush it to disk. */
int sltd__bloom_seal(sltd__bloom *b, uint64_t txnid);

/* Map an existing filter file and validate its header and size (not its contents).
 * SLTD_ENOENT when missing, SLTD_ECORRUPT when damaged, SLTD_EIO. */
int sltd__bloom_open(sltd__bloom **out, const char *path, int writable);
/* Check the contents against the checksum, at once: never waits for a writer.
 * 0; SLTD_EBUSY: a live writer is modifying the file at this instant (or began during the check), so
 * it cannot be verified now; SLTD_ECORRUPT: damaged, or left mid-update by a writer that died. */
int sltd__bloom_verify(const sltd__bloom *b);
void sltd__bloom_close(sltd__bloom *b);

/* The writer's section: begin (seq odd), add keys (checksum kept), end (covered txnid, seq even,
 * flushed to disk: before the LMDB commit). */
void sltd__bloom_write_begin(sltd__bloom *b);
void sltd__bloom_add(sltd__bloom *b, const uint8_t d[16]);
int sltd__bloom_write_end(sltd__bloom *b, uint64_t txnid);

/* Inside the writer's section: recompute the content checksum from scratch (after many
 * sltd__bloom_add_raw calls, cheaper than keeping it current key by key). */
void sltd__bloom_rechecksum(sltd__bloom *b);

/* Mark a filter file as replaced (works on a damaged file too, if its header is mapped). */
void sltd__bloom_retire(sltd__bloom *b);
/* Mark the filter file at `path` as replaced without validating it; best effort. */
void sltd__bloom_retire_path(const char *path);

/* Fraction of bits set, and the false-positive rate that fill gives for random absent keys. */
void sltd__bloom_fill(const sltd__bloom *b, double *fill, double *fpr);
/* The false-positive rate of a filter of this shape holding exactly its capacity. */
double sltd__bloom_fpr_target(unsigned bits_per_key);

static inline uint64_t sltd__bloom_block(const sltd__bloom *b, const uint8_t d[16])
{
    uint64_t h0;
    memcpy(&h0, d, 8);
    __extension__ typedef unsigned __int128 u128;
    return (uint64_t)(((u128)h0 * b->nblocks) >> 64);
}

static inline void sltd__bloom_prefetch(const sltd__bloom *b, const uint8_t d[16])
{
    __builtin_prefetch((const void *)(b->words + sltd__bloom_block(b, d) * 8));
}

/* 1: maybe present; 0: certainly absent. Safe against a concurrent writer (relaxed atomic loads). */
static inline int sltd__bloom_test(const sltd__bloom *b, const uint8_t d[16])
{
    const _Atomic uint64_t *w = b->words + sltd__bloom_block(b, d) * 8;
    uint64_t h1, acc = 1;
    int i;

    memcpy(&h1, d + 8, 8);
    for (i = 0; i < SLTD__BLOOM_K; i++)
        acc &= atomic_load_explicit(&w[i], memory_order_relaxed) >> ((h1 >> (6 * i)) & 63);
    return (int)(acc & 1);
}

/* Probe n (<= 64) digests: bit j of the result is sltd__bloom_test(b, d[j]). width: 0 the widest path
 * sltd__simd_level allows (AVX-512, AVX2, else one at a time); 8, 4 or 1 at most that wide, as far as the CPU has it (for tests). */
uint64_t sltd__bloom_test_many(const sltd__bloom *b, const uint8_t (*d)[16], size_t n, int width);

#endif
