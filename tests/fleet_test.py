#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# fleet_test.py — fleet updates end to end (docs/FLEET.md), with the real sltd command against a real
# HTTP server on a loopback port and a misbehaving mirror in front of it (tests/fleet_http.py):
# publish -> serve -> sync; an empty kiosk takes the full bundle, a kiosk behind takes the cheaper of a
# delta chain and a full; every misbehaviour of a mirror is refused with the kiosk's sequence and state
# checksum unchanged; an interrupted download resumes (dropped connection, kill -9); key rotation,
# revocation and recovery from data signed by a leaked key; https with a pinned CA; directory and
# file:// sources; publish interrupted and completed; pruning.
#
#   fleet_test.py SLTD_BINARY WORKDIR
import calendar
import json
import os
import shutil
import signal
import subprocess
import sys
import time

SLTD = os.path.abspath(sys.argv[1])
WORK = os.path.abspath(sys.argv[2])
HERE = os.path.dirname(os.path.abspath(__file__))
ENV = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
servers = []
checks = 0


def fail(msg):
    print("FAIL: " + msg)
    for p in servers:
        p.kill()
    sys.exit(1)


def section(name):
    if os.environ.get("FLEET_TEST_TIMES"):
        print("%6.2f s  %s" % (time.time() - T0, name))


T0 = time.time()


def check(cond, msg):
    global checks
    checks += 1
    if not cond:
        fail(msg)


def P(*names):
    return os.path.join(WORK, *names)


def run(*args, want=None, stdin=None):
    r = subprocess.run([SLTD] + list(args), capture_output=True, text=True, env=ENV, cwd=WORK, input=stdin)
    if want is not None and r.returncode != want:
        fail("sltd %s: exit %d, want %d\nstdout: %s\nstderr: %s" % (" ".join(args), r.returncode, want,
                                                                  r.stdout, r.stderr))
    return r


def feed(name, rows, header="state,number,status,reference,action"):
    with open(P(name), "w") as f:
        f.write(header + "\n")
        for row in rows:
            f.write(row + "\n")
    return P(name)


def adds(lo, hi, ref="R"):
    return ["UTO,A%07d,stolen,%s%d,add" % (i, ref, i) for i in range(lo, hi)]


def removes(lo, hi):
    return ["UTO,A%07d,stolen,,remove" % i for i in range(lo, hi)]


def state(db):
    s = json.loads(run("stats", "--db", P(db), "--key", P("deploy.key"), "--json", want=0).stdout)
    return s["sequence"], s["checksum"]


def new_kiosk(name):
    run("init", "--db", P(name), "--key", P("deploy.key"), want=0)


def sync(kiosk, src, *extra, want=0):
    r = run("sync", "--db", P(kiosk), "--key", P("deploy.key"), "--trust", P("root.pub"), "--from", src, "--json",
            *extra, want=want)
    try:
        return json.loads(r.stdout)
    except ValueError:
        fail("sync --json printed no JSON: %r / %s" % (r.stdout, r.stderr))


def publish(repo, replica, feedfile, *extra, sign="sign1.sec", want=0):
    return run("publish", "--repo", P(repo), "--db", P(replica), "--key", P("deploy.key"), "--sign", P(sign),
               "--full-every", "8", *extra, feedfile, want=want)


