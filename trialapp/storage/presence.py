"""Who is working on the trial right now: one row per open window, refreshed by a heartbeat.

Each signed-in window writes its row about every 15 s (``HEARTBEAT_S``) and deletes it on sign-out; a row older
than ``STALE_S`` is ignored (a laptop that lost power or the network), and removed by the next heartbeat of any
window. Heartbeats are not clinical records: they are never audited, take no write lock and notify nobody (a
plain transaction on the engine, outside ``Database.write``), so a heartbeat never waits for a save, nor a save
for a heartbeat.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import String, Table, delete, select, update
from sqlalchemy.orm import Mapped, mapped_column

from trialapp.storage.base import Base
from trialapp.storage.db import Database
from trialapp.storage.types import IsoDateTime

HEARTBEAT_S = 15
STALE_S = 45


class PresenceRow(Base):
    """One open window: who, doing what, on which computer, last heard of when (UTC)."""

    __tablename__ = "presence"

    window: Mapped[str] = mapped_column(String(32), primary_key=True)  # random per window and sign-in
    username: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(200))
    activity: Mapped[str] = mapped_column(String(120))
    host: Mapped[str] = mapped_column(String(120))
    trial_public_id: Mapped[str | None] = mapped_column(String(16), index=True)
    seen_at: Mapped[datetime] = mapped_column(IsoDateTime, index=True)


_TABLE: Table = PresenceRow.__table__  # type: ignore[assignment]  # a declarative class's table is a Table


@dataclass(frozen=True)
class Present:
    """Someone working now, as another window shows them."""

    window: str
    username: str
    display_name: str
    activity: str
    host: str
    trial_id: str | None
    seen_at: datetime


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def heartbeat(
    database: Database,
    *,
    window: str,
    username: str,
    display_name: str,
    activity: str,
    host: str,
    trial_id: str | None,
    now: datetime | None = None,
) -> None:
    """Say that ``window`` is open now (insert or refresh its row), and drop rows nobody refreshed."""
    now = now or _now()
    values = {
        "username": username,
        "display_name": display_name,
        "activity": activity[:120],
        "host": host[:120],
        "trial_public_id": trial_id,
        "seen_at": now,
    }
    table = _TABLE
    with database.engine.begin() as connection:
        connection.execute(delete(table).where(table.c.seen_at < now - timedelta(seconds=STALE_S * 4)))
        if connection.execute(update(table).where(table.c.window == window).values(**values)).rowcount == 0:
            connection.execute(table.insert().values(window=window, **values))


def leave(database: Database, window: str) -> None:
    """The window closed or signed out: its row goes at once."""
    with database.engine.begin() as connection:
        connection.execute(delete(_TABLE).where(_TABLE.c.window == window))


def present(database: Database, *, trial_id: str | None = None, now: datetime | None = None) -> list[Present]:
    """The windows heard from in the last ``STALE_S`` seconds (on ``trial_id`` when given), newest first."""
    now = now or _now()
    query = select(PresenceRow).where(PresenceRow.seen_at >= now - timedelta(seconds=STALE_S))
    if trial_id is not None:
        query = query.where(PresenceRow.trial_public_id == trial_id)
    with database.read() as session:
        rows = session.execute(query.order_by(PresenceRow.seen_at.desc())).scalars().all()
    return [
        Present(r.window, r.username, r.display_name, r.activity, r.host, r.trial_public_id, r.seen_at)
        for r in rows
    ]
