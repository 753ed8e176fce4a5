/* SPDX-License-Identifier: Apache-2.0 */
/* test_keys.c — key files and keyed digests. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checksum.h"
#include "crypto.h"
#include "keyfile.h"
#include "prf.h"
#include "testutil.h"

static char *dir;

static void setup(void)
{
    ck_assert_int_eq(sltd__crypto_init(), 0);
    dir = tu_mkdtemp("keys");
    ck_assert_ptr_nonnull(dir);
}

static void teardown(void)
{
    tu_rmtree(dir);
    free(dir);
}

static sltd__keys *make_key(const char *name)
{
    char p[4096];
    sltd__keys *k = NULL;

    tu_path(p, sizeof p, dir, name);
    ck_assert_int_eq(sltd__keyfile_create(p), 0);
    ck_assert_int_eq(sltd__keyfile_load(&k, p), 0);
    return k;
}

START_TEST(created_0600_and_not_overwritten)
{
    char p[4096];
    struct stat st;

    tu_path(p, sizeof p, dir, "k");
    ck_assert_int_eq(sltd__keyfile_create(p), 0);
    ck_assert_int_eq(stat(p, &st), 0);
    ck_assert_uint_eq(st.st_mode & 0777, 0600);
    ck_assert_int_eq(st.st_size, 32);
    ck_assert_int_eq(sltd__keyfile_create(p), SLTD_EEXIST);
}
END_TEST

START_TEST(deterministic_digests)
{
    char p[4096];
    uint8_t a[16], b[16], c[16];
    sltd__keys *k1 = make_key("k"), *k2 = NULL;

    tu_path(p, sizeof p, dir, "k");
    ck_assert_int_eq(sltd__keyfile_load(&k2, p), 0);
    sltd__prf_digest(a, k1, "UTO", 3, "L898902C3", 9);
    sltd__prf_digest(b, k2, "UTO", 3, "L898902C3", 9);
    ck_assert_mem_eq(a, b, 16);
    /* the state is part of the key, and the encoding is injective */
    sltd__prf_digest(c, k1, "UTA", 3, "L898902C3", 9);
    ck_assert_mem_ne(a, c, 16);
    sltd__prf_digest(a, k1, "D", 1, "UTO1", 4);
    sltd__prf_digest(b, k1, "DUT", 3, "O1", 2);
    ck_assert_mem_ne(a, b, 16);
    sltd__prf_key_free(k1);
    sltd__prf_key_free(k2);
}
END_TEST

START_TEST(two_keys_disjoint)
{
    sltd__keys *k1 = make_key("k1"), *k2 = make_key("k2");
    uint8_t a[16], b[16];
    char num[16];
    unsigned long i;

    /* The same 10,000 documents under two keys: no digest in common, none equal by position. */
    for (i = 0; i < 10000; i++) {
        tu_number(num, 1, i);
        sltd__prf_digest(a, k1, "UTO", 3, num, strlen(num));
        sltd__prf_digest(b, k2, "UTO", 3, num, strlen(num));
        ck_assert_mem_ne(a, b, 16);
    }
    sltd__prf_key_check(a, k1);
    sltd__prf_key_check(b, k2);
    ck_assert_mem_ne(a, b, 16);
    sltd__prf_key_free(k1);
    sltd__prf_key_free(k2);
}
END_TEST

START_TEST(refused_permissions)
{
    static const unsigned modes[] = { 0640, 0604, 0660, 0644, 0666, 0610, 0601 };
    char p[4096];
    sltd__keys *k = NULL;
    size_t i;

    tu_path(p, sizeof p, dir, "k");
    ck_assert_int_eq(sltd__keyfile_create(p), 0);
    for (i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        ck_assert_int_eq(chmod(p, modes[i]), 0);
        ck_assert_int_eq(sltd__keyfile_load(&k, p), SLTD_EKEYPERM);
        ck_assert_ptr_null(k);
    }
    ck_assert_int_eq(chmod(p, 0400), 0);
    ck_assert_int_eq(sltd__keyfile_load(&k, p), 0);
    sltd__prf_key_free(k);
}
END_TEST

START_TEST(refused_bad_files)
{
    char p[4096], l[4096];
    sltd__keys *k = NULL;
    int fd;

    tu_path(p, sizeof p, dir, "short");
    fd = open(p, O_WRONLY | O_CREAT, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "0123456789", 10), 10);
    close(fd);
    ck_assert_int_eq(sltd__keyfile_load(&k, p), SLTD_EKEY);
    tu_path(p, sizeof p, dir, "missing");
    ck_assert_int_eq(sltd__keyfile_load(&k, p), SLTD_ENOENT);
    ck_assert_int_eq(sltd__keyfile_load(&k, dir), SLTD_EKEY); /* a directory */
    tu_path(p, sizeof p, dir, "real");
    ck_assert_int_eq(sltd__keyfile_create(p), 0);
    tu_path(l, sizeof l, dir, "link");
    ck_assert_int_eq(symlink(p, l), 0);
    ck_assert_int_eq(sltd__keyfile_load(&k, l), SLTD_EKEY);
    ck_assert_ptr_null(k);
}
END_TEST

