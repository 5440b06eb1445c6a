"""One section of the clinical summary per trial day: doses with both entries of the double check, the
MAS grid, Tardieu, range of motion, observations, function, goals, adverse events, the response and the
day plan.
"""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Spacer,
)

from trialapp.domain.chart_series import MUSCLE_SHORT_LABELS
from trialapp.domain.dosing import (
    format_concentration,
    format_dose,
    format_volume,
    suggest_next_dose,
)
from trialapp.domain.muscles import (
    ALL_MUSCLES,
    MUSCLE_LABELS,
    SIDES,
    is_rom_abnormal,
    rom_measure,
)
from trialapp.domain.records import Assessment, Day
from trialapp.domain.response import (
    DayResponse,
    day_baseline,
    day_dose,
    describe_adverse_event,
    format_score,
    r5_mark,
)
from trialapp.domain.scales import MAS_CODING_LABELS
from trialapp.domain.vitals import alerts_for_assessment, load_default_bands
from trialapp.reports.clinical_common import (
    NOT_RECORDED,
    PAIN_SCALES,
    SMALL,
    ClinicalReportData,
    DoubleCheck,
    People,
    clock_text,
    column_label,
    day_words,
    escaped,
    grid_table,
    hours_label,
    para,
    stamp_text,
    value_text,
)
from trialapp.reports.layout import (
    INK,
    SHADE,
    SectionMark,
)

# ------------------------------------------------------------------------------------------ each day


def _dose_block(
    data: ClinicalReportData,
    day: Day,
    st: dict[str, ParagraphStyle],
    width: float,
    checks: dict[tuple[int, int], list[tuple[str, str]]],
) -> list[Flowable]:
    people = People(data.people)
    # R8 revision 2: refused and discarded blind checks of the day, counted even when no dose was given.
    near_misses = para(
        f"Near misses caught by the double check: {data.near_misses.get(day.day, 0)}", st["body"]
    )
    if not day.doses:
        return [para("No dose was given on this day.", st["body"]), near_misses]
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
                clock_text(dose.given_at),
                format_dose(dose.dose_mcg),
                format_concentration(dose.concentration_mcg_per_ml),
                format_volume(dose.volume_ml),
                para(
                    escaped(" / ".join(x for x in (dose.via or NOT_RECORDED, dose.lot or NOT_RECORDED))),
                    st["cell"],
                ),
                para(escaped(people(dose.given_by)), st["cell"]),
                para(escaped(people(dose.checked_by)), st["cell"]),
                para(_double_check_words(check, people), st["cell"]),
            ]
        )
        for w in dose.warnings_acknowledged:
            # The dose check's message is kept for doses given in the app; an imported record has only the code.
            message = check.warning_messages.get(w.code)
            what = escaped(message) if message else escaped(w.code.replace("_", " "))
            by = f" (acknowledged by {escaped(people(w.by))})" if w.by else ""
            notes.append(
                para(
                    f"<b>Warning, {clock_text(dose.given_at)} dose:</b> {what.rstrip('.')}. <b>Reason:</b> {escaped(w.reason)}{by}",
                    st["note"],
                )
            )
        for code, message in checks.get((day.day, index), []):
            notes.append(
                para(
                    f"<b>Dose-check warning with no recorded acknowledgement:</b> {escaped(message or code.replace('_', ' '))}",
                    st["note"],
                )
            )
    widths = [0.06, 0.07, 0.09, 0.08, 0.13, 0.16, 0.17, 0.24]
    return [grid_table(rows, [width * w for w in widths]), *notes, near_misses]


