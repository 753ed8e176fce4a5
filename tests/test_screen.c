/* SPDX-License-Identifier: Apache-2.0 */
/* test_screen.c — sltd_db_screen(): CSV, MRZ text and JSON Lines manifests against a real database;
 * malformed input; input order and counts with several threads; a 1 M-row manifest with planted
 * hits; the audit log.
 *
 * Each test asserts its own rows one by one (s.listed[i], s.error[i], the message of row i): the
 * same assertion shapes over different manifests and rows, on purpose; no rule is repeated. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sltd.h"
#include "testutil.h"

#define NREC 20000UL /* documents of series 1 listed in the database */

static char *dir;
static sltd_db *db;

static const char *L1 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
static const char *L2_LISTED = "L898902C36UTO7408122F1204159ZE184226B<<<<<10";   /* listed */
static const char *L2_CLEAR = "L898902D39UTO7408122F1204159ZE184226B<<<<<14";    /* valid, not listed */
static const char *L2_OCR = "L8989O2C36UTO7408122F1204159ZE184226B<<<<<10";      /* misread: check fails */

static void setup(void)
{
    char path[4096], feed[4096];
    sltd_options o = SLTD_OPTIONS_INIT;
    sltd_import_report r = SLTD_IMPORT_REPORT_INIT;

    dir = tu_mkdtemp("screen");
    ck_assert_ptr_nonnull(dir);
    tu_path(path, sizeof path, dir, "db");
    o.flags = SLTD_OPEN_CREATE;
    ck_assert_int_eq(sltd_db_open(&db, path, &o), 0);
    tu_path(feed, sizeof feed, dir, "feed.csv");
    ck_assert_int_eq(tu_feed(feed, 1, 0, NREC), 0);
    ck_assert_int_eq(sltd_db_import_feed(&r, db, feed, 0), 0);
    ck_assert_int_eq(tu_write(feed, "state,number,type,reference\nUTO,L898902C3,P,SPECIMEN-1\n"), 0);
    ck_assert_int_eq(sltd_db_import_feed(&r, db, feed, 0), 0);
}

static void teardown(void)
{
    sltd_db_close(db);
    tu_rmtree(dir);
    free(dir);
}

/* What the callbacks saw. */
#define SEEN_MAX 4096
typedef struct seen {
    size_t n;
    unsigned long line[SEEN_MAX];
    int error[SEEN_MAX];
    int listed[SEEN_MAX];
    int verdict[SEEN_MAX];
    uint64_t index[SEEN_MAX];
    char msg[SEEN_MAX][384];
    char note[SEEN_MAX][256];
    char number[SEEN_MAX][24];
    char field0[SEEN_MAX][24];
    size_t nfields[SEEN_MAX];
    int order_ok;
    uint64_t last_index;
    unsigned long hits_lines_sum; /* for the big test: sum and count, not the list */
    uint64_t nhits, nrows;
    int big; /* only count */
} seen;

/* The verdict a row must carry, written here independently of the library: clear only for a checked,
 * unlisted row; a row error is unreadable (a check digit) or invalid, never clear. */
static int verdict_for(const sltd_screen_row *row)
{
    if (row->error == SLTD_ECHECKDIGIT)
        return SLTD_VERDICT_UNREADABLE;
    if (row->error != 0)
        return SLTD_VERDICT_INVALID;
    if (!row->listed)
        return SLTD_VERDICT_CLEAR;
    return row->variant_result != NULL && !row->result->listed ? SLTD_VERDICT_VARIANT : SLTD_VERDICT_LISTED;
}

static int on_row(void *ctx, const sltd_screen_row *row)
{
    seen *s = ctx;

    ck_assert_uint_eq(row->version, SLTD_SCREEN_ROW_VERSION);
    ck_assert_msg(row->verdict == verdict_for(row), "line %lu: verdict %s", row->line,
                  sltd_verdict_name(row->verdict));
    if (s->nrows > 0 && row->index <= s->last_index)
        s->order_ok = 0;
    s->last_index = row->index;
    s->nrows++;
    ck_assert(row->error == 0 ? row->result != NULL : row->error_msg[0] != '\0');
    if (row->listed) {
        s->nhits++;
        s->hits_lines_sum += row->line;
    }
    if (s->big || s->n == SEEN_MAX)
        return 0;
    s->line[s->n] = row->line;
    s->error[s->n] = row->error;
    s->listed[s->n] = row->listed;
    s->verdict[s->n] = row->verdict;
    s->index[s->n] = row->index;
    s->nfields[s->n] = row->nfields;
    snprintf(s->msg[s->n], sizeof s->msg[0], "%s", row->error_msg);
    ck_assert(row->error == 0 || row->note[0] == '\0');
    snprintf(s->note[s->n], sizeof s->note[0], "%s", row->note);
    snprintf(s->number[s->n], sizeof s->number[0], "%s", row->number);
    snprintf(s->field0[s->n], sizeof s->field0[0], "%s", row->nfields > 0 ? row->fields[0] : "");
    s->n++;
    return 0;
}

static int screen_file(sltd_screen_report *rep, seen *s, const char *name, const char *text, int format,
                       unsigned flags, unsigned threads)
{
    sltd_screen_options o = SLTD_SCREEN_OPTIONS_INIT;
    char path[4096];

    memset(s, 0, sizeof *s);
    s->order_ok = 1;
    tu_path(path, sizeof path, dir, name);
    if (text != NULL)
        ck_assert_int_eq(tu_write(path, text), 0);
    o.format = format;
    o.flags = flags;
    o.threads = threads;
    o.row_fn = on_row;
    o.row_ctx = s;
    return sltd_db_screen(rep, db, path, &o);
}

START_TEST(csv_basic)
{
    sltd_screen_report rep = SLTD_SCREEN_REPORT_INIT;
    static seen s; /* static: too big for the stack under valgrind */
    char num[16], text[512];

    tu_number(num, 1, 17);
    snprintf(text, sizeof text, "name,state,number,flight\nAnna,UTO,%s,X1\nBob,UTO,Q1234567,X1\n\"Carl, Jr\",d,x,X2\n",
             num);
    ck_assert_int_eq(screen_file(&rep, &s, "m.csv", text, SLTD_SCREEN_AUTO, 0, 2), 0);
    ck_assert_uint_eq(rep.documents, 3);
    ck_assert_uint_eq(rep.hits, 1);
    ck_assert_uint_eq(rep.invalid, 0);
    ck_assert_uint_eq(s.n, 1);
    ck_assert_uint_eq(s.line[0], 2);
    ck_assert_str_eq(s.field0[0], "Anna");
    ck_assert_uint_eq(s.nfields[0], 4);
    /* every row with SLTD_SCREEN_ALL */
    ck_assert_int_eq(screen_file(&rep, &s, "m.csv", NULL, SLTD_SCREEN_CSV, SLTD_SCREEN_ALL, 1), 0);
    ck_assert_uint_eq(s.n, 3);
    ck_assert_str_eq(s.field0[2], "Carl, Jr");
    ck_assert_int_eq(s.listed[1], 0);
    ck_assert_int_eq(s.verdict[0], SLTD_VERDICT_LISTED);
    ck_assert_int_eq(s.verdict[1], SLTD_VERDICT_CLEAR);
    ck_assert_int_eq(s.verdict[2], SLTD_VERDICT_CLEAR);
    /* invalid rows: a state that is no code, a malformed number, a row of the wrong width */
    ck_assert_int_eq(screen_file(&rep, &s, "bad.csv", "name,state,number\nA,DEU,X1\nB,UTO,X.1\nC,UTO\n",
                                 SLTD_SCREEN_AUTO, SLTD_SCREEN_ALL, 1), 0);
    ck_assert_uint_eq(s.n, 3);
    ck_assert_int_eq(s.verdict[0], SLTD_VERDICT_INVALID);
    ck_assert_int_eq(s.verdict[1], SLTD_VERDICT_INVALID);
    ck_assert_int_eq(s.verdict[2], SLTD_VERDICT_INVALID);
}
END_TEST

/* A wrong check digit that protects no key (date of birth, date of expiry), the composite made right
 * again: a listed document is still listed; an unlisted one is invalid, never clear; on any thread
 * count, with or without OCR variants. */
