# SPDX-License-Identifier: Apache-2.0
"""The Dask example on a local cluster of two worker processes: a partitioned manifest screened with the
same hits and invalid rows as `sltd screen`, each worker opening the replica once."""
from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

import pytest

import sltd
from conftest import run
from test_screen import _listed, _seq

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "dask_screen.py"


def _example():
    spec = importlib.util.spec_from_file_location("dask_screen", EXAMPLE)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["dask_screen"] = mod
    spec.loader.exec_module(mod)
    return mod


def _manifest(path: Path, rows: int) -> tuple[set[int], set[int]]:
    planted = {i for i in range(rows) if i % 1999 == 7}
    invalid = {i for i in range(rows) if i % 2503 == 11}
    with open(path, "w") as f:
        f.write("seq,name,state,number,flight\n")
        for i in range(rows):
            if i in planted:
                state, number = ("D<<", "C01X00T47") if i % 2 else ("UTO", "L898902C3")
            elif i in invalid:
                state, number = "DEU", f"{i:09d}"
            else:
                state, number = "FRA", f"{i:09d}"  # all digits, leading zeros: read as str
            f.write(f"{i},name {i},{state},{number},XY{i % 977}\n")
    return planted, invalid


def test_dask_cluster_same_hits_as_cli(db_path: Path, tmp_path: Path, cli: str):
    distributed = pytest.importorskip("distributed")
    mod = _example()
    manifest = tmp_path / "manifest.csv"
    planted, invalid = _manifest(manifest, 30000)

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        screened = mod.screen_manifest(str(manifest), str(db_path), blocksize=100_000)
        assert screened.npartitions >= 8
        hits, counts, seqs = mod.summarise(screened)
        opens = client.run(lambda: (os.getpid(), sltd.opened_shared()))
    assert {int(s) for s in hits.seq} == planted
    assert counts == {"clear": 30000 - len(planted) - len(invalid), "listed": len(planted),
                      "invalid": len(invalid)}
    assert seqs == [0]
    assert set(hits.sltd_reference) == {"REF-UTO-1", "REF-D-2"}
    # each worker process opened the replica exactly once, for all its partitions
    pids = {pid for pid, _ in opens.values()}
    assert len(pids) == 2 and all(n == 1 for _, n in opens.values()), opens

    rejects = manifest.parent / "rejects.jsonl"
    p = run(cli, "screen", "--db", str(db_path), "--json", "--all", "--no-progress", "--rejects", str(rejects),
            str(manifest))
    assert p.returncode == 1, p.stderr
    lines = [json.loads(x) for x in p.stdout.splitlines()]
    assert {_seq(o) for o in lines if _listed(o)} == planted
    # rows that could not be checked go to the rejects file, never among the answers
    rejected = [json.loads(x) for x in rejects.read_text().splitlines()]
    assert {_seq(o) for o in rejected} == invalid
    assert all(o.get("verdict") != "clear" for o in lines + rejected if _seq(o) in invalid)


def test_example_script(db_path: Path, tmp_path: Path):
    manifest = tmp_path / "m.csv"
    planted, invalid = _manifest(manifest, 3000)
    p = run(sys.executable, str(EXAMPLE), "--db", str(db_path), "--workers", "2", "--blocksize", "20000",
            str(manifest))
    assert p.returncode == 1, p.stderr  # listed rows found
    out = p.stdout.splitlines()
    assert out[0].startswith("seq,name,state,number,flight,sltd_verdict")
    assert {int(x.split(",")[0]) for x in out[1:]} == planted
    assert "3000 rows" in p.stderr and "data sequence [0]" in p.stderr
