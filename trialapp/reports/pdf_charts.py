"""Vector charts for the printed summaries, drawn with ``reportlab.graphics``.

- the family copy's "stiffness by day": two bars per day, before the dose (solid dark) and at the best time
  after it (white with black stripes), so it reads the same printed in black and white;
- the clinical copy's tone-over-time chart (R3 reduction at each reassessment, one line per day, each day
  with its own marker and dash pattern) and dose-response chart (R4 peak reduction against the dose).

The numbers come from ``trialapp.domain.chart_series`` (the same chart data the screen draws, computed by
the R3/R4 rule functions); nothing here computes a rule.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from reportlab.graphics.shapes import Circle, Drawing, Group, Line, Polygon, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth

from trialapp.domain.chart_series import DoseResponseChart, ToneChart
from trialapp.domain.numbers import plain_number
from trialapp.domain.response import format_score, round2
from trialapp.domain.scales import coding_values
from trialapp.reports.layout import FONT, FONT_BOLD, INK, register_fonts

MID_GREY: Final = colors.Color(0.40, 0.40, 0.40)
LIGHT_GREY: Final = colors.Color(0.82, 0.82, 0.82)
BEFORE_FILL: Final = colors.Color(0.22, 0.22, 0.22)

# Per trial day (cycled): marker shape, filled?, dash pattern. Distinct without colour.
_DAY_STYLES: Final[tuple[tuple[str, bool, tuple[float, ...] | None], ...]] = (
    ("circle", True, None),
    ("square", False, (5, 2.5)),
    ("triangle", True, (1.5, 2)),
    ("diamond", False, (6, 2, 1.5, 2)),
    ("circle", False, (3, 3)),
    ("square", True, (8, 3)),
)


# ------------------------------------------------------------------------------------------ chart data


@dataclass(frozen=True)
class StiffnessBar:
    """One day of the family chart: mean MAS before the dose and at the day's peak (``None``: not measured)."""

    day: int
    dose_mcg: int | None
    before: float | None
    after: float | None
    provisional: bool = False  # the day's checks are not all done: "after" is the best so far


@dataclass(frozen=True)
class ToneLine:
    """One day of the tone-over-time chart: (hours after the dose, R3 reduction) points, earliest first."""

    day: int
    dose_mcg: int | None
    points: tuple[tuple[float, float], ...]


def stiffness_bars(chart: ToneChart) -> tuple[StiffnessBar, ...]:
    """Before/after per dosed day from the tone chart in absolute mode: the day's baseline mean MAS and the
    mean at its peak reassessment (R4)."""
    if chart.mode != "absolute":
        raise ValueError("The stiffness bars need the tone chart in absolute mode (mean MAS, not reduction).")
    return tuple(
        StiffnessBar(s.day, s.dose_mcg, s.baseline_value, s.peak_value, s.provisional) for s in chart.days
    )


def tone_lines(chart: ToneChart) -> tuple[ToneLine, ...]:
    """Per dosed day, the measured points of the tone chart in reduction mode (baseline = 0 at 0 h)."""
    if chart.mode != "reduction":
        raise ValueError("The tone-over-time lines need the tone chart in reduction mode.")
    lines = []
    for series in chart.days:
        points = tuple((h, v) for h, v in zip(series.hours, series.values, strict=True) if v is not None)
        if len(points) > 1:  # a baseline alone draws nothing
            lines.append(ToneLine(series.day, series.dose_mcg, points))
    return tuple(lines)


def scale_top(mas_coding: str) -> float:
    """The highest number a MAS grade takes under the trial's coding (4 for CPRN, 5 for 0–5)."""
    return max(coding_values(mas_coding).values())


# ------------------------------------------------------------------------------------------ drawing kit


def _nice_step(span: float, target_ticks: int) -> float:
    raw = span / max(target_ticks, 1)
    magnitude = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def _ticks(low: float, high: float, target: int = 5) -> list[float]:
    step = _nice_step(high - low, target)
    first = math.ceil(low / step - 1e-9) * step
    ticks = []
    value = first
    while value <= high + 1e-9:
        ticks.append(round(value, 6) + 0.0)
        value += step
    return ticks


@dataclass(frozen=True)
class _Axes:
    x0: float
    y0: float
    width: float
    height: float
    x_low: float
    x_high: float
    y_low: float
    y_high: float

    def x(self, value: float) -> float:
        return self.x0 + (value - self.x_low) / (self.x_high - self.x_low) * self.width

    def y(self, value: float) -> float:
        return self.y0 + (value - self.y_low) / (self.y_high - self.y_low) * self.height


