/* SPDX-License-Identifier: Apache-2.0 */
/* test_feed.c — the streaming CSV reader (lib/csvread.c) and the feed parser (lib/feed.c).
 *
 * Most cases are one table: an input file, the flags, and the exact transcript of what the parser
 * says about it (one line per record or per error, messages verbatim with file:line:field). Each
 * test runs in a fresh temporary directory (tu_mkdtemp) and names its input "feed.csv".
 *
 * Tests open alike (write a file, open, read) and register alike (Check's API): the shapes repeat
 * on purpose, each with its own file and assertions. */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "csvread.h"
#include "feed.h"
#include "textin.h"
#include "testutil.h"

static char *tmpdir;
static char olddir[4096];

/* Each test runs inside a fresh directory (tu_mkdtemp: under $SLTD_TEST_TMP or /tmp). */
static void setup(void)
{
    tmpdir = tu_mkdtemp("feed");
    ck_assert_ptr_nonnull(tmpdir);
    ck_assert_ptr_nonnull(getcwd(olddir, sizeof olddir));
    ck_assert_int_eq(chdir(tmpdir), 0);
}

static void teardown(void)
{
    ck_assert_int_eq(chdir(olddir), 0);
    tu_rmtree(tmpdir);
    free(tmpdir);
    tmpdir = NULL;
}

static void write_file(const char *name, const char *data, size_t len)
{
    FILE *fp = fopen(name, "wb");
    ck_assert_ptr_nonnull(fp);
    ck_assert_uint_eq(fwrite(data, 1, len, fp), len);
    ck_assert_int_eq(fclose(fp), 0);
}

/* ---- transcript ------------------------------------------------------------------------------ */

struct buf {
    char *s;
    size_t len, cap;
};

static void put(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    char line[8192];
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    ck_assert_int_ge(n, 0);
    if (b->len + (size_t)n + 2 > b->cap) {
        b->cap = (b->len + (size_t)n + 2) * 2;
        b->s = realloc(b->s, b->cap);
        ck_assert_ptr_nonnull(b->s);
    }
    memcpy(b->s + b->len, line, (size_t)n);
    b->len += (size_t)n;
    b->s[b->len++] = '\n';
    b->s[b->len] = '\0';
}

static const char *status_str(int s)
{
    static const char *const names[] = { "?", "stolen", "lost", "revoked", "invalid", "stolen_blank" };
    return s >= 1 && s <= 5 ? names[s] : "?";
}

static void put_row(struct buf *b, const sltd__feed_row *r)
{
    ck_assert_uint_eq(strlen(r->number), r->number_len);
    put(b, "%lu %s %s/%s t=%s %s r=%u e=%u rs=%s ref=%s", r->line, r->action == SLTD__ACTION_ADD ? "add" : "remove",
        r->state, r->number, r->rec.type, status_str(r->rec.status), r->rec.reported, r->rec.expires,
        r->rec.reporting_state, r->rec.reference);
}

/* Everything the parser says about PATH: "open: MESSAGE" when the open fails, else one line per
 * record or error, and "FATAL ..." for a fatal error. */
static char *transcript(const char *path, unsigned flags)
{
    struct buf b = { NULL, 0, 0 };
    sltd__feed *f = NULL;
    sltd__feed_row row;
    int rc = sltd__feed_open(&f, path, flags);

    put(&b, "%s", ""); /* never NULL */
    b.len = 0;
    b.s[0] = '\0';
    if (rc != 0) {
        put(&b, "open %d: %s", rc, sltd__feed_error(f));
        sltd__feed_close(f);
        return b.s;
    }
    while ((rc = sltd__feed_next(f, &row)) != 0) {
        if (rc == 1) {
            put_row(&b, &row);
        } else if (rc == SLTD_EFORMAT) {
            put(&b, "%s", sltd__feed_error(f));
        } else {
            put(&b, "FATAL %d: %s", rc, sltd__feed_error(f));
            break;
        }
    }
    ck_assert_int_eq(sltd__feed_next(f, &row), 0); /* EOF stays EOF */
    sltd__feed_close(f);
    return b.s;
}

/* ---- the table ------------------------------------------------------------------------------- */

#define R(s) s "\n"
#define HDR "state,number\n"
#define ALL "state,number,type,status,reported,expires,reporting_state,reference,action\n"
#define INV "open -19: feed.csv:"
/* what an unknown column's message adds: the flag that accepts the input */
#define IGN "; or let unknown columns be ignored (SLTD_IMPORT_IGNORE_UNKNOWN: the sltd option --ignore-unknown)"
#define LONG33 "DEMO-0123456789012345678901234567"
#define D40 "0123456789012345678901234567890123456789"
#define F400 D40 D40 D40 D40 D40 D40 D40 D40 D40 D40
#define F4000 F400 F400 F400 F400 F400 F400 F400 F400 F400 F400
#define C65 ",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,"

struct feed_case {
    const char *name;
    const char *input;
    size_t len; /* 0: strlen(input) */
    unsigned flags;
    const char *expect;
};

