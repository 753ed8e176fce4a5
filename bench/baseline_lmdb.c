/* SPDX-License-Identifier: Apache-2.0 */
/* baseline_lmdb.c — the baseline a team would write instead of sltd: a bare LMDB environment keyed by
 * the same 16-byte digests, holding exactly sltd's record bytes, in LMDB's default key order.
 *
 * The records are copied from the sltd database itself (closed meanwhile: LMDB allows one open of an
 * environment per process), reading the layout that README.md documents (records in the unnamed
 * database, keyed by the digest; the meta table's name is the only other key), so the baseline needs
 * no copy of the record encoding and stays fair when it changes. The same pass feeds the other
 * baselines and the benchmark's own filter (copy_sink).
 *
 * Workloads: lmdb.miss and lmdb.hit (mdb_get in one long read transaction, reading the value as a
 * lookup must) and lmdb.hit.txn (a read transaction renewed before and reset after every lookup, as
 * sltd does); one sample per lookup. */
#include <errno.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench.h"

struct lmdb_base {
    char dir[4096];
    MDB_env *env;
    MDB_txn *txn, *txn_each; /* loading: txn is the write transaction */
    MDB_cursor *cur;
    MDB_dbi dbi;
    uint64_t loaded;
};

static void die_mdb(int rc, const char *what)
{
    die("LMDB %s: %s", what, mdb_strerror(rc));
}

const char *lmdb_version_string(void)
{
    return mdb_version(NULL, NULL, NULL);
}

uint64_t copy_records(const char *sltd_dir, uint64_t expect, const copy_sink *sinks, unsigned nsinks)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_cursor *cur;
    MDB_val k, v;
    uint64_t n = 0;
    unsigned j;
    int rc;

    if ((rc = mdb_env_create(&env)) != 0 || (rc = mdb_env_set_maxdbs(env, 4)) != 0)
        die_mdb(rc, "env_create");
    if ((rc = mdb_env_open(env, sltd_dir, MDB_RDONLY | MDB_NOTLS, 0644)) != 0)
        die_mdb(rc, sltd_dir);
    if ((rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) != 0 || (rc = mdb_dbi_open(txn, NULL, 0, &dbi)) != 0 ||
        (rc = mdb_cursor_open(txn, dbi, &cur)) != 0)
        die_mdb(rc, "reading the sltd database");
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size != SLTD_DIGEST_SIZE)
            continue; /* the meta table's name */
        for (j = 0; j < nsinks; j++)
            sinks[j].put(sinks[j].ctx, k.mv_data, v.mv_data, v.mv_size);
        n++;
    }
    if (rc != MDB_NOTFOUND)
        die_mdb(rc, "reading the sltd database");
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    mdb_env_close(env);
    if (n != expect)
        die("%s: %llu digest keys read, but sltd_stats counts %llu documents: the database layout is not the one "
            "this benchmark knows",
            sltd_dir, (unsigned long long)n, (unsigned long long)expect);
    return n;
}

lmdb_base *lmdb_base_create(const char *dir, uint64_t map_bytes)
{
    lmdb_base *l = xmalloc(sizeof *l);
    int rc;

    memset(l, 0, sizeof *l);
    snprintf(l->dir, sizeof l->dir, "%s", dir);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        die("%s: %s", dir, strerror(errno));
    if ((rc = mdb_env_create(&l->env)) != 0)
        die_mdb(rc, "env_create");
    if ((rc = mdb_env_set_mapsize(l->env, (size_t)map_bytes)) != 0)
        die_mdb(rc, "set_mapsize");
    if ((rc = mdb_env_open(l->env, dir, MDB_NOSYNC, 0644)) != 0)
        die_mdb(rc, dir);
    if ((rc = mdb_txn_begin(l->env, NULL, 0, &l->txn)) != 0 || (rc = mdb_dbi_open(l->txn, NULL, 0, &l->dbi)) != 0 ||
        (rc = mdb_cursor_open(l->txn, l->dbi, &l->cur)) != 0)
        die_mdb(rc, "begin load");
    return l;
}

/* Keys arrive in sltd's order, which is LMDB's default order: appended. */
void lmdb_base_put(void *ctx, const uint8_t key[SLTD_DIGEST_SIZE], const void *val, size_t len)
{
    lmdb_base *l = ctx;
    MDB_val k = { SLTD_DIGEST_SIZE, (void *)key }, v = { len, (void *)val };
    const int rc = mdb_cursor_put(l->cur, &k, &v, MDB_APPEND);

    if (rc != 0)
        die_mdb(rc, "put (append)");
    l->loaded++;
}

