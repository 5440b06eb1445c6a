"""Small pieces the QI screens share: dates in date edits, the Save/Cancel row, running an action with its
refusal shown in the window, and saving a file with a failed write said in words."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from datetime import date
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QPushButton, QWidget

from trialapp.ui.actions import run_service, show_error, user_action
from trialapp.ui.date_input import DateInput
from trialapp.ui.views.common import error_label

T = TypeVar("T")

NO_LIMIT = QDate(2000, 1, 1)  # a date edit at this date means "no limit" (shown as "any")
KIND_SHORT = {
    "new_implant": "New",
    "pump_replacement": "Pump",
    "catheter_revision": "Catheter",
    "wound_revision": "Wound",
    "removal": "Removal",
    "other": "Other",
}


def qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def pydate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


def date_edit(value: date | None, *, allow_none: bool = False) -> DateInput:
    edit = DateInput()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    if allow_none:
        edit.setMinimumDate(NO_LIMIT)
        edit.setSpecialValueText("any")
    edit.setDate(qdate(value) if value else NO_LIMIT)
    return edit


def optional_date(edit: DateInput) -> date | None:
    return None if edit.date() == NO_LIMIT else pydate(edit.date())


def problems_label() -> QLabel:
    """The shared error label, named for screen readers."""
    widget = error_label()
    widget.setAccessibleName("Problems")
    return widget


def save_cancel_row(save: Callable[[], object], cancel: Callable[[], object]) -> QHBoxLayout:
    """Cancel and Save (the default button) at the right of a dialog."""
    save_button = QPushButton("Save")
    save_button.setDefault(True)
    save_button.clicked.connect(save)
    cancel_button = QPushButton("Cancel")
    cancel_button.clicked.connect(cancel)
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(cancel_button)
    row.addWidget(save_button)
    return row


def run_inline(error: QLabel, call: Callable[[], T]) -> T | None:
    """Run one action (a controller call) through the one user-action helper; a refusal is shown in
    ``error`` in the service's words and None returned (nothing was written); success clears ``error``."""
    done = user_action(call, error=error, on_done=lambda _: show_error(error, None))
    return None if done is None else done.value


def act_inline(error: QLabel, call: Callable[[], object]) -> bool:
    """``run_inline`` for an action whose result is not needed: True when it was done."""

    def act() -> bool:
        call()
        return True

    return run_inline(error, act) is not None


def write_failure(what: str, path: Path, exc: OSError) -> str:
    """A file that could not be written, in words, with what to do."""
    return (
        f"The {what} could not be saved to {path}: {exc.strerror or exc}. "
        "Choose a folder that exists and that you may write to, then save again."
    )


def save_file(parent: QWidget, title: str, what: str, path: Path, write: Callable[[Path], object]) -> bool:
    """Write ``what`` to ``path`` with ``write`` (which may print through a service): a refusal is shown as
    ``run_service`` shows it, a failed write (missing or read-only folder, full disk) in words."""
    try:
        return run_service(parent, title, lambda: write(path)) is not None
    except OSError as exc:
        QMessageBox.warning(parent, title, write_failure(what, path, exc))
        return False


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` beside ``path`` first, then move it into place (never half a file)."""
    partial = path.with_name(path.name + ".partial")
    try:
        partial.write_text(text, encoding="utf-8")
        partial.replace(path)
    except OSError:
        with suppress(OSError):  # the first error is the one to report
            partial.unlink(missing_ok=True)
        raise
    return path
