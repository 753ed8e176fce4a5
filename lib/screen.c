/* SPDX-License-Identifier: Apache-2.0 */
/* screen.c — screening passenger manifests (CSV, MRZ text, JSON Lines) through the batch lookup, on
 * several threads, results handed to the caller in input order (see sltd.h, "Screening manifests").
 *
 * Pipeline. The calling thread reads the input and cuts it into chunks of at most CHUNK_ROWS
 * documents (CSV rows are parsed here; MRZ documents and JSON lines are only delimited); worker
 * threads (threads - 1 of them) take whole chunks, finish parsing them (MRZ, JSON), and look them up
 * with one sltd_lookup_batch() call; the calling thread hands the chunks' rows to the callbacks in
 * sequence order. At most nslots chunks exist (a ring): when the ring is full the calling thread
 * emits what is done, else helps with the oldest waiting chunk, else waits. Memory is therefore
 * bounded by nslots chunks of at most CHUNK_BYTES (+ one bounded row) each, whatever the input. With
 * one thread no thread is started and the same loop reads, looks up and emits in turn.
 *
 * Why a hand-written CSV reader here (lib/csvread.c, on libcsv, stays for feeds): the screening
 * target was >= 3 M documents/s on 2 cores; libcsv through csvread.c measured ~2.5 us a row on this
 * machine (per-byte callbacks, a copy per field, our piecewise feeding for line numbers), which caps one
 * reading thread at ~0.4 M rows/s. The reader below scans unquoted spans with a byte-class table and
 * copies whole spans, ~30-60 ns a row. It is strict RFC 4180 with the same rules, bounds and
 * messages as csvread.c (see csvread.h): BOM, LF/CRLF/CR, quoted fields over lines, blank lines
 * skipped, physical line numbers, fields <= 4096 bytes, <= 64 fields, NUL and quoting errors
 * reported per row with recovery at the next line. It is fuzzed by fuzz/fuzz_manifest.c. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "mrz.h"
#include "sltd.h"

#define CHUNK_ROWS SLTD_SCREEN_CHUNK_ROWS
#define CHUNK_BYTES (1u << 20)      /* a chunk is closed once its text reaches this */
#define READ_SIZE (256u * 1024)     /* bytes read at a time */
#define FIELD_MAX 4096              /* CSV: longest field (as csvread.h) */
#define FIELDS_MAX 64               /* CSV: most fields a row; JSON: most members */
#define MRZ_LINE_MAX 256            /* MRZ text: longest line */
#define JSON_LINE_MAX (64u * 1024)  /* JSON Lines: longest line */
#define MRZ_TEXT_MAX 1024           /* JSON "mrz" member: longest text */
#define MSG_MAX 512
#define NONE UINT32_MAX

/* ---- chunks ------------------------------------------------------------------------------------ */

typedef struct item {
    unsigned long line;      /* physical line of the row (MRZ: first line) */
    unsigned long lines[3];  /* MRZ text: the line of each MRZ line */
    int error;               /* 0 or the row's code */
    int listed;
    int qi;                  /* index in the chunk's batch, -1 when not looked up there */
    uint32_t msg;            /* arena offsets, NONE when absent */
    uint32_t text, text_len; /* MRZ / JSON: the raw text */
    uint32_t state, number, type, variant;
    uint32_t first, nfields; /* pass-through: foff[first, first + nfields) values, then as many names (JSON) */
} item;

typedef struct chunk {
    item it[CHUNK_ROWS];
    size_t n;
    char *a; /* arena: every string of the chunk, NUL-terminated; addressed by offset (it grows) */
    size_t used, cap;
    uint32_t *foff;
    size_t nf, fcap;
    sltd_query q[CHUNK_ROWS];
    sltd_result res[CHUNK_ROWS];
    sltd_mrz_answer *ans; /* OCR variants: one answer an item */
    uint64_t first_index, bytes_end;
    int rc, done;
    char fatal[256];
} chunk;

static int reserve(chunk *c, size_t more)
{
    size_t cap = c->cap ? c->cap : CHUNK_BYTES + 64 * 1024;
    char *b;

    if (c->used + more <= c->cap)
        return 0;
    if (c->used + more > (size_t)UINT32_MAX - 1)
        return SLTD_ENOMEM;
    while (cap < c->used + more)
        cap *= 2;
    if ((b = realloc(c->a, cap)) == NULL)
        return SLTD_ENOMEM;
    c->a = b;
    c->cap = cap;
    return 0;
}

/* Append s[0, len) and a NUL; *off gets its offset. */
static int put(chunk *c, const void *s, size_t len, uint32_t *off)
{
    if (reserve(c, len + 1) != 0)
        return SLTD_ENOMEM;
    *off = (uint32_t)c->used;
    memcpy(c->a + c->used, s, len);
    c->a[c->used + len] = '\0';
    c->used += len + 1;
    return 0;
}

static int push_off(chunk *c, uint32_t off)
{
    if (c->nf == c->fcap) {
        size_t cap = c->fcap ? c->fcap * 2 : 16384;
        uint32_t *f = realloc(c->foff, cap * sizeof *f);
        if (f == NULL)
            return SLTD_ENOMEM;
        c->foff = f;
        c->fcap = cap;
    }
    c->foff[c->nf++] = off;
    return 0;
}

static const char *str(const chunk *c, uint32_t off)
{
    return off == NONE ? "" : c->a + off;
}

static void chunk_reset(chunk *c)
{
    c->n = c->used = c->nf = 0;
    c->rc = c->done = 0;
    c->fatal[0] = '\0';
}

static void chunk_free(chunk *c)
{
    if (c == NULL)
        return;
    free(c->a);
    free(c->foff);
    free(c->ans);
    free(c);
}

static item *new_item(chunk *c, unsigned long line)
{
    item *it = &c->it[c->n++];

    memset(it, 0, sizeof *it);
    it->line = it->lines[0] = it->lines[1] = it->lines[2] = line;
    it->qi = -1;
    it->msg = it->text = it->state = it->number = it->type = it->variant = NONE;
    return it;
}

/* Mark an item invalid with "FILE:LINE: ..." (the message is formatted by the caller). */
static int item_fail(chunk *c, item *it, int code, const char *msg)
{
    it->error = code;
    return put(c, msg, strlen(msg), &it->msg);
}

/* ---- the screening ----------------------------------------------------------------------------- */

