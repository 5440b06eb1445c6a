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
