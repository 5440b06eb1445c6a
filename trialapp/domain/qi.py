"""Pump-implant infection quality improvement: the bundle checklist and rules R11–R13.

R11 step compliance = yes ÷ (yes + no); "not applicable" is left out. A procedure is fully compliant when
every step that applies to it (and was not marked not applicable) was answered yes.

R12 90-day SSI rate = procedures with a surgical-site infection dated 0 to 90 days after surgery (day 90
counts, day 91 does not) ÷ eligible procedures: those whose 90-day window has closed by the as-of date
(surgery date + 90 days ≤ as-of) or that had a counted infection. Open windows are counted separately.

R13 p-chart per period (month or quarter, by surgery date) of the eligible procedures: centre line
p̄ = all counted infections ÷ all eligible procedures of the periods shown; limits
p̄ ± 3·√(p̄(1−p̄)/nᵢ), the lower limit floored at 0 (and the upper capped at 1: a proportion cannot exceed
it). A run chart shows the full-compliance percentage per period with its median. Both flag a point beyond
its limits (p-chart) and every point of a run of 8 or more on one side of the centre line; a point exactly
on the centre line neither extends nor breaks a run (the usual run-chart convention).

The checklist itself is data (``trialapp-qi-bundle/1``, example in ``resources/clinical/qi_bundle_example.json``):
steps grouped in three phases, each with a code, a text, the procedure kinds it applies to, and whether a
published source confirmed it. The QI lead edits it; every edit is a new version, and a procedure is scored
against the version in force on its surgery date.

Pure Python: no Qt, no SQL. Facts: REFERENCE.md §6 and §8.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from importlib import resources
from typing import Any

BUNDLE_FORMAT = "trialapp-qi-bundle/1"

#: Procedure kinds (code → words).
PROCEDURE_KINDS: dict[str, str] = {
    "new_implant": "new implant",
    "pump_replacement": "pump replacement",
    "catheter_revision": "catheter revision",
    "wound_revision": "wound revision",
    "removal": "removal",
    "other": "other",
}

#: The three phases of the bundle, in order (code → name used by the CPRN registry reports).
PHASES: dict[str, str] = {
    "pre_op": "Pre-op",
    "prep": "Pre-prep, prep and scrubbing",
    "procedure": "Procedure and post-op",
}

#: Step answers: yes, no, not applicable.
ANSWERS: dict[str, str] = {"yes": "yes", "no": "no", "na": "not applicable"}

#: How an infection was established (REFERENCE.md §8) → the kind it is counted as.
SSI_CRITERIA: dict[str, str] = {
    "culture_positive": "culture_positive",
    "removal_suspected": "suspected",
    "dehiscence_exposed": "suspected",
}
SSI_CRITERION_WORDS: dict[str, str] = {
    "culture_positive": "culture-positive infection",
    "removal_suspected": "system removed for suspected infection",
    "dehiscence_exposed": "wound dehiscence with exposed hardware",
}
SSI_KIND_WORDS: dict[str, str] = {"culture_positive": "culture-positive", "suspected": "suspected"}

#: The surveillance window: an infection dated up to this many days after surgery counts (CPRN).
SSI_WINDOW_DAYS = 90

#: The programme's goal for each step (CPRN: at least 80 % compliance per step).
COMPLIANCE_GOAL_PCT = 80

#: A run of this many points on one side of the centre line is flagged.
RUN_LENGTH = 8

#: Follow-up contacts inside the window, in days after surgery. A local, configurable default
#: (UNCONFIRMED: no source gives the CPRN contact days).
DEFAULT_CHECKIN_DAYS: tuple[int, ...] = (14, 30, 60, 90)

#: A window that closed this many days ago or less stays on the follow-up list while a check-in is due,
#: so that the day-90 contact (due the day the window closes) is not lost.
CLOSED_GRACE_DAYS = 14

PERIODS = ("month", "quarter")

#: CSV columns that a step code must not shadow.
RESERVED_CODES = frozenset({"procedure_id", "site", "date", "kind", "surgeon", "ssi", "ssi_date", "organism"})

_STEP_CODE = re.compile(r"[a-z][a-z0-9_]{0,39}", re.ASCII)


# --------------------------------------------------------------------------------------------------
# The bundle: steps as data, validated, versioned
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BundleStep:
    """One checklist step: ``code`` (also its CSV column), ``phase`` (a key of PHASES), ``text``, the
    procedure kinds it applies to, whether a published source confirmed it, and that source."""

    code: str
    phase: str
    text: str
    applies_to: frozenset[str]
    confirmed: bool
    source: str

    def applies(self, kind: str) -> bool:
        """Whether the step is asked for a procedure of ``kind``."""
        return kind in self.applies_to


@dataclass(frozen=True)
class Bundle:
    """The whole checklist: steps in phase order, a title and notes (kept with every version)."""

    steps: tuple[BundleStep, ...]
    title: str = ""
    notes: str = ""

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(s.code for s in self.steps)

    def step(self, code: str) -> BundleStep | None:
        """The step with ``code``, or None."""
        for s in self.steps:
            if s.code == code:
                return s
        return None

    def applicable(self, kind: str) -> tuple[BundleStep, ...]:
        """The steps asked for a procedure of ``kind``, in checklist order."""
        return tuple(s for s in self.steps if s.applies(kind))


class BundleError(ValueError):
    """A bundle that cannot be used; ``problems`` lists every problem found."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("The bundle checklist is not valid:\n- " + "\n- ".join(self.problems))


