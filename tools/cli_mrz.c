/* SPDX-License-Identifier: Apache-2.0 */
/* cli_mrz.c — `sltd mrz [--json] [--strict] LINE LINE [LINE]`: parse and validate an MRZ, no
 * database; and `sltd check --mrz`: look one up. Every field, check digit and problem is shown, with
 * the check-digit rule used. Uses only the public header; JSON output through jansson (always
 * well-formed, escaped). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
    fputs("usage: sltd mrz [--json] [--strict] LINE LINE [LINE]\n"
          "       sltd mrz [--json] [--strict] \"LINE\\nLINE[\\nLINE]\"\n"
          "\n"
          "Parse and validate an ICAO Doc 9303 machine-readable zone (TD1, TD2, TD3, MRV-A, MRV-B)\n"
          "without a database. Give the 2 or 3 lines as separate arguments, or as one argument holding\n"
          "them separated by newlines. Quote each line: '<' is special to the shell.\n"
          "Every field, every check digit (with the rule it holds under) and every problem is shown,\n"
          "each problem with its line and position; problems also go to stderr.\n"
          "\n"
          "  --json     print one JSON object with every field, check digit and problem\n"
          "  --strict   ICAO 9303 only: refuse the national check-digit variant (Belgian and\n"
          "             Portuguese identity cards that count the filler in a long number)\n"
          "  --help     print this help\n"
          "\n"
          "Exit status: 0 valid (every field and every check digit right); 2 invalid MRZ or bad usage.\n",
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

/* The ICAO 9303 digit of the number (shown beside a national variant): the same text parsed strictly. */
static char icao_number_digit(const char *text, size_t len)
{
    sltd_mrz strict;

    if (sltd_mrz_parse_ex(&strict, NULL, text, len, SLTD_MRZ_STRICT) == SLTD_EINVAL)
        return '?';
    return strict.number_check.expected;
}

static void print_check(const sltd_mrz_check *c, int rule, char icao)
{
    if (c->status == SLTD_MRZ_CHECK_ABSENT)
        printf(" check: none in this format");
    else if (c->status == SLTD_MRZ_CHECK_OK && rule == SLTD_MRZ_RULE_FILLER)
        printf(" check '%c': ok under the national variant %s (ICAO 9303 gives '%c')", c->found,
               sltd_mrz_rule_name(rule), icao);
    else if (c->status == SLTD_MRZ_CHECK_OK)
        printf(" check '%c': ok", c->found);
    else
        printf(" check '%c': BAD (expected '%c')", c->found, c->expected);
}

static void print_field(const char *label, const char *value, const sltd_mrz_check *c)
{
    if (c == NULL) {
        printf("%-16s %s\n", label, value);
        return;
    }
    printf("%-16s %-24s", label, value);
    print_check(c, SLTD_MRZ_RULE_ICAO, 0);
    putchar('\n');
}

/* Every problem, on stderr, as "CMD: line L, position P: FIELD: reason (CODE)". */
static void print_problems_stderr(const char *cmd, const sltd_mrz_evidence *e)
{
    unsigned i;

    for (i = 0; i < e->nproblems; i++) {
        const sltd_mrz_problem *p = &e->problems[i];
        fprintf(stderr, "%s: MRZ line %d, position %d: %s (%s)\n", cmd, p->line, p->pos, p->msg,
                sltd_error_text(p->code));
    }
}

static void print_problems(const sltd_mrz_evidence *e)
{
    unsigned i;

    for (i = 0; i < e->nproblems; i++) {
        const sltd_mrz_problem *p = &e->problems[i];
        printf("%-16s line %d, position %d: %s\n", i == 0 ? "PROBLEMS" : "", p->line, p->pos, p->msg);
    }
}

static int checks_bad(const sltd_mrz *m)
{
    return (m->number_check.status == SLTD_MRZ_CHECK_BAD) + (m->birth_check.status == SLTD_MRZ_CHECK_BAD) +
           (m->expiry_check.status == SLTD_MRZ_CHECK_BAD) + (m->optional_check.status == SLTD_MRZ_CHECK_BAD) +
           (m->composite_check.status == SLTD_MRZ_CHECK_BAD);
}

