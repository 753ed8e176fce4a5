/* SPDX-License-Identifier: Apache-2.0 */
/* bloom.c — the persisted, shared, blocked Bloom filter (see bloom.h). */
#include "bloom.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "checksum.h"
#include "crypto.h"
#include "simd.h"
#include "sltd.h"

#define MAGIC "SLTDBLM1"
#define ENDIAN_MARK 0x01020304u

static uint64_t static_check(const sltd__bloom_hdr *h)
{
    return sltd__checksum_xxh64(h, offsetof(sltd__bloom_hdr, static_check), 0);
}

static uint64_t block_hash(const sltd__bloom *b, uint64_t i)
{
    uint64_t copy[8];
    int w;

    /* acquire: a verifier's seqlock needs these reads ordered before its second look at seq (plain
     * loads on x86; a fence would do too, but TSan does not model fences) */
    for (w = 0; w < 8; w++)
        copy[w] = atomic_load_explicit(&b->words[i * 8 + w], memory_order_acquire);
    return sltd__checksum_xxh64(copy, sizeof copy, i);
}

static uint64_t full_checksum(const sltd__bloom *b)
{
    uint64_t sum = 0, i;

    for (i = 0; i < b->nblocks; i++)
        sum += block_hash(b, i);
    return sum;
}

static int map_file(sltd__bloom **out, int fd, size_t len, int writable)
{
    sltd__bloom *b = calloc(1, sizeof *b);
    void *m;

    if (b == NULL)
        return SLTD_ENOMEM;
    m = mmap(NULL, len, writable ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) {
        free(b);
        return errno == ENOMEM ? SLTD_ENOMEM : SLTD_EIO;
    }
    b->map = m;
    b->map_len = len;
    b->hdr = m;
    b->words = (_Atomic uint64_t *)((char *)m + SLTD__BLOOM_HDR_SIZE);
    *out = b;
    return SLTD_OK;
}

int sltd__bloom_create(sltd__bloom **out, const char *path, uint64_t capacity, unsigned bits_per_key)
{
    uint64_t nblocks = (capacity * bits_per_key + 511) / 512;
    size_t len;
    sltd__bloom *b = NULL;
    int fd, rc;

    *out = NULL;
    if (nblocks == 0)
        nblocks = 1;
    len = SLTD__BLOOM_HDR_SIZE + (size_t)nblocks * 64;
    fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return sltd__err(SLTD_EIO, "%s: cannot create filter file: %s", path, strerror(errno));
    if (ftruncate(fd, (off_t)len) != 0) {
        rc = sltd__err(errno == ENOSPC ? SLTD_EFULL : SLTD_EIO, "%s: cannot size filter file: %s", path,
                       strerror(errno));
        goto cleanup;
    }
    /* Allocate the blocks now: a sparse file would fail later, inside the mapping (SIGBUS), when the
     * disk fills up; this way a full disk is an error here. */
    if ((rc = posix_fallocate(fd, 0, (off_t)len)) != 0 && rc != EOPNOTSUPP && rc != EINVAL) {
        rc = sltd__err(rc == ENOSPC ? SLTD_EFULL : SLTD_EIO, "%s: cannot allocate the filter file: %s", path,
                       strerror(rc));
        goto cleanup;
    }
    rc = SLTD_OK;
    rc = map_file(&b, fd, len, 1);
    if (rc != SLTD_OK) {
        sltd__err(rc, "%s: cannot map filter file", path);
        goto cleanup;
    }
    b->nblocks = nblocks;
    memcpy(b->hdr->magic, MAGIC, 8);
    b->hdr->format = SLTD__BLOOM_FORMAT;
    b->hdr->endian = ENDIAN_MARK;
    b->hdr->nblocks = nblocks;
    b->hdr->capacity = capacity;
    b->hdr->bits_per_key = bits_per_key;
    b->hdr->k = SLTD__BLOOM_K;
    sltd__crypto_random(b->hdr->filter_id, sizeof b->hdr->filter_id);
    b->hdr->static_check = static_check(b->hdr);
    atomic_store(&b->hdr->seq, 1);
    *out = b;
cleanup:
    close(fd);
    return rc;
}

