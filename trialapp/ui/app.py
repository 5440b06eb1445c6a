"""Starting the GUI: log file and crash dialog, theme, the main window on its sign-in page; then the
database opens behind it (``ui/startup.py``), with plain error dialogs and the ways forward."""

from __future__ import annotations

import logging
import sys
from importlib import resources
from pathlib import Path

from PySide6.QtCore import QSize, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QWidget

from trialapp import __version__


def _qt_app() -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    # Fusion chosen here rather than by setStyle: the same look, without building Python wrappers for
    # QStyle's large enumerations before the first paint (theme.apply_theme skips it then).
    app = QApplication([*sys.argv[:1], "-style", "Fusion"])
    app.setProperty("trialapp_style", "Fusion")
    app.setApplicationName("trialapp")
    app.setApplicationDisplayName("ITB trial assistant")
    app.setApplicationVersion(__version__)
    app.setWindowIcon(_app_icon())
    return app


def _app_icon() -> QIcon:
    """The app's icon (``resources/icons/trialapp.png``) for the title bar and the task bar."""
    return QIcon(str(resources.files("trialapp.resources").joinpath("icons", "trialapp.png")))


# A screen up to this size in logical pixels (a ward laptop: 1366 × 768, 1280 × 800, or 1920 × 1080 at
# 150 %) gets the whole screen: the workspace shows the timeline and a chart side by side only with nearly
# every pixel of it.
SMALL_SCREEN = (1600, 900)


def opens_maximised(available: QSize) -> bool:
    """Whether the main window opens maximised on a screen with ``available`` room (taskbar excluded)."""
    return available.width() <= SMALL_SCREEN[0] or available.height() <= SMALL_SCREEN[1]


def _show_main_window(window: QWidget) -> None:
    """Show the window maximised on a small screen, otherwise at its own size (1280 × 720)."""
    screen = window.screen()
    if screen is not None and opens_maximised(screen.availableGeometry().size()):
        window.showMaximized()
    else:
        window.show()


def run_gui(
    db: str | Path | None = None,
    *,
    portable: bool = False,
    exit_after_ready: bool = False,
    exit_after_database: bool = False,
) -> int:
    """Open the app's window; the database opens behind its sign-in page (``ui/startup.py``).

    ``exit_after_ready`` exits 0 once the sign-in page has painted (the database is not opened);
    ``exit_after_database`` exits 0 once the database is open and signing in is possible, or 2 with the
    plain message when it cannot be opened.
    """
    from trialapp.config import resolve_paths
    from trialapp.ui import crash, keys, theme
    from trialapp.ui.charts import loading as charts_loading
    from trialapp.ui.main_window import MainWindow
    from trialapp.ui.startup import Startup
    from trialapp.ui.way_forward import ask_way_forward

    qt = _qt_app()
    paths = resolve_paths(str(db) if db is not None else None, portable=portable)
    log_path: Path | None
    try:
        log_path = crash.setup_logging(paths.log_dir)
    except OSError:
        log_path = None  # a read-only log folder must not stop the ward from working
    unattended = exit_after_ready or exit_after_database
    previous_hook = crash.install_excepthook(log_path, show_dialog=not unattended)
    log = logging.getLogger("trialapp.ui")
    log.info("gui start, trialapp %s", __version__)
    theme.apply_theme(theme.saved_theme(paths.config_dir))

    window = MainWindow(None, paths=paths)
    window.resize(1280, 720)
    startup = Startup(
        window,
        paths,
        db=db,
        portable=portable,
        ask_way_forward=ask_way_forward,
        interactive=not exit_after_database,
        daily_backup=not unattended,
        read_fonts=not unattended,  # any name in any script: read once signing in is possible
        freeze_loaded=True,
    )
    if not unattended:  # the charts' modules load on a worker while the sign-in page is typed in
        startup.database_ready.connect(lambda _app: charts_loading.warm_up())
    # Enter presses the focused button, in every window: nothing can be pressed before the first paint, and
    # the filter sees every event (1,300 of them until that paint), so it is installed after it.
    window.ready.connect(lambda: keys.install(qt))
    if exit_after_ready:
        # Exit from the event loop once the first paint (the sign-in page) has been processed.
        window.ready.connect(lambda: QTimer.singleShot(0, qt.quit))
    else:
        window.ready.connect(startup.begin_after_paint)
    if exit_after_database:
        window.services_ready.connect(lambda: QTimer.singleShot(0, qt.quit))
    startup.ended.connect(qt.exit)
    _show_main_window(window)
    try:
        code = int(qt.exec())
        return startup.exit_code if startup.exit_code is not None else code
    finally:
        startup.shutdown()
        log.info("gui stop")
        sys.excepthook = previous_hook
