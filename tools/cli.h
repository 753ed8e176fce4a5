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

#endif
