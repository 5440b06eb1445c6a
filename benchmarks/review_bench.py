"""The dose-response review's row of the benchmarks (issue 24: the review of all 25,000 trials opens in
at most 1 s).

The review keeps each trial's results (``review_trials``/``review_days``, migration 0005) and recomputes
only the trials changed since: the first review of a copy computes every trial once (reported as an
informational row), the budgeted row is every review after it. The baseline is a raw ``sqlite3`` read of
the rows the review reads (the kept days and every trial's head), interleaved with it.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

REVIEW_BUDGET_MS = 1000.0


def bench_review(app: Any, db: Path, runs: int, warmup: int) -> list[Any]:
    """[first review (informational), review of every trial (≤ 1 s at p95)]."""
    from benchmarks.run import Result, absolute_result, interleave
    from trialapp.services.context import os_actor
    from trialapp.services.review import run_review

    actor = os_actor()
    started = time.perf_counter()
    first = run_review(app, actor)
    first_ms = (time.perf_counter() - started) * 1000
    raw = sqlite3.connect(f"file:{db}?mode=ro", uri=True)

    def raw_read() -> None:
        raw.execute("SELECT * FROM review_days ORDER BY trial_id, day_number").fetchall()
        raw.execute(
            "SELECT t.id, t.public_id, t.started_on, t.ladder, t.region, p.birth_date, p.gmfcs_level "
            "FROM trials t JOIN patients p ON p.id = t.patient_id ORDER BY t.id"
        ).fetchall()

    try:
        xs, ys = interleave(lambda: run_review(app, actor), raw_read, runs, warmup)
    finally:
        raw.close()
    note = f"{first.review.trials:,} trials, {first.review.days:,} days; first review {first.recomputed:,} computed"
    cold = Result(
        "review, first after a copy (computes every trial once)",
        first_ms,
        first_ms,
        "ms",
        0.0,
        0.0,
        0.0,
        True,
        "absolute",
        informational=True,
    )
    return [
        cold,
        absolute_result("review of every trial (R15), results kept", xs, ys, REVIEW_BUDGET_MS, note=note),
    ]
