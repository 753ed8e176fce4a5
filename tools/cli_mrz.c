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

static const char mrz_help[] =
    "usage: sltd mrz [--json] [--strict] LINE LINE [LINE]\n"
    "       sltd mrz [--json] [--strict] \"LINE\\nLINE[\\nLINE]\"\n"
    "       sltd mrz [--json] [--strict] - < FILE\n"
    "\n"
    "Parse and validate an ICAO Doc 9303 machine-readable zone (TD1, TD2, TD3, MRV-A, MRV-B)\n"
    "without a database. Give the 2 or 3 lines as separate arguments, or as one argument holding\n"
    "them separated by newlines, or - to read them from standard input. Quote each line: '<' is\n"
    "special to the shell.\n"
    "Every field, every check digit (with the rule it holds under) and every problem is shown,\n"
    "each problem with its line and position; problems also go to stderr.\n"
    "\n"
    "  --json     print one JSON object with every field, check digit and problem\n"
    "  --strict   ICAO 9303 only: refuse the national check-digit variant (Belgian and\n"
    "             Portuguese identity cards that count the filler in a long number)\n"
    "  --help     print this help\n"
    "\n"
    "Exit status: 0 valid (every field and every check digit right); 2 invalid MRZ or bad usage.\n";

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
    sltd_mrz strict = SLTD_MRZ_INIT;

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

/* Most bytes of MRZ text read from standard input ("-"): three lines of 44 and a lot of slack. */
#define MRZ_STDIN_MAX 4096

/* The MRZ text of the arguments: the lines joined by '\n' (one argument may already hold them all), or
 * standard input when the only argument is "-". NULL after a message (*status: CLI_USAGE for input
 * that is not 1-3 arguments or too long, CLI_SYSTEM when out of memory or unreadable). */
static char *mrz_text(const char *cmd, int n, char **lines, size_t *len, int *status)
{
    size_t total = 0, off = 0;
    char *text;
    int i;

    *status = CLI_USAGE;
    if (n < 1 || n > 3) {
        fprintf(stderr, "%s: expected 2 or 3 MRZ lines (or one argument holding them, or - for standard input), "
                        "got %d argument%s\n",
                cmd, n, n == 1 ? "" : "s");
        return NULL;
    }
    if (n == 1 && strcmp(lines[0], "-") == 0) {
        if ((text = malloc(MRZ_STDIN_MAX + 1)) == NULL) {
            *status = CLI_SYSTEM;
            fprintf(stderr, "%s: out of memory\n", cmd);
            return NULL;
        }
        *len = fread(text, 1, MRZ_STDIN_MAX + 1, stdin);
        if (ferror(stdin)) {
            *status = CLI_SYSTEM;
            fprintf(stderr, "%s: cannot read standard input\n", cmd);
            free(text);
            return NULL;
        }
        if (*len > MRZ_STDIN_MAX) {
            fprintf(stderr, "%s: standard input: more than %d bytes; an MRZ has 2 or 3 lines of at most 44\n", cmd,
                    MRZ_STDIN_MAX);
            free(text);
            return NULL;
        }
        return text;
    }
    for (i = 0; i < n; i++)
        total += strlen(lines[i]) + 1;
    if ((text = malloc(total)) == NULL) {
        *status = CLI_SYSTEM;
        fprintf(stderr, "%s: out of memory\n", cmd);
        return NULL;
    }
    for (i = 0; i < n; i++) {
        size_t k = strlen(lines[i]);
        memcpy(text + off, lines[i], k);
        off += k;
        text[off++] = '\n';
    }
    *len = off;
    return text;
}

