/* SPDX-License-Identifier: Apache-2.0 */
/* kiosk-example.c — how a kiosk or e-gate embeds libsltd: a host program built against the installed
 * library, using only <sltd.h>.
 *
 *   kiosk-example [--ocr-variants] DBDIR [KEYFILE] < mrz-lines
 *
 * It reads MRZ lines from standard input as a document reader delivers them: one document is 2 or 3
 * lines, ended by a blank line or the end of the input (or as soon as it is complete: 3 lines of 30
 * characters, 2 of 36 or 44). For each document it prints one line:
 *   CLEAR  STATE NUMBER  (N us)
 *   LISTED STATE NUMBER STATUS REFERENCE  (N us)
 *   LISTED STATE VARIANT STATUS REFERENCE  (OCR variant of NUMBER)  (N us)
 *   ERROR: reason  (N us)
 * with the latency of the check. It decides on the answer's verdict alone (sltd_verdict), so the same
 * code is right with and without --ocr-variants (SLTD_MRZ_OCR_VARIANTS): only SLTD_VERDICT_CLEAR is
 * clear; a wrong check digit, an invalid or unreadable MRZ or a database error is an ERROR. Exit
 * status: 1 if a document was listed, else 2 if a check failed, else 0; 3 when the database cannot be
 * opened.
 *
 * Build: cc kiosk-example.c $(pkg-config --cflags --libs sltd)   (or find_package(sltd) in CMake) */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sltd.h>

#define LINE_MAX_LEN 128

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

/* Check one document (its lines joined by '\n'); returns 0 clear, 1 listed, 2 error. */
static int check_document(sltd_db *db, const char *text, size_t len, unsigned flags)
{
    sltd_mrz_answer a = SLTD_MRZ_ANSWER_INIT;
    double t0 = now_us(), us;
    int rc = sltd_db_lookup_mrz(&a, db, text, len, flags); /* thread-safe; no allocation */
    const sltd_record *r;

    us = now_us() - t0;
    switch (a.verdict) { /* the one value to decide on; anything but CLEAR stops the traveller */
    case SLTD_VERDICT_LISTED:
        r = &a.result.records[0];
        printf("LISTED %s %s %s %s  (%.1f us)\n", a.mrz.issuing_state, a.mrz.number, sltd_status_name(r->status),
               r->reference[0] ? r->reference : "-", us);
        return 1;
    case SLTD_VERDICT_VARIANT: /* the number as read is a misreading of a listed one: a hit */
        r = &a.variant_result.records[0];
        printf("LISTED %s %s %s %s  (OCR variant of %s)  (%.1f us)\n", a.mrz.issuing_state, a.variant_number,
               sltd_status_name(r->status), r->reference[0] ? r->reference : "-", a.mrz.number, us);
        return 1;
    case SLTD_VERDICT_CLEAR:
        printf("CLEAR  %s %s  (%.1f us)%s\n", a.mrz.issuing_state, a.mrz.number, us,
               a.result.stale ? "  WARNING: the list is past its expiry" : "");
        return 0;
    case SLTD_VERDICT_UNREADABLE:
        printf("ERROR: check digit wrong: the document number cannot be trusted; read it again  (%.1f us)\n", us);
        return 2;
    case SLTD_VERDICT_INVALID:
        if (a.mrz.error_msg != NULL) {
            printf("ERROR: invalid document: %s (MRZ line %d, position %d)  (%.1f us)\n", a.mrz.error_msg,
                   a.mrz.error_line, a.mrz.error_pos, us);
            return 2;
        }
        break;
    default: /* SLTD_VERDICT_ERROR, or anything this program does not know: never clear */
        break;
    }
    printf("ERROR: %s  (%.1f us)\n", sltd_error_text(rc), us);
    return 2;
}

int main(int argc, char **argv)
{
    sltd_options opts = SLTD_OPTIONS_INIT;
    char line[LINE_MAX_LEN + 2], doc[3 * (LINE_MAX_LEN + 1)];
    size_t doclen = 0, first_len = 0;
    int nlines = 0, listed = 0, errors = 0, rc;
    unsigned flags = 0;
    sltd_db *db;

    if (argc > 1 && strcmp(argv[1], "--ocr-variants") == 0) {
        flags = SLTD_MRZ_OCR_VARIANTS;
        argv++;
        argc--;
    }
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s [--ocr-variants] DBDIR [KEYFILE] < mrz-lines\n", argv[0]);
        return 2;
    }
    if (sltd_version_number() != SLTD_VERSION_NUMBER)
        fprintf(stderr, "warning: built with sltd %s, running with %s\n", SLTD_VERSION_STRING, sltd_version());
    opts.flags = SLTD_OPEN_READONLY; /* a kiosk only reads; updates come from the updater process */
    opts.key_path = argc == 3 ? argv[2] : NULL;
    if ((rc = sltd_db_open(&db, argv[1], &opts)) != SLTD_OK) {
        fprintf(stderr, "%s\n%s\n", sltd_error_text(rc), sltd_error_detail());
        return 3;
    }
    for (;;) {
        int eof = fgets(line, sizeof line, stdin) == NULL;
        size_t len = eof ? 0 : strlen(line);
        int r = -1;

        if (!eof && len > 0 && line[len - 1] != '\n' && !feof(stdin)) { /* longer than any MRZ line */
            int ch;
            while ((ch = getchar()) != EOF && ch != '\n')
                ;
            printf("ERROR: line longer than %d characters\n", LINE_MAX_LEN);
            errors = 1;
            nlines = 0;
            doclen = 0;
            continue;
        }
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == ' '))
            len--;
        if (len > 0) { /* a line of the document */
            if (nlines == 3) { /* a fourth line: let the parser say what is wrong */
                r = check_document(db, doc, doclen, flags);
                nlines = 0;
                doclen = 0;
            }
            if (nlines == 0)
                first_len = len;
            else
                doc[doclen++] = '\n';
            memcpy(doc + doclen, line, len);
            doclen += len;
            nlines++;
            if ((nlines == 3 && first_len == 30) || (nlines == 2 && (first_len == 36 || first_len == 44))) {
                r = check_document(db, doc, doclen, flags);
                nlines = 0;
                doclen = 0;
            }
        } else if (nlines > 0) { /* a blank line or the end of the input ends the document */
            r = check_document(db, doc, doclen, flags);
            nlines = 0;
            doclen = 0;
        }
        if (r == 1)
            listed = 1;
        else if (r == 2)
            errors = 1;
        fflush(stdout);
        if (eof)
            break;
    }
    sltd_db_close(db);
    return listed ? 1 : errors ? 2 : 0;
}
