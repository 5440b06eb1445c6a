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
    """
    try:
        parsed = parse_trial_document(
            document_to_json(doc), now=now, max_dose_mcg=doc.trial.settings.max_dose_mcg
        )
    except DocumentInvalid as exc:
        raise InvalidInput(
            f"The {what} was not saved. Correct the following and save again:",
            [problem.message for problem in exc.problems],
        ) from exc
    # Settings the format does not carry stay as the trial has them.
    return replace(parsed, trial=replace(parsed.trial, settings=doc.trial.settings))


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
