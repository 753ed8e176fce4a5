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

/* Was a key read at all: the lines had the right shape, the issuing state is a code and the number is
 * not empty (whatever else is wrong)? 1 yes, 0 no. The OCR-variant search needs no more. */
int sltd__mrz_key_readable(const sltd_mrz *m);

/* The gate that every MRZ lookup passes: may the parsed (issuing state, number) be used as a lookup
 * key? Only when the key was read and the check digits that protect the number are right: the
 * number's own (under an accepted rule, see number_rule) and, where the format has one, the
 * composite (which covers the number too). Other fields do not matter here: a document with a bad
 * date is still looked up (sltd__mrz_outcome decides the answer). 1 yes, 0 no (also for a struct
 * that was not filled). */
int sltd__mrz_key_trusted(const sltd_mrz *m);

/* The document-type filter of the lookup: the document code, or NULL (every type) when the code is
 * wrong for its format or unreadable: a code that cannot be trusted must not hide a listing of
 * another family. */
const char *sltd__mrz_key_type(const sltd_mrz *m);

/* Does the national filler-included rule apply to this document's number check digit? Only for a
 * TD1 long number issued by BEL or PRT, and never with SLTD_MRZ_STRICT in flags (the parse flags). */
int sltd__mrz_filler_rule(const sltd_mrz *m, unsigned flags);

/* The one answer to an MRZ document, shared by sltd_db_lookup_mrz and screening. parse_rc: what the
 * parse returned. listed: 1 when the read key (or an OCR variant of it) is listed, 0 when the key was
 * looked up and is not listed, -1 when nothing was looked up. Returns 0 when the answer stands
 * (listed; or not listed in a valid document: every field and every check digit right) and otherwise
 * the code that stands instead of "not listed": the parse's first problem (invalid document:
 * SLTD_EMRZ, SLTD_ESTATE, SLTD_ENUMBER), SLTD_ECHECKDIGIT (the number could not be read reliably), or
 * SLTD_EMRZ for a wrong check digit that protects no key (sltd__mrz_bad_check). Never 0 for an
 * unlisted invalid document. */
int sltd__mrz_outcome(const sltd_mrz *m, int parse_rc, int listed);

/* Is a check digit that protects no lookup key (date of birth, date of expiry, TD3 personal number)
 * wrong? 1, and msg[0, cap) says which, as printed and as computed ("the date of expiry check digit is
 * wrong (printed '0', computed '9')"; nothing written when cap is 0); 0 when they are right or absent. */
int sltd__mrz_bad_check(char *msg, size_t cap, const sltd_mrz *m);

/* What an MRZ document is looked up as (mrzlookup.c): 1 and *q set (the issuing state, the number and
 * the type filter sltd__mrz_key_type gives, all borrowed from m) when the key may be used
 * (sltd__mrz_key_trusted), else 0. sltd_db_lookup_mrz and screening both ask here. */
int sltd__mrz_query(sltd_query *q, const sltd_mrz *m);

#endif
