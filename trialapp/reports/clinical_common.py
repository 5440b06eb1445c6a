"""What the clinical summary's parts share: its input (``ClinicalReportData`` and the records the
services add to it), styles, tables and the wording of times, people and columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Final

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Table

from trialapp.domain.numbers import plain_number
from trialapp.domain.records import Assessment, Day, TrialDocument
from trialapp.domain.response import (
    day_dose,
    format_hours,
    hours_after_dose,
)
from trialapp.domain.summary import TrialSummary
from trialapp.domain.vitals import VitalBands
from trialapp.reports.layout import (
    FONT,
    INK,
    RULE,
    SHADE,
    ClinicContact,
    Paragraph,
    style,
    table_style,
)
from trialapp.reports.scripts import needs_fallback

MARGIN: Final = 14 * mm
PAIN_SCALES: Final = {"flacc": "FLACC", "wong_baker": "WB", "numeric": "NRS"}
NOT_RECORDED: Final = "—"


# ---------------------------------------------------------------------------------------------- input


@dataclass(frozen=True)
class DoubleCheck:
    """What the database keeps of one dose beyond the interchange record: the two blind entries of the
    double check (``None`` for imported doses), who made them, when it was signed, and the R8 message of
    each acknowledged warning (by code)."""

    first_dose_mcg: int | None = None
    first_concentration: int | None = None
    check_dose_mcg: int | None = None
    check_concentration: int | None = None
    entered_by: str | None = None
    checked_by: str | None = None
    signed_at: datetime | None = None
    warning_messages: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Correction:
    """An audit-trail row about this trial that carries a reason (a correction, an acknowledged warning)."""

    at_utc: str
    actor: str
    action: str
    table: str | None
    row_id: str | None
    field: str | None
    old: str | None
    new: str | None
    reason: str


@dataclass(frozen=True)
class StoredAlert:
    """A vital-sign alert raised at the bedside (R9), with its acknowledgement."""

    raised_at: datetime
    level: str
    message: str
    acknowledged_by: str | None
    acknowledged_at: datetime | None


@dataclass(frozen=True)
class ClinicalReportData:
    """Everything the clinical summary prints. The service fills it from the database."""

    trial_id: str
    state: str
    doc: TrialDocument
    summary: TrialSummary
    printed_by: str
    printed_at: datetime
    chain_head: str
    clinic: ClinicContact = field(default_factory=ClinicContact)
    double_checks: dict[tuple[int, int], DoubleCheck] = field(default_factory=dict)  # (day, dose index)
    suggested_next_doses: dict[int, int | None] = field(default_factory=dict)  # day -> stored R7 suggestion
    corrections: tuple[Correction, ...] = ()
    stored_alerts: tuple[StoredAlert, ...] = ()
    people: dict[str, str] = field(default_factory=dict)  # username or audit label -> "Full Name (role)"
    decision_signed: tuple[str, datetime] | None = None  # (signer, when) for a decision signed in the app
    vital_bands: VitalBands | None = None
    near_misses: dict[int, int] = field(default_factory=dict)  # day -> refused or discarded double checks


# --------------------------------------------------------------------------------------------- styles

BODY: Final = 8.5
SMALL: Final = 7.3


def report_styles() -> dict[str, ParagraphStyle]:
    return {
        "title": style("cl-title", 15, leading=18, bold=True, space_after=1),
        "subtitle": style("cl-subtitle", 9.5, leading=12, space_after=6),
        "h1": style("cl-h1", 11.5, leading=14, bold=True, space_before=9, space_after=4, keep_with_next=True),
        "h2": style("cl-h2", 9.5, leading=12, bold=True, space_before=6, space_after=2, keep_with_next=True),
        "body": style("cl-body", BODY, leading=11, space_after=3),
        "note": style("cl-note", SMALL, leading=9, space_before=1.5, space_after=2),
        "cell": style("cl-cell", SMALL, leading=8.8),
        "cellb": style("cl-cellb", SMALL, leading=8.8, bold=True),
        "flag": style("cl-flag", BODY, leading=11, bold=True, space_after=3),
    }


def escaped(text: object) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def value_text(value: float | None, unit: str = "") -> str:
    """A recorded value with its unit, or that it was not recorded."""
    return NOT_RECORDED if value is None else f"{plain_number(value)}{unit}"


def _grid_style(header_rows: int = 1, *, header_cols: int = 0) -> list[tuple[object, ...]]:
    commands: list[tuple[object, ...]] = [
        ("FONT", (0, 0), (-1, -1), "TrialSans", SMALL),
        ("LEADING", (0, 0), (-1, -1), 8.8),
        ("GRID", (0, 0), (-1, -1), 0.4, RULE),
        ("BOX", (0, 0), (-1, -1), 0.8, INK),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 1.6),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.2),
    ]
    if header_rows:
        commands += [
            ("BACKGROUND", (0, 0), (-1, header_rows - 1), SHADE),
            ("FONT", (0, 0), (-1, header_rows - 1), "TrialSans-Bold", SMALL),
        ]
    if header_cols:
        commands.append(("FONT", (0, header_rows), (header_cols - 1, -1), "TrialSans-Bold", SMALL))
    return commands


def grid_table(
    rows: Sequence[Sequence[object]],
    widths: Sequence[float],
    *,
    header_rows: int = 1,
    header_cols: int = 0,
    extra: Iterable[tuple[object, ...]] = (),
    repeat: bool = True,
) -> Table:
    header_style = style("cl-head", SMALL, leading=8.8, bold=True)
    # A plain cell is drawn in one font; a name in another script needs a paragraph's runs of fonts.
    cell_style = style("cl-cell-script", SMALL, leading=8.8)
    cooked = [
        [
            Paragraph(escaped(c), header_style)
            if i < header_rows and isinstance(c, str)
            else Paragraph(escaped(c), cell_style)
            if isinstance(c, str) and needs_fallback(c, FONT)
            else c
            for c in r
        ]
        for i, r in enumerate(rows)
    ]
    table = Table(
        cooked,
        colWidths=list(widths),
        repeatRows=header_rows if repeat else 0,
        hAlign="LEFT",
    )
    table.setStyle(table_style([*_grid_style(header_rows, header_cols=header_cols), *extra]))
    return table


def para(text: str, st: ParagraphStyle) -> Paragraph:
    return Paragraph(text, st)


# ------------------------------------------------------------------------------------------- helpers


def clock_text(at: datetime) -> str:
    return at.strftime("%H:%M")


def stamp_text(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M")


def day_words(day: date) -> str:
    return day.strftime("%a %d %b %Y")


class People:
    """Names as the records give them, with the user's full name and role when known."""

    def __init__(self, known: dict[str, str]) -> None:
        self.known = known

    def __call__(self, who: str | None) -> str:
        if who is None or not who.strip():
            return NOT_RECORDED
        key = who.strip()
        for candidate in (key, key.lower(), key.split(":", 1)[-1].lower()):
            if candidate in self.known:
                return f"{key} — {self.known[candidate]}" if candidate != self.known[candidate] else key
        return key


