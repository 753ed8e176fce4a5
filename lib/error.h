/* SPDX-License-Identifier: Apache-2.0 */
/* error.h — error detail for the caller (sltd_errmsg), kept per thread like errno. */
#ifndef SLTD_ERROR_H
#define SLTD_ERROR_H

#include <stddef.h>
#include <stdint.h>

#include "sltd.h"

#if defined(__GNUC__)
#define SLTD__PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define SLTD__PRINTF(a, b)
#endif

/* Record the detail of an error in this thread and return `code` (so: return sltd__err(...)). */
int sltd__err(int code, const char *fmt, ...) SLTD__PRINTF(2, 3);
/* Lower-case hex of n bytes into out (2n + 1 bytes), for messages. Returns out. */
char *sltd__hex(char *out, const uint8_t *p, size_t n);

/* Forget the last detail (at the start of a public call that reports details). */
void sltd__err_clear(void);

#endif
