"""Every code list, range and limit of a trial record, in one place.

The import (``itb-trial/1``), the record rules (:mod:`trialapp.domain.validation`), the exports
(REDCap, FHIR) and the forms all take their codes and ranges from here, so that a code or a limit is
changed once. Code lists with a home next to their meaning (muscles and sides, MAS grades and codings,
dose ladders and strengths) are defined there and named here too.

Pure data: no Qt, no SQL, no files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from trialapp.domain.dosing import ALLOWED_CONCENTRATIONS
from trialapp.domain.dosing import LADDERS as _LADDER_STEPS
from trialapp.domain.muscles import LOWER_MUSCLES, REGIONS, ROM_MEASURE_CODES, SIDES, UPPER_MUSCLES
from trialapp.domain.scales import MAS_CODINGS, MAS_GRADES, NOT_TESTED

__all__ = [
    "ADVERSE_EVENT_KINDS",
    "ASSESSMENT_KINDS",
    "CATHETER_METHODS",
    "CONCENTRATIONS",
    "CONCENTRATION_MCG_PER_ML",
    "DAILY_DOSE_MCG",
    "DAY_NUMBER",
    "DEGREES",
    "DOSE_MCG",
    "FMS_5M",
    "FMS_LONG",
    "GAS",
    "GMFCS_LEVEL",
    "HEIGHT_CM",
    "LADDERS",
    "LANGUAGES",
    "LATE_AFTER_MINUTES",
    "MAS_CODINGS",
    "MAS_GRADES",
    "MAX_ACK_REASON_LEN",
    "MAX_CODE_LEN",
    "MAX_DOCUMENT_BYTES",
    "MAX_DOSE_MCG",
    "MAX_GOALS",
    "MAX_GOAL_TEXT_LEN",
    "MAX_LIST_ITEMS",
    "MAX_NAME_LEN",
    "MAX_STRING_CHARS",
    "MAX_TEXT_LEN",
    "MAX_WHOLE",
    "MODES",
    "MUSCLES",
    "NEXT_DOSE_MCG",
    "NOT_TESTED",
    "OUTCOMES",
    "PAIN_SCORE",
    "PAIN_SCORES",
    "PENN_FREQUENCY",
    "PENN_SEVERITY",
    "REGIONS",
    "ROM_CODES",
    "SCHEDULE_HOURS",
    "SEDATION_UMSS",
    "SEVERITIES",
    "SEXES",
    "SIDES",
    "SIX_MIN_WALK_M",
    "TARDIEU_QUALITY",
    "THRESHOLD",
    "TONE_PATTERNS",
    "VITALS",
    "VITAL_RANGES",
    "VOLUME_ML",
    "WALK_SECONDS",
    "WEIGHT_KG",
    "Range",
    "Whole",
]


@dataclass(frozen=True)
class Range:
    """A measured value's plausible range: from ``lo`` (or above it, when ``lo_open``) to ``hi``."""

    lo: float
    hi: float
    unit: str = ""
    lo_open: bool = False


@dataclass(frozen=True)
class Whole:
    """A whole number's range (None: no bound); ``why`` says why it must be whole, for messages."""

    lo: int | None
    hi: int | None
    unit: str = ""
    why: str = ""


# -- code lists ------------------------------------------------------------------------------------

SEXES: Final = ("female", "male", "other", "unknown")
TONE_PATTERNS: Final = ("spastic", "dystonic", "mixed")
LANGUAGES: Final = ("en", "es")
MODES: Final = ("bolus", "continuous")
LADDERS: Final = tuple(_LADDER_STEPS)
CATHETER_METHODS: Final = ("catheter", "lumbar_puncture")
ASSESSMENT_KINDS: Final = ("baseline", "reassessment")
MUSCLES: Final = LOWER_MUSCLES + UPPER_MUSCLES
ROM_CODES: Final = ROM_MEASURE_CODES
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
#: The strengths a dose may be drawn from (mcg/mL), R8.
CONCENTRATIONS: Final = ALLOWED_CONCENTRATIONS

