# SPDX-License-Identifier: Apache-2.0
"""Fixtures of the Python binding's tests: real databases made through the binding, real key files,
and the installed sltd command line (SLTD_CLI, or `sltd` on PATH) where a test compares with it."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

import sltd

#: the listings every database of these tests holds
FEED = """state,number,type,status,reported,expires,reporting_state,reference
UTO,L898902C3,P,stolen,2024-05-01,2030-12-31,UTO,REF-UTO-1
D,C01X00T47,,lost,2023-01-02,,D,REF-D-2
FRA,X4RTBPFW4,I,revoked,2022-03-04,,FRA,REF-FRA-3
FRA,X4RTBPFW4,P,stolen,2022-03-05,,FRA,REF-FRA-4
GBR,123456789,P,stolen_blank,2021-06-07,,GBR,REF-GBR-5
"""
#: (state, number) of every listed document, as written in FEED
LISTED = [("UTO", "L898902C3"), ("D", "C01X00T47"), ("FRA", "X4RTBPFW4"), ("GBR", "123456789")]

#: a TD3 passport of UTO (ICAO 9303 Part 4 specimen), number L898902C3, listed in FEED
MRZ_LISTED = ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
              "L898902C36UTO7408122F1204159ZE184226B<<<<<10")


def check_digit(field: str) -> str:
    """The ICAO 9303 check digit of a field (weights 7, 3, 1; A-Z 10-35; '<' 0)."""
    total = 0
    for i, ch in enumerate(field):
        v = int(ch) if ch.isdigit() else (ord(ch) - 55 if ch.isalpha() else 0)
        total += v * (7, 3, 1)[i % 3]
    return str(total % 10)


def td3(number: str, state: str = "UTO") -> str:
    """A valid TD3 passport MRZ (two lines) for a document number of at most 9 characters."""
    num = number.ljust(9, "<")
    personal = "ZE184226B".ljust(14, "<")
    parts = [num + check_digit(num), "7408122", "1204159", personal + check_digit(personal)]
    composite = check_digit(parts[0] + parts[1] + parts[2] + parts[3])
    line1 = ("P<" + state.ljust(3, "<") + "ERIKSSON<<ANNA<MARIA").ljust(44, "<")
    line2 = parts[0] + state.ljust(3, "<") + parts[1] + "F" + parts[2] + parts[3] + composite
    return line1 + "\n" + line2


def make_db(where: Path, feed: str = FEED) -> Path:
    """A database at where/db (key where/db.key) holding `feed`."""
    path = where / "db"
    (where / "feed.csv").write_text(feed)
    with sltd.open(path, create=True) as db:
        db.import_feed(where / "feed.csv")
    return path


@pytest.fixture(scope="session")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_db(tmp_path_factory.mktemp("shared"))


@pytest.fixture(scope="session")
def db(db_path: Path):
    """The session's read-only handle (one per process: a second open would be refused)."""
    with sltd.open(db_path) as d:
        yield d


@pytest.fixture(scope="session")
def cli() -> str:
    """The sltd command line the library was built with."""
    exe = os.environ.get("SLTD_CLI") or shutil.which("sltd")
    if not exe:
        pytest.skip("no sltd command line: set SLTD_CLI (CTest does)")
    return exe


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, check=False)
