/* SPDX-License-Identifier: Apache-2.0 */
/* fetch.c — reading a repository over HTTP(S) with libcurl, or from a directory (see fetch.h).
 *
 * HTTP rules: only http and https; redirects are refused (a 3xx is SLTD_EMIRROR naming the target);
 * no content encoding is asked for (the bytes hashed are the bytes served); each response body is
 * capped while it arrives (the rest of the announced size for a bundle, SLTD_INDEX_MAX for the index);
 * a Range request resumes a partial file and the Content-Range's start must be where it resumes; a
 * transfer that moves no byte for timeout_s fails. */
#include "fetch.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "error.h"
#include "fsutil.h"
#include "sltd.h"

struct sltd__src {
    char *base;  /* URL or directory, without a trailing '/' */
    int local;
    int retryable;
    unsigned timeout_s;
    char *ca_file;
    CURL *curl;
    char errbuf[CURL_ERROR_SIZE];
};

/* One response being received. */
typedef struct xfer {
    const sltd__src *src;
    /* memory sink (index) */
    uint8_t *mem;
    size_t memlen, cap;
    /* file sink (bundle) */
    int fd;
    const char *fdpath;
    uint64_t start, size;
    /* both */
    uint64_t written;
    long status;
    int began, overflow, badrange, rc;
    long long range_start; /* from Content-Range, -1 when absent */
    char location[200];
    /* slow retrieval: the time the last byte arrived; when the transfer began and how long it may take */
    curl_off_t seen;
    struct timespec last, began_at;
    int64_t deadline_ms;
    int stalled, tooslow;
} xfer;


static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int sltd__src_open(sltd__src **out, const char *source, const char *ca_file, unsigned timeout_s)
{
    sltd__src *s;
    const char *path = NULL;
    size_t n;
    int rc = SLTD_OK;

    *out = NULL;
    if (source == NULL || source[0] == '\0')
        return sltd__err(SLTD_EINVAL, "no source given");
    if ((s = calloc(1, sizeof *s)) == NULL)
        return sltd__err(SLTD_ENOMEM, "out of memory");
    s->timeout_s = timeout_s;
    if (strncasecmp(source, "http://", 7) == 0 || strncasecmp(source, "https://", 8) == 0) {
        s->base = strdup(source);
    } else if (strncasecmp(source, "file://", 7) == 0) {
        path = source + 7;
        if (strncasecmp(path, "localhost/", 10) == 0)
            path += 9;
        if (path[0] != '/') {
            rc = sltd__err(SLTD_EINVAL, "%s: a file:// URL names a local path (file:///PATH)", source);
            goto fail;
        }
    } else if (strstr(source, "://") != NULL) {
        rc = sltd__err(SLTD_EINVAL, "%s: unsupported source (http://, https://, file:// or a directory)", source);
        goto fail;
    } else {
        path = source;
    }
    if (path != NULL) {
        s->local = 1;
        s->base = strdup(path);
    }
    if (s->base == NULL || (ca_file != NULL && (s->ca_file = strdup(ca_file)) == NULL)) {
        rc = sltd__err(SLTD_ENOMEM, "out of memory");
        goto fail;
    }
    for (n = strlen(s->base); n > 1 && s->base[n - 1] == '/'; n--)
        s->base[n - 1] = '\0';
    if (!s->local) {
        pthread_once(&curl_once, curl_init);
        if (curl_init_rc != CURLE_OK || (s->curl = curl_easy_init()) == NULL) {
            rc = sltd__err(SLTD_ENETWORK, "libcurl could not be initialised");
            goto fail;
        }
    }
    *out = s;
    return SLTD_OK;
fail:
    sltd__src_close(s);
    return rc;
}

void sltd__src_close(sltd__src *s)
{
    if (s == NULL)
        return;
    if (s->curl != NULL)
        curl_easy_cleanup(s->curl);
    free(s->base);
    free(s->ca_file);
    free(s);
}

int sltd__src_is_local(const sltd__src *s)
{
    return s->local;
}

char *sltd__src_local_path(const sltd__src *s, const char *name)
{
    return sltd__fs_concat(s->base, "/", name);
}

int sltd__src_retryable(const sltd__src *s)
{
    return s->retryable;
}

/* ---- libcurl callbacks ---- */

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
    xfer *x = ctx;
    size_t len = size * n, i;
    long long a;

    if (len > 14 && strncasecmp(p, "Content-Range:", 14) == 0) {
        if (sscanf(p + 14, " bytes %lld-", &a) == 1 && a >= 0)
            x->range_start = a;
    } else if (len > 9 && strncasecmp(p, "Location:", 9) == 0) {
        for (i = 9; i < len && p[i] == ' '; i++)
            ;
        snprintf(x->location, sizeof x->location, "%.*s", (int)(len - i), p + i);
        x->location[strcspn(x->location, "\r\n")] = '\0';
    }
    return len;
}

