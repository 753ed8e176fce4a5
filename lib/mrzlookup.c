/* SPDX-License-Identifier: Apache-2.0 */
/* mrzlookup.c — sltd_db_lookup_mrz(): parse an MRZ, look the document up, and (opt-in) look up the
 * variants of its number made by the usual OCR confusions.
 *
 * Uses only the public API (sltd_mrz_parse, sltd_db_lookup, sltd_db_lookup_batch), the check-digit helpers
 * of mrz.h, and the verdict, older-layout and error-detail rules every entry point shares. No allocation: every buffer is bounded by the MRZ formats.
 *
 * Variants. After a successful parse the 2-3 lines are copied into a canonical buffer and the raw
 * document number (principal part plus, for a TD1/TD2 long number, its continuation) is located in
 * it, each character with its weight in the number check digit and in the composite. A candidate
 * substitution changes a check digit by weight * (new value - old value) mod 10, so both check digits
 * are re-evaluated in O(1) per candidate, under each rule the document may use (ICAO 9303, and for a
 * Belgian or Portuguese TD1 long number the filler-included variant, which shifts the weights of the
 * continuation by one). A variant found listed is re-parsed in full by sltd_mrz_parse_ex, as an
 * independent confirmation, before it is reported (hits are rare, so this costs nothing on the usual
 * path).
 *
 * What the answer is (listed, not listed, invalid document, unreadable number) is decided by
 * sltd__mrz_outcome in mrz.c, the same decision screening uses. */
#include <string.h>

#include "layout.h"
#include "error.h"
#include "mrz.h"
#include "sltd.h"
#include "verdict.h"

#define TD1_LEN 30
#define TD3_LEN 44
#define RAWNUM_MAX 23  /* 9 principal characters + up to 14 of continuation (TD1) */
#define CANON_MAX (3 * (TD3_LEN + 1))

static const unsigned char weight[3] = { 7, 3, 1 };

/* OCR-B look-alikes, digit <-> letter (PassportEye's MRZOCRCleaner fixers: 0/O/Q/D/C, 1/I, 2/Z,
 * 4/A, 5/S, 6/G, 8/B). Letter <-> letter and 7/T confusions are not generated. */
static const char *alternatives(char c)
{
    switch (c) {
    case '0': return "OQDC";
    case 'O':
    case 'Q':
    case 'D':
    case 'C': return "0";
    case '1': return "I";
    case 'I': return "1";
    case '2': return "Z";
    case 'Z': return "2";
    case '4': return "A";
    case 'A': return "4";
    case '5': return "S";
    case 'S': return "5";
    case '6': return "G";
    case 'G': return "6";
    case '8': return "B";
    case 'B': return "8";
    default: return "";
    }
}

#define ALT_MAX 4 /* most look-alikes of one character ('0': O, Q, D, C) */

/* The rules a number check digit may hold under: ICAO 9303, and the filler-included variant. */
enum { R_ICAO, R_FILLER, R_COUNT };

/* One character of the document number. */
typedef struct numchar {
    unsigned short off;       /* offset in the canonical text */
    unsigned char norm;       /* 0-based index in the normalised number (sltd_mrz.number) */
    unsigned char wcomp;      /* weight in the composite check digit; 0 when not covered / no composite */
    unsigned char nalt;       /* look-alikes of this character */
    char alt[ALT_MAX];        /* the look-alikes */
    unsigned char dnum[R_COUNT][ALT_MAX]; /* change of the number check sum, mod 10, under each rule */
    unsigned char dcomp[ALT_MAX];         /* change of the composite check sum, mod 10 */
} numchar;

typedef struct located {
    char canon[CANON_MAX]; /* the lines joined by '\n' */
    size_t canon_len;
    size_t line_off[3];
    numchar ch[RAWNUM_MAX];
    size_t n;
    int num_found;                 /* printed number check digit; -1 when not a digit */
    int num_expected[R_COUNT];     /* computed under each rule; -1 for a rule that does not apply */
    int comp_found, comp_expected; /* idem for the composite; comp_present 0 for the visas */
    int comp_present;
} located;

