/* SPDX-License-Identifier: Apache-2.0 */
/* test_mrzlookup.c — black box: sltd_db_lookup_mrz() on a real LMDB database, through sltd.h only.
 *
 * MRZs are built here with check digits computed by this file's own implementation of ICAO 9303's
 * 7-3-1 rule, then damaged on purpose. Tcases: kinds (TD1, TD2, TD3, MRV, D<<, long numbers, type
 * family), fail closed (check digits, unparseable text, bad arguments), OCR variants (check-digit
 * repair, on request, long-number continuation, the bound, a property test).
 *
 * Tests open alike (build an MRZ, alter one character, look it up) and register alike (Check's API):
 * the shapes repeat on purpose, each with its own data and assertions. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sltd.h"
#include "testutil.h"

static char *tmp;
static char dbdir[4096], feed[4096];
static sltd_db *db;

/* ------------------------------------------------------------------ MRZ construction */

static char cd(const char *s, size_t n)
{
    return tu_mrz_check_digit(s, n);
}

/* Copy s into dst[0..n), padding with '<'. */
static void put(char *dst, const char *s, size_t n)
{
    size_t k = strlen(s);

    ck_assert_uint_le(k, n);
    memcpy(dst, s, k);
    memset(dst + k, '<', n - k);
}

/* Number field of 9 + check digit at f (10 chars); for a long number (> 9) the continuation, its
 * check digit and a '<' go to opt (optn chars), as ICAO 9303 Parts 5 and 6 say. */
static void put_number(char *f, char *opt, size_t optn, const char *num)
{
    size_t n = strlen(num);

    if (n <= 9) {
        put(f, num, 9);
        f[9] = cd(f, 9);
        if (opt != NULL)
            memset(opt, '<', optn);
        return;
    }
    ck_assert_ptr_nonnull(opt);
    ck_assert_uint_le(n - 9 + 1, optn);
    memcpy(f, num, 9);
    f[9] = '<';
    memset(opt, '<', optn);
    memcpy(opt, num + 9, n - 9);
    opt[n - 9] = cd(num, n);
}

/* TD3 (or MRV-A when code starts with V): 2 x 44. */
static void mk_td3(char out[128], const char *code, const char *state, const char *num)
{
    char a[45], b[45];

    put(a, code, 2);
    put(a + 2, state, 3);
    put(a + 5, "SPECIMEN<<ANNA", 39);
    put_number(b, NULL, 0, num);
    memcpy(b + 10, "UTO7408122F1204159", 18);
    put(b + 28, "ZE184226B", 14);
    if (code[0] == 'V') {
        put(b + 28, "", 16);
    } else {
        b[42] = cd(b + 28, 14);
        b[43] = tu_mrz_composite(b, 44);
    }
    a[44] = b[44] = '\0';
    snprintf(out, 128, "%s\n%s\n", a, b);
}

/* TD2 (or MRV-B when code starts with V): 2 x 36. */
static void mk_td2(char out[128], const char *code, const char *state, const char *num)
{
    char a[37], b[37];

    put(a, code, 2);
    put(a + 2, state, 3);
    put(a + 5, "ERIKSSON<<ANNA<MARIA", 31);
    put_number(b, code[0] == 'V' ? NULL : b + 28, 7, num);
    memcpy(b + 10, "UTO7408122F1204159", 18);
    if (code[0] == 'V') {
        put(b + 28, "", 8);
    } else {
        b[35] = tu_mrz_composite(b, 36);
    }
    a[36] = b[36] = '\0';
    snprintf(out, 128, "%s\n%s\n", a, b);
}

/* TD1: 3 x 30. */
static void mk_td1(char out[128], const char *code, const char *state, const char *num)
{
    char a[31], b[31], c[31], comp[64];

    put(a, code, 2);
    put(a + 2, state, 3);
    put_number(a + 5, a + 15, 15, num);
    memcpy(b, "7408122F1204159UTO", 18);
    put(b + 18, "", 11);
    memcpy(comp, a + 5, 25);
    memcpy(comp + 25, b, 7);
    memcpy(comp + 32, b + 8, 7);
    memcpy(comp + 39, b + 18, 11);
    b[29] = cd(comp, 50);
    put(c, "ERIKSSON<<ANNA<MARIA", 30);
    a[30] = b[30] = c[30] = '\0';
    snprintf(out, 128, "%s\n%s\n%s\n", a, b, c);
}

/* The composite check digit of a TD1 built by mk_td1 (its fields as they are now). */
static char td1_composite(const char *mrz)
{
    const char *a = mrz, *b = strchr(mrz, '\n') + 1;
    char comp[64];

    memcpy(comp, a + 5, 25);
    memcpy(comp + 25, b, 7);
    memcpy(comp + 32, b + 8, 7);
    memcpy(comp + 39, b + 18, 11);
    return cd(comp, 50);
}

/* Character (line, 1-based position) of an MRZ built above. */
static char *at(char *mrz, int line, int pos)
{
    char *p = mrz;

    while (--line > 0) {
        p = strchr(p, '\n');
        ck_assert_ptr_nonnull(p);
        p++;
    }
    return p + pos - 1;
}

/* ------------------------------------------------------------------ fixture */

static const char feed_text[] =
    "state,number,type,status,reference\n"
    "UTO,L898902C3,P,stolen,REF-TD3\n"
    "UTO,D23145890,I,lost,REF-TD2\n"
    "UTO,SP1234567,ID,stolen,REF-TD1\n"
    "D,T22000129,ID,lost,REF-DE\n"
    "UTO,ABC123456789Z,I,stolen,REF-LONG1\n"   /* TD1 long number */
    "UTO,XY12345678A,I,revoked,REF-LONG2\n"    /* TD2 long number */
    "UTO,UT1234567890S,I,stolen,REF-LONG3\n"   /* OCR confusion in a TD1 continuation */
    "UTO,X1234G678,P,stolen,REF-6G\n"          /* 6/G: invisible to the check digits */
    "UTO,VIS123456,V,invalid,REF-VISA\n"
    "UTO,CARDONLY1,I,stolen,REF-FAMILY\n"
    "UTO,Q00000000,V,stolen,REF-BOUND\n"
    "BEL,000590240601,ID,stolen,REF-BEL\n";    /* a Belgian card with the filler-included check digit */

