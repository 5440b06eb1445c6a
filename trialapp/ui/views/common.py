"""Small pieces the views share: running a service call with a plain error message, labels, buttons."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QPushButton, QWidget

from trialapp.services.errors import ServiceError
from trialapp.storage.errors import StorageError

T = TypeVar("T")

#: Errors whose message is written for the user (services and storage say what is wrong and what to do).
USER_ERRORS = (ServiceError, StorageError)


def run_service(parent: QWidget | None, title: str, call: Callable[[], T]) -> T | None:
    """Run one service call; on a refusal show its plain message and return None (nothing was written)."""
    try:
        return call()
    except USER_ERRORS as exc:
        QMessageBox.warning(parent, title, str(exc))
        return None


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


def show_error(widget: QLabel, text: str | None) -> None:
    widget.setText(text or "")
    widget.setVisible(bool(text))


def button(text: str, accessible: str | None = None, *, primary: bool = False) -> QPushButton:
    widget = QPushButton(text)
    widget.setAccessibleName(accessible or text.replace("&", "").rstrip("…. "))
    if primary:
        widget.setProperty("primary", True)
        widget.setDefault(True)
    return widget


def patient_name(given: str | None, family: str | None, fallback: str = "") -> str:
    return " ".join(p for p in (given, family) if p) or fallback
