"""R15 of RULES.md: dose response across trials (the review).

The unit is every **dosed, judged** day (R4 ``responder`` not null, and not provisional under "Results
while a day is still running") of every trial in the filter; a day counts under its dose ``dose_mcg``.

- By dose: ``days`` = n, ``responders`` = x, ``proportion`` = x ÷ n and its 95 % Wilson interval with
  z = 1.959964 (:func:`wilson_interval`). A dose with no judged day is not listed (n = 0 has no proportion).
- First responsive dose: per trial with judged days, the dose of its first responder day by day number
  (R6's D); a trial with judged days but no responder counts as ``none``.
- Significant adverse effects by dose: judged dosed days whose R5 flag is set.
- Pump dose against R6: trials with a signed ``candidate`` decision and an initial daily dose:
  ``agree`` (equal), ``within_25pct`` (|signed − R6| ≤ 25 % of R6, not equal), ``differ``,
  ``no_recommendation`` (R6 null).

Numbers are kept unrounded; :func:`review_to_json` rounds proportions and intervals to 4 decimals, half
up. The day-level figures come from R4/R5 (:func:`trialapp.domain.response.day_response` through
:func:`trialapp.domain.summary.summarize_trial`) and the recommendation from R6: nothing here recomputes
them.

Pure Python: no Qt, no SQL.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from typing import Final, NamedTuple

from trialapp.domain.dosing import age_in_whole_years
from trialapp.domain.provisional import day_is_provisional
from trialapp.domain.records import Trial, TrialDocument
from trialapp.domain.summary import JsonValue, summarize_trial

#: R15: the normal quantile of the 95 % Wilson interval.
Z95: Final = 1.959964

#: Decision outcomes a trial can be filtered by; ``none`` = no decision recorded yet.
OUTCOME_CHOICES: Final[tuple[str, ...]] = ("candidate", "not_candidate", "undecided", "none")

#: Age bands at the trial's start, in whole years: (code, label, from, below). ``under_4`` is the age
#: under which the label gives no safety data and the app suggests the small-child ladder (R7).
AGE_BANDS: Final[tuple[tuple[str, str, int, int | None], ...]] = (
    ("under_4", "under 4 years", 0, 4),
    ("4_to_7", "4 to 7 years", 4, 8),
    ("8_to_12", "8 to 12 years", 8, 13),
    ("13_up", "13 years and over", 13, None),
)

PUMP_CLASSES: Final[tuple[str, ...]] = ("agree", "within_25pct", "differ", "no_recommendation")


def wilson_interval(responders: int, days: int, z: float = Z95) -> tuple[float, float]:
    """R15: the Wilson score interval of ``responders`` out of ``days``, unrounded, clipped to [0, 1].

    centre = (x + z²/2) ÷ (n + z²); half-width = z·√(x(n−x)/n + z²/4) ÷ (n + z²).
    ``days`` must be positive and ``0 ≤ responders ≤ days``.
    """
    if days <= 0 or not 0 <= responders <= days:
        raise ValueError(
            f"a Wilson interval needs 0 <= responders <= days and days > 0 ({responders}/{days})"
        )
    x, n, z2 = responders, days, z * z
    centre = (x + z2 / 2) / (n + z2)
    half = z * math.sqrt(x * (n - x) / n + z2 / 4) / (n + z2)
    return max(0.0, centre - half), min(1.0, centre + half)


def age_band(birth_date: date, on_date: date) -> str:
    """The :data:`AGE_BANDS` code for a child born ``birth_date`` on ``on_date``."""
    years = age_in_whole_years(birth_date, on_date)
    for code, _label, start, below in AGE_BANDS:
        if years >= start and (below is None or years < below):
            return code
    raise ValueError(f"no age band for {years} years")  # cannot happen: the last band is open


# ---------------------------------------------------------------------------------------------------
# One trial, reduced to what the review needs


class ReviewDay(NamedTuple):
    """One dosed, judged day (R4 responder not null, not provisional), with the R4/R5 figures the screen
    plots. Reductions and hours are unrounded."""

    day: int
    dose_mcg: int
    responder: bool
    peak_reduction: float | None
    peak_hours: float | None
    effect_hours: float | None
    effect_censored: bool
    significant_adverse_effect: bool


class TrialResults(NamedTuple):
    """What R15 takes from a trial's own records: its judged dosed days in day order, the dosed days left
    out (still provisional, or not judged by R4) and the R6 recommendation. It changes only when the
    trial's records change, so storage may keep it between reviews."""

    days: tuple[ReviewDay, ...]
    provisional_days: int
    unjudged_days: int
    recommended_daily_dose_mcg: int | None
    recommendation_basis: str | None


