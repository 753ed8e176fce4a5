/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_screen.c — property fuzz target for screening: whatever the manifest bytes, every row that holds
 * a listed document is reported as a hit, or as an invalid row at its line (which makes `sltd screen`
 * exit non-zero naming that line); no row holding only unlisted, valid documents is a hit.
 *
 * The first input byte chooses the run: bits 0-1 the format (CSV, MRZ text, JSON Lines, CSV with an
 * `mrz` column), bit 2 OCR variants, bit 3 two threads, bit 4 a BOM, bits 5-7 the CSV header (which
 * column names the issuing state, and where it and the number stand among two other columns, the
 * first of which is `mrz` in the fourth format). The rest are the
 * manifest's bytes, as they are, except that a byte 0x01 plants a document there (the byte after it
 * says which, and how it is written), so that the fuzzer reaches listed documents at once. The
 * database lists UTO L898902C3 (P), D C01X00T47, UTO D23145890 (I) and UTO Q1.
 *
 * How "a row that holds a listed document" is known:
 *  - CSV: from a model of the format written here character by character, independently of
 *    lib/csvread.c (RFC 4180, the line ends, the limits, the recovery after an error, as csvread.h
 *    states them): every row of any bytes is known, with its line, so the check is row for row: the
 *    same rows, at the same lines, invalid exactly when the model says so, listed exactly when its
 *    state and number (trimmed, through the public normalisers) are listed, or its `mrz` cell is (by
 *    sltd_db_lookup_mrz on the cell's text: screening never hides what a single lookup finds; a cell
 *    it cannot answer, or fields that do not normalise, make a row that is not listed invalid; with
 *    both unlisted a row may be clear or invalid, as the two may name different documents);
 *  - MRZ text and JSON Lines: from the planted documents, which stand on lines of their own amid any
 *    bytes: each is reported at its line, with the answer its kind must have.
 * Line numbers are counted over the final bytes (a CR, an LF, or a CR LF pair ends a line).
 *
 * Build and run (clang, ASan+UBSan): sh tools/fuzz.sh 600 screen
 * Linked with fuzz/replay.c (any compiler, no libFuzzer), it replays its corpus as an ordinary test. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzzdb.h"
#include "sltd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ROWS 40000
#define MAX_PLANT 512
#define OUT_MAX (64 * 1024)

static sltd_db *db;

static void broken(const char *what, unsigned long line)
{
    fprintf(stderr, "fuzz_screen: broken promise at line %lu: %s\n", line, what);
    abort();
}

static void check(int ok, const char *what, unsigned long line)
{
    if (!ok)
        broken(what, line);
}


/* Is (state, number), as written, a listed document by the library's own normalisation? -1 when
 * either does not normalise (the row is invalid). */
static int listed(const char *state, size_t slen, const char *number, size_t nlen)
{
    static const char *const docs[][2] = { { "UTO", "L898902C3" }, { "D", "C01X00T47" }, { "UTO", "D23145890" },
                                           { "UTO", "Q1" } };
    char s[64], n[4200], ns[SLTD_STATE_MAX + 1], nn[SLTD_NUMBER_MAX + 1];
    size_t i;

    while (slen > 0 && (*state == ' ' || *state == '\t'))
        state++, slen--;
    while (slen > 0 && (state[slen - 1] == ' ' || state[slen - 1] == '\t'))
        slen--;
    while (nlen > 0 && (*number == ' ' || *number == '\t'))
        number++, nlen--;
    while (nlen > 0 && (number[nlen - 1] == ' ' || number[nlen - 1] == '\t'))
        nlen--;
    if (slen >= sizeof s || nlen >= sizeof n || memchr(state, 0, slen) != NULL || memchr(number, 0, nlen) != NULL)
        return -1;
    memcpy(s, state, slen);
    s[slen] = '\0';
    memcpy(n, number, nlen);
    n[nlen] = '\0';
    if (sltd_state_normalize(ns, s) != 0 || sltd_number_normalize(nn, n) != 0)
        return -1;
    for (i = 0; i < sizeof docs / sizeof docs[0]; i++)
        if (strcmp(ns, docs[i][0]) == 0 && strcmp(nn, docs[i][1]) == 0)
            return 1;
    return 0;
}

