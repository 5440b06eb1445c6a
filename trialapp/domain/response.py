"""Dose response: paired MAS change (R3), day response (R4), significant adverse effects (R5) and the
recommended initial pump dose (R6) of RULES.md.

Every result carries an ``explanation`` in words a clinician reads beside the number ("why this number").
Numbers are computed unrounded; they are rounded only for display (:func:`round2`, the ``format_*``
helpers), half up, to 2 decimals.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import cache
from math import lcm
from typing import Final

from trialapp.domain.dosing import format_dose  # one dose wording app-wide: "75 mcg"
from trialapp.domain.muscles import SIDES, muscles_for_region
from trialapp.domain.records import AdverseEvent, Assessment, Day, Dose, ProtocolSettings
from trialapp.domain.scales import NOT_TESTED, coding_values, parse_mas_grade

# R4: "compare exactly: use the unrounded value minus threshold ≥ −1e-9". The tolerance absorbs float
# noise (e.g. means of thirds) without letting a real shortfall of 0.01 pass.
THRESHOLD_TOLERANCE: Final = 1e-9

# R5: kinds that count whatever their recorded severity.
SIGNIFICANT_KINDS: Final[frozenset[str]] = frozenset(
    {"respiratory_depression", "seizure", "bradycardia", "hypotension"}
)
SIGNIFICANT_SEVERITIES: Final[frozenset[str]] = frozenset({"moderate", "severe"})

# R6 wording, verbatim from RULES.md.
BASIS_TWICE: Final = "twice the screening dose"
BASIS_EFFECT_OVER_8H: Final = "screening dose (effect > 8 h)"
BASIS_ADVERSE_EFFECTS: Final = "screening dose (adverse effects)"
NOTE_NO_RESPONSE_TO_100: Final = "no response to 100 mcg: not a candidate by the labelled screening criterion"
NON_CANDIDATE_DOSE_MCG: Final = 100

_REGION_ADJECTIVE: Final[dict[str, str]] = {"lower": "lower-limb ", "upper": "upper-limb ", "all": ""}
_ADVICE: Final = "This is advice to the team; the neurosurgeon decides."

# Kinds whose plain wording is not just the code with spaces.
_EVENT_WORDS: Final[dict[str, str]] = {"csf_leak": "CSF leak"}


# ---------------------------------------------------------------------------------------------------
# Numbers for display


def round2(value: float) -> float:
    """Round to 2 decimals, half up (1.125 → 1.13), as a clinician would; never returns ``-0.0``."""
    # repr() gives the shortest decimal that round-trips, so 1.125 rounds up although binary
    # round-half-even (the built-in round) would give 1.12.
    rounded = Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return float(rounded) + 0.0


def format_score(value: float) -> str:
    """A reduction, mean or threshold for display: 2 decimals at most, at least one (``1.0``, ``1.38``)."""
    text = f"{round2(value):.2f}"
    if text.endswith("0"):
        text = text[:-1]
    return text


def format_hours(hours: float) -> str:
    """Hours after a dose for display: ``4 h``, ``1.5 h``, ``0.75 h``."""
    text = f"{round2(hours):.2f}".rstrip("0").rstrip(".")
    return f"{text} h"


def _format_clock(at: datetime) -> str:
    return at.strftime("%H:%M")


def hours_after_dose(dose_time: datetime, at: datetime) -> float:
    """Hours from ``dose_time`` to ``at``, rounded half up to 2 decimals (R4)."""
    delta = at - dose_time
    seconds = Decimal(delta // timedelta(microseconds=1)) / Decimal(1_000_000)
    return float((seconds / Decimal(3600)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)) + 0.0


def meets_threshold(reduction: float, threshold: float) -> bool:
    """R4's exact comparison: ``reduction − threshold ≥ −1e-9`` on the unrounded reduction."""
    return reduction - threshold >= -THRESHOLD_TOLERANCE


def _plural(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count == 1 else plural}"


# ---------------------------------------------------------------------------------------------------
# R3: paired change at one reassessment


@dataclass(frozen=True)
class PairedChange:
    """The change in MAS from the day's baseline to one reassessment (R3).

    ``reduction`` is unrounded (positive = less tone) and ``None`` when no muscle-side was graded in both.
    ``left_out`` counts muscle-sides of the region graded in one assessment but not tested or not recorded
    in the other.
    """

    hours: float | None
    at: datetime
    baseline_mean: float | None
    post_mean: float | None
    reduction: float | None
    paired: int
    left_out: int
    explanation: str


