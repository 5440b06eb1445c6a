"""Vital-sign alerts (RULES.md R9) against a configurable, cited table of age bands.

The default table is ``resources/clinical/vital_bands.json``: heart rate and respiratory rate limits are the
1st and 99th centiles of Fleming et al., Lancet 2011 (from the authors' published centile data), the
systolic blood pressure limit is the PALS definition of hypotension, SpO2 < 92 % and UMSS ≥ 3 come from
RULES.md. The admin may store an edited table: :func:`bands_from_dict` validates it and says what is
wrong; :func:`bands_to_dict` writes the same shape back.

Urgent (R9): respiratory rate below band, SpO2 below the limit, UMSS 4. Warnings: heart rate below or
above band, respiratory rate above band, systolic BP below band, UMSS 3. An alert fires when a value is
strictly below a low limit or strictly above a high limit (the limits themselves are in range).

Pure Python: no Qt, no SQL; the default table is read as package data.
"""

from __future__ import annotations

import copy
import json
import math
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from typing import Any

from trialapp.domain.dosing import age_in_whole_months
from trialapp.domain.numbers import plain_number
from trialapp.domain.records import Assessment, Vitals

FORMAT_ID = "trialapp-vital-bands/1"

#: Alert codes that vital_alerts can produce.
ALERT_CODES: tuple[str, ...] = (
    "hr_low",
    "hr_high",
    "rr_low",
    "rr_high",
    "spo2_low",
    "sbp_low",
    "sedation",
    "no_band",
)

#: Each alert code in words, for lists and the history (a code is never shown to a clinician).
ALERT_WORDS: dict[str, str] = {
    "hr_low": "heart rate below the band",
    "hr_high": "heart rate above the band",
    "rr_low": "breathing rate below the band",
    "rr_high": "breathing rate above the band",
    "spo2_low": "low SpO2",
    "sbp_low": "systolic blood pressure below the limit",
    "sedation": "sedation (UMSS)",
    "no_band": "no limits for the child's age",
}

#: Codes R9 makes urgent; a site may add codes but never remove these (UMSS 4 is urgent through
#: ``sedation_urgent_at``).
REQUIRED_URGENT_CODES: frozenset[str] = frozenset({"rr_low", "spo2_low"})

_BAND_KEYS = ("from_months", "to_months", "label", "hr_low", "hr_high", "rr_low", "rr_high", "sbp_low")
_OPTIONAL_BAND_KEYS = ("source",)
_TOP_KEYS = ("spo2_low", "sedation_warning_at", "sedation_urgent_at", "urgent_codes", "bands")
_METADATA_KEYS = ("format", "title", "citation", "urgent_rules", "notes")

_UMSS_WORDS = {
    0: "awake and alert",
    1: "minimally sedated (tired or sleepy, responds to conversation)",
    2: "moderately sedated (somnolent, wakes with light touch or a simple command)",
    3: "deeply sedated (deep sleep, wakes only with significant physical stimulation)",
    4: "unarousable",
}