def _double_check_words(check: DoubleCheck, people: People) -> str:
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
        f"{escaped(first)} ({escaped(people(check.entered_by))})",
        f"{escaped(second)} ({escaped(people(check.checked_by))})",
        "<b>entries match</b>" if match else "<b>ENTRIES DIFFER</b>",
    ]
    if check.signed_at is not None:
        parts.append(f"signed {stamp_text(check.signed_at)}")
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
        return [para("No MAS grades were recorded on this day.", st["body"])]
    n = len(assessments)
    label_w, side_w = 98.0, 16.0
    col_w = min(46.0, (width - label_w - side_w) / max(n, 1))
    header = ["Muscle (MAS)", "", *[para(column_label(day, a), st["cellb"]) for a in assessments]]
    rows: list[Sequence[object]] = [header]
    extra: list[tuple[object, ...]] = [("ALIGN", (2, 0), (-1, -1), "CENTER")]
    for muscle, side in keys:
        first_of_pair = side == "left" or (muscle, "left") not in keys
        label = MUSCLE_SHORT_LABELS.get(muscle, muscle.replace("_", " ")) if first_of_pair else ""
        rows.append([label, side[0].upper(), *[g.get((muscle, side), "·") for g in grades]])
    # R3 numbers under each reassessment: mean over the paired set and the reduction.
    changes = {c.at: c for c in (response.reassessments if response is not None else ())}
    means = ["Mean (paired)", ""]
    reductions = ["Reduction", ""]
    baseline_mean = None
    for a in assessments:
        c = changes.get(a.at)
        if c is not None and c.reduction is not None and c.post_mean is not None:
            means.append(format_score(c.post_mean))
            reductions.append(format_score(c.reduction))
            baseline_mean = c.baseline_mean if baseline_mean is None else baseline_mean
        else:
            # A dash, not a blank: no paired value (e.g. every muscle NT) must not read as a missing print.
            means.append(NOT_RECORDED)
            reductions.append("" if a.kind == "baseline" else NOT_RECORDED)
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
    legend = para(
        f"Grades 0, 1, 1+, 2, 3, 4; NT = not tested; · = not recorded. Means use the trial's coding "
        f"({escaped(MAS_CODING_LABELS.get(coding, coding))}) over the muscle-sides of the judged region graded "
        "in both the baseline and that reassessment.",
        st["note"],
    )
    return [grid_table(rows, widths, extra=extra), legend]


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
    header = ["Tardieu: R1 / R2 (°), X", "", *[para(column_label(day, a), st["cellb"]) for a in assessments]]
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
                f"{value_text(t.r1_deg)}/{value_text(t.r2_deg)} X{value_text(t.quality) if t.quality is not None else '—'}"
            )
        rows.append([MUSCLE_SHORT_LABELS.get(muscle, muscle), side[0].upper(), *cells])
    col_w = min(52.0, (width - 114) / len(assessments))
    return [
        grid_table(rows, [98, 16, *[col_w] * len(assessments)], extra=[("ALIGN", (2, 0), (-1, -1), "CENTER")])
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
    header = ["Range of motion (°)", "", *[para(column_label(day, a), st["cellb"]) for a in assessments]]
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
            cells.append(f"{value_text(value)}{' *' if abnormal else ''}")
        try:
            label = rom_measure(measure).label
        except ValueError:
            label = measure
        rows.append([para(escaped(label), st["cell"]), side[0].upper(), *cells])
    col_w = min(52.0, (width - 154) / len(assessments))
    out: list[Flowable] = [
        grid_table(
            rows, [138, 16, *[col_w] * len(assessments)], extra=[("ALIGN", (2, 0), (-1, -1), "CENTER")]
        )
    ]
    if flagged:
        out.append(para("* beyond the published threshold for that measure.", st["note"]))
    return out


def _observations_block(
    data: ClinicalReportData, day: Day, st: dict[str, ParagraphStyle], width: float
) -> list[Flowable]:
    bands = data.vital_bands or load_default_bands()
    people = People(data.people)
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
        "Vital-sign alerts",
    ]
    rows: list[Sequence[object]] = [header]
    notes: list[str] = []
    extra: list[tuple[object, ...]] = []
    for i, a in enumerate(sorted(day.assessments, key=lambda a: a.at), start=1):
        v = a.vitals
        alerts = alerts_for_assessment(a, data.doc.patient.birth_date, bands)
        alert_words = "; ".join(f"{al.level.upper()}: {al.code.replace('_', ' ')}" for al in alerts) or ""
        pain = (
            f"{a.pain.score} {PAIN_SCALES.get(a.pain.scale, a.pain.scale)}"
            if a.pain is not None
            else NOT_RECORDED
        )
        penn = NOT_RECORDED
        if a.penn_frequency is not None:
            penn = f"{a.penn_frequency}" + (f"/{a.penn_severity}" if a.penn_severity is not None else "")
        rows.append(
            [
                para(column_label(day, a).replace("<br/>", " ", 1), st["cell"]),
                value_text(v.hr if v else None),
                value_text(v.rr if v else None),
                value_text(v.spo2 if v else None, " %") if v and v.spo2 is not None else NOT_RECORDED,
                f"{value_text(v.sbp)}/{value_text(v.dbp)}"
                if v and (v.sbp is not None or v.dbp is not None)
                else NOT_RECORDED,
                value_text(v.temp_c if v else None, " °C") if v and v.temp_c is not None else NOT_RECORDED,
                pain,
                value_text(a.sedation_umss) if a.sedation_umss is not None else NOT_RECORDED,
                penn,
                para(escaped(people(a.assessor)), st["cell"]),
                para(escaped(alert_words), st["cellb"] if alerts else st["cell"]),
            ]
        )
        if any(al.level == "urgent" for al in alerts):
            extra.append(("BOX", (0, i), (-1, i), 1.4, INK))
        if a.notes:
            notes.append(f"{clock_text(a.at)} {a.kind}: {a.notes}")
    widths = [0.13, 0.05, 0.045, 0.06, 0.075, 0.075, 0.085, 0.06, 0.06, 0.14, 0.22]
    out: list[Flowable] = [grid_table(rows, [width * w for w in widths], extra=extra)]
    out.append(
        para(
            "HR, RR per min; BP mmHg; pain score with its scale (FLACC; WB = Wong-Baker faces; NRS = numeric 0–10); UMSS sedation "
            "0–4; Penn spasm frequency/severity. Alerts are recomputed from the recorded values with the "
            "site's limits for the child's age.",
            st["note"],
        )
    )
    out += [para(f"<b>Note</b> {escaped(n)}", st["note"]) for n in notes]
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
                clock_text(a.at)
                + (f" ({hours_label(day, a.at)})" if a.kind != "baseline" else " (baseline)"),
                fms,
                value_text(fn.ten_m_walk_s, " s") if fn.ten_m_walk_s is not None else NOT_RECORDED,
                value_text(fn.tug_s, " s") if fn.tug_s is not None else NOT_RECORDED,
                value_text(fn.six_min_walk_m, " m") if fn.six_min_walk_m is not None else NOT_RECORDED,
                para(escaped(fn.gait_notes or ""), st["cell"]),
            ]
        )
    widths = [0.14, 0.13, 0.09, 0.08, 0.1, 0.46]
    return [grid_table(rows, [width * w for w in widths])]


