/* SPDX-License-Identifier: Apache-2.0 */
/* feed.c — the feed CSV: header, per-field validation, serial ranges (see feed.h). */
#include "feed.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvread.h"
#include "date.h"
#include "norm.h"

enum col {
    COL_STATE,
    COL_NUMBER,
    COL_NUMBER_FROM,
    COL_NUMBER_TO,
    COL_TYPE,
    COL_STATUS,
    COL_REPORTED,
    COL_EXPIRES,
    COL_REPORTING_STATE,
    COL_REFERENCE,
    COL_ACTION,
    NCOLS
};

static const char *const col_name[NCOLS] = {
    "state",   "number",  "number_from",     "number_to", "type",   "status",
    "reported", "expires", "reporting_state", "reference", "action",
};

static const char *const status_name[] = { NULL, "stolen", "lost", "revoked", "invalid", "stolen_blank" };

/* Days since 1970-01-01 must fit 16 bits and 0 means "not given": 1970-01-02 .. 2149-06-06. */
#define DATE_MIN 19700102u
#define DATE_MAX 21490606u

struct sltd__feed {
    sltd__csv *csv;
    unsigned flags;
    int fatal;
    unsigned row_errors; /* errors recorded for the row being parsed */
    size_t ncols;        /* fields in the header */
    int idx[NCOLS];      /* field index of each known column, -1 when absent */

    /* serial range being expanded */
    unsigned long remaining; /* numbers still to yield */
    sltd__feed_row tmpl;     /* the row, number set to the next number to yield */
    size_t suffix_at;        /* where the numeric suffix starts in tmpl.number */

    char err[2048];
};

static int ieq(const char *a, size_t n, const char *lit)
{
    size_t i;
    for (i = 0; i < n; i++) {
        char ch = a[i];
        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        if (lit[i] == '\0' || ch != lit[i])
            return 0;
    }
    return lit[i] == '\0';
}

/* Record an error of `line` as "FILE:LINE: ...". Within a row (f->row_errors counts them) each error
 * after the first is added on a line of its own, so that every problem of a row is reported at once. */
__attribute__((format(printf, 3, 4))) static int ferr(sltd__feed *f, unsigned long line, const char *fmt, ...)
{
    va_list ap;
    size_t at = f->row_errors++ > 0 ? strlen(f->err) : 0;
    int o = snprintf(f->err + at, sizeof f->err - at, "%s%s:%lu: ", at ? "\n" : "", sltd__csv_name(f->csv), line);
    if (o < 0 || (size_t)o >= sizeof f->err - at)
        return SLTD_EFORMAT;
    va_start(ap, fmt);
    vsnprintf(f->err + at + (size_t)o, sizeof f->err - at - (size_t)o, fmt, ap);
    va_end(ap);
    return SLTD_EFORMAT;
}

/* ---- header --------------------------------------------------------------------------------- */

static int read_header(sltd__feed *f)
{
    const sltd__csv_row *r;
    char v[256];
    int rc = sltd__csv_next(f->csv, &r);

    if (rc < 0) {
        snprintf(f->err, sizeof f->err, "%s", sltd__csv_error(f->csv));
        return rc;
    }
    if (rc == 0)
        return ferr(f, 1, "empty file: a header row naming the columns is required");
    f->ncols = r->nfields;
    for (size_t i = 0; i < r->nfields; i++) {
        const char *s = r->field[i];
        size_t n = r->len[i];
        int k;
        sltd__csv_trim(&s, &n);
        for (k = 0; k < NCOLS; k++)
            if (ieq(s, n, col_name[k]))
                break;
        if (k == NCOLS) {
            if (f->flags & SLTD_IMPORT_IGNORE_UNKNOWN)
                continue;
            return ferr(f, r->line,
                        "unknown column %zu %s; the first row must be a header naming columns among "
                        "state, number, number_from, number_to, type, status, reported, expires, "
                        "reporting_state, reference, action; or let unknown columns be ignored "
                        "(SLTD_IMPORT_IGNORE_UNKNOWN: the sltd option --ignore-unknown)",
                        i + 1, sltd__csv_show_name(v, sizeof v, s, n));
        }
        if (f->idx[k] >= 0)
            return ferr(f, r->line, "duplicate column '%s' (columns %d and %zu)", col_name[k], f->idx[k] + 1, i + 1);
        f->idx[k] = (int)i;
    }
    if (f->idx[COL_STATE] < 0)
        return ferr(f, r->line, "missing column 'state'");
    if (f->idx[COL_NUMBER_FROM] >= 0 && f->idx[COL_NUMBER_TO] < 0)
        return ferr(f, r->line, "missing column 'number_to' (column 'number_from' needs it)");
    if (f->idx[COL_NUMBER_TO] >= 0 && f->idx[COL_NUMBER_FROM] < 0)
        return ferr(f, r->line, "missing column 'number_from' (column 'number_to' needs it)");
    if (f->idx[COL_NUMBER] < 0 && f->idx[COL_NUMBER_FROM] < 0)
        return ferr(f, r->line, "missing column 'number' (or 'number_from' and 'number_to')");
    return 0;
}