static void setup(void)
{
    sltd_options o = SLTD_OPTIONS_INIT;
    sltd_import_report r = SLTD_IMPORT_REPORT_INIT;
    int rc;

    tmp = tu_mkdtemp("mrzlookup");
    ck_assert_ptr_nonnull(tmp);
    tu_path(dbdir, sizeof dbdir, tmp, "db");
    tu_path(feed, sizeof feed, tmp, "feed.csv");
    ck_assert_int_eq(tu_write(feed, feed_text), 0);
    o.flags = SLTD_OPEN_CREATE;
    rc = sltd_db_open(&db, dbdir, &o);
    ck_assert_msg(rc == 0, "open: %s (%s)", sltd_error_text(rc), sltd_error_detail());
    rc = sltd_db_import_feed(&r, db, feed, 0);
    ck_assert_msg(rc == 0, "import: %s (%s)", sltd_error_text(rc), sltd_error_detail());
    ck_assert_uint_eq(r.added, 12);
}

static void teardown(void)
{
    sltd_db_close(db);
    db = NULL;
    tu_rmtree(tmp);
    free(tmp);
}

/* The verdict an MRZ answer must carry, written here independently of the library. */
static int verdict_for(int rc, const sltd_mrz_answer *a)
{
    switch (rc) {
    case 0:
        return a->result.listed ? SLTD_VERDICT_LISTED : a->variant_match ? SLTD_VERDICT_VARIANT : SLTD_VERDICT_CLEAR;
    case SLTD_ECHECKDIGIT:
        return SLTD_VERDICT_UNREADABLE;
    case SLTD_EMRZ:
    case SLTD_ESTATE:
    case SLTD_ENUMBER:
    case SLTD_ETYPE:
        return SLTD_VERDICT_INVALID;
    default:
        return SLTD_VERDICT_ERROR;
    }
}

/* Every MRZ lookup of this suite goes through here: whatever the case, the answer carries its
 * verdict (the same in result.verdict), and it is clear only for a checked, valid, unlisted document. */
static int lookup(sltd_mrz_answer *a, const char *mrz, unsigned flags)
{
    int rc;

    memset(a, 0, sizeof *a);
    a->version = SLTD_MRZ_ANSWER_VERSION;
    rc = sltd_db_lookup_mrz(a, db, mrz, strlen(mrz), flags);
    ck_assert_msg(a->verdict == verdict_for(rc, a), "rc %d: verdict %s", rc, sltd_verdict_name(a->verdict));
    ck_assert_int_eq(a->result.verdict, a->verdict);
    if (a->verdict == SLTD_VERDICT_CLEAR) {
        ck_assert_int_eq(rc, 0);
        ck_assert_int_eq(a->result.error, 0);
        ck_assert_int_eq(a->variant_match, 0);
        ck_assert_int_eq(sltd_mrz_validate(&a->mrz), 1);
    }
    return rc;
}

/* sltd_db_lookup_mrz_ex, which must answer as sltd_db_lookup_mrz does. */
static int lookup_ev(sltd_mrz_answer *a, sltd_mrz_evidence *e, const char *mrz, unsigned flags)
{
    sltd_mrz_answer plain = SLTD_MRZ_ANSWER_INIT;
    int rc = sltd_db_lookup_mrz_ex(a, e, db, mrz, strlen(mrz), flags);

    ck_assert_int_eq(e->version, SLTD_MRZ_EVIDENCE_VERSION);
    ck_assert_int_eq(lookup(&plain, mrz, flags), rc);
    ck_assert_int_eq(plain.result.listed, a->result.listed);
    ck_assert_int_eq(plain.variant_match, a->variant_match);
    ck_assert_int_eq(plain.verdict, a->verdict);
    ck_assert_int_eq(a->verdict, verdict_for(rc, a));
    return rc;
}

/* Read number checked and listed (or not), no variant match. */
static void expect_read(const char *mrz, unsigned flags, int listed, const char *number, const char *ref)
{
    sltd_mrz_answer a = SLTD_MRZ_ANSWER_INIT;
    int rc = lookup(&a, mrz, flags);

    ck_assert_msg(rc == 0, "%s: %s", mrz, sltd_error_text(rc));
    ck_assert_uint_eq(a.version, SLTD_MRZ_ANSWER_VERSION);
    ck_assert_int_eq(a.result.error, 0);
    ck_assert_int_eq(a.result.listed, listed);
    ck_assert_str_eq(a.mrz.number, number);
    ck_assert_int_eq(a.mrz.number_check.status, SLTD_MRZ_CHECK_OK);
    ck_assert_int_eq(a.variant_match, 0);
    if (listed) {
        ck_assert_uint_ge(a.result.nrecords, 1);
        ck_assert_str_eq(a.result.records[0].reference, ref);
    }
}

/* ------------------------------------------------------------------ kinds */

START_TEST(test_td3)
{
    char m[128];

    mk_td3(m, "P", "UTO", "L898902C3");
    ck_assert_str_eq(m, "P<UTOSPECIMEN<<ANNA<<<<<<<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10\n");
    expect_read(m, 0, 1, "L898902C3", "REF-TD3");
    expect_read(m, SLTD_MRZ_OCR_VARIANTS, 1, "L898902C3", "REF-TD3");
    mk_td3(m, "P", "UTO", "L898902C4");
    expect_read(m, 0, 0, "L898902C4", NULL);
    mk_td3(m, "P", "XXA", "L898902C3"); /* another issuing state: another document */
    expect_read(m, 0, 0, "L898902C3", NULL);
}
END_TEST