def trial_results(trial: Trial) -> TrialResults:
    """R4/R5 per day and R6 from :func:`summarize_trial`; a dosed day is kept when it is judged and not
    provisional (:func:`day_is_provisional`), otherwise counted as left out."""
    summary = summarize_trial(trial)
    days: list[ReviewDay] = []
    provisional = unjudged = 0
    for response in summary.days:
        if response.dose_mcg is None:
            continue
        if day_is_provisional(trial, response.day):
            provisional += 1
            continue
        if response.responder is None:
            unjudged += 1
            continue
        days.append(
            ReviewDay(
                day=response.day,
                dose_mcg=response.dose_mcg,
                responder=response.responder,
                peak_reduction=response.peak_reduction,
                peak_hours=response.peak_hours,
                effect_hours=response.effect_hours,
                effect_censored=response.effect_censored,
                significant_adverse_effect=response.significant_adverse_effect,
            )
        )
    return TrialResults(
        days=tuple(days),
        provisional_days=provisional,
        unjudged_days=unjudged,
        recommended_daily_dose_mcg=summary.recommendation.recommended_daily_dose_mcg,
        recommendation_basis=summary.recommendation.basis,
    )


class ReviewTrial(NamedTuple):
    """What R15 needs of one trial: the facts the filters test, the signed decision, and its
    :class:`TrialResults`."""

    trial_id: str
    started_on: date
    ladder: str
    region: str
    age_band: str
    gmfcs_level: int | None
    outcome: str  # one of OUTCOME_CHOICES ("none": no decision)
    initial_daily_dose_mcg: int | None
    rationale: str | None
    results: TrialResults

    @property
    def days(self) -> tuple[ReviewDay, ...]:
        return self.results.days


def review_trial(trial_id: str, document: TrialDocument, results: TrialResults | None = None) -> ReviewTrial:
    """One trial for the review (:func:`review_trial_of`), its results computed by :func:`trial_results`
    when not given."""
    trial = document.trial
    return review_trial_of(
        trial_id,
        started_on=trial.started_on,
        ladder=trial.settings.ladder,
        region=trial.settings.region,
        birth_date=document.patient.birth_date,
        gmfcs_level=document.patient.gmfcs_level,
        outcome=trial.decision.outcome if trial.decision is not None else None,
        initial_daily_dose_mcg=trial.decision.initial_daily_dose_mcg if trial.decision is not None else None,
        rationale=trial.decision.rationale if trial.decision is not None else None,
        results=results if results is not None else trial_results(trial),
    )


def review_trial_of(
    trial_id: str,
    *,
    started_on: date,
    ladder: str,
    region: str,
    birth_date: date,
    gmfcs_level: int | None,
    outcome: str | None,
    initial_daily_dose_mcg: int | None,
    rationale: str | None,
    results: TrialResults,
) -> ReviewTrial:
    """One trial for the review from its facts: the age band at the start (:func:`age_band`), the signed
    decision's outcome (None without a decision, shown as ``none``), initial daily dose and rationale, and
    ``results``."""
    return ReviewTrial(
        trial_id=trial_id,
        started_on=started_on,
        ladder=ladder,
        region=region,
        age_band=age_band(birth_date, started_on),
        gmfcs_level=gmfcs_level,
        outcome=outcome if outcome is not None else "none",
        initial_daily_dose_mcg=initial_daily_dose_mcg,
        rationale=rationale,
        results=results,
    )


# ---------------------------------------------------------------------------------------------------
# Filters


@dataclass(frozen=True)
class ReviewFilter:
    """Which trials the review covers; ``None`` = any. Dates bound the trial's start date, inclusive."""

    started_from: date | None = None
    started_to: date | None = None
    ladder: str | None = None
    age_band: str | None = None
    gmfcs_level: int | None = None
    region: str | None = None
    outcome: str | None = None

    def admits(self, trial: ReviewTrial) -> bool:
        """True when ``trial`` passes every filter set."""
        checks = (
            self.started_from is None or trial.started_on >= self.started_from,
            self.started_to is None or trial.started_on <= self.started_to,
            self.ladder is None or trial.ladder == self.ladder,
            self.age_band is None or trial.age_band == self.age_band,
            self.gmfcs_level is None or trial.gmfcs_level == self.gmfcs_level,
            self.region is None or trial.region == self.region,
            self.outcome is None or trial.outcome == self.outcome,
        )
        return all(checks)


# ---------------------------------------------------------------------------------------------------
# The review


@dataclass(frozen=True)
class DoseResponders:
    """Responders among the judged days at one dose, with the unrounded proportion and Wilson interval."""

    dose_mcg: int
    days: int
    responders: int
    proportion: float
    ci95: tuple[float, float]


