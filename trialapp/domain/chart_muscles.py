"""The muscle grid: each muscle-side's grade at the baseline and every reassessment of one day (R1, R2)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from trialapp.domain.chart_common import (
    CHART_TITLES,
    MUSCLE_SHORT_LABELS,
    NO_DAYS,
    SIDE_SHORT,
    clock_text,
    day_label,
    duration_text,
    find_day,
    lasting_text,
    peak_words,
    settings_for,
    unjudged_reason,
    verdict_word,
    when_text,
)
from trialapp.domain.chart_kinds import CHART_KINDS as CHART_KINDS
from trialapp.domain.chart_kinds import TONE_MODES as TONE_MODES
from trialapp.domain.muscles import (
    MUSCLE_LABELS,
    REGION_LABELS,
    SIDES,
    muscles_for_region,
)
from trialapp.domain.numbers import plain_number
from trialapp.domain.records import Assessment, TrialDocument
from trialapp.domain.response import (
    day_baseline,
    day_dose,
    day_reassessments,
    hours_after_dose,
)
from trialapp.domain.scales import MAS_CODING_LABELS, NOT_TESTED, mas_value, parse_mas_grade
from trialapp.domain.summary import trial_day_response

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
    settings = settings_for(document, region)
    coding = settings.mas_coding
    muscles = muscles_for_region(settings.region)
    region_words = REGION_LABELS[settings.region]
    found = find_day(document, day)
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
        return empty(label, found.day, unjudged_reason(found, settings))  # "… needs a baseline: …"
    reassessments = day_reassessments(found)
    assessments = (baseline, *reassessments)
    column_hours = (0.0, *(hours_after_dose(dose.given_at, a.at) for a in reassessments))
    columns = (f"Baseline {clock_text(baseline.at)}", *(duration_text(h) for h in column_hours[1:]))
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
                when = when_text(assessment.at, column_hours[index], baseline=index == 0)
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
    response = trial_day_response(document.trial, found, settings)  # "so far" while the day runs
    if response.responder is not None:
        headline = f"{label}: {verdict_word(response)}, {peak_words(response)}, {lasting_text(response)}."
    elif reassessments:
        headline = unjudged_reason(found, settings)  # e.g. every grade after the dose was NT
    else:
        headline = missing[0]
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
