/* SPDX-License-Identifier: Apache-2.0 */
/* relutil.h — helpers shared by the reliability suites (test_crash, test_faults, test_damage,
 * test_stress, test_secrecy, test_disk): database snapshots, directory copies, plaintext scans, child
 * processes. Uses only sltd.h, the C library and POSIX, so black-box suites can use it. */
#ifndef SLTD_RELUTIL_H
#define SLTD_RELUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sltd.h"

/* What identifies a committed state: counts, sequence, state checksum. */
typedef struct ru_state {
    uint64_t records, documents, sequence;
    uint8_t checksum[16];
} ru_state;

/* The committed state of an open handle (0 ok, else the sltd error). */
int ru_state_get(ru_state *out, sltd_db *db);
/* 1 when a and b are the same state. */
int ru_state_eq(const ru_state *a, const ru_state *b);
/* "records/documents/seq/checksum" for messages (static buffer, one at a time per thread). */
const char *ru_state_str(const ru_state *s);

/* Open `dir` with the key `key` (NULL: DIR.key) and flags; the sltd code. */
int ru_open(sltd_db **out, const char *dir, const char *key, unsigned flags, size_t map_size);

/* Copy every regular file of directory `from` into `to` (created); 0 ok. */
int ru_copy_dir(const char *from, const char *to);
/* Copy one file; 0 ok. */
int ru_copy_file(const char *from, const char *to);

/* Does buf hold `prefix` (2 letters, the series of tu_number) followed by 7 ASCII digits, i.e. a
 * plaintext document number of that series? Returns the offset + 1 of the first one, or 0. */
size_t ru_find_plain(const char *buf, size_t len, const char *prefix);
/* The same over every file under `dir` (recursively); the path of the first offender goes to `who`.
 * Returns the number of files scanned, or -1 when one holds a number. */
long ru_scan_dir_plain(const char *dir, const char *prefix, char *who, size_t whocap);
/* tu_number's two-letter prefix of a series. */
void ru_series_prefix(char out[3], unsigned series);

/* Start `argv[0]` with argv; stdout and stderr to `log` (appended; NULL: /dev/null). The pid. */
pid_t ru_spawn(char *const argv[], const char *log);
/* Wait for pid; its exit status (0..255), or 1000 + signal number when it was killed. */
int ru_wait(pid_t pid);
/* Run to completion: ru_wait(ru_spawn(...)). */
int ru_run(char *const argv[], const char *log);

/* Monotonic time in seconds. */
double ru_now(void);
/* Sleep for s seconds. */
void ru_sleep(double s);

/* A feed with documents [from, to) of a series ("UTO", type P) as tu_feed, but every row's reference
 * carries `gen`, and with removals of documents [rm_from, rm_to) of series rm_series appended (all
 * listings: no type). Returns 0 ok. */
int ru_feed(const char *path, unsigned series, unsigned long from, unsigned long to, unsigned gen,
            unsigned rm_series, unsigned long rm_from, unsigned long rm_to);

/* The first state of a suite's database db: the feed packed into `bundle` as a full bundle of sequence 1
 * (deployment key `key`, signed by `sec`) and applied, trusting `pub`. 0 ok, else the sltd error. */
int ru_first_bundle(sltd_db *db, const char *feed, const char *bundle, const char *key, const char *sec,
                    const char *pub);

/* Is the environment variable set to a non-empty value other than "0"? */
int ru_env_on(const char *name);

#endif
