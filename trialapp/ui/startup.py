"""The staged start: the window paints first, the database opens behind it.

1. ``run_gui`` (``ui/app.py``) starts Qt, resolves the paths, sets up the log file and the crash dialog,
   applies the theme and shows the main window on its sign-in page. Only PySide6 and the app's light
   modules are loaded by then, so the window paints in about the time of a bare PySide6 window.
2. Right after that first paint, ``Startup.begin`` opens the database on a worker thread: SQLAlchemy, the
   preflight of the file, the migrations (after their backup), the writer lock or the read-only
   fallback. The page can be typed in meanwhile; "Sign in" waits (Enter signs in once the database is open).
3. Back on the GUI thread: a read-only notice when another copy writes to the database, then the window
   gets the open services (sign-in live, or the "create the first admin" page). When the file cannot be
   opened, the user gets the same plain message and ways forward as always (restore, choose, quit).
4. The first opening of a day takes the verified daily backup on a background thread, with its state in
   the status bar; an unfinished copy is never counted as a backup (``storage/backup.py``).
5. Once signing in is possible, another worker reads the bundled fonts (``ui/fonts.py``, 10 MB) and the GUI
   thread sets them when they are read: names in any script are shown from the home list on, and signing
   in (``MainWindow.sign_in``) makes sure of them should it come first.
"""

from __future__ import annotations

import gc
import importlib.util
import logging
import os
import sys
import traceback
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QMessageBox

from trialapp.config import redact_url
from trialapp.ui.actions import USER_ERRORS, user_action
from trialapp.ui.background import BackgroundCall
from trialapp.ui.gc_turns import FullCollections
from trialapp.ui.way_forward import ask_way_forward

if TYPE_CHECKING:
    from trialapp.config import Paths
    from trialapp.services.context import App
    from trialapp.ui.main_window import MainWindow

log = logging.getLogger("trialapp.ui")

EXIT_CANNOT_OPEN = 2
EXIT_UNEXPECTED = 1

#: Opens the database (on the worker thread): ``opener(db, portable)``.
Opener = Callable[[str | Path | None, bool], "App"]
#: Offers the ways forward when the database cannot be opened: ``(message, paths) -> database or None``.
WayForward = Callable[[str, Any], "str | None"]


#: What the worker imports that never uses Qt (the database layer and the rules).
NOT_QT_PACKAGES = (
    "sqlalchemy",
    "alembic",
    "argon2",
    "trialapp.storage",
    "trialapp.services",
    "trialapp.domain",
)


def skip_pyside_source_scan(packages: tuple[str, ...] = NOT_QT_PACKAGES) -> int:
    """Tell PySide6 beforehand that these packages' modules do not use it; return how many were named.

    Once PySide6 is loaded it reads the whole source of every module imported after it, to find out whether
    the module may ask for its ``__feature__`` switches (only a module using PySide6 can); for SQLAlchemy
    that is 100 files, 35-80 ms of the opening. The answer for a module that does not use PySide6 is "ignore"
    (-1 in its table), so it is written in first, from the packages' file names. Nothing when PySide6's table
    is not there (another version): it then scans as before.
    """
    try:
        known = importlib.import_module("PySide6.support.feature").pyside_feature_dict
    except (ImportError, AttributeError):
        return 0
    if not isinstance(known, dict):
        return 0
    named = 0
    for package in packages:
        try:
            spec = importlib.util.find_spec(package)
        except (ImportError, ValueError):
            continue
        for folder in (spec.submodule_search_locations or []) if spec is not None else []:
            for root, dirs, files in os.walk(folder):
                dirs[:] = [d for d in dirs if d.isidentifier()]
                prefix = ".".join((package, *Path(root).relative_to(folder).parts))
                for name in files:
                    stem, dot, ext = name.rpartition(".")
                    if dot and ext == "py" and stem.isidentifier():
                        module = prefix if stem == "__init__" else f"{prefix}.{stem}"
                        if known.setdefault(module, -1) == -1:
                            named += 1
    return named


def open_services(db: str | Path | None, portable: bool) -> App:
    """The worker's job: open the database as the window needs it (a second copy opens read-only), and load
    what signing in uses, so that none of it runs on the GUI thread (the sign-in page counts the users: the
    first query also sets up SQLAlchemy's mappings, 20-30 ms, done here rather than on the GUI thread)."""
    skip_pyside_source_scan()
    from trialapp.services.context import open_app

    app = open_app(db, portable=portable, read_only_if_in_use=True, defer_daily_backup=True)
    try:
        from trialapp.services import users
    except BaseException:
        app.close()
        raise
    try:
        users.count_users(app)
    except Exception:  # only a warm-up: the sign-in page asks again and shows what goes wrong, as before
        log.debug("counting the users on the worker failed", exc_info=True)
    return app


