/* SPDX-License-Identifier: Apache-2.0 */
/* cli.h — what the sltd command's sub-command files share. Uses only the public header. */
#ifndef SLTD_CLI_H
#define SLTD_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "sltd.h"

/* Exit statuses of every sltd command (README "CLI"). */
enum {
    CLI_CLEAR = 0,  /* checked, nothing listed (or: success) */
    CLI_HIT = 1,    /* at least one listed document */
    CLI_USAGE = 2,  /* bad usage or bad input */
    CLI_SYSTEM = 3  /* database, key or system error */
};

/* ---- options (cli_args.c): one table for every sub-command ---- */
/* Every option any sub-command takes. --help/-h, --version/-V and --quiet/-q are accepted by all. */
typedef enum cli_opt {
    O_DB, O_KEY, O_JSON, O_TYPE, O_IGNORE, O_BITS, O_STALE, O_MRZ, O_OCR, O_SKIP, O_STRICT, O_OUT, O_SIGN,
    O_SEQ, O_BASE, O_EXPIRES, O_TRUST, O_DRY, O_REPO, O_KEYS, O_FULL, O_FULL_EVERY, O_KEEP, O_GRACE, O_FROM,
    O_MAX_BYTES, O_CA, O_RETRIES, O_TIMEOUT, O_ROOT, O_DAYS, O_FORMAT, O_THREADS, O_ALL, O_AUDIT,
    O_AUDIT_NUMBERS, O_NO_PROGRESS, O_REJECTS,
    O_COUNT_
} cli_opt;
#define OPT(o) (1ull << (o))
/* Most values of the one option that may be repeated (--trust). */
#define CLI_LIST_MAX 64

/* What the command line said: text[o] (an option's value; for --db and --key the SLTD_DB/SLTD_KEY
 * environment variable when the flag is absent), num[o] (a number option's value, in its range),
 * set[o] (1 when given), list (every --trust), pos (the other arguments, in order). */
typedef struct args {
    const char *cmd;
    const char *text[O_COUNT_];
    unsigned long long num[O_COUNT_];
    unsigned char set[O_COUNT_];
    const char *list[CLI_LIST_MAX];
    size_t nlist;
    int npos;
    char **pos;
} args;

/* Parse argv (argv[0]: the sub-command's name) against the one option table, allowing only the
 * options in `allowed` (OPT(O_*) bits) and requiring those in `required`. Options and arguments may
 * be mixed; "--" ends the options; "-" is an argument. Values: "--name VALUE" or "--name=VALUE".
 * Numbers are checked against the option's range. SLTD_DB stands for a required --db, SLTD_KEY for
 * an allowed --key. Returns 0 (parsed); -1 when --help or --version was printed (exit 0); or
 * CLI_USAGE after naming what is wrong ("unknown option '--frob'", "'--json' does not apply to 'sltd
 * init'"). */
int cli_parse_args(args *a, int argc, char **argv, unsigned long long allowed, unsigned long long required,
                   const char *help);
/* 1 when --quiet was given: no summary and no progress on stderr (errors and warnings still). */
int cli_quiet(void);
/* Note what was done on stderr ("sltd CMD: ..."), unless --quiet. */
void cli_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- exit statuses and messages (cli_common.c) ---- */
/* The one table from library codes to exit statuses, for every sub-command. `from_update`: rc came
 * from checking an update input (a bundle, a repository's index or key list) on a database that is
 * already open; SLTD_EWRONGKEY then means the input was made for another deployment (refused: 2),
 * not that this database's key is wrong (3). */
int cli_exit_for(int rc, int from_update);
/* Print a library error (the detail, then the code's text) and return cli_exit_for(rc, from_update). */
int cli_fail(const char *cmd, int rc, int from_update);
/* Print a usage error and return CLI_USAGE. */
int cli_usage_error(const char *cmd, const char *msg);
/* Check before anything is touched that the input file path can be read ("-", standard input, when
 * dash_is_stdin): 0, or CLI_USAGE after "sltd CMD: PATH: reason" on stderr. */
int cli_input_readable(const char *cmd, const char *path, int dash_is_stdin);
/* Open the database named by --db with --key; prints the error and returns an exit status, or 0. */
int cli_open_db(sltd_db **out, const char *cmd, const args *a, unsigned flags);
/* A decimal whole number from min to max: 0, or -1 (nothing else accepted, not even a sign). */
int cli_number(unsigned long long *out, const char *s, unsigned long long min, unsigned long long max);
/* Warn on stderr that the data is past its expiry (always: --quiet does not silence it). */
void cli_warn_stale(const char *cmd, int stale, int64_t expires);
/* Check that everything written to stdout reached it: 0, or CLI_SYSTEM after a message. */
int cli_close_stdout(const char *cmd);

