/* SPDX-License-Identifier: Apache-2.0 */
/* bytescan.h — the text scanners' 16-bytes-at-a-time steps (internal, pure): where the first of a few
 * byte values is in a block, where two byte values are (bit masks: a CSV row's commas and quotes), how a
 * CSV line starts (its quotes' parity, a comma), whether a block holds only MRZ characters. With GCC's
 * and Clang's vector
 * types (SSE2 on x86-64, NEON on aarch64, both in every CPU of those) on little-endian machines;
 * elsewhere SLTD__BYTESCAN is 0 and the callers scan byte by byte, as they do for a line's last bytes.
 * Building with -DSLTD_NO_BYTESCAN takes the byte-by-byte way everywhere (to test it). */
#ifndef SLTD_BYTESCAN_H
#define SLTD_BYTESCAN_H

#include <string.h>

#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && !defined(SLTD_NO_BYTESCAN)
#define SLTD__BYTESCAN 1

typedef unsigned char sltd__u8x16 __attribute__((vector_size(16)));
typedef unsigned long long sltd__u64x2 __attribute__((vector_size(16)));

static inline sltd__u8x16 sltd__load16(const void *p)
{
    sltd__u8x16 v;

    memcpy(&v, p, sizeof v);
    return v;
}

/* Offset of the first lane set (all ones) at or after `from` (0-15) in m, or 16. Lane i is byte i of
 * the two 64-bit halves: little-endian. */
static inline unsigned sltd__first_lane(sltd__u8x16 m, unsigned from)
{
    sltd__u64x2 w;

    memcpy(&w, &m, sizeof w);
    if (from >= 8) {
        w[0] = 0;
        w[1] &= ~0ULL << (8 * (from - 8));
    } else {
        w[0] &= ~0ULL << (8 * from);
    }
    if (w[0] != 0)
        return (unsigned)__builtin_ctzll(w[0]) / 8;
    return w[1] != 0 ? 8 + (unsigned)__builtin_ctzll(w[1]) / 8 : 16;
}

/* Offset of the first byte equal to a, b, c or d among p[from, 16) (from 0-15), or 16. */
static inline unsigned sltd__first_of4(const void *p, unsigned from, unsigned char a, unsigned char b,
                                       unsigned char c, unsigned char d)
{
    const sltd__u8x16 v = sltd__load16(p);

    return sltd__first_lane((sltd__u8x16)(v == a) | (sltd__u8x16)(v == b) | (sltd__u8x16)(v == c) |
                                (sltd__u8x16)(v == d),
                            from);
}

/* Bit i set where lane i of m is set (all ones): SSE2's byte mask on x86-64; elsewhere the lanes' top
 * bits gathered by one multiply a half. */
static inline unsigned sltd__lanes16(sltd__u8x16 m)
{
#if defined(__SSE2__)
    typedef char i8x16 __attribute__((vector_size(16)));

    return (unsigned)__builtin_ia32_pmovmskb128((i8x16)m);
#else
    const unsigned long long top = 0x8080808080808080ULL, gather = 0x0002040810204081ULL;
    sltd__u64x2 w;

    memcpy(&w, &m, sizeof w);
    return (unsigned)(((w[0] & top) * gather) >> 56) | (unsigned)(((w[1] & top) * gather) >> 56) << 8;
#endif
}

/* Bit i of *ma set where byte i of the 16 at p is a, of *mb where it is b. */
static inline void sltd__mask16_each(const void *p, unsigned char a, unsigned char b, unsigned *ma,
                                     unsigned *mb)
{
    const sltd__u8x16 v = sltd__load16(p);

    *ma = sltd__lanes16((sltd__u8x16)(v == a));
    *mb = sltd__lanes16((sltd__u8x16)(v == b));
}

/* A CSV line p[0, n) (csvread.c), 16 bytes at a time: the offset of its first LF, CR or NUL, or, when
 * none is in its whole 16-byte blocks, of the bytes after those (fewer than 16, for the caller to scan);
 * the quotes before that offset counted modulo 2 (*odd), and whether a ',' is before it (*comma). The
 * blocks' quote masks are xored together: the parity of their union's bits is that of the count. */
static inline size_t sltd__csv_blocks(const unsigned char *p, size_t n, int *odd, int *comma)
{
    unsigned q = 0, c = 0;
    size_t i;

    for (i = 0; i + 16 <= n; i += 16) {
        const sltd__u8x16 v = sltd__load16(p + i);
        const unsigned stop = sltd__lanes16((sltd__u8x16)(v == (unsigned char)'\n') |
                                            (sltd__u8x16)(v == (unsigned char)'\r') | (sltd__u8x16)(v == 0));
        const unsigned qm = sltd__lanes16((sltd__u8x16)(v == (unsigned char)'"'));
        const unsigned cm = sltd__lanes16((sltd__u8x16)(v == (unsigned char)','));

        if (stop != 0) { /* only the bytes before it count */
            const unsigned before = (stop & (0u - stop)) - 1;
            q ^= qm & before;
            c |= cm & before;
            i += (size_t)__builtin_ctz(stop);
            break;
        }
        q ^= qm;
        c |= cm;
    }
    *odd = __builtin_parity(q);
    *comma = c != 0;
    return i;
}

/* Do the 16 bytes at p hold only [A-Z0-9<] (letters: only [A-Z<])? */
static inline int sltd__mrz_block16(const void *p, int letters)
{
    const sltd__u8x16 v = sltd__load16(p);
    sltd__u8x16 ok = (sltd__u8x16)((sltd__u8x16)(v - (unsigned char)'A') < 26) | (sltd__u8x16)(v == (unsigned char)'<');
    sltd__u64x2 w;

    if (!letters)
        ok |= (sltd__u8x16)((sltd__u8x16)(v - (unsigned char)'0') < 10);
    memcpy(&w, &ok, sizeof w);
    return (w[0] & w[1]) == ~0ULL;
}
#else
#define SLTD__BYTESCAN 0
#endif

#endif