static void print_human(const sltd_mrz *m, const sltd_mrz_evidence *e, char icao)
{
    char sex[2] = { m->sex, '\0' }, verdict[96];
    int bad = checks_bad(m);

    print_field("format", sltd_mrz_kind_name(m->kind), NULL);
    print_field("document code", m->doc_code, NULL);
    print_field("issuing state", m->issuing_state[0] ? m->issuing_state : "? (not a code: see PROBLEMS)", NULL);
    printf("%-16s %-24s", m->long_number ? "number (long)" : "number", m->number);
    print_check(&m->number_check, e->number_rule, icao);
    putchar('\n');
    print_field("nationality", m->nationality[0] ? m->nationality : "? (not a code: see PROBLEMS)", NULL);
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
    print_field("mode", (e->flags & SLTD_MRZ_STRICT) ? "strict (ICAO 9303 only)" : "ICAO 9303 and national variants",
                NULL);
    print_problems(e);
    if (sltd_mrz_validate(m))
        snprintf(verdict, sizeof verdict, "valid");
    else if (e->nproblems > 0 && bad > 0)
        snprintf(verdict, sizeof verdict, "INVALID (%u field problem%s, %d check digit%s wrong)", e->nproblems,
                 e->nproblems == 1 ? "" : "s", bad, bad == 1 ? "" : "s");
    else if (e->nproblems > 0)
        snprintf(verdict, sizeof verdict, "INVALID (%u field problem%s)", e->nproblems, e->nproblems == 1 ? "" : "s");
    else
        snprintf(verdict, sizeof verdict, "INVALID (%d check digit%s wrong)", bad, bad == 1 ? "" : "s");
    print_field("result", verdict, NULL);
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

static json_t *jproblems(const sltd_mrz_evidence *ev)
{
    json_t *arr = json_array();
    unsigned i;

    if (arr == NULL)
        return NULL;
    for (i = 0; i < ev->nproblems; i++) {
        const sltd_mrz_problem *p = &ev->problems[i];
        json_t *o = json_object();
        int err = 0;

        if (o == NULL || json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            return NULL;
        }
        err |= jset(o, "field", json_string(sltd_mrz_field_name(p->field)));
        err |= jset(o, "line", json_integer(p->line));
        err |= jset(o, "position", json_integer(p->pos));
        err |= jset(o, "message", json_string(p->msg));
        err |= jset(o, "code", json_integer(p->code));
        err |= jset(o, "description", json_string(sltd_error_text(p->code)));
        if (err) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

/* The parse as JSON: every field and check digit when the lines had the right shape (kind set), the
 * problems always, and "error" (the first problem) when there is one. icao: the number's ICAO digit,
 * shown when a national variant was used. */
static json_t *json_result(const sltd_mrz *m, const sltd_mrz_evidence *ev, char icao)
{
    json_t *o = json_object(), *checks, *num;
    char sex[2] = { m->sex, '\0' };
    int err = 0;

    if (o == NULL)
        return NULL;
    err |= jset(o, "valid", json_boolean(sltd_mrz_validate(m)));
    err |= jset(o, "strict", json_boolean(ev->flags & SLTD_MRZ_STRICT));
    err |= jset(o, "problems", jproblems(ev));
    if (ev->error != 0) {
        json_t *e = json_object();
        if (e == NULL || jset(o, "error", e) != 0)
            err = 1;
        else {
            err |= jset(e, "code", json_integer(ev->error));
            err |= jset(e, "description", json_string(sltd_error_text(ev->error)));
            err |= jset(e, "line", json_integer(m->error_line));
            err |= jset(e, "position", json_integer(m->error_pos));
            err |= jset(e, "message", json_string(m->error_msg != NULL ? m->error_msg : ""));
        }
    }
    if (err || m->kind == 0) {
        if (err) {
            json_decref(o);
            return NULL;
        }
        return o;
    }
    err |= jset(o, "kind", json_string(sltd_mrz_kind_name(m->kind)));
    err |= jset(o, "doc_code", json_string(m->doc_code));
    err |= jset(o, "issuing_state", json_string(m->issuing_state));
    err |= jset(o, "number", json_string(m->number));
    err |= jset(o, "long_number", json_boolean(m->long_number));
    err |= jset(o, "number_rule", json_string(sltd_mrz_rule_name(ev->number_rule)));
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
    if (err || checks == NULL || jset(o, "checks", checks) != 0) {
        json_decref(o);
        return NULL;
    }
    num = jcheck(&m->number_check);
    err |= jset(checks, "number", num);
    if (num != NULL) {
        err |= jset(num, "rule", json_string(sltd_mrz_rule_name(ev->number_rule)));
        if (ev->number_rule == SLTD_MRZ_RULE_FILLER)
            err |= jset(num, "icao_expected", jchar(icao));
    }
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

/* The lines joined by '\n' (one argument may already hold them all); NULL when out of memory. */
static char *join_lines(int n, char **lines, size_t *len)
{
    size_t total = 0, off = 0;
    char *text;
    int i;

    for (i = 0; i < n; i++)
        total += strlen(lines[i]) + 1;
    if ((text = malloc(total)) == NULL)
        return NULL;
    for (i = 0; i < n; i++) {
        size_t k = strlen(lines[i]);
        memcpy(text + off, lines[i], k);
        off += k;
        text[off++] = '\n';
    }
    *len = off;
    return text;
}

/* Write the JSON object o (consumed) and a newline on stdout: 0, or -1 when it could not be written. */
static int emit_json(json_t *o)
{
    int rc;

    if (o == NULL)
        return -1;
    rc = json_dumpf(o, stdout, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(o);
    if (rc != 0)
        return -1;
    putchar('\n');
    return 0;
}

int cli_mrz(int argc, char **argv)
{
    int json = 0, strict = 0, i, first, nargs, status;
    size_t len = 0;
    char *text, icao;
    sltd_mrz m = SLTD_MRZ_INIT;
    sltd_mrz_evidence ev = SLTD_MRZ_EVIDENCE_INIT;

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
        if (strcmp(argv[i], "--strict") == 0) {
            strict = 1;
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
    if ((text = join_lines(nargs, argv + first, &len)) == NULL) {
        fputs("sltd mrz: out of memory\n", stderr);
        return CLI_SYSTEM;
    }
    if (sltd_mrz_parse_ex(&m, &ev, text, len, strict ? SLTD_MRZ_STRICT : 0) == SLTD_EINVAL) {
        free(text);
        fputs("sltd mrz: invalid argument\n", stderr);
        return CLI_USAGE;
    }
    icao = ev.number_rule == SLTD_MRZ_RULE_FILLER ? icao_number_digit(text, len) : 0;
    free(text);

    print_problems_stderr("sltd mrz", &ev);
    status = sltd_mrz_validate(&m) ? CLI_CLEAR : CLI_USAGE;
    if (json) {
        if (emit_json(json_result(&m, &ev, icao)) != 0) {
            fputs("sltd mrz: cannot write the output\n", stderr);
            return CLI_SYSTEM;
        }
    } else if (m.kind != 0) {
        print_human(&m, &ev, icao);
    }
    if (fflush(stdout) != 0) {
        fputs("sltd mrz: cannot write the output\n", stderr);
        return CLI_SYSTEM;
    }
    return status;
}

/* ------------------------------------------------------------------ sltd check --mrz */

static void date_text(char out[16], uint32_t ymd)
{
    if (ymd == 0)
        out[0] = '\0';
    else
        snprintf(out, 16, "%04u-%02u-%02u", (unsigned)(ymd / 10000), (unsigned)(ymd / 100 % 100),
                 (unsigned)(ymd % 100));
}

static void print_records(const char *state, const char *number, const sltd_result *r)
{
    unsigned i;
    char d[16];

    for (i = 0; i < r->nrecords; i++) {
        const sltd_record *x = &r->records[i];
        date_text(d, x->reported);
        printf("  %s %s: %s", state, number, sltd_status_name(x->status));
        if (x->type[0])
            printf(", type %s", x->type);
        if (d[0])
            printf(", reported %s", d);
        if (x->reporting_state[0])
            printf(" by %s", x->reporting_state);
        if (x->reference[0])
            printf(", reference %s", x->reference);
        putchar('\n');
    }
}

static void print_check_line(const char *what, const sltd_mrz_check *c, int rule, char icao)
{
    if (c->status == SLTD_MRZ_CHECK_ABSENT)
        return;
    printf("%-16s", what);
    print_check(c, rule, icao);
    putchar('\n');
}

static void print_check_human(const sltd_mrz_answer *a, const sltd_mrz_evidence *e, int ocr, char icao)
{
    const sltd_mrz *m = &a->mrz;

    printf("%-16s %s, document code %s\n", "MRZ", sltd_mrz_kind_name(m->kind), m->doc_code);
    printf("%-16s %s\n", "issuing state", m->issuing_state);
    printf("%-16s %s%s\n", "number", m->number, m->long_number ? " (long number)" : "");
    print_check_line("number", &m->number_check, e->number_rule, icao);
    print_check_line("composite", &m->composite_check, SLTD_MRZ_RULE_ICAO, 0);
    if (m->birth_check.status == SLTD_MRZ_CHECK_BAD)
        print_check_line("date of birth", &m->birth_check, SLTD_MRZ_RULE_ICAO, 0);
    if (m->expiry_check.status == SLTD_MRZ_CHECK_BAD)
        print_check_line("date of expiry", &m->expiry_check, SLTD_MRZ_RULE_ICAO, 0);
    if (m->optional_check.status == SLTD_MRZ_CHECK_BAD)
        print_check_line("personal number", &m->optional_check, SLTD_MRZ_RULE_ICAO, 0);
    print_problems(e);
    if (ocr)
        printf("%-16s %u looked up%s, %u listed\n", "OCR variants", a->nvariants_tried,
               a->variants_truncated ? " (more existed: bound reached)" : "", a->nvariants_listed);

    if (a->result.error == 0 && a->result.listed) {
        printf("%s %s: LISTED%s\n", m->issuing_state, m->number,
               m->error_msg != NULL ? " (and the document is INVALID: see PROBLEMS)" : "");
        print_records(m->issuing_state, m->number, &a->result);
    } else if (a->result.error == 0) {
        printf("%s %s: not listed\n", m->issuing_state, m->number);
    } else if (e->number_checked) {
        printf("%s %s: not listed, but the document is INVALID (see PROBLEMS): not cleared\n", m->issuing_state,
               m->number);
    } else if (m->error_msg != NULL && !(m->number_check.status == SLTD_MRZ_CHECK_BAD ||
                                  m->composite_check.status == SLTD_MRZ_CHECK_BAD)) {
        printf("%s %s: NOT CHECKED (invalid document: see PROBLEMS)\n", m->issuing_state, m->number);
    } else {
        printf("%s %s: NOT CHECKED (number or composite check digit wrong: the number was not read "
               "reliably)\n",
               m->issuing_state, m->number);
    }
    if (a->variant_match) {
        if (a->variant_nsubst == 2)
            printf("VARIANT MATCH: read %s, listed as %s (OCR confusions at positions %u and %u)\n", m->number,
                   a->variant_number, a->variant_pos[0], a->variant_pos[1]);
        else
            printf("VARIANT MATCH: read %s, listed as %s (OCR confusion at position %u)\n", m->number,
                   a->variant_number, a->variant_pos[0]);
        print_records(m->issuing_state, a->variant_number, &a->variant_result);
        if (a->nvariants_listed > 1)
            printf("  (%u variants are listed; the first is shown)\n", a->nvariants_listed);
    }
}

static json_t *jrecords(const sltd_result *r)
{
    json_t *arr = json_array();
    unsigned i;
    char d1[16], d2[16];

    if (arr == NULL)
        return NULL;
    for (i = 0; i < r->nrecords; i++) {
        const sltd_record *x = &r->records[i];
        json_t *o = json_object();
        int err = 0;

        date_text(d1, x->reported);
        date_text(d2, x->expires);
        if (o == NULL || json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            return NULL;
        }
        err |= jset(o, "type", json_string(x->type));
        err |= jset(o, "status", json_string(sltd_status_name(x->status)));
        err |= jset(o, "reported", json_string(d1));
        err |= jset(o, "expires", json_string(d2));
        err |= jset(o, "reporting_state", json_string(x->reporting_state));
        err |= jset(o, "reference", json_string(x->reference));
        if (err) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

/* The verdict of `sltd check --mrz`. invalid_document: a field breaks ICAO 9303 and nothing is
 * listed (number_checked says whether the number was looked up); check_digit_failure: the number
 * could not be read reliably. Neither is ever "not listed". */
static const char *verdict_name(const sltd_mrz_answer *a, int rc)
{
    if (rc == 0 && a->result.error == 0 && a->result.listed)
        return "listed";
    if (rc == 0 && a->variant_match)
        return "variant_match";
    if (rc == 0)
        return "not_listed";
    if (rc == SLTD_ECHECKDIGIT)
        return "check_digit_failure";
    if (rc == SLTD_EMRZ || rc == SLTD_ESTATE || rc == SLTD_ENUMBER)
        return "invalid_document";
    return "error";
}

static json_t *json_check(const sltd_mrz_answer *a, const sltd_mrz_evidence *ev, int rc, int ocr, char icao)
{
    json_t *o = json_object(), *mrz;
    int err = 0, checked = rc == 0 && a->result.error == 0;
    const int readable = a->mrz.kind != 0 && a->mrz.issuing_state[0] != '\0' && a->mrz.number[0] != '\0';

    if (o == NULL)
        return NULL;
    mrz = json_result(&a->mrz, ev, icao);
    if (mrz == NULL || jset(o, "mrz", mrz) != 0) {
        json_decref(o);
        return NULL;
    }
    err |= jset(o, "verdict", json_string(verdict_name(a, rc)));
    err |= jset(o, "hit", json_boolean(rc == 0 && ((a->result.error == 0 && a->result.listed) || a->variant_match)));
    if (readable) {
        err |= jset(o, "state", json_string(a->mrz.issuing_state));
        err |= jset(o, "number", json_string(a->mrz.number));
        err |= jset(o, "type", json_string(a->mrz.doc_code));
    }
    err |= jset(o, "number_checked", json_boolean(ev->number_checked));
    err |= jset(o, "checked", json_boolean(checked));
    err |= jset(o, "stale", json_boolean(rc == 0 && (a->result.stale || a->variant_result.stale)));
    err |= jset(o, "listed", checked ? json_boolean(a->result.listed) : json_null());
    err |= jset(o, "records", checked ? jrecords(&a->result) : json_array());
    if (ocr && readable) {
        json_t *v = json_object();
        if (v == NULL || jset(o, "variants", v) != 0) {
            json_decref(o);
            return NULL;
        }
        err |= jset(v, "tried", json_integer(a->nvariants_tried));
        err |= jset(v, "truncated", json_boolean(a->variants_truncated));
        err |= jset(v, "listed", json_integer(a->nvariants_listed));
    }
    if (a->variant_match) {
        json_t *vm = json_object(), *pos = json_array();
        unsigned k;
        if (vm == NULL || pos == NULL || jset(o, "variant_match", vm) != 0 || jset(vm, "positions", pos) != 0) {
            json_decref(pos);
            json_decref(o);
            return NULL;
        }
        err |= jset(vm, "read", json_string(a->mrz.number));
        err |= jset(vm, "number", json_string(a->variant_number));
        for (k = 0; k < a->variant_nsubst && k < 2; k++)
            err |= json_array_append_new(pos, json_integer(a->variant_pos[k]));
        err |= jset(vm, "records", jrecords(&a->variant_result));
    } else {
        err |= jset(o, "variant_match", json_null());
    }
    if (rc != 0) {
        json_t *e = json_object();
        if (e == NULL || jset(o, "error", e) != 0) {
            json_decref(o);
            return NULL;
        }
        err |= jset(e, "code", json_integer(rc));
        err |= jset(e, "description", json_string(sltd_error_text(rc)));
    }
    if (err) {
        json_decref(o);
        return NULL;
    }
    return o;
}

int cli_check_mrz(sltd_db *db, int json, int ocr_variants, int strict, int nlines, char **lines)
{
    sltd_mrz_answer *a;
    sltd_mrz_evidence ev = SLTD_MRZ_EVIDENCE_INIT;
    size_t len = 0;
    char *text, icao;
    int rc, status;

    if (nlines < 1 || nlines > 3) {
        fprintf(stderr, "sltd check: --mrz expects 2 or 3 MRZ lines (or one argument holding them), got %d\n",
                nlines);
        return CLI_USAGE;
    }
    if ((a = malloc(sizeof *a)) == NULL || (text = join_lines(nlines, lines, &len)) == NULL) {
        free(a);
        fputs("sltd check: out of memory\n", stderr);
        return CLI_SYSTEM;
    }
    a->version = SLTD_MRZ_ANSWER_VERSION;
    rc = sltd_db_lookup_mrz_ex(a, &ev, db, text, len,
                         (ocr_variants ? SLTD_MRZ_OCR_VARIANTS : 0u) | (strict ? SLTD_MRZ_STRICT : 0u));
    icao = ev.number_rule == SLTD_MRZ_RULE_FILLER ? icao_number_digit(text, len) : 0;
    free(text);

    print_problems_stderr("sltd check", &ev);
    switch (rc) {
    case 0:
        status = ((a->result.error == 0 && a->result.listed) || a->variant_match) ? CLI_HIT : CLI_CLEAR;
        break;
    case SLTD_EMRZ:
    case SLTD_ESTATE:
    case SLTD_ENUMBER:
        fprintf(stderr, "sltd check: invalid document%s; not cleared\n",
                ev.number_checked ? " (its number is not listed)" : "");
        status = CLI_USAGE;
        break;
    case SLTD_ECHECKDIGIT:
        fprintf(stderr, "sltd check: the document number or composite check digit is wrong; not checked%s\n",
                ocr_variants ? " (no OCR variant satisfying the check digits is listed)"
                             : " (--ocr-variants looks up the OCR variants that satisfy them)");
        status = CLI_USAGE;
        break;
    case SLTD_EINVAL:
        fprintf(stderr, "sltd check: %s\n", sltd_error_text(rc));
        status = CLI_USAGE;
        break;
    default: {
        const char *detail = sltd_error_detail();
        if (detail[0] != '\0')
            fprintf(stderr, "sltd check: %s\n  (%s)\n", detail, sltd_error_text(rc));
        else
            fprintf(stderr, "sltd check: %s\n", sltd_error_text(rc));
        status = cli_exit_for(rc);
        break;
    }
    }

    if (rc == 0 && (a->result.stale || a->variant_result.stale))
        fprintf(stderr, "sltd check: WARNING: the data is past its expiry; updates may be blocked "
                        "(use --refuse-stale to make this an error)\n");
    if (json) {
        if (emit_json(json_check(a, &ev, rc, ocr_variants, icao)) != 0) {
            free(a);
            fputs("sltd check: cannot write the output\n", stderr);
            return CLI_SYSTEM;
        }
    } else if (a->mrz.kind != 0 && (rc == 0 || rc == SLTD_ECHECKDIGIT || rc == SLTD_EMRZ || rc == SLTD_ESTATE ||
                                    rc == SLTD_ENUMBER)) {
        print_check_human(a, &ev, ocr_variants, icao);
    }
    free(a);
    if (fflush(stdout) != 0) {
        fputs("sltd check: cannot write the output\n", stderr);
        return CLI_SYSTEM;
    }
    return status;
}

int cli_mrz_validate(int nlines, char **lines, int strict)
{
    sltd_mrz m;
    sltd_mrz_evidence ev;
    size_t len = 0;
    char *text;

    if (nlines < 1 || nlines > 3) {
        fprintf(stderr, "sltd check: --mrz expects 2 or 3 MRZ lines (or one argument holding them), got %d\n",
                nlines);
        return CLI_USAGE;
    }
    if ((text = join_lines(nlines, lines, &len)) == NULL) {
        fputs("sltd check: out of memory\n", stderr);
        return CLI_SYSTEM;
    }
    if (sltd_mrz_parse_ex(&m, &ev, text, len, strict ? SLTD_MRZ_STRICT : 0) == SLTD_EINVAL) {
        free(text);
        return CLI_USAGE;
    }
    free(text);
    /* an invalid document whose key was read is still looked up (a listed one is a hit) */
    if (m.kind != 0 && m.issuing_state[0] != '\0' && m.number[0] != '\0')
        return 0;
    print_problems_stderr("sltd check", &ev);
    fputs("sltd check: invalid document: no issuing state and number to look up; not cleared\n", stderr);
    return CLI_USAGE;
}
