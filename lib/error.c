/* SPDX-License-Identifier: Apache-2.0 */
/* error.c — result codes as text, and the per-thread error detail. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char err_detail[1024];

int sltd__err(int code, const char *fmt, ...)
{
    char text[sizeof err_detail];
    va_list ap;

    /* formatted aside first: an argument may be the detail itself (a new code for the same reason,
     * or the reason with more said), and vsnprintf into its own argument is undefined */
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    memcpy(err_detail, text, strlen(text) + 1);
    return code;
}

char *sltd__hex(char *out, const uint8_t *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    size_t i;

    for (i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
    return out;
}

void sltd__err_clear(void)
{
    err_detail[0] = '\0';
}

int sltd__err_leave(int code, const char *fn)
{
    if (code < 0 && err_detail[0] == '\0')
        snprintf(err_detail, sizeof err_detail, "%s: %s", fn, sltd_error_text(code));
    return code;
}

const char *sltd_error_detail(void)
{
    return err_detail;
}


const char *sltd_error_text(int code)
{
    /* No default: the compiler names any code left out. */
    switch ((sltd_error)code) {
    case SLTD_OK: return "SLTD_OK: success";
    case SLTD_EINVAL: return "SLTD_EINVAL: invalid argument";
    case SLTD_ESTATE: return "SLTD_ESTATE: not an ICAO 9303 issuing state code";
    case SLTD_ENUMBER: return "SLTD_ENUMBER: document number must be 1-22 characters A-Z 0-9";
    case SLTD_ETYPE: return "SLTD_ETYPE: document type must be one or two letters";
    case SLTD_ENOMEM: return "SLTD_ENOMEM: out of memory";
    case SLTD_EIO: return "SLTD_EIO: input/output error";
    case SLTD_ENOENT: return "SLTD_ENOENT: no such database, key or file";
    case SLTD_EEXIST: return "SLTD_EEXIST: database already exists";
    case SLTD_EKEY: return "SLTD_EKEY: key file unreadable or not a key";
    case SLTD_EKEYPERM: return "SLTD_EKEYPERM: key file is accessible by group or others (chmod 600)";
    case SLTD_EWRONGKEY: return "SLTD_EWRONGKEY: key does not belong to this database";
    case SLTD_ECORRUPT: return "SLTD_ECORRUPT: database damaged or not an sltd database";
    case SLTD_EVERSION: return "SLTD_EVERSION: database format version not supported";
    case SLTD_EFULL: return "SLTD_EFULL: database or disk full";
    case SLTD_EREADERS: return "SLTD_EREADERS: too many concurrent readers";
    case SLTD_EBUSY: return "SLTD_EBUSY: database already open in this process";
    case SLTD_EREADONLY: return "SLTD_EREADONLY: database opened read-only";
    case SLTD_EFORK: return "SLTD_EFORK: handle used after fork()";
    case SLTD_EFORMAT: return "SLTD_EFORMAT: malformed input";
    case SLTD_ETOOMANY: return "SLTD_ETOOMANY: too many records for one document";
    case SLTD_EMRZ: return "SLTD_EMRZ: malformed MRZ";
    case SLTD_ECHECKDIGIT: return "SLTD_ECHECKDIGIT: MRZ check digit wrong";
    case SLTD_ESIGNATURE: return "SLTD_ESIGNATURE: bad signature or untrusted signing key";
    case SLTD_EEXPIRED: return "SLTD_EEXPIRED: update or data expired";
    case SLTD_ESEQUENCE: return "SLTD_ESEQUENCE: update replayed, rolled back or for another base";
    case SLTD_ECHECKSUM: return "SLTD_ECHECKSUM: state checksum mismatch after update";
    case SLTD_ENETWORK: return "SLTD_ENETWORK: the update source failed or could not be reached (after retries)";
    case SLTD_EMIRROR: return "SLTD_EMIRROR: the update source served a file other than the signed index names";
    case SLTD_ELIMIT: return "SLTD_ELIMIT: the update needs more bytes than allowed";
    }
    return "SLTD_E?: unknown error";
}

const char *sltd_version(void)
{
    return SLTD_VERSION_STRING;
}

int sltd_version_number(void)
{
    return SLTD_VERSION_NUMBER;
}

const char *sltd_status_name(int status)
{
    switch (status) {
    case SLTD_STATUS_STOLEN: return "stolen";
    case SLTD_STATUS_LOST: return "lost";
    case SLTD_STATUS_REVOKED: return "revoked";
    case SLTD_STATUS_INVALID: return "invalid";
    case SLTD_STATUS_STOLEN_BLANK: return "stolen_blank";
    default: return "?";
    }
}
