"""FHIR R4 export: every demo trial's bundle validates with the R4B models and our own checks, holds the
expected resources and links, and writes doses as UCUM ug shown as mcg, by the intrathecal route.

Expected counts and values are computed here from the demo JSON itself, never from the exporter.
"""

from __future__ import annotations

import copy
import re
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

from tests.helpers import demo_json
from trialapp.domain.vocabulary import OUTCOMES
from trialapp.interchange import fhir_codes as c
from trialapp.interchange.deidentify import Pseudonyms, scrub
from trialapp.interchange.fhir import (
    FhirExportError,
    deidentified_bundle,
    dumps_bundle,
    resource_counts,
    trial_bundle,
    validate_bundle,
)
from trialapp.interchange.fhir_checks import check_bundle
from trialapp.interchange.trial_json import load_trial_document
from trialapp.services.demo import demo_files, demo_text

TZ = timezone(timedelta(hours=1))
DEMOS = demo_files()


@pytest.fixture(scope="module")
def bundles() -> dict[str, dict[str, Any]]:
    return {
        name: trial_bundle(load_trial_document(demo_text(name)), f"TEST{i}", tz=TZ, chain_head="ab" * 32)
        for i, name in enumerate(DEMOS)
    }


def resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def codes(resource: dict[str, Any]) -> set[str]:
    return {x["code"] for x in resource.get("code", {}).get("coding", [])}


def observations(bundle: dict[str, Any], code: str) -> list[dict[str, Any]]:
    return [r for r in resources(bundle, "Observation") if code in codes(r)]


def by_url(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["fullUrl"]: e["resource"] for e in bundle["entry"]}


def local_time(text: str) -> str:
    """An itb-trial/1 time ("2026-11-02T09:00") as the bundle writes it in TZ."""
    return f"{text}:00+01:00"


def assessments(raw: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for d in raw["trial"]["days"] for a in d["assessments"]]


# ------------------------------------------------------------------------------------------ validity


@pytest.fixture(scope="module")
def small() -> dict[str, Any]:
    """Day 1 of the responder with its baseline and first reassessment only: quick to validate."""
    doc = load_trial_document(demo_text("demo_responder.json"))
    day = doc.trial.days[0]
    day = replace(day, assessments=day.assessments[:2])
    return trial_bundle(replace(doc, trial=replace(doc.trial, days=(day,))), "SMALL", tz=TZ)


@pytest.mark.parametrize("name", DEMOS)
def test_each_demo_bundle_validates_with_the_r4b_models_and_our_checks(bundles, name) -> None:
    bundle = bundles[name]
    parsed = Bundle.model_validate(bundle)  # raises on any model error
    assert parsed.type == "collection" and len(parsed.entry) == len(bundle["entry"])
    assert check_bundle(bundle) == []


def test_the_deidentified_bundle_validates_too() -> None:
    name = "demo_small_child.json"
    doc = load_trial_document(demo_text(name))
    deid = scrub(doc, study_id="SABCDEFGH", record_id="SABCDEFGH-1", pseudonyms=Pseudonyms())
    bundle = deidentified_bundle(deid, chain_head="cd" * 32)
    validate_bundle(bundle)
    for entry in bundle["entry"]:
        assert entry["resource"]["meta"]["security"][0]["code"] == "PSEUDED"
    (patient,) = resources(bundle, "Patient")
    assert "name" not in patient and "birthDate" not in patient
    assert patient["identifier"] == [{"system": c.STUDY_ID_SYSTEM, "value": "SABCDEFGH"}]
    (procedure,) = resources(bundle, "Procedure")
    assert procedure["performedDateTime"] == "2000-01-01T00:00:00+00:00"  # time zero
    raw = demo_json(name)
    placed = datetime.fromisoformat(raw["trial"]["catheter"]["placed_at"])
    first_dose = datetime.fromisoformat(raw["trial"]["days"][0]["doses"][0]["given_at"])
    dose_times = sorted(r["effectiveDateTime"] for r in resources(bundle, "MedicationAdministration"))
    expected = datetime(2000, 1, 1) + (first_dose - placed)
    assert dose_times[0] == expected.isoformat(timespec="seconds") + "+00:00"
    (age,) = observations(bundle, "age-at-trial")
    born = date.fromisoformat(raw["patient"]["birth_date"])
    years = placed.year - born.year - ((placed.month, placed.day) < (born.month, born.day))
    assert age["valueQuantity"]["value"] == years and age["valueQuantity"]["code"] == "a"