# -- counts and lengths ----------------------------------------------------------------------------

#: The family's goals of one trial.
MAX_GOALS: Final = 5
# Length limits (characters, after trimming): record numbers and codes, names, free text.
MAX_CODE_LEN: Final = 64
MAX_NAME_LEN: Final = 200
MAX_TEXT_LEN: Final = 10_000
MAX_GOAL_TEXT_LEN: Final = 1000
MAX_ACK_REASON_LEN: Final = 2000
#: Whole numbers beyond this are refused as implausible before any rule looks at them.
MAX_WHOLE: Final = 1_000_000_000
# The sizes of a document read (itb-trial/1 revision 2, "Sizes"): a file over MAX_DOCUMENT_BYTES, any text
# (a value or a key) over MAX_STRING_CHARS characters, or any list over MAX_LIST_ITEMS entries is refused,
# before the document is read record by record, with the JSON path and the limit. They stop a hostile or
# broken file early (a 100 MB name, a million goals); a real trial is far below each.
MAX_DOCUMENT_BYTES: Final = 20_000_000
MAX_STRING_CHARS: Final = 10_000
MAX_LIST_ITEMS: Final = 10_000

# -- ranges ----------------------------------------------------------------------------------------

WEIGHT_KG: Final = Range(0, 200, "kg", lo_open=True)
HEIGHT_CM: Final = Range(30, 250, "cm")
GMFCS_LEVEL: Final = Whole(1, 5)
THRESHOLD: Final = Range(0, 4, "MAS points", lo_open=True)
SCHEDULE_HOURS: Final = Range(0, 24, "hours after the dose", lo_open=True)
GAS: Final = Whole(-2, 2)
DAY_NUMBER: Final = Whole(1, None)
#: Joint angles: Tardieu R1 and R2, range of motion.
DEGREES: Final = Range(-180, 180, "degrees")
TARDIEU_QUALITY: Final = Whole(0, 5)
PENN_FREQUENCY: Final = Whole(0, 4)
PENN_SEVERITY: Final = Whole(1, 3)
SEDATION_UMSS: Final = Whole(0, 4)
PAIN_SCORE: Final = Whole(0, 10)
WALK_SECONDS: Final = Range(0, 600, "seconds", lo_open=True)
SIX_MIN_WALK_M: Final = Range(0, 1500, "metres")
#: Vital signs: (low, high, unit words), inclusive.
VITAL_RANGES: Final[Mapping[str, tuple[float, float, str]]] = {
    "hr": (20, 260, "beats/min"),
    "rr": (4, 100, "breaths/min"),
    "spo2": (50, 100, "%"),
    "sbp": (30, 250, "mmHg"),
    "dbp": (15, 180, "mmHg"),
    "temp_c": (30, 44, "°C"),
}
#: The same, as ranges for the record rules.
VITALS: Final[Mapping[str, Range]] = {
    key: Range(lo, hi, unit) for key, (lo, hi, unit) in VITAL_RANGES.items()
}
_WHOLE_MCG: Final = ": doses are whole micrograms"
DOSE_MCG: Final = Whole(None, None, why=_WHOLE_MCG)
CONCENTRATION_MCG_PER_ML: Final = Whole(None, None, "mcg/mL", ": concentrations are whole mcg/mL")
VOLUME_ML: Final = Range(0, 100, "mL", lo_open=True)
NEXT_DOSE_MCG: Final = Whole(1, None, "mcg", _WHOLE_MCG)
DAILY_DOSE_MCG: Final = Whole(1, None, "mcg/day", _WHOLE_MCG)
#: The protocol values frozen on a trial (itb-trial/1 revision 2): the protocol maximum dose (R8) and
#: how far from its slot a reassessment is early or late (R10).
MAX_DOSE_MCG: Final = Whole(25, 200, "mcg", _WHOLE_MCG)
LATE_AFTER_MINUTES: Final = Whole(5, 240, "minutes", ": write whole minutes")