/* The inlined SipHash-2-4-128 is libsodium's crypto_shorthash_siphashx24, bit for bit. */
START_TEST(siphash_matches_libsodium)
{
    uint8_t key[16], in[64], a[16], b[16];
    uint64_t seed = 99, r;
    size_t len, i;
    int trial;

    for (trial = 0; trial < 200; trial++) {
        for (i = 0; i < 16; i += 8) {
            r = tu_rand(&seed);
            memcpy(key + i, &r, 8);
        }
        for (i = 0; i < sizeof in; i += 8) {
            r = tu_rand(&seed);
            memcpy(in + i, &r, 8);
        }
        for (len = 0; len <= sizeof in; len++) {
            sltd__prf_reference_check(a, b, key, in, len);
            ck_assert_msg(memcmp(a, b, 16) == 0, "SipHash differs from libsodium at length %zu", len);
        }
    }
}
END_TEST

/* The batch digests (eight AVX-512 lanes and two groups of four AVX2 lanes where the CPU has them, two interleaved in
 * portable C, and one at a time) equal libsodium's, for 1..16 random inputs of random lengths 0..31 (so
 * of different block counts) side by side: every vector path is bit-identical to the scalar one. */
START_TEST(siphash_lanes_match_libsodium)
{
    uint8_t key[16], buf[SLTD__LANES_CHECK_MAX][SLTD__DIGEST_INPUT], len[SLTD__LANES_CHECK_MAX];
    size_t n;
    uint64_t seed = 7, r;
    int trial, rc, ran = 0;
    size_t i, l;

    for (trial = 0; trial < 5000; trial++) {
        r = tu_rand(&seed);
        memcpy(key, &r, 8);
        r = tu_rand(&seed);
        memcpy(key + 8, &r, 8);
        n = 1 + (size_t)trial % SLTD__LANES_CHECK_MAX;
        for (l = 0; l < n; l++) {
            memset(buf[l], 0, sizeof buf[l]);
            len[l] = (uint8_t)(tu_rand(&seed) % SLTD__DIGEST_INPUT); /* 0..31: the zero padding covers the last word */
            for (i = 0; i < len[l]; i++)
                buf[l][i] = (uint8_t)tu_rand(&seed);
        }
        rc = sltd__prf_lanes_check(key, (const uint8_t(*)[SLTD__DIGEST_INPUT])buf, len, n);
        ck_assert_msg(rc >= 0, "batch SipHash differs from libsodium (%zu inputs, first lengths %u %u)", n,
                      (unsigned)len[0], n > 1 ? (unsigned)len[1] : 0u);
        ran |= rc;
    }
    ck_assert_msg(ran & 2, "the portable two-lane path never ran");
    fprintf(stderr, "siphash lanes checked: AVX-512 (8 lanes) %s, AVX2 (2 x 4 lanes) %s, portable (2) yes, 1 yes\n",
            ran & 8 ? "yes" : "no (not here)", ran & 4 ? "yes" : "no (not here)");
}
END_TEST

START_TEST(checksum_sum_is_order_free)
{
    uint8_t h[3][16], s1[16] = { 0 }, s2[16] = { 0 }, zero[16] = { 0 };

    sltd__checksum_xxh128(h[0], "a", 1, "b", 1);
    sltd__checksum_xxh128(h[1], "c", 1, "d", 1);
    sltd__checksum_xxh128(h[2], "ab", 2, "", 0);
    ck_assert_mem_eq(h[0], h[2], 16); /* hash of the concatenation */
    sltd__checksum_sum(s1, h[0], 1);
    sltd__checksum_sum(s1, h[1], 1);
    sltd__checksum_sum(s2, h[1], 1);
    sltd__checksum_sum(s2, h[0], 1);
    ck_assert_mem_eq(s1, s2, 16);
    sltd__checksum_sum(s1, h[0], -1);
    sltd__checksum_sum(s1, h[1], -1);
    ck_assert_mem_eq(s1, zero, 16);
}
END_TEST

int main(void)
{
    const TTest *const tests[] = {
        created_0600_and_not_overwritten, deterministic_digests, two_keys_disjoint, refused_permissions,
        refused_bad_files, siphash_matches_libsodium, siphash_lanes_match_libsodium,
        checksum_sum_is_order_free
    };

    return tu_main("keys", 60, setup, teardown, tests, TU_COUNT(tests));
}
