/* SPDX-License-Identifier: Apache-2.0 */
/* manifest_jsonl.c — JSON Lines manifests: one object a line (Jansson), every member passed through.
 *
 * Keys of an object: its fields — `state` or `issuing_state` (one of them: both is an error, as in a
 * CSV header; `nationality` stands in only when neither is there), `number`, optional `type` — and its
 * `mrz` member (member names as CSV column names: any case, spaces around ignored, sltd__mf_role; two
 * members of one name, `number` and `NUMBER`, are an error of the row) (a string with the lines joined by "\n", or an array of the lines). An object may give
 * both; then both are checked (manifest.h: a hit on either is a hit, a disagreement is reported). A
 * shape that cannot be checked is an error of its row, never a clear: not an object, no key at all,
 * half a key (`number` without a state, or the other way round), a member of the wrong JSON type, a
 * NUL character in a string, a duplicate member. Blank lines are skipped. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"

#define JSON_LINE_MAX (64u * 1024) /* longest line */

typedef struct jsonl_reader {
    sltd__text *in;
    const sltd__mf_ctx *cx;
} jsonl_reader;

static int jsonl_open(void **st, sltd__text *in, const sltd__mf_ctx *cx)
{
    jsonl_reader *r = calloc(1, sizeof *r);

    *st = r;
    if (r == NULL)
        return SLTD_ENOMEM;
    r->in = in;
    r->cx = cx;
    return 0;
}

static int jsonl_read(void *st, sltd__mf_chunk *c)
{
    jsonl_reader *r = st;
    char msg[SLTD__MF_MSG];
    sltd__text_line l;
    sltd__mf_doc *d;
    size_t i;
    int rc;

    for (;;) {
        if ((rc = sltd__text_getline(r->in, &l, JSON_LINE_MAX)) <= 0)
            return rc;
        for (i = 0; i < l.len && (l.p[i] == ' ' || l.p[i] == '\t' || l.p[i] == '\v' || l.p[i] == '\f'); i++)
            ;
        if (i == l.len && l.full_len == l.len)
            continue; /* blank */
        d = sltd__mf_doc_new(c, l.line);
        if (l.full_len > JSON_LINE_MAX || l.nul != 0) {
            if (l.nul != 0)
                snprintf(msg, sizeof msg, "%s:%lu: NUL byte at character %zu", r->cx->name, l.line, l.nul);
            else
                snprintf(msg, sizeof msg, "%s:%lu: line longer than %u bytes", r->cx->name, l.line, JSON_LINE_MAX);
            return sltd__mf_doc_fail(c, d, SLTD_EFORMAT, msg) != 0 ? SLTD_ENOMEM : 1;
        }
        d->text_len = (uint32_t)l.len;
        return sltd__mf_put(c, l.p, l.len, &d->text) != 0 ? SLTD_ENOMEM : 1;
    }
}

static void jsonl_close(void *st)
{
    free(st);
}

/* A member's value as passed through: a string as it is, anything else as compact JSON. */
static int put_value(sltd__mf_chunk *c, json_t *v, uint32_t *off)
{
    char *t;
    int rc;

    if (json_is_string(v))
        return sltd__mf_put(c, json_string_value(v), json_string_length(v), off);
    if ((t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)) == NULL)
        return SLTD_ENOMEM;
    rc = sltd__mf_put(c, t, strlen(t), off);
    free(t);
    return rc;
}

/* Jansson's reason without the text it quotes ("... near 'A1234'" could hold a document number). */
static void json_reason(char *out, size_t cap, const char *text)
{
    const char *near = strstr(text, " near ");

    snprintf(out, cap, "%.*s", near != NULL ? (int)(near - text) : (int)strlen(text), text);
}

