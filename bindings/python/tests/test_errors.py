# SPDX-License-Identifier: Apache-2.0
"""Database, key and update failures: each one an exception of the right class, with the library's code
and detail, and the database unchanged."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

import sltd
from conftest import FEED, make_db, run


def test_missing_database(tmp_path: Path):
    with pytest.raises(sltd.DatabaseError) as info:
        sltd.open(tmp_path / "nothing")
    assert info.value.name == "SLTD_ENOENT" and not isinstance(info.value, sltd.InputError)


def test_wrong_key_and_open_key_file(tmp_path: Path):
    path = make_db(tmp_path)
    (tmp_path / "other").mkdir()
    other = make_db(tmp_path / "other")
    with pytest.raises(sltd.DatabaseError) as info:
        sltd.open(path, key=str(other) + ".key")
    assert info.value.name == "SLTD_EWRONGKEY"
    os.chmod(str(path) + ".key", 0o644)
    with pytest.raises(sltd.DatabaseError) as info:
        sltd.open(path)
    assert info.value.name == "SLTD_EKEYPERM"


def test_second_open_in_one_process_is_refused(db, db_path: Path):
    with pytest.raises(sltd.DatabaseError) as info:
        sltd.open(db_path)
    assert info.value.name == "SLTD_EBUSY"


def test_closed_handle_raises(tmp_path: Path):
    path = make_db(tmp_path)
    db = sltd.open(path)
    db.close()
    db.close()  # twice is fine
    assert db.closed
    with pytest.raises(sltd.DatabaseError):
        db.lookup("UTO", "L898902C3")
    with sltd.open(path) as again:  # closed for real: it opens again
        assert again.lookup("UTO", "L898902C3").listed


def test_read_only_handle_refuses_an_import(tmp_path: Path):
    path = make_db(tmp_path)
    with sltd.open(path) as db, pytest.raises(sltd.DatabaseError) as info:
        db.import_feed(tmp_path / "feed.csv")
    assert info.value.name == "SLTD_EREADONLY"


def test_bad_feed_names_its_line_and_changes_nothing(tmp_path: Path):
    path = make_db(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text("state,number\nUTO,AAA111\nDEU,BBB222\n")
    with sltd.open(path, readonly=False) as db:
        before = db.stats()
        with pytest.raises(sltd.MalformedInput) as info:
            db.import_feed(bad)
        assert "bad.csv:3" in info.value.detail and "BBB222" not in str(info.value)
        assert db.stats().checksum == before.checksum
        assert db.lookup("UTO", "AAA111").verdict is sltd.Verdict.CLEAR
        rep = db.import_feed(bad, skip_invalid=True)
        assert (rep.added, rep.invalid) == (1, 1)
        assert db.lookup("UTO", "AAA111").listed


def test_import_report_counts(tmp_path: Path):
    path = tmp_path / "db"
    (tmp_path / "feed.csv").write_text(FEED)
    with sltd.open(path, create=True) as db:
        rep = db.import_feed(tmp_path / "feed.csv")
        assert (rep.rows, rep.added, rep.invalid) == (5, 5, 0)
        again = db.import_feed(tmp_path / "feed.csv")
        assert (again.added, again.unchanged) == (0, 5)
        st = db.stats()
        assert (st.records, st.documents, st.filter_ok) == (5, 4, True)
        v = db.verify()
        assert (v.records, v.checksum) == (5, st.checksum)


def test_bundles_applied_and_refused(tmp_path: Path, cli: str):
    kiosk = make_db(tmp_path, "state,number\n")
    key = str(kiosk) + ".key"
    assert run(cli, "keygen", "--out", str(tmp_path / "auth")).returncode == 0
    assert run(cli, "keygen", "--out", str(tmp_path / "rogue")).returncode == 0
    feed = tmp_path / "feed.csv"
    feed.write_text(FEED)
    for seq, signer in ((1, "auth"), (2, "rogue")):
        p = run(cli, "pack", "--key", key, "--sign", str(tmp_path / f"{signer}.sec"), "--seq", str(seq),
                "-o", str(tmp_path / f"b{seq}.sltd"), str(feed))
        assert p.returncode == 0, p.stderr
    trusted = str(tmp_path / "auth.pub")
    with sltd.open(kiosk, readonly=False) as db:
        dry = db.apply_bundle(tmp_path / "b1.sltd", trusted, dry_run=True)
        assert dry.kind == "full" and dry.sequence == 1
        assert db.lookup("UTO", "L898902C3").verdict is sltd.Verdict.CLEAR
        rep = db.apply_bundle(tmp_path / "b1.sltd", [trusted])
        assert (rep.sequence, rep.records) == (1, 5)
        hit = db.lookup("UTO", "L898902C3")
        assert hit.listed and hit.freshness.sequence == 1 and hit.freshness.produced is not None
        assert hit.freshness.expires > hit.freshness.produced and not hit.freshness.stale
        with pytest.raises(sltd.UpdateRefused) as info:
            db.apply_bundle(tmp_path / "b1.sltd", trusted)  # a replay
        assert info.value.name == "SLTD_ESEQUENCE"
        with pytest.raises(sltd.UpdateRefused) as info:
            db.apply_bundle(tmp_path / "b2.sltd", trusted)  # signed by a key that is not trusted
        assert info.value.name == "SLTD_ESIGNATURE"
        assert db.stats().sequence == 1


def test_error_classes_follow_codes():
    from sltd._errors import error_class
    from sltd._native import lib
    assert error_class(lib.SLTD_ECORRUPT) is sltd.DatabaseError
    assert error_class(lib.SLTD_EEXPIRED) is sltd.StaleData
    assert error_class(lib.SLTD_EEXPIRED, update=True) is sltd.UpdateRefused
    assert error_class(lib.SLTD_EFORK) is sltd.ForkError
    assert error_class(lib.SLTD_ECHECKDIGIT) is sltd.UnreadableMrz
    assert issubclass(sltd.StaleData, sltd.DatabaseError)
