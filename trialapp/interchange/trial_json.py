"""The trial interchange format ``itb-trial/1``: parse and validate a JSON document, and export one.

One document is one patient and one trial, complete (``docs/formats.md``). Import validates the whole
document before returning anything: a document with any problem is rejected whole with
:class:`DocumentInvalid`, which lists *every* problem found, each at its JSON path
(``$.trial.days[0].doses[1].dose_mcg``) with a plain message that says what to do.

Export writes exactly the format's shape: every key, in the format's order, absent values as ``null``
and absent lists as ``[]``, so that export → import → export gives the same text.

Pure Python: no SQL, no Qt, no files. The R8 dose errors come from :mod:`trialapp.domain.dosing` (one
home per rule); this module adds only the structural checks of the format.
"""

from __future__ import annotations

import difflib
import functools
import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final, TypeGuard, TypeVar

from trialapp.domain import dose_records, dosing
from trialapp.domain.muscles import LOWER_MUSCLES, REGIONS, ROM_MEASURES, SIDES, UPPER_MUSCLES
from trialapp.domain.records import (
    FORMAT_ID,
    AcknowledgedWarning,
    AdverseEvent,
    Assessment,
    Catheter,
    Day,
    DayPlan,
    Decision,
    Dose,
    Function,
    Goal,
    GoalScore,
    MasEntry,
    Pain,
    Patient,
    ProtocolSettings,
    RomEntry,
    TardieuEntry,
    Trial,
    TrialDocument,
    Vitals,
)
from trialapp.domain.scales import MAS_CODINGS, MasGradeError, parse_mas_grade
from trialapp.interchange.iso_times import IsoFormatError, format_date, format_time, parse_date, parse_time

__all__ = [
    "KEY_ORDER",
    "AssessmentPlace",
    "DocumentInvalid",
    "Problem",
    "assessment_to_json",
    "document_to_json",
    "dumps_trial_document",
    "load_trial_document",
    "parse_assessment",
    "parse_trial_document",
]

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

# Code lists of the format (those with a home in the domain are imported from it).
SEXES: Final = ("female", "male", "other", "unknown")
TONE_PATTERNS: Final = ("spastic", "dystonic", "mixed")
LANGUAGES: Final = ("en", "es")
MODES: Final = ("bolus", "continuous")
LADDERS: Final = tuple(dosing.LADDERS)
CATHETER_METHODS: Final = ("catheter", "lumbar_puncture")
ASSESSMENT_KINDS: Final = ("baseline", "reassessment")
MUSCLES: Final = LOWER_MUSCLES + UPPER_MUSCLES
ROM_CODES: Final = tuple(m.code for m in ROM_MEASURES)
FMS_5M: Final = ("1", "2", "3", "4", "5", "6", "C", "N")
FMS_LONG: Final = ("1", "2", "3", "4", "5", "6", "N")
PAIN_SCORES: Final[Mapping[str, tuple[int, ...]]] = {
    "flacc": tuple(range(11)),
    "wong_baker": (0, 2, 4, 6, 8, 10),
    "numeric": tuple(range(11)),
}
ADVERSE_EVENT_KINDS: Final = (
    "nausea",
    "vomiting",
    "headache",
    "csf_leak",
    "urinary_retention",
    "drowsiness",
    "respiratory_depression",
    "hypotonia",
    "bradycardia",
    "hypotension",
    "seizure",
    "pruritus",
    "other",
)
SEVERITIES: Final = ("mild", "moderate", "severe")
OUTCOMES: Final = ("candidate", "not_candidate", "undecided")
MAX_GOALS: Final = 5

# Length limits (characters, after trimming): record numbers and codes, names, free text.
MAX_CODE_LEN: Final = 64
MAX_NAME_LEN: Final = 200
MAX_TEXT_LEN: Final = 10_000
# Whole numbers beyond this are refused as implausible before any rule looks at them.
MAX_WHOLE: Final = 1_000_000_000

# Ranges: (low, high, unit words). Inclusive unless a check says otherwise.
VITAL_RANGES: Final[Mapping[str, tuple[float, float, str]]] = {
    "hr": (20, 260, "beats/min"),
    "rr": (4, 100, "breaths/min"),
    "spo2": (50, 100, "%"),
    "sbp": (30, 250, "mmHg"),
    "dbp": (15, 180, "mmHg"),
    "temp_c": (30, 44, "°C"),
}

