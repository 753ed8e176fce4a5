/* SPDX-License-Identifier: Apache-2.0 */
/* sltdpy.c — the C side of the Python binding: batch lookups over packed strings (Python then touches
 * only the documents that are not clear), and output structs initialised from the header's own
 * initialisers. Public API only. */

#include "sltdpy.h"

/* The next NUL-terminated string of [*p, end) into *out; 0, or -1 when no whole string is left. */
static int next_string(const char **out, const char **p, const char *end)
{
    const char *nul = *p;

    while (nul < end && *nul != '\0') /* the strings are short: a loop, not a call of memchr */
        nul++;
    if (nul == end)
        return -1;
    *out = *p;
    *p = nul + 1;
    return 0;
}

int sltdpy_lookup_packed(sltd_result *out, uint8_t *verdicts, size_t *not_clear, size_t *nnot_clear,
                         sltd_query *queries, sltd_db *db, size_t n, unsigned int width, const char *packed,
                         size_t len)
{
    const char *p = packed;
    const char *const end = packed + len;
    size_t i, m = 0;
    int rc;

    if (out == NULL || verdicts == NULL || not_clear == NULL || nnot_clear == NULL || queries == NULL ||
        packed == NULL || (width != 2 && width != 3))
        return SLTD_EINVAL;
    *nnot_clear = 0;
    for (i = 0; i < n; i++) {
        const char *type = NULL;

        if (next_string(&queries[i].state, &p, end) != 0 || next_string(&queries[i].number, &p, end) != 0)
            return SLTD_EINVAL;
        if (width == 3 && next_string(&type, &p, end) != 0)
            return SLTD_EINVAL;
        queries[i].type = type != NULL && type[0] != '\0' ? type : NULL;
        out[i].version = SLTD_RESULT_VERSION; /* the library writes every other member */
    }
    if (p != end) /* every byte consumed: the buffer held exactly n * width strings */
        return SLTD_EINVAL;
    rc = sltd_db_lookup_batch(out, db, queries, n);
    for (i = 0; i < n; i++) {
        verdicts[i] = rc == SLTD_OK ? (uint8_t)out[i].verdict : (uint8_t)SLTD_VERDICT_ERROR;
        if (verdicts[i] != SLTD_VERDICT_CLEAR)
            not_clear[m++] = i;
    }
    *nnot_clear = m;
    return rc;
}

void sltdpy_result_init(sltd_result *r)
{
    const sltd_result init = SLTD_RESULT_INIT;

    *r = init;
}

void sltdpy_mrz_answer_init(sltd_mrz_answer *a, sltd_mrz_evidence *e)
{
    const sltd_mrz_answer ainit = SLTD_MRZ_ANSWER_INIT;
    const sltd_mrz_evidence einit = SLTD_MRZ_EVIDENCE_INIT;

    *a = ainit;
    *e = einit;
}

void sltdpy_mrz_init(sltd_mrz *m, sltd_mrz_evidence *e)
{
    const sltd_mrz minit = SLTD_MRZ_INIT;
    const sltd_mrz_evidence einit = SLTD_MRZ_EVIDENCE_INIT;

    *m = minit;
    *e = einit;
}

void sltdpy_options_init(sltd_options *o)
{
    const sltd_options init = SLTD_OPTIONS_INIT;

    *o = init;
}

void sltdpy_screen_options_init(sltd_screen_options *o)
{
    const sltd_screen_options init = SLTD_SCREEN_OPTIONS_INIT;

    *o = init;
}
