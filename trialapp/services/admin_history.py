"""The admin's history screen (issue 25): who changed users, site settings and the infection QI programme,
when, from what to what, and why — read from the audit trail, newest first.

Read only; the admin (or the command line) may read it. The values are shown as stored (JSON text), the
password never (the audit trail does not hold it).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_, select

from trialapp.services.context import Actor, App
from trialapp.services.permissions import require
from trialapp.storage import models as m
from trialapp.storage.audit_actions import AuditAction

#: The area of backups and restores, which are audited by action (they change no one table).
BACKUPS = "backups"
_BACKUP_ACTIONS = (AuditAction.BACKUP, AuditAction.RESTORE)

#: What the screen covers: table in the audit trail (or BACKUPS) → words.
AREAS: dict[str, str] = {
    "users": "users",
    "settings": "settings",
    "qi_bundle_versions": "QI bundle",
    "qi_procedures": "QI procedures",
    "qi_step_answers": "QI checklist answers",
    "qi_checkins": "QI check-ins",
    BACKUPS: "backups and restores",
}

#: At most this many lines are read (newest first).
LIMIT = 2000


@dataclass(frozen=True)
class AdminHistoryLine:
    """One audited change: when (UTC), who, what (area, action, row, field), old and new value, reason."""

    at_utc: str
    actor: str
    area: str
    action: str
    row: str
    field: str
    old: str
    new: str
    reason: str


def admin_history(app: App, actor: Actor, area: str | None = None) -> list[AdminHistoryLine]:
    """The audited changes of users, settings and the QI programme, and the backups and restores (who, when,
    why) (``area``: one key of AREAS, or all), newest first, at most LIMIT lines."""
    require(actor, "edit_settings")
    areas = [area] if area in AREAS else list(AREAS)
    wanted: ColumnElement[bool] = m.AuditEntry.table_name.in_([a for a in areas if a != BACKUPS])
    if BACKUPS in areas:
        wanted = or_(wanted, m.AuditEntry.action.in_([a.value for a in _BACKUP_ACTIONS]))
    with app.db.read() as s:
        rows = s.execute(
            select(m.AuditEntry).where(wanted).order_by(m.AuditEntry.id.desc()).limit(LIMIT)
        ).scalars()
        return [
            AdminHistoryLine(
                r.at_utc[:19].replace("T", " "),
                r.actor,
                AREAS[BACKUPS] if r.action in _BACKUP_ACTIONS else AREAS.get(r.table_name or "", r.table_name or ""),
                r.action,
                r.row_id or "",
                r.field or "",
                r.old_value or "",
                r.new_value or "",
                r.reason or "",
            )
            for r in rows
        ]