@cache
def _coding_units(coding: str) -> tuple[int, dict[str, int]]:
    """``coding``'s grade numbers as whole multiples of one unit: (units per grade point, grade → units).

    The unit is 1 / (the least common denominator of the coding's numbers), so sums of grades are exact
    integers and a mean is one exact fraction of them (the CPRN coding's 1.5 is 3 half-units).
    """
    exact = {grade: Fraction(value) for grade, value in coding_values(coding).items()}
    per_point = lcm(*(value.denominator for value in exact.values()))
    return per_point, {grade: int(value * per_point) for grade, value in exact.items()}


def _graded_values(assessment: Assessment, muscles: Sequence[str], coding: str) -> dict[tuple[str, str], int]:
    """The region's graded muscle-sides of ``assessment`` in the coding's exact units
    (:func:`_coding_units`); NT and other muscles dropped.

    If a muscle-side was entered twice, the later entry wins (it is the correction).
    """
    units = _coding_units(coding)[1]
    wanted = set(muscles)
    grades: dict[tuple[str, str], str] = {}
    for entry in assessment.mas:
        if entry.muscle in wanted and entry.side in SIDES:
            # An invalid grade raises here: a summary must never average a value it cannot read.
            grades[(entry.muscle, entry.side)] = parse_mas_grade(entry.grade)
    return {key: units[grade] for key, grade in grades.items() if grade != NOT_TESTED}


def paired_change(
    baseline: Assessment,
    reassessment: Assessment,
    region: str,
    coding: str,
    dose_time: datetime | None,
) -> PairedChange:
    """Compare ``reassessment`` with ``baseline`` over the muscle-sides of ``region`` graded in both (R3).

    ``baseline_mean`` and ``post_mean`` are the means of the numeric grades (``coding``) over the paired
    set and ``reduction = baseline_mean − post_mean``, computed exactly and returned unrounded. Muscle-sides
    not tested (NT) or not recorded in either assessment are left out and counted. ``hours`` is the time
    after ``dose_time`` (2 decimals), or ``None`` without a dose time. Unknown region or coding raises
    :class:`ValueError`; an invalid grade raises :class:`~trialapp.domain.scales.MasGradeError`.
    """
    muscles = muscles_for_region(region)
    per_point = _coding_units(coding)[0]  # validates the coding even when nothing is graded
    hours = hours_after_dose(dose_time, reassessment.at) if dose_time is not None else None
    where = (
        f"at {format_hours(hours)}"
        if hours is not None
        else f"at the {_format_clock(reassessment.at)} reassessment"
    )

    before = _graded_values(baseline, muscles, coding)
    after = _graded_values(reassessment, muscles, coding)
    paired_keys = [key for key in before if key in after]
    only_before = sum(1 for key in before if key not in after)
    only_after = sum(1 for key in after if key not in before)
    left_out = only_before + only_after

    if not paired_keys:
        return PairedChange(
            hours=hours,
            at=reassessment.at,
            baseline_mean=None,
            post_mean=None,
            reduction=None,
            paired=0,
            left_out=left_out,
            explanation=_empty_pair_reason(region, where, len(before), len(after)),
        )

    count = len(paired_keys)
    # Integer sums in the coding's units keep the means and their difference exact; floats appear only
    # in the result.
    baseline_sum = sum(before[key] for key in paired_keys)
    post_sum = sum(after[key] for key in paired_keys)
    baseline_mean = Fraction(baseline_sum, count * per_point)
    post_mean = Fraction(post_sum, count * per_point)
    reduction = float(Fraction(baseline_sum - post_sum, count * per_point)) + 0.0

    explanation = (
        f"reduction {format_score(reduction)} (mean {format_score(float(baseline_mean))} at baseline, "
        f"{format_score(float(post_mean))} {where}): {_plural(count, 'muscle-side', 'muscle-sides')} paired"
    )
    left_parts = []
    if only_before:
        left_parts.append(f"{only_before} not tested {where}")
    if only_after:
        left_parts.append(f"{only_after} not tested at baseline")
    if left_parts:
        explanation += f"; {' and '.join(left_parts)} {'was' if left_out == 1 else 'were'} left out"

    return PairedChange(
        hours=hours,
        at=reassessment.at,
        baseline_mean=float(baseline_mean),
        post_mean=float(post_mean),
        reduction=reduction,
        paired=count,
        left_out=left_out,
        explanation=explanation,
    )


