/* SPDX-License-Identifier: Apache-2.0 */
/* sorter.c — sorting update entries with bounded memory (see sorter.h).
 *
 * With a budget, entries fill a buffer of `budget` entries; a full buffer is sorted (entries.c) and
 * written as a run to an unlinked temporary file. With two threads, a second thread sorts and writes
 * each full buffer while the caller fills the other one; the runs, their order and their bytes are
 * the same either way. Reading merges the runs and the last, in-memory part through a binary heap
 * on (digest, input order); with two threads and runs on disk, the second thread does that merge
 * (reading the runs) into a ring of batches that the reader takes entries from, so that merging
 * overlaps whatever the reader does with the groups. */
#include "sorter.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "array.h"
#include "error.h"
#include "fsutil.h"

#define READ_BUF 4096            /* entries decoded at a time per run while merging */
#define RAW_BUF ((size_t)1 << 18) /* bytes of a run file read, or written, at a time */
/* A run holds each entry compactly: digest, seq, action, len, the len record bytes, line (host byte
 * order: the file lives only as long as the import) — ~47 bytes instead of the 72 of an entry. */
#define PACKED_FIXED (SLTD_DIGEST_SIZE + 4 + 1 + 1 + 4)
#define PACKED_MAX (PACKED_FIXED + SLTD__REC_MAX)
#define SLOT_ENTRIES 4096         /* entries a batch of the merged stream */
#define SLOTS 4                   /* batches in the ring */

typedef struct slot {
    sltd__entry *v;
    size_t n;
    int full; /* filled by the merging thread, not yet given back by the reader */
    int last; /* the stream ends after it (with err, when an error ended it) */
    int err;
} slot;

typedef struct run {
    FILE *f;
    sltd__entry *buf;
    size_t n, pos; /* entries in buf, next to hand out */
    uint8_t *raw;  /* bytes read from f, [rpos, rn) not yet decoded */
    size_t rn, rpos;
    int eof, done;
} run;

struct sltd__sorter {
    char *tmpdir;
    size_t budget;
    uint64_t count;
    sltd__entries mem; /* the entries not spilled; sorted by finish() */
    sltd__entry *tmp;  /* with a budget: the sort's working space (budget entries) */
    uint8_t *pack;     /* RAW_BUF bytes: a run being written (by one thread at a time) */
    run *runs;
    size_t nruns, runs_cap;

    /* the second thread: sorts and writes job[0, njob) while mem fills */
    int threaded, started, quit, busy;
    sltd__entry *job;
    size_t njob;
    int job_rc; /* the first error of the thread (sticky), its detail in job_msg */
    char job_msg[512];
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;

    /* merging: a heap of sources (runs 0..nruns-1, and nruns for the memory part) by their head */
    size_t *heap, nheap;
    size_t mem_pos;
    sltd__entries group; /* the group handed out by next_group (capacity >= 16 once used) */
    sltd__entry pending; /* read ahead: the first entry of the next group */
    int has_pending;

    /* the merged stream, when the second thread merges: slots filled in turn (under mu) */
    slot slots[SLOTS];
    int streaming, merging, stop; /* the stream is used; its thread runs; asked to stop */
    pthread_t merger;
    size_t take;     /* the slot the reader takes from, while took */
    size_t took_pos; /* next entry in it */
    int took;
};

static void *merger(void *arg);
static void stop_merger(sltd__sorter *s);

/* ---- buffers ---- */

/* A buffer of n entries; big ones asked for in huge pages, which spares the kernel a fault every 4 KiB
 * when it is first filled. */
static sltd__entry *buffer(size_t n)
{
    const size_t huge = (size_t)2 << 20;
    size_t bytes = n * sizeof(sltd__entry);
    void *p = NULL;

    if (n > SIZE_MAX / sizeof(sltd__entry))
        return NULL;
    if (bytes < huge)
        return malloc(bytes);
    bytes = (bytes + huge - 1) / huge * huge;
    if (posix_memalign(&p, huge, bytes) != 0)
        return NULL;
#ifdef MADV_HUGEPAGE
    madvise(p, bytes, MADV_HUGEPAGE); /* advice only: without it, ordinary pages */
#endif
    return p;
}

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

