# SPDX-License-Identifier: Apache-2.0
"""Screening a pandas DataFrame: its state and number columns through the batch lookup, block by block,
and the verdict, the first listing's details and the data's sequence added as columns."""
from __future__ import annotations

from typing import Any

from . import _convert as cv
from ._batch import BLOCK
from ._results import Freshness, Record, Verdict

#: the columns added, after the prefix
COLUMNS = ("verdict", "status", "reference", "type", "reporting_state", "reported", "expires", "nrecords",
           "records", "error", "sequence", "stale")
_CHECKED = (Verdict.CLEAR.value, Verdict.LISTED.value)


def _check_columns(df: Any, wanted: list[str], prefix: str) -> None:
    import pandas as pd

    for c in wanted:
        if c not in df.columns:
            raise KeyError(f"no column {c!r} in the DataFrame")
        if pd.api.types.is_numeric_dtype(df[c].dtype) and len(df):
            raise TypeError(f"column {c!r} is numeric ({df[c].dtype}): read it as str (dtype=str) so that "
                            "document numbers keep their leading zeros")
    clash = [prefix + c for c in COLUMNS if prefix + c in df.columns]
    if clash:
        raise ValueError(f"the DataFrame has columns {clash} already: choose another prefix")


def _codes(values: dict[int, Any], n: int) -> Any:
    """A categorical column from the few rows that have a value (the others missing)."""
    import numpy as np
    import pandas as pd

    cats: dict[Any, int] = {}
    codes = np.full(n, -1, dtype=np.int32)
    for i, v in values.items():
        if v is not None:
            codes[i] = cats.setdefault(v, len(cats))
    return pd.Categorical.from_codes(codes, categories=list(cats) or pd.Index([], dtype=object))


def _assemble(df: Any, codes: Any, extra: dict[int, tuple[tuple[Record, ...], str | None]],
              sequence: Any, stale: Any, prefix: str) -> Any:
    """`df` with the added columns: verdict codes, the rows in `extra` (records, error), the data's
    sequence and staleness per row (-1 and False where the row was not checked). Columns are typed
    (categorical, datetime64, int, bool) where they can be; three hold objects (reference, records,
    error), filled only for the rows in `extra`."""
    import numpy as np
    import pandas as pd

    n = len(df)
    firsts = {i: recs[0] for i, (recs, _) in extra.items() if recs}
    reference = np.empty(n, dtype=object)  # None everywhere
    records = np.empty(n, dtype=object)
    records.fill(())
    error = np.empty(n, dtype=object)
    nrecords = np.zeros(n, dtype=np.int64)
    dates = {k: np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]") for k in ("reported", "expires")}
    for i, (recs, err) in extra.items():
        error[i] = err
        if recs:
            reference[i] = recs[0].reference
            records[i] = recs
            nrecords[i] = len(recs)
            for k in dates:
                d = getattr(recs[0], k)
                if d is not None:
                    dates[k][i] = np.datetime64(d, "ns")
    added = {
        "verdict": pd.Categorical.from_codes(codes, categories=[v.label for v in Verdict]),
        "status": _codes({i: r.status.label for i, r in firsts.items()}, n),
        "reference": reference,
        "type": _codes({i: r.type for i, r in firsts.items()}, n),
        "reporting_state": _codes({i: r.reporting_state for i, r in firsts.items()}, n),
        "reported": dates["reported"],
        "expires": dates["expires"],
        "nrecords": nrecords,
        "records": records,
        "error": error,
        "sequence": sequence,
        "stale": stale,
    }
    cols = pd.DataFrame({prefix + c: added[c] for c in COLUMNS}, index=df.index, copy=False)
    return pd.concat([df, cols], axis=1)


def screen_frame_meta(df: Any, prefix: str = "sltd_") -> Any:
    """An empty DataFrame with `df`'s columns and the ones :func:`screen_frame` adds, with their dtypes
    (what ``dask.dataframe.map_partitions`` wants as ``meta``)."""
    import numpy as np

    empty = df.iloc[:0]
    return _assemble(empty, np.empty(0, dtype=np.int8), {}, np.empty(0, dtype=np.int64),
                     np.empty(0, dtype=bool), prefix)


