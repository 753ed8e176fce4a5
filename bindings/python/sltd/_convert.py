# SPDX-License-Identifier: Apache-2.0
"""The library's C structs turned into the binding's immutable values (the only place that reads them)."""
from __future__ import annotations

import datetime as _dt
from typing import Any

from ._errors import SltdError, error_class
from ._native import ffi, lib
from ._results import (BundleReport, Freshness, ImportReport, Mrz, MrzCheck, MrzProblem, Record, Result,
                       Stats, Status, Verdict, VerifyReport)

_VERDICTS = tuple(Verdict)  # indexed by value: 0..6 in order
_STATUSES = {s.value: s for s in Status}
_CHECK = {lib.SLTD_MRZ_CHECK_OK: "ok", lib.SLTD_MRZ_CHECK_BAD: "bad", lib.SLTD_MRZ_CHECK_ABSENT: "absent"}


def text(p: Any) -> str:
    """A C string (char array or pointer; NULL is "") as str."""
    if p == ffi.NULL:
        return ""
    return ffi.string(p).decode("utf-8", "replace")


def verdict(v: int) -> Verdict:
    return _VERDICTS[v] if 0 <= v < len(_VERDICTS) else Verdict.ERROR


def date(yyyymmdd: int) -> _dt.date | None:
    """YYYYMMDD as a date; 0 (not given) as None."""
    if yyyymmdd == 0:
        return None
    return _dt.date(yyyymmdd // 10000, yyyymmdd // 100 % 100, yyyymmdd % 100)


def instant(seconds: int) -> _dt.datetime | None:
    """Unix seconds as an aware UTC datetime; 0 (unknown, or never) as None."""
    if seconds == 0:
        return None
    return _dt.datetime.fromtimestamp(seconds, _dt.timezone.utc)


def record(r: Any) -> Record:
    return Record(status=_STATUSES.get(r.status, Status.UNKNOWN), type=text(r.type) or None,
                  reporting_state=text(r.reporting_state) or None, reported=date(r.reported),
                  expires=date(r.expires), reference=text(r.reference))


def records(res: Any) -> tuple[Record, ...]:
    n = min(res.nrecords, lib.SLTD_RECORDS_MAX)
    return tuple(record(res.records[i]) for i in range(n))


_fresh_cache: dict[tuple[int, int, int, int], tuple[Freshness, Result]] = {}


def _fresh_entry(res: Any) -> tuple[Freshness, Result]:
    """The freshness of an answer and the CLEAR answer with it: answers from the same snapshot share
    both objects (a batch answers from one snapshot)."""
    key = (res.data_sequence, res.data_produced, res.data_expires, res.stale)
    e = _fresh_cache.get(key)
    if e is None:
        if len(_fresh_cache) > 64:
            _fresh_cache.clear()
        f = Freshness(sequence=key[0], produced=instant(key[1]), expires=instant(key[2]), stale=bool(key[3]))
        e = _fresh_cache[key] = (f, Result(Verdict.CLEAR, (), f))
    return e


def freshness(res: Any) -> Freshness:
    """The answer's freshness (one shared object per snapshot)."""
    return _fresh_entry(res)[0]


def clear_result(res: Any) -> Result:
    """The CLEAR answer with this result's freshness (one shared immutable object per snapshot)."""
    return _fresh_entry(res)[1]


def document_error(code: int, detail: str) -> SltdError:
    """The exception a per-document error code stands for (not raised: carried by the answer)."""
    return error_class(code)(code, detail)


def hexbytes(b: Any, n: int) -> str:
    return bytes(ffi.buffer(b, n)).hex()


def stats(s: Any) -> Stats:
    return Stats(format_version=s.format_version, records=s.records, documents=s.documents,
                 sequence=s.sequence, produced=instant(s.produced), expires=instant(s.expires),
                 checksum=hexbytes(s.checksum, 16), filter_ok=s.filter_state == lib.SLTD_FILTER_OK,
                 filter_bytes=s.filter_bytes, filter_capacity=s.filter_capacity,
                 filter_bits_per_key=s.filter_bits_per_key, filter_fill=s.filter_fill,
                 filter_fpr_estimate=s.filter_fpr_estimate, filter_fpr_target=s.filter_fpr_target,
                 map_size=s.map_size, data_bytes=s.data_bytes)


def verify_report(v: Any) -> VerifyReport:
    return VerifyReport(records=v.records, documents=v.documents, checksum=hexbytes(v.checksum, 16),
                        filter_checked=bool(v.filter_checked))


def import_report(r: Any) -> ImportReport:
    return ImportReport(rows=r.rows, added=r.added, updated=r.updated, unchanged=r.unchanged,
                        removed=r.removed, not_found=r.not_found, invalid=r.invalid)


def bundle_report(r: Any) -> BundleReport:
    kind = {1: "full", 2: "delta"}.get(r.kind, "unknown")
    return BundleReport(kind=kind, sequence=r.sequence, base=r.base, created=instant(r.created),
                        expires=instant(r.expires), entries=r.entries, records=r.records,
                        checksum=hexbytes(r.checksum, 16), key_id=hexbytes(r.key_id, len(r.key_id)),
                        added=r.added, updated=r.updated, unchanged=r.unchanged, removed=r.removed,
                        not_found=r.not_found)


def _check(c: Any) -> MrzCheck:
    absent = c.status == lib.SLTD_MRZ_CHECK_ABSENT
    return MrzCheck(found=None if absent else c.found.decode("latin-1"),
                    expected=None if absent else c.expected.decode("latin-1"),
                    status=_CHECK.get(c.status, "bad"))


def mrz(m: Any, e: Any) -> Mrz:
    """A parsed MRZ from sltd_mrz and its evidence."""
    problems = tuple(
        MrzProblem(field=text(lib.sltd_mrz_field_name(p.field)), line=p.line, pos=p.pos, message=text(p.msg),
                   error=document_error(p.code, "line %d, position %d: %s" % (p.line, p.pos, text(p.msg))))
        for p in (e.problems[i] for i in range(min(e.nproblems, lib.SLTD_MRZ_PROBLEMS_MAX))))
    kind = text(lib.sltd_mrz_kind_name(m.kind)) if m.kind != 0 else None
    checks = {"number": _check(m.number_check), "birth": _check(m.birth_check),
              "expiry": _check(m.expiry_check), "optional": _check(m.optional_check),
              "composite": _check(m.composite_check)}
    return Mrz(valid=bool(lib.sltd_mrz_validate(m)), kind=kind, doc_code=text(m.doc_code),
               issuing_state=text(m.issuing_state), number=text(m.number), nationality=text(m.nationality),
               birth=text(m.birth), sex=m.sex.decode("latin-1").strip("\0"), expiry=text(m.expiry),
               optional1=text(m.optional1), optional2=text(m.optional2), primary_name=text(m.primary_name),
               secondary_name=text(m.secondary_name), number_rule=text(lib.sltd_mrz_rule_name(e.number_rule)),
               checks=checks, problems=problems)


for _v in Verdict:  # the same numbers and names as the library's, or the import fails
    if getattr(lib, "SLTD_VERDICT_" + _v.name) != _v.value or text(lib.sltd_verdict_name(_v.value)) != _v.label:
        raise ImportError(f"sltd: the library's verdict {_v.name} differs from the binding's")
