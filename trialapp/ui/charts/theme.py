"""Colours, markers and fonts of the charts, light and dark.

Colours are the Okabe–Ito palette (Okabe & Ito 2008, "Color Universal Design"), distinguishable with the
common colour-vision deficiencies; every day also has its own marker shape and line pattern, so a chart
still reads in greyscale print. Fonts are large enough to read on a ward screen from the bedside.

Plain data only: importing this module loads neither Qt nor pyqtgraph.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Final

# Okabe–Ito colours by name.
BLACK: Final = "#000000"
ORANGE: Final = "#E69F00"
SKY_BLUE: Final = "#56B4E9"
BLUISH_GREEN: Final = "#009E73"
YELLOW: Final = "#F0E442"
BLUE: Final = "#0072B2"
VERMILLION: Final = "#D55E00"
REDDISH_PURPLE: Final = "#CC79A7"

# pyqtgraph symbol codes, one per day: circle, square, triangle, diamond, pentagon, hexagon, star.
DAY_SYMBOLS: Final[tuple[str, ...]] = ("o", "s", "t", "d", "p", "h", "star")
# Qt pen styles by name (resolved in drawing.py): solid for the first day, then dashed, dotted…
DAY_DASHES: Final[tuple[str, ...]] = ("solid", "dash", "dot", "dashdot", "solid", "dash", "dot")


@dataclass(frozen=True)
class ChartTheme:
    """Everything a chart needs to look consistent; colours are ``#RRGGBB`` strings."""

    name: str
    background: str
    foreground: str
    muted: str
    grid_alpha: float
    day_colours: tuple[str, ...]
    threshold: str
    zone: str  # fill of the "response" zone and of the R9 no-alert range
    zone_alpha: int  # 0..255
    warning: str
    urgent: str
    event: str
    vital_line: str
    vital_second: str  # diastolic next to systolic
    less_tone: tuple[str, str, str]  # small, clear, large reduction of a muscle's grade
    no_change: str
    more_tone: tuple[str, str]  # small, large increase
    not_tested: str
    cell_text_dark: str
    cell_text_light: str
    # Sizes in pixels (not points) so that a chart looks the same on screen, in a PNG and in an SVG.
    font_family: str = "DejaVu Sans"
    title_px: int = 24
    headline_px: int = 19
    axis_px: int = 18
    tick_px: int = 17
    note_px: int = 16
    legend_px: int = 16
    annotation_px: int = 16
    line_width: float = 3.0
    # Multiplies every pixel size above and every pen width (charts scale ``line_width`` when drawing): 2.0 draws a chart twice as large, as for
    # a print-resolution PNG (Qt does not widen pyqtgraph's cosmetic pens on its own).
    scale: float = 1.0

    def scaled(self, factor: float) -> ChartTheme:
        """This theme with every size multiplied by ``factor``."""

        def px(value: int) -> int:
            return max(1, round(value * factor))

        return replace(
            self,
            title_px=px(self.title_px),
            headline_px=px(self.headline_px),
            axis_px=px(self.axis_px),
            tick_px=px(self.tick_px),
            note_px=px(self.note_px),
            legend_px=px(self.legend_px),
            annotation_px=px(self.annotation_px),
            scale=self.scale * factor,
        )

    def day_colour(self, index: int) -> str:
        """Colour of the ``index``-th day shown (0-based), cycling after the palette."""
        return self.day_colours[index % len(self.day_colours)]


def day_symbol(index: int) -> str:
    """Marker of the ``index``-th day shown (0-based)."""
    return DAY_SYMBOLS[index % len(DAY_SYMBOLS)]


def day_dash(index: int) -> str:
    """Line pattern of the ``index``-th day shown (0-based)."""
    return DAY_DASHES[index % len(DAY_DASHES)]


LIGHT: Final = ChartTheme(
    name="light",
    background="#FFFFFF",
    foreground="#1A1A1A",
    muted="#5C5C5C",
    grid_alpha=0.18,
    day_colours=(BLUE, VERMILLION, BLUISH_GREEN, REDDISH_PURPLE, ORANGE, SKY_BLUE, BLACK),
    threshold="#1A1A1A",
    zone=BLUISH_GREEN,
    zone_alpha=34,
    warning=ORANGE,
    urgent=VERMILLION,
    event=REDDISH_PURPLE,
    vital_line="#1A1A1A",
    vital_second=BLUE,
    less_tone=("#C6DBEF", "#6BAED6", "#2171B5"),
    no_change="#F2F2F2",
    more_tone=("#FDD0A2", "#E6550D"),
    not_tested="#D9D9D9",
    cell_text_dark="#1A1A1A",
    cell_text_light="#FFFFFF",
)

DARK: Final = ChartTheme(
    name="dark",
    background="#1E1E1E",
    foreground="#EDEDED",
    muted="#B0B0B0",
    grid_alpha=0.22,
    # Blue and black vanish on a dark background: sky blue and yellow take their places.
    day_colours=(SKY_BLUE, ORANGE, BLUISH_GREEN, REDDISH_PURPLE, YELLOW, VERMILLION, "#FFFFFF"),
    threshold="#EDEDED",
    zone=BLUISH_GREEN,
    zone_alpha=46,
    warning=ORANGE,
    urgent="#FF7A3D",  # vermillion lightened to stand out on dark grey
    event=REDDISH_PURPLE,
    vital_line="#EDEDED",
    vital_second=SKY_BLUE,
    less_tone=("#27466B", "#2F6DA8", "#5AA5E6"),
    no_change="#3A3A3A",
    more_tone=("#7A4A1A", "#D8731F"),
    not_tested="#2A2A2A",
    cell_text_dark="#1A1A1A",
    cell_text_light="#FFFFFF",
)

THEMES: Final[dict[str, ChartTheme]] = {"light": LIGHT, "dark": DARK}


def theme_named(name: str) -> ChartTheme:
    """The theme called ``name`` (``light`` or ``dark``); anything else raises :class:`ValueError`."""
    try:
        return THEMES[name]
    except KeyError:
        raise ValueError(f'Unknown chart theme "{name}". Use one of: {", ".join(THEMES)}.') from None
