/* SPDX-License-Identifier: Apache-2.0 */
/* test_index.c — the fleet index, key list and path selection (lib/index.c, lib/keylist.c, lib/plan.c;
 * docs/FLEET.md), with real keys in a temporary directory: round trips; every bit of an index and of a
 * key list flipped, every truncation and extension refused; signed but malformed indexes refused by
 * the parser; each trust rule of a kiosk (expiry, replay, rollback, fast-forward, key list version,
 * deployment key, revocation); the cheapest path (chain or full, broken chains, revoked signers,
 * recovery); publish and sync through the library in one process, with a reader in another process
 * that must never see a half-applied state; and the index fuzzer's corpus.
 *
 * Building an index entry member by member resembles the library's own header fill on purpose:
 * the test writes its own, independently. */
#include <check.h>
#include <dirent.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "error.h"
#include "index.h"
#include "keylist.h"
#include "plan.h"
#include "sltd.h"
#include "testutil.h"

static char *tmp;
static char root_sec[4096], root_pub[4096], s1_sec[4096], s1_pub[4096], s2_sec[4096], s2_pub[4096], keys[4096];
static uint8_t root_pk[1][SLTD__SIGN_PUBLIC], id1[SLTD__SIGN_KEYID], id2[SLTD__SIGN_KEYID];
static const uint8_t kc[16] = { 1, 2, 3 };

static void P(char out[4096], const char *name)
{
    tu_path(out, 4096, tmp, name);
}

static void setup(void)
{
    char prefix[4096];
    uint8_t pk[SLTD__SIGN_PUBLIC];

    tmp = tu_mkdtemp("index");
    ck_assert_ptr_nonnull(tmp);
    P(prefix, "root");
    ck_assert_int_eq(sltd_signing_key_create(NULL, prefix), 0);
    P(prefix, "s1");
    ck_assert_int_eq(sltd_signing_key_create(id1, prefix), 0);
    P(prefix, "s2");
    ck_assert_int_eq(sltd_signing_key_create(id2, prefix), 0);
    P(root_sec, "root.sec");
    P(root_pub, "root.pub");
    P(s1_sec, "s1.sec");
    P(s1_pub, "s1.pub");
    P(s2_sec, "s2.sec");
    P(s2_pub, "s2.pub");
    P(keys, "keys.sltd");
    ck_assert_int_eq(sltd__sign_pubkey_load(pk, root_pub), 0);
    memcpy(root_pk[0], pk, sizeof pk);
    ck_assert_int_eq(sltd_key_certify(NULL, keys, root_sec, s1_pub, 0, 30), 0);
}

static void teardown(void)
{
    tu_rmtree(tmp);
    free(tmp);
}

/* ---- helpers ---- */

static sltd__ientry E(unsigned kind, uint64_t seq, uint64_t base, uint64_t size, const uint8_t *id)
{
    sltd__ientry x;

    memset(&x, 0, sizeof x);
    x.kind = kind;
    x.sequence = seq;
    x.base = base;
    x.size = size;
    x.created = (int64_t)time(NULL) - 10;
    memcpy(x.key_id, id, SLTD__SIGN_KEYID);
    x.hash[0] = (uint8_t)seq;
    x.hash[1] = (uint8_t)kind;
    x.hash[2] = (uint8_t)base;
    return x;
}

/* An index of these entries, signed with `sec`, carrying the key list file. */
static uint8_t *build(size_t *len, sltd__ientry *e, size_t n, uint64_t seq, int64_t published, int64_t expires,
                      const char *sec)
{
    sltd__keylist kl;
    sltd__sign_key *k = NULL;
    sltd__index ix;
    uint8_t *raw = NULL, *out = NULL;
    size_t rawlen = 0;

    ck_assert_int_eq(sltd__keylist_load(&kl, &raw, &rawlen, keys), 0);
    ck_assert_int_eq(sltd__sign_key_load(&k, sec), 0);
    memset(&ix, 0, sizeof ix);
    ix.sequence = seq;
    ix.published = published;
    ix.expires = expires;
    ix.records = 42;
    ix.checksum[0] = 0xcc;
    memcpy(ix.key_check, kc, 16);
    ix.e = e;
    ix.n = n;
    ck_assert_int_eq(sltd__index_encode(&out, len, &ix, raw, rawlen, k), 0);
    free(raw);
    sltd__sign_key_free(k);
    return out;
}

static uint8_t *standard(size_t *len)
{
    sltd__ientry e[4];
    int64_t now = (int64_t)time(NULL);

    e[0] = E(SLTD_BUNDLE_FULL, 5, 0, 5000, id1);
    e[1] = E(SLTD_BUNDLE_DELTA, 6, 5, 300, id1);
    e[2] = E(SLTD_BUNDLE_DELTA, 7, 6, 300, id1);
    e[3] = E(SLTD_BUNDLE_DELTA, 8, 7, 300, id1);
    return build(len, e, 4, 8, now, now + 3600, s1_sec);
}

static int open_ix(sltd__index *ix, const uint8_t *buf, size_t len)
{
    return sltd__index_open(ix, buf, len, (const uint8_t(*)[SLTD__SIGN_PUBLIC])root_pk, 1, "test");
}

/* ---- index and key list bytes ---- */

START_TEST(round_trip)
{
    sltd__index ix;
    size_t len;
    uint8_t *buf = standard(&len);

    ck_assert_int_eq(open_ix(&ix, buf, len), 0);
    ck_assert_uint_eq(ix.sequence, 8);
    ck_assert_uint_eq(ix.records, 42);
    ck_assert_uint_eq(ix.n, 4);
    ck_assert_uint_eq(ix.e[0].kind, SLTD_BUNDLE_FULL);
    ck_assert_uint_eq(ix.e[3].base, 7);
    ck_assert_uint_eq(ix.keys.version, 1);
    ck_assert_uint_eq(ix.keys.n, 1);
    ck_assert_mem_eq(ix.keys.k[0].id, id1, SLTD__SIGN_KEYID);
    ck_assert_mem_eq(ix.key_id, id1, SLTD__SIGN_KEYID);
    ck_assert_mem_eq(ix.key_check, kc, 16);
    sltd__index_free(&ix);
    free(buf);
}
END_TEST

