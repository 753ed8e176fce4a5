/* SPDX-License-Identifier: Apache-2.0 */
/* crypto.c — libsodium's process-wide set-up, random bytes, and the wiping of secrets (see crypto.h). */
#include "crypto.h"

#include <sodium.h>

#include "sltd.h"

int sltd__crypto_init(void)
{
    return sodium_init() < 0 ? SLTD_ENOMEM : SLTD_OK;
}

void sltd__crypto_random(void *buf, size_t n)
{
    randombytes_buf(buf, n);
}

void sltd__crypto_wipe(void *p, size_t n)
{
    sodium_memzero(p, n);
}