# Examples used in "required" messages.
_EXAMPLES: Final[Mapping[str, str]] = {
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


# --------------------------------------------------------------------------------------------------
# Problems
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One problem in a document: where (a JSON path such as ``$.trial.days[0].date``) and what to do."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class DocumentInvalid(ValueError):
    """The document was rejected; :attr:`problems` lists every problem found, in document order."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


# --------------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------------

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)
_MG_WORD = re.compile(r"(?:^|[^a-z])mg(?:[^a-z]|$)")
_SHOW_LIMIT = 40


def _child(path: str, key: str) -> str:
    """The JSON path of ``key`` inside the object at ``path``."""
    if _is_identifier(key):
        return f"{path}.{key}"
    return f"{path}[{_show(key)}]"


@functools.lru_cache(maxsize=1024)
def _is_identifier(key: str) -> bool:
    # Cached: the same few keys are looked up for every record of a document.
    return _IDENTIFIER.fullmatch(key) is not None


def _item(path: str, index: int) -> str:
    return f"{path}[{index}]"


def _safe_text(text: str) -> bool:
    return all(unicodedata.category(c) not in ("Cc", "Cs", "Cf", "Zl", "Zp") for c in text)


def _show(value: object) -> str:
    """A short, printable rendering of a value for a message (long text cut, odd characters escaped)."""
    if isinstance(value, str):
        text = value if len(value) <= _SHOW_LIMIT else value[:_SHOW_LIMIT] + "…"
        return json.dumps(text, ensure_ascii=not _safe_text(text))
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


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"{_show(value)} (true/false)"
    if isinstance(value, str):
        return f"the text {_show(value)}"
    if isinstance(value, int | float):
        return f"the number {_show(value)}"
    if isinstance(value, dict):
        return "an object {…}"
    if isinstance(value, list):
        return "a list […]"
    return f"a {type(value).__name__}"


def _num(value: float) -> str:
    """A number for a message: 200 not 200.0."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _unknown_key_message(key: str, known: Sequence[str]) -> str:
    shown = f"'{key}'" if len(key) <= _SHOW_LIMIT and _safe_text(key) and "'" not in key else _show(key)
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


@dataclass(frozen=True)
class _TimeRef:
    path: str
    value: datetime
    day_date: date | None  # the date of the trial day the time belongs to, if any


@dataclass(frozen=True)
class _DoseRef:
    path: str
    day: int
    index: int
    dose: Dose


# --------------------------------------------------------------------------------------------------
# The validator: reads a decoded JSON value, collects every problem, builds records.
# --------------------------------------------------------------------------------------------------


class _Parser:
    def __init__(self, now: datetime, max_dose_mcg: int) -> None:
        self.now = now
        self.max_dose_mcg = max_dose_mcg
        self.problems: list[Problem] = []
        self.times: list[_TimeRef] = []
        self.doses: list[_DoseRef] = []
        self.dates: list[tuple[str, date]] = []  # dates checked against "today"
        self.day_date: date | None = None  # the trial day being read
        self.settings: ProtocolSettings | None = None  # the trial's settings, once read
        self.placed_at: datetime | None = None  # the catheter placement, once read

    # -- reporting ---------------------------------------------------------------------------------

    def add(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def missing(self, path: str, key: str, what: str = "") -> None:
        example = _EXAMPLES.get(key)
        hint = f', e.g. "{key}": {example}' if example else ""
        self.add(_child(path, key), f"{what or key!r} is required here: add it{hint}")

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
                f"must be an object {{…}} with the keys {', '.join(KEY_ORDER[kind])}; found {_type_name(raw)}. "
                "Write an object, or null when nothing was recorded",
            )
            return None
        known = KEY_ORDER[kind]
        for key in raw:
            if key not in known:
                self.add(_child(path, str(key)), _unknown_key_message(str(key), known))
        return raw

    def items(self, d: Mapping[str, object], key: str, path: str) -> list[tuple[object, str]]:
        """The items of the list at ``key`` with their paths; null or absent is an empty list."""
        raw = d.get(key)
        here = _child(path, key)
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.add(here, f"must be a list […]; found {_type_name(raw)}. Write [] when there is none")
            return []
        return [(item, _item(here, i)) for i, item in enumerate(raw)]

    # -- scalar readers (on a raw value at a path) -------------------------------------------------

    def text_value(
        self,
        raw: object,
        path: str,
        *,
        free_text: bool = False,
        max_len: int = MAX_NAME_LEN,
        code: bool = False,
    ) -> str | None:
        if raw is None:
            return None
        if not isinstance(raw, str):
            example = (
                f'write it in quotes: "{_show(raw)}"'
                if isinstance(raw, int | float) and not isinstance(raw, bool)
                else "write text in quotes, or null"
            )
            self.add(path, f"must be text; found {_type_name(raw)}: {example}")
            return None
        text = raw.strip()
        if not text:
            return None
        bad = _bad_character(text, free_text=free_text, code=code)
        if bad is not None:
            self.add(path, bad)
            return None
        if len(text) > max_len:
            self.add(path, f"is {len(text)} characters long; at most {max_len} are allowed here: shorten it")
            return None
        return text

    def enum_value(self, raw: object, path: str, choices: Sequence[str], what: str = "") -> str | None:
        usual = _usual_code(raw, choices)
        if usual is not None:
            return usual  # the usual case, before any message is composed
        allowed = " | ".join(choices)
        if raw is None:
            return None
        if isinstance(raw, int | float) and not isinstance(raw, bool) and _show(raw) in choices:
            self.add(path, f'write the code as text, in quotes: "{_show(raw)}"')
            return None
        if not isinstance(raw, str):
            self.add(path, f"found {_type_name(raw)}: use one of {allowed}, in quotes")
            return None
        text = raw.strip()
        if not text:
            return None
        if text in choices:
            return text
        message = f"{_show(text)} is not {what or 'an allowed value'}"
        folded = [c for c in choices if c.lower() == text.lower()]
        close = folded or difflib.get_close_matches(text, list(choices), n=1, cutoff=0.6)
        if close:
            message += f" — did you mean {_show(close[0])}? Codes are exact, in the case shown."
        message += f" Use one of: {allowed}"
        self.add(path, message)
        return None

    def number_value(
        self,
        raw: object,
        path: str,
        *,
        lo: float,
        hi: float,
        unit: str = "",
        lo_open: bool = False,
    ) -> int | float | None:
        if raw is None:
            return None
        if _usual_number(raw, lo, hi, lo_open):
            return raw  # the usual case, before any message is composed
        unit_words = f" {unit}" if unit else ""
        low_words = f"above {_num(lo)}" if lo_open else f"from {_num(lo)}"
        range_words = f"{low_words} to {_num(hi)}{unit_words}"
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            hint = ""
            if isinstance(raw, str) and _looks_numeric(raw):
                hint = f": write the number without quotes, {raw.strip()}"
            self.add(
                path,
                f"must be a number ({range_words}); found {_type_name(raw)}{hint or ': write a number, or null'}",
            )
            return None
        if isinstance(raw, float) and not math.isfinite(raw):
            self.add(
                path, f"must be a finite number ({range_words}); found {_show(raw)}: write a number, or null"
            )
            return None
        too_low = raw <= lo if lo_open else raw < lo
        if too_low or raw > hi:
            self.add(
                path, f"{_show(raw)} is out of range: must be {range_words}. Check the value and its unit"
            )
            return None
        return raw

    def int_value(
        self,
        raw: object,
        path: str,
        *,
        lo: int | None,
        hi: int | None,
        unit: str = "",
        why_whole: str = "",
    ) -> int | None:
        if raw is None:
            return None
        if _usual_whole(raw, lo, hi):
            return raw  # the usual case, before any message is composed
        unit_words = f" {unit}" if unit else ""
        if lo is None:
            range_words = f"a whole number{unit_words}"
        elif hi is None:
            range_words = f"{lo}{unit_words} or more"
        else:
            range_words = f"from {lo} to {hi}{unit_words}"
        if isinstance(raw, float) and math.isfinite(raw):
            if raw.is_integer():
                self.add(path, f"write {int(raw)}, without a decimal point{why_whole}")
            else:
                self.add(
                    path,
                    f"must be a whole number ({range_words}); found {_show(raw)}{why_whole}: correct the value",
                )
            return None
        if isinstance(raw, bool) or not isinstance(raw, int):
            hint = ""
            if isinstance(raw, str) and _looks_numeric(raw):
                hint = f": write the number without quotes, {raw.strip()}"
            self.add(
                path,
                f"must be a whole number ({range_words}); found {_type_name(raw)}{hint or ': write a whole number, or null'}",
            )
            return None
        if abs(raw) > MAX_WHOLE:
            self.add(path, f"{_show(raw)} is implausibly large: check the value and its unit")
            return None
        if (lo is not None and raw < lo) or (hi is not None and raw > hi):
            self.add(path, f"{_show(raw)} is out of range: use a whole number {range_words}")
            return None
        return raw

    def date_value(self, raw: object, path: str, *, check_future: bool = True) -> date | None:
        if raw is None:
            return None
        if not isinstance(raw, str):
            self.add(
                path, f'found {_type_name(raw)}: write the date in quotes, as YYYY-MM-DD (e.g. "2026-11-02")'
            )
            return None
        text = raw.strip()
        if not text:
            return None
        try:
            value = parse_date(text)
        except IsoFormatError as exc:
            self.add(path, f"{_show(text)} is not a date: {exc}")
            return None
        if check_future:
            self.dates.append((path, value))
        return value

    def time_value(self, raw: object, path: str) -> datetime | None:
        if raw is None:
            return None
        if not isinstance(raw, str):
            self.add(
                path,
                f'found {_type_name(raw)}: write the time in quotes, as YYYY-MM-DDTHH:MM (e.g. "2026-11-02T09:05")',
            )
            return None
        text = raw.strip()
        if not text:
            return None
        try:
            value = parse_time(text)
        except IsoFormatError as exc:
            self.add(path, f"{_show(text)} is not a time: {exc}")
            return None
        self.times.append(_TimeRef(path, value, self.day_date))
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
        limit = max_len if max_len is not None else (MAX_TEXT_LEN if free_text else MAX_NAME_LEN)
        here = _child(path, key)
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
        here = _child(path, key)
        return self._guard(lambda: self.enum_value(d.get(key), here, choices, what), path, key, required)

    def number(
        self,
        d: Mapping[str, object],
        key: str,
        path: str,
        *,
        lo: float,
        hi: float,
        unit: str = "",
        lo_open: bool = False,
        required: bool = False,
    ) -> int | float | None:
        raw = d.get(key)
        if _usual_number(raw, lo, hi, lo_open):
            return raw
        here = _child(path, key)
        return self._guard(
            lambda: self.number_value(d.get(key), here, lo=lo, hi=hi, unit=unit, lo_open=lo_open),
            path,
            key,
            required,
        )

    def integer(
        self,
        d: Mapping[str, object],
        key: str,
        path: str,
        *,
        lo: int | None,
        hi: int | None,
        unit: str = "",
        why_whole: str = "",
        required: bool = False,
    ) -> int | None:
        raw = d.get(key)
        if _usual_whole(raw, lo, hi):
            return raw
        here = _child(path, key)
        return self._guard(
            lambda: self.int_value(d.get(key), here, lo=lo, hi=hi, unit=unit, why_whole=why_whole),
            path,
            key,
            required,
        )

    def date_key(
        self, d: Mapping[str, object], key: str, path: str, *, required: bool = False
    ) -> date | None:
        here = _child(path, key)
        return self._guard(lambda: self.date_value(d.get(key), here), path, key, required)

    def time_key(
        self, d: Mapping[str, object], key: str, path: str, *, required: bool = False
    ) -> datetime | None:
        here = _child(path, key)
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
        here = _child(path, key)
        if raw is None:
            if required:
                self.missing(path, key)
            return None
        return reader(raw, here)

    # -- the document ------------------------------------------------------------------------------

    def document(self, data: object) -> TrialDocument | None:
        if not isinstance(data, dict):
            self.add(
                "$",
                f"the document must be a JSON object {{…}} with the keys format, patient and trial; found {_type_name(data)}",
            )
            return None
        d = self.obj(data, "$", "document")
        assert d is not None
        fmt = d.get("format")
        if fmt is None:
            self.missing("$", "format")
        elif not isinstance(fmt, str) or fmt.strip() != FORMAT_ID:
            newer = isinstance(fmt, str) and fmt.strip().startswith("itb-trial/")
            hint = " (a different version of the format: export it again as itb-trial/1)" if newer else ""
            self.add(
                "$.format", f'must be "{FORMAT_ID}"; found {_show(fmt)}{hint}. Write "format": "{FORMAT_ID}"'
            )
        patient = self.sub(d, "patient", "$", self.patient, required=True)
        trial = self.sub(d, "trial", "$", self.trial, required=True)
        self.cross_checks(patient, trial)
        if self.problems or patient is None or trial is None:
            return None
        return TrialDocument(patient=patient, trial=trial)

    def patient(self, raw: object, path: str) -> Patient | None:
        p = self.obj(raw, path, "patient")
        if p is None:
            return None
        mrn = self.text(p, "mrn", path, required=True, max_len=MAX_CODE_LEN, code=True)
        given = self.text(p, "given_name", path)
        family = self.text(p, "family_name", path)
        birth = self.date_key(p, "birth_date", path, required=True)
        sex = self.enum(p, "sex", path, SEXES, what="a sex code")
        weight = self.number(p, "weight_kg", path, lo=0, lo_open=True, hi=200, unit="kg")
        height = self.number(p, "height_cm", path, lo=30, hi=250, unit="cm")
        gmfcs = self.integer(p, "gmfcs_level", path, lo=1, hi=5)
        diagnosis = self.text(p, "diagnosis", path, free_text=True)
        tone = self.enum(p, "tone_pattern", path, TONE_PATTERNS, what="a tone pattern")
        allergies = self.names(p, "allergies", path, "the allergy")
        language = self.enum(p, "language", path, LANGUAGES, what="a supported language")
        if mrn is None or birth is None:
            return None
        return Patient(
            mrn=mrn,
            birth_date=birth,
            given_name=given,
            family_name=family,
            sex=sex,
            weight_kg=weight,
            height_cm=height,
            gmfcs_level=gmfcs,
            diagnosis=diagnosis,
            tone_pattern=tone,
            allergies=allergies,
            language=language,
        )

    def trial(self, raw: object, path: str) -> Trial | None:
        t = self.obj(raw, path, "trial")
        if t is None:
            return None
        started = self.date_key(t, "started_on", path, required=True)
        defaults = ProtocolSettings(max_dose_mcg=self.max_dose_mcg)
        mode = self.enum(t, "mode", path, MODES, what="a trial mode")
        ladder = self.enum(t, "ladder", path, LADDERS, what="a dose ladder")
        coding = self.enum(t, "mas_coding", path, MAS_CODINGS, what="a MAS coding")
        region = self.enum(t, "region", path, REGIONS, what="a region")
        threshold = self.number(t, "threshold", path, lo=0, lo_open=True, hi=4, unit="MAS points")
        schedule = self.schedule(t, path)
        self.settings = ProtocolSettings(
            mode=mode or defaults.mode,
            ladder=ladder or defaults.ladder,
            mas_coding=coding or defaults.mas_coding,
            region=region or defaults.region,
            threshold=threshold if threshold is not None else defaults.threshold,
            schedule_hours=schedule if schedule is not None else defaults.schedule_hours,
            max_dose_mcg=self.max_dose_mcg,
        )
        catheter = self.sub(t, "catheter", path, self.catheter, required=True)
        goals, goal_ids = self.goals(t, path)
        days = self.days(t, path, goal_ids, started)
        decision = self.sub(t, "decision", path, self.decision)
        if started is None or catheter is None or goals is None or days is None:
            return None
        return Trial(
            started_on=started,
            catheter=catheter,
            settings=self.settings,
            goals=goals,
            days=days,
            decision=decision,
        )

    def schedule(self, t: Mapping[str, object], path: str) -> tuple[float, ...] | None:
        raw = t.get("schedule_hours")
        if raw is None:
            return None
        before = len(self.problems)
        hours: list[float] = []
        previous: float | None = None
        for item, item_path in self.items(t, "schedule_hours", path):
            value = self.number_value(item, item_path, lo=0, lo_open=True, hi=24, unit="hours after the dose")
            if value is None:
                if item is None:
                    self.add(
                        item_path, "is null: write the hours after the dose (e.g. 4) or remove the entry"
                    )
                continue
            if previous is not None and value <= previous:
                self.add(
                    item_path,
                    f"the hours must increase: {_show(value)} comes after {_show(previous)}. Sort them and remove repeats",
                )
            previous = value
            hours.append(value)
        if len(self.problems) != before or not isinstance(raw, list):
            return None
        return tuple(hours)

    def catheter(self, raw: object, path: str) -> Catheter | None:
        c = self.obj(raw, path, "catheter")
        if c is None:
            return None
        placed = self.time_key(c, "placed_at", path, required=True)
        method = self.enum(c, "method", path, CATHETER_METHODS, required=True, what="a method")
        level = self.text(c, "level", path, max_len=MAX_CODE_LEN)
        if placed is None or method is None:
            return None
        self.placed_at = placed
        return Catheter(placed_at=placed, method=method, level=level)

    def goals(self, t: Mapping[str, object], path: str) -> tuple[tuple[Goal, ...] | None, set[str] | None]:
        """The trial's goals, and their ids (None when the goals could not be read, to skip checks)."""
        items = self.items(t, "goals", path)
        before = len(self.problems)
        if len(items) > MAX_GOALS:
            self.add(
                _child(path, "goals"),
                f"has {len(items)} goals; at most {MAX_GOALS} are allowed: keep the {MAX_GOALS} that matter most to the family",
            )
        goals: list[Goal] = []
        ids: set[str] = set()
        ids_complete = True
        for raw, here in items:
            g = self.obj(raw, here, "goal")
            if g is None:
                if raw is None:
                    self.add(here, "is null: write the goal or remove the entry")
                ids_complete = False
                continue
            gid = self.text(g, "id", here, required=True, max_len=MAX_CODE_LEN, code=True)
            text = self.text(g, "text", here, required=True, free_text=True, max_len=1000)
            baseline = self.integer(g, "baseline_gas", here, lo=-2, hi=2)
            if gid is None:
                ids_complete = False
            else:
                if gid in ids:
                    self.add(
                        _child(here, "id"),
                        f"the goal id {_show(gid)} is used twice: give each goal its own id",
                    )
                ids.add(gid)
            if gid is not None and text is not None:
                goals.append(Goal(id=gid, text=text, baseline_gas=baseline))
        # Goal scores are checked against the ids only when every goal's id could be read.
        known = ids if ids_complete and isinstance(t.get("goals", []), list | None) else None
        if len(self.problems) != before:
            return None, known
        return tuple(goals), known

    def days(
        self, t: Mapping[str, object], path: str, goal_ids: set[str] | None, started: date | None
    ) -> tuple[Day, ...] | None:
        here = _child(path, "days")
        raw = t.get("days")
        if raw is None:
            self.missing(path, "days")
            return None
        items = self.items(t, "days", path)
        if isinstance(raw, list) and not raw:
            self.add(here, "the trial needs at least one day: add day 1 with its date")
            return None
        out: list[Day] = []
        ok = isinstance(raw, list)
        previous_date: date | None = None
        for index, (item, item_path) in enumerate(items):
            day = self.day(item, item_path, goal_ids, index)
            if day is None:
                ok = False
                previous_date = None
                continue
            if day.day != index + 1:
                self.add(
                    _child(item_path, "day"),
                    f"found {day.day}, but this is day {index + 1}: number the days 1, 2, 3… in order without gaps "
                    f"(write {index + 1})",
                )
            if previous_date is not None and day.date <= previous_date:
                self.add(
                    _child(item_path, "date"),
                    f"{format_date(day.date)} is not after the previous day's date ({format_date(previous_date)}): "
                    "trial days follow each other in time, so correct the date",
                )
            if started is not None and day.date < started:
                self.add(
                    _child(item_path, "date"),
                    f"is before the trial's start ({format_date(started)}): check the date or trial.started_on",
                )
            previous_date = day.date
            out.append(day)
        return tuple(out) if ok else None

    def day(self, raw: object, path: str, goal_ids: set[str] | None, index: int) -> Day | None:
        if raw is None:
            self.add(path, "is null: write the day's record or remove the entry")
            return None
        d = self.obj(raw, path, "day")
        if d is None:
            return None
        number = self.integer(d, "day", path, lo=1, hi=None, required=True)
        on = self.date_key(d, "date", path, required=True)
        self.day_date = on
        assessments = self.list_of(d, "assessments", path, lambda r, p: self.assessment(r, p, goal_ids))
        doses = self.list_of(d, "doses", path, lambda r, p: self.dose(r, p, number or index + 1))
        events = self.list_of(d, "adverse_events", path, self.adverse_event)
        self.day_date = None
        plan = self.sub(d, "plan", path, self.plan)
        if number is None or on is None or assessments is None or doses is None or events is None:
            return None
        return Day(
            day=number, date=on, assessments=assessments, doses=doses, adverse_events=events, plan=plan
        )

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

    def assessment(self, raw: object, path: str, goal_ids: set[str] | None) -> Assessment | None:
        a = self.obj(raw, path, "assessment")
        if a is None:
            return None
        before = len(self.problems)
        kind = self.enum(a, "kind", path, ASSESSMENT_KINDS, required=True, what="an assessment kind")
        at = self.time_key(a, "at", path, required=True)
        assessor = self.text(a, "assessor", path)
        mas = self.mas(a, path)
        tardieu = self.tardieu(a, path)
        rom = self.rom(a, path)
        function = self.sub(a, "function", path, self.function)
        penn_f = self.integer(a, "penn_frequency", path, lo=0, hi=4)
        penn_s = self.integer(a, "penn_severity", path, lo=1, hi=3)
        if penn_s is not None:
            if penn_f == 0:
                self.add(
                    _child(path, "penn_severity"),
                    "a spasm severity is recorded only when spasms occur (penn_frequency above 0): remove penn_severity or correct penn_frequency",
                )
            elif a.get("penn_frequency") is None:
                self.add(
                    _child(path, "penn_severity"),
                    "a spasm severity needs the spasm frequency: add penn_frequency (1 to 4) or remove penn_severity",
                )
        pain = self.sub(a, "pain", path, self.pain)
        umss = self.integer(a, "sedation_umss", path, lo=0, hi=4)
        vitals = self.sub(a, "vitals", path, self.vitals)
        goals = self.goal_scores(a, path, goal_ids)
        notes = self.text(a, "notes", path, free_text=True)
        if len(self.problems) != before or kind is None or at is None:
            return None
        assert mas is not None and tardieu is not None and rom is not None and goals is not None
        return Assessment(
            kind=kind,
            at=at,
            assessor=assessor,
            mas=mas,
            tardieu=tardieu,
            rom=rom,
            function=function,
            penn_frequency=penn_f,
            penn_severity=penn_s,
            pain=pain,
            sedation_umss=umss,
            vitals=vitals,
            goals=goals,
            notes=notes,
        )

    def muscle_side(
        self, e: Mapping[str, object], path: str, seen: dict[tuple[str, str], str], what: str
    ) -> tuple[str, str] | None:
        muscle = self.enum(e, "muscle", path, MUSCLES, required=True, what="a muscle code (RULES.md R2)")
        side = self.enum(e, "side", path, SIDES, required=True, what="a side")
        if muscle is None or side is None:
            return None
        key = (muscle, side)
        if key in seen:
            self.add(
                path,
                f"{muscle} {side} appears twice in this assessment's {what} (first at {seen[key]}): keep one entry per muscle and side",
            )
        else:
            seen[key] = path
        return key

    def mas(self, a: Mapping[str, object], path: str) -> tuple[MasEntry, ...] | None:
        out: list[MasEntry] = []
        seen: dict[tuple[str, str], str] = {}
        ok = True
        for raw, here in self.items(a, "mas", path):
            e = self.obj(raw, here, "mas")
            if e is None:
                if raw is None:
                    self.add(here, "is null: remove the entry")
                ok = False
                continue
            key = self.muscle_side(e, here, seen, "MAS grades")
            grade = self.mas_grade(e, here)
            if key is None or grade is None:
                ok = False
                continue
            out.append(MasEntry(muscle=key[0], side=key[1], grade=grade))
        return tuple(out) if ok else None

    def mas_grade(self, e: Mapping[str, object], path: str) -> str | None:
        raw = e.get("grade")
        here = _child(path, "grade")
        if raw is None:
            self.missing(path, "grade")
            return None
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            text = _show(raw)
            try:
                grade = parse_mas_grade(text)
            except MasGradeError as exc:
                self.add(here, str(exc))
                return None
            self.add(
                here,
                f'write the grade as text, in quotes: "{grade}" (grades are 0, 1, 1+, 2, 3, 4 or NT, not numbers)',
            )
            return None
        if not isinstance(raw, str):
            self.add(
                here,
                f'must be a grade in quotes: "0", "1", "1+", "2", "3", "4" or "NT"; found {_type_name(raw)}',
            )
            return None
        if not raw.strip():
            self.add(here, 'is empty: write the grade, or "NT" if the muscle was not tested')
            return None
        try:
            return parse_mas_grade(raw)
        except MasGradeError as exc:
            self.add(here, str(exc))
            return None

    def tardieu(self, a: Mapping[str, object], path: str) -> tuple[TardieuEntry, ...] | None:
        out: list[TardieuEntry] = []
        seen: dict[tuple[str, str], str] = {}
        ok = True
        for raw, here in self.items(a, "tardieu", path):
            e = self.obj(raw, here, "tardieu")
            if e is None:
                if raw is None:
                    self.add(here, "is null: remove the entry")
                ok = False
                continue
            before = len(self.problems)
            key = self.muscle_side(e, here, seen, "Tardieu entries")
            r1 = self.number(e, "r1_deg", here, lo=-180, hi=180, unit="degrees")
            r2 = self.number(e, "r2_deg", here, lo=-180, hi=180, unit="degrees")
            quality = self.integer(e, "quality", here, lo=0, hi=5)
            if key is None or len(self.problems) != before:
                ok = False
                continue
            out.append(TardieuEntry(muscle=key[0], side=key[1], r1_deg=r1, r2_deg=r2, quality=quality))
        return tuple(out) if ok else None

    def rom(self, a: Mapping[str, object], path: str) -> tuple[RomEntry, ...] | None:
        out: list[RomEntry] = []
        seen: dict[tuple[str, str], str] = {}
        ok = True
        for raw, here in self.items(a, "rom", path):
            e = self.obj(raw, here, "rom")
            if e is None:
                if raw is None:
                    self.add(here, "is null: remove the entry")
                ok = False
                continue
            measure = self.enum(
                e, "measure", here, ROM_CODES, required=True, what="a range-of-motion measure"
            )
            side = self.enum(e, "side", here, SIDES, required=True, what="a side")
            deg = self.number(e, "deg", here, lo=-180, hi=180, unit="degrees", required=True)
            if measure is None or side is None or deg is None:
                ok = False
                continue
            key = (measure, side)
            if key in seen:
                self.add(
                    here,
                    f"{measure} {side} appears twice in this assessment (first at {seen[key]}): keep one measurement per measure and side",
                )
                ok = False
                continue
            seen[key] = here
            out.append(RomEntry(measure=measure, side=side, deg=deg))
        return tuple(out) if ok else None

    def function(self, raw: object, path: str) -> Function | None:
        f = self.obj(raw, path, "function")
        if f is None:
            return None
        return Function(
            fms_5m=self.enum(f, "fms_5m", path, FMS_5M, what="a 5 m FMS rating"),
            fms_50m=self.enum(f, "fms_50m", path, FMS_LONG, what="a 50 m FMS rating (C is for 5 m only)"),
            fms_500m=self.enum(f, "fms_500m", path, FMS_LONG, what="a 500 m FMS rating (C is for 5 m only)"),
            ten_m_walk_s=self.number(f, "ten_m_walk_s", path, lo=0, lo_open=True, hi=600, unit="seconds"),
            tug_s=self.number(f, "tug_s", path, lo=0, lo_open=True, hi=600, unit="seconds"),
            six_min_walk_m=self.number(f, "six_min_walk_m", path, lo=0, hi=1500, unit="metres"),
            gait_notes=self.text(f, "gait_notes", path, free_text=True),
        )

    def pain(self, raw: object, path: str) -> Pain | None:
        p = self.obj(raw, path, "pain")
        if p is None:
            return None
        scale = self.enum(p, "scale", path, tuple(PAIN_SCORES), required=True, what="a pain scale")
        allowed = PAIN_SCORES[scale] if scale is not None else tuple(range(11))
        here = _child(path, "score")
        score = self.integer(p, "score", path, lo=0, hi=10, required=True)
        if score is not None and score not in allowed:
            self.add(
                here,
                f"{score} is not a score on the {scale} scale: use one of {', '.join(str(s) for s in allowed)}",
            )
            return None
        if scale is None or score is None:
            return None
        return Pain(scale=scale, score=score)

    def vitals(self, raw: object, path: str) -> Vitals | None:
        v = self.obj(raw, path, "vitals")
        if v is None:
            return None
        values = {
            key: self.number(v, key, path, lo=lo, hi=hi, unit=unit)
            for key, (lo, hi, unit) in VITAL_RANGES.items()
        }
        return Vitals(**values)

    def goal_scores(
        self, a: Mapping[str, object], path: str, goal_ids: set[str] | None
    ) -> tuple[GoalScore, ...] | None:
        out: list[GoalScore] = []
        seen: set[str] = set()
        ok = True
        for raw, here in self.items(a, "goals", path):
            g = self.obj(raw, here, "goal_score")
            if g is None:
                if raw is None:
                    self.add(here, "is null: remove the entry")
                ok = False
                continue
            gid = self.text(g, "id", here, required=True, max_len=MAX_CODE_LEN, code=True)
            gas = self.integer(g, "gas", here, lo=-2, hi=2, required=True)
            if gid is not None:
                if goal_ids is not None and gid not in goal_ids:
                    known = ", ".join(sorted(goal_ids)) or "none (trial.goals is empty)"
                    self.add(
                        _child(here, "id"),
                        f"no goal has the id {_show(gid)}: use the id of one of the trial's goals ({known})",
                    )
                elif gid in seen:
                    self.add(
                        _child(here, "id"),
                        f"goal {_show(gid)} is scored twice in this assessment: keep one score",
                    )
                seen.add(gid)
            if gid is None or gas is None:
                ok = False
                continue
            out.append(GoalScore(id=gid, gas=gas))
        return tuple(out) if ok else None

    def dose(self, raw: object, path: str, day: int) -> Dose | None:
        d = self.obj(raw, path, "dose")
        if d is None:
            return None
        before = len(self.problems)
        given_at = self.time_key(d, "given_at", path, required=True)
        dose_mcg = self.integer(
            d, "dose_mcg", path, lo=None, hi=None, required=True, why_whole=": doses are whole micrograms"
        )
        concentration = self.integer(
            d,
            "concentration_mcg_per_ml",
            path,
            lo=None,
            hi=None,
            required=True,
            unit="mcg/mL",
            why_whole=": concentrations are whole mcg/mL",
        )
        volume = self.number(d, "volume_ml", path, lo=0, lo_open=True, hi=100, unit="mL", required=True)
        via = self.enum(d, "via", path, CATHETER_METHODS, what="a route")
        lot = self.text(d, "lot", path, max_len=MAX_CODE_LEN)
        given_by = self.text(d, "given_by", path)
        checked_by = self.text(d, "checked_by", path)
        acks = self.list_of(d, "warnings_acknowledged", path, self.acknowledged)
        if acks is not None:
            codes: dict[str, int] = {}
            for i, ack in enumerate(acks):
                if ack.code in codes:
                    self.add(
                        _item(_child(path, "warnings_acknowledged"), i),
                        f"the warning {_show(ack.code)} is acknowledged twice (also at index {codes[ack.code]}): keep one",
                    )
                codes.setdefault(ack.code, i)
        if (
            len(self.problems) != before
            or given_at is None
            or dose_mcg is None
            or concentration is None
            or volume is None
            or acks is None
        ):
            return None
        record = Dose(
            given_at=given_at,
            dose_mcg=dose_mcg,
            concentration_mcg_per_ml=concentration,
            volume_ml=volume,
            via=via,
            lot=lot,
            given_by=given_by,
            checked_by=checked_by,
            warnings_acknowledged=acks,
        )
        self.doses.append(_DoseRef(path, day, len(self.doses), record))
        return record

    def acknowledged(self, raw: object, path: str) -> AcknowledgedWarning | None:
        w = self.obj(raw, path, "warning_acknowledged")
        if w is None:
            return None
        code = self.text(w, "code", path, required=True, max_len=MAX_CODE_LEN, code=True)
        reason = self.text(w, "reason", path, required=True, free_text=True, max_len=2000)
        by = self.text(w, "by", path)
        if code is None or reason is None:
            return None
        return AcknowledgedWarning(code=code, reason=reason, by=by)

    def adverse_event(self, raw: object, path: str) -> AdverseEvent | None:
        e = self.obj(raw, path, "adverse_event")
        if e is None:
            return None
        before = len(self.problems)
        at = self.time_key(e, "at", path, required=True)
        kind = self.enum(e, "kind", path, ADVERSE_EVENT_KINDS, required=True, what="an adverse event kind")
        severity = self.enum(e, "severity", path, SEVERITIES, required=True, what="a severity")
        notes = self.text(e, "notes", path, free_text=True)
        action = self.text(e, "action", path, free_text=True)
        if len(self.problems) != before or at is None or kind is None or severity is None:
            return None
        return AdverseEvent(at=at, kind=kind, severity=severity, notes=notes, action=action)

    def plan(self, raw: object, path: str) -> DayPlan | None:
        p = self.obj(raw, path, "plan")
        if p is None:
            return None
        return DayPlan(
            next_dose_mcg=self.integer(
                p, "next_dose_mcg", path, lo=1, hi=None, unit="mcg", why_whole=": doses are whole micrograms"
            ),
            decided_by=self.names(p, "decided_by", path, "who took part in the decision"),
            reason=self.text(p, "reason", path, free_text=True),
            notes=self.text(p, "notes", path, free_text=True),
        )

    def decision(self, raw: object, path: str) -> Decision | None:
        d = self.obj(raw, path, "decision")
        if d is None:
            return None
        outcome = self.enum(d, "outcome", path, OUTCOMES, required=True, what="a decision outcome")
        decided_at = self.time_key(d, "decided_at", path)
        decided_by = self.text(d, "decided_by", path)
        rationale = self.text(d, "rationale", path, free_text=True)
        daily = self.integer(
            d,
            "initial_daily_dose_mcg",
            path,
            lo=1,
            hi=None,
            unit="mcg/day",
            why_whole=": doses are whole micrograms",
        )
        if outcome is None:
            return None
        return Decision(
            outcome=outcome,
            decided_at=decided_at,
            decided_by=decided_by,
            rationale=rationale,
            initial_daily_dose_mcg=daily,
        )

    # -- checks across the document ----------------------------------------------------------------

    def cross_checks(self, patient: Patient | None, trial: Trial | None) -> None:
        self.check_dates(patient, trial)
        placed = self.placed_at
        reference = placed if placed is not None else (self.times[0].value if self.times else None)
        if reference is not None:
            self.check_times(reference, placed)
        self.check_doses(patient)

    def check_dates(self, patient: Patient | None, trial: Trial | None) -> None:
        today = self.now_local().date()
        for path, value in self.dates:
            if value > today:
                self.add(
                    path,
                    f"{format_date(value)} is in the future (today is {format_date(today)}): check the date",
                )
        if patient is not None and trial is not None and patient.birth_date > trial.started_on:
            self.add(
                "$.patient.birth_date",
                f"is after the trial's start ({format_date(trial.started_on)}): check the birth date",
            )

    def now_local(self) -> datetime:
        if self.now.tzinfo is None:
            return self.now
        return self.now.astimezone().replace(tzinfo=None)

    def now_aware(self) -> datetime:
        return self.now if self.now.tzinfo is not None else self.now.astimezone()

    def check_times(self, reference: datetime, placed: datetime | None) -> None:
        aware = reference.tzinfo is not None
        placed_path = "$.trial.catheter.placed_at"
        ref_path = placed_path if placed is not None else self.times[0].path
        now = self.now_aware() if aware else self.now_local()
        for ref in self.times:
            value = ref.value
            if (value.tzinfo is not None) != aware:
                has = "has an offset" if value.tzinfo is not None else "has no offset"
                self.add(
                    ref.path,
                    f"this time {has} but {ref_path} {'has one' if aware else 'has none'}: give every time in the "
                    "document an offset (e.g. +01:00 or Z), or none, so that hours after a dose can be "
                    "computed; either every time carries an offset or none does",
                )
                continue
            if placed is not None and value < placed and ref.path != placed_path:
                self.add(
                    ref.path,
                    f"{format_time(value)} is before the catheter was placed ({format_time(placed)}): check the time, or trial.catheter.placed_at",
                )
            if value > now:
                self.add(
                    ref.path,
                    f"{format_time(value)} is in the future (now is {format_time(now)}): check the date and time",
                )
            if ref.day_date is not None:
                local_day = value.date()
                if local_day < ref.day_date:
                    self.add(
                        ref.path,
                        f"{format_time(value)} is before this trial day's date ({format_date(ref.day_date)}): record it under the right day, or correct the time",
                    )
                elif local_day > ref.day_date + timedelta(days=1):
                    self.add(
                        ref.path,
                        f"{format_time(value)} is more than a day after this trial day's date ({format_date(ref.day_date)}): "
                        "record it under the right day, or correct the time",
                    )

    def check_doses(self, patient: Patient | None) -> None:
        """R8 errors for every structurally valid dose, via the domain (warnings are not import errors)."""
        settings = self.settings or ProtocolSettings(max_dose_mcg=self.max_dose_mcg)
        # The birth date only feeds the age warning, which import does not apply; any date will do when
        # the birth date itself is invalid (its problem is already reported).
        birth = patient.birth_date if patient is not None else date(1900, 1, 1)
        for group in (
            [r for r in self.doses if r.dose.given_at.tzinfo is None],
            [r for r in self.doses if r.dose.given_at.tzinfo is not None],
        ):
            ordered = sorted(group, key=lambda r: (r.dose.given_at, r.day, r.index))
            prior: list[dosing.PriorDose] = []
            for ref in ordered:
                ctx = dosing.DoseContext(settings=settings, birth_date=birth, prior_doses=tuple(prior))
                result = dosing.check_dose(dose_records.dose_entry_from_record(ref.dose, ref.day), ctx)
                for finding in result.errors:
                    self.add(ref.path, finding.message)
                prior.append(dosing.PriorDose(ref.day, ref.dose.given_at, ref.dose.dose_mcg))


# The usual cases of the readers, checked before any path or message is composed: each says only
# "valid as it is", and anything else goes through the full reader, which reports what is wrong.


def _usual_code(raw: object, choices: Sequence[str]) -> str | None:
    """The code, when ``raw`` is one of ``choices`` (surrounding spaces allowed); else None."""
    if isinstance(raw, str):
        text = raw.strip()
        if text and text in choices:
            return text
    return None


def _usual_number(raw: object, lo: float, hi: float, lo_open: bool) -> TypeGuard[int | float]:
    """A finite JSON number (not true/false) within the range."""
    if type(raw) is int or (type(raw) is float and math.isfinite(raw)):
        return (lo < raw if lo_open else lo <= raw) and raw <= hi
    return False


def _usual_whole(raw: object, lo: int | None, hi: int | None) -> TypeGuard[int]:
    """A whole JSON number (not true/false), not implausibly large, within the range."""
    return (
        type(raw) is int and abs(raw) <= MAX_WHOLE and (lo is None or raw >= lo) and (hi is None or raw <= hi)
    )


def _looks_numeric(text: str) -> bool:
    try:
        return math.isfinite(float(text.strip()))
    except ValueError:
        return False


def _bad_character(text: str, *, free_text: bool, code: bool) -> str | None:
    """A message when ``text`` holds a character the format refuses, else None."""
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


# --------------------------------------------------------------------------------------------------
# Public API: import
# --------------------------------------------------------------------------------------------------


def parse_trial_document(
    data: object, *, now: datetime | None = None, max_dose_mcg: int = 100
) -> TrialDocument:
    """Validate a decoded ``itb-trial/1`` document and return it as records.

    The whole document is checked first; if anything is wrong, :class:`DocumentInvalid` is raised with
    every problem found (never only the first). ``now`` (local naive time; default
    :func:`datetime.now`) is the moment against which "in the future" is judged. ``max_dose_mcg`` is
    the protocol maximum used by the R8 dose checks and stored in the trial's settings.
    """
    parser = _Parser(now if now is not None else datetime.now(), max_dose_mcg)
    doc = parser.document(data)
    if parser.problems or doc is None:
        raise DocumentInvalid(parser.problems or [Problem("$", "the document could not be read")])
    return doc


@dataclass(frozen=True)
class AssessmentPlace:
    """Where a new assessment goes in a stored trial, and what of that trial the format's rules read.

    ``day_index`` and ``index`` are positions from 0 in ``trial.days`` and in that day's assessments
    (the assessment's JSON path, as in the whole document). ``newly_recorded_days`` lists (position,
    date) of the days that this assessment turns from planned ahead into recorded, so that their dates
    must not be in the future: usually none.
    """

    day_index: int
    day_date: date
    index: int
    placed_at: datetime
    goal_ids: frozenset[str]
    newly_recorded_days: tuple[tuple[int, date], ...] = ()


def parse_assessment(data: object, place: AssessmentPlace, *, now: datetime | None = None) -> Assessment:
    """Validate one assessment added to a valid trial: the result :func:`parse_trial_document` would give.

    The same reader and the same checks across the document run on the assessment, in its place: its
    fields and codes, goal ids that exist in the trial, its time against the catheter placement (and the
    placement's offset convention), against its day's date and against ``now``, and the dates of the
    days it brings into the record. The rest of the trial is taken as valid (every save validates it),
    so it is not read again. Raises :class:`DocumentInvalid` with every problem, at the paths and with
    the messages the whole document would give.
    """
    parser = _Parser(now if now is not None else datetime.now(), max_dose_mcg=100)  # no dose is read
    days = "$.trial.days"
    for day_index, on in place.newly_recorded_days:
        parser.dates.append((_child(_item(days, day_index), "date"), on))
    parser.placed_at = place.placed_at
    parser.day_date = place.day_date
    path = _item(_child(_item(days, place.day_index), "assessments"), place.index)
    if data is None:
        parser.add(path, "is null: remove the entry")
        record = None
    else:
        record = parser.assessment(data, path, set(place.goal_ids))
    parser.day_date = None
    parser.cross_checks(None, None)
    if parser.problems or record is None:
        raise DocumentInvalid(parser.problems or [Problem(path, "the assessment could not be read")])
    return record


class _DuplicateKeys(dict[str, Any]):
    """A decoded object that had a key more than once (the later value wins, as in :func:`json.loads`)."""

    duplicates: tuple[str, ...] = ()


def _pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(set(keys)) == len(keys):
        return dict(pairs)
    seen: set[str] = set()
    repeated: list[str] = []
    for key in keys:
        if key in seen and key not in repeated:
            repeated.append(key)
        seen.add(key)
    out = _DuplicateKeys(pairs)
    out.duplicates = tuple(repeated)
    return out


class _LiteralRefused(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise _LiteralRefused(name)


def _find_duplicates(data: object) -> Iterator[tuple[str, str]]:
    """(path, key) of every repeated key in the decoded tree, walked without recursion."""
    stack: list[tuple[object, str]] = [(data, "$")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, dict):
            if isinstance(value, _DuplicateKeys):
                for key in value.duplicates:
                    yield path, key
            stack.extend((v, _child(path, str(k))) for k, v in reversed(list(value.items())))
        elif isinstance(value, list):
            stack.extend((v, _item(path, i)) for i, v in reversed(list(enumerate(value))))


def load_trial_document(text_or_bytes: str | bytes, **kw: Any) -> TrialDocument:
    """Decode JSON text (``str``, or UTF-8 ``bytes``) and validate it with :func:`parse_trial_document`.

    Text that is not UTF-8, not JSON, uses ``NaN``/``Infinity``, or repeats a key in an object is rejected
    with :class:`DocumentInvalid` and a problem at ``$`` saying what to fix. A UTF-8 byte-order mark is
    ignored. Keyword arguments (``now``, ``max_dose_mcg``) go to :func:`parse_trial_document`.
    """
    if isinstance(text_or_bytes, bytes | bytearray):
        raw = bytes(text_or_bytes)
        if raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad = raw[exc.start : exc.start + 1].hex()
            raise DocumentInvalid(
                [
                    Problem(
                        "$",
                        f"the file is not UTF-8 text (byte 0x{bad} at offset {exc.start}): save it as UTF-8 and import it again",
                    )
                ]
            ) from None
    else:
        text = text_or_bytes
    text = text.removeprefix("\ufeff")
    try:
        data = json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_pairs_hook)
    except json.JSONDecodeError as exc:
        raise DocumentInvalid(
            [
                Problem(
                    "$",
                    f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}. Fix the JSON syntax (a missing comma, quote or bracket?)",
                )
            ]
        ) from None
    except _LiteralRefused as exc:
        raise DocumentInvalid(
            [
                Problem(
                    "$",
                    f"{exc.args[0]} is not allowed: numbers must be finite. Write a number, or null when the value was not recorded",
                )
            ]
        ) from None
    except RecursionError:
        raise DocumentInvalid(
            [
                Problem(
                    "$",
                    "the JSON is nested too deeply to be a trial document: check that this is an itb-trial/1 export",
                )
            ]
        ) from None
    except ValueError as exc:  # e.g. an integer with thousands of digits
        raise DocumentInvalid(
            [Problem("$", f"not valid JSON: {exc}. Fix the value, or export the file again")]
        ) from None
    duplicates = list(_find_duplicates(data))
    if duplicates:
        raise DocumentInvalid(
            [
                Problem("$", f"the key {_show(key)} appears more than once in {path}: keep only one of them")
                for path, key in duplicates
            ]
        )
    return parse_trial_document(data, **kw)


