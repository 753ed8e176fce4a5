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

#endif
