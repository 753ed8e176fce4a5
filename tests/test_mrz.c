/* SPDX-License-Identifier: Apache-2.0 */
/* test_mrz.c — Check suite for the ICAO Doc 9303 MRZ parser (lib/mrz.c).
 *
 * Tcases: check digit, specimens (ICAO Doc 9303 Parts 4-7 "Utopia" examples and constructed ones),
 * check digits wrong one at a time, structural errors with their line/position, line endings,
 * a property test (random valid MRZs of every kind parse back to the fields they were made from),
 * and a replay of the fuzzing corpus.
 *
 * Usage: test_mrz [CORPUS_DIR]    (or SLTD_MRZ_CORPUS=DIR; default: SLTD_MRZ_CORPUS_DIR if defined)
 * Environment: SLTD_MRZ_SEED=N to change the property test's seed, SLTD_MRZ_ROUNDS=N its rounds.
 *
 * The tcases register alike (Check's API, a test a line): the shape repeats on purpose. */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "mrz.h"
#include "norm.h"
#include "sltd.h"
#include "testutil.h"

static const char *corpus_dir;

/* ------------------------------------------------------------------ check digit */

static const struct {
    const char *s;
    int digit;
} cd_cases[] = {
    { "", 0 },
    { "<<<<<<<<<", 0 },
    { "L898902C3", 6 },
    { "740812", 2 },
    { "120415", 9 },
    { "ZE184226B<<<<<", 1 },
    { "D23145890", 7 },
    { "D23145890734", 9 },
    { "520727", 3 },
    { "L8988901C", 4 },
    { "A", 0 },  /* 10 * 7 = 70 */
    { "Z", 5 },  /* 35 * 7 = 245 */
    { "1", 7 },
    { "01", 3 },
    { "001", 1 },
    { "0001", 7 },
};

START_TEST(test_check_digit)
{
    ck_assert_int_eq(sltd__mrz_check_digit(cd_cases[_i].s, strlen(cd_cases[_i].s)), cd_cases[_i].digit);
}
END_TEST

START_TEST(test_check_digit_bad_chars)
{
    ck_assert_int_eq(sltd__mrz_check_digit("ab", 2), -1);
    ck_assert_int_eq(sltd__mrz_check_digit("A B", 3), -1);
    ck_assert_int_eq(sltd__mrz_check_digit(NULL, 1), -1);
    ck_assert_int_eq(sltd__mrz_check_digit(NULL, 0), 0);
    ck_assert_int_eq(sltd__mrz_char_value('<'), 0);
    ck_assert_int_eq(sltd__mrz_char_value('A'), 10);
    ck_assert_int_eq(sltd__mrz_char_value('Z'), 35);
    ck_assert_int_eq(sltd__mrz_char_value('9'), 9);
    ck_assert_int_eq(sltd__mrz_char_value('a'), -1);
}
END_TEST

/* ------------------------------------------------------------------ specimens */

typedef struct spec {
    const char *name;
    const char *text;
    int kind;
    const char *code, *state, *number, *nat, *birth;
    char sex;
    const char *expiry, *opt1, *opt2, *primary, *secondary;
    /* printed check characters; 0 = ABSENT */
    char c_num, c_birth, c_exp, c_opt, c_comp;
    int long_number, truncated;
} spec;

static const spec specs[] = {
    { "ICAO Part 4 TD3",
      "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10\n",
      SLTD_MRZ_TD3, "P", "UTO", "L898902C3", "UTO", "740812", 'F', "120415", "ZE184226B", "", "ERIKSSON",
      "ANNA MARIA", '6', '2', '9', '1', '0', 0, 0 },
    { "ICAO Part 5 TD1",
      "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<\n",
      SLTD_MRZ_TD1, "I", "UTO", "D23145890", "UTO", "740812", 'F', "120415", "", "", "ERIKSSON", "ANNA MARIA",
      '7', '2', '9', 0, '6', 0, 0 },
    { "ICAO Part 5 TD1 long document number",
      "I<UTOD23145890<7349<<<<<<<<<<<\n3407127M9507122UTO<<<<<<<<<<<2\nSTEVENSON<<PETER<JOHN<<<<<<<<<\n",
      SLTD_MRZ_TD1, "I", "UTO", "D23145890734", "UTO", "340712", 'M', "950712", "", "", "STEVENSON",
      "PETER JOHN", '9', '7', '2', 0, '2', 1, 0 },
    { "ICAO Part 6 TD2",
      "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD231458907UTO7408122F1204159<<<<<<<6\n", SLTD_MRZ_TD2, "I", "UTO",
      "D23145890", "UTO", "740812", 'F', "120415", "", "", "ERIKSSON", "ANNA MARIA", '7', '2', '9', 0, '6', 0,
      0 },
    { "ICAO Part 7 MRV-A",
      "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL8988901C4XXX4009078F96121096ZE184226B<<<<<<\n",
      SLTD_MRZ_MRVA, "V", "UTO", "L8988901C", "XXX", "400907", 'F', "961210", "6ZE184226B", "", "ERIKSSON",
      "ANNA MARIA", '4', '8', '9', 0, 0, 0, 0 },
    { "ICAO Part 7 MRV-B",
      "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nL8988901C4XXX4009078F9612109<<<<<<<<\n", SLTD_MRZ_MRVB, "V", "UTO",
      "L8988901C", "XXX", "400907", 'F', "961210", "", "", "ERIKSSON", "ANNA MARIA", '4', '8', '9', 0, 0, 0, 0 },
    { "TD1 long number, optional data after it, two-letter code",
      "IDUTO123456789<07<ABC<<<<<<<<<\n8601012M3001019UTO<<<<<<<<<<<1\nSPECIMEN<<JANE<<<<<<<<<<<<<<<<\n",
      SLTD_MRZ_TD1, "ID", "UTO", "1234567890", "UTO", "860101", 'M', "300101", "ABC", "", "SPECIMEN", "JANE",
      '7', '2', '9', 0, '1', 1, 0 },
    { "TD1 longest number (22)",
      "I<UTOABCDEFGHI<JKLMNOPQRSTUV5<\n8501019F3001019UTO<<<<<<<<<<<8\nDOE<<JANE<<<<<<<<<<<<<<<<<<<<<\n",
      SLTD_MRZ_TD1, "I", "UTO", "ABCDEFGHIJKLMNOPQRSTUV", "UTO", "850101", 'F', "300101", "", "", "DOE",
      "JANE", '5', '9', '9', 0, '8', 1, 0 },
    { "TD2 long number, Germany D<<",
      "I<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<\nAB1234567<D<<6908061F251231489011<<0\n", SLTD_MRZ_TD2, "I", "D",
      "AB12345678901", "D", "690806", 'F', "251231", "", "", "MUSTERMANN", "ERIKA", '1', '1', '4', 0, '0', 1,
      0 },
    { "TD3 Germany, personal number empty with '<' check",
      "P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<\nC01X00T478D<<6408125F2710316<<<<<<<<<<<<<<<4\n",
      SLTD_MRZ_TD3, "P", "D", "C01X00T47", "D", "640812", 'F', "271031", "", "", "MUSTERMANN", "ERIKA", '8',
      '5', '6', '<', '4', 0, 0 },
    { "TD3 personal number empty with '0' check, two-letter code",
      "PPUTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159<<<<<<<<<<<<<<08\n",
      SLTD_MRZ_TD3, "PP", "UTO", "L898902C3", "UTO", "740812", 'F', "120415", "", "", "ERIKSSON", "ANNA MARIA",
      '6', '2', '9', '0', '8', 0, 0 },
    { "TD3 truncated name, no secondary identifier, specials",
      "P<EUEVERYLONGSURNAMEWITHMANYLETTERSOFTHEHOLD\nX1<<<<<<<4UNA0001018<9912315<<<<<<<<<<<<<<<2\n",
      SLTD_MRZ_TD3, "P", "EUE", "X1", "UNA", "000101", '<', "991231", "", "",
      "VERYLONGSURNAMEWITHMANYLETTERSOFTHEHOLD", "", '4', '8', '5', '<', '2', 0, 1 },
    { "MRV-B specials, unknown birth day",
      "VDXXBMUNIR<<FAISAL<<<<<<<<<<<<<<<<<<\nAD07259817XXC7608<<3X0611165<<<<<<<<\n", SLTD_MRZ_MRVB, "VD", "XXB",
      "AD0725981", "XXC", "7608<<", 'X', "061116", "", "", "MUNIR", "FAISAL", '7', '3', '5', 0, 0, 0, 0 },
};

static void expect_check(const sltd_mrz_check *c, char found, const char *what)
{
    if (found == 0) {
        ck_assert_msg(c->status == SLTD_MRZ_CHECK_ABSENT, "%s: expected ABSENT, got %d", what, c->status);
        return;
    }
    ck_assert_msg(c->status == SLTD_MRZ_CHECK_OK, "%s: expected OK (found '%c' expected '%c'), got %d", what,
                  c->found, c->expected, c->status);
    ck_assert_int_eq(c->found, found);
}

