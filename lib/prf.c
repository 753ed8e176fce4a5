/* SPDX-License-Identifier: Apache-2.0 */
/* prf.c — the keyed PRF: SipHash-2-4-128 of a document's digest input, and its AVX2/AVX-512 lanes (see prf.h). */
#include "prf.h"

#include <stdatomic.h>
#include <string.h>

#include <sodium.h>

#include "norm.h"

#define KEY_CHECK_INPUT "sltd key check v1"

struct sltd__keys {
    unsigned char prf[crypto_shorthash_siphashx24_KEYBYTES];
    uint64_t k0, k1; /* the same key as two little-endian words, for the inlined SipHash below */
};

static inline uint64_t load64_le(const uint8_t *p)
{
    uint64_t v;

    memcpy(&v, p, 8); /* one load */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

static void store64_le(uint8_t *p, uint64_t v)
{
    int i;
    for (i = 0; i < 8; i++, v >>= 8)
        p[i] = (uint8_t)v;
}

sltd__keys *sltd__prf_key_new(const uint8_t key[16])
{
    sltd__keys *k = sodium_malloc(sizeof *k);

    if (k == NULL)
        return NULL;
    memcpy(k->prf, key, sizeof k->prf);
    k->k0 = load64_le(k->prf);
    k->k1 = load64_le(k->prf + 8);
    sodium_mprotect_readonly(k);
    return k;
}

void sltd__prf_key_free(sltd__keys *k)
{
    if (k != NULL)
        sodium_free(k); /* sodium_free wipes the memory before releasing it */
}

void sltd__prf_key_check(uint8_t out[SLTD_DIGEST_SIZE], const sltd__keys *k)
{
    crypto_shorthash_siphashx24(out, (const unsigned char *)KEY_CHECK_INPUT, sizeof KEY_CHECK_INPUT - 1, k->prf);
}

/* SipHash-2-4 with 128-bit output (Aumasson and Bernstein, "SipHash: a fast short-input PRF", and the
 * 128-bit variant of the reference implementation): the function libsodium exposes as
 * crypto_shorthash_siphashx24, written out here so that the lookup path pays no call overhead or
 * per-call key setup (sltd-bench's sltd.digest row measures it). test_keys checks it bit for bit
 * against libsodium on random inputs of every length from 0 to 64. */
#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                                            \
    do {                                                                                                    \
        v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);                                          \
        v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                                                             \
        v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                                                             \
        v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);                                          \
    } while (0)

/* `padded`: the input is followed by at least 7 zero bytes, so its last partial word is one load. */
static inline void siphash128(uint8_t out[16], const uint8_t *in, size_t len, uint64_t k0, uint64_t k1, int padded)
{
    uint64_t v0 = k0 ^ 0x736f6d6570736575ULL, v1 = k1 ^ 0x646f72616e646f6dULL ^ 0xee;
    uint64_t v2 = k0 ^ 0x6c7967656e657261ULL, v3 = k1 ^ 0x7465646279746573ULL;
    uint64_t m, b = (uint64_t)len << 56;
    size_t i, left = len & 7;

    for (i = 0; i + 8 <= len; i += 8) {
        m = load64_le(in + i);
        v3 ^= m;
        SIPROUND;
        SIPROUND;
        v0 ^= m;
    }
    if (padded)
        m = left ? load64_le(in + i) : 0;
    else
        for (m = 0; left > 0; left--)
            m |= (uint64_t)in[i + left - 1] << (8 * (left - 1));
    b |= m;
    v3 ^= b;
    SIPROUND;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xee;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    store64_le(out, v0 ^ v1 ^ v2 ^ v3);
    v1 ^= 0xdd;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    store64_le(out + 8, v0 ^ v1 ^ v2 ^ v3);
}

_Static_assert(SLTD__KEY_INPUT == SLTD__DIGEST_INPUT, "the digest input is laid out by norm.c");

void sltd__prf_digest(uint8_t out[SLTD_DIGEST_SIZE], const sltd__keys *k, const char *state, size_t slen,
                  const char *number, size_t nlen)
{
    uint8_t in[SLTD__KEY_INPUT];
    const size_t len = sltd__norm_key_compose(in, state, slen, number, nlen);

    siphash128(out, in, len, k->k0, k->k1, 1);
}

