/* SPDX-License-Identifier: Apache-2.0 */
/* textin.c — the streaming text reader: blocks, BOM, line ends and line numbers (see textin.h). */
#include "textin.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* "NAME: what" (what may start with "LINE: "). */
static int fail(sltd__text *t, int code, const char *what)
{
    snprintf(t->err, sizeof t->err, "%s: %s", t->name, what);
    return code;
}

int sltd__text_open(sltd__text **out, const char *path)
{
    sltd__text *t;
    struct stat st;
    const int is_stdin = path != NULL && strcmp(path, "-") == 0;

    if (out == NULL)
        return SLTD_EINVAL;
    *out = t = calloc(1, sizeof *t);
    if (t == NULL)
        return SLTD_ENOMEM;
    t->fd = -1;
    t->line = 1;
    if (path == NULL) {
        snprintf(t->err, sizeof t->err, "no input file given");
        return SLTD_EINVAL;
    }
    t->name = strdup(is_stdin ? "<stdin>" : path);
    t->block = malloc(SLTD__TEXT_BLOCK);
    if (t->name == NULL || t->block == NULL) {
        sltd__text_close(t);
        *out = NULL;
        return SLTD_ENOMEM;
    }
    t->buf = t->block;
    if (is_stdin) {
        t->fd = STDIN_FILENO;
    } else {
        if ((t->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
            const int e = errno;
            char what[160];
            snprintf(what, sizeof what, "cannot open: %s", strerror(e));
            return fail(t, e == ENOENT || e == ENOTDIR ? SLTD_ENOENT : e == ENOMEM ? SLTD_ENOMEM : SLTD_EIO, what);
        }
        t->own_fd = 1;
    }
    if (fstat(t->fd, &st) != 0)
        return fail(t, SLTD_EIO, "cannot open: fstat failed");
    if (S_ISDIR(st.st_mode))
        return fail(t, SLTD_EFORMAT, "is a directory, not a file to read");
    if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode) && !S_ISSOCK(st.st_mode))
        return fail(t, SLTD_EFORMAT, "is a special file, not a file to read");
    if (S_ISREG(st.st_mode))
        t->total = (uint64_t)st.st_size;
    return SLTD_OK;
}

int sltd__text_open_mem(sltd__text **out, const char *name, const void *p, size_t n, unsigned long line)
{
    sltd__text *t = calloc(1, sizeof *t);

    *out = NULL;
    if (t == NULL || (t->name = strdup(name)) == NULL) {
        free(t);
        return SLTD_ENOMEM;
    }
    t->fd = -1;
    t->buf = p;
    t->end = n;
    t->line = line;
    t->before = '\n';
    t->eof = t->started = 1;
    *out = t;
    return SLTD_OK;
}

/* Read into block[end, SLTD__TEXT_BLOCK): 1 (bytes added), 0 (end of the input), SLTD_EIO. */
static int read_more(sltd__text *t)
{
    ssize_t r;

    do
        r = read(t->fd, t->block + t->end, SLTD__TEXT_BLOCK - t->end);
    while (r < 0 && errno == EINTR);
    if (r < 0) {
        char what[160];
        snprintf(what, sizeof what, "%lu: read error: %s", t->line, strerror(errno));
        snprintf(t->err, sizeof t->err, "%s:%s", t->name, what);
        return SLTD_EIO;
    }
    if (r == 0) {
        t->eof = 1;
        return 0;
    }
    t->end += (size_t)r;
    t->bytes += (uint64_t)r;
    return 1;
}

int sltd__text_fill(sltd__text *t)
{
    static const unsigned char bom[3] = { 0xEF, 0xBB, 0xBF };
    int rc;

    if (t->pos < t->end)
        return 1;
    if (t->replay) { /* the bytes handed back are read: on with the block where it was */
        t->replay = 0;
        t->buf = t->block;
        t->pos = t->held_pos;
        t->end = t->held_end;
        t->before = t->held_before;
        if (t->pos < t->end)
            return 1;
    }
    if (t->eof)
        return 0;
    if (t->end > 0)
        t->before = t->buf[t->end - 1];
    t->pos = t->end = 0;
    if ((rc = read_more(t)) <= 0)
        return rc;
    if (!t->started) {
        t->started = 1;
        /* a pipe may give the first bytes one read at a time (a writer that stalls): read on while
         * they may still be a BOM */
        while (t->end < 3 && memcmp(t->block, bom, t->end) == 0 && (rc = read_more(t)) > 0)
            ;
        if (rc < 0)
            return rc;
        if (t->end >= 3 && memcmp(t->block, bom, 3) == 0)
            t->pos = 3;
        if (t->pos == t->end)
            return sltd__text_fill(t);
    }
    return 1;
}

