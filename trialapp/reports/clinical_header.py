"""The first page of the clinical summary: patient and settings, the people involved, the day-by-day
results (R4), the recommended dose (R6), the decision, the charts and the goals.
"""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import (
    Flowable,
    Spacer,
    Table,
)

from trialapp.domain.chart_series import dose_response_chart, tone_chart
from trialapp.domain.dosing import (
    describe_age,
    format_dose,
    ladder_steps,
)
from trialapp.domain.muscles import (
    REGION_LABELS,
)
from trialapp.domain.response import (
    format_hours,
    format_score,
)
from trialapp.domain.scales import MAS_CODING_LABELS
from trialapp.reports import pdf_charts
from trialapp.reports.clinical_common import (
    NOT_RECORDED,
    SMALL,
    ClinicalReportData,
    People,
    escaped,
    grid_table,
    hours_label,
    involvement,
    para,
    stamp_text,
    value_text,
)
from trialapp.reports.layout import (
    INK,
    SHADE,
    table_style,
)

# -------------------------------------------------------------------------------------------- header


def patient_block(data: ClinicalReportData, st: dict[str, ParagraphStyle], width: float) -> list[Flowable]:
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
                value_text(pt.weight_kg, " kg") if pt.weight_kg else "",
                value_text(pt.height_cm, " cm") if pt.height_cm else "",
            )
            if x
        )
        or NOT_RECORDED
    )
    cat = trial.catheter
    catheter = f"{cat.method.replace('_', ' ')}, placed {stamp_text(cat.placed_at)}" + (
        f", {cat.level}" if cat.level else ""
    )
    schedule = (
        ", ".join(value_text(h) for h in s.schedule_hours)
        + f" h after each dose (early or late when more than {s.late_after_minutes} min from the slot)"
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
            value_text(pt.gmfcs_level) if pt.gmfcs_level else NOT_RECORDED,
            "MAS coding",
            MAS_CODING_LABELS.get(s.mas_coding, s.mas_coding),
        ),
        ("Diagnosis", pt.diagnosis or NOT_RECORDED, "Region judged", REGION_LABELS.get(s.region, s.region)),
        (
            "Tone pattern",
            pt.tone_pattern or NOT_RECORDED,
            "Response threshold",
            f"peak reduction ≥ {format_score(s.threshold)}",
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
        [para(escaped(a), bold), para(escaped(b), cell), para(escaped(c), bold), para(escaped(d), cell)]
        for a, b, c, d in pairs
    ]
    extra: list[tuple[object, ...]] = [
        ("BACKGROUND", (0, 0), (0, -1), SHADE),
        ("BACKGROUND", (2, 0), (2, -1), SHADE),
    ]
    if pt.allergies:
        extra.append(("BOX", (1, 8), (1, 8), 1.4, INK))
    table = grid_table(
        rows, [width * 0.14, width * 0.33, width * 0.15, width * 0.38], header_rows=0, extra=extra
    )
    return [table]


def people_block(data: ClinicalReportData, st: dict[str, ParagraphStyle], width: float) -> list[Flowable]:
    people = People(data.people)
    involved = involvement(data.doc)
    if not involved:
        return [para("No clinician is named in the records.", st["body"])]
    rows: list[list[object]] = [["Person", "Involvement"]]
    rows += [
        [para(escaped(people(who)), st["cell"]), para(escaped("; ".join(what)), st["cell"])]
        for who, what in involved
    ]
    return [grid_table(rows, [width * 0.45, width * 0.55])]


