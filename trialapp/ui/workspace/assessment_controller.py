"""The assessment form's logic, without Qt: field keys, what was typed → an :class:`Assessment`, problems per
field, and the comparisons with the day's baseline shown as you type.

The form keeps every field as the text typed (that is also the draft). :func:`build_assessment` turns it
into a record or says, per field, what is wrong. Rules are the domain's: MAS grades (R1), the paired
change (R3), vital-sign alerts (R9), ROM thresholds; this module only reads fields.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from trialapp.domain.muscles import ROM_MEASURES, SIDES, is_rom_abnormal, rom_measure
from trialapp.domain.numbers import exact_difference, plain_number
from trialapp.domain.records import (
    Assessment,
    Function,
    GoalScore,
    MasEntry,
    Pain,
    RomEntry,
    TardieuEntry,
    Vitals,
)
from trialapp.domain.response import format_score, paired_change
from trialapp.domain.scales import NOT_TESTED, MasGradeError, mas_value, parse_mas_grade
from trialapp.domain.value_rules import blood_pressure_problem
from trialapp.domain.vitals import VitalAlert, VitalBands, vital_alerts
from trialapp.domain.vocabulary import VITAL_RANGES

Payload = dict[str, str]

VITAL_FIELDS: Final[tuple[tuple[str, str, str], ...]] = (
    ("hr", "Heart rate", "/min"),
    ("rr", "Breathing rate", "/min"),
    ("spo2", "SpO2", "%"),
    ("sbp", "Systolic BP", "mmHg"),
    ("dbp", "Diastolic BP", "mmHg"),
    ("temp_c", "Temperature", "°C"),
)
TIMED_FIELDS: Final[tuple[tuple[str, str, str, float], ...]] = (
    # key, label, unit, upper limit of a plausible value (the record format's limit)
    ("ten_m_walk_s", "10 m walk", "s", 600),
    ("tug_s", "Timed Up and Go", "s", 600),
    ("six_min_walk_m", "6-minute walk", "m", 1500),
)
FMS_FIELDS: Final[tuple[tuple[str, str], ...]] = (
    ("fms_5m", "5 m"),
    ("fms_50m", "50 m"),
    ("fms_500m", "500 m"),
)
FMS_CHOICES: Final[dict[str, tuple[str, ...]]] = {
    "fms_5m": ("1", "2", "3", "4", "5", "6", "C", "N"),
    "fms_50m": ("1", "2", "3", "4", "5", "6", "N"),
    "fms_500m": ("1", "2", "3", "4", "5", "6", "N"),
}
FMS_WORDS: Final[dict[str, str]] = {
    "1": "uses a wheelchair",
    "2": "uses a walker or frame",
    "3": "uses crutches",
    "4": "uses sticks",
    "5": "independent on level surfaces",
    "6": "independent on all surfaces",
    "C": "crawls",
    "N": "does not do this distance",
}
# REFERENCE.md §5: Penn Spasm Frequency Scale, Modified Tardieu quality, UMSS, GAS.
PENN_FREQUENCY: Final[dict[str, str]] = {
    "0": "no spasms",
    "1": "spasms only on stimulation",
    "2": "fewer than one an hour",
    "3": "one to ten an hour",
    "4": "more than ten an hour",
}
PENN_SEVERITY: Final[dict[str, str]] = {"1": "mild", "2": "moderate", "3": "severe"}
UMSS_WORDS: Final[dict[str, str]] = {
    "0": "awake and alert",
    "1": "minimally sedated",
    "2": "moderately sedated",
    "3": "deeply sedated",
    "4": "unarousable",
}
TARDIEU_QUALITY: Final[dict[str, str]] = {
    "0": "no resistance",
    "1": "slight resistance",
    "2": "clear catch, then release",
    "3": "fatigable clonus (< 10 s)",
    "4": "unfatigable clonus (> 10 s)",
    "5": "joint immovable",
}
GAS_WORDS: Final[dict[str, str]] = {
    "-2": "much less than expected",
    "-1": "somewhat less than expected",
    "0": "expected outcome",
    "1": "somewhat more than expected",
    "2": "much more than expected",
}
PAIN_SCALES: Final[dict[str, str]] = {
    "flacc": "FLACC",
    "wong_baker": "Wong-Baker FACES",
    "numeric": "Numeric 0–10",
}
PAIN_CHOICES: Final[dict[str, tuple[int, ...]]] = {
    "flacc": tuple(range(11)),
    "wong_baker": (0, 2, 4, 6, 8, 10),
    "numeric": tuple(range(11)),
}


# --------------------------------------------------------------------------------------------------
# Field keys


def mas_key(muscle: str, side: str) -> str:
    return f"mas:{muscle}:{side}"


def tardieu_key(muscle: str, side: str, part: str) -> str:
    return f"tardieu:{muscle}:{side}:{part}"


def rom_key(measure: str, side: str) -> str:
    return f"rom:{measure}:{side}"


def goal_key(goal_id: str) -> str:
    return f"goal:{goal_id}"


# --------------------------------------------------------------------------------------------------
# Typed text → values


def mas_from_keystroke(current: str, key: str) -> str | None:
    """The grade a keystroke gives a MAS cell: digits 0–4, "+" for 1+, N for NT; None = ignore the key."""
    if key in ("0", "1", "2", "3", "4"):
        return key
    if key == "+":
        return "1+"
    if key in ("n", "N"):
        return NOT_TESTED
    return None


def parse_number(text: str, *, low: float, high: float, unit: str, low_open: bool = False) -> float | None:
    """A typed measurement, or None when empty. Raises ValueError with a plain message when it is not a
    number in the plausible range."""
    raw = text.strip().replace(",", ".")
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f'"{text.strip()}" is not a number: type digits, for example 60.') from None
    if not math.isfinite(value):
        raise ValueError(f'"{text.strip()}" is not a number: type digits, for example 60.')
    too_low = value <= low if low_open else value < low
    if too_low or value > high:
        low_words = f"above {low:g}" if low_open else f"from {low:g}"
        raise ValueError(f"{value:g} is out of range: enter a value {low_words} to {high:g} {unit}.")
    return int(value) if value.is_integer() else value


def parse_whole(text: str, *, low: int, high: int, what: str) -> int | None:
    raw = text.strip()
    if not raw:
        return None
    if not raw.lstrip("-").isdigit():
        raise ValueError(f'"{raw}" is not a whole number: enter {what} from {low} to {high}.')
    value = int(raw)
    if not low <= value <= high:
        raise ValueError(f"{value} is out of range: enter {what} from {low} to {high}.")
    return value


def _vital(payload: Mapping[str, str], key: str) -> float | None:
    low, high, unit = VITAL_RANGES[key]
    return parse_number(payload.get(key, ""), low=low, high=high, unit=unit)


# --------------------------------------------------------------------------------------------------
# The whole form


@dataclass(frozen=True)
class FormContext:
    """What the form needs to know about the trial to read its fields."""

    kind: str  # baseline | reassessment
    muscles: Sequence[str]  # every muscle the grid can show
    region_muscles: Sequence[str]  # the trial's region: a blank cell there is worth a question
    tardieu_muscles: Sequence[str]
    goal_ids: Sequence[str]


@dataclass(frozen=True)
class FormResult:
    assessment: Assessment | None
    problems: dict[str, str]  # field key -> what is wrong and how to fix it
    blank_mas: int  # muscle-sides of the trial's region left empty (neither graded nor NT)
    mas: tuple[MasEntry, ...] = ()  # the grades read so far, even when another field has a problem


def build_assessment(payload: Mapping[str, str], ctx: FormContext, at: datetime) -> FormResult:
    """Read the form. Empty fields are "not recorded"; a problem in any field means no assessment."""
    problems: dict[str, str] = {}

    def attempt(key: str, read: Callable[[], Any]) -> Any:
        try:
            return read()
        except (ValueError, MasGradeError) as exc:
            problems[key] = str(exc)
            return None

    mas: list[MasEntry] = []
    blank = 0
    for muscle in ctx.muscles:
        for side in SIDES:
            key = mas_key(muscle, side)
            text = payload.get(key, "").strip()
            if not text:
                blank += muscle in ctx.region_muscles
                continue
            grade = attempt(key, lambda t=text: parse_mas_grade(t))
            if grade is not None:
                mas.append(MasEntry(muscle, side, grade))

    tardieu: list[TardieuEntry] = []
    for muscle in ctx.tardieu_muscles:
        for side in SIDES:
            texts = {p: payload.get(tardieu_key(muscle, side, p), "") for p in ("r1", "r2", "quality")}
            if not any(t.strip() for t in texts.values()):
                continue
            r1 = attempt(
                tardieu_key(muscle, side, "r1"),
                lambda t=texts["r1"]: parse_number(t, low=-180, high=180, unit="degrees"),
            )
            r2 = attempt(
                tardieu_key(muscle, side, "r2"),
                lambda t=texts["r2"]: parse_number(t, low=-180, high=180, unit="degrees"),
            )
            quality = attempt(
                tardieu_key(muscle, side, "quality"),
                lambda t=texts["quality"]: parse_whole(t, low=0, high=5, what="the quality of the reaction"),
            )
            tardieu.append(TardieuEntry(muscle, side, r1, r2, quality))

    rom: list[RomEntry] = []
    for measure in ROM_MEASURES:
        for side in SIDES:
            key = rom_key(measure.code, side)
            deg = attempt(
                key, lambda k=key: parse_number(payload.get(k, ""), low=-180, high=180, unit="degrees")
            )
            if deg is not None:
                rom.append(RomEntry(measure.code, side, float(deg)))

    timed = {
        key: attempt(
            key,
            lambda k=key, h=high, u=unit: parse_number(
                payload.get(k, ""), low=0, high=h, unit=u, low_open=k != "six_min_walk_m"
            ),
        )
        for key, _label, unit, high in TIMED_FIELDS
    }
    fms = {key: (payload.get(key, "").strip() or None) for key, _ in FMS_FIELDS}
    gait_notes = payload.get("gait_notes", "").strip() or None
    function = None
    if any(v is not None for v in (*timed.values(), *fms.values(), gait_notes)):
        function = Function(
            fms_5m=fms["fms_5m"],
            fms_50m=fms["fms_50m"],
            fms_500m=fms["fms_500m"],
            ten_m_walk_s=timed["ten_m_walk_s"],
            tug_s=timed["tug_s"],
            six_min_walk_m=timed["six_min_walk_m"],
            gait_notes=gait_notes,
        )

    penn_f = attempt(
        "penn_frequency",
        lambda: parse_whole(payload.get("penn_frequency", ""), low=0, high=4, what="the spasm frequency"),
    )
    penn_s = attempt(
        "penn_severity",
        lambda: parse_whole(payload.get("penn_severity", ""), low=1, high=3, what="the spasm severity"),
    )
    if penn_s is not None and not penn_f:
        penn_s = None  # severity is only recorded when spasms occur; the form hides it then

    pain = None
    scale = payload.get("pain_scale", "").strip()
    score_text = payload.get("pain_score", "").strip()
    if score_text:
        if scale not in PAIN_CHOICES:
            problems["pain_scale"] = "Choose the pain scale used (FLACC, Wong-Baker FACES or numeric)."
        else:
            score = attempt(
                "pain_score", lambda: parse_whole(score_text, low=0, high=10, what="the pain score")
            )
            if score is not None and score not in PAIN_CHOICES[scale]:
                problems["pain_score"] = (
                    f"{score} is not a score on the {PAIN_SCALES[scale]} scale: use one of "
                    + ", ".join(str(s) for s in PAIN_CHOICES[scale])
                    + "."
                )
            elif score is not None:
                pain = Pain(scale, score)

    umss = attempt(
        "sedation_umss",
        lambda: parse_whole(payload.get("sedation_umss", ""), low=0, high=4, what="the UMSS score"),
    )

    vitals_values = {
        key: attempt(key, lambda k=key: _vital(payload, k)) for key, _label, _unit in VITAL_FIELDS
    }
    pressure = blood_pressure_problem(vitals_values["sbp"], vitals_values["dbp"])
    if pressure is not None:
        problems["dbp"] = pressure[0].upper() + pressure[1:] + "."  # the domain's words, as a sentence
    vitals = Vitals(**vitals_values) if any(v is not None for v in vitals_values.values()) else None

    goals: list[GoalScore] = []
    for goal_id in ctx.goal_ids:
        key = goal_key(goal_id)
        gas = attempt(
            key, lambda k=key: parse_whole(payload.get(k, ""), low=-2, high=2, what="the goal score")
        )
        if gas is not None:
            goals.append(GoalScore(goal_id, gas))

    notes = payload.get("notes", "").strip() or None

    if problems:
        return FormResult(None, problems, blank, tuple(mas))
    assessment = Assessment(
        kind=ctx.kind,
        at=at,
        mas=tuple(mas),
        tardieu=tuple(tardieu),
        rom=tuple(rom),
        function=function,
        penn_frequency=penn_f,
        penn_severity=penn_s,
        pain=pain,
        sedation_umss=umss,
        vitals=vitals,
        goals=tuple(goals),
        notes=notes,
    )
    return FormResult(assessment, problems, blank, tuple(mas))


def is_empty(assessment: Assessment) -> bool:
    """True when nothing at all was entered (a form saved empty would be a record of nothing)."""
    return not (
        assessment.mas
        or assessment.tardieu
        or assessment.rom
        or assessment.function
        or assessment.penn_frequency is not None
        or assessment.pain
        or assessment.sedation_umss is not None
        or assessment.vitals
        or assessment.goals
        or assessment.notes
    )


# --------------------------------------------------------------------------------------------------
# Beside each field: the baseline and the change


def mas_cell_change(baseline_grade: str | None, grade_text: str, coding: str) -> str:
    """ "was 2 · −0.5" beside a reassessment cell: the baseline grade and the change in the trial's coding."""
    if baseline_grade is None:
        return "not graded at baseline"
    words = f"was {baseline_grade}"
    try:
        now_grade = parse_mas_grade(grade_text) if grade_text.strip() else None
    except MasGradeError:
        return words
    if now_grade is None:
        return words
    before, after = mas_value(baseline_grade, coding), mas_value(now_grade, coding)
    if before is None or after is None:
        return words + " · not paired (NT)"
    return words + " · " + signed(after - before)