/* ---- what was reported ---- */

typedef struct got {
    unsigned long line;
    int error, listed;
} got;

typedef struct seen {
    const char *path;
    got row[MAX_ROWS];
    size_t n;
    uint64_t next_index, hits, invalid;
    unsigned long last_line;
} seen;

static int on_row(void *ctx, const sltd_screen_row *row)
{
    seen *s = ctx;
    size_t pl = strlen(s->path);

    check(row->index == s->next_index++, "rows in input order, none skipped", row->line);
    check(row->line >= 1 && row->line >= s->last_line, "line numbers go forward", row->line);
    s->last_line = row->line;
    if (row->error != 0) {
        check(row->error < 0 && row->result == NULL && !row->listed, "an invalid row has no answer", row->line);
        check(strncmp(row->error_msg, s->path, pl) == 0 && row->error_msg[pl] == ':', "a message names the file",
              row->line);
        s->invalid++;
    } else {
        check(row->result != NULL && row->error_msg[0] == '\0', "a checked row has an answer", row->line);
        s->hits += (uint64_t)(row->listed != 0);
    }
    if (s->n < MAX_ROWS)
        s->row[s->n++] = (got){ row->line, row->error, row->listed };
    return 0;
}

/* ---- the manifest: the bytes, planted documents, line numbers ---- */

typedef struct out {
    char b[OUT_MAX];
    size_t n;
} out;

static void put(out *o, const void *p, size_t n)
{
    if (n > sizeof o->b - o->n)
        n = sizeof o->b - o->n;
    memcpy(o->b + o->n, p, n);
    o->n += n;
}

static void puts_(out *o, const char *s)
{
    put(o, s, strlen(s));
}

/* The line of byte `at`: 1 + the line ends before it (CR, LF, or CR LF as one), counted on from
 * (from, line) for a later `at`. */
static unsigned long line_from(const out *o, size_t from, unsigned long line, size_t at)
{
    size_t i;

    for (i = from; i < at; i++)
        line += o->b[i] == '\r' || (o->b[i] == '\n' && (i == 0 || o->b[i - 1] != '\r'));
    return line;
}

static unsigned long line_at(const out *o, size_t at)
{
    return line_from(o, 0, 1, at);
}

enum { WANT_HIT, WANT_CLEAR, WANT_INVALID, WANT_ANY_NOT_CLEAR, WANT_NOT_HIT };

typedef struct plant {
    size_t at; /* offset of the document's first byte */
    int want;
} plant;

static const char *L1 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
static const char *L2_LISTED = "L898902C36UTO7408122F1204159ZE184226B<<<<<10";
static const char *L2_CLEAR = "L898902D39UTO7408122F1204159ZE184226B<<<<<14";
static const char *L2_OCR = "L8989O2C36UTO7408122F1204159ZE184226B<<<<<10"; /* check digit fails; a variant is listed */
static const char *TD1[3] = { "I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6",
                              "ERIKSSON<<ANNA<MARIA<<<<<<<<<<" };
static const char *TD2[2] = { "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6" };
static const char *const ENDS[3] = { "\n", "\r\n", "\r" };

/* An MRZ document of kind k (its lines joined by a line end of style e); returns what it must give. */
static int mrz_doc(out *o, unsigned k, unsigned e, int ocr, int json)
{
    const char *sep = json ? "\\n" : ENDS[e % 3];

    switch (k % 5) {
    case 0: puts_(o, L1), puts_(o, sep), puts_(o, L2_LISTED); return WANT_HIT;
    case 1: puts_(o, L1), puts_(o, sep), puts_(o, L2_CLEAR); return WANT_CLEAR;
    case 2: puts_(o, L1), puts_(o, sep), puts_(o, L2_OCR); return ocr ? WANT_HIT : WANT_INVALID;
    case 3: puts_(o, TD1[0]), puts_(o, sep), puts_(o, TD1[1]), puts_(o, sep), puts_(o, TD1[2]); return WANT_HIT;
    default: puts_(o, TD2[0]), puts_(o, sep), puts_(o, TD2[1]); return WANT_HIT;
    }
}

