"""The "due now" list across active trials: which reassessment is due for whom, and when (RULES.md R10).

One set of queries for all active trials (trials with patients, their doses, their reassessment times),
never one query per trial; the schedule itself is computed by ``domain.schedule``. Only the latest dose of
each trial counts, and only while it is recent (``DOSE_WINDOW``): a dose from an earlier day has been
followed by the next day's plan, so its missed slots are history, not work to do now.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from trialapp.domain.schedule import describe_slot, next_due, reassessment_schedule
from trialapp.services.context import Actor, App
from trialapp.services.permissions import require
from trialapp.storage import models as m

DOSE_WINDOW = timedelta(hours=24)
_ORDER = {"overdue": 0, "due": 1, "upcoming": 2}


@dataclass(frozen=True)
class DueItem:
    """The next reassessment of one active trial."""

    trial_id: str
    mrn: str
    patient_name: str
    day: int
    dose_mcg: int
    dose_at: datetime
    hours: float
    due_at: datetime
    status: str  # due | overdue | upcoming
    description: str  # e.g. "4 h reassessment overdue by 10 min (due at 13:00)"
    missed: int  # earlier slots of the same dose that are overdue too

    @property
    def overdue(self) -> bool:
        return self.status == "overdue"


def _local(value: datetime) -> datetime:
    """Naive local time, so that imported times with an offset compare with the bedside's times."""
    return value.astimezone().replace(tzinfo=None) if value.tzinfo is not None else value


def due_now(app: App, actor: Actor, *, now: datetime | None = None, limit: int = 200) -> list[DueItem]:
    """The next reassessment of every active trial dosed in the last 24 h, most pressing first.

    Overdue before due before upcoming, then by due time. Trials whose scheduled reassessments are all
    done are left out.
    """
    require(actor, "view_trials")
    now = _local(now) if now is not None else datetime.now()
    with app.db.read() as s:
        trials = s.execute(
            select(
                m.TrialRow.id,
                m.TrialRow.public_id,
                m.TrialRow.schedule_hours,
                m.TrialRow.late_after_minutes,
                m.PatientRow.mrn,
                m.PatientRow.given_name,
                m.PatientRow.family_name,
            )
            .join(m.PatientRow, m.TrialRow.patient_id == m.PatientRow.id)
            .where(m.TrialRow.state == "active")
        ).all()
        active = select(m.TrialRow.id).where(m.TrialRow.state == "active")
        doses = s.execute(
            select(m.TrialDay.trial_id, m.TrialDay.day_number, m.DoseRecord.given_at, m.DoseRecord.dose_mcg)
            .join(m.TrialDay, m.DoseRecord.day_id == m.TrialDay.id)
            .where(m.TrialDay.trial_id.in_(active))
        ).all()
    last_dose: dict[int, tuple[datetime, int, int]] = {}
    for trial_pk, day, given_at, dose_mcg in doses:
        at = _local(given_at)
        if trial_pk not in last_dose or at > last_dose[trial_pk][0]:
            last_dose[trial_pk] = (at, day, dose_mcg)
    # Reassessment times only for the trials dosed recently: a bounded query even on a large database.
    recent = [pk for pk, (at, _day, _dose) in last_dose.items() if timedelta(0) <= now - at <= DOSE_WINDOW]
    times: dict[int, list[datetime]] = defaultdict(list)
    if recent:
        with app.db.read() as s:
            rows = s.execute(
                select(m.TrialDay.trial_id, m.AssessmentRow.at)
                .join(m.TrialDay, m.AssessmentRow.day_id == m.TrialDay.id)
                .where(m.TrialDay.trial_id.in_(recent), m.AssessmentRow.kind == "reassessment")
            ).all()
        for trial_pk, at in rows:
            times[trial_pk].append(_local(at))

    items: list[DueItem] = []
    for trial_pk, public_id, hours, late, mrn, given, family in trials:
        if trial_pk not in last_dose:
            continue
        dose_at, day, dose_mcg = last_dose[trial_pk]
        if not timedelta(0) <= now - dose_at <= DOSE_WINDOW:
            continue
        after = [t for t in times[trial_pk] if t >= dose_at]
        slots, _extras = reassessment_schedule(dose_at, hours, after, now, late)
        slot = next_due(slots)
        if slot is None:
            continue
        missed = sum(1 for x in slots if x.status == "overdue" and x is not slot)
        items.append(
            DueItem(
                trial_id=public_id,
                mrn=mrn,
                patient_name=" ".join(p for p in (given, family) if p) or mrn,
                day=day,
                dose_mcg=dose_mcg,
                dose_at=dose_at,
                hours=slot.hours,
                due_at=slot.due_at,
                status=slot.status,
                description=describe_slot(slot, now),
                missed=missed,
            )
        )
    items.sort(key=lambda i: (_ORDER.get(i.status, 3), i.due_at, i.trial_id))
    return items[:limit]
