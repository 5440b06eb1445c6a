"""One validator for every write: the trial, as it would be after the change, must be a valid document.

The bedside forms and the import use the same rules (``itb-trial/1``: codes, ranges, times after the
catheter placement and not in the future, R8 dose errors), so a record saved at the bedside can always be
exported and imported again.

A new assessment, the most frequent bedside save, is judged in its place instead
(:func:`validate_new_assessment`): the stored trial is valid already, so only the rules that concern the
assessment run, through the same parser, and the trial is not reloaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime

from trialapp.domain.records import Assessment, Day, TrialDocument
from trialapp.interchange.trial_json import (
    AssessmentPlace,
    DocumentInvalid,
    assessment_to_json,
    document_to_json,
    parse_assessment,
    parse_trial_document,
)
from trialapp.services.errors import InvalidInput


def validate_document(doc: TrialDocument, *, what: str, now: datetime | None = None) -> TrialDocument:
    """The trial as it will be stored (text trimmed, empty text absent), or InvalidInput listing every problem.

    Services store what this returns, so a bedside save and an import keep exactly the same values.
    Days planned ahead (dated after today, nothing recorded yet) are plans, not records: the "not in the
    future" rule applies to them once something is recorded on them.
    """
    recorded, planned = split_planned_days(doc, now)
    try:
        parsed = parse_trial_document(
            document_to_json(recorded), now=now, max_dose_mcg=doc.trial.settings.max_dose_mcg
        )
    except DocumentInvalid as exc:
        raise not_saved(what, exc) from exc
    # Settings the format does not carry stay as the trial has them.
    days = parsed.trial.days + planned
    return replace(parsed, trial=replace(parsed.trial, settings=doc.trial.settings, days=days))


def validate_new_assessment(
    assessment: Assessment, place: AssessmentPlace, *, now: datetime | None = None
) -> Assessment:
    """One assessment added to a stored (valid) trial, as it will be stored; or InvalidInput.

    Gives what :func:`validate_document` gives for the trial with this assessment added, without
    reading the rest of the trial: the rules that concern the assessment run in its place
    (``trial_json.parse_assessment``), with the same messages.
    """
    try:
        return parse_assessment(assessment_to_json(assessment), place, now=now)
    except DocumentInvalid as exc:
        raise not_saved("assessment", exc) from exc


def not_saved(what: str, exc: DocumentInvalid) -> InvalidInput:
    return InvalidInput(
        f"The {what} was not saved. Correct the following and save again:",
        [problem.message for problem in exc.problems],
    )


def is_empty_day(day: Day) -> bool:
    return not (day.assessments or day.doses or day.adverse_events or day.plan)


def split_planned_days(doc: TrialDocument, now: datetime | None) -> tuple[TrialDocument, tuple[Day, ...]]:
    """The document without its planned days (after today, still empty), and those days.

    Day 1 always stays (a trial has at least one day), so a trial dated in the future is still refused.
    """
    days = doc.trial.days
    keep = recorded_day_count([(d.date, not is_empty_day(d)) for d in days], now)
    return replace(doc, trial=replace(doc.trial, days=days[:keep])), days[keep:]


def recorded_day_count(days: Sequence[tuple[date, bool]], now: datetime | None) -> int:
    """How many of a trial's days, (date, holds a record) in order, are records; the rest are planned.

    Planned days are the last days dated after today with nothing recorded yet; day 1 always counts.
    """
    today = (now or datetime.now()).date()
    keep = len(days)
    while keep > 1 and days[keep - 1][0] > today and not days[keep - 1][1]:
        keep -= 1
    return keep


def with_day(doc: TrialDocument, day: Day) -> TrialDocument:
    """The document with ``day`` replacing the day of the same number (or added)."""
    days = [d for d in doc.trial.days if d.day != day.day] + [day]
    days.sort(key=lambda d: d.day)
    return replace(doc, trial=replace(doc.trial, days=tuple(days)))


def find_day(doc: TrialDocument, day_number: int) -> Day:
    for day in doc.trial.days:
        if day.day == day_number:
            return day
    raise no_such_day(day_number, [d.day for d in doc.trial.days])


def no_such_day(day_number: int, days: Sequence[int]) -> InvalidInput:
    known = ", ".join(str(d) for d in days) or "none"
    return InvalidInput(f"This trial has no day {day_number} (its days: {known}). Add the day first.")
