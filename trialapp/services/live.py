"""Live screens: what other laptops (or processes) saved since the window last looked.

The window polls :meth:`LiveFeed.poll` about once a second from a worker thread (ui/live_updates.py). A poll
with nothing new costs no query on PostgreSQL (LISTEN/NOTIFY) and one index look-up on SQLite
(storage/change_feed.py). What it returns names the trials to refresh and, for each save, who made it and what
it was, in words for the clinician ("Nurse Priya Patel saved a dose for day 2 a moment ago").
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from trialapp.services.context import App
from trialapp.services.permissions import ROLE_NAMES
from trialapp.storage.audit_actions import AuditAction
from trialapp.storage.change_feed import (
    SERVER_UNREACHABLE,
    ChangeFeed,
    SavedChange,
    ServerUnreachable,
    changes_between,
)

__all__ = ["SERVER_UNREACHABLE", "LiveChange", "LiveFeed", "Save", "ServerUnreachable"]

# Actions that change what a screen shows (printing, exporting and the digests of a save do not).
_SHOWN_ACTIONS = frozenset(
    {
        AuditAction.INSERT,
        AuditAction.UPDATE,
        AuditAction.DELETE,
        AuditAction.IMPORT,
        AuditAction.START_TRIAL,
        AuditAction.ADD_DAY,
        AuditAction.GIVE_DOSE,
        AuditAction.ACKNOWLEDGE,
        AuditAction.ACKNOWLEDGE_WARNING,
        AuditAction.SIGN_DECISION,
        AuditAction.CORRECT_DECISION,
    }
)


@dataclass(frozen=True)
class Save:
    """One save by someone, in words: ``who`` ("Nurse Priya Patel"), ``what`` ("a dose for day 2")."""

    actor: str  # the audit label (user:NAME), to tell one's own saves from another's
    who: str
    trial_id: str | None
    kind: str  # "dose" | "assessment" | "plan" | "decision" | "other"
    day: int | None
    assessment_kind: str | None  # baseline | reassessment, for an assessment
    what: str

    def sentence(self, what: str | None = None) -> str:
        """'Nurse Priya Patel saved a dose for day 2 a moment ago — your entry is kept; review and save again.'

        ``what`` says it more precisely when the screen knows more ("the 2 h reassessment")."""
        return (
            f"{self.who} saved {what or self.what} a moment ago — your entry is kept; review and save again."
        )


@dataclass(frozen=True)
class LiveChange:
    """What was saved since the last poll: the trials it touched and each save."""

    trial_ids: frozenset[str]
    saves: tuple[Save, ...]
    lists_changed: bool  # a trial was started, imported or changed state: the home list needs a refresh


class LiveFeed:
    """The database's change feed for one window. Not thread-safe: one worker thread polls it."""

    def __init__(self, app: App) -> None:
        """Start at the database's current state (the window has just read it). May raise ServerUnreachable."""
        self._app = app
        self._feed = ChangeFeed(app.db)

    def poll(self) -> LiveChange | None:
        """What was saved since the last poll (None: nothing). Raises ServerUnreachable; the next poll retries."""
        before = self._feed.head
        head = self._feed.poll()
        if head is None:
            return None
        changes = [c for c in changes_between(self._app.db, before, head) if c.action in _SHOWN_ACTIONS]
        if not changes:
            return None
        return LiveChange(
            trial_ids=frozenset(c.trial for c in changes if c.trial is not None),
            saves=tuple(_save(c) for c in changes),
            lists_changed=True,
        )

    def close(self) -> None:
        """Stop listening (closes the feed's own connection)."""
        self._feed.close()


def person_words(full_name: str, role: str | None) -> str:
    """How a colleague is named on another laptop's screen: "Nurse Priya Patel", "Neurosurgeon Dr Lee"."""
    words = ROLE_NAMES.get(role or "", "")
    return f"{words[:1].upper()}{words[1:]} {full_name}".strip()


def _who(change: SavedChange) -> str:
    if change.full_name:
        return person_words(change.full_name, change.role)
    return change.actor.split(":", 1)[-1]


def _save(change: SavedChange) -> Save:
    try:
        new = json.loads(change.new_value) if change.new_value else None
    except ValueError:
        new = None
    facts = new if isinstance(new, dict) else {}
    day = facts.get("day") if isinstance(facts.get("day"), int) else None
    if change.table == "doses" and change.action == AuditAction.GIVE_DOSE:
        what = "a dose" + (f" for day {day}" if day is not None else "")
        return Save(change.actor, _who(change), change.trial, "dose", day, None, what)
    if change.table == "assessments" and change.action == AuditAction.INSERT:
        kind = facts.get("kind") if isinstance(facts.get("kind"), str) else None
        what = f"a {kind or 'assessment'}" if kind != "assessment" else "an assessment"
        if kind == "baseline":
            what = "the baseline assessment"
        what += f" for day {day}" if day is not None else ""
        return Save(change.actor, _who(change), change.trial, "assessment", day, kind, what)
    if change.table == "day_plans" and change.action in (AuditAction.INSERT, AuditAction.UPDATE):
        what = "the plan" + (f" for day {day}" if day is not None else "")
        return Save(change.actor, _who(change), change.trial, "plan", day, None, what)
    if change.table == "decisions":
        return Save(change.actor, _who(change), change.trial, "decision", None, None, "the candidacy decision")
    return Save(change.actor, _who(change), change.trial, "other", day, None, "a change to this trial")
