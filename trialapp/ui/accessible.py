"""Every control has an accessible name and description (issue 21 item 11), for screen readers and
for the names tests find controls by.

Most controls are named where they are built. ``describe_controls`` fills in what was left out, once a
window is shown (``ui/fit_screen.py`` calls it) or a page is drawn: the name from the control's label
(its buddy) or its own text; the description from its tooltip, its placeholder, or else its name and
where it sits ("Give dose, in Dose"), so that a screen reader says more than the bare word.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTabBar,
    QTextEdit,
    QWidget,
)

#: The controls a person reaches with the keys or the pointer.
CONTROLS = (
    QAbstractButton,
    QLineEdit,
    QComboBox,
    QAbstractSpinBox,
    QPlainTextEdit,
    QTextEdit,
    QAbstractItemView,
    QTabBar,
)

#: Qt's own parts of compound controls (a spin box's editor, a scroll bar's arrows): named by their owner.
_OWN_PARTS = ("QScrollBar", "QCalendarWidget", "QHeaderView")


def is_part_of_another(widget: QWidget) -> bool:
    """Whether ``widget`` is an inner part of a compound control, which speaks for it."""
    if widget.objectName().startswith("qt_"):
        return True
    parent = widget.parentWidget()
    while parent is not None:
        if (
            isinstance(parent, QAbstractSpinBox | QComboBox | QTabBar | QLineEdit)
            or type(parent).__name__ in _OWN_PARTS
            or (isinstance(parent, QAbstractItemView) and isinstance(widget, QAbstractButton))
        ):  # a tab bar's arrows, a table's corner button, a search field's clear button
            return True
        parent = parent.parentWidget()
    return type(widget).__name__ in _OWN_PARTS


def _plain(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").strip().rstrip(":").strip()


def _context(widget: QWidget) -> str:
    """The name of the nearest named place around ``widget`` (a step, a group, the window)."""
    parent = widget.parentWidget()
    while parent is not None:
        name = parent.accessibleName() or (parent.windowTitle() if parent.isWindow() else "")
        if name:
            return name
        parent = parent.parentWidget()
    return ""


def describe_controls(root: QWidget) -> None:
    """Give each control under ``root`` the accessible name and description it lacks."""
    buddies = {id(label.buddy()): label.text() for label in root.findChildren(QLabel) if label.buddy()}
    for widget in root.findChildren(QWidget):
        if not isinstance(widget, CONTROLS) or is_part_of_another(widget):
            continue
        if not widget.accessibleName():
            name = _plain(buddies.get(id(widget), ""))
            if not name and isinstance(widget, QAbstractButton):
                name = _plain(widget.text())
            if not name and isinstance(widget, QLineEdit):
                name = widget.placeholderText()
            name = name or _plain(widget.toolTip())
            if name:
                widget.setAccessibleName(name)
        if not widget.accessibleDescription() and widget.accessibleName():
            hint = widget.toolTip() or (widget.placeholderText() if isinstance(widget, QLineEdit) else "")
            where = _context(widget)
            widget.setAccessibleDescription(
                hint or (f"{widget.accessibleName()}, in {where}" if where else widget.accessibleName())
            )
