"""The application shell: start-up smoke test, sign-in to home, the trial workspace, menus by role,
theme, About, and the crash report without patient data."""

from __future__ import annotations

import logging
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from tests.ui.shell_helpers import PASSWORD, dosed_trial, make_team
from trialapp.ui import crash, main_window, theme
from trialapp.ui.main_window import MainWindow
from trialapp.ui.views.about import AboutDialog

ROOT = Path(__file__).resolve().parents[2]


def test_gui_exit_after_ready_exits_zero_without_heavy_modules(tmp_path, isolated_home):
    script = (
        "import sys\n"
        "from trialapp.ui.app import run_gui\n"
        f"rc = run_gui({str(tmp_path / 'smoke.sqlite')!r}, exit_after_ready=True)\n"
        "heavy = [m for m in ('pyqtgraph', 'numpy', 'reportlab', 'pypdfium2') if m in sys.modules]\n"
        "print('rc', rc, 'heavy', heavy)\n"
        "sys.exit(rc)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stderr
    assert "rc 0 heavy []" in result.stdout
    log = isolated_home / "logs" / crash.LOG_FILE_NAME
    assert "gui start" in log.read_text(encoding="utf-8")


def test_cli_gui_exit_after_ready(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "trialapp", "--db", str(tmp_path / "cli.sqlite"), "gui", "--exit-after-ready"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stderr


def test_window_starts_on_sign_in_and_emits_ready(app, qtbot):
    window = MainWindow(app)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.ready, timeout=3000):
        window.show()
    assert window.pages.currentWidget() is window.login
    assert window.login.first_run
    assert not window.act_settings.isVisible() and not window.act_new_patient.isVisible()
    assert str(app.db.path) in window.db_label.text()


@pytest.mark.parametrize(
    ("width", "height", "maximised"),
    [
        (1366, 728, True),  # the ward laptop, taskbar excluded
        (1280, 760, True),
        (1280, 680, True),  # 1920 × 1080 at 150 %
        (1600, 860, True),
        (1920, 1040, False),  # a desktop monitor: the window keeps its own size
        (2560, 1400, False),
    ],
)
def test_the_window_opens_maximised_on_a_laptop_screen(width, height, maximised) -> None:
    from PySide6.QtCore import QSize

    from trialapp.ui.app import opens_maximised

    assert opens_maximised(QSize(width, height)) is maximised


def test_the_window_shows_maximised_on_the_small_test_screen(app, qtbot) -> None:
    from trialapp.ui.app import _show_main_window, opens_maximised

    window = MainWindow(app)
    qtbot.addWidget(window)
    window.resize(1280, 720)
    small = opens_maximised(window.screen().availableGeometry().size())
    _show_main_window(window)
    assert window.isVisible()
    assert window.isMaximized() is small


def test_sign_in_opens_home_and_menus_follow_the_role(app, qtbot, monkeypatch):
    team = make_team(app)
    window = MainWindow(app)
    qtbot.addWidget(window)
    window.show()
    window.login.username.setText("pt.jones")
    window.login.password.setText(PASSWORD)
    window.login.sign_in_button.click()
    qtbot.waitUntil(lambda: not window.login.signing_in, timeout=20_000)  # checked off the GUI thread
    assert window.pages.currentWidget() is window.home_page and window.home is not None
    assert "Pat Jones (physical therapist)" in window.user_label.text()
    assert window.act_new_patient.isVisible()
    assert not window.admin_menu.menuAction().isVisible()
    assert window.act_qi.isVisible()  # the PT may view QI

    window.sign_out()
    window.sign_in(team.admin)
    assert window.admin_menu.menuAction().isVisible() and window.act_settings.isVisible()
    assert window.act_qi.isVisible()  # the admin may view QI
    assert not window.act_new_patient.isVisible()  # admins do not start trials
    window.sign_out()
    window.sign_in(team.nurse)
    assert not window.act_new_patient.isVisible()
    assert window.act_print.isVisible()


def test_open_a_trial_and_go_back_home(app, qtbot):
    team = make_team(app)
    trial_id = dosed_trial(app, "WS-1", dose_at=datetime.now() - timedelta(days=2))
    window = MainWindow(app)
    qtbot.addWidget(window)
    window.show()
    window.sign_in(team.pt)
    window.home.open_trial.emit(trial_id)
    assert window.pages.currentWidget() is window.workspace_page
    assert window.workspace is not None and window.workspace_trial == trial_id
    assert trial_id in window.windowTitle()
    assert window.current_trial_id() == trial_id
    window.back_button.click()
    assert window.pages.currentWidget() is window.home_page
    assert window.home.selected_trial_id() == trial_id
    window.open_trial(trial_id)  # reopening the same trial keeps the open workspace
    same = window.workspace
    window.open_trial(trial_id)
    assert window.workspace is same
    window.sign_out()
    assert window.workspace is None and window.pages.currentWidget() is window.login


def test_leaving_a_trial_asks_only_when_something_cannot_be_kept(app, qtbot, monkeypatch):
    team = make_team(app)
    trial_id = dosed_trial(app, "WS-2", dose_at=datetime.now() - timedelta(days=2))
    window = MainWindow(app)
    qtbot.addWidget(window)
    window.sign_in(team.pt)
    window.open_trial(trial_id)
    monkeypatch.setattr(window.workspace, "closing", lambda: False)
    asked = []
    monkeypatch.setattr(
        main_window.QMessageBox,
        "question",
        lambda *a, **k: asked.append(a) or main_window.QMessageBox.StandardButton.No,
    )
    window.switch_user()
    assert asked and window.actor is not None and window.workspace is not None  # kept the trial
    monkeypatch.setattr(window.workspace, "closing", lambda: True)
    asked.clear()
    window.switch_user()
    assert not asked and window.actor is None


def test_dark_theme_is_applied_and_remembered(app, qtbot):
    team = make_team(app)
    window = MainWindow(app)
    qtbot.addWidget(window)
    window.sign_in(team.pt)
    window.act_dark.trigger()
    assert theme.current_theme() == "dark"
    assert QApplication.instance().palette().window().color().name() == theme.DARK.window
    assert theme.saved_theme(app.paths.config_dir) == "dark"
    window.act_dark.trigger()
    assert theme.current_theme() == "light"
    assert theme.saved_theme(app.paths.config_dir) == "light"


def test_about_shows_the_database_and_log_paths(app, qtbot):
    dialog = AboutDialog(app)
    qtbot.addWidget(dialog)
    assert dialog.facts["Database"] == str(app.db.path)
    assert dialog.facts["Log folder"] == str(app.paths.log_dir)
    dialog.copy()
    assert str(app.db.path) in QApplication.clipboard().text()


def test_crash_report_and_log_leave_out_the_error_message(tmp_path, monkeypatch):
    log_path = crash.setup_logging(tmp_path / "logs")
    previous = crash.install_excepthook(log_path, show_dialog=False)
    try:
        try:
            raise ValueError("MRN SYN-123 Ivy Synthetic")  # what a message might quote
        except ValueError as exc:
            sys.excepthook(type(exc), exc, exc.__traceback__)
        report = crash.crash_report(ValueError, None, log_path)
    finally:
        sys.excepthook = previous
    for handler in logging.getLogger("trialapp").handlers:
        handler.flush()
    text = log_path.read_text(encoding="utf-8")
    assert "builtins.ValueError" in text and "test_main_window.py" in text
    assert "SYN-123" not in text and "Ivy" not in text
    assert "Error type: builtins.ValueError" in report and str(log_path) in report
    assert "trialapp 0." in report


def test_qi_dashboard_opens_in_its_own_window_and_closes_on_sign_out(app, qtbot):
    team = make_team(app)
    window = MainWindow(app)
    qtbot.addWidget(window)
    window.sign_in(team.qi)
    assert window.act_qi.isVisible()
    assert window.back_button.isHidden()  # only with a trial open
    window.act_qi.trigger()
    assert len(window._windows) == 1
    dashboard = window._windows[0]
    assert dashboard.isVisible() and "QI dashboard" in dashboard.windowTitle()
    window.sign_out()
    assert window._windows == []
