"""0006_qi_bundle_version: a database with QI procedures upgrades with each procedure pinned to the bundle
version it was being scored against (issue 25 item 1), so no figure changes on upgrade."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from trialapp.domain import qi_bundle
from trialapp.storage import migrate
from trialapp.storage.db import database_url, make_engine

BEFORE = "0005_review_results"


def _insert_version(con: sqlite3.Connection, number: int, start: str) -> None:
    con.execute(
        "INSERT INTO qi_bundle_versions (version, effective_from, content, note, created_by, created_at) "
        "VALUES (?, ?, ?, NULL, 'os:test', '2026-01-01T00:00:00')",
        (number, start, json.dumps(qi_bundle.bundle_to_dict(qi_bundle.example_bundle()))),
    )


def _insert_procedure(con: sqlite3.Connection, public_id: str, surgery: str) -> None:
    con.execute(
        "INSERT INTO qi_procedures (public_id, site, surgery_date, kind, surgeon, created_by, created_at) "
        "VALUES (?, 'North', ?, 'new_implant', 'Dr A', 'os:test', '2026-01-01T00:00:00')",
        (public_id, surgery),
    )


def test_upgrade_pins_each_procedure_to_the_version_in_force_on_its_date(tmp_path: Path) -> None:
    db_path = tmp_path / "old.sqlite"
    url = database_url(db_path)
    engine = make_engine(url)
    migrate.upgrade(engine, url, target=BEFORE)
    engine.dispose()
    con = sqlite3.connect(db_path)
    _insert_version(con, 1, "2026-06-01")  # the first version covers everything before the next one
    _insert_version(con, 2, "2025-10-01")
    _insert_version(con, 3, "2025-10-01")  # same start: the higher version wins
    _insert_version(con, 4, "2026-03-01")
    for public_id, surgery in [
        ("P-EARLY", "2025-01-15"),
        ("P-OCT", "2025-10-01"),
        ("P-FEB", "2026-02-28"),
        ("P-MAR", "2026-03-01"),
    ]:
        _insert_procedure(con, public_id, surgery)
    con.commit()
    con.close()

    engine = make_engine(url)
    migrate.upgrade(engine, url)
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()
    con = sqlite3.connect(db_path)
    pinned = dict(con.execute("SELECT public_id, bundle_version FROM qi_procedures"))
    con.close()
    assert pinned == {"P-EARLY": 1, "P-OCT": 3, "P-FEB": 3, "P-MAR": 4}


def test_upgrade_without_bundle_versions_leaves_the_column_empty(tmp_path: Path) -> None:
    db_path = tmp_path / "old.sqlite"
    url = database_url(db_path)
    engine = make_engine(url)
    migrate.upgrade(engine, url, target=BEFORE)
    migrate.upgrade(engine, url)
    engine.dispose()
    con = sqlite3.connect(db_path)
    columns = [row[1] for row in con.execute("PRAGMA table_info(qi_procedures)")]
    con.close()
    assert "bundle_version" in columns
