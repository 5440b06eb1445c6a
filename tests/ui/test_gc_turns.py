"""Python's full collections run from a timer in turns of their own, never from inside other work
(``ui/gc_turns.py``); they still run, so cycles are still freed."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from trialapp.ui.gc_turns import FULL_AFTER, FullCollections


class _Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only a collection frees it


@pytest.fixture(autouse=True)
def _young_heap() -> Iterator[None]:
    """Python weighs starting a full collection against what its last one left in the oldest generation: in a
    test process that has run hundreds of tests, that is so much that no churn of a test starts one. What is
    there is set aside for the test (frozen, then a full collection of nothing) and given back after it."""
    gc.freeze()
    gc.collect()
    try:
        yield
    finally:
        gc.unfreeze()


def _full_collections() -> int:
    return int(gc.get_stats()[2]["collections"])


def _churn() -> list[_Node]:
    """Enough cycles for many collections of the middle generation, a quarter of them kept (what a window
    keeps of its work): Python itself then starts full collections."""
    kept: list[_Node] = []
    for _ in range(40 * FULL_AFTER):
        kept.extend([_Node() for _ in range(800)][::4])
    return kept


def test_no_full_collection_starts_inside_other_work_and_the_timer_runs_them(qtbot) -> None:
    collector = FullCollections()
    collector.start()
    try:
        before = _full_collections()
        kept = _churn()  # one turn's work: Python starts full collections inside it (see the next test)
        assert _full_collections() == before
        del kept
        cycle = _Node()
        gone = weakref.ref(cycle)
        gc.collect(1)  # the cycle moves to the oldest generation, where only a full collection frees it
        del cycle
        _churn()
        assert gone() is not None
        qtbot.waitUntil(lambda: collector.runs >= 1 and gone() is None, timeout=5_000)
        assert _full_collections() > before
    finally:
        collector.stop()
        collector.deleteLater()


def test_stopping_gives_the_full_collections_back_to_python(qtbot) -> None:
    threshold = gc.get_threshold()
    collector = FullCollections()
    collector.start()
    assert gc.get_threshold()[2] > threshold[2] and collector.active
    collector.stop()
    assert gc.get_threshold() == threshold and not collector.active
    before = _full_collections()
    kept = _churn()
    assert _full_collections() > before  # Python starts them itself again, inside the work
    del kept
    collector.deleteLater()


def test_nothing_runs_before_one_is_due(qtbot) -> None:
    collector = FullCollections()
    collector.start()
    try:
        assert collector.collect_if_due() is False and collector.runs == 0
    finally:
        collector.stop()
        collector.deleteLater()