def _text(
    x: float,
    y: float,
    text: str,
    size: float,
    *,
    anchor: str = "start",
    bold: bool = False,
    color: object = INK,
) -> String:
    return String(
        x, y, text, fontName=FONT_BOLD if bold else FONT, fontSize=size, fillColor=color, textAnchor=anchor
    )


def _draw_axes(
    group: Group,
    ax: _Axes,
    x_ticks: Sequence[tuple[float, str]],
    y_ticks: Sequence[float],
    size: float,
    grid: bool = True,
) -> None:
    for value in y_ticks:
        y = ax.y(value)
        if grid:
            group.add(Line(ax.x0, y, ax.x0 + ax.width, y, strokeColor=LIGHT_GREY, strokeWidth=0.5))
        group.add(Line(ax.x0 - 3, y, ax.x0, y, strokeColor=INK, strokeWidth=0.7))
        group.add(_text(ax.x0 - 5, y - size * 0.35, plain_number(round2(value)), size, anchor="end"))
    for value, label in x_ticks:
        x = ax.x(value)
        group.add(Line(x, ax.y0, x, ax.y0 - 3, strokeColor=INK, strokeWidth=0.7))
        group.add(_text(x, ax.y0 - size - 3, label, size, anchor="middle"))
    group.add(Line(ax.x0, ax.y0, ax.x0 + ax.width, ax.y0, strokeColor=INK, strokeWidth=1))
    group.add(Line(ax.x0, ax.y0, ax.x0, ax.y0 + ax.height, strokeColor=INK, strokeWidth=1))


def _marker(shape: str, filled: bool, x: float, y: float, r: float) -> Group:
    fill = INK if filled else colors.white
    g = Group()
    if shape == "circle":
        g.add(Circle(x, y, r, fillColor=fill, strokeColor=INK, strokeWidth=1))
    elif shape == "square":
        g.add(Rect(x - r, y - r, 2 * r, 2 * r, fillColor=fill, strokeColor=INK, strokeWidth=1))
    elif shape == "triangle":
        g.add(
            Polygon(
                [x - r * 1.1, y - r, x + r * 1.1, y - r, x, y + r * 1.2],
                fillColor=fill,
                strokeColor=INK,
                strokeWidth=1,
            )
        )
    else:  # diamond
        g.add(
            Polygon(
                [x, y - r * 1.3, x + r * 1.1, y, x, y + r * 1.3, x - r * 1.1, y],
                fillColor=fill,
                strokeColor=INK,
                strokeWidth=1,
            )
        )
    return g


def _day_style(index: int) -> tuple[str, bool, tuple[float, ...] | None]:
    return _DAY_STYLES[index % len(_DAY_STYLES)]


def _hatch(x: float, y: float, w: float, h: float, spacing: float) -> Group:
    """Diagonal stripes clipped to the rectangle (computed, since reportlab shapes have no clipping)."""
    g = Group()
    if w <= 0 or h <= 0:
        return g
    # Lines x' - y' = c for c from -h to w, in the rectangle's own coordinates.
    c = -h + spacing / 2
    while c < w:
        sx, sy = (c, 0.0) if c >= 0 else (0.0, -c)
        ex, ey = (min(w, c + h), min(w, c + h) - c)
        g.add(Line(x + sx, y + sy, x + ex, y + ey, strokeColor=INK, strokeWidth=1.1))
        c += spacing
    return g


# ------------------------------------------------------------------------------------ family chart


@dataclass(frozen=True)
class StiffnessLabels:
    """The words of the family chart, in the family's language."""

    before: str
    after: str
    axis: str
    axis_note: str
    day: str  # with {day}
    not_measured: str
    so_far: str = ""  # after the day label of a day still running, e.g. "(so far)"