START_TEST(test_specimen)
{
    const spec *s = &specs[_i];
    sltd_mrz m = SLTD_MRZ_INIT;
    int rc = sltd_mrz_parse(&m, s->text, strlen(s->text));

    ck_assert_msg(rc == 0, "%s: rc %d at %d:%d: %s", s->name, rc, m.error_line, m.error_pos,
                  m.error_msg ? m.error_msg : "");
    ck_assert_int_eq(m.version, SLTD_MRZ_VERSION);
    ck_assert_int_eq(m.kind, s->kind);
    ck_assert_str_eq(m.doc_code, s->code);
    ck_assert_str_eq(m.issuing_state, s->state);
    ck_assert_str_eq(m.number, s->number);
    ck_assert_str_eq(m.nationality, s->nat);
    ck_assert_str_eq(m.birth, s->birth);
    ck_assert_int_eq(m.sex, s->sex);
    ck_assert_str_eq(m.expiry, s->expiry);
    ck_assert_str_eq(m.optional1, s->opt1);
    ck_assert_str_eq(m.optional2, s->opt2);
    ck_assert_str_eq(m.primary_name, s->primary);
    ck_assert_str_eq(m.secondary_name, s->secondary);
    ck_assert_int_eq(m.long_number, s->long_number);
    ck_assert_int_eq(m.name_truncated, s->truncated);
    expect_check(&m.number_check, s->c_num, "number");
    expect_check(&m.birth_check, s->c_birth, "birth");
    expect_check(&m.expiry_check, s->c_exp, "expiry");
    expect_check(&m.optional_check, s->c_opt, "optional");
    expect_check(&m.composite_check, s->c_comp, "composite");
    ck_assert_int_eq(sltd_mrz_validate(&m), 1);
    ck_assert_ptr_null(m.error_msg);
    ck_assert_int_eq(m.error_line, 0);
    ck_assert_int_eq(m.error_pos, 0);
}
END_TEST

START_TEST(test_kind_names)
{
    static const tu_name names[] = {
        { SLTD_MRZ_TD1, "TD1" }, { SLTD_MRZ_TD2, "TD2" }, { SLTD_MRZ_TD3, "TD3" }, { SLTD_MRZ_MRVA, "MRV-A" },
        { SLTD_MRZ_MRVB, "MRV-B" }, { 0, "?" }, { 6, "?" },
    };

    tu_names_check(sltd_mrz_kind_name, names, TU_COUNT(names));
}
END_TEST

START_TEST(test_null_args)
{
    sltd_mrz m = SLTD_MRZ_INIT;
    sltd_mrz zero = SLTD_MRZ_INIT;

    ck_assert_int_eq(sltd_mrz_parse(NULL, "x", 1), SLTD_EINVAL);
    ck_assert_int_eq(sltd_mrz_parse(&m, NULL, 0), SLTD_EINVAL);
    ck_assert_int_eq(sltd_mrz_parse(&m, NULL, 10), SLTD_EINVAL);
    ck_assert_int_eq(sltd_mrz_validate(NULL), 0);
    memset(&zero, 0, sizeof zero); /* never filled: fails closed */
    ck_assert_int_eq(sltd_mrz_validate(&zero), 0);
    zero.kind = SLTD_MRZ_TD3;
    ck_assert_int_eq(sltd_mrz_validate(&zero), 0);
}
END_TEST

/* ------------------------------------------------------------------ wrong check digits */

/* For each specimen kind: (line, 1-based position) of each check digit and the check it drives. */
enum { C_NUM, C_BIRTH, C_EXP, C_OPT, C_COMP };
static const struct {
    const char *text;
    int line, pos, which;
} wrong_cases[] = {
#define TD3S "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
#define TD1S "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<"
#define TD1L "I<UTOD23145890<7349<<<<<<<<<<<\n3407127M9507122UTO<<<<<<<<<<<2\nSTEVENSON<<PETER<JOHN<<<<<<<<<"
#define TD2S "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD231458907UTO7408122F1204159<<<<<<<6"
#define TD2L "I<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<\nAB1234567<D<<6908061F251231489011<<0"
#define MRVA "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL8988901C4XXX4009078F96121096ZE184226B<<<<<<"
#define MRVB "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nL8988901C4XXX4009078F9612109<<<<<<<<"
    { TD3S, 2, 10, C_NUM },  { TD3S, 2, 20, C_BIRTH }, { TD3S, 2, 28, C_EXP }, { TD3S, 2, 43, C_OPT },
    { TD3S, 2, 44, C_COMP }, { TD1S, 1, 15, C_NUM },   { TD1S, 2, 7, C_BIRTH }, { TD1S, 2, 15, C_EXP },
    { TD1S, 2, 30, C_COMP }, { TD1L, 1, 19, C_NUM },   { TD1L, 2, 7, C_BIRTH }, { TD1L, 2, 15, C_EXP },
    { TD1L, 2, 30, C_COMP }, { TD2S, 2, 10, C_NUM },   { TD2S, 2, 20, C_BIRTH }, { TD2S, 2, 28, C_EXP },
    { TD2S, 2, 36, C_COMP }, { TD2L, 2, 33, C_NUM },   { TD2L, 2, 20, C_BIRTH }, { TD2L, 2, 28, C_EXP },
    { TD2L, 2, 36, C_COMP }, { MRVA, 2, 10, C_NUM },   { MRVA, 2, 20, C_BIRTH }, { MRVA, 2, 28, C_EXP },
    { MRVB, 2, 10, C_NUM },  { MRVB, 2, 20, C_BIRTH }, { MRVB, 2, 28, C_EXP },
};

static const sltd_mrz_check *check_of(const sltd_mrz *m, int which)
{
    switch (which) {
    case C_NUM:
        return &m->number_check;
    case C_BIRTH:
        return &m->birth_check;
    case C_EXP:
        return &m->expiry_check;
    case C_OPT:
        return &m->optional_check;
    default:
        return &m->composite_check;
    }
}

/* Replace the check character at (line, pos) with every other digit and with a letter: the parse
 * still succeeds, that check is BAD, the composite is BAD too where it covers that digit, the
 * others are untouched, and the MRZ is not valid. */
START_TEST(test_wrong_check_digit)
{
    char buf[256];
    size_t off = 0;
    int line = 1, k;
    const char *t = wrong_cases[_i].text;
    char orig;

    ck_assert_uint_lt(strlen(t), sizeof buf);
    memcpy(buf, t, strlen(t) + 1);
    while (line < wrong_cases[_i].line) {
        if (buf[off++] == '\n')
            line++;
    }
    off += (size_t)wrong_cases[_i].pos - 1;
    orig = buf[off];
    ck_assert(orig >= '0' && orig <= '9');
    for (k = 0; k <= 10; k++) {
        char sub = k == 10 ? 'O' : (char)('0' + k);
        sltd_mrz m = SLTD_MRZ_INIT;
        int w;

        if (sub == orig)
            continue;
        buf[off] = sub;
        ck_assert_int_eq(sltd_mrz_parse(&m, buf, strlen(buf)), 0);
        ck_assert_int_eq(check_of(&m, wrong_cases[_i].which)->status, SLTD_MRZ_CHECK_BAD);
        ck_assert_int_eq(check_of(&m, wrong_cases[_i].which)->found, sub);
        ck_assert_int_eq(check_of(&m, wrong_cases[_i].which)->expected, orig);
        for (w = C_NUM; w <= C_COMP; w++) {
            const sltd_mrz_check *c = check_of(&m, w);
            if (w == wrong_cases[_i].which)
                continue;
            if (w == C_COMP && c->status != SLTD_MRZ_CHECK_ABSENT) {
                /* every check digit lies inside the composite's ranges; a digit-for-digit change always
                 * shows there (weights prime to 10), a letter may not ('4' -> 'O' adds 20) */
                if (sub != 'O')
                    ck_assert_int_eq(c->status, SLTD_MRZ_CHECK_BAD);
            } else {
                ck_assert_int_ne(c->status, SLTD_MRZ_CHECK_BAD);
            }
        }
        ck_assert_int_eq(sltd_mrz_validate(&m), 0);
    }
}
END_TEST

/* A changed data character (not a check digit) is caught by its field's check digit. */
START_TEST(test_wrong_data)
{
    static const char good[] = TD3S;
    char buf[sizeof good];
    sltd_mrz m = SLTD_MRZ_INIT;

    memcpy(buf, good, sizeof good);
    buf[45 + 1] = '9'; /* number L898902C3 -> L998902C3: number check and composite */
    ck_assert_int_eq(sltd_mrz_parse(&m, buf, strlen(buf)), 0);
    ck_assert_int_eq(m.number_check.status, SLTD_MRZ_CHECK_BAD);
    ck_assert_int_eq(m.composite_check.status, SLTD_MRZ_CHECK_BAD);
    ck_assert_int_eq(m.birth_check.status, SLTD_MRZ_CHECK_OK);
    ck_assert_int_eq(sltd_mrz_validate(&m), 0);

    memcpy(buf, good, sizeof good);
    buf[45 + 30] = 'X'; /* personal number: personal-number check and composite */
    ck_assert_int_eq(sltd_mrz_parse(&m, buf, strlen(buf)), 0);
    ck_assert_int_eq(m.optional_check.status, SLTD_MRZ_CHECK_BAD);
    ck_assert_int_eq(m.composite_check.status, SLTD_MRZ_CHECK_BAD);
    ck_assert_int_eq(m.number_check.status, SLTD_MRZ_CHECK_OK);

    /* '<' over a non-empty personal number is wrong */
    memcpy(buf, good, sizeof good);
    buf[45 + 42] = '<';
    ck_assert_int_eq(sltd_mrz_parse(&m, buf, strlen(buf)), 0);
    ck_assert_int_eq(m.optional_check.status, SLTD_MRZ_CHECK_BAD);

    /* '<' as the number check of a TD3 is wrong (no long-number rule in TD3) */
    memcpy(buf, good, sizeof good);
    buf[45 + 9] = '<';
    ck_assert_int_eq(sltd_mrz_parse(&m, buf, strlen(buf)), 0);
    ck_assert_int_eq(m.number_check.status, SLTD_MRZ_CHECK_BAD);
    ck_assert_int_eq(m.number_check.found, '<');
    ck_assert_int_eq(m.long_number, 0);
    ck_assert_str_eq(m.number, "L898902C3");
}
END_TEST

