"""Issue 18 item 7: `check` proves the records, the chain's length and the triggers, not only the chain.

Each case edits a real SQLite file behind the app's back with the sqlite3 module, as an attacker or a stray
script would, then runs the service `check` on it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from tests.services.conftest import NOW, PASSWORD, Team, assessment
from trialapp.domain.records import AdverseEvent
from trialapp.services import assessments, decisions, dosing
from trialapp.services.integrity import check

AUDIT_TRIGGERS = (
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'x'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'x'); END",
)


@pytest.fixture
def recorded(app, team: Team, trial_id: str):  # type: ignore[no-untyped-def]
    """A trial with a baseline assessment, a dose, an adverse event and a signed decision."""
    at = datetime(2026, 11, 2, 8, 30)
    assessments.record_assessment(app, team.pt, trial_id, 1, assessment("baseline", at, "2"), now=NOW)
    order = dosing.DoseOrder(trial_id, 1, 50, 50, 1.0, datetime(2026, 11, 2, 9), "catheter", "L1")
    dosing.give_dose(app, team.neuro, PASSWORD, order, dosing.BlindCheck("rn.smith", PASSWORD, 50, 50))
    assessments.record_adverse_event(
        app, team.nurse, trial_id, 1, AdverseEvent(at, "nausea", "mild"), now=NOW
    )
    r14 = decisions.checks_for_decision(app, team.neuro, trial_id, outcome="undecided", initial_daily_dose_mcg=None)
    decisions.sign_decision(
        app,
        team.neuro,
        PASSWORD,
        trial_id,
        outcome="undecided",
        rationale="Waiting",
        initial_daily_dose_mcg=None,
        warning_reasons={c.code: "Test bed: the day is cut short on purpose" for c in r14 if c.level == "warning"},
    )
    report = check(app)
    assert report.ok, report.problems
    return app


def _tamper(db: Path, *statements: str) -> None:
    with sqlite3.connect(db) as con:
        for statement in statements:
            con.execute(statement)


def _without_triggers(*statements: str) -> tuple[str, ...]:
    drop = ("DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete")
    return drop + statements + AUDIT_TRIGGERS


CASES: dict[str, tuple[tuple[str, ...], Callable[[str], bool]]] = {
    "dose 50 to 500": (
        ("UPDATE doses SET dose_mcg = 500",),
        lambda text: "dose" in text and "dose mcg" in text and "changed outside trialapp" in text,
    ),
    "birth date": (
        ("UPDATE patients SET birth_date = '2015-01-01'",),
        lambda text: "patient" in text and "birth date" in text,
    ),
    "decision outcome": (
        ("UPDATE decisions SET outcome = 'responder'",),
        lambda text: "candidacy decision" in text and "outcome" in text,
    ),
    "deleted adverse event": (
        ("DELETE FROM adverse_events",),
        lambda text: "adverse event" in text and "deleted outside trialapp" in text,
    ),
    "every MAS grade": (
        ("UPDATE mas_grades SET grade = '4'",),
        lambda text: "MAS grade" in text and "grade" in text,
    ),
    "a record added": (
        (
            "INSERT INTO adverse_events (day_id, at, kind, severity) "
            "SELECT day_id, at, 'seizure', 'severe' FROM adverse_events",
        ),
        lambda text: "adverse event" in text and "added outside trialapp" in text,
    ),
    "newest audit rows deleted": (
        _without_triggers("DELETE FROM audit_log WHERE id > (SELECT max(id) - 3 FROM audit_log)"),
        lambda text: "newest audit rows were deleted" in text,
    ),
    "every audit row deleted": (
        _without_triggers("DELETE FROM audit_log"),
        lambda text: "newest audit rows were deleted" in text,
    ),
    "append-only triggers dropped": (
        ("DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"),
        lambda text: "audit_log_no_update" in text and "audit_log_no_delete" in text and "trigger" in text,
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_check_reports_edits_behind_the_apps_back(recorded, db_path: Path, case: str) -> None:
    statements, reported = CASES[case]
    _tamper(db_path, *statements)
    report = check(recorded)
    text = "\n".join(report.problems)
    assert not report.ok and reported(text), text


def test_fifty_mas_grades_changed_are_each_counted(app, team: Team, trial_id: str, db_path: Path) -> None:
    for n in range(4):  # 4 assessments: 64 MAS grades
        at = datetime(2026, 11, 2, 8 + n, 30)
        kind = "baseline" if n == 0 else "reassessment"
        assessments.record_assessment(app, team.pt, trial_id, 1, assessment(kind, at, "2"), now=NOW)
    assert check(app).ok
    _tamper(db_path, "UPDATE mas_grades SET grade = '4' WHERE id <= 50")
    text = "\n".join(check(app).problems)
    assert "50 records were changed outside trialapp" in text, text


def test_restoring_an_older_backup_is_no_truncation(recorded, team: Team, trial_id: str, db_path: Path) -> None:
    from trialapp.services.backups import backup_to, restore_backup
    from trialapp.services.context import open_app, os_actor

    copy = db_path.with_name("older.sqlite")
    backup_to(recorded, os_actor(), copy)  # audited after the copy: the copy lacks the newest audit row
    config = recorded.paths.config_dir
    recorded.close()
    restore_backup(copy, db_path, config_dir=config)
    reopened = open_app(db_path)
    try:
        report = check(reopened)
        assert report.ok, report.problems
    finally:
        reopened.close()


def test_a_new_database_at_the_same_path_starts_a_new_witness(recorded, db_path: Path) -> None:
    from trialapp.services.context import open_app

    recorded.close()
    for path in db_path.parent.glob(db_path.name + "*"):
        path.unlink()
    fresh = open_app(db_path)
    try:
        report = check(fresh)
        assert report.ok, report.problems
    finally:
        fresh.close()
