"""The infection QI report (PDF): key figures, the SSI p-chart, the compliance run chart, compliance per step
and phase against the 80 % goal, the risk-factor breakdown and the rules in words.

Made for a network meeting: A4 landscape, charts drawn as vector graphics (reportlab.graphics), so they stay
sharp on a projector. The numbers come from the R11–R13 summary that ``trialapp.services.qi_report`` passes
in (it prints the report, audited); nothing is computed here except the drawing. The font is the DejaVu Sans
shipped in ``resources/fonts`` (embedded: the report prints the same everywhere).
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from importlib import resources
from typing import Any, Final, Literal
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Circle, Drawing, Group, Line, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from trialapp.domain.qi_bundle import PHASES, PROCEDURE_KINDS
from trialapp.domain.qi_charts import RUN_LENGTH
from trialapp.domain.qi_compliance import COMPLIANCE_GOAL_PCT
from trialapp.domain.qi_procedures import format_pct
from trialapp.domain.qi_summary import QiSummary
from trialapp.domain.qi_surveillance import open_window_infection_words
from trialapp.reports.layout import Paragraph
from trialapp.reports.scripts import register_once

FONT: Final = "QiReportSans"
FONT_BOLD: Final = "QiReportSans-Bold"

PAGE: Final = landscape(A4)
MARGIN: Final = 14 * mm
WIDTH: Final = PAGE[0] - 2 * MARGIN

INK = colors.Color(0.1, 0.1, 0.1)
GREY = colors.Color(0.45, 0.45, 0.45)
LIGHT = colors.Color(0.88, 0.88, 0.88)
DATA = colors.Color(0.12, 0.38, 0.66)  # blue
BELOW_GOAL = colors.Color(0.85, 0.45, 0.05)  # orange
FLAG = colors.Color(0.80, 0.10, 0.10)  # red
RUN = colors.Color(0.85, 0.45, 0.05)  # orange
GOAL = colors.Color(0.10, 0.55, 0.25)  # green

MAX_FLAGS_LISTED = 12


def _register_fonts() -> None:
    register_once(FONT, _register_qi_fonts)


def _register_qi_fonts() -> None:
    folder = resources.files("trialapp.resources").joinpath("fonts")
    for name, file_name in ((FONT, "DejaVuSans.ttf"), (FONT_BOLD, "DejaVuSans-Bold.ttf")):
        pdfmetrics.registerFont(TTFont(name, io.BytesIO(folder.joinpath(file_name).read_bytes())))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)


def _style(
    name: str, size: float, *, bold: bool = False, color: colors.Color = INK, after: float = 4
) -> ParagraphStyle:
    return ParagraphStyle(
        name,
        fontName=FONT_BOLD if bold else FONT,
        fontSize=size,
        leading=size * 1.3,
        textColor=color,
        spaceAfter=after,
    )


# --------------------------------------------------------------------------------------------------
# Chart helpers
# --------------------------------------------------------------------------------------------------


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10ᵏ at or above ``value`` (axis maximum)."""
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        candidate = step * 10**exponent
        if candidate >= value - 1e-12:
            return float(candidate)
    return float(10 ** (exponent + 1))


def _text(
    x: float,
    y: float,
    text: str,
    size: float = 8,
    *,
    anchor: Literal["start", "middle", "end"] = "start",
    color: colors.Color = INK,
    bold: bool = False,
) -> String:
    return String(
        x, y, text, fontName=FONT_BOLD if bold else FONT, fontSize=size, fillColor=color, textAnchor=anchor
    )