void sltd__prf_digest_input(uint8_t out[SLTD_DIGEST_SIZE], const sltd__keys *k, const uint8_t *in, size_t len)
{
    siphash128(out, in, len, k->k0, k->k1, 1);
}

/* Many digests at once (the batch lookup). Inputs: zero-padded SLTD__DIGEST_INPUT buffers. With AVX-512
 * (eight 64-bit lanes, native rotates) or AVX2 (four lanes), checked at run time, the SipHash states
 * of several inputs run side by side in one register set; lanes whose input has fewer 8-byte blocks
 * hold their state while the others compress. The rest go one at a time. test_keys compares every
 * path with libsodium. The AVX2 and AVX-512 functions are the same SipHash rounds written twice on
 * purpose, once per register width and instruction set (the shared per-lane steps are the helpers
 * lane_blocks, lane_words and lane_store); a macro over both would hide which instructions run. */
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define ROTL4(x, b) _mm256_or_si256(_mm256_slli_epi64((x), (b)), _mm256_srli_epi64((x), 64 - (b)))
#define ROTL4_32(x) _mm256_shuffle_epi32((x), _MM_SHUFFLE(2, 3, 0, 1))
#define SIPROUND4                                                                                           \
    do {                                                                                                    \
        v0 = _mm256_add_epi64(v0, v1); v1 = ROTL4(v1, 13); v1 = _mm256_xor_si256(v1, v0); v0 = ROTL4_32(v0); \
        v2 = _mm256_add_epi64(v2, v3); v3 = ROTL4(v3, 16); v3 = _mm256_xor_si256(v3, v2);                  \
        v0 = _mm256_add_epi64(v0, v3); v3 = ROTL4(v3, 21); v3 = _mm256_xor_si256(v3, v0);                  \
        v2 = _mm256_add_epi64(v2, v1); v1 = ROTL4(v1, 17); v1 = _mm256_xor_si256(v1, v2); v2 = ROTL4_32(v2); \
    } while (0)

/* Blocks of each lane's input (nb[l] full ones; block nb[l] is the last, with the tail and the length);
 * returns the largest nb[l]. */
static inline size_t lane_blocks(size_t *nb, const size_t *len, int lanes)
{
    size_t maxb = 0;
    int l;

    for (l = 0; l < lanes; l++) {
        nb[l] = len[l] / 8;
        if (nb[l] > maxb)
            maxb = nb[l];
    }
    return maxb;
}

/* The digests of the lanes: first words r0[l], second words r1[l]. */
static inline void lane_store(uint8_t *const out[], const uint64_t *r0, const uint64_t *r1, int lanes)
{
    int l;

    for (l = 0; l < lanes; l++) {
        store64_le(out[l], r0[l]);
        store64_le(out[l] + 8, r1[l]);
    }
}

/* The message word of block i of each lane (its tail and length in the last block, nb[l]), and
 * which lanes have no block i (all ones: they hold their state). */
static inline void lane_words(uint64_t *w, uint64_t *done, const uint8_t *const *in, const size_t *len,
                              const size_t *nb, size_t i, int lanes)
{
    int l;

    for (l = 0; l < lanes; l++) {
        w[l] = i <= nb[l] ? load64_le(in[l] + 8 * i) | (i == nb[l] ? (uint64_t)len[l] << 56 : 0) : 0;
        done[l] = i <= nb[l] ? 0 : ~(uint64_t)0;
    }
}

