"""Whether a dosed day's response is still provisional (RULES.md "Results while a day is still running").

The rule, verbatim:

    Until a dosed day's last scheduled reassessment is recorded (or its day is closed), its response is
    **provisional**: the app and every printout say "so far" (for example "peak 0.5 at 1 h so far") and
    never print "not a responder" or a trial-level verdict from it; [...]

The records hold no explicit "day closed" flag, so a day counts as **closed** when one of these exists:

- the team's plan for the day (the saved day review: next dose, who agreed) — the team has looked at the
  day's results and decided what follows (R14 calls this "a saved day review");
- a dose on a later day of the trial — the next day has begun, so nothing more is observed of this one;
- a candidacy decision (any outcome) signed at or after the day's dose — the neurosurgeon judged the
  trial with this day's results in view. A decision without a time (older imports) closes every day.

"The last scheduled reassessment is recorded" means: a reassessment fills the schedule's last slot under
R10's matching (:func:`trialapp.domain.schedule.reassessment_schedule`), on time, early or late. A day
with an empty schedule has nothing left to wait for.

Pure Python: no Qt, no SQL, no clock (the answer depends on the records only).
"""

from __future__ import annotations

from trialapp.domain.records import Day, Trial
from trialapp.domain.response import day_dose, day_reassessments
from trialapp.domain.schedule import reassessment_schedule


def day_is_closed(trial: Trial, day: Day) -> bool:
    """True when ``day`` of ``trial`` is closed: it has a saved plan, a later day has a dose, or a
    candidacy decision was signed at or after its dose (see the module notes)."""
    if day.plan is not None:
        return True
    if any(other.day > day.day and other.doses for other in trial.days):
        return True
    decision = trial.decision
    if decision is None:
        return False
    if decision.decided_at is None:
        return True
    dose = day_dose(day)
    return dose is None or decision.decided_at >= dose.given_at


def day_is_provisional(trial: Trial, day_number: int) -> bool:
    """RULES.md "Results while a day is still running": True while day ``day_number`` of ``trial`` has a
    dose, the reassessment for its schedule's last slot (R10 matching) is not recorded, and the day is not
    closed (:func:`day_is_closed`). A day without a dose, or not in the trial, is never provisional.
    """
    day = next((d for d in trial.days if d.day == day_number), None)
    if day is None:
        return False
    dose = day_dose(day)
    if dose is None or day_is_closed(trial, day):
        return False
    settings = trial.settings
    if not settings.schedule_hours:
        return False
    times = [a.at for a in day_reassessments(day)]
    # R10's status needs a "now"; only which slots are filled matters here, and that does not depend on it.
    slots, _extra = reassessment_schedule(
        dose.given_at,
        settings.schedule_hours,
        times,
        now=dose.given_at,
        late_after_minutes=settings.late_after_minutes,
    )
    last = max(slots, key=lambda slot: slot.hours)
    return last.done_at is None
