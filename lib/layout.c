/* SPDX-License-Identifier: Apache-2.0 */
/* layout.c — the older layouts of the output structs, and writing an answer into one (the frame of every
 * public call that fills one: sltd__layout_enter/_leave).
 *
 * A caller states the layout it was compiled with in the struct's `version` (the *_INIT macros set
 * it). A struct grows only at its end, so an older version is the current one cut short: its members
 * are the current members up to the first one added later, at the same offsets. The sizes below are
 * those older structs as their header declared them (the tail padding included), so that a batch
 * walks an older array with its own stride. A struct that embeds another (sltd_mrz_answer embeds two
 * sltd_result) is written member by member into its older layout. Every other output struct is filled
 * whole in a struct of the current version and its first bytes(version) copied out (layouts[]). */
#include "layout.h"

#include <string.h>

#include "error.h"

/* sltd_result version 1: everything before `verdict`. tests/testutil.h declares it again (tu_result_v1),
 * a copy on purpose: the tests hold the library to the old header, not to this declaration. */
typedef struct result_v1 {
    unsigned int version;
    int error;
    int listed;
    unsigned int nrecords;
    sltd_record records[SLTD_RECORDS_MAX];
    uint64_t data_sequence;
    int64_t data_produced;
    int64_t data_expires;
    int stale;
} result_v1;

/* sltd_mrz_answer version 1: version 1 results inside, no `verdict`. tests/test_layout.c declares it again
 * (old_mrz_answer), a copy on purpose as result_v1 is. */
typedef struct mrz_answer_v1 {
    unsigned int version;
    sltd_mrz mrz;
    result_v1 result;
    unsigned int nvariants_tried;
    int variants_truncated;
    unsigned int nvariants_listed;
    int variant_match;
    char variant_number[SLTD_NUMBER_MAX + 1];
    unsigned int variant_nsubst;
    unsigned int variant_pos[2];
    result_v1 variant_result;
} mrz_answer_v1;

/* Every struct written as one block, with the bytes of each of its versions (the last is the current
 * one). A struct that grows adds the bytes of its previous version here, before its sizeof. */
static const sltd__layout layouts[SLTD__LAYOUT_COUNT] = {
    [SLTD__LAYOUT_STATS] = { "sltd_stats", SLTD_STATS_VERSION, { sizeof(sltd_stats) } },
    [SLTD__LAYOUT_VERIFY_REPORT] = { "sltd_verify_report", SLTD_VERIFY_REPORT_VERSION,
                                     { sizeof(sltd_verify_report) } },
    [SLTD__LAYOUT_IMPORT_REPORT] = { "sltd_import_report", SLTD_IMPORT_REPORT_VERSION,
                                     { sizeof(sltd_import_report) } },
    [SLTD__LAYOUT_SCREEN_REPORT] = { "sltd_screen_report", SLTD_SCREEN_REPORT_VERSION,
                                     { sizeof(sltd_screen_report) } },
    [SLTD__LAYOUT_BUNDLE_REPORT] = { "sltd_bundle_report", SLTD_BUNDLE_REPORT_VERSION,
                                     { sizeof(sltd_bundle_report) } },
    [SLTD__LAYOUT_KEYLIST_INFO] = { "sltd_keylist_info", SLTD_KEYLIST_INFO_VERSION,
                                    { sizeof(sltd_keylist_info) } },
    [SLTD__LAYOUT_PUBLISH_REPORT] = { "sltd_publish_report", SLTD_PUBLISH_REPORT_VERSION,
                                      { sizeof(sltd_publish_report) } },
    [SLTD__LAYOUT_SYNC_REPORT] = { "sltd_sync_report", SLTD_SYNC_REPORT_VERSION, { sizeof(sltd_sync_report) } },
    [SLTD__LAYOUT_SYNC_STATE] = { "sltd_sync_state", SLTD_SYNC_STATE_VERSION, { sizeof(sltd_sync_state) } },
    [SLTD__LAYOUT_MRZ] = { "sltd_mrz", SLTD_MRZ_VERSION, { sizeof(sltd_mrz) } },
    [SLTD__LAYOUT_MRZ_EVIDENCE] = { "sltd_mrz_evidence", SLTD_MRZ_EVIDENCE_VERSION, { sizeof(sltd_mrz_evidence) } },
};

/* Each table entry above lists one size: its struct is at version 1. When one grows, its *_VERSION goes
 * up, this fails, and the entry gets the bytes of the version before. sltd_mrz is also embedded in
 * sltd_mrz_answer: when it grows, sltd_mrz_answer gets a new version too, and mrz_answer_v1 above (and
 * every later older layout) a copy of version 1 of sltd_mrz in place of the current one. */
