"""Exports for other systems: one trial as ``itb-trial/1`` JSON, FHIR R4 or REDCap, identified or
de-identified; the de-identified dataset of every trial for a research network; study ids.

Every export is one transaction that writes an audit row per trial exported (who, which trial, which
format, de-identified or not) and, for de-identified exports, assigns the patient's random study id the
first time (audited too). The output is built and checked inside that transaction, so a failed export
leaves no audit row, no new study id and no file behind.

De-identified outputs are written from scrubbed trials only (:mod:`trialapp.interchange.deidentify`)
and checked once more for the original trial's identifiers before anything is handed out.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from typing import Final

from sqlalchemy.orm import Session

from trialapp import __version__
from trialapp.domain.records import TrialDocument
from trialapp.interchange import fhir, redcap, redcap_dictionary
from trialapp.interchange.deidentify import (
    DEID_FORMAT_ID,
    DeidentifiedTrial,
    Pseudonyms,
    deidentified_json,
    find_leaks,
    scrub,
)
from trialapp.interchange.json_text import dumps_indented
from trialapp.services import trials
from trialapp.services.context import Actor, App
from trialapp.services.errors import InvalidInput, ServiceError
from trialapp.services.permissions import require
from trialapp.storage import models as m
from trialapp.storage import repositories as repo
from trialapp.storage import study_ids
from trialapp.storage.audit import chain_head
from trialapp.storage.audit_actions import AuditAction

FORMATS: Final = ("json", "fhir", "redcap", "redcap-dictionary")
DATASET_FORMATS: Final = ("json", "fhir", "redcap")
DATASET_MANIFEST: Final = "manifest.json"
DATASET_FORMAT_ID: Final = "trialapp-dataset/1"

# What the audit trail calls each output.
_AUDIT_FORMATS: Final = {
    ("json", False): "itb-trial/1",
    ("json", True): DEID_FORMAT_ID,
    ("fhir", False): "fhir-r4",
    ("fhir", True): "fhir-r4-deidentified",
    ("redcap", False): "redcap",
    ("redcap", True): "redcap-deidentified",
    ("redcap-dictionary", False): "redcap-dictionary",
    ("redcap-dictionary", True): "redcap-dictionary-deidentified",
}


class ExportFailed(ServiceError):
    """The export could not be produced; nothing was written or audited."""


@dataclass(frozen=True)
class TrialExport:
    """One trial's export: the text to write, what it is, and the audit chain head at export."""

    text: str
    format: str
    deidentified: bool
    record_id: str  # the trial id, or the study record id when de-identified
    chain_head: str


@dataclass(frozen=True)
class DatasetExport:
    """A de-identified dataset written to ``folder``."""

    folder: Path
    format: str
    files: tuple[Path, ...]
    record_ids: tuple[str, ...]
    chain_head: str


def _check_format(fmt: str, allowed: Sequence[str]) -> None:
    if fmt not in allowed:
        raise InvalidInput(f"Unknown export format '{fmt}'. Use one of: {', '.join(allowed)}.")


def _study_record(app: App, actor: Actor, s: Session, trial: m.TrialRow) -> tuple[str, str]:
    """The patient's study id (assigned and audited on first use) and the trial's study record id:
    the study id and the trial's number among the patient's trials, e.g. ``S7KQ2M9XA-1``."""
    number = [t.id for t in trial.patient.trials].index(trial.id) + 1
    return _study_record_of(app, actor, s, trial.patient_id, trial.id, number)


def _study_record_of(
    app: App, actor: Actor, s: Session, patient_id: int, trial_pk: int, number: int
) -> tuple[str, str]:
    """``_study_record`` from plain ids: ``number`` is the trial's place among the patient's trials (from 1)."""
    assignment = study_ids.assign_study_id(s, patient_id)
    if assignment.created:
        app.audit.record(
            s,
            actor=actor.label,
            action=AuditAction.INSERT,
            table="study_ids",
            row_id=assignment.study_id,
            new={"patient_id": patient_id},
            trial_id=trial_pk,
        )
    return assignment.study_id, f"{assignment.study_id}-{number}"


def _audit_export(
    app: App,
    actor: Actor,
    s: Session,
    trial: m.TrialRow,
    fmt: str,
    record_id: str | None,
    *,
    dataset: bool = False,
) -> None:
    _audit_export_of(app, actor, s, trial.id, trial.public_id, fmt, record_id, dataset=dataset)


