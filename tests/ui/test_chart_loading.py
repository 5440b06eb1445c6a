"""The chart modules (pyqtgraph) are imported off the GUI thread, ahead of need (issue 22: the first chart
must not freeze the window); the workspace builds its charts on the GUI thread once they are loaded."""

from __future__ import annotations

import os
import subprocess
import sys

# A fresh process: nothing imported pyqtgraph yet. The audit hook names the thread that loads it.
SCRIPT = """
import sys, threading, time
import shiboken6
from PySide6.QtWidgets import QApplication, QWidget

importers = []
sys.addaudithook(
    lambda event, args: importers.append(threading.current_thread().name)
    if event == "import" and args[0] == "pyqtgraph" else None
)
app = QApplication([])
from trialapp.ui.charts import loading

assert "pyqtgraph" not in sys.modules and not loading.loaded()
receiver, gone = QWidget(), QWidget()
ran = []
loading.when_loaded(receiver, lambda: ran.append(threading.current_thread() is threading.main_thread()))
loading.when_loaded(gone, lambda: ran.append("a widget that is gone"))
shiboken6.delete(gone)  # e.g. the workspace closed before the charts were loaded
deadline = time.perf_counter() + 60
while not ran and time.perf_counter() < deadline:
    app.processEvents()
    time.sleep(0.002)
for _ in range(50):
    app.processEvents()
print(importers[0], ran, "pyqtgraph" in sys.modules, loading.loaded())
"""


def test_pyqtgraph_is_imported_on_a_worker_then_the_charts_are_built_on_the_gui_thread() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120, env=env, check=True
    )
    assert done.stdout.split("\n")[-2] == "trialapp-charts-import [True] True True", done.stdout + done.stderr


# The screens of the signed-in window come with the same worker, and what it imported is frozen out of the
# collector's way when the app froze its start (ui/startup.py), never in a process that did not.
SCREENS_SCRIPT = """
import gc, sys, threading, time
from PySide6.QtWidgets import QApplication

importers = {}
# Modules the screens import (the audit event is raised by an import statement, not by import_module).
watched = ("trialapp.ui.table_model", "trialapp.ui.drafts", "trialapp.ui.date_input")
sys.addaudithook(
    lambda event, args: importers.setdefault(args[0], threading.current_thread().name)
    if event == "import" and args[0] in watched else None
)
app = QApplication([])
from trialapp.ui.charts import loading

assert not any(name in sys.modules for name in watched)
frozen = sys.argv[1] == "frozen"
if frozen:
    gc.freeze()
before = gc.get_freeze_count()
loading.warm_up()
deadline = time.perf_counter() + 60
while not loading.loaded() and time.perf_counter() < deadline:
    time.sleep(0.01)
print(sorted(set(importers.values())), len(importers), gc.get_freeze_count() > before + 10_000, before)
"""


def test_the_screens_are_imported_by_the_same_worker_and_frozen_only_when_the_start_was() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    lines = {}
    for mode in ("frozen", "not frozen"):
        done = subprocess.run(
            [sys.executable, "-c", SCREENS_SCRIPT, mode],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            check=True,
        )
        lines[mode] = done.stdout.split("\n")[-2]
    assert lines["frozen"].startswith("['trialapp-charts-import'] 3 True "), lines
    assert lines["not frozen"] == "['trialapp-charts-import'] 3 False 0", lines
