/* SPDX-License-Identifier: Apache-2.0 */
/* util.c — sltd-bench's plumbing: fatal errors (which remove the run's temporary directory), memory,
 * progress lines, the cost of a clock reading, files and numbers on the command line. */
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench.h"

uint32_t g_clock_ns;
volatile size_t g_zero;

static const char *g_cleanup_dir; /* removed on a fatal error unless kept */
static int g_keep;
static int g_progress;
static uint64_t g_t_start;

void bench_cleanup_on_error(const char *dir, int keep_it)
{
    g_cleanup_dir = dir;
    g_keep = keep_it;
}

static __attribute__((noreturn)) void vexit(int code, const char *fmt, va_list ap)
{
    fputs("sltd-bench: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    if (g_cleanup_dir != NULL && !g_keep)
        remove_tree(g_cleanup_dir);
    exit(code);
}

void die(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vexit(EXIT_ERROR, fmt, ap);
}

/* Bad usage found once the run has started: exit 2, after the same clean-up. */
void die_usage(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vexit(EXIT_USAGE, fmt, ap);
}

/* An sltd call failed: its code's text and the thread's detail. */
void die_sltd(int rc, const char *what)
{
    const char *detail = sltd_error_detail();

    die("%s: %s%s%s", what, sltd_error_text(rc), detail[0] ? ": " : "", detail);
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (p == NULL)
        die("out of memory (%zu bytes)", n);
    return p;
}

/* Memory written in timed loops (samples): touched now, so that none of its first-touch page faults
 * (~1-2 us each, one per 1,024 samples) lands in a timed interval and poses as lookup latency. */
void *xmalloc_touched(size_t n)
{
    void *p = xmalloc(n);

    memset(p, 0, n);
    return p;
}

void progress_enable(int on)
{
    g_progress = on;
    g_t_start = now_ns();
}

void progress(const char *fmt, ...)
{
    va_list ap;

    if (!g_progress)
        return;
    fprintf(stderr, "sltd-bench: [%6.2f s] ", (double)(now_ns() - g_t_start) / 1e9);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cmp_u32(const void *a, const void *b)
{
    const uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return (x > y) - (x < y);
}

/* The cost of one clock_gettime() as seen between two back-to-back calls (median of many). */
uint32_t clock_overhead_ns(void)
{
    enum { N = 200001 };
    uint32_t *d = xmalloc(N * sizeof *d), med;
    uint64_t prev = now_ns(), t;
    int i;

    for (i = 0; i < N; i++) {
        t = now_ns();
        d[i] = (uint32_t)(t - prev);
        prev = t;
    }
    qsort(d, N, sizeof *d, cmp_u32);
    med = d[N / 2];
    free(d);
    return med;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void remove_tree(const char *dir)
{
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

uint64_t file_size(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

int dir_exists(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

void join(char *out, size_t cap, const char *a, const char *b)
{
    if ((size_t)snprintf(out, cap, "%s/%s", a, b) >= cap)
        die("path too long: %s/%s", a, b);
}

uint64_t parse_u64(const char *opt, const char *s, uint64_t lo, uint64_t hi)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v < lo || v > hi) {
        fprintf(stderr, "sltd-bench: %s: '%s' is not a number in %" PRIu64 "..%" PRIu64 "\n", opt, s, lo, hi);
        exit(EXIT_USAGE);
    }
    return (uint64_t)v;
}
