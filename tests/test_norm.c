/* SPDX-License-Identifier: Apache-2.0 */
/* test_norm.c — the one normalisation: a table of valid and invalid inputs. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "norm.h"
#include "testutil.h"

static const struct {
    const char *in;
    int rc;
    const char *out;
} states[] = {
    { "UTO", 0, "UTO" },     { "uto", 0, "UTO" },     { " Uto ", 0, "UTO" },  { "D", 0, "D" },
    { "D<<", 0, "D" },       { "d<<", 0, "D" },       { "D<", 0, "D" },       { "XXA", 0, "XXA" },
    { "XXB", 0, "XXB" },     { "XXC", 0, "XXC" },     { "XXX", 0, "XXX" },    { "EUE", 0, "EUE" },
    { "UNO", 0, "UNO" },     { "UNA", 0, "UNA" },     { "UNK", 0, "UNK" },    { "XPO", 0, "XPO" },
    { "RKS", 0, "RKS" },     { "GBR", 0, "GBR" },     { "gbd", 0, "GBD" },    { "FRA", 0, "FRA" },
    { "", SLTD_ESTATE, 0 },  { "<<<", SLTD_ESTATE, 0 }, { "ZZZ", SLTD_ESTATE, 0 }, { "DE", SLTD_ESTATE, 0 },
    { "DEU", SLTD_ESTATE, 0 }, /* ICAO writes Germany "D": a feed saying DEU must be fixed, not hashed apart */     { "UTOO", SLTD_ESTATE, 0 }, { "U<O", SLTD_ESTATE, 0 }, { "<UTO", SLTD_ESTATE, 0 },
    { "UT0", SLTD_ESTATE, 0 }, { "U-TO", SLTD_ESTATE, 0 }, { "A", SLTD_ESTATE, 0 }, { "\xc3\x9c", SLTD_ESTATE, 0 },
};

static const struct {
    const char *in;
    int rc;
    const char *out;
} numbers[] = {
    { "L898902C3", 0, "L898902C3" },
    { "l898902c3", 0, "L898902C3" },
    { "L89 890 2C3", 0, "L898902C3" },
    { "L89-890/2C3", 0, "L898902C3" },
    { "D23145890<<", 0, "D23145890" },
    { "1", 0, "1" },
    { "ABCDEFGHIJKLMNOPQRSTUV", 0, "ABCDEFGHIJKLMNOPQRSTUV" },   /* 22: the longest */
    { "ABCDEFGHIJKLMNOPQRSTUVW", SLTD_ENUMBER, 0 },              /* 23 */
    { "", SLTD_ENUMBER, 0 },
    { " - / <", SLTD_ENUMBER, 0 },
    { "AB.12", SLTD_ENUMBER, 0 },
    { "AB_12", SLTD_ENUMBER, 0 },
    { "AB\t12", SLTD_ENUMBER, 0 },
    { "\xc3\x96" "123", SLTD_ENUMBER, 0 },
};

static const struct {
    const char *in;
    int rc;
    const char *out;
} types[] = {
    { "P", 0, "P" }, { "p", 0, "P" }, { "P<", 0, "P" }, { "PP", 0, "PP" }, { "ID", 0, "ID" }, { "", 0, "" },
    { "I<", 0, "I" }, { "P1", SLTD_ETYPE, 0 }, { "PPP", SLTD_ETYPE, 0 }, { "<P", SLTD_ETYPE, 0 },
};

START_TEST(state_table)
{
    char out[SLTD_STATE_MAX + 1];
    int rc = sltd__norm_state(out, states[_i].in, strlen(states[_i].in));

    ck_assert_msg(rc == states[_i].rc, "state \"%s\": rc %d, want %d", states[_i].in, rc, states[_i].rc);
    if (rc == 0)
        ck_assert_str_eq(out, states[_i].out);
    /* the public twin agrees */
    ck_assert_int_eq(sltd_state_normalize(out, states[_i].in), states[_i].rc);
}
END_TEST

START_TEST(number_table)
{
    char out[SLTD_NUMBER_MAX + 1];
    size_t len = 99;
    int rc = sltd__norm_number(out, &len, numbers[_i].in, strlen(numbers[_i].in));

    ck_assert_msg(rc == numbers[_i].rc, "number \"%s\": rc %d, want %d", numbers[_i].in, rc, numbers[_i].rc);
    if (rc == 0) {
        ck_assert_str_eq(out, numbers[_i].out);
        ck_assert_uint_eq(len, strlen(numbers[_i].out));
    }
    ck_assert_int_eq(sltd_number_normalize(out, numbers[_i].in), numbers[_i].rc);
}
END_TEST

START_TEST(type_table)
{
    char out[SLTD_TYPE_MAX + 1];
    int rc = sltd__norm_type(out, types[_i].in, strlen(types[_i].in));

    ck_assert_msg(rc == types[_i].rc, "type \"%s\": rc %d, want %d", types[_i].in, rc, types[_i].rc);
    if (rc == 0)
        ck_assert_str_eq(out, types[_i].out);
}
END_TEST

