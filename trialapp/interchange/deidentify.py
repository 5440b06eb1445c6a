"""De-identification of one trial for research exports (HIPAA Safe Harbor).

:func:`scrub` turns a trial document into a copy that holds no identifier, and every de-identified
export (JSON, FHIR, REDCap) is written from that copy only, so an identifier cannot reach a file by an
exporter forgetting to leave it out: it is no longer there.

What the copy keeps and drops (``docs/deidentified-exports.md`` has the full table):

- **Dropped**: names, MRN, birth date, the trial's id, the diagnosis free text, allergies (free text),
  drug lot numbers, every note (assessment notes, gait notes, adverse-event notes and actions, plan
  notes and reasons, decision rationale, reasons given for dose warnings), goal texts (replaced by
  "goal 1", "goal 2", …), and any catheter level or route that is not a plain code.
- **Replaced**: the patient gets a random study id (kept locally, never derived from identifiers); the
  age is given in whole years at the catheter placement, "90+" from 90 years; people's names become
  role-neutral pseudonyms ("clinician-1", …; the family as "family"), stable within one export.
- **Dates and times**: every time is moved to a fixed, fictitious timeline on which the catheter
  placement is :data:`ANCHOR` (2000-01-01 00:00), keeping the exact time elapsed since the placement.
  Exports then write hours since the placement (JSON, REDCap) or times on that timeline (FHIR, which
  needs date-times). Dates become days since the placement. No calendar date or year of the real trial
  remains.

Pure Python: no SQL, no files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, Final

from trialapp.domain.dosing import age_in_whole_years
from trialapp.domain.records import (
    AcknowledgedWarning,
    AdverseEvent,
    Assessment,
    Catheter,
    Day,
    DayPlan,
    Decision,
    Dose,
    Goal,
    GoalScore,
    Patient,
    Trial,
    TrialDocument,
)
from trialapp.domain.vocabulary import ADVERSE_EVENT_KINDS, CATHETER_METHODS
from trialapp.interchange.fhir_codes import DOSE_WARNING_CODES, classify_cerebral_palsy
from trialapp.interchange.trial_json_export import assessment_to_json

__all__ = [
    "ANCHOR",
    "DEID_FORMAT_ID",
    "FAMILY_LABEL",
    "DeidentifiedTrial",
    "Pseudonyms",
    "age_at_trial",
    "age_text",
    "deidentified_json",
    "elapsed",
    "find_leaks",
    "hours_since",
    "scrub",
]

#: Time zero of every de-identified export: the catheter placement is moved here.
ANCHOR: Final = datetime(2000, 1, 1, 0, 0)
DEID_FORMAT_ID: Final = "itb-trial-deid/1"
#: Ages from this many years are written "90+" (Safe Harbor: ages over 89).
AGE_CAP: Final = 90
#: People in ``decided_by`` lists who are the family, not a clinician: written as "family".
FAMILY_WORDS: Final = frozenset(
    {"parent", "parents", "family", "mother", "father", "mum", "mom", "dad", "guardian", "carer", "caregiver"}
)
FAMILY_LABEL: Final = "family"

# A spinal level such as "L3-L4", "L3/4" or "T10": anything else in the level field is free text.
_SPINAL_LEVEL = re.compile(r"[CTLS][0-9]{1,2}(?:\s*[-/–]\s*[CTLS]?[0-9]{1,2})?", re.IGNORECASE)
_FREE_TEXT_CHECK_LENGTH: Final = 12
_MIN_MRN_CHECK_LENGTH: Final = 4


class Pseudonyms:
    """Role-neutral labels for people's names, stable within one export: the first clinician seen is
    "clinician-1", the next "clinician-2", … (the same name, in any case or spacing, gets the same
    label); family words ("parent", "mother", …) become "family"."""

    def __init__(self) -> None:
        self._labels: dict[str, str] = {}

    def label(self, name: str | None) -> str | None:
        if name is None:
            return None
        key = " ".join(name.split()).casefold()
        if not key:
            return None
        if key in FAMILY_WORDS:
            return FAMILY_LABEL
        found = self._labels.get(key)
        if found is None:
            found = f"clinician-{len(self._labels) + 1}"
            self._labels[key] = found
        return found


@dataclass(frozen=True)
class DeidentifiedTrial:
    """A trial with no identifier left: ``doc`` is on the :data:`ANCHOR` timeline, with the study record
    id in place of the MRN and every name, note and date removed (see the module notes).

    ``age_years`` is capped at 90 (``age_over_89`` then says so); ``cerebral_palsy`` and ``icd10`` are
    what the dropped diagnosis text said in codes.
    """

    doc: TrialDocument
    record_id: str
    study_id: str
    age_years: int
    age_over_89: bool
    cerebral_palsy: bool
    icd10: str | None

    @property
    def age_text(self) -> str:
        """The age as exports write it: "10", or "90+" from 90 years."""
        return age_text(self.age_years)


def age_text(years: int) -> str:
    """Whole years as exports write them: "10", or "90+" from 90 years (Safe Harbor)."""
    return f"{AGE_CAP}+" if years >= AGE_CAP else str(years)


# ---------------------------------------------------------------------------------------------- times


def _as_local(t: datetime) -> datetime:
    # A naive time is local wall-clock time (itb-trial/1); astimezone() reads it as the machine's zone.
    return t.astimezone()


def elapsed(start: datetime, end: datetime) -> timedelta:
    """``end − start``; when one is naive (local time) and the other has an offset, both are compared
    as instants in the machine's time zone."""
    if (start.tzinfo is None) != (end.tzinfo is None):
        return _as_local(end) - _as_local(start)
    return end - start


