"""De-identification (HIPAA Safe Harbor): what the scrubbed trial keeps, drops and replaces, and a scan of
every de-identified output (JSON, FHIR, REDCap) for every identifier, date and note of the demo patients.

The list of what must not appear is built here from the demo JSON files, independently of the code
under test; the same scan run on an identified export finds them (so the scan itself can fail).
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from tests.helpers import demo_json
from trialapp.domain.records import AcknowledgedWarning, AdverseEvent
from trialapp.interchange import redcap, redcap_dictionary
from trialapp.interchange.deidentify import (
    ANCHOR,
    DEID_FORMAT_ID,
    Pseudonyms,
    deidentified_json,
    find_leaks,
    hours_since,
    scrub,
)
from trialapp.interchange.fhir import deidentified_bundle, dumps_bundle, trial_bundle
from trialapp.interchange.trial_json import load_trial_document
from trialapp.services.demo import demo_files, demo_text

DEMOS = demo_files()
ROLE_WORDS = {"parent", "family", "mother", "father", "guardian"}


# ------------------------------------------------------------------------------ the scan (reusable)


def _dates_in(raw: Any) -> set[date]:
    found: set[date] = set()
    if isinstance(raw, dict):
        for value in raw.values():
            found |= _dates_in(value)
    elif isinstance(raw, list):
        for value in raw:
            found |= _dates_in(value)
    elif isinstance(raw, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}(T.*)?", raw):
        found.add(date.fromisoformat(raw[:10]))
    return found


def identifiers_of(raw: dict[str, Any]) -> dict[str, list[str]]:
    """What of a demo itb-trial/1 document must never appear in a de-identified file, by kind."""
    p = raw["patient"]
    t = raw["trial"]
    days = t["days"]
    people: set[str] = set()
    notes: list[str] = [p["diagnosis"], *p["allergies"], *(g["text"] for g in t["goals"])]
    lots: list[str] = []
    for d in days:
        for a in d["assessments"]:
            people.add(a["assessor"])
            notes += [a["notes"], (a["function"] or {}).get("gait_notes")]
        for x in d["doses"]:
            people |= {x["given_by"], x["checked_by"]}
            lots.append(x["lot"])
            for w in x["warnings_acknowledged"]:
                people.add(w["by"])
                notes.append(w["reason"])
        for e in d["adverse_events"]:
            notes += [e["notes"], e["action"]]
        if d["plan"]:
            people |= set(d["plan"]["decided_by"])
            notes += [d["plan"]["notes"], d["plan"]["reason"]]
    if t["decision"]:
        people.add(t["decision"]["decided_by"])
        notes.append(t["decision"]["rationale"])
    dates = _dates_in(raw)
    date_texts = (
        [f"{d:%Y-%m-%d}" for d in dates] + [f"{d:%d/%m/%Y}" for d in dates] + [f"{d:%m/%d/%Y}" for d in dates]
    )
    date_texts += [f"{d:%Y%m%d}" for d in dates]
    return {
        "names": [p["given_name"], p["family_name"], f"{p['given_name']} {p['family_name']}"],
        "mrn": [p["mrn"]],
        "dates": date_texts,
        "people": sorted(x for x in people if x and x.casefold() not in ROLE_WORDS),
        "lots": [x for x in lots if x],
        "notes": [x.strip() for x in notes if x and x.strip()],
    }


def find_identifiers(text: str, raw: dict[str, Any]) -> list[str]:
    """Every identifying string of ``raw`` found in ``text`` (names as whole words, any case)."""
    found = []
    folded = text.casefold()
    for kind, values in identifiers_of(raw).items():
        for value in values:
            if kind == "names":
                if re.search(rf"\b{re.escape(value)}\b", text, re.IGNORECASE):
                    found.append(f"{kind}: {value}")
            elif value.casefold() in folded:
                found.append(f"{kind}: {value}")
    return found


# ------------------------------------------------------------------------------------------ outputs


def deidentified_outputs(name: str) -> dict[str, str]:
    doc = load_trial_document(demo_text(name))
    deid = scrub(doc, study_id="SQ7K2M9XA", record_id="SQ7K2M9XA-1", pseudonyms=Pseudonyms())
    rows = redcap.trial_records(deid.doc, "", deid=deid)
    return {
        "json": json.dumps(deidentified_json(deid), ensure_ascii=False),
        "fhir": dumps_bundle(deidentified_bundle(deid, chain_head="ab" * 32)),
        "redcap": redcap.records_csv([rows], deidentified=True),
        "dictionary": redcap_dictionary.dictionary_csv(deidentified=True),
        "events": redcap.events_csv(rows.events),
    }


@pytest.mark.parametrize("name", DEMOS)
def test_no_identifier_date_or_note_of_the_demo_patients_survives(name) -> None:
    raw = demo_json(name)
    assert sum(len(v) for v in identifiers_of(raw).values()) > 20
    for kind, text in deidentified_outputs(name).items():
        assert find_identifiers(text, raw) == [], kind


def test_the_scan_finds_identifiers_in_an_identified_export() -> None:
    raw = demo_json("demo_small_child.json")
    doc = load_trial_document(demo_text("demo_small_child.json"))
    found = find_identifiers(dumps_bundle(trial_bundle(doc, "T1", tz=UTC)), raw)
    kinds = {f.split(":")[0] for f in found}
    assert kinds == {"names", "mrn", "dates", "people", "lots", "notes"}


def test_no_real_date_or_year_of_the_trial_appears_in_deidentified_outputs() -> None:
    raw = demo_json("demo_responder.json")
    years = {d.year for d in _dates_in(raw)}
    for kind, text in deidentified_outputs("demo_responder.json").items():
        for found in re.findall(r"\b((?:19|20)\d{2})-\d{2}-\d{2}", text):
            assert int(found) not in years, kind
            assert found == "2000", kind  # only the fictitious timeline


# -------------------------------------------------------------------------------------- pseudonyms


def test_pseudonyms_are_role_neutral_and_stable_within_an_export() -> None:
    people = Pseudonyms()
    assert people.label("dr.lee") == "clinician-1"
    assert people.label("rn.smith") == "clinician-2"
    assert people.label(" DR.LEE ") == "clinician-1"
    assert people.label("Parent") == "family" and people.label("mother") == "family"
    assert people.label(None) is None and people.label("  ") is None
    assert Pseudonyms().label("rn.smith") == "clinician-1"  # a new export numbers afresh


def test_a_clinician_keeps_one_pseudonym_across_the_trials_of_an_export() -> None:
    people = Pseudonyms()
    labels = {}
    for name in ("demo_responder.json", "demo_small_child.json"):  # both decided by dr.demo.lee
        deid = scrub(load_trial_document(demo_text(name)), study_id="S", record_id="S-1", pseudonyms=people)
        labels[name] = deidentified_json(deid)["trial"]["decision"]["decided_by"]
    assert labels["demo_responder.json"] == labels["demo_small_child.json"]
    assert re.fullmatch(r"clinician-\d+", labels["demo_responder.json"])


# ---------------------------------------------------------------------------------------- scrubbing


@pytest.fixture
def responder():
    return load_trial_document(demo_text("demo_responder.json"))


def test_scrub_keeps_the_clinical_values_and_drops_every_identifier(responder) -> None:
    deid = scrub(responder, study_id="SABC", record_id="SABC-1", pseudonyms=Pseudonyms())
    p = deid.doc.patient
    assert p.mrn == "SABC-1" and p.given_name is None and p.family_name is None and p.diagnosis is None
    assert p.allergies == () and p.weight_kg == responder.patient.weight_kg and p.gmfcs_level == 4
    t = deid.doc.trial
    assert [g.text for g in t.goals] == ["goal 1", "goal 2", "goal 3"]
    assert t.catheter.placed_at == ANCHOR and t.catheter.level == "L3-L4"
    for day, original in zip(t.days, responder.trial.days, strict=True):
        assert day.date - ANCHOR.date() == original.date - responder.trial.catheter.placed_at.date()
        for a, b in zip(day.assessments, original.assessments, strict=True):
            assert a.notes is None and (a.function is None or a.function.gait_notes is None)
            assert a.mas == b.mas and a.vitals == b.vitals
            assert a.at - ANCHOR == b.at - responder.trial.catheter.placed_at
        for x in day.doses:
            assert x.lot is None and all(w.reason == "" for w in x.warnings_acknowledged)
        assert all(e.notes is None and e.action is None for e in day.adverse_events)
        assert day.plan is not None and day.plan.notes is None and day.plan.reason is None
    assert t.decision is not None and t.decision.rationale is None
    assert deid.cerebral_palsy and deid.icd10 == "G80.0" and deid.age_years == 10 and deid.age_text == "10"


@pytest.mark.parametrize(
    ("born", "expected"),
    [
        (date(1936, 11, 3), "89"),
        (date(1936, 11, 2), "90+"),
        (date(1920, 5, 5), "90+"),
        (date(2023, 3, 15), "3"),
    ],
)
def test_ages_over_89_are_written_90_plus(responder, born, expected) -> None:
    doc = replace(responder, patient=replace(responder.patient, birth_date=born))  # placement 2026-11-02
    deid = scrub(doc, study_id="S1", record_id="S1-1", pseudonyms=Pseudonyms())
    assert deid.age_text == expected
    age = deidentified_json(deid)["patient"]["age_years"]
    assert age == (expected if expected == "90+" else int(expected))
    assert redcap.trial_records(deid.doc, "", deid=deid).rows[0]["age_years"] == expected


def test_free_text_in_coded_fields_is_dropped_or_replaced(responder) -> None:
    day = responder.trial.days[0]
    dose = replace(
        day.doses[0],
        via="left arm, Dr Who",
        warnings_acknowledged=(AcknowledgedWarning("called mum", "ok", "dr.x"),),
    )
    event = AdverseEvent(day.doses[0].given_at + timedelta(hours=1), "itchy toes (Dr Who)", "mild")
    days = (replace(day, doses=(dose,), adverse_events=(event,)), *responder.trial.days[1:])
    trial = replace(
        responder.trial, days=days, catheter=replace(responder.trial.catheter, level="L3-L4 by Dr Who")
    )
    deid = scrub(replace(responder, trial=trial), study_id="S", record_id="S-1", pseudonyms=Pseudonyms())
    d0 = deid.doc.trial.days[0]
    assert d0.doses[0].via is None
    assert d0.doses[0].warnings_acknowledged[0].code == "other"
    assert d0.adverse_events[0].kind == "other"
    assert deid.doc.trial.catheter.level is None
    assert "Who" not in json.dumps(deidentified_json(deid))


def test_the_deidentified_json_shape(responder) -> None:
    deid = scrub(responder, study_id="SABC", record_id="SABC-1", pseudonyms=Pseudonyms())
    data = deidentified_json(deid)
    assert data["format"] == DEID_FORMAT_ID and data["record_id"] == "SABC-1"
    assert data["patient"]["study_id"] == "SABC" and data["patient"]["diagnosis_icd10"] == "G80.0"
    forbidden = {
        "mrn",
        "given_name",
        "family_name",
        "birth_date",
        "diagnosis",
        "allergies",
        "notes",
        "gait_notes",
        "rationale",
        "reason",
        "action",
        "lot",
        "text",
        "date",
        "started_on",
        "at",
        "given_at",
        "placed_at",
        "decided_at",
    }

    def keys(node: Any) -> set[str]:
        if isinstance(node, dict):
            return set(node) | {k for v in node.values() for k in keys(v)}
        if isinstance(node, list):
            return {k for v in node for k in keys(v)}
        return set()

    assert keys(data) & forbidden == set()
    days = data["trial"]["days"]
    assert [d["days_since_placement"] for d in days] == [0, 1, 2]
    assert days[0]["doses"][0]["hours_since_placement"] == 1.33  # 09:00 − 07:40
    assert days[0]["assessments"][0]["hours_since_placement"] == 0.83  # 08:30 − 07:40
    assert days[1]["doses"][0]["hours_since_placement"] == 25.33
    assert days[0]["assessments"][0]["assessor"].startswith("clinician-")
    assert data["trial"]["goals"][0] == {"id": "g1", "label": "goal 1", "baseline_gas": -1}


def test_hours_since_handles_offsets() -> None:
    zero = datetime(2026, 11, 2, 7, 40)
    assert hours_since(zero, datetime(2026, 11, 2, 9, 0)) == 1.33
    aware = datetime(2026, 11, 2, 9, 0, tzinfo=timezone(timedelta(hours=2)))
    assert hours_since(aware, datetime(2026, 11, 2, 8, 0, tzinfo=timezone(timedelta(hours=1)))) == 0.0


# --------------------------------------------------------------------------------------- leak check


def test_find_leaks_names_the_kind_of_identifier_never_its_value(responder) -> None:
    clean = json.dumps(
        deidentified_json(scrub(responder, study_id="S", record_id="S-1", pseudonyms=Pseudonyms()))
    )
    assert find_leaks(clean, [(responder, "TABCDEFG")]) == []
    planted = clean + " DEMO-0001 2026-11-03 TABCDEFG " + responder.trial.decision.rationale
    found = find_leaks(planted, [(responder, "TABCDEFG")])
    assert set(found) == {"the MRN", "a date of the trial", "the trial id", "a free-text note"}
    assert not any("DEMO" in f or "2026" in f for f in found)