def _audit_export_of(
    app: App,
    actor: Actor,
    s: Session,
    trial_pk: int,
    public_id: str,
    fmt: str,
    record_id: str | None,
    *,
    dataset: bool = False,
) -> None:
    new: dict[str, object] = {"format": _AUDIT_FORMATS[(fmt, record_id is not None)]}
    if record_id is not None:
        new |= {"deidentified": True, "record_id": record_id}
    if dataset:
        new["dataset"] = True
    app.audit.record(
        s,
        actor=actor.label,
        action=AuditAction.EXPORT,
        table="trials",
        row_id=public_id,
        trial_id=trial_pk,
        new=new,
    )


def _fhir_text(bundle: dict[str, object]) -> str:
    try:
        fhir.validate_bundle(bundle)
    except fhir.FhirExportError as exc:
        raise ExportFailed(
            f"{exc}\nNothing was exported. This is a fault in trialapp, not in the trial's records: "
            "please report it with the lines above."
        ) from exc
    return fhir.dumps_bundle(bundle)


def _render(
    fmt: str, doc: TrialDocument, trial_id: str, deid: DeidentifiedTrial | None, head: str, tz: tzinfo | None
) -> str:
    if fmt == "json":
        if deid is None:  # identified JSON is itb-trial/1, written by trials.export_document
            raise ValueError("identified JSON is exported by trials.export_document")
        return dumps_indented(deidentified_json(deid)) + "\n"
    if fmt == "fhir":
        bundle = (
            fhir.deidentified_bundle(deid, chain_head=head)
            if deid is not None
            else fhir.trial_bundle(doc, trial_id, tz=tz, chain_head=head)
        )
        return _fhir_text(bundle)
    if fmt == "redcap":
        records = redcap.trial_records(doc, trial_id, deid=deid)
        return redcap.records_csv([records], deidentified=deid is not None)
    return redcap_dictionary.dictionary_csv(deidentified=deid is not None)


def _refuse_leaks(text: str, originals: Sequence[tuple[TrialDocument, str]]) -> None:
    leaks = find_leaks(text, originals)
    if leaks:
        raise ExportFailed(
            f"The de-identified export still contained {', '.join(leaks)}; nothing was exported. "
            "This is a fault in trialapp: please report it (without the data)."
        )


def export_trial(
    app: App,
    actor: Actor,
    trial_id: str,
    fmt: str = "json",
    *,
    deidentify: bool = False,
    tz: tzinfo | None = None,
) -> TrialExport:
    """Export one trial in ``fmt`` (json, fhir, redcap, redcap-dictionary), optionally de-identified.

    Audited as an ``export`` of the trial; a de-identified export first assigns the patient's study id
    if needed. ``tz`` is the zone of times recorded without an offset (default: this computer's).
    Raises :class:`InvalidInput` for an unknown format, ``NotFound`` for an unknown trial and
    :class:`ExportFailed` when the output fails its checks (then nothing is audited).
    """
    _check_format(fmt, FORMATS)
    require(actor, "export_trial")
    if fmt == "json" and not deidentify:
        exported = trials.export_document(app, actor, trial_id)
        text = json.dumps(exported.document, ensure_ascii=False, indent=2) + "\n"
        return TrialExport(text, fmt, False, trial_id.strip().upper(), exported.chain_head)
    with app.db.write() as s:
        trial = repo.get_trial(s, trial_id)
        doc = repo.document_record(trial)
        deid: DeidentifiedTrial | None = None
        record_id = trial.public_id
        if deidentify:
            study_id, record_id = _study_record(app, actor, s, trial)
            deid = scrub(doc, study_id=study_id, record_id=record_id, pseudonyms=Pseudonyms())
        _audit_export(app, actor, s, trial, fmt, record_id if deidentify else None)
        head = chain_head(s)
        text = _render(fmt, doc, trial.public_id, deid, head, tz)
        if deid is not None:
            _refuse_leaks(text, [(doc, trial.public_id)])
        return TrialExport(text, fmt, deidentify, record_id, head)


def study_record_id(app: App, actor: Actor, trial_id: str) -> str:
    """The trial's study record id for de-identified exports (``S…-1``), assigning the patient's random
    study id the first time (audited). The link back to the patient stays in this database only."""
    require(actor, "export_trial")
    with app.db.write() as s:
        trial = repo.get_trial(s, trial_id, full=False)
        return _study_record(app, actor, s, trial)[1]