enum { CS_START, CS_UNQ, CS_QUO, CS_QQ, CS_SKIP }; /* CSV states */

typedef struct screen {
    sltd_db *db;
    sltd_screen_options o;
    int format;

    /* input */
    int fd, own_fd;
    char *name;
    unsigned char *buf;
    size_t pos, end;
    int in_eof, started;
    uint64_t bytes, total;
    int input_done; /* every row has been read */

    /* line reader (MRZ, JSON) */
    char *lbuf;
    size_t llen;
    int ltoo_long;
    unsigned long line; /* physical line of the next byte */

    /* CSV */
    int cs, in_row, row_bad;
    unsigned long row_line, field_line;
    size_t nfields, flen, mark_used, mark_nf;
    uint32_t fstart;
    char row_msg[MSG_MAX];
    int header_done;
    char *names[FIELDS_MAX];
    size_t nnames;
    int h_state, h_number, h_type;

    /* MRZ grouping */
    char doc[3 * (MRZ_LINE_MAX + 1)];
    size_t doc_len, doc_first_len;
    unsigned ndoc, doc_want;
    unsigned long doc_lines[3];

    /* threads */
    pthread_mutex_t mu;
    pthread_cond_t work_cv, done_cv;
    chunk *slot[2 * SLTD_SCREEN_THREADS_MAX + 2];
    size_t nslots;
    uint64_t fill, work, emit, next_index;
    int eof, stop;

    sltd_screen_report rep;
    struct timespec t0, last;
} screen;

static chunk *slot_of(screen *s, uint64_t seq)
{
    return s->slot[seq % s->nslots];
}

/* ---- input ---- */

