#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""stages.py — where a lookup's instructions go: runs sltd-bench under callgrind, collecting only inside
sltd_db_lookup (sltd.miss, sltd.hit) or sltd_db_lookup_batch (sltd.miss.batch), and splits the instructions
(and, with --cache-sim, the simulated cache misses) per document into the stages of a lookup:

  normalise        the state and number checked and copied into the digest input
  digest           keyed SipHash-2-4-128
  slot, freshness  a reader slot, LMDB's last transaction id, the cached freshness, the clock
  filter           the filter pointer, its `retired` flag, the block prefetch and probe
  LMDB             read transaction, mdb_get and the key comparator (maybes and hits only)
  decode           the records decoded into the result
  call, glue       argument checks, clearing the result, loops, what is left

A line of code belongs to the stage of the function it was written in (the debug information keeps
inlined code on its own source lines), so the split holds whatever the compiler inlined. Calls into
the C library count for the stage that made them, except the clock, which counts for freshness.
Instruction counts are exact and repeatable on a loaded machine; they are not time (a cache miss is
one instruction): bench/RESULTS.md sets them beside the floors that sltd-bench times.

  bench/stages.py --bench BUILD/bench/sltd-bench --db DIR --records N [--queries Q] [--cache-sim]
                  [--ll SIZE,WAYS,LINE] [--workloads sltd.miss,sltd.miss.batch,sltd.hit] [--keep DIR]

