/* SPDX-License-Identifier: Apache-2.0 */
/* index.h — the signed index of a fleet repository (docs/FLEET.md): the current sequence and state, the
 * root-signed key list, and the bundles that lead there, each with its size and BLAKE2b-256 hash.
 *
 * Layout (all integers big-endian; times are signed Unix seconds):
 *   0    8   magic "SLTDINDX"
 *   8    2   format version (1)
 *   10   2   reserved, 0
 *   12   4   header length (128)
 *   16   8   sequence S (>= 1): the state the repository publishes
 *   24   8   published
 *   32   8   expires
 *   40   8   record count at S
 *   48   16  state checksum at S
 *   64   16  key check of the deployment key (as in bundles)
 *   80   8   id of the signing key
 *   88   4   key list length K
 *   92   4   entry count B (1..SLTD__INDEX_ENTRIES_MAX)
 *   96   32  reserved, 0
 *   128  K   the key list (keylist.h), signed by the root
 *   ...  B x 80: kind (1: full, 2: delta), reserved (7), sequence (8), base (8: 0 for a full), size (8),
 *        created (8), signing key id (8), BLAKE2b-256 of the file (32); sorted by (sequence, kind, base)
 *   L-64 64  Ed25519ph signature by the signing key of bytes [0, L-64)
 * A bundle's file is bundles/HEX.sltd, HEX the lower-case hex of its hash. */
#ifndef SLTD_INDEX_H
#define SLTD_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "filehash.h"
#include "sign.h"
#include "keylist.h"
#include "sltd.h"

#define SLTD__INDEX_MAGIC "SLTDINDX"
#define SLTD__INDEX_FORMAT 1
#define SLTD__INDEX_HDR 128
#define SLTD__INDEX_ENTRY 80
#define SLTD__INDEX_ENTRIES_MAX 4096
#define SLTD__INDEX_MIN (SLTD__INDEX_HDR + SLTD__KEYLIST_MIN + SLTD__INDEX_ENTRY + SLTD__SIGN_BYTES)

typedef struct sltd__ientry {
    unsigned kind; /* SLTD_BUNDLE_FULL, SLTD_BUNDLE_DELTA */
    uint64_t sequence, base, size;
    int64_t created;
    uint8_t key_id[SLTD__SIGN_KEYID];
    uint8_t hash[SLTD__FILEHASH];
} sltd__ientry;

typedef struct sltd__index {
    uint64_t sequence, records;
    int64_t published, expires;
    uint8_t checksum[16], key_check[16];
    uint8_t key_id[SLTD__SIGN_KEYID];
    sltd__keylist keys;
    size_t n;
    sltd__ientry *e; /* malloc'd */
} sltd__index;

/* Parse an index of exactly len bytes, no signature checked (the key list's neither): for the fuzzer,
 * and after sltd__index_open's checks. 0, SLTD_EFORMAT (message naming source), SLTD_ENOMEM. */
int sltd__index_parse(sltd__index *ix, const uint8_t *buf, size_t len, const char *source);

/* Verify, then parse: the key list under one of the roots, then the index's signature under the key
 * it names, which the key list must hold as active and valid at the index's publication time. Only
 * the framing (magic, lengths) is read before the signatures. 0, SLTD_EFORMAT, SLTD_ESIGNATURE,
 * SLTD_ENOMEM. */
int sltd__index_open(sltd__index *ix, const uint8_t *buf, size_t len, const uint8_t (*roots)[SLTD__SIGN_PUBLIC],
                     size_t nroots, const char *source);

/* Encode ix (its key list given as the root-signed bytes keys_raw) and sign it with k, whose id is
 * written as the index's. A malloc'd buffer. 0, SLTD_EINVAL (too many entries), SLTD_ENOMEM. */
int sltd__index_encode(uint8_t **out, size_t *len, const sltd__index *ix, const uint8_t *keys_raw, size_t keys_len,
                       const sltd__sign_key *k);

void sltd__index_free(sltd__index *ix);

/* "bundles/HEX.sltd" for a hash (out: at least SLTD__INDEX_NAME bytes). */
#define SLTD__INDEX_NAME (8 + 2 * SLTD__FILEHASH + 6)
void sltd__index_bundle_name(char out[SLTD__INDEX_NAME], const uint8_t hash[SLTD__FILEHASH]);

#endif
