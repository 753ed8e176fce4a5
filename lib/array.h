/* SPDX-License-Identifier: Apache-2.0 */
/* array.h — the growable array: room for one more element, by doubling. */
#ifndef SLTD_ARRAY_H
#define SLTD_ARRAY_H

#include <stddef.h>

/* Room for element n of the array v, which has room for *cap elements of `size` bytes: v itself when
 * n < *cap; else v moved to a block twice as large (`first` elements for an empty array), and *cap
 * updated. NULL when memory runs out or the size would overflow (v is then unchanged). */
void *sltd__array_room(void *v, size_t *cap, size_t n, size_t size, size_t first);

#endif
