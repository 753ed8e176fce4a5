# SPDX-License-Identifier: Apache-2.0
"""Screening manifests as an iterator: every format, paths and file objects, input order, early stop,
fatal errors raised, and the same hits as the command line."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

import sltd
from conftest import MRZ_LISTED, run, td3

from sltd import Verdict

CSV = """seq,name,state,number
1,a,UTO,L898902C3
2,b,UTO,X0000001
3,c,XXQ,123
4,d,D<<,C01X00T47
5,e,UTO,
"""


def test_csv_hits_and_invalid_rows(db, tmp_path: Path):
    (tmp_path / "m.csv").write_text(CSV)
    s = db.screen(tmp_path / "m.csv", threads=2)
    rows = list(s)
    assert [(r.line, r.verdict) for r in rows] == [(2, Verdict.LISTED), (4, Verdict.INVALID),
                                                   (5, Verdict.LISTED), (6, Verdict.INVALID)]
    assert rows[0].records[0].reference == "REF-UTO-1" and rows[0].fields["name"] == "a"
    assert isinstance(rows[1].error, sltd.InvalidState) and "m.csv:4" in str(rows[1].error)
    # the value is never in the message (the file's own path, pytest-NNN, may hold any digits)
    assert "123" not in str(rows[1].error).replace(str(tmp_path), "")
    with pytest.raises(sltd.InputError):
        rows[1].listed
    assert s.report == sltd.ScreenReport(documents=3, hits=2, invalid=2)


def test_all_rows_in_input_order(db, tmp_path: Path):
    lines = ["state,number"] + [f"UTO,N{i:07d}" for i in range(5000)]
    lines[1234] = "UTO,L898902C3"
    (tmp_path / "big.csv").write_text("\n".join(lines) + "\n")
    rows = list(db.screen(str(tmp_path / "big.csv"), all_rows=True, threads=2))
    assert [r.index for r in rows] == list(range(5000))
    assert [r.index for r in rows if r.verdict is Verdict.LISTED] == [1233]
    assert all(r.verdict is Verdict.CLEAR for r in rows if r.index != 1233)


def test_file_objects_text_and_binary(db):
    text = list(db.screen(io.StringIO(CSV)))
    binary = list(db.screen(io.BytesIO(CSV.encode())))
    assert [r.verdict for r in text] == [r.verdict for r in binary]
    assert [r.line for r in text] == [2, 4, 5, 6]


def test_mrz_and_jsonl_formats(db, tmp_path: Path):
    misread = MRZ_LISTED.replace("L898902C36", "LB98902C36")
    mrz = "\n\n".join([td3("AB1234567"), MRZ_LISTED, misread]) + "\n"
    rows = list(db.screen(io.StringIO(mrz), format="mrz", all_rows=True))
    assert [r.verdict for r in rows] == [Verdict.CLEAR, Verdict.LISTED, Verdict.UNREADABLE]
    assert rows[1].number == "L898902C3" and isinstance(rows[2].error, sltd.UnreadableMrz)
    var = list(db.screen(io.StringIO(mrz), format="mrz", ocr_variants=True))
    assert [r.verdict for r in var] == [Verdict.LISTED, Verdict.VARIANT]
    assert var[1].variant_number == "L898902C3" and var[1].variant_records[0].reference == "REF-UTO-1"
    p = tmp_path / "m.jsonl"  # the format from the extension
    p.write_text(json.dumps({"state": "UTO", "number": "L898902C3", "id": 7}) + "\n" +
                 json.dumps({"state": "UTO"}) + "\n")
    j = list(db.screen(p))
    assert [r.verdict for r in j] == [Verdict.LISTED, Verdict.INVALID] and j[0].fields["id"] == "7"


def test_early_close_stops_the_screening(db, tmp_path: Path):
    lines = ["state,number"] + ["UTO,L898902C3"] * 20000
    (tmp_path / "hits.csv").write_text("\n".join(lines) + "\n")
    with db.screen(tmp_path / "hits.csv") as s:
        first = [next(s) for _ in range(10)]
    assert all(r.verdict is Verdict.LISTED for r in first)
    assert s.report is None  # stopped: no report
    assert db.lookup("UTO", "L898902C3").listed  # the handle is still usable


def test_fatal_errors_raise(db, tmp_path: Path):
    with pytest.raises(sltd.MalformedInput):
        list(db.screen(io.StringIO("name,flight\nx,y\n")))
    with pytest.raises(sltd.DatabaseError) as info:
        list(db.screen(tmp_path / "missing.csv"))
    assert info.value.name == "SLTD_ENOENT"
    with pytest.raises(ValueError):
        db.screen(tmp_path / "x.csv", format="xml")


class _Failing(io.RawIOBase):
    """A file object that fails after its first block: the rows after it were never screened."""

    def __init__(self) -> None:
        self.calls = 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        self.calls += 1
        if self.calls == 1:
            return b"state,number\nUTO,X1\n"
        raise OSError("the network share went away")


def test_a_source_that_fails_is_an_error_not_a_short_manifest(db):
    with pytest.raises(sltd.DatabaseError) as info:
        list(db.screen(_Failing()))
    assert "went away" in str(info.value)


def _seq(o: dict) -> int:
    """The passed-through `seq` column of a `sltd screen --json` line, wherever the line nests it."""
    for k, v in o.items():
        if isinstance(v, dict):
            try:
                return _seq(v)
            except KeyError:
                continue
        if k.endswith("seq"):
            return int(v)
    raise KeyError("seq")


def _listed(o: dict) -> bool:
    if "verdict" in o:
        return o["verdict"] in ("listed", "variant")
    return bool(o.get("status") or o.get("records"))


def test_same_hits_as_the_command_line(db_path: Path, db, tmp_path: Path, cli: str):
    lines = ["seq,state,number"]
    planted = {17, 444, 2990}
    for i in range(3000):
        doc = ("D", "C01X00T47") if i in planted else ("UTO", f"Q{i:08d}")
        lines.append(f"{i},{doc[0]},{doc[1]}")
    lines.append("3000,DEU,1")
    (tmp_path / "m.csv").write_text("\n".join(lines) + "\n")
    p = run(cli, "screen", "--db", str(db_path), "--json", "--no-progress", str(tmp_path / "m.csv"))
    assert p.returncode == 1, p.stderr  # hits found
    cli_hits = {_seq(o) for o in map(json.loads, p.stdout.splitlines()) if _listed(o)}
    py_hits = {int(r.fields["seq"]) for r in db.screen(tmp_path / "m.csv") if r.verdict is Verdict.LISTED}
    assert py_hits == cli_hits == planted


def test_screening_a_closed_handle_raises_and_starts_nothing(tmp_path: Path):
    from conftest import make_db
    db = sltd.open(make_db(tmp_path))
    db.close()
    with pytest.raises(sltd.DatabaseError):
        db.screen(io.StringIO(CSV))
    with pytest.raises(sltd.DatabaseError):
        db.screen(tmp_path / "feed.csv")