# --------------------------------------------------------------------------------------------------
# Public API: export
# --------------------------------------------------------------------------------------------------


def _time_or_none(value: datetime | None) -> str | None:
    return format_time(value) if value is not None else None


def document_to_json(doc: TrialDocument) -> dict[str, Any]:
    """The document as JSON-ready data: every key of the format, in its order; absent values as
    ``None`` (null) and absent lists as ``[]``. Times are written to the minute."""
    p = doc.patient
    t = doc.trial
    s = t.settings
    return {
        "format": FORMAT_ID,
        "patient": {
            "mrn": p.mrn,
            "given_name": p.given_name,
            "family_name": p.family_name,
            "birth_date": format_date(p.birth_date),
            "sex": p.sex,
            "weight_kg": p.weight_kg,
            "height_cm": p.height_cm,
            "gmfcs_level": p.gmfcs_level,
            "diagnosis": p.diagnosis,
            "tone_pattern": p.tone_pattern,
            "allergies": list(p.allergies),
            "language": p.language,
        },
        "trial": {
            "started_on": format_date(t.started_on),
            "mode": s.mode,
            "ladder": s.ladder,
            "mas_coding": s.mas_coding,
            "region": s.region,
            "threshold": s.threshold,
            "schedule_hours": list(s.schedule_hours),
            "catheter": {
                "placed_at": format_time(t.catheter.placed_at),
                "method": t.catheter.method,
                "level": t.catheter.level,
            },
            "goals": [{"id": g.id, "text": g.text, "baseline_gas": g.baseline_gas} for g in t.goals],
            "days": [_day_json(d) for d in t.days],
            "decision": _decision_json(t.decision),
        },
    }


