/* SPDX-License-Identifier: Apache-2.0 */
/* cli_args.c — the one option table and parser of every sltd sub-command: names, values, ranges,
 * which options a command takes, the SLTD_DB/SLTD_KEY environment variables, --help, --version and
 * --quiet. Public API only. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum kind { FLAG, TEXT, NUMBER, LIST };

typedef struct optdef {
    const char *name;          /* the long name, without "--" */
    const char *alias;         /* a second long name, or NULL */
    char letter;               /* a one-letter form ("-o"), or 0 */
    enum kind kind;
    const char *meta;          /* the value's name in messages */
    unsigned long long min, max; /* NUMBER: the range */
} optdef;

/* Indexed by cli_opt. */
static const optdef table[O_COUNT_] = {
    [O_DB] = { "db", NULL, 0, TEXT, "DIR", 0, 0 },
    [O_KEY] = { "key", NULL, 0, TEXT, "FILE", 0, 0 },
    [O_JSON] = { "json", NULL, 0, FLAG, NULL, 0, 0 },
    [O_TYPE] = { "type", NULL, 0, TEXT, "T", 0, 0 },
    [O_IGNORE] = { "ignore-unknown", NULL, 0, FLAG, NULL, 0, 0 },
    [O_BITS] = { "bits-per-key", NULL, 0, NUMBER, "N", 4, 64 },
    [O_STALE] = { "refuse-stale", NULL, 0, FLAG, NULL, 0, 0 },
    [O_MRZ] = { "mrz", NULL, 0, FLAG, NULL, 0, 0 },
    [O_OCR] = { "ocr-variants", NULL, 0, FLAG, NULL, 0, 0 },
    [O_SKIP] = { "skip-invalid", NULL, 0, FLAG, NULL, 0, 0 },
    [O_STRICT] = { "strict", NULL, 0, FLAG, NULL, 0, 0 },
    [O_OUT] = { "output", "out", 'o', TEXT, "FILE", 0, 0 },
    [O_SIGN] = { "sign", NULL, 0, TEXT, "PREFIX.sec", 0, 0 },
    [O_SEQ] = { "seq", NULL, 0, NUMBER, "N", 1, UINT64_MAX },
    [O_BASE] = { "base", NULL, 0, NUMBER, "M", 0, UINT64_MAX },
    [O_EXPIRES] = { "expires", NULL, 0, NUMBER, "DAYS", 0, SLTD_BUNDLE_DAYS_MAX },
    [O_TRUST] = { "trust", NULL, 0, LIST, "PREFIX.pub", 0, 0 },
    [O_DRY] = { "dry-run", NULL, 0, FLAG, NULL, 0, 0 },
    [O_REPO] = { "repo", NULL, 0, TEXT, "DIR", 0, 0 },
    [O_KEYS] = { "keys", NULL, 0, TEXT, "KEYLIST", 0, 0 },
    [O_FULL] = { "full", NULL, 0, FLAG, NULL, 0, 0 },
    [O_FULL_EVERY] = { "full-every", NULL, 0, NUMBER, "N", 1, 1000000 },
    [O_KEEP] = { "keep", NULL, 0, NUMBER, "N", 1, 4000 },
    [O_GRACE] = { "grace", NULL, 0, NUMBER, "HOURS", 1, 100000 },
    [O_FROM] = { "from", NULL, 0, TEXT, "URL|DIR", 0, 0 },
    [O_MAX_BYTES] = { "max-bytes", NULL, 0, NUMBER, "N", 1, UINT64_MAX },
    [O_CA] = { "ca-file", NULL, 0, TEXT, "PEM", 0, 0 },
    [O_RETRIES] = { "retries", NULL, 0, NUMBER, "N", 0, SLTD_SYNC_RETRIES_MAX },
    [O_TIMEOUT] = { "timeout", NULL, 0, NUMBER, "SECONDS", 1, 3600 },
    [O_ROOT] = { "root", NULL, 0, TEXT, "ROOT.sec", 0, 0 },
    [O_DAYS] = { "days", NULL, 0, NUMBER, "N", 1, SLTD_BUNDLE_DAYS_MAX },
    [O_FORMAT] = { "format", NULL, 0, TEXT, "csv|mrz|jsonl", 0, 0 },
    [O_THREADS] = { "threads", NULL, 0, NUMBER, "N", 1, SLTD_SCREEN_THREADS_MAX },
    [O_ALL] = { "all", NULL, 0, FLAG, NULL, 0, 0 },
    [O_AUDIT] = { "audit", NULL, 0, TEXT, "FILE", 0, 0 },
    [O_AUDIT_NUMBERS] = { "audit-numbers", NULL, 0, FLAG, NULL, 0, 0 },
    [O_NO_PROGRESS] = { "no-progress", NULL, 0, FLAG, NULL, 0, 0 },
    [O_REJECTS] = { "rejects", NULL, 0, TEXT, "FILE", 0, 0 },
};

/* --quiet, for the whole process (one command runs per process). */
static int quiet;

int cli_quiet(void)
{
    return quiet;
}

void cli_info(const char *fmt, ...)
{
    va_list ap;

    if (quiet)
        return;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}

/* A usage error about option `opt`: "'OPT'" followed by `what` (and `more` when not NULL). */
static int fail(const args *a, const char *opt, const char *what, const char *more)
{
    char msg[256];

    snprintf(msg, sizeof msg, "'%s' %s%s", opt, what, more != NULL ? more : "");
    return cli_usage_error(a->cmd, msg);
}