START_TEST(mrz_other_check_digits)
{
    sltd_screen_report rep = SLTD_SCREEN_REPORT_INIT;
    static seen s; /* static: too big for the stack under valgrind */
    char listed[45], clear[45], text[512];
    unsigned threads, pass;

    snprintf(listed, sizeof listed, "%s", L2_LISTED);
    snprintf(clear, sizeof clear, "%s", L2_CLEAR);
    listed[19] = '3'; /* date of birth check digit (printed 2) */
    clear[27] = '0';  /* date of expiry check digit (printed 9) */
    listed[43] = tu_mrz_composite(listed, 44);
    clear[43] = tu_mrz_composite(clear, 44);
    snprintf(text, sizeof text, "%s\n%s\n%s\n%s\n", L1, listed, L1, clear);
    for (pass = 0; pass < 2; pass++)
        for (threads = 1; threads <= 2; threads++) {
            ck_assert_int_eq(screen_file(&rep, &s, "c.mrz", pass == 0 ? text : NULL, SLTD_SCREEN_AUTO,
                                         SLTD_SCREEN_ALL | (pass ? SLTD_SCREEN_OCR_VARIANTS : 0), threads), 0);
            ck_assert_uint_eq(s.n, 2);
            ck_assert_int_eq(s.verdict[0], SLTD_VERDICT_LISTED);
            ck_assert_int_eq(s.verdict[1], SLTD_VERDICT_INVALID);
            ck_assert_int_eq(s.error[1], SLTD_EMRZ);
            ck_assert_msg(strstr(s.msg[1], "c.mrz:4: mrz: the date of expiry check digit is wrong (printed '0', "
                                           "computed '9'): the document is invalid") != NULL, "%s", s.msg[1]);
            ck_assert_uint_eq(rep.hits, 1);
            ck_assert_uint_eq(rep.invalid, 1);
        }
}
END_TEST

START_TEST(mrz_text)
{
    sltd_screen_report rep = SLTD_SCREEN_REPORT_INIT;
    static seen s; /* static: too big for the stack under valgrind */
    char text[2048];

    /* listed; blank line; clear; misread (check digit) without a blank line; TD1 of 3 lines; junk */
    snprintf(text, sizeof text, "%s\n%s\n\n%s\r\n%s\r\n%s\n%s\n"
                                "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<\n"
                                "\x01\x02junk\n",
             L1, L2_LISTED, L1, L2_CLEAR, L1, L2_OCR);
    ck_assert_int_eq(screen_file(&rep, &s, "m.mrz", text, SLTD_SCREEN_AUTO, SLTD_SCREEN_ALL, 2), 0);
    ck_assert_uint_eq(rep.documents, 3);
    ck_assert_uint_eq(rep.hits, 1);
    ck_assert_uint_eq(rep.invalid, 2);
    ck_assert_uint_eq(s.n, 5);
    ck_assert_uint_eq(s.line[0], 1);
    ck_assert_int_eq(s.listed[0], 1);
    ck_assert_str_eq(s.number[0], "L898902C3");
    ck_assert_uint_eq(s.line[1], 4);
    ck_assert_int_eq(s.error[1], 0);
    ck_assert_int_eq(s.listed[1], 0);
    /* fail closed: a bad check digit is invalid, never clear */
    ck_assert_uint_eq(s.line[2], 6);
    ck_assert_int_eq(s.error[2], SLTD_ECHECKDIGIT);
    ck_assert_ptr_nonnull(strstr(s.msg[2], "m.mrz:7: mrz: the document number check digit is wrong"));
    ck_assert_uint_eq(s.line[3], 8);
    ck_assert_int_eq(s.error[3], 0);
    ck_assert_int_eq(s.error[4], SLTD_EMRZ);
    ck_assert_ptr_nonnull(strstr(s.msg[4], "m.mrz:11:"));
    ck_assert_int_eq(s.verdict[0], SLTD_VERDICT_LISTED);
    ck_assert_int_eq(s.verdict[1], SLTD_VERDICT_CLEAR);
    ck_assert_int_eq(s.verdict[2], SLTD_VERDICT_UNREADABLE);
    ck_assert_int_eq(s.verdict[3], SLTD_VERDICT_CLEAR);
    ck_assert_int_eq(s.verdict[4], SLTD_VERDICT_INVALID);
    /* with OCR variants the misread document is found through its variant */
    ck_assert_int_eq(screen_file(&rep, &s, "m.mrz", NULL, SLTD_SCREEN_MRZ, SLTD_SCREEN_OCR_VARIANTS, 1), 0);
    ck_assert_uint_eq(rep.hits, 2);
    ck_assert_uint_eq(rep.invalid, 1);
    ck_assert_uint_eq(s.line[1], 6);
    ck_assert_int_eq(s.listed[1], 1);
    ck_assert_str_eq(s.number[1], "L8989O2C3");
    ck_assert_int_eq(s.verdict[1], SLTD_VERDICT_VARIANT);
}
END_TEST

START_TEST(jsonl)
{
    sltd_screen_report rep = SLTD_SCREEN_REPORT_INIT;
    static seen s; /* static: too big for the stack under valgrind */
    char text[4096], num[16];

    tu_number(num, 1, 5);
    snprintf(text, sizeof text,
             "{\"state\":\"UTO\",\"number\":\"%s\",\"seat\":\"12A\",\"bags\":2}\n"
             "\n"
             "{\"mrz\":\"%s\\n%s\"}\n"
             "{\"issuing_state\":\"UTO\",\"number\":\"Q1\",\"type\":\"P\"}\n"
             "not json\n"
             "{\"state\":\"UTO\"}\n"
             "{\"state\":\"UTO\",\"number\":7}\n"
             "[1,2]\n"
             "{\"mrz\":[\"%s\",\"%s\"]}\n",
             num, L1, L2_LISTED, L1, L2_OCR);
    ck_assert_int_eq(screen_file(&rep, &s, "m.jsonl", text, SLTD_SCREEN_AUTO, SLTD_SCREEN_ALL, 2), 0);
    ck_assert_uint_eq(rep.documents, 3);
    ck_assert_uint_eq(rep.hits, 2);
    ck_assert_uint_eq(rep.invalid, 5);
    ck_assert_uint_eq(s.n, 8);
    ck_assert_uint_eq(s.line[0], 1);
    ck_assert_int_eq(s.listed[0], 1);
    ck_assert_uint_eq(s.nfields[0], 4);
    ck_assert_uint_eq(s.line[1], 3);
    ck_assert_int_eq(s.listed[1], 1);
    ck_assert_int_eq(s.listed[2], 0);
    ck_assert_ptr_nonnull(strstr(s.msg[3], "m.jsonl:5: invalid JSON"));
    ck_assert_ptr_nonnull(strstr(s.msg[4], "m.jsonl:6: field 'number': missing"));
    ck_assert_ptr_nonnull(strstr(s.msg[5], "m.jsonl:7: field 'number': must be a string"));
    ck_assert_ptr_nonnull(strstr(s.msg[6], "m.jsonl:8: not a JSON object"));
    ck_assert_int_eq(s.error[7], SLTD_ECHECKDIGIT);
}
END_TEST

