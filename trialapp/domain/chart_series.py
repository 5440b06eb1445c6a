"""The data behind every chart of a trial, as plain values (no Qt, no drawing).

Each builder returns a frozen dataclass of tuples of floats (``None`` = nothing measured there) and
strings, so the on-screen charts (pyqtgraph) and the printed ones (reportlab) draw exactly the same
numbers. Every number comes from the rule functions the summary uses — R3 :func:`paired_change`, R4
:func:`day_response`, R9 :func:`vital_alerts` and the MAS coding of R1 — so a chart never disagrees with
the summary.

Chart kinds:

- ``tone``: mean MAS of a region over the hours after each day's dose (reduction or absolute score),
  baseline at 0 h, the response threshold and each day's peak;
- ``muscles``: each muscle-side's grade at the baseline and every reassessment of one day;
- ``rom``: one range-of-motion or Tardieu measure over the hours after each day's dose;
- ``vitals``: heart rate, breathing rate, SpO2, blood pressure and sedation of one day, with the R9
  limits for the child's age and the alerts they raised;
- ``dose-response``: each day's dose against its peak reduction, the threshold, and how long the effect
  lasted.

Every chart says what is missing (``missing``) in words, so an empty or partial chart is never silent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final, Literal

from trialapp.domain.chart_kinds import CHART_KINDS as CHART_KINDS
from trialapp.domain.chart_kinds import TONE_MODES as TONE_MODES
from trialapp.domain.dosing import age_in_whole_months, describe_age, format_dose, ladder_steps
from trialapp.domain.muscles import (
    MUSCLE_LABELS,
    REGION_LABELS,
    ROM_MEASURE_CODES,
    SIDES,
    is_rom_abnormal,
    muscles_for_region,
    rom_measure,
)
from trialapp.domain.numbers import exact_difference, plain_number
from trialapp.domain.records import Assessment, Day, ProtocolSettings, TrialDocument
from trialapp.domain.response import (
    DayResponse,
    PairedChange,
    day_baseline,
    day_dose,
    day_reassessments,
    day_response,
    describe_adverse_event,
    format_hours,
    format_score,
    hours_after_dose,
    is_significant,
    paired_change,
    recommend_initial_daily_dose,
)
from trialapp.domain.scales import MAS_CODING_LABELS, NOT_TESTED, mas_value, parse_mas_grade
from trialapp.domain.vitals import (
    VitalBand,
    VitalBands,
    alerts_for_assessment,
    band_for_age,
    load_default_bands,
)

ChartKind = Literal["tone", "muscles", "rom", "vitals", "dose-response"]
ToneMode = Literal["reduction", "absolute"]

CHART_TITLES: Final[dict[str, str]] = {
    "tone": "Tone over time",
    "muscles": "Muscle by muscle",
    "rom": "Range of motion and Tardieu",
    "vitals": "Vital signs",
    "dose-response": "Dose response across days",
}

# Short names for chart axes, where the full R2 labels (kept for hover text) do not fit.
MUSCLE_SHORT_LABELS: Final[dict[str, str]] = {
    "hip_flexors": "Hip flexors",
    "hip_adductors": "Hip adductors",
    "hip_extensors": "Hip extensors",
    "hip_internal_rotators": "Hip int. rotators",
    "knee_flexors": "Knee flexors",
    "knee_extensors": "Knee extensors",
    "ankle_plantarflexors_gastrocnemius": "Gastrocnemius",
    "ankle_plantarflexors_soleus": "Soleus",
    "shoulder_adductors": "Shoulder adductors",
    "elbow_flexors": "Elbow flexors",
    "elbow_extensors": "Elbow extensors",
    "forearm_pronators": "Forearm pronators",
    "wrist_flexors": "Wrist flexors",
    "finger_flexors": "Finger flexors",
}
SIDE_SHORT: Final[dict[str, str]] = {"left": "L", "right": "R"}

NO_DAYS: Final = (
    "This trial has no days recorded yet: the charts fill in once a day with a dose and its "
    "assessments is recorded."
)


# ---------------------------------------------------------------------------------------------------
# Shared wording


def day_label(day: int, dose_mcg: int | None) -> str:
    """The label of one trial day on every chart: ``Day 2 · 75 mcg`` (``Day 2 · no dose``)."""
    dose = format_dose(dose_mcg) if dose_mcg is not None else "no dose"
    return f"Day {day} · {dose}"


def _clock(at: datetime) -> str:
    return at.strftime("%H:%M")


def _when(at: datetime, hours: float | None, *, baseline: bool = False) -> str:
    if baseline:
        return f"baseline at {_clock(at)}"
    if hours is None:
        return _clock(at)
    if hours < 0:
        return f"{_clock(at)} ({format_hours(-hours)} before the dose)"
    return f"{_clock(at)} ({format_hours(hours)} after the dose)"


def _sorted_days(document: TrialDocument) -> tuple[Day, ...]:
    return tuple(sorted(document.trial.days, key=lambda d: d.day))


def _settings_for(document: TrialDocument, region: str | None) -> ProtocolSettings:
    """The trial's own settings, with another region when the viewer asked for one (R2 checks it)."""
    settings = document.trial.settings
    if region is None or region == settings.region:
        return settings
    muscles_for_region(region)  # unknown region → ValueError with the allowed values
    return replace(settings, region=region)


