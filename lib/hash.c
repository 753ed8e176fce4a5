/* hash.c — keyed digests, key files, checksums (see hash.h). */
#include "hash.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "error.h"

#define KDF_CONTEXT "sltd-prf"          /* crypto_kdf_CONTEXTBYTES = 8 */
#define KDF_ID_PRF 1
#define KEY_CHECK_INPUT "sltd key check v1"

struct sltd__keys {
    unsigned char prf[crypto_shorthash_siphashx24_KEYBYTES];
};

int sltd__hash_init(void)
{
    return sodium_init() < 0 ? SLTD_ENOMEM : SLTD_OK;
}

static int read_full(int fd, unsigned char *buf, size_t n)
{
    size_t got = 0;

    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    return 0;
}

int sltd__key_create(const char *path)
{
    unsigned char master[crypto_kdf_KEYBYTES];
    int fd, rc = SLTD_OK;
    size_t off = 0;

    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno == EEXIST ? sltd__err(SLTD_EEXIST, "%s: key file already exists", path)
                               : sltd__err(SLTD_EIO, "%s: cannot create key file: %s", path, strerror(errno));
    crypto_kdf_keygen(master);
    while (off < sizeof master) {
        ssize_t w = write(fd, master + off, sizeof master - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            rc = sltd__err(SLTD_EIO, "%s: cannot write key file: %s", path, strerror(errno));
            goto cleanup;
        }
        off += (size_t)w;
    }
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
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT)
            return sltd__err(SLTD_ENOENT, "%s: key file not found", path);
        if (errno == ELOOP)
            return sltd__err(SLTD_EKEY, "%s: key file is a symbolic link", path);
        return sltd__err(SLTD_EKEY, "%s: cannot open key file: %s", path, strerror(errno));
    }
    if (fstat(fd, &st) != 0) {
        rc = sltd__err(SLTD_EIO, "%s: %s", path, strerror(errno));
        goto cleanup;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = sltd__err(SLTD_EKEY, "%s: key file is not a regular file", path);
        goto cleanup;
    }
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        rc = sltd__err(SLTD_EKEYPERM, "%s: key file mode is %03o; it must not be accessible by group or others (chmod 600)",
                       path, (unsigned)(st.st_mode & 0777));
        goto cleanup;
    }
    if (st.st_size != (off_t)sizeof master) {
        rc = sltd__err(SLTD_EKEY, "%s: key file must be exactly %zu bytes, found %lld", path, sizeof master,
                       (long long)st.st_size);
        goto cleanup;
    }
    if (read_full(fd, master, sizeof master) != 0) {
        rc = sltd__err(SLTD_EIO, "%s: cannot read key file", path);
        goto cleanup;
    }
    k = sodium_malloc(sizeof *k);
    if (k == NULL) {
        rc = sltd__err(SLTD_ENOMEM, "cannot allocate key memory");
        goto cleanup;
    }
    crypto_kdf_derive_from_key(k->prf, sizeof k->prf, KDF_ID_PRF, KDF_CONTEXT, master);
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

void sltd__digest(uint8_t out[SLTD_DIGEST_SIZE], const sltd__keys *k, const char *state, size_t slen,
                  const char *number, size_t nlen)
{
    unsigned char in[SLTD_STATE_MAX + 1 + SLTD_NUMBER_MAX];

    /* '<' appears in neither part, so "STATE<NUMBER" is an injective encoding. */
    memcpy(in, state, slen);
    in[slen] = '<';
    memcpy(in + slen + 1, number, nlen);
    crypto_shorthash_siphashx24(out, in, slen + 1 + nlen, k->prf);
}

void sltd__key_check(uint8_t out[SLTD_DIGEST_SIZE], const sltd__keys *k)
{
    crypto_shorthash_siphashx24(out, (const unsigned char *)KEY_CHECK_INPUT, sizeof KEY_CHECK_INPUT - 1, k->prf);
}

