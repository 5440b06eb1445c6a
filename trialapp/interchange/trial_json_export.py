"""Exporting the trial interchange format ``itb-trial/1``: records as JSON.

Export writes exactly the format's shape: every key, in the format's order, absent values as ``null``
and absent lists as ``[]``, so that export → import → export gives the same text.

Pure Python: no SQL, no Qt, no files.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from trialapp.domain.records import FORMAT_ID, Assessment, Day, Decision, Dose, TrialDocument
from trialapp.interchange.iso_times import format_date, format_time

__all__ = ["assessment_to_json", "document_to_json", "dumps_trial_document"]


def _time_or_none(value: datetime | None) -> str | None:
    return format_time(value) if value is not None else None


def document_to_json(doc: TrialDocument) -> dict[str, Any]:
    """The document as JSON-ready data: every key of the format, in its order; absent values as
    ``None`` (null) and absent lists as ``[]``. Times are written to the minute."""
    p = doc.patient
    t = doc.trial
    s = t.settings
    return {
        "format": FORMAT_ID,
        "patient": {
            "mrn": p.mrn,
            "given_name": p.given_name,
            "family_name": p.family_name,
            "birth_date": format_date(p.birth_date),
            "sex": p.sex,
            "weight_kg": p.weight_kg,
            "height_cm": p.height_cm,
            "gmfcs_level": p.gmfcs_level,
            "diagnosis": p.diagnosis,
            "tone_pattern": p.tone_pattern,
            "allergies": list(p.allergies),
            "language": p.language,
        },
        "trial": {
            "started_on": format_date(t.started_on),
            "mode": s.mode,
            "ladder": s.ladder,
            "mas_coding": s.mas_coding,
            "region": s.region,
            "threshold": s.threshold,
            "schedule_hours": list(s.schedule_hours),
            "max_dose_mcg": s.max_dose_mcg,
            "late_after_minutes": s.late_after_minutes,
            "catheter": {
                "placed_at": format_time(t.catheter.placed_at),
                "method": t.catheter.method,
                "level": t.catheter.level,
            },
            "goals": [{"id": g.id, "text": g.text, "baseline_gas": g.baseline_gas} for g in t.goals],
            "days": [_day_json(d) for d in t.days],
            "decision": _decision_json(t.decision),
        },
    }


def _day_json(d: Day) -> dict[str, Any]:
    return {
        "day": d.day,
        "date": format_date(d.date),
        "assessments": [assessment_to_json(a) for a in d.assessments],
        "doses": [_dose_json(x) for x in d.doses],
        "adverse_events": [
            {
                "at": format_time(e.at),
                "kind": e.kind,
                "severity": e.severity,
                "notes": e.notes,
                "action": e.action,
            }
            for e in d.adverse_events
        ],
        "plan": None
        if d.plan is None
        else {
            "next_dose_mcg": d.plan.next_dose_mcg,
            "decided_by": list(d.plan.decided_by),
            "reason": d.plan.reason,
            "notes": d.plan.notes,
        },
    }


def assessment_to_json(a: Assessment) -> dict[str, Any]:
    """One assessment as the document writes it (the shape the import reads)."""
    f = a.function
    v = a.vitals
    return {
        "kind": a.kind,
        "at": format_time(a.at),
        "assessor": a.assessor,
        "mas": [{"muscle": m.muscle, "side": m.side, "grade": m.grade} for m in a.mas],
        "tardieu": [
            {"muscle": x.muscle, "side": x.side, "r1_deg": x.r1_deg, "r2_deg": x.r2_deg, "quality": x.quality}
            for x in a.tardieu
        ],
        "rom": [{"measure": r.measure, "side": r.side, "deg": r.deg} for r in a.rom],
        "function": None
        if f is None
        else {
            "fms_5m": f.fms_5m,
            "fms_50m": f.fms_50m,
            "fms_500m": f.fms_500m,
            "ten_m_walk_s": f.ten_m_walk_s,
            "tug_s": f.tug_s,
            "six_min_walk_m": f.six_min_walk_m,
            "gait_notes": f.gait_notes,
        },
        "penn_frequency": a.penn_frequency,
        "penn_severity": a.penn_severity,
        "pain": None if a.pain is None else {"scale": a.pain.scale, "score": a.pain.score},
        "sedation_umss": a.sedation_umss,
        "vitals": None
        if v is None
        else {"hr": v.hr, "rr": v.rr, "spo2": v.spo2, "sbp": v.sbp, "dbp": v.dbp, "temp_c": v.temp_c},
        "goals": [{"id": g.id, "gas": g.gas} for g in a.goals],
        "notes": a.notes,
    }


def _dose_json(x: Dose) -> dict[str, Any]:
    return {
        "given_at": format_time(x.given_at),
        "dose_mcg": x.dose_mcg,
        "concentration_mcg_per_ml": x.concentration_mcg_per_ml,
        "volume_ml": x.volume_ml,
        "via": x.via,
        "lot": x.lot,
        "given_by": x.given_by,
        "checked_by": x.checked_by,
        "warnings_acknowledged": [
            {"code": w.code, "reason": w.reason, "by": w.by} for w in x.warnings_acknowledged
        ],
    }


def _decision_json(d: Decision | None) -> dict[str, Any] | None:
    if d is None:
        return None
    return {
        "outcome": d.outcome,
        "decided_at": _time_or_none(d.decided_at),
        "decided_by": d.decided_by,
        "rationale": d.rationale,
        "initial_daily_dose_mcg": d.initial_daily_dose_mcg,
    }


def dumps_trial_document(doc: TrialDocument) -> str:
    """The document as ``itb-trial/1`` JSON text: UTF-8 characters kept, 2-space indent, final newline.

    Raises :class:`ValueError` if a record holds a number JSON cannot represent (NaN, infinity).
    """
    return json.dumps(document_to_json(doc), ensure_ascii=False, indent=2, allow_nan=False) + "\n"
