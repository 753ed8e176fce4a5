/* SPDX-License-Identifier: Apache-2.0 */
/* record.c — listing and date encoding (see record.h). */
#include "record.h"

#include <string.h>

static int is_leap(unsigned y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int sltd__date_calendar(unsigned y, unsigned m, unsigned d)
{
    static const unsigned char days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

    return m >= 1 && m <= 12 && d >= 1 && d <= (m == 2 && is_leap(y) ? 29u : days[m - 1]);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static long days_from_civil(long y, unsigned m, unsigned d)
{
    long era;
    unsigned yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long)doe - 719468;
}

int sltd__date_valid(uint32_t ymd)
{
    unsigned y = ymd / 10000, m = ymd / 100 % 100, d = ymd % 100;
    long days;

    if (!sltd__date_calendar(y, m, d))
        return 0;
    days = days_from_civil((long)y, m, d);
    return days >= 1 && days <= 65535;
}

uint16_t sltd__date_to_days(uint32_t ymd)
{
    if (ymd == 0)
        return 0;
    return (uint16_t)days_from_civil((long)(ymd / 10000), ymd / 100 % 100, ymd % 100);
}

/* Civil date of a day count, by Neri and Schneider's Euclidean affine functions ("Euclidean affine
 * functions and their application to calendar algorithms", 2022): multiplications and shifts only, a
 * short dependency chain (a decode converts two dates per record). Counts from 0000-03-01 so that the
 * leap day ends the year; every intermediate fits 32 bits for our range (days <= 65535). */
uint32_t sltd__days_to_date(uint16_t days)
{
    uint32_t n, n1, c, nc, z, ny, n3, m, d, j;
    uint64_t p2;

    if (days == 0)
        return 0;
    n = (uint32_t)days + 719468;      /* days since 0000-03-01 */
    n1 = 4 * n + 3;
    c = n1 / 146097;                  /* centuries */
    nc = n1 % 146097 / 4;             /* day of the century */
    p2 = (uint64_t)2939745 * (4 * nc + 3);
    z = (uint32_t)(p2 >> 32);         /* year of the century */
    ny = (uint32_t)p2 / 2939745 / 4;  /* day of the year, 0 = March 1 */
    n3 = 2141 * ny + 197913;
    m = n3 >> 16;                     /* month, 3 = March .. 14 = February */
    d = (n3 & 0xFFFF) / 2141 + 1;
    j = ny >= 306;                    /* January and February belong to the next civil year */
    return (100 * c + z + j) * 10000 + (m - 12 * j) * 100 + d;
}

size_t sltd__record_encode(uint8_t out[SLTD__REC_MAX], const sltd_record *r)
{
    size_t rl = strnlen(r->reference, SLTD_REFERENCE_MAX);
    uint16_t rep = sltd__date_to_days(r->reported), exp = sltd__date_to_days(r->expires);

    memset(out, 0, SLTD__REC_HDR);
    out[0] = SLTD__REC_VERSION;
    out[1] = r->status;
    memcpy(out + 2, r->type, strnlen(r->type, SLTD_TYPE_MAX));
    out[4] = (uint8_t)(rep >> 8);
    out[5] = (uint8_t)rep;
    out[6] = (uint8_t)(exp >> 8);
    out[7] = (uint8_t)exp;
    memcpy(out + 8, r->reporting_state, strnlen(r->reporting_state, SLTD_STATE_MAX));
    out[11] = (uint8_t)rl;
    memcpy(out + SLTD__REC_HDR, r->reference, rl);
    return SLTD__REC_HDR + rl;
}

size_t sltd__record_len(const uint8_t *in, size_t avail)
{
    size_t len;

    if (avail < SLTD__REC_HDR || in[0] != SLTD__REC_VERSION || in[11] > SLTD_REFERENCE_MAX)
        return 0;
    len = SLTD__REC_HDR + in[11];
    return len <= avail ? len : 0;
}

/* Copy n <= SLTD_REFERENCE_MAX bytes with a few overlapping word moves: for these lengths the
 * compiler's inline memcpy (rep movs) costs more than the rest of a decode. */
static void copy_short(char *d, const uint8_t *s, size_t n)
{
    uint64_t a, b, c, e;
    uint32_t x, y;

    if (n >= 16) {
        memcpy(&a, s, 8);
        memcpy(&b, s + 8, 8);
        memcpy(&c, s + n - 16, 8);
        memcpy(&e, s + n - 8, 8);
        memcpy(d, &a, 8);
        memcpy(d + 8, &b, 8);
        memcpy(d + n - 16, &c, 8);
        memcpy(d + n - 8, &e, 8);
    } else if (n >= 8) {
        memcpy(&a, s, 8);
        memcpy(&b, s + n - 8, 8);
        memcpy(d, &a, 8);
        memcpy(d + n - 8, &b, 8);
    } else if (n >= 4) {
        memcpy(&x, s, 4);
        memcpy(&y, s + n - 4, 4);
        memcpy(d, &x, 4);
        memcpy(d + n - 4, &y, 4);
    } else {
        while (n-- > 0)
            *d++ = (char)*s++;
    }
}

int sltd__record_decode(sltd_record *out, const uint8_t *in, size_t avail, size_t *used)
{
    size_t len = sltd__record_len(in, avail);

    if (len == 0 || in[1] < SLTD_STATUS_STOLEN || in[1] > SLTD_STATUS_STOLEN_BLANK)
        return SLTD_ECORRUPT;
    out->status = in[1];
    memcpy(out->type, in + 2, 2);
    out->type[2] = '\0';
    out->reported = sltd__days_to_date((uint16_t)(in[4] << 8 | in[5]));
    out->expires = sltd__days_to_date((uint16_t)(in[6] << 8 | in[7]));
    memcpy(out->reporting_state, in + 8, 3);
    out->reporting_state[3] = '\0';
    copy_short(out->reference, in + SLTD__REC_HDR, in[11]);
    out->reference[in[11]] = '\0';
    *used = len;
    return SLTD_OK;
}
