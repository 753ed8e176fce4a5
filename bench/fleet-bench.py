#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# fleet-bench.py — measures fleet updates (docs/FLEET.md) with the real sltd command and a local HTTP
# server (tests/fleet_http.py), and prints the figures the README and docs/FLEET.md quote:
#   1. bytes per changed record: the delta file, and everything on the wire (index + delta), per change;
#   2. time from publish to a kiosk being current: RECORDS-record replica and kiosk, a CHANGES-change
#      delta (half removals, half additions): publish, then sync over HTTP (median of RUNS);
#   3. the worst lookup latency in the kiosk while it applies that delta (bench/fleet-probe looks
#      documents up, one at a time, during the sync), against the same probe with no sync running;
#   4. KIOSKS simulated kiosks (processes) syncing at once from the one server, each from empty to
#      the current state of a KIOSK_RECORDS-record repository (a full bundle and three deltas).
#
#   bench/fleet-bench.py BUILD_DIR [WORK_DIR]
#   environment: RECORDS (10000000) CHANGES (10000) RUNS (3) KIOSKS (50) KIOSK_RECORDS (100000)
# A Release build is what to measure: cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release. The work
# directory (default: a fresh one under /tmp) is removed at the end unless KEEP=1.
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

BUILD = os.path.abspath(sys.argv[1])
WORK = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else tempfile.mkdtemp(prefix="fleet-bench-")
SLTD = os.path.join(BUILD, "sltd")
PROBE = os.path.join(BUILD, "bench", "fleet-probe")
HTTP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fleet_http.py")
RECORDS = int(os.environ.get("RECORDS", 10000000))
CHANGES = int(os.environ.get("CHANGES", 10000))
RUNS = int(os.environ.get("RUNS", 3))
KIOSKS = int(os.environ.get("KIOSKS", 50))
KIOSK_RECORDS = int(os.environ.get("KIOSK_RECORDS", 100000))
ENV = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
SERVERS = []


def P(*n):
    return os.path.join(WORK, *n)


def sltd(*args, out=False):
    r = subprocess.run([SLTD] + list(args), capture_output=True, text=True, env=ENV)
    if r.returncode != 0:
        sys.exit("fleet-bench: sltd %s: exit %d\n%s" % (" ".join(args), r.returncode, r.stderr))
    return json.loads(r.stdout) if out else r


def gen(path, lo, hi, removes=(0, 0)):
    """A feed: documents [lo, hi) added, [removes) removed (awk: 10 M rows in seconds)."""
    prog = ('BEGIN { print "state,number,status,reference,action"; '
            'for (i = %d; i < %d; i++) printf "UTO,A%%09d,stolen,,remove\\n", i; '
            'for (i = %d; i < %d; i++) printf "UTO,A%%09d,stolen,R%%d,add\\n", i, i }'
            % (removes[0], removes[1], lo, hi))
    with open(path, "w") as f:
        subprocess.run(["awk", prog], stdout=f, check=True)
    return path


def timed(fn):
    t = time.monotonic()
    r = fn()
    return r, time.monotonic() - t


