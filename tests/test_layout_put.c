/* SPDX-License-Identifier: Apache-2.0 */
/* test_layout_put.c — the layout table and the copy into an older layout, from inside: every struct's
 * table entry agrees with the header, and a struct with older versions (made up here, since every
 * table entry is at version 1 today) gets exactly the bytes of the caller's version. */
#include <check.h>
#include <string.h>

#include "layout.h"
#include "testutil.h"

#define CANARY 0xA5

/* A struct at version 3 whose versions 1 and 2 had 8 and 16 bytes. */
static const sltd__layout grown = { "grown", 3, { 8, 16, 24 } };

static void untouched(const unsigned char *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        ck_assert_msg(p[i] == CANARY, "byte %zu written", i);
}

START_TEST(table_agrees_with_header)
{
    static const struct {
        sltd__layout_kind kind;
        const char *name;
        unsigned current;
        size_t size;
    } want[] = {
        { SLTD__LAYOUT_STATS, "sltd_stats", SLTD_STATS_VERSION, sizeof(sltd_stats) },
        { SLTD__LAYOUT_VERIFY_REPORT, "sltd_verify_report", SLTD_VERIFY_REPORT_VERSION, sizeof(sltd_verify_report) },
        { SLTD__LAYOUT_IMPORT_REPORT, "sltd_import_report", SLTD_IMPORT_REPORT_VERSION, sizeof(sltd_import_report) },
        { SLTD__LAYOUT_SCREEN_REPORT, "sltd_screen_report", SLTD_SCREEN_REPORT_VERSION, sizeof(sltd_screen_report) },
        { SLTD__LAYOUT_BUNDLE_REPORT, "sltd_bundle_report", SLTD_BUNDLE_REPORT_VERSION, sizeof(sltd_bundle_report) },
        { SLTD__LAYOUT_KEYLIST_INFO, "sltd_keylist_info", SLTD_KEYLIST_INFO_VERSION, sizeof(sltd_keylist_info) },
        { SLTD__LAYOUT_PUBLISH_REPORT, "sltd_publish_report", SLTD_PUBLISH_REPORT_VERSION,
          sizeof(sltd_publish_report) },
        { SLTD__LAYOUT_SYNC_REPORT, "sltd_sync_report", SLTD_SYNC_REPORT_VERSION, sizeof(sltd_sync_report) },
        { SLTD__LAYOUT_SYNC_STATE, "sltd_sync_state", SLTD_SYNC_STATE_VERSION, sizeof(sltd_sync_state) },
        { SLTD__LAYOUT_MRZ, "sltd_mrz", SLTD_MRZ_VERSION, sizeof(sltd_mrz) },
        { SLTD__LAYOUT_MRZ_EVIDENCE, "sltd_mrz_evidence", SLTD_MRZ_EVIDENCE_VERSION, sizeof(sltd_mrz_evidence) },
    };
    size_t i;
    unsigned v;

    ck_assert_uint_eq(sizeof want / sizeof want[0], SLTD__LAYOUT_COUNT);
    for (i = 0; i < SLTD__LAYOUT_COUNT; i++) {
        const sltd__layout *L = sltd__layout_get(want[i].kind);

        ck_assert_str_eq(L->name, want[i].name);
        ck_assert_uint_eq(L->current, want[i].current);
        ck_assert_uint_le(L->current, SLTD__LAYOUT_VERSIONS);
        ck_assert_uint_eq(L->bytes[L->current - 1], want[i].size); /* the current version: the sizeof */
        for (v = 1; v < L->current; v++) /* a struct grows only at its end */
            ck_assert_msg(L->bytes[v - 1] > sizeof(unsigned) && L->bytes[v - 1] < L->bytes[v], "%s version %u",
                          L->name, v);
    }
}
END_TEST

START_TEST(version_stated)
{
    unsigned char s[32];
    unsigned v;

    ck_assert_int_eq(sltd__layout_check(NULL, &grown), 0); /* no struct: nothing to write */
    for (v = 0; v < 6; v++) {
        memcpy(s, &v, sizeof v);
        ck_assert_int_eq(sltd__layout_check(s, &grown), v == 0 ? SLTD_EINVAL : v < 3 ? (int)v : 3);
    }
    v = 0;
    memcpy(s, &v, sizeof v);
    ck_assert_int_eq(sltd__layout_check(s, &grown), SLTD_EINVAL);
    ck_assert_ptr_nonnull(strstr(sltd_error_detail(), "grown.version is 0"));
}
END_TEST

/* Each older version gets its own bytes, `version` set to it, and nothing after them. */
START_TEST(older_version_gets_its_bytes)
{
    unsigned char full[24], s[24 + 16];
    unsigned v, w;
    size_t i;

    for (i = 0; i < sizeof full; i++)
        full[i] = (unsigned char)(i + 1);
    v = grown.current;
    memcpy(full, &v, sizeof v); /* the library's struct says its own version */
    for (v = 1; v <= grown.current; v++) {
        memset(s, CANARY, sizeof s);
        sltd__layout_put(s, (int)v, &grown, full);
        memcpy(&w, s, sizeof w);
        ck_assert_uint_eq(w, v);
        ck_assert_mem_eq(s + sizeof w, full + sizeof w, grown.bytes[v - 1] - sizeof w);
        untouched(s + grown.bytes[v - 1], sizeof s - grown.bytes[v - 1]);
    }
    sltd__layout_put(NULL, 1, &grown, full); /* no struct: nothing */
}
END_TEST

int main(void)
{
    const TTest *const tests[] = { table_agrees_with_header, version_stated, older_version_gets_its_bytes };

    return tu_main("layout_put", 30, NULL, NULL, tests, TU_COUNT(tests));
}