START_TEST(every_bit_flipped_refused)
{
    sltd__index ix;
    size_t len, i;
    int b;
    uint8_t *buf = standard(&len);

    for (i = 0; i < len; i++)
        for (b = 0; b < 8; b++) {
            buf[i] ^= (uint8_t)(1u << b);
            ck_assert_msg(open_ix(&ix, buf, len) != 0, "byte %zu bit %d flipped: accepted", i, b);
            buf[i] ^= (uint8_t)(1u << b);
        }
    ck_assert_int_eq(open_ix(&ix, buf, len), 0);
    sltd__index_free(&ix);
    free(buf);
}
END_TEST

START_TEST(truncated_and_extended_refused)
{
    sltd__index ix;
    size_t len, i;
    uint8_t *buf = standard(&len), *big;

    for (i = 0; i < len; i++)
        ck_assert_msg(open_ix(&ix, buf, i) != 0, "cut at %zu: accepted", i);
    big = calloc(1, len + 80);
    memcpy(big, buf, len);
    for (i = 1; i <= 80; i++)
        ck_assert_msg(open_ix(&ix, big, len + i) != 0, "extended by %zu: accepted", i);
    free(big);
    free(buf);
}
END_TEST

START_TEST(wrong_root_unknown_revoked_or_expired_signer)
{
    uint8_t other[1][SLTD__SIGN_PUBLIC], *buf;
    sltd__ientry e[1];
    sltd__index ix;
    size_t len;
    int64_t now = (int64_t)time(NULL);

    e[0] = E(SLTD_BUNDLE_FULL, 1, 0, 500, id1);
    buf = build(&len, e, 1, 1, now, now + 60, s1_sec);
    ck_assert_int_eq(sltd__sign_pubkey_load(other[0], s1_pub), 0);
    ck_assert_int_eq(sltd__index_open(&ix, buf, len, (const uint8_t(*)[SLTD__SIGN_PUBLIC])other, 1, "t"),
                     SLTD_ESIGNATURE);
    free(buf);
    /* signed by a key the list does not certify */
    buf = build(&len, e, 1, 1, now, now + 60, s2_sec);
    ck_assert_int_eq(open_ix(&ix, buf, len), SLTD_ESIGNATURE);
    free(buf);
    /* by a key certified only from the future */
    ck_assert_int_eq(sltd_key_certify(NULL, keys, root_sec, s2_pub, now + 86400, 5), 0);
    buf = build(&len, e, 1, 1, now, now + 60, s2_sec);
    ck_assert_int_eq(open_ix(&ix, buf, len), SLTD_ESIGNATURE);
    ck_assert_ptr_nonnull(strstr(sltd_error_detail(), "validity"));
    free(buf);
    /* by a revoked key */
    ck_assert_int_eq(sltd_key_revoke(NULL, keys, root_sec, s1_pub), 0);
    buf = build(&len, e, 1, 1, now, now + 60, s1_sec);
    ck_assert_int_eq(open_ix(&ix, buf, len), SLTD_ESIGNATURE);
    ck_assert_ptr_nonnull(strstr(sltd_error_detail(), "revoked"));
    free(buf);
    /* a revoked key is never certified again; the root is never a signing key */
    ck_assert_int_eq(sltd_key_certify(NULL, keys, root_sec, s1_pub, 0, 30), SLTD_EINVAL);
    ck_assert_int_eq(sltd_key_certify(NULL, keys, root_sec, root_pub, 0, 30), SLTD_EINVAL);
    /* a list signed by another root is not rewritten */
    ck_assert_int_eq(sltd_key_certify(NULL, keys, s2_sec, s1_pub, 0, 30), SLTD_ESIGNATURE);
}
END_TEST

START_TEST(keylist_bits_flipped_refused)
{
    sltd__keylist kl;
    uint8_t *raw = NULL;
    size_t len = 0, i;
    int b;

    ck_assert_int_eq(sltd_key_certify(NULL, keys, root_sec, s2_pub, 0, 10), 0);
    ck_assert_int_eq(sltd__keylist_load(&kl, &raw, &len, keys), 0);
    ck_assert_uint_eq(kl.version, 2);
    ck_assert_uint_eq(kl.n, 2);
    for (i = 0; i < len; i++)
        for (b = 0; b < 8; b++) {
            raw[i] ^= (uint8_t)(1u << b);
            ck_assert_msg(sltd__keylist_open(&kl, raw, len, (const uint8_t(*)[SLTD__SIGN_PUBLIC])root_pk, 1, "t") != 0,
                          "key list byte %zu bit %d flipped: accepted", i, b);
            raw[i] ^= (uint8_t)(1u << b);
        }
    ck_assert_int_eq(sltd__keylist_open(&kl, raw, len, (const uint8_t(*)[SLTD__SIGN_PUBLIC])root_pk, 1, "t"), 0);
    free(raw);
}
END_TEST