def _empty_pair_reason(region: str, where: str, graded_before: int, graded_after: int) -> str:
    sides = f"{_REGION_ADJECTIVE.get(region, '')}muscle-side"
    if graded_before == 0 and graded_after == 0:
        return f"no reduction {where}: no {sides} was graded at baseline or {where} (all not tested or not recorded)"
    if graded_before == 0:
        return f"no reduction {where}: no {sides} was graded at baseline"
    if graded_after == 0:
        return f"no reduction {where}: no {sides} was graded {where}"
    return (
        f"no reduction {where}: the {sides}s graded at baseline ({graded_before}) and {where} "
        f"({graded_after}) are not the same ones, so none can be paired"
    )


# ---------------------------------------------------------------------------------------------------
# Which records of a day count


def day_dose(day: Day) -> Dose | None:
    """The day's dose for the response: its **first** dose by ``given_at`` (``None`` when none was given).

    The first dose is used because the baseline must come before any drug on that day; a second dose on
    the same day is itself an R8 warning, and hours after dose are counted from the first one.
    """
    if not day.doses:
        return None
    return min(day.doses, key=lambda dose: dose.given_at)  # min keeps the first listed on equal times


def day_baseline(day: Day) -> Assessment | None:
    """The day's baseline (R3): the last ``baseline`` assessment at or before the day's first dose.

    A baseline recorded in the same minute as the dose counts (times are kept to the minute); one after
    the dose is ignored. ``None`` when there is no dose or no such assessment.
    """
    dose = day_dose(day)
    if dose is None:
        return None
    candidates = [a for a in day.assessments if a.kind == "baseline" and a.at <= dose.given_at]
    if not candidates:
        return None
    # sorted() is stable, so of two baselines at the same minute the later-listed one wins.
    return sorted(candidates, key=lambda a: a.at)[-1]


def day_reassessments(day: Day) -> tuple[Assessment, ...]:
    """The day's ``reassessment`` assessments strictly after its first dose, earliest first."""
    dose = day_dose(day)
    if dose is None:
        return ()
    after = [a for a in day.assessments if a.kind == "reassessment" and a.at > dose.given_at]
    return tuple(sorted(after, key=lambda a: a.at))


# ---------------------------------------------------------------------------------------------------
# R5: significant adverse effects


def is_significant(event: AdverseEvent, first_dose_at: datetime | None = None) -> bool:
    """R5: moderate or severe, or respiratory depression, seizure, bradycardia or hypotension at any severity,
    recorded at or after the day's first dose (``first_dose_at``; revision 2). An event before the dose
    (a child's usual seizure at 08:40, the dose at 09:00) never counts against the dose. Without
    ``first_dose_at`` (a day with no dose) the event is judged on its kind and severity alone."""
    if first_dose_at is not None and event.at < first_dose_at:
        return False
    return (
        event.severity.strip().lower() in SIGNIFICANT_SEVERITIES
        or event.kind.strip().lower() in SIGNIFICANT_KINDS
    )


def before_the_dose(event: AdverseEvent, day: Day) -> bool:
    """R5 revision 2: the event happened before the day's first dose (listed "before the dose")."""
    dose = day_dose(day)
    return dose is not None and event.at < dose.given_at


def significant_adverse_events(
    events: Iterable[AdverseEvent], first_dose_at: datetime | None = None
) -> tuple[AdverseEvent, ...]:
    """The events that count as significant (R5) against a dose given at ``first_dose_at``, in the order
    given; events before the dose are left out (revision 2)."""
    return tuple(event for event in events if is_significant(event, first_dose_at))


def r5_mark(event: AdverseEvent, day: Day) -> str | None:
    """How an event is marked where R5 is shown: "before the dose" (listed, never counted against the
    dose), "significant", or None."""
    if before_the_dose(event, day):
        return "before the dose"
    dose = day_dose(day)
    return "significant" if is_significant(event, dose.given_at if dose is not None else None) else None


def r5_note(event: AdverseEvent, day: Day) -> str:
    """The R5 mark as the words after an event where it is listed: " — significant",
    " — before the dose" (revision 2), or ""."""
    mark = r5_mark(event, day)
    return {"significant": " — significant", "before the dose": " — before the dose"}.get(mark or "", "")


