"""Modified Ashworth Scale (MAS) grades and their numeric coding (RULES.md R1).

A grade is always stored as its text (``"0"``, ``"1"``, ``"1+"``, ``"2"``, ``"3"``, ``"4"``) or ``"NT"``
(not tested), never as a bare number: the number depends on the trial's coding and is computed only
when averaging.
"""

from __future__ import annotations

from typing import Final

MAS_GRADES: Final[tuple[str, ...]] = ("0", "1", "1+", "2", "3", "4")
NOT_TESTED: Final = "NT"
MAS_CODINGS: Final[tuple[str, ...]] = ("cprn", "ordinal05")

# Numbers used only for averages. CPRN registry coding keeps 1+ between 1 and 2; the 0–5 research coding
# treats the six grades as equally spaced steps (REFERENCE.md §5).
_CODING_VALUES: Final[dict[str, dict[str, float]]] = {
    "cprn": {"0": 0.0, "1": 1.0, "1+": 1.5, "2": 2.0, "3": 3.0, "4": 4.0},
    "ordinal05": {"0": 0.0, "1": 1.0, "1+": 2.0, "2": 3.0, "3": 4.0, "4": 5.0},
}

MAS_CODING_LABELS: Final[dict[str, str]] = {
    "cprn": "CPRN registry coding (1+ counts as 1.5)",
    "ordinal05": "0–5 research coding (0, 1, 1+, 2, 3, 4 count as 0, 1, 2, 3, 4, 5)",
}

# Wording from REFERENCE.md §5 (Modified Ashworth Scale), for tooltips and printed legends.
MAS_DESCRIPTIONS: Final[dict[str, str]] = {
    "0": "No increase in muscle tone",
    "1": "Slight increase in tone: a catch and release, or minimal resistance at the end of the range",
    "1+": "Slight increase in tone: a catch, then minimal resistance through less than half of the range",
    "2": "More marked increase in tone through most of the range, but the part is easily moved",
    "3": "Considerable increase in tone: passive movement is difficult",
    "4": "The part is rigid",
}
NOT_TESTED_DESCRIPTION: Final = "Not tested (never counts in an average)"

_ALLOWED_TEXT: Final = "0, 1, 1+, 2, 3, 4, or NT for not tested"


class MasGradeError(ValueError):
    """A text that is not a Modified Ashworth grade; the message says what is allowed."""


def parse_mas_grade(text: str) -> str:
    """Return the MAS grade written in ``text`` (surrounding spaces ignored).

    Accepts exactly ``0``, ``1``, ``1+``, ``2``, ``3``, ``4`` and ``NT``. Anything else raises
    :class:`MasGradeError` with a message a clinician can act on.
    """
    grade = text.strip()
    if grade in MAS_GRADES or grade == NOT_TESTED:
        return grade
    raise MasGradeError(_rejection_message(grade))


def _rejection_message(grade: str) -> str:
    if grade == "":
        return f"No Modified Ashworth grade was entered. Enter {_ALLOWED_TEXT}."
    if grade == "5":
        # CPRN exports use 5 for "not assessed"; importing it as a grade would invent severe tone.
        return (
            '"5" is not a Modified Ashworth grade. The CPRN registry uses 5 to mean "not assessed": '
            f"enter NT (not tested) instead. Allowed: {_ALLOWED_TEXT}."
        )
    if grade == "+":
        return f'"+" on its own is not a grade: enter 1+. Allowed: {_ALLOWED_TEXT}.'
    if grade == "1.5":
        return f'"1.5" is how 1+ is counted in averages, not a grade: enter 1+. Allowed: {_ALLOWED_TEXT}.'
    if grade.upper() == NOT_TESTED:
        return f'Write "not tested" as NT in capitals. Allowed: {_ALLOWED_TEXT}.'
    return f'"{grade}" is not a Modified Ashworth grade. Allowed: {_ALLOWED_TEXT}.'


def mas_value(grade: str, coding: str) -> float | None:
    """Return the number used to average ``grade`` under ``coding`` (``cprn`` or ``ordinal05``).

    ``NT`` gives ``None``: a muscle that was not tested never counts in a mean. An unknown grade raises
    :class:`MasGradeError`; an unknown coding raises :class:`ValueError`.
    """
    values = coding_values(coding)
    parsed = parse_mas_grade(grade)
    if parsed == NOT_TESTED:
        return None
    return values[parsed]


def coding_values(coding: str) -> dict[str, float]:
    """Return a copy of the grade → number table for ``coding``; unknown codings raise ValueError."""
    try:
        return dict(_CODING_VALUES[coding])
    except KeyError:
        raise ValueError(f'Unknown MAS coding "{coding}". Use one of: {", ".join(MAS_CODINGS)}.') from None
