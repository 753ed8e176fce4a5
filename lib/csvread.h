/* SPDX-License-Identifier: Apache-2.0 */
/* csvread.h — the one RFC 4180 CSV reader (internal), on the streaming text reader (textin.h). Feeds
 * (feed.c, and through it bundle packing) and CSV manifests (manifest_csv.c) read their rows here, with
 * one set of limits and messages.
 *
 * Rows: fields separated by ','; a field may be quoted with '"' and then hold commas, doubled quotes
 * and line ends (kept as written); a row ends at a line end outside quotes (LF, CRLF or CR: see
 * textin.h) or at the end of the input. Blank rows (nothing, or only spaces and tabs) are skipped.
 * Fields are returned as written, quotes removed, nothing trimmed (sltd__csv_trim is the one rule for
 * the spaces around a value). Bounded memory: a field of more than SLTD__CSV_FIELD_MAX bytes or a row
 * of more than SLTD__CSV_FIELDS_MAX fields makes the row bad, never a bigger buffer.
 *
 * Line numbers are exact (textin.h): a row's `line` is the line its first byte is on, a message names
 * the line of what is wrong.
 *
 * Bad rows (sltd__csv_next returns SLTD_EFORMAT, "FILE:LINE: reason" in sltd__csv_error) never stop
 * the reading; the next call carries on:
 *  - a NUL byte, a field too long, too many fields: the row is read to its end (quotes respected);
 *  - invalid quoting (a '"' inside an unquoted field, or anything but ',' or a line end after a
 *    closing quote): the structure of the row is lost, so reading resumes after the next line end of
 *    any style (LF, CRLF or CR) — never later, so no row after that line end is lost;
 *  - a quoted field still open at the end of the input: an error naming the line it opened on.
 * A bad row never costs more than its first line. A quoted field may hold line ends, so a stray '"'
 * could otherwise take the lines after it into one field (up to the end of the input when no '"'
 * closes it) and hide the rows written there. So when a row whose quoted field holds a line end turns
 * out bad — for any reason above, or because it runs on for more than SLTD__CSV_SPAN_MAX bytes past its
 * first line, or because its reader refuses it (sltd__csv_reject) — reading resumes at the line after
 * the row's first line, and those lines are read again as rows of their own (the message says so).
 * SLTD_EIO (read error) and SLTD_ENOMEM are fatal: every later call returns the same code. */
#ifndef SLTD_CSVREAD_H
#define SLTD_CSVREAD_H

#include <stddef.h>
#include <stdint.h>

#include "sltd.h"

#define SLTD__CSV_FIELD_MAX 4096 /* longest field, bytes */
#define SLTD__CSV_FIELDS_MAX 64  /* most fields in a row */
#define SLTD__CSV_SPAN_MAX 65536 /* most bytes of a row after its first line end */

typedef struct sltd__csv sltd__csv;
struct sltd__text; /* textin.h */

/* One row. Borrowed from the reader: valid until the next sltd__csv_next() or sltd__csv_close(). */
typedef struct sltd__csv_row {
    unsigned long line;       /* line on which the row's first byte is */
    int multiline;            /* a quoted field of the row holds a line end (the row spans lines) */
    size_t nfields;           /* 1..SLTD__CSV_FIELDS_MAX */
    const char *const *field; /* field[i]: the bytes of field i, NUL-terminated (a field holds no NUL) */
    const size_t *len;        /* len[i]: its length in bytes (0..SLTD__CSV_FIELD_MAX) */
    const char *data;         /* the fields, each NUL-terminated, within data[0, used): field[i] is
                                 data + off[i]; one after the other, except when split in place
                                 (sltd__csv_split_in_place) */
    const uint32_t *off;
    size_t used;
} sltd__csv_row;

/* Open PATH ("-" = standard input). *out is set whenever the return is not SLTD_ENOMEM, also on
 * failure, so that sltd__csv_error() can say what went wrong; close it with sltd__csv_close() either way.
 * Returns 0, SLTD_EINVAL, SLTD_ENOENT, SLTD_EFORMAT (a directory), SLTD_EIO, SLTD_ENOMEM. */
SLTD_NODISCARD int sltd__csv_open(sltd__csv **out, const char *path);

/* The same on a text reader that stays the caller's (it is not closed with the CSV reader). 0 or
 * SLTD_ENOMEM (then *out is NULL). */
SLTD_NODISCARD int sltd__csv_attach(sltd__csv **out, struct sltd__text *in);

/* The next row: 1 (and *row set), 0 at the end of the input, SLTD_EFORMAT for a bad row (the next
 * call continues after it; sltd__csv_line gives its line), SLTD_EIO or SLTD_ENOMEM (fatal, sticky). */