/* ------------------------------------------------------------------ structural errors */

static const struct {
    const char *name;
    const char *text;
    int rc, line, pos;
} err_cases[] = {
    { "empty", "", SLTD_EMRZ, 1, 1 },
    { "blank only", " \n\r\n\t \n", SLTD_EMRZ, 1, 1 },
    { "one line", "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n", SLTD_EMRZ, 2, 1 },
    { "four lines", TD1S "\nI<UTOD231458907<<<<<<<<<<<<<<<", SLTD_EMRZ, 4, 1 },
    { "line 1 short (43)",
      "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10", SLTD_EMRZ, 1,
      44 },
    { "line 1 long (45)",
      "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10", SLTD_EMRZ, 1,
      45 },
    { "line 1 of 40", "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10",
      SLTD_EMRZ, 1, 41 },
    { "line 2 short", "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<1",
      SLTD_EMRZ, 2, 44 },
    { "line 2 long", "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<100",
      SLTD_EMRZ, 2, 45 },
    { "TD2 line 1 with TD3 line 2", "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10",
      SLTD_EMRZ, 2, 37 },
    { "TD1 line 3 short",
      "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<", SLTD_EMRZ, 3,
      30 },
    { "TD1 lines of 44",
      "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nP<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
      "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
      SLTD_EMRZ, 1, 31 },
    { "lower case", "P<UTOEriKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10",
      SLTD_EMRZ, 1, 7 },
    { "all lower case", "p<utoeriksson<<anna<maria<<<<<<<<<<<<<<<<<<<\nl898902c36uto7408122f1204159ze184226b<<<<<10",
      SLTD_EMRZ, 1, 1 },
    { "space inside", "P<UTOERIKSSON<<ANNA MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10",
      SLTD_EMRZ, 1, 20 },
    { "illegal char line 2", "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE18-226B<<<<<10",
      SLTD_EMRZ, 2, 33 },
    { "NUL byte", "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<1\0",
      SLTD_EMRZ, 2, 44 }, /* strlen stops at the NUL: the line is short; see test_nul_byte */
    { "illegal before short", "P<UTO\xc3\x89RIKSSON<<ANNA\nX", SLTD_EMRZ, 1, 6 },
    { "doc code digit", "1<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10",
      SLTD_EMRZ, 1, 1 },
    { "doc code filler first", "<PUTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10",
      SLTD_EMRZ, 1, 1 },
    { "doc code second digit", "P1UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10",
      SLTD_EMRZ, 1, 2 },
    { "unknown state", "P<QQQERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10",
      SLTD_ESTATE, 1, 3 },
    { "state with digit", "P<U1OERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10",
      SLTD_ESTATE, 1, 3 },
    { "state all fillers", "P<<<<ERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10",
      SLTD_ESTATE, 1, 3 },
    { "state <D<", "P<<D<ERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10",
      SLTD_ESTATE, 1, 3 },
    { "unknown nationality", "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36QQQ7408122F1204159ZE184226B<<<<<10",
      SLTD_ESTATE, 2, 11 },
    { "TD1 unknown nationality", "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159QQQ<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<",
      SLTD_ESTATE, 2, 16 },
    { "empty number", "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n<<<<<<<<<0UTO7408122F1204159ZE184226B<<<<<10",
      SLTD_ENUMBER, 2, 1 },
    { "TD1 number too long (23)", "I<UTOABCDEFGHI<JKLMNOPQRSTUVW1\n8501016F3001013UTO<<<<<<<<<<<4\nDOE<<JANE<<<<<<<<<<<<<<<<<<<<<",
      SLTD_ENUMBER, 1, 6 },
    { "TD1 long number without continuation", "I<UTOD23145890<<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<",
      SLTD_EMRZ, 1, 16 },
    { "TD2 long number without continuation", "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD23145890<UTO7408122F1204159<<<<<<<6",
      SLTD_EMRZ, 2, 29 },
    { "birth with letter", "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO74O8122F1204159ZE184226B<<<<<10",
      SLTD_EMRZ, 2, 16 },
    { "expiry with letter", "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F12O4159ZE184226B<<<<<10",
      SLTD_EMRZ, 2, 24 },
    { "sex Q", "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122Q1204159ZE184226B<<<<<10",
      SLTD_EMRZ, 2, 21 },
    { "TD1 sex 1", "I<UTOD231458907<<<<<<<<<<<<<<<\n74081221120415 9UTO<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<",
      SLTD_EMRZ, 2, 15 },
    { "TD1 sex digit", "I<UTOD231458907<<<<<<<<<<<<<<<\n740812211204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<",
      SLTD_EMRZ, 2, 8 },
    { "first error wins: state before nationality",
      "P<QQQERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36QQQ74O8122Q1204159ZE184226B<<<<<10", SLTD_ESTATE, 1, 3 },
    { "first error wins: number before nationality",
      "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n<<<<<<<<<0QQQ7408122F1204159ZE184226B<<<<<10", SLTD_ENUMBER, 2, 1 },
};

START_TEST(test_error)
{
    sltd_mrz m = SLTD_MRZ_INIT;
    int rc = sltd_mrz_parse(&m, err_cases[_i].text, strlen(err_cases[_i].text));

    ck_assert_msg(rc == err_cases[_i].rc, "%s: rc %d, expected %d (%d:%d %s)", err_cases[_i].name, rc,
                  err_cases[_i].rc, m.error_line, m.error_pos, m.error_msg ? m.error_msg : "");
    ck_assert_msg(m.error_line == err_cases[_i].line && m.error_pos == err_cases[_i].pos,
                  "%s: at %d:%d, expected %d:%d (%s)", err_cases[_i].name, m.error_line, m.error_pos,
                  err_cases[_i].line, err_cases[_i].pos, m.error_msg ? m.error_msg : "");
    ck_assert_ptr_nonnull(m.error_msg);
    ck_assert_int_gt((int)strlen(m.error_msg), 0);
    ck_assert_int_eq(sltd_mrz_validate(&m), 0); /* fails closed even when the check digits were right */
}
END_TEST

START_TEST(test_nul_byte)
{
    static const char t[] = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F12\0" "4159ZE184226B<<<<<10";
    sltd_mrz m = SLTD_MRZ_INIT;

    ck_assert_int_eq(sltd_mrz_parse(&m, t, sizeof t - 1), SLTD_EMRZ);
    ck_assert_int_eq(m.error_line, 2);
    ck_assert_int_eq(m.error_pos, 24);
}
END_TEST

/* The text is read only within len: a valid MRZ followed by garbage past len parses. */
START_TEST(test_len_bounds)
{
    static const char t[] = TD3S "\nGARBAGE lower case";
    sltd_mrz m = SLTD_MRZ_INIT;

    ck_assert_int_eq(sltd_mrz_parse(&m, t, strlen(TD3S)), 0);
    ck_assert_int_eq(sltd_mrz_validate(&m), 1);
    ck_assert_int_eq(sltd_mrz_parse(&m, t, strlen(TD3S) - 1), SLTD_EMRZ);
    ck_assert_int_eq(m.error_line, 2);
    ck_assert_int_eq(m.error_pos, 44);
}
END_TEST

/* ------------------------------------------------------------------ national variants */

/* Belgian identity card, PRADO BEL-BO-03003 (as quoted by MustelaItatsi/MrzParser and cheminfo/mrz):
 * the long number's digit 3 holds only over 000590240<601, the filler at position 15 included. */
#define BEL_FILLER "IDBEL000590240<6013<<<<<<<<<<<\n8512017F1311048BEL851201002007\nREINARTZ<<ULRIKE<KATIA<E<<<<<<"
/* Belgian identity card, PRADO BEL-BO-11005: the same layout under the ICAO rule. */
#define BEL_ICAO "IDBEL600001795<0152<<<<<<<<<<<\n1301014F2311207BEL130101987398\nSPECIMEN<<SPECIMEN<<<<<<<<<<<<"
/* Portuguese citizen card (kurzdigital/mrzparser-c samples): filler-included, 155849387<ZZ2 -> 0. */
#define PRT_FILLER "I<PRT155849387<ZZ20<<<<<<<<<<<\n9705261M1808122PRT<<<<<<<<<<<6\nNG<<WEN<JUNK<<<<<<<<<<<<<<<<<<"