static const struct feed_case cases[] = {
    /* ---- good input ---- */
    { "every column", ALL "UTO,L898902C3,P,stolen,2023-01-15,2030-01-01,UTO,DEMO-1,add\n"
                          "D,C01X00T47,ID,lost,2022-12-31,,D,,remove\n",
      0, 0,
      R("2 add UTO/L898902C3 t=P stolen r=20230115 e=20300101 rs=UTO ref=DEMO-1")
      R("3 remove D/C01X00T47 t=ID lost r=20221231 e=0 rs=D ref=") },
    { "any order, names any case, spaced",
      " Reference ,ACTION,expires,Reporting_State,reported,Status,TYPE,Number,State\n"
      "DEMO-2,remove,2031-12-31,fra,2024-02-29,Revoked,p,ab 12-34/56<,fra\n"
      ",,,,,invalid,,x1,GBR\n"
      ",,,,,STOLEN_BLANK,,x2,d<<\n",
      0, 0,
      R("2 remove FRA/AB123456 t=P revoked r=20240229 e=20311231 rs=FRA ref=DEMO-2")
      R("3 add GBR/X1 t= invalid r=0 e=0 rs= ref=")
      R("4 add D/X2 t= stolen_blank r=0 e=0 rs= ref=") },
    { "only required columns, defaults", HDR "UTO,1\n", 0, 0, R("2 add UTO/1 t= stolen r=0 e=0 rs= ref=") },
    { "BOM and CRLF", "\xEF\xBB\xBF" "state,number\r\nUTO,1\r\n\r\nUTO,2\r\n", 0, 0,
      R("2 add UTO/1 t= stolen r=0 e=0 rs= ref=") R("4 add UTO/2 t= stolen r=0 e=0 rs= ref=") },
    { "quoted fields: commas, quotes, line breaks",
      "state,number,reference,note\n"
      "\"UTO\",\"1\",\"a, b\",\"two\nlines\"\n"
      "UTO,2,\"say \"\"hi\"\"\",\"three\r\nline\nnote\"\n"
      "UTO,3,,\n",
      0, SLTD_IMPORT_IGNORE_UNKNOWN,
      R("2 add UTO/1 t= stolen r=0 e=0 rs= ref=a, b") R("4 add UTO/2 t= stolen r=0 e=0 rs= ref=say \"hi\"")
      R("7 add UTO/3 t= stolen r=0 e=0 rs= ref=") },
    { "blank lines skipped, last row without line end", "\n\n" HDR "\n \t\n\nUTO,1\n\n\nUTO,2", 0, 0,
      R("7 add UTO/1 t= stolen r=0 e=0 rs= ref=") R("10 add UTO/2 t= stolen r=0 e=0 rs= ref=") },
    { "spaces around values are not part of them", "state,number,status,reported,reference\n"
                                                   " UTO , 1 , lost , 2020-01-01 , REF 1 \n",
      0, 0, R("2 add UTO/1 t= lost r=20200101 e=0 rs= ref=REF 1") },
    { "header only: an empty feed", HDR, 0, 0, "" },
    { "reference of exactly 32 bytes", "state,number,reference\nUTO,1," "DEMO-012345678901234567890123456" "\n", 0, 0,
      R("2 add UTO/1 t= stolen r=0 e=0 rs= ref=DEMO-012345678901234567890123456") },
    { "date limits", "state,number,reported,expires\nUTO,1,1970-01-02,2149-06-06\nUTO,2,2000-02-29,2100-02-28\n", 0, 0,
      R("2 add UTO/1 t= stolen r=19700102 e=21490606 rs= ref=") R("3 add UTO/2 t= stolen r=20000229 e=21000228 rs= ref=") },
    { "unknown column ignored on request", "state,x-extra,number\nUTO,whatever,1\n", 0, SLTD_IMPORT_IGNORE_UNKNOWN,
      R("2 add UTO/1 t= stolen r=0 e=0 rs= ref=") },

    /* ---- invalid rows: reported, and the next row is read ---- */
    { "bad state", HDR "ZZZ,1\nUTO,2\n", 0, 0,
      R("feed.csv:2: field 'state': is not an ICAO 9303 state code (3 letters, not a known code)") R("3 add UTO/2 t= stolen r=0 e=0 rs= ref=") },
    { "empty state", HDR ",1\n", 0, 0, R("feed.csv:2: field 'state': is empty (the issuing state is required)") },
    { "every error of a row, each on its own line", ALL "ZZZ,AB_12,PPP,found,2023-02-30,,QQQ,,move\nUTO,2,,,,,,,\n", 0, 0,
      R("feed.csv:2: field 'state': is not an ICAO 9303 state code (3 letters, not a known code)")
      R("feed.csv:2: field 'number': character 3 is '_'; only A-Z and 0-9 are allowed (spaces, '-', '/' and '<' are "
        "dropped)")
      R("feed.csv:2: field 'type': has 3 letters; a document type has one or two")
      R("feed.csv:2: field 'status': is not one of stolen, lost, revoked, invalid, stolen_blank")
      R("feed.csv:2: field 'reported': is not a calendar date (no such month or day)")
      R("feed.csv:2: field 'reporting_state': is not an ICAO 9303 state code (3 letters, not a known code)")
      R("feed.csv:2: field 'action': is not add or remove") R("3 add UTO/2 t= stolen r=0 e=0 rs= ref=") },
    { "bad number", HDR "UTO,AB_12\n", 0, 0,
      R("feed.csv:2: field 'number': character 3 is '_'; only A-Z and 0-9 are allowed (spaces, '-', '/' and '<' are "
        "dropped)") },
    { "empty number", HDR "UTO, - \n", 0, 0,
      R("feed.csv:2: field 'number': has no letter or digit (spaces, '-', '/' and '<' are dropped)") },
    { "too long number", HDR "UTO,ABCDEFGHIJKLMNOPQRSTUVW\n", 0, 0,
      R("feed.csv:2: field 'number': has 23 letters and digits, more than 22") },
    { "non-ASCII number", HDR "UTO,\xC3\x9C" "1\n", 0, 0,
      R("feed.csv:2: field 'number': character 1 is byte 0xC3; only A-Z and 0-9 are allowed (spaces, '-', '/' and "
        "'<' are dropped)") },
    { "bad type", "state,number,type\nUTO,1,PPP\nUTO,2,P1\n", 0, 0,
      R("feed.csv:2: field 'type': has 3 letters; a document type has one or two")
      R("feed.csv:3: field 'type': character 2 is '1'; a document type has letters only") },
    { "bad dates", "state,number,reported,expires\n"
                   "UTO,1,2023-02-30,\nUTO,2,,2023-2-3\nUTO,3,1970-01-01,\nUTO,4,,2149-06-07\nUTO,5,2023-13-01,\n"
                   "UTO,6,1900-02-29,\nUTO,7,2023/01/01,\n",
      0, 0,
      R("feed.csv:2: field 'reported': is not a calendar date (no such month or day)")
      R("feed.csv:3: field 'expires': is not a date YYYY-MM-DD (not 10 characters)")
      R("feed.csv:4: field 'reported': is outside 1970-01-02..2149-06-06 (dates are stored as days since 1970 in 16 "
        "bits)")
      R("feed.csv:5: field 'expires': is outside 1970-01-02..2149-06-06 (dates are stored as days since 1970 in 16 "
        "bits)")
      R("feed.csv:6: field 'reported': is not a calendar date (no such month or day)")
      R("feed.csv:7: field 'reported': is not a calendar date (no such month or day)")
      R("feed.csv:8: field 'reported': is not a date YYYY-MM-DD (character 5 is not '-')") },
    { "bad status", "state,number,status\nUTO,1,stole\n", 0, 0,
      R("feed.csv:2: field 'status': is not one of stolen, lost, revoked, invalid, stolen_blank") },
    { "bad action", "state,number,action\nUTO,1,delete\n", 0, 0,
      R("feed.csv:2: field 'action': is not add or remove") },
    { "bad reporting state", "state,number,reporting_state\nUTO,1,XYZ\n", 0, 0,
      R("feed.csv:2: field 'reporting_state': is not an ICAO 9303 state code (3 letters, not a known code)") },
    { "too long reference", "state,number,reference\nUTO,1," LONG33 "\n", 0, 0,
      R("feed.csv:2: field 'reference': is 33 bytes long, more than 32") },
    { "non-printable reference", "state,number,reference\nUTO,1,\"A\tB\"\nUTO,2,caf\xC3\xA9\n", 0, 0,
      R("feed.csv:2: field 'reference': has byte 0x09 at position 2; only printable ASCII (0x20-0x7E) is allowed")
      R("feed.csv:3: field 'reference': has byte 0xC3 at position 4; only printable ASCII (0x20-0x7E) is allowed") },
    { "wrong field count", HDR "UTO,1,x\nUTO\nUTO,2\n", 0, 0,
      R("feed.csv:2: 3 fields, but the header has 2") R("feed.csv:3: 1 fields, but the header has 2")
      R("4 add UTO/2 t= stolen r=0 e=0 rs= ref=") },
    /* an invalid row that spans lines costs only its first line: the others are read again as rows */
    { "line numbers after a multi-line field", "state,number,reference\nUTO,1,\"a\nb\nc\"\nZZZ,2,\n", 0, 0,
      R("feed.csv:2: field 'reference': has byte 0x0A at position 2; only printable ASCII (0x20-0x7E) is allowed")
      R("feed.csv:3: 1 fields, but the header has 3")
      R("feed.csv:4: invalid quoting: a '\"' inside an unquoted field, or text after a closing quote")
      R("feed.csv:5: field 'state': is not an ICAO 9303 state code (3 letters, not a known code)") },
    { "a stray quote does not hide the rows after it", HDR "UTO,\"1\nUTO,2\"\nUTO,3\n", 0, 0,
      R("feed.csv:2: field 'number': character 2 is byte 0x0A; only A-Z and 0-9 are allowed (spaces, '-', '/' and "
        "'<' are dropped)")
      R("feed.csv:3: invalid quoting: a '\"' inside an unquoted field, or text after a closing quote")
      R("4 add UTO/3 t= stolen r=0 e=0 rs= ref=") },

    /* ---- the header ---- */
    { "empty file", "", 0, 0, INV "1: empty file: a header row naming the columns is required" },
    { "only a BOM and blank lines", "\xEF\xBB\xBF\r\n\n", 0, 0,
      INV "1: empty file: a header row naming the columns is required" },
    { "no header", "UTO,L898902C3\n", 0, 0,
      INV "1: unknown column 1 'UTO'; the first row must be a header naming columns among state, number, "
          "number_from, number_to, type, status, reported, expires, reporting_state, reference, action" IGN },
    { "no header, a number first: the cell is not shown", "L898902C3,UTO\n", 0, 0,
      INV "1: unknown column 1 (its name is not shown: it could be a document number); the first row must be a "
          "header naming columns among state, number, number_from, number_to, type, status, reported, expires, "
          "reporting_state, reference, action" IGN },
    { "unknown column", "state,number,colour\nUTO,1,red\n", 0, 0,
      INV "1: unknown column 3 'colour'; the first row must be a header naming columns among state, "
          "number, number_from, number_to, type, status, reported, expires, reporting_state, reference, action" IGN },
    { "duplicate column", "state,number,State\n", 0, 0, INV "1: duplicate column 'state' (columns 1 and 3)" },
    { "missing state", "number,type\n", 0, 0, INV "1: missing column 'state'" },
    { "missing number", "state,type\n", 0, 0, INV "1: missing column 'number' (or 'number_from' and 'number_to')" },
    { "range without its end", "state,number,number_from\n", 0, 0,
      INV "1: missing column 'number_to' (column 'number_from' needs it)" },
    { "range without its start", "state,number_to\n", 0, 0,
      INV "1: missing column 'number_from' (column 'number_to' needs it)" },
    { "header on line 3", "\n\nstate,state\n", 0, 0, INV "3: duplicate column 'state' (columns 1 and 2)" },

    /* ---- the CSV layer ---- */
    { "NUL byte", HDR "UTO,1\nUTO,2\0" "3\nUTO,4\n", sizeof(HDR "UTO,1\nUTO,2\0" "3\nUTO,4\n") - 1, 0,
      R("2 add UTO/1 t= stolen r=0 e=0 rs= ref=") R("feed.csv:3: NUL byte in the input")
      R("4 add UTO/4 t= stolen r=0 e=0 rs= ref=") },
    { "NUL byte alone on a line", HDR "\0\nUTO,4\n", sizeof(HDR "\0\nUTO,4\n") - 1, 0,
      R("feed.csv:2: NUL byte in the input") R("3 add UTO/4 t= stolen r=0 e=0 rs= ref=") },
    { "NUL byte in the header", "state,\0number\n", sizeof("state,\0number\n") - 1, 0,
      INV "1: NUL byte in the input" },
    { "unterminated quote", HDR "UTO,1\nUTO,\"2\nUTO,3\n", 0, 0,
      R("2 add UTO/1 t= stolen r=0 e=0 rs= ref=")
      R("feed.csv:3: quoted field opened here is not closed at the end of the input (the row's lines from 4 on are "
        "read again as rows)")
      R("4 add UTO/3 t= stolen r=0 e=0 rs= ref=") },
    { "unterminated quote names the line it opens on", "state,number,reference\nUTO,\"1\n\",\"open\nmore\n", 0, 0,
      R("feed.csv:3: quoted field opened here is not closed at the end of the input (the row's lines from 3 on are "
        "read again as rows)")
      R("feed.csv:3: invalid quoting: a '\"' inside an unquoted field, or text after a closing quote")
      R("feed.csv:4: 1 fields, but the header has 3") },
    { "a bare CR ends a row and a line, mixed with LF", HDR "UTO,1\rUTO,2\rZZZ,3\nUTO,4\n", 0, 0,
      R("2 add UTO/1 t= stolen r=0 e=0 rs= ref=") R("3 add UTO/2 t= stolen r=0 e=0 rs= ref=")
      R("feed.csv:4: field 'state': is not an ICAO 9303 state code (3 letters, not a known code)")
      R("5 add UTO/4 t= stolen r=0 e=0 rs= ref=") },
    /* after a quoting error the reader goes on after the next line end of any style: in a CR-only
     * file that is the next CR (the reader once waited for an LF, losing every row after the error) */
    { "CR only: a quoting error costs only its row, lines exact",
      "state,number\rUSA,B1\rUSA,B\"2\rUSA,B3\rUSA,B4\rUSA,B5\r", 0, 0,
      R("2 add USA/B1 t= stolen r=0 e=0 rs= ref=")
      R("feed.csv:3: invalid quoting: a '\"' inside an unquoted field, or text after a closing quote")
      R("4 add USA/B3 t= stolen r=0 e=0 rs= ref=") R("5 add USA/B4 t= stolen r=0 e=0 rs= ref=")
      R("6 add USA/B5 t= stolen r=0 e=0 rs= ref=") },
    { "CRLF: the same", "state,number\r\nUSA,B1\r\nUSA,\"B2\"x\r\nUSA,B3\r\n", 0, 0,
      R("2 add USA/B1 t= stolen r=0 e=0 rs= ref=")
      R("feed.csv:3: invalid quoting: a '\"' inside an unquoted field, or text after a closing quote")
      R("4 add USA/B3 t= stolen r=0 e=0 rs= ref=") },
    { "mixed line ends: each error costs only its row",
      "state,number\nUSA,B\"1\rUSA,B2\r\nUSA,\"B3\"x\nUSA,B4\rZZZ,B5\r\n\r\nUSA,B6", 0, 0,
      R("feed.csv:2: invalid quoting: a '\"' inside an unquoted field, or text after a closing quote")
      R("3 add USA/B2 t= stolen r=0 e=0 rs= ref=")
      R("feed.csv:4: invalid quoting: a '\"' inside an unquoted field, or text after a closing quote")
      R("5 add USA/B4 t= stolen r=0 e=0 rs= ref=")
      R("feed.csv:6: field 'state': is not an ICAO 9303 state code (3 letters, not a known code)")
      R("8 add USA/B6 t= stolen r=0 e=0 rs= ref=") },
    { "a quoted field over CR and CRLF line ends: the lines after it are exact",
      "state,number,reference\rUTO,1,\"a\rb\r\nc\"\rZZZ,2,\rUTO,3,\"x\"y\rUTO,4,\r", 0, 0,
      R("feed.csv:2: field 'reference': has byte 0x0D at position 2; only printable ASCII (0x20-0x7E) is allowed")
      R("feed.csv:3: 1 fields, but the header has 3")
      R("feed.csv:4: invalid quoting: a '\"' inside an unquoted field, or text after a closing quote")
      R("feed.csv:5: field 'state': is not an ICAO 9303 state code (3 letters, not a known code)")
      R("feed.csv:6: invalid quoting: a '\"' inside an unquoted field, or text after a closing quote")
      R("7 add UTO/4 t= stolen r=0 e=0 rs= ref=") },
    { "NUL in a CR-only file names its line", "state,number\rUTO,1\rUTO,2\0\rUTO,3\r",
      sizeof("state,number\rUTO,1\rUTO,2\0\rUTO,3\r") - 1, 0,
      R("2 add UTO/1 t= stolen r=0 e=0 rs= ref=") R("feed.csv:3: NUL byte in the input")
      R("4 add UTO/3 t= stolen r=0 e=0 rs= ref=") },
    { "an unclosed quote in a CR-only file names the line it opened on",
      "state,number\rUTO,1\rUTO,\"2\rUTO,3\r", 0, 0,
      R("2 add UTO/1 t= stolen r=0 e=0 rs= ref=")
      R("feed.csv:3: quoted field opened here is not closed at the end of the input (the row's lines from 4 on are "
        "read again as rows)")
      R("4 add UTO/3 t= stolen r=0 e=0 rs= ref=") },
    { "quote inside an unquoted field", HDR "UTO,1\"2\nUTO,3\n", 0, 0,
      R("feed.csv:2: invalid quoting: a '\"' inside an unquoted field, or text after a closing quote")
      R("3 add UTO/3 t= stolen r=0 e=0 rs= ref=") },
    { "text after a closing quote", HDR "\"UTO\" ,1\nUTO,3\n", 0, 0,
      R("feed.csv:2: invalid quoting: a '\"' inside an unquoted field, or text after a closing quote")
      R("3 add UTO/3 t= stolen r=0 e=0 rs= ref=") },
    { "field of 4096 bytes is fine, 4097 is not",
      "state,number,x\nUTO,1," F4000 D40 D40 "0123456789012345\nUTO,2,0" F4000 D40 D40 "0123456789012345\nUTO,3,\n", 0,
      SLTD_IMPORT_IGNORE_UNKNOWN,
      R("2 add UTO/1 t= stolen r=0 e=0 rs= ref=") R("feed.csv:3: field 3 is longer than 4096 bytes")
      R("4 add UTO/3 t= stolen r=0 e=0 rs= ref=") },
    { "more than 64 fields", HDR "UTO,1" C65 "\nUTO,2\n", 0, 0,
      R("feed.csv:2: more than 64 fields in the row") R("3 add UTO/2 t= stolen r=0 e=0 rs= ref=") },

    /* ---- serial ranges ---- */
    { "range", "state,number_from,number_to,status,reference\nGBR,AB-0998,AB 1001,stolen_blank,DEMO-R\nUTO,9,9,,\n", 0,
      0,
      R("2 add GBR/AB0998 t= stolen_blank r=0 e=0 rs= ref=DEMO-R") R("2 add GBR/AB0999 t= stolen_blank r=0 e=0 rs= ref=DEMO-R")
      R("2 add GBR/AB1000 t= stolen_blank r=0 e=0 rs= ref=DEMO-R") R("2 add GBR/AB1001 t= stolen_blank r=0 e=0 rs= ref=DEMO-R")
      R("3 add UTO/9 t= stolen r=0 e=0 rs= ref=") },
    { "number and range rows in one feed", "state,number,number_from,number_to\nUTO,1,,\nUTO,,A08,A09\nUTO,2,,\n"
      "UTO,3,A1,A2\nUTO,,A1,\nUTO,,,A2\nUTO,,,\n", 0, 0,
      R("2 add UTO/1 t= stolen r=0 e=0 rs= ref=") R("3 add UTO/A08 t= stolen r=0 e=0 rs= ref=")
      R("3 add UTO/A09 t= stolen r=0 e=0 rs= ref=") R("4 add UTO/2 t= stolen r=0 e=0 rs= ref=")
      R("feed.csv:5: field 'number': give either number, or number_from and number_to, not both")
      R("feed.csv:6: field 'number_to': is empty (a document number is required)")
      R("feed.csv:7: field 'number_from': is empty (a document number is required)")
      R("feed.csv:8: field 'number': is empty (a document number is required)") },
    { "range across 10^18 in a 22-digit suffix",
      "state,number_from,number_to\nUTO,0000999999999999999999,0001000000000000000001\n", 0, 0,
      R("2 add UTO/0000999999999999999999 t= stolen r=0 e=0 rs= ref=")
      R("2 add UTO/0001000000000000000000 t= stolen r=0 e=0 rs= ref=")
      R("2 add UTO/0001000000000000000001 t= stolen r=0 e=0 rs= ref=") },
    { "range: width mismatch", "state,number_from,number_to\nUTO,AB100,AB1000\n", 0, 0,
      R("feed.csv:2: field 'number_to': its numeric suffix has 4 digits, that of number_from has 3") },
    { "range: prefix mismatch", "state,number_from,number_to\nUTO,AB100,AC100\n", 0, 0,
      R("feed.csv:2: field 'number_to': its prefix (2 characters before the numeric suffix) differs from that of "
        "number_from (2 characters)") },
    { "range: from after to", "state,number_from,number_to\nUTO,AB200,AB199\n", 0, 0,
      R("feed.csv:2: field 'number_to': comes before number_from") },
    { "range: no numeric suffix", "state,number_from,number_to\nUTO,AB,AB1\nUTO,A1,AB\n", 0, 0,
      R("feed.csv:2: field 'number_from': does not end in digits (a serial range needs a numeric suffix)")
      R("feed.csv:3: field 'number_to': does not end in digits (a serial range needs a numeric suffix)") },
    { "range: bad ends", "state,number_from,number_to\nUTO,,1\nUTO,1,X_2\n", 0, 0,
      R("feed.csv:2: field 'number_from': is empty (a document number is required)")
      R("feed.csv:3: field 'number_to': character 2 is '_'; only A-Z and 0-9 are allowed (spaces, '-', '/' and '<' "
        "are dropped)") },
    { "range: 1,000,001 numbers", "state,number_from,number_to\nUTO,X0000000,X1000000\n", 0, 0,
      R("feed.csv:2: field 'number_to': the range holds 1000001 numbers, more than 1000000 a row") },
    { "range: far too many", "state,number_from,number_to\nUTO,X0000000000000000000000,X9999999999999999999999\n", 0, 0,
      R("feed.csv:2: field 'number_from': has 23 letters and digits, more than 22") },
    { "range: far too many (22 digits)",
      "state,number_from,number_to\nUTO,0000000000000000000000,9999999999999999999999\n", 0, 0,
      R("feed.csv:2: field 'number_to': the range holds more than 1000000 numbers (the limit a row)") },
};