/* x packed into p (PACKED_MAX bytes of room); the bytes used. */
static size_t pack(uint8_t *p, const sltd__entry *x)
{
    size_t len = x->len <= SLTD__REC_MAX ? x->len : SLTD__REC_MAX;

    memcpy(p, x->d, SLTD_DIGEST_SIZE);
    memcpy(p + SLTD_DIGEST_SIZE, &x->seq, 4);
    p[SLTD_DIGEST_SIZE + 4] = x->action;
    p[SLTD_DIGEST_SIZE + 5] = (uint8_t)len;
    memcpy(p + SLTD_DIGEST_SIZE + 6, x->rec, len);
    memcpy(p + SLTD_DIGEST_SIZE + 6 + len, &x->line, 4);
    return PACKED_FIXED + len;
}

/* The entry packed at p[0, avail) into x (every other byte of x zero); the bytes used, or 0 when p
 * does not hold a whole entry (at the end of a file: it is damaged). */
static size_t unpack(sltd__entry *x, const uint8_t *p, size_t avail)
{
    size_t len;

    if (avail < PACKED_FIXED || (len = p[SLTD_DIGEST_SIZE + 5]) > SLTD__REC_MAX || avail < PACKED_FIXED + len)
        return 0;
    memset(x, 0, sizeof *x);
    memcpy(x->d, p, SLTD_DIGEST_SIZE);
    memcpy(&x->seq, p + SLTD_DIGEST_SIZE, 4);
    x->action = p[SLTD_DIGEST_SIZE + 4];
    x->len = (uint8_t)len;
    memcpy(x->rec, p + SLTD_DIGEST_SIZE + 6, len);
    memcpy(&x->line, p + SLTD_DIGEST_SIZE + 6 + len, 4);
    return PACKED_FIXED + len;
}

/* Sort v[0, n) and write it, packed, as a new run. The runs array has room for it already. */
static int write_run(sltd__sorter *s, sltd__entry *v, size_t n)
{
    run *r = &s->runs[s->nruns];
    size_t i, used = 0;
    int rc;

    if ((rc = sltd__entries_sort_with(v, s->tmp, n)) != SLTD_OK)
        return sltd__err(rc, "out of memory sorting %zu entries", n);
    memset(r, 0, sizeof *r);
    if ((r->f = temp_file(s->tmpdir)) == NULL)
        return sltd__err(SLTD_EIO, "%s: cannot create a temporary sort file: %s", s->tmpdir, strerror(errno));
    s->nruns++;
    if (s->pack == NULL && (s->pack = malloc(RAW_BUF)) == NULL)
        return sltd__err(SLTD_ENOMEM, "out of memory");
    for (i = 0; i <= n; i++) {
        if (i == n || used > RAW_BUF - PACKED_MAX) {
            if (fwrite(s->pack, 1, used, r->f) != used)
                break;
            used = 0;
        }
        if (i < n)
            used += pack(s->pack + used, &v[i]);
    }
    if (i <= n || fflush(r->f) != 0)
        return sltd__err(errno == ENOSPC ? SLTD_EFULL : SLTD_EIO, "%s: cannot write a temporary sort file: %s",
                         s->tmpdir, strerror(errno));
    return SLTD_OK;
}

