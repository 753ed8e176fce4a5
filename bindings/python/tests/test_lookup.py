# SPDX-License-Identifier: Apache-2.0
"""Single and batch lookups: verdicts, typed records, freshness, and every kind of bad input refused
or answered INVALID — never CLEAR."""
from __future__ import annotations

import dataclasses
import datetime as dt
import random

import pytest

import sltd
from conftest import LISTED

from sltd import Verdict


def test_listed_document_has_typed_records(db):
    r = db.lookup("UTO", "L898902C3")
    assert r.verdict is Verdict.LISTED and r.listed is True and r.clear is False and r.error is None
    (rec,) = r.records
    assert rec == sltd.Record(status=sltd.Status.STOLEN, type="P", reporting_state="UTO",
                              reported=dt.date(2024, 5, 1), expires=dt.date(2030, 12, 31), reference="REF-UTO-1")
    assert r.freshness == sltd.Freshness(sequence=0, produced=None, expires=None, stale=False)


def test_absent_document_is_clear(db):
    r = db.lookup("UTO", "X1234567")
    assert r.verdict is Verdict.CLEAR and r.listed is False and r.clear is True and r.records == ()


def test_normalisation_and_type_filter(db):
    assert db.lookup("d<<", " c01x-00t47 ").verdict is Verdict.LISTED
    both = db.lookup("FRA", "X4RTBPFW4")
    assert sorted(rec.reference for rec in both.records) == ["REF-FRA-3", "REF-FRA-4"]
    passport = db.lookup("FRA", "X4RTBPFW4", type="P")
    assert [rec.reference for rec in passport.records] == ["REF-FRA-4"]
    assert db.lookup("UTO", "L898902C3", type="V").verdict is Verdict.CLEAR
    assert db.lookup("GBR", "123456789").records[0].status is sltd.Status.STOLEN_BLANK


@pytest.mark.parametrize("state,number,type_,exc", [
    ("DEU", "C01X00T47", None, sltd.InvalidState),
    ("", "C01X00T47", None, sltd.InvalidState),
    ("UTO", "", None, sltd.InvalidNumber),
    ("UTO", "L898902C3!", None, sltd.InvalidNumber),
    ("UTO", "A" * 23, None, sltd.InvalidNumber),
    ("UTO", "L898902C3", "P1", sltd.InvalidType),
    ("UTO", "L898902C3\0X", None, sltd.InputError),
    ("UTO\0", "L898902C3", None, sltd.InputError),
])
def test_bad_input_raises(db, state, number, type_, exc):
    with pytest.raises(exc) as info:
        db.lookup(state, number, type_)
    assert isinstance(info.value, sltd.InputError) and isinstance(info.value, ValueError)
    assert info.value.code < 0 and info.value.name.startswith("SLTD_E")


def test_not_a_string_is_a_type_error(db):
    with pytest.raises(TypeError):
        db.lookup("UTO", 123456789)  # type: ignore[arg-type]


def test_results_are_immutable_and_verdicts_never_falsy(db):
    r = db.lookup("UTO", "L898902C3")
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.verdict = Verdict.CLEAR  # type: ignore[misc]
    for v in Verdict:
        assert bool(v) is True
        assert v != 0 and v != v.value  # not an int: cannot be read as False or a count
    assert Verdict.LISTED.hit and Verdict.VARIANT.hit and not Verdict.CLEAR.hit


def test_lookup_many_matches_lookup(db):
    rng = random.Random(7)
    docs = []
    for i in range(3000):  # three blocks of the batch API
        if i % 97 == 0:
            docs.append(LISTED[i % len(LISTED)])
        else:
            docs.append(("UTO", "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ0123456789") for _ in range(9))))
    many = db.lookup_many(docs)
    assert len(many) == len(docs)
    for d, r in zip(docs, many):
        single = db.lookup(*d)
        assert r.verdict is single.verdict and r.records == single.records
    assert sum(r.verdict is Verdict.LISTED for r in many) == len([i for i in range(3000) if i % 97 == 0])


def test_lookup_many_generator_and_types(db):
    docs = (d for d in [("FRA", "X4RTBPFW4", "P"), ("FRA", "X4RTBPFW4", None), ("UTO", "L898902C3", "V")])
    a, b, c = db.lookup_many(docs)
    assert [rec.reference for rec in a.records] == ["REF-FRA-4"]
    assert len(b.records) == 2
    assert c.verdict is Verdict.CLEAR
    assert db.lookup_many([]) == []


def test_lookup_many_bad_documents_are_invalid_not_clear(db):
    docs = [("UTO", "L898902C3"), ("DEU", "1"), ("UTO", None), ("UTO", "AB\0CD"), (None, "X"),
            ("UTO", 5), ("UTO", ""), ("D", "C01X00T47")]
    res = db.lookup_many(docs)
    assert [r.verdict for r in res] == [Verdict.LISTED] + [Verdict.INVALID] * 6 + [Verdict.LISTED]
    for r in res[1:7]:
        assert isinstance(r.error, sltd.InputError)
        with pytest.raises(sltd.InputError):
            r.listed  # never False for a document that was not checked
    assert isinstance(res[1].error, sltd.InvalidState)