START_TEST(malformed)
{
    sltd_screen_report rep = SLTD_SCREEN_REPORT_INIT;
    static seen s; /* static: too big for the stack under valgrind */
    char path[4096];
    char *big;
    size_t i;
    FILE *f;

    /* bad quoting, wrong field counts, bad state, NUL byte: each reported with its line, counted */
    ck_assert_int_eq(screen_file(&rep, &s, "q.csv",
                                 "state,number\nUTO,A\"B\nUTO,Q1,extra\n\"UTO\",\"Q2\"x\nZZZ,Q3\nUTO\nUTO,Q\0004\n"
                                 "UTO,\"Q5\n",
                                 SLTD_SCREEN_CSV, 0, 2),
                     0);
    ck_assert_uint_eq(rep.invalid, 5); /* the NUL ends the text tu_write writes: line 7 is "UTO,Q" */
    ck_assert_uint_eq(rep.documents, 1);
    ck_assert_uint_eq(s.n, 5);
    ck_assert_ptr_nonnull(strstr(s.msg[0], "q.csv:2: invalid quoting"));
    ck_assert_ptr_nonnull(strstr(s.msg[1], "q.csv:3: 3 fields, the header has 2"));
    ck_assert_ptr_nonnull(strstr(s.msg[2], "q.csv:4: invalid quoting"));
    ck_assert_ptr_nonnull(strstr(s.msg[3], "q.csv:5: field 'state'"));
    ck_assert_ptr_nonnull(strstr(s.msg[4], "q.csv:6: 1 fields"));

    /* binary junk with NUL bytes, an unclosed quote at the end */
    tu_path(path, sizeof path, dir, "junk.csv");
    f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fputs("state,number\n", f);
    {
        uint64_t r = 42;
        for (i = 0; i < 200000; i++)
            fputc((int)(tu_rand(&r) & 0xff), f);
    }
    fputs("\nUTO,\"open\n", f);
    fclose(f);
    ck_assert_int_eq(screen_file(&rep, &s, "junk.csv", NULL, SLTD_SCREEN_CSV, SLTD_SCREEN_ALL, 3), 0);
    ck_assert_uint_gt(rep.invalid, 0);
    ck_assert_uint_eq(rep.documents + rep.invalid, s.nrows);
    ck_assert(s.order_ok);
    ck_assert_ptr_nonnull(strstr(s.msg[s.n - 1], "quoted field opened here is not closed"));
    /* the same junk as MRZ and JSON Lines: only invalid rows */
    ck_assert_int_eq(screen_file(&rep, &s, "junk.csv", NULL, SLTD_SCREEN_MRZ, 0, 2), 0);
    ck_assert_uint_eq(rep.documents, 0);
    ck_assert_uint_gt(rep.invalid, 0);
    ck_assert_int_eq(screen_file(&rep, &s, "junk.csv", NULL, SLTD_SCREEN_JSONL, 0, 2), 0);
    ck_assert_uint_eq(rep.documents, 0);
    ck_assert_uint_gt(rep.invalid, 0);

    /* very long lines: a 100 KiB field, a 100 KiB JSON line, a 100 KiB MRZ line */
    big = malloc(100 * 1024 + 64);
    ck_assert_ptr_nonnull(big);
    memset(big, 'A', 100 * 1024);
    big[100 * 1024] = '\0';
    tu_path(path, sizeof path, dir, "long.csv");
    f = fopen(path, "w");
    fprintf(f, "state,number\nUTO,%s\nUTO,Q1\n", big);
    fclose(f);
    ck_assert_int_eq(screen_file(&rep, &s, "long.csv", NULL, SLTD_SCREEN_CSV, 0, 1), 0);
    ck_assert_uint_eq(rep.invalid, 1);
    ck_assert_uint_eq(rep.documents, 1);
    ck_assert_ptr_nonnull(strstr(s.msg[0], "long.csv:2: field 2 is longer than 4096 bytes"));
    tu_path(path, sizeof path, dir, "long.jsonl");
    f = fopen(path, "w");
    fprintf(f, "{\"state\":\"UTO\",\"number\":\"%s\"}\n{\"state\":\"UTO\",\"number\":\"Q1\"}\n", big);
    fclose(f);
    ck_assert_int_eq(screen_file(&rep, &s, "long.jsonl", NULL, SLTD_SCREEN_AUTO, 0, 2), 0);
    ck_assert_uint_eq(rep.invalid, 1);
    ck_assert_uint_eq(rep.documents, 1);
    ck_assert_ptr_nonnull(strstr(s.msg[0], "long.jsonl:1: line longer than"));
    tu_path(path, sizeof path, dir, "long.mrz");
    f = fopen(path, "w");
    fprintf(f, "%s\n%s\n%s\n", big, L1, L2_LISTED);
    fclose(f);
    ck_assert_int_eq(screen_file(&rep, &s, "long.mrz", NULL, SLTD_SCREEN_AUTO, 0, 2), 0);
    ck_assert_uint_eq(rep.invalid, 1);
    ck_assert_uint_eq(rep.hits, 1);
    ck_assert_ptr_nonnull(strstr(s.msg[0], "long.mrz:1: mrz: line longer than"));
    free(big);

    /* unusable header, empty file, missing file */
    ck_assert_int_eq(screen_file(&rep, &s, "h.csv", "name,flight\nA,B\n", SLTD_SCREEN_CSV, 0, 2), SLTD_EFORMAT);
    ck_assert_ptr_nonnull(strstr(sltd_error_detail(), "'number'"));
    ck_assert_int_eq(screen_file(&rep, &s, "e.csv", "", SLTD_SCREEN_CSV, 0, 2), SLTD_EFORMAT);
    ck_assert_ptr_nonnull(strstr(sltd_error_detail(), "empty manifest"));
    /* the formats without a header: no row at all (empty, blank lines) is an empty input too; a CSV
     * header without rows is a manifest of no passenger */
    {
        static const char *const names[] = { "e.mrz", "e.jsonl", "b.mrz", "b.jsonl" };
        static const char *const texts[] = { "", "", "\n  \r\n\t\n", "\n\n" };
        unsigned k, threads;
        for (k = 0; k < 4; k++)
            for (threads = 1; threads <= 2; threads++) {
                ck_assert_int_eq(screen_file(&rep, &s, names[k], texts[k], SLTD_SCREEN_AUTO, 0, threads), SLTD_EFORMAT);
                ck_assert_msg(strstr(sltd_error_detail(), "empty manifest") != NULL && s.n == 0, "%s: %s", names[k],
                              sltd_error_detail());
            }
    }
    ck_assert_int_eq(screen_file(&rep, &s, "h0.csv", "name,state,number\n", SLTD_SCREEN_AUTO, 0, 2), 0);
    ck_assert_uint_eq(rep.documents + rep.invalid, 0);
    ck_assert_int_eq(screen_file(&rep, &s, "nope.csv", NULL, SLTD_SCREEN_CSV, 0, 2), SLTD_ENOENT);
    ck_assert_int_eq(screen_file(&rep, &s, "nope.mrz", NULL, SLTD_SCREEN_AUTO, 0, 1), SLTD_ENOENT);
}
END_TEST

/* A CR-only manifest: a quoting error costs only its row, the rows after it are checked (they were
 * all lost: the reader waited for an LF), and every line number is exact; the same with mixed ends. */
START_TEST(cr_only_csv)
{
    sltd_screen_report rep = SLTD_SCREEN_REPORT_INIT;
    static seen s; /* static: too big for the stack under valgrind */
    char a[16], b[16], text[512];

    tu_number(a, 1, 1);
    tu_number(b, 1, 2);
    snprintf(text, sizeof text, "state,number\rUTO,X\"1\rUTO,%s\rUTO,%s\r", a, b);
    ck_assert_int_eq(screen_file(&rep, &s, "cr.csv", text, SLTD_SCREEN_CSV, SLTD_SCREEN_ALL, 2), 0);
    ck_assert_uint_eq(rep.invalid, 1);
    ck_assert_uint_eq(rep.documents, 2);
    ck_assert_uint_eq(rep.hits, 2);
    ck_assert_uint_eq(s.n, 3);
    ck_assert_ptr_nonnull(strstr(s.msg[0], "cr.csv:2: invalid quoting"));
    ck_assert_uint_eq(s.line[1], 3);
    ck_assert_uint_eq(s.line[2], 4);
    snprintf(text, sizeof text, "state,number\r\nUTO,\"X1\"y\nUTO,%s\r\rUTO,X\"2\r\nUTO,%s", a, b);
    ck_assert_int_eq(screen_file(&rep, &s, "mixed.csv", text, SLTD_SCREEN_CSV, SLTD_SCREEN_ALL, 1), 0);
    ck_assert_uint_eq(rep.invalid, 2);
    ck_assert_uint_eq(rep.hits, 2);
    ck_assert_uint_eq(s.n, 4);
    ck_assert_ptr_nonnull(strstr(s.msg[0], "mixed.csv:2: invalid quoting"));
    ck_assert_uint_eq(s.line[1], 3);
    ck_assert_ptr_nonnull(strstr(s.msg[2], "mixed.csv:5: invalid quoting"));
    ck_assert_uint_eq(s.line[3], 6);
}
END_TEST

/* A stray quote never hides the rows after it inside one field: an invalid row that spans lines costs
 * only its first line (they were checked as part of it, or lost up to the end of the input); a valid
 * row with a quoted line end in a pass-through field is one row. */
