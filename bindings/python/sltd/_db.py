# SPDX-License-Identifier: Apache-2.0
"""The database handle: open and close, lookups (one, many, from an MRZ), stats, verify, import, apply."""
from __future__ import annotations

import os
import threading
import time
import warnings
from itertools import islice, repeat
from typing import Any, Iterable, Sequence

from . import _convert as cv
from ._batch import BLOCK, Block, lookup_block
from ._errors import DatabaseError, InputError, check, make_error
from ._mrz import mrz_bytes
from ._native import ffi, lib
from ._results import MrzResult, Result, Verdict

PathLike = str | os.PathLike


_CLEAR_BYTE = bytes([lib.SLTD_VERDICT_CLEAR])


class StaleDataWarning(UserWarning):
    """The data that answered is past its expiry: updates are not arriving (a freeze?)."""


def _cstr(value: Any, what: str, code: int) -> bytes:
    """A str argument as UTF-8 bytes for C; refused when it is not a str or holds a NUL (C would read
    only the part before it)."""
    try:
        b = value.encode("utf-8", "surrogatepass")
    except AttributeError:
        raise TypeError(f"{what} must be a str, not {type(value).__name__}") from None
    if b"\0" in b or not isinstance(value, str):
        if not isinstance(value, str):
            raise TypeError(f"{what} must be a str, not {type(value).__name__}")
        raise InputError(code, f"the {what} holds a NUL character")
    return b


def _path(p: PathLike) -> bytes:
    return os.fsencode(p)


def _warn_stale(f: Any) -> None:
    if f is not None and f.stale:
        warnings.warn(StaleDataWarning(f"the data (sequence {f.sequence}) expired at {f.expires}: "
                                       "updates are not arriving"), stacklevel=3)


