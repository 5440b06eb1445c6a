"""Issue 18 item 11: services take the role and the enabled state from the database, never from the Actor."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from tests.services.conftest import PASSWORD, Team
from trialapp.services import decisions, trials, users
from trialapp.services.context import Actor, os_actor
from trialapp.services.errors import PermissionDenied


def _sign(app, actor: Actor, trial_id: str) -> None:  # type: ignore[no-untyped-def]
    decisions.sign_decision(
        app, actor, PASSWORD, trial_id, outcome="undecided", rationale="Waiting", initial_daily_dose_mcg=None
    )


def test_a_forged_actor_is_refused(app, team: Team, trial_id: str) -> None:
    forged = Actor(
        username="rn.smith", role="neurosurgeon", full_name="Rita Smith", user_id=team.nurse.user_id
    )
    with pytest.raises(PermissionDenied) as info:
        _sign(app, forged, trial_id)
    assert "Sign in under your own name" in str(info.value)
    # A signed-in nurse's actor with its role changed in memory: the database says nurse.
    with pytest.raises(PermissionDenied) as info:
        _sign(app, replace(team.nurse, role="neurosurgeon"), trial_id)
    assert "A nurse may not sign the candidacy decision" in str(info.value)
    # A forged command-line actor may not administer either.
    with pytest.raises(PermissionDenied):
        users.add_user(app, Actor("mallory", "system"), "new.admin", "admin", "New Admin", PASSWORD)
    assert trials.load_document(app, team.neuro, trial_id).trial.decision is None


def test_a_user_disabled_mid_session_can_no_longer_save_or_read(app, team: Team, trial_id: str) -> None:
    users.set_active(app, os_actor(), "dr.lee", False)
    with pytest.raises(PermissionDenied) as info:
        _sign(app, team.neuro, trial_id)
    assert "The account 'dr.lee' is disabled" in str(info.value)
    with pytest.raises(PermissionDenied):
        trials.load_document(app, team.neuro, trial_id)
    users.set_active(app, os_actor(), "dr.lee", True)
    _sign(app, team.neuro, trial_id)


def test_a_role_changed_in_the_database_holds_at_once(app, team: Team, trial_id: str) -> None:
    from sqlalchemy import text

    with app.db.write() as s:  # an admin demoted the surgeon (no service for it yet): the database decides
        s.execute(text("UPDATE users SET role = 'nurse' WHERE username = 'dr.lee'"))
    with pytest.raises(PermissionDenied) as info:
        _sign(app, team.neuro, trial_id)
    assert "A nurse may not sign" in str(info.value)


def test_the_command_line_actor_still_administers(app) -> None:
    users.add_user(app, os_actor(), "first.admin", "admin", "First Admin", PASSWORD)
    assert [u.username for u in users.list_users(app)] == ["first.admin"]


def test_a_check_within_a_write_reads_the_role_in_that_very_transaction(app, team: Team) -> None:
    from sqlalchemy import text

    from trialapp.services.permissions import require

    with app.db.write_connection() as conn:
        conn.execute(text("UPDATE users SET active = 0 WHERE username = 'pt.jones'"))
        # Another connection would still read the committed 'active'; the write's own transaction reads its change.
        with pytest.raises(PermissionDenied) as info:
            require(team.pt, "record_assessment", within=conn)
        conn.rollback()
    assert "The account 'pt.jones' is disabled" in str(info.value)
    require(team.pt, "record_assessment")  # the rollback left the account as it was


def test_a_connection_to_another_database_is_not_used_for_the_check(app, team: Team, tmp_path) -> None:
    from trialapp.services.context import open_app
    from trialapp.services.permissions import require

    other = open_app(tmp_path / "other.sqlite")  # no users at all: reading the role there would refuse
    try:
        with other.db.engine.connect() as conn:
            require(team.pt, "record_assessment", within=conn)
    finally:
        other.close()


def test_a_disabled_user_cannot_save_an_assessment_and_nothing_is_written(
    app, team: Team, trial_id: str
) -> None:
    from sqlalchemy import text

    from tests.services.conftest import NOW, assessment
    from trialapp.services import assessments

    def count() -> int:
        with app.db.read() as s:
            return int(s.execute(text("SELECT count(*) FROM assessments")).scalar_one())

    before = count()
    users.set_active(app, os_actor(), "pt.jones", False)
    at = datetime(2026, 11, 2, 8, 30)
    with pytest.raises(PermissionDenied):
        assessments.record_assessment(app, team.pt, trial_id, 1, assessment("baseline", at, "2"), now=NOW)
    assert count() == before
