/* SPDX-License-Identifier: Apache-2.0 */
/* testutil.h — fresh temporary directories and generated feeds for the test suites.
 * Uses only the C library and POSIX, so black-box tests can use it too. */
#ifndef SLTD_TESTUTIL_H
#define SLTD_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

/* A new empty directory under $SLTD_TEST_TMP (or /tmp); the caller frees the string. */
char *tu_mkdtemp(const char *tag);
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
/* A whole file in memory (free it); NULL if unreadable. */
char *tu_load(const char *path, size_t *len);
/* Run a Check suite (CK_RUN_SUITE / CK_FORK as set in the environment); the process exit status. */
struct Suite;
int tu_run(struct Suite *s);
/* splitmix64 */
uint64_t tu_rand(uint64_t *state);

#endif
