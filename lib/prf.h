/* SPDX-License-Identifier: Apache-2.0 */
/* prf.h — the keyed PRF that turns a document into its digest: SipHash-2-4-128, one at a time or in SIMD lanes. */
#ifndef SLTD_PRF_H
#define SLTD_PRF_H

#include <stddef.h>
#include <stdint.h>

#include "sltd.h"

typedef struct sltd__keys sltd__keys; /* the PRF key, in sodium_malloc memory */

/* A PRF key from its 16 bytes, in read-only sodium_malloc memory; NULL when out of memory. */
sltd__keys *sltd__prf_key_new(const uint8_t key[16]);
/* Wipe and release a key; accepts NULL. */
void sltd__prf_key_free(sltd__keys *k);
/* A value that identifies the key without revealing it (stored in the database's meta and in bundles). */
void sltd__prf_key_check(uint8_t out[SLTD_DIGEST_SIZE], const sltd__keys *k);

/* The digest input "STATE<NUMBER" fits this buffer with at least 7 zero bytes after it. */
#define SLTD__DIGEST_INPUT 32
/* The digest of a normalised (state, number): SipHash-2-4-128 of "STATE<NUMBER". */
void sltd__prf_digest(uint8_t out[SLTD_DIGEST_SIZE], const sltd__keys *k, const char *state, size_t slen,
                  const char *number, size_t nlen);
/* n digests at once, side by side (AVX-512: eight lanes, AVX2: two groups of four, else two interleaved
 * in C; the level from sltd__simd_level):
 * in[i] is a zero-padded SLTD__DIGEST_INPUT-byte buffer whose first len[i] (< SLTD__DIGEST_INPUT)
 * bytes are the input; out[i] gets its digest. */
void sltd__prf_digest_inputs(uint8_t (*out)[SLTD_DIGEST_SIZE], const sltd__keys *k,
                             const uint8_t (*in)[SLTD__DIGEST_INPUT], const uint8_t *len, size_t n);
/* For tests: n (<= SLTD__LANES_CHECK_MAX) digests by every path this CPU has (AVX-512, AVX2, portable
 * two-lane, one at a time) against libsodium; -1 on a difference (or a length out of range), else a bit
 * set of the vector paths that ran on at least one group: 8 AVX-512, 4 AVX2, 2 portable. */
#define SLTD__LANES_CHECK_MAX 16
int sltd__prf_lanes_check(const uint8_t key[16], const uint8_t (*in)[SLTD__DIGEST_INPUT], const uint8_t *len,
                          size_t n);
/* For tests: our SipHash-2-4-128 and libsodium's crypto_shorthash_siphashx24 of the same input. */
void sltd__prf_reference_check(uint8_t ours[16], uint8_t sodium[16], const uint8_t key[16], const uint8_t *in,
                                   size_t len);
/* The same from a ready "STATE<NUMBER" input of `len` bytes in a zero-padded SLTD__DIGEST_INPUT buffer. */
void sltd__prf_digest_input(uint8_t out[SLTD_DIGEST_SIZE], const sltd__keys *k, const uint8_t *in, size_t len);

#endif