DIR is a database made by sltd-bench --db DIR --records N (needs valgrind; a release build with -g).
"""
import argparse
import collections
import os
import re
import subprocess
import sys
import tempfile

STAGES = ["normalise", "digest", "slot, freshness", "filter", "LMDB", "decode", "call, glue"]
ENTRY = {"sltd.miss": "sltd_db_lookup", "sltd.hit": "sltd_db_lookup", "sltd.miss.batch": "sltd_db_lookup_batch",
         "sltd.hit.batch": "sltd_db_lookup_batch"}
CLOCK = re.compile(r"^(time|clock_gettime|__vdso_.*|__clock_gettime.*)$")
LIBC = re.compile(r"(libc\.so|ld-linux|vdso|libpthread)")
UNDER_STUDY = re.compile(r"(libsltd|liblmdb)")
SLOT = {"map_enter", "map_leave", "sltd__store_reader_enter", "sltd__store_reader_leave",
        "sltd__store_last_txnid"}


class SourceIndex:
    """Which function a line of a C source file is in (found by scanning the file)."""

    def __init__(self):
        self.cache = {}

    def function(self, path, line):
        if path not in self.cache:
            self.cache[path] = self._scan(path)
        spans = self.cache[path]
        for lo, hi, name in spans:
            if lo <= line <= hi:
                return name
        return None

    @staticmethod
    def _scan(path):
        spans = []
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                lines = f.read().split("\n")
        except OSError:
            return spans
        head = re.compile(r"^[A-Za-z_][\w \*]*?\b(\w+)\s*\(")
        i = 0
        while i < len(lines):
            m = head.match(lines[i])
            if m and not lines[i].rstrip().endswith(";"):
                # the body starts at the first line that is "{" (K&R style is not used here)
                j = i
                while j < len(lines) and lines[j] != "{" and not lines[j].rstrip().endswith(";"):
                    j += 1
                if j < len(lines) and lines[j] == "{":
                    k = j
                    while k < len(lines) and lines[k] != "}":
                        k += 1
                    spans.append((i + 1, k + 1, m.group(1)))
                    i = k
            i += 1
        return spans


def stage_of(obj, path, fn, line, src):
    """The stage of `line` of `path`, in function `fn` of object `obj` (inlined code keeps its file)."""
    base = os.path.basename(path or "")
    name = src.function(path, line) if path and path.endswith((".c", ".h")) and line > 0 else None
    name = name or fn
    if name == "mdb_env_info":
        return "slot, freshness"  # LMDB's last transaction id, read for the freshness check
    if "liblmdb" in obj or name.startswith("mdb_"):
        return "LMDB"
    if name in SLOT or name.startswith(("fresh_", "sltd__fresh")) or base == "fresh.c" or CLOCK.match(name):
        return "slot, freshness"
    if "bloom" in name or "bloom" in base or base == "filter.c" or name.startswith("sltd__filter"):
        return "filter"
    if base == "norm.c" or name in ("prepare", "normalize") or name.startswith(("sltd__norm", "sltd__key_input")):
        return "normalise"
    if base == "prf.c" or "siphash" in name or name.startswith("sltd__prf"):
        return "digest"
    if name in ("key_cmp", "sltd__store_key_order") or base == "store.c" or name.startswith("sltd__store"):
        return "LMDB"
    if name in ("answer", "read_record") or base == "record.c" or name.startswith("sltd__record"):
        return "decode"
    return "call, glue"


def parse(path, src):
    """Self cost per stage (each event), and the calls made to each function."""
    events = []
    names = {"fl": {}, "fn": {}, "ob": {}}
    cost = collections.defaultdict(lambda: None)
    calls = collections.Counter()
    ob = fl = fi = fn = ""
    cob = cfn = ""
    last_line = 0
    pending_call = False
    call_stage = None

    def name(kind, text):
        m = re.match(r"\((\d+)\)(?: (.*))?$", text)
        if not m:
            return text
        if m.group(2) is not None:
            names[kind][m.group(1)] = m.group(2)
        return names[kind].get(m.group(1), "?")

    def add(stage, values):
        cur = cost[stage]
        cost[stage] = values if cur is None else [a + b for a, b in zip(cur, values)]

    with open(path, encoding="utf-8", errors="replace") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if not line:
                continue
            if line.startswith("events:"):
                events = line.split()[1:]
                continue
            key, _, val = line.partition("=")
            if key in ("ob", "cob"):
                v = name("ob", val)
                if key == "ob":
                    ob = v
                else:
                    cob = v
                continue
            if key in ("fl", "fi", "fe", "cfi", "cfl"):
                v = name("fl", val)
                if key == "fl":
                    fl = fi = v
                elif key in ("fi", "fe"):
                    fi = v
                continue
            if key in ("fn", "cfn"):
                v = name("fn", val)
                if key == "fn":
                    fn, fi, cob = v, fl, ob
                else:
                    cfn = v
                continue
            if key == "calls":
                calls[cfn] += int(val.split()[0])
                pending_call = True
                continue
            if not (line[0].isdigit() or line[0] in "+-*"):
                continue
            parts = line.split()
            pos = parts[0]
            if pos == "*":
                ln = last_line
            elif pos[0] in "+-":
                ln = last_line + int(pos)
            else:
                ln = int(pos)
            last_line = ln
            values = [int(x) for x in parts[1:]] + [0] * (len(events) - len(parts) + 1)
            if pending_call:
                # a call's inclusive cost: only calls from outside into the C library are counted
                # here (the rest is counted line by line where it runs), for the stage that made them
                pending_call = False
                into_libc = LIBC.search(cob)
                cob = ob  # (a call names its object only when it differs)
                if into_libc and UNDER_STUDY.search(ob):
                    stage = "slot, freshness" if CLOCK.match(cfn) else stage_of(ob, fi, fn, ln, src)
                    add(stage, values)
                continue
            if LIBC.search(ob):
                continue  # the C library's own lines: counted through the calls into it
            add(stage_of(ob, fi, fn, ln, src), values)
    return events, cost, calls


def run(args, workload, out):
    entry = ENTRY[workload]
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out, "--toggle-collect=" + entry]
    if args.cache_sim:
        cmd += ["--cache-sim=yes", "--LL=" + args.ll]
    cmd += [args.bench, "--db", args.db, "--records", str(args.records), "--only", workload, "--queries",
            str(args.queries), "--rounds", "1", "--threads", "1", "--quiet"]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bench", required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--records", type=int, required=True)
    ap.add_argument("--queries", type=int, default=6400, help="a multiple of 64 (default 6400)")
    ap.add_argument("--workloads", default="sltd.miss,sltd.miss.batch,sltd.hit")
    ap.add_argument("--cache-sim", action="store_true", help="also count simulated cache misses")
    ap.add_argument("--ll", default="33554432,16,64",
                    help="simulated last-level cache: size,ways,line (default 32 MiB, 16-way: valgrind "
                         "reads nonsense from some virtual CPUs)")
    ap.add_argument("--keep", metavar="DIR", help="keep the callgrind files in DIR")
    args = ap.parse_args()
    if args.queries % 64:
        ap.error("--queries must be a multiple of 64")
    src = SourceIndex()
    outdir = args.keep or tempfile.mkdtemp(prefix="sltd-stages.")
    os.makedirs(outdir, exist_ok=True)
    for w in args.workloads.split(","):
        if w not in ENTRY:
            ap.error("unknown workload %s (one of %s)" % (w, ", ".join(ENTRY)))
        out = os.path.join(outdir, "callgrind.%s.out" % w)
        run(args, w, out)
        events, cost, calls = parse(out, src)
        # documents: each one is normalised once (sltd__norm_state is called once per document)
        docs = calls.get("sltd__norm_state", 0)
        if docs == 0:
            sys.exit("stages.py: %s: no call to sltd__norm_state counted" % out)
        shown = [e for e in events if e in ("Ir", "D1mr", "DLmr")]
        idx = [events.index(e) for e in shown]
        total = [sum((cost[s] or [0] * len(events))[i] for s in STAGES) for i in idx]
        print("%s, %d records: %d documents through %s; per document:" % (w, args.records, docs, ENTRY[w]))
        print("  %-16s" % "stage" + "".join("%10s" % e for e in shown) + "%8s" % "Ir %")
        for s in STAGES:
            c = cost[s] or [0] * len(events)
            print("  %-16s" % s + "".join("%10.1f" % (c[i] / docs) for i in idx) +
                  "%7.1f%%" % (100.0 * c[idx[0]] / total[0] if total[0] else 0))
        print("  %-16s" % "total" + "".join("%10.1f" % (t / docs) for t in total))
        others = set(cost) - set(STAGES)
        if others:
            print("  (unassigned: %s)" % ", ".join(sorted(others)))
    if not args.keep:
        for name in os.listdir(outdir):
            os.remove(os.path.join(outdir, name))
        os.rmdir(outdir)


if __name__ == "__main__":
    main()
