"""The staged start: the sign-in page paints before the database is open, and becomes live when it is.

The worker that opens the database is held at a gate (``GatedOpener``), so each test sees the window while
the database is still opening, then lets it through: no timing, only order.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from tests.ui.shell_helpers import PASSWORD, make_team
from trialapp.config import resolve_paths
from trialapp.services.context import open_app
from trialapp.storage.backup import BackupFailed, list_backups, take_backup
from trialapp.storage.writer_lock import WriterLock
from trialapp.ui import startup as startup_module
from trialapp.ui.main_window import MainWindow
from trialapp.ui.startup import Startup, open_services
from trialapp.ui.views import login as login_module
from trialapp.ui.way_forward import ask_way_forward


class GatedOpener:
    """Opens the database like the app does, once the test opens the gate."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.gate = threading.Event()
        self.calls: list[str] = []

    def __call__(self, db: str | Path | None, portable: bool):  # type: ignore[no-untyped-def]
        self.calls.append(str(db))
        self.started.set()
        assert self.gate.wait(60), "the test never opened the gate"
        return open_services(db, portable)


def _never_asked(message: str, paths: object) -> str | None:
    raise AssertionError(f"the way-forward dialog was not expected: {message}")


@pytest.fixture
def with_team(db_path: Path) -> Path:
    """A database with users, closed again (as on a ward laptop before the app starts)."""
    app = open_app(db_path)
    try:
        make_team(app)
    finally:
        app.close()
    return db_path


@pytest.fixture
def started(qtbot, request) -> Iterator[list[Startup]]:  # type: ignore[no-untyped-def]
    """Every Startup a test makes is shut down afterwards (its worker joined, its database closed)."""
    made: list[Startup] = []
    yield made
    for startup in made:
        startup.wait_for_backup(60)
        startup.shutdown()


def _start(qtbot, started, db: Path, opener, **kwargs) -> tuple[MainWindow, Startup]:  # type: ignore[no-untyped-def]
    paths = resolve_paths(str(db))
    window = MainWindow(None, paths=paths)
    qtbot.addWidget(window)
    kwargs.setdefault("ask_way_forward", _never_asked)
    startup = Startup(window, paths, db=db, opener=opener, **kwargs)
    started.append(startup)
    window.ready.connect(startup.begin_after_paint)
    window.resize(1280, 720)
    with qtbot.waitSignal(window.ready, timeout=10_000):
        window.show()
    return window, startup


def test_sign_in_page_paints_and_takes_typing_while_the_database_opens(with_team, qtbot, started):
    opener = GatedOpener()
    window, startup = _start(qtbot, started, with_team, opener)
    qtbot.waitUntil(opener.started.is_set, timeout=10_000)  # the worker began after the first paint

    login = window.login
    assert window.pages.currentWidget() is login and login.isVisible()
    assert window.services is None and startup.opening and not login.ready
    assert login.username.isEnabled() and login.password.isEnabled()
    assert window.focusWidget() is login.username
    assert not login.sign_in_button.isEnabled()
    assert login.context_line.text() == login_module.OPENING_TEXT
    assert str(with_team) in window.db_label.text()
    assert not window.act_about.isEnabled() and not window.act_home.isEnabled()
    assert window.idle is None and window.screen_lock is None  # built with the services
    assert window.pages.count() == 3  # sign-in, home and workspace holders; no home view yet
    assert window.home is None

    qtbot.keyClicks(login.username, "pt.jones")
    qtbot.keyClick(login.username, Qt.Key.Key_Return)
    assert window.focusWidget() is login.password
    qtbot.keyClicks(login.password, PASSWORD)

    with qtbot.waitSignal(startup.database_ready, timeout=60_000):
        opener.gate.set()
    assert login.ready and login.sign_in_button.isEnabled()
    assert login.username.text() == "pt.jones" and login.password.text() == PASSWORD  # nothing typed lost
    assert window.focusWidget() is login.password  # not moved under the typing hands
    assert login.context_line.text() == f"Database: {with_team}"
    assert window.services is not None and not startup.opening
    assert window.idle is None and window.screen_lock is not None  # the idle watcher comes with a sign-in

    login.sign_in_button.click()
    qtbot.waitUntil(lambda: not login.signing_in, timeout=20_000)  # checked off the GUI thread
    assert window.pages.currentWidget() is window.home_page and window.home is not None
    assert window.actor is not None and window.actor.username == "pt.jones"
    assert window.idle is not None and window.idle.timer.isActive()  # the lock after idle minutes runs