def _fit(text: str, size: float, width: float) -> str:
    """``text`` shortened with "…" to fit ``width`` points."""
    if pdfmetrics.stringWidth(text, FONT, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", FONT, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


class _Plot:
    """A plot area inside a drawing, mapping slot index and value to points."""

    def __init__(
        self,
        drawing: Drawing,
        left: float,
        bottom: float,
        width: float,
        height: float,
        y_max: float,
        slots: int,
    ) -> None:
        self.d, self.left, self.bottom, self.width, self.height = drawing, left, bottom, width, height
        self.y_max, self.slots = y_max, max(slots, 1)

    def x(self, index: float) -> float:
        return self.left + (index + 0.5) * self.width / self.slots

    def slot_edges(self, index: int) -> tuple[float, float]:
        w = self.width / self.slots
        return self.left + index * w, self.left + (index + 1) * w

    def y(self, value: float) -> float:
        return self.bottom + min(value, self.y_max) / self.y_max * self.height

    def axes(self, ticks: Sequence[float], label: str, fmt: str) -> None:
        d = self.d
        for t in ticks:
            y = self.y(t)
            d.add(Line(self.left, y, self.left + self.width, y, strokeColor=LIGHT, strokeWidth=0.5))
            d.add(_text(self.left - 4, y - 3, fmt.format(t), 8, anchor="end", color=GREY))
        d.add(
            Line(
                self.left, self.bottom, self.left + self.width, self.bottom, strokeColor=INK, strokeWidth=0.8
            )
        )
        d.add(
            Line(
                self.left, self.bottom, self.left, self.bottom + self.height, strokeColor=INK, strokeWidth=0.8
            )
        )
        group = Group(_text(0, 0, label, 8, color=GREY))
        group.translate(10, self.bottom + self.height / 2 - pdfmetrics.stringWidth(label, FONT, 8) / 2)
        group.rotate(90)
        d.add(group)

    def period_labels(self, labels: Sequence[str], notes: Sequence[str]) -> None:
        step = max(1, math.ceil(len(labels) / 16))  # at most 16 labels: they stay readable
        for i, (label, note) in enumerate(zip(labels, notes, strict=True)):
            if i % step:
                continue
            self.d.add(_text(self.x(i), self.bottom - 11, label, 7.5, anchor="middle"))
            self.d.add(_text(self.x(i), self.bottom - 20, note, 6.5, anchor="middle", color=GREY))


def _legend(d: Drawing, x: float, y: float, items: Sequence[tuple[str, colors.Color, str]]) -> None:
    """Legend entries (label, colour, kind "line" | "dash" | "dot") from (x, y) to the right."""
    for label, color, kind in items:
        if kind == "dot":
            d.add(Circle(x + 6, y + 3, 3, fillColor=color, strokeColor=color))
        else:
            line = Line(x, y + 3, x + 14, y + 3, strokeColor=color, strokeWidth=1.2)
            if kind == "dash":
                line.strokeDashArray = [3, 2]
            d.add(line)
        d.add(_text(x + 18, y, label, 7.5))
        x += 26 + pdfmetrics.stringWidth(label, FONT, 7.5)


def p_chart_drawing(summary: QiSummary, width: float = WIDTH, height: float = 250) -> Drawing:
    """The R13 p-chart as percentages: p per period, the centre line p̄, the control limits (steps, as
    they depend on each period's n), flagged points in red (beyond limits) or orange (run of 8)."""
    d = Drawing(width, height)
    chart = summary.p_chart
    if not chart.points or chart.centre is None:
        d.add(
            _text(
                width / 2,
                height / 2,
                "No eligible procedure yet: the chart starts when the first 90-day window closes.",
                10,
                anchor="middle",
                color=GREY,
            )
        )
        return d
    top = max(max(p.ucl for p in chart.points), max(p.p for p in chart.points)) * 100
    # Up to 100 % at most: the limits are capped there and no proportion exceeds it.
    y_max = min(100.0, nice_ceiling(max(top * 1.05, 5)))
    plot = _Plot(d, 48, 34, width - 60, height - 58, y_max, len(chart.points))
    ticks = [plot.y_max * i / 5 for i in range(6)]
    plot.axes(ticks, "% with an infection within 90 days", "{:g} %")
    for attr, dash in (("ucl", [4, 2]), ("lcl", [4, 2])):
        path: list[float] = []
        for i, pt in enumerate(chart.points):
            x0, x1 = plot.slot_edges(i)
            value = getattr(pt, attr) * 100
            path += [x0, plot.y(value), x1, plot.y(value)]
        d.add(PolyLine(path, strokeColor=GREY, strokeWidth=0.9, strokeDashArray=dash))
    centre = chart.centre * 100
    d.add(
        Line(
            plot.left, plot.y(centre), plot.left + plot.width, plot.y(centre), strokeColor=INK, strokeWidth=1
        )
    )
    d.add(_text(plot.left + plot.width, plot.y(centre) + 3, f"centre {centre:.2f} %", 7.5, anchor="end"))
    line: list[float] = []
    for i, pt in enumerate(chart.points):
        line += [plot.x(i), plot.y(pt.p * 100)]
    d.add(PolyLine(line, strokeColor=DATA, strokeWidth=1.4))
    for i, pt in enumerate(chart.points):
        color = FLAG if pt.beyond_limits else RUN if pt.in_run else DATA
        radius = 3.6 if color is not DATA else 2.6
        d.add(
            Circle(
                plot.x(i),
                plot.y(pt.p * 100),
                radius,
                # Hollow: not final, some windows of the period are still open.
                fillColor=colors.white if pt.provisional else color,
                strokeColor=color if pt.provisional else colors.white,
                strokeWidth=1.2 if pt.provisional else 0.6,
            )
        )
    plot.period_labels(
        [p.period for p in chart.points],
        [f"n={p.n}" + (f" · {p.open_windows} open" if p.open_windows else "") for p in chart.points],
    )
    _legend(
        d,
        plot.left,
        height - 12,
        [
            ("infections ÷ eligible procedures", DATA, "line"),
            ("centre line (all periods)", INK, "line"),
            ("control limits (3 sigma)", GREY, "dash"),
            ("beyond limits", FLAG, "dot"),
            (f"run of {RUN_LENGTH}", RUN, "dot"),
            *(
                [("hollow: not final, windows still open", DATA, "line")]
                if any(p.provisional for p in chart.points)
                else []
            ),
        ],
    )
    return d


def run_chart_drawing(summary: QiSummary, width: float = WIDTH, height: float = 220) -> Drawing:
    """The compliance run chart: full compliance % per period, the median, runs of 8 in orange."""
    d = Drawing(width, height)
    chart = summary.run_chart
    if not chart.points or chart.median is None:
        d.add(
            _text(
                width / 2,
                height / 2,
                "No procedure with checklist answers yet.",
                10,
                anchor="middle",
                color=GREY,
            )
        )
        return d
    plot = _Plot(d, 48, 34, width - 60, height - 58, 100.0, len(chart.points))
    plot.axes([0, 20, 40, 60, 80, 100], "% of procedures fully compliant", "{:g} %")
    median_y = plot.y(chart.median)
    d.add(
        Line(
            plot.left,
            median_y,
            plot.left + plot.width,
            median_y,
            strokeColor=INK,
            strokeWidth=1,
            strokeDashArray=[5, 3],
        )
    )
    d.add(_text(plot.left + plot.width, median_y + 3, f"median {chart.median:.1f} %", 7.5, anchor="end"))
    line: list[float] = []
    for i, pt in enumerate(chart.points):
        line += [plot.x(i), plot.y(pt.pct)]
    d.add(PolyLine(line, strokeColor=DATA, strokeWidth=1.4))
    for i, pt in enumerate(chart.points):
        color = RUN if pt.in_run else DATA
        d.add(
            Circle(
                plot.x(i),
                plot.y(pt.pct),
                3.4 if pt.in_run else 2.6,
                fillColor=color,
                strokeColor=colors.white,
                strokeWidth=0.6,
            )
        )
    plot.period_labels([p.period for p in chart.points], [f"n={p.scored}" for p in chart.points])
    _legend(
        d,
        plot.left,
        height - 12,
        [
            ("full compliance", DATA, "line"),
            ("median", INK, "dash"),
            (f"run of {RUN_LENGTH} on one side of the median", RUN, "dot"),
        ],
    )
    return d


def compliance_drawing(summary: QiSummary, width: float = WIDTH) -> Drawing:
    """Compliance per phase (bold) and per step as horizontal bars against the 80 % goal; bars below the
    goal in orange; each labelled with its % and yes/(yes + no)."""
    rows: list[tuple[str, float | None, str, bool]] = []
    for phase in summary.phases:
        rows.append((phase.name, phase.pct, f"{phase.yes}/{phase.yes + phase.no}", True))
        for s in summary.steps:
            if s.phase == phase.phase:
                rows.append((s.text, s.pct, f"{s.yes}/{s.yes + s.no}", False))
    row_h = 15.0
    label_w = 300.0
    height = 40 + row_h * len(rows)
    d = Drawing(width, height)
    left, bar_w = label_w + 8, width - label_w - 80
    top = height - 24

    def x(pct: float) -> float:
        return left + pct / 100 * bar_w

    for t in range(0, 101, 20):
        d.add(Line(x(t), 14, x(t), top + 4, strokeColor=LIGHT, strokeWidth=0.5))
        d.add(_text(x(t), 4, f"{t} %", 7.5, anchor="middle", color=GREY))
    for i, (label, pct, counts, is_phase) in enumerate(rows):
        y = top - (i + 1) * row_h + 4
        indent = 0 if is_phase else 10
        d.add(_text(indent, y + 2, _fit(label, 8, label_w - indent), 8, bold=is_phase))
        if pct is None:
            d.add(_text(left + 2, y + 2, "no yes/no answers yet", 7.5, color=GREY))
            continue
        color = DATA if pct >= COMPLIANCE_GOAL_PCT else BELOW_GOAL
        bar = Rect(left, y, max(pct / 100 * bar_w, 0.5), row_h - 5)
        bar.fillColor, bar.strokeColor = color, None  # set after: the stubs type Rect's keywords wrongly
        d.add(bar)
        d.add(_text(x(pct) + 4, y + 2, f"{format_pct(pct)}  ({counts})", 7.5, bold=is_phase))
    d.add(
        Line(
            x(COMPLIANCE_GOAL_PCT),
            14,
            x(COMPLIANCE_GOAL_PCT),
            top + 4,
            strokeColor=GOAL,
            strokeWidth=1.4,
            strokeDashArray=[4, 2],
        )
    )
    d.add(
        _text(
            x(COMPLIANCE_GOAL_PCT),
            top + 8,
            f"goal {COMPLIANCE_GOAL_PCT} %",
            8,
            anchor="middle",
            color=GOAL,
            bold=True,
        )
    )
    return d


# --------------------------------------------------------------------------------------------------
# The document
# --------------------------------------------------------------------------------------------------


def _table(
    data: Sequence[list[str | Paragraph]], widths: Sequence[float], *, numeric_from: int = 99
) -> Table:
    table = Table(data, colWidths=list(widths), repeatRows=1)
    table.hAlign = "LEFT"
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 8),
                ("FONT", (0, 0), (-1, 0), FONT_BOLD, 8),
                ("BACKGROUND", (0, 0), (-1, 0), LIGHT),
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, GREY),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (numeric_from, 1), (-1, -1), "RIGHT"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def _key_figures(summary: QiSummary) -> Table:
    ssi = summary.ssi
    cells = [
        ("Procedures", str(summary.procedures)),
        ("Full compliance", format_pct(summary.full.pct)),
        ("90-day infection rate", f"{format_pct(ssi.pct)}  ({ssi.count} of {ssi.eligible})"),
        ("Still in their 90-day window", str(ssi.open_windows)),
        ("Infections in open windows", str(len(ssi.open_window_infections))),
    ]
    label = _style("kf-label", 9, color=GREY, after=0)
    value = _style("kf-value", 17, bold=True, after=0)
    table = Table(
        [[[Paragraph(a, label), Paragraph(b, value)] for a, b in cells]],
        colWidths=[WIDTH / len(cells)] * len(cells),
    )
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.5, GREY),
                ("INNERGRID", (0, 0), (-1, -1), 0.5, GREY),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
            ]
        )
    )
    return table


