"""The draft keeper: what a form holds is saved while typing, so a crash or a dead battery loses nothing.

One keeper per form (assessment, day review, decision)::

    self.drafts = DraftKeeper(
        controller, form_key, payload=self.payload, status=self.draft_label.setText, not_final="not signed",
        parent=self,
    )
    field.textChanged.connect(self.drafts.changed)     # a second after the last change: saved as a draft
    self.drafts.restore(self._fill)                    # on opening: the draft back in the fields
    self.drafts.flush()                                # leaving the form: saved now (False if it could not be)
    self.drafts.discard()                              # the record was saved: the draft is not needed

The status line says "Draft saved at HH:MM:SS (not signed)" — ``not_final`` is how the form says that a
draft is not a record yet. A draft that cannot be saved says why (``ui/actions.py``), and stays dirty.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Protocol

from PySide6.QtCore import QObject, QTimer

from trialapp.services.drafts import Draft
from trialapp.ui.actions import user_action

#: A draft is saved this long after the last change (a pause in typing).
DRAFT_DELAY_MS = 1000


class DraftStore(Protocol):
    """Where drafts go: the workspace's controller (``services.drafts`` for the signed-in user)."""

    def save_draft(self, form_key: str, payload: dict[str, Any]) -> None: ...

    def load_draft(self, form_key: str) -> Draft | None: ...

    def discard_draft(self, form_key: str) -> None: ...

    def now(self) -> datetime: ...


class DraftKeeper(QObject):
    """Keeps one form's draft: a timer, a dirty flag, the status line, save, restore and discard."""

    def __init__(
        self,
        store: DraftStore,
        form_key: str,
        *,
        payload: Callable[[], dict[str, Any]],
        status: Callable[[str], object],
        not_final: str,
        parent: QObject,
        delay_ms: int = DRAFT_DELAY_MS,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self.form_key = form_key
        self._payload = payload
        self._status = status
        self._not_final = not_final
        self.dirty = False
        self.filling = False
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(delay_ms)
        self.timer.timeout.connect(self.flush)

    def changed(self) -> bool:
        """A field changed: the draft is saved after a pause. False (nothing to keep) while the form is
        being filled by the program (a draft restored, the form emptied)."""
        if self.filling:
            return False
        self.dirty = True
        self.timer.start()
        return True

    def flush(self) -> bool:
        """Save the draft now if anything changed since the last save; False if it could not be kept."""
        self.timer.stop()
        if not self.dirty:
            return True
        done = user_action(
            lambda: self._store.save_draft(self.form_key, self._payload()),
            error=lambda text: self._status(f"The draft could not be saved: {text}"),
        )
        if done is None:
            return False
        self.dirty = False
        self._status(f"Draft saved at {self._store.now():%H:%M:%S} ({self._not_final})")
        return True

    @contextmanager
    def filling_form(self) -> Iterator[None]:
        """Fill the form's fields without counting it as typing."""
        self.filling = True
        try:
            yield
        finally:
            self.filling = False

    def restore(self, fill: Callable[[Mapping[str, Any]], None]) -> Draft | None:
        """Put the saved draft back with ``fill(payload)`` and say so; the draft, or None when there is none."""
        draft = self._store.load_draft(self.form_key)
        if draft is None:
            return None
        with self.filling_form():
            fill(draft.payload)
        self._status(f"Restored your draft from {draft.updated_at:%H:%M} ({self._not_final}).")
        return draft

    def discard(self) -> None:
        """The draft is no longer needed (the record was saved or signed, or the user emptied the form)."""
        self.timer.stop()
        self.dirty = False
        self._store.discard_draft(self.form_key)
