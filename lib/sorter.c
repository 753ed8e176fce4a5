/* SPDX-License-Identifier: Apache-2.0 */
/* sorter.c — sorting update entries with bounded memory (see sorter.h). */
#include "sorter.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "error.h"
#include "fsutil.h"

#define READ_BUF 4096 /* entries buffered per run while merging */

typedef struct run {
    FILE *f;
    sltd__entry *buf;
    size_t n, pos; /* entries in buf, next to hand out */
    int done;
} run;

struct sltd__sorter {
    char *tmpdir;
    size_t budget;
    uint64_t count;
    sltd__entries mem; /* the entries not spilled; sorted by finish() */
    size_t mem_pos;
    run *runs;
    size_t nruns, runs_cap;
    sltd__entries group; /* the group handed out by next_group (capacity >= 16 once used) */
    sltd__entry pending;  /* read ahead: the first entry of the next group */
    int has_pending;
};

/* ---- runs ---- */

static FILE *temp_file(const char *dir)
{
    int fd = sltd__fs_tmpfile(dir);
    FILE *f;

    if (fd < 0)
        return NULL;
    f = fdopen(fd, "w+b");
    if (f == NULL)
        close(fd);
    return f;
}

static int spill(sltd__sorter *s)
{
    run *r, *runs;
    int rc;

    if ((rc = sltd__entries_sort(s->mem.v, s->mem.n)) != SLTD_OK)
        return sltd__err(rc, "out of memory sorting %zu entries", s->mem.n);
    runs = sltd__array_room(s->runs, &s->runs_cap, s->nruns, sizeof *runs, 8);
    if (runs == NULL)
        return sltd__err(SLTD_ENOMEM, "out of memory");
    s->runs = runs;
    r = &s->runs[s->nruns];
    memset(r, 0, sizeof *r);
    if ((r->f = temp_file(s->tmpdir)) == NULL)
        return sltd__err(SLTD_EIO, "%s: cannot create a temporary sort file: %s", s->tmpdir, strerror(errno));
    s->nruns++;
    if (fwrite(s->mem.v, sizeof *s->mem.v, s->mem.n, r->f) != s->mem.n || fflush(r->f) != 0)
        return sltd__err(errno == ENOSPC ? SLTD_EFULL : SLTD_EIO, "%s: cannot write a temporary sort file: %s",
                         s->tmpdir, strerror(errno));
    s->mem.n = 0;
    return SLTD_OK;
}

int sltd__sorter_open(sltd__sorter **out, const char *tmpdir, size_t budget)
{
    sltd__sorter *s = calloc(1, sizeof *s);

    *out = NULL;
    if (s == NULL || (s->tmpdir = strdup(tmpdir != NULL ? tmpdir : "/tmp")) == NULL) {
        free(s);
        return SLTD_ENOMEM;
    }
    s->budget = budget;
    *out = s;
    return SLTD_OK;
}

int sltd__sorter_adopt(sltd__sorter *s, sltd__entries *e)
{
    if (s->mem.n != 0 || s->nruns != 0)
        return SLTD_EINVAL;
    sltd__entries_free(&s->mem);
    s->mem = *e;
    s->count = e->n;
    e->v = NULL;
    e->n = e->cap = 0;
    return SLTD_OK;
}

void sltd__sorter_give_back(sltd__sorter *s, sltd__entries *e)
{
    *e = s->mem;
    s->mem.v = NULL;
    s->mem.n = s->mem.cap = 0;
}

int sltd__sorter_push(sltd__sorter *s, const sltd__entry *x)
{
    int rc;

    if (s->budget != 0 && s->mem.n == s->budget && (rc = spill(s)) != SLTD_OK)
        return rc;
    if ((rc = sltd__entries_push(&s->mem, x)) != SLTD_OK)
        return rc;
    s->mem.v[s->mem.n - 1].seq = (uint32_t)s->count++;
    return SLTD_OK;
}

uint64_t sltd__sorter_count(const sltd__sorter *s)
{
    return s->count;
}

uint64_t sltd__sorter_runs(const sltd__sorter *s)
{
    return s->nruns;
}

