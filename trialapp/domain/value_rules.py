"""The rules of one recorded value (codes, ranges, whole numbers, text, MAS grades, pain scores) and of the
entries within one record (one grade per muscle and side, goal scores for known goals, Penn severity).

Each rule takes a value of the right type (a form gives one; the ``itb-trial/1`` reader gives one once it
has checked the JSON type) and says what is wrong with it, in words that say what to do, or None. The
record rules (:mod:`trialapp.domain.validation`) and the import reader both use them, so a value is
judged the same wherever it comes from. Ranges and code lists come from :mod:`trialapp.domain.vocabulary`.

Pure Python: no Qt, no SQL, no files.
"""

from __future__ import annotations

import difflib
import json
import math
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Final

from trialapp.domain.numbers import plain_number
from trialapp.domain.scales import MasGradeError, parse_mas_grade
from trialapp.domain.vocabulary import MAX_GOALS, MAX_WHOLE, PAIN_SCORES, Range, Whole

__all__ = [
    "EXAMPLES",
    "ack_twice_problem",
    "bad_character",
    "blood_pressure_problem",
    "check_code",
    "check_grade",
    "check_text",
    "format_date",
    "format_time",
    "goal_count_problem",
    "goal_id_twice_problem",
    "goal_score_problem",
    "pain_score_problem",
    "penn_problem",
    "range_problem",
    "range_words",
    "repeated_entry_problem",
    "repeated_measure_problem",
    "required_message",
    "safe_text",
    "schedule_order_problem",
    "show",
    "whole_problem",
    "whole_words",
]

_SHOW_LIMIT: Final = 40

#: Examples used in "required" messages, by field name (the names of the records and of the format).
EXAMPLES: Final[Mapping[str, str]] = {
    "format": '"itb-trial/1"',
    "mrn": '"A123456"',
    "birth_date": '"2016-04-12"',
    "started_on": '"2026-11-02"',
    "placed_at": '"2026-11-02T07:40"',
    "method": '"catheter"',
    "day": "1",
    "date": '"2026-11-02"',
    "kind": '"baseline"',
    "at": '"2026-11-02T08:30"',
    "muscle": '"hip_adductors"',
    "side": '"left"',
    "grade": '"2"',
    "measure": '"popliteal_angle"',
    "deg": "60",
    "scale": '"flacc"',
    "score": "0",
    "id": '"g1"',
    "gas": "0",
    "text": '"Sit in wheelchair for 2 hours"',
    "given_at": '"2026-11-02T09:00"',
    "dose_mcg": "50",
    "concentration_mcg_per_ml": "50",
    "volume_ml": "1.0",
    "code": '"under_4_years"',
    "reason": '"Small child: team agreed"',
    "severity": '"mild"',
    "outcome": '"undecided"',
    "patient": '{"mrn": "A123456", "birth_date": "2016-04-12"}',
    "trial": '{"started_on": …, "catheter": {…}, "days": […]}',
    "catheter": '{"placed_at": "2026-11-02T07:40", "method": "catheter"}',
    "days": '[{"day": 1, "date": "2026-11-02"}]',
}


def required_message(key: str) -> str:
    """The message for a required value that is absent or blank."""
    example = EXAMPLES.get(key)
    hint = f', e.g. "{key}": {example}' if example else ""
    return f"{key!r} is required here: add it{hint}"


# -- showing values in messages --------------------------------------------------------------------


def safe_text(text: str) -> bool:
    """No control, surrogate, formatting or line-separator character: shown as it is."""
    return all(unicodedata.category(c) not in ("Cc", "Cs", "Cf", "Zl", "Zp") for c in text)


def show(value: object) -> str:
    """A short, printable rendering of a value for a message (long text cut, odd characters escaped)."""
    if isinstance(value, str):
        if len(value) <= _SHOW_LIMIT:
            return json.dumps(value, ensure_ascii=not safe_text(value))
        # A long value is cut, with its length, so a 10 MB string never makes a 10 MB message.
        text = value[:_SHOW_LIMIT] + "…"
        return f"{json.dumps(text, ensure_ascii=not safe_text(text))} ({len(value):,} characters)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        if abs(value) < 10**30:
            return str(value)
        return f"a number of about {int(value.bit_length() * 0.30103)} digits"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return "an object {…}"
    if isinstance(value, list):
        return "a list […]"
    return type(value).__name__



# -- dates and times -------------------------------------------------------------------------------


def format_date(value: date) -> str:
    """Write a date as ``YYYY-MM-DD`` (as records and the format write it)."""
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def format_time(value: datetime) -> str:
    """Write a time as ``YYYY-MM-DDTHH:MM``, with ``Z`` or ``±HH:MM`` when it is aware.

    Seconds are dropped (times are recorded to the minute); an offset is written to the minute.
    """
    text = f"{format_date(value.date())}T{value.hour:02d}:{value.minute:02d}"
    offset = utc_offset(value)
    return text if offset is None else text + (offset or "Z")