def test_enter_pressed_before_the_database_is_open_signs_in_when_it_is(with_team, qtbot, started):
    opener = GatedOpener()
    window, startup = _start(qtbot, started, with_team, opener)
    qtbot.waitUntil(opener.started.is_set, timeout=10_000)
    login = window.login
    qtbot.keyClicks(login.username, "dr.lee")
    qtbot.keyClick(login.username, Qt.Key.Key_Return)
    qtbot.keyClicks(login.password, PASSWORD)
    qtbot.keyClick(login.password, Qt.Key.Key_Return)  # too early: remembered, said so
    assert window.actor is None
    assert login.context_line.text() == login_module.WAITING_TEXT
    assert not login.sign_in_error.isVisible() or not login.sign_in_error.text()

    signed = []
    window.actor_changed.connect(signed.append)
    with qtbot.waitSignal(startup.database_ready, timeout=60_000):
        opener.gate.set()
    qtbot.waitUntil(lambda: bool(signed), timeout=20_000)  # checked off the GUI thread
    assert [a.username for a in signed] == ["dr.lee"]
    assert window.pages.currentWidget() is window.home_page
    assert login.password.text() == ""


def test_a_wrong_password_typed_early_is_refused_when_the_database_opens(with_team, qtbot, started):
    opener = GatedOpener()
    window, startup = _start(qtbot, started, with_team, opener)
    qtbot.waitUntil(opener.started.is_set, timeout=10_000)
    login = window.login
    login.username.setText("pt.jones")
    login.password.setText("not-the-password")
    login.sign_in()
    with qtbot.waitSignal(startup.database_ready, timeout=60_000):
        opener.gate.set()
    # The password is checked off the GUI thread.
    qtbot.waitUntil(lambda: "Wrong username or password" in login.sign_in_error.text(), timeout=20_000)
    assert window.actor is None


def test_empty_username_is_said_at_once_even_while_opening(with_team, qtbot, started):
    opener = GatedOpener()
    window, startup = _start(qtbot, started, with_team, opener)
    qtbot.waitUntil(opener.started.is_set, timeout=10_000)
    qtbot.keyClick(window.login.password, Qt.Key.Key_Return)
    assert window.login.sign_in_error.text() == "Type your username."
    with qtbot.waitSignal(startup.database_ready, timeout=60_000):
        opener.gate.set()
    assert window.actor is None  # nothing was waiting


def test_no_users_yet_switches_to_the_first_admin_page(db_path, qtbot, started):
    opener = GatedOpener()
    window, startup = _start(qtbot, started, db_path, opener)  # a new installation: no file yet
    qtbot.waitUntil(opener.started.is_set, timeout=10_000)
    login = window.login
    assert not login.first_run  # nobody knows yet
    login.username.setText("someone")
    with qtbot.waitSignal(startup.database_ready, timeout=60_000):
        opener.gate.set()
    assert login.first_run and login.create_button.isEnabled()
    assert login.username.text() == ""
    assert "at least 8 characters" in login.first_run_help.text()
    assert window.focusWidget() is login.admin_username
    qtbot.keyClicks(login.admin_username, "admin.lee")
    qtbot.keyClicks(login.admin_full_name, "Dr Sam Lee")
    qtbot.keyClicks(login.admin_password, "long-enough-1")
    qtbot.keyClicks(login.admin_repeat, "long-enough-1")
    qtbot.keyClick(login.admin_repeat, Qt.Key.Key_Return)
    assert window.actor is not None and window.actor.role == "admin"


