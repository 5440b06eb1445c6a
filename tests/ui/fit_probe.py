"""Opens every window and dialog on a 1366 × 768 screen at one scaling and prints, as JSON, every button or
field that lies outside the screen (or is cut off by its window). Scaling is fixed for a QApplication's
life, so ``tests/ui/test_fits_screen.py`` runs this once per scaling in its own process:

    python -m tests.ui.fit_probe 1.5

Synthetic data only, in a temporary folder.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

SCREEN = (1366, 768)

#: Controls a person reaches: each must lie wholly on screen (or scroll into view).
CONTROL_CLASSES = (
    "QAbstractButton",
    "QLineEdit",
    "QComboBox",
    "QAbstractSpinBox",
    "QPlainTextEdit",
    "QTextEdit",
    "QAbstractItemView",
    "QTabBar",
)


def _setup_qt(scale: float, folder: Path) -> Any:
    config = folder / "screen.json"
    screen = {"name": "laptop", "x": 0, "y": 0, "width": SCREEN[0], "height": SCREEN[1]}
    config.write_text(json.dumps({"screens": [{**screen, "logicalDpi": 96, "logicalBaseDpi": 96}]}))
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"
    os.environ["QT_SCALE_FACTOR"] = f"{scale:g}"
    os.environ["TRIALAPP_HOME"] = str(folder / "home")
    os.environ.pop("TRIALAPP_DB", None)
    from PySide6.QtWidgets import QApplication

    from trialapp.ui import theme

    qt = QApplication([])
    theme.apply_theme("light")  # the style sheet's paddings decide what fits
    return qt


def _is_control(widget: Any) -> bool:
    from PySide6 import QtWidgets

    if not isinstance(widget, tuple(getattr(QtWidgets, n) for n in CONTROL_CLASSES)):
        return False
    parent = widget.parentWidget()
    while parent is not None:  # the parts of a spin box, combo box, scroll bar or calendar: named by it
        name = type(parent).__name__
        if isinstance(parent, QtWidgets.QAbstractSpinBox | QtWidgets.QComboBox) or name in (
            "QScrollBar",
            "QCalendarWidget",
            "QHeaderView",
        ):
            return False
        parent = parent.parentWidget()
    return not widget.objectName().startswith("qt_")


def _in_scroll_area(widget: Any) -> bool:
    from PySide6.QtWidgets import QAbstractScrollArea

    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractScrollArea) and not isinstance(parent, type(widget)):
            return True
        parent = parent.parentWidget()
    return False


def _visible_rect(widget: Any) -> Any:
    """The part of ``widget`` its ancestors leave visible, in screen coordinates."""
    from PySide6.QtCore import QRect

    rect = QRect(widget.mapToGlobal(widget.rect().topLeft()), widget.size())
    parent = widget.parentWidget()
    while parent is not None:
        rect = rect.intersected(QRect(parent.mapToGlobal(parent.rect().topLeft()), parent.size()))
        if parent.isWindow():
            break
        parent = parent.parentWidget()
    return rect


def offenders(name: str, window: Any) -> list[dict[str, Any]]:
    """What of ``window`` lies outside the screen's room or is cut off by the window."""
    from PySide6.QtCore import QRect
    from PySide6.QtWidgets import QWidget

    screen = window.screen().availableGeometry()
    found: list[dict[str, Any]] = []
    frame = window.frameGeometry()
    # A maximised window at 125 % is 1366 / 1.25 = 1092.8 logical pixels wide: rounding gives one pixel.
    if not screen.adjusted(-1, -1, 1, 1).contains(frame):
        found.append({"window": name, "what": "the window", "rect": _rect(frame), "screen": _rect(screen)})
    for widget in window.findChildren(QWidget):
        if not _is_control(widget) or not widget.isVisibleTo(window) or QWidget.width(widget) <= 0:
            continue
        whole = QRect(widget.mapToGlobal(widget.rect().topLeft()), widget.size())
        seen = _visible_rect(widget)
        scrolled = _in_scroll_area(widget)
        if seen.isEmpty() and scrolled:
            continue  # scrolled out of view: the scroll bar brings it
        cut = seen != whole and not scrolled
        if cut or not screen.contains(seen):
            found.append({"window": name, "what": _describe(widget), "rect": _rect(whole), "seen": _rect(seen)})
    return found


def _describe(widget: Any) -> str:
    text = widget.accessibleName() or (widget.text() if hasattr(widget, "text") else "") or widget.objectName()
    return f"{type(widget).__name__} {str(text).replace('&', '')!r}"


def _size(widget: Any) -> list[int]:
    from PySide6.QtWidgets import QWidget

    size = QWidget.size(widget)  # QWidget's own: a form may have a field called "height"
    return [size.width(), size.height()]


def _rect(r: Any) -> list[int]:
    return [r.x(), r.y(), r.width(), r.height()]


def _settle(qt: Any) -> None:
    from PySide6.QtCore import QCoreApplication, QEvent

    for _ in range(4):
        qt.processEvents()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@contextmanager
def _shown(qt: Any, widget: Any) -> Iterator[Any]:
    widget.show()
    _settle(qt)
    try:
        yield widget
    finally:
        widget.hide()  # not close(): a dialog with typed content would ask whether to discard it
        widget.deleteLater()
        _settle(qt)


