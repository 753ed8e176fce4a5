/* SPDX-License-Identifier: Apache-2.0 */
/* cli_common.c — what the sltd command's sub-commands share: the one table from library codes to exit
 * statuses, error messages, the check that an input can be read, opening the database, and the final
 * check of standard output. Public API only. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

/* The one table from library codes to exit statuses, for every sub-command (docs/OUTPUTS.md): 2 for
 * what the operator's input or arguments got wrong or the library refused as input (a malformed or
 * invalid feed, manifest, MRZ or bundle; a forged, replayed, rolled-back or expired bundle; data past
 * its expiry refused with --refuse-stale; a file that already exists and must not be overwritten; a
 * mirror's wrong file; a size cap), 3 for the database, the key, the network and the system. No
 * `default:` so that the compiler names a code left out. */
int cli_exit_for(int rc, int from_update)
{
    switch ((sltd_error)rc) {
    case SLTD_OK:
        return CLI_CLEAR;
    case SLTD_EINVAL:
    case SLTD_ESTATE:
    case SLTD_ENUMBER:
    case SLTD_ETYPE:
    case SLTD_EEXIST:
    case SLTD_EFORMAT:
    case SLTD_ETOOMANY:
    case SLTD_EMRZ:
    case SLTD_ECHECKDIGIT:
    case SLTD_ESIGNATURE:
    case SLTD_EEXPIRED:
    case SLTD_ESEQUENCE:
    case SLTD_ECHECKSUM:
    case SLTD_EMIRROR:
    case SLTD_ELIMIT:
        return CLI_USAGE;
    case SLTD_EWRONGKEY: /* an update made for another deployment is refused input; else this db's key */
        return from_update ? CLI_USAGE : CLI_SYSTEM;
    case SLTD_ENETWORK:
    case SLTD_ENOMEM:
    case SLTD_EIO:
    case SLTD_ENOENT:
    case SLTD_EKEY:
    case SLTD_EKEYPERM:
    case SLTD_ECORRUPT:
    case SLTD_EVERSION:
    case SLTD_EFULL:
    case SLTD_EREADERS:
    case SLTD_EBUSY:
    case SLTD_EREADONLY:
    case SLTD_EFORK:
        return CLI_SYSTEM;
    }
    return CLI_SYSTEM; /* a code this program does not know */
}

/* Print an error from the library: the detail and the code's name ("SLTD_EEXIST"), or the code's text
 * when there is no detail (the generic text could mislead beside a detail: "database already exists"
 * for a key file that does). */
int cli_fail(const char *cmd, int rc, int from_update)
{
    const char *detail = sltd_error_detail(), *text = sltd_error_text(rc);

    if (detail[0] != '\0')
        fprintf(stderr, "sltd %s: %s (%.*s)\n", cmd, detail, (int)strcspn(text, ":"), text);
    else
        fprintf(stderr, "sltd %s: %s\n", cmd, text);
    return cli_exit_for(rc, from_update);
}

int cli_usage_error(const char *cmd, const char *msg)
{
    fprintf(stderr, "sltd %s: %s (see 'sltd %s --help')\n", cmd, msg, cmd);
    return CLI_USAGE;
}

int cli_input_readable(const char *cmd, const char *path, int dash_is_stdin)
{
    if ((dash_is_stdin && strcmp(path, "-") == 0) || access(path, R_OK) == 0)
        return 0;
    fprintf(stderr, "sltd %s: %s: %s\n", cmd, path, strerror(errno));
    return CLI_USAGE;
}

int cli_number(unsigned long long *out, const char *s, unsigned long long min, unsigned long long max)
{
    char *end;

    if (s[0] < '0' || s[0] > '9')
        return -1;
    errno = 0;
    *out = strtoull(s, &end, 10);
    return errno != 0 || *end != '\0' || *out < min || *out > max ? -1 : 0;
}

/* Warn an operator that the answer came from data past its expiry (a "freeze" of updates?). */
void cli_warn_stale(const char *cmd, int stale, int64_t expires)
{
    char when[32];

    if (!stale)
        return;
    cli_when(when, expires);
    fprintf(stderr, "sltd %s: WARNING: the data expired at %s (%.1f days ago); updates may be blocked "
                    "(use --refuse-stale to make this an error)\n",
            cmd, when, (double)(time(NULL) - expires) / 86400.0);
}

int cli_open_db(sltd_db **out, const char *cmd, const args *a, unsigned flags)
{
    sltd_options o = SLTD_OPTIONS_INIT;
    int rc;

    o.flags = flags | (a->set[O_STALE] ? SLTD_OPEN_REFUSE_STALE : 0);
    o.key_path = a->text[O_KEY];
    o.bits_per_key = (unsigned)a->num[O_BITS];
    rc = sltd_db_open(out, a->text[O_DB], &o);
    return rc == SLTD_OK ? 0 : cli_fail(cmd, rc, 0);
}

int cli_close_stdout(const char *cmd)
{
    int failed;

    errno = 0;
    failed = fflush(stdout) != 0 || ferror(stdout);
    if (fclose(stdout) != 0)
        failed = 1;
    if (!failed)
        return 0;
    fprintf(stderr, "sltd %s: cannot write to standard output: %s\n", cmd,
            errno != 0 ? strerror(errno) : "a write failed");
    return CLI_SYSTEM;
}
