/* SPDX-License-Identifier: Apache-2.0 */
/* record.c — listing encoding (see record.h). */
#include "record.h"

#include "date.h"

#include <string.h>

size_t sltd__record_encode(uint8_t out[SLTD__REC_MAX], const sltd_record *r)
{
    size_t rl = strnlen(r->reference, SLTD_REFERENCE_MAX);
    uint16_t rep = sltd__date_to_days(r->reported), exp = sltd__date_to_days(r->expires);

    memset(out, 0, SLTD__REC_HDR);
    out[0] = SLTD__REC_VERSION;
    out[1] = r->status;
    memcpy(out + 2, r->type, strnlen(r->type, SLTD_TYPE_MAX));
    out[4] = (uint8_t)(rep >> 8);
    out[5] = (uint8_t)rep;
    out[6] = (uint8_t)(exp >> 8);
    out[7] = (uint8_t)exp;
    memcpy(out + 8, r->reporting_state, strnlen(r->reporting_state, SLTD_STATE_MAX));
    out[11] = (uint8_t)rl;
    memcpy(out + SLTD__REC_HDR, r->reference, rl);
    return SLTD__REC_HDR + rl;
}

size_t sltd__record_len(const uint8_t *in, size_t avail)
{
    size_t len;

    if (avail < SLTD__REC_HDR || in[0] != SLTD__REC_VERSION || in[11] > SLTD_REFERENCE_MAX)
        return 0;
    len = SLTD__REC_HDR + in[11];
    return len <= avail ? len : 0;
}

/* Copy n <= SLTD_REFERENCE_MAX bytes with a few overlapping word moves: for these lengths the
 * compiler's inline memcpy (rep movs) costs more than the rest of a decode. */
static void copy_short(char *d, const uint8_t *s, size_t n)
{
    uint64_t a, b, c, e;
    uint32_t x, y;

    if (n >= 16) {
        memcpy(&a, s, 8);
        memcpy(&b, s + 8, 8);
        memcpy(&c, s + n - 16, 8);
        memcpy(&e, s + n - 8, 8);
        memcpy(d, &a, 8);
        memcpy(d + 8, &b, 8);
        memcpy(d + n - 16, &c, 8);
        memcpy(d + n - 8, &e, 8);
    } else if (n >= 8) {
        memcpy(&a, s, 8);
        memcpy(&b, s + n - 8, 8);
        memcpy(d, &a, 8);
        memcpy(d + n - 8, &b, 8);
    } else if (n >= 4) {
        memcpy(&x, s, 4);
        memcpy(&y, s + n - 4, 4);
        memcpy(d, &x, 4);
        memcpy(d + n - 4, &y, 4);
    } else {
        while (n-- > 0)
            *d++ = (char)*s++;
    }
}

int sltd__record_decode(sltd_record *out, const uint8_t *in, size_t avail, size_t *used)
{
    size_t len = sltd__record_len(in, avail);

    if (len == 0 || in[1] < SLTD_STATUS_STOLEN || in[1] > SLTD_STATUS_STOLEN_BLANK)
        return SLTD_ECORRUPT;
    out->status = in[1];
    memcpy(out->type, in + 2, 2);
    out->type[2] = '\0';
    out->reported = sltd__date_from_days((uint16_t)(in[4] << 8 | in[5]));
    out->expires = sltd__date_from_days((uint16_t)(in[6] << 8 | in[7]));
    memcpy(out->reporting_state, in + 8, 3);
    out->reporting_state[3] = '\0';
    copy_short(out->reference, in + SLTD__REC_HDR, in[11]);
    out->reference[in[11]] = '\0';
    *used = len;
    return SLTD_OK;
}
