#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Measures the Python binding beside the C API it wraps, in one process and one run, on one database:
single lookups (miss, hit), lookup_many per document against sltd_db_lookup_batch called directly on the
same documents, screen_frame rows/s — each as CPU time of the calling thread — and (with --dask, wall
time) Dask screening rows/s with 1 and 2 worker
processes against `sltd screen` on the same manifest with 1 and 2 threads. Workloads are interleaved in
rounds; every figure is the median of the rounds.

    python3 bench_python.py --work /tmp/sltd-bench-py [--records 1000000] [--docs 1000000] [--rounds 3]
                            [--dask] [--cli PATH/sltd] [--json]

The database (RECORDS listings, from a generated feed) and the manifest (DOCS rows, one listed in 1,000)
are made in WORK on the first run and reused; delete WORK afterwards (about 150 MB at 1 M).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import sltd
from sltd._native import ffi, lib

ALNUM = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


def number(i: int, first: str) -> str:
    """A 9-character document number, distinct for each i (listed ones start with a letter, absent ones
    with a digit)."""
    out = [first]
    for _ in range(8):
        i, r = divmod(i, len(ALNUM))
        out.append(ALNUM[r])
    return "".join(out)


def listed_doc(i: int) -> tuple[str, str]:
    return "UTO", number(i * 7919 % 10**9, "L")


def absent_doc(i: int) -> tuple[str, str]:
    return "UTO", number(i, "0")


def make_db(work: Path, records: int) -> Path:
    path = work / "db"
    if path.exists():
        return path
    feed = work / "feed.csv"
    with open(feed, "w") as f:
        f.write("state,number,status,reference\n")
        for i in range(records):
            s, n = listed_doc(i)
            f.write(f"{s},{n},stolen,R{i:08d}\n")
    with sltd.open(path, create=True) as db:
        db.import_feed(feed)
    feed.unlink()
    return path


def documents(n: int, records: int) -> list[tuple[str, str]]:
    """n documents, one in 1,000 listed."""
    return [listed_doc(i % records) if i % 1000 == 999 else absent_doc(i) for i in range(n)]


def write_manifest(work: Path, docs: list[tuple[str, str]]) -> Path:
    path = work / "manifest.csv"
    if not path.exists():
        with open(path, "w") as f:
            f.write("seq,name,state,number,flight\n")
            for i, (s, n) in enumerate(docs):
                f.write(f"{i},passenger {i},{s},{n},XY{i % 977}\n")
    return path


def time_it(fn, *args) -> float:
    """CPU seconds of this thread running fn(*args). On a machine shared with other work, wall time
    mostly measures the waits for a CPU; the CPU time of a single-threaded call is what it costs."""
    t0 = time.thread_time()
    fn(*args)
    return time.thread_time() - t0


def single(db: sltd.Database, docs: list[tuple[str, str]]) -> None:
    for s, n in docs:
        db.lookup(s, n)


def c_batch(db: sltd.Database, queries, n: int) -> None:
    """sltd_db_lookup_batch straight from C structs, in blocks of 1024: what lookup_many is compared with."""
    block = 1024
    out = ffi.new("sltd_result[]", block)
    for i in range(block):
        lib.sltdpy_result_init(out + i)
    handle = db._db
    for lo in range(0, n, block):
        m = min(block, n - lo)
        if lib.sltd_db_lookup_batch(out, handle, queries + lo, m) != 0:
            raise RuntimeError("batch lookup failed")


def c_queries(docs: list[tuple[str, str]]):
    """The documents as C queries pointing into one buffer (no Python object per document, so that the
    garbage collector has no more to walk for one side of the comparison than for the other)."""
    raw = b"".join(s.encode() + b"\0" + n.encode() + b"\0" for s, n in docs)
    buf = ffi.new("char[]", raw)
    q = ffi.new("sltd_query[]", len(docs))
    off = 0
    for i, (s, n) in enumerate(docs):
        q[i].state = buf + off
        off += len(s) + 1
        q[i].number = buf + off
        off += len(n) + 1
        q[i].type = ffi.NULL
    return q, buf


