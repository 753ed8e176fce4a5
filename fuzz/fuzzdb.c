/* SPDX-License-Identifier: Apache-2.0 */
/* fuzzdb.c — the manifest fuzz targets' database (see fuzzdb.h). */
#include "fuzzdb.h"

#include <stdio.h>
#include <stdlib.h>

static sltd_db *db;
static char dbdir[256];

static void need(int ok, const char *who, const char *what)
{
    if (!ok) {
        fprintf(stderr, "%s: cannot set up the database: %s\n", who, what);
        abort();
    }
}

static void cleanup(void)
{
    char cmd[600];

    sltd_db_close(db);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s.key'", dbdir, dbdir);
    if (system(cmd) != 0)
        fprintf(stderr, "fuzz: could not remove %s\n", dbdir);
}

sltd_db *fuzzdb_get(const char *who)
{
    static const char feed[] = "state,number,type,reference\nUTO,L898902C3,P,SPECIMEN\nD,C01X00T47,,DE-1\n"
                               "UTO,D23145890,I,ID-1\nUTO,Q1,,Q\n";
    sltd_options o = SLTD_OPTIONS_INIT;
    sltd_import_report r = SLTD_IMPORT_REPORT_INIT;
    const char *tmp = getenv("TMPDIR");
    char path[300];
    FILE *f;

    if (db != NULL)
        return db;
    snprintf(dbdir, sizeof dbdir, "%s/%s-XXXXXX", tmp != NULL ? tmp : "/tmp", who);
    need(mkdtemp(dbdir) != NULL, who, "mkdtemp");
    o.flags = SLTD_OPEN_CREATE;
    need(sltd_db_open(&db, dbdir, &o) == 0, who, "open");
    snprintf(path, sizeof path, "%s/feed.csv", dbdir);
    f = fopen(path, "w");
    need(f != NULL && fputs(feed, f) >= 0 && fclose(f) == 0, who, "write the feed");
    need(sltd_db_import_feed(&r, db, path, 0) == 0, who, "import the feed");
    atexit(cleanup);
    return db;
}
