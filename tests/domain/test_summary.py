"""Trial summary and the ``summary --json`` object of RULES.md."""

from __future__ import annotations

import json
from dataclasses import replace

from trialapp.domain.muscles import UPPER_MUSCLES
from trialapp.domain.records import Day, ProtocolSettings
from trialapp.domain.summary import summarize_trial, summary_to_json

DEFAULT = ProtocolSettings()


def rules_example_trial(build):
    """The trial behind the RULES.md example, worked by hand (16 lower-limb sides, baseline all at 2):

    day 1, 50 mcg: 4 sides → 1 at 1 h (4/16 = 0.25); 8 sides → 1 at 4 h (8/16 = 0.5). Peak 0.5 < 1.0.
    day 2, 75 mcg: 12 sides → 1 at 2 h (0.75); 4 → 0 and 12 → 1 at 4 h ((8 + 12)/16 = 1.25);
    all → 1 at 6 h (1.0); 8 → 1 at 8 h (0.5). Peak 1.25 at 4 h, effect to 6 h, not censored.
    R6: first responder day 2 at 75 mcg, effect 6 h, no adverse effect → 2 × 75 = 150.
    R7: last dosed day 2 responded without a significant adverse effect → same dose, 75.
    """
    day1 = build.day(
        1,
        50,
        build.uniform("2"),
        {1: build.mas(["1"] * 4 + ["2"] * 12), 4: build.mas(["1"] * 8 + ["2"] * 8)},
        events=[("nausea", "mild")],  # recorded but not significant (R5)
    )
    day2 = build.day(
        2,
        75,
        build.uniform("2"),
        {
            2: build.mas(["1"] * 12 + ["2"] * 4),
            4: build.mas(["0"] * 4 + ["1"] * 12),
            6: build.uniform("1"),
            8: build.mas(["1"] * 8 + ["2"] * 8),
        },
    )
    return build.trial([day2, day1])  # days out of order on purpose: the summary orders them


RULES_EXAMPLE = {
    "trial_id": "T-0001",
    "region": "lower",
    "threshold": 1.0,
    "mas_coding": "cprn",
    "days": [
        {
            "day": 1,
            "dose_mcg": 50,
            "responder": False,
            "peak_reduction": 0.5,
            "peak_hours": 4.0,
            "effect_hours": None,
            "effect_censored": False,
            "effect_over_8h": False,
            "significant_adverse_effect": False,
            "provisional": False,
            "reassessments": [{"hours": 1.0, "reduction": 0.25}, {"hours": 4.0, "reduction": 0.5}],
        },
        {
            "day": 2,
            "dose_mcg": 75,
            "responder": True,
            "peak_reduction": 1.25,
            "peak_hours": 4.0,
            "effect_hours": 6.0,
            "effect_censored": False,
            "effect_over_8h": False,
            "significant_adverse_effect": False,
            "provisional": False,
            "reassessments": [
                {"hours": 2.0, "reduction": 0.75},
                {"hours": 4.0, "reduction": 1.25},
                {"hours": 6.0, "reduction": 1.0},
                {"hours": 8.0, "reduction": 0.5},
            ],
        },
    ],
    "recommended_daily_dose_mcg": 150,
    "basis": "twice the screening dose",
    "note": None,
    "next_dose_suggestion_mcg": 75,
}


def test_rules_summary_example_is_reproduced_exactly(build) -> None:
    result = summary_to_json(summarize_trial(rules_example_trial(build)), "T-0001")
    assert result == RULES_EXAMPLE


def test_json_keys_are_in_the_rules_order(build) -> None:
    result = summary_to_json(summarize_trial(rules_example_trial(build)), "T-0001")
    assert list(result) == [
        "trial_id",
        "region",
        "threshold",
        "mas_coding",
        "days",
        "recommended_daily_dose_mcg",
        "basis",
        "note",
        "next_dose_suggestion_mcg",
    ]
    days = result["days"]
    assert isinstance(days, list) and isinstance(days[0], dict)
    assert list(days[0]) == [
        "day",
        "dose_mcg",
        "responder",
        "peak_reduction",
        "peak_hours",
        "effect_hours",
        "effect_censored",
        "effect_over_8h",
        "significant_adverse_effect",
        "provisional",
        "reassessments",
    ]


def test_json_serialises_hours_as_floats_and_none_as_null(build) -> None:
    text = json.dumps(summary_to_json(summarize_trial(rules_example_trial(build)), "T-0001"))
    assert '"peak_hours": 4.0' in text
    assert '"effect_hours": null' in text
    assert '"threshold": 1.0' in text


