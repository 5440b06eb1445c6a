"""Keys that work the same in every window.

Enter (Return or the keypad's Enter) presses the focused push button, as Space does. Qt does this only for a
dialog's "auto-default" buttons, so on a page (the timeline's "Record 8 h", Home, the workspace's header)
Enter did nothing: one filter does it everywhere, instead of a flag on each button. It follows the focus (the
application's ``focusChanged``) and sits on the focused button alone: on the application it saw every event of
every widget, several thousand Python calls when a form is built (about 20 ms a form, issue 22).
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QPushButton, QToolButton, QWidget

_ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def enter_presses(widget: QObject | None) -> bool:
    """Whether Enter on ``widget`` presses it: an enabled, visible push or tool button."""
    return isinstance(widget, QPushButton | QToolButton) and widget.isEnabled() and widget.isVisible()


class EnterPressesButtons(QObject):
    """An event filter on the focused button: Enter with no modifier clicks it."""

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self._on: QWidget | None = None
        app.focusChanged.connect(self._focus_moved)
        self._focus_moved(None, app.focusWidget())

    def _focus_moved(self, _old: QWidget | None, new: QWidget | None) -> None:
        if self._on is not None and shiboken6.isValid(self._on):
            self._on.removeEventFilter(self)
        self._on = new if isinstance(new, QPushButton | QToolButton) else None
        if self._on is not None:
            self._on.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if event.key() not in _ENTER_KEYS or mods != Qt.KeyboardModifier.NoModifier:
            return False
        if not enter_presses(watched) or not isinstance(watched, QWidget) or not watched.hasFocus():
            return False
        if event.isAutoRepeat():
            return True  # a held Enter presses once, never gives a dose twice
        watched.click()  # type: ignore[attr-defined]
        return True


def install(app: QApplication) -> EnterPressesButtons:
    """Install the filter once on ``app`` (again returns the one installed); kept alive by the app."""
    # Remembered on the app, not found with findChild: that would wrap each of the app's children for Python,
    # its QStyle too, whose 570 enumeration members cost 20-35 ms to build at start-up.
    existing = getattr(app, "_trialapp_enter_keys", None)
    if isinstance(existing, EnterPressesButtons) and shiboken6.isValid(existing):
        return existing
    keys = EnterPressesButtons(app)
    app._trialapp_enter_keys = keys  # type: ignore[attr-defined]
    return keys
