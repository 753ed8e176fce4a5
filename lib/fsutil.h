/* SPDX-License-Identifier: Apache-2.0 */
/* fsutil.h — the file-system steps every module shares: whole reads and writes, fsync of a file's
 * directory, opening a regular file safely, and replacing a file atomically. Errors come back as sltd
 * codes with a detail naming the path (error.h); ENOSPC and EDQUOT are SLTD_EFULL. */
#ifndef SLTD_FSUTIL_H
#define SLTD_FSUTIL_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Write all n bytes (retrying short writes and EINTR). 0, SLTD_EFULL or SLTD_EIO ("PATH: cannot write"). */
int sltd__fs_write(int fd, const void *p, size_t n, const char *path);
/* Read exactly n bytes. 0, or SLTD_EIO (an error, or the file ended first). */
int sltd__fs_read(int fd, void *p, size_t n, const char *path);

/* a + b + c in malloc'd memory (a path: dir, "/", name; prefix, ".sec", ""); NULL when out of memory. */
char *sltd__fs_concat(const char *a, const char *b, const char *c);

/* fsync the directory dir. 0 or -1 with errno. */
int sltd__fs_sync_dir(const char *dir);

/* Create a new file for writing that must not exist yet (a symbolic link at path is not followed):
 * the descriptor, or -1 with errno set (EEXIST when something is there). Sets no error detail. */
int sltd__fs_create_new(const char *path, mode_t mode);

/* A new temporary file in dir that has no name (O_TMPFILE, or a unique name removed at once), so that
 * nothing is left behind even after a crash; mode 0600. The descriptor, or -1 with errno set. */
int sltd__fs_tmpfile(const char *dir);

/* Open an existing file read-only that must be a regular file, and fstat it into *st. With
 * nofollow, a symbolic link is refused (ELOOP). Returns the descriptor, or -1 with errno set
 * (EFTYPE-like cases report EINVAL: not a regular file). A FIFO or a device is refused without waiting
 * for it (opened non-blocking). Sets no error detail: callers word it. */
int sltd__fs_open_regular(const char *path, int nofollow, struct stat *st);

/* Read a whole regular file of min..max bytes into malloc'd memory (*out, *len; free it). `what` names
 * the kind of file in messages ("bundle", "index"). SLTD_ENOENT (missing), SLTD_EFORMAT (not a regular
 * file, size out of bounds, or the file changed while it was read), SLTD_ENOMEM, SLTD_EIO. */
int sltd__fs_load(unsigned char **out, size_t *len, const char *path, size_t min, size_t max, const char *what);

/* A file written beside its final path and renamed over it when complete, so readers see the old
 * file or the whole new one, never a part:
 *   sltd__fs_atomic a;
 *   rc = sltd__fs_atomic_begin(&a, path, 0644);   write to a.fd ...
 *   rc = sltd__fs_atomic_commit(&a);              fsync, rename, fsync of the directory
 * or sltd__fs_atomic_abort(&a) to drop it. Both end the writer: on any failure of commit nothing is
 * left at either name (not even when only the directory's fsync failed: the caller is told the file
 * was not written, so it must not be there); abort after commit, or after a failed begin, does nothing.
 * A path that is a symbolic link is written through: the temporary file goes beside the file the link
 * resolves to and is renamed over that file, so the link stays a link (a link to nothing is refused:
 * SLTD_EIO naming it). A path that exists and is not a regular file (a device such as /dev/null or
 * /dev/full, a FIFO) is written to directly, never replaced (renamed over, a device node would become a
 * file): a write error on it is an error, and nothing can be undone.
 * Initialise with SLTD__FS_ATOMIC_INIT when cleanup may run before begin. */
typedef struct sltd__fs_atomic {
    int fd;
    int direct;       /* path is a device or a FIFO: fd is the path itself, no temporary file */
    char *tmp;        /* PATH.XXXXXX (direct: a copy of PATH, for messages) */
    char *dir;        /* the directory that holds PATH */
    char *real;       /* PATH resolved when it is a symbolic link, else NULL */
    const char *path; /* the file it becomes: the caller's (borrowed until commit or abort) or real */
} sltd__fs_atomic;
#define SLTD__FS_ATOMIC_INIT { -1, 0, NULL, NULL, NULL, NULL }

int sltd__fs_atomic_begin(sltd__fs_atomic *a, const char *path, mode_t mode);
int sltd__fs_atomic_commit(sltd__fs_atomic *a);
void sltd__fs_atomic_abort(sltd__fs_atomic *a);

#endif
