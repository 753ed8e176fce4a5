/* SPDX-License-Identifier: Apache-2.0 */
/* entries.h — update entries (a digest, an action, an encoded record), a growable set of them, and their
 * sort by (digest, input order). */
#ifndef SLTD_ENTRIES_H
#define SLTD_ENTRIES_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "sltd.h"

enum { SLTD__UPDATE_ADD = 1, SLTD__UPDATE_REMOVE = 2 };

typedef struct sltd__entry {
    uint8_t d[SLTD_DIGEST_SIZE];
    uint32_t seq;   /* input order: for one digest, later entries win */
    uint8_t action; /* SLTD__UPDATE_*; a remove whose record has no type removes every listing */
    uint8_t len;    /* encoded record length */
    uint8_t rec[SLTD__REC_MAX];
    uint32_t line;  /* input line, for messages */
} sltd__entry;

typedef struct sltd__entries {
    sltd__entry *v;
    size_t n, cap;
} sltd__entries;

/* Append (x->seq is set to the entry's position). 0 or SLTD_ENOMEM. */
int sltd__entries_push(sltd__entries *e, const sltd__entry *x);
void sltd__entries_free(sltd__entries *e);

/* Sort entries in place by (digest, seq); 0 or SLTD_ENOMEM. */
int sltd__entries_sort(sltd__entry *v, size_t n);
/* The same with tmp, room for n entries, as the working space (its contents are lost). */
int sltd__entries_sort_with(sltd__entry *v, sltd__entry *tmp, size_t n);

#endif
