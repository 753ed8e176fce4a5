/* SPDX-License-Identifier: Apache-2.0 */
/* sign.c — Ed25519 key files and signatures (see sign.h). */
#include "sign.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "error.h"
#include "fsutil.h"
#include "keyfile.h"

#define SEC_MAGIC "SLTDSEC1"
#define PUB_MAGIC "SLTDPUB1"
#define KEYFILE_MAGIC_LEN 8
#define SEC_FILE_LEN (KEYFILE_MAGIC_LEN + crypto_sign_SECRETKEYBYTES)
#define PUB_FILE_LEN (KEYFILE_MAGIC_LEN + crypto_sign_PUBLICKEYBYTES)

struct sltd__sign_key {
    unsigned char sk[crypto_sign_SECRETKEYBYTES];
};

struct sltd__sign_state {
    crypto_sign_state st;
};

int sltd__sign_key_create(const char *sec_path, const char *pub_path, uint8_t keyid[SLTD__SIGN_KEYID])
{
    unsigned char file[SEC_FILE_LEN], pub[PUB_FILE_LEN];
    int sfd = -1, pfd = -1, rc = SLTD_OK, created = 0;

    if (sodium_init() < 0)
        return sltd__err(SLTD_ENOMEM, "libsodium could not be initialised");
    if ((sfd = sltd__fs_create_new(sec_path, 0600)) < 0)
        return errno == EEXIST ? sltd__err(SLTD_EEXIST, "%s: already exists; not overwritten", sec_path)
                               : sltd__err(SLTD_EIO, "%s: cannot create: %s", sec_path, strerror(errno));
    if ((pfd = sltd__fs_create_new(pub_path, 0644)) < 0) {
        rc = errno == EEXIST ? sltd__err(SLTD_EEXIST, "%s: already exists; not overwritten", pub_path)
                             : sltd__err(SLTD_EIO, "%s: cannot create: %s", pub_path, strerror(errno));
        close(sfd);
        unlink(sec_path);
        return rc;
    }
    created = 1;
    memcpy(file, SEC_MAGIC, KEYFILE_MAGIC_LEN);
    memcpy(pub, PUB_MAGIC, KEYFILE_MAGIC_LEN);
    crypto_sign_keypair(pub + KEYFILE_MAGIC_LEN, file + KEYFILE_MAGIC_LEN);
    if ((rc = sltd__fs_write(sfd, file, sizeof file, sec_path)) != SLTD_OK ||
        (rc = sltd__fs_write(pfd, pub, sizeof pub, pub_path)) != SLTD_OK)
        goto cleanup;
    if (fsync(sfd) != 0 || fsync(pfd) != 0) {
        rc = sltd__err(SLTD_EIO, "%s: cannot sync the key files: %s", sec_path, strerror(errno));
        goto cleanup;
    }
    if (keyid != NULL)
        sltd__sign_pubkey_id(keyid, pub + KEYFILE_MAGIC_LEN);
cleanup:
    sodium_memzero(file, sizeof file);
    close(sfd);
    close(pfd);
    if (rc != SLTD_OK && created) {
        unlink(sec_path);
        unlink(pub_path);
    }
    return rc;
}

/* Read a whole small key file of exactly `len` bytes beginning with `magic`. secret: refuse group/other
 * access bits. */
static int read_keyfile(unsigned char *buf, size_t len, const char *path, const char *magic, int secret,
                        const char *what)
{
    struct stat st;
    int fd, rc = SLTD_OK;

    if ((fd = sltd__keyfile_open(path, what, secret, &st)) < 0)
        return fd;
    if (st.st_size != (off_t)len) {
        rc = sltd__err(SLTD_EKEY, "%s: not an sltd %s (%zu bytes expected, found %lld)", path, what, len,
                       (long long)st.st_size);
        goto cleanup;
    }
    if ((rc = sltd__fs_read(fd, buf, len, path)) != SLTD_OK)
        goto cleanup;
    if (memcmp(buf, magic, KEYFILE_MAGIC_LEN) != 0) {
        sodium_memzero(buf, len);
        rc = sltd__err(SLTD_EKEY, "%s: not an sltd %s (bad magic)", path, what);
    }
cleanup:
    close(fd);
    return rc;
}

