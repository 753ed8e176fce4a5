/* SPDX-License-Identifier: Apache-2.0 */
/* manifest_mrz.c — MRZ text manifests: the lines of each document one after the other, and the one way
 * an MRZ document of any manifest (MRZ text, a JSON Lines "mrz" member, a CSV "mrz" cell) becomes a key.
 *
 * Grouping. A document is 3 lines of 30 characters (TD1) or 2 lines of 36 or 44 (TD2, TD3, visas).
 * Blank lines between documents are optional. A document ends when it has its lines, at a blank line,
 * where the line length changes, and at a line that can only be the first line of a document: the
 * reader realigns there, so an orphan line (a lone upper line, a line torn from its document) costs
 * only itself and never the documents after it. A line of another length, longer than
 * MRZ_LINE_MAX bytes, or holding a NUL byte is an invalid row of its own. The document right after
 * an upper line left without its lower line may have taken that lower line (lines of two documents
 * interleaved: its upper line from one, its lower from the other, every check digit right), so it is
 * never cleared: listed, a hit; not listed, invalid.
 *
 * "Can only be a first line" looks at the shape of the line, not at its fields (the parser judges
 * those later, once per document): the first character is a document code letter (A, C, I, P, V),
 * the next four are letters or '<' fillers, every character is in [A-Z0-9<], and the rest of the line
 * is what a first line holds there: for 36 and 44 characters the name, which never has a digit (a
 * second line always has some: dates, check digits); for 30 characters the document number with its
 * check digit, so at least one digit (the third line of a TD1 is a name without digits, its second
 * line starts with the date of birth). A genuine document whose first line breaks this shape is
 * invalid anyway; a second line that had it would be split from its document, which is then reported
 * invalid (never clear) at its line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"
#include "mrz.h"

#define MRZ_LINE_MAX 256 /* longest MRZ text line, bytes */

typedef struct mrz_reader {
    sltd__text *in;
    const sltd__mf_ctx *cx;
    char doc[3 * (MRZ_LINE_MAX + 1)]; /* the lines of the open document, joined by '\n' */
    size_t doc_len, first_len;
    unsigned ndoc, want;
    unsigned long lines[3];
    unsigned long torn; /* an upper line flushed without its lower line: its line, for the next document */
} mrz_reader;

static int is_blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\v' || ch == '\f';
}

static int is_upper(char ch)
{
    return ch >= 'A' && ch <= 'Z';
}

/* Can this line (30, 36 or 44 characters) only be the first line of a document? See the top. */
static int first_line_only(const char *s, size_t len)
{
    size_t i;
    int digit = 0;

    if (strchr("ACIPV", s[0]) == NULL || s[0] == '\0')
        return 0;
    for (i = 1; i < 5; i++)
        if (!is_upper(s[i]) && s[i] != '<')
            return 0;
    for (i = 5; i < len; i++) {
        if (s[i] >= '0' && s[i] <= '9')
            digit = 1;
        else if (!is_upper(s[i]) && s[i] != '<')
            return 0;
    }
    return len == 30 ? digit : !digit;
}

static int mrz_open(void **st, sltd__text *in, const sltd__mf_ctx *cx)
{
    mrz_reader *r = calloc(1, sizeof *r);

    *st = r;
    if (r == NULL)
        return SLTD_ENOMEM;
    r->in = in;
    r->cx = cx;
    return 0;
}

/* The open document (if any) becomes a document of the chunk: 1, or 0 when none was open. */
static int flush(mrz_reader *r, sltd__mf_chunk *c)
{
    sltd__mf_doc *d;
    unsigned i;

    if (r->ndoc == 0)
        return 0;
    d = sltd__mf_doc_new(c, r->lines[0]);
    for (i = 0; i < 3; i++)
        d->lines[i] = r->lines[i < r->ndoc ? i : r->ndoc - 1];
    d->torn = r->torn;
    /* an upper line without its lower line: the next document may have taken that lower line (lines
     * of two documents interleaved), so its pairing is uncertain */
    r->torn = r->ndoc < r->want && first_line_only(r->doc, r->first_len) ? r->lines[0] : 0;
    d->text_len = (uint32_t)r->doc_len;
    r->ndoc = 0;
    r->doc_len = 0;
    return sltd__mf_put(c, r->doc, d->text_len, &d->text) != 0 ? SLTD_ENOMEM : 1;
}

static void start(mrz_reader *r, const char *p, size_t len, unsigned long line)
{
    r->first_len = len;
    r->want = len == 30 ? 3 : 2;
    memcpy(r->doc, p, len);
    r->doc_len = len;
    r->lines[0] = line;
    r->ndoc = 1;
}

/* A line that is an invalid row of its own (after the open document, flushed first). */
static int lone(mrz_reader *r, sltd__mf_chunk *c, unsigned long line, const char *what)
{
    char msg[SLTD__MF_MSG];
    int rc = flush(r, c);

    if (rc < 0)
        return rc;
    snprintf(msg, sizeof msg, "%s:%lu: mrz: %s", r->cx->name, line, what);
    return sltd__mf_doc_fail(c, sltd__mf_doc_new(c, line), SLTD_EMRZ, msg) != 0 ? SLTD_ENOMEM : 1;
}