START_TEST(test_variant_filler_rule)
{
    sltd_mrz m = SLTD_MRZ_INIT;
    sltd_mrz_evidence e = SLTD_MRZ_EVIDENCE_INIT;

    ck_assert_int_eq(sltd_mrz_parse_ex(&m, &e, BEL_FILLER, strlen(BEL_FILLER), 0), 0);
    ck_assert_int_eq(sltd_mrz_validate(&m), 1);
    ck_assert_int_eq(e.number_rule, SLTD_MRZ_RULE_FILLER);
    ck_assert_int_eq(m.number_check.status, SLTD_MRZ_CHECK_OK);
    ck_assert_int_eq(m.number_check.found, '3');
    ck_assert_int_eq(m.number_check.expected, '3');
    ck_assert_str_eq(m.number, "000590240601"); /* the key: as printed, without the filler */
    ck_assert_int_eq(m.long_number, 1);
    ck_assert_uint_eq(e.flags, 0);
    ck_assert_str_eq(sltd_mrz_rule_name(e.number_rule), "filler_included");

    /* strict: ICAO only, the digit is wrong (ICAO gives 1) and nothing else changes */
    ck_assert_int_eq(sltd_mrz_parse_ex(&m, &e, BEL_FILLER, strlen(BEL_FILLER), SLTD_MRZ_STRICT), 0);
    ck_assert_uint_eq(e.flags, SLTD_MRZ_STRICT);
    ck_assert_int_eq(e.number_rule, SLTD_MRZ_RULE_NONE);
    ck_assert_int_eq(m.number_check.status, SLTD_MRZ_CHECK_BAD);
    ck_assert_int_eq(m.number_check.expected, '1');
    ck_assert_int_eq(m.composite_check.status, SLTD_MRZ_CHECK_OK);
    ck_assert_str_eq(m.number, "000590240601");
    ck_assert_int_eq(sltd_mrz_validate(&m), 0);
    ck_assert_int_eq(sltd__mrz_key_trusted(&m), 0);

    /* the newer Belgian series follows ICAO: the rule says so, in both modes */
    ck_assert_int_eq(sltd_mrz_parse_ex(&m, &e, BEL_ICAO, strlen(BEL_ICAO), 0), 0);
    ck_assert_int_eq(e.number_rule, SLTD_MRZ_RULE_ICAO);
    ck_assert_int_eq(sltd_mrz_validate(&m), 1);
    ck_assert_int_eq(sltd_mrz_parse_ex(&m, &e, BEL_ICAO, strlen(BEL_ICAO), SLTD_MRZ_STRICT), 0);
    ck_assert_int_eq(e.number_rule, SLTD_MRZ_RULE_ICAO);
    ck_assert_int_eq(sltd_mrz_validate(&m), 1);

    ck_assert_int_eq(sltd_mrz_parse_ex(&m, &e, PRT_FILLER, strlen(PRT_FILLER), 0), 0);
    ck_assert_int_eq(e.number_rule, SLTD_MRZ_RULE_FILLER);
    ck_assert_str_eq(m.number, "155849387ZZ2");
    ck_assert_int_eq(sltd_mrz_validate(&m), 1);
    ck_assert_int_eq(sltd_mrz_parse_ex(&m, &e, PRT_FILLER, strlen(PRT_FILLER), SLTD_MRZ_STRICT), 0);
    ck_assert_int_eq(m.number_check.status, SLTD_MRZ_CHECK_BAD);
}
END_TEST

/* The variant is named for the issuers that use it: the same digits under another issuing state, a
 * wrong digit under both rules, or a short number are all judged by ICAO alone. */
START_TEST(test_variant_scope)
{
    char buf[128];
    sltd_mrz m = SLTD_MRZ_INIT;
    sltd_mrz_evidence e = SLTD_MRZ_EVIDENCE_INIT;

    memcpy(buf, BEL_FILLER, sizeof BEL_FILLER);
    memcpy(buf + 2, "UTO", 3); /* composite does not cover the issuing state */
    ck_assert_int_eq(sltd_mrz_parse_ex(&m, &e, buf, strlen(buf), 0), 0);
    ck_assert_int_eq(m.number_check.status, SLTD_MRZ_CHECK_BAD);
    ck_assert_int_eq(e.number_rule, SLTD_MRZ_RULE_NONE);

    memcpy(buf, BEL_FILLER, sizeof BEL_FILLER);
    buf[18] = '5'; /* neither 1 (ICAO) nor 3 (filler) */
    ck_assert_int_eq(sltd_mrz_parse_ex(&m, &e, buf, strlen(buf), 0), 0);
    ck_assert_int_eq(m.number_check.status, SLTD_MRZ_CHECK_BAD);
    ck_assert_int_eq(m.number_check.expected, '1'); /* the ICAO digit is the evidence shown */

    /* a TD2 long number (no Belgian or Portuguese card uses TD2) stays ICAO-only */
    {
        static const char td2[] = "I<BELMUSTERMANN<<ERIKA<<<<<<<<<<<<<<\nAB1234567<BEL6908061F251231489011<<0";
        ck_assert_int_eq(sltd_mrz_parse_ex(&m, &e, td2, strlen(td2), 0), 0);
        ck_assert_int_eq(e.number_rule, SLTD_MRZ_RULE_ICAO);
    }
    ck_assert_str_eq(sltd_mrz_rule_name(SLTD_MRZ_RULE_ICAO), "icao");
    ck_assert_str_eq(sltd_mrz_rule_name(SLTD_MRZ_RULE_NONE), "none");
    ck_assert_str_eq(sltd_mrz_rule_name(7), "?");
    ck_assert_int_eq(sltd_mrz_parse_ex(&m, &e, BEL_ICAO, strlen(BEL_ICAO), 1u << 5), SLTD_EINVAL);
}
END_TEST

/* ------------------------------------------------------------------ strict fields */

static char cd(const char *s, size_t n); /* the ICAO check digit as a character (property section) */

/* The ICAO TD3 specimen with the given birth and expiry dates, every check digit computed. */
static void td3_dates(char out[96], const char *birth, const char *expiry)
{
    char b[45];

    memcpy(b, "L898902C36UTO", 13);
    memcpy(b + 13, birth, 6);
    b[19] = cd(b + 13, 6);
    b[20] = 'F';
    memcpy(b + 21, expiry, 6);
    b[27] = cd(b + 21, 6);
    memcpy(b + 28, "ZE184226B<<<<<", 14);
    b[42] = cd(b + 28, 14);
    b[43] = tu_mrz_composite(b, 44);
    b[44] = '\0';
    snprintf(out, 96, "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n%s", b);
}

static const struct {
    const char *birth, *expiry;
    int field, pos; /* 0: valid */
} date_cases[] = {
    { "740812", "120415", 0, 0 },
    { "880941", "120415", SLTD_MRZ_FIELD_BIRTH, 18 },  /* day 41 */
    { "740812", "200746", SLTD_MRZ_FIELD_EXPIRY, 26 }, /* day 46 */
    { "741312", "120415", SLTD_MRZ_FIELD_BIRTH, 16 },  /* month 13 */
    { "740012", "120415", SLTD_MRZ_FIELD_BIRTH, 16 },  /* month 00 */
    { "740800", "120415", SLTD_MRZ_FIELD_BIRTH, 18 },  /* day 00 */
    { "740431", "120415", SLTD_MRZ_FIELD_BIRTH, 18 },  /* 31 April */
    { "000229", "120415", 0, 0 },                      /* 2000 is a leap year */
    { "960229", "120415", 0, 0 },
    { "010229", "120415", SLTD_MRZ_FIELD_BIRTH, 18 },  /* neither 1901 nor 2001 */
    { "740812", "250229", SLTD_MRZ_FIELD_EXPIRY, 26 },
    { "74<<<<", "120415", 0, 0 },                      /* unknown month and day */
    { "<<<<<<", "120415", 0, 0 },                      /* unknown date of birth */
    { "<<0229", "120415", 0, 0 },                      /* 29 February, year unknown */
    { "74<<31", "120415", 0, 0 },                      /* some month has a 31st */
    { "74<<32", "120415", SLTD_MRZ_FIELD_BIRTH, 18 },
    { "7402<<", "120415", 0, 0 },
    { "74<812", "120415", SLTD_MRZ_FIELD_BIRTH, 17 },  /* half a part unknown */
    { "7<0812", "120415", SLTD_MRZ_FIELD_BIRTH, 15 },
    { "740812", "<<<<<<", SLTD_MRZ_FIELD_EXPIRY, 22 }, /* a passport has a date of expiry */
    { "740812", "12<<<<", SLTD_MRZ_FIELD_EXPIRY, 24 }, /* no unknown parts in an expiry */
};

START_TEST(test_dates)
{
    char t[96];
    sltd_mrz m = SLTD_MRZ_INIT;
    sltd_mrz_evidence e = SLTD_MRZ_EVIDENCE_INIT;
    int rc;

    td3_dates(t, date_cases[_i].birth, date_cases[_i].expiry);
    rc = sltd_mrz_parse_ex(&m, &e, t, strlen(t), 0);
    /* the check digits are right in every case: only the field itself can be wrong */
    ck_assert_int_eq(m.birth_check.status, SLTD_MRZ_CHECK_OK);
    ck_assert_int_eq(m.expiry_check.status, SLTD_MRZ_CHECK_OK);
    ck_assert_int_eq(m.composite_check.status, SLTD_MRZ_CHECK_OK);
    if (date_cases[_i].field == 0) {
        ck_assert_msg(rc == 0, "%s %s: %s", date_cases[_i].birth, date_cases[_i].expiry, m.error_msg);
        ck_assert_int_eq(sltd_mrz_validate(&m), 1);
        return;
    }
    ck_assert_int_eq(rc, SLTD_EMRZ);
    ck_assert_uint_eq(e.nproblems, 1);
    ck_assert_int_eq(e.problems[0].field, date_cases[_i].field);
    ck_assert_int_eq(e.problems[0].line, 2);
    ck_assert_msg(e.problems[0].pos == date_cases[_i].pos, "%s %s: at %d, expected %d", date_cases[_i].birth,
                  date_cases[_i].expiry, e.problems[0].pos, date_cases[_i].pos);
    ck_assert_int_eq(m.error_pos, date_cases[_i].pos);
    ck_assert_int_eq(sltd_mrz_validate(&m), 0);
    ck_assert_int_eq(sltd__mrz_key_trusted(&m), 1); /* the number is still protected */
}
END_TEST

/* An identity card without a date of expiry prints six fillers (TD1 and TD2 only). */
START_TEST(test_card_without_expiry)
{
    static const char td1[] = "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F<<<<<<0UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<";
    static const char td2[] = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD231458907UTO7408122F<<<<<<0<<<<<<<6";
    sltd_mrz m = SLTD_MRZ_INIT;
    sltd_mrz_evidence e = SLTD_MRZ_EVIDENCE_INIT;

    ck_assert_int_eq(sltd_mrz_parse_ex(&m, &e, td1, strlen(td1), 0), 0);
    ck_assert_str_eq(m.expiry, "<<<<<<");
    ck_assert_int_eq(sltd_mrz_validate(&m), 1);
    ck_assert_int_eq(sltd_mrz_parse_ex(&m, &e, td2, strlen(td2), 0), 0);
    ck_assert_int_eq(sltd_mrz_validate(&m), 1);
}
END_TEST