/* One variant: up to two substitutions (indexes into located.ch, ascending, and into its alt[]). */
typedef struct variant {
    unsigned char npos;
    unsigned char idx[2];
    unsigned char alt[2];
    char number[SLTD_NUMBER_MAX + 1];
} variant;

/* Weights and look-alikes of L->ch[i], and what each substitution does to the check sums. raw is the
 * character's index in the number as ICAO 9303 weighs it; the filler-included rule weighs the
 * continuation (raw >= 9) one place further on. */
static void set_char(numchar *c, size_t off, size_t norm, size_t raw, unsigned char wcomp, char ch)
{
    const char *a = alternatives(ch);
    int v = sltd__mrz_char_value(ch);
    const unsigned wicao = weight[raw % 3], wfill = weight[(raw + (raw >= 9)) % 3];

    c->off = (unsigned short)off;
    c->norm = (unsigned char)norm;
    c->wcomp = wcomp;
    for (c->nalt = 0; a[c->nalt] != '\0' && c->nalt < ALT_MAX; c->nalt++) {
        unsigned d = (unsigned)(sltd__mrz_char_value(a[c->nalt]) - v + 40); /* values 0-35: d > 0 */
        c->alt[c->nalt] = a[c->nalt];
        c->dnum[R_ICAO][c->nalt] = (unsigned char)(wicao * d % 10);
        c->dnum[R_FILLER][c->nalt] = (unsigned char)(wfill * d % 10);
        c->dcomp[c->nalt] = (unsigned char)(wcomp * d % 10);
    }
}

static int digit_value(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : -1;
}

/* Composite ranges (line, [from, to)) in the order they are concatenated (ICAO 9303 Parts 4-6;
 * the same table as mrz.c). */
typedef struct range {
    unsigned char line, from, to;
} range;
static const range comp_td1[] = { { 0, 5, 30 }, { 1, 0, 7 }, { 1, 8, 15 }, { 1, 18, 29 } };
static const range comp_td2[] = { { 1, 0, 10 }, { 1, 13, 20 }, { 1, 21, 35 } };
static const range comp_td3[] = { { 1, 0, 10 }, { 1, 13, 20 }, { 1, 21, 43 } };

/* Weight in the composite of character (line, col); 0 when outside it or there is no composite. */
static unsigned char comp_weight(int kind, size_t line, size_t col)
{
    const range *r;
    size_t nr, i, idx = 0;

    switch (kind) {
    case SLTD_MRZ_TD1: r = comp_td1; nr = sizeof comp_td1 / sizeof comp_td1[0]; break;
    case SLTD_MRZ_TD2: r = comp_td2; nr = sizeof comp_td2 / sizeof comp_td2[0]; break;
    case SLTD_MRZ_TD3: r = comp_td3; nr = sizeof comp_td3 / sizeof comp_td3[0]; break;
    default: return 0;
    }
    for (i = 0; i < nr; i++) {
        if (r[i].line == line && col >= r[i].from && col < r[i].to)
            return weight[(idx + col - r[i].from) % 3];
        idx += (size_t)(r[i].to - r[i].from);
    }
    return 0;
}

/* Copy the lines of a parsed MRZ (its key readable) into L->canon and locate the number's characters.
 * 0, or SLTD_EMRZ when what is found disagrees with the parse (cannot happen; fail closed). */
