"""Starting the GUI: log file and crash dialog, theme, open the database (with plain error dialogs), show
the main window on its sign-in page."""

from __future__ import annotations

import logging
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
    from trialapp.config import resolve_paths
    from trialapp.services.context import open_app
    from trialapp.services.errors import ServiceError
    from trialapp.storage.errors import StorageError
    from trialapp.ui import crash, theme

    qt = _qt_app()
    paths = resolve_paths(str(db) if db is not None else None, portable=portable)
    log_path: Path | None
    try:
        log_path = crash.setup_logging(paths.log_dir)
    except OSError:
        log_path = None  # a read-only log folder must not stop the ward from working
    previous_hook = crash.install_excepthook(log_path, show_dialog=not exit_after_ready)
    log = logging.getLogger("trialapp.ui")
    log.info("gui start, trialapp %s", __version__)
    theme.apply_theme(theme.saved_theme(paths.config_dir))
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
        log.info("gui stop")
        sys.excepthook = previous_hook
