/* SPDX-License-Identifier: Apache-2.0 */
/* fsutil.c — shared file-system steps: whole reads and writes, directory fsync, safe opens, atomic
 * replacement (see fsutil.h). */
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "sltd.h"

static int write_error(const char *path)
{
    int full = errno == ENOSPC || errno == EDQUOT;

    return sltd__err(full ? SLTD_EFULL : SLTD_EIO, "%s: cannot write: %s", path, strerror(errno));
}

int sltd__fs_write(int fd, const void *p, size_t n, const char *path)
{
    const unsigned char *b = p;
    size_t off = 0;

    while (off < n) {
        ssize_t w = write(fd, b + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = EIO;
            return write_error(path);
        }
        off += (size_t)w;
    }
    return SLTD_OK;
}

int sltd__fs_read(int fd, void *p, size_t n, const char *path)
{
    unsigned char *b = p;
    size_t got = 0;

    while (got < n) {
        ssize_t r = read(fd, b + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return sltd__err(SLTD_EIO, "%s: cannot read: %s", path, strerror(errno));
        if (r == 0)
            return sltd__err(SLTD_EIO, "%s: the file ended after %zu of %zu bytes", path, got, n);
        got += (size_t)r;
    }
    return SLTD_OK;
}

char *sltd__fs_concat(const char *a, const char *b, const char *c)
{
    size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
    char *p = malloc(n);

    if (p != NULL)
        snprintf(p, n, "%s%s%s", a, b, c);
    return p;
}

int sltd__fs_sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

    if (fd < 0)
        return -1;
    rc = fsync(fd);
    close(fd);
    return rc;
}

/* The directory that holds path ("." or "/" included), malloc'd; NULL when out of memory. */
static char *parent_of(const char *path)
{
    const char *slash = strrchr(path, '/');

    if (slash == NULL)
        return strdup(".");
    return strndup(path, slash == path ? 1 : (size_t)(slash - path));
}

int sltd__fs_open_regular(const char *path, int nofollow, struct stat *st)
{
    /* O_NONBLOCK: opening a FIFO (or a device) must not wait for a writer before the type is checked */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | (nofollow ? O_NOFOLLOW : 0));

    if (fd < 0)
        return -1;
    if (fstat(fd, st) != 0 || (S_ISREG(st->st_mode) && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0)) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    if (!S_ISREG(st->st_mode)) {
        close(fd);
        errno = S_ISDIR(st->st_mode) ? EISDIR : EINVAL;
        return -1;
    }
    return fd;
}

int sltd__fs_create_new(const char *path, mode_t mode)
{
    return open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
}

int sltd__fs_tmpfile(const char *dir)
{
    char path[4096];
    int fd;

#ifdef O_TMPFILE
    if ((fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)) >= 0)
        return fd;
#endif
    if ((size_t)snprintf(path, sizeof path, "%s/.sltd-tmp-XXXXXX", dir) >= sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    if ((fd = mkostemp(path, O_CLOEXEC)) >= 0)
        unlink(path);
    return fd;
}

/* Begin writing to a target that exists and is not a regular file, by opening it. */
static int atomic_begin_direct(sltd__fs_atomic *a, const struct stat *st)
{
    if (S_ISDIR(st->st_mode))
        return sltd__err(SLTD_EIO, "%s: is a directory", a->path);
    if ((a->tmp = strdup(a->path)) == NULL)
        return sltd__err(SLTD_ENOMEM, "%s: out of memory", a->path);
    if ((a->fd = open(a->path, O_WRONLY | O_NOCTTY | O_CLOEXEC)) < 0) {
        int rc = sltd__err(SLTD_EIO, "%s: cannot open: %s", a->path, strerror(errno));
        free(a->tmp);
        a->tmp = NULL;
        return rc;
    }
    a->direct = 1;
    return SLTD_OK;
}

int sltd__fs_atomic_begin(sltd__fs_atomic *a, const char *path, mode_t mode)
{
    struct stat st;
    size_t n;

    *a = (sltd__fs_atomic)SLTD__FS_ATOMIC_INIT;
    a->path = path;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return atomic_begin_direct(a, &st);
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
        /* write through the link: replace the file it names, keep the link */
        if ((a->real = realpath(path, NULL)) == NULL)
            return sltd__err(errno == ENOMEM ? SLTD_ENOMEM : SLTD_EIO,
                             "%s: a symbolic link to a file that cannot be reached: %s", path, strerror(errno));
        a->path = a->real;
    }
    n = strlen(a->path) + sizeof ".XXXXXX";
    a->dir = parent_of(a->path);
    if (a->dir == NULL || (a->tmp = malloc(n)) == NULL) {
        sltd__fs_atomic_abort(a);
        return sltd__err(SLTD_ENOMEM, "%s: out of memory", path);
    }
    snprintf(a->tmp, n, "%s.XXXXXX", a->path);
    if ((a->fd = mkstemp(a->tmp)) < 0) {
        int rc = sltd__err(errno == ENOSPC || errno == EDQUOT ? SLTD_EFULL : SLTD_EIO,
                           "%s: cannot create a temporary file: %s", a->tmp, strerror(errno));
        free(a->tmp);
        a->tmp = NULL;
        sltd__fs_atomic_abort(a);
        return rc;
    }
    if (fchmod(a->fd, mode) != 0) {
        int rc = sltd__err(SLTD_EIO, "%s: cannot set its mode: %s", a->tmp, strerror(errno));
        sltd__fs_atomic_abort(a);
        return rc;
    }
    return SLTD_OK;
}