def day_significant_events(day: Day) -> tuple[AdverseEvent, ...]:
    """The day's events that count against its dose (R5): significant, at or after its first dose."""
    dose = day_dose(day)
    return significant_adverse_events(day.adverse_events, dose.given_at if dose is not None else None)


def describe_adverse_event(event: AdverseEvent) -> str:
    """An event in words: ``seizure (mild) at 12:10``."""
    kind = event.kind.strip()
    words = _EVENT_WORDS.get(kind, kind.replace("_", " "))
    return f"{words} ({event.severity}) at {_format_clock(event.at)}"


# ---------------------------------------------------------------------------------------------------
# R4: day response


@dataclass(frozen=True)
class DayResponse:
    """The response to one trial day's dose (R4), with the paired change at each reassessment.

    ``reassessments`` has one entry per reassessment after the dose, earliest first, including those
    whose reduction is ``None`` (no paired muscle-side, or no baseline) so that every reassessment done
    is visible. It is empty when the day has no dose.
    """

    day: int
    dose_mcg: int | None
    responder: bool | None
    peak_reduction: float | None
    peak_hours: float | None
    effect_hours: float | None
    effect_censored: bool
    effect_over_8h: bool
    significant_adverse_effect: bool
    reassessments: tuple[PairedChange, ...]
    explanation: str
    # RULES.md "Results while a day is still running": the figures are "so far", never a verdict.
    provisional: bool = False


def day_response(day: Day, settings: ProtocolSettings, *, provisional: bool = False) -> DayResponse:
    """Judge one trial day's response to its dose (R4) with the trial's region, coding and threshold.

    - ``peak_reduction``: the largest reduction among the reassessments; ``peak_hours`` its hours after the
      dose, the earliest on ties.
    - ``responder``: peak − threshold ≥ −1e-9 (unrounded).
    - ``effect_hours``: hours of the last reassessment at or above threshold; ``effect_censored`` when no
      later reassessment measured a reduction; ``effect_over_8h`` when effect_hours > 8.
    - ``responder`` is ``None`` (not judged) with no dose, no baseline, no reassessment after the dose, or
      no reassessment with a paired muscle-side.
    - ``provisional`` (from :func:`trialapp.domain.provisional.day_is_provisional`, which needs the whole
      trial): the day's reassessments are not all in, so the explanation says "so far" and never "Not a
      responder"; the figures are those measured so far.
    """
    region, coding, threshold = settings.region, settings.mas_coding, settings.threshold
    muscles_for_region(region)
    coding_values(coding)

    significant = day_significant_events(day)
    ae_sentence = ""
    if significant:
        listed = "; ".join(describe_adverse_event(e) for e in significant)
        ae_sentence = f" Significant adverse effect: {listed}."

    def unjudged(reason: str, reassessments: tuple[PairedChange, ...], dose_mcg: int | None) -> DayResponse:
        return DayResponse(
            day=day.day,
            dose_mcg=dose_mcg,
            responder=None,
            peak_reduction=None,
            peak_hours=None,
            effect_hours=None,
            effect_censored=False,
            effect_over_8h=False,
            significant_adverse_effect=bool(significant),
            reassessments=reassessments,
            explanation=reason + ae_sentence,
            provisional=provisional,
        )

    dose = day_dose(day)
    if dose is None:
        return unjudged("Response not judged: no dose was recorded on this day.", (), None)

    dose_words = f"the {format_dose(dose.dose_mcg)} dose at {_format_clock(dose.given_at)}"
    notes = _ignored_records_note(day, dose)
    baseline = day_baseline(day)
    reassessments = day_reassessments(day)

    if baseline is None:
        changes = tuple(_without_baseline(a, dose.given_at) for a in reassessments)
        return unjudged(
            f"Response not judged: no baseline assessment was recorded before {dose_words}.{notes}",
            changes,
            dose.dose_mcg,
        )
    if not reassessments:
        return unjudged(
            f"Response not judged: no reassessment was recorded after {dose_words}.{notes}", (), dose.dose_mcg
        )

    changes = tuple(paired_change(baseline, a, region, coding, dose.given_at) for a in reassessments)
    measured = [c for c in changes if c.reduction is not None]
    if not measured:
        return unjudged(
            "Response not judged: no reassessment could be compared with the baseline "
            f"(no muscle-side of the region was graded in both).{notes}",
            changes,
            dose.dose_mcg,
        )

    reductions = [_reduction(c) for c in measured]
    best = max(reductions)
    # Ties go to the earliest reassessment; measured is in time order.
    peak_index = next(i for i, r in enumerate(reductions) if r >= best - THRESHOLD_TOLERANCE)
    peak = measured[peak_index]
    peak_reduction = reductions[peak_index]
    responder = meets_threshold(peak_reduction, threshold)

    at_or_above = [i for i, r in enumerate(reductions) if meets_threshold(r, threshold)]
    effect_hours: float | None = None
    effect_censored = False
    if at_or_above:
        last = at_or_above[-1]
        effect_hours = measured[last].hours
        # Censored when nothing measured after it: the effect was never seen to end. A later
        # reassessment with no paired muscle-side observed nothing, so it does not end the effect.
        effect_censored = last == len(measured) - 1
    effect_over_8h = effect_hours is not None and effect_hours > 8

    peak_words = f"peak {format_score(peak_reduction)} at {_hours_words(peak.hours)}"
    threshold_words = f"threshold {format_score(threshold)}"
    if provisional:
        verdict = _so_far_verdict(peak_words, threshold_words, responder)
    elif responder:
        verdict = f"Responder: {peak_words} ≥ {threshold_words}"
    else:
        verdict = f"Not a responder: {peak_words} < {threshold_words}"
    if effect_hours is not None:
        if effect_censored:
            verdict += (
                f"; effect lasted at least to {format_hours(effect_hours)} (no later reassessment "
                "showed it ending, so it may have lasted longer)"
            )
        else:
            verdict += (
                f"; effect lasted to {format_hours(effect_hours)} (last reassessment at or above threshold)"
            )
        if effect_over_8h:
            verdict += "; that is more than 8 h"
    if provisional:
        verdict += "; the day's reassessments are not all recorded yet"
    return DayResponse(
        day=day.day,
        dose_mcg=dose.dose_mcg,
        responder=responder,
        peak_reduction=peak_reduction,
        peak_hours=peak.hours,
        effect_hours=effect_hours,
        effect_censored=effect_censored,
        effect_over_8h=effect_over_8h,
        significant_adverse_effect=bool(significant),
        reassessments=changes,
        explanation=f"{verdict}.{ae_sentence}{notes}",
        provisional=provisional,
    )