int sltd__sorter_finish(sltd__sorter *s)
{
    size_t i;

    if (sltd__entries_sort(s->mem.v, s->mem.n) != SLTD_OK)
        return sltd__err(SLTD_ENOMEM, "out of memory sorting %zu entries", s->mem.n);
    for (i = 0; i < s->nruns; i++)
        if ((s->runs[i].buf = malloc(READ_BUF * sizeof *s->runs[i].buf)) == NULL)
            return sltd__err(SLTD_ENOMEM, "out of memory");
    return sltd__sorter_rewind(s);
}

int sltd__sorter_rewind(sltd__sorter *s)
{
    size_t i;

    s->mem_pos = 0;
    s->has_pending = 0;
    for (i = 0; i < s->nruns; i++) {
        run *r = &s->runs[i];
        r->n = r->pos = 0;
        r->done = 0;
        if (fseek(r->f, 0, SEEK_SET) != 0)
            return sltd__err(SLTD_EIO, "cannot rewind a temporary sort file");
    }
    return SLTD_OK;
}

/* The head entry of run i, or NULL when it is exhausted. */
static const sltd__entry *head(sltd__sorter *s, size_t i, int *err)
{
    run *r = &s->runs[i];

    if (r->pos == r->n && !r->done) {
        r->n = fread(r->buf, sizeof *r->buf, READ_BUF, r->f);
        r->pos = 0;
        if (r->n == 0) {
            r->done = 1;
            if (ferror(r->f))
                *err = sltd__err(SLTD_EIO, "cannot read a temporary sort file");
        }
    }
    return r->pos < r->n ? &r->buf[r->pos] : NULL;
}

static int before(const sltd__entry *a, const sltd__entry *b)
{
    int c = memcmp(a->d, b->d, SLTD_DIGEST_SIZE);
    return c < 0 || (c == 0 && a->seq < b->seq);
}

/* The next entry in (digest, seq) order over the runs and the memory part; NULL at the end. */
static const sltd__entry *next_entry(sltd__sorter *s, int *err)
{
    const sltd__entry *best = s->mem_pos < s->mem.n ? &s->mem.v[s->mem_pos] : NULL, *h;
    size_t i, from = (size_t)-1; /* -1: memory */

    for (i = 0; i < s->nruns; i++)
        if ((h = head(s, i, err)) != NULL && (best == NULL || before(h, best))) {
            best = h;
            from = i;
        }
    if (best == NULL)
        return NULL;
    if (from == (size_t)-1)
        s->mem_pos++;
    else
        s->runs[from].pos++;
    return best;
}

int sltd__sorter_next_group(sltd__sorter *s, const sltd__entry **g, size_t *n)
{
    const sltd__entry *x;
    int err = 0;

    s->group.n = 0;
    if (s->has_pending) { /* the entry that ended the previous group starts this one */
        s->group.v[s->group.n++] = s->pending;
        s->has_pending = 0;
    }
    while ((x = next_entry(s, &err)) != NULL) {
        if (s->group.n > 0 && memcmp(x->d, s->group.v[0].d, SLTD_DIGEST_SIZE) != 0) {
            s->pending = *x;
            s->has_pending = 1;
            break;
        }
        sltd__entry *v = sltd__array_room(s->group.v, &s->group.cap, s->group.n, sizeof *v, 16);
        if (v == NULL)
            return sltd__err(SLTD_ENOMEM, "out of memory");
        s->group.v = v;
        s->group.v[s->group.n++] = *x;
    }
    if (err != 0)
        return err;
    *g = s->group.v;
    *n = s->group.n;
    return s->group.n > 0;
}

void sltd__sorter_close(sltd__sorter *s)
{
    size_t i;

    if (s == NULL)
        return;
    for (i = 0; i < s->nruns; i++) {
        if (s->runs[i].f != NULL)
            fclose(s->runs[i].f);
        free(s->runs[i].buf);
    }
    free(s->runs);
    sltd__entries_free(&s->mem);
    sltd__entries_free(&s->group);
    free(s->tmpdir);
    free(s);
}
