/* SPDX-License-Identifier: Apache-2.0 */
/* plan.c — a kiosk's decisions on a verified index (see plan.h and docs/FLEET.md): trust it now or not,
 * and the cheapest path of bundles to the state it publishes. */
#include "plan.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"

/* a - b for messages, saturated (the times come from files). */
static long long span(int64_t a, int64_t b)
{
    if (b < 0 ? a > INT64_MAX + b : a < INT64_MIN + b)
        return b < 0 ? INT64_MAX : INT64_MIN;
    return (long long)(a - b);
}

int sltd__plan_judge(int *current, int *recovery, const sltd__index *ix, const sltd__kiosk *k,
                     const uint8_t key_check[16], int64_t now, const char *source)
{
    const sltd__keylist *kl = &ix->keys;
    int i;

    *current = *recovery = 0;
    /* the key list: expiry bounds how long a frozen list (one that hides a revocation) is believed */
    if (now >= kl->expires)
        return sltd__err(SLTD_EEXPIRED, "%s: the key list expired %lld s ago (no active key is valid any more); "
                         "refused", source, span(now, kl->expires));
    if (span(kl->created, now) > SLTD_BUNDLE_SKEW)
        return sltd__err(SLTD_EEXPIRED, "%s: the key list is dated %lld s in the future (check the clocks); refused",
                         source, span(kl->created, now));
    if (kl->version < k->keys_version)
        return sltd__err(SLTD_ESEQUENCE, "%s: key list version %llu is older than the %llu already accepted "
                         "(rollback of a revocation?); refused", source, (unsigned long long)kl->version,
                         (unsigned long long)k->keys_version);
    /* the index: freeze and replay */
    if (now >= ix->expires)
        return sltd__err(SLTD_EEXPIRED, "%s: the index expired %lld s ago (a frozen or stale mirror?); refused",
                         source, span(now, ix->expires));
    if (span(ix->published, now) > SLTD_BUNDLE_SKEW)
        return sltd__err(SLTD_EEXPIRED, "%s: the index is dated %lld s in the future (check the clocks); refused",
                         source, span(ix->published, now));
    if (memcmp(ix->key_check, key_check, 16) != 0)
        return sltd__err(SLTD_EWRONGKEY, "%s: the repository publishes for another deployment key than this "
                         "database's; refused", source);
    if (k->has_signer) {
        i = sltd__keylist_find(kl, k->signer);
        *recovery = i < 0 || kl->k[i].state == SLTD__KEY_REVOKED;
    }
    if (*recovery) /* what the data's revoked key vouched for (sequence, dates) is not believed any more */
        return SLTD_OK;
    /* rollback and fast-forward */
    if (ix->sequence < k->sequence)
        return sltd__err(SLTD_ESEQUENCE, "%s: the index's sequence %llu is older than the database's %llu "
                         "(rollback); refused", source, (unsigned long long)ix->sequence,
                         (unsigned long long)k->sequence);
    if (ix->sequence - k->sequence > SLTD_SYNC_AHEAD_MAX)
        return sltd__err(SLTD_ESEQUENCE, "%s: the index's sequence %llu is more than %u ahead of the database's "
                         "%llu (fast-forward); refused", source, (unsigned long long)ix->sequence,
                         SLTD_SYNC_AHEAD_MAX, (unsigned long long)k->sequence);
    if (ix->sequence == k->sequence && memcmp(ix->checksum, k->checksum, 16) != 0)
        return sltd__err(SLTD_ECHECKSUM, "%s: the database is at the index's sequence %llu but holds another "
                         "state (changed locally?); refused", source, (unsigned long long)k->sequence);
    /* replay: an index older than one accepted, for the same or a newer sequence */
    if (ix->published < k->index_published)
        return sltd__err(SLTD_EEXPIRED, "%s: the index was published %lld s before the one already accepted "
                         "(a replayed index?); refused", source, span(k->index_published, ix->published));
    *current = ix->sequence == k->sequence;
    return SLTD_OK;
}

void sltd__plan_free(sltd__plan *p)
{
    free(p->step);
    p->step = NULL;
    p->n = 0;
}

/* Was the bundle's key allowed to sign it when it was made? */
static int usable(const sltd__index *ix, const sltd__ientry *x)
{
    int i = sltd__keylist_find(&ix->keys, x->key_id);

    return i >= 0 && sltd__certkey_valid_at(&ix->keys.k[i], x->created);
}

/* The first entry whose sequence is >= s (entries are sorted by sequence). */
static size_t first_at(const sltd__index *ix, uint64_t s)
{
    size_t lo = 0, hi = ix->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ix->e[mid].sequence < s)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int sltd__plan_path(sltd__plan *p, const sltd__index *ix, uint64_t from, int recovery, const char *source)
{
    /* Every edge goes up in sequence and the entries are sorted by sequence, so one pass in entry order
     * finds the cheapest way to reach the state after each entry. */
    uint64_t *cost = NULL;
    size_t *steps = NULL, *prev = NULL, i, j, best = SIZE_MAX, n;
    int rc = SLTD_OK;

    memset(p, 0, sizeof *p);
    if ((cost = malloc(ix->n * sizeof *cost)) == NULL || (steps = malloc(ix->n * sizeof *steps)) == NULL ||
        (prev = malloc(ix->n * sizeof *prev)) == NULL) {
        rc = sltd__err(SLTD_ENOMEM, "out of memory");
        goto cleanup;
    }
    for (i = 0; i < ix->n; i++) {
        const sltd__ientry *x = &ix->e[i];
        cost[i] = UINT64_MAX;
        steps[i] = 0;
        prev[i] = SIZE_MAX;
        if (!usable(ix, x))
            continue;
        if (x->kind == SLTD_BUNDLE_FULL) {
            if (recovery || x->sequence > from) {
                cost[i] = x->size;
                steps[i] = 1;
            }
            continue;
        }
        if (!recovery && from != 0 && x->base == from) {
            cost[i] = x->size;
            steps[i] = 1;
        }
        for (j = first_at(ix, x->base); j < i && ix->e[j].sequence == x->base; j++) {
            uint64_t c;
            if (cost[j] == UINT64_MAX)
                continue;
            c = cost[j] + x->size;
            if (c < cost[i] || (c == cost[i] && steps[j] + 1 < steps[i])) {
                cost[i] = c;
                steps[i] = steps[j] + 1;
                prev[i] = j;
            }
        }
    }
    for (i = first_at(ix, ix->sequence); i < ix->n; i++)
        if (cost[i] != UINT64_MAX &&
            (best == SIZE_MAX || cost[i] < cost[best] || (cost[i] == cost[best] && steps[i] < steps[best])))
            best = i;
    if (best == SIZE_MAX) {
        rc = sltd__err(SLTD_ESEQUENCE, "%s: the index lists no usable path from sequence %llu to %llu%s; refused",
                       source, (unsigned long long)from, (unsigned long long)ix->sequence,
                       recovery ? " (a full bundle signed by an active key is needed)" : "");
        goto cleanup;
    }
    n = steps[best];
    if ((p->step = malloc(n * sizeof *p->step)) == NULL) {
        rc = sltd__err(SLTD_ENOMEM, "out of memory");
        goto cleanup;
    }
    p->n = n;
    p->bytes = cost[best];
    for (i = best, j = n; i != SIZE_MAX; i = prev[i])
        p->step[--j] = i;
cleanup:
    free(cost);
    free(steps);
    free(prev);
    return rc;
}