def _find_day(document: TrialDocument, day: int | None) -> Day | None:
    """The requested day; without one, the latest day (the one the ward is usually looking at)."""
    days = _sorted_days(document)
    if not days:
        return None
    if day is None:
        return days[-1]
    for candidate in days:
        if candidate.day == day:
            return candidate
    listed = ", ".join(str(d.day) for d in days)
    raise ValueError(f"This trial has no day {day}. Choose one of its days: {listed}.")


def patient_caption(document: TrialDocument) -> str:
    """The line printed under an exported chart, so a printout is never filed to the wrong child:
    ``Alex Demo · MRN DEMO-0001 · born 2016-04-12 · trial started 2026-11-02``."""
    patient = document.patient
    name = " ".join(p for p in (patient.given_name, patient.family_name) if p) or "(no name)"
    return (
        f"{name} · MRN {patient.mrn} · born {patient.birth_date.isoformat()} · "
        f"trial started {document.trial.started_on.isoformat()}"
    )


def available_days(document: TrialDocument) -> tuple[int, ...]:
    """The trial's day numbers in order (what a day selector offers)."""
    return tuple(d.day for d in _sorted_days(document))


def _lasting(response: DayResponse) -> str:
    if response.effect_hours is None:
        return "no reassessment reached the threshold"
    if response.effect_censored:
        return f"effect lasted at least to {format_hours(response.effect_hours)} (still present at the last reassessment)"
    return f"effect lasted to {format_hours(response.effect_hours)}"


def _short_lasting(response: DayResponse) -> str:
    if response.effect_hours is None:
        return ""
    prefix = "≥ " if response.effect_censored else ""
    return f"effect to {prefix}{format_hours(response.effect_hours)}"


def _headline(responses: Sequence[DayResponse], threshold: float) -> str:
    """One sentence a neurosurgeon reads first: which dose worked, when it peaked, how long it lasted."""
    dosed = [r for r in responses if r.dose_mcg is not None]
    if not dosed:
        return "No dose has been given yet."
    judged = [r for r in dosed if r.responder is not None and r.peak_reduction is not None]
    if not judged:
        return (
            "No day's response can be judged yet (each needs a baseline and a reassessment after the dose)."
        )
    responders = [r for r in judged if r.responder]
    if responders:
        first = responders[0]
        assert first.peak_reduction is not None and first.peak_hours is not None
        text = (
            f"{day_label(first.day, first.dose_mcg)} worked: peak reduction "
            f"{format_score(first.peak_reduction)} at {format_hours(first.peak_hours)}, {_lasting(first)}."
        )
        later = responders[1:]
        if later:
            text += " Also a response on " + ", ".join(day_label(r.day, r.dose_mcg) for r in later) + "."
        return text
    best = max(judged, key=lambda r: r.peak_reduction or 0.0)
    assert best.peak_reduction is not None and best.peak_hours is not None
    return (
        f"No dose reached the threshold of {format_score(threshold)}: the best was "
        f"{day_label(best.day, best.dose_mcg)}, peak {format_score(best.peak_reduction)} at "
        f"{format_hours(best.peak_hours)}."
    )