class VitalBandsError(ValueError):
    """An edited vital-band table that cannot be used; ``problems`` lists every problem found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("The vital-sign table is not valid:\n- " + "\n- ".join(problems))


@dataclass(frozen=True)
class VitalBand:
    """Alert limits for one age band, from ``from_months`` (included) to ``to_months`` (excluded)."""

    from_months: int
    to_months: int
    label: str
    hr_low: float
    hr_high: float
    rr_low: float
    rr_high: float
    sbp_low: float
    source: str | None = None


@dataclass(frozen=True)
class VitalBands:
    """The whole configurable table: contiguous age bands from birth, the SpO2 limit, the UMSS
    thresholds, the urgent codes, and the citation (kept so that an edited table still says where its
    numbers came from)."""

    bands: tuple[VitalBand, ...]
    spo2_low: float = 92
    sedation_warning_at: int = 3
    sedation_urgent_at: int = 4
    urgent_codes: frozenset[str] = REQUIRED_URGENT_CODES
    metadata: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class VitalAlert:
    """One alert: ``code`` (e.g. "rr_low"), ``level`` ("urgent" | "warning"), a plain message saying
    the value, the limit, the age band and what to do, and the value that triggered it."""

    code: str
    level: str
    message: str
    value: float


# --------------------------------------------------------------------------------------------------
# Loading, validation and writing
# --------------------------------------------------------------------------------------------------


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def bands_from_dict(data: object) -> VitalBands:
    """Build and validate a table from its JSON shape (that of ``vital_bands.json``).

    Raises VitalBandsError listing every problem with its place, e.g.
    ``bands[3].hr_low: must be below hr_high (180)``. Checks: known keys only; numbers finite and
    positive; low < high; bands sorted, starting at 0 months, each starting where the previous ended;
    SpO2 limit in 50–100; UMSS thresholds in 1–4 with warning ≤ urgent ≤ 4; urgent codes known and
    including rr_low and spo2_low.
    """
    problems: list[str] = []
    if not isinstance(data, dict):
        raise VitalBandsError(["the table must be a JSON object"])

    for key in data:
        if key not in _TOP_KEYS and key not in _METADATA_KEYS:
            problems.append(f"{key}: unknown key (allowed: {', '.join(_TOP_KEYS + _METADATA_KEYS)})")
    if "format" in data and data["format"] != FORMAT_ID:
        problems.append(f"format: must be {FORMAT_ID!r}, not {data['format']!r}")

    spo2 = data.get("spo2_low", 92)
    if not _is_number(spo2) or not 50 <= spo2 <= 100:
        problems.append(f"spo2_low: must be a number from 50 to 100 (%), not {spo2!r}")

    warn_at = data.get("sedation_warning_at", 3)
    urgent_at = data.get("sedation_urgent_at", 4)
    for name, value in (("sedation_warning_at", warn_at), ("sedation_urgent_at", urgent_at)):
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 4:
            problems.append(f"{name}: must be a whole UMSS score from 1 to 4, not {value!r}")
    if (
        isinstance(warn_at, int)
        and isinstance(urgent_at, int)
        and not isinstance(warn_at, bool)
        and not isinstance(urgent_at, bool)
        and warn_at > urgent_at
    ):
        problems.append(
            f"sedation_warning_at: must not be above sedation_urgent_at ({warn_at} > {urgent_at})"
        )

    urgent_raw = data.get("urgent_codes", sorted(REQUIRED_URGENT_CODES))
    urgent: set[str] = set()
    if not isinstance(urgent_raw, list) or not all(isinstance(c, str) for c in urgent_raw):
        problems.append("urgent_codes: must be a list of alert codes")
    else:
        urgent = set(urgent_raw)
        unknown = sorted(urgent - set(ALERT_CODES))
        if unknown:
            problems.append(
                f"urgent_codes: unknown code(s) {', '.join(unknown)} (known: {', '.join(ALERT_CODES)})"
            )
        missing = sorted(REQUIRED_URGENT_CODES - urgent)
        if missing:
            problems.append(
                f"urgent_codes: must include {', '.join(missing)} (RULES.md R9 makes them urgent)"
            )

    bands: list[VitalBand] = []
    raw_bands = data.get("bands")
    if not isinstance(raw_bands, list) or not raw_bands:
        problems.append("bands: must be a non-empty list of age bands")
        raw_bands = []
    for i, raw in enumerate(raw_bands):
        band = _band_from_dict(raw, f"bands[{i}]", problems)
        if band is not None:
            bands.append(band)

    if len(bands) == len(raw_bands) and bands:
        if bands[0].from_months != 0:
            problems.append(
                f"bands[0].from_months: the first band must start at 0, not {bands[0].from_months}"
            )
        for i in range(1, len(bands)):
            before, this = bands[i - 1], bands[i]
            if this.from_months != before.to_months:
                kind = "gap" if this.from_months > before.to_months else "overlap"
                problems.append(
                    f"bands[{i}].from_months: must be {before.to_months} (where bands[{i - 1}] ends), "
                    f"not {this.from_months}: the bands have a {kind}"
                )

    if problems:
        raise VitalBandsError(problems)
    metadata = {k: copy.deepcopy(v) for k, v in data.items() if k in _METADATA_KEYS}
    return VitalBands(
        bands=tuple(bands),
        spo2_low=spo2,
        sedation_warning_at=warn_at,
        sedation_urgent_at=urgent_at,
        urgent_codes=frozenset(urgent),
        metadata=metadata,
    )


def _band_from_dict(raw: object, path: str, problems: list[str]) -> VitalBand | None:
    if not isinstance(raw, dict):
        problems.append(f"{path}: must be an object")
        return None
    before = len(problems)
    for key in raw:
        if key not in _BAND_KEYS and key not in _OPTIONAL_BAND_KEYS:
            problems.append(f"{path}.{key}: unknown key")
    for key in _BAND_KEYS:
        if key not in raw:
            problems.append(f"{path}.{key}: missing")
    if len(problems) > before:
        return None
    for key in ("from_months", "to_months"):
        value = raw[key]
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            problems.append(f"{path}.{key}: must be a whole number of months, 0 or more, not {value!r}")
    for key in ("hr_low", "hr_high", "rr_low", "rr_high", "sbp_low"):
        value = raw[key]
        if not _is_number(value) or value <= 0:
            problems.append(f"{path}.{key}: must be a number above 0, not {value!r}")
    if not isinstance(raw["label"], str) or not raw["label"].strip():
        problems.append(f"{path}.label: must be a non-empty text such as '3–4 years'")
    source = raw.get("source")
    if source is not None and not isinstance(source, str):
        problems.append(f"{path}.source: must be text")
    if len(problems) > before:
        return None
    if raw["to_months"] <= raw["from_months"]:
        problems.append(
            f"{path}.to_months: must be after from_months ({raw['to_months']} ≤ {raw['from_months']})"
        )
    for low, high in (("hr_low", "hr_high"), ("rr_low", "rr_high")):
        if raw[low] >= raw[high]:
            problems.append(f"{path}.{low}: must be below {high} ({raw[low]} ≥ {raw[high]})")
    if len(problems) > before:
        return None
    return VitalBand(
        from_months=raw["from_months"],
        to_months=raw["to_months"],
        label=raw["label"].strip(),
        hr_low=raw["hr_low"],
        hr_high=raw["hr_high"],
        rr_low=raw["rr_low"],
        rr_high=raw["rr_high"],
        sbp_low=raw["sbp_low"],
        source=source,
    )


def bands_to_dict(bands: VitalBands) -> dict[str, Any]:
    """The JSON shape of a table (metadata such as the citation first, then the settings and bands);
    ``bands_from_dict(bands_to_dict(b)) == b``."""
    out: dict[str, Any] = {"format": FORMAT_ID}
    out.update({k: copy.deepcopy(v) for k, v in bands.metadata.items() if k != "format"})
    out["spo2_low"] = bands.spo2_low
    out["sedation_warning_at"] = bands.sedation_warning_at
    out["sedation_urgent_at"] = bands.sedation_urgent_at
    out["urgent_codes"] = sorted(bands.urgent_codes)
    rows: list[dict[str, Any]] = []
    for band in bands.bands:
        row: dict[str, Any] = {
            "from_months": band.from_months,
            "to_months": band.to_months,
            "label": band.label,
            "hr_low": band.hr_low,
            "hr_high": band.hr_high,
            "rr_low": band.rr_low,
            "rr_high": band.rr_high,
            "sbp_low": band.sbp_low,
        }
        if band.source is not None:
            row["source"] = band.source
        rows.append(row)
    out["bands"] = rows
    return out


def load_default_bands() -> VitalBands:
    """The default table shipped as ``resources/clinical/vital_bands.json`` (validated)."""
    text = resources.files("trialapp.resources").joinpath("clinical", "vital_bands.json").read_text(encoding="utf-8")
    return bands_from_dict(json.loads(text))


def band_for_age(bands: VitalBands, age_months: int) -> VitalBand | None:
    """The band whose [from_months, to_months) holds ``age_months``; None past the last band."""
    if age_months < 0:
        raise ValueError(f"age in months cannot be negative ({age_months})")
    for band in bands.bands:
        if band.from_months <= age_months < band.to_months:
            return band
    return None


# --------------------------------------------------------------------------------------------------
# Alerts
# --------------------------------------------------------------------------------------------------


def vital_alerts(
    vitals: Vitals | None,
    sedation_umss: int | None,
    age_months: int,
    bands: VitalBands,
) -> tuple[VitalAlert, ...]:
    """R9: the alerts for one set of observations of a child aged ``age_months`` (whole months).

    Urgent: respiratory rate below band, SpO2 below the limit, UMSS at or above ``sedation_urgent_at``
    (default 4), and any code the site added to ``urgent_codes``. Warnings: heart rate below/above
    band, respiratory rate above band, systolic BP below band, UMSS at or above ``sedation_warning_at``
    (default 3). Missing values are not checked. Urgent alerts come first.
    If no band covers the age, HR/RR/BP are not checked and a ``no_band`` warning says so.
    """
    if sedation_umss is not None and not 0 <= sedation_umss <= 4:
        raise ValueError(f"UMSS sedation score must be 0 to 4, not {sedation_umss}")
    alerts: list[VitalAlert] = []

    def add(code: str, message: str, value: float, urgent: bool = False) -> None:
        level = "urgent" if urgent or code in bands.urgent_codes else "warning"
        alerts.append(VitalAlert(code, level, message, float(value)))

    band = band_for_age(bands, age_months)
    v = vitals if vitals is not None else Vitals()
    if band is None:
        if v.hr is not None or v.rr is not None or v.sbp is not None:
            add(
                "no_band",
                f"No vital-sign limits are set for age {age_months} months, so heart rate, breathing rate "
                "and blood pressure were not checked. Ask the admin to extend the vital-sign table.",
                age_months,
            )
    else:
        where = f"for age {band.label}"
        if v.hr is not None and v.hr < band.hr_low:
            add(
                "hr_low",
                f"Heart rate {plain_number(v.hr)}/min is below {plain_number(band.hr_low)}/min, the lower limit {where}. "
                "Recheck it now; if it stays low, tell the doctor now (a slow heart rate can be a sign "
                "of too much baclofen).",
                v.hr,
            )
        if v.hr is not None and v.hr > band.hr_high:
            add(
                "hr_high",
                f"Heart rate {plain_number(v.hr)}/min is above {plain_number(band.hr_high)}/min, the upper limit {where}. "
                "Recheck when the child is calm; look for pain, fever or distress, and tell the doctor "
                "if it stays high.",
                v.hr,
            )
        if v.rr is not None and v.rr < band.rr_low:
            add(
                "rr_low",
                f"Breathing rate {plain_number(v.rr)}/min is below {plain_number(band.rr_low)}/min, the lower limit "
                f"{where}. Stay with the child, check the airway, breathing and how easily the child "
                "wakes, and call the doctor now (slow breathing can be a sign of baclofen overdose).",
                v.rr,
            )
        if v.rr is not None and v.rr > band.rr_high:
            add(
                "rr_high",
                f"Breathing rate {plain_number(v.rr)}/min is above {plain_number(band.rr_high)}/min, the upper limit "
                f"{where}. Recheck it; look for breathing difficulty, pain or fever, and tell the doctor "
                "if it stays high.",
                v.rr,
            )
        if v.sbp is not None and v.sbp < band.sbp_low:
            add(
                "sbp_low",
                f"Systolic blood pressure {plain_number(v.sbp)} mmHg is below {plain_number(band.sbp_low)} mmHg, the "
                f"lower limit {where}. Repeat it with the right cuff size; if it stays low, tell the "
                "doctor now (low blood pressure can be a sign of too much baclofen).",
                v.sbp,
            )
    if v.spo2 is not None and v.spo2 < bands.spo2_low:
        add(
            "spo2_low",
            f"Oxygen saturation {plain_number(v.spo2)} % is below {plain_number(bands.spo2_low)} %. Check the probe and the "
            "child's breathing, give oxygen as your unit's protocol says, and call the doctor now.",
            v.spo2,
        )
    if sedation_umss is not None and sedation_umss >= bands.sedation_warning_at:
        urgent = sedation_umss >= bands.sedation_urgent_at
        words = _UMSS_WORDS[sedation_umss]
        if urgent:
            advice = "Check the airway and breathing, stay with the child and call the doctor now."
        else:
            advice = "Check breathing and oxygen saturation, give no further dose, and tell the doctor now."
        add("sedation", f"Sedation score (UMSS) {sedation_umss}: {words}. {advice}", sedation_umss, urgent)

    alerts.sort(key=lambda a: a.level != "urgent")  # stable: urgent first, then the order above
    return tuple(alerts)


def alerts_for_assessment(
    assessment: Assessment, birth_date: date, bands: VitalBands
) -> tuple[VitalAlert, ...]:
    """R9 alerts for a recorded assessment, with the child's age in whole months on its date."""
    age = age_in_whole_months(birth_date, assessment.at.date())
    return vital_alerts(assessment.vitals, assessment.sedation_umss, age, bands)