def bundle_from_dict(data: object) -> Bundle:
    """Build and validate a bundle from its JSON shape (that of ``qi_bundle_example.json``).

    Raises BundleError listing every problem: the three phases in order, each step with a unique code
    (lower-case letters, digits and ``_``, starting with a letter, at most 40 characters, not a CSV column
    name), a text, at least one procedure kind it applies to, ``confirmed`` true or false, and a source.
    """
    problems: list[str] = []
    if not isinstance(data, dict):
        raise BundleError(["The bundle must be a JSON object with 'format', 'title' and 'phases'."])
    if data.get("format") != BUNDLE_FORMAT:
        problems.append(f"'format' must be \"{BUNDLE_FORMAT}\" (found {data.get('format')!r}).")
    for key in sorted(set(data) - {"format", "title", "notes", "phases"}):
        problems.append(f"Unknown key {key!r} at the top level: use format, title, notes and phases.")
    title = data.get("title", "")
    notes = data.get("notes", "")
    if not isinstance(title, str):
        problems.append("'title' must be text.")
        title = ""
    if not isinstance(notes, str):
        problems.append("'notes' must be text.")
        notes = ""
    phases = data.get("phases")
    steps: list[BundleStep] = []
    if not isinstance(phases, list):
        problems.append(f"'phases' must be a list of the three phases: {', '.join(PHASES)}.")
        raise BundleError(problems)
    codes = [p.get("code") if isinstance(p, dict) else None for p in phases]
    if codes != list(PHASES):
        problems.append(
            f"'phases' must list the three phases in this order: {', '.join(PHASES)} (found {codes})."
        )
    seen: set[str] = set()
    for i, phase in enumerate(phases):
        where = f"phases[{i}]"
        if not isinstance(phase, dict):
            problems.append(f"{where} must be an object with code, name and steps.")
            continue
        phase_code = phase.get("code")
        for key in sorted(set(phase) - {"code", "name", "steps"}):
            problems.append(f"Unknown key {key!r} in {where}: use code, name and steps.")
        raw_steps = phase.get("steps")
        if not isinstance(raw_steps, list):
            problems.append(f"{where}.steps must be a list (it may be empty).")
            continue
        for j, raw in enumerate(raw_steps):
            step = _step_from_dict(raw, f"{where}.steps[{j}]", phase_code, seen, problems)
            if step is not None:
                steps.append(step)
    if not steps and not problems:
        problems.append("The bundle has no steps: add at least one.")
    if problems:
        raise BundleError(problems)
    return Bundle(steps=tuple(steps), title=title.strip(), notes=notes.strip())


def _step_from_dict(
    raw: object, where: str, phase: object, seen: set[str], problems: list[str]
) -> BundleStep | None:
    if not isinstance(raw, dict):
        problems.append(f"{where} must be an object with code, text, applies_to, confirmed and source.")
        return None
    before = len(problems)
    allowed = {"code", "text", "applies_to", "confirmed", "source"}
    for key in sorted(set(raw) - allowed):
        problems.append(f"Unknown key {key!r} in {where}: use {', '.join(sorted(allowed))}.")
    code = raw.get("code")
    if not isinstance(code, str) or not _STEP_CODE.fullmatch(code):
        problems.append(
            f"{where}.code {code!r} is not a step code: use lower-case letters, digits and '_', starting "
            "with a letter, at most 40 characters (for example hair_clipped)."
        )
    elif code in RESERVED_CODES:
        problems.append(f"{where}.code {code!r} is the name of a CSV column: choose another code.")
    elif code in seen:
        problems.append(f"{where}.code {code!r} is used twice: every step needs its own code.")
    else:
        seen.add(code)
    text = raw.get("text")
    if not isinstance(text, str) or not text.strip() or len(text) > 300:
        problems.append(f"{where}.text must say what is done, in 1 to 300 characters.")
    applies = raw.get("applies_to")
    if (
        not isinstance(applies, list)
        or not applies
        or not all(isinstance(k, str) and k in PROCEDURE_KINDS for k in applies)
    ):
        problems.append(
            f"{where}.applies_to must list at least one procedure kind among: {', '.join(PROCEDURE_KINDS)}."
        )
    confirmed = raw.get("confirmed")
    if not isinstance(confirmed, bool):
        problems.append(f"{where}.confirmed must be true (a published source confirms it) or false.")
    source = raw.get("source", "")
    if not isinstance(source, str):
        problems.append(f"{where}.source must be text (where the step comes from).")
    if len(problems) > before or phase not in PHASES:
        return None
    assert isinstance(code, str) and isinstance(text, str) and isinstance(applies, list)
    assert isinstance(confirmed, bool) and isinstance(source, str) and isinstance(phase, str)
    return BundleStep(
        code=code,
        phase=phase,
        text=" ".join(text.split()),
        applies_to=frozenset(applies),
        confirmed=confirmed,
        source=source.strip(),
    )


def bundle_to_dict(bundle: Bundle) -> dict[str, Any]:
    """The bundle in its JSON shape (steps in checklist order, kinds in the order of PROCEDURE_KINDS)."""
    return {
        "format": BUNDLE_FORMAT,
        "title": bundle.title,
        "notes": bundle.notes,
        "phases": [
            {
                "code": phase,
                "name": name,
                "steps": [
                    {
                        "code": s.code,
                        "text": s.text,
                        "applies_to": [k for k in PROCEDURE_KINDS if k in s.applies_to],
                        "confirmed": s.confirmed,
                        "source": s.source,
                    }
                    for s in bundle.steps
                    if s.phase == phase
                ],
            }
            for phase, name in PHASES.items()
        ],
    }


def example_bundle() -> Bundle:
    """The example bundle shipped with the app (HCRN-confirmed and commonly described steps)."""
    text = resources.files("trialapp.resources").joinpath("clinical", "qi_bundle_example.json").read_text(encoding="utf-8")
    return bundle_from_dict(json.loads(text))


@dataclass(frozen=True)
class BundleVersion:
    """A saved version of the bundle, in force from ``effective_from``."""

    version: int
    effective_from: date
    bundle: Bundle
    note: str = ""
    created_by: str = ""


