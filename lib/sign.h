/* SPDX-License-Identifier: Apache-2.0 */
/* sign.h — Ed25519 signing key files, public key files, and signatures of update bundles. */
#ifndef SLTD_SIGN_H
#define SLTD_SIGN_H

#include <stddef.h>
#include <stdint.h>

/* ---- Ed25519 signing keys and signatures (update bundles) ----
 * Files (written by sltd__sign_key_create):
 *   PREFIX.sec  "SLTDSEC1" + 64-byte libsodium Ed25519 secret key (seed || public key), mode 0600
 *   PREFIX.pub  "SLTDPUB1" + 32-byte Ed25519 public key
 * Signatures are Ed25519ph (RFC 8032; libsodium's crypto_sign_init/update/final_*): the message is
 * hashed once with SHA-512, so one pass serves any number of trusted keys. */
#define SLTD__SIGN_PUBLIC 32 /* bytes of a public key */
#define SLTD__SIGN_BYTES 64  /* bytes of a signature */
#define SLTD__SIGN_KEYID 8   /* bytes of a key id: the first 8 bytes of BLAKE2b-256(public key) */

typedef struct sltd__sign_key sltd__sign_key;   /* a secret key, in sodium_malloc memory */
typedef struct sltd__sign_state sltd__sign_state; /* the running SHA-512 of a message being signed/verified */

/* Create PREFIX.sec (0600) and PREFIX.pub; neither may exist (SLTD_EEXIST). keyid may be NULL.
 * SLTD_EEXIST, SLTD_EIO, SLTD_ENOMEM. */
int sltd__sign_key_create(const char *sec_path, const char *pub_path, uint8_t keyid[SLTD__SIGN_KEYID]);
/* Load a secret key file: SLTD_ENOENT, SLTD_EKEYPERM (group/other bits), SLTD_EKEY (not a key file),
 * SLTD_EIO, SLTD_ENOMEM. */
int sltd__sign_key_load(sltd__sign_key **out, const char *path);
void sltd__sign_key_free(sltd__sign_key *k);
/* The public half of a secret key, and its key id. */
void sltd__sign_key_public(uint8_t out[SLTD__SIGN_PUBLIC], const sltd__sign_key *k);
void sltd__sign_key_id(uint8_t out[SLTD__SIGN_KEYID], const sltd__sign_key *k);
/* Load a public key file: SLTD_ENOENT, SLTD_EKEY (not a public key file), SLTD_EIO. */
int sltd__sign_pubkey_load(uint8_t out[SLTD__SIGN_PUBLIC], const char *path);
void sltd__sign_pubkey_id(uint8_t out[SLTD__SIGN_KEYID], const uint8_t pk[SLTD__SIGN_PUBLIC]);

/* Start a message (NULL: out of memory); feed it; sign it or verify it; free (accepts NULL). */
sltd__sign_state *sltd__sign_begin(void);
void sltd__sign_update(sltd__sign_state *s, const void *p, size_t n);
void sltd__sign_create(const sltd__sign_state *s, uint8_t sig[SLTD__SIGN_BYTES], const sltd__sign_key *k);
/* The index of the first of the n public keys under which sig is a valid signature of the message
 * fed so far, or -1 when there is none. The state is left as it was. */
int sltd__sign_verify(const sltd__sign_state *s, const uint8_t sig[SLTD__SIGN_BYTES],
                     const uint8_t (*pks)[SLTD__SIGN_PUBLIC], size_t n);
void sltd__sign_free(sltd__sign_state *s);

#endif