static int in_open(screen *s, const char *path)
{
    struct stat st;

    if ((s->name = strdup(strcmp(path, "-") == 0 ? "<stdin>" : path)) == NULL ||
        (s->buf = malloc(READ_SIZE)) == NULL)
        return sltd__err(SLTD_ENOMEM, "out of memory");
    if (strcmp(path, "-") == 0) {
        s->fd = STDIN_FILENO;
    } else {
        if ((s->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
            int e = errno;
            return sltd__err(e == ENOENT || e == ENOTDIR ? SLTD_ENOENT : e == ENOMEM ? SLTD_ENOMEM : SLTD_EIO,
                             "%s: cannot open: %s", s->name, strerror(e));
        }
        s->own_fd = 1;
    }
    if (fstat(s->fd, &st) == 0 && S_ISREG(st.st_mode))
        s->total = (uint64_t)st.st_size;
    else if (fstat(s->fd, &st) == 0 && S_ISDIR(st.st_mode))
        return sltd__err(SLTD_EIO, "%s: is a directory", s->name);
    return 0;
}

/* Refill the buffer (it is empty). 0, or SLTD_EIO. Sets in_eof at the end. */
static int in_fill(screen *s)
{
    ssize_t r;

    do
        r = read(s->fd, s->buf, READ_SIZE);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return sltd__err(SLTD_EIO, "%s:%lu: read error: %s", s->name, s->line, strerror(errno));
    s->pos = 0;
    s->end = (size_t)r;
    s->bytes += (uint64_t)r;
    if (r == 0)
        s->in_eof = 1;
    if (!s->started && r > 0) {
        s->started = 1;
        if (s->end >= 3 && s->buf[0] == 0xEF && s->buf[1] == 0xBB && s->buf[2] == 0xBF)
            s->pos = 3;
    }
    return 0;
}

/* The next line (LF excluded, a CR before it too) into *p and *len: 1; 0 at the end. A line longer than
 * max is cut at max and *too_long set (the rest is skipped); *line gets its physical line. */
static int line_next(screen *s, const char **p, size_t *len, int *too_long, unsigned long *line, size_t max)
{
    int rc, any = 0;

    s->llen = 0;
    s->ltoo_long = 0;
    for (;;) {
        if (s->pos == s->end) {
            if (!s->in_eof && (rc = in_fill(s)) != 0)
                return rc;
            if (s->pos == s->end) {
                if (s->in_eof && !any)
                    return 0;
                if (s->in_eof)
                    break;
                continue;
            }
        }
        const unsigned char *b = s->buf + s->pos, *nl = memchr(b, '\n', s->end - s->pos);
        size_t n = nl != NULL ? (size_t)(nl - b) : s->end - s->pos;

        if (nl != NULL && !any && n <= max) { /* the whole line is in the buffer */
            s->pos += n + 1;
            *p = (const char *)b;
            *len = n > 0 && b[n - 1] == '\r' ? n - 1 : n;
            *too_long = 0;
            *line = s->line++;
            return 1;
        }
        any = 1;
        if (s->llen + n > max) {
            memcpy(s->lbuf + s->llen, b, max - s->llen);
            s->llen = max;
            s->ltoo_long = 1;
        } else {
            memcpy(s->lbuf + s->llen, b, n);
            s->llen += n;
        }
        s->pos += n;
        if (nl != NULL) {
            s->pos++;
            break;
        }
    }
    *p = s->lbuf;
    *len = s->llen > 0 && s->lbuf[s->llen - 1] == '\r' && !s->ltoo_long ? s->llen - 1 : s->llen;
    *too_long = s->ltoo_long;
    *line = s->line++;
    return 1;
}

/* ---- CSV ---- */

/* byte classes of the unquoted scan: 1 for ',', '\n', '\r', '"', NUL */
static const unsigned char csv_special[256] = { [0] = 1, [','] = 1, ['\n'] = 1, ['\r'] = 1, ['"'] = 1 };

static void csv_row_error(screen *s, unsigned long line, const char *what)
{
    if (s->row_bad)
        return;
    s->row_bad = 1;
    snprintf(s->row_msg, sizeof s->row_msg, "%s:%lu: %s", s->name, line, what);
}

static void csv_row_open(screen *s, chunk *c)
{
    s->in_row = 1;
    s->row_bad = 0;
    s->nfields = 0;
    s->flen = 0;
    s->row_line = s->field_line = s->line;
    s->mark_used = c->used;
    s->mark_nf = c->nf;
    s->fstart = (uint32_t)c->used;
}

static int csv_add(screen *s, chunk *c, const unsigned char *p, size_t n)
{
    if (s->row_bad || n == 0)
        return 0;
    if (s->flen + n > FIELD_MAX) {
        char what[64];
        snprintf(what, sizeof what, "field %zu is longer than %d bytes", s->nfields + 1, FIELD_MAX);
        csv_row_error(s, s->row_line, what);
        return 0;
    }
    if (reserve(c, n + 1) != 0)
        return SLTD_ENOMEM;
    memcpy(c->a + c->used, p, n);
    c->used += n;
    s->flen += n;
    return 0;
}

static int csv_field_end(screen *s, chunk *c)
{
    if (!s->row_bad) {
        if (s->nfields == FIELDS_MAX) {
            csv_row_error(s, s->row_line, "more than 64 fields in the row");
        } else {
            if (reserve(c, 1) != 0)
                return SLTD_ENOMEM;
            c->a[c->used++] = '\0';
            if (push_off(c, s->fstart) != 0)
                return SLTD_ENOMEM;
        }
    }
    s->nfields++;
    s->flen = 0;
    s->fstart = (uint32_t)c->used;
    s->field_line = s->line;
    return 0;
}

static int header_set(screen *s, chunk *c)
{
    int nat = -1, st = -1, ist = -1;
    size_t i;

    for (i = 0; i < s->nfields; i++) {
        const char *f = c->a + c->foff[s->mark_nf + i];
        size_t l = strlen(f);
        while (l > 0 && (*f == ' ' || *f == '\t'))
            f++, l--;
        while (l > 0 && (f[l - 1] == ' ' || f[l - 1] == '\t'))
            l--;
        if ((s->names[i] = strndup(f, l)) == NULL)
            return sltd__err(SLTD_ENOMEM, "out of memory");
        s->nnames = i + 1;
        if (strcasecmp(s->names[i], "issuing_state") == 0)
            ist = (int)i;
        else if (strcasecmp(s->names[i], "state") == 0)
            st = (int)i;
        else if (strcasecmp(s->names[i], "nationality") == 0)
            nat = (int)i;
        else if (strcasecmp(s->names[i], "number") == 0)
            s->h_number = (int)i;
        else if (strcasecmp(s->names[i], "type") == 0)
            s->h_type = (int)i;
    }
    /* The issuing state is the key; nationality stands in for it only when nothing better is given. */
    s->h_state = ist >= 0 ? ist : st >= 0 ? st : nat;
    if (s->h_state < 0 || s->h_number < 0)
        return sltd__err(SLTD_EFORMAT, "%s:%lu: the header must name a 'state' (or 'issuing_state' or "
                                       "'nationality') column and a 'number' column",
                         s->name, s->row_line);
    s->header_done = 1;
    return 0;
}

/* The row is complete: make it an item (1), or skip it (blank row, header: 0). */
static int csv_row_end(screen *s, chunk *c)
{
    item *it;
    int rc;

    s->in_row = 0;
    s->cs = CS_START;
    if (!s->row_bad && s->nfields == 1) { /* blank: nothing, or only spaces and tabs */
        const char *f = c->a + c->foff[s->mark_nf];
        while (*f == ' ' || *f == '\t')
            f++;
        if (*f == '\0') {
            c->used = s->mark_used;
            c->nf = s->mark_nf;
            return 0;
        }
    }
    if (!s->header_done) {
        if (s->row_bad)
            return sltd__err(SLTD_EFORMAT, "%s", s->row_msg);
        rc = header_set(s, c);
        c->used = s->mark_used;
        c->nf = s->mark_nf;
        return rc;
    }
    it = new_item(c, s->row_line);
    if (!s->row_bad && s->nfields != s->nnames) {
        snprintf(s->row_msg, sizeof s->row_msg, "%s:%lu: %zu fields, the header has %zu", s->name, s->row_line,
                 s->nfields, s->nnames);
        s->row_bad = 1;
    }
    if (s->row_bad) {
        c->used = s->mark_used;
        c->nf = s->mark_nf;
        return item_fail(c, it, SLTD_EFORMAT, s->row_msg) != 0 ? SLTD_ENOMEM : 1;
    }
    it->first = (uint32_t)s->mark_nf;
    it->nfields = (uint32_t)s->nfields;
    it->state = c->foff[s->mark_nf + (size_t)s->h_state];
    it->number = c->foff[s->mark_nf + (size_t)s->h_number];
    if (s->h_type >= 0 && c->a[c->foff[s->mark_nf + (size_t)s->h_type]] != '\0')
        it->type = c->foff[s->mark_nf + (size_t)s->h_type];
    return 1;
}

static int csv_quoting_error(screen *s)
{
    csv_row_error(s, s->line, "invalid quoting: a '\"' inside an unquoted field, or text after a closing quote");
    s->cs = CS_SKIP;
    return 0;
}

/* A field ends at ch, a comma or a line end (which ends the row too). */
static int csv_delim(screen *s, chunk *c, unsigned char ch)
{
    int rc = csv_field_end(s, c);

    if (rc != 0)
        return rc;
    if (ch == ',') {
        s->cs = CS_START;
        return 0;
    }
    if (ch == '\n')
        s->line++;
    return csv_row_end(s, c);
}

/* The next row into c: 1 (an item added), 0 at the end of the input, or a fatal code. */
static int csv_next(screen *s, chunk *c)
{
    int rc;

    for (;;) {
        if (s->pos == s->end) {
            if (!s->in_eof && (rc = in_fill(s)) != 0)
                return rc;
            if (s->pos == s->end && s->in_eof) {
                if (!s->in_row)
                    return 0;
                if (s->cs == CS_QUO) {
                    s->row_bad = 0; /* the unclosed quote explains any error noted since */
                    csv_row_error(s, s->field_line, "quoted field opened here is not closed at the end of the input");
                } else if (s->cs != CS_SKIP && (rc = csv_field_end(s, c)) != 0) {
                    return rc;
                }
                rc = csv_row_end(s, c);
                if (rc != 0)
                    return rc;
                continue;
            }
            continue;
        }
        const unsigned char *b = s->buf, *e = s->buf + s->end, *p = s->buf + s->pos;
        unsigned char ch;

        switch (s->cs) {
        case CS_START:
            ch = *p;
            if (!s->in_row) {
                if (ch == '\n') {
                    s->line++;
                    s->pos++;
                    continue;
                }
                if (ch == '\r') {
                    s->pos++;
                    continue;
                }
                csv_row_open(s, c);
            }
            if (ch == '"') {
                s->field_line = s->line;
                s->cs = CS_QUO;
                s->pos++;
                continue;
            }
            s->cs = CS_UNQ;
            /* fall through */
        case CS_UNQ: {
            const unsigned char *q = p;
            while (q < e && !csv_special[*q])
                q++;
            if ((rc = csv_add(s, c, p, (size_t)(q - p))) != 0)
                return rc;
            s->pos = (size_t)(q - b);
            if (q == e)
                continue;
            ch = *q;
            s->pos++;
            if (ch == ',' || ch == '\n' || ch == '\r') {
                if ((rc = csv_delim(s, c, ch)) != 0)
                    return rc;
            } else if (ch == '"') {
                csv_quoting_error(s);
            } else { /* NUL */
                csv_row_error(s, s->line, "NUL byte in the input");
                if ((rc = csv_add(s, c, (const unsigned char *)"?", 1)) != 0)
                    return rc;
            }
            continue;
        }
        case CS_QUO: {
            const unsigned char *q = p;
            while (q < e && *q != '"' && *q != '\n' && *q != '\0')
                q++;
            if ((rc = csv_add(s, c, p, (size_t)(q - p))) != 0)
                return rc;
            s->pos = (size_t)(q - b);
            if (q == e)
                continue;
            s->pos++;
            if (*q == '"') {
                s->cs = CS_QQ;
            } else if (*q == '\n') {
                s->line++;
                if ((rc = csv_add(s, c, q, 1)) != 0)
                    return rc;
            } else {
                csv_row_error(s, s->line, "NUL byte in the input");
                if ((rc = csv_add(s, c, (const unsigned char *)"?", 1)) != 0)
                    return rc;
            }
            continue;
        }
        case CS_QQ:
            ch = *p;
            s->pos++;
            if (ch == '"') {
                if ((rc = csv_add(s, c, p, 1)) != 0)
                    return rc;
                s->cs = CS_QUO;
            } else if (ch == ',' || ch == '\n' || ch == '\r') {
                if ((rc = csv_delim(s, c, ch)) != 0)
                    return rc;
            } else if (ch == '\0') { /* as csvread: a stand-in quote, the field goes on */
                csv_row_error(s, s->line, "NUL byte in the input");
                if ((rc = csv_add(s, c, (const unsigned char *)"\"", 1)) != 0)
                    return rc;
                s->cs = CS_QUO;
            } else {
                s->pos--;
                csv_quoting_error(s);
            }
            continue;
        case CS_SKIP: {
            const unsigned char *nl = memchr(p, '\n', (size_t)(e - p));
            if (nl == NULL) {
                s->pos = s->end;
                continue;
            }
            s->pos = (size_t)(nl - b) + 1;
            s->line++;
            if ((rc = csv_row_end(s, c)) != 0)
                return rc;
            continue;
        }
        default:
            return SLTD_EINVAL;
        }
    }
}

/* ---- MRZ text ---- */

static int mrz_flush(screen *s, chunk *c)
{
    item *it;
    unsigned i;

    if (s->ndoc == 0)
        return 0;
    it = new_item(c, s->doc_lines[0]);
    for (i = 0; i < 3; i++)
        it->lines[i] = s->doc_lines[i < s->ndoc ? i : s->ndoc - 1];
    it->text_len = (uint32_t)s->doc_len;
    s->ndoc = 0;
    s->doc_len = 0;
    return put(c, s->doc, it->text_len, &it->text) != 0 ? SLTD_ENOMEM : 1;
}

static int is_blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

/* The next MRZ document: 1 (an item added), 0 at the end, or a fatal code. */
static int mrz_next(screen *s, chunk *c)
{
    const char *p;
    size_t len;
    unsigned long line;
    int too_long, rc;

    for (;;) {
        if ((rc = line_next(s, &p, &len, &too_long, &line, MRZ_LINE_MAX)) < 0)
            return rc;
        if (rc == 0)
            return mrz_flush(s, c);
        while (len > 0 && is_blank(*p))
            p++, len--;
        while (len > 0 && is_blank(p[len - 1]))
            len--;
        if (too_long) { /* the document before ends here; this line is an invalid row of its own */
            char msg[MSG_MAX];
            item *it;
            if ((rc = mrz_flush(s, c)) < 0)
                return rc;
            it = new_item(c, line);
            snprintf(msg, sizeof msg, "%s:%lu: MRZ line longer than %d bytes", s->name, line, MRZ_LINE_MAX);
            return item_fail(c, it, SLTD_EMRZ, msg) != 0 ? SLTD_ENOMEM : 1;
        }
        if (len == 0) {
            if ((rc = mrz_flush(s, c)) != 0)
                return rc;
            continue;
        }
        if (s->ndoc > 0 && len != s->doc_first_len && (rc = mrz_flush(s, c)) != 0) {
            /* the line length changed: the document before was incomplete; this line starts the next */
            s->doc_first_len = len;
            s->doc_want = len == 30 ? 3 : 2;
            memcpy(s->doc, p, len);
            s->doc_len = len;
            s->doc_lines[0] = line;
            s->ndoc = 1;
            return rc;
        }
        if (s->ndoc == 0) {
            s->doc_first_len = len;
            s->doc_want = len == 30 ? 3 : 2;
        } else {
            s->doc[s->doc_len++] = '\n';
        }
        memcpy(s->doc + s->doc_len, p, len);
        s->doc_len += len;
        s->doc_lines[s->ndoc++] = line;
        if (s->ndoc == s->doc_want)
            return mrz_flush(s, c);
    }
}

/* ---- JSON Lines ---- */

static int json_next(screen *s, chunk *c)
{
    const char *p;
    size_t len, i;
    unsigned long line;
    int too_long, rc;
    item *it;

    for (;;) {
        if ((rc = line_next(s, &p, &len, &too_long, &line, JSON_LINE_MAX)) <= 0)
            return rc;
        for (i = 0; i < len && (is_blank(p[i]) || p[i] == '\n'); i++)
            ;
        if (i == len && !too_long)
            continue;
        it = new_item(c, line);
        if (too_long) {
            char msg[MSG_MAX];
            snprintf(msg, sizeof msg, "%s:%lu: line longer than %u bytes", s->name, line, JSON_LINE_MAX);
            return item_fail(c, it, SLTD_EFORMAT, msg) != 0 ? SLTD_ENOMEM : 1;
        }
        it->text_len = (uint32_t)len;
        return put(c, p, len, &it->text) != 0 ? SLTD_ENOMEM : 1;
    }
}

/* Fill a chunk: 0 (s->in_eof tells whether the input is exhausted), or a fatal code. */
static int read_chunk(screen *s, chunk *c)
{
    int rc = 0;

    chunk_reset(c);
    c->first_index = s->next_index;
    /* room for two items: an MRZ line that ends one document may also make another */
    while (c->n + 2 <= CHUNK_ROWS && c->used < CHUNK_BYTES) {
        rc = s->format == SLTD_SCREEN_CSV ? csv_next(s, c) : s->format == SLTD_SCREEN_MRZ ? mrz_next(s, c)
                                                                                          : json_next(s, c);
        if (rc < 0)
            return rc == SLTD_ENOMEM ? sltd__err(rc, "out of memory") : rc;
        if (rc == 0) {
            s->input_done = 1;
            break;
        }
    }
    if (rc == 0 && s->format == SLTD_SCREEN_CSV && !s->header_done && s->in_eof)
        return sltd__err(SLTD_EFORMAT, "%s: empty manifest (a header row is required)", s->name);
    s->next_index += c->n;
    c->bytes_end = s->bytes;
    return 0;
}

/* ---- looking a chunk up (any thread) ---- */

static void field_error(chunk *c, item *it, const char *name, int code)
{
    char msg[MSG_MAX];
    const char *what = code == SLTD_ESTATE ? "state" : code == SLTD_ENUMBER ? "number" : "type";
    uint32_t v = code == SLTD_ESTATE ? it->state : code == SLTD_ENUMBER ? it->number : it->type;

    snprintf(msg, sizeof msg, "%s:%lu: field '%s': \"%.40s\": %s", name, it->line, what, str(c, v),
             sltd_strerror(code));
    if (item_fail(c, it, code, msg) != 0)
        c->rc = SLTD_ENOMEM;
}

static void fatal(chunk *c, int rc)
{
    if (c->rc == 0) {
        c->rc = rc;
        snprintf(c->fatal, sizeof c->fatal, "%s", sltd_errmsg(NULL));
    }
}

/* An MRZ document (text) of item `it`: parse, check, queue its lookup (or look it up with variants). */
static void prep_mrz(screen *s, chunk *c, size_t idx, const char *text, size_t len)
{
    item *it = &c->it[idx];
    char msg[MSG_MAX];
    sltd_mrz m;
    int rc;

    if (s->o.flags & SLTD_SCREEN_OCR_VARIANTS) {
        sltd_mrz_answer *a = &c->ans[idx];
        rc = sltd_lookup_mrz(a, s->db, text, len, SLTD_MRZ_OCR_VARIANTS);
        m = a->mrz;
        if (rc == 0) {
            it->listed = a->result.listed || a->variant_match;
            if ((put(c, m.issuing_state, strlen(m.issuing_state), &it->state) != 0 ||
                 put(c, m.number, strlen(m.number), &it->number) != 0 ||
                 (a->variant_match && put(c, a->variant_number, strlen(a->variant_number), &it->variant) != 0)))
                c->rc = SLTD_ENOMEM;
            return;
        }
        if (rc != SLTD_ECHECKDIGIT && rc != SLTD_EMRZ && rc != SLTD_ESTATE && rc != SLTD_ENUMBER) {
            fatal(c, rc);
            return;
        }
    } else {
        rc = sltd_mrz_parse(&m, text, len);
        if (rc == 0 && !sltd__mrz_key_trusted(&m))
            rc = SLTD_ECHECKDIGIT;
    }
    if (rc == 0 || rc == SLTD_ECHECKDIGIT) {
        if (put(c, m.issuing_state, strlen(m.issuing_state), &it->state) != 0 ||
            put(c, m.number, strlen(m.number), &it->number) != 0 || put(c, m.doc_code, strlen(m.doc_code), &it->type) != 0) {
            c->rc = SLTD_ENOMEM;
            return;
        }
    }
    if (rc == 0) {
        it->qi = 0; /* numbered when the batch is built */
        return;
    }
    if (rc == SLTD_ECHECKDIGIT) {
        const sltd_mrz_check *k = m.number_check.status != SLTD_MRZ_CHECK_OK ? &m.number_check : &m.composite_check;
        snprintf(msg, sizeof msg, "%s:%lu: mrz: the %s check digit is wrong (printed '%c', computed '%c'): "
                                  "the document number cannot be trusted%s",
                 s->name, it->lines[m.kind == SLTD_MRZ_TD1 ? 0 : 1],
                 k == &m.number_check ? "document number" : "composite", k->found ? k->found : '?',
                 k->expected ? k->expected : '?',
                 (s->o.flags & SLTD_SCREEN_OCR_VARIANTS) ? " (no listed OCR variant)" : "");
    } else {
        unsigned long pl = it->line;
        if (m.error_line >= 1 && m.error_line <= 3)
            pl = it->lines[m.error_line - 1];
        snprintf(msg, sizeof msg, "%s:%lu: mrz: position %d: %s (%s)", s->name, pl, m.error_pos,
                 m.error_msg ? m.error_msg : "malformed", sltd_strerror(rc));
    }
    if (item_fail(c, it, rc, msg) != 0)
        c->rc = SLTD_ENOMEM;
}

static int json_put_value(chunk *c, json_t *v, uint32_t *off)
{
    char *t;
    int rc;

    if (json_is_string(v))
        return put(c, json_string_value(v), json_string_length(v), off);
    if ((t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)) == NULL)
        return SLTD_ENOMEM;
    rc = put(c, t, strlen(t), off);
    free(t);
    return rc;
}

