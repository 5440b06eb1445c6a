"""Light and dark themes: one palette each and one style sheet, with large touch targets.

The colours and the style sheet are data in ``resources/styles/`` (``colors.json``, ``app.qss``).

Sizes are in points and logical pixels, so they scale with the screen (150 % scaling stays readable).
The chosen theme is remembered in the installation's config folder (``ui-preferences.json``), not in the
database: it is a preference of the laptop, not a clinical setting.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from string import Template

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
    finding: str  # a clinical finding's mark (amber), apart from the input error's red (danger)
    finding_bg: str
    ok: str


def _read_style(name: str) -> str:
    return resources.files("trialapp.resources").joinpath("styles", name).read_text(encoding="utf-8")


def _load_colors() -> dict[str, Colors]:
    """The two palettes of ``resources/styles/colors.json``; every field of ``Colors`` must be there."""
    themes = json.loads(_read_style("colors.json"))["themes"]
    return {name: Colors(**themes[name]) for name in THEMES}


_COLORS = _load_colors()
LIGHT = _COLORS["light"]
DARK = _COLORS["dark"]
_STYLE_SHEET = Template(_read_style("app.qss"))


def colors(theme: str) -> Colors:
    return DARK if theme == "dark" else LIGHT


def style_sheet(c: Colors) -> str:
    """The style sheet of ``resources/styles/app.qss`` with the palette's colours filled in."""
    return _STYLE_SHEET.substitute(asdict(c))


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
    # The name first: widgets that follow the theme read it while the palette change reaches them.
    app.setProperty("trialapp_theme", theme if theme in THEMES else "light")
    app.setPalette(palette(c))
    app.setStyleSheet(style_sheet(c))


def danger_color() -> str:
    return colors(current_theme()).danger


def warning_color() -> str:
    return colors(current_theme()).warning


def muted_color() -> str:
    return colors(current_theme()).muted