START_TEST(stray_quote_csv)
{
    sltd_screen_report rep = SLTD_SCREEN_REPORT_INIT;
    static seen s; /* static: too big for the stack under valgrind */
    char a[16], b[16], text[512];

    tu_number(a, 1, 1);
    tu_number(b, 1, 2);
    /* a quote that never closes, in a pass-through field */
    snprintf(text, sizeof text, "state,number,name\nUTO,Q7,\"Bob\nUTO,%s,x\rUTO,%s,y\r\n", a, b);
    ck_assert_int_eq(screen_file(&rep, &s, "q1.csv", text, SLTD_SCREEN_CSV, SLTD_SCREEN_ALL, 2), 0);
    ck_assert_uint_eq(s.n, 3);
    ck_assert_uint_eq(rep.invalid, 1);
    ck_assert_uint_eq(rep.hits, 2);
    ck_assert_ptr_nonnull(strstr(s.msg[0], "q1.csv:2: quoted field opened here is not closed at the end of the input "
                                           "(the row's lines from 3 on are read again as rows)"));
    ck_assert_uint_eq(s.line[1], 3);
    ck_assert_uint_eq(s.line[2], 4);
    /* a quote that closes further down, in the number: the number holds a line end, so the row is
     * invalid and its later lines are rows of their own */
    snprintf(text, sizeof text, "state,number,name\nUTO,\"Q7\nUTO,%s,x\nUTO,%s\",y\nUTO,%s,z\n", a, b, b);
    ck_assert_int_eq(screen_file(&rep, &s, "q2.csv", text, SLTD_SCREEN_CSV, SLTD_SCREEN_ALL, 1), 0);
    ck_assert_uint_eq(s.n, 4);
    ck_assert_uint_eq(rep.hits, 2);
    ck_assert_uint_eq(rep.invalid, 2);
    ck_assert_int_eq(s.error[0], SLTD_ENUMBER);
    ck_assert_uint_eq(s.line[1], 3);
    ck_assert_int_eq(s.listed[1], 1);
    ck_assert_uint_eq(s.line[2], 4); /* the closing quote: an invalid row at its line */
    ck_assert_int_eq(s.error[2], SLTD_EFORMAT);
    ck_assert_uint_eq(s.line[3], 5);
    ck_assert_int_eq(s.listed[3], 1);
    /* a field count other than the header's */
    snprintf(text, sizeof text, "state,number,name\nUTO,Q7,\"Bob\nUTO,%s,x\",extra\nUTO,%s,y\n", a, b);
    ck_assert_int_eq(screen_file(&rep, &s, "q3.csv", text, SLTD_SCREEN_CSV, SLTD_SCREEN_ALL, 1), 0);
    ck_assert_uint_eq(s.n, 3);
    ck_assert_uint_eq(rep.invalid, 2);
    ck_assert_uint_eq(rep.hits, 1);
    ck_assert_ptr_nonnull(strstr(s.msg[0], "q3.csv:2: 4 fields, the header has 3"));
    ck_assert_uint_eq(s.line[1], 3);
    ck_assert_uint_eq(s.line[2], 4);
    ck_assert_int_eq(s.listed[2], 1);
    /* a valid row with a two-line name is one row */
    snprintf(text, sizeof text, "state,number,name\nUTO,%s,\"Bob\r\nUTO,%s,x\"\nUTO,Q7,y\n", a, b);
    ck_assert_int_eq(screen_file(&rep, &s, "q4.csv", text, SLTD_SCREEN_CSV, SLTD_SCREEN_ALL, 1), 0);
    ck_assert_uint_eq(s.n, 2);
    ck_assert_uint_eq(rep.hits, 1);
    ck_assert_uint_eq(rep.invalid, 0);
    ck_assert_uint_eq(s.line[1], 4);
}
END_TEST

/* Values with spaces around them are trimmed into a copy in the chunk's arena; a copy made as the arena
 * grew read the value from the freed old arena (ASan: heap-use-after-free; else any bytes looked up).
 * Every padding shifts where the arena grows; every row is a listed document and must be a hit. */
START_TEST(trimmed_values_arena_growth)
{
    sltd_screen_report rep = SLTD_SCREEN_REPORT_INIT;
    static seen s; /* static: too big for the stack under valgrind */
    char num[16], path[4096];
    unsigned pad;
    unsigned long i;

    tu_path(path, sizeof path, dir, "pad.csv");
    for (pad = 1; pad <= 12; pad++) {
        FILE *f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fprintf(f, "state,number,note\n");
        for (i = 0; i < 3000; i++) {
            tu_number(num, 1, i % NREC);
            fprintf(f, "%*sUTO%*s,%*s%s%*s,%0*u\n", (int)pad, "", (int)(i % 3), "", (int)(i % 5), "", num, (int)pad, "",
                    (int)(20 + pad * 7), 0u);
        }
        ck_assert_int_eq(fclose(f), 0);
        ck_assert_int_eq(screen_file(&rep, &s, "pad.csv", NULL, SLTD_SCREEN_CSV, 0, 2), 0);
        ck_assert_uint_eq(rep.invalid, 0);
        ck_assert_uint_eq(rep.hits, 3000);
    }
}
END_TEST

/* A CSV header that could be read two ways is refused (it was read the last way, silently). */
START_TEST(strict_csv_header)
{
    sltd_screen_report rep = SLTD_SCREEN_REPORT_INIT;
    static seen s; /* static: too big for the stack under valgrind */
    char num[16], text[512];

    tu_number(num, 1, 4);
    snprintf(text, sizeof text, "state,number,number\nUTO,%s,Q1\n", num);
    ck_assert_int_eq(screen_file(&rep, &s, "n2.csv", text, SLTD_SCREEN_CSV, 0, 1), SLTD_EFORMAT);
    ck_assert_ptr_nonnull(strstr(sltd_error_detail(), "n2.csv:1: duplicate column 'number' (columns 2 and 3)"));
    snprintf(text, sizeof text, "State,number,STATE\nUTO,%s,D\n", num);
    ck_assert_int_eq(screen_file(&rep, &s, "s2.csv", text, SLTD_SCREEN_CSV, 0, 1), SLTD_EFORMAT);
    ck_assert_ptr_nonnull(strstr(sltd_error_detail(), "s2.csv:1: duplicate column 'state' (columns 1 and 3)"));
    snprintf(text, sizeof text, "issuing_state,number,state\nUTO,%s,D\n", num);
    ck_assert_int_eq(screen_file(&rep, &s, "s3.csv", text, SLTD_SCREEN_CSV, 0, 1), SLTD_EFORMAT);
    ck_assert_ptr_nonnull(strstr(sltd_error_detail(), "s3.csv:1: columns 'issuing_state' (1) and 'state' (3) both name "
                                                    "the issuing state; keep one"));
    snprintf(text, sizeof text, "note,number, NOTE \nx,%s,y\n", num);
    ck_assert_int_eq(screen_file(&rep, &s, "x2.csv", text, SLTD_SCREEN_CSV, 0, 1), SLTD_EFORMAT);
    ck_assert_ptr_nonnull(strstr(sltd_error_detail(), "x2.csv:1: duplicate column 'NOTE' (columns 1 and 3)"));
    /* nationality stands in for the issuing state only when neither state column is there */
    snprintf(text, sizeof text, "nationality,state,number\nUTO,D,%s\n", num);
    ck_assert_int_eq(screen_file(&rep, &s, "n.csv", text, SLTD_SCREEN_CSV, 0, 1), 0);
    ck_assert_uint_eq(rep.hits, 0);
    snprintf(text, sizeof text, "nationality,number\nUTO,%s\n", num);
    ck_assert_int_eq(screen_file(&rep, &s, "n1.csv", text, SLTD_SCREEN_CSV, 0, 1), 0);
    ck_assert_uint_eq(rep.hits, 1);
    /* values are trimmed as feed values are */
    snprintf(text, sizeof text, "state,number\n UTO\t,\t%s \n", num);
    ck_assert_int_eq(screen_file(&rep, &s, "t.csv", text, SLTD_SCREEN_CSV, 0, 1), 0);
    ck_assert_uint_eq(rep.hits, 1);
}
END_TEST

