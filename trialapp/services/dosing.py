"""Giving a dose: R7 suggestion, R8 checks, the blind independent double check, signature.

The first clinician (a neurosurgeon) enters dose, concentration, volume, time, via and lot. A second,
different clinician identifies themselves first (:func:`identify_checker`: the orderer is refused at once),
then enters dose, concentration and volume without seeing the first entry (:func:`compare_check`). The
service compares the two, applies R8 (errors block; each warning needs a reason; a dose above the protocol
maximum needs the neurosurgeon's override with a reason of at least 15 characters; nothing above the site's
hard ceiling), re-checks both passwords, and writes the dose, both entries, the warnings and reasons in one
audited transaction. On any refusal no dose is written.

Every refused check (entries differ, the same person, a wrong password) and every discarded check is a near
miss (R8 revision 2): one audit row ``near_miss`` with both entries and who, counted per day on the clinical
summary (:func:`near_miss_counts`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from trialapp.domain.dosing import (
    OVERRIDE_WARNING_CODE,
    Bedside,
    DoseCheckResult,
    DoseContext,
    DoseEntry,
    NextDoseSuggestion,
    PriorDose,
    check_dose,
    format_concentration,
    format_dose,
    format_volume,
    suggest_next_dose,
    volume_for,
)
from trialapp.domain.records import AcknowledgedWarning, Dose, TrialDocument
from trialapp.domain.response import day_response
from trialapp.services import users
from trialapp.services.app_settings import hard_ceiling_in
from trialapp.services.context import Actor, App
from trialapp.services.errors import AuthenticationFailed, InvalidInput
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
    volume_ml: float | None = None


#: Near-miss kinds (the audit row's ``field``) and how History and the summary word them.
NEAR_MISS_KINDS: Final[dict[str, str]] = {
    "entries_differ": "the two entries differed",
    "same_person": "the orderer tried to check their own order",
    "wrong_password": "the checker's password was not accepted",
    "not_allowed": "the checker may not check doses",
    "discarded": "the check was discarded",
}


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


def _bedside(session: Session, doc: TrialDocument, day_number: int) -> Bedside:
    """The bedside facts R8 revision 2 checks: the site's hard ceiling, the weight, the day's baselines."""
    day = find_day(doc, day_number)
    return Bedside(
        hard_ceiling_mcg=hard_ceiling_in(session),
        weight_kg=doc.patient.weight_kg,
        day_baseline_times=tuple(a.at for a in day.assessments if a.kind == "baseline"),
    )


def _context(session: Session, doc: TrialDocument, day_number: int) -> DoseContext:
    return DoseContext(
        doc.trial.settings, doc.patient.birth_date, _prior_doses(doc), _bedside(session, doc, day_number)
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
        check_volume_ml=check.volume_ml if check else None,
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
        ctx = _context(s, doc, order.day)
    entry = replace(_entry(order, giver, None, None), require_double_check=False)
    return check_dose(entry, ctx)


def _same_username(a: str, b: str) -> bool:
    return users.normalise_username(a) == users.normalise_username(b)


def identify_checker(app: App, giver: Actor, order: DoseOrder, username: str, password: str) -> Actor:
    """The second clinician identifies themselves before entering anything (R8 revision 2).

    The orderer is refused at once (before the password is even checked); a wrong password, or a user who
    may not check doses, is refused too. Each refusal is recorded as a near miss and raised.
    """
    require(giver, "give_dose")
    if _same_username(username, giver.username):
        message = (
            "You ordered this dose, so you cannot check it: hand over to a second clinician (nurse, physical "
            "therapist or another neurosurgeon)."
        )
        record_near_miss(app, giver, order, "same_person", checker=username, detail=message)
        raise InvalidInput(message)
    try:
        checker = users.authenticate(app, username, password)
    except AuthenticationFailed as exc:
        record_near_miss(app, giver, order, "wrong_password", checker=username, detail=str(exc))
        raise
    if not allowed(checker, "check_dose"):
        message = (
            f"{checker.display_name} ({checker.role}) cannot be the second checker: ask a nurse, physical "
            "therapist or another neurosurgeon."
        )
        record_near_miss(app, giver, order, "not_allowed", checker=username, detail=message)
        raise InvalidInput(message)
    return checker


def compare_check(app: App, giver: Actor, order: DoseOrder, check: BlindCheck) -> None:
    """Compare the checker's blind entry with the order (R8): dose, concentration and volume.

    Entries that differ (or the same person) are a near miss: recorded, then refused with what differs.
    """
    require(giver, "give_dose")
    with app.db.read() as s:
        doc = repo.document_record(repo.get_trial(s, order.trial_id))
        ctx = _context(s, doc, order.day)
    entry = _entry(order, giver, check, None)
    codes = ("double_check_mismatch", "double_check_same_person")
    refused = [f for f in check_dose(entry, ctx).errors if f.code in codes]
    if refused:
        kind = "same_person" if refused[0].code == "double_check_same_person" else "entries_differ"
        detail = " ".join(f.message for f in refused)
        record_near_miss(app, giver, order, kind, checker=check.username, check=check, detail=detail)
        raise InvalidInput("The check does not match the order.", [f.message for f in refused])


def _entry_values(dose_mcg: int | None, concentration: int | None, volume_ml: float | None) -> dict[str, Any]:
    return {"dose_mcg": dose_mcg, "concentration_mcg_per_ml": concentration, "volume_ml": volume_ml}


def record_near_miss(
    app: App,
    giver: Actor,
    order: DoseOrder,
    kind: str,
    *,
    checker: str | None,
    check: BlindCheck | None = None,
    detail: str = "",
) -> None:
    """Write one near miss to the audit trail (R8 revision 2): the order, the check entry as far as it
    went, who ordered and who checked, and what happened in words. ``kind`` is a key of
    :data:`NEAR_MISS_KINDS`."""
    require(giver, "give_dose")
    if kind not in NEAR_MISS_KINDS:
        raise ValueError(f"unknown near-miss kind {kind!r}")
    with app.db.write() as s:
        trial = repo.get_trial(s, order.trial_id, full=False)
        app.audit.record(
            s,
            actor=giver.label,
            action=AuditAction.NEAR_MISS,
            table="doses",
            trial_id=trial.id,
            field=kind,
            old=_entry_values(order.dose_mcg, order.concentration_mcg_per_ml, order.volume_ml),
            new={
                "day": order.day,
                "checker": f"user:{users.normalise_username(checker)}" if checker else None,
                "check_entry": _entry_values(
                    check.dose_mcg if check else None,
                    check.concentration_mcg_per_ml if check else None,
                    check.volume_ml if check else None,
                ),
                "detail": detail,
            },
        )


def near_miss_counts(session: Session, trial_row_id: int) -> dict[int, int]:
    """Near misses per trial day (day number → count), from the audit trail, for the clinical summary."""
    counts: dict[int, int] = {}
    rows = session.execute(
        select(m.AuditEntry.new_value).where(
            m.AuditEntry.trial_id == trial_row_id, m.AuditEntry.action == AuditAction.NEAR_MISS
        )
    ).scalars()
    for text in rows:
        day = _day_of(text)
        if day is not None:
            counts[day] = counts.get(day, 0) + 1
    return counts


def _day_of(stored: str | None) -> int | None:
    try:
        value = json.loads(stored or "")
    except ValueError:
        return None
    day = value.get("day") if isinstance(value, dict) else None
    return day if isinstance(day, int) and not isinstance(day, bool) else None


def describe_entry(values: dict[str, Any]) -> str:
    """An entry of the double check in words: "75 mcg at 50 mcg/mL, 1.5 mL" (parts not entered left out)."""
    parts = []
    if isinstance(values.get("dose_mcg"), int):
        parts.append(format_dose(values["dose_mcg"]))
    if isinstance(values.get("concentration_mcg_per_ml"), int):
        parts.append(f"at {format_concentration(values['concentration_mcg_per_ml'])}")
    if isinstance(values.get("volume_ml"), int | float) and not isinstance(values.get("volume_ml"), bool):
        parts.append(f"= {format_volume(values['volume_ml'])}")
    return " ".join(parts) or "nothing entered"


def give_dose(app: App, giver: Actor, giver_password: str, order: DoseOrder, check: BlindCheck) -> int:
    """Record a dose after the blind double check and both signatures; returns the dose's row id."""
    require(giver, "give_dose")
    users.verify_signature(app, giver, giver_password)
    checker = identify_checker(app, giver, order, check.username, check.password)
    compare_check(app, giver, order, check)
    with app.db.write() as s:
        trial = repo.get_trial(s, order.trial_id)
        doc = repo.document_record(trial)
        day = find_day(doc, order.day)
        result = check_dose(_entry(order, giver, check, checker), _context(s, doc, order.day))
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
        messages[OVERRIDE_WARNING_CODE] = (
            f"{format_dose(order.dose_mcg)} is above the protocol maximum of "
            f"{format_dose(doc.trial.settings.max_dose_mcg)}: overridden by the neurosurgeon"
        )
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