def test_building_twice_gives_the_same_bundle(bundles) -> None:
    name = DEMOS[0]
    again = trial_bundle(load_trial_document(demo_text(name)), "TEST0", tz=TZ, chain_head="ab" * 32)
    assert dumps_bundle(again) == dumps_bundle(bundles[name])


def test_the_audit_chain_head_is_in_the_bundle_meta(bundles) -> None:
    meta = bundles[DEMOS[0]]["meta"]
    assert meta["extension"] == [{"url": c.AUDIT_CHAIN_HEAD_EXTENSION, "valueString": "ab" * 32}]


# -------------------------------------------------------------------------------------- resource counts


@pytest.mark.parametrize("name", DEMOS)
def test_expected_resource_counts(bundles, name) -> None:
    raw = demo_json(name)
    trial = raw["trial"]
    days = trial["days"]
    counts = resource_counts(bundles[name])
    assert counts["Patient"] == 1
    assert counts["Condition"] == 1
    assert counts["EpisodeOfCare"] == 1
    assert counts["Procedure"] == 1
    assert counts["Encounter"] == len(days)
    assert counts["Goal"] == len(trial["goals"])
    assert counts["MedicationAdministration"] == sum(len(d["doses"]) for d in days)
    assert counts["AdverseEvent"] == sum(len(d["adverse_events"]) for d in days)


@pytest.mark.parametrize("name", DEMOS)
def test_one_observation_per_recorded_measure(bundles, name) -> None:
    raw = demo_json(name)
    bundle = bundles[name]
    every = assessments(raw)
    assert len(observations(bundle, c.MAS_SNOMED.code)) == sum(len(a["mas"]) for a in every)
    assert len(observations(bundle, "tardieu")) == sum(len(a["tardieu"]) for a in every)
    rom = [r for r in resources(bundle, "Observation") if any(k.startswith("rom-") for k in codes(r))]
    assert len(rom) == sum(len(a["rom"]) for a in every)
    vitals = [a["vitals"] for a in every if a["vitals"]]
    assert len(observations(bundle, "8867-4")) == sum(v["hr"] is not None for v in vitals)
    assert len(observations(bundle, "9279-1")) == sum(v["rr"] is not None for v in vitals)
    assert len(observations(bundle, "59408-5")) == sum(v["spo2"] is not None for v in vitals)
    assert len(observations(bundle, "8310-5")) == sum(v["temp_c"] is not None for v in vitals)
    assert len(observations(bundle, "85354-9")) == sum(
        v["sbp"] is not None or v["dbp"] is not None for v in vitals
    )
    assert len(observations(bundle, "umss")) == sum(a["sedation_umss"] is not None for a in every)
    assert len(observations(bundle, "gas")) == sum(len(a["goals"]) for a in every)
    fms = sum(
        a["function"][k] is not None
        for a in every
        if a["function"]
        for k in ("fms_5m", "fms_50m", "fms_500m")
    )
    assert sum(len(observations(bundle, k)) for k in ("fms-5m", "fms-50m", "fms-500m")) == fms
    panels = observations(bundle, "itb-baseline-assessment") + observations(bundle, "itb-reassessment")
    assert len(panels) == len(every)
    assert len(observations(bundle, "itb-day-response")) == sum(1 for d in raw["trial"]["days"] if d["doses"])
    assert len(observations(bundle, "itb-next-dose-plan")) == sum(
        1 for d in raw["trial"]["days"] if d["plan"]
    )
    assert len(observations(bundle, "itb-candidacy-decision")) == 1
    assert len(observations(bundle, "29463-7")) == 1  # weight