static void *worker(void *arg)
{
    sltd__sorter *s = arg;
    int rc;

    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (!s->busy && !s->quit)
            pthread_cond_wait(&s->cv, &s->mu);
        if (!s->busy)
            break;
        pthread_mutex_unlock(&s->mu);
        rc = s->job_rc == SLTD_OK ? write_run(s, s->job, s->njob) : SLTD_OK;
        pthread_mutex_lock(&s->mu);
        if (rc != SLTD_OK && s->job_rc == SLTD_OK) {
            s->job_rc = rc;
            snprintf(s->job_msg, sizeof s->job_msg, "%s", sltd_error_detail());
        }
        s->busy = 0;
        pthread_cond_broadcast(&s->cv);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* Wait until the second thread is idle; its error, if any (with the detail set in this thread). */
static int wait_idle(sltd__sorter *s)
{
    int rc;

    if (!s->started)
        return SLTD_OK;
    pthread_mutex_lock(&s->mu);
    while (s->busy)
        pthread_cond_wait(&s->cv, &s->mu);
    rc = s->job_rc;
    pthread_mutex_unlock(&s->mu);
    return rc == SLTD_OK ? SLTD_OK : sltd__err(rc, "%s", s->job_msg);
}

/* mem is full: write it as a run, on the second thread when there is one. */
static int spill(sltd__sorter *s)
{
    run *runs;
    sltd__entry *v;
    int rc;

    if ((rc = wait_idle(s)) != SLTD_OK)
        return rc;
    /* room for the run now, so that the second thread never moves the array */
    runs = sltd__array_room(s->runs, &s->runs_cap, s->nruns + 1, sizeof *runs, 8);
    if (runs == NULL)
        return sltd__err(SLTD_ENOMEM, "out of memory");
    s->runs = runs;
    if (s->tmp == NULL && (s->tmp = buffer(s->budget)) == NULL)
        return sltd__err(SLTD_ENOMEM, "out of memory");
    if (!s->threaded) {
        rc = write_run(s, s->mem.v, s->mem.n);
        s->mem.n = 0;
        return rc;
    }
    if (s->job == NULL && (s->job = buffer(s->budget)) == NULL)
        return sltd__err(SLTD_ENOMEM, "out of memory");
    if (!s->started) {
        if (pthread_create(&s->th, NULL, worker, s) != 0) { /* no thread: the same work, here */
            s->threaded = 0;
            rc = write_run(s, s->mem.v, s->mem.n);
            s->mem.n = 0;
            return rc;
        }
        s->started = 1;
    }
    pthread_mutex_lock(&s->mu);
    v = s->job; /* the buffers trade places: the full one to the thread, the written one to fill */
    s->job = s->mem.v;
    s->njob = s->mem.n;
    s->mem.v = v;
    s->mem.n = 0;
    s->busy = 1;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return SLTD_OK;
}

int sltd__sorter_open(sltd__sorter **out, const char *tmpdir, size_t budget, unsigned threads)
{
    sltd__sorter *s = calloc(1, sizeof *s);

    *out = NULL;
    if (s == NULL || (s->tmpdir = strdup(tmpdir != NULL ? tmpdir : "/tmp")) == NULL) {
        free(s);
        return SLTD_ENOMEM;
    }
    s->budget = budget;
    s->threaded = budget != 0 && threads > 1;
    if (pthread_mutex_init(&s->mu, NULL) != 0) {
        free(s->tmpdir);
        free(s);
        return SLTD_ENOMEM;
    }
    if (pthread_cond_init(&s->cv, NULL) != 0) {
        pthread_mutex_destroy(&s->mu);
        free(s->tmpdir);
        free(s);
        return SLTD_ENOMEM;
    }
    *out = s;
    return SLTD_OK;
}

int sltd__sorter_adopt(sltd__sorter *s, sltd__entries *e)
{
    if (s->mem.n != 0 || s->nruns != 0 || s->budget != 0)
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

    if (s->budget != 0) {
        if (s->mem.v == NULL) {
            if ((s->mem.v = buffer(s->budget)) == NULL)
                return SLTD_ENOMEM;
            s->mem.cap = s->budget;
        }
        if (s->mem.n == s->budget && (rc = spill(s)) != SLTD_OK)
            return rc;
        s->mem.v[s->mem.n] = *x;
        s->mem.v[s->mem.n++].seq = (uint32_t)s->count++;
        return SLTD_OK;
    }
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
    int rc;

    if ((rc = wait_idle(s)) != SLTD_OK)
        return rc;
    if (s->budget != 0 && s->tmp == NULL && s->mem.n > 1 && (s->tmp = buffer(s->mem.n)) == NULL)
        return sltd__err(SLTD_ENOMEM, "out of memory sorting %zu entries", s->mem.n);
    rc = s->tmp != NULL ? sltd__entries_sort_with(s->mem.v, s->tmp, s->mem.n) : sltd__entries_sort(s->mem.v, s->mem.n);
    if (rc != SLTD_OK)
        return sltd__err(SLTD_ENOMEM, "out of memory sorting %zu entries", s->mem.n);
    free(s->tmp); /* no longer needed: the merge reads the runs through small buffers */
    s->tmp = NULL;
    free(s->job);
    s->job = NULL;
    free(s->pack);
    s->pack = NULL;
    for (i = 0; i < s->nruns; i++)
        if ((s->runs[i].buf = malloc(READ_BUF * sizeof *s->runs[i].buf)) == NULL ||
            (s->runs[i].raw = malloc(RAW_BUF)) == NULL)
            return sltd__err(SLTD_ENOMEM, "out of memory");
    if ((s->heap = malloc((s->nruns + 1) * sizeof *s->heap)) == NULL)
        return sltd__err(SLTD_ENOMEM, "out of memory");
    if (s->threaded && s->nruns > 0) {
        for (i = 0; i < SLOTS; i++)
            if ((s->slots[i].v = malloc(SLOT_ENTRIES * sizeof *s->slots[i].v)) == NULL)
                return sltd__err(SLTD_ENOMEM, "out of memory");
        s->streaming = 1;
    }
    return sltd__sorter_rewind(s);
}

/* ---- merging ---- */

/* Decode the next entries of run r into its buffer; how many (0 at the end of the run, or on an error,
 * then set in *err). */
static size_t refill(run *r, int *err)
{
    size_t got, used;

    r->n = r->pos = 0;
    while (r->n < READ_BUF) {
        if (r->rn - r->rpos < PACKED_MAX && !r->eof) { /* top up the raw bytes */
            memmove(r->raw, r->raw + r->rpos, r->rn - r->rpos);
            r->rn -= r->rpos;
            r->rpos = 0;
            got = fread(r->raw + r->rn, 1, RAW_BUF - r->rn, r->f);
            r->rn += got;
            if (got == 0) {
                r->eof = 1;
                if (ferror(r->f)) {
                    *err = sltd__err(SLTD_EIO, "cannot read a temporary sort file");
                    return r->n = 0;
                }
            }
        }
        if (r->rpos == r->rn)
            break;
        if ((used = unpack(&r->buf[r->n], r->raw + r->rpos, r->rn - r->rpos)) == 0) {
            *err = sltd__err(SLTD_EIO, "a temporary sort file ends inside an entry");
            return r->n = 0;
        }
        r->rpos += used;
        r->n++;
    }
    return r->n;
}

/* The head entry of source i (a run, or nruns: the memory part), or NULL when it is exhausted. */
static const sltd__entry *head(sltd__sorter *s, size_t i, int *err)
{
    run *r;

    if (i == s->nruns)
        return s->mem_pos < s->mem.n ? &s->mem.v[s->mem_pos] : NULL;
    r = &s->runs[i];
    if (r->pos == r->n && !r->done && refill(r, err) == 0)
        r->done = 1;
    return r->pos < r->n ? &r->buf[r->pos] : NULL;
}

static int before(const sltd__entry *a, const sltd__entry *b)
{
    int c = memcmp(a->d, b->d, SLTD_DIGEST_SIZE);
    return c < 0 || (c == 0 && a->seq < b->seq);
}

/* Restore the heap order from slot k down (every source in the heap has a head). */
static void sift_down(sltd__sorter *s, size_t k, int *err)
{
    for (;;) {
        size_t l = 2 * k + 1, m = k;
        if (l < s->nheap && before(head(s, s->heap[l], err), head(s, s->heap[m], err)))
            m = l;
        if (l + 1 < s->nheap && before(head(s, s->heap[l + 1], err), head(s, s->heap[m], err)))
            m = l + 1;
        if (m == k)
            return;
        size_t t = s->heap[k];
        s->heap[k] = s->heap[m];
        s->heap[m] = t;
        k = m;
    }
}

int sltd__sorter_rewind(sltd__sorter *s)
{
    size_t i;
    int err = 0;

    stop_merger(s);
    s->mem_pos = 0;
    s->has_pending = 0;
    s->nheap = 0;
    for (i = 0; i < s->nruns; i++) {
        run *r = &s->runs[i];
        r->n = r->pos = r->rn = r->rpos = 0;
        r->done = r->eof = 0;
        if (fseek(r->f, 0, SEEK_SET) != 0)
            return sltd__err(SLTD_EIO, "cannot rewind a temporary sort file");
    }
    for (i = 0; i <= s->nruns; i++)
        if (head(s, i, &err) != NULL)
            s->heap[s->nheap++] = i;
    for (i = s->nheap / 2; i-- > 0;)
        sift_down(s, i, &err);
    if (err != 0 || !s->streaming)
        return err;
    s->take = 0;
    s->took = 0;
    if (pthread_create(&s->merger, NULL, merger, s) != 0)
        s->streaming = 0; /* no thread: the same merge, on the reader's thread */
    else
        s->merging = 1;
    return SLTD_OK;
}

/* The next entry in (digest, seq) order over the runs and the memory part, copied to out: 1, or 0 at
 * the end. */
static int next_entry(sltd__sorter *s, sltd__entry *out, int *err)
{
    size_t top;

    if (s->nheap == 0)
        return 0;
    top = s->heap[0];
    *out = *head(s, top, err);
    if (top == s->nruns)
        s->mem_pos++;
    else
        s->runs[top].pos++;
    if (head(s, top, err) == NULL)
        s->heap[0] = s->heap[--s->nheap];
    sift_down(s, 0, err);
    return 1;
}

/* The merging thread: the heap's entries, in order, into the slots in turn, until the end, an error
 * or a stop. */
static void *merger(void *arg)
{
    sltd__sorter *s = arg;
    size_t k;
    int err = 0;

    for (k = 0;; k++) {
        slot *sl = &s->slots[k % SLOTS];
        size_t n = 0;
        int stop;
        pthread_mutex_lock(&s->mu);
        while (sl->full && !s->stop)
            pthread_cond_wait(&s->cv, &s->mu);
        stop = s->stop;
        pthread_mutex_unlock(&s->mu);
        if (stop)
            break;
        while (n < SLOT_ENTRIES && next_entry(s, &sl->v[n], &err))
            n++;
        pthread_mutex_lock(&s->mu);
        sl->n = n;
        sl->last = n < SLOT_ENTRIES || err != 0;
        sl->err = err;
        if (err != 0)
            snprintf(s->job_msg, sizeof s->job_msg, "%s", sltd_error_detail());
        sl->full = 1;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
        if (sl->last)
            break;
    }
    return NULL;
}

/* Stop the merging thread, if it runs. */
static void stop_merger(sltd__sorter *s)
{
    size_t i;

    if (!s->merging)
        return;
    pthread_mutex_lock(&s->mu);
    s->stop = 1;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->merger, NULL);
    s->merging = s->stop = 0;
    for (i = 0; i < SLOTS; i++)
        s->slots[i].full = 0;
}

