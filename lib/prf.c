/* SPDX-License-Identifier: Apache-2.0 */
/* prf.c — the keyed PRF: SipHash-2-4-128 of a document's digest input, one at a time and many side by side (see prf.h). */
#include "prf.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "norm.h"
#include "simd.h"

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
#define SIPROUND_OF(v0, v1, v2, v3)                                                                         \
    do {                                                                                                    \
        v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);                                          \
        v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                                                             \
        v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                                                             \
        v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);                                          \
    } while (0)
#define SIPROUND SIPROUND_OF(v0, v1, v2, v3)
/* the initial state: "somepseudorandomlygeneratedbytes" */
#define IV0 0x736f6d6570736575ULL
#define IV1 0x646f72616e646f6dULL
#define IV2 0x6c7967656e657261ULL
#define IV3 0x7465646279746573ULL

/* `padded`: the input is followed by at least 7 zero bytes, so its last partial word is one load. */
static inline void siphash128(uint8_t out[16], const uint8_t *in, size_t len, uint64_t k0, uint64_t k1, int padded)
{
    uint64_t v0 = k0 ^ IV0, v1 = k1 ^ IV1 ^ 0xee, v2 = k0 ^ IV2, v3 = k1 ^ IV3;
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

/* Many digests at once (the batch lookup). The inputs lie side by side, each a zero-padded
 * SLTD__DIGEST_INPUT-byte buffer holding fewer than SLTD__DIGEST_INPUT bytes, so that each one's four
 * words load without a bound check and its last block is one load. Three paths, the widest the CPU has
 * chosen at run time (simd.h: SLTD_SIMD may cap it, to measure a narrower one); each gives the same
 * digests as the one-at-a-time siphash128 above, and test_keys compares every path with libsodium:
 *   - AVX-512: eight lanes, one per 64-bit element of a register. The eight inputs are transposed into
 *     four registers, "word i of every input"; the length byte joins each lane's last block under a
 *     mask, and a lane with fewer blocks keeps its state under a mask while the others compress.
 *   - AVX2: eight inputs too, as two groups of four lanes run side by side (a rotate takes three
 *     instructions where AVX-512 has one, and one group alone would wait on its rounds' latency).
 *   - portable C, two inputs interleaved in one loop: what CPUs without those run (aarch64 among them:
 *     its cores run the two dependency chains side by side). A NEON form, two 64-bit lanes without a
 *     rotate instruction, is not written.
 * The AVX2 and AVX-512 functions are the same rounds written twice on purpose, once per register width
 * and instruction set; a macro over both would hide which instructions run. */

/* Word i of a padded input of len bytes, with the length in the top byte of the last one (i == len / 8). */
static inline uint64_t block_word(const uint8_t *in, size_t len, size_t i)
{
    return load64_le(in + 8 * i) | (i == len / 8 ? (uint64_t)len << 56 : 0);
}

/* Two digests, their SipHash states interleaved: the blocks both inputs have, side by side; the longer
 * one's remaining blocks; both finalisations side by side. */
static void siphash128_x2(uint8_t (*out)[SLTD_DIGEST_SIZE], const uint8_t (*in)[SLTD__DIGEST_INPUT],
                          const uint8_t *len, uint64_t k0, uint64_t k1)
{
    uint64_t a0 = k0 ^ IV0, a1 = k1 ^ IV1 ^ 0xee, a2 = k0 ^ IV2, a3 = k1 ^ IV3;
    uint64_t b0 = a0, b1 = a1, b2 = a2, b3 = a3, m, n;
    const size_t la = len[0] / 8, lb = len[1] / 8, both = la < lb ? la : lb;
    size_t i;

    for (i = 0; i <= both; i++) {
        m = block_word(in[0], len[0], i);
        n = block_word(in[1], len[1], i);
        a3 ^= m;
        b3 ^= n;
        SIPROUND_OF(a0, a1, a2, a3);
        SIPROUND_OF(b0, b1, b2, b3);
        SIPROUND_OF(a0, a1, a2, a3);
        SIPROUND_OF(b0, b1, b2, b3);
        a0 ^= m;
        b0 ^= n;
    }
    for (; i <= la; i++) {
        m = block_word(in[0], len[0], i);
        a3 ^= m;
        SIPROUND_OF(a0, a1, a2, a3);
        SIPROUND_OF(a0, a1, a2, a3);
        a0 ^= m;
    }
    for (; i <= lb; i++) {
        n = block_word(in[1], len[1], i);
        b3 ^= n;
        SIPROUND_OF(b0, b1, b2, b3);
        SIPROUND_OF(b0, b1, b2, b3);
        b0 ^= n;
    }
    a2 ^= 0xee;
    b2 ^= 0xee;
    for (i = 0; i < 4; i++) {
        SIPROUND_OF(a0, a1, a2, a3);
        SIPROUND_OF(b0, b1, b2, b3);
    }
    store64_le(out[0], a0 ^ a1 ^ a2 ^ a3);
    store64_le(out[1], b0 ^ b1 ^ b2 ^ b3);
    a1 ^= 0xdd;
    b1 ^= 0xdd;
    for (i = 0; i < 4; i++) {
        SIPROUND_OF(a0, a1, a2, a3);
        SIPROUND_OF(b0, b1, b2, b3);
    }
    store64_le(out[0] + 8, a0 ^ a1 ^ a2 ^ a3);
    store64_le(out[1] + 8, b0 ^ b1 ^ b2 ^ b3);
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

/* The largest number of full 8-byte words among `lanes` lengths: the last block index. */
static inline size_t last_block(const uint8_t *len, int lanes)
{
    size_t maxb = 0;
    int l;

    for (l = 0; l < lanes; l++)
        if ((size_t)len[l] / 8 > maxb)
            maxb = (size_t)len[l] / 8;
    return maxb;
}


#define ROTL4(x, b) _mm256_or_si256(_mm256_slli_epi64((x), (b)), _mm256_srli_epi64((x), 64 - (b)))
#define ROTL4_32(x) _mm256_shuffle_epi32((x), _MM_SHUFFLE(2, 3, 0, 1))
/* a rotate by 16 moves whole bytes: one byte shuffle (rot16, below) instead of two shifts and an or */
#define ROTL4_16(x) _mm256_shuffle_epi8((x), rot16)
#define SIPROUND4_OF(v0, v1, v2, v3)                                                                        \
    do {                                                                                                    \
        v0 = _mm256_add_epi64(v0, v1); v1 = ROTL4(v1, 13); v1 = _mm256_xor_si256(v1, v0); v0 = ROTL4_32(v0); \
        v2 = _mm256_add_epi64(v2, v3); v3 = ROTL4_16(v3); v3 = _mm256_xor_si256(v3, v2);                    \
        v0 = _mm256_add_epi64(v0, v3); v3 = ROTL4(v3, 21); v3 = _mm256_xor_si256(v3, v0);                  \
        v2 = _mm256_add_epi64(v2, v1); v1 = ROTL4(v1, 17); v1 = _mm256_xor_si256(v1, v2); v2 = ROTL4_32(v2); \
    } while (0)
/* a SipRound of both groups of four lanes: two independent dependency chains side by side */
#define SIPROUND4X2                                                                                         \
    do {                                                                                                    \
        SIPROUND4_OF(a0, a1, a2, a3);                                                                       \
        SIPROUND4_OF(b0, b1, b2, b3);                                                                       \
    } while (0)

/* Four inputs as four registers: w[i] holds word i of inputs 0..3. */
__attribute__((target("avx2"))) static inline void transpose4(__m256i w[4], const uint8_t (*in)[SLTD__DIGEST_INPUT])
{
    const __m256i a = _mm256_loadu_si256((const __m256i *)in[0]), b = _mm256_loadu_si256((const __m256i *)in[1]);
    const __m256i c = _mm256_loadu_si256((const __m256i *)in[2]), d = _mm256_loadu_si256((const __m256i *)in[3]);
    const __m256i ab02 = _mm256_unpacklo_epi64(a, b), ab13 = _mm256_unpackhi_epi64(a, b);
    const __m256i cd02 = _mm256_unpacklo_epi64(c, d), cd13 = _mm256_unpackhi_epi64(c, d);

    w[0] = _mm256_permute2x128_si256(ab02, cd02, 0x20);
    w[1] = _mm256_permute2x128_si256(ab13, cd13, 0x20);
    w[2] = _mm256_permute2x128_si256(ab02, cd02, 0x31);
    w[3] = _mm256_permute2x128_si256(ab13, cd13, 0x31);
}

/* One block of a group of four lanes: each lane that has a block i compresses it (the length byte
 * joined to its last block); a lane past its last block keeps its state. */
#define BLOCK4_OF(v0, v1, v2, v3, w, last)                                                                  \
    do {                                                                                                    \
        const __m256i m_ = _mm256_or_si256(w[i], _mm256_and_si256(_mm256_cmpeq_epi64(last, vi), lenword_##w)); \
        const __m256i keep_ = _mm256_cmpgt_epi64(vi, last);                                                 \
        const __m256i s0_ = v0, s1_ = v1, s2_ = v2, s3_ = v3;                                               \
        v3 = _mm256_xor_si256(v3, m_);                                                                      \
        SIPROUND4_OF(v0, v1, v2, v3);                                                                       \
        SIPROUND4_OF(v0, v1, v2, v3);                                                                       \
        v0 = _mm256_xor_si256(v0, m_);                                                                      \
        v0 = _mm256_blendv_epi8(v0, s0_, keep_);                                                            \
        v1 = _mm256_blendv_epi8(v1, s1_, keep_);                                                            \
        v2 = _mm256_blendv_epi8(v2, s2_, keep_);                                                            \
        v3 = _mm256_blendv_epi8(v3, s3_, keep_);                                                            \
    } while (0)

/* Digest l of a group is (r0[l], r1[l]): interleave the two words, order the 128-bit halves, store. */
__attribute__((target("avx2"))) static inline void store4(uint8_t (*out)[SLTD_DIGEST_SIZE], __m256i r0, __m256i r1)
{
    const __m256i lo = _mm256_unpacklo_epi64(r0, r1); /* digests 0 and 2 */
    const __m256i hi = _mm256_unpackhi_epi64(r0, r1); /* digests 1 and 3 */

    _mm256_storeu_si256((__m256i *)out[0], _mm256_permute2x128_si256(lo, hi, 0x20));
    _mm256_storeu_si256((__m256i *)out[2], _mm256_permute2x128_si256(lo, hi, 0x31));
}

/* The AVX2 form of the AVX-512 lanes below (siphash128_x8_avx512), eight inputs too: AVX2 has four
 * 64-bit lanes and no rotate instruction, so one group of four would wait on its own rounds' latency;
 * two groups (a: inputs 0..3, b: 4..7) run as two independent chains that the core overlaps. The same
 * steps as the AVX-512 function, kept apart so each compiles for its own target with its own
 * intrinsics. */
__attribute__((target("avx2"))) static void siphash128_x8_avx2(uint8_t (*out)[SLTD_DIGEST_SIZE],
                                                               const uint8_t (*in)[SLTD__DIGEST_INPUT],
                                                               const uint8_t *len, uint64_t k0, uint64_t k1)
{
    const __m256i rot16 = _mm256_setr_epi8(6, 7, 0, 1, 2, 3, 4, 5, 14, 15, 8, 9, 10, 11, 12, 13, 6, 7, 0, 1, 2,
                                           3, 4, 5, 14, 15, 8, 9, 10, 11, 12, 13);
    __m256i a0 = _mm256_set1_epi64x((long long)(k0 ^ IV0));
    __m256i a1 = _mm256_set1_epi64x((long long)(k1 ^ IV1 ^ 0xee));
    __m256i a2 = _mm256_set1_epi64x((long long)(k0 ^ IV2));
    __m256i a3 = _mm256_set1_epi64x((long long)(k1 ^ IV3));
    __m256i b0 = a0, b1 = a1, b2 = a2, b3 = a3;
    __m256i wa[4], wb[4];
    uint32_t lena, lenb;
    size_t i, maxb = last_block(len, 8);

    memcpy(&lena, len, 4);
    memcpy(&lenb, len + 4, 4);
    const __m256i vlena = _mm256_cvtepu8_epi64(_mm_cvtsi32_si128((int)lena));
    const __m256i vlenb = _mm256_cvtepu8_epi64(_mm_cvtsi32_si128((int)lenb));
    const __m256i lasta = _mm256_srli_epi64(vlena, 3), lenword_wa = _mm256_slli_epi64(vlena, 56);
    const __m256i lastb = _mm256_srli_epi64(vlenb, 3), lenword_wb = _mm256_slli_epi64(vlenb, 56);

    transpose4(wa, in);
    transpose4(wb, in + 4);
    for (i = 0; i <= maxb; i++) {
        const __m256i vi = _mm256_set1_epi64x((long long)i);
        BLOCK4_OF(a0, a1, a2, a3, wa, lasta);
        BLOCK4_OF(b0, b1, b2, b3, wb, lastb);
    }
    a2 = _mm256_xor_si256(a2, _mm256_set1_epi64x(0xee));
    b2 = _mm256_xor_si256(b2, _mm256_set1_epi64x(0xee));
    for (i = 0; i < 4; i++)
        SIPROUND4X2;
    const __m256i ra0 = _mm256_xor_si256(_mm256_xor_si256(a0, a1), _mm256_xor_si256(a2, a3));
    const __m256i rb0 = _mm256_xor_si256(_mm256_xor_si256(b0, b1), _mm256_xor_si256(b2, b3));
    a1 = _mm256_xor_si256(a1, _mm256_set1_epi64x(0xdd));
    b1 = _mm256_xor_si256(b1, _mm256_set1_epi64x(0xdd));
    for (i = 0; i < 4; i++)
        SIPROUND4X2;
    store4(out, ra0, _mm256_xor_si256(_mm256_xor_si256(a0, a1), _mm256_xor_si256(a2, a3)));
    store4(out + 4, rb0, _mm256_xor_si256(_mm256_xor_si256(b0, b1), _mm256_xor_si256(b2, b3)));
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

/* The same in the eight lanes of AVX-512 (one register, a rotate instruction: one chain is enough).
 * The same steps as siphash128_x8_avx2: each register width has its own intrinsics, and a shared macro
 * body would hide which one runs. */
__attribute__((target("avx512f"))) static void siphash128_x8_avx512(uint8_t (*out)[SLTD_DIGEST_SIZE],
                                                                    const uint8_t (*in)[SLTD__DIGEST_INPUT],
                                                                    const uint8_t *len, uint64_t k0, uint64_t k1)
{
    __m512i v0 = _mm512_set1_epi64((long long)(k0 ^ IV0));
    __m512i v1 = _mm512_set1_epi64((long long)(k1 ^ IV1 ^ 0xee));
    __m512i v2 = _mm512_set1_epi64((long long)(k0 ^ IV2));
    __m512i v3 = _mm512_set1_epi64((long long)(k1 ^ IV3));
    __m512i w[4], r0, r1;
    __m256i wl[4], wh[4];
    size_t i, maxb = last_block(len, 8);
    int j;
    const __m512i vlen = _mm512_cvtepu8_epi64(_mm_loadl_epi64((const __m128i *)len));
    const __m512i last = _mm512_srli_epi64(vlen, 3), lenword = _mm512_slli_epi64(vlen, 56);

    transpose4(wl, in);
    transpose4(wh, in + 4);
    for (j = 0; j < 4; j++)
        w[j] = _mm512_inserti64x4(_mm512_castsi256_si512(wl[j]), wh[j], 1);
    for (i = 0; i <= maxb; i++) {
        const __m512i vi = _mm512_set1_epi64((long long)i);
        const __m512i m = _mm512_mask_or_epi64(w[i], _mm512_cmpeq_epi64_mask(last, vi), w[i], lenword);
        const __mmask8 run = _mm512_cmpge_epu64_mask(last, vi); /* lanes with a block i */
        const __m512i s0 = v0, s1 = v1, s2 = v2, s3 = v3;
        v3 = _mm512_xor_si512(v3, m);
        SIPROUND8;
        SIPROUND8;
        v0 = _mm512_xor_si512(v0, m);
        v0 = _mm512_mask_mov_epi64(s0, run, v0);
        v1 = _mm512_mask_mov_epi64(s1, run, v1);
        v2 = _mm512_mask_mov_epi64(s2, run, v2);
        v3 = _mm512_mask_mov_epi64(s3, run, v3);
    }
    v2 = _mm512_xor_si512(v2, _mm512_set1_epi64(0xee));
    SIPROUND8;
    SIPROUND8;
    SIPROUND8;
    SIPROUND8;
    r0 = _mm512_xor_si512(_mm512_xor_si512(v0, v1), _mm512_xor_si512(v2, v3));
    v1 = _mm512_xor_si512(v1, _mm512_set1_epi64(0xdd));
    SIPROUND8;
    SIPROUND8;
    SIPROUND8;
    SIPROUND8;
    r1 = _mm512_xor_si512(_mm512_xor_si512(v0, v1), _mm512_xor_si512(v2, v3));
    /* digest l is (r0[l], r1[l]): elements 0..7 of r0 are indices 0..7, those of r1 8..15 */
    _mm512_storeu_si512(out[0], _mm512_permutex2var_epi64(r0, _mm512_set_epi64(11, 3, 10, 2, 9, 1, 8, 0), r1));
    _mm512_storeu_si512(out[4], _mm512_permutex2var_epi64(r0, _mm512_set_epi64(15, 7, 14, 6, 13, 5, 12, 4), r1));
}

#endif

/* n digests by the path of a SIMD level (SLTD__SIMD_*), or one at a time (level -1). */
static void digest_many(uint8_t (*out)[SLTD_DIGEST_SIZE], const sltd__keys *k,
                        const uint8_t (*in)[SLTD__DIGEST_INPUT], const uint8_t *len, size_t n, int level)
{
    size_t i = 0;

#if defined(__x86_64__) && defined(__GNUC__)
    if (level == SLTD__SIMD_AVX512)
        for (; i + 8 <= n; i += 8)
            siphash128_x8_avx512(out + i, in + i, len + i, k->k0, k->k1);
    if (level == SLTD__SIMD_AVX2)
        for (; i + 8 <= n; i += 8)
            siphash128_x8_avx2(out + i, in + i, len + i, k->k0, k->k1);
#endif
    if (level >= SLTD__SIMD_NONE)
        for (; i + 2 <= n; i += 2)
            siphash128_x2(out + i, in + i, len + i, k->k0, k->k1);
    for (; i < n; i++)
        siphash128(out[i], in[i], len[i], k->k0, k->k1, 1);
}

void sltd__prf_digest_inputs(uint8_t (*out)[SLTD_DIGEST_SIZE], const sltd__keys *k,
                             const uint8_t (*in)[SLTD__DIGEST_INPUT], const uint8_t *len, size_t n)
{
    digest_many(out, k, in, len, n, sltd__simd_level());
}

int sltd__prf_lanes_check(const uint8_t key[16], const uint8_t (*in)[SLTD__DIGEST_INPUT], const uint8_t *len,
                          size_t n)
{
    /* each path: its level, the bit it sets when it ran, the inputs it needs to run at all */
    static const struct {
        int level, bit;
        size_t min;
    } paths[] = { { SLTD__SIMD_AVX512, 8, 8 }, { SLTD__SIMD_AVX2, 4, 8 }, { SLTD__SIMD_NONE, 2, 2 }, { -1, 0, 1 } };
    struct sltd__keys k;
    uint8_t got[SLTD__LANES_CHECK_MAX][SLTD_DIGEST_SIZE], want[SLTD_DIGEST_SIZE];
    size_t i, j;
    int bad = 0, ran = 0;
    const int have = sltd__simd_hardware();

    if (n > SLTD__LANES_CHECK_MAX)
        return -1;
    for (i = 0; i < n; i++)
        if (len[i] >= SLTD__DIGEST_INPUT)
            return -1;
    memcpy(k.prf, key, 16);
    k.k0 = load64_le(key);
    k.k1 = load64_le(key + 8);
    for (j = 0; j < sizeof paths / sizeof paths[0]; j++) {
        if (paths[j].level > have)
            continue;
        ran |= n >= paths[j].min ? paths[j].bit : 0;
        memset(got, 0, sizeof got);
        digest_many(got, &k, in, len, n, paths[j].level);
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
