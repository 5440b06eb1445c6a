"""One validator for every write: the records, as they will be after the change, must keep the record rules.

The rules are the domain's (:mod:`trialapp.domain.validation`): the same the import applies to an
``itb-trial/1`` document (codes, ranges, times after the catheter placement and not in the future, R8
dose errors), judged here on the records directly, so a record saved at the bedside can always be
exported and imported again.

A new assessment, the most frequent bedside save, is judged against what its trial's rules read of the
trial (:func:`validate_new_assessment`, with a :class:`~trialapp.domain.validation.TrialContext`): the
stored trial is valid already, so only the rules that concern the assessment run, and the trial is not
reloaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from trialapp.domain import validation
from trialapp.domain.records import Assessment, Day, TrialDocument
from trialapp.services.errors import InvalidInput


def validate_document(doc: TrialDocument, *, what: str, now: datetime | None = None) -> TrialDocument:
    """The trial as it will be stored (text trimmed, empty text absent), or InvalidInput listing every problem.

    Services store what this returns, so a bedside save and an import keep exactly the same values.
    Days planned ahead (dated after today, nothing recorded yet) are plans, not records: the "not in the
    future" rule applies to them once something is recorded on them.
    """
    try:
        return validation.validate_document(doc, now=now)
    except validation.RecordsInvalid as exc:
        raise not_saved(what, exc) from exc


def validate_new_assessment(
    assessment: Assessment, context: validation.TrialContext, *, now: datetime | None = None
) -> Assessment:
    """One assessment added to a stored (valid) trial, as it will be stored; or InvalidInput.

    Gives what :func:`validate_document` gives for the trial with this assessment added, without
    reading the rest of the trial: the rules that concern the assessment run against its trial's
    context, with the same messages.
    """
    try:
        return validation.validate_new_assessment(assessment, context, now=now)
    except validation.RecordsInvalid as exc:
        raise not_saved("assessment", exc) from exc


def not_saved(what: str, exc: validation.RecordsInvalid) -> InvalidInput:
    """The refusal of a write, with every problem's message."""
    return InvalidInput(
        f"The {what} was not saved. Correct the following and save again:",
        [problem.message for problem in exc.problems],
    )


def with_day(doc: TrialDocument, day: Day) -> TrialDocument:
    """The document with ``day`` replacing the day of the same number (or added)."""
    days = [d for d in doc.trial.days if d.day != day.day] + [day]
    days.sort(key=lambda d: d.day)
    return replace(doc, trial=replace(doc.trial, days=tuple(days)))


def find_day(doc: TrialDocument, day_number: int) -> Day:
    """The day numbered ``day_number``, or InvalidInput naming the trial's days."""
    for day in doc.trial.days:
        if day.day == day_number:
            return day
    raise no_such_day(day_number, [d.day for d in doc.trial.days])


def no_such_day(day_number: int, days: Sequence[int]) -> InvalidInput:
    """The refusal of a write on a day the trial does not have."""
    known = ", ".join(str(d) for d in days) or "none"
    return InvalidInput(f"This trial has no day {day_number} (its days: {known}). Add the day first.")