def test_summary_object_explains_each_part(build) -> None:
    summary = summarize_trial(rules_example_trial(build))
    assert [r.day for r in summary.days] == [1, 2]
    assert summary.next_dose_from_day == 2
    assert summary.settings == DEFAULT
    lines = summary.explanation.splitlines()
    assert lines[0] == "Day 1 (50 mcg): Not a responder: peak 0.5 at 4 h < threshold 1.0."
    assert lines[1].startswith("Day 2 (75 mcg): Responder: peak 1.25 at 4 h ≥ threshold 1.0")
    assert lines[2].startswith("Initial pump dose: Day 2 was the first responder day (75 mcg)")
    assert lines[3].startswith("Next dose: ") and "75 mcg" in lines[3]
    assert "µg" not in summary.explanation and ".0 mcg" not in summary.explanation


def test_reductions_are_rounded_to_two_decimals_in_json(build) -> None:
    # Region all, 28 sides; the 16 lower sides fall 2 → 1: 16/28 = 0.571428… → 0.57.
    day = build.day(
        1,
        50,
        build.uniform("2") + build.uniform("3", UPPER_MUSCLES),
        {4: build.uniform("1") + build.uniform("3", UPPER_MUSCLES)},
    )
    result = summary_to_json(summarize_trial(build.trial([day], replace(DEFAULT, region="all"))), "x")
    assert result["region"] == "all"
    day_json = result["days"][0]  # type: ignore[index]
    assert day_json["peak_reduction"] == 0.57
    assert day_json["reassessments"] == [{"hours": 4.0, "reduction": 0.57}]


def test_next_dose_comes_from_the_highest_dosed_day(build) -> None:
    # Day 1 responder at 50 mcg; day 2 non-responder at 75; day 3 has no dose yet.
    day1 = build.day(1, 50, build.uniform("2"), {4: build.uniform("1")})
    day2 = build.closed(build.day(2, 75, build.uniform("2"), {4: build.mas(["1"] * 8 + ["2"] * 8)}))
    day3 = build.day(3, None, build.uniform("2"))
    summary = summarize_trial(build.trial([day1, day2, day3]))
    assert summary.next_dose_from_day == 2
    assert summary.next_dose_suggestion_mcg == 100  # non-responder at 75 → next step on the standard ladder
    result = summary_to_json(summary, "x")
    assert result["days"][2]["responder"] is None  # type: ignore[index]
    assert result["recommended_daily_dose_mcg"] == 100  # first responder day 1: 2 × 50


def test_next_dose_is_null_when_the_last_dosed_day_is_not_judged(build) -> None:
    day1 = build.day(1, 50, build.uniform("2"), {4: build.mas(["1"] * 8 + ["2"] * 8)})
    day2 = build.closed(build.day(2, 75, None, {4: build.uniform("1")}))  # no baseline
    summary = summarize_trial(build.trial([day1, day2]))
    assert summary.next_dose_suggestion_mcg is None
    assert "could not be judged" in summary.next_dose_message


def test_next_dose_steps_down_after_a_significant_adverse_effect(build) -> None:
    day1 = build.day(1, 50, build.uniform("2"), {4: build.mas(["1"] * 8 + ["2"] * 8)})
    day2 = build.closed(
        build.day(
            2, 75, build.uniform("2"), {4: build.uniform("1")}, events=[("respiratory_depression", "mild")]
        )
    )
    summary = summarize_trial(build.trial([day1, day2]))
    assert summary.days[1].significant_adverse_effect is True
    assert summary.next_dose_suggestion_mcg == 50
    assert summary.recommendation.recommended_daily_dose_mcg == 75
    assert summary.recommendation.basis == "screening dose (adverse effects)"


def test_small_child_ladder_is_used_for_the_next_step(build) -> None:
    day1 = build.closed(build.day(1, 25, build.uniform("2"), {4: build.mas(["1"] * 8 + ["2"] * 8)}))
    summary = summarize_trial(build.trial([day1], replace(DEFAULT, ladder="small_child")))
    assert summary.next_dose_suggestion_mcg == 50


