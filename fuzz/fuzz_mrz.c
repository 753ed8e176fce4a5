/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_mrz.c — libFuzzer target for sltd_mrz_parse (ICAO Doc 9303 MRZ parser).
 *
 * Build: clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Ilib \
 *            fuzz/fuzz_mrz.c lib/mrz.c lib/norm.c -o fuzz_mrz
 * Run:   ./fuzz_mrz tests/corpus/mrz
 *
 * Besides memory safety it checks the parser's own contract on every input: strings are
 * NUL-terminated within their arrays and drawn from the MRZ alphabet, errors carry a position and a
 * message, and a parse is deterministic. */
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sltd_mrz a, b;
    int rc = sltd_mrz_parse(&a, (const char *)data, size);
    int rc2 = sltd_mrz_parse(&b, (const char *)data, size);

    must(rc == rc2);
    must(rc == 0 || rc == SLTD_EMRZ || rc == SLTD_ESTATE || rc == SLTD_ENUMBER);
    if (rc != 0) {
        must(a.error_msg != NULL && a.error_line >= 1 && a.error_line <= 4 && a.error_pos >= 1);
        must(a.error_line == b.error_line && a.error_pos == b.error_pos);
        must(sltd_mrz_valid(&a) == 0); /* fails closed */
        return 0;
    }
    must(memcmp(&a, &b, sizeof a) == 0);
    must(a.error_msg == NULL && a.kind >= SLTD_MRZ_TD1 && a.kind <= SLTD_MRZ_MRVB);
    str_ok(a.doc_code, sizeof a.doc_code, "");
    must(strlen(a.doc_code) >= 1);
    str_ok(a.issuing_state, sizeof a.issuing_state, "");
    str_ok(a.nationality, sizeof a.nationality, "");
    str_ok(a.number, sizeof a.number, "");
    must(strlen(a.number) >= 1);
    str_ok(a.birth, sizeof a.birth, "<");
    str_ok(a.expiry, sizeof a.expiry, "<");
    must(strlen(a.birth) == 6 && strlen(a.expiry) == 6);
    must(a.sex == 'M' || a.sex == 'F' || a.sex == 'X' || a.sex == '<');
    str_ok(a.optional1, sizeof a.optional1, "<");
    str_ok(a.optional2, sizeof a.optional2, "<");
    str_ok(a.primary_name, sizeof a.primary_name, " ");
    str_ok(a.secondary_name, sizeof a.secondary_name, " ");
    check_ok(&a.number_check);
    check_ok(&a.birth_check);
    check_ok(&a.expiry_check);
    check_ok(&a.optional_check);
    check_ok(&a.composite_check);
    must(a.number_check.status != SLTD_MRZ_CHECK_ABSENT);
    must(sltd_mrz_valid(&a) == 0 || sltd_mrz_valid(&a) == 1);
    must(strcmp(sltd_mrz_kind_name(a.kind), "?") != 0);
    return 0;
}