def _day_json(d: Day) -> dict[str, Any]:
    return {
        "day": d.day,
        "date": format_date(d.date),
        "assessments": [assessment_to_json(a) for a in d.assessments],
        "doses": [_dose_json(x) for x in d.doses],
        "adverse_events": [
            {
                "at": format_time(e.at),
                "kind": e.kind,
                "severity": e.severity,
                "notes": e.notes,
                "action": e.action,
            }
            for e in d.adverse_events
        ],
        "plan": None
        if d.plan is None
        else {
            "next_dose_mcg": d.plan.next_dose_mcg,
            "decided_by": list(d.plan.decided_by),
            "reason": d.plan.reason,
            "notes": d.plan.notes,
        },
    }


def assessment_to_json(a: Assessment) -> dict[str, Any]:
    """One assessment as the document writes it (the shape :func:`parse_assessment` reads)."""
    f = a.function
    v = a.vitals
    return {
        "kind": a.kind,
        "at": format_time(a.at),
        "assessor": a.assessor,
        "mas": [{"muscle": m.muscle, "side": m.side, "grade": m.grade} for m in a.mas],
        "tardieu": [
            {"muscle": x.muscle, "side": x.side, "r1_deg": x.r1_deg, "r2_deg": x.r2_deg, "quality": x.quality}
            for x in a.tardieu
        ],
        "rom": [{"measure": r.measure, "side": r.side, "deg": r.deg} for r in a.rom],
        "function": None
        if f is None
        else {
            "fms_5m": f.fms_5m,
            "fms_50m": f.fms_50m,
            "fms_500m": f.fms_500m,
            "ten_m_walk_s": f.ten_m_walk_s,
            "tug_s": f.tug_s,
            "six_min_walk_m": f.six_min_walk_m,
            "gait_notes": f.gait_notes,
        },
        "penn_frequency": a.penn_frequency,
        "penn_severity": a.penn_severity,
        "pain": None if a.pain is None else {"scale": a.pain.scale, "score": a.pain.score},
        "sedation_umss": a.sedation_umss,
        "vitals": None
        if v is None
        else {"hr": v.hr, "rr": v.rr, "spo2": v.spo2, "sbp": v.sbp, "dbp": v.dbp, "temp_c": v.temp_c},
        "goals": [{"id": g.id, "gas": g.gas} for g in a.goals],
        "notes": a.notes,
    }


