/* SPDX-License-Identifier: Apache-2.0 */
/* date.c — the calendar: which days exist, and days since 1970-01-01 to and from YYYYMMDD (see date.h). */
#include "date.h"

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
uint32_t sltd__date_from_days(uint16_t days)
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