static void prep_json(screen *s, chunk *c, size_t idx)
{
    item *it = &c->it[idx];
    char msg[MSG_MAX];
    json_error_t e;
    json_t *o, *v, *mrz, *st, *num, *typ;
    const char *key, *which = NULL;
    size_t n = 0, k;
    uint32_t first;

    o = json_loadb(c->a + it->text, it->text_len, JSON_REJECT_DUPLICATES, &e);
    if (o == NULL || !json_is_object(o)) {
        if (o == NULL)
            snprintf(msg, sizeof msg, "%s:%lu: invalid JSON at column %d: %s", s->name, it->line, e.column, e.text);
        else
            snprintf(msg, sizeof msg, "%s:%lu: not a JSON object", s->name, it->line);
        json_decref(o);
        if (item_fail(c, it, SLTD_EFORMAT, msg) != 0)
            c->rc = SLTD_ENOMEM;
        return;
    }
    if (json_object_size(o) > FIELDS_MAX) {
        snprintf(msg, sizeof msg, "%s:%lu: more than %d members", s->name, it->line, FIELDS_MAX);
        goto bad;
    }
    /* pass-through: the values, then the names */
    first = (uint32_t)c->nf;
    json_object_foreach(o, key, v) {
        uint32_t off;
        if (json_put_value(c, v, &off) != 0 || push_off(c, off) != 0)
            goto nomem;
        n++;
    }
    json_object_foreach(o, key, v) {
        uint32_t off;
        if (put(c, key, strlen(key), &off) != 0 || push_off(c, off) != 0)
            goto nomem;
    }
    it->first = first;
    it->nfields = (uint32_t)n;

    if ((mrz = json_object_get(o, "mrz")) != NULL) {
        char text[MRZ_TEXT_MAX];
        size_t len = 0;
        if (json_is_string(mrz)) {
            len = json_string_length(mrz);
            if (len >= sizeof text)
                goto mrz_long;
            memcpy(text, json_string_value(mrz), len);
        } else if (json_is_array(mrz)) {
            json_array_foreach(mrz, k, v) {
                size_t l;
                if (!json_is_string(v)) {
                    snprintf(msg, sizeof msg, "%s:%lu: field 'mrz': an array of strings is expected", s->name, it->line);
                    goto bad;
                }
                l = json_string_length(v);
                if (len + l + 1 >= sizeof text)
                    goto mrz_long;
                if (k > 0)
                    text[len++] = '\n';
                memcpy(text + len, json_string_value(v), l);
                len += l;
            }
        } else {
            snprintf(msg, sizeof msg, "%s:%lu: field 'mrz': a string or an array of strings is expected", s->name,
                     it->line);
            goto bad;
        }
        json_decref(o);
        prep_mrz(s, c, idx, text, len);
        return;
    mrz_long:
        snprintf(msg, sizeof msg, "%s:%lu: field 'mrz': longer than %d bytes", s->name, it->line, MRZ_TEXT_MAX);
        goto bad;
    }
    st = json_object_get(o, which = "issuing_state");
    if (st == NULL)
        st = json_object_get(o, which = "state");
    if (st == NULL)
        st = json_object_get(o, which = "nationality");
    num = json_object_get(o, "number");
    typ = json_object_get(o, "type");
    if (st == NULL || num == NULL) {
        snprintf(msg, sizeof msg, "%s:%lu: field '%s': missing (give 'state' and 'number', or 'mrz')", s->name,
                 it->line, st == NULL ? "state" : "number");
        goto bad;
    }
    if (!json_is_string(st) || !json_is_string(num) || (typ != NULL && !json_is_string(typ))) {
        snprintf(msg, sizeof msg, "%s:%lu: field '%s': must be a string", s->name, it->line,
                 !json_is_string(st) ? which : !json_is_string(num) ? "number" : "type");
        goto bad;
    }
    if (put(c, json_string_value(st), json_string_length(st), &it->state) != 0 ||
        put(c, json_string_value(num), json_string_length(num), &it->number) != 0 ||
        (typ != NULL && json_string_length(typ) > 0 &&
         put(c, json_string_value(typ), json_string_length(typ), &it->type) != 0))
        goto nomem;
    if (strlen(str(c, it->state)) != json_string_length(st) || strlen(str(c, it->number)) != json_string_length(num)) {
        snprintf(msg, sizeof msg, "%s:%lu: a NUL character in 'state' or 'number'", s->name, it->line);
        goto bad;
    }
    it->qi = 0;
    json_decref(o);
    return;
bad:
    json_decref(o);
    if (item_fail(c, it, SLTD_EFORMAT, msg) != 0)
        c->rc = SLTD_ENOMEM;
    return;
nomem:
    json_decref(o);
    c->rc = SLTD_ENOMEM;
}

