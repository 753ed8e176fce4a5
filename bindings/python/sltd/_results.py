# SPDX-License-Identifier: Apache-2.0
"""The immutable values the binding returns: verdicts, records, freshness, answers, reports."""
from __future__ import annotations

import datetime as _dt
import enum
from dataclasses import dataclass, field
from typing import Mapping

from ._errors import SltdError


class Verdict(enum.Enum):
    """What a lookup decided. Only CLEAR says "checked, and not listed".

    The values and labels are the C library's ``sltd_verdict`` numbers and ``sltd_verdict_name()``. This is a plain Enum, not an IntEnum:
    every member is true in a boolean context and none equals a number, so no verdict can be mistaken
    for ``False`` / ``0``.
    """

    UNSET = 0       #: never set (a bug if ever seen)
    CLEAR = 1       #: checked, and not listed
    LISTED = 2      #: listed
    VARIANT = 3     #: an OCR variant of the number read from the MRZ is listed (check the document)
    UNREADABLE = 4  #: a check digit that protects the number is wrong: re-read the document
    INVALID = 5     #: the document (state, number, type or MRZ) is invalid: nothing was checked
    ERROR = 6       #: the database or system failed for this document: nothing was checked

    @property
    def label(self) -> str:
        """Lower-case name ("clear", "listed", ...), as in DataFrame columns."""
        return self.name.lower()

    @property
    def hit(self) -> bool:
        """True for LISTED and VARIANT: raise the alarm."""
        return self in (Verdict.LISTED, Verdict.VARIANT)


class Status(enum.Enum):
    """Why a document is listed (values stored on disk by the library)."""

    STOLEN = 1
    LOST = 2
    REVOKED = 3
    INVALID = 4
    STOLEN_BLANK = 5
    UNKNOWN = 0  #: a status this version of the binding does not know

    @property
    def label(self) -> str:
        """Lower-case name, as in feeds ("stolen", "stolen_blank")."""
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Record:
    """One listing of a document."""

    status: Status
    type: str | None             #: document type ("P", "ID"), None when the listing has none
    reporting_state: str | None  #: the state that reported it, None when not given
    reported: _dt.date | None    #: date reported, None when not given
    expires: _dt.date | None     #: expiry or review date, None when none
    reference: str               #: what to quote to the issuing authority to confirm a hit


@dataclass(frozen=True, slots=True)
class Freshness:
    """How old the data that answered is."""

    sequence: int                     #: data sequence (0: never updated from a bundle)
    produced: _dt.datetime | None     #: when it was produced (UTC), None when unknown
    expires: _dt.datetime | None      #: when it expires (UTC), None when never
    stale: bool                       #: it was past its expiry when the lookup ran (a freeze?)


class _Decided:
    """``listed`` and ``clear`` for the answers that carry a verdict and an error."""

    __slots__ = ()

    @property
    def listed(self) -> bool:
        """True when listed (or, from an MRZ, an OCR variant is listed), False when checked and not
        listed. Raises the document's error when it could not be checked: never False for that."""
        if self.verdict in (Verdict.LISTED, Verdict.VARIANT):  # type: ignore[attr-defined]
            return True
        if self.verdict is Verdict.CLEAR:  # type: ignore[attr-defined]
            return False
        raise self.error if self.error is not None else SltdError(-1, "no verdict")  # type: ignore[attr-defined]

    @property
    def clear(self) -> bool:
        """True only when checked and not listed; raises when the document could not be checked."""
        return not self.listed


@dataclass(frozen=True, slots=True)
class Result(_Decided):
    """The answer for one document."""

    verdict: Verdict
    records: tuple[Record, ...] = ()
    freshness: Freshness | None = None
    error: SltdError | None = None  #: why the document could not be checked (INVALID, ERROR)


@dataclass(frozen=True, slots=True)
class MrzCheck:
    """One check digit as printed and as computed."""

    found: str | None     #: the printed character, None when the format has no such digit
    expected: str | None  #: the computed digit, None when the format has no such digit
    status: str           #: "ok", "bad" or "absent"