# ------------------------------------------------------------------------------------------- doses


@pytest.mark.parametrize("name", DEMOS)
def test_doses_are_ucum_ug_shown_as_mcg_by_the_intrathecal_route(bundles, name) -> None:
    raw = demo_json(name)
    given = [x for d in raw["trial"]["days"] for x in d["doses"]]
    admins = sorted(
        resources(bundles[name], "MedicationAdministration"), key=lambda r: r["effectiveDateTime"]
    )
    assert len(admins) == len(given)
    for admin, dose in zip(admins, given, strict=True):
        assert admin["effectiveDateTime"] == local_time(dose["given_at"])
        assert admin["dosage"]["dose"] == {
            "value": dose["dose_mcg"],
            "unit": "mcg",
            "system": "http://unitsofmeasure.org",
            "code": "ug",
        }
        route = admin["dosage"]["route"]["coding"]
        assert {"system": "http://snomed.info/sct", "code": "72607000"} in [
            {"system": x["system"], "code": x["code"]} for x in route
        ]
        assert f"{dose['dose_mcg']} mcg" in admin["dosage"]["text"]
        (medication,) = admin["contained"]
        strength = medication["ingredient"][0]["strength"]
        assert strength["numerator"]["value"] == dose["concentration_mcg_per_ml"]
        assert strength["numerator"]["code"] == "ug" and strength["denominator"]["code"] == "mL"
        assert medication["code"]["coding"][0]["code"] == "1292"  # RxNorm baclofen
        roles = {p["function"]["coding"][0]["code"]: p["actor"]["display"] for p in admin["performer"]}
        assert roles == {"performer": dose["given_by"], "verifier": dose["checked_by"]}
    text = dumps_bundle(bundles[name])
    assert "µg" not in text and "μg" not in text and '"mg"' not in text


def test_acknowledged_warnings_are_coded_on_the_administration(bundles) -> None:
    raw = demo_json("demo_small_child.json")
    admins = resources(bundles["demo_small_child.json"], "MedicationAdministration")
    expected = sorted(
        w["code"] for d in raw["trial"]["days"] for x in d["doses"] for w in x["warnings_acknowledged"]
    )
    found = sorted(e["valueCoding"]["code"] for a in admins for e in a.get("extension", []))
    assert found == expected and expected  # the small child's under-4 warnings


# ------------------------------------------------------------------------------------------- links


@pytest.mark.parametrize("name", DEMOS)
def test_every_reference_resolves_inside_the_bundle(bundles, name) -> None:
    urls = set(by_url(bundles[name]))
    found = 0

    def walk(node: Any) -> None:
        nonlocal found
        if isinstance(node, dict):
            ref = node.get("reference")
            if isinstance(ref, str) and ref.startswith("urn:uuid:"):
                found += 1
                assert ref in urls
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(bundles[name])
    assert found > 100


def test_reassessments_are_part_of_the_days_dose_and_baselines_are_not(bundles) -> None:
    name = "demo_responder.json"
    raw = demo_json(name)
    bundle = bundles[name]
    index = by_url(bundle)
    for day in raw["trial"]["days"]:
        dose_time = local_time(day["doses"][0]["given_at"])
        for a in day["assessments"]:
            panel_code = "itb-baseline-assessment" if a["kind"] == "baseline" else "itb-reassessment"
            (panel,) = [
                p for p in observations(bundle, panel_code) if p["effectiveDateTime"] == local_time(a["at"])
            ]
            members = [index[m["reference"]] for m in panel["hasMember"]]
            assert len([m for m in members if c.MAS_SNOMED.code in codes(m)]) == len(a["mas"])
            if a["kind"] == "baseline":
                assert "partOf" not in panel and all("partOf" not in m for m in members)
            else:
                dose = index[panel["partOf"][0]["reference"]]
                assert dose["resourceType"] == "MedicationAdministration"
                assert dose["effectiveDateTime"] == dose_time
                assert all(m["partOf"] == panel["partOf"] for m in members)