/* A JSON Lines object with an MRZ and fields: both are checked. */
START_TEST(jsonl_both)
{
    sltd_screen_report rep = SLTD_SCREEN_REPORT_INIT;
    static seen s; /* static: too big for the stack under valgrind */
    char text[8192], num[16];

    tu_number(num, 1, 6);
    snprintf(text, sizeof text,
             /* 1: the fields are listed, the MRZ is clear: a hit, the difference noted */
             "{\"mrz\":\"%s\\n%s\",\"state\":\"UTO\",\"number\":\"%s\"}\n"
             /* 2: the MRZ is listed, the fields are clear */
             "{\"mrz\":\"%s\\n%s\",\"state\":\"UTO\",\"number\":\"Q7\"}\n"
             /* 3: both clear and the same document: clear */
             "{\"mrz\":\"%s\\n%s\",\"issuing_state\":\"uto\",\"number\":\"L898902-D3\"}\n"
             /* 4: both clear, different documents: never clear */
             "{\"mrz\":\"%s\\n%s\",\"state\":\"UTO\",\"number\":\"Q7\"}\n"
             /* 5: the MRZ cannot be trusted, the fields are listed: a hit */
             "{\"mrz\":\"%s\\n%s\",\"state\":\"UTO\",\"number\":\"%s\"}\n"
             /* 6: the MRZ cannot be trusted, the fields are clear: invalid */
             "{\"mrz\":\"%s\\n%s\",\"state\":\"UTO\",\"number\":\"Q7\"}\n"
             /* 7: an unusable mrz member beside listed fields: a hit */
             "{\"mrz\":5,\"state\":\"UTO\",\"number\":\"%s\"}\n"
             /* 8: half a key beside a clear MRZ: invalid */
             "{\"mrz\":\"%s\\n%s\",\"number\":\"Q7\"}\n"
             /* 9: two names for the issuing state: invalid */
             "{\"state\":\"UTO\",\"issuing_state\":\"UTO\",\"number\":\"Q7\"}\n"
             /* 10: nothing to check: invalid */
             "{\"name\":\"x\"}\n"
             /* 11: nationality beside an MRZ is passed through, not a key */
             "{\"mrz\":\"%s\\n%s\",\"nationality\":\"D\"}\n",
             L1, L2_CLEAR, num, L1, L2_LISTED, L1, L2_CLEAR, L1, L2_CLEAR, L1, L2_OCR, num, L1, L2_OCR, num, L1,
             L2_CLEAR, L1, L2_CLEAR);
    ck_assert_int_eq(screen_file(&rep, &s, "both.jsonl", text, SLTD_SCREEN_AUTO, SLTD_SCREEN_ALL, 2), 0);
    ck_assert_uint_eq(s.n, 11);
    ck_assert_uint_eq(rep.hits, 4);
    ck_assert_uint_eq(rep.invalid, 5);
    ck_assert_int_eq(s.listed[0], 1);
    ck_assert_str_eq(s.number[0], num);
    ck_assert_ptr_nonnull(strstr(s.note[0], "both.jsonl:1: the MRZ and the fields 'state'/'number' name different"));
    ck_assert_int_eq(s.listed[1], 1);
    ck_assert_str_eq(s.number[1], "L898902C3");
    ck_assert_ptr_nonnull(strstr(s.note[1], "both.jsonl:2: the MRZ and the fields"));
    ck_assert_int_eq(s.error[2], 0);
    ck_assert_int_eq(s.listed[2], 0);
    ck_assert_str_eq(s.note[2], "");
    ck_assert_int_eq(s.error[3], SLTD_EFORMAT);
    ck_assert_ptr_nonnull(strstr(s.msg[3], "both.jsonl:4: the MRZ and the fields 'state'/'number' name different"));
    ck_assert_int_eq(s.listed[4], 1);
    ck_assert_ptr_nonnull(strstr(s.note[4], "check digit is wrong"));
    ck_assert_int_eq(s.error[5], SLTD_ECHECKDIGIT);
    ck_assert_int_eq(s.listed[6], 1);
    ck_assert_ptr_nonnull(strstr(s.note[6], "both.jsonl:7: field 'mrz': a string or an array of strings"));
    ck_assert_int_eq(s.error[7], SLTD_EFORMAT);
    ck_assert_ptr_nonnull(strstr(s.msg[7], "both.jsonl:8: field 'state': missing"));
    ck_assert_ptr_nonnull(strstr(s.msg[8], "both.jsonl:9: members 'state' and 'issuing_state'"));
    ck_assert_ptr_nonnull(strstr(s.msg[9], "both.jsonl:10: field 'state': missing"));
    ck_assert_int_eq(s.error[10], 0);
    ck_assert_int_eq(s.listed[10], 0);
    /* with OCR variants the MRZ is looked up with them, the fields as they are */
    ck_assert_int_eq(screen_file(&rep, &s, "both.jsonl", NULL, SLTD_SCREEN_JSONL,
                                 SLTD_SCREEN_ALL | SLTD_SCREEN_OCR_VARIANTS, 1), 0);
    ck_assert_uint_eq(rep.hits, 5); /* row 6: the misread MRZ's variant is listed */
    ck_assert_int_eq(s.listed[5], 1);
}
END_TEST

/* A CSV manifest's `mrz` column is a key, as a JSON Lines `mrz` member is, checked beside the state and
 * number by the same rule. Regression: the column was passed through, so a row with a clear state and
 * number and a listed MRZ was answered clear. */
START_TEST(csv_mrz_column)
{
    sltd_screen_report rep = SLTD_SCREEN_REPORT_INIT;
    static seen s; /* static: too big for the stack under valgrind */
    char text[8192], num[16];

    tu_number(num, 1, 6);
    snprintf(text, sizeof text,
             "name,mrz,state,number\n"
             /* 1: the fields are listed, the MRZ is clear: a hit */
             "a,\"%s\n%s\",UTO,%s\n"
             /* 2: the MRZ is listed, the fields are clear: a hit */
             "b,\"%s\r\n%s\",UTO,Q7\n"
             /* 3: both clear and the same document: clear */
             "c,\"%s\n%s\",uto,L898902-D3\n"
             /* 4: both clear, different documents: never clear */
             "d,\"%s\n%s\",UTO,Q7\n"
             /* 5: the MRZ cannot be trusted, the fields are listed: a hit */
             "e,\"%s\n%s\",UTO,%s\n"
             /* 6: the MRZ cannot be trusted, the fields are clear: not clear */
             "f,\"%s\n%s\",UTO,Q7\n"
             /* 7: no MRZ, the fields listed: a hit */
             "g,,UTO,%s\n"
             /* 8: no MRZ, the fields clear: clear */
             "h,  ,UTO,Q7\n"
             /* 9: the MRZ alone (no state, no number), listed: a hit */
             "i,\"%s\n%s\",,\n"
             /* 10: nothing to check: invalid */
             "j,,,\n"
             /* 11: not an MRZ beside clear fields: invalid */
             "k,NOT AN MRZ,UTO,Q7\n"
             /* 12: half a key beside a clear MRZ: invalid (and, spanning lines, its second line is read
              * again as a row of its own: an invalid row never hides the lines after its first) */
             "l,\"%s\n%s\",,Q7\n",
             L1, L2_CLEAR, num, L1, L2_LISTED, L1, L2_CLEAR, L1, L2_CLEAR, L1, L2_OCR, num, L1, L2_OCR, num, L1,
             L2_LISTED, L1, L2_CLEAR);
    ck_assert_int_eq(screen_file(&rep, &s, "mrzcol.csv", text, SLTD_SCREEN_AUTO, SLTD_SCREEN_ALL, 2), 0);
    ck_assert_uint_eq(s.n, 13);
    ck_assert_uint_eq(rep.hits, 5);
    ck_assert_int_eq(s.listed[0], 1);
    ck_assert_str_eq(s.number[0], num);
    ck_assert_ptr_nonnull(strstr(s.note[0], "mrzcol.csv:2: the MRZ and the fields 'state'/'number' name different"));
    ck_assert_int_eq(s.listed[1], 1);
    ck_assert_str_eq(s.number[1], "L898902C3");
    ck_assert_int_eq(s.verdict[1], SLTD_VERDICT_LISTED);
    ck_assert_int_eq(s.error[2], 0);
    ck_assert_int_eq(s.listed[2], 0);
    ck_assert_int_eq(s.verdict[2], SLTD_VERDICT_CLEAR);
    ck_assert_int_eq(s.error[3], SLTD_EFORMAT);
    ck_assert_ptr_nonnull(strstr(s.msg[3], "mrzcol.csv:8: the MRZ and the fields 'state'/'number' name different"));
    ck_assert_int_eq(s.listed[4], 1);
    ck_assert_ptr_nonnull(strstr(s.note[4], "check digit is wrong"));
    ck_assert_int_eq(s.error[5], SLTD_ECHECKDIGIT);
    ck_assert_int_eq(s.listed[6], 1);
    ck_assert_int_eq(s.error[7], 0);
    ck_assert_int_eq(s.listed[7], 0);
    ck_assert_int_eq(s.listed[8], 1);
    ck_assert_str_eq(s.number[8], "L898902C3");
    ck_assert_int_ne(s.error[9], 0);
    ck_assert_ptr_nonnull(strstr(s.msg[9], "mrzcol.csv:18: field 'state'"));
    ck_assert_int_ne(s.error[10], 0);
    ck_assert_ptr_nonnull(strstr(s.msg[10], "mrzcol.csv:19:"));
    ck_assert_int_eq(s.error[11], SLTD_ESTATE);
    ck_assert_int_eq(s.error[12], SLTD_EFORMAT);
    ck_assert_uint_eq(s.nfields[1], 4); /* the MRZ is passed through too */
    /* with OCR variants the MRZ is looked up with them */
    ck_assert_int_eq(screen_file(&rep, &s, "mrzcol.csv", NULL, SLTD_SCREEN_CSV,
                                 SLTD_SCREEN_ALL | SLTD_SCREEN_OCR_VARIANTS, 1), 0);
    ck_assert_uint_eq(rep.hits, 6); /* row 6: the misread MRZ's variant is listed */
    ck_assert_int_eq(s.listed[5], 1);

    /* a manifest of MRZs only; an empty cell names no document; a stray quote hides no row after it */
    snprintf(text, sizeof text, "mrz,flight\n\"%s\n%s\",X1\n\"%s\n%s\",X2\n\"\",X3\n\"%s\n%s,X4\n\"%s\n%s\",X5\n", L1,
             L2_CLEAR, L1, L2_LISTED, L1, L2_CLEAR, L1, L2_LISTED);
    ck_assert_int_eq(screen_file(&rep, &s, "only.csv", text, SLTD_SCREEN_AUTO, SLTD_SCREEN_ALL, 2), 0);
    ck_assert_int_eq(s.error[0], 0);
    ck_assert_int_eq(s.listed[0], 0);
    ck_assert_int_eq(s.listed[1], 1);
    ck_assert_int_eq(s.error[2], SLTD_EFORMAT);
    ck_assert_ptr_nonnull(strstr(s.msg[2], "only.csv:6: field 'mrz': empty"));
    ck_assert_uint_eq(rep.hits, 2); /* the last row's listed MRZ is found whatever the stray quote did */
    ck_assert_int_eq(s.listed[s.n - 1], 1);
    ck_assert_int_eq(s.verdict[s.n - 1], SLTD_VERDICT_LISTED);

    /* half a key in the header beside an MRZ: refused, naming what is missing */
    ck_assert_int_eq(screen_file(&rep, &s, "half.csv", "mrz,state\nX,UTO\n", SLTD_SCREEN_AUTO, 0, 1), SLTD_EFORMAT);
    ck_assert_ptr_nonnull(strstr(sltd_error_detail(), "'state' column but no 'number' column"));
    ck_assert_int_eq(screen_file(&rep, &s, "half.csv", "number,mrz\nX,Y\n", SLTD_SCREEN_AUTO, 0, 1), SLTD_EFORMAT);
    ck_assert_ptr_nonnull(strstr(sltd_error_detail(), "'number' column but no 'state' column"));
}
END_TEST