def _day_missing(response: DayResponse) -> str | None:
    """Why a day has no judged response (the R4 explanation), or ``None`` when it has one."""
    if response.responder is not None:
        return None
    return f"{day_label(response.day, response.dose_mcg)}: {response.explanation}"


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
            details.append(f"{label}, {_when(baseline.at, None, baseline=True)}: no muscle-side was graded")
        else:
            details.append(
                f"{label}, {_when(baseline.at, None, baseline=True)}: mean MAS {format_score(baseline_mean)} "
                f"over {own.paired} muscle-sides"
            )

    for change in response.reassessments:
        assert change.hours is not None  # a dosed day's reassessments always have hours
        hours.append(change.hours)
        values.append(_tone_value(change, mode))
        details.append(f"{label}, {_when(change.at, change.hours)}: {change.explanation}")

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
        verdict = "responder" if response.responder else "not a responder"
        summary = (
            f"{verdict}: peak {format_score(response.peak_reduction)} at {format_hours(response.peak_hours)}"
        )
        if response.effect_hours is not None:
            summary += f", {_short_lasting(response)}"
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
        missing=_day_missing(response),
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
    settings = _settings_for(document, region)
    days = _sorted_days(document)
    responses = [day_response(day, settings) for day in days]
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
        headline=_headline(responses, settings.threshold),
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


# ---------------------------------------------------------------------------------------------------
# Muscle by muscle (R1, R2)


@dataclass(frozen=True)
class MuscleCell:
    """One muscle-side at one time point.

    ``grade`` is the MAS text (``NT`` = not tested, ``None`` = not recorded); ``value`` its number under
    the trial's coding (``None`` for NT or not recorded); ``change`` = baseline value − this value
    (positive = less tone), ``None`` unless both were graded.
    """

    grade: str | None
    value: float | None
    change: float | None
    detail: str


@dataclass(frozen=True)
class MuscleRow:
    muscle: str
    side: str
    label: str
    short_label: str
    cells: tuple[MuscleCell, ...]


@dataclass(frozen=True)
class MuscleGrid:
    """Each muscle-side's grade at the day's baseline (first column) and every reassessment after the dose."""

    title: str
    subtitle: str
    day: int | None
    day_label: str
    region: str
    coding: str
    columns: tuple[str, ...]
    column_hours: tuple[float, ...]
    rows: tuple[MuscleRow, ...]
    headline: str
    missing: tuple[str, ...]

    @property
    def has_data(self) -> bool:
        """True when some cell holds a grade other than NT."""
        return any(cell.value is not None for row in self.rows for cell in row.cells)


def _grades(assessment: Assessment, muscles: Sequence[str]) -> dict[tuple[str, str], str]:
    """Recorded grades of ``muscles`` (NT kept); a muscle-side entered twice keeps the later entry, as R3."""
    wanted = set(muscles)
    out: dict[tuple[str, str], str] = {}
    for entry in assessment.mas:
        if entry.muscle in wanted and entry.side in SIDES:
            out[(entry.muscle, entry.side)] = parse_mas_grade(entry.grade)
    return out


