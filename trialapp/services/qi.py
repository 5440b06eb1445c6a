"""Infection quality improvement: the bundle checklist and its versions, procedures and their step answers,
infections, the 90-day follow-up list, the R11–R13 summary, and the CSV exchange.

One transaction per user action, permission checked, every write audited. The rules themselves live in
``trialapp.domain.qi_*`` modules; this module only loads, validates through them, and stores.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from trialapp.domain import qi_bundle, qi_charts, qi_compliance, qi_procedures, qi_surveillance
from trialapp.domain.dosing import age_in_whole_months
from trialapp.domain.qi_bundle import Bundle, BundleError, BundleHistory, BundleVersion
from trialapp.domain.qi_procedures import QiFilter, QiProcedure, RiskFactors, Ssi
from trialapp.domain.qi_summary import QiSummary, qi_summary_to_json, summarize_qi
from trialapp.domain.qi_surveillance import FollowUp
from trialapp.interchange import qi_csv
from trialapp.services.app_settings import write_setting
from trialapp.services.context import Actor, App
from trialapp.services.errors import InvalidInput
from trialapp.services.permissions import require
from trialapp.storage import qi_repository as repo
from trialapp.storage.audit import chain_head
from trialapp.storage.audit_actions import AuditAction
from trialapp.storage.qi_repository import StepAnswer, StoredProcedure, TrialPatient

#: Settings key of the site's follow-up days (a list of whole days, 1 to 90); default DEFAULT_CHECKIN_DAYS.
CHECKIN_DAYS_SETTING = "qi.checkin_days"

_ID_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud in the operating room


def _now() -> datetime:
    return datetime.now().replace(microsecond=0)


# --------------------------------------------------------------------------------------------------
# Bundle versions
# --------------------------------------------------------------------------------------------------


def _example_history() -> BundleHistory:
    return BundleHistory((BundleVersion(1, date.today(), qi_bundle.example_bundle(), "example bundle"),))


def history_in(session: Session) -> BundleHistory:
    """The stored bundle versions, or (before any is saved) the example bundle as version 1."""
    return repo.bundle_history(session) or _example_history()


def _history_for_writing(app: App, session: Session, actor: Actor) -> BundleHistory:
    """The stored versions; on first use, the example bundle is saved as version 1 (audited)."""
    history = repo.bundle_history(session)
    if history is not None:
        return history
    example = _example_history().current
    _store_version(app, session, actor, example.bundle, example.effective_from, example.note)
    return BundleHistory((example,))


def _store_version(
    app: App, session: Session, actor: Actor, bundle: Bundle, effective_from: date, note: str
) -> int:
    version = repo.add_bundle_version(session, bundle, effective_from, note, actor.label, _now())
    app.audit.record(
        session,
        actor=actor.label,
        action=AuditAction.INSERT,
        table="qi_bundle_versions",
        row_id=version,
        new={
            "version": version,
            "effective_from": effective_from,
            "steps": list(bundle.codes),
            "note": note,
        },
    )
    return version


def bundle_history(app: App, actor: Actor) -> BundleHistory:
    """Every saved bundle version, oldest first. Before anything is saved, the example bundle as version 1
    (it is saved as such on the first write)."""
    require(actor, "view_qi")
    with app.db.read() as s:
        return history_in(s)


def save_bundle(
    app: App, actor: Actor, bundle: Bundle, effective_from: date, note: str = ""
) -> BundleVersion:
    """Save an edited checklist as a new version, in force from ``effective_from``.

    Earlier versions are kept unchanged, and every recorded procedure keeps the version it was recorded
    against: the new version applies to procedures recorded after it is saved. The date may not be before
    the newest version's date, nor on or before the surgery date of a recorded procedure (the refusal lists
    the procedures it would touch); a version identical to the current one is refused.
    """
    require(actor, "manage_qi_bundle")
    bundle = qi_bundle.bundle_from_dict(qi_bundle.bundle_to_dict(bundle))  # the same validation as a file
    with app.db.write() as s:
        history = _history_for_writing(app, s, actor)
        current = history.current
        latest_date = history.latest_start()
        problems = []
        if latest_date is not None and effective_from < latest_date:
            problems.append(
                f"The new version must be in force from {latest_date.isoformat()} or later (the date of the "
                f"newest version); earlier procedures keep the version they were scored against."
            )
        touched = repo.procedures_on_or_after(s, effective_from)
        if touched:
            problems.append(_touched_problem(effective_from, touched))
        if qi_bundle.bundle_to_dict(bundle) == qi_bundle.bundle_to_dict(current.bundle):
            problems.append(
                f"The checklist is the same as version {current.version}: there is nothing to save."
            )
        if problems:
            raise InvalidInput("The bundle was not saved.", problems)
        version = _store_version(app, s, actor, bundle, effective_from, note.strip())
        return BundleVersion(version, effective_from, bundle, note.strip(), actor.label)


#: How many of the procedures a backdated version would touch are named in the refusal.
_TOUCHED_SHOWN = 20


def _touched_problem(effective_from: date, touched: Sequence[tuple[str, date]]) -> str:
    shown = ", ".join(f"{pid} ({on.isoformat()})" for pid, on in touched[:_TOUCHED_SHOWN])
    more = f" and {len(touched) - _TOUCHED_SHOWN} more" if len(touched) > _TOUCHED_SHOWN else ""
    latest = max(on for _pid, on in touched)
    return (
        f"In force from {effective_from.isoformat()} would reach {len(touched)} procedure(s) already "
        f"recorded against an earlier version: {shown}{more}. Recorded procedures keep the version they "
        f"were scored against; choose a date after {latest.isoformat()}."
    )


def bundle_from_json(text: str) -> Bundle:
    """Read a bundle file (``trialapp-qi-bundle/1``); InvalidInput lists every problem."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"The bundle file is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
        ) from exc
    try:
        return qi_bundle.bundle_from_dict(data)
    except BundleError as exc:
        raise InvalidInput("The bundle was not saved: fix these problems in the file.", exc.problems) from exc


