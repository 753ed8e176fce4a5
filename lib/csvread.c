/* SPDX-License-Identifier: Apache-2.0 */
/* csvread.c — the RFC 4180 reader (see csvread.h): a byte-class scanner over the text reader's blocks.
 *
 * A row on one line with nothing unusual in it (simple_row: nearly every row) is split and copied in
 * one pass, 16 bytes at a time up to the next ',', quote, CR or NUL (bytescan.h). Any other row goes
 * through the byte-by-byte machine (sltd__csv_next), which gives the same answers for the simple
 * ones and says what is wrong with the others; unquoted spans there are scanned with a table of the
 * bytes that matter (',', CR, LF, '"', NUL) and copied whole into the row's arena. The row's fields
 * sit one after the other in the arena, each NUL-terminated, so a caller can take the whole row with
 * one copy. Line ends are counted through the text reader (sltd__text_eol), which knows when an LF is
 * the tail of a CRLF, also across blocks.
 *
 * A row taken as its line (sltd__csv_take_line) is split later where it lies when it can be
 * (sltd__csv_split_in_place: from bit masks of its commas and quotes, 64 bytes at a time), else by the
 * same one-pass splitter (split_simple), or, when it is not simple, by the machine over the line alone
 * (a reader over those bytes in memory), so that its fields or its message are those the reader would
 * have given.
 *
 * A row that spans lines (a quoted line end) keeps the bytes it reads after its first line end: those
 * still in the text reader's buffer by position (`rec`), those of buffers already read in `again`. To
 * read them again (a bad or refused row), the position goes back to `rec` and the kept bytes are
 * handed back to the text reader (sltd__text_unread). Rows on one line, nearly all, keep nothing. */
#include "csvread.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytescan.h"
#include "norm.h"
#include "textin.h"

#define ARENA_SIZE ((size_t)SLTD__CSV_FIELDS_MAX * (SLTD__CSV_FIELD_MAX + 1))

enum { S_START, S_UNQ, S_QUO, S_QQ, S_SKIP };

/* bytes that end an unquoted span, and a quoted one */
static const unsigned char unq_stop[256] = { [0] = 1, [','] = 1, ['\n'] = 1, ['\r'] = 1, ['"'] = 1 };
static const unsigned char quo_stop[256] = { [0] = 1, ['\n'] = 1, ['\r'] = 1, ['"'] = 1 };

struct sltd__csv {
    sltd__text *in;
    int own_in;
    int fatal, done;
    int st, in_row, bad;
    unsigned long row_line, field_line, last_line;
    size_t nfields, flen, fstart, used;
    int span, reject;          /* the row spans lines; its reader refused it */
    int slow;                  /* sltd__csv_one_pass(c, 0): no row read in one pass */
    size_t arena_size;         /* ARENA_SIZE, or less for a reader of one line (sltd__csv_split_line) */
    size_t rec;                /* span: the bytes kept start at in->buf[rec] (then come those of the input) */
    unsigned long span_line;   /* span: the line after the row's first line, and the byte before it */
    unsigned char span_before;
    unsigned char *again;      /* span: bytes of buffers read already, kept */
    size_t again_len;
    char *arena;
    uint32_t off[SLTD__CSV_FIELDS_MAX];
    size_t lens[SLTD__CSV_FIELDS_MAX];
    const char *fieldp[SLTD__CSV_FIELDS_MAX];
    sltd__csv_row row;
    char err[1024];
};