static const struct {
    const char *name, *text;
    int field, line, pos;
    unsigned nproblems;
} field_cases[] = {
    /* Russian passport with OCR digits in the name (Coppernic/mrz-parser test resources); its date of
     * expiry is six fillers too, which a passport may not print */
    { "digits in the name", "PNRUSZDRIL7K<<SERGEQ<ANATOL9EVI3<<<<<<<<<<<<\n3919353498RUS7207233M<<<<<<<4151218910003<50",
      SLTD_MRZ_FIELD_NAME, 1, 11, 2 },
    { "digit in a TD1 name", "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSS0N<<ANNA<MARIA<<<<<<<<<<",
      SLTD_MRZ_FIELD_NAME, 3, 7, 1 },
    { "TD3 code I", "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10",
      SLTD_MRZ_FIELD_DOC_CODE, 1, 1, 1 },
    { "TD1 code P", "P<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<",
      SLTD_MRZ_FIELD_DOC_CODE, 1, 1, 1 },
    { "TD1 code V", "V<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<",
      SLTD_MRZ_FIELD_DOC_CODE, 1, 1, 1 },
    { "TD1 code IV", "IVUTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<",
      SLTD_MRZ_FIELD_DOC_CODE, 1, 2, 1 },
    { "TD2 code P", "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD231458907UTO7408122F1204159<<<<<<<6",
      SLTD_MRZ_FIELD_DOC_CODE, 1, 1, 1 },
    { "sex Q", "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122Q1204159ZE184226B<<<<<10",
      SLTD_MRZ_FIELD_SEX, 2, 21, 1 },
};

START_TEST(test_fields)
{
    sltd_mrz m = SLTD_MRZ_INIT;
    sltd_mrz_evidence e = SLTD_MRZ_EVIDENCE_INIT;
    int rc = sltd_mrz_parse_ex(&m, &e, field_cases[_i].text, strlen(field_cases[_i].text), 0);

    ck_assert_msg(rc == SLTD_EMRZ, "%s: rc %d", field_cases[_i].name, rc);
    ck_assert_uint_eq(e.nproblems, field_cases[_i].nproblems);
    ck_assert_int_eq(e.problems[0].field, field_cases[_i].field);
    ck_assert_msg(e.problems[0].line == field_cases[_i].line && e.problems[0].pos == field_cases[_i].pos,
                  "%s: at %d:%d (%s)", field_cases[_i].name, e.problems[0].line, e.problems[0].pos, e.problems[0].msg);
    ck_assert_int_eq(e.error, SLTD_EMRZ);
    ck_assert_int_eq(sltd_mrz_validate(&m), 0);
    ck_assert_int_ne(m.kind, 0); /* the rest was read */
    ck_assert_int_ne(m.number_check.status, 0);
}
END_TEST

/* ------------------------------------------------------------------ every check reported */

/* An unknown issuing state (and more) does not stop the parse: every field and check digit is read,
 * every problem listed in order, and the return code is the first one. */
START_TEST(test_every_check_reported)
{
    static const char t[] = "P<QQQERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C37QQQ74O8122Q1204159ZE184226B<<<<<10";
    static const int fields[] = { SLTD_MRZ_FIELD_ISSUING_STATE, SLTD_MRZ_FIELD_NATIONALITY, SLTD_MRZ_FIELD_BIRTH,
                                  SLTD_MRZ_FIELD_SEX };
    static const int lines[] = { 1, 2, 2, 2 }, poss[] = { 3, 11, 16, 21 };
    sltd_mrz m = SLTD_MRZ_INIT;
    sltd_mrz_evidence e = SLTD_MRZ_EVIDENCE_INIT;
    unsigned i;

    ck_assert_int_eq(sltd_mrz_parse_ex(&m, &e, t, strlen(t), 0), SLTD_ESTATE);
    ck_assert_int_eq(m.kind, SLTD_MRZ_TD3);
    ck_assert_uint_eq(e.nproblems, 4);
    for (i = 0; i < 4; i++) {
        ck_assert_int_eq(e.problems[i].field, fields[i]);
        ck_assert_int_eq(e.problems[i].line, lines[i]);
        ck_assert_int_eq(e.problems[i].pos, poss[i]);
        ck_assert_ptr_nonnull(e.problems[i].msg);
    }
    ck_assert_int_eq(e.problems[0].code, SLTD_ESTATE);
    ck_assert_int_eq(e.problems[2].code, SLTD_EMRZ);
    ck_assert_int_eq(m.error_line, 1);
    ck_assert_int_eq(m.error_pos, 3);
    /* the rest is all there */
    ck_assert_str_eq(m.doc_code, "P");
    ck_assert_str_eq(m.issuing_state, "");
    ck_assert_str_eq(m.number, "L898902C3");
    ck_assert_str_eq(m.primary_name, "ERIKSSON");
    ck_assert_str_eq(m.optional1, "ZE184226B");
    ck_assert_int_eq(m.number_check.status, SLTD_MRZ_CHECK_BAD); /* printed 7, computed 6 */
    ck_assert_int_eq(m.number_check.expected, '6');
    ck_assert_int_eq(m.birth_check.status, SLTD_MRZ_CHECK_BAD);
    ck_assert_int_eq(m.expiry_check.status, SLTD_MRZ_CHECK_OK);
    ck_assert_int_eq(m.optional_check.status, SLTD_MRZ_CHECK_OK);
    ck_assert_int_eq(m.composite_check.status, SLTD_MRZ_CHECK_BAD);
    ck_assert_int_eq(sltd_mrz_validate(&m), 0);
    ck_assert_int_eq(sltd__mrz_key_readable(&m), 0); /* no issuing state: nothing to look up */
    ck_assert_str_eq(sltd_mrz_field_name(e.problems[0].field), "issuing state");
    ck_assert_str_eq(sltd_mrz_field_name(SLTD_MRZ_FIELD_STRUCTURE), "structure");
    ck_assert_str_eq(sltd_mrz_field_name(0), "?");
}
END_TEST

/* A structural problem stops the parse: nothing is at its place, and only that problem is reported. */
START_TEST(test_structure_stops)
{
    static const char t[] = "P<QQQERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<\nL898902C37QQQ74O8122Q1204159ZE184226B<<<<<10";
    sltd_mrz m = SLTD_MRZ_INIT;
    sltd_mrz_evidence e = SLTD_MRZ_EVIDENCE_INIT;

    ck_assert_int_eq(sltd_mrz_parse_ex(&m, &e, t, strlen(t), 0), SLTD_EMRZ);
    ck_assert_int_eq(m.kind, 0);
    ck_assert_uint_eq(e.nproblems, 1);
    ck_assert_int_eq(e.problems[0].field, SLTD_MRZ_FIELD_STRUCTURE);
    ck_assert_int_eq(m.number_check.status, 0);
    ck_assert_int_eq(sltd__mrz_key_trusted(&m), 0);
}
END_TEST

/* ------------------------------------------------------------------ the shared decision */

START_TEST(test_outcome)
{
    char t[96];
    sltd_mrz m = SLTD_MRZ_INIT;
    sltd_mrz_evidence e = SLTD_MRZ_EVIDENCE_INIT;

    /* valid document */
    ck_assert_int_eq(sltd_mrz_parse_ex(&m, &e, TD3S, strlen(TD3S), 0), 0);
    ck_assert_int_eq(sltd__mrz_outcome(&m, e.error, 1), 0);
    ck_assert_int_eq(sltd__mrz_outcome(&m, e.error, 0), 0);
    ck_assert_int_eq(sltd__mrz_outcome(&m, e.error, -1), SLTD_ECHECKDIGIT);
    /* invalid field, number protected: listed stands, not listed is "invalid document" */
    td3_dates(t, "880941", "120415");
    ck_assert_int_eq(sltd_mrz_parse_ex(&m, &e, t, strlen(t), 0), SLTD_EMRZ);
    ck_assert_int_eq(sltd__mrz_key_trusted(&m), 1);
    ck_assert_int_eq(sltd__mrz_outcome(&m, e.error, 1), 0);
    ck_assert_int_eq(sltd__mrz_outcome(&m, e.error, 0), SLTD_EMRZ);
    ck_assert_int_eq(sltd__mrz_outcome(&m, e.error, -1), SLTD_EMRZ);
    /* number unprotected */
    ck_assert_int_eq(sltd_mrz_parse_ex(&m, &e, BEL_FILLER, strlen(BEL_FILLER), SLTD_MRZ_STRICT), 0);
    ck_assert_int_eq(sltd__mrz_outcome(&m, e.error, -1), SLTD_ECHECKDIGIT);
    ck_assert_int_eq(sltd__mrz_outcome(&m, e.error, 0), SLTD_ECHECKDIGIT);
    ck_assert_int_eq(sltd__mrz_outcome(&m, e.error, 1), 0);
    ck_assert_int_eq(sltd__mrz_outcome(NULL, 0, 0), SLTD_EINVAL);
}
END_TEST

/* ------------------------------------------------------------------ line endings */

static const char *const ending_cases[] = {
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10",
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\r\nL898902C36UTO7408122F1204159ZE184226B<<<<<10\r\n",
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\rL898902C36UTO7408122F1204159ZE184226B<<<<<10\r",
    "\r\n\n  P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\t\r\n\r\n \t\nL898902C36UTO7408122F1204159ZE184226B<<<<<10  \n\n",
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n\rL898902C36UTO7408122F1204159ZE184226B<<<<<10\n\r",
    "   \f\vP<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\rL898902C36UTO7408122F1204159ZE184226B<<<<<10\n",
};

