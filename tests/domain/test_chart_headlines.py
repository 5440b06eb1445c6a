"""Chart headlines say honest things (issue 20): a ROM change of nothing is "no change", never "(−0°)"; a day
whose grades are all NT says so, not a number; a chart without a baseline says it needs one; the vitals
headline counts the readings outside the limits and never says "within the limits" beside an adverse event
such as a bradycardia; times after the dose read "6 h 19 min", never "6.32 h".

Synthetic data only; each expectation is worked by hand in its comment.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from trialapp.domain.chart_series import (
    build_chart,
    dose_response_chart,
    muscle_grid,
    rom_chart,
    tone_chart,
    vitals_chart,
)
from trialapp.domain.records import Assessment, Patient, RomEntry, Trial, TrialDocument, Vitals

from .test_chart_series import CHILD

RESPONSE_KINDS = ("tone", "muscles", "dose-response")


def document(trial: Trial, patient: Patient = CHILD) -> TrialDocument:
    return TrialDocument(patient=patient, trial=trial)


# ------------------------------------------------------------------------------------ hours as words


@pytest.mark.parametrize(
    ("hours", "words"),
    [(4.0, "4 h"), (6.32, "6 h 19 min"), (1.5, "1 h 30 min"), (0.75, "45 min"), (8.0, "8 h")],
)
def test_hours_after_the_dose_are_hours_and_minutes(hours: float, words: str) -> None:
    from trialapp.domain.chart_series import duration_text

    # 6 h 19 min is 6.3167 h, kept by R4 as 6.32 h; 6.32 × 60 = 379.2 → 379 min = 6 h 19 min.
    assert duration_text(hours) == words


def test_an_effect_lasting_to_6_h_19_min_is_written_so_in_the_headline_and_legends(build) -> None:
    # Baseline all 2, then 1 at 4 h and 6 h 19 min (reduction 1.0 ≥ 1.0), 2 at 9 h: effect to 6 h 19 min.
    day = build.day(
        1, 50, build.uniform("2"), {4: build.uniform("1"), 6 + 19 / 60: build.uniform("1"), 9: build.uniform("2")}
    )
    doc = document(build.trial([day]))
    tone = tone_chart(doc)
    assert "effect lasted to 6 h 19 min" in tone.headline
    assert "6.32" not in tone.headline and "6.32" not in tone.days[0].summary
    assert tone.days[0].summary.endswith("effect to 6 h 19 min")
    point = dose_response_chart(doc).points[0]
    assert point.summary.endswith("effect to 6 h 19 min")
    grid = muscle_grid(doc)
    assert grid.columns == ("Baseline 08:30", "4 h", "6 h 19 min", "9 h")
    assert any("(6 h 19 min after the dose)" in d for s in tone.days for d in s.details)


# ------------------------------------------------------------------------------------- NT, baseline


def _digits_besides_the_day_label(text: str) -> list[str]:
    return re.findall(r"\d+(?:\.\d+)?", re.sub(r"Day \d+ · \d+ mcg", "", text))


@pytest.mark.parametrize("kind", RESPONSE_KINDS)
def test_a_day_where_every_grade_is_nt_says_so_not_a_number(build, kind: str) -> None:
    day = build.day(1, 50, build.uniform("NT"), {1: build.uniform("NT"), 2: build.uniform("NT")})
    headline = build_chart(document(build.trial([day])), kind).headline
    assert headline.startswith("Day 1 · 50 mcg: every grade was not tested (NT)"), headline
    assert "needs a baseline" not in headline
    assert _digits_besides_the_day_label(headline) == []


@pytest.mark.parametrize("kind", RESPONSE_KINDS)
def test_reassessments_all_nt_after_a_graded_baseline_say_so(build, kind: str) -> None:
    day = build.day(1, 50, build.uniform("2"), {1: build.uniform("NT"), 2: build.uniform("NT")})
    headline = build_chart(document(build.trial([day])), kind).headline
    assert headline == "Day 1 · 50 mcg: every grade after the dose was not tested (NT), so no change can be shown."


@pytest.mark.parametrize("kind", RESPONSE_KINDS)
def test_a_chart_without_a_baseline_says_it_needs_one(build, kind: str) -> None:
    day = build.day(1, 50, None, {1: build.uniform("1"), 2: build.uniform("1")})
    headline = build_chart(document(build.trial([day])), kind).headline
    assert headline.startswith("Day 1 · 50 mcg needs a baseline"), headline
    assert _digits_besides_the_day_label(headline) == []


def test_two_unjudged_days_each_say_why(build) -> None:
    days = [
        build.day(1, 50, None, {1: build.uniform("1")}),
        build.day(2, 75, build.uniform("2"), {1: build.uniform("NT")}),
    ]
    headline = tone_chart(document(build.trial(days))).headline
    assert headline == (
        "No day's response can be judged yet. Day 1 · 50 mcg needs a baseline: none was recorded before the "
        "dose, so no change can be shown. Day 2 · 75 mcg: every grade after the dose was not tested (NT), so "
        "no change can be shown."
    )


def test_the_muscle_grid_of_a_running_day_says_so_far(build) -> None:
    # Reassessed at 2 h only: the 4, 6 and 8 h reassessments are still due, so the day is "so far".
    day = build.day(1, 50, build.uniform("2"), {2: build.uniform("1")})
    headline = muscle_grid(document(build.trial([day]))).headline
    assert headline.startswith("Day 1 · 50 mcg: responder so far, peak 1.0 at 2 h so far")


# ----------------------------------------------------------------------------------------------- ROM


def _rom(assessment: Assessment, left: float, right: float) -> Assessment:
    return replace(assessment, rom=(RomEntry("popliteal_angle", "left", left), RomEntry("popliteal_angle", "right", right)))


def test_rom_without_change_says_no_change_never_minus_zero(build) -> None:
    baseline = _rom(build.baseline(build.uniform("2")), 62, 58)
    later = [_rom(build.reassessment(h, build.uniform("1")), 62, 58) for h in (2, 4)]
    day = replace(build.day(1, 50, None), assessments=(baseline, *later))
    headline = rom_chart(document(build.trial([build.closed(day)]))).headline
    assert headline == "Popliteal angle: no change from the baseline at any reassessment."
    assert "0°" not in headline


def test_rom_change_is_signed_and_timed_in_hours_and_minutes(build) -> None:
    baseline = _rom(build.baseline(build.uniform("2")), 62, 58)
    later = _rom(build.reassessment(4 + 19 / 60, build.uniform("1")), 47, 58)
    day = replace(build.day(1, 50, None), assessments=(baseline, later))
    headline = rom_chart(document(build.trial([day]))).headline
    assert headline.startswith(
        "Largest change: Day 1 · 50 mcg · left, 62° at baseline to 47° at 4 h 19 min (−15°)"
    )


def test_rom_without_a_baseline_measure_says_it_needs_one(build) -> None:
    later = _rom(build.reassessment(4, build.uniform("1")), 47, 50)
    day = replace(build.day(1, 50, None), assessments=(build.baseline(build.uniform("2")), later))
    chart = rom_chart(document(build.trial([day])))
    assert chart.headline == (
        "Popliteal angle needs a baseline: it was not measured at the baseline, so no change can be shown."
    )


# -------------------------------------------------------------------------------------------- vitals


def _vitals(build, hours: float, kind: str, vitals: Vitals) -> Assessment:
    return replace(build.assessment(kind, build.at(hours), build.uniform("2")), vitals=vitals, sedation_umss=0)


NORMAL = Vitals(hr=90, rr=20, spo2=98, sbp=104, dbp=64)  # inside every band for a 10-year-old


def test_vitals_never_say_within_the_limits_beside_a_bradycardia(build) -> None:
    readings = (_vitals(build, -0.5, "baseline", NORMAL), _vitals(build, 2, "reassessment", NORMAL))
    day = replace(build.day(1, 50, None, events=[("bradycardia", "moderate")]), assessments=readings)
    chart = vitals_chart(document(build.trial([day])))
    assert [e.text for e in chart.events] == ["bradycardia (moderate) at 11:00"]
    assert "within the limits" not in chart.headline
    assert chart.headline == (
        "Day 1 · 50 mcg: 1 adverse event (bradycardia (moderate) at 11:00, significant); no reading was "
        "outside the limits for age 10–12 years."
    )


def test_vitals_headline_counts_the_readings_outside_the_limits(build) -> None:
    # A 10-year-old: heart rate 50 is below the band, SpO2 88 below 92 %; the rest are inside.
    low = Vitals(hr=50, rr=20, spo2=88, sbp=104, dbp=64)
    readings = (_vitals(build, -0.5, "baseline", NORMAL), _vitals(build, 2, "reassessment", low))
    day = replace(build.day(1, 50, None), assessments=readings)
    chart = vitals_chart(document(build.trial([day])))
    assert chart.headline == (
        "Day 1 · 50 mcg: 2 readings outside the limits for age 10–12 years: 2 alerts (1 urgent)."
    )


def test_vitals_all_inside_and_no_event_are_within_the_limits(build) -> None:
    readings = (_vitals(build, -0.5, "baseline", NORMAL), _vitals(build, 2, "reassessment", NORMAL))
    day = replace(build.day(1, 50, None), assessments=readings)
    headline = vitals_chart(document(build.trial([day]))).headline
    assert headline == "Day 1 · 50 mcg: every recorded value was within the limits for age 10–12 years."


def test_days_with_the_same_reason_are_named_together(build) -> None:
    days = [build.day(n, 25 * (n + 1), build.uniform("NT"), {1: build.uniform("NT")}) for n in (1, 2, 3)]
    headline = tone_chart(document(build.trial(days))).headline
    assert headline == (
        "No day's response can be judged yet. Day 1 · 50 mcg, Day 2 · 75 mcg and Day 3 · 100 mcg: every "
        "grade was not tested (NT), at the baseline and after the dose, so no change can be shown."
    )
    no_baselines = [build.day(n, 50, None, {1: build.uniform("1")}) for n in (1, 2)]
    assert tone_chart(document(build.trial(no_baselines))).headline == (
        "No day's response can be judged yet. Day 1 · 50 mcg and Day 2 · 50 mcg need a baseline: none was "
        "recorded before their doses, so no change can be shown."
    )
