/* SPDX-License-Identifier: Apache-2.0 */
/* baseline_sqlite.c — the same records (sltd's digests and record bytes) in SQLite, as a team would
 * store them: a WITHOUT ROWID table keyed by the digest, read through a prepared statement with the
 * file mapped and one read transaction for the whole run. Workloads: sqlite.miss, sqlite.hit (one
 * sample per lookup). Without SQLite at build time, there are no such workloads. */
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#ifdef SLTD_HAVE_SQLITE
#include <sqlite3.h>

struct sqlite_base {
    char path[4096];
    sqlite3 *h;
    sqlite3_stmt *st; /* loading: the INSERT; then the SELECT */
};

static void die_sql(sqlite3 *h, const char *what)
{
    die("SQLite %s: %s", what, h ? sqlite3_errmsg(h) : "cannot allocate a handle");
}

static void sql_exec(sqlite3 *h, const char *sql)
{
    if (sqlite3_exec(h, sql, NULL, NULL, NULL) != SQLITE_OK)
        die_sql(h, sql);
}

int sqlite_available(void)
{
    return 1;
}

const char *sqlite_version_string(void)
{
    return sqlite3_libversion();
}

sqlite_base *sqlite_base_create(const char *path)
{
    sqlite_base *q = xmalloc(sizeof *q);

    memset(q, 0, sizeof *q);
    snprintf(q->path, sizeof q->path, "%s", path);
    if (sqlite3_open_v2(path, &q->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
        die_sql(q->h, path);
    sql_exec(q->h, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
                   "CREATE TABLE t(d BLOB PRIMARY KEY, v BLOB) WITHOUT ROWID; BEGIN");
    if (sqlite3_prepare_v2(q->h, "INSERT INTO t(d, v) VALUES (?1, ?2)", -1, &q->st, NULL) != SQLITE_OK)
        die_sql(q->h, "prepare insert");
    return q;
}

void sqlite_base_put(void *ctx, const uint8_t key[SLTD_DIGEST_SIZE], const void *val, size_t len)
{
    sqlite_base *q = ctx;

    sqlite3_bind_blob(q->st, 1, key, SLTD_DIGEST_SIZE, SQLITE_STATIC);
    sqlite3_bind_blob(q->st, 2, val, (int)len, SQLITE_STATIC);
    if (sqlite3_step(q->st) != SQLITE_DONE)
        die_sql(q->h, "insert");
    sqlite3_reset(q->st);
}

/* Commits the load and reopens the file read-only: mapped (like LMDB), one read transaction. */
void sqlite_base_open(sqlite_base *q)
{
    sqlite3_finalize(q->st);
    sql_exec(q->h, "COMMIT");
    sqlite3_close(q->h);
    q->h = NULL;
    if (sqlite3_open_v2(q->path, &q->h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        die_sql(q->h, q->path);
    sql_exec(q->h, "PRAGMA mmap_size=2147418112; BEGIN");
    if (sqlite3_prepare_v2(q->h, "SELECT v FROM t WHERE d = ?1", -1, &q->st, NULL) != SQLITE_OK)
        die_sql(q->h, "prepare select");
}

uint64_t sqlite_base_file(const sqlite_base *q)
{
    return file_size(q->path);
}

typedef struct sqlite_ctx {
    const sqlite_base *q;
    const uint8_t *dig;
} sqlite_ctx;

static sqlite_ctx g_miss, g_hit;

/* Deliberately the same loop as measure_lmdb (baseline_lmdb.c): one lookup, the value read, one tick,
 * so the two engines are timed alike. */
static int64_t measure_sqlite(const workload *w, size_t lo, size_t hi, uint32_t *s, uint64_t *wall)
{
    const sqlite_ctx *c = w->ctx;
    sqlite3_stmt *st = c->q->st;
    uint64_t sink = 0, found = 0;
    size_t i;
    timer t;
    int rc;

    timer_start(&t, s, w->per);
    for (i = lo; i < hi; i++) {
        sqlite3_bind_blob(st, 1, c->dig + i * SLTD_DIGEST_SIZE, SLTD_DIGEST_SIZE, SQLITE_STATIC);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            found++;
            sink += ((const uint8_t *)sqlite3_column_blob(st, 0))[1];
        } else if (rc != SQLITE_DONE) {
            die_sql(c->q->h, "select");
        }
        sqlite3_reset(st);
        tick(&t, 1);
    }
    keep(sink);
    *wall = timer_wall(&t);
    return (int64_t)found;
}

unsigned sqlite_workloads(workload *out, sqlite_base *q, const inputs *in)
{
    g_miss = (sqlite_ctx){ q, in->dig_absent };
    g_hit = (sqlite_ctx){ q, in->dig_present };
    out[0] = (workload){ .name = "sqlite.miss", .measure = measure_sqlite, .ctx = &g_miss, .per = 1 };
    out[1] = (workload){ .name = "sqlite.hit", .measure = measure_sqlite, .ctx = &g_hit, .per = 1, .present = 1 };
    return 2;
}

void sqlite_base_close(sqlite_base *q)
{
    if (q == NULL)
        return;
    sqlite3_finalize(q->st);
    if (q->h != NULL) {
        sqlite3_exec(q->h, "COMMIT", NULL, NULL, NULL);
        sqlite3_close(q->h);
    }
    free(q);
}

#else /* built without SQLite */

int sqlite_available(void)
{
    return 0;
}

const char *sqlite_version_string(void)
{
    return NULL;
}

sqlite_base *sqlite_base_create(const char *path)
{
    (void)path;
    die("internal: built without SQLite");
}

void sqlite_base_put(void *ctx, const uint8_t key[SLTD_DIGEST_SIZE], const void *val, size_t len)
{
    (void)ctx;
    (void)key;
    (void)val;
    (void)len;
}

void sqlite_base_open(sqlite_base *q)
{
    (void)q;
}

uint64_t sqlite_base_file(const sqlite_base *q)
{
    (void)q;
    return 0;
}

unsigned sqlite_workloads(workload *out, sqlite_base *q, const inputs *in)
{
    (void)out;
    (void)q;
    (void)in;
    return 0;
}

void sqlite_base_close(sqlite_base *q)
{
    (void)q;
}
#endif
