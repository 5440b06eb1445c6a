"""Which trial day the workspace opens on (issue 21 item 6): the day with an overdue reassessment, if any,
so that a nurse opening the trial sees what is late first; otherwise today's day.

Pure Python: no Qt, no SQL.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from trialapp.domain.records import TrialDocument
from trialapp.domain.response import day_dose, day_reassessments
from trialapp.domain.schedule import reassessment_schedule

#: How long after a dose its missed reassessments still call for attention: later, the header stops
#: counting down to them and a trial no longer opens on their day (they stay marked overdue there).
ATTENTION_HORIZON = timedelta(hours=24)


def current_day_number(doc: TrialDocument, now: datetime) -> int | None:
    """The trial day of ``now``: today's day by date; before the trial, day 1; after it, the last day
    with any record (or the last day). None for a trial without days."""
    days = sorted(doc.trial.days, key=lambda d: d.day)
    if not days:
        return None
    today = now.date()
    for day in days:
        if day.date == today:
            return day.day
    if today < days[0].date:
        return days[0].day
    used = [d for d in days if d.assessments or d.doses or d.adverse_events or d.plan]
    return (used[-1] if used else days[-1]).day


def overdue_day_number(doc: TrialDocument, now: datetime) -> int | None:
    """The latest day whose dose was given less than ``ATTENTION_HORIZON`` ago and which has a scheduled
    reassessment overdue at ``now`` (R10); None when no reassessment is overdue."""
    settings = doc.trial.settings
    found: int | None = None
    for day in sorted(doc.trial.days, key=lambda d: d.day):
        dose = day_dose(day)
        if dose is None or not timedelta(0) <= now - dose.given_at <= ATTENTION_HORIZON:
            continue
        times = [a.at for a in day_reassessments(day)]
        slots, _extras = reassessment_schedule(
            dose.given_at, settings.schedule_hours, times, now, settings.late_after_minutes
        )
        if any(slot.status == "overdue" for slot in slots):
            found = day.day
    return found


def day_to_open(doc: TrialDocument, now: datetime) -> int | None:
    """The day a trial opens on: the day with an overdue reassessment (``overdue_day_number``), otherwise
    today's day (``current_day_number``)."""
    overdue = overdue_day_number(doc, now)
    return overdue if overdue is not None else current_day_number(doc, now)
