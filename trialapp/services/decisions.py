"""The team's decisions: each day's plan (next dose, who agreed) and the signed candidacy decision."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from trialapp.domain.dosing import format_dose
from trialapp.domain.records import DayPlan, Decision
from trialapp.domain.summary import summarize_trial
from trialapp.domain.vocabulary import OUTCOMES
from trialapp.services import users
from trialapp.services.context import Actor, App
from trialapp.services.dosing import suggestion_after
from trialapp.services.errors import InvalidInput
from trialapp.services.permissions import require
from trialapp.services.validation import find_day, validate_document, with_day
from trialapp.storage import repositories as repo
from trialapp.storage.audit_actions import AuditAction


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
    now: datetime | None = None,
) -> None:
    """The neurosurgeon signs the candidacy decision (password re-asked).

    Changing a signed decision is a correction: it needs a reason, and the audit keeps the original.
    """
    require(actor, "sign_decision")
    if outcome not in OUTCOMES:
        raise InvalidInput(f"The outcome must be one of: {', '.join(OUTCOMES)}.")
    if not rationale.strip():
        raise InvalidInput("Write the rationale for the decision (the evidence the team weighed).")
    if outcome == "candidate" and initial_daily_dose_mcg is None:
        raise InvalidInput("A candidate needs the agreed initial daily pump dose in mcg/day.")
    if outcome != "candidate" and initial_daily_dose_mcg is not None:
        raise InvalidInput("Only a candidate has an initial daily pump dose; leave it empty.")
    users.verify_signature(app, actor, password)
    now = (now or datetime.now()).replace(second=0, microsecond=0)
    decision = Decision(outcome, now, actor.display_name, rationale.strip(), initial_daily_dose_mcg)
    with app.db.write() as s:
        trial = repo.get_trial(s, trial_id)
        doc = repo.document_record(trial)
        if trial.decision is not None and not (correction_reason or "").strip():
            raise InvalidInput(
                "This trial already has a signed decision. To change it, give the reason for the correction."
            )
        changed = replace(doc, trial=replace(doc.trial, decision=decision))
        stored = validate_document(changed, what="decision", now=now).trial.decision
        assert stored is not None
        decision = stored
        summary = summarize_trial(doc.trial)
        new = {
            "outcome": outcome,
            "initial_daily_dose_mcg": initial_daily_dose_mcg,
            "rationale": decision.rationale,
            "recommended_daily_dose_mcg": summary.recommendation.recommended_daily_dose_mcg,
        }
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