def involvement(doc: TrialDocument) -> list[tuple[str, list[str]]]:
    """Each person named in the records with what they did, in first-appearance order."""
    roles: dict[str, list[str]] = {}

    def add(who: str | None, what: str) -> None:
        if who is None or not who.strip():
            return
        items = roles.setdefault(who.strip(), [])
        if what not in items:
            items.append(what)

    for day in sorted(doc.trial.days, key=lambda d: d.day):
        for a in day.assessments:
            add(a.assessor, f"assessed ({a.kind}s)")
        for dose in day.doses:
            add(dose.given_by, "gave doses")
            add(dose.checked_by, "double-checked doses")
            for w in dose.warnings_acknowledged:
                add(w.by, "acknowledged dose warnings")
        if day.plan is not None:
            for who in day.plan.decided_by:
                add(who, "agreed day plans")
    decision = doc.trial.decision
    if decision is not None:
        add(
            decision.decided_by,
            "signed the decision" if decision.outcome != "undecided" else "decision pending",
        )
    return list(roles.items())


def hours_label(day: Day, at: datetime) -> str:
    dose = day_dose(day)
    if dose is None:
        return ""
    hours = hours_after_dose(dose.given_at, at)
    if hours < 0:
        return f"{format_hours(-hours)} before"
    return f"+{format_hours(hours)}"


def column_label(day: Day, a: Assessment) -> str:
    kind = "baseline" if a.kind == "baseline" else hours_label(day, a.at) or "reassess."
    return f"{kind}<br/>{clock_text(a.at)}"