/* Malformed but signed: what a buggy or compromised authority could publish; the parser refuses it. */
START_TEST(signed_but_malformed)
{
    static const struct {
        unsigned kind;
        uint64_t seq, base, size;
        const char *why;
    } bad[] = {
        { 3, 4, 0, 500, "kind" },
        { SLTD_BUNDLE_FULL, 4, 2, 500, "a full with a base" },
        { SLTD_BUNDLE_DELTA, 4, 4, 500, "a delta on itself" },
        { SLTD_BUNDLE_DELTA, 4, 0, 500, "a delta on 0" },
        { SLTD_BUNDLE_DELTA, 9, 4, 500, "beyond the index's sequence" },
        { SLTD_BUNDLE_FULL, 4, 0, 10, "smaller than a bundle" },
        { SLTD_BUNDLE_FULL, 4, 0, SLTD_BUNDLE_MAX + 1, "larger than a bundle" },
    };
    sltd__ientry e[3];
    sltd__index ix;
    size_t len, i;
    uint8_t *buf;
    int64_t now = (int64_t)time(NULL);

    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        e[0] = E(bad[i].kind, bad[i].seq, bad[i].base, bad[i].size, id1);
        e[1] = E(SLTD_BUNDLE_FULL, 8, 0, 500, id1);
        buf = build(&len, e, 2, 8, now, now + 60, s1_sec);
        ck_assert_msg(open_ix(&ix, buf, len) == SLTD_EFORMAT, "%s: accepted", bad[i].why);
        free(buf);
    }
    e[0] = E(SLTD_BUNDLE_FULL, 8, 0, 500, id1); /* out of order */
    e[1] = E(SLTD_BUNDLE_DELTA, 7, 6, 500, id1);
    buf = build(&len, e, 2, 8, now, now + 60, s1_sec);
    ck_assert_int_eq(open_ix(&ix, buf, len), SLTD_EFORMAT);
    free(buf);
    e[1] = E(SLTD_BUNDLE_FULL, 8, 0, 500, id1); /* repeated */
    buf = build(&len, e, 2, 8, now, now + 60, s1_sec);
    ck_assert_int_eq(open_ix(&ix, buf, len), SLTD_EFORMAT);
    free(buf);
    e[0] = E(SLTD_BUNDLE_FULL, 7, 0, 500, id1); /* nothing leads to the index's sequence */
    buf = build(&len, e, 1, 8, now, now + 60, s1_sec);
    ck_assert_int_eq(open_ix(&ix, buf, len), SLTD_EFORMAT);
    free(buf);
    e[0] = E(SLTD_BUNDLE_FULL, 8, 0, 500, id2); /* a bundle signed by a key the list does not hold */
    buf = build(&len, e, 1, 8, now, now + 60, s1_sec);
    ck_assert_int_eq(open_ix(&ix, buf, len), SLTD_EFORMAT);
    free(buf);
    {
        sltd__index empty;
        sltd__sign_key *k = NULL;
        uint8_t raw[8] = { 0 };
        memset(&empty, 0, sizeof empty); /* no entry at all: the encoder refuses */
        ck_assert_int_eq(sltd__sign_key_load(&k, s1_sec), 0);
        ck_assert_int_eq(sltd__index_encode(&buf, &len, &empty, raw, sizeof raw, k), SLTD_EINVAL);
        sltd__sign_key_free(k);
    }
}
END_TEST

/* ---- a kiosk's judgement ---- */

static sltd__index judged(uint64_t seq, int64_t published, int64_t expires)
{
    sltd__index ix;

    memset(&ix, 0, sizeof ix);
    ix.sequence = seq;
    ix.published = published;
    ix.expires = expires;
    ix.checksum[0] = 7;
    memcpy(ix.key_check, kc, 16);
    ix.keys.version = 3;
    ix.keys.created = published;
    ix.keys.expires = published + 86400;
    ix.keys.n = 2;
    memcpy(ix.keys.k[0].id, id1, SLTD__SIGN_KEYID);
    ix.keys.k[0].state = SLTD__KEY_ACTIVE;
    ix.keys.k[0].not_before = published - 86400;
    ix.keys.k[0].not_after = published + 86400;
    ix.keys.k[1] = ix.keys.k[0];
    memcpy(ix.keys.k[1].id, id2, SLTD__SIGN_KEYID);
    ix.keys.k[1].state = SLTD__KEY_REVOKED;
    return ix;
}