def _dose_json(x: Dose) -> dict[str, Any]:
    return {
        "given_at": format_time(x.given_at),
        "dose_mcg": x.dose_mcg,
        "concentration_mcg_per_ml": x.concentration_mcg_per_ml,
        "volume_ml": x.volume_ml,
        "via": x.via,
        "lot": x.lot,
        "given_by": x.given_by,
        "checked_by": x.checked_by,
        "warnings_acknowledged": [
            {"code": w.code, "reason": w.reason, "by": w.by} for w in x.warnings_acknowledged
        ],
    }


def _decision_json(d: Decision | None) -> dict[str, Any] | None:
    if d is None:
        return None
    return {
        "outcome": d.outcome,
        "decided_at": _time_or_none(d.decided_at),
        "decided_by": d.decided_by,
        "rationale": d.rationale,
        "initial_daily_dose_mcg": d.initial_daily_dose_mcg,
    }


def dumps_trial_document(doc: TrialDocument) -> str:
    """The document as ``itb-trial/1`` JSON text: UTF-8 characters kept, 2-space indent, final newline.

    Raises :class:`ValueError` if a record holds a number JSON cannot represent (NaN, infinity).
    """
    return json.dumps(document_to_json(doc), ensure_ascii=False, indent=2, allow_nan=False) + "\n"
