"""The operations the infection QI programme follows: risk factors, the surgical-site infection, the
procedure record, the dashboard filter, and what makes a procedure valid; the percentages of R11–R13.

Pure Python: no Qt, no SQL. Facts: REFERENCE.md §6 and §8.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from trialapp.domain.qi_bundle import ANSWERS, PROCEDURE_KINDS, BundleHistory, BundleVersion

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

# --------------------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------------------


def round_half_up(value: float | Fraction, places: int) -> float:
    """Round half away from zero on the exact value (0.125 → 0.13), never on a binary approximation of a
    fraction."""
    exact = Decimal(value.numerator) / Decimal(value.denominator) if isinstance(value, Fraction) else None
    number = exact if exact is not None else Decimal(repr(value))
    return float(number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def percent(numerator: int, denominator: int) -> float | None:
    """numerator ÷ denominator as a percentage with 1 decimal (half up), or None when nothing to divide."""
    if denominator == 0:
        return None
    return round_half_up(Fraction(100 * numerator, denominator), 1)


def format_pct(value: float | None) -> str:
    """A percentage for people: "90.0 %", or "–" when there is none."""
    return "–" if value is None else f"{value:.1f} %"


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
    return round_half_up(weight_kg / (height_cm / 100) ** 2, 1)


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
    """One operation followed by the QI programme. ``answers`` maps step code → yes/no/na;
    ``bundle_version`` is the bundle version it was recorded against (None: not recorded yet, the version
    in force on its surgery date)."""

    procedure_id: str
    surgery_date: date
    kind: str
    site: str
    surgeon: str
    answers: Mapping[str, str] = field(default_factory=dict)
    ssi: Ssi | None = None
    risk: RiskFactors = field(default_factory=RiskFactors)
    trial_id: str | None = None
    bundle_version: int | None = None

    def scored_against(self, history: BundleHistory) -> BundleVersion:
        """The bundle version this procedure is scored against (R11): the one it was recorded against."""
        return history.version_for(self.surgery_date, self.bundle_version)


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
    checked against the bundle version the procedure is scored against: a yes or no for a step that does
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
    version = p.scored_against(history)
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
                    f"Step {code} is not in bundle version {version.version}, which procedure "
                    f"{p.procedure_id} is scored against: leave it empty or write na.",
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


def answers_not_applying(p: QiProcedure, history: BundleHistory, kind: str) -> tuple[str, ...]:
    """The step codes answered yes or no on ``p`` that a procedure of ``kind`` is not asked (in the bundle
    version ``p`` is scored against): the answers a correction of its kind to ``kind`` would have to clear.
    "Not applicable" answers are left alone (they are accepted for any step)."""
    bundle = p.scored_against(history).bundle
    return tuple(
        code
        for code, answer in p.answers.items()
        if answer != "na" and ((step := bundle.step(code)) is None or not step.applies(kind))
    )


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