START_TEST(judge_rules)
{
    int64_t now = (int64_t)time(NULL);
    sltd__index ix = judged(10, now - 60, now + 3600);
    sltd__kiosk k;
    uint8_t otherkc[16] = { 9 };
    int cur, rec;

    memset(&k, 0, sizeof k);
    k.sequence = 8;
    k.keys_version = 3;
    k.index_published = now - 120;
    ck_assert_int_eq(sltd__plan_judge(&cur, &rec, &ix, &k, kc, now, "t"), 0);
    ck_assert(!cur && !rec);
    /* freeze: expired index; dated in the future; older than the one accepted */
    ix.expires = now;
    ck_assert_int_eq(sltd__plan_judge(&cur, &rec, &ix, &k, kc, now, "t"), SLTD_EEXPIRED);
    ix.expires = now + 3600;
    ix.published = now + SLTD_BUNDLE_SKEW + 1;
    ck_assert_int_eq(sltd__plan_judge(&cur, &rec, &ix, &k, kc, now, "t"), SLTD_EEXPIRED);
    ix.published = now - 60;
    k.index_published = now - 59;
    ck_assert_int_eq(sltd__plan_judge(&cur, &rec, &ix, &k, kc, now, "t"), SLTD_EEXPIRED);
    k.index_published = now - 60;
    ck_assert_int_eq(sltd__plan_judge(&cur, &rec, &ix, &k, kc, now, "t"), 0);
    /* the key list: expired; older than the one accepted */
    ix.keys.expires = now;
    ck_assert_int_eq(sltd__plan_judge(&cur, &rec, &ix, &k, kc, now, "t"), SLTD_EEXPIRED);
    ix.keys.expires = now + 60;
    k.keys_version = 4;
    ck_assert_int_eq(sltd__plan_judge(&cur, &rec, &ix, &k, kc, now, "t"), SLTD_ESEQUENCE);
    k.keys_version = 3;
    /* another deployment */
    ck_assert_int_eq(sltd__plan_judge(&cur, &rec, &ix, &k, otherkc, now, "t"), SLTD_EWRONGKEY);
    /* rollback; fast-forward (exactly the bound is allowed) */
    k.sequence = 11;
    ck_assert_int_eq(sltd__plan_judge(&cur, &rec, &ix, &k, kc, now, "t"), SLTD_ESEQUENCE);
    k.sequence = 1;
    ix.sequence = 1 + SLTD_SYNC_AHEAD_MAX;
    ck_assert_int_eq(sltd__plan_judge(&cur, &rec, &ix, &k, kc, now, "t"), 0);
    ix.sequence = 2 + SLTD_SYNC_AHEAD_MAX;
    ck_assert_int_eq(sltd__plan_judge(&cur, &rec, &ix, &k, kc, now, "t"), SLTD_ESEQUENCE);
    /* current, or the same sequence with another state */
    ix.sequence = k.sequence = 10;
    memcpy(k.checksum, ix.checksum, 16);
    ck_assert_int_eq(sltd__plan_judge(&cur, &rec, &ix, &k, kc, now, "t"), 0);
    ck_assert(cur);
    k.checksum[0] ^= 1;
    ck_assert_int_eq(sltd__plan_judge(&cur, &rec, &ix, &k, kc, now, "t"), SLTD_ECHECKSUM);
    /* data signed by a revoked key: recovery waives rollback and replay, never the expiry */
    k.has_signer = 1;
    memcpy(k.signer, id2, SLTD__SIGN_KEYID);
    k.sequence = 999;
    k.index_published = now;
    ck_assert_int_eq(sltd__plan_judge(&cur, &rec, &ix, &k, kc, now, "t"), 0);
    ck_assert(rec && !cur);
    ix.expires = now - 1;
    ck_assert_int_eq(sltd__plan_judge(&cur, &rec, &ix, &k, kc, now, "t"), SLTD_EEXPIRED);
    ix.expires = now + 3600;
    memcpy(k.signer, id1, SLTD__SIGN_KEYID); /* an active signer: the rollback is refused */
    k.index_published = ix.published;
    ck_assert_int_eq(sltd__plan_judge(&cur, &rec, &ix, &k, kc, now, "t"), SLTD_ESEQUENCE);
    ck_assert(!rec);
}
END_TEST

/* ---- the cheapest path ---- */

static void expect_path(const sltd__index *ix, uint64_t from, int recovery, const char *want)
{
    char got[256] = "";
    sltd__plan p;
    size_t i;
    int rc = sltd__plan_path(&p, ix, from, recovery, "t");

    if (rc != SLTD_OK) {
        ck_assert_msg(strcmp(want, "none") == 0, "from %llu: no path (%s), want %s", (unsigned long long)from,
                      sltd_error_detail(), want);
        ck_assert_int_eq(rc, SLTD_ESEQUENCE);
        return;
    }
    for (i = 0; i < p.n; i++) {
        const sltd__ientry *x = &ix->e[p.step[i]];
        size_t n = strlen(got);
        snprintf(got + n, sizeof got - n, "%s%c%llu", i ? " " : "", x->kind == SLTD_BUNDLE_FULL ? 'F' : 'D',
                 (unsigned long long)x->sequence);
    }
    ck_assert_msg(strcmp(got, want) == 0, "from %llu: %s, want %s", (unsigned long long)from, got, want);
    sltd__plan_free(&p);
}

START_TEST(cheapest_path)
{
    int64_t now = (int64_t)time(NULL);
    sltd__index ix = judged(8, now, now + 60);
    sltd__ientry e[8];

    e[0] = E(SLTD_BUNDLE_FULL, 4, 0, 1000, id1);
    e[1] = E(SLTD_BUNDLE_DELTA, 5, 4, 100, id1);
    e[2] = E(SLTD_BUNDLE_DELTA, 6, 5, 100, id1);
    e[3] = E(SLTD_BUNDLE_DELTA, 7, 6, 900, id1);
    e[4] = E(SLTD_BUNDLE_DELTA, 8, 7, 100, id1);
    e[5] = E(SLTD_BUNDLE_FULL, 8, 0, 1150, id1);
    ix.e = e;
    ix.n = 6;
    expect_path(&ix, 0, 0, "F8");               /* empty: 1150 < 1000 + 1200 */
    expect_path(&ix, 4, 0, "F8");               /* the chain 1200 > the full 1150 */
    e[5].size = 1300;
    expect_path(&ix, 4, 0, "D5 D6 D7 D8");      /* chain 1200 < full 1300 */
    expect_path(&ix, 6, 0, "D7 D8");            /* 1000 < 1300 */
    e[3].size = 1250;
    expect_path(&ix, 6, 0, "F8");               /* 1350 > 1300 */
    e[5].size = 1350;
    expect_path(&ix, 6, 0, "F8");               /* a tie (1350): the fewer bundles win */
    e[5].size = 1300;
    e[3].size = 900;
    expect_path(&ix, 9, 0, "none");             /* ahead of the index: nothing (the judge refuses first) */
    expect_path(&ix, 2, 0, "F8");               /* 2200 > 1300 */
    e[0].size = 50;
    expect_path(&ix, 2, 0, "F4 D5 D6 D7 D8");   /* 1250 < 1300 */
    /* a broken chain (delta 6 missing): from 5 only the full of 8 */
    ix.e = e;
    {
        sltd__ientry f[5] = { e[0], e[1], e[3], e[4], e[5] };
        ix.e = f;
        ix.n = 5;
        expect_path(&ix, 5, 0, "F8");
        expect_path(&ix, 6, 0, "D7 D8");
    }
    ix.e = e;
    ix.n = 6;
    /* a delta signed by a revoked key is never used; a full signed by one neither */
    memcpy(e[2].key_id, id2, SLTD__SIGN_KEYID);
    expect_path(&ix, 4, 0, "F8");
    memcpy(e[5].key_id, id2, SLTD__SIGN_KEYID);
    expect_path(&ix, 4, 0, "none");
    memcpy(e[2].key_id, id1, SLTD__SIGN_KEYID);
    memcpy(e[5].key_id, id1, SLTD__SIGN_KEYID);
    /* a bundle made outside its key's validity */
    e[5].created = ix.keys.k[0].not_after;
    expect_path(&ix, 7, 0, "D8");
    expect_path(&ix, 0, 0, "F4 D5 D6 D7 D8");
    e[5].created = now;
    /* recovery: a full whatever the kiosk's sequence, never its own deltas */
    expect_path(&ix, 7, 1, "F4 D5 D6 D7 D8");
    expect_path(&ix, 500, 1, "F4 D5 D6 D7 D8");
    e[0].size = 5000;
    expect_path(&ix, 500, 1, "F8");
}
END_TEST

