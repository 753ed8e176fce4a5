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

/* ---- sorting: buckets by the first two digest bytes (stable), then insertion sort in each ---- */

static int after(const sltd__entry *a, const sltd__entry *b)
{
    int c = memcmp(a->d + 2, b->d + 2, SLTD_DIGEST_SIZE - 2);
    return c > 0 || (c == 0 && a->seq > b->seq);
}

int sltd__entries_sort(sltd__entry *v, size_t n)
{
    size_t *start, i, b, j;
    sltd__entry *tmp;

    if (n < 2)
        return SLTD_OK;
    tmp = malloc(n * sizeof *tmp);
    start = calloc(65537, sizeof *start);
    if (tmp == NULL || start == NULL) {
        free(tmp);
        free(start);
        return SLTD_ENOMEM;
    }
    for (i = 0; i < n; i++)
        start[(v[i].d[0] << 8 | v[i].d[1]) + 1]++;
    for (b = 1; b <= 65536; b++)
        start[b] += start[b - 1];
    for (i = 0; i < n; i++) /* stable: input order kept within a bucket */
        tmp[start[v[i].d[0] << 8 | v[i].d[1]]++] = v[i];
    /* start[b] is now the end of bucket b */
    for (b = 0, i = 0; b < 65536; i = start[b++]) {
        for (j = i + 1; j < start[b]; j++) {
            sltd__entry x = tmp[j];
            size_t k = j;
            while (k > i && after(&tmp[k - 1], &x)) {
                tmp[k] = tmp[k - 1];
                k--;
            }
            tmp[k] = x;
        }
    }
    memcpy(v, tmp, n * sizeof *v);
    free(tmp);
    free(start);
    return SLTD_OK;
}
