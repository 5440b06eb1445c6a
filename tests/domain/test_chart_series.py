"""Chart data (trialapp.domain.chart_series): the same numbers as the summary, and words for what is missing.

Synthetic data only. Expected numbers come from the rule functions (R3/R4/R9) or are worked by hand in
the comments; none is copied from the chart code.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from functools import cache

import pytest

from trialapp.domain.chart_series import (
    NO_DAYS,
    build_chart,
    day_label,
    dose_response_chart,
    measure_options,
    muscle_grid,
    rom_chart,
    tone_chart,
    vitals_chart,
)
from trialapp.domain.dosing import age_in_whole_months
from trialapp.domain.muscles import LOWER_MUSCLES
from trialapp.domain.records import (
    Assessment,
    MasEntry,
    Patient,
    ProtocolSettings,
    RomEntry,
    Trial,
    TrialDocument,
    Vitals,
)
from trialapp.domain.summary import summarize_trial
from trialapp.domain.vitals import alerts_for_assessment, band_for_age, load_default_bands
from trialapp.interchange.trial_json import load_trial_document
from trialapp.services.demo import demo_text

DEMOS = ("demo_responder.json", "demo_nonresponder.json", "demo_small_child.json")
CHILD = Patient(mrn="SYN-0001", birth_date=date(2016, 4, 12), given_name="Syn", family_name="Thetic")


@cache
def demo(name: str) -> TrialDocument:
    return load_trial_document(demo_text(name))  # frozen records: safe to share between tests


def document(trial: Trial, patient: Patient = CHILD) -> TrialDocument:
    return TrialDocument(patient=patient, trial=trial)


# --------------------------------------------------------------------------------------------- tone


@pytest.mark.parametrize("name", DEMOS)
def test_tone_series_are_the_summary_reductions(name: str) -> None:
    doc = demo(name)
    summary = summarize_trial(doc.trial)
    chart = tone_chart(doc)
    assert [s.day for s in chart.days] == [r.day for r in summary.days]
    for series, response in zip(chart.days, summary.days, strict=True):
        assert series.label == f"Day {response.day} · {response.dose_mcg} mcg"
        # Baseline at 0 h with no reduction, then every R3 reassessment in time order.
        assert series.hours == (0.0, *(c.hours for c in response.reassessments))
        assert series.values == (0.0, *(c.reduction for c in response.reassessments))
        assert series.peak_reduction == response.peak_reduction
        assert series.peak_hours == response.peak_hours
        assert series.peak_value == response.peak_reduction
        assert series.effect_hours == response.effect_hours
        assert series.responder == response.responder
        assert series.threshold_value == doc.trial.settings.threshold


def test_tone_matches_the_responder_story_worked_by_hand() -> None:
    # demo/README.md: day 2, 75 mcg: reductions 0.5 / 0.75 / 1.25 / 1.0 / 0.5 at 1 / 2 / 4 / 6 / 8 h.
    chart = tone_chart(demo("demo_responder.json"))
    day2 = next(s for s in chart.days if s.day == 2)
    assert day2.hours == (0.0, 1.0, 2.0, 4.0, 6.0, 8.0)
    assert day2.values == pytest.approx((0.0, 0.5, 0.75, 1.25, 1.0, 0.5))
    assert (day2.peak_hours, day2.peak_reduction, day2.effect_hours) == (4.0, 1.25, 6.0)
    assert chart.headline.startswith("Day 2 · 75 mcg worked: peak reduction 1.25 at 4 h")
    assert "effect lasted to 6 h" in chart.headline
    assert chart.missing == ()


def test_tone_headline_of_a_non_responder_names_the_best_day() -> None:
    chart = tone_chart(demo("demo_nonresponder.json"))
    assert chart.headline.startswith("No dose reached the threshold of 1.0")
    assert "Day 2 · 75 mcg, peak 0.75 at 4 h" in chart.headline


def test_absolute_mode_plots_the_means_and_the_threshold_below_each_baseline() -> None:
    doc = demo("demo_responder.json")
    summary = summarize_trial(doc.trial)
    chart = tone_chart(doc, mode="absolute")
    assert chart.y_label == "Mean MAS"
    for series, response in zip(chart.days, summary.days, strict=True):
        assert series.values[1:] == tuple(c.post_mean for c in response.reassessments)
        assert series.baseline_value is not None
        assert series.threshold_value == pytest.approx(series.baseline_value - 1.0)
        # The hip extensors are NT everywhere in the demo, so every point pairs the same 14 sides
        # and baseline − mean is exactly the R3 reduction.
        for value, change in zip(series.values[1:], response.reassessments, strict=True):
            assert series.baseline_value - value == pytest.approx(change.reduction)


def test_other_region_is_recomputed_and_says_the_trial_is_judged_on_its_own() -> None:
    chart = tone_chart(demo("demo_responder.json"), region="upper")
    assert chart.region == "upper" and chart.trial_region == "lower"
    assert "judged on the lower limbs" in chart.subtitle
    # The demo grades no upper-limb muscle: nothing to draw, and each day says why.
    assert not chart.has_data
    assert len(chart.missing) == 3
    assert all("no muscle-side of the region was graded in both" in m for m in chart.missing)


def test_unknown_region_or_mode_is_refused_with_the_allowed_values() -> None:
    doc = demo("demo_responder.json")
    with pytest.raises(ValueError, match="lower, upper, all"):
        tone_chart(doc, region="legs")
    with pytest.raises(ValueError, match="reduction, absolute"):
        tone_chart(doc, mode="percent")
    with pytest.raises(ValueError, match="Unknown chart"):
        build_chart(doc, "pie")


def test_day_without_reassessments_says_so(build) -> None:
    day1 = build.day(1, 50, build.uniform("2"), {1: build.uniform("1")})
    day2 = build.day(2, 75, build.uniform("2"))  # dosed, no reassessment yet
    chart = tone_chart(document(build.trial([day1, day2])))
    series2 = chart.days[1]
    assert series2.hours == (0.0,) and series2.values == (0.0,)
    assert series2.responder is None
    assert any(
        m.startswith("Day 2 · 75 mcg: ") and "no reassessment was recorded" in m for m in chart.missing
    )
    assert chart.has_data  # day 1 still draws


def test_all_not_tested_gives_no_points_and_the_reason(build) -> None:
    day = build.day(1, 50, build.uniform("NT"), {1: build.uniform("NT"), 2: build.uniform("NT")})
    chart = tone_chart(document(build.trial([day])))
    assert chart.days[0].values == (None, None, None)  # not even a baseline mean
    assert not chart.has_data
    assert any("no muscle-side of the region was graded in both" in m for m in chart.missing)


def test_one_unpairable_reassessment_is_a_gap_listed_in_the_notes(build) -> None:
    day = build.day(
        1, 50, build.uniform("2"), {1: build.uniform("1"), 2: build.uniform("NT"), 4: build.uniform("1")}
    )
    chart = tone_chart(document(build.trial([day])))
    assert chart.days[0].values == (0.0, 1.0, None, 1.0)
    assert any("no reduction at 2 h" in m for m in chart.missing)


def test_empty_trial_draws_nothing_and_says_why(build) -> None:
    doc = document(build.trial([]))
    for kind in ("tone", "muscles", "rom", "vitals", "dose-response"):
        chart = build_chart(doc, kind)
        assert not chart.has_data
        assert NO_DAYS in chart.missing or chart.headline == NO_DAYS, kind


def test_day_without_dose_is_named_in_the_notes(build) -> None:
    chart = tone_chart(document(build.trial([build.day(1, None, build.uniform("2"))])))
    assert chart.days == ()
    assert chart.missing == ("Day 1: no dose was recorded, so there is no response to chart.",)
    assert day_label(1, None) == "Day 1 · no dose"


# ------------------------------------------------------------------------------------------ muscles


def test_muscle_grid_shows_each_grade_its_change_and_nt(build) -> None:
    grades_before = {(m, s): "2" for m in LOWER_MUSCLES for s in ("left", "right")}
    grades_before[("hip_extensors", "left")] = "NT"
    after = dict(grades_before)
    after[("hip_adductors", "left")] = "1+"
    after[("knee_flexors", "right")] = "3"
    day = build.day(1, 50, build.mas_map(grades_before), {2: build.mas_map(after)})
    grid = muscle_grid(document(build.trial([day])))
    assert grid.columns == ("Baseline 08:30", "2 h")
    assert len(grid.rows) == 16
    by_key = {(r.muscle, r.side): r for r in grid.rows}
    adductors = by_key[("hip_adductors", "left")].cells
    # CPRN: 2 → 2.0, 1+ → 1.5, so the change is 0.5 less tone.
    assert (adductors[1].grade, adductors[1].value, adductors[1].change) == ("1+", 1.5, 0.5)
    knee = by_key[("knee_flexors", "right")].cells[1]
    assert knee.change == -1.0 and "more tone" in knee.detail
    nt = by_key[("hip_extensors", "left")].cells
    assert [c.grade for c in nt] == ["NT", "NT"] and all(c.value is None for c in nt)
    assert by_key[("hip_extensors", "left")].short_label == "Hip extensors L"
    assert any("Not tested (NT) at any time point: Hip extensors left" in m for m in grid.missing)


def test_muscle_grid_uses_the_trial_coding(build) -> None:
    settings = replace(ProtocolSettings(), mas_coding="ordinal05")
    day = build.day(1, 50, build.uniform("1+"), {1: build.uniform("1")})
    grid = muscle_grid(document(build.trial([day], settings)))
    cell = grid.rows[0].cells[1]
    assert (cell.value, cell.change) == (1.0, 1.0)  # ordinal05: 1+ → 2, 1 → 1


def test_muscle_grid_day_defaults_to_the_latest_and_refuses_an_unknown_day() -> None:
    doc = demo("demo_responder.json")
    assert muscle_grid(doc).day == 3
    assert muscle_grid(doc, day=1).day_label == "Day 1 · 50 mcg"
    with pytest.raises(ValueError, match=r"no day 9\. Choose one of its days: 1, 2, 3"):
        muscle_grid(doc, day=9)


def test_muscle_grid_without_reassessment_shows_the_baseline_and_says_so(build) -> None:
    grid = muscle_grid(document(build.trial([build.day(1, 50, build.uniform("2"))])))
    assert grid.columns == ("Baseline 08:30",)
    assert any("no reassessment was recorded after the dose yet" in m for m in grid.missing)


# ----------------------------------------------------------------------------------------------- rom


def test_rom_series_are_the_recorded_degrees_per_day_and_side() -> None:
    doc = demo("demo_responder.json")
    keys = [o.key for o in measure_options(doc)]
    assert keys[0] == "rom:popliteal_angle" and "tardieu_r1:knee_flexors" in keys
    chart = rom_chart(doc)
    assert chart.measure is not None and chart.measure.key == "rom:popliteal_angle"
    day2_left = next(s for s in chart.series if s.day == 2 and s.side == "left")
    # demo day 2: popliteal angle left 60° at the 08:30 baseline, 41° at 13:00 (4 h after the 09:00 dose).
    assert (day2_left.hours, day2_left.values) == ((0.0, 4.0), (60, 41))
    assert chart.reference_deg == 50.0 and chart.reference_label == "Abnormal above 50° (Katz 1992)"
    tardieu = rom_chart(doc, "tardieu_r1:knee_flexors")
    assert tardieu.reference_deg is None
    assert len(next(s for s in tardieu.series if s.day == 1).values) == 6
    with pytest.raises(ValueError, match="Recorded measures: rom:popliteal_angle"):
        rom_chart(doc, "rom:elbow_extension")


def test_rom_says_when_nothing_was_measured(build) -> None:
    chart = rom_chart(document(build.trial([build.day(1, 50, build.uniform("2"), {1: build.uniform("1")})])))
    assert chart.measure is None
    assert chart.missing == ("No range-of-motion or Tardieu measure was recorded on this trial.",)


def test_rom_notes_a_day_where_the_measure_was_missing(build) -> None:
    baseline = replace(build.baseline(build.uniform("2")), rom=(RomEntry("popliteal_angle", "left", 60),))
    later = replace(build.reassessment(4, build.uniform("1")), rom=(RomEntry("popliteal_angle", "left", 45),))
    day1 = replace(build.day(1, 50, None), assessments=(baseline, later))
    day2 = build.day(2, 75, build.uniform("2"), {4: build.uniform("1")})
    chart = rom_chart(document(build.trial([day1, day2])))
    assert [s.label for s in chart.series] == ["Day 1 · 50 mcg · left"]
    assert chart.missing == ("Day 2 · 75 mcg: popliteal angle was not measured.",)


# -------------------------------------------------------------------------------------------- vitals


def _with_vitals(build, hours: float, kind: str, vitals: Vitals, umss: int) -> Assessment:
    a = build.assessment(kind, build.at(hours), build.uniform("2"))
    return replace(a, vitals=vitals, sedation_umss=umss)


def test_vitals_carry_the_r9_limits_and_exactly_the_r9_alerts(build) -> None:
    bands = load_default_bands()
    baseline = _with_vitals(build, -0.5, "baseline", Vitals(hr=96, rr=20, spo2=98, sbp=102, dbp=64), 0)
    # Breathing rate and SpO2 low (urgent), systolic low and UMSS 3 (warnings) for a 10-year-old.
    bad = _with_vitals(build, 2, "reassessment", Vitals(hr=90, rr=9, spo2=88, sbp=70, dbp=40), 3)
    day = replace(build.day(1, 50, None), assessments=(baseline, bad))
    doc = document(build.trial([day]))
    chart = vitals_chart(doc)
    band = band_for_age(bands, age_in_whole_months(CHILD.birth_date, day.date))
    assert band is not None
    panels = {p.code: p for p in chart.panels}
    assert (panels["hr"].low, panels["hr"].high) == (band.hr_low, band.hr_high)
    assert (panels["rr"].low, panels["rr"].high) == (band.rr_low, band.rr_high)
    assert panels["spo2"].low == bands.spo2_low and panels["bp"].low == band.sbp_low
    assert panels["rr"].series[0].hours == (-0.5, 2.0) and panels["rr"].series[0].values == (20, 9)
    expected = alerts_for_assessment(bad, CHILD.birth_date, bands)
    drawn = [(m.code, m.level, m.message) for p in chart.panels for m in p.alerts]
    assert sorted(drawn) == sorted((a.code, a.level, a.message) for a in expected)
    assert {m.hours for p in chart.panels for m in p.alerts} == {2.0}
    assert "4 alerts (2 urgent)" in chart.headline


def test_vitals_not_recorded_are_named(build) -> None:
    a = _with_vitals(build, -0.5, "baseline", Vitals(hr=96), 0)
    day = replace(build.day(1, 50, None), assessments=(a,))
    chart = vitals_chart(document(build.trial([day])))
    assert "Day 1 · 50 mcg: breathing rate was not recorded." in chart.missing
    assert "Day 1 · 50 mcg: SpO2 was not recorded." in chart.missing
    nothing = vitals_chart(document(build.trial([build.day(1, 50, build.uniform("2"))])))
    assert not nothing.has_data and nothing.headline == "Day 1 · 50 mcg: no vital signs were recorded."


def test_vitals_show_adverse_events_with_r5_significance() -> None:
    chart = vitals_chart(demo("demo_small_child.json"), day=2)
    assert [(e.hours, e.text, e.significant) for e in chart.events] == [
        (2.25, "drowsiness (moderate) at 11:15", True)
    ]


# ------------------------------------------------------------------------------------- dose response


@pytest.mark.parametrize("name", DEMOS)
def test_dose_response_points_are_the_r4_results(name: str) -> None:
    doc = demo(name)
    summary = summarize_trial(doc.trial)
    chart = dose_response_chart(doc)
    assert [
        (p.day, p.dose_mcg, p.peak_reduction, p.peak_hours, p.effect_hours, p.responder) for p in chart.points
    ] == [
        (r.day, r.dose_mcg, r.peak_reduction, r.peak_hours, r.effect_hours, r.responder) for r in summary.days
    ]
    assert chart.threshold == doc.trial.settings.threshold


def test_dose_response_carries_the_r6_advice_only_for_the_trial_region() -> None:
    doc = demo("demo_responder.json")
    assert dose_response_chart(doc).recommendation == (
        "Label advice: start the pump at 150 mcg/day (twice the screening dose)."
    )
    assert dose_response_chart(doc, region="all").recommendation is None
    nonresponder = dose_response_chart(demo("demo_nonresponder.json"))
    assert nonresponder.recommendation is not None and "no response to 100 mcg" in nonresponder.recommendation


def test_single_day_says_a_comparison_needs_more_days(build) -> None:
    day = build.day(1, 50, build.uniform("2"), {2: build.uniform("1")})
    chart = dose_response_chart(document(build.trial([day])))
    assert len(chart.points) == 1 and chart.has_data
    assert "Only one day has been dosed so far: comparing doses needs two or more days." in chart.missing


def test_days_are_charted_in_day_order_whatever_the_record_order(build) -> None:
    days = [
        build.day(2, 75, build.uniform("2"), {1: build.uniform("1")}),
        build.day(1, 50, build.uniform("2")),
    ]
    chart = tone_chart(document(build.trial(days)))
    assert [s.day for s in chart.days] == [1, 2]


def test_hours_follow_the_day_dose_when_a_reassessment_is_late(build) -> None:
    # A reassessment 4 h 20 min after the dose is plotted at 4.33 h, R4's hours to 2 decimals.
    late = build.reassessment(4 + 20 / 60, build.uniform("1"))
    day = replace(
        build.day(1, 50, build.uniform("2")), assessments=(build.baseline(build.uniform("2")), late)
    )
    series = tone_chart(document(build.trial([day]))).days[0]
    assert series.hours == (0.0, 4.33)
    assert late.at - build.dose_time() == timedelta(hours=4, minutes=20)


def test_mas_entries_for_other_regions_do_not_leak_into_the_grid(build) -> None:
    mas = (*build.uniform("2"), MasEntry("elbow_flexors", "left", "3"))
    day = build.day(1, 50, mas, {1: build.uniform("1")})
    grid = muscle_grid(document(build.trial([day])))
    assert all(r.muscle in LOWER_MUSCLES for r in grid.rows)
    upper = muscle_grid(document(build.trial([day])), region="upper")
    assert [(r.muscle, r.side) for r in upper.rows] == [("elbow_flexors", "left")]
