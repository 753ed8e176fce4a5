/* SPDX-License-Identifier: Apache-2.0 */
/* layout.h — output structs as the caller's header lays them out: which version a caller stated, and
 * how an answer is written into an older version of a struct (only the bytes that version has). */
#ifndef SLTD_LAYOUT_H
#define SLTD_LAYOUT_H

#include <stddef.h>

#include "sltd.h"

/* The version of an output struct that the library writes, from the `version` the caller set
 * (`name` is the struct's name, for the error detail): the caller's own when the library knows it,
 * `current` when the caller's header is newer than the library (the members the library does not
 * know keep the caller's initial values), or SLTD_EINVAL with a detail when it is 0 (not set). */
int sltd__layout_version(unsigned version, unsigned current, const char *name);

/* Bytes of one sltd_result of a version (1 or 2): the stride of a batch's results. */
size_t sltd__layout_result_size(unsigned version);

/* Write an answer into the caller's struct of an older (or the current) version: only that version's
 * members, `version` included, and nothing after them. */
void sltd__layout_result_put(void *dst, unsigned version, const sltd_result *src);
void sltd__layout_mrz_answer_put(void *dst, unsigned version, const sltd_mrz_answer *src);

#endif
