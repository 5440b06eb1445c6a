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

