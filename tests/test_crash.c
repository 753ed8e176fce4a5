/* SPDX-License-Identifier: Apache-2.0 */
/* test_crash.c — invariant 4 (all or nothing) against kill -9.
 *
 * The real `sltd` binary (its path is argv[1], from CMake) imports a feed, or applies a full or a delta
 * bundle, and is killed with SIGKILL at random instants: some anywhere in the run, some in its last
 * stretch, where the write transaction and its commit are. After each kill the database must open,
 * `sltd_db_verify` must pass, and the state (records, documents, sequence, state checksum) must be
 * exactly the old one or the new one, both known in advance from a clean run; sampled lookups must
 * agree with that state (no record lost, none half-updated); no file left in the directory may hold a
 * plaintext document number; and a re-run must complete (a bundle already applied is refused as a
 * replay, the state staying the new one).
 *
 * CI: 200,000 new documents per run, 20 kills per scenario. SLTD_SOAK=1: 1,000,000 and 40 kills. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "relutil.h"
#include "sltd.h"
#include "testutil.h"

enum { SA = 31, SB = 32 };     /* series: A the old data, B the new documents */
#define A_COUNT 50000UL

static const char *cli;
static char key[4096], sec[4096], pub[4096], pristine[4096];
static unsigned long b_count;
static int kills;
static ru_state old_state;

typedef enum kind { K_IMPORT, K_FULL, K_DELTA } kind;

typedef struct scenario {
    kind k;
    const char *name;
    char input[4096];             /* feed or bundle */
    unsigned long rm_to;          /* A[0, rm_to) removed in the new state */
    unsigned long upd_from, upd_to; /* A[upd_from, upd_to) re-listed with generation 2 */
    ru_state new_state;
} scenario;


/* The new documents, the updates of A and (delta/import) the removals of A. */
static void write_feed(const char *path, const scenario *s)
{
    FILE *f = tu_feed_open(path, "state,number,type,status,reported,reference,action\n");
    unsigned long i;

    for (i = 0; i < b_count; i++)
        tu_feed_row(f, SB, i, "P,stolen,2024-02-1%lu,G2-%lu,add\n", i % 10, i);
    for (i = s->upd_from; i < s->upd_to; i++)
        tu_feed_row(f, SA, i, "P,lost,2024-03-1%lu,G2-%lu,add\n", i % 10, i);
    if (s->k != K_FULL)
        for (i = 0; i < s->rm_to; i++)
            tu_feed_row(f, SA, i, ",,,,remove\n");
    tu_feed_close(f);
}

static void write_old_feed(const char *path)
{
    FILE *f = tu_feed_open(path, "state,number,type,status,reported,reference\n");
    unsigned long i;

    for (i = 0; i < A_COUNT; i++)
        tu_feed_row(f, SA, i, "P,stolen,2023-05-1%lu,G1-%lu\n", i % 10, i);
    tu_feed_close(f);
}

static sltd_db *open_or_fail(const char *dir)
{
    sltd_db *db = NULL;
    int rc = ru_open(&db, dir, key, 0, 0);

    ck_assert_msg(rc == 0, "open %s: %s (%s)", dir, sltd_error_text(rc), sltd_error_detail());
    return db;
}

/* generation of a document's listing: 0 not listed, 1 or 2 from its reference */
static int generation(sltd_db *db, unsigned series, unsigned long i)
{
    char num[16], want[40];
    sltd_result r = SLTD_RESULT_INIT;
    int rc;

    tu_number(num, series, i);
    rc = sltd_db_lookup(&r, db, "UTO", num, NULL);
    ck_assert_msg(rc == 0, "lookup %s: %s", num, sltd_error_text(rc));
    if (!r.listed)
        return 0;
    ck_assert_uint_eq(r.nrecords, 1);
    snprintf(want, sizeof want, "G1-%lu", i);
    if (strcmp(r.records[0].reference, want) == 0)
        return 1;
    snprintf(want, sizeof want, "G2-%lu", i);
    ck_assert_msg(strcmp(r.records[0].reference, want) == 0, "%s: torn record: reference %s", num,
                  r.records[0].reference);
    return 2;
}