START_TEST(test_line_endings)
{
    sltd_mrz m = SLTD_MRZ_INIT;
    const char *t = ending_cases[_i];

    ck_assert_int_eq(sltd_mrz_parse(&m, t, strlen(t)), 0);
    ck_assert_int_eq(m.kind, SLTD_MRZ_TD3);
    ck_assert_str_eq(m.number, "L898902C3");
    ck_assert_str_eq(m.primary_name, "ERIKSSON");
    ck_assert_int_eq(sltd_mrz_validate(&m), 1);
}
END_TEST

START_TEST(test_td1_crlf_mixed)
{
    static const char t[] = "\r\nI<UTOD231458907<<<<<<<<<<<<<<<\r7408122F1204159UTO<<<<<<<<<<<6\r\n\n"
                            "ERIKSSON<<ANNA<MARIA<<<<<<<<<<\n";
    sltd_mrz m = SLTD_MRZ_INIT;

    ck_assert_int_eq(sltd_mrz_parse(&m, t, strlen(t)), 0);
    ck_assert_int_eq(m.kind, SLTD_MRZ_TD1);
    ck_assert_int_eq(sltd_mrz_validate(&m), 1);
    ck_assert_str_eq(m.secondary_name, "ANNA MARIA");
}
END_TEST

/* Errors count MRZ lines, not text lines: blank lines before the MRZ do not shift error_line. */
START_TEST(test_error_line_ignores_blanks)
{
    static const char t[] = "\n\n\nP<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n\n   L898902C36UTO7408122F1204159ZE184226B<<<<<1x";
    sltd_mrz m = SLTD_MRZ_INIT;

    ck_assert_int_eq(sltd_mrz_parse(&m, t, strlen(t)), SLTD_EMRZ);
    ck_assert_int_eq(m.error_line, 2);
    ck_assert_int_eq(m.error_pos, 44);
}
END_TEST

/* ------------------------------------------------------------------ property test */

static uint64_t rng_state;

