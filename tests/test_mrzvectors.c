/* SPDX-License-Identifier: Apache-2.0 */
/* test_mrzvectors.c — Check suite: every MRZ vector of tests/data/mrz-vectors.tsv (taken from other
 * MRZ parsers' test suites) gives the problems, check digits, key and rule written there, in default
 * and in strict mode; every disagreement with the source has a note; the lookup gate and the shared
 * answer agree with the verdict.
 *
 * Usage: test_mrzvectors [VECTORS.tsv]    (or SLTD_MRZ_VECTORS=FILE) */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mrz.h"
#include "sltd.h"

#define COLS 12
#define LINE_MAX_ 2048

static const char *vectors_path;

enum { C_ID, C_SOURCE, C_FILE, C_NAME, C_LINES, C_VERDICT, C_PROBLEMS, C_BAD, C_STATE, C_NUMBER, C_RULE, C_NOTE };

/* Split a TSV line in place into exactly COLS fields; 0 or -1. */
static int split(char *line, char *col[COLS])
{
    int n = 0;
    char *p = line;

    for (;;) {
        char *tab = strchr(p, '\t');
        if (n == COLS)
            return -1;
        col[n++] = p;
        if (tab == NULL)
            break;
        *tab = '\0';
        p = tab + 1;
    }
    return n == COLS ? 0 : -1;
}

static const char *field_token(int field)
{
    switch (field) {
    case SLTD_MRZ_FIELD_STRUCTURE: return "structure";
    case SLTD_MRZ_FIELD_DOC_CODE: return "doc_code";
    case SLTD_MRZ_FIELD_ISSUING_STATE: return "state";
    case SLTD_MRZ_FIELD_NUMBER: return "number";
    case SLTD_MRZ_FIELD_NATIONALITY: return "nationality";
    case SLTD_MRZ_FIELD_BIRTH: return "birth";
    case SLTD_MRZ_FIELD_SEX: return "sex";
    case SLTD_MRZ_FIELD_EXPIRY: return "expiry";
    case SLTD_MRZ_FIELD_NAME: return "name";
    default: return "?";
    }
}

/* The problems as the TSV writes them: field@line:pos, comma-separated, "-" for none. */
static void problems_text(char *out, size_t cap, const sltd_mrz_evidence *e)
{
    size_t off = 0;
    unsigned i;

    out[0] = '\0';
    for (i = 0; i < e->nproblems; i++) {
        int w = snprintf(out + off, cap - off, "%s%s@%d:%d", i ? "," : "", field_token(e->problems[i].field),
                         e->problems[i].line, e->problems[i].pos);
        ck_assert(w > 0 && (size_t)w < cap - off);
        off += (size_t)w;
    }
    if (off == 0)
        snprintf(out, cap, "-");
}

/* The check digits that do not hold, in a fixed order. */
static void bad_text(char *out, size_t cap, const sltd_mrz *m)
{
    static const char *const names[] = { "number", "birth", "expiry", "optional", "composite" };
    const sltd_mrz_check *c[] = { &m->number_check, &m->birth_check, &m->expiry_check, &m->optional_check,
                                  &m->composite_check };
    size_t i, off = 0;

    out[0] = '\0';
    for (i = 0; i < 5 && m->kind != 0; i++) {
        if (c[i]->status != SLTD_MRZ_CHECK_BAD)
            continue;
        off += (size_t)snprintf(out + off, cap - off, "%s%s", off ? "," : "", names[i]);
    }
    if (off == 0)
        snprintf(out, cap, "-");
}