/* ---- publish and sync through the library, with a reader that must never see half an update ---- */

static sltd_db *open_db(const char *name, int create, int ro)
{
    sltd_options o = SLTD_OPTIONS_INIT;
    char dir[4096], key[4096];
    sltd_db *db = NULL;
    int rc;

    P(dir, name);
    P(key, "deploy.key");
    o.flags = (create ? SLTD_OPEN_CREATE : 0) | (ro ? SLTD_OPEN_READONLY : 0);
    o.key_path = key;
    rc = sltd_db_open(&db, dir, &o);
    ck_assert_msg(rc == 0, "open %s: %s %s", dir, sltd_error_text(rc), sltd_error_detail());
    return db;
}

/* A feed where generation g lists documents [g*500, g*500 + 1000): each delta removes 500 and adds 500. */
static void gen_feed(const char *path, unsigned g)
{
    FILE *f = fopen(path, "w");
    char num[16];
    unsigned long i;

    ck_assert_ptr_nonnull(f);
    fputs("state,number,status,action\n", f);
    for (i = (g > 0 ? (g - 1) * 500ul : 0); i < g * 500ul + 1000; i++) {
        tu_number(num, 1, i);
        fprintf(f, "UTO,%s,stolen,%s\n", num, g > 0 && i < g * 500ul ? "remove" : "add");
    }
    ck_assert_int_eq(fclose(f), 0);
}

/* Publish signed with s1 under the suite's key list; sync trusting its root (roots: 1 slot). */
static void fleet_options(sltd_publish_options *po, sltd_sync_options *so, const char **roots)
{
    po->sign_path = s1_sec;
    po->keys_path = keys;
    roots[0] = root_pub;
    so->roots = roots;
    so->nroots = 1;
}

START_TEST(library_publish_sync_reader_never_sees_half)
{
    sltd_publish_options po = SLTD_PUBLISH_OPTIONS_INIT;
    sltd_sync_options so = SLTD_SYNC_OPTIONS_INIT;
    sltd_publish_report pr = SLTD_PUBLISH_REPORT_INIT;
    sltd_sync_report sr = SLTD_SYNC_REPORT_INIT;
    sltd_sync_state ss = SLTD_SYNC_STATE_INIT;
    sltd_stats a = SLTD_STATS_INIT, b = SLTD_STATS_INIT;
    char repo[4096], feed[4096], rkeys[4096];
    const char *roots[1];
    sltd_db *replica, *kiosk;
    unsigned g;
    int status;
    pid_t child;
    atomic_int *done = mmap(NULL, sizeof *done, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

    ck_assert_ptr_ne(done, MAP_FAILED);
    atomic_store(done, 0);

    P(repo, "repo");
    P(feed, "feed.csv");
    tu_path(rkeys, sizeof rkeys, repo, "keys.sltd");
    replica = open_db("replica", 1, 0);
    kiosk = open_db("kiosk", 1, 0);
    fleet_options(&po, &so, roots);
    gen_feed(feed, 0);
    ck_assert_int_eq(sltd_publish(&pr, replica, repo, feed, &po), 0);
    ck_assert_uint_eq(pr.sequence, 1);
    ck_assert_uint_eq(pr.records, 1000);
    ck_assert_int_eq(sltd_sync(&sr, kiosk, repo, &so), 0);
    ck_assert(sr.updated && sr.fulls == 1 && sr.to_sequence == 1);
    ck_assert_int_eq(sltd_sync_state_get(&ss, kiosk), 0);
    ck_assert(ss.last_sync > 0 && ss.index_sequence == 1 && ss.keys_version == 1);
    ck_assert_mem_eq(ss.signer, id1, SLTD__SIGN_KEYID);
    /* the reader, in another process: after generation g exactly the documents [g*500, g*500+1000) are
     * listed; 40 of them looked up in one batch (one snapshot) must show one such window, never the
     * removals of a delta without its additions */
    sltd_db_close(kiosk); /* a handle never crosses fork() */
    sltd_db_close(replica);
    child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        sltd_db *r = open_db("kiosk", 0, 1);
        time_t end = time(NULL) + 60;
        int bad = 0, rounds = 0;
        while (time(NULL) < end && !bad && (!atomic_load(done) || rounds == 0)) {
            sltd_query q[40];
            sltd_result res[40];
            char nums[40][16];
            unsigned i, gen = 99;
            for (i = 0; i < 40; i++) {
                tu_number(nums[i], 1, i * 125ul);
                q[i].state = "UTO";
                q[i].number = nums[i];
                q[i].type = NULL;
            }
            res[0].version = SLTD_RESULT_VERSION;
            if (sltd_db_lookup_batch(res, r, q, 40) != 0)
                _exit(3);
            /* the listed numbers must be exactly one window [g*500, g*500+1000) */
            for (i = 0; i < 40 && gen == 99; i++)
                if (res[i].listed)
                    gen = i * 125 / 500;
            for (i = 0; i < 40; i++)
                bad |= res[i].listed != (gen != 99 && i * 125ul >= gen * 500ul && i * 125ul < gen * 500ul + 1000);
            rounds++;
        }
        sltd_db_close(r);
        _exit(bad ? 1 : rounds > 0 ? 0 : 4);
    }
    replica = open_db("replica", 0, 0);
    kiosk = open_db("kiosk", 0, 0);
    for (g = 1; g <= 6; g++) {
        gen_feed(feed, g);
        ck_assert_int_eq(sltd_publish(&pr, replica, repo, feed, &po), 0);
        if (g % 2 == 0) {
            ck_assert_int_eq(sltd_sync(&sr, kiosk, repo, &so), 0);
            ck_assert_uint_eq(sr.deltas, 2);
        }
    }
    atomic_store(done, 1);
    ck_assert_int_eq(waitpid(child, &status, 0), child);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the reader saw a half-applied state, or failed "
                  "(status %d)", status);
    munmap(done, sizeof *done);
    ck_assert_int_eq(sltd_db_stats_get(&a, replica), 0);
    ck_assert_int_eq(sltd_db_stats_get(&b, kiosk), 0);
    ck_assert_uint_eq(a.sequence, b.sequence);
    ck_assert_mem_eq(a.checksum, b.checksum, 16);
    sltd_db_close(replica);
    sltd_db_close(kiosk);
}
END_TEST

