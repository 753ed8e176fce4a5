/* SPDX-License-Identifier: Apache-2.0 */
/* keyfile.c — the master key file and the PRF key derived from it (see keyfile.h). */
#include "keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "error.h"
#include "fsutil.h"

#define KDF_CONTEXT "sltd-prf"          /* crypto_kdf_CONTEXTBYTES = 8 */
#define KDF_ID_PRF 1
#define KEY_CHECK_INPUT "sltd key check v1"

_Static_assert(sizeof ((sltd__keys *)0)->prf == crypto_shorthash_siphashx24_KEYBYTES, "PRF key size");
#define load64_le sltd__load64_le

/* Open a key file of either kind: a regular file, not a symbolic link; a secret one must not be
 * accessible by group or others. The descriptor, or a negative sltd code (detail set). */
int sltd__key_open_file(const char *path, const char *what, int secret, struct stat *st)
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

int sltd__key_create(const char *path)
{
    unsigned char master[crypto_kdf_KEYBYTES];
    int fd, rc = SLTD_OK;

    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
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

int sltd__key_load(sltd__keys **out, const char *path)
{
    unsigned char master[crypto_kdf_KEYBYTES];
    struct stat st;
    sltd__keys *k = NULL;
    int fd, rc = SLTD_OK;

    *out = NULL;
    if ((fd = sltd__key_open_file(path, "key file", 1, &st)) < 0)
        return fd;
    if (st.st_size != (off_t)sizeof master) {
        rc = sltd__err(SLTD_EKEY, "%s: key file must be exactly %zu bytes, found %lld", path, sizeof master,
                       (long long)st.st_size);
        goto cleanup;
    }
    if ((rc = sltd__fs_read(fd, master, sizeof master, path)) != SLTD_OK)
        goto cleanup;
    k = sodium_malloc(sizeof *k);
    if (k == NULL) {
        rc = sltd__err(SLTD_ENOMEM, "cannot allocate key memory");
        goto cleanup;
    }
    crypto_kdf_derive_from_key(k->prf, sizeof k->prf, KDF_ID_PRF, KDF_CONTEXT, master);
    k->k0 = load64_le(k->prf);
    k->k1 = load64_le(k->prf + 8);
    sodium_mprotect_readonly(k);
    *out = k;
cleanup:
    sodium_memzero(master, sizeof master);
    close(fd);
    return rc;
}

void sltd__key_free(sltd__keys *k)
{
    if (k != NULL)
        sodium_free(k); /* sodium_free wipes the memory before releasing it */
}

void sltd__key_check(uint8_t out[SLTD_DIGEST_SIZE], const sltd__keys *k)
{
    crypto_shorthash_siphashx24(out, (const unsigned char *)KEY_CHECK_INPUT, sizeof KEY_CHECK_INPUT - 1, k->prf);
}
