#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# The output contracts of docs/OUTPUTS.md, read with Python's csv and json modules: `sltd screen` on
# CSV, MRZ and JSON Lines manifests, with --all, --ocr-variants, --json and --rejects, gives unique
# headers, equal field counts and one schema; check, check --mrz and the audit log give the same
# answer shape. The schemas are read from docs/OUTPUTS.md itself (its "schema:" blocks).
#   outputs_check.py SLTD_BINARY OUTPUTS_MD WORK_DIR
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys

SLTD, DOC, WORK = (os.path.abspath(a) for a in sys.argv[1:4])
failures = 0
checks = 0
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
DATE = re.compile(r"^\d{4}-\d\d-\d\d$")
VERDICTS = {"clear", "listed", "variant", "unreadable", "invalid", "error"}


def check(cond, msg):
    global failures, checks
    checks += 1
    if not cond:
        failures += 1
        print("FAIL: " + msg)


def schemas(path):
    """Every '<!-- schema: NAME -->' of the doc: the comma-separated names on the fenced line after it."""
    out, lines = {}, open(path, encoding="utf-8").read().splitlines()
    for i, l in enumerate(lines):
        m = re.match(r"<!-- schema: ([a-z-]+) -->", l)
        if m:
            j = i + 1
            while not lines[j].startswith("```"):
                j += 1
            out[m.group(1)] = lines[j + 1].split(",")
    return out


S = schemas(DOC)
for name in ("answer-json", "record-json", "screen-json", "audit-json", "screen-csv"):
    if name not in S:
        print("FAIL: docs/OUTPUTS.md has no schema '%s'" % name)
        sys.exit(1)
ANSWER = S["answer-json"]


def P(*names):
    return os.path.join(WORK, *names)


def run(*args, want=None, stdin=None):
    r = subprocess.run([SLTD] + list(args), capture_output=True, text=True, stdin=stdin)
    if want is not None and r.returncode not in (want if isinstance(want, tuple) else (want,)):
        check(False, "sltd %s: exit %d, want %s\n%s" % (" ".join(args), r.returncode, want, r.stderr))
    return r


def check_answer(obj, where, members):
    """An object in the one answer shape: its members, in order; types and formats as documented."""
    check(list(obj.keys()) == members, "%s: members %s, want %s" % (where, list(obj.keys()), members))
    check(obj.get("verdict") in VERDICTS, "%s: verdict %r" % (where, obj.get("verdict")))
    for k in ("state", "number", "variant_number", "error", "note"):
        check(obj.get(k) is None or (isinstance(obj[k], str) and obj[k] != ""), "%s: %s is %r (null, not \"\", "
              "for absent)" % (where, k, obj.get(k)))
    for k in ("produced", "expires"):
        check(obj.get(k) is None or ISO.match(obj[k]), "%s: %s %r is not ISO 8601 UTC" % (where, k, obj.get(k)))
    check(obj.get("sequence") is None or isinstance(obj["sequence"], int), "%s: sequence" % where)
    check(obj.get("stale") in (None, True, False), "%s: stale" % where)
    check(isinstance(obj.get("records"), list), "%s: records" % where)
    for r in obj.get("records", []):
        check(list(r.keys()) == S["record-json"], "%s: record members %s" % (where, list(r.keys())))
        for k in ("reported", "expires"):
            check(r.get(k) is None or DATE.match(r[k]), "%s: record %s %r" % (where, k, r.get(k)))
        check(all(r[k] is None or r[k] != "" for k in r), "%s: a record member is \"\"" % where)
    check((obj.get("verdict") in ("listed", "variant")) == (len(obj.get("records", [])) > 0),
          "%s: records and verdict disagree" % where)


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def check_csv(rows, where, stream):
    """Unique header, the documented columns first, then in_ columns; equal field counts; values."""
    check(len(rows) >= 1, "%s: no header" % where)
    if not rows:
        return None
    h = rows[0]
    n = len(S["screen-csv"])
    check(len(set(h)) == len(h), "%s: header names repeat: %s" % (where, h))
    check(h[:n] == S["screen-csv"], "%s: header %s, want %s first" % (where, h[:n], S["screen-csv"]))
    check(all(c.startswith("in_") for c in h[n:]), "%s: extra columns %s are not in_ columns" % (where, h[n:]))
    for i, r in enumerate(rows[1:], 2):
        check(len(r) == len(h), "%s:%d: %d fields, header has %d" % (where, i, len(r), len(h)))
        d = dict(zip(h, r))
        v = d.get("verdict")
        if stream == "out":
            check(v in ("clear", "listed", "variant"), "%s:%d: verdict %r among the checked rows" % (where, i, v))
            check(d.get("error") == "", "%s:%d: an error among the checked rows" % (where, i))
        else:
            check(v in ("invalid", "unreadable"), "%s:%d: verdict %r among the rejects" % (where, i, v))
            check(d.get("error", "") != "", "%s:%d: a reject without its reason" % (where, i))
        check((d.get("record_status", "") != "") == (v in ("listed", "variant")), "%s:%d: record and verdict" % (where, i))
        check(d.get("line", "").isdigit(), "%s:%d: line %r" % (where, i, d.get("line")))
        check(d.get("stale") in ("true", "false", ""), "%s:%d: stale %r" % (where, i, d.get("stale")))
        for k in ("produced", "expires"):
            check(d.get(k, "") == "" or ISO.match(d[k]), "%s:%d: %s %r" % (where, i, k, d.get(k)))
    return h