def server(root):
    portfile = P("port-%s" % os.path.basename(root))
    p = subprocess.Popen([sys.executable, HTTP, "serve", root, portfile], env=ENV, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    SERVERS.append(p)
    while not os.path.exists(portfile):
        time.sleep(0.02)
    return p, "http://127.0.0.1:%s/" % open(portfile).read()


def authority(name, n):
    """Keys, a replica of n records (imported), and a repository with its full bundle at sequence 1."""
    repo, rep = P(name, "repo"), P(name, "replica")
    os.makedirs(repo)
    sltd("certify", "--root", P("root.sec"), "--keys", os.path.join(repo, "keys.sltd"), P("sign.pub"))
    sltd("init", "--db", rep, "--key", P("deploy.key"))
    _, t_import = timed(lambda: sltd("import", "--db", rep, "--key", P("deploy.key"), gen(P("all.csv"), 0, n)))
    os.remove(P("all.csv"))
    pub, t_pub = timed(lambda: sltd("publish", "--repo", repo, "--db", rep, "--key", P("deploy.key"), "--sign",
                                    P("sign.sec"), "--json", gen(P("empty.csv"), 0, 0), out=True))
    return repo, rep, t_import, t_pub, pub


def main():
    os.makedirs(WORK, exist_ok=True)
    sltd("keygen", "--out", P("root"))
    sltd("keygen", "--out", P("sign"))
    res = {"records": RECORDS, "changes": CHANGES, "runs": RUNS, "kiosks": KIOSKS, "kiosk_records": KIOSK_RECORDS}

    # ---- 1-3: a big replica, a kiosk that holds its state, deltas of CHANGES changes ----
    repo, rep, t_import, t_pub, pub = authority("big", RECORDS)
    res["initial"] = {"import_s": round(t_import, 2), "publish_full_s": round(t_pub, 2),
                      "full_bytes": pub["full_bytes"]}
    kiosk = P("big", "kiosk")
    shutil.copytree(rep, kiosk)  # a kiosk already at sequence 1 (as if it had synced the full bundle)
    srv, base = server(P("big"))
    url = base + "repo"
    idle = json.loads(subprocess.run([PROBE, "--db", kiosk, "--key", P("deploy.key"), "--records", str(RECORDS),
                                      "--seconds", "3"], capture_output=True, text=True, check=True).stdout)
    runs = []
    for r in range(RUNS):
        half = CHANGES // 2
        f = gen(P("delta.csv"), RECORDS + r * half, RECORDS + (r + 1) * half, (r * half, (r + 1) * half))
        stop = P("stop")
        if os.path.exists(stop):
            os.remove(stop)
        t0 = time.monotonic()
        pub = sltd("publish", "--repo", repo, "--db", rep, "--key", P("deploy.key"), "--sign", P("sign.sec"),
                   "--json", f, out=True)
        t1 = time.monotonic()
        probe = subprocess.Popen([PROBE, "--db", kiosk, "--key", P("deploy.key"), "--records", str(RECORDS),
                                  "--stop", stop], stdout=subprocess.PIPE, text=True)
        time.sleep(0.5)  # the probe is warm before the sync starts
        t2 = time.monotonic()
        syn = sltd("sync", "--db", kiosk, "--key", P("deploy.key"), "--trust", P("root.pub"), "--from", url,
                   "--json", "--quiet", out=True)
        t3 = time.monotonic()
        open(stop, "w").close()
        seen = json.loads(probe.communicate()[0])
        if syn["to"] != pub["sequence"] or syn["checksum"] != pub["checksum"]:
            sys.exit("fleet-bench: the kiosk is not at the published state")
        runs.append({"publish_s": t1 - t0, "sync_s": t3 - t2, "total_s": (t1 - t0) + (t3 - t2),
                     "delta_bytes": pub["delta_bytes"], "wire_bytes": syn["bytes_fetched"],
                     "hit_max_ns": seen["hit"]["max_ns"], "miss_max_ns": seen["miss"]["max_ns"],
                     "hit_p999_ns": seen["hit"]["p999_ns"], "miss_p999_ns": seen["miss"]["p999_ns"],
                     "lookups": seen["lookups"], "errors": seen["errors"]})
    srv.kill()

    def med(k):
        return statistics.median(x[k] for x in runs)

    res["delta"] = {
        "delta_bytes_per_change": round(med("delta_bytes") / CHANGES, 1),
        "wire_bytes_per_change": round(med("wire_bytes") / CHANGES, 1),
        "publish_s": round(med("publish_s"), 3), "sync_s": round(med("sync_s"), 3),
        "publish_to_current_s": round(med("total_s"), 3),
        "during_sync": {"hit_max_us": round(med("hit_max_ns") / 1e3, 1),
                        "miss_max_us": round(med("miss_max_ns") / 1e3, 1),
                        "hit_p999_us": round(med("hit_p999_ns") / 1e3, 1),
                        "miss_p999_us": round(med("miss_p999_ns") / 1e3, 1),
                        "lookups": int(med("lookups")), "errors": sum(x["errors"] for x in runs)},
        "idle": {"hit_max_us": round(idle["hit"]["max_ns"] / 1e3, 1),
                 "miss_max_us": round(idle["miss"]["max_ns"] / 1e3, 1),
                 "hit_p999_us": round(idle["hit"]["p999_ns"] / 1e3, 1),
                 "miss_p999_us": round(idle["miss"]["p999_ns"] / 1e3, 1)},
        "runs": runs}
    shutil.rmtree(P("big"))

    # ---- 4: KIOSKS kiosks at once, from empty, one server ----
    repo, rep, _, _, _ = authority("fleet", KIOSK_RECORDS)
    for d in range(3):
        lo = KIOSK_RECORDS + d * 500
        sltd("publish", "--repo", repo, "--db", rep, "--key", P("deploy.key"), "--sign", P("sign.sec"),
             gen(P("d.csv"), lo, lo + 500, (d * 500, d * 500 + 500)))
    want = json.loads(sltd("stats", "--db", rep, "--key", P("deploy.key"), "--json").stdout)["checksum"]
    srv, base = server(P("fleet"))
    walls = []
    for r in range(RUNS):
        ks = [P("fleet", "k%d" % i) for i in range(KIOSKS)]
        for k in ks:
            shutil.rmtree(k, ignore_errors=True)
            sltd("init", "--db", k, "--key", P("deploy.key"))
        t0 = time.monotonic()
        procs = [subprocess.Popen([SLTD, "sync", "--db", k, "--key", P("deploy.key"), "--trust", P("root.pub"),
                                   "--from", base + "repo", "--json", "--quiet"], stdout=subprocess.PIPE, text=True,
                                  env=ENV) for k in ks]
        outs = [json.loads(p.communicate()[0]) for p in procs]
        wall = time.monotonic() - t0
        bad = [o for o in outs if o["result"] != "updated" or o["checksum"] != want]
        if bad:
            sys.exit("fleet-bench: %d kiosk(s) did not reach the published state: %s" % (len(bad), bad[0]))
        walls.append({"wall_s": wall, "bytes": sum(o["bytes_fetched"] for o in outs),
                      "kiosk_median_s": statistics.median(o["seconds"] for o in outs),
                      "kiosk_max_s": max(o["seconds"] for o in outs)})
    srv.kill()
    res["fleet"] = {"wall_s": round(statistics.median(w["wall_s"] for w in walls), 2),
                    "kiosk_median_s": round(statistics.median(w["kiosk_median_s"] for w in walls), 2),
                    "kiosk_max_s": round(statistics.median(w["kiosk_max_s"] for w in walls), 2),
                    "bytes_per_kiosk": walls[0]["bytes"] // KIOSKS, "runs": walls}
    print(json.dumps(res, indent=1))
    if os.environ.get("KEEP") != "1":
        shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    try:
        main()
    finally:  # never leave a server behind
        for p in SERVERS:
            p.kill()