/* A sync that finds the kiosk current commits only its sync state: the filter must cover that commit
 * too, or every handle opened after it reads LMDB for every lookup (bypass). */
START_TEST(sync_when_current_keeps_the_filter)
{
    sltd_publish_options po = SLTD_PUBLISH_OPTIONS_INIT;
    sltd_sync_options so = SLTD_SYNC_OPTIONS_INIT;
    sltd_publish_report pr = SLTD_PUBLISH_REPORT_INIT;
    sltd_sync_report sr = SLTD_SYNC_REPORT_INIT;
    sltd_stats st = SLTD_STATS_INIT;
    char repo[4096], feed[4096];
    const char *roots[1];
    sltd_db *replica, *kiosk;
    int round;

    P(repo, "repo");
    P(feed, "feed.csv");
    replica = open_db("replica", 1, 0);
    kiosk = open_db("kiosk", 1, 0);
    fleet_options(&po, &so, roots);
    gen_feed(feed, 0);
    ck_assert_int_eq(sltd_publish(&pr, replica, repo, feed, &po), 0);
    for (round = 0; round < 3; round++) {
        ck_assert_int_eq(sltd_sync(&sr, kiosk, repo, &so), 0);
        ck_assert_int_eq(sr.updated, round == 0);
        sltd_db_close(kiosk);
        kiosk = open_db("kiosk", 0, 1); /* read-only: it cannot rebuild a filter left behind */
        ck_assert_int_eq(sltd_db_stats_get(&st, kiosk), 0);
        ck_assert_msg(st.filter_state == SLTD_FILTER_OK, "after sync %d the filter is bypassed", round + 1);
        sltd_db_close(kiosk);
        kiosk = open_db("kiosk", 0, 0);
    }
    sltd_db_close(replica);
    sltd_db_close(kiosk);
}
END_TEST

/* The path of a bundle file (*.sltd) in REPO/bundles whose name is not among the n in `old`: 1, or 0
 * when there is none. */
static int new_bundle(char out[4096], const char *repo, char old[][256], size_t n)
{
    char dir[4096];
    struct dirent *de;
    DIR *dd;
    size_t i, len;

    tu_path(dir, sizeof dir, repo, "bundles");
    ck_assert_ptr_nonnull(dd = opendir(dir));
    out[0] = '\0';
    while (out[0] == '\0' && (de = readdir(dd)) != NULL) {
        for (i = 0; i < n && strcmp(old[i], de->d_name) != 0; i++)
            ;
        len = strlen(de->d_name);
        if (i == n && len > 5 && strcmp(de->d_name + len - 5, ".sltd") == 0)
            tu_path(out, 4096, dir, de->d_name);
    }
    closedir(dd);
    return out[0] != '\0';
}

typedef struct overtake {
    sltd_db *db;
    const char *bundle;
    const char *signer;
    int applied;
} overtake;

/* The sync's event callback: once its path is planned, another writer applies the same delta first. */
static void apply_first(void *ctx, const sltd_sync_event *e)
{
    overtake *o = ctx;
    const char *signers[1] = { o->signer };

    if (e->kind == SLTD_SYNC_EVENT_PLAN && !o->applied)
        o->applied = sltd_bundle_apply(NULL, o->db, o->bundle, signers, 1, 0) == 0;
}

/* A sync overtaken by a local `sltd apply` of the delta it was about to apply: the database holds the
 * index's state, so the sync is done (recorded), not refused as a replay. */
