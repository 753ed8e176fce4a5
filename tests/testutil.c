/* SPDX-License-Identifier: Apache-2.0 */
/* testutil.c — the shared fixtures of the test suites (see testutil.h). */
#include "testutil.h"

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sltd.h"

char *tu_mkdtemp(const char *tag)
{
    const char *base = getenv("SLTD_TEST_TMP");
    char *p;
    size_t n;

    if (base == NULL || base[0] == '\0')
        base = "/tmp";
    n = strlen(base) + strlen(tag) + 32;
    p = malloc(n);
    if (p == NULL)
        return NULL;
    snprintf(p, n, "%s/sltd-%s-XXXXXX", base, tag);
    if (mkdtemp(p) == NULL) {
        free(p);
        return NULL;
    }
    return p;
}

char *tu_dir;

char *tu_scratch(const char *tag)
{
    tu_dir = tu_mkdtemp(tag);
    ck_assert_msg(tu_dir != NULL, "cannot make a scratch directory");
    return tu_dir;
}

void tu_at(char out[4096], const char *name)
{
    tu_path(out, 4096, tu_dir, name);
}

void tu_scratch_end(void)
{
    if (tu_dir != NULL)
        tu_rmtree(tu_dir);
    free(tu_dir);
    tu_dir = NULL;
}

void tu_signing_keys(char sec[4096], char pub[4096], const char *name)
{
    char prefix[4000];
    int rc;

    tu_path(prefix, sizeof prefix, tu_dir, name);
    rc = sltd_signing_key_create(NULL, prefix);
    ck_assert_msg(rc == 0, "signing keys %s: %s", prefix, sltd_error_text(rc));
    snprintf(sec, 4096, "%s.sec", prefix);
    snprintf(pub, 4096, "%s.pub", prefix);
}

void tu_rmtree(const char *path)
{
    struct stat st;
    DIR *d;
    struct dirent *e;
    char sub[4096];

    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode) && (d = opendir(path)) != NULL) {
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            tu_rmtree(sub);
        }
        closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

void tu_path(char *out, size_t cap, const char *dir, const char *name)
{
    snprintf(out, cap, "%s/%s", dir, name);
}

int tu_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    int rc;

    if (f == NULL)
        return -1;
    rc = fputs(text, f) < 0 ? -1 : 0;
    return fclose(f) != 0 ? -1 : rc;
}

static int mrz_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    return 0; /* '<' */
}

void tu_names_check(const char *(*name)(int), const tu_name *table, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        const char *got = name(table[i].value);

        ck_assert_msg(got != NULL && strcmp(got, table[i].name) == 0, "the name of %d: '%s', not '%s'",
                      table[i].value, got != NULL ? got : "(null)", table[i].name);
    }
}

/* bench/sltd-ingest.c keeps a copy of this (check_digit) on purpose: bench/ uses only sltd.h. */
char tu_mrz_check_digit(const char *s, size_t n)
{
    static const int w[3] = { 7, 3, 1 };
    int sum = 0;
    size_t i;

    for (i = 0; i < n; i++)
        sum += mrz_value(s[i]) * w[i % 3];
    return (char)('0' + sum % 10);
}

char tu_mrz_composite(const char *lower, size_t len)
{
    char comp[64];

    ck_assert_uint_le(len, 44);
    memcpy(comp, lower, 10);
    memcpy(comp + 10, lower + 13, 7);
    memcpy(comp + 17, lower + 21, len - 22);
    return tu_mrz_check_digit(comp, len - 5);
}

uint64_t tu_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void tu_number(char out[16], unsigned series, unsigned long i)
{
    static const char alpha[] = "ABCDEFGHJKLMNPRSTUVWXYZ";
    /* two letters from the series, seven digits from i: unique per (series, i) for i < 10^7 */
    snprintf(out, 16, "%c%c%07lu", alpha[series % 23], alpha[(series / 23) % 23], i % 10000000UL);
}

int tu_feed(const char *path, unsigned series, unsigned long from, unsigned long to)
{
    FILE *f = fopen(path, "w");
    char num[16];
    unsigned long i;

    if (f == NULL)
        return -1;
    fputs("state,number,type,status,reported,reference\n", f);
    for (i = from; i < to; i++) {
        tu_number(num, series, i);
        fprintf(f, "UTO,%s,P,%s,2024-0%lu-1%lu,REF-%u-%lu\n", num, i % 3 ? "stolen" : "lost", 1 + i % 9, i % 10,
                series, i);
    }
    return fclose(f) != 0 ? -1 : 0;
}

FILE *tu_feed_open(const char *path, const char *header)
{
    FILE *f = fopen(path, "w");

    ck_assert_msg(f != NULL, "%s: cannot create", path);
    fputs(header, f);
    return f;
}

void tu_feed_row(FILE *f, unsigned series, unsigned long i, const char *fmt, ...)
{
    char num[16];
    va_list ap;

    tu_number(num, series, i);
    fprintf(f, "UTO,%s,", num);
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
}

void tu_feed_close(FILE *f)
{
    ck_assert_int_eq(fclose(f), 0);
}

void tu_flip_byte(const char *path, long off, uint8_t mask)
{
    int fd = open(path, O_RDWR);
    uint8_t c;

    ck_assert_msg(fd >= 0, "%s: cannot open", path);
    ck_assert_int_eq(pread(fd, &c, 1, (off_t)off), 1);
    c ^= mask;
    ck_assert_int_eq(pwrite(fd, &c, 1, (off_t)off), 1);
    close(fd);
}

char *tu_load(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long sz;

    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)sz + 1);
    if (buf != NULL)
        *len = fread(buf, 1, (size_t)sz, f);
    fclose(f);
    return buf;
}

TCase *tu_tcase(Suite *s, const char *name, int timeout, void (*setup)(void), void (*teardown)(void))
{
    TCase *tc = tcase_create(name);

    tcase_set_timeout(tc, timeout);
    if (setup != NULL || teardown != NULL)
        tcase_add_checked_fixture(tc, setup, teardown);
    suite_add_tcase(s, tc);
    return tc;
}

int tu_main(const char *name, int timeout, void (*setup)(void), void (*teardown)(void), const TTest *const *tests,
            size_t n)
{
    Suite *s = suite_create(name);
    TCase *tc = tu_tcase(s, name, timeout, setup, teardown);
    size_t i;

    for (i = 0; i < n; i++)
        tcase_add_test(tc, tests[i]);
    return tu_run(s);
}

int tu_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
