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


@pytest.mark.parametrize("table", ["mas_grades", "assessments"])
def test_current_rows_of_a_real_file_match_the_formula(tmp_path: Path, table: str) -> None:
    path = tmp_path / "rows.sqlite"
    with sqlite3.connect(path) as con:
        con.execute(
            f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, muscle TEXT, grade TEXT, at TEXT, n REAL)"
        )
        con.executemany(
            f"INSERT INTO {table} (muscle, grade, at, n) VALUES (?, ?, ?, ?)",
            [
                ("hip adductors", "1+", "2026-12-07T08:40", None),
                (None, "0", None, 2.5),
                ("李", None, "x", -1.0),
            ],
        )
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        got = list(record_digest.current_rows(connection, KEY, table))
        raw = connection.exec_driver_sql(f"SELECT * FROM {table}").all()
    engine.dispose()
    columns = ["id", "muscle", "grade", "at", "n"]
    assert got == [(str(row[0]), *formula(KEY, table, columns, tuple(row))) for row in raw]
    assert len(got) == 3
