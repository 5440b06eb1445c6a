"""The shape of ``itb-trial/1`` and the reading of one JSON value at a JSON path.

The keys of every object (in export's order), and the readers of objects, lists, text, codes, numbers,
dates and times: each checks the JSON type, then hands the value to the domain's rule for it
(:mod:`trialapp.domain.value_rules`) and reports any problem at its JSON path. The document itself is
read by :mod:`trialapp.interchange.trial_json_reader`.
"""

from __future__ import annotations

import difflib
import functools
import math
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Final, TypeGuard, TypeVar

from trialapp.domain import vocabulary as v
from trialapp.domain.validation import ProblemCollector, TimeRef
from trialapp.domain.value_rules import (
    check_code,
    check_text,
    range_problem,
    range_words,
    required_message,
    safe_text,
    show,
    whole_problem,
    whole_words,
)
from trialapp.interchange.iso_times import IsoFormatError, parse_date, parse_time

__all__ = ["KEY_ORDER", "JsonValues", "child", "is_number", "item", "type_name"]

T = TypeVar("T")

# --------------------------------------------------------------------------------------------------
# The shape of the format: the keys of every object, in the order export writes them.
# --------------------------------------------------------------------------------------------------

KEY_ORDER: Final[Mapping[str, tuple[str, ...]]] = {
    "document": ("format", "patient", "trial"),
    "patient": (
        "mrn",
        "given_name",
        "family_name",
        "birth_date",
        "sex",
        "weight_kg",
        "height_cm",
        "gmfcs_level",
        "diagnosis",
        "tone_pattern",
        "allergies",
        "language",
    ),
    "trial": (
        "started_on",
        "mode",
        "ladder",
        "mas_coding",
        "region",
        "threshold",
        "schedule_hours",
        "max_dose_mcg",
        "late_after_minutes",
        "catheter",
        "goals",
        "days",
        "decision",
    ),
    "catheter": ("placed_at", "method", "level"),
    "goal": ("id", "text", "baseline_gas"),
    "day": ("day", "date", "assessments", "doses", "adverse_events", "plan"),
    "assessment": (
        "kind",
        "at",
        "assessor",
        "mas",
        "tardieu",
        "rom",
        "function",
        "penn_frequency",
        "penn_severity",
        "pain",
        "sedation_umss",
        "vitals",
        "goals",
        "notes",
    ),
    "mas": ("muscle", "side", "grade"),
    "tardieu": ("muscle", "side", "r1_deg", "r2_deg", "quality"),
    "rom": ("measure", "side", "deg"),
    "function": ("fms_5m", "fms_50m", "fms_500m", "ten_m_walk_s", "tug_s", "six_min_walk_m", "gait_notes"),
    "pain": ("scale", "score"),
    "vitals": ("hr", "rr", "spo2", "sbp", "dbp", "temp_c"),
    "goal_score": ("id", "gas"),
    "dose": (
        "given_at",
        "dose_mcg",
        "concentration_mcg_per_ml",
        "volume_ml",
        "via",
        "lot",
        "given_by",
        "checked_by",
        "warnings_acknowledged",
    ),
    "warning_acknowledged": ("code", "reason", "by"),
    "adverse_event": ("at", "kind", "severity", "notes", "action"),
    "plan": ("next_dose_mcg", "decided_by", "reason", "notes"),
    "decision": ("outcome", "decided_at", "decided_by", "rationale", "initial_daily_dose_mcg"),
}


# --------------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------------

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)
_MG_WORD = re.compile(r"(?:^|[^a-z])mg(?:[^a-z]|$)")
_SHOW_LIMIT = 40


def child(path: str, key: str) -> str:
    """The JSON path of ``key`` inside the object at ``path``."""
    if _is_identifier(key):
        return f"{path}.{key}"
    return f"{path}[{show(key)}]"


@functools.lru_cache(maxsize=1024)
def _is_identifier(key: str) -> bool:
    # Cached: the same few keys are looked up for every record of a document.
    return _IDENTIFIER.fullmatch(key) is not None


