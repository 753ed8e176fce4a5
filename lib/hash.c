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
