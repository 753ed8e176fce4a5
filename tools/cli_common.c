/* SPDX-License-Identifier: Apache-2.0 */
/* cli_common.c — what the sltd command's sub-commands share: exit codes for library results,
 * error printing, the common options, JSON/CSV/date output helpers. Public API only. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

enum { OPT_DB = 1000, OPT_KEY, OPT_JSON, OPT_TYPE, OPT_HELP, OPT_IGNORE_UNKNOWN, OPT_BITS, OPT_STALE, OPT_MRZ,
       OPT_OCR, OPT_SKIP, OPT_STRICT };

/* The one table from library codes to exit statuses, for every sub-command (README "CLI"): 2 for what
 * the operator's input or arguments got wrong or the library refused as input (a malformed or invalid
 * feed, manifest, MRZ or bundle; a forged, replayed, rolled-back or expired bundle; data past its
 * expiry refused with --refuse-stale; a file that already exists and must not be overwritten), 3 for
 * the database, the key and the system. No `default:` so that the compiler names a code left out. */
int cli_exit_for(int rc)
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
    case SLTD_EMIRROR: /* a mirror served the wrong file: refused input */
    case SLTD_ELIMIT:  /* a file over a size cap: refused input */
        return CLI_USAGE;
    case SLTD_ENETWORK:
    case SLTD_ENOMEM:
    case SLTD_EIO:
    case SLTD_ENOENT:
    case SLTD_EKEY:
    case SLTD_EKEYPERM:
    case SLTD_EWRONGKEY:
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

int cli_exit_update(int rc)
{
    switch (rc) {
    case SLTD_OK: return CLI_CLEAR;
    case SLTD_EINVAL:
    case SLTD_EFORMAT:
    case SLTD_ETOOMANY:
    case SLTD_ESIGNATURE:
    case SLTD_EEXPIRED:
    case SLTD_ESEQUENCE:
    case SLTD_ECHECKSUM:
    case SLTD_EWRONGKEY:
    case SLTD_EMIRROR:
    case SLTD_ELIMIT:
        return CLI_USAGE;
    default:
        return CLI_SYSTEM;
    }
}

/* Print an error from the library: the code's text, then the detail when there is one. */
int cli_fail_with(const char *cmd, int rc, int status)
{
    const char *detail = sltd_error_detail();

    if (detail[0] != '\0')
        fprintf(stderr, "sltd %s: %s\n  (%s)\n", cmd, detail, sltd_error_text(rc));
    else
        fprintf(stderr, "sltd %s: %s\n", cmd, sltd_error_text(rc));
    return status;
}

int cli_fail(const char *cmd, int rc)
{
    return cli_fail_with(cmd, rc, cli_exit_for(rc));
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

void cli_when(char out[32], int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (t == 0)
        snprintf(out, 32, "never");
    else if (gmtime_r(&tt, &tm) == NULL || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, 32, "@%lld", (long long)t);
}

int cli_usage_error(const char *cmd, const char *msg)
{
    fprintf(stderr, "sltd %s: %s (see 'sltd %s --help')\n", cmd, msg, cmd);
    return CLI_USAGE;
}

void cli_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

void cli_date(char out[16], uint32_t ymd)
{
    if (ymd == 0)
        out[0] = '\0';
    else
        snprintf(out, 16, "%04u-%02u-%02u", (unsigned)(ymd / 10000), (unsigned)(ymd / 100 % 100),
                 (unsigned)(ymd % 100));
}

/* Warn an operator that the answer came from data past its expiry (a "freeze" of updates?). */
void cli_warn_stale(const char *cmd, int stale, int64_t expires)
{
    if (stale)
        fprintf(stderr, "sltd %s: WARNING: the data expired %.1f days ago; updates may be blocked "
                        "(use --refuse-stale to make this an error)\n",
                cmd, (double)(time(NULL) - expires) / 86400.0);
}


/* 0 parsed; -1 --help printed (exit 0); else an exit status. */
int cli_parse_args(args *a, int argc, char **argv, unsigned allowed, const char *help)
{
    static const struct option longopts[] = {
        { "db", required_argument, NULL, OPT_DB },
        { "key", required_argument, NULL, OPT_KEY },
        { "json", no_argument, NULL, OPT_JSON },
        { "type", required_argument, NULL, OPT_TYPE },
        { "ignore-unknown", no_argument, NULL, OPT_IGNORE_UNKNOWN },
        { "bits-per-key", required_argument, NULL, OPT_BITS },
        { "refuse-stale", no_argument, NULL, OPT_STALE },
        { "mrz", no_argument, NULL, OPT_MRZ },
        { "ocr-variants", no_argument, NULL, OPT_OCR },
        { "skip-invalid", no_argument, NULL, OPT_SKIP },
        { "strict", no_argument, NULL, OPT_STRICT },
        { "help", no_argument, NULL, OPT_HELP },
        { NULL, 0, NULL, 0 },
    };
    unsigned seen = 0;
    char *end;
    unsigned long v;
    int c;

    memset(a, 0, sizeof *a);
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_DB: a->db = optarg; seen |= A_DB; break;
        case OPT_KEY: a->key = optarg; seen |= A_KEY; break;
        case OPT_JSON: a->json = 1; seen |= A_JSON; break;
        case OPT_TYPE: a->type = optarg; seen |= A_TYPE; break;
        case OPT_IGNORE_UNKNOWN: a->ignore_unknown = 1; seen |= A_IGNORE; break;
        case OPT_STALE: a->refuse_stale = 1; seen |= A_STALE; break;
        case OPT_MRZ: a->mrz = 1; seen |= A_MRZ; break;
        case OPT_OCR: a->ocr_variants = 1; seen |= A_OCR; break;
        case OPT_SKIP: a->skip_invalid = 1; seen |= A_SKIP; break;
        case OPT_STRICT: a->strict = 1; seen |= A_STRICT; break;
        case OPT_BITS:
            errno = 0;
            v = strtoul(optarg, &end, 10);
            if (errno != 0 || *end != '\0' || v < 4 || v > 64)
                return cli_usage_error(argv[0], "--bits-per-key must be a number from 4 to 64");
            a->bits = (unsigned)v;
            seen |= A_BITS;
            break;
        case 'h':
        case OPT_HELP: fputs(help, stdout); return -1;
        default: return cli_usage_error(argv[0], "unknown option, or an option without its value");
        }
    }
    if (seen & ~allowed)
        return cli_usage_error(argv[0], "an option given does not apply to this command");
    if ((allowed & A_DB) && a->db == NULL)
        return cli_usage_error(argv[0], "--db DIR is required");
    a->npos = argc - optind;
    a->pos = argv + optind;
    return 0;
}

int cli_open_db(sltd_db **out, const char *cmd, const args *a, unsigned flags)
{
    sltd_options o = SLTD_OPTIONS_INIT;
    int rc;

    o.flags = flags | (a->refuse_stale ? SLTD_OPEN_REFUSE_STALE : 0);
    o.key_path = a->key;
    o.bits_per_key = a->bits;
    rc = sltd_db_open(out, a->db, &o);
    return rc == SLTD_OK ? 0 : cli_fail(cmd, rc);
}

void cli_hex(char *out, const uint8_t *b, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
}