def test_non_candidate_trial(build) -> None:
    days = [
        build.closed(build.day(d, dose, build.uniform("2"), {4: build.uniform("2")}))
        for d, dose in ((1, 50), (2, 75), (3, 100))
    ]
    result = summary_to_json(summarize_trial(build.trial(days)), "x")
    assert result["recommended_daily_dose_mcg"] is None
    assert result["basis"] is None
    assert result["note"] == "no response to 100 mcg: not a candidate by the labelled screening criterion"
    assert result["next_dose_suggestion_mcg"] is None  # no step above 100 mcg
    assert [d["peak_reduction"] for d in result["days"]] == [0.0, 0.0, 0.0]  # type: ignore[index]


def test_trial_without_doses(build) -> None:
    trial = build.trial([build.day(1, None, build.uniform("2"))])
    summary = summarize_trial(trial)
    assert summary.next_dose_suggestion_mcg is None and summary.next_dose_from_day is None
    result = summary_to_json(summary, "x")
    assert result["days"] == [
        {
            "day": 1,
            "dose_mcg": None,
            "responder": None,
            "peak_reduction": None,
            "peak_hours": None,
            "effect_hours": None,
            "effect_censored": False,
            "effect_over_8h": False,
            "significant_adverse_effect": False,
            "provisional": False,
            "reassessments": [],
        }
    ]


def test_empty_paired_reassessments_appear_with_null_reduction(build) -> None:
    day = build.day(1, 50, build.uniform("2"), {2: build.uniform("NT"), 4: build.uniform("1")})
    result = summary_to_json(summarize_trial(build.trial([day])), "x")
    assert result["days"][0]["reassessments"] == [  # type: ignore[index]
        {"hours": 2.0, "reduction": None},
        {"hours": 4.0, "reduction": 1.0},
    ]


def test_settings_stored_on_the_trial_are_used(build) -> None:
    # ordinal05: 1+ → 1 is a fall of 1 (responder); under cprn it would be 0.5.
    day: Day = build.day(1, 50, build.uniform("1+"), {4: build.uniform("1")})
    result = summary_to_json(
        summarize_trial(build.trial([day], replace(DEFAULT, mas_coding="ordinal05"))), "x"
    )
    assert result["mas_coding"] == "ordinal05"
    assert result["days"][0]["responder"] is True  # type: ignore[index]
    assert result["recommended_daily_dose_mcg"] == 100


def test_a_day_still_running_is_so_far_never_not_a_responder(build) -> None:
    # Issue 17: only the 1 h reassessment of day 1 is in (peak 0.5 < 1), the 8 h slot is still due.
    day1 = build.day(1, 50, build.uniform("2"), {1: build.mas(["1"] * 8 + ["2"] * 8)})
    summary = summarize_trial(build.trial([day1]))
    response = summary.days[0]
    assert response.provisional is True
    assert "not a responder" not in summary.explanation.lower()
    assert "peak 0.5 at 1 h so far" in response.explanation
    assert summary.next_dose_suggestion_mcg is None
    assert "not in yet" in summary.next_dose_message
    assert "not a candidate" not in summary.explanation
    result = summary_to_json(summary, "x")
    assert result["days"][0]["provisional"] is True  # type: ignore[index]


def test_a_running_day_at_100_mcg_gives_no_non_candidate_note(build) -> None:
    days = [
        build.closed(build.day(d, dose, build.uniform("2"), {4: build.uniform("2")}))
        for d, dose in ((1, 50), (2, 75))
    ] + [build.day(3, 100, build.uniform("2"), {4: build.uniform("2")})]
    result = summary_to_json(summarize_trial(build.trial(days)), "x")
    assert result["note"] is None
    assert [d["provisional"] for d in result["days"]] == [False, False, True]  # type: ignore[index]


def test_the_last_slot_recorded_makes_the_day_final(build) -> None:
    day1 = build.day(1, 50, build.uniform("2"), {1: build.uniform("2"), 8: build.uniform("2")})
    summary = summarize_trial(build.trial([day1]))
    assert summary.days[0].provisional is False
    assert summary.days[0].explanation.startswith("Not a responder")


def test_the_terminal_table_says_not_yet_for_a_day_still_running(build) -> None:
    from trialapp.reports.text_summary import summary_table

    day1 = build.day(1, 50, build.uniform("2"), {1: build.mas(["1"] * 8 + ["2"] * 8)})
    table = summary_table(summarize_trial(build.trial([day1])), "x")
    row = next(line for line in table.splitlines() if line.strip().startswith("1 "))
    assert row.split()[3:5] == ["not", "yet"]
    assert "not a responder" not in table.lower()
