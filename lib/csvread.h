/* SPDX-License-Identifier: Apache-2.0 */
/* csvread.h — streaming RFC 4180 reader on top of libcsv (internal).
 *
 * Reads a file (or standard input for "-") in 64 KiB chunks and hands out one row at a time, with
 * bounded memory whatever the input: a field longer than SLTD__CSV_FIELD_MAX bytes or a row of more
 * than SLTD__CSV_FIELDS_MAX fields is an error, never a bigger buffer.
 *
 * Input rules: UTF-8 with or without a leading BOM (EF BB BF, stripped); LF or CRLF line ends (a bare
 * CR also ends a row, but only LF counts as a new line); quoted fields may hold commas, doubled quotes
 * and line breaks; the last row may lack its line end; blank lines (nothing, or only spaces and tabs)
 * are skipped. Fields are returned exactly as written (no trimming), quotes removed.
 *
 * Line numbers are physical: they count every LF, including LFs inside quoted fields. A row's `line`
 * is the line on which its first field starts.
 *
 * Errors and recovery (report-all): sltd__csv_next() returns SLTD_EFORMAT for a bad row, with
 * "FILE:LINE: reason" from sltd__csv_error(), and the next call carries on with the following row:
 *  - NUL byte, field too long, too many fields: the row is read to its end (its content discarded),
 *    the error names the line of the NUL byte / the line the row starts on;
 *  - invalid quoting (a '"' inside an unquoted field, or anything but ',' or a line end after a
 *    closing quote): the error names the line of the offending quote; reading resumes at the next
 *    physical line. When the bad quote sits inside a multi-line quoted field, later errors may be
 *    consequences of the first one (the reader cannot know where that field was meant to end);
 *  - a quoted field still open at the end of the input: one error naming the line it opened on, then
 *    end of input.
 * SLTD_EIO (read error) and SLTD_ENOMEM are fatal: every later call returns the same code. */
#ifndef SLTD_CSVREAD_H
#define SLTD_CSVREAD_H

#include <stddef.h>

#include "sltd.h"

#define SLTD__CSV_FIELD_MAX 4096   /* longest field, bytes */
#define SLTD__CSV_FIELDS_MAX 64    /* most fields in a row */
#define SLTD__CSV_CHUNK (64 * 1024) /* bytes read at a time */

typedef struct sltd__csv sltd__csv;

/* One row. Borrowed from the reader: valid until the next sltd__csv_next() or sltd__csv_close(). */
typedef struct sltd__csv_row {
    unsigned long line;       /* physical line (1-based) on which the row's first field starts */
    size_t nfields;           /* 1..SLTD__CSV_FIELDS_MAX */
    const char *const *field; /* field[i]: the bytes of field i, NUL-terminated (a field holds no NUL) */
    const size_t *len;        /* len[i]: its length in bytes (0..SLTD__CSV_FIELD_MAX) */
} sltd__csv_row;

/* Open PATH ("-" = standard input, which is read but never closed).
 * *out is set whenever the return is not SLTD_ENOMEM, also on failure, so that sltd__csv_error()
 * can say what went wrong; close it with sltd__csv_close() either way.
 * Returns 0, SLTD_EINVAL, SLTD_ENOENT, SLTD_EIO, SLTD_ENOMEM. */
SLTD_NODISCARD int sltd__csv_open(sltd__csv **out, const char *path);

/* The next row: 1 (and *row set), 0 at the end of the input, SLTD_EFORMAT for a bad row (the next
 * call continues after it), SLTD_EIO or SLTD_ENOMEM (fatal, sticky). */
SLTD_NODISCARD int sltd__csv_next(sltd__csv *c, const sltd__csv_row **row);

/* "FILE:LINE: reason" for the last error (or "FILE: reason" when no line applies); "" when none.
 * Valid until the next call on the reader. Accepts NULL ("out of memory"). */
const char *sltd__csv_error(const sltd__csv *c);

/* The name used in messages: the path, or "<stdin>" for "-". */
const char *sltd__csv_name(const sltd__csv *c);

/* Bytes of heap the reader holds, counting the largest size libcsv's field buffer has reached
 * (for tests: it must not grow with the size of the input). */
size_t sltd__csv_memory(const sltd__csv *c);

/* Accepts NULL. */
void sltd__csv_close(sltd__csv *c);

#endif
