"""Shared helpers for the itb-trial/1 tests: a small valid document, the demo files, and hypothesis
strategies that build valid documents. All data here is synthetic."""

from __future__ import annotations

import copy
import json
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources
from typing import Any

from hypothesis import strategies as st

from trialapp.domain.muscles import LOWER_MUSCLES, ROM_MEASURES, SIDES, UPPER_MUSCLES
from trialapp.domain.vocabulary import ADVERSE_EVENT_KINDS, FMS_5M, FMS_LONG, PAIN_SCORES
from trialapp.interchange.trial_json import DocumentInvalid, Problem

# The "now" of every test: the demo trials are in October–November 2026.
NOW = datetime(2026, 11, 22, 12, 0)

DEMO_FILES = ("demo_responder.json", "demo_nonresponder.json", "demo_small_child.json")

# Words a message uses to say what to do (every problem message must contain one).
ACTION_WORDS = (
    "write",
    "use",
    "add",
    "remove",
    "check",
    "keep",
    "correct",
    "give",
    "record",
    "retype",
    "shorten",
    "save",
    "fix",
    "sort",
    "export",
    "enter",
    "ask",
)

D0 = "$.trial.days[0]"
D1 = "$.trial.days[1]"
A0 = D0 + ".assessments[0]"
A1 = D0 + ".assessments[1]"
DOSE0 = D0 + ".doses[0]"
DOSE1 = D1 + ".doses[0]"


def demo_text(name: str) -> str:
    """The text of a bundled demo file."""
    return resources.files("trialapp.resources").joinpath("demo", name).read_text(encoding="utf-8")


def demo_data(name: str) -> dict[str, Any]:
    return json.loads(demo_text(name))


def small_doc() -> dict[str, Any]:
    """A small valid document touching every object of the format (two days)."""
    return copy.deepcopy(_SMALL)


def says_what_to_do(problem: Problem) -> bool:
    lowered = problem.message.lower()
    return bool(problem.message.strip()) and any(word in lowered for word in ACTION_WORDS)


def problem_paths(exc: DocumentInvalid) -> set[str]:
    return {p.path for p in exc.problems}


_VITALS = {"hr": 96, "rr": 20, "spo2": 98, "sbp": 102, "dbp": 64, "temp_c": 36.8}
_SMALL: dict[str, Any] = {
    "format": "itb-trial/1",
    "patient": {
        "mrn": "DEMO-T001",
        "given_name": "Test",
        "family_name": "Demo",
        "birth_date": "2016-04-12",
        "sex": "female",
        "weight_kg": 24.5,
        "height_cm": 121,
        "gmfcs_level": 4,
        "diagnosis": "synthetic test patient",
        "tone_pattern": "spastic",
        "allergies": ["cefazolin"],
        "language": "en",
    },
    "trial": {
        "started_on": "2026-11-02",
        "mode": "bolus",
        "ladder": "standard",
        "mas_coding": "cprn",
        "region": "lower",
        "threshold": 1.0,
        "schedule_hours": [1, 2, 4, 6, 8],
        "catheter": {"placed_at": "2026-11-02T07:40", "method": "catheter", "level": "L3-L4"},
        "goals": [{"id": "g1", "text": "Sit in wheelchair for 2 hours", "baseline_gas": -1}],
        "days": [
            {
                "day": 1,
                "date": "2026-11-02",
                "assessments": [
                    {
                        "kind": "baseline",
                        "at": "2026-11-02T08:30",
                        "assessor": "pt.jones",
                        "mas": [
                            {"muscle": "hip_adductors", "side": "left", "grade": "2"},
                            {"muscle": "hip_adductors", "side": "right", "grade": "1+"},
                        ],
                        "tardieu": [
                            {
                                "muscle": "knee_flexors",
                                "side": "left",
                                "r1_deg": 110,
                                "r2_deg": 140,
                                "quality": 2,
                            }
                        ],
                        "rom": [{"measure": "popliteal_angle", "side": "left", "deg": 60}],
                        "function": {
                            "fms_5m": "2",
                            "fms_50m": "1",
                            "fms_500m": "1",
                            "ten_m_walk_s": None,
                            "tug_s": None,
                            "six_min_walk_m": None,
                            "gait_notes": "",
                        },
                        "penn_frequency": 2,
                        "penn_severity": 2,
                        "pain": {"scale": "flacc", "score": 0},
                        "sedation_umss": 0,
                        "vitals": dict(_VITALS),
                        "goals": [{"id": "g1", "gas": -1}],
                        "notes": "",
                    },
                    {
                        "kind": "reassessment",
                        "at": "2026-11-02T13:00",
                        "assessor": "pt.jones",
                        "mas": [
                            {"muscle": "hip_adductors", "side": "left", "grade": "1"},
                            {"muscle": "hip_adductors", "side": "right", "grade": "NT"},
                        ],
                        "pain": {"scale": "wong_baker", "score": 2},
                        "vitals": dict(_VITALS),
                        "goals": [{"id": "g1", "gas": 0}],
                    },
                ],
                "doses": [
                    {
                        "given_at": "2026-11-02T09:00",
                        "dose_mcg": 50,
                        "concentration_mcg_per_ml": 50,
                        "volume_ml": 1.0,
                        "via": "catheter",
                        "lot": "L2291",
                        "given_by": "dr.lee",
                        "checked_by": "rn.smith",
                        "warnings_acknowledged": [],
                    }
                ],
                "adverse_events": [
                    {
                        "at": "2026-11-02T12:10",
                        "kind": "nausea",
                        "severity": "mild",
                        "notes": "",
                        "action": "",
                    }
                ],
                "plan": {
                    "next_dose_mcg": 75,
                    "decided_by": ["dr.lee", "pt.jones", "parent"],
                    "reason": "",
                    "notes": "Family agrees to 75 mcg tomorrow.",
                },
            },
            {
                "day": 2,
                "date": "2026-11-03",
                "assessments": [],
                "doses": [
                    {
                        "given_at": "2026-11-03T09:00",
                        "dose_mcg": 75,
                        "concentration_mcg_per_ml": 50,
                        "volume_ml": 1.5,
                        "via": "catheter",
                        "lot": "L2291",
                        "given_by": "dr.lee",
                        "checked_by": "rn.smith",
                        "warnings_acknowledged": [],
                    }
                ],
                "adverse_events": [],
                "plan": None,
            },
        ],
        "decision": {
            "outcome": "candidate",
            "decided_at": "2026-11-03T17:00",
            "decided_by": "dr.lee",
            "rationale": "Synthetic.",
            "initial_daily_dose_mcg": 150,
        },
    },
}