def _goal_scores_block(
    data: ClinicalReportData, day: Day, st: dict[str, ParagraphStyle], width: float
) -> list[Flowable]:
    scored = [a for a in sorted(day.assessments, key=lambda a: a.at) if a.goals]
    if not scored:
        return []
    texts = {g.id: g.text for g in data.doc.trial.goals}
    ids = list(dict.fromkeys(s.id for a in scored for s in a.goals))
    header = ["Goal (GAS)", *[para(column_label(day, a), st["cellb"]) for a in scored]]
    rows: list[Sequence[object]] = [header]
    for gid in ids:
        cells = []
        for a in scored:
            found = [s.gas for s in a.goals if s.id == gid]
            cells.append(f"{found[-1]:+d}" if found and found[-1] else ("0" if found else "·"))
        rows.append([para(escaped(texts.get(gid, gid)), st["cell"]), *cells])
    col_w = min(46.0, (width * 0.55) / len(scored))
    return [
        grid_table(rows, [width * 0.4, *[col_w] * len(scored)], extra=[("ALIGN", (1, 0), (-1, -1), "CENTER")])
    ]


def _events_block(day: Day, st: dict[str, ParagraphStyle], width: float) -> list[Flowable]:
    if not day.adverse_events:
        return [para("None recorded.", st["body"])]
    header = ["Time", "Event", "Severity", "Counts as", "Notes", "Action"]
    rows: list[Sequence[object]] = [header]
    extra: list[tuple[object, ...]] = []
    for i, e in enumerate(sorted(day.adverse_events, key=lambda e: e.at), start=1):
        mark = r5_mark(e, day)
        significant = mark == "significant"
        rows.append(
            [
                clock_text(e.at) + (f" ({hours_label(day, e.at)})" if hours_label(day, e.at) else ""),
                describe_adverse_event(e).split(" (")[0],
                e.severity,
                mark or "—",
                para(escaped(e.notes or ""), st["cell"]),
                para(escaped(e.action or ""), st["cell"]),
            ]
        )
        if significant:
            extra.append(("FONT", (1, i), (3, i), "TrialSans-Bold", SMALL))
    widths = [0.12, 0.13, 0.1, 0.1, 0.28, 0.27]
    return [grid_table(rows, [width * w for w in widths], extra=extra)]


