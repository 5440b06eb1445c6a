"""Every clinical service call, for every role: allowed or refused, as the issue's matrix says.

The expected matrix is written here from the requirements (PT and nurse record assessments and vitals;
only a neurosurgeon gives doses and signs decisions; any clinician may be the second checker), not read
from the implementation's table.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from tests.services.conftest import NOW, PASSWORD, PATIENT, START, Team, assessment
from trialapp.domain.records import AdverseEvent, Catheter, ProtocolSettings, Vitals
from trialapp.services import assessments, decisions, dosing, trials, users
from trialapp.services.errors import PermissionDenied

ROLES = ["pt", "nurse", "neurosurgeon", "qi_lead", "admin"]

EXPECTED = {
    "start_trial": {"pt", "neurosurgeon"},
    "record_assessment": {"pt", "nurse"},
    "record_vitals_only": {"pt", "nurse", "neurosurgeon"},
    "record_adverse_event": {"pt", "nurse", "neurosurgeon"},
    "give_dose": {"neurosurgeon"},
    "record_day_plan": {"pt", "nurse", "neurosurgeon"},
    "sign_decision": {"neurosurgeon"},
    "view_summary": set(ROLES),
    "manage_users": {"admin"},
}


def _actor(team: Team, role: str):  # type: ignore[no-untyped-def]
    return {
        "pt": team.pt,
        "nurse": team.nurse,
        "neurosurgeon": team.neuro,
        "qi_lead": team.qi,
        "admin": team.admin,
    }[role]


# No baseline is recorded in these tests: the R8 warning needs its reason.
NO_BASELINE = {"no_baseline": "Baseline on the paper form, entered later"}


def _call(name: str, app, actor, trial_id: str) -> None:  # type: ignore[no-untyped-def]
    at = datetime(2026, 11, 2, 8, 30)
    if name == "start_trial":
        trials.start_trial(
            app,
            actor,
            replace(PATIENT, mrn=f"P-{actor.username}"),
            started_on=START,
            catheter=Catheter(datetime(2026, 11, 2, 7, 40), "catheter"),
            settings=ProtocolSettings(),
            now=NOW,
        )
    elif name == "record_assessment":
        assessments.record_assessment(app, actor, trial_id, 1, assessment("baseline", at, "2"), now=NOW)
    elif name == "record_vitals_only":
        vitals = replace(assessment("baseline", at, "2"), mas=(), vitals=Vitals(hr=90))
        assessments.record_assessment(app, actor, trial_id, 1, vitals, now=NOW)
    elif name == "record_adverse_event":
        assessments.record_adverse_event(app, actor, trial_id, 1, AdverseEvent(at, "nausea", "mild"), now=NOW)
    elif name == "give_dose":
        order = dosing.DoseOrder(
            trial_id, 1, 50, 50, 1.0, datetime(2026, 11, 2, 9), "catheter", "L1", warning_reasons=NO_BASELINE
        )
        checker = "dr.okafor" if actor.username == "rn.smith" else "rn.smith"
        dosing.give_dose(app, actor, PASSWORD, order, dosing.BlindCheck(checker, PASSWORD, 50, 50))
    elif name == "record_day_plan":
        decisions.record_day_plan(
            app, actor, trial_id, 1, next_dose_mcg=None, decided_by=["team"], family_agreement="mother"
        )
    elif name == "sign_decision":
        decisions.sign_decision(
            app,
            actor,
            PASSWORD,
            trial_id,
            outcome="undecided",
            rationale="Waiting",
            initial_daily_dose_mcg=None,
        )
    elif name == "view_summary":
        trials.trial_summary_json(app, actor, trial_id)
    elif name == "manage_users":
        users.add_user(app, actor, f"new.{actor.username}", "pt", "New User", PASSWORD)
    else:  # pragma: no cover
        raise AssertionError(name)


@pytest.mark.parametrize("action", sorted(EXPECTED))
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(app, team: Team, trial_id: str, action: str, role: str) -> None:
    actor = _actor(team, role)
    if role in EXPECTED[action]:
        _call(action, app, actor, trial_id)
    else:
        with pytest.raises(PermissionDenied) as info:
            _call(action, app, actor, trial_id)
        assert "may not" in str(info.value) and "Ask a" in str(info.value)


@pytest.mark.parametrize("checker", ["pt.jones", "rn.smith", "dr.okafor"])
def test_any_other_clinician_may_be_the_second_checker(app, team: Team, trial_id: str, checker: str) -> None:
    order = dosing.DoseOrder(
        trial_id, 1, 50, 50, 1.0, datetime(2026, 11, 2, 9), "catheter", "L1", warning_reasons=NO_BASELINE
    )
    dosing.give_dose(app, team.neuro, PASSWORD, order, dosing.BlindCheck(checker, PASSWORD, 50, 50))
    assert len(trials.load_document(app, team.neuro, trial_id).trial.days[0].doses) == 1


def test_a_refusal_names_the_roles_in_plain_english() -> None:
    from trialapp.services.permissions import roles_in_words

    assert roles_in_words(["admin", "neurosurgeon"]) == "an admin or a neurosurgeon"
    assert roles_in_words(["qi_lead", "admin", "nurse"]) == "an admin, a nurse or a QI lead"
    assert roles_in_words(["pt"]) == "a physical therapist"


def test_a_refusal_starts_with_the_role_written_as_it_is(app) -> None:
    from trialapp.services import users
    from trialapp.services.context import os_actor
    from trialapp.services.errors import PermissionDenied
    from trialapp.services.permissions import require

    users.add_user(app, os_actor(), "qi.lead", "qi_lead", "Quinn Lead", "correct-horse-battery")
    lead = users.authenticate(app, "qi.lead", "correct-horse-battery")
    with pytest.raises(PermissionDenied) as info:
        require(lead, "give_dose")
    assert str(info.value).startswith("A QI lead may not ")
