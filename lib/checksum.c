/* SPDX-License-Identifier: Apache-2.0 */
/* checksum.c — XXH3 checksums and the state sum (see checksum.h). */
#include "checksum.h"

#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

void sltd__checksum_xxh128(uint8_t out[16], const void *a, size_t alen, const void *b, size_t blen)
{
    unsigned char buf[256];
    XXH128_canonical_t c;
    XXH128_hash_t h;

    if (alen + blen <= sizeof buf) {
        memcpy(buf, a, alen);
        memcpy(buf + alen, b, blen);
        h = XXH3_128bits(buf, alen + blen);
    } else {
        XXH3_state_t st;
        XXH3_128bits_reset(&st);
        XXH3_128bits_update(&st, a, alen);
        XXH3_128bits_update(&st, b, blen);
        h = XXH3_128bits_digest(&st);
    }
    XXH128_canonicalFromHash(&c, h);
    memcpy(out, c.digest, 16);
}

uint64_t sltd__checksum_xxh64(const void *p, size_t n, uint64_t seed)
{
    return XXH3_64bits_withSeed(p, n, seed);
}

void sltd__checksum_sum(uint8_t acc[16], const uint8_t v[16], int sign)
{
    unsigned carry = 0;
    int i;

    for (i = 15; i >= 0; i--) {
        unsigned x = sign > 0 ? (unsigned)acc[i] + v[i] + carry : (unsigned)acc[i] - v[i] - carry;
        carry = sign > 0 ? (x >> 8) : ((x >> 8) ? 1u : 0u);
        acc[i] = (uint8_t)x;
    }
}
