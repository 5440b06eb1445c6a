"""R14: the checks when the candidacy decision is signed (RULES.md, revision 2).

Warnings each need a reason, printed with the decision: the outcome is ``candidate`` but no day was a
responder; the initial daily pump dose differs from the R6 recommendation by more than 25 % (or R6 has
none); a scheduled reassessment of the last dosed day is still due; the last dosed day has no saved day
review; an urgent alert is unacknowledged. Errors block signing: an initial daily dose above 4 × the
largest bolus given in the trial, or none for a candidate.

Pure Python: the caller passes the number of unacknowledged urgent alerts (they are not part of the
trial's records).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from trialapp.domain.dosing import format_dose
from trialapp.domain.numbers import plain_number
from trialapp.domain.records import Trial
from trialapp.domain.response import day_dose, day_reassessments
from trialapp.domain.schedule import reassessment_schedule
from trialapp.domain.summary import TrialSummary

# The signed dose may be at most this many times the largest bolus given in the trial (R14 error).
MAX_TIMES_LARGEST_BOLUS = 4
# The signed dose may differ from R6 by at most this fraction of it without a warning.
R6_TOLERANCE = 0.25

NO_DAILY_DOSE = "A candidate needs the agreed initial daily pump dose in mcg/day."
REASONS_HEADING = "Signed despite these warnings:"


@dataclass(frozen=True)
class DecisionCheck:
    """One R14 finding: ``level`` is "error" (blocks signing) or "warning" (needs a reason)."""

    code: str
    level: str
    message: str


def _warning(code: str, message: str) -> DecisionCheck:
    return DecisionCheck(code, "warning", message)


def _error(code: str, message: str) -> DecisionCheck:
    return DecisionCheck(code, "error", message)


def _dose_checks(trial: Trial, summary: TrialSummary, daily_mcg: int) -> list[DecisionCheck]:
    found: list[DecisionCheck] = []
    boluses = [dose.dose_mcg for day in trial.days for dose in day.doses]
    largest = max(boluses, default=0)
    if daily_mcg > MAX_TIMES_LARGEST_BOLUS * largest:
        if largest:
            why = (
                f"{daily_mcg} mcg/day is above {MAX_TIMES_LARGEST_BOLUS} × the largest bolus given in the "
                f"trial ({MAX_TIMES_LARGEST_BOLUS} × {format_dose(largest)} = "
                f"{MAX_TIMES_LARGEST_BOLUS * largest} mcg/day)."
            )
        else:
            why = f"{daily_mcg} mcg/day cannot be signed: no bolus was given in this trial."
        found.append(_error("above_4x_bolus", why))
    recommended = summary.recommendation.recommended_daily_dose_mcg
    if recommended is None:
        found.append(
            _warning(
                "differs_from_r6",
                f"There is no recommended initial pump dose to compare {daily_mcg} mcg/day with.",
            )
        )
    elif abs(daily_mcg - recommended) > R6_TOLERANCE * recommended:
        percent = plain_number(round(100 * abs(daily_mcg - recommended) / recommended))
        found.append(
            _warning(
                "differs_from_r6",
                f"{daily_mcg} mcg/day differs from the recommended initial pump dose of {recommended} mcg/day by "
                f"{percent} % (more than 25 %).",
            )
        )
    return found


def _last_day_checks(trial: Trial) -> list[DecisionCheck]:
    dosed = [d for d in trial.days if day_dose(d) is not None]
    if not dosed:
        return []
    last = max(dosed, key=lambda d: d.day)
    dose = day_dose(last)
    assert dose is not None
    found: list[DecisionCheck] = []
    settings = trial.settings
    if settings.schedule_hours:
        # Only which slots are filled matters, and that does not depend on the clock.
        slots, _extra = reassessment_schedule(
            dose.given_at,
            settings.schedule_hours,
            [a.at for a in day_reassessments(last)],
            now=dose.given_at,
            late_after_minutes=settings.late_after_minutes,
        )
        due = [f"{plain_number(slot.hours)} h" for slot in slots if slot.done_at is None]
        if due:
            which = ", ".join(due)
            noun = "reassessment is" if len(due) == 1 else "reassessments are"
            found.append(_warning("reassessment_due", f"Day {last.day}'s {which} {noun} still due."))
    if last.plan is None:
        found.append(
            _warning("no_day_review", f"Day {last.day}, the last dosed day, has no saved day review.")
        )
    return found


def decision_checks(
    trial: Trial,
    summary: TrialSummary,
    *,
    outcome: str,
    initial_daily_dose_mcg: int | None,
    unacknowledged_urgent_alerts: int = 0,
) -> tuple[DecisionCheck, ...]:
    """R14 for a decision about to be signed: errors first, then warnings, each with its message.

    ``summary`` is :func:`trialapp.domain.summary.summarize_trial` of ``trial`` (for R4 and R6).
    """
    errors: list[DecisionCheck] = []
    warnings: list[DecisionCheck] = []
    if outcome == "candidate":
        if not any(day.responder is True for day in summary.days):
            warnings.append(
                _warning(
                    "candidate_without_responder", "The outcome is candidate but no day was a responder."
                )
            )
        if initial_daily_dose_mcg is None:
            errors.append(_error("no_daily_dose", NO_DAILY_DOSE))
    if initial_daily_dose_mcg is not None:
        for check in _dose_checks(trial, summary, initial_daily_dose_mcg):
            (errors if check.level == "error" else warnings).append(check)
    warnings.extend(_last_day_checks(trial))
    if unacknowledged_urgent_alerts:
        count = unacknowledged_urgent_alerts
        warnings.append(
            _warning(
                "urgent_alert",
                f"{count} urgent alert{'s are' if count > 1 else ' is'} not acknowledged.",
            )
        )
    return (*errors, *warnings)


def missing_reasons(checks: Sequence[DecisionCheck], reasons: Mapping[str, str]) -> tuple[DecisionCheck, ...]:
    """The warnings of ``checks`` without a reason in ``reasons`` (by code; blank counts as none)."""
    return tuple(c for c in checks if c.level == "warning" and not reasons.get(c.code, "").strip())


def rationale_with_reasons(
    rationale: str, checks: Sequence[DecisionCheck], reasons: Mapping[str, str]
) -> str:
    """The rationale as signed: the neurosurgeon's words, then each R14 warning with its reason, so that
    wherever the decision is shown or printed its warnings go with it."""
    warned = [c for c in checks if c.level == "warning"]
    if not warned:
        return rationale
    lines = [f"- {c.message} Reason: {reasons[c.code].strip()}" for c in warned]
    return "\n".join([rationale, "", REASONS_HEADING, *lines])