static uint64_t rnd(void)
{
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

static unsigned rn(unsigned n)
{
    return (unsigned)(rnd() % n);
}

static const char *const gen_states[] = { "UTO", "D", "XXA", "XXB", "XXC", "XXX", "EUE", "UNO", "UNA", "UNK",
                                          "XPO", "RKS", "FRA", "GBR", "USA", "NLD", "CHE", "GBD", "ZWE", "ABW" };
static const char ALNUM[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
static const char MRZCH[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<";

static char cd(const char *s, size_t n)
{
    return (char)('0' + sltd__mrz_check_digit(s, n));
}

static void put(char *dst, const char *s, size_t width) /* left-justified, '<'-padded */
{
    size_t n = strlen(s);
    memcpy(dst, s, n);
    memset(dst + n, '<', width - n);
}

static void rand_str(char *out, size_t n, const char *alphabet)
{
    size_t i, a = strlen(alphabet);
    for (i = 0; i < n; i++)
        out[i] = alphabet[rn((unsigned)a)];
    out[n] = '\0';
}

/* Random optional data of at most max characters; *expect gets it with trailing fillers dropped. */
static void rand_opt(char *out, size_t max, char *expect)
{
    size_t n = rn((unsigned)max + 1), e;
    rand_str(out, n, MRZCH);
    if (n > 0 && rn(2))
        out[0] = ALNUM[rn(36)]; /* not always starting with a filler */
    e = n;
    while (e > 0 && out[e - 1] == '<')
        e--;
    memcpy(expect, out, e);
    expect[e] = '\0';
}

/* A calendar date YYMMDD (a day of 19YY or 20YY, 29 February included). A date of birth sometimes
 * has unknown parts (YY, MM and/or DD as '<<'); an identity card's expiry sometimes is '<<<<<<'. */
static void rand_date(char *out, int birth, int card)
{
    unsigned y, m, d;

    do {
        y = rn(100);
        m = 1 + rn(12);
        d = 1 + rn(31);
    } while (!sltd__date_calendar(1900 + y, m, d) && !sltd__date_calendar(2000 + y, m, d));
    snprintf(out, 7, "%02u%02u%02u", y, m, d);
    if (birth && rn(10) == 0) { /* unknown parts: YY, MM and/or DD replaced by fillers */
        unsigned at = 2 * rn(3), n = 2 * (1 + rn(3 - at / 2));
        memset(out + at, '<', n);
    }
    if (!birth && card && rn(20) == 0)
        memset(out, '<', 6); /* no date of expiry */
    out[6] = '\0';
}

/* Names: 1-3 primary words, 0-3 secondary words; returns field text (unpadded) or truncates. */
static void rand_name(char *field, size_t width, char *primary, char *secondary)
{
    char buf[128];
    size_t n = 0, i, w;
    unsigned np = 1 + rn(3), ns = rn(4);

    primary[0] = secondary[0] = '\0';
    for (w = 0; w < np; w++) {
        size_t len = 1 + rn(12);
        if (w > 0)
            buf[n++] = '<';
        for (i = 0; i < len; i++)
            buf[n++] = (char)('A' + rn(26));
    }
    if (ns > 0) {
        buf[n++] = '<';
        buf[n++] = '<';
        for (w = 0; w < ns; w++) {
            size_t len = 1 + rn(10);
            if (w > 0)
                buf[n++] = '<';
            for (i = 0; i < len; i++)
                buf[n++] = (char)('A' + rn(26));
        }
    }
    if (n > width) { /* keep only what fits: regenerate a shorter one instead of modelling truncation */
        n = width;
        while (n > 0 && buf[n - 1] == '<')
            n--;
    }
    memset(field, '<', width);
    memcpy(field, buf, n);
    /* the expected split, computed the way ICAO defines it */
    {
        size_t j, k;
        for (j = 0; j + 1 < width; j++)
            if (field[j] == '<' && field[j + 1] == '<')
                break;
        if (j + 1 >= width)
            j = width;
        k = j;
        while (k > 0 && field[k - 1] == '<')
            k--;
        for (i = 0; i < k; i++)
            primary[i] = field[i] == '<' ? ' ' : field[i];
        primary[k] = '\0';
        if (j < width) {
            size_t s0 = j + 2, e = width;
            while (e > s0 && field[e - 1] == '<')
                e--;
            for (i = s0; i < e; i++)
                secondary[i - s0] = field[i] == '<' ? ' ' : field[i];
            secondary[e > s0 ? e - s0 : 0] = '\0';
        }
    }
}

typedef struct gen {
    int kind;
    char text[200];
    char code[3], state[4], number[23], nat[4], birth[7], expiry[7];
    char sex;
    char opt1[17], opt2[12], primary[64], secondary[64];
    int long_number, truncated;
    char c_opt; /* printed personal-number check for TD3 */
    char lines[3][45];
    int nl;
    size_t w;
} gen;

static void generate(gen *g, int kind)
{
    char l[3][45];
    size_t w = kind == SLTD_MRZ_TD1 ? 30 : (kind == SLTD_MRZ_TD2 || kind == SLTD_MRZ_MRVB) ? 36 : 44;
    char opt[20], rawnum[23];
    size_t numlen, maxnum, i;
    int nl = kind == SLTD_MRZ_TD1 ? 3 : 2;
    const char *sep[] = { "\n", "\r\n", "\r", "\n\n" };
    const char *s;
    char *t;

    memset(g, 0, sizeof *g);
    memset(l, 0, sizeof l);
    g->kind = kind;
    /* document code */
    /* document code per format: TD1/TD2 A, C or I and a second letter other than V; TD3 P; visas V */
    g->code[0] = (kind == SLTD_MRZ_MRVA || kind == SLTD_MRZ_MRVB) ? 'V' : kind == SLTD_MRZ_TD3 ? 'P' : "ACI"[rn(3)];
    g->code[1] = rn(2) ? (char)('A' + rn(26)) : '\0';
    if (g->code[1] == 'V' && (kind == SLTD_MRZ_TD1 || kind == SLTD_MRZ_TD2))
        g->code[1] = 'D';
    s = gen_states[rn(sizeof gen_states / sizeof gen_states[0])];
    memcpy(g->state, s, strlen(s) + 1);
    s = gen_states[rn(sizeof gen_states / sizeof gen_states[0])];
    memcpy(g->nat, s, strlen(s) + 1);
    maxnum = kind == SLTD_MRZ_TD1 ? 22 : kind == SLTD_MRZ_TD2 ? 15 : 9;
    numlen = 1 + rn((unsigned)maxnum);
    if (maxnum > 9 && rn(2))
        numlen = 10 + rn((unsigned)maxnum - 9); /* half of TD1/TD2 documents get a long number */
    rand_str(g->number, numlen, ALNUM);
    g->long_number = numlen > 9;
    rand_date(g->birth, 1, 0);
    rand_date(g->expiry, 0, kind == SLTD_MRZ_TD1 || kind == SLTD_MRZ_TD2);
    g->sex = "MFX<"[rn(4)];

    /* upper line: code, state */
    memset(l[0], '<', w);
    l[0][0] = g->code[0];
    l[0][1] = g->code[1] ? g->code[1] : '<';
    put(l[0] + 2, g->state, 3);
    memset(rawnum, '<', 9);
    memcpy(rawnum, g->number, numlen < 9 ? numlen : 9);

    if (kind == SLTD_MRZ_TD1) {
        char *a = l[0], *b = l[1];
        memcpy(a + 5, rawnum, 9);
        if (g->long_number) {
            size_t cont = numlen - 9, room;
            a[14] = '<';
            memcpy(a + 15, g->number + 9, cont);
            a[15 + cont] = cd(g->number, numlen);
            room = 15 - cont - 1; /* after the continuation and its check digit */
            if (room >= 2) {      /* a terminating filler, then optional data */
                rand_opt(opt, room - 1, g->opt1);
                memcpy(a + 15 + cont + 2, opt, strlen(opt));
            }
        } else {
            a[14] = cd(a + 5, 9);
            rand_opt(opt, 15, g->opt1);
            memcpy(a + 15, opt, strlen(opt));
        }
        memset(b, '<', 30);
        memcpy(b, g->birth, 6);
        b[6] = cd(b, 6);
        b[7] = g->sex;
        memcpy(b + 8, g->expiry, 6);
        b[14] = cd(b + 8, 6);
        put(b + 15, g->nat, 3);
        rand_opt(opt, 11, g->opt2);
        memcpy(b + 18, opt, strlen(opt));
        {
            char comp[50];
            memcpy(comp, a + 5, 25);
            memcpy(comp + 25, b, 7);
            memcpy(comp + 32, b + 8, 7);
            memcpy(comp + 39, b + 18, 11);
            b[29] = cd(comp, 50);
        }
        rand_name(l[2], 30, g->primary, g->secondary);
        g->truncated = l[2][29] != '<';
    } else {
        char *a = l[0], *b = l[1];
        rand_name(a + 5, w - 5, g->primary, g->secondary);
        g->truncated = a[w - 1] != '<';
        memset(b, '<', w);
        memcpy(b, rawnum, 9);
        b[9] = g->long_number ? '<' : cd(b, 9);
        put(b + 10, g->nat, 3);
        memcpy(b + 13, g->birth, 6);
        b[19] = cd(b + 13, 6);
        b[20] = g->sex;
        memcpy(b + 21, g->expiry, 6);
        b[27] = cd(b + 21, 6);
        if (kind == SLTD_MRZ_TD2) {
            if (g->long_number) {
                size_t cont = numlen - 9, room = 7 - cont - 1;
                memcpy(b + 28, g->number + 9, cont);
                b[28 + cont] = cd(g->number, numlen);
                if (room >= 2) {
                    rand_opt(opt, room - 1, g->opt1);
                    memcpy(b + 28 + cont + 2, opt, strlen(opt));
                }
            } else {
                rand_opt(opt, 7, g->opt1);
                memcpy(b + 28, opt, strlen(opt));
            }
            b[35] = tu_mrz_composite(b, 36);
        } else if (kind == SLTD_MRZ_TD3) {
            rand_opt(opt, 14, g->opt1);
            memcpy(b + 28, opt, strlen(opt));
            b[42] = cd(b + 28, 14);
            if (g->opt1[0] == '\0' && rn(2))
                b[42] = '<'; /* all fillers: '<' allowed instead of 0 */
            g->c_opt = b[42];
            b[43] = tu_mrz_composite(b, 44);
        } else {
            rand_opt(opt, w - 28, g->opt1);
            memcpy(b + 28, opt, strlen(opt));
        }
    }
    memcpy(g->lines, l, sizeof l);
    g->nl = nl;
    g->w = w;
    /* assemble with random separators and surrounding blanks */
    t = g->text;
    if (rn(4) == 0)
        *t++ = '\n';
    for (i = 0; i < (size_t)nl; i++) {
        if (rn(8) == 0)
            *t++ = ' ';
        memcpy(t, l[i], w);
        t += w;
        if (rn(8) == 0)
            *t++ = '\t';
        if (i + 1 < (size_t)nl || rn(2)) {
            s = sep[rn(4)];
            memcpy(t, s, strlen(s));
            t += strlen(s);
        }
    }
    *t = '\0';
}

static int gen_kind(unsigned k)
{
    return SLTD_MRZ_TD1 + (int)(k % 5);
}

START_TEST(test_property_roundtrip)
{
    unsigned rounds = 10000, r;
    const char *e = getenv("SLTD_MRZ_ROUNDS");
    uint64_t seed = 0x5174D5EEDULL;
    unsigned counts[6] = { 0 }, longs = 0;

    if (e != NULL)
        rounds = (unsigned)strtoul(e, NULL, 10);
    e = getenv("SLTD_MRZ_SEED");
    if (e != NULL)
        seed = strtoull(e, NULL, 10);
    rng_state = seed ? seed : 1;
    for (r = 0; r < rounds * 5; r++) {
        gen g;
        sltd_mrz m = SLTD_MRZ_INIT;
        int rc;
        char want_number[23];

        generate(&g, gen_kind(r));
        rc = sltd_mrz_parse(&m, g.text, strlen(g.text));
        ck_assert_msg(rc == 0, "round %u (seed %llu): rc %d at %d:%d %s\n%s", r, (unsigned long long)seed, rc,
                      m.error_line, m.error_pos, m.error_msg ? m.error_msg : "", g.text);
        ck_assert_msg(sltd_mrz_validate(&m), "round %u: not valid\n%s", r, g.text);
        ck_assert_int_eq(m.kind, g.kind);
        ck_assert_str_eq(m.doc_code, g.code);
        ck_assert_str_eq(m.issuing_state, g.state);
        ck_assert_int_eq(sltd__norm_number(want_number, NULL, g.number, strlen(g.number)), 0);
        ck_assert_str_eq(m.number, want_number);
        ck_assert_str_eq(m.number, g.number);
        ck_assert_str_eq(m.nationality, g.nat);
        ck_assert_str_eq(m.birth, g.birth);
        ck_assert_str_eq(m.expiry, g.expiry);
        ck_assert_int_eq(m.sex, g.sex);
        ck_assert_msg(strcmp(m.optional1, g.opt1) == 0, "round %u: optional1 '%s' != '%s'\n%s", r, m.optional1,
                      g.opt1, g.text);
        ck_assert_str_eq(m.optional2, g.opt2);
        ck_assert_msg(strcmp(m.primary_name, g.primary) == 0, "round %u: primary '%s' != '%s'\n%s", r,
                      m.primary_name, g.primary, g.text);
        ck_assert_str_eq(m.secondary_name, g.secondary);
        ck_assert_int_eq(m.long_number, g.long_number);
        ck_assert_int_eq(m.name_truncated, g.truncated);
        if (g.kind == SLTD_MRZ_TD3)
            ck_assert_int_eq(m.optional_check.found, g.c_opt);
        counts[g.kind]++;
        longs += (unsigned)g.long_number;
    }
    for (r = SLTD_MRZ_TD1; r <= SLTD_MRZ_MRVB; r++)
        ck_assert_uint_eq(counts[r], rounds);
    ck_assert_uint_gt(longs, rounds / 2); /* TD1 and TD2 each have about half long numbers */
}
END_TEST

/* Any single digit of the number, birth or expiry fields changed to another digit is caught (the
 * 7-3-1 weights are prime to 10, so a digit-for-digit substitution always changes the sum). */
START_TEST(test_property_single_substitution)
{
    unsigned r, tried = 0;

    rng_state = 0xC0FFEEULL;
    for (r = 0; r < 10000; r++) {
        gen g;
        sltd_mrz m = SLTD_MRZ_INIT;
        sltd_mrz_evidence e = SLTD_MRZ_EVIDENCE_INIT;
        char text[200], *t = text, orig, sub;
        int line, i;
        size_t pos;
        unsigned field = rn(3);
        int rc;

        generate(&g, gen_kind(r));
        if (g.kind == SLTD_MRZ_TD1) {
            line = field == 0 ? 0 : 1;
            pos = field == 0 ? 5 + rn(9) : field == 1 ? rn(6) : 8 + rn(6);
        } else {
            line = 1;
            pos = field == 0 ? rn(9) : field == 1 ? 13 + rn(6) : 21 + rn(6);
        }
        orig = g.lines[line][pos];
        if (orig < '0' || orig > '9')
            continue;
        do
            sub = (char)('0' + rn(10));
        while (sub == orig);
        g.lines[line][pos] = sub;
        for (i = 0; i < g.nl; i++) {
            memcpy(t, g.lines[i], g.w);
            t += g.w;
            *t++ = '\n';
        }
        /* a changed date digit may also make a day that does not exist: then the field is refused */
        rc = sltd_mrz_parse_ex(&m, &e, text, (size_t)(t - text), 0);
        ck_assert_msg(rc == 0 || (rc == SLTD_EMRZ && field != 0 && e.nproblems == 1 &&
                                  e.problems[0].field == (field == 1 ? SLTD_MRZ_FIELD_BIRTH : SLTD_MRZ_FIELD_EXPIRY)),
                      "round %u: rc %d %s", r, rc, m.error_msg ? m.error_msg : "");
        ck_assert_msg(sltd_mrz_validate(&m) == 0, "round %u: substitution not caught\n%.*s", r, (int)(t - text),
                      text);
        tried++;
    }
    ck_assert_uint_gt(tried, 3000);
}
END_TEST

/* A character outside the set at every position of every line of each format, and a digit at every
 * position of the name: the first problem is exactly there, with its reason, whatever 16-byte block
 * of the line it falls in (the parser checks whole lines 16 bytes at a time, then byte by byte). */
START_TEST(test_every_position)
{
    static const char *const texts[] = { TD3S, TD1S, TD2S, MRVB };
    static const struct {
        char c;
        const char *why;
    } bad[] = { { 'a', "lower-case letter (the MRZ is upper case)" },
                { ' ', "blank inside a line" },
                { '!', "character outside [A-Z0-9<]" },
                { (char)0xC3, "character outside [A-Z0-9<]" } };
    char text[200];

    for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
        const size_t len = strlen(texts[t]);

        for (size_t i = 0; i < len; i++) {
            int line = 1, pos = 1;

            if (texts[t][i] == '\n')
                continue;
            for (size_t j = 0; j < i; j++, pos++)
                if (texts[t][j] == '\n') {
                    line++;
                    pos = 0;
                }
            for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
                sltd_mrz m = SLTD_MRZ_INIT;

                memcpy(text, texts[t], len);
                text[i] = bad[b].c;
                /* a blank next to a line end is trimmed away, and the line is one short */
                if (bad[b].c == ' ' && (pos == 1 || i + 1 == len || texts[t][i + 1] == '\n'))
                    continue;
                ck_assert_int_eq(sltd_mrz_parse(&m, text, len), SLTD_EMRZ);
                ck_assert_msg(m.error_line == line && m.error_pos == pos && strcmp(m.error_msg, bad[b].why) == 0,
                              "text %zu, line %d position %d, %#x: line %d position %d, %s", t, line, pos,
                              (unsigned char)bad[b].c, m.error_line, m.error_pos, m.error_msg);
            }
        }
    }
    /* the name of a TD3 at line 1, positions 6-44 */
    for (int pos = 6; pos <= 44; pos++) {
        sltd_mrz m = SLTD_MRZ_INIT;
        sltd_mrz_evidence e = SLTD_MRZ_EVIDENCE_INIT;

        memcpy(text, TD3S, sizeof TD3S);
        text[pos - 1] = '7';
        ck_assert_int_eq(sltd_mrz_parse_ex(&m, &e, text, sizeof TD3S - 1, 0), SLTD_EMRZ);
        ck_assert_int_eq(e.problems[0].field, SLTD_MRZ_FIELD_NAME);
        ck_assert_int_eq(m.error_line, 1);
        ck_assert_int_eq(m.error_pos, pos);
    }
}
END_TEST

/* Every way of ending and padding lines gives the same answer as "\n": LF, CRLF, CR, blank lines and
 * blanks around lines, also where they make the text longer than 16 bytes before a line's end. */
START_TEST(test_every_line_end)
{
    static const char *const texts[] = { TD3S, TD1S, TD1L, TD2S, TD2L, MRVA, MRVB };
    static const char *const sep[] = { "\r\n", "\r", "\n\n", "\r\n\r\n", " \t\n", "\n                  \n",
                                       "\r\r\r", "\n\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t" };
    static const char *const lead[] = { "", "\n", "                 ", "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n" };
    char text[400];

    for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
        sltd_mrz want = SLTD_MRZ_INIT;

        ck_assert_int_eq(sltd_mrz_parse(&want, texts[t], strlen(texts[t])), 0);
        for (size_t s = 0; s < sizeof sep / sizeof sep[0]; s++)
            for (size_t l = 0; l < sizeof lead / sizeof lead[0]; l++)
                for (int tail = 0; tail < 2; tail++) {
                    sltd_mrz m = SLTD_MRZ_INIT;
                    size_t n = 0;

                    n += (size_t)snprintf(text + n, sizeof text - n, "%s", lead[l]);
                    for (const char *c = texts[t]; *c; c++)
                        n += (size_t)snprintf(text + n, sizeof text - n, "%s", *c == '\n' ? sep[s] : (char[]){ *c, 0 });
                    if (tail)
                        n += (size_t)snprintf(text + n, sizeof text - n, "%s", sep[s]);
                    ck_assert_uint_lt(n, sizeof text);
                    ck_assert_int_eq(sltd_mrz_parse(&m, text, n), 0);
                    ck_assert_str_eq(m.number, want.number);
                    ck_assert_str_eq(m.primary_name, want.primary_name);
                    ck_assert_str_eq(m.secondary_name, want.secondary_name);
                    ck_assert_int_eq(m.kind, want.kind);
                }
    }
}
END_TEST

