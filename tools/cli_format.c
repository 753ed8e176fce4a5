/* SPDX-License-Identifier: Apache-2.0 */
/* cli_format.c — how sltd writes values and document answers: the only date, time and hex
 * formatters, JSON and CSV escaping, and the one JSON shape and the one CSV row of a document answer
 * (docs/OUTPUTS.md). Public API only. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"

void cli_when(char out[32], int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (t == 0 || gmtime_r(&tt, &tm) == NULL || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        out[0] = '\0';
}

void cli_date(char out[16], uint32_t ymd)
{
    if (ymd == 0)
        out[0] = '\0';
    else
        snprintf(out, 16, "%04u-%02u-%02u", (unsigned)(ymd / 10000), (unsigned)(ymd / 100 % 100),
                 (unsigned)(ymd % 100));
}

void cli_hex(char *out, const uint8_t *b, size_t n)
{
    static const char digit[] = "0123456789abcdef";
    size_t i;

    for (i = 0; i < n; i++) {
        out[2 * i] = digit[b[i] >> 4];
        out[2 * i + 1] = digit[b[i] & 15];
    }
    out[2 * n] = '\0';
}

/* The length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong form, no surrogate, at
 * most U+10FFFF), or 0. */
static size_t utf8_length(const unsigned char *s)
{
    const unsigned char c = s[0];
    size_t n, i;
    unsigned char lo = 0x80, hi = 0xbf;

    if (c >= 0xc2 && c <= 0xdf)
        n = 2;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
    else
        return 0;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    return n;
}

/* Escaped: quote, backslash and control characters; a byte that is not part of well-formed UTF-8
 * (a manifest in Latin-1, say) becomes U+FFFD, so that the output is always valid JSON. */
void cli_json_string(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n;

    fputc('"', f);
    while (*p) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p++);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(f, "\\u%04x", *p++);
        else if (*p < 0x80)
            fputc(*p++, f);
        else if ((n = utf8_length(p)) > 0)
            fwrite(p, 1, n, f), p += n;
        else
            fputs("\\ufffd", f), p++;
    }
    fputc('"', f);
}

void cli_json_opt(FILE *f, const char *s)
{
    if (s == NULL || s[0] == '\0')
        fputs("null", f);
    else
        cli_json_string(f, s);
}

void cli_json_when(FILE *f, int64_t t)
{
    char when[32];

    cli_when(when, t);
    cli_json_opt(f, when);
}