def test_reductions_derive_from_the_baseline_and_the_reassessment(bundles) -> None:
    bundle = bundles["demo_responder.json"]
    index = by_url(bundle)
    reductions = observations(bundle, "mas-mean-reduction")
    # Day 2 of the responder: 0.5, 0.75, 1.25, 1.0, 0.5 at 1, 2, 4, 6, 8 h (demo README).
    day2 = sorted(
        (r for r in reductions if r["effectiveDateTime"].startswith("2026-11-03")),
        key=lambda r: r["effectiveDateTime"],
    )
    assert [r["valueQuantity"]["value"] for r in day2] == [0.5, 0.75, 1.25, 1, 0.5]
    for r in day2:
        sources = [index[x["reference"]] for x in r["derivedFrom"]]
        assert [codes(s) for s in sources] == [{"itb-baseline-assessment"}, {"itb-reassessment"}]
        assert sources[1]["effectiveDateTime"] == r["effectiveDateTime"]
        assert index[r["partOf"][0]["reference"]]["resourceType"] == "MedicationAdministration"
    responses = {r["effectiveDateTime"][:10]: r for r in observations(bundle, "itb-day-response")}
    assert responses["2026-11-03"]["valueBoolean"] is True
    assert responses["2026-11-02"]["valueBoolean"] is False
    assert {x["reference"] for x in responses["2026-11-03"]["derivedFrom"]} == {
        f"urn:uuid:{r['id']}" for r in day2
    }


def test_the_decision_derives_from_the_day_responses(bundles) -> None:
    raw = demo_json("demo_responder.json")
    bundle = bundles["demo_responder.json"]
    (decision,) = observations(bundle, "itb-candidacy-decision")
    assert decision["valueCodeableConcept"]["coding"][0]["code"] == raw["trial"]["decision"]["outcome"]
    assert decision["effectiveDateTime"] == local_time(raw["trial"]["decision"]["decided_at"])
    assert decision["performer"][0]["display"] == raw["trial"]["decision"]["decided_by"]
    dose = next(p for p in decision["component"] if "initial-daily-dose" in codes(p))["valueQuantity"]
    assert dose == {"value": 150, "unit": "mcg/day", "system": "http://unitsofmeasure.org", "code": "ug/d"}
    responses = {f"urn:uuid:{r['id']}" for r in observations(bundle, "itb-day-response")}
    assert {x["reference"] for x in decision["derivedFrom"]} == responses
    assert decision["note"][0]["text"] == raw["trial"]["decision"]["rationale"]


def test_an_adverse_event_suspects_the_dose_given_before_it(bundles) -> None:
    raw = demo_json("demo_small_child.json")
    bundle = bundles["demo_small_child.json"]
    index = by_url(bundle)
    (event,) = resources(bundle, "AdverseEvent")
    (source,) = [e for d in raw["trial"]["days"] for e in d["adverse_events"]]
    assert event["date"] == local_time(source["at"])
    assert event["severity"]["coding"][0]["code"] == source["severity"]
    assert event["event"]["coding"][0]["code"] == source["kind"]
    suspect = index[event["suspectEntity"][0]["instance"]["reference"]]
    assert suspect["effectiveDateTime"] == local_time(raw["trial"]["days"][1]["doses"][0]["given_at"])
    encounter = index[event["encounter"]["reference"]]
    assert encounter["type"][0]["text"] == "ITB trial day 2"


def test_mas_observations_carry_the_muscle_and_its_laterality(bundles) -> None:
    raw = demo_json("demo_responder.json")
    bundle = bundles["demo_responder.json"]
    baseline = raw["trial"]["days"][0]["assessments"][0]
    mas = [
        o
        for o in observations(bundle, c.MAS_SNOMED.code)
        if o["effectiveDateTime"] == local_time(baseline["at"])
    ]
    seen = []
    for o in mas:
        site = o["bodySite"]
        (laterality,) = site["extension"]
        assert laterality["url"] == c.LATERALITY_EXTENSION
        side = {"7771000": "left", "24028007": "right"}[
            laterality["valueCodeableConcept"]["coding"][0]["code"]
        ]
        muscle = site["coding"][0]["code"]
        grade = o["valueCodeableConcept"]["coding"][0]["code"] if "valueCodeableConcept" in o else "NT"
        if grade == "NT":
            assert o["dataAbsentReason"]["coding"][0]["code"] == "not-performed"
        seen.append({"muscle": muscle, "side": side, "grade": grade})
    assert seen == baseline["mas"]


