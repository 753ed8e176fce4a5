# SPDX-License-Identifier: Apache-2.0
"""screen_frame: a DataFrame's documents through the batch lookup, verdict and listing columns added;
missing and non-str values invalid, never clear."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import sltd
from conftest import LISTED


def frame(n: int = 2500) -> pd.DataFrame:
    states = ["UTO"] * n
    numbers = [f"P{i:08d}" for i in range(n)]
    for i in sorted({0, 1029, n - 1} & set(range(n))):  # listed ones across blocks
        states[i], numbers[i] = LISTED[i % len(LISTED)]
    return pd.DataFrame({"name": [f"n{i}" for i in range(n)], "state": states, "number": numbers})


def test_columns_added_and_input_untouched(db):
    df = frame()
    out = sltd.screen_frame(db, df)
    assert list(df.columns) == ["name", "state", "number"]  # a copy: the input is unchanged
    assert list(out.columns) == ["name", "state", "number"] + ["sltd_" + c for c in sltd._frame.COLUMNS]
    hits = out[out.sltd_verdict == "listed"]
    assert list(hits.index) == [0, 1029, 2499]
    assert (out.sltd_verdict == "clear").sum() == len(df) - 3
    first = out.loc[0]
    assert (first.sltd_status, first.sltd_reference, first.sltd_type) == ("stolen", "REF-UTO-1", "P")
    assert first.sltd_reported == pd.Timestamp(dt.date(2024, 5, 1)) and first.sltd_nrecords == 1
    assert first.sltd_expires == pd.Timestamp(2030, 12, 31) and first.sltd_reporting_state == "UTO"
    assert first.sltd_records[0].reference == "REF-UTO-1" and first.sltd_sequence == 0
    assert pd.isna(out.loc[5].sltd_status) and pd.isna(out.loc[5].sltd_reported)
    assert out.loc[5].sltd_reference is None and out.loc[5].sltd_records == ()
    assert out.sltd_status.dtype == "category" and str(out.sltd_reported.dtype) == "datetime64[ns]"
    assert not out.sltd_stale.any()
    assert out.attrs["sltd_freshness"].sequence == 0


def test_matches_lookup_many(db):
    df = frame(1500)
    out = sltd.screen_frame(db, df)
    many = db.lookup_many(zip(df.state, df.number))
    assert list(out.sltd_verdict) == [r.verdict.label for r in many]


def test_missing_and_bad_values_are_invalid(db):
    df = pd.DataFrame({"state": ["UTO", None, "UTO", np.nan, "DEU", "UTO"],
                       "number": ["L898902C3", "X1", None, "X2", "X3", "AB\0C"]})
    out = sltd.screen_frame(db, df)
    assert list(out.sltd_verdict) == ["listed", "invalid", "invalid", "invalid", "invalid", "invalid"]
    assert out.sltd_error[0] is None and all(isinstance(e, str) and e for e in out.sltd_error[1:])


def test_bad_values_inside_a_later_block_are_invalid(db):
    df = frame(2500)
    df.loc[1500, "number"] = "L8989\x0002C3"  # a NUL: never read as two values
    df.loc[1501, "state"] = None
    df.loc[1502, "number"] = "L898902C3\udc80"  # a lone surrogate
    df.loc[1503, "number"] = LISTED[0][1]  # right after them, answered as itself
    df.loc[1503, "state"] = LISTED[0][0]
    out = sltd.screen_frame(db, df)
    verdicts = list(out.sltd_verdict)
    assert verdicts[1500:1504] == ["invalid", "invalid", "invalid", "listed"]
    assert [i for i, v in enumerate(verdicts) if v == "listed"] == [0, 1029, 1503, 2499]
    assert all(isinstance(e, str) and e for e in out.sltd_error[1500:1503])


def test_numeric_column_refused(db):
    df = pd.DataFrame({"state": ["GBR"], "number": [123456789]})
    with pytest.raises(TypeError, match="dtype=str"):
        sltd.screen_frame(db, df)


def test_other_column_names_type_filter_and_prefix(db):
    df = pd.DataFrame({"iss": ["FRA", "FRA"], "doc": ["X4RTBPFW4", "X4RTBPFW4"], "kind": ["P", "V"]})
    out = sltd.screen_frame(db, df, state="iss", number="doc", type="kind", prefix="chk_")
    assert list(out.chk_verdict) == ["listed", "clear"] and out.chk_reference[0] == "REF-FRA-4"
    with pytest.raises(ValueError, match="prefix"):
        sltd.screen_frame(db, out, state="iss", number="doc", prefix="chk_")
    with pytest.raises(KeyError):
        sltd.screen_frame(db, df)


def test_empty_frame_and_meta(db):
    empty = pd.DataFrame({"state": pd.Series([], dtype=object), "number": pd.Series([], dtype=object)})
    out = sltd.screen_frame(db, empty)
    assert len(out) == 0 and "sltd_verdict" in out.columns
    full = sltd.screen_frame(db, frame(10))
    meta = sltd.screen_frame_meta(frame(10))
    assert list(meta.columns) == list(full.columns) and len(meta) == 0
    assert [str(t) for t in meta.dtypes[:4]] == [str(t) for t in full.dtypes[:4]]
    assert str(meta.sltd_verdict.dtype) == "category" and list(meta.sltd_verdict.cat.categories) == \
        [v.label for v in sltd.Verdict]


def test_rows_not_checked_have_no_sequence(db):
    out = sltd.screen_frame(db, pd.DataFrame({"state": ["DEU", "UTO"], "number": ["1", "L898902C3"]}))
    assert list(out.sltd_sequence) == [-1, 0]
