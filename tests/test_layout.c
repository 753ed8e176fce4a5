/* SPDX-License-Identifier: Apache-2.0 */
/* test_layout.c — black box: a program built against an older header. Its structs are declared here
 * as version 1 of sltd.h declared them; the library must write those members and not one byte after.
 *
 * The TRIAL table's rows share a shape on purpose: the table-driven form itself. */
#include <check.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "sltd.h"
#include "testutil.h"

/* ---- sltd.h version 1 of the output structs, as an older header declared them ---- */
typedef tu_result_v1 old_result; /* testutil.h: a copy of the old header's */

/* A copy on purpose of lib/layout.c's mrz_answer_v1: the old header as it was, not the library's view of it. */
typedef struct old_mrz_answer {
    unsigned int version;
    sltd_mrz mrz;
    old_result result;
    unsigned int nvariants_tried;
    int variants_truncated;
    unsigned int nvariants_listed;
    int variant_match;
    char variant_number[SLTD_NUMBER_MAX + 1];
    unsigned int variant_nsubst;
    unsigned int variant_pos[2];
    old_result variant_result;
} old_mrz_answer;

/* The structs that were version 1 when the library started reading their `version`, as that header
 * declared them (today's declarations: none has grown since). */
typedef struct old_verify_report {
    unsigned int version;
    uint64_t records;
    uint64_t documents;
    uint8_t checksum[16];
    int counts_ok;
    int checksum_ok;
    int filter_checked;
    uint64_t filter_missing;
} old_verify_report;

typedef struct old_import_report {
    unsigned int version;
    uint64_t rows;
    uint64_t added;
    uint64_t updated;
    uint64_t unchanged;
    uint64_t removed;
    uint64_t not_found;
    uint64_t invalid;
} old_import_report;

typedef struct old_screen_report {
    unsigned int version;
    uint64_t documents;
    uint64_t hits;
    uint64_t invalid;
} old_screen_report;

typedef struct old_bundle_report {
    unsigned int version;
    int kind;
    uint64_t sequence;
    uint64_t base;
    int64_t created;
    int64_t expires;
    uint64_t entries;
    uint64_t records;
    uint8_t checksum[16];
    uint8_t key_id[SLTD_KEYID_SIZE];
    uint64_t added;
    uint64_t updated;
    uint64_t unchanged;
    uint64_t removed;
    uint64_t not_found;
} old_bundle_report;

typedef struct old_keylist_info {
    unsigned int version;
    uint64_t list_version;
    int64_t created;
    int64_t expires;
    uint8_t root_id[SLTD_KEYID_SIZE];
    unsigned int nkeys;
    sltd_key_info keys[SLTD_KEYLIST_MAX];
} old_keylist_info;

typedef struct old_publish_report {
    unsigned int version;
    uint64_t sequence;
    uint64_t records;
    uint8_t checksum[16];
    uint64_t recovered_sequence;
    uint64_t delta_bytes;
    uint64_t full_bytes;
    uint64_t full_sequence;
    unsigned int deltas_listed;
    uint64_t index_bytes;
    int64_t expires;
    unsigned int pruned;
    uint64_t added, updated, unchanged, removed, not_found;
} old_publish_report;

typedef struct old_sync_report {
    unsigned int version;
    int updated;
    int key_recovery;
    uint64_t from_sequence;
    uint64_t to_sequence;
    uint64_t index_sequence;
    int64_t index_published;
    int64_t index_expires;
    uint64_t keys_version;
    unsigned int fulls;
    unsigned int deltas;
    uint64_t bytes_planned;
    uint64_t bytes_fetched;
    uint64_t bytes_resumed;
    unsigned int retries;
    uint64_t records;
    uint8_t checksum[16];
} old_sync_report;

typedef struct old_sync_state {
    unsigned int version;
    int64_t last_sync;
    uint64_t index_sequence;
    int64_t index_published;
    int64_t index_expires;
    uint64_t keys_version;
    uint8_t signer[SLTD_KEYID_SIZE];
} old_sync_state;

typedef struct old_mrz {
    unsigned int version;
    int kind;
    char doc_code[SLTD_TYPE_MAX + 1];
    char issuing_state[SLTD_STATE_MAX + 1];
    char number[SLTD_NUMBER_MAX + 1];
    char nationality[SLTD_STATE_MAX + 1];
    char birth[7];
    char sex;
    char expiry[7];
    char optional1[SLTD_MRZ_OPTIONAL_MAX + 1];
    char optional2[SLTD_MRZ_OPTIONAL2_MAX + 1];
    char primary_name[SLTD_MRZ_NAME_MAX + 1];
    char secondary_name[SLTD_MRZ_NAME_MAX + 1];
    int name_truncated;
    int long_number;
    sltd_mrz_check number_check;
    sltd_mrz_check birth_check;
    sltd_mrz_check expiry_check;
    sltd_mrz_check optional_check;
    sltd_mrz_check composite_check;
    int error_line;
    int error_pos;
    const char *error_msg;
} old_mrz;

typedef struct old_mrz_evidence {
    unsigned int version;
    unsigned int flags;
    int number_rule;
    int error;
    unsigned int nproblems;
    sltd_mrz_problem problems[SLTD_MRZ_PROBLEMS_MAX];
    int number_checked;
} old_mrz_evidence;

