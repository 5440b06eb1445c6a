"""The clinical summary filed in the chart: every record of the trial, its results and how they were reached.

Page 1: patient and trial settings, the people involved, the day-by-day results (R4), the recommended pump
dose (R6), the signed decision, and the charts. Then one section per trial day: doses with both entries of
the double check, warnings and their reasons, the MAS grid (every muscle and side at every time point),
Tardieu, range of motion, vitals, pain, sedation, function, goals, adverse events, the response with its
explanation and the day plan. Last: corrections with their reasons and vital-sign alerts.

Every page carries the patient's identifiers at the top and, at the bottom, who printed it and when, the
audit chain head (the value ``trialapp check`` prints) and "page N of M".
"""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Spacer,
)

from trialapp.domain.dose_records import (
    check_recorded_doses,
    unacknowledged_warnings,
)
from trialapp.domain.records import Dose
from trialapp.domain.rule_words import SOURCE, TRIAL_RULES
from trialapp.reports.clinical_common import (
    MARGIN,
    ClinicalReportData,
    People,
    escaped,
    grid_table,
    para,
    report_styles,
    stamp_text,
)
from trialapp.reports.clinical_common import Correction as Correction
from trialapp.reports.clinical_common import DoubleCheck as DoubleCheck
from trialapp.reports.clinical_common import StoredAlert as StoredAlert
from trialapp.reports.clinical_days import day_section
from trialapp.reports.clinical_header import (
    charts_block,
    decision_block,
    goals_block,
    patient_block,
    people_block,
    results_block,
    settings_flags,
)
from trialapp.reports.layout import (
    NAME_SLOT,
    PageDecor,
    SectionMark,
    build_pdf,
    frame_width,
)

# ------------------------------------------------------------------------------------------- closing


def _corrections_block(
    data: ClinicalReportData, st: dict[str, ParagraphStyle], width: float
) -> list[Flowable]:
    people = People(data.people)
    if not data.corrections:
        return [
            para("No record of this trial was corrected, and no audited change carries a reason.", st["body"])
        ]
    header = ["When (UTC)", "By", "Action", "Record", "Change", "Reason"]
    rows: list[Sequence[object]] = [header]
    for c in data.corrections:
        record = " ".join(x for x in (c.table or "", f"#{c.row_id}" if c.row_id else "", c.field or "") if x)
        change = ""
        if c.old is not None or c.new is not None:
            change = f"{c.old if c.old is not None else '—'} → {c.new if c.new is not None else '—'}"
        rows.append(
            [
                para(escaped(c.at_utc[:16].replace("T", " ")), st["cell"]),
                para(escaped(people(c.actor)), st["cell"]),
                para(escaped(c.action.replace("_", " ")), st["cell"]),
                para(escaped(record), st["cell"]),
                para(escaped(change[:300]), st["cell"]),
                para(escaped(c.reason), st["cell"]),
            ]
        )
    widths = [0.12, 0.16, 0.11, 0.15, 0.22, 0.24]
    return [grid_table(rows, [width * w for w in widths])]


def _methods_block(st: dict[str, ParagraphStyle]) -> list[Flowable]:
    """The rules behind the figures, in words, with their numbers for whoever checks them (the pages above name
    the figures only, as the screens do)."""
    out: list[Flowable] = [para("How these figures are worked out", st["h1"])]
    out += [
        para(f"<b>{rule.name}</b> — {escaped(rule.words)} (rule {number}).", st["note"])
        for number, rule in TRIAL_RULES.items()
    ]
    out.append(
        para(
            f"The rules are those of the trial protocol ({SOURCE}).",
            st["note"],
        )
    )
    return out


def _alerts_block(data: ClinicalReportData, st: dict[str, ParagraphStyle], width: float) -> list[Flowable]:
    people = People(data.people)
    if not data.stored_alerts:
        return [para("No vital-sign alert was raised at the bedside for this trial.", st["body"])]
    header = ["Raised", "Level", "Alert", "Acknowledged"]
    rows: list[Sequence[object]] = [header]
    for a in data.stored_alerts:
        ack = (
            f"{people(a.acknowledged_by)} at {stamp_text(a.acknowledged_at)}"
            if a.acknowledged_at is not None
            else "NOT ACKNOWLEDGED"
        )
        rows.append(
            [
                stamp_text(a.raised_at),
                a.level,
                para(escaped(a.message), st["cell"]),
                para(escaped(ack), st["cell"]),
            ]
        )
    return [grid_table(rows, [width * 0.14, width * 0.08, width * 0.53, width * 0.25])]


