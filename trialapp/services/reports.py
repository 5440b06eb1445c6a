"""Printing a trial summary: the family copy (English or Spanish) or the clinical copy, as PDF bytes.

One call is one print: it loads the trial, records the print in the audit trail (action ``print``, with the
kind, language and paper), reads the audit chain head that now includes that row, and builds the PDF, all in
one transaction. If the PDF cannot be built, nothing is recorded. The clinical copy prints the chain head, so
``trialapp check`` run right after the print shows the same value.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from trialapp.domain.summary import summarize_trial
from trialapp.services.context import Actor, App
from trialapp.services.dosing import near_miss_counts
from trialapp.services.errors import InvalidInput
from trialapp.services.permissions import ROLE_NAMES, require
from trialapp.services.site_settings import SiteSettings, site_settings_in
from trialapp.services.vital_limits import site_limits_in
from trialapp.storage import models as m
from trialapp.storage import repositories as repo
from trialapp.storage.audit import chain_head
from trialapp.storage.audit_actions import AuditAction

if TYPE_CHECKING:
    from trialapp.reports.clinical import Correction, DoubleCheck, StoredAlert
    from trialapp.reports.layout import ClinicContact

# The PDF builders import reportlab, which is heavy: they are imported when the first summary is printed
# (DESIGN.md: heavy modules load when first needed), not when this module is imported.

KINDS: Final = ("family", "clinical")
LANGUAGES: Final = ("en", "es")
PAPERS: Final = {"a4": "A4", "letter": "letter"}


def _clinic(settings: SiteSettings) -> ClinicContact:
    from trialapp.reports.layout import ClinicContact

    return ClinicContact(settings.clinic_name, settings.clinic_phone, settings.emergency_number)


def validate_request(kind: str, lang: str | None, paper: str) -> tuple[str, str | None, str]:
    """Normalise kind, language and paper, or raise InvalidInput listing every problem and the choices."""
    problems = []
    kind_code = kind.strip().lower()
    if kind_code not in KINDS:
        problems.append(f"Unknown summary '{kind}'. Choose family or clinical.")
    lang_code = lang.strip().lower() if lang is not None and lang.strip() else None
    if lang_code is not None and lang_code not in LANGUAGES:
        problems.append(f"No family summary in '{lang}'. Choose en (English) or es (Spanish).")
    if lang_code is not None and kind_code == "clinical" and lang_code != "en":
        problems.append("The clinical summary is printed in English only; leave out the language.")
    paper_code = PAPERS.get(paper.strip().lower(), "")
    if not paper_code:
        problems.append(f"Unknown paper size '{paper}'. Choose A4 or letter.")
    if problems:
        raise InvalidInput("The summary was not printed.", problems)
    return kind_code, lang_code, paper_code


def _people(session: Session) -> dict[str, str]:
    """Usernames (and audit labels) of the app's users → "Full Name, role", for names in the records."""
    known: dict[str, str] = {}
    for user in session.execute(select(m.User)).scalars():
        words = f"{user.full_name}, {ROLE_NAMES.get(user.role, user.role)}"
        known[user.username.lower()] = words
        known[f"user:{user.username}".lower()] = words
    return known


def _double_checks(session: Session, trial: m.TrialRow) -> dict[tuple[int, int], DoubleCheck]:
    """The blind double-check entries of each dose, keyed by (day number, index in the day's doses)."""
    from trialapp.reports.clinical import DoubleCheck

    usernames = {u.id: u.username for u in session.execute(select(m.User)).scalars()}
    checks: dict[tuple[int, int], DoubleCheck] = {}
    for day in trial.days:
        # The same order as repositories.document_record, so (day, index) matches the domain record's doses.
        for index, dose in enumerate(day.doses):
            checks[(day.day_number, index)] = DoubleCheck(
                first_dose_mcg=dose.first_entry_dose_mcg,
                first_concentration=dose.first_entry_concentration,
                check_dose_mcg=dose.check_entry_dose_mcg,
                check_concentration=dose.check_entry_concentration,
                entered_by=usernames.get(dose.entered_by_user_id or 0) or dose.given_by,
                checked_by=usernames.get(dose.checked_by_user_id or 0) or dose.checked_by,
                signed_at=dose.signed_at,
                warning_messages={w.code: w.message for w in dose.warnings if w.message},
            )
    return checks


