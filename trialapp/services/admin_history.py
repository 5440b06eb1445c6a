"""The admin's history screen (issue 25): who changed users, site settings and the infection QI programme,
when, from what to what, and why — read from the audit trail, newest first.

Read only; the admin (or the command line) may read it. The values are shown as stored (JSON text), the
password never (the audit trail does not hold it).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from trialapp.services.context import Actor, App
from trialapp.services.permissions import require
from trialapp.storage import models as m

#: What the screen covers: table in the audit trail → words.
AREAS: dict[str, str] = {
    "users": "users",
    "settings": "settings",
    "qi_bundle_versions": "QI bundle",
    "qi_procedures": "QI procedures",
    "qi_step_answers": "QI checklist answers",
    "qi_checkins": "QI check-ins",
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
    """The audited changes of users, settings and the QI programme (``area``: one key of AREAS, or all),
    newest first, at most LIMIT lines."""
    require(actor, "edit_settings")
    tables = [area] if area in AREAS else list(AREAS)
    with app.db.read() as s:
        rows = s.execute(
            select(m.AuditEntry)
            .where(m.AuditEntry.table_name.in_(tables))
            .order_by(m.AuditEntry.id.desc())
            .limit(LIMIT)
        ).scalars()
        return [
            AdminHistoryLine(
                r.at_utc[:19].replace("T", " "),
                r.actor,
                AREAS.get(r.table_name or "", r.table_name or ""),
                r.action,
                r.row_id or "",
                r.field or "",
                r.old_value or "",
                r.new_value or "",
                r.reason or "",
            )
            for r in rows
        ]
