"""What the trial workspace shows, computed from the trial's records (no Qt here, easy to test).

Every number comes from the domain rules: the schedule (R10), the day response (R3/R4), the next-dose
suggestion (R7), dose wording. These helpers only choose what to show and word it for the screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from trialapp.domain.dosing import (
    NextDoseSuggestion,
    describe_age,
    format_concentration,
    format_dose,
    format_volume,
    ladder_steps,
)
from trialapp.domain.numbers import plain_number
from trialapp.domain.opening_day import ATTENTION_HORIZON, current_day_number
from trialapp.domain.records import Assessment, Day, Dose, TrialDocument
from trialapp.domain.response import (
    DayResponse,
    day_baseline,
    day_dose,
    day_reassessments,
)
from trialapp.domain.schedule import (
    ScheduleSlot,
    describe_next_due,
    describe_slot,
    format_minutes,
    next_due,
    reassessment_schedule,
)
from trialapp.domain.summary import trial_day_response
from trialapp.services.dosing import suggestion_for_day

# After this long without a dose the header stops counting down to the last dose's slots: the slots
# that were missed are still marked overdue on that day's timeline.
COUNTDOWN_HORIZON = ATTENTION_HORIZON


def patient_name(doc: TrialDocument) -> str:
    parts = [p for p in (doc.patient.given_name, doc.patient.family_name) if p]
    return " ".join(parts) or f"MRN {doc.patient.mrn}"


def find_day(doc: TrialDocument, number: int) -> Day | None:
    return next((d for d in doc.trial.days if d.day == number), None)


def last_dose(doc: TrialDocument, now: datetime | None = None) -> tuple[int, Dose] | None:
    """The latest dose given (up to ``now``, when given), with its day number."""
    doses = [(d.day, x) for d in doc.trial.days for x in d.doses if now is None or x.given_at <= now]
    if not doses:
        return None
    return max(doses, key=lambda item: item[1].given_at)


def describe_dose(dose: Dose) -> str:
    """ "75 mcg (1.50 mL of 50 mcg/mL) at 09:00" — the dose always written in mcg."""
    return (
        f"{format_dose(dose.dose_mcg)} ({format_volume(dose.volume_ml)} of "
        f"{format_concentration(dose.concentration_mcg_per_ml)}) at {dose.given_at:%H:%M}"
    )


def elapsed_words(since: datetime, now: datetime) -> str:
    minutes = int((now - since).total_seconds() // 60)
    if minutes < 0:
        return "in the future"
    if minutes < 1:
        return "just now"
    if minutes >= 48 * 60:
        return f"{minutes // (24 * 60)} days ago"
    return f"{format_minutes(minutes)} ago"


def countdown_words(due_at: datetime, now: datetime, status: str = "due") -> str:
    """A live countdown: "in 0:24:51" before the slot, then "due now" while the slot is due (R10's window),
    "overdue by 42 min" once it is overdue."""
    seconds = int((due_at - now).total_seconds())
    if seconds > 0:
        hours, rest = divmod(seconds, 3600)
        minutes, secs = divmod(rest, 60)
        return f"in {hours}:{minutes:02d}:{secs:02d}"
    late_minutes = (-seconds) // 60
    if status == "overdue":
        return f"overdue by {format_minutes(late_minutes)}"
    if late_minutes < 1:
        return "due now"
    return f"due now (+{format_minutes(late_minutes)})"


@dataclass(frozen=True)
class DaySchedule:
    """The R10 schedule after a day's first dose, and its extra reassessments."""

    dose: Dose
    slots: tuple[ScheduleSlot, ...]
    extras: tuple[datetime, ...]


def day_schedule(doc: TrialDocument, day: Day, now: datetime) -> DaySchedule | None:
    dose = day_dose(day)
    if dose is None:
        return None
    settings = doc.trial.settings
    times = [a.at for a in day_reassessments(day)]
    slots, extras = reassessment_schedule(
        dose.given_at, settings.schedule_hours, times, now, settings.late_after_minutes
    )
    return DaySchedule(dose, slots, extras)


@dataclass(frozen=True)
class NextReassessment:
    """What the header counts down to."""

    day: int | None
    slot: ScheduleSlot | None
    text: str


def next_reassessment(doc: TrialDocument, now: datetime) -> NextReassessment:
    found = last_dose(doc, now)
    if found is None:
        return NextReassessment(None, None, "No dose yet: reassessments are scheduled after the dose.")
    day_number, _dose = found
    day = find_day(doc, day_number)
    assert day is not None
    schedule = day_schedule(doc, day, now)
    assert schedule is not None
    if now - schedule.dose.given_at > COUNTDOWN_HORIZON:
        return NextReassessment(
            day_number, None, f"Nothing due: the last dose was on day {day_number}, more than 24 h ago."
        )
    slot = next_due(schedule.slots)
    return NextReassessment(day_number, slot, f"Day {day_number}: {describe_next_due(schedule.slots, now)}")


@dataclass(frozen=True)
class HeaderInfo:
    name: str
    mrn: str
    age: str
    weight: str
    allergies: tuple[str, ...]
    gmfcs: str
    day_number: int | None
    day_text: str
    last_dose_text: str
    next_due: NextReassessment


def header_info(doc: TrialDocument, now: datetime, shown_day: int | None = None) -> HeaderInfo:
    patient = doc.patient
    on = min(now.date(), max(d.date for d in doc.trial.days)) if doc.trial.days else now.date()
    age = describe_age(patient.birth_date, max(on, patient.birth_date))
    weight = (
        f"{plain_number(patient.weight_kg)} kg" if patient.weight_kg is not None else "weight not recorded"
    )
    day_number = shown_day if shown_day is not None else current_day_number(doc, now)
    total = len(doc.trial.days)
    day_text = "No trial days"
    if day_number is not None:
        day = find_day(doc, day_number)
        when = f" · {day.date:%a %d %b}" if day is not None else ""
        day_text = f"Trial day {day_number} of {total}{when}"
    found = last_dose(doc, now)
    if found is None:
        last_text = "No dose given yet"
    else:
        number, dose = found
        last_text = (
            f"Last dose: {format_dose(dose.dose_mcg)} at {dose.given_at:%H:%M} on day {number} "
            f"({elapsed_words(dose.given_at, now)})"
        )
    gmfcs = f"GMFCS {patient.gmfcs_level}" if patient.gmfcs_level else "GMFCS not recorded"
    return HeaderInfo(
        name=patient_name(doc),
        mrn=patient.mrn,
        age=age,
        weight=weight,
        allergies=tuple(patient.allergies),
        gmfcs=gmfcs,
        day_number=day_number,
        day_text=day_text,
        last_dose_text=last_text,
        next_due=next_reassessment(doc, now),
    )


# --------------------------------------------------------------------------------------------------
# One day's timeline


@dataclass(frozen=True)
class SlotLine:
    """One scheduled reassessment on the timeline."""

    hours: float
    status: str  # done | late | due | overdue | upcoming
    text: str
    reduction_text: str | None


@dataclass(frozen=True)
class DayTimeline:
    day: Day
    baselines: tuple[Assessment, ...]
    counted_baseline: Assessment | None
    dose: Dose | None
    suggestion: NextDoseSuggestion | None
    planned_dose_mcg: int | None
    first_step_mcg: int
    schedule: DaySchedule | None
    slot_lines: tuple[SlotLine, ...]
    extra_lines: tuple[str, ...]
    response: DayResponse
    schedule_hours: tuple[float, ...]


def _reduction_words(response: DayResponse, at: datetime) -> str | None:
    for change in response.reassessments:
        if change.at == at:
            return change.explanation
    return None


def day_timeline(doc: TrialDocument, day_number: int, now: datetime) -> DayTimeline:
    day = find_day(doc, day_number)
    if day is None:
        raise ValueError(f"This trial has no day {day_number}.")
    response = trial_day_response(doc.trial, day)
    schedule = day_schedule(doc, day, now)
    lines: list[SlotLine] = []
    extras: list[str] = []
    if schedule is not None:
        for slot in schedule.slots:
            reduction = _reduction_words(response, slot.done_at) if slot.done_at is not None else None
            lines.append(SlotLine(slot.hours, slot.status, describe_slot(slot, now), reduction))
        for at in schedule.extras:
            words = _reduction_words(response, at)
            extras.append(f"Unscheduled reassessment at {at:%H:%M}" + (f": {words}" if words else ""))
    previous = find_day(doc, day_number - 1)
    planned = previous.plan.next_dose_mcg if previous is not None and previous.plan is not None else None
    return DayTimeline(
        day=day,
        baselines=tuple(a for a in day.assessments if a.kind == "baseline"),
        counted_baseline=day_baseline(day),
        dose=day_dose(day),
        suggestion=suggestion_for_day(doc, day_number),
        planned_dose_mcg=planned,
        first_step_mcg=ladder_steps(doc.trial.settings.ladder)[0],
        schedule=schedule,
        slot_lines=tuple(lines),
        extra_lines=tuple(extras),
        response=response,
        schedule_hours=tuple(doc.trial.settings.schedule_hours),
    )


def baseline_for_form(doc: TrialDocument, day_number: int) -> Assessment | None:
    """The baseline a reassessment form compares with: the day's counted baseline (R3), or before the
    dose is recorded, the day's latest baseline."""
    day = find_day(doc, day_number)
    if day is None:
        return None
    counted = day_baseline(day)
    if counted is not None:
        return counted
    baselines = sorted((a for a in day.assessments if a.kind == "baseline"), key=lambda a: a.at)
    return baselines[-1] if baselines else None


def day_date(doc: TrialDocument, day_number: int) -> date | None:
    day = find_day(doc, day_number)
    return day.date if day is not None else None