def item(path: str, index: int) -> str:
    """The JSON path of entry ``index`` of the list at ``path``."""
    return f"{path}[{index}]"


def type_name(value: object) -> str:
    """A JSON value's type in words, with the value: "the text "x"", "an object {…}"."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"{show(value)} (true/false)"
    if isinstance(value, str):
        return f"the text {show(value)}"
    if isinstance(value, int | float):
        return f"the number {show(value)}"
    if isinstance(value, dict):
        return "an object {…}"
    if isinstance(value, list):
        return "a list […]"
    return f"a {type(value).__name__}"


def _unknown_key_message(key: str, known: Sequence[str]) -> str:
    shown = f"'{key}'" if len(key) <= _SHOW_LIMIT and safe_text(key) and "'" not in key else show(key)
    message = f"unknown key {shown}"
    lowered = {k.lower(): k for k in known}
    close = difflib.get_close_matches(key.strip().lower(), list(lowered), n=1, cutoff=0.6)
    if close:
        message += f" — did you mean '{lowered[close[0]]}'?"
    if _MG_WORD.search(key.lower()):
        message += " There is no mg field: doses are whole micrograms (dose_mcg)."
    if close:
        message += " Correct the spelling or remove the key."
    else:
        message += f". Remove it; the keys allowed here are: {', '.join(known)}."
    return message


def is_number(raw: object) -> TypeGuard[int | float]:
    """A JSON number (not true/false)."""
    return isinstance(raw, int | float) and not isinstance(raw, bool)


def _quoted_number_hint(raw: object) -> str:
    """ ": write the number without quotes, 24.5" when ``raw`` is a number in quotes, else ""."""
    if isinstance(raw, str):
        try:
            if math.isfinite(float(raw.strip())):
                return f": write the number without quotes, {raw.strip()}"
        except ValueError:
            pass
    return ""


# The usual cases of the readers, checked before any path or message is composed: each says only
# "valid as it is", and anything else goes through the full reader, which reports what is wrong.


def _usual_code(raw: object, choices: Sequence[str]) -> str | None:
    """The code, when ``raw`` is one of ``choices`` (surrounding spaces allowed); else None."""
    if isinstance(raw, str):
        text = raw.strip()
        if text and text in choices:
            return text
    return None


def _usual_number(raw: object, rng: v.Range) -> TypeGuard[int | float]:
    """A finite JSON number (not true/false) within the range."""
    if type(raw) is int or (type(raw) is float and math.isfinite(raw)):
        return (rng.lo < raw if rng.lo_open else rng.lo <= raw) and raw <= rng.hi
    return False


def _usual_whole(raw: object, spec: v.Whole) -> TypeGuard[int]:
    """A whole JSON number (not true/false), not implausibly large, within the range."""
    return (
        type(raw) is int
        and abs(raw) <= v.MAX_WHOLE
        and (spec.lo is None or raw >= spec.lo)
        and (spec.hi is None or raw <= spec.hi)
    )


# --------------------------------------------------------------------------------------------------
# The reader: checks the JSON shape of each value, hands it to the domain's rules, builds records.
# --------------------------------------------------------------------------------------------------


class JsonValues(ProblemCollector):
    """Reading one value (or one key of an object) at a JSON path; every problem is collected."""

    # -- reporting ---------------------------------------------------------------------------------

    def missing(self, path: str, key: str) -> None:
        self.add(child(path, key), required_message(key))

    def _guard(self, fn: Callable[[], T | None], path: str, key: str, required: bool) -> T | None:
        """Run a reader; report a missing required value when it gave nothing and reported nothing."""
        before = len(self.problems)
        value = fn()
        if value is None and required and len(self.problems) == before:
            self.missing(path, key)
        return value

    # -- containers --------------------------------------------------------------------------------

    def obj(self, raw: object, path: str, kind: str) -> dict[str, object] | None:
        """``raw`` as an object of ``kind``, with its unknown keys reported; None if null or not an object."""
        if raw is None:
            return None
        if not isinstance(raw, dict):
            self.add(
                path,
                f"must be an object {{…}} with the keys {', '.join(KEY_ORDER[kind])}; found {type_name(raw)}. "
                "Write an object, or null when nothing was recorded",
            )
            return None
        known = KEY_ORDER[kind]
        for key in raw:
            if key not in known:
                self.add(child(path, str(key)), _unknown_key_message(str(key), known))
        return raw

    def items(self, d: Mapping[str, object], key: str, path: str) -> list[tuple[object, str]]:
        """The items of the list at ``key`` with their paths; null or absent is an empty list."""
        raw = d.get(key)
        here = child(path, key)
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.add(here, f"must be a list […]; found {type_name(raw)}. Write [] when there is none")
            return []
        return [(value, item(here, i)) for i, value in enumerate(raw)]

    # -- scalar readers (on a raw value at a path) -------------------------------------------------

    def text_value(
        self,
        raw: object,
        path: str,
        *,
        free_text: bool = False,
        max_len: int = v.MAX_NAME_LEN,
        code: bool = False,
    ) -> str | None:
        if raw is None:
            return None
        if not isinstance(raw, str):
            example = (
                f'write it in quotes: "{show(raw)}"' if is_number(raw) else "write text in quotes, or null"
            )
            self.add(path, f"must be text; found {type_name(raw)}: {example}")
            return None
        text, problem = check_text(raw, free_text=free_text, max_len=max_len, code=code)
        self.add(path, problem)
        return text

    def enum_value(self, raw: object, path: str, choices: Sequence[str], what: str = "") -> str | None:
        usual = _usual_code(raw, choices)
        if usual is not None:
            return usual  # the usual case, before any message is composed
        if raw is None:
            return None
        if is_number(raw) and show(raw) in choices:
            self.add(path, f'write the code as text, in quotes: "{show(raw)}"')
            return None
        if not isinstance(raw, str):
            self.add(path, f"found {type_name(raw)}: use one of {' | '.join(choices)}, in quotes")
            return None
        code, problem = check_code(raw, choices, what)
        self.add(path, problem)
        return code

    def number_value(self, raw: object, path: str, rng: v.Range) -> int | float | None:
        if raw is None:
            return None
        if _usual_number(raw, rng):
            return raw  # the usual case, before any message is composed
        if not is_number(raw):
            hint = _quoted_number_hint(raw) or ": write a number, or null"
            self.add(path, f"must be a number ({range_words(rng)}); found {type_name(raw)}{hint}")
            return None
        return None if self.add(path, range_problem(raw, rng)) else raw

    def int_value(self, raw: object, path: str, spec: v.Whole) -> int | None:
        if raw is None:
            return None
        if _usual_whole(raw, spec):
            return raw  # the usual case, before any message is composed
        if is_number(raw):
            problem = whole_problem(raw, spec)
            if problem is None:
                return int(raw)
            self.add(path, problem)
            return None
        hint = _quoted_number_hint(raw) or ": write a whole number, or null"
        self.add(path, f"must be a whole number ({whole_words(spec)}); found {type_name(raw)}{hint}")
        return None

    def date_value(self, raw: object, path: str) -> date | None:
        if raw is None:
            return None
        if not isinstance(raw, str):
            self.add(
                path, f'found {type_name(raw)}: write the date in quotes, as YYYY-MM-DD (e.g. "2026-11-02")'
            )
            return None
        text = raw.strip()
        if not text:
            return None
        try:
            value = parse_date(text)
        except IsoFormatError as exc:
            self.add(path, f"{show(text)} is not a date: {exc}")
            return None
        self.found.dates.append((path, value))
        return value

    def time_value(self, raw: object, path: str) -> datetime | None:
        if raw is None:
            return None
        if not isinstance(raw, str):
            self.add(
                path,
                f'found {type_name(raw)}: write the time in quotes, as YYYY-MM-DDTHH:MM (e.g. "2026-11-02T09:05")',
            )
            return None
        text = raw.strip()
        if not text:
            return None
        try:
            value = parse_time(text)
        except IsoFormatError as exc:
            self.add(path, f"{show(text)} is not a time: {exc}")
            return None
        self.found.times.append(TimeRef(path, value, self.day_date))
        return value

    # -- keyed readers (on an object's key) --------------------------------------------------------

    def text(
        self,
        d: Mapping[str, object],
        key: str,
        path: str,
        *,
        required: bool = False,
        free_text: bool = False,
        max_len: int | None = None,
        code: bool = False,
    ) -> str | None:
        limit = max_len if max_len is not None else (v.MAX_TEXT_LEN if free_text else v.MAX_NAME_LEN)
        here = child(path, key)
        return self._guard(
            lambda: self.text_value(d.get(key), here, free_text=free_text, max_len=limit, code=code),
            path,
            key,
            required,
        )

    def enum(
        self,
        d: Mapping[str, object],
        key: str,
        path: str,
        choices: Sequence[str],
        *,
        required: bool = False,
        what: str = "",
    ) -> str | None:
        usual = _usual_code(d.get(key), choices)
        if usual is not None:
            return usual
        here = child(path, key)
        return self._guard(lambda: self.enum_value(d.get(key), here, choices, what), path, key, required)

    def number(
        self, d: Mapping[str, object], key: str, path: str, rng: v.Range, *, required: bool = False
    ) -> int | float | None:
        raw = d.get(key)
        if _usual_number(raw, rng):
            return raw
        here = child(path, key)
        return self._guard(lambda: self.number_value(raw, here, rng), path, key, required)

    def integer(
        self, d: Mapping[str, object], key: str, path: str, spec: v.Whole, *, required: bool = False
    ) -> int | None:
        raw = d.get(key)
        if _usual_whole(raw, spec):
            return raw
        here = child(path, key)
        return self._guard(lambda: self.int_value(raw, here, spec), path, key, required)

    def date_key(
        self, d: Mapping[str, object], key: str, path: str, *, required: bool = False
    ) -> date | None:
        here = child(path, key)
        return self._guard(lambda: self.date_value(d.get(key), here), path, key, required)

    def time_key(
        self, d: Mapping[str, object], key: str, path: str, *, required: bool = False
    ) -> datetime | None:
        here = child(path, key)
        return self._guard(lambda: self.time_value(d.get(key), here), path, key, required)

    def names(self, d: Mapping[str, object], key: str, path: str, what: str) -> tuple[str, ...]:
        """A list of short non-empty texts (allergies, people)."""
        out: list[str] = []
        for raw, here in self.items(d, key, path):
            before = len(self.problems)
            value = self.text_value(raw, here)
            if value is None:
                if len(self.problems) == before:
                    self.add(here, f"is empty: write {what} or remove the entry")
                continue
            out.append(value)
        return tuple(out)

    def sub(
        self,
        d: Mapping[str, object],
        key: str,
        path: str,
        reader: Callable[[object, str], T | None],
        *,
        required: bool = False,
    ) -> T | None:
        """Read the object at ``key`` with ``reader``; report it missing when required."""
        raw = d.get(key)
        here = child(path, key)
        if raw is None:
            if required:
                self.missing(path, key)
            return None
        return reader(raw, here)

    def list_of(
        self, d: Mapping[str, object], key: str, path: str, reader: Callable[[object, str], T | None]
    ) -> tuple[T, ...] | None:
        out: list[T] = []
        ok = True
        for raw, here in self.items(d, key, path):
            if raw is None:
                self.add(here, "is null: remove the entry")
                ok = False
                continue
            value = reader(raw, here)
            if value is None:
                ok = False
            else:
                out.append(value)
        return tuple(out) if ok else None
