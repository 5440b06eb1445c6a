"""The dose-response review (RULES.md R15) as a PDF for a clinic or a morbidity meeting.

The figures are those of ``trialapp review --json`` (:func:`trialapp.domain.review.compute_review`),
laid out with the shared page layout and embedded font of :mod:`trialapp.reports.layout`. Without
``identified`` the document names no trial and no patient (counts, proportions and doses only, and no free
text: a decision's rationale may name the child); with it, the pump-dose table lists each trial id with the
rationale given when the signed dose differs from R6 (the service audits such a print).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table

from trialapp.domain.review import AGE_BANDS, Review, ReviewFilter, format_proportion
from trialapp.reports.layout import SHADE, PageDecor, build_pdf, frame_width, style, table_style

_AGREEMENT_WORDS = {
    "agree": "agrees with R6",
    "within_25pct": "within 25 % of R6",
    "differ": "differs from R6 by more than 25 %",
    "no_recommendation": "R6 gave no dose",
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
        Paragraph("Dose response across trials (R15)", title),
        Paragraph(escape(f"Trials: {filter_words(filters)}. Printed {printed_at:%Y-%m-%d %H:%M}."), body),
        Paragraph(
            escape(
                f"{review.trials} trial(s) with {review.days} judged dosed day(s). Left out: "
                f"{review.provisional_days} day(s) still running (provisional) and {review.unjudged_days} "
                "dosed day(s) whose response could not be judged (R4)."
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

    story.append(Paragraph("First responsive dose (per trial)", h2))
    rows = [["First responsive dose", "Trials"]]
    rows += [
        [f"{key} mcg" if key != "none" else "no responder day", str(count)]
        for key, count in review.first_responsive_dose.items()
    ]
    story.append(_table(rows, [0.5 * width, 0.5 * width]))

    story.append(Paragraph("Significant adverse effects by dose (R5)", h2))
    rows = [["Dose", "Judged days", "With a significant adverse effect"]]
    rows += [
        [f"{a.dose_mcg} mcg", str(a.days), str(a.with_significant_ae)] for a in review.significant_ae_by_dose
    ]
    story.append(_table(rows, [0.3 * width, 0.3 * width, 0.4 * width]))

    story.append(Paragraph("Signed initial pump dose against the R6 recommendation", h2))
    rows = [["Agreement", "Trials"]]
    rows += [[_AGREEMENT_WORDS[key], str(count)] for key, count in review.pump_dose_vs_r6.items()]
    story.append(_table(rows, [0.5 * width, 0.5 * width]))
    if identified and review.pump_rows:
        story.append(Spacer(1, 3 * mm))
        rows = [["Trial", "Signed", "R6", "Agreement", "Rationale (when it differs)"]]
        for row in review.pump_rows:
            recommended = f"{row.recommended_mcg} mcg/day" if row.recommended_mcg is not None else "none"
            why = row.rationale or "" if row.agreement != "agree" else ""
            rows.append(
                [row.trial_id, f"{row.signed_mcg} mcg/day", recommended, _AGREEMENT_WORDS[row.agreement], why]
            )
        story.append(_table(rows, [0.14 * width, 0.14 * width, 0.14 * width, 0.2 * width, 0.38 * width]))

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
        header=header, footer_left=("trialapp review (RULES.md R15)",), page_words="page {page} of {pages}"
    )
    return build_pdf(
        story,
        paper=paper,
        decor=decor,
        title="Dose response across trials",
        author="trialapp",
        subject="R15 review",
    )