START_TEST(test_td2_td1_mrv)
{
    char m[128];

    mk_td2(m, "I", "UTO", "D23145890");
    ck_assert_str_eq(m, "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD231458907UTO7408122F1204159<<<<<<<6\n");
    expect_read(m, 0, 1, "D23145890", "REF-TD2");
    mk_td2(m, "I", "UTO", "D23145891");
    expect_read(m, 0, 0, "D23145891", NULL);
    mk_td1(m, "ID", "UTO", "SP1234567");
    expect_read(m, 0, 1, "SP1234567", "REF-TD1");
    mk_td1(m, "ID", "UTO", "SP1234568");
    expect_read(m, 0, 0, "SP1234568", NULL);
    mk_td3(m, "V", "UTO", "VIS123456"); /* MRV-A */
    expect_read(m, 0, 1, "VIS123456", "REF-VISA");
    mk_td2(m, "V", "UTO", "VIS123456"); /* MRV-B */
    expect_read(m, SLTD_MRZ_OCR_VARIANTS, 1, "VIS123456", "REF-VISA");
}
END_TEST

START_TEST(test_d_filler_state)
{
    char m[128];
    sltd_mrz_answer a = SLTD_MRZ_ANSWER_INIT;

    mk_td1(m, "ID", "D", "T22000129");
    ck_assert_int_eq(strncmp(m, "IDD<<T22000129", 14), 0);
    expect_read(m, 0, 1, "T22000129", "REF-DE");
    ck_assert_int_eq(lookup(&a, m, 0), 0);
    ck_assert_str_eq(a.mrz.issuing_state, "D");
}
END_TEST

START_TEST(test_long_numbers)
{
    char m[128];
    sltd_mrz_answer a = SLTD_MRZ_ANSWER_INIT;

    mk_td1(m, "I", "UTO", "ABC123456789Z");
    ck_assert_int_eq(strncmp(m, "I<UTOABC123456<789Z", 19), 0);
    expect_read(m, 0, 1, "ABC123456789Z", "REF-LONG1");
    ck_assert_int_eq(lookup(&a, m, 0), 0);
    ck_assert_int_eq(a.mrz.long_number, 1);
    mk_td2(m, "I", "UTO", "XY12345678A");
    expect_read(m, SLTD_MRZ_OCR_VARIANTS, 1, "XY12345678A", "REF-LONG2");
    mk_td1(m, "I", "UTO", "ABC123456789Y");
    expect_read(m, 0, 0, "ABC123456789Y", NULL);
    /* the principal part alone is another document */
    mk_td1(m, "I", "UTO", "ABC123456");
    expect_read(m, 0, 0, "ABC123456", NULL);
}
END_TEST

START_TEST(test_type_family)
{
    char m[128];

    mk_td1(m, "ID", "UTO", "CARDONLY1"); /* listed as type I */
    expect_read(m, 0, 1, "CARDONLY1", "REF-FAMILY");
    mk_td1(m, "AC", "UTO", "CARDONLY1"); /* A is in the I/A/C family */
    expect_read(m, 0, 1, "CARDONLY1", "REF-FAMILY");
    mk_td3(m, "P", "UTO", "CARDONLY1"); /* a passport with that number is another document */
    expect_read(m, 0, 0, "CARDONLY1", NULL);
}
END_TEST

/* ------------------------------------------------------------------ fail closed */

START_TEST(test_number_check_digit_wrong)
{
    char m[128];
    sltd_mrz_answer a = SLTD_MRZ_ANSWER_INIT;

    mk_td3(m, "P", "UTO", "L898902C3");
    *at(m, 2, 10) = '7'; /* printed number check digit */
    ck_assert_int_eq(lookup(&a, m, 0), SLTD_ECHECKDIGIT);
    ck_assert_int_eq(a.result.error, SLTD_ECHECKDIGIT);
    ck_assert_int_eq(a.mrz.number_check.status, SLTD_MRZ_CHECK_BAD);
    ck_assert_int_eq(a.mrz.number_check.expected, '6');
    ck_assert_str_eq(a.mrz.number, "L898902C3");
    ck_assert_int_eq(a.variant_match, 0);
    /* with variants: nothing listed satisfies both check digits -> still an error, not "not listed" */
    ck_assert_int_eq(lookup(&a, m, SLTD_MRZ_OCR_VARIANTS), SLTD_ECHECKDIGIT);
    ck_assert_int_eq(a.variant_match, 0);
    ck_assert_int_eq(a.result.error, SLTD_ECHECKDIGIT);

    /* TD2, TD1: same; and a '<' where the TD3 check digit belongs */
    mk_td2(m, "I", "UTO", "D23145890");
    *at(m, 2, 10) = '0';
    ck_assert_int_eq(lookup(&a, m, 0), SLTD_ECHECKDIGIT);
    mk_td1(m, "ID", "UTO", "SP1234567");
    *at(m, 1, 15) = *at(m, 1, 15) == '9' ? '0' : (char)(*at(m, 1, 15) + 1);
    ck_assert_int_eq(lookup(&a, m, 0), SLTD_ECHECKDIGIT);
    mk_td3(m, "P", "UTO", "L898902C3");
    *at(m, 2, 10) = '<';
    ck_assert_int_eq(lookup(&a, m, 0), SLTD_ECHECKDIGIT);
    ck_assert_int_eq(lookup(&a, m, SLTD_MRZ_OCR_VARIANTS), SLTD_ECHECKDIGIT);
    ck_assert_uint_eq(a.nvariants_tried, 0);
}
END_TEST

START_TEST(test_composite_only)
{
    char m[128];
    sltd_mrz_answer a = SLTD_MRZ_ANSWER_INIT;
    char *c;

    mk_td3(m, "P", "UTO", "L898902C3"); /* listed: the read number must still not be reported */
    c = at(m, 2, 44);
    *c = *c == '9' ? '0' : (char)(*c + 1);
    ck_assert_int_eq(lookup(&a, m, 0), SLTD_ECHECKDIGIT);
    ck_assert_int_eq(a.mrz.number_check.status, SLTD_MRZ_CHECK_OK);
    ck_assert_int_eq(a.mrz.composite_check.status, SLTD_MRZ_CHECK_BAD);
    ck_assert_int_eq(a.result.listed, 0);
    ck_assert_int_eq(a.result.error, SLTD_ECHECKDIGIT);
    ck_assert_int_eq(lookup(&a, m, SLTD_MRZ_OCR_VARIANTS), SLTD_ECHECKDIGIT);
    ck_assert_int_eq(a.variant_match, 0);

    mk_td1(m, "ID", "UTO", "SP1234567");
    c = at(m, 2, 30);
    *c = *c == '9' ? '0' : (char)(*c + 1);
    ck_assert_int_eq(lookup(&a, m, 0), SLTD_ECHECKDIGIT);
    mk_td2(m, "I", "UTO", "D23145890");
    c = at(m, 2, 36);
    *c = *c == '9' ? '0' : (char)(*c + 1);
    ck_assert_int_eq(lookup(&a, m, SLTD_MRZ_OCR_VARIANTS), SLTD_ECHECKDIGIT);
}
END_TEST