def test_a_second_copy_opens_read_only_and_says_who_writes(with_team, qtbot, started, monkeypatch):
    told: list[str] = []
    monkeypatch.setattr(
        startup_module.QMessageBox, "information", lambda parent, title, text: told.append(f"{title}: {text}")
    )
    first = open_app(with_team)  # another copy of the app has the database open for writing
    try:
        opener = GatedOpener()
        window, startup = _start(qtbot, started, with_team, opener)
        with qtbot.waitSignal(startup.database_ready, timeout=60_000):
            opener.gate.set()
        assert len(told) == 1 and told[0].startswith("Open read-only: ") and "open for writing" in told[0]
        assert "(read-only)" in window.db_label.text()
        assert window.login.context_line.text().startswith("Read-only: ")
        assert startup.backup is None  # a reader takes no backup
        window.login.username.setText("pt.jones")
        window.login.password.setText(PASSWORD)
        window.login.sign_in_button.click()
        qtbot.waitUntil(lambda: not window.login.signing_in, timeout=20_000)  # checked off the GUI thread
        # A read-only copy signs in without writing (failed attempts are counted in memory there), so the
        # team can read the records while another copy writes.
        assert window.actor is not None and window.actor.username == "pt.jones"
    finally:
        first.close()


def test_a_damaged_file_offers_the_ways_forward_and_quit_ends_with_2(db_path, qtbot, started):
    db_path.write_bytes(b"this is not a database, it is a shopping list" * 100)
    asked: list[str] = []

    def quit_(message: str, paths: object) -> str | None:
        asked.append(message)
        return None

    window, startup = _start(qtbot, started, db_path, open_services, ask_way_forward=quit_)
    qtbot.waitUntil(lambda: startup.exit_code is not None, timeout=60_000)
    assert startup.exit_code == 2
    assert len(asked) == 1 and "is not a trialapp database, or it is damaged" in asked[0]
    assert "left untouched" in asked[0]
    assert window.services is None and not window.login.ready


def test_choosing_another_file_after_a_damaged_one_opens_it(db_path, with_team, tmp_path, qtbot, started):
    damaged = tmp_path / "damaged.sqlite"
    damaged.write_bytes(b"garbage" * 1000)
    chosen: list[str] = []

    def choose(message: str, paths: object) -> str | None:
        chosen.append(message)
        return str(with_team)

    opener = GatedOpener()
    opener.gate.set()
    window, _startup = _start(qtbot, started, damaged, opener, ask_way_forward=choose)
    qtbot.waitUntil(lambda: window.services is not None, timeout=60_000)
    assert len(chosen) == 1
    assert opener.calls == [str(damaged), str(with_team)]
    assert str(with_team) in window.db_label.text()
    assert not window.login.first_run  # the team is in the chosen file


def test_the_restore_way_forward_puts_back_the_newest_good_backup(with_team, qtbot, started, monkeypatch):
    take_backup(with_team, "daily")
    with_team.write_bytes(b"damaged beyond repair" * 500)
    for side in ("-wal", "-shm"):
        Path(str(with_team) + side).unlink(missing_ok=True)
    clicks: list[str] = []

    def first_button(box: QMessageBox) -> int:
        button = box.buttons()[0]
        clicks.append(button.text())
        button.click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", first_button)
    kept: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text: kept.append(text))
    window, _startup = _start(qtbot, started, with_team, open_services, ask_way_forward=ask_way_forward)
    qtbot.waitUntil(lambda: window.services is not None, timeout=60_000)
    assert clicks and clicks[0].startswith("Restore the backup of ")
    assert kept and "The damaged file was kept as" in kept[0]
    assert not window.login.first_run  # the restored file has the team


