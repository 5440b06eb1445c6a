"""The chart modules (pyqtgraph, numpy and the drawings: over a second to import cold) load off the GUI
thread, ahead of need, so that the first chart of the session does not freeze the window.

- ``warm_up()``: the window starts the import on a worker once the database is open (``ui/app.py``), while
  the sign-in page is typed in; nobody waits for it. The screens of the signed-in window
  (``SCREEN_MODULES``) are imported first, by the same worker.
- ``when_loaded(receiver, then)``: the workspace asks for its chart panel through this; ``then`` runs on the
  GUI thread once the modules are imported (at the next turn of the event loop when they already are, and
  the import starts now when nobody started it). The chart area says "The charts open in a moment…"
  meanwhile. An import that failed is not hidden: ``then`` runs anyway and imports again on the GUI
  thread, where the error reaches the crash dialog as before.

Importing pyqtgraph creates no Qt object, so it may run on any thread; the charts are built on the GUI
thread only.
"""

from __future__ import annotations

import gc
import importlib
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

#: What the charts need: the panel imports pyqtgraph, numpy and every drawing.
CHART_MODULE = "trialapp.ui.charts.panel"
#: The signed-in window's screens, imported by the same worker before the charts: each was a stall of
#: 50–150 ms on the GUI thread at its first use (the home list at sign-in, the workspace and its forms at the
#: first trial opened, the print dialog). Their import creates no Qt object either.
SCREEN_MODULES = (
    "trialapp.ui.views.home",
    "trialapp.ui.views.lock",
    "trialapp.ui.live_updates",
    "trialapp.services.app_settings",
    "trialapp.ui.workspace",
    "trialapp.ui.workspace.alerts",
    "trialapp.ui.workspace.assessment_form",
    "trialapp.ui.workspace.day_review",
    "trialapp.ui.workspace.dose_dialog",
    "trialapp.ui.views.print_dialog",
    "trialapp.ui.views.new_trial",
)
POLL_MS = 15  # how often the GUI thread looks whether the worker is done (a timer: the window stays live)

_started = threading.Lock()
_done = threading.Event()
_thread: threading.Thread | None = None


def _import() -> None:
    try:
        for name in (*SCREEN_MODULES, CHART_MODULE):
            importlib.import_module(name)
        if gc.get_freeze_count():
            # The app froze what its start loaded (ui/startup.py); these modules live as long. Without this,
            # each full collection walked them again: 80 ms of the GUI thread on the large database's session.
            gc.freeze()
    finally:
        # Also after a failure (printed on stderr by the thread): the GUI thread's own import says it again.
        _done.set()


def warm_up() -> None:
    """Start importing the chart modules on a worker thread (once per process); return at once."""
    global _thread
    with _started:
        if _thread is not None or _done.is_set():
            return
        # A daemon: an import still running when the app closes is simply dropped.
        _thread = threading.Thread(target=_import, name="trialapp-charts-import", daemon=True)
        _thread.start()


def loaded() -> bool:
    """Whether the worker's import has ended (the chart modules can be used without a wait)."""
    return _done.is_set()


def when_loaded(receiver: QObject, then: Callable[[], object]) -> None:
    """Run ``then`` (a method of ``receiver``) on the GUI thread once the chart modules are imported (see
    the module's docstring); nothing when ``receiver`` is gone by then."""
    warm_up()
    if _done.is_set():
        QTimer.singleShot(0, then)
        return
    timer = QTimer(receiver)  # goes with the receiver: nothing is kept alive by a wait for the import
    timer.setInterval(POLL_MS)

    def check() -> None:
        if _done.is_set():
            timer.stop()
            timer.deleteLater()
            then()

    timer.timeout.connect(check)
    timer.start()
