/* SPDX-License-Identifier: Apache-2.0 */
/* verdict.h — the one rule that turns a lookup's code and answer into an sltd_verdict. */
#ifndef SLTD_VERDICT_H
#define SLTD_VERDICT_H

#include "sltd.h"

/* The verdict of one document: code is what the lookup of it returned (0: checked), listed whether
 * the document as read is listed, variant whether only an OCR variant of its number is. CLEAR only
 * for code 0 with nothing listed; a document's own fault (SLTD_ESTATE, SLTD_ENUMBER, SLTD_ETYPE,
 * SLTD_EMRZ, SLTD_EFORMAT of a row) is INVALID, SLTD_ECHECKDIGIT is UNREADABLE, and every other code
 * (the database, the system, a bad argument) is ERROR. */
sltd_verdict sltd__verdict_of(int code, int listed, int variant);

#endif
