/* SPDX-License-Identifier: Apache-2.0 */
/* index.c — the signed index of a fleet repository (see index.h and docs/FLEET.md): parser with explicit
 * bounds, verification through the root-signed key list, encoder and signer. */
#include "index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "crypto.h"
#include "meta.h"
#include "error.h"

void sltd__index_free(sltd__index *ix)
{
    free(ix->e);
    ix->e = NULL;
    ix->n = 0;
}

void sltd__index_bundle_name(char out[SLTD__INDEX_NAME], const uint8_t hash[SLTD__FILEHASH])
{
    size_t i;

    memcpy(out, "bundles/", 8);
    for (i = 0; i < SLTD__FILEHASH; i++)
        snprintf(out + 8 + 2 * i, 3, "%02x", hash[i]);
    memcpy(out + 8 + 2 * SLTD__FILEHASH, ".sltd", 6);
}

/* The framing read before any signature is verified: the length bounds, the magic, and where the key
 * list lies. 0 or SLTD_EFORMAT. */
static int frame(size_t *klen, const uint8_t *buf, size_t len, const char *source)
{
    uint32_t k;

    if (len < SLTD__INDEX_MIN || len > SLTD_INDEX_MAX || memcmp(buf, SLTD__INDEX_MAGIC, 8) != 0)
        return sltd__err(SLTD_EFORMAT, "%s: not an sltd index (%s)", source,
                         len < SLTD__INDEX_MIN ? "too short" : len > SLTD_INDEX_MAX ? "too large" : "bad magic");
    k = sltd__meta_decode_u32(buf + 88);
    if (k > len - SLTD__INDEX_HDR - SLTD__SIGN_BYTES || sltd__keylist_frame(buf + SLTD__INDEX_HDR, k) != k)
        return sltd__err(SLTD_EFORMAT, "%s: index: the key list's length is out of bounds", source);
    *klen = k;
    return SLTD_OK;
}

