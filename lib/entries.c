/* SPDX-License-Identifier: Apache-2.0 */
/* entries.c — the entry set and its sort (see entries.h). */
#include "entries.h"

#include <stdlib.h>
#include <string.h>

#include "array.h"

typedef sltd__entry entry;

int sltd__entries_push(sltd__entries *e, const sltd__entry *x)
{
    entry *v = sltd__array_room(e->v, &e->cap, e->n, sizeof *v, 4096);

    if (v == NULL)
        return SLTD_ENOMEM;
    e->v = v;
    e->v[e->n] = *x;
    e->v[e->n].seq = (uint32_t)e->n;
    e->n++;
    return SLTD_OK;
}

void sltd__entries_free(sltd__entries *e)
{
    free(e->v);
    e->v = NULL;
    e->n = e->cap = 0;
}

/* ---- sorting --------------------------------------------------------------------------------------
 * Two stable distribution passes, by the first digest byte (v to tmp) and then, inside each of those
 * 256 parts, by the second (tmp back to v): each pass writes to only 256 places at a time, which the
 * caches keep. Each of the 65,536 buckets (a few dozen entries for a run of millions) is then ordered
 * through a small array of keys — the next eight digest bytes as a number, and the entry's place in
 * the bucket — and rewritten in that order from a copy in a small scratch space. */

typedef struct skey {
    uint64_t k; /* digest bytes 2..9, big-endian: numbers compare as the bytes do */
    uint32_t j; /* index in the bucket */
} skey;

static uint64_t be64(const uint8_t *p)
{
    uint64_t x = 0;
    int i;

    for (i = 0; i < 8; i++)
        x = x << 8 | p[i];
    return x;
}

/* Order of two keys of bucket b: (digest, seq). */
static int key_cmp(const skey *x, const skey *y, const entry *b)
{
    int c;

    if (x->k != y->k)
        return x->k < y->k ? -1 : 1;
    c = memcmp(b[x->j].d + 10, b[y->j].d + 10, SLTD_DIGEST_SIZE - 10);
    if (c != 0)
        return c;
    return b[x->j].seq < b[y->j].seq ? -1 : b[x->j].seq > b[y->j].seq;
}

static int key_cmp_r(const void *x, const void *y, void *b)
{
    return key_cmp(x, y, b);
}

static void sort_keys(skey *key, size_t m, const entry *b)
{
    size_t i, k;

    if (m > 64) {
        qsort_r(key, m, sizeof *key, key_cmp_r, (void *)b);
        return;
    }
    for (i = 1; i < m; i++) {
        skey x = key[i];
        for (k = i; k > 0 && key_cmp(&key[k - 1], &x, b) > 0; k--)
            key[k] = key[k - 1];
        key[k] = x;
    }
}

/* Order the m entries of one bucket in place (scratch: room for m). */
static void sort_bucket(entry *v, size_t m, skey *key, entry *scratch)
{
    size_t j;

    if (m < 2)
        return;
    memcpy(scratch, v, m * sizeof *v);
    for (j = 0; j < m; j++) {
        key[j].k = be64(scratch[j].d + 2);
        key[j].j = (uint32_t)j;
    }
    sort_keys(key, m, scratch);
    for (j = 0; j < m; j++)
        v[j] = scratch[key[j].j];
}

int sltd__entries_sort_with(sltd__entry *v, sltd__entry *tmp, size_t n)
{
    size_t *count, at[256], i, p, q, b, most = 0;
    entry *scratch;
    skey *key;

    if (n < 2)
        return SLTD_OK;
    if ((count = calloc(65536, sizeof *count)) == NULL)
        return SLTD_ENOMEM;
    for (i = 0; i < n; i++)
        count[v[i].d[0] << 8 | v[i].d[1]]++;
    for (b = 0; b < 65536; b++)
        if (count[b] > most)
            most = count[b];
    key = malloc(most * sizeof *key);
    scratch = malloc(most * sizeof *scratch);
    if (key == NULL || scratch == NULL) {
        free(key);
        free(scratch);
        free(count);
        return SLTD_ENOMEM;
    }
    /* pass 1: by the first byte, v to tmp (stable: input order kept within a part) */
    for (p = 0, i = 0; p < 256; p++) {
        at[p] = i;
        for (q = 0; q < 256; q++)
            i += count[p << 8 | q];
    }
    for (i = 0; i < n; i++)
        tmp[at[v[i].d[0]]++] = v[i];
    /* pass 2: each part by the second byte, tmp back to v; then each bucket in order */
    for (p = 0, i = 0; p < 256; p++) {
        size_t begin = i, end;
        for (q = 0; q < 256; q++) {
            at[q] = i;
            i += count[p << 8 | q];
        }
        end = i;
        for (b = begin; b < end; b++)
            v[at[tmp[b].d[1]]++] = tmp[b];
        for (q = 0, b = begin; q < 256; b += count[p << 8 | q], q++)
            sort_bucket(v + b, count[p << 8 | q], key, scratch);
    }
    free(scratch);
    free(key);
    free(count);
    return SLTD_OK;
}

int sltd__entries_sort(sltd__entry *v, size_t n)
{
    sltd__entry *tmp;
    int rc;

    if (n < 2)
        return SLTD_OK;
    if ((tmp = malloc(n * sizeof *tmp)) == NULL)
        return SLTD_ENOMEM;
    rc = sltd__entries_sort_with(v, tmp, n);
    free(tmp);
    return rc;
}
