"""One function on a worker thread, its result or error handed back on the GUI thread as a signal.

The worker never touches a QObject that the GUI thread may delete: its outcome travels through one relay
object, made on the GUI thread and never deleted, and the GUI thread then emits the call's own signal if
the call still exists. (The worker emitted the call's signal itself before: when the call's window was
deleted at that moment, the whole app crashed.)
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal, Slot
from shiboken6 import Shiboken


class _Relay(QObject):
    """Carries a worker's outcome to the GUI thread: one per process, never deleted."""

    carry = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.carry.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @Slot(object)
    def _deliver(self, deliver: Callable[[], None]) -> None:
        deliver()


_relay: _Relay | None = None


def _gui_relay() -> _Relay:
    global _relay
    if _relay is None:
        _relay = _Relay()
        qt = QCoreApplication.instance()
        if qt is not None and _relay.thread() is not qt.thread():
            _relay.moveToThread(qt.thread())
    return _relay


def prepare_handoff() -> None:
    """Make the relay now, on the GUI thread (before a worker calls ``hand_to_gui``)."""
    _gui_relay()


def hand_to_gui(owner: QObject, deliver: Callable[[], object]) -> None:
    """From a worker: run ``deliver`` on the GUI thread, if ``owner`` still exists by then."""
    if _relay is None:
        raise RuntimeError("hand_to_gui before prepare_handoff: the relay must be made on the GUI thread")
    with contextlib.suppress(RuntimeError):  # the app has shut down meanwhile: nobody to hand it to
        _relay.carry.emit(partial(_if_alive, owner, deliver))


def _if_alive(owner: QObject, deliver: Callable[[], object]) -> None:
    if Shiboken.isValid(owner):
        deliver()


class BackgroundCall(QObject):
    """Runs one function on a Python thread; its result or its error comes back as a signal, delivered on
    the GUI thread, and stays readable in ``result``/``error``.

    When the call was deleted meanwhile (with its window), no signal is emitted: ``orphaned`` runs instead,
    on the GUI thread, so that whoever started it can still end what it started (a wait cursor).

    A Python thread, not a QThread: the daily backup may still be running when the app closes (its
    unfinished copy is never counted), and a QThread destroyed while it runs aborts the process.
    """

    succeeded = Signal(object)
    failed = Signal(object)  # the exception, with its traceback

    def __init__(
        self,
        fn: Callable[[], Any],
        name: str,
        *,
        daemon: bool,
        parent: QObject | None = None,
        orphaned: Callable[[], object] | None = None,
    ):
        super().__init__(parent)
        self._fn = fn
        self._orphaned = orphaned
        self._relay = _gui_relay()  # made here, on the GUI thread, where every call is made
        self.result: Any = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=daemon)

    def start(self) -> None:
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the call to end; True when it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:  # on the worker: only Python objects and the relay are touched here
        try:
            self.result = self._fn()
        except BaseException as exc:
            self.error = exc
        # RuntimeError: the app has shut down meanwhile (the relay with it); shutdown() reads result/error.
        with contextlib.suppress(RuntimeError):
            self._relay.carry.emit(partial(self._deliver, self.error))

    def _deliver(self, error: BaseException | None) -> None:  # on the GUI thread
        if not Shiboken.isValid(self):
            if self._orphaned is not None:
                self._orphaned()
        elif error is not None:
            self.failed.emit(error)
        else:
            self.succeeded.emit(self.result)