void cli_csv_field(FILE *f, const char *s)
{
    if (s == NULL)
        return;
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

void cli_fresh_from_result(cli_fresh *out, const sltd_result *r)
{
    out->sequence = r->data_sequence;
    out->produced = r->data_produced;
    out->expires = r->data_expires;
    out->stale = r->stale;
    out->known = 1;
}

int cli_fresh_from_db(cli_fresh *out, sltd_db *db)
{
    sltd_stats st = SLTD_STATS_INIT;
    int rc = sltd_db_stats_get(&st, db);

    memset(out, 0, sizeof *out);
    if (rc != SLTD_OK)
        return rc;
    out->sequence = st.sequence;
    out->produced = st.produced;
    out->expires = st.expires;
    out->stale = st.expires != 0 && (int64_t)time(NULL) > st.expires;
    out->known = 1;
    return SLTD_OK;
}

void cli_json_record(FILE *f, const sltd_record *r)
{
    char d1[16], d2[16];

    cli_date(d1, r->reported);
    cli_date(d2, r->expires);
    fprintf(f, "{\"status\":\"%s\",\"type\":", sltd_status_name(r->status));
    cli_json_opt(f, r->type);
    fputs(",\"reported\":", f);
    cli_json_opt(f, d1);
    fputs(",\"expires\":", f);
    cli_json_opt(f, d2);
    fputs(",\"reporting_state\":", f);
    cli_json_opt(f, r->reporting_state);
    fputs(",\"reference\":", f);
    cli_json_opt(f, r->reference);
    fputc('}', f);
}

/* cli_csv_answer below writes the same answer field for field, deliberately parallel, as CSV columns. */
void cli_json_answer(FILE *f, const cli_answer *a)
{
    unsigned i;

    fprintf(f, "\"verdict\":\"%s\",\"state\":", a->verdict);
    cli_json_opt(f, a->state);
    fputs(",\"number\":", f);
    cli_json_opt(f, a->number);
    fputs(",\"variant_number\":", f);
    cli_json_opt(f, a->variant_number);
    fputs(",\"records\":[", f);
    for (i = 0; a->records != NULL && i < a->records->nrecords; i++) {
        if (i)
            fputc(',', f);
        cli_json_record(f, &a->records->records[i]);
    }
    if (a->fresh.known)
        fprintf(f, "],\"sequence\":%llu,\"produced\":", (unsigned long long)a->fresh.sequence);
    else
        fputs("],\"sequence\":null,\"produced\":", f);
    cli_json_when(f, a->fresh.produced);
    fputs(",\"expires\":", f);
    cli_json_when(f, a->fresh.expires);
    fprintf(f, ",\"stale\":%s,\"error\":", !a->fresh.known ? "null" : a->fresh.stale ? "true" : "false");
    cli_json_opt(f, a->error);
    fputs(",\"note\":", f);
    cli_json_opt(f, a->note);
}

/* The columns of a screening's CSV output and of its rejects, in order (docs/OUTPUTS.md); the
 * manifest's own columns follow, each prefixed "in_". */
const char *const cli_csv_columns[] = {
    "line", "verdict", "state", "number", "variant_number", "record_status", "record_type",
    "record_reported", "record_expires", "record_reporting_state", "record_reference", "sequence",
    "produced", "expires", "stale", "error", "note", NULL,
};

/* The freshness columns "sequence,produced,expires,stale" of f (empty when not known). Kept for the
 * last value asked: a screening asks for the same one row after row. */
static const char *csv_fresh(const cli_fresh *f)
{
    static cli_fresh last;
    static char text[96];
    char produced[32], expires[32];

    if (text[0] != '\0' && memcmp(&last, f, sizeof last) == 0)
        return text;
    cli_when(produced, f->produced);
    cli_when(expires, f->expires);
    if (f->known)
        snprintf(text, sizeof text, "%llu,%s,%s,%s", (unsigned long long)f->sequence, produced, expires,
                 f->stale ? "true" : "false");
    else
        snprintf(text, sizeof text, ",,,");
    last = *f;
    return text;
}

/* Field for field the same answer as cli_json_answer, deliberately parallel to it, in the CSV columns. */
void cli_csv_answer(FILE *f, unsigned long line, const cli_answer *a, const sltd_record *r)
{
    char d1[16] = "", d2[16] = "";

    if (r != NULL) {
        cli_date(d1, r->reported);
        cli_date(d2, r->expires);
    }
    fprintf(f, "%lu,", line);
    fputs(a->verdict, f);
    fputc(',', f);
    cli_csv_field(f, a->state);
    fputc(',', f);
    cli_csv_field(f, a->number);
    fputc(',', f);
    cli_csv_field(f, a->variant_number);
    fputc(',', f);
    if (r != NULL) {
        fputs(sltd_status_name(r->status), f);
        fputc(',', f);
        cli_csv_field(f, r->type);
        fprintf(f, ",%s,%s,", d1, d2);
        cli_csv_field(f, r->reporting_state);
        fputc(',', f);
        cli_csv_field(f, r->reference);
    } else {
        fputs(",,,,,", f);
    }
    fputc(',', f);
    fputs(csv_fresh(&a->fresh), f);
    fputc(',', f);
    cli_csv_field(f, a->error);
    fputc(',', f);
    cli_csv_field(f, a->note);
}