def trial_for_study_record(app: App, actor: Actor, record_id: str) -> str:
    """Re-identification by the site: the trial id behind a study record id (``S7KQ2M9XA-1``) or the
    patient's first trial behind a study id. Audited, because it links shared data back to a patient.
    Raises :class:`InvalidInput` when no trial in this database has that study record."""
    require(actor, "export_dataset")
    text = record_id.strip().upper()
    study_id, _, number_text = text.partition("-")
    number = int(number_text) if number_text.isdigit() else (1 if not number_text else 0)
    with app.db.write() as s:
        patient_id = study_ids.patient_for_study_id(s, study_id)
        patient = s.get(m.PatientRow, patient_id) if patient_id is not None else None
        if patient is None or not 1 <= number <= len(patient.trials):
            raise InvalidInput(
                f"No trial in this database has the study record '{record_id}'. Check the id (study ids "
                "start with S and have 8 more letters or digits, e.g. S7KQ2M9XA-1); study ids are kept only "
                "by the site that exported them."
            )
        trial = patient.trials[number - 1]
        app.audit.record(
            s,
            actor=actor.label,
            action=AuditAction.REIDENTIFY,
            table="study_ids",
            row_id=study_id,
            trial_id=trial.id,
            new={"record_id": text},
        )
        return trial.public_id


# ------------------------------------------------------------------------------------------- dataset


