/* SPDX-License-Identifier: Apache-2.0 */
/* store.h — the LMDB environment: records (digest -> records) and meta (name -> value).
 * The only module that includes <lmdb.h>; LMDB codes are mapped to sltd codes here. */
#ifndef SLTD_STORE_H
#define SLTD_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "sltd.h"

typedef struct sltd__store sltd__store;
typedef struct sltd__txn sltd__txn;

enum {
    SLTD__STORE_RDONLY = 1, /* no writes */
    SLTD__STORE_CREATE = 2  /* a new database: create the meta table (otherwise its absence is an error,
                               and nothing is written into an environment that is not sltd's) */
};

/* The order of record keys: LMDB's default (memcmp, then the shorter key first), computed without a
 * library call for two digests. Every process must order keys alike; this order keeps the files
 * readable by LMDB's own tools. <0, 0, >0. */
int sltd__store_key_order(const uint8_t *a, size_t al, const uint8_t *b, size_t bl);

int sltd__store_open(sltd__store **out, const char *dir, unsigned flags, size_t map_size, unsigned max_readers);
void sltd__store_close(sltd__store *s);
/* Release a store inherited across fork() without touching LMDB: its reader slots and locks in the
 * lock file are the parent's, and closing the environment or aborting its pooled read transactions
 * would free them under the parent (a writer could then reuse pages the parent still reads). The
 * environment's memory and descriptors stay until the process execs or exits (LMDB has no call that
 * closes an environment without its shared state); the store is kept on a process-wide list, so that
 * its memory stays reachable (held on purpose, not lost, to a leak checker). */
void sltd__store_abandon(sltd__store *s);
/* The id of the last committed transaction (no system call, no lock; UINT64_MAX if every reader slot is
 * busy). */
uint64_t sltd__store_last_txnid(sltd__store *s);
/* Bytes of the data file in use, and the map size (0 if every reader slot is busy). */
void sltd__store_sizes(sltd__store *s, uint64_t *used, uint64_t *map);

/* A reader: one slot of a per-handle pool (no allocation once warm, no system call). While a thread
 * holds one, this process does not remap the environment. enter takes a slot and gives the id of the
 * last committed transaction (when `last` is not NULL); txn gives the slot's read transaction on the
 * newest committed state, taken once per hold (adopting a map grown by another process can move the
 * hold to another slot; on error the hold is released and *r is NULL); leave ends both. */
typedef struct sltd__reader sltd__reader;
int sltd__store_reader_enter(sltd__store *s, sltd__reader **r, uint64_t *last);
int sltd__store_reader_txn(sltd__store *s, sltd__reader **r, sltd__txn **out);
void sltd__store_reader_leave(sltd__store *s, sltd__reader *r);

/* enter + txn, for callers that only want the transaction; read_end leaves its reader. */
int sltd__store_read_begin(sltd__store *s, sltd__txn **out);
void sltd__store_read_end(sltd__store *s, sltd__txn *t);

/* The write transaction (one at a time, across processes). */
int sltd__store_write_begin(sltd__store *s, sltd__txn **out);
int sltd__store_commit(sltd__store *s, sltd__txn *t); /* always ends the transaction */
void sltd__store_abort(sltd__store *s, sltd__txn *t);
/* After SLTD_EFULL: 1 if it was the map (grow it and retry), 0 if the disk (retrying cannot help). */
int sltd__store_full_was_map(void);
/* Grow the map (to at least `bytes`, doubling), waiting for this process's readers to step out. */
int sltd__store_grow(sltd__store *s, uint64_t bytes);

uint64_t sltd__store_txn_id(const sltd__txn *t);
/* Look up a digest: 0 found (*val borrowed until the transaction ends), 1 not found, <0 error. */
int sltd__store_get(sltd__txn *t, const uint8_t d[SLTD_DIGEST_SIZE], const uint8_t **val, size_t *len);
/* Store a value (append: the digest is greater than every stored one; the appends of a transaction
 * share one cursor kept at the table's end, so that each skips the walk from the root). */
int sltd__store_put(sltd__txn *t, const uint8_t d[SLTD_DIGEST_SIZE], const uint8_t *val, size_t len, int append);
int sltd__store_del(sltd__txn *t, const uint8_t d[SLTD_DIGEST_SIZE]);
/* Remove every record (a full replacement). */
int sltd__store_clear(sltd__txn *t);
/* Is the records table empty? 1 yes, 0 no, <0 error. */
int sltd__store_empty(sltd__txn *t);
/* Meta values: get copies up to cap bytes and gives the length (1 when absent). */
int sltd__store_meta_get(sltd__txn *t, const char *name, void *buf, size_t cap, size_t *len);
int sltd__store_meta_put(sltd__txn *t, const char *name, const void *val, size_t len);
/* Call fn for every record value in digest order; stops at the first non-zero return. */
int sltd__store_foreach(sltd__txn *t, int (*fn)(void *ctx, const uint8_t *d, const uint8_t *val, size_t len),
                      void *ctx);

#endif
