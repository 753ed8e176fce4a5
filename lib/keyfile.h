/* SPDX-License-Identifier: Apache-2.0 */
/* keyfile.h — the master key file and the PRF key derived from it. */
#ifndef SLTD_KEYFILE_H
#define SLTD_KEYFILE_H

#include <stdint.h>
#include <sys/stat.h>

#include "prf.h"
#include "sltd.h"

/* Create a new random master key file with mode 0600. Fails with SLTD_EEXIST when it exists. */
int sltd__keyfile_create(const char *path);
/* Load a master key file and derive the PRF key from it (freed by sltd__prf_key_free); the master key
 * is wiped at once.
 * SLTD_ENOENT, SLTD_EKEYPERM (group/other bits), SLTD_EKEY (size, type), SLTD_EIO, SLTD_ENOMEM. */
int sltd__keyfile_load(sltd__keys **out, const char *path);

/* Open a key file of either kind: a regular file, not a symbolic link; a secret one must not be
 * accessible by group or others. The descriptor, or a negative sltd code (detail set). */
int sltd__keyfile_open(const char *path, const char *what, int secret, struct stat *st);

#endif
