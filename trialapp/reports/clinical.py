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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Final

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
)

from trialapp.domain.chart_series import MUSCLE_SHORT_LABELS, dose_response_chart, tone_chart
from trialapp.domain.dosing import (
    check_recorded_doses,
    describe_age,
    format_concentration,
    format_dose,
    format_volume,
    ladder_steps,
    suggest_next_dose,
    unacknowledged_warnings,
)
from trialapp.domain.muscles import (
    ALL_MUSCLES,
    MUSCLE_LABELS,
    REGION_LABELS,
    SIDES,
    is_rom_abnormal,
    rom_measure,
)
from trialapp.domain.numbers import plain_number
from trialapp.domain.records import Assessment, Day, Dose, TrialDocument
from trialapp.domain.response import (
    DayResponse,
    day_baseline,
    day_dose,
    describe_adverse_event,
    format_hours,
    format_score,
    hours_after_dose,
    is_significant,
)
from trialapp.domain.scales import MAS_CODING_LABELS
from trialapp.domain.summary import TrialSummary
from trialapp.domain.vitals import VitalBands, alerts_for_assessment, load_default_bands
from trialapp.reports import pdf_charts
from trialapp.reports.layout import (
    INK,
    RULE,
    SHADE,
    ClinicContact,
    PageDecor,
    SectionMark,
    build_pdf,
    frame_width,
    style,
    table_style,
)

_MARGIN: Final = 14 * mm
_PAIN_SCALES: Final = {"flacc": "FLACC", "wong_baker": "WB", "numeric": "NRS"}
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


# --------------------------------------------------------------------------------------------- styles

BODY: Final = 8.5
SMALL: Final = 7.3


def _styles() -> dict[str, ParagraphStyle]:
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


def _esc(text: object) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _num(value: float | None, unit: str = "") -> str:
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