static int mrz_read(void *st, sltd__mf_chunk *c)
{
    mrz_reader *r = st;
    sltd__text_line l;
    char what[128];
    int rc;

    for (;;) {
        if ((rc = sltd__text_getline(r->in, &l, MRZ_LINE_MAX)) < 0)
            return rc;
        if (rc == 0)
            return flush(r, c);
        if (l.full_len > MRZ_LINE_MAX) {
            snprintf(what, sizeof what, "line longer than %d bytes", MRZ_LINE_MAX);
            return lone(r, c, l.line, what);
        }
        if (l.nul != 0) {
            snprintf(what, sizeof what, "NUL byte at character %zu", l.nul);
            return lone(r, c, l.line, what);
        }
        while (l.len > 0 && is_blank(*l.p))
            l.p++, l.len--;
        while (l.len > 0 && is_blank(l.p[l.len - 1]))
            l.len--;
        if (l.len == 0) { /* a blank line ends the open document */
            if ((rc = flush(r, c)) != 0)
                return rc;
            continue;
        }
        if (l.len != 30 && l.len != 36 && l.len != 44) {
            snprintf(what, sizeof what, "a line of %zu characters (MRZ lines have 30, 36 or 44)", l.len);
            return lone(r, c, l.line, what);
        }
        if (r->ndoc > 0 && (l.len != r->first_len || first_line_only(l.p, l.len))) {
            /* the open document is incomplete; this line starts the next one */
            rc = flush(r, c);
            start(r, l.p, l.len, l.line);
            return rc;
        }
        if (r->ndoc == 0) {
            start(r, l.p, l.len, l.line);
            continue;
        }
        r->doc[r->doc_len++] = '\n';
        memcpy(r->doc + r->doc_len, l.p, l.len);
        r->doc_len += l.len;
        r->lines[r->ndoc++] = l.line;
        if (r->ndoc == r->want)
            return flush(r, c);
    }
}

static void mrz_close(void *st)
{
    free(st);
}

/* ---- an MRZ document as a key (MRZ text and JSON Lines) ---- */

/* Why an MRZ document gives no "not listed": rc is SLTD_ECHECKDIGIT (the number cannot be trusted), or
 * the parse's code or SLTD_EMRZ for a wrong date or personal-number check digit (the document is
 * invalid); looked_up: its number was looked up and is not listed. */
static void why_mrz(char *msg, size_t cap, const sltd__mf_ctx *cx, const sltd_mrz *m, int rc,
                    const unsigned long lines[3], int looked_up)
{
    char bad[128];

    if (rc == SLTD_ECHECKDIGIT) {
        const sltd_mrz_check *k = m->number_check.status != SLTD_MRZ_CHECK_OK ? &m->number_check : &m->composite_check;
        snprintf(msg, cap,
                 "%s:%lu: mrz: the %s check digit is wrong (printed '%c', computed '%c'): the document number "
                 "cannot be trusted%s",
                 cx->name, lines[m->kind == SLTD_MRZ_TD1 ? 0 : 1],
                 k == &m->number_check ? "document number" : "composite", k->found ? k->found : '?',
                 k->expected ? k->expected : '?',
                 (cx->flags & SLTD_SCREEN_OCR_VARIANTS) ? " (no listed OCR variant)" : "");
    } else if (rc == SLTD_EMRZ && m->error_msg == NULL && sltd__mrz_bad_check(bad, sizeof bad, m)) {
        snprintf(msg, cap, "%s:%lu: mrz: %s: the document is invalid%s", cx->name, lines[1], bad,
                 looked_up ? " and its number is not listed" : "");
    } else {
        const unsigned long pl = m->error_line >= 1 && m->error_line <= 3 ? lines[m->error_line - 1] : lines[0];
        snprintf(msg, cap, "%s:%lu: mrz: position %d: %s (%s)%s", cx->name, pl, m->error_pos,
                 m->error_msg ? m->error_msg : "malformed", sltd_error_text(rc),
                 looked_up ? "; the document is invalid and its number is not listed" : "");
    }
}

/* The parsed state and number, to show in the row (not looked up). */
static int show_key(sltd__mf_chunk *c, sltd__mf_key *k, const sltd_mrz *m)
{
    return sltd__mf_put(c, m->issuing_state, strlen(m->issuing_state), &k->state) != 0 ||
                   sltd__mf_put(c, m->number, strlen(m->number), &k->number) != 0
               ? SLTD_ENOMEM
               : 0;
}

