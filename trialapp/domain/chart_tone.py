"""The tone chart: mean MAS of a region over the hours after each day's dose (R3, R4)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from trialapp.domain.chart_common import (
    CHART_TITLES,
    NO_DAYS,
    day_label,
    day_missing,
    peak_words,
    responses_headline,
    settings_for,
    short_lasting_text,
    sorted_days,
    verdict_word,
    when_text,
)
from trialapp.domain.chart_kinds import CHART_KINDS as CHART_KINDS
from trialapp.domain.chart_kinds import TONE_MODES as TONE_MODES
from trialapp.domain.muscles import (
    REGION_LABELS,
)
from trialapp.domain.records import Day, ProtocolSettings, TrialDocument
from trialapp.domain.response import (
    DayResponse,
    PairedChange,
    day_baseline,
    day_dose,
    format_score,
    paired_change,
)
from trialapp.domain.scales import MAS_CODING_LABELS
from trialapp.domain.summary import trial_day_response

# ---------------------------------------------------------------------------------------------------
# Tone over time (R3, R4)


@dataclass(frozen=True)
class ToneDaySeries:
    """One day's line on the tone chart.

    ``hours`` starts with the baseline at 0 h, then every reassessment after the dose; ``values`` holds
    the reduction (or the mean MAS in absolute mode) at each, ``None`` where the reassessment could not
    be compared with the baseline (R3). ``details`` is the hover text of each point.
    ``threshold_value`` is where a response starts on this chart's y axis: the threshold in reduction
    mode, the day's baseline mean minus the threshold in absolute mode.
    """

    day: int
    dose_mcg: int | None
    label: str
    hours: tuple[float, ...]
    values: tuple[float | None, ...]
    details: tuple[str, ...]
    baseline_value: float | None
    threshold_value: float | None
    responder: bool | None
    peak_hours: float | None
    peak_value: float | None
    peak_reduction: float | None
    effect_hours: float | None
    effect_censored: bool
    summary: str
    missing: str | None
    provisional: bool = False  # the day's reassessments are not all in: its peak is "so far"


@dataclass(frozen=True)
class ToneChart:
    """Mean MAS of ``region`` over the hours after each day's dose: one series per dosed day."""

    title: str
    subtitle: str
    region: str
    trial_region: str
    mode: str
    coding: str
    threshold: float
    x_label: str
    y_label: str
    threshold_label: str
    days: tuple[ToneDaySeries, ...]
    headline: str
    missing: tuple[str, ...]

    @property
    def has_data(self) -> bool:
        """True when at least one point (besides a baseline alone) can be drawn."""
        return any(v is not None for s in self.days for v in s.values[1:])


def _tone_series(
    day: Day, response: DayResponse, settings: ProtocolSettings, mode: str
) -> ToneDaySeries | None:
    dose = day_dose(day)
    if dose is None:
        return None
    label = day_label(day.day, dose.dose_mcg)
    baseline = day_baseline(day)
    hours: list[float] = []
    values: list[float | None] = []
    details: list[str] = []

    baseline_value: float | None = None
    if baseline is not None:
        # The baseline paired with itself gives its own mean over every graded muscle-side (R3's means).
        own = paired_change(baseline, baseline, settings.region, settings.mas_coding, None)
        baseline_mean = own.baseline_mean
        if baseline_mean is not None:  # a baseline with nothing graded is no point on the chart
            baseline_value = 0.0 if mode == "reduction" else baseline_mean
        hours.append(0.0)
        values.append(baseline_value)
        if baseline_mean is None:
            details.append(
                f"{label}, {when_text(baseline.at, None, baseline=True)}: no muscle-side was graded"
            )
        else:
            details.append(
                f"{label}, {when_text(baseline.at, None, baseline=True)}: mean MAS {format_score(baseline_mean)} "
                f"over {own.paired} muscle-sides"
            )

    for change in response.reassessments:
        assert change.hours is not None  # a dosed day's reassessments always have hours
        hours.append(change.hours)
        values.append(_tone_value(change, mode))
        details.append(f"{label}, {when_text(change.at, change.hours)}: {change.explanation}")

    threshold_value: float | None
    if mode == "reduction":
        threshold_value = settings.threshold
    else:
        threshold_value = baseline_value - settings.threshold if baseline_value is not None else None

    peak_value: float | None = None
    if response.peak_hours is not None and response.peak_reduction is not None:
        for change in response.reassessments:
            if change.hours == response.peak_hours and change.reduction is not None:
                peak_value = _tone_value(change, mode)
                break

    if response.responder is None:
        summary = "response not judged"
    else:
        assert response.peak_reduction is not None and response.peak_hours is not None
        summary = f"{verdict_word(response)}: {peak_words(response)}"
        if response.effect_hours is not None:
            summary += f", {short_lasting_text(response)}"
    return ToneDaySeries(
        day=day.day,
        dose_mcg=dose.dose_mcg,
        label=label,
        hours=tuple(hours),
        values=tuple(values),
        details=tuple(details),
        baseline_value=baseline_value,
        threshold_value=threshold_value,
        responder=response.responder,
        peak_hours=response.peak_hours,
        peak_value=peak_value,
        peak_reduction=response.peak_reduction,
        effect_hours=response.effect_hours,
        effect_censored=response.effect_censored,
        summary=summary,
        missing=day_missing(response),
        provisional=response.provisional,
    )


