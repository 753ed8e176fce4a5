# SPDX-License-Identifier: Apache-2.0
"""Screening a pandas DataFrame: its state and number columns through the batch lookup, block by block,
and the verdict and the first listing's details added as columns."""
from __future__ import annotations

from typing import Any

from . import _convert as cv
from ._batch import BLOCK
from ._results import Record, Verdict

#: the columns added, after the prefix
COLUMNS = ("verdict", "status", "reference", "type", "reporting_state", "reported", "expires", "nrecords",
           "records", "error")


def screen_frame(db: Any, df: Any, state: str = "state", number: str = "number", type: str | None = None,
                 prefix: str = "sltd_") -> Any:
    """A copy of `df` with the screening of each row added as columns named `prefix` + ...:

    - ``verdict``: categorical, "clear" / "listed" / "invalid" / "error" (see :class:`sltd.Verdict`);
      only "clear" means checked and not listed;
    - ``status``, ``reference``, ``type``, ``reporting_state``, ``reported``, ``expires``: the first
      listing of a listed row (None elsewhere); ``nrecords``: how many listings; ``records``: all of
      them as a tuple of :class:`sltd.Record` (empty elsewhere);
    - ``error``: why a row could not be checked (None elsewhere).

    `state`, `number` (and `type`, a document-type filter) name the columns to read; their values must
    be str (read CSV files with ``dtype=str``): a missing or non-str value makes its row "invalid",
    never "clear"; a numeric column is refused (leading zeros would already be lost). The freshness of
    the answer is in ``result.attrs["sltd_freshness"]``. Raises :class:`DatabaseError` when the
    database cannot be read; a column that exists already raises ValueError.
    """
    import numpy as np
    import pandas as pd

    wanted = [state, number] + ([type] if type is not None else [])
    for c in wanted:
        if c not in df.columns:
            raise KeyError(f"no column {c!r} in the DataFrame")
        if pd.api.types.is_numeric_dtype(df[c].dtype) and len(df):
            raise TypeError(f"column {c!r} is numeric ({df[c].dtype}): read it as str (dtype=str) so that "
                            "document numbers keep their leading zeros")
    names = [prefix + c for c in COLUMNS]
    clash = [c for c in names if c in df.columns]
    if clash:
        raise ValueError(f"the DataFrame has columns {clash} already: choose another prefix")

    n = len(df)
    states = df[state].tolist()
    numbers = df[number].tolist()
    types = df[type].tolist() if type is not None else None
    codes = np.empty(n, dtype=np.int8)
    extra: dict[int, tuple[tuple[Record, ...], str | None]] = {}
    fresh = None
    for lo in range(0, n, BLOCK):
        hi = min(n, lo + BLOCK)
        b = db._block(states[lo:hi], numbers[lo:hi], types[lo:hi] if types is not None else None)
        codes[lo:hi] = np.frombuffer(b.verdicts, dtype=np.int8)
        for i in b.not_clear():
            r = b.out[i]
            if i in b.bad:
                extra[lo + i] = ((), str(b.bad[i]))
            elif b.verdicts[i] == Verdict.LISTED.value:
                extra[lo + i] = (cv.records(r), None)
            else:
                extra[lo + i] = ((), str(cv.document_error(r.error, "")))
        if fresh is None:
            first = b.verdicts.find(bytes([Verdict.CLEAR.value]))
            if first >= 0:
                fresh = cv.freshness(b.out[first])

    labels = [v.label for v in Verdict]
    out = df.copy()
    out[names[0]] = pd.Categorical.from_codes(codes, categories=labels)
    cols: dict[str, Any] = {c: np.full(n, None, dtype=object) for c in COLUMNS[1:]}
    cols["nrecords"] = np.zeros(n, dtype=np.int64)
    cols["records"] = np.empty(n, dtype=object)
    cols["records"][:] = [()] * n
    for i, (recs, err) in extra.items():
        cols["error"][i] = err
        if recs:
            first_rec = recs[0]
            cols["status"][i] = first_rec.status.label
            cols["reference"][i] = first_rec.reference
            cols["type"][i] = first_rec.type
            cols["reporting_state"][i] = first_rec.reporting_state
            cols["reported"][i] = first_rec.reported
            cols["expires"][i] = first_rec.expires
            cols["nrecords"][i] = len(recs)
            cols["records"][i] = recs
    for c in COLUMNS[1:]:
        out[prefix + c] = cols[c]
    out.attrs["sltd_freshness"] = fresh
    if fresh is not None and fresh.stale:
        from ._db import _warn_stale
        _warn_stale(fresh)
    return out
