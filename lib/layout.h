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

/* As sltd__layout_version, for a struct whose newer layouts the library cannot write even in part,
 * because it does not know where their members are (`why`): the elements of a batch's array (their
 * stride), or the members of sltd_mrz_answer after an embedded struct that grew. A version newer than
 * `current` is refused with SLTD_EINVAL and a detail too. */
int sltd__layout_version_known(unsigned version, unsigned current, const char *name, const char *why);

/* The output structs the library fills whole and writes as one block (sltd_result and sltd_mrz_answer,
 * which are repeated in an array or embed one another, have writers of their own below). */
typedef enum sltd__layout_kind {
    SLTD__LAYOUT_STATS,
    SLTD__LAYOUT_VERIFY_REPORT,
    SLTD__LAYOUT_IMPORT_REPORT,
    SLTD__LAYOUT_SCREEN_REPORT,
    SLTD__LAYOUT_BUNDLE_REPORT,
    SLTD__LAYOUT_KEYLIST_INFO,
    SLTD__LAYOUT_PUBLISH_REPORT,
    SLTD__LAYOUT_SYNC_REPORT,
    SLTD__LAYOUT_SYNC_STATE,
    SLTD__LAYOUT_MRZ,
    SLTD__LAYOUT_MRZ_EVIDENCE,
    SLTD__LAYOUT_COUNT
} sltd__layout_kind;

/* Most versions a struct's layout table holds. */
#define SLTD__LAYOUT_VERSIONS 8

/* One such struct: its name (for the error detail), its current version (the header's *_VERSION) and
 * the bytes of each version, bytes[v - 1] (the current one is the library's sizeof). */
typedef struct sltd__layout {
    const char *name;
    unsigned current;
    size_t bytes[SLTD__LAYOUT_VERSIONS];
} sltd__layout;

/* The layout of a kind of struct. */
const sltd__layout *sltd__layout_get(sltd__layout_kind kind);

/* Before a call does anything: the version of the caller's struct `out` the library will write
 * (sltd__layout_version on its `version`), 0 when `out` is NULL (nothing to write), or SLTD_EINVAL with
 * a detail naming the struct when its version is not set. */
int sltd__layout_check(const void *out, const sltd__layout *L);

/* After the call: copy `full`, a struct of the current version that the call filled, into the caller's
 * `out` of version `version` (from sltd__layout_check): that version's bytes, with `version` set to it,
 * and nothing after them. Nothing when `out` is NULL. */
void sltd__layout_put(void *out, int version, const sltd__layout *L, const void *full);

/* The frame of a public call that fills one output struct of kind `kind` (written once here for all of
 * them). sltd__layout_enter, its first step: forgets the last error detail and returns the version of
 * `out` to write, as sltd__layout_check (negative: refuse the call, do nothing). sltd__layout_leave, its
 * last: writes `full` into `out` as sltd__layout_put (nothing for a negative `version`) and returns `rc`
 * by sltd__err_leave under the call's name `fn`. The call between: rc = version < 0 ? version : body. */
int sltd__layout_enter(const void *out, sltd__layout_kind kind);
int sltd__layout_leave(void *out, int version, sltd__layout_kind kind, const void *full, int rc, const char *fn);

/* Bytes of one sltd_result of a version (1 or 2): the stride of a batch's results. */
size_t sltd__layout_result_size(unsigned version);

/* Write an answer into the caller's struct of an older (or the current) version: only that version's
 * members, `version` included, and nothing after them. */
void sltd__layout_result_put(void *dst, unsigned version, const sltd_result *src);
void sltd__layout_mrz_answer_put(void *dst, unsigned version, const sltd_mrz_answer *src);

#endif
