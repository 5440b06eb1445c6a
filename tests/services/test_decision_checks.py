"""R14 at signing, through the service: errors refuse, each warning needs a reason that is kept."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from tests.domain.conftest import Builders
from tests.domain.test_decision_checks import issue_trial
from tests.services.conftest import PASSWORD, Team
from trialapp.domain.records import Patient, TrialDocument
from trialapp.services import decisions, trials
from trialapp.services.errors import InvalidInput
from trialapp.storage import models as m


@pytest.fixture
def issue_trial_id(app, team: Team) -> str:
    doc = TrialDocument(Patient(mrn="R14-1", birth_date=date(2016, 4, 12)), issue_trial(Builders()))
    return trials.import_document(app, team.neuro, doc)


def _sign(app, team: Team, trial_id: str, dose: int, reasons: dict[str, str] | None = None) -> None:
    decisions.sign_decision(
        app,
        team.neuro,
        PASSWORD,
        trial_id,
        outcome="candidate",
        rationale="Clear response to 50 mcg on day 1.",
        initial_daily_dose_mcg=dose,
        warning_reasons=reasons,
    )


def test_1000_against_100_is_refused_whatever_the_reasons(app, team: Team, issue_trial_id: str) -> None:
    reasons = {"differs_from_r6": "x", "reassessment_due": "x", "no_day_review": "x"}
    with pytest.raises(InvalidInput) as refused:
        _sign(app, team, issue_trial_id, 1000, reasons)
    assert "The decision cannot be signed:" in str(refused.value)
    assert "4 × 100 mcg = 400 mcg/day" in str(refused.value)
    assert trials.load_document(app, team.neuro, issue_trial_id).trial.decision is None


def test_warnings_without_reasons_are_refused_and_listed(app, team: Team, issue_trial_id: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        _sign(app, team, issue_trial_id, 300, {"differs_from_r6": "Family prefers a higher start"})
    assert refused.value.problems == (
        "Day 3's 8 h reassessment is still due.",
        "Day 3, the last dosed day, has no saved day review.",
    )


def test_reasons_are_printed_with_the_decision_and_audited(app, team: Team, issue_trial_id: str) -> None:
    reasons = {
        "differs_from_r6": "Dystonia too: the team starts higher",
        "reassessment_due": "Catheter out at 6 h",
        "no_day_review": "Reviewed at the bedside with the family",
    }
    _sign(app, team, issue_trial_id, 300, reasons)
    decision = trials.load_document(app, team.neuro, issue_trial_id).trial.decision
    assert decision is not None and decision.rationale is not None
    assert decision.rationale.startswith(
        "Clear response to 50 mcg on day 1.\n\nSigned despite these warnings"
    )
    assert "Day 3's 8 h reassessment is still due. Reason: Catheter out at 6 h" in decision.rationale
    with app.db.read() as s:
        row = (
            s.execute(
                select(m.AuditEntry)
                .where(m.AuditEntry.action == "sign_decision")
                .order_by(m.AuditEntry.id.desc())
            )
            .scalars()
            .first()
        )
    assert row is not None
    assert row.new_value is not None
    data = json.loads(row.new_value)
    assert [w["code"] for w in data["warnings_acknowledged"]] == [
        "differs_from_r6",
        "reassessment_due",
        "no_day_review",
    ]
