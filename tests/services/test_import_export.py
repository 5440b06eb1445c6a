"""Import → database → export gives back the same document; refusals leave the database unchanged."""

from __future__ import annotations

import itertools
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from tests.helpers import file_digest
from tests.interchange.itb_docs import valid_documents
from trialapp.interchange.trial_json import load_trial_document, parse_trial_document
from trialapp.interchange.trial_json_export import document_to_json
from trialapp.services.context import open_app, os_actor
from trialapp.services.demo import demo_files, demo_text
from trialapp.services.errors import InvalidInput
from trialapp.services.trials import export_document, import_document, list_trials


@pytest.mark.parametrize("name", demo_files())
def test_demo_round_trip_through_an_empty_database(app, tmp_path: Path, name: str) -> None:
    doc = load_trial_document(demo_text(name))
    first = export_document(app, os_actor(), import_document(app, os_actor(), doc)).document
    assert first == document_to_json(doc)
    other = open_app(tmp_path / "other.sqlite")
    try:
        second = export_document(other, os_actor(), import_document(other, os_actor(),
                                                                     parse_trial_document(first))).document
    finally:
        other.close()
    assert second == first


_counter = itertools.count()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                    HealthCheck.too_slow])
@given(data=valid_documents())
def test_generated_documents_round_trip_through_the_database(app, data) -> None:
    data["patient"]["mrn"] = f"GEN-{next(_counter)}"  # one database for all examples
    doc = parse_trial_document(data)
    trial_id = import_document(app, os_actor(), doc)
    exported = export_document(app, os_actor(), trial_id).document
    assert exported == document_to_json(in_time_order(doc))
    # Under another MRN: the same trial for the same patient is refused as already on file (revision 2).
    moved = {**exported, "patient": {**exported["patient"], "mrn": exported["patient"]["mrn"] + "-B"}}
    again = export_document(app, os_actor(), import_document(app, os_actor(), parse_trial_document(moved)))
    assert again.document == moved


def in_time_order(doc):  # type: ignore[no-untyped-def]
    """The database keeps each day's records in time order (ties in document order): the canonical export."""
    days = tuple(
        replace(d, assessments=tuple(sorted(d.assessments, key=lambda a: a.at)),
                doses=tuple(sorted(d.doses, key=lambda x: x.given_at)),
                adverse_events=tuple(sorted(d.adverse_events, key=lambda e: e.at)))
        for d in doc.trial.days
    )
    return replace(doc, trial=replace(doc.trial, days=days))


def test_same_mrn_attaches_another_trial_to_the_patient_when_the_patient_agrees(app) -> None:
    doc = load_trial_document(demo_text("demo_responder.json"))
    import_document(app, os_actor(), doc)
    later = replace(doc, trial=replace(doc.trial, started_on=doc.trial.started_on.replace(day=1)))
    import_document(app, os_actor(), later)
    rows = list_trials(app, os_actor())
    assert len(rows) == 2 and {r.mrn for r in rows} == {doc.patient.mrn}


def test_same_mrn_with_another_birth_date_is_refused_and_nothing_written(app, db_path: Path) -> None:
    doc = load_trial_document(demo_text("demo_responder.json"))
    import_document(app, os_actor(), doc)
    app.close()
    before = file_digest(db_path)
    reopened = open_app(db_path)
    try:
        other = replace(doc, patient=replace(doc.patient, birth_date=doc.patient.birth_date.replace(year=2015)))
        with pytest.raises(InvalidInput) as info:
            import_document(reopened, os_actor(), other)
        assert "birth date: on file 12 Apr 2016; in the file 12 Apr 2015" in str(info.value)
    finally:
        reopened.close()
    assert file_digest(db_path) == before
