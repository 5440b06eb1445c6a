"""R7 (dose ladder, next-dose suggestion) and R8 (dose-entry checks), dose parsing and formatting.

Expected values are worked out by hand from RULES.md, not copied from the implementation.
Synthetic data only.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trialapp.domain.dose_records import (
    check_recorded_doses,
    dose_entry_from_record,
    unacknowledged_warnings,
)
from trialapp.domain.dosing import (
    ALLOWED_CONCENTRATIONS,
    DEFAULT_MAX_DOSE_MCG,
    LADDERS,
    SCREENING_CONCENTRATION_MCG_PER_ML,
    Bedside,
    DoseCheckResult,
    DoseContext,
    DoseEntry,
    DoseInputError,
    Finding,
    PriorDose,
    age_in_whole_months,
    age_in_whole_years,
    age_in_years,
    check_dose,
    format_concentration,
    format_dose,
    format_volume,
    override_reason_problem,
    parse_concentration,
    parse_dose_mcg,
    suggest_ladder,
    suggest_next_dose,
    volume_for,
)
from trialapp.domain.numbers import plain_number
from trialapp.domain.records import (
    AcknowledgedWarning,
    Catheter,
    Day,
    Dose,
    ProtocolSettings,
    Trial,
)

# A 10-year-old on day 2 of a standard-ladder trial; day 1 had 50 mcg at 09:00.
BIRTH_10Y = date(2016, 4, 12)
DAY1_AT = datetime(2026, 11, 2, 9, 0)
DAY2_AT = datetime(2026, 11, 3, 9, 0)
PRIOR_DAY1 = PriorDose(day=1, given_at=DAY1_AT, dose_mcg=50)


def entry(**changes: Any) -> DoseEntry:
    """A clean day-2 entry of 75 mcg at 50 mcg/mL (1.50 mL), blind-checked by a second clinician."""
    base = DoseEntry(
        dose_mcg=75,
        concentration_mcg_per_ml=50,
        volume_ml=1.5,
        given_at=DAY2_AT,
        trial_day=2,
        entered_by="dr.lee",
        check_dose_mcg=75,
        check_concentration_mcg_per_ml=50,
        checked_by="rn.smith",
    )
    return dataclasses.replace(base, **changes)


def ctx(
    prior: tuple[PriorDose, ...] = (PRIOR_DAY1,),
    birth: date = BIRTH_10Y,
    **settings: Any,
) -> DoseContext:
    return DoseContext(settings=ProtocolSettings(**settings), birth_date=birth, prior_doses=prior)


def codes(findings: tuple[Finding, ...]) -> set[str]:
    return {f.code for f in findings}


def all_findings(result: DoseCheckResult) -> tuple[Finding, ...]:
    return result.errors + result.warnings


# ------------------------------------------------------------------------------------------------
# R8: the table of checks, each alone and in combinations
# ------------------------------------------------------------------------------------------------

NO_PRIOR: tuple[PriorDose, ...] = ()

CASES: list[tuple[str, dict[str, Any], dict[str, Any], set[str], set[str]]] = [
    # id, entry changes, context changes, expected errors, expected warnings
    ("clean", {}, {}, set(), set()),
    # -- errors alone --
    (
        "dose_decimal",
        {"dose_mcg": 50.5, "check_dose_mcg": 50.5, "volume_ml": None},
        {},
        {"dose_not_whole_positive"},
        set(),
    ),
    (
        "dose_decimal_type",
        {"dose_mcg": Decimal("62.5"), "check_dose_mcg": 62.5, "volume_ml": None},
        {},
        {"dose_not_whole_positive"},
        set(),
    ),
    (
        "dose_zero",
        {"dose_mcg": 0, "check_dose_mcg": 0, "volume_ml": None},
        {},
        {"dose_not_whole_positive"},
        set(),
    ),
    (
        "dose_negative",
        {"dose_mcg": -5, "check_dose_mcg": -5, "volume_ml": None},
        {},
        {"dose_not_whole_positive"},
        set(),
    ),
    (
        "above_maximum",
        {"dose_mcg": 125, "check_dose_mcg": 125, "volume_ml": 2.5},
        {"prior": NO_PRIOR},
        {"above_maximum"},
        {"first_dose_above_first_step"},
    ),
    (
        "above_custom_maximum",
        {"dose_mcg": 75, "check_dose_mcg": 75},
        {"max_dose_mcg": 60},
        {"above_maximum"},
        set(),
    ),
    (
        "concentration_not_allowed",
        {"concentration_mcg_per_ml": 100, "check_concentration_mcg_per_ml": 100, "volume_ml": 0.75},
        {},
        {"concentration_not_allowed"},
        set(),
    ),
    ("volume_mismatch", {"volume_ml": 1.0}, {}, {"volume_mismatch"}, set()),
    # R8 revision 2: within 1 % of the true volume is a match; beyond it, an error.
    ("volume_within_one_percent", {"volume_ml": 1.499}, {}, set(), set()),
    ("volume_just_over_one_percent", {"volume_ml": 1.484}, {}, {"volume_mismatch"}, set()),
    ("check_volume_differs", {"check_volume_ml": 1.0}, {}, {"double_check_mismatch"}, set()),
    ("check_volume_agrees", {"check_volume_ml": 1.5}, {}, set(), set()),
    ("volume_ten_fold", {"volume_ml": 15.0}, {}, {"volume_mismatch"}, set()),
    ("volume_not_entered", {"volume_ml": None}, {}, set(), set()),
    ("check_dose_differs", {"check_dose_mcg": 50}, {}, {"double_check_mismatch"}, set()),
    (
        "check_concentration_differs",
        {"check_concentration_mcg_per_ml": 500},
        {},
        {"double_check_mismatch"},
        set(),
    ),
    (
        "check_numerically_equal",
        {"check_dose_mcg": 75.0, "check_concentration_mcg_per_ml": 50.0},
        {},
        set(),
        set(),
    ),
    ("same_person", {"checked_by": "dr.lee"}, {}, {"double_check_same_person"}, set()),
    ("same_person_case_space", {"checked_by": "  DR.Lee "}, {}, {"double_check_same_person"}, set()),
    ("different_people_similar", {"checked_by": "dr.lee2"}, {}, set(), set()),
    ("check_dose_missing", {"check_dose_mcg": None}, {}, {"double_check_missing"}, set()),
    (
        "check_concentration_missing",
        {"check_concentration_mcg_per_ml": None},
        {},
        {"double_check_missing"},
        set(),
    ),
    ("checker_missing", {"checked_by": None}, {}, {"double_check_missing"}, set()),
    ("checker_blank", {"checked_by": "   "}, {}, {"double_check_missing"}, set()),
    ("first_person_missing", {"entered_by": None}, {}, {"double_check_missing"}, set()),
    (
        "check_not_required",
        {
            "check_dose_mcg": None,
            "check_concentration_mcg_per_ml": None,
            "checked_by": None,
            "require_double_check": False,
        },
        {},
        set(),
        set(),
    ),
    # -- warnings alone --
    (
        "concentration_500",
        {"concentration_mcg_per_ml": 500, "check_concentration_mcg_per_ml": 500, "volume_ml": 0.15},
        {},
        set(),
        {"concentration_not_screening"},
    ),
    (
        "concentration_2000",
        {"concentration_mcg_per_ml": 2000, "check_concentration_mcg_per_ml": 2000, "volume_ml": 0.0375},
        {},
        set(),
        {"concentration_not_screening", "small_volume"},
    ),
    (
        "within_24h",
        {"given_at": DAY1_AT + timedelta(hours=23, minutes=59)},
        {},
        set(),
        {"within_24h"},
    ),
    ("exactly_24h", {"given_at": DAY1_AT + timedelta(hours=24)}, {}, set(), set()),
    (
        "two_steps_up",
        {"dose_mcg": 100, "check_dose_mcg": 100, "volume_ml": 2.0},
        {},
        set(),
        {"above_one_step"},
    ),
    ("one_step_up", {"dose_mcg": 75}, {}, set(), set()),
    (
        "under_4_years",
        {},
        {"birth": date(2022, 11, 4)},  # 4th birthday is the day after the dose
        set(),
        {"under_4_years"},
    ),
    ("4th_birthday", {}, {"birth": date(2022, 11, 3)}, set(), set()),
    (
        "second_dose_same_day",
        {},
        # Contrived numbering: an earlier "day 2" dose 30 h before, so that only this warning applies.
        {
            "prior": (
                PriorDose(1, DAY1_AT - timedelta(days=1), 50),
                PriorDose(2, DAY2_AT - timedelta(hours=30), 50),
            )
        },
        set(),
        {"second_dose_same_day"},
    ),
    # -- combinations --
    (
        "errors_together",
        {
            "dose_mcg": 150,
            "concentration_mcg_per_ml": 100,
            "volume_ml": 9.0,
            "checked_by": "DR.LEE",
            "check_dose_mcg": None,
            "check_concentration_mcg_per_ml": None,
        },
        {"prior": NO_PRIOR},
        {"above_maximum", "concentration_not_allowed", "double_check_same_person", "double_check_missing"},
        {"first_dose_above_first_step"},
    ),
    (
        "decimal_and_mismatch",
        {"dose_mcg": 62.5, "check_dose_mcg": 60},
        {},
        {"dose_not_whole_positive", "double_check_mismatch"},
        set(),
    ),
    (
        "warnings_together",
        {
            "dose_mcg": 100,
            "check_dose_mcg": 100,
            "concentration_mcg_per_ml": 500,
            "check_concentration_mcg_per_ml": 500,
            "volume_ml": 0.2,
            "given_at": DAY2_AT - timedelta(hours=3),
        },
        {"birth": date(2023, 1, 1), "prior": (PRIOR_DAY1, PriorDose(2, DAY2_AT - timedelta(hours=4), 25))},
        set(),
        {
            "concentration_not_screening",
            "within_24h",
            "above_one_step",
            "under_4_years",
            "second_dose_same_day",
        },
    ),
    (
        "error_and_warnings",
        {"dose_mcg": 100, "check_dose_mcg": 75, "volume_ml": 2.0, "given_at": DAY1_AT + timedelta(hours=20)},
        {},
        {"double_check_mismatch"},
        {"within_24h", "above_one_step"},
    ),
]


@pytest.mark.parametrize(
    ("changes", "ctx_changes", "errors", "warnings"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_check_dose_table(
    changes: dict[str, Any], ctx_changes: dict[str, Any], errors: set[str], warnings: set[str]
) -> None:
    result = check_dose(entry(**changes), ctx(**ctx_changes))
    assert codes(result.errors) == errors
    assert codes(result.warnings) == warnings
    assert result.ok is (not errors)
    assert all(f.severity == "error" for f in result.errors)
    assert all(f.severity == "warning" for f in result.warnings)


@pytest.mark.parametrize(("changes", "ctx_changes"), [c[1:3] for c in CASES], ids=[c[0] for c in CASES])
def test_every_message_is_plain_and_uses_mcg(changes: dict[str, Any], ctx_changes: dict[str, Any]) -> None:
    for finding in all_findings(check_dose(entry(**changes), ctx(**ctx_changes))):
        text = finding.message
        assert len(text) > 40, text  # says what is wrong and what to do, not a bare code
        assert "µg" not in text and "μg" not in text and " ug" not in text
        assert not re.search(r"\d\.0+ mcg", text), text  # never a trailing zero on a dose
        assert not re.search(r"\d mg\b", text), text  # never mg
        assert finding.code not in text  # no internal codes shown to clinicians


def test_computed_volume() -> None:
    assert check_dose(entry(), ctx()).volume_ml == 1.5
    assert check_dose(entry(volume_ml=None), ctx()).volume_ml == 1.5
    r = check_dose(
        entry(concentration_mcg_per_ml=500, check_concentration_mcg_per_ml=500, volume_ml=None), ctx()
    )
    assert r.volume_ml == 0.15
    # No volume when the dose or the concentration is not valid: nothing to draw up.
    assert check_dose(entry(dose_mcg=0, check_dose_mcg=0), ctx()).volume_ml is None
    assert (
        check_dose(entry(concentration_mcg_per_ml=100, check_concentration_mcg_per_ml=100), ctx()).volume_ml
        is None
    )


def test_volume_float_noise_is_not_a_mismatch() -> None:
    # 15 mcg at 50 mcg/mL = 0.30 mL; 0.1 + 0.2 is 0.30000000000000004 in binary floating point.
    e = entry(dose_mcg=15, check_dose_mcg=15, volume_ml=0.1 + 0.2)
    assert "volume_mismatch" not in codes(check_dose(e, ctx(prior=NO_PRIOR)).errors)


def test_volume_mismatch_message_names_both_volumes() -> None:
    (finding,) = check_dose(entry(volume_ml=1.0), ctx()).errors
    assert "1 mL" in finding.message or "1.0 mL" in finding.message
    assert "1.5 mL" in finding.message
    assert "75 mcg" in finding.message and "50 mcg/mL" in finding.message


def test_mismatch_message_shows_both_entries() -> None:
    (finding,) = check_dose(entry(check_dose_mcg=50), ctx()).errors
    assert "75 mcg" in finding.message and "50 mcg" in finding.message
    assert "Do not give" in finding.message


def test_same_person_message_names_the_person() -> None:
    (finding,) = check_dose(entry(checked_by=" DR.LEE"), ctx()).errors
    assert "DR.LEE" in finding.message
    assert "second clinician" in finding.message


# -- the neurosurgeon's override of the maximum --------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "by_neurosurgeon", "blocked"),
    [
        ("Family and team agree; previous 100 mcg had no effect", True, False),
        ("", True, True),
        ("   ", True, True),
        (None, True, True),
        ("Family and team agree", False, True),
        (None, False, True),
    ],
)
def test_override_needs_reason_and_neurosurgeon(
    reason: str | None, by_neurosurgeon: bool, blocked: bool
) -> None:
    e = entry(
        dose_mcg=125,
        check_dose_mcg=125,
        volume_ml=2.5,
        override_reason=reason,
        override_by_neurosurgeon=by_neurosurgeon,
    )
    result = check_dose(e, ctx(prior=NO_PRIOR))
    assert ("above_maximum" in codes(result.errors)) is blocked
    if blocked:
        message = next(f.message for f in result.errors if f.code == "above_maximum")
        assert "125 mcg" in message and "100 mcg" in message
        assert "neurosurgeon" in message
        if by_neurosurgeon:
            assert "reason" in message


def test_at_the_maximum_is_allowed() -> None:
    e = entry(dose_mcg=100, check_dose_mcg=100, volume_ml=2.0)
    assert check_dose(e, ctx(prior=(PriorDose(1, DAY1_AT, 75),))).ok


# -- 24 h ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gap", "warned"),
    [
        (timedelta(hours=24), False),
        (timedelta(hours=23, minutes=59), True),
        (timedelta(hours=30), False),
        (timedelta(hours=1), True),
        (timedelta(0), True),
    ],
)
def test_24h_boundary(gap: timedelta, warned: bool) -> None:
    result = check_dose(entry(given_at=DAY1_AT + gap), ctx())
    assert ("within_24h" in codes(result.warnings)) is warned


def test_24h_message_says_how_many_hours() -> None:
    result = check_dose(entry(given_at=DAY1_AT + timedelta(hours=23, minutes=59)), ctx())
    (finding,) = [w for w in result.warnings if w.code == "within_24h"]
    assert "23 h 59 min" in finding.message
    assert "50 mcg" in finding.message and "24 h" in finding.message


def test_24h_uses_the_most_recent_prior_dose() -> None:
    prior = (PriorDose(1, DAY1_AT - timedelta(days=3), 50), PriorDose(1, DAY1_AT, 50))
    result = check_dose(entry(given_at=DAY1_AT + timedelta(hours=20)), ctx(prior=prior))
    (finding,) = [w for w in result.warnings if w.code == "within_24h"]
    assert "20 h since" in finding.message


def test_24h_also_looks_at_a_later_recorded_dose() -> None:
    # A backdated entry 6 h before a dose that is already recorded.
    later = PriorDose(2, DAY2_AT + timedelta(hours=6), 75)
    result = check_dose(entry(), ctx(prior=(PRIOR_DAY1, later)))
    (finding,) = [w for w in result.warnings if w.code == "within_24h"]
    assert "6 h before" in finding.message


# -- ladder steps -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ladder", "previous", "dose", "warned"),
    [
        ("standard", 50, 75, False),
        ("standard", 50, 100, True),
        ("standard", 50, 76, True),
        ("standard", 75, 100, False),
        ("standard", 75, 50, False),  # going down is never a step up
        ("standard", 60, 75, False),  # off-ladder previous: the next step above 60 is 75
        ("standard", 60, 80, True),
        ("standard", 100, 100, False),
        ("small_child", 25, 50, False),
        ("small_child", 25, 75, True),
        ("small_child", 30, 50, False),
        ("small_child", 30, 75, True),
    ],
)
def test_above_one_step(ladder: str, previous: int, dose: int, warned: bool) -> None:
    prior = (PriorDose(1, DAY1_AT, previous),)
    e = entry(dose_mcg=dose, check_dose_mcg=dose, volume_ml=None)
    result = check_dose(e, ctx(prior=prior, ladder=ladder))
    assert ("above_one_step" in codes(result.warnings)) is warned


def test_above_one_step_past_the_top_with_override() -> None:
    prior = (PriorDose(1, DAY1_AT, 100),)
    e = entry(
        dose_mcg=125,
        check_dose_mcg=125,
        volume_ml=None,
        override_reason="team decision after review",
        override_by_neurosurgeon=True,
    )
    result = check_dose(e, ctx(prior=prior))
    assert result.ok
    (finding,) = [w for w in result.warnings if w.code == "above_one_step"]
    assert "no step above 100 mcg" in finding.message


def test_above_one_step_compares_with_the_last_dosed_day() -> None:
    # Day 2 had no dose: day 3 is compared with day 1's 50 mcg, whose next step is 75 mcg.
    prior = (PriorDose(1, DAY1_AT, 50),)
    e = entry(
        dose_mcg=100, check_dose_mcg=100, volume_ml=None, trial_day=3, given_at=DAY1_AT + timedelta(days=2)
    )
    (finding,) = [w for w in check_dose(e, ctx(prior=prior)).warnings if w.code == "above_one_step"]
    assert "day 1" in finding.message and "75 mcg" in finding.message


def test_no_step_warning_on_the_first_day() -> None:
    e = entry(dose_mcg=100, check_dose_mcg=100, volume_ml=None, trial_day=1, given_at=DAY1_AT)
    assert "above_one_step" not in codes(check_dose(e, ctx(prior=NO_PRIOR)).warnings)


def test_under_4_message_gives_age() -> None:
    result = check_dose(entry(), ctx(birth=date(2023, 5, 3)))
    (finding,) = [w for w in result.warnings if w.code == "under_4_years"]
    assert "3 years 6 months" in finding.message
    assert "4 years" in finding.message


def test_continuous_mode_skips_bolus_only_warnings() -> None:
    prior = (PriorDose(2, DAY2_AT - timedelta(hours=2), 100),)
    e = entry(
        dose_mcg=100,
        check_dose_mcg=100,
        concentration_mcg_per_ml=500,
        check_concentration_mcg_per_ml=500,
        volume_ml=0.2,
    )
    result = check_dose(e, ctx(prior=prior, birth=date(2023, 5, 3), mode="continuous"))
    assert codes(result.warnings) == {"under_4_years"}


def test_concentration_warning_flags_unmeasurable_volume() -> None:
    # 25 mcg at 2000 mcg/mL is 0.0125 mL: 0.01 mL on the syringe would be 20 mcg.
    e = entry(
        dose_mcg=25,
        check_dose_mcg=25,
        concentration_mcg_per_ml=2000,
        check_concentration_mcg_per_ml=2000,
        volume_ml=0.01,
    )
    result = check_dose(e, ctx(prior=NO_PRIOR))
    (finding,) = [w for w in result.warnings if w.code == "concentration_not_screening"]
    assert "0.0125 mL" in finding.message


# ------------------------------------------------------------------------------------------------
# Imported records
# ------------------------------------------------------------------------------------------------


def record(**changes: Any) -> Dose:
    base = Dose(
        given_at=DAY2_AT,
        dose_mcg=75,
        concentration_mcg_per_ml=50,
        volume_ml=1.5,
        given_by="dr.lee",
        checked_by="rn.smith",
    )
    return dataclasses.replace(base, **changes)


def test_record_without_blind_entries_is_fine() -> None:
    assert check_dose(dose_entry_from_record(record(), 2), ctx()).errors == ()
    assert check_dose(dose_entry_from_record(record(checked_by=None), 2), ctx()).errors == ()


def test_record_errors_still_found() -> None:
    r = check_dose(dose_entry_from_record(record(checked_by="Dr.Lee", volume_ml=1.0), 2), ctx())
    assert codes(r.errors) == {"double_check_same_person", "volume_mismatch"}


@pytest.mark.parametrize(
    ("acknowledged", "blocked"),
    [
        ((), True),
        ((AcknowledgedWarning("above_maximum_override", "team and family agree", "dr.lee"),), False),
        ((AcknowledgedWarning("above_maximum_override", "  ", "dr.lee"),), True),
        ((AcknowledgedWarning("above_one_step", "team agreed"),), True),
    ],
)
def test_record_override(acknowledged: tuple[AcknowledgedWarning, ...], blocked: bool) -> None:
    dose = record(dose_mcg=125, volume_ml=2.5, warnings_acknowledged=acknowledged)
    result = check_dose(dose_entry_from_record(dose, 2), ctx(prior=NO_PRIOR))
    assert ("above_maximum" in codes(result.errors)) is blocked


def test_check_recorded_doses_in_time_order() -> None:
    trial = Trial(
        started_on=DAY1_AT.date(),
        catheter=Catheter(placed_at=DAY1_AT - timedelta(hours=2), method="catheter"),
        days=(
            Day(1, DAY1_AT.date(), doses=(record(given_at=DAY1_AT, dose_mcg=50, volume_ml=1.0),)),
            Day(2, DAY2_AT.date(), doses=(record(), record())),  # the same dose entered twice
        ),
    )
    results = check_recorded_doses(trial, BIRTH_10Y)
    assert [(r.day, r.index) for r in results] == [(1, 0), (2, 0), (2, 1)]
    assert all(r.result.ok for r in results)
    assert codes(results[0].result.warnings) == set()
    assert codes(results[1].result.warnings) == set()
    assert codes(results[2].result.warnings) == {"within_24h", "second_dose_same_day"}


def test_unacknowledged_warnings() -> None:
    result = check_dose(entry(given_at=DAY1_AT + timedelta(hours=20)), ctx(birth=date(2023, 5, 3)))
    assert codes(result.warnings) == {"within_24h", "under_4_years"}
    left = unacknowledged_warnings(result, (AcknowledgedWarning("within_24h", "catheter issue"),))
    assert codes(left) == {"under_4_years"}
    left = unacknowledged_warnings(result, (AcknowledgedWarning("within_24h", ""),))
    assert codes(left) == {"within_24h", "under_4_years"}


# ------------------------------------------------------------------------------------------------
# R7: ladders and the next-dose suggestion
# ------------------------------------------------------------------------------------------------


def test_constants() -> None:
    assert LADDERS == {"standard": (50, 75, 100), "small_child": (25, 50, 75, 100)}
    assert SCREENING_CONCENTRATION_MCG_PER_ML == 50
    assert ALLOWED_CONCENTRATIONS == (50, 500, 1000, 2000)
    assert DEFAULT_MAX_DOSE_MCG == 100
    assert ProtocolSettings().max_dose_mcg == DEFAULT_MAX_DOSE_MCG


@pytest.mark.parametrize(
    ("ladder", "last", "responder", "ae", "expected"),
    [
        # not a responder, no significant adverse effect → next step
        ("standard", 50, False, False, 75),
        ("standard", 75, False, False, 100),
        ("standard", 100, False, False, None),
        ("small_child", 25, False, False, 50),
        ("small_child", 75, False, False, 100),
        ("small_child", 100, False, False, None),
        # responder without a significant adverse effect → same dose
        ("standard", 50, True, False, 50),
        ("standard", 75, True, False, 75),
        ("small_child", 25, True, False, 25),
        # significant adverse effect → previous step, whatever the response
        ("standard", 75, False, True, 50),
        ("standard", 75, True, True, 50),
        ("standard", 75, None, True, 50),
        ("standard", 100, True, True, 75),
        ("standard", 50, False, True, None),
        ("small_child", 50, True, True, 25),
        ("small_child", 25, False, True, None),
        # response not known yet
        ("standard", 75, None, False, None),
        # off-ladder last doses
        ("standard", 60, False, False, 75),
        ("standard", 60, False, True, 50),
        ("standard", 60, True, False, 60),
        ("standard", 40, False, False, 50),
        ("standard", 40, False, True, None),
        ("standard", 110, False, False, None),
        ("standard", 110, False, True, 100),
        ("small_child", 30, False, False, 50),
        ("small_child", 30, True, True, 25),
    ],
)
def test_suggest_next_dose(
    ladder: str, last: int, responder: bool | None, ae: bool, expected: int | None
) -> None:
    suggestion = suggest_next_dose(ladder, last, responder, ae)
    assert suggestion.dose_mcg == expected
    assert f"{last} mcg" in suggestion.message
    if expected is not None:
        assert f"{expected} mcg" in suggestion.message
    assert "µg" not in suggestion.message


def test_suggestion_wording_at_the_ends() -> None:
    top = suggest_next_dose("standard", 100, False, False)
    assert "ladder complete: not a candidate by the labelled criterion" in top.message
    bottom = suggest_next_dose("standard", 50, True, True)
    assert "stop and review" in bottom.message
    unknown = suggest_next_dose("standard", 75, None, False)
    assert "not known yet" in unknown.message


def test_off_ladder_message_says_so() -> None:
    up = suggest_next_dose("standard", 60, False, False)
    assert "60 mcg is not a step" in up.message and "smallest step above" in up.message
    down = suggest_next_dose("standard", 60, True, True)
    assert "largest step below" in down.message
    on = suggest_next_dose("standard", 75, False, False)
    assert "not a step" not in on.message


def test_suggest_next_dose_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="unknown dose ladder"):
        suggest_next_dose("fast", 50, False, False)
    with pytest.raises(ValueError):
        suggest_next_dose("standard", 0, False, False)


# -- ages and the ladder suggestion ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "ladder"),
    [
        (date(2026, 11, 2), "small_child"),  # the day before the 4th birthday
        (date(2026, 11, 3), "standard"),  # the 4th birthday
        (date(2026, 11, 4), "standard"),
        (date(2024, 1, 1), "small_child"),
    ],
)
def test_suggest_ladder_around_4th_birthday(on: date, ladder: str) -> None:
    code, reason = suggest_ladder(date(2022, 11, 3), on)
    assert code == ladder
    assert "4 years" in reason


def test_suggest_ladder_reason_mentions_age_and_steps() -> None:
    _, reason = suggest_ladder(date(2022, 11, 3), date(2026, 11, 2))
    assert "3 years 11 months" in reason and "25 mcg" in reason


def test_ages() -> None:
    birth = date(2022, 11, 3)
    assert age_in_whole_years(birth, date(2026, 11, 2)) == 3
    assert age_in_whole_years(birth, date(2026, 11, 3)) == 4
    assert age_in_years(birth, date(2026, 11, 3)) == 4.0
    assert 3.99 < age_in_years(birth, date(2026, 11, 2)) < 4.0
    assert age_in_years(birth, date(2027, 5, 4)) == pytest.approx(4 + 182 / 365)
    # 29 February: the birthday falls on 1 March in common years.
    leap = date(2020, 2, 29)
    assert age_in_whole_years(leap, date(2025, 2, 28)) == 4
    assert age_in_whole_years(leap, date(2025, 3, 1)) == 5
    assert age_in_whole_years(leap, date(2024, 2, 29)) == 4
    # Months: a month is completed on the same day-of-month, or the last day of a shorter month.
    assert age_in_whole_months(date(2026, 1, 31), date(2026, 2, 27)) == 0
    assert age_in_whole_months(date(2026, 1, 31), date(2026, 2, 28)) == 1
    assert age_in_whole_months(date(2025, 11, 15), date(2026, 11, 14)) == 11
    assert age_in_whole_months(date(2025, 11, 15), date(2026, 11, 15)) == 12
    with pytest.raises(ValueError):
        age_in_whole_years(birth, date(2020, 1, 1))


# ------------------------------------------------------------------------------------------------
# Parsing and formatting
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "mcg"),
    [
        ("50", 50),
        ("50 mcg", 50),
        ("50mcg", 50),
        ("  75 MCG ", 75),
        ("100", 100),
        ("25 Mcg", 25),
        ("1000", 1000),
    ],
)
def test_parse_dose_accepts(text: str, mcg: int) -> None:
    assert parse_dose_mcg(text) == mcg


@pytest.mark.parametrize(
    ("text", "must_say"),
    [
        ("50.0", "write 50"),
        ("75.00", "write 75"),
        (".5", "whole number"),
        ("0.5", "whole number"),
        ("50.5", "whole number"),
        ("50 ug", '"mcg"'),
        ("50ug", "enter 50"),
        ("50 µg", '"mcg"'),  # U+00B5 micro sign
        ("50 μg", '"mcg"'),  # U+03BC Greek mu
        ("50 micrograms", '"mcg"'),
        ("0.05 mg", "0.05 mg = 50 mcg, enter 50"),
        ("0.05mg", "enter 50"),
        ("0.075 MG", "0.075 mg = 75 mcg, enter 75"),
        ("50 mg", "far above"),
        ("1 mg", "far above"),
        ("-5", "more than 0"),
        ("0", "more than 0"),
        ("", "whole number of micrograms"),
        ("   ", "whole number of micrograms"),
        ("fifty", "for example 50"),
        ("1e2", "for example 50"),
        ("050", "enter 50"),
        ("+50", "enter 50"),
        ("1,000", "for example 50"),
        ("50 mL", "for example 50"),
    ],
)
def test_parse_dose_rejects(text: str, must_say: str) -> None:
    with pytest.raises(DoseInputError) as info:
        parse_dose_mcg(text)
    assert must_say in str(info.value)
    assert isinstance(info.value, ValueError)


def test_parse_dose_mg_never_suggests_a_large_number() -> None:
    with pytest.raises(DoseInputError) as info:
        parse_dose_mcg("50 mg")
    assert "enter 50000" not in str(info.value)


@given(st.integers(min_value=1, max_value=10**9))
def test_parse_dose_round_trip(n: int) -> None:
    assert parse_dose_mcg(str(n)) == n
    assert parse_dose_mcg(f"{n} mcg") == n
    assert parse_dose_mcg(format_dose(n)) == n


@given(st.text(max_size=8), st.sampled_from([".", "mg", "ug", "µg"]), st.text(max_size=8))
def test_parse_dose_rejects_any_decimal_or_wrong_unit(before: str, marker: str, after: str) -> None:
    with pytest.raises(DoseInputError):
        parse_dose_mcg(before + marker + after)


@given(st.integers(min_value=1, max_value=10**6), st.sampled_from(ALLOWED_CONCENTRATIONS))
def test_volume_for_is_exact(dose: int, concentration: int) -> None:
    # R8 revision 2: at the allowed strengths the volume is exact, never rounded away from the truth.
    volume = volume_for(dose, concentration)
    assert Decimal(repr(volume)) == Decimal(dose) / Decimal(concentration)
    assert format_volume(volume) == f"{plain_number(Decimal(dose) / Decimal(concentration))} mL"


@pytest.mark.parametrize(
    ("dose", "concentration", "ml"),
    [
        (50, 50, 1.0),
        (75, 50, 1.5),
        (100, 50, 2.0),
        (25, 50, 0.5),
        (75, 500, 0.15),
        (25, 1000, 0.025),
        (75, 1000, 0.075),
        (25, 2000, 0.0125),
        (100, 2000, 0.05),
    ],
)
def test_volume_for(dose: int, concentration: int, ml: float) -> None:
    assert volume_for(dose, concentration) == ml


def test_volume_for_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        volume_for(0, 50)
    with pytest.raises(ValueError):
        volume_for(50, 0)


def test_formatting() -> None:
    assert format_dose(50) == "50 mcg"
    # R8 revision 2: as many decimals as the volume needs, up to 4; leading zero, no trailing zero.
    assert format_volume(1) == "1 mL"
    assert format_volume(1.5) == "1.5 mL"
    assert format_volume(0.15) == "0.15 mL"
    assert format_volume(0.025) == "0.025 mL"
    assert format_volume(0.0125) == "0.0125 mL"
    assert format_volume(Decimal("0.5")) == "0.5 mL"
    assert format_concentration(500) == "500 mcg/mL"


@pytest.mark.parametrize(
    ("text", "value"),
    [("50", 50), ("500 mcg/mL", 500), ("1000mcg/ml", 1000), (" 2000 MCG/ML ", 2000)],
)
def test_parse_concentration_accepts(text: str, value: int) -> None:
    assert parse_concentration(text) == value


@pytest.mark.parametrize(
    ("text", "must_say"),
    [
        ("100", "50, 500, 1000, 2000"),
        ("0.5 mg/mL", "0.5 mg/mL = 500 mcg/mL, enter 500"),
        ("2 mg/mL", "enter 2000"),
        ("50 µg/mL", '"mcg/mL"'),
        ("50.0", "no decimal point"),
        ("", "mcg/mL"),
        ("50 mcg", "mcg/mL"),
    ],
)
def test_parse_concentration_rejects(text: str, must_say: str) -> None:
    with pytest.raises(DoseInputError) as info:
        parse_concentration(text)
    assert must_say in str(info.value)


def test_protocol_defaults_file_matches_the_code() -> None:
    import json
    from importlib import resources

    from trialapp.domain import dosing, schedule

    text = (
        resources.files("trialapp.resources")
        .joinpath("clinical", "protocol_defaults.json")
        .read_text(encoding="utf-8")
    )
    defaults = {k: v["value"] for k, v in json.loads(text)["defaults"].items()}
    assert defaults["ladders"] == {k: list(v) for k, v in dosing.LADDERS.items()}
    assert defaults["small_child_age_years"] == dosing.SMALL_CHILD_AGE_YEARS
    assert defaults["max_dose_mcg"] == dosing.DEFAULT_MAX_DOSE_MCG == ProtocolSettings().max_dose_mcg
    assert defaults["allowed_concentrations_mcg_per_ml"] == list(dosing.ALLOWED_CONCENTRATIONS)
    assert defaults["screening_concentration_mcg_per_ml"] == dosing.SCREENING_CONCENTRATION_MCG_PER_ML
    assert defaults["min_hours_between_doses"] == dosing.MIN_HOURS_BETWEEN_DOSES
    assert defaults["schedule_hours"] == list(schedule.DEFAULT_SCHEDULE_HOURS)
    assert defaults["late_after_minutes"] == schedule.DEFAULT_LATE_AFTER_MINUTES


# ------------------------------------------------------------------------------------------------
# R8 revision 2: the cases of issue 17
# ------------------------------------------------------------------------------------------------

DAY1_BASELINE = DAY1_AT - timedelta(minutes=30)
AT_BEDSIDE = Bedside(hard_ceiling_mcg=150, weight_kg=22.5, day_baseline_times=(DAY1_BASELINE,))


def first_day_entry(dose: int, **changes: Any) -> DoseEntry:
    """A day-1 entry (the trial's first dose) at 50 mcg/mL, blind-checked."""
    values: dict[str, Any] = {"volume_ml": None, **changes}
    return entry(dose_mcg=dose, check_dose_mcg=dose, given_at=DAY1_AT, trial_day=1, **values)


def bedside_ctx(bedside: Bedside = AT_BEDSIDE, **settings: Any) -> DoseContext:
    return dataclasses.replace(ctx(prior=NO_PRIOR, **settings), bedside=bedside)


def test_1000_mcg_on_day_1_is_an_error_even_with_an_override() -> None:
    # Seen: 1000 mcg (20 mL) for a 22.5 kg child raised only an amber warning and "x" unlocked it.
    plain = check_dose(first_day_entry(1000), bedside_ctx())
    assert codes(plain.errors) == {"above_hard_ceiling"}
    overridden = first_day_entry(
        1000, override_reason="the family insists on a large dose", override_by_neurosurgeon=True
    )
    result = check_dose(overridden, bedside_ctx())
    assert codes(result.errors) == {"above_hard_ceiling"}
    assert "1000 mcg" in result.errors[0].message and "150 mcg" in result.errors[0].message
    assert "Nobody can override" in result.errors[0].message


def test_hard_ceiling_is_the_sites() -> None:
    assert codes(check_dose(first_day_entry(150), bedside_ctx()).errors) == {"above_maximum"}
    lower = Bedside(hard_ceiling_mcg=120, weight_kg=22.5, day_baseline_times=(DAY1_BASELINE,))
    assert codes(check_dose(first_day_entry(125), bedside_ctx(lower)).errors) == {"above_hard_ceiling"}
    # A recorded dose (no bedside facts) is not refused for the ceiling: it states what was given.
    assert "above_hard_ceiling" not in codes(check_dose(first_day_entry(1000), ctx(prior=NO_PRIOR)).errors)


@pytest.mark.parametrize("reason", ["x", "", "   ", "too short here", "  a b c d e f g  "])
def test_a_short_override_reason_does_not_unlock_the_maximum(reason: str) -> None:
    e = first_day_entry(125, override_reason=reason, override_by_neurosurgeon=True)
    result = check_dose(e, bedside_ctx())
    assert codes(result.errors) == {"above_maximum"}
    assert override_reason_problem(reason) is not None
    assert override_reason_problem(reason) in result.errors[0].message  # type: ignore[operator]


def test_an_override_reason_of_15_characters_unlocks_the_maximum() -> None:
    reason = "dystonia, 100 failed"
    assert len(reason) >= 15 and override_reason_problem(reason) is None
    e = first_day_entry(125, override_reason=reason, override_by_neurosurgeon=True)
    assert check_dose(e, bedside_ctx()).ok
    assert override_reason_problem("x" * 14) is not None
    assert override_reason_problem("x" * 15) is None
    # Only a neurosurgeon's override counts.
    e = first_day_entry(125, override_reason=reason, override_by_neurosurgeon=False)
    assert codes(check_dose(e, bedside_ctx()).errors) == {"above_maximum"}


def test_first_dose_above_the_first_step_warns() -> None:
    # Seen: a first dose of 100 mcg showed "No errors and no warnings".
    result = check_dose(first_day_entry(100), bedside_ctx())
    assert result.ok
    assert codes(result.warnings) == {"first_dose_above_first_step"}
    assert "50 mcg" in result.warnings[0].message
    assert codes(check_dose(first_day_entry(50), bedside_ctx()).warnings) == set()
    # The small-child ladder starts at 25 mcg.
    small = check_dose(first_day_entry(50), bedside_ctx(ladder="small_child"))
    assert codes(small.warnings) == {"first_dose_above_first_step"}
    # Not the first dose of the trial: no such warning (the ladder-step warning applies instead).
    assert "first_dose_above_first_step" not in codes(check_dose(entry(), ctx()).warnings)


def test_no_weight_and_no_baseline_warn() -> None:
    # Seen: a patient with no weight and no baseline: "No errors and no warnings".
    bare = Bedside(hard_ceiling_mcg=150, weight_kg=None, day_baseline_times=())
    result = check_dose(first_day_entry(50), bedside_ctx(bare))
    assert result.ok
    assert codes(result.warnings) == {"no_baseline", "weight_not_recorded"}


def test_a_baseline_after_the_dose_does_not_count() -> None:
    late = Bedside(weight_kg=22.5, day_baseline_times=(DAY1_AT + timedelta(minutes=5),))
    assert codes(check_dose(first_day_entry(50), bedside_ctx(late)).warnings) == {"no_baseline"}
    same_minute = Bedside(weight_kg=22.5, day_baseline_times=(DAY1_AT,))
    assert codes(check_dose(first_day_entry(50), bedside_ctx(same_minute)).warnings) == set()


def test_small_volume_warns() -> None:
    e = first_day_entry(25, concentration_mcg_per_ml=500, check_concentration_mcg_per_ml=500)
    result = check_dose(e, bedside_ctx(ladder="small_child"))
    assert codes(result.warnings) == {"concentration_not_screening", "small_volume"}
    assert result.volume_ml == 0.05


def test_volume_of_0_0125_ml_is_shown_whole_and_0_01_is_refused() -> None:
    e = first_day_entry(
        25, concentration_mcg_per_ml=2000, check_concentration_mcg_per_ml=2000, volume_ml=0.01
    )
    result = check_dose(e, bedside_ctx(ladder="small_child"))
    assert result.volume_ml == 0.0125
    (error,) = result.errors
    assert error.code == "volume_mismatch" and "0.0125 mL" in error.message
    ok = dataclasses.replace(e, volume_ml=0.0125)
    assert check_dose(ok, bedside_ctx(ladder="small_child")).ok


def test_a_recorded_volume_rounded_to_0_01_ml_stays_valid() -> None:
    # Files written before revision 2 stored 0.0125 mL as 0.01 mL: imports still read them.
    e = first_day_entry(
        25, concentration_mcg_per_ml=2000, check_concentration_mcg_per_ml=2000, volume_ml=0.01
    )
    assert "volume_mismatch" not in codes(check_dose(e, ctx(prior=NO_PRIOR)).errors)