#define CANARY 0xA5
#define NCANARY 64

/* An old struct with guard bytes after it, as the caller's memory holds it. */
typedef struct guarded_result {
    old_result r;
    unsigned char after[NCANARY];
} guarded_result;
typedef struct guarded_answer {
    old_mrz_answer a;
    unsigned char after[NCANARY];
} guarded_answer;

static const char L1[] = "P<UTOSPECIMEN<<ANNA<<<<<<<<<<<<<<<<<<<<<<<<<";
static const char L2_LISTED[] = "L898902C36UTO7408122F1204159ZE184226B<<<<<10";
static const char L2_OCR[] = "L8989O2C36UTO7408122F1204159ZE184226B<<<<<10"; /* 0 read as O */

static sltd_db *db;
static char keyfile[4096];

static void setup(void)
{
    sltd_options o = SLTD_OPTIONS_INIT;
    sltd_import_report r = SLTD_IMPORT_REPORT_INIT;
    char path[4096], feed[4096];

    tu_scratch("layout");
    tu_at(path, "db");
    tu_at(feed, "feed.csv");
    ck_assert_int_eq(tu_write(feed, "state,number,type,reference\nUTO,L898902C3,P,OLD-1\n"), 0);
    o.flags = SLTD_OPEN_CREATE;
    tu_at(keyfile, "db.key");
    o.key_path = keyfile;
    ck_assert_int_eq(sltd_db_open(&db, path, &o), 0);
    ck_assert_int_eq(sltd_db_import_feed(&r, db, feed, 0), 0);
}

static void teardown(void)
{
    sltd_db_close(db);
    db = NULL;
    tu_scratch_end();
}

static void untouched(const unsigned char *p, size_t n, const char *what)
{
    size_t i;

    for (i = 0; i < n; i++)
        ck_assert_msg(p[i] == CANARY, "%s: byte %zu after the old struct was written", what, i);
}

static int mrz(void *out, const char *l2, unsigned flags)
{
    char text[128];

    memcpy(text, L1, 44);
    text[44] = '\n';
    memcpy(text + 45, l2, 44);
    return sltd_db_lookup_mrz((sltd_mrz_answer *)out, db, text, 89, flags);
}

START_TEST(old_result_single)
{
    guarded_result g;

    memset(&g, CANARY, sizeof g);
    g.r.version = 1;
    ck_assert_int_eq(sltd_db_lookup((sltd_result *)&g.r, db, "UTO", "L898902C3", NULL), 0);
    ck_assert_uint_eq(g.r.version, 1);
    ck_assert_int_eq(g.r.error, 0);
    ck_assert_int_eq(g.r.listed, 1);
    ck_assert_uint_eq(g.r.nrecords, 1);
    ck_assert_str_eq(g.r.records[0].reference, "OLD-1");
    untouched(g.after, sizeof g.after, "sltd_db_lookup");
    /* an error answer too */
    memset(&g, CANARY, sizeof g);
    g.r.version = 1;
    ck_assert_int_eq(sltd_db_lookup((sltd_result *)&g.r, db, "ZZZ", "L898902C3", NULL), SLTD_ESTATE);
    ck_assert_int_eq(g.r.error, SLTD_ESTATE);
    untouched(g.after, sizeof g.after, "sltd_db_lookup error");
}
END_TEST

START_TEST(old_result_batch)
{
    enum { N = 150 }; /* more than one internal chunk */
    static old_result r[N + 1];
    static sltd_query q[N];
    size_t i;

    memset(r, CANARY, sizeof r);
    r[0].version = 1;
    for (i = 0; i < N; i++) {
        q[i].state = "UTO";
        q[i].number = i % 3 == 0 ? "L898902C3" : i % 3 == 1 ? "X1" : "A.B";
        q[i].type = NULL;
    }
    ck_assert_int_eq(sltd_db_lookup_batch((sltd_result *)r, db, q, N), 0);
    for (i = 0; i < N; i++) { /* each element at the old stride */
        ck_assert_uint_eq(r[i].version, 1);
        ck_assert_int_eq(r[i].error, i % 3 == 2 ? SLTD_ENUMBER : 0);
        ck_assert_int_eq(r[i].listed, i % 3 == 0);
    }
    untouched((const unsigned char *)&r[N], sizeof r[N], "sltd_db_lookup_batch");
    /* a failing batch marks every old element, and nothing after */
    memset(r, CANARY, sizeof r);
    r[0].version = 1;
    ck_assert_int_eq(sltd_db_lookup_batch((sltd_result *)r, NULL, q, N), SLTD_EINVAL);
    for (i = 0; i < N; i++)
        ck_assert_int_eq(r[i].error, SLTD_EINVAL);
    untouched((const unsigned char *)&r[N], sizeof r[N], "sltd_db_lookup_batch error");
}
END_TEST