START_TEST(test_table)
{
    const struct feed_case *c = &cases[_i];
    write_file("feed.csv", c->input, c->len ? c->len : strlen(c->input));
    char *got = transcript("feed.csv", c->flags);
    const char *want = c->expect;
    char wantbuf[8192];
    if (strncmp(want, "open ", 5) == 0) { /* the open message has no trailing newline in the table */
        snprintf(wantbuf, sizeof wantbuf, "%s\n", want);
        want = wantbuf;
    }
    ck_assert_msg(strcmp(got, want) == 0, "case '%s':\n--- got:\n%s--- want:\n%s", c->name, got, want);
    free(got);
}
END_TEST

/* ---- other cases ---------------------------------------------------------------------------- */

/* Opening path is refused with rc, the feed's error saying msg. */
static void open_refused(const char *path, int rc, const char *msg)
{
    sltd__feed *f = NULL;
    ck_assert_int_eq(sltd__feed_open(&f, path, 0), rc);
    ck_assert_str_eq(sltd__feed_error(f), msg);
    sltd__feed_close(f);
}

START_TEST(test_missing_file)
{
    sltd__feed *f = NULL;
    open_refused("nope.csv", SLTD_ENOENT, "nope.csv: cannot open: No such file or directory");
    ck_assert_int_eq(sltd__feed_open(&f, "feed.csv", 0x80), SLTD_EINVAL);
    sltd__feed_close(f);
    ck_assert_str_eq(sltd__feed_error(NULL), "out of memory");
    sltd__feed_close(NULL);
}
END_TEST

