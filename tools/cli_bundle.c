/* SPDX-License-Identifier: Apache-2.0 */
/* cli_bundle.c — sltd keygen, sltd pack, sltd apply: signed update bundles (docs/BUNDLE.md).
 * Uses only the public header. Exit status (cli_exit_for): 0 success · 2 bad usage, bad or refused
 * input (a bundle that is forged, damaged, replayed, rolled back, for another base, expired...) · 3
 * database, key or system error. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define TRUST_MAX 64

static const char keygen_help[] =
    "usage: sltd keygen --out PREFIX\n"
    "\n"
    "Create an Ed25519 signing key pair for update bundles: PREFIX.sec (the authority's secret, mode\n"
    "0600) and PREFIX.pub (to pin on every kiosk with 'sltd apply --trust PREFIX.pub'). Existing files\n"
    "are never overwritten.\n";

static const char pack_help[] =
    "usage: sltd pack --key FILE --sign PREFIX.sec --seq N [--base M] [--expires DAYS] [--db DIR]\n"
    "                 [--ignore-unknown] -o BUNDLE FEED.csv|-\n"
    "\n"
    "Make a signed update bundle from a feed CSV (the 'sltd import' format). Documents are stored as\n"
    "keyed digests made with the deployment's master key FILE; no document number is in the bundle.\n"
    "  --seq N         the bundle's sequence number (>= 1); kiosks refuse one not newer than theirs\n"
    "  --base M        make a delta on top of sequence M (additions and removals); without it, a full\n"
    "                  bundle that replaces all data\n"
    "  --db DIR        the authority's own replica (required for a delta): it must be at sequence M;\n"
    "                  the delta is tried on it as a dry run (nothing changes) to record the checksum\n"
    "                  the result must have. Apply the bundle to the replica afterwards, like a kiosk.\n"
    "                  With --db, --key defaults to DIR.key.\n"
    "  --expires DAYS  validity from creation, 0..3650 days (default 7; 0 = already expired)\n"
    "  -o BUNDLE       the file to write (replaced atomically)\n";

static const char apply_help[] =
    "usage: sltd apply --db DIR [--key FILE] --trust PREFIX.pub [--trust PREFIX.pub ...] [--dry-run] BUNDLE\n"
    "\n"
    "Verify a signed update bundle against the trusted public keys, then apply it all or nothing.\n"
    "Refused (exit 2, the database unchanged): a bad or untrusted signature, a damaged, truncated or\n"
    "oversized file, a replayed or older sequence, a delta for another base, an expired bundle, one\n"
    "made with another deployment key, or a result whose state checksum is not the published one.\n"
    "  --dry-run   check everything, change nothing\n";

enum { O_OUT = 1000, O_KEY, O_SIGN, O_SEQ, O_BASE, O_EXPIRES, O_DB, O_TRUST, O_DRY, O_IGNORE, O_HELP };

static const struct option longopts[] = {
    { "out", required_argument, NULL, O_OUT },
    { "output", required_argument, NULL, O_OUT },
    { "key", required_argument, NULL, O_KEY },
    { "sign", required_argument, NULL, O_SIGN },
    { "seq", required_argument, NULL, O_SEQ },
    { "base", required_argument, NULL, O_BASE },
    { "expires", required_argument, NULL, O_EXPIRES },
    { "db", required_argument, NULL, O_DB },
    { "trust", required_argument, NULL, O_TRUST },
    { "dry-run", no_argument, NULL, O_DRY },
    { "ignore-unknown", no_argument, NULL, O_IGNORE },
    { "help", no_argument, NULL, O_HELP },
    { NULL, 0, NULL, 0 },
};

typedef struct bargs {
    const char *out, *key, *sign, *db;
    const char *trust[TRUST_MAX];
    size_t ntrust;
    unsigned long long seq, base, days;
    int has_seq, has_base, has_days, dry, ignore;
    int npos;
    char **pos;
} bargs;

/* 0 parsed; -1 --help printed; else an exit status. `allowed`: the option letters this command takes. */
static int parse(bargs *a, int argc, char **argv, const char *allowed, const char *help)
{
    const char *cmd = argv[0];
    int c;

    memset(a, 0, sizeof *a);
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
        static const char letters[] = "okisbedtDIh"; /* O_OUT .. O_HELP in order */
        char l = c == 'o' ? 'o' : c == 'h' ? 'h' : (c >= O_OUT && c <= O_HELP) ? letters[c - O_OUT] : '?';
        if (l == '?')
            return cli_usage_error(cmd, "unknown option, or an option without its value");
        if (l != 'h' && strchr(allowed, l) == NULL)
            return cli_usage_error(cmd, "an option given does not apply to this command");
        switch (l) {
        case 'h': fputs(help, stdout); return -1;
        case 'o': a->out = optarg; break;
        case 'k': a->key = optarg; break;
        case 'i': a->sign = optarg; break;
        case 's':
            if (cli_number(&a->seq, optarg, 1, UINT64_MAX) != 0)
                return cli_usage_error(cmd, "--seq must be a whole number >= 1");
            a->has_seq = 1;
            break;
        case 'b':
            if (cli_number(&a->base, optarg, 0, UINT64_MAX) != 0)
                return cli_usage_error(cmd, "--base must be a whole number");
            a->has_base = 1;
            break;
        case 'e':
            if (cli_number(&a->days, optarg, 0, SLTD_BUNDLE_DAYS_MAX) != 0)
                return cli_usage_error(cmd, "--expires must be a number of days from 0 to 3650");
            a->has_days = 1;
            break;
        case 'd': a->db = optarg; break;
        case 't':
            if (a->ntrust == TRUST_MAX)
                return cli_usage_error(cmd, "too many --trust keys");
            a->trust[a->ntrust++] = optarg;
            break;
        case 'D': a->dry = 1; break;
        case 'I': a->ignore = 1; break;
        default: break;
        }
    }
    a->npos = argc - optind;
    a->pos = argv + optind;
    return 0;
}