def dask_rows_per_s(manifest: Path, db_path: Path, workers: int, rounds: int, blocksize: str) -> list[float]:
    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    rows = []
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as c, \
            Client(c):
        for _ in range(rounds):
            t0 = time.perf_counter()
            ddf = dd.read_csv(str(manifest), dtype=str, keep_default_na=False, blocksize=blocksize)
            screened = ddf.map_partitions(sltd.screen_partition, str(db_path),
                                          meta=sltd.screen_frame_meta(ddf._meta))
            counts = screened.sltd_verdict.value_counts().compute()
            secs = time.perf_counter() - t0
            rows.append(int(counts.sum()) / secs)
    return rows


def cli_rows_per_s(cli: str, manifest: Path, db_path: Path, threads: int, n: int) -> float:
    t0 = time.perf_counter()
    p = subprocess.run([cli, "screen", "--db", str(db_path), "--threads", str(threads), "--no-progress",
                        "-o", os.devnull, str(manifest)], capture_output=True, text=True)
    secs = time.perf_counter() - t0
    if p.returncode != 1:
        raise RuntimeError(f"sltd screen: exit {p.returncode}: {p.stderr}")
    return n / secs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", required=True, type=Path)
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--docs", type=int, default=1_000_000)
    ap.add_argument("--singles", type=int, default=200_000, help="single lookups per round (each kind)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--dask", action="store_true")
    ap.add_argument("--blocksize", default="8MB", help="Dask partition size")
    ap.add_argument("--cli", default=shutil.which("sltd"))
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    a.work.mkdir(parents=True, exist_ok=True)
    db_path = make_db(a.work, a.records)
    docs = documents(a.docs, a.records)
    misses = [absent_doc(10**7 + i) for i in range(a.singles)]
    hits = [listed_doc(i * 13 % a.records) for i in range(a.singles)]
    queries, keep = c_queries(docs)
    import pandas as pd
    frame = pd.DataFrame({"name": [f"passenger {i}" for i in range(a.docs)],
                          "state": [d[0] for d in docs], "number": [d[1] for d in docs]})
    fig: dict[str, list[float]] = {k: [] for k in ("single.miss.ns", "single.hit.ns", "c.batch.ns_per_doc",
                                                   "lookup_many.ns_per_doc", "screen_frame.rows_per_s")}
    with sltd.open(db_path) as db:
        listed = sum(r.verdict is sltd.Verdict.LISTED for r in db.lookup_many(docs))
        if listed != a.docs // 1000:
            raise RuntimeError(f"{listed} listed, want {a.docs // 1000}")
        for _ in range(a.rounds):
            fig["single.miss.ns"].append(time_it(single, db, misses) / len(misses) * 1e9)
            fig["single.hit.ns"].append(time_it(single, db, hits) / len(hits) * 1e9)
            fig["c.batch.ns_per_doc"].append(time_it(c_batch, db, queries, len(docs)) / len(docs) * 1e9)
            fig["lookup_many.ns_per_doc"].append(time_it(db.lookup_many, docs) / len(docs) * 1e9)
            fig["screen_frame.rows_per_s"].append(len(frame) / time_it(sltd.screen_frame, db, frame))
    del keep
    if a.dask:
        manifest = write_manifest(a.work, docs)
        for w in (1, 2):
            fig[f"dask.{w}w.rows_per_s"] = dask_rows_per_s(manifest, db_path, w, a.rounds, a.blocksize)
        if a.cli:
            for t in (1, 2):
                fig[f"cli.screen.{t}t.rows_per_s"] = [cli_rows_per_s(a.cli, manifest, db_path, t, a.docs)
                                                      for _ in range(a.rounds)]
    med = {k: statistics.median(v) for k, v in fig.items()}
    med["lookup_many/c.batch"] = med["lookup_many.ns_per_doc"] / med["c.batch.ns_per_doc"]
    ratios = [m / c for m, c in zip(fig["lookup_many.ns_per_doc"], fig["c.batch.ns_per_doc"])]
    if a.json:
        print(json.dumps({"records": a.records, "docs": a.docs, "rounds": a.rounds, "median": med, "runs": fig,
                          "lookup_many_over_c_batch_per_round": ratios}, indent=1))
    else:
        print(f"{a.records} records, {a.docs} documents (1 in 1,000 listed), median of {a.rounds} rounds")
        for k, v in med.items():
            print(f"  {k:28s} {v:14,.2f}")
        print("  lookup_many / C batch per round: " + ", ".join(f"{r:.2f}" for r in ratios))
    return 0


if __name__ == "__main__":
    sys.exit(main())
