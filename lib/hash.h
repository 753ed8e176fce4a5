/* hash.h — the keyed PRF (document digests), the master key file, and the unkeyed checksums.
 * The only file that includes <sodium.h> and <xxhash.h>. */
#ifndef SLTD_HASH_H
#define SLTD_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "sltd.h"

typedef struct sltd__keys sltd__keys; /* derived keys, in sodium_malloc memory */

/* libsodium's init, idempotent and thread-safe. 0 or SLTD_ENOMEM. */
int sltd__hash_init(void);

/* Create a new random master key file with mode 0600. Fails with SLTD_EEXIST when it exists. */
int sltd__key_create(const char *path);
/* Load a master key file and derive the PRF key from it; the master key is wiped at once.
 * SLTD_ENOENT, SLTD_EKEYPERM (group/other bits), SLTD_EKEY (size, type), SLTD_EIO, SLTD_ENOMEM. */
int sltd__key_load(sltd__keys **out, const char *path);
void sltd__key_free(sltd__keys *k);

/* The digest of a normalised (state, number): SipHash-2-4-128 of "STATE<NUMBER". */
void sltd__digest(uint8_t out[SLTD_DIGEST_SIZE], const sltd__keys *k, const char *state, size_t slen,
                  const char *number, size_t nlen);
/* A value that identifies the key without revealing it (stored in the database's meta). */
void sltd__key_check(uint8_t out[SLTD_DIGEST_SIZE], const sltd__keys *k);

/* XXH3-128 of a || b in canonical (big-endian) form. */
void sltd__hash128(uint8_t out[16], const void *a, size_t alen, const void *b, size_t blen);
/* XXH3-64 with a seed. */
uint64_t sltd__hash64(const void *p, size_t n, uint64_t seed);
/* acc += v (sign > 0) or acc -= v (sign < 0), mod 2^128, both big-endian. */
void sltd__sum128(uint8_t acc[16], const uint8_t v[16], int sign);

/* Cryptographically random bytes. */
void sltd__random(void *buf, size_t n);
/* Wipe memory the compiler may not optimise away. */
void sltd__wipe(void *p, size_t n);

#endif