def build_qi_report(
    summary: QiSummary,
    *,
    clinic: str | None = None,
    confirmed: Mapping[str, bool],
    bundle_notes: str,
    chain_head: str,
    generated: datetime | None = None,
) -> bytes:
    """The report as PDF bytes. ``confirmed`` maps step code → whether a published source confirmed it."""
    _register_fonts()
    generated = generated or datetime.now().replace(second=0, microsecond=0)
    h1 = _style("h1", 17, bold=True, after=2)
    h2 = _style("h2", 12, bold=True, after=3)
    body = _style("body", 9)
    small = _style("small", 8, color=GREY)
    period_word = "quarter" if summary.period == "quarter" else "month"
    versions = ", ".join(map(str, summary.bundle_versions)) or "–"
    story: list[Flowable] = [
        Paragraph(escape(clinic), h2) if clinic else Spacer(1, 0),
        Paragraph("Pump-implant infection quality improvement", h1),
        Paragraph(
            f"As of {summary.as_of.isoformat()} · {summary.filter.describe()} · charts by {period_word} · "
            f"bundle version(s) {versions} · printed {generated.isoformat(sep=' ', timespec='minutes')}",
            small,
        ),
        Spacer(1, 4),
        _key_figures(summary),
        Spacer(1, 8),
        KeepTogether(
            [
                Paragraph(f"90-day surgical-site infections per {period_word} (p-chart)", h2),
                p_chart_drawing(summary),
                Paragraph(summary.p_chart.explanation, body),
                Paragraph(summary.ssi.explanation, body),
            ]
        ),
    ]
    if summary.ssi.open_window_infections:
        # R12 revision 2: not in the rate until the window closes, but shown at once.
        story.append(Paragraph("Infections in windows still open (not in the rate yet):", body))
        story.extend(
            Paragraph("• " + escape(open_window_infection_words(p)), body)
            for p in summary.ssi.open_window_infections
        )
    flagged = [p for p in summary.p_chart.points if p.beyond_limits or p.in_run]
    for pt in flagged[:MAX_FLAGS_LISTED]:
        story.append(Paragraph("• " + pt.explanation, body))
    if len(flagged) > MAX_FLAGS_LISTED:
        story.append(Paragraph(f"… and {len(flagged) - MAX_FLAGS_LISTED} more flagged period(s).", body))
    story += [
        CondPageBreak(280),
        KeepTogether(
            [
                Paragraph(f"Full compliance with the bundle per {period_word} (run chart)", h2),
                run_chart_drawing(summary),
                Paragraph(summary.run_chart.explanation, body),
                Paragraph(summary.full.explanation, body),
            ]
        ),
        PageBreak(),
        Paragraph(f"Compliance per phase and step, goal {COMPLIANCE_GOAL_PCT} % per step", h2),
        compliance_drawing(summary),
        Spacer(1, 6),
    ]
    rows: list[list[str | Paragraph]] = [
        ["Phase", "Step", "Source", "Yes", "No", "N/A", "Missing", "Compliance"]
    ]
    for s in summary.steps:
        rows.append(
            [
                PHASES[s.phase],
                Paragraph(f"{s.text} <font color='#666666'>({s.code})</font>", _style("cell", 8, after=0)),
                "confirmed" if confirmed.get(s.code) else "UNCONFIRMED",
                str(s.yes),
                str(s.no),
                str(s.na),
                str(s.missing),
                format_pct(s.pct),
            ]
        )
    cell = _style("cell", 8, after=0)
    for row in rows[1:]:
        row[0] = Paragraph(str(row[0]), cell)
    story.append(_table(rows, [125, 335, 75, 35, 35, 35, 50, 65], numeric_from=3))
    story += [
        Spacer(1, 10),
        CondPageBreak(160),
        Paragraph("Infections by risk factor (eligible procedures)", h2),
    ]
    if summary.risk:
        risk_rows: list[list[str | Paragraph]] = [["Risk factor", "Group", "Eligible", "Infections", "Rate"]]
        last = ""
        for r in summary.risk:
            risk_rows.append(
                [
                    r.factor if r.factor != last else "",
                    r.group,
                    str(r.eligible),
                    str(r.ssi),
                    format_pct(r.pct),
                ]
            )
            last = r.factor
        story.append(_table(risk_rows, [200, 140, 70, 70, 70], numeric_from=2))
        story.append(Spacer(1, 3))
        story.append(
            Paragraph(
                "Groups are for display, not clinical thresholds. Small groups give unstable rates: read them as "
                "questions for the next meeting, not as findings.",
                small,
            )
        )
    else:
        story.append(Paragraph("No eligible procedure yet.", body))
    story += [
        CondPageBreak(90),  # the rules may flow onto the next page; only a lone heading is avoided
        Paragraph("How the numbers are made", h2),
        Paragraph(
            "<b>Compliance</b> (rule R11): for each step, yes ÷ (yes + no); “not applicable” is left out. Each procedure is "
            "scored against the bundle version in force on its surgery date, and only on the steps that apply to "
            "its kind ("
            + ", ".join(PROCEDURE_KINDS.values())
            + "). A procedure is <b>fully compliant</b> when every "
            "applicable step was answered yes (a step not answered counts as not done).",
            body,
        ),
        Paragraph(
            "<b>90-day infection rate</b> (rule R12): procedures with a surgical-site infection (culture-positive; or "
            "system removed for suspected infection; or wound dehiscence with exposed hardware) dated 0 to 90 days "
            "after surgery ÷ eligible procedures (90-day window closed on the as-of date, or an infection counted). "
            "Windows still open are counted apart and join the rate when they close.",
            body,
        ),
        Paragraph(
            f"<b>Charts</b> (rule R13): p-chart of the eligible procedures by surgery {period_word}; centre line = all "
            "counted infections ÷ all eligible procedures shown; limits = centre ± 3 × √(centre × (1 − centre) ÷ n), "
            f"lower limit at least 0. A point beyond its limits, or a run of {RUN_LENGTH} or more points on one "
            "side of the centre line (points on it do not count), is a signal worth a look. The run chart shows "
            "full compliance with its median and flags runs the same way.",
            body,
        ),
    ]
    if bundle_notes:
        story.append(Paragraph(f"<b>About the bundle</b>: {_escape(bundle_notes)}", body))
    buffer = io.BytesIO()

    def footer(c: Any, _doc: Any) -> None:
        c.saveState()
        c.setFont(FONT, 7.5)
        c.setFillColor(GREY)
        c.drawString(
            MARGIN,
            8 * mm,
            f"trialapp · infection QI report · as of {summary.as_of.isoformat()} · no patient identifiers · "
            f"audit chain head {chain_head}",
        )
        c.drawRightString(PAGE[0] - MARGIN, 8 * mm, f"page {c.getPageNumber()}")
        c.restoreState()

    doc = SimpleDocTemplate(
        buffer,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=14 * mm,
        title="Pump-implant infection QI report",
        author="trialapp",
        subject=f"as of {summary.as_of.isoformat()}",
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