/* Sampled lookups agree with the old (is_new 0) or the new state. */
static void check_content(sltd_db *db, const scenario *s, int is_new, uint64_t *seed)
{
    unsigned long i, k;
    int g, want;

    for (i = 0; i < 200; i++) {
        k = tu_rand(seed) % A_COUNT;
        g = generation(db, SA, k);
        want = !is_new ? 1 : k < s->rm_to ? 0 : (k >= s->upd_from && k < s->upd_to) ? 2 : 1;
        if (is_new && s->k == K_FULL && k < s->upd_from)
            want = 0; /* a full bundle replaces everything */
        ck_assert_msg(g == want, "%s: A%lu has generation %d, want %d (%s state)", s->name, k, g, want,
                      is_new ? "new" : "old");
        k = tu_rand(seed) % b_count;
        g = generation(db, SB, k);
        ck_assert_msg(g == (is_new ? 2 : 0), "%s: B%lu has generation %d (%s state)", s->name, k, g,
                      is_new ? "new" : "old");
    }
}

static void make_argv(char *argv[12], const scenario *s, const char *dir)
{
    int n = 0;

    argv[n++] = (char *)cli;
    argv[n++] = s->k == K_IMPORT ? "import" : "apply";
    argv[n++] = "--db";
    argv[n++] = (char *)dir;
    argv[n++] = "--key";
    argv[n++] = key;
    if (s->k != K_IMPORT) {
        argv[n++] = "--trust";
        argv[n++] = pub;
    }
    argv[n++] = (char *)s->input;
    argv[n] = NULL;
}

/* Whole directory gone, then a fresh copy of the pristine database. */
static void fresh_copy(const char *dir)
{
    tu_rmtree(dir);
    ck_assert_int_eq(ru_copy_dir(pristine, dir), 0);
}

static void setup_all(void)
{
    char prefix[4096], feed[4096];
    sltd_db *db = NULL;
    int rc;

    tu_scratch("crash");
    tu_signing_keys(sec, pub, "auth");
    tu_at(key, "deploy.key");
    tu_at(pristine, "pristine");
    /* the old state: a full bundle (sequence 1) of A, generation 1 */
    tu_at(feed, "old.csv");
    write_old_feed(feed);
    tu_at(prefix, "b1.sltd");
    ck_assert_int_eq(ru_open(&db, pristine, key, SLTD_OPEN_CREATE, 0), 0);
    rc = ru_first_bundle(db, feed, prefix, key, sec, pub);
    ck_assert_msg(rc == 0, "pack and apply b1: %s (%s)", sltd_error_text(rc), sltd_error_detail());
    ck_assert_int_eq(ru_state_get(&old_state, db), 0);
    ck_assert_int_eq(sltd_db_verify(NULL, db), 0);
    sltd_db_close(db);
}