int sltd__index_parse(sltd__index *ix, const uint8_t *buf, size_t len, const char *source)
{
    const uint8_t *p;
    size_t klen = 0, i, nseq = 0;
    uint32_t b;
    int rc;

    memset(ix, 0, sizeof *ix);
    if ((rc = frame(&klen, buf, len, source)) != SLTD_OK)
        return rc;
    if (((unsigned)buf[8] << 8 | buf[9]) != SLTD__INDEX_FORMAT)
        return sltd__err(SLTD_EFORMAT, "%s: index format version %u is not supported (this library reads %d)", source,
                         (unsigned)buf[8] << 8 | buf[9], SLTD__INDEX_FORMAT);
    if (!sltd__meta_all_zero(buf + 10, 2) || !sltd__meta_all_zero(buf + 96, 32))
        return sltd__err(SLTD_EFORMAT, "%s: index: reserved bytes are not zero", source);
    if (sltd__meta_decode_u32(buf + 12) != SLTD__INDEX_HDR)
        return sltd__err(SLTD_EFORMAT, "%s: index: header length is not %d", source, SLTD__INDEX_HDR);
    b = sltd__meta_decode_u32(buf + 92);
    if (b == 0 || b > SLTD__INDEX_ENTRIES_MAX ||
        len != SLTD__INDEX_HDR + klen + (size_t)b * SLTD__INDEX_ENTRY + SLTD__SIGN_BYTES)
        return sltd__err(SLTD_EFORMAT, "%s: index: %u entries do not fit its length", source, b);
    ix->sequence = sltd__meta_decode_u64(buf + 16);
    ix->published = (int64_t)sltd__meta_decode_u64(buf + 24);
    ix->expires = (int64_t)sltd__meta_decode_u64(buf + 32);
    ix->records = sltd__meta_decode_u64(buf + 40);
    memcpy(ix->checksum, buf + 48, 16);
    memcpy(ix->key_check, buf + 64, 16);
    memcpy(ix->key_id, buf + 80, SLTD__SIGN_KEYID);
    if (ix->sequence == 0 || ix->expires < ix->published)
        return sltd__err(SLTD_EFORMAT, "%s: index: sequence 0, or expires before it was published", source);
    if ((rc = sltd__keylist_parse(&ix->keys, buf + SLTD__INDEX_HDR, klen, source)) != SLTD_OK)
        return rc;
    if (sltd__keylist_find(&ix->keys, ix->key_id) < 0)
        return sltd__err(SLTD_EFORMAT, "%s: index: its signing key is not in its key list", source);
    if ((ix->e = calloc(b, sizeof *ix->e)) == NULL)
        return sltd__err(SLTD_ENOMEM, "out of memory");
    p = buf + SLTD__INDEX_HDR + klen;
    for (i = 0; i < b; i++, p += SLTD__INDEX_ENTRY) {
        sltd__ientry *x = &ix->e[i];
        x->kind = p[0];
        x->sequence = sltd__meta_decode_u64(p + 8);
        x->base = sltd__meta_decode_u64(p + 16);
        x->size = sltd__meta_decode_u64(p + 24);
        x->created = (int64_t)sltd__meta_decode_u64(p + 32);
        memcpy(x->key_id, p + 40, SLTD__SIGN_KEYID);
        memcpy(x->hash, p + 48, SLTD__FILEHASH);
        ix->n = i + 1;
        if (!sltd__meta_all_zero(p + 1, 7) || (x->kind != SLTD_BUNDLE_FULL && x->kind != SLTD_BUNDLE_DELTA))
            return sltd__err(SLTD_EFORMAT, "%s: index: entry %zu: bad kind or reserved bytes", source, i + 1);
        if (x->sequence == 0 || x->sequence > ix->sequence ||
            (x->kind == SLTD_BUNDLE_FULL ? x->base != 0 : x->base == 0 || x->base >= x->sequence))
            return sltd__err(SLTD_EFORMAT, "%s: index: entry %zu: sequence %llu, base %llu out of bounds", source,
                             i + 1, (unsigned long long)x->sequence, (unsigned long long)x->base);
        if (x->size < SLTD__BUNDLE_MIN || x->size > SLTD_BUNDLE_MAX)
            return sltd__err(SLTD_EFORMAT, "%s: index: entry %zu: size %llu out of bounds", source, i + 1,
                             (unsigned long long)x->size);
        if (sltd__keylist_find(&ix->keys, x->key_id) < 0)
            return sltd__err(SLTD_EFORMAT, "%s: index: entry %zu: its signing key is not in the key list", source,
                             i + 1);
        if (i > 0) {
            const sltd__ientry *y = &ix->e[i - 1];
            if (x->sequence < y->sequence ||
                (x->sequence == y->sequence && (x->kind < y->kind || (x->kind == y->kind && x->base <= y->base))))
                return sltd__err(SLTD_EFORMAT, "%s: index: entry %zu is out of order or repeated", source, i + 1);
        }
        nseq += x->sequence == ix->sequence;
    }
    if (nseq == 0)
        return sltd__err(SLTD_EFORMAT, "%s: index: no bundle leads to its sequence %llu", source,
                         (unsigned long long)ix->sequence);
    return SLTD_OK;
}

int sltd__index_open(sltd__index *ix, const uint8_t *buf, size_t len, const uint8_t (*roots)[SLTD__SIGN_PUBLIC],
                     size_t nroots, const char *source)
{
    const uint8_t(*pk)[SLTD__SIGN_PUBLIC];
    char hex[2 * SLTD__SIGN_KEYID + 1];
    sltd__keylist *kl = NULL;
    sltd__sign_state *sig = NULL;
    const sltd__certkey *k;
    size_t klen = 0;
    int rc, i;

    memset(ix, 0, sizeof *ix);
    if ((rc = frame(&klen, buf, len, source)) != SLTD_OK)
        return rc;
    if ((kl = malloc(sizeof *kl)) == NULL)
        return sltd__err(SLTD_ENOMEM, "out of memory");
    /* 1. the key list, under a pinned root */
    if ((rc = sltd__keylist_open(kl, buf + SLTD__INDEX_HDR, klen, roots, nroots, source)) != SLTD_OK)
        goto cleanup;
    /* 2. the index, under the key it names (the name is unverified until the signature is) */
    sltd__hex(hex, buf + 80, SLTD__SIGN_KEYID);
    if ((i = sltd__keylist_find(kl, buf + 80)) < 0) {
        rc = sltd__err(SLTD_ESIGNATURE, "%s: the index is signed by key %s, which the key list does not certify; "
                       "refused", source, hex);
        goto cleanup;
    }
    k = &kl->k[i];
    pk = &k->pk;
    if ((sig = sltd__sign_begin()) == NULL) {
        rc = sltd__err(SLTD_ENOMEM, "out of memory");
        goto cleanup;
    }
    sltd__sign_update(sig, buf, len - SLTD__SIGN_BYTES);
    if (sltd__sign_verify(sig, buf + len - SLTD__SIGN_BYTES, pk, 1) != 0) {
        rc = sltd__err(SLTD_ESIGNATURE, "%s: the index's signature does not verify under key %s (altered or "
                       "damaged); refused", source, hex);
        goto cleanup;
    }
    /* 3. the signed bytes */
    if ((rc = sltd__index_parse(ix, buf, len, source)) != SLTD_OK)
        goto cleanup;
    if (!sltd__certkey_valid_at(k, ix->published)) {
        rc = sltd__err(SLTD_ESIGNATURE, "%s: the index is signed by key %s, which is %s; refused", source, hex,
                       k->state == SLTD__KEY_REVOKED ? "revoked" : "outside its validity period at the index's date");
        goto cleanup;
    }
cleanup:
    if (rc != SLTD_OK)
        sltd__index_free(ix);
    sltd__sign_free(sig);
    free(kl);
    return rc;
}

