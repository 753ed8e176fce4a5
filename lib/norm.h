/* SPDX-License-Identifier: Apache-2.0 */
/* norm.h — the one normalisation of issuing states, document numbers and document types.
 * Pure: no I/O, no allocation. Used by import, lookup, screening and MRZ paths alike. */
#ifndef SLTD_NORM_H
#define SLTD_NORM_H

#include <stddef.h>
#include <stdint.h>

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
char sltd__norm_type_family(const char *type);

/* Is this upper-case code (1-3 letters) a known ICAO 9303 issuing state or special code? */
int sltd__norm_state_known(const char *code);

/* Why sltd__norm_state, sltd__norm_number or sltd__norm_type (what: SLTD_ESTATE, SLTD_ENUMBER,
 * SLTD_ETYPE) refused a value, in words that never repeat the value (it may hold a document number):
 * "is empty", "character 11 is '.'; ...", "has 23 letters and digits, more than 22", ... For messages
 * "FILE:LINE: field 'F': <why>". Writes a NUL-terminated text of at most cap bytes; returns out. */
const char *sltd__norm_why(char *out, size_t cap, int what, const char *in, size_t len);

/* Record why a document's field was refused as the error detail ("FIELD: " and sltd__norm_why's
 * reason) when code is SLTD_ESTATE, SLTD_ENUMBER or SLTD_ETYPE; `in` is the field as given (state,
 * number or type, whichever code names). Returns code. */
int sltd__norm_err(int code, const char *state, const char *number, const char *type);

/* Could this text be taken for a document number (does sltd__norm_number accept it)? Messages show
 * a header cell only when it could not. */
int sltd__norm_could_be_number(const char *in, size_t len);

/* ---- the digest input: the one place that lays out "STATE<NUMBER" ----
 * A document is stored and looked up under the keyed digest of its normalised issuing state, a '<',
 * and its normalised number ('<' appears in neither part, so the encoding is injective), zero-padded
 * to SLTD__KEY_INPUT bytes (the hashing reads whole words). Import, lookups, MRZ lookups and screening
 * all come through here. */
#define SLTD__KEY_INPUT 32

/* From raw text: normalise state and number (as sltd__norm_state / sltd__norm_number) straight into
 * out; *len gets the input's length. 0, SLTD_ESTATE, SLTD_ENUMBER, SLTD_EINVAL. */
int sltd__norm_key_input(uint8_t out[SLTD__KEY_INPUT], size_t *len, const char *state, size_t slen, const char *number,
                    size_t nlen);
/* From parts already normalised (1 or 3 letters, 1-22 characters): the input's length. */
size_t sltd__norm_key_compose(uint8_t out[SLTD__KEY_INPUT], const char *state, size_t slen, const char *number,
                         size_t nlen);

#endif
