"""``plain_number``: whole numbers without ".0", no trailing zeros, no exponent, no digit lost."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trialapp.domain.numbers import plain_number


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (62, "62"),
        (62.0, "62"),
        (36.85, "36.85"),
        (-10.0, "-10"),
        (0.0, "0"),
        (-0.0, "0"),
        (140.5, "140.5"),
        (1234567.5, "1234567.5"),  # f"{x:g}" gives 1.23457e+06
        (1e-05, "0.00001"),
        (1e16, "10000000000000000"),
        (Decimal("50.000"), "50"),
        (Decimal("0.050"), "0.05"),
        (Decimal("1E+2"), "100"),
        (Decimal("-0.00"), "0"),
        (Decimal("12345678901234567890123456789012.5"), "12345678901234567890123456789012.5"),
    ],
)
def test_plain_number_writes(value: int | float | Decimal, text: str) -> None:
    assert plain_number(value) == text


def _plain_form(text: str) -> None:
    assert "e" not in text.lower() and "E" not in text
    if "." in text:
        assert not text.endswith("0") and not text.endswith(".")


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_a_float_reads_back_as_the_same_value(value: float) -> None:
    text = plain_number(value)
    _plain_form(text)
    assert float(text) == value
    if value.is_integer():
        assert "." not in text


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_a_decimal_reads_back_as_the_same_value(value: Decimal) -> None:
    text = plain_number(value)
    _plain_form(text)
    assert Decimal(text) == value


@given(st.integers())
def test_an_int_is_written_as_itself(value: int) -> None:
    assert plain_number(value) == str(value)


def test_what_is_not_a_finite_number_is_written_as_python_does() -> None:
    assert plain_number(math.inf) == "inf"
    assert plain_number(Decimal("NaN")) == "NaN"


def test_a_difference_is_exact_in_the_values_as_written() -> None:
    from trialapp.domain.numbers import exact_difference

    assert 140.5 - 115.2 != 25.3
    assert plain_number(exact_difference(140.5, 115.2)) == "25.3"
    assert plain_number(exact_difference(50, 55)) == "-5"
    assert plain_number(exact_difference(Decimal("1.5"), 1)) == "0.5"