def bundle_from_data(data: object) -> Bundle:
    """Validate a bundle given in its JSON shape (as the bundle editor's table gives it); InvalidInput
    lists every problem, in the words of the bundle rules."""
    try:
        return qi_bundle.bundle_from_dict(data)
    except BundleError as exc:
        raise InvalidInput("The bundle checklist is not valid:", exc.problems) from exc


# --------------------------------------------------------------------------------------------------
# Procedures
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewProcedure:
    """What is entered for a new procedure. ``procedure_id`` None: the app makes one (e.g. "P7K2M9QX")."""

    surgery_date: date
    kind: str
    site: str
    surgeon: str
    risk: RiskFactors = field(default_factory=RiskFactors)
    trial_id: str | None = None
    procedure_id: str | None = None


@dataclass(frozen=True)
class ProcedureDetail:
    """A procedure with the bundle version it is scored against, its steps and who confirmed each."""

    procedure: QiProcedure
    bundle_version: int
    steps: tuple[qi_bundle.BundleStep, ...]
    answers: dict[str, StepAnswer]
    checkins: dict[int, date]
    full_compliance: bool | None
    created_by: str


def _new_public_id(session: Session) -> str:
    while True:
        candidate = "P" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(7))
        if not repo.procedure_exists(session, candidate):
            return candidate


def _trial_patient(session: Session, trial_id: str) -> TrialPatient:
    trial = repo.trial_patient(session, trial_id)
    if trial is None:
        raise InvalidInput(
            f"No trial {trial_id!r}: check the trial id, or leave it empty for a standalone procedure."
        )
    return trial


def _prefilled(risk: RiskFactors, patient: TrialPatient, surgery_date: date) -> RiskFactors:
    """Fill what ``risk`` leaves empty from the trial's patient: age at surgery, weight, BMI, GMFCS."""
    age = (
        age_in_whole_months(patient.birth_date, surgery_date) if patient.birth_date <= surgery_date else None
    )
    return RiskFactors(
        age_months=risk.age_months if risk.age_months is not None else age,
        weight_kg=risk.weight_kg if risk.weight_kg is not None else patient.weight_kg,
        bmi=risk.bmi
        if risk.bmi is not None
        else qi_procedures.bmi_from(patient.weight_kg, patient.height_cm),
        gmfcs_level=risk.gmfcs_level if risk.gmfcs_level is not None else patient.gmfcs_level,
        gastrostomy=risk.gastrostomy,
        prior_revisions_6m=risk.prior_revisions_6m,
        csf_leak=risk.csf_leak,
    )


