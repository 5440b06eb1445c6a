"""Live screens (services/live.py, storage/change_feed.py): a window hears of another connection's save.

On both backends: the embedded SQLite file (polling the audit chain's head) and the ward server (LISTEN/NOTIFY).
The feed is polled by hand here; tests/reliability/test_live_across_processes.py uses two real processes.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest

from tests.helpers import signed_in
from trialapp.domain.muscles import LOWER_MUSCLES, SIDES
from trialapp.domain.records import Assessment, Catheter, MasEntry, Patient, ProtocolSettings
from trialapp.services import assessments, trials
from trialapp.services.context import Actor, App, open_app
from trialapp.services.live import SERVER_UNREACHABLE, LiveFeed, ServerUnreachable

PT = Actor("priya.patel", "pt", "Priya Patel")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "live.sqlite")
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def ward(database: str) -> Iterator[App]:
    app = open_app(database)
    yield app
    app.close()


def _start(app: App, mrn: str = "LIVE-1") -> str:
    return trials.start_trial(
        app,
        signed_in(app, PT),
        Patient(mrn=mrn, birth_date=date(2015, 1, 1), weight_kg=25.0),
        started_on=date(2026, 3, 2),
        catheter=Catheter(datetime(2026, 3, 2, 7), "catheter"),
        settings=ProtocolSettings(),
    )


def _baseline(app: App, trial_id: str) -> None:
    mas = tuple(MasEntry(m, s, "2") for m in LOWER_MUSCLES for s in SIDES)
    baseline = Assessment(kind="baseline", at=datetime(2026, 3, 2, 8), mas=mas)
    assessments.record_assessment(app, signed_in(app, PT), trial_id, 1, baseline)


def test_nothing_new_is_nothing(ward: App) -> None:
    _start(ward)
    feed = LiveFeed(ward)
    try:
        assert feed.poll() is None
        assert feed.poll() is None
    finally:
        feed.close()


def test_a_save_is_heard_once_with_who_and_what(ward: App) -> None:
    trial_id = _start(ward)
    feed = LiveFeed(ward)
    try:
        _baseline(ward, trial_id)
        change = feed.poll()
        assert change is not None
        assert change.trial_ids == {trial_id}
        (save,) = [s for s in change.saves if s.kind == "assessment"]
        assert save.who == "Physical therapist Priya Patel"
        assert save.day == 1 and save.assessment_kind == "baseline"
        assert save.sentence() == (
            "Physical therapist Priya Patel saved the baseline assessment for day 1 a moment ago — your entry "
            "is kept; review and save again."
        )
        assert feed.poll() is None  # heard once
    finally:
        feed.close()


def test_a_new_trial_is_heard_from_a_second_connection(database: str, ward: App) -> None:
    """The feed on one App hears a save made through another App on the same database (another engine)."""
    _start(ward)
    other = open_app(database, read_only_if_in_use=True)
    feed = LiveFeed(other)
    try:
        trial_id = _start(ward, "LIVE-2")
        change = feed.poll()
        assert change is not None and trial_id in change.trial_ids
    finally:
        feed.close()
        other.close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.postgres
def test_a_server_that_goes_away_is_said_in_words_and_the_feed_comes_back(postgres_url: str) -> None:
    import psycopg

    app = open_app(postgres_url)
    trial_id = _start(app)
    feed = LiveFeed(app)
    try:
        assert feed.poll() is None
        # The server drops every other connection (as a restart does): the listener is lost.
        admin = postgres_url.replace("postgresql+psycopg://", "postgresql://", 1)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        with pytest.raises(ServerUnreachable) as lost:
            for _ in range(50):  # the socket reports the loss on the next read
                feed.poll()
        assert str(lost.value) == SERVER_UNREACHABLE
        _baseline(app, trial_id)  # the pool reconnects (pre-ping)
        change = feed.poll()  # so does the listener, and it reads the head it may have missed
        assert change is not None and trial_id in change.trial_ids
    finally:
        feed.close()
        app.close()


@pytest.mark.postgres
def test_an_unreachable_server_refuses_reads_and_saves_in_words(postgres_url: str) -> None:
    from sqlalchemy.engine import make_url

    from trialapp.storage.db import Database, make_engine

    app = open_app(postgres_url)
    app.close()
    down = make_url(postgres_url).set(port=_closed_port()).render_as_string(hide_password=False)
    database = Database(down, make_engine(down))
    try:
        with pytest.raises(ServerUnreachable) as read, database.read() as session:
            session.execute(__import__("sqlalchemy").text("SELECT 1"))
        assert str(read.value) == SERVER_UNREACHABLE
        with pytest.raises(ServerUnreachable) as save, database.write():
            pass
        assert str(save.value).startswith("The server cannot be reached, so nothing was saved.")
        assert "***" not in str(save.value) and "@" not in str(save.value)
    finally:
        database.dispose()
