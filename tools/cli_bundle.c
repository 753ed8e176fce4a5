/* SPDX-License-Identifier: Apache-2.0 */
/* cli_bundle.c — sltd keygen, sltd pack, sltd apply: signed update bundles (docs/BUNDLE.md).
 * Uses only the public header. Exit status (cli_exit_for): 0 success · 2 bad usage, bad or refused
 * input (a bundle that is forged, damaged, replayed, rolled back, for another base, expired...) · 3
 * database, key or system error. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

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

static void describe(const char *verb, const char *path, const sltd_bundle_report *r)
{
    char sum[33], id[2 * SLTD_KEYID_SIZE + 1], t1[32], t2[32];

    cli_hex(sum, r->checksum, 16);
    cli_hex(id, r->key_id, SLTD_KEYID_SIZE);
    cli_when(t1, r->created);
    cli_when(t2, r->expires);
    cli_info("%s %s: %s bundle, sequence %llu", verb, path, r->kind == SLTD_BUNDLE_DELTA ? "delta" : "full",
            (unsigned long long)r->sequence);
    if (r->kind == SLTD_BUNDLE_DELTA)
        cli_info(" on base %llu", (unsigned long long)r->base);
    cli_info(", %llu entries, signing key id %s\n  created %s, expires %s; after apply: %llu records, "
                    "checksum %s\n",
            (unsigned long long)r->entries, id, t1, t2, (unsigned long long)r->records, sum);
}

int cli_keygen(int argc, char **argv)
{
    uint8_t id[SLTD_KEYID_SIZE];
    char idhex[2 * SLTD_KEYID_SIZE + 1];
    args a;
    int rc = cli_parse_args(&a, argc, argv, OPT(O_OUT), OPT(O_OUT), keygen_help);

    if (rc != 0)
        return rc < 0 ? CLI_CLEAR : rc;
    if (a.npos != 0)
        return cli_usage_error("keygen", "unexpected argument");
    if ((rc = sltd_signing_key_create(id, a.text[O_OUT])) != SLTD_OK)
        return cli_fail("keygen", rc, 0);
    cli_hex(idhex, id, sizeof id);
    cli_info("sltd keygen: wrote %s.sec (secret, mode 0600: keep it with the authority) and %s.pub (pin it on "
            "kiosks)\n  key id %s\n",
             a.text[O_OUT], a.text[O_OUT], idhex);
    return CLI_CLEAR;
}

int cli_pack(int argc, char **argv)
{
    sltd_pack_options po = SLTD_PACK_OPTIONS_INIT;
    sltd_options oo = SLTD_OPTIONS_INIT;
    sltd_bundle_report r = SLTD_BUNDLE_REPORT_INIT;
    sltd_db *db = NULL;
    args a;
    int rc = cli_parse_args(&a, argc, argv,
                            OPT(O_OUT) | OPT(O_KEY) | OPT(O_SIGN) | OPT(O_SEQ) | OPT(O_BASE) | OPT(O_EXPIRES) |
                                OPT(O_DB) | OPT(O_IGNORE),
                            OPT(O_OUT) | OPT(O_SIGN) | OPT(O_SEQ), pack_help);

    if (rc != 0)
        return rc < 0 ? CLI_CLEAR : rc;
    if (a.npos != 1)
        return cli_usage_error("pack", "give exactly one FEED.csv (or - for standard input)");
    if (a.text[O_KEY] == NULL && a.text[O_DB] == NULL)
        return cli_usage_error("pack", "--key FILE is required (the deployment's master key; or set SLTD_KEY)");
    if (a.set[O_BASE] && a.text[O_DB] == NULL)
        return cli_usage_error("pack", "a delta (--base) needs --db DIR: the authority's replica at the base sequence");
    if (a.set[O_BASE] && a.num[O_BASE] >= a.num[O_SEQ])
        return cli_usage_error("pack", "--seq must be greater than --base");
    if ((rc = cli_input_readable("pack", a.pos[0], 1)) != 0)
        return rc;
    po.key_path = a.text[O_KEY];
    po.sign_path = a.text[O_SIGN];
    po.sequence = a.num[O_SEQ];
    po.delta = a.set[O_BASE];
    po.base = a.num[O_BASE];
    if (a.set[O_EXPIRES])
        po.valid_days = (unsigned)a.num[O_EXPIRES];
    po.flags = a.set[O_IGNORE] ? SLTD_IMPORT_IGNORE_UNKNOWN : 0;
    if (a.text[O_DB] != NULL) {
        oo.key_path = a.text[O_KEY];
        if ((rc = sltd_db_open(&db, a.text[O_DB], &oo)) != SLTD_OK)
            return cli_fail("pack", rc, 0);
    }
    rc = sltd_bundle_pack(&r, db, a.pos[0], a.text[O_OUT], &po);
    sltd_db_close(db);
    if (rc != SLTD_OK)
        return cli_fail("pack", rc, 1);
    describe("sltd pack: wrote", a.text[O_OUT], &r);
    return CLI_CLEAR;
}

int cli_apply(int argc, char **argv)
{
    sltd_options oo = SLTD_OPTIONS_INIT;
    sltd_bundle_report r = SLTD_BUNDLE_REPORT_INIT;
    sltd_db *db = NULL;
    args a;
    int rc = cli_parse_args(&a, argc, argv, OPT(O_DB) | OPT(O_KEY) | OPT(O_TRUST) | OPT(O_DRY),
                            OPT(O_DB) | OPT(O_TRUST), apply_help);

    if (rc != 0)
        return rc < 0 ? CLI_CLEAR : rc;
    if (a.npos != 1)
        return cli_usage_error("apply", "give exactly one BUNDLE");
    if ((rc = cli_input_readable("apply", a.pos[0], 0)) != 0)
        return rc;
    oo.key_path = a.text[O_KEY];
    if ((rc = sltd_db_open(&db, a.text[O_DB], &oo)) != SLTD_OK)
        return cli_fail("apply", rc, 0);
    rc = sltd_bundle_apply(&r, db, a.pos[0], a.list, a.nlist, a.set[O_DRY] ? SLTD_APPLY_DRY_RUN : 0);
    sltd_db_close(db);
    if (rc != SLTD_OK)
        /* a bundle made with another deployment key is refused input, not a key error of this database */
        return cli_fail("apply", rc, 1);
    describe(a.set[O_DRY] ? "sltd apply --dry-run: checked" : "sltd apply: applied", a.pos[0], &r);
    cli_info("  %llu added, %llu updated, %llu unchanged, %llu removed, %llu not found%s\n",
            (unsigned long long)r.added, (unsigned long long)r.updated, (unsigned long long)r.unchanged,
            (unsigned long long)r.removed, (unsigned long long)r.not_found, a.set[O_DRY] ? " (nothing changed)" : "");
    return CLI_CLEAR;
}
