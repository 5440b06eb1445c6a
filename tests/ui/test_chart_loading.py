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