/* A listed or unlisted (state, number) written in one of the ways the normalisation accepts. */
static void identity(unsigned k, const char **state, const char **number)
{
    static const char *const st[] = { "UTO", "uto", " UTO ", "UTO<", "d", "D<<" };
    static const char *const nu[] = { "L898902C3", "l898 902-c3", "L898902C3<<", "D23145890", "Q1", "c01x00t47",
                                      "Q2", "L898902D3" };

    *state = st[k % 6];
    *number = nu[(k / 6) % 8];
}

/* A CSV row of the fuzz header with this identity (the other columns empty or quoted text); the
 * `mrz` column (mrz_col, -1: none) empty or an MRZ document, quoted, and then the fields may be empty. */
static void csv_row(out *o, unsigned k, int state_col, int number_col, int mrz_col, int ncols, int ocr)
{
    const char *s, *n;
    int c;

    identity(k, &s, &n);
    if (mrz_col >= 0 && (k & 0x18) == 0x18)
        s = n = ""; /* the MRZ only */
    for (c = 0; c < ncols; c++) {
        const char *v = c == state_col ? s : c == number_col ? n : (k & 0x20) ? "a, \"b\"\r\nc" : "";
        if (c == mrz_col) {
            if (c > 0)
                puts_(o, ",");
            if (k & 0x10) {
                puts_(o, "\"");
                (void)mrz_doc(o, k >> 1, k, ocr, 0); /* the model asks sltd_db_lookup_mrz what it must give */
                puts_(o, "\"");
            }
            continue;
        }
        const int quote = c == state_col ? (k & 0x40) != 0 : c == number_col ? (k & 0x80) != 0 : (k & 0x20) != 0;
        if (c > 0)
            puts_(o, ",");
        if (!quote) {
            puts_(o, v);
            continue;
        }
        puts_(o, "\"");
        for (; *v; v++) {
            put(o, v, 1);
            if (*v == '"')
                puts_(o, "\""); /* doubled inside quotes */
        }
        puts_(o, "\"");
    }
}

/* A JSON object: fields, an MRZ, or both; returns what it must give. */
static int json_obj(out *o, unsigned k, int ocr)
{
    const char *s, *n;
    int want_f = -1, want_m = -1, agree = 0;

    puts_(o, "{");
    if (k % 3 != 1) { /* fields */
        identity(k / 3, &s, &n);
        puts_(o, "\"state\":\""), puts_(o, s), puts_(o, "\",\"number\":\""), puts_(o, n), puts_(o, "\"");
        want_f = listed(s, strlen(s), n, strlen(n)) ? WANT_HIT : WANT_CLEAR;
        agree = strcmp(n, "L898902D3") == 0 && (s[0] == 'U' || s[0] == 'u' || s[1] == 'U');
    }
    if (k % 3 != 0) { /* an MRZ (TD3 kinds only: the fields' agreement is known for them) */
        if (k % 3 == 2)
            puts_(o, ",");
        puts_(o, "\"mrz\":\"");
        want_m = mrz_doc(o, (k / 48) % 3, 0, ocr, 1);
        puts_(o, "\"");
        agree = agree && (k / 48) % 3 == 1;
    }
    puts_(o, ",\"seat\":\"12A\"}");
    if (want_f == WANT_HIT || want_m == WANT_HIT)
        return WANT_HIT;
    if (want_f < 0)
        return want_m;
    if (want_m < 0)
        return want_f;
    if (want_m == WANT_INVALID)
        return WANT_INVALID;
    return agree ? WANT_CLEAR : WANT_INVALID; /* two clear identities: clear only when they agree */
}