/* A string member of the fields key into the arena; 0, or a message (the key fails) in msg. */
static int field_string(const sltd__mf_ctx *cx, sltd__mf_chunk *c, const sltd__mf_doc *d, json_t *v, const char *name,
                        uint32_t *off, char *msg, size_t cap)
{
    if (!json_is_string(v)) {
        snprintf(msg, cap, "%s:%lu: field '%s': must be a string", cx->name, d->line, name);
        return SLTD_EFORMAT;
    }
    if (strlen(json_string_value(v)) != json_string_length(v)) {
        snprintf(msg, cap, "%s:%lu: field '%s': holds a NUL character", cx->name, d->line, name);
        return SLTD_EFORMAT;
    }
    if (sltd__mf_put(c, json_string_value(v), json_string_length(v), off) != 0) {
        snprintf(msg, cap, "out of memory");
        return SLTD_ENOMEM;
    }
    return 0;
}

/* The key of the fields (role: the member of each role, sltd__mf_role): 0 (queued, or failed with its
 * reason), or SLTD_ENOMEM. */
static int fields_key(const sltd__mf_ctx *cx, sltd__mf_chunk *c, sltd__mf_doc *d, json_t *const *role)
{
    json_t *st = role[SLTD__MF_ROLE_STATE], *ist = role[SLTD__MF_ROLE_ISSUING_STATE];
    json_t *nat = role[SLTD__MF_ROLE_NATIONALITY], *num = role[SLTD__MF_ROLE_NUMBER];
    json_t *typ = role[SLTD__MF_ROLE_TYPE];
    const char *sname = ist != NULL ? "issuing_state" : st != NULL ? "state" : "nationality";
    json_t *s = ist != NULL ? ist : st != NULL ? st : nat;
    sltd__mf_key *k = sltd__mf_key_new(d, sname, "number", "type");
    char msg[SLTD__MF_MSG];
    int rc = 0;

    if (st != NULL && ist != NULL) {
        snprintf(msg, sizeof msg, "%s:%lu: members 'state' and 'issuing_state' both name the issuing state; give one",
                 cx->name, d->line);
        rc = SLTD_EFORMAT;
    } else if (s == NULL || num == NULL) {
        snprintf(msg, sizeof msg, "%s:%lu: field '%s': missing (give 'state' and 'number', or 'mrz')", cx->name, d->line,
                 s == NULL ? "state" : "number");
        rc = SLTD_EFORMAT;
    } else if ((rc = field_string(cx, c, d, s, sname, &k->state, msg, sizeof msg)) == 0 &&
               (rc = field_string(cx, c, d, num, "number", &k->number, msg, sizeof msg)) == 0 && typ != NULL &&
               !(json_is_string(typ) && json_string_length(typ) == 0)) {
        rc = field_string(cx, c, d, typ, "type", &k->type, msg, sizeof msg);
    }
    if (rc == SLTD_ENOMEM)
        return rc;
    if (rc != 0)
        return sltd__mf_key_fail(c, k, rc, msg);
    k->qi = 0;
    return 0;
}

/* The key of the "mrz" member: a string as it is, an array's lines joined by "\n", then read as every
 * "mrz" field is (sltd__mf_mrz_field). */
static int mrz_key(const sltd__mf_ctx *cx, sltd__mf_chunk *c, size_t i, json_t *mrz)
{
    sltd__mf_doc *d = &c->doc[i];
    sltd__mf_key *k = sltd__mf_key_new(d, "mrz", "mrz", "mrz");
    char text[SLTD__MF_MRZ_MAX + 1], msg[SLTD__MF_MSG];
    size_t len = 0, j;
    json_t *v;

    msg[0] = '\0';
    if (json_is_string(mrz)) {
        sltd__mf_mrz_field(cx, c, i, k, json_string_value(mrz), json_string_length(mrz), d->lines);
        return 0;
    }
    if (json_is_array(mrz)) {
        json_array_foreach(mrz, j, v) {
            size_t l;
            if (!json_is_string(v)) {
                snprintf(msg, sizeof msg, "%s:%lu: field 'mrz': an array of strings is expected", cx->name, d->line);
                break;
            }
            l = json_string_length(v);
            if (len + (j > 0) + l > SLTD__MF_MRZ_MAX) {
                len = SLTD__MF_MRZ_MAX + 1; /* too long: sltd__mf_mrz_field says so */
                break;
            }
            if (j > 0)
                text[len++] = '\n';
            memcpy(text + len, json_string_value(v), l);
            len += l;
        }
    } else {
        snprintf(msg, sizeof msg, "%s:%lu: field 'mrz': a string or an array of strings is expected", cx->name,
                 d->line);
    }
    if (msg[0] != '\0')
        return sltd__mf_key_fail(c, k, SLTD_EFORMAT, msg);
    sltd__mf_mrz_field(cx, c, i, k, text, len, d->lines);
    return 0;
}