int sltd__sign_key_load(sltd__sign_key **out, const char *path)
{
    unsigned char file[SEC_FILE_LEN];
    sltd__sign_key *k;
    int rc;

    *out = NULL;
    if (sodium_init() < 0)
        return sltd__err(SLTD_ENOMEM, "libsodium could not be initialised");
    if ((rc = read_keyfile(file, sizeof file, path, SEC_MAGIC, 1, "signing key")) != SLTD_OK)
        return rc;
    k = sodium_malloc(sizeof *k);
    if (k == NULL) {
        sodium_memzero(file, sizeof file);
        return sltd__err(SLTD_ENOMEM, "cannot allocate key memory");
    }
    memcpy(k->sk, file + KEYFILE_MAGIC_LEN, sizeof k->sk);
    sodium_memzero(file, sizeof file);
    sodium_mprotect_readonly(k);
    *out = k;
    return SLTD_OK;
}

void sltd__sign_key_free(sltd__sign_key *k)
{
    if (k != NULL)
        sodium_free(k);
}

void sltd__sign_key_id(uint8_t out[SLTD__SIGN_KEYID], const sltd__sign_key *k)
{
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];

    crypto_sign_ed25519_sk_to_pk(pk, k->sk);
    sltd__sign_pubkey_id(out, pk);
}

int sltd__sign_pubkey_load(uint8_t out[SLTD__SIGN_PUBLIC], const char *path)
{
    unsigned char file[PUB_FILE_LEN];
    int rc;

    if ((rc = read_keyfile(file, sizeof file, path, PUB_MAGIC, 0, "public key")) != SLTD_OK)
        return rc;
    memcpy(out, file + KEYFILE_MAGIC_LEN, SLTD__SIGN_PUBLIC);
    return SLTD_OK;
}

void sltd__sign_pubkey_id(uint8_t out[SLTD__SIGN_KEYID], const uint8_t pk[SLTD__SIGN_PUBLIC])
{
    unsigned char h[crypto_generichash_BYTES];

    crypto_generichash(h, sizeof h, pk, SLTD__SIGN_PUBLIC, NULL, 0);
    memcpy(out, h, SLTD__SIGN_KEYID);
}

sltd__sign_state *sltd__sign_begin(void)
{
    sltd__sign_state *s;

    if (sodium_init() < 0 || (s = sodium_malloc(sizeof *s)) == NULL)
        return NULL;
    crypto_sign_init(&s->st);
    return s;
}

void sltd__sign_update(sltd__sign_state *s, const void *p, size_t n)
{
    crypto_sign_update(&s->st, p, n);
}

void sltd__sign_create(const sltd__sign_state *s, uint8_t sig[SLTD__SIGN_BYTES], const sltd__sign_key *k)
{
    crypto_sign_state copy = s->st; /* final_create consumes the state */

    crypto_sign_final_create(&copy, sig, NULL, k->sk);
    sodium_memzero(&copy, sizeof copy);
}

int sltd__sign_verify(const sltd__sign_state *s, const uint8_t sig[SLTD__SIGN_BYTES],
                     const uint8_t (*pks)[SLTD__SIGN_PUBLIC], size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        crypto_sign_state copy = s->st;
        if (crypto_sign_final_verify(&copy, sig, pks[i]) == 0)
            return (int)i;
    }
    return -1;
}

void sltd__sign_free(sltd__sign_state *s)
{
    if (s != NULL)
        sodium_free(s);
}

void sltd__sign_key_public(uint8_t out[SLTD__SIGN_PUBLIC], const sltd__sign_key *k)
{
    crypto_sign_ed25519_sk_to_pk(out, k->sk);
}
