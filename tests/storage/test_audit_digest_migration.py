"""Revision 0007_audit_digest on a fixture database of the revision before it: the old chain still verifies, the
append-only triggers survive, and from the next save on every clinical record is proved (issue 18 §7)."""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import replace
from pathlib import Path

from trialapp.interchange.trial_json import load_trial_document
from trialapp.services import users
from trialapp.services.context import open_app, os_actor
from trialapp.services.demo import demo_files, demo_text
from trialapp.services.integrity import check
from trialapp.services.trials import import_document
from trialapp.storage import migrate, record_digest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
BEFORE = "0006_qi_bundle_version"



def _database_before(tmp_path: Path, isolated_home: Path) -> Path:
    """A copy of the fixture of the revision before 0007, with the audit key that signed it."""
    db_path = tmp_path / "old.sqlite"
    shutil.copy(FIXTURES / f"schema-{BEFORE}.sqlite", db_path)
    shutil.copytree(FIXTURES / f"schema-{BEFORE}-config", isolated_home / "config")
    return db_path

def test_the_audit_digest_revision_keeps_the_chain_and_proves_records_from_the_next_save(
    tmp_path: Path, isolated_home: Path
) -> None:
    db_path = _database_before(tmp_path, isolated_home)
    app = open_app(db_path)
    try:
        assert migrate.current_revision(app.db.engine) == migrate.head_revision()  # 0007 and every later one
        report = check(app)
        assert report.ok, report.problems  # rows written before 0007 hash as they did; the triggers are there
        # The opening after the upgrade wrote the digests of every clinical record the database holds, in rows
        # of their own: the first save does not (it would make the user wait for the whole database).
        with sqlite3.connect(db_path) as con:
            first = con.execute(
                "SELECT count(*), min(actor), max(actor) FROM audit_log WHERE record_digests IS NOT NULL"
            ).fetchone()
            last_id = con.execute("SELECT max(id) FROM audit_log").fetchone()[0]
        assert first[0] >= 1 and first[1] == first[2] == "trialapp", first
        users.add_user(app, os_actor(), "first.admin", "admin", "First Admin", "correct-horse-battery")
        doc = load_trial_document(demo_text(demo_files()[0]))
        import_document(app, os_actor(), replace(doc, patient=replace(doc.patient, mrn="NEW-0005")))
        assert check(app).ok
        with sqlite3.connect(db_path) as con:
            later = con.execute(
                "SELECT count(*) FROM audit_log WHERE id > ? AND action = 'record_digests'", (last_id,)
            ).fetchone()[0]
        assert later == 0  # the import's own audit row carries its rows' digests; nothing digested again
        # A record written before the upgrade is proved too: its dose edited behind the app's back is found.
        with sqlite3.connect(db_path) as con:
            con.execute("UPDATE doses SET dose_mcg = dose_mcg * 10 WHERE id = (SELECT min(id) FROM doses)")
        problems = check(app).problems
        assert any("dose" in p and "dose mcg" in p for p in problems), problems
    finally:
        app.close()


def _digest_rows(db_path: Path) -> int:
    with sqlite3.connect(db_path) as con:
        return int(con.execute("SELECT count(*) FROM audit_log WHERE record_digests IS NOT NULL").fetchone()[0])


def test_the_first_digests_are_written_once_at_the_opening_and_prove_records_before_any_save(
    tmp_path: Path, isolated_home: Path
) -> None:
    db_path = _database_before(tmp_path, isolated_home)
    open_app(db_path).close()  # upgraded: the column of the digests is added, then they are written
    written = _digest_rows(db_path)
    assert written >= 1
    open_app(db_path).close()
    assert _digest_rows(db_path) == written  # once: the next openings find them
    with sqlite3.connect(db_path) as con:  # a dose edited behind the app's back, before any save
        con.execute("UPDATE doses SET dose_mcg = dose_mcg * 10 WHERE id = (SELECT min(id) FROM doses)")
    app = open_app(db_path)
    try:
        problems = check(app).problems
    finally:
        app.close()
    assert any("dose" in p and "dose mcg" in p for p in problems), problems


def test_an_empty_database_gets_no_first_digests_at_the_opening(tmp_path: Path, isolated_home: Path) -> None:
    db_path = tmp_path / "new.sqlite"
    open_app(db_path).close()
    open_app(db_path).close()
    assert _digest_rows(db_path) == 0
def test_the_first_digests_of_a_database_go_in_portions_and_prove_every_record(
    tmp_path: Path, isolated_home: Path, monkeypatch
) -> None:
    """The first digests are written portion by portion as they are computed (a database of two million rows
    must not hold them all at once): every portion is chained in order and proves its records."""
    monkeypatch.setattr(record_digest, "PORTION", 7)
    db_path = _database_before(tmp_path, isolated_home)
    app = open_app(db_path)
    try:
        with sqlite3.connect(db_path) as con:
            rows = sum(
                con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in record_digest.CLINICAL_TABLES
                if con.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (table,)).fetchone()
            )
        doc = load_trial_document(demo_text(demo_files()[0]))
        import_document(app, os_actor(), replace(doc, patient=replace(doc.patient, mrn="NEW-0006")))
        with sqlite3.connect(db_path) as con:
            portions = con.execute(
                "SELECT count(*) FROM audit_log WHERE record_digests IS NOT NULL"
            ).fetchone()[0]
        assert rows > 3 * 7 and portions >= rows // 7  # several portions, each in a row of its own
        assert check(app).ok
        with sqlite3.connect(db_path) as con:  # a record of an earlier portion, edited behind the app's back
            con.execute("UPDATE doses SET dose_mcg = dose_mcg * 10 WHERE id = (SELECT min(id) FROM doses)")
        problems = check(app).problems
        assert any("dose" in p and "dose mcg" in p for p in problems), problems
    finally:
        app.close()