/* An MRZ cell is read by the rules of every "mrz" field (sltd__mf_mrz_field): the same length bound in
 * CSV as in JSON Lines (a CSV cell of 1,100 bytes, blanks around a line, was read; the same text as a
 * JSON member was refused). */
START_TEST(csv_mrz_cell_rules)
{
    sltd_screen_report rep = SLTD_SCREEN_REPORT_INIT;
    static seen s; /* static: too big for the stack under valgrind */
    static char text[8192];

    snprintf(text, sizeof text, "mrz\n\"%s%1100s\n%s\"\n\"%s\n%s\"\n", L1, "", L2_LISTED, L1, L2_LISTED);
    ck_assert_int_eq(screen_file(&rep, &s, "long.csv", text, SLTD_SCREEN_CSV, SLTD_SCREEN_ALL, 1), 0);
    ck_assert_uint_eq(s.n, 2);
    ck_assert_int_eq(s.error[0], SLTD_EFORMAT);
    ck_assert_ptr_nonnull(strstr(s.msg[0], "long.csv:2: field 'mrz': longer than 1023 bytes"));
    ck_assert_int_eq(s.listed[1], 1);
    snprintf(text, sizeof text, "{\"mrz\":\"%s%1100s\\n%s\"}\n", L1, "", L2_LISTED);
    ck_assert_int_eq(screen_file(&rep, &s, "long.jsonl", text, SLTD_SCREEN_JSONL, SLTD_SCREEN_ALL, 1), 0);
    ck_assert_int_eq(s.error[0], SLTD_EFORMAT);
    ck_assert_ptr_nonnull(strstr(s.msg[0], "long.jsonl:1: field 'mrz': longer than 1023 bytes"));
    /* a cell the MRZ parser reads (blank lines inside, CR-only line ends) is one row, not a stray
     * quote's work (its lines were read again as invalid rows); messages name the MRZ line's own line */
    snprintf(text, sizeof text, "name,mrz\nx,\"%s\n\n\n%s\n\"\ny,\"%s\r%s\"\nz,\"%s\r\n%s\"\n", L1, L2_LISTED, L1,
             L2_LISTED, L1, L2_OCR);
    ck_assert_int_eq(screen_file(&rep, &s, "lines.csv", text, SLTD_SCREEN_CSV, SLTD_SCREEN_ALL, 1), 0);
    ck_assert_uint_eq(s.n, 3);
    ck_assert_uint_eq(rep.hits, 2);
    ck_assert_uint_eq(rep.invalid, 1);
    ck_assert_uint_eq(s.line[1], 7);
    ck_assert_uint_eq(s.line[2], 9);
    ck_assert_int_eq(s.error[2], SLTD_ECHECKDIGIT);
    ck_assert_ptr_nonnull(strstr(s.msg[2], "lines.csv:10: mrz: the document number check digit is wrong"));
}
END_TEST

/* JSON Lines member names are matched as CSV column names are: in any case, spaces around ignored;
 * two members of one name are an error (fields in "Number"/"State" beside a clear MRZ were ignored,
 * and a second "NUMBER" beside "number" was passed through: both rows were answered clear). */
START_TEST(jsonl_member_names)
{
    sltd_screen_report rep = SLTD_SCREEN_REPORT_INIT;
    static seen s; /* static: too big for the stack under valgrind */
    char text[4096], num[16];

    tu_number(num, 1, 7);
    snprintf(text, sizeof text,
             "{\"mrz\":\"%s\\n%s\",\"Number\":\"%s\",\"State\":\"UTO\"}\n"
             "{\"state\":\"UTO\",\"number\":\"Q7\",\"NUMBER\":\"%s\"}\n"
             "{\"MRZ\":\"%s\\n%s\",\" number \":\"%s\",\"Issuing_State\":\"UTO\"}\n"
             "{\"Mrz\":\"%s\\n%s\"}\n"
             "{\"mrz\":\"%s\\n%s\",\"MRZ\":\"%s\\n%s\"}\n",
             L1, L2_CLEAR, num, num, L1, L2_CLEAR, num, L1, L2_LISTED, L1, L2_CLEAR, L1, L2_LISTED);
    ck_assert_int_eq(screen_file(&rep, &s, "names.jsonl", text, SLTD_SCREEN_JSONL, SLTD_SCREEN_ALL, 1), 0);
    ck_assert_uint_eq(s.n, 5);
    ck_assert_int_eq(s.listed[0], 1);
    ck_assert_str_eq(s.number[0], num);
    ck_assert_int_eq(s.error[1], SLTD_EFORMAT);
    ck_assert_ptr_nonnull(strstr(s.msg[1], "names.jsonl:2: members 2 and 3 both name 'number'; give one"));
    ck_assert_int_eq(s.listed[2], 1);
    ck_assert_int_eq(s.listed[3], 1);
    ck_assert_int_eq(s.error[4], SLTD_EFORMAT);
    ck_assert_ptr_nonnull(strstr(s.msg[4], "names.jsonl:5: members 1 and 2 both name 'mrz'"));
    ck_assert_uint_eq(rep.hits, 3);
    ck_assert_uint_eq(rep.invalid, 2);
}
END_TEST

