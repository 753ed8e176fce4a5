# SPDX-License-Identifier: Apache-2.0
"""The exceptions: one class per kind of failure, chosen from the library's result code.

Every failure is an exception, never a value that could read as "not listed":

- :class:`InputError` — the input is wrong (a state that is no ICAO code, a malformed feed, MRZ or
  manifest). Also a ``ValueError``.
- :class:`DatabaseError` — the database, its key, the disk or the system failed (missing, damaged,
  wrong key, full, locked, stale data refused, a handle used after ``fork()``).
- :class:`UpdateRefused` — an update bundle or sync was refused (signature, sequence, expiry,
  checksum, mirror): nothing was applied.

Each carries ``code`` (the negative ``sltd_error`` value), ``name`` (``"SLTD_ESTATE"``) and
``detail`` (the library's message naming file, line and field, never a document number).
"""
from __future__ import annotations

from ._native import ffi, lib


class SltdError(Exception):
    """Base of every sltd failure."""

    code: int
    name: str
    detail: str

    def __init__(self, code: int, detail: str = "", context: str = "") -> None:
        text = ffi.string(lib.sltd_error_text(code)).decode("utf-8", "replace")
        self.code = code
        self.name = text.split(":", 1)[0]
        self.detail = detail
        parts = [p for p in (context, text, detail) if p]
        super().__init__(" — ".join(parts))


class InputError(SltdError, ValueError):
    """The input was refused: the document, feed, manifest or MRZ is not valid."""


class InvalidState(InputError):
    """The issuing state is not an ICAO 9303 code (SLTD_ESTATE)."""


class InvalidNumber(InputError):
    """The document number is empty, too long or not [A-Z0-9] (SLTD_ENUMBER)."""


class InvalidType(InputError):
    """The document type is not one or two letters (SLTD_ETYPE)."""


class MalformedInput(InputError):
    """A feed, manifest or bundle is malformed (SLTD_EFORMAT, SLTD_ETOOMANY)."""


class InvalidMrz(InputError):
    """An MRZ is malformed, or a field of it is invalid (SLTD_EMRZ)."""


class UnreadableMrz(InputError):
    """An MRZ check digit that protects the number is wrong: re-read the document (SLTD_ECHECKDIGIT)."""


class DatabaseError(SltdError):
    """The database, its key, the disk or the system failed; nothing was answered."""


class StaleData(DatabaseError):
    """The data is past its expiry and the handle was opened with refuse_stale (SLTD_EEXPIRED)."""


class ForkError(DatabaseError):
    """A handle was used in a child process after fork(): open a new one there (SLTD_EFORK)."""


class UpdateRefused(SltdError):
    """An update was refused (signature, sequence, expiry, checksum, mirror); nothing was applied."""


_INPUT = {
    lib.SLTD_EINVAL: InputError,
    lib.SLTD_ESTATE: InvalidState,
    lib.SLTD_ENUMBER: InvalidNumber,
    lib.SLTD_ETYPE: InvalidType,
    lib.SLTD_EFORMAT: MalformedInput,
    lib.SLTD_ETOOMANY: MalformedInput,
    lib.SLTD_EMRZ: InvalidMrz,
    lib.SLTD_ECHECKDIGIT: UnreadableMrz,
}
_UPDATE = {
    lib.SLTD_ESIGNATURE, lib.SLTD_ESEQUENCE, lib.SLTD_ECHECKSUM, lib.SLTD_ENETWORK, lib.SLTD_EMIRROR,
    lib.SLTD_ELIMIT,
}


def error_class(code: int, update: bool = False) -> type[SltdError]:
    """The exception class for a result code; `update` when the call applies an update (then an
    expiry is the bundle's, not stale data)."""
    if code in _INPUT:
        return _INPUT[code]
    if code in _UPDATE or (update and code == lib.SLTD_EEXPIRED):
        return UpdateRefused
    if code == lib.SLTD_EEXPIRED:
        return StaleData
    if code == lib.SLTD_EFORK:
        return ForkError
    return DatabaseError


def last_detail() -> str:
    """The library's detail of the last error in this thread ("" when none)."""
    return ffi.string(lib.sltd_error_detail()).decode("utf-8", "replace")


def make_error(code: int, context: str = "", update: bool = False, detail: str | None = None) -> SltdError:
    """The exception for `code`, with the thread's error detail (read it right after the failing call)."""
    return error_class(code, update)(code, last_detail() if detail is None else detail, context)


def check(code: int, context: str = "", update: bool = False) -> None:
    """Raise the exception for a negative result code; return on 0."""
    if code != 0:
        raise make_error(code, context, update)