SLTD_NODISCARD int sltd__csv_next(sltd__csv *c, const sltd__csv_row **row);

/* Rows read on other threads. The reading thread takes the next row as its line's bytes when the row
 * certainly lies on that line alone (no CR or NUL in it but a CRLF's, an even number of quotes, a ','
 * outside or inside quotes: never a blank row, and whatever is wrong with it stays on that line):
 * 1 with s[0, *len) the line without its line end (valid until the next call on the reader) and *line
 * its line number; 0 when the next row is not such a one, or there is none (nothing is consumed: read
 * it with sltd__csv_next). Any thread then splits the bytes with sltd__csv_split_line, which gives what
 * sltd__csv_next would have given for that row: the same fields, or the same message. Rows taken this
 * way and rows read with sltd__csv_next may be mixed freely. */
SLTD_NODISCARD int sltd__csv_take_line(sltd__csv *c, const char **s, size_t *len, unsigned long *line);

/* A row split by sltd__csv_split_line: row points into it and into the caller's `out`. */
typedef struct sltd__csv_split {
    sltd__csv_row row;
    uint32_t off[SLTD__CSV_FIELDS_MAX];
    size_t len[SLTD__CSV_FIELDS_MAX];
    const char *field[SLTD__CSV_FIELDS_MAX];
    char err[1024]; /* "FILE:LINE: reason" for a bad row */
} sltd__csv_split;

/* Split a line taken with sltd__csv_take_line where it lies, s[0, len) followed by 16 zero bytes (read
 * 16 at a time, they may be read past the line), when the line is at most 512 bytes and every field is
 * unquoted or quoted whole with no doubled quote (nearly every row): the fields stay where they are,
 * each ended by a NUL written over its ',' or closing quote, so that sp->row's data is s and its used
 * len + 1. 1 (sp->row set; sp->row.line is the caller's to set), or 0 when the row is not such a
 * one (s is unchanged: split it with sltd__csv_split_line). */
int sltd__csv_split_in_place(sltd__csv_split *sp, char *s, size_t len);

/* Split a line taken with sltd__csv_take_line (name: the input's name for messages, sltd__csv_name).
 * The fields go to out, which has room for len + 1 bytes. 1 (sp->row set), SLTD_EFORMAT (a bad row:
 * the message in sp->err), SLTD_ENOMEM. */
SLTD_NODISCARD int sltd__csv_split_line(sltd__csv_split *sp, char *out, const char *name, const char *s, size_t len,
                                        unsigned long line);

/* The row last handed out is invalid after all (its values, not its CSV): when it spans lines, the next
 * sltd__csv_next() reads again from the line after the row's first line (see the top); else nothing. */
void sltd__csv_reject(sltd__csv *c);

/* Whether rows that allow it are read in one pass (on: the default; see csvread.c, simple_row). Off,
 * every row goes through the byte-by-byte machine: the answers are the same either way, and the
 * tests compare the two. */
void sltd__csv_one_pass(sltd__csv *c, int on);

/* "FILE:LINE: reason" for the last error (or "FILE: reason" when no line applies); "" when none.
 * Valid until the next call on the reader. Accepts NULL ("out of memory"). */
const char *sltd__csv_error(const sltd__csv *c);

/* The line of the last row handed out or refused. */
unsigned long sltd__csv_line(const sltd__csv *c);

/* The name used in messages: the path, or "<stdin>" for "-". */
const char *sltd__csv_name(const sltd__csv *c);

/* Input bytes read so far, and the input's size when it is a regular file (else 0). */
uint64_t sltd__csv_bytes(const sltd__csv *c);
uint64_t sltd__csv_total(const sltd__csv *c);

/* Bytes of heap the reader holds (for tests: it must not grow with the size of the input). */
size_t sltd__csv_memory(const sltd__csv *c);

/* Accepts NULL. */
void sltd__csv_close(sltd__csv *c);

/* The one rule for values: spaces and tabs around a value are not part of it. Narrows [*s, *s + *n). */
static inline void sltd__csv_trim(const char **s, size_t *n)
{
    while (*n > 0 && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
        (*n)--;
}

/* A header cell for a message: 'name' (other bytes than printable ASCII as \xHH, a long name cut), or,
 * when the cell holds a digit and could be a document number (a file without its header row has a
 * data row there), a text that does not show it. Messages never repeat a value of a data row.
 * Returns buf. */
const char *sltd__csv_show_name(char *buf, size_t cap, const char *s, size_t n);

#endif