/* The option named by `arg` ("--name", "--name=value" or "-x"): its index, or -1. *value gets the text
 * after '=' (NULL when none). Global options: -2 help, -3 version, -4 quiet. */
static int lookup(const char *arg, const char **value)
{
    size_t n;
    int i;

    *value = NULL;
    if (arg[1] != '-') { /* -x */
        if (arg[2] != '\0')
            return -1;
        if (arg[1] == 'h')
            return -2;
        if (arg[1] == 'V')
            return -3;
        if (arg[1] == 'q')
            return -4;
        for (i = 0; i < O_COUNT_; i++)
            if (table[i].letter != 0 && table[i].letter == arg[1])
                return i;
        return -1;
    }
    arg += 2;
    n = strcspn(arg, "=");
    if (arg[n] == '=')
        *value = arg + n + 1;
    if (n == 4 && strncmp(arg, "help", 4) == 0)
        return *value != NULL ? -1 : -2;
    if (n == 7 && strncmp(arg, "version", 7) == 0)
        return *value != NULL ? -1 : -3;
    if (n == 5 && strncmp(arg, "quiet", 5) == 0)
        return *value != NULL ? -1 : -4;
    for (i = 0; i < O_COUNT_; i++)
        if ((strlen(table[i].name) == n && strncmp(arg, table[i].name, n) == 0) ||
            (table[i].alias != NULL && strlen(table[i].alias) == n && strncmp(arg, table[i].alias, n) == 0))
            return i;
    return -1;
}

static int take(args *a, int o, const char *opt, const char *v)
{
    const optdef *d = &table[o];
    char msg[160];

    if (a->set[o] && d->kind != LIST)
        return fail(a, opt, "is given twice", NULL);
    a->set[o] = 1;
    switch (d->kind) {
    case FLAG:
        break;
    case TEXT:
        if (v[0] == '\0')
            return fail(a, opt, "needs a value, not an empty one", NULL);
        a->text[o] = v;
        break;
    case NUMBER:
        if (cli_number(&a->num[o], v, d->min, d->max) != 0) {
            if (d->max == UINT64_MAX)
                snprintf(msg, sizeof msg, "'%s' must be a whole number from %llu", opt, d->min);
            else
                snprintf(msg, sizeof msg, "'%s' must be a whole number from %llu to %llu", opt, d->min, d->max);
            return cli_usage_error(a->cmd, msg);
        }
        break;
    case LIST:
        if (a->nlist == CLI_LIST_MAX)
            return fail(a, opt, "is given too many times", NULL);
        if (v[0] == '\0')
            return fail(a, opt, "needs a value, not an empty one", NULL);
        a->list[a->nlist++] = v;
        break;
    }
    return 0;
}

int cli_parse_args(args *a, int argc, char **argv, unsigned long long allowed, unsigned long long required,
                   const char *help)
{
    char optname[64], cmdname[64];
    int i, npos = 0, rc, dashdash = 0;

    memset(a, 0, sizeof *a);
    a->cmd = argv[0];
    snprintf(cmdname, sizeof cmdname, "'sltd %s'", argv[0]);
    for (i = 1; i < argc; i++) {
        const char *arg = argv[i], *v;
        int o;

        if (dashdash || arg[0] != '-' || arg[1] == '\0') {
            argv[1 + npos++] = argv[i]; /* arguments move down over the options already read */
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            dashdash = 1;
            continue;
        }
        o = lookup(arg, &v);
        snprintf(optname, sizeof optname, "%.*s", (int)strcspn(arg, "="), arg);
        if (o == -1) {
            char msg[128];
            snprintf(msg, sizeof msg, "unknown option '%s'", optname);
            return cli_usage_error(a->cmd, msg);
        }
        if (o == -2) {
            fputs(help, stdout);
            return -1;
        }
        if (o == -3) {
            printf("sltd %s\n", sltd_version());
            return -1;
        }
        if (o == -4) {
            quiet = 1;
            continue;
        }
        if (!(allowed & OPT(o)))
            return fail(a, optname, "does not apply to ", cmdname);
        if (table[o].kind == FLAG && v != NULL)
            return fail(a, optname, "takes no value", NULL);
        if (table[o].kind != FLAG && v == NULL) {
            if (i + 1 >= argc)
                return fail(a, optname, "needs a value ", table[o].meta);
            v = argv[++i];
        }
        if ((rc = take(a, o, optname, v)) != 0)
            return rc;
    }
    a->npos = npos;
    a->pos = argv + 1;
    /* the environment stands for --db where a database is required, and for --key */
    if ((required & OPT(O_DB)) && !a->set[O_DB] && getenv("SLTD_DB") != NULL && getenv("SLTD_DB")[0] != '\0')
        a->text[O_DB] = getenv("SLTD_DB");
    if ((allowed & OPT(O_KEY)) && !a->set[O_KEY] && getenv("SLTD_KEY") != NULL && getenv("SLTD_KEY")[0] != '\0')
        a->text[O_KEY] = getenv("SLTD_KEY");
    for (i = 0; i < O_COUNT_; i++)
        if ((required & OPT(i)) && !(table[i].kind == LIST ? a->nlist > 0 : a->set[i] || a->text[i] != NULL)) {
            char msg[160];
            snprintf(msg, sizeof msg, "--%s %s is required%s", table[i].name, table[i].meta,
                     i == O_DB ? " (or set SLTD_DB)" : "");
            return cli_usage_error(a->cmd, msg);
        }
    return 0;
}
