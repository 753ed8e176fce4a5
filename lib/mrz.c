/* SPDX-License-Identifier: Apache-2.0 */
/* mrz.c — ICAO Doc 9303 (8th edition) machine-readable zone parser: TD1, TD2, TD3, MRV-A, MRV-B.
 *
 * Pure: no I/O, no allocation, no global state. The input is never copied whole; lines are spans
 * into the caller's text and every field is read at a fixed offset after the line lengths have
 * been checked, so no index depends on the content except the long-number continuation, which is
 * bounded by its optional-data field.
 *
 * Positions in error reports and in the comments below are the standard's 1-based positions;
 * offsets in the code are 0-based. */
#include "mrz.h"

#include <limits.h>
#include <string.h>

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

int sltd__mrz_char_value(char c)
{
    return (int)value1[(unsigned char)c] - 1;
}

int sltd__mrz_check_digit(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned long long sum = 0, wsum = 0; /* cannot wrap below 7e16 characters */
    unsigned bad = 0;
    size_t i = 0;

    if (s == NULL && len > 0)
        return -1;
    /* weights 7, 3, 1 repeating over (value + 1); the weights' own sum is taken off at the end */
    for (; i + 3 <= len; i += 3) {
        unsigned a = value1[u[i]], b = value1[u[i + 1]], c = value1[u[i + 2]];
        bad |= (a == 0) | (b == 0) | (c == 0);
        sum += 7u * a + 3u * b + c;
    }
    wsum = 11u * (i / 3);
    if (i < len) {
        unsigned a = value1[u[i]];
        bad |= a == 0;
        sum += 7u * a;
        wsum += 7u;
        if (i + 1 < len) {
            unsigned b = value1[u[i + 1]];
            bad |= b == 0;
            sum += 3u * b;
            wsum += 3u;
        }
    }
    return bad ? -1 : (int)((sum - wsum) % 10);
}

/* Record an error unless an earlier one (by line, then position) is already recorded, so the
 * report always names the first offending place whatever order the fields are read in. */
