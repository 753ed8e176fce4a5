/* SPDX-License-Identifier: Apache-2.0 */
/* array.c — the growable array (see array.h). */
#include "array.h"

#include <stdint.h>
#include <stdlib.h>

void *sltd__array_room(void *v, size_t *cap, size_t n, size_t size, size_t first)
{
    size_t want;

    if (n < *cap)
        return v;
    want = *cap ? *cap * 2 : first;
    if (want <= n || want > SIZE_MAX / size)
        return NULL;
    if ((v = realloc(v, want * size)) != NULL)
        *cap = want;
    return v;
}
