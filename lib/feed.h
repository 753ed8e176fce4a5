/* SPDX-License-Identifier: Apache-2.0 */
/* feed.h — the feed CSV (internal): columns, validation, serial ranges. Pure parsing; the import
 * (lib/import.c) turns the rows into records.
 *
 * Format (README "Feed CSV"): RFC 4180 as read by csvread.h; a header row naming the columns, in any
 * order, case-insensitive, surrounding spaces ignored:
 *   state            required: issuing state, ICAO 9303 code (sltd__norm_state)
 *   number           document number (sltd__norm_number)
 *   number_from, number_to   a serial range of documents, both ends included: same prefix, numeric
 *                    suffix of the same width, from <= to, at most SLTD__FEED_RANGE_MAX numbers; the
 *                    row stands for one record per number, yielded one per sltd__feed_next() call
 *                    The header has number, or number_from and number_to, or all three; each row gives
 *                    either number or both ends of a range, the other cells left empty.
 *   type             document type, one or two letters (sltd__norm_type); empty: not given
 *   status           stolen (default) | lost | revoked | invalid | stolen_blank
 *   reported         YYYY-MM-DD, a calendar date in 1970-01-02..2149-06-06 (the store keeps days since
 *                    1970 in 16 bits); empty: not given
 *   expires          as reported; empty: none
 *   reporting_state  ICAO 9303 code; empty: not given
 *   reference        at most SLTD_REFERENCE_MAX bytes of printable ASCII (0x20-0x7E); empty: none
 *   action           add (default) | remove
 * Unknown columns are refused at open (ignored with SLTD_IMPORT_IGNORE_UNKNOWN); a duplicate or missing
 * column is refused at open. A header row with no data rows is a valid, empty feed.
 *
 * Values: spaces and tabs around a value are not part of it; an empty optional value means "not
 * given" (or the default). Keywords (status, action) are case-insensitive. Nothing else is repaired:
 * a value that is not valid makes the row invalid, with a message naming file, line and field. */
#ifndef SLTD_FEED_H
#define SLTD_FEED_H

#include <stddef.h>

#include "sltd.h"

#define SLTD__FEED_RANGE_MAX 1000000UL /* most numbers one range row may stand for */

enum { SLTD__ACTION_ADD = 1, SLTD__ACTION_REMOVE = 2 };

typedef struct sltd__feed_row {
    unsigned long line;               /* input line of the row (a range row: the same for each number) */
    int action;                       /* SLTD__ACTION_* */
    char state[SLTD_STATE_MAX + 1];   /* normalised */
    char number[SLTD_NUMBER_MAX + 1]; /* normalised; for a range row, each number in turn */
    size_t number_len;
    sltd_record rec;                  /* type, reporting_state normalised; status; reported and expires
                                         as YYYYMMDD (0: not given); reference */
} sltd__feed_row;

typedef struct sltd__feed sltd__feed;

/* Open a feed ("-" = standard input) and read its header.
 * flags: SLTD_IMPORT_IGNORE_UNKNOWN or 0.
 * *out is set whenever the return is not SLTD_ENOMEM, also on failure, so that sltd__feed_error()
 * can say what went wrong; close it with sltd__feed_close() either way.
 * Returns 0, SLTD_EFORMAT (no header, bad header: unknown, duplicate or missing column; bad first
 * row), SLTD_ENOENT, SLTD_EIO, SLTD_ENOMEM, SLTD_EINVAL. */
SLTD_NODISCARD int sltd__feed_open(sltd__feed **out, const char *path, unsigned flags);

/* The next record: 1 (*row filled), 0 at the end, SLTD_EFORMAT for an invalid row (message from
 * sltd__feed_error(); the next call continues with the following row: for an invalid row that spans
 * lines, no feed value may hold a line end, so with the row's second line, csvread.h), SLTD_EIO / SLTD_ENOMEM /
 * SLTD_EINVAL (fatal). A range row yields one record per call, with no allocation. */
SLTD_NODISCARD int sltd__feed_next(sltd__feed *f, sltd__feed_row *row);

/* "FILE:LINE: field 'NAME': reason" (or "FILE:LINE: reason" for errors not about one field) for the
 * last error; "" when none. Valid until the next call on the feed. Accepts NULL ("out of memory"). */
const char *sltd__feed_error(const sltd__feed *f);

/* Bytes of heap the feed holds (for tests: it must not grow with the size of the input). */
size_t sltd__feed_memory(const sltd__feed *f);

/* Accepts NULL. */
void sltd__feed_close(sltd__feed *f);

#endif
