"""A day still running (RULES.md "Results while a day is still running") on the workspace's screens."""

from __future__ import annotations

from datetime import datetime

from tests.reports.test_family import in_progress_json
from trialapp.interchange.trial_json import parse_trial_document
from trialapp.ui.workspace.state import day_timeline


def test_the_timeline_says_so_far_and_never_not_a_responder() -> None:
    doc = parse_trial_document(in_progress_json())
    model = day_timeline(doc, 2, datetime(2026, 10, 13, 10, 30))
    assert model.response.provisional is True
    assert "not a responder" not in model.response.explanation.lower()
    assert "so far" in model.response.explanation
    assert model.response.explanation.startswith("Results not in yet: peak")
