/* SPDX-License-Identifier: Apache-2.0 */
/* sorter.h — update entries sorted by (digest, input order) with bounded memory: entries are kept in
 * memory up to a budget, then sorted and spilled to an unlinked temporary file in the database
 * directory (digests and encoded records only: no document number is ever written); reading merges
 * the runs (a heap over them). Any feed size needs at most ~2 x budget entries of memory (~3 x with a
 * second thread). */
#ifndef SLTD_SORTER_H
#define SLTD_SORTER_H

#include <stddef.h>
#include <stdint.h>

#include "entries.h"

typedef struct sltd__sorter sltd__sorter;

/* budget: entries kept in memory before a run is spilled (0: never spill). tmpdir: where runs go.
 * threads > 1 (with a budget): full buffers are sorted and written by a second thread while the next
 * one fills; then memory is ~3 x budget entries instead of ~2 x. The result is the same either way. */
int sltd__sorter_open(sltd__sorter **out, const char *tmpdir, size_t budget, unsigned threads);
/* Take over an in-memory set (e is left empty), and give it back (sorted) when done with it. */
int sltd__sorter_adopt(sltd__sorter *s, sltd__entries *e);
void sltd__sorter_give_back(sltd__sorter *s, sltd__entries *e);
/* Add an entry; its seq is set to its position in the input. May write a run. */
int sltd__sorter_push(sltd__sorter *s, const sltd__entry *x);
uint64_t sltd__sorter_count(const sltd__sorter *s);
uint64_t sltd__sorter_runs(const sltd__sorter *s);
/* After the last push: sort what is in memory. Then read (again after each rewind): */
int sltd__sorter_finish(sltd__sorter *s);
int sltd__sorter_rewind(sltd__sorter *s);
/* The next group of entries with one digest, in input order: 1 (g, n set; valid until the next call),
 * 0 at the end, <0 error. */
int sltd__sorter_next_group(sltd__sorter *s, const sltd__entry **g, size_t *n);
void sltd__sorter_close(sltd__sorter *s);

#endif
