/* SPDX-License-Identifier: Apache-2.0 */
/* mrz.h — internal helpers of the ICAO Doc 9303 MRZ parser (mrz.c). Pure: no I/O, no allocation. */
#ifndef SLTD_MRZ_H
#define SLTD_MRZ_H

#include <stddef.h>

#include "sltd.h"

/* Value of one MRZ character for the check digit: '0'-'9' -> 0-9, 'A'-'Z' -> 10-35, '<' -> 0;
 * -1 for anything else. */
int sltd__mrz_char_value(char c);

/* The ICAO 9303 check digit (weights 7, 3, 1 repeating; sum modulo 10) of s[0..len), as 0-9.
 * Returns -1 if s holds a character outside [0-9A-Z<] (or s is NULL with len > 0). */
int sltd__mrz_check_digit(const char *s, size_t len);

/* The next non-blank line of an MRZ text from *pos: lines end at LF, CR or CRLF; blanks around a line
 * are not part of it. 1 and [*start, *end) set (and *pos past the line), or 0 at the end. */
int sltd__mrz_next_line(const char *text, size_t len, size_t *pos, size_t *start, size_t *end);

/* The gate that every MRZ lookup passes: may the parsed (issuing state, number) be used as a lookup
 * key? Only when the check digits that protect the number are right: the number's own and, where the
 * format has one, the composite (which covers the number too). 1 yes, 0 no (also for a struct that
 * was not filled). */
int sltd__mrz_key_trusted(const sltd_mrz *m);

#endif
