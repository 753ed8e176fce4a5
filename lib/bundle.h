/* SPDX-License-Identifier: Apache-2.0 */
/* bundle.h — signed update bundles: the file format (docs/BUNDLE.md) and its parser.
 *
 * Layout (all integers big-endian):
 *   0    8   magic "SLTDBNDL"
 *   8    2   format version (1)
 *   10   1   kind: 1 full, 2 delta
 *   11   1   reserved, 0
 *   12   4   header length (128)
 *   16   8   sequence
 *   24   8   base sequence (delta), 0 (full)
 *   32   8   created, Unix seconds (signed)
 *   40   8   expires, Unix seconds (signed)
 *   48   8   entry count
 *   56   8   record count after apply
 *   64   16  state checksum after apply
 *   80   16  key check of the deployment key (the database's key_check)
 *   96   8   signing key id
 *   104  24  reserved, 0
 *   128  ... entries: digest (16), action (1: add, 2: remove), record length L (12..44), record (L)
 *   end-64   Ed25519ph signature of every byte before it
 * The parser reads only bytes whose signature has been verified (sltd__bundle_frame is the exception:
 * length bounds and magic). */
#ifndef SLTD_BUNDLE_H
#define SLTD_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "filehash.h"
#include "sign.h"
#include "sltd.h"
#include "update.h"

#define SLTD__BUNDLE_MAGIC "SLTDBNDL"
#define SLTD__BUNDLE_FORMAT 1
#define SLTD__BUNDLE_HDR 128
#define SLTD__BUNDLE_SIG 64
#define SLTD__BUNDLE_ENTRY_MIN (SLTD_DIGEST_SIZE + 2 + 12)
#define SLTD__BUNDLE_MIN (SLTD__BUNDLE_HDR + SLTD__BUNDLE_SIG)

typedef struct sltd__bundle_hdr {
    unsigned version, kind;
    uint64_t sequence, base;
    int64_t created, expires;
    uint64_t count, records;
    uint8_t checksum[16];
    uint8_t key_check[16];
    uint8_t key_id[8];
} sltd__bundle_hdr;

/* The framing read before the signature is verified: size within [SLTD__BUNDLE_MIN, SLTD_BUNDLE_MAX]
 * and the magic. 0 or SLTD_EFORMAT (with a message naming source). */
int sltd__bundle_frame(const uint8_t *buf, size_t len, const char *source);

/* Parse a bundle whose signature has been verified: buf[0..len) is the whole file, signature
 * included. Fills h, and appends the entries to e (unless e is NULL: check only).
 * 0, SLTD_EFORMAT (with a message naming source and the offending entry), SLTD_ENOMEM. */
int sltd__bundle_parse(sltd__bundle_hdr *h, sltd__entries *e, const uint8_t *buf, size_t len, const char *source);

/* Encode a header into SLTD__BUNDLE_HDR bytes. */
void sltd__bundle_hdr_encode(uint8_t out[SLTD__BUNDLE_HDR], const sltd__bundle_hdr *h);

/* A key that may sign bundles, for bundles created in [not_before, not_after). */
typedef struct sltd__signer {
    uint8_t pk[SLTD__SIGN_PUBLIC];
    int64_t not_before, not_after;
} sltd__signer;

/* How a bundle in memory is applied (sltd_bundle_apply, a fleet sync, a publish). */
typedef struct sltd__apply_ctx {
    const sltd__signer *keys; /* the bundle must verify under one of these (1..64) */
    size_t nkeys;
    unsigned flags;           /* sltd_apply_flags */
    int expect;               /* 1: the bundle must have this kind, sequence and base (else SLTD_EFORMAT) */
    unsigned kind;
    uint64_t sequence, base;
    const uint8_t *checksum;  /* or NULL: the state checksum the bundle must promise, with `records` */
    uint64_t records;
    int reset_sequence;       /* a full bundle may replace the data whatever its sequence */
    int authority;            /* the authority's replica taking its own bundle: no time checks */
    int vouched;              /* a sync: the bundle is named by its hash in a verified, unexpired index,
                                 whose expiry bounds it: its own expiry is not checked */
    int64_t expires_at_least; /* or 0: the data's expiry after the apply is no earlier (the index's, on
                                 the last step of a sync) */
    const sltd__meta_kv *meta; /* written in the apply's transaction */
    size_t nmeta;
} sltd__apply_ctx;

/* Verify and apply the bundle (*buf)[0..len) (source names it in messages), as sltd_bundle_apply does.
 * Takes the malloc'd buffer: it is freed (and *buf set to NULL) as soon as it has been parsed.
 * The codes of sltd_bundle_apply. */
int sltd__bundle_apply_buf(sltd_bundle_report *out, sltd_db *db, uint8_t **buf, size_t len, const char *source,
                           const sltd__apply_ctx *c);

/* Write a full bundle of the database's committed state (its sequence, records and checksum, read in one
 * snapshot), created at `created` and expiring at `expires`, signed with k, to path (atomically).
 * SLTD_ESEQUENCE when the database has sequence 0; the store's errors; SLTD_EIO, SLTD_EFULL, SLTD_ENOMEM. */
int sltd__bundle_snapshot(sltd_bundle_report *out, sltd_db *db, const char *path, const sltd__sign_key *k,
                          int64_t created, int64_t expires);

#endif