START_TEST(test_directory)
{
    /* a directory is bad input (exit 2 from the CLI), not a read error */
    open_refused(".", SLTD_EFORMAT, ".: is a directory, not a file to read");
}
END_TEST

START_TEST(test_stdin)
{
    write_file("feed.csv", HDR "UTO,1\nD,2\n", strlen(HDR "UTO,1\nD,2\n"));
    ck_assert_ptr_nonnull(freopen("feed.csv", "rb", stdin));
    sltd__feed *f = NULL;
    sltd__feed_row row;
    ck_assert_int_eq(sltd__feed_open(&f, "-", 0), 0);
    ck_assert_int_eq(sltd__feed_next(f, &row), 1);
    ck_assert_str_eq(row.number, "1");
    ck_assert_int_eq(sltd__feed_next(f, &row), 1);
    ck_assert_str_eq(row.state, "D");
    ck_assert_int_eq(sltd__feed_next(f, &row), 0);
    sltd__feed_close(f);
    ck_assert_ptr_nonnull(freopen("/dev/null", "rb", stdin));
    /* a bad row on stdin is reported as <stdin> */
    write_file("bad.csv", HDR "ZZZ,1\n", strlen(HDR "ZZZ,1\n"));
    ck_assert_ptr_nonnull(freopen("bad.csv", "rb", stdin));
    ck_assert_int_eq(sltd__feed_open(&f, "-", 0), 0);
    ck_assert_int_eq(sltd__feed_next(f, &row), SLTD_EFORMAT);
    ck_assert_str_eq(sltd__feed_error(f), "<stdin>:2: field 'state': is not an ICAO 9303 state code (3 letters, not a known code)");
    sltd__feed_close(f);
    ck_assert_ptr_nonnull(freopen("/dev/null", "rb", stdin));
}
END_TEST

