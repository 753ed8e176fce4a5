# SPDX-License-Identifier: Apache-2.0
"""Screening a manifest as an iterator: sltd_db_screen runs on a thread of its own and hands its rows, in
input order, through a bounded queue (so a slow consumer holds the screening back instead of filling
memory); a file object is fed to it through a pipe."""
from __future__ import annotations

import io
import os
import queue
import threading
from typing import Any, Iterator

from . import _convert as cv
from ._errors import DatabaseError, make_error
from ._native import ffi, lib
from ._results import ScreenReport, ScreenRow

_FORMATS = {None: lib.SLTD_SCREEN_AUTO, "csv": lib.SLTD_SCREEN_CSV, "mrz": lib.SLTD_SCREEN_MRZ,
            "jsonl": lib.SLTD_SCREEN_JSONL}
_STOP = 1          # what the row callback returns to stop the screening early
_ROWS_PER_PUT = 256  # rows handed to the consumer at once
_QUEUE_DEPTH = 8     # batches in flight before the screening waits for the consumer


def _format_of(name: str) -> str | None:
    low = name.lower()
    if low.endswith(".mrz"):
        return "mrz"
    if low.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    return None


def _row(row: Any) -> ScreenRow:
    res = row.result
    checked = res != ffi.NULL
    variant = cv.text(row.variant_number) or None
    vres = row.variant_result
    error = cv.document_error(row.error, cv.text(row.error_msg)) if row.error != 0 else None
    return ScreenRow(
        index=row.index, line=row.line, verdict=cv.verdict(row.verdict),
        state=cv.text(row.state), number=cv.text(row.number),
        records=cv.records(res) if checked and res.listed else (),
        freshness=cv.freshness(res) if checked else None, error=error, variant_number=variant,
        variant_records=cv.records(vres) if variant and vres != ffi.NULL else (),
        fields={cv.text(row.names[i]): cv.text(row.fields[i]) for i in range(row.nfields)},
        note=cv.text(row.note))