/* Birth and expiry check digits do not protect the key: reported, not blocking. */
START_TEST(test_birth_expiry_reported_not_blocking)
{
    char m[128];
    sltd_mrz_answer a = SLTD_MRZ_ANSWER_INIT;

    mk_td3(m, "V", "UTO", "VIS123456"); /* MRV-A: no composite */
    *at(m, 2, 20) = '0';                /* birth check digit (printed 2) */
    *at(m, 2, 28) = '0';                /* expiry check digit (printed 9) */
    ck_assert_int_eq(lookup(&a, m, 0), 0);
    ck_assert_int_eq(a.result.listed, 1);
    ck_assert_int_eq(a.mrz.birth_check.status, SLTD_MRZ_CHECK_BAD);
    ck_assert_int_eq(a.mrz.expiry_check.status, SLTD_MRZ_CHECK_BAD);
    ck_assert_int_eq(sltd_mrz_validate(&a.mrz), 0);
}
END_TEST

/* The same wrong check digits on a document that is not listed: invalid (SLTD_EMRZ), never clear,
 * though its number was looked up; in every format, the composite made right again where there is
 * one (else the composite would fail first: SLTD_ECHECKDIGIT). */
START_TEST(test_birth_expiry_unlisted_invalid)
{
    static const struct {
        char kind;    /* '3' TD3/MRV-A, '2' TD2/MRV-B, '1' TD1 */
        const char *code;
        int line, pos; /* the check digit made wrong */
    } cases[] = {
        { '3', "V", 2, 20 }, { '3', "V", 2, 28 }, { '2', "V", 2, 20 }, { '2', "V", 2, 28 },
        { '3', "P", 2, 20 }, { '3', "P", 2, 28 }, { '3', "P", 2, 43 }, { '2', "I", 2, 28 }, { '1', "I", 2, 7 },
    };
    sltd_mrz_evidence e = SLTD_MRZ_EVIDENCE_INIT;
    sltd_mrz_answer a = SLTD_MRZ_ANSWER_INIT;
    char m[128], *d;
    size_t i;
    unsigned flags;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (cases[i].kind == '3')
            mk_td3(m, cases[i].code, "UTO", "Q12345678");
        else if (cases[i].kind == '2')
            mk_td2(m, cases[i].code, "UTO", "Q12345678");
        else
            mk_td1(m, cases[i].code, "UTO", "Q12345678");
        d = at(m, cases[i].line, cases[i].pos);
        *d = *d == '0' ? '1' : '0';
        if (cases[i].kind == '3' && cases[i].code[0] != 'V')
            *at(m, 2, 44) = tu_mrz_composite(at(m, 2, 1), 44);
        else if (cases[i].kind == '2' && cases[i].code[0] != 'V')
            *at(m, 2, 36) = tu_mrz_composite(at(m, 2, 1), 36);
        else if (cases[i].kind == '1')
            *at(m, 2, 30) = td1_composite(m);
        for (flags = 0; flags <= SLTD_MRZ_OCR_VARIANTS; flags += SLTD_MRZ_OCR_VARIANTS) {
            int rc = lookup_ev(&a, &e, m, flags);
            ck_assert_msg(rc == SLTD_EMRZ, "case %zu flags %u: %s", i, flags, sltd_error_text(rc));
            ck_assert_int_eq(a.result.listed, 0);
            ck_assert_int_eq(a.result.error, SLTD_EMRZ);
            ck_assert_int_eq(a.verdict, SLTD_VERDICT_INVALID);
            ck_assert_int_eq(e.number_checked, 1);
            ck_assert_int_eq(sltd_mrz_validate(&a.mrz), 0);
        }
    }
}
END_TEST

START_TEST(test_unparseable)
{
    static const char *bad[] = {
        "P<UTOSPECIMEN\nL898902C36UTO\n",                                                     /* lengths */
        "P<UTOSPECIMEN<<ANNA<<<<<<<<<<<<<<<<<<<<<<<<<\n",                                     /* one line */
        "",                                                                                   /* empty */
        "p<utospecimen<<anna<<<<<<<<<<<<<<<<<<<<<<<<<\nl898902c36uto7408122f1204159ze184226b<<<<<10\n",
        "P<QQQSPECIMEN<<ANNA<<<<<<<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10\n",
        "P<UTOSPECIMEN<<ANNA<<<<<<<<<<<<<<<<<<<<<<<<<\n<<<<<<<<<0UTO7408122F1204159ZE184226B<<<<<10\n",
    };
    static const int code[] = { SLTD_EMRZ, SLTD_EMRZ, SLTD_EMRZ, SLTD_EMRZ, SLTD_ESTATE, SLTD_ENUMBER };
    sltd_mrz_answer a = SLTD_MRZ_ANSWER_INIT;
    size_t i;

    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = lookup(&a, bad[i], 0);
        ck_assert_msg(rc == code[i], "case %zu: %s", i, sltd_error_text(rc));
        ck_assert_int_eq(a.result.error, code[i]);
        ck_assert_int_eq(a.result.listed, 0);
        ck_assert_ptr_nonnull(a.mrz.error_msg);
        ck_assert_int_eq(lookup(&a, bad[i], SLTD_MRZ_OCR_VARIANTS), code[i]);
        ck_assert_int_eq(a.variant_match, 0);
    }
}
END_TEST

