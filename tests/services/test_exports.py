"""Export use cases on a real database: every export is audited, study ids are random and stable,
the de-identified dataset holds none of the demo patients' identifiers, dates or notes, and a refused or
failed export leaves nothing behind (no file, no audit row, no study id)."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.helpers import demo_json
from tests.interchange.test_deidentify import find_identifiers
from tests.interchange.test_redcap import check_agreement
from trialapp.interchange.trial_json import load_trial_document
from trialapp.services import exports
from trialapp.services.context import Actor, open_app, os_actor
from trialapp.services.demo import demo_files, demo_text
from trialapp.services.errors import InvalidInput, PermissionDenied
from trialapp.services.trials import import_document
from trialapp.storage.audit import AuditEntry, chain_head
from trialapp.storage.errors import NotFound
from trialapp.storage.models import StudyId

RECORD_ID = re.compile(r"S[2-9A-HJ-NP-Z]{8}-1")
RAWS = {name: demo_json(name) for name in demo_files()}


def import_demo_trials(app) -> dict[str, str]:
    """The demo trials (without load_demo's demo users, whose password hashing is slow): name → trial id."""
    return {
        name: import_document(app, os_actor(), load_trial_document(demo_text(name))) for name in demo_files()
    }


@pytest.fixture
def demo(app) -> dict[str, str]:
    """Demo file name → trial id."""
    return import_demo_trials(app)


def audit_rows(app) -> list[AuditEntry]:
    with app.db.read() as s:
        return list(s.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars())


def study_id_rows(app) -> int:
    with app.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(StudyId)) or 0)


def leaks_in(text: str) -> list[str]:
    return [hit for raw in RAWS.values() for hit in find_identifiers(text, raw)]


# ------------------------------------------------------------------------------------------ one trial


def test_a_fhir_export_is_audited_and_carries_the_chain_head(app, demo) -> None:
    trial_id = demo["demo_responder.json"]
    before = len(audit_rows(app))
    result = exports.export_trial(app, os_actor(), trial_id, "fhir")
    rows = audit_rows(app)
    assert len(rows) == before + 1
    last = rows[-1]
    assert (last.action, last.table_name, last.row_id) == ("export", "trials", trial_id)
    assert json.loads(last.new_value) == {"format": "fhir-r4"}
    with app.db.read() as s:
        assert chain_head(s) == result.chain_head  # the head includes the export's own audit row
    bundle = json.loads(result.text)
    assert (
        bundle["resourceType"] == "Bundle"
        and bundle["meta"]["extension"][0]["valueString"] == result.chain_head
    )
    assert bundle["identifier"]["value"] == trial_id and not result.deidentified


def test_the_json_export_is_still_itb_trial_1(app, demo) -> None:
    result = exports.export_trial(app, os_actor(), demo["demo_nonresponder.json"].lower(), "json")
    assert json.loads(result.text) == RAWS["demo_nonresponder.json"]
    assert json.loads(audit_rows(app)[-1].new_value) == {"format": "itb-trial/1"}


def test_a_deidentified_export_assigns_a_study_id_once_and_reuses_it(app, demo) -> None:
    trial_id = demo["demo_small_child.json"]
    before = len(audit_rows(app))
    first = exports.export_trial(app, os_actor(), trial_id, "json", deidentify=True)
    second = exports.export_trial(app, os_actor(), trial_id, "redcap", deidentify=True)
    assert RECORD_ID.fullmatch(first.record_id) and second.record_id == first.record_id
    assert exports.study_record_id(app, os_actor(), trial_id) == first.record_id
    assert study_id_rows(app) == 1
    rows = audit_rows(app)[before:]
    assert [(r.action, r.table_name) for r in rows] == [
        ("insert", "study_ids"),
        ("export", "trials"),
        ("export", "trials"),
    ]
    assert json.loads(rows[1].new_value) == {
        "format": "itb-trial-deid/1",
        "deidentified": True,
        "record_id": first.record_id,
    }
    assert json.loads(first.text)["record_id"] == first.record_id
    assert leaks_in(first.text) == [] and leaks_in(second.text) == []


def test_study_ids_are_random_not_derived_from_the_patient(app, demo, tmp_path: Path) -> None:
    ours = exports.study_record_id(app, os_actor(), demo["demo_responder.json"])
    other = open_app(tmp_path / "other.sqlite")
    try:
        theirs_id = import_demo_trials(other)["demo_responder.json"]
        theirs = exports.study_record_id(other, os_actor(), theirs_id)
    finally:
        other.close()
    assert ours != theirs  # same patient, same MRN and birth date: a derived id would match
    mrn = RAWS["demo_responder.json"]["patient"]["mrn"]
    assert mrn not in ours and mrn.split("-")[-1] not in ours


