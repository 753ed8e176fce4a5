# SPDX-License-Identifier: Apache-2.0
"""One block of documents through the C batch lookup: every value packed into one buffer of
NUL-terminated strings (state, number [, type] per document), one call (the GIL released during it), a
verdict byte per document back. lookup_many and screen_frame both go through here, and then touch in
Python only the documents that are not clear."""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from itertools import chain
from typing import Any, Sequence

from ._errors import InputError, SltdError, make_error
from ._native import ffi, lib

#: documents per call of the C batch lookup (its results, ~0.5 KiB each, stay in the caches)
BLOCK = 1024

CLEAR_BYTE = bytes([lib.SLTD_VERDICT_CLEAR])
NOT_CLEAR = re.compile(b"[^" + re.escape(CLEAR_BYTE) + b"]")
_WHAT = ("state", "number", "type")

_local = threading.local()


def _buffers(n: int) -> tuple[Any, Any, Any]:
    """This thread's result, verdict and query arrays, with room for n documents (reused)."""
    have = getattr(_local, "bufs", None)
    if have is None or have[0] < n:
        size = max(n, BLOCK)
        have = (size, ffi.new("sltd_result[]", size), ffi.new("uint8_t[]", size), ffi.new("sltd_query[]", size))
        _local.bufs = have
    return have[1], have[2], have[3]


def _pack_checked(docs: Sequence[Sequence[Any]], width: int, bad: dict[int, SltdError]) -> str:
    """The slow path of pack: value by value. A value that is not a str, or holds a NUL (it would shift
    every document after it), is packed as "" and its document recorded in `bad`: it is never looked up
    as something else. A type of None is "" (no filter)."""
    clean: list[str] = []
    for i, d in enumerate(docs):
        if len(d) != width:
            raise ValueError("each document is (state, number) or (state, number, type), all alike")
        for k, v in enumerate(d):
            if v is None and k == 2:
                v = ""
            elif not isinstance(v, str) or "\0" in v:
                bad.setdefault(i, InputError(lib.SLTD_EINVAL, f"the {_WHAT[k]} is not a string, or holds a "
                                                               "NUL character"))
                v = ""
            clean.append(v)
    return "\0".join(clean)


def _pack(values: Any, width: int, n: int, docs: Any, bad: dict[int, SltdError]) -> bytes:
    """The buffer of the n documents' `values` (an iterable of every value in order, `width` per
    document); `docs()` gives the documents as tuples for the slow path."""
    try:
        joined = "\0".join(values)
    except TypeError:
        joined = None
    if joined is None or joined.count("\0") != width * n - 1:
        joined = _pack_checked(docs(), width, bad)
    return joined.encode("utf-8", "surrogatepass") + b"\0"


def pack(docs: Sequence[Sequence[Any]], bad: dict[int, SltdError]) -> tuple[int, bytes]:
    """(width, buffer): the documents' values as one buffer of NUL-terminated UTF-8 strings, `width` (2 or
    3) per document. Documents whose values cannot be packed as they are go to `bad` (see _pack_checked)."""
    widths = set(map(len, docs))
    if len(widths) != 1 or not widths <= {2, 3}:
        raise ValueError("each document is (state, number) or (state, number, type), all alike")
    (width,) = widths
    return width, _pack(chain.from_iterable(docs), width, len(docs), lambda: docs, bad)


def pack_columns(columns: Sequence[Sequence[Any]], bad: dict[int, SltdError]) -> tuple[int, bytes]:
    """pack() for documents given as 2 or 3 columns of equal length (no tuple per document is made)."""
    width, n = len(columns), len(columns[0])
    if width not in (2, 3) or any(len(c) != n for c in columns):
        raise ValueError("2 or 3 columns of one length: state, number [, type]")
    return width, _pack(chain.from_iterable(zip(*columns)), width, n, lambda: list(zip(*columns)), bad)


@dataclass
class Block:
    """The answers of one block: out[i] is document i's sltd_result, verdicts[i] its verdict byte;
    `bad` the documents refused before the lookup (their verdict is INVALID whatever C answered)."""

    n: int
    out: Any
    verdicts: bytes
    bad: dict[int, SltdError]

    def not_clear(self) -> list[int]:
        """Indices of the documents whose verdict is not CLEAR (ascending)."""
        if self.verdicts.count(CLEAR_BYTE) == self.n and not self.bad:
            return []
        idx = {m.start() for m in NOT_CLEAR.finditer(self.verdicts)}
        idx.update(self.bad)
        return sorted(idx)


def lookup_block(db: Any, docs: Sequence[Sequence[Any]] | None = None,
                 columns: Sequence[Sequence[Any]] | None = None) -> Block:
    """Look up the documents — `docs`, (state, number) or (state, number, type) each, or `columns`, the
    states, the numbers [and the types] — at most a few thousand, in one call. Raises when the database
    could not be read (every document failed alike)."""
    n = len(docs) if docs is not None else len(columns[0])  # type: ignore[index]
    if n == 0:
        return Block(0, ffi.NULL, b"", {})
    bad: dict[int, SltdError] = {}
    width, buf = pack(docs, bad) if docs is not None else pack_columns(columns, bad)  # type: ignore[arg-type]
    out, verdicts, queries = _buffers(n)
    rc = lib.sltdpy_lookup_packed(out, verdicts, queries, db, n, width, buf, len(buf))
    if rc != 0:
        raise make_error(rc, "batch lookup")
    v = bytes(ffi.buffer(verdicts, n))
    if bad:
        arr = bytearray(v)
        for i in bad:
            arr[i] = lib.SLTD_VERDICT_INVALID
        v = bytes(arr)
    return Block(n, out, v, bad)
