"""Interchange revision 2 at import: an MRN on file with other patient data is refused, listing each
difference; ``update_patient`` takes the file's values as an audited correction; a trial already on file is
refused, naming its id (issue 17 item 8). Nothing is written by a refused import."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.helpers import file_digest
from trialapp.domain.records import TrialDocument
from trialapp.interchange.trial_json import load_trial_document
from trialapp.services.context import open_app, os_actor
from trialapp.services.demo import demo_text
from trialapp.services.errors import InvalidInput
from trialapp.services.history import trial_history
from trialapp.services.integrity import check
from trialapp.services.trials import import_document, list_trials, load_document
from trialapp.storage.audit import AuditEntry


def _demo() -> TrialDocument:
    return load_trial_document(demo_text("demo_responder.json"))


def _other_trial(doc: TrialDocument) -> TrialDocument:
    """The same patient's trial started a day earlier (another trial, not a duplicate)."""
    return replace(doc, trial=replace(doc.trial, started_on=doc.trial.started_on.replace(day=1)))


def _changed_patient(doc: TrialDocument) -> TrialDocument:
    patient = replace(
        doc.patient,
        given_name="Alexandra",
        weight_kg=(doc.patient.weight_kg or 20) + 2,
        allergies=("baclofen", "latex"),
    )
    return replace(_other_trial(doc), patient=patient)


def _refusal(app_path: Path, doc: TrialDocument, **kw: bool) -> str:
    before = file_digest(app_path)
    reopened = open_app(app_path)
    try:
        with pytest.raises(InvalidInput) as info:
            import_document(reopened, os_actor(), doc, **kw)
    finally:
        reopened.close()
    assert file_digest(app_path) == before, "a refused import wrote to the database"
    return str(info.value)


def test_the_same_trial_imported_twice_is_refused_naming_the_trial_on_file(app, db_path: Path) -> None:
    doc = _demo()
    trial_id = import_document(app, os_actor(), doc)
    app.close()
    message = _refusal(db_path, doc)
    assert f"already on file as trial {trial_id}" in message
    assert "Nothing was imported" in message


def test_the_same_trial_is_refused_even_with_update_patient(app, db_path: Path) -> None:
    doc = _demo()
    trial_id = import_document(app, os_actor(), doc)
    app.close()
    changed = replace(doc, patient=replace(doc.patient, allergies=("latex",)))
    assert trial_id in _refusal(db_path, changed, update_patient=True)


def test_an_mrn_on_file_with_other_patient_data_is_refused_listing_each_difference(app, db_path: Path) -> None:
    doc = _demo()
    import_document(app, os_actor(), doc)
    app.close()
    message = _refusal(db_path, _changed_patient(doc))
    weight = doc.patient.weight_kg
    assert f"given name: on file {doc.patient.given_name}; in the file Alexandra" in message
    assert "allergies: on file " in message and "in the file baclofen, latex" in message
    assert "weight: on file " in message and "kg" in message and str(weight) in message
    assert "--update-patient" in message
    assert "family name" not in message  # only what differs


def test_update_patient_corrects_the_stored_patient_and_audits_old_and_new(app) -> None:
    doc = _demo()
    first = import_document(app, os_actor(), doc)
    changed = _changed_patient(doc)
    second = import_document(app, os_actor(), changed, update_patient=True)
    for trial_id in (first, second):
        patient = load_document(app, os_actor(), trial_id).patient
        assert patient.given_name == "Alexandra" and patient.allergies == ("baclofen", "latex")
    assert len(list_trials(app, os_actor())) == 2
    with app.db.read() as s:
        rows = s.execute(
            select(AuditEntry).where(AuditEntry.table_name == "patients", AuditEntry.action == "update")
        ).scalars().all()
    by_field = {row.field: row for row in rows}
    assert set(by_field) == {"given_name", "weight_kg", "allergies"}
    assert by_field["allergies"].reason and "update-patient" in by_field["allergies"].reason
    assert check(app).ok
    lines = [line.text for line in trial_history(app, os_actor(), first)]
    assert f"corrected the given name of the patient: {doc.patient.given_name} → Alexandra" in lines
    assert "corrected the allergies of the patient: cefazolin → baclofen, latex" in lines
    assert "corrected the weight kg of the patient: 24.5 → 26.5" in lines


def test_a_patient_that_agrees_attaches_a_new_trial_without_a_correction(app) -> None:
    doc = _demo()
    import_document(app, os_actor(), doc)
    import_document(app, os_actor(), _other_trial(doc))
    with app.db.read() as s:
        rows = s.execute(select(AuditEntry).where(AuditEntry.table_name == "patients")).scalars().all()
    assert [row.action for row in rows] == ["insert"]
