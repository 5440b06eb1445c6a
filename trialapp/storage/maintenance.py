"""Database-level health checks, portable where possible."""

from __future__ import annotations

from sqlalchemy import text

from trialapp.storage.db import Database


def database_problems(db: Database) -> list[str]:
    """Integrity and foreign-key problems, as sentences (SQLite: PRAGMA checks; other engines: none)."""
    if db.engine.dialect.name != "sqlite":
        return []
    problems: list[str] = []
    with db.engine.connect() as conn:
        rows = [r[0] for r in conn.execute(text("PRAGMA integrity_check")).fetchall()]
        if rows != ["ok"]:
            problems.extend(f"integrity check: {r}" for r in rows[:20])
        for table, rowid, parent, _fk in conn.execute(text("PRAGMA foreign_key_check")).fetchall():
            problems.append(f"row {rowid} of {table} refers to a {parent} row that does not exist")
    return problems