const char *sltd__csv_show_name(char *buf, size_t cap, const char *s, size_t n)
{
    size_t o = 0, i;

    if (cap < 64)
        return cap > 0 ? (buf[0] = '\0', buf) : buf;
    for (i = 0; i < n && !(s[i] >= '0' && s[i] <= '9'); i++)
        ;
    if (i < n && sltd__norm_could_be_number(s, n)) { /* a word without digits is taken for a name */
        snprintf(buf, cap, "(its name is not shown: it could be a document number)");
        return buf;
    }
    buf[o++] = '\'';
    for (i = 0; i < n && o + 8 < cap; i++) {
        const unsigned char ch = (unsigned char)s[i];
        if (i == 40) {
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
        if (ch < 0x20 || ch > 0x7e || ch == '\\' || ch == '\'')
            o += (size_t)snprintf(buf + o, cap - o, "\\x%02X", ch);
        else
            buf[o++] = (char)ch;
    }
    buf[o++] = '\'';
    buf[o] = '\0';
    return buf;
}

static sltd__csv *csv_new(size_t arena_size)
{
    sltd__csv *c = calloc(1, sizeof *c);

    if (c == NULL)
        return NULL;
    c->arena_size = arena_size;
    c->row.field = c->fieldp;
    c->row.len = c->lens;
    c->row.off = c->off;
    if ((c->arena = malloc(arena_size)) == NULL) {
        free(c);
        return NULL;
    }
    c->row.data = c->arena;
    return c;
}

int sltd__csv_attach(sltd__csv **out, sltd__text *in)
{
    if ((*out = csv_new(ARENA_SIZE)) == NULL)
        return SLTD_ENOMEM;
    (*out)->in = in;
    return 0;
}

int sltd__csv_open(sltd__csv **out, const char *path)
{
    sltd__csv *c;
    int rc;

    if (out == NULL)
        return SLTD_EINVAL;
    if ((*out = c = csv_new(ARENA_SIZE)) == NULL)
        return SLTD_ENOMEM;
    c->own_in = 1;
    rc = sltd__text_open(&c->in, path);
    if (rc == SLTD_ENOMEM && c->in == NULL) {
        sltd__csv_close(c);
        *out = NULL;
        return rc;
    }
    if (rc != 0) {
        snprintf(c->err, sizeof c->err, "%s", sltd__text_error(c->in));
        c->fatal = rc;
    }
    return rc;
}

/* The row is bad: "FILE:LINE: what". The first reason of a row is kept. */
__attribute__((format(printf, 3, 4))) static void row_error(sltd__csv *c, unsigned long line, const char *fmt, ...)
{
    va_list ap;
    int o;

    if (c->bad)
        return;
    c->bad = 1;
    o = snprintf(c->err, sizeof c->err, "%s:%lu: ", sltd__text_name(c->in), line);
    if (o < 0 || (size_t)o >= sizeof c->err)
        return;
    va_start(ap, fmt);
    vsnprintf(c->err + o, sizeof c->err - (size_t)o, fmt, ap);
    va_end(ap);
}

static void quoting_error(sltd__csv *c)
{
    row_error(c, c->in->line, "invalid quoting: a '\"' inside an unquoted field, or text after a closing quote");
    c->st = S_SKIP;
}

static void add(sltd__csv *c, const unsigned char *p, size_t n)
{
    if (c->bad || n == 0)
        return;
    if (c->flen + n > SLTD__CSV_FIELD_MAX) {
        row_error(c, c->row_line, "field %zu is longer than %d bytes", c->nfields + 1, SLTD__CSV_FIELD_MAX);
        return;
    }
    memcpy(c->arena + c->used, p, n);
    c->used += n;
    c->flen += n;
}

static void field_end(sltd__csv *c)
{
    if (!c->bad) {
        if (c->nfields == SLTD__CSV_FIELDS_MAX) {
            row_error(c, c->row_line, "more than %d fields in the row", SLTD__CSV_FIELDS_MAX);
        } else {
            c->arena[c->used++] = '\0';
            c->off[c->nfields] = (uint32_t)c->fstart;
            c->lens[c->nfields] = c->flen;
            c->fieldp[c->nfields] = c->arena + c->fstart;
        }
    }
    c->nfields++;
    c->flen = 0;
    c->fstart = c->used;
    c->st = S_START;
}

/* Read again from the line after the row's first line: the kept bytes, then the rest. 0 or SLTD_ENOMEM. */
static int read_again(sltd__csv *c)
{
    sltd__text *in = c->in;

    c->span = 0;
    in->pos = c->rec;
    if (c->again_len == 0) { /* all of it is still in the buffer */
        in->line = c->span_line;
        if (c->rec == 0)
            in->before = c->span_before;
        c->done = 0;
        return 0;
    }
    c->done = 0;
    return sltd__text_unread(in, c->again, c->again_len, c->span_line, c->span_before);
}

/* A bad row: SLTD_EFORMAT; when it spans lines, the reading goes back to the line after its first. */
static int bad_row(sltd__csv *c)
{
    size_t o;

    c->in_row = 0;
    c->st = S_START;
    c->last_line = c->row_line;
    if (!c->span)
        return SLTD_EFORMAT;
    o = strlen(c->err);
    snprintf(c->err + o, sizeof c->err - o, " (the row's lines from %lu on are read again as rows)", c->span_line);
    if (read_again(c) != 0) {
        snprintf(c->err, sizeof c->err, "out of memory");
        return c->fatal = SLTD_ENOMEM;
    }
    return SLTD_EFORMAT;
}

/* The buffer is read to its end: a row that spans lines keeps its bytes from rec on. 0, or
 * SLTD_EFORMAT when the row runs on too far (then reading goes back as for any bad row). */
static int keep_span(sltd__csv *c)
{
    sltd__text *in = c->in;
    const size_t n = in->end - c->rec;

    if (c->again_len + n > SLTD__CSV_SPAN_MAX) {
        row_error(c, c->row_line, "a quoted field holds a line end and the row runs on for more than %d bytes",
                  SLTD__CSV_SPAN_MAX);
        return bad_row(c);
    }
    if (n == 0)
        return 0;
    if (c->again == NULL && (c->again = malloc(SLTD__CSV_SPAN_MAX)) == NULL) {
        snprintf(c->err, sizeof c->err, "out of memory");
        return c->fatal = SLTD_ENOMEM;
    }
    memcpy(c->again + c->again_len, in->buf + c->rec, n);
    c->again_len += n;
    c->rec = in->end;
    return 0;
}

void sltd__csv_one_pass(sltd__csv *c, int on)
{
    if (c != NULL)
        c->slow = !on;
}

void sltd__csv_reject(sltd__csv *c)
{
    if (c != NULL)
        c->reject = 1;
}

/* The row has ended: 1 (a row to hand out), SLTD_EFORMAT (a bad row), 0 (a blank row: read on). */
static int row_end(sltd__csv *c, const sltd__csv_row **row)
{
    c->in_row = 0;
    c->st = S_START;
    c->last_line = c->row_line;
    if (c->bad)
        return bad_row(c);
    if (c->nfields == 1) {
        const char *f = c->fieldp[0];
        size_t n = c->lens[0];
        sltd__csv_trim(&f, &n);
        if (n == 0)
            return 0;
    }
    c->row.line = c->row_line;
    c->row.multiline = c->span;
    c->row.nfields = c->nfields;
    c->row.used = c->used;
    *row = &c->row;
    return 1;
}

/* A field ends at ch (at buf[pos]): a ',', or a line end that ends the row too. Returns what row_end
 * returns for a line end, else 0. */
static int delimit(sltd__csv *c, unsigned char ch, const sltd__csv_row **row)
{
    if (ch == ',') {
        c->in->pos++;
        field_end(c);
        return 0;
    }
    sltd__text_eol(c->in, c->in->pos++);
    field_end(c);
    return row_end(c, row);
}

static void row_open(sltd__csv *c)
{
    c->in_row = 1;
    c->bad = 0;
    c->nfields = c->flen = c->fstart = c->used = 0;
    c->row_line = c->field_line = c->in->line;
}

/* The input ended: the row being read (if any) ends too. */
static int at_end(sltd__csv *c, const sltd__csv_row **row)
{
    c->done = 1;
    if (!c->in_row)
        return 0;
    if (c->st == S_QUO) {
        c->bad = 0; /* the unclosed quote explains any error noted since it opened */
        row_error(c, c->field_line, "quoted field opened here is not closed at the end of the input");
    } else if (c->st != S_SKIP) {
        field_end(c);
    }
    return row_end(c, row);
}

/* Split the row p[0, n) (one line, its line end excluded) into a when it is a simple one, as nearly
 * every row is: no CR or NUL, each field unquoted or quoted whole (a doubled quote inside it stands for
 * one), fields within the limits. One pass, each field copied and NUL-terminated as the byte-by-byte
 * machine below would, into a (room for n + 1 bytes), its offset, length and address in off, lens,
 * fieldp; *used gets the bytes written. Returns the number of fields, or 0 when the row is not simple
 * (the machine reads it, and says what is wrong with it, if anything). */
static size_t split_simple(const unsigned char *p, size_t n, char *a, uint32_t *off, size_t *lens, const char **fieldp,
                           size_t *used)
{
    size_t i = 0, out = 0, nf = 0;

    for (;;) {
        const size_t start = out;
        unsigned char ch;

        if (i < n && p[i] == '"') {
            i++;
#if SLTD__BYTESCAN /* 16 bytes copied at a time up to the first quote, CR or NUL (out <= i: room) */
            for (unsigned k = 16; k == 16 && i + 16 <= n; i += k, out += k) {
                k = sltd__first_of4(p + i, 0, '"', '\r', '\0', '"');
                memcpy(a + out, p + i, 16);
            }
#endif
            for (;; i++) {
                if (i == n) /* not closed on this line */
                    return 0;
                ch = p[i];
                if (ch == '"') {
                    if (i + 1 < n && p[i + 1] == '"') {
                        i++;
                    } else {
                        i++;
                        break;
                    }
                } else if (ch == '\r' || ch == '\0') {
                    return 0;
                }
                a[out++] = (char)ch;
            }
            if (i < n && p[i] != ',') /* text after the closing quote */
                return 0;
        } else {
#if SLTD__BYTESCAN /* as above, up to the first ',', quote, CR or NUL */
            for (unsigned k = 16; k == 16 && i + 16 <= n; i += k, out += k) {
                k = sltd__first_of4(p + i, 0, ',', '"', '\r', '\0');
                memcpy(a + out, p + i, 16);
            }
#endif
            for (; i < n && !unq_stop[ch = p[i]]; i++) /* (no LF before n) */
                a[out++] = (char)ch;
            if (i < n && p[i] != ',')
                return 0;
        }
        if (out - start > SLTD__CSV_FIELD_MAX)
            return 0;
        a[out++] = '\0';
        off[nf] = (uint32_t)start;
        lens[nf] = out - 1 - start;
        fieldp[nf++] = a + start;
        if (i == n)
            break;
        if (nf == SLTD__CSV_FIELDS_MAX) /* a ',' after the last field there may be */
            return 0;
        i++;
    }
    *used = out;
    return nf;
}

/* The row at the reading position when it is a simple one (split_simple) on a line that ends (LF or
 * CRLF) in the current block. -1 when it is not: nothing has changed, and the machine reads it. Else
 * what row_end returns. */
static int simple_row(sltd__csv *c, const sltd__csv_row **row)
{
    sltd__text *in = c->in;
    const unsigned char *p = in->buf + in->pos, *lf = memchr(p, '\n', in->end - in->pos);
    size_t n, nf, used;

    if (lf == NULL)
        return -1;
    n = (size_t)(lf - p);
    if (n > 0 && p[n - 1] == '\r')
        n--;
    if (n == 0 || n >= c->arena_size) /* the arena holds the row: its fields and NULs take at most n + 1 */
        return -1;
    if ((nf = split_simple(p, n, c->arena, c->off, c->lens, c->fieldp, &used)) == 0)
        return -1;
    /* the state row_open and the fields' ends would have left */
    c->in_row = 1;
    c->bad = 0;
    c->row_line = c->field_line = in->line;
    c->nfields = nf;
    c->used = c->fstart = used;
    c->flen = 0;
    if (n < (size_t)(lf - p)) /* the CR of a CRLF, then its LF */
        sltd__text_eol(in, in->pos + n);
    sltd__text_eol(in, (size_t)(lf - in->buf));
    in->pos = (size_t)(lf - in->buf) + 1;
    return row_end(c, row);
}

/* The length of the row at p[0, avail) with its line end when the row certainly lies on that line
 * alone, its bytes without the line end in *len; else 0. It does when the line ends (LF or CRLF) within
 * avail, holds no other CR and no NUL, an even number of quotes (an odd one is what leaves a quoted
 * field open at a line end; a quoting error skips to the line's end) and a ',' (so that it is not a
 * blank row: one field of spaces, or an empty quoted one). */
static size_t line_row(const unsigned char *p, size_t avail, size_t *len)
{
    size_t i = 0;
    int odd = 0, comma = 0;

#if SLTD__BYTESCAN
    i = sltd__csv_blocks(p, avail, &odd, &comma);
#endif
    for (; i < avail && p[i] != '\n' && p[i] != '\r' && p[i] != '\0'; i++) {
        odd ^= p[i] == '"';
        comma |= p[i] == ',';
    }
    if (i == avail || p[i] == '\0')
        return 0;
    *len = i;
    if (p[i] == '\r' && (++i == avail || p[i] != '\n'))
        return 0;
    return !odd && comma ? i + 1 : 0;
}

int sltd__csv_take_line(sltd__csv *c, const char **s, size_t *len, unsigned long *line)
{
    sltd__text *in = c->in;
    size_t took;

    if (c->fatal || c->done || c->slow || c->in_row || c->span || in->pos >= in->end ||
        (took = line_row(in->buf + in->pos, in->end - in->pos, len)) == 0)
        return 0;
    *s = (const char *)in->buf + in->pos;
    *line = c->last_line = in->line;
    c->err[0] = '\0';
    if (took > *len + 1) /* the CR of a CRLF, then its LF */
        sltd__text_eol(in, in->pos + *len);
    sltd__text_eol(in, in->pos + took - 1);
    in->pos += took;
    return 1;
}

/* The ',' and '"' of a line p[0, len) among p[base, base + 64): bit i for p[base + i]. 16 bytes at a time
 * (the 16 zero bytes after the line may be read), or byte by byte. */
static void window(const unsigned char *p, size_t base, size_t len, uint64_t *comma, uint64_t *quote)
{
    uint64_t c = 0, q = 0;
    size_t k = 0;

#if SLTD__BYTESCAN
    for (; k < 64 && base + k < len; k += 16) {
        unsigned mc, mq;
        sltd__mask16_each(p + base + k, ',', '"', &mc, &mq);
        c |= (uint64_t)mc << k;
        q |= (uint64_t)mq << k;
    }
#else
    for (; k < 64 && base + k < len; k++) {
        c |= (uint64_t)(p[base + k] == ',') << k;
        q |= (uint64_t)(p[base + k] == '"') << k;
    }
#endif
    *comma = c;
    *quote = q;
}

/* Rows of at most this many 64-byte windows are split where they lie; their fields cannot be too long. */
#define SPLIT_WINDOWS 8
_Static_assert(64 * SPLIT_WINDOWS <= SLTD__CSV_FIELD_MAX, "a row split in place has no field too long");

/* Bit i of the result: the xor of bits 0..i of x (1 from an opening quote up to its closing one). */
static uint64_t prefix_xor(uint64_t x)
{
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    return x;
}

static int lowest_bit(uint64_t m)
{
#if defined(__GNUC__)
    return __builtin_ctzll(m);
#else
    int b = 0;
    while (!(m & 1)) {
        m >>= 1;
        b++;
    }
    return b;
#endif
}

/* sp's row: its nf fields (in sp's arrays) within data[0, used), on one line. */
static void split_row_is(sltd__csv_split *sp, const char *data, size_t nf, size_t used, unsigned long line)
{
    sp->err[0] = '\0';
    sp->row.field = sp->field;
    sp->row.len = sp->len;
    sp->row.off = sp->off;
    sp->row.data = data;
    sp->row.line = line;
    sp->row.multiline = 0;
    sp->row.nfields = nf;
    sp->row.used = used;
}

int sltd__csv_split_in_place(sltd__csv_split *sp, char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    uint64_t seps[SPLIT_WINDOWS]; /* each window's separating commas */
    uint64_t inside = 0, starts = 1, after_close = 0; /* carried from window to window */
    size_t w, nw = (len + 63) / 64, nf = 0, from = 0;

    if (nw > SPLIT_WINDOWS) /* a long row: split apart (no field can be too long here) */
        return 0;
    /* Masks a 64-byte window: a comma outside quotes separates; a quote opens where it leaves `inside`
     * set, and closes otherwise. The row is one such a split gives exactly as the machine reads it
     * when every opening quote begins a field and every closing one is followed by a separator or
     * the line's end: no quote inside a field, no doubled quote, nothing after a closing quote. */
    for (w = 0; w < nw; w++) {
        const size_t base = 64 * w;
        uint64_t comma, quote, in, sep, open, close, follow, end;

        window(p, base, len, &comma, &quote);
        in = prefix_xor(quote) ^ inside;
        inside = (uint64_t)0 - (in >> 63);
        sep = comma & ~in;
        open = quote & in;
        close = quote & ~in;
        follow = close << 1 | after_close;
        after_close = close >> 63;
        end = len - base < 64 ? (uint64_t)1 << (len - base) : 0;
        if ((open & ~(sep << 1 | starts)) != 0 || (follow & ~(sep | end)) != 0)
            return 0;
        starts = sep >> 63;
        if (len >= SLTD__CSV_FIELDS_MAX - 1) /* a shorter row cannot have too many fields */
            nf += (size_t)__builtin_popcountll(sep);
        seps[w] = sep;
    }
    if (inside || nf >= SLTD__CSV_FIELDS_MAX) /* a quote not closed on this line; too many fields */
        return 0;
    /* Valid: each field ends at its ',' or closing quote, where a NUL goes; the line's NUL ends the last */
    nf = 0;
    for (w = 0; w <= nw; w++) {
        for (uint64_t m = w < nw ? seps[w] : 1; m != 0; m &= m - 1) {
            const size_t at = w < nw ? 64 * w + (size_t)lowest_bit(m) : len;
            size_t lo = from, hi = at;
            if (lo < hi && p[lo] == '"') { /* quoted whole: its closing quote is at at - 1 */
                lo++;
                hi--;
            }
            sp->off[nf] = (uint32_t)lo;
            sp->len[nf] = hi - lo;
            sp->field[nf++] = s + lo;
            s[hi] = '\0';
            from = at + 1;
        }
    }
    split_row_is(sp, s, nf, len + 1, 0);
    return 1;
}

int sltd__csv_split_line(sltd__csv_split *sp, char *out, const char *name, const char *s, size_t len, unsigned long line)
{
    const sltd__csv_row *row;
    sltd__text *t = NULL;
    sltd__csv *c = NULL;
    size_t nf, used;
    int rc;

    if ((nf = split_simple((const unsigned char *)s, len, out, sp->off, sp->len, sp->field, &used)) > 0) {
        split_row_is(sp, out, nf, used, line);
        return 1;
    }
    split_row_is(sp, out, 0, 0, line);
    /* Not simple: the byte-by-byte machine reads the line, for the same row or the same message. Its
     * arena needs no more than the line: fields and their NULs take at most len + 1 bytes. */
    if ((rc = sltd__text_open_mem(&t, name, s, len, line)) != 0 || (c = csv_new(len + 1)) == NULL) {
        sltd__text_close(t);
        return SLTD_ENOMEM;
    }
    c->in = t;
    c->own_in = 1;
    c->slow = 1;
    rc = sltd__csv_next(c, &row);
    if (rc == 1) {
        memcpy(out, row->data, row->used);
        for (nf = 0; nf < row->nfields; nf++) {
            sp->off[nf] = row->off[nf];
            sp->len[nf] = row->len[nf];
            sp->field[nf] = out + row->off[nf];
        }
        split_row_is(sp, out, row->nfields, row->used, line);
    } else if (rc == 0) { /* cannot be (line_row): a blank row would not be a row at all */
        rc = SLTD_EINVAL;
    } else {
        snprintf(sp->err, sizeof sp->err, "%s", sltd__csv_error(c));
    }
    sltd__csv_close(c);
    return rc;
}

int sltd__csv_next(sltd__csv *c, const sltd__csv_row **row)
{
    sltd__text *in;
    int rc;

    if (c == NULL || row == NULL)
        return SLTD_EINVAL;
    *row = NULL;
    if (c->fatal)
        return c->fatal;
    c->err[0] = '\0';
    in = c->in;
    if (c->span && !c->in_row) { /* the row handed out last spans lines: refused, it is read again */
        if (c->reject && read_again(c) != 0) {
            snprintf(c->err, sizeof c->err, "out of memory");
            return c->fatal = SLTD_ENOMEM;
        }
        c->span = 0;
    }
    c->reject = 0;
    while (!c->done) {
        if (c->bad && c->span) /* a bad row that spans lines stops here (bad_row) */
            return bad_row(c);
        if (in->pos == in->end) {
            if (c->span && (rc = keep_span(c)) != 0)
                return rc;
            rc = sltd__text_fill(in);
            c->rec = in->pos;
            if (rc < 0) {
                snprintf(c->err, sizeof c->err, "%s", sltd__text_error(in));
                return c->fatal = rc;
            }
            if (rc == 0) {
                if ((rc = at_end(c, row)) != 0)
                    return rc;
                break;
            }
        }
        const unsigned char *b = in->buf, *e = in->buf + in->end, *p = in->buf + in->pos, *q;
        unsigned char ch;

        switch (c->st) {
        case S_START:
            ch = *p;
            if (!c->in_row) {
                if (ch == '\n' || ch == '\r') { /* a blank line */
                    sltd__text_eol(in, in->pos++);
                    continue;
                }
                if (!c->slow && (rc = simple_row(c, row)) >= 0) {
                    if (rc != 0)
                        return rc;
                    continue; /* a blank row */
                }
                row_open(c);
            }
            if (ch == '"') {
                c->field_line = in->line;
                c->st = S_QUO;
                in->pos++;
                continue;
            }
            c->st = S_UNQ;
            /* fall through */
        case S_UNQ:
            for (q = p; q < e && !unq_stop[*q]; q++)
                ;
            add(c, p, (size_t)(q - p));
            in->pos = (size_t)(q - b);
            if (q == e)
                continue;
            ch = *q;
            if (ch == ',' || ch == '\n' || ch == '\r') {
                if ((rc = delimit(c, ch, row)) != 0)
                    return rc;
            } else if (ch == '"') {
                quoting_error(c);
                in->pos++;
            } else {
                row_error(c, in->line, "NUL byte in the input");
                in->pos++;
            }
            continue;
        case S_QUO:
            for (q = p; q < e && !quo_stop[*q]; q++)
                ;
            add(c, p, (size_t)(q - p));
            in->pos = (size_t)(q - b);
            if (q == e)
                continue;
            if (*q == '"') {
                c->st = S_QQ;
            } else if (*q == '\n' || *q == '\r') {
                sltd__text_eol(in, in->pos);
                add(c, q, 1);
                if (!c->span) { /* the row's first line end: keep what follows */
                    c->span = 1;
                    c->rec = in->pos + 1;
                    c->span_line = in->line;
                    c->span_before = *q;
                    c->again_len = 0;
                }
            } else {
                row_error(c, in->line, "NUL byte in the input");
            }
            in->pos++;
            continue;
        case S_QQ:
            ch = *p;
            if (ch == '"') { /* a doubled quote */
                add(c, p, 1);
                c->st = S_QUO;
                in->pos++;
            } else if (ch == ',' || ch == '\n' || ch == '\r') {
                if ((rc = delimit(c, ch, row)) != 0)
                    return rc;
            } else if (ch == '\0') {
                row_error(c, in->line, "NUL byte in the input");
                c->st = S_SKIP;
                in->pos++;
            } else {
                quoting_error(c);
            }
            continue;
        case S_SKIP: { /* after a quoting error: to the next line end of any style */
            const unsigned char *lf = memchr(p, '\n', (size_t)(e - p));
            if ((q = memchr(p, '\r', (size_t)((lf != NULL ? lf : e) - p))) == NULL)
                q = lf;
            if (q == NULL) {
                in->pos = in->end;
                continue;
            }
            in->pos = (size_t)(q - b);
            sltd__text_eol(in, in->pos++);
            if ((rc = row_end(c, row)) != 0)
                return rc;
            continue;
        }
        default:
            return SLTD_EINVAL;
        }
    }
    return 0;
}

const char *sltd__csv_error(const sltd__csv *c)
{
    return c == NULL ? "out of memory" : c->err;
}

unsigned long sltd__csv_line(const sltd__csv *c)
{
    return c->last_line;
}

const char *sltd__csv_name(const sltd__csv *c)
{
    return c == NULL ? "" : sltd__text_name(c->in);
}

uint64_t sltd__csv_bytes(const sltd__csv *c)
{
    return sltd__text_bytes(c->in);
}

uint64_t sltd__csv_total(const sltd__csv *c)
{
    return sltd__text_total(c->in);
}

size_t sltd__csv_memory(const sltd__csv *c)
{
    return c == NULL ? 0
                         : sizeof *c + c->arena_size + (c->again != NULL ? SLTD__CSV_SPAN_MAX : 0) +
                           (c->own_in ? sltd__text_memory(c->in) : 0);
}

void sltd__csv_close(sltd__csv *c)
{
    if (c == NULL)
        return;
    if (c->own_in)
        sltd__text_close(c->in);
    free(c->again);
    free(c->arena);
    free(c);
}
