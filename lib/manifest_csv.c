/* SPDX-License-Identifier: Apache-2.0 */
/* manifest_csv.c — CSV manifests: the one CSV reader (csvread.h), a strict header, a row's keys.
 *
 * Header (names case-insensitive, spaces and tabs around them ignored): `number` and the issuing state,
 * or `mrz`, or both; `type` is optional, every other column is passed through. The issuing state is the
 * column `state` or `issuing_state` (the same role under two names: a header with both is refused,
 * as it cannot say which one to trust); `nationality` stands in for it only when neither is there
 * (then nationality is taken for the issuing state), and is passed through otherwise. A column named
 * twice is refused, naming both columns. A bad header stops the screening (SLTD_EFORMAT); a bad row is
 * an invalid row of its own (the reader goes on after it, see csvread.h). Values are trimmed of the
 * spaces and tabs around them (sltd__csv_trim) before they are looked up, as feed values are.
 *
 * An `mrz` column holds a row's MRZ (its lines separated by line ends inside a quoted field), read as
 * a JSON Lines `mrz` member is (sltd__mf_mrz_field, in prep): a row with an MRZ and a state and number
 * has two keys, and both are checked by the one decision rule (manifest.h). An empty `mrz` cell is no
 * MRZ (the state and number decide); empty state and number cells beside an MRZ are no second key (the
 * MRZ decides); a row with neither is invalid. Messages about an MRZ name the line each of its lines
 * is on.
 *
 * A pass-through field may hold line ends (a quoted address), an MRZ those between its lines (blank
 * lines too, as the MRZ parser reads them); the other key fields
 * never can. A row that spans lines and will be invalid (a field count other than the header's, a key
 * field the one normalisation refuses: it holds the line end, most likely, or an MRZ cell whose lines
 * the MRZ parser does not read as an MRZ's) is refused to the CSV reader, which reads
 * its lines after the first again as rows (sltd__csv_reject): a stray quote never hides the rows after
 * it inside one field. The row itself is still reported invalid, with its reason. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csvread.h"
#include "error.h"
#include "manifest.h"
#include "mrz.h"
#include "norm.h"

typedef struct csv_reader {
    sltd__csv *csv;
    const sltd__mf_ctx *cx;
    char *names[SLTD__CSV_FIELDS_MAX];
    size_t nnames;
    int h_state, h_number, h_type, h_mrz;
    int fields; /* the state and number columns make a key (else only the MRZ does) */
    const char *state_field;
} csv_reader;

static int header(csv_reader *r, const sltd__csv_row *row)
{
    const char *name = r->cx->name, *canon;
    char shown[160];
    int nat = -1;
    size_t i, j;

    for (i = 0; i < row->nfields; i++) {
        const char *f = row->field[i];
        size_t n = row->len[i];
        int role;

        sltd__csv_trim(&f, &n);
        if ((r->names[i] = strndup(f, n)) == NULL)
            return sltd__err(SLTD_ENOMEM, "out of memory");
        r->nnames = i + 1;
        role = sltd__mf_role(f, n, &canon);
        for (j = 0; j < i; j++)
            if (strcasecmp(r->names[j], r->names[i]) == 0)
                return sltd__err(SLTD_EFORMAT, "%s:%lu: duplicate column %s (columns %zu and %zu)", name, row->line,
                                 canon != NULL ? (snprintf(shown, sizeof shown, "'%s'", canon), shown)
                                               : sltd__csv_show_name(shown, sizeof shown, f, n),
                                 j + 1, i + 1);
        switch (role) {
        case SLTD__MF_ROLE_STATE:
        case SLTD__MF_ROLE_ISSUING_STATE:
            if (r->h_state >= 0)
                return sltd__err(SLTD_EFORMAT,
                                 "%s:%lu: columns '%s' (%d) and '%s' (%zu) both name the issuing state; keep one",
                                 name, row->line, r->state_field, r->h_state + 1, canon, i + 1);
            r->h_state = (int)i;
            r->state_field = canon;
            break;
        case SLTD__MF_ROLE_NATIONALITY: nat = (int)i; break;
        case SLTD__MF_ROLE_NUMBER: r->h_number = (int)i; break;
        case SLTD__MF_ROLE_TYPE: r->h_type = (int)i; break;
        case SLTD__MF_ROLE_MRZ: r->h_mrz = (int)i; break;
        default: break; /* passed through */
        }
    }
    /* the columns are a key when they give any part of one (nationality alone beside an MRZ does not) */
    r->fields = r->h_state >= 0 || r->h_number >= 0 || r->h_mrz < 0;
    if (r->fields && r->h_state < 0 && nat >= 0) { /* nationality stands in only when nothing better is given */
        r->h_state = nat;
        r->state_field = "nationality";
    }
    if (r->fields && (r->h_state < 0 || r->h_number < 0)) {
        if (r->h_mrz >= 0)
            return sltd__err(SLTD_EFORMAT,
                             "%s:%lu: the header names a '%s' column but no '%s' column: give both beside 'mrz', or "
                             "only 'mrz'",
                             name, row->line, r->h_state >= 0 ? r->state_field : "number",
                             r->h_state >= 0 ? "number" : "state");
        return sltd__err(SLTD_EFORMAT,
                         "%s:%lu: the header must name a 'state' (or 'issuing_state', or 'nationality') column and "
                         "a 'number' column, or an 'mrz' column",
                         name, row->line);
    }
    return 0;
}