def _tone_value(change: PairedChange, mode: str) -> float | None:
    return change.reduction if mode == "reduction" else change.post_mean


def tone_chart(document: TrialDocument, region: str | None = None, mode: str = "reduction") -> ToneChart:
    """Mean MAS of ``region`` (default: the trial's) after each day's dose, from R3/R4.

    ``mode`` is ``reduction`` (baseline mean − mean, the summary's number; positive = less tone) or
    ``absolute`` (the mean MAS under the trial's coding). Unknown region or mode raises
    :class:`ValueError` with the allowed values.
    """
    if mode not in TONE_MODES:
        raise ValueError(f'Unknown tone chart mode "{mode}". Use one of: {", ".join(TONE_MODES)}.')
    settings = settings_for(document, region)
    days = sorted_days(document)
    responses = [trial_day_response(document.trial, day, settings) for day in days]
    series: list[ToneDaySeries] = []
    missing: list[str] = []
    if not days:
        missing.append(NO_DAYS)
    for day, response in zip(days, responses, strict=True):
        line = _tone_series(day, response, settings, mode)
        if line is None:
            missing.append(f"Day {day.day}: no dose was recorded, so there is no response to chart.")
            continue
        series.append(line)
        if line.missing is not None:
            missing.append(line.missing)
        unmeasured = [
            c for c in response.reassessments if c.reduction is None and response.responder is not None
        ]
        for change in unmeasured:
            missing.append(f"{line.label}: {change.explanation}.")
    if mode == "absolute" and _paired_sets_differ(responses):
        missing.append(
            "Some muscle-sides were not graded at every assessment, so each point compares only the "
            "muscle-sides graded in both; hover over a point for its exact reduction."
        )

    region_words = REGION_LABELS[settings.region]
    trial_region = document.trial.settings.region
    coding_words = MAS_CODING_LABELS[settings.mas_coding].split(" (")[0]
    subtitle = f"Mean MAS of the {region_words} ({coding_words}), baseline at 0 h"
    if settings.region != trial_region:
        subtitle += f". The trial is judged on the {REGION_LABELS[trial_region]}"
    threshold_words = format_score(settings.threshold)
    if mode == "reduction":
        y_label = "Reduction in mean MAS"
        threshold_label = f"Response: reduction ≥ {threshold_words}"
    else:
        y_label = "Mean MAS"
        threshold_label = f"Response: {threshold_words} below the day's baseline"
    return ToneChart(
        title=f"{CHART_TITLES['tone']}: {region_words}",
        subtitle=subtitle,
        region=settings.region,
        trial_region=trial_region,
        mode=mode,
        coding=settings.mas_coding,
        threshold=settings.threshold,
        x_label="Hours after the dose",
        y_label=y_label,
        threshold_label=threshold_label,
        days=tuple(series),
        headline=responses_headline(days, responses, settings),
        missing=tuple(missing),
    )


def _paired_sets_differ(responses: Sequence[DayResponse]) -> bool:
    """True when some reassessment paired fewer muscle-sides than its day's others (NT varied)."""
    for response in responses:
        counts = {c.paired + c.left_out for c in response.reassessments if c.reduction is not None}
        lefts = [c.left_out for c in response.reassessments if c.reduction is not None]
        if len(counts) > 1 or any(lefts):
            return True
    return False