def muscle_grid(document: TrialDocument, day: int | None = None, region: str | None = None) -> MuscleGrid:
    """Each muscle-side's MAS grade over one day (default: the latest), in R2 order.

    Rows are the muscle-sides of ``region`` (default: the trial's) recorded at any time point of the day;
    a row that is NT everywhere stays, so the team sees what was not tested. Columns are the day's R3
    baseline and its reassessments after the dose.
    """
    settings = _settings_for(document, region)
    coding = settings.mas_coding
    muscles = muscles_for_region(settings.region)
    region_words = REGION_LABELS[settings.region]
    found = _find_day(document, day)
    title = f"{CHART_TITLES['muscles']}: {region_words}"

    def empty(label: str, day_number: int | None, why: str) -> MuscleGrid:
        return MuscleGrid(
            title=title,
            subtitle=label,
            day=day_number,
            day_label=label,
            region=settings.region,
            coding=coding,
            columns=(),
            column_hours=(),
            rows=(),
            headline=why,
            missing=(why,),
        )

    if found is None:
        return empty("", None, NO_DAYS)
    dose = day_dose(found)
    label = day_label(found.day, dose.dose_mcg if dose is not None else None)
    if dose is None:
        return empty(label, found.day, f"{label}: no dose was recorded, so there is nothing to compare.")
    baseline = day_baseline(found)
    if baseline is None:
        return empty(
            label,
            found.day,
            f"{label}: no baseline assessment was recorded before the dose, so no change can be shown.",
        )
    reassessments = day_reassessments(found)
    assessments = (baseline, *reassessments)
    column_hours = (0.0, *(hours_after_dose(dose.given_at, a.at) for a in reassessments))
    columns = (f"Baseline {_clock(baseline.at)}", *(format_hours(h) for h in column_hours[1:]))
    graded = [_grades(a, muscles) for a in assessments]

    rows: list[MuscleRow] = []
    never_tested: list[str] = []
    for muscle in muscles:
        for side in SIDES:
            key = (muscle, side)
            if not any(key in g for g in graded):
                continue
            base_grade = graded[0].get(key)
            base_value = mas_value(base_grade, coding) if base_grade is not None else None
            cells: list[MuscleCell] = []
            for index, (assessment, grades) in enumerate(zip(assessments, graded, strict=True)):
                grade = grades.get(key)
                value = mas_value(grade, coding) if grade is not None else None
                change = (
                    base_value - value if index > 0 and value is not None and base_value is not None else None
                )
                when = _when(assessment.at, column_hours[index], baseline=index == 0)
                where = f"{MUSCLE_LABELS[muscle]}, {side}, {when}"
                if grade is None:
                    detail = f"{where}: not recorded"
                elif grade == NOT_TESTED:
                    detail = f"{where}: NT (not tested)"
                else:
                    detail = f"{where}: MAS {grade}"
                    if change is not None:
                        detail += f" (change from baseline {_signed(change)})"
                cells.append(MuscleCell(grade=grade, value=value, change=change, detail=detail))
            if all(c.grade in (NOT_TESTED, None) for c in cells):
                never_tested.append(f"{MUSCLE_SHORT_LABELS[muscle]} {side}")
            rows.append(
                MuscleRow(
                    muscle=muscle,
                    side=side,
                    label=f"{MUSCLE_LABELS[muscle]} · {side}",
                    short_label=f"{MUSCLE_SHORT_LABELS[muscle]} {SIDE_SHORT[side]}",
                    cells=tuple(cells),
                )
            )

    missing: list[str] = []
    if not reassessments:
        missing.append(
            f"{label}: no reassessment was recorded after the dose yet; only the baseline is shown."
        )
    if not rows:
        missing.append(f"{label}: no MAS grade of the {region_words} was recorded.")
    elif never_tested:
        missing.append("Not tested (NT) at any time point: " + ", ".join(never_tested) + ".")
    response = day_response(found, settings)
    headline = response.explanation if response.responder is not None else (missing[0] if missing else "")
    coding_words = MAS_CODING_LABELS[coding].split(" (")[0]
    return MuscleGrid(
        title=title,
        subtitle=f"{label} · MAS grade at each time point; colour = change from the baseline ({coding_words})",
        day=found.day,
        day_label=label,
        region=settings.region,
        coding=coding,
        columns=columns,
        column_hours=column_hours,
        rows=tuple(rows),
        headline=headline,
        missing=tuple(missing),
    )