static void describe(const char *verb, const char *path, const sltd_bundle_report *r)
{
    char sum[33], id[2 * SLTD_KEYID_SIZE + 1], t1[32], t2[32];

    cli_hex(sum, r->checksum, 16);
    cli_hex(id, r->key_id, SLTD_KEYID_SIZE);
    cli_when(t1, r->created);
    cli_when(t2, r->expires);
    fprintf(stderr, "%s %s: %s bundle, sequence %llu", verb, path, r->kind == SLTD_BUNDLE_DELTA ? "delta" : "full",
            (unsigned long long)r->sequence);
    if (r->kind == SLTD_BUNDLE_DELTA)
        fprintf(stderr, " on base %llu", (unsigned long long)r->base);
    fprintf(stderr, ", %llu entries, signing key id %s\n  created %s, expires %s; after apply: %llu records, "
                    "checksum %s\n",
            (unsigned long long)r->entries, id, t1, t2, (unsigned long long)r->records, sum);
}

int cli_keygen(int argc, char **argv)
{
    uint8_t id[SLTD_KEYID_SIZE];
    char idhex[2 * SLTD_KEYID_SIZE + 1];
    bargs a;
    int rc = parse(&a, argc, argv, "o", keygen_help);

    if (rc != 0)
        return rc < 0 ? CLI_CLEAR : rc;
    if (a.out == NULL || a.npos != 0)
        return cli_usage_error("keygen", a.out == NULL ? "--out PREFIX is required" : "unexpected argument");
    if ((rc = sltd_signing_key_create(id, a.out)) != SLTD_OK)
        return cli_fail_with("keygen", rc, rc == SLTD_EEXIST || rc == SLTD_EINVAL ? CLI_USAGE : CLI_SYSTEM);
    cli_hex(idhex, id, sizeof id);
    fprintf(stderr,
            "sltd keygen: wrote %s.sec (secret, mode 0600: keep it with the authority) and %s.pub (pin it on "
            "kiosks)\n  key id %s\n",
            a.out, a.out, idhex);
    return CLI_CLEAR;
}

