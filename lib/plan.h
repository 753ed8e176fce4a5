/* SPDX-License-Identifier: Apache-2.0 */
/* plan.h — what a kiosk decides from a verified index (docs/FLEET.md): whether the index may be trusted
 * for this database now (expiry, rollback, fast-forward, key list version, key compromise), and the
 * cheapest path of bundles from the database's sequence to the index's. Pure: no I/O. */
#ifndef SLTD_PLAN_H
#define SLTD_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "index.h"

/* What the kiosk's database holds (its meta). */
typedef struct sltd__kiosk {
    uint64_t sequence;
    uint8_t checksum[16];
    uint64_t keys_version;    /* newest key list accepted (0: none) */
    int64_t index_published;  /* publication time of the newest index accepted (0: none) */
    int has_signer;           /* the data came through a sync: signer is the key of its last bundle */
    uint8_t signer[SLTD__SIGN_KEYID];
} sltd__kiosk;

/* Judge a verified index for the kiosk at time now (Unix seconds); key_check is the database's.
 * 0, with *current = 1 when the kiosk already holds the index's state, and *recovery = 1 when the
 * kiosk's data was signed by a key the key list revokes (or does not hold): then the rollback checks
 * are waived and only a full bundle may follow. Refusals (message naming source): SLTD_EEXPIRED (key
 * list or index expired, dated in the future, or the index older than the newest accepted),
 * SLTD_ESEQUENCE (an older key list; rollback; more than SLTD_SYNC_AHEAD_MAX ahead), SLTD_EWRONGKEY
 * (published for another deployment key), SLTD_ECHECKSUM (same sequence, another state). */
int sltd__plan_judge(int *current, int *recovery, const sltd__index *ix, const sltd__kiosk *k,
                     const uint8_t key_check[16], int64_t now, const char *source);

typedef struct sltd__plan {
    size_t n;      /* bundles, in the order they are applied */
    size_t *step;  /* positions in the index's entries (malloc'd) */
    uint64_t bytes;
} sltd__plan;

/* The cheapest path (fewest bytes; then fewest bundles) from sequence `from` to the index's sequence:
 * deltas chained from `from` itself (none when from is 0 or in recovery), or a full bundle newer than
 * `from` (any full in recovery) followed by deltas. A bundle whose signing key was revoked, or was not
 * valid when the bundle was created, is never used. 0, SLTD_ESEQUENCE (no path), SLTD_ENOMEM. */
int sltd__plan_path(sltd__plan *p, const sltd__index *ix, uint64_t from, int recovery, const char *source);
void sltd__plan_free(sltd__plan *p);

#endif
