"""R11 bundle compliance.

Step compliance = yes ÷ (yes + no); "not applicable" is left out. A procedure is fully compliant when every
step that applies to it (and was not marked not applicable) was answered yes. Each procedure is scored
against the bundle version it was recorded against (``QiProcedure.scored_against``).

Pure Python: no Qt, no SQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from trialapp.domain.qi_bundle import PHASES, Bundle, BundleHistory
from trialapp.domain.qi_procedures import QiProcedure, format_pct, percent

#: The programme's goal for each step (CPRN: at least 80 % compliance per step).
COMPLIANCE_GOAL_PCT = 80

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
    """R11 per step, over the procedures given, each scored against the version it was recorded against.
    Steps come in the order of ``history.step_codes()``; a retired step that no procedure was asked is
    left out."""
    counts: dict[str, list[int]] = {}
    for p in procedures:
        bundle = p.scored_against(history).bundle
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
        result = is_fully_compliant(p, p.scored_against(history).bundle)
        if result is None:
            not_scored += 1
            continue
        scored += 1
        full += int(result)
    return FullCompliance(full, scored, not_scored)