static void set_error(sltd_mrz *m, int *rc, int code, int line, int pos, const char *msg)
{
    if (*rc != 0 && (m->error_line < line || (m->error_line == line && m->error_pos <= pos)))
        return;
    *rc = code;
    m->error_line = line;
    m->error_pos = pos;
    m->error_msg = msg;
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

/* Copy s[0..n) into dst (capacity cap > n), dropping trailing fillers; inner fillers are kept. */
static void copy_trimmed(char *dst, size_t cap, const char *s, size_t n)
{
    while (n > 0 && s[n - 1] == '<')
        n--;
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

/* Copy s[0..n) into dst with each `<` turned into a space, dropping trailing fillers. */
static void copy_name(char *dst, size_t cap, const char *s, size_t n)
{
    size_t i;

    while (n > 0 && s[n - 1] == '<')
        n--;
    if (n >= cap)
        n = cap - 1;
    for (i = 0; i < n; i++)
        dst[i] = s[i] == '<' ? ' ' : s[i];
    dst[n] = '\0';
}

/* Name field: primary identifier up to the first "<<", secondary identifier after it. */
static void parse_name(sltd_mrz *m, const char *s, size_t n)
{
    size_t j;

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

/* Document code in positions 1-2 of the upper line: a letter, then a letter or a filler. */
static void parse_doc_code(sltd_mrz *m, int *rc, const char *s)
{
    if (s[0] < 'A' || s[0] > 'Z')
        set_error(m, rc, SLTD_EMRZ, 1, 1, "document code must start with a letter");
    else if (s[1] != '<' && (s[1] < 'A' || s[1] > 'Z'))
        set_error(m, rc, SLTD_EMRZ, 1, 2, "second character of the document code must be a letter or '<'");
    m->doc_code[0] = s[0];
    m->doc_code[1] = s[1] == '<' ? '\0' : s[1];
    m->doc_code[2] = '\0';
}

static void parse_state(char out[SLTD_STATE_MAX + 1], sltd_mrz *m, int *rc, const char *s, int line, int pos,
                        const char *msg)
{
    if (sltd__norm_state(out, s, 3) != 0) {
        out[0] = '\0';
        set_error(m, rc, SLTD_ESTATE, line, pos, msg);
    }
}

/* A date field YYMMDD: digits, or fillers where a part is unknown. */
static void parse_date(char out[7], sltd_mrz *m, int *rc, const char *s, int line, int pos, const char *msg)
{
    int i;

    for (i = 0; i < 6; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || s[i] == '<')) {
            set_error(m, rc, SLTD_EMRZ, line, pos + i, msg);
            break;
        }
    }
    memcpy(out, s, 6);
    out[6] = '\0';
}

static void parse_sex(sltd_mrz *m, int *rc, char c, int line, int pos)
{
    if (c != 'M' && c != 'F' && c != 'X' && c != '<')
        set_error(m, rc, SLTD_EMRZ, line, pos, "sex must be M, F, X or '<'");
    m->sex = c;
}

/* Document number of 9 characters at num (position num_pos of line num_line), its check digit at
 * num[9]. For TD1/TD2 (opt != NULL) a `<` there means the number continues in the optional data
 * opt[0..optn) up to the next `<`, the last character before it being the check digit. What follows
 * the continuation (or the whole field when there is none) goes to optional1. */
static void parse_number(sltd_mrz *m, int *rc, const char *num, int num_line, int num_pos, const char *opt,
                         size_t optn, int opt_line, int opt_pos)
{
    char raw[RAWNUM_MAX];
    size_t rawn = 9, k = 0;
    char found = num[9];
    int nrc;

    memcpy(raw, num, 9);
    if (opt != NULL && num[9] == '<') {
        while (k < optn && opt[k] != '<')
            k++;
        if (k == 0) {
            set_error(m, rc, SLTD_EMRZ, opt_line, opt_pos,
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
    nrc = sltd__norm_number(m->number, NULL, raw, rawn);
    if (nrc != 0) {
        m->number[0] = '\0';
        set_error(m, rc, SLTD_ENUMBER, num_line, num_pos,
                  all_fillers(raw, rawn) ? "document number is empty"
                                         : "document number is longer than 22 characters");
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

static void parse_td1(sltd_mrz *m, int *rc, const span *l)
{
    const char *a = l[0].p, *b = l[1].p, *c = l[2].p;

    parse_doc_code(m, rc, a);
    parse_state(m->issuing_state, m, rc, a + 2, 1, 3, "issuing state is not an ICAO 9303 code");
    parse_number(m, rc, a + 5, 1, 6, a + 15, 15, 1, 16);
    parse_date(m->birth, m, rc, b, 2, 1, "date of birth must be digits or '<'");
    check(&m->birth_check, b, 6, b[6], 0);
    parse_sex(m, rc, b[7], 2, 8);
    parse_date(m->expiry, m, rc, b + 8, 2, 9, "date of expiry must be digits or '<'");
    check(&m->expiry_check, b + 8, 6, b[14], 0);
    parse_state(m->nationality, m, rc, b + 15, 2, 16, "nationality is not an ICAO 9303 code");
    copy_trimmed(m->optional2, sizeof m->optional2, b + 18, 11);
    absent(&m->optional_check);
    /* upper line 6-30, middle line 1-7, 9-15, 19-29 */
    composite(&m->composite_check, a + 5, 25, b, 0, 7, 8, 15, 18, 29, b[29]);
    parse_name(m, c, TD1_LEN);
}

/* TD2, TD3, MRV-A, MRV-B share the upper line and line 2 positions 1-28. */
static void parse_two_line(sltd_mrz *m, int *rc, const span *l)
{
    const char *a = l[0].p, *b = l[1].p;
    size_t n = l[0].n;

    parse_doc_code(m, rc, a);
    parse_state(m->issuing_state, m, rc, a + 2, 1, 3, "issuing state is not an ICAO 9303 code");
    parse_name(m, a + 5, n - 5);
    if (m->kind == SLTD_MRZ_TD2)
        parse_number(m, rc, b, 2, 1, b + 28, 7, 2, 29);
    else
        parse_number(m, rc, b, 2, 1, NULL, 0, 0, 0);
    parse_state(m->nationality, m, rc, b + 10, 2, 11, "nationality is not an ICAO 9303 code");
    parse_date(m->birth, m, rc, b + 13, 2, 14, "date of birth must be digits or '<'");
    check(&m->birth_check, b + 13, 6, b[19], 0);
    parse_sex(m, rc, b[20], 2, 21);
    parse_date(m->expiry, m, rc, b + 21, 2, 22, "date of expiry must be digits or '<'");
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
    while (*pos < len) {
        size_t s = *pos, e;

        while (*pos < len && text[*pos] != '\n' && text[*pos] != '\r')
            (*pos)++;
        e = *pos;
        if (*pos < len)
            (*pos)++;
        while (s < e && is_blank(text[s]))
            s++;
        while (e > s && is_blank(text[e - 1]))
            e--;
        if (s < e) {
            *start = s;
            *end = e;
            return 1;
        }
    }
    return 0;
}

int sltd_mrz_parse(sltd_mrz *out, const char *text, size_t len)
{
    span line[3];
    int nlines = 0, rc = 0, i;
    size_t pos = 0, want;

    if (out == NULL)
        return SLTD_EINVAL;
    memset(out, 0, sizeof *out);
    out->version = SLTD_MRZ_VERSION;
    if (text == NULL) {
        set_error(out, &rc, SLTD_EINVAL, 0, 0, "no MRZ text");
        return rc;
    }

    /* Split on LF, CR or CRLF; trim blanks around each line; skip blank lines. */
    for (;;) {
        size_t start, end;

        if (!sltd__mrz_next_line(text, len, &pos, &start, &end))
            break;
        if (nlines == 3) {
            set_error(out, &rc, SLTD_EMRZ, 4, 1, "more than 3 lines");
            return rc;
        }
        line[nlines].p = text + start;
        line[nlines].n = end - start;
        nlines++;
    }
    if (nlines == 0) {
        set_error(out, &rc, SLTD_EMRZ, 1, 1, "empty MRZ");
        return rc;
    }
    if (nlines == 1) {
        set_error(out, &rc, SLTD_EMRZ, 2, 1, "missing line: an MRZ has 2 or 3 lines");
        return rc;
    }

    /* Character set, then length, line by line. */
    want = nlines == 3 ? TD1_LEN : 0;
    for (i = 0; i < nlines; i++) {
        size_t j, n = line[i].n;
        const char *p = line[i].p;

        for (j = 0; j < n; j++) {
            char ch = p[j];
            if (value1[(unsigned char)ch] != 0)
                continue;
            set_error(out, &rc, SLTD_EMRZ, i + 1, pos1(j),
                      (ch >= 'a' && ch <= 'z') ? "lower-case letter (the MRZ is upper case)"
                      : is_blank(ch)          ? "blank inside a line"
                                              : "character outside [A-Z0-9<]");
            return rc;
        }
        if (want == 0) { /* upper line of a 2-line MRZ decides between 36 and 44 */
            if (n == TD2_LEN || n == TD3_LEN) {
                want = n;
            } else {
                set_error(out, &rc, SLTD_EMRZ, 1, n < TD3_LEN ? pos1(n) : TD3_LEN + 1,
                          "a 2-line MRZ has lines of 36 or 44 characters");
                return rc;
            }
        } else if (n != want) {
            set_error(out, &rc, SLTD_EMRZ, i + 1, pos1(n < want ? n : want),
                      n < want ? "line too short" : "line too long");
            return rc;
        }
    }

    if (nlines == 3)
        out->kind = SLTD_MRZ_TD1;
    else if (want == TD2_LEN)
        out->kind = line[0].p[0] == 'V' ? SLTD_MRZ_MRVB : SLTD_MRZ_TD2;
    else
        out->kind = line[0].p[0] == 'V' ? SLTD_MRZ_MRVA : SLTD_MRZ_TD3;

    if (out->kind == SLTD_MRZ_TD1)
        parse_td1(out, &rc, line);
    else
        parse_two_line(out, &rc, line);
    if (rc != 0) { /* fail closed: a struct from a failed parse never passes sltd_mrz_valid() */
        out->number_check.status = 0;
        out->birth_check.status = 0;
        out->expiry_check.status = 0;
        out->optional_check.status = 0;
        out->composite_check.status = 0;
    }
    return rc;
}

static int check_ok(const sltd_mrz_check *c)
{
    return c->status == SLTD_MRZ_CHECK_OK || c->status == SLTD_MRZ_CHECK_ABSENT;
}

int sltd_mrz_valid(const sltd_mrz *m)
{
    if (m == NULL || m->kind < SLTD_MRZ_TD1 || m->kind > SLTD_MRZ_MRVB)
        return 0;
    return check_ok(&m->number_check) && check_ok(&m->birth_check) && check_ok(&m->expiry_check) &&
           check_ok(&m->optional_check) && check_ok(&m->composite_check);
}

int sltd__mrz_key_trusted(const sltd_mrz *m)
{
    return m != NULL && m->kind >= SLTD_MRZ_TD1 && m->kind <= SLTD_MRZ_MRVB &&
           m->number_check.status == SLTD_MRZ_CHECK_OK && check_ok(&m->composite_check);
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
