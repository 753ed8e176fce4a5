/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_manifest.c — libFuzzer target for manifest screening (lib/screen.c and the manifest readers): the CSV
 * reader, the MRZ-text grouping, the JSON Lines reader, and the threaded pipeline behind them.
 *
 * The first input byte chooses the run: bits 0-1 the format (CSV, MRZ, JSON Lines, CSV), bit 2 OCR
 * variants, bit 3 two threads instead of one. The rest is written to a memfd and screened with
 * SLTD_SCREEN_ALL against a small database made once per process (it lists the ICAO specimen
 * L898902C3 and a few others). Every row is checked against the promises of sltd.h: rows come in
 * input order with increasing line numbers, an invalid row has a code and a "FILE:LINE: " message and
 * no result, a checked row has a result and no message, and the report counts what was handed out.
 *
 * Build and run (clang, ASan+UBSan): sh tools/fuzz.sh 600 manifest
 * Linked with fuzz/replay.c (any compiler, no libFuzzer), it replays its corpus as an ordinary test. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzzdb.h"
#include "sltd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sltd_db *db;

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_manifest: broken promise: %s\n", what);
        abort();
    }
}


typedef struct state {
    const char *path;
    uint64_t rows, hits, invalid, next_index;
    unsigned long last_line;
} state;

static int on_row(void *ctx, const sltd_screen_row *row)
{
    state *s = ctx;
    size_t pl = strlen(s->path), i;

    check(row->version == SLTD_SCREEN_ROW_VERSION, "row version");
    check(row->index == s->next_index++, "rows in input order, none skipped");
    check(row->line >= 1 && row->line >= s->last_line, "line numbers go forward");
    s->last_line = row->line;
    check(row->state != NULL && row->number != NULL && row->variant_number != NULL, "strings set");
    check(row->nfields <= 64 && (row->nfields == 0 || (row->names != NULL && row->fields != NULL)), "fields");
    for (i = 0; i < row->nfields; i++)
        check(row->names[i] != NULL && row->fields[i] != NULL, "field strings");
    if (row->error != 0) {
        check(row->error < 0 && row->result == NULL && !row->listed, "invalid row has no answer");
        check(strncmp(row->error_msg, s->path, pl) == 0 && row->error_msg[pl] == ':', "message names the file");
        check(row->error == SLTD_EFORMAT || row->error == SLTD_ESTATE || row->error == SLTD_ENUMBER ||
                  row->error == SLTD_ETYPE || row->error == SLTD_EMRZ || row->error == SLTD_ECHECKDIGIT,
              "row error codes");
        s->invalid++;
    } else {
        check(row->result != NULL && row->error_msg[0] == '\0', "checked row has an answer");
        check(row->listed == 0 || row->listed == 1, "listed is 0 or 1");
        check(row->listed || row->variant_result == NULL, "a variant only with a hit");
        s->hits += (uint64_t)row->listed;
    }
    s->rows++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int formats[4] = { SLTD_SCREEN_CSV, SLTD_SCREEN_MRZ, SLTD_SCREEN_JSONL, SLTD_SCREEN_CSV };
    sltd_screen_options o = SLTD_SCREEN_OPTIONS_INIT;
    sltd_screen_report rep = SLTD_SCREEN_REPORT_INIT;
    char path[64];
    state s;
    int fd, rc;

    if (size < 1)
        return 0;
    if (db == NULL)
        db = fuzzdb_get("fuzz_manifest");
    fd = memfd_create("fuzz_manifest", 0);
    check(fd >= 0, "memfd");
    for (size_t off = 1; off < size;) {
        ssize_t w = write(fd, data + off, size - off);
        check(w > 0, "write");
        off += (size_t)w;
    }
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    memset(&s, 0, sizeof s);
    s.path = path;
    o.format = formats[data[0] & 3];
    o.flags = SLTD_SCREEN_ALL | ((data[0] & 4) ? SLTD_SCREEN_OCR_VARIANTS : 0u);
    o.threads = (data[0] & 8) ? 2 : 1;
    o.row_fn = on_row;
    o.row_ctx = &s;
    rc = sltd_db_screen(&rep, db, path, &o);
    check(rc == 0 || rc == SLTD_EFORMAT, "only format errors from a readable input");
    check(rc != SLTD_EFORMAT || o.format == SLTD_SCREEN_CSV || s.rows == 0,
          "only a CSV header, or no row at all, is fatal");
    check(o.format == SLTD_SCREEN_CSV || (rc == SLTD_EFORMAT) == (s.rows == 0),
          "an MRZ or JSON Lines input with no row is an empty manifest");
    check(rep.documents + rep.invalid == s.rows && rep.hits == s.hits && rep.invalid == s.invalid,
          "report counts what was handed out");
    close(fd);
    return 0;
}
