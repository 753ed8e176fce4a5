/* SPDX-License-Identifier: Apache-2.0 */
/* keylist.c — the root-signed key list (see keylist.h and docs/FLEET.md): its parser, its signature,
 * and the root ceremony's two operations, certify and revoke (sltd_key_certify, sltd_key_revoke). */
#include "keylist.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto.h"
#include "meta.h"
#include "error.h"
#include "layout.h"
#include "fsutil.h"

/* ---- format ---- */

size_t sltd__keylist_frame(const uint8_t *buf, size_t avail)
{
    uint32_t len;

    if (avail < SLTD__KEYLIST_MIN || memcmp(buf, SLTD__KEYLIST_MAGIC, 8) != 0)
        return 0;
    len = sltd__meta_decode_u32(buf + 12);
    if (len < SLTD__KEYLIST_MIN || len > SLTD__KEYLIST_LEN(SLTD_KEYLIST_MAX) || len > avail)
        return 0;
    return len;
}

int sltd__keylist_parse(sltd__keylist *out, const uint8_t *buf, size_t len, const char *source)
{
    uint32_t n;
    size_t i, j;

    memset(out, 0, sizeof *out);
    if (sltd__keylist_frame(buf, len) != len)
        return sltd__err(SLTD_EFORMAT, "%s: not an sltd key list (magic or length)", source);
    if (((unsigned)buf[8] << 8 | buf[9]) != SLTD__KEYLIST_FORMAT)
        return sltd__err(SLTD_EFORMAT, "%s: key list format version %u is not supported (this library reads %d)",
                         source, (unsigned)buf[8] << 8 | buf[9], SLTD__KEYLIST_FORMAT);
    if (!sltd__meta_all_zero(buf + 10, 2) || !sltd__meta_all_zero(buf + 76, 4))
        return sltd__err(SLTD_EFORMAT, "%s: key list: reserved bytes are not zero", source);
    n = sltd__meta_decode_u32(buf + 72);
    if (n == 0 || n > SLTD_KEYLIST_MAX || SLTD__KEYLIST_LEN(n) != len)
        return sltd__err(SLTD_EFORMAT, "%s: key list: %u keys do not fit its length %zu", source, n, len);
    out->version = sltd__meta_decode_u64(buf + 16);
    out->created = (int64_t)sltd__meta_decode_u64(buf + 24);
    out->expires = (int64_t)sltd__meta_decode_u64(buf + 32);
    memcpy(out->root, buf + 40, SLTD__SIGN_PUBLIC);
    if (out->version == 0 || out->expires < out->created)
        return sltd__err(SLTD_EFORMAT, "%s: key list: version 0, or expires before it was created", source);
    out->n = n;
    for (i = 0; i < n; i++) {
        const uint8_t *p = buf + SLTD__KEYLIST_HDR + i * SLTD__KEYLIST_ENTRY;
        sltd__certkey *k = &out->k[i];
        memcpy(k->pk, p, SLTD__SIGN_PUBLIC);
        sltd__sign_pubkey_id(k->id, k->pk);
        k->not_before = (int64_t)sltd__meta_decode_u64(p + 32);
        k->not_after = (int64_t)sltd__meta_decode_u64(p + 40);
        k->state = p[48];
        if ((k->state != SLTD__KEY_ACTIVE && k->state != SLTD__KEY_REVOKED) || !sltd__meta_all_zero(p + 49, 7) ||
            k->not_after <= k->not_before)
            return sltd__err(SLTD_EFORMAT, "%s: key list: key %zu: bad state, reserved bytes or validity", source,
                             i + 1);
        for (j = 0; j < i; j++)
            if (memcmp(out->k[j].id, k->id, SLTD__SIGN_KEYID) == 0)
                return sltd__err(SLTD_EFORMAT, "%s: key list: key %zu is listed twice", source, i + 1);
    }
    return SLTD_OK;
}