/* Append n bytes of the current line to lbuf, keeping at most max; *len is the line's length so far. */
static int keep(sltd__text *t, const unsigned char *p, size_t n, size_t *len, size_t max)
{
    size_t room = *len < max ? max - *len : 0, take = n < room ? n : room;

    if (take > 0) {
        if (*len + take > t->lcap) {
            size_t cap = t->lcap ? t->lcap : 256;
            char *b;
            while (cap < *len + take)
                cap *= 2;
            if ((b = realloc(t->lbuf, cap)) == NULL)
                return SLTD_ENOMEM;
            t->lbuf = b;
            t->lcap = cap;
        }
        memcpy(t->lbuf + *len, p, take);
    }
    *len += n;
    return 0;
}

int sltd__text_getline(sltd__text *t, sltd__text_line *out, size_t max)
{
    size_t len = 0, nul = 0;
    int rc, any = 0;

    out->line = t->line;
    for (;;) {
        if ((rc = sltd__text_fill(t)) <= 0) {
            if (rc < 0)
                return rc;
            if (!any)
                return 0;
            break; /* the last line, without a line end */
        }
        if (!any && sltd__text_crlf(t, t->pos)) { /* the LF of a CRLF whose CR ended the line before */
            t->pos++;
            continue;
        }
        const unsigned char *b = t->buf + t->pos, *e;
        size_t n = t->end - t->pos, k;
        if ((e = memchr(b, '\n', n)) != NULL)
            n = (size_t)(e - b);
        if ((e = memchr(b, '\r', n)) != NULL)
            n = (size_t)(e - b);
        const unsigned char *z = nul == 0 ? memchr(b, '\0', n) : NULL;
        if (z != NULL)
            nul = len + (size_t)(z - b) + 1;
        k = t->pos + n;
        if (!any && k < t->end && n <= max) { /* the whole line is in the block: no copy */
            out->p = (const char *)b;
            out->len = out->full_len = n;
            out->nul = nul;
            t->pos = k + 1;
            t->line++;
            return 1;
        }
        any = 1;
        if ((rc = keep(t, b, n, &len, max)) != 0)
            return rc;
        t->pos = k;
        if (k < t->end) { /* the line end */
            t->pos++;
            t->line++;
            break;
        }
    }
    out->p = t->lbuf != NULL ? t->lbuf : "";
    out->len = len < max ? len : max;
    out->full_len = len;
    out->nul = nul;
    return 1;
}

int sltd__text_unread(sltd__text *t, const void *p, size_t n, unsigned long line, unsigned char before)
{
    const size_t rest = t->replay ? t->end - t->pos : 0; /* bytes handed back earlier, not read again yet */
    unsigned char *b = t->again;

    if (n == 0)
        return 0;
    if (n + rest > t->again_cap || rest > 0) { /* a new buffer: the old one may hold the rest */
        size_t cap = t->again_cap ? t->again_cap : 4096;
        while (cap < n + rest)
            cap *= 2;
        if ((b = malloc(cap)) == NULL)
            return SLTD_ENOMEM;
        if (rest > 0)
            memcpy(b + n, t->buf + t->pos, rest);
        free(t->again);
        t->again = b;
        t->again_cap = cap;
    }
    memcpy(b, p, n);
    if (!t->replay) {
        t->held_pos = t->pos;
        t->held_end = t->end;
        t->held_before = t->before;
        t->replay = 1;
    }
    t->buf = b;
    t->pos = 0;
    t->end = n + rest;
    t->before = before;
    t->line = line;
    return 0;
}

const char *sltd__text_name(const sltd__text *t)
{
    return t == NULL || t->name == NULL ? "" : t->name;
}

const char *sltd__text_error(const sltd__text *t)
{
    return t == NULL ? "out of memory" : t->err;
}

uint64_t sltd__text_bytes(const sltd__text *t)
{
    return t->bytes;
}

uint64_t sltd__text_total(const sltd__text *t)
{
    return t->total;
}

size_t sltd__text_memory(const sltd__text *t)
{
    if (t == NULL)
        return 0;
    return sizeof *t + (t->name ? strlen(t->name) + 1 : 0) + (t->block ? SLTD__TEXT_BLOCK : 0) + t->lcap + t->again_cap;
}

void sltd__text_close(sltd__text *t)
{
    if (t == NULL)
        return;
    if (t->own_fd && t->fd >= 0)
        close(t->fd);
    free(t->lbuf);
    free(t->again);
    free(t->block);
    free(t->name);
    free(t);
}