START_TEST(test_bad_arguments)
{
    char m[128];
    sltd_mrz_answer a = SLTD_MRZ_ANSWER_INIT;

    mk_td3(m, "P", "UTO", "L898902C3");
    ck_assert_int_eq(sltd_db_lookup_mrz(NULL, db, m, strlen(m), 0), SLTD_EINVAL);
    ck_assert_int_eq(sltd_db_lookup_mrz(&a, NULL, m, strlen(m), 0), SLTD_EINVAL);
    ck_assert_int_eq(a.result.error, SLTD_EINVAL);
    ck_assert_int_eq(a.verdict, SLTD_VERDICT_ERROR);
    ck_assert_int_eq(sltd_db_lookup_mrz(&a, db, NULL, 10, 0), SLTD_EINVAL);
    ck_assert_int_eq(a.verdict, SLTD_VERDICT_ERROR);
    ck_assert_int_eq(sltd_db_lookup_mrz(&a, db, m, strlen(m), 1u << 7), SLTD_EINVAL);
    ck_assert_int_eq(a.verdict, SLTD_VERDICT_ERROR);
    /* not NUL-terminated: only len bytes are read */
    ck_assert_int_eq(sltd_db_lookup_mrz(&a, db, m, strlen(m) - 1, 0), 0);
    ck_assert_int_eq(a.result.listed, 1);
}
END_TEST

/* ------------------------------------------------------------------ invalid documents */

/* A TD3 of the given number whose date of birth is given as printed (check digits computed). */
static void mk_td3_birth(char out[128], const char *num, const char *birth)
{
    char *b;

    mk_td3(out, "P", "UTO", num);
    b = at(out, 2, 14);
    memcpy(b, birth, 6);
    b[6] = cd(b, 6);
    b = at(out, 2, 1);
    b[43] = tu_mrz_composite(b, 44);
}

/* A field that breaks ICAO 9303 in a document whose number is protected: listed is listed, not
 * listed is "invalid document" (the parse's code), never 0 with listed 0. */
START_TEST(test_invalid_document)
{
    static const unsigned modes[] = { 0, SLTD_MRZ_OCR_VARIANTS, SLTD_MRZ_STRICT };
    char m[128];
    sltd_mrz_answer a = SLTD_MRZ_ANSWER_INIT;
    sltd_mrz_evidence e = SLTD_MRZ_EVIDENCE_INIT;
    size_t i;

    for (i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        mk_td3_birth(m, "L898902C3", "880941"); /* day 41; listed number */
        ck_assert_int_eq(lookup_ev(&a, &e, m, modes[i]), 0);
        ck_assert_int_eq(a.result.error, 0);
        ck_assert_int_eq(a.result.listed, 1);
        ck_assert_str_eq(a.result.records[0].reference, "REF-TD3");
        ck_assert_int_eq(e.number_checked, 1);
        ck_assert_int_eq(e.error, SLTD_EMRZ); /* and the evidence says the document is invalid */
        ck_assert_int_eq(e.problems[0].field, SLTD_MRZ_FIELD_BIRTH);
        ck_assert_int_eq(sltd_mrz_validate(&a.mrz), 0);

        mk_td3_birth(m, "L898902C4", "880941"); /* not listed */
        ck_assert_int_eq(lookup_ev(&a, &e, m, modes[i]), SLTD_EMRZ);
        ck_assert_int_eq(a.result.error, SLTD_EMRZ);
        ck_assert_int_eq(a.result.listed, 0);
        ck_assert_int_eq(e.number_checked, 1);
        ck_assert_int_eq(a.variant_match, 0);

        mk_td3_birth(m, "L898902C4", "880941"); /* ... and its number check digit wrong too */
        *at(m, 2, 10) = *at(m, 2, 10) == '9' ? '0' : (char)(*at(m, 2, 10) + 1);
        ck_assert_int_eq(lookup_ev(&a, &e, m, modes[i]), SLTD_EMRZ);
        ck_assert_int_ne(a.result.error, 0);
        ck_assert_int_eq(e.number_checked, 0);
    }

    /* digits in the name, a wrong document code: the same */
    mk_td3(m, "P", "UTO", "L898902C3");
    *at(m, 1, 8) = '5';
    ck_assert_int_eq(lookup_ev(&a, &e, m, 0), 0);
    ck_assert_int_eq(a.result.listed, 1);
    ck_assert_int_eq(e.problems[0].field, SLTD_MRZ_FIELD_NAME);
    mk_td3(m, "I", "UTO", "L898902C4"); /* 2 x 44 with code I: not a passport */
    ck_assert_int_eq(lookup_ev(&a, &e, m, 0), SLTD_EMRZ);
    ck_assert_int_eq(e.number_checked, 1);
    ck_assert_int_eq(e.problems[0].field, SLTD_MRZ_FIELD_DOC_CODE);
    /* a wrong document code is no type filter: the number listed as a passport (P) is still found */
    mk_td3(m, "I", "UTO", "L898902C3");
    ck_assert_int_eq(lookup_ev(&a, &e, m, 0), 0);
    ck_assert_int_eq(a.result.listed, 1);
    ck_assert_str_eq(a.result.records[0].reference, "REF-TD3");
    ck_assert_int_eq(lookup_ev(&a, &e, m, SLTD_MRZ_OCR_VARIANTS), 0);
    ck_assert_int_eq(a.result.listed, 1);
    {
        char *c = at(m, 1, 1);
        *c = '<'; /* unreadable code: the same */
        ck_assert_int_eq(lookup_ev(&a, &e, m, 0), 0);
        ck_assert_int_eq(a.result.listed, 1);
        ck_assert_str_eq(a.mrz.doc_code, "");
    }

    /* an unknown nationality: invalid document; an unknown issuing state: no key at all */
    mk_td3(m, "P", "UTO", "L898902C4");
    memcpy(at(m, 2, 11), "QQQ", 3); /* outside every check digit */
    ck_assert_int_eq(lookup_ev(&a, &e, m, 0), SLTD_ESTATE);
    ck_assert_int_eq(e.number_checked, 1);
    mk_td3(m, "P", "QQQ", "L898902C3");
    ck_assert_int_eq(lookup_ev(&a, &e, m, SLTD_MRZ_OCR_VARIANTS), SLTD_ESTATE);
    ck_assert_int_eq(e.number_checked, 0);
    ck_assert_int_eq(a.result.error, SLTD_ESTATE);
}
END_TEST