int sltd__feed_open(sltd__feed **out, const char *path, unsigned flags)
{
    sltd__feed *f;
    int rc;

    if (out == NULL)
        return SLTD_EINVAL;
    *out = f = calloc(1, sizeof *f);
    if (f == NULL)
        return SLTD_ENOMEM;
    for (int k = 0; k < NCOLS; k++)
        f->idx[k] = -1;
    f->flags = flags;
    if (flags & ~(unsigned)SLTD_IMPORT_IGNORE_UNKNOWN) {
        snprintf(f->err, sizeof f->err, "unknown flags 0x%x", flags);
        return f->fatal = SLTD_EINVAL;
    }
    rc = sltd__csv_open(&f->csv, path);
    if (rc == SLTD_ENOMEM && f->csv == NULL) {
        free(f);
        *out = NULL;
        return rc;
    }
    if (rc == 0)
        rc = read_header(f);
    else
        snprintf(f->err, sizeof f->err, "%s", sltd__csv_error(f->csv));
    if (rc != 0)
        f->fatal = rc;
    return rc;
}

/* ---- fields --------------------------------------------------------------------------------- */

/* Why a state or number field was refused (sltd__norm_why: the value is never repeated). */
static int bad_value(sltd__feed *f, unsigned long line, const char *name, int what, const char *s, size_t n)
{
    char why[160];
    return ferr(f, line, "field '%s': %s", name, sltd__norm_why(why, sizeof why, what, s, n));
}

static int parse_date(sltd__feed *f, unsigned long line, const char *name, const char *s, size_t n, uint32_t *out)
{
    unsigned y = 0, m = 0, d = 0;

    *out = 0;
    if (n == 0)
        return 0;
    if (n != 10 || s[4] != '-' || s[7] != '-')
        return ferr(f, line, "field '%s': is not a date YYYY-MM-DD (%s)", name,
                    n != 10 ? "not 10 characters" : s[4] != '-' ? "character 5 is not '-'" : "character 8 is not '-'");
    for (size_t i = 0; i < 10; i++) {
        if (i == 4 || i == 7)
            continue;
        if (s[i] < '0' || s[i] > '9')
            return ferr(f, line, "field '%s': is not a date YYYY-MM-DD (character %zu is not a digit)", name, i + 1);
        unsigned dig = (unsigned)(s[i] - '0');
        if (i < 4)
            y = y * 10 + dig;
        else if (i < 7)
            m = m * 10 + dig;
        else
            d = d * 10 + dig;
    }
    if (!sltd__date_calendar(y, m, d))
        return ferr(f, line, "field '%s': is not a calendar date (no such month or day)", name);
    uint32_t ymd = y * 10000u + m * 100u + d;
    if (ymd < DATE_MIN || ymd > DATE_MAX)
        return ferr(f, line,
                    "field '%s': is outside 1970-01-02..2149-06-06 (dates are stored as days since 1970 in 16 bits)",
                    name);
    *out = ymd;
    return 0;
}

/* Field k of the row, trimmed; "" when the column is absent. */
static void get(const sltd__feed *f, const sltd__csv_row *r, int k, const char **s, size_t *n)
{
    if (f->idx[k] < 0) {
        *s = "";
        *n = 0;
        return;
    }
    *s = r->field[f->idx[k]];
    *n = r->len[f->idx[k]];
    sltd__csv_trim(s, n);
}

static size_t digits_at(const char *num, size_t len)
{
    size_t i = len;
    while (i > 0 && num[i - 1] >= '0' && num[i - 1] <= '9')
        i--;
    return i;
}

/* Value of a run of at most 18 digits. */
static uint64_t dec(const char *s, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (uint64_t)(s[i] - '0');
    return v;
}

