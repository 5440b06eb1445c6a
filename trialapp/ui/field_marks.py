"""How a form marks its fields: input errors apart from clinical findings, and the first bad field shown.

An *input error* is a value the form cannot take (a word in a number field, a diastolic above the systolic):
red and solid, ``problem="error"``. A *clinical finding* is a value taken as typed that the team should
notice (a range of motion beyond its published threshold): amber and dashed, ``problem="finding"``, always
with a word beside it (colour is never the only sign). The look is in ``resources/styles/app.qss``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from PySide6.QtWidgets import QScrollArea, QWidget

__all__ = ["ERROR", "FINDING", "mark", "needs_correcting", "show_first_problem"]

ERROR = "error"
FINDING = "finding"


def mark(widget: QWidget, kind: str | None) -> None:
    """Mark ``widget`` as an input error, a finding, or neither (None); restyled only when it changes."""
    value = kind or ""
    if (widget.property("problem") or "") == value:
        return
    widget.setProperty("problem", value)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)


def needs_correcting(count: int) -> str:
    """ "1 field needs correcting", "2 fields need correcting"."""
    return "1 field needs correcting" if count == 1 else f"{count} fields need correcting"


def show_first_problem(
    ordered: Iterable[tuple[str, QWidget]], problems: Mapping[str, object], scroll: QScrollArea | None = None
) -> QWidget | None:
    """Scroll to the first field (in the form's order) that has a problem and put the cursor in it."""
    for key, widget in ordered:
        if key in problems and widget.isVisibleTo(widget.window()) and widget.isEnabled():
            if scroll is not None:
                scroll.ensureWidgetVisible(widget, 50, 50)
            widget.setFocus()
            return widget
    return None