@dataclass(frozen=True)
class DoseAdverseEffects:
    """Judged days at one dose, and how many had a significant adverse effect (R5)."""

    dose_mcg: int
    days: int
    with_significant_ae: int


class ReviewPoint(NamedTuple):
    """One judged dosed day, for the scatter plots; ``trial_id`` opens the trial behind it."""

    trial_id: str
    day: int
    dose_mcg: int
    responder: bool
    peak_reduction: float | None
    peak_hours: float | None
    effect_hours: float | None
    effect_censored: bool
    significant_adverse_effect: bool


@dataclass(frozen=True)
class PumpDoseRow:
    """A signed candidate's initial daily pump dose against R6, with the decision's rationale."""

    trial_id: str
    signed_mcg: int
    recommended_mcg: int | None
    basis: str | None
    agreement: str  # one of PUMP_CLASSES
    rationale: str | None


@dataclass(frozen=True)
class Review:
    """R15 over the trials a filter admits. ``first_responsive_dose`` maps each dose of ``by_dose``
    (ascending) and then ``"none"`` to a count of trials."""

    trials: int
    days: int
    by_dose: tuple[DoseResponders, ...]
    first_responsive_dose: dict[str, int]
    significant_ae_by_dose: tuple[DoseAdverseEffects, ...]
    pump_dose_vs_r6: dict[str, int]
    outcomes: dict[str, int]
    provisional_days: int
    unjudged_days: int
    pump_rows: tuple[PumpDoseRow, ...]
    first_responsive_trials: dict[str, tuple[str, ...]]
    counted_trials: tuple[ReviewTrial, ...]  # the trials with judged days, by trial id

    @cached_property
    def points(self) -> tuple[ReviewPoint, ...]:
        """One point per judged dosed day, by trial id and day (built when first asked for: the JSON
        output never needs them)."""
        return tuple(ReviewPoint(t.trial_id, *d) for t in self.counted_trials for d in t.results.days)


def pump_agreement(signed_mcg: int, recommended_mcg: int | None) -> str:
    """R15: ``agree`` (equal), ``within_25pct`` (|signed − R6| ≤ 25 % of R6, not equal), ``differ``, or
    ``no_recommendation`` when R6 gives no dose. Compared in whole numbers: 4·|signed − R6| ≤ R6."""
    if recommended_mcg is None:
        return "no_recommendation"
    if signed_mcg == recommended_mcg:
        return "agree"
    if 4 * abs(signed_mcg - recommended_mcg) <= recommended_mcg:
        return "within_25pct"
    return "differ"


def compute_review(trials: Iterable[ReviewTrial], filters: ReviewFilter | None = None) -> Review:
    """R15 over ``trials`` admitted by ``filters`` (all when None). Every list is sorted by dose, then by
    trial id and day; doses without a judged day are not listed."""
    admitted = trials if filters is None else (t for t in trials if filters.admits(t))
    chosen = sorted(admitted, key=lambda t: t.trial_id)
    counted = [t for t in chosen if t.results.days]
    tally: dict[int, list[int]] = {}  # dose → [days, responders, with a significant adverse effect]
    first_trials: dict[str, list[str]] = {}
    for t in counted:
        first: int | None = None
        for d in t.results.days:  # in day order
            counts = tally.setdefault(d.dose_mcg, [0, 0, 0])
            counts[0] += 1
            counts[1] += d.responder
            counts[2] += d.significant_adverse_effect
            if first is None and d.responder:
                first = d.dose_mcg  # R6's D
        first_trials.setdefault("none" if first is None else str(first), []).append(t.trial_id)
    doses = sorted(tally)
    by_dose = tuple(
        DoseResponders(dose, n, x, x / n, wilson_interval(x, n)) for dose, (n, x, _) in sorted(tally.items())
    )
    adverse = tuple(DoseAdverseEffects(dose, n, ae) for dose, (n, _, ae) in sorted(tally.items()))
    first_keys = [*(str(dose) for dose in doses), "none"]

    pump_rows = tuple(
        PumpDoseRow(
            t.trial_id,
            t.initial_daily_dose_mcg,
            t.results.recommended_daily_dose_mcg,
            t.results.recommendation_basis,
            pump_agreement(t.initial_daily_dose_mcg, t.results.recommended_daily_dose_mcg),
            t.rationale,
        )
        for t in chosen
        if t.outcome == "candidate" and t.initial_daily_dose_mcg is not None
    )
    outcomes = dict.fromkeys(OUTCOME_CHOICES, 0)
    provisional = unjudged = 0
    for t in chosen:
        outcomes[t.outcome] = outcomes.get(t.outcome, 0) + 1
        provisional += t.results.provisional_days
        unjudged += t.results.unjudged_days
    return Review(
        trials=len(counted),
        days=sum(n for n, _, _ in tally.values()),
        by_dose=by_dose,
        first_responsive_dose={key: len(first_trials.get(key, ())) for key in first_keys},
        significant_ae_by_dose=adverse,
        pump_dose_vs_r6={c: sum(1 for row in pump_rows if row.agreement == c) for c in PUMP_CLASSES},
        outcomes=outcomes,
        provisional_days=provisional,
        unjudged_days=unjudged,
        pump_rows=pump_rows,
        first_responsive_trials={key: tuple(first_trials.get(key, ())) for key in first_keys},
        counted_trials=tuple(counted),
    )


