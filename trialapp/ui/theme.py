"""Light and dark themes: one palette and one style sheet each, with large touch targets.

Sizes are in points and logical pixels, so they scale with the screen (150 % scaling stays readable).
The chosen theme is remembered in the installation's config folder (``ui-preferences.json``), not in the
database: it is a preference of the laptop, not a clinical setting.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

THEMES = ("light", "dark")
_PREFERENCES_FILE = "ui-preferences.json"


@dataclass(frozen=True)
class Colors:
    window: str
    base: str
    alt_base: str
    text: str
    muted: str
    button: str
    border: str
    accent: str
    accent_text: str
    danger: str
    danger_bg: str
    warning: str
    ok: str


LIGHT = Colors(
    window="#f4f6f8",
    base="#ffffff",
    alt_base="#eef2f6",
    text="#1b1f24",
    muted="#56606b",
    button="#e6eaef",
    border="#b8c2cc",
    accent="#1f5fa8",
    accent_text="#ffffff",
    danger="#b3261e",
    danger_bg="#fbe9e7",
    warning="#8a5a00",
    ok="#1e6b34",
)

DARK = Colors(
    window="#1e2227",
    base="#262b31",
    alt_base="#2d333a",
    text="#e8ebee",
    muted="#a7b0ba",
    button="#343b43",
    border="#4d5761",
    accent="#5b9be0",
    accent_text="#0d1117",
    danger="#ff8a80",
    danger_bg="#4a2323",
    warning="#f0c060",
    ok="#7fd499",
)


def colors(theme: str) -> Colors:
    return DARK if theme == "dark" else LIGHT


def style_sheet(c: Colors) -> str:
    # Minimum heights give touch-sized targets (about 9 mm at 96 dpi) without making forms sprawl.
    return f"""
    QWidget {{ font-size: 11pt; }}
    QPushButton, QToolButton {{
        min-height: 34px; padding: 4px 14px; border: 1px solid {c.border}; border-radius: 5px;
        background: {c.button}; color: {c.text};
    }}
    QPushButton:hover, QToolButton:hover {{ border-color: {c.accent}; }}
    QPushButton:focus, QToolButton:focus {{ border: 2px solid {c.accent}; }}
    QPushButton:disabled {{ color: {c.muted}; }}
    QPushButton[primary="true"] {{
        background: {c.accent}; color: {c.accent_text}; border-color: {c.accent}; font-weight: bold;
    }}
    QPushButton[primary="true"]:focus {{ border: 2px solid {c.text}; }}
    QPushButton[primary="true"]:disabled {{
        background: {c.button}; color: {c.muted}; border-color: {c.border}; font-weight: normal;
    }}
    QLineEdit, QComboBox, QSpinBox, QDoubleSpinBox, QDateEdit, QTimeEdit, QDateTimeEdit {{
        min-height: 32px; padding: 2px 6px; border: 1px solid {c.border}; border-radius: 4px;
        background: {c.base}; color: {c.text};
    }}
    QLineEdit:focus, QComboBox:focus, QSpinBox:focus, QDoubleSpinBox:focus, QDateEdit:focus,
    QTimeEdit:focus, QDateTimeEdit:focus, QPlainTextEdit:focus, QTableView:focus, QListView:focus {{
        border: 2px solid {c.accent};
    }}
    QAbstractSpinBox::up-button, QAbstractSpinBox::down-button {{ width: 22px; }}
    QPlainTextEdit, QTextEdit, QTableView, QListView, QTreeView {{
        border: 1px solid {c.border}; border-radius: 4px; background: {c.base}; color: {c.text};
        alternate-background-color: {c.alt_base};
    }}
    QTableView {{ gridline-color: {c.border}; }}
    QTableView::item, QListView::item {{ min-height: 30px; padding: 2px 4px; }}
    QTableView::item:selected, QListView::item:selected {{ background: {c.accent}; color: {c.accent_text}; }}
    QHeaderView::section {{
        background: {c.button}; color: {c.text}; padding: 6px; border: none;
        border-bottom: 1px solid {c.border}; font-weight: bold;
    }}
    QCheckBox, QRadioButton {{ min-height: 30px; spacing: 8px; }}
    QCheckBox::indicator, QRadioButton::indicator {{ width: 18px; height: 18px; }}
    QGroupBox {{
        border: 1px solid {c.border}; border-radius: 6px; margin-top: 14px; padding: 10px 8px 8px 8px;
    }}
    QGroupBox::title {{ subcontrol-origin: margin; left: 10px; padding: 0 4px; font-weight: bold; }}
    QTabBar::tab {{ min-height: 32px; padding: 4px 16px; }}
    QLabel[role="title"] {{ font-size: 17pt; font-weight: bold; }}
    QLabel[role="subtitle"] {{ font-size: 13pt; font-weight: bold; }}
    QLabel[role="muted"] {{ color: {c.muted}; }}
    QLabel[role="error"] {{ color: {c.danger}; }}
    QLabel[role="warning"] {{ color: {c.warning}; }}
    QLabel[role="banner-error"] {{
        color: {c.danger}; background: {c.danger_bg}; border: 1px solid {c.danger}; border-radius: 4px;
        padding: 6px;
    }}
    QLabel[role="ok"] {{ color: {c.ok}; }}
    QFrame[role="card"] {{ background: {c.base}; border: 1px solid {c.border}; border-radius: 8px; }}
    QStatusBar {{ color: {c.muted}; }}
    """


def palette(c: Colors) -> QPalette:
    p = QPalette()
    role = QPalette.ColorRole
    p.setColor(role.Window, QColor(c.window))
    p.setColor(role.WindowText, QColor(c.text))
    p.setColor(role.Base, QColor(c.base))
    p.setColor(role.AlternateBase, QColor(c.alt_base))
    p.setColor(role.Text, QColor(c.text))
    p.setColor(role.Button, QColor(c.button))
    p.setColor(role.ButtonText, QColor(c.text))
    p.setColor(role.Highlight, QColor(c.accent))
    p.setColor(role.HighlightedText, QColor(c.accent_text))
    p.setColor(role.ToolTipBase, QColor(c.base))
    p.setColor(role.ToolTipText, QColor(c.text))
    p.setColor(role.PlaceholderText, QColor(c.muted))
    p.setColor(role.Link, QColor(c.accent))
    for group in (QPalette.ColorGroup.Disabled,):
        p.setColor(group, role.Text, QColor(c.muted))
        p.setColor(group, role.WindowText, QColor(c.muted))
        p.setColor(group, role.ButtonText, QColor(c.muted))
    return p


def saved_theme(config_dir: Path) -> str:
    """The theme chosen last on this installation ("light" when none or unreadable)."""
    try:
        value = json.loads((config_dir / _PREFERENCES_FILE).read_text(encoding="utf-8")).get("theme")
    except (OSError, ValueError, AttributeError):
        return "light"
    return value if value in THEMES else "light"


def save_theme(config_dir: Path, theme: str) -> None:
    try:
        config_dir.mkdir(parents=True, exist_ok=True)
        (config_dir / _PREFERENCES_FILE).write_text(json.dumps({"theme": theme}), encoding="utf-8")
    except OSError:
        pass  # a preference that cannot be saved is not worth interrupting anyone for


def current_theme() -> str:
    app = QApplication.instance()
    value = app.property("trialapp_theme") if app is not None else None
    return value if value in THEMES else "light"


def apply_theme(theme: str) -> None:
    """Apply ``theme`` ("light" or "dark") to the whole application."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    c = colors(theme)
    if app.property("trialapp_style") != "Fusion":
        # The same look on every platform; native styles ignore parts of the palette.
        app.setStyle("Fusion")
        app.setProperty("trialapp_style", "Fusion")
    app.setPalette(palette(c))
    app.setStyleSheet(style_sheet(c))
    app.setProperty("trialapp_theme", theme if theme in THEMES else "light")


def danger_color() -> str:
    return colors(current_theme()).danger


def warning_color() -> str:
    return colors(current_theme()).warning


def muted_color() -> str:
    return colors(current_theme()).muted
