"""R1: MAS grades and numeric codings."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trialapp.domain.scales import (
    MAS_CODINGS,
    MAS_DESCRIPTIONS,
    MAS_GRADES,
    NOT_TESTED,
    MasGradeError,
    mas_value,
    parse_mas_grade,
)

ALLOWED = {"0", "1", "1+", "2", "3", "4", "NT"}


def test_public_constants_are_those_of_rules_r1() -> None:
    assert MAS_GRADES == ("0", "1", "1+", "2", "3", "4")
    assert NOT_TESTED == "NT"
    assert MAS_CODINGS == ("cprn", "ordinal05")


@pytest.mark.parametrize("text", ["0", "1", "1+", "2", "3", "4", "NT"])
def test_every_grade_and_nt_is_accepted(text: str) -> None:
    assert parse_mas_grade(text) == text


@pytest.mark.parametrize(("text", "grade"), [(" 1+ ", "1+"), ("\t2\n", "2"), ("  NT", "NT")])
def test_surrounding_whitespace_is_trimmed(text: str, grade: str) -> None:
    assert parse_mas_grade(text) == grade


def test_five_is_rejected_with_the_cprn_not_assessed_hint() -> None:
    with pytest.raises(MasGradeError) as excinfo:
        parse_mas_grade("5")
    message = str(excinfo.value)
    assert "not assessed" in message
    assert "NT" in message
    assert "1+" in message  # says what is allowed


@pytest.mark.parametrize("text", ["1.5", "+", "", "   ", "nt", "1-", "2+", "01", "-1", "4.0", "1 +", "one"])
def test_other_texts_are_rejected_saying_what_is_allowed(text: str) -> None:
    with pytest.raises(MasGradeError) as excinfo:
        parse_mas_grade(text)
    assert "0, 1, 1+, 2, 3, 4" in str(excinfo.value)


def test_messages_point_to_1plus_for_its_common_mistypings() -> None:
    for text in ("1.5", "+"):
        with pytest.raises(MasGradeError, match=r"enter 1\+"):
            parse_mas_grade(text)


def test_mas_grade_error_is_a_value_error() -> None:
    assert issubclass(MasGradeError, ValueError)


def test_cprn_coding_counts_1plus_as_one_and_a_half() -> None:
    assert [mas_value(g, "cprn") for g in MAS_GRADES] == [0.0, 1.0, 1.5, 2.0, 3.0, 4.0]


def test_ordinal05_coding_counts_grades_as_equal_steps() -> None:
    assert [mas_value(g, "ordinal05") for g in MAS_GRADES] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]


@pytest.mark.parametrize("coding", ["cprn", "ordinal05"])
def test_not_tested_has_no_number(coding: str) -> None:
    assert mas_value("NT", coding) is None


def test_unknown_coding_is_rejected() -> None:
    with pytest.raises(ValueError, match="cprn"):
        mas_value("2", "ashworth")


def test_mas_value_rejects_a_bad_grade() -> None:
    with pytest.raises(MasGradeError):
        mas_value("5", "cprn")


def test_descriptions_cover_the_six_grades_in_reference_words() -> None:
    assert tuple(MAS_DESCRIPTIONS) == MAS_GRADES
    assert "no increase" in MAS_DESCRIPTIONS["0"].lower()
    assert "less than half" in MAS_DESCRIPTIONS["1+"]
    assert "most of the range" in MAS_DESCRIPTIONS["2"]
    assert "difficult" in MAS_DESCRIPTIONS["3"]
    assert "rigid" in MAS_DESCRIPTIONS["4"]


@given(st.text(max_size=6))
def test_property_parse_accepts_exactly_the_allowed_texts(text: str) -> None:
    if text.strip() in ALLOWED:
        assert parse_mas_grade(text) == text.strip()
    else:
        with pytest.raises(MasGradeError):
            parse_mas_grade(text)


@given(st.sampled_from(MAS_CODINGS), st.integers(0, 4))
def test_property_codings_keep_grade_order(coding: str, index: int) -> None:
    lower, higher = MAS_GRADES[index], MAS_GRADES[index + 1]
    low_value, high_value = mas_value(lower, coding), mas_value(higher, coding)
    assert low_value is not None and high_value is not None
    assert low_value < high_value
