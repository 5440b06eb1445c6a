"""Every window and dialog fits a 1366 × 768 ward laptop at 100, 125 and 150 % scaling (issue 21 item 4):
no button or field lies outside the screen or is cut off by its window; what does not fit scrolls, with
the buttons pinned at the bottom.

Scaling is fixed for a QApplication's life, so each scaling runs ``tests/ui/fit_probe.py`` in its own
process, which opens every window and dialog and prints the offenders as JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _probe(scale: float) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QT_SCALE", "QT_SCREEN_SCALE"))}
    done = subprocess.run(
        [sys.executable, "-m", "tests.ui.fit_probe", f"{scale:g}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("scale", [1.0, 1.25, 1.5])
def test_every_window_and_dialog_fits_a_1366_by_768_laptop(scale: float) -> None:
    result = _probe(scale)
    assert result["scale"] == scale
    # The probe did open them all (a probe that opened nothing would find nothing).
    assert {"workspace", "dose dialog", "new trial wizard", "settings", "print", "QI dashboard", "review"} <= set(
        result["sizes"]
    )
    room = (1366 / scale, 768 / scale)
    for name, (width, height) in result["sizes"].items():
        assert width <= room[0] and height <= room[1], (name, width, height)
    assert result["offenders"] == []


def test_the_timeline_folds_the_reassessments_done_and_the_reminder_is_one_slim_line(app, qtbot) -> None:
    """Issue 21 item 5: the done rows fold into one line (the next action stays in view on a laptop), and
    the reminder no longer pushes everything 58 px down."""
    from datetime import datetime

    from PySide6.QtWidgets import QLabel

    from tests.ui.shell_helpers import dosed_trial, make_team
    from trialapp.ui.workspace import TrialWorkspace

    team = make_team(app)
    trial_id = dosed_trial(app, "FOLD-1", dose_at=datetime(2026, 3, 1, 9, 0), reassessed_after_hours=(1, 2))
    workspace = TrialWorkspace(app, team.neuro, trial_id, clock=lambda: datetime(2026, 3, 1, 13, 50))
    qtbot.addWidget(workspace)
    workspace.resize(1366, 700)
    workspace.show()
    view = workspace.day_views[1]

    def texts() -> list[str]:
        return [w.text() for w in view.widget().findChildren(QLabel)]

    assert "Done: 1 h, 2 h." in texts()
    assert not any(t.startswith("1 h reassessment done at") for t in texts())
    assert "slot:4" in view.buttons  # the 4 h reassessment, overdue, keeps its row and its button
    view.buttons["show-done"].click()
    assert any(t.startswith("1 h reassessment done at") for t in texts())
    view.buttons["show-done"].click()
    assert not any(t.startswith("1 h reassessment done at") for t in texts())

    workspace.reminder.show_reminder(1, "4", "4 h reassessment overdue by 50 min " * 4, overdue=True)
    qtbot.waitUntil(lambda: workspace.reminder.height() > 0)
    assert workspace.reminder.height() <= 36  # was 58: one slim line, the whole text in its tooltip
    assert workspace.reminder.text.toolTip().startswith("Overdue — 4 h reassessment")
    workspace.closing()
