"""The trial summary as a plain-text table for the terminal (``trialapp summary`` without --json)."""

from __future__ import annotations

from trialapp.domain.dosing import format_dose
from trialapp.domain.muscles import REGION_LABELS
from trialapp.domain.response import format_hours, format_score
from trialapp.domain.summary import TrialSummary


def _cell(value: object) -> str:
    return "—" if value is None else str(value)


def summary_table(summary: TrialSummary, trial_id: str) -> str:
    s = summary.settings
    lines = [
        f"Trial {trial_id} — {REGION_LABELS.get(s.region, s.region)} tone, responder when the reduction is at "
        f"least {format_score(s.threshold)} (MAS coding {s.mas_coding}, {s.ladder} ladder)",
        "",
        f"{'DAY':>3}  {'DOSE':>8}  {'RESPONDER':<9}  {'PEAK':>5}  {'AT':>6}  {'EFFECT TO':>9}  {'> 8 H':<5}  ADVERSE",
    ]
    for d in summary.days:
        responder = {True: "yes", False: "no", None: "unknown"}[d.responder]
        if d.provisional:  # never "no" while the day is still running (RULES.md)
            responder = "so far" if d.responder else "not yet"
        effect = (
            "—"
            if d.effect_hours is None
            else format_hours(d.effect_hours) + ("+" if d.effect_censored else "")
        )
        lines.append(
            f"{d.day:>3}  {format_dose(d.dose_mcg) if d.dose_mcg else '—':>8}  {responder:<9}  "
            f"{_cell(None if d.peak_reduction is None else format_score(d.peak_reduction)):>5}  "
            f"{_cell(None if d.peak_hours is None else format_hours(d.peak_hours)):>6}  {effect:>9}  "
            f"{'yes' if d.effect_over_8h else 'no':<5}  {'significant' if d.significant_adverse_effect else 'none significant'}"
        )
    lines.append("")
    lines.append("(+ = the effect was still there at the last reassessment: it may have lasted longer)")
    if any(d.provisional for d in summary.days):
        lines.append(
            "(not yet / so far = the day's scheduled reassessments are not all recorded: its figures are so far)"
        )
    lines.append("")
    lines.append(summary.explanation)
    return "\n".join(lines)
