"""The leak guard of tests/ui/conftest.py finds windows a test leaves behind, and only those."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication, QComboBox, QDialog, QWidget

from tests.ui.conftest import leaked_widgets


def _now() -> set[int]:
    return {id(w) for w in QApplication.topLevelWidgets()}


def test_a_window_left_open_is_found_and_a_closed_one_is_not(qapp):
    before = _now()
    kept = QDialog()
    kept.setWindowTitle("left behind")
    kept.show()
    assert leaked_widgets(before) == [kept]
    kept.close()
    kept.deleteLater()
    del kept
    assert leaked_widgets(before) == []


def test_children_and_qt_s_own_popups_do_not_count(qtbot):
    before = _now()
    window = QWidget()
    qtbot.addWidget(window)
    combo = QComboBox(window)
    combo.addItems(["a", "b"])
    window.show()
    combo.showPopup()  # Qt's popup container is a window of its own
    combo.hidePopup()
    assert leaked_widgets(before) == [window]


@pytest.mark.leaks_widgets("checks that the marker turns the guard off for this test")
def test_a_marked_test_may_leak(qapp):
    leak = QDialog()
    leak.show()
    test_a_marked_test_may_leak.leak = leak  # type: ignore[attr-defined]  # still referenced after the test
