"""Small styling helpers of the workspace.

Colours come from the palette and the app's style sheet (``trialapp.ui.theme``), except the alert red and
amber: those are fixed so that an alert looks the same in both themes, with text colours chosen to stay
readable on them (white on red, near-black on amber).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from trialapp.ui.theme import current_theme

ALERT_RED = "#b3261e"
ALERT_AMBER = "#f2b233"

RED_STYLE = f"background: {ALERT_RED}; color: #ffffff; border-radius: 4px; padding: 2px 6px;"
AMBER_STYLE = f"background: {ALERT_AMBER}; color: #1b1f24; border-radius: 4px; padding: 2px 6px;"
GREEN_STYLE = "background: #1e6b34; color: #ffffff; border-radius: 4px; padding: 2px 6px;"
#: A timeline button that is not the next action (fold/unfold, another baseline, …): slimmer than the app's
#: buttons, so that a laptop screen keeps the next action and the day review in view (issue 21 item 5).
COMPACT_BUTTON_STYLE = "min-height: 0px; padding: 2px 10px;"


def font_css(points: float, bold: bool = True) -> str:
    """Style-sheet text for a larger font. (The app's style sheet sets every widget's font size, which
    overrides setFont(), so sizes are set through style sheets too.)"""
    return f"font-size: {points:g}pt; font-weight: {'bold' if bold else 'normal'};"


def set_role(widget: QWidget, role: str) -> None:
    """Tag a widget with a style-sheet role of the app theme (title, subtitle, muted, error, ok, card)."""
    widget.setProperty("role", role)
    if widget.testAttribute(Qt.WidgetAttribute.WA_WState_Polished):
        # Polished already: polish again for the new role. A new widget is polished when first shown,
        # with its role (a timeline has dozens of such labels; polishing each twice more is not free).
        style = widget.style()
        style.unpolish(widget)
        style.polish(widget)


def current_theme_name() -> str:
    """The app's theme ("light" or "dark")."""
    return current_theme()
