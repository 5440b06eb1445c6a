"""Giving a dose: R7 suggestion, R8 checks, the blind independent double check, signature.

The first clinician (a neurosurgeon) enters dose, concentration, volume, time, via and lot. A second,
different clinician signs in and enters dose and concentration without seeing the first entry. The service
compares the two, applies R8 (errors block; each warning needs a reason; a dose above the protocol maximum
needs the neurosurgeon's override with a reason), re-checks both passwords, and writes the dose, both
entries, the warnings and reasons in one audited transaction. On any refusal nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from trialapp.domain.dosing import (
    OVERRIDE_WARNING_CODE,
    DoseCheckResult,
    DoseContext,
    DoseEntry,
    NextDoseSuggestion,
    PriorDose,
    check_dose,
    format_dose,
    suggest_next_dose,
    volume_for,
)
from trialapp.domain.records import AcknowledgedWarning, Dose, TrialDocument
from trialapp.domain.response import day_response
from trialapp.services import users
from trialapp.services.context import Actor, App
from trialapp.services.errors import InvalidInput
from trialapp.services.permissions import allowed, require
from trialapp.services.validation import find_day, validate_document, with_day
from trialapp.storage import models as m
from trialapp.storage import repositories as repo
from trialapp.storage.audit_actions import AuditAction


@dataclass(frozen=True)
class DoseOrder:
    """The first clinician's entry."""

    trial_id: str
    day: int
    dose_mcg: int
    concentration_mcg_per_ml: int
    volume_ml: float | None
    given_at: datetime
    via: str | None = None
    lot: str | None = None
    warning_reasons: dict[str, str] = field(default_factory=dict)  # warning code -> reason
    override_reason: str | None = None


@dataclass(frozen=True)
class BlindCheck:
    """The second clinician's independent entry, made without seeing the first."""

    username: str
    password: str
    dose_mcg: int
    concentration_mcg_per_ml: int


def _prior_doses(doc: TrialDocument) -> tuple[PriorDose, ...]:
    return tuple(PriorDose(d.day, x.given_at, x.dose_mcg) for d in doc.trial.days for x in d.doses)


def suggestion_for_day(doc: TrialDocument, day_number: int) -> NextDoseSuggestion | None:
    """The R7 suggestion for ``day_number``, from the last dosed day before it; None on the first day."""
    return suggestion_after(doc, day_number - 1)


def suggestion_after(doc: TrialDocument, day_number: int) -> NextDoseSuggestion | None:
    """The R7 next-dose suggestion from the last dosed day up to ``day_number``; None before any dose."""
    settings = doc.trial.settings
    earlier = [d for d in doc.trial.days if d.day <= day_number and d.doses]
    if not earlier:
        return None
    last = max(earlier, key=lambda d: d.day)
    response = day_response(last, settings)
    if response.dose_mcg is None:
        return None
    if response.responder is None and not response.significant_adverse_effect:
        return NextDoseSuggestion(
            None,
            f"Day {last.day}'s response to {format_dose(response.dose_mcg)} is not known yet (it needs a "
            "baseline and a reassessment), so there is no suggestion.",
        )
    return suggest_next_dose(
        settings.ladder, response.dose_mcg, response.responder, response.significant_adverse_effect
    )


def _entry(order: DoseOrder, giver: Actor, check: BlindCheck | None, checker: Actor | None) -> DoseEntry:
    return DoseEntry(
        dose_mcg=order.dose_mcg,
        concentration_mcg_per_ml=order.concentration_mcg_per_ml,
        volume_ml=order.volume_ml,
        given_at=order.given_at,
        trial_day=order.day,
        entered_by=giver.username,
        check_dose_mcg=check.dose_mcg if check else None,
        check_concentration_mcg_per_ml=check.concentration_mcg_per_ml if check else None,
        checked_by=checker.username if checker else (check.username if check else None),
        override_reason=order.override_reason,
        override_by_neurosurgeon=giver.role == "neurosurgeon" and bool((order.override_reason or "").strip()),
    )


def preview_dose(app: App, giver: Actor, order: DoseOrder) -> DoseCheckResult:
    """R8 checks of the first entry alone (before the double check), for the dose dialog."""
    require(giver, "give_dose")
    with app.db.read() as s:
        trial = repo.get_trial(s, order.trial_id)
        doc = repo.document_record(trial)
    ctx = DoseContext(doc.trial.settings, doc.patient.birth_date, _prior_doses(doc))
    entry = replace(_entry(order, giver, None, None), require_double_check=False)
    return check_dose(entry, ctx)


