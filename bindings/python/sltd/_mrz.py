# SPDX-License-Identifier: Apache-2.0
"""Parsing an MRZ without a database."""
from __future__ import annotations

from . import _convert as cv
from ._native import ffi, lib
from ._results import Mrz


def mrz_bytes(text: str) -> bytes:
    """MRZ text as bytes for the library (which reads it with its length: a NUL inside is refused there)."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    return text.encode("utf-8", "surrogatepass")


def parse_mrz(text: str, strict: bool = False) -> Mrz:
    """Parse and check a machine-readable zone (ICAO 9303: TD1, TD2, TD3, MRV-A, MRV-B).

    `text` holds the 2 or 3 lines separated by newlines. Returns an :class:`Mrz` whatever is wrong with
    it: ``valid`` is True only when every field and every check digit is right; ``problems`` lists each
    field that breaks ICAO 9303 with its line and position; ``checks`` each check digit as printed and
    as computed. `strict`: ICAO 9303 only, no national variant of the number's check digit.
    """
    raw = mrz_bytes(text)
    m = ffi.new("sltd_mrz *")
    e = ffi.new("sltd_mrz_evidence *")
    lib.sltdpy_mrz_init(m, e)
    lib.sltd_mrz_parse_ex(m, e, raw, len(raw), lib.SLTD_MRZ_STRICT if strict else 0)
    return cv.mrz(m, e)