/* ------------------------------------------------------------------ national variants */

#define BEL_FILLER "IDBEL000590240<6013<<<<<<<<<<<\n8512017F1311048BEL851201002007\nREINARTZ<<ULRIKE<KATIA<E<<<<<<\n"

START_TEST(test_filler_variant)
{
    char m[128];
    sltd_mrz_answer a = SLTD_MRZ_ANSWER_INIT;
    sltd_mrz_evidence e = SLTD_MRZ_EVIDENCE_INIT;

    memcpy(m, BEL_FILLER, sizeof BEL_FILLER);
    ck_assert_int_eq(lookup_ev(&a, &e, m, 0), 0);
    ck_assert_int_eq(a.result.listed, 1);
    ck_assert_str_eq(a.result.records[0].reference, "REF-BEL");
    ck_assert_int_eq(e.number_rule, SLTD_MRZ_RULE_FILLER);
    ck_assert_str_eq(a.mrz.number, "000590240601");
    ck_assert_int_eq(lookup_ev(&a, &e, m, SLTD_MRZ_OCR_VARIANTS), 0);
    ck_assert_int_eq(a.result.listed, 1);
    ck_assert_int_eq(a.variant_match, 0);

    /* strict: ICAO only; the number is unreadable, never "not listed" */
    ck_assert_int_eq(lookup_ev(&a, &e, m, SLTD_MRZ_STRICT), SLTD_ECHECKDIGIT);
    ck_assert_int_eq(a.result.error, SLTD_ECHECKDIGIT);
    ck_assert_int_eq(e.number_rule, SLTD_MRZ_RULE_NONE);
    ck_assert_int_eq(lookup_ev(&a, &e, m, SLTD_MRZ_STRICT | SLTD_MRZ_OCR_VARIANTS), SLTD_ECHECKDIGIT);
    ck_assert_int_eq(a.variant_match, 0);

    /* an OCR confusion in the continuation (0 read as O): the variant search weighs the continuation
     * as the filler-included rule does, and finds the listed card */
    *at(m, 1, 17) = 'O';
    ck_assert_int_eq(lookup_ev(&a, &e, m, 0), SLTD_ECHECKDIGIT);
    ck_assert_int_eq(lookup_ev(&a, &e, m, SLTD_MRZ_OCR_VARIANTS), 0);
    ck_assert_int_eq(a.variant_match, 1);
    ck_assert_str_eq(a.variant_number, "000590240601");
    ck_assert_uint_eq(a.variant_pos[0], 11);
    ck_assert_str_eq(a.variant_result.records[0].reference, "REF-BEL");
    ck_assert_int_eq(lookup_ev(&a, &e, m, SLTD_MRZ_OCR_VARIANTS | SLTD_MRZ_STRICT), SLTD_ECHECKDIGIT);
    ck_assert_int_eq(a.variant_match, 0);
}
END_TEST

/* ------------------------------------------------------------------ OCR variants */

START_TEST(test_variant_repairs_check_digit)
{
    char m[128];
    sltd_mrz_answer a = SLTD_MRZ_ANSWER_INIT;

    mk_td3(m, "P", "UTO", "L898902C3");
    *at(m, 2, 6) = 'O'; /* L8989O2C3, check digits as printed for the real number */
    ck_assert_int_eq(lookup(&a, m, 0), SLTD_ECHECKDIGIT);
    ck_assert_str_eq(a.mrz.number, "L8989O2C3");
    ck_assert_int_eq(a.variant_match, 0);

    ck_assert_int_eq(lookup(&a, m, SLTD_MRZ_OCR_VARIANTS), 0);
    ck_assert_int_eq(a.variant_match, 1);
    ck_assert_str_eq(a.variant_number, "L898902C3");
    ck_assert_uint_eq(a.variant_nsubst, 1);
    ck_assert_uint_eq(a.variant_pos[0], 6);
    ck_assert_uint_eq(a.variant_pos[1], 0);
    ck_assert_int_eq(a.variant_result.listed, 1);
    ck_assert_str_eq(a.variant_result.records[0].reference, "REF-TD3");
    ck_assert_uint_eq(a.nvariants_listed, 1);
    ck_assert_uint_ge(a.nvariants_tried, 1);
    ck_assert_uint_le(a.nvariants_tried, SLTD_MRZ_VARIANTS_MAX);
    /* never silently the read number */
    ck_assert_int_eq(a.result.error, SLTD_ECHECKDIGIT);
    ck_assert_int_eq(a.result.listed, 0);
    ck_assert_str_eq(a.mrz.number, "L8989O2C3");
}
END_TEST

/* One OCR confusion in the number of a TD2 or TD1, in its first nine characters or in the
 * continuation a long number carries in the optional data: refused as read, repaired on request. */
static const struct {
    const char *what;
    void (*mk)(char out[128], const char *code, const char *state, const char *num);
    const char *code, *number; /* as printed (and listed) */
    int line, pos;             /* the character misread */
    char misread;
    const char *read;          /* the number as read */
    unsigned want_pos;         /* the 1-based position the variant substitutes */
} variant_cases[] = {
    { "TD2, D read as 0", mk_td2, "I", "D23145890", 2, 1, '0', "023145890", 1 },
    { "TD1, S read as 5", mk_td1, "ID", "SP1234567", 1, 6, '5', "5P1234567", 1 },
    /* upper line positions 16-19 continue a TD1 number */
    { "TD1 continuation, S read as 5", mk_td1, "I", "UT1234567890S", 1, 19, '5', "UT12345678905", 13 },
    /* lower line positions 29-30 continue a TD2 number */
    { "TD2 continuation, A read as 4", mk_td2, "I", "XY12345678A", 2, 30, '4', "XY123456784", 11 },
};