static int same_digest(const sltd__entry *a, const sltd__entry *b)
{
    return memcmp(a->d, b->d, SLTD_DIGEST_SIZE) == 0;
}

/* Append v[0, n) to the group being put together (a group may hold any number of entries). 0 or
 * SLTD_ENOMEM (detail set). */
static int group_add(sltd__sorter *s, const sltd__entry *v, size_t n)
{
    while (s->group.n + n > s->group.cap) {
        sltd__entry *room = sltd__array_room(s->group.v, &s->group.cap, s->group.cap, sizeof *room, 16);
        if (room == NULL)
            return sltd__err(SLTD_ENOMEM, "out of memory");
        s->group.v = room;
    }
    memcpy(s->group.v + s->group.n, v, n * sizeof *v);
    s->group.n += n;
    return 0;
}

/* The next group from the merging thread's slots: where it lies in its slot when it ends there (nearly
 * always), else put together from the slots it spans. As sltd__sorter_next_group. */
static int stream_group(sltd__sorter *s, const sltd__entry **g, size_t *n)
{
    s->group.n = 0;
    for (;;) {
        slot *sl = &s->slots[s->take % SLOTS];
        size_t start, end;

        if (!s->took) {
            pthread_mutex_lock(&s->mu);
            while (!sl->full)
                pthread_cond_wait(&s->cv, &s->mu);
            pthread_mutex_unlock(&s->mu);
            s->took = 1;
            s->took_pos = 0;
        }
        if (s->took_pos == sl->n) {
            if (sl->last) {
                if (sl->err != 0)
                    return sltd__err(sl->err, "%s", s->job_msg);
                break;
            }
            pthread_mutex_lock(&s->mu); /* give the slot back: the group handed out last is done with */
            sl->full = 0;
            pthread_cond_broadcast(&s->cv);
            pthread_mutex_unlock(&s->mu);
            s->take++;
            s->took = 0;
            continue;
        }
        start = end = s->took_pos;
        while (++end < sl->n && same_digest(&sl->v[end], s->group.n > 0 ? &s->group.v[0] : &sl->v[start]))
            ;
        if (s->group.n > 0 && !same_digest(&sl->v[start], &s->group.v[0])) /* it ended with the slot before */
            break;
        s->took_pos = end;
        if (s->group.n == 0 && (end < sl->n || sl->last)) {
            *g = sl->v + start;
            *n = end - start;
            return 1;
        }
        if (group_add(s, sl->v + start, end - start) != 0)
            return SLTD_ENOMEM;
        if (end < sl->n)
            break;
    }
    *g = s->group.v;
    *n = s->group.n;
    return s->group.n > 0;
}