static int csv_open(void **st, sltd__text *in, const sltd__mf_ctx *cx)
{
    csv_reader *r = calloc(1, sizeof *r);
    const sltd__csv_row *row;
    int rc;

    *st = r;
    if (r == NULL || sltd__csv_attach(&r->csv, in) != 0)
        return sltd__err(SLTD_ENOMEM, "out of memory");
    r->cx = cx;
    r->h_state = r->h_number = r->h_type = r->h_mrz = -1;
    rc = sltd__csv_next(r->csv, &row);
    if (rc == 0)
        return sltd__err(SLTD_EFORMAT, "%s: empty manifest (a header row is required)", cx->name);
    if (rc < 0)
        return sltd__err(rc, "%s", sltd__csv_error(r->csv));
    return header(r, row);
}

/* The key's copy of a value: the field itself, or a trimmed copy when spaces or tabs surround it;
 * NONE for an empty one when empty_is_none. */
static int value(sltd__mf_chunk *c, uint32_t off, size_t len, int empty_is_none, uint32_t *out)
{
    const char *s = c->a + off;
    size_t n = len;

    sltd__csv_trim(&s, &n);
    if (n == 0 && empty_is_none) {
        *out = SLTD__MF_NONE;
        return 0;
    }
    if (n == len) {
        *out = off;
        return 0;
    }
    /* by offset: a pointer into the arena would not survive its growth */
    return sltd__mf_copy(c, off + (uint32_t)(s - (c->a + off)), n, out);
}

/* Field col of the row, trimmed, into s[0, *n). */
static void cell(const sltd__csv_row *row, int col, const char **s, size_t *n)
{
    *s = row->field[col];
    *n = row->len[col];
    sltd__csv_trim(s, n);
}

/* Will the one normalisation take field col of the row as a value of this kind (SLTD_ESTATE,
 * SLTD_ENUMBER, SLTD_ETYPE)? A column that is absent (col < 0) is fine. */
static int normalises(const sltd__csv_row *row, int col, int what)
{
    char out[SLTD_NUMBER_MAX + 1];
    const char *s;
    size_t n, len;

    if (col < 0)
        return 1;
    cell(row, col, &s, &n);
    if (what == SLTD_ESTATE)
        return sltd__norm_state(out, s, n) == 0;
    if (what == SLTD_ENUMBER)
        return sltd__norm_number(out, &len, s, n) == 0;
    return sltd__norm_type(out, s, n) == 0;
}

/* Is field col of the row empty once trimmed? */
static int blank(const sltd__csv_row *row, int col)
{
    const char *s;
    size_t n;

    cell(row, col, &s, &n);
    return n == 0;
}

/* Does the row (of the header's field count) name its document by its MRZ alone: an MRZ, and no
 * state and no number (or no such columns)? */
static int mrz_alone(const csv_reader *r, const sltd__csv_row *row)
{
    return r->h_mrz >= 0 && !blank(row, r->h_mrz) && (!r->fields || (blank(row, r->h_state) && blank(row, r->h_number)));
}

/* Could field col (absent: col < 0) of a row that spans lines be an MRZ: does the MRZ parser read its
 * lines (their count, lengths and characters) as an MRZ's, whatever its fields hold? A stray quote
 * that swallowed rows into it gives separators and quotes, or more lines. An empty cell is no MRZ. */
