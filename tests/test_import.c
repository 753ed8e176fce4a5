/* SPDX-License-Identifier: Apache-2.0 */
/* test_import.c — the bounded-memory sorter and the import on one or two threads: the same order, the
 * same groups and the same database bytes whichever way the work is split (runs merged on the reading
 * thread or on a second one, read in part and rewound). */
#include <check.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "entries.h"
#include "sltd.h"
#include "sorter.h"
#include "testutil.h"

static void setup(void)
{
    tu_scratch("import");
}

static void teardown(void)
{
    tu_scratch_end();
}

/* n entries with digests drawn from a set of `distinct` (many repeats), in input order. */
static void make_entries(sltd__entry *v, size_t n, size_t distinct, uint64_t seed)
{
    size_t i;

    memset(v, 0, n * sizeof *v);
    for (i = 0; i < n; i++) {
        uint64_t r = tu_rand(&seed) % distinct, h = r * 0x9e3779b97f4a7c15ULL;
        memcpy(v[i].d, &h, 8);
        v[i].d[0] = (uint8_t)(r % 7); /* few first bytes: big buckets too */
        memcpy(v[i].d + 8, &r, 8);
        v[i].action = SLTD__UPDATE_ADD;
        v[i].len = 1;
        v[i].rec[0] = (uint8_t)i;
        v[i].line = (uint32_t)i;
    }
}

/* Every entry out of a sorter, in order, into out[]; the number read. Each group is every entry of its
 * digest: one digest, not the previous group's. */
static size_t drain(sltd__sorter *s, sltd__entry *out, size_t cap)
{
    const sltd__entry *g;
    size_t gn, k = 0, j;
    int rc;

    while ((rc = sltd__sorter_next_group(s, &g, &gn)) == 1) {
        ck_assert_uint_gt(gn, 0);
        if (k > 0)
            ck_assert(memcmp(out[k - 1].d, g[0].d, SLTD_DIGEST_SIZE) != 0);
        for (j = 0; j < gn; j++) {
            ck_assert_mem_eq(g[j].d, g[0].d, SLTD_DIGEST_SIZE); /* a group is one digest */
            ck_assert_uint_lt(k, cap);
            out[k++] = g[j];
        }
    }
    ck_assert_int_eq(rc, 0);
    return k;
}

/* n entries (6,000, and 20,000 over several of the merged stream's 4,096-entry batches, so that groups
 * span them: groups of ~3 entries, then of ~10,000, larger than a batch) sorted alike on one and two
 * threads, with and without spilled runs. */
START_TEST(sorter_same_on_one_and_two_threads)
{
    const size_t max = 20000;
    sltd__entry *in = malloc(max * sizeof *in), *a = malloc(max * sizeof *a), *b = malloc(max * sizeof *b);
    static const size_t budgets[] = { 0, 97, 1000, 2999, 6000 };
    size_t i, k;

    ck_assert(in != NULL && a != NULL && b != NULL);
    for (int round = 0; round < 3; round++) {
        const size_t n = round == 0 ? 6000 : max, distinct = round < 2 ? n / 3 + 1 : 2;
        make_entries(in, n, distinct, 42);
        for (k = 0; k < TU_COUNT(budgets); k++) {
            sltd__sorter *s1, *s2;
            ck_assert_int_eq(sltd__sorter_open(&s1, tu_dir, budgets[k], 1), 0);
            ck_assert_int_eq(sltd__sorter_open(&s2, tu_dir, budgets[k], 2), 0);
            for (i = 0; i < n; i++) {
                ck_assert_int_eq(sltd__sorter_push(s1, &in[i]), 0);
                ck_assert_int_eq(sltd__sorter_push(s2, &in[i]), 0);
            }
            ck_assert_int_eq(sltd__sorter_finish(s1), 0);
            ck_assert_int_eq(sltd__sorter_finish(s2), 0);
            ck_assert_uint_eq(sltd__sorter_runs(s1), sltd__sorter_runs(s2));
            if (budgets[k] == 97)
                ck_assert_uint_eq(sltd__sorter_runs(s1), (n - 1) / 97);
            ck_assert_uint_eq(drain(s1, a, n), n);
            for (i = 0; i < 10 && i < distinct; i++) { /* part of the stream, then from the start again */
                const sltd__entry *g;
                size_t gn;
                ck_assert_int_eq(sltd__sorter_next_group(s2, &g, &gn), 1);
            }
            ck_assert_int_eq(sltd__sorter_rewind(s2), 0);
            ck_assert_uint_eq(drain(s2, b, n), n);
            ck_assert_mem_eq(a, b, n * sizeof *a);
            for (i = 1; i < n; i++) { /* (digest, input order) */
                int c = memcmp(a[i - 1].d, a[i].d, SLTD_DIGEST_SIZE);
                ck_assert(c < 0 || (c == 0 && a[i - 1].seq < a[i].seq));
            }
            /* read again after a rewind: the same */
            ck_assert_int_eq(sltd__sorter_rewind(s2), 0);
            ck_assert_uint_eq(drain(s2, b, n), n);
            ck_assert_mem_eq(a, b, n * sizeof *a);
            ck_assert_int_eq(sltd__sorter_rewind(s2), 0); /* closed while the stream is being merged */
            sltd__sorter_close(s1);
            sltd__sorter_close(s2);
        }
    }
    free(in);
    free(a);
    free(b);
}
END_TEST