START_TEST(test_variant_in_number)
{
    const char *const what = variant_cases[_i].what;
    char m[128];
    sltd_mrz_answer a = SLTD_MRZ_ANSWER_INIT;

    variant_cases[_i].mk(m, variant_cases[_i].code, "UTO", variant_cases[_i].number);
    *at(m, variant_cases[_i].line, variant_cases[_i].pos) = variant_cases[_i].misread;
    ck_assert_msg(lookup(&a, m, 0) == SLTD_ECHECKDIGIT, "%s: accepted as read", what);
    ck_assert_msg(strcmp(a.mrz.number, variant_cases[_i].read) == 0, "%s: read %s", what, a.mrz.number);
    ck_assert_msg(lookup(&a, m, SLTD_MRZ_OCR_VARIANTS) == 0, "%s: not repaired", what);
    ck_assert_msg(a.variant_match == 1, "%s: no variant match", what);
    ck_assert_msg(strcmp(a.variant_number, variant_cases[_i].number) == 0, "%s: variant %s", what,
                  a.variant_number);
    ck_assert_msg(a.variant_pos[0] == variant_cases[_i].want_pos, "%s: substituted at %u", what,
                  (unsigned)a.variant_pos[0]);
}
END_TEST

/* 6 and G have the same check value modulo 10: the check digits cannot see the confusion. */
START_TEST(test_variant_on_request)
{
    char m[128];
    sltd_mrz_answer a = SLTD_MRZ_ANSWER_INIT;

    mk_td3(m, "P", "UTO", "X1234G678");
    *at(m, 2, 6) = '6'; /* read X12346678: every check digit still right */
    ck_assert_int_eq(lookup(&a, m, 0), 0);
    ck_assert_int_eq(sltd_mrz_validate(&a.mrz), 1);
    ck_assert_int_eq(a.result.listed, 0); /* the read number is not listed: a true answer */
    ck_assert_int_eq(a.variant_match, 0);

    ck_assert_int_eq(lookup(&a, m, SLTD_MRZ_OCR_VARIANTS), 0);
    ck_assert_int_eq(a.result.error, 0);
    ck_assert_int_eq(a.result.listed, 0);
    ck_assert_int_eq(a.variant_match, 1);
    ck_assert_str_eq(a.variant_number, "X1234G678");
    ck_assert_uint_eq(a.variant_pos[0], 6);
    ck_assert_str_eq(a.variant_result.records[0].reference, "REF-6G");

    /* no confusable character, checks right: nothing to try */
    mk_td3(m, "P", "UTO", "HKMNPRTUV");
    ck_assert_int_eq(lookup(&a, m, SLTD_MRZ_OCR_VARIANTS), 0);
    ck_assert_uint_eq(a.nvariants_tried, 0);
    ck_assert_int_eq(a.result.listed, 0);
}
END_TEST

/* Each verdict an MRZ lookup gives, with and without the OCR variants. */
START_TEST(test_verdicts)
{
    char m[128];
    sltd_mrz_answer a = SLTD_MRZ_ANSWER_INIT;
    const sltd_mrz_answer zero = SLTD_MRZ_ANSWER_INIT;

    ck_assert_int_eq(zero.verdict, SLTD_VERDICT_UNSET);
    mk_td3(m, "P", "UTO", "L898902C3");
    ck_assert_int_eq(lookup(&a, m, 0), 0);
    ck_assert_int_eq(a.verdict, SLTD_VERDICT_LISTED);
    ck_assert_int_eq(lookup(&a, m, SLTD_MRZ_OCR_VARIANTS), 0);
    ck_assert_int_eq(a.verdict, SLTD_VERDICT_LISTED);
    mk_td3(m, "P", "UTO", "L898902C4");
    ck_assert_int_eq(lookup(&a, m, 0), 0);
    ck_assert_int_eq(a.verdict, SLTD_VERDICT_CLEAR);
    /* the trap of the bare flags: read number checked and not listed, a variant listed */
    mk_td3(m, "P", "UTO", "X1234G678");
    *at(m, 2, 6) = '6';
    ck_assert_int_eq(lookup(&a, m, 0), 0);
    ck_assert_int_eq(a.verdict, SLTD_VERDICT_CLEAR); /* without variants: the read number is clear */
    ck_assert_int_eq(lookup(&a, m, SLTD_MRZ_OCR_VARIANTS), 0);
    ck_assert_int_eq(a.result.listed, 0);
    ck_assert_int_eq(a.verdict, SLTD_VERDICT_VARIANT);
    ck_assert_int_eq(a.result.verdict, SLTD_VERDICT_VARIANT);
    ck_assert_int_eq(a.variant_result.verdict, SLTD_VERDICT_LISTED);
    /* a misread number repaired by a variant: the read number is unreadable, the document a variant hit */
    mk_td3(m, "P", "UTO", "L898902C3");
    *at(m, 2, 6) = 'O';
    ck_assert_int_eq(lookup(&a, m, 0), SLTD_ECHECKDIGIT);
    ck_assert_int_eq(a.verdict, SLTD_VERDICT_UNREADABLE);
    ck_assert_int_eq(lookup(&a, m, SLTD_MRZ_OCR_VARIANTS), 0);
    ck_assert_int_eq(a.verdict, SLTD_VERDICT_VARIANT);
    /* unreadable with no variant listed */
    mk_td3(m, "P", "UTO", "L898902C3");
    *at(m, 2, 10) = '7';
    ck_assert_int_eq(lookup(&a, m, SLTD_MRZ_OCR_VARIANTS), SLTD_ECHECKDIGIT);
    ck_assert_int_eq(a.verdict, SLTD_VERDICT_UNREADABLE);
    /* invalid documents: the structure, the issuing state */
    ck_assert_int_eq(lookup(&a, "P<UTOSPECIMEN\nL898902C36UTO\n", 0), SLTD_EMRZ);
    ck_assert_int_eq(a.verdict, SLTD_VERDICT_INVALID);
    mk_td3(m, "P", "QQQ", "L898902C3");
    ck_assert_int_eq(lookup(&a, m, SLTD_MRZ_OCR_VARIANTS), SLTD_ESTATE);
    ck_assert_int_eq(a.verdict, SLTD_VERDICT_INVALID);
}
END_TEST