static void prepare(scenario *s)
{
    char feed[4096], clean[4096], *argv[12];
    sltd_pack_options po = SLTD_PACK_OPTIONS_INIT;
    sltd_db *db;
    double t0;
    int rc;

    snprintf(feed, sizeof feed, "%s/%s.csv", tu_dir, s->name);
    write_feed(feed, s);
    if (s->k == K_IMPORT) {
        snprintf(s->input, sizeof s->input, "%s", feed);
    } else {
        snprintf(s->input, sizeof s->input, "%s/%s.sltd", tu_dir, s->name);
        po.key_path = key;
        po.sign_path = sec;
        po.sequence = 2;
        po.delta = s->k == K_DELTA;
        po.base = 1;
        db = NULL;
        if (s->k == K_DELTA) { /* a delta is packed against the authority's replica: a copy of the old state */
            snprintf(clean, sizeof clean, "%s/replica", tu_dir);
            fresh_copy(clean);
            db = open_or_fail(clean);
        }
        rc = sltd_bundle_pack(NULL, db, feed, s->input, &po);
        ck_assert_msg(rc == 0, "pack %s: %s (%s)", s->name, sltd_error_text(rc), sltd_error_detail());
        sltd_db_close(db);
        if (s->k == K_DELTA)
            tu_rmtree(clean);
    }
    /* a clean run gives the new state */
    snprintf(clean, sizeof clean, "%s/clean", tu_dir);
    fresh_copy(clean);
    make_argv(argv, s, clean);
    t0 = ru_now();
    ck_assert_int_eq(ru_run(argv, NULL), 0);
    (void)t0;
    db = open_or_fail(clean);
    ck_assert_int_eq(sltd_db_verify(NULL, db), 0);
    ck_assert_int_eq(ru_state_get(&s->new_state, db), 0);
    ck_assert_msg(!ru_state_eq(&s->new_state, &old_state), "the update changes nothing?");
    ck_assert_uint_eq(s->new_state.sequence, s->k == K_IMPORT ? 1 : 2);
    sltd_db_close(db);
    tu_rmtree(clean);
}

/* Time of a clean run of the command on a fresh copy (median of 3). */
static double clean_time(const scenario *s)
{
    char dir[4096], *argv[12];
    double t[3], x;
    int i, j;

    snprintf(dir, sizeof dir, "%s/timing", tu_dir);
    for (i = 0; i < 3; i++) {
        fresh_copy(dir);
        make_argv(argv, s, dir);
        t[i] = ru_now();
        ck_assert_int_eq(ru_run(argv, NULL), 0);
        t[i] = ru_now() - t[i];
    }
    for (i = 0; i < 3; i++)
        for (j = i + 1; j < 3; j++)
            if (t[j] < t[i]) {
                x = t[i];
                t[i] = t[j];
                t[j] = x;
            }
    tu_rmtree(dir);
    return t[1];
}