START_TEST(old_answer_mrz)
{
    static guarded_answer g;

    memset(&g, CANARY, sizeof g);
    g.a.version = 1;
    ck_assert_int_eq(mrz(&g.a, L2_LISTED, 0), 0);
    ck_assert_uint_eq(g.a.version, 1);
    ck_assert_uint_eq(g.a.result.version, 1);
    ck_assert_int_eq(g.a.result.listed, 1);
    ck_assert_str_eq(g.a.result.records[0].reference, "OLD-1");
    ck_assert_str_eq(g.a.mrz.number, "L898902C3");
    untouched(g.after, sizeof g.after, "sltd_db_lookup_mrz");
    /* the variant answer, in the old members */
    memset(&g, CANARY, sizeof g);
    g.a.version = 1;
    ck_assert_int_eq(mrz(&g.a, L2_OCR, SLTD_MRZ_OCR_VARIANTS), 0);
    ck_assert_int_eq(g.a.variant_match, 1);
    ck_assert_str_eq(g.a.variant_number, "L898902C3");
    ck_assert_int_eq(g.a.result.error, SLTD_ECHECKDIGIT);
    ck_assert_str_eq(g.a.variant_result.records[0].reference, "OLD-1");
    untouched(g.after, sizeof g.after, "sltd_db_lookup_mrz variants");
}
END_TEST

/* A struct whose version is not set is refused, and nothing of it is written. */
START_TEST(version_not_set)
{
    sltd_result r;
    sltd_stats st;
    static sltd_mrz_answer a;

    memset(&r, 0, sizeof r);
    r.listed = 7;
    ck_assert_int_eq(sltd_db_lookup(&r, db, "UTO", "L898902C3", NULL), SLTD_EINVAL);
    ck_assert_int_eq(r.listed, 7);
    ck_assert_int_eq(r.verdict, SLTD_VERDICT_UNSET);
    ck_assert_ptr_nonnull(strstr(sltd_error_detail(), "sltd_result.version is 0"));
    ck_assert_int_eq(sltd_db_lookup_batch(&r, db, NULL, 0), 0); /* nothing to write, nothing to check */
    memset(&st, 0, sizeof st);
    ck_assert_int_eq(sltd_db_stats_get(&st, db), SLTD_EINVAL);
    ck_assert_uint_eq(st.records, 0);
    memset(&a, 0, sizeof a);
    ck_assert_int_eq(mrz(&a, L2_LISTED, 0), SLTD_EINVAL);
    ck_assert_int_eq(a.result.listed, 0);
    ck_assert_int_eq(a.verdict, SLTD_VERDICT_UNSET);
}
END_TEST

/* A caller built against a newer header: the library writes what it knows, the rest keeps its
 * initial value (a verdict the library does not set stays UNSET: never clear). */
START_TEST(newer_caller)
{
    struct {
        sltd_result r;
        unsigned char after[NCANARY];
    } g;
    sltd_stats st = SLTD_STATS_INIT;

    memset(&g, CANARY, sizeof g);
    g.r.version = SLTD_RESULT_VERSION + 5;
    ck_assert_int_eq(sltd_db_lookup(&g.r, db, "UTO", "L898902C3", NULL), 0);
    ck_assert_uint_eq(g.r.version, SLTD_RESULT_VERSION);
    ck_assert_int_eq(g.r.verdict, SLTD_VERDICT_LISTED);
    untouched(g.after, sizeof g.after, "newer sltd_result");
    ck_assert_int_eq(sltd_db_stats_get(&st, db), 0);
    ck_assert_uint_eq(st.version, SLTD_STATS_VERSION);
    ck_assert_uint_eq(st.records, 1);
}
END_TEST

/* A batch from a caller built against a newer header: its sltd_result is larger, so its array's
 * elements are further apart than the library's. The library cannot know by how much: written at its
 * own stride, every element after the first would be read shifted (a listed document's `listed` read
 * from another member, its verdict left UNSET). Refused, with a detail, and not one byte written. */
START_TEST(newer_caller_batch)
{
    enum { N = 4 };
    typedef struct newer_result {
        sltd_result r;
        int64_t added_later; /* a member a later header adds */
    } newer_result;
    static struct {
        newer_result r[N];
        unsigned char after[NCANARY];
    } g;
    static const sltd_query q[N] = { { "UTO", "X1", NULL }, { "UTO", "X2", NULL }, { "UTO", "X3", NULL },
                                     { "UTO", "L898902C3", NULL } };
    size_t i;

    memset(&g, CANARY, sizeof g);
    for (i = 0; i < N; i++)
        g.r[i].r.version = SLTD_RESULT_VERSION + 1;
    ck_assert_int_eq(sltd_db_lookup_batch(&g.r[0].r, db, q, N), SLTD_EINVAL);
    ck_assert_msg(strstr(sltd_error_detail(), "sltd_result.version") != NULL, "detail \"%s\"", sltd_error_detail());
    for (i = 0; i < N; i++) {
        ck_assert_uint_eq(g.r[i].r.version, SLTD_RESULT_VERSION + 1);
        untouched((const unsigned char *)&g.r[i] + sizeof(unsigned), sizeof g.r[i] - sizeof(unsigned),
                  "a newer caller's batch");
    }
    untouched(g.after, sizeof g.after, "a newer caller's batch");
}
END_TEST