static void process(screen *s, chunk *c)
{
    size_t i, nq = 0;
    int rc;

    if ((s->o.flags & SLTD_SCREEN_OCR_VARIANTS) && s->format != SLTD_SCREEN_CSV && c->ans == NULL &&
        (c->ans = malloc(CHUNK_ROWS * sizeof *c->ans)) == NULL) {
        c->rc = SLTD_ENOMEM;
        return;
    }
    for (i = 0; i < c->n && c->rc == 0; i++) {
        item *it = &c->it[i];
        if (it->error != 0)
            continue;
        if (s->format == SLTD_SCREEN_MRZ)
            prep_mrz(s, c, i, c->a + it->text, it->text_len);
        else if (s->format == SLTD_SCREEN_JSONL)
            prep_json(s, c, i);
        else
            it->qi = 0;
    }
    if (c->rc != 0)
        return;
    for (i = 0; i < c->n; i++) { /* the arena no longer moves: pointers are safe now */
        item *it = &c->it[i];
        if (it->error != 0 || it->qi < 0)
            continue;
        it->qi = (int)nq;
        c->q[nq].state = c->a + it->state;
        c->q[nq].number = c->a + it->number;
        c->q[nq].type = it->type != NONE ? c->a + it->type : NULL;
        nq++;
    }
    if (nq > 0 && (rc = sltd_lookup_batch(c->res, s->db, c->q, nq)) != 0) {
        fatal(c, rc);
        return;
    }
    for (i = 0; i < c->n && c->rc == 0; i++) {
        item *it = &c->it[i];
        const sltd_result *r;
        if (it->error != 0 || it->qi < 0)
            continue;
        r = &c->res[it->qi];
        if (r->error == SLTD_ESTATE || r->error == SLTD_ENUMBER || r->error == SLTD_ETYPE)
            field_error(c, it, s->name, r->error);
        else if (r->error != 0)
            fatal(c, r->error);
        else
            it->listed = r->listed;
    }
}

