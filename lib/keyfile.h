/* SPDX-License-Identifier: Apache-2.0 */
/* keyfile.h — the master key file and the PRF key derived from it. */
#ifndef SLTD_KEYFILE_H
#define SLTD_KEYFILE_H

#include <stdint.h>
#include <sys/stat.h>

#include "prf.h"
#include "sltd.h"

/* Create a new random master key file with mode 0600. Fails with SLTD_EEXIST when it exists. */
int sltd__key_create(const char *path);
/* Load a master key file and derive the PRF key from it; the master key is wiped at once.
 * SLTD_ENOENT, SLTD_EKEYPERM (group/other bits), SLTD_EKEY (size, type), SLTD_EIO, SLTD_ENOMEM. */
int sltd__key_load(sltd__keys **out, const char *path);
void sltd__key_free(sltd__keys *k);
/* A value that identifies the key without revealing it (stored in the database's meta). */
void sltd__key_check(uint8_t out[SLTD_DIGEST_SIZE], const sltd__keys *k);

/* Open a key file of either kind: a regular file, not a symbolic link; a secret one must not be
 * accessible by group or others. The descriptor, or a negative sltd code (detail set). */
int sltd__key_open_file(const char *path, const char *what, int secret, struct stat *st);

#endif
