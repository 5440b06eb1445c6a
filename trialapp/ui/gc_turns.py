"""Python's full garbage collections in turns of the event loop of their own.

Python starts a full collection (its oldest generation) from inside whatever allocates at that moment: in the
window that was the middle of a click's work, 37–41 ms added to a reassessment form opening (the scripted
session of ``make bench``: 111 ms for a form that takes 70). ``FullCollections`` stops Python from starting
them itself and runs them from a timer instead, when they are due by Python's own count (one full collection
per ``FULL_AFTER`` collections of the middle generation): never on top of other work, never skipped, so memory
stays bounded as before. The young generations are still collected as Python does (short, about a
millisecond).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

#: Python's own third threshold: a full collection is considered after ten of the middle generation.
FULL_AFTER = 10
CHECK_MS = 250  # how often the timer looks whether one is due
_NEVER = 1 << 30  # Python's third threshold while the timer runs them


class FullCollections(QObject):
    """Runs the full collections from a timer while started (see the module's docstring)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_MS)
        self._timer.timeout.connect(self.collect_if_due)
        self._threshold: tuple[int, int, int] | None = None
        self._counted = 0
        self.runs = 0  # full collections run by the timer

    @property
    def active(self) -> bool:
        return self._threshold is not None

    def start(self) -> None:
        if self._threshold is not None:
            return
        self._threshold = gc.get_threshold()
        young, middle, _full = self._threshold
        gc.set_threshold(young, middle, _NEVER)
        self._counted = _middle_collections()
        self._timer.start()

    def stop(self) -> None:
        """Give the full collections back to Python."""
        self._timer.stop()
        if self._threshold is not None:
            gc.set_threshold(*self._threshold)
            self._threshold = None

    def collect_if_due(self) -> bool:
        """Run a full collection now if one is due; True when it ran."""
        if _middle_collections() - self._counted < FULL_AFTER:
            return False
        gc.collect(2)
        self._counted = _middle_collections()
        self.runs += 1
        return True


def _middle_collections() -> int:
    return int(gc.get_stats()[1]["collections"])
