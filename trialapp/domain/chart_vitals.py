"""The vital-signs chart of one day, with the R9 limits for the child's age and the alerts raised."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from trialapp.domain.chart_common import CHART_TITLES, NO_DAYS, clock_text, day_label, find_day, when_text
from trialapp.domain.chart_kinds import CHART_KINDS as CHART_KINDS
from trialapp.domain.chart_kinds import TONE_MODES as TONE_MODES
from trialapp.domain.dosing import age_in_whole_months, describe_age
from trialapp.domain.numbers import plain_number
from trialapp.domain.records import AdverseEvent, Assessment, Day, TrialDocument
from trialapp.domain.response import (
    day_dose,
    describe_adverse_event,
    hours_after_dose,
    r5_mark,
)
from trialapp.domain.vitals import (
    VitalBand,
    VitalBands,
    alerts_for_assessment,
    band_for_age,
    load_default_bands,
)

# ---------------------------------------------------------------------------------------------------
# Vital signs (R9)


@dataclass(frozen=True)
class VitalAlertMark:
    """An R9 alert drawn on its vital sign: ``level`` is ``urgent`` or ``warning``."""

    hours: float
    value: float
    code: str  # the R9 alert code: rr_low, spo2_low…
    series: str  # the series it is drawn on: hr, rr, spo2, sbp, sedation
    level: str
    message: str


@dataclass(frozen=True)
class VitalSeries:
    code: str  # hr, rr, spo2, sbp, dbp, sedation
    label: str
    hours: tuple[float, ...]
    values: tuple[float, ...]
    details: tuple[str, ...]


@dataclass(frozen=True)
class VitalPanel:
    """One vital sign (blood pressure: systolic and diastolic) with its R9 limits for the child's age.

    ``low``/``high`` bound the range in which no alert fires (``None`` = no limit on that side).
    """

    code: str
    title: str
    unit: str
    series: tuple[VitalSeries, ...]
    low: float | None
    high: float | None
    limit_label: str
    alerts: tuple[VitalAlertMark, ...]


@dataclass(frozen=True)
class EventMark:
    """An adverse event on the day's time axis; ``significant`` per R5 (revision 2: never an event before
    the day's first dose, which ``before_dose`` marks and ``text`` says)."""

    hours: float
    text: str
    significant: bool
    before_dose: bool = False


@dataclass(frozen=True)
class VitalsChart:
    title: str
    subtitle: str
    day: int | None
    day_label: str
    x_label: str
    dose_hours: float | None
    panels: tuple[VitalPanel, ...]
    events: tuple[EventMark, ...]
    headline: str
    missing: tuple[str, ...]

    @property
    def has_data(self) -> bool:
        return any(s.values for p in self.panels for s in p.series)


_VITAL_PANELS: Final[tuple[tuple[str, str, str, tuple[tuple[str, str], ...]], ...]] = (
    ("hr", "Heart rate", "/min", (("hr", "Heart rate"),)),
    ("rr", "Breathing rate", "/min", (("rr", "Breathing rate"),)),
    ("spo2", "SpO2", "%", (("spo2", "SpO2"),)),
    ("bp", "Blood pressure", "mmHg", (("sbp", "Systolic"), ("dbp", "Diastolic"))),
    ("sedation", "Sedation (UMSS)", "", (("sedation", "UMSS"),)),
)
_ALERT_PANEL: Final[dict[str, tuple[str, str]]] = {
    "hr_low": ("hr", "hr"),
    "hr_high": ("hr", "hr"),
    "rr_low": ("rr", "rr"),
    "rr_high": ("rr", "rr"),
    "spo2_low": ("spo2", "spo2"),
    "sbp_low": ("bp", "sbp"),
    "sedation": ("sedation", "sedation"),
}


def _vital_value(assessment: Assessment, code: str) -> float | None:
    if code == "sedation":
        return float(assessment.sedation_umss) if assessment.sedation_umss is not None else None
    if assessment.vitals is None:
        return None
    value: float | None = getattr(assessment.vitals, code)
    return value