@dataclass(frozen=True)
class BundleHistory:
    """Every saved version, oldest first."""

    versions: tuple[BundleVersion, ...]

    def __post_init__(self) -> None:
        if not self.versions:
            raise ValueError("a bundle history needs at least one version")

    @property
    def current(self) -> BundleVersion:
        """The newest version (the one an edit starts from)."""
        return max(self.versions, key=lambda v: v.version)

    @property
    def first(self) -> BundleVersion:
        return min(self.versions, key=lambda v: v.version)

    def starts_on(self, version: BundleVersion) -> date | None:
        """The date from which ``version`` is in force; None for the first version, which is the checklist
        the site started with and covers every procedure before the next version."""
        return None if version.version == self.first.version else version.effective_from

    def in_force(self, on: date) -> BundleVersion:
        """The version a procedure on ``on`` is scored against: the one with the latest start on or before
        that date (ties: the higher version); the first version has no start (it covers the time before
        every other version)."""
        candidates = [v for v in self.versions if (start := self.starts_on(v)) is None or start <= on]
        return max(candidates, key=lambda v: (self.starts_on(v) or date.min, v.version))

    def latest_start(self) -> date | None:
        """The latest start of a version after the first (a new version may not start before it)."""
        starts = [d for v in self.versions if (d := self.starts_on(v)) is not None]
        return max(starts) if starts else None

    def step_codes(self) -> tuple[str, ...]:
        """Every step code ever used: the current version's in checklist order, then retired ones
        (newest version first)."""
        codes: list[str] = []
        for v in sorted(self.versions, key=lambda v: -v.version):
            codes.extend(c for c in v.bundle.codes if c not in codes)
        return tuple(codes)

    def step_info(self, code: str) -> BundleStep | None:
        """The step as the newest version that has it describes it."""
        for v in sorted(self.versions, key=lambda v: -v.version):
            step = v.bundle.step(code)
            if step is not None:
                return step
        return None


# --------------------------------------------------------------------------------------------------
# Procedures
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RiskFactors:
    """Patient risk factors at the time of surgery (REFERENCE.md §6); None = not recorded."""

    age_months: int | None = None
    weight_kg: float | None = None
    bmi: float | None = None
    gmfcs_level: int | None = None
    gastrostomy: bool | None = None  # gastrostomy or another ostomy
    prior_revisions_6m: int | None = None  # revisions of the system in the 6 months before
    csf_leak: bool | None = None


def risk_factor_problems(risk: RiskFactors) -> list[str]:
    """What is out of range in ``risk``, each as a sentence saying what to enter."""
    problems: list[str] = []
    if risk.age_months is not None and not 0 <= risk.age_months <= 12 * 40:
        problems.append("Age must be between 0 and 40 years (entered in months).")
    if risk.weight_kg is not None and not (math.isfinite(risk.weight_kg) and 1 <= risk.weight_kg <= 250):
        problems.append("Weight must be between 1 and 250 kg.")
    if risk.bmi is not None and not (math.isfinite(risk.bmi) and 5 <= risk.bmi <= 80):
        problems.append("BMI must be between 5 and 80 kg/m².")
    if risk.gmfcs_level is not None and risk.gmfcs_level not in (1, 2, 3, 4, 5):
        problems.append("GMFCS level must be 1 to 5 (I to V).")
    if risk.prior_revisions_6m is not None and not 0 <= risk.prior_revisions_6m <= 50:
        problems.append("Prior revisions in the last 6 months must be a whole number from 0 to 50.")
    return problems


def bmi_from(weight_kg: float | None, height_cm: float | None) -> float | None:
    """Body-mass index (kg/m²) to 1 decimal, or None when weight or height is missing."""
    if weight_kg is None or height_cm is None or height_cm <= 0:
        return None
    return _round_half_up(weight_kg / (height_cm / 100) ** 2, 1)


@dataclass(frozen=True)
class Ssi:
    """A surgical-site infection: ``kind`` culture_positive or suspected, its date, how it was
    established (``criterion``, a key of SSI_CRITERIA, None when unknown) and the organism grown."""

    kind: str
    on: date
    criterion: str | None = None
    organism: str | None = None


@dataclass(frozen=True)
class QiProcedure:
    """One operation followed by the QI programme. ``answers`` maps step code → yes/no/na."""

    procedure_id: str
    surgery_date: date
    kind: str
    site: str
    surgeon: str
    answers: Mapping[str, str] = field(default_factory=dict)
    ssi: Ssi | None = None
    risk: RiskFactors = field(default_factory=RiskFactors)
    trial_id: str | None = None


@dataclass(frozen=True)
class QiFilter:
    """Which procedures a summary covers: a site, a surgeon and a surgery-date range (all optional)."""

    site: str | None = None
    surgeon: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def matches(self, p: QiProcedure) -> bool:
        """Whether ``p`` is covered."""
        return (
            (self.site is None or p.site == self.site)
            and (self.surgeon is None or p.surgeon == self.surgeon)
            and (self.date_from is None or p.surgery_date >= self.date_from)
            and (self.date_to is None or p.surgery_date <= self.date_to)
        )

    def describe(self) -> str:
        parts = []
        if self.site:
            parts.append(f"site {self.site}")
        if self.surgeon:
            parts.append(f"surgeon {self.surgeon}")
        if self.date_from or self.date_to:
            start = self.date_from.isoformat() if self.date_from else "the first procedure"
            end = self.date_to.isoformat() if self.date_to else "the as-of date"
            parts.append(f"surgery from {start} to {end}")
        return ", ".join(parts) or "all procedures"


_PROCEDURE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}", re.ASCII)


def _plain_text_problem(value: str, what: str, longest: int) -> str | None:
    if not value.strip():
        return f"{what} is required."
    if len(value) > longest or any(ord(c) < 32 for c in value):
        return f"{what} must be at most {longest} characters, on one line."
    return None


