/* SPDX-License-Identifier: Apache-2.0 */
/* record.h — the on-disk encoding of listings (the LMDB value); dates are stored as date.h counts them.
 *
 * A value is one or more records back to back. A record (format version 1):
 *   0      version (1)
 *   1      status (sltd_status)
 *   2..3   type, two ASCII letters, NUL-padded
 *   4..5   reported, days since 1970-01-01, big-endian, 0 = unknown
 *   6..7   expires, days since 1970-01-01, big-endian, 0 = none
 *   8..10  reporting state, three ASCII letters, NUL-padded
 *   11     reference length L (0..32)
 *   12..   reference, L bytes
 * Pure: no I/O, no allocation. */
#ifndef SLTD_RECORD_H
#define SLTD_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "sltd.h"

#define SLTD__REC_VERSION 1
#define SLTD__REC_HDR 12
#define SLTD__REC_MAX (SLTD__REC_HDR + SLTD_REFERENCE_MAX)
#define SLTD__VALUE_MAX (SLTD_RECORDS_MAX * SLTD__REC_MAX)

/* Encode one record; returns its length. The record must have been validated (dates in range). */
size_t sltd__record_encode(uint8_t out[SLTD__REC_MAX], const sltd_record *r);
/* Decode the record at in[0..avail); *used gets its length. 0 or SLTD_ECORRUPT. */
int sltd__record_decode(sltd_record *out, const uint8_t *in, size_t avail, size_t *used);
/* Length of the encoded record at in[0..avail), or 0 if it is damaged. */
size_t sltd__record_len(const uint8_t *in, size_t avail);

#endif
