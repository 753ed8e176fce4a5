# SPDX-License-Identifier: Apache-2.0
"""One block of documents through the C batch lookup: the values packed into NUL-separated buffers,
one call (the GIL released during it), a verdict byte per document back. lookup_many and screen_frame
both go through here, and then touch in Python only the documents that are not clear."""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any, Sequence

from ._errors import InputError, SltdError, make_error
from ._native import ffi, lib

#: documents per call of the C batch lookup (its results, ~0.5 KiB each, stay in the caches)
BLOCK = 1024

CLEAR_BYTE = bytes([lib.SLTD_VERDICT_CLEAR])
NOT_CLEAR = re.compile(b"[^" + re.escape(CLEAR_BYTE) + b"]")

_local = threading.local()


def _buffers(n: int) -> tuple[Any, Any, Any]:
    """This thread's result, verdict and query arrays, with room for n documents (reused)."""
    have = getattr(_local, "bufs", None)
    if have is None or have[0] < n:
        size = max(n, BLOCK)
        have = (size, ffi.new("sltd_result[]", size), ffi.new("uint8_t[]", size), ffi.new("sltd_query[]", size))
        _local.bufs = have
    return have[1], have[2], have[3]


def _bad_value(what: str) -> InputError:
    return InputError(lib.SLTD_EINVAL, what + " is not a string, or holds a NUL character")


def pack(values: Sequence[Any], what: str, bad: dict[int, SltdError]) -> bytes:
    """The values as one buffer of NUL-terminated UTF-8 strings. A value that is not a str, or holds a
    NUL (it would shift every document after it), is packed as "" and recorded in `bad`: it is never
    looked up as something else. None is "" for the type (no filter)."""
    try:
        joined = "\0".join(values)
    except TypeError:
        joined = None
    if joined is None or joined.count("\0") != len(values) - 1:
        clean = []
        for i, v in enumerate(values):
            if v is None and what == "type":
                v = ""
            elif not isinstance(v, str) or "\0" in v:
                bad.setdefault(i, _bad_value(what))
                v = ""
            clean.append(v)
        joined = "\0".join(clean)
    return joined.encode("utf-8", "surrogatepass") + b"\0"


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


def lookup_block(db: Any, states: Sequence[Any], numbers: Sequence[Any], types: Sequence[Any] | None) -> Block:
    """Look up len(states) documents (at most a few thousand) in one call. Raises when the database
    could not be read (every document failed alike)."""
    n = len(states)
    if n == 0:
        return Block(0, ffi.NULL, b"", {})
    if len(numbers) != n or (types is not None and len(types) != n):
        raise ValueError("states, numbers and types differ in length")
    bad: dict[int, SltdError] = {}
    s = pack(states, "state", bad)
    num = pack(numbers, "number", bad)
    t = pack(types, "type", bad) if types is not None else None
    out, verdicts, queries = _buffers(n)
    rc = lib.sltdpy_lookup_packed(out, verdicts, queries, db, n, s, len(s), num, len(num),
                                  t if t is not None else ffi.NULL, len(t) if t is not None else 0)
    if rc != 0:
        raise make_error(rc, "batch lookup")
    v = bytes(ffi.buffer(verdicts, n))
    if bad:
        arr = bytearray(v)
        for i in bad:
            arr[i] = lib.SLTD_VERDICT_INVALID
        v = bytes(arr)
    return Block(n, out, v, bad)
