"""REDCap export: the records CSV and the project's events (``docs/redcap.md``); the matching data
dictionary is :mod:`trialapp.interchange.redcap_dictionary`.

The project is **longitudinal** with one arm. Each record is one trial; each CSV row is one event of it:

- ``trial_arm_1`` — forms ``patient``, ``trial_setup``, ``decision``;
- ``day_N_arm_1`` — forms ``dose``, ``adverse_events``, ``day_plan``, ``day_response`` of trial day N;
- ``day_N_baseline_arm_1``, ``day_N_4h_arm_1``, … ``day_N_extra_K_arm_1`` — form ``assessment``: the
  day's baseline, each reassessment matched to its scheduled slot (RULES.md R10, the domain's
  matching), and any other assessment as an extra, in time order.

Columns: ``record_id`` first, then ``redcap_event_name``, then every field of the dictionary in order
(one column ``field___code`` per choice of a checkbox field) with ``<form>_complete`` after each form.
Fields are named per muscle-side and measure (``mas_knee_flex_l``, ``tard_gastroc_r_r1``,
``rom_popliteal_l``), at most 26 characters, so that SAS and Stata exports of the project keep them.

The de-identified variant leaves out every field marked as an identifier in the dictionary and every
free-text field, and is written from a scrubbed trial (:mod:`trialapp.interchange.deidentify`).

No SQL, no Qt, no files.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from trialapp.domain.numbers import plain_number
from trialapp.domain.records import Assessment, Day, ProtocolSettings, TrialDocument
from trialapp.domain.response import (
    NOTE_NO_RESPONSE_TO_100,
    DayResponse,
    PairedChange,
    before_the_dose,
    day_baseline,
    day_dose,
    day_reassessments,
    day_significant_events,
    round2,
)
from trialapp.domain.schedule import reassessment_schedule
from trialapp.domain.summary import summarize_trial
from trialapp.domain.vocabulary import (
    ADVERSE_EVENT_KINDS,
    CATHETER_METHODS,
    MAX_GOALS,
    SEVERITIES,
)
from trialapp.interchange import fhir_codes
from trialapp.interchange.deidentify import (
    FAMILY_WORDS,
    DeidentifiedTrial,
    age_at_trial,
    age_text,
    hours_since,
)
from trialapp.interchange.redcap_dictionary import (
    AE_ABBREVIATIONS,
    BASIS_CODES,
    FMS_CODES,
    FORMS,
    ICD10_CODES,
    MAS_CODES,
    MUSCLE_ABBREVIATIONS,
    PAIN_SCALES,
    ROM_ABBREVIATIONS,
    SIDE_LETTERS,
    record_columns,
)

__all__ = [
    "RedcapEvent",
    "RedcapTrial",
    "designations_csv",
    "events_csv",
    "project_events",
    "records_csv",
    "trial_records",
    "unique_event_name",
]

ARM: Final = 1
COMPLETE: Final = "2"  # REDCap form status: 0 incomplete, 1 unverified, 2 complete

# ------------------------------------------------------------------------------------------- events

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def unique_event_name(label: str, arm: int = ARM) -> str:
    """The unique event name REDCap derives from an event label: lower case, hyphens removed, other
    non-alphanumerics as one underscore, at most 18 characters, then ``_arm_N``."""
    stem = _NON_ALNUM.sub("_", label.lower().replace("-", "")).strip("_")
    return f"{stem[:18]}_arm_{arm}"


@dataclass(frozen=True, order=True)
class RedcapEvent:
    """One event of the project: its place in the event order, label and designated forms."""

    order: tuple[float, ...]
    label: str = field(compare=False)
    forms: tuple[str, ...] = field(compare=False)

    @property
    def name(self) -> str:
        return unique_event_name(self.label)


def _forms(kind: str) -> tuple[str, ...]:
    return tuple(form for form, where in FORMS.items() if where == kind)


TRIAL_EVENT: Final = RedcapEvent((0,), "Trial", _forms("trial"))


def _day_event(day: int) -> RedcapEvent:
    return RedcapEvent((1, day, 0, 0), f"Day {day}", _forms("day"))


def _baseline_event(day: int) -> RedcapEvent:
    return RedcapEvent((1, day, 1, 0), f"Day {day} baseline", _forms("assessment"))


def _slot_event(day: int, hours: float) -> RedcapEvent:
    return RedcapEvent((1, day, 2, hours), f"Day {day} {hours:g}h", _forms("assessment"))


def _extra_event(day: int, k: int) -> RedcapEvent:
    return RedcapEvent((1, day, 3, k), f"Day {day} extra {k}", _forms("assessment"))


def assessment_events(day: Day, settings: ProtocolSettings) -> list[tuple[Assessment, RedcapEvent]]:
    """Each assessment of ``day`` with its event: the day's baseline (R3), reassessments in their
    scheduled slots (R10 matching), everything else as extras in time order."""
    assigned: dict[int, RedcapEvent] = {}
    dose = day_dose(day)
    baseline = day_baseline(day)
    if baseline is None and dose is None:
        baselines = sorted((a for a in day.assessments if a.kind == "baseline"), key=lambda a: a.at)
        baseline = baselines[0] if baselines else None
    if baseline is not None:
        assigned[id(baseline)] = _baseline_event(day.day)
    if dose is not None and settings.schedule_hours:
        after = day_reassessments(day)
        try:
            slots, _extras = reassessment_schedule(
                dose.given_at,
                settings.schedule_hours,
                [a.at for a in after],
                dose.given_at,
                settings.late_after_minutes,
            )
        except (TypeError, ValueError):  # mixed naive/aware times or an unusable schedule: all extras
            slots = ()
        waiting = list(after)
        for slot in slots:
            if slot.done_at is None:
                continue
            match = next(a for a in waiting if a.at == slot.done_at)
            waiting.remove(match)
            assigned[id(match)] = _slot_event(day.day, slot.hours)
    rest = sorted((a for a in day.assessments if id(a) not in assigned), key=lambda a: a.at)
    for k, a in enumerate(rest, start=1):
        assigned[id(a)] = _extra_event(day.day, k)
    return [(a, assigned[id(a)]) for a in sorted(day.assessments, key=lambda a: a.at)]


def project_events(trials: Iterable[RedcapTrial]) -> list[RedcapEvent]:
    """The events the records need, each once, in the project's order."""
    found: dict[str, RedcapEvent] = {}
    for trial in trials:
        for event in trial.events:
            found.setdefault(event.name, event)
    return sorted(found.values())


