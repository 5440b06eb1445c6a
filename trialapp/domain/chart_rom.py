"""The range-of-motion and Tardieu chart: one measure over the hours after each day's dose."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from trialapp.domain.chart_common import (
    CHART_TITLES,
    MUSCLE_SHORT_LABELS,
    NO_DAYS,
    day_label,
    duration_text,
    sorted_days,
    when_text,
)
from trialapp.domain.chart_kinds import CHART_KINDS as CHART_KINDS
from trialapp.domain.chart_kinds import TONE_MODES as TONE_MODES
from trialapp.domain.muscles import (
    ROM_MEASURE_CODES,
    SIDES,
    is_rom_abnormal,
    muscles_for_region,
    rom_measure,
)
from trialapp.domain.numbers import exact_difference, plain_number
from trialapp.domain.records import Assessment, TrialDocument
from trialapp.domain.response import (
    day_baseline,
    day_dose,
    day_reassessments,
    hours_after_dose,
)

# ---------------------------------------------------------------------------------------------------
# Range of motion and Tardieu


@dataclass(frozen=True)
class MeasureOption:
    """A measure the ROM chart can show: ``rom:popliteal_angle``, ``tardieu_r1:knee_flexors``…"""

    key: str
    label: str


@dataclass(frozen=True)
class MeasureSeries:
    """One day and side of a measure: baseline at 0 h, then each reassessment that recorded it."""

    day: int
    dose_mcg: int | None
    side: str
    label: str
    hours: tuple[float, ...]
    values: tuple[float, ...]
    details: tuple[str, ...]


@dataclass(frozen=True)
class RomChart:
    title: str
    subtitle: str
    measure: MeasureOption | None
    options: tuple[MeasureOption, ...]
    x_label: str
    y_label: str
    series: tuple[MeasureSeries, ...]
    reference_deg: float | None
    reference_label: str | None
    abnormal_when: str | None
    headline: str
    missing: tuple[str, ...]

    @property
    def has_data(self) -> bool:
        return any(s.values for s in self.series)


def _tardieu_label(muscle: str, which: str) -> str:
    return f"Tardieu {which.upper()}, {MUSCLE_SHORT_LABELS.get(muscle, muscle).lower()}"


def measure_options(document: TrialDocument) -> tuple[MeasureOption, ...]:
    """The ROM and Tardieu measures recorded anywhere in the trial: ROM in REFERENCE order, then Tardieu
    R1 and R2 per muscle in R2 order."""
    rom_codes: set[str] = set()
    tardieu: dict[str, set[str]] = {}
    for day in document.trial.days:
        for a in day.assessments:
            rom_codes.update(entry.measure for entry in a.rom)
            for t in a.tardieu:
                kinds = tardieu.setdefault(t.muscle, set())
                if t.r1_deg is not None:
                    kinds.add("r1")
                if t.r2_deg is not None:
                    kinds.add("r2")
    options = [
        MeasureOption(f"rom:{code}", rom_measure(code).label)
        for code in ROM_MEASURE_CODES
        if code in rom_codes
    ]
    order = {m: i for i, m in enumerate(muscles_for_region("all"))}
    for muscle in sorted(tardieu, key=lambda m: (order.get(m, len(order)), m)):
        for which in ("r1", "r2"):
            if which in tardieu[muscle]:
                options.append(MeasureOption(f"tardieu_{which}:{muscle}", _tardieu_label(muscle, which)))
    return tuple(options)


def _measure_value(assessment: Assessment, key: str, side: str) -> float | None:
    kind, _, code = key.partition(":")
    if kind == "rom":
        found: float | None = None
        for entry in assessment.rom:
            if entry.measure == code and entry.side == side:
                found = entry.deg  # a later entry is the correction
        return found
    which = "r1_deg" if kind == "tardieu_r1" else "r2_deg"
    value: float | None = None
    for t in assessment.tardieu:
        if t.muscle == code and t.side == side:
            value = getattr(t, which)
    return value


def rom_chart(document: TrialDocument, measure: str | None = None) -> RomChart:
    """One ROM or Tardieu measure (default: the first recorded) over the hours after each day's dose.

    Left and right are separate series. The day's R3 baseline sits at 0 h; only reassessments after
    the dose count, as for the tone chart. An unknown measure key raises :class:`ValueError`.
    """
    options = measure_options(document)
    title = CHART_TITLES["rom"]
    if measure is None:
        chosen = options[0] if options else None
    else:
        chosen = next((o for o in options if o.key == measure), None)
        if chosen is None:
            known = ", ".join(o.key for o in options) or "none recorded"
            raise ValueError(
                f'No measure "{measure}" was recorded on this trial. Recorded measures: {known}.'
            )
    days = sorted_days(document)
    if chosen is None:
        why = NO_DAYS if not days else "No range-of-motion or Tardieu measure was recorded on this trial."
        return RomChart(
            title, "", None, options, "Hours after the dose", "Degrees", (), None, None, None, why, (why,)
        )

    series: list[MeasureSeries] = []
    missing: list[str] = []
    for day in days:
        dose = day_dose(day)
        label = day_label(day.day, dose.dose_mcg if dose is not None else None)
        if dose is None:
            missing.append(f"Day {day.day}: no dose was recorded, so there is nothing to chart.")
            continue
        baseline = day_baseline(day)
        timed = [(0.0, baseline, True)] if baseline is not None else []
        timed += [(hours_after_dose(dose.given_at, a.at), a, False) for a in day_reassessments(day)]
        day_points = 0
        for side in SIDES:
            hours: list[float] = []
            values: list[float] = []
            details: list[str] = []
            for h, assessment, is_baseline in timed:
                value = _measure_value(assessment, chosen.key, side)
                if value is None:
                    continue
                hours.append(h)
                values.append(value)
                details.append(
                    f"{label} · {side}, {when_text(assessment.at, h, baseline=is_baseline)}: {plain_number(value)}°"
                )
            if values:
                day_points += len(values)
                series.append(
                    MeasureSeries(
                        day.day,
                        dose.dose_mcg,
                        side,
                        f"{label} · {side}",
                        tuple(hours),
                        tuple(values),
                        tuple(details),
                    )
                )
        if day_points == 0:
            missing.append(f"{label}: {chosen.label.lower()} was not measured.")
        elif baseline is None or all(_measure_value(baseline, chosen.key, s) is None for s in SIDES):
            missing.append(f"{label}: {chosen.label.lower()} was not measured at the baseline.")

    reference_deg: float | None = None
    reference_label: str | None = None
    abnormal_when: str | None = None
    subtitle = "Degrees at the baseline (0 h) and each reassessment; solid line left, dashed line right"
    if chosen.key.startswith("rom:"):
        info = rom_measure(chosen.key.split(":", 1)[1])
        if info.threshold_deg is not None and info.abnormal_when is not None:
            reference_deg = info.threshold_deg
            abnormal_when = info.abnormal_when
            source = info.source.replace("(REFERENCE.md §5)", "").replace("REFERENCE.md §5", "").strip()
            reference_label = f"Abnormal {info.abnormal_when} {plain_number(info.threshold_deg)}°" + (
                f" ({source})" if source else ""
            )
    headline = _rom_headline(series, chosen, reference_deg)
    return RomChart(
        title=f"{title}: {chosen.label}",
        subtitle=subtitle,
        measure=chosen,
        options=options,
        x_label="Hours after the dose",
        y_label="Degrees",
        series=tuple(series),
        reference_deg=reference_deg,
        reference_label=reference_label,
        abnormal_when=abnormal_when,
        headline=headline,
        missing=tuple(missing),
    )


def _rom_headline(series: Sequence[MeasureSeries], chosen: MeasureOption, reference: float | None) -> str:
    """The largest change from the day's baseline, in degrees; "no change" (never "−0°") when nothing
    moved, and "needs a baseline" when no series starts at one."""
    best: tuple[Decimal, MeasureSeries, int] | None = None
    with_baseline = [s for s in series if s.hours and s.hours[0] == 0.0]
    for s in with_baseline:
        for i in range(1, len(s.values)):
            change = exact_difference(s.values[i], s.values[0])  # 25.3, not 25.30000000000001
            if best is None or abs(change) > abs(best[0]):
                best = (change, s, i)
    if not series:
        return f"{chosen.label}: not measured after a dose yet."
    if not with_baseline:
        return f"{chosen.label} needs a baseline: it was not measured at the baseline, so no change can be shown."
    if best is None:
        return f"{chosen.label}: measured at the baseline only; no reassessment has measured it yet."
    change, s, i = best
    if change == 0:
        return f"{chosen.label}: no change from the baseline at any reassessment."
    text = (
        f"Largest change: {s.label}, {plain_number(s.values[0])}° at baseline to {plain_number(s.values[i])}° "
        f"at {duration_text(s.hours[i])} ({'+' if change > 0 else '−'}{plain_number(abs(change))}°)"
    )
    if reference is not None and chosen.key.startswith("rom:"):
        code = chosen.key.split(":", 1)[1]
        before, after = is_rom_abnormal(code, s.values[0]), is_rom_abnormal(code, s.values[i])
        if before and after is False:
            text += ", back within the normal range"
    return text + "."