START_TEST(sync_overtaken_by_an_apply)
{
    sltd_publish_options po = SLTD_PUBLISH_OPTIONS_INIT;
    sltd_sync_options so = SLTD_SYNC_OPTIONS_INIT;
    sltd_publish_report pr = SLTD_PUBLISH_REPORT_INIT;
    sltd_sync_report sr = SLTD_SYNC_REPORT_INIT;
    sltd_sync_state ss = SLTD_SYNC_STATE_INIT;
    sltd_stats st = SLTD_STATS_INIT;
    char repo[4096], feed[4096], delta2[4096], names[8][256], dir[4096];
    const char *roots[1];
    overtake ot = { NULL, delta2, s1_pub, 0 };
    struct dirent *de;
    sltd_db *replica;
    size_t n = 0;
    DIR *dd;

    P(repo, "repo");
    P(feed, "feed.csv");
    replica = open_db("replica", 1, 0);
    ot.db = open_db("kiosk", 1, 0);
    fleet_options(&po, &so, roots);
    gen_feed(feed, 0);
    ck_assert_int_eq(sltd_publish(&pr, replica, repo, feed, &po), 0);
    ck_assert_int_eq(sltd_sync(&sr, ot.db, repo, &so), 0);
    tu_path(dir, sizeof dir, repo, "bundles");
    ck_assert_ptr_nonnull(dd = opendir(dir));
    while ((de = readdir(dd)) != NULL && n < 8)
        snprintf(names[n++], sizeof names[0], "%s", de->d_name);
    closedir(dd);
    gen_feed(feed, 1);
    ck_assert_int_eq(sltd_publish(&pr, replica, repo, feed, &po), 0);
    ck_assert(new_bundle(delta2, repo, names, n)); /* the delta to sequence 2 */
    so.event_fn = apply_first;
    so.event_ctx = &ot;
    ck_assert_msg(sltd_sync(&sr, ot.db, repo, &so) == 0, "%s", sltd_error_detail());
    ck_assert_int_eq(ot.applied, 1);
    ck_assert_int_eq(sltd_db_stats_get(&st, ot.db), 0);
    ck_assert_uint_eq(st.sequence, 2);
    ck_assert_int_eq(sltd_sync_state_get(&ss, ot.db), 0);
    ck_assert_uint_eq(ss.index_sequence, 2);
    sltd_db_close(ot.db);
    sltd_db_close(replica);
}
END_TEST

/* A kiosk changed locally (an import) after a sync: the deltas that follow never give the state they
 * promise; the sync replaces the data with the authority's (a full bundle and the deltas after it)
 * instead of failing on every delta for ever. */
START_TEST(sync_replaces_a_locally_changed_kiosk)
{
    sltd_publish_options po = SLTD_PUBLISH_OPTIONS_INIT;
    sltd_sync_options so = SLTD_SYNC_OPTIONS_INIT;
    sltd_publish_report pr = SLTD_PUBLISH_REPORT_INIT;
    sltd_sync_report sr = SLTD_SYNC_REPORT_INIT;
    sltd_import_report ir = SLTD_IMPORT_REPORT_INIT;
    sltd_stats st = SLTD_STATS_INIT;
    sltd_result r = SLTD_RESULT_INIT;
    char repo[4096], feed[4096], local[4096], num[16];
    const char *roots[1];
    sltd_db *replica, *kiosk;
    FILE *f;

    P(repo, "repo");
    P(feed, "feed.csv");
    P(local, "local.csv");
    replica = open_db("replica", 1, 0);
    kiosk = open_db("kiosk", 1, 0);
    fleet_options(&po, &so, roots);
    gen_feed(feed, 0);
    ck_assert_int_eq(sltd_publish(&pr, replica, repo, feed, &po), 0);
    ck_assert_int_eq(sltd_sync(&sr, kiosk, repo, &so), 0);
    ck_assert_ptr_nonnull(f = fopen(local, "w"));
    fputs("state,number,status\nUTO,LOCAL01,stolen\n", f);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_int_eq(sltd_db_import_feed(&ir, kiosk, local, 0), 0);
    gen_feed(feed, 1);
    ck_assert_int_eq(sltd_publish(&pr, replica, repo, feed, &po), 0);
    ck_assert_msg(sltd_sync(&sr, kiosk, repo, &so) == 0, "%s", sltd_error_detail());
    ck_assert_msg(sr.fulls == 1 && sr.to_sequence == 2, "%u fulls, to %llu", sr.fulls,
                  (unsigned long long)sr.to_sequence);
    ck_assert_int_eq(sltd_db_stats_get(&st, kiosk), 0);
    ck_assert_mem_eq(st.checksum, pr.checksum, 16); /* exactly the authority's state */
    ck_assert_int_eq(sltd_db_lookup(&r, kiosk, "UTO", "LOCAL01", NULL), 0);
    ck_assert_int_eq(r.listed, 0);
    tu_number(num, 1, 1400); /* added by sequence 2 */
    ck_assert_int_eq(sltd_db_lookup(&r, kiosk, "UTO", num, NULL), 0);
    ck_assert_int_eq(r.listed, 1);
    sltd_db_close(kiosk);
    sltd_db_close(replica);
}
END_TEST

/* Bundles past their own expiry stay on the index's paths (publish keeps fulls and deltas for weeks):
 * named by their hash in a verified, unexpired index, they are the way to the state it publishes, and
 * that state is fresh until the index expires. Applied on their own, they are still refused. */
