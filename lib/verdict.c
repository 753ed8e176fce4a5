/* SPDX-License-Identifier: Apache-2.0 */
/* verdict.c — the answer to one document as one value (sltd_verdict), and its name. */
#include "verdict.h"

sltd_verdict sltd__verdict_of(int code, int listed, int variant)
{
    switch (code) {
    case SLTD_OK:
        if (listed)
            return SLTD_VERDICT_LISTED;
        return variant ? SLTD_VERDICT_VARIANT : SLTD_VERDICT_CLEAR;
    case SLTD_ESTATE:
    case SLTD_ENUMBER:
    case SLTD_ETYPE:
    case SLTD_EMRZ:
    case SLTD_EFORMAT:
        return SLTD_VERDICT_INVALID;
    case SLTD_ECHECKDIGIT:
        return SLTD_VERDICT_UNREADABLE;
    default:
        return SLTD_VERDICT_ERROR;
    }
}

const char *sltd_verdict_name(int verdict)
{
    /* No default: the compiler names any verdict left out. */
    switch ((sltd_verdict)verdict) {
    case SLTD_VERDICT_UNSET: return "unset";
    case SLTD_VERDICT_CLEAR: return "clear";
    case SLTD_VERDICT_LISTED: return "listed";
    case SLTD_VERDICT_VARIANT: return "variant";
    case SLTD_VERDICT_UNREADABLE: return "unreadable";
    case SLTD_VERDICT_INVALID: return "invalid";
    case SLTD_VERDICT_ERROR: return "error";
    }
    return "unset";
}