def start(role, where, *rest):
    """fleet_http.py serve DIR [CERT KEY] | proxy UPSTREAM LOG; returns its port."""
    portfile = P("port-%d" % len(servers))
    servers.append(subprocess.Popen([sys.executable, os.path.join(HERE, "fleet_http.py"), role, where, portfile] +
                                    list(rest), env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    for _ in range(500):
        if os.path.exists(portfile):
            with open(portfile) as f:
                return int(f.read())
        time.sleep(0.02)
    fail("the test HTTP server did not start")


def same(kiosk, replica="replica"):
    return state(kiosk) == state(replica)


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    t0 = time.time()

    # ---- the authority: keys, the root ceremony, a replica, a repository ----
    section('the authority: keys, the root ceremony, a replica, a repository')
    for k in ("root", "sign1", "sign2", "rogue"):
        run("keygen", "--out", P(k), want=0)
    os.makedirs(P("repo"))
    run("certify", "--root", P("root.sec"), "--keys", P("repo", "keys.sltd"), "--days", "30", P("sign1.pub"),
        want=0)
    run("certify", "--root", P("root.sec"), "--keys", P("repo", "keys.sltd"), P("root.pub"), want=2)
    run("init", "--db", P("replica"), "--key", P("deploy.key"), want=0)
    publish("repo", "replica", feed("f1.csv", adds(0, 2000)))
    check(sorted(os.listdir(P("repo"))) == [".publish.lock", "bundles", "index.sltd", "keys.sltd"], "repo layout")

    http = start("serve", P("."))
    base = "http://127.0.0.1:%d/" % http
    mirror = start("proxy", base, P("mirror.log"))
    url = "http://127.0.0.1:%d/ok/repo" % mirror

    def via(mode, repo="repo"):
        return "http://127.0.0.1:%d/%s/%s" % (mirror, mode, repo)

    # ---- an empty kiosk takes the full bundle; then it is current ----
    section('an empty kiosk takes the full bundle; then it is current')
    new_kiosk("k1")
    j = sync("k1", url)
    check(j["result"] == "updated" and j["fulls"] == 1 and j["deltas"] == 0 and j["to"] == 1, "empty kiosk: %s" % j)
    check(same("k1"), "k1 holds the replica's state")
    j = sync("k1", url)
    check(j["result"] == "current" and j["fulls"] == 0, "already current: %s" % j)
    shutil.copytree(P("k1"), P("behind"))  # a kiosk that will miss a week of deltas

    # ---- a chain of deltas ----
    section('a chain of deltas')
    for s in range(2, 8):
        publish("repo", "replica", feed("d%d.csv" % s, adds(2000 + 10 * s, 2010 + 10 * s) + removes(s, s + 1)))
    j = sync("k1", url)
    check(j["result"] == "updated" and j["fulls"] == 0 and j["deltas"] == 6 and j["to"] == 7, "delta chain: %s" % j)
    check(same("k1"), "k1 after the chain")
    st = json.loads(run("stats", "--db", P("k1"), "--key", P("deploy.key"), "--json", want=0).stdout)
    iso = lambda t: calendar.timegm(time.strptime(t, "%Y-%m-%dT%H:%M:%SZ"))  # times are ISO 8601 UTC
    check(iso(st["sync"]["last_sync"]) > 0 and iso(st["sync"]["index_expires"]) > time.time() and
          st["sync"]["index_sequence"] == 7, "stats shows the last sync: %s" % st["sync"])
    shutil.copytree(P("k1"), P("at7"))

    # ---- behind: the cheaper path, both ways ----
    section('behind: the cheaper path, both ways')
    # a week of small deltas: the chain (6 x ~0.6 KB) beats the full (~80 KB)
    shutil.copytree(P("behind"), P("behind2"))
    j = sync("behind", url)
    check(j["deltas"] == 6 and j["fulls"] == 0 and same("behind"), "several behind, chain cheaper: %s" % j)
    # a delta that rewrites everything, plus a full of the same sequence: the full is cheaper
    publish("repo", "replica", feed("big.csv", removes(100, 2000) + adds(5000, 6900, "Z")), "--full")
    j = sync("at7", url)
    check(j["fulls"] == 1 and j["deltas"] == 0 and same("at7"), "one behind, full cheaper: %s" % j)
    j = sync("behind2", url)  # from 1: the full of 8 is cheaper than seven deltas that include the big one
    check(j["fulls"] == 1 and j["deltas"] == 0 and same("behind2"), "catch-up: %s" % j)

    # ---- a misbehaving mirror: refused, the kiosk unchanged ----
    section('a misbehaving mirror: refused, the kiosk unchanged')
    sync("k1", url)
    shutil.copy(P("repo", "index.sltd"), P("index-8.sltd"))
    publish("repo", "replica", feed("d9.csv", adds(7000, 7300)))
    before = state("k1")
    for mode, want, code in (("truncate", 2, "SLTD_EMIRROR"), ("corrupt", 2, "SLTD_EMIRROR"),
                             ("big", 2, "SLTD_EMIRROR"), ("redirect", 2, "SLTD_EMIRROR"),
                             ("corruptindex", 2, "SLTD_ESIGNATURE"), ("stall", 3, "SLTD_ENETWORK")):
        section(mode)
        j = sync("k1", via(mode), "--timeout", "1", "--retries", "1", want=want)
        check(j["code"] == code, "%s: %s, want %s" % (mode, j["code"], code))
        check(state("k1") == before, "%s changed the kiosk" % mode)
    section("drip")
    j = sync("k1", via("drip"), "--timeout", "1", "--retries", "0", want=3)
    check(j["code"] == "SLTD_ENETWORK" and "slower than" in j["message"] and state("k1") == before,
          "a dripping mirror: %s" % j)
    section("after the modes")
    j = sync("k1", url, "--max-bytes", "100", want=2)
    check(j["code"] == "SLTD_ELIMIT" and state("k1") == before, "max-bytes: %s" % j)
    r = run("sync", "--db", P("k1"), "--key", P("deploy.key"), "--trust", P("rogue.pub"), "--from", url, want=2)
    check("not signed by a trusted root" in r.stderr and state("k1") == before, "another root: %s" % r.stderr)
    section("freeze")
    # freeze: a mirror that keeps serving an index past its expiry
    shutil.copytree(P("repo"), P("frozen"))
    shutil.copytree(P("replica"), P("replica-frozen"))
    publish("frozen", "replica-frozen", feed("e.csv", []), "--expires", "0")
    j = sync("k1", via("ok", "frozen"), want=2)
    check(j["code"] == "SLTD_EEXPIRED" and state("k1") == before, "freeze: %s" % j)
    # rollback: the index of sequence 8 again, once the kiosk is at 9
    sync("k1", url)
    before = state("k1")
    shutil.copytree(P("repo"), P("rollback"))
    shutil.copy(P("index-8.sltd"), P("rollback", "index.sltd"))
    j = sync("k1", via("ok", "rollback"), want=2)
    check(j["code"] == "SLTD_ESEQUENCE" and state("k1") == before, "rollback: %s" % j)
    # mix-and-match: another repository's bundle (same keys, same deployment key) under the names this
    # index expects
    os.makedirs(P("repo2"))
    shutil.copy(P("repo", "keys.sltd"), P("repo2", "keys.sltd"))
    run("init", "--db", P("replica2"), "--key", P("deploy.key"), want=0)
    publish("repo2", "replica2", feed("o.csv", adds(0, 300, "O")))
    publish("repo", "replica", feed("d10.csv", adds(8000, 8100)))
    shutil.copytree(P("repo"), P("mixed"))
    idx = open(P("repo", "index.sltd"), "rb").read()
    theirs = [n for n in os.listdir(P("repo2", "bundles")) if len(n) == 69][0]
    swapped = 0
    for n in os.listdir(P("mixed", "bundles")):
        if len(n) == 69 and bytes.fromhex(n[:64]) in idx:
            shutil.copy(P("repo2", "bundles", theirs), P("mixed", "bundles", n))
            swapped += 1
    check(swapped >= 2, "the mixed repository has another repository's files")
    j = sync("k1", via("ok", "mixed"), want=2)
    check(j["code"] == "SLTD_EMIRROR" and state("k1") == before, "mix-and-match: %s" % j)

    # ---- resume: a dropped connection, then kill -9 mid-download ----
    section('resume: a dropped connection, then kill -9 mid-download')
    j = sync("k1", via("drop"), "--retries", "2")
    check(j["result"] == "updated" and j["retries"] >= 1 and same("k1"), "resume after a drop: %s" % j)
    check("Range: bytes=" in open(P("mirror.log")).read(), "the retry asked for the rest with a Range")
    new_kiosk("k9")
    before = state("k9")
    p = subprocess.Popen([SLTD, "sync", "--db", P("k9"), "--key", P("deploy.key"), "--trust", P("root.pub"),
                          "--from", via("slow"), "--quiet"], env=ENV)
    part = None
    for _ in range(400):
        parts = [n for n in os.listdir(P("k9", "sync")) if n.endswith(".part")] if os.path.isdir(P("k9", "sync")) \
            else []
        if parts and os.path.getsize(P("k9", "sync", parts[0])) > 8192:
            part = parts[0]
            break
        time.sleep(0.01)
    p.send_signal(signal.SIGKILL)
    p.wait()
    check(part is not None, "kill -9: the download had started")
    check(state("k9") == before, "kill -9 mid-download left the kiosk unchanged")
    j = sync("k9", url)
    check(j["result"] == "updated" and j["bytes_resumed"] > 0 and same("k9"), "sync after kill -9: %s" % j)
    check(not [n for n in os.listdir(P("k9", "sync")) if n.endswith(".part")], "no partial file left")

    # ---- directory and file:// sources (removable media) ----
    section('directory and file:// sources (removable media)')
    new_kiosk("usb")
    j = sync("usb", P("repo"))
    check(j["result"] == "updated" and same("usb"), "directory source: %s" % j)
    new_kiosk("usb2")
    j = sync("usb2", "file://" + P("repo"))
    check(j["result"] == "updated" and same("usb2"), "file:// source: %s" % j)

    # ---- https: the pinned CA is trusted, nothing else ----
    section('https: the pinned CA is trusted, nothing else')
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", P("tls.key"), "-out", P("tls.pem")], check=True, capture_output=True)
    tls = start("serve", P("."), P("tls.pem"), P("tls.key"))
    new_kiosk("ktls")
    j = sync("ktls", "https://127.0.0.1:%d/repo" % tls, "--retries", "0", want=3)
    check(j["code"] == "SLTD_ENETWORK" and state("ktls")[0] == 0, "https without the CA: %s" % j)
    j = sync("ktls", "https://127.0.0.1:%d/repo" % tls, "--ca-file", P("tls.pem"))
    check(j["result"] == "updated" and same("ktls"), "https with the pinned CA: %s" % j)

    # ---- key rotation, revocation, and recovery from data signed by a leaked key ----
    section('key rotation, revocation, and recovery from data signed by a leaked key')
    run("certify", "--root", P("root.sec"), "--keys", P("repo", "keys.sltd"), P("sign2.pub"), want=0)
    publish("repo", "replica", feed("r1.csv", adds(9000, 9010)), sign="sign2.sec")
    j = sync("k1", url)
    check(j["result"] == "updated" and j["index"]["keys_version"] == 2 and same("k1"), "rotated key: %s" % j)
    # sign1 leaks: an attacker copies the repository and publishes with it, ahead of the authority
    shutil.copytree(P("repo"), P("evil"))
    shutil.copytree(P("replica"), P("replica-evil"))
    for i in range(3):
        publish("evil", "replica-evil", feed("x%d.csv" % i, adds(20000 + i * 10, 20010 + i * 10, "EVIL")))
    shutil.copytree(P("k1"), P("victim"))
    j = sync("victim", via("ok", "evil"))
    check(j["to"] == state("replica-evil")[0], "the victim took the leaked key's data: %s" % j)
    # the root revokes sign1; the authority publishes with sign2 (a full: sign1's bundles are dropped)
    run("revoke", "--root", P("root.sec"), "--keys", P("repo", "keys.sltd"), P("sign1.pub"), want=0)
    publish("repo", "replica", feed("r2.csv", adds(9100, 9110)), sign="sign1.sec", want=2)
    r = publish("repo", "replica", feed("r2.csv", adds(9100, 9110)), sign="sign2.sec")
    check("new full bundle" in r.stderr, "a revocation makes a new full bundle: %s" % r.stderr)
    j = sync("k1", url)
    check(j["result"] == "updated" and j["index"]["keys_version"] == 3 and same("k1"), "after revocation: %s" % j)
    before = state("k1")
    j = sync("k1", via("ok", "evil"), want=2)  # the leaked key's repository: an older key list
    check(j["code"] == "SLTD_ESEQUENCE" and "key list" in j["message"] and state("k1") == before,
          "leaked key refused: %s" % j)
    r = publish("repo", "replica", feed("r3.csv", []), "--keys", P("evil", "keys.sltd"), sign="sign2.sec",
                want=2)  # an older key list than the repository's: kiosks would refuse it, so publish does
    check("older than the one the repository" in r.stderr, "publish with an older key list: %s" % r.stderr)
    shutil.copy(P("repo", "keys.sltd"), P("evil", "keys.sltd"))  # the attacker cannot use the new list
    publish("evil", "replica-evil", feed("x9.csv", adds(29000, 29010)), want=2)
    j = sync("victim", url)
    check(j["result"] == "updated" and j["key_recovery"] and j["fulls"] == 1 and same("victim"),
          "recovery from a revoked key's data: %s" % j)
    check(state("victim")[0] < state("replica-evil")[0], "recovery went back below the attacker's sequence")

    # ---- publish interrupted after the replica moved, then completed; kill -9 during publish ----
    section('publish interrupted after the replica moved, then completed; kill -9 during publish')
    run("pack", "--db", P("replica"), "--key", P("deploy.key"), "--sign", P("sign2.sec"), "--seq",
        str(state("replica")[0] + 1), "--base", str(state("replica")[0]), "-o", P("pending.sltd"),
        feed("p.csv", adds(9500, 9520)), want=0)
    import hashlib
    h = hashlib.blake2b(open(P("pending.sltd"), "rb").read(), digest_size=32).hexdigest()
    shutil.copy(P("pending.sltd"), P("repo", "bundles", h + ".sltd"))
    run("apply", "--db", P("replica"), "--key", P("deploy.key"), "--trust", P("sign2.pub"), P("pending.sltd"),
        want=0)
    r = publish("repo", "replica", feed("p2.csv", adds(9600, 9610)), sign="sign2.sec")
    check("completed the interrupted publish" in r.stderr, "publish recovery: %s" % r.stderr)
    j = sync("k1", url)
    check(j["deltas"] == 2 and same("k1"), "kiosk after a recovered publish: %s" % j)
    for delay in (0.02, 0.08, 0.2):
        p = subprocess.Popen([SLTD, "publish", "--repo", P("repo"), "--db", P("replica"), "--key", P("deploy.key"),
                              "--sign", P("sign2.sec"), "--full", feed("k.csv", adds(10000, 14000, "K"))],
                             env=ENV, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        p.wait()
        j = sync("k1", url)  # whatever the repository shows is whole
        check(j["result"] in ("updated", "current"), "repository after kill -9 of publish: %s" % j)
        publish("repo", "replica", feed("k2.csv", []), sign="sign2.sec")
        j = sync("k1", url)
        check(same("k1"), "publish after kill -9, then sync: %s" % j)

    # ---- pruning: a file out of the index for the grace period is deleted ----
    section('pruning: a file out of the index for the grace period is deleted')
    listed = open(P("repo", "index.sltd"), "rb").read()
    old = [n for n in os.listdir(P("repo", "bundles")) if n.endswith(".sltd") and len(n) == 69 and
           bytes.fromhex(n[:64]) not in listed]
    check(old, "there are bundles out of the index")
    for n in old:
        os.utime(P("repo", "bundles", n), (time.time() - 7200, time.time() - 7200))
    publish("repo", "replica", feed("g.csv", []), "--grace", "1", sign="sign2.sec")
    left = os.listdir(P("repo", "bundles"))
    check(not [n for n in old if n in left], "pruned after the grace period")
    listed = open(P("repo", "index.sltd"), "rb").read()
    check(all(n.startswith("incoming") or bytes.fromhex(n[:64]) in listed or
              os.path.getmtime(P("repo", "bundles", n)) > time.time() - 3600 for n in left), "listed files kept")
    j = sync("k1", url)
    check(same("k1"), "sync after pruning: %s" % j)

    for p in servers:
        p.kill()
    print("fleet_test: %d checks passed (%.1f s)" % (checks, time.time() - t0))


if __name__ == "__main__":
    try:
        main()
    finally:  # never leave a server behind (CTest would wait for it)
        for p in servers:
            p.kill()
