/* SPDX-License-Identifier: Apache-2.0 */
/* error.h — error detail for the caller (sltd_error_detail), kept per thread like errno. */
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

/* Forget the last detail: the first thing every public call does. */
void sltd__err_clear(void);

/* The last thing every public call does: returns code, and when it is an error that no detail was
 * recorded for, records "FN: the code's text", so that every error return has a detail. */
int sltd__err_leave(int code, const char *fn);

#endif
