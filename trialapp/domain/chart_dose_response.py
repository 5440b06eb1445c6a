"""The dose-response chart: each day's dose against its peak reduction and how long the effect lasted
(R4, R6).
"""

from __future__ import annotations

from dataclasses import dataclass

from trialapp.domain.chart_common import (
    CHART_TITLES,
    NO_DAYS,
    day_label,
    peak_words,
    responses_headline,
    settings_for,
    short_lasting_text,
    sorted_days,
    verdict_word,
)
from trialapp.domain.chart_kinds import CHART_KINDS as CHART_KINDS
from trialapp.domain.chart_kinds import TONE_MODES as TONE_MODES
from trialapp.domain.dosing import ladder_steps
from trialapp.domain.muscles import (
    REGION_LABELS,
)
from trialapp.domain.records import TrialDocument
from trialapp.domain.response import (
    format_score,
    recommend_initial_daily_dose,
)
from trialapp.domain.summary import trial_day_response

# ---------------------------------------------------------------------------------------------------
# Dose response across days (R4, R6)


@dataclass(frozen=True)
class DosePoint:
    """One dosed day: its dose against its peak reduction (``None`` when the response was not judged)."""

    day: int
    dose_mcg: int
    label: str
    peak_reduction: float | None
    peak_hours: float | None
    responder: bool | None
    effect_hours: float | None
    effect_censored: bool
    effect_over_8h: bool
    significant_adverse_effect: bool
    summary: str
    detail: str
    provisional: bool = False  # the day's reassessments are not all in: "so far", never "no response"


@dataclass(frozen=True)
class DoseResponseChart:
    title: str
    subtitle: str
    region: str
    threshold: float
    x_label: str
    y_label: str
    effect_label: str
    points: tuple[DosePoint, ...]
    ladder_mcg: tuple[int, ...]
    last_hours: float
    headline: str
    recommendation: str | None
    missing: tuple[str, ...]

    @property
    def has_data(self) -> bool:
        return any(p.peak_reduction is not None for p in self.points)


def dose_response_chart(document: TrialDocument, region: str | None = None) -> DoseResponseChart:
    """Each dosed day's dose (mcg) against its R4 peak reduction, with the threshold and effect duration.

    The R6 recommendation is included only for the trial's own region (the one it is judged on).
    """
    settings = settings_for(document, region)
    days = sorted_days(document)
    responses = [trial_day_response(document.trial, day, settings) for day in days]
    points: list[DosePoint] = []
    missing: list[str] = []
    if not days:
        missing.append(NO_DAYS)
    for response in responses:
        if response.dose_mcg is None:
            missing.append(f"Day {response.day}: no dose was recorded.")
            continue
        label = day_label(response.day, response.dose_mcg)
        if response.responder is None or response.peak_reduction is None or response.peak_hours is None:
            summary = "not judged"
            detail = f"{label}: {response.explanation}"
            missing.append(detail)
        else:
            verdict = verdict_word(response)
            summary = peak_words(response)
            if response.effect_hours is not None:
                summary += f", {short_lasting_text(response)}"
            detail = f"{label} ({verdict}): {response.explanation}"
        points.append(
            DosePoint(
                day=response.day,
                dose_mcg=response.dose_mcg,
                label=label,
                peak_reduction=response.peak_reduction,
                peak_hours=response.peak_hours,
                responder=response.responder,
                effect_hours=response.effect_hours,
                effect_censored=response.effect_censored,
                effect_over_8h=response.effect_over_8h,
                significant_adverse_effect=response.significant_adverse_effect,
                summary=summary,
                detail=detail,
                provisional=response.provisional,
            )
        )
    if len(points) == 1:
        missing.append("Only one day has been dosed so far: comparing doses needs two or more days.")

    recommendation: str | None = None
    trial_region = document.trial.settings.region
    if settings.region == trial_region and responses:
        advice = recommend_initial_daily_dose(responses)
        if advice.recommended_daily_dose_mcg is not None:
            recommendation = f"Label advice: start the pump at {advice.recommended_daily_dose_mcg} mcg/day ({advice.basis})."
        elif advice.note is not None:
            recommendation = f"Label advice: {advice.note}."
    last_hours = max(
        [8.0, *settings.schedule_hours]
        + [c.hours for r in responses for c in r.reassessments if c.hours is not None]
    )
    try:
        ladder = ladder_steps(settings.ladder)
    except ValueError:
        ladder = ()
    region_words = REGION_LABELS[settings.region]
    subtitle = f"Peak reduction in mean MAS of the {region_words} for each day's dose; threshold {format_score(settings.threshold)}"
    if settings.region != trial_region:
        subtitle += f". The trial is judged on the {REGION_LABELS[trial_region]}"
    return DoseResponseChart(
        title=CHART_TITLES["dose-response"],
        subtitle=subtitle,
        region=settings.region,
        threshold=settings.threshold,
        x_label="Dose (mcg)",
        y_label="Peak reduction in mean MAS",
        effect_label="Hours after the dose",
        points=tuple(points),
        ladder_mcg=tuple(sorted({*ladder, *(p.dose_mcg for p in points)})),
        last_hours=float(last_hours),
        headline=responses_headline(days, responses, settings),
        recommendation=recommendation,
        missing=tuple(missing),
    )
