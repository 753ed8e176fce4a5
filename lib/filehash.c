/* SPDX-License-Identifier: Apache-2.0 */
/* filehash.c — BLAKE2b-256 of whole files, streamed or in one call (see filehash.h). */
#include "filehash.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "error.h"
#include "sltd.h"

struct sltd__filehash {
    crypto_generichash_state st; /* 64-byte aligned: allocated with aligned_alloc */
};

sltd__filehash *sltd__filehash_begin(void)
{
    size_t n = (sizeof(sltd__filehash) + 63) / 64 * 64;
    sltd__filehash *h;

    if (sodium_init() < 0 || (h = aligned_alloc(64, n)) == NULL)
        return NULL;
    crypto_generichash_init(&h->st, NULL, 0, SLTD__FILEHASH);
    return h;
}

void sltd__filehash_update(sltd__filehash *h, const void *p, size_t n)
{
    crypto_generichash_update(&h->st, p, n);
}

void sltd__filehash_final(sltd__filehash *h, uint8_t out[SLTD__FILEHASH])
{
    crypto_generichash_final(&h->st, out, SLTD__FILEHASH);
}

void sltd__filehash_free(sltd__filehash *h)
{
    free(h);
}

void sltd__filehash_buf(uint8_t out[SLTD__FILEHASH], const void *p, size_t n)
{
    crypto_generichash(out, SLTD__FILEHASH, p, n, NULL, 0);
}

int sltd__filehash_fd(uint8_t out[SLTD__FILEHASH], int fd, uint64_t size, const char *path)
{
    enum { CHUNK = 1 << 20 };
    sltd__filehash *h = sltd__filehash_begin();
    unsigned char *buf = malloc(CHUNK);
    uint64_t at = 0;
    int rc = SLTD_OK;

    if (h == NULL || buf == NULL) {
        rc = sltd__err(SLTD_ENOMEM, "out of memory");
        goto cleanup;
    }
    while (at < size) {
        size_t want = size - at < CHUNK ? (size_t)(size - at) : CHUNK;
        ssize_t r = pread(fd, buf, want, (off_t)at);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            rc = sltd__err(SLTD_EIO, "%s: %s after %llu of %llu bytes", path, r < 0 ? strerror(errno) : "ends",
                           (unsigned long long)at, (unsigned long long)size);
            goto cleanup;
        }
        sltd__filehash_update(h, buf, (size_t)r);
        at += (uint64_t)r;
    }
    sltd__filehash_final(h, out);
cleanup:
    sltd__filehash_free(h);
    free(buf);
    return rc;
}
