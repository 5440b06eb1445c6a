"""One validator for every write: the trial, as it would be after the change, must be a valid document.

The bedside forms and the import use the same rules (``itb-trial/1``: codes, ranges, times after the
catheter placement and not in the future, R8 dose errors), so a record saved at the bedside can always be
exported and imported again.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from trialapp.domain.records import Day, TrialDocument
from trialapp.interchange.trial_json import DocumentInvalid, document_to_json, parse_trial_document
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
        raise InvalidInput(
            f"The {what} was not saved. Correct the following and save again:",
            [problem.message for problem in exc.problems],
        ) from exc
    # Settings the format does not carry stay as the trial has them.
    days = parsed.trial.days + planned
    return replace(parsed, trial=replace(parsed.trial, settings=doc.trial.settings, days=days))


def is_empty_day(day: Day) -> bool:
    return not (day.assessments or day.doses or day.adverse_events or day.plan)


def split_planned_days(doc: TrialDocument, now: datetime | None) -> tuple[TrialDocument, tuple[Day, ...]]:
    """The document without its planned days (after today, still empty), and those days.

    Day 1 always stays (a trial has at least one day), so a trial dated in the future is still refused.
    """
    today = (now or datetime.now()).date()
    days = doc.trial.days
    keep = len(days)
    while keep > 1 and days[keep - 1].date > today and is_empty_day(days[keep - 1]):
        keep -= 1
    return replace(doc, trial=replace(doc.trial, days=days[:keep])), days[keep:]


def with_day(doc: TrialDocument, day: Day) -> TrialDocument:
    """The document with ``day`` replacing the day of the same number (or added)."""
    days = [d for d in doc.trial.days if d.day != day.day] + [day]
    days.sort(key=lambda d: d.day)
    return replace(doc, trial=replace(doc.trial, days=tuple(days)))


def find_day(doc: TrialDocument, day_number: int) -> Day:
    for day in doc.trial.days:
        if day.day == day_number:
            return day
    known = ", ".join(str(d.day) for d in doc.trial.days) or "none"
    raise InvalidInput(f"This trial has no day {day_number} (its days: {known}). Add the day first.")