# The identified FHIR export has its own test above (each FHIR export costs a full model validation).
@pytest.mark.parametrize(
    ("fmt", "deidentify"),
    [(f, d) for f in exports.FORMATS for d in (False, True) if (f, d) != ("fhir", False)],
)
def test_every_format_exports_a_trial(app, demo, fmt, deidentify) -> None:
    result = exports.export_trial(app, os_actor(), demo["demo_small_child.json"], fmt, deidentify=deidentify)
    assert result.text.strip() and result.format == fmt and result.deidentified is deidentify
    if deidentify:
        assert leaks_in(result.text) == []
    elif fmt != "redcap-dictionary":
        assert RAWS["demo_small_child.json"]["patient"]["mrn"] in result.text


def test_bad_requests_are_refused_and_nothing_is_audited(app, demo) -> None:
    before = len(audit_rows(app))
    with pytest.raises(InvalidInput, match="Use one of: json, fhir, redcap, redcap-dictionary"):
        exports.export_trial(app, os_actor(), demo["demo_responder.json"], "hl7v2")
    with pytest.raises(NotFound):
        exports.export_trial(app, os_actor(), "TNOSUCH1", "fhir", deidentify=True)
    assert len(audit_rows(app)) == before and study_id_rows(app) == 0


def test_a_leaking_export_is_refused_before_anything_is_kept(app, demo, monkeypatch) -> None:
    """Simulate an exporter bug: the 'scrubbed' trial still holds the original document."""
    real_scrub = exports.scrub

    def broken_scrub(doc, **kw):
        return replace(real_scrub(doc, **kw), doc=doc)

    monkeypatch.setattr(exports, "scrub", broken_scrub)
    before = len(audit_rows(app))
    with pytest.raises(exports.ExportFailed, match="nothing was exported"):
        exports.export_trial(app, os_actor(), demo["demo_responder.json"], "json", deidentify=True)
    assert len(audit_rows(app)) == before and study_id_rows(app) == 0


# -------------------------------------------------------------------------------------------- dataset


@pytest.mark.parametrize("fmt", exports.DATASET_FORMATS)
def test_the_deidentified_dataset_holds_no_identifier_date_or_note(app, demo, tmp_path: Path, fmt) -> None:
    folder = tmp_path / "dataset"
    before = len(audit_rows(app))
    result = exports.export_dataset(app, os_actor(), folder, fmt)
    files = sorted(folder.iterdir())
    assert files == sorted(result.files) and (folder / "manifest.json") in files
    assert not list(folder.glob("*.partial"))
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert leaks_in(text) == [], path.name
        for trial_id in demo.values():
            assert trial_id not in text, path.name
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["records"] == list(result.record_ids) and len(result.record_ids) == 3
    assert all(RECORD_ID.fullmatch(r) for r in result.record_ids)
    assert manifest["deidentified"] is True and manifest["audit_chain_head"] == result.chain_head
    rows = audit_rows(app)[before:]
    exported = [json.loads(r.new_value) for r in rows if r.action == "export"]
    assert sorted(r.row_id for r in rows if r.action == "export") == sorted(demo.values())
    assert all(e["deidentified"] and e["dataset"] for e in exported)
    assert sorted(e["record_id"] for e in exported) == sorted(result.record_ids)
    assert len([r for r in rows if r.table_name == "study_ids"]) == 3
    if fmt == "json":
        deciders = [
            json.loads(p.read_text(encoding="utf-8"))["trial"]["decision"]["decided_by"]
            for p in files
            if p.name != "manifest.json"
        ]
        # dr.demo.lee decided two of the demo trials, dr.demo.okafor the third: one pseudonym each.
        assert len(deciders) == 3 and len(set(deciders)) == 2
        assert all(re.fullmatch(r"clinician-\d+", v) for v in deciders)


def test_a_dataset_reexport_gives_the_same_study_ids(app, demo, tmp_path: Path) -> None:
    first = exports.export_dataset(app, os_actor(), tmp_path / "a", "json")
    single = exports.export_trial(app, os_actor(), demo["demo_responder.json"], "json", deidentify=True)
    second = exports.export_dataset(app, os_actor(), tmp_path / "b", "json")
    assert first.record_ids == second.record_ids and single.record_id in first.record_ids
    assert study_id_rows(app) == 3
    in_dataset = json.loads((tmp_path / "a" / f"{single.record_id}.json").read_text(encoding="utf-8"))
    # Same record and patient; clinician pseudonyms are numbered per export, so they may differ.
    assert in_dataset["patient"] == json.loads(single.text)["patient"]