# --------------------------------------------------------------------------------------------------
# Hypothesis: valid documents
# --------------------------------------------------------------------------------------------------

_LINE_CHARS = st.characters(
    blacklist_categories=("Cc", "Cs", "Cf", "Zl", "Zp"),
)
_FREE_CHARS = st.one_of(_LINE_CHARS, st.sampled_from("\n\t"))


def line_text(min_size: int = 0, max_size: int = 20) -> st.SearchStrategy[str]:
    """One-line text, possibly with surrounding spaces (the parser trims)."""
    return st.text(_LINE_CHARS, min_size=min_size, max_size=max_size)


def solid_text(max_size: int = 20) -> st.SearchStrategy[str]:
    """One-line text that is not blank (for required fields and list items)."""
    return line_text(1, max_size).filter(lambda s: s.strip() != "")


def code_text() -> st.SearchStrategy[str]:
    return st.text("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-_.", min_size=1, max_size=12)


def free_text() -> st.SearchStrategy[str | None]:
    return st.one_of(st.none(), st.text(_FREE_CHARS, max_size=40))


def _pressures_read_right(vitals: dict[str, Any]) -> bool:
    """A valid document's diastolic pressure is below its systolic (value_rules.blood_pressure_problem)."""
    return vitals["sbp"] is None or vitals["dbp"] is None or vitals["dbp"] < vitals["sbp"]


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


def number(lo: float, hi: float, *, lo_open: bool = False) -> st.SearchStrategy[float | int]:
    ints = st.integers(int(lo) + (1 if lo_open and float(lo).is_integer() else 0), int(hi))
    floats = st.floats(lo, hi, exclude_min=lo_open, allow_nan=False, allow_infinity=False)
    return st.one_of(ints, floats)


_PAIRS = [(m, s) for m in LOWER_MUSCLES + UPPER_MUSCLES for s in SIDES]
_ROM_PAIRS = [(m.code, s) for m in ROM_MEASURES for s in SIDES]
_GRADES = ("0", "1", "1+", "2", "3", "4", "NT")


def _fmt(when: datetime, offset: str | None) -> str:
    text = when.strftime("%Y-%m-%dT%H:%M")
    return text if offset is None else text + offset


