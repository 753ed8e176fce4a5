# SPDX-License-Identifier: Apache-2.0
"""sltd — is this travel document listed as stolen, lost, revoked or invalid?

Python bindings of libsltd (cffi, API mode, over the installed library)::

    import sltd
    with sltd.open("/var/lib/sltd/db") as db:          # read-only; the key is /var/lib/sltd/db.key
        r = db.lookup("UTO", "L898902C3")
        if r.verdict is sltd.Verdict.LISTED:
            print(r.records[0].status.label, r.records[0].reference)

Only ``Verdict.CLEAR`` means "checked, and not listed". Every failure raises an :class:`SltdError`
(:class:`InputError` for bad input, :class:`DatabaseError` for the database or system,
:class:`UpdateRefused` for a refused update); a document of a batch that cannot be checked has the
verdict INVALID (or UNREADABLE, ERROR) and its error, and ``result.listed`` raises that error rather
than answer False.

Threads and processes: one handle per database per process, shared by all threads (calls release the
GIL); never use a handle in a child process after fork() — open one there (:func:`open_shared` does it
for pool and Dask workers).
"""
from ._db import Database, StaleDataWarning, open
from ._errors import (DatabaseError, ForkError, InputError, InvalidMrz, InvalidNumber, InvalidState,
                      InvalidType, MalformedInput, SltdError, StaleData, UnreadableMrz, UpdateRefused)
from ._frame import screen_frame, screen_frame_meta, screen_partition
from ._mrz import parse_mrz
from ._native import ffi as _ffi, lib as _lib
from ._results import (BundleReport, Freshness, ImportReport, Mrz, MrzCheck, MrzProblem, MrzResult, Record,
                       Result, ScreenReport, ScreenRow, Stats, Status, Verdict, VerifyReport)
from ._screen import Screening
from ._shared import open_shared, opened_shared

__version__ = "0.2.0"

#: the version of the libsltd this module runs with ("MAJOR.MINOR.PATCH")
library_version: str = _ffi.string(_lib.sltd_version()).decode()

if _lib.sltd_version_number() // 100 != _lib.SLTD_VERSION_NUMBER // 100:
    raise ImportError(f"sltd: built against libsltd {_lib.SLTD_VERSION_NUMBER} but running with "
                      f"{library_version}: reinstall the Python package against this library")

__all__ = [
    "open", "open_shared", "opened_shared", "parse_mrz", "screen_frame", "screen_frame_meta", "screen_partition", "Database", "Screening",
    "Verdict", "Status", "Record", "Freshness", "Result", "MrzResult", "Mrz", "MrzCheck", "MrzProblem",
    "ScreenRow", "ScreenReport", "Stats", "VerifyReport", "ImportReport", "BundleReport",
    "SltdError", "InputError", "InvalidState", "InvalidNumber", "InvalidType", "MalformedInput",
    "InvalidMrz", "UnreadableMrz", "DatabaseError", "StaleData", "ForkError", "UpdateRefused",
    "StaleDataWarning", "library_version",
]
