/* SPDX-License-Identifier: Apache-2.0 */
/* fleet-probe.c — what a kiosk's lookups see while it syncs (bench/fleet-bench.py): looks documents up
 * in a loop, one at a time from one thread, timing each, until a stop file appears (or a time limit),
 * then prints one JSON object: lookups, errors, and the latency quantiles and maximum of hits and of
 * misses. Uses only the public header.
 *
 *   fleet-probe --db DIR [--key FILE] --records N [--stop FILE] [--seconds S]
 *
 * The documents are those of the bench's feeds: state UTO, number "A" + 9 digits, 0 <= i < N listed
 * (at least most of them: the deltas change a few); every tenth lookup is of a listed number, the
 * others of numbers beyond N (misses). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sltd.h"

#define SAMPLES_MAX 20000000u

static uint64_t now_ns(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return (x > y) - (x < y);
}

static uint64_t rnd(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static void quantiles(const char *name, uint32_t *v, size_t n, uint64_t max)
{
    if (n == 0) {
        printf("\"%s\":{\"n\":0}", name);
        return;
    }
    qsort(v, n, sizeof *v, cmp_u32);
    printf("\"%s\":{\"n\":%zu,\"p50_ns\":%u,\"p99_ns\":%u,\"p999_ns\":%u,\"max_ns\":%llu}", name, n, v[n / 2],
           v[(size_t)((double)n * 0.99)], v[(size_t)((double)n * 0.999)], (unsigned long long)max);
}

int main(int argc, char **argv)
{
    sltd_options o = SLTD_OPTIONS_INIT;
    const char *dir = NULL, *stop = NULL;
    unsigned long long records = 0;
    double seconds = 60;
    uint32_t *hits, *misses;
    size_t nh = 0, nm = 0;
    uint64_t seed = 42, maxh = 0, maxm = 0, errors = 0, t0, i;
    sltd_db *db;
    int a, rc;

    for (a = 1; a + 1 < argc; a += 2) {
        if (strcmp(argv[a], "--db") == 0)
            dir = argv[a + 1];
        else if (strcmp(argv[a], "--key") == 0)
            o.key_path = argv[a + 1];
        else if (strcmp(argv[a], "--records") == 0)
            records = strtoull(argv[a + 1], NULL, 10);
        else if (strcmp(argv[a], "--stop") == 0)
            stop = argv[a + 1];
        else if (strcmp(argv[a], "--seconds") == 0)
            seconds = strtod(argv[a + 1], NULL);
        else
            break;
    }
    if (dir == NULL || records == 0 || a != argc) {
        fputs("usage: fleet-probe --db DIR [--key FILE] --records N [--stop FILE] [--seconds S]\n", stderr);
        return 2;
    }
    o.flags = SLTD_OPEN_READONLY;
    if ((rc = sltd_db_open(&db, dir, &o)) != SLTD_OK) {
        fprintf(stderr, "fleet-probe: %s\n%s\n", sltd_error_text(rc), sltd_error_detail());
        return 3;
    }
    hits = malloc(SAMPLES_MAX / 4 * sizeof *hits);
    misses = malloc(SAMPLES_MAX * sizeof *misses);
    if (hits == NULL || misses == NULL)
        return 3;
    t0 = now_ns();
    for (i = 0;; i++) {
        char number[16];
        sltd_result res = SLTD_RESULT_INIT;
        uint64_t t, dt;
        int hit = i % 10 == 0;
        if ((i & 1023) == 0 && ((stop != NULL && access(stop, F_OK) == 0) ||
                                (double)(now_ns() - t0) / 1e9 > seconds || nm + 1024 > SAMPLES_MAX ||
                                nh + 1024 > SAMPLES_MAX / 4))
            break;
        snprintf(number, sizeof number, "A%09llu",
                 hit ? (unsigned long long)(rnd(&seed) % records) : records + rnd(&seed) % 100000000u);
        t = now_ns();
        rc = sltd_db_lookup(&res, db, "UTO", number, NULL);
        dt = now_ns() - t;
        if (rc != SLTD_OK)
            errors++;
        if (hit) {
            hits[nh++] = dt > UINT32_MAX ? UINT32_MAX : (uint32_t)dt;
            maxh = dt > maxh ? dt : maxh;
        } else {
            misses[nm++] = dt > UINT32_MAX ? UINT32_MAX : (uint32_t)dt;
            maxm = dt > maxm ? dt : maxm;
        }
    }
    printf("{\"seconds\":%.3f,\"lookups\":%zu,\"errors\":%llu,", (double)(now_ns() - t0) / 1e9, nh + nm,
           (unsigned long long)errors);
    quantiles("hit", hits, nh, maxh);
    putchar(',');
    quantiles("miss", misses, nm, maxm);
    printf("}\n");
    free(hits);
    free(misses);
    sltd_db_close(db);
    return errors != 0;
}