int sltd__index_encode(uint8_t **out, size_t *len, const sltd__index *ix, const uint8_t *keys_raw, size_t keys_len,
                       const sltd__sign_key *k)
{
    sltd__sign_state *sig;
    size_t n, i;
    uint8_t *b, *p;

    *out = NULL;
    if (ix->n == 0 || ix->n > SLTD__INDEX_ENTRIES_MAX)
        return sltd__err(SLTD_EINVAL, "an index lists 1 to %d bundles", SLTD__INDEX_ENTRIES_MAX);
    n = SLTD__INDEX_HDR + keys_len + ix->n * SLTD__INDEX_ENTRY + SLTD__SIGN_BYTES;
    if (n > SLTD_INDEX_MAX)
        return sltd__err(SLTD_EINVAL, "the index would have %zu bytes, more than %u", n, SLTD_INDEX_MAX);
    if ((b = calloc(1, n)) == NULL || (sig = sltd__sign_begin()) == NULL) {
        free(b);
        return sltd__err(SLTD_ENOMEM, "out of memory");
    }
    memcpy(b, SLTD__INDEX_MAGIC, 8);
    b[9] = SLTD__INDEX_FORMAT;
    sltd__meta_encode_u32(b + 12, SLTD__INDEX_HDR);
    sltd__meta_encode_u64(b + 16, ix->sequence);
    sltd__meta_encode_u64(b + 24, (uint64_t)ix->published);
    sltd__meta_encode_u64(b + 32, (uint64_t)ix->expires);
    sltd__meta_encode_u64(b + 40, ix->records);
    memcpy(b + 48, ix->checksum, 16);
    memcpy(b + 64, ix->key_check, 16);
    sltd__sign_key_id(b + 80, k);
    sltd__meta_encode_u32(b + 88, (uint32_t)keys_len);
    sltd__meta_encode_u32(b + 92, (uint32_t)ix->n);
    memcpy(b + SLTD__INDEX_HDR, keys_raw, keys_len);
    p = b + SLTD__INDEX_HDR + keys_len;
    for (i = 0; i < ix->n; i++, p += SLTD__INDEX_ENTRY) {
        const sltd__ientry *x = &ix->e[i];
        p[0] = (uint8_t)x->kind;
        sltd__meta_encode_u64(p + 8, x->sequence);
        sltd__meta_encode_u64(p + 16, x->base);
        sltd__meta_encode_u64(p + 24, x->size);
        sltd__meta_encode_u64(p + 32, (uint64_t)x->created);
        memcpy(p + 40, x->key_id, SLTD__SIGN_KEYID);
        memcpy(p + 48, x->hash, SLTD__FILEHASH);
    }
    sltd__sign_update(sig, b, n - SLTD__SIGN_BYTES);
    sltd__sign_create(sig, b + n - SLTD__SIGN_BYTES, k);
    sltd__sign_free(sig);
    *out = b;
    *len = n;
    return SLTD_OK;
}
