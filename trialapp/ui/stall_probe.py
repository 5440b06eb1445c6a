"""A probe of the GUI thread's responsiveness: how long the event loop goes between two turns.

A zero-interval ``QTimer`` fires once per turn of the event loop (nested loops of dialogs included), so the
time between two firings is how long the window could not react to a key or paint: a stall. The probe keeps
every gap (for the p99 of turns) and the worst five with what was running: the user actions started in that
gap (``ui/actions.py`` notes each one by name) or else the innermost ``operation`` a script declared, and
how much of the gap Python's garbage collector took (a full collection can land in any user action's turn).

Used by the benchmark of a scripted three-day trial (``benchmarks/round2_bench.py``, budget: no gap over
100 ms, p99 of turns at most 50 ms) and, with a generous bound, by the end-to-end test so that a regression
shows. It spins the event loop while it runs (a zero timer never lets it sleep): start it for a measurement,
not in the running app.
"""

from __future__ import annotations

import gc
import heapq
import math
import time
from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer

WORST_KEPT = 5
OTHER = "other event handling"

# What ran since the probe last looked: names of user actions and declared operations (GUI thread only).
_notes: list[str] = []
_operations: list[str] = []
_watching = 0  # probes running: nothing is noted when none runs, so nothing grows in the app


def note(what: str) -> None:
    """Say that ``what`` (a user action's name) runs now; read by a running probe, else forgotten."""
    if _watching:
        _notes.append(what)


@contextmanager
def operation(name: str) -> Iterator[None]:
    """Declare what a script is doing (``with operation("sign-in"): ...``): a stall inside is named so."""
    _operations.append(name)
    note(name)
    try:
        yield
    finally:
        _operations.pop()


def _what_ran() -> str:
    if _notes:
        what = "; ".join(dict.fromkeys(_notes))
        _notes.clear()
        return what
    return _operations[-1] if _operations else OTHER


class _Collections:
    """Time Python's garbage collector took since the last turn (gc.callbacks, while a probe runs)."""

    def __init__(self) -> None:
        self.ms = 0.0
        self.oldest = -1  # the oldest generation collected; -1: none
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.ms += (time.perf_counter() - self._started) * 1000
            self.oldest = max(self.oldest, info.get("generation", 0))

    def take(self) -> str:
        """Words for the collections since the last call ("" when none took a millisecond), and reset."""
        words = f" (garbage collection {self.ms:.0f} ms, generation {self.oldest})" if self.ms >= 1 else ""
        self.ms, self.oldest = 0.0, -1
        return words


@dataclass(frozen=True, order=True)
class Stall:
    """One gap between two turns of the event loop, in milliseconds, and what was running."""

    gap_ms: float
    what: str


class StallProbe(QObject):
    """Measures the gaps between event-loop turns from ``start`` to ``stop``."""

    def __init__(self, parent: QObject | None = None, keep: int = WORST_KEPT) -> None:
        super().__init__(parent)
        self._keep = keep
        self._timer = QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._turn)
        self._last: float | None = None
        self.gaps = array("d")  # every gap, in ms
        self._worst: list[Stall] = []  # a min-heap of the worst `keep`
        self._collections = _Collections()

    def start(self) -> None:
        global _watching
        if self._timer.isActive():
            return
        _watching += 1
        _notes.clear()
        self._last = None
        gc.callbacks.append(self._collections)
        self._timer.start()

    def stop(self) -> None:
        global _watching
        if not self._timer.isActive():
            return
        self._timer.stop()
        _watching -= 1
        self._last = None
        if self._collections in gc.callbacks:
            gc.callbacks.remove(self._collections)

    def _turn(self) -> None:
        now = time.perf_counter()
        last, self._last = self._last, now
        what = _what_ran()
        collected = self._collections.take()
        if last is None:
            return
        gap = (now - last) * 1000
        self.gaps.append(gap)
        stall = Stall(gap, what + collected)
        if len(self._worst) < self._keep:
            heapq.heappush(self._worst, stall)
        elif stall > self._worst[0]:
            heapq.heapreplace(self._worst, stall)

    @property
    def turns(self) -> int:
        return len(self.gaps)

    @property
    def longest_ms(self) -> float:
        return max(self.gaps, default=0.0)

    def percentile_ms(self, percent: float) -> float:
        """The gap at ``percent`` (nearest rank) of all turns."""
        if not self.gaps:
            return 0.0
        ordered = sorted(self.gaps)
        return ordered[max(0, math.ceil(percent / 100 * len(ordered)) - 1)]

    def worst(self) -> list[Stall]:
        """The worst gaps, longest first."""
        return sorted(self._worst, reverse=True)

    def report(self) -> str:
        """The figures and the worst gaps in words, for a benchmark's output or a failed test."""
        lines = [
            f"{self.turns} turns of the event loop; longest gap {self.longest_ms:.1f} ms, "
            f"p99 {self.percentile_ms(99):.2f} ms"
        ]
        lines += [f"  {s.gap_ms:8.1f} ms  {s.what}" for s in self.worst()]
        return "\n".join(lines)
