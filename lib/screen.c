/* SPDX-License-Identifier: Apache-2.0 */
/* screen.c — the screening pipeline (see sltd.h, "Screening manifests"): a manifest's documents
 * through the batch lookup on several threads, results handed to the caller in input order. What a
 * row is, and what its verdict is, belongs to the manifest readers (manifest.h); this file only runs
 * them.
 *
 * Every thread — the calling thread and `threads - 1` workers — owns SLTD__SCREEN_PER_THREAD chunks and
 * works on them alone: it reads the input's next chunk into one of them (the format's read step, at
 * most SLTD__MF_ROWS documents; one thread reads at a time, and the chunk gets its sequence number with
 * the input), then finishes it (the format's prep step: MRZ and JSON parsing, splitting CSV rows taken as
 * their lines), looks every key of it up with one sltd_db_lookup_batch() call and decides each document's
 * verdict (sltd__mf_decide), noting which documents a callback may see. A chunk's bytes thus stay in the
 * cache of the core that read them (chunks written on one core and finished or emitted on another cost
 * ~40 % of the throughput on two cores: bench/RESULTS.md). The calling thread also hands finished
 * chunks' rows to the callbacks in sequence order, touching only the documents the summary names; an
 * emitted chunk is free for its owner again. A read error is the fatal error of the chunk being read,
 * raised in its place. Memory is therefore bounded by SLTD__SCREEN_PER_THREAD chunks a thread of at
 * most SLTD__MF_BYTES (+ one bounded row) each, whatever the input.
 * With one thread no thread is started and the same loop reads, looks up and emits in turn. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "layout.h"
#include "manifest.h"
#include "sltd.h"
#include "textin.h"
#include "verdict.h"

#define SLTD__SCREEN_PER_THREAD 3 /* chunks a thread may have read and not yet seen emitted */
#define SLTD__SCREEN_CHUNKS_MAX (SLTD__SCREEN_PER_THREAD * SLTD_SCREEN_THREADS_MAX)

typedef struct screen {
    sltd_db *db;
    sltd_screen_options o;
    sltd__mf_ctx cx;
    const sltd__mf_format *fmt;
    void *reader;
    sltd__text *in;
    int input_done; /* every row has been read */

    /* threads: chunks[t * per + i] are thread t's; ring[seq % nchunks] is the chunk of sequence seq */
    pthread_mutex_t mu;    /* the ring, the flags and the counters */
    pthread_mutex_t in_mu; /* held while a chunk is read (and given its sequence number) */
    pthread_cond_t done_cv, free_cv;
    sltd__mf_chunk *chunks[SLTD__SCREEN_CHUNKS_MAX];
    unsigned char busy[SLTD__SCREEN_CHUNKS_MAX]; /* taken to be read, until emitted */
    size_t ring[SLTD__SCREEN_CHUNKS_MAX];
    size_t nchunks, per;
    uint64_t fill, emit, next_index;
    int eof, stop;

    sltd_screen_report rep;
    struct timespec t0, last;
} screen;

static sltd__mf_chunk *slot_of(screen *s, uint64_t seq)
{
    return s->chunks[s->ring[seq % s->nchunks]];
}

/* Fill a chunk (any thread, holding in_mu): 0 (s->input_done tells whether the input is exhausted),
 * or a fatal code with its detail set. */
static int read_chunk(screen *s, sltd__mf_chunk *c)
{
    int rc = 0;

    sltd__mf_chunk_reset(c, s->next_index);
    /* room for two documents: one line may end one document and be a row of its own */
    while (c->n + 2 <= SLTD__MF_ROWS && c->used < SLTD__MF_BYTES) {
        if ((rc = s->fmt->read(s->reader, c)) < 0)
            return rc == SLTD_ENOMEM ? sltd__err(rc, "out of memory")
                   : rc == SLTD_EIO  ? sltd__err(rc, "%s", sltd__text_error(s->in))
                                     : rc;
        if (rc == 0) {
            s->input_done = 1;
            break;
        }
    }
    s->next_index += c->n;
    c->bytes_end = sltd__text_bytes(s->in);
    return 0;
}