START_TEST(sync_through_expired_bundles)
{
    sltd_publish_options po = SLTD_PUBLISH_OPTIONS_INIT;
    sltd_sync_options so = SLTD_SYNC_OPTIONS_INIT;
    sltd_publish_report pr = SLTD_PUBLISH_REPORT_INIT;
    sltd_sync_report sr = SLTD_SYNC_REPORT_INIT;
    sltd_stats st = SLTD_STATS_INIT;
    sltd_result r = SLTD_RESULT_INIT;
    char repo[4096], feed[4096], num[16], old1[4096];
    const char *roots[1], *signers[1] = { s1_pub };
    sltd_db *replica, *kiosk;

    P(repo, "repo");
    P(feed, "feed.csv");
    replica = open_db("replica", 1, 0);
    kiosk = open_db("kiosk", 1, 0);
    fleet_options(&po, &so, roots);
    po.valid_days = 0; /* sequence 1: its full bundle (and delta) expired at once */
    gen_feed(feed, 0);
    ck_assert_int_eq(sltd_publish(&pr, replica, repo, feed, &po), 0);
    ck_assert_int_eq(sltd_sync(&sr, kiosk, repo, &so), SLTD_EEXPIRED); /* (its index too) */
    ck_assert(new_bundle(old1, repo, NULL, 0)); /* one of sequence 1's bundles, expired */
    po.valid_days = 7;
    gen_feed(feed, 1);
    ck_assert_int_eq(sltd_publish(&pr, replica, repo, feed, &po), 0);
    ck_assert_uint_eq(pr.full_sequence, 1); /* the expired full stays listed */
    ck_assert_int_eq(sltd_sync(&sr, kiosk, repo, &so), 0);
    ck_assert_msg(sr.fulls == 1 && sr.deltas == 1 && sr.to_sequence == 2, "%u fulls, %u deltas, to %llu", sr.fulls,
                  sr.deltas, (unsigned long long)sr.to_sequence);
    ck_assert_int_eq(sltd_db_stats_get(&st, kiosk), 0);
    ck_assert_uint_eq(st.sequence, 2);
    ck_assert_int_ge(st.expires, (int64_t)time(NULL) + 6 * 86400); /* fresh until the index expires */
    tu_number(num, 1, 1400); /* added by sequence 2 */
    ck_assert_int_eq(sltd_db_lookup(&r, kiosk, "UTO", num, NULL), 0);
    ck_assert_int_eq(r.listed, 1);
    tu_number(num, 1, 10); /* removed by sequence 2 */
    ck_assert_int_eq(sltd_db_lookup(&r, kiosk, "UTO", num, NULL), 0);
    ck_assert_int_eq(r.listed, 0);
    sltd_db_close(kiosk);
    /* an expired bundle applied on its own: refused */
    kiosk = open_db("kiosk2", 1, 0);
    ck_assert_int_eq(sltd_bundle_apply(NULL, kiosk, old1, signers, 1, 0), SLTD_EEXPIRED);
    sltd_db_close(kiosk);
    sltd_db_close(replica);
}
END_TEST

/* A local source's failures name the file: an empty medium (the detail was once formatted into
 * itself, and came out empty); a FIFO where a file is expected (an index on removable media, a
 * bundle) is refused at once, never waited on (a sync would hold its lock forever). */
START_TEST(local_source_errors)
{
    sltd_sync_options so = SLTD_SYNC_OPTIONS_INIT;
    sltd_publish_options po = SLTD_PUBLISH_OPTIONS_INIT;
    sltd_sync_report sr = SLTD_SYNC_REPORT_INIT;
    char media[4096], fifo[4096];
    const char *roots[1], *signers[1] = { s1_pub };
    sltd_db *kiosk = open_db("kiosk", 1, 0);

    fleet_options(&po, &so, roots);
    P(media, "media");
    ck_assert_int_eq(mkdir(media, 0700), 0);
    ck_assert_int_eq(sltd_sync(&sr, kiosk, media, &so), SLTD_ENETWORK);
    ck_assert_msg(strstr(sltd_error_detail(), "media/index.sltd: index.sltd not found") != NULL, "%s",
                  sltd_error_detail());
    ck_assert_int_eq(sltd__err(SLTD_EIO, "%s, and more", sltd_error_detail()), SLTD_EIO); /* into itself */
    ck_assert_ptr_nonnull(strstr(sltd_error_detail(), "index.sltd not found, and more"));
    tu_path(fifo, sizeof fifo, media, "index.sltd");
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    ck_assert_int_eq(sltd_sync(&sr, kiosk, media, &so), SLTD_EFORMAT);
    ck_assert_ptr_nonnull(strstr(sltd_error_detail(), "not a regular file"));
    ck_assert_int_eq(sltd_bundle_apply(NULL, kiosk, fifo, signers, 1, 0), SLTD_EFORMAT);
    sltd_db_close(kiosk);
}
END_TEST

/* ---- the fuzzer's corpus ---- */

START_TEST(corpus_replay)
{
    const char *dir = getenv("SLTD_INDEX_CORPUS");
    struct dirent *d;
    DIR *dd;
    int files = 0;

    ck_assert_ptr_nonnull(dir);
    ck_assert_ptr_nonnull(dd = opendir(dir));
    while ((d = readdir(dd)) != NULL) {
        char p[4096];
        size_t len;
        uint8_t *buf;
        sltd__index ix;
        if (d->d_name[0] == '.')
            continue;
        tu_path(p, sizeof p, dir, d->d_name);
        ck_assert_ptr_nonnull(buf = (uint8_t *)tu_load(p, &len));
        if (sltd__index_parse(&ix, buf, len, "corpus") == SLTD_OK)
            ck_assert_uint_ge(ix.n, 1);
        sltd__index_free(&ix);
        free(buf);
        files++;
    }
    closedir(dd);
    ck_assert_int_ge(files, 3);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("index");
    TCase *tc = tcase_create("index");

    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, round_trip);
    tcase_add_test(tc, every_bit_flipped_refused);
    tcase_add_test(tc, truncated_and_extended_refused);
    tcase_add_test(tc, wrong_root_unknown_revoked_or_expired_signer);
    tcase_add_test(tc, keylist_bits_flipped_refused);
    tcase_add_test(tc, signed_but_malformed);
    tcase_add_test(tc, judge_rules);
    tcase_add_test(tc, cheapest_path);
    tcase_add_test(tc, library_publish_sync_reader_never_sees_half);
    tcase_add_test(tc, sync_when_current_keeps_the_filter);
    tcase_add_test(tc, sync_through_expired_bundles);
    tcase_add_test(tc, local_source_errors);
    tcase_add_test(tc, sync_overtaken_by_an_apply);
    tcase_add_test(tc, sync_replaces_a_locally_changed_kiosk);
    tcase_add_test(tc, corpus_replay);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