def test_the_redcap_dataset_can_build_the_project_and_import(app, demo, tmp_path: Path) -> None:
    folder = tmp_path / "redcap"
    exports.export_dataset(app, os_actor(), folder, "redcap")
    read = {p.name: p.read_text(encoding="utf-8") for p in folder.iterdir()}
    assert (
        check_agreement(
            read["redcap_records.csv"],
            read["redcap_data_dictionary.csv"],
            read["redcap_instrument_designations.csv"],
        )
        == []
    )
    events = {r["event_name"] for r in csv.DictReader(io.StringIO(read["redcap_events.csv"]))}
    assert {"Trial", "Day 1", "Day 1 baseline", "Day 3 8h"} <= events
    records = {r["record_id"] for r in csv.DictReader(io.StringIO(read["redcap_records.csv"]))}
    assert len(records) == 3


def test_the_dataset_folder_must_be_new_or_empty(app, demo, tmp_path: Path) -> None:
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("x", encoding="utf-8")
    a_file = tmp_path / "file.txt"
    a_file.write_text("x", encoding="utf-8")
    before = len(audit_rows(app))
    with pytest.raises(InvalidInput, match="not empty"):
        exports.export_dataset(app, os_actor(), busy, "json")
    with pytest.raises(InvalidInput, match="is a file"):
        exports.export_dataset(app, os_actor(), a_file, "json")
    with pytest.raises(InvalidInput, match="does not exist"):
        exports.export_dataset(app, os_actor(), tmp_path / "no" / "such", "json")
    with pytest.raises(InvalidInput, match="Use one of: json, fhir, redcap"):
        exports.export_dataset(app, os_actor(), tmp_path / "new", "redcap-dictionary")
    assert [p.name for p in busy.iterdir()] == ["keep.txt"] and not (tmp_path / "new").exists()
    assert len(audit_rows(app)) == before and study_id_rows(app) == 0


def test_a_failed_dataset_leaves_no_file_no_audit_row_and_no_study_id(
    app, demo, tmp_path: Path, monkeypatch
) -> None:
    real_write = exports._write_file
    calls = []

    def failing_write(path: Path, text: str) -> None:
        calls.append(path)
        if len(calls) == 2:
            raise OSError("disk full")
        real_write(path, text)

    monkeypatch.setattr(exports, "_write_file", failing_write)
    folder = tmp_path / "dataset"
    before = len(audit_rows(app))
    with pytest.raises(OSError, match="disk full"):
        exports.export_dataset(app, os_actor(), folder, "json")
    assert not folder.exists()
    assert len(audit_rows(app)) == before and study_id_rows(app) == 0


def test_an_empty_database_has_no_dataset(app, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="no trials"):
        exports.export_dataset(app, os_actor(), tmp_path / "empty", "json")
    assert not (tmp_path / "empty").exists()


# -------------------------------------------------------------------------------------------- roles


def test_who_may_export(app, demo, team, tmp_path: Path) -> None:
    trial_id = demo["demo_responder.json"]
    assert exports.export_trial(app, team.nurse, trial_id, "redcap", deidentify=True).text
    with pytest.raises(PermissionDenied):
        exports.export_dataset(app, team.nurse, tmp_path / "by-nurse", "json")
    with pytest.raises(PermissionDenied):
        exports.export_dataset(app, team.pt, tmp_path / "by-pt", "json")
    assert not (tmp_path / "by-nurse").exists()
    result = exports.export_dataset(app, team.qi, tmp_path / "by-qi", "json")
    assert len(result.record_ids) == 3
    assert {r.actor for r in audit_rows(app) if r.action == "export"} >= {team.nurse.label, team.qi.label}
    stranger = Actor(username="visitor", role="family")
    with pytest.raises(PermissionDenied):
        exports.export_trial(app, stranger, trial_id, "json", deidentify=True)


def test_the_site_can_find_the_trial_behind_a_study_record(app, demo, team) -> None:
    trial_id = demo["demo_nonresponder.json"]
    record = exports.study_record_id(app, os_actor(), trial_id)
    assert exports.trial_for_study_record(app, os_actor(), record.lower()) == trial_id
    assert exports.trial_for_study_record(app, os_actor(), record.split("-")[0]) == trial_id
    looked_up = [(r.action, r.table_name, json.loads(r.new_value)) for r in audit_rows(app)[-2:]]
    assert looked_up == [
        ("reidentify", "study_ids", {"record_id": record}),
        ("reidentify", "study_ids", {"record_id": record.split("-")[0]}),
    ]
    for unknown in ("SNOSUCH22-1", record.split("-")[0] + "-2", record + "x"):
        with pytest.raises(InvalidInput, match="No trial in this database"):
            exports.trial_for_study_record(app, os_actor(), unknown)
    with pytest.raises(PermissionDenied):
        exports.trial_for_study_record(app, team.nurse, record)
