#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Screen a partitioned passenger manifest on a Dask cluster with sltd.

Each partition of the manifest (a CSV file, or many: a glob) is screened by the worker that holds it,
through the C batch API (sltd.screen_partition); every worker process opens the read-only replica once
(sltd.open_shared), not once per partition. On a real cluster every node holds its own replica at the same path, kept current
by `sltd sync` (README, "Python").

    python3 dask_screen.py --db /var/lib/sltd/db --workers 2 manifest.csv       # a local cluster
    python3 dask_screen.py --db /var/lib/sltd/db --scheduler tcp://host:8786 'manifests/*.csv'

Prints the listed rows as CSV on stdout and a summary on stderr. Exit status as `sltd screen`: 1 if any
document is listed; else 2 if any row could not be checked; else 0; 3 on a database or system error.
"""
from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import dask.dataframe as dd
from distributed import Client, LocalCluster

import sltd


def screen_manifest(manifest: str, db_path: str, key: str | None = None, blocksize: str | int = "16MB",
                    state: str = "state", number: str = "number") -> Any:
    """The screened manifest as a lazy Dask DataFrame (the manifest's columns, then sltd_verdict, ...).
    Every value is read as a string (dtype=str) and no text is taken for a missing value
    (keep_default_na=False): a number like 0012 keeps its zeros, a state "NA" stays "NA"."""
    ddf = dd.read_csv(manifest, dtype=str, keep_default_na=False, blocksize=blocksize)
    # sltd.screen_partition is importable on every worker (it is in the installed package): it screens
    # the partition with the worker process's one read-only handle (sltd.open_shared)
    return ddf.map_partitions(sltd.screen_partition, db_path, key, state, number,
                              meta=sltd.screen_frame_meta(ddf._meta))


def summarise(screened: Any) -> tuple[Any, dict[str, int], list[int]]:
    """Computes the listed rows, the count of each verdict and the data sequences that answered."""
    hits = screened[screened.sltd_verdict.isin(["listed", "variant"])]
    counts = screened.sltd_verdict.value_counts()
    seqs = screened.sltd_sequence.unique()
    import dask
    hits, counts, seqs = dask.compute(hits, counts, seqs)
    return hits, {str(k): int(v) for k, v in counts.items() if v}, sorted(int(s) for s in seqs if s >= 0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", required=True, help="the replica's directory (the same path on every node)")
    ap.add_argument("--key", help="its key file (default DIR.key)")
    ap.add_argument("--workers", type=int, default=2, help="local cluster: worker processes (default 2)")
    ap.add_argument("--scheduler", help="address of a running Dask scheduler instead of a local cluster")
    ap.add_argument("--blocksize", default="16MB", help="bytes of manifest per partition (default 16MB)")
    ap.add_argument("manifest", help="CSV manifest, or a glob of them")
    a = ap.parse_args(argv)
    t0 = time.monotonic()
    try:
        if a.scheduler:
            client = Client(a.scheduler)
            cluster = None
        else:
            cluster = LocalCluster(n_workers=a.workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None)
            client = Client(cluster)
        try:
            hits, counts, seqs = summarise(screen_manifest(a.manifest, a.db, a.key, a.blocksize))
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    except sltd.InputError as e:
        print(f"dask_screen: {e}", file=sys.stderr)
        return 2
    except sltd.SltdError as e:
        print(f"dask_screen: {e}", file=sys.stderr)
        return 3
    hits.drop(columns=["sltd_records"]).to_csv(sys.stdout, index=False)
    rows = sum(counts.values())
    secs = time.monotonic() - t0
    print(f"dask_screen: {rows} rows, {counts}, data sequence {seqs}, {secs:.1f} s, {rows / secs:,.0f} rows/s",
          file=sys.stderr)
    if len(seqs) > 1:
        print("dask_screen: the replicas held different data sequences", file=sys.stderr)
    if counts.get("listed", 0) or counts.get("variant", 0):
        return 1
    return 2 if rows - counts.get("clear", 0) else 0


if __name__ == "__main__":
    sys.exit(main())