def prefill_from_trial(app: App, actor: Actor, trial_id: str, surgery_date: date) -> RiskFactors:
    """The risk factors the trial's patient gives (age at ``surgery_date``, weight, BMI, GMFCS)."""
    require(actor, "view_qi")
    with app.db.read() as s:
        return _prefilled(RiskFactors(), _trial_patient(s, trial_id), surgery_date)


def _raise_problems(what: str, problems: Sequence[tuple[str, str]]) -> None:
    if problems:
        raise InvalidInput(f"{what} Nothing was saved.", [message for _field, message in problems])


def create_procedure(
    app: App,
    actor: Actor,
    data: NewProcedure,
    answers: Mapping[str, str] | None = None,
    confirmed_by: str | None = None,
) -> str:
    """Record a procedure (and any step answers already known) in one transaction; returns its id.

    With a trial id, the risk factors left empty are filled from the trial's patient. Answers are checked
    against the bundle version in force on the surgery date.
    """
    require(actor, "record_qi")
    confirmer = (confirmed_by or actor.display_name).strip()
    with app.db.write() as s:
        history = _history_for_writing(app, s, actor)
        trial = _trial_patient(s, data.trial_id) if data.trial_id else None
        risk = _prefilled(data.risk, trial, data.surgery_date) if trial else data.risk
        public_id = data.procedure_id or _new_public_id(s)
        record = QiProcedure(
            procedure_id=public_id,
            surgery_date=data.surgery_date,
            kind=data.kind,
            site=data.site.strip(),
            surgeon=data.surgeon.strip(),
            answers=dict(answers or {}),
            risk=risk,
            trial_id=data.trial_id,
            bundle_version=history.in_force(data.surgery_date).version,
        )
        problems = qi_procedures.procedure_problems(record, history, date.today())
        if data.procedure_id and repo.procedure_exists(s, data.procedure_id):
            problems.append(
                ("procedure_id", f"Procedure {data.procedure_id} is already on file: choose another id.")
            )
        if answers and not confirmer:
            problems.append(("confirmed_by", "Say who confirmed the step answers."))
        _raise_problems("The procedure was not recorded.", problems)
        trial_row_id = trial.trial_row_id if trial else None
        row_id = repo.add_procedure(
            s,
            replace(record, answers={}),
            trial_row_id=trial_row_id,
            created_by=actor.label,
            created_at=_now(),
        )
        app.audit.record(
            s,
            actor=actor.label,
            action=AuditAction.INSERT,
            table="qi_procedures",
            row_id=public_id,
            new={
                "date": record.surgery_date,
                "kind": record.kind,
                "site": record.site,
                "surgeon": record.surgeon,
                "bundle_version": record.bundle_version,
            },
            trial_id=trial_row_id,
        )
        stored = StoredProcedure(row_id, replace(record, answers={}), {}, {}, actor.label, trial_row_id)
        _store_answers(app, s, actor, stored, dict(answers or {}), confirmer)
        return public_id


def _store_answers(
    app: App,
    session: Session,
    actor: Actor,
    stored: StoredProcedure,
    answers: Mapping[str, str | None],
    confirmer: str,
    reason: str | None = None,
) -> int:
    """Store changed answers (None clears one); one audit row per changed step with old and new value."""
    changed = 0
    for code, answer in answers.items():
        old = stored.procedure.answers.get(code)
        if old == answer:
            continue
        changed += 1
        repo.set_answer(session, stored.row_id, code, answer, confirmer, _now())
        app.audit.record(
            session,
            actor=actor.label,
            action=AuditAction.DELETE if answer is None else "insert" if old is None else "update",
            table="qi_step_answers",
            row_id=f"{stored.procedure.procedure_id}/{code}",
            field="answer",
            old=old,
            new=None if answer is None else {"answer": answer, "confirmed_by": confirmer},
            reason=reason,
            trial_id=stored.trial_row_id,
        )
    return changed