def screen_frame(db: Any, df: Any, state: str = "state", number: str = "number", type: str | None = None,
                 prefix: str = "sltd_") -> Any:
    """A copy of `df` with the screening of each row added as columns named `prefix` + ...:

    - ``verdict``: categorical, "clear" / "listed" / "invalid" / "error" (see :class:`sltd.Verdict`);
      only "clear" means checked and not listed;
    - ``status``, ``reference``, ``type``, ``reporting_state``, ``reported``, ``expires``: the first
      listing of a listed row (status, type and reporting state categorical, the dates datetime64;
      missing elsewhere); ``nrecords``: how many listings; ``records``: all of them as a tuple of
      :class:`sltd.Record` (empty elsewhere);
    - ``error``: why a row could not be checked (None elsewhere);
    - ``sequence``, ``stale``: the sequence of the data that answered the row and whether it was past
      its expiry (-1 and False for a row that was not checked): partitions screened on different
      machines show here whether every replica held the same data.

    `state`, `number` (and `type`, a document-type filter) name the columns to read; their values must
    be str (read CSV files with ``dtype=str, keep_default_na=False``): a missing or non-str value makes
    its row "invalid", never "clear"; a numeric column is refused (leading zeros would already be lost).
    The documents go through the C batch API in blocks of 1024, the GIL released during each. The
    freshness of the answers is also in ``result.attrs["sltd_freshness"]``. Raises
    :class:`DatabaseError` when the database cannot be read; ValueError when a column to add exists.
    """
    import numpy as np

    _check_columns(df, [state, number] + ([type] if type is not None else []), prefix)
    n = len(df)
    cols = [df[state].tolist(), df[number].tolist()] + ([df[type].tolist()] if type is not None else [])
    codes = np.empty(n, dtype=np.int8)
    sequence = np.full(n, -1, dtype=np.int64)
    stale = np.zeros(n, dtype=bool)
    extra: dict[int, tuple[tuple[Record, ...], str | None]] = {}
    fresh: Freshness | None = None
    for lo in range(0, n, BLOCK):
        hi = min(n, lo + BLOCK)
        b = db._block(lo, hi, columns=cols)
        v = np.frombuffer(b.verdicts, dtype=np.int8)
        codes[lo:hi] = v
        for i in b.not_clear:
            r = b.out[i]
            if i in b.bad:
                extra[lo + i] = ((), str(b.bad[i]))
            elif b.verdicts[i] == Verdict.LISTED.value:
                extra[lo + i] = (cv.records(r), None)
            else:
                extra[lo + i] = ((), str(cv.document_error(r.error, "")))
        checked = (v == _CHECKED[0]) | (v == _CHECKED[1])
        at = int(np.argmax(checked)) if checked.any() else -1
        if at >= 0:
            f = cv.freshness(b.out[at])  # one snapshot per block
            sequence[lo:hi][checked] = f.sequence
            stale[lo:hi][checked] = f.stale
            fresh = fresh or f
    out = _assemble(df, codes, extra, sequence, stale, prefix)
    out.attrs["sltd_freshness"] = fresh
    if fresh is not None and stale.any():
        from ._db import _warn_stale
        _warn_stale(fresh)
    return out


def screen_partition(df: Any, db_path: Any, key: Any = None, state: str = "state", number: str = "number",
                     type: str | None = None, prefix: str = "sltd_") -> Any:
    """:func:`screen_frame` with this process's read-only handle on `db_path` (:func:`sltd.open_shared`,
    opened on the first call in each process): the function a Dask or process-pool worker runs for each
    partition. Importable from the installed package, so a cluster needs no code shipped to it."""
    from ._shared import open_shared

    return screen_frame(open_shared(db_path, key=key), df, state=state, number=number, type=type, prefix=prefix)
