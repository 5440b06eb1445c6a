"""Two laptops on one ward server at the same moment, as real processes (race_worker.py).

Only the server can have two: a SQLite file takes one writing copy at a time (storage/writer_lock.py; tested in
test_crash_safety.py and tests/storage).

The ward server's promise (docs/server.md): every write locks what it judges before reading the facts its
rules need, and the audit chain never forks — so two doses for the same day at the same moment give one dose
and one refusal in words, and concurrent saves and imports are all kept with the chain intact.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import demo_json
from trialapp.domain.muscles import LOWER_MUSCLES, SIDES
from trialapp.domain.records import Assessment, Catheter, MasEntry, Patient, ProtocolSettings
from trialapp.services import assessments, trials, users
from trialapp.services.context import open_app, os_actor

WORKER = Path(__file__).with_name("race_worker.py")
ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "race-test-password"
ROUNDS = int(os.environ.get("TRIALAPP_RACE_ROUNDS", "50"))


pytestmark = pytest.mark.postgres


@pytest.fixture
def database(postgres_url: str) -> str:
    return postgres_url


class Laptop:
    """One worker process; `ask` sends a command and returns its one-line answer."""

    def __init__(self, database: str, name: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(WORKER), database, name],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        ready = self.process.stdout.readline()  # type: ignore[union-attr]
        assert ready.strip(), self.process.stderr.read()  # type: ignore[union-attr]

    def send(self, command: str) -> None:
        self.process.stdin.write(command + "\n")  # type: ignore[union-attr]
        self.process.stdin.flush()  # type: ignore[union-attr]

    def answer(self) -> dict[str, Any]:
        line = self.process.stdout.readline()  # type: ignore[union-attr]
        assert line, self.process.stderr.read()  # type: ignore[union-attr]
        answer: dict[str, Any] = json.loads(line)
        return answer

    def close(self) -> None:
        self.process.stdin.close()  # type: ignore[union-attr]
        self.process.wait(timeout=60)


def add_race_team(database: str) -> None:
    """The physical therapist and the neurosurgeon the laptops sign in as."""
    app = open_app(database)
    try:
        users.add_user(app, os_actor(), "pt.race", "pt", "Pat Race", PASSWORD)
        users.add_user(app, os_actor(), "dr.race", "neurosurgeon", "Dr Race", PASSWORD)
    finally:
        app.close()


@pytest.fixture
def laptops(database: str) -> Iterator[tuple[Laptop, Laptop]]:
    add_race_team(database)
    pair = (Laptop(database, "A"), Laptop(database, "B"))
    yield pair
    for laptop in pair:
        laptop.close()


def _both(pair: tuple[Laptop, Laptop], command: str) -> list[dict[str, Any]]:
    for laptop in pair:
        laptop.send(command)
    return [laptop.answer() for laptop in pair]


def _trials_with_baselines(database: str, count: int) -> list[str]:
    app = open_app(database)
    try:
        pt = users.authenticate(app, "pt.race", PASSWORD)
        mas = tuple(MasEntry(m, s, "2") for m in LOWER_MUSCLES for s in SIDES)
        made = []
        for i in range(count):
            trial_id = trials.start_trial(
                app,
                pt,
                Patient(mrn=f"RACE-{i}", birth_date=date(2015, 1, 1), weight_kg=25.0),
                started_on=date(2026, 3, 2),
                catheter=Catheter(datetime(2026, 3, 2, 7), "catheter"),
                settings=ProtocolSettings(),
            )
            baseline = Assessment(kind="baseline", at=datetime(2026, 3, 2, 8), mas=mas)
            assessments.record_assessment(app, pt, trial_id, 1, baseline)
            made.append(trial_id)
        return made
    finally:
        app.close()


def _doses_and_chain(database: str, trial_ids: list[str]) -> tuple[dict[str, int], bool]:
    from trialapp.services.integrity import check

    app = open_app(database)
    try:
        counts = {}
        for trial_id in trial_ids:
            doc = trials.load_document(app, os_actor(), trial_id)
            counts[trial_id] = sum(len(day.doses) for day in doc.trial.days)
        report = check(app)
        return counts, report.ok
    finally:
        app.close()


def test_two_laptops_giving_the_same_days_dose_at_once_give_it_once(
    database: str, laptops: tuple[Laptop, Laptop]
) -> None:
    trial_ids = _trials_with_baselines(database, ROUNDS)
    outcomes = [_both(laptops, f"dose {trial_id}") for trial_id in trial_ids]
    crashes = [a for round_ in outcomes for a in round_ if "crash" in a]
    assert crashes == []
    for answers in outcomes:
        assert sorted(next(iter(a)) for a in answers) == ["ok", "refused"], answers
        refusal = next(a["refused"] for a in answers if "refused" in a)
        assert "duplicate entry" in refusal and "one screening dose a day" in refusal, refusal
    counts, chain_ok = _doses_and_chain(database, trial_ids)
    assert set(counts.values()) == {1}
    assert chain_ok


def test_concurrent_saves_and_imports_are_all_kept_with_the_chain_intact(
    database: str, laptops: tuple[Laptop, Laptop], tmp_path: Path
) -> None:
    trial_ids = _trials_with_baselines(database, 2)
    acknowledged: list[dict[str, Any]] = []
    for hour in range(10, 22):
        for laptop, trial_id in zip(laptops, trial_ids, strict=True):
            laptop.send(f"assessment {trial_id} {hour}")
        acknowledged += [laptop.answer() for laptop in laptops]
    files = []
    for i in range(6):
        doc = demo_json()
        doc["patient"]["mrn"] = f"RACE-IMPORT-{i}"
        path = tmp_path / f"import-{i}.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        files.append(path)
    for first, second in zip(files[::2], files[1::2], strict=True):
        laptops[0].send(f"import {first}")
        laptops[1].send(f"import {second}")
        acknowledged += [laptop.answer() for laptop in laptops]
    assert [a for a in acknowledged if "ok" not in a] == [], acknowledged
    app = open_app(database)
    try:
        for trial_id in trial_ids:
            doc = trials.load_document(app, os_actor(), trial_id)
            assert len(doc.trial.days[0].assessments) == 1 + 12
        listed = {t.mrn for t in trials.list_trials(app, os_actor())}
        assert {f"RACE-IMPORT-{i}" for i in range(6)} <= listed
    finally:
        app.close()
    assert _doses_and_chain(database, [])[1]
