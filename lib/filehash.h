/* SPDX-License-Identifier: Apache-2.0 */
/* filehash.h — BLAKE2b-256 of whole files: the content addresses of a fleet repository (docs/FLEET.md). */
#ifndef SLTD_FILEHASH_H
#define SLTD_FILEHASH_H

#include <stddef.h>
#include <stdint.h>

#define SLTD__FILEHASH 32
typedef struct sltd__filehash sltd__filehash; /* a running hash */

/* NULL when out of memory. */
sltd__filehash *sltd__filehash_begin(void);
void sltd__filehash_update(sltd__filehash *h, const void *p, size_t n);
/* The hash of everything fed; the state must not be used again but freed. */
void sltd__filehash_final(sltd__filehash *h, uint8_t out[SLTD__FILEHASH]);
void sltd__filehash_free(sltd__filehash *h);
/* The hash of the first `size` bytes of an open file (read with pread). 0, SLTD_EIO (also when the file is
 * shorter), SLTD_ENOMEM. */
int sltd__filehash_fd(uint8_t out[SLTD__FILEHASH], int fd, uint64_t size, const char *path);
/* One call: the hash of n bytes. */
void sltd__filehash_buf(uint8_t out[SLTD__FILEHASH], const void *p, size_t n);

#endif
