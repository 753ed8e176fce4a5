#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Generate the synthetic demo data of sltd (standard library only, fixed seed: reproducible).

Writes, next to this script:
  demo-feed.csv       a feed of 5,000 records (4,680 single rows + 3 serial ranges of stolen blanks)
  manifest.csv        1,000 passengers, exactly 5 of them planted hits
  expected-hits.txt   the manifest line numbers of the planted hits (the header is line 1)

Everything is made up: document numbers are random strings of realistic shapes, names are drawn
from lists of common given names and surnames, every reference starts with "DEMO-".
Run: python3 data/gen-demo.py
"""
import csv
import datetime
import os
import random

SEED = 20240601
SINGLE_ROWS = 4680
RANGES = [  # (state, prefix, first, count, width, type)
    ("GBR", "SB", 400100, 200, 7, "P"),
    ("FRA", "VB", 17000, 100, 6, "P"),
    ("ZAF", "BL", 900, 20, 7, "P"),
]
PASSENGERS = 1000
HIT_LINES = [58, 214, 433, 702, 951]  # manifest lines (header = 1) that get a planted hit

# Issuing states, weighted roughly by how often travel documents of that state are reported.
STATES = [
    ("USA", 14), ("GBR", 9), ("D", 7), ("FRA", 7), ("ITA", 5), ("ESP", 5), ("CAN", 4), ("AUS", 3),
    ("NLD", 3), ("BEL", 2), ("CHE", 2), ("SWE", 2), ("POL", 3), ("ROU", 2), ("PRT", 2), ("GRC", 2),
    ("TUR", 3), ("UKR", 3), ("RUS", 2), ("BRA", 3), ("MEX", 2), ("COL", 2), ("ARG", 1), ("IND", 4),
    ("PAK", 2), ("BGD", 1), ("CHN", 3), ("JPN", 1), ("KOR", 1), ("PHL", 2), ("IDN", 1), ("VNM", 1),
    ("THA", 1), ("ZAF", 2), ("NGA", 2), ("KEN", 1), ("EGY", 1), ("MAR", 1), ("DZA", 1), ("IRN", 1),
    ("IRQ", 1), ("SYR", 1), ("AFG", 1), ("ISR", 1), ("NZL", 1), ("IRL", 1), ("AUT", 1), ("CZE", 1),
    ("HUN", 1), ("NOR", 1), ("DNK", 1), ("FIN", 1), ("UTO", 1),
]
STATUSES = [("stolen", 45), ("lost", 40), ("revoked", 8), ("invalid", 4), ("stolen_blank", 3)]
TYPES = [("P", 70), ("ID", 18), ("I", 12)]

DIG = "0123456789"
LET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
GERMAN = "CFGHJKLMNPRTVWXYZ0123456789"  # the alphabet of German document numbers

GIVEN = ["Anna", "Ben", "Carla", "David", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kenji", "Lara",
         "Mateo", "Nadia", "Omar", "Paula", "Quentin", "Rosa", "Sami", "Tomas", "Uma", "Victor", "Wen", "Ximena",
         "Yusuf", "Zoe", "Amir", "Chloe", "Diego", "Emma", "Ivan", "Leila", "Marco", "Nina", "Oskar", "Priya"]
SURNAME = ["Smith", "Garcia", "Muller", "Rossi", "Dubois", "Kowalski", "Silva", "Nguyen", "Kim", "Sato",
           "Okafor", "Haddad", "Novak", "Jensen", "Ivanova", "Costa", "Fischer", "Martin", "Lopez", "Chen",
           "Patel", "Khan", "Yilmaz", "Papadopoulos", "Andersson", "Horvat", "Moreau", "Bianchi", "Schmidt",
           "Murphy", "OBrien", "Takahashi", "Mensah", "Ali", "Cohen", "Virtanen"]


def pick(rng, weighted):
    items, weights = zip(*weighted)
    return rng.choices(items, weights)[0]


def rand(rng, alphabet, n):
    return "".join(rng.choice(alphabet) for _ in range(n))


def doc_number(rng, state, dtype):
    """A random number of a shape that state uses (approximately)."""
    if state == "D":
        return rand(rng, "CFGHJK", 1) + rand(rng, GERMAN, 8) if dtype == "P" else "L" + rand(rng, GERMAN, 8)
    if state in ("USA", "GBR", "AUS", "NZL") and dtype == "P":
        return (rng.choice("NPE") + rand(rng, DIG, 7)) if state in ("AUS", "NZL") else rand(rng, DIG, 9)
    if state == "FRA":
        return rand(rng, DIG, 2) + rand(rng, LET, 2) + rand(rng, DIG, 5)
    if state == "ITA":
        return rand(rng, LET, 2) + rand(rng, DIG, 7)
    if state == "ESP":
        return rand(rng, LET, 3) + rand(rng, DIG, 6)
    if state == "CAN":
        return rand(rng, LET, 2) + rand(rng, DIG, 6)
    if state == "NLD":
        return rand(rng, LET.replace("O", ""), 2) + rand(rng, LET.replace("O", "") + DIG, 6) + rand(rng, DIG, 1)
    shape = rng.random()
    if shape < 0.4:
        return rand(rng, LET, 1) + rand(rng, DIG, 8)
    if shape < 0.7:
        return rand(rng, LET, 2) + rand(rng, DIG, 7)
    return rand(rng, LET + DIG, 9)


def norm(number):
    """The same normalisation as the library: upper-case, spaces, '-', '/', '<' dropped."""
    return "".join(c for c in number.upper() if c not in " -/<")


def day(rng, first, last):
    span = (last - first).days
    return first + datetime.timedelta(days=rng.randrange(span + 1))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    rng = random.Random(SEED)
    listed = set()  # (state, normalised number)
    rows = []

    # ---- the feed: single records ----
    while len(rows) < SINGLE_ROWS:
        state = pick(rng, STATES)
        dtype = pick(rng, TYPES)
        number = doc_number(rng, state, dtype)
        if (state, number) in listed:
            continue
        listed.add((state, number))
        status = pick(rng, STATUSES)
        reported = day(rng, datetime.date(2016, 1, 1), datetime.date(2024, 12, 31))
        expires = ""
        if rng.random() < 0.6:
            expires = (reported + datetime.timedelta(days=365 * rng.randint(3, 10))).isoformat()
        reporting = state if rng.random() < 0.97 else pick(rng, STATES)
        reference = "DEMO-%s-%06d" % (state, len(rows) + 1)
        rows.append({"state": state, "number": number, "number_from": "", "number_to": "", "type": dtype,
                     "status": status, "reported": reported.isoformat(), "expires": expires,
                     "reporting_state": reporting, "reference": reference, "action": "add"})

    # ---- the feed: serial ranges of stolen blank passports ----
    range_rows = []
    for i, (state, prefix, first, count, width, dtype) in enumerate(RANGES):
        lo = "%s%0*d" % (prefix, width, first)
        hi = "%s%0*d" % (prefix, width, first + count - 1)
        for k in range(count):
            listed.add((state, "%s%0*d" % (prefix, width, first + k)))
        row = {"state": state, "number": "", "number_from": lo, "number_to": hi, "type": dtype,
               "status": "stolen_blank", "reported": "2023-%02d-15" % (3 + 4 * i), "expires": "",
               "reporting_state": state, "reference": "DEMO-%s-BLANKS-%d" % (state, i + 1), "action": "add"}
        range_rows.append(row)
    # the ranges go among the other rows, at fixed places
    for pos, row in zip((1200, 2500, 4000), range_rows):
        rows.insert(pos, row)

    columns = ["state", "number", "number_from", "number_to", "type", "status", "reported", "expires",
               "reporting_state", "reference", "action"]
    with open(os.path.join(here, "demo-feed.csv"), "w", newline="") as fp:
        w = csv.DictWriter(fp, fieldnames=columns, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)

    # ---- the manifest ----
    singles = [r for r in rows if r["number"]]
    plant = [
        ("exact copy of a feed record", rng.choice([r for r in singles if r["state"] == "FRA"])),
        ("number in lower case with spaces and dashes", rng.choice([r for r in singles if r["state"] == "D"])),
        ("inside a serial range of stolen blanks", None),
        ("lost passport, issuing state in lower case", rng.choice([r for r in singles if r["status"] == "lost"
                                                                    and r["type"] == "P"])),
        ("identity card", rng.choice([r for r in singles if r["type"] == "ID" and r["state"] != "D"])),
    ]
    hits = {}
    for line, (why, rec) in zip(HIT_LINES, plant):
        if rec is None:
            state, prefix, first, count, width, _ = RANGES[0]
            number = "%s%0*d" % (prefix, width, first + 137)  # not an end of the range
        else:
            state, number = rec["state"], rec["number"]
        if why.startswith("number in lower case"):
            number = "%s-%s %s" % (number[:3].lower(), number[3:6].lower(), number[6:].lower())
        shown_state = state.lower() if "state in lower case" in why else state
        assert (state, norm(number)) in listed
        hits[line] = (shown_state, number, why)

    flights = ["DM%03d" % rng.randint(100, 999) for _ in range(6)]
    manifest = []
    for line in range(2, PASSENGERS + 2):
        name = "%s %s" % (rng.choice(GIVEN), rng.choice(SURNAME))
        flight = rng.choice(flights)
        if line in hits:
            state, number, _ = hits[line]
        else:
            while True:
                state = pick(rng, STATES)
                number = doc_number(rng, state, pick(rng, TYPES))
                if (state, norm(number)) not in listed and all((s, norm(number)) not in listed
                                                               for s, _ in STATES):
                    break
        nationality = state.upper()
        manifest.append({"name": name, "nationality": nationality, "state": state, "number": number,
                         "flight": flight})

    with open(os.path.join(here, "manifest.csv"), "w", newline="") as fp:
        w = csv.DictWriter(fp, fieldnames=["name", "nationality", "state", "number", "flight"],
                           lineterminator="\n")
        w.writeheader()
        w.writerows(manifest)

    with open(os.path.join(here, "expected-hits.txt"), "w") as fp:
        for line in HIT_LINES:
            fp.write("%d\n" % line)

    for line in HIT_LINES:
        state, number, why = hits[line]
        print("manifest.csv:%d: %s %s (%s)" % (line, state, number, why))
    print("demo-feed.csv: %d rows, %d records; manifest.csv: %d passengers, %d planted hits"
          % (len(rows), len(listed), len(manifest), len(hits)))


if __name__ == "__main__":
    main()