_Static_assert(SLTD_STATS_VERSION == 1 && SLTD_VERIFY_REPORT_VERSION == 1 && SLTD_IMPORT_REPORT_VERSION == 1 &&
                   SLTD_SCREEN_REPORT_VERSION == 1 && SLTD_BUNDLE_REPORT_VERSION == 1 &&
                   SLTD_KEYLIST_INFO_VERSION == 1 && SLTD_PUBLISH_REPORT_VERSION == 1 &&
                   SLTD_SYNC_REPORT_VERSION == 1 && SLTD_SYNC_STATE_VERSION == 1 && SLTD_MRZ_VERSION == 1 &&
                   SLTD_MRZ_EVIDENCE_VERSION == 1,
               "an output struct grew: add the bytes of its previous version to layouts[]");

const sltd__layout *sltd__layout_get(sltd__layout_kind kind)
{
    return &layouts[kind];
}

int sltd__layout_check(const void *out, const sltd__layout *L)
{
    unsigned version;

    if (out == NULL)
        return 0;
    memcpy(&version, out, sizeof version); /* every output struct starts with `unsigned int version` */
    return sltd__layout_version(version, L->current, L->name);
}

void sltd__layout_put(void *out, int version, const sltd__layout *L, const void *full)
{
    const unsigned v = (unsigned)version;

    if (out == NULL || version < 1 || v > L->current)
        return;
    if (out != full)
        memmove(out, full, L->bytes[v - 1]);
    memcpy(out, &v, sizeof v);
}

int sltd__layout_enter(const void *out, sltd__layout_kind kind)
{
    sltd__err_clear();
    return sltd__layout_check(out, sltd__layout_get(kind));
}

int sltd__layout_leave(void *out, int version, sltd__layout_kind kind, const void *full, int rc, const char *fn)
{
    sltd__layout_put(out, version, sltd__layout_get(kind), full);
    return sltd__err_leave(rc, fn);
}

int sltd__layout_version(unsigned version, unsigned current, const char *name)
{
    if (version == 0)
        return sltd__err(SLTD_EINVAL, "%s.version is 0: initialise the struct with its _INIT macro (or set its "
                                      "version) so that the library knows its layout", name);
    return (int)(version < current ? version : current);
}

int sltd__layout_version_known(unsigned version, unsigned current, const char *name, const char *why)
{
    if (version > current)
        return sltd__err(SLTD_EINVAL, "%s.version is %u, newer than this library's (%u): %s are not known to it, "
                                      "so it writes none; run the program with the libsltd it was built against",
                         name, version, current, why);
    return sltd__layout_version(version, current, name);
}

size_t sltd__layout_result_size(unsigned version)
{
    return version == 1 ? sizeof(result_v1) : sizeof(sltd_result);
}

static void result_v1_put(result_v1 *d, const sltd_result *s)
{
    d->version = 1;
    d->error = s->error;
    d->listed = s->listed;
    d->nrecords = s->nrecords;
    memcpy(d->records, s->records, sizeof d->records);
    d->data_sequence = s->data_sequence;
    d->data_produced = s->data_produced;
    d->data_expires = s->data_expires;
    d->stale = s->stale;
}

void sltd__layout_result_put(void *dst, unsigned version, const sltd_result *src)
{
    if (version == 1) {
        result_v1 d;

        memset(&d, 0, sizeof d);
        result_v1_put(&d, src);
        memcpy(dst, &d, sizeof d);
        return;
    }
    memcpy(dst, src, sizeof *src);
}

void sltd__layout_mrz_answer_put(void *dst, unsigned version, const sltd_mrz_answer *src)
{
    if (version == 1) {
        mrz_answer_v1 d;

        memset(&d, 0, sizeof d);
        d.version = 1;
        d.mrz = src->mrz;
        result_v1_put(&d.result, &src->result);
        d.nvariants_tried = src->nvariants_tried;
        d.variants_truncated = src->variants_truncated;
        d.nvariants_listed = src->nvariants_listed;
        d.variant_match = src->variant_match;
        memcpy(d.variant_number, src->variant_number, sizeof d.variant_number);
        d.variant_nsubst = src->variant_nsubst;
        memcpy(d.variant_pos, src->variant_pos, sizeof d.variant_pos);
        result_v1_put(&d.variant_result, &src->variant_result);
        memcpy(dst, &d, sizeof d);
        return;
    }
    memcpy(dst, src, sizeof *src);
}
