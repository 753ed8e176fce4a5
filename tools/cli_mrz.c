/* cli_mrz.c — `sltd mrz [--json] LINE LINE [LINE]`: parse and validate an MRZ, no database.
 * Uses only the public header; JSON output through jansson (always well-formed, escaped). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
    fputs("usage: sltd mrz [--json] LINE LINE [LINE]\n"
          "       sltd mrz [--json] \"LINE\\nLINE[\\nLINE]\"\n"
          "\n"
          "Parse and validate an ICAO Doc 9303 machine-readable zone (TD1, TD2, TD3, MRV-A, MRV-B)\n"
          "without a database. Give the 2 or 3 lines as separate arguments, or as one argument holding\n"
          "them separated by newlines. Quote each line: '<' is special to the shell.\n"
          "\n"
          "  --json   print one JSON object with every field and every check digit\n"
          "  --help   print this help\n"
          "\n"
          "Exit status: 0 valid (structure and every check digit right); 2 invalid MRZ or bad usage.\n",
          f);
}

static const char *status_name(int status)
{
    switch (status) {
    case SLTD_MRZ_CHECK_OK:
        return "ok";
    case SLTD_MRZ_CHECK_BAD:
        return "bad";
    case SLTD_MRZ_CHECK_ABSENT:
        return "absent";
    default:
        return "?";
    }
}

/* ------------------------------------------------------------------ human output */

static void print_field(const char *label, const char *value, const sltd_mrz_check *c)
{
    if (c == NULL) {
        printf("%-16s %s\n", label, value);
        return;
    }
    printf("%-16s %-24s", label, value);
    {
        if (c->status == SLTD_MRZ_CHECK_ABSENT)
            printf(" check: none in this format");
        else if (c->status == SLTD_MRZ_CHECK_OK)
            printf(" check '%c': ok", c->found);
        else
            printf(" check '%c': BAD (expected '%c')", c->found, c->expected);
    }
    putchar('\n');
}

static void print_human(const sltd_mrz *m)
{
    char sex[2] = { m->sex, '\0' };

    print_field("format", sltd_mrz_kind_name(m->kind), NULL);
    print_field("document code", m->doc_code, NULL);
    print_field("issuing state", m->issuing_state, NULL);
    print_field(m->long_number ? "number (long)" : "number", m->number, &m->number_check);
    print_field("nationality", m->nationality, NULL);
    print_field("date of birth", m->birth, &m->birth_check);
    print_field("sex", sex, NULL);
    print_field("date of expiry", m->expiry, &m->expiry_check);
    print_field(m->kind == SLTD_MRZ_TD3 ? "personal number" : "optional data", m->optional1,
                m->kind == SLTD_MRZ_TD3 ? &m->optional_check : NULL);
    if (m->kind == SLTD_MRZ_TD1)
        print_field("optional data 2", m->optional2, NULL);
    print_field("primary name", m->primary_name, NULL);
    print_field(m->name_truncated ? "secondary (trunc)" : "secondary name", m->secondary_name, NULL);
    print_field("composite", "", &m->composite_check);
    print_field("result", sltd_mrz_valid(m) ? "valid" : "INVALID (check digit)", NULL);
}

/* ------------------------------------------------------------------ JSON output */

static int jset(json_t *obj, const char *key, json_t *value)
{
    return value == NULL ? -1 : json_object_set_new(obj, key, value);
}

static json_t *jchar(char c)
{
    char s[2] = { c, '\0' };
    return c == '\0' ? json_null() : json_string(s);
}