int sltd__keylist_open(sltd__keylist *out, const uint8_t *buf, size_t len, const uint8_t (*roots)[SLTD__SIGN_PUBLIC],
                       size_t nroots, const char *source)
{
    sltd__sign_state *sig;
    int who;

    memset(out, 0, sizeof *out);
    if (sltd__keylist_frame(buf, len) != len)
        return sltd__err(SLTD_EFORMAT, "%s: not an sltd key list (magic or length)", source);
    if ((sig = sltd__sign_begin()) == NULL)
        return sltd__err(SLTD_ENOMEM, "out of memory");
    sltd__sign_update(sig, buf, len - SLTD__SIGN_BYTES);
    who = sltd__sign_verify(sig, buf + len - SLTD__SIGN_BYTES, roots, nroots);
    sltd__sign_free(sig);
    if (who < 0)
        return sltd__err(SLTD_ESIGNATURE, "%s: the key list is not signed by a trusted root key; refused", source);
    if (memcmp(roots[who], buf + 40, SLTD__SIGN_PUBLIC) != 0)
        return sltd__err(SLTD_ESIGNATURE, "%s: the key list names another root than the one that signed it", source);
    return sltd__keylist_parse(out, buf, len, source);
}

int sltd__keylist_load(sltd__keylist *out, uint8_t **raw, size_t *rawlen, const char *path)
{
    uint8_t *buf = NULL, root[1][SLTD__SIGN_PUBLIC];
    size_t len;
    int rc;

    if (raw != NULL)
        *raw = NULL;
    if ((rc = sltd__crypto_init()) != SLTD_OK ||
        (rc = sltd__fs_load(&buf, &len, path, SLTD__KEYLIST_MIN, SLTD__KEYLIST_LEN(SLTD_KEYLIST_MAX), "key list")) !=
            SLTD_OK)
        return rc;
    if (sltd__keylist_frame(buf, len) != len) {
        rc = sltd__err(SLTD_EFORMAT, "%s: not an sltd key list (magic or length)", path);
        goto cleanup;
    }
    memcpy(root[0], buf + 40, SLTD__SIGN_PUBLIC);
    if ((rc = sltd__keylist_open(out, buf, len, (const uint8_t(*)[SLTD__SIGN_PUBLIC])root, 1, path)) != SLTD_OK)
        goto cleanup;
    if (raw != NULL) {
        *raw = buf;
        *rawlen = len;
        buf = NULL;
    }
cleanup:
    free(buf);
    return rc;
}

int sltd__keylist_find(const sltd__keylist *kl, const uint8_t id[SLTD__SIGN_KEYID])
{
    size_t i;

    for (i = 0; i < kl->n; i++)
        if (memcmp(kl->k[i].id, id, SLTD__SIGN_KEYID) == 0)
            return (int)i;
    return -1;
}

int sltd__certkey_valid_at(const sltd__certkey *k, int64_t t)
{
    return k->state == SLTD__KEY_ACTIVE && k->not_before <= t && t < k->not_after;
}

/* Encode and sign: a malloc'd buffer of SLTD__KEYLIST_LEN(kl->n) bytes. */
static int encode(uint8_t **out, size_t *outlen, const sltd__keylist *kl, const sltd__sign_key *root)
{
    size_t len = SLTD__KEYLIST_LEN(kl->n), i;
    sltd__sign_state *sig;
    uint8_t *b;

    if ((b = calloc(1, len)) == NULL || (sig = sltd__sign_begin()) == NULL) {
        free(b);
        return sltd__err(SLTD_ENOMEM, "out of memory");
    }
    memcpy(b, SLTD__KEYLIST_MAGIC, 8);
    b[9] = SLTD__KEYLIST_FORMAT;
    sltd__meta_encode_u32(b + 12, (uint32_t)len);
    sltd__meta_encode_u64(b + 16, kl->version);
    sltd__meta_encode_u64(b + 24, (uint64_t)kl->created);
    sltd__meta_encode_u64(b + 32, (uint64_t)kl->expires);
    memcpy(b + 40, kl->root, SLTD__SIGN_PUBLIC);
    sltd__meta_encode_u32(b + 72, (uint32_t)kl->n);
    for (i = 0; i < kl->n; i++) {
        uint8_t *p = b + SLTD__KEYLIST_HDR + i * SLTD__KEYLIST_ENTRY;
        memcpy(p, kl->k[i].pk, SLTD__SIGN_PUBLIC);
        sltd__meta_encode_u64(p + 32, (uint64_t)kl->k[i].not_before);
        sltd__meta_encode_u64(p + 40, (uint64_t)kl->k[i].not_after);
        p[48] = (uint8_t)kl->k[i].state;
    }
    sltd__sign_update(sig, b, len - SLTD__SIGN_BYTES);
    sltd__sign_create(sig, b + len - SLTD__SIGN_BYTES, root);
    sltd__sign_free(sig);
    *out = b;
    *outlen = len;
    return SLTD_OK;
}

