"""The dose-response review (RULES.md R15) as a PDF for a clinic or a morbidity meeting.

The figures are those of ``trialapp review --json`` (:func:`trialapp.domain.review.compute_review`),
laid out with the shared page layout and embedded font of :mod:`trialapp.reports.layout`. Without
``identified`` the document names no trial and no patient (counts, proportions and doses only, and no free
text: a decision's rationale may name the child); with it, it lists each candidate whose signed dose is not
the R6 dose, with its trial id and the rationale given (the service audits such a print).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer, Table

from trialapp.domain.review import AGE_BANDS, Review, ReviewFilter, format_proportion
from trialapp.reports.layout import (
    FONT,
    INK,
    RULE,
    SHADE,
    PageDecor,
    Paragraph,
    build_pdf,
    frame_width,
    register_fonts,
    style,
    table_style,
)

_AGREEMENT_WORDS = {
    "agree": "agrees with the recommended dose",
    "within_25pct": "within 25 % of the recommended dose",
    "differ": "differs from the recommended dose by more than 25 %",
    "no_recommendation": "no dose was recommended",
}
_OUTCOME_WORDS = {
    "candidate": "candidate",
    "not_candidate": "not a candidate",
    "undecided": "undecided",
    "none": "no decision yet",
}


def filter_words(filters: ReviewFilter | None) -> str:
    """The filters in words, for the page and the screen: ``all trials`` when none is set."""
    if filters is None:
        return "all trials"
    parts = []
    if filters.started_from or filters.started_to:
        start = filters.started_from.isoformat() if filters.started_from else "the first trial"
        end = filters.started_to.isoformat() if filters.started_to else "today"
        parts.append(f"started {start} to {end}")
    if filters.ladder:
        parts.append(f"{filters.ladder.replace('_', ' ')} ladder")
    if filters.age_band:
        parts.append(next(label for code, label, _a, _b in AGE_BANDS if code == filters.age_band))
    if filters.gmfcs_level:
        parts.append(f"GMFCS {filters.gmfcs_level}")
    if filters.region:
        parts.append(f"{filters.region} limbs" if filters.region != "all" else "all limbs")
    if filters.outcome:
        parts.append(_OUTCOME_WORDS.get(filters.outcome, filters.outcome))
    return ", ".join(parts) or "all trials"


def responders_drawing(review: Review, width: float, height: float = 150) -> Drawing:
    """Responders by dose: one grey bar per dose (the proportion), a black whisker for its 95 % Wilson
    interval, "x/n" above it; greyscale, so that it photocopies."""
    register_fonts()
    d = Drawing(width, height)
    left, bottom, top = 34.0, 18.0, height - 14
    rows = review.by_dose
    slot = (width - left) / max(len(rows), 1)

    def y(share: float) -> float:
        return bottom + share * (top - bottom)

    for pct in range(0, 101, 25):
        d.add(Line(left, y(pct / 100), width, y(pct / 100), strokeColor=SHADE, strokeWidth=0.5))
        d.add(String(left - 4, y(pct / 100) - 3, f"{pct} %", fontName=FONT, fontSize=7, textAnchor="end"))
    for i, row in enumerate(rows):
        centre = left + slot * (i + 0.5)
        bar = min(slot * 0.5, 40)
        d.add(
            Rect(
                centre - bar / 2,
                bottom,
                bar,
                max(y(row.proportion) - bottom, 0.5),
                fillColor=RULE,
                strokeColor=None,
            )
        )
        low, high = y(row.ci95[0]), y(row.ci95[1])
        d.add(Line(centre, low, centre, high, strokeColor=INK, strokeWidth=1))
        for end in (low, high):
            d.add(Line(centre - 5, end, centre + 5, end, strokeColor=INK, strokeWidth=1))
        d.add(
            String(
                centre,
                high + 3,
                f"{row.responders}/{row.days}",
                fontName=FONT,
                fontSize=7.5,
                textAnchor="middle",
            )
        )
        d.add(String(centre, 5, f"{row.dose_mcg} mcg", fontName=FONT, fontSize=8, textAnchor="middle"))
    return d


def _table(rows: Sequence[Sequence[str]], widths: Sequence[float]) -> Table:
    cell = style("review-cell", 9)
    head = style("review-head", 9, bold=True)
    data = [[Paragraph(escape(text), head if i == 0 else cell) for text in row] for i, row in enumerate(rows)]
    table = Table(data, colWidths=list(widths), repeatRows=1)
    table.setStyle(
        table_style(
            [
                ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, SHADE),
            ],
            9,
        )
    )
    return table


def build_review_pdf(
    review: Review,
    filters: ReviewFilter | None,
    *,
    identified: bool,
    printed_at: datetime,
    paper: str = "A4",
) -> bytes:
    """The review's PDF bytes (see the module notes for what ``identified`` adds)."""
    width = frame_width(paper)
    title = style("review-title", 16, bold=True, space_after=4)
    h2 = style("review-h2", 12, bold=True, space_before=10, space_after=4, keep_with_next=True)
    body = style("review-body", 10, space_after=4)
    story: list[Flowable] = [
        Paragraph("Dose response across trials", title),
        Paragraph(escape(f"Trials: {filter_words(filters)}. Printed {printed_at:%Y-%m-%d %H:%M}."), body),
        Paragraph(
            escape(
                f"{review.trials} trial(s) with {review.days} judged dosed day(s). Left out: "
                f"{review.provisional_days} day(s) still running (provisional) and {review.unjudged_days} "
                "dosed day(s) whose response could not be judged."
            ),
            body,
        ),
        Paragraph("Responders by dose", h2),
    ]
    rows = [["Dose", "Judged days", "Responders", "Proportion (95 % Wilson interval)"]]
    rows += [
        [f"{d.dose_mcg} mcg", str(d.days), str(d.responders), format_proportion(d)] for d in review.by_dose
    ]
    story.append(_table(rows, [0.15 * width, 0.17 * width, 0.17 * width, 0.51 * width]))
    if review.by_dose:
        story.append(Spacer(1, 3 * mm))
        story.append(responders_drawing(review, width))

    story.append(Paragraph("First responsive dose (per trial)", h2))
    rows = [["First responsive dose", "Trials"]]
    rows += [
        [f"{key} mcg" if key != "none" else "no responder day", str(count)]
        for key, count in review.first_responsive_dose.items()
    ]
    story.append(_table(rows, [0.5 * width, 0.5 * width]))

    story.append(Paragraph("Significant adverse effects by dose", h2))
    rows = [["Dose", "Judged days", "With a significant adverse effect"]]
    rows += [
        [f"{a.dose_mcg} mcg", str(a.days), str(a.with_significant_ae)] for a in review.significant_ae_by_dose
    ]
    story.append(_table(rows, [0.3 * width, 0.3 * width, 0.4 * width]))

    story.append(Paragraph("Signed initial pump dose against the recommended dose", h2))
    rows = [["Agreement", "Trials"]]
    rows += [[_AGREEMENT_WORDS[key], str(count)] for key, count in review.pump_dose_vs_r6.items()]
    story.append(_table(rows, [0.5 * width, 0.5 * width]))
    # Identified: the trials a meeting discusses, those whose signed dose is not R6's, with the reasons.
    discussed = [row for row in review.pump_rows if row.agreement != "agree"]
    if identified and discussed:
        story.append(Spacer(1, 3 * mm))
        story.append(
            Paragraph("Trials whose signed dose is not the recommended dose (mcg/day), with the rationale", body)
        )
        rows = [["Trial", "Signed", "Recommended", "Agreement", "Rationale"]]
        for row in discussed:
            recommended = str(row.recommended_mcg) if row.recommended_mcg is not None else "none"
            rows.append(
                [
                    row.trial_id,
                    str(row.signed_mcg),
                    recommended,
                    _AGREEMENT_WORDS[row.agreement],
                    row.rationale or "",
                ]
            )
        story.append(_table(rows, [0.13 * width, 0.11 * width, 0.2 * width, 0.22 * width, 0.34 * width]))

    story.append(Paragraph("Decisions", h2))
    rows = [["Outcome", "Trials"]]
    rows += [[_OUTCOME_WORDS[key], str(count)] for key, count in review.outcomes.items()]
    story.append(_table(rows, [0.5 * width, 0.5 * width]))

    header = (
        "Dose-response review: identified (trial ids)"
        if identified
        else "Dose-response review: no patient identifiers"
    )
    decor = PageDecor(
        header=header, footer_left=("trialapp: dose response across trials",), page_words="page {page} of {pages}"
    )
    return build_pdf(
        story,
        paper=paper,
        decor=decor,
        title="Dose response across trials",
        author="trialapp",
        subject="Dose-response review",
    )
