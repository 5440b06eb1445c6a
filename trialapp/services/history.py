"""History: the audit trail of a trial or of one record, in plain words.

Each audit row becomes one line such as "14:05 Dr Lee gave 75 mcg (50 mcg/mL, 1.5 mL) on day 2 (checked by
Nurse Smith)". Corrections keep their reason and show the old and the new value; the original record stays
visible because the audit trail is append-only. People are named by their full name and role from the users
table; the command line shows as "command line (user)".
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select

from trialapp.domain.dosing import format_dose, format_volume
from trialapp.domain.vitals import ALERT_WORDS
from trialapp.services.context import Actor, App
from trialapp.services.permissions import ROLE_NAMES, require
from trialapp.storage import models as m
from trialapp.storage import repositories as repo
from trialapp.storage.audit_actions import AuditAction

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
    "hard_ceiling_mcg": "the hard ceiling of a screening dose (mcg)",
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
    near_miss: bool = False  # a refused or discarded blind double check (R8 revision 2)
    topic: str = ""  # what the line is about, in the words a person filters by ("dose"), not shown

    def matches(self, text: str) -> bool:
        """The History filter: every word typed is found in the line (who, what, reason or its topic), in any
        case and order, so "dose" finds "gave 50 mcg" and "lee 50" finds Dr Lee's 50 mcg dose."""
        haystack = f"{self.who} {self.text} {self.reason or ''} {self.topic}".casefold()
        return all(word in haystack for word in text.casefold().split())

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


_Words = tuple[str, str | None, str | None]  # (text, old, new)


@dataclass(frozen=True)
class _Seen:
    """One audit row as its wording reads it: the stored values parsed, the people known."""

    row: m.AuditEntry
    people: _People
    old: Any
    new: Any
    table: str

    @property
    def nd(self) -> dict[str, Any]:
        """The new value when it is a dict (most rows store one), else empty."""
        return self.new if isinstance(self.new, dict) else {}


def _start_trial_words(e: _Seen) -> _Words:
    nd = e.nd
    hours = ", ".join(_show(h) for h in nd.get("schedule_hours", []))
    return (
        f"started the trial (ladder {str(nd.get('ladder')).replace('_', ' ')}, threshold {_show(nd.get('threshold'))}, "
        f"reassessments at {hours} h)",
        None,
        None,
    )


def _import_words(e: _Seen) -> _Words:
    if e.table == "trials":
        return ("imported the trial from a file", None, None)
    return (f"imported {_TABLE_WORDS.get(e.table, e.table)}", None, None)


def _print_words(e: _Seen) -> _Words:
    nd = e.nd
    kind = nd.get("kind", "")
    if kind == "qi_report":
        return (f"printed the QI report ({nd.get('filter', '')})", None, None)
    lang = {"en": "English", "es": "Spanish"}.get(nd.get("language", ""), nd.get("language", ""))
    what = f"the family summary ({lang}" if kind == "family" else "the clinical summary ("
    return (f"printed {what}{', ' if kind == 'family' else ''}{nd.get('paper', '')})", None, None)


def _give_dose_words(e: _Seen) -> _Words:
    nd = e.nd
    extra = []
    if nd.get("concentration_mcg_per_ml") is not None:
        extra.append(f"{_show(nd['concentration_mcg_per_ml'])} mcg/mL")
    if nd.get("volume_ml") is not None:
        extra.append(f"{_show(nd['volume_ml'])} mL")
    text = f"gave {_mcg(nd.get('dose_mcg'))}" + (f" ({', '.join(extra)})" if extra else "")
    if nd.get("day") is not None:
        text += f" on day {nd['day']}"
    if nd.get("given_at"):
        text += f" at {_time(nd['given_at'])}"
    text += f" (checked by {e.people.name(nd.get('checked_by'))})"
    return (text, None, None)


_NEAR_MISS_WORDS = {
    "entries_differ": "the two entries differed",
    "same_person": "the orderer tried to check their own order",
    "wrong_password": "the checker's password was not accepted",
    "not_allowed": "the checker may not check doses",
    "discarded": "the check was discarded",
}