static int parse_range(sltd__feed *f, const sltd__csv_row *r, sltd__feed_row *row)
{
    char from[SLTD_NUMBER_MAX + 1], to[SLTD_NUMBER_MAX + 1];
    size_t nf, nt;
    const char *sf, *st;
    size_t lf, lt;

    get(f, r, COL_NUMBER_FROM, &sf, &lf);
    get(f, r, COL_NUMBER_TO, &st, &lt);
    if (sltd__norm_number(from, &nf, sf, lf) != 0)
        return bad_value(f, r->line, "number_from", SLTD_ENUMBER, sf, lf);
    if (sltd__norm_number(to, &nt, st, lt) != 0)
        return bad_value(f, r->line, "number_to", SLTD_ENUMBER, st, lt);
    size_t pf = digits_at(from, nf), pt = digits_at(to, nt);
    size_t wf = nf - pf, wt = nt - pt;
    if (wf == 0)
        return ferr(f, r->line, "field 'number_from': does not end in digits (a serial range needs a numeric suffix)");
    if (wt == 0)
        return ferr(f, r->line, "field 'number_to': does not end in digits (a serial range needs a numeric suffix)");
    if (pf != pt || memcmp(from, to, pf) != 0)
        return ferr(f, r->line,
                    "field 'number_to': its prefix (%zu characters before the numeric suffix) differs from that of "
                    "number_from (%zu characters)",
                    pt, pf);
    if (wf != wt)
        return ferr(f, r->line, "field 'number_to': its numeric suffix has %zu digits, that of number_from has %zu", wt,
                    wf);
    /* suffix = hi * 10^18 + lo; at most 22 digits, so hi has at most 4 */
    size_t hw = wf > 18 ? wf - 18 : 0;
    uint64_t hf = dec(from + pf, hw), ht = dec(to + pf, hw);
    uint64_t lof = dec(from + pf + hw, wf - hw), lot = dec(to + pf + hw, wf - hw);
    uint64_t count;
    if (ht < hf || (ht == hf && lot < lof))
        return ferr(f, r->line, "field 'number_to': comes before number_from");
    if (ht == hf)
        count = lot - lof + 1;
    else if (ht == hf + 1)
        count = (1000000000000000000u - lof) + lot + 1;
    else
        count = UINT64_MAX;
    if (count > SLTD__FEED_RANGE_MAX) {
        if (count == UINT64_MAX)
            return ferr(f, r->line, "field 'number_to': the range holds more than %lu numbers (the limit a row)",
                        SLTD__FEED_RANGE_MAX);
        return ferr(f, r->line, "field 'number_to': the range holds %llu numbers, more than %lu a row",
                    (unsigned long long)count, SLTD__FEED_RANGE_MAX);
    }
    memcpy(row->number, from, nf + 1);
    row->number_len = nf;
    f->suffix_at = pf;
    f->remaining = (unsigned long)count;
    return 0;
}

