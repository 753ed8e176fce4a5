#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""layers.py — checks that the library's modules include each other without a cycle, and prints their
layer order (the README's layer table is this output).

    python3 tools/layers.py [--readme FILE] [LIBDIR]     (default: lib/ beside this script's folder)

A module is a pair lib/NAME.c + lib/NAME.h (either may be missing); its job is stated in the first
comment of its files. Module A depends on module B when a file of A has `#include "B.h"`; "sltd.h"
(the public header) is left out: every module may use it.
Layer 0 holds the modules that depend on no other; a module's layer is one more than the highest layer
of what it depends on. With --readme, FILE must hold the printed table verbatim (the README's layer
table), or the check fails. Exit status: 0 no cycle (the layers are printed), 1 a cycle (its modules
are printed) or a README table that differs, 2 bad usage.
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def modules(libdir):
    """{module: set of the modules it includes}"""
    deps = {}
    for name in sorted(os.listdir(libdir)):
        base, ext = os.path.splitext(name)
        if ext not in ('.c', '.h'):
            continue
        deps.setdefault(base, set())
        with open(os.path.join(libdir, name), encoding='utf-8') as f:
            text = f.read()
        for line in text.splitlines():
            m = INCLUDE.match(line)
            if m and m.group(1) != 'sltd.h':
                dep = os.path.splitext(os.path.basename(m.group(1)))[0]
                if dep != base:
                    deps[base].add(dep)
    for base in deps:
        deps[base] &= set(deps)  # includes of files outside lib/ (tests' helpers, etc.) are not modules
    return deps


def cycles(deps):
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(deps[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(deps):
        if v not in index:
            visit(v)
    return out


def layers(deps):
    level = {}

    def lv(v):
        if v not in level:
            level[v] = 1 + max((lv(w) for w in deps[v]), default=-1)
        return level[v]

    for v in deps:
        lv(v)
    return level


def main(argv):
    args, readme = argv[1:], None
    if args[:1] == ['--readme'] and len(args) >= 2:
        readme, args = args[1], args[2:]
    if len(args) > 1 or args[:1] in (['-h'], ['--help']) or (args and args[0].startswith('-')):
        print(__doc__.strip(), file=sys.stdout if args[:1] in (['-h'], ['--help']) else sys.stderr)
        return 0 if args[:1] in (['-h'], ['--help']) else 2
    libdir = args[0] if args else os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lib')
    deps = modules(libdir)
    found = cycles(deps)
    if found:
        for comp in found:
            print('include cycle: ' + ' <-> '.join(comp), file=sys.stderr)
            for v in comp:
                print('  %s includes %s' % (v, ', '.join(sorted(deps[v] & set(comp)))), file=sys.stderr)
        return 1
    level = layers(deps)
    w = max([len('module')] + [len(v) for v in deps])
    lines = [('%-6s %-*s %s' % ('layer', w, 'module', 'includes (each from a lower layer)'))]
    for v in sorted(deps, key=lambda m: (level[m], m)):
        lines.append(('%-6d %-*s %s' % (level[v], w, v, ', '.join(sorted(deps[v])))).rstrip())
    table = '\n'.join(lines) + '\n'
    sys.stdout.write(table)
    if readme is not None:
        with open(readme, encoding='utf-8') as f:
            if table not in f.read():
                print('%s: its layer table is not what this prints; paste the output above into it' % readme,
                      file=sys.stderr)
                return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