/* A BOM that a pipe gives one byte at a time (the writer stalls) is still a BOM: it was taken into
 * the first column's name, and the feed refused for an unknown column. */
START_TEST(test_bom_in_pieces)
{
    static const char in[] = "\xEF\xBB\xBFstate,number\nUTO,1\n";
    int fd[2];
    pid_t pid;

    ck_assert_int_eq(pipe(fd), 0);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(fd[0]);
        for (size_t i = 0; i < sizeof in - 1; i++) {
            if (write(fd[1], in + i, 1) != 1)
                _exit(1);
            if (i < 3)
                usleep(100 * 1000);
        }
        _exit(0);
    }
    close(fd[1]);
    ck_assert_int_eq(dup2(fd[0], STDIN_FILENO), STDIN_FILENO);
    close(fd[0]);
    sltd__feed *f = NULL;
    sltd__feed_row row;
    ck_assert_int_eq(sltd__feed_open(&f, "-", 0), 0);
    ck_assert_int_eq(sltd__feed_next(f, &row), 1);
    ck_assert_str_eq(row.state, "UTO");
    ck_assert_int_eq(sltd__feed_next(f, &row), 0);
    sltd__feed_close(f);
    ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
    ck_assert_ptr_nonnull(freopen("/dev/null", "rb", stdin));
}
END_TEST

/* A row that spans lines and is refused is read again from its second line; one not refused is not. */
START_TEST(test_csv_read_again)
{
    static const char in[] = "a,\"x\r\ny\",z\nlast\n";
    sltd__csv *c = NULL;
    const sltd__csv_row *r;

    write_file("again.csv", in, sizeof in - 1);
    ck_assert_int_eq(sltd__csv_open(&c, "again.csv"), 0);
    ck_assert_int_eq(sltd__csv_next(c, &r), 1);
    ck_assert_int_eq(r->multiline, 1);
    ck_assert_str_eq(r->field[1], "x\r\ny");
    ck_assert_int_eq(sltd__csv_next(c, &r), 1); /* not refused: on after it */
    ck_assert_int_eq(r->multiline, 0);
    ck_assert_str_eq(r->field[0], "last");
    ck_assert_uint_eq(r->line, 3);
    sltd__csv_close(c);

    ck_assert_int_eq(sltd__csv_open(&c, "again.csv"), 0);
    ck_assert_int_eq(sltd__csv_next(c, &r), 1);
    sltd__csv_reject(c);
    ck_assert_int_eq(sltd__csv_next(c, &r), SLTD_EFORMAT); /* y",z: line 2 again */
    ck_assert_str_eq(sltd__csv_error(c),
                     "again.csv:2: invalid quoting: a '\"' inside an unquoted field, or text after a closing quote");
    ck_assert_uint_eq(sltd__csv_line(c), 2);
    ck_assert_int_eq(sltd__csv_next(c, &r), 1);
    ck_assert_str_eq(r->field[0], "last");
    ck_assert_uint_eq(r->line, 3);
    sltd__csv_reject(c); /* on one line: nothing to read again */
    ck_assert_int_eq(sltd__csv_next(c, &r), 0);
    sltd__csv_close(c);
}
END_TEST

/* The bytes read again cross the text reader's blocks, and a CR LF pair split between two blocks. */
START_TEST(test_csv_read_again_blocks)
{
    FILE *fp = fopen("blocks.csv", "wb");
    sltd__csv *c = NULL;
    const sltd__csv_row *r;
    unsigned long n = 0, line = 1;
    int rc;

    ck_assert_ptr_nonnull(fp);
    /* rows of 16 bytes up to just before the first block's end, then a quoted field that opens there,
     * holds a CR LF across the block boundary and a few rows, and never closes */
    while (ftell(fp) + 16 < SLTD__TEXT_BLOCK - 8) {
        fprintf(fp, "UTO,N%09lu\n", n++);
        line++;
    }
    while (ftell(fp) < SLTD__TEXT_BLOCK - 3) /* ',' '"' CR end the first block, the LF starts the next */
        fputc('x', fp);
    fputs(",\"\r\nUTO,Q1\rUTO,Q2\nUTO,Q3\r\n", fp);
    ck_assert_int_eq(fclose(fp), 0);

    ck_assert_int_eq(sltd__csv_open(&c, "blocks.csv"), 0);
    while ((rc = sltd__csv_next(c, &r)) == 1 && r->line < line)
        ;
    ck_assert_int_eq(rc, SLTD_EFORMAT);
    ck_assert_uint_eq(sltd__csv_line(c), line);
    for (int i = 1; i <= 3; i++) {
        char want[8];
        ck_assert_int_eq(sltd__csv_next(c, &r), 1);
        ck_assert_uint_eq(r->line, line + (unsigned long)i);
        snprintf(want, sizeof want, "Q%d", i);
        ck_assert_str_eq(r->field[1], want);
    }
    ck_assert_int_eq(sltd__csv_next(c, &r), 0);
    sltd__csv_close(c);
}
END_TEST

/* A row that runs on past its first line for more than SLTD__CSV_SPAN_MAX bytes is bad there; its
 * lines are read again, and the reader holds no more memory for it than the span's bound. */
START_TEST(test_csv_span_bounded)
{
    FILE *fp = fopen("span.csv", "wb");
    sltd__csv *c = NULL;
    const sltd__csv_row *r;
    int rc, n = 0;

    ck_assert_ptr_nonnull(fp);
    fputs("a", fp);
    for (int f = 0; f < 40; f++) { /* 40 fields of 4000 bytes, line ends inside: 160 KB of one row */
        fputs(",\"", fp);
        for (int k = 0; k < 400; k++)
            fputs("abcdefghi\n", fp);
        fputs("\"", fp);
    }
    fputs("\nUTO,Q1\n", fp);
    ck_assert_int_eq(fclose(fp), 0);
    ck_assert_int_eq(sltd__csv_open(&c, "span.csv"), 0);
    const size_t mem0 = sltd__csv_memory(c);
    ck_assert_int_eq(sltd__csv_next(c, &r), SLTD_EFORMAT);
    ck_assert_str_eq(sltd__csv_error(c), "span.csv:1: a quoted field holds a line end and the row runs on for more "
                                         "than 65536 bytes (the row's lines from 2 on are read again as rows)");
    while ((rc = sltd__csv_next(c, &r)) != 0) {
        ck_assert(rc == 1 || rc == SLTD_EFORMAT);
        if (rc == 1 && strcmp(r->field[0], "UTO") == 0) {
            ck_assert_uint_eq(r->line, 2 + 40 * 400);
            n++;
        }
    }
    ck_assert_int_eq(n, 1);
    ck_assert_uint_le(sltd__csv_memory(c), mem0 + 2 * SLTD__CSV_SPAN_MAX + 4096);
    sltd__csv_close(c);
}
END_TEST