/* An sltd_mrz_answer from a caller built against a newer header. It embeds sltd_mrz and two
 * sltd_result: when one of them grows, its members after that one move (the answer gets a new version
 * for it), so the library cannot know where a newer answer's members are. Written in its own layout,
 * the variant members would be read from other bytes (a listed variant's variant_match as anything,
 * the verdict left UNSET). Refused, with a detail, and not one byte written. */
START_TEST(newer_caller_answer)
{
    static struct {
        sltd_mrz_answer a;
        unsigned char grown[64]; /* what the newer header added, wherever it is */
        unsigned char after[NCANARY];
    } g;
    const sltd_mrz_evidence ev0 = SLTD_MRZ_EVIDENCE_INIT;
    sltd_mrz_evidence ev = SLTD_MRZ_EVIDENCE_INIT;
    char text[89];

    memcpy(text, L1, 44);
    text[44] = '\n';
    memcpy(text + 45, L2_OCR, 44);
    memset(&g, CANARY, sizeof g);
    g.a.version = SLTD_MRZ_ANSWER_VERSION + 1;
    ck_assert_int_eq(mrz(&g.a, L2_OCR, SLTD_MRZ_OCR_VARIANTS), SLTD_EINVAL);
    ck_assert_msg(strstr(sltd_error_detail(), "sltd_mrz_answer.version") != NULL, "detail \"%s\"",
                  sltd_error_detail());
    ck_assert_uint_eq(g.a.version, SLTD_MRZ_ANSWER_VERSION + 1);
    untouched((const unsigned char *)&g + sizeof(unsigned), sizeof g - sizeof(unsigned), "a newer sltd_mrz_answer");
    /* and the evidence beside it is not written either */
    ck_assert_int_eq(sltd_db_lookup_mrz_ex(&g.a, &ev, db, text, sizeof text, SLTD_MRZ_OCR_VARIANTS),
                     SLTD_EINVAL);
    ck_assert_int_eq(memcmp(&ev, &ev0, sizeof ev), 0);
}
END_TEST

/* ---- every other struct the library fills for a caller ---- */

/* The caller's memory: slot 0 for the struct under test, slot 1 for a second one (a parse's evidence);
 * each a struct of `size` bytes then NCANARY guard bytes. */
static union {
    max_align_t align;
    unsigned char b[2][8192];
} mem;

/* Slot `i` as a caller leaves it: `version` set, every other byte and the guard bytes CANARY. */
static void *caller(int i, size_t size, unsigned version)
{
    ck_assert_uint_le(size + NCANARY, sizeof mem.b[i]);
    memset(mem.b[i], CANARY, size + NCANARY);
    memcpy(mem.b[i], &version, sizeof version);
    return mem.b[i];
}

static unsigned version_in(int i)
{
    unsigned v;

    memcpy(&v, mem.b[i], sizeof v);
    return v;
}

/* The world the calls below run in: a signing key certified by a root, a replica publishing into a
 * repository, a kiosk syncing from it, another applying bundles, a feed and a manifest. */
static char feed2[4096], manifest[4096], bundle[4096], root_sec[4096], root_pub[4096], s_sec[4096], s_pub[4096],
    keylist[4096], repo[4096];
static sltd_db *replica, *kiosk, *applier;
static uint64_t seq_packed; /* the last full bundle's sequence */
static unsigned nrevoked;   /* signing keys made to be revoked */
static long long before;    /* what a call must leave as it was when it is refused */
static int rows_seen;

static sltd_db *open_more(const char *name)
{
    sltd_options o = SLTD_OPTIONS_INIT;
    char dir[4096];
    sltd_db *d = NULL;

    tu_at(dir, name);
    o.flags = SLTD_OPEN_CREATE;
    o.key_path = keyfile;
    ck_assert_int_eq(sltd_db_open(&d, dir, &o), 0);
    return d;
}

static void world_setup(void)
{
    setup();
    tu_at(feed2, "feed2.csv");
    tu_at(manifest, "manifest.csv");
    tu_at(bundle, "full.sltd");
    tu_at(keylist, "keys.sltd");
    tu_at(repo, "repo");
    ck_assert_int_eq(tu_write(feed2, "state,number,type,reference\nUTO,X1234567,P,NEW-1\n"), 0);
    ck_assert_int_eq(tu_write(manifest, "state,number\nUTO,L898902C3\nUTO,X7654321\n"), 0);
    tu_signing_keys(root_sec, root_pub, "root");
    tu_signing_keys(s_sec, s_pub, "signer");
    ck_assert_int_eq(sltd_key_certify(NULL, keylist, root_sec, s_pub, 0, 30), 0);
    replica = open_more("replica");
    kiosk = open_more("kiosk");
    applier = open_more("applier");
    seq_packed = 0;
    nrevoked = 0;
}

static void world_teardown(void)
{
    sltd_db_close(replica);
    sltd_db_close(kiosk);
    sltd_db_close(applier);
    replica = kiosk = applier = NULL;
    teardown();
}

static long long sequence_of(sltd_db *d)
{
    sltd_stats st = SLTD_STATS_INIT;

    ck_assert_int_eq(sltd_db_stats_get(&st, d), 0);
    return (long long)st.sequence;
}

static long long records_of(sltd_db *d)
{
    sltd_stats st = SLTD_STATS_INIT;

    ck_assert_int_eq(sltd_db_stats_get(&st, d), 0);
    return (long long)st.records;
}

