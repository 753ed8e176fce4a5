/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_bundle.c — libFuzzer target for the update-bundle parser (lib/bundle.c).
 *
 * sltd_bundle_apply only parses bytes whose Ed25519 signature it has verified, so a fuzzer cannot
 * reach the parser through it; this target calls the parser directly, as if the signature had been
 * verified (the authority's key compromised, or its packer buggy): the framing check, then the header
 * and every entry. Every success is checked against the promises of bundle.h (kind, sequences,
 * entry count, record encoding), and every failure must be SLTD_EFORMAT.
 *
 * Build (libFuzzer): cmake -DSLTD_FUZZ=ON with clang, or
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Iinclude -Ilib fuzz/fuzz_bundle.c \
 *         build/libsltd.a -llmdb -lsodium -lxxhash -ljansson -lpthread -lm -o fuzz_bundle
 *   ./fuzz_bundle tests/corpus/bundle
 * Linked with fuzz/replay.c (any compiler, no libFuzzer), it replays its corpus as an ordinary test;
 * tests/test_bundle.c replays the corpus too. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_bundle: broken promise: %s\n", what);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sltd__entries e = { NULL, 0, 0 };
    sltd__bundle_hdr h;
    size_t i;
    int rc = sltd__bundle_parse(&h, &e, data, size, "fuzz");

    if (rc != SLTD_OK) {
        check(rc == SLTD_EFORMAT || rc == SLTD_ENOMEM, "only format errors");
        sltd__entries_free(&e);
        return 0;
    }
    check(sltd__bundle_frame(data, size, "fuzz") == SLTD_OK, "framing");
    check(h.version == SLTD__BUNDLE_FORMAT, "version");
    check(h.kind == SLTD_BUNDLE_FULL || h.kind == SLTD_BUNDLE_DELTA, "kind");
    check(h.sequence >= 1 && (h.kind == SLTD_BUNDLE_FULL ? h.base == 0 : h.base < h.sequence), "sequences");
    check(h.expires >= h.created, "times");
    check(e.n == h.count, "entry count");
    check(h.count * SLTD__BUNDLE_ENTRY_MIN <= size - SLTD__BUNDLE_MIN, "entries fit");
    for (i = 0; i < e.n; i++) {
        const sltd__entry *x = &e.v[i];
        check(x->action == SLTD__UPDATE_ADD || (x->action == SLTD__UPDATE_REMOVE && h.kind == SLTD_BUNDLE_DELTA),
              "action");
        check(x->len >= SLTD__REC_HDR && x->len <= SLTD__REC_MAX, "record length");
        check(sltd__record_len(x->rec, x->len) == x->len, "record encoding");
    }
    /* the header re-encodes to the bytes it was read from */
    {
        uint8_t hdr[SLTD__BUNDLE_HDR];
        sltd__bundle_hdr_encode(hdr, &h);
        check(memcmp(hdr, data, SLTD__BUNDLE_HDR) == 0, "header round trip");
    }
    sltd__entries_free(&e);
    return 0;
}
