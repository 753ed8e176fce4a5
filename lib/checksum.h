/* SPDX-License-Identifier: Apache-2.0 */
/* checksum.h — unkeyed checksums: XXH3-64/128 and the order-independent state sum. */
#ifndef SLTD_CHECKSUM_H
#define SLTD_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/* XXH3-128 of a || b in canonical (big-endian) form. */
void sltd__checksum_xxh128(uint8_t out[16], const void *a, size_t alen, const void *b, size_t blen);
/* XXH3-64 with a seed. */
uint64_t sltd__checksum_xxh64(const void *p, size_t n, uint64_t seed);
/* acc += v (sign > 0) or acc -= v (sign < 0), mod 2^128, both big-endian. */
void sltd__checksum_sum(uint8_t acc[16], const uint8_t v[16], int sign);

#endif