# ---------------------------------------------------------------------------------------------------
# Output


def round4(value: float) -> float:
    """Round to 4 decimals, half up (R15 output only); never returns ``-0.0``."""
    # As response.round2: repr() is the shortest decimal that round-trips, so a printed 0.03125 rounds up.
    return float(Decimal(repr(value)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)) + 0.0


def review_to_json(review: Review) -> dict[str, JsonValue]:
    """The ``trialapp review --json`` object of RULES.md R15, keys in its order, then ``outcomes`` (trials
    by decision outcome) and ``left_out`` (dosed days not counted: provisional, or not judged by R4).
    Proportions and intervals are rounded to 4 decimals here and nowhere else."""
    return {
        "trials": review.trials,
        "days": review.days,
        "by_dose": [
            {
                "dose_mcg": row.dose_mcg,
                "days": row.days,
                "responders": row.responders,
                "proportion": round4(row.proportion),
                "ci95": [round4(row.ci95[0]), round4(row.ci95[1])],
            }
            for row in review.by_dose
        ],
        "first_responsive_dose": dict(review.first_responsive_dose),
        "significant_ae_by_dose": [
            {"dose_mcg": row.dose_mcg, "days": row.days, "with_significant_ae": row.with_significant_ae}
            for row in review.significant_ae_by_dose
        ],
        "pump_dose_vs_r6": dict(review.pump_dose_vs_r6),
        "outcomes": dict(review.outcomes),
        "left_out": {"provisional_days": review.provisional_days, "unjudged_days": review.unjudged_days},
    }


def review_csv_rows(review: Review) -> list[list[str]]:
    """The review as one table for ``trialapp review --csv``: a header, then one row per figure
    (``section``, ``dose_mcg`` or key, ``days``, ``count``, ``proportion``, ``ci95_low``, ``ci95_high``),
    rounded as in :func:`review_to_json`."""
    rows = [["section", "key", "days", "count", "proportion", "ci95_low", "ci95_high"]]
    rows.append(["total", "trials", "", str(review.trials), "", "", ""])
    rows.append(["total", "days", str(review.days), "", "", "", ""])
    for d in review.by_dose:
        rows.append(
            [
                "responders_by_dose",
                str(d.dose_mcg),
                str(d.days),
                str(d.responders),
                _num(d.proportion),
                _num(d.ci95[0]),
                _num(d.ci95[1]),
            ]
        )
    for key, count in review.first_responsive_dose.items():
        rows.append(["first_responsive_dose", key, "", str(count), "", "", ""])
    for a in review.significant_ae_by_dose:
        rows.append(
            ["significant_ae_by_dose", str(a.dose_mcg), str(a.days), str(a.with_significant_ae), "", "", ""]
        )
    for key, count in review.pump_dose_vs_r6.items():
        rows.append(["pump_dose_vs_r6", key, "", str(count), "", "", ""])
    for key, count in review.outcomes.items():
        rows.append(["outcome", key, "", str(count), "", "", ""])
    rows.append(["left_out", "provisional_days", "", str(review.provisional_days), "", "", ""])
    rows.append(["left_out", "unjudged_days", "", str(review.unjudged_days), "", "", ""])
    return rows


def _num(value: float) -> str:
    return f"{round4(value):g}"


def format_proportion(row: DoseResponders) -> str:
    """``3 of 8 (38 %, 95 % CI 14–69 %)`` for the screen and the PDF."""
    low, high = row.ci95
    return f"{row.responders} of {row.days} ({_pct(row.proportion)}, 95 % CI {_pct(low, sign=False)}–{_pct(high)})"


def _pct(value: float, sign: bool = True) -> str:
    number = Decimal(repr(value * 100)).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    return f"{number} %" if sign else f"{number}"


def trials_in(review: Review, keys: Sequence[str]) -> tuple[str, ...]:
    """The trial ids behind the first-responsive-dose ``keys`` (for opening them from a bar)."""
    return tuple(tid for key in keys for tid in review.first_responsive_trials.get(key, ()))
