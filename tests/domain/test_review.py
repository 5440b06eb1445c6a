"""R15: dose response across trials, against figures worked by hand. Synthetic data only."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from trialapp.domain.records import DayPlan, Decision, Patient, ProtocolSettings, TrialDocument
from trialapp.domain.review import (
    ReviewFilter,
    age_band,
    compute_review,
    pump_agreement,
    review_csv_rows,
    review_to_json,
    review_trial,
    round4,
    wilson_interval,
)
from trialapp.interchange.trial_json import load_trial_document
from trialapp.services.demo import demo_text

CHILD = Patient(mrn="SYN-R15", birth_date=date(2016, 1, 1), gmfcs_level=4)


def demo_trials():
    names = ("demo_nonresponder.json", "demo_responder.json", "demo_small_child.json")
    return [review_trial(name.removesuffix(".json"), load_trial_document(demo_text(name))) for name in names]


# ------------------------------------------------------------------------------------------ Wilson


def test_wilson_three_of_eight_worked_by_hand():
    # z = 1.959964, z² = 3.841459; n + z² = 11.841459.
    # centre = (3 + 1.920730) / 11.841459 = 4.920730 / 11.841459 = 0.415553
    # half   = 1.959964 × √(3·5/8 + 0.960365) / 11.841459 = 1.959964 × √2.835365 / 11.841459
    #        = 1.959964 × 1.683855 / 11.841459 = 3.300297 / 11.841459 = 0.278708
    # → [0.136845, 0.694261] → [0.1368, 0.6943] (RULES.md R15's example)
    low, high = wilson_interval(3, 8)
    assert (round4(low), round4(high)) == (0.1368, 0.6943)


def test_wilson_edges_worked_by_hand():
    # x = 0, n = 2: centre = 1.920730 / 5.841459 = 0.328813; half = 1.959964 × √0.960365 / 5.841459
    # = 1.959964 × 0.979982 / 5.841459 = 0.328813 → [0, 0.6576]
    low, high = wilson_interval(0, 2)
    assert (round4(low), round4(high)) == (0.0, 0.6576)
    # x = n = 2: the mirror image → [0.3424, 1]
    low, high = wilson_interval(2, 2)
    assert (round4(low), round4(high)) == (0.3424, 1.0)
    # x = 1, n = 1: centre = 2.920730 / 4.841459 = 0.603274; half = 1.959964 × 0.979982 / 4.841459
    # = 0.396727 → [0.2065, 1.0]
    low, high = wilson_interval(1, 1)
    assert (round4(low), round4(high)) == (0.2065, 1.0)


def test_wilson_refuses_no_days():
    with pytest.raises(ValueError):
        wilson_interval(0, 0)
    with pytest.raises(ValueError):
        wilson_interval(3, 2)


def test_pump_agreement_classes():
    assert pump_agreement(150, 150) == "agree"
    assert pump_agreement(125, 150) == "within_25pct"  # 25 ≤ 37.5
    assert pump_agreement(100, 80) == "within_25pct"  # exactly 25 % of 80 = 20
    assert pump_agreement(101, 80) == "differ"
    assert pump_agreement(100, None) == "no_recommendation"


def test_age_bands():
    assert age_band(date(2023, 3, 15), date(2026, 10, 19)) == "under_4"
    assert age_band(date(2022, 10, 19), date(2026, 10, 19)) == "4_to_7"  # 4th birthday that day
    assert age_band(date(2016, 4, 12), date(2026, 11, 2)) == "8_to_12"
    assert age_band(date(2013, 9, 3), date(2026, 10, 12)) == "13_up"


# ------------------------------------------------------------------------------------------ demo


def test_demo_review_worked_by_hand():
    """The three demo trials (resources/demo/README.md), 9 dosed days, all judged and closed:

    25 mcg: small child days 1 and 3, peaks 0.75 → 0 of 2.
    50 mcg: responder day 1 (0.75), non-responder day 1 (0.5), small child day 2 (1.25) → 1 of 3.
    75 mcg: responder days 2 and 3 (1.25 each), non-responder day 2 (0.75) → 2 of 3.
    100 mcg: non-responder day 3 (0.75) → 0 of 1.
    Wilson 1 of 3: centre 2.920730 / 6.841459 = 0.426916, half 1.959964 × √(2/3 + 0.960365) / 6.841459
    = 1.959964 × 1.275551 / 6.841459 = 0.365424 → [0.061492, 0.792340] → [0.0615, 0.7923];
    2 of 3 mirrors it → [0.2077, 0.9385].
    0 of 1: centre 1.920730 / 4.841459 = 0.396727, half the same → [0, 0.7935].
    First responsive dose: responder 75, small child 50, non-responder none.
    Significant AE: only the small child's moderate drowsiness on day 2 (50 mcg); the mild nausea,
    headache and drowsiness do not count (R5).
    Pump: responder signed 150 = R6 2 × 75; small child signed 50 = R6 50 (adverse effect) → 2 agree.
    """
    review = compute_review(demo_trials())
    assert review_to_json(review) == {
        "trials": 3,
        "days": 9,
        "by_dose": [
            {"dose_mcg": 25, "days": 2, "responders": 0, "proportion": 0.0, "ci95": [0.0, 0.6576]},
            {"dose_mcg": 50, "days": 3, "responders": 1, "proportion": 0.3333, "ci95": [0.0615, 0.7923]},
            {"dose_mcg": 75, "days": 3, "responders": 2, "proportion": 0.6667, "ci95": [0.2077, 0.9385]},
            {"dose_mcg": 100, "days": 1, "responders": 0, "proportion": 0.0, "ci95": [0.0, 0.7935]},
        ],
        "first_responsive_dose": {"25": 0, "50": 1, "75": 1, "100": 0, "none": 1},
        "significant_ae_by_dose": [
            {"dose_mcg": 25, "days": 2, "with_significant_ae": 0},
            {"dose_mcg": 50, "days": 3, "with_significant_ae": 1},
            {"dose_mcg": 75, "days": 3, "with_significant_ae": 0},
            {"dose_mcg": 100, "days": 1, "with_significant_ae": 0},
        ],
        "pump_dose_vs_r6": {"agree": 2, "within_25pct": 0, "differ": 0, "no_recommendation": 0},
        "outcomes": {"candidate": 2, "not_candidate": 1, "undecided": 0, "none": 0},
        "left_out": {"provisional_days": 0, "unjudged_days": 0},
    }
    # The points behind the scatter: one per judged dosed day, with the trial that opens it.
    assert len(review.points) == 9
    small_day2 = next(p for p in review.points if p.trial_id == "demo_small_child" and p.day == 2)
    assert (small_day2.dose_mcg, small_day2.responder, small_day2.peak_reduction) == (50, True, 1.25)
    assert (small_day2.peak_hours, small_day2.effect_hours, small_day2.effect_censored) == (4.0, 6.0, False)
    assert small_day2.significant_adverse_effect
    assert review.first_responsive_trials["none"] == ("demo_nonresponder",)


def test_demo_filters_change_the_figures():
    trials = demo_trials()
    small = compute_review(trials, ReviewFilter(ladder="small_child"))
    assert (small.trials, small.days) == (1, 3)
    assert [(d.dose_mcg, d.days, d.responders) for d in small.by_dose] == [(25, 2, 0), (50, 1, 1)]
    assert compute_review(trials, ReviewFilter(outcome="not_candidate")).first_responsive_dose == {
        "50": 0, "75": 0, "100": 0, "none": 1,
    }
    assert compute_review(trials, ReviewFilter(age_band="13_up")).trials == 1
    assert compute_review(trials, ReviewFilter(gmfcs_level=5)).trials == 1
    october = ReviewFilter(started_from=date(2026, 10, 1), started_to=date(2026, 10, 31))
    assert compute_review(trials, october).trials == 2  # the responder started on 2 November
    assert compute_review(trials, ReviewFilter(region="upper")).trials == 0
    assert compute_review(trials, ReviewFilter(outcome="undecided")).by_dose == ()


# ------------------------------------------------------------------------------------------ crafted


def _doc(trial, decision=None):
    return TrialDocument(patient=CHILD, trial=replace(trial, decision=decision))


def responder_day(build, day, dose, hours=(1, 2, 4, 6, 8), plan=True):
    """Baseline all 2; every reassessment all 1 → reduction 1.0 at every hour: responder, peak 1.0 at 1 h."""
    d = build.day(day, dose, build.uniform("2"), {h: build.uniform("1") for h in hours})
    return replace(d, plan=DayPlan(next_dose_mcg=None, decided_by=("dr.synthetic",))) if plan else d


def non_responder_day(build, day, dose, hours=(1, 2, 4, 6, 8), plan=True):
    """Baseline all 2; 8 of 16 sides at 1 → reduction 0.5: not a responder."""
    half = build.mas(["1"] * 8 + ["2"] * 8)
    d = build.day(day, dose, build.uniform("2"), {h: half for h in hours})
    return replace(d, plan=DayPlan(next_dose_mcg=None, decided_by=("dr.synthetic",))) if plan else d


def test_crafted_three_of_eight_at_50(build):
    """Eight one-day trials at 50 mcg, three responders → 3/8, [0.1368, 0.6943] (worked above)."""
    trials = [
        review_trial(f"T{i}", _doc(build.trial([(responder_day if i < 3 else non_responder_day)(build, 1, 50)])))
        for i in range(8)
    ]
    out = review_to_json(compute_review(trials))
    assert out["by_dose"] == [
        {"dose_mcg": 50, "days": 8, "responders": 3, "proportion": 0.375, "ci95": [0.1368, 0.6943]}
    ]
    assert out["first_responsive_dose"] == {"50": 3, "none": 5}


def test_no_judged_day_gives_an_empty_review(build):
    """A day with a dose but no baseline is not judged (R4); a trial with no judged day is not counted."""
    unjudged = build.day(1, 50, None, {4: build.uniform("1")})
    review = compute_review([review_trial("T0", _doc(build.trial([replace(unjudged, plan=DayPlan())])))])
    out = review_to_json(review)
    assert (out["trials"], out["days"], out["by_dose"]) == (0, 0, [])
    assert out["first_responsive_dose"] == {"none": 0}
    assert out["left_out"] == {"provisional_days": 0, "unjudged_days": 1}


def test_dose_without_judged_days_is_omitted(build):
    """n = 0 has no proportion: a 100 mcg day that was not judged leaves no 100 mcg row."""
    day1 = non_responder_day(build, 1, 75)
    day2 = replace(build.day(2, 100, None, {4: build.uniform("1")}), plan=DayPlan())
    out = review_to_json(compute_review([review_trial("T0", _doc(build.trial([day1, day2])))]))
    assert [row["dose_mcg"] for row in out["by_dose"]] == [75]
    assert [row["dose_mcg"] for row in out["significant_ae_by_dose"]] == [75]


def test_provisional_day_is_left_out(build):
    """Day 2 (75 mcg) has its 1 and 2 h reassessments only, no plan, no later dose, no decision: provisional,
    so its responder "so far" is not counted, nor used as the first responsive dose."""
    day1 = non_responder_day(build, 1, 50)
    day2 = responder_day(build, 2, 75, hours=(1, 2), plan=False)
    review = compute_review([review_trial("T0", _doc(build.trial([day1, day2])))])
    assert [(d.dose_mcg, d.days, d.responders) for d in review.by_dose] == [(50, 1, 0)]
    assert review.first_responsive_dose == {"50": 0, "none": 1}
    assert review.provisional_days == 1
    # Once its 8 h reassessment is in, the day counts.
    done = responder_day(build, 2, 75, hours=(1, 2, 8), plan=False)
    review = compute_review([review_trial("T0", _doc(build.trial([day1, done])))])
    assert [(d.dose_mcg, d.days, d.responders) for d in review.by_dose] == [(50, 1, 0), (75, 1, 1)]
    assert review.first_responsive_dose == {"50": 0, "75": 1, "none": 0}


def test_all_responders(build):
    """Every day a responder: proportion 1, interval [0.3424, 1] for 2 of 2 (worked above)."""
    trials = [review_trial(f"T{i}", _doc(build.trial([responder_day(build, 1, 50)]))) for i in range(2)]
    out = review_to_json(compute_review(trials))
    assert out["by_dose"] == [
        {"dose_mcg": 50, "days": 2, "responders": 2, "proportion": 1.0, "ci95": [0.3424, 1.0]}
    ]
    assert out["first_responsive_dose"] == {"50": 2, "none": 0}


def test_significant_adverse_effect_counts_by_dose(build):
    """R5: moderate drowsiness counts; mild nausea does not; seizure counts at any severity."""
    a = build.day(1, 50, build.uniform("2"), {8: build.uniform("1")}, events=[("drowsiness", "moderate")])
    b = build.day(1, 50, build.uniform("2"), {8: build.uniform("1")}, events=[("nausea", "mild")])
    c = build.day(1, 75, build.uniform("2"), {8: build.uniform("2")}, events=[("seizure", "mild")])
    trials = [review_trial(f"T{i}", _doc(build.trial([d]))) for i, d in enumerate((a, b, c))]
    out = review_to_json(compute_review(trials))
    assert out["significant_ae_by_dose"] == [
        {"dose_mcg": 50, "days": 2, "with_significant_ae": 1},
        {"dose_mcg": 75, "days": 1, "with_significant_ae": 1},
    ]


def test_pump_dose_against_r6(build):
    """R6 for a responder at 50 mcg, effect to 8 h (not > 8), no AE: 2 × 50 = 100 mcg/day.
    Signed 100 → agree; 80 → within 25 %; 60 → differ; a trial without a responder → no recommendation.
    A not-candidate decision is not compared; a candidate without a dose cannot be signed."""
    responder = build.trial([responder_day(build, 1, 50)])
    never = build.trial([non_responder_day(build, 1, 100)])
    signed = datetime(2026, 11, 3, 17, 0)

    def decided(trial, outcome, dose):
        return _doc(trial, Decision(outcome, signed, "dr.synthetic", "synthetic rationale", dose))

    trials = [
        review_trial("A", decided(responder, "candidate", 100)),
        review_trial("B", decided(responder, "candidate", 80)),
        review_trial("C", decided(responder, "candidate", 60)),
        review_trial("D", decided(never, "candidate", 100)),
        review_trial("E", decided(never, "not_candidate", None)),
    ]
    review = compute_review(trials)
    assert review.pump_dose_vs_r6 == {"agree": 1, "within_25pct": 1, "differ": 1, "no_recommendation": 1}
    assert [(r.trial_id, r.recommended_mcg, r.agreement) for r in review.pump_rows] == [
        ("A", 100, "agree"), ("B", 100, "within_25pct"), ("C", 100, "differ"), ("D", None, "no_recommendation"),
    ]
    assert review.outcomes == {"candidate": 4, "not_candidate": 1, "undecided": 0, "none": 0}


def test_decision_closes_a_day_without_its_last_reassessment(build):
    """No 8 h reassessment and no plan, but a decision signed after the dose closes the day."""
    day = non_responder_day(build, 1, 100, hours=(1, 2, 4), plan=False)
    open_trial = review_trial("T0", _doc(build.trial([day])))
    assert (open_trial.days, open_trial.results.provisional_days) == ((), 1)
    closed = review_trial(
        "T0", _doc(build.trial([day]), Decision("not_candidate", datetime(2026, 11, 2, 18, 0), "dr", "r"))
    )
    assert (len(closed.days), closed.results.provisional_days) == (1, 0)


def test_csv_rows_carry_the_json_figures():
    rows = review_csv_rows(compute_review(demo_trials()))
    assert rows[0] == ["section", "key", "days", "count", "proportion", "ci95_low", "ci95_high"]
    assert ["responders_by_dose", "50", "3", "1", "0.3333", "0.0615", "0.7923"] in rows
    assert ["first_responsive_dose", "none", "", "1", "", "", ""] in rows


def test_settings_do_not_leak_between_trials(build):
    """Each trial is judged under its own threshold: 0.5 counts as a response at threshold 0.5."""
    low = build.trial([non_responder_day(build, 1, 50)], settings=ProtocolSettings(threshold=0.5))
    review = compute_review([review_trial("T0", _doc(low))])
    assert [(d.days, d.responders) for d in review.by_dose] == [(1, 1)]