def _unacknowledged(data: ClinicalReportData) -> dict[tuple[int, int], list[tuple[str, str]]]:
    """R8 warnings of each recorded dose that carry no acknowledgement, by (day, dose index)."""
    out: dict[tuple[int, int], list[tuple[str, str]]] = {}
    days = {d.day: d for d in data.doc.trial.days}
    for checked in check_recorded_doses(data.doc.trial, data.doc.patient.birth_date):
        dose: Dose = days[checked.day].doses[checked.index]
        missing = unacknowledged_warnings(checked.result, dose.warnings_acknowledged)
        if missing:
            out[(checked.day, checked.index)] = [(w.code, w.message) for w in missing]
    return out


def clinical_story(data: ClinicalReportData, paper: str) -> list[Flowable]:
    """The clinical summary's flowables (exposed for tests and previews)."""
    st = report_styles()
    width = frame_width(paper, MARGIN)
    doc = data.doc
    story: list[Flowable] = []
    clinic = data.clinic.clinic_name
    story.append(para("Intrathecal baclofen trial — clinical summary", st["title"]))
    story.append(para(escaped(clinic) if clinic else "Clinic name not set", st["subtitle"]))
    story += patient_block(data, st, width)
    story.append(para("People involved", st["h1"]))
    story += people_block(data, st, width)
    story.append(para("Results by day", st["h1"]))
    story += results_block(data, st, width)
    story.append(Spacer(1, 5))
    story += decision_block(data, st, width)
    story += settings_flags(data, st)
    story.append(KeepTogether([para("Charts", st["h1"]), *charts_block(data, st, width)]))
    story.append(
        KeepTogether([para("Goals agreed with the family", st["h1"]), *goals_block(data, st, width)])
    )
    checks = _unacknowledged(data)
    responses = {r.day: r for r in data.summary.days}
    for day in sorted(doc.trial.days, key=lambda d: d.day):
        story += day_section(data, day, responses.get(day.day), st, width, checks)
    story.append(CondPageBreak(60 * mm))
    story.append(SectionMark("Audit trail and alerts", heads_page=False))
    story.append(para("Corrections and reasons (audit trail)", st["h1"]))
    story += _corrections_block(data, st, width)
    story.append(para("Vital-sign alerts raised at the bedside", st["h1"]))
    story += _alerts_block(data, st, width)
    story += _methods_block(st)
    return story


def build_clinical_pdf(data: ClinicalReportData, *, paper: str = "A4") -> bytes:
    """The clinical summary as PDF bytes on A4 or US Letter."""
    pt = data.doc.patient
    name = " ".join(x for x in (pt.given_name, pt.family_name) if x) or "(no name)"
    # The name alone is shortened to fit the running header; the identifiers after it are never cut.
    header = f"{NAME_SLOT} · MRN {pt.mrn} · born {pt.birth_date.isoformat()} · ITB trial {data.trial_id} · clinical summary"
    printed = data.printed_at.strftime("%Y-%m-%d %H:%M %z").strip()
    if len(printed) > 16 and printed[-5] in "+-":
        printed = f"{printed[:-2]}:{printed[-2:]}"  # +0100 → +01:00
    decor = PageDecor(
        header=header,
        name=name,
        footer_left=(f"Printed by {data.printed_by}, at {printed}", f"Audit chain head: {data.chain_head}"),
        page_words="page {page} of {pages}",
        font_size=7.5,
    )
    return build_pdf(
        clinical_story(data, paper),
        paper=paper,
        decor=decor,
        title=f"ITB trial {data.trial_id}: clinical summary",
        author=data.clinic.clinic_name or "trialapp",
        subject="Intrathecal baclofen trial — clinical summary",
        margin=MARGIN,
        top_extra=2,
        bottom_extra=8,
    )


__all__ = [
    "ClinicalReportData",
    "Correction",
    "DoubleCheck",
    "StoredAlert",
    "build_clinical_pdf",
    "clinical_story",
]
