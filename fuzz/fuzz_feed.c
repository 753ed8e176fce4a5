/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_feed.c — libFuzzer target for the feed parser (lib/feed.c on lib/csvread.c and lib/textin.c).
 *
 * The input bytes are written to a memfd and parsed as a feed, every row in report-all mode; every
 * row handed out is checked against the promises of feed.h (normalised state and number, status,
 * date range, reference bytes) and every message against its "FILE:LINE: " form.
 *
 * Build (libFuzzer):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Iinclude -Ilib \
 *         fuzz/fuzz_feed.c lib/feed.c lib/csvread.c lib/textin.c lib/norm.c lib/date.c -o fuzz_feed
 *   ./fuzz_feed tests/corpus/feed
 * Linked with fuzz/replay.c (any compiler, no libFuzzer), it replays its corpus as an ordinary test. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "feed.h"
#include "norm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ROWS 3000000UL /* a few full-size ranges; keeps each input bounded in time */

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_feed: broken promise: %s\n", what);
        abort();
    }
}

static int date_ok(uint32_t d)
{
    return d == 0 || (d >= 19700102u && d <= 21490606u);
}

static void check_row(const sltd__feed_row *r)
{
    char tmp[SLTD_NUMBER_MAX + 1];
    size_t n;

    check(r->line >= 1, "line");
    check(r->action == SLTD__ACTION_ADD || r->action == SLTD__ACTION_REMOVE, "action");
    check(sltd__norm_state(tmp, r->state, strlen(r->state)) == 0 && strcmp(tmp, r->state) == 0, "state normalised");
    check(strlen(r->number) == r->number_len, "number_len");
    check(sltd__norm_number(tmp, &n, r->number, r->number_len) == 0 && strcmp(tmp, r->number) == 0,
          "number normalised");
    check(r->rec.status >= SLTD_STATUS_STOLEN && r->rec.status <= SLTD_STATUS_STOLEN_BLANK, "status");
    check(date_ok(r->rec.reported) && date_ok(r->rec.expires), "dates");
    check(r->rec.reporting_state[0] == '\0' || sltd__norm_state_known(r->rec.reporting_state), "reporting_state");
    n = strlen(r->rec.reference);
    check(n <= SLTD_REFERENCE_MAX, "reference length");
    for (size_t i = 0; i < n; i++)
        check(r->rec.reference[i] >= 0x20 && r->rec.reference[i] <= 0x7e, "reference bytes");
}

static void check_msg(const char *msg, const char *path)
{
    check(msg[0] != '\0', "error without message");
    check(strncmp(msg, path, strlen(path)) == 0 && msg[strlen(path)] == ':', "message names the file");
}

static void run(const char *path, unsigned flags)
{
    sltd__feed *f = NULL;
    sltd__feed_row row;
    int rc = sltd__feed_open(&f, path, flags);
    unsigned long rows = 0, prev_line = 0;

    if (rc != 0) {
        if (rc != SLTD_ENOMEM)
            check_msg(sltd__feed_error(f), path);
        sltd__feed_close(f);
        return;
    }
    while (rows < MAX_ROWS) {
        rc = sltd__feed_next(f, &row);
        if (rc == 0)
            break;
        if (rc == 1) {
            check_row(&row);
            check(row.line >= prev_line, "lines go forward");
            prev_line = row.line;
        } else {
            check(rc == SLTD_EFORMAT, "only format errors from a readable file");
            check_msg(sltd__feed_error(f), path);
        }
        rows++;
    }
    sltd__feed_close(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    int fd = memfd_create("fuzz_feed", 0);

    if (fd < 0)
        abort();
    for (size_t off = 0; off < size;) {
        ssize_t w = write(fd, data + off, size - off);
        if (w <= 0)
            abort();
        off += (size_t)w;
    }
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    run(path, 0);
    run(path, SLTD_IMPORT_IGNORE_UNKNOWN);
    close(fd);
    return 0;
}
