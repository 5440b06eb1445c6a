"""Writes are judged by the domain's record rules, on the records: the same problems, at the same paths
and in the same words, as importing the trial's export; and what is stored is what the import would
store (text trimmed, blank text absent, times to the minute). Synthetic data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tests.interchange.itb_docs import NOW, small_doc
from trialapp.domain import validation
from trialapp.domain.records import (
    AcknowledgedWarning,
    Day,
    Goal,
    GoalScore,
    MasEntry,
    Pain,
    RomEntry,
    TrialDocument,
    Vitals,
)
from trialapp.interchange.trial_json import DocumentInvalid, parse_trial_document
from trialapp.interchange.trial_json_export import document_to_json
from trialapp.services.errors import InvalidInput
from trialapp.services.validation import validate_document

Change = Callable[[TrialDocument], TrialDocument]


def _base() -> TrialDocument:
    return parse_trial_document(small_doc(), now=NOW)


def _patient(**kw: object) -> Change:
    return lambda d: replace(d, patient=replace(d.patient, **kw))


def _trial(**kw: object) -> Change:
    return lambda d: replace(d, trial=replace(d.trial, **kw))


def _day(index: int, **kw: object) -> Change:
    def change(d: TrialDocument) -> TrialDocument:
        days = list(d.trial.days)
        days[index] = replace(days[index], **kw)
        return replace(d, trial=replace(d.trial, days=tuple(days)))

    return change


def _assessment(index: int, **kw: object) -> Change:
    def change(d: TrialDocument) -> TrialDocument:
        day = d.trial.days[0]
        items = list(day.assessments)
        items[index] = replace(items[index], **kw)
        return _day(0, assessments=tuple(items))(d)

    return change


def _dose(**kw: object) -> Change:
    def change(d: TrialDocument) -> TrialDocument:
        day = d.trial.days[0]
        return _day(0, doses=(replace(day.doses[0], **kw), *day.doses[1:]))(d)

    return change


def _settings(**kw: object) -> Change:
    return lambda d: replace(d, trial=replace(d.trial, settings=replace(d.trial.settings, **kw)))


# Each change breaks one or more rules; the write and the import must agree on every problem.
CHANGES: dict[str, Change] = {
    "blank mrn": _patient(mrn="  "),
    "control character": _patient(family_name="De\x00mo"),
    "sex in capitals": _patient(sex="Female"),
    "weight out of range": _patient(weight_kg=0, height_cm=400),
    "gmfcs as a fraction": _patient(gmfcs_level=2.5),
    "birth after the start": _patient(birth_date=NOW.date() - timedelta(days=1)),
    "an empty allergy": _patient(allergies=("cefazolin", " ")),
    "ladder unknown": _settings(ladder="fast", threshold=5),
    "schedule not increasing": _settings(schedule_hours=(1, 4, 4, 30)),
    "six goals": _trial(goals=tuple(Goal(f"g{i}", "goal") for i in range(1, 7))),
    "a goal id twice": _trial(goals=(Goal("g1", "a"), Goal("g1", "b"))),
    "day numbers": _day(1, day=3),
    "day dates": _day(1, date=_base().trial.days[0].date),
    "grade 5": _assessment(0, mas=(MasEntry("hip_adductors", "left", "5"),)),
    "grade twice": _assessment(
        0, mas=(MasEntry("hip_adductors", "left", "2"), MasEntry("hip_adductors", "left", "1"))
    ),
    "muscle typo": _assessment(0, mas=(MasEntry("hip_adductor", "left", "2"),)),
    "rom twice": _assessment(0, rom=(RomEntry("popliteal_angle", "left", 50),) * 2),
    "penn severity alone": _assessment(0, penn_frequency=None, penn_severity=2),
    "pain off its scale": _assessment(1, pain=Pain("wong_baker", 3)),
    "vitals out of range": _assessment(0, vitals=Vitals(hr=10, spo2=float("nan"), temp_c=45)),
    "diastolic above systolic": _assessment(0, vitals=Vitals(sbp=98, dbp=100)),
    "diastolic equal to systolic": _assessment(0, vitals=Vitals(sbp=90, dbp=90)),
    "unknown goal": _assessment(0, goals=(GoalScore("g9", 0),)),
    # a reassessment: a baseline may precede the placement (interchange revision 2)
    "before the catheter": _assessment(1, at=datetime(2026, 11, 2, 7, 0)),
    "in the future": _assessment(1, at=NOW + timedelta(hours=1)),
    "with an offset": _assessment(0, at=datetime(2026, 11, 2, 9, 0, tzinfo=UTC)),
    "a day late": _assessment(1, at=datetime(2026, 11, 5, 9, 0)),
    "dose above the maximum": _dose(dose_mcg=150),
    "dose checked by the giver": _dose(checked_by=" Dr.Lee"),
    "warning acknowledged twice": _dose(
        warnings_acknowledged=(AcknowledgedWarning("within_24h", "a"), AcknowledgedWarning("within_24h", "b"))
    ),
    "blank reason": _dose(warnings_acknowledged=(AcknowledgedWarning("within_24h", " "),)),
    "kind unknown": _assessment(0, kind="final"),
}


def _import_problems(doc: TrialDocument) -> list[tuple[str, str]]:
    try:
        parse_trial_document(document_to_json(doc), now=NOW)
    except DocumentInvalid as exc:
        return [(p.path, p.message) for p in exc.problems]
    return []


@pytest.mark.parametrize("name", list(CHANGES))
def test_a_write_and_an_import_find_the_same_problems(name: str) -> None:
    doc = CHANGES[name](_base())
    expected = _import_problems(doc)
    assert expected, "the change breaks no rule: the case tests nothing"
    with pytest.raises(validation.RecordsInvalid) as info:
        validation.validate_document(doc, now=NOW)
    assert [(p.path, p.message) for p in info.value.problems] == expected


def test_the_service_refuses_with_every_message() -> None:
    doc = CHANGES["vitals out of range"](_base())
    with pytest.raises(InvalidInput) as info:
        validate_document(doc, what="assessment", now=NOW)
    assert str(info.value).startswith("The assessment was not saved. Correct the following and save again:")
    assert list(info.value.problems) == [message for _path, message in _import_problems(doc)]


def test_what_is_stored_is_what_the_import_stores() -> None:
    untidy = _patient(given_name="  Test ", diagnosis="   ")(_base())
    untidy = _assessment(0, at=datetime(2026, 11, 2, 8, 30, 42), notes=" seen \n")(untidy)
    stored = validation.validate_document(untidy, now=NOW)
    assert stored == parse_trial_document(document_to_json(untidy), now=NOW)
    assert (stored.patient.given_name, stored.patient.diagnosis) == ("Test", None)
    assert stored.trial.days[0].assessments[0].at == datetime(2026, 11, 2, 8, 30)


def test_planned_days_are_kept_as_plans_and_settings_as_the_trial_has_them() -> None:
    doc = _base()
    ahead = Day(day=3, date=NOW.date() + timedelta(days=1))
    settings = replace(doc.trial.settings, late_after_minutes=45)
    doc = replace(doc, trial=replace(doc.trial, days=(*doc.trial.days, ahead), settings=settings))
    stored = validation.validate_document(doc, now=NOW)
    assert stored.trial.days[-1] == ahead
    assert stored.trial.settings.late_after_minutes == 45
    recorded = _day(2, plan=doc.trial.days[0].plan)(doc)
    with pytest.raises(validation.RecordsInvalid) as info:
        validation.validate_document(recorded, now=NOW)
    assert [p.path for p in info.value.problems] == ["$.trial.days[2].date"]
    assert "is in the future" in info.value.problems[0].message


def test_a_new_assessment_is_judged_against_its_trials_context() -> None:
    doc = _base()
    day = doc.trial.days[0]
    context = validation.TrialContext(
        day_index=0,
        day_date=day.date,
        index=len(day.assessments),
        placed_at=doc.trial.catheter.placed_at,
        goal_ids=frozenset(g.id for g in doc.trial.goals),
    )
    new = replace(day.assessments[1], at=datetime(2026, 11, 2, 7, 0), goals=(GoalScore("nope", 0),))
    with pytest.raises(validation.RecordsInvalid) as info:
        validation.validate_new_assessment(new, context, now=NOW)
    whole = _day(0, assessments=(*day.assessments, new))(doc)
    assert info.value.problems == tuple(
        validation.Problem(path, message) for path, message in _import_problems(whole)
    )
    fine = replace(new, at=datetime(2026, 11, 2, 16, 0), goals=(), notes=" ok ")
    assert validation.validate_new_assessment(fine, context, now=NOW).notes == "ok"


def test_a_diastolic_pressure_not_below_the_systolic_is_refused_in_words() -> None:
    """100 over 98 is a misreading or the two swapped: refused with the numbers, no code."""
    doc = CHANGES["diastolic above systolic"](_base())
    assert _import_problems(doc) == [
        (
            "$.trial.days[0].assessments[0].vitals.dbp",
            "the diastolic pressure (100 mmHg) is not below the systolic (98 mmHg): check both readings, "
            "the diastolic is always the lower one",
        )
    ]
    fine = _assessment(0, vitals=Vitals(sbp=98, dbp=60))(_base())
    assert validation.validate_document(fine, now=NOW).trial.days[0].assessments[0].vitals == Vitals(
        sbp=98, dbp=60
    )


def test_times_in_messages_are_written_as_people_read_them() -> None:
    """No ISO "2026-11-05T09:00" in a message a clinician reads: day, month's name, year and HH:MM."""
    doc = CHANGES["a day late"](_base())
    [(_path, message)] = _import_problems(doc)
    assert message.startswith("05 Nov 2026 09:00 is more than a day after this trial day's date (02 Nov 2026)")
    assert "T09:00" not in message and "2026-11" not in message