/* Write the JSON value o (consumed) on stdout: 0, or -1 when it could not be made or written. */
static int emit_json(json_t *o)
{
    int rc;

    if (o == NULL)
        return -1;
    rc = json_dumpf(o, stdout, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(o);
    return rc != 0 ? -1 : 0;
}

int cli_mrz(int argc, char **argv)
{
    int status;
    size_t len = 0;
    char *text, icao;
    sltd_mrz m = SLTD_MRZ_INIT;
    sltd_mrz_evidence ev = SLTD_MRZ_EVIDENCE_INIT;
    args a;
    int rc = cli_parse_args(&a, argc, argv, OPT(O_JSON) | OPT(O_STRICT), 0, mrz_help);

    if (rc != 0)
        return rc < 0 ? CLI_CLEAR : rc;
    if ((text = mrz_text("sltd mrz", a.npos, a.pos, &len, &status)) == NULL)
        return status;
    if (sltd_mrz_parse_ex(&m, &ev, text, len, a.set[O_STRICT] ? SLTD_MRZ_STRICT : 0) == SLTD_EINVAL) {
        free(text);
        fputs("sltd mrz: invalid argument\n", stderr);
        return CLI_USAGE;
    }
    icao = ev.number_rule == SLTD_MRZ_RULE_FILLER ? icao_number_digit(text, len) : 0;
    free(text);

    print_problems_stderr("sltd mrz", &ev);
    status = sltd_mrz_validate(&m) ? CLI_CLEAR : CLI_USAGE;
    if (a.set[O_JSON]) {
        if (emit_json(json_result(&m, &ev, icao)) != 0) {
            fputs("sltd mrz: cannot write the output\n", stderr);
            return CLI_SYSTEM;
        }
        putchar('\n');
    } else if (m.kind != 0) {
        print_human(&m, &ev, icao);
    }
    return status;
}

/* ------------------------------------------------------------------ sltd check --mrz */

static void print_records(const char *state, const char *number, const sltd_result *r)
{
    unsigned i;
    char d[16];

    for (i = 0; i < r->nrecords; i++) {
        const sltd_record *x = &r->records[i];
        cli_date(d, x->reported);
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
        printf("%s %s: not listed, but the document is INVALID (see %s): not cleared\n", m->issuing_state,
               m->number, m->error_msg != NULL ? "PROBLEMS" : "the check digits");
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

/* The answer of `sltd check --mrz --json`: the one answer shape, then number_checked, the OCR variant
 * search (null without --ocr-variants) and the parse ("mrz", as `sltd mrz --json` prints it). */
static int print_check_json(const sltd_mrz_answer *a, const sltd_mrz_evidence *ev, int rc, const char *why, int ocr,
                            char icao, const cli_fresh *fresh)
{
    const int readable = a->mrz.kind != 0 && a->mrz.issuing_state[0] != '\0' && a->mrz.number[0] != '\0';
    const int listed = rc == 0 && a->result.error == 0 && a->result.listed;
    cli_answer an = { sltd_verdict_name(a->verdict), readable ? a->mrz.issuing_state : NULL,
                      readable ? a->mrz.number : NULL, a->variant_match ? a->variant_number : NULL,
                      listed ? &a->result : a->variant_match ? &a->variant_result : NULL, *fresh, NULL, NULL };
    char error[512] = "", note[512] = "";
    unsigned k;

    if (rc != 0)
        snprintf(error, sizeof error, "%s%s%s", a->mrz.error_msg != NULL ? a->mrz.error_msg : why != NULL ? why : "",
                 a->mrz.error_msg != NULL || why != NULL ? "; " : "", sltd_error_text(rc));
    else if (a->mrz.error_msg != NULL)
        snprintf(note, sizeof note, "the document is invalid too: %s", a->mrz.error_msg);
    an.error = error;
    an.note = note;
    putchar('{');
    cli_json_answer(stdout, &an);
    printf(",\"number_checked\":%s,\"variants\":", ev->number_checked ? "true" : "false");
    if (ocr && readable) {
        printf("{\"tried\":%u,\"truncated\":%s,\"listed\":%u,\"positions\":[", a->nvariants_tried,
               a->variants_truncated ? "true" : "false", a->nvariants_listed);
        for (k = 0; a->variant_match && k < a->variant_nsubst && k < 2; k++)
            printf("%s%u", k ? "," : "", a->variant_pos[k]);
        fputs("]}", stdout);
    } else {
        fputs("null", stdout);
    }
    fputs(",\"mrz\":", stdout);
    if (emit_json(json_result(&a->mrz, ev, icao)) != 0)
        return -1;
    fputs("}\n", stdout);
    return 0;
}

/* Before the database is opened: 0 when the text gives an issuing state and a number to look up
 * (check digits and other fields are judged later), else every problem is printed and CLI_USAGE
 * returned. The parse goes to *m and *ev. */
static int validate(sltd_mrz *m, sltd_mrz_evidence *ev, const char *text, size_t len, int strict)
{
    if (sltd_mrz_parse_ex(m, ev, text, len, strict ? SLTD_MRZ_STRICT : 0) == SLTD_EINVAL)
        return CLI_USAGE;
    /* an invalid document whose key was read is still looked up (a listed one is a hit) */
    if (m->kind != 0 && m->issuing_state[0] != '\0' && m->number[0] != '\0')
        return 0;
    print_problems_stderr("sltd check", ev);
    fputs("sltd check: invalid document: no issuing state and number to look up; not cleared\n", stderr);
    return CLI_USAGE;
}

int cli_check_mrz(const args *opt)
{
    const int ocr = opt->set[O_OCR], strict = opt->set[O_STRICT], json = opt->set[O_JSON];
    sltd_mrz_answer *a = NULL;
    sltd_mrz_evidence ev = SLTD_MRZ_EVIDENCE_INIT;
    sltd_db *db = NULL;
    cli_fresh fresh = { 0, 0, 0, 0, 0 };
    size_t len = 0;
    char *text, icao, why[512] = "";
    int rc, status;

    if ((text = mrz_text("sltd check", opt->npos, opt->pos, &len, &status)) == NULL)
        return status;
    if ((a = malloc(sizeof *a)) == NULL) {
        fputs("sltd check: out of memory\n", stderr);
        status = CLI_SYSTEM;
        goto cleanup;
    }
    *a = (sltd_mrz_answer)SLTD_MRZ_ANSWER_INIT; /* the version this program was built with */
    if ((status = validate(&a->mrz, &ev, text, len, strict)) != 0) { /* bad input is exit 2 whatever the db */
        if (json) { /* the answer: invalid, nothing looked up, no database asked */
            a->verdict = SLTD_VERDICT_INVALID;
            if (print_check_json(a, &ev, SLTD_EMRZ, NULL, ocr, 0, &fresh) != 0)
                status = CLI_SYSTEM;
        }
        goto cleanup;
    }
    if ((status = cli_open_db(&db, "check", opt, SLTD_OPEN_READONLY)) != 0)
        goto cleanup;
    *a = (sltd_mrz_answer)SLTD_MRZ_ANSWER_INIT;
    rc = sltd_db_lookup_mrz_ex(a, &ev, db, text, len, (ocr ? SLTD_MRZ_OCR_VARIANTS : 0u) | (strict ? SLTD_MRZ_STRICT : 0u));
    icao = ev.number_rule == SLTD_MRZ_RULE_FILLER ? icao_number_digit(text, len) : 0;
    if (rc == SLTD_EMRZ && a->mrz.error_msg == NULL) /* no field problem: a check digit over no key is wrong */
        snprintf(why, sizeof why, "%s", sltd_error_detail());

    print_problems_stderr("sltd check", &ev);
    switch (rc) {
    case 0:
        status = ((a->result.error == 0 && a->result.listed) || a->variant_match) ? CLI_HIT : CLI_CLEAR;
        break;
    case SLTD_EMRZ:
    case SLTD_ESTATE:
    case SLTD_ENUMBER:
        fprintf(stderr, "sltd check: invalid document%s%s%s; not cleared\n",
                ev.number_checked ? " (its number is not listed)" : "", why[0] ? ": " : "", why);
        status = CLI_USAGE;
        break;
    case SLTD_ECHECKDIGIT:
        fprintf(stderr, "sltd check: the document number or composite check digit is wrong; not checked%s\n",
                ocr ? " (no OCR variant satisfying the check digits is listed)"
                    : " (--ocr-variants looks up the OCR variants that satisfy them)");
        status = CLI_USAGE;
        break;
    default:
        status = cli_fail("check", rc, 0);
        break;
    }
    /* the freshness of the data that answered, else of the database now */
    if (a->result.data_sequence != 0 || a->result.data_produced != 0 || a->result.data_expires != 0)
        cli_fresh_from_result(&fresh, &a->result);
    else if (a->variant_match)
        cli_fresh_from_result(&fresh, &a->variant_result);
    else if (cli_fresh_from_db(&fresh, db) != SLTD_OK)
        memset(&fresh, 0, sizeof fresh);
    if (rc == 0)
        cli_warn_stale("check", fresh.stale, fresh.expires);
    if (json) {
        if (print_check_json(a, &ev, rc, why[0] ? why : NULL, ocr, icao, &fresh) != 0) {
            fputs("sltd check: cannot write the output\n", stderr);
            status = CLI_SYSTEM;
        }
    } else if (a->mrz.kind != 0 && (rc == 0 || rc == SLTD_ECHECKDIGIT || rc == SLTD_EMRZ || rc == SLTD_ESTATE ||
                                    rc == SLTD_ENUMBER)) {
        print_check_human(a, &ev, ocr, icao);
    }
cleanup:
    sltd_db_close(db);
    free(a);
    free(text);
    return status;
}