def hours_since(zero: datetime, t: datetime) -> float:
    """Hours from ``zero`` to ``t``, 2 decimals (whole minutes survive: minutes = round(hours × 60))."""
    return round(elapsed(zero, t).total_seconds() / 3600, 2) + 0.0


def age_at_trial(birth_date: date, placed_at: datetime) -> int:
    """Completed years of age on the day of the catheter placement."""
    return age_in_whole_years(birth_date, placed_at.date())


# ---------------------------------------------------------------------------------------------- scrub


class _Scrubber:
    def __init__(self, doc: TrialDocument, pseudonyms: Pseudonyms) -> None:
        self.zero = doc.trial.catheter.placed_at
        self.zero_day = self.zero.date()
        self.people = pseudonyms
        self.goal_ids = {g.id: f"g{i}" for i, g in enumerate(doc.trial.goals, start=1)}

    def time(self, t: datetime) -> datetime:
        return ANCHOR + elapsed(self.zero, t)

    def optional_time(self, t: datetime | None) -> datetime | None:
        return None if t is None else self.time(t)

    def day_date(self, d: date) -> date:
        return ANCHOR.date() + (d - self.zero_day)

    def person(self, name: str | None) -> str | None:
        return self.people.label(name)

    def people_list(self, names: Iterable[str]) -> tuple[str, ...]:
        out: list[str] = []
        for name in names:
            label = self.person(name)
            if label is not None and label not in out:
                out.append(label)
        return tuple(out)

    def assessment(self, a: Assessment) -> Assessment:
        return replace(
            a,
            at=self.time(a.at),
            assessor=self.person(a.assessor),
            function=None if a.function is None else replace(a.function, gait_notes=None),
            goals=tuple(GoalScore(self.goal_ids[g.id], g.gas) for g in a.goals if g.id in self.goal_ids),
            notes=None,
        )

    def dose(self, d: Dose) -> Dose:
        return Dose(
            given_at=self.time(d.given_at),
            dose_mcg=d.dose_mcg,
            concentration_mcg_per_ml=d.concentration_mcg_per_ml,
            volume_ml=d.volume_ml,
            via=d.via if d.via in CATHETER_METHODS else None,
            lot=None,
            given_by=self.person(d.given_by),
            checked_by=self.person(d.checked_by),
            warnings_acknowledged=tuple(
                AcknowledgedWarning(
                    code=w.code if w.code in DOSE_WARNING_CODES else "other", reason="", by=self.person(w.by)
                )
                for w in d.warnings_acknowledged
            ),
        )

    def adverse_event(self, e: AdverseEvent) -> AdverseEvent:
        kind = e.kind if e.kind in ADVERSE_EVENT_KINDS else "other"
        return AdverseEvent(at=self.time(e.at), kind=kind, severity=e.severity, notes=None, action=None)

    def day(self, d: Day) -> Day:
        return Day(
            day=d.day,
            date=self.day_date(d.date),
            assessments=tuple(self.assessment(a) for a in d.assessments),
            doses=tuple(self.dose(x) for x in d.doses),
            adverse_events=tuple(self.adverse_event(e) for e in d.adverse_events),
            plan=None
            if d.plan is None
            else DayPlan(d.plan.next_dose_mcg, self.people_list(d.plan.decided_by), None, None),
        )

    def decision(self, d: Decision | None) -> Decision | None:
        if d is None:
            return None
        return Decision(
            outcome=d.outcome,
            decided_at=self.optional_time(d.decided_at),
            decided_by=self.person(d.decided_by),
            rationale=None,
            initial_daily_dose_mcg=d.initial_daily_dose_mcg,
        )


