"""The history of a trial and of one record is found through an index, never by reading the whole audit trail
(revision 0009): the trail grows with every row a ward ever wrote, and the decision tab reads a trial's history."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.helpers import query_plans
from tests.services.conftest import Team
from trialapp.services import history


def _plans_of_audit_reads(app: Any, read: Callable[[], object]) -> list[str]:
    """The query plans SQLite gives for each statement ``read`` sends that reads the audit trail."""
    plans = query_plans(app, read, "audit_log")
    assert plans, "the history was not read from the audit trail"
    return plans


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
