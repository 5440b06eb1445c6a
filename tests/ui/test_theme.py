"""The themes come from resources/styles: both palettes whole, every colour of the style sheet filled in."""

from __future__ import annotations

import json
import re
from dataclasses import fields
from importlib import resources

import pytest

from trialapp.ui import theme


def _styles(name: str) -> str:
    return resources.files("trialapp.resources").joinpath("styles", name).read_text(encoding="utf-8")


def test_each_theme_file_names_every_colour_the_app_uses() -> None:
    themes = json.loads(_styles("colors.json"))["themes"]
    wanted = {f.name for f in fields(theme.Colors)}
    assert set(themes) == set(theme.THEMES)
    for name in theme.THEMES:
        assert set(themes[name]) == wanted, name
        assert all(re.fullmatch(r"#[0-9a-f]{6}", value) for value in themes[name].values())


@pytest.mark.parametrize("name", theme.THEMES)
def test_the_style_sheet_is_filled_in_with_the_themes_colours(name: str) -> None:
    colours = theme.colors(name)
    sheet = theme.style_sheet(colours)
    assert "$" not in sheet
    assert f"background: {colours.accent}; color: {colours.accent_text}" in sheet
    assert "min-height: 34px" in sheet  # touch-sized buttons


def test_dark_and_light_differ_where_it_matters() -> None:
    assert theme.DARK.window != theme.LIGHT.window
    assert theme.DARK.text != theme.LIGHT.text


def test_each_theme_has_a_high_contrast_variant_with_every_colour() -> None:
    data = json.loads(_styles("colors.json"))
    wanted = {f.name for f in fields(theme.Colors)}
    assert set(data["high_contrast"]) == set(theme.THEMES)
    for name in theme.THEMES:
        assert set(data["high_contrast"][name]) == wanted, name
        contrast = theme.colors(name, high_contrast=True)
        assert contrast != theme.colors(name, high_contrast=False)
        assert contrast.muted == contrast.text  # no grey-on-white text in high contrast


def test_focus_is_visible_on_every_kind_of_control() -> None:
    sheet = theme.style_sheet(theme.LIGHT)
    for selector in (
        "QPushButton:focus",
        "QLineEdit:focus",
        "QComboBox:focus",
        "QCheckBox:focus",
        "QRadioButton:focus",
        "QTabBar::tab:focus",
        "QTableView:focus",
        "QPlainTextEdit:focus",
    ):
        assert selector in sheet, selector


def test_high_contrast_follows_the_choice_and_is_remembered(qapp, tmp_path) -> None:
    assert theme.saved_high_contrast(tmp_path) is None  # nothing chosen: follow the platform
    theme.save_theme(tmp_path, "dark")
    theme.save_high_contrast(tmp_path, True)
    assert theme.saved_high_contrast(tmp_path) is True and theme.saved_theme(tmp_path) == "dark"
    try:
        assert theme.set_high_contrast(True) is True
        assert qapp.palette().color(qapp.palette().ColorRole.WindowText).name() == "#000000"
        assert theme.colors("light") == theme.colors("light", high_contrast=True)
        assert theme.set_high_contrast(None) is theme.platform_wants_high_contrast()
    finally:
        theme.set_high_contrast(False)
    assert theme.colors("light") == theme.LIGHT