/* Every field of the row is checked, and every problem recorded (ferr): 1, or SLTD_EFORMAT. */
static int parse_row(sltd__feed *f, const sltd__csv_row *r, sltd__feed_row *row)
{
    const char *s;
    size_t n;
    unsigned long line = r->line;

    f->row_errors = 0;
    if (r->nfields != f->ncols)
        return ferr(f, line, "%zu fields, but the header has %zu", r->nfields, f->ncols);
    memset(row, 0, sizeof *row);
    row->line = line;
    row->action = SLTD__ACTION_ADD;
    row->rec.status = SLTD_STATUS_STOLEN;

    get(f, r, COL_STATE, &s, &n);
    if (n == 0)
        ferr(f, line, "field 'state': is empty (the issuing state is required)");
    else if (sltd__norm_state(row->state, s, n) != 0)
        bad_value(f, line, "state", SLTD_ESTATE, s, n);

    /* either number, or number_from and number_to */
    const char *sf, *st;
    size_t lf, lt;
    int range;
    get(f, r, COL_NUMBER, &s, &n);
    get(f, r, COL_NUMBER_FROM, &sf, &lf);
    get(f, r, COL_NUMBER_TO, &st, &lt);
    range = lf > 0 || lt > 0 || (n == 0 && f->idx[COL_NUMBER] < 0);
    if (range && n > 0)
        ferr(f, line, "field 'number': give either number, or number_from and number_to, not both");
    else if (!range && sltd__norm_number(row->number, &row->number_len, s, n) != 0)
        bad_value(f, line, "number", SLTD_ENUMBER, s, n);

    get(f, r, COL_TYPE, &s, &n);
    if (sltd__norm_type(row->rec.type, s, n) != 0)
        bad_value(f, line, "type", SLTD_ETYPE, s, n);

    get(f, r, COL_STATUS, &s, &n);
    if (n > 0) {
        int k;
        for (k = 1; k <= SLTD_STATUS_STOLEN_BLANK; k++)
            if (ieq(s, n, status_name[k]))
                break;
        if (k > SLTD_STATUS_STOLEN_BLANK)
            ferr(f, line, "field 'status': is not one of stolen, lost, revoked, invalid, stolen_blank");
        else
            row->rec.status = (uint8_t)k;
    }

    get(f, r, COL_REPORTED, &s, &n);
    parse_date(f, line, "reported", s, n, &row->rec.reported);
    get(f, r, COL_EXPIRES, &s, &n);
    parse_date(f, line, "expires", s, n, &row->rec.expires);

    get(f, r, COL_REPORTING_STATE, &s, &n);
    if (n > 0 && sltd__norm_state(row->rec.reporting_state, s, n) != 0)
        bad_value(f, line, "reporting_state", SLTD_ESTATE, s, n);

    get(f, r, COL_REFERENCE, &s, &n);
    if (n > SLTD_REFERENCE_MAX) {
        ferr(f, line, "field 'reference': is %zu bytes long, more than %d", n, SLTD_REFERENCE_MAX);
    } else {
        size_t i;
        for (i = 0; i < n; i++)
            if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
                break;
        if (i < n)
            ferr(f, line,
                 "field 'reference': has byte 0x%02X at position %zu; only printable ASCII (0x20-0x7E) is allowed",
                 (unsigned char)s[i], i + 1);
        memcpy(row->rec.reference, s, n);
        row->rec.reference[n] = '\0';
    }

    get(f, r, COL_ACTION, &s, &n);
    if (n > 0) {
        if (ieq(s, n, "add"))
            row->action = SLTD__ACTION_ADD;
        else if (ieq(s, n, "remove"))
            row->action = SLTD__ACTION_REMOVE;
        else
            ferr(f, line, "field 'action': is not add or remove");
    }

    if (range && f->row_errors == 0)
        parse_range(f, r, row);
    if (f->row_errors > 0)
        return SLTD_EFORMAT;
    if (range)
        f->tmpl = *row;
    return 1;
}

static int next_in_range(sltd__feed *f, sltd__feed_row *row)
{
    *row = f->tmpl;
    if (--f->remaining > 0) {
        char *num = f->tmpl.number;
        size_t i = f->tmpl.number_len;
        while (i > f->suffix_at) { /* cannot carry past the suffix: number_to has the same width */
            i--;
            if (num[i] != '9') {
                num[i]++;
                break;
            }
            num[i] = '0';
        }
    }
    return 1;
}

int sltd__feed_next(sltd__feed *f, sltd__feed_row *row)
{
    const sltd__csv_row *r;
    int rc;

    if (f == NULL || row == NULL)
        return SLTD_EINVAL;
    if (f->fatal)
        return f->fatal;
    f->err[0] = '\0';
    f->row_errors = 0;
    if (f->remaining > 0)
        return next_in_range(f, row);
    rc = sltd__csv_next(f->csv, &r);
    if (rc < 0) {
        snprintf(f->err, sizeof f->err, "%s", sltd__csv_error(f->csv));
        if (rc != SLTD_EFORMAT)
            f->fatal = rc;
        return rc;
    }
    if (rc == 0)
        return 0;
    rc = parse_row(f, r, row);
    if (rc == SLTD_EFORMAT) /* a row that spans lines costs only its first line (csvread.h) */
        sltd__csv_reject(f->csv);
    if (rc == 1 && f->remaining > 0)
        return next_in_range(f, row);
    return rc;
}

const char *sltd__feed_error(const sltd__feed *f)
{
    return f == NULL ? "out of memory" : f->err;
}

size_t sltd__feed_memory(const sltd__feed *f)
{
    return f == NULL ? 0 : sizeof *f + sltd__csv_memory(f->csv);
}

void sltd__feed_close(sltd__feed *f)
{
    if (f == NULL)
        return;
    sltd__csv_close(f->csv);
    free(f);
}
