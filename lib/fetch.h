/* SPDX-License-Identifier: Apache-2.0 */
/* fetch.h — where a sync reads a repository from (docs/FLEET.md): http:// and https:// through libcurl
 * (redirects refused, the system's CA store or a pinned CA file, Range to resume, byte caps enforced
 * while receiving), or a local directory / file:// URL. The only file that includes <curl/curl.h>.
 * One transfer at a time per source; no retries here (sync.c decides). */
#ifndef SLTD_FETCH_H
#define SLTD_FETCH_H

#include <stddef.h>
#include <stdint.h>

typedef struct sltd__src sltd__src;

/* Open a source: "http://...", "https://...", "file:///PATH" or a directory. ca_file (https: the CA
 * certificates to trust instead of the system's) may be NULL; timeout_s: a transfer that connects or
 * moves no byte for this long fails. 0, SLTD_EINVAL (unsupported URL), SLTD_ENETWORK (libcurl could not
 * start), SLTD_ENOMEM. */
int sltd__src_open(sltd__src **out, const char *source, const char *ca_file, unsigned timeout_s);
void sltd__src_close(sltd__src *s);

/* 1 for a directory or file:// source (its files are read in place), 0 for a remote one. */
int sltd__src_is_local(const sltd__src *s);
/* A local source's path of name, malloc'd (NULL: out of memory). */
char *sltd__src_local_path(const sltd__src *s, const char *name);

/* The whole file `name` (a small one: at most cap bytes) into malloc'd memory. *transferred grows by
 * the bytes received. 0, SLTD_ENETWORK, SLTD_EMIRROR (more than cap, a redirect), SLTD_EFORMAT (local:
 * not a regular file, larger than cap), SLTD_ENOMEM. */
int sltd__src_get(sltd__src *s, const char *name, uint8_t **out, size_t *len, size_t cap, uint64_t *transferred);

/* Remote only: the rest of `name`, a file of exactly `size` bytes, into fd, which holds *have bytes of
 * it already (asked for with a Range; a server that answers with the whole file starts it over).
 * *have is what fd holds afterwards, also after a failure (progress is kept for the next attempt).
 * 0 (fd holds size bytes), SLTD_ENETWORK, SLTD_EMIRROR (more bytes than size, a shorter file, a resume
 * at another offset, a redirect), SLTD_EIO, SLTD_EFULL (writing fd). */
int sltd__src_get_file(sltd__src *s, const char *name, int fd, const char *fdpath, uint64_t *have, uint64_t size,
                       uint64_t *transferred);

/* After SLTD_ENETWORK: 1 when another attempt may succeed (timeouts, resets, 5xx, 404 while a mirror
 * catches up), 0 when it cannot (the TLS certificate is not trusted, an unsupported protocol). */
int sltd__src_retryable(const sltd__src *s);

#endif
