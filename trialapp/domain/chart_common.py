"""What every chart shares: kinds and titles, short labels, and the wording of days, times and
responses. ``chart_series`` re-exports the public names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Final, Literal

from trialapp.domain.chart_kinds import CHART_KINDS as CHART_KINDS
from trialapp.domain.chart_kinds import TONE_MODES as TONE_MODES
from trialapp.domain.dosing import format_dose
from trialapp.domain.muscles import (
    muscles_for_region,
)
from trialapp.domain.records import Assessment, Day, ProtocolSettings, TrialDocument
from trialapp.domain.response import (
    DayResponse,
    day_baseline,
    day_dose,
    day_reassessments,
    format_score,
)
from trialapp.domain.scales import NOT_TESTED

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


def duration_text(hours: float) -> str:
    """A time after the dose as charts write it, in whole minutes: ``4 h``, ``6 h 19 min``, ``45 min``.

    R4 keeps hours to 2 decimals (6 h 19 min is 6.32 h); a clinician reads neither "6.32 h" nor a tick
    "6.32", so every chart text goes through here."""
    minutes = round(abs(hours) * 60)
    whole, rest = divmod(minutes, 60)
    if whole and rest:
        return f"{whole} h {rest} min"
    if rest:
        return f"{rest} min"
    return f"{whole} h"


def day_label(day: int, dose_mcg: int | None) -> str:
    """The label of one trial day on every chart: ``Day 2 · 75 mcg`` (``Day 2 · no dose``)."""
    dose = format_dose(dose_mcg) if dose_mcg is not None else "no dose"
    return f"Day {day} · {dose}"


def clock_text(at: datetime) -> str:
    """A time of day as charts write it: ``09:05``."""
    return at.strftime("%H:%M")


def when_text(at: datetime, hours: float | None, *, baseline: bool = False) -> str:
    """When an assessment was, in hover text: ``baseline at 08:30``, ``13:00 (4 h after the dose)``."""
    if baseline:
        return f"baseline at {clock_text(at)}"
    if hours is None:
        return clock_text(at)
    if hours < 0:
        return f"{clock_text(at)} ({duration_text(hours)} before the dose)"
    return f"{clock_text(at)} ({duration_text(hours)} after the dose)"


def sorted_days(document: TrialDocument) -> tuple[Day, ...]:
    """The trial's days in day order."""
    return tuple(sorted(document.trial.days, key=lambda d: d.day))


def settings_for(document: TrialDocument, region: str | None) -> ProtocolSettings:
    """The trial's own settings, with another region when the viewer asked for one (R2 checks it)."""
    settings = document.trial.settings
    if region is None or region == settings.region:
        return settings
    muscles_for_region(region)  # unknown region → ValueError with the allowed values
    return replace(settings, region=region)


def find_day(document: TrialDocument, day: int | None) -> Day | None:
    """The requested day; without one, the latest day (the one the ward is usually looking at)."""
    days = sorted_days(document)
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
    return tuple(d.day for d in sorted_days(document))


def lasting_text(response: DayResponse) -> str:
    """How long a day's effect lasted, in a sentence."""
    if response.effect_hours is None:
        return "no reassessment reached the threshold"
    if response.effect_censored:
        return f"effect lasted at least to {duration_text(response.effect_hours)} (still present at the last reassessment)"
    return f"effect lasted to {duration_text(response.effect_hours)}"


def short_lasting_text(response: DayResponse) -> str:
    """How long a day's effect lasted, for a label (empty when it never reached the threshold)."""
    if response.effect_hours is None:
        return ""
    prefix = "≥ " if response.effect_censored else ""
    return f"effect to {prefix}{duration_text(response.effect_hours)}"


def _graded(assessment: Assessment, muscles: frozenset[str]) -> bool:
    """True when ``assessment`` graded at least one muscle-side of ``muscles`` (not NT)."""
    return any(e.muscle in muscles and e.grade != NOT_TESTED for e in assessment.mas)


# Why a dosed day shows no response: (one day, several days), after the day label(s).
_NO_BASELINE: Final = (
    " needs a baseline: none was recorded before the dose, so no change can be shown.",
    " need a baseline: none was recorded before their doses, so no change can be shown.",
)
_NO_REASSESSMENT: Final = (": no reassessment after the dose yet.",) * 2
_ALL_NT: Final = (
    ": every grade was not tested (NT), at the baseline and after the dose, so no change can be shown.",
) * 2
_BASELINE_NT: Final = (": every grade at the baseline was not tested (NT), so no change can be shown.",) * 2
_AFTER_NT: Final = (": every grade after the dose was not tested (NT), so no change can be shown.",) * 2
_NONE_PAIRED: Final = (
    ": no muscle-side was graded both at the baseline and after the dose, so no change can be shown.",
) * 2


