/* SPDX-License-Identifier: Apache-2.0 */
/* mrz.c — ICAO Doc 9303 (8th edition) machine-readable zone parser: TD1, TD2, TD3, MRV-A, MRV-B.
 *
 * Pure: no I/O, no allocation, no global state (the public calls only set the calling thread's error
 * detail, as every call of the library does). The input is never copied whole; lines are spans
 * into the caller's text and every field is read at a fixed offset after the line lengths have
 * been checked, so no index depends on the content except the long-number continuation, which is
 * bounded by its optional-data field.
 *
 * Once the lines have the right count, lengths and characters, every field and every check digit is
 * read whatever is wrong elsewhere: each bad field is recorded as a problem (line, position, field)
 * and the first one is the return code. The decisions every MRZ lookup shares live here too: which
 * national check-digit variants are accepted (sltd__mrz_filler_rule), whether the key may be looked
 * up (sltd__mrz_key_trusted) and what the answer is once it was (sltd__mrz_outcome).
 *
 * Positions in error reports and in the comments below are the standard's 1-based positions;
 * offsets in the code are 0-based. */
#include "mrz.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "bytescan.h"
#include "date.h"
#include "error.h"
#include "layout.h"
#include "norm.h"

/* Fixed layouts (0-based offsets). */
#define TD1_LEN 30
#define TD2_LEN 36
#define TD3_LEN 44

/* Longest composite input: TD1 upper line 6-30 (25) + middle line 1-7, 9-15, 19-29 (7+7+11). */
#define COMPOSITE_MAX 50
/* Longest raw document number: TD1 9 principal characters + 14 continuation characters. */
#define RAWNUM_MAX 23

typedef struct span {
    const char *p;
    size_t n;
} span;

/* Character value + 1 for [0-9A-Z<]; 0 for anything else (a constant table, not state). */
static const unsigned char value1[256] = {
    ['<'] = 1,  ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,  ['6'] = 7,
    ['7'] = 8,  ['8'] = 9,  ['9'] = 10, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15,
    ['F'] = 16, ['G'] = 17, ['H'] = 18, ['I'] = 19, ['J'] = 20, ['K'] = 21, ['L'] = 22, ['M'] = 23,
    ['N'] = 24, ['O'] = 25, ['P'] = 26, ['Q'] = 27, ['R'] = 28, ['S'] = 29, ['T'] = 30, ['U'] = 31,
    ['V'] = 32, ['W'] = 33, ['X'] = 34, ['Y'] = 35, ['Z'] = 36,
};

/* Does s[0..n) hold only [A-Z0-9<] (letters: only [A-Z<])? 16 bytes at a time, the last block
 * overlapping the one before it. A fast path only: when it says no (or cannot tell: fewer than 16
 * bytes, or no SLTD__BYTESCAN), the byte-by-byte loop finds the character at fault and says why. */
static int in_class(const char *s, size_t n, int letters)
{
#if SLTD__BYTESCAN
    size_t i;

    if (n < 16)
        return 0;
    for (i = 0; i + 16 <= n; i += 16)
        if (!sltd__mrz_block16(s + i, letters))
            return 0;
    return i == n || sltd__mrz_block16(s + n - 16, letters);
#else
    (void)s;
    (void)n;
    (void)letters;
    return 0;
#endif
}

/* Offset of the first CR or LF in t[p..len), or len. */
static size_t line_end(const char *t, size_t p, size_t len)
{
#if SLTD__BYTESCAN
    unsigned k;

    for (; p + 16 <= len; p += 16)
        if ((k = sltd__first_of4(t + p, 0, '\n', '\r', '\n', '\r')) < 16)
            return p + k;
    if (p == len)
        return len;
    if (len >= 16) /* the last 16 bytes, of which those before p were searched already */
        return (k = sltd__first_of4(t + len - 16, (unsigned)(16 - (len - p)), '\n', '\r', '\n', '\r')) < 16
                   ? len - 16 + k
                   : len;
#endif
    while (p < len && t[p] != '\n' && t[p] != '\r')
        p++;
    return p;
}

int sltd__mrz_char_value(char c)
{
    return (int)value1[(unsigned char)c] - 1;
}