/* ---- the root ceremony: certify, revoke ---- */

static void fill_info(sltd_keylist_info *out, const sltd__keylist *kl)
{
    size_t i;

    memset(out, 0, sizeof *out);
    out->version = SLTD_KEYLIST_INFO_VERSION;
    out->list_version = kl->version;
    out->created = kl->created;
    out->expires = kl->expires;
    sltd__sign_pubkey_id(out->root_id, kl->root);
    out->nkeys = (unsigned)kl->n;
    for (i = 0; i < kl->n; i++) {
        memcpy(out->keys[i].key_id, kl->k[i].id, SLTD_KEYID_SIZE);
        out->keys[i].not_before = kl->k[i].not_before;
        out->keys[i].not_after = kl->k[i].not_after;
        out->keys[i].revoked = kl->k[i].state == SLTD__KEY_REVOKED;
    }
}

/* Load the list (or start one when it does not exist and `create`), let change() edit it, then sign it
 * with the root and replace the file. */
static int rewrite(sltd_keylist_info *out, const char *path, const char *root_sec, const char *key_pub, int create,
                   int (*change)(sltd__keylist *kl, const uint8_t pk[SLTD__SIGN_PUBLIC], const void *arg,
                                 const char *path),
                   const void *arg)
{
    sltd__fs_atomic a = SLTD__FS_ATOMIC_INIT;
    sltd__sign_key *root = NULL;
    uint8_t rootpk[SLTD__SIGN_PUBLIC], pk[SLTD__SIGN_PUBLIC], *enc = NULL;
    sltd__keylist *kl = NULL;
    size_t enclen = 0, i;
    int rc;

    sltd__err_clear();
    if (path == NULL || root_sec == NULL || key_pub == NULL)
        return sltd__err(SLTD_EINVAL, "key list, root key and signing key are required");
    if ((rc = sltd__crypto_init()) != SLTD_OK)
        return rc;
    if ((kl = calloc(1, sizeof *kl)) == NULL)
        return sltd__err(SLTD_ENOMEM, "out of memory");
    if ((rc = sltd__sign_key_load(&root, root_sec)) != SLTD_OK || (rc = sltd__sign_pubkey_load(pk, key_pub)) != SLTD_OK)
        goto cleanup;
    sltd__sign_key_public(rootpk, root);
    if (memcmp(rootpk, pk, SLTD__SIGN_PUBLIC) == 0) {
        rc = sltd__err(SLTD_EINVAL, "%s: the root key cannot be certified as a signing key", key_pub);
        goto cleanup;
    }
    rc = sltd__keylist_load(kl, NULL, NULL, path);
    if (rc == SLTD_ENOENT && create) {
        memset(kl, 0, sizeof *kl);
        memcpy(kl->root, rootpk, SLTD__SIGN_PUBLIC);
        sltd__err_clear();
    } else if (rc != SLTD_OK) {
        goto cleanup;
    } else if (memcmp(kl->root, rootpk, SLTD__SIGN_PUBLIC) != 0) {
        rc = sltd__err(SLTD_ESIGNATURE, "%s: the key list is signed by another root key than %s", path, root_sec);
        goto cleanup;
    }
    if ((rc = change(kl, pk, arg, path)) != SLTD_OK)
        goto cleanup;
    kl->version++;
    kl->created = (int64_t)time(NULL);
    kl->expires = kl->created;
    for (i = 0; i < kl->n; i++)
        if (kl->k[i].state == SLTD__KEY_ACTIVE && kl->k[i].not_after > kl->expires)
            kl->expires = kl->k[i].not_after;
    if ((rc = encode(&enc, &enclen, kl, root)) != SLTD_OK)
        goto cleanup;
    if ((rc = sltd__fs_atomic_begin(&a, path, 0644)) != SLTD_OK ||
        (rc = sltd__fs_write(a.fd, enc, enclen, a.tmp)) != SLTD_OK || (rc = sltd__fs_atomic_commit(&a)) != SLTD_OK)
        goto cleanup;
    if (out != NULL)
        fill_info(out, kl);
cleanup:
    sltd__fs_atomic_abort(&a);
    sltd__sign_key_free(root);
    free(enc);
    free(kl);
    return rc;
}