def events_csv(events: Sequence[RedcapEvent]) -> str:
    """The events upload of REDCap's "Define My Events" page (unique names left for REDCap to derive)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["event_name", "arm_num", "unique_event_name", "custom_event_label"])
    for event in events:
        writer.writerow([event.label, ARM, "", ""])
    return out.getvalue()


def designations_csv(events: Sequence[RedcapEvent]) -> str:
    """The instrument-event mapping upload of REDCap's "Designate Instruments for My Events" page."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["arm_num", "unique_event_name", "form"])
    for event in events:
        for form in event.forms:
            writer.writerow([ARM, event.name, form])
    return out.getvalue()


# -------------------------------------------------------------------------------------------- records


def _num(value: float | int | None) -> str:
    return "" if value is None else plain_number(value)


def _yes(value: bool | None) -> str:
    return "" if value is None else ("1" if value else "0")


def _when(t: datetime | None) -> str:
    return "" if t is None else t.strftime("%Y-%m-%d %H:%M")


def _lines(*texts: str | None) -> str:
    return "\n".join(t.strip() for t in texts if t is not None and t.strip())


@dataclass(frozen=True)
class RedcapTrial:
    """One trial as REDCap rows (one per event, column name → value) and the events they use."""

    record_id: str
    rows: tuple[dict[str, str], ...]
    events: tuple[RedcapEvent, ...]