def signed(value: float, unit: str = "") -> str:
    """A change with its sign: "+5°", "−0.5", "0"."""
    if abs(value) < 1e-9:
        return f"0{unit}"
    text = f"{abs(value):.2f}".rstrip("0").rstrip(".")
    return f"{'+' if value > 0 else '−'}{text}{unit}"


def mas_summary(
    baseline: Assessment | None,
    draft: Assessment | None,
    region: str,
    coding: str,
    dose_time: datetime | None,
) -> str:
    """The paired change so far (R3), in the domain's own words, for the line under the MAS grid."""
    if baseline is None:
        return "No baseline on this day yet, so there is no change to show."
    if draft is None:
        return "Correct the marked fields to see the change from baseline."
    if not draft.mas:
        return "Type the grades: the change from baseline (same muscle-sides) appears here as you go."
    change = paired_change(baseline, draft, region, coding, dose_time)
    return "Change from baseline so far: " + change.explanation


def number_change(baseline_value: float | None, text: str, unit: str = "") -> str:
    """ "baseline 48° · +4°" beside a number field; the change only once a number is typed."""
    if baseline_value is None:
        return ""
    words = f"baseline {plain_number(baseline_value)}{unit}"
    try:
        value = float(text.strip().replace(",", ".")) if text.strip() else None
    except ValueError:
        value = None
    if value is None or not math.isfinite(value):
        return words
    return words + " · " + signed(value - baseline_value, unit)


