/* SPDX-License-Identifier: Apache-2.0 */
/* fsutil.c — shared file-system steps: whole reads and writes, directory fsync, safe opens, atomic
 * replacement (see fsutil.h). */
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
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
    int fd = open(path, O_RDONLY | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0));

    if (fd < 0)
        return -1;
    if (fstat(fd, st) != 0) {
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

int sltd__fs_atomic_begin(sltd__fs_atomic *a, const char *path, mode_t mode)
{
    size_t n = strlen(path) + sizeof ".XXXXXX";

    a->fd = -1;
    a->path = path;
    a->dir = parent_of(path);
    if (a->dir == NULL || (a->tmp = malloc(n)) == NULL) {
        free(a->dir);
        a->dir = NULL;
        return sltd__err(SLTD_ENOMEM, "%s: out of memory", path);
    }
    snprintf(a->tmp, n, "%s.XXXXXX", path);
    if ((a->fd = mkstemp(a->tmp)) < 0) {
        int rc = sltd__err(errno == ENOSPC || errno == EDQUOT ? SLTD_EFULL : SLTD_EIO,
                           "%s: cannot create a temporary file: %s", a->tmp, strerror(errno));
        free(a->tmp);
        a->tmp = NULL;
        free(a->dir);
        a->dir = NULL;
        return rc;
    }
    if (fchmod(a->fd, mode) != 0) {
        int rc = sltd__err(SLTD_EIO, "%s: cannot set its mode: %s", a->tmp, strerror(errno));
        sltd__fs_atomic_abort(a);
        return rc;
    }
    return SLTD_OK;
}

int sltd__fs_atomic_commit(sltd__fs_atomic *a)
{
    int rc = SLTD_OK;

    if (a->tmp == NULL)
        return sltd__err(SLTD_EINVAL, "atomic write committed twice");
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
        unlink(a->tmp);
        free(a->tmp);
        a->tmp = NULL;
    }
    free(a->dir);
    a->dir = NULL;
}
