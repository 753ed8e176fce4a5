/* SPDX-License-Identifier: Apache-2.0 */
/* example.c — the README's "API at a glance", compiled against the installed library by the
 * install_consumer test (through find_package(sltd) and through pkg-config). */
#include <stdio.h>

#include <sltd.h>

int main(int argc, char **argv)
{
    sltd_options opts = SLTD_OPTIONS_INIT;
    sltd_result res = SLTD_RESULT_INIT;
    sltd_db *db;
    int rc;

    if (argc != 4) {
        fprintf(stderr, "usage: %s DBDIR STATE NUMBER\n", argv[0]);
        return 2;
    }
    if (sltd_version_number() != SLTD_VERSION_NUMBER)
        fprintf(stderr, "warning: header %s, library %s\n", SLTD_VERSION_STRING, sltd_version());

    opts.flags = SLTD_OPEN_READONLY;          /* a kiosk only reads; the key is DBDIR.key */
    if ((rc = sltd_db_open(&db, argv[1], &opts)) != SLTD_OK) {
        fprintf(stderr, "%s\n%s\n", sltd_error_text(rc), sltd_error_detail());
        return 3;
    }
    rc = sltd_db_lookup(&res, db, argv[2], argv[3], NULL);   /* thread-safe; a miss is not an error */
    switch (res.verdict) {                                 /* decide on the verdict alone */
    case SLTD_VERDICT_CLEAR:                               /* the only "clear": checked, not listed */
        printf("clear\n");
        rc = 0;
        break;
    case SLTD_VERDICT_LISTED:
        printf("LISTED: %s, reported %u, reference %s\n", sltd_status_name(res.records[0].status),
               (unsigned)res.records[0].reported, res.records[0].reference);
        rc = 1;
        break;
    case SLTD_VERDICT_INVALID:                             /* bad state, number or type: fix the input */
        fprintf(stderr, "%s\n%s\n", sltd_error_text(rc), sltd_error_detail());
        rc = 2;
        break;
    default:                                               /* an error is never "clear" */
        fprintf(stderr, "%s\n%s\n", sltd_error_text(rc), sltd_error_detail());
        rc = 3;
        break;
    }
    sltd_db_close(db);
    return rc;
}