/* An orphan line in an MRZ manifest costs only itself (it threw the pairing off for the rest). */
START_TEST(mrz_realign)
{
    sltd_screen_report rep = SLTD_SCREEN_REPORT_INIT;
    static seen s; /* static: too big for the stack under valgrind */
    char text[4096];
    static const char *td1a = "I<UTOD231458907<<<<<<<<<<<<<<<", *td1b = "7408122F1204159UTO<<<<<<<<<<<6",
                      *td1c = "ERIKSSON<<ANNA<MARIA<<<<<<<<<<";

    /* an orphan upper line, then four listed documents without blank lines */
    snprintf(text, sizeof text, "%s\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n", L1, L1, L2_LISTED, L1, L2_LISTED, L1,
             L2_LISTED, L1, L2_LISTED);
    ck_assert_int_eq(screen_file(&rep, &s, "o.mrz", text, SLTD_SCREEN_AUTO, SLTD_SCREEN_ALL, 2), 0);
    ck_assert_uint_eq(rep.invalid, 1);
    ck_assert_uint_eq(rep.hits, 4);
    ck_assert_uint_eq(s.line[0], 1);
    ck_assert_uint_eq(s.line[1], 2);
    ck_assert_uint_eq(s.line[4], 8);
    /* an orphan lower line, a TD1 torn after two lines, a junk line, a line of another length */
    snprintf(text, sizeof text, "%s\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n%s\n%s\nshort\n%s\n%s\n", L2_CLEAR, L1,
             L2_LISTED, td1a, td1b, L1, L2_LISTED, td1a, td1b, td1c, L1, L1, L2_LISTED);
    ck_assert_int_eq(screen_file(&rep, &s, "o2.mrz", text, SLTD_SCREEN_MRZ, SLTD_SCREEN_ALL, 1), 0);
    ck_assert_uint_eq(rep.hits, 3);
    ck_assert_uint_eq(rep.documents, 4); /* the three hits and the TD1 of lines 8-10 */
    ck_assert_uint_eq(rep.invalid, 4);   /* lines 1, 4 (TD1 torn), 11 (orphan upper), 12 (short) */
    ck_assert_uint_eq(s.n, 8);
    ck_assert_uint_eq(s.line[1], 2);
    ck_assert_int_eq(s.listed[1], 1);
    ck_assert_uint_eq(s.line[2], 4);
    ck_assert_int_ne(s.error[2], 0);
    ck_assert_uint_eq(s.line[3], 6);
    ck_assert_int_eq(s.listed[3], 1);
    ck_assert_uint_eq(s.line[4], 8);
    ck_assert_int_eq(s.error[4], 0);
    ck_assert_uint_eq(s.line[7], 13);
    ck_assert_int_eq(s.listed[7], 1);
    /* two documents' lines interleaved: the second upper line with the first lower line is a document
     * of neither (D, and the listed UTO passport's number): never clear, on any thread count, with or
     * without OCR variants; the document after it, whole, is checked as usual */
    snprintf(text, sizeof text, "%s\n%s\n%s\n%s\n\n%s\n%s\n", L1, "P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<",
             L2_LISTED, "C01X00T478D<<6408125F2702283<<<<<<<<<<<<<<<4", L1, L2_CLEAR);
    {
        unsigned threads, ocr;
        for (threads = 1; threads <= 2; threads++)
            for (ocr = 0; ocr <= 1; ocr++) {
                ck_assert_int_eq(screen_file(&rep, &s, "i.mrz", threads == 1 && ocr == 0 ? text : NULL, SLTD_SCREEN_MRZ,
                                             SLTD_SCREEN_ALL | (ocr ? SLTD_SCREEN_OCR_VARIANTS : 0u), threads),
                                 0);
                ck_assert_uint_eq(s.n, 4);
                ck_assert_uint_eq(s.line[1], 2);
                ck_assert_int_eq(s.verdict[1], SLTD_VERDICT_INVALID);
                ck_assert_msg(strstr(s.msg[1], "i.mrz:2: mrz: follows the upper line at line 1, left without its "
                                               "lower line") != NULL, "%s", s.msg[1]);
                ck_assert_int_eq(s.verdict[3], SLTD_VERDICT_CLEAR); /* lines 6-7, after a blank line */
                ck_assert_uint_eq(rep.invalid, 3);
            }
    }
    /* CR-only line ends count lines too */
    snprintf(text, sizeof text, "%s\r%s\r%s\r", L1, L1, L2_LISTED);
    ck_assert_int_eq(screen_file(&rep, &s, "cr.mrz", text, SLTD_SCREEN_MRZ, SLTD_SCREEN_ALL, 1), 0);
    ck_assert_uint_eq(rep.hits, 1);
    ck_assert_uint_eq(s.line[1], 2);
}
END_TEST

/* No message repeats a document number: it says what is wrong and where. */
START_TEST(messages_without_numbers)
{
    sltd_screen_report rep = SLTD_SCREEN_REPORT_INIT;
    static seen s; /* static: too big for the stack under valgrind */

    ck_assert_int_eq(screen_file(&rep, &s, "m.csv", "state,number\nUTO,SECRETY123.\nSECRETZ9,Q1\n", SLTD_SCREEN_CSV, 0, 1),
                     0);
    ck_assert_uint_eq(rep.invalid, 2);
    ck_assert_ptr_nonnull(strstr(s.msg[0], "m.csv:2: field 'number': character 11 is '.'; only A-Z and 0-9 are "
                                           "allowed (spaces, '-', '/' and '<' are dropped)"));
    ck_assert_ptr_null(strstr(s.msg[0], "SECRET"));
    ck_assert_ptr_null(strstr(s.msg[1], "SECRET"));
    ck_assert_ptr_nonnull(strstr(s.msg[1], "m.csv:3: field 'state': character 8 is '9'"));
    ck_assert_int_eq(screen_file(&rep, &s, "m.jsonl", "{\"state\":\"UTO\",\"number\":SECRETX1}\n"
                                                      "{\"state\":\"UTO\",\"number\":\"SECRETX1234567890123456\"}\n",
                                 SLTD_SCREEN_JSONL, 0, 1),
                     0);
    ck_assert_uint_eq(rep.invalid, 2);
    ck_assert_ptr_null(strstr(s.msg[0], "SECRET"));
    ck_assert_ptr_nonnull(strstr(s.msg[0], "m.jsonl:1: invalid JSON at column"));
    ck_assert_ptr_nonnull(strstr(s.msg[1], "m.jsonl:2: field 'number': has 23 letters and digits, more than 22"));
    /* a header cell that could be a document number is not shown either */
    ck_assert_int_eq(screen_file(&rep, &s, "h.csv", "state,number,SECRET123,SECRET123\nUTO,Q1,,\n", SLTD_SCREEN_CSV, 0,
                                 1),
                     SLTD_EFORMAT);
    ck_assert_ptr_null(strstr(sltd_error_detail(), "SECRET"));
    ck_assert_ptr_nonnull(strstr(sltd_error_detail(), "h.csv:1: duplicate column"));
}
END_TEST

/* A directory is bad input, not a read error. */
START_TEST(directory_input)
{
    sltd_screen_report rep = SLTD_SCREEN_REPORT_INIT;
    static seen s; /* static: too big for the stack under valgrind */

    ck_assert_int_eq(screen_file(&rep, &s, ".", NULL, SLTD_SCREEN_CSV, 0, 1), SLTD_EFORMAT);
    ck_assert_ptr_nonnull(strstr(sltd_error_detail(), "is a directory"));
}
END_TEST

/* Stops the screening (returns 9) at the first listed row at or after index *ctx. */
static int stop_at_hit(void *ctx, const sltd_screen_row *row)
{
    return row->listed && row->index >= *(const uint64_t *)ctx ? 9 : 0;
}

/* Many chunks (60), 1 to 64 threads: rows in input order, hits and invalid rows exactly where planted;
 * a callback that stops the screening leaves the report counting the rows up to its own. */
START_TEST(order_threads)
{
    static const unsigned threads[] = { 1, 2, 3, 8, SLTD_SCREEN_THREADS_MAX };
    char path[4096], num[16];
    sltd_screen_report rep = SLTD_SCREEN_REPORT_INIT;
    seen *s = malloc(sizeof *s);
    unsigned long i, n = 60000, want_hits = 0, want_bad = 0;
    size_t t, k;
    FILE *f;

    ck_assert_ptr_nonnull(s);
    tu_path(path, sizeof path, dir, "order.csv");
    f = fopen(path, "w");
    fputs("seq,state,number\n", f);
    for (i = 0; i < n; i++) {
        if (i % 97 == 0) {
            tu_number(num, 1, i % NREC);
            want_hits += i % 1013 != 5;
        } else {
            tu_number(num, 2, i);
        }
        if (i % 1013 == 5) {
            fprintf(f, "%lu,ZZZ,%s\n", i, num);
            want_bad++;
        } else {
            fprintf(f, "%lu,UTO,%s\n", i, num);
        }
    }
    fclose(f);
    for (t = 0; t < sizeof threads / sizeof threads[0]; t++) {
        ck_assert_int_eq(screen_file(&rep, s, "order.csv", NULL, SLTD_SCREEN_CSV, 0, threads[t]), 0);
        ck_assert_uint_eq(rep.hits, want_hits);
        ck_assert_uint_eq(rep.invalid, want_bad);
        ck_assert_uint_eq(rep.documents, n - want_bad);
        ck_assert(s->order_ok);
        ck_assert_uint_eq(s->n, want_hits + want_bad);
        for (k = 0; k < s->n; k++) {
            unsigned long row = s->line[k] - 2; /* line 2 is row 0 */
            ck_assert_uint_eq(s->index[k], row);
            ck_assert_str_eq(s->field0[k], (snprintf(num, sizeof num, "%lu", row), num));
            if (s->error[k] != 0) {
                ck_assert_uint_eq(row % 1013, 5);
                ck_assert_int_eq(s->error[k], SLTD_ESTATE);
            } else {
                ck_assert_uint_eq(row % 97, 0);
                ck_assert_int_eq(s->listed[k], 1);
            }
        }
        /* every row, in order */
        ck_assert_int_eq(screen_file(&rep, s, "order.csv", NULL, SLTD_SCREEN_CSV, SLTD_SCREEN_ALL, threads[t]), 0);
        ck_assert_uint_eq(s->nrows, n);
        ck_assert(s->order_ok);
        /* stopped at the first hit from row 30,000 on (row 30,070): the rows up to it are counted */
        {
            sltd_screen_options o = SLTD_SCREEN_OPTIONS_INIT;
            uint64_t from = 30000, hits = 0, bad = 0;
            unsigned long stop = 30070;

            for (i = 0; i <= stop; i++) {
                bad += i % 1013 == 5;
                hits += i % 97 == 0 && i % 1013 != 5;
            }
            o.threads = threads[t];
            o.row_fn = stop_at_hit;
            o.row_ctx = &from;
            ck_assert_int_eq(sltd_db_screen(&rep, db, path, &o), 9);
            ck_assert_uint_eq(rep.hits, hits);
            ck_assert_uint_eq(rep.invalid, bad);
            ck_assert_uint_eq(rep.documents, stop + 1 - bad);
        }
    }
    free(s);
}
END_TEST

