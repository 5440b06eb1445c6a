"""Light and dark themes: one palette each and one style sheet, with large touch targets.

The colours and the style sheet are data in ``resources/styles/`` (``colors.json``, ``app.qss``). Each
theme has a high-contrast variant (black on white, or white and yellow on black, every border drawn),
chosen when the platform asks for high contrast (its accessibility setting) or by View → High contrast.

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
    ok: str


def _read_style(name: str) -> str:
    return resources.files("trialapp.resources").joinpath("styles", name).read_text(encoding="utf-8")


def _load_colors() -> tuple[dict[str, Colors], dict[str, Colors]]:
    """The palettes of ``resources/styles/colors.json``, ordinary and high-contrast; every field of
    ``Colors`` must be there."""
    data = json.loads(_read_style("colors.json"))
    return (
        {name: Colors(**data["themes"][name]) for name in THEMES},
        {name: Colors(**data["high_contrast"][name]) for name in THEMES},
    )


_COLORS, _HIGH_CONTRAST = _load_colors()
LIGHT = _COLORS["light"]
DARK = _COLORS["dark"]
_STYLE_SHEET = Template(_read_style("app.qss"))


def colors(theme: str, high_contrast: bool | None = None) -> Colors:
    """The palette of ``theme``; its high-contrast variant when ``high_contrast`` (None: as applied now)."""
    if high_contrast is None:
        high_contrast = current_high_contrast()
    table = _HIGH_CONTRAST if high_contrast else _COLORS
    return table["dark" if theme == "dark" else "light"]


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


def _preferences(config_dir: Path) -> dict[str, object]:
    try:
        value = json.loads((config_dir / _PREFERENCES_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _save_preference(config_dir: Path, key: str, value: object) -> None:
    preferences = _preferences(config_dir)
    preferences[key] = value
    try:
        config_dir.mkdir(parents=True, exist_ok=True)
        (config_dir / _PREFERENCES_FILE).write_text(json.dumps(preferences), encoding="utf-8")
    except OSError:
        pass  # a preference that cannot be saved is not worth interrupting anyone for


def save_theme(config_dir: Path, theme: str) -> None:
    _save_preference(config_dir, "theme", theme)


def saved_high_contrast(config_dir: Path) -> bool | None:
    """High contrast as chosen on this installation: True, False, or None to follow the platform."""
    value = _preferences(config_dir).get("high_contrast")
    return value if isinstance(value, bool) else None


def save_high_contrast(config_dir: Path, on: bool | None) -> None:
    _save_preference(config_dir, "high_contrast", on)


def platform_wants_high_contrast() -> bool:
    """Whether the platform's accessibility setting asks applications for high contrast."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication

    hints = QGuiApplication.styleHints()
    accessibility = hints.accessibility() if hints is not None else None
    if accessibility is None:
        return False
    return bool(accessibility.contrastPreference() == Qt.ContrastPreference.HighContrast)


def current_high_contrast() -> bool:
    app = QApplication.instance()
    return bool(app is not None and app.property("trialapp_high_contrast"))


def set_high_contrast(on: bool | None) -> bool:
    """High contrast on or off (None: as the platform asks), applied at once with the current theme.
    Returns whether it is on."""
    app = QApplication.instance()
    chosen = platform_wants_high_contrast() if on is None else on
    if app is not None:
        app.setProperty("trialapp_high_contrast", chosen)
        apply_theme(current_theme())
    return chosen


def current_theme() -> str:
    app = QApplication.instance()
    value = app.property("trialapp_theme") if app is not None else None
    return value if value in THEMES else "light"


def apply_theme(theme: str) -> None:
    """Apply ``theme`` ("light" or "dark") to the whole application."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return
    if app.property("trialapp_high_contrast") is None:
        # First theme of the run: high contrast when the platform asks for it (the window may then
        # apply the choice saved on this installation instead).
        app.setProperty("trialapp_high_contrast", platform_wants_high_contrast())
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