def probe(scale: float) -> dict[str, Any]:
    """Open each window and dialog at ``scale`` and return the offenders and each window's size."""
    folder = Path(tempfile.mkdtemp(prefix="fit-probe-"))
    qt = _setup_qt(scale, folder)

    from argon2 import PasswordHasher

    from tests.ui import shell_helpers
    from tests.ui.shell_helpers import PASSWORD, dosed_trial, make_team
    from trialapp.services import qi as qi_service
    from trialapp.services import users
    from trialapp.services.context import open_app

    users._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # type: ignore[attr-defined]
    app = open_app(folder / "trial.sqlite")
    team = make_team(app)
    trial_id = dosed_trial(app, "FIT-1", dose_at=datetime(2026, 3, 1, 9, 0), reassessed_after_hours=(1, 2))
    procedure = qi_service.create_procedure(
        app, team.qi, qi_service.NewProcedure(date(2025, 9, 1), "new_implant", "North", "Dr A")
    )
    assert shell_helpers  # the team and trial come from the UI tests' own helpers

    found: list[dict[str, Any]] = []
    sizes: dict[str, list[int]] = {}

    def check(name: str, widget: Any) -> None:
        print(f"{time.monotonic():.1f} {name}", file=sys.stderr)
        with _shown(qt, widget):
            sizes[name] = _size(widget)
            found.extend(offenders(name, widget))

    from trialapp.ui.app import _show_main_window
    from trialapp.ui.main_window import MainWindow

    window = MainWindow(app)
    window.resize(1280, 720)
    _show_main_window(window)
    _settle(qt)
    sizes["sign-in"] = _size(window)
    found.extend(offenders("sign-in", window))
    window.sign_in(team.neuro)
    _settle(qt)
    found.extend(offenders("home", window))
    window.open_trial(trial_id)
    _settle(qt)
    sizes["workspace"] = _size(window)
    found.extend(offenders("workspace", window))
    workspace = window.workspace
    assert workspace is not None
    for label, opener in (
        ("assessment form", lambda: workspace.open_assessment(1, "reassessment", "4")),
        ("day review", lambda: workspace.open_day_review(1)),
    ):
        opener()
        _settle(qt)
        found.extend(offenders(label, window))
        workspace._close_page()
    workspace.tabs.setCurrentWidget(workspace.decision_view)
    _settle(qt)
    found.extend(offenders("decision", window))

    from trialapp.ui.views.about import AboutDialog
    from trialapp.ui.views.history import HistoryDialog
    from trialapp.ui.views.new_trial import NewTrialWizard
    from trialapp.ui.views.password_dialogs import ChangePasswordDialog, ResetPasswordDialog
    from trialapp.ui.views.print_dialog import PrintSummaryDialog
    from trialapp.ui.views.settings import AddUserDialog, SettingsDialog
    from trialapp.ui.workspace.alerts import AdverseEventDialog
    from trialapp.ui.workspace.dose_dialog import DoseDialog

    dialogs: list[tuple[str, Callable[[], Any]]] = [
        ("dose dialog", lambda: DoseDialog(workspace.controller, 1, window)),
        ("adverse event", lambda: AdverseEventDialog(workspace.controller, 1, window)),
        ("new trial wizard", lambda: NewTrialWizard(app, team.pt, parent=window)),
        ("settings", lambda: SettingsDialog(app, team.admin, parent=window)),
        ("add user", lambda: AddUserDialog(app, team.admin, parent=window)),
        ("print", lambda: PrintSummaryDialog(app, team.neuro, trial_id, parent=window)),
        ("history", lambda: HistoryDialog(app, team.neuro, trial_id=trial_id, parent=window)),
        ("about", lambda: AboutDialog(app, parent=window)),
        ("reset password", lambda: ResetPasswordDialog(app, team.admin, "pt.jones", parent=window)),
        ("change password", lambda: ChangePasswordDialog(app, team.pt, parent=window)),
    ]
    for name, make in dialogs:
        check(name, make())
    wizard = NewTrialWizard(app, team.pt, parent=window)
    with _shown(qt, wizard):
        for step in range(wizard.stack.count()):
            wizard.stack.setCurrentIndex(step)
            _settle(qt)
            found.extend(offenders(f"new trial wizard, step {step + 1}", wizard))

    window.sign_out()
    window.sign_in(team.qi)
    from trialapp.ui.qi.checklist import ProcedureChecklistDialog
    from trialapp.ui.qi.dashboard import QiDashboard
    from trialapp.ui.qi.dialogs import CorrectProcedureDialog, RemoveSsiDialog, SsiDialog
    from trialapp.ui.review import ReviewWindow

    for name, make in (
        ("QI dashboard", lambda: QiDashboard(app, team.qi)),
        ("checklist", lambda: ProcedureChecklistDialog(app, team.qi, procedure, window)),
        ("new procedure checklist", lambda: ProcedureChecklistDialog(app, team.qi, None, window)),
        ("infection", lambda: SsiDialog(app, team.qi, procedure, window)),
        ("remove infection", lambda: RemoveSsiDialog(app, team.qi, procedure, window)),
        ("correct procedure", lambda: CorrectProcedureDialog(app, team.qi, procedure, window)),
    ):
        check(name, make())
    review = ReviewWindow(app, team.qi, lambda _t: None, background=False)
    if hasattr(window, "fit_review"):
        window.fit_review(review)
    check("review", review)

    window.lock()
    _settle(qt)
    found.extend(offenders("locked", window))
    dialog = window.screen_lock.dialog if window.screen_lock is not None else None
    if dialog is not None:
        dialog.password.setText(PASSWORD)
        dialog.unlock_button.click()
        deadline = time.monotonic() + 60
        while dialog.checking and time.monotonic() < deadline:  # the password is checked on a worker
            _settle(qt)
            time.sleep(0.01)
    window.close()
    window.deleteLater()
    _settle(qt)
    app.close()
    return {"scale": scale, "offenders": found, "sizes": sizes}


def main(argv: list[str]) -> int:
    scale = float(argv[1]) if len(argv) > 1 else 1.0
    print(json.dumps(probe(scale)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
