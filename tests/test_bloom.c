/* SPDX-License-Identifier: Apache-2.0 */
/* test_bloom.c — the blocked filter: no false negatives, the configured false-positive rate, and the
 * file's integrity checks. */
#include <check.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bloom.h"
#include "crypto.h"
#include "sltd.h"
#include "testutil.h"

static char *dir;
static char path[4096];

static void setup(void)
{
    ck_assert_int_eq(sltd__crypto_init(), 0);
    dir = tu_mkdtemp("bloom");
    ck_assert_ptr_nonnull(dir);
    tu_path(path, sizeof path, dir, "f");
}

static void teardown(void)
{
    tu_rmtree(dir);
    free(dir);
}

static void digest(uint8_t d[16], uint64_t *seed)
{
    uint64_t a = tu_rand(seed), b = tu_rand(seed);
    memcpy(d, &a, 8);
    memcpy(d + 8, &b, 8);
}

/* Fill a filter to capacity with random digests; every one must test positive, and random absent
 * digests must test positive at the configured rate (within 10 %). */
static void fpr_case(unsigned bpk, uint64_t capacity, uint64_t probes)
{
    sltd__bloom *b = NULL;
    uint64_t seed = 42 + bpk, i, fp = 0;
    uint8_t d[16];
    double target = sltd__bloom_fpr_target(bpk), measured, fill, est;

    ck_assert_int_eq(sltd__bloom_create(&b, path, capacity, bpk), 0);
    for (i = 0; i < capacity; i++) {
        digest(d, &seed);
        sltd__bloom_add_raw(b, d);
    }
    seed = 42 + bpk;
    for (i = 0; i < capacity; i++) {
        digest(d, &seed);
        ck_assert_msg(sltd__bloom_test(b, d), "false negative for key %llu", (unsigned long long)i);
    }
    /* absent keys come from another stream */
    seed = 0xabcdef0123ULL + bpk;
    for (i = 0; i < probes; i++) {
        digest(d, &seed);
        fp += (uint64_t)sltd__bloom_test(b, d);
    }
    measured = (double)fp / (double)probes;
    sltd__bloom_fill(b, &fill, &est);
    fprintf(stderr, "bloom %u bits/key, %llu keys, %llu probes: measured %.3e, configured %.3e, "
                    "estimated from fill %.3e, fill %.3f\n",
            bpk, (unsigned long long)capacity, (unsigned long long)probes, measured, target, est, fill);
    ck_assert_msg(fabs(measured - target) <= 0.10 * target, "measured %.4e vs configured %.4e", measured, target);
    ck_assert_msg(fabs(est - target) <= 0.10 * target, "estimate %.4e vs configured %.4e", est, target);
    sltd__bloom_close(b);
}

START_TEST(fpr_8_bits)
{
    fpr_case(8, 256 * 1024, 1000000); /* ~2.6 %: ~26,000 false positives expected */
}
END_TEST

START_TEST(fpr_12_bits)
{
    fpr_case(12, 256 * 1024, 2000000); /* ~0.42 % */
}
END_TEST

START_TEST(fpr_default_20_bits)
{
    fpr_case(20, 256 * 1024, 8000000); /* ~0.026 %: ~2,000 expected, sigma ~2 % */
}
END_TEST

START_TEST(persisted_and_verified)
{
    sltd__bloom *b = NULL, *r = NULL;
    uint64_t seed = 7, i;
    uint8_t d[16];

    ck_assert_int_eq(sltd__bloom_create(&b, path, 10000, 20), 0);
    for (i = 0; i < 5000; i++) {
        digest(d, &seed);
        sltd__bloom_add_raw(b, d);
    }
    ck_assert_int_eq(sltd__bloom_seal(b, 5), 0);
    /* incremental updates keep the checksum right */
    sltd__bloom_write_begin(b);
    ck_assert_int_eq(sltd__bloom_verify(b), SLTD_EBUSY); /* a writer is inside */
    for (i = 0; i < 5000; i++) {
        digest(d, &seed);
        sltd__bloom_add(b, d);
    }
    ck_assert_int_eq(sltd__bloom_write_end(b, 6), 0);
    sltd__bloom_close(b);

    ck_assert_int_eq(sltd__bloom_open(&r, path, 0), 0);
    ck_assert_int_eq(sltd__bloom_verify(r), 0);
    ck_assert_uint_eq(atomic_load(&r->hdr->covered_txnid), 6);
    ck_assert_uint_eq(atomic_load(&r->hdr->inserted), 10000);
    seed = 7;
    for (i = 0; i < 10000; i++) {
        digest(d, &seed);
        ck_assert(sltd__bloom_test(r, d));
    }
    sltd__bloom_close(r);
}
END_TEST