def results_block(data: ClinicalReportData, st: dict[str, ParagraphStyle], width: float) -> list[Flowable]:
    summary = data.summary
    plans = {d.day: d.plan for d in data.doc.trial.days}
    header = [
        "Day",
        "Dose",
        "Responder",
        "Peak reduction",
        "Effect lasted to",
        "> 8 h",
        "Significant AE",
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
        if d.provisional:
            # The day is still running: its figures are "so far", never "no" (RULES.md).
            responder = "yes so far" if d.responder else "results not in yet"
            peak = peak if peak == NOT_RECORDED else f"{peak} so far"
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
                para(escaped(effect), st["cell"]),
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
    out: list[Flowable] = [grid_table(rows, [width * w for w in widths], extra=extra)]

    rec = summary.recommendation
    if rec.recommended_daily_dose_mcg is not None:
        head = f"<b>Recommended initial pump dose: {rec.recommended_daily_dose_mcg} mcg/day</b> — basis: {escaped(rec.basis)}."
    elif rec.note is not None:
        head = f"<b>Recommended initial pump dose: none</b> — {escaped(rec.note)}."
    else:
        head = "<b>Recommended initial pump dose: none.</b>"
    out += [Spacer(1, 4), para(head, st["body"]), para(escaped(rec.explanation), st["note"])]
    out.append(
        para(
            f"<b>Next-dose suggestion after the last dosed day:</b> {escaped(summary.next_dose_message)}",
            st["note"],
        )
    )
    return out


def _lines(text: str) -> str:
    """Escaped, its line breaks kept: the R14 warnings and their reasons follow the rationale line by line."""
    return "<br/>".join(escaped(line) for line in text.splitlines())


def decision_block(data: ClinicalReportData, st: dict[str, ParagraphStyle], width: float) -> list[Flowable]:
    decision = data.doc.trial.decision
    people = People(data.people)
    if decision is None or decision.outcome == "undecided":
        text = [
            para("<b>Candidacy decision: no decision yet.</b>", st["flag"]),
            para("The neurosurgeon has not signed a candidacy decision for this trial.", st["body"]),
        ]
        if decision is not None and decision.rationale:
            text.append(para(f"Note: {_lines(decision.rationale)}", st["body"]))
    else:
        outcome = {"candidate": "CANDIDATE for an implanted pump", "not_candidate": "NOT a candidate"}[
            decision.outcome
        ]
        text = [para(f"<b>Candidacy decision: {outcome}</b>", st["flag"])]
        who = people(decision.decided_by)
        when = stamp_text(decision.decided_at) if decision.decided_at else "time not recorded"
        text.append(para(f"Decided by {escaped(who)}, {when}.", st["body"]))
        if data.decision_signed is not None:
            signer, at = data.decision_signed
            text.append(
                para(f"Signed in the app by {escaped(people(signer))} at {stamp_text(at)}.", st["body"])
            )
        if decision.initial_daily_dose_mcg is not None:
            dose_line = f"Initial daily pump dose: <b>{decision.initial_daily_dose_mcg} mcg/day</b>"
            rec = data.summary.recommendation.recommended_daily_dose_mcg
            if rec is not None and rec != decision.initial_daily_dose_mcg:
                dose_line += f" (differs from the R6 recommendation of {rec} mcg/day)"
            text.append(para(dose_line + ".", st["body"]))
        if decision.rationale:
            text.append(para(f"Rationale: {_lines(decision.rationale)}", st["body"]))
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


def settings_flags(data: ClinicalReportData, st: dict[str, ParagraphStyle]) -> list[Flowable]:
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
    return [para(f"<b>Site settings:</b> {escaped(f)}", st["note"]) for f in flags]


def charts_block(data: ClinicalReportData, st: dict[str, ParagraphStyle], width: float) -> list[Flowable]:
    doc = data.doc
    tone = tone_chart(doc, mode="reduction")
    dose = dose_response_chart(doc)
    half = (width - 12) / 2
    left = pdf_charts.tone_over_time_chart(
        pdf_charts.tone_lines(tone),
        threshold=tone.threshold,
        width=half,
        title=f"Tone over time: reduction in mean MAS, {REGION_LABELS.get(tone.region, tone.region)}",
        empty=tone.headline,  # why nothing is drawn: all NT, no baseline, no reassessment yet
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
    notes = [para(escaped(m), st["note"]) for m in dict.fromkeys(tone.missing)]
    caption = para(
        "Left: reduction in MAS from the day's baseline at each reassessment, positive = less tone; the dashed "
        "line is the response threshold. Right: each day's peak reduction against its dose; filled "
        "marker: responder day, hollow: not a responder.",
        st["note"],
    )
    return [table, caption, *notes]


def goals_block(data: ClinicalReportData, st: dict[str, ParagraphStyle], width: float) -> list[Flowable]:
    goals = data.doc.trial.goals
    if not goals:
        return [para("No goals were recorded before the trial.", st["body"])]
    scores: dict[str, list[str]] = {g.id: [] for g in goals}
    for day in sorted(data.doc.trial.days, key=lambda d: d.day):
        for a in sorted(day.assessments, key=lambda a: a.at):
            for s in a.goals:
                if s.id in scores:
                    where = "baseline" if a.kind == "baseline" else hours_label(day, a.at)
                    scores[s.id].append(
                        f"D{day.day} {where}: {s.gas:+d}" if s.gas else f"D{day.day} {where}: 0"
                    )
    rows: list[list[object]] = [["Goal", "Baseline GAS", "Scores recorded (GAS −2..+2; 0 = goal reached)"]]
    for g in goals:
        rows.append(
            [
                para(escaped(g.text), st["cell"]),
                f"{g.baseline_gas:+d}" if g.baseline_gas else ("0" if g.baseline_gas == 0 else NOT_RECORDED),
                para(escaped("; ".join(scores[g.id]) or "not scored"), st["cell"]),
            ]
        )
    return [grid_table(rows, [width * 0.3, width * 0.1, width * 0.6])]