@dataclass(frozen=True, slots=True)
class MrzProblem:
    """One field of an MRZ that breaks ICAO 9303, and where."""

    field: str    #: "document number", "date of birth", ...
    line: int     #: 1-based MRZ line
    pos: int      #: 1-based character position
    message: str
    error: SltdError


@dataclass(frozen=True, slots=True)
class Mrz:
    """A parsed machine-readable zone (fields as the library reads them; fillers removed)."""

    valid: bool                  #: every field right and every check digit right
    kind: str | None             #: "TD1", "TD2", "TD3", "MRV-A", "MRV-B"; None when not an MRZ
    doc_code: str
    issuing_state: str
    number: str
    nationality: str
    birth: str                   #: YYMMDD as printed
    sex: str
    expiry: str                  #: YYMMDD as printed
    optional1: str
    optional2: str
    primary_name: str
    secondary_name: str
    number_rule: str             #: "icao", "filler_included" or "none"
    checks: Mapping[str, MrzCheck] = field(default_factory=dict)  #: number, birth, expiry, optional, composite
    problems: tuple[MrzProblem, ...] = ()


@dataclass(frozen=True, slots=True)
class MrzResult(_Decided):
    """The answer for a document read from its MRZ."""

    verdict: Verdict
    mrz: Mrz
    records: tuple[Record, ...] = ()          #: the read number's listings
    freshness: Freshness | None = None
    error: SltdError | None = None            #: why it is UNREADABLE or INVALID
    variant_number: str | None = None         #: the listed OCR variant (VARIANT), to show the officer
    variant_records: tuple[Record, ...] = ()  #: its listings
    number_checked: bool = False              #: the read number was looked up


@dataclass(frozen=True, slots=True)
class ScreenRow(_Decided):
    """One row of a screened manifest (hits and invalid rows; every row with all_rows=True)."""

    index: int                    #: 0-based position of the document in the manifest
    line: int                     #: its line in the manifest (MRZ: the first line)
    verdict: Verdict
    state: str                    #: as written (MRZ: as parsed)
    number: str                   #: as written (MRZ: as parsed)
    records: tuple[Record, ...] = ()
    freshness: Freshness | None = None
    error: SltdError | None = None  #: why the row could not be checked, message "FILE:LINE: ..."
    variant_number: str | None = None
    variant_records: tuple[Record, ...] = ()
    fields: Mapping[str, str] = field(default_factory=dict)  #: the row's columns (CSV, JSON Lines)
    note: str = ""                #: a remark on a checked row (JSON Lines with an MRZ and fields)


@dataclass(frozen=True, slots=True)
class ScreenReport:
    """What a screening counted."""

    documents: int  #: rows checked
    hits: int       #: rows found listed
    invalid: int    #: rows that could not be checked


@dataclass(frozen=True, slots=True)
class Stats:
    """Database statistics (the committed state)."""

    format_version: int
    records: int
    documents: int
    sequence: int
    produced: _dt.datetime | None
    expires: _dt.datetime | None
    checksum: str             #: state checksum, hex
    filter_ok: bool           #: False: the filter is bypassed (lookups go to LMDB)
    filter_bytes: int
    filter_capacity: int
    filter_bits_per_key: int
    filter_fill: float
    filter_fpr_estimate: float
    filter_fpr_target: float
    map_size: int
    data_bytes: int


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """What a full integrity check found (it passed: a failure raises)."""

    records: int
    documents: int
    checksum: str
    filter_checked: bool


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did."""

    rows: int
    added: int
    updated: int
    unchanged: int
    removed: int
    not_found: int
    invalid: int


@dataclass(frozen=True, slots=True)
class BundleReport:
    """What a bundle held and what applying it did."""

    kind: str        #: "full" or "delta"
    sequence: int
    base: int
    created: _dt.datetime | None
    expires: _dt.datetime | None
    entries: int
    records: int
    checksum: str
    key_id: str
    added: int
    updated: int
    unchanged: int
    removed: int
    not_found: int