void sltd__hash128(uint8_t out[16], const void *a, size_t alen, const void *b, size_t blen)
{
    unsigned char buf[256];
    XXH128_canonical_t c;
    XXH128_hash_t h;

    if (alen + blen <= sizeof buf) {
        memcpy(buf, a, alen);
        memcpy(buf + alen, b, blen);
        h = XXH3_128bits(buf, alen + blen);
    } else {
        XXH3_state_t st;
        XXH3_128bits_reset(&st);
        XXH3_128bits_update(&st, a, alen);
        XXH3_128bits_update(&st, b, blen);
        h = XXH3_128bits_digest(&st);
    }
    XXH128_canonicalFromHash(&c, h);
    memcpy(out, c.digest, 16);
}

uint64_t sltd__hash64(const void *p, size_t n, uint64_t seed)
{
    return XXH3_64bits_withSeed(p, n, seed);
}

void sltd__sum128(uint8_t acc[16], const uint8_t v[16], int sign)
{
    unsigned carry = 0;
    int i;

    for (i = 15; i >= 0; i--) {
        unsigned x = sign > 0 ? (unsigned)acc[i] + v[i] + carry : (unsigned)acc[i] - v[i] - carry;
        carry = sign > 0 ? (x >> 8) : ((x >> 8) ? 1u : 0u);
        acc[i] = (uint8_t)x;
    }
}

void sltd__random(void *buf, size_t n)
{
    randombytes_buf(buf, n);
}

void sltd__wipe(void *p, size_t n)
{
    sodium_memzero(p, n);
}

/* ---- Ed25519 signing keys and signatures (see hash.h) ---- */

#define SEC_MAGIC "SLTDSEC1"
#define PUB_MAGIC "SLTDPUB1"
#define KEYFILE_MAGIC_LEN 8
#define SEC_FILE_LEN (KEYFILE_MAGIC_LEN + crypto_sign_SECRETKEYBYTES)
#define PUB_FILE_LEN (KEYFILE_MAGIC_LEN + crypto_sign_PUBLICKEYBYTES)

struct sltd__signkey {
    unsigned char sk[crypto_sign_SECRETKEYBYTES];
};

struct sltd__sigstate {
    crypto_sign_state st;
};

static int write_full(int fd, const unsigned char *p, size_t n)
{
    size_t off = 0;

    while (off < n) {
        ssize_t w = write(fd, p + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        off += (size_t)w;
    }
    return 0;
}

/* Open a new file that must not exist. -1 with errno on failure. */
static int create_excl(const char *path, mode_t mode)
{
    return open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
}

int sltd__signkey_create(const char *sec_path, const char *pub_path, uint8_t keyid[SLTD__SIGN_KEYID])
{
    unsigned char file[SEC_FILE_LEN], pub[PUB_FILE_LEN];
    int sfd = -1, pfd = -1, rc = SLTD_OK, created = 0;

    if (sodium_init() < 0)
        return sltd__err(SLTD_ENOMEM, "libsodium could not be initialised");
    if ((sfd = create_excl(sec_path, 0600)) < 0)
        return errno == EEXIST ? sltd__err(SLTD_EEXIST, "%s: already exists; not overwritten", sec_path)
                               : sltd__err(SLTD_EIO, "%s: cannot create: %s", sec_path, strerror(errno));
    if ((pfd = create_excl(pub_path, 0644)) < 0) {
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
    if (write_full(sfd, file, sizeof file) != 0 || fsync(sfd) != 0) {
        rc = sltd__err(SLTD_EIO, "%s: cannot write: %s", sec_path, strerror(errno));
        goto cleanup;
    }
    if (write_full(pfd, pub, sizeof pub) != 0 || fsync(pfd) != 0) {
        rc = sltd__err(SLTD_EIO, "%s: cannot write: %s", pub_path, strerror(errno));
        goto cleanup;
    }
    if (keyid != NULL)
        sltd__pubkey_id(keyid, pub + KEYFILE_MAGIC_LEN);
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

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT)
            return sltd__err(SLTD_ENOENT, "%s: %s not found", path, what);
        if (errno == ELOOP)
            return sltd__err(SLTD_EKEY, "%s: %s is a symbolic link", path, what);
        return sltd__err(SLTD_EKEY, "%s: cannot open %s: %s", path, what, strerror(errno));
    }
    if (fstat(fd, &st) != 0) {
        rc = sltd__err(SLTD_EIO, "%s: %s", path, strerror(errno));
        goto cleanup;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = sltd__err(SLTD_EKEY, "%s: %s is not a regular file", path, what);
        goto cleanup;
    }
    if (secret && (st.st_mode & (S_IRWXG | S_IRWXO))) {
        rc = sltd__err(SLTD_EKEYPERM, "%s: %s mode is %03o; it must not be accessible by group or others (chmod 600)",
                       path, what, (unsigned)(st.st_mode & 0777));
        goto cleanup;
    }
    if (st.st_size != (off_t)len) {
        rc = sltd__err(SLTD_EKEY, "%s: not an sltd %s (%zu bytes expected, found %lld)", path, what, len,
                       (long long)st.st_size);
        goto cleanup;
    }
    if (read_full(fd, buf, len) != 0) {
        rc = sltd__err(SLTD_EIO, "%s: cannot read %s", path, what);
        goto cleanup;
    }
    if (memcmp(buf, magic, KEYFILE_MAGIC_LEN) != 0) {
        sodium_memzero(buf, len);
        rc = sltd__err(SLTD_EKEY, "%s: not an sltd %s (bad magic)", path, what);
    }
cleanup:
    close(fd);
    return rc;
}

