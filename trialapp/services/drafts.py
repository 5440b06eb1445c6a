"""Form drafts: half-filled forms saved while typing, so that a crash or a closed window loses nothing.

A draft belongs to one user and one form (``form_key``, e.g. ``assessment/T123/day2/reassessment/4``) and
holds the form's fields as typed (a JSON object). It lives only in the database (table ``form_drafts``),
never in a file beside it. Drafts are not clinical records: saving one is not audited, and a draft is
discarded once the form is saved as a record. Each call is one transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from trialapp.services.context import Actor, App
from trialapp.services.errors import InvalidInput
from trialapp.storage import models as m

MAX_FORM_KEY_LEN: Final = 200
# A draft is typed text; anything larger is not a form someone typed.
MAX_PAYLOAD_CHARS: Final = 200_000


@dataclass(frozen=True)
class Draft:
    """A saved draft: which form, the fields as typed, and when it was last saved."""

    form_key: str
    payload: dict[str, Any]
    updated_at: datetime


def _check_key(form_key: str) -> str:
    key = form_key.strip()
    if not key or len(key) > MAX_FORM_KEY_LEN:
        raise InvalidInput(f"A draft needs a form name of 1 to {MAX_FORM_KEY_LEN} characters.")
    return key


def _row(session: Session, actor: Actor, form_key: str) -> m.FormDraft | None:
    # user_id may be NULL (the command-line user); "= NULL" never matches in SQL, so compare with IS.
    owner = m.FormDraft.user_id.is_(None) if actor.user_id is None else m.FormDraft.user_id == actor.user_id
    stmt = select(m.FormDraft).where(owner, m.FormDraft.form_key == form_key)
    return session.execute(stmt).scalars().first()


def save_draft(
    app: App, actor: Actor, form_key: str, payload: dict[str, Any], *, now: datetime | None = None
) -> None:
    """Save (or replace) ``actor``'s draft of the form ``form_key``.

    ``payload`` must be a JSON object of what was typed. Refused with InvalidInput (nothing written) when
    the key is empty or too long, or the payload is not JSON or too large.
    """
    key = _check_key(form_key)
    if not isinstance(payload, dict):
        raise InvalidInput("A draft must be the form's fields (a JSON object).")
    try:
        size = len(json.dumps(payload, ensure_ascii=False))
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"The draft could not be saved: {exc}.") from exc
    if size > MAX_PAYLOAD_CHARS:
        raise InvalidInput("The draft is too large to save; save the form or shorten the notes.")
    when = now or datetime.now()
    with app.db.write() as s:
        row = _row(s, actor, key)
        if row is None:
            s.add(m.FormDraft(user_id=actor.user_id, form_key=key, payload=payload, updated_at=when))
        else:
            row.payload = payload
            row.updated_at = when


def load_draft(app: App, actor: Actor, form_key: str) -> Draft | None:
    """``actor``'s draft of ``form_key``, or None when there is none. Other users' drafts are never read."""
    key = _check_key(form_key)
    with app.db.read() as s:
        row = _row(s, actor, key)
        if row is None:
            return None
        return Draft(row.form_key, dict(row.payload), row.updated_at)


def discard_draft(app: App, actor: Actor, form_key: str) -> bool:
    """Delete ``actor``'s draft of ``form_key``; True when there was one."""
    key = _check_key(form_key)
    with app.db.write() as s:
        row = _row(s, actor, key)
        if row is None:
            return False
        s.delete(row)
        return True


def list_drafts(app: App, actor: Actor, prefix: str = "") -> list[Draft]:
    """``actor``'s drafts whose form key starts with ``prefix``, oldest first (to mark forms left open)."""
    with app.db.read() as s:
        owner = (
            m.FormDraft.user_id.is_(None) if actor.user_id is None else m.FormDraft.user_id == actor.user_id
        )
        stmt = select(m.FormDraft).where(owner).order_by(m.FormDraft.updated_at, m.FormDraft.id)
        rows = s.execute(stmt).scalars()
        return [
            Draft(r.form_key, dict(r.payload), r.updated_at) for r in rows if r.form_key.startswith(prefix)
        ]