def utc_offset(value: datetime) -> str | None:
    """An aware time's offset to the minute (``+01:00``, ``-05:30``), ``""`` for UTC itself, None when naive."""
    offset = value.utcoffset()
    if offset is None:
        return None
    total_minutes = int(offset.total_seconds() / 60)
    if total_minutes == 0:
        return ""
    sign = "-" if total_minutes < 0 else "+"
    hours, minutes = divmod(abs(total_minutes), 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


# -- numbers ---------------------------------------------------------------------------------------


def range_words(rng: Range) -> str:
    """The range in words: "from 30 to 250 cm", "above 0 to 200 kg"."""
    unit_words = f" {rng.unit}" if rng.unit else ""
    low_words = f"above {plain_number(rng.lo)}" if rng.lo_open else f"from {plain_number(rng.lo)}"
    return f"{low_words} to {plain_number(rng.hi)}{unit_words}"


def range_problem(value: float, rng: Range) -> str | None:
    """What is wrong with a measured number (not finite, out of range), or None."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"must be a finite number ({range_words(rng)}); found {show(value)}: write a number, or null"
    too_low = value <= rng.lo if rng.lo_open else value < rng.lo
    if too_low or value > rng.hi:
        return f"{show(value)} is out of range: must be {range_words(rng)}. Check the value and its unit"
    return None


def whole_words(spec: Whole) -> str:
    """The range of a whole number in words: "from 1 to 5", "1 mcg or more", "a whole number"."""
    unit_words = f" {spec.unit}" if spec.unit else ""
    if spec.lo is None:
        return f"a whole number{unit_words}"
    if spec.hi is None:
        return f"{spec.lo}{unit_words} or more"
    return f"from {spec.lo} to {spec.hi}{unit_words}"


def whole_problem(value: float, spec: Whole) -> str | None:
    """What is wrong with a number that must be whole (a fraction, implausible, out of range), or None."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return (
                f"must be a whole number ({whole_words(spec)}); found the number {show(value)}: "
                "write a whole number, or null"
            )
        if value.is_integer():
            return f"write {int(value)}, without a decimal point{spec.why}"
        return (
            f"must be a whole number ({whole_words(spec)}); found {show(value)}{spec.why}: correct the value"
        )
    if abs(value) > MAX_WHOLE:
        return f"{show(value)} is implausibly large: check the value and its unit"
    if (spec.lo is not None and value < spec.lo) or (spec.hi is not None and value > spec.hi):
        return f"{show(value)} is out of range: use a whole number {whole_words(spec)}"
    return None


# -- codes and text --------------------------------------------------------------------------------


def check_code(text: str, choices: Sequence[str], what: str = "") -> tuple[str | None, str | None]:
    """(the code, trimmed; None when blank) and what is wrong with it (not a code of ``choices``)."""
    code = text.strip()
    if not code or code in choices:
        return (code or None), None
    message = f"{show(code)} is not {what or 'an allowed value'}"
    folded = [c for c in choices if c.lower() == code.lower()]
    close = folded or difflib.get_close_matches(code, list(choices), n=1, cutoff=0.6)
    if close:
        message += f" — did you mean {show(close[0])}? Codes are exact, in the case shown."
    message += f" Use one of: {' | '.join(choices)}"
    return None, message


def check_text(text: str, *, free_text: bool, max_len: int, code: bool) -> tuple[str | None, str | None]:
    """(the text, trimmed; None when blank) and what is wrong with it (a character, its length)."""
    trimmed = text.strip()
    if not trimmed:
        return None, None
    bad = bad_character(trimmed, free_text=free_text, code=code)
    if bad is not None:
        return None, bad
    if len(trimmed) > max_len:
        return None, f"is {len(trimmed)} characters long; at most {max_len} are allowed here: shorten it"
    return trimmed, None


def bad_character(text: str, *, free_text: bool, code: bool) -> str | None:
    """A message when ``text`` holds a character a record refuses, else None."""
    for position, char in enumerate(text):
        category = unicodedata.category(char)
        if category == "Cs":
            return f"contains an invalid character (a lone UTF-16 surrogate) at position {position + 1}: retype the text"
        if category == "Cc" and not (free_text and char in "\n\r\t"):
            where = "" if free_text else " (line breaks and tabs are allowed only in notes)"
            return f"contains a control character (U+{ord(char):04X}) at position {position + 1}{where}: remove it"
        if not free_text and category in ("Zl", "Zp"):
            return (
                f"contains a line break (U+{ord(char):04X}) at position {position + 1}: keep it on one line"
            )
        if code and category == "Cf":
            return f"contains an invisible formatting character (U+{ord(char):04X}) at position {position + 1}: remove it"
    return None