/* The file's inode, or -1 when it does not exist (a file replaced atomically gets a new one). */
static long long inode_of(const char *path)
{
    struct stat sb;

    return stat(path, &sb) == 0 ? (long long)sb.st_ino : -1;
}

static int count_row(void *ctx, const sltd_screen_row *row)
{
    (void)ctx;
    (void)row;
    rows_seen++;
    return 0;
}

/* One struct under the rule: how to fill it (the new name, and the 0.1 name if there is one), whether
 * a refused call left everything as it was, and what its version-1 members must hold afterwards. */
typedef struct trial {
    const char *name;
    size_t old_size;                  /* sizeof its version-1 declaration above */
    size_t size;                      /* sizeof today's */
    unsigned current;                 /* today's *_VERSION */
    int (*call)(void *out);           /* returns the call's code */
    int (*call_01)(void *out);        /* the 0.1 name, or NULL */
    int (*nothing_done)(void);        /* after a refused call: 1 when nothing changed */
    void (*check)(const void *out);   /* the members of version 1 after a call that succeeded */
} trial;

static int nothing(void)
{
    return 1;
}

/* sltd_verify_report */
static int verify_call(void *out)
{
    return sltd_db_verify(out, db);
}
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static int verify_call01(void *out)
{
    return sltd_verify(out, db);
}
#pragma GCC diagnostic pop
static void verify_check(const void *p)
{
    const old_verify_report *r = p;

    ck_assert(r->records >= 1 && r->counts_ok == 1 && r->checksum_ok == 1 && r->filter_missing == 0);
}

/* sltd_import_report: the feed adds one document, so a refused import is one that did not add it. */
static int import_call(void *out)
{
    before = records_of(db);
    return sltd_db_import_feed(out, db, feed2, 0);
}
static int import_ex_call(void *out)
{
    const sltd_import_options o = SLTD_IMPORT_OPTIONS_INIT;

    before = records_of(db);
    return sltd_db_import_feed_ex(out, db, feed2, &o);
}
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static int import_call01(void *out)
{
    return sltd_import_feed(out, db, feed2, 0);
}
static int import_ex_call01(void *out)
{
    const sltd_import_options o = SLTD_IMPORT_OPTIONS_INIT;

    return sltd_import_feed_ex(out, db, feed2, &o);
}
#pragma GCC diagnostic pop
static int import_nothing(void)
{
    return records_of(db) == before;
}
static void import_check(const void *p)
{
    const old_import_report *r = p;

    ck_assert(r->rows == 1 && r->added + r->unchanged == 1 && r->invalid == 0);
}

/* sltd_screen_report: a refused screening reads no row. */
static int screen_call(void *out)
{
    sltd_screen_options o = SLTD_SCREEN_OPTIONS_INIT;

    o.row_fn = count_row;
    o.flags = SLTD_SCREEN_ALL;
    rows_seen = 0;
    return sltd_db_screen(out, db, manifest, &o);
}
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static int screen_call01(void *out)
{
    return sltd_screen(out, db, manifest, NULL);
}
#pragma GCC diagnostic pop
static int screen_nothing(void)
{
    return rows_seen == 0;
}
static void screen_check(const void *p)
{
    const old_screen_report *r = p;

    ck_assert(r->documents == 2 && r->hits == 1 && r->invalid == 0);
}

/* sltd_bundle_report, packing: a refused pack writes no bundle. */
static int pack_into(void *out, int old_name)
{
    sltd_pack_options po = SLTD_PACK_OPTIONS_INIT;
    int rc;

    po.key_path = keyfile;
    po.sign_path = s_sec;
    po.sequence = seq_packed + 1;
    unlink(bundle);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    rc = old_name ? sltd_pack_bundle(out, NULL, feed2, bundle, &po) : sltd_bundle_pack(out, NULL, feed2, bundle, &po);
#pragma GCC diagnostic pop
    if (rc == 0)
        seq_packed++;
    return rc;
}
static int pack_call(void *out)
{
    return pack_into(out, 0);
}
static int pack_call01(void *out)
{
    return pack_into(out, 1);
}
static int pack_nothing(void)
{
    return inode_of(bundle) == -1;
}
static void bundle_check(const void *p)
{
    const old_bundle_report *r = p;

    ck_assert(r->kind == SLTD_BUNDLE_FULL && r->sequence == seq_packed && r->entries == 1 && r->records == 1);
}

/* sltd_bundle_report, applying: a refused apply leaves the database at its sequence. */
static int apply_into(void *out, int old_name)
{
    const char *trusted[1] = { s_pub };
    sltd_bundle_report r = SLTD_BUNDLE_REPORT_INIT;

    ck_assert_int_eq(pack_call(&r), 0);
    before = sequence_of(applier);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    return old_name ? sltd_apply_bundle(out, applier, bundle, trusted, 1, 0)
                    : sltd_bundle_apply(out, applier, bundle, trusted, 1, 0);
#pragma GCC diagnostic pop
}
static int apply_call(void *out)
{
    return apply_into(out, 0);
}
static int apply_call01(void *out)
{
    return apply_into(out, 1);
}
static int apply_nothing(void)
{
    return sequence_of(applier) == before;
}