def _signed(value: float) -> str:
    """A change as a signed number: +0.5 less tone, −1 more tone, 0."""
    if value > 0:
        return f"−{plain_number(value)} (less tone)"
    if value < 0:
        return f"+{plain_number(-value)} (more tone)"
    return "none"


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
    days = _sorted_days(document)
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
                    f"{label} · {side}, {_when(assessment.at, h, baseline=is_baseline)}: {plain_number(value)}°"
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
    """The largest change from the day's baseline, in degrees."""
    best: tuple[float, MeasureSeries, int] | None = None
    for s in series:
        if not s.hours or s.hours[0] != 0.0:
            continue
        for i in range(1, len(s.values)):
            change = s.values[i] - s.values[0]
            if best is None or abs(change) > abs(best[0]):
                best = (change, s, i)
    if best is None:
        return f"{chosen.label}: no change from a baseline can be shown yet."
    change, s, i = best
    moved = plain_number(abs(exact_difference(s.values[i], s.values[0])))  # 25.3, not 25.30000000000001
    text = (
        f"Largest change: {s.label}, {plain_number(s.values[0])}° at baseline to {plain_number(s.values[i])}° "
        f"at {format_hours(s.hours[i])} ({'+' if change > 0 else '−'}{moved}°)"
    )
    if reference is not None and chosen.key.startswith("rom:"):
        code = chosen.key.split(":", 1)[1]
        before, after = is_rom_abnormal(code, s.values[0]), is_rom_abnormal(code, s.values[i])
        if before and after is False:
            text += ", back within the normal range"
    return text + "."


# ---------------------------------------------------------------------------------------------------
# Vital signs (R9)


@dataclass(frozen=True)
class VitalAlertMark:
    """An R9 alert drawn on its vital sign: ``level`` is ``urgent`` or ``warning``."""

    hours: float
    value: float
    code: str  # the R9 alert code: rr_low, spo2_low…
    series: str  # the series it is drawn on: hr, rr, spo2, sbp, sedation
    level: str
    message: str


@dataclass(frozen=True)
class VitalSeries:
    code: str  # hr, rr, spo2, sbp, dbp, sedation
    label: str
    hours: tuple[float, ...]
    values: tuple[float, ...]
    details: tuple[str, ...]


@dataclass(frozen=True)
class VitalPanel:
    """One vital sign (blood pressure: systolic and diastolic) with its R9 limits for the child's age.

    ``low``/``high`` bound the range in which no alert fires (``None`` = no limit on that side).
    """

    code: str
    title: str
    unit: str
    series: tuple[VitalSeries, ...]
    low: float | None
    high: float | None
    limit_label: str
    alerts: tuple[VitalAlertMark, ...]


@dataclass(frozen=True)
class EventMark:
    """An adverse event on the day's time axis; ``significant`` per R5."""

    hours: float
    text: str
    significant: bool


@dataclass(frozen=True)
class VitalsChart:
    title: str
    subtitle: str
    day: int | None
    day_label: str
    x_label: str
    dose_hours: float | None
    panels: tuple[VitalPanel, ...]
    events: tuple[EventMark, ...]
    headline: str
    missing: tuple[str, ...]

    @property
    def has_data(self) -> bool:
        return any(s.values for p in self.panels for s in p.series)


_VITAL_PANELS: Final[tuple[tuple[str, str, str, tuple[tuple[str, str], ...]], ...]] = (
    ("hr", "Heart rate", "/min", (("hr", "Heart rate"),)),
    ("rr", "Breathing rate", "/min", (("rr", "Breathing rate"),)),
    ("spo2", "SpO2", "%", (("spo2", "SpO2"),)),
    ("bp", "Blood pressure", "mmHg", (("sbp", "Systolic"), ("dbp", "Diastolic"))),
    ("sedation", "Sedation (UMSS)", "", (("sedation", "UMSS"),)),
)
_ALERT_PANEL: Final[dict[str, tuple[str, str]]] = {
    "hr_low": ("hr", "hr"),
    "hr_high": ("hr", "hr"),
    "rr_low": ("rr", "rr"),
    "rr_high": ("rr", "rr"),
    "spo2_low": ("spo2", "spo2"),
    "sbp_low": ("bp", "sbp"),
    "sedation": ("sedation", "sedation"),
}