/* A 1 M-row manifest: exactly the planted hits are found. */
START_TEST(million)
{
    char path[4096], num[16];
    sltd_screen_report rep = SLTD_SCREEN_REPORT_INIT;
    seen *s = malloc(sizeof *s);
    unsigned long i, n = 1000000, nhits = 0, sum = 0;
    FILE *f;

    ck_assert_ptr_nonnull(s);
    tu_path(path, sizeof path, dir, "million.csv");
    f = fopen(path, "w");
    fputs("name,state,number,flight\n", f);
    for (i = 0; i < n; i++) {
        if (i % 1009 == 3) {
            tu_number(num, 1, (i * 7) % NREC);
            nhits++;
            sum += i + 2;
        } else {
            tu_number(num, 3, i);
        }
        fprintf(f, "P%lu,UTO,%s,XY%lu\n", i, num, i % 500);
    }
    fclose(f);
    memset(s, 0, sizeof *s);
    {
        sltd_screen_options o = SLTD_SCREEN_OPTIONS_INIT;
        s->order_ok = 1;
        s->big = 1;
        o.row_fn = on_row;
        o.row_ctx = s;
        ck_assert_int_eq(sltd_db_screen(&rep, db, path, &o), 0);
    }
    ck_assert_uint_eq(rep.documents, n);
    ck_assert_uint_eq(rep.invalid, 0);
    ck_assert_uint_eq(rep.hits, nhits);
    ck_assert_uint_eq(s->nhits, nhits);
    ck_assert_uint_eq(s->hits_lines_sum, sum);
    ck_assert(s->order_ok);
    free(s);
}
END_TEST

typedef struct auditlog {
    char text[8192];
    size_t n;
    unsigned calls;
} auditlog;

static int on_audit(void *ctx, const sltd_screen_audit *a)
{
    auditlog *l = ctx;

    ck_assert_uint_eq(a->version, SLTD_SCREEN_AUDIT_VERSION);
    ck_assert_ptr_nonnull(a->record);
    l->calls++;
    l->n += (size_t)snprintf(l->text + l->n, sizeof l->text - l->n, "%s\n", a->json);
    return 0;
}

typedef struct prog {
    unsigned calls, done;
    uint64_t documents, total;
} prog;

static void on_progress(void *ctx, const sltd_screen_progress *p)
{
    prog *g = ctx;

    g->calls++;
    g->done += (unsigned)p->done;
    g->documents = p->documents;
    g->total = p->bytes_total;
}

START_TEST(audit_log)
{
    sltd_screen_options o = SLTD_SCREEN_OPTIONS_INIT;
    sltd_screen_report rep = SLTD_SCREEN_REPORT_INIT;
    char path[4096], num[16], text[512];
    auditlog *l = calloc(1, sizeof *l);
    prog g = { 0, 0, 0, 0 };

    ck_assert_ptr_nonnull(l);
    tu_number(num, 1, 3);
    snprintf(text, sizeof text, "state,number\nUTO,Q1\nUTO,%s\nUTO,L898902C3\n", num);
    tu_path(path, sizeof path, dir, "a.csv");
    ck_assert_int_eq(tu_write(path, text), 0);
    o.audit_fn = on_audit;
    o.audit_ctx = l;
    o.progress_fn = on_progress;
    o.progress_ctx = &g;
    ck_assert_int_eq(sltd_db_screen(&rep, db, path, &o), 0);
    ck_assert_uint_eq(l->calls, 2);
    ck_assert_ptr_nonnull(strstr(l->text, "a.csv:3\""));
    ck_assert_ptr_nonnull(strstr(l->text, "a.csv:4\""));
    ck_assert_ptr_nonnull(strstr(l->text, "\"reference\":\"SPECIMEN-1\""));
    ck_assert_ptr_nonnull(strstr(l->text, "\"status\":\"stolen\""));
    ck_assert_ptr_nonnull(strstr(l->text, "\"data_sequence\":0"));
    ck_assert_ptr_nonnull(strstr(l->text, "\"time\":\"20"));
    /* no plaintext number unless asked */
    ck_assert_ptr_null(strstr(l->text, num));
    ck_assert_ptr_null(strstr(l->text, "L898902C3"));
    ck_assert_uint_eq(g.done, 1);
    ck_assert_uint_eq(g.documents, 3);
    ck_assert_uint_eq(g.total, strlen(text));

    memset(l, 0, sizeof *l);
    o.flags = SLTD_SCREEN_AUDIT_NUMBERS;
    ck_assert_int_eq(sltd_db_screen(&rep, db, path, &o), 0);
    ck_assert_ptr_nonnull(strstr(l->text, num));
    ck_assert_ptr_nonnull(strstr(l->text, "\"number\":\"L898902C3\""));
    free(l);
}
END_TEST

static int stop_at_first(void *ctx, const sltd_screen_row *row)
{
    (void)ctx;
    (void)row;
    return 7;
}

START_TEST(api_errors)
{
    sltd_screen_options o = SLTD_SCREEN_OPTIONS_INIT;
    sltd_screen_report rep = SLTD_SCREEN_REPORT_INIT;
    char path[4096], num[16], text[256];

    tu_number(num, 1, 9);
    snprintf(text, sizeof text, "state,number\nUTO,%s\n", num);
    tu_path(path, sizeof path, dir, "s.csv");
    ck_assert_int_eq(tu_write(path, text), 0);
    o.row_fn = stop_at_first;
    o.threads = 4;
    ck_assert_int_eq(sltd_db_screen(&rep, db, path, &o), 7);
    ck_assert_int_eq(sltd_db_screen(&rep, db, path, NULL), 0);
    ck_assert_uint_eq(rep.hits, 1);
    ck_assert_int_eq(sltd_db_screen(&rep, NULL, path, NULL), SLTD_EINVAL);
    ck_assert_int_eq(sltd_db_screen(&rep, db, NULL, NULL), SLTD_EINVAL);
    o.version = 99;
    ck_assert_int_eq(sltd_db_screen(&rep, db, path, &o), SLTD_EINVAL);
    o.version = SLTD_SCREEN_OPTIONS_VERSION;
    o.flags = 1u << 20;
    ck_assert_int_eq(sltd_db_screen(&rep, db, path, &o), SLTD_EINVAL);
    o.flags = 0;
    o.format = 9;
    ck_assert_int_eq(sltd_db_screen(&rep, db, path, &o), SLTD_EINVAL);
    o.format = 0;
    o.threads = SLTD_SCREEN_THREADS_MAX + 1;
    ck_assert_int_eq(sltd_db_screen(&rep, db, path, &o), SLTD_EINVAL);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("screen");
    TCase *tc = tcase_create("screen");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, csv_basic);
    tcase_add_test(tc, mrz_text);
    tcase_add_test(tc, mrz_other_check_digits);
    tcase_add_test(tc, jsonl);
    tcase_add_test(tc, malformed);
    tcase_add_test(tc, cr_only_csv);
    tcase_add_test(tc, stray_quote_csv);
    tcase_add_test(tc, strict_csv_header);
    tcase_add_test(tc, trimmed_values_arena_growth);
    tcase_add_test(tc, jsonl_both);
    tcase_add_test(tc, csv_mrz_column);
    tcase_add_test(tc, csv_mrz_cell_rules);
    tcase_add_test(tc, jsonl_member_names);
    tcase_add_test(tc, mrz_realign);
    tcase_add_test(tc, messages_without_numbers);
    tcase_add_test(tc, directory_input);
    tcase_add_test(tc, order_threads);
    tcase_add_test(tc, million);
    tcase_add_test(tc, audit_log);
    tcase_add_test(tc, api_errors);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run(suite());
}
