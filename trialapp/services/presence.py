"""Who is working on the trial right now ("Nurse Priya Patel — dose check, WARD-LAPTOP-3").

Each signed-in window says what it is doing about every 15 s (``heartbeat``, from the live-updates thread); a
window not heard from for 45 s no longer counts. Heartbeats are not clinical records and are never audited
(storage/presence.py). A read-only copy (a second window on one SQLite file) cannot write: it shows the others
but is not shown itself.
"""

from __future__ import annotations

import socket
from datetime import datetime

from trialapp.services.context import Actor, App, registered_session
from trialapp.services.errors import PermissionDenied
from trialapp.services.live import person_words
from trialapp.services.permissions import NOT_SIGNED_IN
from trialapp.storage import presence as store
from trialapp.storage.presence import HEARTBEAT_S, STALE_S

__all__ = ["HEARTBEAT_S", "STALE_S", "heartbeat", "leave", "this_computer", "working_now"]


def this_computer() -> str:
    """The name other laptops see for this one (the host name)."""
    return socket.gethostname() or "this computer"


def heartbeat(
    app: App, actor: Actor, window: str, activity: str, trial_id: str | None, now: datetime | None = None
) -> None:
    """Say that ``actor`` works in ``window`` now, doing ``activity`` (on ``trial_id``). Nothing on a read-only copy.

    Only a signed-in user is shown (PermissionDenied otherwise): nobody appears under another's name."""
    if registered_session(actor) is None:
        raise PermissionDenied(NOT_SIGNED_IN)
    if app.db.read_only:
        return
    store.heartbeat(
        app.db,
        window=window,
        username=actor.username,
        display_name=person_words(actor.display_name, actor.role),
        activity=activity,
        host=this_computer(),
        trial_id=trial_id,
        now=now,
    )


def leave(app: App, window: str) -> None:
    """The window signed out or closed: it no longer counts as working."""
    if not app.db.read_only:
        store.leave(app.db, window)


def working_now(
    app: App, trial_id: str, *, besides: str | None = None, now: datetime | None = None
) -> list[str]:
    """Who else works on ``trial_id`` now, one line each: "Nurse Priya Patel — dose check, WARD-LAPTOP-3"."""
    return [
        f"{p.display_name} — {p.activity}, {p.host}"
        for p in store.present(app.db, trial_id=trial_id, now=now)
        if p.window != besides
    ]
