"""A whole three-day trial through the services, checked against hand-computed RULES.md values."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest
from sqlalchemy import func, select

from tests.services.conftest import NOW, PASSWORD, Team, assessment
from trialapp.domain.records import AdverseEvent, Vitals
from trialapp.services import assessments, decisions, dosing, trials
from trialapp.services.errors import AuthenticationFailed, InvalidInput
from trialapp.storage import models as m


def _dose(app, team: Team, trial_id: str, day: int, mcg: int, at: datetime, **kw) -> int:
    order = dosing.DoseOrder(
        trial_id, day, mcg, kw.pop("conc", 50), kw.pop("volume", mcg / 50), at, "catheter", "L2291", **kw
    )
    check = dosing.BlindCheck("rn.smith", PASSWORD, mcg, 50)
    return dosing.give_dose(app, team.neuro, PASSWORD, order, check)


def _run_three_days(app, team: Team, trial_id: str) -> None:
    d = lambda day, h, mi=0: datetime(2026, 11, 1 + day, h, mi)  # noqa: E731
    # Day 1: all 16 lower-limb muscle-sides grade 2 at baseline; 1+ at 4 h (reduction 0.5).
    assessments.record_assessment(
        app, team.pt, trial_id, 1, assessment("baseline", d(1, 8, 30), "2"), now=NOW
    )
    _dose(app, team, trial_id, 1, 50, d(1, 9))
    assessments.record_assessment(
        app, team.pt, trial_id, 1, assessment("reassessment", d(1, 10), "2"), now=NOW
    )
    assessments.record_assessment(
        app, team.pt, trial_id, 1, assessment("reassessment", d(1, 13), "1+"), now=NOW
    )
    suggestion = decisions.record_day_plan(
        app,
        team.pt,
        trial_id,
        1,
        next_dose_mcg=75,
        decided_by=["dr.lee", "pt.jones"],
        family_agreement="mother",
    )
    assert suggestion == 75  # not a responder, no significant AE: next ladder step
    # Day 2: 75 mcg; grade 1 at 4 h (reduction 1.0 = threshold), 1+ at 6 h.
    assessments.record_assessment(
        app, team.pt, trial_id, 2, assessment("baseline", d(2, 8, 30), "2"), now=NOW
    )
    _dose(app, team, trial_id, 2, 75, d(2, 9), volume=1.5)
    assessments.record_assessment(
        app, team.pt, trial_id, 2, assessment("reassessment", d(2, 13), "1"), now=NOW
    )
    assessments.record_assessment(
        app, team.pt, trial_id, 2, assessment("reassessment", d(2, 15), "1+"), now=NOW
    )
    assert (
        decisions.record_day_plan(
            app, team.neuro, trial_id, 2, next_dose_mcg=75, decided_by=["dr.lee"], family_agreement="father"
        )
        == 75
    )  # responder: same dose


def test_three_day_trial_gives_the_rules_summary(app, team: Team, trial_id: str) -> None:
    _run_three_days(app, team, trial_id)
    summary = trials.trial_summary_json(app, team.neuro, trial_id)
    day1, day2 = summary["days"][0], summary["days"][1]
    assert (day1["dose_mcg"], day1["responder"], day1["peak_reduction"], day1["peak_hours"]) == (
        50,
        False,
        0.5,
        4.0,
    )
    assert day1["reassessments"] == [{"hours": 1.0, "reduction": 0.0}, {"hours": 4.0, "reduction": 0.5}]
    assert (day2["responder"], day2["peak_reduction"], day2["effect_hours"], day2["effect_censored"]) == (
        True,
        1.0,
        4.0,
        False,
    )
    assert summary["recommended_daily_dose_mcg"] == 150 and summary["basis"] == "twice the screening dose"
    assert summary["next_dose_suggestion_mcg"] == 75

    decisions.sign_decision(
        app,
        team.neuro,
        PASSWORD,
        trial_id,
        outcome="candidate",
        rationale="Tone fell by 1.0 at 4 h on 75 mcg.",
        initial_daily_dose_mcg=150,
        warning_reasons=R14_REASONS,
    )
    doc = trials.load_document(app, team.neuro, trial_id)
    assert doc.trial.decision is not None and doc.trial.decision.initial_daily_dose_mcg == 150
    assert doc.trial.days[0].plan is not None and "mother (family)" in doc.trial.days[0].plan.decided_by
    dose = doc.trial.days[1].doses[0]
    assert (dose.dose_mcg, dose.volume_ml, dose.given_by, dose.checked_by) == (75, 1.5, "Dr Lee", "Rn Smith")
    with app.db.read() as s:
        row = s.execute(select(m.DoseRecord).where(m.DoseRecord.dose_mcg == 75)).scalar_one()
        assert (row.first_entry_dose_mcg, row.check_entry_dose_mcg, row.check_entry_concentration) == (
            75,
            75,
            50,
        )
        assert row.entered_by_user_id == team.neuro.user_id and row.checked_by_user_id == team.nurse.user_id
        actions = [a for (a,) in s.execute(select(m.AuditEntry.action).order_by(m.AuditEntry.id))]
    assert actions.count("give_dose") == 2 and actions[-1] == "sign_decision"


# This trial's day 2 stops at its 4 h reassessment (R14 warns that the others are still due).
R14_REASONS = {"reassessment_due": "Catheter out after the 4 h reassessment; the effect was clear."}


def test_signed_decision_is_corrected_only_with_a_reason(app, team: Team, trial_id: str) -> None:
    _run_three_days(app, team, trial_id)
    decisions.sign_decision(
        app,
        team.neuro,
        PASSWORD,
        trial_id,
        outcome="undecided",
        rationale="Wait for day 3.",
        initial_daily_dose_mcg=None,
        warning_reasons=R14_REASONS,
    )
    with pytest.raises(InvalidInput, match="reason for the correction"):
        decisions.sign_decision(
            app,
            team.neuro,
            PASSWORD,
            trial_id,
            outcome="candidate",
            rationale="Responded.",
            initial_daily_dose_mcg=150,
        )
    decisions.sign_decision(
        app,
        team.neuro,
        PASSWORD,
        trial_id,
        outcome="candidate",
        rationale="Responded.",
        initial_daily_dose_mcg=150,
        correction_reason="Day 2 response reviewed with family",
        warning_reasons=R14_REASONS,
    )
    with app.db.read() as s:
        last = s.execute(select(m.AuditEntry).order_by(m.AuditEntry.id.desc()).limit(1)).scalar_one()
    assert last.action == "correct_decision" and last.reason == "Day 2 response reviewed with family"
    assert '"outcome": "undecided"' in (last.old_value or "")  # the original stays visible in history


def _counts(app) -> tuple[int, int]:
    with app.db.read() as s:
        return (
            s.execute(select(func.count()).select_from(m.DoseRecord)).scalar_one(),
            s.execute(select(func.count()).select_from(m.AuditEntry)).scalar_one(),
        )


def _near_misses(app) -> list[m.AuditEntry]:
    with app.db.read() as s:
        return list(
            s.execute(
                select(m.AuditEntry).where(m.AuditEntry.action == "near_miss").order_by(m.AuditEntry.id)
            )
            .scalars()
            .all()
        )


@pytest.mark.parametrize(
    ("check_user", "check_dose", "check_conc", "message", "kind"),
    [
        ("dr.lee", 50, 50, "cannot check it", "same_person"),
        ("rn.smith", 75, 50, "differ", "entries_differ"),
        ("rn.smith", 50, 500, "differ", "entries_differ"),
    ],
)
def test_double_check_refusals_give_no_dose_and_are_near_misses(
    app, team: Team, trial_id: str, check_user, check_dose, check_conc, message, kind
) -> None:
    assessments.record_assessment(
        app, team.pt, trial_id, 1, assessment("baseline", datetime(2026, 11, 2, 8, 30), "2"), now=NOW
    )
    before = _counts(app)
    order = dosing.DoseOrder(trial_id, 1, 50, 50, 1.0, datetime(2026, 11, 2, 9), "catheter", "L1")
    with pytest.raises(InvalidInput) as info:
        dosing.give_dose(
            app, team.neuro, PASSWORD, order, dosing.BlindCheck(check_user, PASSWORD, check_dose, check_conc)
        )
    assert message in (str(info.value) + " ".join(info.value.problems)).lower()
    # No dose; one audit row: the near miss, with both entries and who (R8 revision 2).
    assert _counts(app) == (before[0], before[1] + 1)
    (miss,) = _near_misses(app)
    assert miss.field == kind and miss.actor == "user:dr.lee"
    assert '"dose_mcg": 50' in (miss.old_value or "")
    assert f'"checker": "user:{check_user}"' in (miss.new_value or "")
    if kind == "entries_differ":
        assert f'"dose_mcg": {check_dose}' in (miss.new_value or "")
    with app.db.read() as s:
        assert dosing.near_miss_counts(s, miss.trial_id or 0) == {1: 1}


def test_wrong_password_or_checker_role_is_refused(app, team: Team, trial_id: str) -> None:
    order = dosing.DoseOrder(trial_id, 1, 50, 50, 1.0, datetime(2026, 11, 2, 9), "catheter", "L1")
    before = _counts(app)
    with pytest.raises(AuthenticationFailed):
        dosing.give_dose(
            app, team.neuro, "wrong-password", order, dosing.BlindCheck("rn.smith", PASSWORD, 50, 50)
        )
    assert _counts(app) == before  # the orderer's own signature: not a check
    with pytest.raises(AuthenticationFailed):
        dosing.give_dose(app, team.neuro, PASSWORD, order, dosing.BlindCheck("rn.smith", "wrong", 50, 50))
    with pytest.raises(InvalidInput, match="second checker"):
        dosing.give_dose(app, team.neuro, PASSWORD, order, dosing.BlindCheck("qi.lead", PASSWORD, 50, 50))
    assert [x.field for x in _near_misses(app)] == ["wrong_password", "not_allowed"]
    assert _counts(app)[0] == before[0]


def test_the_orderer_is_refused_before_any_entry(app, team: Team, trial_id: str) -> None:
    order = dosing.DoseOrder(trial_id, 1, 50, 50, 1.0, datetime(2026, 11, 2, 9), "catheter", "L1")
    # Refused on the name alone, before any password or entry.
    with pytest.raises(InvalidInput, match="cannot check it"):
        dosing.identify_checker(app, team.neuro, order, " DR.LEE ", "not even checked")
    checker = dosing.identify_checker(app, team.neuro, order, "rn.smith", PASSWORD)
    assert checker.username == "rn.smith"
    (miss,) = _near_misses(app)
    assert miss.field == "same_person"


def test_a_discarded_check_is_a_near_miss(app, team: Team, trial_id: str) -> None:
    order = dosing.DoseOrder(trial_id, 1, 50, 50, 1.0, datetime(2026, 11, 2, 9), "catheter", "L1")
    partial = dosing.BlindCheck("rn.smith", "", 50, 0)
    dosing.record_near_miss(app, team.neuro, order, "discarded", checker="rn.smith", check=partial)
    (miss,) = _near_misses(app)
    assert miss.field == "discarded" and miss.reason is None
    assert "password" not in (miss.new_value or "")


def test_a_check_volume_that_differs_is_refused(app, team: Team, trial_id: str) -> None:
    order = dosing.DoseOrder(trial_id, 1, 50, 50, 1.0, datetime(2026, 11, 2, 9), "catheter", "L1")
    with pytest.raises(InvalidInput, match="does not match"):
        dosing.compare_check(app, team.neuro, order, dosing.BlindCheck("rn.smith", PASSWORD, 50, 50, 0.1))
    dosing.compare_check(app, team.neuro, order, dosing.BlindCheck("rn.smith", PASSWORD, 50, 50, 1.0))
    assert [x.field for x in _near_misses(app)] == ["entries_differ"]


def test_hard_ceiling_refuses_even_a_neurosurgeon_override(app, team: Team, trial_id: str) -> None:
    from trialapp.services import app_settings

    assert app_settings.hard_ceiling(app) == 150
    reason = "Adult-size adolescent; agreed with the family"
    order = dosing.DoseOrder(
        trial_id, 1, 1000, 50, 20.0, datetime(2026, 11, 2, 9), "catheter", "L1", override_reason=reason
    )
    result = dosing.preview_dose(app, team.neuro, order)
    assert [e.code for e in result.errors] == ["above_hard_ceiling"]
    app_settings.set_hard_ceiling(app, team.admin, 120)
    order = replace(order, dose_mcg=125, volume_ml=2.5)
    assert [e.code for e in dosing.preview_dose(app, team.neuro, order).errors] == ["above_hard_ceiling"]
    with pytest.raises(InvalidInput, match="above 200 mcg"):
        app_settings.set_hard_ceiling(app, team.admin, 201)
    from trialapp.services.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        app_settings.set_hard_ceiling(app, team.neuro, 180)
    with app.db.read() as s:
        audit = s.execute(
            select(m.AuditEntry).where(m.AuditEntry.row_id == app_settings.HARD_CEILING)
        ).scalar_one()
    assert (audit.old_value, audit.new_value) == (None, "120")


def test_one_letter_override_reason_is_refused(app, team: Team, trial_id: str) -> None:
    at = datetime(2026, 11, 2, 9)
    order = dosing.DoseOrder(trial_id, 1, 125, 50, 2.5, at, "catheter", "L1", override_reason="x")
    errors = dosing.preview_dose(app, team.neuro, order).errors
    assert [e.code for e in errors] == ["above_maximum"] and "too short" in errors[0].message


def test_new_warnings_at_the_bedside(app, team: Team, trial_id: str) -> None:
    # A first dose of 100 mcg with no baseline recorded: two warnings (the weight is recorded here).
    order = dosing.DoseOrder(trial_id, 1, 100, 50, 2.0, datetime(2026, 11, 2, 9), "catheter", "L1")
    codes = [w.code for w in dosing.preview_dose(app, team.neuro, order).warnings]
    assert codes == ["first_dose_above_first_step", "no_baseline"]


def test_warnings_need_reasons_and_are_audited(app, team: Team, trial_id: str) -> None:
    assessments.record_assessment(
        app, team.pt, trial_id, 1, assessment("baseline", datetime(2026, 11, 2, 8, 30), "2"), now=NOW
    )
    order = dosing.DoseOrder(trial_id, 1, 50, 500, 0.1, datetime(2026, 11, 2, 9), "catheter", "L1")
    check = dosing.BlindCheck("rn.smith", PASSWORD, 50, 500)
    preview = dosing.preview_dose(app, team.neuro, order)
    assert [w.code for w in preview.warnings] == ["concentration_not_screening"]
    before = _counts(app)
    with pytest.raises(InvalidInput, match="needs a reason"):
        dosing.give_dose(app, team.neuro, PASSWORD, order, check)
    assert _counts(app) == before
    reasons = {"concentration_not_screening": "Only 500 mcg/mL in stock; diluted volume checked twice"}
    order = dosing.DoseOrder(
        trial_id, 1, 50, 500, 0.1, datetime(2026, 11, 2, 9), "catheter", "L1", warning_reasons=reasons
    )
    dosing.give_dose(app, team.neuro, PASSWORD, order, check)
    with app.db.read() as s:
        audit = s.execute(
            select(m.AuditEntry).where(m.AuditEntry.action == "acknowledge_warning")
        ).scalar_one()
        warning = s.execute(select(m.DoseWarning)).scalar_one()
    assert (
        audit.reason == reasons["concentration_not_screening"]
        and audit.field == "concentration_not_screening"
    )
    assert warning.message and "50 mcg/mL" in warning.message


def test_above_maximum_needs_a_neurosurgeon_override(app, team: Team, trial_id: str) -> None:
    assessments.record_assessment(
        app, team.pt, trial_id, 1, assessment("baseline", datetime(2026, 11, 2, 8, 30), "2"), now=NOW
    )
    at = datetime(2026, 11, 2, 9)
    over = dosing.DoseOrder(trial_id, 1, 125, 50, 2.5, at, "catheter", "L1")
    check = dosing.BlindCheck("rn.smith", PASSWORD, 125, 50)
    with pytest.raises(InvalidInput, match="100 mcg"):
        dosing.give_dose(app, team.neuro, PASSWORD, over, check)
    preview = dosing.preview_dose(app, team.neuro, over)
    reasons = {w.code: "Discussed with the team" for w in preview.warnings}
    with_override = dosing.DoseOrder(
        trial_id,
        1,
        125,
        50,
        2.5,
        at,
        "catheter",
        "L1",
        warning_reasons=reasons,
        override_reason="Adult-size adolescent; agreed with the family",
    )
    dosing.give_dose(app, team.neuro, PASSWORD, with_override, check)
    doc = trials.load_document(app, team.neuro, trial_id)
    codes = [w.code for w in doc.trial.days[0].doses[0].warnings_acknowledged]
    assert "above_maximum_override" in codes


def test_volume_must_match_dose_and_concentration(app, team: Team, trial_id: str) -> None:
    order = dosing.DoseOrder(trial_id, 1, 50, 50, 10.0, datetime(2026, 11, 2, 9), "catheter", "L1")
    with pytest.raises(InvalidInput, match=r"which is 1 mL\."):
        dosing.give_dose(app, team.neuro, PASSWORD, order, dosing.BlindCheck("rn.smith", PASSWORD, 50, 50))


def test_urgent_vital_alert_is_stored_until_acknowledged(app, team: Team, trial_id: str) -> None:
    low_spo2 = assessment("reassessment", datetime(2026, 11, 2, 10), "2")

    saved = assessments.record_assessment(
        app, team.nurse, trial_id, 1, replace(low_spo2, mas=(), vitals=Vitals(hr=90, rr=20, spo2=85)), now=NOW
    )
    assert [a.code for a in saved.alerts if a.level == "urgent"] == ["spo2_low"]
    open_alerts = assessments.list_alerts(app, team.nurse, trial_id, unacknowledged_only=True)
    assert [a.code for a in open_alerts] == ["spo2_low"]
    assessments.acknowledge_alert(app, team.nurse, open_alerts[0].id)
    assert assessments.list_alerts(app, team.nurse, trial_id, unacknowledged_only=True) == []
    assert assessments.list_alerts(app, team.nurse, trial_id)[0].acknowledged_by == "Rn Smith"


def test_bad_assessment_is_rejected_with_every_problem(app, team: Team, trial_id: str) -> None:

    from trialapp.domain.records import MasEntry

    bad = replace(
        assessment("reassessment", datetime(2026, 11, 2, 7, 0), "2"),  # before the catheter (07:40)
        mas=(MasEntry("hip_flexors", "left", "5"),),
        vitals=Vitals(hr=400),
    )
    before = _counts(app)
    with pytest.raises(InvalidInput) as info:
        assessments.record_assessment(app, team.pt, trial_id, 1, bad, now=NOW)
    assert len(info.value.problems) >= 3  # time, grade, heart rate
    assert _counts(app) == before


def test_adverse_event_and_plan_difference_needs_reason(app, team: Team, trial_id: str) -> None:
    d = datetime(2026, 11, 2, 8, 30)
    assessments.record_assessment(app, team.pt, trial_id, 1, assessment("baseline", d, "2"), now=NOW)
    _dose(app, team, trial_id, 1, 50, datetime(2026, 11, 2, 9))
    assessments.record_assessment(
        app, team.pt, trial_id, 1, assessment("reassessment", datetime(2026, 11, 2, 13), "1"), now=NOW
    )
    assessments.record_adverse_event(
        app,
        team.nurse,
        trial_id,
        1,
        AdverseEvent(datetime(2026, 11, 2, 12), "drowsiness", "moderate"),
        now=NOW,
    )
    # Responder with a significant adverse effect: R7 suggests the previous step (none below 50: stop).
    summary = trials.trial_summary_json(app, team.neuro, trial_id)
    assert summary["days"][0]["significant_adverse_effect"] is True
    with pytest.raises(InvalidInput, match="family"):
        decisions.record_day_plan(
            app, team.pt, trial_id, 1, next_dose_mcg=50, decided_by=["dr.lee"], family_agreement=None
        )
    decisions.record_day_plan(
        app,
        team.pt,
        trial_id,
        1,
        next_dose_mcg=None,
        decided_by=["dr.lee"],
        family_agreement="mother",
        notes="Stop and review",
    )


def test_add_day_needs_a_reason(app, team: Team, trial_id: str) -> None:
    with pytest.raises(InvalidInput, match="reason"):
        trials.add_day(app, team.pt, trial_id, reason="  ")
    assert trials.add_day(app, team.pt, trial_id, reason="Fine-tune the dose") == 4
    assert [d.day for d in trials.load_document(app, team.pt, trial_id).trial.days] == [1, 2, 3, 4]


def test_a_trial_starting_today_plans_days_two_and_three(app, team: Team) -> None:
    """Days 2 and 3 are dated in the future: they are plans, and day 1 can be recorded at once."""
    from datetime import timedelta

    from tests.services.conftest import PATIENT
    from trialapp.domain.records import Catheter, ProtocolSettings

    now = datetime.now().replace(second=0, microsecond=0)
    today = now.date()
    placed = now - timedelta(hours=2)
    trial_id = trials.start_trial(
        app,
        team.pt,
        replace(PATIENT, mrn="TODAY-1"),
        started_on=placed.date(),
        catheter=Catheter(placed, "catheter"),
        settings=ProtocolSettings(),
    )
    doc = trials.load_document(app, team.pt, trial_id)
    assert [d.date for d in doc.trial.days] == [placed.date() + timedelta(days=i) for i in range(3)]
    assessments.record_assessment(
        app, team.pt, trial_id, 1, assessment("baseline", placed + timedelta(minutes=30), "2")
    )
    later = datetime.combine(today + timedelta(days=2), datetime.min.time()).replace(hour=9)
    with pytest.raises(InvalidInput, match="future"):
        assessments.record_assessment(app, team.pt, trial_id, 3, assessment("baseline", later, "2"))