/* ---- emitting (calling thread) ---- */

typedef struct jbuf {
    char b[2048];
    size_t n;
} jbuf;

static void jraw(jbuf *j, const char *s)
{
    size_t l = strlen(s);
    if (j->n + l < sizeof j->b) {
        memcpy(j->b + j->n, s, l);
        j->n += l;
    }
    j->b[j->n] = '\0';
}

static void jstr(jbuf *j, const char *s)
{
    char e[8];
    jraw(j, "\"");
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') {
            e[0] = '\\', e[1] = (char)ch, e[2] = '\0';
        } else if (ch < 0x20 || ch == 0x7f) {
            snprintf(e, sizeof e, "\\u%04x", ch);
        } else {
            e[0] = (char)ch, e[1] = '\0';
        }
        jraw(j, e);
    }
    jraw(j, "\"");
}

static int audit(screen *s, const chunk *c, const item *it, uint64_t index, const sltd_result *r, const char *variant)
{
    sltd_screen_audit a;
    struct timespec now;
    struct tm tm;
    char t[64], input[MSG_MAX], num[32];
    jbuf j;
    unsigned i;

    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    strftime(t, sizeof t, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(t + strlen(t), sizeof t - strlen(t), ".%03ldZ", now.tv_nsec / 1000000L);
    snprintf(input, sizeof input, "%s:%lu", s->name, it->line);
    j.n = 0;
    jraw(&j, "{\"time\":");
    jstr(&j, t);
    snprintf(num, sizeof num, "%llu", (unsigned long long)r->data_sequence);
    jraw(&j, ",\"event\":\"hit\",\"data_sequence\":");
    jraw(&j, num);
    jraw(&j, ",\"input\":");
    jstr(&j, input);
    snprintf(num, sizeof num, "%llu", (unsigned long long)index);
    jraw(&j, ",\"document\":");
    jraw(&j, num);
    jraw(&j, ",\"state\":");
    jstr(&j, str(c, it->state));
    jraw(&j, ",\"status\":");
    jstr(&j, r->nrecords ? sltd_status_name(r->records[0].status) : "");
    jraw(&j, ",\"reference\":");
    jstr(&j, r->nrecords ? r->records[0].reference : "");
    jraw(&j, ",\"listings\":[");
    for (i = 0; i < r->nrecords; i++) {
        jraw(&j, i ? ",{\"status\":" : "{\"status\":");
        jstr(&j, sltd_status_name(r->records[i].status));
        jraw(&j, ",\"type\":");
        jstr(&j, r->records[i].type);
        jraw(&j, ",\"reporting_state\":");
        jstr(&j, r->records[i].reporting_state);
        jraw(&j, ",\"reference\":");
        jstr(&j, r->records[i].reference);
        jraw(&j, "}");
    }
    jraw(&j, "],\"variant\":");
    jraw(&j, variant ? "1" : "0");
    if (s->o.flags & SLTD_SCREEN_AUDIT_NUMBERS) {
        jraw(&j, ",\"number\":");
        jstr(&j, str(c, it->number));
        if (variant) {
            jraw(&j, ",\"variant_number\":");
            jstr(&j, variant);
        }
    }
    jraw(&j, "}");
    memset(&a, 0, sizeof a);
    a.version = SLTD_SCREEN_AUDIT_VERSION;
    a.json = j.b;
    a.time = (int64_t)now.tv_sec;
    a.data_sequence = r->data_sequence;
    a.input = input;
    a.record = r->nrecords ? &r->records[0] : NULL;
    a.number = (s->o.flags & SLTD_SCREEN_AUDIT_NUMBERS) ? str(c, it->number) : NULL;
    return s->o.audit_fn(s->o.audit_ctx, &a);
}

static int emit_chunk(screen *s, const chunk *c)
{
    const char *names[FIELDS_MAX], *vals[FIELDS_MAX];
    size_t i, k;
    int rc;

    for (i = 0; i < c->n; i++) {
        const item *it = &c->it[i];
        const sltd_result *r = NULL, *vr = NULL;
        const sltd_mrz_answer *a = NULL;
        sltd_screen_row row;

        if (it->error != 0) {
            s->rep.invalid++;
        } else {
            s->rep.documents++;
            s->rep.hits += (uint64_t)(it->listed != 0);
            if (it->qi >= 0) {
                r = &c->res[it->qi];
            } else {
                a = &c->ans[i];
                r = &a->result;
                vr = a->variant_match ? &a->variant_result : NULL;
            }
        }
        if (it->listed && s->o.audit_fn != NULL &&
            (rc = audit(s, c, it, c->first_index + i, r->listed || vr == NULL ? r : vr,
                        vr != NULL ? str(c, it->variant) : NULL)) != 0)
            return rc;
        if (s->o.row_fn == NULL || (it->error == 0 && !it->listed && !(s->o.flags & SLTD_SCREEN_ALL)))
            continue;
        memset(&row, 0, sizeof row);
        row.version = SLTD_SCREEN_ROW_VERSION;
        row.index = c->first_index + i;
        row.line = it->line;
        row.error = it->error;
        row.error_msg = str(c, it->msg);
        row.state = str(c, it->state);
        row.number = str(c, it->number);
        row.listed = it->error == 0 && it->listed;
        row.result = r;
        row.variant_number = str(c, it->variant);
        row.variant_result = vr;
        if (s->format == SLTD_SCREEN_CSV) {
            row.names = (const char *const *)s->names;
            row.nfields = s->nnames; /* a row with the wrong field count passes empty fields */
            for (k = 0; k < row.nfields; k++)
                vals[k] = k < it->nfields ? c->a + c->foff[it->first + k] : "";
        } else {
            row.nfields = it->nfields;
            for (k = 0; k < row.nfields; k++) {
                vals[k] = c->a + c->foff[it->first + k];
                names[k] = c->a + c->foff[it->first + it->nfields + k];
            }
            row.names = names;
        }
        row.fields = vals;
        if ((rc = s->o.row_fn(s->o.row_ctx, &row)) != 0)
            return rc;
    }
    return 0;
}

static double since(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void progress(screen *s, uint64_t bytes, int done)
{
    sltd_screen_progress p;
    struct timespec now;
    unsigned ms = s->o.progress_ms ? s->o.progress_ms : 250;

    if (s->o.progress_fn == NULL)
        return;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (!done && since(&s->last, &now) * 1000.0 < (double)ms)
        return;
    s->last = now;
    memset(&p, 0, sizeof p);
    p.version = SLTD_SCREEN_PROGRESS_VERSION;
    p.documents = s->rep.documents;
    p.hits = s->rep.hits;
    p.invalid = s->rep.invalid;
    p.bytes_read = bytes;
    p.bytes_total = s->total;
    p.seconds = since(&s->t0, &now);
    p.done = done;
    s->o.progress_fn(s->o.progress_ctx, &p);
}

/* ---- threads ---- */

static void *worker(void *arg)
{
    screen *s = arg;
    chunk *c;

    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (!s->stop && s->work == s->fill && !s->eof)
            pthread_cond_wait(&s->work_cv, &s->mu);
        if (s->stop || s->work == s->fill)
            break;
        c = slot_of(s, s->work++);
        pthread_mutex_unlock(&s->mu);
        process(s, c);
        pthread_mutex_lock(&s->mu);
        c->done = 1;
        pthread_cond_broadcast(&s->done_cv);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* The calling thread: read, help, emit in order. 0, or the first fatal code / callback value. */
static int run(screen *s)
{
    int rc = 0;
    chunk *c;

    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (s->emit < s->fill && slot_of(s, s->emit)->done) {
            c = slot_of(s, s->emit);
            pthread_mutex_unlock(&s->mu);
            if (c->rc != 0)
                rc = c->fatal[0] ? sltd__err(c->rc, "%s", c->fatal) : c->rc == SLTD_ENOMEM ? sltd__err(c->rc, "out of memory") : c->rc;
            else
                rc = emit_chunk(s, c);
            progress(s, c->bytes_end, 0);
            pthread_mutex_lock(&s->mu);
            if (rc != 0)
                goto out;
            s->emit++;
        }
        if (s->eof && s->emit == s->fill)
            break;
        if (!s->eof && s->fill - s->emit < s->nslots) {
            size_t k = (size_t)(s->fill % s->nslots);
            pthread_mutex_unlock(&s->mu);
            if (s->slot[k] == NULL && (s->slot[k] = calloc(1, sizeof(chunk))) == NULL)
                rc = sltd__err(SLTD_ENOMEM, "out of memory");
            if (rc == 0)
                rc = read_chunk(s, s->slot[k]);
            pthread_mutex_lock(&s->mu);
            if (rc != 0)
                goto out;
            if (s->slot[k]->n > 0) {
                s->fill++;
                pthread_cond_signal(&s->work_cv);
            }
            if (s->input_done) {
                s->eof = 1;
                pthread_cond_broadcast(&s->work_cv);
            }
            continue;
        }
        if (s->work < s->fill) {
            c = slot_of(s, s->work++);
            pthread_mutex_unlock(&s->mu);
            process(s, c);
            pthread_mutex_lock(&s->mu);
            c->done = 1;
            continue;
        }
        pthread_cond_wait(&s->done_cv, &s->mu);
    }
out:
    s->stop = 1;
    pthread_cond_broadcast(&s->work_cv);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

static int format_of(const char *path)
{
    const char *dot = strrchr(path, '.');

    if (dot != NULL && strchr(dot, '/') == NULL) {
        if (strcasecmp(dot, ".mrz") == 0)
            return SLTD_SCREEN_MRZ;
        if (strcasecmp(dot, ".jsonl") == 0 || strcasecmp(dot, ".ndjson") == 0)
            return SLTD_SCREEN_JSONL;
    }
    return SLTD_SCREEN_CSV;
}

int sltd_screen(sltd_screen_report *out, sltd_db *db, const char *path, const sltd_screen_options *opts)
{
    static const sltd_screen_options defaults = SLTD_SCREEN_OPTIONS_INIT;
    const unsigned all_flags = SLTD_SCREEN_ALL | SLTD_SCREEN_OCR_VARIANTS | SLTD_SCREEN_AUDIT_NUMBERS;
    pthread_t tid[SLTD_SCREEN_THREADS_MAX];
    unsigned nthreads, started = 0, i;
    screen *s;
    int rc;

    sltd__err_clear();
    if (out != NULL) {
        memset(out, 0, sizeof *out);
        out->version = SLTD_SCREEN_REPORT_VERSION;
    }
    if (opts == NULL)
        opts = &defaults;
    if (db == NULL || path == NULL || opts->version != SLTD_SCREEN_OPTIONS_VERSION || (opts->flags & ~all_flags) != 0 ||
        opts->format < SLTD_SCREEN_AUTO || opts->format > SLTD_SCREEN_JSONL || opts->threads > SLTD_SCREEN_THREADS_MAX)
        return sltd__err(SLTD_EINVAL, "sltd_screen: bad argument or option");
    if ((s = calloc(1, sizeof *s)) == NULL)
        return sltd__err(SLTD_ENOMEM, "out of memory");
    s->db = db;
    s->o = *opts;
    s->fd = -1;
    s->line = 1;
    s->h_state = s->h_number = s->h_type = -1;
    s->rep.version = SLTD_SCREEN_REPORT_VERSION;
    s->format = opts->format != SLTD_SCREEN_AUTO ? opts->format : format_of(path);
    nthreads = opts->threads;
    if (nthreads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        nthreads = n < 1 ? 1 : n > SLTD_SCREEN_THREADS_MAX ? SLTD_SCREEN_THREADS_MAX : (unsigned)n;
    }
    s->nslots = nthreads == 1 ? 1 : 2 * (size_t)nthreads + 2;
    clock_gettime(CLOCK_MONOTONIC, &s->t0);
    s->last = s->t0;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->work_cv, NULL);
    pthread_cond_init(&s->done_cv, NULL);
    if ((rc = in_open(s, path)) != 0)
        goto cleanup;
    if (s->format != SLTD_SCREEN_CSV &&
        (s->lbuf = malloc(s->format == SLTD_SCREEN_MRZ ? MRZ_LINE_MAX : JSON_LINE_MAX)) == NULL) {
        rc = sltd__err(SLTD_ENOMEM, "out of memory");
        goto cleanup;
    }
    for (i = 1; i < nthreads; i++, started++)
        if (pthread_create(&tid[i], NULL, worker, s) != 0)
            break; /* fewer helpers: the calling thread does the rest */
    rc = run(s);
    for (i = 1; i <= started; i++)
        pthread_join(tid[i], NULL);
    if (rc == 0)
        progress(s, s->bytes, 1);
cleanup:
    if (out != NULL)
        *out = s->rep;
    for (i = 0; i < s->nslots; i++)
        chunk_free(s->slot[i]);
    for (i = 0; i < s->nnames; i++)
        free(s->names[i]);
    if (s->own_fd)
        close(s->fd);
    pthread_cond_destroy(&s->work_cv);
    pthread_cond_destroy(&s->done_cv);
    pthread_mutex_destroy(&s->mu);
    free(s->lbuf);
    free(s->buf);
    free(s->name);
    free(s);
    return rc;
}