__attribute__((target("avx2"))) static void siphash128_x4_avx2(uint8_t *const out[], const uint8_t *const in[],
                                                               const size_t len[], uint64_t k0, uint64_t k1)
{
    __m256i v0 = _mm256_set1_epi64x((long long)(k0 ^ 0x736f6d6570736575ULL));
    __m256i v1 = _mm256_set1_epi64x((long long)(k1 ^ 0x646f72616e646f6dULL ^ 0xee));
    __m256i v2 = _mm256_set1_epi64x((long long)(k0 ^ 0x6c7967656e657261ULL));
    __m256i v3 = _mm256_set1_epi64x((long long)(k1 ^ 0x7465646279746573ULL));
    size_t nb[4], maxb = lane_blocks(nb, len, 4), i;
    uint64_t w[4], done[4], r0[4], r1[4];

    for (i = 0; i <= maxb; i++) {
        __m256i m, keep, s0 = v0, s1 = v1, s2 = v2, s3 = v3;
        lane_words(w, done, in, len, nb, i, 4);
        m = _mm256_loadu_si256((const __m256i *)w);
        keep = _mm256_loadu_si256((const __m256i *)done);
        v3 = _mm256_xor_si256(v3, m);
        SIPROUND4;
        SIPROUND4;
        v0 = _mm256_xor_si256(v0, m);
        v0 = _mm256_blendv_epi8(v0, s0, keep);
        v1 = _mm256_blendv_epi8(v1, s1, keep);
        v2 = _mm256_blendv_epi8(v2, s2, keep);
        v3 = _mm256_blendv_epi8(v3, s3, keep);
    }
    v2 = _mm256_xor_si256(v2, _mm256_set1_epi64x(0xee));
    SIPROUND4;
    SIPROUND4;
    SIPROUND4;
    SIPROUND4;
    _mm256_storeu_si256((__m256i *)r0, _mm256_xor_si256(_mm256_xor_si256(v0, v1), _mm256_xor_si256(v2, v3)));
    v1 = _mm256_xor_si256(v1, _mm256_set1_epi64x(0xdd));
    SIPROUND4;
    SIPROUND4;
    SIPROUND4;
    SIPROUND4;
    _mm256_storeu_si256((__m256i *)r1, _mm256_xor_si256(_mm256_xor_si256(v0, v1), _mm256_xor_si256(v2, v3)));
    lane_store(out, r0, r1, 4);
}

#define SIPROUND8                                                                                           \
    do {                                                                                                    \
        v0 = _mm512_add_epi64(v0, v1); v1 = _mm512_rol_epi64(v1, 13); v1 = _mm512_xor_si512(v1, v0);        \
        v0 = _mm512_rol_epi64(v0, 32);                                                                      \
        v2 = _mm512_add_epi64(v2, v3); v3 = _mm512_rol_epi64(v3, 16); v3 = _mm512_xor_si512(v3, v2);        \
        v0 = _mm512_add_epi64(v0, v3); v3 = _mm512_rol_epi64(v3, 21); v3 = _mm512_xor_si512(v3, v0);        \
        v2 = _mm512_add_epi64(v2, v1); v1 = _mm512_rol_epi64(v1, 17); v1 = _mm512_xor_si512(v1, v2);        \
        v2 = _mm512_rol_epi64(v2, 32);                                                                      \
    } while (0)

/* The same in the eight lanes of AVX-512, whose rotate is one instruction (AVX2 needs three). */
__attribute__((target("avx512f"))) static void siphash128_x8_avx512(uint8_t *const out[], const uint8_t *const in[],
                                                                    const size_t len[], uint64_t k0, uint64_t k1)
{
    __m512i v0 = _mm512_set1_epi64((long long)(k0 ^ 0x736f6d6570736575ULL));
    __m512i v1 = _mm512_set1_epi64((long long)(k1 ^ 0x646f72616e646f6dULL ^ 0xee));
    __m512i v2 = _mm512_set1_epi64((long long)(k0 ^ 0x6c7967656e657261ULL));
    __m512i v3 = _mm512_set1_epi64((long long)(k1 ^ 0x7465646279746573ULL));
    size_t nb[8], maxb = lane_blocks(nb, len, 8), i;
    uint64_t w[8], done[8], r0[8], r1[8];

    for (i = 0; i <= maxb; i++) {
        __m512i m, s0 = v0, s1 = v1, s2 = v2, s3 = v3;
        __mmask8 keep;
        lane_words(w, done, in, len, nb, i, 8);
        m = _mm512_loadu_si512(w);
        keep = _mm512_test_epi64_mask(_mm512_loadu_si512(done), _mm512_loadu_si512(done));
        v3 = _mm512_xor_si512(v3, m);
        SIPROUND8;
        SIPROUND8;
        v0 = _mm512_xor_si512(v0, m);
        v0 = _mm512_mask_mov_epi64(v0, keep, s0);
        v1 = _mm512_mask_mov_epi64(v1, keep, s1);
        v2 = _mm512_mask_mov_epi64(v2, keep, s2);
        v3 = _mm512_mask_mov_epi64(v3, keep, s3);
    }
    v2 = _mm512_xor_si512(v2, _mm512_set1_epi64(0xee));
    SIPROUND8;
    SIPROUND8;
    SIPROUND8;
    SIPROUND8;
    _mm512_storeu_si512(r0, _mm512_xor_si512(_mm512_xor_si512(v0, v1), _mm512_xor_si512(v2, v3)));
    v1 = _mm512_xor_si512(v1, _mm512_set1_epi64(0xdd));
    SIPROUND8;
    SIPROUND8;
    SIPROUND8;
    SIPROUND8;
    _mm512_storeu_si512(r1, _mm512_xor_si512(_mm512_xor_si512(v0, v1), _mm512_xor_si512(v2, v3)));
    lane_store(out, r0, r1, 8);
}