/* Commits the load, then reopens read-only (MDB_NOTLS): one long read transaction, and one renewed
 * around every lookup of lmdb.hit.txn. */
void lmdb_base_open(lmdb_base *l)
{
    int rc;

    mdb_cursor_close(l->cur);
    if ((rc = mdb_txn_commit(l->txn)) != 0)
        die_mdb(rc, "commit");
    if ((rc = mdb_env_sync(l->env, 1)) != 0)
        die_mdb(rc, "sync");
    mdb_env_close(l->env);
    if ((rc = mdb_env_create(&l->env)) != 0)
        die_mdb(rc, "env_create");
    if ((rc = mdb_env_open(l->env, l->dir, MDB_RDONLY | MDB_NOTLS, 0644)) != 0)
        die_mdb(rc, l->dir);
    if ((rc = mdb_txn_begin(l->env, NULL, MDB_RDONLY, &l->txn)) != 0 ||
        (rc = mdb_dbi_open(l->txn, NULL, 0, &l->dbi)) != 0 ||
        (rc = mdb_txn_begin(l->env, NULL, MDB_RDONLY, &l->txn_each)) != 0)
        die_mdb(rc, "open read transaction");
    mdb_txn_reset(l->txn_each);
}

uint64_t lmdb_base_file(const lmdb_base *l)
{
    char path[4200];

    join(path, sizeof path, l->dir, "data.mdb");
    return file_size(path);
}

typedef struct lmdb_ctx {
    MDB_txn *txn;
    MDB_dbi dbi;
    int renew; /* renew and reset txn around every lookup */
    const uint8_t *dig;
} lmdb_ctx;

static lmdb_ctx g_miss, g_hit, g_hit_txn;

/* Deliberately the same loop as measure_sqlite (baseline_sqlite.c), so the two engines are timed alike. */
static int64_t measure_lmdb(const workload *w, size_t lo, size_t hi, uint32_t *s, uint64_t *wall)
{
    const lmdb_ctx *c = w->ctx;
    uint64_t sink = 0, found = 0;
    size_t i;
    timer t;
    int rc;

    timer_start(&t, s, w->per);
    for (i = lo; i < hi; i++) {
        MDB_val k = { SLTD_DIGEST_SIZE, (void *)(c->dig + i * SLTD_DIGEST_SIZE) }, v;
        if (c->renew && (rc = mdb_txn_renew(c->txn)) != 0)
            die_mdb(rc, "txn_renew");
        rc = mdb_get(c->txn, c->dbi, &k, &v);
        if (rc == 0) {
            found++;
            sink += ((const uint8_t *)v.mv_data)[1]; /* read the value, as a lookup must */
        } else if (rc != MDB_NOTFOUND) {
            die_mdb(rc, "get");
        }
        if (c->renew)
            mdb_txn_reset(c->txn);
        tick(&t, 1);
    }
    keep(sink);
    *wall = timer_wall(&t);
    return (int64_t)found;
}

unsigned lmdb_workloads(workload *out, lmdb_base *l, const inputs *in)
{
    g_miss = (lmdb_ctx){ l->txn, l->dbi, 0, in->dig_absent };
    g_hit = (lmdb_ctx){ l->txn, l->dbi, 0, in->dig_present };
    g_hit_txn = (lmdb_ctx){ l->txn_each, l->dbi, 1, in->dig_present };
    out[0] = (workload){ .name = "lmdb.miss", .measure = measure_lmdb, .ctx = &g_miss, .per = 1 };
    out[1] = (workload){ .name = "lmdb.hit", .measure = measure_lmdb, .ctx = &g_hit, .per = 1, .present = 1 };
    out[2] = (workload){ .name = "lmdb.hit.txn", .measure = measure_lmdb, .ctx = &g_hit_txn, .per = 1,
                         .present = 1 };
    return 3;
}

void lmdb_base_close(lmdb_base *l)
{
    if (l == NULL)
        return;
    mdb_txn_abort(l->txn_each);
    mdb_txn_abort(l->txn);
    mdb_env_close(l->env);
    free(l);
}