class Database:
    """An open sltd database. Use :func:`sltd.open` (a context manager).

    One handle per database per process, shared by every thread (lookups, screening, stats and verify
    run from any number of threads at once; an import or apply from one thread while others look up).
    Never use it in a child process after ``fork()``: open a new one there (it raises
    :class:`sltd.ForkError`).
    """

    def __init__(self, path: PathLike, key: PathLike | None = None, readonly: bool = True,
                 create: bool = False, refuse_stale: bool = False, map_size: int = 0,
                 max_readers: int = 0, bits_per_key: int = 0) -> None:
        self.path = os.fspath(path)
        self.readonly = readonly
        opts = ffi.new("sltd_options *")
        lib.sltdpy_options_init(opts)
        opts.flags = ((lib.SLTD_OPEN_READONLY if readonly else 0) | (lib.SLTD_OPEN_CREATE if create else 0)
                      | (lib.SLTD_OPEN_REFUSE_STALE if refuse_stale else 0))
        keep = ffi.new("char[]", _path(key)) if key is not None else ffi.NULL  # alive until sltd_db_open returns
        opts.key_path = keep
        opts.map_size = map_size
        opts.max_readers = max_readers
        opts.bits_per_key = bits_per_key
        out = ffi.new("sltd_db **")
        rc = lib.sltd_db_open(out, _path(path), opts)
        if rc != 0:
            raise make_error(rc, f"open {self.path}")
        self._db = out[0]
        self._pid = os.getpid()
        self._inflight: list[int] = []  # one item per call running on the handle (append/pop are atomic)
        self._local = threading.local()

    # ---- lifetime --------------------------------------------------------------------------------
    # A call registers itself before it reads the handle, and close() forgets the handle before it
    # waits for the calls to finish: a call either sees the handle and is waited for, or sees None.
    def _enter(self) -> Any:
        self._inflight.append(1)
        db = self._db
        if db is None:
            self._inflight.pop()
            raise DatabaseError(lib.SLTD_EINVAL, "the database is closed")
        return db

    def _leave(self) -> None:
        self._inflight.pop()

    def close(self) -> None:
        """Close the handle, once every call running on it from other threads has returned (a screening
        in progress runs to its end first). In a child process after fork() the inherited handle is only
        forgotten: closing it there would release the parent's LMDB reader slots."""
        db, self._db = getattr(self, "_db", None), None
        if db is None or os.getpid() != self._pid:
            return  # (after fork() the calls counted may be the parent's threads', which the child lacks)
        while self._inflight:
            time.sleep(0.001)
        lib.sltd_db_close(db)

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        if getattr(self, "_db", None) is not None:
            self.close()

    @property
    def closed(self) -> bool:
        return self._db is None

    def __repr__(self) -> str:
        return f"<sltd.Database {self.path!r}{' (closed)' if self.closed else ''}>"

    # ---- lookups -----------------------------------------------------------------------------------
    def lookup(self, state: str, number: str, type: str | None = None) -> Result:
        """Is this document listed? Returns a :class:`Result` whose verdict is CLEAR or LISTED.

        `state` is the ICAO 9303 issuing state ("UTO", "D<<"), `number` the document number (spaces,
        "-", "/" and "<" dropped, letters upper-cased), `type` a document-type filter ("P", "ID").
        Raises :class:`InputError` (InvalidState, InvalidNumber, InvalidType) for bad input and
        :class:`DatabaseError` when the database cannot answer: never a "not listed" for either.
        """
        try:  # the common case inline: two str without NUL
            s = state.encode("utf-8", "surrogatepass")
            n = number.encode("utf-8", "surrogatepass")
            if b"\0" in s or b"\0" in n or state.__class__ is not str or number.__class__ is not str:
                raise AttributeError
        except AttributeError:
            s = _cstr(state, "state", lib.SLTD_ESTATE)
            n = _cstr(number, "number", lib.SLTD_ENUMBER)
        t = _cstr(type, "type", lib.SLTD_ETYPE) if type is not None else ffi.NULL
        try:
            r = self._local.res
        except AttributeError:  # this thread's result buffer: its version is set once, the library
            r = self._local.res = ffi.new("sltd_result *")  # writes every member of it on each call
            lib.sltdpy_result_init(r)
        db = self._enter()
        try:
            rc = lib.sltd_db_lookup(r, db, s, n, t)
        finally:
            self._leave()
        if rc != 0:
            raise make_error(rc, "lookup")
        if r.verdict == lib.SLTD_VERDICT_CLEAR:
            return cv.clear_result(r)
        f = cv.freshness(r)
        _warn_stale(f)
        v = cv.verdict(r.verdict)
        if v is Verdict.LISTED:
            return Result(v, cv.records(r), f)
        raise make_error(lib.SLTD_EINVAL, "lookup", detail=f"the library answered {v.label}")

    def _block(self, lo: int, hi: int, docs: Sequence[Sequence[Any]] | None = None,
               columns: Sequence[Sequence[Any]] | None = None) -> Block:
        db = self._enter()
        try:
            return lookup_block(db, lo, hi, docs, columns)
        finally:
            self._leave()

    def lookup_many(self, documents: Iterable[Sequence[Any]]) -> list[Result]:
        """Look up many documents through the batch API, in blocks of 1024 (the GIL released during
        each). `documents` yields ``(state, number)`` or ``(state, number, type)`` tuples (all of one
        shape; a type of None is no filter). Returns one :class:`Result` per document, in input order.

        A document that cannot be checked (bad state, number or type; a value that is not a str) gets
        the verdict INVALID and its error in ``result.error``; it does not fail the others. A database
        that cannot be read raises :class:`DatabaseError`. Clear answers from one snapshot are one
        shared immutable object.
        """
        results: list[Result]
        if isinstance(documents, (list, tuple)):  # read in place, block by block, into a list made once
            n = len(documents)
            results = [None] * n  # type: ignore[list-item]
            for lo in range(0, n, BLOCK):
                self._answers(self._block(lo, min(n, lo + BLOCK), documents), results, lo)
        else:
            results = []
            it = iter(documents)
            while block := list(islice(it, BLOCK)):
                lo = len(results)
                results.extend(repeat(None, len(block)))  # type: ignore[arg-type]
                self._answers(self._block(0, len(block), block), results, lo)
        if results:
            _warn_stale(results[0].freshness)
        return results

    @staticmethod
    def _answers(b: Block, results: list[Result], lo: int) -> None:
        """The answers of block `b` into results[lo:lo + b.n]: the one CLEAR answer of its snapshot
        everywhere, then an answer of its own for each document that is not clear."""
        out = b.out
        first_clear = b.verdicts.find(_CLEAR_BYTE)
        results[lo:lo + b.n] = repeat(cv.clear_result(out[first_clear]) if first_clear >= 0 else None, b.n)
        for i in b.not_clear:
            r = out[i]
            v = cv.verdict(b.verdicts[i])
            if i in b.bad:
                results[lo + i] = Result(Verdict.INVALID, (), None, b.bad[i])
            elif v is Verdict.LISTED:
                results[lo + i] = Result(v, cv.records(r), cv.freshness(r))
            else:
                code = r.error or lib.SLTD_EINVAL  # an unset verdict is never an answer
                results[lo + i] = Result(v, (), cv.freshness(r),
                                         cv.document_error(code, "document %d" % (lo + i)))

    def lookup_mrz(self, text: str, ocr_variants: bool = False, strict: bool = False) -> MrzResult:
        """Parse an MRZ (2 or 3 lines, separated by newlines) and look up the document it names.

        The verdict is CLEAR or LISTED; VARIANT when only an OCR-confusion variant of the number is
        listed (with `ocr_variants`); UNREADABLE when a check digit protecting the number is wrong (re-read
        the document); INVALID when the MRZ or a field of it is invalid and nothing is listed. The parse,
        with every check digit and problem, is in ``result.mrz``. `strict`: ICAO 9303 only, no national
        variant. Raises :class:`DatabaseError` when the database cannot answer.
        """
        raw = mrz_bytes(text)
        a = ffi.new("sltd_mrz_answer *")
        e = ffi.new("sltd_mrz_evidence *")
        lib.sltdpy_mrz_answer_init(a, e)
        flags = (lib.SLTD_MRZ_OCR_VARIANTS if ocr_variants else 0) | (lib.SLTD_MRZ_STRICT if strict else 0)
        db = self._enter()
        try:
            rc = lib.sltd_db_lookup_mrz_ex(a, e, db, raw, len(raw), flags)
        finally:
            self._leave()
        v = cv.verdict(a.verdict)
        if v in (Verdict.ERROR, Verdict.UNSET):
            raise make_error(rc or lib.SLTD_EINVAL, "MRZ lookup")
        m = cv.mrz(ffi.addressof(a, "mrz"), e)
        error = None
        if v in (Verdict.UNREADABLE, Verdict.INVALID):
            first = m.problems[0].message if m.problems else cv.text(a.mrz.error_msg)
            error = cv.document_error(rc, first)
        variant = a.variant_match == 1
        checked = rc == 0 or variant or e.number_checked
        fresh = cv.freshness(a.variant_result if variant and not a.result.listed else a.result) if checked else None
        res = MrzResult(verdict=v, mrz=m, records=cv.records(a.result) if a.result.listed else (),
                        freshness=fresh,
                        error=error, variant_number=cv.text(a.variant_number) if variant else None,
                        variant_records=cv.records(a.variant_result) if variant else (),
                        number_checked=bool(e.number_checked))
        _warn_stale(res.freshness)
        return res

    # ---- screening ---------------------------------------------------------------------------------
    def screen(self, source: Any, format: str | None = None, threads: int = 0, all_rows: bool = False,
               ocr_variants: bool = False, strict: bool = False) -> "Screening":
        """Screen a passenger manifest: an iterator of :class:`ScreenRow` (hits and invalid rows; every
        row with `all_rows`), in input order. See :class:`sltd.Screening`."""
        from ._screen import Screening
        return Screening(self, source, format, threads, all_rows, ocr_variants, strict)

    # ---- the database ------------------------------------------------------------------------------
    def stats(self) -> Any:
        """Statistics of the committed state (:class:`Stats`)."""
        s = ffi.new("sltd_stats *")
        s.version = lib.SLTD_STATS_VERSION
        db = self._enter()
        try:
            check(lib.sltd_db_stats_get(s, db), "stats")
        finally:
            self._leave()
        return cv.stats(s)

    def verify(self) -> Any:
        """Full integrity check (counts, state checksum, filter coverage). Returns a
        :class:`VerifyReport`; raises :class:`DatabaseError` (SLTD_ECORRUPT) when anything disagrees."""
        v = ffi.new("sltd_verify_report *")
        v.version = lib.SLTD_VERIFY_REPORT_VERSION
        db = self._enter()
        try:
            check(lib.sltd_db_verify(v, db), "verify")
        finally:
            self._leave()
        return cv.verify_report(v)

    def import_feed(self, path: PathLike, ignore_unknown: bool = False, skip_invalid: bool = False) -> Any:
        """Apply a feed CSV, all or nothing (a handle opened with readonly=False). Returns an
        :class:`ImportReport`; raises :class:`MalformedInput` naming file, line and field when a row is
        invalid (nothing is written), unless `skip_invalid` (then the valid rows are imported and the
        invalid ones counted)."""
        r = ffi.new("sltd_import_report *")
        r.version = lib.SLTD_IMPORT_REPORT_VERSION
        flags = ((lib.SLTD_IMPORT_IGNORE_UNKNOWN if ignore_unknown else 0)
                 | (lib.SLTD_IMPORT_SKIP_INVALID if skip_invalid else 0))
        db = self._enter()
        try:
            check(lib.sltd_db_import_feed(r, db, _path(path), flags), f"import {os.fspath(path)}")
        finally:
            self._leave()
        return cv.import_report(r)

    def apply_bundle(self, path: PathLike, trusted: Sequence[PathLike] | PathLike, dry_run: bool = False) -> Any:
        """Verify a signed update bundle against the trusted public keys (``PREFIX.pub`` files), then
        apply it all or nothing. Returns a :class:`BundleReport`; raises :class:`UpdateRefused`
        (signature, replay, rollback, wrong base, expired, checksum) with the database unchanged."""
        keys = [trusted] if isinstance(trusted, (str, bytes, os.PathLike)) else list(trusted)
        if not keys:
            raise ValueError("at least one trusted key is needed")
        kept = [ffi.new("char[]", _path(k)) for k in keys]
        arr = ffi.new("const char *[]", kept)
        r = ffi.new("sltd_bundle_report *")
        r.version = lib.SLTD_BUNDLE_REPORT_VERSION
        db = self._enter()
        try:
            check(lib.sltd_bundle_apply(r, db, _path(path), arr, len(kept),
                                        lib.SLTD_APPLY_DRY_RUN if dry_run else 0),
                  f"apply {os.fspath(path)}", update=True)
        finally:
            self._leave()
        return cv.bundle_report(r)


def open(path: PathLike, key: PathLike | None = None, readonly: bool = True, create: bool = False,
         refuse_stale: bool = False, map_size: int = 0, max_readers: int = 0, bits_per_key: int = 0) -> Database:
    """Open (or, with `create`, create) a database; use it as a context manager.

    `key` is the master key file (default ``PATH.key``, beside the directory); `readonly` (the default)
    for lookups and screening only; `create` makes the database (and the key file when absent);
    `refuse_stale` makes lookups on data past its expiry raise :class:`StaleData` instead of answering
    with ``freshness.stale`` set. Raises :class:`DatabaseError` (missing, damaged, wrong key, key file
    readable by others, already open in this process, ...).
    """
    return Database(path, key=key, readonly=readonly and not create, create=create, refuse_stale=refuse_stale,
                    map_size=map_size, max_readers=max_readers, bits_per_key=bits_per_key)