/* ------------------------------------------------------------------ corpus replay */

static int is_mrz_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static void sane(const sltd_mrz *m, int rc, const char *file)
{
    size_t i;

    ck_assert_msg(rc == 0 || rc == SLTD_EMRZ || rc == SLTD_ESTATE || rc == SLTD_ENUMBER, "%s: rc %d", file, rc);
    if (rc != 0) {
        ck_assert_msg(m->error_msg != NULL && m->error_line >= 1 && m->error_line <= 4 && m->error_pos >= 1,
                      "%s: error without position", file);
        return;
    }
    ck_assert_msg(m->kind >= SLTD_MRZ_TD1 && m->kind <= SLTD_MRZ_MRVB, "%s: kind", file);
    ck_assert_msg(m->number[0] != '\0' && strlen(m->number) <= SLTD_NUMBER_MAX, "%s: number", file);
    for (i = 0; m->number[i]; i++)
        ck_assert_msg(is_mrz_char(m->number[i]), "%s: number char", file);
    ck_assert_msg(sltd__norm_state_known(m->issuing_state) && sltd__norm_state_known(m->nationality), "%s: states", file);
    ck_assert_msg(strlen(m->birth) == 6 && strlen(m->expiry) == 6, "%s: dates", file);
    ck_assert_msg(m->sex == 'M' || m->sex == 'F' || m->sex == 'X' || m->sex == '<', "%s: sex", file);
}

START_TEST(test_corpus)
{
    DIR *d;
    struct dirent *de;
    unsigned files = 0;

    if (corpus_dir == NULL) {
        fprintf(stderr, "test_mrz: no corpus directory (argv[1] or SLTD_MRZ_CORPUS): corpus replay skipped\n");
        return;
    }
    d = opendir(corpus_dir);
    ck_assert_msg(d != NULL, "cannot open corpus directory %s", corpus_dir);
    while ((de = readdir(d)) != NULL) {
        char path[4096], buf[65536];
        FILE *f;
        size_t n;
        sltd_mrz m = SLTD_MRZ_INIT;
        int rc;

        if (de->d_name[0] == '.')
            continue;
        ck_assert_int_lt(snprintf(path, sizeof path, "%s/%s", corpus_dir, de->d_name), (int)sizeof path);
        f = fopen(path, "rb");
        ck_assert_msg(f != NULL, "cannot open %s", path);
        n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        rc = sltd_mrz_parse(&m, buf, n);
        sane(&m, rc, de->d_name);
        if (strncmp(de->d_name, "bad_", 4) == 0)
            ck_assert_msg(rc != 0 || !sltd_mrz_validate(&m), "%s: should be rejected or invalid", de->d_name);
        else if (strncmp(de->d_name, "crash-", 6) != 0 && strncmp(de->d_name, "fuzz-", 5) != 0)
            ck_assert_msg(rc == 0 && sltd_mrz_validate(&m), "%s: should be valid (rc %d at %d:%d %s)", de->d_name,
                          rc, m.error_line, m.error_pos, m.error_msg ? m.error_msg : "");
        files++;
    }
    closedir(d);
    ck_assert_uint_gt(files, 0);
}
END_TEST

static Suite *mrz_suite(void)
{
    Suite *s = suite_create("mrz");
    TCase *tc;

    tc = tcase_create("check_digit");
    tcase_add_loop_test(tc, test_check_digit, 0, (int)(sizeof cd_cases / sizeof cd_cases[0]));
    tcase_add_test(tc, test_check_digit_bad_chars);
    suite_add_tcase(s, tc);

    tc = tcase_create("specimens");
    tcase_add_loop_test(tc, test_specimen, 0, (int)(sizeof specs / sizeof specs[0]));
    tcase_add_test(tc, test_kind_names);
    tcase_add_test(tc, test_null_args);
    suite_add_tcase(s, tc);

    tc = tcase_create("check_digits_wrong");
    tcase_add_loop_test(tc, test_wrong_check_digit, 0, (int)(sizeof wrong_cases / sizeof wrong_cases[0]));
    tcase_add_test(tc, test_wrong_data);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_loop_test(tc, test_error, 0, (int)(sizeof err_cases / sizeof err_cases[0]));
    tcase_add_test(tc, test_nul_byte);
    tcase_add_test(tc, test_len_bounds);
    suite_add_tcase(s, tc);

    tc = tcase_create("national_variants");
    tcase_add_test(tc, test_variant_filler_rule);
    tcase_add_test(tc, test_variant_scope);
    suite_add_tcase(s, tc);

    tc = tcase_create("strict_fields");
    tcase_add_loop_test(tc, test_dates, 0, (int)(sizeof date_cases / sizeof date_cases[0]));
    tcase_add_test(tc, test_card_without_expiry);
    tcase_add_loop_test(tc, test_fields, 0, (int)(sizeof field_cases / sizeof field_cases[0]));
    suite_add_tcase(s, tc);

    tc = tcase_create("every_check");
    tcase_add_test(tc, test_every_check_reported);
    tcase_add_test(tc, test_structure_stops);
    tcase_add_test(tc, test_outcome);
    suite_add_tcase(s, tc);

    tc = tcase_create("line_endings");
    tcase_add_loop_test(tc, test_line_endings, 0, (int)(sizeof ending_cases / sizeof ending_cases[0]));
    tcase_add_test(tc, test_td1_crlf_mixed);
    tcase_add_test(tc, test_error_line_ignores_blanks);
    tcase_add_test(tc, test_every_position);
    tcase_add_test(tc, test_every_line_end);
    suite_add_tcase(s, tc);

    tc = tcase_create("property");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_property_roundtrip);
    tcase_add_test(tc, test_property_single_substitution);
    suite_add_tcase(s, tc);

    tc = tcase_create("corpus");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_corpus);
    suite_add_tcase(s, tc);
    return s;
}

int main(int argc, char **argv)
{
    SRunner *sr;
    int failed;

    corpus_dir = argc > 1 ? argv[1] : getenv("SLTD_MRZ_CORPUS");
#ifdef SLTD_MRZ_CORPUS_DIR
    if (corpus_dir == NULL)
        corpus_dir = SLTD_MRZ_CORPUS_DIR;
#endif
    sr = srunner_create(mrz_suite());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