def _table(
    rows: Sequence[Sequence[object]],
    widths: Sequence[float],
    *,
    header_rows: int = 1,
    header_cols: int = 0,
    extra: Iterable[tuple[object, ...]] = (),
    repeat: bool = True,
) -> Table:
    header_style = style("cl-head", SMALL, leading=8.8, bold=True)
    cooked = [
        [Paragraph(_esc(c), header_style) if i < header_rows and isinstance(c, str) else c for c in r]
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


def _p(text: str, st: ParagraphStyle) -> Paragraph:
    return Paragraph(text, st)


# ------------------------------------------------------------------------------------------- helpers


def _clock(at: datetime) -> str:
    return at.strftime("%H:%M")


def _stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M")


def _day_words(day: date) -> str:
    return day.strftime("%a %d %b %Y")


class _People:
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


def _involvement(doc: TrialDocument) -> list[tuple[str, list[str]]]:
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


def _hours_label(day: Day, at: datetime) -> str:
    dose = day_dose(day)
    if dose is None:
        return ""
    hours = hours_after_dose(dose.given_at, at)
    if hours < 0:
        return f"{format_hours(-hours)} before"
    return f"+{format_hours(hours)}"


def _column_label(day: Day, a: Assessment) -> str:
    kind = "baseline" if a.kind == "baseline" else _hours_label(day, a.at) or "reassess."
    return f"{kind}<br/>{_clock(a.at)}"


# -------------------------------------------------------------------------------------------- header


def _patient_block(data: ClinicalReportData, st: dict[str, ParagraphStyle], width: float) -> list[Flowable]:
    doc = data.doc
    pt, trial = doc.patient, doc.trial
    s = trial.settings
    name = " ".join(x for x in (pt.given_name, pt.family_name) if x) or "(no name recorded)"
    age = describe_age(pt.birth_date, trial.started_on)
    try:
        ladder = f"{s.ladder.replace('_', ' ')}: " + " → ".join(
            format_dose(x) for x in ladder_steps(s.ladder)
        )
    except ValueError:
        ladder = s.ladder
    allergies = ", ".join(pt.allergies) if pt.allergies else "none recorded"
    weight = (
        " / ".join(
            x
            for x in (
                _num(pt.weight_kg, " kg") if pt.weight_kg else "",
                _num(pt.height_cm, " cm") if pt.height_cm else "",
            )
            if x
        )
        or NOT_RECORDED
    )
    cat = trial.catheter
    catheter = f"{cat.method.replace('_', ' ')}, placed {_stamp(cat.placed_at)}" + (
        f", {cat.level}" if cat.level else ""
    )
    schedule = (
        ", ".join(_num(h) for h in s.schedule_hours)
        + f" h after each dose (late after {s.late_after_minutes} min)"
    )
    cell, bold = st["cell"], st["cellb"]
    pairs = [
        ("Patient", name, "Trial", data.trial_id + f" ({data.state})"),
        ("MRN", pt.mrn, "Started", trial.started_on.isoformat() + f"; {len(trial.days)} day(s) recorded"),
        ("Birth date", f"{pt.birth_date.isoformat()} (age {age} at the start)", "Mode", s.mode),
        ("Sex", pt.sex or NOT_RECORDED, "Dose ladder", ladder),
        ("Weight / height", weight, "Protocol maximum", format_dose(s.max_dose_mcg)),
        (
            "GMFCS level",
            _num(pt.gmfcs_level) if pt.gmfcs_level else NOT_RECORDED,
            "MAS coding",
            MAS_CODING_LABELS.get(s.mas_coding, s.mas_coding),
        ),
        ("Diagnosis", pt.diagnosis or NOT_RECORDED, "Region judged", REGION_LABELS.get(s.region, s.region)),
        (
            "Tone pattern",
            pt.tone_pattern or NOT_RECORDED,
            "Response threshold",
            f"peak reduction ≥ {format_score(s.threshold)} (R4)",
        ),
        ("Allergies", allergies, "Reassessments", schedule),
        (
            "Family language",
            {"en": "English", "es": "Spanish"}.get(pt.language or "", pt.language or NOT_RECORDED),
            "Catheter",
            catheter,
        ),
    ]
    rows = [
        [_p(_esc(a), bold), _p(_esc(b), cell), _p(_esc(c), bold), _p(_esc(d), cell)] for a, b, c, d in pairs
    ]
    extra: list[tuple[object, ...]] = [
        ("BACKGROUND", (0, 0), (0, -1), SHADE),
        ("BACKGROUND", (2, 0), (2, -1), SHADE),
    ]
    if pt.allergies:
        extra.append(("BOX", (1, 8), (1, 8), 1.4, INK))
    table = _table(rows, [width * 0.14, width * 0.33, width * 0.15, width * 0.38], header_rows=0, extra=extra)
    return [table]


def _people_block(data: ClinicalReportData, st: dict[str, ParagraphStyle], width: float) -> list[Flowable]:
    people = _People(data.people)
    involved = _involvement(data.doc)
    if not involved:
        return [_p("No clinician is named in the records.", st["body"])]
    rows: list[list[object]] = [["Person", "Involvement"]]
    rows += [
        [_p(_esc(people(who)), st["cell"]), _p(_esc("; ".join(what)), st["cell"])] for who, what in involved
    ]
    return [_table(rows, [width * 0.45, width * 0.55])]


def _results_block(data: ClinicalReportData, st: dict[str, ParagraphStyle], width: float) -> list[Flowable]:
    summary = data.summary
    plans = {d.day: d.plan for d in data.doc.trial.days}
    header = [
        "Day",
        "Dose",
        "Responder (R4)",
        "Peak reduction",
        "Effect lasted to",
        "> 8 h",
        "Significant AE (R5)",
        "Next dose agreed",
    ]
    rows: list[Sequence[object]] = [header]
    extra: list[tuple[object, ...]] = []
    for i, d in enumerate(summary.days, start=1):
        responder = {True: "yes", False: "no", None: "not judged"}[d.responder]
        peak = (
            f"{format_score(d.peak_reduction)} at {format_hours(d.peak_hours)}"
            if d.peak_reduction is not None and d.peak_hours is not None
            else NOT_RECORDED
        )
        effect = NOT_RECORDED
        if d.effect_hours is not None:
            effect = format_hours(d.effect_hours) + (
                " or later (still present at the last reassessment)" if d.effect_censored else ""
            )
        plan = plans.get(d.day)
        next_dose = (
            format_dose(plan.next_dose_mcg)
            if plan is not None and plan.next_dose_mcg is not None
            else NOT_RECORDED
        )
        rows.append(
            [
                str(d.day),
                format_dose(d.dose_mcg) if d.dose_mcg is not None else "no dose",
                responder,
                peak,
                _p(_esc(effect), st["cell"]),
                "yes" if d.effect_over_8h else "no",
                "yes" if d.significant_adverse_effect else "no",
                next_dose,
            ]
        )
        if d.responder:
            extra.append(("FONT", (2, i), (2, i), "TrialSans-Bold", SMALL))
        if d.significant_adverse_effect:
            extra.append(("FONT", (6, i), (6, i), "TrialSans-Bold", SMALL))
    widths = [0.06, 0.09, 0.12, 0.13, 0.24, 0.06, 0.13, 0.17]
    out: list[Flowable] = [_table(rows, [width * w for w in widths], extra=extra)]

    rec = summary.recommendation
    if rec.recommended_daily_dose_mcg is not None:
        head = f"<b>Recommended initial pump dose (R6): {rec.recommended_daily_dose_mcg} mcg/day</b> — basis: {_esc(rec.basis)}."
    elif rec.note is not None:
        head = f"<b>Recommended initial pump dose (R6): none</b> — {_esc(rec.note)}."
    else:
        head = "<b>Recommended initial pump dose (R6): none.</b>"
    out += [Spacer(1, 4), _p(head, st["body"]), _p(_esc(rec.explanation), st["note"])]
    out.append(
        _p(
            f"<b>Next-dose suggestion (R7) after the last dosed day:</b> {_esc(summary.next_dose_message)}",
            st["note"],
        )
    )
    return out


def _decision_block(data: ClinicalReportData, st: dict[str, ParagraphStyle], width: float) -> list[Flowable]:
    decision = data.doc.trial.decision
    people = _People(data.people)
    if decision is None or decision.outcome == "undecided":
        text = [
            _p("<b>Candidacy decision: no decision yet.</b>", st["flag"]),
            _p("The neurosurgeon has not signed a candidacy decision for this trial.", st["body"]),
        ]
        if decision is not None and decision.rationale:
            text.append(_p(f"Note: {_esc(decision.rationale)}", st["body"]))
    else:
        outcome = {"candidate": "CANDIDATE for an implanted pump", "not_candidate": "NOT a candidate"}[
            decision.outcome
        ]
        text = [_p(f"<b>Candidacy decision: {outcome}</b>", st["flag"])]
        who = people(decision.decided_by)
        when = _stamp(decision.decided_at) if decision.decided_at else "time not recorded"
        text.append(_p(f"Decided by {_esc(who)}, {when}.", st["body"]))
        if data.decision_signed is not None:
            signer, at = data.decision_signed
            text.append(_p(f"Signed in the app by {_esc(people(signer))} at {_stamp(at)}.", st["body"]))
        if decision.initial_daily_dose_mcg is not None:
            dose_line = f"Initial daily pump dose: <b>{decision.initial_daily_dose_mcg} mcg/day</b>"
            rec = data.summary.recommendation.recommended_daily_dose_mcg
            if rec is not None and rec != decision.initial_daily_dose_mcg:
                dose_line += f" (differs from the R6 recommendation of {rec} mcg/day)"
            text.append(_p(dose_line + ".", st["body"]))
        if decision.rationale:
            text.append(_p(f"Rationale: {_esc(decision.rationale)}", st["body"]))
    box = Table([[text]], colWidths=[width])
    box.setStyle(
        table_style(
            [
                ("BOX", (0, 0), (-1, -1), 1.4, INK),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return [box]


def _settings_flags(data: ClinicalReportData, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    flags = []
    if data.clinic.clinic_phone is None:
        flags.append(
            "Clinic phone not set: the family summary asks the family to get it from the care team. "
            "An admin sets it with 'trialapp settings set clinic_phone \"…\"'."
        )
    if data.clinic.emergency_number is None:
        flags.append(
            'Emergency number not set: the family summary says "call emergency services" without a number. '
            "An admin sets it with 'trialapp settings set emergency_number \"…\"'."
        )
    return [_p(f"<b>Site settings:</b> {_esc(f)}", st["note"]) for f in flags]


def _charts_block(data: ClinicalReportData, st: dict[str, ParagraphStyle], width: float) -> list[Flowable]:
    doc = data.doc
    tone = tone_chart(doc, mode="reduction")
    dose = dose_response_chart(doc)
    half = (width - 12) / 2
    left = pdf_charts.tone_over_time_chart(
        pdf_charts.tone_lines(tone),
        threshold=tone.threshold,
        width=half,
        title=f"Tone over time: reduction in mean MAS, {REGION_LABELS.get(tone.region, tone.region)}",
    )
    right = pdf_charts.dose_response_chart(dose, width=half, title="Dose response: peak reduction by dose")
    table = Table([[left, right]], colWidths=[half + 6, half + 6], hAlign="LEFT")
    table.setStyle(
        table_style(
            [
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    notes = [_p(_esc(m), st["note"]) for m in dict.fromkeys(tone.missing)]
    caption = _p(
        "Left: reduction from the day's baseline (R3) at each reassessment, positive = less tone; the dashed "
        "line is the response threshold. Right: each day's peak reduction (R4) against its dose.",
        st["note"],
    )
    return [table, caption, *notes]


def _goals_block(data: ClinicalReportData, st: dict[str, ParagraphStyle], width: float) -> list[Flowable]:
    goals = data.doc.trial.goals
    if not goals:
        return [_p("No goals were recorded before the trial.", st["body"])]
    scores: dict[str, list[str]] = {g.id: [] for g in goals}
    for day in sorted(data.doc.trial.days, key=lambda d: d.day):
        for a in sorted(day.assessments, key=lambda a: a.at):
            for s in a.goals:
                if s.id in scores:
                    where = "baseline" if a.kind == "baseline" else _hours_label(day, a.at)
                    scores[s.id].append(
                        f"D{day.day} {where}: {s.gas:+d}" if s.gas else f"D{day.day} {where}: 0"
                    )
    rows: list[list[object]] = [["Goal", "Baseline GAS", "Scores recorded (GAS −2..+2; 0 = goal reached)"]]
    for g in goals:
        rows.append(
            [
                _p(_esc(g.text), st["cell"]),
                f"{g.baseline_gas:+d}" if g.baseline_gas else ("0" if g.baseline_gas == 0 else NOT_RECORDED),
                _p(_esc("; ".join(scores[g.id]) or "not scored"), st["cell"]),
            ]
        )
    return [_table(rows, [width * 0.3, width * 0.1, width * 0.6])]


# ------------------------------------------------------------------------------------------ each day


def _dose_block(
    data: ClinicalReportData,
    day: Day,
    st: dict[str, ParagraphStyle],
    width: float,
    checks: dict[tuple[int, int], list[tuple[str, str]]],
) -> list[Flowable]:
    people = _People(data.people)
    if not day.doses:
        return [_p("No dose was given on this day.", st["body"])]
    header = [
        "Time",
        "Dose",
        "Strength",
        "Volume",
        "Via / lot",
        "Given by",
        "Checked by",
        "Blind double check",
    ]
    rows: list[Sequence[object]] = [header]
    notes: list[Flowable] = []
    for index, dose in enumerate(day.doses):
        check = data.double_checks.get((day.day, index), DoubleCheck())
        rows.append(
            [
                _clock(dose.given_at),
                format_dose(dose.dose_mcg),
                format_concentration(dose.concentration_mcg_per_ml),
                format_volume(dose.volume_ml),
                _p(
                    _esc(" / ".join(x for x in (dose.via or NOT_RECORDED, dose.lot or NOT_RECORDED))),
                    st["cell"],
                ),
                _p(_esc(people(dose.given_by)), st["cell"]),
                _p(_esc(people(dose.checked_by)), st["cell"]),
                _p(_double_check_words(check, people), st["cell"]),
            ]
        )
        for w in dose.warnings_acknowledged:
            # The R8 message is kept for doses given in the app; an imported record has only the code.
            message = check.warning_messages.get(w.code)
            what = f"{_esc(message)} ({_esc(w.code)})" if message else _esc(w.code.replace("_", " "))
            by = f" (acknowledged by {_esc(people(w.by))})" if w.by else ""
            notes.append(
                _p(
                    f"<b>Warning, {_clock(dose.given_at)} dose:</b> {what}. <b>Reason:</b> {_esc(w.reason)}{by}",
                    st["note"],
                )
            )
        for code, message in checks.get((day.day, index), []):
            notes.append(
                _p(
                    f"<b>R8 warning with no recorded acknowledgement</b> ({_esc(code)}): {_esc(message)}",
                    st["note"],
                )
            )
    widths = [0.06, 0.07, 0.09, 0.08, 0.13, 0.16, 0.17, 0.24]
    return [_table(rows, [width * w for w in widths]), *notes]


def _double_check_words(check: DoubleCheck, people: _People) -> str:
    if check.first_dose_mcg is None and check.check_dose_mcg is None:
        return "imported record: the two blind entries were not kept (given by / checked by shown)"
    first = (
        f"1st: {format_dose(check.first_dose_mcg)} at {format_concentration(check.first_concentration)}"
        if check.first_dose_mcg is not None and check.first_concentration is not None
        else "1st: —"
    )
    second = (
        f"2nd: {format_dose(check.check_dose_mcg)} at {format_concentration(check.check_concentration)}"
        if check.check_dose_mcg is not None and check.check_concentration is not None
        else "2nd: —"
    )
    match = (
        check.first_dose_mcg == check.check_dose_mcg
        and check.first_concentration == check.check_concentration
    )
    parts = [
        f"{_esc(first)} ({_esc(people(check.entered_by))})",
        f"{_esc(second)} ({_esc(people(check.checked_by))})",
        "<b>entries match</b>" if match else "<b>ENTRIES DIFFER</b>",
    ]
    if check.signed_at is not None:
        parts.append(f"signed {_stamp(check.signed_at)}")
    return "<br/>".join(parts)


def _mas_block(
    day: Day, response: DayResponse | None, st: dict[str, ParagraphStyle], width: float, coding: str
) -> list[Flowable]:
    assessments = sorted(day.assessments, key=lambda a: a.at)
    grades = []
    for a in assessments:
        g: dict[tuple[str, str], str] = {}
        for entry in a.mas:
            g[(entry.muscle, entry.side)] = entry.grade  # a muscle-side entered twice: the later entry, as R3
        grades.append(g)
    keys = [(m, s) for m in ALL_MUSCLES for s in SIDES if any((m, s) in g for g in grades)]
    unknown = sorted({k for g in grades for k in g if k[0] not in MUSCLE_LABELS})
    keys += unknown
    if not keys:
        return [_p("No MAS grades were recorded on this day.", st["body"])]
    n = len(assessments)
    label_w, side_w = 98.0, 16.0
    col_w = min(46.0, (width - label_w - side_w) / max(n, 1))
    header = ["Muscle (MAS)", "", *[_p(_column_label(day, a), st["cellb"]) for a in assessments]]
    rows: list[Sequence[object]] = [header]
    extra: list[tuple[object, ...]] = [("ALIGN", (2, 0), (-1, -1), "CENTER")]
    for muscle, side in keys:
        first_of_pair = side == "left" or (muscle, "left") not in keys
        label = MUSCLE_SHORT_LABELS.get(muscle, muscle.replace("_", " ")) if first_of_pair else ""
        rows.append([label, side[0].upper(), *[g.get((muscle, side), "·") for g in grades]])
    # R3 numbers under each reassessment: mean over the paired set and the reduction.
    changes = {c.at: c for c in (response.reassessments if response is not None else ())}
    means = ["Mean (paired)", ""]
    reductions = ["Reduction (R3)", ""]
    baseline_mean = None
    for a in assessments:
        c = changes.get(a.at)
        if c is not None and c.reduction is not None and c.post_mean is not None:
            means.append(format_score(c.post_mean))
            reductions.append(format_score(c.reduction))
            baseline_mean = c.baseline_mean if baseline_mean is None else baseline_mean
        else:
            means.append("")
            reductions.append("")
    for j, a in enumerate(assessments):
        if a.kind == "baseline" and baseline_mean is not None and _is_day_baseline(day, a):
            means[2 + j] = format_score(baseline_mean)
    rows += [means, reductions]
    last = len(rows) - 1
    extra += [
        ("LINEABOVE", (0, last - 1), (-1, last - 1), 1, INK),
        ("FONT", (0, last - 1), (-1, last), "TrialSans-Bold", SMALL),
        ("BACKGROUND", (0, last - 1), (-1, last), SHADE),
    ]
    # Muscle names span their two side rows.
    row = 1
    while row < len(keys) + 1:
        muscle = keys[row - 1][0]
        if row < len(keys) and keys[row][0] == muscle:
            extra.append(("SPAN", (0, row), (0, row + 1)))
            row += 2
        else:
            row += 1
    widths = [label_w, side_w, *[col_w] * n]
    legend = _p(
        f"Grades 0, 1, 1+, 2, 3, 4; NT = not tested; · = not recorded. Means use the trial's coding "
        f"({_esc(MAS_CODING_LABELS.get(coding, coding))}) over the muscle-sides of the judged region graded "
        "in both the baseline and that reassessment.",
        st["note"],
    )
    return [_table(rows, widths, extra=extra), legend]


def _is_day_baseline(day: Day, a: Assessment) -> bool:
    chosen = day_baseline(day)
    return chosen is not None and chosen is a


def _tardieu_block(day: Day, st: dict[str, ParagraphStyle], width: float) -> list[Flowable]:
    assessments = [a for a in sorted(day.assessments, key=lambda a: a.at) if a.tardieu]
    if not assessments:
        return []
    keys: list[tuple[str, str]] = []
    for a in assessments:
        for t in a.tardieu:
            if (t.muscle, t.side) not in keys:
                keys.append((t.muscle, t.side))
    header = ["Tardieu: R1 / R2 (°), X", "", *[_p(_column_label(day, a), st["cellb"]) for a in assessments]]
    rows: list[Sequence[object]] = [header]
    for muscle, side in keys:
        cells = []
        for a in assessments:
            found = [t for t in a.tardieu if (t.muscle, t.side) == (muscle, side)]
            if not found:
                cells.append("·")
                continue
            t = found[-1]
            cells.append(
                f"{_num(t.r1_deg)}/{_num(t.r2_deg)} X{_num(t.quality) if t.quality is not None else '—'}"
            )
        rows.append([MUSCLE_SHORT_LABELS.get(muscle, muscle), side[0].upper(), *cells])
    col_w = min(52.0, (width - 114) / len(assessments))
    return [
        _table(rows, [98, 16, *[col_w] * len(assessments)], extra=[("ALIGN", (2, 0), (-1, -1), "CENTER")])
    ]


def _rom_block(day: Day, st: dict[str, ParagraphStyle], width: float) -> list[Flowable]:
    assessments = [a for a in sorted(day.assessments, key=lambda a: a.at) if a.rom]
    if not assessments:
        return []
    keys: list[tuple[str, str]] = []
    for a in assessments:
        for r in a.rom:
            if (r.measure, r.side) not in keys:
                keys.append((r.measure, r.side))
    header = ["Range of motion (°)", "", *[_p(_column_label(day, a), st["cellb"]) for a in assessments]]
    rows: list[Sequence[object]] = [header]
    flagged = False
    for measure, side in keys:
        cells = []
        for a in assessments:
            found = [r for r in a.rom if (r.measure, r.side) == (measure, side)]
            if not found:
                cells.append("·")
                continue
            value = found[-1].deg
            try:
                abnormal = is_rom_abnormal(measure, value)
            except ValueError:
                abnormal = None
            flagged = flagged or bool(abnormal)
            cells.append(f"{_num(value)}{' *' if abnormal else ''}")
        try:
            label = rom_measure(measure).label
        except ValueError:
            label = measure
        rows.append([_p(_esc(label), st["cell"]), side[0].upper(), *cells])
    col_w = min(52.0, (width - 154) / len(assessments))
    out: list[Flowable] = [
        _table(rows, [138, 16, *[col_w] * len(assessments)], extra=[("ALIGN", (2, 0), (-1, -1), "CENTER")])
    ]
    if flagged:
        out.append(_p("* beyond the published threshold for that measure (REFERENCE.md §5).", st["note"]))
    return out


def _observations_block(
    data: ClinicalReportData, day: Day, st: dict[str, ParagraphStyle], width: float
) -> list[Flowable]:
    bands = data.vital_bands or load_default_bands()
    people = _People(data.people)
    header = [
        "Time",
        "HR",
        "RR",
        "SpO2",
        "BP",
        "Temp",
        "Pain",
        "UMSS",
        "Penn",
        "Assessor",
        "R9 vital-sign alerts",
    ]
    rows: list[Sequence[object]] = [header]
    notes: list[str] = []
    extra: list[tuple[object, ...]] = []
    for i, a in enumerate(sorted(day.assessments, key=lambda a: a.at), start=1):
        v = a.vitals
        alerts = alerts_for_assessment(a, data.doc.patient.birth_date, bands)
        alert_words = "; ".join(f"{al.level.upper()}: {al.code.replace('_', ' ')}" for al in alerts) or ""
        pain = (
            f"{a.pain.score} {_PAIN_SCALES.get(a.pain.scale, a.pain.scale)}"
            if a.pain is not None
            else NOT_RECORDED
        )
        penn = NOT_RECORDED
        if a.penn_frequency is not None:
            penn = f"{a.penn_frequency}" + (f"/{a.penn_severity}" if a.penn_severity is not None else "")
        rows.append(
            [
                _p(_column_label(day, a).replace("<br/>", " ", 1), st["cell"]),
                _num(v.hr if v else None),
                _num(v.rr if v else None),
                _num(v.spo2 if v else None, " %") if v and v.spo2 is not None else NOT_RECORDED,
                f"{_num(v.sbp)}/{_num(v.dbp)}"
                if v and (v.sbp is not None or v.dbp is not None)
                else NOT_RECORDED,
                _num(v.temp_c if v else None, " °C") if v and v.temp_c is not None else NOT_RECORDED,
                pain,
                _num(a.sedation_umss) if a.sedation_umss is not None else NOT_RECORDED,
                penn,
                _p(_esc(people(a.assessor)), st["cell"]),
                _p(_esc(alert_words), st["cellb"] if alerts else st["cell"]),
            ]
        )
        if any(al.level == "urgent" for al in alerts):
            extra.append(("BOX", (0, i), (-1, i), 1.4, INK))
        if a.notes:
            notes.append(f"{_clock(a.at)} {a.kind}: {a.notes}")
    widths = [0.13, 0.05, 0.045, 0.06, 0.075, 0.075, 0.085, 0.06, 0.06, 0.14, 0.22]
    out: list[Flowable] = [_table(rows, [width * w for w in widths], extra=extra)]
    out.append(
        _p(
            "HR, RR per min; BP mmHg; pain score with its scale (FLACC; WB = Wong-Baker faces; NRS = numeric 0–10); UMSS sedation "
            "0–4; Penn spasm frequency/severity. Alerts are R9's, recomputed from the recorded values with the "
            "site's limits for the child's age.",
            st["note"],
        )
    )
    out += [_p(f"<b>Note</b> {_esc(n)}", st["note"]) for n in notes]
    return out


def _function_block(day: Day, st: dict[str, ParagraphStyle], width: float) -> list[Flowable]:
    with_fn = [a for a in sorted(day.assessments, key=lambda a: a.at) if a.function is not None]
    if not with_fn:
        return []
    header = ["Time", "FMS 5/50/500 m", "10 m walk", "TUG", "6-min walk", "Gait notes"]
    rows: list[Sequence[object]] = [header]
    for a in with_fn:
        fn = a.function
        assert fn is not None
        fms = "/".join(x or "—" for x in (fn.fms_5m, fn.fms_50m, fn.fms_500m))
        rows.append(
            [
                _clock(a.at) + (f" ({_hours_label(day, a.at)})" if a.kind != "baseline" else " (baseline)"),
                fms,
                _num(fn.ten_m_walk_s, " s") if fn.ten_m_walk_s is not None else NOT_RECORDED,
                _num(fn.tug_s, " s") if fn.tug_s is not None else NOT_RECORDED,
                _num(fn.six_min_walk_m, " m") if fn.six_min_walk_m is not None else NOT_RECORDED,
                _p(_esc(fn.gait_notes or ""), st["cell"]),
            ]
        )
    widths = [0.14, 0.13, 0.09, 0.08, 0.1, 0.46]
    return [_table(rows, [width * w for w in widths])]


def _goal_scores_block(
    data: ClinicalReportData, day: Day, st: dict[str, ParagraphStyle], width: float
) -> list[Flowable]:
    scored = [a for a in sorted(day.assessments, key=lambda a: a.at) if a.goals]
    if not scored:
        return []
    texts = {g.id: g.text for g in data.doc.trial.goals}
    ids = list(dict.fromkeys(s.id for a in scored for s in a.goals))
    header = ["Goal (GAS)", *[_p(_column_label(day, a), st["cellb"]) for a in scored]]
    rows: list[Sequence[object]] = [header]
    for gid in ids:
        cells = []
        for a in scored:
            found = [s.gas for s in a.goals if s.id == gid]
            cells.append(f"{found[-1]:+d}" if found and found[-1] else ("0" if found else "·"))
        rows.append([_p(_esc(texts.get(gid, gid)), st["cell"]), *cells])
    col_w = min(46.0, (width * 0.55) / len(scored))
    return [
        _table(rows, [width * 0.4, *[col_w] * len(scored)], extra=[("ALIGN", (1, 0), (-1, -1), "CENTER")])
    ]


def _events_block(day: Day, st: dict[str, ParagraphStyle], width: float) -> list[Flowable]:
    if not day.adverse_events:
        return [_p("None recorded.", st["body"])]
    header = ["Time", "Event", "Severity", "R5", "Notes", "Action"]
    rows: list[Sequence[object]] = [header]
    extra: list[tuple[object, ...]] = []
    for i, e in enumerate(sorted(day.adverse_events, key=lambda e: e.at), start=1):
        significant = is_significant(e)
        rows.append(
            [
                _clock(e.at) + (f" ({_hours_label(day, e.at)})" if _hours_label(day, e.at) else ""),
                describe_adverse_event(e).split(" (")[0],
                e.severity,
                "significant" if significant else "—",
                _p(_esc(e.notes or ""), st["cell"]),
                _p(_esc(e.action or ""), st["cell"]),
            ]
        )
        if significant:
            extra.append(("FONT", (1, i), (3, i), "TrialSans-Bold", SMALL))
    widths = [0.12, 0.13, 0.1, 0.1, 0.28, 0.27]
    return [_table(rows, [width * w for w in widths], extra=extra)]


def _plan_block(
    data: ClinicalReportData, day: Day, response: DayResponse | None, st: dict[str, ParagraphStyle]
) -> list[Flowable]:
    people = _People(data.people)
    plan = day.plan
    suggestion = _suggestion_words(data, day, response)
    if plan is None:
        return [_p(f"<b>Day plan:</b> none recorded. {suggestion}", st["body"])]
    chosen = (
        f"next dose {format_dose(plan.next_dose_mcg)}"
        if plan.next_dose_mcg is not None
        else "no further dose"
    )
    parts = [f"<b>Day plan:</b> {chosen}. {suggestion}"]
    if plan.decided_by:
        parts.append(f"Decided by: {_esc(', '.join(people(x) for x in plan.decided_by))}.")
    if plan.reason:
        parts.append(f"<b>Reason:</b> {_esc(plan.reason)}")
    if plan.notes:
        parts.append(f"Notes: {_esc(plan.notes)}")
    return [_p(" ".join(parts), st["body"])]


def _suggestion_words(data: ClinicalReportData, day: Day, response: DayResponse | None) -> str:
    if day.day in data.suggested_next_doses:
        stored = data.suggested_next_doses[day.day]
        return f"R7 suggestion when the plan was recorded: {format_dose(stored) if stored is not None else 'none'}."
    if response is None or response.dose_mcg is None:
        return ""
    try:
        suggestion = suggest_next_dose(
            data.doc.trial.settings.ladder,
            response.dose_mcg,
            response.responder,
            response.significant_adverse_effect,
        )
    except ValueError:
        return ""
    return f"R7: {_esc(suggestion.message)}"


def _bold_verdict(explanation: str) -> str:
    """The R4 explanation with its verdict ("Responder", "Not a responder", "Response not judged") in bold."""
    head, sep, rest = explanation.partition(":")
    if not sep or len(head) > 40:
        return _esc(explanation)
    return f"<b>{_esc(head)}:</b>{_esc(rest)}"


def _day_section(
    data: ClinicalReportData,
    day: Day,
    response: DayResponse | None,
    st: dict[str, ParagraphStyle],
    width: float,
    checks: dict[tuple[int, int], list[tuple[str, str]]],
) -> list[Flowable]:
    dose = day_dose(day)
    dose_words = (
        f" — {format_dose(dose.dose_mcg)} at {_clock(dose.given_at)}" if dose is not None else " — no dose"
    )
    # Each day starts on its own page, so a filed day reads as one unit; each part keeps its heading and
    # its table together, so no heading is left alone at the foot of a page.
    out: list[Flowable] = [PageBreak(), SectionMark(f"Day {day.day}: {_day_words(day.date)}")]
    out.append(_p(f"Day {day.day}: {_day_words(day.date)}{dose_words}", st["h1"]))

    def part(title: str, flowables: list[Flowable]) -> None:
        if flowables:
            out.append(KeepTogether([_p(title, st["h2"]), *flowables]))

    part("Doses (R8 checks)", _dose_block(data, day, st, width, checks))
    if response is not None:
        part("Response (R4)", [_p(_bold_verdict(response.explanation), st["body"])])
    part("Modified Ashworth Scale", _mas_block(day, response, st, width, data.doc.trial.settings.mas_coding))
    extra_tables: list[Flowable] = []
    for flowable in _tardieu_block(day, st, width) + _rom_block(day, st, width):
        extra_tables += [flowable, Spacer(1, 3)]
    part("Tardieu and range of motion", extra_tables)
    part("Vital signs, pain, sedation and spasms", _observations_block(data, day, st, width))
    part("Function and gait", _function_block(day, st, width))
    part("Goal scores", _goal_scores_block(data, day, st, width))
    part(
        "Adverse events (R5)",
        [*_events_block(day, st, width), Spacer(1, 3), *_plan_block(data, day, response, st)],
    )
    return out


# ------------------------------------------------------------------------------------------- closing


def _corrections_block(
    data: ClinicalReportData, st: dict[str, ParagraphStyle], width: float
) -> list[Flowable]:
    people = _People(data.people)
    if not data.corrections:
        return [
            _p("No record of this trial was corrected, and no audited change carries a reason.", st["body"])
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
                _p(_esc(c.at_utc[:16].replace("T", " ")), st["cell"]),
                _p(_esc(people(c.actor)), st["cell"]),
                _p(_esc(c.action.replace("_", " ")), st["cell"]),
                _p(_esc(record), st["cell"]),
                _p(_esc(change[:300]), st["cell"]),
                _p(_esc(c.reason), st["cell"]),
            ]
        )
    widths = [0.12, 0.16, 0.11, 0.15, 0.22, 0.24]
    return [_table(rows, [width * w for w in widths])]


def _alerts_block(data: ClinicalReportData, st: dict[str, ParagraphStyle], width: float) -> list[Flowable]:
    people = _People(data.people)
    if not data.stored_alerts:
        return [_p("No vital-sign alert was raised at the bedside for this trial.", st["body"])]
    header = ["Raised", "Level", "Alert", "Acknowledged"]
    rows: list[Sequence[object]] = [header]
    for a in data.stored_alerts:
        ack = (
            f"{people(a.acknowledged_by)} at {_stamp(a.acknowledged_at)}"
            if a.acknowledged_at is not None
            else "NOT ACKNOWLEDGED"
        )
        rows.append(
            [_stamp(a.raised_at), a.level, _p(_esc(a.message), st["cell"]), _p(_esc(ack), st["cell"])]
        )
    return [_table(rows, [width * 0.14, width * 0.08, width * 0.53, width * 0.25])]


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
    st = _styles()
    width = frame_width(paper, _MARGIN)
    doc = data.doc
    story: list[Flowable] = []
    clinic = data.clinic.clinic_name
    story.append(_p("Intrathecal baclofen trial — clinical summary", st["title"]))
    story.append(_p(_esc(clinic) if clinic else "Clinic name not set", st["subtitle"]))
    story += _patient_block(data, st, width)
    story.append(_p("People involved", st["h1"]))
    story += _people_block(data, st, width)
    story.append(_p("Results by day", st["h1"]))
    story += _results_block(data, st, width)
    story.append(Spacer(1, 5))
    story += _decision_block(data, st, width)
    story += _settings_flags(data, st)
    story.append(KeepTogether([_p("Charts", st["h1"]), *_charts_block(data, st, width)]))
    story.append(KeepTogether([_p("Goals agreed with the family", st["h1"]), *_goals_block(data, st, width)]))
    checks = _unacknowledged(data)
    responses = {r.day: r for r in data.summary.days}
    for day in sorted(doc.trial.days, key=lambda d: d.day):
        story += _day_section(data, day, responses.get(day.day), st, width, checks)
    story.append(CondPageBreak(60 * mm))
    story.append(SectionMark("Audit trail and alerts", heads_page=False))
    story.append(_p("Corrections and reasons (audit trail)", st["h1"]))
    story += _corrections_block(data, st, width)
    story.append(_p("Vital-sign alerts raised at the bedside (R9)", st["h1"]))
    story += _alerts_block(data, st, width)
    return story


def build_clinical_pdf(data: ClinicalReportData, *, paper: str = "A4") -> bytes:
    """The clinical summary as PDF bytes on A4 or US Letter."""
    pt = data.doc.patient
    name = " ".join(x for x in (pt.given_name, pt.family_name) if x) or "(no name)"
    header = f"{name} · MRN {pt.mrn} · born {pt.birth_date.isoformat()} · ITB trial {data.trial_id} · clinical summary"
    printed = data.printed_at.strftime("%Y-%m-%d %H:%M %z").strip()
    if len(printed) > 16 and printed[-5] in "+-":
        printed = f"{printed[:-2]}:{printed[-2:]}"  # +0100 → +01:00
    decor = PageDecor(
        header=header,
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
        margin=_MARGIN,
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