def _check_folder(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise InvalidInput(
            f"'{folder}' is a file, not a folder. Choose a new or empty folder for the dataset."
        )
    if folder.is_dir() and any(folder.iterdir()):
        raise InvalidInput(
            f"The folder '{folder}' is not empty. Choose a new or empty folder, so that the dataset is not "
            "mixed with other files."
        )
    if not folder.parent.is_dir():
        raise InvalidInput(f"The folder '{folder.parent}' does not exist. Create it or choose another place.")


DATASET_BATCH = 50  # trials per write transaction: the write lock is held for a moment, never for the export


class _DatasetWriter:
    """Writes the dataset's files as the trials come, so that memory does not grow with the trials.

    JSON and FHIR: one file per trial. REDCap: the records file grows trial by trial (``.partial`` until the
    end); the events are kept (a few dozen at most). Every file written is known, to be removed on failure.
    """

    def __init__(self, folder: Path, fmt: str) -> None:
        self.folder = folder
        self.fmt = fmt
        self.written: list[Path] = []
        self.record_ids: list[str] = []
        self.names: list[str] = []
        self._events: dict[str, redcap.RedcapEvent] = {}
        self._records: Path | None = None

    def add(self, doc: TrialDocument, trial_id: str, deid: DeidentifiedTrial, head: str) -> None:
        """One trial: checked for leaks on its own rows, then written."""
        self.record_ids.append(deid.record_id)
        if self.fmt != "redcap":
            text = _render(self.fmt, doc, trial_id, deid, head, None)
            _refuse_leaks(text, [(doc, trial_id)])
            name = f"{deid.record_id}{'.fhir.json' if self.fmt == 'fhir' else '.json'}"
            self._write(name, text)
            return
        one = redcap.trial_records(deid.doc, deid.record_id, deid=deid)
        text = redcap.records_csv([one], deidentified=True)
        _refuse_leaks(text, [(doc, trial_id)])
        for event in one.events:
            self._events.setdefault(event.name, event)
        if self._records is None:
            self._records = self.folder / ("redcap_records.csv" + PARTIAL)
            self.written.append(self._records)
            self._records.write_text(text, encoding="utf-8")
        else:  # the header once: it is the first line of every trial's CSV
            with self._records.open("a", encoding="utf-8") as handle:
                handle.write(text.split("\n", 1)[1])

    def finish(self, head: str) -> None:
        """The remaining files and the manifest (``head``: the chain head after the last trial's audit row)."""
        if self.fmt == "redcap":
            events = sorted(self._events.values())
            if self._records is not None:
                final = self.folder / "redcap_records.csv"
                self._records.replace(final)
                self.written[self.written.index(self._records)] = final
                self.names.append(final.name)
            self._write("redcap_data_dictionary.csv", redcap_dictionary.dictionary_csv(deidentified=True))
            self._write("redcap_events.csv", redcap.events_csv(events))
            self._write("redcap_instrument_designations.csv", redcap.designations_csv(events))
        manifest = {
            "format": DATASET_FORMAT_ID,
            "content": {
                "json": DEID_FORMAT_ID,
                "fhir": "FHIR R4 collection Bundle per trial",
                "redcap": "REDCap",
            }[self.fmt],
            "deidentified": True,
            "method": "HIPAA Safe Harbor; see docs/deidentified-exports.md",
            "time_zero": "catheter placement: times are hours since it (FHIR: 2000-01-01T00:00:00+00:00 plus "
            "the time since it)",
            "records": self.record_ids,
            "files": list(self.names),
            "trialapp_version": __version__,
            "audit_chain_head": head,
        }
        self._write(DATASET_MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")

    def _write(self, name: str, text: str) -> None:
        path = self.folder / name
        _write_file(path, text)
        self.written.append(path)
        if name != DATASET_MANIFEST:
            self.names.append(name)

    def remove(self) -> None:
        for path in self.written:
            path.unlink(missing_ok=True)


PARTIAL = ".partial"


def _write_file(path: Path, text: str) -> None:
    partial = path.with_name(path.name + PARTIAL)
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


Progress = Callable[[int, int], None]
READ_BATCH = 10  # trials read together: 12 queries for them all, and only their records held at once


def _read(
    s: Session, batch: Sequence[tuple[int, str, int, int]]
) -> Iterator[tuple[int, str, int, int, TrialDocument]]:
    """The trials of ``batch`` with their records, READ_BATCH at a time in plain queries, no ORM objects
    (25,000 trials through the ORM took most of 527 s, 12 queries for each trial most of 144 s: issue 22)."""
    for start in range(0, len(batch), READ_BATCH):
        part = batch[start : start + READ_BATCH]
        loaded = repo.load_documents(s, [pk for pk, *_ in part])
        for (pk, public_id, patient_id, number), one in zip(part, loaded, strict=True):
            yield pk, public_id, patient_id, number, one.document


def export_dataset(
    app: App, actor: Actor, folder: Path | str, fmt: str = "json", progress: Progress | None = None
) -> DatasetExport:
    """Write every trial, de-identified, to ``folder`` (new or empty) in ``fmt`` (json, fhir, redcap).

    One study id per patient (shared by the patient's trials), clinician pseudonyms shared across the
    dataset, one audit row per trial, and a ``manifest.json`` listing the records and files. Streamed: the
    trials are read, audited and written DATASET_BATCH at a time, each batch in a short write transaction,
    so memory does not grow with the number of trials; ``progress`` hears (trials done, trials in all). On any
    failure no file is left behind; the batch that failed leaves no audit row and no new study id (batches
    written before it stay audited: they were read).
    """
    _check_format(fmt, DATASET_FORMATS)
    require(actor, "export_dataset")
    folder = Path(folder)
    _check_folder(folder)
    with app.db.read() as s:
        listed = repo.trials_in_order(s)
    if not listed:
        raise InvalidInput("There are no trials to export yet; nothing was written.")
    created_folder = not folder.exists()
    writer = _DatasetWriter(folder, fmt)
    pseudonyms = Pseudonyms()
    try:
        folder.mkdir(exist_ok=True)
        for start in range(0, len(listed), DATASET_BATCH):
            with app.db.write() as s:
                for pk, public_id, patient_id, number, doc in _read(s, listed[start : start + DATASET_BATCH]):
                    study_id, record_id = _study_record_of(app, actor, s, patient_id, pk, number)
                    deid = scrub(doc, study_id=study_id, record_id=record_id, pseudonyms=pseudonyms)
                    _audit_export_of(app, actor, s, pk, public_id, fmt, record_id, dataset=True)
                    writer.add(doc, public_id, deid, chain_head(s))
                s.expunge_all()  # the batch's rows are not kept for the next one
            if progress is not None:
                progress(min(start + DATASET_BATCH, len(listed)), len(listed))
        with app.db.read() as s:
            head = chain_head(s)
        writer.finish(head)
    except BaseException:
        writer.remove()
        if created_folder and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
        raise
    return DatasetExport(
        folder=folder,
        format=fmt,
        files=tuple(writer.written),
        record_ids=tuple(writer.record_ids),
        chain_head=head,
    )