@st.composite
def valid_documents(draw: st.DrawFn) -> dict[str, Any]:
    """A valid itb-trial/1 document (judged at NOW with the default protocol maximum of 100 mcg)."""
    offset = draw(st.sampled_from([None, None, "Z", "+01:00", "-05:30"]))
    birth = draw(st.dates(date(2005, 1, 1), date(2024, 6, 30)))
    start = draw(st.dates(date(2026, 9, 1), date(2026, 11, 10)))
    goal_ids = draw(st.lists(code_text(), max_size=5, unique=True))
    patient = {
        "mrn": draw(code_text()),
        "given_name": draw(maybe(line_text())),
        "family_name": draw(maybe(line_text())),
        "birth_date": birth.isoformat(),
        "sex": draw(maybe(st.sampled_from(["female", "male", "other", "unknown"]))),
        "weight_kg": draw(maybe(number(0, 200, lo_open=True))),
        "height_cm": draw(maybe(number(30, 250))),
        "gmfcs_level": draw(maybe(st.integers(1, 5))),
        "diagnosis": draw(free_text()),
        "tone_pattern": draw(maybe(st.sampled_from(["spastic", "dystonic", "mixed"]))),
        "allergies": draw(st.lists(solid_text(), max_size=3)),
        "language": draw(maybe(st.sampled_from(["en", "es"]))),
    }
    placed = datetime.combine(start, datetime.min.time()) + timedelta(
        hours=6, minutes=draw(st.integers(0, 90))
    )
    schedule = sorted(draw(st.sets(st.sampled_from([0.5, 1, 1.5, 2, 3, 4, 6, 8, 12, 24]), max_size=6)))
    n_days = draw(st.integers(1, 3))
    days = []
    day_date = start
    for i in range(n_days):
        if i:
            day_date = day_date + timedelta(days=draw(st.integers(1, 2)))
        base = datetime.combine(day_date, datetime.min.time())
        dose_at = base + timedelta(hours=9)
        assessments = [
            draw(_assessment(base + timedelta(hours=8, minutes=30), offset, goal_ids))
            for _ in range(draw(st.integers(0, 2)))
        ]
        assessments += [
            draw(_assessment(dose_at + timedelta(hours=h), offset, goal_ids))
            for h in draw(st.lists(st.sampled_from([1, 2, 4, 6, 8]), max_size=3, unique=True))
        ]
        doses = []
        if draw(st.booleans()):
            doses.append(draw(_dose(dose_at, offset)))
        events = [
            {
                "at": _fmt(dose_at + timedelta(minutes=draw(st.integers(0, 600))), offset),
                "kind": draw(st.sampled_from(ADVERSE_EVENT_KINDS)),
                "severity": draw(st.sampled_from(["mild", "moderate", "severe"])),
                "notes": draw(free_text()),
                "action": draw(free_text()),
            }
            for _ in range(draw(st.integers(0, 2)))
        ]
        plan = draw(
            maybe(
                st.fixed_dictionaries(
                    {
                        "next_dose_mcg": maybe(st.integers(1, 100)),
                        "decided_by": st.lists(solid_text(), max_size=3),
                        "reason": free_text(),
                        "notes": free_text(),
                    }
                )
            )
        )
        days.append(
            {
                "day": i + 1,
                "date": day_date.isoformat(),
                "assessments": assessments,
                "doses": doses,
                "adverse_events": events,
                "plan": plan,
            }
        )
    decided = datetime.combine(day_date, datetime.min.time()) + timedelta(hours=17)
    decision = draw(
        maybe(
            st.fixed_dictionaries(
                {
                    "outcome": st.sampled_from(["candidate", "not_candidate", "undecided"]),
                    "decided_at": maybe(st.just(_fmt(decided, offset))),
                    "decided_by": maybe(line_text()),
                    "rationale": free_text(),
                    "initial_daily_dose_mcg": maybe(st.integers(1, 1000)),
                }
            )
        )
    )
    trial = {
        "started_on": start.isoformat(),
        "mode": draw(st.sampled_from(["bolus", "continuous"])),
        "ladder": draw(st.sampled_from(["standard", "small_child"])),
        "mas_coding": draw(st.sampled_from(["cprn", "ordinal05"])),
        "region": draw(st.sampled_from(["lower", "upper", "all"])),
        "threshold": draw(number(0, 4, lo_open=True)),
        "schedule_hours": schedule,
        "catheter": {
            "placed_at": _fmt(placed, offset),
            "method": draw(st.sampled_from(["catheter", "lumbar_puncture"])),
            "level": draw(maybe(code_text())),
        },
        "goals": [
            {"id": gid, "text": draw(solid_text()), "baseline_gas": draw(maybe(st.integers(-2, 2)))}
            for gid in goal_ids
        ],
        "days": days,
        "decision": decision,
    }
    doc: dict[str, Any] = {"format": "itb-trial/1", "patient": patient, "trial": trial}
    # Optional keys may also be left out entirely.
    if not goal_ids and draw(st.booleans()):
        del trial["goals"]
    for obj, key in draw(st.lists(st.sampled_from(_OMITTABLE), max_size=4, unique=True)):
        target = doc["patient"] if obj == "patient" else doc["trial"]
        target.pop(key, None)
    return doc


_OMITTABLE = [
    ("patient", "given_name"),
    ("patient", "sex"),
    ("patient", "allergies"),
    ("trial", "mode"),
    ("trial", "ladder"),
    ("trial", "threshold"),
    ("trial", "schedule_hours"),
    ("trial", "decision"),
]


