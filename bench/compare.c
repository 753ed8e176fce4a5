/* SPDX-License-Identifier: Apache-2.0 */
/* compare.c — --compare OLD.json: each figure of this run (or of --against NEW.json) divided by the same
 * figure of an earlier run, so that a change's effect is one command. Figures are matched by workload
 * name and thread count. Two kinds of ratio are printed: new/old of each absolute figure (p50, p99,
 * p99.9: below 1 is faster; ops/s: above 1 is faster), which a drift of the machine's load also moves,
 * and, for each workload that has a baseline, its p50 over its baseline's p50 within each run, which
 * holds on a noisy machine. Runs of different sizes are compared with a warning. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

typedef struct fig {
    char name[32];
    unsigned threads;
    uint64_t records;
    double p50, p99, p999, ops;
} fig;

struct figures {
    size_t n;
    fig *f;
};

static __attribute__((noreturn)) void bad_file(const char *path, const char *what, size_t i)
{
    if (i == (size_t)-1)
        fprintf(stderr, "sltd-bench: %s: %s\n", path, what);
    else
        fprintf(stderr, "sltd-bench: %s: results[%zu]: %s\n", path, i, what);
    exit(EXIT_USAGE);
}

static double number(const json_t *o, const char *key, const char *path, size_t i)
{
    const json_t *v = json_object_get(o, key);
    char what[64];

    if (!json_is_number(v)) {
        snprintf(what, sizeof what, "field '%s' missing or not a number", key);
        bad_file(path, what, i);
    }
    return json_number_value(v);
}

figures *figures_load(const char *path)
{
    json_error_t err;
    json_t *root = json_load_file(path, 0, &err), *arr;
    figures *fs;
    char what[256];
    size_t i;

    if (root == NULL) {
        snprintf(what, sizeof what, "line %d: %s", err.line, err.text);
        bad_file(path, what, (size_t)-1);
    }
    arr = json_object_get(root, "results");
    if (!json_is_array(arr))
        bad_file(path, "no \"results\" array (not the JSON of sltd-bench --json)", (size_t)-1);
    fs = xmalloc(sizeof *fs);
    fs->n = json_array_size(arr);
    fs->f = xmalloc(fs->n * sizeof *fs->f);
    for (i = 0; i < fs->n; i++) {
        const json_t *o = json_array_get(arr, i), *name = json_object_get(o, "name");
        fig *g = &fs->f[i];
        if (!json_is_string(name) || json_string_length(name) >= sizeof g->name)
            bad_file(path, "field 'name' missing, not a string or too long", i);
        snprintf(g->name, sizeof g->name, "%s", json_string_value(name));
        g->threads = (unsigned)number(o, "threads", path, i);
        g->records = (uint64_t)number(o, "records", path, i);
        g->p50 = number(o, "p50_ns", path, i);
        g->p99 = number(o, "p99_ns", path, i);
        g->p999 = number(o, "p999_ns", path, i);
        g->ops = number(o, "ops_per_s", path, i);
    }
    json_decref(root);
    return fs;
}

figures *figures_current(uint64_t records)
{
    figures *fs = xmalloc(sizeof *fs);
    size_t i;

    fs->n = g_nres;
    fs->f = xmalloc((g_nres ? g_nres : 1) * sizeof *fs->f);
    for (i = 0; i < g_nres; i++) {
        const result *r = &g_res[i];
        fs->f[i] = (fig){ "", r->threads, records, r->p50, r->p99, r->p999, r->ops_per_s };
        memcpy(fs->f[i].name, r->name, sizeof fs->f[i].name); /* (both NUL-terminated, same size) */
    }
    return fs;
}

void figures_free(figures *fs)
{
    if (fs == NULL)
        return;
    free(fs->f);
    free(fs);
}

static const fig *find(const figures *fs, const char *name, unsigned threads)
{
    size_t i;

    for (i = 0; i < fs->n; i++)
        if (fs->f[i].threads == threads && strcmp(fs->f[i].name, name) == 0)
            return &fs->f[i];
    return NULL;
}

static double ratio(double a, double b)
{
    return a > 0 && b > 0 ? a / b : NAN;
}

/* w's p50 over its baseline's p50 in the same run (NaN when either is missing). */
static double to_baseline(const figures *fs, const fig *w)
{
    const char *bn = w->threads == 1 ? baseline_of(w->name) : NULL;
    const fig *b = bn ? find(fs, bn, 1) : NULL;

    return b ? ratio(w->p50, b->p50) : NAN;
}