/* ---- output formats (cli_format.c): the only date, time and hex formatters ---- */
/* A time as UTC ISO 8601 "YYYY-MM-DDTHH:MM:SSZ"; "" for 0 (never, or unknown). */
void cli_when(char out[32], int64_t t);
/* YYYYMMDD as YYYY-MM-DD; "" for 0. */
void cli_date(char out[16], uint32_t ymd);
/* Lower-case hex of n bytes (out: 2n + 1). */
void cli_hex(char *out, const uint8_t *b, size_t n);
/* A JSON string literal, escaped. */
void cli_json_string(FILE *f, const char *s);
/* A JSON string literal, or null for "" (an absent value). */
void cli_json_opt(FILE *f, const char *s);
/* A time as a JSON ISO 8601 string, or null for 0. */
void cli_json_when(FILE *f, int64_t t);
/* A CSV field (RFC 4180: quoted when it holds a comma, a quote or a line end); nothing for NULL. */
void cli_csv_field(FILE *f, const char *s);

/* ---- a document answer: one JSON shape, one CSV row (cli_format.c, docs/OUTPUTS.md) ---- */
/* The data an answer came from: its sequence, when it was produced and expires (0: unknown, never),
 * and whether it was past its expiry. */
typedef struct cli_fresh {
    uint64_t sequence;
    int64_t produced, expires;
    int stale;
    int known; /* 0: no database answered (bad input): every member is null */
} cli_fresh;
void cli_fresh_from_result(cli_fresh *out, const sltd_result *r);
/* The database's freshness now (for answers that reached no lookup): 0 or a library code. */
int cli_fresh_from_db(cli_fresh *out, sltd_db *db);

/* One document's answer. Strings "" or NULL are absent (JSON null, CSV empty). */
typedef struct cli_answer {
    const char *verdict;        /* "clear", "listed", "variant", "unreadable", "invalid" or "error" */
    const char *state, *number; /* as read; number NULL where it must not be shown */
    const char *variant_number; /* the listed OCR variant */
    const sltd_result *records; /* the listings shown (the number's, else the variant's), or NULL */
    cli_fresh fresh;
    const char *error;          /* why it was not checked */
    const char *note;           /* a remark on a checked document */
} cli_answer;
/* The answer's JSON members, in their fixed order, without braces (callers add their own members):
 * verdict, state, number, variant_number, records, sequence, produced, expires, stale, error, note. */
void cli_json_answer(FILE *f, const cli_answer *a);
/* One listing as a JSON object: status, type, reported, expires, reporting_state, reference. */
void cli_json_record(FILE *f, const sltd_record *r);
/* The CSV columns of an answer (NULL-terminated), and one row of them for listing r (or none: NULL),
 * without the line end (callers append the input's columns). */
extern const char *const cli_csv_columns[];
void cli_csv_answer(FILE *f, unsigned long line, const cli_answer *a, const sltd_record *r);

/* ---- output files written whole or not at all (cli_outfile.c) ---- */
typedef struct cli_outfile {
    FILE *f;          /* write here */
    const char *path; /* the file it becomes */
    char *real;       /* the file a symbolic link named by the caller resolves to (malloc'd), or NULL */
    int slot;
    int direct;       /* path is not a regular file (a FIFO, a device): written to as it is */
} cli_outfile;
/* Create a temporary file beside `path` (same directory, the mode a new file would get) that
 * cli_outfile_commit_all renames over it; SIGINT, SIGTERM, SIGHUP or SIGPIPE before then remove it and end
 * the program by that signal; a path that exists and is not a regular file is written to directly; a
 * symbolic link is written through (the file it resolves to is replaced; a link to nothing is an error).
 * 0, or an exit status after a message. */
int cli_outfile_open(cli_outfile *o, const char *cmd, const char *path);
/* Commit n outputs together (entries never opened are skipped): every one flushed and synced first;
 * only when all succeeded are they renamed into place. 0, or CLI_SYSTEM after a message: after a write
 * failure no target has changed and no temporary file is left. Should a rename itself fail (rare: the
 * directory changed meanwhile), the ones renamed before it stay replaced, the message says so, and the
 * rest are removed. Every command that writes more than one file commits them through this. */
int cli_outfile_commit_all(cli_outfile *const *files, size_t n, const char *cmd);
/* Give up n outputs not committed (entries never opened or already committed are skipped): name each
 * file that will not be written and remove its temporary file, so no target changes. `failed`: the
 * output a write to failed (named with `err`, its errno, or 0), or NULL when the reason was said
 * already or is standard output's (cli_close_stdout reports that). */
void cli_outfile_abandon_all(cli_outfile *const *files, size_t n, const cli_outfile *failed, int err,
                             const char *cmd);
/* Do paths a and b name one regular file (or one file yet to be created), so that writing one would
 * destroy the other? Through symbolic links, "./x" and "x", hard links; "-" (a standard stream) and
 * two names of one device or FIFO (/dev/null twice) are not a conflict. 1 or 0. */
int cli_same_file(const char *a, const char *b);

/* ---- sub-commands: each gets argv with argv[0] = the sub-command's name, and returns its exit status ---- */
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

/* `sltd check --mrz LINE LINE [LINE]` (or "-": standard input), with the options parsed by sltd check:
 * look the MRZ up (with OCR variants when --ocr-variants; ICAO 9303 only when --strict), print the
 * answer (JSON when --json) and return the exit status: CLI_HIT (read number or a variant listed),
 * CLI_CLEAR (checked, not listed, valid), CLI_USAGE (invalid document or check digit failure),
 * CLI_SYSTEM (database error). */
int cli_check_mrz(const args *a);

#endif
