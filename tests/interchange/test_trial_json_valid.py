"""Valid itb-trial/1 documents: what they parse to, the exact export shape, round trips, the demo trials."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from tests.interchange.itb_docs import DEMO_FILES, NOW, demo_data, demo_text, small_doc
from trialapp.domain.records import (
    AcknowledgedWarning,
    Catheter,
    Day,
    Dose,
    Patient,
    ProtocolSettings,
    Trial,
    TrialDocument,
)
from trialapp.interchange.trial_json import (
    KEY_ORDER,
    DocumentInvalid,
    Problem,
    load_trial_document,
    parse_trial_document,
)
from trialapp.interchange.trial_json_export import document_to_json, dumps_trial_document


def _key_orders(value: Any, kind: str, seen: list[tuple[str, tuple[str, ...]]]) -> None:
    """Collect (kind, keys) for every object of the exported tree, following the format's nesting."""
    nested = {
        "document": {"patient": "patient", "trial": "trial"},
        "trial": {"catheter": "catheter", "goals": "goal", "days": "day", "decision": "decision"},
        "day": {
            "assessments": "assessment",
            "doses": "dose",
            "adverse_events": "adverse_event",
            "plan": "plan",
        },
        "assessment": {
            "mas": "mas",
            "tardieu": "tardieu",
            "rom": "rom",
            "function": "function",
            "pain": "pain",
            "vitals": "vitals",
            "goals": "goal_score",
        },
        "dose": {"warnings_acknowledged": "warning_acknowledged"},
    }
    if value is None:
        return
    seen.append((kind, tuple(value)))
    for key, child_kind in nested.get(kind, {}).items():
        child = value[key]
        for item in child if isinstance(child, list) else [child]:
            _key_orders(item, child_kind, seen)


@pytest.mark.parametrize("name", DEMO_FILES)
def test_demo_files_are_valid_and_already_in_export_form(name: str) -> None:
    """Each bundled demo is a fixed point: load then dump gives back its exact text."""
    text = demo_text(name)
    doc = load_trial_document(text, now=NOW)
    assert dumps_trial_document(doc) == text
    assert load_trial_document(text.encode("utf-8"), now=NOW) == doc


@pytest.mark.parametrize("name", DEMO_FILES)
def test_export_writes_every_key_in_the_format_order(name: str) -> None:
    exported = document_to_json(load_trial_document(demo_text(name), now=NOW))
    seen: list[tuple[str, tuple[str, ...]]] = []
    _key_orders(exported, "document", seen)
    kinds = {kind for kind, _ in seen}
    assert kinds >= {"patient", "trial", "catheter", "goal", "day", "assessment", "mas", "tardieu", "rom"}
    assert kinds >= {"function", "pain", "vitals", "goal_score", "dose", "adverse_event", "plan", "decision"}
    for kind, keys in seen:
        assert keys == KEY_ORDER[kind], kind


def test_demo_patients_are_marked_synthetic() -> None:
    for name in DEMO_FILES:
        patient = demo_data(name)["patient"]
        assert patient["family_name"] == "Demo"
        assert patient["mrn"].startswith("DEMO-")
        assert "synthetic" in patient["diagnosis"]