/* Only one writer ever sets bits (under the LMDB write lock, one thread at a time), so a plain load and
 * store per word does it: no locked instruction. Readers in other processes load the words with relaxed
 * atomics and see the old or the new word, never a torn one; the bits are in the file before the commit
 * that makes their keys visible (sltd__bloom_write_end flushes it first). */
static void set_bits(sltd__bloom *b, uint64_t blk, const uint8_t d[16])
{
    _Atomic uint64_t *w = b->words + blk * 8;
    uint64_t h1;
    int i;

    memcpy(&h1, d + 8, 8);
    for (i = 0; i < SLTD__BLOOM_K; i++)
        atomic_store_explicit(&w[i],
                              atomic_load_explicit(&w[i], memory_order_relaxed) |
                                  (uint64_t)1 << ((h1 >> (6 * i)) & 63),
                              memory_order_relaxed);
}

/* The single writer's add to a header counter (no locked instruction; see set_bits). */
static void bump(_Atomic uint64_t *c, uint64_t by)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + by, memory_order_relaxed);
}

void sltd__bloom_add_raw(sltd__bloom *b, const uint8_t d[16])
{
    set_bits(b, sltd__bloom_block(b, d), d);
    bump(&b->hdr->inserted, 1);
}

static int flush(sltd__bloom *b)
{
    if (msync(b->map, b->map_len, MS_SYNC) != 0)
        return sltd__err(SLTD_EIO, "cannot flush the filter file: %s", strerror(errno));
    return SLTD_OK;
}

int sltd__bloom_seal(sltd__bloom *b, uint64_t txnid)
{
    atomic_store_explicit(&b->hdr->checksum, full_checksum(b), memory_order_relaxed);
    atomic_store_explicit(&b->hdr->covered_txnid, txnid, memory_order_relaxed);
    atomic_store_explicit(&b->hdr->seq, 2, memory_order_release);
    return flush(b);
}

void sltd__bloom_write_begin(sltd__bloom *b)
{
    atomic_store_explicit(&b->hdr->writer_pid, (int32_t)getpid(), memory_order_release);
    atomic_fetch_add_explicit(&b->hdr->seq, 1, memory_order_acq_rel);
}

void sltd__bloom_add(sltd__bloom *b, const uint8_t d[16])
{
    uint64_t blk = sltd__bloom_block(b, d), before = block_hash(b, blk);

    set_bits(b, blk, d);
    bump(&b->hdr->checksum, block_hash(b, blk) - before);
    bump(&b->hdr->inserted, 1);
}

void sltd__bloom_rechecksum(sltd__bloom *b)
{
    atomic_store_explicit(&b->hdr->checksum, full_checksum(b), memory_order_relaxed);
}

int sltd__bloom_write_end(sltd__bloom *b, uint64_t txnid)
{
    uint64_t cur = atomic_load_explicit(&b->hdr->covered_txnid, memory_order_relaxed);

    if (txnid > cur)
        atomic_store_explicit(&b->hdr->covered_txnid, txnid, memory_order_relaxed);
    atomic_fetch_add_explicit(&b->hdr->seq, 1, memory_order_release);
    atomic_store_explicit(&b->hdr->writer_pid, 0, memory_order_relaxed);
    return flush(b);
}

