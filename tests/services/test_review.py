"""The review service (R15): roles, the demo figures from the database, and the per-trial cache."""

from __future__ import annotations

from datetime import datetime

import pytest

from trialapp.domain.records import AdverseEvent
from trialapp.domain.review import ReviewFilter, review_to_json
from trialapp.services import assessments, review, users
from trialapp.services.context import Actor, open_app, os_actor
from trialapp.services.demo import load_demo
from trialapp.services.errors import PermissionDenied
from trialapp.storage.review_models import ReviewDayRow, ReviewTrialRow


@pytest.fixture
def demo(app):  # type: ignore[no-untyped-def]
    result = load_demo(app, os_actor())
    return {name: trial_id for name, trial_id, _new in result.trials}


def _user(app, username: str) -> Actor:  # type: ignore[no-untyped-def]
    password = {"demo.neuro": "demo-neuro-2026", "demo.pt": "demo-pt-2026", "demo.nurse": "demo-nurse-2026",
                "demo.qi": "demo-qi-2026", "demo.admin": "demo-admin-2026"}[username]
    return users.authenticate(app, username, password)


def test_demo_review_from_the_database(app, demo) -> None:  # type: ignore[no-untyped-def]
    """The same figures as the domain test worked by hand (tests/domain/test_review.py)."""
    out = review_to_json(review.review(app, _user(app, "demo.neuro")))
    assert (out["trials"], out["days"]) == (3, 9)
    assert [(d["dose_mcg"], d["days"], d["responders"], d["ci95"]) for d in out["by_dose"]] == [
        (25, 2, 0, [0.0, 0.6576]),
        (50, 3, 1, [0.0615, 0.7923]),
        (75, 3, 2, [0.2077, 0.9385]),
        (100, 1, 0, [0.0, 0.7935]),
    ]
    assert out["first_responsive_dose"] == {"25": 0, "50": 1, "75": 1, "100": 0, "none": 1}
    assert out["pump_dose_vs_r6"] == {"agree": 2, "within_25pct": 0, "differ": 0, "no_recommendation": 0}
    trial_ids = {p.trial_id for p in review.review(app, _user(app, "demo.neuro")).points}
    assert trial_ids == set(demo.values())


@pytest.mark.parametrize("username", ["demo.neuro", "demo.qi", "demo.admin"])
def test_allowed_roles(app, demo, username) -> None:  # type: ignore[no-untyped-def]
    assert review.review(app, _user(app, username)).trials == 3


@pytest.mark.parametrize("username", ["demo.pt", "demo.nurse"])
def test_refused_roles(app, demo, username) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied, match="may not view the dose-response review across trials"):
        review.review(app, _user(app, username))


def test_results_are_kept_and_recomputed_after_a_write(app, demo) -> None:  # type: ignore[no-untyped-def]
    neuro = _user(app, "demo.neuro")
    first = review.run_review(app, neuro)
    assert (first.recomputed, first.cached) == (3, True)
    with app.db.read() as s:
        assert s.query(ReviewTrialRow).count() == 3
        assert s.query(ReviewDayRow).count() == 9
    assert review.run_review(app, neuro).recomputed == 0
    # A seizure on the responder's day 2 (75 mcg) is significant (R5): that trial alone is recomputed.
    assessments.record_adverse_event(
        app, _user(app, "demo.nurse"), demo["demo_responder.json"], 2,
        AdverseEvent(datetime(2026, 11, 3, 12, 0), "seizure", "mild"), now=datetime(2026, 11, 20, 12, 0),
    )
    again = review.run_review(app, neuro)
    assert again.recomputed == 1
    ae = {row.dose_mcg: row.with_significant_ae for row in again.review.significant_ae_by_dose}
    assert ae == {25: 0, 50: 1, 75: 1, 100: 0}
    assert again.review == review.run_review(app, neuro).review  # cached figures equal fresh ones


def test_read_only_copy_computes_without_keeping(app, demo, db_path) -> None:  # type: ignore[no-untyped-def]
    app.close()
    reader = open_app(db_path, read_only=True)
    try:
        run = review.run_review(reader, os_actor())
        assert (run.review.trials, run.recomputed, run.cached) == (3, 3, False)
        assert review.run_review(reader, os_actor()).recomputed == 3
    finally:
        reader.close()


def test_filters_reach_the_service(app, demo) -> None:  # type: ignore[no-untyped-def]
    small = review.review(app, os_actor(), ReviewFilter(ladder="small_child"))
    assert (small.trials, small.days) == (1, 3)