static int locate(located *L, const sltd_mrz *m, unsigned flags, const char *text, size_t len)
{
    size_t pos = 0, nlines = 0, line, col0, optn, k, raw = 0, norm = 0, rawn = 0, cont = 0;
    const char *ln;
    char rebuilt[SLTD_NUMBER_MAX + 1], rawtext[RAWNUM_MAX + 1];

    L->canon_len = 0;
    for (;;) {
        size_t start, end;

        if (!sltd__mrz_next_line(text, len, &pos, &start, &end))
            break;
        if (nlines == 3 || end - start > TD3_LEN)
            return SLTD_EMRZ;
        L->line_off[nlines++] = L->canon_len;
        memcpy(L->canon + L->canon_len, text + start, end - start);
        L->canon_len += end - start;
        L->canon[L->canon_len++] = '\n';
    }
    if (nlines != (m->kind == SLTD_MRZ_TD1 ? 3u : 2u))
        return SLTD_EMRZ;

    /* principal part: TD1 upper line positions 6-14, the others lower line 1-9 */
    line = m->kind == SLTD_MRZ_TD1 ? 0 : 1;
    col0 = m->kind == SLTD_MRZ_TD1 ? 5 : 0;
    ln = L->canon + L->line_off[line];
    L->n = 0;
    memcpy(rawtext, ln + col0, 9);
    rawn = 9;
    for (k = 0; k < 9; k++, raw++) {
        if (ln[col0 + k] == '<')
            continue;
        set_char(&L->ch[L->n++], L->line_off[line] + col0 + k, norm++, raw, comp_weight(m->kind, line, col0 + k),
                 ln[col0 + k]);
    }
    if (m->long_number) { /* continuation: TD1 upper line 16-30, TD2 lower line 29-35, up to a '<' */
        size_t oc = m->kind == SLTD_MRZ_TD1 ? 15 : 28, end;

        optn = m->kind == SLTD_MRZ_TD1 ? 15 : 7;
        if (m->kind != SLTD_MRZ_TD1 && m->kind != SLTD_MRZ_TD2)
            return SLTD_EMRZ;
        for (end = 0; end < optn && ln[oc + end] != '<'; end++)
            ;
        if (end == 0 || 9 + end - 1 > RAWNUM_MAX)
            return SLTD_EMRZ;
        for (k = 0; k + 1 < end; k++, raw++)
            set_char(&L->ch[L->n++], L->line_off[line] + oc + k, norm++, raw, comp_weight(m->kind, line, oc + k),
                     ln[oc + k]);
        cont = end - 1;
        memcpy(rawtext + 9, ln + oc, cont);
        rawn += cont;
    }
    if (L->n > SLTD_NUMBER_MAX)
        return SLTD_EMRZ;
    for (k = 0; k < L->n; k++)
        rebuilt[k] = L->canon[L->ch[k].off];
    rebuilt[L->n] = '\0';
    if (strcmp(rebuilt, m->number) != 0)
        return SLTD_EMRZ;

    L->num_found = digit_value(m->number_check.found);
    L->num_expected[R_ICAO] = sltd__mrz_check_digit(rawtext, rawn);
    L->num_expected[R_FILLER] = -1;
    if (sltd__mrz_filler_rule(m, flags)) { /* the principal part, the filler at position 15, the continuation */
        char with[RAWNUM_MAX + 1];

        memcpy(with, rawtext, 9);
        with[9] = '<';
        memcpy(with + 10, rawtext + 9, cont);
        L->num_expected[R_FILLER] = sltd__mrz_check_digit(with, rawn + 1);
    }
    L->comp_present = m->composite_check.status != SLTD_MRZ_CHECK_ABSENT;
    L->comp_found = digit_value(m->composite_check.found);
    L->comp_expected = digit_value(m->composite_check.expected);
    if (L->num_expected[R_ICAO] < 0 || (L->comp_present && L->comp_expected < 0))
        return SLTD_EMRZ;
    return 0;
}

/* Do the printed check digits hold once the substitutions are made (the number's under any rule that
 * applies to the document, the composite's as computed)? */
static int variant_checks(const located *L, const variant *v)
{
    unsigned dn[R_COUNT] = { 0, 0 }, dc = 0, i;
    int r, num_ok = 0;

    for (i = 0; i < v->npos; i++) {
        const numchar *c = &L->ch[v->idx[i]];
        for (r = 0; r < R_COUNT; r++)
            dn[r] += c->dnum[r][v->alt[i]];
        dc += c->dcomp[v->alt[i]];
    }
    for (r = 0; r < R_COUNT; r++)
        if (L->num_expected[r] >= 0 && (int)(((unsigned)L->num_expected[r] + dn[r]) % 10) == L->num_found)
            num_ok = 1;
    if (!num_ok)
        return 0;
    return !L->comp_present || (int)((unsigned)L->comp_expected + dc) % 10 == L->comp_found;
}

