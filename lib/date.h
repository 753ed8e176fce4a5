/* SPDX-License-Identifier: Apache-2.0 */
/* date.h — the calendar: the one check of a day, and the day counts the records store. Pure. */
#ifndef SLTD_DATE_H
#define SLTD_DATE_H

#include <stdint.h>

/* Is (year, month, day) a day of the proleptic Gregorian calendar? The one calendar check, for every
 * date read from any input (feeds, MRZ). */
int sltd__date_calendar(unsigned y, unsigned m, unsigned d);
/* Is the date YYYYMMDD a real calendar day that the store can hold (1970-01-02 .. 2149-06-06)? */
int sltd__date_valid(uint32_t ymd);
/* Days since 1970-01-01 of the date YYYYMMDD (0 for 0: unknown). */
uint16_t sltd__date_to_days(uint32_t ymd);
/* The date YYYYMMDD of a day count (0 for 0). */
uint32_t sltd__date_from_days(uint16_t days);

#endif
