# SPDX-License-Identifier: Apache-2.0
"""One block of documents through the C batch lookup: every value packed into one buffer of
NUL-terminated strings (state, number [, type] per document) by sltd._pack in one pass over the Python
objects, one call (the GIL released during it), a verdict byte per document back. lookup_many and
screen_frame both go through here, and then touch in Python only the documents that are not clear."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Sequence

from ._errors import InputError, SltdError, make_error
from ._native import ffi, lib
from ._pack import pack_columns, pack_rows

#: documents per call of the C batch lookup (its results, ~0.5 KiB each, stay in the caches)
BLOCK = 1024

_WHAT = ("state", "number", "type")

_local = threading.local()


def _buffers(n: int) -> tuple[Any, Any, Any, Any, Any]:
    """This thread's result, verdict, not-clear index, count and query arrays, with room for n documents
    (reused)."""
    have = getattr(_local, "bufs", None)
    if have is None or have[0] < n:
        size = max(n, BLOCK)
        have = (size, ffi.new("sltd_result[]", size), ffi.new("uint8_t[]", size), ffi.new("size_t[]", size),
                ffi.new("size_t *"), ffi.new("sltd_query[]", size))
        _local.bufs = have
    return have[1:]


def _refused(pairs: list[tuple[int, int]]) -> dict[int, SltdError]:
    """The errors of the documents sltd._pack refused, by index in the block: (index, field) pairs of the
    values that are not a str, hold a NUL (it would shift every document after it) or a lone surrogate.
    Such a value was packed as "" and its document is never looked up as something else; the first
    refused field of a document names its error."""
    bad: dict[int, SltdError] = {}
    for i, k in pairs:
        bad.setdefault(i, InputError(lib.SLTD_EINVAL, f"the {_WHAT[k]} is not a string, or holds a NUL "
                                                      "character or a lone surrogate"))
    return bad


@dataclass
class Block:
    """The answers of one block: out[i] is document i's sltd_result, verdicts[i] its verdict byte;
    `bad` the documents refused before the lookup (their verdict is INVALID whatever C answered);
    `not_clear` the indices of the documents whose verdict is not CLEAR (ascending)."""

    n: int
    out: Any
    verdicts: bytes
    bad: dict[int, SltdError]
    not_clear: list[int]


def lookup_block(db: Any, lo: int, hi: int, docs: Sequence[Sequence[Any]] | None = None,
                 columns: Sequence[Sequence[Any]] | None = None) -> Block:
    """Look up documents lo to hi — of `docs` (a list or tuple of (state, number) or (state, number,
    type) each, all alike) or of `columns` (lists or tuples: the states, the numbers [and the types]) —
    at most a few thousand, in one call. A type of None is no filter. Raises ValueError when the
    documents are not all of one shape of 2 or 3 values; the error of the C code when the database could
    not be read (every document failed alike)."""
    n = hi - lo
    if n <= 0:
        return Block(0, ffi.NULL, b"", {}, [])
    if docs is not None:
        width, buf, pairs = pack_rows(docs, lo, hi)
    else:
        width, buf, pairs = pack_columns(columns, lo, hi)
    out, verdicts, nc, nnc, queries = _buffers(n)
    rc = lib.sltdpy_lookup_packed(out, verdicts, nc, nnc, queries, db, n, width, buf, len(buf))
    if rc != 0:
        raise make_error(rc, "batch lookup")
    v = bytes(ffi.buffer(verdicts, n))
    not_clear = ffi.unpack(nc, nnc[0]) if nnc[0] else []
    if not pairs:
        return Block(n, out, v, {}, not_clear)
    bad = _refused(pairs)
    arr = bytearray(v)
    for i in bad:
        arr[i] = lib.SLTD_VERDICT_INVALID
    return Block(n, out, bytes(arr), bad, sorted(set(not_clear).union(bad)))