def give_dose(app: App, giver: Actor, giver_password: str, order: DoseOrder, check: BlindCheck) -> int:
    """Record a dose after the blind double check and both signatures; returns the dose's row id."""
    require(giver, "give_dose")
    users.verify_signature(app, giver, giver_password)
    checker = users.authenticate(app, check.username, check.password)
    if not allowed(checker, "check_dose"):
        raise InvalidInput(
            f"{checker.display_name} ({checker.role}) cannot be the second checker: ask a nurse, physical "
            "therapist or another neurosurgeon."
        )
    with app.db.write() as s:
        trial = repo.get_trial(s, order.trial_id)
        doc = repo.document_record(trial)
        day = find_day(doc, order.day)
        ctx = DoseContext(doc.trial.settings, doc.patient.birth_date, _prior_doses(doc))
        result = check_dose(_entry(order, giver, check, checker), ctx)
        if result.errors:
            raise InvalidInput("The dose was not given.", [f.message for f in result.errors])
        missing = [w for w in result.warnings if not (order.warning_reasons.get(w.code) or "").strip()]
        if missing:
            raise InvalidInput(
                "The dose was not given: each warning needs a reason before the dose can be given.",
                [w.message for w in missing],
            )
        assert result.volume_ml is not None
        acknowledged = [
            AcknowledgedWarning(w.code, order.warning_reasons[w.code].strip(), giver.display_name)
            for w in result.warnings
        ]
        if order.override_reason and order.dose_mcg > doc.trial.settings.max_dose_mcg:
            acknowledged.append(
                AcknowledgedWarning(OVERRIDE_WARNING_CODE, order.override_reason.strip(), giver.display_name)
            )
        dose = Dose(
            given_at=order.given_at,
            dose_mcg=order.dose_mcg,
            concentration_mcg_per_ml=order.concentration_mcg_per_ml,
            volume_ml=order.volume_ml
            if order.volume_ml is not None
            else volume_for(order.dose_mcg, order.concentration_mcg_per_ml),
            via=order.via,
            lot=order.lot,
            given_by=giver.display_name,
            checked_by=checker.display_name,
            warnings_acknowledged=tuple(acknowledged),
        )
        changed = with_day(doc, replace(day, doses=(*day.doses, dose)))
        dose = find_day(validate_document(changed, what="dose"), order.day).doses[-1]
        row = repo.dose_row(dose)
        row.first_entry_dose_mcg = order.dose_mcg
        row.first_entry_concentration = order.concentration_mcg_per_ml
        row.check_entry_dose_mcg = check.dose_mcg
        row.check_entry_concentration = check.concentration_mcg_per_ml
        row.entered_by_user_id = giver.user_id
        row.checked_by_user_id = checker.user_id
        row.signed_at = datetime.now()
        messages = {w.code: w.message for w in result.warnings}
        for stored in row.warnings:
            stored.message = messages.get(stored.code)
        day_row = next(d for d in trial.days if d.day_number == order.day)
        day_row.doses.append(row)
        s.flush()
        app.audit.record(
            s,
            actor=giver.label,
            action=AuditAction.GIVE_DOSE,
            table="doses",
            row_id=row.id,
            trial_id=trial.id,
            new={
                "day": order.day,
                "dose_mcg": order.dose_mcg,
                "concentration_mcg_per_ml": order.concentration_mcg_per_ml,
                "volume_ml": dose.volume_ml,
                "given_at": order.given_at,
                "checked_by": checker.label,
                "check_entry": {
                    "dose_mcg": check.dose_mcg,
                    "concentration_mcg_per_ml": check.concentration_mcg_per_ml,
                },
            },
        )
        for warning in acknowledged:
            app.audit.record(
                s,
                actor=giver.label,
                action=AuditAction.ACKNOWLEDGE_WARNING,
                table="doses",
                row_id=row.id,
                trial_id=trial.id,
                field=warning.code,
                new=messages.get(warning.code, warning.code),
                reason=warning.reason,
            )
        return row.id


def correct_dose_record(
    app: App,
    actor: Actor,
    password: str,
    dose_id: int,
    *,
    reason: str,
    lot: str | None = None,
    via: str | None = None,
    given_at: datetime | None = None,
) -> None:
    """Correct the lot, route or time of a signed dose. A reason is required; the audit keeps the original.

    The amount and concentration are never edited: a wrong amount is documented as a correction note and
    an adverse-event review, because the drug was given as it was given.
    """
    require(actor, "correct_signed_record")
    if not reason.strip():
        raise InvalidInput("A correction of a signed dose needs a reason. Write why it is being corrected.")
    users.verify_signature(app, actor, password)
    with app.db.write() as s:
        row = s.get(m.DoseRecord, dose_id)
        if row is None:
            raise InvalidInput(f"There is no dose {dose_id}.")
        day = s.get(m.TrialDay, row.day_id)
        assert day is not None
        changes = {}
        for name, value in (("lot", lot), ("via", via), ("given_at", given_at)):
            if value is not None and value != getattr(row, name):
                changes[name] = (getattr(row, name), value)
        if not changes:
            raise InvalidInput("Nothing to correct: the new values are the same as the recorded ones.")
        for name, (_old, new) in changes.items():
            setattr(row, name, new)
        trial = repo.get_trial(s, s.get(m.TrialRow, day.trial_id).public_id)  # type: ignore[union-attr]
        validate_document(repo.document_record(trial), what="correction")
        app.audit.record_changes(
            s,
            actor=actor.label,
            table="doses",
            row_id=row.id,
            changes=changes,
            reason=reason.strip(),
            trial_id=day.trial_id,
        )