def _corrections(session: Session, trial_row_id: int) -> tuple[Correction, ...]:
    from trialapp.reports.clinical import Correction

    rows = session.execute(
        select(m.AuditEntry)
        .where(m.AuditEntry.trial_id == trial_row_id, m.AuditEntry.reason.is_not(None))
        .order_by(m.AuditEntry.id)
    ).scalars()
    return tuple(
        Correction(
            at_utc=row.at_utc,
            actor=row.actor,
            action=row.action,
            table=row.table_name,
            row_id=row.row_id,
            field=row.field,
            old=row.old_value,
            new=row.new_value,
            reason=row.reason or "",
        )
        for row in rows
        if (row.reason or "").strip()
    )


def _stored_alerts(session: Session, trial_row_id: int) -> tuple[StoredAlert, ...]:
    from trialapp.reports.clinical import StoredAlert

    rows = session.execute(
        select(m.VitalAlertRecord)
        .where(m.VitalAlertRecord.trial_id == trial_row_id)
        .order_by(m.VitalAlertRecord.raised_at, m.VitalAlertRecord.id)
    ).scalars()
    return tuple(
        StoredAlert(r.raised_at, r.level, r.message, r.acknowledged_by, r.acknowledged_at) for r in rows
    )


def _decision_signed(session: Session, trial: m.TrialRow) -> tuple[str, datetime] | None:
    decision = trial.decision
    if decision is None or decision.signed_at is None:
        return None
    signer = session.get(m.User, decision.signed_by_user_id) if decision.signed_by_user_id else None
    return (signer.username if signer is not None else decision.decided_by or "unknown", decision.signed_at)


def render_report(
    app: App,
    actor: Actor,
    trial_id: str,
    kind: str,
    lang: str | None = None,
    paper: str = "A4",
    *,
    now: datetime | None = None,
) -> bytes:
    """Print one summary of a trial and return the PDF bytes (audited as a ``print``).

    ``kind`` is ``family`` or ``clinical``; ``lang`` (family only) ``en`` or ``es``, by default the family's
    preferred language; ``paper`` ``A4`` or ``letter``. Bad choices raise InvalidInput listing each problem,
    and nothing is recorded. ``now`` fixes the printed time (tests).
    """
    kind_code, lang_code, paper_code = validate_request(kind, lang, paper)
    require(actor, "print_summary")
    from trialapp.reports.clinical import ClinicalReportData, build_clinical_pdf

    if kind_code == "family":  # its language catalogue (Babel) is not needed for the clinical copy
        from trialapp.reports.family import build_family_pdf, family_language
    printed_at = (now or datetime.now()).astimezone()
    with app.db.write() as s:
        trial = repo.get_trial(s, trial_id)
        doc = repo.document_record(trial)
        summary = summarize_trial(doc.trial)
        settings = site_settings_in(s)
        language = family_language(doc.patient.language, lang_code) if kind_code == "family" else "en"
        app.audit.record(
            s,
            actor=actor.label,
            action=AuditAction.PRINT,
            table="trials",
            row_id=trial.public_id,
            trial_id=trial.id,
            new={"kind": kind_code, "language": language, "paper": paper_code},
        )
        if kind_code == "family":
            return build_family_pdf(
                doc,
                summary,
                lang=language,
                paper=paper_code,
                clinic=_clinic(settings),
                printed_on=printed_at.date(),
            )
        people = _people(s)
        data = ClinicalReportData(
            trial_id=trial.public_id,
            state=trial.state,
            doc=doc,
            summary=summary,
            printed_by=actor.display_name,
            printed_at=printed_at,
            # Read after the print row: the head printed on the page is the one `trialapp check` shows next.
            chain_head=chain_head(s),
            clinic=_clinic(settings),
            double_checks=_double_checks(s, trial),
            near_misses=near_miss_counts(s, trial.id),
            suggested_next_doses={
                d.day_number: d.plan.suggested_dose_mcg
                for d in trial.days
                if d.plan is not None and d.plan.suggested_dose_mcg is not None
            },
            corrections=_corrections(s, trial.id),
            stored_alerts=_stored_alerts(s, trial.id),
            people=people,
            decision_signed=_decision_signed(s, trial),
            vital_bands=site_limits_in(s).bands,
        )
        return build_clinical_pdf(data, paper=paper_code)
