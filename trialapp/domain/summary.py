"""The trial summary: every day's response (R4), the recommended pump dose (R6) and the next-dose
suggestion (R7), and its JSON form for ``summary --json`` (RULES.md "Summary output")."""

from __future__ import annotations

from dataclasses import dataclass

from trialapp.domain.dosing import format_dose, suggest_next_dose
from trialapp.domain.provisional import day_is_provisional
from trialapp.domain.records import Day, ProtocolSettings, Trial
from trialapp.domain.response import (
    DayResponse,
    Recommendation,
    day_response,
    recommend_initial_daily_dose,
    round2,
)

JsonValue = None | bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"]


@dataclass(frozen=True)
class TrialSummary:
    """A trial's results under its own stored settings.

    ``next_dose_suggestion_mcg`` and ``next_dose_message`` are the R7 suggestion after the last dosed
    day (``next_dose_from_day``); the dose is ``None`` when no suggestion applies.
    """

    settings: ProtocolSettings
    days: tuple[DayResponse, ...]
    recommendation: Recommendation
    next_dose_suggestion_mcg: int | None
    next_dose_message: str
    next_dose_from_day: int | None
    explanation: str


def trial_day_response(trial: Trial, day: Day, settings: ProtocolSettings | None = None) -> DayResponse:
    """R4 for one day of ``trial`` under its settings (or ``settings``, e.g. a chart's other region), flagged ``provisional`` while the day is still
    running (:func:`trialapp.domain.provisional.day_is_provisional`): the one way every screen and
    printout gets a day's response, so none of them gives a verdict on a day whose results are not in."""
    return day_response(day, settings or trial.settings, provisional=day_is_provisional(trial, day.day))


def summarize_trial(trial: Trial) -> TrialSummary:
    """Compute every day's response, the R6 recommendation and the R7 next-dose suggestion.

    Days are reported in day-number order. The next dose is suggested from the last dosed day (the
    highest day number with a dose); when that day's response could not be judged (no baseline or no
    reassessment), or while its results are still provisional, there is no suggestion.
    """
    settings = trial.settings
    days = tuple(trial_day_response(trial, day) for day in sorted(trial.days, key=lambda d: d.day))
    recommendation = recommend_initial_daily_dose(days)

    dosed = [r for r in days if r.dose_mcg is not None]
    last = max(dosed, key=lambda r: r.day) if dosed else None
    next_mcg: int | None = None
    if last is None or last.dose_mcg is None:
        next_message = "No dose has been given yet, so there is no next-dose suggestion."
    elif last.provisional:
        # R7 on a day still running would act on a result that may change ("ladder complete: not a
        # candidate" is a verdict).
        next_message = (
            f"Day {last.day}'s results are not in yet (reassessments still due), so there is no next-dose "
            "suggestion yet."
        )
    elif last.responder is None:
        # The R7 table needs a judged response; suggesting a step on an unknown response would guess.
        next_message = (
            f"The response to day {last.day}'s {format_dose(last.dose_mcg)} could not be judged "
            "(it needs a baseline before the dose and a reassessment after it), so there is no "
            "next-dose suggestion."
        )
    else:
        suggestion = suggest_next_dose(
            settings.ladder, last.dose_mcg, last.responder, last.significant_adverse_effect
        )
        next_mcg = suggestion.dose_mcg
        next_message = suggestion.message

    lines = [f"Day {r.day}{_dose_words(r)}: {r.explanation}" for r in days]
    lines.append(f"Initial pump dose: {recommendation.explanation}")
    lines.append(f"Next dose: {next_message}")
    return TrialSummary(
        settings=settings,
        days=days,
        recommendation=recommendation,
        next_dose_suggestion_mcg=next_mcg,
        next_dose_message=next_message,
        next_dose_from_day=last.day if last is not None else None,
        explanation="\n".join(lines),
    )


def _dose_words(response: DayResponse) -> str:
    return f" ({format_dose(response.dose_mcg)})" if response.dose_mcg is not None else ""


def _rounded(value: float | None) -> float | None:
    return round2(value) if value is not None else None


def _hours(value: float | None) -> float | None:
    return float(value) if value is not None else None


def _day_json(response: DayResponse) -> dict[str, JsonValue]:
    return {
        "day": response.day,
        "dose_mcg": response.dose_mcg,
        "responder": response.responder,
        "peak_reduction": _rounded(response.peak_reduction),
        "peak_hours": _hours(response.peak_hours),
        "effect_hours": _hours(response.effect_hours),
        "effect_censored": response.effect_censored,
        "effect_over_8h": response.effect_over_8h,
        "significant_adverse_effect": response.significant_adverse_effect,
        "provisional": response.provisional,
        "reassessments": [
            {"hours": _hours(change.hours), "reduction": _rounded(change.reduction)}
            for change in response.reassessments
        ],
    }


def summary_to_json(summary: TrialSummary, trial_id: str) -> dict[str, JsonValue]:
    """The ``summary --json`` object of RULES.md, keys in its order.

    ``reduction`` and ``peak_reduction`` are rounded half up to 2 decimals; hours are floats; absent
    values are ``None`` (JSON null); each day's ``provisional`` says whether its figures are "so far".
    """
    settings = summary.settings
    recommendation = summary.recommendation
    return {
        "trial_id": trial_id,
        "region": settings.region,
        "threshold": float(settings.threshold),
        "mas_coding": settings.mas_coding,
        "days": [_day_json(response) for response in summary.days],
        "recommended_daily_dose_mcg": recommendation.recommended_daily_dose_mcg,
        "basis": recommendation.basis,
        "note": recommendation.note,
        "next_dose_suggestion_mcg": summary.next_dose_suggestion_mcg,
    }
