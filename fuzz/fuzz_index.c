/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_index.c — libFuzzer target for the fleet index parser (lib/index.c, with the key list it embeds,
 * lib/keylist.c) and the kiosk's decisions on what it parsed (lib/plan.c).
 *
 * A kiosk parses only an index whose key list verified under its pinned root and whose own signature
 * verified under a certified key; this target calls the parser directly, as if both had (a compromised
 * or buggy authority). Every success is checked against the promises of index.h (entry order and
 * bounds, a bundle for the index's sequence, every signer in the key list), and then judged and planned
 * from a few kiosk states: any path found must lead, bundle by bundle, from the kiosk to the index's
 * sequence. Every failure must be SLTD_EFORMAT (or SLTD_ENOMEM).
 *
 * Build (libFuzzer): cmake -DSLTD_FUZZ=ON with clang, then ./fuzz_index tests/corpus/index
 * Linked with fuzz/replay.c (any compiler, no libFuzzer), it replays its corpus as an ordinary test. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "index.h"
#include "plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_index: broken promise: %s\n", what);
        abort();
    }
}

static void plan_from(const sltd__index *ix, uint64_t from, int recovery)
{
    sltd__plan p;
    uint64_t at = from, bytes = 0;
    size_t i;
    int rc = sltd__plan_path(&p, ix, from, recovery, "fuzz");

    if (rc != SLTD_OK) {
        check(rc == SLTD_ESEQUENCE || rc == SLTD_ENOMEM, "plan: only 'no path'");
        return;
    }
    check(p.n >= 1 && p.n <= ix->n, "plan length");
    for (i = 0; i < p.n; i++) {
        const sltd__ientry *x = &ix->e[p.step[i]];
        check(p.step[i] < ix->n, "plan step in bounds");
        if (x->kind == SLTD_BUNDLE_FULL)
            check(i == 0 && (recovery || x->sequence > from), "a full only first, and newer (unless recovery)");
        else
            check(x->base == at && (i > 0 || (!recovery && from != 0)), "a delta on the state before it");
        at = x->sequence;
        bytes += x->size;
    }
    check(at == ix->sequence, "the path ends at the index's sequence");
    check(bytes == p.bytes, "the path's bytes");
    sltd__plan_free(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t kc[16];
    sltd__index ix;
    sltd__kiosk k;
    size_t i;
    int rc = sltd__index_parse(&ix, data, size, "fuzz"), cur, rec;

    if (rc != SLTD_OK) {
        check(rc == SLTD_EFORMAT || rc == SLTD_ENOMEM, "only format errors");
        sltd__index_free(&ix);
        return 0;
    }
    check(ix.sequence >= 1 && ix.expires >= ix.published, "header");
    check(ix.n >= 1 && ix.n <= SLTD__INDEX_ENTRIES_MAX, "entry count");
    check(ix.keys.n >= 1 && ix.keys.n <= SLTD_KEYLIST_MAX && ix.keys.version >= 1, "key list");
    check(sltd__keylist_find(&ix.keys, ix.key_id) >= 0, "the index's signer is in the list");
    for (i = 0; i < ix.n; i++) {
        const sltd__ientry *x = &ix.e[i];
        check(x->kind == SLTD_BUNDLE_FULL || x->kind == SLTD_BUNDLE_DELTA, "kind");
        check(x->sequence >= 1 && x->sequence <= ix.sequence, "entry sequence");
        check(x->kind == SLTD_BUNDLE_FULL ? x->base == 0 : x->base >= 1 && x->base < x->sequence, "entry base");
        check(x->size >= 192 && x->size <= SLTD_BUNDLE_MAX, "entry size");
        check(sltd__keylist_find(&ix.keys, x->key_id) >= 0, "entry signer in the list");
        check(i == 0 || x->sequence >= ix.e[i - 1].sequence, "order");
    }
    /* judged and planned from a few kiosks (the time is the index's own, so that it is not expired) */
    memset(&k, 0, sizeof k);
    for (i = 0; i < 4; i++) {
        k.sequence = i == 0 ? 0 : i == 1 ? ix.sequence - 1 : i == 2 ? ix.e[0].sequence : ix.sequence + 1;
        rc = sltd__plan_judge(&cur, &rec, &ix, &k, kc, ix.published, "fuzz");
        check(rc == SLTD_OK || rc == SLTD_EEXPIRED || rc == SLTD_ESEQUENCE || rc == SLTD_EWRONGKEY ||
                  rc == SLTD_ECHECKSUM, "judge codes");
        plan_from(&ix, k.sequence, 0);
        plan_from(&ix, k.sequence, 1);
    }
    sltd__index_free(&ix);
    return 0;
}