int sltd__mrz_check_digit(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned long long sum = 0; /* cannot wrap below 5e16 characters */
    unsigned bad = 0;
    size_t i = 0;

    if (s == NULL && len > 0)
        return -1;
    /* weights 7, 3, 1 repeating. value1 - 1 is the value; a character outside the set gives
     * 0 - 1 = UINT_MAX, whose top bit no value has: one OR a character finds it (the sum is then
     * meaningless and not used) */
    for (; i + 3 <= len; i += 3) {
        unsigned a = value1[u[i]] - 1u, b = value1[u[i + 1]] - 1u, c = value1[u[i + 2]] - 1u;
        bad |= a | b | c;
        sum += 7u * a + 3u * b + c;
    }
    if (i < len) {
        unsigned a = value1[u[i]] - 1u;
        bad |= a;
        sum += 7u * a;
        if (i + 1 < len) {
            unsigned b = value1[u[i + 1]] - 1u;
            bad |= b;
            sum += 3u * b;
        }
    }
    return (bad >> 31) != 0 ? -1 : (int)(sum % 10);
}

/* A parse in progress: the fields, and the evidence (the flags, the rule used, the problems). */
typedef struct parse {
    sltd_mrz *m;
    sltd_mrz_evidence *ev;
} parse;

static int before(const sltd_mrz_problem *p, int line, int pos)
{
    return p->line < line || (p->line == line && p->pos <= pos);
}

/* Record a problem, keeping the list in (line, position) order (the earlier one first when two share
 * a position), so that the first problem, which the return code names, does not depend on the order
 * the fields are read in. Each field records at most one problem (the number two), and there are
 * fewer than SLTD_MRZ_PROBLEMS_MAX: the list cannot overflow (if it did, the latest would be dropped). */
static void problem(parse *P, int code, int field, int line, int pos, const char *msg)
{
    sltd_mrz_evidence *ev = P->ev;
    unsigned i = ev->nproblems;

    if (i == SLTD_MRZ_PROBLEMS_MAX)
        return;
    for (; i > 0 && !before(&ev->problems[i - 1], line, pos); i--)
        ev->problems[i] = ev->problems[i - 1];
    ev->problems[i].code = code;
    ev->problems[i].field = field;
    ev->problems[i].line = line;
    ev->problems[i].pos = pos;
    ev->problems[i].msg = msg;
    ev->nproblems++;
    ev->error = ev->problems[0].code;
    P->m->error_line = ev->problems[0].line;
    P->m->error_pos = ev->problems[0].pos;
    P->m->error_msg = ev->problems[0].msg;
}

static int is_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* 1-based position of offset j, for error reports (lines longer than INT_MAX are clamped). */
static int pos1(size_t j)
{
    return j < (size_t)INT_MAX ? (int)j + 1 : INT_MAX;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\v' || c == '\f';
}

static int all_fillers(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (s[i] != '<')
            return 0;
    return 1;
}

/* Evaluate the check digit `found` over s[0..n). `filler_if_empty`: a `<` over an all-filler field
 * is correct (TD3 personal number). The caller has checked that s holds only [A-Z0-9<]. */
static void check(sltd_mrz_check *c, const char *s, size_t n, char found, int filler_if_empty)
{
    int d = sltd__mrz_check_digit(s, n);

    c->found = found;
    c->expected = (char)('0' + (d < 0 ? 0 : d));
    if (d >= 0 && found == c->expected)
        c->status = SLTD_MRZ_CHECK_OK;
    else if (d >= 0 && filler_if_empty && found == '<' && all_fillers(s, n))
        c->status = SLTD_MRZ_CHECK_OK;
    else
        c->status = SLTD_MRZ_CHECK_BAD;
}

static void absent(sltd_mrz_check *c)
{
    c->found = 0;
    c->expected = 0;
    c->status = SLTD_MRZ_CHECK_ABSENT;
}

/* n less the fillers that end s[0..n) (eight at a time while they last). */
static size_t trim_fillers(const char *s, size_t n)
{
    static const unsigned long long fill8 = 0x3c3c3c3c3c3c3c3cULL; /* "<<<<<<<<" */
    unsigned long long w;

    for (; n >= 8; n -= 8) {
        memcpy(&w, s + n - 8, sizeof w);
        if (w != fill8)
            break;
    }
    while (n > 0 && s[n - 1] == '<')
        n--;
    return n;
}