def test_times_without_an_offset_are_read_in_the_given_zone_and_offsets_are_kept() -> None:
    doc = load_trial_document(demo_text("demo_responder.json"))
    other = trial_bundle(doc, "X", tz=timezone(timedelta(hours=-5)))
    (procedure,) = resources(other, "Procedure")
    assert procedure["performedDateTime"] == "2026-11-02T07:40:00-05:00"
    # A document whose times all carry an offset keeps them, whatever the export's zone.
    text = re.sub(r'"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})"', r'"\1+02:00"', demo_text("demo_responder.json"))
    aware = trial_bundle(load_trial_document(text), "X", tz=TZ)
    (procedure,) = resources(aware, "Procedure")
    assert procedure["performedDateTime"] == "2026-11-02T07:40:00+02:00"
    assert all(
        r["effectiveDateTime"].endswith("+02:00") for r in resources(aware, "MedicationAdministration")
    )


def test_identified_bundle_names_the_patient_and_the_condition(bundles) -> None:
    raw = demo_json("demo_responder.json")
    bundle = bundles["demo_responder.json"]
    (patient,) = resources(bundle, "Patient")
    assert patient["identifier"][0]["value"] == raw["patient"]["mrn"]
    assert patient["name"][0] == {"use": "official", "family": "Demo", "given": ["Alex"]}
    assert patient["birthDate"] == raw["patient"]["birth_date"] and patient["gender"] == "female"
    (condition,) = resources(bundle, "Condition")
    assert {(x["system"], x["code"]) for x in condition["code"]["coding"]} == {
        ("http://snomed.info/sct", "128188000"),
        ("http://hl7.org/fhir/sid/icd-10-cm", "G80.0"),
    }
    assert condition["code"]["text"] == raw["patient"]["diagnosis"]


# ------------------------------------------------------------------------------ cerebral palsy codes


@pytest.mark.parametrize(
    ("diagnosis", "tone", "expected"),
    [
        ("Spastic quadriplegic cerebral palsy", "spastic", "G80.0"),
        ("spastic tetraplegic CP", None, "G80.0"),
        ("Spastic diplegic cerebral palsy", "spastic", "G80.1"),
        ("Right hemiplegic cerebral palsy", None, "G80.2"),
        ("Dyskinetic (dystonic) cerebral palsy", "dystonic", "G80.3"),
        ("Ataxic cerebral palsy", None, "G80.4"),
        ("Spastic diplegic cerebral palsy with dystonic features", "mixed", "G80.8"),
        ("Mixed cerebral palsy", None, "G80.8"),
        ("Cerebral palsy", None, "G80.9"),
        ("Cerebral palsy, diplegic and hemiplegic features", None, "G80.9"),
    ],
)
def test_cerebral_palsy_is_coded_when_the_text_is_clear(diagnosis, tone, expected) -> None:
    coded = c.classify_cerebral_palsy(diagnosis, tone)
    assert coded.cerebral_palsy and coded.icd10 is not None and coded.icd10.code == expected


@pytest.mark.parametrize(
    "diagnosis", [None, "", "Acquired brain injury", "spastic diplegia", "cp angle tumour"]
)
def test_other_diagnoses_are_not_coded_as_cerebral_palsy(diagnosis) -> None:
    coded = c.classify_cerebral_palsy(diagnosis, "spastic")
    assert not coded.cerebral_palsy and coded.icd10 is None