void sltd__mf_mrz_key(const sltd__mf_ctx *cx, sltd__mf_chunk *c, size_t i, sltd__mf_key *k, const char *text,
                      size_t len, const unsigned long lines[3])
{
    const unsigned strict = (cx->flags & SLTD_SCREEN_MRZ_STRICT) ? SLTD_MRZ_STRICT : 0u;
    char msg[SLTD__MF_MSG];
    sltd_query q;
    sltd_mrz m;
    int rc, prc;

    if (cx->flags & SLTD_SCREEN_OCR_VARIANTS) { /* the whole of sltd_db_lookup_mrz, variants included */
        sltd_mrz_answer *a = &c->ans[i];
        a->version = SLTD_MRZ_ANSWER_VERSION;
        rc = sltd_db_lookup_mrz(a, cx->db, text, len, SLTD_MRZ_OCR_VARIANTS | strict);
        if (rc != 0 && rc != SLTD_ECHECKDIGIT && rc != SLTD_EMRZ && rc != SLTD_ESTATE && rc != SLTD_ENUMBER) {
            sltd__mf_fatal(c, rc);
            return;
        }
        if (show_key(c, k, &a->mrz) != 0 ||
            (a->variant_match && sltd__mf_put(c, a->variant_number, strlen(a->variant_number), &k->variant) != 0)) {
            sltd__mf_fatal(c, SLTD_ENOMEM);
            return;
        }
        if (rc == 0) {
            k->answered = 1;
            k->listed = (a->result.error == 0 && a->result.listed) || a->variant_match;
            return;
        }
        why_mrz(msg, sizeof msg, cx, &a->mrz, rc, lines, 0);
        if (sltd__mf_key_fail(c, k, rc, msg) != 0)
            sltd__mf_fatal(c, SLTD_ENOMEM);
        return;
    }
    m.version = SLTD_MRZ_VERSION;
    if ((prc = sltd_mrz_parse_ex(&m, NULL, text, len, strict)) == SLTD_EINVAL) {
        sltd__mf_fatal(c, SLTD_EINVAL);
        return;
    }
    if (sltd__mrz_query(&q, &m)) { /* looked up in the batch; the answer if it is not listed: */
        k->qi = 0;
        if (sltd__mf_put(c, q.state, strlen(q.state), &k->state) != 0 ||
            sltd__mf_put(c, q.number, strlen(q.number), &k->number) != 0 ||
            (q.type != NULL && sltd__mf_put(c, q.type, strlen(q.type), &k->type) != 0)) {
            sltd__mf_fatal(c, SLTD_ENOMEM);
            return;
        }
        if ((k->unlisted = sltd__mrz_outcome(&m, prc, 0)) != 0) {
            why_mrz(msg, sizeof msg, cx, &m, k->unlisted, lines, 1);
            if (sltd__mf_put(c, msg, strlen(msg), &k->unlisted_msg) != 0)
                sltd__mf_fatal(c, SLTD_ENOMEM);
        }
        return;
    }
    rc = sltd__mrz_outcome(&m, prc, -1);
    why_mrz(msg, sizeof msg, cx, &m, rc, lines, 0);
    if (show_key(c, k, &m) != 0 || sltd__mf_key_fail(c, k, rc, msg) != 0)
        sltd__mf_fatal(c, SLTD_ENOMEM);
}

void sltd__mf_mrz_field(const sltd__mf_ctx *cx, sltd__mf_chunk *c, size_t i, sltd__mf_key *k, const char *text,
                        size_t len, const unsigned long lines[3])
{
    char msg[SLTD__MF_MSG];

    if (len > SLTD__MF_MRZ_MAX) {
        snprintf(msg, sizeof msg, "%s:%lu: field 'mrz': longer than %d bytes", cx->name, lines[0], SLTD__MF_MRZ_MAX);
        if (sltd__mf_key_fail(c, k, SLTD_EFORMAT, msg) != 0)
            sltd__mf_fatal(c, SLTD_ENOMEM);
        return;
    }
    sltd__mf_mrz_key(cx, c, i, k, text, len, lines);
}

static void mrz_prep(const void *st, const sltd__mf_ctx *cx, sltd__mf_chunk *c, size_t i)
{
    (void)st;
    sltd__mf_doc *d = &c->doc[i];
    sltd__mf_key *k = sltd__mf_key_new(d, "mrz", "mrz", "mrz");
    char msg[SLTD__MF_MSG];

    sltd__mf_mrz_key(cx, c, i, k, c->a + d->text, d->text_len, d->lines);
    if (d->torn != 0 && k->error == 0 && k->unlisted == 0 && c->rc == 0) { /* listed still wins */
        snprintf(msg, sizeof msg, "%s:%lu: mrz: follows the upper line at line %lu, left without its lower line: "
                 "which lines belong to this document is uncertain; not cleared", cx->name, d->line, d->torn);
        k->unlisted = SLTD_EMRZ;
        if (sltd__mf_put(c, msg, strlen(msg), &k->unlisted_msg) != 0)
            sltd__mf_fatal(c, SLTD_ENOMEM);
    }
}

const sltd__mf_format sltd__mf_mrz = { mrz_open, mrz_read, mrz_prep, NULL, mrz_close };