/* ---- the CSV model ---- */

#define NCOLS 4 /* the fuzz header's columns: the model keeps the bytes of the first NCOLS fields */

typedef struct mrow {
    unsigned long line;
    int bad;
    size_t nfields;
    size_t off[NCOLS], len[NCOLS]; /* fields in the model's own buffer */
} mrow;

typedef struct model {
    char buf[OUT_MAX * 16]; /* rows read again (see below) read their bytes again */
    size_t used;
    int full;               /* buf ran out: the model cannot judge this input */
    mrow row[MAX_ROWS];
    size_t n;
} model;

static int model_blank(const model *m, const mrow *r);

static int mrz_col = -1; /* the header's `mrz` column, -1: none */
static int ocr_run;      /* the run looks MRZ documents up with their OCR variants */

/* Is field c of a row empty once trimmed of spaces and tabs? */
static int field_blank(const model *m, const mrow *r, int c)
{
    size_t k;

    for (k = 0; k < r->len[c]; k++)
        if (m->buf[r->off[c] + k] != ' ' && m->buf[r->off[c] + k] != '\t')
            return 0;
    return 1;
}

/* Does the row give fields to look up (always without an mrz column; beside one, unless both the
 * state and the number are empty), and an MRZ (a cell that is not empty)? */
static int has_fields(const model *m, const mrow *r, int state_col, int number_col)
{
    return mrz_col < 0 || !field_blank(m, r, state_col) || !field_blank(m, r, number_col);
}

static int has_mrz(const model *m, const mrow *r)
{
    return mrz_col >= 0 && !field_blank(m, r, mrz_col);
}

/* The answer to a row's mrz cell by a single lookup: 1 listed, 0 not listed (a valid document), -1 no
 * answer that can clear it (not an MRZ, a check digit, too long). shape: set to whether the parser
 * read the cell as MRZ lines. */
static int mrz_answer(const model *m, const mrow *r, int *shape)
{
    sltd_mrz_answer a = SLTD_MRZ_ANSWER_INIT;
    sltd_mrz p;
    const char *t = m->buf + r->off[mrz_col];
    size_t len = r->len[mrz_col];
    int rc;

    while (len > 0 && (*t == ' ' || *t == '\t')) /* values are trimmed (the length bound is the trimmed one) */
        t++, len--;
    while (len > 0 && (t[len - 1] == ' ' || t[len - 1] == '\t'))
        len--;

    *shape = sltd_mrz_parse(&p, t, len) != SLTD_EINVAL && p.kind != 0;
    if (len > 1023)
        return -1;
    rc = sltd_db_lookup_mrz(&a, db, t, len, ocr_run ? SLTD_MRZ_OCR_VARIANTS : 0u);
    check(rc == 0 || rc == SLTD_ECHECKDIGIT || rc == SLTD_EMRZ || rc == SLTD_ESTATE || rc == SLTD_ENUMBER,
          "an MRZ lookup of any text is answered", r->line);
    if (rc == 0 && ((a.result.error == 0 && a.result.listed) || a.variant_match))
        return 1;
    return rc == 0 ? 0 : -1;
}

/* Is a row that spans lines refused (csvread.h, manifest_csv.c): bad, or a field count other than the
 * header's, or fields that do not normalise, or an mrz cell that is not MRZ lines, or nothing to look
 * up? Then its lines after the first are read again as rows. */
static int model_refused(const model *m, const mrow *r, int state_col, int number_col)
{
    const int f = !r->bad && r->nfields == NCOLS && has_fields(m, r, state_col, number_col);
    int shape = 1;

    if (r->bad || r->nfields != NCOLS)
        return 1;
    if (f && listed(m->buf + r->off[state_col], r->len[state_col], m->buf + r->off[number_col],
                    r->len[number_col]) < 0)
        return 1;
    if (has_mrz(m, r))
        (void)mrz_answer(m, r, &shape);
    return !shape || (!f && !has_mrz(m, r));
}