def _answer_problems(
    stored: StoredProcedure, history: BundleHistory, answers: Mapping[str, str | None], confirmer: str
) -> list[tuple[str, str]]:
    merged = dict(stored.procedure.answers)
    for code, value in answers.items():
        if value is None:
            merged.pop(code, None)
        else:
            merged[code] = value
    record = replace(stored.procedure, answers=merged)
    problems = [
        (f, msg) for f, msg in qi_procedures.procedure_problems(record, history, date.today()) if f in answers
    ]
    if not confirmer and any(v is not None for v in answers.values()):
        problems.append(("confirmed_by", "Say who confirmed the step answers."))
    return problems


def _store_risk(app: App, session: Session, actor: Actor, stored: StoredProcedure, risk: RiskFactors) -> int:
    """Replace the risk factors; one audit row with the changed factors, old and new. Returns 1 if changed."""
    old = stored.procedure.risk
    if old == risk:
        return 0
    repo.set_risk(session, stored.row_id, risk)
    changes = {k: v for k, v in vars(risk).items() if getattr(old, k) != v}
    app.audit.record(
        session,
        actor=actor.label,
        action=AuditAction.UPDATE,
        table="qi_procedures",
        row_id=stored.procedure.procedure_id,
        field="risk_factors",
        old={k: getattr(old, k) for k in changes},
        new=changes,
        trial_id=stored.trial_row_id,
    )
    return 1


def update_checklist(
    app: App,
    actor: Actor,
    procedure_id: str,
    answers: Mapping[str, str | None],
    risk: RiskFactors | None = None,
    confirmed_by: str | None = None,
) -> int:
    """Save a procedure's checklist in one transaction: step answers (yes / no / na; None clears one),
    confirmed by ``confirmed_by`` (default: the signed-in user), and, when given, its risk factors.
    Returns how many answers and risk-factor sets changed."""
    require(actor, "record_qi")
    confirmer = (confirmed_by or actor.display_name).strip()
    with app.db.write() as s:
        history = _history_for_writing(app, s, actor)
        stored = repo.get_procedure(s, procedure_id)
        problems = _answer_problems(stored, history, answers, confirmer)
        if risk is not None:
            problems += [("risk", message) for message in qi_procedures.risk_factor_problems(risk)]
        _raise_problems("The checklist was not saved.", problems)
        changed = _store_answers(app, s, actor, stored, answers, confirmer)
        if risk is not None:
            changed += _store_risk(app, s, actor, stored, risk)
        return changed


def record_step_answers(
    app: App,
    actor: Actor,
    procedure_id: str,
    answers: Mapping[str, str | None],
    confirmed_by: str | None = None,
) -> int:
    """Record yes / no / na for steps of one procedure (None clears an answer); returns how many changed.
    ``confirmed_by`` is who confirmed them (default: the signed-in user)."""
    return update_checklist(app, actor, procedure_id, answers, None, confirmed_by)


def update_risk_factors(app: App, actor: Actor, procedure_id: str, risk: RiskFactors) -> None:
    """Replace a procedure's risk factors (the changed factors audited with old and new values)."""
    require(actor, "record_qi")
    problems = qi_procedures.risk_factor_problems(risk)
    if problems:
        raise InvalidInput("The risk factors were not saved.", problems)
    with app.db.write() as s:
        _store_risk(app, s, actor, repo.get_procedure(s, procedure_id), risk)