/* The variant's document number: the read one with the substitutions made. */
static void variant_number(const located *L, variant *v)
{
    size_t k;

    for (k = 0; k < L->n; k++)
        v->number[k] = L->canon[L->ch[k].off];
    v->number[L->n] = '\0';
    for (k = 0; k < v->npos; k++)
        v->number[L->ch[v->idx[k]].norm] = L->ch[v->idx[k]].alt[v->alt[k]];
}

/* Re-parse the canonical text with the substitutions made: the parser itself must find both check
 * digits right and read the variant's number. */
static int variant_confirm(const located *L, const variant *v, unsigned flags)
{
    char buf[CANON_MAX];
    sltd_mrz m2 = SLTD_MRZ_INIT;
    unsigned i;

    memcpy(buf, L->canon, L->canon_len);
    for (i = 0; i < v->npos; i++)
        buf[L->ch[v->idx[i]].off] = L->ch[v->idx[i]].alt[v->alt[i]];
    if (sltd_mrz_parse_ex(&m2, NULL, buf, L->canon_len, flags) == SLTD_EINVAL || !sltd__mrz_key_trusted(&m2))
        return 0;
    return strcmp(m2.number, v->number) == 0;
}

/* Keep the candidate v (with its number) as out[*n] when its check digits hold, for both of
 * variants_find's loops. Returns 0 when out is already full (*truncated set: the caller stops), else 1. */
static int variant_keep(variant out[SLTD_MRZ_VARIANTS_MAX], size_t *n, int *truncated, const located *L, variant *v)
{
    if (!variant_checks(L, v))
        return 1;
    if (*n == SLTD_MRZ_VARIANTS_MAX) {
        *truncated = 1;
        return 0;
    }
    variant_number(L, v);
    out[(*n)++] = *v;
    return 1;
}

/* Enumerate single substitutions (by position, then look-alike), then pairs (by first position,
 * second position, look-alikes); keep those whose check digits hold, up to SLTD_MRZ_VARIANTS_MAX.
 * Returns the number kept; *truncated is set when more would have been kept. */
static size_t variants_find(variant out[SLTD_MRZ_VARIANTS_MAX], int *truncated, const located *L)
{
    size_t n = 0, i, j, a, b;
    variant v;

    *truncated = 0;
    if (L->num_found < 0 || (L->comp_present && L->comp_found < 0))
        return 0; /* a printed check character that is not a digit: no number can satisfy it */
    memset(&v, 0, sizeof v);
    v.npos = 1;
    for (i = 0; i < L->n; i++) {
        for (a = 0; a < L->ch[i].nalt; a++) {
            v.idx[0] = (unsigned char)i;
            v.alt[0] = (unsigned char)a;
            if (!variant_keep(out, &n, truncated, L, &v))
                return n;
        }
    }
    v.npos = 2;
    for (i = 0; i < L->n; i++) {
        for (j = i + 1; j < L->n; j++) {
            for (a = 0; a < L->ch[i].nalt; a++) {
                for (b = 0; b < L->ch[j].nalt; b++) {
                    v.idx[0] = (unsigned char)i;
                    v.alt[0] = (unsigned char)a;
                    v.idx[1] = (unsigned char)j;
                    v.alt[1] = (unsigned char)b;
                    if (!variant_keep(out, &n, truncated, L, &v))
                        return n;
                }
            }
        }
    }
    return n;
}

static void result_reset(sltd_result *r, int error)
{
    memset(r, 0, sizeof *r);
    r->version = SLTD_RESULT_VERSION;
    r->error = error;
}

static void answer_reset(sltd_mrz_answer *a)
{
    memset(a, 0, sizeof *a);
    a->version = SLTD_MRZ_ANSWER_VERSION;
    a->mrz.version = SLTD_MRZ_VERSION;
    a->result.version = SLTD_RESULT_VERSION;
    a->variant_result.version = SLTD_RESULT_VERSION;
}