/* The raw reader: fields as written, line numbers, blank rows. */
START_TEST(test_csv_reader)
{
    static const char in[] = "\xEF\xBB\xBF" "a,\"b\"\"c\",,\" d \"\r\n\n\"x\ny\",z\r\nlast";
    write_file("in.csv", in, sizeof in - 1);
    sltd__csv *c = NULL;
    const sltd__csv_row *r;
    ck_assert_int_eq(sltd__csv_open(&c, "in.csv"), 0);
    ck_assert_int_eq(sltd__csv_next(c, &r), 1);
    ck_assert_uint_eq(r->line, 1);
    ck_assert_uint_eq(r->nfields, 4);
    ck_assert_str_eq(r->field[0], "a");
    ck_assert_str_eq(r->field[1], "b\"c");
    ck_assert_str_eq(r->field[2], "");
    ck_assert_str_eq(r->field[3], " d ");
    ck_assert_uint_eq(r->len[3], 3);
    ck_assert_int_eq(sltd__csv_next(c, &r), 1);
    ck_assert_uint_eq(r->line, 3);
    ck_assert_str_eq(r->field[0], "x\ny");
    ck_assert_str_eq(r->field[1], "z");
    ck_assert_int_eq(sltd__csv_next(c, &r), 1);
    ck_assert_uint_eq(r->line, 5);
    ck_assert_uint_eq(r->nfields, 1);
    ck_assert_str_eq(r->field[0], "last");
    ck_assert_int_eq(sltd__csv_next(c, &r), 0);
    ck_assert_int_eq(sltd__csv_next(c, &r), 0);
    ck_assert_str_eq(sltd__csv_name(c), "in.csv");
    sltd__csv_close(c);
}
END_TEST

/* Line ends of every style at every position of the reader's blocks (a CRLF split between two blocks
 * counts once): 60,000 rows with a random line end each, a quoting error every 7th row, and the line
 * number of every row and error exactly where the file puts it. */
START_TEST(test_line_ends_everywhere)
{
    static const char *const ends[] = { "\n", "\r\n", "\r" };
    FILE *fp = fopen("ends.csv", "wb");
    unsigned long line = 1, *want = malloc(60000 * sizeof *want);
    uint64_t r = 7;
    unsigned i;

    ck_assert_ptr_nonnull(fp);
    ck_assert_ptr_nonnull(want);
    fputs("state,number\n", fp);
    line++;
    for (i = 0; i < 60000; i++) {
        const char *end = ends[tu_rand(&r) % 3];
        want[i] = line;
        if (i % 7 == 3)
            fprintf(fp, "UTO,A\"%u%s", i, end); /* invalid quoting */
        else if (i % 11 == 5)
            fprintf(fp, "UTO,\"A%u%s\"%s", i, ends[tu_rand(&r) % 3], end), line++; /* a field over two lines */
        else
            fprintf(fp, "UTO,A%u%s", i, end);
        line++;
        if (tu_rand(&r) % 13 == 0) { /* a blank line (an LF right after a CR would be that CR's CRLF) */
            fputs(ends[strcmp(end, "\r") == 0 ? 1 + tu_rand(&r) % 2 : tu_rand(&r) % 3], fp);
            line++;
        }
    }
    ck_assert_int_eq(fclose(fp), 0);

    sltd__feed *f = NULL;
    sltd__feed_row row;
    int rc;
    ck_assert_int_eq(sltd__feed_open(&f, "ends.csv", 0), 0);
    for (i = 0; i < 60000; i++) {
        char want_msg[96];
        rc = sltd__feed_next(f, &row);
        if (i % 7 == 3) {
            ck_assert_int_eq(rc, SLTD_EFORMAT);
            snprintf(want_msg, sizeof want_msg, "ends.csv:%lu: invalid quoting", want[i]);
            ck_assert_msg(strncmp(sltd__feed_error(f), want_msg, strlen(want_msg)) == 0, "row %u: %s, want %s", i,
                          sltd__feed_error(f), want_msg);
        } else if (i % 11 == 5) {
            ck_assert_int_eq(rc, SLTD_EFORMAT); /* a line end is not a document number character */
            snprintf(want_msg, sizeof want_msg, "ends.csv:%lu: field 'number'", want[i]);
            ck_assert_msg(strncmp(sltd__feed_error(f), want_msg, strlen(want_msg)) == 0, "row %u: %s, want %s", i,
                          sltd__feed_error(f), want_msg);
            /* its second line ('"' and a line end) is read again as a row: that quote opens a field,
             * which takes in the rows after it up to the next '"', where a quoting error ends it; then
             * those rows are read again (they come out below at their lines) */
            rc = sltd__feed_next(f, &row);
            ck_assert_int_eq(rc, SLTD_EFORMAT);
            snprintf(want_msg, sizeof want_msg, "(the row's lines from %lu on are read again as rows)", want[i] + 2);
            ck_assert_msg(strstr(sltd__feed_error(f), want_msg) != NULL, "row %u: %s, want %s", i,
                          sltd__feed_error(f), want_msg);
        } else {
            char num[16];
            ck_assert_int_eq(rc, 1);
            ck_assert_uint_eq(row.line, want[i]);
            snprintf(num, sizeof num, "A%u", i);
            ck_assert_str_eq(row.number, num);
        }
    }
    ck_assert_int_eq(sltd__feed_next(f, &row), 0);
    sltd__feed_close(f);
    free(want);
}
END_TEST

/* A 200,000-row feed is streamed: every row comes out, and the memory the parser holds after the
 * last row is what it held after the first. */
START_TEST(test_stream_200k)
{
    FILE *fp = fopen("big.csv", "wb");
    ck_assert_ptr_nonnull(fp);
    fprintf(fp, "state,number,type,status,reported,reference\n");
    for (unsigned i = 0; i < 200000; i++)
        fprintf(fp, "%s,%c%08u,P,%s,2023-%02u-%02u,DEMO-%06u\n", i % 3 ? "UTO" : "D", 'A' + (int)(i % 26), i,
                i % 2 ? "lost" : "stolen", 1 + i % 12, 1 + i % 28, i);
    ck_assert_int_eq(fclose(fp), 0);

    sltd__feed *f = NULL;
    sltd__feed_row row;
    size_t mem_first = 0;
    unsigned long n = 0;
    int rc;
    ck_assert_int_eq(sltd__feed_open(&f, "big.csv", 0), 0);
    while ((rc = sltd__feed_next(f, &row)) == 1) {
        if (n == 0)
            mem_first = sltd__feed_memory(f);
        n++;
    }
    ck_assert_int_eq(rc, 0);
    ck_assert_uint_eq(n, 200000);
    ck_assert_uint_eq(row.line, 200001);
    ck_assert_str_eq(row.number, "H00199999"); /* 199999 % 26 = 7 */
    ck_assert_str_eq(row.rec.reference, "DEMO-199999");
    ck_assert_uint_eq(sltd__feed_memory(f), mem_first);
    ck_assert_uint_lt(mem_first, 512 * 1024);
    sltd__feed_close(f);
}
END_TEST

/* A 16 MiB field (inside quotes, over many lines) is refused without being held in memory, and its
 * lines are read again as rows (each a row of one field, invalid), down to the row after it. */
