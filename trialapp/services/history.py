"""History: the audit trail of a trial or of one record, in plain words.

Each audit row becomes one line such as "14:05 Dr Lee gave 75 mcg (50 mcg/mL, 1.5 mL) on day 2 (checked by
Nurse Smith)". Corrections keep their reason and show the old and the new value; the original record stays
visible because the audit trail is append-only. People are named by their full name and role from the users
table; the command line shows as "command line (user)".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select

from trialapp.domain.dosing import format_dose
from trialapp.services.context import Actor, App
from trialapp.services.permissions import ROLE_NAMES, require
from trialapp.storage import models as m
from trialapp.storage import repositories as repo

DEFAULT_LIMIT = 2000

_TABLE_WORDS = {
    "trials": "the trial",
    "patients": "the patient",
    "assessments": "an assessment",
    "doses": "a dose",
    "adverse_events": "an adverse event",
    "day_plans": "a day plan",
    "decisions": "the decision",
    "vital_alerts": "an alert",
    "users": "a user",
    "settings": "a setting",
    "trial_days": "a trial day",
}

_SETTING_WORDS = {
    "clinic_name": "the clinic name",
    "clinic_phone": "the clinic phone",
    "emergency_number": "the emergency number",
    "idle_minutes": "the idle-lock minutes",
    "protocol_defaults": "the protocol defaults for new trials",
}

_OUTCOME_WORDS = {"candidate": "candidate", "not_candidate": "not a candidate", "undecided": "undecided"}


@dataclass(frozen=True)
class HistoryLine:
    """One audit row in words. ``at`` is local time; ``old``/``new`` are set for field changes."""

    audit_id: int
    at: datetime
    who: str
    text: str
    reason: str | None = None
    old: str | None = None
    new: str | None = None

    @property
    def sentence(self) -> str:
        """The whole line, e.g. "14:05 Dr Lee gave 75 mcg (checked by Nurse Smith)"."""
        line = f"{self.at:%H:%M} {self.who} {self.text}"
        if self.reason:
            line += f" — reason: {self.reason}"
        return line


def _value(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text  # plain strings are stored as they are


def _show(value: Any) -> str:
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ", ".join(_show(v) for v in value) or "(none)"
    if isinstance(value, dict):
        return "; ".join(f"{k.replace('_', ' ')} {_show(v)}" for k, v in value.items())
    return str(value)


def _time(value: Any) -> str:
    try:
        return f"{datetime.fromisoformat(str(value)):%H:%M}"
    except ValueError:
        return str(value)


def _mcg(value: Any) -> str:
    return (
        format_dose(int(value))
        if isinstance(value, int | float) and not isinstance(value, bool)
        else _show(value)
    )


class _People:
    def __init__(self, users: list[m.User]) -> None:
        self._names = {
            f"user:{u.username}": f"{u.full_name} ({ROLE_NAMES.get(u.role, u.role)})" for u in users
        }

    def name(self, label: str | None) -> str:
        if not label:
            return "someone"
        if label in self._names:
            return self._names[label]
        if label.startswith("os:"):
            return f"command line ({label[3:]})"
        if label.startswith("user:"):
            return label[5:]
        return label


def _words(row: m.AuditEntry, people: _People) -> tuple[str, str | None, str | None]:
    """(text, old, new) for one audit row."""
    new = _value(row.new_value)
    old = _value(row.old_value)
    nd: dict[str, Any] = new if isinstance(new, dict) else {}
    action, table = row.action, row.table_name or ""
    if action == "start_trial":
        hours = ", ".join(_show(h) for h in nd.get("schedule_hours", []))
        return (
            f"started the trial (ladder {str(nd.get('ladder')).replace('_', ' ')}, threshold {_show(nd.get('threshold'))}, "
            f"reassessments at {hours} h)",
            None,
            None,
        )
    if action == "import":
        return (
            "imported the trial from a file"
            if table == "trials"
            else f"imported {_TABLE_WORDS.get(table, table)}",
            None,
            None,
        )
    if action == "export":
        return ("exported the trial", None, None)
    if action == "print":
        kind = nd.get("kind", "")
        if kind == "qi_report":
            return (f"printed the QI report ({nd.get('filter', '')})", None, None)
        lang = {"en": "English", "es": "Spanish"}.get(nd.get("language", ""), nd.get("language", ""))
        what = f"the family summary ({lang}" if kind == "family" else "the clinical summary ("
        return (f"printed {what}{', ' if kind == 'family' else ''}{nd.get('paper', '')})", None, None)
    if action == "add_day":
        return (f"added day {nd.get('day')}", None, None)
    if action == "give_dose":
        parts = [_mcg(nd.get("dose_mcg"))]
        extra = []
        if nd.get("concentration_mcg_per_ml") is not None:
            extra.append(f"{_show(nd['concentration_mcg_per_ml'])} mcg/mL")
        if nd.get("volume_ml") is not None:
            extra.append(f"{_show(nd['volume_ml'])} mL")
        text = f"gave {parts[0]}" + (f" ({', '.join(extra)})" if extra else "")
        if nd.get("day") is not None:
            text += f" on day {nd['day']}"
        if nd.get("given_at"):
            text += f" at {_time(nd['given_at'])}"
        text += f" (checked by {people.name(nd.get('checked_by'))})"
        return (text, None, None)
    if action == "acknowledge_warning":
        return (f"gave a reason for the dose warning “{_show(new)}”", None, None)
    if action == "acknowledge":
        return (
            f"acknowledged the {nd.get('level', '')} alert {nd.get('code', '')}".replace("  ", " "),
            None,
            None,
        )
    if action in ("sign_decision", "correct_decision"):
        outcome = _OUTCOME_WORDS.get(nd.get("outcome", ""), _show(nd.get("outcome")))
        dose = nd.get("initial_daily_dose_mcg")
        text = f"signed the decision: {outcome}" if action == "sign_decision" else "corrected the decision"
        if action == "sign_decision" and dose is not None:
            text += f", initial daily dose {_show(dose)} mcg/day"
        if action == "correct_decision":
            od: dict[str, Any] = old if isinstance(old, dict) else {}
            before = _OUTCOME_WORDS.get(od.get("outcome", ""), _show(od.get("outcome")))
            text += f": {before} → {outcome}"
            if od.get("initial_daily_dose_mcg") != dose:
                text += f", daily dose {_show(od.get('initial_daily_dose_mcg'))} → {_show(dose)} mcg/day"
            return (text, _show(od), _show(nd))
        return (text, None, None)
    if action == "account_locked":
        return ("had the account locked after repeated wrong passwords", None, None)
    if action == "insert":
        if table == "assessments":
            kind = nd.get("kind", "assessment")
            text = f"recorded the day {nd.get('day')} {kind}"
            if nd.get("at"):
                text += f" (at {_time(nd['at'])})"
            if nd.get("alerts"):
                text += f"; alerts: {', '.join(nd['alerts'])}"
            return (text, None, None)
        if table == "adverse_events":
            return (
                f"recorded an adverse event on day {nd.get('day')}: {_show(nd.get('kind')).replace('_', ' ')} "
                f"({nd.get('severity')})",
                None,
                None,
            )
        if table == "day_plans":
            return (_plan_words(nd, people, first=True), None, None)
        if table == "users":
            return (
                f"added the user {nd.get('username')} ({ROLE_NAMES.get(nd.get('role', ''), nd.get('role'))})",
                None,
                None,
            )
        if table == "patients":
            return ("added the patient", None, None)
        return (f"added {_TABLE_WORDS.get(table, table)}", None, None)
    if action == "update":
        if table == "day_plans":
            return (_plan_words(nd, people, first=False), _show(old), _show(new))
        if table == "settings":
            what = _SETTING_WORDS.get(row.row_id or "", row.row_id or "a setting")
            return (f"changed {what}: {_show(old)} → {_show(new)}", _show(old), _show(new))
        field = (row.field or "").replace("_", " ")
        where = _TABLE_WORDS.get(table, table)
        if table == "users" and row.field == "active":
            return (
                ("enabled" if new else "disabled") + f" the user account {row.row_id}",
                _show(old),
                _show(new),
            )
        if table == "doses":
            field = {"given_at": "time", "via": "route", "lot": "lot"}.get(row.field or "", field)
            where = "the dose"
        return (f"corrected the {field} of {where}: {_show(old)} → {_show(new)}", _show(old), _show(new))
    if action == "delete":
        return (f"removed {_TABLE_WORDS.get(table, table)}", _show(old), None)
    words = action.replace("_", " ")
    return (
        f"{words} {_TABLE_WORDS.get(table, table)}".strip(),
        _show(old) if old is not None else None,
        _show(new) if new is not None else None,
    )


def _plan_words(nd: dict[str, Any], people: _People, *, first: bool) -> str:
    text = f"{'recorded' if first else 'changed'} the day {nd.get('day')} plan: next dose {_mcg(nd.get('next_dose_mcg'))}"
    if nd.get("next_dose_mcg") is None:
        text = f"{'recorded' if first else 'changed'} the day {nd.get('day')} plan: no further dose"
    if nd.get("suggested_dose_mcg") is not None:
        text += f" (suggested {_mcg(nd['suggested_dose_mcg'])})"
    if nd.get("decided_by"):
        text += f", agreed by {', '.join(str(p) for p in nd['decided_by'])}"
    return text


def _line(row: m.AuditEntry, people: _People) -> HistoryLine:
    text, old, new = _words(row, people)
    at = datetime.fromisoformat(row.at_utc)
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return HistoryLine(
        audit_id=row.id,
        at=at.astimezone().replace(tzinfo=None),
        who=people.name(row.actor),
        text=text,
        reason=(row.reason or "").strip() or None,
        old=old,
        new=new,
    )


def trial_history(app: App, actor: Actor, trial_id: str, *, limit: int = DEFAULT_LIMIT) -> list[HistoryLine]:
    """Every audit row of a trial (and of its patient's creation), oldest first."""
    require(actor, "view_trials")
    with app.db.read() as s:
        trial = repo.get_trial(s, trial_id, full=False)
        stmt = (
            select(m.AuditEntry)
            .where(
                or_(
                    m.AuditEntry.trial_id == trial.id,
                    (m.AuditEntry.table_name == "patients") & (m.AuditEntry.row_id == str(trial.patient_id)),
                )
            )
            .order_by(m.AuditEntry.id)
            .limit(limit)
        )
        people = _People(list(s.execute(select(m.User)).scalars()))
        return [_line(row, people) for row in s.execute(stmt).scalars()]


def record_history(
    app: App, actor: Actor, table: str, row_id: str | int, *, limit: int = DEFAULT_LIMIT
) -> list[HistoryLine]:
    """Every audit row of one record (a dose, a decision, a user, a setting...), oldest first.

    Users and settings need the admin's ``manage_users``/``edit_settings``; clinical records ``view_trials``.
    """
    require(actor, {"users": "manage_users", "settings": "edit_settings"}.get(table, "view_trials"))
    with app.db.read() as s:
        stmt = (
            select(m.AuditEntry)
            .where(m.AuditEntry.table_name == table, m.AuditEntry.row_id == str(row_id))
            .order_by(m.AuditEntry.id)
            .limit(limit)
        )
        people = _People(list(s.execute(select(m.User)).scalars()))
        return [_line(row, people) for row in s.execute(stmt).scalars()]
