"""The history of a trial and of one record is found through an index, never by reading the whole audit trail
(revision 0009): the trail grows with every row a ward ever wrote, and the decision tab reads a trial's history."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import event

from tests.services.conftest import Team
from trialapp.services import history


def _plans_of_audit_reads(app: Any, read: Callable[[], object]) -> list[str]:
    """Run ``read``; the query plans SQLite gives for each statement it sent that reads the audit trail."""
    sent: list[tuple[str, Any]] = []

    def note(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if "audit_log" in statement:
            sent.append((statement, parameters))

    event.listen(app.db.engine, "before_cursor_execute", note)
    try:
        read()
    finally:
        event.remove(app.db.engine, "before_cursor_execute", note)
    assert sent, "the history was not read from the audit trail"
    con = sqlite3.connect(app.db.path)
    try:
        return [
            " | ".join(row[3] for row in con.execute(f"EXPLAIN QUERY PLAN {statement}", parameters))
            for statement, parameters in sent
        ]
    finally:
        con.close()


def test_a_trials_history_reads_the_trail_through_its_indexes(app, team: Team, trial_id: str) -> None:
    plans = _plans_of_audit_reads(app, lambda: history.trial_history(app, team.pt, trial_id))
    assert all("SCAN audit_log" not in plan for plan in plans), plans
    assert any("ix_audit_log_table_row" in plan for plan in plans), plans


@pytest.mark.parametrize("table", ["patients", "settings"])
def test_a_records_history_reads_the_trail_through_its_index(app, team: Team, trial_id: str, table: str) -> None:
    actor = team.admin if table == "settings" else team.pt
    plans = _plans_of_audit_reads(app, lambda: history.record_history(app, actor, table, 1))
    assert all("SCAN audit_log" not in plan for plan in plans), plans
    assert any("ix_audit_log_table_row" in plan for plan in plans), plans
