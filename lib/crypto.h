/* SPDX-License-Identifier: Apache-2.0 */
/* crypto.h — libsodium's process-wide set-up, random bytes, and the wiping of secrets. */
#ifndef SLTD_CRYPTO_H
#define SLTD_CRYPTO_H

#include <stddef.h>

/* libsodium's init, idempotent and thread-safe. 0 or SLTD_ENOMEM. */
int sltd__crypto_init(void);

/* Cryptographically random bytes. */
void sltd__crypto_random(void *buf, size_t n);
/* Wipe memory the compiler may not optimise away. */
void sltd__crypto_wipe(void *p, size_t n);

#endif