def correct_procedure(
    app: App,
    actor: Actor,
    procedure_id: str,
    *,
    reason: str,
    surgery_date: date | None = None,
    kind: str | None = None,
    site: str | None = None,
    surgeon: str | None = None,
    clear_answers_not_applying: bool = False,
) -> None:
    """Correct the date, kind, site or surgeon of a recorded procedure (``None``: kept as recorded); a
    reason is required, and a blank site or surgeon is refused like a new procedure's.

    A new kind may leave yes/no answers to steps that kind is not asked (:func:`answers_cleared_by`):
    with ``clear_answers_not_applying`` they are cleared in the same transaction (each audited with the
    reason); without it the correction is refused, naming them."""
    require(actor, "record_qi")
    if not reason.strip():
        raise InvalidInput("Give the reason for the correction; nothing was changed.")
    with app.db.write() as s:
        history = _history_for_writing(app, s, actor)
        stored = repo.get_procedure(s, procedure_id)
        if kind is not None and clear_answers_not_applying:
            cleared = qi_procedures.answers_not_applying(stored.procedure, history, kind)
            if cleared:
                _store_answers(
                    app, s, actor, stored, dict.fromkeys(cleared), actor.display_name, reason.strip()
                )
                stored = repo.get_procedure(s, procedure_id)
        before = stored.procedure
        after = replace(
            before,
            surgery_date=before.surgery_date if surgery_date is None else surgery_date,
            kind=before.kind if kind is None else kind,
            site=(before.site if site is None else site).strip(),
            surgeon=(before.surgeon if surgeon is None else surgeon).strip(),
        )
        _raise_problems(
            "The procedure was not corrected.", qi_procedures.procedure_problems(after, history, date.today())
        )
        for name, old, new in (
            ("surgery_date", before.surgery_date, after.surgery_date),
            ("kind", before.kind, after.kind),
            ("site", before.site, after.site),
            ("surgeon", before.surgeon, after.surgeon),
        ):
            if old == new:
                continue
            repo.set_field(s, stored.row_id, name, new)
            app.audit.record(
                s,
                actor=actor.label,
                action=AuditAction.UPDATE,
                table="qi_procedures",
                row_id=procedure_id,
                field=name,
                old=old,
                new=new,
                reason=reason.strip(),
                trial_id=stored.trial_row_id,
            )


def answers_cleared_by(
    app: App, actor: Actor, procedure_id: str, kind: str
) -> tuple[qi_bundle.BundleStep, ...]:
    """The steps whose yes/no answers a correction of the procedure's kind to ``kind`` would clear (a
    procedure of that kind is not asked them), for the correction dialog to name them."""
    require(actor, "view_qi")
    with app.db.read() as s:
        history = history_in(s)
        record = repo.get_procedure(s, procedure_id).procedure
    codes = qi_procedures.answers_not_applying(record, history, kind)
    steps = (history.step_info(code) for code in codes)
    return tuple(step for step in steps if step is not None)


def get_procedure(app: App, actor: Actor, procedure_id: str) -> ProcedureDetail:
    """One procedure with its applicable steps (the version it was recorded against), answers with who confirmed, check-ins."""
    require(actor, "view_qi")
    with app.db.read() as s:
        history = history_in(s)
        stored = repo.get_procedure(s, procedure_id)
    record = stored.procedure
    version = record.scored_against(history)
    return ProcedureDetail(
        procedure=record,
        bundle_version=version.version,
        steps=version.bundle.applicable(record.kind),
        answers=dict(stored.answers),
        checkins=dict(stored.checkins),
        full_compliance=qi_compliance.is_fully_compliant(record, version.bundle),
        created_by=stored.created_by,
    )


def list_procedures(app: App, actor: Actor, qi_filter: QiFilter | None = None) -> list[QiProcedure]:
    """Procedures by surgery date (then id), optionally filtered."""
    require(actor, "view_qi")
    with app.db.read() as s:
        chosen = qi_filter or QiFilter()
        return [p.procedure for p in repo.all_procedures(s) if chosen.matches(p.procedure)]


def filter_choices(app: App, actor: Actor) -> tuple[list[str], list[str]]:
    """The sites and surgeons on file, sorted, for the dashboard's filters."""
    require(actor, "view_qi")
    with app.db.read() as s:
        choices = repo.filter_choices(s)
    return list(choices.sites), list(choices.surgeons)


# --------------------------------------------------------------------------------------------------
# Infections and follow-up
# --------------------------------------------------------------------------------------------------


