/* SPDX-License-Identifier: Apache-2.0 */
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

/* The digest input "STATE<NUMBER" fits this buffer with at least 7 zero bytes after it. */
#define SLTD__DIGEST_INPUT 32
/* The digest of a normalised (state, number): SipHash-2-4-128 of "STATE<NUMBER". */
void sltd__digest(uint8_t out[SLTD_DIGEST_SIZE], const sltd__keys *k, const char *state, size_t slen,
                  const char *number, size_t nlen);
/* n digests at once, in SIMD lanes when the CPU has them (AVX-512: eight, AVX2: four): in[i] are
 * zero-padded SLTD__DIGEST_INPUT buffers of len[i] bytes; out[i] gets the digest of in[i]. */
void sltd__digest_inputs(uint8_t *const out[], const sltd__keys *k, const uint8_t *const in[], const size_t len[],
                         size_t n);
/* For tests: n (<= SLTD__LANES_CHECK_MAX) digests by every path this CPU has (eight lanes, four, one)
 * against libsodium; -1 on a difference, else a bit set of the lane widths (8, 4) that ran. */
#define SLTD__LANES_CHECK_MAX 16
int sltd__siphash_lanes_check(const uint8_t key[16], const uint8_t *const in[], const size_t len[], size_t n);
/* For tests: our SipHash-2-4-128 and libsodium's crypto_shorthash_siphashx24 of the same input. */
void sltd__siphash_reference_check(uint8_t ours[16], uint8_t sodium[16], const uint8_t key[16], const uint8_t *in,
                                   size_t len);
/* The same from a ready "STATE<NUMBER" input of `len` bytes in a zero-padded SLTD__DIGEST_INPUT buffer. */
void sltd__digest_input(uint8_t out[SLTD_DIGEST_SIZE], const sltd__keys *k, const uint8_t *in, size_t len);
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

/* ---- Ed25519 signing keys and signatures (update bundles) ----
 * Files (written by sltd__signkey_create):
 *   PREFIX.sec  "SLTDSEC1" + 64-byte libsodium Ed25519 secret key (seed || public key), mode 0600
 *   PREFIX.pub  "SLTDPUB1" + 32-byte Ed25519 public key
 * Signatures are Ed25519ph (RFC 8032; libsodium's crypto_sign_init/update/final_*): the message is
 * hashed once with SHA-512, so one pass serves any number of trusted keys. */
#define SLTD__SIGN_PUBLIC 32 /* bytes of a public key */
#define SLTD__SIGN_BYTES 64  /* bytes of a signature */
#define SLTD__SIGN_KEYID 8   /* bytes of a key id: the first 8 bytes of BLAKE2b-256(public key) */

typedef struct sltd__signkey sltd__signkey;   /* a secret key, in sodium_malloc memory */
typedef struct sltd__sigstate sltd__sigstate; /* the running SHA-512 of a message being signed/verified */

/* Create PREFIX.sec (0600) and PREFIX.pub; neither may exist (SLTD_EEXIST). keyid may be NULL.
 * SLTD_EEXIST, SLTD_EIO, SLTD_ENOMEM. */
int sltd__signkey_create(const char *sec_path, const char *pub_path, uint8_t keyid[SLTD__SIGN_KEYID]);
/* Load a secret key file: SLTD_ENOENT, SLTD_EKEYPERM (group/other bits), SLTD_EKEY (not a key file),
 * SLTD_EIO, SLTD_ENOMEM. */
int sltd__signkey_load(sltd__signkey **out, const char *path);
void sltd__signkey_free(sltd__signkey *k);
/* The key id of a secret key's public half. */
void sltd__signkey_id(uint8_t out[SLTD__SIGN_KEYID], const sltd__signkey *k);
/* Load a public key file: SLTD_ENOENT, SLTD_EKEY (not a public key file), SLTD_EIO. */
int sltd__pubkey_load(uint8_t out[SLTD__SIGN_PUBLIC], const char *path);
void sltd__pubkey_id(uint8_t out[SLTD__SIGN_KEYID], const uint8_t pk[SLTD__SIGN_PUBLIC]);

/* Start a message (NULL: out of memory); feed it; sign it or verify it; free (accepts NULL). */
sltd__sigstate *sltd__sig_begin(void);
void sltd__sig_update(sltd__sigstate *s, const void *p, size_t n);
void sltd__sig_create(const sltd__sigstate *s, uint8_t sig[SLTD__SIGN_BYTES], const sltd__signkey *k);
/* The index of the first of the n public keys under which sig is a valid signature of the message
 * fed so far, or -1 when there is none. The state is left as it was. */
int sltd__sig_verify(const sltd__sigstate *s, const uint8_t sig[SLTD__SIGN_BYTES],
                     const uint8_t (*pks)[SLTD__SIGN_PUBLIC], size_t n);
void sltd__sig_free(sltd__sigstate *s);

/* ---- BLAKE2b-256 of whole files: the content addresses of a fleet repository (docs/FLEET.md) ---- */
#define SLTD__FILEHASH 32
typedef struct sltd__fhash sltd__fhash; /* a running hash */

/* NULL when out of memory. */
sltd__fhash *sltd__fhash_begin(void);
void sltd__fhash_update(sltd__fhash *h, const void *p, size_t n);
/* The hash of everything fed; the state must not be used again but freed. */
void sltd__fhash_final(sltd__fhash *h, uint8_t out[SLTD__FILEHASH]);
void sltd__fhash_free(sltd__fhash *h);
/* The hash of the first `size` bytes of an open file (read with pread). 0, SLTD_EIO (also when the file is
 * shorter), SLTD_ENOMEM. */
int sltd__fhash_fd(uint8_t out[SLTD__FILEHASH], int fd, uint64_t size, const char *path);
/* One call: the hash of n bytes. */
void sltd__fhash_buf(uint8_t out[SLTD__FILEHASH], const void *p, size_t n);
/* Public half of a secret signing key. */
void sltd__signkey_public(uint8_t out[SLTD__SIGN_PUBLIC], const sltd__signkey *k);

#endif