static json_t *jcheck(const sltd_mrz_check *c)
{
    json_t *o = json_object();
    int present = c->status != SLTD_MRZ_CHECK_ABSENT;

    if (o == NULL)
        return NULL;
    if (jset(o, "status", json_string(status_name(c->status))) != 0 || jset(o, "found", jchar(c->found)) != 0 ||
        jset(o, "expected", jchar(c->expected)) != 0 ||
        jset(o, "valid", present ? json_boolean(c->status == SLTD_MRZ_CHECK_OK) : json_null()) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *json_result(const sltd_mrz *m, int rc)
{
    json_t *o = json_object(), *checks;
    char sex[2] = { m->sex, '\0' };
    int err = 0;

    if (o == NULL)
        return NULL;
    if (rc != 0) {
        json_t *e = json_object();
        err |= jset(o, "valid", json_false());
        if (e == NULL || jset(o, "error", e) != 0)
            err = 1;
        else {
            err |= jset(e, "code", json_integer(rc));
            err |= jset(e, "description", json_string(sltd_strerror(rc)));
            err |= jset(e, "line", json_integer(m->error_line));
            err |= jset(e, "position", json_integer(m->error_pos));
            err |= jset(e, "message", json_string(m->error_msg != NULL ? m->error_msg : ""));
        }
        if (err) {
            json_decref(o);
            return NULL;
        }
        return o;
    }
    err |= jset(o, "valid", json_boolean(sltd_mrz_valid(m)));
    err |= jset(o, "kind", json_string(sltd_mrz_kind_name(m->kind)));
    err |= jset(o, "doc_code", json_string(m->doc_code));
    err |= jset(o, "issuing_state", json_string(m->issuing_state));
    err |= jset(o, "number", json_string(m->number));
    err |= jset(o, "long_number", json_boolean(m->long_number));
    err |= jset(o, "nationality", json_string(m->nationality));
    err |= jset(o, "birth", json_string(m->birth));
    err |= jset(o, "sex", json_string(sex));
    err |= jset(o, "expiry", json_string(m->expiry));
    err |= jset(o, "optional1", json_string(m->optional1));
    err |= jset(o, "optional2", json_string(m->optional2));
    err |= jset(o, "primary_name", json_string(m->primary_name));
    err |= jset(o, "secondary_name", json_string(m->secondary_name));
    err |= jset(o, "name_truncated", json_boolean(m->name_truncated));
    checks = json_object();
    if (checks == NULL || jset(o, "checks", checks) != 0) {
        json_decref(o);
        return NULL;
    }
    err |= jset(checks, "number", jcheck(&m->number_check));
    err |= jset(checks, "birth", jcheck(&m->birth_check));
    err |= jset(checks, "expiry", jcheck(&m->expiry_check));
    err |= jset(checks, "optional", jcheck(&m->optional_check));
    err |= jset(checks, "composite", jcheck(&m->composite_check));
    if (err) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ------------------------------------------------------------------ command */

int cli_mrz(int argc, char **argv)
{
    int json = 0, i, first, nargs, rc, status;
    size_t total = 0, off = 0;
    char *text;
    sltd_mrz m = SLTD_MRZ_INIT;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return CLI_CLEAR;
        }
        if (strcmp(argv[i], "--json") == 0) {
            json = 1;
            continue;
        }
        if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "sltd mrz: unknown option '%s'\n", argv[i]);
            usage(stderr);
            return CLI_USAGE;
        }
        break;
    }
    first = i;
    nargs = argc - first;
    if (nargs < 1 || nargs > 3) {
        fprintf(stderr, "sltd mrz: expected 2 or 3 MRZ lines (or one argument holding them), got %d argument%s\n",
                nargs, nargs == 1 ? "" : "s");
        usage(stderr);
        return CLI_USAGE;
    }
    for (i = first; i < argc; i++)
        total += strlen(argv[i]) + 1;
    text = malloc(total);
    if (text == NULL) {
        fputs("sltd mrz: out of memory\n", stderr);
        return CLI_SYSTEM;
    }
    for (i = first; i < argc; i++) {
        size_t n = strlen(argv[i]);
        memcpy(text + off, argv[i], n);
        off += n;
        text[off++] = '\n';
    }
    rc = sltd_mrz_parse(&m, text, off);
    free(text);

    if (rc != 0) {
        fprintf(stderr, "sltd mrz: line %d, position %d: %s (%s)\n", m.error_line, m.error_pos,
                m.error_msg != NULL ? m.error_msg : "invalid MRZ", sltd_strerror(rc));
        status = CLI_USAGE;
    } else {
        status = sltd_mrz_valid(&m) ? CLI_CLEAR : CLI_USAGE;
    }
    if (json) {
        json_t *o = json_result(&m, rc);
        if (o == NULL) {
            fputs("sltd mrz: out of memory\n", stderr);
            return CLI_SYSTEM;
        }
        if (json_dumpf(o, stdout, JSON_COMPACT | JSON_ENSURE_ASCII) != 0) {
            json_decref(o);
            fputs("sltd mrz: cannot write the output\n", stderr);
            return CLI_SYSTEM;
        }
        json_decref(o);
        putchar('\n');
    } else if (rc == 0) {
        print_human(&m);
    }
    if (fflush(stdout) != 0) {
        fputs("sltd mrz: cannot write the output\n", stderr);
        return CLI_SYSTEM;
    }
    return status;
}