/* sltd_keylist_info: a refused certification or revocation leaves the key list file as it was. */
static int certify_call(void *out)
{
    before = inode_of(keylist);
    return sltd_key_certify(out, keylist, root_sec, s_pub, 0, 30);
}
static int revoke_call(void *out)
{
    char sec[4096], pub[4096], name[32];

    snprintf(name, sizeof name, "revoked%u", ++nrevoked);
    tu_signing_keys(sec, pub, name);
    ck_assert_int_eq(sltd_key_certify(NULL, keylist, root_sec, pub, 0, 30), 0);
    before = inode_of(keylist);
    return sltd_key_revoke(out, keylist, root_sec, pub);
}
static int keylist_nothing(void)
{
    return inode_of(keylist) == before;
}
static void keylist_check(const void *p)
{
    const old_keylist_info *k = p;

    ck_assert(k->list_version >= 2 && k->nkeys >= 1 && k->expires > k->created);
}

/* sltd_publish_report: a refused publish leaves the replica at its sequence. */
static int publish_call(void *out)
{
    sltd_publish_options po = SLTD_PUBLISH_OPTIONS_INIT;

    po.sign_path = s_sec;
    po.keys_path = keylist;
    before = sequence_of(replica);
    return sltd_publish(out, replica, repo, feed2, &po);
}
static int publish_nothing(void)
{
    return sequence_of(replica) == before;
}
static void publish_check(const void *p)
{
    const old_publish_report *r = p;

    ck_assert(r->sequence >= 1 && r->records == 1 && r->index_bytes > 0);
}

/* sltd_sync_report: with a new sequence published, a refused sync leaves the kiosk where it was. */
static int sync_call(void *out)
{
    sltd_sync_options so = SLTD_SYNC_OPTIONS_INIT;
    const char *roots[1] = { root_pub };

    so.roots = roots;
    so.nroots = 1;
    ck_assert_int_eq(publish_call(&(sltd_publish_report)SLTD_PUBLISH_REPORT_INIT), 0);
    before = sequence_of(kiosk);
    return sltd_sync(out, kiosk, repo, &so);
}
static int sync_nothing(void)
{
    return sequence_of(kiosk) == before;
}
static void sync_check(const void *p)
{
    const old_sync_report *r = p;

    ck_assert(r->updated == 1 && r->to_sequence == r->index_sequence && r->records == 1);
}

/* sltd_sync_state (read only) */
static int sync_state_call(void *out)
{
    return sltd_sync_state_get(out, db);
}
static void sync_state_check(const void *p)
{
    const old_sync_state *s = p;

    ck_assert(s->last_sync == 0 && s->index_sequence == 0); /* this database never synced */
}

/* sltd_mrz and sltd_mrz_evidence */
static char mrz_text[128];
static size_t mrz_len(void)
{
    memcpy(mrz_text, L1, 44);
    mrz_text[44] = '\n';
    memcpy(mrz_text + 45, L2_LISTED, 44);
    return 89;
}
static int mrz_call(void *out)
{
    return sltd_mrz_parse_ex(out, NULL, mrz_text, mrz_len(), 0);
}
static int mrz_call01(void *out) /* the same name since 0.1 */
{
    return sltd_mrz_parse(out, mrz_text, mrz_len());
}
static void mrz_check(const void *p)
{
    const old_mrz *m = p;

    ck_assert(m->kind == SLTD_MRZ_TD3 && strcmp(m->number, "L898902C3") == 0 && m->error_msg == NULL);
}
static sltd_mrz_answer answer;
static int evidence_call(void *out)
{
    const sltd_mrz_answer init = SLTD_MRZ_ANSWER_INIT;

    answer = init;
    return sltd_db_lookup_mrz_ex(&answer, out, db, mrz_text, mrz_len(), 0);
}
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static int evidence_call01(void *out)
{
    const sltd_mrz_answer init = SLTD_MRZ_ANSWER_INIT;

    answer = init;
    return sltd_lookup_mrz_ex(&answer, out, db, mrz_text, mrz_len(), 0);
}
#pragma GCC diagnostic pop
static int evidence_nothing(void)
{
    return answer.verdict == SLTD_VERDICT_UNSET && answer.mrz.kind == 0 && answer.result.listed == 0;
}
static void evidence_check(const void *p)
{
    const old_mrz_evidence *e = p;

    ck_assert(e->error == 0 && e->nproblems == 0 && e->number_checked == 1 && e->number_rule == SLTD_MRZ_RULE_ICAO);
}
static int parse_evidence_call(void *out)
{
    sltd_mrz m = SLTD_MRZ_INIT;

    return sltd_mrz_parse_ex(&m, out, mrz_text, mrz_len(), 0);
}
static void parse_evidence_check(const void *p)
{
    const old_mrz_evidence *e = p;

    ck_assert(e->error == 0 && e->nproblems == 0 && e->number_checked == 0 && e->number_rule == SLTD_MRZ_RULE_ICAO);
}