int cli_pack(int argc, char **argv)
{
    sltd_pack_options po = SLTD_PACK_OPTIONS_INIT;
    sltd_options oo = SLTD_OPTIONS_INIT;
    sltd_bundle_report r;
    sltd_db *db = NULL;
    bargs a;
    int rc = parse(&a, argc, argv, "okisbedI", pack_help);

    if (rc != 0)
        return rc < 0 ? CLI_CLEAR : rc;
    if (a.npos != 1)
        return cli_usage_error("pack", "give exactly one FEED.csv (or - for standard input)");
    if (a.out == NULL || a.sign == NULL || !a.has_seq)
        return cli_usage_error("pack", "-o BUNDLE, --sign PREFIX.sec and --seq N are required");
    if (a.key == NULL && a.db == NULL)
        return cli_usage_error("pack", "--key FILE is required (the deployment's master key)");
    if (a.has_base && a.db == NULL)
        return cli_usage_error("pack", "a delta (--base) needs --db DIR: the authority's replica at the base sequence");
    if (a.has_base && a.base >= a.seq)
        return cli_usage_error("pack", "--seq must be greater than --base");
    if (strcmp(a.pos[0], "-") != 0 && access(a.pos[0], R_OK) != 0) {
        fprintf(stderr, "sltd pack: %s: %s\n", a.pos[0], strerror(errno));
        return CLI_USAGE;
    }
    po.key_path = a.key;
    po.sign_path = a.sign;
    po.sequence = a.seq;
    po.delta = a.has_base;
    po.base = a.base;
    if (a.has_days)
        po.valid_days = (unsigned)a.days;
    po.flags = a.ignore ? SLTD_IMPORT_IGNORE_UNKNOWN : 0;
    if (a.db != NULL) {
        oo.key_path = a.key;
        if ((rc = sltd_db_open(&db, a.db, &oo)) != SLTD_OK)
            return cli_fail_with("pack", rc, CLI_SYSTEM);
    }
    rc = sltd_bundle_pack(&r, db, a.pos[0], a.out, &po);
    sltd_db_close(db);
    if (rc != SLTD_OK)
        return cli_fail_with("pack", rc, cli_exit_update(rc));
    describe("sltd pack: wrote", a.out, &r);
    return CLI_CLEAR;
}

int cli_apply(int argc, char **argv)
{
    sltd_options oo = SLTD_OPTIONS_INIT;
    sltd_bundle_report r;
    sltd_db *db = NULL;
    bargs a;
    int rc = parse(&a, argc, argv, "dktD", apply_help);

    if (rc != 0)
        return rc < 0 ? CLI_CLEAR : rc;
    if (a.db == NULL || a.ntrust == 0)
        return cli_usage_error("apply", "--db DIR and at least one --trust PREFIX.pub are required");
    if (a.npos != 1)
        return cli_usage_error("apply", "give exactly one BUNDLE");
    if (access(a.pos[0], R_OK) != 0) {
        fprintf(stderr, "sltd apply: %s: %s\n", a.pos[0], strerror(errno));
        return CLI_USAGE;
    }
    oo.key_path = a.key;
    if ((rc = sltd_db_open(&db, a.db, &oo)) != SLTD_OK)
        return cli_fail_with("apply", rc, CLI_SYSTEM);
    rc = sltd_bundle_apply(&r, db, a.pos[0], a.trust, a.ntrust, a.dry ? SLTD_APPLY_DRY_RUN : 0);
    sltd_db_close(db);
    if (rc != SLTD_OK)
        /* a bundle made with another deployment key is refused input, not a key error of this database */
        return cli_fail_with("apply", rc, cli_exit_update(rc));
    describe(a.dry ? "sltd apply --dry-run: checked" : "sltd apply: applied", a.pos[0], &r);
    fprintf(stderr, "  %llu added, %llu updated, %llu unchanged, %llu removed, %llu not found%s\n",
            (unsigned long long)r.added, (unsigned long long)r.updated, (unsigned long long)r.unchanged,
            (unsigned long long)r.removed, (unsigned long long)r.not_found, a.dry ? " (nothing changed)" : "");
    return CLI_CLEAR;
}
