"""Enter presses the focused button (``ui/keys.py``), and only that button's events go through Python."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from trialapp.ui import keys


@pytest.fixture
def enter_keys(qapp: QApplication) -> Iterator[keys.EnterPressesButtons]:
    installed = keys.install(qapp)
    yield installed
    installed.setParent(None)
    installed.deleteLater()


def test_enter_presses_the_focused_button_and_building_widgets_costs_the_filter_nothing(
    qtbot, enter_keys, monkeypatch
) -> None:
    seen: list[int] = []
    original = keys.EnterPressesButtons.eventFilter

    def counting(self, watched, event):  # type: ignore[no-untyped-def]
        seen.append(1)
        return original(self, watched, event)

    monkeypatch.setattr(keys.EnterPressesButtons, "eventFilter", counting)
    window = QWidget()
    qtbot.addWidget(window)
    layout = QVBoxLayout(window)
    field = QLineEdit()
    pressed: list[bool] = []
    button = QPushButton("Record 2 h")
    button.clicked.connect(lambda: pressed.append(True))
    layout.addWidget(field)
    layout.addWidget(button)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)
    seen.clear()
    for i in range(200):  # what building a form does: widgets added, polished, laid out, painted
        layout.addWidget(QLabel(f"row {i}"))
    qtbot.wait(50)
    assert seen == []  # an application-wide filter saw thousands of these events
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert pressed == []  # Enter in a field is the field's
    button.setFocus()
    qtbot.waitUntil(button.hasFocus)
    qtbot.keyClick(button, Qt.Key.Key_Return)
    assert pressed == [True] and seen  # the focused button's own events reach the filter