def _vital_value(assessment: Assessment, code: str) -> float | None:
    if code == "sedation":
        return float(assessment.sedation_umss) if assessment.sedation_umss is not None else None
    if assessment.vitals is None:
        return None
    value: float | None = getattr(assessment.vitals, code)
    return value


def vitals_chart(
    document: TrialDocument, day: int | None = None, bands: VitalBands | None = None
) -> VitalsChart:
    """Vital signs of one day (default: the latest) over the hours after its dose, with R9 limits and alerts.

    Every assessment of the day that recorded vitals or sedation counts (including the baseline, at its
    real time before the dose). Limits are those of the child's age band on that day (``bands``,
    default: the shipped table); alerts are exactly :func:`alerts_for_assessment`'s.
    """
    table = bands if bands is not None else load_default_bands()
    found = _find_day(document, day)
    title = CHART_TITLES["vitals"]
    if found is None:
        return VitalsChart(title, "", None, "", "Hours after the dose", None, (), (), NO_DAYS, (NO_DAYS,))
    dose = day_dose(found)
    label = day_label(found.day, dose.dose_mcg if dose is not None else None)
    assessments = sorted(found.assessments, key=lambda a: a.at)
    if dose is not None:
        origin = dose.given_at
        x_label = "Hours after the dose"
    elif assessments:
        origin = assessments[0].at
        x_label = f"Hours after the first assessment ({_clock(origin)}; no dose on this day)"
    else:
        why = f"{label}: nothing was recorded on this day."
        return VitalsChart(title, label, found.day, label, "Hours after the dose", None, (), (), why, (why,))

    birth = document.patient.birth_date
    age_months = age_in_whole_months(birth, found.date)
    band = band_for_age(table, age_months)
    missing: list[str] = []
    alert_marks: dict[str, list[VitalAlertMark]] = {code: [] for code, *_ in _VITAL_PANELS}
    times = [hours_after_dose(origin, a.at) for a in assessments]
    for h, a in zip(times, assessments, strict=True):
        for alert in alerts_for_assessment(a, birth, table):
            if alert.code == "no_band":
                if alert.message not in missing:
                    missing.append(alert.message)
                continue
            panel_code, series_code = _ALERT_PANEL[alert.code]
            value = _vital_value(a, series_code)
            alert_marks[panel_code].append(
                VitalAlertMark(
                    hours=h,
                    value=value if value is not None else alert.value,
                    code=alert.code,
                    series=series_code,
                    level=alert.level,
                    message=alert.message,
                )
            )

    panels: list[VitalPanel] = []
    for panel_code, panel_title, unit, members in _VITAL_PANELS:
        series: list[VitalSeries] = []
        for series_code, series_label in members:
            hours: list[float] = []
            values: list[float] = []
            details: list[str] = []
            for h, a in zip(times, assessments, strict=True):
                value = _vital_value(a, series_code)
                if value is None:
                    continue
                hours.append(h)
                values.append(value)
                shown = (
                    f"{plain_number(value)} {unit}".rstrip() if unit != "%" else f"{plain_number(value)} %"
                )
                details.append(f"{label}, {_when(a.at, h)}: {series_label.lower()} {shown}")
            series.append(VitalSeries(series_code, series_label, tuple(hours), tuple(values), tuple(details)))
        low, high, limit_label = _limits(panel_code, band, table)
        panels.append(
            VitalPanel(
                code=panel_code,
                title=panel_title,
                unit=unit,
                series=tuple(series),
                low=low,
                high=high,
                limit_label=limit_label,
                alerts=tuple(alert_marks[panel_code]),
            )
        )
        if not any(s.values for s in series):
            missing.append(
                f"{label}: {panel_title.lower() if panel_code != 'spo2' else 'SpO2'} was not recorded."
            )

    events = tuple(
        EventMark(hours_after_dose(origin, e.at), describe_adverse_event(e), is_significant(e))
        for e in sorted(found.adverse_events, key=lambda e: e.at)
    )
    all_alerts = [m for p in panels for m in p.alerts]
    urgent = sum(1 for m in all_alerts if m.level == "urgent")
    if not any(s.values for p in panels for s in p.series):
        headline = f"{label}: no vital signs were recorded."
        missing = [headline]
    elif all_alerts:
        headline = (
            f"{label}: {len(all_alerts)} alert{'s' if len(all_alerts) != 1 else ''}"
            f" ({urgent} urgent) against the limits for age {band.label if band else 'unknown'}."
        )
    else:
        headline = f"{label}: every recorded value was within the limits for age {band.label if band else 'unknown'}."
    age_words = describe_age(birth, found.date)
    subtitle = (
        f"{label} · limits for age {band.label} (child {age_words})" if band else f"{label} · age {age_words}"
    )
    return VitalsChart(
        title=f"{title}: {label}",
        subtitle=subtitle,
        day=found.day,
        day_label=label,
        x_label=x_label,
        dose_hours=0.0 if dose is not None else None,
        panels=tuple(panels),
        events=events,
        headline=headline,
        missing=tuple(missing),
    )