def _unjudged_words(day: Day, settings: ProtocolSettings) -> tuple[str, str]:
    baseline = day_baseline(day)
    if baseline is None:
        return _NO_BASELINE
    reassessments = day_reassessments(day)
    if not reassessments:
        return _NO_REASSESSMENT
    muscles = frozenset(muscles_for_region(settings.region))
    before = _graded(baseline, muscles)
    after = any(_graded(a, muscles) for a in reassessments)
    if not before and not after:
        return _ALL_NT
    if not before:
        return _BASELINE_NT
    return _AFTER_NT if not after else _NONE_PAIRED


def _label_of(day: Day) -> str:
    dose = day_dose(day)
    return day_label(day.day, dose.dose_mcg if dose is not None else None)


def unjudged_reason(day: Day, settings: ProtocolSettings) -> str:
    """Why a dosed day shows no response, for a headline: it needs a baseline, has no reassessment yet, or
    every grade was not tested (NT) — never a number standing for "nothing to compare"."""
    return _label_of(day) + _unjudged_words(day, settings)[0]


def unjudged_reasons(days: Sequence[Day], settings: ProtocolSettings) -> str:
    """:func:`unjudged_reason` for several days, days with the same reason named together, in day order:
    ``Day 1 · 50 mcg and Day 2 · 75 mcg: every grade after the dose was not tested (NT), …``."""
    groups: dict[tuple[str, str], list[str]] = {}
    for day in days:
        groups.setdefault(_unjudged_words(day, settings), []).append(_label_of(day))
    sentences = []
    for (one, several), labels in groups.items():
        names = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
        sentences.append(names + (one if len(labels) == 1 else several))
    return " ".join(sentences)


def responses_headline(
    days: Sequence[Day], responses: Sequence[DayResponse], settings: ProtocolSettings
) -> str:
    """One sentence a neurosurgeon reads first: which dose worked, when it peaked, how long it lasted.

    ``days`` and ``responses`` go together, in day order; with no day judged, it says why for each."""
    threshold = settings.threshold
    dosed = [r for r in responses if r.dose_mcg is not None]
    if not dosed:
        return "No dose has been given yet."
    judged = [r for r in dosed if r.responder is not None and r.peak_reduction is not None]
    if not judged:
        unjudged = [day for day, r in zip(days, responses, strict=True) if r.dose_mcg is not None]
        reasons = unjudged_reasons(unjudged, settings)
        return reasons if len(unjudged) == 1 else "No day's response can be judged yet. " + reasons
    responders = [r for r in judged if r.responder]
    if responders:
        first = responders[0]
        assert first.peak_reduction is not None and first.peak_hours is not None
        if first.provisional:
            return (
                f"{day_label(first.day, first.dose_mcg)} reached the threshold so far: peak reduction "
                f"{format_score(first.peak_reduction)} at {duration_text(first.peak_hours)} so far "
                "(its reassessments are not all recorded yet)."
            )
        text = (
            f"{day_label(first.day, first.dose_mcg)} worked: peak reduction "
            f"{format_score(first.peak_reduction)} at {duration_text(first.peak_hours)}, {lasting_text(first)}."
        )
        later = responders[1:]
        if later:
            text += " Also a response on " + ", ".join(day_label(r.day, r.dose_mcg) for r in later) + "."
        return text
    best = max(judged, key=lambda r: r.peak_reduction or 0.0)
    assert best.peak_reduction is not None and best.peak_hours is not None
    running = [r for r in dosed if r.provisional]
    if running:
        # No trial-level verdict while a day is still running (RULES.md).
        running_days = ", ".join(str(r.day) for r in running)
        return (
            f"No dose has reached the threshold of {format_score(threshold)} so far: the best so far is "
            f"{day_label(best.day, best.dose_mcg)}, peak {format_score(best.peak_reduction)} at "
            f"{duration_text(best.peak_hours)}{' so far' if best.provisional else ''}. The results of day "
            f"{running_days} are not in yet."
        )
    return (
        f"No dose reached the threshold of {format_score(threshold)}: the best was "
        f"{day_label(best.day, best.dose_mcg)}, peak {format_score(best.peak_reduction)} at "
        f"{duration_text(best.peak_hours)}."
    )


def verdict_word(response: DayResponse) -> str:
    """A judged day's verdict for a legend: never "not a responder" while its results are not all in."""
    if response.provisional:
        return "responder so far" if response.responder else "results not in yet"
    return "responder" if response.responder else "not a responder"


def peak_words(response: DayResponse) -> str:
    """ "peak 0.5 at 1 h", with "so far" while the day is still running."""
    assert response.peak_reduction is not None and response.peak_hours is not None
    text = f"peak {format_score(response.peak_reduction)} at {duration_text(response.peak_hours)}"
    return text + " so far" if response.provisional else text


def day_missing(response: DayResponse) -> str | None:
    """Why a day has no judged response (the R4 explanation), or ``None`` when it has one."""
    if response.responder is not None:
        return None
    return f"{day_label(response.day, response.dose_mcg)}: {response.explanation}"