int sltd__bloom_open(sltd__bloom **out, const char *path, int writable)
{
    struct stat st;
    sltd__bloom *b = NULL;
    const sltd__bloom_hdr *h;
    int fd, rc;

    *out = NULL;
    fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
    if (fd < 0 && writable && errno == EACCES)
        fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? SLTD_ENOENT : sltd__err(SLTD_EIO, "%s: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = SLTD_ECORRUPT;
        goto cleanup;
    }
    if (st.st_size < SLTD__BLOOM_HDR_SIZE + 64) {
        rc = sltd__err(SLTD_ECORRUPT, "%s: filter file truncated (%lld bytes)", path, (long long)st.st_size);
        goto cleanup;
    }
    rc = map_file(&b, fd, (size_t)st.st_size, writable);
    if (rc != SLTD_OK)
        goto cleanup;
    h = b->hdr;
    if (memcmp(h->magic, MAGIC, 8) != 0 || h->endian != ENDIAN_MARK || h->format != SLTD__BLOOM_FORMAT ||
        h->static_check != static_check(h) || h->k != SLTD__BLOOM_K || h->nblocks == 0 ||
        h->nblocks > (UINT64_MAX - SLTD__BLOOM_HDR_SIZE) / 64 ||
        (uint64_t)st.st_size != SLTD__BLOOM_HDR_SIZE + h->nblocks * 64) {
        rc = sltd__err(SLTD_ECORRUPT, "%s: filter file header or size is not valid", path);
        goto cleanup;
    }
    b->nblocks = h->nblocks;
    *out = b;
    b = NULL;
cleanup:
    sltd__bloom_close(b);
    close(fd);
    return rc;
}

/* Nobody is writing although seq is odd: the writer recorded its pid before making seq odd (so a
 * live writer's pid is always seen here), and that process no longer exists — or no pid was recorded
 * at all (a file left mid-update by other means). */
static int writer_dead(const sltd__bloom *b)
{
    int32_t pid = atomic_load_explicit(&b->hdr->writer_pid, memory_order_acquire);

    return pid <= 0 || (kill((pid_t)pid, 0) != 0 && errno == ESRCH);
}

int sltd__bloom_verify(const sltd__bloom *b)
{
    uint64_t s1 = atomic_load_explicit(&b->hdr->seq, memory_order_acquire), s2, sum, want;

    if (s1 & 1)
        return writer_dead(b) ? SLTD_ECORRUPT : SLTD_EBUSY;
    want = atomic_load_explicit(&b->hdr->checksum, memory_order_relaxed);
    sum = full_checksum(b);
    s2 = atomic_load_explicit(&b->hdr->seq, memory_order_acquire);
    if (s1 != s2)
        return SLTD_EBUSY; /* a writer began meanwhile: what was read may be half of its update */
    return sum == want ? SLTD_OK : SLTD_ECORRUPT;
}

void sltd__bloom_close(sltd__bloom *b)
{
    if (b == NULL)
        return;
    munmap(b->map, b->map_len);
    free(b);
}

void sltd__bloom_retire(sltd__bloom *b)
{
    atomic_store_explicit(&b->hdr->retired, 1, memory_order_release);
    msync(b->map, SLTD__BLOOM_HDR_SIZE, MS_SYNC);
}

void sltd__bloom_retire_path(const char *path)
{
    int fd = open(path, O_RDWR | O_CLOEXEC);
    struct stat st;
    void *m;

    if (fd < 0)
        return;
    if (fstat(fd, &st) == 0 && st.st_size >= SLTD__BLOOM_HDR_SIZE) {
        m = mmap(NULL, SLTD__BLOOM_HDR_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (m != MAP_FAILED) {
            atomic_store_explicit(&((sltd__bloom_hdr *)m)->retired, 1, memory_order_release);
            msync(m, SLTD__BLOOM_HDR_SIZE, MS_SYNC);
            munmap(m, SLTD__BLOOM_HDR_SIZE);
        }
    }
    close(fd);
}

void sltd__bloom_fill(const sltd__bloom *b, double *fill, double *fpr)
{
    uint64_t i, bits = 0;
    double fp = 0;
    int w;

    for (i = 0; i < b->nblocks; i++) {
        double p = 1;
        for (w = 0; w < 8; w++) {
            int c = __builtin_popcountll(atomic_load_explicit(&b->words[i * 8 + w], memory_order_relaxed));
            bits += (uint64_t)c;
            p *= c / 64.0;
        }
        fp += p;
    }
    *fill = (double)bits / ((double)b->nblocks * 512);
    *fpr = fp / (double)b->nblocks;
}

double sltd__bloom_fpr_target(unsigned bits_per_key)
{
    /* Keys per block are Poisson(lambda); a block holding j keys has each of its 8 probed words'
     * bit set with probability 1 - (63/64)^j. */
    double lambda = 512.0 / bits_per_key, p = exp(-lambda), fp = 0;
    int j;

    for (j = 0; j < 4096; j++) {
        if (j > 0)
            p *= lambda / j;
        fp += p * pow(1 - pow(63.0 / 64.0, j), SLTD__BLOOM_K);
    }
    return fp;
}

/* ---- many probes at once (the batch lookup) ----
 * One 64-byte block is one AVX-512 register (two AVX2 ones): the eight bit positions are shifted out of
 * h1 side by side, each word shifted right by its own, and the key is maybe present when every lane's
 * low bit is set. A vector load is not an atomic one, but the words only ever gain bits, and each bit
 * it reads is as before or after a concurrent writer's store, as with the relaxed loads of
 * sltd__bloom_test: a key committed before the probe is never missed. (A ThreadSanitizer build, which
 * cannot see that, uses the scalar probe.) */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__SANITIZE_THREAD__)