/* The first bytes of a body: decide what the response is. 0 to go on, else stop. */
static int begin_body(xfer *x)
{
    x->began = 1;
    curl_easy_getinfo(x->src->curl, CURLINFO_RESPONSE_CODE, &x->status);
    if (x->status == 206) {
        if (x->range_start != (long long)x->start) {
            x->badrange = 1;
            return 1;
        }
    } else if (x->status == 200 && x->start > 0) { /* the server ignored the Range: start over */
        if (ftruncate(x->fd, 0) != 0) {
            x->rc = sltd__err(SLTD_EIO, "%s: cannot truncate: %s", x->fdpath, strerror(errno));
            return 1;
        }
        x->start = 0;
    }
    return 0;
}

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
    xfer *x = ctx;
    size_t len = size * n;

    if (!x->began && begin_body(x) != 0)
        return 0;
    if (x->status != 200 && x->status != 206)
        return len; /* an error page: not kept */
    if (x->mem == NULL && x->fd < 0)
        return 0;
    if (x->fd >= 0) {
        uint64_t at = x->start + x->written;
        if (at + len > x->size) {
            x->overflow = 1;
            return 0;
        }
        while (len > 0) {
            ssize_t w = pwrite(x->fd, p, len, (off_t)at);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                x->rc = sltd__err(errno == ENOSPC || errno == EDQUOT ? SLTD_EFULL : SLTD_EIO, "%s: cannot write: %s",
                                  x->fdpath, w < 0 ? strerror(errno) : "no progress");
                return 0;
            }
            p += w;
            len -= (size_t)w;
            at += (uint64_t)w;
            x->written += (uint64_t)w;
        }
        return size * n;
    }
    if (x->memlen + len > x->cap) {
        x->overflow = 1;
        return 0;
    }
    memcpy(x->mem + x->memlen, p, len);
    x->memlen += len;
    x->written += len;
    return len;
}

/* Called about once a second and whenever data moves: a transfer that moved no byte for timeout_s is
 * abandoned (libcurl's own low-speed check averages over several seconds). */
static int64_t ms_between(const struct timespec *a, const struct timespec *b)
{
    return (int64_t)(b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000;
}

static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
    xfer *x = ctx;
    struct timespec now;

    (void)dltotal;
    (void)ultotal;
    (void)ulnow;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (ms_between(&x->began_at, &now) > x->deadline_ms) {
        x->tooslow = 1;
        return 1;
    }
    if (dlnow != x->seen) {
        x->seen = dlnow;
        x->last = now;
        return 0;
    }
    if (ms_between(&x->last, &now) >= (int64_t)x->src->timeout_s * 1000) {
        x->stalled = 1;
        return 1;
    }
    return 0;
}

/* ---- one HTTP transfer ---- */

