"""`check` on a ward database in use: another laptop (a real process) saves assessments while the checks run.
Nothing the app wrote may be reported as changed, added or deleted outside it: the audit trail, its witness and
the record digests must be read as one consistent state."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from tests.reliability.test_concurrent_laptops import Laptop, _trials_with_baselines, add_race_team
from trialapp.services.context import open_app
from trialapp.services.integrity import check


def test_check_while_another_process_saves_finds_nothing_wrong(db_path: Path) -> None:
    database = str(db_path)
    add_race_team(database)
    (trial_id,) = _trials_with_baselines(database, 1)
    laptop = Laptop(database, "A")
    checker = open_app(database, read_only_if_in_use=True)
    answers: list[dict[str, object]] = []
    reader = threading.Thread(target=lambda: answers.extend(laptop.answer() for _ in range(12)), daemon=True)
    reports = []
    try:
        for hour in range(10, 22):
            laptop.send(f"assessment {trial_id} {hour}")
        reader.start()
        deadline = time.monotonic() + 120
        while reader.is_alive() and time.monotonic() < deadline:
            reports.append(check(checker))  # each save commits between, before or during these
        reader.join(timeout=5)
        reports.append(check(checker))
    finally:
        checker.close()
        laptop.close()
    assert len(answers) == 12 and all("ok" in a for a in answers), answers
    assert len(reports) > 1  # checks ran while the saves were being made
    problems = [p for r in reports for p in r.problems]
    assert problems == [], problems[:5]
