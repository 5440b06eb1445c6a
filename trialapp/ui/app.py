"""Starting the GUI: log file and crash dialog, theme, open the database (with plain error dialogs), show
the main window on its sign-in page."""

from __future__ import annotations

import logging
import sys
from datetime import datetime
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


def _ask_way_forward(message: str, paths: object) -> str | None:
    """Offer the ways forward when the database cannot be opened: restore the newest good backup, choose
    another file, or quit. Returns the database to try next, or None to quit. The damaged file is never
    changed: a restore keeps it aside."""
    from PySide6.QtWidgets import QFileDialog

    from trialapp.services.backups import newest_good_backup, restore_backup

    target = Path(getattr(paths, "database", ""))
    backup = newest_good_backup(target) if target.exists() else None
    box = QMessageBox(QMessageBox.Icon.Critical, "The database cannot be opened", message)
    restore_button = None
    if backup is not None:
        taken = datetime.fromtimestamp(backup.stat().st_mtime).strftime("%d %b %Y %H:%M")
        restore_button = box.addButton(f"Restore the backup of {taken}", QMessageBox.ButtonRole.AcceptRole)
    choose_button = box.addButton("Choose another file…", QMessageBox.ButtonRole.ActionRole)
    box.addButton("Quit", QMessageBox.ButtonRole.RejectRole)
    box.exec()
    clicked = box.clickedButton()
    if restore_button is not None and clicked is restore_button and backup is not None:
        aside = restore_backup(backup, target)
        QMessageBox.information(None, "Backup restored", f"The damaged file was kept as {aside}.")
        return str(target)
    if clicked is choose_button:
        chosen, _ = QFileDialog.getOpenFileName(
            None,
            "Choose a trialapp database",
            str(target.parent),
            "trialapp database (*.sqlite *.db);;All files (*)",
        )
        return chosen or None
    return None


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
    while True:
        try:
            # A second copy of the app opens read-only and says who is writing (one writer per database).
            services = open_app(db, portable=portable, read_only_if_in_use=True)
            break
        except (StorageError, ServiceError) as exc:
            if exit_after_ready:
                print(f"trialapp: {exc}", file=sys.stderr)
                return 2
            log.warning("database could not be opened: %s", type(exc).__name__)
            choice = _ask_way_forward(str(exc), paths)
            if choice is None:
                return 2
            db = choice
            paths = resolve_paths(str(db), portable=portable)
    if services.read_only_reason and not exit_after_ready:
        QMessageBox.information(None, "Open read-only", services.read_only_reason)

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
