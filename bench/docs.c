/* SPDX-License-Identifier: Apache-2.0 */
/* docs.c — deterministic synthetic documents: the feed CSV the database is imported from, and the
 * absent and present queries of a run (as documents, batch queries and digests). Present documents
 * have numbers that start with a letter, absent ones with a digit, so the two sets never meet. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include "bench.h"

/* Real ICAO 9303 codes ("D" is Germany; UTO is the specimen state). */
static const char STATES[][4] = { "D",   "FRA", "GBR", "ITA", "ESP", "NLD", "BEL", "POL",
                                  "USA", "CAN", "AUS", "JPN", "CHN", "IND", "BRA", "UTO" };
#define NSTATES (sizeof STATES / sizeof STATES[0])

#define SEED_PRESENT 0x5eed0001u
#define SEED_ABSENT 0x5eed0002u
#define SEED_HITS 0x5eed0003u

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15u);

    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

static uint64_t mix(uint64_t x, uint64_t seed)
{
    uint64_t s = x ^ (seed << 32);

    return splitmix64(&s);
}

/* A bijection of [0, 2^41): distinct indices give distinct numbers, in a scrambled order. */
static uint64_t perm41(uint64_t x, uint64_t seed)
{
    const uint64_t mask = ((uint64_t)1 << 41) - 1;

    x = (x ^ seed) & mask;
    x = (x * 0x9E3779B97F4A7C15u) & mask;
    x ^= x >> 20;
    x = (x * 0xBF58476D1CE4E5B9u) & mask;
    x ^= x >> 17;
    x = (x * 0x94D049BB133111EBu) & mask;
    return x;
}

/* Document i of a set: a state, then a letter (present) or a digit (absent), then 8 characters that
 * encode a permutation of i (36^8 > 2^41). */
void make_doc(doc *d, uint64_t i, int present)
{
    static const char alnum[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const uint64_t seed = present ? SEED_PRESENT : SEED_ABSENT;
    uint64_t h = mix(i, seed), x = perm41(i, seed);
    int k;

    memcpy(d->state, STATES[h % NSTATES], 4);
    d->number[0] = present ? (char)('A' + (h >> 8) % 26) : (char)('0' + (h >> 8) % 10);
    for (k = 8; k >= 1; k--) {
        d->number[k] = alnum[x % 36];
        x /= 36;
    }
    d->number[9] = '\0';
}

/* The index of a present document to look up next (uniform over the database). */
static uint64_t present_index(uint64_t *seed, uint64_t records)
{
    return splitmix64(seed) % records;
}

void write_feed(const char *path, uint64_t n, uint64_t *bytes)
{
    static const char *const status[] = { "stolen", "stolen", "lost", "stolen", "revoked" };
    FILE *f = fopen(path, "w");
    char line[128];
    uint64_t i;
    doc d;
    int len;

    if (f == NULL)
        die("%s: %s", path, strerror(errno));
    setvbuf(f, NULL, _IOFBF, 1 << 20);
    fputs("state,number,type,status,reported,reference\n", f);
    for (i = 0; i < n; i++) {
        const uint64_t h = mix(i, SEED_PRESENT ^ 0xfeed);
        make_doc(&d, i, 1);
        len = snprintf(line, sizeof line, "%s,%s,P,%s,20%02u-%02u-%02u,R%08" PRIX32 "\n", d.state, d.number,
                       status[h % 5], 15 + (unsigned)(h >> 8) % 10, 1 + (unsigned)(h >> 16) % 12,
                       1 + (unsigned)(h >> 24) % 28, (uint32_t)(h >> 32));
        fwrite(line, 1, (size_t)len, f);
    }
    if (fflush(f) != 0 || ferror(f))
        die("%s: %s", path, strerror(errno));
    *bytes = (uint64_t)ftell(f);
    if (fclose(f) != 0)
        die("%s: %s", path, strerror(errno));
}

void inputs_make(inputs *in, sltd_db *db, size_t nq, uint64_t records)
{
    uint64_t seed = SEED_HITS;
    size_t i;
    int rc;

    in->db = db;
    in->nq = nq;
    in->records = records;
    in->absent = xmalloc(nq * sizeof *in->absent);
    in->present = xmalloc(nq * sizeof *in->present);
    in->qa = xmalloc(nq * sizeof *in->qa);
    in->qp = xmalloc(nq * sizeof *in->qp);
    in->dig_absent = xmalloc(nq * SLTD_DIGEST_SIZE);
    in->dig_present = xmalloc(nq * SLTD_DIGEST_SIZE);
    for (i = 0; i < nq; i++) {
        make_doc(&in->absent[i], i, 0);
        make_doc(&in->present[i], present_index(&seed, records), 1);
        in->qa[i] = (sltd_query){ in->absent[i].state, in->absent[i].number, NULL };
        in->qp[i] = (sltd_query){ in->present[i].state, in->present[i].number, NULL };
        if ((rc = sltd_db_digest(in->dig_absent + i * SLTD_DIGEST_SIZE, db, in->absent[i].state,
                              in->absent[i].number)) != SLTD_OK ||
            (rc = sltd_db_digest(in->dig_present + i * SLTD_DIGEST_SIZE, db, in->present[i].state,
                              in->present[i].number)) != SLTD_OK)
            die_sltd(rc, "sltd_db_digest");
    }
}

void inputs_free(inputs *in)
{
    free(in->absent);
    free(in->present);
    free(in->qa);
    free(in->qp);
    free(in->dig_absent);
    free(in->dig_present);
}
