"""The team's decisions: each day's plan (next dose, who agreed) and the signed candidacy decision."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from trialapp.domain.decision_checks import (
    NO_DAILY_DOSE,
    DecisionCheck,
    decision_checks,
    missing_reasons,
    rationale_with_reasons,
)
from trialapp.domain.dosing import format_dose
from trialapp.domain.records import DayPlan, Decision
from trialapp.domain.summary import summarize_trial
from trialapp.domain.vocabulary import OUTCOMES
from trialapp.services import assessments, users
from trialapp.services.context import Actor, App
from trialapp.services.dosing import suggestion_after
from trialapp.services.errors import InvalidInput
from trialapp.services.permissions import require
from trialapp.services.validation import find_day, validate_document, with_day
from trialapp.storage import repositories as repo
from trialapp.storage.audit_actions import AuditAction

NEEDS_CORRECTION_REASON = (
    "This trial already has a signed decision. To change it, give the reason for the correction."
)


def record_day_plan(
    app: App,
    actor: Actor,
    trial_id: str,
    day_number: int,
    *,
    next_dose_mcg: int | None,
    decided_by: list[str],
    family_agreement: str | None,
    reason: str | None = None,
    notes: str | None = None,
) -> int | None:
    """Record the team's chosen next dose for the day after ``day_number``. Returns the R7 suggestion.

    ``family_agreement`` names who in the family agreed (e.g. "mother"); without it, a reason must say why.
    A chosen dose different from the R7 suggestion needs a reason.
    """
    require(actor, "record_day_plan")
    people = [p.strip() for p in decided_by if p and p.strip()]
    if not people:
        raise InvalidInput("Name who decided the plan (the clinicians, and the family member who agreed).")
    family = (family_agreement or "").strip()
    why = (reason or "").strip() or None
    if family:
        people.append(family if "family" in family.lower() else f"{family} (family)")
    elif not why:
        raise InvalidInput(
            "Record which family member agreed to the plan, or give a reason why the family did not take part."
        )
    with app.db.write() as s:
        trial = repo.get_trial(s, trial_id)
        doc = repo.document_record(trial)
        day = find_day(doc, day_number)
        suggested = suggestion_after(doc, day_number)
        suggestion = suggested.dose_mcg if suggested is not None else None
        if next_dose_mcg is not None and suggestion is not None and next_dose_mcg != suggestion and not why:
            raise InvalidInput(
                f"The chosen dose {format_dose(next_dose_mcg)} differs from the suggestion "
                f"{format_dose(suggestion)}: write the reason for the difference."
            )
        plan = DayPlan(next_dose_mcg=next_dose_mcg, decided_by=tuple(people), reason=why, notes=notes)
        stored_plan = find_day(
            validate_document(with_day(doc, replace(day, plan=plan)), what="day plan"), day_number
        ).plan
        assert stored_plan is not None
        plan = stored_plan
        day_row = next(d for d in trial.days if d.day_number == day_number)
        old = None
        if day_row.plan is not None:
            old = {"next_dose_mcg": day_row.plan.next_dose_mcg, "decided_by": day_row.plan.decided_by}
            s.delete(day_row.plan)
            s.flush()
        day_row.plan = repo.plan_row(plan, suggested_dose_mcg=suggestion)
        s.flush()
        app.audit.record(
            s,
            actor=actor.label,
            action=AuditAction.UPDATE if old else AuditAction.INSERT,
            table="day_plans",
            row_id=day_row.plan.id,
            trial_id=trial.id,
            old=old,
            new={
                "day": day_number,
                "next_dose_mcg": next_dose_mcg,
                "suggested_dose_mcg": suggestion,
                "decided_by": people,
            },
            reason=why,
        )
        return suggestion


def sign_decision(
    app: App,
    actor: Actor,
    password: str,
    trial_id: str,
    *,
    outcome: str,
    rationale: str,
    initial_daily_dose_mcg: int | None,
    correction_reason: str | None = None,
    warning_reasons: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> None:
    """The neurosurgeon signs the candidacy decision (password re-asked).

    R14 (:func:`trialapp.domain.decision_checks.decision_checks`): an error refuses the signature; each
    warning needs a reason in ``warning_reasons`` (by the check's code), and the reasons are kept with
    the rationale (printed wherever the decision is) and in the audit row. Changing a signed decision is
    a correction: it needs a reason, and the audit keeps the original.
    """
    require(actor, "sign_decision")
    if outcome not in OUTCOMES:
        raise InvalidInput(f"The outcome must be one of: {', '.join(OUTCOMES)}.")
    if not rationale.strip():
        raise InvalidInput("Write the rationale for the decision (the evidence the team weighed).")
    if outcome == "candidate" and initial_daily_dose_mcg is None:
        raise InvalidInput(NO_DAILY_DOSE)
    if outcome != "candidate" and initial_daily_dose_mcg is not None:
        raise InvalidInput("Only a candidate has an initial daily pump dose; leave it empty.")
    reasons = {code: why.strip() for code, why in (warning_reasons or {}).items()}
    checks = _checks_before_signing(
        app,
        actor,
        trial_id,
        outcome,
        initial_daily_dose_mcg,
        reasons,
        correcting=bool((correction_reason or "").strip()),
    )
    users.verify_signature(app, actor, password)
    now = (now or datetime.now()).replace(second=0, microsecond=0)
    signed_rationale = rationale_with_reasons(rationale.strip(), checks, reasons)
    decision = Decision(outcome, now, actor.display_name, signed_rationale, initial_daily_dose_mcg)
    with app.db.write() as s:
        trial = repo.get_trial(s, trial_id)
        doc = repo.document_record(trial)
        if trial.decision is not None and not (correction_reason or "").strip():
            raise InvalidInput(NEEDS_CORRECTION_REASON)
        changed = replace(doc, trial=replace(doc.trial, decision=decision))
        stored = validate_document(changed, what="decision", now=now).trial.decision
        assert stored is not None
        decision = stored
        summary = summarize_trial(doc.trial)
        new: dict[str, object] = {
            "outcome": outcome,
            "initial_daily_dose_mcg": initial_daily_dose_mcg,
            "rationale": decision.rationale,
            "recommended_daily_dose_mcg": summary.recommendation.recommended_daily_dose_mcg,
        }
        if checks:
            new["warnings_acknowledged"] = [
                {"code": c.code, "warning": c.message, "reason": reasons[c.code]} for c in checks
            ]
        old = None
        if trial.decision is not None:
            d = trial.decision
            old = {
                "outcome": d.outcome,
                "initial_daily_dose_mcg": d.initial_daily_dose_mcg,
                "rationale": d.rationale,
                "decided_by": d.decided_by,
                "decided_at": d.decided_at,
            }
            s.delete(d)
            s.flush()
        row = repo.decision_row(decision)
        row.signed_by_user_id = actor.user_id
        row.signed_at = datetime.now()
        trial.decision = row
        trial.state = "active" if outcome == "undecided" else "completed"
        s.flush()
        app.audit.record(
            s,
            actor=actor.label,
            action=AuditAction.CORRECT_DECISION if old else AuditAction.SIGN_DECISION,
            table="decisions",
            row_id=row.id,
            trial_id=trial.id,
            old=old,
            new=new,
            reason=(correction_reason or "").strip() or None,
        )


def checks_for_decision(
    app: App,
    actor: Actor,
    trial_id: str,
    *,
    outcome: str,
    initial_daily_dose_mcg: int | None,
    correcting: bool = True,
) -> tuple[DecisionCheck, ...]:
    """R14 for a decision about to be signed on ``trial_id``, as it stands now (errors, then warnings).
    With ``correcting`` false, a trial that already has a signed decision is refused first."""
    require(actor, "view_trials")
    with app.db.read() as s:
        doc = repo.document_record(repo.get_trial(s, trial_id))
    if doc.trial.decision is not None and not correcting:
        raise InvalidInput(NEEDS_CORRECTION_REASON)
    urgent = [
        a
        for a in assessments.list_alerts(app, actor, trial_id, unacknowledged_only=True)
        if a.level == "urgent"
    ]
    return decision_checks(
        doc.trial,
        summarize_trial(doc.trial),
        outcome=outcome,
        initial_daily_dose_mcg=initial_daily_dose_mcg,
        unacknowledged_urgent_alerts=len(urgent),
    )


def _checks_before_signing(
    app: App,
    actor: Actor,
    trial_id: str,
    outcome: str,
    initial_daily_dose_mcg: int | None,
    reasons: Mapping[str, str],
    *,
    correcting: bool,
) -> tuple[DecisionCheck, ...]:
    """R14: refuse on an error or on a warning without a reason; return the warnings to keep."""
    checks = checks_for_decision(
        app,
        actor,
        trial_id,
        outcome=outcome,
        initial_daily_dose_mcg=initial_daily_dose_mcg,
        correcting=correcting,
    )
    errors = [c.message for c in checks if c.level == "error"]
    if errors:
        raise InvalidInput("The decision cannot be signed:", errors)
    unexplained = missing_reasons(checks, reasons)
    if unexplained:
        raise InvalidInput(
            "Give a reason for each warning before signing:", [c.message for c in unexplained]
        )
    return tuple(c for c in checks if c.level == "warning")