@pytest.mark.parametrize("name", DEMO_FILES)
def test_demo_trials_have_full_three_day_records(name: str) -> None:
    doc = load_trial_document(demo_text(name), now=NOW)
    trial = doc.trial
    assert [d.day for d in trial.days] == [1, 2, 3]
    assert all(date(2026, 10, 1) <= d.date <= date(2026, 11, 22) for d in trial.days)
    assert trial.goals and trial.decision is not None
    events = [e for d in trial.days for e in d.adverse_events]
    assert events
    if name != "demo_small_child.json":  # the small child's story is a moderate (significant) event
        assert any(e.severity == "mild" for e in events)
    for day in trial.days:
        assert len(day.doses) == 1 and day.plan is not None
        dose_at = day.doses[0].given_at
        kinds = [(a.kind, (a.at - dose_at) / timedelta(hours=1)) for a in day.assessments]
        assert kinds == [("baseline", -0.5)] + [("reassessment", h) for h in (1, 2, 4, 6, 8)]
        for a in day.assessments:
            assert {(m.muscle, m.side) for m in a.mas} == {
                (m, s)
                for m in (
                    "hip_flexors",
                    "hip_adductors",
                    "hip_extensors",
                    "hip_internal_rotators",
                    "knee_flexors",
                    "knee_extensors",
                    "ankle_plantarflexors_gastrocnemius",
                    "ankle_plantarflexors_soleus",
                )
                for s in ("left", "right")
            }
            assert any(m.grade == "NT" for m in a.mas)
            assert a.tardieu and a.vitals is not None and a.pain is not None and a.sedation_umss is not None
        baseline = day.assessments[0]
        assert baseline.rom and baseline.function is not None and baseline.goals


def _summary(name: str) -> dict[str, Any]:
    summary = pytest.importorskip("trialapp.domain.summary")
    doc = load_trial_document(demo_text(name), now=NOW)
    result: dict[str, Any] = summary.summary_to_json(summary.summarize_trial(doc.trial), "demo")
    return result


def test_demo_responder_summary_tells_the_intended_story() -> None:
    s = _summary("demo_responder.json")
    day1, day2, day3 = s["days"]
    assert (day1["dose_mcg"], day1["responder"], day1["peak_reduction"], day1["peak_hours"]) == (
        50,
        False,
        0.75,
        4.0,
    )
    assert (day2["dose_mcg"], day2["responder"], day2["peak_reduction"], day2["peak_hours"]) == (
        75,
        True,
        1.25,
        4.0,
    )
    assert (day2["effect_hours"], day2["effect_censored"], day2["effect_over_8h"]) == (6.0, False, False)
    assert [r["reduction"] for r in day2["reassessments"]] == [0.5, 0.75, 1.25, 1.0, 0.5]
    assert [r["hours"] for r in day2["reassessments"]] == [1.0, 2.0, 4.0, 6.0, 8.0]
    assert (day3["dose_mcg"], day3["responder"]) == (75, True)
    assert (s["recommended_daily_dose_mcg"], s["basis"]) == (150, "twice the screening dose")
    decision = demo_data("demo_responder.json")["trial"]["decision"]
    assert (decision["outcome"], decision["initial_daily_dose_mcg"]) == ("candidate", 150)


def test_demo_nonresponder_summary_never_reaches_the_threshold() -> None:
    s = _summary("demo_nonresponder.json")
    assert [d["dose_mcg"] for d in s["days"]] == [50, 75, 100]
    assert [d["responder"] for d in s["days"]] == [False, False, False]
    assert max(d["peak_reduction"] for d in s["days"]) < 1.0
    assert s["recommended_daily_dose_mcg"] is None
    assert s["note"] is not None and "100 mcg" in s["note"]
    assert demo_data("demo_nonresponder.json")["trial"]["decision"]["outcome"] == "not_candidate"


def test_demo_small_child_summary() -> None:
    s = _summary("demo_small_child.json")
    assert [d["dose_mcg"] for d in s["days"]] == [25, 50, 25]
    assert [d["responder"] for d in s["days"]] == [False, True, False]
    assert s["days"][1]["significant_adverse_effect"] is True
    assert (s["recommended_daily_dose_mcg"], s["basis"]) == (50, "screening dose (adverse effects)")
    assert demo_data("demo_small_child.json")["trial"]["ladder"] == "small_child"


