/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_mrz.c — libFuzzer target for sltd_mrz_parse (ICAO Doc 9303 MRZ parser).
 *
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Ilib \
 *            fuzz/fuzz_mrz.c lib/mrz.c lib/norm.c lib/date.c -o fuzz_mrz
 * Run:   ./fuzz_mrz tests/corpus/mrz
 *
 * Besides memory safety it checks the parser's own contract on every input: strings are
 * NUL-terminated within their arrays and drawn from the MRZ alphabet, every problem carries a field,
 * a position and a message in order, a parse is deterministic, strict mode differs only in the
 * national check-digit variant, and the shared lookup decision never lets an invalid document
 * through as "not listed". */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mrz.h"
#include "sltd.h"

static void must(int cond)
{
    if (!cond)
        abort();
}

static void str_ok(const char *s, size_t cap, const char *extra)
{
    size_t n = strnlen(s, cap);
    size_t i;

    must(n < cap);
    for (i = 0; i < n; i++)
        must((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || strchr(extra, s[i]) != NULL);
}

static void check_ok(const sltd_mrz_check *c)
{
    must(c->status == SLTD_MRZ_CHECK_OK || c->status == SLTD_MRZ_CHECK_BAD || c->status == SLTD_MRZ_CHECK_ABSENT);
    if (c->status == SLTD_MRZ_CHECK_ABSENT)
        must(c->found == 0 && c->expected == 0);
    else
        must(c->expected >= '0' && c->expected <= '9');
}

/* The problem list: in (line, position) order, each with a field and a message, the first repeated in
 * the evidence's error and the struct's error_line/error_pos/error_msg. */
static void problems_ok(const sltd_mrz *m, const sltd_mrz_evidence *e, int rc)
{
    unsigned i;

    must(e->version == SLTD_MRZ_EVIDENCE_VERSION && e->number_checked == 0);
    must(e->nproblems <= SLTD_MRZ_PROBLEMS_MAX);
    must((rc == 0) == (e->nproblems == 0));
    must(e->error == rc);
    for (i = 0; i < e->nproblems; i++) {
        const sltd_mrz_problem *p = &e->problems[i];
        must(p->code == SLTD_EMRZ || p->code == SLTD_ESTATE || p->code == SLTD_ENUMBER);
        must(p->msg != NULL && p->line >= 1 && p->line <= 4 && p->pos >= 1);
        must(strcmp(sltd_mrz_field_name(p->field), "?") != 0);
        if (i > 0)
            must(e->problems[i - 1].line < p->line ||
                 (e->problems[i - 1].line == p->line && e->problems[i - 1].pos <= p->pos));
    }
    if (rc != 0)
        must(m->error_msg == e->problems[0].msg && m->error_line == e->problems[0].line &&
             m->error_pos == e->problems[0].pos && rc == e->problems[0].code);
    else
        must(m->error_msg == NULL);
}

/* Every field of a parse that got past the structure (kind set), whatever its problems. */
static void fields_ok(const sltd_mrz *a, const sltd_mrz_evidence *e, int rc)
{
    must(a->kind >= SLTD_MRZ_TD1 && a->kind <= SLTD_MRZ_MRVB);
    str_ok(a->doc_code, sizeof a->doc_code, "");
    must(strlen(a->doc_code) >= 1 || rc == SLTD_EMRZ); /* unreadable only with its problem */
    if (sltd__mrz_key_type(a) != NULL)
        must(sltd__mrz_key_type(a) == a->doc_code && a->doc_code[0] >= 'A' && a->doc_code[0] <= 'Z');
    str_ok(a->issuing_state, sizeof a->issuing_state, "");
    str_ok(a->nationality, sizeof a->nationality, "");
    str_ok(a->number, sizeof a->number, "");
    str_ok(a->birth, sizeof a->birth, "<");
    str_ok(a->expiry, sizeof a->expiry, "<");
    must(strlen(a->birth) == 6 && strlen(a->expiry) == 6);
    str_ok(a->optional1, sizeof a->optional1, "<");
    str_ok(a->optional2, sizeof a->optional2, "<");
    str_ok(a->primary_name, sizeof a->primary_name, " ");
    str_ok(a->secondary_name, sizeof a->secondary_name, " ");
    check_ok(&a->number_check);
    check_ok(&a->birth_check);
    check_ok(&a->expiry_check);
    check_ok(&a->optional_check);
    check_ok(&a->composite_check);
    must(a->number_check.status != SLTD_MRZ_CHECK_ABSENT);
    must((e->number_rule != SLTD_MRZ_RULE_NONE) == (a->number_check.status == SLTD_MRZ_CHECK_OK));
    must(strcmp(sltd_mrz_kind_name(a->kind), "?") != 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sltd_mrz a = SLTD_MRZ_INIT, b = SLTD_MRZ_INIT, s = SLTD_MRZ_INIT;
    sltd_mrz_evidence ea = SLTD_MRZ_EVIDENCE_INIT, eb = SLTD_MRZ_EVIDENCE_INIT, es = SLTD_MRZ_EVIDENCE_INIT;
    int rc = sltd_mrz_parse_ex(&a, &ea, (const char *)data, size, 0);
    int rc2 = sltd_mrz_parse_ex(&b, &eb, (const char *)data, size, 0);
    int rcs = sltd_mrz_parse_ex(&s, &es, (const char *)data, size, SLTD_MRZ_STRICT);

    must(rc == rc2);
    /* deterministic, every byte (the structs are zeroed first) */
    must(memcmp(&a, &b, sizeof a) == 0 && memcmp(&ea, &eb, sizeof ea) == 0);
    must(sltd_mrz_parse(&b, (const char *)data, size) == rc && memcmp(&a, &b, sizeof a) == 0);
    must(rc == 0 || rc == SLTD_EMRZ || rc == SLTD_ESTATE || rc == SLTD_ENUMBER);
    problems_ok(&a, &ea, rc);
    if (rc != 0) /* never valid with a problem */
        must(sltd_mrz_validate(&a) == 0);

    /* strict mode differs only where the national variant was used: the number check digit */
    must(rcs == rc && es.flags == SLTD_MRZ_STRICT && ea.flags == 0 && es.nproblems == ea.nproblems);
    must(es.number_rule != SLTD_MRZ_RULE_FILLER);
    if (ea.number_rule == SLTD_MRZ_RULE_FILLER) {
        must(sltd__mrz_filler_rule(&a, 0) && !sltd__mrz_filler_rule(&a, SLTD_MRZ_STRICT));
        must(s.number_check.status == SLTD_MRZ_CHECK_BAD);
    } else {
        must(es.number_rule == ea.number_rule && s.number_check.status == a.number_check.status);
        must(s.number_check.expected == a.number_check.expected);
    }

    /* the shared decision: a listed key stands; otherwise an invalid or unreadable document is an error */
    must(sltd__mrz_outcome(&a, rc, 1) == 0);
    must(sltd__mrz_outcome(&a, rc, -1) != 0);
    must(rc == 0 || sltd__mrz_outcome(&a, rc, 0) == rc);
    if (sltd__mrz_key_trusted(&a))
        must(sltd__mrz_key_readable(&a));

    if (a.kind == 0) {
        must(rc != 0 && ea.nproblems == 1 && ea.problems[0].field == SLTD_MRZ_FIELD_STRUCTURE);
        must(!sltd__mrz_key_readable(&a));
        return 0;
    }
    fields_ok(&a, &ea, rc);
    fields_ok(&s, &es, rcs);
    if (rc == 0) {
        must(a.number[0] != '\0');
        must(a.sex == 'M' || a.sex == 'F' || a.sex == 'X' || a.sex == '<');
    }
    return 0;
}