def _plan_block(
    data: ClinicalReportData, day: Day, response: DayResponse | None, st: dict[str, ParagraphStyle]
) -> list[Flowable]:
    people = People(data.people)
    plan = day.plan
    suggestion = _suggestion_words(data, day, response)
    if plan is None:
        return [para(f"<b>Day plan:</b> none recorded. {suggestion}", st["body"])]
    # A null next dose is what the record holds, not a decision to stop: say so (issue 17 §9).
    chosen = (
        f"next dose {format_dose(plan.next_dose_mcg)}"
        if plan.next_dose_mcg is not None
        else "next dose not recorded"
    )
    parts = [f"<b>Day plan:</b> {chosen}. {suggestion}"]
    if plan.decided_by:
        parts.append(f"Decided by: {escaped(', '.join(people(x) for x in plan.decided_by))}.")
    if plan.reason:
        parts.append(f"<b>Reason:</b> {escaped(plan.reason)}")
    if plan.notes:
        parts.append(f"Notes: {escaped(plan.notes)}")
    return [para(" ".join(parts), st["body"])]


def _suggestion_words(data: ClinicalReportData, day: Day, response: DayResponse | None) -> str:
    if day.day in data.suggested_next_doses:
        stored = data.suggested_next_doses[day.day]
        return f"Suggested next dose when the plan was recorded: {format_dose(stored) if stored is not None else 'none'}."
    if response is None or response.dose_mcg is None:
        return ""
    if response.provisional:
        return "Suggestion: none until the day's reassessments are in."
    try:
        suggestion = suggest_next_dose(
            data.doc.trial.settings.ladder,
            response.dose_mcg,
            response.responder,
            response.significant_adverse_effect,
        )
    except ValueError:
        return ""
    return f"Suggestion: {escaped(suggestion.message)}"


def _bold_verdict(explanation: str) -> str:
    """The R4 explanation with its verdict ("Responder", "Not a responder", "Response not judged") in bold."""
    head, sep, rest = explanation.partition(":")
    if not sep or len(head) > 40:
        return escaped(explanation)
    return f"<b>{escaped(head)}:</b>{escaped(rest)}"


def day_section(
    data: ClinicalReportData,
    day: Day,
    response: DayResponse | None,
    st: dict[str, ParagraphStyle],
    width: float,
    checks: dict[tuple[int, int], list[tuple[str, str]]],
) -> list[Flowable]:
    dose = day_dose(day)
    dose_words = (
        f" — {format_dose(dose.dose_mcg)} at {clock_text(dose.given_at)}"
        if dose is not None
        else " — no dose"
    )
    # Each day starts on its own page, so a filed day reads as one unit; each part keeps its heading and
    # its table together, so no heading is left alone at the foot of a page.
    out: list[Flowable] = [PageBreak(), SectionMark(f"Day {day.day}: {day_words(day.date)}")]
    out.append(para(f"Day {day.day}: {day_words(day.date)}{dose_words}", st["h1"]))

    def part(title: str, flowables: list[Flowable]) -> None:
        if flowables:
            out.append(KeepTogether([para(title, st["h2"]), *flowables]))

    part("Doses and their safety checks", _dose_block(data, day, st, width, checks))
    if response is not None:
        part("Response", [para(_bold_verdict(response.explanation), st["body"])])
    part("Modified Ashworth Scale", _mas_block(day, response, st, width, data.doc.trial.settings.mas_coding))
    extra_tables: list[Flowable] = []
    for flowable in _tardieu_block(day, st, width) + _rom_block(day, st, width):
        extra_tables += [flowable, Spacer(1, 3)]
    part("Tardieu and range of motion", extra_tables)
    part("Vital signs, pain, sedation and spasms", _observations_block(data, day, st, width))
    part("Function and gait", _function_block(day, st, width))
    part("Goal scores", _goal_scores_block(data, day, st, width))
    part(
        "Adverse events",
        [*_events_block(day, st, width), Spacer(1, 3), *_plan_block(data, day, response, st)],
    )
    return out