def procedure_problems(p: QiProcedure, history: BundleHistory, today: date) -> list[tuple[str, str]]:
    """Everything wrong with a procedure as (field, message): the field is "procedure_id", "site",
    "date", "kind", "surgeon", a step code, "ssi", "ssi_date", "organism" or "risk". Step answers are
    checked against the bundle version in force on the surgery date: a yes or no for a step that does
    not apply to the procedure's kind is refused ("na" is accepted and ignored)."""
    problems: list[tuple[str, str]] = []
    if not _PROCEDURE_ID.fullmatch(p.procedure_id):
        problems.append(
            (
                "procedure_id",
                f"{p.procedure_id!r} is not a procedure id: use 1 to 40 letters, digits, '.', '_' or '-', "
                "starting with a letter or digit.",
            )
        )
    for name, value, longest in (("site", p.site, 100), ("surgeon", p.surgeon, 200)):
        problem = _plain_text_problem(value, f"The {name}", longest)
        if problem:
            problems.append((name, problem))
    if p.surgery_date > today:
        problems.append(("date", f"The surgery date {p.surgery_date.isoformat()} is in the future."))
    kind_ok = p.kind in PROCEDURE_KINDS
    if not kind_ok:
        problems.append(
            ("kind", f"{p.kind!r} is not a procedure kind: use one of {', '.join(PROCEDURE_KINDS)}.")
        )
    version = history.in_force(p.surgery_date)
    for code, answer in p.answers.items():
        if answer not in ANSWERS:
            problems.append((code, f"{answer!r} is not an answer: use yes, no or na (not applicable)."))
            continue
        if answer == "na" or not kind_ok:
            continue
        step = version.bundle.step(code)
        if step is None:
            problems.append(
                (
                    code,
                    f"Step {code} is not in bundle version {version.version}, in force on "
                    f"{p.surgery_date.isoformat()}: leave it empty or write na.",
                )
            )
        elif not step.applies(p.kind):
            problems.append(
                (
                    code,
                    f"Step {code} does not apply to a {PROCEDURE_KINDS[p.kind]} in bundle version "
                    f"{version.version}: leave it empty or write na.",
                )
            )
    problems.extend(_ssi_problems(p, today))
    problems.extend(("risk", message) for message in risk_factor_problems(p.risk))
    return problems


def _ssi_problems(p: QiProcedure, today: date) -> list[tuple[str, str]]:
    ssi = p.ssi
    if ssi is None:
        return []
    problems: list[tuple[str, str]] = []
    if ssi.kind not in SSI_KIND_WORDS:
        problems.append(("ssi", f"{ssi.kind!r} is not an infection kind: use culture_positive or suspected."))
    if ssi.criterion is not None and SSI_CRITERIA.get(ssi.criterion) != ssi.kind:
        problems.append(
            ("ssi", f"The criterion {ssi.criterion!r} does not fit an infection of kind {ssi.kind!r}.")
        )
    if ssi.on < p.surgery_date:
        problems.append(
            (
                "ssi_date",
                f"The infection date {ssi.on.isoformat()} is before the surgery ({p.surgery_date.isoformat()}).",
            )
        )
    if ssi.on > today:
        problems.append(("ssi_date", f"The infection date {ssi.on.isoformat()} is in the future."))
    organism = ssi.organism or ""
    if ssi.kind == "culture_positive" and not organism.strip():
        problems.append(
            (
                "organism",
                "A culture-positive infection needs the organism grown (for example Staphylococcus aureus).",
            )
        )
    elif organism and (len(organism) > 200 or any(ord(c) < 32 for c in organism)):
        problems.append(("organism", "The organism must be at most 200 characters, on one line."))
    return problems


# --------------------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------------------