START_TEST(damage_detected)
{
    static const off_t offsets[] = { SLTD__BLOOM_HDR_SIZE, SLTD__BLOOM_HDR_SIZE + 777, SLTD__BLOOM_HDR_SIZE + 64 * 150 - 1 };
    sltd__bloom *b = NULL;
    uint64_t seed = 9, i;
    uint8_t d[16];
    size_t k;

    for (k = 0; k < sizeof offsets / sizeof offsets[0]; k++) {
        ck_assert_int_eq(sltd__bloom_create(&b, path, 4096, 20), 0);
        for (i = 0; i < 4096; i++) {
            digest(d, &seed);
            sltd__bloom_add_raw(b, d);
        }
        ck_assert_int_eq(sltd__bloom_seal(b, 1), 0);
        sltd__bloom_close(b);
        tu_flip_byte(path, (long)offsets[k], 0x10); /* one bit flipped in the bit array */
        ck_assert_int_eq(sltd__bloom_open(&b, path, 0), 0);
        ck_assert_int_eq(sltd__bloom_verify(b), SLTD_ECORRUPT);
        sltd__bloom_close(b);
    }
    /* header damage and truncation fail at open */
    tu_flip_byte(path, 20, 0x01); /* nblocks */
    ck_assert_int_eq(sltd__bloom_open(&b, path, 0), SLTD_ECORRUPT);
    tu_flip_byte(path, 20, 0x01);
    ck_assert_int_eq(truncate(path, SLTD__BLOOM_HDR_SIZE + 64 * 10), 0);
    ck_assert_int_eq(sltd__bloom_open(&b, path, 0), SLTD_ECORRUPT);
    ck_assert_int_eq(truncate(path, 100), 0);
    ck_assert_int_eq(sltd__bloom_open(&b, path, 0), SLTD_ECORRUPT);
    ck_assert_int_eq(sltd__bloom_open(&b, "/nonexistent/f", 0), SLTD_ENOENT);
}
END_TEST

/* The batch probe (AVX-512 and AVX2 where the CPU has them, and one at a time) answers exactly as the
 * single probe for 1..64 random digests, in a filter filled to three times its capacity at 8 bits/key,
 * so that "maybe" and "absent" both occur often. */
START_TEST(batch_probe_matches_single)
{
    static const int widths[] = { 8, 4, 1 };
    sltd__bloom *b = NULL;
    uint64_t seed = 99, want, got, i, maybes = 0;
    uint8_t d[64][16];
    size_t n, j, w, trial;

    ck_assert_int_eq(sltd__bloom_create(&b, path, SLTD__BLOOM_MIN_CAPACITY, 8), 0);
    for (i = 0; i < 3 * SLTD__BLOOM_MIN_CAPACITY; i++) {
        digest(d[0], &seed);
        sltd__bloom_add_raw(b, d[0]);
    }
    for (trial = 0; trial < 20000; trial++) {
        n = 1 + trial % 64;
        for (j = 0; j < n; j++)
            digest(d[j], &seed);
        for (want = 0, j = 0; j < n; j++)
            want |= (uint64_t)sltd__bloom_test(b, d[j]) << j;
        maybes += (uint64_t)__builtin_popcountll(want);
        for (w = 0; w < sizeof widths / sizeof widths[0]; w++) {
            got = sltd__bloom_test_many(b, (const uint8_t(*)[16])d, n, widths[w]);
            ck_assert_msg(got == want, "width %d, %zu digests: %llx, single probes %llx", widths[w], n,
                          (unsigned long long)got, (unsigned long long)want);
        }
    }
    ck_assert_msg(maybes > 10000, "too few positive answers to compare (%llu)", (unsigned long long)maybes);
    sltd__bloom_close(b);
}
END_TEST

START_TEST(target_formula)
{
    /* The configured rate is monotone in bits/key and matches the documented default (~0.026 %). */
    ck_assert(sltd__bloom_fpr_target(8) > sltd__bloom_fpr_target(12));
    ck_assert(sltd__bloom_fpr_target(12) > sltd__bloom_fpr_target(20));
    ck_assert(fabs(sltd__bloom_fpr_target(20) - 2.6e-4) < 0.2e-4);
}
END_TEST

int main(void)
{
    const TTest *const tests[] = {
        fpr_8_bits, fpr_12_bits, fpr_default_20_bits, persisted_and_verified, damage_detected,
        target_formula, batch_probe_matches_single
    };

    return tu_main("bloom", 120, setup, teardown, tests, TU_COUNT(tests));
}
