/* SPDX-License-Identifier: Apache-2.0 */
/* cli_fleet.c — sltd publish, sltd sync, sltd certify, sltd revoke: fleet updates through a static
 * repository (docs/FLEET.md), and the sync lines of sltd stats. Uses only the public header.
 * Exit status: 0 success (sync: synced or already current) · 2 bad usage, bad input or refused (a
 * forged, expired, replayed, rolled-back or fast-forwarded index, a wrong hash or size, a redirect, more
 * than --max-bytes) · 3 database, key, system or network error (sync: after every retry). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define APPLIED_MAX 64

static const char publish_help[] =
    "usage: sltd publish --repo DIR --db REPLICA --sign PREFIX.sec [--key FILE] [--keys KEYLIST]\n"
    "                    [--expires DAYS] [--full] [--full-every N] [--keep N] [--grace HOURS]\n"
    "                    [--ignore-unknown] [--json] FEED.csv|-\n"
    "\n"
    "The authority's side of fleet updates (docs/FLEET.md): apply the feed to the replica as the next\n"
    "delta, write it (and a full bundle when due) into the repository DIR, and replace DIR/index.sltd,\n"
    "the signed index kiosks sync from, atomically. Serve DIR with any static HTTP(S) server or copy it.\n"
    "A feed with a header alone publishes an empty delta: it refreshes the index's expiry.\n"
    "  --sign PREFIX.sec  the signing key; it must be certified in the key list (sltd certify)\n"
    "  --keys KEYLIST     the root-signed key list (default DIR/keys.sltd)\n"
    "  --expires DAYS     validity of the new bundles and of the index, 0..3650 (default 7)\n"
    "  --full             write a full bundle now; also restarts the chain when the replica and the\n"
    "                     index disagree\n"
    "  --full-every N     a full bundle when the newest is N sequences old (default 30)\n"
    "  --keep N           deltas listed in the index (default 60)\n"
    "  --grace HOURS      bundle files out of the index this long are deleted (default 24)\n";

static const char sync_help[] =
    "usage: sltd sync --db DIR [--key FILE] --trust ROOT.pub [--trust ROOT.pub] --from URL|DIR\n"
    "                 [--max-bytes N] [--ca-file PEM] [--retries N] [--timeout SECONDS] [--json] [--quiet]\n"
    "\n"
    "The kiosk's side of fleet updates (docs/FLEET.md): fetch the repository's index (http://, https://,\n"
    "file:// or a directory), verify it through the pinned root key, pick the cheapest path from this\n"
    "database's sequence (a chain of deltas or a full bundle), download and check every file, then apply\n"
    "each all or nothing. Interrupted downloads resume at the next sync. Lookups keep answering.\n"
    "  --trust ROOT.pub   the pinned root key (repeat it while a root is being replaced)\n"
    "  --max-bytes N      refuse a path that needs more bytes than N\n"
    "  --ca-file PEM      https: trust these CA certificates instead of the system's\n"
    "  --retries N        retries of a failed transfer, 0..10 (default 4; waits 1, 2, 4 ... s)\n"
    "  --timeout SECONDS  a transfer that moves no byte this long fails (default 30)\n"
    "  --json             print what was done as one JSON object on standard output\n"
    "Exit status: 0 synced or already current, 2 refused (nothing of the refused index was applied),\n"
    "3 system or network error after the retries.\n";

static const char certify_help[] =
    "usage: sltd certify --root ROOT.sec --keys KEYLIST [--days N] SIGNING.pub\n"
    "\n"
    "Root ceremony (docs/FLEET.md): certify a signing key for N days from now (default 365) in the\n"
    "root-signed key list KEYLIST (created when absent). Publish then embeds the list in every index,\n"
    "so kiosks learn the new key at their next sync. Make the root key with 'sltd keygen' and keep\n"
    "ROOT.sec offline; pin ROOT.pub on kiosks.\n";

static const char revoke_help[] =
    "usage: sltd revoke --root ROOT.sec --keys KEYLIST SIGNING.pub\n"
    "\n"
    "Root ceremony (docs/FLEET.md): revoke a signing key (leaked, or retired early). Kiosks refuse\n"
    "anything it signs from their next sync on; data it signed is replaced by a full bundle. Certify a\n"
    "new key and publish with it (sltd publish --full) right after.\n";

static int readable(const char *cmd, const char *path)
{
    if (access(path, R_OK) == 0)
        return 0;
    fprintf(stderr, "sltd %s: %s: %s\n", cmd, path, strerror(errno));
    return CLI_USAGE;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* ---- sltd publish ---- */