#include <immintrin.h>
#define BLOOM_SIMD 1

__attribute__((target("avx512f"))) static uint64_t test_many_avx512(const sltd__bloom *b, const uint8_t (*d)[16],
                                                                     size_t n)
{
    const __m512i pos = _mm512_set_epi64(42, 36, 30, 24, 18, 12, 6, 0), six = _mm512_set1_epi64(63);
    const __m512i one = _mm512_set1_epi64(1);
    uint64_t maybe = 0, h1;
    size_t j;

    for (j = 0; j < n; j++) {
        const __m512i w = _mm512_load_si512((const void *)(b->words + sltd__bloom_block(b, d[j]) * 8));
        memcpy(&h1, d[j] + 8, 8);
        const __m512i sh = _mm512_and_si512(_mm512_srlv_epi64(_mm512_set1_epi64((long long)h1), pos), six);
        maybe |= (uint64_t)(_mm512_test_epi64_mask(_mm512_srlv_epi64(w, sh), one) == 0xff) << j;
    }
    return maybe;
}

__attribute__((target("avx2"))) static uint64_t test_many_avx2(const sltd__bloom *b, const uint8_t (*d)[16], size_t n)
{
    const __m256i lo = _mm256_set_epi64x(18, 12, 6, 0), hi = _mm256_set_epi64x(42, 36, 30, 24);
    const __m256i six = _mm256_set1_epi64x(63), one = _mm256_set1_epi64x(1);
    uint64_t maybe = 0, h1;
    size_t j;

    for (j = 0; j < n; j++) {
        const __m256i *w = (const __m256i *)(const void *)(b->words + sltd__bloom_block(b, d[j]) * 8);
        memcpy(&h1, d[j] + 8, 8);
        const __m256i h = _mm256_set1_epi64x((long long)h1);
        const __m256i a = _mm256_srlv_epi64(_mm256_load_si256(w), _mm256_and_si256(_mm256_srlv_epi64(h, lo), six));
        const __m256i c = _mm256_srlv_epi64(_mm256_load_si256(w + 1), _mm256_and_si256(_mm256_srlv_epi64(h, hi), six));
        const __m256i all = _mm256_and_si256(_mm256_and_si256(a, c), one);
        maybe |= (uint64_t)(_mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpeq_epi64(all, one))) == 0xf) << j;
    }
    return maybe;
}

#endif

uint64_t sltd__bloom_test_many(const sltd__bloom *b, const uint8_t (*d)[16], size_t n, int width)
{
    uint64_t maybe = 0;
    size_t j;

#ifdef BLOOM_SIMD
    /* (an explicit width is capped by the hardware only: tests run every path the CPU has) */
    const int level = width == 0 ? sltd__simd_level() : sltd__simd_hardware();
    const int have = level == SLTD__SIMD_AVX512 ? 8 : level == SLTD__SIMD_AVX2 ? 4 : 1;
    if (width == 0 || width > have)
        width = have;
    if (width >= 8)
        return test_many_avx512(b, d, n);
    if (width >= 4)
        return test_many_avx2(b, d, n);
#else
    (void)width;
#endif
    for (j = 0; j < n; j++)
        maybe |= (uint64_t)sltd__bloom_test(b, d[j]) << j;
    return maybe;
}