START_TEST(test_variant_bound)
{
    char m[128];
    sltd_mrz_answer a = SLTD_MRZ_ANSWER_INIT;

    /* MRV-B (no composite) of 000000000 with the check digit printed for Q00000000: every
     * position has four look-alikes, so far more than SLTD_MRZ_VARIANTS_MAX candidates pass. */
    mk_td2(m, "V", "UTO", "Q00000000");
    *at(m, 2, 1) = '0';
    ck_assert_int_eq(lookup(&a, m, 0), SLTD_ECHECKDIGIT);
    ck_assert_int_eq(lookup(&a, m, SLTD_MRZ_OCR_VARIANTS), 0);
    ck_assert_uint_eq(a.nvariants_tried, SLTD_MRZ_VARIANTS_MAX);
    ck_assert_int_eq(a.variants_truncated, 1);
    ck_assert_int_eq(a.variant_match, 1); /* single substitutions come first */
    ck_assert_str_eq(a.variant_number, "Q00000000");
    ck_assert_uint_eq(a.variant_pos[0], 1);

    /* a number nobody listed: the bound is reached and it is still an error */
    mk_td2(m, "V", "UTO", "D00000000");
    *at(m, 2, 1) = '0';
    ck_assert_int_eq(lookup(&a, m, SLTD_MRZ_OCR_VARIANTS), SLTD_ECHECKDIGIT);
    ck_assert_uint_eq(a.nvariants_tried, SLTD_MRZ_VARIANTS_MAX);
    ck_assert_int_eq(a.variants_truncated, 1);
    ck_assert_int_eq(a.variant_match, 0);
}
END_TEST

/* Property: a listed number misread by one confusion at any confusable position is found. */
START_TEST(test_variant_property)
{
    static const char from[] = "0OQDC1I2Z4A5S6G8B";
    static const char alpha[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    static const char *const sw[][2] = { { "0", "O" }, { "O", "0" }, { "Q", "0" }, { "D", "0" }, { "C", "0" },
                                         { "1", "I" }, { "I", "1" }, { "2", "Z" }, { "Z", "2" }, { "4", "A" },
                                         { "A", "4" }, { "5", "S" }, { "S", "5" }, { "6", "G" }, { "G", "6" },
                                         { "8", "B" }, { "B", "8" } };
    char numbers[200][10], path[4096], m[128], *text;
    size_t off = 0, cap = 200 * 32, i, k;
    uint64_t seed = 12345;
    sltd_import_report r = SLTD_IMPORT_REPORT_INIT;
    sltd_mrz_answer a = SLTD_MRZ_ANSWER_INIT;
    int found = 0;

    text = malloc(cap);
    ck_assert_ptr_nonnull(text);
    off += (size_t)snprintf(text, cap, "state,number,type\n");
    for (i = 0; i < 200; i++) {
        for (k = 0; k < 9; k++)
            numbers[i][k] = (tu_rand(&seed) % 2) ? from[tu_rand(&seed) % (sizeof from - 1)]
                                                  : alpha[tu_rand(&seed) % (sizeof alpha - 1)];
        numbers[i][9] = '\0';
        numbers[i][(size_t)(tu_rand(&seed) % 9)] = from[tu_rand(&seed) % (sizeof from - 1)];
        off += (size_t)snprintf(text + off, cap - off, "UTO,%s,P\n", numbers[i]);
    }
    tu_path(path, sizeof path, tmp, "prop.csv");
    ck_assert_int_eq(tu_write(path, text), 0);
    free(text);
    ck_assert_int_eq(sltd_db_import_feed(&r, db, path, 0), 0);

    for (i = 0; i < 200; i++) {
        for (k = 0; k < 9; k++) {
            size_t s;
            for (s = 0; s < sizeof sw / sizeof sw[0]; s++) {
                char *c;
                if (numbers[i][k] != sw[s][0][0])
                    continue;
                mk_td3(m, "P", "UTO", numbers[i]);
                c = at(m, 2, (int)k + 1);
                *c = sw[s][1][0];
                ck_assert_int_eq(lookup(&a, m, SLTD_MRZ_OCR_VARIANTS), 0);
                ck_assert_int_eq(a.variant_match, 1);
                ck_assert_uint_eq(a.variant_nsubst, 1);
                ck_assert_uint_eq(a.variant_pos[0], k + 1);
                ck_assert_str_eq(a.variant_number, numbers[i]);
                found++;
            }
        }
    }
    ck_assert_int_gt(found, 300);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("mrzlookup");
    TCase *tc;

    tc = tcase_create("kinds");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_td3);
    tcase_add_test(tc, test_td2_td1_mrv);
    tcase_add_test(tc, test_d_filler_state);
    tcase_add_test(tc, test_long_numbers);
    tcase_add_test(tc, test_type_family);
    suite_add_tcase(s, tc);

    tc = tcase_create("fail_closed");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_number_check_digit_wrong);
    tcase_add_test(tc, test_composite_only);
    tcase_add_test(tc, test_birth_expiry_reported_not_blocking);
    tcase_add_test(tc, test_birth_expiry_unlisted_invalid);
    tcase_add_test(tc, test_unparseable);
    tcase_add_test(tc, test_bad_arguments);
    tcase_add_test(tc, test_invalid_document);
    tcase_add_test(tc, test_filler_variant);
    suite_add_tcase(s, tc);

    tc = tcase_create("ocr_variants");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_variant_repairs_check_digit);
    tcase_add_loop_test(tc, test_variant_in_number, 0, (int)(sizeof variant_cases / sizeof variant_cases[0]));
    tcase_add_test(tc, test_variant_on_request);
    tcase_add_test(tc, test_verdicts);
    tcase_add_test(tc, test_variant_bound);
    tcase_add_test(tc, test_variant_property);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(suite());
}