static int has(const char *list, const char *item)
{
    size_t n = strlen(item);
    const char *p = list;

    while ((p = strstr(p, item)) != NULL) {
        if ((p == list || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
            return 1;
        p += n;
    }
    return 0;
}

/* One vector, both modes. */
static void check_vector(char *col[COLS], const char *where)
{
    char text[512], got[512], strict_bad[128];
    sltd_mrz m = SLTD_MRZ_INIT, s = SLTD_MRZ_INIT;
    sltd_mrz_evidence e = SLTD_MRZ_EVIDENCE_INIT, se = SLTD_MRZ_EVIDENCE_INIT;
    size_t i, n = strlen(col[C_LINES]);
    int rc, valid, src_valid, src_invalid;

    ck_assert_msg(n < sizeof text, "%s: lines too long", where);
    for (i = 0; i <= n; i++)
        text[i] = col[C_LINES][i] == '|' ? '\n' : col[C_LINES][i];

    rc = sltd_mrz_parse_ex(&m, &e, text, n, 0);
    problems_text(got, sizeof got, &e);
    ck_assert_msg(strcmp(got, col[C_PROBLEMS]) == 0, "%s: problems %s, expected %s", where, got, col[C_PROBLEMS]);
    ck_assert_msg((rc != 0) == (strcmp(col[C_PROBLEMS], "-") != 0), "%s: rc %d", where, rc);
    bad_text(got, sizeof got, &m);
    ck_assert_msg(strcmp(got, col[C_BAD]) == 0, "%s: bad checks %s, expected %s", where, got, col[C_BAD]);
    if (strcmp(col[C_STATE], "-") == 0) {
        ck_assert_msg(!sltd__mrz_key_readable(&m), "%s: a key was read", where);
    } else {
        ck_assert_msg(sltd__mrz_key_readable(&m), "%s: no key read", where);
        ck_assert_msg(strcmp(m.issuing_state, col[C_STATE]) == 0, "%s: state %s", where, m.issuing_state);
        ck_assert_msg(strcmp(m.number, col[C_NUMBER]) == 0, "%s: number %s", where, m.number);
    }
    ck_assert_msg(strcmp(m.kind ? sltd_mrz_rule_name(e.number_rule) : "-", col[C_RULE]) == 0, "%s: rule %s",
                  where, sltd_mrz_rule_name(e.number_rule));

    /* the verdict, and the decisions that follow from it */
    valid = sltd_mrz_validate(&m);
    ck_assert_msg(valid == (strcmp(col[C_PROBLEMS], "-") == 0 && strcmp(col[C_BAD], "-") == 0), "%s: valid %d",
                  where, valid);
    ck_assert_int_eq(sltd__mrz_key_trusted(&m), strcmp(col[C_STATE], "-") != 0 && !has(col[C_BAD], "number") &&
                                                     !has(col[C_BAD], "composite"));
    /* a bad field, or a number its digits do not protect, is never "not listed" (the birth, expiry and
     * personal-number digits do not protect the key: alone they are reported, not blocking) */
    if (e.nproblems > 0 || !sltd__mrz_key_trusted(&m))
        ck_assert_msg(sltd__mrz_outcome(&m, rc, 0) != 0, "%s: an invalid document answered 'not listed'", where);
    ck_assert_int_eq(sltd__mrz_outcome(&m, rc, 1), 0);
    ck_assert_int_eq(sltd_mrz_parse(&s, text, n), rc); /* the plain parse: the same fields */
    ck_assert(memcmp(&s, &m, sizeof s) == 0);

    /* a disagreement with the source is explained */
    src_valid = strcmp(col[C_VERDICT], "valid") == 0;
    src_invalid = strcmp(col[C_VERDICT], "invalid") == 0 || strcmp(col[C_VERDICT], "refused") == 0;
    ck_assert_msg(src_valid || src_invalid || strcmp(col[C_VERDICT], "-") == 0, "%s: verdict column", where);
    if ((src_valid && !valid) || (src_invalid && valid))
        ck_assert_msg(strcmp(col[C_NOTE], "-") != 0, "%s: disagrees with its source without a note", where);
    if (strcmp(col[C_VERDICT], "refused") == 0)
        ck_assert_msg(m.kind == 0 || !valid, "%s", where);

    /* strict mode: the same problems; the national variant becomes a wrong number check digit */
    ck_assert_int_eq(sltd_mrz_parse_ex(&s, &se, text, n, SLTD_MRZ_STRICT), rc);
    problems_text(got, sizeof got, &se);
    ck_assert_msg(strcmp(got, col[C_PROBLEMS]) == 0, "%s: strict problems %s", where, got);
    bad_text(strict_bad, sizeof strict_bad, &s);
    if (strcmp(col[C_RULE], "filler_included") == 0) {
        ck_assert_int_eq(se.number_rule, SLTD_MRZ_RULE_NONE);
        ck_assert_msg(has(strict_bad, "number") && !has(col[C_BAD], "number"), "%s: strict %s", where, strict_bad);
        ck_assert_int_eq(sltd_mrz_validate(&s), 0);
        ck_assert_int_eq(sltd__mrz_key_trusted(&s), 0);
    } else {
        ck_assert_msg(strcmp(strict_bad, col[C_BAD]) == 0, "%s: strict bad checks %s", where, strict_bad);
        ck_assert_int_eq(se.number_rule, e.number_rule);
        ck_assert_int_eq(sltd_mrz_validate(&s), valid);
    }
}

START_TEST(test_vectors)
{
    FILE *f;
    char line[LINE_MAX_];
    unsigned lineno = 0, nvec = 0, nsources = 0, ndisagree = 0, nvariant = 0, i;
    char sources[32][32];
    int header = 0;

    ck_assert_msg(vectors_path != NULL, "no vectors file (argv[1] or SLTD_MRZ_VECTORS)");
    f = fopen(vectors_path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", vectors_path);
    while (fgets(line, sizeof line, f) != NULL) {
        char *col[COLS], where[160];
        size_t n = strlen(line);

        lineno++;
        ck_assert_msg(n > 0 && line[n - 1] == '\n', "%s:%u: line too long or unterminated", vectors_path, lineno);
        line[--n] = '\0';
        if (line[0] == '#' || n == 0)
            continue;
        ck_assert_msg(split(line, col) == 0, "%s:%u: not %d columns", vectors_path, lineno, COLS);
        if (!header) {
            ck_assert_str_eq(col[C_ID], "id");
            ck_assert_str_eq(col[C_NOTE], "note");
            header = 1;
            continue;
        }
        snprintf(where, sizeof where, "%s:%u (%s)", vectors_path, lineno, col[C_ID]);
        check_vector(col, where);
        nvec++;
        for (i = 0; i < nsources && strcmp(sources[i], col[C_SOURCE]) != 0; i++)
            ;
        if (i == nsources && nsources < 32)
            snprintf(sources[nsources++], sizeof sources[0], "%s", col[C_SOURCE]);
        ndisagree += strcmp(col[C_NOTE], "-") != 0;
        nvariant += strcmp(col[C_RULE], "filler_included") == 0;
    }
    fclose(f);
    /* the corpus is what it says it is: broad, from several implementations, covering the variant */
    ck_assert_uint_ge(nvec, 150);
    ck_assert_uint_ge(nsources, 5);
    ck_assert_uint_ge(nvariant, 3);
    ck_assert_uint_gt(ndisagree, 0);
}
END_TEST

int main(int argc, char **argv)
{
    Suite *s = suite_create("mrzvectors");
    TCase *tc = tcase_create("vectors");
    SRunner *sr;
    int failed;

    vectors_path = argc > 1 ? argv[1] : getenv("SLTD_MRZ_VECTORS");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_vectors);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