def _after_opening() -> tuple[str, ...]:
    """Once signing in is possible, on a worker: read the bundled fonts, and load what the first sign-in then
    needs (the settings, and the record rules under them), so that it does not load them on the GUI thread."""
    from trialapp.ui import fonts

    families = fonts.add_bundled_fonts()
    import trialapp.services.app_settings  # noqa: F401

    return families


class Startup(QObject):
    """Opens the database behind the painted window and hands it over; then the daily backup.

    ``interactive=False`` (``gui --exit-after-database``): no dialogs; an error is printed and ends the
    app with exit code 2. ``daily_backup=False`` leaves the day's backup to the next start, and
    ``read_fonts=False`` the bundled fonts to the first sign-in. ``freeze_loaded`` (the app, not tests:
    garbage of earlier tests would be kept) moves what is loaded by then out of the collector's way.
    """

    database_ready = Signal(object)  # App, once the window has it
    ended = Signal(int)  # start-up cannot go on: the exit code (run_gui ends the app with it)

    def __init__(
        self,
        window: MainWindow,
        paths: Paths,
        *,
        db: str | Path | None,
        portable: bool = False,
        opener: Opener = open_services,
        ask_way_forward: WayForward | None = None,
        interactive: bool = True,
        daily_backup: bool = True,
        read_fonts: bool = False,
        freeze_loaded: bool = False,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._paths = paths
        self._db = db
        self._portable = portable
        self._opener = opener
        self._ask_way_forward = ask_way_forward
        self._interactive = interactive
        self._daily_backup = daily_backup
        self._read_fonts = read_fonts
        self._freeze_loaded = freeze_loaded
        self.full_collections = FullCollections(self)
        self._opening: BackgroundCall | None = None
        self.backup: BackgroundCall | None = None
        self.fonts: BackgroundCall | None = None
        self.services: App | None = None
        self.exit_code: int | None = None  # set when start-up ends the app (quit, or an error)
        self._stopped = False
        # A restore (Admin → Backups…) hands the window the reopened database: that one is closed at exit.
        window.services_ready.connect(self._window_took_services)

    def _window_took_services(self) -> None:
        if self.services is not None and self._window.services is not None:
            self.services = self._window.services

    @property
    def opening(self) -> bool:
        """Whether the database is being opened right now."""
        return self._opening is not None

    def begin_after_paint(self) -> None:
        """Connected to the window's first paint: start once the paint has been handed to the screen, so
        the worker's imports (which hold Python's GIL) cannot slow it."""
        QTimer.singleShot(0, self.begin)

    def begin(self) -> None:
        """Start opening the database on the worker thread (once; again after a way forward was chosen)."""
        if self._opening is not None or self.services is not None or self._stopped:
            return
        db, portable, opener = self._db, self._portable, self._opener
        call = BackgroundCall(
            lambda: opener(db, portable), "trialapp-open-database", daemon=False, parent=self
        )
        call.succeeded.connect(self._opened, Qt.ConnectionType.QueuedConnection)
        call.failed.connect(self._open_failed, Qt.ConnectionType.QueuedConnection)
        self._opening = call
        log.info("opening the database")
        call.start()

    # ------------------------------------------------------------------------------------ the opening

    def _opened(self, app: App) -> None:
        if self._stopped:
            return  # closed meanwhile: shutdown() took it from the call and closed it
        self._opening = None
        self.services = app
        log.info("database open%s", " read-only" if app.read_only_reason else "")
        if app.read_only_reason and self._interactive:
            # A second copy of the app opens read-only and says who is writing (one writer per database).
            QMessageBox.information(self._window, "Open read-only", app.read_only_reason)
        self._window.attach_services(app)
        if self._freeze_loaded:
            # What the start loaded (Qt's and SQLAlchemy's modules, the models) lives as long as the app:
            # Python's collector need not look through it again, so its full collections (pauses of the GUI
            # thread) and the app's exit get shorter. Instant; objects made later are collected as always.
            gc.freeze()
            # And the full collections of what is made later run in turns of their own (ui/gc_turns.py).
            self.full_collections.start()
        self.database_ready.emit(app)
        if self._read_fonts and self.fonts is None:
            self._start_fonts()
        if self._daily_backup and app.daily_backup_due:
            self._start_backup(app)

    def _start_fonts(self) -> None:
        from trialapp.ui import fonts

        call = BackgroundCall(_after_opening, "trialapp-fonts", daemon=False, parent=self)
        # Set on the GUI thread once read; a font that could not be read was logged, the names still show.
        call.succeeded.connect(lambda _f: fonts.register_bundled_fonts(), Qt.ConnectionType.QueuedConnection)
        call.failed.connect(
            lambda exc: log.warning("the bundled fonts could not be read: %s", type(exc).__name__),
            Qt.ConnectionType.QueuedConnection,
        )
        self.fonts = call
        call.start()

    def _open_failed(self, exc: BaseException) -> None:
        if self._stopped:
            return
        self._opening = None
        if not isinstance(exc, USER_ERRORS):
            # Not a refusal written for the user: the crash dialog (logged, copyable), then the app ends, as
            # it did when the database was opened before the window.
            if not self._interactive:
                traceback.print_exception(exc, file=sys.stderr)
            sys.excepthook(type(exc), exc, exc.__traceback__)
            self._end(EXIT_UNEXPECTED)
            return
        log.warning("database could not be opened: %s", type(exc).__name__)
        if not self._interactive:
            print(f"trialapp: {exc}", file=sys.stderr)
            self._end(EXIT_CANNOT_OPEN)
            return
        ask = self._ask_way_forward or ask_way_forward
        message = str(exc)
        while True:
            refused: list[str] = []  # e.g. the restore was refused: say why, ask again
            done = user_action(partial(ask, message, self._paths), error=refused.append)
            if done is not None:
                choice = done.value
                break
            message = refused[0]
        if choice is None:
            self._end(EXIT_CANNOT_OPEN)
            return
        from trialapp.config import resolve_paths

        self._db = choice
        self._paths = resolve_paths(str(choice), portable=self._portable)
        self._window.show_database(redact_url(str(self._paths.database)))
        self.begin()

    def _end(self, code: int) -> None:
        self.exit_code = code
        self.ended.emit(code)

    # ------------------------------------------------------------------------------- the daily backup

    def _start_backup(self, app: App) -> None:
        from trialapp.services.backups import take_daily_backup

        self._window.show_backup_status("Backing up…")
        call = BackgroundCall(
            lambda: take_daily_backup(app), "trialapp-daily-backup", daemon=True, parent=self
        )
        call.succeeded.connect(self._backup_done, Qt.ConnectionType.QueuedConnection)
        call.failed.connect(self._backup_failed, Qt.ConnectionType.QueuedConnection)
        self.backup = call
        log.info("daily backup started")
        call.start()

    def _backup_done(self, info: Any) -> None:
        if info is None:
            self._window.show_backup_status(None)
            return
        log.info("daily backup done")
        self._window.show_backup_status(
            "Backup done", detail=f"Today's verified backup: {Path(info.path).name}"
        )

    def _backup_failed(self, exc: BaseException) -> None:
        if isinstance(exc, USER_ERRORS):
            reason = str(exc)
        elif isinstance(exc, OSError):
            reason = f"The backup could not be written ({exc.strerror or type(exc).__name__})."
        else:
            sys.excepthook(type(exc), exc, exc.__traceback__)
            reason = "The backup could not be written (an unexpected error, reported to the log)."
        log.warning("daily backup failed: %s", type(exc).__name__)
        self._window.show_backup_status(
            "Today's backup could not be written. Your records are safe; tell your admin.",
            warning=True,
            detail=f"{reason} The app tries again at its next start today.",
        )

    def wait_for_backup(self, timeout: float | None = None) -> bool:
        """Wait for the background backup to end (tests, and nothing else: closing never waits for it)."""
        return self.backup is None or self.backup.wait(timeout)

    # ------------------------------------------------------------------------------------------- exit

    def shutdown(self) -> None:
        """At exit: let an opening in progress finish (a migration is never cut short), then close the
        database. A daily backup still running is left behind: its copy keeps its temporary name, is never
        counted, and the next start takes the day's backup again."""
        self._stopped = True
        self.full_collections.stop()
        opening = self._opening
        if opening is not None:
            log.info("closed while the database was opening: waiting for it to finish")
            opening.wait()
            self._opening = None
            if self.services is None and opening.result is not None:
                self.services = opening.result
        if self.fonts is not None:
            self.fonts.wait()  # a moment: Qt's font database must not be read into while the app ends
        if self.backup is not None and self.backup.running:
            log.warning("closed during the daily backup: the unfinished copy is not kept")
        if self.services is not None:
            self.services.close()
            self.services = None