@st.composite
def _assessment(draw: st.DrawFn, at: datetime, offset: str | None, goal_ids: list[str]) -> dict[str, Any]:
    mas_pairs = draw(st.lists(st.sampled_from(_PAIRS), max_size=6, unique=True))
    tardieu_pairs = draw(st.lists(st.sampled_from(_PAIRS), max_size=3, unique=True))
    rom_pairs = draw(st.lists(st.sampled_from(_ROM_PAIRS), max_size=3, unique=True))
    frequency = draw(maybe(st.integers(0, 4)))
    severity = draw(maybe(st.integers(1, 3))) if frequency else None
    scale = draw(st.sampled_from(sorted(PAIN_SCORES)))
    return {
        "kind": draw(st.sampled_from(["baseline", "reassessment"])),
        "at": _fmt(at, offset),
        "assessor": draw(maybe(line_text())),
        "mas": [{"muscle": m, "side": s, "grade": draw(st.sampled_from(_GRADES))} for m, s in mas_pairs],
        "tardieu": [
            {
                "muscle": m,
                "side": s,
                "r1_deg": draw(maybe(number(-180, 180))),
                "r2_deg": draw(maybe(number(-180, 180))),
                "quality": draw(maybe(st.integers(0, 5))),
            }
            for m, s in tardieu_pairs
        ],
        "rom": [{"measure": m, "side": s, "deg": draw(number(-180, 180))} for m, s in rom_pairs],
        "function": draw(
            maybe(
                st.fixed_dictionaries(
                    {
                        "fms_5m": maybe(st.sampled_from(FMS_5M)),
                        "fms_50m": maybe(st.sampled_from(FMS_LONG)),
                        "fms_500m": maybe(st.sampled_from(FMS_LONG)),
                        "ten_m_walk_s": maybe(number(0, 600, lo_open=True)),
                        "tug_s": maybe(number(0, 600, lo_open=True)),
                        "six_min_walk_m": maybe(number(0, 1500)),
                        "gait_notes": free_text(),
                    }
                )
            )
        ),
        "penn_frequency": frequency,
        "penn_severity": severity,
        "pain": draw(maybe(st.just({"scale": scale, "score": draw(st.sampled_from(PAIN_SCORES[scale]))}))),
        "sedation_umss": draw(maybe(st.integers(0, 4))),
        "vitals": draw(
            maybe(
                st.fixed_dictionaries(
                    {
                        "hr": maybe(number(20, 260)),
                        "rr": maybe(number(4, 100)),
                        "spo2": maybe(number(50, 100)),
                        "sbp": maybe(number(30, 250)),
                        "dbp": maybe(number(15, 180)),
                        "temp_c": maybe(number(30, 44)),
                    }
                ).filter(_pressures_read_right)
            )
        ),
        "goals": [
            {"id": gid, "gas": draw(st.integers(-2, 2))}
            for gid in draw(st.lists(st.sampled_from(goal_ids), unique=True) if goal_ids else st.just([]))
        ],
        "notes": draw(free_text()),
    }


_PEOPLE = ["dr.lee", "rn.smith", "pt.jones", "Dr Ana Núñez", "ד״ר כהן", "د. أحمد"]


@st.composite
def _dose(draw: st.DrawFn, at: datetime, offset: str | None) -> dict[str, Any]:
    concentration = draw(st.sampled_from([50, 50, 500, 1000, 2000]))
    dose = draw(st.integers(1, 100).filter(lambda d: Decimal(d) / Decimal(concentration) >= Decimal("0.005")))
    volume = float((Decimal(dose) / Decimal(concentration)).quantize(Decimal("0.01"), ROUND_HALF_UP))
    given_by, checked_by = draw(st.lists(st.sampled_from(_PEOPLE), min_size=2, max_size=2, unique=True))
    codes = draw(
        st.lists(
            st.sampled_from(
                ["under_4_years", "within_24h", "concentration_not_screening", "second_dose_same_day"]
            ),
            unique=True,
            max_size=2,
        )
    )
    return {
        "given_at": _fmt(at, offset),
        "dose_mcg": dose,
        "concentration_mcg_per_ml": concentration,
        "volume_ml": volume,
        "via": draw(maybe(st.sampled_from(["catheter", "lumbar_puncture"]))),
        "lot": draw(maybe(code_text())),
        "given_by": draw(maybe(st.just(given_by))),
        "checked_by": draw(maybe(st.just(checked_by))),
        "warnings_acknowledged": [
            {"code": c, "reason": draw(solid_text()), "by": draw(maybe(st.sampled_from(_PEOPLE)))}
            for c in codes
        ],
    }