/* 8 when the CPU has AVX-512F, 4 with AVX2, else 1: how many lanes the batch hash runs. */
static int simd_lanes(void)
{
    static _Atomic int cached = -1; /* benign race: every thread computes the same answer */
    int v = atomic_load_explicit(&cached, memory_order_relaxed);

    if (v < 0) {
        __builtin_cpu_init();
        v = __builtin_cpu_supports("avx512f") ? 8 : __builtin_cpu_supports("avx2") ? 4 : 1;
        atomic_store_explicit(&cached, v, memory_order_relaxed);
    }
    return v;
}
#else
static int simd_lanes(void)
{
    return 1;
}
#endif

/* n digests with at most max_lanes SIMD lanes (1: one at a time). */
static void digest_many(uint8_t *const out[], const sltd__keys *k, const uint8_t *const in[], const size_t len[],
                        size_t n, int max_lanes)
{
    size_t i = 0;

#if defined(__x86_64__) && defined(__GNUC__)
    if (max_lanes >= 8)
        for (; i + 8 <= n; i += 8)
            siphash128_x8_avx512(out + i, in + i, len + i, k->k0, k->k1);
    if (max_lanes >= 4)
        for (; i + 4 <= n; i += 4)
            siphash128_x4_avx2(out + i, in + i, len + i, k->k0, k->k1);
#else
    (void)max_lanes;
#endif
    for (; i < n; i++)
        siphash128(out[i], in[i], len[i], k->k0, k->k1, 1);
}

void sltd__prf_digest_inputs(uint8_t *const out[], const sltd__keys *k, const uint8_t *const in[], const size_t len[],
                         size_t n)
{
    digest_many(out, k, in, len, n, simd_lanes());
}

int sltd__prf_lanes_check(const uint8_t key[16], const uint8_t *const in[], const size_t len[], size_t n)
{
    static const int widths[] = { 8, 4, 1 };
    struct sltd__keys k;
    uint8_t got[SLTD__LANES_CHECK_MAX][16], want[16];
    uint8_t *outp[SLTD__LANES_CHECK_MAX];
    size_t i, j;
    int bad = 0, ran = 0, have = simd_lanes();

    if (n > SLTD__LANES_CHECK_MAX)
        return -1;
    memcpy(k.prf, key, 16);
    k.k0 = load64_le(key);
    k.k1 = load64_le(key + 8);
    for (i = 0; i < n; i++)
        outp[i] = got[i];
    for (j = 0; j < sizeof widths / sizeof widths[0]; j++) {
        if (widths[j] > have)
            continue;
        ran |= widths[j] > 1 && (size_t)widths[j] <= n ? widths[j] : 0;
        memset(got, 0, sizeof got);
        digest_many(outp, &k, in, len, n, widths[j]);
        for (i = 0; i < n; i++) {
            crypto_shorthash_siphashx24(want, in[i], len[i], key);
            bad |= memcmp(got[i], want, 16) != 0;
        }
    }
    sodium_memzero(&k, sizeof k);
    return bad ? -1 : ran;
}

void sltd__prf_reference_check(uint8_t ours[16], uint8_t sodium[16], const uint8_t key[16], const uint8_t *in,
                                   size_t len)
{
    uint8_t padded[64 + 8] = { 0 };

    /* both of ours (generic tail, padded tail) against libsodium's */
    siphash128(ours, in, len, load64_le(key), load64_le(key + 8), 0);
    crypto_shorthash_siphashx24(sodium, in, len, key);
    if (len <= 64) {
        uint8_t again[16];
        memcpy(padded, in, len);
        siphash128(again, padded, len, load64_le(key), load64_le(key + 8), 1);
        if (memcmp(again, ours, 16) != 0)
            memset(ours, 0, 16), ours[0] = (uint8_t)~sodium[0]; /* make the comparison fail */
    }
}