def stiffness_chart(
    bars: Sequence[StiffnessBar],
    labels: StiffnessLabels,
    *,
    top: float,
    width: float,
    height: float = 230,
    dose_words: dict[int, str] | None = None,
) -> Drawing:
    """The family's "stiffness by day" bar chart: large labels, black and white, a legend above the bars."""
    register_fonts()
    size = 12
    drawing = _drawing(width, height)
    group = Group()
    legend_h = 26  # legend row
    title_h = 22  # axis title row, above the axis so it never touches the tick labels
    left, bottom = 34, 44
    ax = _Axes(
        left, bottom, width - left - 10, height - bottom - legend_h - title_h, 0, max(len(bars), 1), 0, top
    )

    # Legend first, at the top, so it is read before the bars.
    ly = height - 16
    group.add(Rect(left, ly - 3, 22, 14, fillColor=BEFORE_FILL, strokeColor=INK, strokeWidth=1))
    group.add(_text(left + 28, ly, labels.before, size))
    after_x = left + 40 + _text_width(labels.before, size) + 14
    group.add(Rect(after_x, ly - 3, 22, 14, fillColor=colors.white, strokeColor=INK, strokeWidth=1))
    group.add(_hatch(after_x, ly - 3, 22, 14, 5))
    group.add(Rect(after_x, ly - 3, 22, 14, fillColor=None, strokeColor=INK, strokeWidth=1))
    group.add(_text(after_x + 28, ly, labels.after, size))

    y_ticks = _ticks(0, top, int(top))
    _draw_axes(group, ax, [], y_ticks, size)
    title_y = ax.y0 + ax.height + 9
    group.add(_text(4, title_y, labels.axis, size, bold=True))
    group.add(_text(4 + _text_width(labels.axis, size, True) + 8, title_y, f"({labels.axis_note})", size))

    slot = ax.width / max(len(bars), 1)
    bar_w = min(46, slot * 0.32)
    for i, bar in enumerate(bars):
        centre = ax.x0 + slot * (i + 0.5)
        day_label = labels.day.format(day=bar.day)
        if bar.provisional and labels.so_far:
            day_label += f" {labels.so_far}"
        group.add(_text(centre, ax.y0 - size - 4, day_label, size, anchor="middle", bold=True))
        if bar.dose_mcg is not None and dose_words is not None:
            group.add(_text(centre, ax.y0 - 2 * size - 8, dose_words[bar.dose_mcg], size, anchor="middle"))
        if bar.before is None or bar.after is None:
            group.add(_text(centre, ax.y0 + 8, labels.not_measured, size, anchor="middle", color=MID_GREY))
            continue
        bx = centre - bar_w - 3
        bh = ax.y(bar.before) - ax.y0
        group.add(Rect(bx, ax.y0, bar_w, bh, fillColor=BEFORE_FILL, strokeColor=INK, strokeWidth=1))
        ax_x = centre + 3
        ah = ax.y(bar.after) - ax.y0
        group.add(Rect(ax_x, ax.y0, bar_w, ah, fillColor=colors.white, strokeColor=INK, strokeWidth=1))
        group.add(_hatch(ax_x, ax.y0, bar_w, ah, 6))
        group.add(Rect(ax_x, ax.y0, bar_w, ah, fillColor=None, strokeColor=INK, strokeWidth=1.2))
    drawing.add(group)
    return drawing


def _drawing(width: float, height: float) -> Drawing:
    drawing = Drawing(width, height)
    # The renderer starts from a default font; Helvetica there would put an unembedded font in the PDF.
    drawing.initialFontName = FONT
    return drawing


def _text_width(text: str, size: float, bold: bool = False) -> float:
    return float(stringWidth(text, FONT_BOLD if bold else FONT, size))


# ------------------------------------------------------------------------------------ clinical charts


def tone_over_time_chart(
    lines: Sequence[ToneLine],
    *,
    threshold: float,
    width: float,
    height: float = 190,
    title: str,
    empty: str = "No reassessment could be compared with a baseline.",
) -> Drawing:
    """R3 reduction (baseline mean − reassessment mean) against hours after the dose, one line per day.

    With no line to draw, ``empty`` (the screen chart's headline: why, in words) is written in the plot."""
    register_fonts()
    size = 7.5
    drawing = _drawing(width, height)
    group = Group()
    all_points = [p for line in lines for p in line.points]
    x_high = max([8.0, *(h for h, _ in all_points)])
    y_values = [r for _, r in all_points] + [threshold, 0.0]
    y_low = min(0.0, math.floor(min(y_values) * 2) / 2)
    y_high = max(1.0, math.ceil(max(y_values) * 4) / 4 + 0.25)
    legend_h = 14 * math.ceil(max(len(lines), 1) / (2 if width < 320 else 3))
    ax = _Axes(34, 28 + legend_h, width - 44, height - 48 - legend_h, 0, x_high, y_low, y_high)
    group.add(_text(0, height - 10, title, size + 1, bold=True))
    x_ticks = [(t, f"{plain_number(round2(t))} h") for t in _ticks(0, x_high, 8)]
    _draw_axes(group, ax, x_ticks, _ticks(y_low, y_high, 5), size)
    _threshold_line(group, ax, threshold, size)
    if y_low < 0:
        group.add(Line(ax.x0, ax.y(0), ax.x0 + ax.width, ax.y(0), strokeColor=MID_GREY, strokeWidth=0.6))
    for i, line in enumerate(lines):
        shape, filled, dash = _day_style(i)
        coords = [v for h, r in line.points for v in (ax.x(h), ax.y(r))]
        group.add(PolyLine(coords, strokeColor=INK, strokeWidth=1.2, strokeDashArray=dash))
        for h, r in line.points:
            group.add(_marker(shape, filled, ax.x(h), ax.y(r), 3))
    _legend(group, lines, 34, 4, width - 44, size)
    if not lines:
        # Wrapped to the plot's width: the reason names the day and what is missing, one sentence each.
        rows = simpleSplit(empty, FONT, size, ax.width - 12)
        top = ax.y0 + ax.height / 2 + (len(rows) - 1) * (size + 2) / 2
        box_w = max(_text_width(row, size) for row in rows) + 8
        box_h = len(rows) * (size + 2) + 4
        # On a white box, so neither the grid nor the threshold line runs through the words.
        group.add(
            Rect(
                ax.x0 + (ax.width - box_w) / 2,
                top - box_h + size + 2,
                box_w,
                box_h,
                fillColor=colors.white,
                strokeColor=None,
            )
        )
        for n, row in enumerate(rows):
            group.add(
                _text(ax.x0 + ax.width / 2, top - n * (size + 2), row, size, anchor="middle", color=MID_GREY)
            )
    drawing.add(group)
    return drawing


