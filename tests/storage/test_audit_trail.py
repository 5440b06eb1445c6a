from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from trialapp.services import users
from trialapp.services.context import open_app, os_actor
from trialapp.services.integrity import check
from trialapp.storage.audit import GENESIS, load_or_create_key, verify_chain


def _some_rows(app, n: int = 3) -> None:
    for i in range(n):
        users.add_user(app, os_actor(), f"user{i}", "pt", f"User {i}", "long-enough-password")


def test_chain_verifies_and_head_is_last_hash(app) -> None:
    _some_rows(app)
    with app.db.read() as s:
        report = verify_chain(s, app.audit_key)
    assert report.ok and report.rows == 3
    con = sqlite3.connect(app.db.path)
    last = con.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()[0]
    con.close()
    assert report.head == last != GENESIS


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET actor = 'os:mallory'", "DELETE FROM audit_log"])
def test_triggers_refuse_update_and_delete(app, statement: str) -> None:
    _some_rows(app, 1)
    con = sqlite3.connect(app.db.path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute(statement)
    con.close()


def _tamper(path: Path, sql: str) -> None:
    con = sqlite3.connect(path)
    con.execute("DROP TRIGGER audit_log_no_update")
    con.execute("DROP TRIGGER audit_log_no_delete")
    con.execute(sql)
    con.commit()
    con.close()


def test_check_names_the_first_edited_row(app, db_path: Path) -> None:
    _some_rows(app, 4)
    app.close()
    _tamper(db_path, "UPDATE audit_log SET new_value = replace(new_value, 'pt', 'admin') WHERE id = 2")
    reopened = open_app(db_path)
    try:
        report = check(reopened)
    finally:
        reopened.close()
    assert not report.ok
    assert report.first_bad_audit_row == 2
    assert "row 2" in report.problems[0]


def test_check_detects_a_deleted_row(app, db_path: Path) -> None:
    _some_rows(app, 4)
    app.close()
    _tamper(db_path, "DELETE FROM audit_log WHERE id = 3")
    reopened = open_app(db_path)
    try:
        report = check(reopened)
    finally:
        reopened.close()
    assert not report.ok and report.first_bad_audit_row == 4


def test_rewritten_chain_without_the_key_is_detected(app, db_path: Path, isolated_home: Path) -> None:
    """Recomputing hashes with plain SHA-256 (no key) does not verify: the chain is keyed."""
    import hashlib

    _some_rows(app, 2)
    app.close()
    con = sqlite3.connect(db_path)
    con.execute("DROP TRIGGER audit_log_no_update")
    rows = con.execute("SELECT id, prev_hash FROM audit_log ORDER BY id").fetchall()
    prev = rows[0][1]
    for row_id, _ in rows:
        fake = hashlib.sha256(f"{prev}{row_id}".encode()).hexdigest()
        con.execute("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?", (prev, fake, row_id))
        prev = fake
    con.commit()
    con.close()
    reopened = open_app(db_path)
    try:
        assert not check(reopened).ok
    finally:
        reopened.close()


def test_key_is_created_once_and_reused(tmp_path: Path) -> None:
    first = load_or_create_key(tmp_path / "cfg")
    second = load_or_create_key(tmp_path / "cfg")
    assert first.secret == second.secret and len(first.secret) == 32
    assert (tmp_path / "cfg" / "audit-chain.key").stat().st_mode & 0o077 == 0


def test_a_foreign_key_is_refused_with_a_way_forward(app, db_path: Path, monkeypatch, tmp_path: Path) -> None:
    from trialapp.storage.audit import AuditKeyMismatch

    _some_rows(app, 1)
    app.close()
    monkeypatch.setenv("TRIALAPP_HOME", str(tmp_path / "other-laptop"))
    other = open_app(db_path)
    try:
        with pytest.raises(AuditKeyMismatch, match="trialapp key import FILE --replace"):
            users.add_user(other, os_actor(), "late", "pt", "Late User", "long-enough-password")
        assert not check(other).ok
    finally:
        other.close()


def test_append_writes_the_row_record_writes_on_the_same_chain(app) -> None:
    """``append`` (Core) and ``record`` (in an ORM session) give the same content, in one chain."""
    from sqlalchemy import select

    from trialapp.storage.models import AuditEntry

    fields = dict(actor="user:pt.x", action="insert", table="assessments", row_id=7, trial_id=3)
    new = {"day": 1, "kind": "reassessment", "mas": 16, "alerts": []}
    with app.db.write() as s:
        app.audit.append(s.connection(), **fields, new=new)
        app.audit.record(s, **fields, new=new)
        app.audit.append(s.connection(), **fields, new=new, reason="why")
    with app.db.read() as s:
        rows = s.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
        report = verify_chain(s, app.audit_key)
    assert report.ok and report.rows == 3
    content = [
        (r.actor, r.action, r.table_name, r.row_id, r.field, r.old_value, r.new_value, r.trial_id)
        for r in rows
    ]
    assert content[0] == content[1] == content[2]
    assert rows[0].new_value == '{"alerts": [], "day": 1, "kind": "reassessment", "mas": 16}'
    assert [r.reason for r in rows] == [None, None, "why"]
    assert (
        rows[0].prev_hash == GENESIS
        and rows[1].prev_hash == rows[0].hash
        and rows[2].prev_hash == rows[1].hash
    )


def test_append_refuses_a_foreign_key_and_writes_nothing(
    app, db_path: Path, monkeypatch, tmp_path: Path
) -> None:
    from trialapp.storage.audit import AuditKeyMismatch

    _some_rows(app, 1)
    app.close()
    monkeypatch.setenv("TRIALAPP_HOME", str(tmp_path / "other-laptop"))
    other = open_app(db_path)
    try:
        with pytest.raises(AuditKeyMismatch, match="trialapp key import FILE --replace"), other.db.write_connection() as conn:
            other.audit.append(conn, actor="os:x", action="insert")
    finally:
        other.close()
    con = sqlite3.connect(db_path)
    assert con.execute("SELECT count(*) FROM audit_log").fetchone()[0] == 1
    con.close()