class _Rows:
    def __init__(self, doc: TrialDocument, record_id: str, deid: DeidentifiedTrial | None) -> None:
        self.doc = doc
        self.record_id = record_id
        self.deid = deid
        self.zero = doc.trial.catheter.placed_at
        self.rows: list[dict[str, str]] = []
        self.events: list[RedcapEvent] = []
        self.summary = summarize_trial(doc.trial)
        self.goal_numbers = {g.id: i for i, g in enumerate(doc.trial.goals, start=1)}

    def hours(self, t: datetime | None) -> str:
        return "" if t is None else _num(hours_since(self.zero, t))

    def row(self, event: RedcapEvent, values: Mapping[str, str], complete: Iterable[str]) -> None:
        row = {"record_id": self.record_id, "redcap_event_name": event.name, **values}
        for form in complete:
            row[f"{form}_complete"] = COMPLETE
        self.rows.append(row)
        self.events.append(event)

    def build(self) -> RedcapTrial:
        self.trial_row()
        responses = {r.day: r for r in self.summary.days}
        for day in sorted(self.doc.trial.days, key=lambda d: d.day):
            self.day_row(day, responses.get(day.day))
            changes = self.changes(day, responses.get(day.day))
            for assessment, event in assessment_events(day, self.doc.trial.settings):
                self.assessment_row(day, assessment, event, changes.get(id(assessment)))
        return RedcapTrial(self.record_id, tuple(self.rows), tuple(self.events))

    def trial_row(self) -> None:
        p = self.doc.patient
        t = self.doc.trial
        s = t.settings
        values: dict[str, str] = {}
        if self.deid is not None:
            age = self.deid.age_text
            cp, icd = self.deid.cerebral_palsy, self.deid.icd10
        else:
            age = (
                age_text(age_at_trial(p.birth_date, t.catheter.placed_at))
                if p.birth_date <= self.zero.date()
                else ""
            )
            coded = fhir_codes.classify_cerebral_palsy(p.diagnosis, p.tone_pattern)
            cp, icd = coded.cerebral_palsy, coded.icd10.code if coded.icd10 else None
            values |= {
                "mrn": p.mrn,
                "given_name": p.given_name or "",
                "family_name": p.family_name or "",
                "birth_date": p.birth_date.isoformat(),
                "diagnosis": p.diagnosis or "",
                "allergies": "\n".join(p.allergies),
                "trial_id": self.record_id,
                "started_on": t.started_on.isoformat(),
                "catheter_at": _when(t.catheter.placed_at),
            }
        values |= {
            "age_years": age,
            "sex": p.sex or "",
            "weight_kg": _num(p.weight_kg),
            "height_cm": _num(p.height_cm),
            "gmfcs_level": _num(p.gmfcs_level),
            "cerebral_palsy": _yes(cp),
            "diagnosis_icd10": ICD10_CODES[icd] if icd else "",
            "tone_pattern": p.tone_pattern or "",
            "language": p.language or "",
            "trial_mode": s.mode,
            "ladder": s.ladder,
            "mas_coding": s.mas_coding,
            "region": s.region,
            "threshold": _num(s.threshold),
            "schedule_hours": ", ".join(_num(h) for h in s.schedule_hours),
            "catheter_method": t.catheter.method,
            "catheter_level": t.catheter.level or "",
            "goal_count": str(len(t.goals)),
        }
        for i, goal in enumerate(t.goals, start=1):
            if self.deid is None:
                values[f"goal_{i}_text"] = goal.text
            values[f"goal_{i}_gas0"] = _num(goal.baseline_gas)
        complete = ["patient", "trial_setup"]
        d = t.decision
        if d is not None:
            rec = self.summary.recommendation
            values |= {
                "outcome": d.outcome,
                "decided_hours": self.hours(d.decided_at),
                "decided_by": d.decided_by or "",
                "initial_dose_mcg": _num(d.initial_daily_dose_mcg),
                "rec_dose_mcg": _num(rec.recommended_daily_dose_mcg),
                "rec_basis": BASIS_CODES.get(rec.basis or "", ""),
                "rec_no_resp_100": _yes(rec.note == NOTE_NO_RESPONSE_TO_100),
            }
            if self.deid is None:
                values |= {"decided_at": _when(d.decided_at), "rationale": d.rationale or ""}
            complete.append("decision")
        self.row(TRIAL_EVENT, values, complete)

    def day_row(self, day: Day, response: DayResponse | None) -> None:
        values: dict[str, str] = {"dose_count": str(len(day.doses))}
        dose = day_dose(day)
        if dose is not None:
            warned = {
                w.code if w.code in fhir_codes.DOSE_WARNING_CODES else "other"
                for w in dose.warnings_acknowledged
            }
            values |= {
                "dose_hours": self.hours(dose.given_at),
                "dose_mcg": str(dose.dose_mcg),
                "dose_conc": str(dose.concentration_mcg_per_ml),
                "dose_volume_ml": _num(dose.volume_ml),
                "dose_via": dose.via if dose.via in CATHETER_METHODS else "",
                "dose_given_by": dose.given_by or "",
                "dose_checked_by": dose.checked_by or "",
                "dose_total_mcg": str(sum(x.dose_mcg for x in day.doses)),
            }
            for code in fhir_codes.DOSE_WARNINGS:
                values[f"dose_warn___{code}"] = _yes(code in warned)
            if self.deid is None:
                values |= {
                    "dose_at": _when(dose.given_at),
                    "dose_lot": dose.lot or "",
                    "dose_warn_notes": _lines(*(f"{w.code}: {w.reason}" for w in dose.warnings_acknowledged)),
                }
        events = sorted(day.adverse_events, key=lambda e: e.at)
        values["ae_count"] = str(len(events))
        for kind in ADVERSE_EVENT_KINDS:
            of_kind = [e for e in events if e.kind == kind]
            values[f"ae_kind___{kind}"] = _yes(bool(of_kind))
            if of_kind:
                short = AE_ABBREVIATIONS[kind]
                worst = max(
                    of_kind, key=lambda e: SEVERITIES.index(e.severity) if e.severity in SEVERITIES else -1
                )
                values[f"ae_{short}_sev"] = worst.severity if worst.severity in SEVERITIES else ""
                values[f"ae_{short}_hours"] = self.hours(of_kind[0].at)
        # R5 revision 2: an event before the day's first dose is listed, never counted against the dose.
        values["ae_significant"] = _yes(bool(day_significant_events(day)))
        values["ae_before_dose"] = str(sum(1 for e in events if before_the_dose(e, day)))
        if self.deid is None:
            values["ae_notes"] = _lines(
                *(
                    f"{_when(e.at)} {e.kind}: {_lines(e.notes, e.action)}"
                    for e in events
                    if e.notes or e.action
                )
            )
        complete = ["dose", "adverse_events"]
        plan = day.plan
        if plan is not None:
            values |= {
                "plan_next_mcg": _num(plan.next_dose_mcg),
                "plan_decided_by": ", ".join(plan.decided_by),
                "plan_family": _yes(
                    any(" ".join(n.split()).casefold() in FAMILY_WORDS for n in plan.decided_by)
                ),
            }
            if self.deid is None:
                values |= {"plan_reason": plan.reason or "", "plan_notes": plan.notes or ""}
            complete.append("day_plan")
        if response is not None and response.dose_mcg is not None:
            values |= {
                "resp_judged": _yes(response.responder is not None),
                "responder": _yes(response.responder),
                "peak_reduction": _num(round2(response.peak_reduction))
                if response.peak_reduction is not None
                else "",
                "peak_hours": _num(response.peak_hours),
                "effect_hours": _num(response.effect_hours),
                "effect_censored": _yes(response.effect_censored) if response.responder is not None else "",
                "effect_over_8h": _yes(response.effect_over_8h) if response.responder is not None else "",
                "significant_ae": _yes(response.significant_adverse_effect),
            }
            complete.append("day_response")
        self.row(_day_event(day.day), values, complete)

    def changes(self, day: Day, response: DayResponse | None) -> dict[int, PairedChange]:
        if response is None:
            return {}
        by_time = {ch.at: ch for ch in response.reassessments}
        return {id(a): by_time[a.at] for a in day_reassessments(day) if a.at in by_time}

    def assessment_row(
        self, day: Day, a: Assessment, event: RedcapEvent, change: PairedChange | None
    ) -> None:
        dose = day_dose(day)
        values: dict[str, str] = {
            "assess_kind": a.kind,
            "assess_hours": self.hours(a.at),
            "assess_after_dose_h": _num(hours_since(dose.given_at, a.at)) if dose is not None else "",
            "assessor": a.assessor or "",
            "mas_reduction": _num(round2(change.reduction))
            if change and change.reduction is not None
            else "",
        }
        for m in a.mas:
            if m.muscle in MUSCLE_ABBREVIATIONS and m.side in SIDE_LETTERS and m.grade in MAS_CODES:
                values[f"mas_{MUSCLE_ABBREVIATIONS[m.muscle]}_{SIDE_LETTERS[m.side]}"] = MAS_CODES[m.grade]
        for x in a.tardieu:
            if x.muscle in MUSCLE_ABBREVIATIONS and x.side in SIDE_LETTERS:
                stem = f"tard_{MUSCLE_ABBREVIATIONS[x.muscle]}_{SIDE_LETTERS[x.side]}"
                values[f"{stem}_r1"] = _num(x.r1_deg)
                values[f"{stem}_r2"] = _num(x.r2_deg)
                values[f"{stem}_x"] = _num(x.quality)
        for r in a.rom:
            if r.measure in ROM_ABBREVIATIONS and r.side in SIDE_LETTERS:
                values[f"rom_{ROM_ABBREVIATIONS[r.measure]}_{SIDE_LETTERS[r.side]}"] = _num(r.deg)
        f = a.function
        if f is not None:
            values |= {
                "fms_5m": FMS_CODES.get(f.fms_5m or "", ""),
                "fms_50m": FMS_CODES.get(f.fms_50m or "", ""),
                "fms_500m": FMS_CODES.get(f.fms_500m or "", ""),
                "walk_10m_s": _num(f.ten_m_walk_s),
                "tug_s": _num(f.tug_s),
                "walk_6min_m": _num(f.six_min_walk_m),
            }
            if self.deid is None:
                values["gait_notes"] = f.gait_notes or ""
        values |= {
            "penn_freq": _num(a.penn_frequency),
            "penn_sev": _num(a.penn_severity),
            "pain_scale": a.pain.scale if a.pain is not None and a.pain.scale in PAIN_SCALES else "",
            "pain_score": _num(a.pain.score) if a.pain is not None else "",
            "umss": _num(a.sedation_umss),
        }
        v = a.vitals
        if v is not None:
            values |= {
                "hr": _num(v.hr),
                "rr": _num(v.rr),
                "spo2": _num(v.spo2),
                "sbp": _num(v.sbp),
                "dbp": _num(v.dbp),
                "temp_c": _num(v.temp_c),
            }
        for g in a.goals:
            number = self.goal_numbers.get(g.id)
            if number is not None and number <= MAX_GOALS:
                values[f"gas_goal_{number}"] = str(g.gas)
        if self.deid is None:
            values |= {"assess_at": _when(a.at), "assess_notes": a.notes or ""}
        self.row(event, values, ["assessment"])


def trial_records(
    doc: TrialDocument, record_id: str, *, deid: DeidentifiedTrial | None = None
) -> RedcapTrial:
    """The trial as REDCap rows. Identified: ``doc`` is the trial and ``record_id`` its trial id.
    De-identified: pass the :class:`DeidentifiedTrial` (its ``doc`` and ``record_id`` are used)."""
    if deid is not None:
        return _Rows(deid.doc, deid.record_id, deid).build()
    return _Rows(doc, record_id, None).build()


def records_csv(trials: Sequence[RedcapTrial], *, deidentified: bool) -> str:
    """The records CSV for REDCap's Data Import Tool: one row per event, columns of the dictionary."""
    columns = record_columns(deidentified=deidentified)
    known = set(columns)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for trial in trials:
        for row in trial.rows:
            unknown = set(row) - known
            if unknown:  # an exporter bug: a value with no column would be lost silently
                raise ValueError(f"REDCap values without a dictionary column: {sorted(unknown)}")
            writer.writerow([row.get(column, "") for column in columns])
    return out.getvalue()
