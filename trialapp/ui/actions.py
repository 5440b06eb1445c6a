"""The one helper for a user action: run the service call, say a refusal in plain words, then refresh.

Anki's ``CollectionOp`` is the model. A screen hands over the call and what to do after it::

    done = user_action(
        lambda: self.controller.add_day(reason),
        parent=self,
        title="The day was not added",
        on_done=self.show_day,
    )

- A known error (``USER_ERRORS``: a service's refusal, or a storage problem such as a full disk or a
  read-only copy) shows its message — in a message box titled ``title``, or under the form when ``error``
  is a label (or any callable taking the text). ``words`` turns the error into the text when a screen says
  it in its own way; ``on_refused`` does what else a refusal needs (clear a password). Nothing else runs.
- On success ``on_done(value)`` runs (refresh, close, emit); the result is ``Done(value)``, else ``None``.
- Any other exception is a bug: it is not caught here and reaches the crash dialog (``ui/crash.py``).

``user_action_in_background`` runs the call on a worker thread with a busy indicator (wait cursor, a
status text, the triggering widgets disabled) while the window keeps painting; the result comes back on
the GUI thread and is handled as above.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QMessageBox, QWidget

from trialapp.services.user_errors import USER_ERRORS, InvalidInput
from trialapp.ui import stall_probe
from trialapp.ui.background import BackgroundCall

T = TypeVar("T")
log = logging.getLogger(__name__)

#: Where a refusal is said: a label under the form, or any function taking the plain text.
ErrorSink = QLabel | Callable[[str], object]

__all__ = [
    "USER_ERRORS",
    "BackgroundAction",
    "Done",
    "ErrorSink",
    "action_name",
    "problem_list",
    "run_service",
    "show_error",
    "user_action",
    "user_action_in_background",
]


@dataclass(frozen=True)
class Done(Generic[T]):
    """A user action that went through, with what the service returned (which may itself be None)."""

    value: T


def show_error(widget: QLabel, text: str | None) -> None:
    """Show ``text`` in an error label, or empty and hide it when there is nothing to say."""
    widget.setText(text or "")
    widget.setVisible(bool(text))


def problem_list(exc: Exception) -> str:
    """An invalid input's first line, then each of its problems as a bullet (for a form's error label);
    any other refusal as it is."""
    if not isinstance(exc, InvalidInput):
        return str(exc)
    return "\n".join([str(exc).splitlines()[0], *(f"• {p}" for p in exc.problems)])


def action_name(call: Callable[..., object]) -> str:
    """A user action's name for the stall probe: where it was started ("DoseDialog.give", or
    "LoginView.sign_in (check)" for a function defined there)."""
    name = getattr(call, "__qualname__", None) or type(call).__name__
    outer, *inner = name.split(".<locals>.")
    return f"{outer} ({inner[-1]})" if inner and inner[-1] != "<lambda>" else outer


def _say(text: str, *, parent: QWidget | None, title: str, error: ErrorSink | None) -> None:
    if error is None:
        QMessageBox.warning(parent, title, text)
    elif isinstance(error, QLabel):
        show_error(error, text)
    else:
        error(text)


def _refused(
    exc: Exception,
    *,
    parent: QWidget | None,
    title: str,
    error: ErrorSink | None,
    words: Callable[[Exception], str],
    on_refused: Callable[[Exception], object] | None,
) -> None:
    _say(words(exc), parent=parent, title=title, error=error)
    if on_refused is not None:
        on_refused(exc)


def user_action(
    call: Callable[[], T],
    *,
    parent: QWidget | None = None,
    title: str = "",
    error: ErrorSink | None = None,
    words: Callable[[Exception], str] = str,
    on_refused: Callable[[Exception], object] | None = None,
    on_done: Callable[[T], object] | None = None,
) -> Done[T] | None:
    """Run one user action now (see the module's docstring); ``Done(value)`` when it went through."""
    stall_probe.note(action_name(call))
    try:
        value = call()
    except USER_ERRORS as exc:
        _refused(exc, parent=parent, title=title, error=error, words=words, on_refused=on_refused)
        return None
    if on_done is not None:
        on_done(value)
    return Done(value)


def run_service(parent: QWidget | None, title: str, call: Callable[[], T]) -> T | None:
    """Run one service call; on a refusal show its plain message and return None (nothing was written)."""
    done = user_action(call, parent=parent, title=title)
    return None if done is None else done.value


# ---------------------------------------------------------------------------------------- in the background

#: Actions running now; kept here so that none is collected before its result is handled.
_RUNNING: set[BackgroundAction] = set()


class BackgroundAction(QObject):
    """One user action on a worker thread. ``finished`` is emitted on the GUI thread once its result was
    handled (message shown, or ``on_done`` run) and the busy indicator is gone."""

    finished = Signal()

    def __init__(
        self,
        call: Callable[[], Any],
        *,
        parent: QWidget,
        busy_text: str,
        busy_label: QLabel | None,
        disable: Sequence[QWidget],
        handle: Callable[[BaseException | None, Any], None],
        handle_orphaned: Callable[[BaseException | None], None],
    ) -> None:
        super().__init__(parent)
        self._parent = parent
        self._busy_text = busy_text
        self._busy_label = busy_label
        self._label_before = busy_label.text() if busy_label is not None else ""
        self._disabled = [w for w in disable if w.isEnabled()]
        self._handle = handle
        self._handle_orphaned = handle_orphaned
        self.name = action_name(call)
        self.busy = False
        # Not a daemon: a save the user started finishes even when the window closes meanwhile.
        self._call = BackgroundCall(
            call, "trialapp-user-action", daemon=False, parent=self, orphaned=self._orphaned
        )
        # Direct: the call emits on the GUI thread, in the turn its outcome arrives (a second queued hop
        # could meet the screen's deletion in between, and the outcome was then dropped unhandled).
        self._call.succeeded.connect(self._succeeded, Qt.ConnectionType.DirectConnection)
        self._call.failed.connect(self._failed, Qt.ConnectionType.DirectConnection)

    def start(self) -> None:
        stall_probe.note(f"{self.name} (started in the background)")
        self._show_busy()
        _RUNNING.add(self)
        self._call.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the worker (tests); the result is still handled by the event loop."""
        return self._call.wait(timeout)

    def _status_bar_window(self) -> QMainWindow | None:
        window = self._parent.window()
        return window if isinstance(window, QMainWindow) else None

    def _show_busy(self) -> None:
        self.busy = True
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        for widget in self._disabled:
            widget.setEnabled(False)
        if self._busy_label is not None:
            self._busy_label.setText(self._busy_text)
        elif (window := self._status_bar_window()) is not None:
            window.statusBar().showMessage(self._busy_text)

    def _end_busy(self) -> None:
        self.busy = False
        QApplication.restoreOverrideCursor()
        for widget in self._disabled:
            widget.setEnabled(True)
        if self._busy_label is not None:
            if self._busy_label.text() == self._busy_text:
                self._busy_label.setText(self._label_before)
        elif (window := self._status_bar_window()) is not None and (
            window.statusBar().currentMessage() == self._busy_text
        ):
            window.statusBar().clearMessage()

    def _succeeded(self, value: object) -> None:
        self._end(None, value)

    def _failed(self, exc: BaseException) -> None:
        self._end(exc, None)

    def _orphaned(self) -> None:
        """The screen (and this object with it) was deleted before the outcome came: the wait cursor still
        ends, and the outcome is handled without the screen. Only Python state is touched here."""
        stall_probe.note(f"{self.name} (its screen was gone)")
        _RUNNING.discard(self)
        if self.busy:
            self.busy = False
            QApplication.restoreOverrideCursor()
        self._handle_orphaned(self._call.error)

    def _end(self, exc: BaseException | None, value: object) -> None:
        stall_probe.note(f"{self.name} (its result shown)")
        _RUNNING.discard(self)
        self._end_busy()
        try:
            self._handle(exc, value)
        finally:
            self.finished.emit()


def user_action_in_background(
    call: Callable[[], T],
    *,
    parent: QWidget,
    busy_text: str,
    busy_label: QLabel | None = None,
    disable: Sequence[QWidget] = (),
    title: str = "",
    error: ErrorSink | None = None,
    words: Callable[[Exception], str] = str,
    on_refused: Callable[[Exception], object] | None = None,
    on_done: Callable[[T], object] | None = None,
) -> BackgroundAction:
    """Run one user action on a worker thread (see the module's docstring) and return at once.

    While it runs: the wait cursor, ``busy_text`` in ``busy_label`` (or the main window's status bar), and
    the ``disable`` widgets disabled. The call must not touch widgets: it runs off the GUI thread.
    """

    def handle(exc: BaseException | None, value: Any) -> None:
        if exc is None:
            if on_done is not None:
                on_done(value)
        elif isinstance(exc, USER_ERRORS):
            _refused(exc, parent=parent, title=title, error=error, words=words, on_refused=on_refused)
        else:  # a bug: the crash dialog, as if it had happened on the GUI thread
            sys.excepthook(type(exc), exc, exc.__traceback__)

    def handle_orphaned(exc: BaseException | None) -> None:
        # Its screen is gone: nothing to refresh; a refusal is still said (the save did not happen), in a
        # message box of its own, and a bug still reaches the crash dialog.
        if isinstance(exc, USER_ERRORS):
            log.warning("%s: %s (its screen was closed meanwhile)", title or action_name(call), words(exc))
            _say(words(exc), parent=None, title=title or "Not done", error=None)
        elif exc is not None:
            sys.excepthook(type(exc), exc, exc.__traceback__)

    action = BackgroundAction(
        call,
        parent=parent,
        busy_text=busy_text,
        busy_label=busy_label,
        disable=disable,
        handle=handle,
        handle_orphaned=handle_orphaned,
    )
    action.start()
    return action