def test_small_document_parses_to_the_expected_records() -> None:
    doc = parse_trial_document(small_doc(), now=NOW)
    p = doc.patient
    assert (p.mrn, p.birth_date, p.weight_kg, p.height_cm, p.allergies) == (
        "DEMO-T001",
        date(2016, 4, 12),
        24.5,
        121,
        ("cefazolin",),
    )
    t = doc.trial
    assert t.settings == ProtocolSettings()
    assert t.catheter == Catheter(datetime(2026, 11, 2, 7, 40), "catheter", "L3-L4")
    baseline, reassessment = t.days[0].assessments
    assert baseline.notes is None  # "" means not recorded
    assert baseline.function is not None and baseline.function.gait_notes is None
    assert [m.grade for m in reassessment.mas] == ["1", "NT"]
    assert reassessment.function is None and reassessment.mas[1].grade == "NT"
    assert t.days[0].doses[0] == Dose(
        given_at=datetime(2026, 11, 2, 9, 0),
        dose_mcg=50,
        concentration_mcg_per_ml=50,
        volume_ml=1.0,
        via="catheter",
        lot="L2291",
        given_by="dr.lee",
        checked_by="rn.smith",
    )
    assert t.days[1].plan is None
    assert t.decision is not None and t.decision.initial_daily_dose_mcg == 150


def test_strings_are_trimmed_and_empty_means_absent() -> None:
    doc = small_doc()
    doc["patient"]["given_name"] = "  Test \t"
    doc["patient"]["family_name"] = "   "
    doc["patient"]["sex"] = " female "
    doc["trial"]["days"][0]["assessments"][0]["mas"][0]["grade"] = " 1+ "
    parsed = parse_trial_document(doc, now=NOW)
    assert (parsed.patient.given_name, parsed.patient.family_name, parsed.patient.sex) == (
        "Test",
        None,
        "female",
    )
    assert parsed.trial.days[0].assessments[0].mas[0].grade == "1+"


def test_minimal_document_gets_default_settings_and_exports_every_key() -> None:
    minimal = {
        "format": "itb-trial/1",
        "patient": {"mrn": "DEMO-M1", "birth_date": "2015-01-01"},
        "trial": {
            "started_on": "2026-11-02",
            "catheter": {"placed_at": "2026-11-02T07:40", "method": "lumbar_puncture"},
            "days": [{"day": 1, "date": "2026-11-02"}],
        },
    }
    doc = parse_trial_document(minimal, now=NOW, max_dose_mcg=100)
    assert doc.trial.settings == ProtocolSettings()
    exported = document_to_json(doc)
    assert exported["patient"]["allergies"] == [] and exported["patient"]["sex"] is None
    assert exported["trial"]["schedule_hours"] == [1, 2, 4, 6, 8]
    assert exported["trial"]["days"] == [
        {"day": 1, "date": "2026-11-02", "assessments": [], "doses": [], "adverse_events": [], "plan": None}
    ]
    assert exported["trial"]["decision"] is None and exported["trial"]["goals"] == []
    assert parse_trial_document(exported, now=NOW) == doc


def test_nulls_for_optional_values_and_lists() -> None:
    doc = small_doc()
    doc["patient"]["allergies"] = None
    doc["trial"]["goals"] = None
    doc["trial"]["days"][0]["assessments"][0]["goals"] = None
    doc["trial"]["days"][0]["assessments"][1]["goals"] = None
    doc["trial"]["mode"] = None
    parsed = parse_trial_document(doc, now=NOW)
    assert parsed.patient.allergies == () and parsed.trial.goals == ()
    assert parsed.trial.settings.mode == "bolus"


def test_times_with_offsets_round_trip() -> None:
    doc = small_doc()

    def shift(value: str) -> str:
        return value + "+01:00"

    doc["trial"]["catheter"]["placed_at"] = shift(doc["trial"]["catheter"]["placed_at"])
    for day in doc["trial"]["days"]:
        for key in ("assessments", "doses", "adverse_events"):
            for item in day[key]:
                field = "given_at" if key == "doses" else "at"
                item[field] = shift(item[field])
    doc["trial"]["decision"]["decided_at"] = "2026-11-03T16:00Z"
    parsed = parse_trial_document(doc, now=NOW)
    assert parsed.trial.catheter.placed_at == datetime(
        2026, 11, 2, 7, 40, tzinfo=timezone(timedelta(hours=1))
    )
    assert parsed.trial.decision is not None
    assert parsed.trial.decision.decided_at == datetime(2026, 11, 3, 16, 0, tzinfo=UTC)
    text = dumps_trial_document(parsed)
    assert '"placed_at": "2026-11-02T07:40+01:00"' in text
    assert '"decided_at": "2026-11-03T16:00Z"' in text
    assert load_trial_document(text, now=NOW) == parsed