def _entry_words(values: Any) -> str:
    if not isinstance(values, dict):
        return "nothing entered"
    parts = []
    if isinstance(values.get("dose_mcg"), int) and values["dose_mcg"] > 0:
        parts.append(_mcg(values["dose_mcg"]))
    if isinstance(values.get("concentration_mcg_per_ml"), int) and values["concentration_mcg_per_ml"] > 0:
        parts.append(f"at {values['concentration_mcg_per_ml']} mcg/mL")
    if isinstance(values.get("volume_ml"), int | float) and not isinstance(values.get("volume_ml"), bool):
        parts.append(f"= {format_volume(values['volume_ml'])}")
    return " ".join(parts) or "nothing entered"


def _near_miss_words(e: _Seen) -> _Words:
    nd = e.nd
    what = _NEAR_MISS_WORDS.get(e.row.field or "", (e.row.field or "").replace("_", " "))
    text = (
        f"near miss on day {nd.get('day')}: {what} (checker {e.people.name(nd.get('checker'))}; "
        f"order {_entry_words(e.old)}; check {_entry_words(nd.get('check_entry'))})"
    )
    return (text, _entry_words(e.old), _entry_words(nd.get("check_entry")))


def _alert_words(code: object) -> str:
    return ALERT_WORDS.get(str(code), str(code).replace("_", " "))


def _acknowledge_words(e: _Seen) -> _Words:
    code = e.nd.get("code")
    what = f": {_alert_words(code)}" if code else ""
    text = f"acknowledged the {e.nd.get('level', '')} alert{what}".replace("  ", " ")
    return (text, None, None)


def _outcome(values: dict[str, Any]) -> str:
    return _OUTCOME_WORDS.get(values.get("outcome", ""), _show(values.get("outcome")))


def _sign_decision_words(e: _Seen) -> _Words:
    text = f"signed the decision: {_outcome(e.nd)}"
    dose = e.nd.get("initial_daily_dose_mcg")
    if dose is not None:
        text += f", initial daily dose {_show(dose)} mcg/day"
    return (text, None, None)


def _correct_decision_words(e: _Seen) -> _Words:
    nd = e.nd
    od: dict[str, Any] = e.old if isinstance(e.old, dict) else {}
    dose = nd.get("initial_daily_dose_mcg")
    text = f"corrected the decision: {_outcome(od)} → {_outcome(nd)}"
    if od.get("initial_daily_dose_mcg") != dose:
        text += f", daily dose {_show(od.get('initial_daily_dose_mcg'))} → {_show(dose)} mcg/day"
    return (text, _show(od), _show(nd))


def _insert_words(e: _Seen) -> _Words:
    nd = e.nd
    if e.table == "assessments":
        text = f"recorded the day {nd.get('day')} {nd.get('kind', 'assessment')}"
        if nd.get("at"):
            text += f" (at {_time(nd['at'])})"
        if nd.get("alerts"):
            text += f"; alerts: {', '.join(_alert_words(code) for code in nd['alerts'])}"
        return (text, None, None)
    if e.table == "adverse_events":
        return (
            f"recorded an adverse event on day {nd.get('day')}: {_show(nd.get('kind')).replace('_', ' ')} "
            f"({nd.get('severity')})",
            None,
            None,
        )
    if e.table == "day_plans":
        return (_plan_words(nd, e.people, first=True), None, None)
    if e.table == "users":
        role = ROLE_NAMES.get(nd.get("role", ""), nd.get("role"))
        return (f"added the user {nd.get('username')} ({role})", None, None)
    if e.table == "patients":
        return ("added the patient", None, None)
    return (f"added {_TABLE_WORDS.get(e.table, e.table)}", None, None)


def _update_words(e: _Seen) -> _Words:
    row, old, new = e.row, _show(e.old), _show(e.new)
    if e.table == "day_plans":
        return (_plan_words(e.nd, e.people, first=False), old, new)
    if e.table == "settings":
        what = _SETTING_WORDS.get(row.row_id or "", row.row_id or "a setting")
        return (f"changed {what}: {old} → {new}", old, new)
    if e.table == "users" and row.field == "active":
        return (("enabled" if e.new else "disabled") + f" the user account {row.row_id}", old, new)
    field = (row.field or "").replace("_", " ")
    where = _TABLE_WORDS.get(e.table, e.table)
    if e.table == "doses":
        field = {"given_at": "time", "via": "route", "lot": "lot"}.get(row.field or "", field)
        where = "the dose"
    return (f"corrected the {field} of {where}: {old} → {new}", old, new)