/* Commit a direct write: close the device or FIFO (no fsync: most do not support it). */
static int atomic_commit_direct(sltd__fs_atomic *a)
{
    int rc = SLTD_OK;

    if (close(a->fd) != 0)
        rc = sltd__err(SLTD_EIO, "%s: cannot write: %s", a->tmp, strerror(errno));
    a->fd = -1;
    sltd__fs_atomic_abort(a);
    return rc;
}

int sltd__fs_atomic_commit(sltd__fs_atomic *a)
{
    int rc = SLTD_OK;

    if (a->tmp == NULL)
        return sltd__err(SLTD_EINVAL, "atomic write committed twice");
    if (a->direct)
        return atomic_commit_direct(a);
    if (fsync(a->fd) != 0) {
        rc = sltd__err(errno == ENOSPC || errno == EDQUOT ? SLTD_EFULL : SLTD_EIO, "%s: cannot sync: %s", a->tmp,
                       strerror(errno));
        goto cleanup;
    }
    if (close(a->fd) != 0) {
        a->fd = -1;
        rc = sltd__err(SLTD_EIO, "%s: cannot close: %s", a->tmp, strerror(errno));
        goto cleanup;
    }
    a->fd = -1;
    if (rename(a->tmp, a->path) != 0) {
        rc = sltd__err(SLTD_EIO, "%s: cannot rename into place: %s", a->path, strerror(errno));
        goto cleanup;
    }
    free(a->tmp);
    a->tmp = NULL;
    /* The rename is durable only once the directory is; if that fails the caller hears "not written",
     * so the file must not stay behind. */
    if (sltd__fs_sync_dir(a->dir) != 0) {
        rc = sltd__err(SLTD_EIO, "%s: cannot sync its directory: %s", a->path, strerror(errno));
        unlink(a->path);
    }
cleanup:
    sltd__fs_atomic_abort(a);
    return rc;
}

void sltd__fs_atomic_abort(sltd__fs_atomic *a)
{
    if (a->fd >= 0)
        close(a->fd);
    a->fd = -1;
    if (a->tmp != NULL) {
        if (!a->direct) /* never the device or FIFO itself */
            unlink(a->tmp);
        free(a->tmp);
        a->tmp = NULL;
    }
    a->direct = 0;
    free(a->dir);
    a->dir = NULL;
    if (a->path == a->real)
        a->path = NULL;
    free(a->real);
    a->real = NULL;
}

int sltd__fs_load(unsigned char **out, size_t *len, const char *path, size_t min, size_t max, const char *what)
{
    struct stat st;
    unsigned char *buf = NULL, extra;
    size_t got = 0, n;
    int fd, rc = SLTD_OK;
    ssize_t r;

    *out = NULL;
    *len = 0;
    if ((fd = sltd__fs_open_regular(path, 0, &st)) < 0) {
        if (errno == ENOENT)
            return sltd__err(SLTD_ENOENT, "%s: %s not found", path, what);
        if (errno == EISDIR || errno == EINVAL)
            return sltd__err(SLTD_EFORMAT, "%s: not a regular file", path);
        return sltd__err(SLTD_EIO, "%s: cannot open: %s", path, strerror(errno));
    }
    if ((uint64_t)st.st_size > (uint64_t)max || (uint64_t)st.st_size < (uint64_t)min) {
        rc = sltd__err(SLTD_EFORMAT, "%s: %lld bytes: a %s has %zu to %zu bytes", path, (long long)st.st_size, what,
                       min, max);
        goto cleanup;
    }
    n = (size_t)st.st_size;
    if ((buf = malloc(n > 0 ? n : 1)) == NULL) {
        rc = sltd__err(SLTD_ENOMEM, "%s: cannot hold %zu bytes", path, n);
        goto cleanup;
    }
    while (got < n) {
        r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = sltd__err(SLTD_EIO, "%s: cannot read: %s", path, strerror(errno));
            goto cleanup;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    /* the file changed while it was read: refuse rather than guess */
    while ((r = read(fd, &extra, 1)) < 0 && errno == EINTR)
        ;
    if (got != n || r != 0) {
        rc = sltd__err(SLTD_EFORMAT, "%s: the file changed while it was read", path);
        goto cleanup;
    }
    *out = buf;
    *len = n;
    buf = NULL;
cleanup:
    free(buf);
    close(fd);
    return rc;
}