def check_jsonl(text, where, stream):
    for i, line in enumerate(text.splitlines(), 1):
        try:
            o = json.loads(line)
        except ValueError as e:
            check(False, "%s:%d: not JSON: %s" % (where, i, e))
            continue
        check_answer({k: o[k] for k in ANSWER if k in o}, "%s:%d" % (where, i), ANSWER)
        check(list(o.keys()) == S["screen-json"], "%s:%d: members %s" % (where, i, list(o.keys())))
        check(isinstance(o.get("line"), int) and isinstance(o.get("input"), dict), "%s:%d: line, input" % (where, i))
        check((o.get("verdict") in ("invalid", "unreadable")) == (stream == "rejects"),
              "%s:%d: verdict %r in %s" % (where, i, o.get("verdict"), stream))


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    db = P("db")
    with open(P("feed.csv"), "w") as f:
        f.write("state,number,type,status,reported,expires,reporting_state,reference\n"
                "UTO,L898902C3,P,stolen,2023-04-01,,UTO,UTO-0001\n"
                "UTO,L898902C3,ID,lost,2022-01-01,2030-01-01,,\n"  # a second listing of the same number
                "D,C01X00T47,P,lost,2022-12-24,,D,\"DE,77\"\n")
    run("init", "--db", db, want=0)
    run("import", "--db", db, P("feed.csv"), want=0)

    l1 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
    ok, clear = "L898902C36UTO7408122F1204159ZE184226B<<<<<10", "L898902D39UTO7408122F1204159ZE184226B<<<<<14"
    ocr = "L8989O2C36UTO7408122F1204159ZE184226B<<<<<10"
    manifests = {
        # a column named like an output column, one named with the prefix already, a quoted comma
        "m.csv": "name,in_name,state,number,line,verdict\n"
                 "\"Anna, M\",x,UTO,L898902C3,7,a\nBob,y,UTO,Q1234567,8,b\nEve,z,ZZZ,Q1,9,c\nCarl,w,d,c01x00t47,,\n",
        "m.mrz": "\n".join([l1, ok, "", l1, clear, l1, ocr, l1, "L898902C3"]) + "\n",
        "m.jsonl": "\n".join([json.dumps({"state": "UTO", "number": "L898902C3", "seat": "1A"}),
                              json.dumps({"mrz": [l1, clear], "flight": "X1", "pax": 3}),
                              json.dumps({"state": "UTO"}),
                              json.dumps({"mrz": l1 + "\n" + ocr}),
                              json.dumps({"number": "Q9", "nationality": "D", "extra": [1, 2]})]) + "\n",
    }
    for name, text in manifests.items():
        with open(P(name), "w") as f:
            f.write(text)

    for name in manifests:
        headers = set()
        for flags in ([], ["--all"], ["--ocr-variants"], ["--all", "--ocr-variants"]):
            tag = "%s %s" % (name, " ".join(flags) or "(plain)")
            out, rej = P("out.csv"), P("rej.csv")
            r = run("screen", "--db", db, "-o", out, "--rejects", rej, *flags, P(name), want=(1,))
            ho = check_csv(read_csv(out), tag + " -o", "out")
            hr = check_csv(read_csv(rej), tag + " --rejects", "rejects")
            check(ho == hr, "%s: output and rejects have different columns: %s / %s" % (tag, ho, hr))
            headers.add(tuple(ho or ()))
            if name == "m.csv":
                check(ho is not None and ho[len(S["screen-csv"]):] ==
                      ["in_name", "in_in_name", "in_state", "in_number", "in_line", "in_verdict"],
                      "%s: the manifest's columns, prefixed: %s" % (tag, ho))
            if name == "m.jsonl":
                check(ho is not None and ho[len(S["screen-csv"]):] == ["in_json"], "%s: JSON Lines columns %s" % (tag, ho))
                for row in read_csv(out)[1:] + read_csv(rej)[1:]:
                    check(isinstance(json.loads(row[-1]), dict), "%s: in_json is not a JSON object" % tag)
            if "--all" in flags:
                lines = {row[0] for row in read_csv(out)[1:] + read_csv(rej)[1:]}
                m = re.search(r"(\d+) documents, \d+ hits, (\d+) invalid", r.stderr)
                check(m is not None and len(lines) == int(m.group(1)) + int(m.group(2)),
                      "%s: output and rejects together account for every row: %s / %s" % (tag, sorted(lines), r.stderr))
            # the same in JSON Lines
            r = run("screen", "--db", db, "--json", "-o", out, "--rejects", rej, *flags, P(name), want=(1,))
            check_jsonl(open(out).read(), tag + " --json -o", "out")
            check_jsonl(open(rej).read(), tag + " --json --rejects", "rejects")
            # standard output as well as -o
            r = run("screen", "--db", db, *flags, P(name), want=(1,))
            check(list(csv.reader(io.StringIO(r.stdout)))[0] == list(ho or ()), "%s: stdout and -o differ" % tag)
        check(len(headers) == 1, "%s: one header whatever the flags: %s" % (name, headers))

    # --ocr-variants: the variant row of the MRZ manifest
    r = run("screen", "--db", db, "--ocr-variants", "--json", P("m.mrz"), want=1)
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    check(any(x["verdict"] == "variant" and x["variant_number"] == "L898902C3" and x["number"] == "L8989O2C3"
              and len(x["records"]) == 1 for x in rows), "a variant answer with the listing of its type: %s" % rows)
    # one CSV line per listing: the number listed as P and as ID, looked up without a type
    r = run("screen", "--db", db, P("m.csv"), want=1)
    rows = list(csv.reader(io.StringIO(r.stdout)))
    check(sorted(x[5] for x in rows[1:] if x[0] == "2") == ["lost", "stolen"], "two listings, two lines: %s" % rows)

    # a manifest that is not UTF-8 (Latin-1 names): the JSON output is still valid JSON, in UTF-8
    with open(P("latin1.csv"), "wb") as f:
        f.write(b"name,state,number\nJos\xe9,UTO,L898902C3\nL\xe9a \xf0\x9f\x98\x80,UTO,Q1\n")
    r = subprocess.run([SLTD, "screen", "--db", db, "--json", "--all", P("latin1.csv")], capture_output=True)
    try:
        names = [json.loads(x.decode("utf-8"))["input"]["name"] for x in r.stdout.splitlines()]
    except ValueError as e:
        names = ["not JSON in UTF-8: %s" % e]
    check(r.returncode == 1 and names == ["Jos\ufffd", "L\ufffda \U0001F600"], "a Latin-1 manifest: %s" % names)

    # check, check --mrz and the audit log: the same answer
    r = run("check", "--db", db, "--json", "UTO", "L898902C3", want=1)
    check_answer(json.loads(r.stdout), "check --json", ANSWER)
    r = run("check", "--db", db, "--json", "UTO", "Q1", want=0)
    o = json.loads(r.stdout)
    check_answer(o, "check --json, clear", ANSWER)
    check(o["verdict"] == "clear" and o["sequence"] == 0 and o["stale"] is False, "clear answer: %s" % o)
    r = run("check", "--db", db, "--json", "ZZZ", "SECRET1", want=2)
    o = json.loads(r.stdout)
    check_answer(o, "check --json, invalid input", ANSWER)
    check(o["verdict"] == "invalid" and o["number"] is None and "SECRET1" not in r.stdout + r.stderr,
          "invalid input: verdict, and the number not repeated: %s" % o)
    for lines, want, verdict in (([l1, ok], 1, "listed"), ([l1, clear], 0, "clear"), ([l1, ocr], 2, "unreadable")):
        r = run("check", "--db", db, "--json", "--mrz", *lines, want=want)
        o = json.loads(r.stdout)
        check(list(o.keys()) == ANSWER + ["number_checked", "variants", "mrz"], "check --mrz --json members %s" % list(o))
        check_answer({k: o[k] for k in ANSWER}, "check --mrz --json", ANSWER)
        check(o["verdict"] == verdict, "check --mrz verdict %s, want %s" % (o["verdict"], verdict))
    r = run("check", "--db", db, "--json", "--ocr-variants", "--mrz", l1, ocr, want=1)
    o = json.loads(r.stdout)
    check(o["verdict"] == "variant" and o["variants"]["listed"] == 1, "check --mrz variant: %s" % o)
    audit = P("audit.log")
    run("screen", "--db", db, "--audit", audit, "--ocr-variants", P("m.mrz"), want=1)
    events = [json.loads(x) for x in open(audit).read().splitlines()]
    check(len(events) == 2, "two hits audited: %s" % events)
    for e in events:
        check(list(e.keys()) == S["audit-json"], "audit members %s" % list(e.keys()))
        check_answer({k: e[k] for k in ANSWER}, "audit", ANSWER)
        check(ISO.match(e["time"]) is not None and re.search(r"m\.mrz:\d+$", e["input"]), "audit time/input: %s" % e)
        check(e["number"] is None and e["variant_number"] is None, "no document number in the audit log: %s" % e)
    check("L898902C3" not in open(audit).read() and "L8989O2C3" not in open(audit).read(), "no number anywhere")

    print("outputs_check: %d checks, %d failed" % (checks, failures))
    sys.exit(1 if failures else 0)


main()