def scrub(doc: TrialDocument, *, study_id: str, record_id: str, pseudonyms: Pseudonyms) -> DeidentifiedTrial:
    """The trial with every identifier removed (module notes), keyed by the study record id.

    ``pseudonyms`` is shared by all the trials of one export so that a clinician keeps one label in it.
    """
    s = _Scrubber(doc, pseudonyms)
    p = doc.patient
    t = doc.trial
    age = age_at_trial(p.birth_date, t.catheter.placed_at)
    cp = classify_cerebral_palsy(p.diagnosis, p.tone_pattern)
    level = t.catheter.level
    patient = Patient(
        mrn=record_id,
        birth_date=ANCHOR.date(),  # placeholder: de-identified exports never write it
        sex=p.sex,
        weight_kg=p.weight_kg,
        height_cm=p.height_cm,
        gmfcs_level=p.gmfcs_level,
        tone_pattern=p.tone_pattern,
        language=p.language,
    )
    trial = Trial(
        started_on=s.day_date(t.started_on),
        catheter=Catheter(
            placed_at=ANCHOR,
            method=t.catheter.method if t.catheter.method in CATHETER_METHODS else "catheter",
            level=level if level is not None and _SPINAL_LEVEL.fullmatch(level.strip()) else None,
        ),
        settings=t.settings,
        goals=tuple(
            Goal(s.goal_ids[g.id], f"goal {i}", g.baseline_gas) for i, g in enumerate(t.goals, start=1)
        ),
        days=tuple(s.day(d) for d in t.days),
        decision=s.decision(t.decision),
    )
    return DeidentifiedTrial(
        doc=TrialDocument(patient=patient, trial=trial),
        record_id=record_id,
        study_id=study_id,
        age_years=min(age, AGE_CAP),
        age_over_89=age >= AGE_CAP,
        cerebral_palsy=cp.cerebral_palsy,
        icd10=cp.icd10.code if cp.icd10 is not None else None,
    )


# ------------------------------------------------------------------------------------- JSON writer


def _whole(value: float | None) -> float | int | None:
    """121.0 (as the database gives it back) is written 121, as it was entered."""
    return int(value) if value is not None and float(value).is_integer() else value


def _hours(t: datetime | None) -> float | None:
    return None if t is None else hours_since(ANCHOR, t)


def deidentified_json(deid: DeidentifiedTrial) -> dict[str, Any]:
    """The de-identified trial as ``itb-trial-deid/1`` JSON data (``docs/deidentified-exports.md``).

    Like ``itb-trial/1`` but: no ``mrn``, names, ``birth_date``, ``diagnosis``, ``allergies``,
    ``started_on``, ``date`` or any note; ``record_id`` and ``patient.study_id``; ``age_years`` (a
    number, or "90+"); the diagnosis as ``cerebral_palsy`` and ``diagnosis_icd10``; times as
    ``hours_since_placement`` and day dates as ``days_since_placement``; goals as ``label``.
    """
    doc = deid.doc
    p = doc.patient
    t = doc.trial
    s = t.settings
    return {
        "format": DEID_FORMAT_ID,
        "record_id": deid.record_id,
        "patient": {
            "study_id": deid.study_id,
            "age_years": deid.age_text if deid.age_over_89 else deid.age_years,
            "sex": p.sex,
            "weight_kg": _whole(p.weight_kg),
            "height_cm": _whole(p.height_cm),
            "gmfcs_level": p.gmfcs_level,
            "cerebral_palsy": deid.cerebral_palsy,
            "diagnosis_icd10": deid.icd10,
            "tone_pattern": p.tone_pattern,
            "language": p.language,
        },
        "trial": {
            "mode": s.mode,
            "ladder": s.ladder,
            "mas_coding": s.mas_coding,
            "region": s.region,
            "threshold": s.threshold,
            "schedule_hours": list(s.schedule_hours),
            "catheter": {"method": t.catheter.method, "level": t.catheter.level},
            "goals": [{"id": g.id, "label": g.text, "baseline_gas": g.baseline_gas} for g in t.goals],
            "days": [_day_json(d) for d in t.days],
            "decision": None
            if t.decision is None
            else {
                "outcome": t.decision.outcome,
                "hours_since_placement": _hours(t.decision.decided_at),
                "decided_by": t.decision.decided_by,
                "initial_daily_dose_mcg": t.decision.initial_daily_dose_mcg,
            },
        },
    }