def test_future_is_judged_against_now() -> None:
    doc = small_doc()
    # The last time in the document is the decision at 2026-11-03T17:00.
    parse_trial_document(doc, now=datetime(2026, 11, 3, 17, 0))
    with pytest.raises(DocumentInvalid) as info:
        parse_trial_document(doc, now=datetime(2026, 11, 3, 16, 59))
    assert {p.path for p in info.value.problems} == {"$.trial.decision.decided_at"}


def test_a_reassessment_after_midnight_belongs_to_its_day() -> None:
    doc = small_doc()
    doc["trial"]["days"][0]["assessments"][1]["at"] = "2026-11-03T01:00"  # 8 h after a 17:00 dose
    parse_trial_document(doc, now=NOW)


def test_problem_and_document_invalid_text() -> None:
    problems = (Problem("$.a", "first: fix it"), Problem("$.b[0]", "second: fix it"))
    exc = DocumentInvalid(problems)
    assert isinstance(exc, ValueError)
    assert exc.problems == problems
    assert str(exc) == "$.a: first: fix it\n$.b[0]: second: fix it"


def test_export_of_records_then_import_gives_the_same_records() -> None:
    """Records built directly (not parsed) survive export → import unchanged."""
    doc = TrialDocument(
        patient=Patient(
            mrn="DEMO-R1", birth_date=date(2020, 2, 29), given_name="Ünïcødé", family_name="Demo"
        ),
        trial=Trial(
            started_on=date(2026, 10, 1),
            catheter=Catheter(datetime(2026, 10, 1, 7, 0), "catheter"),
            settings=ProtocolSettings(ladder="small_child", threshold=1.5, schedule_hours=(0.5, 1.0, 3.0)),
            days=(
                Day(
                    day=1,
                    date=date(2026, 10, 1),
                    doses=(
                        Dose(
                            datetime(2026, 10, 1, 9, 0),
                            25,
                            50,
                            0.5,
                            given_by="a",
                            checked_by="b",
                            warnings_acknowledged=(AcknowledgedWarning("under_4_years", "agreed", None),),
                        ),
                    ),
                ),
            ),
        ),
    )
    text = dumps_trial_document(doc)
    assert text.endswith("}\n") and "Ünïcødé" in text
    assert load_trial_document(text, now=NOW) == doc
    assert json.loads(text) == document_to_json(doc)


def test_export_drops_seconds() -> None:
    doc = parse_trial_document(small_doc(), now=NOW)
    patient = doc.patient
    catheter = Catheter(datetime(2026, 11, 2, 7, 40, 59, 123), "catheter")
    changed = TrialDocument(patient, Trial(doc.trial.started_on, catheter, days=doc.trial.days))
    assert document_to_json(changed)["trial"]["catheter"]["placed_at"] == "2026-11-02T07:40"


def test_export_refuses_non_finite_numbers() -> None:
    doc = parse_trial_document(small_doc(), now=NOW)
    bad = TrialDocument(Patient("X", date(2016, 1, 1), weight_kg=float("nan")), doc.trial)
    with pytest.raises(ValueError):
        dumps_trial_document(bad)


def test_the_example_in_the_format_doc_is_valid() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "formats.md").read_text(encoding="utf-8")
    block = text.split("```json\n", 1)[1].split("```", 1)[0]
    doc = load_trial_document(block, now=NOW)
    assert doc.trial.days[0].doses[0].dose_mcg == 50
    example = small_doc()
    example["patient"]["weight_kg"] = 245
    with pytest.raises(DocumentInvalid) as info:
        parse_trial_document(example, now=NOW)
    assert str(info.value.problems[0]) in text