/* A feed with repeats, other listings of a document, removals and a serial range. */
static void write_feed(const char *path)
{
    FILE *f = fopen(path, "w");
    char num[16];
    unsigned long i;

    ck_assert_ptr_nonnull(f);
    fputs("state,number,number_from,number_to,type,status,reference,action\n", f);
    for (i = 0; i < 12000; i++) {
        tu_number(num, 41, i % 10000);
        fprintf(f, "UTO,%s,,,%s,%s,R%lu,add\n", num, i % 11 == 3 ? "ID" : "P", i % 3 ? "stolen" : "lost", i);
        if (i % 97 == 5) {
            tu_number(num, 41, i / 2);
            fprintf(f, "D,%s,,,,,,remove\n", num);
            fprintf(f, "UTO,%s,,,P,,,remove\n", num);
        }
    }
    fputs("FRA,,X000100,X000999,P,stolen_blank,,add\n", f);
    ck_assert_int_eq(fclose(f), 0);
}

/* Every key and value of the records table, in order, as one byte string (free it); *len its length. */
static char *dump(const char *dir, size_t *len)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_cursor *c;
    MDB_val k, v;
    char *out = NULL;
    size_t cap = 0, n = 0;
    int rc;

    ck_assert_int_eq(mdb_env_create(&env), 0);
    mdb_env_set_maxdbs(env, 4);
    ck_assert_int_eq(mdb_env_open(env, dir, MDB_RDONLY, 0644), 0);
    ck_assert_int_eq(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
    ck_assert_int_eq(mdb_dbi_open(txn, NULL, 0, &dbi), 0);
    ck_assert_int_eq(mdb_cursor_open(txn, dbi, &c), 0);
    while ((rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) == 0) {
        if (n + k.mv_size + v.mv_size + 2 > cap) {
            cap = (cap + k.mv_size + v.mv_size + 2) * 2;
            out = realloc(out, cap);
            ck_assert_ptr_nonnull(out);
        }
        out[n++] = (char)k.mv_size;
        memcpy(out + n, k.mv_data, k.mv_size);
        n += k.mv_size;
        out[n++] = (char)v.mv_size;
        memcpy(out + n, v.mv_data, v.mv_size);
        n += v.mv_size;
    }
    ck_assert_int_eq(rc, MDB_NOTFOUND);
    mdb_cursor_close(c);
    mdb_txn_abort(txn);
    mdb_env_close(env);
    *len = n;
    return out;
}

/* Import the feed into a new database DIR/name with these threads and budget; its checksum. */
static void import_into(const char *feed, const char *key, const char *name, unsigned threads, size_t budget,
                        uint8_t sum[16], sltd_import_report *rep)
{
    sltd_options o = SLTD_OPTIONS_INIT;
    sltd_import_options io = SLTD_IMPORT_OPTIONS_INIT;
    sltd_stats st = SLTD_STATS_INIT;
    sltd_db *db = NULL;
    char dir[4096];

    tu_at(dir, name);
    o.flags = SLTD_OPEN_CREATE;
    o.key_path = key;
    ck_assert_int_eq(sltd_db_open(&db, dir, &o), 0);
    io.threads = threads;
    io.memory_budget = budget;
    ck_assert_int_eq(sltd_db_import_feed_ex(rep, db, feed, &io), 0);
    ck_assert_int_eq(sltd_db_stats_get(&st, db), 0);
    memcpy(sum, st.checksum, 16);
    sltd_db_close(db);
}