/* What a well-formed row (the header's field count, not bad) must give. */
static int model_want(const model *m, const mrow *r, int state_col, int number_col)
{
    const int f = has_fields(m, r, state_col, number_col), mz = has_mrz(m, r);
    const int fl = f ? listed(m->buf + r->off[state_col], r->len[state_col], m->buf + r->off[number_col],
                              r->len[number_col])
                     : 0;
    int shape, ml = 0;

    if (mz)
        ml = mrz_answer(m, r, &shape);
    if ((f && fl == 1) || (mz && ml == 1))
        return WANT_HIT;
    if ((!f && !mz) || (f && fl < 0) || (mz && ml < 0))
        return WANT_INVALID;
    return f && mz ? WANT_NOT_HIT : WANT_CLEAR;
}

/* Read o's bytes as RFC 4180 with csvread.h's rules, one byte at a time; a refused row that spans
 * lines (model_refused) is followed by its lines after the first, read again. */
static void csv_model(model *m, const out *o, size_t from, int state_col, int number_col)
{
    unsigned long line = line_at(o, from), span_line = 0;
    size_t i = from, flen = 0, span_at = 0;
    int in_row = 0, quoted = 0, after_quote = 0, skip = 0, field_open = 0;
    mrow *r = NULL;

    m->n = m->used = 0;
    m->full = 0;
    for (;; i++) {
        if (r != NULL && !in_row && span_at > 0) { /* the row has ended; it spans lines */
            if (r->nfields > 64)
                r->bad = 1;
            if (!model_blank(m, r) && model_refused(m, r, state_col, number_col)) {
                i = span_at;
                line = span_line;
            }
            span_at = 0;
        }
        if (i > o->n) /* the end, and nothing to read again */
            break;
        const int end = i == o->n;
        const unsigned char ch = end ? 0 : (unsigned char)o->b[i];
        const int eol = !end && (ch == '\r' || ch == '\n');
        const int lf_of_crlf = !end && ch == '\n' && i > 0 && o->b[i - 1] == '\r';

        if (!in_row) {
            if (end)
                break;
            if (eol) {
                line += !lf_of_crlf;
                continue;
            }
            if (m->n == MAX_ROWS)
                break;
            r = &m->row[m->n++];
            memset(r, 0, sizeof *r);
            r->line = line;
            in_row = 1;
            field_open = 0;
            quoted = after_quote = skip = 0;
        }
        if (skip) { /* after a quoting error: up to the next line end (ended as a field's line end is, below) */
            if (end || eol) {
                line += eol && !lf_of_crlf;
                in_row = 0;
            }
            if (end && span_at == 0)
                break;
            continue;
        }
        if (!field_open) { /* a field starts here */
            field_open = 1;
            flen = 0;
            if (r->nfields < NCOLS) {
                r->off[r->nfields] = m->used;
                r->len[r->nfields] = 0;
            }
            r->nfields++;
            if (!end && ch == '"') {
                quoted = 1;
                continue;
            }
        }
        if (quoted) {
            if (end) { /* a quoted field open at the end */
                r->bad = 1;
                if (span_at == 0)
                    break;
                in_row = 0; /* read again from its second line */
                continue;
            }
            if (ch == '"') {
                quoted = 0;
                after_quote = 1;
                continue;
            }
            if (eol) {
                line += !lf_of_crlf;
                if (span_at == 0) { /* the row's first line end */
                    span_at = i + 1;
                    span_line = line;
                }
            }
            if (ch == '\0')
                r->bad = 1;
        } else if (after_quote && !end && ch == '"') { /* a doubled quote */
            quoted = 1;
            after_quote = 0;
        } else if (end || eol || ch == ',') { /* the field ends */
            after_quote = 0;
            field_open = 0;
            if (end || eol) { /* the line ends as in the skip branch above, deliberately the same */
                line += eol && !lf_of_crlf;
                in_row = 0;
                if (end && span_at == 0)
                    break;
            }
            continue;
        } else if (after_quote || ch == '"') { /* text after a closing quote, or a quote inside */
            r->bad = 1;
            skip = 1;
            if (ch == '\0' && after_quote)
                r->bad = 1;
            continue;
        } else if (ch == '\0') {
            r->bad = 1;
        }
        if (++flen > 4096)
            r->bad = 1;
        if (r->nfields <= NCOLS) {
            if (m->used == sizeof m->buf) {
                m->full = 1;
                return;
            }
            m->buf[m->used++] = (char)ch;
            r->len[r->nfields - 1]++;
        }
    }
    if (r != NULL && r->nfields > 64)
        r->bad = 1;
}