static void run_scenario(scenario *s)
{
    char dir[4096], log[4096], *argv[12], who[4400], prefix[3];
    uint64_t seed = 0x5eed0000u + (unsigned)s->k;
    int i, rc, st, n_old = 0, n_new = 0, n_done = 0, n_stalled = 0;
    double T, delay, t_open, worst_open = 0;
    sltd_verify_report vr = SLTD_VERIFY_REPORT_INIT;
    ru_state now;
    sltd_db *db;
    pid_t pid;

    prepare(s);
    T = clean_time(s);
    snprintf(dir, sizeof dir, "%s/trial", tu_dir);
    snprintf(log, sizeof log, "%s/trial.log", tu_dir);
    for (i = 0; i < kills; i++) {
        fresh_copy(dir);
        unlink(log);
        make_argv(argv, s, dir);
        /* a third anywhere in the run; a third in its last 40 % (the write transaction); a third in its
         * last 15 % (the commit, and the exit after it) */
        delay = (double)(tu_rand(&seed) % 10000) / 10000.0;
        delay = i % 3 == 0 ? T * 1.2 * delay : i % 3 == 1 ? T * (0.6 + 0.4 * delay) : T * (0.85 + 0.2 * delay);
        pid = ru_spawn(argv, log);
        ck_assert_int_gt(pid, 0);
        ru_sleep(delay);
        kill(pid, SIGKILL);
        st = ru_wait(pid);
        ck_assert_msg(st == 1000 + SIGKILL || st == 0, "%s: the run ended with status %d", s->name, st);
        n_done += st == 0;
        /* the database opens (a writable open, as the next update would), verifies, and is old or new */
        t_open = ru_now();
        rc = ru_open(&db, dir, key, 0, 0);
        t_open = ru_now() - t_open;
        if (t_open > worst_open)
            worst_open = t_open;
        n_stalled += t_open > 1.0; /* a dead writer waited for: fixed in 0b277b6 */
        ck_assert_msg(t_open < 2.0, "%s kill %d: open took %.3f s", s->name, i, t_open);
        ck_assert_msg(rc == 0, "%s kill %d (%.3f s): open: %s (%s)", s->name, i, delay, sltd_error_text(rc),
                      sltd_error_detail());
        rc = sltd_db_verify(&vr, db);
        ck_assert_msg(rc == 0, "%s kill %d (%.3f s): verify: %s (%s)", s->name, i, delay, sltd_error_text(rc),
                      sltd_error_detail());
        ck_assert_int_eq(ru_state_get(&now, db), 0);
        if (ru_state_eq(&now, &old_state)) {
            n_old++;
            check_content(db, s, 0, &seed);
        } else {
            ck_assert_msg(ru_state_eq(&now, &s->new_state), "%s kill %d (%.3f s): state %s is neither old (%s) nor new",
                          s->name, i, delay, ru_state_str(&now), ru_state_str(&old_state));
            n_new++;
            check_content(db, s, 1, &seed);
        }
        sltd_db_close(db);
        /* whatever the killed process left behind holds no plaintext number */
        ru_series_prefix(prefix, SB);
        ck_assert_msg(ru_scan_dir_plain(dir, prefix, who, sizeof who) >= 0, "plaintext in %s", who);
        /* a re-run completes: applies, or (a bundle already applied) is refused as a replay */
        rc = ru_run(argv, NULL);
        if (s->k != K_IMPORT && ru_state_eq(&now, &s->new_state))
            ck_assert_msg(rc == 2, "%s: re-applying an applied bundle: exit %d", s->name, rc);
        else
            ck_assert_msg(rc == 0, "%s: re-run after kill %d: exit %d", s->name, i, rc);
        db = open_or_fail(dir);
        ck_assert_int_eq(sltd_db_verify(NULL, db), 0);
        ck_assert_int_eq(ru_state_get(&now, db), 0);
        ck_assert_msg(ru_state_eq(&now, &s->new_state), "%s: after the re-run: %s", s->name, ru_state_str(&now));
        check_content(db, s, 1, &seed);
        sltd_db_close(db);
    }
    tu_rmtree(dir);
    fprintf(stderr,
            "crash %-6s: %lu new documents, clean run %.3f s, %d kills: %d left the old state, %d the new "
            "(%d runs had finished); slowest open after a kill %.3f s\n",
            s->name, b_count, T, kills, n_old, n_new - n_done, n_done, worst_open);
    (void)n_stalled;
    ck_assert_int_eq(n_old + n_new, kills);
}

static void setup(void)
{
    int soak = ru_env_on("SLTD_SOAK");

    b_count = soak ? 1000000UL : 200000UL;
    kills = soak ? 40 : 20;
    setup_all();
}

static void teardown(void)
{
    tu_scratch_end();
}

START_TEST(kill_import)
{
    scenario s = { K_IMPORT, "import", "", 5000, 5000, 15000, { 0, 0, 0, { 0 } } };

    run_scenario(&s);
}
END_TEST

START_TEST(kill_apply_full)
{
    scenario s = { K_FULL, "full", "", 10000, 10000, 50000, { 0, 0, 0, { 0 } } };

    run_scenario(&s);
}
END_TEST

START_TEST(kill_apply_delta)
{
    scenario s = { K_DELTA, "delta", "", 5000, 5000, 15000, { 0, 0, 0, { 0 } } };

    run_scenario(&s);
}
END_TEST

int main(int argc, char **argv)
{
    const TTest *const tests[] = {
        kill_import, kill_apply_full, kill_apply_delta
    };

    if (argc < 2) {
        fprintf(stderr, "usage: test_crash PATH/TO/sltd\n");
        return 2;
    }
    cli = argv[1];
    return tu_main("crash", ru_env_on("SLTD_SOAK") ? 3600 : 600, setup, teardown, tests, TU_COUNT(tests));
}