#define TRIAL(T, name, V, call, call01, nothing_done, check) \
    { #name, sizeof(old_##T), sizeof(sltd_##T), V, call, call01, nothing_done, check }
static const trial trials[] = {
    TRIAL(verify_report, sltd_verify_report, SLTD_VERIFY_REPORT_VERSION, verify_call, verify_call01, nothing,
          verify_check),
    TRIAL(import_report, sltd_import_report, SLTD_IMPORT_REPORT_VERSION, import_call, import_call01, import_nothing,
          import_check),
    TRIAL(import_report, sltd_import_report, SLTD_IMPORT_REPORT_VERSION, import_ex_call, import_ex_call01,
          import_nothing, import_check),
    TRIAL(screen_report, sltd_screen_report, SLTD_SCREEN_REPORT_VERSION, screen_call, screen_call01, screen_nothing,
          screen_check),
    TRIAL(bundle_report, sltd_bundle_report, SLTD_BUNDLE_REPORT_VERSION, pack_call, pack_call01, pack_nothing,
          bundle_check),
    TRIAL(bundle_report, sltd_bundle_report, SLTD_BUNDLE_REPORT_VERSION, apply_call, apply_call01, apply_nothing,
          bundle_check),
    TRIAL(keylist_info, sltd_keylist_info, SLTD_KEYLIST_INFO_VERSION, certify_call, NULL, keylist_nothing,
          keylist_check),
    TRIAL(keylist_info, sltd_keylist_info, SLTD_KEYLIST_INFO_VERSION, revoke_call, NULL, keylist_nothing,
          keylist_check),
    TRIAL(publish_report, sltd_publish_report, SLTD_PUBLISH_REPORT_VERSION, publish_call, NULL, publish_nothing,
          publish_check),
    TRIAL(sync_report, sltd_sync_report, SLTD_SYNC_REPORT_VERSION, sync_call, NULL, sync_nothing, sync_check),
    TRIAL(sync_state, sltd_sync_state, SLTD_SYNC_STATE_VERSION, sync_state_call, NULL, nothing, sync_state_check),
    TRIAL(mrz, sltd_mrz, SLTD_MRZ_VERSION, mrz_call, mrz_call01, nothing, mrz_check),
    TRIAL(mrz_evidence, sltd_mrz_evidence, SLTD_MRZ_EVIDENCE_VERSION, evidence_call, evidence_call01,
          evidence_nothing, evidence_check),
    TRIAL(mrz_evidence, sltd_mrz_evidence, SLTD_MRZ_EVIDENCE_VERSION, parse_evidence_call, NULL, nothing,
          parse_evidence_check),
};

/* Version 0 (not set): refused with SLTD_EINVAL and a detail naming the struct; not one byte of the
 * struct written, and nothing done (no import, no bundle, no apply, no key list, no publish, no sync). */
START_TEST(report_version_not_set)
{
    const trial *t = &trials[_i];
    char want[64];
    void *out = caller(0, t->size, 0);

    snprintf(want, sizeof want, "%s.version is 0", t->name);
    ck_assert_int_eq(t->call(out), SLTD_EINVAL);
    ck_assert_msg(strstr(sltd_error_detail(), want) != NULL, "%s: detail \"%s\"", t->name, sltd_error_detail());
    untouched(mem.b[0] + sizeof(unsigned), t->size + NCANARY - sizeof(unsigned), t->name);
    ck_assert_msg(t->nothing_done(), "%s: a refused call did something", t->name);
}
END_TEST

/* A program built against the version-1 header: exactly those members, the guard bytes untouched. */
START_TEST(report_older_header)
{
    const trial *t = &trials[_i];
    void *out = caller(0, t->old_size, 1);
    int rc = t->call(out);

    ck_assert_msg(rc == 0, "%s: %s %s", t->name, sltd_error_text(rc), sltd_error_detail());
    ck_assert_uint_eq(version_in(0), 1);
    t->check(out);
    untouched(mem.b[0] + t->old_size, NCANARY, t->name);
}
END_TEST

/* A program built against a newer header than the library: the library's members, `version` set to
 * the version written, and the members the library does not know (here the guard bytes) untouched. */
START_TEST(report_newer_caller)
{
    const trial *t = &trials[_i];
    void *out = caller(0, t->size, t->current + 3);
    int rc = t->call(out);

    ck_assert_msg(rc == 0, "%s: %s %s", t->name, sltd_error_text(rc), sltd_error_detail());
    ck_assert_uint_eq(version_in(0), t->current);
    t->check(out);
    untouched(mem.b[0] + t->size, NCANARY, t->name);
}
END_TEST

/* The 0.1 names (and sltd_mrz_parse, unchanged since 0.1): the caller is a 0.1 build whose `version`
 * holds whatever its stack held; version 1 is written, whatever it holds. */
START_TEST(report_old_names_write_v1)
{
    static const unsigned garbage[] = { 0, 2, 1000, 0xA5A5A5A5u };
    const trial *t = &trials[_i];
    size_t g;

    if (t->call_01 == NULL) /* new in 0.2: no 0.1 caller */
        return;
    for (g = 0; g < sizeof garbage / sizeof garbage[0]; g++) {
        void *out = caller(0, t->old_size, garbage[g]);
        int rc = t->call_01(out);

        ck_assert_msg(rc == 0, "%s, version %u: %s %s", t->name, garbage[g], sltd_error_text(rc), sltd_error_detail());
        ck_assert_uint_eq(version_in(0), 1);
        t->check(out);
        untouched(mem.b[0] + t->old_size, NCANARY, t->name);
    }
}
END_TEST

/* The same for the 0.1 names of the calls that fill sltd_result, sltd_mrz_answer and sltd_stats. */
START_TEST(lookup_old_names_write_v1)
{
    static const unsigned garbage[] = { 0, 2, 3, 0xA5A5A5A5u };
    static guarded_answer ga;
    static struct {
        old_result r[2];
        unsigned char after[NCANARY];
    } gb;
    guarded_result g;
    sltd_query q[2] = { { "UTO", "L898902C3", NULL }, { "UTO", "X1", NULL } };
    size_t i;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    for (i = 0; i < sizeof garbage / sizeof garbage[0]; i++) {
        void *st;

        memset(&g, CANARY, sizeof g);
        memcpy(&g.r.version, &garbage[i], sizeof garbage[i]);
        ck_assert_int_eq(sltd_lookup((sltd_result *)&g.r, db, "UTO", "L898902C3", NULL), 0);
        ck_assert(g.r.version == 1 && g.r.listed == 1);
        untouched(g.after, sizeof g.after, "sltd_lookup");
        memset(&gb, CANARY, sizeof gb);
        memcpy(&gb.r[0].version, &garbage[i], sizeof garbage[i]);
        ck_assert_int_eq(sltd_lookup_batch((sltd_result *)gb.r, db, q, 2), 0);
        ck_assert(gb.r[0].listed == 1 && gb.r[1].version == 1 && gb.r[1].listed == 0);
        untouched(gb.after, sizeof gb.after, "sltd_lookup_batch");
        memset(&ga, CANARY, sizeof ga);
        memcpy(&ga.a.version, &garbage[i], sizeof garbage[i]);
        ck_assert_int_eq(sltd_lookup_mrz((sltd_mrz_answer *)&ga.a, db, mrz_text, mrz_len(), 0), 0);
        ck_assert(ga.a.version == 1 && ga.a.result.listed == 1);
        untouched(ga.after, sizeof ga.after, "sltd_lookup_mrz");
        st = caller(0, sizeof(sltd_stats), garbage[i]);
        ck_assert_int_eq(sltd_stats_get(st, db), 0);
        ck_assert_uint_eq(version_in(0), 1);
        untouched(mem.b[0] + sizeof(sltd_stats), NCANARY, "sltd_stats_get");
    }
#pragma GCC diagnostic pop
}
END_TEST

/* sltd_mrz_parse_ex refuses an unset version in either struct before it writes the other. */
START_TEST(parse_either_version_not_set)
{
    void *m = caller(0, sizeof(sltd_mrz), SLTD_MRZ_VERSION);
    void *e = caller(1, sizeof(sltd_mrz_evidence), 0);

    ck_assert_int_eq(sltd_mrz_parse_ex(m, e, mrz_text, mrz_len(), 0), SLTD_EINVAL);
    ck_assert_ptr_nonnull(strstr(sltd_error_detail(), "sltd_mrz_evidence.version is 0"));
    untouched(mem.b[0] + sizeof(unsigned), sizeof(sltd_mrz) + NCANARY - sizeof(unsigned), "sltd_mrz");
    m = caller(0, sizeof(sltd_mrz), 0);
    e = caller(1, sizeof(sltd_mrz_evidence), SLTD_MRZ_EVIDENCE_VERSION);
    ck_assert_int_eq(sltd_mrz_parse_ex(m, e, mrz_text, mrz_len(), 0), SLTD_EINVAL);
    untouched(mem.b[1] + sizeof(unsigned), sizeof(sltd_mrz_evidence) + NCANARY - sizeof(unsigned),
              "sltd_mrz_evidence");
    /* sltd_mrz_parse is the 0.1 call: an unset version is not refused, version 1 is written */
    m = caller(0, sizeof(old_mrz), 0);
    ck_assert_int_eq(sltd_mrz_parse(m, mrz_text, mrz_len()), 0);
    ck_assert_uint_eq(version_in(0), 1);
}
END_TEST

int main(void)
{
    const TTest *const tests[] = { old_result_single, old_result_batch, old_answer_mrz, version_not_set,
                                   newer_caller, newer_caller_batch, newer_caller_answer };
    const int ntrials = (int)(sizeof trials / sizeof trials[0]);
    Suite *s = suite_create("layout");
    TCase *tc = tu_tcase(s, "results", 60, setup, teardown);
    TCase *tr = tu_tcase(s, "reports", 60, world_setup, world_teardown);
    size_t i;

    for (i = 0; i < TU_COUNT(tests); i++)
        tcase_add_test(tc, tests[i]);
    tcase_add_loop_test(tr, report_version_not_set, 0, ntrials);
    tcase_add_loop_test(tr, report_older_header, 0, ntrials);
    tcase_add_loop_test(tr, report_newer_caller, 0, ntrials);
    tcase_add_loop_test(tr, report_old_names_write_v1, 0, ntrials);
    tcase_add_test(tr, lookup_old_names_write_v1);
    tcase_add_test(tr, parse_either_version_not_set);
    return tu_run(s);
}
