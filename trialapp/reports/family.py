"""The family's printed summary: plain words, large type, English or Spanish.

:func:`family_content` turns a trial (and its domain summary) into sentences in the family's language;
:func:`build_family_pdf` lays them out. Every sentence comes from the language's catalogue (``catalog``); only names, the
family's goals (as the team wrote them) and numbers come from the record. The family copy never shows the
MRN, the birth date or anything from the audit trail.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table
from reportlab.platypus.flowables import HRFlowable

from trialapp.domain.chart_series import tone_chart
from trialapp.domain.dosing import format_dose
from trialapp.domain.records import Day, Decision, Goal, TrialDocument
from trialapp.domain.response import DayResponse, r5_mark
from trialapp.domain.summary import TrialSummary
from trialapp.reports import pdf_charts
from trialapp.reports.catalog import Texts, languages
from trialapp.reports.catalog import texts as catalog_texts
from trialapp.reports.layout import (
    INK,
    NAME_SLOT,
    SHADE,
    ClinicContact,
    PageDecor,
    Paragraph,
    build_pdf,
    frame_width,
    style,
    table_style,
)

#: The languages with a family-text catalogue (resources/translations/<lang>.po), English first.
LANGUAGES: Final[tuple[str, ...]] = languages()

# Who may appear in a day plan's "decided_by" for the family (itb-trial/1 writes "parent").
_FAMILY_WORDS: Final = frozenset(
    {"parent", "parents", "family", "mother", "father", "guardian", "carer", "caregiver"}
)

_MARGIN: Final = 18 * mm


def family_language(patient_language: str | None, lang: str | None = None) -> str:
    """The summary's language: ``lang`` when given, else the family's preferred language, else English.

    An unknown ``lang`` raises ValueError naming the languages available.
    """
    if lang is not None:
        code = lang.strip().lower()
        if code not in LANGUAGES:
            raise ValueError(f"No family summary in '{lang}'. Use one of: {', '.join(LANGUAGES)}.")
        return code
    preferred = (patient_language or "").strip().lower()
    return preferred if preferred in LANGUAGES else "en"


# ------------------------------------------------------------------------------------------- content


@dataclass(frozen=True)
class DayStory:
    heading: str
    sentences: tuple[str, ...]


@dataclass(frozen=True)
class GoalStory:
    goal: str
    outcome: str


@dataclass(frozen=True)
class FamilyContent:
    """Everything the family copy says, already in the family's language."""

    lang: str
    title: str
    subtitle: str
    clinic_line: str | None
    dates_line: str
    printed_line: str
    key_points_heading: str
    key_points: tuple[str, ...]
    what_heading: str
    what: tuple[tuple[str, ...], ...]  # paragraphs of sentences
    days_heading: str
    days: tuple[DayStory, ...]
    chart_heading: str
    chart_intro: str
    chart_labels: pdf_charts.StiffnessLabels
    chart_bars: tuple[pdf_charts.StiffnessBar, ...]
    chart_top: float
    goals_heading: str
    goals_intro: str
    goals: tuple[GoalStory, ...]
    decision_heading: str
    decision: tuple[str, ...]
    warning_heading: str
    warning_intro: str
    clinic_when: str
    clinic_signs: tuple[str, ...]
    clinic_phone_line: str
    clinic_phone_missing: bool
    emergency_when: str
    emergency_signs: tuple[str, ...]
    emergency_missing_line: str | None
    questions: str
    footer: str
    page_words: str
    name: str = ""  # the child's name as printed: shortened in the footer, never in the body

    def narrative(self) -> str:
        """The running text a family reads (no headings, labels or footer): what the readability test measures."""
        parts: list[str] = [*self.key_points]
        for paragraph in self.what:
            parts.extend(paragraph)
        for day in self.days:
            parts.extend(day.sentences)
        parts.append(self.chart_intro)
        parts.append(self.goals_intro)
        parts.extend(g.outcome for g in self.goals)
        parts.extend(self.decision)
        parts.append(self.warning_intro)
        parts.append(self.clinic_when + " " + " ".join(self.clinic_signs))
        parts.append(self.emergency_when + " " + " ".join(self.emergency_signs))
        parts.append(self.questions)
        return "\n".join(parts)


