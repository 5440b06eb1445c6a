"""Dose ladders, the next-dose suggestion and the checks made when a dose is entered.

Implements RULES.md R7 (dose ladder and next-dose suggestion) and R8 (checks when a dose is entered),
plus the parsing and formatting of doses, concentrations and volumes.

Intrathecal baclofen is a high-alert medicine (ISMP): doses are whole micrograms written "N mcg",
never "µg" (misread as mg), never mg, never with a trailing zero ("50.0 mcg" can be read as 500 mcg).
Volumes are computed from dose and concentration, never typed on trust.

Pure Python: no Qt, no SQL, no files.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from trialapp.domain.numbers import plain_number
from trialapp.domain.records import ProtocolSettings

# --------------------------------------------------------------------------------------------------
# Protocol constants (R7, R8). Defaults only: the trial's ProtocolSettings carries the chosen values.
# --------------------------------------------------------------------------------------------------

#: Dose ladders in mcg (R7). ``standard`` is the labelled 50 → 75 → 100 mcg sequence (Lioresal/Gablofen
#: label); ``small_child`` starts at 25 mcg (Boster 2016, Neuromodulation 19:616-22).
LADDERS: dict[str, tuple[int, ...]] = {
    "standard": (50, 75, 100),
    "small_child": (25, 50, 75, 100),
}

#: The only strength labelled for the screening bolus.
SCREENING_CONCENTRATION_MCG_PER_ML = 50

#: Marketed strengths of intrathecal baclofen (mcg/mL).
ALLOWED_CONCENTRATIONS: tuple[int, ...] = (50, 500, 1000, 2000)

#: Protocol maximum screening bolus (the label's last step); configurable per trial.
DEFAULT_MAX_DOSE_MCG = 100

#: Age under which the app suggests the small-child ladder and warns (label: safety not established).
SMALL_CHILD_AGE_YEARS = 4

#: Minimum interval between screening boluses (label: 24 h between steps).
MIN_HOURS_BETWEEN_DOSES = 24

#: The acknowledged-warning code that records a neurosurgeon's override of the protocol maximum.
OVERRIDE_WARNING_CODE = "above_maximum_override"

#: The site's hard ceiling (R8 revision 2): no dose above it, whoever asks. An admin may lower or raise
#: it, never above :data:`MAX_HARD_CEILING_MCG`.
DEFAULT_HARD_CEILING_MCG = 150
MAX_HARD_CEILING_MCG = 200

#: A neurosurgeon's override of the protocol maximum needs a reason at least this long (R8 revision 2):
#: a one-letter "x" must not unlock a dose above the maximum.
MIN_OVERRIDE_REASON_CHARS = 15

#: Volumes below this are too small to draw up reliably (R8 warning).
SMALL_VOLUME_ML = Decimal("0.1")

#: An entered volume may differ from dose ÷ concentration by at most this fraction of it (R8).
VOLUME_TOLERANCE = Decimal("0.01")

#: Volumes are shown with as many decimals as they need, up to this many (R8 revision 2).
_VOLUME_PLACES = Decimal("0.0001")


# --------------------------------------------------------------------------------------------------
# Age
# --------------------------------------------------------------------------------------------------


def _anniversary(birth_date: date, year: int) -> date:
    """The birthday in ``year``; a 29 February birthday falls on 1 March in common years."""
    try:
        return birth_date.replace(year=year)
    except ValueError:  # 29 February in a common year
        return date(year, 3, 1)


def age_in_whole_years(birth_date: date, on_date: date) -> int:
    """Completed years of age on ``on_date`` (calendar age, as on a birthday card).

    A child born on 29 February has a birthday on 1 March in common years.
    Raises ValueError if ``on_date`` is before ``birth_date``.
    """
    if on_date < birth_date:
        raise ValueError(f"date {on_date.isoformat()} is before the birth date {birth_date.isoformat()}")
    years = on_date.year - birth_date.year
    if on_date < _anniversary(birth_date, on_date.year):
        years -= 1
    return years


def age_in_years(birth_date: date, on_date: date) -> float:
    """Age in years with the fraction of the current year of life (calendar-based, not 365.25 days).

    ``age_in_years(b, d) >= 4`` exactly when the 4th birthday is on or before ``d``.
    """
    whole = age_in_whole_years(birth_date, on_date)
    last = _anniversary(birth_date, birth_date.year + whole)
    following = _anniversary(birth_date, birth_date.year + whole + 1)
    return whole + (on_date - last).days / (following - last).days


def age_in_whole_months(birth_date: date, on_date: date) -> int:
    """Completed months of age on ``on_date`` (a month is completed on the same day-of-month, or on
    the month's last day when the birth day-of-month does not exist in it)."""
    if on_date < birth_date:
        raise ValueError(f"date {on_date.isoformat()} is before the birth date {birth_date.isoformat()}")
    months = (on_date.year - birth_date.year) * 12 + (on_date.month - birth_date.month)
    if on_date.day < birth_date.day:
        # Not yet the monthly anniversary, unless on_date is the last day of a short month.
        next_day = on_date + timedelta(days=1)
        if next_day.month == on_date.month:
            months -= 1
    return months


def describe_age(birth_date: date, on_date: date) -> str:
    """Age in plain words, e.g. "3 years 11 months" or "7 months"."""
    months = age_in_whole_months(birth_date, on_date)
    years, rest = divmod(months, 12)
    parts: list[str] = []
    if years:
        parts.append(f"{years} year{'s' if years != 1 else ''}")
    if rest or not years:
        parts.append(f"{rest} month{'s' if rest != 1 else ''}")
    return " ".join(parts)


# --------------------------------------------------------------------------------------------------
# Ladders and the next-dose suggestion (R7)
# --------------------------------------------------------------------------------------------------


def ladder_steps(ladder: str) -> tuple[int, ...]:
    """The steps (mcg) of a ladder code; ValueError naming the known codes if unknown."""
    try:
        return LADDERS[ladder]
    except KeyError:
        known = ", ".join(sorted(LADDERS))
        raise ValueError(f"unknown dose ladder {ladder!r}: use one of {known}") from None


def suggest_ladder(birth_date: date, on_date: date) -> tuple[str, str]:
    """Suggest a ladder code for a trial starting on ``on_date`` (R7), with the reason in words.

    ``small_child`` when the child is under 4 years of calendar age on ``on_date`` (the label says
    safety is not established under 4 years; Boster 2016 allows a 25 mcg first dose), else ``standard``.
    """
    age = describe_age(birth_date, on_date)
    if age_in_whole_years(birth_date, on_date) < SMALL_CHILD_AGE_YEARS:
        return (
            "small_child",
            f"The child is {age} old, under 4 years: the small-child ladder starts at 25 mcg "
            "(25, 50, 75, 100 mcg).",
        )
    return (
        "standard",
        f"The child is {age} old, 4 years or older: the standard ladder is 50, 75, 100 mcg.",
    )


def next_step_above(steps: Sequence[int], dose_mcg: int) -> int | None:
    """The smallest ladder step strictly above ``dose_mcg``, or None past the top."""
    above = [s for s in steps if s > dose_mcg]
    return min(above) if above else None


def previous_step_below(steps: Sequence[int], dose_mcg: int) -> int | None:
    """The largest ladder step strictly below ``dose_mcg``, or None below the first step."""
    below = [s for s in steps if s < dose_mcg]
    return max(below) if below else None


@dataclass(frozen=True)
class NextDoseSuggestion:
    """The R7 suggestion for the next trial day: a dose in mcg (None = no further dose) and why."""

    dose_mcg: int | None
    message: str


def suggest_next_dose(
    ladder: str,
    last_dose_mcg: int,
    responder: bool | None,
    significant_adverse_effect: bool,
) -> NextDoseSuggestion:
    """R7: suggest the next day's dose from the last dosed day.

    - significant adverse effect → the previous ladder step; below the first step: "stop and review";
    - responder without a significant adverse effect → the same dose (confirm / fine-tune);
    - not a responder, no significant adverse effect → the next ladder step; past the top:
      "ladder complete: not a candidate by the labelled criterion";
    - response not known yet (``responder is None``) and no significant adverse effect → no suggestion.

    A last dose that is not on the ladder (e.g. 60 mcg) moves to the smallest step above it or the
    largest step below it, and the message says so. The suggestion is advice: the team decides.
    """
    steps = ladder_steps(ladder)
    if isinstance(last_dose_mcg, bool) or last_dose_mcg <= 0:
        raise ValueError(f"the last dose must be a positive number of mcg, not {last_dose_mcg!r}")
    last = format_dose(last_dose_mcg)
    off_ladder = last_dose_mcg not in steps
    ladder_words = f"the {ladder.replace('_', '-')} ladder ({', '.join(str(s) for s in steps)} mcg)"
    off_note = f" {last} is not a step on {ladder_words}." if off_ladder else ""

    if significant_adverse_effect:
        lower = previous_step_below(steps, last_dose_mcg)
        if lower is None:
            return NextDoseSuggestion(
                None,
                f"Significant adverse effect after {last}, and there is no lower step on {ladder_words}: "
                "stop and review before any further dose.",
            )
        which = "the largest step below it" if off_ladder else "the previous step"
        return NextDoseSuggestion(
            lower,
            f"Significant adverse effect after {last}: suggest {format_dose(lower)}, {which}.{off_note}",
        )
    if responder is None:
        return NextDoseSuggestion(
            None,
            f"The response to {last} is not known yet (it needs a baseline before the dose and a "
            "reassessment after it): no suggestion until it is.",
        )
    if responder:
        return NextDoseSuggestion(
            last_dose_mcg,
            f"Response to {last} without a significant adverse effect: suggest the same dose, {last}, "
            f"to confirm or fine-tune the response.{off_note}",
        )
    higher = next_step_above(steps, last_dose_mcg)
    if higher is None:
        return NextDoseSuggestion(
            None,
            f"No response to {last}, and there is no higher step on {ladder_words}: "
            "ladder complete: not a candidate by the labelled criterion.",
        )
    which = "the smallest step above it" if off_ladder else "the next step"
    return NextDoseSuggestion(
        higher,
        f"No response to {last} and no significant adverse effect: suggest {format_dose(higher)}, "
        f"{which}.{off_note}",
    )


# --------------------------------------------------------------------------------------------------
# Parsing and formatting
# --------------------------------------------------------------------------------------------------


class DoseInputError(ValueError):
    """Typed text that is not a valid dose, concentration or volume; the message says the right form."""


_DIGITS = re.compile(r"[0-9]+")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_MICRO_WORDS = ("µg", "μg", "ug", "microgram", "mcgs")  # µ = U+00B5 micro sign, μ = U+03BC mu


def _split_number_unit(text: str) -> tuple[str, str]:
    """Split "0.05 mg" into ("0.05", "mg"); the unit part is lower-cased and stripped."""
    match = _NUMBER.match(text)
    if match is None:
        return "", text.strip().lower()
    return match.group(0), text[match.end() :].strip().lower()


def _decimal_or_none(number: str) -> Decimal | None:
    try:
        value = Decimal(number)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def parse_dose_mcg(text: str) -> int:
    """Parse a typed dose: a positive whole number of micrograms, optionally followed by "mcg".

    Accepts "50", "50 mcg", "50mcg", "50 MCG". Rejects, with a message naming the right form:
    decimals ("50.0": no trailing zero, write 50; ".5", "0.5"), micrograms written "ug"/"µg" (write
    mcg), milligrams ("0.05 mg" = 50 mcg: enter 50), zero or negative numbers, words, exponents,
    leading zeros, separators. Raises DoseInputError.
    """
    raw = text.strip()
    if not raw:
        raise DoseInputError("Enter the dose as a whole number of micrograms, for example 50.")
    lowered = raw.lower()
    number, unit = _split_number_unit(raw)

    if "mg" in lowered and "mcg" not in lowered:
        value = _decimal_or_none(number) if number else None
        if value is not None and value > 0:
            mcg = value * 1000
            # Offer the converted number only when it is a plausible screening dose: "50 mg" almost
            # certainly meant 50 mcg, and "enter 50000" would be a dangerous hint.
            if mcg == mcg.to_integral_value() and mcg <= DEFAULT_MAX_DOSE_MCG:
                raise DoseInputError(
                    f"Intrathecal doses are entered in mcg, never mg: {plain_number(value)} mg = "
                    f"{plain_number(mcg)} mcg, enter {plain_number(mcg)}."
                )
            if mcg > DEFAULT_MAX_DOSE_MCG:
                raise DoseInputError(
                    f"Intrathecal doses are entered in mcg, never mg: {plain_number(value)} mg would be "
                    f"{plain_number(mcg)} mcg, far above a screening dose. Check the order, then enter the "
                    "dose as a whole number of micrograms, for example 50."
                )
        raise DoseInputError(
            "Intrathecal doses are entered in mcg, never mg (1 mg = 1000 mcg): enter the dose as a "
            "whole number of micrograms, for example 50."
        )
    if any(word in lowered for word in _MICRO_WORDS):
        example = number if number and _DIGITS.fullmatch(number) else "50"
        raise DoseInputError(
            f'Write micrograms as "mcg", never "µg" or "ug" (they can be misread as mg): '
            f"enter {example} or {example} mcg."
        )
    if unit not in ("", "mcg"):
        raise DoseInputError(
            'Enter the dose as a whole number of micrograms, optionally followed by "mcg", for example 50.'
        )
    if not number:
        raise DoseInputError("Enter the dose in digits as a whole number of micrograms, for example 50.")
    if number.startswith(("+", "-")):
        if number.startswith("-"):
            raise DoseInputError("The dose must be more than 0 mcg: enter a whole number such as 50.")
        plain = number[1:]
        example = (
            plain if _DIGITS.fullmatch(plain) and not plain.startswith("0") else "a whole number such as 50"
        )
        raise DoseInputError(f"Write the dose as plain digits without a sign: enter {example}.")
    if "." in number:
        value = _decimal_or_none(number)
        if value is not None and value > 0 and value == value.to_integral_value():
            whole = plain_number(value)
            raise DoseInputError(
                f"Doses are whole micrograms with no decimal point or trailing zero "
                f'("{raw}" can be misread as ten times the dose): write {whole}.'
            )
        raise DoseInputError(
            f'"{raw}" is not a whole number of micrograms. Enter the dose in mcg as a whole number, '
            "for example 25 or 50 (not a volume in mL, not mg)."
        )
    if not _DIGITS.fullmatch(number):  # pragma: no cover - _NUMBER only matches digits here
        raise DoseInputError("Enter the dose in digits as a whole number of micrograms, for example 50.")
    dose = int(number)
    if dose <= 0:
        raise DoseInputError("The dose must be more than 0 mcg: enter a whole number such as 50.")
    if number.startswith("0"):
        raise DoseInputError(f"Write the dose without leading zeros: enter {dose}.")
    return dose


def parse_concentration(text: str) -> int:
    """Parse a typed concentration in mcg/mL: one of 50, 500, 1000, 2000, optionally followed by
    "mcg/mL". Concentrations typed in mg/mL are rejected with the mcg/mL equivalent.
    Raises DoseInputError."""
    allowed = ", ".join(str(c) for c in ALLOWED_CONCENTRATIONS)
    raw = text.strip()
    if not raw:
        raise DoseInputError(f"Enter the concentration in mcg/mL: one of {allowed}.")
    lowered = raw.lower()
    number, unit = _split_number_unit(raw)
    compact = unit.replace(" ", "")
    if "mg" in lowered and "mcg" not in lowered:
        value = _decimal_or_none(number) if number else None
        if value is not None and value > 0:
            mcg = value * 1000
            if mcg == mcg.to_integral_value() and int(mcg) in ALLOWED_CONCENTRATIONS:
                raise DoseInputError(
                    f"Enter the concentration in mcg/mL, not mg/mL: {plain_number(value)} mg/mL = "
                    f"{plain_number(mcg)} mcg/mL, enter {plain_number(mcg)}."
                )
        raise DoseInputError(f"Enter the concentration in mcg/mL, not mg/mL: one of {allowed}.")
    if any(word in lowered for word in _MICRO_WORDS):
        raise DoseInputError(f'Write "mcg/mL", never "µg" or "ug": enter one of {allowed}.')
    if compact not in ("", "mcg/ml"):
        raise DoseInputError(f'Enter the concentration as a number of mcg/mL ("mcg/mL" optional): {allowed}.')
    if not number or not _DIGITS.fullmatch(number) or number.startswith("0"):
        raise DoseInputError(
            f"Enter the concentration as a whole number of mcg/mL with no decimal point: one of {allowed}."
        )
    value_int = int(number)
    if value_int not in ALLOWED_CONCENTRATIONS:
        raise DoseInputError(
            f"{value_int} mcg/mL is not a strength of intrathecal baclofen: enter one of {allowed} "
            f"(screening uses {SCREENING_CONCENTRATION_MCG_PER_ML} mcg/mL)."
        )
    return value_int


def format_dose(mcg: int) -> str:
    """A dose as shown everywhere: "50 mcg" (never µg, never a trailing zero)."""
    return f"{int(mcg)} mcg"


def _volume_decimal(ml: float | Decimal) -> Decimal:
    value = ml if isinstance(ml, Decimal) else Decimal(repr(float(ml)))
    return value.quantize(_VOLUME_PLACES, rounding=ROUND_HALF_UP)


def format_volume(ml: float | Decimal) -> str:
    """A volume in mL with as many decimals as it needs, up to 4 (R8 revision 2), with a leading zero and
    no trailing zero: 1 → "1 mL", 1.5 → "1.5 mL", 0.0125 → "0.0125 mL". Every volume of a whole number of
    mcg at an allowed strength has at most 4 decimals, so the shown volume is the true one."""
    return f"{plain_number(_volume_decimal(ml))} mL"


def format_concentration(concentration_mcg_per_ml: int) -> str:
    """A concentration as shown everywhere: "50 mcg/mL"."""
    return f"{int(concentration_mcg_per_ml)} mcg/mL"


def volume_for(dose_mcg: int, concentration_mcg_per_ml: int) -> float:
    """Volume in mL = dose ÷ concentration, exact to 4 decimals (R8 revision 2: never rounded so that it
    differs from the true volume at the allowed strengths).

    Example: 75 mcg at 50 mcg/mL → 1.5; 25 mcg at 2000 mcg/mL → 0.0125.
    """
    if dose_mcg <= 0 or concentration_mcg_per_ml <= 0:
        raise ValueError("dose and concentration must be positive")
    return float(_exact_volume(dose_mcg, concentration_mcg_per_ml).quantize(_VOLUME_PLACES, ROUND_HALF_UP))


def volume_within_tolerance(entered_ml: float | Decimal, exact_ml: Decimal) -> bool:
    """True when an entered volume is within 1 % of the exact volume (R8): 0.01 mL for 0.0125 mL is not."""
    return abs(_to_decimal(entered_ml) - exact_ml) <= exact_ml * VOLUME_TOLERANCE


def override_reason_problem(reason: str | None) -> str | None:
    """What is wrong with a neurosurgeon's override reason (R8 revision 2), or None when it will do.

    The reason must say why the dose is needed in at least 15 characters (spaces inside count once)."""
    text = " ".join((reason or "").split())
    if len(text) >= MIN_OVERRIDE_REASON_CHARS:
        return None
    if not text:
        return "The neurosurgeon's override needs a reason: write why this dose is needed."
    return (
        f'The override reason "{text}" is too short ({len(text)} characters): write why this dose is '
        f"needed in at least {MIN_OVERRIDE_REASON_CHARS} characters."
    )


def _exact_volume(dose_mcg: int | float | Decimal, concentration: int | float | Decimal) -> Decimal:
    return _to_decimal(dose_mcg) / _to_decimal(concentration)


def _to_decimal(value: int | float | Decimal) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    return Decimal(repr(value))


# --------------------------------------------------------------------------------------------------
# Checks when a dose is entered (R8)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One R8 check result: a stable ``code``, a plain message (what is wrong, what to do) and its
    severity: "error" (blocks saving) or "warning" (needs an acknowledgement with a reason)."""

    code: str
    message: str
    severity: str  # "error" | "warning"


@dataclass(frozen=True)
class DoseEntry:
    """A dose as entered, with the independent double check.

    ``dose_mcg``/``concentration_mcg_per_ml``/``volume_ml``: the first clinician's entry
    (``volume_ml`` None = not entered). ``check_dose_mcg``/``check_concentration_mcg_per_ml``: the
    second clinician's blind entry, made without seeing the first. ``override_reason`` with
    ``override_by_neurosurgeon`` allows a dose above the protocol maximum.
    ``require_double_check`` is False only for records that carry no blind entries (imports).
    """

    dose_mcg: int | float | Decimal
    concentration_mcg_per_ml: int | float
    volume_ml: float | None
    given_at: datetime
    trial_day: int
    entered_by: str | None
    check_dose_mcg: int | float | None = None
    check_concentration_mcg_per_ml: int | float | None = None
    check_volume_ml: float | None = None
    checked_by: str | None = None
    override_reason: str | None = None
    override_by_neurosurgeon: bool = False
    require_double_check: bool = True


@dataclass(frozen=True)
class PriorDose:
    """A dose already given in this trial (must not include the dose being checked)."""

    day: int
    given_at: datetime
    dose_mcg: int


@dataclass(frozen=True)
class Bedside:
    """What only the bedside knows when a dose is ordered (R8 revision 2): the site's hard ceiling, the
    patient's weight and the times of the baseline assessments recorded on the dose's trial day."""

    hard_ceiling_mcg: int = DEFAULT_HARD_CEILING_MCG
    weight_kg: float | None = None
    day_baseline_times: tuple[datetime, ...] = ()


@dataclass(frozen=True)
class DoseContext:
    """What the checks need besides the entry: the trial's settings, the birth date, earlier doses and,
    for a dose being ordered, the bedside facts. ``bedside`` is None for a dose already recorded (an
    import, a printout): the hard ceiling, the weight and the baseline are then not checked, because the
    record states what was given, not what may be ordered."""

    settings: ProtocolSettings
    birth_date: date
    prior_doses: tuple[PriorDose, ...]
    bedside: Bedside | None = None


@dataclass(frozen=True)
class DoseCheckResult:
    """Errors (block saving), warnings (need a reason) and the computed volume (None when the dose or
    the concentration is not valid)."""

    errors: tuple[Finding, ...]
    warnings: tuple[Finding, ...]
    volume_ml: float | None

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings may still need acknowledging)."""
        return not self.errors


def _whole_positive(value: object) -> int | None:
    """The value as an int if it is a finite, positive, whole number (50, 50.0, Decimal(50)), else None.

    Numbers (not text) are checked by value: a float 50.0 from JSON is the whole number 50. Typed text
    goes through parse_dose_mcg, which refuses "50.0".
    """
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    dec = _to_decimal(value)
    if not dec.is_finite() or dec <= 0 or dec != dec.to_integral_value():
        return None
    return int(dec)


def _positive_number(value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    dec = _to_decimal(value)
    if not dec.is_finite() or dec <= 0:
        return None
    return dec


def _same_person(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return False
    a_key, b_key = a.strip().casefold(), b.strip().casefold()
    return bool(a_key) and a_key == b_key


def _blank(text: str | None) -> bool:
    return text is None or not text.strip()


def _format_gap(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    if hours:
        return f"{hours} h"
    return f"{rest} min"


def _when(prior: PriorDose) -> str:
    return f"{prior.given_at:%H:%M} on day {prior.day}"


def check_dose(entry: DoseEntry, ctx: DoseContext) -> DoseCheckResult:
    """R8: check a dose entry. Errors block saving; warnings need an acknowledgement with a reason.

    Errors (codes): ``dose_not_whole_positive``; ``above_hard_ceiling`` (above the site's hard ceiling,
    only with ``ctx.bedside``; nobody can override it); ``above_maximum`` (not raised when a neurosurgeon
    overrides with a reason of at least 15 characters, nor when ``above_hard_ceiling`` is);
    ``concentration_not_allowed``; ``volume_mismatch`` (an entered volume that differs from dose ÷
    concentration by more than 1 % of it); ``double_check_mismatch``;
    ``double_check_same_person`` (names compared trimmed and case-insensitively);
    ``double_check_missing`` (when ``require_double_check``: no second entry or no checker).

    Warnings (codes): ``concentration_not_screening`` (an allowed strength other than 50 mcg/mL for a
    screening bolus); ``within_24h`` (less than 24 h from the nearest other dose, before or after; exactly
    24 h is fine); ``above_one_step`` (the dose is above the next ladder step after the dose of the most
    recent earlier trial day with a dose; for an off-ladder earlier dose, the smallest step above it;
    above the top step, any increase); ``under_4_years`` (age on the dose date); ``second_dose_same_day``;
    ``small_volume`` (below 0.1 mL); ``first_dose_above_first_step`` (no earlier dose in the trial and a
    dose above the ladder's first step); with ``ctx.bedside`` also ``no_baseline`` (no baseline
    assessment at or before the dose on its day) and ``weight_not_recorded``.

    The bolus-only warnings (concentration, 24 h, ladder step, second dose) are not raised when the
    trial's mode is ``continuous``, where doses are infusion rates changed several times a day.
    Every time must be of the same kind (all naive or all timezone-aware).
    """
    n = _entered_numbers(entry)
    computed = (
        _exact_volume(n.dose, n.concentration) if n.dose is not None and n.concentration is not None else None
    )
    ceiling = _above_hard_ceiling(entry, ctx.bedside, n)
    errors = (
        _dose_not_whole_positive(entry, n),
        ceiling,
        _above_maximum(entry, ctx.settings, n) if ceiling is None else None,
        _concentration_not_allowed(entry, n),
        _volume_mismatch(entry, n, computed, recorded=ctx.bedside is None),
        _double_check_mismatch(entry),
        _double_check_same_person(entry),
        _double_check_missing(entry),
    )
    # The bolus-only warnings do not apply to a continuous trial's infusion rates.
    bolus = ctx.settings.mode != "continuous"
    bedside = ctx.bedside
    warnings = (
        _concentration_not_screening(n) if bolus else None,
        _small_volume(computed),
        _within_24h(entry, ctx) if bolus else None,
        _first_dose_above_first_step(ctx, n) if bolus else None,
        _above_one_step(entry, ctx, n) if bolus else None,
        _no_baseline(entry, bedside) if bedside is not None else None,
        _weight_not_recorded(bedside) if bedside is not None else None,
        _under_4_years(entry, ctx),
        _second_dose_same_day(entry, ctx) if bolus else None,
    )
    return DoseCheckResult(
        tuple(f for f in errors if f is not None),
        tuple(f for f in warnings if f is not None),
        float(computed.quantize(_VOLUME_PLACES, ROUND_HALF_UP)) if computed is not None else None,
    )


@dataclass(frozen=True)
class _Numbers:
    """The entry's dose and concentration, read once for every check."""

    dose: int | None  # a whole positive number of micrograms, else None
    dose_value: Decimal | None  # any positive number (for the maximum and the ladder), else None
    concentration: int | None  # an allowed strength, else None


def _entered_numbers(entry: DoseEntry) -> _Numbers:
    concentration = _whole_positive(entry.concentration_mcg_per_ml)
    return _Numbers(
        dose=_whole_positive(entry.dose_mcg),
        dose_value=_positive_number(entry.dose_mcg),
        concentration=concentration if concentration in ALLOWED_CONCENTRATIONS else None,
    )


def _error(code: str, message: str) -> Finding:
    return Finding(code, message, "error")


def _warning(code: str, message: str) -> Finding:
    return Finding(code, message, "warning")


def _shown_dose(entry: DoseEntry, n: _Numbers) -> str:
    return format_dose(n.dose) if n.dose is not None else f"{plain_number(entry.dose_mcg)} mcg"


# -- errors -------------------------------------------------------------------------------------


def _dose_not_whole_positive(entry: DoseEntry, n: _Numbers) -> Finding | None:
    if n.dose is not None:
        return None
    return _error(
        "dose_not_whole_positive",
        f"The dose must be a whole number of micrograms above 0, for example 50 mcg; "
        f"{plain_number(entry.dose_mcg)} was entered. Correct the dose.",
    )


def _above_hard_ceiling(entry: DoseEntry, bedside: Bedside | None, n: _Numbers) -> Finding | None:
    if bedside is None or n.dose_value is None or n.dose_value <= bedside.hard_ceiling_mcg:
        return None
    return _error(
        "above_hard_ceiling",
        f"{_shown_dose(entry, n)} is above this site's hard ceiling of {format_dose(bedside.hard_ceiling_mcg)} "
        "for a screening dose. Nobody can override the ceiling: check the order (is it a mix-up of units "
        "or strengths?) and enter the dose again.",
    )


def _above_maximum(entry: DoseEntry, settings: ProtocolSettings, n: _Numbers) -> Finding | None:
    if n.dose_value is None or n.dose_value <= settings.max_dose_mcg:
        return None
    reason_problem = override_reason_problem(entry.override_reason)
    if entry.override_by_neurosurgeon and reason_problem is None:
        return None
    base = (
        f"{_shown_dose(entry, n)} is above the protocol maximum of {format_dose(settings.max_dose_mcg)}. "
        "Check the dose (is it a mix-up of units or strengths?)."
    )
    if entry.override_by_neurosurgeon:
        detail = f" {reason_problem}"
    elif not _blank(entry.override_reason):
        detail = " Only a neurosurgeon can override the maximum: ask the neurosurgeon to record it."
    else:
        detail = " Only a neurosurgeon can override the maximum, with a reason."
    return _error("above_maximum", base + detail)


def _concentration_not_allowed(entry: DoseEntry, n: _Numbers) -> Finding | None:
    if n.concentration is not None:
        return None
    allowed_words = ", ".join(str(c) for c in ALLOWED_CONCENTRATIONS)
    return _error(
        "concentration_not_allowed",
        f"{plain_number(entry.concentration_mcg_per_ml)} mcg/mL is not a strength of intrathecal "
        f"baclofen. Use one of {allowed_words} mcg/mL (screening uses "
        f"{SCREENING_CONCENTRATION_MCG_PER_ML} mcg/mL); check the label on the ampule or syringe.",
    )


def _volume_mismatch(
    entry: DoseEntry, n: _Numbers, computed: Decimal | None, *, recorded: bool
) -> Finding | None:
    if computed is None or entry.volume_ml is None or n.dose is None or n.concentration is None:
        return None
    entered = _positive_number(entry.volume_ml)
    if entered is not None and volume_within_tolerance(entered, computed):
        return None
    # A dose recorded before revision 2 stored the volume rounded half-up to 0.01 mL: such files stay
    # valid. A dose being ordered now gets no such leeway.
    if recorded and entered is not None and entered == computed.quantize(Decimal("0.01"), ROUND_HALF_UP):
        return None
    return _error(
        "volume_mismatch",
        f"The volume entered, {plain_number(entry.volume_ml)} mL, does not match "
        f"{format_dose(n.dose)} at {format_concentration(n.concentration)}, which is "
        f"{format_volume(computed)}. Check the dose, the concentration and the "
        "volume drawn up, then correct the entry.",
    )


def _double_check_mismatch(entry: DoseEntry) -> Finding | None:
    # Compare what the second clinician entered; a value not entered is "missing", not a mismatch.
    differences: list[str] = []
    check_dose_value = entry.check_dose_mcg
    if check_dose_value is not None and _to_decimal(check_dose_value) != _to_decimal(entry.dose_mcg):
        differences.append(
            f"dose: first entry {plain_number(entry.dose_mcg)} mcg, second entry "
            f"{plain_number(check_dose_value)} mcg"
        )
    check_conc = entry.check_concentration_mcg_per_ml
    if check_conc is not None and _to_decimal(check_conc) != _to_decimal(entry.concentration_mcg_per_ml):
        differences.append(
            f"concentration: first entry {plain_number(entry.concentration_mcg_per_ml)} mcg/mL, "
            f"second entry {plain_number(check_conc)} mcg/mL"
        )
    check_volume = entry.check_volume_ml
    if check_volume is not None and not _volumes_agree(entry, check_volume):
        first = "not entered" if entry.volume_ml is None else f"{plain_number(entry.volume_ml)} mL"
        differences.append(f"volume: first entry {first}, second entry {plain_number(check_volume)} mL")
    if not differences:
        return None
    return _error(
        "double_check_mismatch",
        "The two independent entries differ (" + "; ".join(differences) + "). Do not give the "
        "dose: both clinicians check the order and the product again, then enter again.",
    )


def _volumes_agree(entry: DoseEntry, check_volume: float) -> bool:
    """The checker's volume agrees with the first entry's within 1 % (R8); the first entry's volume is
    dose ÷ concentration when it was not typed."""
    first = _positive_number(entry.volume_ml)
    if first is None:
        dose, conc = _positive_number(entry.dose_mcg), _positive_number(entry.concentration_mcg_per_ml)
        if dose is None or conc is None:
            return False
        first = dose / conc
    checked = _positive_number(check_volume)
    return checked is not None and volume_within_tolerance(checked, first)


def _double_check_same_person(entry: DoseEntry) -> Finding | None:
    if not _same_person(entry.entered_by, entry.checked_by):
        return None
    return _error(
        "double_check_same_person",
        f"The same person ({(entry.checked_by or '').strip()}) made both entries of the double check. "
        "A second clinician must make the check entry independently.",
    )


def _double_check_missing(entry: DoseEntry) -> Finding | None:
    if not entry.require_double_check:
        return None
    missing: list[str] = []
    if entry.check_dose_mcg is None or entry.check_concentration_mcg_per_ml is None:
        missing.append("the second entry of dose and concentration")
    if _blank(entry.checked_by):
        missing.append("who checked")
    if _blank(entry.entered_by):
        missing.append("who made the first entry")
    if not missing:
        return None
    return _error(
        "double_check_missing",
        "The independent double check is not complete: missing " + " and ".join(missing) + ". "
        "A second clinician enters the dose and the concentration without seeing the first entry.",
    )


# -- warnings -----------------------------------------------------------------------------------


def _concentration_not_screening(n: _Numbers) -> Finding | None:
    concentration = n.concentration
    if concentration is None or concentration == SCREENING_CONCENTRATION_MCG_PER_ML:
        return None
    message = (
        f"{format_concentration(concentration)} is not the screening strength: screening boluses use "
        f"{format_concentration(SCREENING_CONCENTRATION_MCG_PER_ML)}. Stronger products are for pumps, "
        "and a mix-up can cause an overdose. Check the product; go ahead only with a reason."
    )
    if n.dose is not None:
        exact = _exact_volume(n.dose, concentration)
        if exact != exact.quantize(Decimal("0.01")):
            message += (
                f" At this strength {format_dose(n.dose)} is {format_volume(exact)}, which cannot be "
                "measured to 0.01 mL."
            )
    return _warning("concentration_not_screening", message)


def _small_volume(computed: Decimal | None) -> Finding | None:
    if computed is None or computed >= SMALL_VOLUME_ML:
        return None
    return _warning(
        "small_volume",
        f"The volume is {format_volume(computed)}, below {plain_number(SMALL_VOLUME_ML)} mL: too small to "
        "draw up reliably. Check the strength (screening uses 50 mcg/mL); to go ahead, give a reason.",
    )


def _first_dose_above_first_step(ctx: DoseContext, n: _Numbers) -> Finding | None:
    first = ladder_steps(ctx.settings.ladder)[0]
    if ctx.prior_doses or n.dose_value is None or n.dose_value <= first:
        return None
    return _warning(
        "first_dose_above_first_step",
        f"This is the first dose of the trial and {plain_number(n.dose_value)} mcg is above the first step "
        f"of the {ctx.settings.ladder.replace('_', '-')} ladder, {format_dose(first)}. Check the dose; to go "
        "ahead, give a reason.",
    )


def _no_baseline(entry: DoseEntry, bedside: Bedside) -> Finding | None:
    if any(at <= entry.given_at for at in bedside.day_baseline_times):
        return None
    return _warning(
        "no_baseline",
        f"No baseline assessment is recorded before the dose on day {entry.trial_day}: the response to "
        "this dose cannot be measured. Record the baseline first; to go ahead without it, give a reason.",
    )


def _weight_not_recorded(bedside: Bedside) -> Finding | None:
    if bedside.weight_kg is not None and bedside.weight_kg > 0:
        return None
    return _warning(
        "weight_not_recorded",
        "The child's weight is not recorded. Weigh the child and record the weight; to go ahead without "
        "it, give a reason.",
    )


def _within_24h(entry: DoseEntry, ctx: DoseContext) -> Finding | None:
    if not ctx.prior_doses:
        return None
    # The nearest other dose in time, before or after: a dose entered late (backdated) must also
    # be 24 h away from a dose recorded after it.
    nearest = min(ctx.prior_doses, key=lambda p: (abs(entry.given_at - p.given_at), p.given_at))
    gap = entry.given_at - nearest.given_at
    if abs(gap) >= timedelta(hours=MIN_HOURS_BETWEEN_DOSES):
        return None
    other = f"{format_dose(nearest.dose_mcg)} at {_when(nearest)}"
    if gap >= timedelta(0):
        when = f"since the previous dose ({other})"
    else:
        when = f"before the next recorded dose ({other})"
    return _warning(
        "within_24h",
        f"Only {_format_gap(abs(gap))} {when}; screening doses are given at least 24 h apart. "
        "Check the time; to go ahead, give a reason.",
    )


def _above_one_step(entry: DoseEntry, ctx: DoseContext, n: _Numbers) -> Finding | None:
    earlier_days = [p for p in ctx.prior_doses if p.day < entry.trial_day]
    if n.dose_value is None or not earlier_days:
        return None
    last_day = max(p.day for p in earlier_days)
    previous = max((p for p in earlier_days if p.day == last_day), key=lambda p: p.given_at)
    allowed_step = next_step_above(ladder_steps(ctx.settings.ladder), previous.dose_mcg)
    ceiling = allowed_step if allowed_step is not None else previous.dose_mcg
    if n.dose_value <= ceiling:
        return None
    if allowed_step is None:
        where = f"there is no step above {format_dose(previous.dose_mcg)} on the ladder"
    else:
        where = f"the next step on the ladder is {format_dose(allowed_step)}"
    return _warning(
        "above_one_step",
        f"{_shown_dose(entry, n)} is more than one ladder step above the dose of day {previous.day} "
        f"({format_dose(previous.dose_mcg)}): {where}. Check the dose; to go ahead, give a "
        "reason.",
    )


def _under_4_years(entry: DoseEntry, ctx: DoseContext) -> Finding | None:
    dose_date = entry.given_at.date()
    if dose_date < ctx.birth_date or age_in_whole_years(ctx.birth_date, dose_date) >= SMALL_CHILD_AGE_YEARS:
        return None
    return _warning(
        "under_4_years",
        f"The child is {describe_age(ctx.birth_date, dose_date)} old, under 4 years: the label says "
        "safety is not established under 4 years. Check the dose against the small-child ladder "
        "(25 mcg first); to go ahead, give a reason.",
    )


def _second_dose_same_day(entry: DoseEntry, ctx: DoseContext) -> Finding | None:
    same_day = [p for p in ctx.prior_doses if p.day == entry.trial_day]
    if not same_day:
        return None
    first = min(same_day, key=lambda p: p.given_at)
    return _warning(
        "second_dose_same_day",
        f"A dose was already given on day {entry.trial_day} ({format_dose(first.dose_mcg)} at "
        f"{first.given_at:%H:%M}); the protocol gives one screening dose a day. Check that this "
        "is not a duplicate entry; to go ahead, give a reason.",
    )
