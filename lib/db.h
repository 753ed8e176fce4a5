/* SPDX-License-Identifier: Apache-2.0 */
/* db.h — what the library's files get from an open handle (struct sltd_db itself is private to db.c):
 * its parts, after checking that it may be used here. */
#ifndef SLTD_DB_H
#define SLTD_DB_H

#include "filter.h"
#include "fresh.h"
#include "prf.h"
#include "sltd.h"
#include "store.h"

/* The parts of an open handle, valid until sltd_db_close. */
typedef struct sltd__db_parts {
    const char *dir;        /* the database directory, as opened (for messages) */
    unsigned flags;         /* SLTD_OPEN_* */
    const sltd__keys *keys; /* the PRF key */
    sltd__store *store;
    sltd__filter *filter;
    sltd__fresh *fresh;
} sltd__db_parts;

/* Fill *out from the handle. 0, or SLTD_EINVAL (NULL handle) or SLTD_EFORK (a handle used in a child
 * after fork()), each with its detail. */
int sltd__db_use(sltd__db_parts *out, const sltd_db *db);
/* The same for a caller about to write: SLTD_EREADONLY too. */
int sltd__db_use_writer(sltd__db_parts *out, const sltd_db *db);
/* The parts without the check (the digest needs only the key, and may be computed after fork()). */
void sltd__db_parts_get(sltd__db_parts *out, const sltd_db *db);

#endif