static int perform(sltd__src *s, const char *name, xfer *x, int nocache)
{
    struct curl_slist *hdrs = NULL;
    char range[48], *url = sltd__fs_concat(s->base, "/", name);
    curl_off_t clen = -1;
    CURLcode res;
    int rc = SLTD_OK;

    if (url == NULL)
        return sltd__err(SLTD_ENOMEM, "out of memory");
    s->retryable = 1;
    s->errbuf[0] = '\0';
    curl_easy_reset(s->curl);
    curl_easy_setopt(s->curl, CURLOPT_URL, url);
    curl_easy_setopt(s->curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(s->curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(s->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(s->curl, CURLOPT_ERRORBUFFER, s->errbuf);
    curl_easy_setopt(s->curl, CURLOPT_USERAGENT, "sltd/" SLTD_VERSION_STRING);
    curl_easy_setopt(s->curl, CURLOPT_CONNECTTIMEOUT, (long)s->timeout_s);
    curl_easy_setopt(s->curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(s->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(s->curl, CURLOPT_XFERINFODATA, x);
    curl_easy_setopt(s->curl, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(s->curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(s->curl, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(s->curl, CURLOPT_WRITEDATA, x);
    if (s->ca_file != NULL) {
        curl_easy_setopt(s->curl, CURLOPT_CAINFO, s->ca_file);
        curl_easy_setopt(s->curl, CURLOPT_CAPATH, NULL);
    }
    if (x->fd >= 0) {
        curl_easy_setopt(s->curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)(x->size - x->start));
        if (x->start > 0) {
            snprintf(range, sizeof range, "%llu-", (unsigned long long)x->start);
            curl_easy_setopt(s->curl, CURLOPT_RANGE, range);
        }
    } else {
        curl_easy_setopt(s->curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x->cap);
    }
    if (nocache && (hdrs = curl_slist_append(NULL, "Cache-Control: no-cache")) != NULL)
        curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, hdrs);
    clock_gettime(CLOCK_MONOTONIC, &x->last);
    x->began_at = x->last;
    x->deadline_ms = (int64_t)s->timeout_s * 1000 +
                     (int64_t)((x->fd >= 0 ? x->size - x->start : (uint64_t)x->cap) * 1000 / SLTD_SYNC_MIN_RATE);
    res = curl_easy_perform(s->curl);
    if (!x->began)
        curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &x->status);
    curl_easy_getinfo(s->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &clen);
    if (x->rc != SLTD_OK) {
        rc = x->rc;
    } else if (x->overflow || res == CURLE_FILESIZE_EXCEEDED) {
        rc = sltd__err(SLTD_EMIRROR, "%s: the server sends more bytes than the index announces; refused", url);
    } else if (x->badrange) {
        rc = sltd__err(SLTD_EMIRROR, "%s: asked to resume at byte %llu, the server answered from byte %lld; refused",
                       url, (unsigned long long)x->start, x->range_start);
    } else if (x->status >= 300 && x->status < 400) {
        s->retryable = 0;
        rc = sltd__err(SLTD_EMIRROR, "%s: HTTP %ld redirect to %s: redirects are refused (point the source at the "
                       "files themselves)", url, x->status, x->location[0] ? x->location : "(no location)");
    } else if (res != CURLE_OK) {
        s->retryable = !(res == CURLE_PEER_FAILED_VERIFICATION || res == CURLE_SSL_CACERT_BADFILE ||
                         res == CURLE_SSL_CERTPROBLEM || res == CURLE_UNSUPPORTED_PROTOCOL ||
                         res == CURLE_URL_MALFORMAT);
        if (x->stalled)
            rc = sltd__err(SLTD_ENETWORK, "%s: no byte moved for %u s", url, s->timeout_s);
        else if (x->tooslow)
            rc = sltd__err(SLTD_ENETWORK, "%s: slower than %d bytes/s on average: abandoned", url, SLTD_SYNC_MIN_RATE);
        else
            rc = sltd__err(SLTD_ENETWORK, "%s: %s", url, s->errbuf[0] ? s->errbuf : curl_easy_strerror(res));
    } else if (x->status == 416 && x->fd >= 0) { /* the part we hold is no prefix of the server's file */
        if (ftruncate(x->fd, 0) != 0)
            rc = sltd__err(SLTD_EIO, "%s: cannot truncate: %s", x->fdpath, strerror(errno));
        else
            rc = sltd__err(SLTD_ENETWORK, "%s: HTTP 416: the partial download is dropped", url);
        x->start = x->written = 0;
    } else if (x->status != 200 && x->status != 206) {
        rc = sltd__err(SLTD_ENETWORK, "%s: HTTP %ld", url, x->status);
    } else if (x->fd >= 0 && x->start + x->written < x->size) {
        /* a whole response, but short: the server's file is not the one the index names, unless the
         * end of the body could not be told from a dropped connection */
        if (clen >= 0)
            rc = sltd__err(SLTD_EMIRROR, "%s: the server's file ends after %llu of the %llu bytes the index "
                           "announces; refused", url, (unsigned long long)(x->start + x->written),
                           (unsigned long long)x->size);
        else
            rc = sltd__err(SLTD_ENETWORK, "%s: the transfer ended after %llu of %llu bytes", url,
                           (unsigned long long)(x->start + x->written), (unsigned long long)x->size);
    }
    curl_slist_free_all(hdrs);
    free(url);
    return rc;
}

int sltd__src_get(sltd__src *s, const char *name, uint8_t **out, size_t *len, size_t cap, uint64_t *transferred)
{
    xfer x;
    char *path;
    int rc;

    *out = NULL;
    *len = 0;
    if (s->local) { /* never retried: waiting does not complete a medium */
        if ((path = sltd__fs_concat(s->base, "/", name)) == NULL)
            return sltd__err(SLTD_ENOMEM, "out of memory");
        rc = sltd__fs_load(out, len, path, 0, cap, name);
        if (rc == SLTD_ENOENT || rc == SLTD_EIO) /* a medium not yet complete, or failing */
            rc = sltd__err(SLTD_ENETWORK, "%s", sltd_error_detail());
        if (rc == SLTD_OK)
            *transferred += *len;
        free(path);
        return rc;
    }
    memset(&x, 0, sizeof x);
    x.src = s;
    x.fd = -1;
    x.cap = cap;
    x.range_start = -1;
    if ((x.mem = malloc(cap > 0 ? cap : 1)) == NULL)
        return sltd__err(SLTD_ENOMEM, "out of memory");
    rc = perform(s, name, &x, 1);
    *transferred += x.written;
    if (rc != SLTD_OK) {
        free(x.mem);
        return rc;
    }
    *out = x.mem;
    *len = x.memlen;
    return SLTD_OK;
}

int sltd__src_get_file(sltd__src *s, const char *name, int fd, const char *fdpath, uint64_t *have, uint64_t size,
                       uint64_t *transferred)
{
    xfer x;
    int rc;

    if (s->local)
        return sltd__err(SLTD_EINVAL, "a local source is read in place");
    memset(&x, 0, sizeof x);
    x.src = s;
    x.fd = fd;
    x.fdpath = fdpath;
    x.start = *have;
    x.size = size;
    x.range_start = -1;
    rc = perform(s, name, &x, 0);
    *transferred += x.written;
    *have = x.start + x.written;
    return rc;
}