def _day_json(d: Day) -> dict[str, Any]:
    return {
        "day": d.day,
        "days_since_placement": (d.date - ANCHOR.date()).days,
        "assessments": [_assessment_json(a) for a in d.assessments],
        "doses": [
            {
                "hours_since_placement": _hours(x.given_at),
                "dose_mcg": x.dose_mcg,
                "concentration_mcg_per_ml": x.concentration_mcg_per_ml,
                "volume_ml": x.volume_ml,
                "via": x.via,
                "given_by": x.given_by,
                "checked_by": x.checked_by,
                "warnings_acknowledged": [{"code": w.code, "by": w.by} for w in x.warnings_acknowledged],
            }
            for x in d.doses
        ],
        "adverse_events": [
            {"hours_since_placement": _hours(e.at), "kind": e.kind, "severity": e.severity}
            for e in d.adverse_events
        ],
        "plan": None
        if d.plan is None
        else {"next_dose_mcg": d.plan.next_dose_mcg, "decided_by": list(d.plan.decided_by)},
    }


def _assessment_json(a: Assessment) -> dict[str, Any]:
    """The assessment as ``itb-trial/1`` writes it (:func:`assessment_to_json`, same keys in the same
    order), with hours since catheter placement instead of the clock time and without free text (notes,
    gait notes)."""
    shown: dict[str, Any] = {}
    for key, value in assessment_to_json(a).items():
        if key == "at":
            shown["hours_since_placement"] = _hours(a.at)
        elif key == "function" and value is not None:
            shown[key] = {name: v for name, v in value.items() if name != "gait_notes"}
        elif key != "notes":
            shown[key] = value
    return shown


# ------------------------------------------------------------------------------------- leak check


def _identifying_strings(doc: TrialDocument, trial_id: str | None) -> list[tuple[str, str]]:
    """(what, text) pairs that must never appear in a de-identified file of ``doc``."""
    p = doc.patient
    t = doc.trial
    found: list[tuple[str, str]] = [("the birth date", p.birth_date.isoformat())]
    if len(p.mrn) >= _MIN_MRN_CHECK_LENGTH:  # a very short MRN would match ordinary numbers
        found.append(("the MRN", p.mrn))
    if trial_id:
        found.append(("the trial id", trial_id))
    name = " ".join(part for part in (p.given_name, p.family_name) if part)
    if p.given_name and p.family_name:
        found.append(("the patient's name", name))
    dates: set[date] = {t.started_on, t.catheter.placed_at.date()}
    texts: list[str | None] = [p.diagnosis, *p.allergies, *(g.text for g in t.goals)]
    for d in t.days:
        dates.add(d.date)
        for a in d.assessments:
            dates.add(a.at.date())
            texts.append(a.notes)
            texts.append(a.function.gait_notes if a.function else None)
        for x in d.doses:
            dates.add(x.given_at.date())
            if x.lot:
                found.append(("a drug lot number", x.lot))
            texts.extend(w.reason for w in x.warnings_acknowledged)
        for e in d.adverse_events:
            dates.add(e.at.date())
            texts.extend((e.notes, e.action))
        if d.plan is not None:
            texts.extend((d.plan.notes, d.plan.reason))
    if t.decision is not None:
        texts.append(t.decision.rationale)
        if t.decision.decided_at is not None:
            dates.add(t.decision.decided_at.date())
    found.extend(("a date of the trial", d.isoformat()) for d in sorted(dates))
    found.extend(
        ("a free-text note", text.strip())
        for text in texts
        if text is not None and len(text.strip()) >= _FREE_TEXT_CHECK_LENGTH
    )
    return found


def find_leaks(text: str, docs: Sequence[tuple[TrialDocument, str | None]]) -> list[str]:
    """What of each original document (with its trial id) still appears in ``text``: a last check
    before a de-identified file is written. Empty means none found. The messages name the kind of
    identifier, never its value (they may be shown or logged)."""
    problems: list[str] = []
    for doc, trial_id in docs:
        for what, value in _identifying_strings(doc, trial_id):
            if value and value in text and what not in problems:
                problems.append(what)
    return problems