class _Words:
    """Formats the family's language templates with the child's grammar fields."""

    def __init__(self, texts: Texts, fields: dict[str, str]) -> None:
        self.texts = texts
        self.fields = fields

    def __call__(self, key: str, **values: object) -> str:
        template: str = self.texts(key)
        return template.format_map({**self.fields, **{k: str(v) for k, v in values.items()}})


def _first_responder(summary: TrialSummary) -> DayResponse | None:
    return next((d for d in summary.days if d.responder is True), None)


def _key_response(w: _Words, summary: TrialSummary) -> str:
    """The first key point: what the trial showed, or that it is still going while a day's results are
    not in (never "did not make ... less stiff enough" then: RULES.md "Results while a day is still
    running")."""
    first = _first_responder(summary)
    found = ""
    if first is not None and first.dose_mcg is not None:
        found = w("key_response_yes", day=first.day, dose=format_dose(first.dose_mcg))
    running = [str(d.day) for d in summary.days if d.provisional]
    if running:
        return " ".join(x for x in (found, w("key_response_running", days=", ".join(running))) if x)
    if found:
        return found
    if any(d.responder is False for d in summary.days):
        return w("key_response_no")
    return w("key_response_unknown")


def _change_sentence(w: _Words, texts: Texts, response: DayResponse, threshold: float) -> str | None:
    if response.dose_mcg is None:
        return None
    if response.provisional and response.responder is not True:
        # The day is still running: no "did not get less stiff" before its checks are done (RULES.md).
        return w("change_not_ready")
    if response.responder is None:
        return w("change_unknown")
    if response.provisional:
        return w("change_so_far")
    if response.responder:
        hours = response.effect_hours if response.effect_hours is not None else response.peak_hours or 0.0
        if response.effect_censored:
            return w("change_clear_longer", hours=texts.hours_words(hours))
        return w("change_clear", hours_about=texts.hours_words(hours, about=True))
    if response.peak_reduction is not None and response.peak_reduction > 0:
        # Says what the team looked for (the site's threshold, not always 1), not "too small to count".
        return w(
            "change_small",
            threshold=texts.number_words(threshold),
            drop=texts.number_words(response.peak_reduction),
        )
    return w("change_none")


def _day_story(w: _Words, texts: Texts, day: Day, response: DayResponse | None, threshold: float) -> DayStory:
    sentences: list[str] = []
    doses = sorted(day.doses, key=lambda d: d.given_at)
    if not doses:
        sentences.append(w("day_no_dose"))
    elif len(doses) == 1:
        sentences.append(
            w("day_dose", dose=format_dose(doses[0].dose_mcg), time=texts.time_words(doses[0].given_at))
        )
    else:
        sentences.append(
            w(
                "day_two_doses",
                count=len(doses),
                dose=format_dose(doses[0].dose_mcg),
                time=texts.time_words(doses[0].given_at),
            )
        )
    if response is not None:
        change = _change_sentence(w, texts, response, threshold)
        if change:
            sentences.append(change)
    # R5 revision 2: an event before the day's dose is listed, but never as a side effect of the dose.
    before = [e for e in day.adverse_events if r5_mark(e, day) == "before the dose"]
    after = [e for e in day.adverse_events if e not in before]
    for event in sorted(day.adverse_events, key=lambda e: e.at):
        key = "event_before_dose" if event in before else "side_effect"
        sentences.append(w(key, effect=texts.side_effect(event.kind), severity=texts.severity(event.severity)))
    if not after and doses:
        running = response is not None and response.provisional
        sentences.append(w("side_effects_none_so_far" if running else "side_effects_none"))
    plan = day.plan
    if plan is not None and plan.next_dose_mcg is not None:
        family_agreed = any(who.strip().lower() in _FAMILY_WORDS for who in plan.decided_by)
        key = "next_dose_family" if family_agreed else "next_dose_team"
        # A smaller dose after a side effect is explained: otherwise a family reads it as a step back.
        if after and doses and plan.next_dose_mcg < max(d.dose_mcg for d in doses):
            key = "next_dose_lower_family" if family_agreed else "next_dose_lower_team"
        sentences.append(w(key, dose=format_dose(plan.next_dose_mcg)))
    return DayStory(w("day_heading", day=day.day, date=texts.date_words(day.date)), tuple(sentences))