/* The read number's answer once the outcome is known: result.error says why result.listed does not
 * mean "not listed" (see sltd_mrz_answer.result). */
static int finish(sltd_mrz_answer *out, int rc)
{
    char bad[128];

    if (rc != 0 && out->result.error == 0 && !out->result.listed)
        out->result.error = rc;
    if (rc == SLTD_EMRZ && out->mrz.error_msg == NULL && sltd__mrz_bad_check(bad, sizeof bad, &out->mrz))
        return sltd__err(rc, "mrz: %s: the document is invalid", bad);
    return rc;
}

int sltd__mrz_query(sltd_query *q, const sltd_mrz *m)
{
    if (!sltd__mrz_key_trusted(m))
        return 0;
    q->state = m->issuing_state;
    q->number = m->number;
    q->type = sltd__mrz_key_type(m);
    return 1;
}

static int lookup_mrz(sltd_mrz_answer *out, sltd_mrz_evidence *evidence, sltd_db *db, const char *text, size_t len,
                      unsigned int flags)
{
    sltd_mrz_evidence local;
    sltd_mrz_evidence *ev = evidence != NULL ? evidence : &local;
    sltd_query q[1 + SLTD_MRZ_VARIANTS_MAX];
    sltd_result res[1 + SLTD_MRZ_VARIANTS_MAX];
    variant vars[SLTD_MRZ_VARIANTS_MAX];
    const unsigned parse_flags = flags & SLTD_MRZ_STRICT;
    located L;
    size_t nv = 0, nq = 0, i, first;
    int rc, prc, read_ok;

    if (out == NULL)
        return SLTD_EINVAL;
    answer_reset(out);
    memset(ev, 0, sizeof *ev);
    ev->version = SLTD_MRZ_EVIDENCE_VERSION;
    if (db == NULL || text == NULL || (flags & ~(unsigned)(SLTD_MRZ_OCR_VARIANTS | SLTD_MRZ_STRICT)) != 0) {
        out->result.error = SLTD_EINVAL;
        return SLTD_EINVAL;
    }
    if ((prc = sltd_mrz_parse_ex(&out->mrz, ev, text, len, parse_flags)) == SLTD_EINVAL) {
        out->result.error = SLTD_EINVAL;
        return SLTD_EINVAL;
    }
    /* The checks that protect the key: the number's own and the composite (over the number too). A bad
     * field elsewhere does not stop the lookup: a listed document is reported whatever else is wrong. */
    read_ok = sltd__mrz_key_trusted(&out->mrz);

    if (!(flags & SLTD_MRZ_OCR_VARIANTS)) {
        if (!sltd__mrz_query(&q[0], &out->mrz))
            return finish(out, sltd__mrz_outcome(&out->mrz, prc, -1));
        rc = sltd_db_lookup(&out->result, db, q[0].state, q[0].number, q[0].type);
        if (rc != 0)
            return rc;
        ev->number_checked = 1;
        return finish(out, sltd__mrz_outcome(&out->mrz, prc, out->result.listed));
    }

    if (!sltd__mrz_key_readable(&out->mrz))
        return finish(out, sltd__mrz_outcome(&out->mrz, prc, -1));
    if ((rc = locate(&L, &out->mrz, parse_flags, text, len)) != 0) {
        out->result.error = rc;
        return rc;
    }
    nv = variants_find(vars, &out->variants_truncated, &L);
    out->nvariants_tried = (unsigned)nv;
    if (sltd__mrz_query(&q[nq], &out->mrz)) /* read_ok */
        nq++;
    first = nq;
    for (i = 0; i < nv; i++, nq++) {
        q[nq].state = out->mrz.issuing_state;
        q[nq].number = vars[i].number;
        q[nq].type = sltd__mrz_key_type(&out->mrz);
    }
    if (nq == 0) /* checks failed and no variant satisfies them */
        return finish(out, sltd__mrz_outcome(&out->mrz, prc, -1));
    res[0].version = SLTD_RESULT_VERSION;
    if ((rc = sltd_db_lookup_batch(res, db, q, nq)) != 0) {
        result_reset(&out->result, rc);
        return rc;
    }
    for (i = 0; i < nq; i++) { /* fail closed: any document that could not be checked fails the call */
        if (res[i].error != 0) {
            result_reset(&out->result, res[i].error);
            return res[i].error;
        }
    }
    if (read_ok) {
        out->result = res[0];
        ev->number_checked = 1;
    } else {
        out->result.error = SLTD_ECHECKDIGIT; /* the read number itself was not looked up */
    }
    for (i = first; i < nq; i++) {
        const variant *v = &vars[i - first];
        unsigned k;

        if (!res[i].listed || !variant_confirm(&L, v, parse_flags)) /* the parser must agree before we report it */
            continue;
        if (out->nvariants_listed++ != 0)
            continue;
        out->variant_match = 1;
        memcpy(out->variant_number, v->number, sizeof out->variant_number);
        out->variant_nsubst = v->npos;
        for (k = 0; k < v->npos; k++)
            out->variant_pos[k] = (unsigned)L.ch[v->idx[k]].norm + 1;
        out->variant_result = res[i];
    }
    if ((read_ok && out->result.listed) || out->variant_match)
        return finish(out, sltd__mrz_outcome(&out->mrz, prc, 1));
    return finish(out, sltd__mrz_outcome(&out->mrz, prc, read_ok ? 0 : -1));
}

