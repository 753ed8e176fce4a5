/* SPDX-License-Identifier: Apache-2.0 */
/* textin.h — the one streaming text reader under every input format (internal): feed CSV, CSV manifests,
 * MRZ text and JSON Lines manifests all read their bytes through it.
 *
 * It reads a file (or standard input for "-"; or bytes in memory, a piece of an input re-read on its
 * own: sltd__text_open_mem) in blocks of SLTD__TEXT_BLOCK bytes, so memory stays
 * bounded whatever the input, and keeps the rules every format shares:
 *  - a UTF-8 byte-order mark (EF BB BF) at the start is dropped (also when a pipe gives it in pieces);
 *  - line ends are LF, CRLF or a lone CR, mixed freely; a CR followed by an LF is one line end (also
 *    when the two fall in different blocks), every other CR or LF is one;
 *  - line numbers are exact for every line-end style: the line of a byte is 1 + the number of line
 *    ends before it (line ends inside CSV quoted fields count too);
 *  - a directory (or anything that is not a file, pipe or terminal to read) is refused at open.
 * A NUL byte is never valid text; the formats refuse the row or line that holds one (the line reader
 * below says where).
 *
 * Two ways to consume the bytes: whole lines (sltd__text_getline: MRZ text, JSON Lines), or the block
 * itself for a byte-level scanner that crosses line ends (the CSV reader), which counts the line ends it
 * consumes with sltd__text_eol(). A scanner that took bytes for one thing and finds they were another can
 * hand them back (sltd__text_unread): they are read again before the rest. */
#ifndef SLTD_TEXTIN_H
#define SLTD_TEXTIN_H

#include <stddef.h>
#include <stdint.h>

#include "sltd.h"

#define SLTD__TEXT_BLOCK (128 * 1024) /* bytes read at a time */

typedef struct sltd__text {
    const unsigned char *buf; /* the current block: unread bytes are buf[pos, end) */
    size_t pos, end;
    unsigned char before;     /* the byte before buf[0] in the input (0 at the start) */
    unsigned long line;       /* line of buf[pos] */
    int eof;                  /* the input is exhausted (the block may still hold bytes) */
    /* private */
    int fd, own_fd, started;
    unsigned char *block;
    char *name;
    uint64_t bytes, total;
    char *lbuf; /* a line that crosses blocks is put together here */
    size_t lcap;
    unsigned char *again; /* bytes handed back (sltd__text_unread): buf points here while they are read */
    size_t again_cap, held_pos, held_end;
    unsigned char held_before; /* the block's pos, end and before, kept while `again` is read */
    int replay;
    char err[512];
} sltd__text;

/* Open PATH ("-" = standard input, read but never closed). *out is set whenever the return is not
 * SLTD_ENOMEM, also on failure, so that sltd__text_error() can say what went wrong; close it either
 * way. Returns 0, SLTD_EINVAL (NULL path), SLTD_ENOENT, SLTD_EFORMAT (a directory or other file that
 * is not text to read), SLTD_EIO, SLTD_ENOMEM. */
SLTD_NODISCARD int sltd__text_open(sltd__text **out, const char *path);

/* A reader of the bytes p[0, n) (borrowed: they must outlive it), whose first byte is on `line` of
 * the input called `name`: a piece of an input re-read on its own (csvread.c). No BOM is looked for.
 * 0 or SLTD_ENOMEM (then *out is NULL). */
SLTD_NODISCARD int sltd__text_open_mem(sltd__text **out, const char *name, const void *p, size_t n, unsigned long line);

/* Make unread bytes available: 1 when buf[pos, end) is not empty, 0 at the end of the input,
 * SLTD_EIO on a read error ("FILE:LINE: read error: ..." in sltd__text_error). */
SLTD_NODISCARD int sltd__text_fill(sltd__text *t);

/* Is the byte at buf[i] (a CR or LF being consumed) the LF of a CRLF pair? Such an LF ends nothing:
 * the CR before it already ended the line. */
static inline int sltd__text_crlf(const sltd__text *t, size_t i)
{
    return t->buf[i] == '\n' && (i > 0 ? t->buf[i - 1] : t->before) == '\r';
}

/* Count the line end at buf[i] (a CR or an LF that is not the tail of a CRLF). */
static inline void sltd__text_eol(sltd__text *t, size_t i)
{
    t->line += !sltd__text_crlf(t, i);
}

/* One line, its line end excluded. */
typedef struct sltd__text_line {
    const char *p;      /* its bytes (at most the `max` given), valid until the next call */
    size_t len;
    unsigned long line; /* its line number */
    size_t full_len;    /* its real length: more than len when it was cut at max */
    size_t nul;         /* 0, or the 1-based position of its first NUL byte */
} sltd__text_line;

/* The next line: 1 (*out set), 0 at the end of the input, SLTD_EIO, SLTD_ENOMEM. A line longer than
 * max bytes is cut at max (full_len says so) and the rest of it is skipped. */
SLTD_NODISCARD int sltd__text_getline(sltd__text *t, sltd__text_line *out, size_t max);

/* Hand back n bytes just consumed (p may not point into the reader): the next bytes read are p[0, n),
 * then whatever was unread before this call. line: the line of p[0]; before: the input byte before p[0]
 * (a CR or an LF: p[0] may be the LF of a CR LF pair). 0 or SLTD_ENOMEM (nothing handed back). The
 * bytes held back at once never exceed the largest n handed back plus what was still unread of them. */
SLTD_NODISCARD int sltd__text_unread(sltd__text *t, const void *p, size_t n, unsigned long line, unsigned char before);

/* The name used in messages: the path, or "<stdin>" for "-". */
const char *sltd__text_name(const sltd__text *t);
/* The last open or read error, "" when none. Accepts NULL ("out of memory"). */
const char *sltd__text_error(const sltd__text *t);
/* Bytes read so far, and the size of the input when it is a regular file (else 0). */
uint64_t sltd__text_bytes(const sltd__text *t);
uint64_t sltd__text_total(const sltd__text *t);
/* Bytes of heap the reader holds (bounded: it does not grow with the input). */
size_t sltd__text_memory(const sltd__text *t);
/* Accepts NULL. */
void sltd__text_close(sltd__text *t);

#endif