def record_ssi(
    app: App,
    actor: Actor,
    procedure_id: str,
    criterion: str,
    ssi_date: date,
    organism: str | None = None,
    reason: str | None = None,
) -> None:
    """Record the procedure's surgical-site infection: ``criterion`` culture_positive, removal_suspected
    (system removed for suspected infection) or dehiscence_exposed (wound dehiscence with exposed
    hardware), its date and the organism (required when culture-positive). Replacing an infection already
    recorded needs a reason."""
    require(actor, "record_qi")
    if criterion not in qi_procedures.SSI_CRITERIA:
        raise InvalidInput(
            f"{criterion!r} is not a way to establish an infection: use {', '.join(qi_procedures.SSI_CRITERIA)}. "
            "Nothing was saved."
        )
    with app.db.write() as s:
        history = _history_for_writing(app, s, actor)
        stored = repo.get_procedure(s, procedure_id)
        before = stored.procedure
        ssi = Ssi(
            qi_procedures.SSI_CRITERIA[criterion], ssi_date, criterion, (organism or "").strip() or None
        )
        if before.ssi == ssi:
            return
        if before.ssi is not None and not (reason or "").strip():
            raise InvalidInput(
                f"Procedure {procedure_id} already has an infection recorded ({before.ssi.kind}, "
                f"{before.ssi.on.isoformat()}). Give the reason for changing it; nothing was saved."
            )
        after = replace(before, ssi=ssi)
        problems = [
            (f, msg)
            for f, msg in qi_procedures.procedure_problems(after, history, date.today())
            if f.startswith(("ssi", "organism"))
        ]
        _raise_problems("The infection was not recorded.", problems)
        repo.set_ssi(s, stored.row_id, ssi)
        app.audit.record(
            s,
            actor=actor.label,
            action=AuditAction.UPDATE if before.ssi else "insert",
            table="qi_procedures",
            row_id=procedure_id,
            field="ssi",
            old=_ssi_dict(before.ssi),
            new=_ssi_dict(ssi),
            reason=(reason or "").strip() or None,
            trial_id=stored.trial_row_id,
        )


def _ssi_dict(ssi: Ssi | None) -> dict[str, Any] | None:
    if ssi is None:
        return None
    return {
        "kind": ssi.kind,
        "criterion": ssi.criterion,
        "date": ssi.on.isoformat(),
        "organism": ssi.organism,
    }


def remove_ssi(app: App, actor: Actor, procedure_id: str, reason: str) -> None:
    """Remove an infection recorded by mistake; the reason is required and kept in the audit trail."""
    require(actor, "record_qi")
    if not reason.strip():
        raise InvalidInput("Give the reason for removing the infection; nothing was changed.")
    with app.db.write() as s:
        stored = repo.get_procedure(s, procedure_id)
        before = stored.procedure.ssi
        if before is None:
            raise InvalidInput(f"Procedure {procedure_id} has no infection recorded; nothing was changed.")
        repo.set_ssi(s, stored.row_id, None)
        app.audit.record(
            s,
            actor=actor.label,
            action=AuditAction.DELETE,
            table="qi_procedures",
            row_id=procedure_id,
            field="ssi",
            old=_ssi_dict(before),
            reason=reason.strip(),
            trial_id=stored.trial_row_id,
        )


def _checkin_days(session: Session) -> tuple[int, ...]:
    days = repo.setting_value(session, CHECKIN_DAYS_SETTING)
    if (
        isinstance(days, list)
        and days
        and all(
            isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= qi_surveillance.SSI_WINDOW_DAYS
            for d in days
        )
    ):
        return tuple(sorted(set(days)))
    return qi_surveillance.DEFAULT_CHECKIN_DAYS


def parse_checkin_days(text: str) -> tuple[int, ...]:
    """The follow-up days written as "14,30,60,90": whole days from 1 to 90, each once, sorted;
    InvalidInput says how to write them."""
    parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    window = qi_surveillance.SSI_WINDOW_DAYS
    if not parts or not all(p.isdigit() and 1 <= int(p) <= window for p in parts):
        raise InvalidInput(
            f"{text.strip()!r} is not a list of follow-up days: write whole days from 1 to {window} after "
            'surgery, separated by commas, for example "14,30,60,90". Nothing was changed.'
        )
    days = [int(p) for p in parts]
    if len(set(days)) != len(days):
        raise InvalidInput("A follow-up day appears twice: list each day once. Nothing was changed.")
    return tuple(sorted(days))