START_TEST(test_huge_field_bounded)
{
    FILE *fp = fopen("huge.csv", "wb");
    ck_assert_ptr_nonnull(fp);
    fprintf(fp, "state,number,reference\nUTO,1,\"");
    for (int i = 0; i < 16 * 1024; i++)
        fprintf(fp, "%01023d\n", i);
    fprintf(fp, "\"\nUTO,2,ok\n");
    ck_assert_int_eq(fclose(fp), 0);

    sltd__feed *f = NULL;
    sltd__feed_row row;
    ck_assert_int_eq(sltd__feed_open(&f, "huge.csv", 0), 0);
    size_t mem0 = sltd__feed_memory(f);
    ck_assert_int_eq(sltd__feed_next(f, &row), SLTD_EFORMAT);
    ck_assert_str_eq(sltd__feed_error(f),
                     "huge.csv:2: field 3 is longer than 4096 bytes (the row's lines from 3 on are read again as rows)");
    for (unsigned long l = 3; l < 3 + 16 * 1024 - 1; l++) {
        char want[64];
        ck_assert_int_eq(sltd__feed_next(f, &row), SLTD_EFORMAT);
        snprintf(want, sizeof want, "huge.csv:%lu: 1 fields, but the header has 3", l);
        ck_assert_str_eq(sltd__feed_error(f), want);
    }
    /* line 2 + 16384: the closing quote opens a field that the end of the input leaves open */
    ck_assert_int_eq(sltd__feed_next(f, &row), SLTD_EFORMAT);
    ck_assert_str_eq(sltd__feed_error(f), "huge.csv:16386: quoted field opened here is not closed at the end of the "
                                          "input (the row's lines from 16387 on are read again as rows)");
    ck_assert_int_eq(sltd__feed_next(f, &row), 1);
    ck_assert_uint_eq(row.line, 3 + 16 * 1024); /* the field ends on line 2 + 16384 */
    ck_assert_str_eq(row.rec.reference, "ok");
    ck_assert_int_eq(sltd__feed_next(f, &row), 0);
    ck_assert_uint_le(sltd__feed_memory(f), mem0 + 2 * SLTD__CSV_SPAN_MAX + 3 * 4096); /* the bytes read again */
    sltd__feed_close(f);
}
END_TEST

/* The same for one endless line, and for a quote that never closes. */
START_TEST(test_endless_line_bounded)
{
    FILE *fp = fopen("line.csv", "wb");
    ck_assert_ptr_nonnull(fp);
    fprintf(fp, "state,number\nUTO,\"");
    for (int i = 0; i < 8 * 1024; i++)
        fprintf(fp, "%01024d", i);
    ck_assert_int_eq(fclose(fp), 0);

    sltd__feed *f = NULL;
    sltd__feed_row row;
    ck_assert_int_eq(sltd__feed_open(&f, "line.csv", 0), 0);
    size_t mem0 = sltd__feed_memory(f);
    ck_assert_int_eq(sltd__feed_next(f, &row), SLTD_EFORMAT);
    ck_assert_str_eq(sltd__feed_error(f), "line.csv:2: quoted field opened here is not closed at the end of the input");
    ck_assert_int_eq(sltd__feed_next(f, &row), 0);
    ck_assert_uint_le(sltd__feed_memory(f), mem0 + 3 * 4096);
    sltd__feed_close(f);
}
END_TEST

/* The largest range: exactly 1,000,000 numbers, one per call, same line, no growth. */
START_TEST(test_range_million)
{
    static const char in[] = "state,number_from,number_to,status\n"
                             "XXA,SB0500000,SB1499999,stolen_blank\n"
                             "UTO,1,,\n";
    write_file("r.csv", in, sizeof in - 1);
    sltd__feed *f = NULL;
    sltd__feed_row row;
    char want[32];
    unsigned long n = 0;
    int rc;
    ck_assert_int_eq(sltd__feed_open(&f, "r.csv", 0), 0);
    size_t mem0 = sltd__feed_memory(f);
    while ((rc = sltd__feed_next(f, &row)) == 1) {
        snprintf(want, sizeof want, "SB%07lu", 500000 + n);
        if (strcmp(row.number, want) != 0 || row.line != 2 || row.rec.status != SLTD_STATUS_STOLEN_BLANK)
            ck_abort_msg("number %lu: got %s line %lu", n, row.number, row.line);
        n++;
    }
    ck_assert_uint_eq(n, 1000000);
    ck_assert_int_eq(rc, SLTD_EFORMAT);
    ck_assert_str_eq(sltd__feed_error(f), "r.csv:3: field 'number_to': is empty (a document number is required)");
    ck_assert_int_eq(sltd__feed_next(f, &row), 0);
    ck_assert_uint_eq(sltd__feed_memory(f), mem0);
    sltd__feed_close(f);
}
END_TEST

/* One row of a transcript: what the reader said (rc), then the row or the message. */
static void put_csv_row(struct buf *b, int rc, unsigned long line, const sltd__csv_row *r, const char *err)
{
    put(b, "rc %d line %lu", rc, line);
    if (rc != 1) {
        put(b, " error %s", err);
        ck_assert_int_eq(rc, SLTD_EFORMAT);
        return;
    }
    put(b, " row %lu multiline %d fields %zu:", r->line, r->multiline, r->nfields);
    for (size_t i = 0; i < r->nfields; i++) {
        ck_assert_uint_eq(strlen(r->field[i]), r->len[i]);
        ck_assert_ptr_eq(r->field[i], r->data + r->off[i]);
        ck_assert_uint_lt(r->off[i] + r->len[i], r->used); /* its NUL too within data[0, used) */
        put(b, " [%s]", r->field[i]);
    }
    put(b, "end of row");
}

enum { BYTE_BY_BYTE, ONE_PASS, TAKEN_LINES };

/* Everything the reader says about a file, row by row, into b: rows read byte by byte, in one pass
 * (sltd__csv_one_pass), or taken as lines where they can be and split apart (sltd__csv_take_line,
 * sltd__csv_split_line) as a screening's threads do; a row that spans lines refused when `reject`
 * says so. Returns the number of rows taken as lines. */
static unsigned long in_place; /* rows split where they lie by the last transcript */

static unsigned long csv_transcript(struct buf *b, const char *path, int how, unsigned reject_seed)
{
    sltd__csv *c = NULL;
    const sltd__csv_row *r;
    unsigned long k = 0, line, taken = 0;
    const char *s;
    size_t len;
    int rc;

    in_place = 0;
    ck_assert_int_eq(sltd__csv_open(&c, path), 0);
    sltd__csv_one_pass(c, how != BYTE_BY_BYTE);
    for (;;) {
        if (how == TAKEN_LINES && sltd__csv_take_line(c, &s, &len, &line)) {
            sltd__csv_split sp;
            char *copy = malloc(len + 16), *out = malloc(len + 1);

            ck_assert_ptr_nonnull(copy);
            ck_assert_ptr_nonnull(out);
            memcpy(copy, s, len); /* as the screening does: the line apart from the reader, 16 zeros after */
            memset(copy + len, 0, 16);
            ck_assert_uint_eq(sltd__csv_line(c), line);
            /* where it lies, or else into more room (then the line must be as it was) */
            if ((rc = sltd__csv_split_in_place(&sp, copy, len)) == 1) {
                sp.row.line = line;
                in_place++;
            }
            else if (memcmp(copy, s, len) == 0)
                rc = sltd__csv_split_line(&sp, out, sltd__csv_name(c), copy, len, line);
            else
                ck_abort_msg("line %lu: changed by a split in place that gave up", line);
            put_csv_row(b, rc, line, &sp.row, sp.err);
            free(copy);
            free(out);
            taken++;
            continue;
        }
        if ((rc = sltd__csv_next(c, &r)) == 0)
            break;
        put_csv_row(b, rc, sltd__csv_line(c), r, sltd__csv_error(c));
        if (rc == 1 && r->multiline && (++k * 2654435761u + reject_seed) % 3 == 0)
            sltd__csv_reject(c);
    }
    sltd__csv_close(c);
    return taken;
}

/* Rows read in one pass (the common case), byte by byte, and taken as lines then split apart give the
 * same rows, lines and errors: 200 random files of rows made of the pieces that decide which way a row
 * goes — quotes, doubled quotes, line ends of every style inside and outside quotes, NUL bytes, fields
 * of 4,096 and 4,097 bytes, 64 and 65 fields, blank lines, rows of spaces or of an empty quoted field —
 * some of them long enough to cross the text reader's blocks. */
