/* SPDX-License-Identifier: Apache-2.0 */
/* meta.c — meta values as big-endian u64 (see meta.h). */
#include "meta.h"

#include "error.h"

void sltd__meta_encode_u64(uint8_t out[8], uint64_t v)
{
    int i;
    for (i = 7; i >= 0; i--, v >>= 8)
        out[i] = (uint8_t)v;
}

uint64_t sltd__meta_decode_u64(const uint8_t in[8])
{
    uint64_t v = 0;
    int i;
    for (i = 0; i < 8; i++)
        v = v << 8 | in[i];
    return v;
}

int sltd__meta_get_u64(sltd__txn *t, const char *name, uint64_t *out)
{
    uint8_t b[8];
    size_t len;
    int rc = sltd__store_meta_get(t, name, b, sizeof b, &len);

    *out = 0;
    if (rc < 0)
        return rc;
    if (rc == 0) {
        if (len != 8)
            return sltd__err(SLTD_ECORRUPT, "meta '%s' has %zu bytes", name, len);
        *out = sltd__meta_decode_u64(b);
    }
    return SLTD_OK;
}

void sltd__meta_encode_u32(uint8_t out[4], uint32_t v)
{
    out[0] = (uint8_t)(v >> 24);
    out[1] = (uint8_t)(v >> 16);
    out[2] = (uint8_t)(v >> 8);
    out[3] = (uint8_t)v;
}

uint32_t sltd__meta_decode_u32(const uint8_t in[4])
{
    return (uint32_t)in[0] << 24 | (uint32_t)in[1] << 16 | (uint32_t)in[2] << 8 | in[3];
}

int sltd__meta_all_zero(const uint8_t *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (p[i] != 0)
            return 0;
    return 1;
}
