"""SIGKILL at random moments while saving: every confirmed save survives, the database stays sound.

CI runs 50 kills; `make test-long` runs 300. The figures of the last long run are in docs/reliability.md.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from trialapp.services import users
from trialapp.services.context import open_app, os_actor
from trialapp.services.integrity import check
from trialapp.storage import models as m

WRITER = Path(__file__).with_name("crash_writer.py")
ROOT = Path(__file__).resolve().parents[2]


def _setup(db_path: Path) -> None:
    app = open_app(db_path)
    try:
        users.add_user(app, os_actor(), "dr.crash", "neurosurgeon", "Dr Crash", "crash-test-password")
        users.add_user(app, os_actor(), "pt.crash", "pt", "Pt Crash", "crash-test-password")
    finally:
        app.close()


def run_kills(db_path: Path, kills: int, seed: int) -> dict[str, set[str]]:
    rng = random.Random(seed)
    confirmed: dict[str, set[str]] = {"trial": set(), "assessment": set(), "dose": set()}
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = 0
    for _ in range(kills):
        child = subprocess.Popen(
            [sys.executable, str(WRITER), str(db_path), str(start)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        # Wait until it is saving (start-up time varies with load), then kill it at a random moment.
        assert child.stdout is not None
        first = child.stdout.readline()
        time.sleep(rng.uniform(0.0, 0.4))
        child.send_signal(signal.SIGKILL)
        out, err = child.communicate()
        assert child.returncode == -signal.SIGKILL, err[-2000:]
        for line in (first + out).splitlines():
            kind, _, ident = line.partition(" ")
            confirmed[kind].add(ident)
        start += 1000
    return confirmed


def verify(db_path: Path, confirmed: dict[str, set[str]]) -> None:
    app = open_app(db_path)
    try:
        report = check(app)
        assert report.ok, report.problems
        with app.db.read() as s:
            trials = set(s.execute(select(m.TrialRow.public_id)).scalars())
            assessments = {str(i) for i in s.execute(select(m.AssessmentRow.id)).scalars()}
            doses = {str(i) for i in s.execute(select(m.DoseRecord.id)).scalars()}
    finally:
        app.close()
    assert confirmed["trial"] <= trials
    assert confirmed["assessment"] <= assessments
    assert confirmed["dose"] <= doses


def test_sigkill_loses_no_confirmed_save(tmp_path: Path) -> None:
    """50 kills in CI; `make test-long` sets TRIALAPP_CRASH_KILLS=300 (figures in docs/reliability.md)."""
    kills = int(os.environ.get("TRIALAPP_CRASH_KILLS", "50"))
    db_path = tmp_path / "crash.sqlite"
    _setup(db_path)
    confirmed = run_kills(db_path, kills=kills, seed=20261122)
    assert len(confirmed["trial"]) >= kills  # every kill landed while the writer was saving
    verify(db_path, confirmed)
    counts = {k: len(v) for k, v in confirmed.items()}
    print(f"\ncrash safety: {kills} kills, confirmed saves {counts}, lost 0")