def test_a_diagnosis_that_is_not_cerebral_palsy_keeps_its_text_without_codes() -> None:
    doc = load_trial_document(demo_text("demo_responder.json"))
    bundle = trial_bundle(
        replace(doc, patient=replace(doc.patient, diagnosis="Acquired brain injury")), "X", tz=TZ
    )
    assert check_bundle(bundle) == []
    (condition,) = resources(bundle, "Condition")
    assert condition["code"] == {"text": "Acquired brain injury"}


# ------------------------------------------------------------------------------------- our own checks


def test_decision_outcome_codes_cover_the_format() -> None:
    assert set(c.DECISION_OUTCOMES) == set(OUTCOMES)


def _first(bundle: dict[str, Any], kind: str) -> dict[str, Any]:
    return resources(bundle, kind)[0]


MUTATIONS = {
    "dose in mg": lambda b: _first(b, "MedicationAdministration")["dosage"]["dose"].update(
        code="mg", unit="mg"
    ),
    "dose shown as µg": lambda b: _first(b, "MedicationAdministration")["dosage"]["dose"].update(unit="µg"),
    "dose not whole": lambda b: _first(b, "MedicationAdministration")["dosage"]["dose"].update(value=50.5),
    "route not intrathecal": lambda b: _first(b, "MedicationAdministration")["dosage"]["route"]["coding"][
        0
    ].update(code="26643006"),
    "unknown local code": lambda b: _first(b, "Observation")["code"]["coding"][0].update(code="made-up"),
    "unknown MAS grade": lambda b: observations(b, c.MAS_SNOMED.code)[0]["valueCodeableConcept"]["coding"][
        0
    ].update(code="5"),
    "status not in the value set": lambda b: _first(b, "Observation").update(status="done"),
    "dangling reference": lambda b: _first(b, "Observation")["subject"].update(
        reference="urn:uuid:" + "0" * 8 + "-0000-0000-0000-" + "0" * 12
    ),
    "value and absent reason": lambda b: observations(b, "8867-4")[0].update(
        dataAbsentReason=c.UNKNOWN.concept()
    ),
    "unit text mismatch": lambda b: observations(b, "8867-4")[0]["valueQuantity"].update(unit="bpm"),
    "missing contained medication": lambda b: _first(b, "MedicationAdministration").update(contained=[]),
}


@pytest.mark.parametrize("what", sorted(MUTATIONS))
def test_our_checks_catch_what_the_models_let_through(small, what) -> None:
    assert check_bundle(small) == []
    broken = copy.deepcopy(small)
    MUTATIONS[what](broken)
    assert check_bundle(broken), what


def test_validation_fails_on_our_checks_even_when_the_models_pass(small) -> None:
    validate_bundle(small)
    broken = copy.deepcopy(small)
    MUTATIONS["dose in mg"](broken)
    Bundle.model_validate(broken)  # the models accept a dose in mg
    with pytest.raises(FhirExportError) as info:
        validate_bundle(broken)
    assert any("ug" in p for p in info.value.problems)


def test_model_errors_are_reported_with_their_place(small) -> None:
    broken = copy.deepcopy(small)
    del _first(broken, "Observation")["code"]
    with pytest.raises(FhirExportError) as info:
        validate_bundle(broken)
    assert any("code" in p for p in info.value.problems)


def test_a_trial_in_progress_exports_too() -> None:
    """Day 1 with only its baseline: no dose yet, no plan, no decision."""
    doc = load_trial_document(demo_text("demo_responder.json"))
    day = replace(
        doc.trial.days[0],
        assessments=doc.trial.days[0].assessments[:1],
        doses=(),
        adverse_events=(),
        plan=None,
    )
    bundle = trial_bundle(replace(doc, trial=replace(doc.trial, days=(day,), decision=None)), "T", tz=TZ)
    validate_bundle(bundle)
    counts = resource_counts(bundle)
    assert "MedicationAdministration" not in counts and "AdverseEvent" not in counts
    (episode,) = resources(bundle, "EpisodeOfCare")
    (encounter,) = resources(bundle, "Encounter")
    assert episode["status"] == "active" and encounter["status"] == "in-progress"
    assert (
        observations(bundle, "itb-candidacy-decision") == []
        and observations(bundle, "itb-day-response") == []
    )
