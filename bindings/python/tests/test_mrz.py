# SPDX-License-Identifier: Apache-2.0
"""MRZ parsing without a database, and MRZ lookups: listed, clear, unreadable, OCR variant, invalid."""
from __future__ import annotations

import pytest

import sltd
from conftest import MRZ_LISTED, td3

from sltd import Verdict

LINE1 = MRZ_LISTED.split("\n")[0]


def test_parse_valid_td3():
    m = sltd.parse_mrz(MRZ_LISTED)
    assert m.valid and m.kind == "TD3" and m.issuing_state == "UTO" and m.number == "L898902C3"
    assert (m.primary_name, m.secondary_name, m.birth, m.sex) == ("ERIKSSON", "ANNA MARIA", "740812", "F")
    assert m.checks["number"] == sltd.MrzCheck("6", "6", "ok") and m.problems == ()
    assert m.number_rule == "icao"


def test_parse_reports_each_problem_with_its_place():
    bad = LINE1 + "\nL898902C36UTO7413122F1204159ZE184226B<<<<<10"  # month 13 (position 16)
    m = sltd.parse_mrz(bad)
    assert not m.valid
    (p,) = m.problems
    assert (p.field, p.line, p.pos) == ("date of birth", 2, 16) and isinstance(p.error, sltd.InvalidMrz)
    wrong_digit = sltd.parse_mrz(LINE1 + "\nL898902C37UTO7408122F1204159ZE184226B<<<<<10")
    assert not wrong_digit.valid and wrong_digit.checks["number"].status == "bad"
    assert sltd.parse_mrz("nonsense").kind is None


def test_lookup_mrz_listed_and_clear(db):
    r = db.lookup_mrz(MRZ_LISTED)
    assert r.verdict is Verdict.LISTED and r.records[0].reference == "REF-UTO-1" and r.number_checked
    assert td3("L898902C3") == MRZ_LISTED
    clear = db.lookup_mrz(td3("L898902C"))
    assert clear.mrz.number == "L898902C" and clear.verdict is Verdict.CLEAR and clear.listed is False


def test_wrong_check_digit_is_unreadable_never_clear(db):
    r = db.lookup_mrz(LINE1 + "\nL898902C37UTO7408122F1204159ZE184226B<<<<<10")
    assert r.verdict is Verdict.UNREADABLE and isinstance(r.error, sltd.UnreadableMrz)
    with pytest.raises(sltd.UnreadableMrz):
        r.clear


def test_ocr_variant_is_reported_as_variant(db):
    # the listed number L898902C3 read with 8 -> B at position 2: the check digits still fail for the
    # read number, and the variant search finds the listed one
    misread = LINE1 + "\nLB98902C36UTO7408122F1204159ZE184226B<<<<<10"
    plain = db.lookup_mrz(misread)
    assert plain.verdict is Verdict.UNREADABLE
    r = db.lookup_mrz(misread, ocr_variants=True)
    assert r.verdict is Verdict.VARIANT and r.variant_number == "L898902C3" and r.listed is True
    assert r.variant_records[0].reference == "REF-UTO-1" and r.records == ()


def test_invalid_document_is_invalid(db):
    r = db.lookup_mrz("P<UTOERIKSSON\nshort")
    assert r.verdict is Verdict.INVALID and isinstance(r.error, sltd.InvalidMrz)
    assert r.mrz.problems and r.mrz.problems[0].field == "structure"
    with pytest.raises(sltd.InvalidMrz):
        r.listed