int sltd__sorter_next_group(sltd__sorter *s, const sltd__entry **g, size_t *n)
{
    sltd__entry x;
    int err = 0;

    if (s->streaming)
        return stream_group(s, g, n);
    if (s->nruns == 0) { /* all in memory, sorted: a group is where it lies */
        size_t start = s->mem_pos;
        if (start == s->mem.n)
            return 0;
        while (++s->mem_pos < s->mem.n && same_digest(&s->mem.v[s->mem_pos], &s->mem.v[start]))
            ;
        *g = s->mem.v + start;
        *n = s->mem_pos - start;
        return 1;
    }
    s->group.n = 0;
    if (s->has_pending) { /* the entry that ended the previous group starts this one */
        s->group.v[s->group.n++] = s->pending;
        s->has_pending = 0;
    }
    while (next_entry(s, &x, &err)) {
        if (s->group.n > 0 && memcmp(x.d, s->group.v[0].d, SLTD_DIGEST_SIZE) != 0) {
            s->pending = x;
            s->has_pending = 1;
            break;
        }
        sltd__entry *v = sltd__array_room(s->group.v, &s->group.cap, s->group.n, sizeof *v, 16);
        if (v == NULL)
            return sltd__err(SLTD_ENOMEM, "out of memory");
        s->group.v = v;
        s->group.v[s->group.n++] = x;
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
    stop_merger(s);
    if (s->started) {
        pthread_mutex_lock(&s->mu);
        while (s->busy)
            pthread_cond_wait(&s->cv, &s->mu);
        s->quit = 1;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->th, NULL);
    }
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    for (i = 0; i < s->nruns; i++) {
        if (s->runs[i].f != NULL)
            fclose(s->runs[i].f);
        free(s->runs[i].buf);
        free(s->runs[i].raw);
    }
    free(s->pack);
    for (i = 0; i < SLOTS; i++)
        free(s->slots[i].v);
    free(s->runs);
    free(s->heap);
    free(s->tmp);
    free(s->job);
    sltd__entries_free(&s->mem);
    sltd__entries_free(&s->group);
    free(s->tmpdir);
    free(s);
}