static int mrz_shaped(const sltd__csv_row *row, int col)
{
    const char *s;
    sltd_mrz m = SLTD_MRZ_INIT;
    size_t n;

    if (col < 0)
        return 1;
    cell(row, col, &s, &n);
    return n == 0 || (sltd_mrz_parse_ex(&m, NULL, s, n, 0) != SLTD_EINVAL && m.kind != 0);
}

/* Line ends in s[0, n) (LF, CRLF and CR each one, as the text reader counts them). */
static unsigned long line_ends(const char *s, size_t n)
{
    unsigned long k = 0;
    size_t i;

    for (i = 0; i < n; i++)
        k += s[i] == '\r' || (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'));
    return k;
}

/* The input line of each MRZ line of field col (as the MRZ parser splits them), for its messages. */
static void mrz_lines(sltd__mf_doc *d, const sltd__csv_row *row, int col)
{
    const char *f = row->field[col];
    unsigned long line = row->line;
    size_t pos = 0, from = 0, start, end;
    unsigned j = 0;
    int i;

    for (i = 0; i < col; i++)
        line += line_ends(row->field[i], row->len[i]);
    while (j < 3 && sltd__mrz_next_line(f, row->len[col], &pos, &start, &end)) {
        line += line_ends(f + from, start - from);
        from = start;
        d->lines[j++] = line;
    }
    for (; j < 3; j++)
        d->lines[j] = j > 0 ? d->lines[j - 1] : line;
}

/* Document d from its row, whose fields (each NUL-terminated, within row->used bytes) are in the arena
 * from `base` on: the field count, the pass-through values, the MRZ cell (parsed later), the key. 0 or
 * SLTD_ENOMEM. The row's pointers may point into the arena, which value() may move: they are read
 * before it, offsets after. */
static int take_row(const csv_reader *r, sltd__mf_chunk *c, sltd__mf_doc *d, const sltd__csv_row *row, uint32_t base)
{
    char msg[SLTD__MF_MSG];
    sltd__mf_key *k;
    const char *s;
    size_t n;

    if (row->nfields != r->nnames) {
        snprintf(msg, sizeof msg, "%s:%lu: %zu fields, the header has %zu", r->cx->name, row->line, row->nfields,
                 r->nnames);
        return sltd__mf_doc_fail(c, d, SLTD_EFORMAT, msg);
    }
    d->first = (uint32_t)c->nf;
    d->nfields = (uint32_t)row->nfields;
    if (sltd__mf_push_fields(c, base, row->off, row->nfields) != 0)
        return SLTD_ENOMEM;
    if (r->h_mrz >= 0) { /* its text, parsed in prep; an empty cell: no MRZ */
        cell(row, r->h_mrz, &s, &n);
        if (n > 0) {
            d->text = base + (uint32_t)(s - row->data);
            d->text_len = (uint32_t)n;
            mrz_lines(d, row, r->h_mrz);
        }
    }
    if (!r->fields || mrz_alone(r, row)) {
        if (d->text != SLTD__MF_NONE)
            return 0; /* the MRZ alone */
        snprintf(msg, sizeof msg, "%s:%lu: field 'mrz': empty (a row must name a document)", r->cx->name, row->line);
        return sltd__mf_doc_fail(c, d, SLTD_EFORMAT, msg);
    }
    k = sltd__mf_key_new(d, r->state_field, "number", "type");
    if (value(c, base + row->off[r->h_state], row->len[r->h_state], 0, &k->state) != 0 ||
        value(c, base + row->off[r->h_number], row->len[r->h_number], 0, &k->number) != 0 ||
        (r->h_type >= 0 && value(c, base + row->off[r->h_type], row->len[r->h_type], 1, &k->type) != 0))
        return SLTD_ENOMEM;
    k->qi = 0; /* numbered when the batch is built */
    return 0;
}

/* The next row (the reading thread). A row that lies on its line alone is only taken as its line's
 * bytes, split in prep on whichever thread finishes the chunk (csvread.h, sltd__csv_take_line); any
 * other row is read here. */
static int csv_read(void *st, sltd__mf_chunk *c)
{
    csv_reader *r = st;
    const sltd__csv_row *row;
    sltd__mf_doc *d;
    const char *s;
    size_t n;
    unsigned long line;
    uint32_t base;
    int rc;

    if (sltd__csv_take_line(r->csv, &s, &n, &line)) { /* the line and 16 zero bytes (sltd__csv_split_in_place) */
        d = sltd__mf_doc_new(c, line);
        d->csv_line = 1;
        d->text_len = (uint32_t)n;
        if (sltd__mf_room(c, n + 15, &d->text) != 0)
            return SLTD_ENOMEM;
        memcpy(c->a + d->text, s, n);
        memset(c->a + d->text + n, 0, 16);
        return 1;
    }
    if ((rc = sltd__csv_next(r->csv, &row)) == 0)
        return 0;
    if (rc == SLTD_EFORMAT) /* a bad row: its own invalid row, and the reader goes on after it */
        return sltd__mf_doc_fail(c, sltd__mf_doc_new(c, sltd__csv_line(r->csv)), SLTD_EFORMAT,
                                 sltd__csv_error(r->csv)) != 0
                   ? SLTD_ENOMEM
                   : 1;
    if (rc < 0)
        return sltd__err(rc, "%s", sltd__csv_error(r->csv));
    d = sltd__mf_doc_new(c, row->line);
    if (row->multiline && (row->nfields != r->nnames || !mrz_shaped(row, r->h_mrz) ||
                           (!mrz_alone(r, row) && (!normalises(row, r->h_state, SLTD_ESTATE) ||
                                                   !normalises(row, r->h_number, SLTD_ENUMBER))) ||
                           !normalises(row, r->h_type, SLTD_ETYPE)))
        sltd__csv_reject(r->csv); /* invalid: its lines after the first are read again as rows */
    /* the row's fields in one copy (each NUL-terminated already), then their offsets */
    if (sltd__mf_put(c, row->data, row->used - 1, &base) != 0)
        return SLTD_ENOMEM;
    return take_row(r, c, d, row, base) != 0 ? SLTD_ENOMEM : 1;
}

/* A row taken as its line: its fields, where the line lies in the arena, or else into more of it. 0, or
 * a fatal code with its detail set (SLTD_ENOMEM). */
static int split_row(const csv_reader *r, sltd__mf_chunk *c, sltd__mf_doc *d)
{
    sltd__csv_split sp;
    const uint32_t line = d->text, n = d->text_len;
    uint32_t base;
    int rc;

    d->csv_line = 0;
    d->text = SLTD__MF_NONE;
    d->text_len = 0;
    if (sltd__csv_split_in_place(&sp, c->a + line, n)) {
        sp.row.line = d->line;
        return take_row(r, c, d, &sp.row, line);
    }
    /* room for the fields first: the arena may move, so the line is addressed after */
    if (sltd__mf_room(c, n, &base) != 0)
        return SLTD_ENOMEM;
    rc = sltd__csv_split_line(&sp, c->a + base, r->cx->name, c->a + line, n, d->line);
    if (rc == SLTD_EFORMAT)
        return sltd__mf_doc_fail(c, d, SLTD_EFORMAT, sp.err);
    if (rc == SLTD_ENOMEM)
        return rc;
    if (rc != 1) /* cannot be: sltd__csv_take_line takes no blank row */
        return sltd__err(SLTD_EINVAL, "%s:%lu: internal error: a row taken as its line is blank", r->cx->name,
                         d->line);
    return take_row(r, c, d, &sp.row, base);
}

/* Document i, any thread: a row taken as its line is split; then its MRZ, if it has one, is a key of
 * its own, as any MRZ document's. */
static void csv_prep(const void *st, const sltd__mf_ctx *cx, sltd__mf_chunk *c, size_t i)
{
    sltd__mf_doc *d = &c->doc[i];
    int rc;

    if (d->csv_line && (rc = split_row(st, c, d)) != 0) {
        sltd__mf_fatal(c, rc);
        return;
    }
    if (d->error == 0 && d->text != SLTD__MF_NONE)
        sltd__mf_mrz_field(cx, c, i, sltd__mf_key_new(d, "mrz", "mrz", "mrz"), c->a + d->text, d->text_len,
                           d->lines);
}

static const char *const *csv_names(const void *st, size_t *n)
{
    const csv_reader *r = st;

    *n = r->nnames;
    return (const char *const *)r->names;
}

static void csv_close(void *st)
{
    csv_reader *r = st;
    size_t i;

    if (r == NULL)
        return;
    for (i = 0; i < r->nnames; i++)
        free(r->names[i]);
    sltd__csv_close(r->csv);
    free(r);
}

const sltd__mf_format sltd__mf_csv = { csv_open, csv_read, csv_prep, csv_names, csv_close };