def set_checkin_days(app: App, actor: Actor, text: str) -> tuple[int, ...]:
    """Set the site's follow-up days (setting ``qi.checkin_days``, audited with old and new value); the
    follow-up list uses them from now on."""
    require(actor, "edit_settings")
    days = parse_checkin_days(text)
    with app.db.write() as s:
        write_setting(app, s, actor, CHECKIN_DAYS_SETTING, list(days))
    return days


def checkin_days(app: App, actor: Actor) -> tuple[int, ...]:
    """The site's follow-up days after surgery (setting ``qi.checkin_days``; default 14, 30, 60, 90)."""
    require(actor, "view_qi")
    with app.db.read() as s:
        return _checkin_days(s)


def _with_checkins(session: Session) -> list[tuple[QiProcedure, Mapping[int, date]]]:
    return [(p.procedure, p.checkins) for p in repo.all_procedures(session)]


def follow_up(app: App, actor: Actor, as_of: date | None = None) -> tuple[FollowUp, ...]:
    """The surveillance list on ``as_of`` (default today): procedures inside their 90-day window, with the
    check-ins due first."""
    require(actor, "view_qi")
    with app.db.read() as s:
        return qi_surveillance.follow_up_list(_with_checkins(s), as_of or date.today(), _checkin_days(s))


def record_checkin(
    app: App, actor: Actor, procedure_id: str, day: int, done_on: date, note: str | None = None
) -> None:
    """Record that the day-``day`` follow-up contact was done on ``done_on`` (no infection found; record an
    infection with :func:`record_ssi`)."""
    require(actor, "record_qi")
    with app.db.write() as s:
        days = _checkin_days(s)
        stored = repo.get_procedure(s, procedure_id)
        problems = []
        if day not in days:
            problems.append(f"Day {day} is not a follow-up day: use one of {', '.join(map(str, days))}.")
        if day in stored.checkins:
            problems.append(f"The day-{day} check-in is already recorded for {procedure_id}.")
        if done_on < stored.procedure.surgery_date:
            problems.append(f"The check-in date {done_on.isoformat()} is before the surgery.")
        if done_on > date.today():
            problems.append(f"The check-in date {done_on.isoformat()} is in the future.")
        if problems:
            raise InvalidInput("The check-in was not recorded.", problems)
        repo.add_checkin(s, stored.row_id, day, done_on, actor.label, note or None)
        app.audit.record(
            s,
            actor=actor.label,
            action=AuditAction.INSERT,
            table="qi_checkins",
            row_id=f"{procedure_id}/day{day}",
            new={"done_on": done_on, "note": note or None},
            trial_id=stored.trial_row_id,
        )


# --------------------------------------------------------------------------------------------------
# Summary (R11–R13)
# --------------------------------------------------------------------------------------------------


def check_period(period: str) -> None:
    """Refuse a chart period other than month or quarter (InvalidInput)."""
    if period not in qi_charts.PERIODS:
        raise InvalidInput(f"The period must be month or quarter, not {period!r}.")


def summary_in(
    session: Session, history: BundleHistory, as_of: date, period: str, qi_filter: QiFilter | None
) -> QiSummary:
    """R11–R13 over the procedures ``session`` reads (inside the caller's transaction)."""
    procedures = [p.procedure for p in repo.all_procedures(session)]
    return summarize_qi(procedures, history, as_of, period, qi_filter)


def qi_summary(
    app: App,
    actor: Actor,
    as_of: date | None = None,
    period: str = "quarter",
    qi_filter: QiFilter | None = None,
) -> QiSummary:
    """R11–R13 over the procedures matching ``qi_filter`` on ``as_of`` (default today)."""
    require(actor, "view_qi")
    check_period(period)
    with app.db.read() as s:
        return summary_in(s, history_in(s), as_of or date.today(), period, qi_filter)


def qi_summary_json(
    app: App,
    actor: Actor,
    as_of: date | None = None,
    period: str = "quarter",
    qi_filter: QiFilter | None = None,
) -> dict[str, Any]:
    """The ``qi summary --json`` object."""
    return qi_summary_to_json(qi_summary(app, actor, as_of, period, qi_filter))


def audit_chain_head(app: App, actor: Actor) -> str:
    """The audit chain head, printed on QI reports so that a rewritten trail is detectable."""
    require(actor, "view_qi")
    with app.db.read() as s:
        return chain_head(s)