def test_an_unexpected_error_while_opening_reaches_the_crash_dialog(db_path, qtbot, started, monkeypatch):
    seen: list[type[BaseException]] = []
    monkeypatch.setattr(sys, "excepthook", lambda kind, exc, tb: seen.append(kind))

    def broken(db: object, portable: bool) -> object:
        raise KeyError("a bug, not a refusal")

    _window, startup = _start(qtbot, started, db_path, broken)
    qtbot.waitUntil(lambda: startup.exit_code is not None, timeout=60_000)
    assert seen == [KeyError] and startup.exit_code == 1


def test_closing_while_the_database_opens_waits_for_it_and_closes_it(with_team, qtbot, started):
    opener = GatedOpener()
    window, startup = _start(qtbot, started, with_team, opener)
    qtbot.waitUntil(opener.started.is_set, timeout=10_000)
    window.close()
    threading.Timer(0.2, opener.gate.set).start()
    startup.shutdown()  # returns once the opening has finished, and closes what it opened
    lock = WriterLock.acquire(with_team)  # nobody holds the database any more
    lock.release()


# ------------------------------------------------------------------------------------ the daily backup


def _old_enough_for_a_daily_backup(db: Path) -> None:
    for old in list_backups(db):
        old.unlink()


def test_the_daily_backup_runs_after_the_window_is_live(with_team, qtbot, started, monkeypatch):
    from trialapp.services import backups

    _old_enough_for_a_daily_backup(with_team)
    gate = threading.Event()
    real = backups.take_daily_backup

    def gated(app):  # type: ignore[no-untyped-def]
        assert gate.wait(60)
        return real(app)

    monkeypatch.setattr(backups, "take_daily_backup", gated)
    opener = GatedOpener()
    opener.gate.set()
    window, _startup = _start(qtbot, started, with_team, opener)
    qtbot.waitUntil(lambda: window.services is not None, timeout=60_000)
    assert window.login.sign_in_button.isEnabled()  # live while the backup runs
    assert window.backup_label.isVisible() and window.backup_label.text() == "Backing up…"
    gate.set()
    qtbot.waitUntil(lambda: window.backup_label.text() == "Backup done", timeout=60_000)
    backups_now = list_backups(with_team)
    assert len(backups_now) == 1 and "-daily" in backups_now[0].name
    assert backups_now[0].name in window.backup_label.toolTip()


def test_no_daily_backup_when_one_was_taken_today(with_team, qtbot, started):
    _old_enough_for_a_daily_backup(with_team)
    take_backup(with_team, "daily", now=datetime.now())
    window, startup = _start(qtbot, started, with_team, open_services)
    qtbot.waitUntil(lambda: window.services is not None, timeout=60_000)
    assert startup.backup is None and not window.backup_label.isVisible()


def test_a_failed_daily_backup_is_a_plain_warning(with_team, qtbot, started, monkeypatch):
    from trialapp.services import backups

    _old_enough_for_a_daily_backup(with_team)

    def full_disk(app):  # type: ignore[no-untyped-def]
        raise BackupFailed(
            "The backup could not be written (database or disk is full). Check the free disk space."
        )

    monkeypatch.setattr(backups, "take_daily_backup", full_disk)
    window, _startup = _start(qtbot, started, with_team, open_services)
    qtbot.waitUntil(lambda: "could not" in window.backup_label.text(), timeout=60_000)
    assert window.backup_label.text() == (
        "Today's backup could not be written. Your records are safe; tell your admin."
    )
    detail = window.backup_label.toolTip()  # what went wrong, for the admin
    assert detail.startswith("The backup could not be written (database or disk is full).")
    assert window.backup_label.accessibleDescription() == detail
    assert window.backup_label.property("role") == "warning"
    assert window.login.sign_in_button.isEnabled()  # the ward keeps working


# ------------------------------------------------------------------------------------ after the opening