def _so_far_verdict(peak_words: str, threshold_words: str, responder: bool) -> str:
    """The headline of a provisional day: the peak "so far", never "Not a responder" (a later
    reassessment may still reach the threshold); a peak already at threshold stays there."""
    if responder:
        return f"Responder so far: {peak_words} so far ≥ {threshold_words}"
    return f"Results not in yet: {peak_words} so far, below the {threshold_words}"


def _without_baseline(reassessment: Assessment, dose_time: datetime) -> PairedChange:
    hours = hours_after_dose(dose_time, reassessment.at)
    return PairedChange(
        hours=hours,
        at=reassessment.at,
        baseline_mean=None,
        post_mean=None,
        reduction=None,
        paired=0,
        left_out=0,
        explanation=f"no reduction at {format_hours(hours)}: there is no baseline assessment before the dose",
    )


def _reduction(change: PairedChange) -> float:
    assert change.reduction is not None  # callers pass measured changes only
    return change.reduction


def _hours_words(hours: float | None) -> str:
    return format_hours(hours) if hours is not None else "an unknown time"


def _ignored_records_note(day: Day, dose: Dose) -> str:
    """Sentences about records of the day that do not count, so a clinician sees why."""
    parts = []
    late_baselines = sum(1 for a in day.assessments if a.kind == "baseline" and a.at > dose.given_at)
    early_reassessments = sum(
        1 for a in day.assessments if a.kind == "reassessment" and a.at <= dose.given_at
    )
    if late_baselines:
        parts.append(f"{_plural(late_baselines, 'baseline', 'baselines')} recorded after the dose")
    if early_reassessments:
        parts.append(
            f"{_plural(early_reassessments, 'reassessment', 'reassessments')} recorded before the dose"
        )
    note = f" Not counted: {' and '.join(parts)}." if parts else ""
    if len(day.doses) > 1:
        note += (
            f" {_plural(len(day.doses), 'dose was', 'doses were')} recorded on this day; hours are counted "
            f"from the first, {format_dose(dose.dose_mcg)} at {_format_clock(dose.given_at)}."
        )
    return note


