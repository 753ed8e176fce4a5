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

/* Sub-commands: each gets argv with argv[0] = the sub-command's name. */
int cli_mrz(int argc, char **argv);

/* `sltd check --mrz LINE LINE [LINE]`, on an open database: look the MRZ up (with OCR variants when
 * ocr_variants), print the answer (JSON when json) and return the exit status: CLI_HIT (read number
 * or a variant listed), CLI_CLEAR (checked, not listed), CLI_USAGE (bad MRZ or check digit failure),
 * CLI_SYSTEM (database error). lines: nlines (1-3) arguments; one argument may hold the lines
 * separated by newlines. */
int cli_check_mrz(sltd_db *db, int json, int ocr_variants, int nlines, char **lines);
/* Before the database is opened: 0 when the lines parse as an MRZ (check digits are judged later),
 * else the error is printed and CLI_USAGE returned (or CLI_SYSTEM when out of memory). */
int cli_mrz_validate(int nlines, char **lines);

#endif
