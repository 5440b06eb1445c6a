"""R14: the checks when the candidacy decision is signed (RULES.md revision 2)."""

from __future__ import annotations

from tests.domain.conftest import Builders
from trialapp.domain.decision_checks import (
    REASONS_HEADING,
    decision_checks,
    missing_reasons,
    rationale_with_reasons,
)
from trialapp.domain.records import Trial
from trialapp.domain.summary import summarize_trial


def issue_trial(build: Builders) -> Trial:
    """Issue 17 §5: day 1 at 50 mcg responded (peak 1.0 at 4 h, R6 = 2 × 50 = 100 mcg/day); days 2 and 3
    went on to 75 and 100 mcg; day 3 has its 1-6 h reassessments but not the 8 h one, and no day review."""
    some = build.mas(["1"] * 8 + ["2"] * 8)
    day1 = build.closed(build.day(1, 50, build.uniform("2"), {1: some, 4: build.uniform("1"), 8: some}))
    day2 = build.closed(build.day(2, 75, build.uniform("2"), {h: some for h in (1, 2, 4, 6, 8)}))
    day3 = build.day(3, 100, build.uniform("2"), {h: some for h in (1, 2, 4, 6)})
    return build.trial([day1, day2, day3])


def _codes(checks) -> list[tuple[str, str]]:
    return [(c.level, c.code) for c in checks]


def test_the_issue_case_warns_four_times_and_refuses_1000(build: Builders) -> None:
    trial = issue_trial(build)
    summary = summarize_trial(trial)
    assert summary.recommendation.recommended_daily_dose_mcg == 100
    checks = decision_checks(trial, summary, outcome="candidate", initial_daily_dose_mcg=1000)
    assert _codes(checks) == [
        ("error", "above_4x_bolus"),
        ("warning", "differs_from_r6"),
        ("warning", "reassessment_due"),
        ("warning", "no_day_review"),
    ]
    messages = [c.message for c in checks]
    assert messages[0] == (
        "1000 mcg/day is above 4 × the largest bolus given in the trial (4 × 100 mcg = 400 mcg/day)."
    )
    assert messages[1] == (
        "1000 mcg/day differs from the recommended initial pump dose of 100 mcg/day by 900 % (more than 25 %)."
    )
    assert messages[2] == "Day 3's 8 h reassessment is still due."
    assert messages[3] == "Day 3, the last dosed day, has no saved day review."


def test_400_is_allowed_and_within_25_percent_gives_no_dose_warning(build: Builders) -> None:
    trial = issue_trial(build)
    summary = summarize_trial(trial)
    at_limit = decision_checks(trial, summary, outcome="candidate", initial_daily_dose_mcg=400)
    assert ("error", "above_4x_bolus") not in _codes(at_limit)
    near = decision_checks(trial, summary, outcome="candidate", initial_daily_dose_mcg=125)
    assert ("warning", "differs_from_r6") not in _codes(near)  # exactly 25 % is not more than 25 %
    far = decision_checks(trial, summary, outcome="candidate", initial_daily_dose_mcg=126)
    assert ("warning", "differs_from_r6") in _codes(far)


def test_candidate_without_responder_without_dose_and_urgent_alerts(build: Builders) -> None:
    flat = build.closed(
        build.day(1, 50, build.uniform("2"), {h: build.uniform("2") for h in (1, 2, 4, 6, 8)})
    )
    trial = build.trial([flat])
    summary = summarize_trial(trial)
    checks = decision_checks(
        trial, summary, outcome="candidate", initial_daily_dose_mcg=None, unacknowledged_urgent_alerts=2
    )
    assert _codes(checks) == [
        ("error", "no_daily_dose"),
        ("warning", "candidate_without_responder"),
        ("warning", "urgent_alert"),
    ]
    assert checks[-1].message == "2 urgent alerts are not acknowledged."
    with_dose = decision_checks(trial, summary, outcome="candidate", initial_daily_dose_mcg=100)
    assert ("warning", "differs_from_r6") in _codes(with_dose)  # R6 has none
    assert "There is no recommended initial pump dose" in with_dose[-1].message


def test_a_finished_trial_signed_not_candidate_has_no_checks(build: Builders) -> None:
    flat = build.closed(
        build.day(1, 50, build.uniform("2"), {h: build.uniform("2") for h in (1, 2, 4, 6, 8)})
    )
    trial = build.trial([flat])
    assert (
        decision_checks(trial, summarize_trial(trial), outcome="not_candidate", initial_daily_dose_mcg=None)
        == ()
    )


def test_reasons_are_required_and_printed_with_the_rationale(build: Builders) -> None:
    trial = issue_trial(build)
    checks = [
        c
        for c in decision_checks(
            trial, summarize_trial(trial), outcome="candidate", initial_daily_dose_mcg=100
        )
        if c.level == "warning"
    ]
    assert [c.code for c in missing_reasons(checks, {"reassessment_due": "  "})] == [
        "reassessment_due",
        "no_day_review",
    ]
    reasons = {"reassessment_due": "Catheter out at 6 h", "no_day_review": "Reviewed at the bedside"}
    assert missing_reasons(checks, reasons) == ()
    text = rationale_with_reasons("Clear response on day 1.", checks, reasons)
    assert text == (
        "Clear response on day 1.\n\n"
        f"{REASONS_HEADING}\n"
        "- Day 3's 8 h reassessment is still due. Reason: Catheter out at 6 h\n"
        "- Day 3, the last dosed day, has no saved day review. Reason: Reviewed at the bedside"
    )