class _Run:
    """What the screening thread and the consumer share."""

    def __init__(self) -> None:
        self.queue: queue.Queue[list[ScreenRow] | None] = queue.Queue(_QUEUE_DEPTH)
        self.pending: list[ScreenRow] = []
        self.stop = threading.Event()
        self.failure: BaseException | None = None
        self.rc = 0
        self.report: ScreenReport | None = None

    def put(self, rows: list[ScreenRow] | None) -> bool:
        """Hand rows over, waiting while the queue is full; False once the consumer has gone."""
        while not self.stop.is_set():
            try:
                self.queue.put(rows, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False


@ffi.def_extern()
def sltdpy_on_row(ctx: Any, row: Any) -> int:
    run: _Run = ffi.from_handle(ctx)
    try:
        run.pending.append(_row(row))
        if len(run.pending) >= _ROWS_PER_PUT:
            batch, run.pending = run.pending, []
            if not run.put(batch):
                return _STOP
        return _STOP if run.stop.is_set() else 0
    except BaseException as e:  # noqa: BLE001 — handed to the consumer; the screening stops
        run.failure = e
        return _STOP


class Screening:
    """The rows of a manifest being screened, in input order: hits and invalid rows, or every row with
    all_rows=True. Iterate it; ``report`` (documents, hits, invalid) is set once it is exhausted.

    `source` is a path, or a file object (text or binary; read on a thread of its own and fed to the
    library through a pipe, so row messages then name ``/dev/fd/N``). `format` is "csv", "mrz",
    "jsonl" or None (by the file name's extension, else CSV). `threads` look up (0: every core).
    A bad row never stops it (its verdict is INVALID or UNREADABLE, with the reason); a database or
    system error, a bad CSV header, or a file object that fails to read raises from the iteration.
    Closing it (or leaving a ``with`` block) before the end stops the screening.
    """

    def __init__(self, db: Any, source: Any, format: str | None, threads: int, all_rows: bool,
                 ocr_variants: bool, strict: bool) -> None:
        if format not in _FORMATS:
            raise ValueError(f"format must be one of csv, mrz, jsonl or None, not {format!r}")
        if not 0 <= threads <= lib.SLTD_SCREEN_THREADS_MAX:
            raise ValueError(f"threads must be 0 to {lib.SLTD_SCREEN_THREADS_MAX}")
        self.report: ScreenReport | None = None
        self._run = _Run()
        self._feeder: threading.Thread | None = None
        self._feed_error: BaseException | None = None
        self._read_fd = -1
        self._done = True  # until the screening thread runs
        handle = db._enter()  # a closed handle raises here, before anything is started
        try:
            self._start(db, handle, source, format, threads, all_rows, ocr_variants, strict)
        except BaseException:
            db._leave()
            if self._read_fd >= 0:
                os.close(self._read_fd)  # the feeder then stops on a broken pipe
            raise

    def _start(self, db: Any, handle: Any, source: Any, format: str | None, threads: int, all_rows: bool,
               ocr_variants: bool, strict: bool) -> None:
        if isinstance(source, (str, bytes, os.PathLike)):
            path = os.fsencode(source)
            format = format or _format_of(os.fsdecode(path))
        else:
            name = getattr(source, "name", "")
            format = format or (_format_of(name) if isinstance(name, str) else None) or "csv"
            path = self._feed(source)
        self._rows: Iterator[ScreenRow] = iter(())
        self._db = db
        opts = ffi.new("sltd_screen_options *")
        lib.sltdpy_screen_options_init(opts)
        opts.flags = ((lib.SLTD_SCREEN_ALL if all_rows else 0) | (lib.SLTD_SCREEN_OCR_VARIANTS if ocr_variants else 0)
                      | (lib.SLTD_SCREEN_MRZ_STRICT if strict else 0))
        opts.format = _FORMATS[format]
        opts.threads = threads
        opts.row_fn = lib.sltdpy_on_row
        self._handle = ffi.new_handle(self._run)
        opts.row_ctx = self._handle
        self._opts = opts
        self._path = path
        self._thread = threading.Thread(target=self._screen, args=(handle,), name="sltd-screen", daemon=True)
        self._thread.start()
        self._done = False

    def _feed(self, f: Any) -> bytes:
        """Start copying the file object into a pipe; the library reads the pipe's other end."""
        r, w = os.pipe()
        self._read_fd = r

        def copy() -> None:
            try:
                with io.FileIO(w, "wb", closefd=True) as out:
                    while True:
                        chunk = f.read(1 << 16)
                        if not chunk:
                            break
                        out.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
            except BrokenPipeError:
                pass  # the screening stopped reading (stopped early, or a fatal error): reported there
            except BaseException as e:  # noqa: BLE001 — reported by the iteration: rows were not read
                self._feed_error = e

        self._feeder = threading.Thread(target=copy, name="sltd-screen-feed", daemon=True)
        self._feeder.start()
        return b"/dev/fd/%d" % r

    def _screen(self, handle: Any) -> None:
        run = self._run
        rep = ffi.new("sltd_screen_report *")
        rep.version = lib.SLTD_SCREEN_REPORT_VERSION
        try:
            run.rc = lib.sltd_db_screen(rep, handle, self._path, self._opts)
            if run.rc not in (0, _STOP):
                run.failure = run.failure or make_error(run.rc, "screen")
            run.report = ScreenReport(documents=rep.documents, hits=rep.hits, invalid=rep.invalid)
        finally:
            self._db._leave()
            if self._read_fd >= 0:
                os.close(self._read_fd)
            if run.pending:
                run.put(run.pending)
                run.pending = []
            run.put(None)

    def __iter__(self) -> "Screening":
        return self

    def __next__(self) -> ScreenRow:
        for row in self._rows:
            return row
        if self._done:
            raise StopIteration
        batch = self._run.queue.get()
        if batch is None:
            self._finish()
            raise StopIteration
        self._rows = iter(batch)
        return next(self)

    def _finish(self) -> None:
        self._done = True
        self._thread.join()
        if self._feeder is not None:
            self._feeder.join()
        run = self._run
        if run.failure is not None:
            raise run.failure
        if self._feed_error is not None:
            raise DatabaseError(lib.SLTD_EIO, f"reading the manifest failed: {self._feed_error!r}") from self._feed_error
        self.report = run.report

    def close(self) -> None:
        """Stop the screening (if it is still running) and wait for its thread."""
        if self._done:
            return
        self._done = True
        self._run.stop.set()
        while self._thread.is_alive():
            try:
                self._run.queue.get(timeout=0.1)
            except queue.Empty:
                pass
        self._thread.join()
        if self._feeder is not None:
            self._feeder.join()

    def __enter__(self) -> "Screening":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        if not getattr(self, "_done", True):
            self.close()
