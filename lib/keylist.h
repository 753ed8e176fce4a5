/* SPDX-License-Identifier: Apache-2.0 */
/* keylist.h — the root-signed key list of a fleet repository (docs/FLEET.md): which signing keys may
 * sign indexes and bundles, from when until when, and which are revoked.
 *
 * Layout (all integers big-endian; times are signed Unix seconds):
 *   0    8   magic "SLTDKEYS"
 *   8    2   format version (1)
 *   10   2   reserved, 0
 *   12   4   total length L = 80 + 56 n + 64
 *   16   8   list version (>= 1; every change increases it)
 *   24   8   created
 *   32   8   expires (the latest not_after of the active keys; created when none is active)
 *   40   32  root public key (Ed25519)
 *   72   4   key count n (1..SLTD_KEYLIST_MAX)
 *   76   4   reserved, 0
 *   80   n x 56: public key (32), not_before (8), not_after (8), state (1: active, 2: revoked), reserved (7)
 *   L-64 64  Ed25519ph signature by the root key of bytes [0, L-64) */
#ifndef SLTD_KEYLIST_H
#define SLTD_KEYLIST_H

#include <stddef.h>
#include <stdint.h>

#include "filehash.h"
#include "sign.h"
#include "sltd.h"

#define SLTD__KEYLIST_MAGIC "SLTDKEYS"
#define SLTD__KEYLIST_FORMAT 1
#define SLTD__KEYLIST_HDR 80
#define SLTD__KEYLIST_ENTRY 56
#define SLTD__KEYLIST_MIN (SLTD__KEYLIST_HDR + SLTD__KEYLIST_ENTRY + SLTD__SIGN_BYTES)
#define SLTD__KEYLIST_LEN(n) (SLTD__KEYLIST_HDR + (size_t)(n) * SLTD__KEYLIST_ENTRY + SLTD__SIGN_BYTES)

enum { SLTD__KEY_ACTIVE = 1, SLTD__KEY_REVOKED = 2 };

typedef struct sltd__certkey {
    uint8_t pk[SLTD__SIGN_PUBLIC];
    uint8_t id[SLTD__SIGN_KEYID];
    int64_t not_before, not_after;
    int state; /* SLTD__KEY_* */
} sltd__certkey;

typedef struct sltd__keylist {
    uint64_t version;
    int64_t created, expires;
    uint8_t root[SLTD__SIGN_PUBLIC];
    size_t n;
    sltd__certkey k[SLTD_KEYLIST_MAX];
} sltd__keylist;

/* The length the key list at buf claims in its (unverified) header, when buf[0..avail) starts with
 * the magic and can hold that length; else 0. */
size_t sltd__keylist_frame(const uint8_t *buf, size_t avail);

/* Parse a key list of exactly len bytes, its signature not checked (callers verify first; the fuzzer
 * does not). 0 or SLTD_EFORMAT (message naming source). */
int sltd__keylist_parse(sltd__keylist *out, const uint8_t *buf, size_t len, const char *source);

/* Verify the signature of a key list of exactly len bytes under one of the roots, then parse it; the
 * root it names must be the one that verified it. 0, SLTD_ESIGNATURE, SLTD_EFORMAT, SLTD_ENOMEM. */
int sltd__keylist_open(sltd__keylist *out, const uint8_t *buf, size_t len, const uint8_t (*roots)[SLTD__SIGN_PUBLIC],
                       size_t nroots, const char *source);

/* Load a key list file and verify it under the root it names (the authority's own check that the file
 * is whole). 0, SLTD_ENOENT, SLTD_EFORMAT, SLTD_ESIGNATURE, SLTD_EIO, SLTD_ENOMEM. raw may be NULL;
 * else *raw (malloc'd) and *rawlen get the file's bytes. */
int sltd__keylist_load(sltd__keylist *out, uint8_t **raw, size_t *rawlen, const char *path);

/* The position of a key id in the list, or -1. */
int sltd__keylist_find(const sltd__keylist *kl, const uint8_t id[SLTD__SIGN_KEYID]);

/* May this key sign something dated t: active, and not_before <= t < not_after. */
int sltd__certkey_valid_at(const sltd__certkey *k, int64_t t);

#endif