START_TEST(type_families)
{
    ck_assert_int_eq(sltd__norm_type_family("P"), 'P');
    ck_assert_int_eq(sltd__norm_type_family("PP"), 'P');
    ck_assert_int_eq(sltd__norm_type_family("ID"), 'I');
    ck_assert_int_eq(sltd__norm_type_family("A"), 'I');
    ck_assert_int_eq(sltd__norm_type_family("C"), 'I');
    ck_assert_int_eq(sltd__norm_type_family("V"), 'V');
    ck_assert_int_eq(sltd__norm_type_family(""), 0);
}
END_TEST

/* The public type normaliser: the rule sltd_db_lookup applies to its filter, with the reason. */
START_TEST(type_normalize)
{
    static const struct {
        const char *in, *out;
        int rc;
    } cases[] = { { "P", "P", 0 },           { "id", "ID", 0 },          { " pp< ", "PP", 0 },
                  { "", "", 0 },             { "<<", "", 0 },            { "PPP", NULL, SLTD_ETYPE },
                  { "P1", NULL, SLTD_ETYPE }, { "P<P", NULL, SLTD_ETYPE }, { "\xc3\x89", NULL, SLTD_ETYPE } };
    char out[SLTD_TYPE_MAX + 1];
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ck_assert_msg(sltd_type_normalize(out, cases[i].in) == cases[i].rc, "case %zu", i);
        if (cases[i].rc == 0)
            ck_assert_str_eq(out, cases[i].out);
        else
            ck_assert_ptr_nonnull(strstr(sltd_error_detail(), "type "));
    }
    ck_assert_int_eq(sltd_type_normalize(out, NULL), SLTD_EINVAL);
    ck_assert_int_eq(sltd_type_normalize(NULL, "P"), SLTD_EINVAL);
}
END_TEST

START_TEST(length_is_respected)
{
    char out[SLTD_NUMBER_MAX + 1];
    size_t len;

    /* Fields from a CSV are not NUL-terminated: only `len` bytes are read. */
    ck_assert_int_eq(sltd__norm_number(out, &len, "AB12,XYZ", 4), 0);
    ck_assert_str_eq(out, "AB12");
    ck_assert_int_eq(sltd__norm_state(out, "UTO,", 3), 0);
    ck_assert_int_eq(sltd_state_normalize(NULL, "UTO"), SLTD_EINVAL);
    ck_assert_int_eq(sltd_number_normalize(out, NULL), SLTD_EINVAL);
}
END_TEST

/* The number normaliser against a plain restatement of the rule, on random bytes (every byte value,
 * NULs included), both as a counted field and as a C string. The 200,000 inputs are compared without
 * a Check assertion each (a passing assertion writes a mark to Check's pipe: 800,000 system calls,
 * which took this test past its timeout when eight suites shared two cores); the first difference
 * fails it, with the input. */
static int reference_number(char *out, const unsigned char *in, size_t len)
{
    size_t n = 0, i;

    for (i = 0; i < len && in[i] != 0; i++) {
        unsigned char c = in[i];
        if (c == ' ' || c == '-' || c == '/' || c == '<')
            continue;
        if (c >= 'a' && c <= 'z')
            c = (unsigned char)(c - 'a' + 'A');
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) || n == SLTD_NUMBER_MAX)
            return SLTD_ENUMBER;
        out[n++] = (char)c;
    }
    out[n] = '\0';
    return n == 0 ? SLTD_ENUMBER : 0;
}

START_TEST(number_matches_rule)
{
    static const char alphabet[] = "aZ09 -/<\0\t,.";
    unsigned char in[40];
    char want[64], got[SLTD_NUMBER_MAX + 1];
    uint64_t rs = 1;
    size_t len, glen, i;
    unsigned k;
    int rc;

    for (k = 0; k < 200000; k++) {
        int bad;
        len = tu_rand(&rs) % sizeof in;
        for (i = 0; i < len; i++) /* mostly plausible characters, sometimes any byte */
            in[i] = k % 3 ? (unsigned char)alphabet[tu_rand(&rs) % (sizeof alphabet - 1)] : (unsigned char)tu_rand(&rs);
        rc = reference_number(want, in, len);
        bad = sltd__norm_number(got, &glen, (const char *)in, len) != rc ||
              (rc == 0 && (strcmp(got, want) != 0 || glen != strlen(want)));
        in[len] = 0; /* the same as a C string */
        bad |= sltd__norm_number(got, NULL, (const char *)in, SIZE_MAX) != rc || (rc == 0 && strcmp(got, want) != 0);
        if (bad) {
            char hex[2 * sizeof in + 1];
            for (i = 0; i < len; i++)
                snprintf(hex + 2 * i, 3, "%02x", in[i]);
            hex[2 * len] = '\0';
            ck_abort_msg("input %u (bytes %s): the normaliser disagrees with the rule (want rc %d, \"%s\")", k, hex,
                         rc, rc == 0 ? want : "");
        }
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("norm");
    TCase *tc;

    tc = tu_tcase(s, "tables", 60, NULL, NULL);
    tcase_add_loop_test(tc, state_table, 0, (int)(sizeof states / sizeof states[0]));
    tcase_add_loop_test(tc, number_table, 0, (int)(sizeof numbers / sizeof numbers[0]));
    tcase_add_loop_test(tc, type_table, 0, (int)(sizeof types / sizeof types[0]));
    tcase_add_test(tc, type_families);
    tcase_add_test(tc, type_normalize);
    tcase_add_test(tc, length_is_respected);
    tcase_add_test(tc, number_matches_rule);
    return tu_run(s);
}
