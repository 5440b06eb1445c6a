"""R3 paired change, R4 day response, R5 significant adverse effects, R6 recommended pump dose.

Expected numbers are worked by hand in the comments: lower region = 8 muscles × 2 sides = 16 muscle-sides;
CPRN coding unless stated (0, 1, 1+, 2, 3, 4 → 0, 1, 1.5, 2, 3, 4).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trialapp.domain.muscles import ALL_MUSCLES, LOWER_MUSCLES, SIDES, UPPER_MUSCLES, muscles_for_region
from trialapp.domain.records import Assessment, Day, MasEntry, ProtocolSettings
from trialapp.domain.response import (
    BASIS_ADVERSE_EFFECTS,
    BASIS_EFFECT_OVER_8H,
    BASIS_TWICE,
    NOTE_NO_RESPONSE_TO_100,
    SIGNIFICANT_KINDS,
    DayResponse,
    day_baseline,
    day_dose,
    day_reassessments,
    day_response,
    format_hours,
    format_score,
    hours_after_dose,
    is_significant,
    meets_threshold,
    paired_change,
    recommend_initial_daily_dose,
    round2,
    significant_adverse_events,
)
from trialapp.domain.scales import MasGradeError, coding_values

DEFAULT = ProtocolSettings()


# ------------------------------------------------------------------------------------------------
# Display helpers


def test_round2_is_half_up() -> None:
    assert round2(0.625) == 0.63  # built-in round() gives 0.62 (half to even)
    assert round2(1.375) == 1.38
    assert round2(-0.001) == 0.0 and str(round2(-0.001)) == "0.0"


def test_format_score_and_hours() -> None:
    assert format_score(1.0) == "1.0"
    assert format_score(1.375) == "1.38"
    assert format_score(1.3) == "1.3"
    assert format_score(0.5) == "0.5"
    assert format_hours(4.0) == "4 h"
    assert format_hours(1.5) == "1.5 h"
    assert format_hours(0.75) == "0.75 h"


def test_hours_after_dose_to_two_decimals(build) -> None:
    dose = build.dose_time()
    assert hours_after_dose(dose, dose + timedelta(minutes=90)) == 1.5
    assert hours_after_dose(dose, dose + timedelta(minutes=20)) == 0.33
    assert hours_after_dose(dose, dose + timedelta(minutes=40)) == 0.67
    assert hours_after_dose(dose, dose + timedelta(hours=8)) == 8.0


def test_meets_threshold_uses_the_1e9_tolerance() -> None:
    assert meets_threshold(1.0, 1.0)
    assert meets_threshold(1.0 - 1e-10, 1.0)
    assert not meets_threshold(1.0 - 1e-8, 1.0)
    assert not meets_threshold(0.99, 1.0)


# ------------------------------------------------------------------------------------------------
# R3 paired change


def test_paired_change_quarter_point(build) -> None:
    # 16 sides at 2; four of them fall to 1: (16·2 − 4·1 − 12·2)/16 = 4/16 = 0.25.
    baseline = build.baseline(build.uniform("2"))
    post = build.reassessment(1, build.mas(["1"] * 4 + ["2"] * 12))
    change = paired_change(baseline, post, "lower", "cprn", build.dose_time())
    assert change.hours == 1.0
    assert change.at == post.at
    assert change.baseline_mean == 2.0
    assert change.post_mean == 1.75
    assert change.reduction == 0.25
    assert (change.paired, change.left_out) == (16, 0)
    assert change.explanation == "reduction 0.25 (mean 2.0 at baseline, 1.75 at 1 h): 16 muscle-sides paired"


def test_paired_change_explanation_counts_what_was_left_out(build) -> None:
    # Region "all" (28 sides). Baseline: the 16 lower sides at 2 and both shoulder adductors at 3.
    # At 4 h: the shoulders NT; 6 lower sides at 0 and 10 at 1. Paired = 16 lower sides:
    # reduction = (6·2 + 10·1)/16 = 22/16 = 1.375 → "1.38"; post mean 10/16 = 0.625 → "0.63" (half up).
    baseline = build.baseline(build.uniform("2") + build.mas(["3", "3"], UPPER_MUSCLES))
    post = build.reassessment(4, build.mas(["0"] * 6 + ["1"] * 10) + build.mas(["NT", "NT"], UPPER_MUSCLES))
    change = paired_change(baseline, post, "all", "cprn", build.dose_time())
    assert change.reduction == 1.375
    assert (change.paired, change.left_out) == (16, 2)
    assert change.explanation == (
        "reduction 1.38 (mean 2.0 at baseline, 0.63 at 4 h): 16 muscle-sides paired; "
        "2 not tested at 4 h were left out"
    )


def test_nt_on_one_side_only_drops_just_that_side(build) -> None:
    # hip flexors: left NT at baseline, right 3. At 2 h both are 1. Only the right side pairs: 3 − 1 = 2.
    baseline = build.baseline(build.mas_map({("hip_flexors", "left"): "NT", ("hip_flexors", "right"): "3"}))
    post = build.reassessment(2, build.mas_map({("hip_flexors", "left"): "1", ("hip_flexors", "right"): "1"}))
    change = paired_change(baseline, post, "lower", "cprn", build.dose_time())
    assert (change.baseline_mean, change.post_mean, change.reduction) == (3.0, 1.0, 2.0)
    assert (change.paired, change.left_out) == (1, 1)
    assert change.explanation.endswith("1 muscle-side paired; 1 not tested at baseline was left out")


def test_a_missing_entry_counts_like_nt(build) -> None:
    baseline = build.baseline(build.mas(["2", "2"]))  # hip flexors left and right
    post_missing = build.reassessment(2, build.mas(["1"]))
    post_nt = build.reassessment(2, build.mas(["1", "NT"]))
    a = paired_change(baseline, post_missing, "lower", "cprn", build.dose_time())
    b = paired_change(baseline, post_nt, "lower", "cprn", build.dose_time())
    assert (a.reduction, a.paired, a.left_out) == (b.reduction, b.paired, b.left_out) == (1.0, 1, 1)


def test_empty_paired_set_has_no_reduction_and_says_why(build) -> None:
    baseline = build.baseline(build.uniform("NT"))
    post = build.reassessment(4, build.uniform("1"))
    change = paired_change(baseline, post, "lower", "cprn", build.dose_time())
    assert change.reduction is None and change.baseline_mean is None and change.post_mean is None
    assert (change.paired, change.left_out) == (0, 16)
    assert change.explanation == "no reduction at 4 h: no lower-limb muscle-side was graded at baseline"


def test_empty_paired_set_when_graded_sides_do_not_overlap(build) -> None:
    baseline = build.baseline(build.mas_map({("hip_flexors", "left"): "2"}))
    post = build.reassessment(4, build.mas_map({("hip_flexors", "right"): "1"}))
    change = paired_change(baseline, post, "lower", "cprn", build.dose_time())
    assert change.reduction is None
    assert change.left_out == 2
    assert "not the same ones" in change.explanation


def test_region_lower_ignores_upper_limb_grades(build) -> None:
    baseline = build.baseline(build.uniform("2") + build.uniform("4", UPPER_MUSCLES))
    post = build.reassessment(2, build.uniform("2") + build.uniform("0", UPPER_MUSCLES))
    change = paired_change(baseline, post, "lower", "cprn", build.dose_time())
    assert change.reduction == 0.0
    assert change.paired == 16


def test_region_upper_uses_only_upper_limbs(build) -> None:
    # 12 upper sides: 3 → 1+ is a fall of 1.5 each, so the mean falls by 1.5; lower limbs unchanged.
    baseline = build.baseline(build.uniform("2") + build.uniform("3", UPPER_MUSCLES))
    post = build.reassessment(2, build.uniform("2") + build.uniform("1+", UPPER_MUSCLES))
    change = paired_change(baseline, post, "upper", "cprn", build.dose_time())
    assert (change.baseline_mean, change.post_mean, change.reduction, change.paired) == (3.0, 1.5, 1.5, 12)


def test_region_all_averages_over_both(build) -> None:
    # 16 lower sides fall 2 → 1 (−16), 12 upper sides unchanged at 3: reduction 16/28 = 4/7.
    baseline = build.baseline(build.uniform("2") + build.uniform("3", UPPER_MUSCLES))
    post = build.reassessment(2, build.uniform("1") + build.uniform("3", UPPER_MUSCLES))
    change = paired_change(baseline, post, "all", "cprn", build.dose_time())
    assert change.paired == 28
    assert change.reduction == pytest.approx(4 / 7, abs=1e-12)
    assert change.baseline_mean == pytest.approx((16 * 2 + 12 * 3) / 28, abs=1e-12)


def test_ordinal05_counts_1plus_as_two(build) -> None:
    baseline = build.baseline(build.uniform("1+"))
    post = build.reassessment(2, build.uniform("1"))
    assert paired_change(baseline, post, "lower", "cprn", build.dose_time()).reduction == 0.5
    assert paired_change(baseline, post, "lower", "ordinal05", build.dose_time()).reduction == 1.0


def test_without_dose_time_hours_are_unknown(build) -> None:
    baseline = build.baseline(build.uniform("2"))
    post = build.reassessment(4, build.uniform("1"))
    change = paired_change(baseline, post, "lower", "cprn", None)
    assert change.hours is None
    assert "at the 13:00 reassessment" in change.explanation


def test_a_repeated_entry_is_read_as_its_correction(build) -> None:
    baseline = build.baseline(build.mas_map({("hip_flexors", "left"): "2"}))
    post = build.reassessment(
        2, (MasEntry("hip_flexors", "left", "0"), MasEntry("hip_flexors", "left", "1"))
    )  # later entry (1) wins
    assert paired_change(baseline, post, "lower", "cprn", build.dose_time()).reduction == 1.0


def test_bad_inputs_are_refused(build) -> None:
    baseline = build.baseline(build.mas_map({("hip_flexors", "left"): "5"}))
    post = build.reassessment(2, build.uniform("1"))
    with pytest.raises(MasGradeError):
        paired_change(baseline, post, "lower", "cprn", build.dose_time())
    good = build.baseline(build.uniform("2"))
    with pytest.raises(ValueError):
        paired_change(good, post, "legs", "cprn", build.dose_time())
    with pytest.raises(ValueError):
        paired_change(good, post, "lower", "ashworth", build.dose_time())


# ------------------------------------------------------------------------------------------------
# Which records count on a day


def test_day_dose_is_the_first_by_time_even_if_listed_second(build) -> None:
    late, early = build.dose(50, hours=4), build.dose(25, hours=0)
    day = Day(day=1, date=build.day_date(1), doses=(late, early))
    assert day_dose(day) is early
    assert day_dose(Day(day=1, date=build.day_date(1))) is None


def test_day_baseline_is_the_last_before_the_dose(build) -> None:
    older = build.baseline(build.uniform("3"), hours=-2)
    newer = build.baseline(build.uniform("2"), hours=-0.5)
    after = build.baseline(build.uniform("4"), hours=1)
    day = build.day(1, 50, None, extra_assessments=[newer, after, older])
    assert day_baseline(day) is newer


def test_a_baseline_in_the_same_minute_as_the_dose_counts(build) -> None:
    same_minute = build.baseline(build.uniform("2"), hours=0)
    day = build.day(1, 50, None, extra_assessments=[same_minute])
    assert day_baseline(day) is same_minute


def test_no_baseline_without_dose(build) -> None:
    day = build.day(1, None, build.uniform("2"))
    assert day_baseline(day) is None
    assert day_reassessments(day) == ()


def test_day_reassessments_after_the_dose_by_time(build) -> None:
    before = build.reassessment(-0.25, build.uniform("0"))
    day = build.day(
        1, 50, build.uniform("2"), {4: build.uniform("1"), 1: build.uniform("2")}, extra_assessments=[before]
    )
    assert [a.at for a in day_reassessments(day)] == [build.at(1), build.at(4)]


# ------------------------------------------------------------------------------------------------
# R4 day response


def json_example_day2(build, **kwargs) -> Day:
    """Day 2 of the RULES.md summary example: 75 mcg; 0.75 at 2 h, 1.25 at 4 h, 1.0 at 6 h, 0.5 at 8 h."""
    return build.day(
        2,
        75,
        build.uniform("2"),
        {
            2: build.mas(["1"] * 12 + ["2"] * 4),  # 12/16 = 0.75
            4: build.mas(["0"] * 4 + ["1"] * 12),  # (4·2 + 12·1)/16 = 1.25
            6: build.uniform("1"),  # 1.0
            8: build.mas(["1"] * 8 + ["2"] * 8),  # 0.5
        },
        **kwargs,
    )


def test_day_response_responder_peak_and_effect(build) -> None:
    response = day_response(json_example_day2(build), DEFAULT)
    assert response.day == 2 and response.dose_mcg == 75
    assert response.responder is True
    assert (response.peak_reduction, response.peak_hours) == (1.25, 4.0)
    assert response.effect_hours == 6.0  # the 6 h reduction is exactly 1.0 = threshold
    assert response.effect_censored is False  # 8 h was measured and below threshold
    assert response.effect_over_8h is False
    assert response.significant_adverse_effect is False
    assert [(c.hours, c.reduction) for c in response.reassessments] == [
        (2.0, 0.75),
        (4.0, 1.25),
        (6.0, 1.0),
        (8.0, 0.5),
    ]
    assert response.explanation == (
        "Responder: peak 1.25 at 4 h ≥ threshold 1.0; effect lasted to 6 h (last reassessment at or above threshold)."
    )


def test_non_responder_has_no_effect_hours(build) -> None:
    day = build.day(
        1, 50, build.uniform("2"), {1: build.mas(["1"] * 4 + ["2"] * 12), 4: build.mas(["1"] * 8 + ["2"] * 8)}
    )
    response = day_response(day, DEFAULT)
    assert response.responder is False
    assert (response.peak_reduction, response.peak_hours) == (0.5, 4.0)
    assert (response.effect_hours, response.effect_censored, response.effect_over_8h) == (None, False, False)
    assert response.explanation == "Not a responder: peak 0.5 at 4 h < threshold 1.0."


def test_exact_threshold_two_to_one(build) -> None:
    day = build.day(1, 50, build.uniform("2"), {4: build.uniform("1")})
    response = day_response(day, DEFAULT)
    assert response.peak_reduction == 1.0
    assert response.responder is True


def test_exact_threshold_one_and_a_half_to_a_half(build) -> None:
    # baseline all 1+ (1.5); post half at 1, half at 0: mean 0.5; 1.5 − 0.5 = 1.0 exactly.
    day = build.day(1, 50, build.uniform("1+"), {4: build.mas(["1", "0"] * 8)})
    assert day_response(day, DEFAULT).responder is True


def test_exact_threshold_when_float_subtraction_of_thirds_is_inexact(build) -> None:
    # Three graded sides (the rest NT). Baseline 2, 2, 1+ → 5.5/3; post 1, 1+, 0 → 2.5/3; true reduction 1.
    naive = 5.5 / 3 - 2.5 / 3
    assert naive < 1.0  # plain float arithmetic lands just below the threshold
    day = build.day(
        1, 50, build.mas(["2", "2", "1+"] + ["NT"] * 13), {4: build.mas(["1", "1+", "0"] + ["NT"] * 13)}
    )
    response = day_response(day, DEFAULT)
    assert response.responder is True
    assert response.peak_reduction == pytest.approx(1.0, abs=1e-12)
    assert response.effect_hours == 4.0


def test_just_below_threshold_is_not_a_responder(build) -> None:
    # 15 of 16 sides 2 → 1: 15/16 = 0.9375, displayed 0.94, clearly below 1.0.
    day = build.day(1, 50, build.uniform("2"), {4: build.mas(["1"] * 15 + ["2"])})
    response = day_response(day, DEFAULT)
    assert response.responder is False
    assert "peak 0.94 at 4 h < threshold 1.0" in response.explanation


def test_ties_go_to_the_earliest_peak(build) -> None:
    day = build.day(
        1, 50, build.uniform("2"), {2: build.uniform("1"), 4: build.uniform("1"), 6: build.uniform("2")}
    )
    response = day_response(day, DEFAULT)
    assert (response.peak_reduction, response.peak_hours) == (1.0, 2.0)
    assert response.effect_hours == 4.0  # the last at or above threshold, not the peak


def test_effect_uses_the_last_reassessment_at_or_above_threshold_even_after_a_dip(build) -> None:
    day = build.day(
        1,
        50,
        build.uniform("2"),
        {2: build.uniform("1"), 4: build.uniform("2"), 6: build.uniform("0"), 8: build.uniform("2")},
    )
    response = day_response(day, DEFAULT)
    assert (response.peak_reduction, response.peak_hours, response.effect_hours) == (2.0, 6.0, 6.0)
    assert response.effect_censored is False


def test_effect_still_present_at_the_last_reassessment_is_censored(build) -> None:
    day = build.day(1, 50, build.uniform("2"), {2: build.uniform("1"), 6: build.uniform("1")})
    response = day_response(day, DEFAULT)
    assert (response.effect_hours, response.effect_censored) == (6.0, True)
    assert "at least to 6 h" in response.explanation


def test_a_later_reassessment_without_pairs_does_not_end_the_effect(build) -> None:
    # Decision: the 8 h reassessment graded nothing, so the effect was never seen to end → censored.
    day = build.day(1, 50, build.uniform("2"), {6: build.uniform("1"), 8: build.uniform("NT")})
    response = day_response(day, DEFAULT)
    assert response.effect_hours == 6.0
    assert response.effect_censored is True
    assert [c.reduction for c in response.reassessments] == [1.0, None]


def test_effect_exactly_8_h_is_not_over_8_h(build) -> None:
    day = build.day(
        1, 50, build.uniform("2"), {4: build.uniform("1"), 8: build.uniform("1"), 10: build.uniform("2")}
    )
    response = day_response(day, DEFAULT)
    assert response.effect_hours == 8.0
    assert response.effect_over_8h is False


def test_effect_just_past_8_h_is_over_8_h(build) -> None:
    # 8 h 1 min = 8.02 h after rounding to 2 decimals.
    day = build.day(1, 50, build.uniform("2"), {4: build.uniform("1"), 8 + 1 / 60: build.uniform("1")})
    response = day_response(day, DEFAULT)
    assert response.effect_hours == 8.02
    assert response.effect_over_8h is True
    assert response.effect_censored is True


def test_no_dose_means_not_judged(build) -> None:
    day = build.day(1, None, build.uniform("2"), {4: build.uniform("0")})
    response = day_response(day, DEFAULT)
    assert response.responder is None and response.dose_mcg is None
    assert response.reassessments == ()
    assert response.peak_reduction is None and response.effect_hours is None
    assert "no dose" in response.explanation


def test_no_baseline_means_not_judged_but_reassessments_are_listed(build) -> None:
    day = build.day(1, 50, None, {1: build.uniform("1"), 4: build.uniform("0")})
    response = day_response(day, DEFAULT)
    assert response.responder is None and response.dose_mcg == 50
    assert [(c.hours, c.reduction) for c in response.reassessments] == [(1.0, None), (4.0, None)]
    assert "no baseline" in response.explanation


def test_a_baseline_after_the_dose_is_ignored(build) -> None:
    late_baseline = build.baseline(build.uniform("4"), hours=0.5)  # would give reduction 3 at 4 h
    day = build.day(1, 50, build.uniform("2"), {4: build.uniform("1+")}, extra_assessments=[late_baseline])
    response = day_response(day, DEFAULT)
    assert response.peak_reduction == 0.5  # against the 08:30 baseline (2 → 1+)
    assert response.responder is False
    assert "Not counted: 1 baseline recorded after the dose." in response.explanation


def test_only_a_baseline_after_the_dose_means_not_judged(build) -> None:
    late_baseline = build.baseline(build.uniform("4"), hours=0.5)
    day = build.day(1, 50, None, {4: build.uniform("1")}, extra_assessments=[late_baseline])
    assert day_response(day, DEFAULT).responder is None


def test_a_reassessment_before_the_dose_is_ignored(build) -> None:
    early = build.reassessment(-0.25, build.uniform("0"))  # would be reduction 2
    day = build.day(
        1, 50, build.uniform("2"), {4: build.mas(["1"] * 8 + ["2"] * 8)}, extra_assessments=[early]
    )
    response = day_response(day, DEFAULT)
    assert [c.hours for c in response.reassessments] == [4.0]
    assert response.peak_reduction == 0.5 and response.responder is False
    assert "1 reassessment recorded before the dose" in response.explanation


def test_no_reassessment_after_the_dose_means_not_judged(build) -> None:
    day = build.day(1, 50, build.uniform("2"))
    response = day_response(day, DEFAULT)
    assert response.responder is None
    assert response.reassessments == ()
    assert "no reassessment" in response.explanation


def test_no_reassessment_with_pairs_means_not_judged(build) -> None:
    day = build.day(1, 50, build.uniform("2"), {2: build.uniform("NT"), 4: build.uniform("NT")})
    response = day_response(day, DEFAULT)
    assert response.responder is None
    assert [(c.hours, c.reduction) for c in response.reassessments] == [(2.0, None), (4.0, None)]


def test_second_dose_on_the_same_day_is_mentioned_and_hours_count_from_the_first(build) -> None:
    day = build.day(1, 50, build.uniform("2"), {4: build.uniform("1")})
    day = replace(day, doses=(*day.doses, build.dose(25, hours=2)))
    response = day_response(day, DEFAULT)
    assert response.dose_mcg == 50
    assert response.peak_hours == 4.0
    assert "2 doses were recorded on this day" in response.explanation


def test_ordinal05_setting_changes_the_verdict(build) -> None:
    day = build.day(1, 50, build.uniform("1+"), {4: build.uniform("1")})
    assert day_response(day, DEFAULT).responder is False  # cprn: 1.5 − 1 = 0.5
    assert day_response(day, replace(DEFAULT, mas_coding="ordinal05")).responder is True  # 2 − 1 = 1


def test_region_setting_upper_and_all(build) -> None:
    # Lower limbs unchanged at 2; upper limbs 3 → 1 (fall 2 on 12 sides).
    day = build.day(
        1,
        50,
        build.uniform("2") + build.uniform("3", UPPER_MUSCLES),
        {4: build.uniform("2") + build.uniform("1", UPPER_MUSCLES)},
    )
    assert day_response(day, DEFAULT).responder is False  # lower: 0
    upper = day_response(day, replace(DEFAULT, region="upper"))
    assert (upper.responder, upper.peak_reduction) == (True, 2.0)
    both = day_response(day, replace(DEFAULT, region="all"))
    assert both.peak_reduction == pytest.approx(24 / 28, abs=1e-12)  # 12·2 / 28 sides
    assert both.responder is False


def test_threshold_setting_is_used(build) -> None:
    day = build.day(1, 50, build.uniform("2"), {4: build.mas(["1"] * 8 + ["2"] * 8)})  # 0.5
    response = day_response(day, replace(DEFAULT, threshold=0.5))
    assert response.responder is True
    assert "≥ threshold 0.5" in response.explanation


# ------------------------------------------------------------------------------------------------
# R5 significant adverse effects


@pytest.mark.parametrize("kind", sorted(SIGNIFICANT_KINDS))
def test_listed_kinds_are_significant_even_when_mild(build, kind: str) -> None:
    assert is_significant(build.event(kind, "mild"))


@pytest.mark.parametrize("severity", ["moderate", "severe"])
def test_moderate_or_severe_is_significant_whatever_the_kind(build, severity: str) -> None:
    assert is_significant(build.event("nausea", severity))


def test_mild_other_kinds_are_not_significant(build) -> None:
    for kind in (
        "nausea",
        "vomiting",
        "headache",
        "csf_leak",
        "drowsiness",
        "hypotonia",
        "pruritus",
        "other",
    ):
        assert not is_significant(build.event(kind, "mild"))


def test_significant_kinds_are_the_four_of_r5() -> None:
    assert frozenset({"respiratory_depression", "seizure", "bradycardia", "hypotension"}) == SIGNIFICANT_KINDS


def test_significant_adverse_events_keep_order(build) -> None:
    events = [
        build.event("nausea", "mild", 1),
        build.event("vomiting", "moderate", 2),
        build.event("headache", "mild", 3),
        build.event("seizure", "mild", 4),
    ]
    assert significant_adverse_events(events) == (events[1], events[3])


def test_day_response_flags_significant_adverse_effect_via_kind(build) -> None:
    day = build.day(1, 50, build.uniform("2"), {4: build.uniform("1")}, events=[("bradycardia", "mild")])
    response = day_response(day, DEFAULT)
    assert response.significant_adverse_effect is True
    assert "Significant adverse effect: bradycardia (mild) at 11:00." in response.explanation


def test_day_response_flags_significant_adverse_effect_via_severity(build) -> None:
    day = build.day(1, 50, build.uniform("2"), {4: build.uniform("1")}, events=[("vomiting", "moderate")])
    assert day_response(day, DEFAULT).significant_adverse_effect is True
    mild = build.day(1, 50, build.uniform("2"), {4: build.uniform("1")}, events=[("vomiting", "mild")])
    assert day_response(mild, DEFAULT).significant_adverse_effect is False


# ------------------------------------------------------------------------------------------------
# R6 recommended initial daily pump dose


def responder_day(build, day: int, dose_mcg: int, effect_until: float, events=()) -> Day:
    """A day whose reduction is 1.0 at every hour up to ``effect_until``, then 0.5 two hours later."""
    hours = [h for h in (1, 2, 4, 6, 8, 10, 12) if h <= effect_until]
    reassessments = {h: build.uniform("1") for h in hours}
    reassessments[effect_until + 2] = build.mas(["1"] * 8 + ["2"] * 8)
    return build.day(day, dose_mcg, build.uniform("2"), reassessments, events=events)


def non_responder_day(build, day: int, dose_mcg: int) -> Day:
    return build.day(day, dose_mcg, build.uniform("2"), {4: build.mas(["1"] * 8 + ["2"] * 8)})  # 0.5


def test_reference_example_50_mcg_effect_6_h_gives_100_mcg_per_day(build) -> None:
    responses = [day_response(responder_day(build, 1, 50, 6), DEFAULT)]
    assert (responses[0].responder, responses[0].effect_hours, responses[0].effect_over_8h) == (
        True,
        6.0,
        False,
    )
    recommendation = recommend_initial_daily_dose(responses)
    assert recommendation.recommended_daily_dose_mcg == 100
    assert recommendation.basis == "twice the screening dose" == BASIS_TWICE
    assert recommendation.note is None
    assert "100 mcg/day" in recommendation.explanation
    assert "neurosurgeon" in recommendation.explanation


def test_reference_example_75_mcg_effect_10_h_gives_75_mcg_per_day(build) -> None:
    responses = [
        day_response(non_responder_day(build, 1, 50), DEFAULT),
        day_response(responder_day(build, 2, 75, 10), DEFAULT),
    ]
    assert (responses[1].effect_hours, responses[1].effect_over_8h) == (10.0, True)
    recommendation = recommend_initial_daily_dose(responses)
    assert recommendation.recommended_daily_dose_mcg == 75
    assert recommendation.basis == "screening dose (effect > 8 h)" == BASIS_EFFECT_OVER_8H
    assert recommendation.note is None
    assert "75 mcg/day" in recommendation.explanation


def test_significant_adverse_effect_gives_the_screening_dose(build) -> None:
    responses = [day_response(responder_day(build, 1, 50, 6, events=[("hypotension", "mild")]), DEFAULT)]
    recommendation = recommend_initial_daily_dose(responses)
    assert recommendation.recommended_daily_dose_mcg == 50
    assert recommendation.basis == "screening dose (adverse effects)" == BASIS_ADVERSE_EFFECTS


def test_effect_over_8_h_with_adverse_effect_names_the_label_rule(build) -> None:
    responses = [day_response(responder_day(build, 1, 50, 10, events=[("seizure", "mild")]), DEFAULT)]
    recommendation = recommend_initial_daily_dose(responses)
    assert recommendation.recommended_daily_dose_mcg == 50
    assert recommendation.basis == BASIS_EFFECT_OVER_8H
    assert "also had a significant adverse effect" in recommendation.explanation


def test_the_first_responder_day_by_day_number_counts(build) -> None:
    day2 = day_response(responder_day(build, 2, 75, 6), DEFAULT)
    day3 = day_response(responder_day(build, 3, 100, 10), DEFAULT)
    day1 = day_response(non_responder_day(build, 1, 50), DEFAULT)
    recommendation = recommend_initial_daily_dose([day3, day1, day2])  # order given does not matter
    assert recommendation.recommended_daily_dose_mcg == 150
    assert recommendation.explanation.startswith("Day 2 was the first responder day (75 mcg)")


def test_censored_effect_is_flagged_in_the_explanation(build) -> None:
    day = build.day(1, 50, build.uniform("2"), {2: build.uniform("1"), 6: build.uniform("1")})
    recommendation = recommend_initial_daily_dose([day_response(day, DEFAULT)])
    assert recommendation.recommended_daily_dose_mcg == 100
    assert "if it lasted more than 8 h the label advises 50 mcg/day instead" in recommendation.explanation


def test_no_responder_after_100_mcg_gives_the_non_candidate_note(build) -> None:
    responses = [
        day_response(non_responder_day(build, d, dose), DEFAULT) for d, dose in ((1, 50), (2, 75), (3, 100))
    ]
    recommendation = recommend_initial_daily_dose(responses)
    assert (recommendation.recommended_daily_dose_mcg, recommendation.basis) == (None, None)
    assert (
        recommendation.note == "no response to 100 mcg: not a candidate by the labelled screening criterion"
    )
    assert recommendation.note == NOTE_NO_RESPONSE_TO_100
    assert "Day 3 had no response to 100 mcg" in recommendation.explanation


def test_no_responder_below_100_mcg_has_no_note(build) -> None:
    responses = [day_response(non_responder_day(build, d, dose), DEFAULT) for d, dose in ((1, 50), (2, 75))]
    recommendation = recommend_initial_daily_dose(responses)
    assert (recommendation.recommended_daily_dose_mcg, recommendation.basis, recommendation.note) == (
        None,
        None,
        None,
    )
    assert "No day met the response threshold" in recommendation.explanation


def test_an_unjudged_100_mcg_day_is_not_a_non_response(build) -> None:
    unjudged = day_response(build.day(3, 100, None, {4: build.uniform("2")}), DEFAULT)
    recommendation = recommend_initial_daily_dose([unjudged])
    assert recommendation.note is None
    assert recommendation.recommended_daily_dose_mcg is None
    assert "not judged: day 3" in recommendation.explanation


def test_no_days_no_recommendation() -> None:
    recommendation = recommend_initial_daily_dose([])
    assert (recommendation.recommended_daily_dose_mcg, recommendation.basis, recommendation.note) == (
        None,
        None,
        None,
    )
    assert recommendation.explanation


# ------------------------------------------------------------------------------------------------
# Properties

GRADES_OR_NT = st.sampled_from(["0", "1", "1+", "2", "3", "4", "NT"])
MUSCLE_SIDES = [(m, s) for m in ALL_MUSCLES for s in SIDES]
grade_maps = st.dictionaries(st.sampled_from(MUSCLE_SIDES), GRADES_OR_NT, max_size=len(MUSCLE_SIDES))


def assessment_from(kind: str, hours: float, grades: dict[tuple[str, str], str], build) -> Assessment:
    return build.assessment(kind, build.at(hours), [MasEntry(m, s, g) for (m, s), g in grades.items()])


@given(grade_maps, st.sampled_from(["lower", "upper", "all"]), st.sampled_from(["cprn", "ordinal05"]))
def test_property_reduction_is_zero_when_post_equals_baseline(build, grades, region, coding) -> None:
    baseline = assessment_from("baseline", -0.5, grades, build)
    post = assessment_from("reassessment", 4, grades, build)
    change = paired_change(baseline, post, region, coding, build.dose_time())
    graded_in_region = [k for k, g in grades.items() if g != "NT" and k[0] in muscles_for_region(region)]
    if graded_in_region:
        assert change.reduction == 0.0
        assert change.baseline_mean == change.post_mean
        assert change.paired == len(graded_in_region)
    else:
        assert change.reduction is None
    assert change.left_out == 0


@given(
    grade_maps, grade_maps, st.sampled_from(MUSCLE_SIDES), st.booleans(), st.sampled_from(["lower", "all"])
)
def test_property_adding_an_nt_side_never_changes_a_mean(
    build, before, after, extra, to_baseline, region
) -> None:
    target = before if to_baseline else after
    if extra in target:
        target.pop(extra)  # the side is not yet recorded there; adding it as NT must change no mean
    baseline = assessment_from("baseline", -0.5, before, build)
    post = assessment_from("reassessment", 4, after, build)
    plain = paired_change(baseline, post, region, "cprn", build.dose_time())
    if to_baseline:
        baseline = assessment_from("baseline", -0.5, {**before, extra: "NT"}, build)
    else:
        post = assessment_from("reassessment", 4, {**after, extra: "NT"}, build)
    with_nt = paired_change(baseline, post, region, "cprn", build.dose_time())
    assert (with_nt.baseline_mean, with_nt.post_mean, with_nt.reduction, with_nt.paired) == (
        plain.baseline_mean,
        plain.post_mean,
        plain.reduction,
        plain.paired,
    )


@given(
    grade_maps, grade_maps, st.sampled_from(["lower", "upper", "all"]), st.sampled_from(["cprn", "ordinal05"])
)
def test_property_means_are_the_exact_means_of_the_coded_grades(build, before, after, region, coding) -> None:
    """R3 by its definition, with exact fractions of the coding's numbers: the means over the muscle-sides
    of the region graded in both, and their difference, agree to the last bit."""
    values = coding_values(coding)
    wanted = set(muscles_for_region(region))
    graded_before = {k: g for k, g in before.items() if g != "NT" and k[0] in wanted}
    graded_after = {k: g for k, g in after.items() if g != "NT" and k[0] in wanted}
    paired = [k for k in graded_before if k in graded_after]
    change = paired_change(
        assessment_from("baseline", -0.5, before, build),
        assessment_from("reassessment", 4, after, build),
        region,
        coding,
        build.dose_time(),
    )
    assert change.paired == len(paired)
    if not paired:
        assert (change.baseline_mean, change.post_mean, change.reduction) == (None, None, None)
        return
    mean_before = sum(Fraction(values[graded_before[k]]) for k in paired) / len(paired)
    mean_after = sum(Fraction(values[graded_after[k]]) for k in paired) / len(paired)
    assert change.baseline_mean == float(mean_before)
    assert change.post_mean == float(mean_after)
    assert change.reduction == float(mean_before - mean_after)


@given(grade_maps, grade_maps)
def test_property_swapping_assessments_negates_the_reduction(build, before, after) -> None:
    a = assessment_from("baseline", -0.5, before, build)
    b = assessment_from("reassessment", 4, after, build)
    forward = paired_change(a, b, "all", "cprn", None).reduction
    backward = paired_change(b, a, "all", "cprn", None).reduction
    assert (forward is None) == (backward is None)
    if forward is not None and backward is not None:
        assert forward == -backward


day_responses = st.builds(
    DayResponse,
    day=st.integers(1, 5),
    dose_mcg=st.sampled_from([None, 25, 50, 75, 100]),
    responder=st.sampled_from([None, True, False]),
    peak_reduction=st.none(),
    peak_hours=st.none(),
    effect_hours=st.sampled_from([None, 4.0, 8.0, 10.0]),
    effect_censored=st.booleans(),
    effect_over_8h=st.booleans(),
    significant_adverse_effect=st.booleans(),
    reassessments=st.just(()),
    explanation=st.just(""),
)


@given(st.lists(day_responses, max_size=5))
def test_property_recommendation_is_none_the_first_dose_or_twice_it(responses) -> None:
    recommendation = recommend_initial_daily_dose(responses)
    first = next((r for r in sorted(responses, key=lambda r: r.day) if r.responder is True), None)
    if first is None or first.dose_mcg is None:
        assert recommendation.recommended_daily_dose_mcg is None
    else:
        assert recommendation.recommended_daily_dose_mcg in (first.dose_mcg, 2 * first.dose_mcg)
        twice = not first.effect_over_8h and not first.significant_adverse_effect
        assert recommendation.recommended_daily_dose_mcg == (2 * first.dose_mcg if twice else first.dose_mcg)
    if recommendation.note is not None:
        assert recommendation.recommended_daily_dose_mcg is None


@settings(max_examples=60)
@given(
    st.lists(
        st.lists(GRADES_OR_NT.filter(lambda g: g != "NT"), min_size=16, max_size=16), min_size=1, max_size=5
    )
)
def test_property_responder_agrees_with_the_peak(build, posts) -> None:
    reassessments = {float(i + 1): build.mas(grades, LOWER_MUSCLES) for i, grades in enumerate(posts)}
    response = day_response(build.day(1, 50, build.uniform("2"), reassessments), DEFAULT)
    reductions = [c.reduction for c in response.reassessments]
    assert response.peak_reduction == max(r for r in reductions if r is not None)
    assert response.peak_hours == reductions.index(response.peak_reduction) + 1  # earliest of the maxima
    assert response.responder == meets_threshold(response.peak_reduction, 1.0)
    assert response.responder == (response.effect_hours is not None)


def test_an_event_before_the_dose_is_listed_but_never_counted(build) -> None:
    # R5 revision 2, the example: the child's usual seizure at 08:40, the dose at 09:00.
    from trialapp.domain.response import before_the_dose, day_significant_events, r5_mark

    seizure = build.event("seizure", "mild", hours=-20 / 60, day=2)
    day = replace(json_example_day2(build), adverse_events=(seizure,))
    assert seizure.at.strftime("%H:%M") == "08:40" and day_dose(day) is not None
    assert before_the_dose(seizure, day) and r5_mark(seizure, day) == "before the dose"
    assert day_significant_events(day) == ()
    response = day_response(day, DEFAULT)
    assert response.significant_adverse_effect is False and response.responder is True
    # The same seizure at 09:00 or after counts against the dose.
    at_dose = replace(seizure, at=build.at(0, 2))
    day = replace(json_example_day2(build), adverse_events=(at_dose,))
    assert r5_mark(at_dose, day) == "significant"
    assert day_response(day, DEFAULT).significant_adverse_effect is True