def vitals_chart(
    document: TrialDocument, day: int | None = None, bands: VitalBands | None = None
) -> VitalsChart:
    """Vital signs of one day (default: the latest) over the hours after its dose, with R9 limits and alerts.

    Every assessment of the day that recorded vitals or sedation counts (including the baseline, at its
    real time before the dose). Limits are those of the child's age band on that day (``bands``,
    default: the shipped table); alerts are exactly :func:`alerts_for_assessment`'s.
    """
    table = bands if bands is not None else load_default_bands()
    found = find_day(document, day)
    title = CHART_TITLES["vitals"]
    if found is None:
        return VitalsChart(title, "", None, "", "Hours after the dose", None, (), (), NO_DAYS, (NO_DAYS,))
    dose = day_dose(found)
    label = day_label(found.day, dose.dose_mcg if dose is not None else None)
    assessments = sorted(found.assessments, key=lambda a: a.at)
    if dose is not None:
        origin = dose.given_at
        x_label = "Hours after the dose"
    elif assessments:
        origin = assessments[0].at
        x_label = f"Hours after the first assessment ({clock_text(origin)}; no dose on this day)"
    else:
        why = f"{label}: nothing was recorded on this day."
        return VitalsChart(title, label, found.day, label, "Hours after the dose", None, (), (), why, (why,))

    birth = document.patient.birth_date
    age_months = age_in_whole_months(birth, found.date)
    band = band_for_age(table, age_months)
    missing: list[str] = []
    alert_marks: dict[str, list[VitalAlertMark]] = {code: [] for code, *_ in _VITAL_PANELS}
    times = [hours_after_dose(origin, a.at) for a in assessments]
    for h, a in zip(times, assessments, strict=True):
        for alert in alerts_for_assessment(a, birth, table):
            if alert.code == "no_band":
                if alert.message not in missing:
                    missing.append(alert.message)
                continue
            panel_code, series_code = _ALERT_PANEL[alert.code]
            value = _vital_value(a, series_code)
            alert_marks[panel_code].append(
                VitalAlertMark(
                    hours=h,
                    value=value if value is not None else alert.value,
                    code=alert.code,
                    series=series_code,
                    level=alert.level,
                    message=alert.message,
                )
            )

    panels: list[VitalPanel] = []
    for panel_code, panel_title, unit, members in _VITAL_PANELS:
        series: list[VitalSeries] = []
        for series_code, series_label in members:
            hours: list[float] = []
            values: list[float] = []
            details: list[str] = []
            for h, a in zip(times, assessments, strict=True):
                value = _vital_value(a, series_code)
                if value is None:
                    continue
                hours.append(h)
                values.append(value)
                shown = (
                    f"{plain_number(value)} {unit}".rstrip() if unit != "%" else f"{plain_number(value)} %"
                )
                details.append(f"{label}, {when_text(a.at, h)}: {series_label.lower()} {shown}")
            series.append(VitalSeries(series_code, series_label, tuple(hours), tuple(values), tuple(details)))
        low, high, limit_label = _limits(panel_code, band, table)
        panels.append(
            VitalPanel(
                code=panel_code,
                title=panel_title,
                unit=unit,
                series=tuple(series),
                low=low,
                high=high,
                limit_label=limit_label,
                alerts=tuple(alert_marks[panel_code]),
            )
        )
        if not any(s.values for s in series):
            missing.append(
                f"{label}: {panel_title.lower() if panel_code != 'spo2' else 'SpO2'} was not recorded."
            )

    events = tuple(_event_mark(origin, e, found) for e in sorted(found.adverse_events, key=lambda e: e.at))
    if not any(s.values for p in panels for s in p.series):
        headline = f"{label}: no vital signs were recorded."
        missing = [headline]
    else:
        headline = _vitals_headline(label, panels, events, f"age {band.label}" if band else "this age")
    age_words = describe_age(birth, found.date)
    subtitle = (
        f"{label} · limits for age {band.label} (child {age_words})" if band else f"{label} · age {age_words}"
    )
    return VitalsChart(
        title=f"{title}: {label}",
        subtitle=subtitle,
        day=found.day,
        day_label=label,
        x_label=x_label,
        dose_hours=0.0 if dose is not None else None,
        panels=tuple(panels),
        events=events,
        headline=headline,
        missing=tuple(missing),
    )


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _out_of_band(panel: VitalPanel) -> int:
    """How many readings of ``panel`` lie outside its no-alert range (blood pressure: systolic only, the
    one with a limit)."""
    count = 0
    for series in panel.series[:1]:
        for value in series.values:
            if (panel.low is not None and value < panel.low) or (panel.high is not None and value > panel.high):
                count += 1
    return count


def _vitals_headline(label: str, panels: list[VitalPanel], events: tuple[EventMark, ...], age: str) -> str:
    """The day in one sentence: the readings outside the limits (counted) and their alerts, then the
    adverse events drawn on it — never "within the limits" beside an event such as a bradycardia."""
    outside = sum(_out_of_band(p) for p in panels)
    alerts = [m for p in panels for m in p.alerts]
    urgent = sum(1 for m in alerts if m.level == "urgent")
    if outside or alerts:
        readings = (
            f"{_plural(outside, 'reading')} outside the limits for {age}: "
            f"{_plural(len(alerts), 'alert')} ({urgent} urgent)."
        )
    elif events:
        readings = f"no reading was outside the limits for {age}."
    else:
        return f"{label}: every recorded value was within the limits for {age}."
    if not events:
        return f"{label}: {readings}"
    listed = "; ".join(e.text + (", significant" if e.significant else "") for e in events)
    return f"{label}: {_plural(len(events), 'adverse event')} ({listed}); {readings}"


def _limits(panel: str, b: VitalBand | None, table: VitalBands) -> tuple[float | None, float | None, str]:
    """The R9 no-alert range of one panel: (low, high, words)."""
    if panel == "hr" and b is not None:
        return (
            b.hr_low,
            b.hr_high,
            f"alert below {plain_number(b.hr_low)} or above {plain_number(b.hr_high)}/min",
        )
    if panel == "rr" and b is not None:
        return (
            b.rr_low,
            b.rr_high,
            f"alert below {plain_number(b.rr_low)} (urgent) or above {plain_number(b.rr_high)}/min",
        )
    if panel == "spo2":
        return table.spo2_low, None, f"urgent below {plain_number(table.spo2_low)} %"
    if panel == "bp" and b is not None:
        return b.sbp_low, None, f"alert if systolic below {plain_number(b.sbp_low)} mmHg"
    if panel == "sedation":
        return (
            None,
            table.sedation_warning_at - 1,
            f"alert at {table.sedation_warning_at}, urgent at {table.sedation_urgent_at}",
        )
    return None, None, "no limits set for this age"


def _event_mark(origin: datetime, event: AdverseEvent, day: Day) -> EventMark:
    """An event on the axis, marked as R5 revision 2 marks it against the day's first dose."""
    mark = r5_mark(event, day)
    text = describe_adverse_event(event) + (" — before the dose" if mark == "before the dose" else "")
    return EventMark(hours_after_dose(origin, event.at), text, mark == "significant", mark == "before the dose")