int sltd__signkey_load(sltd__signkey **out, const char *path)
{
    unsigned char file[SEC_FILE_LEN];
    sltd__signkey *k;
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

void sltd__signkey_free(sltd__signkey *k)
{
    if (k != NULL)
        sodium_free(k);
}

void sltd__signkey_id(uint8_t out[SLTD__SIGN_KEYID], const sltd__signkey *k)
{
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];

    crypto_sign_ed25519_sk_to_pk(pk, k->sk);
    sltd__pubkey_id(out, pk);
}

int sltd__pubkey_load(uint8_t out[SLTD__SIGN_PUBLIC], const char *path)
{
    unsigned char file[PUB_FILE_LEN];
    int rc;

    if ((rc = read_keyfile(file, sizeof file, path, PUB_MAGIC, 0, "public key")) != SLTD_OK)
        return rc;
    memcpy(out, file + KEYFILE_MAGIC_LEN, SLTD__SIGN_PUBLIC);
    return SLTD_OK;
}

void sltd__pubkey_id(uint8_t out[SLTD__SIGN_KEYID], const uint8_t pk[SLTD__SIGN_PUBLIC])
{
    unsigned char h[crypto_generichash_BYTES];

    crypto_generichash(h, sizeof h, pk, SLTD__SIGN_PUBLIC, NULL, 0);
    memcpy(out, h, SLTD__SIGN_KEYID);
}

sltd__sigstate *sltd__sig_begin(void)
{
    sltd__sigstate *s;

    if (sodium_init() < 0 || (s = sodium_malloc(sizeof *s)) == NULL)
        return NULL;
    crypto_sign_init(&s->st);
    return s;
}

void sltd__sig_update(sltd__sigstate *s, const void *p, size_t n)
{
    crypto_sign_update(&s->st, p, n);
}

void sltd__sig_create(const sltd__sigstate *s, uint8_t sig[SLTD__SIGN_BYTES], const sltd__signkey *k)
{
    crypto_sign_state copy = s->st; /* final_create consumes the state */

    crypto_sign_final_create(&copy, sig, NULL, k->sk);
    sodium_memzero(&copy, sizeof copy);
}

int sltd__sig_verify(const sltd__sigstate *s, const uint8_t sig[SLTD__SIGN_BYTES],
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

void sltd__sig_free(sltd__sigstate *s)
{
    if (s != NULL)
        sodium_free(s);
}
