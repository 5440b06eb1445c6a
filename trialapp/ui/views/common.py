"""Small pieces the views share: labels, buttons. ``run_service`` and ``USER_ERRORS`` live in
``ui/actions.py`` (the one helper for a user action) and are re-exported here."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QPushButton, QWidget

from trialapp.services.user_errors import AuthenticationFailed
from trialapp.ui.actions import USER_ERRORS, run_service, show_error

__all__ = [
    "USER_ERRORS",
    "button",
    "error_label",
    "label",
    "patient_name",
    "retry_password",
    "run_service",
    "show_error",
]


def label(text: str, role: str | None = None, *, wrap: bool = False, buddy: QWidget | None = None) -> QLabel:
    widget = QLabel(text)
    if role:
        widget.setProperty("role", role)
    if wrap:
        widget.setWordWrap(True)
    if buddy is not None:
        widget.setBuddy(buddy)
    return widget


def error_label() -> QLabel:
    """A red line under a field, empty (and hidden) until there is something to say."""
    widget = QLabel()
    widget.setProperty("role", "error")
    widget.setWordWrap(True)
    widget.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    widget.hide()
    return widget


def button(text: str, accessible: str | None = None, *, primary: bool = False) -> QPushButton:
    widget = QPushButton(text)
    widget.setAccessibleName(accessible or text.replace("&", "").rstrip("…. "))
    if primary:
        widget.setProperty("primary", True)
        widget.setDefault(True)
    return widget


def ok_cancel(dialog: QDialog, ok_text: str, on_ok: Callable[[], object]) -> tuple[QDialogButtonBox, QPushButton]:
    """A dialog's button row: its primary action (Enter) and Cancel (Esc rejects the dialog)."""
    buttons = QDialogButtonBox()
    ok = button(ok_text, primary=True)
    buttons.addButton(ok, QDialogButtonBox.ButtonRole.AcceptRole)
    buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
    buttons.accepted.connect(on_ok)
    buttons.rejected.connect(dialog.reject)
    return buttons, ok


def patient_name(given: str | None, family: str | None, fallback: str = "") -> str:
    return " ".join(p for p in (given, family) if p) or fallback


def retry_password(field: QLineEdit) -> Callable[[Exception], None]:
    """For ``on_refused``: after a wrong password, empty the field and put the cursor back in it (any other
    refusal keeps what was typed)."""

    def refused(exc: Exception) -> None:
        if isinstance(exc, AuthenticationFailed):
            field.clear()
            field.setFocus()

    return refused