static int model_blank(const model *m, const mrow *r)
{
    return !r->bad && r->nfields == 1 && field_blank(m, r, 0);
}

/* ---- one run ---- */

static int run(const out *o, char path[64], const sltd_screen_options *base, seen *s)
{
    sltd_screen_options opt = *base;
    sltd_screen_report rep = SLTD_SCREEN_REPORT_INIT;
    int fd = memfd_create("fuzz_screen", 0), rc;
    size_t off;

    check(fd >= 0, "memfd", 0);
    for (off = 0; off < o->n;) {
        ssize_t w = write(fd, o->b + off, o->n - off);
        check(w > 0, "write", 0);
        off += (size_t)w;
    }
    snprintf(path, 64, "/proc/self/fd/%d", fd);
    s->n = 0;
    s->next_index = s->hits = s->invalid = 0;
    s->last_line = 0;
    s->path = path;
    opt.row_fn = on_row;
    opt.row_ctx = s;
    rc = sltd_db_screen(&rep, db, path, &opt);
    close(fd);
    check(rc == 0 || (rc == SLTD_EFORMAT && s->next_index == 0 && opt.format != SLTD_SCREEN_CSV),
          "a readable manifest with a good header is read to its end (one of no row without a header: empty)", 0);
    check(rep.documents + rep.invalid == s->next_index && rep.hits == s->hits && rep.invalid == s->invalid,
          "the report counts what was handed out", 0);
    return rc;
}