/* The verdict of the whole answer, once its code is known; result.verdict says the same, so that no
 * member of the answer reads "clear" while a variant is listed. */
static int lookup_mrz_ex_body(sltd_mrz_answer *out, sltd_mrz_evidence *evidence, sltd_db *db, const char *text, size_t len,
                       unsigned int flags)
{
    const sltd__layout *LE = sltd__layout_get(SLTD__LAYOUT_MRZ_EVIDENCE);
    sltd_mrz_answer full, *a = &full;
    sltd_mrz_evidence ev = SLTD_MRZ_EVIDENCE_INIT;
    int v, ve, rc;

    if (out == NULL)
        return SLTD_EINVAL;
    if ((v = sltd__layout_version_known(out->version, SLTD_MRZ_ANSWER_VERSION, "sltd_mrz_answer",
                                        "the places of its members after an embedded struct that grew")) < 0 ||
        (ve = sltd__layout_check(evidence, LE)) < 0)
        return v < 0 ? v : ve;
    if (v == SLTD_MRZ_ANSWER_VERSION)
        a = out;
    rc = lookup_mrz(a, evidence != NULL ? &ev : NULL, db, text, len, flags);
    a->verdict = sltd__verdict_of(rc, a->result.listed, a->variant_match);
    a->result.verdict = a->verdict;
    if (a != out) /* a caller built against an older header */
        sltd__layout_mrz_answer_put(out, (unsigned)v, a);
    sltd__layout_put(evidence, ve, LE, &ev);
    return rc;
}

int sltd_db_lookup_mrz_ex(sltd_mrz_answer *out, sltd_mrz_evidence *evidence, sltd_db *db, const char *text, size_t len,
                       unsigned int flags)
{
    sltd__err_clear();
    return sltd__err_leave(lookup_mrz_ex_body(out, evidence, db, text, len, flags), "sltd_db_lookup_mrz_ex");
}

static int lookup_mrz_body(sltd_mrz_answer *out, sltd_db *db, const char *text, size_t len, unsigned int flags)
{
    return sltd_db_lookup_mrz_ex(out, NULL, db, text, len, flags);
}

int sltd_db_lookup_mrz(sltd_mrz_answer *out, sltd_db *db, const char *text, size_t len, unsigned int flags)
{
    sltd__err_clear();
    return sltd__err_leave(lookup_mrz_body(out, db, text, len, flags), "sltd_db_lookup_mrz");
}