def _goal_outcome(w: _Words, goal: Goal, doc: TrialDocument) -> str:
    """How a goal went, in words, from its Goal Attainment Scaling scores after the doses.

    GAS: 0 is the expected outcome (the goal reached), +1/+2 better than expected; the baseline level is
    usually −1 or −2. The best score after a dose counts, with the first day it was reached.
    """
    scores: list[tuple[int, int]] = []  # (gas, day)
    for day in sorted(doc.trial.days, key=lambda d: d.day):
        first_dose = min((d.given_at for d in day.doses), default=None)
        for assessment in day.assessments:
            if first_dose is None or assessment.at <= first_dose:
                continue  # the goal as it was before that day's dose is the baseline, not an outcome
            scores.extend((s.gas, day.day) for s in assessment.goals if s.id == goal.id)
    if not scores:
        return w("goal_not_scored")
    best = max(gas for gas, _ in scores)
    best_day = min(day for gas, day in scores if gas == best)
    if best >= 1:
        return w("goal_better", day=best_day)
    if best == 0:
        return w("goal_met", day=best_day)
    baseline = goal.baseline_gas
    if baseline is None:
        return w("goal_same")
    if best > baseline:
        return w("goal_some", day=best_day)
    if best == baseline:
        return w("goal_same")
    return w("goal_worse")


def _decision_sentences(w: _Words, texts: Texts, decision: Decision | None) -> tuple[str, ...]:
    outcome = decision.outcome if decision is not None else "undecided"
    if decision is None or outcome not in ("candidate", "not_candidate"):
        return (w("decision_none"), w("decision_none_next"))
    sentences = []
    if outcome == "candidate":
        sentences.append(w("decision_candidate"))
        if decision.initial_daily_dose_mcg is not None:
            sentences.append(w("decision_candidate_dose", dose=format_dose(decision.initial_daily_dose_mcg)))
        sentences.append(w("decision_candidate_next"))
    else:
        sentences.append(w("decision_not_candidate"))
        sentences.append(w("decision_not_candidate_next"))
    if decision.decided_at is not None:
        sentences.append(w("decision_date", date=texts.short_date(decision.decided_at.date())))
    return tuple(sentences)