def _limits(panel: str, b: VitalBand | None, table: VitalBands) -> tuple[float | None, float | None, str]:
    """The R9 no-alert range of one panel: (low, high, words)."""
    if panel == "hr" and b is not None:
        return (
            b.hr_low,
            b.hr_high,
            f"alert below {plain_number(b.hr_low)} or above {plain_number(b.hr_high)}/min",
        )
    if panel == "rr" and b is not None:
        return (
            b.rr_low,
            b.rr_high,
            f"alert below {plain_number(b.rr_low)} (urgent) or above {plain_number(b.rr_high)}/min",
        )
    if panel == "spo2":
        return table.spo2_low, None, f"urgent below {plain_number(table.spo2_low)} %"
    if panel == "bp" and b is not None:
        return b.sbp_low, None, f"alert if systolic below {plain_number(b.sbp_low)} mmHg"
    if panel == "sedation":
        return (
            None,
            table.sedation_warning_at - 1,
            f"alert at {table.sedation_warning_at}, urgent at {table.sedation_urgent_at}",
        )
    return None, None, "no limits set for this age"


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
    settings = _settings_for(document, region)
    days = _sorted_days(document)
    responses = [day_response(day, settings) for day in days]
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
            verdict = "responder" if response.responder else "not a responder"
            summary = f"peak {format_score(response.peak_reduction)} at {format_hours(response.peak_hours)}"
            if response.effect_hours is not None:
                summary += f", {_short_lasting(response)}"
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
        headline=_headline(responses, settings.threshold),
        recommendation=recommendation,
        missing=tuple(missing),
    )


# ---------------------------------------------------------------------------------------------------
# One entry point for every kind

AnyChart = ToneChart | MuscleGrid | RomChart | VitalsChart | DoseResponseChart


def build_chart(
    document: TrialDocument,
    kind: str,
    *,
    region: str | None = None,
    mode: str = "reduction",
    day: int | None = None,
    measure: str | None = None,
    bands: VitalBands | None = None,
) -> AnyChart:
    """The data of chart ``kind`` (one of :data:`CHART_KINDS`) for ``document``.

    ``region`` applies to ``tone``, ``muscles`` and ``dose-response``; ``mode`` to ``tone``; ``day`` to
    ``muscles`` and ``vitals`` (default: the latest day); ``measure`` to ``rom``; ``bands`` to ``vitals``.
    Unknown kinds, regions, modes, days or measures raise :class:`ValueError` saying what is allowed.
    """
    if kind == "tone":
        return tone_chart(document, region, mode)
    if kind == "muscles":
        return muscle_grid(document, day, region)
    if kind == "rom":
        return rom_chart(document, measure)
    if kind == "vitals":
        return vitals_chart(document, day, bands)
    if kind == "dose-response":
        return dose_response_chart(document, region)
    raise ValueError(f'Unknown chart "{kind}". Use one of: {", ".join(CHART_KINDS)}.')