def rom_mark(code: str, text: str) -> tuple[str, bool]:
    """The published threshold of a ROM measure, and whether the typed value is beyond it."""
    measure = rom_measure(code)
    if measure.threshold_deg is None or measure.abnormal_when is None:
        return ("no published threshold", False)
    sign = ">" if measure.abnormal_when == "above" else "<"
    words = f"abnormal {sign} {plain_number(measure.threshold_deg)}°"
    try:
        value = float(text.strip().replace(",", ".")) if text.strip() else None
    except ValueError:
        value = None
    if value is None or not math.isfinite(value):
        return (words, False)
    return (words, bool(is_rom_abnormal(code, value)))


def dynamic_component(r1_text: str, r2_text: str) -> str:
    """R2 − R1 (the Tardieu dynamic component) once both angles are typed."""
    try:
        r1 = float(r1_text.strip().replace(",", "."))
        r2 = float(r2_text.strip().replace(",", "."))
    except ValueError:
        return ""
    if not (math.isfinite(r1) and math.isfinite(r2)):
        return ""
    return f"R2−R1 {plain_number(exact_difference(r2, r1))}°"


def live_vital_alerts(
    payload: Mapping[str, str], age_months: int, bands: VitalBands
) -> tuple[VitalAlert, ...]:
    """R9 alerts for what is typed so far (fields that are not numbers yet are skipped)."""
    values: dict[str, float | None] = {}
    for key, _label, _unit in VITAL_FIELDS:
        try:
            values[key] = _vital(payload, key)
        except ValueError:
            values[key] = None
    try:
        umss = parse_whole(payload.get("sedation_umss", ""), low=0, high=4, what="the UMSS score")
    except ValueError:
        umss = None
    vitals = Vitals(**values) if any(v is not None for v in values.values()) else None
    return vital_alerts(vitals, umss, age_months, bands)


def baseline_grades(baseline: Assessment | None) -> dict[tuple[str, str], str]:
    if baseline is None:
        return {}
    return {(m.muscle, m.side): m.grade for m in baseline.mas}


def same_muscles_payload(baseline: Assessment, muscles: Sequence[str], payload: Mapping[str, str]) -> Payload:
    """ "Same muscles as baseline": muscle-sides not graded at baseline become NT (they cannot be paired);
    the others keep what was typed. Returns the changed fields only."""
    graded = {k for k, g in baseline_grades(baseline).items() if g != NOT_TESTED}
    changes: Payload = {}
    for muscle in muscles:
        for side in SIDES:
            key = mas_key(muscle, side)
            if (muscle, side) not in graded and payload.get(key, "").strip() != NOT_TESTED:
                changes[key] = NOT_TESTED
    return changes


def mean_words(value: float | None) -> str:
    return format_score(value) if value is not None else "—"