def test_a_nul_shifts_nothing(db):
    """A value holding a NUL inside a block must not move the documents after it onto other values."""
    docs = [("UTO", "X0"), ("UTO", "L8989\x0002C3")] + [LISTED[0]] * 5 + [("UTO", "X1")] * 5
    res = db.lookup_many(docs)
    assert [r.verdict for r in res] == [Verdict.CLEAR, Verdict.INVALID] + [Verdict.LISTED] * 5 + [Verdict.CLEAR] * 5


def test_lookup_many_refuses_mixed_shapes(db):
    with pytest.raises(ValueError):
        db.lookup_many([("UTO", "1"), ("UTO", "2", "P")])


def _blocks_with_bad_values() -> tuple[list, dict[int, Verdict]]:
    """3,000 documents (three blocks of the batch API) with listed ones and bad values in the middle of
    the second block: the verdict each must get."""
    docs: list = [("UTO", f"Z{i:07d}", None) for i in range(3000)]
    want = {i: Verdict.CLEAR for i in range(3000)}
    for i in (5, 1100, 2999):
        docs[i] = LISTED[0] + (None,)
        want[i] = Verdict.LISTED
    bad = {1500: ("UTO", "L8989\x0002C3", None),    # a NUL: never read as two values
           1501: ("UTO", 898902, None),              # not a str
           1502: ("UTO", "L898902C3\udc80", None),  # a lone surrogate: not encodable
           1503: (b"UTO", "L898902C3", None),        # bytes, not str
           1504: ("UTO", "L898902C3", 5),            # a type that is not a str: not "no filter"
           1505: ("UTO", None, None),                # a missing number
           1506: ("UTO", "L898902C3", "P\0V")}      # a NUL in the type
    for i, d in bad.items():
        docs[i] = d
        want[i] = Verdict.INVALID
    docs[1507] = LISTED[0] + ("P",)  # right after them, answered as itself
    want[1507] = Verdict.LISTED
    return docs, want


def test_bad_values_inside_a_later_block(db):
    docs, want = _blocks_with_bad_values()
    res = db.lookup_many(docs)
    assert [r.verdict for r in res] == [want[i] for i in range(len(docs))]
    for i in range(1500, 1507):
        assert isinstance(res[i].error, sltd.InputError)
        with pytest.raises(sltd.InputError):
            res[i].listed
    assert [rec.reference for rec in res[1507].records] == ["REF-UTO-1"]
    # the same from a tuple, from a generator (blocks gathered from an iterator) and with list documents
    for same in (tuple(docs), (d for d in docs), [list(d) for d in docs]):
        assert [r.verdict for r in db.lookup_many(same)] == [want[i] for i in range(len(docs))]


def test_error_names_the_document_in_the_input(db):
    docs = [("UTO", f"Z{i:07d}") for i in range(2100)]
    docs[2050] = ("D", "")
    res = db.lookup_many(docs)
    assert res[2050].verdict is Verdict.INVALID and "2050" in str(res[2050].error)


def test_mixed_shapes_refused_in_any_block(db):
    docs = [("UTO", f"Z{i}") for i in range(2500)]
    for bad in (("UTO", "Z", "P"), ("UTO",), ("UTO", "Z", "P", "X"), "UT", 7):
        mixed = docs[:2100] + [bad] + docs[2100:]
        with pytest.raises((ValueError, TypeError)):
            db.lookup_many(mixed)
        with pytest.raises((ValueError, TypeError)):
            db.lookup_many(iter(mixed))
    for first in (("UTO",), ("UTO", "Z", "P", "X")):
        with pytest.raises(ValueError):
            db.lookup_many([first] + docs)


def test_empty_iterables(db):
    assert db.lookup_many(()) == [] and db.lookup_many(iter([])) == [] and db.lookup_many(d for d in []) == []


def test_a_list_subclass_is_read_for_its_items(db):
    class Odd(list):
        def __getitem__(self, i):  # a subclass's view is not what is looked up: its items are
            return [("UTO", "X")] * 2 if isinstance(i, slice) else ("UTO", "X")

    res = db.lookup_many(Odd([LISTED[0], ("UTO", "Z1")]))
    assert [r.verdict for r in res] == [Verdict.LISTED, Verdict.CLEAR]


def test_pack_refuses_blocks_out_of_range():
    from sltd._pack import pack_columns, pack_rows

    for lo, hi in ((-1, 1), (0, 3), (2, 1)):
        with pytest.raises(IndexError):
            pack_rows([("UTO", "X"), ("UTO", "Y")], lo, hi)
        with pytest.raises(IndexError):
            pack_columns([["UTO", "UTO"], ["X", "Y"]], lo, hi)
    with pytest.raises(TypeError):
        pack_rows(iter([("UTO", "X")]), 0, 1)
    with pytest.raises(ValueError):
        pack_columns([["UTO", "UTO"], ["X"]], 0, 1)
    assert pack_rows([("UTO", "X"), ("UTO", "é")], 0, 2) == (2, "UTO\0X\0UTO\0é\0".encode(), [])


def test_clear_answers_share_one_object(db):
    res = db.lookup_many([("UTO", f"Z{i}") for i in range(100)])
    assert all(r is res[0] for r in res) and res[0].verdict is Verdict.CLEAR
