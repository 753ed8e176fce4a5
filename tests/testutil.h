/* SPDX-License-Identifier: Apache-2.0 */
/* testutil.h — the fixtures every suite shares: a scratch directory per test, generated feeds, signing
 * keys, MRZ check digits reckoned independently, and the suite's test cases (each with its timeout). Uses only sltd.h, Check, the C library and
 * POSIX, so black-box tests can use it too. */
#ifndef SLTD_TESTUTIL_H
#define SLTD_TESTUTIL_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sltd.h"

/* A new empty directory under $SLTD_TEST_TMP (or /tmp); the caller frees the string. */
char *tu_mkdtemp(const char *tag);

/* The scratch directory of the running test: tu_scratch makes a new one (the test fails if it cannot)
 * and returns it, tu_at names a file in it, tu_scratch_end removes it. */
extern char *tu_dir;
char *tu_scratch(const char *tag);
void tu_at(char out[4096], const char *name);
void tu_scratch_end(void);

/* A signing key pair NAME.sec and NAME.pub in the scratch directory (the test fails if it cannot); sec
 * and pub get their paths. */
void tu_signing_keys(char sec[4096], char pub[4096], const char *name);
/* Remove a directory tree (best effort). */
void tu_rmtree(const char *path);
/* path = dir + "/" + name, into a static-free caller buffer. */
void tu_path(char *out, size_t cap, const char *dir, const char *name);
/* Write text to a file; 0 ok. */
int tu_write(const char *path, const char *text);
/* The i-th synthetic document of a series: a 9-character number unique for (series, i). */
void tu_number(char out[16], unsigned series, unsigned long i);
/* Write a feed of documents [from, to) of a series, state "UTO", type P; 0 ok. */
int tu_feed(const char *path, unsigned series, unsigned long from, unsigned long to);
/* A feed written row by row: tu_feed_open creates path with the header line, tu_feed_row adds a row
 * "UTO,<the i-th number of series (tu_number)>," then fmt as printf writes it, tu_feed_close ends it
 * (the test fails if any of them cannot). */
FILE *tu_feed_open(const char *path, const char *header);
void tu_feed_row(FILE *f, unsigned series, unsigned long i, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void tu_feed_close(FILE *f);
/* XOR the byte at offset off of a file with mask (the test fails if it cannot). */
void tu_flip_byte(const char *path, long off, uint8_t mask);
/* A whole file in memory (free it); NULL if unreadable. */
char *tu_load(const char *path, size_t *len);
/* A test case of suite s with a timeout per test (seconds; Check's default, 4 s, does not hold when
 * eight suites share two cores) and, when setup is not NULL, a checked fixture. */
TCase *tu_tcase(Suite *s, const char *name, int timeout, void (*setup)(void), void (*teardown)(void));
/* Run a Check suite (CK_RUN_SUITE / CK_FORK as set in the environment); the process exit status. */
int tu_run(Suite *s);
/* The main of a suite of one test case: the n tests, each with `timeout` and the fixture (setup and
 * teardown may be NULL), run as suite `name`; the process exit status. */
int tu_main(const char *name, int timeout, void (*setup)(void), void (*teardown)(void), const TTest *const *tests,
            size_t n);
#define TU_COUNT(a) (sizeof(a) / sizeof((a)[0]))
/* The ICAO 9303 check digit (weights 7, 3, 1; '<' counts 0) of s[0..n) as a character, written here
 * apart from the library's so that tests check it against an independent reckoning. */
char tu_mrz_check_digit(const char *s, size_t n);
/* The composite check digit of a TD3 (len 44) or TD2 (len 36) lower line: over the number and its
 * check digit, the birth date and its, and the expiry date to the end but for the composite itself. */
char tu_mrz_composite(const char *lower, size_t len);
/* sltd_result as the 0.1 header declared it (version 1: everything before `verdict`), for the suites
 * that play a caller built against it. A copy on purpose, also of lib/layout.c's result_v1: the tests
 * hold the library to the old header as it was, so they do not take the library's declaration. */
typedef struct tu_result_v1 {
    unsigned int version;
    int error;
    int listed;
    unsigned int nrecords;
    sltd_record records[SLTD_RECORDS_MAX];
    uint64_t data_sequence;
    int64_t data_produced;
    int64_t data_expires;
    int stale;
} tu_result_v1;
/* A value and the name a sltd_*_name function gives it; tu_names_check: name(value) is the row's name for
 * every row of the table (the test fails at the first that is not, naming the value). */
typedef struct tu_name {
    int value;
    const char *name;
} tu_name;
void tu_names_check(const char *(*name)(int), const tu_name *table, size_t n);
/* splitmix64 */
uint64_t tu_rand(uint64_t *state);

#endif