def test_the_fonts_are_read_once_signing_in_is_possible_and_set_on_the_gui_thread(
    with_team, qtbot, started, monkeypatch
):
    from trialapp.ui import fonts

    seen: list[tuple[str, bool]] = []
    gui_thread = threading.current_thread()

    def read() -> tuple[str, ...]:
        seen.append(("read", threading.current_thread() is gui_thread))
        return ("Noto Sans Arabic",)

    monkeypatch.setattr(fonts, "add_bundled_fonts", read)
    monkeypatch.setattr(
        fonts,
        "register_bundled_fonts",
        lambda: seen.append(("set", threading.current_thread() is gui_thread)),
    )
    opener = GatedOpener()
    window, startup = _start(qtbot, started, with_team, opener, read_fonts=True)
    qtbot.waitUntil(opener.started.is_set, timeout=10_000)
    assert startup.fonts is None and seen == []  # nothing read before signing in is possible
    with qtbot.waitSignal(startup.database_ready, timeout=60_000):
        opener.gate.set()
    assert window.login.ready and startup.fonts is not None
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=20_000)
    assert seen == [("read", False), ("set", True)]  # read by a worker, set on the GUI thread


def test_without_read_fonts_signing_in_sets_the_fonts_itself(with_team, qtbot, started, monkeypatch):
    from trialapp.ui import fonts

    registered: list[bool] = []
    monkeypatch.setattr(fonts, "register_bundled_fonts", lambda: registered.append(True))
    opener = GatedOpener()
    window, startup = _start(qtbot, started, with_team, opener)
    with qtbot.waitSignal(startup.database_ready, timeout=60_000):
        opener.gate.set()
    assert startup.fonts is None and registered == []
    login = window.login
    login.username.setText("pt.jones")
    login.password.setText(PASSWORD)
    login.sign_in_button.click()
    qtbot.waitUntil(lambda: window.home is not None, timeout=20_000)
    assert registered == [True]  # before the home list showed a name


def test_pyside_is_told_beforehand_that_the_database_layer_does_not_use_it() -> None:
    # A fresh process: PySide6 reads the source of every module imported after it unless told.
    import subprocess

    script = (
        "import PySide6.QtCore, sys\n"
        "from PySide6.support import feature\n"
        "from trialapp.ui.startup import skip_pyside_source_scan\n"
        "named = skip_pyside_source_scan()\n"
        "import sqlalchemy.orm, trialapp.storage.models\n"
        "known = feature.pyside_feature_dict\n"
        "print(named, known['sqlalchemy.orm.session'], known['trialapp.storage.models'],"
        " known['trialapp.ui.startup'])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert done.returncode == 0, done.stderr
    named, session, models, ui = done.stdout.split()
    assert int(named) > 100 and session == models == "-1"  # never scanned: "does not use PySide6"
    assert ui == "0"  # the UI's own modules are still scanned, and found to use it


def test_the_app_moves_what_it_loaded_out_of_the_collectors_way(with_team) -> None:
    # A fresh process (a test process must not freeze other tests' garbage): run_gui freezes once the
    # database is open, and the window still opened and handed over the database.
    import subprocess

    script = (
        "import gc, sys\n"
        "from trialapp.ui import gc_turns\n"
        "from trialapp.ui.app import run_gui\n"
        "threshold, seen = gc.get_threshold(), []\n"
        "start = gc_turns.FullCollections.start\n"
        "def started(self):\n"
        "    start(self)\n"
        "    seen.append(gc.get_threshold()[2] > 1_000_000)\n"
        "gc_turns.FullCollections.start = started\n"
        f"rc = run_gui({str(with_team)!r}, exit_after_database=True)\n"
        "print(seen, gc.get_threshold() == threshold, rc, gc.get_freeze_count() > 10_000)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=180,
        env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-2:] == ["0", "True"]
    # And the full collections of what comes later ran from a timer (ui/gc_turns.py) until the app closed.
    assert done.stdout.split()[-4:-2] == ["[True]", "True"]