START_TEST(test_csv_one_pass_same)
{
    static const char *const piece[] = { "UTO", "L898902C3", "", " a b ", "\"x,y\"", "\"q\"\"q\"", "\"\"",
                                         "\"open", "a\"b", "\"c\"d", "\"l\nm\"", "\"r\rs\"", "\"t\r\nu\"", "\t",
                                         "\" , \"", "\"\"\"\"", "x\"\"y" };
    static const char *const eol[] = { "\n", "\r\n", "\r", "\n\n", "" };
    char *big = malloc(SLTD__CSV_FIELD_MAX + 2);
    uint64_t st = 0x9e3779b97f4a7c15u;

    ck_assert_ptr_nonnull(big);
    memset(big, 'w', SLTD__CSV_FIELD_MAX + 1);
    for (int file = 0; file < 200; file++) {
        FILE *fp = fopen("onepass.csv", "wb");
        const int rows = file % 25 == 0 ? 2000 : 1 + (int)(tu_rand(&st) % 40);
        struct buf a = { 0 }, b = { 0 }, t = { 0 };

        ck_assert_ptr_nonnull(fp);
        for (int i = 0; i < rows; i++) {
            const unsigned kind = (unsigned)(tu_rand(&st) % 100);
            const int nf = kind < 3 ? 64 + (int)(kind % 2) : 1 + (int)(tu_rand(&st) % 9);

            for (int f = 0; f < nf; f++) {
                const unsigned p = (unsigned)(tu_rand(&st) % 64);
                if (f > 0)
                    fputc(',', fp);
                if (p >= 48 && p < 51 && kind >= 3)
                    fputs(piece[p - 34], fp);
                else if (p < 14 && kind >= 3)
                    fputs(piece[p], fp);
                else if (p == 14 && kind >= 90)
                    fwrite(big, 1, SLTD__CSV_FIELD_MAX + (tu_rand(&st) % 2), fp);
                else if (p == 15 && kind >= 95)
                    fputc('\0', fp);
                else
                    fprintf(fp, "F%u", p);
            }
            fputs(eol[tu_rand(&st) % 20 < 16 ? (uint64_t)(file % 3) : tu_rand(&st) % 5], fp);
        }
        ck_assert_int_eq(fclose(fp), 0);
        csv_transcript(&a, "onepass.csv", ONE_PASS, (unsigned)file);
        csv_transcript(&b, "onepass.csv", BYTE_BY_BYTE, (unsigned)file);
        csv_transcript(&t, "onepass.csv", TAKEN_LINES, (unsigned)file);
        ck_assert_ptr_nonnull(a.s);
        if (strcmp(a.s, b.s) != 0)
            ck_abort_msg("file %d: one pass and byte by byte differ", file);
        if (strcmp(t.s, b.s) != 0)
            ck_abort_msg("file %d: lines taken and split apart, and byte by byte differ", file);
        free(a.s);
        free(b.s);
        free(t.s);
    }
    free(big);
}
END_TEST

/* Rows split where they lie find their commas and quotes through 64-byte windows of the line: every
 * comma and quote at every position around the first windows' edges, inside and outside quotes,
 * split alike all three ways. */
START_TEST(test_csv_split_windows)
{
    struct buf a = { 0 }, t = { 0 };
    FILE *fp = fopen("windows.csv", "wb");

    ck_assert_ptr_nonnull(fp);
    for (int n = 0; n < 200; n++) {
        fprintf(fp, "%.*s,x\n", n, "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz"
                                   "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz"
                                   "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnop");
        fprintf(fp, "\"%.*s,\",y\n", n, "QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ"
                                        "QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ"
                                        "QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ");
        for (int k = 0; k < n; k++) /* commas only, and one quoted field of commas */
            fputc(',', fp);
        fputs(n % 2 ? ",\",,,,\"\n" : ",\"\"\"\",\"a\"\"\"\n", fp);
        fprintf(fp, "%.*s\"q\",z\n", n, "--------------------------------------------------------------------------------"
                                        "--------------------------------------------------------------------------------"
                                        "----------------------------------------");
    }
    ck_assert_int_eq(fclose(fp), 0);
    csv_transcript(&a, "windows.csv", BYTE_BY_BYTE, 0);
    /* every row holds a ',' and no CR or NUL, and its quotes pair up: every one is taken as its line but
     * the one across the text reader's block boundary (the reader reads that one itself) */
    ck_assert_uint_ge(csv_transcript(&t, "windows.csv", TAKEN_LINES, 0), 4 * 200 - 1);
    /* and those of unquoted fields or fields quoted whole with no doubled quote split where they lie */
    ck_assert_uint_ge(in_place, 2 * 200 - 1);
    ck_assert_ptr_nonnull(a.s);
    ck_assert_str_eq(t.s, a.s);
    free(a.s);
    free(t.s);
}
END_TEST

/* Rows made only of the bytes that decide a split where a row lies — commas, quotes, spaces and one
 * letter; quotes 1 byte in 4 or 1 in 40; 1 to 200 bytes (up to four 64-byte windows) — read alike
 * byte by byte and taken as lines then split: quotes opening or closing at every position, beside a
 * window's edge or a comma, doubled, unclosed, or followed by text. */
START_TEST(test_csv_split_random_bytes)
{
    static const char other[] = { ',', ' ', 'a' };
    uint64_t st = 0x51a7ed5eedULL;

    for (int file = 0; file < 40; file++) {
        FILE *fp = fopen("splitbytes.csv", "wb");
        struct buf a = { 0 }, t = { 0 };

        ck_assert_ptr_nonnull(fp);
        for (int row = 0; row < 500; row++) {
            const int n = 1 + (int)(tu_rand(&st) % 200);
            /* quotes far apart too: a row with a quoted field or two in a row of letters and commas */
            const uint64_t quote_every = row % 2 ? 4 : 40;
            for (int k = 0; k < n; k++)
                fputc(tu_rand(&st) % quote_every == 0 ? '"' : other[tu_rand(&st) % 3], fp);
            fputc('\n', fp);
        }
        ck_assert_int_eq(fclose(fp), 0);
        csv_transcript(&a, "splitbytes.csv", BYTE_BY_BYTE, 0);
        csv_transcript(&t, "splitbytes.csv", TAKEN_LINES, 0);
        ck_assert_ptr_nonnull(a.s);
        if (strcmp(t.s, a.s) != 0)
            ck_abort_msg("file %d: lines taken and split apart, and byte by byte differ", file);
        ck_assert_uint_gt(in_place, 0);
        free(a.s);
        free(t.s);
    }
}
END_TEST

static Suite *feed_suite(void)
{
    Suite *s = suite_create("feed");
    TCase *tc = tcase_create("table");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_table, 0, (int)(sizeof cases / sizeof cases[0]));
    suite_add_tcase(s, tc);

    tc = tcase_create("io");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_missing_file);
    tcase_add_test(tc, test_directory);
    tcase_add_test(tc, test_stdin);
    tcase_add_test(tc, test_bom_in_pieces);
    tcase_add_test(tc, test_csv_reader);
    tcase_add_test(tc, test_csv_read_again);
    tcase_add_test(tc, test_csv_read_again_blocks);
    tcase_add_test(tc, test_csv_span_bounded);
    suite_add_tcase(s, tc);

    tc = tcase_create("bounded");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_stream_200k);
    tcase_add_test(tc, test_line_ends_everywhere);
    tcase_add_test(tc, test_huge_field_bounded);
    tcase_add_test(tc, test_endless_line_bounded);
    tcase_add_test(tc, test_range_million);
    tcase_add_test(tc, test_csv_one_pass_same);
    tcase_add_test(tc, test_csv_split_windows);
    tcase_add_test(tc, test_csv_split_random_bytes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(feed_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
