"""Starting the GUI: open the database (with plain error dialogs), show the main window."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from trialapp import __version__


def _qt_app() -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(sys.argv[:1])
    app.setApplicationName("trialapp")
    app.setApplicationDisplayName("ITB trial assistant")
    app.setApplicationVersion(__version__)
    return app


def run_gui(db: str | Path | None = None, *, portable: bool = False, exit_after_ready: bool = False) -> int:
    """Open the app's window. With ``exit_after_ready`` it exits 0 once the window has painted."""
    from trialapp.services.context import open_app
    from trialapp.services.errors import ServiceError
    from trialapp.storage.errors import StorageError

    qt = _qt_app()
    try:
        services = open_app(db, portable=portable)
    except (StorageError, ServiceError) as exc:
        if exit_after_ready:
            print(f"trialapp: {exc}", file=sys.stderr)
            return 2
        QMessageBox.critical(None, "The database cannot be opened", str(exc))
        return 2

    from trialapp.ui.main_window import MainWindow

    window = MainWindow(services)
    window.resize(1280, 720)
    window.show()
    if exit_after_ready:
        # Exit from the event loop once the first paint has been processed.
        window.ready.connect(lambda: QTimer.singleShot(0, qt.quit))
    try:
        return int(qt.exec())
    finally:
        services.close()