def family_content(
    doc: TrialDocument,
    summary: TrialSummary,
    *,
    lang: str | None = None,
    clinic: ClinicContact | None = None,
    printed_on: date | None = None,
) -> FamilyContent:
    """The family summary's sentences for ``doc`` in ``lang`` (default: the family's preferred language)."""
    code = family_language(doc.patient.language, lang)
    texts = catalog_texts(code)
    clinic = clinic or ClinicContact()
    patient, trial = doc.patient, doc.trial
    w = _Words(texts, texts.grammar_fields(patient.given_name, patient.sex, trial.settings.region))
    printed_on = printed_on or date.today()

    days = sorted(trial.days, key=lambda d: d.day)
    responses = {r.day: r for r in summary.days}
    if days:
        start, end = days[0].date, days[-1].date
    else:
        start = end = trial.started_on
    dates_line = (
        w("trial_dates", start=texts.short_date(start), end=texts.short_date(end))
        if start != end
        else w("trial_date_single", start=texts.short_date(start))
    )

    key_response = _key_response(w, summary)
    outcome = trial.decision.outcome if trial.decision is not None else "undecided"
    key_decision = {
        "candidate": w("key_decision_candidate"),
        "not_candidate": w("key_decision_not_candidate"),
    }.get(outcome, w("key_decision_none"))

    chart_labels = pdf_charts.StiffnessLabels(
        before=w("chart_before"),
        after=w("chart_after"),
        axis=w("chart_axis"),
        axis_note=w("chart_axis_note"),
        day=texts("chart_day"),
        not_measured=w("chart_not_measured"),
        so_far=w("chart_so_far"),
    )
    goals = tuple(GoalStory(goal.text, _goal_outcome(w, goal, doc)) for goal in trial.goals)

    phone = clinic.clinic_phone
    emergency_number = clinic.emergency_number
    emergency = (
        w("emergency_with_number", number=emergency_number) if emergency_number else w("emergency_services")
    )
    return FamilyContent(
        lang=code,
        title=w("doc_title"),
        subtitle=w("doc_subtitle"),
        clinic_line=w("from_clinic", clinic=clinic.clinic_name) if clinic.clinic_name else None,
        dates_line=dates_line,
        printed_line=w("printed_on", date=texts.short_date(printed_on)),
        key_points_heading=w("h_key_points"),
        key_points=(key_response, key_decision, w("key_call")),
        what_heading=w("h_what"),
        what=(
            (w("what_baclofen"), w("what_how" if len(days) > 1 else "what_how_one_day")),
            (w("what_check"), w("what_why")),
            (w("what_not_promise"),),
            (w("what_mcg"),),
        ),
        days_heading=w("h_days" if len(days) > 1 else "h_days_one_day"),
        days=tuple(
            _day_story(w, texts, day, responses.get(day.day), trial.settings.threshold) for day in days
        ),
        chart_heading=w("h_chart"),
        chart_intro=w("chart_intro"),
        chart_labels=chart_labels,
        chart_bars=pdf_charts.stiffness_bars(tone_chart(doc, mode="absolute")),
        chart_top=pdf_charts.scale_top(trial.settings.mas_coding),
        goals_heading=w("h_goals"),
        goals_intro=w("goals_intro") if goals else w("goals_none"),
        goals=goals,
        decision_heading=w("h_decision"),
        decision=_decision_sentences(w, texts, trial.decision),
        warning_heading=w("h_warning"),
        warning_intro=w("warning_intro"),
        clinic_when=w("clinic_when"),
        clinic_signs=(w("clinic_itchy"), w("clinic_tight"), w("clinic_spasms"), w("clinic_grumpy")),
        clinic_phone_line=w("clinic_phone", phone=phone) if phone else w("clinic_phone_missing"),
        clinic_phone_missing=phone is None,
        emergency_when=w("emergency_when", emergency=emergency),
        emergency_signs=(
            w("emergency_hard_to_wake"),
            w("emergency_breathing"),
            w("emergency_dizzy"),
            w("emergency_weak"),
        ),
        emergency_missing_line=None if emergency_number else w("emergency_number_missing"),
        questions=w("questions"),
        footer=w("footer"),
        page_words=texts("page"),
        name=w.fields["Name"],
    )


# -------------------------------------------------------------------------------------------- layout

# Large type, high contrast (REFERENCE.md §7 and the issue: body text at least 12 pt).
BODY_PT: Final = 13