# --------------------------------------------------------------------------------------------------
# CSV exchange
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CsvImport:
    """What an import did: the new procedure ids, and the ids already on file with identical content."""

    added: tuple[str, ...]
    unchanged: tuple[str, ...]


def import_csv(app: App, actor: Actor, text: str, today: date | None = None) -> CsvImport:
    """Import procedures from the QI CSV in one transaction.

    Every row is validated first and every problem listed (InvalidInput, with row and column); nothing is
    written unless the whole file is valid. New procedure ids are added; an id already on file must match
    the stored procedure in every column of the file (it is then left as it is): changes to recorded
    procedures are made in the app, where each is audited with its reason.
    """
    require(actor, "import_qi")
    day = today or date.today()
    with app.db.write() as s:
        history = _history_for_writing(app, s, actor)
        content = qi_csv.read_qi_csv(text, history, day)
        problems = list(content.problems)
        existing = {p.procedure.procedure_id: p.procedure for p in repo.all_procedures(s)}
        added: list[qi_csv.CsvRow] = []
        unchanged: list[str] = []
        for row in content.rows:
            stored = existing.get(row.procedure.procedure_id)
            if stored is None:
                added.append(row)
                continue
            old = qi_csv.procedure_cells(stored, content.step_columns)
            new = qi_csv.procedure_cells(row.procedure, content.step_columns)
            header = qi_csv.expected_header(content.step_columns)
            differ = [
                f"{h} {a or '(empty)'} → {b or '(empty)'}"
                for h, a, b in zip(header, old, new, strict=True)
                if a != b
            ]
            if differ:
                problems.append(
                    qi_csv.CsvProblem(
                        row.row,
                        "procedure_id",
                        f"Procedure {row.procedure.procedure_id} is already on file with different values "
                        f"({'; '.join(differ)}). Change recorded procedures in the app (each change is audited), "
                        "or give this row a new procedure_id.",
                    )
                )
            else:
                unchanged.append(row.procedure.procedure_id)
        if problems:
            problems.sort(key=lambda p: p.row or 0)
            raise InvalidInput(
                f"The file was not imported: {len(problems)} problem(s). Fix them and import again; "
                "the database was not changed.",
                [str(p) for p in problems],
            )
        for row in added:
            p = replace(row.procedure, bundle_version=history.in_force(row.procedure.surgery_date).version)
            row_id = repo.add_procedure(s, p, trial_row_id=None, created_by=actor.label, created_at=_now())
            for code, answer in p.answers.items():
                repo.set_answer(s, row_id, code, answer, f"CSV import ({actor.label})", _now())
            app.audit.record(
                s,
                actor=actor.label,
                action=AuditAction.IMPORT,
                table="qi_procedures",
                row_id=p.procedure_id,
                new={
                    "csv_row": row.row,
                    **dict(
                        zip(
                            qi_csv.expected_header(content.step_columns),
                            qi_csv.procedure_cells(p, content.step_columns),
                            strict=True,
                        )
                    ),
                },
            )
        app.audit.record(
            s,
            actor=actor.label,
            action=AuditAction.IMPORT,
            table="qi_procedures",
            new={
                "format": "qi-csv",
                "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
                "added": len(added),
                "unchanged": len(unchanged),
            },
        )
        return CsvImport(tuple(r.procedure.procedure_id for r in added), tuple(unchanged))


def export_csv(app: App, actor: Actor, qi_filter: QiFilter | None = None) -> str:
    """All procedures (or those matching ``qi_filter``) as the QI CSV, one column per step code ever used
    (current bundle first). Audited."""
    require(actor, "view_qi")
    with app.db.write() as s:
        history = history_in(s)
        chosen = qi_filter or QiFilter()
        procedures = [p.procedure for p in repo.all_procedures(s) if chosen.matches(p.procedure)]
        text = qi_csv.write_qi_csv(procedures, history.step_codes())
        app.audit.record(
            s,
            actor=actor.label,
            action=AuditAction.EXPORT,
            table="qi_procedures",
            new={"format": "qi-csv", "procedures": len(procedures), "filter": chosen.describe()},
        )
        return text