/* The row reported at `line` (rows come in line order: a binary search). */
static const got *row_at(const seen *s, unsigned long line)
{
    size_t lo = 0, hi = s->n;

    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        if (s->row[mid].line < line)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < s->n && s->row[lo].line == line ? &s->row[lo] : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int formats[4] = { SLTD_SCREEN_CSV, SLTD_SCREEN_MRZ, SLTD_SCREEN_JSONL, SLTD_SCREEN_CSV };
    static const char *const state_names[4] = { "state", "issuing_state", "nationality", "State" };
    const int with_mrz = (data[0] & 3) == 3;
    static out o;
    static model m;
    static seen s;
    static plant p[MAX_PLANT];
    sltd_screen_options opt = SLTD_SCREEN_OPTIONS_INIT;
    char path[64];
    size_t i, np = 0, body, at;
    unsigned long line;
    int fmt, ocr, state_col = 0, number_col = 1;
    const int ncols = NCOLS;

    if (size < 1 || size > 16384)
        return 0;
    if (db == NULL)
        db = fuzzdb_get("fuzz_screen");
    fmt = formats[data[0] & 3];
    ocr = ocr_run = (data[0] & 4) != 0;
    mrz_col = -1;
    opt.format = fmt;
    opt.flags = SLTD_SCREEN_ALL | (ocr ? SLTD_SCREEN_OCR_VARIANTS : 0u);
    opt.threads = (data[0] & 8) ? 2 : 1;
    o.n = 0;
    if (data[0] & 16)
        puts_(&o, "\xEF\xBB\xBF");
    if (fmt == SLTD_SCREEN_CSV) { /* a header of four columns: the issuing state and the number among two others */
        const char *cols[4] = { "name", "seat", "name2", "seat2" };
        state_col = (data[0] >> 5) & 3;
        number_col = (state_col + 1 + ((data[0] >> 7) & 1)) % ncols;
        cols[state_col] = state_names[(data[0] >> 5) & 3];
        cols[number_col] = "number";
        for (i = 0; with_mrz && mrz_col < 0 && i < (size_t)ncols; i++)
            if ((int)i != state_col && (int)i != number_col) {
                mrz_col = (int)i;
                cols[i] = "mrz";
            }
        for (i = 0; i < (size_t)ncols; i++)
            puts_(&o, i ? "," : ""), puts_(&o, cols[i]);
        puts_(&o, "\n");
    }
    body = o.n;
    for (i = 1; i < size; i++) {
        if (data[i] != 0x01 || i + 1 == size || np == MAX_PLANT) {
            put(&o, &data[i], 1);
            continue;
        }
        const unsigned k = data[++i];
        if (fmt == SLTD_SCREEN_CSV) {
            csv_row(&o, k, state_col, number_col, mrz_col, ncols, ocr); /* the model judges it, like any bytes */
        } else if (fmt == SLTD_SCREEN_MRZ) {
            if (o.n > 0 && o.b[o.n - 1] != '\n' && o.b[o.n - 1] != '\r')
                puts_(&o, "\n"); /* on a line of its own, with no blank line needed before it */
            p[np].at = o.n;
            p[np++].want = mrz_doc(&o, k, k / 5, ocr, 0);
            puts_(&o, "\n");
        } else {
            if (o.n > 0 && o.b[o.n - 1] != '\n' && o.b[o.n - 1] != '\r')
                puts_(&o, "\n");
            p[np].at = o.n;
            p[np++].want = json_obj(&o, k, ocr);
            puts_(&o, "\n");
        }
    }
    if (o.n == sizeof o.b)
        return 0; /* cut: the planted documents may be too */
    run(&o, path, &opt, &s);

    if (fmt == SLTD_SCREEN_CSV) { /* row for row against the model */
        size_t r = 0, g = 0;
        csv_model(&m, &o, body, state_col, number_col);
        if (m.full)
            return 0;
        for (r = 0; r < m.n; r++) {
            const mrow *mr = &m.row[r];
            int want;
            if (model_blank(&m, mr))
                continue;
            check(g < s.n, "a row of the input was not reported", mr->line);
            check(s.row[g].line == mr->line, "a row is reported at its line", mr->line);
            if (mr->bad || mr->nfields != (size_t)ncols) {
                check(s.row[g].error != 0, "a malformed row is invalid", mr->line);
            } else {
                want = model_want(&m, mr, state_col, number_col);
                if (want == WANT_INVALID)
                    check(s.row[g].error != 0, "a row whose state or number does not normalise, or whose MRZ cannot "
                                               "be cleared, or that has nothing to look up, is invalid", mr->line);
                else if (want == WANT_HIT)
                    check(s.row[g].error == 0 && s.row[g].listed, "a row holding a listed document is a hit", mr->line);
                else if (want == WANT_NOT_HIT)
                    check(s.row[g].error != 0 || !s.row[g].listed, "a row of two unlisted identities is no hit",
                          mr->line);
                else
                    check(s.row[g].error == 0 && !s.row[g].listed, "a valid unlisted row is clear", mr->line);
            }
            g++;
        }
        check(g == s.n, "every reported row is a row of the input", g < s.n ? s.row[g].line : 0);
        return 0;
    }
    for (i = 0, line = 1, at = 0; i < np; i++) { /* each planted document at its line, with its answer */
        const got *g;
        line = line_from(&o, at, line, p[i].at);
        at = p[i].at;
        g = row_at(&s, line);
        check(g != NULL, "a planted document is reported at its line", line);
        switch (p[i].want) {
        case WANT_HIT: check(g->error == 0 && g->listed, "a listed document is a hit", line); break;
        case WANT_CLEAR: check(g->error == 0 && !g->listed, "a valid unlisted document is clear", line); break;
        default: check(g->error != 0, "a document that cannot be cleared is invalid", line); break;
        }
    }
    return 0;
}
