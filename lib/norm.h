/* SPDX-License-Identifier: Apache-2.0 */
/* norm.h — the one normalisation of issuing states, document numbers and document types.
 * Pure: no I/O, no allocation. Used by import, lookup, screening and MRZ paths alike. */
#ifndef SLTD_NORM_H
#define SLTD_NORM_H

#include <stddef.h>

#include "sltd.h"

/* Each takes (in, len) so CSV fields need no NUL, and stops at a NUL byte too (pass SIZE_MAX for a
 * C string: no strlen needed); each writes a NUL-terminated result and returns 0 or the sltd_error
 * naming what is wrong. Nothing is silently repaired. */
int sltd__norm_state(char out[SLTD_STATE_MAX + 1], const char *in, size_t len);
int sltd__norm_number(char out[SLTD_NUMBER_MAX + 1], size_t *outlen, const char *in, size_t len);
/* A type of one or two letters, trailing '<' fillers dropped; an empty input gives "" and 0. */
int sltd__norm_type(char out[SLTD_TYPE_MAX + 1], const char *in, size_t len);

/* The family letter used to match a type filter: 'I' for I, A and C (identity cards), else the
 * first letter; 0 for an empty type. */
char sltd__type_family(const char *type);

/* Is this upper-case code (1-3 letters) a known ICAO 9303 issuing state or special code? */
int sltd__state_known(const char *code);

#endif
