/* SPDX-License-Identifier: Apache-2.0 */
/* cli.h — what the sltd command's sub-command files share. Uses only the public header. */
#ifndef SLTD_CLI_H
#define SLTD_CLI_H

#include <stdio.h>

#include "sltd.h"

/* Exit statuses of every sltd command (README "CLI"). */
enum {
    CLI_CLEAR = 0,  /* checked, nothing listed (or: success) */
    CLI_HIT = 1,    /* at least one listed document */
    CLI_USAGE = 2,  /* bad usage or bad input */
    CLI_SYSTEM = 3  /* database, key or system error */
};

/* ---- shared helpers (cli_common.c) ---- */
/* The options of every command; each command says which it accepts. */
typedef struct args {
    const char *db, *key, *type;
    int json, ignore_unknown, refuse_stale, mrz, ocr_variants, skip_invalid, strict;
    unsigned bits;
    int npos;
    char **pos;
} args;

enum { A_DB = 1 << 0, A_KEY = 1 << 1, A_JSON = 1 << 2, A_TYPE = 1 << 3, A_IGNORE = 1 << 4, A_BITS = 1 << 5,
       A_STALE = 1 << 6, A_MRZ = 1 << 7, A_OCR = 1 << 8, A_SKIP = 1 << 9, A_STRICT = 1 << 10 };

/* Parse the common options, allowing only those in `allowed` (A_*): 0 parsed; -1 when --help was
 * printed (exit 0); else an exit status. Positional arguments end up in a->pos[0..npos). */
int cli_parse_args(args *a, int argc, char **argv, unsigned allowed, const char *help);
/* Open the database named by --db with --key; prints the error and returns an exit status, or 0. */
int cli_open_db(sltd_db **out, const char *cmd, const args *a, unsigned flags);
/* The exit status for a library result code. */
int cli_exit_for(int rc);
/* Print a library error (the code's text and the detail) and return its exit status. */
int cli_fail(const char *cmd, int rc);
/* The exit status of the commands that make or take updates (pack, apply, publish, sync): 2 for bad
 * input and every refusal (signature, expiry, sequence, checksum, another deployment key, a mirror's
 * wrong file, a limit), 3 for anything else. */
int cli_exit_update(int rc);
/* Print a library error (the code's text and the detail) and return `status`. */
int cli_fail_with(const char *cmd, int rc, int status);
/* A decimal whole number from min to max: 0, or -1 (nothing else accepted, not even a sign). */
int cli_number(unsigned long long *out, const char *s, unsigned long long min, unsigned long long max);
/* A time as UTC ISO 8601 ("never" for 0). */
void cli_when(char out[32], int64_t t);
/* Print a usage error and return CLI_USAGE. */
int cli_usage_error(const char *cmd, const char *msg);
/* A JSON string literal, escaped. */
void cli_json_string(FILE *f, const char *s);
/* YYYYMMDD as YYYY-MM-DD ("" for 0). */
void cli_date(char out[16], uint32_t ymd);
/* Lower-case hex of n bytes (out: 2n + 1). */
void cli_hex(char *out, const uint8_t *b, size_t n);
/* Warn on stderr that the data is past its expiry. */
void cli_warn_stale(const char *cmd, int stale, int64_t expires);

/* ---- sub-commands: each gets argv with argv[0] = the sub-command's name ---- */
int cli_screen(int argc, char **argv);
int cli_mrz(int argc, char **argv);
/* Signed update bundles (cli_bundle.c): sltd keygen, sltd pack, sltd apply. */
int cli_keygen(int argc, char **argv);
int cli_pack(int argc, char **argv);
int cli_apply(int argc, char **argv);
/* Fleet updates (cli_fleet.c): sltd publish, sltd sync, sltd certify, sltd revoke. */
int cli_publish(int argc, char **argv);
int cli_sync(int argc, char **argv);
int cli_certify(int argc, char **argv);
int cli_revoke(int argc, char **argv);
/* sltd stats: the last sync and the index's expiry, as text lines or (json) a JSON value. */
void cli_sync_state(sltd_db *db, int json);

/* `sltd check --mrz LINE LINE [LINE]`, on an open database: look the MRZ up (with OCR variants when
 * ocr_variants; ICAO 9303 only when strict), print the answer (JSON when json) and return the exit
 * status: CLI_HIT (read number or a variant listed), CLI_CLEAR (checked, not listed, valid),
 * CLI_USAGE (invalid document or check digit failure), CLI_SYSTEM (database error). lines: nlines
 * (1-3) arguments; one argument may hold the lines separated by newlines. */
int cli_check_mrz(sltd_db *db, int json, int ocr_variants, int strict, int nlines, char **lines);
/* Before the database is opened: 0 when the lines give an issuing state and a number to look up
 * (check digits and other fields are judged later), else every problem is printed and CLI_USAGE
 * returned (or CLI_SYSTEM when out of memory). */
int cli_mrz_validate(int nlines, char **lines, int strict);

#endif
