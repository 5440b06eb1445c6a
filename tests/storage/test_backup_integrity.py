"""What makes a copy count as a verified backup (``storage/backup.integrity_problems``): SQLite's integrity check
and its foreign-key check, on a real file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from trialapp.storage.backup import integrity_problems


def _file(path: Path, dangling: bool) -> Path:
    with sqlite3.connect(path) as con:
        con.executescript(
            "CREATE TABLE patients (id INTEGER PRIMARY KEY, name TEXT);"
            "CREATE TABLE trials (id INTEGER PRIMARY KEY, patient_id INTEGER REFERENCES patients(id));"
            "INSERT INTO patients VALUES (1, 'A');"
            "INSERT INTO trials VALUES (1, 1);"
        )
        if dangling:  # foreign keys are off on this connection: the row goes in, as a damaged file would hold it
            con.execute("INSERT INTO trials VALUES (2, 7)")
    con.close()
    return path


def test_a_sound_file_has_no_problems(tmp_path: Path) -> None:
    assert integrity_problems(_file(tmp_path / "sound.sqlite", dangling=False)) == []


def test_a_row_referring_to_a_missing_row_is_named(tmp_path: Path) -> None:
    assert integrity_problems(_file(tmp_path / "dangling.sqlite", dangling=True)) == [
        "row 2 of trials refers to a missing patients row"
    ]


def test_a_file_that_is_not_a_database_is_refused_in_words(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database at all" * 100)
    problems = integrity_problems(junk)
    assert len(problems) == 1 and problems[0].startswith("not a readable database:")