def _styles() -> dict[str, ParagraphStyle]:
    return {
        "clinic": style("fam-clinic", 12, bold=True, space_after=2),
        "title": style("fam-title", 24, leading=29, bold=True, space_after=2),
        "subtitle": style("fam-subtitle", 16, leading=20, space_after=6),
        "meta": style("fam-meta", 12, leading=16),
        "h1": style("fam-h1", 18, leading=23, bold=True, space_before=14, space_after=4, keep_with_next=True),
        "h2": style(
            "fam-h2", 14.5, leading=19, bold=True, space_before=8, space_after=2, keep_with_next=True
        ),
        "body": style("fam-body", BODY_PT, leading=19, space_after=5),
        "bullet": style(
            "fam-bullet", BODY_PT, leading=19, left_indent=16, first_line_indent=-12, space_after=2
        ),
        "key": style("fam-key", 14, leading=20, left_indent=20, first_line_indent=-20, space_after=4),
        "key_h": style("fam-key-h", 16, leading=20, bold=True, space_after=6),
        "goal": style("fam-goal", BODY_PT, leading=18, bold=True),
        "goal_out": style("fam-goal-out", BODY_PT, leading=18),
        "box_h": style("fam-box-h", 16, leading=21, bold=True, space_after=6),
        "warn": style("fam-warn", 14, leading=21, left_indent=18, first_line_indent=-13, space_after=3),
        "phone": style("fam-phone", 17, leading=22, bold=True, space_before=4),
        "blank": style("fam-blank", BODY_PT, leading=22),
    }


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _heading(text: str, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    rule = HRFlowable(width="100%", thickness=1.2, color=INK, spaceBefore=0, spaceAfter=6)
    # The heading keeps with its rule (style) and the rule with what follows: never alone at a page's foot.
    rule.keepWithNext = True
    return [Paragraph(_esc(text), st["h1"]), rule]


def _box(flowables: Sequence[Flowable], width: float, *, border: float, fill: object = None) -> Table:
    table = Table([[list(flowables)]], colWidths=[width])
    commands = [
        ("BOX", (0, 0), (-1, -1), border, INK),
        ("LEFTPADDING", (0, 0), (-1, -1), 10),
        ("RIGHTPADDING", (0, 0), (-1, -1), 10),
        ("TOPPADDING", (0, 0), (-1, -1), 8),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
    ]
    if fill is not None:
        commands.append(("BACKGROUND", (0, 0), (-1, -1), fill))
    table.setStyle(table_style(commands))
    return table


def _story(content: FamilyContent, paper: str) -> list[Flowable]:
    st = _styles()
    width = frame_width(paper, _MARGIN)
    p = Paragraph
    story: list[Flowable] = []
    if content.clinic_line:
        story.append(p(_esc(content.clinic_line), st["clinic"]))
    story += [
        p(_esc(content.title), st["title"]),
        p(_esc(content.subtitle), st["subtitle"]),
        p(_esc(content.dates_line), st["meta"]),
        p(_esc(content.printed_line), st["meta"]),
        Spacer(1, 10),
    ]
    key = [p(_esc(content.key_points_heading), st["key_h"])]
    key += [
        p(f"<b>{i}.</b>&nbsp;&nbsp;{_esc(point)}", st["key"])
        for i, point in enumerate(content.key_points, start=1)
    ]
    story.append(_box(key, width, border=1.5, fill=SHADE))

    story += _heading(content.what_heading, st)
    for paragraph in content.what:
        story.append(p(_esc(" ".join(paragraph)), st["body"]))

    # reportlab's keepWithNext stops at a KeepTogether, so the heading goes inside the first day's block.
    heading = _heading(content.days_heading, st)
    for day in content.days:
        block: list[Flowable] = [*heading, p(_esc(day.heading), st["h2"])]
        block += [p(f"•&nbsp;&nbsp;{_esc(s)}", st["bullet"]) for s in day.sentences]
        story.append(KeepTogether(block))
        heading = []
    story += heading  # no day at all

    chart = pdf_charts.stiffness_chart(
        content.chart_bars,
        content.chart_labels,
        top=content.chart_top,
        width=width,
        dose_words={
            b.dose_mcg: format_dose(b.dose_mcg) for b in content.chart_bars if b.dose_mcg is not None
        },
    )
    story.append(
        KeepTogether(
            [
                *_heading(content.chart_heading, st),
                p(_esc(content.chart_intro), st["body"]),
                Spacer(1, 4),
                chart,
            ]
        )
    )

    goals_block: list[Flowable] = [
        *_heading(content.goals_heading, st),
        p(_esc(content.goals_intro), st["body"]),
    ]
    if content.goals:
        rows = [[p(_esc(g.goal), st["goal"]), p(_esc(g.outcome), st["goal_out"])] for g in content.goals]
        table = Table(rows, colWidths=[width * 0.5, width * 0.5])
        table.setStyle(
            table_style(
                [
                    ("GRID", (0, 0), (-1, -1), 0.8, INK),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 7),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 7),
                    ("TOPPADDING", (0, 0), (-1, -1), 5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
                ]
            )
        )
        goals_block.append(table)
    story.append(KeepTogether(goals_block))

    decision = [*_heading(content.decision_heading, st)]
    for i, sentence in enumerate(content.decision):
        text = f"<b>{_esc(sentence)}</b>" if i == 0 else _esc(sentence)
        decision.append(p(text, st["body"]))
    # Questions belong with the decision; the warning signs close the sheet, so nothing trails after them.
    decision.append(p(f"<b>{_esc(content.questions)}</b>", st["body"]))
    story.append(KeepTogether(decision))

    # The warning signs close the sheet and are never split across pages.
    story.append(KeepTogether(_warning_block(content, st, width)))
    return story


