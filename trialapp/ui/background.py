"""One function on a worker thread, its result or error handed back on the GUI thread as a signal."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal


class BackgroundCall(QObject):
    """Runs one function on a Python thread; its result or its error comes back as a signal, delivered on
    the GUI thread (queued connections), and stays readable in ``result``/``error``.

    A Python thread, not a QThread: the daily backup may still be running when the app closes (its
    unfinished copy is never counted), and a QThread destroyed while it runs aborts the process.
    """

    succeeded = Signal(object)
    failed = Signal(object)  # the exception, with its traceback

    def __init__(self, fn: Callable[[], Any], name: str, *, daemon: bool, parent: QObject | None = None):
        super().__init__(parent)
        self._fn = fn
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

    def _run(self) -> None:
        try:
            result = self._fn()
        except BaseException as exc:
            self.error = exc
            self._emit(self.failed, exc)
        else:
            self.result = result
            self._emit(self.succeeded, result)

    @staticmethod
    def _emit(signal: Any, value: object) -> None:
        # RuntimeError: the window is gone (the app closed meanwhile); shutdown() reads result/error instead.
        with contextlib.suppress(RuntimeError):
            signal.emit(value)