static void jsonl_prep(const void *st, const sltd__mf_ctx *cx, sltd__mf_chunk *c, size_t i)
{
    (void)st;
    sltd__mf_doc *d = &c->doc[i];
    char msg[SLTD__MF_MSG], why[160];
    const char *name;
    json_error_t e;
    json_t *o, *v, *mrz, *role[SLTD__MF_NROLES] = { NULL };
    size_t at[SLTD__MF_NROLES] = { 0 }, k = 0;
    int rc = 0;

    o = json_loadb(c->a + d->text, d->text_len, JSON_REJECT_DUPLICATES, &e);
    if (o == NULL || !json_is_object(o)) {
        if (o == NULL) {
            json_reason(why, sizeof why, e.text);
            snprintf(msg, sizeof msg, "%s:%lu: invalid JSON at column %d: %s", cx->name, d->line, e.column, why);
        } else {
            snprintf(msg, sizeof msg, "%s:%lu: not a JSON object", cx->name, d->line);
        }
        json_decref(o);
        if (sltd__mf_doc_fail(c, d, SLTD_EFORMAT, msg) != 0)
            sltd__mf_fatal(c, SLTD_ENOMEM);
        return;
    }
    if (json_object_size(o) > SLTD__MF_FIELDS) {
        snprintf(msg, sizeof msg, "%s:%lu: more than %d members", cx->name, d->line, SLTD__MF_FIELDS);
        rc = sltd__mf_doc_fail(c, d, SLTD_EFORMAT, msg);
        goto done;
    }
    /* pass-through: the values, then the names */
    d->first = (uint32_t)c->nf;
    d->own_names = 1;
    json_object_foreach(o, name, v) {
        uint32_t off;
        if ((rc = put_value(c, v, &off)) != 0 || (rc = sltd__mf_push_fields(c, off, NULL, 1)) != 0)
            goto done;
        d->nfields++;
    }
    json_object_foreach(o, name, v) {
        uint32_t off;
        if ((rc = sltd__mf_put(c, name, strlen(name), &off)) != 0 || (rc = sltd__mf_push_fields(c, off, NULL, 1)) != 0)
            goto done;
    }
    /* the members that make keys, named as CSV columns are (any case, spaces around ignored): two
     * members of one name cannot say which to trust */
    json_object_foreach(o, name, v) {
        const char *canon;
        const int ro = sltd__mf_role(name, strlen(name), &canon);
        k++;
        if (ro == SLTD__MF_ROLE_NONE)
            continue;
        if (role[ro] != NULL) {
            snprintf(msg, sizeof msg, "%s:%lu: members %zu and %zu both name '%s'; give one", cx->name, d->line,
                     at[ro], k, canon);
            rc = sltd__mf_doc_fail(c, d, SLTD_EFORMAT, msg);
            goto done;
        }
        role[ro] = v;
        at[ro] = k;
    }
    mrz = role[SLTD__MF_ROLE_MRZ];
    /* the fields are a key when they give any part of one (nationality alone beside an MRZ does not) */
    if (role[SLTD__MF_ROLE_STATE] != NULL || role[SLTD__MF_ROLE_ISSUING_STATE] != NULL ||
        role[SLTD__MF_ROLE_NUMBER] != NULL || mrz == NULL)
        if ((rc = fields_key(cx, c, d, role)) != 0)
            goto done;
    if (mrz != NULL)
        rc = mrz_key(cx, c, i, mrz);
done:
    json_decref(o);
    if (rc != 0)
        sltd__mf_fatal(c, SLTD_ENOMEM);
}

const sltd__mf_format sltd__mf_jsonl = { jsonl_open, jsonl_read, jsonl_prep, NULL, jsonl_close };