START_TEST(parallel_import_equals_sequential)
{
    static const struct {
        const char *name;
        unsigned threads;
        size_t budget;
    } ways[] = { { "seq", 1, 1000 }, { "par", 2, 1000 }, { "par-one-run", 2, 0 }, { "default", 0, 777 } };
    char feed[4096], key[4096], dir[4096];
    uint8_t sum[4][16];
    sltd_import_report rep[4] = { SLTD_IMPORT_REPORT_INIT, SLTD_IMPORT_REPORT_INIT, SLTD_IMPORT_REPORT_INIT,
                                  SLTD_IMPORT_REPORT_INIT };
    char *bytes[4];
    size_t len[4], i;

    tu_at(feed, "feed.csv");
    tu_at(key, "db.key");
    write_feed(feed);
    for (i = 0; i < 4; i++) {
        import_into(feed, key, ways[i].name, ways[i].threads, ways[i].budget, sum[i], &rep[i]);
        tu_at(dir, ways[i].name);
        bytes[i] = dump(dir, &len[i]);
    }
    ck_assert_uint_gt(rep[0].removed, 0);
    ck_assert_uint_gt(rep[0].updated, 0);
    ck_assert_uint_gt(len[0], 10000 * 18);
    for (i = 1; i < 4; i++) {
        ck_assert_uint_eq(rep[i].rows, rep[0].rows);
        ck_assert_uint_eq(rep[i].added, rep[0].added);
        ck_assert_uint_eq(rep[i].updated, rep[0].updated);
        ck_assert_uint_eq(rep[i].removed, rep[0].removed);
        ck_assert_uint_eq(rep[i].not_found, rep[0].not_found);
        ck_assert_mem_eq(sum[i], sum[0], 16);
        ck_assert_uint_eq(len[i], len[0]);
        ck_assert_mem_eq(bytes[i], bytes[0], len[0]);
    }
    for (i = 0; i < 4; i++)
        free(bytes[i]);
}
END_TEST

/* Options of version 1 (no threads member) are still accepted. */
START_TEST(options_version_1_accepted)
{
    sltd_options o = SLTD_OPTIONS_INIT;
    sltd_import_options io = SLTD_IMPORT_OPTIONS_INIT;
    sltd_import_report rep = SLTD_IMPORT_REPORT_INIT;
    sltd_db *db = NULL;
    char dir[4096], feed[4096];

    tu_at(dir, "db");
    tu_at(feed, "feed.csv");
    ck_assert_int_eq(tu_feed(feed, 3, 0, 100), 0);
    o.flags = SLTD_OPEN_CREATE;
    ck_assert_int_eq(sltd_db_open(&db, dir, &o), 0);
    io.version = 1;
    io.threads = 99; /* not read: a version 1 caller has no such member */
    ck_assert_int_eq(sltd_db_import_feed_ex(&rep, db, feed, &io), 0);
    ck_assert_uint_eq(rep.added, 100);
    io.version = 3;
    ck_assert_int_eq(sltd_db_import_feed_ex(&rep, db, feed, &io), SLTD_EINVAL);
    sltd_db_close(db);
}
END_TEST

/* An import on two threads, spilling packed runs and setting the new documents' filter bits on the second
 * thread: the filter verifies (the lookups use it) and finds every document; a document not imported
 * is not listed. */
START_TEST(two_thread_import_filter_holds_every_document)
{
    const unsigned long n = 30000;
    sltd_options o = SLTD_OPTIONS_INIT;
    sltd_import_options io = SLTD_IMPORT_OPTIONS_INIT;
    sltd_import_report rep = SLTD_IMPORT_REPORT_INIT;
    sltd_result r = SLTD_RESULT_INIT;
    sltd_stats st = SLTD_STATS_INIT;
    sltd_db *db = NULL;
    char dir[4096], feed[4096], num[16];
    unsigned long i;

    tu_at(dir, "db");
    tu_at(feed, "feed.csv");
    ck_assert_int_eq(tu_feed(feed, 7, 0, n), 0);
    o.flags = SLTD_OPEN_CREATE;
    ck_assert_int_eq(sltd_db_open(&db, dir, &o), 0);
    io.threads = 2;
    io.memory_budget = 1999; /* 15 runs and a part in memory */
    ck_assert_int_eq(sltd_db_import_feed_ex(&rep, db, feed, &io), 0);
    ck_assert_uint_eq(rep.added, n);
    sltd_db_close(db);
    db = NULL;
    o.flags = SLTD_OPEN_READONLY;
    ck_assert_int_eq(sltd_db_open(&db, dir, &o), 0);
    ck_assert_int_eq(sltd_db_stats_get(&st, db), 0);
    ck_assert_int_eq(st.filter_state, SLTD_FILTER_OK);
    ck_assert_uint_eq(st.documents, n);
    for (i = 0; i < n; i++) {
        tu_number(num, 7, i);
        ck_assert_int_eq(sltd_db_lookup(&r, db, "UTO", num, NULL), 0);
        ck_assert_msg(r.listed == 1, "document %lu not found", i);
    }
    tu_number(num, 8, 0);
    ck_assert_int_eq(sltd_db_lookup(&r, db, "UTO", num, NULL), 0);
    ck_assert_int_eq(r.listed, 0);
    sltd_db_close(db);
}
END_TEST

int main(void)
{
    const TTest *const tests[] = { sorter_same_on_one_and_two_threads, parallel_import_equals_sequential,
                                   options_version_1_accepted, two_thread_import_filter_holds_every_document };

    return tu_main("import", 300, setup, teardown, tests, TU_COUNT(tests));
}
