"""Numbers as text, the one way the app writes a measured or entered value.

``plain_number`` writes what a clinician would: whole numbers without ".0", no trailing zeros, no
exponent, and every significant digit kept (``f"{x:g}"`` keeps six: 1234567.5 would print as
"1.23457e+06"). The text reads back as the same value: ``float(text) == x``, ``Decimal(text) == d``.
Doses keep RULES.md's rule (no trailing zeros) through it.
"""

from __future__ import annotations

import math
from decimal import Decimal


def plain_number(value: int | float | Decimal) -> str:
    """``value`` written plainly: 62.0 → "62", 36.85 → "36.85", Decimal("0.050") → "0.05",
    1e-05 → "0.00001", 1234567.5 → "1234567.5". A float is written from its shortest repr, so no digit
    is invented or lost; infinities and NaN as Python writes them."""
    if isinstance(value, bool):  # bool is an int; never a measured value, kept readable
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value == 0:
            return "0"  # -0.0 too: a value entered as 0
        value = Decimal(repr(value))
    if not value.is_finite():
        return str(value)
    text = format(value, "f")  # never an exponent; Decimal("1E+2") → "100"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def exact_difference(later: int | float | Decimal, earlier: int | float | Decimal) -> Decimal:
    """``later - earlier`` in decimal, from the values as written: 140.5 − 115.2 = 25.3 exactly, where
    float subtraction gives 25.30000000000001 (which ``plain_number`` would faithfully print)."""
    return _decimal(later) - _decimal(earlier)


def _decimal(value: int | float | Decimal) -> Decimal:
    if isinstance(value, Decimal):
        return value
    return Decimal(value) if isinstance(value, int) else Decimal(repr(value))