def _warning_block(content: FamilyContent, st: dict[str, ParagraphStyle], width: float) -> list[Flowable]:
    p = Paragraph
    blank = p("_" * 34, st["blank"])
    clinic: list[Flowable] = [p(_esc(content.clinic_when), st["box_h"])]
    clinic += [p(f"•&nbsp;&nbsp;{_esc(s)}", st["warn"]) for s in content.clinic_signs]
    if content.clinic_phone_missing:
        clinic += [p(_esc(content.clinic_phone_line), st["body"]), blank]
    else:
        clinic.append(p(_esc(content.clinic_phone_line), st["phone"]))
    emergency: list[Flowable] = [p(_esc(content.emergency_when), st["box_h"])]
    emergency += [p(f"•&nbsp;&nbsp;{_esc(s)}", st["warn"]) for s in content.emergency_signs]
    if content.emergency_missing_line:
        emergency += [p(_esc(content.emergency_missing_line), st["body"]), blank]
    return [
        *_heading(content.warning_heading, st),
        p(_esc(content.warning_intro), st["body"]),
        Spacer(1, 4),
        _box(clinic, width, border=1.5),
        Spacer(1, 8),
        # The emergency box is the heaviest thing on the page: thick border, light shade.
        _box(emergency, width, border=3, fill=SHADE),
    ]


def build_family_pdf(
    doc: TrialDocument,
    summary: TrialSummary,
    *,
    lang: str | None = None,
    paper: str = "A4",
    clinic: ClinicContact | None = None,
    printed_on: date | None = None,
) -> bytes:
    """The family summary as PDF bytes, in ``lang`` (default: the family's preferred language)."""
    content = family_content(doc, summary, lang=lang, clinic=clinic, printed_on=printed_on)
    return render_family_content(content, paper=paper, clinic=clinic)


def render_family_content(
    content: FamilyContent, *, paper: str = "A4", clinic: ClinicContact | None = None
) -> bytes:
    """Lay out already-built family content (lets a caller show the text and print the same words)."""
    footer = content.footer.replace(content.name, NAME_SLOT, 1) if content.name else content.footer
    decor = PageDecor(
        header="", footer_left=(footer,), page_words=content.page_words, font_size=10, name=content.name
    )
    author = (clinic.clinic_name if clinic and clinic.clinic_name else None) or "trialapp"
    return build_pdf(
        _story(content, paper),
        paper=paper,
        decor=decor,
        title=content.title,
        author=author,
        subject=content.subtitle,
        margin=_MARGIN,
        bottom_extra=4,
    )


__all__ = [
    "LANGUAGES",
    "FamilyContent",
    "build_family_pdf",
    "family_content",
    "family_language",
    "render_family_content",
]