static const char *fmt_x(char *buf, size_t cap, double x)
{
    if (x != x)
        snprintf(buf, cap, "-");
    else
        snprintf(buf, cap, "%.2fx", x);
    return buf;
}

static void warn_sizes(FILE *f, const figures *old, const figures *cur)
{
    if (old->n > 0 && cur->n > 0 && old->f[0].records != cur->f[0].records)
        fprintf(f, "note: the runs differ in size (%llu records before, %llu now): absolute figures are not "
                   "comparable\n",
                (unsigned long long)old->f[0].records, (unsigned long long)cur->f[0].records);
}

void compare_print(FILE *f, const figures *old, const figures *cur, const char *old_path)
{
    char a[32], b[32], c[32], d[32], e[32], g[32], h[32], k[32], x[32];
    size_t i;

    fprintf(f, "\ncompared with %s (new/old: below 1 is faster for times, above 1 for ops/s; \"vs baseline\" is\n"
               "p50 over its baseline's p50 in each run, which load drift between the runs does not move):\n",
            old_path);
    warn_sizes(f, old, cur);
    fprintf(f, "%-24s %3s %9s %9s %7s %7s %7s %7s  %-18s %7s %7s %7s\n", "workload", "thr", "p50 old", "p50 new", "p50",
            "p99", "p99.9", "ops/s", "vs baseline", "old", "new", "new/old");
    for (i = 0; i < cur->n; i++) {
        const fig *n = &cur->f[i], *o = find(old, n->name, n->threads);
        const char *bn = n->threads == 1 ? baseline_of(n->name) : NULL;
        double bo, bnew;
        if (o == NULL) {
            fprintf(f, "%-24s %3u %9s %9s  (not in %s)\n", n->name, n->threads, "-", fmt_ns(b, sizeof b, n->p50),
                    old_path);
            continue;
        }
        bo = to_baseline(old, o);
        bnew = to_baseline(cur, n);
        fprintf(f, "%-24s %3u %9s %9s %7s %7s %7s %7s  %-18s %7s %7s %7s\n", n->name, n->threads,
                fmt_ns(a, sizeof a, o->p50), fmt_ns(b, sizeof b, n->p50), fmt_x(c, sizeof c, ratio(n->p50, o->p50)),
                fmt_x(d, sizeof d, ratio(n->p99, o->p99)), fmt_x(e, sizeof e, ratio(n->p999, o->p999)),
                fmt_x(g, sizeof g, ratio(n->ops, o->ops)), bn ? bn : "-", fmt_x(h, sizeof h, bo),
                fmt_x(k, sizeof k, bnew), fmt_x(x, sizeof x, ratio(bnew, bo)));
    }
    for (i = 0; i < old->n; i++)
        if (find(cur, old->f[i].name, old->f[i].threads) == NULL)
            fprintf(f, "%-24s %3u %9s %9s  (not in this run)\n", old->f[i].name, old->f[i].threads,
                    fmt_ns(a, sizeof a, old->f[i].p50), "-");
}

static void json_num(FILE *f, const char *key, double v, const char *sep)
{
    if (v != v)
        fprintf(f, "\"%s\": null%s", key, sep);
    else
        fprintf(f, "\"%s\": %.4f%s", key, v, sep);
}

/* The "compare" member: one entry per workload in both runs. */
void compare_json(FILE *f, const figures *old, const figures *cur, const char *old_path)
{
    size_t i, k = 0;

    fprintf(f, ",\n \"compare\": {\"against\": ");
    json_str(f, old_path);
    fprintf(f, ", \"results\": [\n");
    for (i = 0; i < cur->n; i++) {
        const fig *n = &cur->f[i], *o = find(old, n->name, n->threads);
        if (o == NULL)
            continue;
        fprintf(f, "%s  {\"name\": \"%s\", \"threads\": %u, ", k++ ? ",\n" : "", n->name, n->threads);
        json_num(f, "p50_ratio", ratio(n->p50, o->p50), ", ");
        json_num(f, "p99_ratio", ratio(n->p99, o->p99), ", ");
        json_num(f, "p999_ratio", ratio(n->p999, o->p999), ", ");
        json_num(f, "ops_ratio", ratio(n->ops, o->ops), ", ");
        json_num(f, "vs_baseline_old", to_baseline(old, o), ", ");
        json_num(f, "vs_baseline_new", to_baseline(cur, n), "}");
    }
    fprintf(f, "\n ]}");
}