int cli_publish(int argc, char **argv)
{
    sltd_publish_options po = SLTD_PUBLISH_OPTIONS_INIT;
    sltd_options oo = SLTD_OPTIONS_INIT;
    sltd_publish_report r = SLTD_PUBLISH_REPORT_INIT;
    struct timespec t0;
    char sum[33], exp[32];
    sltd_db *db = NULL;
    args a;
    int rc = cli_parse_args(&a, argc, argv,
                            OPT(O_REPO) | OPT(O_DB) | OPT(O_KEY) | OPT(O_SIGN) | OPT(O_KEYS) | OPT(O_EXPIRES) |
                                OPT(O_FULL) | OPT(O_FULL_EVERY) | OPT(O_KEEP) | OPT(O_GRACE) | OPT(O_IGNORE) | OPT(O_JSON),
                            OPT(O_REPO) | OPT(O_DB) | OPT(O_SIGN), publish_help);

    if (rc != 0)
        return rc < 0 ? CLI_CLEAR : rc;
    if (a.npos != 1)
        return cli_usage_error("publish", "give exactly one FEED.csv (or - for standard input)");
    if ((strcmp(a.pos[0], "-") != 0 && (rc = readable("publish", a.pos[0])) != 0) ||
        (rc = readable("publish", a.text[O_SIGN])) != 0)
        return rc;
    po.sign_path = a.text[O_SIGN];
    po.keys_path = a.text[O_KEYS];
    if (a.set[O_EXPIRES])
        po.valid_days = (unsigned)a.num[O_EXPIRES];
    po.full = a.set[O_FULL];
    po.full_every = (unsigned)a.num[O_FULL_EVERY];
    po.keep = (unsigned)a.num[O_KEEP];
    po.grace_hours = (unsigned)a.num[O_GRACE];
    po.flags = a.set[O_IGNORE] ? SLTD_IMPORT_IGNORE_UNKNOWN : 0;
    oo.key_path = a.text[O_KEY];
    if ((rc = sltd_db_open(&db, a.text[O_DB], &oo)) != SLTD_OK)
        return cli_fail("publish", rc, 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = sltd_publish(&r, db, a.text[O_REPO], a.pos[0], &po);
    sltd_db_close(db);
    if (rc != SLTD_OK)
        return cli_fail("publish", rc, 1);
    cli_hex(sum, r.checksum, 16);
    cli_when(exp, r.expires);
    if (r.recovered_sequence != 0)
        cli_info("sltd publish: completed the interrupted publish of sequence %llu first\n",
                (unsigned long long)r.recovered_sequence);
    cli_info("sltd publish: %s now at sequence %llu (%llu records, checksum %s)\n"
            "  delta %llu bytes (%llu added, %llu updated, %llu removed); %s; index lists %u delta(s) and the full "
            "of sequence %llu, %llu bytes, expires %s; %u old bundle file(s) pruned (%.2f s)\n",
             a.text[O_REPO], (unsigned long long)r.sequence, (unsigned long long)r.records, sum,
            (unsigned long long)r.delta_bytes, (unsigned long long)r.added, (unsigned long long)r.updated,
            (unsigned long long)r.removed, r.full_bytes ? "new full bundle" : "no new full bundle", r.deltas_listed,
            (unsigned long long)r.full_sequence, (unsigned long long)r.index_bytes, exp, r.pruned,
            seconds_since(&t0));
    if (a.set[O_JSON]) {
        printf("{\"sequence\":%llu,\"records\":%llu,\"checksum\":\"%s\",\"recovered_sequence\":%llu,"
               "\"delta_bytes\":%llu,\"full_bytes\":%llu,\"full_sequence\":%llu,\"deltas_listed\":%u,"
               "\"index_bytes\":%llu,\"expires\":",
               (unsigned long long)r.sequence, (unsigned long long)r.records, sum,
               (unsigned long long)r.recovered_sequence, (unsigned long long)r.delta_bytes,
               (unsigned long long)r.full_bytes, (unsigned long long)r.full_sequence, r.deltas_listed,
               (unsigned long long)r.index_bytes);
        cli_json_when(stdout, r.expires);
        printf(",\"pruned\":%u,\"added\":%llu,\"updated\":%llu,\"unchanged\":%llu,\"removed\":%llu,"
               "\"not_found\":%llu}\n",
               r.pruned, (unsigned long long)r.added, (unsigned long long)r.updated, (unsigned long long)r.unchanged,
               (unsigned long long)r.removed, (unsigned long long)r.not_found);
    }
    return CLI_CLEAR;
}

/* ---- sltd sync ---- */

typedef struct synclog {
    int quiet;
    size_t n;
    sltd_sync_event applied[APPLIED_MAX];
} synclog;

static void on_event(void *ctx, const sltd_sync_event *e)
{
    synclog *l = ctx;

    if (!l->quiet)
        fprintf(stderr, "sltd sync: %s\n", e->message);
    if (e->kind == SLTD_SYNC_EVENT_APPLY && l->n < APPLIED_MAX) {
        l->applied[l->n] = *e;
        l->applied[l->n++].message = NULL;
    }
}

static void sync_json(const sltd_sync_report *r, const synclog *l, int rc, double secs)
{
    char sum[33];
    size_t i;

    cli_hex(sum, r->checksum, 16);
    printf("{\"result\":\"%s\",\"code\":\"", rc != SLTD_OK ? (cli_exit_for(rc, 1) == CLI_USAGE ? "refused" : "error")
                                              : r->updated ? "updated" : "current");
    fwrite(sltd_error_text(rc), 1, strcspn(sltd_error_text(rc), ":"), stdout);
    printf("\",\"message\":");
    cli_json_opt(stdout, rc != SLTD_OK ? sltd_error_detail() : NULL);
    printf(",\"from\":%llu,\"to\":%llu,\"index\":{\"sequence\":%llu,\"published\":", (unsigned long long)r->from_sequence,
           (unsigned long long)r->to_sequence, (unsigned long long)r->index_sequence);
    cli_json_when(stdout, r->index_published);
    fputs(",\"expires\":", stdout);
    cli_json_when(stdout, r->index_expires);
    printf(",\"keys_version\":%llu},\"key_recovery\":%s,\"fulls\":%u,\"deltas\":%u,\"bytes_planned\":%llu,"
           "\"bytes_fetched\":%llu,\"bytes_resumed\":%llu,\"retries\":%u,\"records\":%llu,\"checksum\":\"%s\","
           "\"seconds\":%.3f,\"applied\":[",
           (unsigned long long)r->keys_version, r->key_recovery ? "true" : "false", r->fulls, r->deltas,
           (unsigned long long)r->bytes_planned, (unsigned long long)r->bytes_fetched,
           (unsigned long long)r->bytes_resumed, r->retries, (unsigned long long)r->records, sum, secs);
    for (i = 0; i < l->n; i++)
        printf("%s{\"kind\":\"%s\",\"sequence\":%llu,\"base\":%llu,\"bytes\":%llu}", i ? "," : "",
               l->applied[i].bundle_kind == SLTD_BUNDLE_FULL ? "full" : "delta",
               (unsigned long long)l->applied[i].sequence, (unsigned long long)l->applied[i].base,
               (unsigned long long)l->applied[i].bytes);
    printf("]}\n");
}

int cli_sync(int argc, char **argv)
{
    sltd_sync_options so = SLTD_SYNC_OPTIONS_INIT;
    sltd_options oo = SLTD_OPTIONS_INIT;
    sltd_sync_report r = SLTD_SYNC_REPORT_INIT;
    struct timespec t0;
    synclog *log = NULL;
    sltd_db *db = NULL;
    size_t i;
    args a;
    int rc = cli_parse_args(&a, argc, argv,
                            OPT(O_DB) | OPT(O_KEY) | OPT(O_TRUST) | OPT(O_FROM) | OPT(O_MAX_BYTES) | OPT(O_CA) |
                                OPT(O_RETRIES) | OPT(O_TIMEOUT) | OPT(O_JSON),
                            OPT(O_DB) | OPT(O_TRUST) | OPT(O_FROM), sync_help);

    if (rc != 0)
        return rc < 0 ? CLI_CLEAR : rc;
    if (a.npos != 0)
        return cli_usage_error("sync", "unexpected argument");
    for (i = 0; i < a.nlist; i++)
        if ((rc = readable("sync", a.list[i])) != 0)
            return rc;
    if (a.text[O_CA] != NULL && (rc = readable("sync", a.text[O_CA])) != 0)
        return rc;
    if ((log = calloc(1, sizeof *log)) == NULL)
        return cli_fail("sync", SLTD_ENOMEM, 0);
    log->quiet = cli_quiet();
    so.roots = a.list;
    so.nroots = a.nlist;
    so.ca_file = a.text[O_CA];
    so.max_bytes = a.num[O_MAX_BYTES];
    if (a.set[O_RETRIES])
        so.retries = (unsigned)a.num[O_RETRIES];
    so.timeout_s = (unsigned)a.num[O_TIMEOUT];
    so.event_fn = on_event;
    so.event_ctx = log;
    oo.key_path = a.text[O_KEY];
    if ((rc = sltd_db_open(&db, a.text[O_DB], &oo)) != SLTD_OK) {
        free(log);
        return cli_fail("sync", rc, 0);
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = sltd_sync(&r, db, a.text[O_FROM], &so);
    sltd_db_close(db);
    if (a.set[O_JSON])
        sync_json(&r, log, rc, seconds_since(&t0));
    free(log);
    if (rc != SLTD_OK)
        return cli_fail("sync", rc, 1);
    cli_info("sltd sync: %s at sequence %llu (%llu records); %llu bytes fetched%s, %u retr%s (%.2f s)\n",
                r.updated ? "now" : "already current", (unsigned long long)r.to_sequence,
                (unsigned long long)r.records, (unsigned long long)r.bytes_fetched,
                r.bytes_resumed ? " (part resumed)" : "", r.retries, r.retries == 1 ? "y" : "ies",
                seconds_since(&t0));
    return CLI_CLEAR;
}

/* ---- sltd certify, sltd revoke ---- */

static void print_keylist(const char *cmd, const char *path, const sltd_keylist_info *k)
{
    char id[2 * SLTD_KEYID_SIZE + 1], t1[32], t2[32];
    unsigned i;

    cli_hex(id, k->root_id, SLTD_KEYID_SIZE);
    cli_when(t1, k->expires);
    cli_info("sltd %s: wrote %s: key list version %llu, root %s, accepted until %s\n", cmd, path,
            (unsigned long long)k->list_version, id, t1);
    for (i = 0; i < k->nkeys; i++) {
        cli_hex(id, k->keys[i].key_id, SLTD_KEYID_SIZE);
        cli_when(t1, k->keys[i].not_before);
        cli_when(t2, k->keys[i].not_after);
        cli_info("  key %s  %s  %s .. %s\n", id, k->keys[i].revoked ? "REVOKED" : "active ", t1, t2);
    }
}

static int keylist_cmd(int argc, char **argv, int certify)
{
    const char *cmd = certify ? "certify" : "revoke";
    sltd_keylist_info info = SLTD_KEYLIST_INFO_INIT;
    args a;
    int rc = cli_parse_args(&a, argc, argv, OPT(O_ROOT) | OPT(O_KEYS) | (certify ? OPT(O_DAYS) : 0),
                            OPT(O_ROOT) | OPT(O_KEYS), certify ? certify_help : revoke_help);

    if (rc != 0)
        return rc < 0 ? CLI_CLEAR : rc;
    if (a.npos != 1)
        return cli_usage_error(cmd, "give exactly one SIGNING.pub");
    if ((rc = readable(cmd, a.text[O_ROOT])) != 0 || (rc = readable(cmd, a.pos[0])) != 0)
        return rc;
    rc = certify ? sltd_key_certify(&info, a.text[O_KEYS], a.text[O_ROOT], a.pos[0], 0,
                                    a.set[O_DAYS] ? (unsigned)a.num[O_DAYS] : 365)
                 : sltd_key_revoke(&info, a.text[O_KEYS], a.text[O_ROOT], a.pos[0]);
    if (rc != SLTD_OK)
        return cli_fail(cmd, rc, 1);
    print_keylist(cmd, a.text[O_KEYS], &info);
    return CLI_CLEAR;
}

int cli_certify(int argc, char **argv)
{
    return keylist_cmd(argc, argv, 1);
}

int cli_revoke(int argc, char **argv)
{
    return keylist_cmd(argc, argv, 0);
}

/* ---- sltd stats: the sync lines ---- */

void cli_sync_state(sltd_db *db, int json)
{
    sltd_sync_state s = SLTD_SYNC_STATE_INIT;
    char t1[32], t2[32], id[2 * SLTD_KEYID_SIZE + 1];
    int64_t now = (int64_t)time(NULL);

    if (sltd_sync_state_get(&s, db) != SLTD_OK) {
        if (json)
            printf("null");
        return;
    }
    cli_hex(id, s.signer, SLTD_KEYID_SIZE);
    if (json) {
        fputs("{\"last_sync\":", stdout);
        cli_json_when(stdout, s.last_sync);
        printf(",\"index_sequence\":%llu,\"index_published\":", (unsigned long long)s.index_sequence);
        cli_json_when(stdout, s.index_published);
        fputs(",\"index_expires\":", stdout);
        cli_json_when(stdout, s.index_expires);
        printf(",\"index_expired\":%s,\"keys_version\":%llu,\"signer\":",
               s.index_expires != 0 && now >= s.index_expires ? "true" : "false", (unsigned long long)s.keys_version);
        cli_json_opt(stdout, s.last_sync ? id : NULL);
        putchar('}');
        return;
    }
    if (s.last_sync == 0) {
        printf("last sync       never (sltd sync)\n");
        return;
    }
    cli_when(t1, s.last_sync);
    cli_when(t2, s.index_expires);
    printf("last sync       %s (%.1f h ago), index sequence %llu, key list version %llu, signed by %s\n", t1,
           (double)(now - s.last_sync) / 3600.0, (unsigned long long)s.index_sequence,
           (unsigned long long)s.keys_version, id);
    printf("index expires   %s%s\n", t2,
           now >= s.index_expires ? ": EXPIRED, and no newer index since: updates are not arriving" : "");
}