def _other_words(e: _Seen) -> _Words:
    """An action without its own wording: its name and the record's."""
    words = e.row.action.replace("_", " ")
    return (
        f"{words} {_TABLE_WORDS.get(e.table, e.table)}".strip(),
        _show(e.old) if e.old is not None else None,
        _show(e.new) if e.new is not None else None,
    )


_WORDING: dict[str, Callable[[_Seen], _Words]] = {
    AuditAction.START_TRIAL: _start_trial_words,
    AuditAction.IMPORT: _import_words,
    AuditAction.EXPORT: lambda e: ("exported the trial", None, None),
    AuditAction.PRINT: _print_words,
    AuditAction.ADD_DAY: lambda e: (f"added day {e.nd.get('day')}", None, None),
    AuditAction.GIVE_DOSE: _give_dose_words,
    AuditAction.ACKNOWLEDGE_WARNING: lambda e: (
        f"gave a reason for the dose warning “{_show(e.new)}”",
        None,
        None,
    ),
    AuditAction.ACKNOWLEDGE: _acknowledge_words,
    AuditAction.NEAR_MISS: _near_miss_words,
    AuditAction.SIGN_DECISION: _sign_decision_words,
    AuditAction.CORRECT_DECISION: _correct_decision_words,
    AuditAction.ACCOUNT_LOCKED: lambda e: (
        "had the account locked after repeated wrong passwords",
        None,
        None,
    ),
    AuditAction.INSERT: _insert_words,
    AuditAction.UPDATE: _update_words,
    AuditAction.DELETE: lambda e: (f"removed {_TABLE_WORDS.get(e.table, e.table)}", _show(e.old), None),
}


def _words(row: m.AuditEntry, people: _People) -> _Words:
    """(text, old, new) for one audit row, in the wording of its action."""
    seen = _Seen(row, people, _value(row.old_value), _value(row.new_value), row.table_name or "")
    return _WORDING.get(row.action, _other_words)(seen)


def _plan_words(nd: dict[str, Any], people: _People, *, first: bool) -> str:
    text = f"{'recorded' if first else 'changed'} the day {nd.get('day')} plan: next dose {_mcg(nd.get('next_dose_mcg'))}"
    if nd.get("next_dose_mcg") is None:
        text = f"{'recorded' if first else 'changed'} the day {nd.get('day')} plan: no further dose"
    if nd.get("suggested_dose_mcg") is not None:
        text += f" (suggested {_mcg(nd['suggested_dose_mcg'])})"
    if nd.get("decided_by"):
        text += f", agreed by {', '.join(str(p) for p in nd['decided_by'])}"
    return text


#: The words a line is found by besides its own: a dose's lines say "gave 50 mcg", a person filters by "dose".
_ACTION_TOPICS: dict[str, str] = {
    AuditAction.GIVE_DOSE: "dose",
    AuditAction.ACKNOWLEDGE_WARNING: "dose warning",
    AuditAction.NEAR_MISS: "dose check",
    AuditAction.ACKNOWLEDGE: "alert",
    AuditAction.SIGN_DECISION: "decision",
    AuditAction.CORRECT_DECISION: "decision",
}
_TABLE_TOPICS: dict[str, str] = {
    "doses": "dose",
    "day_plans": "dose plan",
    "assessments": "assessment",
    "adverse_events": "adverse event",
}


def _topic(row: m.AuditEntry) -> str:
    return " ".join(
        dict.fromkeys(
            t for t in (_ACTION_TOPICS.get(row.action, ""), _TABLE_TOPICS.get(row.table_name or "", "")) if t
        )
    )


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
        near_miss=row.action == AuditAction.NEAR_MISS,
        topic=_topic(row),
    )


def near_misses_only(lines: list[HistoryLine]) -> list[HistoryLine]:
    """The History filter "near misses only": refused and discarded double checks (R8 revision 2)."""
    return [line for line in lines if line.near_miss]


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