/* Copy s[0..n) into dst (capacity cap > n), dropping trailing fillers; inner fillers are kept. */
static void copy_trimmed(char *dst, size_t cap, const char *s, size_t n)
{
    n = trim_fillers(s, n);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

/* Copy s[0..n) into dst with each `<` turned into a space, dropping trailing fillers. */
static void copy_name(char *dst, size_t cap, const char *s, size_t n)
{
    size_t i;

    n = trim_fillers(s, n);
    if (n >= cap)
        n = cap - 1;
    for (i = 0; i < n; i++)
        dst[i] = s[i] == '<' ? ' ' : s[i];
    dst[n] = '\0';
}

/* Name field s[0..n), at (line, pos) of its first character: primary identifier up to the first "<<",
 * secondary identifier after it. Only A-Z and '<' belong in it (ICAO 9303 Part 3: names are
 * transliterated to letters; digits never appear). */
static void parse_name(parse *P, const char *s, size_t n, int line, int pos)
{
    sltd_mrz *m = P->m;
    size_t j;

    for (j = in_class(s, n, 1) ? n : 0; j < n; j++) {
        if (!is_upper(s[j]) && s[j] != '<') {
            problem(P, SLTD_EMRZ, SLTD_MRZ_FIELD_NAME, line, pos + (int)j, "the name holds a digit (only A-Z and '<')");
            break;
        }
    }
    m->name_truncated = n > 0 && s[n - 1] != '<';
    for (j = 0; j + 1 < n; j++)
        if (s[j] == '<' && s[j + 1] == '<')
            break;
    if (j + 1 >= n) { /* no separator: the primary identifier fills (or was truncated to) the field */
        copy_name(m->primary_name, sizeof m->primary_name, s, n);
        m->secondary_name[0] = '\0';
        return;
    }
    copy_name(m->primary_name, sizeof m->primary_name, s, j);
    copy_name(m->secondary_name, sizeof m->secondary_name, s + j + 2, n - j - 2);
}

/* Does the document code s[0..2) (the second a letter or '<') fit the format (ICAO 9303 Part 4: P for
 * a passport; Parts 5 and 6: A, C or I, and V is not a second character; Part 7: V, which also
 * selects the visa formats)? NULL when it does, else why, and *pos the 1-based position at fault. */
static const char *doc_code_problem(int kind, const char *s, int *pos)
{
    const int card = kind == SLTD_MRZ_TD1 || kind == SLTD_MRZ_TD2;

    *pos = 1;
    if (!is_upper(s[0]))
        return "document code must start with a letter";
    if (card && s[0] != 'A' && s[0] != 'C' && s[0] != 'I')
        return "a TD1 or TD2 document code starts with A, C or I (ICAO 9303 Parts 5 and 6)";
    if (kind == SLTD_MRZ_TD3 && s[0] != 'P')
        return "a TD3 document code starts with P (ICAO 9303 Part 4)";
    *pos = 2;
    if (s[1] != '<' && !is_upper(s[1]))
        return "second character of the document code must be a letter or '<'";
    if (card && s[1] == 'V')
        return "V is not a second character of a TD1 or TD2 document code (ICAO 9303 Parts 5 and 6)";
    return NULL;
}

/* Document code in positions 1-2 of the upper line; kept as read when it is letters, even if wrong
 * for the format (the problem says so), else left empty. */
static void parse_doc_code(parse *P, const char *s)
{
    sltd_mrz *m = P->m;
    int pos;
    const char *why = doc_code_problem(m->kind, s, &pos);

    if (why != NULL)
        problem(P, SLTD_EMRZ, SLTD_MRZ_FIELD_DOC_CODE, 1, pos, why);
    if (is_upper(s[0]) && (is_upper(s[1]) || s[1] == '<')) {
        m->doc_code[0] = s[0];
        m->doc_code[1] = s[1] == '<' ? '\0' : s[1];
        m->doc_code[2] = '\0';
    }
}

const char *sltd__mrz_key_type(const sltd_mrz *m)
{
    char s[2];
    int pos;

    if (m == NULL || m->doc_code[0] == '\0')
        return NULL;
    s[0] = m->doc_code[0];
    s[1] = m->doc_code[1] != '\0' ? m->doc_code[1] : '<';
    return doc_code_problem(m->kind, s, &pos) == NULL ? m->doc_code : NULL;
}

static void parse_state(char out[SLTD_STATE_MAX + 1], parse *P, const char *s, int field, int line, int pos,
                        const char *msg)
{
    if (sltd__norm_state(out, s, 3) != 0) {
        out[0] = '\0';
        problem(P, SLTD_ESTATE, field, line, pos, msg);
    }
}

/* A date YYMMDD at (line, pos). YYMMDD carries no century: a fully known date is valid when that day
 * exists in 19YY or in 20YY (only 29 February of YY = 00 tells them apart). A date of birth may give
 * an unknown YY, MM or DD as "<<" (ICAO 9303 Part 3); the known parts must still be possible. An
 * identity card (TD1, TD2) with no date of expiry prints six fillers. */
static void parse_date(char out[7], parse *P, const char *s, int field, int line, int pos)
{
    const sltd_mrz *m = P->m;
    const int birth = field == SLTD_MRZ_FIELD_BIRTH;
    int part[3], i, ok;

    memcpy(out, s, 6);
    out[6] = '\0';
    if (!birth && all_fillers(s, 6) && (m->kind == SLTD_MRZ_TD1 || m->kind == SLTD_MRZ_TD2))
        return;
    for (i = 0; i < 3; i++) {
        char a = s[2 * i], b = s[2 * i + 1];

        if (is_digit(a) && is_digit(b)) {
            part[i] = (a - '0') * 10 + (b - '0');
        } else if (birth && a == '<' && b == '<') {
            part[i] = -1;
        } else {
            /* the first character that does not fit: a itself, or b when it does not match a */
            problem(P, SLTD_EMRZ, field, line, pos + 2 * i + (is_digit(a) || (birth && a == '<')),
                    birth ? "date of birth: YY, MM and DD are each two digits, or '<<' when not known"
                          : "date of expiry must be six digits YYMMDD (an identity card without one: '<<<<<<')");
            return;
        }
    }
    if (part[1] >= 0 && (part[1] < 1 || part[1] > 12)) {
        problem(P, SLTD_EMRZ, field, line, pos + 2,
                birth ? "date of birth: no month 00 or above 12" : "date of expiry: no month 00 or above 12");
        return;
    }
    if (part[2] < 0)
        return;
    if (part[1] < 0) /* any month: is there a month with that day? */
        ok = sltd__date_calendar(2000, 1, (unsigned)part[2]);
    else if (part[0] < 0) /* any year: 2000 is a leap year */
        ok = sltd__date_calendar(2000, (unsigned)part[1], (unsigned)part[2]);
    else
        ok = sltd__date_calendar(1900u + (unsigned)part[0], (unsigned)part[1], (unsigned)part[2]) ||
             sltd__date_calendar(2000u + (unsigned)part[0], (unsigned)part[1], (unsigned)part[2]);
    if (!ok)
        problem(P, SLTD_EMRZ, field, line, pos + 4,
                birth ? "date of birth: that day does not exist in that month"
                      : "date of expiry: that day does not exist in that month");
}

static void parse_sex(parse *P, char c, int line, int pos)
{
    sltd_mrz *m = P->m;

    if (c != 'M' && c != 'F' && c != 'X' && c != '<')
        problem(P, SLTD_EMRZ, SLTD_MRZ_FIELD_SEX, line, pos, "sex must be M, F, X or '<'");
    m->sex = c;
}

int sltd__mrz_filler_rule(const sltd_mrz *m, unsigned flags)
{
    return m != NULL && !(flags & SLTD_MRZ_STRICT) && m->kind == SLTD_MRZ_TD1 && m->long_number &&
           (strcmp(m->issuing_state, "BEL") == 0 || strcmp(m->issuing_state, "PRT") == 0);
}

/* Document number of 9 characters at num (position num_pos of line num_line), its check digit at
 * num[9]. For TD1/TD2 (opt != NULL) a `<` there means the number continues in the optional data
 * opt[0..optn) up to the next `<`, the last character before it being the check digit. What follows
 * the continuation (or the whole field when there is none) goes to optional1. The check digit is
 * tried under ICAO 9303 first, then under the national variant where it applies. */
static void parse_number(parse *P, const char *num, int num_line, int num_pos, const char *opt, size_t optn,
                         int opt_line, int opt_pos)
{
    sltd_mrz *m = P->m;
    char raw[RAWNUM_MAX + 1];
    size_t rawn = 9, k = 0;
    char found = num[9];
    int nrc;

    memcpy(raw, num, 9);
    if (opt != NULL && num[9] == '<') {
        while (k < optn && opt[k] != '<')
            k++;
        if (k == 0) {
            problem(P, SLTD_EMRZ, SLTD_MRZ_FIELD_NUMBER, opt_line, opt_pos,
                    "document number check digit is '<' but no long-number continuation follows");
            found = '<';
        } else {
            memcpy(raw + 9, opt, k - 1); /* k - 1 <= 14, RAWNUM_MAX - 9 */
            rawn += k - 1;
            found = opt[k - 1];
            m->long_number = 1;
        }
        /* optional data after the continuation and its terminating filler */
        if (k < optn)
            k++;
        copy_trimmed(m->optional1, sizeof m->optional1, opt + k, optn - k);
    } else if (opt != NULL) {
        copy_trimmed(m->optional1, sizeof m->optional1, opt, optn);
    }
    check(&m->number_check, raw, rawn, found, 0);
    P->ev->number_rule = m->number_check.status == SLTD_MRZ_CHECK_OK ? SLTD_MRZ_RULE_ICAO : SLTD_MRZ_RULE_NONE;
    if (m->number_check.status != SLTD_MRZ_CHECK_OK && sltd__mrz_filler_rule(m, P->ev->flags)) {
        char with[RAWNUM_MAX + 1]; /* the principal part, the filler at position 15, the continuation */
        sltd_mrz_check alt;

        memcpy(with, raw, 9);
        with[9] = '<';
        memcpy(with + 10, raw + 9, rawn - 9);
        check(&alt, with, rawn + 1, found, 0);
        if (alt.status == SLTD_MRZ_CHECK_OK) { /* member by member: the struct's padding stays zero */
            m->number_check.expected = alt.expected;
            m->number_check.status = alt.status;
            P->ev->number_rule = SLTD_MRZ_RULE_FILLER;
        }
    }
    nrc = sltd__norm_number(m->number, NULL, raw, rawn);
    if (nrc != 0) {
        m->number[0] = '\0';
        problem(P, SLTD_ENUMBER, SLTD_MRZ_FIELD_NUMBER, num_line, num_pos,
                all_fillers(raw, rawn) ? "document number is empty" : "document number is longer than 22 characters");
    }
}

/* Composite check over the concatenation of up to three ranges of one line plus a prefix. */
static void composite(sltd_mrz_check *c, const char *pre, size_t pren, const char *l, size_t a0, size_t a1,
                      size_t b0, size_t b1, size_t c0, size_t c1, char found)
{
    char buf[COMPOSITE_MAX];
    size_t n = 0;

    memcpy(buf + n, pre, pren);
    n += pren;
    memcpy(buf + n, l + a0, a1 - a0);
    n += a1 - a0;
    memcpy(buf + n, l + b0, b1 - b0);
    n += b1 - b0;
    memcpy(buf + n, l + c0, c1 - c0);
    n += c1 - c0;
    check(c, buf, n, found, 0);
}

static void parse_td1(parse *P, const span *l)
{
    sltd_mrz *m = P->m;
    const char *a = l[0].p, *b = l[1].p, *c = l[2].p;

    parse_doc_code(P, a);
    parse_state(m->issuing_state, P, a + 2, SLTD_MRZ_FIELD_ISSUING_STATE, 1, 3,
                "issuing state is not an ICAO 9303 code");
    parse_number(P, a + 5, 1, 6, a + 15, 15, 1, 16);
    parse_date(m->birth, P, b, SLTD_MRZ_FIELD_BIRTH, 2, 1);
    check(&m->birth_check, b, 6, b[6], 0);
    parse_sex(P, b[7], 2, 8);
    parse_date(m->expiry, P, b + 8, SLTD_MRZ_FIELD_EXPIRY, 2, 9);
    check(&m->expiry_check, b + 8, 6, b[14], 0);
    parse_state(m->nationality, P, b + 15, SLTD_MRZ_FIELD_NATIONALITY, 2, 16, "nationality is not an ICAO 9303 code");
    copy_trimmed(m->optional2, sizeof m->optional2, b + 18, 11);
    absent(&m->optional_check);
    /* upper line 6-30, middle line 1-7, 9-15, 19-29 */
    composite(&m->composite_check, a + 5, 25, b, 0, 7, 8, 15, 18, 29, b[29]);
    parse_name(P, c, TD1_LEN, 3, 1);
}

/* TD2, TD3, MRV-A, MRV-B share the upper line and line 2 positions 1-28. */
static void parse_two_line(parse *P, const span *l)
{
    sltd_mrz *m = P->m;
    const char *a = l[0].p, *b = l[1].p;
    size_t n = l[0].n;

    parse_doc_code(P, a);
    parse_state(m->issuing_state, P, a + 2, SLTD_MRZ_FIELD_ISSUING_STATE, 1, 3,
                "issuing state is not an ICAO 9303 code");
    parse_name(P, a + 5, n - 5, 1, 6);
    if (m->kind == SLTD_MRZ_TD2)
        parse_number(P, b, 2, 1, b + 28, 7, 2, 29);
    else
        parse_number(P, b, 2, 1, NULL, 0, 0, 0);
    parse_state(m->nationality, P, b + 10, SLTD_MRZ_FIELD_NATIONALITY, 2, 11, "nationality is not an ICAO 9303 code");
    parse_date(m->birth, P, b + 13, SLTD_MRZ_FIELD_BIRTH, 2, 14);
    check(&m->birth_check, b + 13, 6, b[19], 0);
    parse_sex(P, b[20], 2, 21);
    parse_date(m->expiry, P, b + 21, SLTD_MRZ_FIELD_EXPIRY, 2, 22);
    check(&m->expiry_check, b + 21, 6, b[27], 0);

    switch (m->kind) {
    case SLTD_MRZ_TD2: /* optional data 29-35 (read by parse_number), composite 1-10, 14-20, 22-35 */
        absent(&m->optional_check);
        composite(&m->composite_check, "", 0, b, 0, 10, 13, 20, 21, 35, b[35]);
        break;
    case SLTD_MRZ_TD3: /* personal number 29-42, its check 43, composite 1-10, 14-20, 22-43 */
        copy_trimmed(m->optional1, sizeof m->optional1, b + 28, 14);
        check(&m->optional_check, b + 28, 14, b[42], 1);
        composite(&m->composite_check, "", 0, b, 0, 10, 13, 20, 21, 43, b[43]);
        break;
    default: /* MRV-A: optional data 29-44; MRV-B: 29-36; no composite */
        copy_trimmed(m->optional1, sizeof m->optional1, b + 28, n - 28);
        absent(&m->optional_check);
        absent(&m->composite_check);
        break;
    }
}

int sltd__mrz_next_line(const char *text, size_t len, size_t *pos, size_t *start, size_t *end)
{
    size_t p = *pos;
    int found = 0;

    while (p < len) {
        size_t s = p, e;
        p = line_end(text, p, len);
        e = p;
        if (p < len)
            p++;
        while (s < e && is_blank(text[s]))
            s++;
        while (e > s && is_blank(text[e - 1]))
            e--;
        if (s < e) {
            *start = s;
            *end = e;
            found = 1;
            break;
        }
    }
    *pos = p;
    return found;
}

static int mrz_parse_ex_body(sltd_mrz *out, sltd_mrz_evidence *evidence, const char *text, size_t len, unsigned int flags)
{
    sltd_mrz_evidence local;
    span line[3];
    int nlines = 0, i;
    size_t pos = 0, want;
    parse P;

    if (out == NULL)
        return SLTD_EINVAL;
    P.m = out;
    P.ev = evidence != NULL ? evidence : &local;
    memset(out, 0, sizeof *out);
    out->version = SLTD_MRZ_VERSION;
    memset(P.ev, 0, sizeof *P.ev);
    P.ev->version = SLTD_MRZ_EVIDENCE_VERSION;
    P.ev->flags = flags & SLTD_MRZ_STRICT;
    if (text == NULL || (flags & ~(unsigned)SLTD_MRZ_STRICT) != 0) {
        problem(&P, SLTD_EINVAL, SLTD_MRZ_FIELD_STRUCTURE, 0, 0, text == NULL ? "no MRZ text" : "unknown flag");
        return P.ev->error;
    }

    /* Split on LF, CR or CRLF; trim blanks around each line; skip blank lines. */
    for (;;) {
        size_t start, end;

        if (!sltd__mrz_next_line(text, len, &pos, &start, &end))
            break;
        if (nlines == 3) {
            problem(&P, SLTD_EMRZ, SLTD_MRZ_FIELD_STRUCTURE, 4, 1, "more than 3 lines");
            return P.ev->error;
        }
        line[nlines].p = text + start;
        line[nlines].n = end - start;
        nlines++;
    }
    if (nlines == 0) {
        problem(&P, SLTD_EMRZ, SLTD_MRZ_FIELD_STRUCTURE, 1, 1, "empty MRZ");
        return P.ev->error;
    }
    if (nlines == 1) {
        problem(&P, SLTD_EMRZ, SLTD_MRZ_FIELD_STRUCTURE, 2, 1, "missing line: an MRZ has 2 or 3 lines");
        return P.ev->error;
    }

    /* Character set, then length, line by line: nothing can be read at its place before both hold. */
    want = nlines == 3 ? TD1_LEN : 0;
    for (i = 0; i < nlines; i++) {
        size_t j, n = line[i].n;
        const char *p = line[i].p;

        for (j = in_class(p, n, 0) ? n : 0; j < n; j++) {
            char ch = p[j];
            if (value1[(unsigned char)ch] != 0)
                continue;
            problem(&P, SLTD_EMRZ, SLTD_MRZ_FIELD_STRUCTURE, i + 1, pos1(j),
                    (ch >= 'a' && ch <= 'z') ? "lower-case letter (the MRZ is upper case)"
                    : is_blank(ch)          ? "blank inside a line"
                                            : "character outside [A-Z0-9<]");
            return P.ev->error;
        }
        if (want == 0) { /* upper line of a 2-line MRZ decides between 36 and 44 */
            if (n == TD2_LEN || n == TD3_LEN) {
                want = n;
            } else {
                problem(&P, SLTD_EMRZ, SLTD_MRZ_FIELD_STRUCTURE, 1, n < TD3_LEN ? pos1(n) : TD3_LEN + 1,
                        "a 2-line MRZ has lines of 36 or 44 characters");
                return P.ev->error;
            }
        } else if (n != want) {
            problem(&P, SLTD_EMRZ, SLTD_MRZ_FIELD_STRUCTURE, i + 1, pos1(n < want ? n : want),
                    n < want ? "line too short" : "line too long");
            return P.ev->error;
        }
    }

    if (nlines == 3)
        out->kind = SLTD_MRZ_TD1;
    else if (want == TD2_LEN)
        out->kind = line[0].p[0] == 'V' ? SLTD_MRZ_MRVB : SLTD_MRZ_TD2;
    else
        out->kind = line[0].p[0] == 'V' ? SLTD_MRZ_MRVA : SLTD_MRZ_TD3;

    /* Every field and check digit, whatever is wrong elsewhere (the problems say what). */
    if (out->kind == SLTD_MRZ_TD1)
        parse_td1(&P, line);
    else
        parse_two_line(&P, line);
    return P.ev->error;
}

/* Both parse calls: the answer is made in structs of the current version, then written into the
 * caller's at version vm (sltd_mrz) and ve (sltd_mrz_evidence). */
static int mrz_parse_put(sltd_mrz *out, int vm, sltd_mrz_evidence *evidence, int ve, const char *text, size_t len,
                         unsigned int flags)
{
    sltd_mrz m;            /* both set whole by mrz_parse_ex_body when out is not NULL, */
    sltd_mrz_evidence ev; /* and neither is read when it is */
    int rc;

    rc = mrz_parse_ex_body(out != NULL ? &m : NULL, &ev, text, len, flags);
    if (rc < 0 && out != NULL && m.error_msg != NULL) /* the first problem, where it is */
        sltd__err(rc, "MRZ line %d, position %d: %s", m.error_line, m.error_pos, m.error_msg);
    sltd__layout_put(out, vm, sltd__layout_get(SLTD__LAYOUT_MRZ), &m);
    if (out != NULL)
        sltd__layout_put(evidence, ve, sltd__layout_get(SLTD__LAYOUT_MRZ_EVIDENCE), &ev);
    return rc;
}

int sltd_mrz_parse_ex(sltd_mrz *out, sltd_mrz_evidence *evidence, const char *text, size_t len, unsigned int flags)
{
    int vm, ve, rc;

    sltd__err_clear();
    if ((vm = rc = sltd__layout_check(out, sltd__layout_get(SLTD__LAYOUT_MRZ))) >= 0 &&
        (ve = rc = sltd__layout_check(evidence, sltd__layout_get(SLTD__LAYOUT_MRZ_EVIDENCE))) >= 0)
        rc = mrz_parse_put(out, vm, evidence, ve, text, len, flags);
    return sltd__err_leave(rc, "sltd_mrz_parse_ex");
}

int sltd_mrz_parse(sltd_mrz *out, const char *text, size_t len)
{
    sltd__err_clear();
    /* Unchanged since 0.1, whose callers did not set `version`: never read, version 1 always written. */
    return sltd__err_leave(mrz_parse_put(out, 1, NULL, 0, text, len, 0), "sltd_mrz_parse");
}

static int check_ok(const sltd_mrz_check *c)
{
    return c->status == SLTD_MRZ_CHECK_OK || c->status == SLTD_MRZ_CHECK_ABSENT;
}

int sltd_mrz_validate(const sltd_mrz *m)
{
    if (m == NULL || m->kind < SLTD_MRZ_TD1 || m->kind > SLTD_MRZ_MRVB || m->error_msg != NULL)
        return 0;
    return check_ok(&m->number_check) && check_ok(&m->birth_check) && check_ok(&m->expiry_check) &&
           check_ok(&m->optional_check) && check_ok(&m->composite_check);
}

int sltd__mrz_key_readable(const sltd_mrz *m)
{
    return m != NULL && m->kind >= SLTD_MRZ_TD1 && m->kind <= SLTD_MRZ_MRVB && m->issuing_state[0] != '\0' &&
           m->number[0] != '\0';
}

int sltd__mrz_key_trusted(const sltd_mrz *m)
{
    return sltd__mrz_key_readable(m) && m->number_check.status == SLTD_MRZ_CHECK_OK &&
           check_ok(&m->composite_check);
}

int sltd__mrz_outcome(const sltd_mrz *m, int parse_rc, int listed)
{
    if (m == NULL)
        return SLTD_EINVAL;
    if (listed > 0)
        return 0; /* a listed document is reported whatever else is wrong with it */
    if (parse_rc != 0)
        return parse_rc; /* invalid document: never "not listed" */
    if (m->error_msg != NULL)
        return SLTD_EMRZ; /* a problem without its code: still invalid */
    if (listed < 0 || !sltd__mrz_key_trusted(m))
        return SLTD_ECHECKDIGIT; /* the number could not be read reliably */
    if (sltd__mrz_bad_check(NULL, 0, m))
        return SLTD_EMRZ; /* a date or personal-number check digit is wrong: misread or altered, not valid */
    return 0;
}

int sltd__mrz_bad_check(char *msg, size_t cap, const sltd_mrz *m)
{
    const sltd_mrz_check *const k[] = { &m->birth_check, &m->expiry_check, &m->optional_check };
    static const char *const names[] = { "date of birth", "date of expiry", "personal number" };
    size_t i;

    for (i = 0; i < sizeof k / sizeof k[0]; i++)
        if (!check_ok(k[i])) {
            if (cap > 0)
                snprintf(msg, cap, "the %s check digit is wrong (printed '%c', computed '%c')", names[i],
                         k[i]->found ? k[i]->found : '?', k[i]->expected ? k[i]->expected : '?');
            return 1;
        }
    return 0;
}

const char *sltd_mrz_kind_name(int kind)
{
    switch (kind) {
    case SLTD_MRZ_TD1:
        return "TD1";
    case SLTD_MRZ_TD2:
        return "TD2";
    case SLTD_MRZ_TD3:
        return "TD3";
    case SLTD_MRZ_MRVA:
        return "MRV-A";
    case SLTD_MRZ_MRVB:
        return "MRV-B";
    default:
        return "?";
    }
}

const char *sltd_mrz_rule_name(int rule)
{
    switch (rule) {
    case SLTD_MRZ_RULE_NONE:
        return "none";
    case SLTD_MRZ_RULE_ICAO:
        return "icao";
    case SLTD_MRZ_RULE_FILLER:
        return "filler_included";
    default:
        return "?";
    }
}

const char *sltd_mrz_field_name(int field)
{
    switch (field) {
    case SLTD_MRZ_FIELD_STRUCTURE:
        return "structure";
    case SLTD_MRZ_FIELD_DOC_CODE:
        return "document code";
    case SLTD_MRZ_FIELD_ISSUING_STATE:
        return "issuing state";
    case SLTD_MRZ_FIELD_NUMBER:
        return "document number";
    case SLTD_MRZ_FIELD_NATIONALITY:
        return "nationality";
    case SLTD_MRZ_FIELD_BIRTH:
        return "date of birth";
    case SLTD_MRZ_FIELD_SEX:
        return "sex";
    case SLTD_MRZ_FIELD_EXPIRY:
        return "date of expiry";
    case SLTD_MRZ_FIELD_NAME:
        return "name";
    default:
        return "?";
    }
}