def dose_response_chart(
    chart: DoseResponseChart, *, width: float, height: float = 190, title: str
) -> Drawing:
    """R4 peak reduction against each day's dose; each point is labelled with its day."""
    register_fonts()
    size = 7.5
    threshold = chart.threshold
    drawing = _drawing(width, height)
    group = Group()
    judged = [p for p in chart.points if p.peak_reduction is not None]
    doses = [p.dose_mcg for p in chart.points]
    x_top = max([100, *doses, *chart.ladder_mcg])
    x_high = x_top + 12.5
    peaks = [p.peak_reduction for p in judged if p.peak_reduction is not None]
    y_low = min(0.0, math.floor(min(peaks, default=0.0) * 2) / 2)
    y_high = max(threshold + 0.5, math.ceil(max(peaks, default=0.0) * 4) / 4 + 0.25)
    ax = _Axes(34, 28, width - 44, height - 48, 0, x_high, y_low, y_high)
    group.add(_text(0, height - 10, title, size + 1, bold=True))
    x_ticks = [(t, f"{plain_number(round2(t))}") for t in _ticks(0, x_top, 4)]
    _draw_axes(group, ax, x_ticks, _ticks(y_low, y_high, 5), size)
    group.add(_text(ax.x0 + ax.width, ax.y0 - 2 * size - 5, "dose (mcg)", size, anchor="end"))
    _threshold_line(group, ax, threshold, size)
    # Days with the same dose stack their labels so none hides another.
    seen: dict[int, int] = {}
    order = {p.day: i for i, p in enumerate(chart.points)}
    for point in judged:
        assert point.peak_reduction is not None
        shape, _, _ = _day_style(order[point.day])
        x, y = ax.x(point.dose_mcg), ax.y(point.peak_reduction)
        # Filled = responder day, hollow = not, as on the screen and in the exported PNG.
        group.add(_marker(shape, point.responder is True, x, y, 3.5))
        stack = seen.get(point.dose_mcg, 0)
        seen[point.dose_mcg] = stack + 1
        group.add(_text(x + 6, y - 3 + stack * (size + 1.5), f"day {point.day}", size))
    unjudged = [p.day for p in chart.points if p.peak_reduction is None]
    if unjudged:
        words = ", ".join(str(n) for n in unjudged)
        group.add(
            _text(ax.x0 + 4, ax.y0 + ax.height - size, f"not judged: day {words}", size, color=MID_GREY)
        )
    drawing.add(group)
    return drawing


def _threshold_line(group: Group, ax: _Axes, threshold: float, size: float) -> None:
    y = ax.y(threshold)
    group.add(Line(ax.x0, y, ax.x0 + ax.width, y, strokeColor=INK, strokeWidth=0.9, strokeDashArray=(2, 2)))
    group.add(
        _text(ax.x0 + ax.width - 2, y + 2.5, f"threshold {format_score(threshold)}", size, anchor="end")
    )


def _legend(group: Group, lines: Sequence[ToneLine], x: float, y: float, width: float, size: float) -> None:
    per_row = 2 if width < 320 else 3
    col_w = width / per_row
    rows = math.ceil(len(lines) / per_row)
    for i, line in enumerate(lines):
        shape, filled, dash = _day_style(i)
        row, col = divmod(i, per_row)
        lx = x + col * col_w
        ly = y + (rows - 1 - row) * 14 + 3
        group.add(Line(lx, ly, lx + 22, ly, strokeColor=INK, strokeWidth=1.2, strokeDashArray=dash))
        group.add(_marker(shape, filled, lx + 11, ly, 3))
        dose = f" ({line.dose_mcg} mcg)" if line.dose_mcg is not None else ""
        group.add(_text(lx + 27, ly - size * 0.35, f"day {line.day}{dose}", size))
