"""The record digest's format (record_digest.py's docstring) as a plain formula, against the module's fast path.

Digests already stored in audit trails must keep matching: any change in how a digest is computed would make
`check` name every row of every existing database as edited behind the app's back.
"""

from __future__ import annotations

import hashlib
import random
import sqlite3
import zlib
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from trialapp.storage import record_digest

KEY = bytes(range(32))


def formula(key: bytes, table: str, columns: list[str], values: tuple[object, ...]) -> tuple[str, list[str]]:
    """WHOLE:HINTS as the module's docstring defines it, written the slow, obvious way."""
    present = [(name, repr(value)) for name, value in zip(columns, values, strict=True) if value is not None]
    present.sort(key=lambda pair: pair[0])
    text = "\x1f".join(f"{name}={value}" for name, value in present)
    whole = hashlib.blake2b(f"{table}\x1e{text}".encode(), key=key, digest_size=10).hexdigest()
    hints = "".join(f"{zlib.crc32(value.encode()) & 0xFF:02x}" for _, value in present)
    return f"{whole}:{hints}", [name for name, _ in present]


def random_value(rng: random.Random) -> object:
    return rng.choice(
        [
            None,
            rng.randint(-5, 10**9),
            rng.random() * 100,
            "".join(rng.choice("abc é李\x1f'\"\n") for _ in range(rng.randint(0, 12))),
            date(2026, 1, 1 + rng.randint(0, 27)),
            datetime(2026, 3, 4, rng.randint(0, 23), rng.randint(0, 59)),
            Decimal("1.50"),
            b"\x00\xff",
        ]
    )


def test_digest_equals_the_documented_formula_for_random_rows() -> None:
    rng = random.Random(20261207)
    names = ["id", "zeta", "alpha", "mid", "Beta", "beta_2", "a", "notes"]
    for _ in range(500):
        columns = rng.sample(names, rng.randint(1, len(names)))
        values = tuple(random_value(rng) for _ in columns)
        assert record_digest.digest(KEY, "mas_grades", columns, values) == formula(
            KEY, "mas_grades", columns, values
        )


def test_digest_of_a_row_with_every_column_empty_is_the_table_alone() -> None:
    whole = hashlib.blake2b(b"doses\x1e", key=KEY, digest_size=10).hexdigest()
    assert record_digest.digest(KEY, "doses", ["id", "x"], (None, None)) == (f"{whole}:", [])


def test_the_same_columns_in_another_order_give_the_same_digest() -> None:
    a = record_digest.digest(KEY, "trials", ["id", "b", "a"], (7, "x", 2.5))
    b = record_digest.digest(KEY, "trials", ["a", "id", "b"], (2.5, 7, "x"))
    assert a == b


def _real_table(tmp_path: Path, table: str, rows: list[tuple[object, ...]]) -> tuple[Path, list[str]]:
    path = tmp_path / "rows.sqlite"
    with sqlite3.connect(path) as con:
        con.execute(
            f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, muscle TEXT, grade TEXT, at TEXT, n REAL, b BLOB)"
        )
        con.executemany(f"INSERT INTO {table} (muscle, grade, at, n, b) VALUES (?, ?, ?, ?, ?)", rows)
    return path, ["id", "muscle", "grade", "at", "n", "b"]


def _mismatches(path: Path, table: str, stored: dict[str, str | None]) -> list[record_digest.Mismatch]:
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        found = list(record_digest.mismatches(connection, KEY, table, stored))
    engine.dispose()
    return found


def _formula_of_file(path: Path, table: str, columns: list[str]) -> dict[str, tuple[str, list[str]]]:
    with sqlite3.connect(path) as con:
        return {str(row[0]): formula(KEY, table, columns, row) for row in con.execute(f"SELECT * FROM {table}")}


@pytest.mark.parametrize("table", ["mas_grades", "assessments"])
def test_rows_whose_digest_is_the_formula_match_and_every_other_row_is_named(tmp_path: Path, table: str) -> None:
    rng = random.Random(7)
    def text() -> str | None:
        return rng.choice([None, "".join(rng.choice("ab é李\x1f'\"\n") for _ in range(5))])

    rows: list[tuple[object, ...]] = [
        ("hip adductors", "1+", "2026-12-07T08:40", None, None),
        (None, "0", None, 2.5, b"\x00\xff"),
        ("李", None, "x", -1.0, None),
    ]
    rows += [(text(), text(), text(), rng.choice([None, rng.random() * 100, rng.randint(-5, 10**9)]), None) for _ in range(200)]
    path, columns = _real_table(tmp_path, table, rows)
    truth = _formula_of_file(path, table, columns)
    stored: dict[str, str | None] = {row_id: value for row_id, (value, _) in truth.items()}
    assert _mismatches(path, table, stored) == []  # the fast WHOLE agrees with the formula for every row

    edited, unknown, gone, back = "5", "9", "100000", "12"
    stored[edited] = formula(KEY, table, columns, (5, "edited", None, None, None, None))[0]
    del stored[unknown]
    stored[gone] = truth["1"][0]
    stored[back] = None  # deleted with trialapp, yet there
    found = {m.row_id: m for m in _mismatches(path, table, stored)}
    assert set(found) == {edited, unknown, gone, back}
    assert found[edited] == record_digest.Mismatch(edited, stored[edited], True, *truth[edited])
    assert found[unknown] == record_digest.Mismatch(unknown, None, False, *truth[unknown])
    assert found[gone] == record_digest.Mismatch(gone, truth["1"][0], True, None, [])
    assert found[back] == record_digest.Mismatch(back, None, True, *truth[back])
