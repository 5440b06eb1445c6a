"""Malformed itb-trial/1 documents: each is rejected with ALL its problems, at the right JSON paths, with
messages that say what to do."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.interchange.itb_docs import (
    A0,
    A1,
    D0,
    D1,
    DOSE0,
    DOSE1,
    NOW,
    problem_paths,
    says_what_to_do,
    small_doc,
)
from trialapp.interchange.trial_json import DocumentInvalid, parse_trial_document

Mutation = Callable[[dict[str, Any]], None]
Key = str | int


def _walk(doc: Any, keys: tuple[Key, ...]) -> Any:
    for key in keys:
        doc = doc[key]
    return doc


def put(*keys_and_value: Any) -> Mutation:
    """Set the value at a key path (last argument is the value)."""
    *keys, value = keys_and_value

    def apply(doc: dict[str, Any]) -> None:
        _walk(doc, tuple(keys[:-1]))[keys[-1]] = value

    return apply


def drop(*keys: Key) -> Mutation:
    def apply(doc: dict[str, Any]) -> None:
        del _walk(doc, tuple(keys[:-1]))[keys[-1]]

    return apply


def append(*keys_and_value: Any) -> Mutation:
    *keys, value = keys_and_value

    def apply(doc: dict[str, Any]) -> None:
        _walk(doc, tuple(keys)).append(value)

    return apply


def both(*mutations: Mutation) -> Mutation:
    def apply(doc: dict[str, Any]) -> None:
        for mutation in mutations:
            mutation(doc)

    return apply


P = "$.patient"
T = "$.trial"
DAY0 = ("trial", "days", 0)
ASS0 = (*DAY0, "assessments", 0)
ASS1 = (*DAY0, "assessments", 1)
DOSE = (*DAY0, "doses", 0)
MAS_ENTRY = {"muscle": "hip_adductors", "side": "left", "grade": "2"}

# (id, mutation, {path: [fragments the message must contain]}, parse keyword arguments)
CASES: list[tuple[str, Mutation, dict[str, list[str]], dict[str, Any]]] = [
    # -- format and document shape
    ("format-other-version", put("format", "itb-trial/2"), {"$.format": ["itb-trial/1", "version"]}, {}),
    ("format-missing", drop("format"), {"$.format": ["required"]}, {}),
    ("format-number", put("format", 1), {"$.format": ["itb-trial/1"]}, {}),
    ("patient-missing", drop("patient"), {P: ["required"]}, {}),
    ("patient-null", put("patient", None), {P: ["required"]}, {}),
    ("patient-list", put("patient", []), {P: ["object"]}, {}),
    ("trial-missing", drop("trial"), {T: ["required"]}, {}),
    # -- unknown keys, with suggestions
    ("unknown-top", put("comment", "x"), {"$.comment": ["unknown key", "Remove"]}, {}),
    (
        "unknown-dose-mg",
        put(*DOSE, "dose_mg", 50),
        {DOSE0 + ".dose_mg": ["did you mean 'dose_mcg'", "There is no mg field"]},
        {},
    ),
    (
        "unknown-typo",
        put("patient", "famly_name", "Demo"),
        {P + ".famly_name": ["did you mean 'family_name'"]},
        {},
    ),
    ("unknown-case", put("patient", "MRN", "X"), {P + ".MRN": ["did you mean 'mrn'"]}, {}),
    ("unknown-vitals", put(*ASS0, "vitals", "heart_rate", 90), {A0 + ".vitals.heart_rate": ["hr, rr"]}, {}),
    ("unknown-odd-key", put("trial", "two words", 1), {T + '["two words"]': ["unknown key"]}, {}),
    (
        "unknown-deep-keys-all-listed",
        both(put("trial", "catheter", "placed", "x"), put(*ASS1, "mas", 0, "grd", "1")),
        {T + ".catheter.placed": ["placed_at"], A1 + ".mas[0].grd": ["grade"]},
        {},
    ),
    # -- required values
    ("mrn-missing", drop("patient", "mrn"), {P + ".mrn": ["required", '"mrn": "A123456"']}, {}),
    ("mrn-blank", put("patient", "mrn", "   "), {P + ".mrn": ["required"]}, {}),
    ("birth-missing", drop("patient", "birth_date"), {P + ".birth_date": ["required"]}, {}),
    ("started-missing", drop("trial", "started_on"), {T + ".started_on": ["required"]}, {}),
    ("catheter-missing", drop("trial", "catheter"), {T + ".catheter": ["required"]}, {}),
    ("placed-missing", drop("trial", "catheter", "placed_at"), {T + ".catheter.placed_at": ["required"]}, {}),
    ("method-missing", drop("trial", "catheter", "method"), {T + ".catheter.method": ["required"]}, {}),
    ("days-missing", drop("trial", "days"), {T + ".days": ["required"]}, {}),
    ("days-empty", put("trial", "days", []), {T + ".days": ["at least one day"]}, {}),
    ("days-not-list", put("trial", "days", {}), {T + ".days": ["list"]}, {}),
    ("day-null", put("trial", "days", 1, None), {D1: ["null"]}, {}),
    ("day-number-missing", drop(*DAY0, "day"), {D0 + ".day": ["required"]}, {}),
    ("day-date-missing", drop(*DAY0, "date"), {D0 + ".date": ["required"]}, {}),
    ("assessment-kind-missing", drop(*ASS0, "kind"), {A0 + ".kind": ["required"]}, {}),
    ("assessment-at-missing", drop(*ASS0, "at"), {A0 + ".at": ["required"]}, {}),
    (
        "decision-outcome-missing",
        drop("trial", "decision", "outcome"),
        {T + ".decision.outcome": ["required"]},
        {},
    ),
    # -- types
    ("weight-quoted", put("patient", "weight_kg", "24.5"), {P + ".weight_kg": ["without quotes, 24.5"]}, {}),
    ("gmfcs-float", put("patient", "gmfcs_level", 4.0), {P + ".gmfcs_level": ["write 4"]}, {}),
    ("gmfcs-bool", put("patient", "gmfcs_level", True), {P + ".gmfcs_level": ["whole number", "true"]}, {}),
    ("hr-bool", put(*ASS0, "vitals", "hr", False), {A0 + ".vitals.hr": ["number"]}, {}),
    ("weight-nan", put("patient", "weight_kg", float("nan")), {P + ".weight_kg": ["finite"]}, {}),
    ("threshold-inf", put("trial", "threshold", float("inf")), {T + ".threshold": ["finite"]}, {}),
    ("allergies-string", put("patient", "allergies", "cefazolin"), {P + ".allergies": ["list", "[]"]}, {}),
    ("allergy-empty", put("patient", "allergies", ["cefazolin", " "]), {P + ".allergies[1]": ["empty"]}, {}),
    ("name-number", put("patient", "given_name", 7), {P + ".given_name": ["text", '"7"']}, {}),
    ("mas-not-list", put(*ASS0, "mas", {"muscle": "x"}), {A0 + ".mas": ["list"]}, {}),
    ("mas-item-null", put(*ASS0, "mas", [None]), {A0 + ".mas[0]": ["null"]}, {}),
    ("vitals-list", put(*ASS0, "vitals", [96]), {A0 + ".vitals": ["object"]}, {}),
    # -- enums
    ("sex-case", put("patient", "sex", "Female"), {P + ".sex": ['did you mean "female"']}, {}),
    ("tone-typo", put("patient", "tone_pattern", "spastik"), {P + ".tone_pattern": ['"spastic"']}, {}),
    ("language", put("patient", "language", "fr"), {P + ".language": ["en | es"]}, {}),
    ("mode", put("trial", "mode", "infusion"), {T + ".mode": ["bolus | continuous"]}, {}),
    ("ladder", put("trial", "ladder", "small"), {T + ".ladder": ["small_child"]}, {}),
    ("coding", put("trial", "mas_coding", "ordinal"), {T + ".mas_coding": ["ordinal05"]}, {}),
    ("region", put("trial", "region", "legs"), {T + ".region": ["lower | upper | all"]}, {}),
    ("method", put("trial", "catheter", "method", "LP"), {T + ".catheter.method": ["lumbar_puncture"]}, {}),
    ("kind", put(*ASS0, "kind", "pre"), {A0 + ".kind": ["baseline | reassessment"]}, {}),
    (
        "event-kind",
        put(*DAY0, "adverse_events", 0, "kind", "itching"),
        {D0 + ".adverse_events[0].kind": ["pruritus"]},
        {},
    ),
    (
        "event-severity",
        put(*DAY0, "adverse_events", 0, "severity", 2),
        {D0 + ".adverse_events[0].severity": ["mild"]},
        {},
    ),
    ("outcome", put("trial", "decision", "outcome", "yes"), {T + ".decision.outcome": ["candidate"]}, {}),
    ("via", put(*DOSE, "via", "iv"), {DOSE0 + ".via": ["catheter | lumbar_puncture"]}, {}),
    # -- muscles, sides, MAS
    (
        "muscle-typo",
        put(*ASS0, "mas", 0, "muscle", "hip_adductor"),
        {A0 + ".mas[0].muscle": ['"hip_adductors"']},
        {},
    ),
    ("side", put(*ASS0, "mas", 0, "side", "L"), {A0 + ".mas[0].side": ["left | right"]}, {}),
    ("grade-cprn-5", put(*ASS0, "mas", 0, "grade", "5"), {A0 + ".mas[0].grade": ["not assessed", "NT"]}, {}),
    ("grade-number-5", put(*ASS0, "mas", 0, "grade", 5), {A0 + ".mas[0].grade": ["not assessed", "NT"]}, {}),
    ("grade-number", put(*ASS0, "mas", 0, "grade", 2), {A0 + ".mas[0].grade": ['"2"']}, {}),
    ("grade-1.5", put(*ASS0, "mas", 0, "grade", "1.5"), {A0 + ".mas[0].grade": ["1+"]}, {}),
    ("grade-blank", put(*ASS0, "mas", 0, "grade", ""), {A0 + ".mas[0].grade": ["NT"]}, {}),
    ("grade-missing", drop(*ASS0, "mas", 0, "grade"), {A0 + ".mas[0].grade": ["required"]}, {}),
    (
        "mas-duplicate",
        append(*ASS0, "mas", dict(MAS_ENTRY)),
        {A0 + ".mas[2]": ["twice", "one entry per muscle and side"]},
        {},
    ),
    (
        "tardieu-duplicate",
        append(*ASS0, "tardieu", {"muscle": "knee_flexors", "side": "left", "r1_deg": 100}),
        {A0 + ".tardieu[1]": ["twice"]},
        {},
    ),
    # -- ranges
    ("tardieu-r1", put(*ASS0, "tardieu", 0, "r1_deg", 200), {A0 + ".tardieu[0].r1_deg": ["-180 to 180"]}, {}),
    ("tardieu-quality", put(*ASS0, "tardieu", 0, "quality", 6), {A0 + ".tardieu[0].quality": ["0 to 5"]}, {}),
    ("rom-deg", put(*ASS0, "rom", 0, "deg", -181), {A0 + ".rom[0].deg": ["-180 to 180"]}, {}),
    ("rom-deg-missing", drop(*ASS0, "rom", 0, "deg"), {A0 + ".rom[0].deg": ["required"]}, {}),
    (
        "rom-measure",
        put(*ASS0, "rom", 0, "measure", "popliteal"),
        {A0 + ".rom[0].measure": ["popliteal_angle"]},
        {},
    ),
    (
        "rom-duplicate",
        append(*ASS0, "rom", {"measure": "popliteal_angle", "side": "left", "deg": 50}),
        {A0 + ".rom[1]": ["twice"]},
        {},
    ),
    ("fms-50m-C", put(*ASS0, "function", "fms_50m", "C"), {A0 + ".function.fms_50m": ["5 m only"]}, {}),
    ("fms-number", put(*ASS0, "function", "fms_5m", 2), {A0 + ".function.fms_5m": ['"2"']}, {}),
    ("walk-negative", put(*ASS0, "function", "tug_s", -3), {A0 + ".function.tug_s": ["above 0"]}, {}),
    ("penn-frequency", put(*ASS0, "penn_frequency", 5), {A0 + ".penn_frequency": ["0 to 4"]}, {}),
    ("penn-severity-range", put(*ASS0, "penn_severity", 4), {A0 + ".penn_severity": ["1 to 3"]}, {}),
    (
        "penn-severity-without-spasms",
        put(*ASS0, "penn_frequency", 0),
        {A0 + ".penn_severity": ["only when spasms occur"]},
        {},
    ),
    (
        "penn-severity-without-frequency",
        drop(*ASS0, "penn_frequency"),
        {A0 + ".penn_severity": ["add penn_frequency"]},
        {},
    ),
    ("pain-wong-baker-odd", put(*ASS1, "pain", "score", 3), {A1 + ".pain.score": ["0, 2, 4, 6, 8, 10"]}, {}),
    ("pain-flacc-11", put(*ASS0, "pain", "score", 11), {A0 + ".pain.score": ["0 to 10"]}, {}),
    ("pain-scale", put(*ASS0, "pain", "scale", "faces"), {A0 + ".pain.scale": ["wong_baker"]}, {}),
    ("pain-score-missing", drop(*ASS0, "pain", "score"), {A0 + ".pain.score": ["required"]}, {}),
    ("umss", put(*ASS0, "sedation_umss", 5), {A0 + ".sedation_umss": ["0 to 4"]}, {}),
    (
        "vitals-several",
        both(
            put(*ASS0, "vitals", "spo2", 101),
            put(*ASS0, "vitals", "temp_c", 45),
            put(*ASS0, "vitals", "hr", 10),
        ),
        {
            A0 + ".vitals.spo2": ["50 to 100"],
            A0 + ".vitals.temp_c": ["30 to 44"],
            A0 + ".vitals.hr": ["20 to 260"],
        },
        {},
    ),
    ("weight-zero", put("patient", "weight_kg", 0), {P + ".weight_kg": ["above 0"]}, {}),
    ("weight-201", put("patient", "weight_kg", 201), {P + ".weight_kg": ["200 kg"]}, {}),
    ("height-29", put("patient", "height_cm", 29), {P + ".height_cm": ["30 to 250"]}, {}),
    ("gmfcs-0", put("patient", "gmfcs_level", 0), {P + ".gmfcs_level": ["1 to 5"]}, {}),
    ("threshold-0", put("trial", "threshold", 0), {T + ".threshold": ["above 0"]}, {}),
    ("threshold-5", put("trial", "threshold", 5), {T + ".threshold": ["to 4"]}, {}),
    (
        "schedule-repeat",
        put("trial", "schedule_hours", [1, 2, 2, 4]),
        {T + ".schedule_hours[2]": ["increase"]},
        {},
    ),
    (
        "schedule-range",
        put("trial", "schedule_hours", [0, 1, 25]),
        {T + ".schedule_hours[0]": ["above 0"], T + ".schedule_hours[2]": ["to 24"]},
        {},
    ),
    ("schedule-not-list", put("trial", "schedule_hours", 4), {T + ".schedule_hours": ["list"]}, {}),
    # -- goals
    (
        "goals-six",
        put("trial", "goals", [{"id": f"g{i}", "text": "t"} for i in range(1, 7)]),
        {T + ".goals": ["at most 5"]},
        {},
    ),
    (
        "goal-id-twice",
        append("trial", "goals", {"id": "g1", "text": "again"}),
        {T + ".goals[1].id": ["used twice"]},
        {},
    ),
    ("goal-gas", put(*ASS0, "goals", 0, "gas", 3), {A0 + ".goals[0].gas": ["-2 to 2"]}, {}),
    (
        "goal-baseline-gas",
        put("trial", "goals", 0, "baseline_gas", -3),
        {T + ".goals[0].baseline_gas": ["-2 to 2"]},
        {},
    ),
    ("goal-text-missing", drop("trial", "goals", 0, "text"), {T + ".goals[0].text": ["required"]}, {}),
    (
        "goal-unknown-id",
        put(*ASS0, "goals", 0, "id", "g9"),
        {A0 + ".goals[0].id": ["no goal has the id", "g1"]},
        {},
    ),
    (
        "goal-scored-twice",
        append(*ASS0, "goals", {"id": "g1", "gas": 0}),
        {A0 + ".goals[1].id": ["scored twice"]},
        {},
    ),
    # -- dates and times
    (
        "time-seconds",
        put(*ASS0, "at", "2026-11-02T08:30:00"),
        {A0 + ".at": ["without seconds", "2026-11-02T08:30"]},
        {},
    ),
    ("time-space", put(*ASS0, "at", "2026-11-02 08:30"), {A0 + ".at": ["put a T"]}, {}),
    ("time-date-only", put(*ASS0, "at", "2026-11-02"), {A0 + ".at": ["a time is needed"]}, {}),
    ("time-offset-bad", put(*ASS0, "at", "2026-11-02T08:30+15:00"), {A0 + ".at": ["-12:00 to +14:00"]}, {}),
    ("time-number", put(*ASS0, "at", 20261102), {A0 + ".at": ["YYYY-MM-DDTHH:MM"]}, {}),
    (
        "date-impossible",
        put("patient", "birth_date", "2016-02-30"),
        {P + ".birth_date": ["no such calendar date"]},
        {},
    ),
    ("date-compact", put("patient", "birth_date", "20160412"), {P + ".birth_date": ["YYYY-MM-DD"]}, {}),
    (
        "date-with-time",
        put("trial", "started_on", "2026-11-02T08:00"),
        {T + ".started_on": ["without a time"]},
        {},
    ),
    (
        "offset-mixed",
        put(*DOSE, "given_at", "2026-11-02T09:00+01:00"),
        {DOSE0 + ".given_at": ["has an offset", "none does"]},
        {},
    ),
    (
        "before-catheter",  # a reassessment (a baseline may precede the placement: revision 2)
        put(*ASS1, "at", "2026-11-02T07:00"),
        {A1 + ".at": ["before the catheter was placed", "07:40"]},
        {},
    ),
    (
        "future-time",
        put("trial", "decision", "decided_at", "2026-12-01T10:00"),
        {T + ".decision.decided_at": ["future"]},
        {},
    ),
    (
        "future-birth",
        put("patient", "birth_date", "2027-01-01"),
        {P + ".birth_date": ["future"]},  # also after the trial's start: same path
        {},
    ),
    (
        "future-with-now",
        lambda doc: None,
        {
            A1 + ".at": ["in the future"],
            D0 + ".adverse_events[0].at": ["in the future"],
            D1 + ".date": ["in the future"],
            DOSE1 + ".given_at": ["in the future"],
            T + ".decision.decided_at": ["in the future"],
        },
        {"now": NOW.replace(day=2, hour=12, minute=0)},
    ),
    ("day-number-gap", put("trial", "days", 1, "day", 3), {D1 + ".day": ["this is day 2"]}, {}),
    ("day-number-zero", put(*DAY0, "day", 0), {D0 + ".day": ["1 or more"]}, {}),
    (
        "day-date-repeat",
        put("trial", "days", 1, "date", "2026-11-02"),
        {D1 + ".date": ["after the previous day's date"]},
        {},
    ),
    (
        "day-before-start",
        put("trial", "started_on", "2026-11-03"),
        {D0 + ".date": ["before the trial's start"]},
        {},
    ),
    (
        "time-before-its-day",
        append(
            "trial",
            "days",
            1,
            "adverse_events",
            {"at": "2026-11-02T20:00", "kind": "headache", "severity": "mild"},
        ),
        {D1 + ".adverse_events[0].at": ["before this trial day's date"]},
        {},
    ),
    (
        "time-days-after-its-day",
        put(*ASS1, "at", "2026-11-05T13:00"),
        {A1 + ".at": ["more than a day after"]},
        {},
    ),
    # -- doses: structure first, then the domain's R8 errors
    ("dose-float", put(*DOSE, "dose_mcg", 50.0), {DOSE0 + ".dose_mcg": ["write 50", "whole micrograms"]}, {}),
    ("dose-fraction", put(*DOSE, "dose_mcg", 50.5), {DOSE0 + ".dose_mcg": ["whole number"]}, {}),
    ("dose-quoted", put(*DOSE, "dose_mcg", "50"), {DOSE0 + ".dose_mcg": ["without quotes"]}, {}),
    ("dose-missing", drop(*DOSE, "dose_mcg"), {DOSE0 + ".dose_mcg": ["required"]}, {}),
    ("dose-huge", put(*DOSE, "dose_mcg", 10**40), {DOSE0 + ".dose_mcg": ["implausibly large"]}, {}),
    (
        "concentration-float",
        put(*DOSE, "concentration_mcg_per_ml", 50.0),
        {DOSE0 + ".concentration_mcg_per_ml": ["write 50"]},
        {},
    ),
    ("volume-missing", drop(*DOSE, "volume_ml"), {DOSE0 + ".volume_ml": ["required"]}, {}),
    ("volume-zero", put(*DOSE, "volume_ml", 0), {DOSE0 + ".volume_ml": ["above 0"]}, {}),
    (
        "domain-above-maximum",
        both(put(*DOSE, "dose_mcg", 150), put(*DOSE, "volume_ml", 3.0)),
        {DOSE0: ["maximum"]},
        {},
    ),
    (
        "domain-two-errors",
        put(*DOSE, "dose_mcg", 150),  # above the maximum, and 1.0 mL no longer matches
        {DOSE0: ["maximum", "does not match"]},
        {},
    ),
    (
        "domain-concentration",
        both(put(*DOSE, "concentration_mcg_per_ml", 100), put(*DOSE, "volume_ml", 0.5)),
        {DOSE0: ["100 mcg/mL is not a strength"]},
        {},
    ),
    ("domain-volume", put(*DOSE, "volume_ml", 1.5), {DOSE0: ["does not match"]}, {}),
    ("domain-negative", put(*DOSE, "dose_mcg", -50), {DOSE0: ["above 0"]}, {}),
    ("domain-same-person", put(*DOSE, "checked_by", "Dr.Lee "), {DOSE0: ["same person"]}, {}),
    (
        "domain-second-dose",
        both(
            put("trial", "days", 1, "doses", 0, "dose_mcg", 150),
            put("trial", "days", 1, "doses", 0, "volume_ml", 3.0),
        ),
        {DOSE1: ["maximum"]},
        {},
    ),
    (
        "override-without-reason",
        both(
            put(*DOSE, "dose_mcg", 150),
            put(*DOSE, "volume_ml", 3.0),
            put(*DOSE, "warnings_acknowledged", [{"code": "above_maximum_override", "by": "dr.lee"}]),
        ),
        {DOSE0 + ".warnings_acknowledged[0].reason": ["required"]},
        {},
    ),
    (
        "ack-not-object",
        put(*DOSE, "warnings_acknowledged", ["under_4_years"]),
        {DOSE0 + ".warnings_acknowledged[0]": ["object", "code, reason, by"]},
        {},
    ),
    (
        "ack-reason-blank",
        put(*DOSE, "warnings_acknowledged", [{"code": "within_24h", "reason": " "}]),
        {DOSE0 + ".warnings_acknowledged[0].reason": ["required"]},
        {},
    ),
    (
        "ack-code-missing",
        put(*DOSE, "warnings_acknowledged", [{"reason": "ok"}]),
        {DOSE0 + ".warnings_acknowledged[0].code": ["required"]},
        {},
    ),
    (
        "ack-twice",
        put(
            *DOSE,
            "warnings_acknowledged",
            [{"code": "within_24h", "reason": "a"}, {"code": "within_24h", "reason": "b"}],
        ),
        {DOSE0 + ".warnings_acknowledged[1]": ["twice"]},
        {},
    ),
    (
        "ack-unknown-key",
        put(*DOSE, "warnings_acknowledged", [{"code": "x", "reason": "y", "who": "z"}]),
        {DOSE0 + ".warnings_acknowledged[0].who": ["unknown key 'who'", "code, reason, by"]},
        {},
    ),
    # -- plan and decision
    (
        "plan-dose-float",
        put(*DAY0, "plan", "next_dose_mcg", 75.0),
        {D0 + ".plan.next_dose_mcg": ["write 75"]},
        {},
    ),
    (
        "plan-dose-zero",
        put(*DAY0, "plan", "next_dose_mcg", 0),
        {D0 + ".plan.next_dose_mcg": ["1 mcg or more"]},
        {},
    ),
    (
        "plan-decided-by-string",
        put(*DAY0, "plan", "decided_by", "dr.lee"),
        {D0 + ".plan.decided_by": ["list"]},
        {},
    ),
    (
        "plan-decided-by-empty",
        put(*DAY0, "plan", "decided_by", ["dr.lee", ""]),
        {D0 + ".plan.decided_by[1]": ["empty"]},
        {},
    ),
    (
        "decision-daily-zero",
        put("trial", "decision", "initial_daily_dose_mcg", 0),
        {T + ".decision.initial_daily_dose_mcg": ["1 mcg/day or more"]},
        {},
    ),
    (
        "decision-daily-float",
        put("trial", "decision", "initial_daily_dose_mcg", 150.0),
        {T + ".decision.initial_daily_dose_mcg": ["write 150"]},
        {},
    ),
    # -- text
    ("control-char", put("patient", "mrn", "A12\x003"), {P + ".mrn": ["control character", "U+0000"]}, {}),
    ("newline-in-name", put("patient", "family_name", "De\nmo"), {P + ".family_name": ["only in notes"]}, {}),
    ("surrogate", put("patient", "given_name", "A\ud800"), {P + ".given_name": ["surrogate"]}, {}),
    ("zero-width-in-mrn", put("patient", "mrn", "A\u200b123"), {P + ".mrn": ["invisible"]}, {}),
    ("name-too-long", put("patient", "given_name", "x" * 201), {P + ".given_name": ["at most 200"]}, {}),
    ("notes-too-long", put(*ASS0, "notes", "x" * 10_001), {A0 + ".notes": ["at most 10000"]}, {}),
]


@pytest.mark.parametrize(
    ("mutation", "expected", "kwargs"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_malformed_document_lists_every_problem_at_its_path(
    mutation: Mutation, expected: dict[str, list[str]], kwargs: dict[str, Any]
) -> None:
    doc = small_doc()
    mutation(doc)
    with pytest.raises(DocumentInvalid) as info:
        parse_trial_document(doc, now=kwargs.get("now", NOW))
    problems = info.value.problems
    assert problem_paths(info.value) == set(expected), str(info.value)
    for path, fragments in expected.items():
        text = " | ".join(p.message for p in problems if p.path == path)
        for fragment in fragments:
            assert fragment in text, f"{path}: {fragment!r} not in {text!r}"
    for problem in problems:
        assert says_what_to_do(problem), problem


def test_the_small_document_is_valid() -> None:
    """The base of the malformed cases is itself valid (otherwise every case would pass trivially)."""
    parse_trial_document(small_doc(), now=NOW)


def test_many_problems_are_all_reported_at_once() -> None:
    doc = small_doc()
    doc["format"] = "itb-trial/0"
    doc["patient"]["mrn"] = ""
    doc["patient"]["weight_kg"] = 500
    doc["trial"]["ladder"] = "fast"
    doc["trial"]["days"][0]["doses"][0]["dose_mcg"] = 50.0
    doc["trial"]["days"][0]["assessments"][0]["mas"][1]["grade"] = "5"
    doc["trial"]["days"][0]["assessments"][1]["vitals"]["spo2"] = 40
    doc["trial"]["days"][1]["doses"][0]["volume_ml"] = 15
    doc["trial"]["days"][1]["extra"] = True
    doc["trial"]["decision"]["outcome"] = "maybe"
    with pytest.raises(DocumentInvalid) as info:
        parse_trial_document(doc, now=NOW)
    assert problem_paths(info.value) == {
        "$.format",
        P + ".mrn",
        P + ".weight_kg",
        T + ".ladder",
        DOSE0 + ".dose_mcg",
        A0 + ".mas[1].grade",
        A1 + ".vitals.spo2",
        DOSE1,
        D1 + ".extra",
        T + ".decision.outcome",
    }
    lines = str(info.value).splitlines()
    assert len(lines) == len(info.value.problems) == 10
    assert all(": " in line and line.startswith("$") for line in lines)


def test_override_with_a_reason_allows_a_dose_above_the_maximum() -> None:
    doc = small_doc()
    dose = doc["trial"]["days"][0]["doses"][0]
    dose.update(dose_mcg=150, volume_ml=3.0)
    dose["warnings_acknowledged"] = [
        {"code": "above_maximum_override", "reason": "Adult-size teenager; team agreed.", "by": "dr.lee"}
    ]
    parsed = parse_trial_document(doc, now=NOW)
    ack = parsed.trial.days[0].doses[0].warnings_acknowledged[0]
    assert (ack.code, ack.by) == ("above_maximum_override", "dr.lee")


def test_protocol_maximum_is_a_parameter() -> None:
    doc = small_doc()
    doc["trial"]["days"][0]["doses"][0].update(dose_mcg=150, volume_ml=3.0)
    with pytest.raises(DocumentInvalid):
        parse_trial_document(doc, now=NOW)
    parsed = parse_trial_document(doc, now=NOW, max_dose_mcg=200)
    assert parsed.trial.settings.max_dose_mcg == 200
    with pytest.raises(DocumentInvalid) as info:
        parse_trial_document(small_doc(), now=NOW, max_dose_mcg=60)  # day 2 gives 75 mcg
    assert problem_paths(info.value) == {DOSE1}


def test_top_level_must_be_an_object() -> None:
    for value in ([], "itb-trial/1", 3, None, True):
        with pytest.raises(DocumentInvalid) as info:
            parse_trial_document(value, now=NOW)
        assert problem_paths(info.value) == {"$"}
        assert "object" in info.value.problems[0].message


MALFORMED_DIR = Path(__file__).parent / "malformed"


@pytest.mark.parametrize("path", sorted(MALFORMED_DIR.glob("*.json")), ids=lambda p: p.stem)
def test_malformed_files(path: Path) -> None:
    """Each file holds {"expected_paths": [...], "document": {...}}; the document is rejected with exactly
    those paths."""
    case = json.loads(path.read_text(encoding="utf-8"))
    with pytest.raises(DocumentInvalid) as info:
        parse_trial_document(case["document"], now=NOW)
    assert problem_paths(info.value) == set(case["expected_paths"]), str(info.value)
    assert all(says_what_to_do(p) for p in info.value.problems), str(info.value)


def test_there_are_malformed_files() -> None:
    assert len(list(MALFORMED_DIR.glob("*.json"))) >= 3
