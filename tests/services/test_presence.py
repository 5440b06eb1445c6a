"""Who is working on the trial right now (services/presence.py): heartbeats, the 45 s horizon, never audited.

On both backends; two windows are two heartbeats with their own window ids (another process on a SQLite file
opens it read-only and is not shown: the read-only test below).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.helpers import signed_in
from trialapp.services import presence
from trialapp.services.context import Actor, App, open_app
from trialapp.storage.models import AuditEntry

NURSE = Actor("priya.patel", "nurse", "Priya Patel")
PT = Actor("pat.jones", "pt", "Pat Jones")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def ward(request: pytest.FixtureRequest, tmp_path: Path):
    if request.param == "sqlite":
        database = str(tmp_path / "presence.sqlite")
    else:
        database = request.getfixturevalue("postgres_url")
    app = open_app(database)
    yield app
    app.close()


def _audit_rows(app: App) -> int:
    with app.db.read() as s:
        return int(s.execute(select(func.count()).select_from(AuditEntry)).scalar_one())


def test_another_window_on_the_trial_is_named_with_what_it_does_and_where(ward: App) -> None:
    nurse, pt = signed_in(ward, NURSE), signed_in(ward, PT)
    before = _audit_rows(ward)
    presence.heartbeat(ward, nurse, "window-a", "dose check", "T1")
    presence.heartbeat(ward, pt, "window-b", "2 h reassessment, day 1", "T1")
    presence.heartbeat(ward, pt, "window-c", "home", None)
    host = presence.this_computer()
    assert presence.working_now(ward, "T1", besides="window-b") == [f"Nurse Priya Patel — dose check, {host}"]
    assert sorted(presence.working_now(ward, "T1")) == [
        f"Nurse Priya Patel — dose check, {host}",
        f"Physical therapist Pat Jones — 2 h reassessment, day 1, {host}",
    ]
    presence.heartbeat(ward, nurse, "window-a", "reading the trial", "T1")  # the same window, refreshed
    assert presence.working_now(ward, "T1", besides="window-b") == [
        f"Nurse Priya Patel — reading the trial, {host}"
    ]
    assert _audit_rows(ward) == before  # heartbeats are never audited


def test_a_window_not_heard_from_for_45_s_no_longer_counts_and_leaving_is_at_once(ward: App) -> None:
    nurse, pt = signed_in(ward, NURSE), signed_in(ward, PT)
    now = datetime.now(UTC).replace(tzinfo=None)
    presence.heartbeat(
        ward, nurse, "window-a", "dose check", "T1", now=now - timedelta(seconds=presence.STALE_S + 1)
    )
    presence.heartbeat(ward, pt, "window-b", "home", "T1", now=now)
    assert [line.split(" — ")[0] for line in presence.working_now(ward, "T1", now=now)] == [
        "Physical therapist Pat Jones"
    ]
    presence.leave(ward, "window-b")
    assert presence.working_now(ward, "T1", now=now) == []


def test_a_read_only_copy_shows_the_others_but_writes_nothing(tmp_path: Path) -> None:
    database = str(tmp_path / "shared.sqlite")
    writer = open_app(database)
    reader = open_app(database, read_only_if_in_use=True)
    try:
        assert reader.db.read_only
        presence.heartbeat(writer, signed_in(writer, NURSE), "window-a", "dose check", "T1")
        presence.heartbeat(reader, signed_in(writer, PT), "window-b", "home", "T1")  # nothing written
        assert [line.split(" — ")[0] for line in presence.working_now(reader, "T1")] == ["Nurse Priya Patel"]
    finally:
        reader.close()
        writer.close()


def test_only_a_signed_in_user_is_shown(ward: App) -> None:
    from trialapp.services.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        presence.heartbeat(ward, Actor("priya.patel", "nurse", "Priya Patel"), "window-x", "dose check", "T1")
    assert presence.working_now(ward, "T1") == []