def check_grade(text: str) -> tuple[str | None, str | None]:
    """(the MAS grade, or None) and what is wrong with the text (blank, not a grade)."""
    if not text.strip():
        return None, 'is empty: write the grade, or "NT" if the muscle was not tested'
    try:
        return parse_mas_grade(text), None
    except MasGradeError as exc:
        return None, str(exc)


def pain_score_problem(scale: str | None, score: int) -> str | None:
    """What is wrong with a pain score on its scale (e.g. 3 on Wong-Baker), or None."""
    allowed = PAIN_SCORES[scale] if scale is not None else tuple(range(11))
    if score in allowed:
        return None
    return f"{score} is not a score on the {scale} scale: use one of {', '.join(str(s) for s in allowed)}"


# -- entries within one record ---------------------------------------------------------------------


def penn_problem(frequency: int | None, severity: int | None, frequency_given: bool) -> str | None:
    """A spasm severity needs spasms: a frequency above 0 (``frequency_given``: one was written)."""
    if severity is None:
        return None
    if frequency == 0:
        return (
            "a spasm severity is recorded only when spasms occur (penn_frequency above 0): remove "
            "penn_severity or correct penn_frequency"
        )
    if not frequency_given:
        return (
            "a spasm severity needs the spasm frequency: add penn_frequency (1 to 4) or remove penn_severity"
        )
    return None


def blood_pressure_problem(systolic: float | None, diastolic: float | None) -> str | None:
    """The diastolic pressure is the lower of the two: one at or above the systolic is a misreading or the
    two swapped (100 over 98), never a blood pressure."""
    if systolic is None or diastolic is None or diastolic < systolic:
        return None
    return (
        f"the diastolic pressure ({plain_number(diastolic)} mmHg) is not below the systolic "
        f"({plain_number(systolic)} mmHg): check both readings, the diastolic is always the lower one"
    )


def repeated_entry_problem(
    key: tuple[str, str], path: str, seen: dict[tuple[str, str], str], what: str
) -> str | None:
    """One MAS grade (or Tardieu entry) per muscle and side in an assessment; ``seen`` grows."""
    if key in seen:
        muscle, side = key
        return (
            f"{muscle} {side} appears twice in this assessment's {what} (first at {seen[key]}): keep one entry "
            "per muscle and side"
        )
    seen[key] = path
    return None


def repeated_measure_problem(key: tuple[str, str], path: str, seen: dict[tuple[str, str], str]) -> str | None:
    """One range-of-motion measurement per measure and side in an assessment; ``seen`` grows."""
    if key in seen:
        measure, side = key
        return (
            f"{measure} {side} appears twice in this assessment (first at {seen[key]}): keep one measurement "
            "per measure and side"
        )
    seen[key] = path
    return None


def goal_score_problem(goal_id: str, goal_ids: set[str] | None, seen: set[str]) -> str | None:
    """A score is for one of the trial's goals (``goal_ids``; None: unknown), once; ``seen`` grows."""
    problem = None
    if goal_ids is not None and goal_id not in goal_ids:
        known = ", ".join(sorted(goal_ids)) or "none (trial.goals is empty)"
        problem = f"no goal has the id {show(goal_id)}: use the id of one of the trial's goals ({known})"
    elif goal_id in seen:
        problem = f"goal {show(goal_id)} is scored twice in this assessment: keep one score"
    seen.add(goal_id)
    return problem


def goal_count_problem(count: int) -> str | None:
    """At most :data:`~trialapp.domain.vocabulary.MAX_GOALS` goals in a trial."""
    if count <= MAX_GOALS:
        return None
    return (
        f"has {count} goals; at most {MAX_GOALS} are allowed: keep the {MAX_GOALS} that matter most to "
        "the family"
    )


def goal_id_twice_problem(goal_id: str, ids: set[str]) -> str | None:
    """Each goal of a trial has its own id; ``ids`` grows."""
    problem = None
    if goal_id in ids:
        problem = f"the goal id {show(goal_id)} is used twice: give each goal its own id"
    ids.add(goal_id)
    return problem


def schedule_order_problem(hours: float, previous: float | None) -> str | None:
    """The reassessment hours increase."""
    if previous is not None and hours <= previous:
        return f"the hours must increase: {show(hours)} comes after {show(previous)}. Sort them and remove repeats"
    return None


def ack_twice_problem(code: str, first_index: int | None) -> str | None:
    """A warning is acknowledged once per dose (``first_index``: where it was already, if it was)."""
    if first_index is None:
        return None
    return f"the warning {show(code)} is acknowledged twice (also at index {first_index}): keep one"
