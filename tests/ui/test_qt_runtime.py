"""The Qt binding itself: signal emissions must not leak or drop references to Python singletons.

PySide6 6.12.0 drops a reference to None/True/False on every emission, so a live session aborts with
"none_dealloc"/"bool_dealloc" after a few thousand signals; pyproject pins below 6.12 for that reason.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    plain = Signal()
    carrying = Signal(object)


def test_signal_emissions_keep_singleton_reference_counts(qapp) -> None:
    emitter = _Emitter()
    emitter.plain.connect(lambda: None)
    emitter.carrying.connect(lambda value: None)
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(200):
        emitter.plain.emit()
        emitter.carrying.emit(None)
    assert abs(sys.getrefcount(None) - none_before) < 50
    assert abs(sys.getrefcount(True) - true_before) < 50