typedef struct validity {
    int64_t not_before, not_after;
} validity;

static int do_certify(sltd__keylist *kl, const uint8_t pk[SLTD__SIGN_PUBLIC], const void *arg, const char *path)
{
    const validity *v = arg;
    uint8_t id[SLTD__SIGN_KEYID];
    sltd__certkey *k;
    int i;

    sltd__sign_pubkey_id(id, pk);
    i = sltd__keylist_find(kl, id);
    k = i >= 0 ? &kl->k[i] : NULL;
    if (k != NULL && k->state == SLTD__KEY_REVOKED)
        return sltd__err(SLTD_EINVAL, "%s: this key was revoked; a revoked key is never certified again", path);
    if (k == NULL) {
        if (kl->n == SLTD_KEYLIST_MAX)
            return sltd__err(SLTD_EINVAL, "%s: the key list is full (%d keys)", path, SLTD_KEYLIST_MAX);
        k = &kl->k[kl->n++];
        memcpy(k->pk, pk, SLTD__SIGN_PUBLIC);
        memcpy(k->id, id, SLTD__SIGN_KEYID);
    }
    k->state = SLTD__KEY_ACTIVE;
    k->not_before = v->not_before;
    k->not_after = v->not_after;
    return SLTD_OK;
}

static int do_revoke(sltd__keylist *kl, const uint8_t pk[SLTD__SIGN_PUBLIC], const void *arg, const char *path)
{
    uint8_t id[SLTD__SIGN_KEYID];
    int i;

    (void)arg;
    sltd__sign_pubkey_id(id, pk);
    if ((i = sltd__keylist_find(kl, id)) < 0)
        return sltd__err(SLTD_EINVAL, "%s: this key is not in the key list", path);
    kl->k[i].state = SLTD__KEY_REVOKED;
    return SLTD_OK;
}

static int key_certify_body(sltd_keylist_info *out, const char *keylist_path, const char *root_sec, const char *key_pub,
                     int64_t not_before, unsigned int valid_days)
{
    validity v;

    if (valid_days == 0 || valid_days > SLTD_BUNDLE_DAYS_MAX || not_before < 0)
        return sltd__err(SLTD_EINVAL, "a key is certified for 1 to %d days", SLTD_BUNDLE_DAYS_MAX);
    v.not_before = not_before != 0 ? not_before : (int64_t)time(NULL);
    v.not_after = v.not_before + (int64_t)valid_days * 86400;
    return rewrite(out, keylist_path, root_sec, key_pub, 1, do_certify, &v);
}

int sltd_key_certify(sltd_keylist_info *out, const char *keylist_path, const char *root_sec, const char *key_pub,
                     int64_t not_before, unsigned int valid_days)
{
    sltd_keylist_info full = SLTD_KEYLIST_INFO_INIT;
    const int v = sltd__layout_enter(out, SLTD__LAYOUT_KEYLIST_INFO);
    const int rc = v < 0 ? v
                         : key_certify_body(out != NULL ? &full : NULL, keylist_path, root_sec, key_pub, not_before,
                                            valid_days);

    return sltd__layout_leave(out, v, SLTD__LAYOUT_KEYLIST_INFO, &full, rc, "sltd_key_certify");
}

static int key_revoke_body(sltd_keylist_info *out, const char *keylist_path, const char *root_sec, const char *key_pub)
{
    return rewrite(out, keylist_path, root_sec, key_pub, 0, do_revoke, NULL);
}

int sltd_key_revoke(sltd_keylist_info *out, const char *keylist_path, const char *root_sec, const char *key_pub)
{
    sltd_keylist_info full = SLTD_KEYLIST_INFO_INIT;
    const int v = sltd__layout_enter(out, SLTD__LAYOUT_KEYLIST_INFO);
    const int rc = v < 0 ? v : key_revoke_body(out != NULL ? &full : NULL, keylist_path, root_sec, key_pub);

    return sltd__layout_leave(out, v, SLTD__LAYOUT_KEYLIST_INFO, &full, rc, "sltd_key_revoke");
}