# ---------------------------------------------------------------------------------------------------
# R6: recommended initial pump dose


@dataclass(frozen=True)
class Recommendation:
    """The label's initial daily pump dose (R6): advice to the team, never the decision itself."""

    recommended_daily_dose_mcg: int | None
    basis: str | None
    note: str | None
    explanation: str


def recommend_initial_daily_dose(responses: Sequence[DayResponse]) -> Recommendation:
    """R6: from the first responder day (by day number) with bolus D, recommend the first daily pump dose.

    D itself when that day's effect lasted more than 8 h or it had a significant adverse effect, otherwise
    2 × D. With no responder day: no dose, and a note when a non-responding day had a bolus of 100 mcg or
    more.
    """
    ordered = sorted(responses, key=lambda r: r.day)
    first = next((r for r in ordered if r.responder is True), None)
    if first is None:
        return _no_responder(ordered)

    dose = first.dose_mcg
    if dose is None:  # cannot come from day_response; guards hand-built responses
        return Recommendation(
            None,
            None,
            None,
            f"Day {first.day} is marked a responder but has no dose recorded, so no dose can be recommended.",
        )
    head = f"Day {first.day} was the first responder day ({format_dose(dose)})"
    if first.provisional:
        head = f"Day {first.day} is the first responder day so far ({format_dose(dose)}; its reassessments are not all recorded yet, so this may change)"
    effect = format_hours(first.effect_hours) if first.effect_hours is not None else "an unknown time"
    if first.effect_over_8h:
        also = " It also had a significant adverse effect." if first.significant_adverse_effect else ""
        return Recommendation(
            dose,
            BASIS_EFFECT_OVER_8H,
            None,
            f"{head} and its effect lasted more than 8 h ({effect}), so the label advises starting at the "
            f"screening dose: {dose} mcg/day over 24 h.{also} {_ADVICE}",
        )
    if first.significant_adverse_effect:
        return Recommendation(
            dose,
            BASIS_ADVERSE_EFFECTS,
            None,
            f"{head} but it had a significant adverse effect, so consensus (Saulino 2015) advises starting at "
            f"the screening dose: {dose} mcg/day over 24 h. {_ADVICE}",
        )
    caveat = ""
    if first.effect_censored:
        caveat = (
            f" The effect was still present at the last reassessment ({effect}); if it lasted more than 8 h "
            f"the label advises {dose} mcg/day instead."
        )
    return Recommendation(
        2 * dose,
        BASIS_TWICE,
        None,
        f"{head}: its effect lasted to {effect} (not more than 8 h) with no significant adverse effect, so "
        f"the label advises twice the screening dose: {2 * dose} mcg/day over 24 h.{caveat} {_ADVICE}",
    )


def _no_responder(ordered: Sequence[DayResponse]) -> Recommendation:
    unjudged = [r.day for r in ordered if r.responder is None and r.dose_mcg is not None]
    # A provisional day is no evidence of non-response yet (RULES.md "Results while a day is still running").
    running = [r.day for r in ordered if r.provisional and r.dose_mcg is not None]
    not_responding = [r for r in ordered if r.responder is False and not r.provisional]
    high_non_response = [
        (r.day, r.dose_mcg)
        for r in not_responding
        if r.dose_mcg is not None and r.dose_mcg >= NON_CANDIDATE_DOSE_MCG
    ]
    if running:
        days = ", ".join(str(d) for d in running)
        explanation = (
            f"No starting pump dose is recommended yet: the results of day {days} are not in yet "
            "(reassessments still due)."
        )
    elif not not_responding:
        explanation = "No day's response has been judged yet, so no starting pump dose is recommended."
    else:
        explanation = "No day met the response threshold, so no starting pump dose is recommended."
    unjudged = [d for d in unjudged if d not in running]
    if unjudged:
        days = ", ".join(str(d) for d in unjudged)
        explanation += f" (Dosed but not judged: day {days}.)"
    note = None
    if high_non_response:
        note = NOTE_NO_RESPONSE_TO_100
        days_words = "; ".join(
            f"day {day} had no response to {format_dose(dose)}" for day, dose in high_non_response
        )
        explanation += (
            f" {days_words[0].upper()}{days_words[1:]}: not a candidate by the labelled screening criterion."
        )
    return Recommendation(None, None, note, explanation)
