/* SPDX-License-Identifier: Apache-2.0 */
/* keyfile.c — the master key file and the PRF key derived from it (see keyfile.h). */
#include "keyfile.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "error.h"
#include "fsutil.h"

#define KDF_CONTEXT "sltd-prf"          /* crypto_kdf_CONTEXTBYTES = 8 */
#define KDF_ID_PRF 1

/* Open a key file of either kind: a regular file, not a symbolic link; a secret one must not be
 * accessible by group or others. The descriptor, or a negative sltd code (detail set). */
int sltd__keyfile_open(const char *path, const char *what, int secret, struct stat *st)
{
    int fd = sltd__fs_open_regular(path, 1, st);

    if (fd < 0) {
        if (errno == ENOENT)
            return sltd__err(SLTD_ENOENT, "%s: %s not found", path, what);
        if (errno == ELOOP)
            return sltd__err(SLTD_EKEY, "%s: %s is a symbolic link", path, what);
        if (errno == EISDIR || errno == EINVAL)
            return sltd__err(SLTD_EKEY, "%s: %s is not a regular file", path, what);
        return sltd__err(SLTD_EKEY, "%s: cannot open %s: %s", path, what, strerror(errno));
    }
    if (secret && (st->st_mode & (S_IRWXG | S_IRWXO))) {
        int rc = sltd__err(SLTD_EKEYPERM, "%s: %s mode is %03o; it must not be accessible by group or others (chmod 600)",
                           path, what, (unsigned)(st->st_mode & 0777));
        close(fd);
        return rc;
    }
    return fd;
}

int sltd__keyfile_create(const char *path)
{
    unsigned char master[crypto_kdf_KEYBYTES];
    int fd, rc = SLTD_OK;

    fd = sltd__fs_create_new(path, 0600);
    if (fd < 0)
        return errno == EEXIST ? sltd__err(SLTD_EEXIST, "%s: key file already exists", path)
                               : sltd__err(SLTD_EIO, "%s: cannot create key file: %s", path, strerror(errno));
    crypto_kdf_keygen(master);
    if ((rc = sltd__fs_write(fd, master, sizeof master, path)) != SLTD_OK)
        goto cleanup;
    if (fsync(fd) != 0)
        rc = sltd__err(SLTD_EIO, "%s: cannot sync key file: %s", path, strerror(errno));
cleanup:
    sodium_memzero(master, sizeof master);
    close(fd);
    if (rc != SLTD_OK)
        unlink(path);
    return rc;
}

int sltd__keyfile_load(sltd__keys **out, const char *path)
{
    unsigned char master[crypto_kdf_KEYBYTES], prf[16];
    struct stat st;
    int fd, rc = SLTD_OK;

    *out = NULL;
    if ((fd = sltd__keyfile_open(path, "key file", 1, &st)) < 0)
        return fd;
    if (st.st_size != (off_t)sizeof master) {
        rc = sltd__err(SLTD_EKEY, "%s: key file must be exactly %zu bytes, found %lld", path, sizeof master,
                       (long long)st.st_size);
        goto cleanup;
    }
    if ((rc = sltd__fs_read(fd, master, sizeof master, path)) != SLTD_OK)
        goto cleanup;
    crypto_kdf_derive_from_key(prf, sizeof prf, KDF_ID_PRF, KDF_CONTEXT, master);
    if ((*out = sltd__prf_key_new(prf)) == NULL)
        rc = sltd__err(SLTD_ENOMEM, "cannot allocate key memory");
cleanup:
    sodium_memzero(prf, sizeof prf);
    sodium_memzero(master, sizeof master);
    close(fd);
    return rc;
}