def _round_half_up(value: float | Fraction, places: int) -> float:
    """Round half away from zero on the exact value (0.125 → 0.13), never on a binary approximation of a
    fraction."""
    exact = Decimal(value.numerator) / Decimal(value.denominator) if isinstance(value, Fraction) else None
    number = exact if exact is not None else Decimal(repr(value))
    return float(number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def percent(numerator: int, denominator: int) -> float | None:
    """numerator ÷ denominator as a percentage with 1 decimal (half up), or None when nothing to divide."""
    if denominator == 0:
        return None
    return _round_half_up(Fraction(100 * numerator, denominator), 1)


def format_pct(value: float | None) -> str:
    """A percentage for people: "90.0 %", or "–" when there is none."""
    return "–" if value is None else f"{value:.1f} %"


# --------------------------------------------------------------------------------------------------
# R11: compliance
# --------------------------------------------------------------------------------------------------


def applicable_answers(procedure: QiProcedure, bundle: Bundle) -> dict[str, str | None]:
    """The steps of ``bundle`` that apply to the procedure's kind → its answer (None: not answered).
    Answers to steps that do not apply are ignored: the procedure is scored against this version."""
    return {s.code: procedure.answers.get(s.code) for s in bundle.applicable(procedure.kind)}


def is_fully_compliant(procedure: QiProcedure, bundle: Bundle) -> bool | None:
    """R11: True when every applicable step is yes. Steps answered "not applicable" are left out; a step
    not answered is not yes. None when nothing is left to score (every step not applicable)."""
    scored = [a for a in applicable_answers(procedure, bundle).values() if a != "na"]
    if not scored:
        return None
    return all(a == "yes" for a in scored)


@dataclass(frozen=True)
class StepCompliance:
    """R11 for one step: answers counted over the procedures it applied to."""

    code: str
    phase: str
    text: str
    yes: int
    no: int
    na: int
    missing: int  # applied, but not answered

    @property
    def pct(self) -> float | None:
        """yes ÷ (yes + no) in %, 1 decimal; None when no procedure answered yes or no."""
        return percent(self.yes, self.yes + self.no)

    @property
    def meets_goal(self) -> bool | None:
        if self.yes + self.no == 0:
            return None
        return Fraction(self.yes, self.yes + self.no) * 100 >= COMPLIANCE_GOAL_PCT

    @property
    def explanation(self) -> str:
        left_out = []
        if self.na:
            left_out.append(f"{self.na} not applicable")
        if self.missing:
            left_out.append(f"{self.missing} not answered")
        rest = f" ({', '.join(left_out)}, left out)" if left_out else ""
        if self.yes + self.no == 0:
            return f"{self.text}: no procedure answered yes or no{rest}, so no compliance yet."
        return (
            f"{self.text}: {self.yes} yes of {self.yes + self.no} answered yes or no{rest} = "
            f"{format_pct(self.pct)} (goal {COMPLIANCE_GOAL_PCT} %)."
        )


@dataclass(frozen=True)
class PhaseCompliance:
    """R11 summed over the steps of one phase."""

    phase: str
    yes: int
    no: int

    @property
    def name(self) -> str:
        return PHASES[self.phase]

    @property
    def pct(self) -> float | None:
        return percent(self.yes, self.yes + self.no)

    @property
    def explanation(self) -> str:
        if self.yes + self.no == 0:
            return f"{self.name}: no step answered yes or no yet."
        return f"{self.name}: {self.yes} yes of {self.yes + self.no} step answers yes or no = {format_pct(self.pct)}."


def step_compliance(procedures: Iterable[QiProcedure], history: BundleHistory) -> tuple[StepCompliance, ...]:
    """R11 per step, over the procedures given, each scored against the version in force on its date.
    Steps come in the order of ``history.step_codes()``; a retired step that no procedure was asked is
    left out."""
    counts: dict[str, list[int]] = {}
    for p in procedures:
        bundle = history.in_force(p.surgery_date).bundle
        for code, answer in applicable_answers(p, bundle).items():
            c = counts.setdefault(code, [0, 0, 0, 0])
            c[("yes", "no", "na", None).index(answer) if answer in ("yes", "no", "na") else 3] += 1
    current = history.current.bundle.codes
    result = []
    for code in history.step_codes():
        if code not in counts and code not in current:
            continue
        step = history.step_info(code)
        assert step is not None
        yes, no, na, missing = counts.get(code, [0, 0, 0, 0])
        result.append(StepCompliance(code, step.phase, step.text, yes, no, na, missing))
    return tuple(result)


def phase_compliance(steps: Iterable[StepCompliance]) -> tuple[PhaseCompliance, ...]:
    """R11 per phase: yes and no summed over the phase's steps."""
    totals = {phase: [0, 0] for phase in PHASES}
    for s in steps:
        totals[s.phase][0] += s.yes
        totals[s.phase][1] += s.no
    return tuple(PhaseCompliance(phase, yes, no) for phase, (yes, no) in totals.items())


@dataclass(frozen=True)
class FullCompliance:
    """R11 full compliance: procedures with every applicable step yes ÷ procedures scored."""

    full: int
    scored: int
    not_scored: int  # every step not applicable

    @property
    def pct(self) -> float | None:
        return percent(self.full, self.scored)

    @property
    def explanation(self) -> str:
        if self.scored == 0:
            return "No procedure has a step to score yet, so there is no full compliance."
        extra = f"; {self.not_scored} with every step not applicable left out" if self.not_scored else ""
        return (
            f"{self.full} of {self.scored} procedures had every applicable step answered yes "
            f"= {format_pct(self.pct)}{extra}. A step not answered counts as not done."
        )


def full_compliance(procedures: Iterable[QiProcedure], history: BundleHistory) -> FullCompliance:
    """R11 full compliance over the procedures given."""
    full = scored = not_scored = 0
    for p in procedures:
        result = is_fully_compliant(p, history.in_force(p.surgery_date).bundle)
        if result is None:
            not_scored += 1
            continue
        scored += 1
        full += int(result)
    return FullCompliance(full, scored, not_scored)


# --------------------------------------------------------------------------------------------------
# R12: 90-day SSI rate
# --------------------------------------------------------------------------------------------------


def days_after_surgery(surgery_date: date, on: date) -> int:
    """Whole days from surgery (the day of surgery is day 0)."""
    return (on - surgery_date).days


def window_closes_on(surgery_date: date) -> date:
    """The last day of the 90-day window (day 90); the window is closed for an as-of date on or after it."""
    return surgery_date + timedelta(days=SSI_WINDOW_DAYS)


def ssi_within_window(surgery_date: date, ssi_date: date) -> bool:
    """R12: an infection counts when dated 0 to 90 days after surgery (day 90 counts, day 91 does not)."""
    return 0 <= days_after_surgery(surgery_date, ssi_date) <= SSI_WINDOW_DAYS


def counted_ssi(procedure: QiProcedure, as_of: date) -> bool:
    """R12: the procedure had an infection inside its window, known by ``as_of`` (dated on or before it)."""
    ssi = procedure.ssi
    return ssi is not None and ssi.on <= as_of and ssi_within_window(procedure.surgery_date, ssi.on)


#: R12 statuses of a procedure on an as-of date.
SSI_STATUSES = ("ssi", "closed", "open", "future")


def ssi_status(procedure: QiProcedure, as_of: date) -> str:
    """R12 status on ``as_of``: "ssi" (counted infection: eligible), "closed" (window closed without a
    counted infection: eligible), "open" (window still open: not eligible yet), "future" (surgery after
    the as-of date: left out)."""
    if procedure.surgery_date > as_of:
        return "future"
    if counted_ssi(procedure, as_of):
        return "ssi"
    if window_closes_on(procedure.surgery_date) <= as_of:
        return "closed"
    return "open"


@dataclass(frozen=True)
class SsiRate:
    """R12 over a set of procedures on an as-of date."""

    count: int
    eligible: int
    open_windows: int
    as_of: date
    late: int = 0  # infections dated after day 90: recorded, not counted

    @property
    def rate(self) -> Fraction | None:
        return Fraction(self.count, self.eligible) if self.eligible else None

    @property
    def pct(self) -> float | None:
        return percent(self.count, self.eligible)

    @property
    def explanation(self) -> str:
        open_text = (
            f" {self.open_windows} procedure(s) are still inside their 90-day window, not counted yet."
            if self.open_windows
            else ""
        )
        late_text = (
            f" {self.late} infection(s) dated after day 90 are recorded but not counted." if self.late else ""
        )
        if not self.eligible:
            return f"As of {self.as_of.isoformat()} no 90-day window has closed yet, so no rate.{open_text}"
        return (
            f"As of {self.as_of.isoformat()}: {self.count} infection(s) within 90 days in {self.eligible} "
            f"eligible procedure(s) = {format_pct(self.pct)}. Eligible: the window closed (surgery + 90 days "
            f"on or before the as-of date) or an infection was counted.{open_text}{late_text}"
        )


def ssi_rate(procedures: Iterable[QiProcedure], as_of: date) -> SsiRate:
    """R12: counted infections ÷ eligible procedures on ``as_of``, with the open windows counted apart."""
    count = eligible = open_windows = late = 0
    for p in procedures:
        status = ssi_status(p, as_of)
        if status == "future":
            continue
        if status == "open":
            open_windows += 1
            continue
        eligible += 1
        count += int(status == "ssi")
        if status == "closed" and p.ssi is not None and p.ssi.on <= as_of:
            late += 1
    return SsiRate(count, eligible, open_windows, as_of, late)


# --------------------------------------------------------------------------------------------------
# R13: p-chart and run chart
# --------------------------------------------------------------------------------------------------


def period_label(on: date, period: str) -> str:
    """The period a date falls in: "2026-03" (month) or "2026-Q1" (quarter). Labels sort in time order."""
    if period == "month":
        return f"{on.year:04d}-{on.month:02d}"
    if period == "quarter":
        return f"{on.year:04d}-Q{(on.month - 1) // 3 + 1}"
    raise ValueError(f"period must be one of {PERIODS}, not {period!r}")


def control_limits(p_bar: Fraction, n: int) -> tuple[float, float]:
    """R13 limits for a period of ``n`` eligible procedures: p̄ ± 3·√(p̄(1−p̄)/n), the lower floored at 0
    and the upper capped at 1. Returns (lcl, ucl)."""
    if n <= 0:
        raise ValueError("a period needs at least one procedure")
    sigma = math.sqrt(float(p_bar * (1 - p_bar)) / n)
    centre = float(p_bar)
    return max(0.0, centre - 3 * sigma), min(1.0, centre + 3 * sigma)


def run_flags(values: Sequence[float], centre: float, run_length: int = RUN_LENGTH) -> tuple[bool, ...]:
    """R13: flag every point of a run of ``run_length`` or more consecutive points on the same side of
    ``centre``. A point exactly on the centre line is skipped: it neither extends nor breaks a run, and
    is never flagged."""
    flags = [False] * len(values)
    run: list[int] = []
    side = 0
    for i, v in enumerate(values):
        here = (v > centre) - (v < centre)
        if here == 0:
            continue
        if here != side:
            run, side = [], here
        run.append(i)
        if len(run) >= run_length:
            for j in run:
                flags[j] = True
    return tuple(flags)


def median(values: Sequence[float]) -> float:
    """The median (mean of the two middle values for an even count)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2


@dataclass(frozen=True)
class PChartPoint:
    """One period of the p-chart: ``n`` eligible procedures, ``ssi`` counted infections, ``p`` = ssi ÷ n,
    its limits, and its flags."""

    period: str
    n: int
    ssi: int
    p: float
    lcl: float
    ucl: float
    beyond_limits: bool
    in_run: bool
    open_windows: int = 0  # procedures of the period still inside their window: not in n yet

    @property
    def explanation(self) -> str:
        flags = []
        if self.beyond_limits:
            flags.append("beyond the control limits: look for a special cause")
        if self.in_run:
            flags.append(f"part of a run of {RUN_LENGTH} or more on one side of the centre line")
        flag_text = f" Flag: {'; '.join(flags)}." if flags else ""
        open_text = (
            f" {self.open_windows} more procedure(s) of this period are still inside their window: the point is "
            "not final."
            if self.open_windows
            else ""
        )
        return (
            f"{self.period}: {self.ssi} infection(s) in {self.n} eligible procedure(s), p = {self.p:.4f}; "
            f"limits {self.lcl:.4f} to {self.ucl:.4f}.{flag_text}{open_text}"
        )


@dataclass(frozen=True)
class PChart:
    """R13 p-chart: points in time order and the centre line p̄ (None when no eligible procedure)."""

    points: tuple[PChartPoint, ...]
    total_n: int
    total_ssi: int
    period: str

    @property
    def centre(self) -> float | None:
        return self.total_ssi / self.total_n if self.total_n else None

    @property
    def explanation(self) -> str:
        if not self.total_n:
            return "No eligible procedure yet: the p-chart starts when the first 90-day window closes."
        return (
            f"Centre line p̄ = {self.total_ssi} infection(s) ÷ {self.total_n} eligible procedure(s) = "
            f"{self.centre:.4f}. Limits per {self.period}: p̄ ± 3·√(p̄(1−p̄)/n), lower limit at least 0. "
            f"Flagged: a point beyond its limits, and runs of {RUN_LENGTH} or more on one side of p̄."
        )


def p_chart(procedures: Iterable[QiProcedure], as_of: date, period: str) -> PChart:
    """R13 p-chart of the eligible procedures (R12) by surgery-date period; periods without an eligible
    procedure have no point."""
    groups: dict[str, list[int]] = {}
    open_windows: dict[str, int] = {}
    for p in procedures:
        status = ssi_status(p, as_of)
        label = period_label(p.surgery_date, period)
        if status in ("ssi", "closed"):
            g = groups.setdefault(label, [0, 0])
            g[0] += 1
            g[1] += int(status == "ssi")
        elif status == "open":
            open_windows[label] = open_windows.get(label, 0) + 1
    labels = sorted(groups)
    total_n = sum(groups[k][0] for k in labels)
    total_ssi = sum(groups[k][1] for k in labels)
    if not total_n:
        return PChart((), 0, 0, period)
    p_bar = Fraction(total_ssi, total_n)
    ps = [groups[k][1] / groups[k][0] for k in labels]
    in_run = run_flags(ps, float(p_bar))
    points = []
    for i, label in enumerate(labels):
        n, k = groups[label]
        lcl, ucl = control_limits(p_bar, n)
        proportion = k / n
        beyond = proportion > ucl or proportion < lcl
        points.append(
            PChartPoint(label, n, k, proportion, lcl, ucl, beyond, in_run[i], open_windows.get(label, 0))
        )
    return PChart(tuple(points), total_n, total_ssi, period)


@dataclass(frozen=True)
class RunPoint:
    """One period of the compliance run chart: fully compliant procedures ÷ procedures scored, in %."""

    period: str
    scored: int
    full: int
    pct: float
    in_run: bool


@dataclass(frozen=True)
class RunChart:
    points: tuple[RunPoint, ...]
    median: float | None
    period: str

    @property
    def explanation(self) -> str:
        if self.median is None:
            return "No procedure with a step to score yet: the run chart is empty."
        return (
            f"Full compliance per {self.period} (procedures with every applicable step yes ÷ procedures "
            f"scored); centre line = median of the points, {self.median:.1f} %. Flagged: runs of "
            f"{RUN_LENGTH} or more on one side of the median (points on it do not count)."
        )


def compliance_run_chart(
    procedures: Iterable[QiProcedure], history: BundleHistory, as_of: date, period: str
) -> RunChart:
    """R13 run chart of full compliance (R11) per surgery-date period, up to ``as_of``, with its median."""
    groups: dict[str, list[int]] = {}
    for p in procedures:
        if p.surgery_date > as_of:
            continue
        result = is_fully_compliant(p, history.in_force(p.surgery_date).bundle)
        if result is None:
            continue
        g = groups.setdefault(period_label(p.surgery_date, period), [0, 0])
        g[0] += 1
        g[1] += int(result)
    labels = sorted(groups)
    if not labels:
        return RunChart((), None, period)
    values = [100 * groups[k][1] / groups[k][0] for k in labels]
    centre = median(values)
    flags = run_flags(values, centre)
    points = tuple(RunPoint(k, groups[k][0], groups[k][1], values[i], flags[i]) for i, k in enumerate(labels))
    return RunChart(points, centre, period)


# --------------------------------------------------------------------------------------------------
# Risk-factor breakdown (display groups, not clinical thresholds)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RiskGroup:
    """R12 within one group of one risk factor."""

    factor: str
    group: str
    eligible: int
    ssi: int

    @property
    def pct(self) -> float | None:
        return percent(self.ssi, self.eligible)


def _yes_no(value: bool | None) -> str:
    return "not recorded" if value is None else ("yes" if value else "no")


def _banded(value: float | None, bands: Sequence[tuple[float, str]], last: str) -> str:
    if value is None:
        return "not recorded"
    for upper, label in bands:
        if value < upper:
            return label
    return last


#: Factor → (group labels in display order, the function that puts a procedure in a group).
RISK_FACTORS: tuple[str, ...] = (
    "Age at surgery",
    "Weight",
    "BMI",
    "GMFCS level",
    "Gastrostomy or ostomy",
    "Revision in the previous 6 months",
    "CSF leak",
)

_GROUPS: dict[str, tuple[str, ...]] = {
    "Age at surgery": ("under 5 y", "5 to 11 y", "12 y and over", "not recorded"),
    "Weight": ("under 20 kg", "20 to 39 kg", "40 kg and over", "not recorded"),
    "BMI": ("under 15", "15 to 19.9", "20 and over", "not recorded"),
    "GMFCS level": ("I–III", "IV", "V", "not recorded"),
    "Gastrostomy or ostomy": ("yes", "no", "not recorded"),
    "Revision in the previous 6 months": ("none", "1 or more", "not recorded"),
    "CSF leak": ("yes", "no", "not recorded"),
}


def risk_group(factor: str, risk: RiskFactors) -> str:
    """The display group of ``risk`` for ``factor`` (groups are for the breakdown chart only)."""
    if factor == "Age at surgery":
        years = None if risk.age_months is None else risk.age_months / 12
        return _banded(years, ((5, "under 5 y"), (12, "5 to 11 y")), "12 y and over")
    if factor == "Weight":
        return _banded(risk.weight_kg, ((20, "under 20 kg"), (40, "20 to 39 kg")), "40 kg and over")
    if factor == "BMI":
        return _banded(risk.bmi, ((15, "under 15"), (20, "15 to 19.9")), "20 and over")
    if factor == "GMFCS level":
        if risk.gmfcs_level is None:
            return "not recorded"
        return {4: "IV", 5: "V"}.get(risk.gmfcs_level, "I–III")
    if factor == "Gastrostomy or ostomy":
        return _yes_no(risk.gastrostomy)
    if factor == "Revision in the previous 6 months":
        if risk.prior_revisions_6m is None:
            return "not recorded"
        return "none" if risk.prior_revisions_6m == 0 else "1 or more"
    if factor == "CSF leak":
        return _yes_no(risk.csf_leak)
    raise ValueError(f"unknown risk factor {factor!r}")


def risk_breakdown(procedures: Iterable[QiProcedure], as_of: date) -> tuple[RiskGroup, ...]:
    """R12 per group of each risk factor, over the eligible procedures; empty groups are left out."""
    statuses = [(p, ssi_status(p, as_of)) for p in procedures]
    eligible = [(p, status == "ssi") for p, status in statuses if status in ("ssi", "closed")]
    rows: list[RiskGroup] = []
    for factor in RISK_FACTORS:
        counts = {g: [0, 0] for g in _GROUPS[factor]}
        for p, infected in eligible:
            c = counts[risk_group(factor, p.risk)]
            c[0] += 1
            c[1] += int(infected)
        rows.extend(RiskGroup(factor, g, n, k) for g, (n, k) in counts.items() if n)
    return tuple(rows)


# --------------------------------------------------------------------------------------------------
# Surveillance: the follow-up list
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckIn:
    """A follow-up contact ``day`` days after surgery: "done", "due" (date reached, not done) or
    "upcoming"."""

    day: int
    due_on: date
    status: str
    done_on: date | None = None


def checkins(
    surgery_date: date, done: Mapping[int, date], as_of: date, days: Sequence[int] = DEFAULT_CHECKIN_DAYS
) -> tuple[CheckIn, ...]:
    """The check-ins of one procedure on ``as_of``; ``done`` maps day → date it was done."""
    result = []
    for day in sorted(set(days) | set(done)):
        due_on = surgery_date + timedelta(days=day)
        if day in done:
            result.append(CheckIn(day, due_on, "done", done[day]))
        else:
            result.append(CheckIn(day, due_on, "due" if due_on <= as_of else "upcoming"))
    return tuple(result)


@dataclass(frozen=True)
class FollowUp:
    """One line of the follow-up list: a procedure in (or just out of) its window, its day, the day its
    window closes and its check-ins."""

    procedure: QiProcedure
    day: int
    closes_on: date
    window_open: bool
    checkins: tuple[CheckIn, ...]

    @property
    def due(self) -> tuple[CheckIn, ...]:
        return tuple(c for c in self.checkins if c.status == "due")

    @property
    def next_upcoming(self) -> CheckIn | None:
        return next((c for c in self.checkins if c.status == "upcoming"), None)

    @property
    def explanation(self) -> str:
        state = (
            f"day {self.day} of 90, window closes {self.closes_on.isoformat()}"
            if self.window_open
            else f"window closed {self.closes_on.isoformat()}"
        )
        due = ", ".join(f"day {c.day} (since {c.due_on.isoformat()})" for c in self.due)
        nxt = self.next_upcoming
        parts = [state]
        if due:
            parts.append(f"check-in due: {due}")
        if nxt is not None:
            parts.append(f"next check-in day {nxt.day} on {nxt.due_on.isoformat()}")
        return "; ".join(parts) + "."


def follow_up_list(
    procedures: Iterable[tuple[QiProcedure, Mapping[int, date]]],
    as_of: date,
    days: Sequence[int] = DEFAULT_CHECKIN_DAYS,
) -> tuple[FollowUp, ...]:
    """The surveillance list on ``as_of``: procedures without a recorded infection whose 90-day window is
    open (R12), plus those whose window closed in the last CLOSED_GRACE_DAYS days with a check-in still
    due. Procedures with check-ins due come first, then by surgery date."""
    items = []
    for p, done in procedures:
        if p.ssi is not None and p.ssi.on <= as_of:
            continue
        status = ssi_status(p, as_of)
        if status == "future":
            continue
        closes = window_closes_on(p.surgery_date)
        ins = checkins(p.surgery_date, done, as_of, days)
        item = FollowUp(p, days_after_surgery(p.surgery_date, as_of), closes, status == "open", ins)
        if status == "open" or (
            status == "closed" and (as_of - closes).days <= CLOSED_GRACE_DAYS and item.due
        ):
            items.append(item)
    items.sort(key=lambda i: (not i.due, i.procedure.surgery_date, i.procedure.procedure_id))
    return tuple(items)


# --------------------------------------------------------------------------------------------------
# The whole summary
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QiSummary:
    """R11–R13 over a set of procedures on an as-of date."""

    as_of: date
    period: str
    filter: QiFilter
    procedures: int
    steps: tuple[StepCompliance, ...]
    phases: tuple[PhaseCompliance, ...]
    full: FullCompliance
    ssi: SsiRate
    p_chart: PChart
    run_chart: RunChart
    risk: tuple[RiskGroup, ...]
    bundle_versions: tuple[int, ...]  # the versions the procedures were scored against


def summarize_qi(
    procedures: Iterable[QiProcedure],
    history: BundleHistory,
    as_of: date,
    period: str = "quarter",
    qi_filter: QiFilter | None = None,
) -> QiSummary:
    """R11–R13 for the procedures matching ``qi_filter`` with surgery on or before ``as_of``."""
    if period not in PERIODS:
        raise ValueError(f"period must be one of {PERIODS}, not {period!r}")
    chosen = qi_filter or QiFilter()
    scope = [p for p in procedures if chosen.matches(p) and p.surgery_date <= as_of]
    steps = step_compliance(scope, history)
    return QiSummary(
        as_of=as_of,
        period=period,
        filter=chosen,
        procedures=len(scope),
        steps=steps,
        phases=phase_compliance(steps),
        full=full_compliance(scope, history),
        ssi=ssi_rate(scope, as_of),
        p_chart=p_chart(scope, as_of, period),
        run_chart=compliance_run_chart(scope, history, as_of, period),
        risk=risk_breakdown(scope, as_of),
        bundle_versions=tuple(sorted({history.in_force(p.surgery_date).version for p in scope})),
    )


def qi_summary_to_json(summary: QiSummary) -> dict[str, Any]:
    """The ``qi summary --json`` object: percentages with 1 decimal, proportions with 4 decimals."""
    return {
        "procedures": summary.procedures,
        "step_compliance": {s.code: s.pct for s in summary.steps},
        "full_compliance_pct": summary.full.pct,
        "ssi": {
            "count": summary.ssi.count,
            "eligible": summary.ssi.eligible,
            "rate_pct": summary.ssi.pct,
            "open_windows": summary.ssi.open_windows,
        },
        "p_chart": [
            {
                "period": pt.period,
                "n": pt.n,
                "ssi": pt.ssi,
                "p": _round_half_up(Fraction(pt.ssi, pt.n), 4),
                "ucl": _round_half_up(pt.ucl, 4),
                "lcl": _round_half_up(pt.lcl, 4),
            }
            for pt in summary.p_chart.points
        ],
    }