/* Count a decided document into n: checked documents, listed ones, invalid ones. */
static void count_doc(uint64_t n[3], const sltd__mf_doc *d)
{
    n[0] += d->error == 0;
    n[1] += d->error == 0 && d->listed;
    n[2] += d->error != 0;
}

/* Add counts n to the report. */
static void count_into(sltd_screen_report *rep, const uint64_t n[3])
{
    rep->documents += n[0];
    rep->hits += n[1];
    rep->invalid += n[2];
}

/* Finish a chunk (any thread): prep, one batch lookup of every key, the verdicts, the summary. */
static void process(screen *s, sltd__mf_chunk *c)
{
    size_t i, nq = 0;
    unsigned j;
    int rc;

    if ((s->o.flags & SLTD_SCREEN_OCR_VARIANTS) && s->fmt->prep != NULL && c->ans == NULL &&
        (c->ans = malloc(SLTD__MF_ROWS * sizeof *c->ans)) == NULL) {
        sltd__mf_fatal(c, SLTD_ENOMEM);
        return;
    }
    for (i = 0; i < c->n && c->rc == 0; i++)
        if (c->doc[i].error == 0 && s->fmt->prep != NULL)
            s->fmt->prep(s->reader, &s->cx, c, i);
    if (c->rc != 0)
        return;
    for (i = 0; i < c->n; i++) /* keys to look up */
        for (j = 0; j < c->doc[i].nkeys && c->doc[i].error == 0; j++)
            nq += c->doc[i].key[j].error == 0 && !c->doc[i].key[j].answered && c->doc[i].key[j].qi >= 0;
    if (sltd__mf_batch_room(c, nq) != 0) {
        sltd__mf_fatal(c, SLTD_ENOMEM);
        return;
    }
    nq = 0;
    for (i = 0; i < c->n; i++) { /* the arena no longer moves: pointers into it are safe now */
        sltd__mf_doc *d = &c->doc[i];
        for (j = 0; j < d->nkeys && d->error == 0; j++) {
            sltd__mf_key *k = &d->key[j];
            if (k->error != 0 || k->answered || k->qi < 0)
                continue;
            k->qi = (int)nq;
            c->q[nq].state = c->a + k->state;
            c->q[nq].number = c->a + k->number;
            c->q[nq].type = k->type != SLTD__MF_NONE ? c->a + k->type : NULL;
            nq++;
        }
    }
    if (nq > 0)
        c->res[0].version = SLTD_RESULT_VERSION;
    if (nq > 0 && (rc = sltd_db_lookup_batch(c->res, s->db, c->q, nq)) != 0) {
        sltd__mf_fatal(c, rc);
        return;
    }
    memset(c->counts, 0, sizeof c->counts);
    c->nshow = 0;
    for (i = 0; i < c->n && c->rc == 0; i++) {
        const sltd__mf_doc *d = &c->doc[i];
        sltd__mf_decide(&s->cx, c, i);
        count_doc(c->counts, d);
        /* the rows a callback may see: invalid, listed (also audited), or all */
        if (d->error != 0 || d->listed || (s->o.flags & SLTD_SCREEN_ALL))
            c->show[c->nshow++] = (uint16_t)i;
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

static int audit(screen *s, const sltd__mf_chunk *c, const sltd__mf_doc *d, const sltd__mf_key *k, uint64_t index,
                 const sltd_result *r, const char *variant)
{
    sltd_screen_audit a;
    struct timespec now;
    struct tm tm;
    char t[64], input[SLTD__MF_MSG], num[32];
    jbuf j;
    unsigned i;

    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    strftime(t, sizeof t, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(t + strlen(t), sizeof t - strlen(t), ".%03ldZ", now.tv_nsec / 1000000L);
    snprintf(input, sizeof input, "%s:%lu", s->cx.name, d->line);
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
    jstr(&j, sltd__mf_str(c, k->state));
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
        jstr(&j, sltd__mf_str(c, k->number));
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
    a.number = (s->o.flags & SLTD_SCREEN_AUDIT_NUMBERS) ? sltd__mf_str(c, k->number) : NULL;
    return s->o.audit_fn(s->o.audit_ctx, &a);
}

/* A callback stopped the screening at document end - 1: the report counts the documents up to it. */
static void count_rows(screen *s, const sltd__mf_chunk *c, size_t end)
{
    uint64_t n[3] = { 0, 0, 0 };
    size_t i;

    for (i = 0; i < end; i++)
        count_doc(n, &c->doc[i]);
    count_into(&s->rep, n);
}

/* Hand a finished chunk's rows to the callbacks (calling thread); its counts into the report. */
static int emit_chunk(screen *s, const sltd__mf_chunk *c)
{
    const char *names[SLTD__MF_FIELDS], *vals[SLTD__MF_FIELDS];
    const char *const *header = NULL;
    size_t j, k, nheader = 0;
    int rc;

    if (s->fmt->names != NULL)
        header = s->fmt->names(s->reader, &nheader);
    for (j = 0; j < c->nshow; j++) { /* only these: the others' lines stay in the cache that holds them */
        const size_t i = c->show[j];
        const sltd__mf_doc *d = &c->doc[i];
        const sltd__mf_key *key = d->hit >= 0 ? &d->key[d->hit] : d->nkeys > 0 ? &d->key[0] : NULL;
        const sltd_result *r = NULL, *vr = NULL;
        sltd_screen_row row;

        if (d->error == 0) {
            if (key->answered) { /* an MRZ looked up with its OCR variants */
                const sltd_mrz_answer *a = &c->ans[i];
                r = &a->result;
                vr = a->variant_match ? &a->variant_result : NULL;
            } else {
                r = &c->res[key->qi];
            }
        }
        if (d->listed && s->o.audit_fn != NULL &&
            (rc = audit(s, c, d, key, c->first_index + i, r->listed || vr == NULL ? r : vr,
                        vr != NULL ? sltd__mf_str(c, key->variant) : NULL)) != 0)
            return count_rows(s, c, i + 1), rc;
        if (s->o.row_fn == NULL || (d->error == 0 && !d->listed && !(s->o.flags & SLTD_SCREEN_ALL)))
            continue;
        memset(&row, 0, sizeof row);
        row.version = SLTD_SCREEN_ROW_VERSION;
        row.index = c->first_index + i;
        row.line = d->line;
        row.error = d->error;
        row.error_msg = sltd__mf_str(c, d->msg);
        row.state = key != NULL ? sltd__mf_str(c, key->state) : "";
        row.number = key != NULL ? sltd__mf_str(c, key->number) : "";
        row.listed = d->error == 0 && d->listed;
        row.result = r;
        row.variant_number = key != NULL ? sltd__mf_str(c, key->variant) : "";
        row.variant_result = vr;
        row.note = sltd__mf_str(c, d->note);
        /* listed as read, unless only an OCR variant of the read number is */
        row.verdict = sltd__verdict_of(d->error, d->listed && (vr == NULL || r->listed), vr != NULL);
        if (header != NULL) {
            row.names = header;
            row.nfields = nheader; /* a row with the wrong field count passes empty fields */
            for (k = 0; k < row.nfields; k++)
                vals[k] = k < d->nfields ? c->a + c->foff[d->first + k] : "";
        } else {
            row.nfields = d->nfields;
            for (k = 0; k < row.nfields; k++) {
                vals[k] = c->a + c->foff[d->first + k];
                names[k] = c->a + c->foff[d->first + d->nfields + k];
            }
            row.names = names;
        }
        row.fields = vals;
        if ((rc = s->o.row_fn(s->o.row_ctx, &row)) != 0)
            return count_rows(s, c, i + 1), rc;
    }
    count_into(&s->rep, c->counts);
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
    p.bytes_total = sltd__text_total(s->in);
    p.seconds = since(&s->t0, &now);
    p.done = done;
    s->o.progress_fn(s->o.progress_ctx, &p);
}

/* ---- threads ---- */

/* Thread t (mu held, on return too): take one of its free chunks, read the input's next chunk into it
 * and finish it there, so that a chunk's bytes stay in the cache of the core that read them. The
 * chunk's sequence number is taken with the input, so chunks are emitted in input order whoever read
 * them. A read error is the chunk's fatal error, emitted in its place. 1: a chunk was read (or the
 * input found exhausted); 0: nothing to do now (no free chunk, the input exhausted, or stopping). */
static int read_one(screen *s, size_t t)
{
    sltd__mf_chunk *c;
    size_t i, k;
    int rc, publish;

    if (s->eof || s->stop)
        return 0;
    for (i = 0; i < s->per && s->busy[t * s->per + i]; i++)
        ;
    if (i == s->per)
        return 0;
    k = t * s->per + i;
    s->busy[k] = 1;
    c = s->chunks[k];
    pthread_mutex_unlock(&s->mu);
    pthread_mutex_lock(&s->in_mu);
    if (s->input_done) { /* another thread read the last chunk meanwhile */
        c->n = 0;
        c->rc = 0;
    } else if ((rc = read_chunk(s, c)) != 0) {
        sltd__mf_fatal(c, rc);
        s->input_done = 1;
    }
    pthread_mutex_lock(&s->mu);
    publish = c->n > 0 || c->rc != 0;
    if (publish) {
        c->done = c->rc != 0; /* a read error: nothing to finish */
        s->ring[s->fill++ % s->nchunks] = k;
    }
    if (s->input_done && !s->eof) {
        s->eof = 1;
        pthread_cond_broadcast(&s->done_cv);
        pthread_cond_broadcast(&s->free_cv);
    }
    pthread_mutex_unlock(&s->in_mu);
    if (!publish) {
        s->busy[k] = 0;
        return 1;
    }
    if (c->rc == 0) {
        pthread_mutex_unlock(&s->mu);
        process(s, c);
        pthread_mutex_lock(&s->mu);
        c->done = 1;
    }
    pthread_cond_broadcast(&s->done_cv);
    return 1;
}

typedef struct helper {
    screen *s;
    size_t t; /* its chunks: s->chunks[t * s->per ...] */
} helper;

static void *worker(void *arg)
{
    const helper *h = arg;
    screen *s = h->s;

    pthread_mutex_lock(&s->mu);
    while (!s->stop && !s->eof)
        if (!read_one(s, h->t))
            pthread_cond_wait(&s->free_cv, &s->mu);
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* The calling thread: emit in order, read and finish chunks of its own. 0, or the first fatal code /
 * callback value. */
static int run(screen *s)
{
    int rc = 0;
    sltd__mf_chunk *c;

    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (s->emit < s->fill && slot_of(s, s->emit)->done) {
            const size_t k = s->ring[s->emit % s->nchunks];
            c = s->chunks[k];
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
            s->busy[k] = 0;
            pthread_cond_broadcast(&s->free_cv);
        }
        if (s->eof && s->emit == s->fill)
            break;
        if (!read_one(s, 0))
            pthread_cond_wait(&s->done_cv, &s->mu);
    }
out:
    s->stop = 1;
    pthread_cond_broadcast(&s->free_cv);
    pthread_mutex_unlock(&s->mu);
    return rc;
}

static int screen_body(sltd_screen_report *out, sltd_db *db, const char *path, const sltd_screen_options *opts)
{
    static const sltd_screen_options defaults = SLTD_SCREEN_OPTIONS_INIT;
    const unsigned all_flags =
        SLTD_SCREEN_ALL | SLTD_SCREEN_OCR_VARIANTS | SLTD_SCREEN_AUDIT_NUMBERS | SLTD_SCREEN_MRZ_STRICT;
    pthread_t tid[SLTD_SCREEN_THREADS_MAX];
    helper help[SLTD_SCREEN_THREADS_MAX];
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
        return sltd__err(SLTD_EINVAL, "sltd_db_screen: bad argument or option");
    if ((s = calloc(1, sizeof *s)) == NULL)
        return sltd__err(SLTD_ENOMEM, "out of memory");
    s->db = db;
    s->o = *opts;
    s->rep.version = SLTD_SCREEN_REPORT_VERSION;
    s->fmt = sltd__mf_format_for(opts->format, path);
    nthreads = opts->threads;
    if (nthreads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        nthreads = n < 1 ? 1 : n > SLTD_SCREEN_THREADS_MAX ? SLTD_SCREEN_THREADS_MAX : (unsigned)n;
    }
    s->per = nthreads == 1 ? 1 : SLTD__SCREEN_PER_THREAD;
    s->nchunks = nthreads * s->per;
    clock_gettime(CLOCK_MONOTONIC, &s->t0);
    s->last = s->t0;
    pthread_mutex_init(&s->mu, NULL);
    pthread_mutex_init(&s->in_mu, NULL);
    pthread_cond_init(&s->done_cv, NULL);
    pthread_cond_init(&s->free_cv, NULL);
    if ((rc = sltd__text_open(&s->in, path)) != 0) {
        rc = s->in == NULL ? sltd__err(rc, "out of memory") : sltd__err(rc, "%s", sltd__text_error(s->in));
        goto cleanup;
    }
    s->cx.db = db;
    s->cx.flags = opts->flags;
    s->cx.name = sltd__text_name(s->in);
    if ((rc = s->fmt->open(&s->reader, s->in, &s->cx)) != 0) {
        if (rc == SLTD_ENOMEM)
            rc = sltd__err(rc, "out of memory");
        goto cleanup;
    }
    for (i = 0; i < s->nchunks; i++) /* (their pages are touched first by the thread that fills them) */
        if ((s->chunks[i] = sltd__mf_chunk_new()) == NULL) {
            rc = sltd__err(SLTD_ENOMEM, "out of memory");
            goto cleanup;
        }
    for (i = 1; i < nthreads; i++, started++) {
        help[i].s = s;
        help[i].t = i;
        if (pthread_create(&tid[i], NULL, worker, &help[i]) != 0)
            break; /* fewer helpers: the calling thread does the rest */
    }
    rc = run(s);
    for (i = 1; i <= started; i++)
        pthread_join(tid[i], NULL);
    /* a format with no header (MRZ, JSON Lines) is nothing but its rows: none at all is an empty input,
     * as a CSV file without its header is (a truncated export must not pass as screened) */
    if (rc == 0 && s->fmt->names == NULL && s->rep.documents + s->rep.invalid == 0)
        rc = sltd__err(SLTD_EFORMAT, "%s: empty manifest (no document in it)", sltd__text_name(s->in));
    if (rc == 0)
        progress(s, sltd__text_bytes(s->in), 1);
cleanup:
    if (out != NULL)
        *out = s->rep;
    for (i = 0; i < s->nchunks; i++)
        sltd__mf_chunk_free(s->chunks[i]);
    if (s->reader != NULL)
        s->fmt->close(s->reader);
    sltd__text_close(s->in);
    pthread_cond_destroy(&s->done_cv);
    pthread_cond_destroy(&s->free_cv);
    pthread_mutex_destroy(&s->in_mu);
    pthread_mutex_destroy(&s->mu);
    free(s);
    return rc;
}

int sltd_db_screen(sltd_screen_report *out, sltd_db *db, const char *path, const sltd_screen_options *opts)
{
    sltd_screen_report full = SLTD_SCREEN_REPORT_INIT;
    const int v = sltd__layout_enter(out, SLTD__LAYOUT_SCREEN_REPORT);
    const int rc = v < 0 ? v : screen_body(out != NULL ? &full : NULL, db, path, opts);

    return sltd__layout_leave(out, v, SLTD__LAYOUT_SCREEN_REPORT, &full, rc, "sltd_db_screen");
}
