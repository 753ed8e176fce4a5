/* SPDX-License-Identifier: Apache-2.0 */
/* meta.h — the database's meta values: their names, the format version, and the big-endian field codec
 * that the meta table and the file formats (bundles, fleet index and key list) share. */
#ifndef SLTD_META_H
#define SLTD_META_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define SLTD__FORMAT_VERSION 2 /* 2: records in the unnamed database */

/* Meta names (values big-endian). */
#define META_FORMAT "format"       /* u32 */
#define META_KEY_CHECK "key_check" /* 16 bytes */
#define META_RECORDS "records"     /* u64 */
#define META_DOCUMENTS "documents" /* u64 */
#define META_SEQUENCE "sequence"   /* u64 */
#define META_PRODUCED "produced"   /* i64 */
#define META_EXPIRES "expires"     /* i64 */
#define META_CHECKSUM "checksum"   /* 16 bytes */
#define META_FILTER_ID "filter_id" /* 16 bytes */

void sltd__meta_encode_u64(uint8_t out[8], uint64_t v);
uint64_t sltd__meta_decode_u64(const uint8_t in[8]);
void sltd__meta_encode_u32(uint8_t out[4], uint32_t v);
uint32_t sltd__meta_decode_u32(const uint8_t in[4]);
/* 1 when the n bytes at p are all zero (the reserved fields of the file formats). */
int sltd__meta_all_zero(const uint8_t *p, size_t n);
/* Read a u64 meta value (0 when absent). */
int sltd__meta_get_u64(sltd__txn *t, const char *name, uint64_t *out);

#endif
